//! Literal secrets are never copied into the output.
//!
//! Before mapping, [`extract`] finds the secrets the input writes as literals: a
//! Secrets Manager `SecretString`, a property named like a credential
//! (`MasterUserPassword`, `AuthToken`, `ClientSecret`, `*ApiKey`), an environment
//! variable named like one (`DB_PASSWORD`, `API_KEY`, `GITHUB_TOKEN`), the default or
//! `terraform.tfvars` value of a parameter that carries a secret (NoEcho, `sensitive`,
//! named like a credential, or used as one). Each literal is replaced by a reference
//! to a secure parameter without a default (a new one, named after what it stood for,
//! or the parameter itself), so every back end and the report only ever see the
//! reference. After mapping, [`record`] adds a warning per literal (its place, never
//! its value) and a decision per owner saying where the value now comes from.

use std::collections::{BTreeMap, BTreeSet};

use super::context::Ctx;
use super::table::{MapTables, When};
use crate::azure::Vocabulary;
use crate::diag::{Diagnostic, codes};
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::model::template::{Parameter, Resource, SecretOrigin, Template};
use crate::model::terraform::PassItem;
use crate::source::Span;

/// The words of a name, lower case: `MasterUserPassword` → master user password,
/// `DB_PASSWORD` → db password, `OAuthToken` → o auth token, `x-api-key` → x api key.
pub fn name_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    // `Password2` is a password; `password_wo` (Terraform write-only) too.
    for w in &mut words {
        while w.len() > 1 && w.ends_with(|c: char| c.is_ascii_digit()) {
            w.pop();
        }
    }
    if words.len() > 1 && words.last().is_some_and(|w| w == "wo") {
        words.pop();
    }
    words
}

/// A property, variable or environment variable name that holds a credential:
/// `Password`, `MasterUserPassword`, `AuthToken`, `ClientSecret`, `ApiKey`,
/// `PrivateKey`, `DB_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`. Not names of
/// references or settings about secrets: `KeyName`, `KmsKeyId`, `SecretArn`,
/// `SecretName`, `PasswordLength`, `ClientToken` (an idempotency token), `HttpTokens`.
pub fn is_secret_name(name: &str) -> bool {
    // Step Functions: `"Password.$": "$.input.password"` is a path into the input.
    if name.ends_with(".$") {
        return false;
    }
    let w = name_words(name);
    let n = w.len();
    let Some(last) = w.last().map(String::as_str) else {
        return false;
    };
    let prev = n.checked_sub(2).map(|i| w[i].as_str());
    let prev2 = n.checked_sub(3).map(|i| w[i].as_str());
    match last {
        "password" | "passwd" | "passphrase" | "pwd" | "secret" => true,
        // `DB_PASS`, `SMTP_PASS`; a bare `pass` is too vague.
        "pass" => n > 1,
        "token" => !matches!(
            prev,
            Some(
                "client"
                    | "service"
                    | "request"
                    | "idempotency"
                    | "next"
                    | "continuation"
                    | "pagination"
                    | "page"
            )
        ),
        "key" => match prev {
            Some("api" | "private" | "secret" | "signing" | "shared") => true,
            Some("access") => prev2 == Some("secret"),
            _ => false,
        },
        // EventBridge connections: `ApiKeyValue`.
        "value" => prev == Some("key") && prev2 == Some("api"),
        _ => [
            "password",
            "passwd",
            "secret",
            "apikey",
            "apitoken",
            "authtoken",
            "accesstoken",
            "privatekey",
            "secretkey",
        ]
        .iter()
        .any(|s| last.ends_with(s)),
    }
}

/// Functions that give a constant for constant arguments.
const PURE: &[&str] = &[
    "jsonencode",
    "yamlencode",
    "base64encode",
    "tostring",
    "sensitive",
    "nonsensitive",
    "trimspace",
    "join",
    "format",
];

/// A value written out in full: no reference, parameter, resource or condition.
fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::Str(_) => true,
        ExprKind::List(l) => l.iter().all(is_constant),
        ExprKind::Object(m) => m.iter().all(|(_, _, v)| is_constant(v)),
        ExprKind::Sub(parts) => parts.iter().all(|p| match p {
            SubPart::Lit(_) => true,
            SubPart::Expr(x) => is_constant(x),
        }),
        ExprKind::Join { sep, items } => is_constant(sep) && is_constant(items),
        ExprKind::Base64(a) | ExprKind::ToJsonString(a) => is_constant(a),
        ExprKind::Call(f, args) => PURE.contains(&f.as_str()) && args.iter().all(is_constant),
        _ => false,
    }
}

