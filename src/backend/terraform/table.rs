//! The lowering tables (`mappings/azurerm/*.yaml`): ARM types → azurerm resources.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use crate::tables::{Kind, TableFile};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    pub path: String,
    #[serde(default)]
    pub equals: Option<serde_yaml::Value>,
    #[serde(default)]
    pub present: Option<bool>,
    /// The value's text starts with this: a literal, or an interpolation whose first part
    /// is a literal (`'/apis/${api.name}'` starts with `/apis/`).
    #[serde(default)]
    pub starts_with: Option<String>,
    /// The value's literal text is one of these.
    #[serde(default)]
    pub one_of: Option<Vec<serde_yaml::Value>>,
}

/// One rule: an argument or a nested block.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub arg: Option<String>,
    #[serde(default)]
    pub block: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub value: Option<serde_yaml::Value>,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    #[serde(default)]
    pub map: Option<BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    pub transform: Option<String>,
    #[serde(default)]
    pub sep: Option<String>,
    #[serde(default)]
    pub index: Option<usize>,
    /// With `transform: pluck`: the member read from each entry of the list.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub each: bool,
    #[serde(default)]
    pub args: Vec<Rule>,
    #[serde(default)]
    pub when: Option<Cond>,
    /// On a block: written only when `from` is an expression (an object-typed parameter),
    /// its args reading that expression's members (`var.image.publisher`).
    #[serde(default)]
    pub members: bool,
    /// On an `each` block: the condition every element must meet, read per element. Its
    /// path counts as read; an element that fails it keeps the resource azapi.
    #[serde(default, rename = "where")]
    pub where_: Option<Cond>,
    /// On an `each` block: paths inside each element that azurerm sets the same way
    /// without an argument (read like the variant's `ignore`, per element). On a `pluck`
    /// argument: the members of entries left to another rule over the same list.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// On a top-level `each` block: when an element satisfies `when`, every element is
    /// written as a resource of `type` (a child of this one) instead of the block. On an
    /// object keyed by name (a workflow definition's `triggers`), each member is an
    /// element named by its key, and every member must satisfy `when` (and `where`).
    #[serde(default)]
    pub split: Option<Split>,
    /// With `map`: when the value is an expression (a parameter), the argument is
    /// `<prefix>_<value>`, the prefix looked up from the value at `from` (relative to the
    /// rule's level) in `map` — e.g. a flexible server's `GP_` from `sku.tier`.
    #[serde(default)]
    pub prefix: Option<Prefix>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prefix {
    pub from: String,
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    #[serde(rename = "type")]
    pub ty: String,
    pub when: Cond,
    /// A word between the parent's symbol and the child's name in the child's symbol
    /// (`lb_pool_web`, `lb_probe_web` when a pool and a probe share a name).
    #[serde(default)]
    pub symbol: Option<String>,
}

fn yes() -> bool {
    true
}

fn name_default() -> Option<String> {
    Some("name".into())
}

/// A setting azurerm models as a resource of its own (`azurerm_subnet_route_table_association`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Association {
    pub resource: String,
    /// The ARM path holding the value (an id, or a list of `{id}` with `each`).
    pub from: String,
    #[serde(default)]
    pub each: bool,
    /// The argument that takes this resource's id.
    #[serde(rename = "self")]
    pub self_arg: String,
    /// The argument that takes the value.
    pub value: String,
    /// With `each` through a list (`list[].path`): the argument that takes the `name` of
    /// the element each value is read from (a NIC's `ip_configuration_name`).
    #[serde(default)]
    pub element_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub data: Option<String>,
    #[serde(default)]
    pub when: Option<Cond>,
    #[serde(default = "name_default")]
    pub name: Option<String>,
    #[serde(default = "yes")]
    pub resource_group: bool,
    #[serde(default)]
    pub location: Option<bool>,
    #[serde(default)]
    pub tags: Option<bool>,
    #[serde(default)]
    pub args: Vec<Rule>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub into_parent: Option<String>,
    #[serde(default)]
    pub associations: Vec<Association>,
    /// Paths whose empty object azurerm writes itself (a workflow definition's
    /// `triggers` and `actions`): empty there, they need no rule; set, they still do.
    #[serde(default)]
    pub empty: Vec<String>,
}

#[derive(Debug, Default)]
pub struct AzurermTables {
    pub types: BTreeMap<String, Vec<Variant>>,
    /// Where each ARM type's entry opens (its key), for diagnostics.
    pub origins: BTreeMap<String, Span>,
}

impl AzurermTables {
    /// Loads a lowering table file (other kinds are left to their stage).
    pub fn load(&mut self, sources: &mut SourceMap, file: &mut TableFile) -> Vec<Diagnostic> {
        if file.kind != Kind::Azurerm {
            return Vec::new();
        }
        match file.parse::<BTreeMap<String, Vec<Variant>>>(sources) {
            Ok(raw) => {
                let fid = file.id(sources);
                for ty in raw.keys() {
                    let at = key_offset(&file.text, ty);
                    self.origins
                        .insert(ty.clone(), Span::new(fid, at, at + ty.len()));
                }
                self.types.extend(raw);
                Vec::new()
            }
            Err(d) => vec![*d],
        }
    }
}

/// The offset of the line `key:` that opens an entry (0 when not found).
fn key_offset(text: &str, key: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        if t == format!("{key}:") || t == format!("\"{key}\":") {
            return at;
        }
        at += line.len();
    }
    0
}

impl AzurermTables {
    /// The entry that lowers to the azurerm resource (or data source) `ty`, for a
    /// finding about a block of that type: where it opens.
    pub fn origin_of(&self, ty: &str) -> Option<(&str, Span)> {
        self.types.iter().find_map(|(arm, variants)| {
            variants
                .iter()
                .any(|v| v.resource.as_deref() == Some(ty) || v.data.as_deref() == Some(ty))
                .then(|| self.origins.get(arm).map(|s| (arm.as_str(), *s)))
                .flatten()
        })
    }
}
