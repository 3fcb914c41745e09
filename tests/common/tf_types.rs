//! A type pass over generated Terraform, standing in for `terraform validate` (which
//! needs providers, so a network): every `variable`'s declared type against what its
//! uses require. A use that Terraform rejects whatever value is supplied — indexing or
//! iterating a `string`, `.attr` on a list, a list in a string template, a list as
//! `for_each`, a `string` passed to a module variable declared `list(…)` — is a finding.
//!
//! Conversions Terraform makes on its own (a string to a number or bool, a number to a
//! string) are not findings: `terraform validate` accepts them with unknown values too.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Directive, Element, Template};

/// A declared type, as far as the check needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Any,
    String,
    Number,
    Bool,
    /// `list(…)`, `set(…)`, `tuple([…])`.
    List,
    /// `map(…)`.
    Map,
    /// `object({…})`.
    Object,
}

/// What a use needs of the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A primitive: string templates, string functions, a module variable of a primitive type.
    Primitive,
    Number,
    Bool,
    /// A list or set: `element`, `concat`, `join`'s list, `toset`, …
    List,
    /// A map or object: `keys`, `lookup`, `merge`, …
    MapLike,
    /// `x.name` or `x["name"]`: an object or map.
    Attr,
    /// `x[0]`: a list, or a map (whose keys are strings Terraform converts to).
    Index,
    /// `for … in x`, `x[k]` with an unknown key, `%{for}`: any collection.
    Collection,
    /// `for_each = x`: a map, a set or an object, never a list.
    ForEach,
}

impl Need {
    fn accepts(self, ty: Ty) -> bool {
        use Need::*;
        match ty {
            Ty::Any => true,
            Ty::String => matches!(self, Primitive | Number | Bool),
            Ty::Number => matches!(self, Primitive | Number),
            Ty::Bool => matches!(self, Primitive | Bool),
            Ty::List => matches!(self, List | Index | Collection),
            Ty::Map => matches!(self, MapLike | Attr | Index | Collection | ForEach),
            Ty::Object => matches!(self, MapLike | Attr | Collection | ForEach),
        }
    }
}

/// One folder of generated `.tf` files.
pub struct Folder {
    /// Path of the folder, relative to the output root (`a/b`, or empty).
    pub dir: String,
    pub files: Vec<(String, String)>,
}

/// A use the declared type cannot satisfy.
#[derive(Debug)]
pub struct Finding {
    pub file: String,
    pub variable: String,
    pub declared: Ty,
    pub need: Need,
    pub context: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: var.{} is declared {:?} but {} needs {:?}",
            self.file, self.variable, self.declared, self.context, self.need
        )
    }
}

/// Groups `(path, text)` pairs by folder (only `.tf` files).
pub fn folders(files: &[(String, String)]) -> Vec<Folder> {
    let mut by: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".tf")) {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        by.entry(dir)
            .or_default()
            .push((path.clone(), text.clone()));
    }
    by.into_iter()
        .map(|(dir, files)| Folder { dir, files })
        .collect()
}

/// Checks every folder; module calls with a relative `source` read the variable types
/// of the called folder when it is among `folders`.
pub fn check(folders: &[Folder]) -> Vec<Finding> {
    let parsed: BTreeMap<&str, Vec<(String, Body)>> = folders
        .iter()
        .map(|f| {
            let bodies = f
                .files
                .iter()
                .map(|(p, t)| {
                    let body = hcl_edit::parser::parse_body(t)
                        .unwrap_or_else(|e| panic!("{p}: generated Terraform does not parse: {e}"));
                    (p.clone(), body)
                })
                .collect();
            (f.dir.as_str(), bodies)
        })
        .collect();
    let declared: BTreeMap<&str, BTreeMap<String, Ty>> = parsed
        .iter()
        .map(|(d, bodies)| (*d, variables(bodies)))
        .collect();
    let mut findings = Vec::new();
    for (dir, bodies) in &parsed {
        let vars = &declared[dir];
        for (file, body) in bodies {
            let mut uses = Vec::new();
            let locals = aliases(bodies);
            walk_body(body, &mut uses, &|source, input| {
                let child = join(dir, source)?;
                declared.get(child.as_str())?.get(input).copied()
            });
            for (name, need, context) in uses {
                let name = locals.get(&name).cloned().unwrap_or(name);
                let Some(&ty) = vars.get(&name) else { continue };
                if !need.accepts(ty) {
                    findings.push(Finding {
                        file: file.clone(),
                        variable: name,
                        declared: ty,
                        need,
                        context,
                    });
                }
            }
        }
    }
    findings
}

