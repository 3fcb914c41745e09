//! Lowering the ARM-shaped Azure model to Terraform: azurerm resources through
//! `mappings/azurerm/`, `azapi_resource` with the ARM body where a table cannot
//! read every value or a reference has no azurerm attribute.

use std::collections::{BTreeMap, BTreeSet};

use super::hcl::{Block, Item, Part, TfExpr, print_file};
use super::table::{AzurermTables, Cond, Rule, Variant};
use crate::azure::{AzExpr, AzKey, AzModule, AzPassItem, AzResource, Decision, Interp, TfForm};
use crate::model::Template;
use crate::model::expr::{Expr, ExprKind};
use crate::names::snake;
use crate::source::SourceMap;

/// azurerm release the output is checked against; the lowest 4.x with every resource emitted.
pub const AZURERM_VERSION: &str = ">= 4.55.0, < 5.0.0";
pub const AZAPI_VERSION: &str = ">= 2.0.0, < 3.0.0";

#[derive(Clone, Debug, PartialEq)]
enum Form {
    /// azurerm resource (or data source): type, variant index.
    Azurerm {
        ty: String,
        variant: usize,
        data: bool,
    },
    Azapi {
        data: bool,
    },
    /// Written as a block of its parent's azurerm resource.
    Merged {
        parent: String,
        block: String,
        variant: usize,
    },
    /// A change to an existing resource (`AzResource::updates`): the azurerm association
    /// resource that makes it (its index in the variant), or `azapi_update_resource`.
    Update {
        ty: String,
        association: Option<(usize, usize)>,
    },
}

struct Lower<'a> {
    m: &'a AzModule,
    tables: &'a AzurermTables,
    forms: BTreeMap<String, Form>,
    /// Symbols forced to azapi, with the reason.
    forced: BTreeMap<String, String>,
    /// Azurerm references with no attribute: symbol → path.
    missing: BTreeMap<String, String>,
    exports: BTreeMap<String, BTreeSet<String>>,
    params: BTreeMap<String, (String, bool)>,
    /// Module variables (locals) → their unique snake_case names.
    vars: BTreeMap<String, String>,
    /// Loop variable → its Terraform expression, while lowering a looped resource.
    loop_vars: Vec<(String, TfExpr)>,
    /// A storage account disables shared keys.
    storage_azuread: bool,
    /// The loop of the resource being lowered: its collection and the key of one copy.
    current_loop: Option<(AzExpr, TfExpr)>,
    /// Association resources of the resource being lowered (written after it).
    extra: Vec<Block>,
    /// `count` / `for_each` of the resource being lowered, repeated on its associations.
    current_meta: Vec<Item>,
    needs_rg: bool,
    needs_client: bool,
    needs_subscription: bool,
    azapi_used: bool,
    /// What the provider schema rejects in the written blocks: (azurerm type, block
    /// labels, finding).
    findings: Vec<SchemaFinding>,
}

fn yaml_to_tf(v: &serde_yaml::Value) -> TfExpr {
    match v {
        serde_yaml::Value::Null => TfExpr::Null,
        serde_yaml::Value::Bool(b) => TfExpr::Bool(*b),
        serde_yaml::Value::Number(n) => TfExpr::Num(n.to_string()),
        serde_yaml::Value::String(s) => TfExpr::Str(s.clone()),
        serde_yaml::Value::Sequence(s) => TfExpr::Array(s.iter().map(yaml_to_tf).collect()),
        serde_yaml::Value::Mapping(m) => TfExpr::Object(
            m.iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), yaml_to_tf(v)))
                .collect(),
        ),
        serde_yaml::Value::Tagged(t) => yaml_to_tf(&t.value),
    }
}

fn literal_text(e: &AzExpr) -> Option<String> {
    match e {
        AzExpr::Str(s) | AzExpr::Num(s) => Some(s.clone()),
        AzExpr::Int(i) => Some(i.to_string()),
        AzExpr::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ARM resource as one object: name, location, tags and the body members.
fn view(r: &AzResource) -> AzExpr {
    let mut m = vec![(AzKey::Name("name".into()), r.name.clone())];
    if let Some(l) = &r.location {
        m.push((AzKey::Name("location".into()), l.clone()));
    }
    if let Some(t) = &r.tags {
        m.push((AzKey::Name("tags".into()), t.clone()));
    }
    for (k, v) in &r.body {
        m.push((AzKey::Name(k.clone()), v.clone()));
    }
    AzExpr::Object(m)
}

fn get<'e>(base: &'e AzExpr, path: &str) -> Option<&'e AzExpr> {
    if path.is_empty() {
        return Some(base);
    }
    path.split('.').try_fold(base, |e, k| e.get(k))
}

/// Leaf paths of an object (arrays and non-objects are leaves). An empty `properties`
/// object is no leaf: an empty property bag sets nothing (other empty objects may, e.g. a
/// user-assigned identity keyed by its id).
fn leaves(e: &AzExpr, prefix: &str, out: &mut Vec<String>) {
    match e {
        AzExpr::Object(m)
            if m.is_empty() && (prefix == "properties" || prefix.ends_with(".properties")) => {}
        AzExpr::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let key = match k {
                    AzKey::Name(n) => n.clone(),
                    AzKey::Expr(_) => "*".into(),
                };
                let p = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(v, &p, out);
            }
        }
        AzExpr::Null => {}
        _ => out.push(prefix.to_string()),
    }
}

fn covered(leaf: &str, consumed: &BTreeSet<String>) -> bool {
    consumed
        .iter()
        .any(|c| leaf == c || leaf.starts_with(&format!("{c}.")) || c.is_empty())
}

/// Text that is a plain decimal number (`2`, `-1`, `0.5`), as HCL writes one.
fn numeric(s: &str) -> bool {
    let t = s.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn join(prefix: &str, p: &str) -> String {
    match (prefix.is_empty(), p.is_empty()) {
        (true, _) => p.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}.{p}"),
    }
}

fn cond_holds(c: &Cond, base: &AzExpr) -> bool {
    let v = get(base, &c.path);
    if let Some(p) = c.present
        && v.is_some_and(|x| !matches!(x, AzExpr::Null)) != p
    {
        return false;
    }
    if let Some(prefix) = &c.starts_with {
        let head = match v {
            Some(AzExpr::Interp(parts)) => match parts.first() {
                Some(Interp::Lit(l)) => Some(l.clone()),
                _ => None,
            },
            Some(x) => literal_text(x),
            None => None,
        };
        if !head.is_some_and(|h| h.starts_with(prefix.as_str())) {
            return false;
        }
    }
    if let Some(any) = &c.one_of {
        let text = v.and_then(literal_text);
        if !any.iter().any(|x| text.is_some() && text == yaml_text(x)) {
            return false;
        }
    }
    if let Some(eq) = &c.equals {
        return v.and_then(literal_text) == yaml_text(eq);
    }
    true
}

