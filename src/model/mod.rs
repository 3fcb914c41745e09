//! The AWS model: templates, expression trees and the resource graph.

pub mod expr;
pub mod graph;
pub mod nested;
pub mod sub;
pub mod template;
pub mod terraform;

pub use expr::{Expr, ExprKind, SubPart};
pub use template::Template;