/// `dir` joined with a relative module source, normalised; `None` for other sources.
fn join(dir: &str, source: &str) -> Option<String> {
    if !source.starts_with("./") && !source.starts_with("../") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in source.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn variables(bodies: &[(String, Body)]) -> BTreeMap<String, Ty> {
    let mut out = BTreeMap::new();
    for (_, body) in bodies {
        for b in body.iter().filter_map(Structure::as_block) {
            if b.ident.as_str() != "variable" {
                continue;
            }
            let Some(name) = b.labels.first() else {
                continue;
            };
            let ty = b
                .body
                .iter()
                .filter_map(Structure::as_attribute)
                .find(|a| a.key.as_str() == "type")
                .map_or(Ty::Any, |a| declared_type(&a.value));
            out.insert(name.as_str().to_string(), ty);
        }
    }
    out
}

fn declared_type(e: &Expression) -> Ty {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ty::String,
            "number" => Ty::Number,
            "bool" => Ty::Bool,
            _ => Ty::Any,
        },
        Expression::FuncCall(f) => match f.name.name.as_str() {
            "list" | "set" | "tuple" => Ty::List,
            "map" => Ty::Map,
            "object" => Ty::Object,
            _ => Ty::Any,
        },
        _ => Ty::Any,
    }
}

/// Locals that are exactly `var.x`: uses of `local.y` count as uses of `var.x`. (The
/// walk reports `local.y` uses under the name `local:y`.)
fn aliases(bodies: &[(String, Body)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, body) in bodies {
        for b in body.iter().filter_map(Structure::as_block) {
            if b.ident.as_str() != "locals" {
                continue;
            }
            for a in b.body.iter().filter_map(Structure::as_attribute) {
                if let Some(v) = bare_var(&a.value) {
                    out.insert(format!("local:{}", a.key.as_str()), v);
                }
            }
        }
    }
    out
}

type Uses = Vec<(String, Need, String)>;
type ModuleVar<'a> = &'a dyn Fn(&str, &str) -> Option<Ty>;

fn walk_body(body: &Body, uses: &mut Uses, module_var: ModuleVar) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => walk(&a.value, uses, a.key.as_str()),
            Structure::Block(b) => walk_block(b, None, uses, module_var),
        }
    }
}

fn walk_block(b: &Block, outer: Option<&str>, uses: &mut Uses, module_var: ModuleVar) {
    let kind = b.ident.as_str();
    // A variable's own type and validation read nothing of the module.
    if kind == "variable" && outer.is_none() {
        return;
    }
    let attrs = || b.body.iter().filter_map(Structure::as_attribute);
    let source = (kind == "module" && outer.is_none())
        .then(|| {
            attrs()
                .find(|a| a.key.as_str() == "source")
                .and_then(|a| match &a.value {
                    Expression::String(s) => Some(s.as_str().to_string()),
                    _ => None,
                })
        })
        .flatten();
    let label = b.labels.iter().map(|l| l.as_str()).collect::<Vec<_>>();
    let here = match outer {
        Some(o) => format!("{o} {kind}"),
        None => format!("{kind} {}", label.join(".")),
    };
    for a in attrs() {
        let key = a.key.as_str();
        let context = format!("{here} {key}");
        let need = match key {
            "count" if outer.is_none() => Some(Need::Number),
            "for_each" => Some(Need::ForEach),
            _ => source
                .as_deref()
                .and_then(|s| module_var(s, key))
                .and_then(|t| match t {
                    Ty::List => Some(Need::List),
                    Ty::Map | Ty::Object => Some(Need::MapLike),
                    Ty::String | Ty::Number | Ty::Bool => Some(Need::Primitive),
                    Ty::Any => None,
                }),
        };
        if let (Some(need), Some(v)) = (need, bare_var(&a.value)) {
            uses.push((v, need, context.clone()));
        }
        walk(&a.value, uses, &context);
    }
    for inner in b.body.iter().filter_map(Structure::as_block) {
        walk_block(inner, Some(&here), uses, module_var);
    }
}

