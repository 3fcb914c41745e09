//! Lifting `aws_*` resources into CloudFormation's vocabulary, and folding split
//! resources (`aws_s3_bucket_versioning`, `aws_security_group_rule`, …) into their parent.

use std::collections::BTreeMap;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::expr::{Conv, Target};
use super::table::{Append, ArgRule, LiftEntry, LiftTables};
use super::{Note, PassItem, PassResource, TfInfo, attr, label};
use crate::model::expr::{Expr, ExprKind, ForExpr, SubPart};
use crate::model::template::{Condition, ForEach, Resource, Template};
use crate::source::Span;

/// Why a resource's own `region` (AWS provider 6) is not an argument of its Azure resource.
const REGION: &str = "the resource's own region (AWS provider 6) is not carried over: the Azure resources deploy to the module's location; one that must run in another region needs a location of its own (the regions table names the Azure region of each AWS region)";

const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

type Props = Vec<(String, Span, Expr)>;

fn obj(props: Props, span: Span) -> Expr {
    Expr::new(ExprKind::Object(props), span)
}

/// Sets `path` (dotted) in an object tree, merging objects on the way.
fn set_path(props: &mut Props, path: &str, span: Span, value: Expr) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let pos = props.iter().position(|(k, _, _)| k == head);
    match rest {
        None => match pos {
            Some(i) => {
                // Merge two objects (a fold adding keys), else replace.
                if let (ExprKind::Object(old), ExprKind::Object(new)) =
                    (&mut props[i].2.kind, &value.kind)
                {
                    for (k, s, v) in new.clone() {
                        set_path(old, &k, s, v);
                    }
                } else {
                    props[i].2 = value;
                }
            }
            None => props.push((head.to_string(), span, value)),
        },
        Some(rest) => {
            let i = match pos {
                Some(i) => i,
                None => {
                    props.push((head.to_string(), span, obj(Vec::new(), span)));
                    props.len() - 1
                }
            };
            if !matches!(props[i].2.kind, ExprKind::Object(_)) {
                props[i].2 = obj(Vec::new(), span);
            }
            if let ExprKind::Object(inner) = &mut props[i].2.kind {
                set_path(inner, rest, span, value);
            }
        }
    }
}

/// Appends to the list at `path`, creating it.
fn push_path(props: &mut Props, path: &str, span: Span, value: Expr) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let i = match props.iter().position(|(k, _, _)| k == head) {
        Some(i) => i,
        None => {
            let init = if rest.is_some() {
                obj(Vec::new(), span)
            } else {
                Expr::new(ExprKind::List(Vec::new()), span)
            };
            props.push((head.to_string(), span, init));
            props.len() - 1
        }
    };
    match rest {
        Some(r) => {
            if let ExprKind::Object(inner) = &mut props[i].2.kind {
                push_path(inner, r, span, value);
            }
        }
        None => match &mut props[i].2.kind {
            ExprKind::List(l) => l.push(value),
            _ => {
                let old = props[i].2.clone();
                props[i].2 = Expr::new(ExprKind::List(vec![old, value]), span);
            }
        },
    }
}

fn map_value(v: Expr, map: &BTreeMap<String, serde_yaml::Value>) -> Expr {
    if map.is_empty() {
        return v;
    }
    let Some(text) = v.literal_text() else {
        return v;
    };
    match map.get(&text) {
        Some(serde_yaml::Value::String(s)) => Expr::new(ExprKind::Str(s.clone()), v.span),
        Some(serde_yaml::Value::Bool(b)) => Expr::new(ExprKind::Bool(*b), v.span),
        Some(serde_yaml::Value::Number(n)) => Expr::new(ExprKind::Number(n.to_string()), v.span),
        _ => v,
    }
}

/// A constant of a table (a block rule's `set`: a scalar or a list) as a value.
fn yaml_expr(v: &serde_yaml::Value, span: Span) -> Expr {
    let kind = match v {
        serde_yaml::Value::Bool(b) => ExprKind::Bool(*b),
        serde_yaml::Value::Number(n) => ExprKind::Number(n.to_string()),
        serde_yaml::Value::String(s) => ExprKind::Str(s.clone()),
        serde_yaml::Value::Sequence(l) => {
            ExprKind::List(l.iter().map(|x| yaml_expr(x, span)).collect())
        }
        _ => ExprKind::Null,
    };
    Expr::new(kind, span)
}

/// Adds a block rule's constant properties to the lifted body of one occurrence.
fn set_constants(props: &mut Props, set: &BTreeMap<String, serde_yaml::Value>, span: Span) {
    for (path, v) in set {
        set_path(props, path, span, yaml_expr(v, span));
    }
}

/// `{k = v}` → `[{key: k, value: v}]`, with the element's key and value property names.
fn entries(v: Expr, key: &str, value: &str) -> Expr {
    let span = v.span;
    match v.kind {
        ExprKind::Object(m) => Expr::new(
            ExprKind::List(
                m.into_iter()
                    .map(|(k, ks, val)| {
                        obj(
                            vec![
                                (key.into(), ks, Expr::new(ExprKind::Str(k), ks)),
                                (value.into(), val.span, val),
                            ],
                            ks,
                        )
                    })
                    .collect(),
            ),
            span,
        ),
        kind => Expr::new(kind, span),
    }
}

/// Applies a lift transform to a value.
fn transform(name: &str, v: Expr) -> Expr {
    let span = v.span;
    match name {
        "tags" => entries(v, "Key", "Value"),
        "dimensions" => entries(v, "Name", "Value"),
        "json" => json_value(v),
        "base64" => Expr::new(ExprKind::Base64(Box::new(v)), span),
        "list" => match v.kind {
            ExprKind::List(_) => v,
            _ => Expr::new(ExprKind::List(vec![v]), span),
        },
        _ => v,
    }
}

/// A JSON policy given as `jsonencode(x)`, a policy document, or a (heredoc) JSON string → the object.
pub fn json_value(v: Expr) -> Expr {
    let span = v.span;
    match v.kind {
        ExprKind::Call(ref f, ref args) if f == "jsonencode" && args.len() == 1 => args[0].clone(),
        ExprKind::ToJsonString(x) => *x,
        ExprKind::Str(ref s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => from_json(&j, span, &[]),
            Err(_) => v,
        },
        ExprKind::Sub(ref parts) => {
            // Interpolations become markers, the JSON is parsed, the markers put back.
            let mut text = String::new();
            let mut exprs = Vec::new();
            let mut in_string = false;
            for p in parts {
                match p {
                    SubPart::Lit(l) => {
                        let mut prev = '\0';
                        for c in l.chars() {
                            if c == '"' && prev != '\\' {
                                in_string = !in_string;
                            }
                            prev = if prev == '\\' && c == '\\' { '\0' } else { c };
                        }
                        text.push_str(l);
                    }
                    SubPart::Expr(x) => {
                        let marker = format!("\u{e000}{}\u{e000}", exprs.len());
                        exprs.push(x.clone());
                        if in_string {
                            text.push_str(&marker);
                        } else {
                            text.push('"');
                            text.push_str(&marker);
                            text.push('"');
                        }
                    }
                }
            }
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(j) => from_json(&j, span, &exprs),
                Err(_) => v,
            }
        }
        _ => v,
    }
}

