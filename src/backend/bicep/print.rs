//! Prints an [`AzModule`] as Bicep: two-space indents, one property per line,
//! a blank line between declarations, decorators above their parameter.

use crate::azure::{AzExpr, AzKey, AzModule, AzParam, AzResource, Interp, TfForm};

struct Out {
    buf: String,
}

impl Out {
    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.buf.push_str("  ");
        }
        self.buf.push_str(s);
        self.buf.push('\n');
    }
}

thread_local! {
    /// Function names a parameter of the module being printed takes: calls of them
    /// are written with their namespace (`sys.range(…)`, `az.environment()`).
    static SHADOWED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `f`, or `sys.f` / `az.f` where a parameter of the module takes the name `f`.
fn qualified(f: &str) -> String {
    let shadowed = SHADOWED.with(|s| s.borrow().iter().any(|x| x == f));
    if !shadowed {
        f.to_string()
    } else if crate::names::AZ_FUNCTIONS.contains(&f) {
        format!("az.{f}")
    } else {
        format!("sys.{f}")
    }
}

/// A decorator line: `@name(args)`, qualified like a call.
fn decorator(name: &str, args: &str) -> String {
    format!("@{}({args})", qualified(name))
}

pub fn print_module(m: &AzModule) -> String {
    let shadowed: Vec<String> = m
        .params
        .iter()
        .map(|p| p.name.clone())
        .filter(|n| {
            crate::names::AZ_FUNCTIONS.contains(&n.as_str())
                || crate::names::SYS_FUNCTIONS.contains(&n.as_str())
        })
        .collect();
    let before = SHADOWED.with(|s| std::mem::replace(&mut *s.borrow_mut(), shadowed));
    let text = print_module_body(m);
    SHADOWED.with(|s| *s.borrow_mut() = before);
    text
}

fn print_module_body(m: &AzModule) -> String {
    let mut o = Out { buf: String::new() };
    for h in &m.header {
        o.line(0, &comment(h));
    }
    if !m.header.is_empty() {
        o.buf.push('\n');
    }
    for p in &m.params {
        print_param(&mut o, p);
        o.buf.push('\n');
    }
    for v in &m.vars {
        if let Some(c) = &v.comment {
            o.line(0, &comment(c));
        }
        let value = expr(&v.value, 0);
        o.line(0, &format!("var {} = {}", v.name, value));
        o.buf.push('\n');
    }
    for r in &m.resources {
        match (&r.updates, scoped_parent(m, r), scoped_target(m, r)) {
            (Some(id), _, _) => print_update(&mut o, r, id),
            (None, Some(parent), _) => print_scoped_child(&mut o, r, parent),
            (None, None, Some(target)) => print_scoped_extension(&mut o, r, &target),
            (None, None, None) => print_resource(&mut o, r),
        }
        o.buf.push('\n');
    }
    for c in m.calls.iter().filter(|c| c.local) {
        print_call(&mut o, c);
        o.buf.push('\n');
    }
    for out in &m.outputs {
        if let Some(d) = &out.description {
            o.line(0, &decorator("description", &string_lit(d)));
        }
        // Bicep secures string and object outputs only.
        if out.secure && (out.ty == "string" || out.ty == "object") {
            o.line(0, &decorator("secure", ""));
        }
        o.line(
            0,
            &format!("output {} {} = {}", out.name, out.ty, expr(&out.value, 0)),
        );
        o.buf.push('\n');
    }
    while o.buf.ends_with("\n\n") {
        o.buf.pop();
    }
    o.buf
}

/// A call of a converted local module: `module x './modules/x/main.bicep' = {…}`.
fn print_call(o: &mut Out, c: &crate::azure::AzCall) {
    let path = format!("{}/main.bicep", c.source.trim_end_matches('/'));
    let path = if path.starts_with('.') {
        path
    } else {
        format!("./{path}")
    };
    let params = AzExpr::Object(
        c.params
            .iter()
            .map(|(k, v)| {
                // A nested stack's call names the child's Bicep parameters already.
                let name = if c.tf_params.is_empty() {
                    crate::names::param_symbol(k)
                } else {
                    k.clone()
                };
                (AzKey::Name(name), v.clone())
            })
            .collect(),
    );
    let mut members = vec![(AzKey::Name("name".into()), AzExpr::str(c.symbol.clone()))];
    if !c.params.is_empty() {
        members.push((AzKey::Name("params".into()), params));
    }
    if !c.depends_on.is_empty() {
        members.push((
            AzKey::Name("dependsOn".into()),
            AzExpr::Array(c.depends_on.iter().map(AzExpr::ident).collect()),
        ));
    }
    let head = format!("module {} {} =", c.symbol, string_lit(&path));
    match (&c.for_each, &c.count) {
        (Some(coll), _) => {
            members[0].1 = AzExpr::Interp(vec![
                crate::azure::Interp::Lit(format!("{}-", c.symbol)),
                crate::azure::Interp::Expr(AzExpr::path("each", "key")),
            ]);
            let body = expr(&AzExpr::Object(members), 0);
            let coll = expr(&AzExpr::call("items", vec![coll.clone()]), 0);
            o.line(0, &format!("{head} [for each in {coll}: {body}]"));
        }
        (None, Some(AzExpr::Cond(cond, a, b)))
            if **a == AzExpr::Int(1) && **b == AzExpr::Int(0) =>
        {
            o.line(
                0,
                &format!(
                    "{head} if ({}) {}",
                    expr(cond, 0),
                    expr(&AzExpr::Object(members), 0)
                ),
            );
        }
        (None, Some(n)) => {
            members[0].1 = AzExpr::Interp(vec![
                crate::azure::Interp::Lit(format!("{}-", c.symbol)),
                crate::azure::Interp::Expr(AzExpr::ident("count")),
            ]);
            let body = expr(&AzExpr::Object(members), 0);
            let range = expr(&AzExpr::call("range", vec![AzExpr::Int(0), n.clone()]), 0);
            o.line(0, &format!("{head} [for count in {range}: {body}]"));
        }
        (None, None) => o.line(0, &format!("{head} {}", expr(&AzExpr::Object(members), 0))),
    }
}

fn starts_with_call(e: &AzExpr) -> bool {
    match e {
        AzExpr::Call(..) => true,
        AzExpr::Ident(i) => i.ends_with(')'),
        AzExpr::Member(b, _) | AzExpr::Index(b, _) => starts_with_call(b),
        AzExpr::Bin(_, a, _) => starts_with_call(a),
        _ => false,
    }
}

fn comment(s: &str) -> String {
    if s.is_empty() {
        "//".into()
    } else {
        format!("// {}", s.replace('\n', " "))
    }
}

fn print_param(o: &mut Out, p: &AzParam) {
    if let Some(d) = &p.description {
        o.line(0, &decorator("description", &string_lit(d)));
    }
    if p.secure {
        o.line(0, &decorator("secure", ""));
    }
    if !p.allowed.is_empty() {
        o.line(
            0,
            &decorator("allowed", &expr(&AzExpr::Array(p.allowed.clone()), 0)),
        );
    }
    for (name, v) in [
        ("minLength", p.min_length),
        ("maxLength", p.max_length),
        ("minValue", p.min_value),
        ("maxValue", p.max_value),
    ] {
        if let Some(v) = v {
            o.line(0, &decorator(name, &v.to_string()));
        }
    }
    match &p.default {
        // A null default (a Terraform `default = null`) is a nullable parameter: Bicep
        // rejects `null` as the default of a `string`.
        Some(AzExpr::Null) if !p.ty.ends_with('?') => {
            o.line(0, &format!("param {} {}?", p.name, p.ty))
        }
        Some(d) => o.line(0, &format!("param {} {} = {}", p.name, p.ty, expr(d, 0))),
        None => o.line(0, &format!("param {} {}", p.name, p.ty)),
    }
}

fn print_resource(o: &mut Out, r: &AzResource) {
    for c in &r.comments {
        o.line(0, &comment(c));
    }
    if r.existing {
        let mut members = Vec::new();
        if let Some(p) = &r.parent {
            members.push((AzKey::Name("parent".into()), AzExpr::ident(p)));
        }
        members.push((AzKey::Name("name".into()), r.name.clone()));
        // In another resource group (`resourceGroup(x)`): a region's Network Watcher.
        if let Some((_, scope)) = r.body.iter().find(|(k, _)| k == "scope") {
            members.push((AzKey::Name("scope".into()), scope.clone()));
        }
        o.line(
            0,
            &format!(
                "resource {} '{}@{}' existing = {}",
                r.symbol,
                r.ty,
                r.api,
                expr(&AzExpr::Object(members), 0)
            ),
        );
        return;
    }
    let head = format!("resource {} '{}@{}' =", r.symbol, r.ty, r.api);
    let mut members: Vec<(String, AzExpr)> = Vec::new();
    if let Some(p) = &r.parent {
        members.push(("parent".into(), AzExpr::ident(p)));
    }
    members.extend(r.body.iter().filter(|(k, _)| k == "scope").cloned());
    members.push(("name".into(), r.name.clone()));
    if let Some(l) = &r.location {
        members.push(("location".into(), l.clone()));
    }
    if let Some(t) = &r.tags {
        members.push(("tags".into(), t.clone()));
    }
    // The order `bicep` users expect: sku, kind, identity, zones, properties, then the rest.
    let rank = |k: &str| {
        ["sku", "kind", "identity", "zones", "properties"]
            .iter()
            .position(|x| *x == k)
            .unwrap_or(5)
    };
    let mut body: Vec<&(String, AzExpr)> = r.body.iter().filter(|(k, _)| k != "scope").collect();
    body.sort_by_key(|(k, _)| rank(k));
    members.extend(body.into_iter().cloned());
    if !r.depends_on.is_empty() {
        members.push((
            "dependsOn".into(),
            AzExpr::Array(r.depends_on.iter().map(AzExpr::ident).collect()),
        ));
    }
    let body = AzExpr::Object(
        members
            .into_iter()
            .map(|(k, v)| (AzKey::Name(k), v))
            .collect(),
    );
    o.line(0, &declaration(&head, r, None, &body));
}

/// The `existing` parent of `r` that lives at another scope (its `scope` member), when
/// `r` is a new resource: Bicep deploys such a child through a module at that scope.
fn scoped_parent<'a>(m: &'a AzModule, r: &AzResource) -> Option<&'a AzResource> {
    if r.existing {
        return None;
    }
    let p = m
        .resources
        .iter()
        .find(|x| Some(&x.symbol) == r.parent.as_ref())?;
    (p.existing && p.body.iter().any(|(k, _)| k == "scope")).then_some(p)
}

