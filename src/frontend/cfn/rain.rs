//! Rain modules: `Type: !Rain::Module path` (or `{"Rain::Module": path}`) expanded the
//! way `rain pkg` does, on the data tree, before the template is read.
//!
//! - The module's `Parameters` take the instance's `Properties` (or their `Default`):
//!   `Ref` of a parameter becomes the property's value, `${Param}` in a `Sub` its text
//!   (or a `Sub` variable when the value is not a literal).
//! - Each module resource becomes `<Instance><Name>`; `Ref`, `GetAtt`, `Sub` and
//!   `DependsOn` inside the module follow the rename. A `ModuleExtension` resource keeps
//!   the instance's id and takes the type its `Metadata.Extends` names, with the
//!   instance properties that are no parameter.
//! - The instance's `Overrides` (`Resource: {Properties, Metadata, DependsOn, …}`)
//!   merge into the module's resources: a property given there replaces the module's.
//! - The instance's `Condition` and `DependsOn` apply to every resource of the module.
//! - The parent reaches into the module with `GetAtt Instance.Output` (the module's
//!   `Outputs`), `GetAtt Instance.Resource.Attr`, `Ref Instance.Resource` and the same
//!   in `Sub` strings, besides the expanded names (`InstanceResource`) themselves.
//!
//! Module files are read before parsing ([`RainFiles::load`]), and only inside the
//! PATH argument the template was found under; a module that cannot be read, parsed,
//! or that includes itself stays a `Rain::Module` resource (manual) with a warning.
//! Spans of expanded resources point into the module file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, codes};
use crate::frontend::node::{Key, Node, NodeKind, Scalar};
use crate::model::sub::{self, Piece};
use crate::source::{FileId, SourceMap, Span};

/// How deep modules may include modules.
pub const MAX_DEPTH: usize = 8;

/// How many resources the modules of one template may expand to (modules that
/// instantiate modules many times over grow exponentially).
pub const MAX_RESOURCES: usize = 5000;

/// The module files a run's templates name, read before the templates are parsed.
#[derive(Debug, Default)]
pub struct RainFiles {
    /// (file naming the module, path as written) → the module file, or why it was not read.
    refs: BTreeMap<(FileId, String), Result<FileId, String>>,
    /// Canonical path → the module file registered for it.
    by_path: BTreeMap<PathBuf, Result<FileId, String>>,
}

impl RainFiles {
    /// Reads the modules that `file` (at `path` on disk) names, and theirs, from inside
    /// `root` only.
    pub fn load(&mut self, sources: &mut SourceMap, file: FileId, path: &Path, root: &Path) {
        let Ok(root) = root.canonicalize() else {
            return;
        };
        self.load_in(sources, file, path, &root, 0);
    }

    fn load_in(
        &mut self,
        sources: &mut SourceMap,
        file: FileId,
        path: &Path,
        root: &Path,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Ok((node, _)) = super::parse_node(sources, file) else {
            return;
        };
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for written in module_paths(&node) {
            if self.refs.contains_key(&(file, written.clone())) {
                continue;
            }
            let found = self.read(sources, &base, &written, root);
            self.refs
                .insert((file, written), found.clone().map(|(id, _, _)| id));
            if let Ok((id, canon, true)) = found {
                self.load_in(sources, id, &canon, root, depth + 1);
            }
        }
    }

    /// Reads one module file: (its id, its canonical path, read for the first time).
    fn read(
        &mut self,
        sources: &mut SourceMap,
        base: &Path,
        written: &str,
        root: &Path,
    ) -> Result<(FileId, PathBuf, bool), String> {
        if written.contains("://") {
            return Err(format!(
                "`{written}` is a URL; aws2azure reads module files from disk only"
            ));
        }
        let canon = base
            .join(written)
            .canonicalize()
            .map_err(|_| format!("`{written}` does not exist"))?;
        if !canon.starts_with(root) {
            return Err(format!(
                "`{written}` is outside the folder given to aws2azure"
            ));
        }
        if !canon.is_file() {
            return Err(format!("`{written}` is not a file"));
        }
        if let Some(done) = self.by_path.get(&canon) {
            return done.clone().map(|id| (id, canon.clone(), false));
        }
        let label = canon
            .strip_prefix(root)
            .unwrap_or(&canon)
            .to_string_lossy()
            .replace('\\', "/");
        let read = match crate::input::read(sources, &canon, &label) {
            Ok(crate::input::Input::Text(id)) => Ok(id),
            Ok(crate::input::Input::Rejected(_, d)) | Err(d) => Err(d.message),
        };
        self.by_path.insert(canon.clone(), read.clone());
        read.map(|id| (id, canon, true))
    }

    fn get(&self, file: FileId, written: &str) -> Option<&Result<FileId, String>> {
        self.refs.get(&(file, written.to_string()))
    }
}