fn from_json(j: &serde_json::Value, span: Span, exprs: &[Expr]) -> Expr {
    let kind = match j {
        serde_json::Value::Null => ExprKind::Null,
        serde_json::Value::Bool(b) => ExprKind::Bool(*b),
        serde_json::Value::Number(n) => ExprKind::Number(n.to_string()),
        serde_json::Value::String(s) => return unmark(s, span, exprs),
        serde_json::Value::Array(a) => {
            ExprKind::List(a.iter().map(|x| from_json(x, span, exprs)).collect())
        }
        serde_json::Value::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), span, from_json(v, span, exprs)))
                .collect(),
        ),
    };
    Expr::new(kind, span)
}

fn unmark(s: &str, span: Span, exprs: &[Expr]) -> Expr {
    if !s.contains('\u{e000}') {
        return Expr::new(ExprKind::Str(s.to_string()), span);
    }
    let mut parts = Vec::new();
    for (i, piece) in s.split('\u{e000}').enumerate() {
        if i % 2 == 1 {
            if let Some(x) = piece.parse::<usize>().ok().and_then(|n| exprs.get(n)) {
                parts.push(SubPart::Expr(x.clone()));
            }
        } else if !piece.is_empty() {
            parts.push(SubPart::Lit(piece.to_string()));
        }
    }
    match parts.as_slice() {
        [SubPart::Expr(x)] => x.clone(),
        _ => Expr::new(ExprKind::Sub(parts), span),
    }
}

struct Lifter<'c, 'a> {
    conv: &'c mut Conv<'a>,
    /// Terraform arguments with no rule: kept under their own name so the report lists them.
    unknown: Vec<String>,
    ignored: Vec<(String, String)>,
    /// The argument that names a folded resource's parent: not a property of the parent.
    skip: Option<String>,
}