/// The text of a literal scalar (a string, a number, a `Fn::Sub` without variables).
fn scalar_text(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) | ExprKind::Number(s) => Some(s.clone()),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => Some(l.clone()),
                SubPart::Expr(x) => scalar_text(x),
            })
            .collect(),
        _ => None,
    }
}

/// A literal that is a secret's value: a constant string (or a string built from
/// constants, `jsonencode({...})`), not empty, not a boolean setting, and not a
/// reference written as text (an ARN, a Parameter Store path, a JSONPath, `${X}`).
pub fn is_literal_secret(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Bool(_) | ExprKind::Null | ExprKind::List(_) | ExprKind::Object(_) => false,
        _ if !is_constant(e) => false,
        _ => match scalar_text(e) {
            Some(t) => is_secret_text(&t),
            // A constant built by a function (`jsonencode({...})`, `Fn::Join`).
            None => true,
        },
    }
}

/// Text that can be a secret's value (see [`is_literal_secret`]).
pub fn is_secret_text(t: &str) -> bool {
    let t = t.trim();
    !(t.is_empty()
        || t.eq_ignore_ascii_case("true")
        || t.eq_ignore_ascii_case("false")
        || t.starts_with("arn:")
        || t.starts_with('/')
        || t.starts_with("$.")
        || (t.starts_with("${") && t.ends_with('}') && t.matches("${").count() == 1))
}

/// Mutable children of an expression.
fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    use ExprKind::*;
    match &mut e.kind {
        List(l) | And(l) | Or(l) | Call(_, l) => l.iter_mut().collect(),
        Object(m) => m.iter_mut().map(|(_, _, v)| v).collect(),
        Sub(parts) => parts
            .iter_mut()
            .filter_map(|p| match p {
                SubPart::Expr(x) => Some(x),
                SubPart::Lit(_) => None,
            })
            .collect(),
        Join { sep: a, items: b }
        | Select { index: a, list: b }
        | Split { sep: a, source: b }
        | Equals(a, b)
        | BinOp(_, a, b)
        | Index(a, b) => vec![&mut **a, &mut **b],
        If { then, other, .. } => vec![&mut **then, &mut **other],
        Not(a)
        | ImportValue(a)
        | GetAZs(a)
        | Base64(a)
        | Length(a)
        | ToJsonString(a)
        | Neg(a)
        | Attr(a, _) => vec![&mut **a],
        Cond(a, b, c) => vec![&mut **a, &mut **b, &mut **c],
        Cidr { block, count, bits } => vec![&mut **block, &mut **count, &mut **bits],
        FindInMap {
            top,
            second,
            default,
            ..
        } => {
            let mut v = vec![&mut **top, &mut **second];
            if let Some(d) = default {
                v.push(&mut **d);
            }
            v
        }
        For(fe) => {
            let fe = &mut **fe;
            let mut v = vec![&mut fe.collection, &mut fe.value];
            if let Some(k) = &mut fe.key {
                v.push(k);
            }
            if let Some(c) = &mut fe.cond {
                v.push(c);
            }
            v
        }
        Null
        | Bool(_)
        | Number(_)
        | Str(_)
        | Ref(_)
        | GetAtt { .. }
        | Condition(_)
        | Dynamic(_)
        | Opaque(_)
        | Local(_)
        | LoopVar(_)
        | ModuleOutput { .. }
        | TfRef { .. } => Vec::new(),
    }
}

fn span_key(s: Span) -> (u32, u32, u32) {
    (s.file.0, s.start, s.end)
}

/// Shorter texts are replaced only where they were written (and in exact copies of
/// that place), never where they merely occur.
const SCRUB_MIN: usize = 8;

struct Finder {
    terraform: bool,
    /// Names parameters, resources and variables already use (lower case).
    taken: BTreeSet<String>,
    /// A literal's place (and copies of it) → its parameter.
    by_span: BTreeMap<(u32, u32, u32), String>,
    /// Secret texts → their parameter, to replace where they occur again.
    texts: BTreeMap<String, String>,
    /// Parameters a secret property references directly.
    feeds: BTreeSet<String>,
    new_params: Vec<Parameter>,
    /// Terraform resource names, by logical id (for variable names).
    tf_names: BTreeMap<String, String>,
}

