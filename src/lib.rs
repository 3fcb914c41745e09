//! aws2azure: an infrastructure translation compiler from AWS CloudFormation (and
//! SAM) and Terraform for `hashicorp/aws` to Azure Bicep or Terraform for
//! `hashicorp/azurerm`, with a migration decisions report. All four directions
//! (CloudFormation or Terraform in, Bicep or Terraform out) share one pipeline.
//!
//! # Steps
//!
//! 0. **Tables** ([`run::Tables::load`]): the YAML tables of `mappings/` (embedded)
//!    and a user's `--mappings` folder, found and classified by [`tables`] and read
//!    by the stage that owns each kind.
//! 1. **Discover** ([`discover::walk`]): the files under each PATH; CloudFormation
//!    templates recognised by content, Terraform modules by their `.tf` files.
//! 2. **Parse** (front ends) into the AWS model ([`model::Template`]) in
//!    CloudFormation's vocabulary, whose values are expression trees
//!    ([`model::Expr`]):
//!    - CloudFormation ([`frontend::cfn::parse`]): JSON or YAML with positions
//!      ([`frontend::node::Node`]);
//!    - Terraform ([`frontend::terraform::parse_module`]): the `.tf` files of a
//!      module, `aws_*` resources lifted through `mappings/terraform/`; what only
//!      Terraform has travels in [`model::terraform::TfInfo`].
//! 3. **Graph** ([`model::graph::build`]): references and cycles checked;
//!    deployment and decommission order.
//! 4. **Map** ([`mapping::map_template`]): the tables of `mappings/aws/` turn the
//!    AWS model into the ARM-shaped Azure model ([`azure::AzModule`]) and
//!    [`azure::Decision`]s. The model is the same whichever back end follows:
//!    Terraform forms with no ARM counterpart stay [`azure::TfOnly`] nodes, a
//!    `DeletionPolicy` that keeps the resource is an [`azure::DeletionGuard`].
//! 5. **Emit** (back ends, chosen once by `--to` or like for like:
//!    [`backend::Target`]); each adds its own decisions ([`azure::Effect`]):
//!    - Bicep ([`backend::bicep::lower`], then [`backend::bicep::print_module`]):
//!      Terraform-only forms become Bicep functions or stand-in parameters;
//!    - Terraform ([`backend::terraform::emit`]): lowered to `azurerm` resources
//!      through `mappings/azurerm/`, `azapi_resource` where azurerm has none;
//!      Terraform-only forms are written as they were.
//! 6. **Report** ([`report::Report`]): `MIGRATION.md` and `migration-report.json`.
//!
//! Imports follow the steps: a stage uses the shared modules ([`source`],
//! [`diag`], [`input`], [`names`], [`tables`]) and the models ([`model`],
//! [`azure`]), never a later stage; [`run`] drives them.
//!
//! Every stage returns its output with diagnostics ([`diag::Diagnostic`]) and
//! keeps going; only an unreadable input stops that input.

pub mod azure;
pub mod backend;
pub mod commands;
pub mod config;
pub mod cross_stack;
pub mod diag;
pub mod discover;
pub mod frontend;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod mapping;
pub mod model;
pub mod names;
pub mod nesting;
pub mod output;
pub mod param_files;
pub mod progress;
pub mod report;
pub mod run;
pub mod schema;
pub mod source;
pub mod tables;
pub mod timing;