impl Lifter<'_, '_> {
    /// The lifted properties of a resource body (or nested block body).
    fn body(
        &mut self,
        body: &Body,
        args: &BTreeMap<String, ArgRule>,
        blocks: &BTreeMap<String, ArgRule>,
        ignored: &BTreeMap<String, String>,
        top: bool,
    ) -> Props {
        let mut props = Props::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => self.attribute(a, args, ignored, top, &mut props),
                Structure::Block(b) => self.block(b, blocks, ignored, top, &mut props),
            }
        }
        props
    }

    /// Lifts one argument into `props`: under its rule's property, else under its own name.
    fn attribute(
        &mut self,
        a: &hcl_edit::structure::Attribute,
        args: &BTreeMap<String, ArgRule>,
        ignored: &BTreeMap<String, String>,
        top: bool,
        props: &mut Props,
    ) {
        let key = a.key.value().to_string();
        if top && (META.contains(&key.as_str()) || self.skip.as_deref() == Some(key.as_str())) {
            return;
        }
        let v = self.conv.expr(&a.value);
        if let Some(reason) = ignored.get(&key) {
            self.ignored.push((key, reason.clone()));
            return;
        }
        // AWS provider 6: `region` on any regional resource overrides the provider's.
        if top && key == "region" && !args.contains_key(&key) {
            self.ignored.push((key, REGION.into()));
            return;
        }
        match args.get(&key) {
            Some(rule) => {
                let r = rule.full();
                let mut v = map_value(v, &r.map);
                // DynamoDB keys: each key is one element of `KeySchema`.
                if let Some(kind @ ("key_hash" | "key_range")) = r.transform.as_deref() {
                    let key_type = if kind == "key_hash" { "HASH" } else { "RANGE" };
                    let s = v.span;
                    let el = obj(
                        vec![
                            ("AttributeName".into(), s, v),
                            (
                                "KeyType".into(),
                                s,
                                Expr::new(ExprKind::Str(key_type.into()), s),
                            ),
                        ],
                        s,
                    );
                    push_path(props, &r.prop, s, el);
                    return;
                }
                if let Some(t) = &r.transform {
                    v = transform(t, v);
                }
                // `Prop[].Path`: one element of the list `Prop`, with the value at `Path`
                // and the rule's constants (`set`) beside it.
                if let Some((list, inner)) = r.prop.split_once("[]") {
                    let s = v.span;
                    let el = match inner.strip_prefix('.') {
                        Some(path) => {
                            let mut el = Props::new();
                            set_path(&mut el, path, s, v);
                            set_constants(&mut el, &r.set, s);
                            obj(el, s)
                        }
                        None => v,
                    };
                    push_path(props, list, s, el);
                    return;
                }
                set_path(props, &r.prop, v.span, v);
            }
            None => {
                self.unknown.push(key.clone());
                props.push((key, v.span, v));
            }
        }
    }

    /// Lifts one nested block into `props`: under its rule's property, else under its own name.
    fn block(
        &mut self,
        b: &Block,
        blocks: &BTreeMap<String, ArgRule>,
        ignored: &BTreeMap<String, String>,
        top: bool,
        props: &mut Props,
    ) {
        let kind = b.ident.value().to_string();
        if top && META.contains(&kind.as_str()) {
            return;
        }
        let span = self.conv.sp(b.span());
        if kind == "dynamic" {
            self.dynamic(b, blocks, ignored, props, span);
            return;
        }
        if let Some(reason) = ignored.get(&kind) {
            self.ignored.push((kind, reason.clone()));
            return;
        }
        match blocks.get(&kind) {
            Some(rule) => {
                let r = rule.full();
                let mut inner = self.body(&b.body, &r.args, &r.blocks, &BTreeMap::new(), false);
                set_constants(&mut inner, &r.set, span);
                for el in expand(inner, &r.args, span) {
                    if r.prop == "." {
                        merge(props, el);
                    } else if r.list {
                        push_path(props, &r.prop, span, el);
                    } else {
                        set_path(props, &r.prop, span, el);
                    }
                }
            }
            None => {
                self.unknown.push(kind.clone());
                let inner = self.body(
                    &b.body,
                    &BTreeMap::new(),
                    &BTreeMap::new(),
                    &BTreeMap::new(),
                    false,
                );
                push_path(props, &kind, span, obj(inner, span));
            }
        }
    }

    /// `dynamic "x" { for_each = c; content { … } }` → a `for` expression producing the list.
    fn dynamic(
        &mut self,
        b: &Block,
        blocks: &BTreeMap<String, ArgRule>,
        ignored: &BTreeMap<String, String>,
        props: &mut Props,
        span: Span,
    ) {
        let name = b.labels.first().map(label).unwrap_or_default();
        if ignored.contains_key(&name) {
            self.ignored.push((name.clone(), ignored[&name].clone()));
            return;
        }
        let iterator = attr(&b.body, "iterator")
            .and_then(|e| match e {
                Expression::Variable(v) => Some(v.value().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| name.clone());
        let coll = attr(&b.body, "for_each")
            .map(|e| self.conv.expr(e))
            .unwrap_or(Expr::new(ExprKind::List(Vec::new()), span));
        let content = b.body.iter().find_map(|s| match s {
            Structure::Block(c) if c.ident.value().as_str() == "content" => Some(c),
            _ => None,
        });
        self.conv.loops.push(iterator.clone());
        let rule = blocks.get(&name).map(|r| r.full());
        let inner = match (content, &rule) {
            (Some(c), Some(r)) => {
                let mut inner = self.body(&c.body, &r.args, &r.blocks, &BTreeMap::new(), false);
                set_constants(&mut inner, &r.set, span);
                inner
            }
            (Some(c), None) => self.body(
                &c.body,
                &BTreeMap::new(),
                &BTreeMap::new(),
                &BTreeMap::new(),
                false,
            ),
            (None, _) => Props::new(),
        };
        self.conv.loops.pop();
        // `iterator.value` is the element; `iterator.key` its key or index.
        let value = obj(inner, span);
        let fe = Expr::new(
            ExprKind::For(Box::new(ForExpr {
                key_var: None,
                value_var: iterator,
                collection: coll,
                key: None,
                value,
                cond: None,
                grouping: false,
            })),
            span,
        );
        match rule {
            Some(r) if r.prop != "." => set_path(props, &r.prop, span, fe),
            _ => {
                self.unknown.push(name.clone());
                set_path(props, &name, span, fe);
            }
        }
    }
}

/// Merges a block's lifted properties into the enclosing object (a block rule with
/// `prop: .`): lists are extended, objects merged, other values set.
fn merge(props: &mut Props, el: Expr) {
    let ExprKind::Object(fields) = el.kind else {
        return;
    };
    for (k, s, v) in fields {
        if let Some((_, _, old)) = props.iter_mut().find(|(n, _, _)| *n == k)
            && let (ExprKind::List(a), ExprKind::List(b)) = (&mut old.kind, &v.kind)
        {
            a.extend(b.iter().cloned());
            continue;
        }
        set_path(props, &k, s, v);
    }
}

/// A list block with a `cidr_list`-style rule: one element per CIDR (or group).
fn expand(inner: Props, args: &BTreeMap<String, ArgRule>, span: Span) -> Vec<Expr> {
    for (_, rule) in args.iter() {
        let r = rule.full();
        let Some(t) = r.transform.as_deref() else {
            continue;
        };
        if !matches!(t, "cidr_list" | "cidr_list_v6" | "sg_list") {
            continue;
        }
        let Some(pos) = inner.iter().position(|(k, _, _)| *k == r.prop) else {
            continue;
        };
        let ExprKind::List(items) = &inner[pos].2.kind else {
            continue;
        };
        let items = items.clone();
        let mut out = Vec::new();
        for it in items {
            let mut copy = inner.clone();
            copy[pos].2 = it;
            out.extend(expand(copy, args, span));
        }
        if out.is_empty() {
            let mut copy = inner.clone();
            copy.remove(pos);
            if copy.is_empty() {
                return Vec::new();
            }
            // Other expansions may still apply.
            let mut others = args.clone();
            others.retain(|_, x| x.full().prop != r.prop);
            let rest = expand(copy, &others, span);
            return rest;
        }
        return out;
    }
    vec![obj(inner, span)]
}

/// `data "aws_iam_policy_document"` → the IAM policy document object.
pub fn policy_document(conv: &mut Conv, b: &Block) -> Expr {
    let span = conv.sp(b.span());
    let mut statements = Vec::new();
    for s in b.body.iter() {
        let Structure::Block(st) = s else { continue };
        if let Some(stmt) = policy_statement(conv, st) {
            statements.push(stmt);
        }
    }
    obj(
        vec![
            (
                "Version".into(),
                span,
                Expr::new(ExprKind::Str("2012-10-17".into()), span),
            ),
            (
                "Statement".into(),
                span,
                Expr::new(ExprKind::List(statements), span),
            ),
        ],
        span,
    )
}

/// One `statement` (or `dynamic "statement"`: a `for` expression) block as a policy statement.
fn policy_statement(conv: &mut Conv, st: &Block) -> Option<Expr> {
    let (body, dynamic_coll, iter) = match st.ident.value().as_str() {
        "statement" => (&st.body, None, None),
        "dynamic" if st.labels.first().map(label).as_deref() == Some("statement") => {
            let content = st.body.iter().find_map(|s| match s {
                Structure::Block(c) if c.ident.value().as_str() == "content" => Some(c),
                _ => None,
            })?;
            let coll = attr(&st.body, "for_each").map(|e| conv.expr(e));
            (&content.body, coll, Some("statement".to_string()))
        }
        _ => return None,
    };
    if let Some(i) = &iter {
        conv.loops.push(i.clone());
    }
    let ss = conv.sp(st.span());
    let p = statement_props(conv, body, ss);
    if iter.is_some() {
        conv.loops.pop();
    }
    let stmt = obj(p, ss);
    Some(match (dynamic_coll, iter) {
        (Some(coll), Some(var)) => Expr::new(
            ExprKind::For(Box::new(ForExpr {
                key_var: None,
                value_var: var,
                collection: coll,
                key: None,
                value: stmt,
                cond: None,
                grouping: false,
            })),
            ss,
        ),
        _ => stmt,
    })
}

/// The properties of a policy statement, `Effect` first.
fn statement_props(conv: &mut Conv, body: &Body, ss: Span) -> Props {
    let mut p = Props::new();
    let mut effect = Expr::new(ExprKind::Str("Allow".into()), ss);
    for item in body.iter() {
        match item {
            Structure::Attribute(a) => {
                let v = conv.expr(&a.value);
                let key = match a.key.value().as_str() {
                    "sid" => "Sid",
                    "effect" => {
                        effect = v;
                        continue;
                    }
                    "actions" => "Action",
                    "not_actions" => "NotAction",
                    "resources" => "Resource",
                    "not_resources" => "NotResource",
                    _ => continue,
                };
                p.push((key.into(), v.span, v));
            }
            Structure::Block(inner) => statement_block(conv, inner, &mut p),
        }
    }
    p.insert(0, ("Effect".into(), effect.span, effect));
    p
}

/// Adds a statement's `principals`, `not_principals` or `condition` block to its properties.
fn statement_block(conv: &mut Conv, inner: &Block, p: &mut Props) {
    let kind = inner.ident.value().to_string();
    match kind.as_str() {
        "principals" | "not_principals" => {
            let ty = attr(&inner.body, "type").map(|e| conv.expr(e));
            let ids = attr(&inner.body, "identifiers").map(|e| conv.expr(e));
            if let (Some(t), Some(ids)) = (ty.and_then(|t| t.literal_text()), ids) {
                let key = if kind == "principals" {
                    "Principal"
                } else {
                    "NotPrincipal"
                };
                let path = format!("{key}.{t}");
                set_path(p, &path, ids.span, ids);
            }
        }
        "condition" => {
            let test = attr(&inner.body, "test")
                .map(|e| conv.expr(e))
                .and_then(|t| t.literal_text());
            // A key built from a reference (`"${…provider.url…}:sub"`) keeps its literal
            // tail, which says what the condition tests (the OIDC subject of IRSA trusts).
            let var = attr(&inner.body, "variable")
                .map(|e| conv.expr(e))
                .and_then(|t| {
                    t.literal_text().or_else(|| match &t.kind {
                        ExprKind::Sub(parts) => match parts.last() {
                            Some(SubPart::Lit(tail)) if tail.starts_with(':') => {
                                Some(format!("${{…}}{tail}"))
                            }
                            _ => None,
                        },
                        _ => None,
                    })
                });
            let vals = attr(&inner.body, "values").map(|e| conv.expr(e));
            if let (Some(t), Some(v), Some(vals)) = (test, var, vals) {
                let cs = vals.span;
                let entry = obj(vec![(v, cs, vals)], cs);
                set_path(p, &format!("Condition.{t}"), cs, entry);
            }
        }
        _ => {}
    }
}

/// A resource with properties only (no meta-arguments): split resources kept on their own.
fn stand_alone(id: String, span: Span, ty: String, props: Props) -> Resource {
    Resource {
        id,
        span,
        ty,
        properties: obj(props, span),
        depends_on: Vec::new(),
        condition: None,
        deletion_policy: None,
        for_each: None,
        implicit: false,
    }
}

/// The lifted resource of the module a Terraform reference names, whatever it reads
/// (`aws_api_gateway_method.m.http_method`, `"${…}"`): its logical id and Terraform type.
fn named_resource(conv: &Conv, e: &Expression) -> Option<(String, String)> {
    match e {
        Expression::Parenthesis(p) => named_resource(conv, p.inner()),
        Expression::StringTemplate(t) => {
            let mut it = t.iter();
            match (it.next(), it.next()) {
                (Some(hcl_edit::template::Element::Interpolation(i)), None) => {
                    named_resource(conv, &i.expr)
                }
                _ => None,
            }
        }
        Expression::Traversal(t) => {
            let Expression::Variable(ty) = &t.expr else {
                return None;
            };
            let hcl_edit::expr::TraversalOperator::GetAttr(name) = t.operators.first()?.value()
            else {
                return None;
            };
            let key = (ty.value().to_string(), name.value().to_string());
            match conv.scope.resources.get(&key)? {
                Target::Aws { id, tf_type } => Some((id.clone(), tf_type.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a resource of Terraform type `ty` may be the parent a fold names with `into`:
/// that type, or another name of it lifted to the same CloudFormation type
/// (`aws_alb_target_group` for `aws_lb_target_group`).
fn is_into(tables: &LiftTables, ty: &str, into: &str) -> bool {
    let cfn = |t: &str| tables.entries.get(t).and_then(|e| e.ty.clone());
    ty == into || cfn(ty).is_some_and(|c| cfn(into) == Some(c))
}

/// Does `e` name a resource of the module of the fold's parent type anywhere?
fn mentions_into(e: &Expr, fold: &super::table::Fold, out: &Out) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        let id = match &x.kind {
            ExprKind::Ref(id) => id,
            ExprKind::GetAtt { resource, .. } => resource,
            _ => return,
        };
        if out
            .info
            .tf_names
            .get(id)
            .is_some_and(|(t, _)| is_into(out.tables, t, &fold.into))
        {
            found = true;
        }
    });
    found
}

/// The logical id a `by` argument references (`aws_s3_bucket.b.id` → `B`).
fn referenced_id(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Ref(id) => Some(id.clone()),
        ExprKind::GetAtt { resource, .. } => Some(resource.clone()),
        // `aws_s3_bucket.this[0].id`, `aws_s3_bucket.this[each.key].id`
        ExprKind::Index(b, _) => referenced_id(b),
        // `try(aws_iam_role.this[0].id, "")`: the resource when it exists.
        ExprKind::Call(f, a) if f == "try" && !a.is_empty() => referenced_id(&a[0]),
        _ => None,
    }
}

/// The condition a `count = c ? 1 : 0` stands for, as a named template condition.
fn count_condition(count: &Expr, t: &mut Template, id: &str) -> Option<String> {
    let ExprKind::Cond(c, a, b) = &count.kind else {
        return None;
    };
    let (a, b) = (a.literal_i64()?, b.literal_i64()?);
    let cond = match (a, b) {
        (1, 0) => (**c).clone(),
        (0, 1) => Expr::new(ExprKind::Not(c.clone()), c.span),
        _ => return None,
    };
    let name = match &cond.kind {
        ExprKind::Ref(v) | ExprKind::Local(v) => crate::names::pascal(v),
        _ => format!("{id}Enabled"),
    };
    if let Some(existing) = t.conditions.iter().find(|x| x.name == name) {
        if existing.value == cond || existing.value.kind == cond.kind {
            return Some(name);
        }
        let n = format!("{id}Enabled");
        t.conditions.push(Condition {
            name: n.clone(),
            span: cond.span,
            value: cond,
        });
        return Some(n);
    }
    t.conditions.push(Condition {
        name: name.clone(),
        span: cond.span,
        value: cond,
    });
    Some(name)
}

/// A split resource waiting to be folded into its parent once every resource is lifted.
struct Pending {
    fold: super::table::Fold,
    by: Option<Expr>,
    select: Option<String>,
    props: Props,
    span: Span,
    id: String,
    tf: String,
}

/// One `resource` block: its labels, span, target and meta-arguments (converted in source order).
struct Decl<'b> {
    b: &'b Block,
    ty: String,
    name: String,
    span: Span,
    target: Option<Target>,
    count: Option<Expr>,
    for_each: Option<Expr>,
    depends_on: Vec<(String, Span)>,
}

/// What lifting writes into: the template and the Terraform facts, with the lifting tables.
struct Out<'x> {
    tables: &'x LiftTables,
    t: &'x mut Template,
    info: &'x mut TfInfo,
}

impl Out<'_> {
    /// The type a resource of Terraform type `tf` takes: its CloudFormation type, or
    /// the Terraform type itself when no lifting entry gives one (its service, from the
    /// prefix table, is kept for the service-level decision).
    fn resource_type(&mut self, tf: &str) -> String {
        match self.tables.cfn_type(tf) {
            Some(t) => t,
            None => {
                if let Some(svc) = self.tables.service(tf) {
                    self.info.services.insert(tf.to_string(), svc);
                }
                tf.to_string()
            }
        }
    }
}