impl Finder {
    /// Scans `e`, a value `owner` holds at `path`: literals under secret names are replaced.
    fn scan(&mut self, e: &mut Expr, owner: &str, path: &mut Vec<String>) {
        // Settings about tokens (Cognito `TokenValidityUnits: {AccessToken: hours}`).
        let about = path.last().is_some_and(|k| {
            name_words(k)
                .iter()
                .any(|w| w == "validity" || w == "units")
        });
        if let ExprKind::Object(m) = &mut e.kind
            && !about
        {
            // `{Name: DB_PASSWORD, Value: …}` (ECS, CodeBuild, Beanstalk, Helm `set`).
            let pair = m
                .iter()
                .find(|(k, _, _)| matches!(k.as_str(), "Name" | "name" | "OptionName"))
                .and_then(|(_, _, v)| v.literal_text())
                .filter(|n| is_secret_name(n));
            for (k, _, v) in m.iter_mut() {
                let label = match &pair {
                    Some(n) if k == "Value" || k == "value" => Some(n.clone()),
                    _ if is_secret_name(k) => Some(k.clone()),
                    _ => None,
                };
                path.push(k.clone());
                let taken = match label {
                    Some(l) => self.take(v, owner, path, &l),
                    None => false,
                };
                if !taken {
                    self.scan(v, owner, path);
                }
                path.pop();
            }
            return;
        }
        for c in children_mut(e) {
            self.scan(c, owner, path);
        }
    }

    /// Replaces `v` by a secure parameter when it is a literal secret; true when it was.
    /// `label` names the secret (the property or environment variable).
    fn take(&mut self, v: &mut Expr, owner: &str, path: &[String], label: &str) -> bool {
        if let ExprKind::Ref(p) = &v.kind {
            self.feeds.insert(p.clone());
            return false;
        }
        if !is_literal_secret(v) {
            return false;
        }
        let key = span_key(v.span);
        let what = if path.is_empty() {
            owner.to_string()
        } else {
            format!("{owner}.{}", path.join("."))
        };
        let name = match self.by_span.get(&key) {
            Some(n) => n.clone(),
            None => {
                let name = self.fresh(owner, label);
                let desc = format!(
                    "Replaces the literal secret {what} of the input (not copied). Supply it from Key Vault."
                );
                self.new_params.push(Parameter {
                    name: name.clone(),
                    span: v.span,
                    ty: "String".into(),
                    default: None,
                    allowed_values: Vec::new(),
                    allowed_pattern: None,
                    min_length: None,
                    max_length: None,
                    min_value: None,
                    max_value: None,
                    no_echo: true,
                    description: Some(desc),
                    tf_type: self.terraform.then(|| "string".to_string()),
                    secret: Some(SecretOrigin {
                        stands_for: Some((owner.to_string(), what.clone())),
                        promoted: false,
                        dropped_default: false,
                        literals: vec![(v.span, what)],
                    }),
                });
                self.by_span.insert(key, name.clone());
                name
            }
        };
        self.remember_texts(v, &name);
        *v = Expr::new(ExprKind::Ref(name), v.span);
        true
    }

    /// The texts of a secret literal, to find copies of it elsewhere.
    fn remember_texts(&mut self, v: &Expr, name: &str) {
        if let Some(t) = scalar_text(v) {
            if t.chars().count() >= SCRUB_MIN {
                self.texts.entry(t).or_insert_with(|| name.to_string());
            }
            return;
        }
        // `jsonencode({password = "…"})`: the values under secret names.
        let mut texts = Vec::new();
        secret_leaves(v, &mut texts);
        for t in texts {
            if t.chars().count() >= SCRUB_MIN {
                self.texts.entry(t).or_insert_with(|| name.to_string());
            }
        }
    }

    /// A parameter name no parameter, resource or variable has: `OrdersDbMasterUserPassword`,
    /// or in Terraform `orders_master_user_password`.
    fn fresh(&mut self, owner: &str, label: &str) -> String {
        let words = name_words(label);
        let base = if self.terraform {
            let bare = owner
                .strip_prefix("module.")
                .or_else(|| owner.strip_prefix("local."))
                .unwrap_or(owner);
            let own = self
                .tf_names
                .get(owner)
                .cloned()
                .unwrap_or_else(|| bare.to_string());
            let own = crate::names::snake(&own);
            let tail = words.join("_");
            if tail.is_empty() || own == tail || own.ends_with(&format!("_{tail}")) {
                own
            } else {
                format!("{own}_{tail}")
            }
        } else {
            let tail: String = words.iter().map(|w| crate::names::capital(w)).collect();
            let own: String = owner
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let own = crate::names::capital(&own);
            if own.ends_with(&tail) {
                own
            } else {
                format!("{own}{tail}")
            }
        };
        let mut name = base.clone();
        let mut n = 2;
        while !self.taken.insert(name.to_ascii_lowercase()) {
            name = if self.terraform {
                format!("{base}_{n}")
            } else {
                format!("{base}{n}")
            };
            n += 1;
        }
        name
    }