/// The paths of the modules a template's resources name.
fn module_paths(root: &Node) -> Vec<String> {
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter_map(|(_, r)| r.get("Type").and_then(module_type))
        .map(|(p, _)| p)
        .collect()
}

/// `!Rain::Module path` or `{"Rain::Module": path}`: the path and the span naming it.
fn module_type(t: &Node) -> Option<(String, Span)> {
    if t.tag.as_deref() == Some("Rain::Module") {
        return t.scalar_text().map(|p| (p, t.span));
    }
    match t.as_map() {
        Some([(k, v)]) if k.name == "Rain::Module" => v.scalar_text().map(|p| (p, t.span)),
        _ => None,
    }
}

/// What the parent can reach of one expanded module.
struct Instance {
    id: String,
    /// The module's resource names (before the rename).
    resources: BTreeSet<String>,
    /// The module's outputs, resolved.
    outputs: BTreeMap<String, Node>,
}

/// Expands the Rain modules of a parsed template in place. Returns the spans of the
/// module types that stayed unexpanded and were warned about.
pub fn expand(
    root: &mut Node,
    sources: &SourceMap,
    files: &RainFiles,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Span> {
    let mut x = Expander {
        sources,
        files,
        diags,
        stack: Vec::new(),
        warned: Vec::new(),
        produced: 0,
    };
    let instances = x.expand_doc(root);
    if !instances.is_empty() {
        rewrite_parent(root, &instances);
    }
    x.warned
}

struct Expander<'a> {
    sources: &'a SourceMap,
    files: &'a RainFiles,
    diags: &'a mut Vec<Diagnostic>,
    /// The module files being expanded, outermost first.
    stack: Vec<FileId>,
    warned: Vec<Span>,
    /// Resources expanded so far.
    produced: usize,
}