/// Lifts the `aws_*` resource blocks into the template, folds split resources into their
/// parent, and keeps passed-through resources and notes in `info`.
pub fn resources(
    conv: &mut Conv,
    blocks: &[(crate::source::FileId, &Block)],
    tables: &LiftTables,
    t: &mut Template,
    info: &mut TfInfo,
) {
    let mut out = Out { tables, t, info };
    let mut folds: Vec<Pending> = Vec::new();
    let mut ignored_notes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (f, b) in blocks {
        conv.file = *f;
        let mut d = resource_decl(conv, b);
        meta_notes(conv, b, &d.ty, &d.name, out.info);
        match d.target.take() {
            Some(Target::Aws { id, .. }) => {
                if let Some(p) = lift_aws(conv, d, id, &mut out, &mut ignored_notes) {
                    folds.push(p);
                }
            }
            Some(Target::Passthrough) => {
                let p = pass_resource(conv, d);
                out.info.passthrough.push(p);
            }
            _ => out.info.notes.push(foreign_note(&d.ty, &d.name, d.span)),
        }
    }
    // Folds: into the parent the `by` argument references, else on their own.
    for p in folds {
        fold(p, &mut out);
    }
    for (ty, list) in ignored_notes {
        let note = ignored_note(&ty, &list, out.t);
        out.info.notes.push(note);
    }
}

