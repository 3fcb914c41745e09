//! The azurerm provider schema facts (`data/azurerm-schema.json`, made by
//! `scripts/azure-schemas.py`) and the check of one written Terraform block against them.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::Value;

use super::{Finding, Problem};
use crate::backend::terraform::hcl::{Block, Item};

/// Arguments and blocks every resource takes (Terraform's meta-arguments).
const META_ARGS: &[&str] = &["count", "for_each", "depends_on", "provider"];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

#[derive(Default)]
struct BlockSchema {
    /// Argument → (required, its type as the provider declares it).
    args: BTreeMap<String, (bool, String)>,
    blocks: BTreeMap<String, BlockSchema>,
    min: u64,
    max: u64,
    required: bool,
}

pub struct AzurermSchema {
    resources: HashMap<String, BlockSchema>,
    data_sources: HashMap<String, BlockSchema>,
}

/// The schema carried in the binary, read on first use.
pub fn schema() -> &'static AzurermSchema {
    static SCHEMA: OnceLock<AzurermSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| AzurermSchema::parse(include_str!("../../data/azurerm-schema.json")))
}

fn block_schema(v: &Value) -> BlockSchema {
    let args = v
        .get("a")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, a)| {
                    let required = a.get(0).and_then(Value::as_bool).unwrap_or(false);
                    let ty = a.get(1).and_then(Value::as_str).unwrap_or("").to_string();
                    (k.clone(), (required, ty))
                })
                .collect()
        })
        .unwrap_or_default();
    let blocks = v
        .get("b")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, b)| (k.clone(), block_schema(b)))
                .collect()
        })
        .unwrap_or_default();
    BlockSchema {
        args,
        blocks,
        min: v.get("min").and_then(Value::as_u64).unwrap_or(0),
        max: v.get("max").and_then(Value::as_u64).unwrap_or(0),
        required: v.get("req").and_then(Value::as_bool).unwrap_or(false),
    }
}

impl AzurermSchema {
    fn parse(text: &str) -> AzurermSchema {
        let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let read = |key: &str| -> HashMap<String, BlockSchema> {
            doc.get(key)
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, b)| (k.clone(), block_schema(b)))
                        .collect()
                })
                .unwrap_or_default()
        };
        AzurermSchema {
            resources: read("resources"),
            data_sources: read("data_sources"),
        }
    }

    /// Every way a top-level `resource` or `data` block of an `azurerm_*` type departs
    /// from the provider's schema; nothing for other blocks.
    pub fn check(&self, b: &Block) -> Vec<Finding> {
        let data = match b.ty.as_str() {
            "resource" => false,
            "data" => true,
            _ => return Vec::new(),
        };
        let Some(ty) = b.labels.first().filter(|t| t.starts_with("azurerm_")) else {
            return Vec::new();
        };
        let table = if data {
            &self.data_sources
        } else {
            &self.resources
        };
        let Some(s) = table.get(ty) else {
            let kind = if data { "data source" } else { "resource" };
            return vec![Finding::new(
                Problem::UnknownType,
                Vec::new(),
                format!("`{ty}` is not an azurerm {kind} this check knows (azurerm 4.x)"),
            )];
        };
        let mut out = Vec::new();
        check_items(s, &b.items, &mut Vec::new(), true, &mut out);
        out
    }
}

fn check_items(
    s: &BlockSchema,
    items: &[Item],
    path: &mut Vec<String>,
    top: bool,
    out: &mut Vec<Finding>,
) {
    let mut args_seen: Vec<&str> = Vec::new();
    let mut blocks_seen: BTreeMap<&str, (u64, bool)> = BTreeMap::new();
    for it in items {
        match it {
            Item::Attr(k, _) => {
                if top && META_ARGS.contains(&k.as_str()) {
                    continue;
                }
                args_seen.push(k);
                if s.args.contains_key(k) {
                    continue;
                }
                path.push(k.clone());
                let message = if s.blocks.contains_key(k) {
                    format!(
                        "`{}` is a block, written here as an argument",
                        path.join(".")
                    )
                } else {
                    format!(
                        "`{}` is not an argument here{}",
                        path.join("."),
                        super::arm::suggest(k, s.args.keys().chain(s.blocks.keys()))
                    )
                };
                out.push(Finding::new(
                    Problem::UnknownProperty,
                    path.clone(),
                    message,
                ));
                path.pop();
            }
            Item::Block(b) => {
                if top && META_BLOCKS.contains(&b.ty.as_str()) {
                    continue;
                }
                let (name, items, dynamic) = if b.ty == "dynamic" {
                    let Some(name) = b.labels.first() else {
                        continue;
                    };
                    let content = b.items.iter().find_map(|i| match i {
                        Item::Block(c) if c.ty == "content" => Some(&c.items[..]),
                        _ => None,
                    });
                    (name.as_str(), content.unwrap_or(&[]), true)
                } else {
                    (b.ty.as_str(), &b.items[..], false)
                };
                // Terraform takes a list-of-objects argument written as blocks too
                // (the NSG's `security_rule`, the VNet's `subnet`): attributes as blocks.
                if let Some((_, ty)) = s.args.get(name)
                    && (ty.starts_with("list(object") || ty.starts_with("set(object"))
                {
                    args_seen.push(name);
                    continue;
                }
                path.push(name.to_string());
                match s.blocks.get(name) {
                    Some(inner) => {
                        let e = blocks_seen.entry(name).or_insert((0, false));
                        e.0 += 1;
                        e.1 |= dynamic;
                        check_items(inner, items, path, false, out);
                    }
                    None => {
                        let message = if s.args.contains_key(name) {
                            format!(
                                "`{}` is an argument, written here as a block",
                                path.join(".")
                            )
                        } else {
                            format!(
                                "`{}` is not a block here{}",
                                path.join("."),
                                super::arm::suggest(name, s.blocks.keys().chain(s.args.keys()))
                            )
                        };
                        out.push(Finding::new(
                            Problem::UnknownProperty,
                            path.clone(),
                            message,
                        ));
                    }
                }
                path.pop();
            }
            Item::Blank | Item::Comment(_) => {}
        }
    }
    for (k, (required, _)) in &s.args {
        if *required && !args_seen.contains(&k.as_str()) {
            path.push(k.clone());
            out.push(Finding::new(
                Problem::MissingRequired,
                path.clone(),
                format!("the required argument `{}` is missing", path.join(".")),
            ));
            path.pop();
        }
    }
    for (k, inner) in &s.blocks {
        let (n, dynamic) = blocks_seen.get(k.as_str()).copied().unwrap_or((0, false));
        path.push(k.clone());
        if (inner.required || inner.min > 0) && n == 0 {
            out.push(Finding::new(
                Problem::MissingRequired,
                path.clone(),
                format!("the required block `{}` is missing", path.join(".")),
            ));
        } else if inner.max > 0 && n > inner.max && !dynamic {
            out.push(Finding::new(
                Problem::BadValue,
                path.clone(),
                format!(
                    "`{}` is written {n} times; the provider takes at most {}",
                    path.join("."),
                    inner.max
                ),
            ));
        }
        path.pop();
    }
}