impl<'a> Lower<'a> {
    fn resource(&self, sym: &str) -> Option<&'a AzResource> {
        self.m.resources.iter().find(|r| r.symbol == sym)
    }

    fn variant(&self, r: &AzResource) -> Option<(usize, &'a Variant)> {
        let list = self.tables.types.get(&r.ty)?;
        let v = view(r);
        list.iter()
            .enumerate()
            .find(|(_, x)| x.when.as_ref().is_none_or(|c| cond_holds(c, &v)))
    }

    fn tf_name(&self, sym: &str) -> String {
        snake(sym)
    }

    /// `azurerm_subnet.app`, `data.azapi_resource.vnet` …
    fn address(&self, sym: &str) -> Option<String> {
        let name = self.tf_name(sym);
        Some(match self.forms.get(sym)? {
            Form::Azurerm {
                ty, data: false, ..
            } => format!("{ty}.{name}"),
            Form::Azurerm { ty, data: true, .. } => format!("data.{ty}.{name}"),
            Form::Azapi { data: false } => format!("azapi_resource.{name}"),
            Form::Azapi { data: true } => format!("data.azapi_resource.{name}"),
            Form::Update { ty, .. } => format!("{ty}.{name}"),
            Form::Merged { .. } => return None,
        })
    }

    fn same_loop(&self, sym: &str) -> bool {
        match (
            &self.current_loop,
            self.resource(sym).and_then(|r| r.for_each.as_ref()),
        ) {
            (Some((c, _)), Some((_, other))) => c == other,
            _ => false,
        }
    }

    /// The address with `[0]` for resources behind `count`.
    fn instance(&self, sym: &str) -> Option<String> {
        let a = self.address(sym)?;
        let r = self.resource(sym)?;
        if r.condition.is_some() && r.for_each.is_none() {
            Some(format!("{a}[0]"))
        } else {
            Some(a)
        }
    }

    /// A reference to a resource attribute (`path` after the symbol: `id`, `properties.x`).
    fn resource_ref(&mut self, sym: &str, path: &str, index: Option<TfExpr>) -> TfExpr {
        let path = if path.is_empty() { "id" } else { path };
        let form = self.forms.get(sym).cloned();
        let base = self.ref_base(sym, index.as_ref(), form.is_some());
        match form {
            Some(Form::Azurerm { variant, .. }) => {
                let r = self.resource(sym).cloned().unwrap_or_default();
                let v = &self.tables.types[&r.ty][variant];
                let attr = v.attributes.get(path).cloned().or_else(|| match path {
                    "id" | "name" => Some(path.to_string()),
                    "location" if v.location != Some(false) => Some("location".into()),
                    _ => None,
                });
                match attr {
                    // `tolist({}.address_space)[0]`: the attribute wraps the address.
                    Some(a) if a.contains("{}") => TfExpr::r(a.replace("{}", &base)),
                    Some(a) => TfExpr::r(format!("{base}.{a}")),
                    None => {
                        self.missing
                            .entry(sym.to_string())
                            .or_insert_with(|| path.to_string());
                        TfExpr::r(format!("{base}.id"))
                    }
                }
            }
            Some(Form::Azapi { .. }) => match path {
                "id" | "name" | "location" => TfExpr::r(format!("{base}.{path}")),
                _ => {
                    let clean = path.replace("[0]", "");
                    self.exports
                        .entry(sym.to_string())
                        .or_default()
                        .insert(clean);
                    TfExpr::r(azapi_output(&base, path))
                }
            },
            Some(Form::Update { .. }) => TfExpr::r(format!("{base}.id")),
            Some(Form::Merged { parent, .. }) => {
                // A block of its parent: the parent's id stands for it.
                self.missing
                    .entry(sym.to_string())
                    .or_insert_with(|| path.to_string());
                self.resource_ref(&parent, "id", None)
            }
            None => TfExpr::Null,
        }
    }

    /// The address of the instance of `sym` a reference means: the indexed copy, the
    /// copy of the current loop, or the resource itself.
    fn ref_base(&mut self, sym: &str, index: Option<&TfExpr>, has_form: bool) -> String {
        match (index, has_form) {
            (Some(ix), true) => match self.address(sym) {
                Some(a) => {
                    let key = self.copy_key(sym, ix);
                    format!("{a}[{}]", super::hcl::inline(&key))
                }
                None => String::new(),
            },
            // A copy of a resource looped like the current one: the same copy.
            (None, true) if self.same_loop(sym) => {
                let key = self
                    .current_loop
                    .as_ref()
                    .map(|(_, k)| super::hcl::inline(k))
                    .unwrap_or_default();
                format!("{}[{key}]", self.address(sym).unwrap_or_default())
            }
            _ => self.instance(sym).unwrap_or_default(),
        }
    }

    /// The key of copy `ix` of a looped resource: a set-based `for_each` is keyed by the
    /// element, so position k is `list[k]`.
    fn copy_key(&mut self, sym: &str, ix: &TfExpr) -> TfExpr {
        // A set-based for_each is keyed by the element: position k is `list[k]`.
        match (self.resource(sym).and_then(|r| r.for_each.clone()), ix) {
            (Some((_, coll)), TfExpr::Num(_)) => match loop_kind(&coll) {
                LoopKind::List(AzExpr::Array(items)) => {
                    let k: usize = super::hcl::inline(ix).parse().unwrap_or(0);
                    items.get(k).map(|e| self.expr(e)).unwrap_or(ix.clone())
                }
                LoopKind::List(l) => {
                    let l = self.expr(&l);
                    TfExpr::Index(
                        Box::new(TfExpr::call("tolist", vec![l])),
                        Box::new(ix.clone()),
                    )
                }
                _ => ix.clone(),
            },
            _ => ix.clone(),
        }
    }

    fn rg(&mut self, attr: &str) -> TfExpr {
        self.needs_rg = true;
        TfExpr::r(format!("data.azurerm_resource_group.main.{attr}"))
    }

    /// A chain `sym.a.b[0]` → (root ident, path, index of the root).
    fn chain(e: &AzExpr) -> Option<(String, String, Option<AzExpr>)> {
        match e {
            AzExpr::Ident(i) => Some((i.clone(), String::new(), None)),
            AzExpr::Member(b, m) => {
                let (root, path, ix) = Self::chain(b)?;
                Some((root, join(&path, m), ix))
            }
            AzExpr::Index(b, i) => {
                let (root, path, ix) = Self::chain(b)?;
                match (path.is_empty(), ix.is_none(), i.as_ref()) {
                    (true, true, _) => Some((root, path, Some((**i).clone()))),
                    (false, _, AzExpr::Int(n)) => Some((root, format!("{path}[{n}]"), ix)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Bicep-flavoured expression → Terraform.
    fn expr(&mut self, e: &AzExpr) -> TfExpr {
        let bx = Box::new;
        // Resource, parameter and built-in references first.
        if let Some(t) = self.reference(e) {
            return t;
        }
        match e {
            AzExpr::Null => TfExpr::Null,
            AzExpr::Bool(b) => TfExpr::Bool(*b),
            AzExpr::Int(i) => TfExpr::Num(i.to_string()),
            AzExpr::Num(n) => TfExpr::Num(n.clone()),
            AzExpr::Str(s) => TfExpr::Str(s.clone()),
            AzExpr::Raw(r) => TfExpr::r(r.clone()),
            // Only the Bicep lowering makes lambdas.
            AzExpr::Lambda(..) => TfExpr::Null,
            // Terraform-only forms are written as they were.
            AzExpr::TfOnly(t) => match &t.form {
                TfForm::Call(f) => self.call(&format!("tf:{f}"), &t.args),
                TfForm::For => self.call("tf:for", &t.args),
                TfForm::Ref { text, .. } => TfExpr::r(text.clone()),
                TfForm::CondSplat => self.call("__cond_splat", &t.args),
                // Terraform converts numbers itself; other types are converted explicitly.
                TfForm::Coerce(ty) if ty == "int" => match t.args.first() {
                    Some(x) => self.expr(x),
                    None => TfExpr::Null,
                },
                TfForm::Coerce(ty) => self.call(ty, &t.args),
            },
            AzExpr::Array(a) => TfExpr::Array(a.iter().map(|x| self.expr(x)).collect()),
            AzExpr::Object(m) => self.object(m),
            AzExpr::Ident(i) => self.ident(i),
            AzExpr::Member(b, m) => {
                let base = self.expr(b);
                TfExpr::Member(bx(base), m.clone())
            }
            AzExpr::Index(b, i) => {
                let (b, i) = (self.expr(b), self.expr(i));
                TfExpr::Index(bx(b), bx(i))
            }
            AzExpr::Interp(parts) => TfExpr::Template(
                parts
                    .iter()
                    .map(|p| match p {
                        Interp::Lit(l) => Part::Lit(l.clone()),
                        Interp::Expr(x) => Part::Expr(self.expr(x)),
                    })
                    .collect(),
            ),
            AzExpr::Cond(c, a, b) => {
                let (c, a, b) = (self.expr(c), self.expr(a), self.expr(b));
                TfExpr::Cond(bx(c), bx(a), bx(b))
            }
            AzExpr::Bin("??", a, b) if matches!(a.as_ref(), AzExpr::Call(f, x) if f == "tryGet" && x.len() == 2) =>
            {
                let AzExpr::Call(_, x) = a.as_ref() else {
                    unreachable!()
                };
                let (m, k, d) = (self.expr(&x[0]), self.expr(&x[1]), self.expr(b));
                TfExpr::call("lookup", vec![m, k, d])
            }
            AzExpr::Bin("??", a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                TfExpr::call("try", vec![a, b])
            }
            AzExpr::Bin(op, a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                TfExpr::Bin(op.to_string(), bx(a), bx(b))
            }
            AzExpr::Not(a) => TfExpr::Not(bx(self.expr(a))),
            AzExpr::For(v, c, b) => self.for_expr(v, c, b),
            AzExpr::Call(f, args) => self.call(f, args),
        }
    }

    /// A chain rooted in a built-in, a module call's outputs, a resource or a loop
    /// variable → its Terraform reference.
    fn reference(&mut self, e: &AzExpr) -> Option<TfExpr> {
        let bx = Box::new;
        // `x.listCallbackUrl().value`: a resource function's result the table maps to an
        // attribute (a Request trigger's `callback_url`).
        if let AzExpr::Member(b, m) = e
            && let AzExpr::Call(f, args) = b.as_ref()
            && args.is_empty()
            && let Some((sym, func)) = f.split_once('.')
            && let Some(Form::Azurerm { variant, .. }) = self.forms.get(sym).cloned()
            && let Some(r) = self.resource(sym)
            && self.tables.types[&r.ty][variant]
                .attributes
                .contains_key(&format!("{func}().{m}"))
        {
            return Some(self.resource_ref(sym, &format!("{func}().{m}"), None));
        }
        let (root, path, ix) = Self::chain(e)?;
        if let Some(t) = self.builtin(&root, &path) {
            return Some(t);
        }
        if let Some(out) = path.strip_prefix("outputs.")
            && ix.is_none()
            && let Some(c) = self.m.calls.iter().find(|c| c.symbol == root)
        {
            let out = c.tf_outputs.get(out).map_or(out, String::as_str);
            return Some(TfExpr::r(format!("module.{}.{out}", snake(&root))));
        }
        if self.forms.contains_key(&root) {
            let ix = ix.map(|i| self.expr(&i));
            // `sym.properties.x[0]` with no attribute for the indexed path: index the list.
            return Some(self.resource_ref(&root, &path, ix));
        }
        let (_, t) = self
            .loop_vars
            .iter()
            .rev()
            .find(|(v, _)| *v == root)
            .cloned()?;
        let mut out = t;
        if let Some(i) = ix {
            out = TfExpr::Index(bx(out), bx(self.expr(&i)));
        }
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            out = TfExpr::Member(bx(out), seg.to_string());
        }
        Some(out)
    }

    /// An object: with plain keys, or with computed ones.
    fn object(&mut self, m: &[(AzKey, AzExpr)]) -> TfExpr {
        if m.iter().all(|(k, _)| matches!(k, AzKey::Name(_))) {
            TfExpr::Object(
                m.iter()
                    .map(|(k, v)| match k {
                        AzKey::Name(n) => (n.clone(), self.expr(v)),
                        AzKey::Expr(_) => unreachable!(),
                    })
                    .collect(),
            )
        } else {
            TfExpr::ObjectExprKeys(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            AzKey::Name(n) => TfExpr::Str(n.clone()),
                            AzKey::Expr(x) => self.expr(x),
                        };
                        (key, self.expr(v))
                    })
                    .collect(),
            )
        }
    }

    /// A bare name: a parameter (`var.`/`local.`), a variable (`local.`), else its snake name.
    fn ident(&mut self, i: &str) -> TfExpr {
        if let Some((name, via_local)) = self.params.get(i).cloned() {
            return TfExpr::r(if via_local {
                format!("local.{name}")
            } else {
                format!("var.{name}")
            });
        }
        if let Some(n) = self.vars.get(i) {
            return TfExpr::r(format!("local.{n}"));
        }
        TfExpr::r(snake(i))
    }

    /// `[for v in c: b]` → a Terraform `for`, `v` in scope while the body lowers.
    fn for_expr(&mut self, v: &str, c: &AzExpr, b: &AzExpr) -> TfExpr {
        let coll = self.expr(c);
        // `(item, index)`: Terraform names the index first.
        let (v, index) = crate::azure::for_vars(v);
        let var = snake(v);
        self.loop_vars.push((v.to_string(), TfExpr::r(var.clone())));
        if let Some(ix) = index {
            self.loop_vars.push((ix.to_string(), TfExpr::r(snake(ix))));
        }
        let body = self.expr(b);
        self.loop_vars.pop();
        if index.is_some() {
            self.loop_vars.pop();
        }
        TfExpr::For {
            key_var: index.map(snake),
            var,
            coll: Box::new(coll),
            key: None,
            body: Box::new(body),
            cond: None,
            grouping: false,
        }
    }

    /// `resourceGroup().location`, `subscription().subscriptionId`, …
    fn builtin(&mut self, root: &str, path: &str) -> Option<TfExpr> {
        Some(match (root, path) {
            ("resourceGroup()", "location") => self.rg("location"),
            ("resourceGroup()", "id") => self.rg("id"),
            ("resourceGroup()", "name") => self.rg("name"),
            ("subscription()", "subscriptionId") => {
                self.needs_client = true;
                TfExpr::r("data.azurerm_client_config.current.subscription_id")
            }
            ("subscription()" | "tenant()", "tenantId") => {
                self.needs_client = true;
                TfExpr::r("data.azurerm_client_config.current.tenant_id")
            }
            ("subscription()", "id") => {
                self.needs_subscription = true;
                TfExpr::r("data.azurerm_subscription.current.id")
            }
            ("deployment()", "name") => TfExpr::r("path.module"),
            ("environment()", "name") => TfExpr::s("AzureCloud"),
            ("environment()", "suffixes.storage") => TfExpr::s("core.windows.net"),
            _ => return None,
        })
    }

    fn call(&mut self, f: &str, args: &[AzExpr]) -> TfExpr {
        let a: Vec<TfExpr> = args.iter().map(|x| self.expr(x)).collect();
        match f {
            "uniqueString" | "guid" => hash_call(f, a),
            "empty" | "first" | "last" | "union" | "intersection" | "tryGet" | "indexOf"
            | "items" | "range" => collection_call(f, args, a),
            "cidrSubnet" => self.cidr_subnet(args, a),
            "subscriptionResourceId" => {
                self.needs_subscription = true;
                resource_id(TfExpr::r("data.azurerm_subscription.current.id"), &a)
            }
            "resourceId" => {
                // The id of a resource of the module (a load balancer's pool written as a
                // resource of its own): a reference, so Terraform orders the two.
                if let Some(sym) = self.module_resource_of(args) {
                    return self.expr(&AzExpr::path(&sym, "id"));
                }
                let rg = self.rg("id");
                resource_id(rg, &a)
            }
            // A Terraform `for` kept as written: [key var, value var, coll, key, value, cond, grouping].
            "tf:for" if a.len() == 7 => tf_for(args, &a),
            "format" => format_call(args, a),
            _ => renamed_call(f, args, a),
        }
    }

    /// `cidrSubnet(net, newPrefixLength, i)` → `cidrsubnet(net, newbits, i)`.
    fn cidr_subnet(&mut self, args: &[AzExpr], a: Vec<TfExpr>) -> TfExpr {
        let c = TfExpr::call;
        // cidrSubnet(net, newPrefixLength, i) → cidrsubnet(net, newbits, i); a length
        // written as `prefix length + bits` gives the bits back.
        let plen_of = |x: &AzExpr| matches!(x, AzExpr::Call(f, _) if f == "int");
        let bits = match (args.first(), args.get(1)) {
            (Some(AzExpr::Str(net)), Some(AzExpr::Int(len))) => net
                .split('/')
                .nth(1)
                .and_then(|p| p.parse::<i64>().ok())
                .map(|p| TfExpr::Num((len - p).to_string())),
            (_, Some(AzExpr::Bin("+", l, b))) if plen_of(l) => Some(self.expr(b)),
            _ => None,
        };
        let bits = bits.unwrap_or_else(|| {
            TfExpr::Bin(
                "-".into(),
                Box::new(arg(&a, 1)),
                Box::new(c(
                    "tonumber",
                    vec![TfExpr::Index(
                        Box::new(c("split", vec![TfExpr::s("/"), arg(&a, 0)])),
                        Box::new(TfExpr::Num("1".into())),
                    )],
                )),
            )
        });
        c("cidrsubnet", vec![arg(&a, 0), bits, arg(&a, 2)])
    }

    /// The module resource (written once, unconditionally) that `resourceId(type, names…)`
    /// names, when every argument is literal: its type, its name and its parents' names.
    fn module_resource_of(&self, args: &[AzExpr]) -> Option<String> {
        let texts: Vec<&str> = args
            .iter()
            .map(|a| match a {
                AzExpr::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        let (ty, names) = texts.split_first()?;
        if ty.split('/').count() != names.len() + 1 {
            return None;
        }
        self.m
            .resources
            .iter()
            .find(|r| {
                !r.existing
                    && r.condition.is_none()
                    && r.for_each.is_none()
                    && r.ty.eq_ignore_ascii_case(ty)
                    && self.names_chain(r, names)
            })
            .map(|r| r.symbol.clone())
    }

    /// Are `names` the names of `r`'s ancestors then `r` (outermost first)?
    fn names_chain(&self, r: &AzResource, names: &[&str]) -> bool {
        let Some((last, rest)) = names.split_last() else {
            return false;
        };
        if !matches!(&r.name, AzExpr::Str(n) if n == last) {
            return false;
        }
        match (&r.parent, rest.is_empty()) {
            (None, true) => true,
            (Some(p), false) => self
                .m
                .resources
                .iter()
                .find(|x| x.symbol == *p)
                .is_some_and(|x| self.names_chain(x, rest)),
            _ => false,
        }
    }

    /// Applies the rules of a variant at `base` (an object), writing items into `out`.
    /// `prefix` is the base's path from the resource root, for coverage.
    fn rules(
        &mut self,
        r: &AzResource,
        rules: &[Rule],
        base: &AzExpr,
        prefix: &str,
        consumed: &mut BTreeSet<String>,
        out: &mut Vec<Item>,
    ) -> Result<(), String> {
        let mut blocks = Vec::new();
        for rule in rules {
            if let Some(c) = &rule.when
                && !cond_holds(c, base)
            {
                continue;
            }
            if rule.block.is_some() {
                blocks.extend(self.block_rule(r, rule, base, prefix, consumed)?);
                continue;
            }
            let Some(arg) = &rule.arg else { continue };
            let value = self.rule_value(r, rule, base, prefix, consumed)?;
            // A `pluck` that finds no entry (an empty backend pool) sets nothing.
            let value = match value {
                Some(TfExpr::Array(v))
                    if v.is_empty() && rule.transform.as_deref() == Some("pluck") =>
                {
                    continue;
                }
                other => other,
            };
            // A key-value with no label sets none.
            if matches!(value, Some(TfExpr::Null))
                && rule.transform.as_deref() == Some("app_config_label")
            {
                continue;
            }
            let value = match (value, &rule.default) {
                (Some(v), _) => v,
                (None, Some(d)) => yaml_to_tf(d),
                (None, None) if rule.required => {
                    return Err(format!(
                        "`{}` is missing (azurerm requires `{arg}`)",
                        join(prefix, &rule.from.clone().unwrap_or_default())
                    ));
                }
                (None, None) => continue,
            };
            out.push(Item::Attr(arg.clone(), value));
        }
        out.extend(blocks);
        Ok(())
    }

    /// The blocks a block rule writes: one, or one per element of a literal list (`each`).
    fn block_rule(
        &mut self,
        r: &AzResource,
        rule: &Rule,
        base: &AzExpr,
        prefix: &str,
        consumed: &mut BTreeSet<String>,
    ) -> Result<Vec<Item>, String> {
        let mut blocks = Vec::new();
        let Some(name) = &rule.block else {
            return Ok(blocks);
        };
        let (inner_base, inner_prefix) = match &rule.from {
            Some(p) => (get(base, p).cloned(), join(prefix, p)),
            None => (Some(base.clone()), prefix.to_string()),
        };
        let Some(inner) = inner_base else {
            return Ok(blocks);
        };
        if matches!(inner, AzExpr::Null) {
            return Ok(blocks);
        }
        // An object keyed by name is only ever split into child resources: what is left
        // here (an empty object, members the split refused) reads nothing.
        if rule.split.is_some() && matches!(inner, AzExpr::Object(_)) {
            return Ok(blocks);
        }
        if rule.members {
            if matches!(inner, AzExpr::Object(_) | AzExpr::Array(_)) || is_constant(&inner) {
                return Ok(blocks);
            }
            let e = self.expr(&inner);
            let mut b = Block::new(name, &[]);
            for a in &rule.args {
                let (Some(arg), Some(from)) = (&a.arg, &a.from) else {
                    return Err(format!("`{inner_prefix}` is an expression"));
                };
                let member = from
                    .split('.')
                    .fold(e.clone(), |x, m| TfExpr::Member(Box::new(x), m.to_string()));
                b.attr(arg, member);
            }
            consumed.insert(inner_prefix);
            blocks.push(Item::Block(b));
            return Ok(blocks);
        }
        if rule.each {
            // A literal list, or the `concat` of literal lists, conditional elements
            // (`c ? [x] : []`) and `for` expressions: the last two become `dynamic` blocks.
            let parts: Vec<&AzExpr> = match &inner {
                AzExpr::Call(f, a) if f == "concat" => a.iter().collect(),
                other => vec![other],
            };
            // Values of the elements an association reads (`list[].path`).
            let assoc: Vec<String> = self
                .variant(r)
                .map(|(_, v)| v.associations.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.from.strip_prefix(&format!("{inner_prefix}[].")))
                .map(str::to_string)
                .collect();
            for part in parts {
                match part {
                    AzExpr::Array(items) => {
                        for it in items {
                            let ty = block_name(rule, name, it, &inner_prefix)?;
                            let b = self.element_block(r, rule, &ty, it, &inner_prefix, &assoc)?;
                            blocks.push(Item::Block(b));
                        }
                    }
                    _ if rule.transform.as_deref() == Some("block_per_key") => {
                        return Err(format!("`{inner_prefix}` is not a literal list"));
                    }
                    AzExpr::Cond(c, then, other)
                        if matches!(other.as_ref(), AzExpr::Array(x) if x.is_empty())
                            && matches!(then.as_ref(), AzExpr::Array(x) if x.len() == 1) =>
                    {
                        let AzExpr::Array(x) = then.as_ref() else {
                            unreachable!()
                        };
                        let cond = self.expr(c);
                        let for_each = TfExpr::Cond(
                            Box::new(cond),
                            Box::new(TfExpr::Array(vec![TfExpr::Num("1".into())])),
                            Box::new(TfExpr::Array(Vec::new())),
                        );
                        let content =
                            self.element_block(r, rule, "content", &x[0], &inner_prefix, &assoc)?;
                        blocks.push(Item::Block(dynamic(name, for_each, content)));
                    }
                    AzExpr::For(v, coll, body) => {
                        // In a `dynamic` block the iterator (the block's name) holds the
                        // position (`key`) and the element (`value`).
                        let (item, index) = crate::azure::for_vars(v);
                        // Over `items(map)` the block iterates the map itself: the iterator
                        // is the item ({key, value}) and the position is the key's.
                        let (for_each, it, pos) = match coll.as_ref() {
                            AzExpr::Call(f, a) if f == "items" && a.len() == 1 => {
                                let m = self.expr(&a[0]);
                                let pos = TfExpr::call(
                                    "index",
                                    vec![
                                        TfExpr::call("keys", vec![m.clone()]),
                                        TfExpr::r(format!("{name}.key")),
                                    ],
                                );
                                (m, TfExpr::r(name.clone()), pos)
                            }
                            other => (
                                self.expr(other),
                                TfExpr::r(format!("{name}.value")),
                                TfExpr::r(format!("{name}.key")),
                            ),
                        };
                        self.loop_vars.push((item.to_string(), it));
                        if let Some(ix) = index {
                            self.loop_vars.push((ix.to_string(), pos));
                        }
                        let content =
                            self.element_block(r, rule, "content", body, &inner_prefix, &assoc);
                        self.loop_vars.pop();
                        if index.is_some() {
                            self.loop_vars.pop();
                        }
                        blocks.push(Item::Block(dynamic(name, for_each, content?)));
                    }
                    _ => return Err(format!("`{inner_prefix}` is not a literal list")),
                }
            }
            consumed.insert(inner_prefix);
        } else {
            // `where` on a single block: the condition its value must meet (its path read).
            if let Some(w) = &rule.where_ {
                if !cond_holds(w, &inner) {
                    let found = get(&inner, &w.path)
                        .and_then(literal_text)
                        .unwrap_or_else(|| "an expression or missing".into());
                    return Err(format!(
                        "`{}` = {found} has no azurerm block",
                        join(&inner_prefix, &w.path)
                    ));
                }
                consumed.insert(join(&inner_prefix, &w.path));
            }
            let mut b = Block::new(name, &[]);
            self.rules(r, &rule.args, &inner, &inner_prefix, consumed, &mut b.items)?;
            blocks.push(Item::Block(b));
        }
        Ok(blocks)
    }

    /// One element of an `each` block rule as block `ty`, every value of it read by a rule.
    fn element_block(
        &mut self,
        r: &AzResource,
        rule: &Rule,
        ty: &str,
        it: &AzExpr,
        inner_prefix: &str,
        assoc: &[String],
    ) -> Result<Block, String> {
        let mut local: BTreeSet<String> = assoc
            .iter()
            .filter(|p| get(it, p).is_some())
            .cloned()
            .collect();
        local.extend(rule.ignore.iter().cloned());
        if rule.transform.as_deref() == Some("block_per_key")
            && let Some(k) = &rule.key
        {
            local.insert(k.clone());
        }
        if let Some(w) = &rule.where_ {
            if !cond_holds(w, it) {
                let found = get(it, &w.path)
                    .and_then(literal_text)
                    .unwrap_or_else(|| "an expression".into());
                return Err(format!(
                    "`{}` = {found} has no azurerm block",
                    join(inner_prefix, &w.path)
                ));
            }
            local.insert(w.path.clone());
        }
        let mut b = Block::new(ty, &[]);
        self.rules(r, &rule.args, it, "", &mut local, &mut b.items)?;
        let mut lv = Vec::new();
        leaves(it, "", &mut lv);
        if let Some(l) = lv.iter().find(|l| !covered(l, &local)) {
            return Err(format!(
                "`{}` has no azurerm argument",
                join(inner_prefix, l)
            ));
        }
        Ok(b)
    }

    /// The value of an argument rule: its fixed value, a parent's attribute
    /// (`parent.parent.id`), or the property at `from` (marked consumed).
    fn rule_value(
        &mut self,
        r: &AzResource,
        rule: &Rule,
        base: &AzExpr,
        prefix: &str,
        consumed: &mut BTreeSet<String>,
    ) -> Result<Option<TfExpr>, String> {
        Ok(match (&rule.value, &rule.from) {
            (Some(v), _) => Some(yaml_to_tf(v)),
            // The resource group deployed to (an assignment scoped to it).
            (None, Some(p)) if p == "resourceGroup().id" => Some(self.rg("id")),
            (None, Some(p)) if p.starts_with("parent.") => {
                let mut sym = r.symbol.clone();
                let mut rest = p.as_str();
                while let Some(x) = rest.strip_prefix("parent.") {
                    sym = self
                        .resource(&sym)
                        .and_then(|x| x.parent.clone())
                        .unwrap_or_default();
                    rest = x;
                }
                if sym.is_empty() {
                    None
                } else {
                    Some(self.resource_ref(&sym, rest, None))
                }
            }
            (None, Some(p)) => {
                let v = get(base, p).filter(|v| !matches!(v, AzExpr::Null));
                if v.is_some() {
                    consumed.insert(join(prefix, p));
                }
                match v {
                    None => None,
                    Some(v) if literal_text(v).is_none() && rule.prefix.is_some() => {
                        Some(self.prefixed(rule, v, base, prefix, consumed)?)
                    }
                    Some(v) => Some(self.value(rule, v, &join(prefix, p))?),
                }
            }
            (None, None) => None,
        })
    }

    /// `<prefix>_<value>` for an expression value of a rule with `prefix` (see [`Prefix`]).
    fn prefixed(
        &mut self,
        rule: &Rule,
        v: &AzExpr,
        base: &AzExpr,
        prefix: &str,
        consumed: &mut BTreeSet<String>,
    ) -> Result<TfExpr, String> {
        let Some(px) = &rule.prefix else {
            return Err(format!("`{prefix}` has no prefix rule"));
        };
        let path = join(prefix, &px.from);
        let Some(by) = get(base, &px.from) else {
            return Err(format!("`{path}` is missing (it gives the prefix)"));
        };
        consumed.insert(path.clone());
        let head = match literal_text(by) {
            Some(t) => TfExpr::Str(
                px.map
                    .get(&t)
                    .cloned()
                    .ok_or_else(|| format!("`{path}` = {t} has no prefix"))?,
            ),
            None => TfExpr::Index(
                Box::new(TfExpr::Object(
                    px.map
                        .iter()
                        .map(|(k, v)| (k.clone(), TfExpr::s(v.clone())))
                        .collect(),
                )),
                Box::new(self.expr(by)),
            ),
        };
        let value = self.expr(v);
        Ok(TfExpr::Template(vec![
            Part::Expr(head),
            Part::Lit("_".into()),
            Part::Expr(value),
        ]))
    }

    fn value(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        if rule.transform.as_deref() == Some("app_setting") {
            return self.app_setting(rule, v, path);
        }
        if let Some(map) = &rule.map {
            let text = literal_text(v).ok_or_else(|| format!("`{path}` is an expression"))?;
            return map
                .get(&text)
                .map(yaml_to_tf)
                .ok_or_else(|| format!("`{path}` = {text} has no azurerm value"));
        }
        match rule.transform.as_deref() {
            None => Ok(self.expr(v)),
            Some("split") => {
                let sep = rule.sep.clone().unwrap_or_else(|| "_".into());
                if let AzExpr::Interp(parts) = v {
                    // `/home/${user}/.ssh/…`: split the literal parts; a segment may hold
                    // expressions as long as no separator is inside one.
                    return split_interp(parts, &sep, rule.index.unwrap_or(0))
                        .map(|seg| self.expr(&seg))
                        .ok_or_else(|| format!("`{path}` cannot be split"));
                }
                let text = literal_text(v).ok_or_else(|| format!("`{path}` is an expression"))?;
                text.split(sep.as_str())
                    .nth(rule.index.unwrap_or(0))
                    .map(|s| TfExpr::Str(s.to_string()))
                    .ok_or_else(|| format!("`{path}` = {text} cannot be split"))
            }
            Some("name_value_map") => self.name_value_map(rule, v, path),
            Some("bool_string") => match literal_text(v).as_deref() {
                Some("true") => Ok(TfExpr::Bool(true)),
                Some("false") => Ok(TfExpr::Bool(false)),
                _ => Err(format!("`{path}` is not a literal boolean")),
            },
            Some("first") => match v {
                AzExpr::Array(items) if !items.is_empty() => Ok(self.expr(&items[0])),
                _ => Err(format!("`{path}` is not a literal list")),
            },
            // A one-element list → its element (a TXT record's strings, which azurerm
            // takes as one value); any other length fails rather than drop or join values.
            Some("only") => match v {
                AzExpr::Array(items) if items.len() == 1 => Ok(self.expr(&items[0])),
                AzExpr::Array(_) => Err(format!("`{path}` holds more than one value")),
                _ => Err(format!("`{path}` is not a literal list")),
            },
            Some("list") => match v {
                AzExpr::Array(_) => Ok(self.expr(v)),
                _ => Ok(TfExpr::Array(vec![self.expr(v)])),
            },
            Some("number") => self.number(v, path),
            // An object ARM takes as JSON where azurerm takes its text (an API schema's
            // components).
            Some("json") => Ok(TfExpr::call("jsonencode", vec![self.expr(v)])),
            Some("ids") => self.ids(v, path),
            Some("pluck") => self.pluck(rule, v, path),
            Some("field_equals") => self.field_equals(rule, v, path),
            Some("resource_id_name") => self.resource_id_name(v, path),
            Some("dependency_ids") => self.dependency_ids(rule, v, path),
            Some("ref_id") => self.ref_id(rule, v, path),
            Some("app_config_key") => Ok(self.app_config_key(v)),
            Some("app_config_label") => Ok(self.app_config_label(v)),
            Some("keys") => match v {
                AzExpr::Object(m) => Ok(TfExpr::Array(
                    m.iter()
                        .map(|(k, _)| match k {
                            AzKey::Name(n) => TfExpr::Str(n.clone()),
                            AzKey::Expr(x) => self.expr(x),
                        })
                        .collect(),
                )),
                _ => Err(format!("`{path}` is not a literal object")),
            },
            Some(other) => Err(format!("unknown transform {other}")),
        }
    }

    /// An App Configuration key-value's ARM name (`~2F` for `/`, `~7E` for `~`) → its
    /// key: a literal decoded, the `replace` call that encoded an expression removed, any
    /// other expression decoded by Terraform.
    fn app_config_key(&mut self, v: &AzExpr) -> TfExpr {
        let (key, _) = split_label(v);
        let v = &key;
        if let AzExpr::Interp(parts) = v {
            return self.app_config_pieces(parts);
        }
        if let AzExpr::Str(t) = v {
            return TfExpr::Str(t.replace("~2F", "/").replace("~7E", "~"));
        }
        if let AzExpr::Call(f, a) = v
            && f == "replace"
            && let [x, AzExpr::Str(from), AzExpr::Str(to)] = &a[..]
            && from == "/"
            && to == "~2F"
        {
            return self.expr(x);
        }
        let e = self.expr(v);
        let e = TfExpr::call("replace", vec![e, TfExpr::s("~2F"), TfExpr::s("/")]);
        TfExpr::call("replace", vec![e, TfExpr::s("~7E"), TfExpr::s("~")])
    }

    /// The label of an App Configuration key-value's ARM name (`key$label`), or null.
    fn app_config_label(&mut self, v: &AzExpr) -> TfExpr {
        match split_label(v) {
            (_, Some(label)) => self.expr(&label),
            (_, None) => TfExpr::Null,
        }
    }

    /// An interpolated App Configuration key (the ARM name's key part) → the key: `~2F`
    /// and `~7E` decoded in literal parts, the `replace` calls that escaped `/` removed.
    fn app_config_pieces(&mut self, parts: &[Interp]) -> TfExpr {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Interp::Lit(l) => out.push(Interp::Lit(l.replace("~2F", "/").replace("~7E", "~"))),
                Interp::Expr(AzExpr::Call(f, a))
                    if f == "replace"
                        && matches!(&a[..], [_, AzExpr::Str(from), AzExpr::Str(to)] if from == "/" && to == "~2F") =>
                {
                    out.push(Interp::Expr(a[0].clone()))
                }
                Interp::Expr(e) => out.push(Interp::Expr(e.clone())),
            }
        }
        self.expr(&crate::azure::interp(out))
    }

    /// `[{name, value}, …]` → an object of the names and values, without the names the
    /// rule's `ignore` leaves to arguments of their own (`app_setting`).
    fn name_value_map(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        match v {
            AzExpr::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    let (Some(AzExpr::Str(n)), Some(val)) = (it.get("name"), it.get("value"))
                    else {
                        return Err(format!("`{path}` holds an entry without a literal name"));
                    };
                    if rule.ignore.contains(n) {
                        continue;
                    }
                    out.push((n.clone(), self.expr(val)));
                }
                Ok(TfExpr::Object(out))
            }
            _ => Err(format!("`{path}` is not a literal list")),
        }
    }

    /// The value of the setting named `key` in `[{name, value}, …]` (an app setting azurerm
    /// takes as an argument of its own: `functions_extension_version`), through the rule's
    /// `map` when it has one; a missing setting, or a value the map does not hold, fails.
    fn app_setting(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        let Some(key) = rule.key.as_deref() else {
            return Err(format!("`{path}`: app_setting needs a key"));
        };
        let AzExpr::Array(items) = v else {
            return Err(format!("`{path}` is not a literal list"));
        };
        let value = items
            .iter()
            .find(|it| matches!(it.get("name"), Some(AzExpr::Str(n)) if n == key))
            .and_then(|it| it.get("value"))
            .ok_or_else(|| format!("`{path}` has no `{key}` setting"))?;
        match &rule.map {
            Some(map) => {
                let text = literal_text(value)
                    .ok_or_else(|| format!("`{path}`: `{key}` is an expression"))?;
                map.get(&text)
                    .map(yaml_to_tf)
                    .ok_or_else(|| format!("`{path}`: `{key}` = {text} has no azurerm value"))
            }
            None => Ok(self.expr(value)),
        }
    }

    /// A number ARM writes as text (an autoscale capacity: `'2'`, `string(param)`): a
    /// numeric literal as a number, `string(x)` as `x`; another expression is kept (Terraform
    /// converts a numeric string to a number argument).
    fn number(&mut self, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        match v {
            AzExpr::Int(_) | AzExpr::Num(_) => Ok(self.expr(v)),
            AzExpr::Str(s) if numeric(s) => Ok(TfExpr::Num(s.trim().to_string())),
            AzExpr::Str(s) => Err(format!("`{path}` = {s} is not a number")),
            AzExpr::Call(f, a) if f == "string" && a.len() == 1 => Ok(self.expr(&a[0])),
            AzExpr::Bool(_) | AzExpr::Null | AzExpr::Array(_) | AzExpr::Object(_) => {
                Err(format!("`{path}` is not a number"))
            }
            _ => Ok(self.expr(v)),
        }
    }

    /// `[{field, equals}, …]` → the `equals` of the leaf whose `field` is the rule's `key`
    /// (an activity log alert's condition). Every leaf must be `{field, equals}` with a
    /// literal field that is `key` or one the rule's `ignore` leaves to another rule; an
    /// `anyOf` or any other member fails, as does a missing `key`.
    fn field_equals(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        let Some(key) = rule.key.as_deref() else {
            return Err(format!("`{path}`: field_equals needs a key"));
        };
        let AzExpr::Array(items) = v else {
            return Err(format!("`{path}` is not a literal list"));
        };
        let mut found = None;
        for it in items {
            let AzExpr::Object(m) = it else {
                return Err(format!("`{path}` holds an entry that is not a condition"));
            };
            if it.get("anyOf").is_some() {
                return Err(format!(
                    "`{path}` holds an `anyOf` condition (one of several values), which azurerm's criteria cannot hold"
                ));
            }
            let (Some(AzExpr::Str(field)), Some(value), 2) =
                (it.get("field"), it.get("equals"), m.len())
            else {
                return Err(format!(
                    "`{path}` holds a condition other than {{field, equals}}"
                ));
            };
            if field.eq_ignore_ascii_case(key) {
                found = Some(self.expr(value));
            } else if !rule.ignore.iter().any(|i| i.eq_ignore_ascii_case(field)) {
                return Err(format!(
                    "`{path}` tests `{field}`, which azurerm's criteria do not take here"
                ));
            }
        }
        found.ok_or_else(|| format!("`{path}` has no `{key}` condition"))
    }

    /// `[{<key>: x}, …]` → `[x, …]`: the `key` member of each entry. An entry must be a
    /// one-member object; one whose member the rule's `ignore` names is left to another
    /// rule over the same list (a backend pool's `fqdn` and `ipAddress` entries), any
    /// other fails.
    fn pluck(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        let Some(key) = rule.key.as_deref() else {
            return Err(format!("`{path}`: pluck needs a key"));
        };
        // `[for x in xs: {<key>: x}]`: the list `xs` itself.
        if let AzExpr::For(var, coll, body) = v
            && let AzExpr::Object(m) = body.as_ref()
            && let [(AzKey::Name(n), AzExpr::Ident(x))] = m.as_slice()
            && n == key
            && x == var
        {
            return Ok(self.expr(coll));
        }
        let AzExpr::Array(items) = v else {
            return Err(format!("`{path}` is not a literal list"));
        };
        // A dotted key (`properties.privateDnsZoneId`) goes through objects that hold
        // nothing else; members the rule ignores may sit beside the first step.
        let mut steps = key.split('.');
        let first = steps.next().unwrap_or(key);
        let rest: Vec<&str> = steps.collect();
        let mut out = Vec::new();
        for it in items {
            let AzExpr::Object(m) = it else {
                return Err(format!("`{path}` holds an entry other than {{{key}}}"));
            };
            // A plain key: one member per entry (an entry with two is not one value).
            if rest.is_empty() && m.len() != 1 {
                return Err(format!("`{path}` holds an entry other than {{{key}}}"));
            }
            let mut found = None;
            for member in m {
                match member {
                    (AzKey::Name(n), x) if n == first && found.is_none() => found = Some(x),
                    (AzKey::Name(n), _) if rule.ignore.iter().any(|i| i == n) => {}
                    (AzKey::Name(n), _) => {
                        return Err(format!("`{path}` holds an entry with `{n}`"));
                    }
                    (AzKey::Expr(_), _) => {
                        return Err(format!("`{path}` holds an entry with a computed key"));
                    }
                }
            }
            let Some(mut x) = found else {
                if m.len() == 1 {
                    continue;
                }
                return Err(format!("`{path}` holds an entry without `{key}`"));
            };
            for step in &rest {
                x = match x {
                    AzExpr::Object(inner) if inner.len() == 1 => match &inner[0] {
                        (AzKey::Name(n), y) if n == step => y,
                        _ => return Err(format!("`{path}` holds an entry with more than `{key}`")),
                    },
                    _ => return Err(format!("`{path}` holds an entry with more than `{key}`")),
                };
            }
            out.push(self.expr(x));
        }
        Ok(TfExpr::Array(out))
    }

    /// The name an id names: the last name of a `resourceId(type, name…)` call with a
    /// literal type (an Application Gateway's parts refer to each other so), or the name
    /// of the module's resource whose `.id` it is (`api.id`). Anything else fails.
    fn resource_id_name(&mut self, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        match v {
            AzExpr::Call(f, a) if f == "resourceId" => {
                let segments = match a.first() {
                    Some(AzExpr::Str(ty)) => ty.split('/').count().saturating_sub(1),
                    _ => 0,
                };
                match a.last() {
                    Some(name) if segments > 0 && a.len() == segments + 1 => Ok(self.expr(name)),
                    _ => Err(format!("`{path}` is a resourceId without a literal type")),
                }
            }
            _ => match Self::chain(v) {
                Some((root, p, ix)) if p == "id" && self.forms.contains_key(&root) => {
                    let ix = ix.map(|i| self.expr(&i));
                    Ok(self.resource_ref(&root, "name", ix))
                }
                _ => Err(format!("`{path}` is not a resourceId or a resource's id")),
            },
        }
    }

    /// `<sep>${x.name}` (an API Management subscription's scope `/products/${plan.name}`)
    /// → `x.id`, for a resource `x` of the module; anything else fails.
    fn ref_id(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        let sep = rule.sep.as_deref().unwrap_or_default();
        // The member that names the resource: its `name` unless `key` says another
        // (a workspace's `properties.customerId` → the workspace's id).
        let member = rule.key.as_deref().unwrap_or("name");
        let target = match v {
            AzExpr::Interp(parts) => match parts.as_slice() {
                [Interp::Lit(l), Interp::Expr(x)] if l == sep => Some(x),
                [Interp::Expr(x)] if sep.is_empty() => Some(x),
                _ => None,
            },
            AzExpr::Member(..) if sep.is_empty() => Some(v),
            _ => None,
        };
        match target.and_then(Self::chain) {
            Some((root, p, ix)) if p == member && self.forms.contains_key(&root) => {
                let ix = ix.map(|i| self.expr(&i));
                Ok(self.resource_ref(&root, "id", ix))
            }
            _ => Err(format!("`{path}` is not `{sep}` and a resource's name")),
        }
    }

    /// `dependsOn` → the ids of the resources of ARM type `key` among them (a Front Door
    /// route's origins); none, or one that is repeated or conditional, fails.
    fn dependency_ids(&mut self, rule: &Rule, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        let ty = rule.key.as_deref().unwrap_or_default();
        let AzExpr::Array(items) = v else {
            return Err(format!("`{path}` is not a list of resources"));
        };
        let mut out = Vec::new();
        for it in items {
            let AzExpr::Ident(sym) = it else {
                return Err(format!("`{path}` holds an entry other than a resource"));
            };
            let Some(d) = self.resource(sym).filter(|d| d.ty == ty) else {
                continue;
            };
            if d.for_each.is_some() || d.condition.is_some() {
                return Err(format!("`{path}`: {sym} is repeated or conditional"));
            }
            out.push(self.expr(&AzExpr::path(sym, "id")));
        }
        if out.is_empty() {
            return Err(format!("`{path}` holds no {ty}"));
        }
        Ok(TfExpr::Array(out))
    }

    /// `[{id}, …]` → the list of ids.
    fn ids(&mut self, v: &AzExpr, path: &str) -> Result<TfExpr, String> {
        match v {
            AzExpr::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    // `{id, properties: {deleteOption: Delete}}` (a VM's NICs): Terraform
                    // deletes what it created anyway, so only the id matters.
                    let props_ok = match it.get("properties") {
                        None => true,
                        Some(AzExpr::Object(p)) => p.iter().all(|(k, v)| {
                            matches!(k, AzKey::Name(n) if n == "deleteOption")
                                && matches!(v, AzExpr::Str(x) if x == "Delete")
                        }),
                        Some(_) => false,
                    };
                    let keys = match it {
                        AzExpr::Object(m) => m.len(),
                        _ => 0,
                    };
                    let expected = 1 + usize::from(it.get("properties").is_some());
                    match it.get("id") {
                        Some(id) if props_ok && keys == expected => out.push(self.expr(id)),
                        _ => return Err(format!("`{path}` holds an entry other than {{id}}")),
                    }
                }
                Ok(TfExpr::Array(out))
            }
            _ => Err(format!("`{path}` is not a literal list")),
        }
    }

    /// The azurerm block of a resource, or the reason it cannot be one.
    fn azurerm_block(&mut self, r: &AzResource, v: &Variant) -> Result<Vec<Item>, String> {
        let mut root = view(r);
        let mut consumed: BTreeSet<String> = v.ignore.iter().cloned().collect();
        // The resources it depends on, for the `dependency_ids` transform: no ARM value,
        // so nothing needs to read it (Terraform writes `depends_on` itself).
        if let AzExpr::Object(m) = &mut root
            && !r.depends_on.is_empty()
        {
            let deps = r.depends_on.iter().cloned().map(AzExpr::Ident).collect();
            m.push((AzKey::Name("dependsOn".into()), AzExpr::Array(deps)));
            consumed.insert("dependsOn".into());
        }
        let mut items = Vec::new();
        if let Some(n) = &v.name {
            consumed.insert("name".into());
            let e = self.expr(&r.name);
            items.push(Item::Attr(n.clone(), e));
        }
        if v.resource_group && v.into_parent.is_none() {
            // A child of an existing parent read in another resource group goes there.
            let rg = match self.scoped_parent_group(r) {
                Some(g) => self.expr(&g),
                None => self.rg("name"),
            };
            items.push(Item::Attr("resource_group_name".into(), rg));
        }
        if let Some(l) = &r.location
            && v.location != Some(false)
        {
            consumed.insert("location".into());
            let e = self.expr(l);
            items.push(Item::Attr("location".into(), e));
        }
        self.rules(r, &v.args, &root, "", &mut consumed, &mut items)?;
        self.associations(r, v, &root, &mut consumed)?;
        if let Some(t) = &r.tags
            && v.tags != Some(false)
        {
            consumed.insert("tags".into());
            let e = self.expr(t);
            items.push(Item::Attr("tags".into(), e));
        }
        let mut lv = Vec::new();
        leaves(&root, "", &mut lv);
        lv.retain(|l| {
            !(v.empty.contains(l)
                && matches!(get(&root, l), Some(AzExpr::Object(m)) if m.is_empty()))
        });
        if let Some(l) = lv.iter().find(|l| !covered(l, &consumed)) {
            return Err(format!("`{l}` has no azurerm argument"));
        }
        // Attributes first, then blocks (the order `terraform fmt` users expect).
        let (attrs, blocks): (Vec<Item>, Vec<Item>) =
            items.into_iter().partition(|i| matches!(i, Item::Attr(..)));
        let mut out = attrs;
        let tags_pos = out
            .iter()
            .position(|i| matches!(i, Item::Attr(k, _) if k == "tags"));
        let tags = tags_pos.map(|p| out.remove(p));
        out.extend(blocks);
        out.extend(tags);
        Ok(out)
    }

    /// Settings azurerm keeps in association resources, written beside the resource.
    fn associations(
        &mut self,
        r: &AzResource,
        v: &Variant,
        root: &AzExpr,
        consumed: &mut BTreeSet<String>,
    ) -> Result<(), String> {
        for a in &v.associations {
            // A value set under a condition (`c ? {id = x} : null`): the association is
            // written under the same condition.
            let mut guard: Option<AzExpr> = None;
            let mut read = a.from.clone();
            // The `name` of the element each value comes from (`element_name`).
            let mut elements: Vec<AzExpr> = Vec::new();
            // `list[].path`: the values of every element of a literal list.
            let found: Option<AzExpr> = match a.from.split_once("[].") {
                Some((list, rest)) => match get(root, list) {
                    Some(AzExpr::Array(items)) => {
                        let mut vals = Vec::new();
                        for it in items {
                            let name = it.get("name").cloned().unwrap_or(AzExpr::Null);
                            match get(it, rest).filter(|x| !matches!(x, AzExpr::Null)) {
                                Some(AzExpr::Array(xs)) if a.each => {
                                    vals.extend(xs.iter().map(|x| (x.clone(), name.clone())))
                                }
                                Some(x) => vals.push((x.clone(), name)),
                                None => {}
                            }
                        }
                        let mut uniq: Vec<AzExpr> = Vec::new();
                        for (x, name) in vals {
                            // With element names, one value per element; else one in all.
                            let seen = if a.element_name.is_some() {
                                uniq.iter()
                                    .zip(&elements)
                                    .any(|(u, n)| *u == x && *n == name)
                            } else {
                                uniq.contains(&x)
                            };
                            if !seen {
                                uniq.push(x);
                                elements.push(name);
                            }
                        }
                        match (uniq.is_empty(), a.each) {
                            (true, _) => None,
                            (false, true) => Some(AzExpr::Array(uniq)),
                            (false, false) if uniq.len() == 1 => uniq.pop(),
                            (false, false) => {
                                return Err(format!("`{}` differs between elements", a.from));
                            }
                        }
                    }
                    _ => None,
                },
                None => match cond_get(root, &a.from) {
                    Some((v, Some((c, at)))) => {
                        guard = Some(c);
                        read = at;
                        Some(v)
                    }
                    Some((v, None)) => Some(v),
                    None => None,
                },
            };
            let Some(val) = found.as_ref().filter(|x| !matches!(x, AzExpr::Null)) else {
                continue;
            };
            let values: Vec<AzExpr> = if a.each {
                let AzExpr::Array(items) = val else {
                    return Err(format!("`{}` is not a literal list", a.from));
                };
                let mut out = Vec::new();
                for it in items {
                    match (it, it.get("id")) {
                        (AzExpr::Object(m), Some(id)) if m.len() == 1 => out.push(id.clone()),
                        _ => return Err(format!("`{}` holds an entry other than {{id}}", a.from)),
                    }
                }
                out
            } else {
                vec![val.clone()]
            };
            consumed.insert(read);
            // A repeated or conditional resource: the association is repeated the same way
            // and reads the same copy.
            let own = format!("{}.id", self.ref_base(&r.symbol, None, true));
            let meta = match guard {
                None => self.current_meta.clone(),
                Some(_) if r.for_each.is_some() => {
                    return Err(format!(
                        "`{}` is conditional in a repeated resource",
                        a.from
                    ));
                }
                Some(c) => {
                    let both = match &r.condition {
                        Some(rc) if *rc != c => {
                            AzExpr::Bin("&&", Box::new(rc.clone()), Box::new(c))
                        }
                        _ => c,
                    };
                    let c = self.expr(&both);
                    vec![Item::Attr(
                        "count".into(),
                        TfExpr::Cond(
                            Box::new(c),
                            Box::new(TfExpr::Num("1".into())),
                            Box::new(TfExpr::Num("0".into())),
                        ),
                    )]
                }
            };
            let base = self.tf_name(&r.symbol);
            let what = a.value.trim_end_matches("_id");
            for (k, value) in values.iter().enumerate() {
                let mut name = if values.len() > 1 {
                    format!("{base}_{what}_{k}")
                } else {
                    format!("{base}_{what}")
                };
                // Two associations of one resource with the same kind of value (a NIC in a
                // load balancer's pool and an Application Gateway's) keep distinct names.
                let taken = |n: &str, extra: &[Block]| {
                    extra
                        .iter()
                        .any(|b| b.labels.get(1).is_some_and(|l| l == n))
                };
                let first = name.clone();
                let mut n = 2;
                while taken(&name, &self.extra) {
                    name = format!("{first}_{n}");
                    n += 1;
                }
                let mut b = Block::new("resource", &[&a.resource, &name]);
                b.items.extend(meta.clone());
                b.attr(&a.self_arg, TfExpr::r(own.clone()));
                if let Some(arg) = &a.element_name {
                    match elements.get(k) {
                        Some(n) if !matches!(n, AzExpr::Null) => {
                            let n = self.expr(n);
                            b.attr(arg, n);
                        }
                        _ => {
                            return Err(format!(
                                "`{}` is not read through a named element",
                                a.from
                            ));
                        }
                    }
                }
                let e = self.expr(value);
                b.attr(&a.value, e);
                self.extra.push(b);
            }
        }
        Ok(())
    }

    /// Meta-arguments of a resource: `count` for conditions and loops.
    fn meta(&mut self, r: &AzResource) -> Vec<Item> {
        let mut out = Vec::new();
        match (&r.for_each, &r.condition) {
            (Some((var, coll)), cond) => {
                let guard = |l: &mut Self, x: TfExpr, empty: TfExpr| match cond {
                    Some(c) => {
                        let c = l.expr(c);
                        TfExpr::Cond(Box::new(c), Box::new(x), Box::new(empty))
                    }
                    None => x,
                };
                match loop_kind(coll) {
                    // `range(0, n)`: count.
                    LoopKind::Range(n) => {
                        self.current_loop = Some((coll.clone(), TfExpr::r("count.index")));
                        let n = self.expr(&n);
                        let count = guard(self, n, TfExpr::Num("0".into()));
                        out.push(Item::Attr("count".into(), count));
                        self.loop_vars.push((var.clone(), TfExpr::r("count.index")));
                    }
                    // `items(map)`: for_each over the map, `each.key` / `each.value`.
                    LoopKind::Map(m) => {
                        self.current_loop = Some((coll.clone(), TfExpr::r("each.key")));
                        let m = self.expr(&m);
                        let fe = guard(self, m, TfExpr::Object(Vec::new()));
                        out.push(Item::Attr("for_each".into(), fe));
                        self.loop_vars.push((var.clone(), TfExpr::r("each")));
                    }
                    // A list of names: for_each over the set, the element is `each.value`.
                    LoopKind::List(l) => {
                        self.current_loop = Some((coll.clone(), TfExpr::r("each.key")));
                        let l = self.expr(&l);
                        let set = TfExpr::call("toset", vec![l]);
                        let fe = guard(self, set, TfExpr::Array(Vec::new()));
                        out.push(Item::Attr("for_each".into(), fe));
                        self.loop_vars.push((var.clone(), TfExpr::r("each.value")));
                    }
                }
            }
            (None, Some(c)) => {
                let c = self.expr(c);
                out.push(Item::Attr(
                    "count".into(),
                    TfExpr::Cond(
                        Box::new(c),
                        Box::new(TfExpr::Num("1".into())),
                        Box::new(TfExpr::Num("0".into())),
                    ),
                ));
            }
            (None, None) => {}
        }
        out
    }

    /// What `depends_on` names for a symbol: a resource's address or a module call.
    fn dependency(&self, sym: &str) -> Option<String> {
        if self.m.calls.iter().any(|c| c.local && c.symbol == sym) {
            return Some(format!("module.{}", snake(sym)));
        }
        self.address(sym)
    }

    fn depends(&mut self, r: &AzResource) -> Option<Item> {
        let list: Vec<TfExpr> = r
            .depends_on
            .iter()
            .filter_map(|d| self.dependency(d).map(TfExpr::r))
            .collect();
        (!list.is_empty()).then(|| Item::Attr("depends_on".into(), TfExpr::Array(list)))
    }

    /// The resource group of the nearest existing ancestor of `r` read at another scope
    /// (`scope: resourceGroup(…, rg)`), when there is one.
    fn scoped_parent_group(&self, r: &AzResource) -> Option<AzExpr> {
        let mut p = r.parent.clone();
        while let Some(sym) = p {
            let x = self.m.resources.iter().find(|x| x.symbol == sym)?;
            if x.existing
                && let Some((_, AzExpr::Call(f, args))) = x.body.iter().find(|(k, _)| k == "scope")
                && f == "resourceGroup"
                && !args.is_empty()
            {
                return args.last().cloned();
            }
            p = x.parent.clone();
        }
        None
    }

    fn parent_id(&mut self, r: &AzResource) -> TfExpr {
        if let Some((_, scope)) = r.body.iter().find(|(k, _)| k == "scope") {
            // A resource group of a given subscription (an existing resource's).
            if let AzExpr::Call(f, args) = scope
                && f == "resourceGroup"
                && let [AzExpr::Str(sub), AzExpr::Str(rg)] = args.as_slice()
            {
                return TfExpr::s(format!("/subscriptions/{sub}/resourceGroups/{rg}"));
            }
            return self.expr(scope);
        }
        match &r.parent {
            Some(p) => self.resource_ref(p, "id", None),
            None => self.rg("id"),
        }
    }

    fn azapi_block(&mut self, r: &AzResource) -> Block {
        let name = self.tf_name(&r.symbol);
        let data = r.existing;
        let mut b = Block::new(
            if data { "data" } else { "resource" },
            &["azapi_resource", &name],
        );
        if !data {
            b.items.extend(self.meta(r));
        }
        b.attr("type", TfExpr::s(format!("{}@{}", r.ty, r.api)));
        let n = self.expr(&r.name);
        b.attr("name", n);
        let p = self.parent_id(r);
        b.attr("parent_id", p);
        if !data {
            if let Some(l) = &r.location {
                let l = self.expr(l);
                b.attr("location", l);
            }
            let mut body = Vec::new();
            let mut identity = None;
            for (k, v) in &r.body {
                if k == "scope" {
                    continue;
                }
                if k == "identity" {
                    identity = Some(v.clone());
                    continue;
                }
                let e = self.expr(v);
                body.push((k.clone(), e));
            }
            if let Some(id) = identity {
                let mut ib = Block::new("identity", &[]);
                let ty = id
                    .get("type")
                    .map(|t| self.expr(t))
                    .unwrap_or(TfExpr::s("SystemAssigned"));
                ib.attr("type", ty);
                if let Some(AzExpr::Object(m)) = id.get("userAssignedIdentities") {
                    let ids = m
                        .iter()
                        .map(|(k, _)| match k {
                            AzKey::Name(n) => TfExpr::Str(n.clone()),
                            AzKey::Expr(x) => self.expr(x),
                        })
                        .collect();
                    ib.attr("identity_ids", TfExpr::Array(ids));
                }
                b.block(ib);
            }
            if !body.is_empty() {
                b.attr("body", TfExpr::Object(body));
            }
            if let Some(t) = &r.tags {
                let t = self.expr(t);
                b.attr("tags", t);
            }
            if let Some(d) = self.depends(r) {
                b.items.push(d);
            }
        }
        b
    }
}

