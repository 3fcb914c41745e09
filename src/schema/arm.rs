//! The ARM schema facts (`data/arm-schema.json`, made by `scripts/azure-schemas.py`)
//! and the check of one ARM-shaped resource against them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::Value;

use super::{Finding, Problem};
use crate::azure::{AzExpr, AzKey, AzResource};

const REQUIRED: u8 = 1;
const READ_ONLY: u8 = 2;

/// Members a Bicep resource body holds that are not ARM properties.
const BICEP_KEYS: &[&str] = &["parent", "scope", "dependsOn"];

/// Types the Azure model holds that are no ARM resource: data-plane objects only the
/// Terraform back end writes (`azurerm_storage_blob`) and the Bicep lowering drops. The
/// azurerm check judges what they become.
const MODEL_ONLY: &[&str] = &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs"];

type Props = BTreeMap<String, (Option<u32>, u8)>;

enum Node {
    /// `string`, `int`, `bool`, `any`, …: not checked (values may be expressions).
    Scalar,
    Lit(Value),
    Union(Vec<u32>),
    Array(u32),
    Object {
        props: Props,
        additional: Option<u32>,
    },
    Discriminated {
        key: String,
        base: Props,
        elements: BTreeMap<String, u32>,
    },
}

pub struct ArmSchema {
    /// Lower-case type → (the type as Azure spells it, its API versions).
    versions: HashMap<String, (String, Vec<String>)>,
    /// Lower-case `type@api` → the root node of its property tree.
    resources: HashMap<String, u32>,
    nodes: Vec<Node>,
}

/// The schema carried in the binary, read on first use.
pub fn schema() -> &'static ArmSchema {
    static SCHEMA: OnceLock<ArmSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| ArmSchema::parse(include_str!("../../data/arm-schema.json")))
}

