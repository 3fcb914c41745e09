//! The Bicep back end: a deterministic printer in the style `bicep format` produces.

mod forms;
mod lower;
mod print;

pub use lower::{LowerCx, Lowered, lower};
pub use print::{module_files, print_expr, print_module};

use crate::azure::Vocabulary;

/// How Bicep output names what the report talks about.
pub const VOCABULARY: Vocabulary = Vocabulary {
    secure_param: "`@secure()` parameter",
    secret_store: "Key Vault (a parameters-file `getSecret` reference) or a parameters file kept out of git",
    terraform: false,
};