impl Expander<'_> {
    fn warn(&mut self, span: Span, message: String, label: &str, help: &str) {
        self.diags.push(
            Diagnostic::new(codes::CFN_RAIN_MODULE, span, message, label).help(help.to_string()),
        );
    }

    /// Expands the module instances among a document's resources.
    fn expand_doc(&mut self, doc: &mut Node) -> Vec<Instance> {
        let mut instances = Vec::new();
        let Some(resources) = map_get_mut(doc, "Resources") else {
            return instances;
        };
        let NodeKind::Map(entries) = &mut resources.kind else {
            return instances;
        };
        if !entries
            .iter()
            .any(|(_, r)| r.get("Type").and_then(module_type).is_some())
        {
            return instances;
        }
        let mut out = Vec::new();
        for (k, r) in std::mem::take(entries) {
            let Some((path, span)) = r.get("Type").and_then(module_type) else {
                out.push((k, r));
                continue;
            };
            match self.instance(&k, &r, &path, span) {
                Some((expanded, inst)) => {
                    out.extend(expanded);
                    instances.push(inst);
                }
                None => {
                    self.warned.push(span);
                    out.push((k, r));
                }
            }
        }
        *entries = out;
        instances
    }

    /// One module instance: its expanded resources, or `None` (warned about).
    fn instance(
        &mut self,
        key: &Key,
        inst: &Node,
        path: &str,
        span: Span,
    ) -> Option<(Vec<(Key, Node)>, Instance)> {
        const KEEP: &str = "fix the path or the module, or run `rain pkg` and convert the template it produces; the resource stays manual";
        let id = &key.name;
        let file = match self.files.get(span.file, path) {
            Some(Ok(f)) => *f,
            Some(Err(why)) => {
                let why = why.clone();
                self.warn(
                    span,
                    format!("the Rain module of `{id}` is not expanded: {why}"),
                    "module not read",
                    "aws2azure reads a module file only inside the folder given to it: fix the path or convert a folder that holds the module too, or run `rain pkg` and convert the template it produces",
                );
                return None;
            }
            None => {
                self.warn(
                    span,
                    format!("the Rain module `{path}` of `{id}` was not read"),
                    "module not read",
                    KEEP,
                );
                return None;
            }
        };
        if self.stack.contains(&file) {
            self.warn(
                span,
                format!(
                    "the Rain module `{path}` of `{id}` includes itself; it is not expanded again"
                ),
                "module cycle",
                KEEP,
            );
            return None;
        }
        if self.stack.len() >= MAX_DEPTH {
            self.warn(
                span,
                format!("the Rain module `{path}` of `{id}` is nested more than {MAX_DEPTH} modules deep"),
                "too deep",
                KEEP,
            );
            return None;
        }
        let mut module = match super::parse_node(self.sources, file) {
            Ok((n, _)) => n,
            Err(d) => {
                let (p, line, _) = self.sources.locate(d.span.unwrap_or_default());
                self.warn(
                    span,
                    format!(
                        "the Rain module `{path}` of `{id}` is not expanded: {} ({p}:{line})",
                        d.message
                    ),
                    "module not parsed",
                    KEEP,
                );
                return None;
            }
        };
        if module.get("Resources").and_then(Node::as_map).is_none() {
            self.warn(
                span,
                format!("the Rain module `{path}` of `{id}` has no Resources"),
                "not a module",
                KEEP,
            );
            return None;
        }
        self.stack.push(file);
        let nested = self.expand_doc(&mut module);
        self.stack.pop();
        if !nested.is_empty() {
            rewrite_parent(&mut module, &nested);
        }
        let count = module
            .get("Resources")
            .and_then(Node::as_map)
            .map_or(0, <[_]>::len);
        if self.produced + count > MAX_RESOURCES {
            self.warn(
                span,
                format!("the Rain modules of this template expand to more than {MAX_RESOURCES} resources; `{id}` is not expanded"),
                "too many resources",
                KEEP,
            );
            return None;
        }
        self.produced += count;
        Some(self.process(key, inst, &module))
    }

    /// The module's resources renamed and resolved for one instance.
    fn process(&mut self, key: &Key, inst: &Node, module: &Node) -> (Vec<(Key, Node)>, Instance) {
        let id = key.name.clone();
        let params: Vec<(&Key, &Node)> = module
            .get("Parameters")
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k, v)).collect())
            .unwrap_or_default();
        let props: &[(Key, Node)] = inst
            .get("Properties")
            .and_then(Node::as_map)
            .unwrap_or_default();
        let module_resources: &[(Key, Node)] = module
            .get("Resources")
            .and_then(Node::as_map)
            .unwrap_or_default();
        let has_extension = module_resources
            .iter()
            .any(|(k, _)| k.name == "ModuleExtension");
        let mut values = BTreeMap::new();
        for (pk, pv) in &params {
            match props.iter().rev().find(|(k, _)| k.name == pk.name) {
                Some((_, v)) => {
                    values.insert(pk.name.clone(), v.clone());
                }
                None => match pv.get("Default") {
                    Some(d) => {
                        values.insert(pk.name.clone(), d.clone());
                    }
                    None => self.warn(
                        key.span,
                        format!(
                            "`{id}` sets no value for the Rain module parameter `{}`, which has no default; references to it are left to the template",
                            pk.name
                        ),
                        "parameter not set",
                        "add the parameter to the instance's Properties",
                    ),
                },
            }
        }
        let extra: Vec<&(Key, Node)> = props
            .iter()
            .filter(|(k, _)| !params.iter().any(|(p, _)| p.name == k.name))
            .collect();
        if !has_extension {
            for (k, _) in &extra {
                self.warn(
                    k.span,
                    format!(
                        "the Rain module of `{id}` has no parameter `{}`; the property is not used",
                        k.name
                    ),
                    "no such module parameter",
                    "remove the property, or set it on a module resource with `Overrides`",
                );
            }
        }
        let names: BTreeSet<String> = module_resources
            .iter()
            .map(|(k, _)| k.name.clone())
            .collect();
        let cx = Cx {
            id: &id,
            values: &values,
            names: &names,
        };
        let overrides: &[(Key, Node)] = inst
            .get("Overrides")
            .and_then(Node::as_map)
            .unwrap_or_default();
        for (ok, ov) in overrides {
            if !names.contains(&ok.name) {
                self.warn(
                    ok.span,
                    format!(
                        "`{id}` overrides `{}`, which its Rain module does not declare; the override is not used",
                        ok.name
                    ),
                    "no such module resource",
                    "name one of the module's resources",
                );
            } else if ov.as_map().is_none() {
                self.warn(
                    ov.span,
                    format!(
                        "the override of `{}` in `{id}` is not a mapping; it is not used",
                        ok.name
                    ),
                    "not a mapping",
                    "write the override as `Resource: {Properties: {...}, DependsOn: ...}`",
                );
            }
        }
        let inst_condition = inst.get("Condition").cloned();
        let inst_depends = inst.get("DependsOn").map(names_of).unwrap_or_default();
        let mut out = Vec::new();
        for (mk, mv) in module_resources {
            let mut r = mv.clone();
            resolve_resource(&mut r, &cx);
            if mk.name == "ModuleExtension" {
                extend(&mut r, &extra);
            }
            if let Some((_, ov)) = overrides.iter().rev().find(|(k, _)| k.name == mk.name)
                && ov.as_map().is_some()
            {
                apply_override(&mut r, ov);
            }
            if let Some(c) = &inst_condition
                && r.get("Condition").is_none()
            {
                map_set(&mut r, "Condition", c.clone());
            }
            if !inst_depends.is_empty() {
                let mut deps = r.get("DependsOn").map(names_of).unwrap_or_default();
                deps.extend(inst_depends.iter().cloned());
                map_set(&mut r, "DependsOn", seq_of(deps, mk.span));
            }
            let new_id = if mk.name == "ModuleExtension" {
                id.clone()
            } else {
                format!("{id}{}", mk.name)
            };
            out.push((
                Key {
                    name: new_id,
                    span: mk.span,
                },
                r,
            ));
        }
        let outputs = module
            .get("Outputs")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, o)| {
                let mut v = o.get("Value")?.clone();
                resolve(&mut v, &cx);
                Some((k.name.clone(), v))
            })
            .collect();
        (
            out,
            Instance {
                id,
                resources: names,
                outputs,
            },
        )
    }
}