/// An extension resource (a role assignment) whose `scope` is an existing resource read
/// at another scope: the target, the scope it is read at and its full name.
struct ScopedTarget<'a> {
    target: &'a AzResource,
    scope: AzExpr,
    name: AzExpr,
}

/// The existing target of `r`'s `scope` member when that target is read at another
/// scope (itself or through its parents): Bicep deploys `r` through a module there.
fn scoped_target<'a>(m: &'a AzModule, r: &AzResource) -> Option<ScopedTarget<'a>> {
    if r.existing || r.updates.is_some() || r.parent.is_some() {
        return None;
    }
    let Some((_, AzExpr::Ident(t))) = r.body.iter().find(|(k, _)| k == "scope") else {
        return None;
    };
    let target = m.resources.iter().find(|x| &x.symbol == t && x.existing)?;
    let mut chain = vec![target];
    while let Some(p) = chain.last().and_then(|x| x.parent.as_ref()) {
        chain.push(m.resources.iter().find(|x| &x.symbol == p)?);
    }
    let root = chain.last()?;
    let scope = root
        .body
        .iter()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())?;
    let mut parts = Vec::new();
    for (n, x) in chain.iter().rev().enumerate() {
        if n > 0 {
            parts.push(Interp::Lit("/".into()));
        }
        match &x.name {
            AzExpr::Str(s) => parts.push(Interp::Lit(s.clone())),
            other => parts.push(Interp::Expr(other.clone())),
        }
    }
    Some(ScopedTarget {
        target,
        scope,
        name: crate::azure::interp(parts),
    })
}

