//! Front ends: source text → the AWS model.

pub mod cfn;
pub mod json;
pub mod node;
pub mod terraform;
pub mod yaml;