/// What resolving a module's references needs.
struct Cx<'a> {
    id: &'a str,
    /// Parameter → the value the instance gives it.
    values: &'a BTreeMap<String, Node>,
    /// The module's resource names.
    names: &'a BTreeSet<String>,
}

impl Cx<'_> {
    fn rename(&self, name: &str) -> Option<String> {
        if name == "ModuleExtension" {
            return Some(self.id.to_string());
        }
        self.names
            .contains(name)
            .then(|| format!("{}{name}", self.id))
    }
}

/// Resolves one module resource: its properties, metadata and policies, and the names
/// in `DependsOn` and `Condition`.
fn resolve_resource(r: &mut Node, cx: &Cx) {
    let NodeKind::Map(entries) = &mut r.kind else {
        return;
    };
    for (k, v) in entries.iter_mut() {
        match k.name.as_str() {
            "Type" => {}
            "DependsOn" => {
                let renamed: Vec<(String, Span)> = names_of(v)
                    .into_iter()
                    .map(|(n, s)| (cx.rename(&n).unwrap_or(n), s))
                    .collect();
                *v = seq_of(renamed, v.span);
            }
            // A condition named by a module parameter is the parent's condition.
            "Condition" => {
                if let Some(name) = v.scalar_text()
                    && let Some(val) = cx.values.get(&name)
                    && val.scalar_text().is_some()
                {
                    *v = val.clone();
                }
            }
            _ => resolve(v, cx),
        }
    }
}

/// The names a `DependsOn` lists (a scalar, a list, or names separated by spaces).
fn names_of(v: &Node) -> Vec<(String, Span)> {
    let one = |n: &Node| -> Vec<(String, Span)> {
        n.scalar_text()
            .map(|s| {
                s.split_whitespace()
                    .map(|w| (w.to_string(), n.span))
                    .collect()
            })
            .unwrap_or_default()
    };
    match &v.kind {
        NodeKind::Seq(items) => items.iter().flat_map(one).collect(),
        _ => one(v),
    }
}

fn seq_of(names: Vec<(String, Span)>, span: Span) -> Node {
    Node {
        kind: NodeKind::Seq(names.into_iter().map(|(n, s)| string(n, s)).collect()),
        tag: None,
        span,
    }
}

fn string(s: String, span: Span) -> Node {
    Node {
        kind: NodeKind::Scalar(Scalar::Str(s)),
        tag: None,
        span,
    }
}

/// A `ModuleExtension`: the type its `Metadata.Extends` names, and the instance's
/// properties that are no module parameter.
fn extend(r: &mut Node, extra: &[&(Key, Node)]) {
    if let Some(ext) = r.get("Metadata").and_then(|m| m.get("Extends")).cloned() {
        map_set(r, "Type", ext);
        if let Some(meta) = map_get_mut(r, "Metadata")
            && let NodeKind::Map(m) = &mut meta.kind
        {
            m.retain(|(k, _)| k.name != "Extends");
        }
    }
    if extra.is_empty() {
        return;
    }
    if r.get("Properties").is_none() {
        let span = r.span;
        map_set(
            r,
            "Properties",
            Node {
                kind: NodeKind::Map(Vec::new()),
                tag: None,
                span,
            },
        );
    }
    if let Some(p) = map_get_mut(r, "Properties") {
        for (k, v) in extra {
            map_set(p, &k.name, v.clone());
        }
    }
}

/// Merges an instance's override into a module resource: property-like sections by
/// their top-level keys, `DependsOn` appended, anything else replaced.
fn apply_override(r: &mut Node, ov: &Node) {
    for (k, v) in ov.as_map().unwrap_or_default() {
        match k.name.as_str() {
            "Properties" | "Metadata" | "CreationPolicy" | "UpdatePolicy"
                if v.as_map().is_some() && r.get(&k.name).and_then(Node::as_map).is_some() =>
            {
                if let Some(target) = map_get_mut(r, &k.name) {
                    for (pk, pv) in v.as_map().unwrap_or_default() {
                        map_set(target, &pk.name, pv.clone());
                    }
                }
            }
            "DependsOn" => {
                let mut deps = r.get("DependsOn").map(names_of).unwrap_or_default();
                deps.extend(names_of(v));
                map_set(r, "DependsOn", seq_of(deps, v.span));
            }
            _ => map_set(r, &k.name, v.clone()),
        }
    }
}

fn map_get_mut<'n>(n: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    match &mut n.kind {
        NodeKind::Map(m) => m
            .iter_mut()
            .rev()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Sets `key` (the last entry of that name, or a new one at the end).
