//! The Bicep back end: a deterministic printer in the style `bicep format` produces.

mod print;

pub use print::{print_expr, print_module};