/// The module file of [`print_scoped_extension`]:
/// `modules/<provider>-<target>-<extension>.bicep`.
fn extension_module_path(target: &str, ty: &str) -> String {
    let kebab = |t: &str| -> Vec<String> {
        t.split('/')
            .skip(1)
            .map(crate::names::kebab)
            .collect::<Vec<_>>()
    };
    // The provider too: Service Bus and Event Hubs both have `namespaces`.
    let provider = target.split('/').next().unwrap_or_default();
    let mut segs = vec![crate::names::kebab(
        provider.strip_prefix("Microsoft.").unwrap_or(provider),
    )];
    segs.extend(kebab(target));
    segs.extend(kebab(ty));
    format!("modules/{}.bicep", segs.join("-"))
}

/// An extension resource on an existing resource of another scope, as a call of its
/// module: the target's name, the resource's name and body members are its parameters.
fn print_scoped_extension(o: &mut Out, r: &AzResource, t: &ScopedTarget) {
    for c in &r.comments {
        o.line(0, &comment(c));
    }
    let mut params = vec![
        (AzKey::Name("targetName".into()), t.name.clone()),
        (AzKey::Name("name".into()), r.name.clone()),
    ];
    for (k, v) in r.body.iter().filter(|(k, _)| k != "scope") {
        params.push((AzKey::Name(k.clone()), v.clone()));
    }
    let body = module_body(
        AzExpr::str(r.symbol.clone()),
        t.scope.clone(),
        params,
        &r.depends_on,
    );
    let path = string_lit(&extension_module_path(&t.target.ty, &r.ty));
    o.line(
        0,
        &declaration(&format!("module {} {path} =", r.symbol), r, None, &body),
    );
}