fn map_set(n: &mut Node, key: &str, value: Node) {
    let span = value.span;
    if let NodeKind::Map(m) = &mut n.kind {
        match m.iter_mut().rev().find(|(k, _)| k.name == key) {
            Some((_, v)) => *v = value,
            None => m.push((
                Key {
                    name: key.to_string(),
                    span,
                },
                value,
            )),
        }
    }
}

/// An intrinsic written either way: `!Ref x` or `{Ref: x}`. The function name without
/// `Fn::`, and whether it is the tagged form.
fn intrinsic(n: &Node) -> Option<(&str, bool)> {
    if let Some(t) = n.tag.as_deref() {
        return Some((t.strip_prefix("Fn::").unwrap_or(t), true));
    }
    match n.as_map() {
        Some([(k, _)]) => {
            let name = k.name.strip_prefix("Fn::").unwrap_or(&k.name);
            matches!(name, "Ref" | "GetAtt" | "Sub").then_some((name, false))
        }
        _ => None,
    }
}

/// The argument of an intrinsic: the tagged node itself without its tag, or the value.
fn argument(n: &Node, tagged: bool) -> Node {
    if tagged {
        Node {
            tag: None,
            ..n.clone()
        }
    } else {
        n.as_map()
            .and_then(|m| m.first())
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| n.clone())
    }
}

/// `{Name: arg}` in the map form, keeping the node's span.
fn call(name: &str, arg: Node, span: Span) -> Node {
    Node {
        kind: NodeKind::Map(vec![(
            Key {
                name: name.to_string(),
                span,
            },
            arg,
        )]),
        tag: None,
        span,
    }
}

/// `GetAtt` as (resource, attribute): `A.B.C` is `A` and `B.C`.
fn getatt_parts(arg: &Node) -> Option<(String, String)> {
    match &arg.kind {
        NodeKind::Seq(items) if items.len() == 2 => {
            Some((items[0].scalar_text()?, items[1].scalar_text()?))
        }
        NodeKind::Scalar(_) => {
            let s = arg.scalar_text()?;
            let (a, b) = s.split_once('.')?;
            Some((a.to_string(), b.to_string()))
        }
        _ => None,
    }
}

fn getatt(res: String, attr: String, span: Span) -> Node {
    call(
        "Fn::GetAtt",
        Node {
            kind: NodeKind::Seq(vec![string(res, span), string(attr, span)]),
            tag: None,
            span,
        },
        span,
    )
}

/// A value as it stands in a `Sub` string: literal text, `${Name}` or `${Res.Attr}`,
/// or `None` when only a `Sub` variable can hold it.
fn sub_text(v: &Node) -> Option<String> {
    if let Some((f, tagged)) = intrinsic(v) {
        let arg = argument(v, tagged);
        return match f {
            "Ref" => arg.scalar_text().map(|n| format!("${{{n}}}")),
            "GetAtt" => getatt_parts(&arg).map(|(a, b)| format!("${{{a}.{b}}}")),
            _ => None,
        };
    }
    match &v.kind {
        NodeKind::Scalar(Scalar::Null) | NodeKind::Seq(_) | NodeKind::Map(_) => None,
        _ => v.scalar_text().map(|s| s.replace("${", "${!")),
    }
}

/// Rewrites a `Sub` node: each variable through `var` (the new text, or a value that
/// becomes a `Sub` variable of that name). Variables the `Sub` defines itself stay.
fn rewrite_sub(n: &mut Node, tagged: bool, var: &dyn Fn(&str) -> Option<Result<String, Node>>) {
    let arg = argument(n, tagged);
    let (text_node, mut vars) = match &arg.kind {
        NodeKind::Seq(items) if items.len() == 2 => (
            items[0].clone(),
            items[1].as_map().map(<[_]>::to_vec).unwrap_or_default(),
        ),
        NodeKind::Scalar(_) => (arg.clone(), Vec::new()),
        _ => return,
    };
    let Some(text) = text_node.scalar_text() else {
        return;
    };
    let local: BTreeSet<String> = vars.iter().map(|(k, _)| k.name.clone()).collect();
    let mut out = String::new();
    let mut changed = false;
    for p in sub::parse(&text) {
        match p {
            Piece::Lit(l) => out.push_str(&l.replace("${", "${!")),
            Piece::Var(v) if local.contains(&v) => out.push_str(&format!("${{{v}}}")),
            Piece::Var(v) => match var(&v) {
                Some(Ok(t)) => {
                    out.push_str(&t);
                    changed = true;
                }
                Some(Err(value)) => {
                    let name = v.replace(['.', ':'], "");
                    out.push_str(&format!("${{{name}}}"));
                    if !vars.iter().any(|(k, _)| k.name == name) {
                        vars.push((
                            Key {
                                name,
                                span: value.span,
                            },
                            value,
                        ));
                    }
                    changed = true;
                }
                None => out.push_str(&format!("${{{v}}}")),
            },
        }
    }
    if !changed {
        return;
    }
    let span = n.span;
    let text = string(out, text_node.span);
    let arg = if vars.is_empty() {
        text
    } else {
        Node {
            kind: NodeKind::Seq(vec![
                text,
                Node {
                    kind: NodeKind::Map(vars),
                    tag: None,
                    span,
                },
            ]),
            tag: None,
            span,
        }
    };
    *n = call("Fn::Sub", arg, span);
}