/// A `resource` block's labels, span, target and converted meta-arguments.
fn resource_decl<'b>(conv: &mut Conv, b: &'b Block) -> Decl<'b> {
    let ty = label(&b.labels[0]);
    let name = label(&b.labels[1]);
    let span = conv.sp(b.span());
    let target = conv
        .scope
        .resources
        .get(&(ty.clone(), name.clone()))
        .cloned();
    let count = attr(&b.body, "count").map(|e| conv.expr(e));
    let for_each = attr(&b.body, "for_each").map(|e| conv.expr(e));
    let depends_on: Vec<(String, Span)> = match attr(&b.body, "depends_on") {
        Some(Expression::Array(a)) => a
            .iter()
            .filter_map(|x| {
                let e = conv.expr(x);
                referenced_id(&e).map(|id| (id, e.span))
            })
            .collect(),
        _ => Vec::new(),
    };
    Decl {
        b,
        ty,
        name,
        span,
        target,
        count,
        for_each,
        depends_on,
    }
}

/// Lifts an `aws_*` resource: pushes it (or, for a looped split resource, its stand-in)
/// into the template, or returns it as a pending fold.
fn lift_aws(
    conv: &mut Conv,
    d: Decl,
    id: String,
    out: &mut Out,
    ignored_notes: &mut BTreeMap<String, Vec<(String, String)>>,
) -> Option<Pending> {
    let empty = LiftEntry::default();
    let tables = out.tables;
    let entry = tables.entries.get(&d.ty).unwrap_or(&empty);
    let (props, ignored) = lift_props(conv, &d, entry);
    if !ignored.is_empty() {
        ignored_notes
            .entry(d.ty.clone())
            .or_default()
            .extend(ignored);
    }
    if let Some(fold) = &entry.fold {
        let raw = attr(&d.b.body, &fold.by);
        let mut by = raw.map(|e| conv.expr(e));
        // `by` may read any argument of the parent (`http_method =
        // aws_api_gateway_method.m.http_method` is the method's literal): the reference
        // still names it.
        if by.as_ref().and_then(referenced_id).is_none()
            && let Some((pid, ty)) = raw.and_then(|e| named_resource(conv, e))
            && is_into(tables, &ty, &fold.into)
            && let Some(b) = &by
        {
            by = Some(Expr::new(ExprKind::Ref(pid), b.span));
        }
        let select = fold
            .select
            .as_ref()
            .and_then(|s| attr(&d.b.body, s))
            .and_then(|e| conv.expr(e).literal_text());
        // A repeated copy stays on its own (keeping how it repeats) where the fold
        // allows it; otherwise it is not folded.
        let repeat = if d.count.is_some() || d.for_each.is_some() {
            // A conditional attachment of the module's own policy under the policy's own
            // condition: the policy lists the role, as when neither is conditional.
            if let (Some(c), None) = (&d.count, &d.for_each)
                && fold.reverse.is_some()
                && let Some(cond) = count_condition_value(c)
            {
                let p = Pending {
                    fold: fold.clone(),
                    by: by.clone(),
                    select: select.clone(),
                    props: props.clone(),
                    span: d.span,
                    id: id.clone(),
                    tf: d.ty.clone(),
                };
                let parent = parent_position(&p, out);
                if same_condition(&p, parent, &cond, out.t) && fold_reverse(&p, parent, out.t) {
                    return None;
                }
            }
            // The standalone type must be known: a copy whose `select` value (a rule's
            // `type`) differs per element cannot stay on its own.
            let typed = match &fold.standalone {
                Some(Append::BySelect(m)) => select.as_ref().is_some_and(|s| m.contains_key(s)),
                Some(Append::One(_)) => true,
                None => false,
            };
            // `security_group_id = local.this_sg_id`, a local that picks one of the
            // module's own groups: the copies name that local's expression (every group
            // it may pick).
            if by.as_ref().and_then(referenced_id).is_none()
                && let Some(ExprKind::Local(n)) = by.as_ref().map(|b| &b.kind)
                && let Some(v) = out.t.locals.iter().find(|l| &l.name == n)
                && mentions_into(&v.value, fold, out)
            {
                by = Some(v.value.clone());
            }
            let names_parent = by.as_ref().and_then(referenced_id).is_some()
                || by.as_ref().is_some_and(|b| mentions_into(b, fold, out));
            let r = if typed && names_parent {
                looped_standalone(&d, fold, out.t, &id)
            } else {
                None
            };
            if r.is_none() {
                looped_split(&d, &id, fold, by.as_ref(), props, out);
                return None;
            }
            r
        } else {
            None
        };
        let p = Pending {
            fold: fold.clone(),
            by,
            select,
            props,
            span: d.span,
            id,
            tf: d.ty,
        };
        let Some(repeat) = repeat else {
            return Some(p);
        };
        if fold_standalone(&p, out.t)
            && let Some(r) = out.t.resources.last_mut()
        {
            match repeat {
                Repeat::Each(fe) => r.for_each = Some(fe),
                Repeat::When(c) => r.condition = Some((c, d.span)),
            }
            r.depends_on = d.depends_on;
        }
        return None;
    }
    let condition = d
        .count
        .as_ref()
        .and_then(|c| count_condition(c, out.t, &id));
    let for_each_model = for_each_model(d.count.as_ref(), d.for_each.as_ref(), &condition);
    let cfn_type = out.resource_type(&d.ty);
    let span = d.span;
    out.t.resources.push(Resource {
        id,
        span,
        ty: cfn_type,
        properties: obj(props, span),
        depends_on: d.depends_on,
        condition: condition.map(|c| (c, span)),
        deletion_policy: prevent_destroy(d.b).map(|s| ("Retain".to_string(), conv.sp(Some(s)))),
        for_each: for_each_model,
        implicit: false,
    });
    None
}

/// The lifted properties of an `aws_*` resource body, and the Terraform-only arguments it ignored.
fn lift_props(conv: &mut Conv, d: &Decl, entry: &LiftEntry) -> (Props, Vec<(String, String)>) {
    let looped = d
        .count
        .as_ref()
        .is_some_and(|c| !matches!(c.kind, ExprKind::Cond(..)))
        || d.for_each.is_some();
    if looped {
        conv.loops.push("each".into());
        conv.loops.push("count".into());
    }
    let mut l = Lifter {
        conv,
        unknown: Vec::new(),
        ignored: Vec::new(),
        skip: None,
    };
    l.skip = entry.fold.as_ref().map(|f| f.by.clone());
    let props = l.body(&d.b.body, &entry.args, &entry.blocks, &entry.ignored, true);
    let ignored = std::mem::take(&mut l.ignored);
    if looped {
        conv.loops.pop();
        conv.loops.pop();
    }
    (props, ignored)
}

