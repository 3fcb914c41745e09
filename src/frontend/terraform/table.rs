//! The lifting tables (`mappings/terraform/*.yaml`): Terraform `aws_*` types and
//! arguments → CloudFormation types and properties.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::source::SourceMap;
use crate::tables::{Kind, TableFile};

/// One argument rule: a property path, or a path with a value map or transform.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ArgRule {
    Path(String),
    Full(FullRule),
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FullRule {
    pub prop: String,
    #[serde(default)]
    pub map: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    pub transform: Option<String>,
    #[serde(default)]
    pub list: bool,
    #[serde(default)]
    pub args: BTreeMap<String, ArgRule>,
    #[serde(default)]
    pub blocks: BTreeMap<String, ArgRule>,
    /// On a block: constant properties (paths) every element of the block gets (a
    /// `root_block_device` is the mapping of the root device: `DeviceName: /dev/xvda`).
    #[serde(default)]
    pub set: BTreeMap<String, serde_yaml::Value>,
}

impl ArgRule {
    pub fn full(&self) -> FullRule {
        match self {
            ArgRule::Path(p) => FullRule {
                prop: p.clone(),
                ..Default::default()
            },
            ArgRule::Full(f) => f.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Append {
    One(String),
    BySelect(BTreeMap<String, String>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fold {
    pub into: String,
    pub by: String,
    #[serde(default)]
    pub append: Option<Append>,
    #[serde(default)]
    pub select: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// When `value` references a resource of the module, the parent is appended to
    /// that resource's property instead (an attachment of a module's own policy).
    #[serde(default)]
    pub reverse: Option<String>,
    /// When folding would make the parent depend on itself, the resource stays on its
    /// own as this CloudFormation type (per `select` value)…
    #[serde(default)]
    pub standalone: Option<Append>,
    /// …with the parent reference under this property (`Roles[]`: a one-element list).
    #[serde(default)]
    pub standalone_by: Option<String>,
    /// How a repeated copy may stay on its own as its `standalone` type, keeping how it
    /// repeats for the mapping to expand (e.g. into the NSG's rules): `when` (`count =
    /// c ? 1 : 0`, a condition), `each` (`for_each` over a map), `count` (a numeric
    /// `count`: the copies are indexed by `count.index`).
    #[serde(default)]
    pub repeat: Vec<RepeatKind>,
}

/// A way a split resource may repeat and still be kept (`Fold::repeat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepeatKind {
    When,
    Each,
    Count,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiftEntry {
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    #[serde(default)]
    pub fold: Option<Fold>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub args: BTreeMap<String, ArgRule>,
    #[serde(default)]
    pub blocks: BTreeMap<String, ArgRule>,
    #[serde(default)]
    pub ignored: BTreeMap<String, String>,
    /// On a type others fold into: where the settings of a part that cannot fold (one
    /// repeated with `count` or `for_each`) go on the Azure resources this type becomes.
    #[serde(default)]
    pub folded_parts: Option<String>,
}

#[derive(Debug, Default)]
pub struct LiftTables {
    pub entries: BTreeMap<String, LiftEntry>,
    /// Terraform type prefix (`aws_api_gateway_`) → CloudFormation namespace (`AWS::ApiGateway`),
    /// for types with no entry.
    pub prefixes: BTreeMap<String, String>,
}

impl LiftTables {
    /// Loads a lifting table file (other kinds are left to their stage).
    pub fn load(&mut self, sources: &mut SourceMap, file: &mut TableFile) -> Vec<Diagnostic> {
        let read = match file.kind {
            Kind::LiftPrefixes => file
                .parse::<BTreeMap<String, String>>(sources)
                .map(|raw| self.prefixes.extend(raw)),
            Kind::Lift => file
                .parse::<BTreeMap<String, LiftEntry>>(sources)
                .map(|raw| self.entries.extend(raw)),
            _ => Ok(()),
        };
        read.err().into_iter().map(|d| *d).collect()
    }

    /// The CloudFormation type a Terraform type stands for: its entry's, or a whole-type
    /// entry of the prefix table. None for any other type: it keeps its Terraform type
    /// (no CloudFormation type is made up from its name).
    pub fn cfn_type(&self, tf: &str) -> Option<String> {
        if let Some(t) = self.entries.get(tf).and_then(|e| e.ty.clone()) {
            return Some(t);
        }
        self.prefixes
            .get(tf)
            .filter(|t| t.matches("::").count() == 2)
            .cloned()
    }

    /// The CloudFormation service (`AWS::ECS`) of a Terraform type, from the longest
    /// prefix of the prefix table: it chooses the service-level decision of a type
    /// with no lifting entry.
    pub fn service(&self, tf: &str) -> Option<String> {
        if let Some(t) = self.cfn_type(tf) {
            return Some(t.split("::").take(2).collect::<Vec<_>>().join("::"));
        }
        self.prefixes
            .iter()
            .filter(|(p, _)| tf.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, ns)| ns.split("::").take(2).collect::<Vec<_>>().join("::"))
    }

    /// Every CloudFormation type the lifting tables can give a resource.
    pub fn cfn_types(&self) -> std::collections::BTreeSet<String> {
        self.entries
            .values()
            .filter_map(|e| e.ty.clone())
            .chain(
                self.prefixes
                    .values()
                    .filter(|t| t.matches("::").count() == 2)
                    .cloned(),
            )
            .collect()
    }
}