/// Resolves module references in a value: parameters become the instance's values,
/// module resources their new names.
fn resolve(n: &mut Node, cx: &Cx) {
    if let Some((f, tagged)) = intrinsic(n) {
        let arg = argument(n, tagged);
        match f {
            "Ref" => {
                if let Some(name) = arg.scalar_text() {
                    if let Some(v) = cx.values.get(&name) {
                        *n = v.clone();
                    } else if let Some(new) = cx.rename(&name) {
                        *n = call("Ref", string(new, arg.span), n.span);
                    }
                }
                return;
            }
            "GetAtt" => {
                if let Some((res, attr)) = getatt_parts(&arg)
                    && let Some(new) = cx.rename(&res)
                {
                    *n = getatt(new, attr, n.span);
                }
                // A module's GetAtt may name its attribute with a parameter.
                return;
            }
            "Sub" => {
                rewrite_sub(n, tagged, &|v: &str| {
                    if let Some((res, attr)) = v.split_once('.') {
                        return cx.rename(res).map(|r| Ok(format!("${{{r}.{attr}}}")));
                    }
                    if let Some(val) = cx.values.get(v) {
                        return Some(sub_text(val).ok_or_else(|| val.clone()));
                    }
                    cx.rename(v).map(|r| Ok(format!("${{{r}}}")))
                });
                // The variables' values are module values too.
                if let Some(vars) = sub_vars_mut(n) {
                    for (_, v) in vars.iter_mut() {
                        resolve(v, cx);
                    }
                }
                return;
            }
            _ => {}
        }
    }
    match &mut n.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|i| resolve(i, cx)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(_, v)| resolve(v, cx)),
        NodeKind::Scalar(_) => {}
    }
}

/// The variable map of a `Sub` in the list form.
fn sub_vars_mut(n: &mut Node) -> Option<&mut Vec<(Key, Node)>> {
    let arg = if matches!(&n.kind, NodeKind::Map(m) if m.len() == 1) {
        match &mut n.kind {
            NodeKind::Map(m) => &mut m[0].1,
            _ => return None,
        }
    } else {
        n
    };
    match &mut arg.kind {
        NodeKind::Seq(items) if items.len() == 2 => match &mut items[1].kind {
            NodeKind::Map(vars) => Some(vars),
            _ => None,
        },
        _ => None,
    }
}

/// Rewrites the parent's references into expanded modules: `GetAtt Instance.Output`,
/// `GetAtt Instance.Resource.Attr`, `Ref Instance.Resource`, the same in `Sub`, and a
/// `DependsOn` on a whole instance.
fn rewrite_parent(root: &mut Node, instances: &[Instance]) {
    let find = |name: &str| instances.iter().find(|i| i.id == name);
    // What `Instance.Rest` stands for: an output's value, or a module resource.
    let reach = |a: &str, rest: &str| -> Option<Reach> {
        let inst = find(a)?;
        if let Some(v) = inst.outputs.get(rest) {
            return Some(Reach::Value(v.clone()));
        }
        let (res, attr) = match rest.split_once('.') {
            Some((r, at)) => (r, Some(at)),
            None => (rest, None),
        };
        inst.resources
            .contains(res)
            .then(|| Reach::Resource(format!("{a}{res}"), attr.map(str::to_string)))
    };
    if let Some(resources) = map_get_mut(root, "Resources")
        && let NodeKind::Map(entries) = &mut resources.kind
    {
        for (_, r) in entries.iter_mut() {
            let Some(deps) = r.get("DependsOn") else {
                continue;
            };
            let names = names_of(deps);
            if !names.iter().any(|(n, _)| find(n).is_some()) {
                continue;
            }
            let span = deps.span;
            let expanded: Vec<(String, Span)> = names
                .into_iter()
                .flat_map(|(n, s)| match find(&n) {
                    Some(i) => i.resources.iter().map(|m| (format!("{n}{m}"), s)).collect(),
                    None => vec![(n, s)],
                })
                .collect();
            map_set(r, "DependsOn", seq_of(expanded, span));
        }
    }
    rewrite_refs(root, &reach);
}

enum Reach {
    Value(Node),
    /// The new logical id, and the attribute when one was named.
    Resource(String, Option<String>),
}