/// `{base}.output` followed by the path to an azapi resource's exported value.
fn azapi_output(base: &str, path: &str) -> String {
    let mut out = format!("{base}.output");
    for seg in path.split('.') {
        if is_ident(seg.trim_end_matches("[0]")) {
            out.push('.');
            out.push_str(seg);
        } else {
            out.push_str(&format!("[{}]", super::hcl::quote(seg)));
        }
    }
    out
}

/// Lists a table writes as child resources (`split` on an `each` block: a VNet's subnets
/// when one has a NAT gateway). A child the module already reads as `existing` (same type,
/// parent and name) becomes the new resource, so references to it follow. `None`: no change.
fn split_children(m: &AzModule, tables: &AzurermTables) -> Option<AzModule> {
    let mut out = m.clone();
    let mut changed = false;
    let mut k = 0;
    while k < out.resources.len() {
        let r = out.resources[k].clone();
        k += 1;
        if r.existing {
            continue;
        }
        let Some(list) = tables.types.get(&r.ty) else {
            continue;
        };
        let root = view(&r);
        let Some(v) = list
            .iter()
            .find(|x| x.when.as_ref().is_none_or(|c| cond_holds(c, &root)))
        else {
            continue;
        };
        // Children follow their parent, in the order of the table's lists.
        let mut at = k;
        for rule in &v.args {
            let (Some(sp), Some(from)) = (&rule.split, &rule.from) else {
                continue;
            };
            let items: Vec<AzExpr> = match get(&root, from) {
                Some(AzExpr::Array(items)) => {
                    if !items.iter().any(|it| cond_holds(&sp.when, it)) {
                        continue;
                    }
                    items.clone()
                }
                // An object keyed by name: each member an element named by its key, all
                // of them meeting the conditions.
                Some(AzExpr::Object(members)) if !members.is_empty() => {
                    let items: Option<Vec<AzExpr>> = members
                        .iter()
                        .map(|(k, v)| match (k, v) {
                            (AzKey::Name(n), AzExpr::Object(m)) => {
                                let mut e =
                                    vec![(AzKey::Name("name".into()), AzExpr::Str(n.clone()))];
                                e.extend(m.iter().cloned());
                                Some(AzExpr::Object(e))
                            }
                            _ => None,
                        })
                        .collect();
                    let Some(items) = items else { continue };
                    let meets = |it: &AzExpr| {
                        cond_holds(&sp.when, it)
                            && rule.where_.as_ref().is_none_or(|w| cond_holds(w, it))
                    };
                    if !items.iter().all(meets) {
                        continue;
                    }
                    items
                }
                _ => continue,
            };
            let Some(rest) = from.strip_prefix("properties.") else {
                continue;
            };
            // Drop the list (or object) from the resource's body.
            let me = out.resources.iter_mut().find(|x| x.symbol == r.symbol)?;
            if let Some((_, props)) = me.body.iter_mut().find(|(k, _)| k == "properties") {
                let (parent, last) = match rest.rsplit_once('.') {
                    Some((p, l)) => (Some(p), l),
                    None => (None, rest),
                };
                let holder = match parent {
                    Some(p) => p.split('.').try_fold(&mut *props, |e, k| match e {
                        AzExpr::Object(m) => m
                            .iter_mut()
                            .find(|(x, _)| matches!(x, AzKey::Name(n) if n == k))
                            .map(|(_, v)| v),
                        _ => None,
                    }),
                    None => Some(props),
                };
                if let Some(AzExpr::Object(members)) = holder {
                    members.retain(|(k, _)| !matches!(k, AzKey::Name(n) if n == last));
                }
            }
            for it in &items {
                let name = it.get("name").cloned().unwrap_or(AzExpr::Null);
                let body: Vec<(String, AzExpr)> = match it {
                    AzExpr::Object(members) => members
                        .iter()
                        .filter_map(|(k, v)| match k {
                            AzKey::Name(n) if n != "name" => Some((n.clone(), v.clone())),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let existing = out.resources.iter().position(|x| {
                    x.existing
                        && x.ty == sp.ty
                        && x.parent.as_deref() == Some(r.symbol.as_str())
                        && x.name == name
                });
                let child = AzResource {
                    symbol: String::new(),
                    ty: sp.ty.clone(),
                    api: r.api.clone(),
                    parent: Some(r.symbol.clone()),
                    name: name.clone(),
                    location: None,
                    tags: None,
                    body,
                    condition: r.condition.clone(),
                    for_each: r.for_each.clone(),
                    depends_on: Vec::new(),
                    comments: Vec::new(),
                    source: r.source.clone(),
                    existing: false,
                    updates: None,
                    prevent_destroy: false,
                    rule: r.rule.clone(),
                };
                match existing {
                    Some(p) => {
                        let old = &mut out.resources[p];
                        old.existing = false;
                        old.body = child.body;
                        old.condition = old.condition.clone().or(child.condition);
                        old.for_each = old.for_each.clone().or(child.for_each);
                    }
                    None => {
                        let base = format!(
                            "{}_{}{}",
                            r.symbol,
                            sp.symbol
                                .as_ref()
                                .map(|w| format!("{w}_"))
                                .unwrap_or_default(),
                            literal_text(&name).unwrap_or_else(|| (at - k).to_string())
                        );
                        let mut sym = snake(&base);
                        let mut n = 2;
                        while out.resources.iter().any(|x| x.symbol == sym) {
                            sym = format!("{}_{n}", snake(&base));
                            n += 1;
                        }
                        out.resources.insert(
                            at,
                            AzResource {
                                symbol: sym,
                                ..child
                            },
                        );
                        at += 1;
                    }
                }
            }
            changed = true;
        }
    }
    changed.then_some(out)
}

/// The value at `path`, through at most one conditional object on the way
/// (`c ? {id = x} : null`): the value, and the condition with the path where it sits.
fn cond_get(base: &AzExpr, path: &str) -> Option<(AzExpr, Option<(AzExpr, String)>)> {
    let mut cur = base;
    let mut guard = None;
    let mut at = String::new();
    for k in path.split('.') {
        if let AzExpr::Cond(c, yes, no) = cur
            && guard.is_none()
            && matches!(**no, AzExpr::Null)
        {
            guard = Some(((**c).clone(), at.clone()));
            cur = yes;
        }
        cur = cur.get(k)?;
        at = join(&at, k);
    }
    if let AzExpr::Cond(c, yes, no) = cur
        && guard.is_none()
        && matches!(**no, AzExpr::Null)
    {
        guard = Some(((**c).clone(), at.clone()));
        cur = yes;
    }
    Some((cur.clone(), guard))
}

/// Segment `index` of an interpolated string split at `sep` in its literal parts: a
/// literal, a lone expression, or an interpolation of both.
fn split_interp(parts: &[Interp], sep: &str, index: usize) -> Option<AzExpr> {
    let mut segs: Vec<Vec<Interp>> = vec![Vec::new()];
    for p in parts {
        match p {
            Interp::Lit(l) => {
                let mut pieces = l.split(sep);
                if let Some(first) = pieces.next()
                    && !first.is_empty()
                {
                    segs.last_mut()?.push(Interp::Lit(first.to_string()));
                }
                for piece in pieces {
                    let mut seg = Vec::new();
                    if !piece.is_empty() {
                        seg.push(Interp::Lit(piece.to_string()));
                    }
                    segs.push(seg);
                }
            }
            Interp::Expr(e) => segs.last_mut()?.push(Interp::Expr(e.clone())),
        }
    }
    let seg = segs.into_iter().nth(index)?;
    Some(match seg.as_slice() {
        [] => AzExpr::Str(String::new()),
        [Interp::Lit(l)] => AzExpr::Str(l.clone()),
        [Interp::Expr(e)] => e.clone(),
        _ => AzExpr::Interp(seg),
    })
}

/// The `i`th lowered argument of a call, `null` when missing.
fn arg(a: &[TfExpr], i: usize) -> TfExpr {
    a.get(i).cloned().unwrap_or(TfExpr::Null)
}

/// `uniqueString(…)` → a 13-character hash prefix; `guid(…)` → a `uuidv5`.
fn hash_call(f: &str, a: Vec<TfExpr>) -> TfExpr {
    let c = TfExpr::call;
    if f == "uniqueString" {
        c(
            "substr",
            vec![
                c(
                    "sha1",
                    vec![c("join", vec![TfExpr::s("-"), TfExpr::Array(a)])],
                ),
                TfExpr::Num("0".into()),
                TfExpr::Num("13".into()),
            ],
        )
    } else {
        c(
            "uuidv5",
            vec![
                TfExpr::s("url"),
                c("join", vec![TfExpr::s("/"), TfExpr::Array(a)]),
            ],
        )
    }
}

/// Bicep's list and map functions (`empty`, `first`, `union`, `items`, `range`, …) in Terraform.
fn collection_call(f: &str, args: &[AzExpr], a: Vec<TfExpr>) -> TfExpr {
    let c = TfExpr::call;
    match f {
        "empty" => TfExpr::Bin(
            "==".into(),
            Box::new(c("length", a)),
            Box::new(TfExpr::Num("0".into())),
        ),
        "first" => TfExpr::Index(Box::new(arg(&a, 0)), Box::new(TfExpr::Num("0".into()))),
        "last" => c("element", vec![arg(&a, 0), TfExpr::Num("-1".into())]),
        "union" => {
            if args.iter().any(|x| matches!(x, AzExpr::Array(_))) {
                c("distinct", vec![c("concat", a)])
            } else {
                c("merge", a)
            }
        }
        "intersection" => c("setintersection", a),
        "tryGet" => c("lookup", vec![arg(&a, 0), arg(&a, 1), TfExpr::Null]),
        "indexOf" => c("index", a),
        "items" => {
            // `items(map)` → a list of {key, value} objects.
            let m = arg(&a, 0);
            TfExpr::For {
                key_var: Some("k".into()),
                var: "v".into(),
                coll: Box::new(m),
                key: None,
                body: Box::new(TfExpr::Object(vec![
                    ("key".into(), TfExpr::r("k")),
                    ("value".into(), TfExpr::r("v")),
                ])),
                cond: None,
                grouping: false,
            }
        }
        // `range(0, n)` (Bicep's start and count) is Terraform's `range(n)`.
        _ if args.first() == Some(&AzExpr::Int(0)) => c("range", vec![arg(&a, 1)]),
        _ => c(
            "range",
            vec![
                arg(&a, 0),
                TfExpr::Bin("+".into(), Box::new(arg(&a, 0)), Box::new(arg(&a, 1))),
            ],
        ),
    }
}

/// A resource id: `base` (a subscription or resource group id), `/providers/`, and the
/// `/`-joined type and name segments.
fn resource_id(base: TfExpr, a: &[TfExpr]) -> TfExpr {
    let mut parts = vec![Part::Expr(base), Part::Lit("/providers/".into())];
    // A child type (`Microsoft.Network/applicationGateways/probes`, 'agw', 'p'): each name
    // follows its type segment (`…/applicationGateways/agw/probes/p`).
    if let Some(TfExpr::Str(ty)) = a.first() {
        let segs: Vec<&str> = ty.split('/').collect();
        if segs.len() > 2 && a.len() == segs.len() {
            let mut text = format!("{}/", segs[0]);
            for (seg, name) in segs[1..].iter().zip(&a[1..]) {
                text.push_str(seg);
                text.push('/');
                match name {
                    TfExpr::Str(s) => text.push_str(s),
                    other => {
                        parts.push(Part::Lit(std::mem::take(&mut text)));
                        parts.push(Part::Expr(other.clone()));
                    }
                }
                text.push('/');
            }
            text.pop();
            if !text.is_empty() {
                parts.push(Part::Lit(text));
            }
            return TfExpr::Template(parts);
        }
    }
    for (i, x) in a.iter().enumerate() {
        if i > 0 {
            parts.push(Part::Lit("/".into()));
        }
        match x {
            TfExpr::Str(s) => parts.push(Part::Lit(s.clone())),
            other => parts.push(Part::Expr(other.clone())),
        }
    }
    TfExpr::Template(parts)
}

/// A Terraform `for` kept as written: [key var, value var, coll, key, value, cond, grouping].
fn tf_for(args: &[AzExpr], a: &[TfExpr]) -> TfExpr {
    let name = |x: &AzExpr| match x {
        AzExpr::Str(s) if !s.is_empty() => Some(snake(s)),
        _ => None,
    };
    let opt = |x: &TfExpr| (!matches!(x, TfExpr::Null)).then(|| Box::new(x.clone()));
    TfExpr::For {
        key_var: name(&args[0]),
        var: name(&args[1]).unwrap_or_else(|| "v".into()),
        coll: Box::new(arg(a, 2)),
        key: opt(&a[3]),
        body: Box::new(arg(a, 4)),
        cond: opt(&a[5]),
        grouping: args[6] == AzExpr::Bool(true),
    }
}

/// `format('{0}-{1}', …)` → `format("%v-%v", …)`.
fn format_call(args: &[AzExpr], a: Vec<TfExpr>) -> TfExpr {
    let c = TfExpr::call;
    match args.first() {
        Some(AzExpr::Str(fmt)) => {
            let mut s = String::new();
            let mut chars = fmt.chars().peekable();
            while let Some(ch) = chars.next() {
                if ch == '{' {
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                    }
                    s.push_str("%v");
                } else if ch == '%' {
                    s.push_str("%%");
                } else {
                    s.push(ch);
                }
            }
            let mut v = vec![TfExpr::Str(s)];
            v.extend(a.into_iter().skip(1));
            c("format", v)
        }
        _ => c("format", a),
    }
}

/// A Bicep function with a Terraform counterpart of another name (or the same), its
/// arguments reordered where the two differ.
fn renamed_call(f: &str, args: &[AzExpr], a: Vec<TfExpr>) -> TfExpr {
    let c = TfExpr::call;
    match f {
        "toLower" => c("lower", a),
        "toUpper" => c("upper", a),
        "trim" => c("trimspace", a),
        "join" => c("join", vec![arg(&a, 1), arg(&a, 0)]),
        "split" => c("split", vec![arg(&a, 1), arg(&a, 0)]),
        "substring" => c("substr", a),
        "take" => c(
            "substr",
            vec![arg(&a, 0), TfExpr::Num("0".into()), arg(&a, 1)],
        ),
        "string" => match args.first() {
            Some(AzExpr::Object(_) | AzExpr::Array(_)) => c("jsonencode", a),
            _ => c("tostring", a),
        },
        "int" => c("tonumber", a),
        "bool" => c("tobool", a),
        // `json('0.5')`, Bicep's way to write a decimal: the number.
        "json" => match a.as_slice() {
            [TfExpr::Str(n)] if n.parse::<f64>().is_ok() => TfExpr::Num(n.clone()),
            _ => c("jsondecode", a),
        },
        "base64" => c("base64encode", a),
        "base64ToString" => c("base64decode", a),
        "objectKeys" => c("keys", a),
        "uriComponent" => c("urlencode", a),
        "startsWith" => c("startswith", a),
        "endsWith" => c("endswith", a),
        f if f.starts_with("tf:") => c(&f[3..], a),
        // `azurerm_x.y[0].attr` of a conditional resource → `azurerm_x.y[*].attr`.
        "__cond_splat" => match arg(&a, 0) {
            TfExpr::Ref(r) if r.contains("[0].") => TfExpr::Ref(r.replacen("[0].", "[*].", 1)),
            other => TfExpr::Array(vec![other]),
        },
        // Same name and meaning in both languages.
        "concat" | "length" | "contains" | "replace" | "coalesce" | "min" | "max" | "flatten" => {
            c(f, a)
        }
        other => c(&other.to_ascii_lowercase(), a),
    }
}

enum LoopKind {
    Range(AzExpr),
    Map(AzExpr),
    List(AzExpr),
}

fn loop_kind(coll: &AzExpr) -> LoopKind {
    match coll {
        AzExpr::Call(f, a) if f == "range" && a.len() == 2 && a[0] == AzExpr::Int(0) => {
            LoopKind::Range(a[1].clone())
        }
        AzExpr::Call(f, a) if f == "items" && a.len() == 1 => LoopKind::Map(a[0].clone()),
        other => LoopKind::List(other.clone()),
    }
}

/// Does an azurerm storage account set `shared_access_key_enabled = false`?
fn main_blocks_shared_key_off(blocks: &[(String, Block)]) -> bool {
    blocks.iter().any(|(_, b)| {
        b.labels.first().map(String::as_str) == Some("azurerm_storage_account")
            && b.get("shared_access_key_enabled") == Some(&TfExpr::Bool(false))
    })
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn tf_type(ty: &str) -> &'static str {
    match ty {
        "int" => "number",
        "bool" => "bool",
        "array" => "list(any)",
        "object" => "any",
        _ => "string",
    }
}

fn is_constant(e: &AzExpr) -> bool {
    match e {
        AzExpr::Null | AzExpr::Bool(_) | AzExpr::Int(_) | AzExpr::Num(_) | AzExpr::Str(_) => true,
        AzExpr::Array(a) => a.iter().all(is_constant),
        AzExpr::Object(m) => m
            .iter()
            .all(|(k, v)| matches!(k, AzKey::Name(_)) && is_constant(v)),
        _ => false,
    }
}

fn tfvar_value(e: &Expr) -> Option<TfExpr> {
    Some(match &e.kind {
        ExprKind::Null => TfExpr::Null,
        ExprKind::Bool(b) => TfExpr::Bool(*b),
        ExprKind::Number(n) => TfExpr::Num(n.clone()),
        ExprKind::Str(s) => TfExpr::Str(s.clone()),
        ExprKind::List(l) => TfExpr::Array(l.iter().map(tfvar_value).collect::<Option<_>>()?),
        ExprKind::Object(m) => TfExpr::Object(
            m.iter()
                .map(|(k, _, v)| Some((k.clone(), tfvar_value(v)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

fn pass_items(l: &mut Lower, items: &[AzPassItem]) -> Vec<Item> {
    items
        .iter()
        .map(|i| match i {
            AzPassItem::Attr(k, v) => Item::Attr(k.clone(), l.expr(v)),
            AzPassItem::Block(k, labels, b) => Item::Block(Block {
                ty: k.clone(),
                labels: labels.clone(),
                items: pass_items(l, b),
            }),
        })
        .collect()
}

/// A written block the azurerm schema rejects: its type, its labels joined with `.`,
/// and what is wrong.
pub type SchemaFinding = (String, String, crate::schema::Finding);

/// Lowers a module to Terraform files (`main.tf`, `variables.tf`, `outputs.tf`,
/// `locals.tf`, `providers.tf`, `terraform.tfvars`), the decisions it took, and what
/// the azurerm schema rejects in them (the caller writes nothing then).
pub fn emit(
    m: &AzModule,
    t: &Template,
    tables: &AzurermTables,
    sources: &SourceMap,
) -> (Vec<(String, String)>, Vec<Decision>, Vec<SchemaFinding>) {
    let file = sources.get(t.file).path.clone();
    let split = split_children(m, tables);
    let m = split.as_ref().unwrap_or(m);
    let mut forced: BTreeMap<String, String> = BTreeMap::new();
    let mut result = None;
    for _ in 0..8 {
        let mut l = Lower {
            m,
            tables,
            forms: BTreeMap::new(),
            forced: forced.clone(),
            missing: BTreeMap::new(),
            exports: BTreeMap::new(),
            params: BTreeMap::new(),
            vars: BTreeMap::new(),
            loop_vars: Vec::new(),
            extra: Vec::new(),
            current_meta: Vec::new(),
            storage_azuread: false,
            current_loop: None,
            needs_rg: false,
            needs_client: false,
            needs_subscription: false,
            azapi_used: false,
            findings: Vec::new(),
        };
        let files = l.run(t);
        // Resources that must be azapi from now on: the table could not read them
        // (reasons in `l.forced`), or a reference needs an attribute azurerm lacks.
        let mut changed = false;
        for (s, why) in &l.forced {
            if !forced.contains_key(s) {
                forced.insert(s.clone(), why.clone());
                changed = true;
            }
        }
        for (s, p) in &l.missing {
            if !forced.contains_key(s) {
                forced.insert(s.clone(), format!("no azurerm attribute for `{p}`"));
                changed = true;
            }
        }
        let done = !changed;
        result = Some((files, forced.clone(), l.azapi_used, l.findings));
        if done {
            break;
        }
    }
    let (files, reasons, azapi_used, findings) = result.unwrap_or_default();
    let mut decisions = Vec::new();
    if azapi_used {
        let list: Vec<String> = reasons
            .iter()
            .filter_map(|(s, why)| {
                let r = m.resources.iter().find(|r| &r.symbol == s)?;
                Some(format!("`{}` ({}): {why}", snake(s), r.ty))
            })
            .collect();
        decisions.push(Decision {
            id: format!("tf-azapi-fallback:{file}"),
            rule: "tf-azapi-fallback".into(),
            title: "Resources written with azapi".into(),
            context: "The Terraform output uses azurerm resources where the lowering table reads every value the Azure model sets; elsewhere azurerm has no equivalent argument, or models the setting as a separate resource.".into(),
            decision: if list.is_empty() {
                "Some resources are written as `azapi_resource` with the ARM body (no azurerm entry for their type).".into()
            } else {
                format!("Written as `azapi_resource` with the ARM body: {}.", list.join("; "))
            },
            consequences: "azapi resources deploy the same ARM properties; plan output shows the ARM body instead of azurerm arguments. Move them to azurerm by hand if your team prefers.".into(),
            resources: Vec::new(),
        });
    }
    (files, decisions, findings)
}

impl Lower<'_> {
    /// The form of a change to an existing resource: the one association of its type
    /// whose value path holds every member the change sets, or `azapi_update_resource`.
    fn update_form(&self, r: &AzResource) -> Form {
        let body = AzExpr::Object(
            r.body
                .iter()
                .filter(|(k, _)| k != "scope")
                .map(|(k, v)| (AzKey::Name(k.clone()), v.clone()))
                .collect(),
        );
        let mut lv = Vec::new();
        leaves(&body, "", &mut lv);
        let found = self.variant(r).and_then(|(i, v)| {
            v.associations
                .iter()
                .position(|a| {
                    !a.each
                        && !a.from.contains("[]")
                        && !lv.is_empty()
                        && lv
                            .iter()
                            .all(|l| covered(l, &BTreeSet::from([a.from.clone()])))
                })
                .map(|k| (i, k, v.associations[k].resource.clone()))
        });
        match found {
            Some((i, k, ty)) => Form::Update {
                ty,
                association: Some((i, k)),
            },
            None => Form::Update {
                ty: "azapi_update_resource".into(),
                association: None,
            },
        }
    }

    /// A change to an existing resource: its association resource (`subnet_id` = the
    /// existing resource's id), or `azapi_update_resource` with the changed members.
    fn update_block(
        &mut self,
        r: &AzResource,
        ty: &str,
        association: Option<(usize, usize)>,
    ) -> Block {
        let name = self.tf_name(&r.symbol);
        let mut b = Block::new("resource", &[ty, &name]);
        let meta = self.meta(r);
        b.items.extend(meta);
        let id = r
            .updates
            .as_ref()
            .map(|e| self.expr(e))
            .unwrap_or(TfExpr::Null);
        match association {
            Some((i, k)) => {
                let a = self.tables.types[&r.ty][i].associations[k].clone();
                b.attr(&a.self_arg, id);
                let v = get(&view(r), &a.from).cloned().unwrap_or(AzExpr::Null);
                let v = self.expr(&v);
                b.attr(&a.value, v);
            }
            None => {
                self.azapi_used = true;
                b.attr("type", TfExpr::s(format!("{}@{}", r.ty, r.api)));
                b.attr("resource_id", id);
                let mut body = Vec::new();
                for (k, v) in r.body.iter().filter(|(k, _)| k != "scope") {
                    let e = self.expr(v);
                    body.push((k.clone(), e));
                }
                b.attr("body", TfExpr::Object(body));
            }
        }
        if let Some(d) = self.depends(r) {
            b.items.push(d);
        }
        b
    }

    fn decide_forms(&mut self) {
        for r in &self.m.resources {
            if r.updates.is_some() {
                let form = self.update_form(r);
                self.forms.insert(r.symbol.clone(), form);
                continue;
            }
            if self.forced.contains_key(&r.symbol) {
                self.forms
                    .insert(r.symbol.clone(), Form::Azapi { data: r.existing });
                continue;
            }
            let form = match self.variant(r) {
                Some((i, v)) if r.existing => match &v.data {
                    Some(d) if r.parent.is_none() => Form::Azurerm {
                        ty: d.clone(),
                        variant: i,
                        data: true,
                    },
                    _ => Form::Azapi { data: true },
                },
                Some((i, v)) => match (&v.into_parent, &v.resource, &r.parent) {
                    (Some(block), _, Some(p)) => Form::Merged {
                        parent: p.clone(),
                        block: block.clone(),
                        variant: i,
                    },
                    (None, Some(ty), _) => Form::Azurerm {
                        ty: ty.clone(),
                        variant: i,
                        data: false,
                    },
                    _ => Form::Azapi { data: false },
                },
                None => Form::Azapi { data: r.existing },
            };
            if matches!(form, Form::Azapi { data: false }) && !self.forced.contains_key(&r.symbol) {
                self.forced
                    .insert(r.symbol.clone(), format!("no azurerm entry for {}", r.ty));
            }
            self.forms.insert(r.symbol.clone(), form);
        }
        // A merged child needs its parent in azurerm.
        let merged: Vec<(String, String)> = self
            .forms
            .iter()
            .filter_map(|(s, f)| match f {
                Form::Merged { parent, .. } => Some((s.clone(), parent.clone())),
                _ => None,
            })
            .collect();
        for (s, p) in merged {
            if !matches!(self.forms.get(&p), Some(Form::Azurerm { data: false, .. })) {
                self.forms.insert(s.clone(), Form::Azapi { data: false });
                self.forced
                    .entry(s)
                    .or_insert_with(|| "its parent is written with azapi".into());
            }
        }
    }

    fn run(&mut self, t: &Template) -> Vec<(String, String)> {
        self.decide_forms();
        self.name_params_and_vars();
        let (lowered, merged) = self.lower_resources();
        let calls = self.module_calls();
        let (pass, providers_used) = self.passthrough();
        let (variables, mut locals) = self.variables();
        locals.extend(self.locals());
        let outputs = self.outputs();
        // Every expression is lowered: azapi resources export what was read from them.
        let main_blocks = self.finish_resources(lowered, merged);
        let mut main = self.data_sources();
        main.extend(main_blocks);
        main.extend(calls);
        main.extend(pass);
        // Every azurerm block against the provider's schema, before anything is printed.
        let schema = crate::schema::azurerm::schema();
        self.findings = main
            .iter()
            .flat_map(|b| {
                schema.check(b).into_iter().map(|f| {
                    let label = b.labels.join(".");
                    (b.labels.first().cloned().unwrap_or_default(), label, f)
                })
            })
            .collect();
        let mut files = vec![("main.tf".to_string(), print_file(&self.m.header, &main))];
        if !variables.is_empty() {
            files.push(("variables.tf".to_string(), print_file(&[], &variables)));
        }
        if !outputs.is_empty() {
            files.push(("outputs.tf".to_string(), print_file(&[], &outputs)));
        }
        if !locals.is_empty() {
            let b = Block {
                ty: "locals".into(),
                labels: Vec::new(),
                items: locals,
            };
            files.push(("locals.tf".to_string(), print_file(&[], &[b])));
        }
        let declared =
            t.tf.as_ref()
                .map(|i| i.required_providers.clone())
                .unwrap_or_default();
        files.push((
            "providers.tf".to_string(),
            self.providers(&providers_used, &declared),
        ));
        if let Some(text) = t.tf.as_ref().and_then(|info| self.tfvars(info)) {
            files.push(("terraform.tfvars".to_string(), text));
        }
        files
    }

    /// Variable and local names: snake_case, unique once converted. A parameter with a
    /// non-constant default goes through a local of the same name.
    fn name_params_and_vars(&mut self) {
        let m = self.m;
        let mut local_names = BTreeSet::new();
        let unique = |set: &mut BTreeSet<String>, base: String| {
            let mut n = base.clone();
            let mut k = 2;
            while !set.insert(n.clone()) {
                n = format!("{base}_{k}");
                k += 1;
            }
            n
        };
        let names = variable_names(m);
        for p in &m.params {
            let via_local = p.default.as_ref().is_some_and(|d| !is_constant(d));
            let name = names
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| snake(&p.name));
            if via_local {
                local_names.insert(name.clone());
            }
            self.params.insert(p.name.clone(), (name, via_local));
        }
        for v in &m.vars {
            let name = unique(
                &mut local_names,
                v.tf_name.clone().unwrap_or_else(|| snake(&v.name)),
            );
            self.vars.insert(v.name.clone(), name);
        }
    }

    /// Every resource in its form: (symbol, block) in order, with the blocks a lowering
    /// added after their resource (symbol empty), and the nested blocks of resources
    /// merged into a parent, by parent symbol. A failed azurerm lowering is recorded
    /// in `forced` (azapi on the next round).
    #[allow(clippy::type_complexity)]
    fn lower_resources(&mut self) -> (Vec<(String, Block)>, BTreeMap<String, Vec<Item>>) {
        let mut merged: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        let mut lowered: Vec<(String, Block)> = Vec::new();
        for r in &self.m.resources {
            let form = self.forms[&r.symbol].clone();
            let block = match form {
                Form::Azurerm { ty, variant, data } => {
                    Some(self.azurerm_resource(r, &ty, variant, data))
                }
                Form::Merged {
                    parent,
                    block,
                    variant,
                } => {
                    // A merged child with no settings (a queue service `default`) writes no
                    // empty block.
                    if let Some(items) = self.merged_resource(r, variant)
                        && !items.is_empty()
                    {
                        merged.entry(parent).or_default().push(Item::Block(Block {
                            ty: block,
                            labels: Vec::new(),
                            items,
                        }));
                    }
                    None
                }
                Form::Azapi { .. } => {
                    self.azapi_used = true;
                    Some(self.azapi_block(r))
                }
                Form::Update { ty, association } => Some(self.update_block(r, &ty, association)),
            };
            self.loop_vars.clear();
            self.current_loop = None;
            self.current_meta.clear();
            let Some(block) = block else { continue };
            let extra = std::mem::take(&mut self.extra);
            lowered.push((r.symbol.clone(), block));
            for b in extra {
                lowered.push((String::new(), b));
            }
        }
        (lowered, merged)
    }

    /// An azurerm resource (or data source, for an existing one).
    fn azurerm_resource(&mut self, r: &AzResource, ty: &str, variant: usize, data: bool) -> Block {
        let name = self.tf_name(&r.symbol);
        let v = &self.tables.types[&r.ty][variant];
        if data {
            let mut b = Block::new("data", &[ty, &name]);
            let n = self.expr(&r.name);
            b.attr("name", n);
            // Read in another resource group (`scope: resourceGroup(x)`): that group.
            let rg = match r.body.iter().find(|(k, _)| k == "scope") {
                // `resourceGroup(sub, rg)`: the provider's subscription is the one read
                // (a decision says so).
                Some((_, AzExpr::Call(f, args)))
                    if f == "resourceGroup" && matches!(args.len(), 1 | 2) =>
                {
                    self.expr(&args[args.len() - 1])
                }
                _ => self.rg("name"),
            };
            b.attr("resource_group_name", rg);
            return b;
        }
        let mut b = Block::new("resource", &[ty, &name]);
        let meta = self.meta(r);
        self.current_meta = meta.clone();
        b.items.extend(meta);
        match self.azurerm_block(r, v) {
            Ok(items) => {
                b.items.extend(items);
                if let Some(d) = self.depends(r) {
                    b.items.push(d);
                }
            }
            Err(why) => {
                self.extra.clear();
                self.forced.insert(r.symbol.clone(), why);
            }
        }
        b
    }

    /// The items of a resource written as a nested block of its parent (no name,
    /// resource group, location or tags of its own).
    fn merged_resource(&mut self, r: &AzResource, variant: usize) -> Option<Vec<Item>> {
        let mut v = self.tables.types[&r.ty][variant].clone();
        v.name = None;
        v.resource_group = false;
        v.location = Some(false);
        v.tags = Some(false);
        let mut r2 = r.clone();
        r2.name = AzExpr::Null;
        match self.azurerm_block(&r2, &v) {
            Ok(items) => Some(items),
            Err(why) => {
                self.forced.insert(r.symbol.clone(), why);
                None
            }
        }
    }

    /// Calls of local modules. Registry and git modules hold AWS resources: not called
    /// (see the decision).
    fn module_calls(&mut self) -> Vec<Block> {
        let mut calls = Vec::new();
        for c in self.m.calls.iter().filter(|c| c.local) {
            let mut b = Block::new("module", &[&snake(&c.symbol)]);
            b.attr("source", TfExpr::s(c.source.clone()));
            if let Some(v) = &c.version {
                b.attr("version", TfExpr::s(v.clone()));
            }
            if let Some(n) = &c.count {
                let e = self.expr(n);
                b.attr("count", e);
            }
            if let Some(n) = &c.for_each {
                let e = self.expr(n);
                b.attr("for_each", e);
            }
            b.items.push(Item::Blank);
            b.attr("resource_group_name", TfExpr::r("var.resource_group_name"));
            for (k, v) in &c.params {
                let e = self.expr(v);
                b.attr(c.tf_params.get(k).unwrap_or(k), e);
            }
            let deps: Vec<TfExpr> = c
                .depends_on
                .iter()
                .filter_map(|d| self.dependency(d).map(TfExpr::r))
                .collect();
            if !deps.is_empty() {
                b.items.push(Item::Blank);
                b.attr("depends_on", TfExpr::Array(deps));
            }
            if matches!(b.items.last(), Some(Item::Blank)) {
                b.items.pop();
            }
            calls.push(b);
        }
        calls
    }

    /// Resources of other providers, kept as written, and the providers they use.
    fn passthrough(&mut self) -> (Vec<Block>, BTreeSet<String>) {
        let mut pass = Vec::new();
        let mut providers_used = BTreeSet::new();
        for p in &self.m.passthrough {
            providers_used.insert(p.ty.split('_').next().unwrap_or("").to_string());
            let mut b = Block::new("resource", &[&p.ty, &p.name]);
            if let Some(n) = &p.count {
                let e = self.expr(n);
                b.attr("count", e);
            }
            if let Some(n) = &p.for_each {
                let e = self.expr(n);
                b.attr("for_each", e);
            }
            let items = pass_items(self, &p.items);
            b.items.extend(items);
            pass.push(b);
        }
        (pass, providers_used)
    }

    /// `variable` blocks (the resource group first: callers pass theirs on), and the
    /// locals that give non-constant defaults.
    fn variables(&mut self) -> (Vec<Block>, Vec<Item>) {
        let mut variables = Vec::new();
        let mut locals = Vec::new();
        let mut b = Block::new("variable", &["resource_group_name"]);
        b.attr("type", TfExpr::r("string"));
        b.attr(
            "description",
            TfExpr::s("Name of the existing resource group to deploy into."),
        );
        variables.push(b);
        for p in &self.m.params {
            let (name, via_local) = self.params[&p.name].clone();
            let mut b = Block::new("variable", &[&name]);
            let ty = p
                .tf_type
                .clone()
                .unwrap_or_else(|| tf_type(&p.ty).to_string());
            b.attr("type", TfExpr::r(ty));
            if let Some(d) = &p.description {
                b.attr("description", TfExpr::s(d.clone()));
            }
            match &p.default {
                Some(d) if via_local => {
                    b.attr("default", TfExpr::Null);
                    let e = self.expr(d);
                    let var = || Box::new(TfExpr::r(format!("var.{name}")));
                    let test = TfExpr::Bin("!=".into(), var(), Box::new(TfExpr::Null));
                    let v = TfExpr::Cond(Box::new(test), var(), Box::new(e));
                    locals.push(Item::Attr(name.clone(), v));
                }
                Some(d) => {
                    let e = self.expr(d);
                    b.attr("default", e);
                }
                None => {}
            }
            if p.secure {
                b.attr("sensitive", TfExpr::Bool(true));
            }
            for vb in self.validations(p, &name, via_local) {
                b.block(vb);
            }
            variables.push(b);
        }
        (variables, locals)
    }

    /// `validation` blocks for a parameter's allowed values and bounds.
    fn validations(
        &mut self,
        p: &crate::azure::AzParam,
        name: &str,
        via_local: bool,
    ) -> Vec<Block> {
        let var = TfExpr::r(format!("var.{name}"));
        let mut checks: Vec<(TfExpr, String)> = Vec::new();
        if !p.allowed.is_empty() {
            let list = TfExpr::Array(p.allowed.iter().map(|a| self.expr(a)).collect());
            let text: Vec<String> = p.allowed.iter().filter_map(literal_text).collect();
            checks.push((
                TfExpr::call("contains", vec![list, var.clone()]),
                format!("Must be one of: {}.", text.join(", ")),
            ));
        }
        let len = TfExpr::call("length", vec![var.clone()]);
        let bounds = [
            (p.min_length, ">=", &len, "at least {n} characters long"),
            (p.max_length, "<=", &len, "at most {n} characters long"),
            (p.min_value, ">=", &var, "at least {n}"),
            (p.max_value, "<=", &var, "at most {n}"),
        ];
        for (bound, op, subject, text) in bounds {
            if let Some(n) = bound {
                let cond = TfExpr::Bin(
                    op.into(),
                    Box::new(subject.clone()),
                    Box::new(TfExpr::Num(n.to_string())),
                );
                checks.push((
                    cond,
                    format!("Must be {}.", text.replace("{n}", &n.to_string())),
                ));
            }
        }
        let mut blocks = Vec::new();
        for (cond, msg) in checks {
            // A variable with a null default must pass validation when unset.
            let cond = if p.default.is_some() && via_local {
                let unset = TfExpr::Bin("==".into(), Box::new(var.clone()), Box::new(TfExpr::Null));
                TfExpr::Bin("||".into(), Box::new(unset), Box::new(cond))
            } else {
                cond
            };
            let mut vb = Block::new("validation", &[]);
            vb.attr("condition", cond);
            vb.attr("error_message", TfExpr::s(msg));
            blocks.push(vb);
        }
        blocks
    }

    /// The module's own locals, with their comments.
    fn locals(&mut self) -> Vec<Item> {
        let mut locals = Vec::new();
        for v in &self.m.vars {
            if let Some(c) = &v.comment {
                locals.push(Item::Comment(c.clone()));
            }
            let e = self.expr(&v.value);
            locals.push(Item::Attr(self.vars[&v.name].clone(), e));
        }
        locals
    }

    /// `output` blocks; one derived from a secure parameter is sensitive.
    fn outputs(&mut self) -> Vec<Block> {
        let m = self.m;
        let mut outputs = Vec::new();
        for o in &m.outputs {
            let mut b = Block::new(
                "output",
                &[&o.tf_name.clone().unwrap_or_else(|| snake(&o.name))],
            );
            let e = self.expr(&o.value);
            b.attr("value", e);
            if let Some(d) = &o.description {
                b.attr("description", TfExpr::s(d.clone()));
            }
            let mut ids = Vec::new();
            o.value.idents(&mut ids);
            let sensitive = o.secure
                || ids
                    .iter()
                    .any(|i| m.params.iter().any(|p| p.secure && &p.name == i));
            if sensitive {
                b.attr("sensitive", TfExpr::Bool(true));
            }
            outputs.push(b);
        }
        outputs
    }

    /// Resource blocks completed once every expression is lowered: deletion guards,
    /// the blocks merged into them, and the values azapi resources export.
    fn finish_resources(
        &mut self,
        lowered: Vec<(String, Block)>,
        mut merged: BTreeMap<String, Vec<Item>>,
    ) -> Vec<Block> {
        self.storage_azuread = main_blocks_shared_key_off(&lowered);
        let mut blocks = Vec::new();
        for (sym, mut b) in lowered {
            if self
                .resource(&sym)
                .is_some_and(|r| r.prevent_destroy && !r.existing)
            {
                let mut l = Block::new("lifecycle", &[]);
                l.attr("prevent_destroy", TfExpr::Bool(true));
                b.block(l);
            }
            if let Some(extra) = merged.remove(&sym) {
                // Blocks go before tags and depends_on.
                let pos = b
                    .items
                    .iter()
                    .position(|i| matches!(i, Item::Attr(k, _) if k == "tags" || k == "depends_on"))
                    .unwrap_or(b.items.len());
                for (k, it) in extra.into_iter().enumerate() {
                    b.items.insert(pos + k, it);
                }
            }
            if b.labels.first().map(String::as_str) == Some("azapi_resource")
                && let Some(ex) = self.exports.get(&sym)
            {
                let list = ex.iter().map(|p| TfExpr::Str(p.clone())).collect();
                let pos = b
                    .items
                    .iter()
                    .position(|i| matches!(i, Item::Attr(k, _) if k == "depends_on"))
                    .unwrap_or(b.items.len());
                b.items.insert(
                    pos,
                    Item::Attr("response_export_values".into(), TfExpr::Array(list)),
                );
            }
            blocks.push(b);
        }
        blocks
    }

    /// The data sources the expressions needed.
    fn data_sources(&self) -> Vec<Block> {
        let mut data = Vec::new();
        if self.needs_rg {
            let mut b = Block::new("data", &["azurerm_resource_group", "main"]);
            b.attr("name", TfExpr::r("var.resource_group_name"));
            data.push(b);
        }
        if self.needs_client {
            data.push(Block::new("data", &["azurerm_client_config", "current"]));
        }
        if self.needs_subscription {
            data.push(Block::new("data", &["azurerm_subscription", "current"]));
        }
        data
    }

    /// `terraform.tfvars`: the input's values for variables that survived, never a
    /// sensitive one. `*.auto.tfvars` override `terraform.tfvars`: the last value wins.
    fn tfvars(&self, info: &crate::model::terraform::TfInfo) -> Option<String> {
        let m = self.m;
        let mut items: Vec<Item> = Vec::new();
        for (k, v) in &info.tfvars {
            let known = m
                .params
                .iter()
                .any(|p| !p.secure && self.params.get(&p.name).is_some_and(|(n, _)| n == k));
            if let (true, Some(e)) = (known, tfvar_value(v)) {
                items.retain(|i| !matches!(i, Item::Attr(n, _) if n == k));
                items.push(Item::Attr(k.clone(), e));
            }
        }
        if items.is_empty() {
            return None;
        }
        let b = Block {
            ty: "x".into(),
            labels: Vec::new(),
            items,
        };
        // Top-level attributes: print a block body without the block.
        let mut text = String::new();
        for line in print_file(&[], &[b]).lines().skip(1) {
            if line == "}" {
                break;
            }
            text.push_str(line.strip_prefix("  ").unwrap_or(line));
            text.push('\n');
        }
        Some(text)
    }

    fn providers(
        &self,
        used: &BTreeSet<String>,
        declared: &[(String, String, Option<String>)],
    ) -> String {
        let mut req = Block::new("required_providers", &[]);
        let entry = |source: &str, version: &str| {
            TfExpr::Object(vec![
                ("source".into(), TfExpr::s(source)),
                ("version".into(), TfExpr::s(version)),
            ])
        };
        req.attr("azurerm", entry("hashicorp/azurerm", AZURERM_VERSION));
        if self.azapi_used {
            req.attr("azapi", entry("Azure/azapi", AZAPI_VERSION));
        }
        for p in used {
            let (source, version) = match p.as_str() {
                "random" => ("hashicorp/random", ">= 3.0.0"),
                "null" => ("hashicorp/null", ">= 3.0.0"),
                "local" => ("hashicorp/local", ">= 2.0.0"),
                "tls" => ("hashicorp/tls", ">= 4.0.0"),
                "archive" => ("hashicorp/archive", ">= 2.0.0"),
                "time" => ("hashicorp/time", ">= 0.9.0"),
                "kubernetes" => ("hashicorp/kubernetes", ">= 2.20.0"),
                "helm" => ("hashicorp/helm", ">= 2.9.0"),
                "kubectl" => ("alekc/kubectl", ">= 2.0.0"),
                _ => continue,
            };
            // The module's own constraint for a provider it keeps, when it gave one.
            match declared.iter().find(|(n, _, _)| n == p) {
                Some((_, s, Some(v))) if !s.is_empty() => req.attr(p, entry(s, v)),
                _ => req.attr(p, entry(source, version)),
            };
        }
        let mut tf = Block::new("terraform", &[]);
        tf.attr("required_version", TfExpr::s(">= 1.5.0"));
        tf.items.push(Item::Blank);
        tf.block(req);
        let mut prov = Block::new("provider", &["azurerm"]);
        if self.storage_azuread {
            // Accounts without shared keys: the provider reaches their data plane with Entra ID.
            prov.attr("storage_use_azuread", TfExpr::Bool(true));
        }
        prov.block(Block::new("features", &[]));
        let mut blocks = vec![tf, prov];
        if self.azapi_used {
            blocks.push(Block::new("provider", &["azapi"]));
        }
        print_file(&[], &blocks)
    }
}

/// `dynamic "name" { for_each = …  content { … } }`.
fn dynamic(name: &str, for_each: TfExpr, content: Block) -> Block {
    let mut d = Block::new("dynamic", &[name]);
    d.items.push(Item::Attr("for_each".into(), for_each));
    d.items.push(Item::Block(content));
    d
}

/// The block an element of an `each` rule is written as: the rule's block name, or with
/// `transform: block_per_key` the element's literal `key` member in snake case (an Event
/// Grid advanced filter `{operatorType: StringIn, …}` → `string_in { … }`).
fn block_name(rule: &Rule, name: &str, it: &AzExpr, prefix: &str) -> Result<String, String> {
    if rule.transform.as_deref() != Some("block_per_key") {
        return Ok(name.to_string());
    }
    let key = rule.key.as_deref().unwrap_or("type");
    match it.get(key) {
        Some(AzExpr::Str(s)) => Ok(crate::names::snake(s)),
        _ => Err(format!(
            "`{prefix}` holds an element without a literal `{key}`"
        )),
    }
}

/// Each parameter's Terraform variable name (snake_case, unique, never
/// `resource_group_name`), by Bicep parameter name: what a caller of the module sets.
pub fn variable_names(m: &AzModule) -> BTreeMap<String, String> {
    let mut used = BTreeSet::from(["resource_group_name".to_string()]);
    let mut out = BTreeMap::new();
    for p in &m.params {
        let base = p.tf_name.clone().unwrap_or_else(|| snake(&p.name));
        let mut n = base.clone();
        let mut k = 2;
        while !used.insert(n.clone()) {
            n = format!("{base}_{k}");
            k += 1;
        }
        out.insert(p.name.clone(), n);
    }
    out
}

/// An App Configuration key-value's ARM name split at its label separator (`key$label`,
/// the first `$` of a literal part): the key and the label, if any.
fn split_label(v: &AzExpr) -> (AzExpr, Option<AzExpr>) {
    match v {
        AzExpr::Str(t) => match t.split_once('$') {
            Some((k, l)) => (AzExpr::str(k), Some(AzExpr::str(l))),
            None => (v.clone(), None),
        },
        AzExpr::Interp(parts) => {
            let mut key = Vec::new();
            let mut label: Option<Vec<Interp>> = None;
            for p in parts {
                match (&mut label, p) {
                    (Some(l), p) => l.push(p.clone()),
                    (None, Interp::Lit(t)) if t.contains('$') => {
                        let (k, l) = t.split_once('$').unwrap_or((t, ""));
                        key.push(Interp::Lit(k.to_string()));
                        label = Some(vec![Interp::Lit(l.to_string())]);
                    }
                    (None, p) => key.push(p.clone()),
                }
            }
            (crate::azure::interp(key), label.map(crate::azure::interp))
        }
        _ => (v.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_reads_the_first_literal_of_an_interpolation() {
        let c = Cond {
            path: "properties.scope".into(),
            starts_with: Some("/apis/".into()),
            ..Cond::default()
        };
        let body =
            |scope: AzExpr| AzExpr::obj(vec![("properties", AzExpr::obj(vec![("scope", scope)]))]);
        let api = crate::azure::interp(vec![
            Interp::Lit("/apis/".into()),
            Interp::Expr(AzExpr::path("api", "name")),
        ]);
        let product = crate::azure::interp(vec![
            Interp::Lit("/products/".into()),
            Interp::Expr(AzExpr::path("plan", "name")),
        ]);
        assert!(cond_holds(&c, &body(api)));
        assert!(!cond_holds(&c, &body(product)));
        assert!(!cond_holds(&c, &body(AzExpr::str("/apis"))));
        assert!(cond_holds(&c, &body(AzExpr::str("/apis/x"))));
    }

    fn lower<'a>(m: &'a AzModule, tables: &'a AzurermTables) -> Lower<'a> {
        Lower {
            m,
            tables,
            forms: BTreeMap::new(),
            forced: BTreeMap::new(),
            missing: BTreeMap::new(),
            exports: BTreeMap::new(),
            params: BTreeMap::new(),
            vars: BTreeMap::new(),
            loop_vars: Vec::new(),
            extra: Vec::new(),
            current_meta: Vec::new(),
            storage_azuread: false,
            current_loop: None,
            needs_rg: false,
            needs_client: false,
            needs_subscription: false,
            azapi_used: false,
            findings: Vec::new(),
        }
    }

    #[test]
    fn a_change_to_an_existing_subnet_is_its_association_or_an_update() {
        let mut sources = crate::source::SourceMap::default();
        let (tables, _) = crate::run::Tables::load(&mut sources, None);
        let change = |props: AzExpr| AzResource {
            symbol: "webSubnets".into(),
            ty: "Microsoft.Network/virtualNetworks/subnets".into(),
            api: "2025-09-01".into(),
            body: vec![("properties".into(), props)],
            for_each: Some(("subnetId".into(), AzExpr::ident("subnetIds"))),
            updates: Some(AzExpr::ident("subnetId")),
            ..AzResource::default()
        };
        let nsg = AzExpr::obj(vec![(
            "networkSecurityGroup",
            AzExpr::obj(vec![("id", AzExpr::path("web", "id"))]),
        )]);
        let endpoints = AzExpr::obj(vec![(
            "serviceEndpoints",
            AzExpr::Array(vec![AzExpr::obj(vec![(
                "service",
                AzExpr::str("Microsoft.Storage"),
            )])]),
        )]);
        let m = AzModule {
            resources: vec![change(nsg), change(endpoints)],
            ..AzModule::default()
        };
        let mut l = lower(&m, &tables.azurerm);
        match l.update_form(&m.resources[0]) {
            Form::Update { ty, association } => {
                assert_eq!(ty, "azurerm_subnet_network_security_group_association");
                let (i, k) = association.expect("an association");
                let b = l.update_block(&m.resources[0], &ty, Some((i, k)));
                let text = super::super::hcl::print_file(&[], &[b]);
                assert!(text.contains("for_each"), "{text}");
                assert!(
                    text.contains("subnet_id                 = each.value"),
                    "{text}"
                );
            }
            _ => panic!("not an update"),
        }
        // No association sets service endpoints: the ARM change itself.
        match l.update_form(&m.resources[1]) {
            Form::Update { ty, association } => {
                assert_eq!(ty, "azapi_update_resource");
                assert!(association.is_none());
                let b = l.update_block(&m.resources[1], &ty, None);
                let text = super::super::hcl::print_file(&[], &[b]);
                assert!(text.contains("resource_id = each.value"), "{text}");
                assert!(
                    text.contains("Microsoft.Network/virtualNetworks/subnets@2025-09-01"),
                    "{text}"
                );
            }
            _ => panic!("not an update"),
        }
    }

    #[test]
    fn number_transform_reads_numeric_text() {
        let (m, t) = (AzModule::default(), AzurermTables::default());
        let mut l = lower(&m, &t);
        let rule = Rule {
            transform: Some("number".into()),
            ..Rule::default()
        };
        let num = |l: &mut Lower, v: AzExpr| l.value(&rule, &v, "p");
        assert_eq!(num(&mut l, AzExpr::str("2")), Ok(TfExpr::Num("2".into())));
        assert_eq!(
            num(&mut l, AzExpr::str("-0.5")),
            Ok(TfExpr::Num("-0.5".into()))
        );
        assert_eq!(num(&mut l, AzExpr::Int(6)), Ok(l.expr(&AzExpr::Int(6))));
        // `string(x)` is x itself.
        let p = AzExpr::Ident("minSize".into());
        let want = l.expr(&p);
        assert_eq!(
            num(&mut l, AzExpr::Call("string".into(), vec![p])),
            Ok(want)
        );
        for bad in ["two", "1e3", "+2", "2.", ".5", "0x10", ""] {
            assert!(num(&mut l, AzExpr::str(bad)).is_err(), "{bad}");
        }
        assert!(num(&mut l, AzExpr::Bool(true)).is_err());
    }

    #[test]
    fn only_transform_takes_a_single_value() {
        let (m, t) = (AzModule::default(), AzurermTables::default());
        let mut l = lower(&m, &t);
        let rule = Rule {
            transform: Some("only".into()),
            ..Rule::default()
        };
        let one = AzExpr::Array(vec![AzExpr::str("v=spf1 -all")]);
        assert_eq!(
            l.value(&rule, &one, "p"),
            Ok(TfExpr::Str("v=spf1 -all".into()))
        );
        let two = AzExpr::Array(vec![AzExpr::str("a"), AzExpr::str("b")]);
        assert!(l.value(&rule, &two, "p").is_err());
        assert!(l.value(&rule, &AzExpr::Array(vec![]), "p").is_err());
        assert!(l.value(&rule, &AzExpr::str("a"), "p").is_err());
    }

    #[test]
    fn resource_id_of_a_module_resource_is_a_reference() {
        const POOL: &str = "Microsoft.Network/loadBalancers/backendAddressPools";
        let m = AzModule {
            resources: vec![
                AzResource {
                    symbol: "lb".into(),
                    ty: "Microsoft.Network/loadBalancers".into(),
                    name: AzExpr::str("lb-web"),
                    ..AzResource::default()
                },
                AzResource {
                    symbol: "lb_pool_web".into(),
                    ty: POOL.into(),
                    parent: Some("lb".into()),
                    name: AzExpr::str("web"),
                    ..AzResource::default()
                },
            ],
            ..AzModule::default()
        };
        let t = AzurermTables::default();
        let l = lower(&m, &t);
        let s = |x: &str| AzExpr::str(x);
        assert_eq!(
            l.module_resource_of(&[s(POOL), s("lb-web"), s("web")]),
            Some("lb_pool_web".into())
        );
        // Another balancer's pool, a name set at deployment, a type with other segments.
        assert_eq!(
            l.module_resource_of(&[s(POOL), s("lb-api"), s("web")]),
            None
        );
        assert_eq!(
            l.module_resource_of(&[s(POOL), s("lb-web"), AzExpr::Ident("p".into())]),
            None
        );
        assert_eq!(l.module_resource_of(&[s(POOL), s("web")]), None);
    }

    #[test]
    fn dependency_ids_keeps_the_resources_of_the_type() {
        let res = |sym: &str, ty: &str| AzResource {
            symbol: sym.into(),
            ty: ty.into(),
            ..AzResource::default()
        };
        const ORIGIN: &str = "Microsoft.Cdn/profiles/originGroups/origins";
        let m = AzModule {
            resources: vec![
                res("o1", ORIGIN),
                res("g", "Microsoft.Cdn/profiles/originGroups"),
            ],
            ..AzModule::default()
        };
        let t = AzurermTables::default();
        let mut l = lower(&m, &t);
        l.forms.insert("o1".into(), Form::Azapi { data: false });
        l.forms.insert("g".into(), Form::Azapi { data: false });
        let rule = Rule {
            transform: Some("dependency_ids".into()),
            key: Some(ORIGIN.into()),
            ..Rule::default()
        };
        let deps =
            |s: &[&str]| AzExpr::Array(s.iter().map(|x| AzExpr::Ident(x.to_string())).collect());
        let want = l.expr(&AzExpr::path("o1", "id"));
        assert_eq!(
            l.value(&rule, &deps(&["g", "o1"]), "dependsOn"),
            Ok(TfExpr::Array(vec![want]))
        );
        assert!(l.value(&rule, &deps(&["g"]), "dependsOn").is_err());
    }

    #[test]
    fn resource_id_name_takes_the_part_name() {
        let (m, t) = (AzModule::default(), AzurermTables::default());
        let mut l = lower(&m, &t);
        let rule = Rule {
            transform: Some("resource_id_name".into()),
            ..Rule::default()
        };
        let rid = |args: Vec<AzExpr>| AzExpr::Call("resourceId".into(), args);
        let probe = rid(vec![
            AzExpr::str("Microsoft.Network/applicationGateways/probes"),
            AzExpr::str("agw"),
            AzExpr::str("web"),
        ]);
        assert_eq!(l.value(&rule, &probe, "p"), Ok(TfExpr::s("web")));
        // A name that is an expression is lowered as one.
        let name = AzExpr::Ident("poolName".into());
        let want = l.expr(&name);
        let pool = rid(vec![
            AzExpr::str("Microsoft.Network/applicationGateways/backendAddressPools"),
            AzExpr::str("agw"),
            name,
        ]);
        assert_eq!(l.value(&rule, &pool, "p"), Ok(want));
        // Anything else fails: a type that is not literal, names that do not match the type
        // (a subscription or group argument), an id that is not a resource's.
        for bad in [
            rid(vec![AzExpr::Ident("ty".into()), AzExpr::str("a")]),
            rid(vec![
                AzExpr::str("rg"),
                AzExpr::str("Microsoft.Network/applicationGateways/probes"),
                AzExpr::str("agw"),
                AzExpr::str("web"),
            ]),
            rid(vec![AzExpr::str(
                "Microsoft.Network/applicationGateways/probes",
            )]),
            AzExpr::str("/subscriptions/x/probes/web"),
            AzExpr::path("unknown", "id"),
        ] {
            assert!(l.value(&rule, &bad, "p").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pluck_reads_one_member_per_entry() {
        let (m, t) = (AzModule::default(), AzurermTables::default());
        let mut l = lower(&m, &t);
        let rule = Rule {
            transform: Some("pluck".into()),
            key: Some("fqdn".into()),
            ignore: vec!["ipAddress".into()],
            ..Rule::default()
        };
        let list = AzExpr::Array(vec![
            AzExpr::obj(vec![("fqdn", AzExpr::str("a.example"))]),
            AzExpr::obj(vec![("ipAddress", AzExpr::str("10.0.0.4"))]),
            AzExpr::obj(vec![("fqdn", AzExpr::str("b.example"))]),
        ]);
        assert_eq!(
            l.value(&rule, &list, "p"),
            Ok(TfExpr::Array(vec![
                TfExpr::s("a.example"),
                TfExpr::s("b.example")
            ]))
        );
        assert_eq!(
            l.value(&rule, &AzExpr::Array(vec![]), "p"),
            Ok(TfExpr::Array(vec![]))
        );
        // A `for` that only wraps each element: the list it walks.
        let walked = AzExpr::For(
            "x".into(),
            Box::new(AzExpr::Ident("hosts".into())),
            Box::new(AzExpr::obj(vec![("fqdn", AzExpr::Ident("x".into()))])),
        );
        let hosts = l.expr(&AzExpr::Ident("hosts".into()));
        assert_eq!(l.value(&rule, &walked, "p"), Ok(hosts));
        // A member no rule reads, two members in one entry, an expression: azapi.
        for bad in [
            AzExpr::Array(vec![AzExpr::obj(vec![("other", AzExpr::str("x"))])]),
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("fqdn", AzExpr::str("a")),
                ("ipAddress", AzExpr::str("b")),
            ])]),
            AzExpr::Ident("pools".into()),
        ] {
            assert!(l.value(&rule, &bad, "p").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ref_id_needs_the_prefix_and_a_resource_name() {
        let m = AzModule {
            resources: vec![AzResource {
                symbol: "plan".into(),
                ty: "Microsoft.ApiManagement/service/products".into(),
                ..AzResource::default()
            }],
            ..AzModule::default()
        };
        let t = AzurermTables::default();
        let mut l = lower(&m, &t);
        l.forms.insert("plan".into(), Form::Azapi { data: false });
        let rule = Rule {
            transform: Some("ref_id".into()),
            sep: Some("/products/".into()),
            ..Rule::default()
        };
        let scope =
            |lit: &str, x: AzExpr| AzExpr::Interp(vec![Interp::Lit(lit.into()), Interp::Expr(x)]);
        assert_eq!(
            l.value(
                &rule,
                &scope("/products/", AzExpr::path("plan", "name")),
                "p"
            ),
            Ok(TfExpr::r("azapi_resource.plan.id"))
        );
        for bad in [
            scope("/apis/", AzExpr::path("plan", "name")),
            scope("/products/", AzExpr::path("plan", "id")),
            scope("/products/", AzExpr::path("other", "name")),
            AzExpr::str("/apis"),
        ] {
            assert!(l.value(&rule, &bad, "p").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn resource_id_of_a_child_type_interleaves_names() {
        let base = TfExpr::r("rg.id");
        let id = resource_id(
            base.clone(),
            &[
                TfExpr::s("Microsoft.Network/applicationGateways/backendAddressPools"),
                TfExpr::s("agw"),
                TfExpr::r("var.pool"),
            ],
        );
        assert_eq!(
            id,
            TfExpr::Template(vec![
                Part::Expr(base.clone()),
                Part::Lit("/providers/".into()),
                Part::Lit("Microsoft.Network/applicationGateways/agw/backendAddressPools/".into()),
                Part::Expr(TfExpr::r("var.pool")),
            ])
        );
        // A top-level type keeps its one name after it.
        let top = resource_id(
            base.clone(),
            &[
                TfExpr::s("Microsoft.Network/virtualNetworks"),
                TfExpr::s("v"),
            ],
        );
        assert_eq!(
            top,
            TfExpr::Template(vec![
                Part::Expr(base),
                Part::Lit("/providers/".into()),
                Part::Lit("Microsoft.Network/virtualNetworks".into()),
                Part::Lit("/".into()),
                Part::Lit("v".into()),
            ])
        );
    }

    #[test]
    fn an_empty_property_bag_is_no_leaf() {
        let e = AzExpr::obj(vec![
            ("properties", AzExpr::obj(vec![])),
            ("sku", AzExpr::obj(vec![])),
            (
                "identity",
                AzExpr::obj(vec![("properties", AzExpr::obj(vec![]))]),
            ),
        ]);
        let mut out = Vec::new();
        leaves(&e, "", &mut out);
        assert_eq!(out, vec!["sku".to_string()]);
    }
}
