//! What only a Terraform module has, carried beside the AWS model for the later
//! stages: module calls, providers, resources of other providers kept as written,
//! the front end's notes, `tfvars` values and the state blocks found.

use std::collections::{BTreeMap, BTreeSet};

use super::expr::Expr;
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: String,
    pub source_span: Span,
    pub version: Option<String>,
    /// The called folder, relative to the run's root, when the source is a local path.
    pub local_dir: Option<String>,
    pub inputs: Vec<(String, Expr)>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<String>,
    /// The called module's variables and their type constraints as written (local
    /// modules of the run; filled in after parsing).
    pub input_types: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub enum PassItem {
    Attr(String, Expr),
    Block(String, Vec<String>, Vec<PassItem>),
}

/// A resource of a provider that is not AWS, kept as written.
#[derive(Debug, Clone)]
pub struct PassResource {
    pub ty: String,
    pub name: String,
    pub span: Span,
    pub body: Vec<PassItem>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub kubernetes: bool,
}

/// A decision the front end records (fold failures, Terraform-only constructs).
#[derive(Debug, Clone)]
pub struct Note {
    pub rule: String,
    pub id: Option<String>,
    pub span: Span,
    pub title: String,
    pub context: String,
    pub decision: String,
    pub consequences: String,
}

#[derive(Debug, Clone, Default)]
pub struct TfInfo {
    /// The module folder, relative to the run's root.
    pub dir: String,
    pub providers: Vec<(String, Option<String>, Span)>,
    /// `required_providers`: name, source, version constraint.
    pub required_providers: Vec<(String, String, Option<String>)>,
    pub backend: Option<(String, Span)>,
    pub modules: Vec<ModuleCall>,
    pub passthrough: Vec<PassResource>,
    pub data_used: Vec<(String, String, Span)>,
    pub notes: Vec<Note>,
    pub moved: Vec<Span>,
    pub imports: Vec<Span>,
    /// Values from `terraform.tfvars` and `*.auto.tfvars`.
    pub tfvars: Vec<(String, Expr)>,
    /// Terraform resource type and name of each lifted resource, by logical id.
    pub tf_names: BTreeMap<String, (String, String)>,
    /// Variables declared `sensitive`.
    pub sensitive: BTreeSet<String>,
    /// The CloudFormation service (`AWS::ECS`) of each Terraform type kept as its own
    /// type (no lifting entry), for the service-level decision.
    pub services: BTreeMap<String, String>,
}
