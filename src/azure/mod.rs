//! The ARM-shaped Azure model that back ends print, and the decisions that
//! record every choice made on the way.

mod expr;
mod report;
pub mod types;
pub use expr::{AzExpr, AzKey, Interp, TfForm, TfOnly, coerce, for_vars, interp, resolve_self};
pub use report::{
    Effect, Origin, ResourceReport, STAND_IN_RULE, Vocabulary, affected, apply_effects, status_rank,
};

/// A Bicep/ARM parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct AzParam {
    pub name: String,
    pub ty: String,
    pub default: Option<AzExpr>,
    pub description: Option<String>,
    pub allowed: Vec<AzExpr>,
    pub min_length: Option<i64>,
    pub max_length: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub secure: bool,
    /// The user must supply a value (no default): listed in the report.
    pub required_reason: Option<String>,
    /// The Terraform variable it came from: Terraform output keeps that name.
    pub tf_name: Option<String>,
    /// Its Terraform type constraint as written.
    pub tf_type: Option<String>,
    /// Creation order, shared with the nodes back ends lower ([`Origin::seq`]): a
    /// parameter a back end adds goes where the mapping would have put it.
    pub seq: u32,
    /// It stands in for a value with no translation: its type is what its uses need
    /// (see `mapping::stand_ins`), not one the source declared.
    pub stand_in: bool,
    /// Fed by an output of another template of the run (a cross-stack import): that
    /// template's file and output name, for the report's deployment order.
    pub fed_by: Option<(String, String)>,
}