/// How a repeated split resource kept on its own repeats, when its fold allows it
/// (`repeat`) and it names its parent: `for_each` over a map (`each.key`
/// names the copy), `count = c ? 1 : 0` (a condition), or another `count` (a range).
fn looped_standalone(
    d: &Decl,
    fold: &super::table::Fold,
    t: &mut Template,
    id: &str,
) -> Option<Repeat> {
    let allows = |k: super::table::RepeatKind| fold.repeat.contains(&k);
    if let Some(c) = &d.count {
        if allows(super::table::RepeatKind::When)
            && let Some(w) = count_condition(c, t, id)
        {
            return Some(Repeat::When(w));
        }
        if !allows(super::table::RepeatKind::Count) {
            return None;
        }
        return for_each_model(Some(c), None, &None).map(Repeat::Each);
    }
    if !allows(super::table::RepeatKind::Each) {
        return None;
    }
    let fe = for_each_model(None, d.for_each.as_ref(), &None)?;
    matches!(&fe.collection.kind, ExprKind::Call(n, _) if n == "__items")
        .then_some(Repeat::Each(fe))
}

/// How a split resource kept on its own repeats: over a map, or once when a condition holds.
enum Repeat {
    Each(ForEach),
    When(String),
}

/// A split resource with `count` or `for_each`: an alias of (or a stand-in for) its parent, and a note.
fn looped_split(
    d: &Decl,
    id: &str,
    fold: &super::table::Fold,
    by: Option<&Expr>,
    props: Props,
    out: &mut Out,
) {
    let ty = &d.ty;
    let span = d.span;
    // References to it stand for the parent, when the parent is known.
    // `for_each = aws_s3_bucket.this` with `bucket = each.value.id` names it too.
    let info = &*out.info;
    let tables = out.tables;
    let is_parent = |id: &String| {
        info.tf_names
            .get(id)
            .is_some_and(|(t, _)| is_into(tables, t, &fold.into))
    };
    let parent = by.and_then(referenced_id).filter(is_parent).or_else(|| {
        d.for_each
            .as_ref()
            .and_then(referenced_id)
            .filter(is_parent)
    });
    match parent {
        Some(p) => out.t.aliases.push((id.to_string(), p)),
        None => {
            let ty = out.resource_type(ty);
            out.t
                .resources
                .push(stand_alone(id.to_string(), span, ty, props))
        }
    }
    let parts = out
        .tables
        .entries
        .get(&fold.into)
        .and_then(|e| e.folded_parts.as_deref())
        .unwrap_or("the Azure resources it became");
    out.info.notes.push(Note {
        rule: "tf-fold-looped".into(),
        id: Some(id.to_string()),
        span,
        title: format!("{ty}.{}: repeated {ty} not folded", d.name),
        context: format!(
            "`{ty}.{}` configures its `{}` with `count` or `for_each`; each copy would fold into a different `{}` copy.",
            d.name, fold.into, fold.into
        ),
        decision: format!(
            "The settings of `{ty}.{}` are not carried over automatically.",
            d.name
        ),
        consequences: format!("Apply them by hand to {parts}."),
    });
}

/// The `for_each` of a lifted resource: its `for_each` collection, or a range for a numeric `count`.
fn for_each_model(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    condition: &Option<String>,
) -> Option<ForEach> {
    match (count, for_each, condition) {
        (_, Some(fe), _) => Some(ForEach {
            loop_name: "for_each".into(),
            ident: "each".into(),
            // A set or list iterates its elements; a map its entries (`each.key`, `each.value`).
            collection: match &fe.kind {
                ExprKind::List(_) => fe.clone(),
                ExprKind::Call(n, a) if (n == "toset" || n == "tolist") && a.len() == 1 => {
                    a[0].clone()
                }
                _ => Expr::new(ExprKind::Call("__items".into(), vec![fe.clone()]), fe.span),
            },
        }),
        (Some(c), None, None) => Some(ForEach {
            loop_name: "count".into(),
            ident: "count".into(),
            collection: Expr::new(ExprKind::Call("__range".into(), vec![c.clone()]), c.span),
        }),
        _ => None,
    }
}

/// A resource of a passed-through provider, its body kept in Terraform form.
fn pass_resource(conv: &mut Conv, d: Decl) -> PassResource {
    let provider = d.ty.split('_').next().unwrap_or("");
    let kubernetes = super::KUBERNETES.contains(&provider);
    conv.loops.push("each".into());
    conv.loops.push("count".into());
    let body = pass_body(conv, &d.b.body, true);
    conv.loops.pop();
    conv.loops.pop();
    PassResource {
        ty: d.ty,
        name: d.name,
        span: d.span,
        body,
        count: d.count,
        for_each: d.for_each,
        kubernetes,
    }
}

/// The note for a resource of a provider with no translation.
fn foreign_note(ty: &str, name: &str, span: Span) -> Note {
    Note {
        rule: "tf-foreign-provider".into(),
        id: Some(format!("{ty}.{name}")),
        span,
        title: format!("{ty}.{name}: provider with no translation"),
        context: format!(
            "`{ty}` belongs to a provider that is neither AWS nor one aws2azure passes through."
        ),
        decision: "The resource is not carried over.".into(),
        consequences: "Decide whether the workload on Azure still needs it, and add it by hand."
            .into(),
    }
}

/// The position of the parent a split resource's `by` argument references.
fn parent_position(p: &Pending, out: &Out) -> Option<usize> {
    p.by.as_ref().and_then(referenced_id).and_then(|id| {
        let pos = out.t.resources.iter().position(|r| r.id == id)?;
        let (ty, _) = out.info.tf_names.get(&id)?;
        is_into(out.tables, ty, &p.fold.into).then_some(pos)
    })
}

/// The condition `count = c ? 1 : 0` (or `c ? 0 : 1`) stands for.
fn count_condition_value(count: &Expr) -> Option<Expr> {
    let ExprKind::Cond(c, a, b) = &count.kind else {
        return None;
    };
    match (a.literal_i64()?, b.literal_i64()?) {
        (1, 0) => Some((**c).clone()),
        (0, 1) => Some(Expr::new(ExprKind::Not(c.clone()), c.span)),
        _ => None,
    }
}

/// Whether a conditional attachment (under `cond`) names a policy of the module lifted
/// under the same condition (the attachment exists exactly when the policy and the role
/// do), and a parent of the module.
fn same_condition(p: &Pending, parent: Option<usize>, cond: &Expr, t: &Template) -> bool {
    let Some(arg) = &p.fold.value else {
        return false;
    };
    let same = |i: usize| {
        t.resources[i].condition.as_ref().map(|(name, _)| {
            t.conditions
                .iter()
                .find(|c| &c.name == name)
                .is_some_and(|c| same_ignoring_spans(&c.value, cond))
        })
    };
    let target = p
        .props
        .iter()
        .find(|(k, _, _)| k == arg)
        .or_else(|| (p.props.len() == 1).then(|| &p.props[0]))
        .and_then(|(_, _, v)| referenced_id(v))
        .and_then(|id| t.resources.iter().position(|r| r.id == id));
    match (target, parent) {
        // The role's own condition joins the policy's where their grants are made.
        (Some(tp), Some(_)) => same(tp) == Some(true),
        _ => false,
    }
}

