//! The AWS → ARM tables (`mappings/aws/`, `services.yaml`, with the lookup tables):
//! YAML parsed into raw structs (unknown keys rejected), then checked into
//! [`MapTables`]. Every error points into the YAML file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;
use serde_yaml::Value;

use crate::diag::{Diagnostic, codes};
use crate::model::expr::ExprKind;
use crate::model::template::{Resource, Template};
use crate::source::{FileId, SourceMap, Span};
use crate::tables::{Kind, Lookups, TableFile};

pub const STATUSES: &[&str] = &["translated", "partial", "not-needed", "manual"];

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub prop: Option<String>,
    pub present: Option<bool>,
    pub equals: Option<Value>,
    #[serde(default)]
    pub matches: Vec<String>,
    pub above: Option<f64>,
    /// True when the template uses the SAM transform with an HTTP event, or a
    /// Lambda permission for API Gateway names this function, or an AppSync data
    /// source calls it (its resolvers become HTTP calls).
    pub http_invoked: Option<bool>,
    /// True for an HTTP API whose every route goes to one function of the template (its
    /// function app's HTTP trigger serves it, no API Management), and for the resources
    /// that name such an API in `ApiId` (routes, integrations, stages, deployments).
    pub function_endpoint: Option<bool>,
    /// True for an IAM policy (`grants: policy`) attached to a role of the template
    /// (its `Roles`, or a role's `ManagedPolicyArns`); false for one attached only to
    /// roles of other stacks, users or groups.
    pub attached: Option<bool>,
    /// True for a resource with no Azure resource of its own that members of the
    /// template carry (lookup table `member-attributes`: an Aurora cluster and the DB
    /// instances that name it in `DBClusterIdentifier`, when their type has an entry).
    pub has_members: Option<bool>,
    /// True for a function URL, version, alias or invoke config (`events: {part: …}`)
    /// whose function, through the versions and aliases it names, is one function app of
    /// the template (`@Function` is that app); false when it is outside the template or
    /// repeated.
    pub function_part: Option<bool>,
    /// The template resource that `prop` references has an `Engine` matching one
    /// of these (`postgres*`): read replicas inherit their source's engine.
    #[serde(default)]
    pub ref_engine: Vec<String>,
    /// `prop` references a resource of the template (`true`), or holds something else:
    /// a parameter, an import, a literal id (`false`; an absent property is neither).
    pub in_template: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    pub symbol: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub api: String,
    pub parent: Option<Value>,
    pub name: Value,
    #[serde(default)]
    pub location: Option<Value>,
    #[serde(default)]
    pub tags: bool,
    #[serde(default)]
    pub body: BTreeMap<String, Value>,
    /// Emitted only when this holds.
    pub when: Option<When>,
    /// Body members that must evaluate to a value, or the resource is not emitted
    /// (a dotted path reaches inside a member: `properties.permissions`).
    #[serde(default)]
    pub required: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    pub rule: String,
    pub when: Option<When>,
    pub title: String,
    pub context: String,
    pub decision: String,
    pub consequences: String,
    /// Lowers the resource's status (`partial`, `manual`).
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub when: When,
    pub service: Option<String>,
    pub status: Option<String>,
    pub shared: Option<Vec<ResourceSpec>>,
    pub resources: Option<Vec<ResourceSpec>>,
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    pub attributes: Option<BTreeMap<String, String>>,
    pub ignored: Option<BTreeMap<String, String>>,
    pub decisions: Option<Vec<DecisionSpec>>,
}

/// What one AWS resource type becomes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub service: String,
    pub status: String,
    #[serde(default)]
    pub shared: Vec<ResourceSpec>,
    #[serde(default)]
    pub resources: Vec<ResourceSpec>,
    /// What `Ref` gives, as a reference expression (`{sym}.id`).
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Properties deliberately not carried over, each with the reason the report gives.
    #[serde(default)]
    pub ignored: BTreeMap<String, String>,
    #[serde(default)]
    pub decisions: Vec<DecisionSpec>,
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// The cross-resource passes that read resources of this type, each with the
    /// role the type plays in it (a name, a list of names, or a map of names to data);
    /// see `mappings/README.md`, "Passes".
    #[serde(default)]
    pub passes: BTreeMap<String, Value>,
    /// Other Azure targets the user may pick for this type in `aws2azure.toml`'s
    /// `[targets]` (the entry itself is the default).
    pub choices: Option<Choices>,
}