/// The module file that deploys a child of type `ty` under an existing parent of the
/// module's scope: `modules/<parent>-<child>.bicep`.
fn scoped_module_path(ty: &str) -> String {
    let segs: Vec<&str> = ty.split('/').skip(1).collect();
    let kebab: Vec<String> = segs.iter().map(|s| crate::names::kebab(s)).collect();
    format!("modules/{}.bicep", kebab.join("-"))
}

/// A child of an existing parent at another scope, as a call of its module
/// ([`module_files`]): the parent's name, the child's name, location, tags and body
/// members are its parameters.
fn print_scoped_child(o: &mut Out, r: &AzResource, parent: &AzResource) {
    for c in &r.comments {
        o.line(0, &comment(c));
    }
    let scope = parent
        .body
        .iter()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .unwrap_or(AzExpr::Null);
    let deployment = if r.for_each.is_some() {
        AzExpr::Interp(vec![
            Interp::Lit(format!("{}-", r.symbol)),
            Interp::Expr(r.name.clone()),
        ])
    } else {
        AzExpr::str(r.symbol.clone())
    };
    let mut params = vec![
        (
            AzKey::Name("parentName".into()),
            AzExpr::path(&parent.symbol, "name"),
        ),
        (AzKey::Name("name".into()), r.name.clone()),
    ];
    if let Some(l) = &r.location {
        params.push((AzKey::Name("location".into()), l.clone()));
    }
    if let Some(t) = &r.tags {
        params.push((AzKey::Name("tags".into()), t.clone()));
    }
    for (k, v) in r.body.iter().filter(|(k, _)| k != "scope") {
        params.push((AzKey::Name(k.clone()), v.clone()));
    }
    let body = module_body(deployment, scope, params, &r.depends_on);
    let path = string_lit(&scoped_module_path(&r.ty));
    o.line(
        0,
        &declaration(&format!("module {} {path} =", r.symbol), r, None, &body),
    );
}

/// The module file that puts an existing child resource back with changed properties
/// ([`print_update`]): `modules/<parent>-<child>-update.bicep`.
fn update_module_path(ty: &str) -> String {
    scoped_module_path(ty).replace(".bicep", "-update.bicep")
}

/// Segment `k` of a resource id (`split(id, '/')[k]`).
fn id_segment(id: &AzExpr, k: i64) -> AzExpr {
    AzExpr::Index(
        Box::new(AzExpr::call("split", vec![id.clone(), AzExpr::str("/")])),
        Box::new(AzExpr::Int(k)),
    )
}