    fn scan_pass(&mut self, items: &mut [PassItem], owner: &str, path: &mut Vec<String>) {
        // Helm `set_sensitive { name = …, value = … }`: the value is a secret whatever its name.
        let pair = items
            .iter()
            .find_map(|i| match i {
                PassItem::Attr(k, v) if k == "name" => v.literal_text(),
                _ => None,
            })
            .filter(|n| is_secret_name(n) || path.last().is_some_and(|b| b == "set_sensitive"));
        for it in items.iter_mut() {
            match it {
                PassItem::Attr(k, v) => {
                    let label = match &pair {
                        Some(n) if k == "value" => Some(n.clone()),
                        _ if is_secret_name(k) => Some(k.clone()),
                        _ => None,
                    };
                    path.push(k.clone());
                    let taken = label.is_some_and(|l| self.take(v, owner, path, &l));
                    if !taken {
                        self.scan(v, owner, path);
                    }
                    path.pop();
                }
                PassItem::Block(k, _, body) => {
                    path.push(k.clone());
                    self.scan_pass(body, owner, path);
                    path.pop();
                }
            }
        }
    }
}

/// Texts under secret names inside a constant (`{password = "…"}`).
fn secret_leaves(e: &Expr, out: &mut Vec<String>) {
    e.walk(&mut |x| {
        if let ExprKind::Object(m) = &x.kind {
            for (k, _, v) in m {
                if is_secret_name(k)
                    && let Some(t) = scalar_text(v)
                    && is_secret_text(&t)
                {
                    out.push(t);
                }
            }
        }
    });
}

/// Replaces copies of secret literals: exact copies of a replaced place, and the
/// longer secret texts wherever they occur in a string.
fn scrub(e: &mut Expr, f: &Finder) {
    match &mut e.kind {
        ExprKind::Str(s) => {
            if let Some(name) = f
                .by_span
                .get(&span_key(e.span))
                .or_else(|| f.texts.get(s.as_str()))
            {
                e.kind = ExprKind::Ref(name.clone());
                return;
            }
            let parts = split_text(s, f, e.span);
            if parts.len() > 1 || matches!(parts.first(), Some(SubPart::Expr(_))) {
                e.kind = ExprKind::Sub(parts);
            }
        }
        ExprKind::Sub(parts) => {
            let mut out = Vec::new();
            for p in std::mem::take(parts) {
                match p {
                    SubPart::Lit(l) => out.extend(split_text(&l, f, e.span)),
                    SubPart::Expr(mut x) => {
                        scrub(&mut x, f);
                        out.push(SubPart::Expr(x));
                    }
                }
            }
            *parts = out;
        }
        _ => {
            for c in children_mut(e) {
                scrub(c, f);
            }
        }
    }
}

/// A text with every secret text in it replaced by its parameter.
fn split_text(s: &str, f: &Finder, span: Span) -> Vec<SubPart> {
    let mut out = Vec::new();
    let mut rest = s;
    'outer: while !rest.is_empty() {
        // The earliest occurrence; the longest text at one place.
        let mut best: Option<(usize, &str, &str)> = None;
        for (t, name) in &f.texts {
            if let Some(i) = rest.find(t.as_str()) {
                let better = match best {
                    None => true,
                    Some((j, bt, _)) => i < j || (i == j && t.len() > bt.len()),
                };
                if better {
                    best = Some((i, t, name));
                }
            }
        }
        match best {
            Some((i, t, name)) => {
                if i > 0 {
                    out.push(SubPart::Lit(rest[..i].to_string()));
                }
                out.push(SubPart::Expr(Expr::new(ExprKind::Ref(name.into()), span)));
                rest = &rest[i + t.len()..];
            }
            None => {
                out.push(SubPart::Lit(rest.to_string()));
                break 'outer;
            }
        }
    }
    out
}