/// The targets a type offers: the entry's own (`default`) and its alternatives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// The name of the entry's own mapping (`service-bus-queue`).
    pub default: String,
    /// What the default is, one line (for `init` and the error that lists choices).
    pub about: String,
    pub alternatives: BTreeMap<String, Choice>,
}

/// An alternative target: the fields it replaces in the entry. Variants and decisions
/// are the alternative's own (the default's speak of another service; YAML aliases
/// share the ones that still hold); its ignored properties are laid over the entry's;
/// passes are kept unless it names its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub about: String,
    pub service: String,
    pub status: Option<String>,
    pub shared: Option<Vec<ResourceSpec>>,
    pub resources: Vec<ResourceSpec>,
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub ignored: BTreeMap<String, String>,
    #[serde(default)]
    pub decisions: Vec<DecisionSpec>,
    #[serde(default)]
    pub variants: Vec<Variant>,
    pub passes: Option<BTreeMap<String, Value>>,
    /// Rows of lookup tables the choice replaces (`access-roles`: the data roles of the
    /// other service), by table and key.
    #[serde(default)]
    pub lookups: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
}

impl Entry {
    /// This entry with the alternative `name` of its choices in place of its own
    /// mapping (`None`: no such alternative; the default's name gives the entry).
    pub fn choose(&self, name: &str) -> Option<Entry> {
        let c = self.choices.as_ref()?;
        if c.default == name {
            return Some(self.clone());
        }
        let a = c.alternatives.get(name)?;
        let mut e = self.clone();
        e.service = a.service.clone();
        if let Some(s) = &a.status {
            e.status = s.clone();
        }
        if let Some(s) = &a.shared {
            e.shared = s.clone();
        }
        e.resources = a.resources.clone();
        e.ref_ = a.ref_.clone();
        e.attributes = a.attributes.clone();
        e.ignored.extend(a.ignored.clone());
        e.decisions = a.decisions.clone();
        e.variants = a.variants.clone();
        if let Some(p) = &a.passes {
            e.passes = p.clone();
        }
        Some(e)
    }

    /// The names of the choices, the default first.
    pub fn choice_names(&self) -> Vec<String> {
        self.choices
            .iter()
            .flat_map(|c| std::iter::once(c.default.clone()).chain(c.alternatives.keys().cloned()))
            .collect()
    }

    /// This entry with a variant's fields laid over it.
    pub fn with(&self, v: &Variant) -> Entry {
        let mut e = self.clone();
        e.variants.clear();
        if let Some(s) = &v.service {
            e.service = s.clone();
        }
        if let Some(s) = &v.status {
            e.status = s.clone();
        }
        if let Some(s) = &v.shared {
            e.shared = s.clone();
        }
        if let Some(s) = &v.resources {
            e.resources = s.clone();
        }
        if let Some(s) = &v.ref_ {
            e.ref_ = Some(s.clone());
        }
        if let Some(s) = &v.attributes {
            e.attributes = s.clone();
        }
        if let Some(s) = &v.ignored {
            e.ignored.extend(s.clone());
        }
        if let Some(s) = &v.decisions {
            e.decisions = s.clone();
        }
        e
    }
}

/// A fallback for types with no entry: the Azure service to consider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceHint {
    pub service: String,
    #[serde(default)]
    pub arm: Vec<String>,
    pub note: Option<String>,
    /// As an entry's `passes`, for a type with no entry (a hint for an exact type only).
    #[serde(default)]
    pub passes: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServices {
    services: BTreeMap<String, ServiceHint>,
}

/// The tables mapping reads: AWS type entries, service hints and the lookup tables.
#[derive(Debug, Default)]
pub struct MapTables {
    pub types: BTreeMap<String, Arc<Entry>>,
    /// Where each type entry was defined (for "unused override" warnings).
    pub type_origin: BTreeMap<String, (FileId, bool)>,
    pub services: BTreeMap<String, ServiceHint>,
    pub lookups: Lookups,
    /// The answers of `aws2azure.toml` the mapping reads (region, tags).
    pub answers: crate::config::Answers,
}

impl MapTables {
    pub fn lookup(&self, table: &str, key: &str) -> Option<&BTreeMap<String, Value>> {
        self.lookups.lookup(table, key)
    }

    pub fn lookup_str(&self, table: &str, key: &str, field: &str) -> Option<String> {
        self.lookups.lookup_str(table, key, field)
    }

    pub fn lookup_list(&self, table: &str, key: &str, field: &str) -> Vec<String> {
        self.lookups.lookup_list(table, key, field)
    }