/// A change to an existing child resource known by its id (`r.updates`): the current
/// resource is read (`existing`, in the id's resource group), and a module at that scope
/// puts it back with its current properties and this resource's members merged in
/// (`union`), so nothing else of it is reset. ARM cannot read and put one resource in one
/// template, hence the module.
fn print_update(o: &mut Out, r: &AzResource, id: &AzExpr) {
    for c in &r.comments {
        o.line(0, &comment(c));
    }
    let current = format!("{}Current", r.symbol);
    let scope = AzExpr::call("resourceGroup", vec![id_segment(id, 2), id_segment(id, 4)]);
    // `…/providers/Ns/parent/{8}/child/{10}`.
    let name = AzExpr::Interp(vec![
        Interp::Expr(id_segment(id, 8)),
        Interp::Lit("/".into()),
        Interp::Expr(id_segment(id, 10)),
    ]);
    let (index, read) = match &r.for_each {
        Some(_) => (
            Some("i"),
            AzExpr::Index(
                Box::new(AzExpr::ident(&current)),
                Box::new(AzExpr::ident("i")),
            ),
        ),
        None => (None, AzExpr::ident(&current)),
    };
    let existing = AzExpr::Object(vec![
        (AzKey::Name("scope".into()), scope.clone()),
        (AzKey::Name("name".into()), name),
    ]);
    o.line(
        0,
        &declaration(
            &format!("resource {current} '{}@{}' existing =", r.ty, r.api),
            r,
            None,
            &existing,
        ),
    );
    o.buf.push('\n');
    let mut params = vec![
        (AzKey::Name("parentName".into()), id_segment(id, 8)),
        (AzKey::Name("name".into()), id_segment(id, 10)),
    ];
    for (k, v) in r.body.iter().filter(|(k, _)| k == "properties") {
        let merged = AzExpr::call("union", vec![read.clone().member("properties"), v.clone()]);
        params.push((AzKey::Name(k.clone()), merged));
    }
    let deployment = match index {
        Some(i) => AzExpr::Interp(vec![
            Interp::Lit(format!("{}-", r.symbol)),
            Interp::Expr(AzExpr::ident(i)),
        ]),
        None => AzExpr::str(r.symbol.clone()),
    };
    let path = string_lit(&update_module_path(&r.ty));
    let body = module_body(deployment, scope, params, &r.depends_on);
    o.line(
        0,
        &declaration(&format!("module {} {path} =", r.symbol), r, index, &body),
    );
}

/// `head body`, repeated and guarded as `r` is: `head [for x in c: if (cond) body]`,
/// `head if (cond) body`. With `index`, the loop also names the element's index.
fn declaration(head: &str, r: &AzResource, index: Option<&str>, body: &AzExpr) -> String {
    let text = expr(body, 0);
    let cond = |c: &AzExpr| format!("if ({}) ", expr(c, 0));
    match (&r.for_each, &r.condition) {
        (Some((var, coll)), c) => {
            let var = match index {
                Some(i) => format!("({var}, {i})"),
                None => var.clone(),
            };
            let c = c.as_ref().map(cond).unwrap_or_default();
            format!("{head} [for {var} in {}: {c}{text}]", expr(coll, 0))
        }
        (None, Some(c)) => format!("{head} {}{text}", cond(c)),
        (None, None) => format!("{head} {text}"),
    }
}

/// The body of a module call: its deployment name, scope, parameters and dependencies.
fn module_body(
    deployment: AzExpr,
    scope: AzExpr,
    params: Vec<(AzKey, AzExpr)>,
    depends_on: &[String],
) -> AzExpr {
    let mut members = vec![
        (AzKey::Name("name".into()), deployment),
        (AzKey::Name("scope".into()), scope),
        (AzKey::Name("params".into()), AzExpr::Object(params)),
    ];
    if !depends_on.is_empty() {
        members.push((
            AzKey::Name("dependsOn".into()),
            AzExpr::Array(depends_on.iter().map(AzExpr::ident).collect()),
        ));
    }
    AzExpr::Object(members)
}