/// The properties of `r` that hold a secret by their place: the type's entry in the
/// lookup table `secret-properties`, when its `when` holds.
fn secret_properties(t: &Template, tables: &MapTables, r: &Resource) -> Vec<String> {
    let Some(entry) = tables.lookup("secret-properties", &r.ty) else {
        return Vec::new();
    };
    let when = entry
        .get("when")
        .and_then(|w| serde_yaml::from_value::<When>(w.clone()).ok());
    if when.is_some_and(|w| !super::table::holds(&w, t, r, false)) {
        return Vec::new();
    }
    tables.lookup_list("secret-properties", &r.ty, "properties")
}

/// Replaces the literal secrets of `t` by secure parameters (see the module comment).
pub fn extract(t: &mut Template, tables: &MapTables) {
    let mut f = new_finder(t);
    take_resource_literals(t, tables, &mut f);
    take_local_and_module_literals(t, &mut f);
    secure_parameters(t, &mut f);
    t.parameters.append(&mut f.new_params);
    if f.texts.is_empty() && f.by_span.is_empty() {
        return;
    }
    scrub_copies(t, &f);
}

/// A finder that knows the names the template's parameters and resources already use.
fn new_finder(t: &Template) -> Finder {
    let terraform = t.tf.is_some();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for p in &t.parameters {
        taken.insert(p.name.to_ascii_lowercase());
    }
    for r in &t.resources {
        taken.insert(r.id.to_ascii_lowercase());
    }
    Finder {
        terraform,
        taken,
        by_span: BTreeMap::new(),
        texts: BTreeMap::new(),
        feeds: BTreeSet::new(),
        new_params: Vec::new(),
        tf_names: t
            .tf
            .as_ref()
            .map(|i| {
                i.tf_names
                    .iter()
                    .map(|(id, (_, n))| (id.clone(), n.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Takes the literal secrets out of the resources' properties.
fn take_resource_literals(t: &mut Template, tables: &MapTables, f: &mut Finder) {
    // Values that are secrets whatever their property's name (lookup table `secret-properties`).
    let keys: Vec<Vec<String>> = t
        .resources
        .iter()
        .map(|r| secret_properties(t, tables, r))
        .collect();
    for (r, keys) in t.resources.iter_mut().zip(keys) {
        let owner = r.id.clone();
        let mut path = Vec::new();
        if let ExprKind::Object(m) = &mut r.properties.kind {
            for (k, _, v) in m.iter_mut() {
                if keys.contains(k) {
                    path.push(k.clone());
                    let label = k.clone();
                    f.take(v, &owner, &path, &label);
                    path.pop();
                }
            }
        }
        f.scan(&mut r.properties, &owner, &mut path);
    }
}

/// Takes the literal secrets out of the locals, the module inputs and the passthrough blocks.
fn take_local_and_module_literals(t: &mut Template, f: &mut Finder) {
    for l in &mut t.locals {
        let owner = format!("local.{}", l.name);
        if is_secret_name(&l.name) && f.take(&mut l.value, &owner, &[], &l.name.clone()) {
            continue;
        }
        f.scan(&mut l.value, &owner, &mut Vec::new());
    }
    if let Some(info) = t.tf.as_mut() {
        for call in &mut info.modules {
            let owner = format!("module.{}", call.name);
            for (k, v) in &mut call.inputs {
                let path = vec![k.clone()];
                if is_secret_name(k) && f.take(v, &owner, &path, &k.clone()) {
                    continue;
                }
                f.scan(v, &owner, &mut path.clone());
            }
        }
        for p in &mut info.passthrough {
            let owner = format!("{}.{}", p.ty, p.name);
            f.scan_pass(&mut p.body, &owner, &mut Vec::new());
        }
    }
}

/// Parameters that carry a secret: their literal values (default, allowed values,
/// `terraform.tfvars` value) are left out and each is marked secure.
fn secure_parameters(t: &mut Template, f: &mut Finder) {
    let mut tfvars =
        t.tf.as_mut()
            .map(|i| std::mem::take(&mut i.tfvars))
            .unwrap_or_default();
    for p in &mut t.parameters {
        let stringy = p.ty == "String"
            && p.tf_type
                .as_deref()
                .is_none_or(|ty| ty == "string" || ty == "any");
        let named = stringy && is_secret_name(&p.name);
        let used = stringy && f.feeds.contains(&p.name);
        if !(p.no_echo || named || used) {
            continue;
        }
        secure_parameter(p, f, &mut tfvars);
    }
    if let Some(info) = t.tf.as_mut() {
        info.tfvars = tfvars;
    }
}

/// Marks one parameter that carries a secret secure and records where its literals were.
fn secure_parameter(p: &mut Parameter, f: &mut Finder, tfvars: &mut Vec<(String, Expr)>) {
    let mut origin = SecretOrigin {
        promoted: !p.no_echo,
        ..Default::default()
    };
    if let Some(d) = p.default.take() {
        let empty = scalar_text(&d).is_some_and(|s| s.is_empty());
        if is_constant(&d)
            && !matches!(d.kind, ExprKind::Null)
            && scalar_text(&d).is_none_or(|s| is_secret_text(&s))
        {
            origin.literals.push((d.span, "default".into()));
            f.remember_texts(&d, &p.name);
        } else if !origin.promoted || empty {
            // Not a secret's value: a NoEcho parameter's default is dropped when it is
            // declared; `default = ""` keeps an optional secret optional.
            p.default = Some(d);
        } else {
            origin.dropped_default = true;
        }
    }
    p.no_echo = true;
    if !p.allowed_values.is_empty() {
        let first = p.allowed_values[0].span;
        for v in std::mem::take(&mut p.allowed_values) {
            f.remember_texts(&v, &p.name);
        }
        origin.literals.push((first, "allowed values".into()));
    }
    tfvars.retain(|(k, v)| {
        if *k != p.name {
            return true;
        }
        if scalar_text(v).is_none_or(|s| is_secret_text(&s)) && !matches!(v.kind, ExprKind::Null) {
            origin
                .literals
                .push((v.span, "terraform.tfvars value".into()));
            f.remember_texts(v, &p.name);
        }
        false
    });
    if origin.promoted || !origin.literals.is_empty() || origin.dropped_default {
        p.secret = Some(origin);
    }
}

/// Copies: a Terraform attribute that repeats a secret argument, a SAM global, a
/// connection string that spells the password out; each is replaced by its parameter.
fn scrub_copies(t: &mut Template, f: &Finder) {
    for r in &mut t.resources {
        scrub(&mut r.properties, f);
    }
    for o in &mut t.outputs {
        scrub(&mut o.value, f);
    }
    for l in &mut t.locals {
        scrub(&mut l.value, f);
    }
    for c in &mut t.conditions {
        scrub(&mut c.value, f);
    }
    for p in &mut t.parameters {
        if let Some(d) = &mut p.default {
            scrub(d, f);
        }
    }
    if let Some(info) = t.tf.as_mut() {
        for call in &mut info.modules {
            for (_, v) in &mut call.inputs {
                scrub(v, f);
            }
        }
        for p in &mut info.passthrough {
            scrub_pass(&mut p.body, f);
        }
        for (_, v) in &mut info.tfvars {
            scrub(v, f);
        }
    }
}

/// Scrubs the attributes of passthrough blocks, nested blocks included.
fn scrub_pass(items: &mut [PassItem], f: &Finder) {
    for it in items {
        match it {
            PassItem::Attr(_, v) => scrub(v, f),
            PassItem::Block(_, _, b) => scrub_pass(b, f),
        }
    }
}

/// After mapping: a warning per literal left out and a decision per owner; the
/// parameters made for literals nothing in Azure uses are dropped.
pub(super) fn record(cx: &mut Ctx) {
    let t = cx.t;
    let mut used = Vec::new();
    super::prune::collect_used(&cx.module, &mut used);
    let words = secret_words(cx.words);
    // Owner → (what → parameter) for the decisions, in template order.
    let mut by_owner: Vec<(String, Span, Vec<String>)> = Vec::new();
    let mut promoted: Vec<(String, Span)> = Vec::new();
    for p in &t.parameters {
        let Some(origin) = &p.secret else { continue };
        let Some(sym) = cx.param_syms.get(&p.name).cloned() else {
            continue;
        };
        let shown = shown_name(cx, &sym);
        let mut present = cx.module.params.iter().any(|a| a.name == sym);
        if origin.stands_for.is_some() && present && !used.contains(&sym) {
            cx.module.params.retain(|a| a.name != sym);
            present = false;
        }
        let sp = SecretParam {
            p,
            origin,
            shown,
            present,
        };
        match &origin.stands_for {
            Some((owner, what)) => record_stand_in(cx, words, &sp, owner, what, &mut by_owner),
            None => record_secret_parameter(cx, words, &sp, &mut promoted),
        }
    }
    for (owner, span, lines) in by_owner {
        decide_owner(cx, words, &owner, span, &lines);
    }
    decide_promoted(cx, words, promoted);
}

/// How the output words a secure parameter and where its value should be kept.
#[derive(Clone, Copy)]
struct SecretWords {
    secure: &'static str,
    store: &'static str,
}

/// A secret-carrying parameter as the record sees it.
struct SecretParam<'p> {
    p: &'p Parameter,
    origin: &'p SecretOrigin,
    /// The name the output shows for its symbol.
    shown: String,
    /// Its secure parameter is still declared.
    present: bool,
}

/// The words for a secure parameter and its value's store, in the back end's vocabulary.
fn secret_words(v: Vocabulary) -> SecretWords {
    SecretWords {
        secure: v.secure_param,
        store: v.secret_store,
    }
}

/// The name the output shows for the parameter symbol `sym` (its Terraform name when
/// the output is Terraform).
fn shown_name(cx: &Ctx, sym: &str) -> String {
    if cx.words.terraform {
        cx.module
            .params
            .iter()
            .find(|a| a.name == sym)
            .and_then(|a| a.tf_name.clone())
            .unwrap_or_else(|| sym.to_string())
    } else {
        sym.to_string()
    }
}

/// A parameter made for a literal: a warning per literal, and its line in its owner's decision.
fn record_stand_in(
    cx: &mut Ctx,
    words: SecretWords,
    sp: &SecretParam,
    owner: &str,
    what: &str,
    by_owner: &mut Vec<(String, Span, Vec<String>)>,
) {
    let SecretWords { secure, .. } = words;
    let shown = &sp.shown;
    let help = if sp.present {
        format!(
            "it is now the {secure} `{shown}`, with no default: supply the value from Key Vault; rotate the secret, as the input holds it in clear text"
        )
    } else {
        "nothing in the output uses it (its resource is not translated); rotate the secret, as the input holds it in clear text".to_string()
    };
    for (span, _) in &sp.origin.literals {
        cx.diagnostics.push(
            Diagnostic::new(
                codes::SECRET_LITERAL,
                *span,
                format!("literal secret {what} is not copied into the output"),
                "a secret written as a literal",
            )
            .help(help.clone()),
        );
    }
    if sp.present {
        let line = format!("{what} → `{shown}`");
        match by_owner.iter_mut().find(|(o, _, _)| o == owner) {
            Some(slot) => slot.2.push(line),
            None => by_owner.push((owner.to_string(), sp.p.span, vec![line])),
        }
    }
}

/// A parameter of the input that carries a secret: a warning per literal value and a
/// decision saying it is not copied.
fn record_secret_parameter(
    cx: &mut Ctx,
    words: SecretWords,
    sp: &SecretParam,
    promoted: &mut Vec<(String, Span)>,
) {
    let SecretWords { secure, store } = words;
    let (p, origin, shown) = (sp.p, sp.origin, &sp.shown);
    let t = cx.t;
    let tf = cx.words.terraform;
    if origin.promoted {
        promoted.push((p.name.clone(), p.span));
    }
    let kind = if t.tf.is_some() {
        "sensitive variable"
    } else {
        "secret parameter"
    };
    for (span, which) in &origin.literals {
        cx.diagnostics.push(
            Diagnostic::new(
                codes::SECRET_LITERAL,
                *span,
                format!(
                    "the {which} of the {kind} `{}` is not copied into the output",
                    p.name
                ),
                "a secret written as a literal",
            )
            .help(format!(
                "`{shown}` is a {secure} with no default: supply the value from Key Vault; rotate the secret, as the input holds it in clear text"
            )),
        );
    }
    if !origin.literals.is_empty() && sp.present {
        let which: Vec<&str> = origin.literals.iter().map(|(_, w)| w.as_str()).collect();
        let file = cx.file().to_string();
        cx.decide(
            "secret-literal",
            Some((&p.name, p.span)),
            &format!("{}: the literal secret value is not copied", p.name),
            &format!(
                "`{}` carries a secret, and the input ({file}) gives it a literal {}; copied, it would sit in the generated files and in source control.",
                p.name,
                which.join(" and ")
            ),
            &format!(
                "Not copied: `{shown}` is a {secure} with no default{}.",
                if tf && t.tf.is_some() {
                    ", and the output `terraform.tfvars` leaves it out"
                } else {
                    ""
                }
            ),
            &format!("Supply the value at deployment from {store}. Rotate the secret: the input holds it in clear text."),
        );
    }
}

/// The decision for one owner whose literal secrets became secure parameters.
fn decide_owner(cx: &mut Ctx, words: SecretWords, owner: &str, span: Span, lines: &[String]) {
    let SecretWords { secure, store } = words;
    let one = lines.len() == 1;
    let whats: Vec<&str> = lines
        .iter()
        .map(|l| l.split(" → ").next().unwrap_or(l))
        .collect();
    let title = if one {
        format!("{owner}: a literal secret becomes a secure parameter")
    } else {
        format!("{owner}: literal secrets become secure parameters")
    };
    let context = if one {
        format!(
            "The input writes {} as a literal value; copied, it would sit in the generated files, the deployment history and source control.",
            whats[0]
        )
    } else {
        format!(
            "The input writes {} as literal values; copied, they would sit in the generated files, the deployment history and source control.",
            whats.join(", ")
        )
    };
    let decision = format!(
        "Not copied: {}; {} a {secure} with no default, named after what it stood for.",
        lines.join(", "),
        if one { "it is" } else { "each is" }
    );
    let consequences = if one {
        format!(
            "Supply the value at deployment from {store}. Rotate the secret: the input holds it in clear text."
        )
    } else {
        format!(
            "Supply the values at deployment from {store}. Rotate the secrets: the input holds them in clear text."
        )
    };
    decide_secret_literal(
        cx,
        owner,
        span,
        [&title, &context, &decision, &consequences],
    );
}

/// Records an owner's secret-literal decision (title, context, decision, consequences):
/// on its resource when the owner is one, else template-wide under its name.
fn decide_secret_literal(cx: &mut Ctx, owner: &str, span: Span, text: [&str; 4]) {
    let [title, context, decision, consequences] = text;
    match cx.t.resources.iter().position(|r| r.id == owner) {
        Some(i) => {
            cx.decide_later(
                i,
                "secret-literal",
                title,
                context,
                decision,
                consequences,
                None,
            );
        }
        None => {
            cx.decide(
                "secret-literal",
                Some((owner, span)),
                title,
                context,
                decision,
                consequences,
            );
        }
    }
}

/// The template decision for parameters that carry secrets without saying so.
fn decide_promoted(cx: &mut Ctx, words: SecretWords, promoted: Vec<(String, Span)>) {
    let SecretWords { secure, store } = words;
    for (name, span) in promoted {
        cx.subject = Some(name);
        cx.template_decision(
            "secret-parameters",
            "Parameters that carry secrets become secure parameters",
            "Some parameters are not marked NoEcho (Terraform: `sensitive`), but their name or their use (a password, a token, a key) shows they carry a secret.",
            &format!("Each becomes a {secure} without a default, so its value stays out of the generated files, logs and deployment history."),
            &format!("Supply the values at deployment from {store}."),
            span,
        );
    }
    cx.subject = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "Password",
            "MasterUserPassword",
            "AuthToken",
            "OAuthToken",
            "ClientSecret",
            "ApiKey",
            "APIKey",
            "PrivateKey",
            "ApiKeyValue",
            "DB_PASSWORD",
            "DB_PASS",
            "API_KEY",
            "PRIVATE_KEY",
            "GITHUB_TOKEN",
            "JWT_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "DBPASSWORD",
            "password_wo",
            "master_password",
            "Password2",
            "x-api-key",
        ] {
            assert!(is_secret_name(n), "{n} is a secret's name");
        }
        for n in [
            "KeyName",
            "KmsKeyId",
            "SecretArn",
            "SecretId",
            "SecretName",
            "SecretString",
            "SecretStringTemplate",
            "PasswordLength",
            "ManageMasterUserPasswordSecretArn",
            "ClientToken",
            "ClientRequestToken",
            "ServiceToken",
            "HttpTokens",
            "http_tokens",
            "ApiKeyRequired",
            "AccessKey",
            "AWS_ACCESS_KEY_ID",
            "TOKEN_TABLE",
            "SECRET_NAME",
            "Password.$",
            "Bypass",
            "Secrets",
        ] {
            assert!(!is_secret_name(n), "{n} is not a secret's name");
        }
    }

    #[test]
    fn secret_texts() {
        assert!(is_secret_text("hunter2-long"));
        for t in [
            "",
            " ",
            "true",
            "False",
            "arn:aws:secretsmanager:x",
            "/prod/db/password",
            "$.detail.token",
            "${DB_PASSWORD}",
        ] {
            assert!(!is_secret_text(t), "{t:?}");
        }
    }
}
