//! Lowers what the Azure model keeps Terraform-shaped ([`TfOnly`]) to Bicep: a
//! Terraform function to the Bicep function or expression it becomes, and whatever
//! Bicep cannot express to a parameter standing in for it, with a decision. The
//! deletion guards and kept resources of other providers become decisions.

use std::collections::BTreeMap;

use super::forms::{Kind, Kinds, bicep_function, cidr_subnet, for_kind, format_interp, lower_for};
use crate::azure::{
    AzExpr, AzModule, AzParam, Decision, Effect, Origin, STAND_IN_RULE, TfForm, TfOnly, affected,
};
use crate::names::{Symbols, camel_from_words};
use crate::source::SourceMap;

/// The model as Bicep prints it, and what the lowering adds to the report.
pub struct Lowered {
    pub module: AzModule,
    pub effects: Vec<Effect>,
}

/// Where the lowered module came from, for the decisions' ids and places.
pub struct LowerCx<'a> {
    /// The input's path, as decisions name it.
    pub file: &'a str,
    pub sources: &'a SourceMap,
}

/// Lowers `m` for Bicep; `syms` are the symbols the mapping used (stand-in
/// parameters get fresh ones).
pub fn lower(m: &AzModule, syms: &mut Symbols, cx: &LowerCx) -> Lowered {
    let mut l = Lowering {
        cx,
        kinds: Kinds::of_module(m),
        for_kinds: BTreeMap::new(),
        stand_ins: BTreeMap::new(),
        effects: Vec::new(),
    };
    let mut m = m.clone();
    // Blobs exist only for Terraform (`azurerm_storage_blob`): ARM declares no blob
    // contents, and the mapping's decision names the upload step instead.
    m.resources.retain(|r| r.ty != crate::mapping::BLOB_TYPE);
    // Which nodes become parameters, in the order the mapping met them.
    m.for_each_expr_mut(&mut |e| l.collect(e));
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    let mut new_params: Vec<AzParam> = Vec::new();
    let stand_ins = std::mem::take(&mut l.stand_ins);
    let mut symbol_of: BTreeMap<u32, String> = BTreeMap::new();
    for (seq, s) in &stand_ins {
        let sym = match by_key.get(&s.key) {
            Some(sym) => sym.clone(),
            None => {
                let sym = syms.alloc(&camel_from_words(&s.name));
                let mut p = AzParam::new(sym.clone(), s.ty);
                p.description = Some(format!(
                    "Stands in for {}, which has no Azure translation. Supply the Azure value.",
                    s.what
                ));
                p.required_reason = Some(format!("stands in for {}", s.what));
                p.seq = *seq;
                new_params.push(p);
                by_key.insert(s.key.clone(), sym.clone());
                sym
            }
        };
        symbol_of.insert(*seq, sym);
        l.stand_in_effects(s);
    }
    for p in new_params {
        let at = m
            .params
            .iter()
            .position(|x| x.seq > p.seq)
            .unwrap_or(m.params.len());
        m.params.insert(at, p);
    }
    let for_kinds = std::mem::take(&mut l.for_kinds);
    m.for_each_expr_mut(&mut |e| lower_expr(e, &symbol_of, &for_kinds));
    // An output typed `string` only because the mapping could not tell: the type
    // its value has.
    let kinds = Kinds::of_module(&m);
    for o in &mut m.outputs {
        if o.ty == "string"
            && let Some(ty) = kinds.kind(&o.value).bicep_type()
        {
            o.ty = ty.to_string();
        }
    }
    drop_unused(&mut m);
    l.guard_effects(&m);
    l.passthrough_effects(&m);
    Lowered {
        module: m,
        effects: l.effects,
    }
}

struct Lowering<'a> {
    cx: &'a LowerCx<'a>,
    kinds: Kinds,
    /// The `for` expressions Bicep writes, with the kind of collection each iterates.
    for_kinds: BTreeMap<u32, Kind>,
    /// Nodes that become parameters, by creation order.
    stand_ins: BTreeMap<u32, StandIn>,
    effects: Vec<Effect>,
}