/// The module file of [`print_update`] for type `ty`: it puts the child back under its
/// existing parent with the properties it is given.
fn update_module(ty: &str, api: &str) -> String {
    let parent = ty.rsplit_once('/').map(|(p, _)| p).unwrap_or(ty);
    let mut o = Out { buf: String::new() };
    o.line(
        0,
        &comment(&format!(
            "Puts an existing {ty} back with the properties it is given (its current ones with a change merged in), in this module's resource group."
        )),
    );
    o.buf.push('\n');
    o.line(0, "@description('Name of the existing parent resource.')");
    o.line(0, "param parentName string");
    o.buf.push('\n');
    o.line(0, "@description('Name of the existing resource.')");
    o.line(0, "param name string");
    o.buf.push('\n');
    o.line(
        0,
        "@description('All of its properties: the current ones with the change merged in.')",
    );
    o.line(0, "param properties object");
    o.buf.push('\n');
    o.line(0, &format!("resource owner '{parent}@{api}' existing = {{"));
    o.line(1, "name: parentName");
    o.line(0, "}");
    o.buf.push('\n');
    o.line(0, &format!("resource target '{ty}@{api}' = {{"));
    o.line(1, "parent: owner");
    o.line(1, "name: name");
    o.line(1, "properties: properties");
    o.line(0, "}");
    o.buf.push('\n');
    o.line(0, "output id string = target.id");
    o.buf
}

/// Declares a module parameter for each body property of `r` (its `scope` aside), typed
/// by the value's kind; returns the property names.
fn body_params<'r>(o: &mut Out, r: &'r AzResource) -> Vec<&'r String> {
    let mut keys = Vec::new();
    for (k, v) in r.body.iter().filter(|(k, _)| k != "scope") {
        let ty = match v {
            AzExpr::Object(_) => "object",
            AzExpr::Array(_) => "array",
            AzExpr::Bool(_) => "bool",
            AzExpr::Int(_) => "int",
            _ => "string",
        };
        o.buf.push('\n');
        o.line(0, &format!("param {k} {ty}"));
        keys.push(k);
    }
    keys
}