/// Whether two expressions are the same wherever they are written (`count` conditions
/// of a policy and of its attachment).
fn same_ignoring_spans(a: &Expr, b: &Expr) -> bool {
    fn text(e: &Expr) -> String {
        let full = format!("{:?}", e.kind);
        let mut out = String::with_capacity(full.len());
        let mut rest = full.as_str();
        while let Some(at) = rest.find("span: Span {") {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            rest = rest.find('}').map_or("", |end| &rest[end + 1..]);
        }
        out.push_str(rest);
        out
    }
    text(a) == text(b)
}

/// Folds one split resource into its parent, or keeps it apart (with a note) when it cannot be.
fn fold(p: Pending, out: &mut Out) {
    let parent = parent_position(&p, out);
    if fold_reverse(&p, parent, out.t) {
        return;
    }
    let cycle = fold_cycle(&p, parent, out.t);
    if cycle && fold_standalone(&p, out.t) {
        return;
    }
    if cycle {
        out.info.notes.push(cycle_note(&p));
        if let Some(pos) = parent {
            out.t
                .aliases
                .push((p.id.clone(), out.t.resources[pos].id.clone()));
        }
        return;
    }
    match parent {
        Some(pos) => fold_into(&p, pos, out),
        None => {
            // Keep a stand-in so references to it still resolve; it is reported as manual.
            let ty = out.resource_type(&p.tf);
            out.t
                .resources
                .push(stand_alone(p.id.clone(), p.span, ty, p.props.clone()));
            out.info.notes.push(outside_note(&p));
        }
    }
}

/// An attachment of the module's own policy: the role joins the policy's `Roles`
/// (true when done).
fn fold_reverse(p: &Pending, parent: Option<usize>, t: &mut Template) -> bool {
    let (Some(pos), Some(rev), Some(arg)) = (parent, &p.fold.reverse, &p.fold.value) else {
        return false;
    };
    let target = p
        .props
        .iter()
        .find(|(k, _, _)| k == arg)
        .or_else(|| (p.props.len() == 1).then(|| &p.props[0]))
        .and_then(|(_, _, v)| referenced_id(v))
        .and_then(|id| t.resources.iter().position(|r| r.id == id));
    let Some(tp) = target else {
        return false;
    };
    let role = Expr::new(ExprKind::Ref(t.resources[pos].id.clone()), p.span);
    if let ExprKind::Object(props) = &mut t.resources[tp].properties.kind {
        push_path(props, rev, p.span, role);
    }
    t.aliases.push((p.id.clone(), t.resources[tp].id.clone()));
    true
}

/// Whether folding would make the parent depend on itself.
fn fold_cycle(p: &Pending, parent: Option<usize>, t: &Template) -> bool {
    parent.is_some_and(|pos| {
        let pid = t.resources[pos].id.clone();
        let mut refs = Vec::new();
        for (_, _, v) in &p.props {
            collect_refs(v, &mut refs);
        }
        refs.iter()
            .any(|r| t.resolve(r) == pid || reaches(t, r, &pid))
    })
}

/// A split resource that would make its parent depend on itself, kept on its own as its
/// `standalone` type (true when done).
fn fold_standalone(p: &Pending, t: &mut Template) -> bool {
    let (Some(st), Some(by)) = (&p.fold.standalone, &p.by) else {
        return false;
    };
    let ty = match st {
        Append::One(ty) => Some(ty.clone()),
        Append::BySelect(m) => p.select.as_ref().and_then(|s| m.get(s)).cloned(),
    };
    let Some(ty) = ty else {
        return false;
    };
    let mut props = p.props.clone();
    props.retain(|(k, _, _)| k != "type");
    if let Some(prop) = &p.fold.standalone_by {
        match prop.strip_suffix("[]") {
            Some(list) => push_path(&mut props, list, by.span, by.clone()),
            None => set_path(&mut props, prop, by.span, by.clone()),
        }
    }
    t.resources
        .push(stand_alone(p.id.clone(), p.span, ty, props));
    true
}

/// The note for a split resource kept apart from its parent to avoid a cycle.
fn cycle_note(p: &Pending) -> Note {
    Note {
        rule: "tf-fold-cycle".into(),
        id: Some(p.id.clone()),
        span: p.span,
        title: format!("{}: kept apart from its {}", p.id, p.fold.into),
        context: format!(
            "`{}` configures a `{}` with values that depend on that same resource (through other resources); folded into it, the resource would depend on itself.",
            p.tf, p.fold.into
        ),
        decision: "The settings are not carried over automatically.".into(),
        consequences: "Apply them to the Azure resource by hand (for storage notifications: an Event Grid subscription).".into(),
    }
}

/// Folds a split resource's settings into the parent at `pos`, and aliases it to the parent.
fn fold_into(p: &Pending, pos: usize, out: &mut Out) {
    let r = &mut out.t.resources[pos];
    let ExprKind::Object(props) = &mut r.properties.kind else {
        return;
    };
    let element = match &p.fold.value {
        Some(arg) => p
            .props
            .iter()
            .find(|(k, _, _)| k == arg)
            .map(|(_, _, v)| v.clone())
            .or_else(|| {
                // The argument may have been lifted to a property name.
                (p.props.len() == 1).then(|| p.props[0].2.clone())
            }),
        None => Some(obj(p.props.clone(), p.span)),
    };
    let Some(element) = element else { return };
    match &p.fold.append {
        Some(Append::One(prop)) => push_path(props, prop, p.span, element),
        Some(Append::BySelect(m)) => {
            let key = p.select.clone().unwrap_or_default();
            if let Some(prop) = m.get(&key) {
                let mut el = element;
                if let ExprKind::Object(fields) = &mut el.kind {
                    fields.retain(|(k, _, _)| k != "type");
                }
                for e in expand_el(el, out.tables, &p.tf) {
                    push_path(props, prop, p.span, e);
                }
            }
        }
        None => {
            if let ExprKind::Object(fields) = element.kind {
                for (k, s, v) in fields {
                    set_path(props, &k, s, v);
                }
            }
        }
    }
    out.info.tf_names.entry(p.id.clone()).or_default();
    out.t.aliases.push((p.id.clone(), r.id.clone()));
}

/// The note for a split resource whose parent is not a resource of this module.
fn outside_note(p: &Pending) -> Note {
    Note {
        rule: "tf-fold-parent-outside".into(),
        id: Some(p.id.clone()),
        span: p.span,
        title: format!("{}: parent {} is not in this module", p.id, p.fold.into),
        context: format!(
            "`{}` configures a `{}` through `{}`, which does not reference a resource of this module (a variable or a data source).",
            p.tf, p.fold.into, p.fold.by
        ),
        decision: "The settings are not carried over: they belong to a resource managed elsewhere; the resource is listed as manual.".into(),
        consequences: "Apply the same settings to the Azure resource where its parent is converted.".into(),
    }
}