fn props(v: &Value) -> Props {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, p)| {
                    let ti = p.get(0).and_then(Value::as_u64).map(|i| i as u32);
                    let flags = p.get(1).and_then(Value::as_u64).unwrap_or(0) as u8;
                    (k.clone(), (ti, flags))
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ArmSchema {
    fn parse(text: &str) -> ArmSchema {
        let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let mut versions = HashMap::new();
        if let Some(o) = doc.get("versions").and_then(Value::as_object) {
            for (t, vs) in o {
                let list = vs
                    .as_str()
                    .unwrap_or("")
                    .split(' ')
                    .map(String::from)
                    .collect();
                versions.insert(t.to_ascii_lowercase(), (t.clone(), list));
            }
        }
        let mut resources = HashMap::new();
        if let Some(o) = doc.get("resources").and_then(Value::as_object) {
            for (k, i) in o {
                if let Some(i) = i.as_u64() {
                    resources.insert(k.to_ascii_lowercase(), i as u32);
                }
            }
        }
        let nodes = doc
            .get("nodes")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(node).collect())
            .unwrap_or_default();
        ArmSchema {
            versions,
            resources,
            nodes,
        }
    }

    /// The type as Azure spells it and its API versions, for a type of any casing.
    pub fn versions(&self, ty: &str) -> Option<(&str, &[String])> {
        self.versions
            .get(&ty.to_ascii_lowercase())
            .map(|(t, v)| (t.as_str(), v.as_slice()))
    }

    /// Whether the property tree of `ty@api` is carried.
    pub fn carries(&self, ty: &str, api: &str) -> bool {
        self.resources
            .contains_key(&format!("{ty}@{api}").to_ascii_lowercase())
    }

    /// What is wrong with `ty@api` itself, if anything: an unknown type, an unknown
    /// version, or a pair whose properties the data does not carry.
    pub fn check_type(&self, ty: &str, api: &str) -> Option<Finding> {
        if self.carries(ty, api) {
            return None;
        }
        let Some((name, versions)) = self.versions(ty) else {
            return Some(Finding::new(
                Problem::UnknownType,
                Vec::new(),
                format!("`{ty}` is not an ARM resource type"),
            ));
        };
        if !versions.iter().any(|v| v.eq_ignore_ascii_case(api)) {
            let stable: Vec<&String> = versions.iter().filter(|v| !v.contains("preview")).collect();
            let newest: Vec<&str> = stable
                .iter()
                .rev()
                .take(3)
                .rev()
                .map(|s| s.as_str())
                .collect();
            return Some(Finding::new(
                Problem::UnknownVersion,
                Vec::new(),
                format!(
                    "`{name}` has no API version `{api}`; the newest stable ones are {}",
                    newest.join(", ")
                ),
            ));
        }
        Some(Finding::new(
            Problem::NotCarried,
            Vec::new(),
            format!("`{name}@{api}` exists, but aws2azure carries no property schema for it"),
        ))
    }

    /// Every way `r` departs from its type's schema.
    pub fn check(&self, r: &AzResource) -> Vec<Finding> {
        if MODEL_ONLY.contains(&r.ty.as_str()) {
            return Vec::new();
        }
        if let Some(f) = self.check_type(&r.ty, &r.api) {
            return vec![f];
        }
        if r.existing {
            return Vec::new();
        }
        let root = self.resources[&format!("{}@{}", r.ty, r.api).to_ascii_lowercase()];
        let mut members: Vec<(&str, &AzExpr)> = vec![("name", &r.name)];
        if let Some(l) = &r.location {
            members.push(("location", l));
        }
        if let Some(t) = &r.tags {
            members.push(("tags", t));
        }
        members.extend(
            r.body
                .iter()
                .filter(|(k, _)| !BICEP_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v)),
        );
        let mut out = Vec::new();
        self.object(root, &members, &mut Vec::new(), &mut out, 0);
        out
    }

    fn object(
        &self,
        ti: u32,
        members: &[(&str, &AzExpr)],
        path: &mut Vec<String>,
        out: &mut Vec<Finding>,
        depth: usize,
    ) {
        let Some((props, additional)) = self.object_view(ti, members, 0) else {
            return;
        };
        let mut seen = Vec::new();
        for &(k, v) in members {
            let key = match props.get(k) {
                Some(_) => k.to_string(),
                None => match props.keys().find(|p| p.eq_ignore_ascii_case(k)) {
                    // ARM property names are case-insensitive; the checkers warn only.
                    Some(p) => p.clone(),
                    None => {
                        if let Some(a) = additional {
                            path.push(k.to_string());
                            self.value(a, v, path, out, depth + 1);
                            path.pop();
                        } else {
                            path.push(k.to_string());
                            out.push(Finding::new(
                                Problem::UnknownProperty,
                                path.clone(),
                                format!(
                                    "`{}` is not a property here{}",
                                    path.join("."),
                                    suggest(k, props.keys())
                                ),
                            ));
                            path.pop();
                        }
                        continue;
                    }
                },
            };
            seen.push(key.to_ascii_lowercase());
            let (t, _) = props[&key];
            if let Some(t) = t {
                path.push(key);
                self.value(t, v, path, out, depth + 1);
                path.pop();
            }
        }
        for (k, (_, flags)) in props.iter() {
            if flags & REQUIRED != 0
                && flags & READ_ONLY == 0
                && !seen.contains(&k.to_ascii_lowercase())
            {
                path.push(k.clone());
                out.push(Finding::new(
                    Problem::MissingRequired,
                    path.clone(),
                    format!("the required property `{}` is missing", path.join(".")),
                ));
                path.pop();
            }
        }
    }

    fn value(
        &self,
        ti: u32,
        v: &AzExpr,
        path: &mut Vec<String>,
        out: &mut Vec<Finding>,
        depth: usize,
    ) {
        if depth > 40 {
            return;
        }
        match v {
            AzExpr::Object(members) => {
                let named: Vec<(&str, &AzExpr)> = members
                    .iter()
                    .filter_map(|(k, v)| match k {
                        AzKey::Name(k) => Some((k.as_str(), v)),
                        AzKey::Expr(_) => None,
                    })
                    .collect();
                self.object(ti, &named, path, out, depth)
            }
            AzExpr::Array(items) => {
                if let Some(item) = self.array_item(ti, 0) {
                    for el in items {
                        self.value(item, el, path, out, depth + 1);
                    }
                }
            }
            AzExpr::For(_, _, body) => {
                if let Some(item) = self.array_item(ti, 0) {
                    self.value(item, body, path, out, depth + 1);
                }
            }
            AzExpr::Cond(_, a, b) => {
                self.value(ti, a, path, out, depth + 1);
                self.value(ti, b, path, out, depth + 1);
            }
            AzExpr::Str(s) => {
                if let Some(allowed) = self.closed_enum(ti)
                    && !allowed.iter().any(|a| a.as_str() == Some(s.as_str()))
                {
                    let list: Vec<String> =
                        allowed.iter().take(12).map(|a| a.to_string()).collect();
                    out.push(Finding::new(
                        Problem::BadValue,
                        path.clone(),
                        format!(
                            "`{}`: `{s}` is not an allowed value; expected one of {}",
                            path.join("."),
                            list.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    /// The properties of an object-like node (a union of objects, or a discriminated
    /// object with the variant the members choose), and its additional properties.
    fn object_view(
        &self,
        ti: u32,
        members: &[(&str, &AzExpr)],
        depth: usize,
    ) -> Option<(Cow<'_, Props>, Option<u32>)> {
        if depth > 8 {
            return None;
        }
        match self.nodes.get(ti as usize)? {
            Node::Object { props, additional } => Some((Cow::Borrowed(props), *additional)),
            Node::Discriminated {
                key,
                base,
                elements,
            } => {
                let mut props = base.clone();
                props.entry(key.clone()).or_insert((None, REQUIRED));
                let chosen = members.iter().find_map(|(k, v)| match v {
                    AzExpr::Str(s) if k == key => Some(s.clone()),
                    _ => None,
                });
                match chosen.and_then(|c| elements.get(&c)) {
                    Some(e) => {
                        if let Some((p, _)) = self.object_view(*e, members, depth + 1) {
                            props.extend(p.into_owned());
                        }
                    }
                    None => {
                        for e in elements.values() {
                            if let Some((p, _)) = self.object_view(*e, members, depth + 1) {
                                for (k, (t, f)) in p.into_owned() {
                                    props.entry(k).or_insert((t, f & !REQUIRED));
                                }
                            }
                        }
                    }
                }
                Some((Cow::Owned(props), None))
            }
            Node::Union(elements) => {
                let mut props = Props::new();
                let mut any = false;
                for e in elements {
                    if let Some((p, _)) = self.object_view(*e, members, depth + 1) {
                        any = true;
                        for (k, (t, f)) in p.into_owned() {
                            props.entry(k).or_insert((t, f & !REQUIRED));
                        }
                    }
                }
                any.then_some((Cow::Owned(props), None))
            }
            _ => None,
        }
    }

    fn array_item(&self, ti: u32, depth: usize) -> Option<u32> {
        if depth > 8 {
            return None;
        }
        match self.nodes.get(ti as usize)? {
            Node::Array(i) => Some(*i),
            Node::Union(elements) => elements.iter().find_map(|e| self.array_item(*e, depth + 1)),
            _ => None,
        }
    }

    /// The values a node allows, when it is a literal or a union of literals only.
    fn closed_enum(&self, ti: u32) -> Option<Vec<&Value>> {
        match self.nodes.get(ti as usize)? {
            Node::Lit(v) => Some(vec![v]),
            Node::Union(elements) => elements
                .iter()
                .map(|e| match self.nodes.get(*e as usize) {
                    Some(Node::Lit(v)) => Some(v),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}

fn node(v: &Value) -> Node {
    let idx = |v: Option<&Value>| v.and_then(Value::as_u64).map(|i| i as u32);
    match v {
        Value::String(_) => Node::Scalar,
        Value::Object(o) => {
            if let Some(l) = o.get("lit") {
                Node::Lit(l.clone())
            } else if let Some(Value::Array(u)) = o.get("u") {
                Node::Union(
                    u.iter()
                        .filter_map(|e| e.as_u64().map(|i| i as u32))
                        .collect(),
                )
            } else if let Some(i) = idx(o.get("arr")) {
                Node::Array(i)
            } else if let Some(p) = o.get("o") {
                Node::Object {
                    props: props(p),
                    additional: idx(o.get("ap")),
                }
            } else if let Some(Value::String(key)) = o.get("d") {
                Node::Discriminated {
                    key: key.clone(),
                    base: o.get("b").map(props).unwrap_or_default(),
                    elements: o
                        .get("e")
                        .and_then(Value::as_object)
                        .map(|e| {
                            e.iter()
                                .filter_map(|(k, i)| i.as_u64().map(|i| (k.clone(), i as u32)))
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            } else {
                Node::Scalar
            }
        }
        _ => Node::Scalar,
    }
}

/// ` (did you mean `x`?)` for the closest known name, if one is close.
pub(super) fn suggest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> String {
    let lower = name.to_ascii_lowercase();
    known
        .map(|k| (super::distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len().max(name.len()) / 3).max(1))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}