/// A node Bicep cannot express.
struct StandIn {
    /// The parameter's stable key (one parameter per key).
    key: String,
    /// What its parameter is named after.
    name: String,
    /// What it stands for, in the parameter's description.
    what: String,
    /// A Terraform function with no Bicep counterpart (its own decision).
    function: bool,
    /// The parameter's type: the type the value has where the module says.
    ty: &'static str,
    origin: Origin,
}

impl Lowering<'_> {
    /// Records the nodes of `e` that become parameters (not those inside one).
    fn collect(&mut self, e: &AzExpr) {
        if let AzExpr::TfOnly(t) = e
            && let TfForm::For = t.form
            && let Some(kind) = for_kind(&t.args, &self.kinds)
        {
            self.for_kinds.insert(t.origin.seq, kind);
        } else if let AzExpr::TfOnly(t) = e
            && let Some((name, what, function)) = stand_in(t)
        {
            // Each `for` is its own value; other stand-ins are shared by what they name.
            let key = match t.form {
                TfForm::For => format!("{name}#{}", t.origin.seq),
                _ => name.clone(),
            };
            self.stand_ins.entry(t.origin.seq).or_insert(StandIn {
                key,
                name,
                what,
                function,
                ty: self.kinds.kind(e).bicep_type().unwrap_or("string"),
                origin: t.origin.clone(),
            });
            // The mapping met a function's arguments before the function; a `for`
            // or a reference stands in whole.
            if t.function().is_none() {
                return;
            }
        }
        e.for_each_child(&mut |c| self.collect(c));
    }

    fn decision(&self, rule: &str, o: &Origin, text: [&str; 4], resource: bool) -> Decision {
        let file = self.cx.file;
        let id = if resource {
            format!("{rule}:{file}#{}", o.who)
        } else {
            format!("{rule}:{file}")
        };
        let [title, context, decision, consequences] = text;
        Decision {
            id,
            rule: rule.into(),
            title: title.into(),
            context: context.into(),
            decision: decision.into(),
            consequences: consequences.into(),
            resources: vec![affected(&o.who, file, self.cx.sources.locate(o.span).1)],
        }
    }

    fn stand_in_effects(&mut self, s: &StandIn) {
        if s.function {
            let f = s.name.trim_start_matches("fn-");
            let mut d = self.decision(
                "tf-function",
                &s.origin,
                [
                    &format!("Terraform function {f}() has no Bicep counterpart"),
                    &format!("The configuration calls `{f}()`. {}", no_counterpart(f)),
                    "Each call becomes a parameter named after the function, so the output stays valid and the gap is visible.",
                    "Compute the value in the pipeline and pass it in, or rewrite the expression by hand.",
                ],
                false,
            );
            d.id = format!("{}#{f}", d.id);
            self.effects.push(Effect {
                origin: s.origin.clone(),
                decision: d,
                floor: None,
            });
        }
        let d = self.decision(
            STAND_IN_RULE,
            &s.origin,
            [
                "Values with no Azure equivalent become parameters",
                "Some values refer to AWS resources that are not translated, or to attributes with no Azure counterpart.",
                "Each such value is a parameter named after what it stood for, so the Bicep stays valid and the gap is visible.",
                "Supply each parameter at deployment, or edit the Bicep to reference the Azure resource that replaces it.",
            ],
            false,
        );
        self.effects.push(Effect {
            origin: s.origin.clone(),
            decision: d,
            floor: Some("partial"),
        });
    }

    /// Bicep has no deletion guard: a decision per guarded resource.
    fn guard_effects(&mut self, m: &AzModule) {
        for g in &m.guards {
            let (policy, id) = (&g.policy, &g.origin.who);
            let d = self.decision(
                "deletion-policy",
                &g.origin,
                [
                    &format!("DeletionPolicy {policy} of {id}"),
                    &format!("`DeletionPolicy: {policy}` keeps (or snapshots) the resource when the stack deletes it."),
                    "Azure deployments never delete resources they no longer declare (incremental mode); nothing replaces the policy in the Bicep.",
                    "To guard against deletion add a `CanNotDelete` resource lock; for Snapshot, take a backup before deleting.",
                ],
                true,
            );
            self.effects.push(Effect {
                origin: g.origin.clone(),
                decision: d,
                floor: None,
            });
        }
    }

    /// Resources of other providers have no Bicep form: one decision lists them.
    fn passthrough_effects(&mut self, m: &AzModule) {
        let Some(first) = m.passthrough.first() else {
            return;
        };
        let list: Vec<String> = m
            .passthrough
            .iter()
            .map(|p| format!("`{}.{}`", p.ty, p.name))
            .collect();
        let d = self.decision(
            "tf-passthrough-bicep",
            &first.origin,
            [
                "Terraform-only resources have no Bicep form",
                &format!("The module uses resources of utility providers: {}.", list.join(", ")),
                "They are not written to Bicep; values read from them become parameters (random names: supply them, or use `uniqueString()`).",
                "Keep these resources in a Terraform stack, or replace them with Bicep equivalents (`uniqueString`, `newGuid` in a parameter default, deployment scripts).",
            ],
            false,
        );
        self.effects.push(Effect {
            origin: first.origin.clone(),
            decision: d,
            floor: None,
        });
    }
}

