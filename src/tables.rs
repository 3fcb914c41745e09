//! Table files: the YAML tables embedded from `mappings/` and a user's `--mappings`
//! folder laid over them. This module finds the files, says which kind each one is,
//! turns a YAML error into a located diagnostic and holds the plain lookup tables
//! (`mappings/tables/`). Each stage parses the kinds it owns: the lifting tables the
//! Terraform front end, the AWS → ARM entries the mapping, the azurerm tables the
//! Terraform back end, the report tables the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::diag::{Diagnostic, codes};
use crate::source::{FileId, SourceMap, Span};

include!(concat!(env!("OUT_DIR"), "/embedded_mappings.rs"));

/// What a table file holds, decided by its place under `mappings/` (and, for lookup
/// tables, by a top-level `table:` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `terraform/*.yaml`: Terraform `aws_*` types → CloudFormation vocabulary.
    Lift,
    /// `terraform/prefixes.yaml`: type prefixes → CloudFormation namespaces.
    LiftPrefixes,
    /// `azurerm/*.yaml`: ARM types → azurerm resources.
    Azurerm,
    /// `tables/*.yaml` (or any file with `table:`): keyed lookup data.
    Lookup,
    /// `services.yaml`: the Azure service to consider for types with no entry.
    Services,
    /// `aws/*.yaml`: AWS types → ARM resources.
    Types,
    /// `report/*.yaml`: what the report needs per AWS and ARM type.
    Report,
}

impl Kind {
    /// The kind of the file at `rel` (`mappings/aws/s3.yaml`).
    pub fn of(rel: &str, text: &str) -> Kind {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if rel.contains("terraform/") {
            if name == "prefixes.yaml" {
                Kind::LiftPrefixes
            } else {
                Kind::Lift
            }
        } else if rel.contains("azurerm/") {
            Kind::Azurerm
        } else if rel.contains("report/") {
            Kind::Report
        } else if rel.contains("tables/")
            || text.trim_start().starts_with("table:")
            || text.contains("\ntable:")
        {
            Kind::Lookup
        } else if name == "services.yaml" {
            Kind::Services
        } else {
            Kind::Types
        }
    }
}

/// One table file of a run.
#[derive(Debug, Clone)]
pub struct TableFile {
    /// The name diagnostics give: the embedded path, or the path the user gave.
    pub path: String,
    pub text: Arc<str>,
    /// From `--mappings`.
    pub user: bool,
    pub kind: Kind,
    /// Set once the file is in the source map (user files always are; embedded files
    /// are added when a diagnostic or an entry needs to point into them).
    id: Option<FileId>,
}

impl TableFile {
    /// A table given as text; `rel` (`mappings/aws/x.yaml`) names it and decides its kind.
    pub fn from_text(rel: &str, text: &str, user: bool) -> TableFile {
        TableFile {
            path: rel.to_string(),
            text: Arc::from(text),
            user,
            kind: Kind::of(rel, text),
            id: None,
        }
    }

    /// The file's id in `sources`, adding it on first use.
    pub fn id(&mut self, sources: &mut SourceMap) -> FileId {
        *self
            .id
            .get_or_insert_with(|| sources.add(self.path.clone(), self.text.clone()))
    }

    /// The file read as `T`, or a diagnostic at the place serde names.
    pub fn parse<T: DeserializeOwned>(
        &mut self,
        sources: &mut SourceMap,
    ) -> Result<T, Box<Diagnostic>> {
        serde_yaml::from_str(&self.text).map_err(|e| Box::new(self.yaml_error(sources, &e)))
    }

    fn yaml_error(&mut self, sources: &mut SourceMap, e: &serde_yaml::Error) -> Diagnostic {
        let file = self.id(sources);
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

    /// The first place `needle` is written in the file (the start when it is not).
    pub fn span_of(&mut self, sources: &mut SourceMap, needle: &str) -> Span {
        let file = self.id(sources);
        let at = self.text.find(needle).unwrap_or(0);
        Span::new(file, at, at + needle.len().max(1))
    }
}

/// The embedded tables, in path order.
pub fn embedded() -> Vec<TableFile> {
    EMBEDDED
        .iter()
        .map(|(path, text)| TableFile {
            path: path.to_string(),
            text: Arc::from(*text),
            user: false,
            kind: Kind::of(path, text),
            id: None,
        })
        .collect()
}

/// The `.yaml`/`.yml` files of a `--mappings` folder, in path order; each one's kind
/// comes from its place in the folder (laid out as `mappings/` is).
pub fn user(sources: &mut SourceMap, dir: &Path) -> (Vec<TableFile>, Vec<Diagnostic>) {
    let mut paths = Vec::new();
    collect_yaml(dir, &mut paths);
    paths.sort();
    let mut diags = Vec::new();
    if paths.is_empty() {
        diags.push(Diagnostic::global(
            codes::MAP_TABLE,
            format!(
                "--mappings {}: no .yaml files in this folder",
                dir.display()
            ),
        ));
    }
    let mut files = Vec::new();
    for f in paths {
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
                files.push(TableFile {
                    kind: Kind::of(&format!("mappings/{rel}"), &text),
                    path: shown,
                    text,
                    user: true,
                    id: Some(id),
                });
            }
            Ok(crate::input::Input::Rejected(_, d)) | Err(d) => diags.push(*d),
        }
    }
    (files, diags)
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookup {
    table: String,
    /// What the keys are, for people reading the file.
    #[serde(rename = "key")]
    _key: String,
    entries: BTreeMap<String, BTreeMap<String, Value>>,
}

/// The lookup tables (`mappings/tables/`): table → key → field → value.
#[derive(Debug, Default)]
pub struct Lookups {
    tables: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
}

impl Lookups {
    /// Adds a lookup file's entries (a later file's key replaces an earlier one's).
    pub fn load(&mut self, sources: &mut SourceMap, file: &mut TableFile) -> Vec<Diagnostic> {
        match file.parse::<RawLookup>(sources) {
            Ok(raw) => {
                self.tables
                    .entry(raw.table)
                    .or_default()
                    .extend(raw.entries);
                Vec::new()
            }
            Err(d) => vec![*d],
        }
    }

    pub fn lookup(&self, table: &str, key: &str) -> Option<&BTreeMap<String, Value>> {
        self.tables.get(table)?.get(key)
    }

    /// Sets (replaces) one entry of a lookup table.
    pub fn set(&mut self, table: &str, key: &str, entry: BTreeMap<String, Value>) {
        self.tables
            .entry(table.to_string())
            .or_default()
            .insert(key.to_string(), entry);
    }

    /// The keys of a lookup table.
    pub fn keys(&self, table: &str) -> Vec<String> {
        self.tables
            .get(table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn lookup_str(&self, table: &str, key: &str, field: &str) -> Option<String> {
        match self.lookup(table, key)?.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A field that holds a list of strings (empty when absent).
    pub fn lookup_list(&self, table: &str, key: &str, field: &str) -> Vec<String> {
        self.lookup(table, key)
            .and_then(|e| e.get(field))
            .and_then(Value::as_sequence)
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every entry of one table, in key order.
    pub fn table(&self, table: &str) -> Option<&BTreeMap<String, BTreeMap<String, Value>>> {
        self.tables.get(table)
    }
}
