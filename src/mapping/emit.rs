//! Emitting Azure resources from a table entry: names, parents, tags, and the
//! values and directives of a resource body.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::table::ResourceSpec;
use super::transforms;
use crate::azure::*;
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Resource;
use crate::names::{kebab, lower_camel};

use super::context::Ctx;
use super::context::fill_text;

impl Ctx<'_> {
    /// Builds one Azure resource from a spec.
    pub(super) fn emit(
        &mut self,
        i: usize,
        spec: &ResourceSpec,
        shared: bool,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzResource> {
        let r = &self.t.resources[i];
        let symbol = if shared {
            self.shared.get(&spec.symbol).cloned()?
        } else {
            self.resolve_symbol(i, &spec.symbol)
        };
        let parent = self.resource_parent(i, spec, consumed);
        let name = self.resource_name(i, spec, shared, parent.as_ref(), consumed);
        let location = match &spec.location {
            None | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some(AzExpr::ident("location")),
            Some(v) => self.eval(i, v, consumed),
        };
        let tags = if spec.tags {
            self.tags(i, consumed)
        } else {
            None
        };
        let body = self.resource_body(i, spec, consumed)?;
        let condition = r.condition.as_ref().map(|(c, _)| self.condition_ref(c));
        let for_each = match (&r.for_each, shared) {
            (Some(f), false) => Some((lower_camel(&f.ident), self.tr(&f.collection))),
            _ => None,
        };
        let depends_on = if shared {
            Vec::new()
        } else {
            self.resource_depends_on(i, &symbol)
        };
        let comments = resource_comments(spec, r, shared);
        Some(AzResource {
            symbol,
            ty: spec.ty.clone(),
            api: spec.api.clone(),
            parent,
            name,
            location,
            tags,
            body,
            condition: if shared { None } else { condition },
            for_each,
            depends_on,
            comments,
            source: if shared { String::new() } else { r.id.clone() },
            rule: Some(crate::azure::RuleRef {
                aws_type: r.ty.clone(),
                symbol: spec.symbol.clone(),
            }),
            ..Default::default()
        })
    }

    /// The body of a spec's resource: each member with a value; `None` when a required
    /// member has none.
    fn resource_body(
        &mut self,
        i: usize,
        spec: &ResourceSpec,
        consumed: &mut BTreeSet<String>,
    ) -> Option<Vec<(String, AzExpr)>> {
        let mut body = Vec::new();
        for (k, v) in &spec.body {
            if let Some(x) = self.eval(i, v, consumed) {
                body.push((k.clone(), x));
            } else if spec.required.contains(k) {
                return None;
            }
        }
        // A dotted path (`properties.permissions`) must reach a value inside its member.
        for req in spec.required.iter().filter(|r| r.contains('.')) {
            let mut parts = req.split('.');
            let first = parts.next().unwrap_or_default();
            let mut at = body.iter().find(|(k, _)| k == first).map(|(_, v)| v);
            for part in parts {
                at = match at {
                    Some(AzExpr::Object(members)) => members
                        .iter()
                        .find(|(k, _)| matches!(k, AzKey::Name(n) if n == part))
                        .map(|(_, v)| v),
                    _ => None,
                };
            }
            at?;
        }
        Some(body)
    }

    /// The parent symbol of a spec's resource: a symbol of this resource, the first
    /// resource of the one a property references, or an `existing` parent.
    fn resource_parent(
        &mut self,
        i: usize,
        spec: &ResourceSpec,
        consumed: &mut BTreeSet<String>,
    ) -> Option<String> {
        let r = &self.t.resources[i];
        let parent = match &spec.parent {
            None => None,
            Some(Value::String(p)) => Some(self.resolve_symbol(i, p)),
            Some(v) => {
                let prop = v.get("$prop").and_then(|p| p.as_str()).unwrap_or("");
                consumed.insert(prop.split('.').next().unwrap_or(prop).to_string());
                r.properties
                    .path(prop)
                    .and_then(|e| self.referenced_resource(e))
                    .and_then(|j| {
                        let first = self.prepared[j]
                            .entry
                            .as_ref()?
                            .resources
                            .first()?
                            .symbol
                            .clone();
                        Some(self.resolve_symbol(j, &first))
                    })
            }
        };
        match (&spec.parent, parent) {
            (Some(v), None) => Some(self.existing_parent(i, v, spec)),
            (_, p) => p,
        }
    }

    /// The resource's name: the spec's, else the id in kebab case; in a loop, suffixed
    /// with the loop variable unless it already varies with it.
    fn resource_name(
        &mut self,
        i: usize,
        spec: &ResourceSpec,
        shared: bool,
        parent: Option<&String>,
        consumed: &mut BTreeSet<String>,
    ) -> AzExpr {
        let r = &self.t.resources[i];
        let name = self
            .eval(i, &spec.name, consumed)
            .unwrap_or_else(|| AzExpr::str(kebab(&r.id)));
        // A child of a resource looped with it (a storage account's `default` blob service)
        // is unique within its parent: its name takes no loop suffix.
        let child_of_own =
            parent.is_some_and(|p| self.prepared[i].symbols.values().any(|s| s == p));
        if r.for_each.is_some()
            && !shared
            && !child_of_own
            && !mentions_loop_var(&name, self.loop_var.as_ref())
        {
            let var = self
                .loop_var
                .as_ref()
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            interp(vec![
                Interp::Expr(name),
                Interp::Lit("-".into()),
                Interp::Expr(AzExpr::ident(var)),
            ])
        } else {
            name
        }
    }

    /// The symbols of the resources `DependsOn` names (their first Azure resource),
    /// without `symbol` itself or repeats.
    fn resource_depends_on(&self, i: usize, symbol: &str) -> Vec<String> {
        self.depends_on_of(i, symbol)
    }

    /// The symbols of what resource `i`'s `DependsOn` names: each one's first resource,
    /// or the module call of a nested stack (kept only if the call is made: see
    /// `nested::finish`).
    pub(super) fn depends_on_of(&self, i: usize, symbol: &str) -> Vec<String> {
        let r = &self.t.resources[i];
        let mut depends_on = Vec::new();
        for (d, _) in &r.depends_on {
            let Some(j) = self
                .t
                .resources
                .iter()
                .position(|x| x.id == self.t.resolve(d))
            else {
                continue;
            };
            if super::nested::is_nested(&self.t.resources[j].ty) {
                let s = self.prepared[j].sym.clone();
                if s != symbol && !depends_on.contains(&s) {
                    depends_on.push(s);
                }
                continue;
            }
            if let Some(e) = &self.prepared[j].entry
                && let Some(first) = e.resources.first()
                && first.when.is_none()
            {
                let s = self.resolve_symbol(j, &first.symbol);
                if s != symbol && !depends_on.contains(&s) {
                    depends_on.push(s);
                }
            }
        }
        depends_on
    }

    /// A parent outside the template (its id is a parameter or a literal)
    /// becomes an `existing` resource whose name is a new parameter.
    pub(super) fn existing_parent(&mut self, i: usize, v: &Value, spec: &ResourceSpec) -> String {
        let r = &self.t.resources[i];
        let prop = v.get("$prop").and_then(|p| p.as_str()).unwrap_or("");
        let src = r.properties.path(prop);
        let origin = match src.map(|e| &e.kind) {
            Some(ExprKind::Ref(p)) => p.clone(),
            Some(ExprKind::ImportValue(_)) => format!("{}Import", r.id),
            Some(ExprKind::Str(s)) => s.clone(),
            _ => format!("{}{}", r.id, prop),
        };
        let parent_ty = spec
            .ty
            .rsplit_once('/')
            .map_or(spec.ty.clone(), |(p, _)| p.to_string());
        let kind = parent_ty
            .rsplit('/')
            .next()
            .unwrap_or("resource")
            .to_string();
        let key = format!("existing#{parent_ty}#{origin}");
        if let Some(s) = self.shared.get(&key) {
            return s.clone();
        }
        let sym = self
            .syms
            .alloc(&format!("{}Existing", lower_camel(&origin)));
        let depth = parent_ty.matches('/').count();
        let hint = if depth > 1 {
            " (its full name, parent segments separated by `/`)"
        } else {
            ""
        };
        let param = self.param_for(
            &format!("{}-{}-name", kebab(&origin), kebab(&kind)),
            "string",
            |p| {
                p.description = Some(format!(
                    "Name of the existing {kind} that replaces `{origin}`{hint}."
                ));
                p.required_reason = Some(format!(
                    "{} belongs to `{origin}`, which is not in this template",
                    r.id
                ));
            },
        );
        self.shared.insert(key, sym.clone());
        self.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: parent_ty.clone(),
            api: spec.api.clone(),
            name: AzExpr::ident(&param),
            comments: vec![format!(
                "The {kind} that replaces `{origin}`, declared outside this template."
            )],
            existing: true,
            ..Default::default()
        });
        let rid = r.id.clone();
        let span = r.span;
        self.decide(
            "external-parent",
            Some((&rid, span)),
            &format!("{rid} belongs to a resource outside this template"),
            &format!("{rid} attaches to `{origin}`, which this template does not declare (a parameter, an import or a literal id)."),
            &format!("The parent is an `existing` {parent_ty} named by the parameter `{param}`."),
            "Deploy the template that creates the parent first and pass its name.",
        );
        self.floor_status("partial");
        sym
    }

    pub(super) fn tags(&mut self, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
        let r = &self.t.resources[i];
        // Hosted zones name their tags `HostedZoneTags`.
        let key = ["Tags", "HostedZoneTags"]
            .into_iter()
            .find(|k| r.properties.get(k).is_some())?;
        let tags = r.properties.get(key)?.clone();
        consumed.insert(key.into());
        let mut out = Vec::new();
        match &tags.kind {
            ExprKind::List(items) => {
                for it in items {
                    let (Some(k), Some(v)) = (it.get("Key"), it.get("Value")) else {
                        continue;
                    };
                    let key = match self.tr(k) {
                        AzExpr::Str(s) => AzKey::Name(s),
                        other => AzKey::Expr(other),
                    };
                    let v = tag_value(self.tr(v));
                    out.push((key, v));
                }
            }
            ExprKind::Object(m) => {
                for (k, _, v) in m {
                    let v = tag_value(self.tr(v));
                    out.push((AzKey::Name(k.clone()), v));
                }
            }
            // Terraform computes tags with functions (`merge(local.tags, {…})`): kept as an expression.
            _ if self.t.tf.is_some() => return Some(self.tr(&tags)),
            _ => {
                self.decide(
                    "tags-computed",
                    Some((&r.id, tags.span)),
                    &format!("{}: tags computed by a macro or function", r.id),
                    "The tags are not a list of Key/Value pairs in the template (a macro or intrinsic computes them).",
                    "No tags are set on the Azure resource.",
                    "Add the tags by hand once the macro's output is known.",
                );
                self.floor_status("partial");
                return None;
            }
        }
        if out.len() > 50 {
            self.decide(
                "tag-limit",
                Some((&r.id, r.span)),
                "More than 50 tags",
                "Azure allows at most 50 tags per resource.",
                "The first 50 tags are kept.",
                "Merge or drop the rest.",
            );
            out.truncate(50);
        }
        Some(AzExpr::Object(out))
    }

    /// Evaluates a spec value from the table against resource `i`.
    pub fn eval(&mut self, i: usize, v: &Value, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
        match v {
            Value::Null => None,
            Value::Bool(b) => Some(AzExpr::Bool(*b)),
            Value::Number(n) => Some(match n.as_i64() {
                Some(x) => AzExpr::Int(x),
                None => AzExpr::Num(n.to_string()),
            }),
            Value::String(s) => Some(self.template_string(i, s)),
            Value::Sequence(items) => Some(AzExpr::Array(
                items
                    .iter()
                    .filter_map(|x| self.eval(i, x, consumed))
                    .collect(),
            )),
            Value::Mapping(m) => {
                // `$$name` is the literal key `$name` (a workflow definition's `$schema`).
                if m.keys().any(|k| {
                    k.as_str()
                        .is_some_and(|s| s.starts_with('$') && !s.starts_with("$$"))
                }) {
                    return self.directive(i, m, consumed);
                }
                let mut out = Vec::new();
                let literal_empty = m.is_empty();
                for (k, x) in m {
                    let key = k
                        .as_str()
                        .map(|s| {
                            s.strip_prefix('$')
                                .filter(|r| r.starts_with('$'))
                                .unwrap_or(s)
                                .to_string()
                        })
                        .unwrap_or_else(|| format!("{k:?}"));
                    if let Some(val) = self.eval(i, x, consumed) {
                        out.push((AzKey::Name(key), val));
                    }
                }
                if out.is_empty() && !literal_empty {
                    None
                } else {
                    Some(AzExpr::Object(out))
                }
            }
            Value::Tagged(t) => self.eval(i, &t.value, consumed),
        }
    }

    /// `{kebab}`, `{id}`, `{suffix}` and `{sym}` in a literal from a table.
    pub(super) fn template_string(&mut self, i: usize, s: &str) -> AzExpr {
        if !s.contains('{') {
            return AzExpr::str(s);
        }
        let r = &self.t.resources[i];
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let token = &rest[start + 1..start + len];
            let value = match token {
                "kebab" => Some(Interp::Lit(kebab(&r.id))),
                "id" => Some(Interp::Lit(r.id.clone())),
                "lower" => Some(Interp::Lit(
                    r.id.to_ascii_lowercase()
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect(),
                )),
                "suffix" => {
                    self.needs_suffix = true;
                    Some(Interp::Expr(AzExpr::ident("nameSuffix")))
                }
                "sym" => Some(Interp::Lit(self.prepared[i].sym.clone())),
                _ => None,
            };
            match value {
                Some(v) => {
                    parts.push(Interp::Lit(rest[..start].to_string()));
                    parts.push(v);
                }
                None => parts.push(Interp::Lit(rest[..start + len + 1].to_string())),
            }
            rest = &rest[start + len + 1..];
        }
        parts.push(Interp::Lit(rest.to_string()));
        interp(parts)
    }

    /// A directive's value, coerced to `$type` (`bool`, `int`) when the table asks.
    pub(super) fn directive(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let ty = m
            .get(Value::String("$type".into()))
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let v = self.directive_value(i, m, consumed)?;
        Some(match ty.as_deref() {
            Some("bool") => coerce(v, "bool"),
            Some("int") => coerce(v, "int"),
            _ => v,
        })
    }

    /// A directive's value before coercion: `$expr`, `$interp`, `$param`, `$call`, or
    /// the value of `$prop` through `$transform`, `$map` or `$ref`/`$attr`.
    pub(super) fn directive_value(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let get = |k: &str| m.get(Value::String(k.into()));
        let r = &self.t.resources[i];
        if let Some(Value::String(e)) = get("$expr") {
            return Some(self.reference_expr(i, e));
        }
        if let Some(Value::Sequence(parts)) = get("$interp") {
            return self.directive_interp(i, parts, consumed);
        }
        if let Some(Value::String(key)) = get("$param") {
            return Some(self.directive_param(i, m, key, consumed));
        }
        if let Some(Value::String(f)) = get("$call") {
            let args = match get("$args") {
                Some(Value::Sequence(a)) => {
                    a.iter().filter_map(|x| self.eval(i, x, consumed)).collect()
                }
                _ => Vec::new(),
            };
            return Some(AzExpr::call(f, args));
        }
        let transform = get("$transform")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let prop = get("$prop").and_then(|p| p.as_str()).map(str::to_string);
        let src: Option<Expr> = match &prop {
            Some(p) => {
                let first = p.split(['.', '>']).next().unwrap_or(p);
                consumed.insert(first.to_string());
                self.prop_at(&r.properties, p)
            }
            None => None,
        };
        if prop.is_some()
            && src.is_none()
            && transform
                .as_deref()
                .is_none_or(|t| !transforms::reads_whole_resource(t))
        {
            return get("$default").and_then(|d| self.eval(i, d, consumed));
        }
        if let Some(t) = transform {
            return self.directive_transform(i, m, &t, src.as_ref(), consumed);
        }
        let src = src?;
        if let Some(Value::Mapping(table)) = get("$map") {
            return self.directive_map(i, m, table, &src, prop.as_deref(), consumed);
        }
        Some(self.directive_source(m, &src))
    }

    /// The property at `path` (`A.B`; `A>B` reads `B` of the template resource `A`
    /// references).
    fn prop_at(&self, props: &Expr, path: &str) -> Option<Expr> {
        match path.split_once('>') {
            None => props.path(path).filter(|v| !v.is_null()).cloned(),
            Some((here, rest)) => {
                let j = self.referenced_resource(props.path(here)?)?;
                self.prop_at(&self.t.resources[j].properties, rest)
            }
        }
    }

    /// The `$prop` value itself: with `$ref` or `$attr`, the attribute (`id` by default)
    /// of the Azure resource made from the resource it references; else translated.
    fn directive_source(&mut self, m: &serde_yaml::Mapping, src: &Expr) -> AzExpr {
        let get = |k: &str| m.get(Value::String(k.into()));
        if get("$ref").is_some() || get("$attr").is_some() {
            let attr = get("$attr")
                .and_then(|a| a.as_str())
                .unwrap_or("id")
                .to_string();
            if let Some(j) = self.referenced_resource(src)
                && self.prepared[j]
                    .entry
                    .as_ref()
                    .is_some_and(|e| !e.resources.is_empty())
            {
                return self.reference_expr(j, &format!("{{sym}}.{attr}")).clone();
            }
        }
        self.tr(src)
    }

    /// `$interp`: literal parts and evaluated parts joined into one string; `None` when
    /// a part has no value.
    fn directive_interp(
        &mut self,
        i: usize,
        parts: &[Value],
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Value::String(s) if !s.contains('{') => out.push(Interp::Lit(s.clone())),
                other => match self.eval(i, other, consumed)? {
                    AzExpr::Str(s) => out.push(Interp::Lit(s)),
                    e => out.push(Interp::Expr(e)),
                },
            }
        }
        Some(interp(out))
    }

    /// `$param`: a reference to the parameter the key names (declared on first use,
    /// with `$type`, `$description`, `$default` and `$secure`).
    fn directive_param(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        key: &str,
        consumed: &mut BTreeSet<String>,
    ) -> AzExpr {
        let get = |k: &str| m.get(Value::String(k.into()));
        let r = &self.t.resources[i];
        let ty = get("$type")
            .and_then(|t| t.as_str())
            .unwrap_or("string")
            .to_string();
        let desc = get("$description")
            .and_then(|t| t.as_str())
            .map(|d| fill_text(d, r));
        let default = get("$default").and_then(|d| self.eval(i, d, consumed));
        let secure = get("$secure").and_then(|b| b.as_bool()).unwrap_or(false);
        let key = match self.template_string(i, key) {
            AzExpr::Str(k) => k,
            _ => key.to_string(),
        };
        let sym = self.param_for(&key, &ty, |p| {
            p.required_reason = if default.is_none() {
                desc.clone()
            } else {
                None
            };
            p.description = desc;
            p.default = default;
            p.secure = secure;
        });
        AzExpr::ident(sym)
    }

    /// `$transform` with its `$args` (distributed over the values of a conditional or
    /// mapping source when it reads only the property); `$default` when it gives nothing.
    fn directive_transform(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        t: &str,
        src: Option<&Expr>,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let get = |k: &str| m.get(Value::String(k.into()));
        let args = get("$args").cloned().unwrap_or(Value::Null);
        if let Some(s) = src.filter(|_| !transforms::reads_whole_resource(t)) {
            let label = args
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or(t)
                .to_string();
            let distributed = self.distribute(
                s,
                &label,
                &mut |cx, v, consumed| transforms::apply(cx, i, t, Some(v), &args, consumed),
                consumed,
            );
            if distributed.is_some() {
                return distributed;
            }
        }
        let out = transforms::apply(self, i, t, src, &args, consumed);
        match out {
            Some(x) => Some(x),
            None => get("$default").and_then(|d| self.eval(i, d, consumed)),
        }
    }

    /// `$map`: the source's value looked up in the table (distributed over a
    /// `Fn::FindInMap` source's values); `None` when it maps to null.
    fn directive_map(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        table: &serde_yaml::Mapping,
        src: &Expr,
        prop: Option<&str>,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let get = |k: &str| m.get(Value::String(k.into()));
        if matches!(src.kind, ExprKind::FindInMap { .. }) {
            let label = format!(
                "{}-values",
                prop.unwrap_or("").rsplit('.').next().unwrap_or("")
            );
            let default = get("$default");
            let d = self.distribute(
                src,
                &label,
                &mut |cx, v, consumed| Some(cx.map_values(i, v, table, default, consumed)),
                consumed,
            );
            if d.is_some() {
                return d;
            }
        }
        match self.map_values(i, src, table, get("$default"), consumed) {
            AzExpr::Null => None,
            v => Some(v),
        }
    }

    /// Applies `f` to each literal a value can take when it is `Fn::If` over
    /// values or `Fn::FindInMap` into literal mapping values: a conditional, or
    /// a lookup object indexed like the mapping.
    #[allow(clippy::type_complexity)]
    pub(super) fn distribute(
        &mut self,
        src: &Expr,
        label: &str,
        f: &mut dyn FnMut(&mut Ctx, &Expr, &mut BTreeSet<String>) -> Option<AzExpr>,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        match &src.kind {
            ExprKind::If { cond, then, other } => {
                // `AWS::NoValue` leaves the property unset: null in Bicep.
                let a = if then.is_null() {
                    AzExpr::Null
                } else {
                    self.distribute(then, label, f, consumed)
                        .or_else(|| f(self, then, consumed))?
                };
                let b = if other.is_null() {
                    AzExpr::Null
                } else {
                    self.distribute(other, label, f, consumed)
                        .or_else(|| f(self, other, consumed))?
                };
                let c = self.condition_ref(cond);
                Some(AzExpr::Cond(Box::new(c), Box::new(a), Box::new(b)))
            }
            ExprKind::FindInMap {
                map, top, second, ..
            } => {
                let key2 = second.literal_text()?;
                let mapping = self
                    .t
                    .mappings
                    .iter()
                    .find(|m| &m.name == map)?
                    .value
                    .clone();
                let ExprKind::Object(tops) = &mapping.kind else {
                    return None;
                };
                let mut entries = Vec::new();
                for (k, _, v) in tops {
                    let lit = v.get(&key2)?;
                    lit.literal_text()?;
                    entries.push((AzKey::Name(k.clone()), f(self, lit, consumed)?));
                }
                let var = super::transforms::lookup_var(
                    self,
                    &format!("{map}-{key2}-{label}"),
                    AzExpr::Object(entries),
                    &format!("Mappings.{map}.*.{key2} translated for Azure."),
                );
                let key = self.tr(top);
                Some(AzExpr::Index(Box::new(AzExpr::ident(var)), Box::new(key)))
            }
            _ => None,
        }
    }

    /// Literal values through a table; expressions through a conditional or a lookup.
    pub(super) fn map_values(
        &mut self,
        i: usize,
        src: &Expr,
        table: &serde_yaml::Mapping,
        default: Option<&Value>,
        consumed: &mut BTreeSet<String>,
    ) -> AzExpr {
        let lookup = |t: &str| {
            table.iter().find(|(k, _)| {
                let ks = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                ks.eq_ignore_ascii_case(t)
            })
        };
        if let Some(t) = src.literal_text() {
            return match lookup(&t) {
                Some((_, v)) => self.eval(i, v, consumed).unwrap_or(AzExpr::Null),
                None => default
                    .and_then(|d| self.eval(i, d, consumed))
                    .unwrap_or(AzExpr::Str(t)),
            };
        }
        if let ExprKind::If { cond, then, other } = &src.kind {
            let c = self.condition_ref(cond);
            let a = self.map_values(i, then, table, default, consumed);
            let b = self.map_values(i, other, table, default, consumed);
            return AzExpr::Cond(Box::new(c), Box::new(a), Box::new(b));
        }
        // An expression: index an object built from the table.
        let mut entries = Vec::new();
        for (k, v) in table {
            let key = match k {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if let Some(val) = self.eval(i, v, consumed) {
                entries.push((AzKey::Name(key), val));
            }
        }
        let key = self.tr(src);
        let key = match key {
            AzExpr::Bool(_) | AzExpr::Cond(..) | AzExpr::Bin(..) => {
                AzExpr::call("string", vec![key])
            }
            other => other,
        };
        AzExpr::Index(Box::new(AzExpr::Object(entries)), Box::new(key))
    }
}

/// The comments of a spec's resource: the spec's (filled in), or what the primary
/// resource was.
fn resource_comments(spec: &ResourceSpec, r: &Resource, shared: bool) -> Vec<String> {
    match (&spec.comment, shared) {
        (_, true) => spec.comment.iter().map(|c| fill_text(c, r)).collect(),
        (Some(c), false) => vec![fill_text(c, r)],
        (None, false) if spec.symbol == "{sym}" => vec![format!("Was {} ({}).", r.id, r.ty)],
        _ => Vec::new(),
    }
}

/// Tag values are strings.
pub(super) fn tag_value(v: AzExpr) -> AzExpr {
    match v {
        AzExpr::Bool(b) => AzExpr::Str(b.to_string()),
        AzExpr::Int(n) => AzExpr::Str(n.to_string()),
        AzExpr::Num(n) => AzExpr::Str(n),
        other => other,
    }
}

pub(super) fn mentions_loop_var(e: &AzExpr, lv: Option<&(String, String)>) -> bool {
    let Some((_, v)) = lv else { return true };
    let mut ids = Vec::new();
    e.idents(&mut ids);
    ids.iter().any(|x| x == v)
}