/// The variable a traversal starts from: `var.x…` → `x`, `local.y…` → `local:y`.
fn root_var(t: &hcl_edit::expr::Traversal) -> Option<String> {
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let TraversalOperator::GetAttr(name) = t.operators.first()?.value() else {
        return None;
    };
    match root.as_str() {
        "var" => Some(name.as_str().to_string()),
        "local" => Some(format!("local:{}", name.as_str())),
        _ => None,
    }
}

/// `var.x` or `local.x` (as `local:x`), bare.
fn bare_var(e: &Expression) -> Option<String> {
    match e {
        Expression::Parenthesis(p) => bare_var(p.inner()),
        Expression::Traversal(t) if t.operators.len() == 1 => root_var(t),
        _ => None,
    }
}

/// What each argument of a function needs (`None`: nothing the check knows).
fn function_need(f: &str, i: usize) -> Option<Need> {
    use Need::*;
    Some(match (f, i) {
        ("element" | "flatten" | "distinct" | "compact" | "reverse" | "sort" | "sum", 0)
        | ("alltrue" | "anytrue" | "chunklist" | "one" | "slice" | "toset" | "tolist", 0)
        | ("contains" | "index", 0)
        | ("concat" | "setunion" | "setintersection" | "setsubtract" | "setproduct", _)
        | ("coalescelist", _)
        | ("zipmap", 0 | 1)
        | ("join", 1..) => List,
        ("keys" | "values" | "lookup" | "tomap" | "transpose", 0) | ("merge", _) => MapLike,
        ("lower" | "upper" | "title" | "trimspace" | "trim" | "trimprefix" | "trimsuffix", 0)
        | ("replace" | "substr" | "startswith" | "endswith" | "cidrsubnet" | "cidrhost", 0)
        | ("base64encode" | "base64decode" | "md5" | "sha1" | "sha256" | "tostring", 0)
        | ("split", 1)
        | ("join", 0)
        | ("regex" | "regexall", 1) => Primitive,
        ("tonumber", 0) | ("range", _) => Number,
        ("tobool", 0) => Bool,
        _ => return None,
    })
}

