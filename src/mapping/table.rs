//! Mapping tables: YAML parsed into raw structs (unknown keys rejected), then
//! checked into [`Tables`]. Every error points into the YAML file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;
use serde_yaml::Value;

use crate::diag::{Diagnostic, codes};
use crate::source::{FileId, SourceMap, Span};

include!(concat!(env!("OUT_DIR"), "/embedded_mappings.rs"));

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
    /// Lambda permission for API Gateway names this function.
    pub http_invoked: Option<bool>,
    /// The template resource that `prop` references has an `Engine` matching one
    /// of these (`postgres*`): read replicas inherit their source's engine.
    #[serde(default)]
    pub ref_engine: Vec<String>,
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
    /// Body members that must evaluate to a value, or the resource is not emitted.
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
}

impl Entry {
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookup {
    table: String,
    /// What the keys are, for people reading the file.
    #[serde(rename = "key")]
    _key: String,
    entries: BTreeMap<String, BTreeMap<String, Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServices {
    services: BTreeMap<String, ServiceHint>,
}

/// Every table of a run, validated.
#[derive(Debug, Default)]
pub struct Tables {
    pub types: BTreeMap<String, Arc<Entry>>,
    /// Where each type entry was defined (for "unused override" warnings).
    pub type_origin: BTreeMap<String, (FileId, bool)>,
    pub services: BTreeMap<String, ServiceHint>,
    pub lookups: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
    /// `mappings/terraform/`: Terraform `aws_*` → CloudFormation vocabulary.
    pub lift: crate::frontend::terraform::table::LiftTables,
    /// `mappings/azurerm/`: ARM types → azurerm resources.
    pub azurerm: crate::backend::terraform::table::AzurermTables,
}

impl Tables {
    pub fn lookup(&self, table: &str, key: &str) -> Option<&BTreeMap<String, Value>> {
        self.lookups.get(table)?.get(key)
    }

    pub fn lookup_str(&self, table: &str, key: &str, field: &str) -> Option<String> {
        match self.lookup(table, key)?.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
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
}

fn yaml_error(
    sources: &mut SourceMap,
    path: &str,
    text: &str,
    e: &serde_yaml::Error,
) -> Diagnostic {
    let file = sources.add(path.to_string(), Arc::from(text));
    let (line, col) = e.location().map_or((0, 0), |l| {
        (l.line().saturating_sub(1), l.column().saturating_sub(1))
    });
    let offset = sources.get(file).offset_of(line, col);
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    Diagnostic::new(
        codes::MAP_TABLE,
        Span::new(file, offset, offset + 1),
        format!("invalid mapping table: {msg}"),
        "here",
    )
    .help("see mappings/README.md for the table format; unknown keys are rejected")
}

fn key_span(sources: &mut SourceMap, path: &str, text: &str, needle: &str) -> Span {
    let file = sources.add(path.to_string(), Arc::from(text));
    let at = text.find(needle).unwrap_or(0);
    Span::new(file, at, at + needle.len().max(1))
}

/// Loads one YAML file into `tables`. `user` marks `--mappings` files.
pub fn load_file(
    tables: &mut Tables,
    sources: &mut SourceMap,
    path: &str,
    text: &str,
    user: bool,
) -> Vec<Diagnostic> {
    load_one(tables, sources, path, path, text, user, None)
}

/// Loads one YAML file. `rel` (`mappings/aws/s3.yaml`) decides what kind of table it
/// is; `path` names the file in diagnostics (for `--mappings`, the path the user gave).
/// With `known` (the ARM types of the built-in tables), type entries naming another
/// ARM type or an API version that is not a date are warned about.
fn load_one(
    tables: &mut Tables,
    sources: &mut SourceMap,
    rel: &str,
    path: &str,
    text: &str,
    user: bool,
    known: Option<&BTreeSet<String>>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel.contains("terraform/") {
        if name == "prefixes.yaml" {
            match serde_yaml::from_str::<BTreeMap<String, String>>(text) {
                Ok(raw) => tables.lift.prefixes.extend(raw),
                Err(e) => diags.push(yaml_error(sources, path, text, &e)),
            }
            return diags;
        }
        match serde_yaml::from_str::<BTreeMap<String, crate::frontend::terraform::table::LiftEntry>>(
            text,
        ) {
            Ok(raw) => tables.lift.entries.extend(raw),
            Err(e) => diags.push(yaml_error(sources, path, text, &e)),
        }
        return diags;
    }
    if rel.contains("azurerm/") {
        match serde_yaml::from_str::<BTreeMap<String, Vec<crate::backend::terraform::table::Variant>>>(
            text,
        ) {
            Ok(raw) => tables.azurerm.types.extend(raw),
            Err(e) => diags.push(yaml_error(sources, path, text, &e)),
        }
        return diags;
    }
    if rel.contains("tables/")
        || text.trim_start().starts_with("table:")
        || text.contains("\ntable:")
    {
        match serde_yaml::from_str::<RawLookup>(text) {
            Ok(raw) => {
                tables
                    .lookups
                    .entry(raw.table)
                    .or_default()
                    .extend(raw.entries);
            }
            Err(e) => diags.push(yaml_error(sources, path, text, &e)),
        }
        return diags;
    }
    if name == "services.yaml" {
        match serde_yaml::from_str::<RawServices>(text) {
            Ok(raw) => tables.services.extend(raw.services),
            Err(e) => diags.push(yaml_error(sources, path, text, &e)),
        }
        return diags;
    }
    let raw: BTreeMap<String, Entry> = match serde_yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            diags.push(yaml_error(sources, path, text, &e));
            return diags;
        }
    };
    let mut file_id = None;
    for (ty, entry) in raw {
        if let Some(d) = validate(&ty, &entry) {
            let span = key_span(sources, path, text, &d.0);
            diags.push(
                Diagnostic::new(
                    codes::MAP_TABLE,
                    span,
                    format!("invalid mapping for {ty}: {}", d.1),
                    "here",
                )
                .help(d.2),
            );
            continue;
        }
        let fid = *file_id.get_or_insert_with(|| sources.add(path.to_string(), Arc::from(text)));
        if let Some(known) = known {
            diags.extend(unchecked(fid, text, &ty, &entry, known));
        }
        tables.type_origin.insert(ty.clone(), (fid, user));
        tables.types.insert(ty, Arc::new(entry));
    }
    diags
}

/// Checks what serde cannot: statuses, transforms, reference expressions.
/// Returns (text to point at, message, help).
fn validate(ty: &str, e: &Entry) -> Option<(String, String, String)> {
    if !ty.starts_with("AWS::") && !ty.starts_with("Custom::") {
        return Some((
            ty.into(),
            "a type key must be a CloudFormation type such as AWS::S3::Bucket".into(),
            "write the key as `AWS::<service>::<resource>`".into(),
        ));
    }
    let statuses = std::iter::once(&e.status)
        .chain(e.variants.iter().filter_map(|v| v.status.as_ref()))
        .chain(e.decisions.iter().filter_map(|d| d.status.as_ref()));
    for s in statuses {
        if !STATUSES.contains(&s.as_str()) {
            return Some((
                format!("status: {s}"),
                format!("unknown status `{s}`"),
                format!("use one of {}", STATUSES.join(", ")),
            ));
        }
    }
    let specs = e
        .resources
        .iter()
        .chain(e.shared.iter())
        .chain(e.variants.iter().flat_map(|v| v.resources.iter().flatten()));
    for r in specs {
        if !r.ty.contains('/') {
            return Some((
                r.ty.clone(),
                format!("`{}` is not an ARM resource type", r.ty),
                "write the type as `Microsoft.<Provider>/<type>`".into(),
            ));
        }
        if let Some(t) = find_unknown_transform(&r.body) {
            return Some((
                t.clone(),
                format!("unknown transform `{t}`"),
                format!(
                    "use one of {}",
                    super::transforms::names().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    None
}

/// Every ARM resource an entry can emit.
fn specs(e: &Entry) -> impl Iterator<Item = &ResourceSpec> {
    e.resources.iter().chain(e.shared.iter()).chain(
        e.variants
            .iter()
            .flat_map(|v| v.resources.iter().chain(v.shared.iter()).flatten()),
    )
}

/// The ARM types the built-in tables emit, lower to azurerm or name as services.
fn known_arm_types(tables: &Tables) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = tables
        .types
        .values()
        .flat_map(|e| specs(e).map(|r| r.ty.clone()).collect::<Vec<_>>())
        .collect();
    known.extend(tables.azurerm.types.keys().cloned());
    known.extend(tables.services.values().flat_map(|h| h.arm.iter().cloned()));
    known
}

/// `2025-03-01` or `2025-03-01-preview`.
fn is_api_version(v: &str) -> bool {
    let date = v.strip_suffix("-preview").unwrap_or(v);
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && matches!(
            &date[5..7],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
        && (1..=31).contains(&date[8..10].parse::<u8>().unwrap_or(0))
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

/// Warnings for a `--mappings` entry whose ARM types or API versions cannot be checked.
fn unchecked(
    file: FileId,
    text: &str,
    ty: &str,
    e: &Entry,
    known: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in specs(e) {
        if !known.contains(&r.ty) && seen.insert(("type", r.ty.clone())) {
            let at = field_offset(text, "type", &r.ty);
            out.push(
                Diagnostic::new(
                    codes::MAP_UNCHECKED,
                    Span::new(file, at, at + r.ty.len()),
                    format!(
                        "the --mappings entry for {ty} emits `{}`, an ARM type no built-in table knows",
                        r.ty
                    ),
                    "unknown ARM type",
                )
                .help("check the spelling against the ARM reference (`Microsoft.<Provider>/<type>`); aws2azure cannot check its properties, and Terraform output writes it as `azapi_resource`"),
            );
        }
        if !is_api_version(&r.api) && seen.insert(("api", r.api.clone())) {
            let at = field_offset(text, "api", &r.api);
            out.push(
                Diagnostic::new(
                    codes::MAP_UNCHECKED,
                    Span::new(file, at, at + r.api.len().max(1)),
                    format!(
                        "the --mappings entry for {ty} gives `{}` the API version `{}`, which is not a date",
                        r.ty, r.api
                    ),
                    "not YYYY-MM-DD",
                )
                .help("write the API version as `YYYY-MM-DD` or `YYYY-MM-DD-preview`, quoted, as the ARM reference lists it"),
            );
        }
    }
    out
}

fn find_unknown_transform(body: &BTreeMap<String, Value>) -> Option<String> {
    fn walk(v: &Value) -> Option<String> {
        match v {
            Value::Mapping(m) => {
                for (k, x) in m {
                    if k.as_str() == Some("$transform")
                        && let Some(t) = x.as_str()
                        && !super::transforms::names().any(|n| n == t)
                    {
                        return Some(t.to_string());
                    }
                    if let Some(t) = walk(x) {
                        return Some(t);
                    }
                }
                None
            }
            Value::Sequence(s) => s.iter().find_map(walk),
            _ => None,
        }
    }
    body.values().find_map(walk)
}

/// The embedded tables, then the user's `--mappings` folder over them.
pub fn load(
    sources: &mut SourceMap,
    user_dir: Option<&std::path::Path>,
) -> (Tables, Vec<Diagnostic>) {
    let mut tables = Tables::default();
    let mut diags = Vec::new();
    for (path, text) in EMBEDDED {
        diags.extend(load_file(&mut tables, sources, path, text, false));
    }
    if let Some(dir) = user_dir {
        let known = known_arm_types(&tables);
        let mut files = Vec::new();
        collect_yaml(dir, &mut files);
        files.sort();
        if files.is_empty() {
            diags.push(Diagnostic::global(
                codes::MAP_TABLE,
                format!(
                    "--mappings {}: no .yaml files in this folder",
                    dir.display()
                ),
            ));
        }
        for f in files {
            let rel = f
                .strip_prefix(dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            // Diagnostics name the file as the user gave it; the layout decides its kind.
            let shown = f.to_string_lossy().replace('\\', "/");
            match crate::input::read(sources, &f, &shown) {
                Ok(crate::input::Input::Text(id)) => {
                    let text = sources.get(id).text.clone();
                    diags.extend(load_one(
                        &mut tables,
                        sources,
                        &format!("mappings/{rel}"),
                        &shown,
                        &text,
                        true,
                        Some(&known),
                    ))
                }
                Ok(crate::input::Input::Rejected(_, d)) | Err(d) => diags.push(*d),
            }
        }
    }
    (tables, diags)
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_are_dates() {
        for ok in ["2025-03-01", "2024-12-31-preview"] {
            assert!(is_api_version(ok), "{ok}");
        }
        for bad in [
            "2025-3-01",
            "2025-13-01",
            "2025-01-32",
            "latest",
            "2025-03-01-beta",
            "",
        ] {
            assert!(!is_api_version(bad), "{bad}");
        }
    }

    #[test]
    fn the_builtin_tables_know_their_own_types() {
        let mut sources = SourceMap::default();
        let (tables, _) = load(&mut sources, None);
        let known = known_arm_types(&tables);
        assert!(known.contains("Microsoft.ServiceBus/namespaces/queues"));
        assert!(known.contains("Microsoft.Storage/storageAccounts"));
        for e in tables.types.values() {
            for r in specs(e) {
                assert!(is_api_version(&r.api), "{} {}", r.ty, r.api);
            }
        }
    }
}