/// Variables and stand-in parameters that nothing reads once the Terraform-only
/// forms are lowered (read only inside a `for` or a function that now stands in
/// whole, or by a variable nothing reads): a parameter nothing reads must not be
/// asked for.
fn drop_unused(m: &mut AzModule) {
    let stand_in = |p: &AzParam| {
        p.required_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("stands in for"))
    };
    loop {
        let mut used = Vec::new();
        m.for_each_expr_mut(&mut |e| e.idents(&mut used));
        let before = (m.vars.len(), m.params.len());
        m.vars
            .retain(|v| v.name == "nameSuffix" || used.contains(&v.name));
        m.params.retain(|p| !stand_in(p) || used.contains(&p.name));
        if (m.vars.len(), m.params.len()) == before {
            break;
        }
    }
}

/// Why Bicep cannot compute what a Terraform function computes.
fn no_counterpart(f: &str) -> &'static str {
    match f {
        "file" | "filebase64" | "templatefile" | "fileexists" | "fileset" | "filemd5"
        | "filesha1" | "filesha256" | "filesha512" | "filebase64sha256" | "filebase64sha512" => {
            "It reads files when Terraform plans; Bicep reads a file only at build time, from a literal path relative to the Bicep file (`loadTextContent`, `loadFileAsBase64`), and has no templating."
        }
        "md5" | "sha1" | "sha256" | "sha512" | "base64sha256" | "base64sha512" | "bcrypt" => {
            "Bicep has no hash functions (only `uniqueString` and `guid`, which are not the same hashes)."
        }
        "uuid" | "uuidv5" => {
            "Bicep makes a random GUID only as a parameter default (`newGuid()`), and a deterministic one with `guid()`, which is not UUIDv5."
        }
        "regex" | "regexall" => "Bicep has no regular expressions.",
        "timestamp" | "plantimestamp" | "timeadd" | "formatdate" | "timecmp" => {
            "Bicep reads the time only in a parameter default (`utcNow()`); dates cannot be formatted or compared as Terraform does."
        }
        "yamlencode" | "yamldecode" | "csvdecode" | "textencodebase64" | "textdecodebase64" => {
            "Bicep has no YAML, CSV or character-set encoding functions."
        }
        "can" => {
            "Bicep has no `can`: it cannot test whether an expression fails (`??` covers missing properties only)."
        }
        "cidrsubnets" | "cidrhost" | "cidrnetmask" => {
            "Bicep's CIDR functions (`cidrSubnet`, `cidrHost`, `parseCidr`) number hosts and subnets differently; the value is left to check by hand."
        }
        _ => "Bicep has no function that computes the same value.",
    }
}

/// The parameter a node becomes when Bicep cannot express it: its key, what it
/// stands for, and whether it is a function with no counterpart.
fn stand_in(t: &TfOnly) -> Option<(String, String, bool)> {
    match &t.form {
        TfForm::For => Some((
            "for-expression".into(),
            "a Terraform `for` expression that groups values (`...`) or reads keys of a collection whose type the module does not state".into(),
            false,
        )),
        TfForm::Ref { ty, name, .. } => Some((
            format!("{ty}-{name}"),
            format!("the Terraform resource {ty}.{name}"),
            false,
        )),
        TfForm::CondSplat | TfForm::Coerce(_) => None,
        TfForm::Call(f) => {
            let a = &t.args;
            if (f == "cidrsubnet" && a.len() == 3) || bicep_function(f, a.clone()).is_ok() {
                return None;
            }
            if f == "format" && !a.is_empty() {
                return match a[0].as_str() {
                    Some(fmt) => format_interp(fmt, &a[1..]).is_none().then(|| {
                        (
                            "format".into(),
                            "a Terraform `format` call with verbs other than %s and %d".into(),
                            false,
                        )
                    }),
                    None => Some(("format".into(), "a Terraform `format` call".into(), false)),
                };
            }
            Some((
                format!("fn-{f}"),
                format!("the Terraform function {f}()"),
                true,
            ))
        }
    }
}