fn walk(e: &Expression, uses: &mut Uses, context: &str) {
    let need = |uses: &mut Uses, x: &Expression, n: Need, what: &str| {
        if let Some(v) = bare_var(x) {
            uses.push((v, n, format!("{context}: {what}")));
        }
    };
    match e {
        Expression::Array(a) => a.iter().for_each(|x| walk(x, uses, context)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let hcl_edit::expr::ObjectKey::Expression(k) = k {
                    walk(k, uses, context);
                }
                walk(v.expr(), uses, context);
            }
        }
        Expression::StringTemplate(t) => template(t, uses, context),
        Expression::HeredocTemplate(h) => template(&h.template, uses, context),
        Expression::Parenthesis(p) => walk(p.inner(), uses, context),
        Expression::Conditional(c) => {
            need(uses, &c.cond_expr, Need::Bool, "a condition");
            walk(&c.cond_expr, uses, context);
            walk(&c.true_expr, uses, context);
            walk(&c.false_expr, uses, context);
        }
        Expression::FuncCall(f) => {
            let name = f.name.name.as_str();
            for (i, a) in f.args.iter().enumerate() {
                if let Some(n) = function_need(name, i) {
                    need(uses, a, n, &format!("{name}() argument {}", i + 1));
                }
                walk(a, uses, context);
            }
        }
        Expression::Traversal(t) => {
            // `var.x` then the first operator after it.
            if let (Some(v), Some(op)) = (root_var(t), t.operators.get(1)) {
                let n = match op.value() {
                    TraversalOperator::GetAttr(_) => Some(Need::Attr),
                    TraversalOperator::LegacyIndex(_) => Some(Need::Index),
                    TraversalOperator::Index(ix) => Some(match ix {
                        Expression::Number(_) => Need::Index,
                        Expression::String(s) if s.parse::<f64>().is_err() => Need::Attr,
                        _ => Need::Collection,
                    }),
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
                };
                if let Some(n) = n {
                    uses.push((v, n, format!("{context}: an index or attribute")));
                }
            }
            walk(&t.expr, uses, context);
            for op in t.operators.iter() {
                if let TraversalOperator::Index(ix) = op.value() {
                    walk(ix, uses, context);
                }
            }
        }
        Expression::UnaryOp(u) => {
            let n = match u.operator.value() {
                hcl_edit::expr::UnaryOperator::Not => Need::Bool,
                hcl_edit::expr::UnaryOperator::Neg => Need::Number,
            };
            need(uses, &u.expr, n, "an operator");
            walk(&u.expr, uses, context);
        }
        Expression::BinaryOp(b) => {
            use hcl_edit::expr::BinaryOperator as B;
            let n = match b.operator.value() {
                B::And | B::Or => Some(Need::Bool),
                B::Plus | B::Minus | B::Mul | B::Div | B::Mod => Some(Need::Number),
                B::Less | B::LessEq | B::Greater | B::GreaterEq => Some(Need::Number),
                B::Eq | B::NotEq => None,
            };
            if let Some(n) = n {
                need(uses, &b.lhs_expr, n, "an operator");
                need(uses, &b.rhs_expr, n, "an operator");
            }
            walk(&b.lhs_expr, uses, context);
            walk(&b.rhs_expr, uses, context);
        }
        Expression::ForExpr(f) => {
            need(
                uses,
                &f.intro.collection_expr,
                Need::Collection,
                "a for expression",
            );
            walk(&f.intro.collection_expr, uses, context);
            if let Some(k) = &f.key_expr {
                walk(k, uses, context);
            }
            walk(&f.value_expr, uses, context);
            if let Some(c) = &f.cond {
                need(uses, &c.expr, Need::Bool, "a for expression's if");
                walk(&c.expr, uses, context);
            }
        }
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_)
        | Expression::Variable(_) => {}
    }
}

fn template(t: &Template, uses: &mut Uses, context: &str) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => {
                if let Some(v) = bare_var(&i.expr) {
                    uses.push((v, Need::Primitive, format!("{context}: a string template")));
                }
                walk(&i.expr, uses, context);
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    walk(&i.if_expr.cond_expr, uses, context);
                    template(&i.if_expr.template, uses, context);
                    if let Some(e) = &i.else_expr {
                        template(&e.template, uses, context);
                    }
                }
                Directive::For(f) => {
                    if let Some(v) = bare_var(&f.for_expr.collection_expr) {
                        uses.push((v, Need::Collection, format!("{context}: %{{for}}")));
                    }
                    walk(&f.for_expr.collection_expr, uses, context);
                    template(&f.for_expr.template, uses, context);
                }
            },
        }
    }
}

/// The check on a deliberately wrong file must find the wrong uses (and only those).
pub fn self_test() {
    let main = r#"
variable "subnets" {
  type = string
}
variable "groups" {
  type = string
}
variable "flag" {
  type = list(string)
}
variable "ok" {
  type = list(string)
}
variable "names" {
  type = list(string)
}
locals {
  groups = var.groups
}
resource "x" "y" {
  for_each = var.names
  a        = element(var.subnets, 0)
  b        = local.groups["web"].arn
  c        = var.flag ? 1 : 2
  d        = element(var.ok, 0)
  e        = "${var.ok[0]}-x"
}
module "child" {
  source = "./child"
  ids    = var.groups
}
"#;
    let child = "variable \"ids\" {\n  type = list(string)\n}\n";
    let folders = vec![
        Folder {
            dir: "m".into(),
            files: vec![("m/main.tf".into(), main.into())],
        },
        Folder {
            dir: "m/child".into(),
            files: vec![("m/child/variables.tf".into(), child.into())],
        },
    ];
    let found = check(&folders);
    let mut got: Vec<(String, Need)> = found.iter().map(|f| (f.variable.clone(), f.need)).collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("flag".into(), Need::Bool),
            ("groups".into(), Need::Attr),
            ("groups".into(), Need::List),
            ("names".into(), Need::ForEach),
            ("subnets".into(), Need::List),
        ],
        "{found:#?}"
    );
}