fn rewrite_refs(n: &mut Node, reach: &dyn Fn(&str, &str) -> Option<Reach>) {
    if let Some((f, tagged)) = intrinsic(n) {
        let arg = argument(n, tagged);
        let span = n.span;
        match f {
            "Ref" => {
                if let Some((a, rest)) =
                    arg.scalar_text().as_deref().and_then(|s| s.split_once('.'))
                {
                    match reach(a, rest) {
                        Some(Reach::Value(v)) => *n = v,
                        Some(Reach::Resource(id, None)) => {
                            *n = call("Ref", string(id, arg.span), span)
                        }
                        Some(Reach::Resource(id, Some(attr))) => *n = getatt(id, attr, span),
                        None => {}
                    }
                }
                return;
            }
            "GetAtt" => {
                if let Some((a, rest)) = getatt_parts(&arg) {
                    match reach(&a, &rest) {
                        Some(Reach::Value(v)) => *n = v,
                        Some(Reach::Resource(id, Some(attr))) => *n = getatt(id, attr, span),
                        Some(Reach::Resource(..)) | None => {}
                    }
                }
                return;
            }
            "Sub" => {
                rewrite_sub(n, tagged, &|v: &str| {
                    let (a, rest) = v.split_once('.')?;
                    match reach(a, rest)? {
                        Reach::Value(val) => Some(sub_text(&val).ok_or(val)),
                        Reach::Resource(id, None) => Some(Ok(format!("${{{id}}}"))),
                        Reach::Resource(id, Some(attr)) => Some(Ok(format!("${{{id}.{attr}}}"))),
                    }
                });
                if let Some(vars) = sub_vars_mut(n) {
                    for (_, v) in vars.iter_mut() {
                        rewrite_refs(v, reach);
                    }
                }
                return;
            }
            _ => {}
        }
    }
    match &mut n.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|i| rewrite_refs(i, reach)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(_, v)| rewrite_refs(v, reach)),
        NodeKind::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::expr::{Expr, ExprKind};
    use crate::model::template::Template;

    /// Writes `files` into a fresh folder, then parses `template.yaml` from it with its
    /// modules: the template and the diagnostic codes.
    fn run(name: &str, files: &[(&str, &str)]) -> (Template, Vec<String>, SourceMap) {
        let dir =
            std::env::temp_dir().join(format!("aws2azure-rain-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (p, text) in files {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let root = dir.join("root");
        let path = root.join("template.yaml");
        let mut sources = SourceMap::default();
        let Ok(crate::input::Input::Text(id)) =
            crate::input::read(&mut sources, &path, "template.yaml")
        else {
            panic!("template not read");
        };
        let mut rain = RainFiles::default();
        rain.load(&mut sources, id, &path, &root);
        let parsed = super::super::parse_with(&sources, id, Some(&rain));
        let _ = std::fs::remove_dir_all(&dir);
        let codes = parsed
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code.id, d.message))
            .collect();
        (parsed.template.expect("a template"), codes, sources)
    }

    fn ids(t: &Template) -> Vec<(String, String)> {
        t.resources
            .iter()
            .map(|r| (r.id.clone(), r.ty.clone()))
            .collect()
    }

    fn prop<'e>(t: &'e Template, id: &str, key: &str) -> &'e Expr {
        let r = t.resource(id).expect("resource");
        match &r.properties.kind {
            ExprKind::Object(m) => &m.iter().find(|(k, _, _)| k == key).expect("property").2,
            _ => panic!("no properties"),
        }
    }

    #[test]
    fn parameters_references_and_spans() {
        let (t, codes, sources) = run(
            "basic",
            &[
                (
                    "root/template.yaml",
                    "Resources:\n  Net:\n    Type: !Rain::Module mods/net.yaml\n    Properties:\n      Cidr: 10.0.0.0/16\n      Name: !Ref AWS::StackName\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      VpcId: !GetAtt Net.VpcId\n      Tags: [{Key: a, Value: !Sub '${Net.Vpc.CidrBlock}'}]\n",
                ),
                (
                    "root/mods/net.yaml",
                    "Parameters:\n  Cidr: {Type: String}\n  Name: {Type: String}\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref Cidr\n      Tags: [{Key: Name, Value: !Sub '${Name}-vpc'}]\n  Subnet:\n    Type: AWS::EC2::Subnet\n    DependsOn: Vpc\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n",
                ),
            ],
        );
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(
            ids(&t),
            vec![
                ("NetVpc".into(), "AWS::EC2::VPC".into()),
                ("NetSubnet".into(), "AWS::EC2::Subnet".into()),
                ("Sg".into(), "AWS::EC2::SecurityGroup".into()),
            ]
        );
        assert!(
            matches!(&prop(&t, "NetVpc", "CidrBlock").kind, ExprKind::Str(s) if s == "10.0.0.0/16")
        );
        assert!(matches!(&prop(&t, "NetSubnet", "VpcId").kind, ExprKind::Ref(n) if n == "NetVpc"));
        assert!(matches!(&prop(&t, "Sg", "VpcId").kind, ExprKind::Ref(n) if n == "NetVpc"));
        let subnet = t.resource("NetSubnet").unwrap();
        assert_eq!(subnet.depends_on[0].0, "NetVpc");
        // The expanded resource points into the module file.
        assert_eq!(sources.locate(subnet.span).0, "mods/net.yaml");
        let text = format!("{:?}", prop(&t, "NetVpc", "Tags"));
        assert!(text.contains("AWS::StackName"), "{text}");
        let tags = format!("{:?}", prop(&t, "Sg", "Tags"));
        assert!(tags.contains("NetVpc"), "{tags}");
    }

    #[test]
    fn outside_the_root_missing_and_urls_stay_manual() {
        let (t, codes, _) = run(
            "outside",
            &[
                (
                    "root/template.yaml",
                    "Resources:\n  A:\n    Type: !Rain::Module ../elsewhere.yaml\n  B:\n    Type: !Rain::Module missing.yaml\n  C:\n    Type: !Rain::Module https://example.com/m.yaml\n",
                ),
                (
                    "elsewhere.yaml",
                    "Resources:\n  Q: {Type: AWS::SQS::Queue}\n",
                ),
            ],
        );
        assert_eq!(
            ids(&t)
                .iter()
                .filter(|(_, ty)| ty == "Rain::Module")
                .count(),
            3
        );
        assert_eq!(codes.len(), 3, "{codes:?}");
        assert!(codes[0].contains("outside the folder"), "{codes:?}");
        assert!(codes[1].contains("does not exist"), "{codes:?}");
        assert!(codes[2].contains("URL"), "{codes:?}");
        assert!(codes.iter().all(|c| c.starts_with("cfn::rain-module")));
    }

    #[test]
    fn a_module_including_itself_is_expanded_once() {
        let (t, codes, _) = run(
            "cycle",
            &[
                (
                    "root/template.yaml",
                    "Resources:\n  Outer:\n    Type: !Rain::Module loop.yaml\n",
                ),
                (
                    "root/loop.yaml",
                    "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Again:\n    Type: !Rain::Module ./loop.yaml\n",
                ),
            ],
        );
        assert_eq!(
            ids(&t),
            vec![
                ("OuterQ".into(), "AWS::SQS::Queue".into()),
                ("OuterAgain".into(), "Rain::Module".into()),
            ]
        );
        assert_eq!(codes.len(), 1, "{codes:?}");
        assert!(codes[0].contains("includes itself"), "{codes:?}");
    }

    #[test]
    fn json_form_extension_overrides_and_non_literal_values() {
        let (t, codes, _) = run(
            "json",
            &[
                (
                    "root/template.yaml",
                    r#"{"Conditions": {"Prod": {"Fn::Equals": ["a", "a"]}},
 "Resources": {
  "Logs": {"Type": {"Rain::Module": "bucket.json"}, "Condition": "Prod",
           "Properties": {"Prefix": {"Fn::Join": ["-", ["a", "b"]]}, "VersioningConfiguration": {"Status": "Enabled"}},
           "Overrides": {"Policy": {"DeletionPolicy": "Retain"}, "Nope": {}}}}}"#,
                ),
                (
                    "root/bucket.json",
                    r#"{"Parameters": {"Prefix": {"Type": "String"}},
 "Resources": {
  "ModuleExtension": {"Type": "AWS::S3::Bucket", "Metadata": {"Extends": "AWS::S3::Bucket"},
                      "Properties": {"BucketName": {"Fn::Sub": "${Prefix}-logs"}}},
  "Policy": {"Type": "AWS::S3::BucketPolicy",
             "Properties": {"Bucket": {"Ref": "ModuleExtension"}, "PolicyDocument": {}}}}}"#,
                ),
            ],
        );
        assert_eq!(
            ids(&t),
            vec![
                ("Logs".into(), "AWS::S3::Bucket".into()),
                ("LogsPolicy".into(), "AWS::S3::BucketPolicy".into()),
            ]
        );
        assert_eq!(codes.len(), 1, "{codes:?}");
        assert!(codes[0].contains("`Nope`"), "{codes:?}");
        let logs = t.resource("Logs").unwrap();
        assert_eq!(logs.condition.as_ref().unwrap().0, "Prod");
        assert!(matches!(
            prop(&t, "Logs", "VersioningConfiguration").kind,
            ExprKind::Object(_)
        ));
        assert!(matches!(&prop(&t, "LogsPolicy", "Bucket").kind, ExprKind::Ref(n) if n == "Logs"));
        assert_eq!(
            t.resource("LogsPolicy")
                .unwrap()
                .deletion_policy
                .as_ref()
                .unwrap()
                .0,
            "Retain"
        );
        // A value that is no literal becomes a variable of the Sub.
        let name = format!("{:?}", prop(&t, "Logs", "BucketName"));
        assert!(name.contains("Join"), "{name}");
    }
}