    /// The role data `ty` has in the pass `pass`: its entry's, else its exact hint's.
    pub fn pass(&self, ty: &str, pass: &str) -> Option<&Value> {
        match self.types.get(ty) {
            Some(e) => e.passes.get(pass),
            None => self.services.get(ty)?.passes.get(pass),
        }
    }

    /// Does `ty` play `role` in the pass `pass` (the role named alone, in a list, or as
    /// a key of a map)?
    pub fn plays(&self, ty: &str, pass: &str, role: &str) -> bool {
        match self.pass(ty, pass) {
            Some(Value::String(s)) => s == role,
            Some(Value::Sequence(l)) => l.iter().any(|x| x.as_str() == Some(role)),
            Some(Value::Mapping(m)) => m.contains_key(role),
            _ => false,
        }
    }

    /// The hint for a type: the longest `AWS::Service` or `AWS::Service::Type` prefix.
    pub fn service_hint(&self, ty: &str) -> Option<&ServiceHint> {
        if let Some(h) = self.services.get(ty) {
            return Some(h);
        }
        let service: String = ty.split("::").take(2).collect::<Vec<_>>().join("::");
        self.services
            .get(&service)
            .or_else(|| self.services.get(ty.split("::").next().unwrap_or(ty)))
    }

    /// Loads one file of a kind mapping owns (type entries, services, lookups); other
    /// kinds are left to their stage. `transforms` are the names a body may call. A
    /// `user` (`--mappings`) entry's ARM types and API versions are checked against
    /// Azure's schema: an unknown one is an error at its line.
    pub fn load(
        &mut self,
        sources: &mut SourceMap,
        file: &mut TableFile,
        transforms: &[&str],
        user: bool,
    ) -> Vec<Diagnostic> {
        match file.kind {
            Kind::Lookup => self.lookups.load(sources, file),
            Kind::Services => match file.parse::<RawServices>(sources) {
                Ok(raw) => {
                    let mut diags = Vec::new();
                    for (ty, hint) in raw.services {
                        match super::passes::check(&hint.passes) {
                            Some(bad) => diags.push(invalid(sources, file, &ty, bad)),
                            None => {
                                self.services.insert(ty, hint);
                            }
                        }
                    }
                    diags
                }
                Err(d) => vec![*d],
            },
            Kind::Types => self.load_types(sources, file, transforms, user),
            Kind::Lift | Kind::LiftPrefixes | Kind::Azurerm | Kind::Report => Vec::new(),
        }
    }

    fn load_types(
        &mut self,
        sources: &mut SourceMap,
        file: &mut TableFile,
        transforms: &[&str],
        user: bool,
    ) -> Vec<Diagnostic> {
        let raw: BTreeMap<String, Entry> = match file.parse(sources) {
            Ok(r) => r,
            Err(d) => return vec![*d],
        };
        let mut diags = Vec::new();
        for (ty, mut entry) in raw {
            if let Some(bad) = validate(&ty, &entry, transforms) {
                diags.push(invalid(sources, file, &ty, bad));
                continue;
            }
            let fid = file.id(sources);
            if user {
                diags.extend(unchecked(fid, &file.text, &ty, &entry));
            }
            // An entry that names no passes keeps the ones of the entry it replaces: they
            // say what the AWS resource is (a security group, a principal), which a new
            // Azure mapping does not change — and the access check must still see it.
            if entry.passes.is_empty()
                && let Some(old) = self.types.get(&ty)
            {
                entry.passes = old.passes.clone();
            }
            self.type_origin.insert(ty.clone(), (fid, file.user));
            self.types.insert(ty, Arc::new(entry));
        }
        diags
    }
}

/// The diagnostic for an entry `validate` (or the pass check) refused.
fn invalid(
    sources: &mut SourceMap,
    file: &mut TableFile,
    ty: &str,
    (at, message, help): (String, String, String),
) -> Diagnostic {
    let span = file.span_of(sources, &at);
    Diagnostic::new(
        codes::MAP_TABLE,
        span,
        format!("invalid mapping for {ty}: {message}"),
        "here",
    )
    .help(help)
}