/// Lowers every node of `e`, innermost first; a stand-in becomes its parameter.
fn lower_expr(e: &mut AzExpr, symbol_of: &BTreeMap<u32, String>, for_kinds: &BTreeMap<u32, Kind>) {
    if let AzExpr::TfOnly(t) = e
        && let Some(sym) = symbol_of.get(&t.origin.seq)
    {
        *e = AzExpr::ident(sym.clone());
        return;
    }
    e.for_each_child_mut(&mut |c| lower_expr(c, symbol_of, for_kinds));
    if let AzExpr::TfOnly(t) = e {
        let t = std::mem::replace(t.as_mut(), placeholder_node());
        *e = lowered(t, for_kinds);
        // What the lowering built around its (already lowered) operands.
        keep_entries_within(e);
    }
    if let Some(entries) = entries_kept(e) {
        *e = entries;
    }
}

fn keep_entries_within(e: &mut AzExpr) {
    e.for_each_child_mut(&mut keep_entries_within);
    if let Some(entries) = entries_kept(e) {
        *e = entries;
    }
}

/// `items(toObject(L, x => x.key, x => x.value))` where `L` is already the entries of an
/// object in key order (`items(m)`, or a `filter` of them) is `L`: a filtered map's
/// entries without the round trip through an object.
fn entries_kept(e: &AzExpr) -> Option<AzExpr> {
    let AzExpr::Call(f, a) = e else { return None };
    let [AzExpr::Call(t, b)] = a.as_slice() else {
        return None;
    };
    let [list, key, value] = b.as_slice() else {
        return None;
    };
    let picks = |l: &AzExpr, m: &str| {
        matches!(l, AzExpr::Lambda(p, body)
            if p.len() == 1 && **body == AzExpr::ident(p[0].clone()).member(m))
    };
    (f == "items"
        && t == "toObject"
        && is_entries(list)
        && picks(key, "key")
        && picks(value, "value"))
    .then(|| list.clone())
}

/// `items(m)`, or a `filter` of such entries.
fn is_entries(e: &AzExpr) -> bool {
    match e {
        AzExpr::Call(g, _) if g == "items" => true,
        AzExpr::Call(g, c) if g == "filter" => c.first().is_some_and(is_entries),
        _ => false,
    }
}

fn placeholder_node() -> TfOnly {
    TfOnly {
        form: TfForm::CondSplat,
        args: Vec::new(),
        origin: Origin::default(),
    }
}

/// A node whose operands are lowered, as the Bicep it becomes (never a stand-in).
fn lowered(t: TfOnly, for_kinds: &BTreeMap<u32, Kind>) -> AzExpr {
    let TfOnly {
        form,
        mut args,
        origin,
    } = t;
    match form {
        // A conditional resource's splat: the one copy.
        TfForm::CondSplat => AzExpr::Array(args),
        TfForm::Coerce(ty) => crate::azure::coerce(args.pop().unwrap_or_default(), &ty),
        TfForm::Call(f) if f == "cidrsubnet" && args.len() == 3 => cidr_subnet(args),
        TfForm::Call(f) if f == "format" && !args.is_empty() => {
            let fmt = args.remove(0);
            fmt.as_str()
                .and_then(|s| format_interp(s, &args))
                .unwrap_or(AzExpr::Null)
        }
        TfForm::Call(f) => bicep_function(&f, args).unwrap_or(AzExpr::Null),
        TfForm::For => for_kinds
            .get(&origin.seq)
            .and_then(|k| lower_for(args, *k))
            .unwrap_or(AzExpr::Null),
        TfForm::Ref { .. } => AzExpr::Null,
    }
}
