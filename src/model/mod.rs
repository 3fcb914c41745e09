//! The AWS model: templates, expression trees and the resource graph.

pub mod expr;
pub mod graph;
pub mod template;

pub use expr::{Expr, ExprKind, SubPart};
pub use template::Template;