/// Checks what serde cannot: statuses, transforms, reference expressions.
/// Returns (text to point at, message, help).
fn validate(ty: &str, e: &Entry, transforms: &[&str]) -> Option<(String, String, String)> {
    if !ty.starts_with("AWS::") && !ty.starts_with("Custom::") {
        return Some((
            ty.into(),
            "a type key must be a CloudFormation type such as AWS::S3::Bucket".into(),
            "write the key as `AWS::<service>::<resource>`".into(),
        ));
    }
    let alternatives = e.choices.iter().flat_map(|c| c.alternatives.values());
    let statuses = std::iter::once(&e.status)
        .chain(e.variants.iter().filter_map(|v| v.status.as_ref()))
        .chain(e.decisions.iter().filter_map(|d| d.status.as_ref()))
        .chain(alternatives.clone().flat_map(|a| {
            a.status
                .iter()
                .chain(a.variants.iter().filter_map(|v| v.status.as_ref()))
                .chain(a.decisions.iter().filter_map(|d| d.status.as_ref()))
        }));
    for s in statuses {
        if !STATUSES.contains(&s.as_str()) {
            return Some((
                format!("status: {s}"),
                format!("unknown status `{s}`"),
                format!("use one of {}", STATUSES.join(", ")),
            ));
        }
    }
    if let Some(bad) = super::passes::check(&e.passes) {
        return Some(bad);
    }
    for a in alternatives {
        if let Some(bad) = a.passes.as_ref().and_then(super::passes::check) {
            return Some(bad);
        }
    }
    for r in specs(e) {
        if !r.ty.contains('/') {
            return Some((
                r.ty.clone(),
                format!("`{}` is not an ARM resource type", r.ty),
                "write the type as `Microsoft.<Provider>/<type>`".into(),
            ));
        }
        if let Some(t) = find_unknown_transform(&r.body, transforms) {
            return Some((
                t.clone(),
                format!("unknown transform `{t}`"),
                format!("use one of {}", transforms.join(", ")),
            ));
        }
    }
    None
}

/// Every ARM resource an entry can emit, its choices' included.
pub fn specs(e: &Entry) -> impl Iterator<Item = &ResourceSpec> {
    fn variants(vs: &[Variant]) -> impl Iterator<Item = &ResourceSpec> {
        vs.iter()
            .flat_map(|v| v.resources.iter().chain(v.shared.iter()).flatten())
    }
    let mut out: Vec<&ResourceSpec> = e.resources.iter().chain(e.shared.iter()).collect();
    out.extend(variants(&e.variants));
    for a in e.choices.iter().flat_map(|c| c.alternatives.values()) {
        out.extend(a.resources.iter().chain(a.shared.iter().flatten()));
        out.extend(variants(&a.variants));
    }
    out.into_iter()
}

/// Where `field: value` is written in a table (the value), else the value's first place.
fn field_offset(text: &str, field: &str, value: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(f) = line.find(&format!("{field}:"))
            && let Some(v) = line[f..].find(value)
        {
            return at + f + v;
        }
        at += line.len();
    }
    text.find(value).unwrap_or(0)
}

/// What Azure's schema says of a `--mappings` entry's ARM types and API versions: an
/// unknown type or version is an error at its line; a real pair whose properties the
/// data does not carry is a warning (its properties cannot be checked).
fn unchecked(file: FileId, text: &str, ty: &str, e: &Entry) -> Vec<Diagnostic> {
    let schema = crate::schema::arm::schema();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in specs(e) {
        if !seen.insert((r.ty.clone(), r.api.clone())) {
            continue;
        }
        let Some(f) = schema.check_type(&r.ty, &r.api) else {
            continue;
        };
        let (field, value, label, help) = match f.problem {
            crate::schema::Problem::UnknownType => (
                "type",
                &r.ty,
                "unknown ARM type",
                "check the spelling against the ARM reference (`Microsoft.<Provider>/<type>`, learn.microsoft.com/azure/templates)",
            ),
            crate::schema::Problem::UnknownVersion => (
                "api",
                &r.api,
                "unknown API version",
                "use an API version the ARM reference lists for the type, quoted (`\"2024-01-01\"`)",
            ),
            _ => (
                "api",
                &r.api,
                "properties not checked",
                "aws2azure checks the properties of the types it emits itself; run `check-bicep` (or `bicep build`) on the output for this one",
            ),
        };
        let code = if f.is_error() {
            codes::MAP_SCHEMA
        } else {
            codes::MAP_UNCHECKED
        };
        let at = field_offset(text, field, value);
        out.push(
            Diagnostic::new(
                code,
                Span::new(file, at, at + value.len().max(1)),
                format!("the --mappings entry for {ty}: {}", f.message),
                label,
            )
            .help(help),
        );
    }
    out
}