/// The note listing the Terraform-only arguments resources of type `ty` set.
fn ignored_note(ty: &str, list: &[(String, String)], t: &Template) -> Note {
    let mut names: Vec<String> = list
        .iter()
        .map(|(k, why)| format!("`{k}`: {}", why.trim_end_matches('.')))
        .collect();
    names.sort();
    names.dedup();
    Note {
        rule: format!("tf-ignored-{}", ty.replace('_', "-")),
        id: None,
        span: t.resources.first().map(|r| r.span).unwrap_or_default(),
        title: format!("{ty}: Terraform-only arguments"),
        context: format!(
            "Resources of type `{ty}` set arguments that only steer Terraform or AWS."
        ),
        decision: format!("{}.", names.join("; ")),
        consequences: "Nothing to carry over; review that none of them matters to the workload."
            .into(),
    }
}

fn collect_refs(e: &Expr, out: &mut Vec<String>) {
    e.walk(&mut |x| match &x.kind {
        ExprKind::Ref(id) => out.push(id.clone()),
        ExprKind::GetAtt { resource, .. } => out.push(resource.clone()),
        _ => {}
    });
}

/// Does resource `from` reference `to`, directly or through other resources?
fn reaches(t: &Template, from: &str, to: &str) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![t.resolve(from).to_string()];
    while let Some(id) = stack.pop() {
        if id == to {
            return true;
        }
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(r) = t.resource(&id) {
            let mut refs = Vec::new();
            collect_refs(&r.properties, &mut refs);
            refs.extend(r.depends_on.iter().map(|(d, _)| d.clone()));
            stack.extend(refs.iter().map(|x| t.resolve(x).to_string()));
        }
    }
    false
}

/// `lifecycle { prevent_destroy = true }`: its span.
fn prevent_destroy(b: &Block) -> Option<std::ops::Range<usize>> {
    b.body.iter().find_map(|s| match s {
        Structure::Block(l) if l.ident.value().as_str() == "lifecycle" => {
            l.body.iter().find_map(|x| match x {
                Structure::Attribute(a)
                    if a.key.value().as_str() == "prevent_destroy"
                        && matches!(&a.value, Expression::Bool(v) if *v.value()) =>
                {
                    a.span()
                }
                _ => None,
            })
        }
        _ => None,
    })
}

/// Decisions for what Terraform's meta-arguments ask that Azure handles otherwise.
fn meta_notes(conv: &mut Conv, b: &Block, ty: &str, name: &str, info: &mut TfInfo) {
    let id = format!("{ty}.{name}");
    for s in b.body.iter() {
        match s {
            Structure::Block(l) if l.ident.value().as_str() == "lifecycle" => {
                let keys: Vec<String> = l
                    .body
                    .iter()
                    .map(|x| match x {
                        Structure::Attribute(a) => format!("`{}`", a.key.value()),
                        Structure::Block(b) => format!("`{}`", b.ident.value()),
                    })
                    .collect();
                info.notes.push(Note {
                    rule: "tf-lifecycle".into(),
                    id: Some(id.clone()),
                    span: conv.sp(l.span()),
                    title: format!("{id}: lifecycle settings"),
                    context: format!("The resource sets {} in a `lifecycle` block.", keys.join(", ")),
                    decision: "`prevent_destroy` carries over to the Azure resources in Terraform output; the other settings name AWS attributes or AWS replacement behaviour and are not carried over.".into(),
                    consequences: "Re-create `ignore_changes` with azurerm argument names where still needed; in Bicep output, guard against deletion with a `CanNotDelete` lock.".into(),
                });
            }
            Structure::Block(p) if p.ident.value().as_str() == "provisioner" => {
                info.notes.push(Note {
                    rule: "tf-provisioner".into(),
                    id: Some(id.clone()),
                    span: conv.sp(p.span()),
                    title: format!("{id}: provisioner"),
                    context: "The resource runs a provisioner (a script at create or destroy time).".into(),
                    decision: "Passthrough resources keep it; on lifted AWS resources it is not carried over.".into(),
                    consequences: "Review what the script does against AWS (CLI calls, endpoints) and rewrite it for Azure.".into(),
                });
            }
            Structure::Attribute(a) if a.key.value().as_str() == "provider" => {
                let p = conv
                    .sources
                    .get(conv.file)
                    .text
                    .get(a.value.span().unwrap_or(0..0))
                    .unwrap_or("")
                    .to_string();
                info.notes.push(Note {
                    rule: "tf-provider-alias".into(),
                    id: Some(id.clone()),
                    span: conv.sp(a.span()),
                    title: format!("{id}: another provider configuration"),
                    context: format!("The resource is created with `{p}` (another region or account)."),
                    decision: "The Azure resource is deployed with the module's `location` like the others.".into(),
                    consequences: "Deploy it to the matching Azure region (a second module instance with another `location`), or set its location by hand.".into(),
                });
            }
            Structure::Block(d) if d.ident.value().as_str() == "dynamic" => {
                let label = d.labels.first().map(label).unwrap_or_default();
                info.notes.push(Note {
                    rule: "tf-dynamic-block".into(),
                    id: Some(id.clone()),
                    span: conv.sp(d.span()),
                    title: format!("{id}: `dynamic \"{label}\"` blocks"),
                    context: format!("The `{label}` blocks are generated from a collection at plan time."),
                    decision: "aws2azure translates written-out blocks; generated ones are carried as a `for` expression only where the Azure property takes the same list, and are otherwise not translated.".into(),
                    consequences: format!("Check the Azure resource for the settings `{label}` produced; write them out (or as a `dynamic` block in the azurerm resource) where missing."),
                });
            }
            _ => {}
        }
    }
}

/// A folded rule element with `cidr_list` rules expanded.
fn expand_el(el: Expr, tables: &LiftTables, tf: &str) -> Vec<Expr> {
    let span = el.span;
    let Some(entry) = tables.entries.get(tf) else {
        return vec![el];
    };
    match el.kind {
        ExprKind::Object(props) => expand(props, &entry.args, span),
        kind => vec![Expr::new(kind, span)],
    }
}

fn pass_body(conv: &mut Conv, body: &Body, top: bool) -> Vec<PassItem> {
    let mut out = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.value().to_string();
                if top
                    && matches!(
                        key.as_str(),
                        "count" | "for_each" | "depends_on" | "provider"
                    )
                {
                    continue;
                }
                out.push(PassItem::Attr(key, conv.expr(&a.value)));
            }
            Structure::Block(b) => {
                let kind = b.ident.value().to_string();
                if top && kind == "lifecycle" {
                    continue;
                }
                let labels = b.labels.iter().map(label).collect();
                let pushed = if kind == "dynamic" {
                    let it = b.labels.first().map(label).unwrap_or_default();
                    conv.loops.push(it);
                    true
                } else {
                    false
                };
                out.push(PassItem::Block(
                    kind,
                    labels,
                    pass_body(conv, &b.body, false),
                ));
                if pushed {
                    conv.loops.pop();
                }
            }
        }
    }
    out
}
