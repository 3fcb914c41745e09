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
    /// c ? 1 : 0`, a condition), `each` (`for_each` over a map).
    #[serde(default)]
    pub repeat: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
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

    /// The CloudFormation type a Terraform type stands for: its entry's, or one named
    /// after the service prefix (`aws_ecs_service` → `AWS::ECS::Service`).
    pub fn cfn_type(&self, tf: &str) -> String {
        if let Some(t) = self.entries.get(tf).and_then(|e| e.ty.clone()) {
            return t;
        }
        if let Some(t) = self
            .prefixes
            .get(tf)
            .filter(|t| t.matches("::").count() == 2)
        {
            return t.clone();
        }
        let best = self
            .prefixes
            .iter()
            .filter(|(p, ns)| tf.starts_with(p.as_str()) && ns.matches("::").count() == 1)
            .max_by_key(|(p, _)| p.len());
        match best {
            Some((p, ns)) => {
                let rest = &tf[p.len()..];
                let rest = if rest.is_empty() { "Resource" } else { rest };
                format!("{ns}::{}", crate::names::pascal(rest))
            }
            None => {
                let rest = tf.strip_prefix("aws_").unwrap_or(tf);
                let (svc, ty) = rest.split_once('_').unwrap_or((rest, "Resource"));
                format!(
                    "AWS::{}::{}",
                    crate::names::pascal(svc),
                    crate::names::pascal(ty)
                )
            }
        }
    }
}