fn find_unknown_transform(body: &BTreeMap<String, Value>, transforms: &[&str]) -> Option<String> {
    fn walk(v: &Value, transforms: &[&str]) -> Option<String> {
        match v {
            Value::Mapping(m) => {
                for (k, x) in m {
                    if k.as_str() == Some("$transform")
                        && let Some(t) = x.as_str()
                        && !transforms.contains(&t)
                    {
                        return Some(t.to_string());
                    }
                    if let Some(t) = walk(x, transforms) {
                        return Some(t);
                    }
                }
                None
            }
            Value::Sequence(s) => s.iter().find_map(|x| walk(x, transforms)),
            _ => None,
        }
    }
    body.values().find_map(|v| walk(v, transforms))
}

/// What the mapping context knows about a resource beyond its properties, for `when`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub http_invoked: bool,
    pub function_endpoint: bool,
    pub attached: bool,
    pub has_members: bool,
    pub function_part: bool,
}

/// Evaluates a `when` against literal property values (`function_endpoint` is false
/// outside the mapping context: see `holds_with`).
pub fn holds(w: &When, t: &Template, r: &Resource, http_invoked: bool) -> bool {
    holds_with(
        w,
        t,
        r,
        Facts {
            http_invoked,
            ..Facts::default()
        },
    )
}

/// Evaluates a `when` against literal property values and the context's `facts`.
pub fn holds_with(w: &When, t: &Template, r: &Resource, facts: Facts) -> bool {
    if let Some(h) = w.http_invoked
        && h != facts.http_invoked
    {
        return false;
    }
    if let Some(f) = w.function_endpoint
        && f != facts.function_endpoint
    {
        return false;
    }
    if let Some(a) = w.attached
        && a != facts.attached
    {
        return false;
    }
    if let Some(m) = w.has_members
        && m != facts.has_members
    {
        return false;
    }
    if let Some(p) = w.function_part
        && p != facts.function_part
    {
        return false;
    }
    let Some(prop) = &w.prop else { return true };
    let v = r.properties.path(prop).filter(|v| !v.is_null());
    if !w.ref_engine.is_empty() {
        let source = v.and_then(|e| match &e.kind {
            ExprKind::Ref(n) | ExprKind::GetAtt { resource: n, .. } => t.resource(t.resolve(n)),
            _ => None,
        });
        let engine = source
            .and_then(|s| s.properties.get("Engine"))
            .and_then(|e| e.literal_text())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !matches_any(&engine, &w.ref_engine) {
            return false;
        }
    }
    if let Some(p) = w.present
        && v.is_some() != p
    {
        return false;
    }
    if let Some(want) = w.in_template {
        let Some(e) = v else { return false };
        let here = match &e.kind {
            ExprKind::Ref(n) | ExprKind::GetAtt { resource: n, .. } => {
                t.resource(t.resolve(n)).is_some()
            }
            _ => false,
        };
        if here != want {
            return false;
        }
    }
    let text = v.and_then(|v| v.literal_text());
    if let Some(eq) = &w.equals {
        let want = match eq {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if !text.as_ref().is_some_and(|t| t.eq_ignore_ascii_case(&want)) {
            return false;
        }
    }
    if !w.matches.is_empty() {
        let Some(t) = &text else { return false };
        if !matches_any(t, &w.matches) {
            return false;
        }
    }
    if let Some(a) = w.above
        && !text
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(|x| x > a)
    {
        return false;
    }
    true
}

/// Does `text` match one of `patterns` (ignoring case; `x*` matches a prefix)?
fn matches_any(text: &str, patterns: &[String]) -> bool {
    let text = text.to_ascii_lowercase();
    patterns.iter().any(|m| match m.strip_suffix('*') {
        Some(prefix) => text.starts_with(&prefix.to_ascii_lowercase()),
        None => text == m.to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_tables_know_their_own_types() {
        let mut sources = SourceMap::default();
        let mut tables = MapTables::default();
        let names: Vec<&str> = super::super::transforms::names().collect();
        for mut f in crate::tables::embedded() {
            assert!(tables.load(&mut sources, &mut f, &names, false).is_empty());
        }
        // Every type and API version a built-in entry emits has its property schema
        // carried (`scripts/azure-schemas.py` makes the data from the tables).
        let schema = crate::schema::arm::schema();
        for e in tables.types.values() {
            for r in specs(e) {
                assert!(schema.carries(&r.ty, &r.api), "{}@{}", r.ty, r.api);
            }
        }
    }
}