/// The module files the printed module calls for children of existing parents at another
/// scope ([`print_scoped_child`]) and for changes to existing resources
/// ([`print_update`]), by path relative to it: one per child type.
pub fn module_files(m: &AzModule) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in m.resources.iter().filter(|r| r.updates.is_some()) {
        let path = update_module_path(&r.ty);
        if !out.iter().any(|(p, _)| *p == path) {
            out.push((path, update_module(&r.ty, &r.api)));
        }
    }
    for r in &m.resources {
        let Some(t) = scoped_target(m, r) else {
            continue;
        };
        let path = extension_module_path(&t.target.ty, &r.ty);
        if out.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let mut o = Out { buf: String::new() };
        o.line(
            0,
            &comment(&format!(
                "Deploys a {} on an existing {} of this module's resource group.",
                r.ty, t.target.ty
            )),
        );
        o.buf.push('\n');
        o.line(
            0,
            "@description('Name of the existing resource (`parent/child` for a child resource).')",
        );
        o.line(0, "param targetName string");
        o.buf.push('\n');
        o.line(0, "param name string");
        let body = body_params(&mut o, r);
        o.buf.push('\n');
        o.line(
            0,
            &format!(
                "resource target '{}@{}' existing = {{",
                t.target.ty, t.target.api
            ),
        );
        o.line(1, "name: targetName");
        o.line(0, "}");
        o.buf.push('\n');
        o.line(0, &format!("resource extension '{}@{}' = {{", r.ty, r.api));
        o.line(1, "scope: target");
        o.line(1, "name: name");
        for k in body {
            o.line(1, &format!("{k}: {k}"));
        }
        o.line(0, "}");
        o.buf.push('\n');
        o.line(0, "output id string = extension.id");
        out.push((path, o.buf));
    }
    for r in &m.resources {
        let Some(parent) = scoped_parent(m, r) else {
            continue;
        };
        let path = scoped_module_path(&r.ty);
        if out.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let mut o = Out { buf: String::new() };
        o.line(
            0,
            &comment(&format!(
                "Deploys a {} under an existing {} of this module's resource group.",
                r.ty, parent.ty
            )),
        );
        o.buf.push('\n');
        o.line(0, "@description('Name of the existing parent resource.')");
        o.line(0, "param parentName string");
        o.buf.push('\n');
        o.line(0, "param name string");
        if r.location.is_some() {
            o.buf.push('\n');
            o.line(0, "param location string");
        }
        if r.tags.is_some() {
            o.buf.push('\n');
            o.line(0, "param tags object = {}");
        }
        let body = body_params(&mut o, r);
        o.buf.push('\n');
        o.line(
            0,
            &format!(
                "resource owner '{}@{}' existing = {{",
                parent.ty, parent.api
            ),
        );
        o.line(1, "name: parentName");
        o.line(0, "}");
        o.buf.push('\n');
        o.line(0, &format!("resource child '{}@{}' = {{", r.ty, r.api));
        o.line(1, "parent: owner");
        o.line(1, "name: name");
        if r.location.is_some() {
            o.line(1, "location: location");
        }
        if r.tags.is_some() {
            o.line(1, "tags: tags");
        }
        for k in body {
            o.line(1, &format!("{k}: {k}"));
        }
        o.line(0, "}");
        o.buf.push('\n');
        o.line(0, "output id string = child.id");
        o.line(0, "output name string = child.name");
        out.push((path, o.buf));
    }
    out
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// A Bicep string literal, with `'''` multi-line form for text with newlines.
pub fn string_lit(s: &str) -> String {
    if s.contains('\n') && !s.contains("'''") && !s.starts_with('\n') && !s.contains('\r') {
        return format!("'''\n{s}'''");
    }
    format!("'{}'", escape(s))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    // Whether the last character written was an escape sequence: the tree-sitter Bicep
    // grammar (tree-sitter-bicep, the output checks) reads `//` right after one as a
    // comment, so the first slash is written `\u{2F}` there (the same string to Bicep).
    let mut escaped = false;
    while let Some(c) = chars.next() {
        let was_escaped = escaped;
        escaped = needs_escape(c, chars.peek());
        match c {
            '/' if was_escaped && chars.peek() == Some(&'/') => {
                out.push_str("\\u{2F}");
                escaped = true;
            }
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Whether `escape` writes `c` (followed by `next`) as an escape sequence.
fn needs_escape(c: char, next: Option<&char>) -> bool {
    matches!(c, '\\' | '\'' | '\n' | '\r' | '\t')
        || (c == '$' && next == Some(&'{'))
        || (c as u32) < 0x20
}

fn pad(indent: usize) -> String {
    "  ".repeat(indent)
}

/// Prints an expression at an indentation level (for multi-line objects and arrays).
pub fn print_expr(e: &AzExpr) -> String {
    expr(e, 0)
}

fn expr(e: &AzExpr, indent: usize) -> String {
    match e {
        AzExpr::Null => "null".into(),
        AzExpr::Bool(b) => b.to_string(),
        AzExpr::Int(i) if *i < 0 => format!("-{}", i.unsigned_abs()),
        AzExpr::Int(i) => i.to_string(),
        AzExpr::Num(n) => string_lit(n),
        AzExpr::Str(s) => string_lit(s),
        // A call written as a name (`resourceGroup()`): qualified like any call.
        AzExpr::Ident(i) => match i.split_once('(') {
            Some((f, rest)) => format!("{}({rest}", qualified(f)),
            None => i.clone(),
        },
        AzExpr::Raw(i) => i.clone(),
        // Bicep output is lowered first (`lower`); the report quotes these as written.
        AzExpr::TfOnly(t) => match &t.form {
            TfForm::Call(f) => expr(&AzExpr::Call(format!("tf:{f}"), t.args.clone()), indent),
            TfForm::For => expr(&AzExpr::Call("tf:for".into(), t.args.clone()), indent),
            TfForm::Ref { text, .. } => text.clone(),
            TfForm::CondSplat => expr(&AzExpr::Call("__cond_splat".into(), t.args.clone()), indent),
            TfForm::Coerce(ty) if ty == "int" => {
                t.args.first().map_or("null".into(), |x| expr(x, indent))
            }
            TfForm::Coerce(ty) => expr(&AzExpr::Call(ty.clone(), t.args.clone()), indent),
        },
        AzExpr::Member(b, m) => {
            if is_ident(m) {
                format!("{}.{m}", operand(b, indent))
            } else {
                format!("{}[{}]", operand(b, indent), string_lit(m))
            }
        }
        AzExpr::Index(b, i) => match i.as_ref() {
            AzExpr::Str(k) if is_ident(k) => format!("{}.{k}", operand(b, indent)),
            _ => format!("{}[{}]", operand(b, indent), expr(i, indent)),
        },
        AzExpr::Call(f, args) => {
            let a: Vec<String> = args.iter().map(|x| expr(x, indent)).collect();
            format!("{}({})", qualified(f), a.join(", "))
        }
        AzExpr::Interp(parts) => interp(parts, indent),
        AzExpr::Cond(c, a, b) => format!(
            "{} ? {} : {}",
            operand(c, indent),
            operand(a, indent),
            operand(b, indent)
        ),
        AzExpr::Bin(op, a, b) => format!("{} {op} {}", operand(a, indent), operand(b, indent)),
        AzExpr::Not(a) => format!("!{}", operand(a, indent)),
        AzExpr::For(v, c, b) => format!("[for {v} in {}: {}]", expr(c, indent), expr(b, indent)),
        AzExpr::Lambda(params, body) => match params.as_slice() {
            [one] => format!("{one} => {}", expr(body, indent)),
            _ => format!("({}) => {}", params.join(", "), expr(body, indent)),
        },
        AzExpr::Array(items) if items.is_empty() => "[]".into(),
        AzExpr::Array(items) => array(items, indent),
        AzExpr::Object(m) if m.is_empty() => "{}".into(),
        AzExpr::Object(m) => object(m, indent),
    }
}

/// An interpolated string: `'text ${x}'`.
fn interp(parts: &[Interp], indent: usize) -> String {
    let mut s = String::from("'");
    for p in parts {
        match p {
            Interp::Lit(l) => s.push_str(&escape(l)),
            Interp::Expr(x) => {
                s.push_str("${");
                s.push_str(&expr(x, indent));
                s.push('}');
            }
        }
    }
    s.push('\'');
    s
}

/// A non-empty array, one item per line.
fn array(items: &[AzExpr], indent: usize) -> String {
    let mut s = String::from("[\n");
    for (k, i) in items.iter().enumerate() {
        s.push_str(&pad(indent + 1));
        // An item ending in `[…]` would read as two items, and the tree-sitter grammar
        // misreads a first item that starts with a call; parenthesise both.
        if ends_with_index(i) || (k == 0 && starts_with_call(i)) {
            s.push_str(&format!("({})", expr(i, indent + 1)));
        } else {
            s.push_str(&expr(i, indent + 1));
        }
        s.push('\n');
    }
    s.push_str(&pad(indent));
    s.push(']');
    s
}

/// A non-empty object, one property per line.
fn object(m: &[(AzKey, AzExpr)], indent: usize) -> String {
    let mut s = String::from("{\n");
    for (k, v) in m {
        s.push_str(&pad(indent + 1));
        match k {
            AzKey::Name(n) if is_ident(n) => s.push_str(n),
            AzKey::Name(n) => s.push_str(&string_lit(n)),
            AzKey::Expr(x) => s.push_str(&key_expr(x, indent + 1)),
        }
        s.push_str(": ");
        s.push_str(&expr(v, indent + 1));
        s.push('\n');
    }
    s.push_str(&pad(indent));
    s.push('}');
    s
}

fn ends_with_index(e: &AzExpr) -> bool {
    match e {
        AzExpr::Index(_, k) => !matches!(k.as_ref(), AzExpr::Str(s) if is_ident(s)),
        AzExpr::Member(_, m) => !is_ident(m),
        _ => false,
    }
}

fn key_expr(x: &AzExpr, indent: usize) -> String {
    match x {
        AzExpr::Interp(_) | AzExpr::Str(_) => expr(x, indent),
        other => format!("'${{{}}}'", expr(other, indent)),
    }
}

/// Parenthesises compound expressions used as operands.
fn operand(e: &AzExpr, indent: usize) -> String {
    match e {
        AzExpr::Cond(..) | AzExpr::Bin(..) => format!("({})", expr(e, indent)),
        _ => expr(e, indent),
    }
}

#[cfg(test)]
mod tests {
    use super::string_lit;

    #[test]
    fn a_slash_pair_after_an_escape_is_not_a_comment() {
        assert_eq!(string_lit("a//b"), "'a//b'");
        assert_eq!(string_lit("https:'//b"), "'https:\\'\\u{2F}/b'");
        assert_eq!(string_lit("a\\//b"), "'a\\\\\\u{2F}/b'");
        assert_eq!(string_lit("it's /x"), "'it\\'s /x'");
    }
}
