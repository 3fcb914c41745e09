//! The AWS model of one CloudFormation template, in CloudFormation's vocabulary.

use super::expr::Expr;
use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Terraform,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "cloudformation-json",
            Format::Yaml => "cloudformation-yaml",
            Format::Terraform => "terraform",
        }
    }
}

#[derive(Debug)]
pub struct Template {
    pub file: FileId,
    pub format: Format,
    pub description: Option<String>,
    pub transforms: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub mappings: Vec<Mapping>,
    pub conditions: Vec<Condition>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    /// Span of each top-level section, for the report.
    pub sections: Vec<(String, Span)>,
    /// Names SAM generates (`MyFunctionVersion`, `MyApiProdStage`) → the resource they stand for.
    pub aliases: Vec<(String, String)>,
    /// Terraform `locals`, in dependency order.
    pub locals: Vec<Local>,
    /// What only a Terraform module has: module calls, providers, state.
    pub tf: Option<Box<super::terraform::TfInfo>>,
    /// Nested stacks by logical id, resolved by the run against its other templates
    /// (empty when a template is converted alone).
    pub nested: std::collections::BTreeMap<String, super::nested::NestedStack>,
    /// `Fn::ImportValue`s another template of the run exports, by import label (see
    /// `crate::cross_stack`; empty when a template is converted alone).
    pub imports: std::collections::BTreeMap<String, super::nested::ImportSource>,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub span: Span,
    pub value: Expr,
}

impl Template {
    /// How the report names resource `id`: a Terraform resource by its address
    /// (`aws_instance.web`), a CloudFormation resource by its logical id.
    pub fn report_name(&self, id: &str) -> String {
        match self.tf.as_ref().and_then(|tf| tf.tf_names.get(id)) {
            Some((ty, name)) => format!("{ty}.{name}"),
            None => id.to_string(),
        }
    }

    /// A template of `file` in `format` with nothing in it yet.
    pub fn empty(file: FileId, format: Format) -> Template {
        Template {
            file,
            format,
            description: None,
            transforms: Vec::new(),
            parameters: Vec::new(),
            mappings: Vec::new(),
            conditions: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            sections: Vec::new(),
            aliases: Vec::new(),
            locals: Vec::new(),
            tf: None,
            nested: Default::default(),
            imports: Default::default(),
        }
    }

    pub fn is_sam(&self) -> bool {
        self.transforms
            .iter()
            .any(|t| t.starts_with("AWS::Serverless"))
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// The logical id a name stands for: itself, or the resource a SAM alias names.
    pub fn resolve<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases
            .iter()
            .find(|(a, _)| a == name)
            .map_or(name, |(_, t)| t.as_str())
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub span: Span,
    pub ty: String,
    pub default: Option<Expr>,
    pub allowed_values: Vec<Expr>,
    pub allowed_pattern: Option<String>,
    pub min_length: Option<i64>,
    pub max_length: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub no_echo: bool,
    pub description: Option<String>,
    /// A Terraform variable's type constraint as written (one line), e.g. `map(string)`.
    pub tf_type: Option<String>,
    /// Set when the parameter carries a secret the input wrote as a literal (see
    /// `mapping::secrets`): the literal is not copied into the output.
    pub secret: Option<SecretOrigin>,
}

/// Why a parameter is secret, and the literal values of it the input held.
#[derive(Debug, Clone, Default)]
pub struct SecretOrigin {
    /// The converter made the parameter for a literal in the input: who held it
    /// (a logical id, `module.db`, `local.x`) and what it was (`OrdersDb.MasterUserPassword`).
    pub stands_for: Option<(String, String)>,
    /// The input did not mark the parameter NoEcho / sensitive: its name or its use shows
    /// it carries a secret.
    pub promoted: bool,
    /// A default that was not a secret's value (a reference written as text) was dropped.
    pub dropped_default: bool,
    /// Literal values left out: where each was, and what it was (`default`, `terraform.tfvars value`).
    pub literals: Vec<(Span, String)>,
}

#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    pub span: Span,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub span: Span,
    pub value: Expr,
}

/// `Fn::ForEach` around a resource: `for ident in collection`.
#[derive(Debug, Clone)]
pub struct ForEach {
    pub loop_name: String,
    pub ident: String,
    pub collection: Expr,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: String,
    pub span: Span,
    pub ty: String,
    pub properties: Expr,
    pub depends_on: Vec<(String, Span)>,
    pub condition: Option<(String, Span)>,
    pub deletion_policy: Option<(String, Span)>,
    pub for_each: Option<ForEach>,
    /// Set on resources SAM creates implicitly (`ServerlessRestApi`, `<Function>Role`).
    pub implicit: bool,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Expr,
    pub description: Option<String>,
    pub export: Option<Expr>,
    pub condition: Option<String>,
    /// Terraform `sensitive = true`: the value is kept out of plans and logs.
    pub sensitive: bool,
}
