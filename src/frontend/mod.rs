//! Front ends: source text → the AWS model.

pub mod cfn;
pub mod terraform;
pub mod json;
pub mod node;
pub mod yaml;