impl AzParam {
    pub fn new(name: impl Into<String>, ty: &str) -> Self {
        AzParam {
            name: name.into(),
            ty: ty.into(),
            default: None,
            description: None,
            allowed: Vec::new(),
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            secure: false,
            required_reason: None,
            tf_name: None,
            tf_type: None,
            seq: 0,
            stand_in: false,
            fed_by: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AzVar {
    pub name: String,
    pub value: AzExpr,
    pub comment: Option<String>,
    /// The Terraform local it came from: Terraform output keeps that name.
    pub tf_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AzOutput {
    pub name: String,
    pub ty: String,
    pub value: AzExpr,
    pub description: Option<String>,
    /// Derived from a secure parameter: kept out of deployment history.
    pub secure: bool,
    /// The Terraform output it came from: Terraform output keeps that name.
    pub tf_name: Option<String>,
}

/// One Azure resource, ARM-shaped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AzResource {
    pub symbol: String,
    pub ty: String,
    pub api: String,
    pub parent: Option<String>,
    pub name: AzExpr,
    pub location: Option<AzExpr>,
    pub tags: Option<AzExpr>,
    /// Top-level members other than name/location/tags (sku, kind, identity, properties, scope…).
    pub body: Vec<(String, AzExpr)>,
    pub condition: Option<AzExpr>,
    /// `for <var> in <collection>`.
    pub for_each: Option<(String, AzExpr)>,
    pub depends_on: Vec<String>,
    /// Comment lines printed above the resource.
    pub comments: Vec<String>,
    /// Logical id of the AWS resource it came from (empty for shared resources).
    pub source: String,
    /// A reference to a resource declared elsewhere (`existing`): only parent and name are printed.
    pub existing: bool,
    /// The id of an existing resource, declared elsewhere, that this one changes in
    /// place: only the body's members are set and the rest is kept (an NSG put on a
    /// subnet another deployment owns). Bicep reads the current properties and puts
    /// them back with the change; Terraform writes the association azurerm has for it,
    /// or `azapi_update_resource`. `name` and `parent` are unused.
    pub updates: Option<AzExpr>,
    /// The source keeps it on deletion: `lifecycle { prevent_destroy = true }` in
    /// Terraform; a decision in Bicep (see [`AzModule::guards`]).
    pub prevent_destroy: bool,
    /// The mapping rule that produced it (a table entry's resource spec); `None` for
    /// the resources aws2azure's own passes build.
    pub rule: Option<RuleRef>,
}

/// A resource spec of a mapping table: the AWS type whose entry holds it and the
/// spec's `symbol` as written (`{sym}Plan`).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleRef {
    pub aws_type: String,
    pub symbol: String,
}

/// A call of another converted module (Terraform `module` block).
#[derive(Clone, Debug, PartialEq)]
pub struct AzCall {
    pub symbol: String,
    /// Terraform source as written (`../modules/x`) or a registry/git source.
    pub source: String,
    pub version: Option<String>,
    pub local: bool,
    pub params: Vec<(String, AzExpr)>,
    pub condition: Option<AzExpr>,
    /// `count` (a number) or `for_each` (a collection), as written.
    pub count: Option<AzExpr>,
    pub for_each: Option<AzExpr>,
    /// A nested stack's call: its parameters' Terraform variable names by the keys of
    /// `params` (Bicep names); empty when the keys are Terraform names already.
    pub tf_params: std::collections::BTreeMap<String, String>,
    /// Likewise its outputs' Terraform names by Bicep name (`outputs.<name>`).
    pub tf_outputs: std::collections::BTreeMap<String, String>,
    /// Symbols of the resources and module calls it waits for (a nested stack's
    /// `DependsOn`).
    pub depends_on: Vec<String>,
}

/// A Terraform block of a provider other than AWS, kept for Terraform output.
#[derive(Clone, Debug, PartialEq)]
pub enum AzPassItem {
    Attr(String, AzExpr),
    Block(String, Vec<String>, Vec<AzPassItem>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AzPass {
    pub ty: String,
    pub name: String,
    pub items: Vec<AzPassItem>,
    pub count: Option<AzExpr>,
    pub for_each: Option<AzExpr>,
    pub origin: Origin,
}

/// An AWS resource whose deletion policy keeps it (`Retain`, `Snapshot`): its Azure
/// resources carry `prevent_destroy`; each back end records how it honours that.
#[derive(Clone, Debug, PartialEq)]
pub struct DeletionGuard {
    pub policy: String,
    pub origin: Origin,
}

/// The whole translated template, ready for a back end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AzModule {
    pub header: Vec<String>,
    pub params: Vec<AzParam>,
    pub vars: Vec<AzVar>,
    pub resources: Vec<AzResource>,
    pub outputs: Vec<AzOutput>,
    pub calls: Vec<AzCall>,
    pub passthrough: Vec<AzPass>,
    pub guards: Vec<DeletionGuard>,
}

/// Where a decision applies: a logical id and its place in the source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Affected {
    pub id: String,
    pub file: String,
    pub line: usize,
}

/// A recorded choice, rendered as an ADR-style section of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Stable: `<rule>:<file>#<logical id>` or `<rule>:<file>` for template-wide ones.
    pub id: String,
    pub rule: String,
    pub title: String,
    pub context: String,
    pub decision: String,
    pub consequences: String,
    pub resources: Vec<Affected>,
}

impl AzModule {
    /// Calls `f` on every top-level expression of the module (parameter defaults,
    /// variables, resource members, outputs, module calls, kept resources).
    pub fn for_each_expr_mut(&mut self, f: &mut dyn FnMut(&mut AzExpr)) {
        for p in &mut self.params {
            p.default.iter_mut().for_each(&mut *f);
            p.allowed.iter_mut().for_each(&mut *f);
        }
        self.vars.iter_mut().for_each(|v| f(&mut v.value));
        for r in &mut self.resources {
            f(&mut r.name);
            r.location.iter_mut().for_each(&mut *f);
            r.tags.iter_mut().for_each(&mut *f);
            r.body.iter_mut().for_each(|(_, v)| f(v));
            r.condition.iter_mut().for_each(&mut *f);
            r.for_each.iter_mut().for_each(|(_, c)| f(c));
            r.updates.iter_mut().for_each(&mut *f);
        }
        self.outputs.iter_mut().for_each(|o| f(&mut o.value));
        for c in &mut self.calls {
            c.params.iter_mut().for_each(|(_, v)| f(v));
            c.condition.iter_mut().for_each(&mut *f);
            c.count.iter_mut().for_each(&mut *f);
            c.for_each.iter_mut().for_each(&mut *f);
        }
        for p in &mut self.passthrough {
            pass_items(&mut p.items, f);
            p.count.iter_mut().for_each(&mut *f);
            p.for_each.iter_mut().for_each(&mut *f);
        }
    }
}

fn pass_items(items: &mut [AzPassItem], f: &mut dyn FnMut(&mut AzExpr)) {
    for it in items {
        match it {
            AzPassItem::Attr(_, v) => f(v),
            AzPassItem::Block(_, _, b) => pass_items(b, f),
        }
    }
}
