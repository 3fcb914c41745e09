//! aws2azure: an infrastructure translation compiler from AWS CloudFormation
//! (and SAM) to Azure Bicep, with a migration decisions report.
//!
//! # Steps
//!
//! 1. **Discover** ([`discover::walk`]): the files under each PATH, templates
//!    recognised by content.
//! 2. **Parse** ([`frontend::cfn::parse`]): JSON or YAML with positions
//!    ([`frontend::node::Node`]) into the AWS model ([`model::Template`]),
//!    whose values are expression trees ([`model::Expr`]).
//! 3. **Graph** ([`model::graph::build`]): references and cycles checked;
//!    deployment and decommission order.
//! 4. **Map** ([`mapping::map_template`]): the tables in `mappings/` turn the
//!    AWS model into the ARM-shaped Azure model ([`azure::AzModule`]) and
//!    [`azure::Decision`]s.
//! 5. **Emit** ([`backend::bicep::print_module`]): Bicep text.
//! 6. **Report** ([`report::Report`]): `MIGRATION.md` and `migration-report.json`.
//!
//! Every stage returns its output with diagnostics ([`diag::Diagnostic`]) and
//! keeps going; only an unreadable input stops that input.

pub mod azure;
pub mod backend;
pub mod diag;
pub mod discover;
pub mod frontend;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod mapping;
pub mod model;
pub mod names;
pub mod output;
pub mod report;
pub mod run;
pub mod source;
pub mod tables;
