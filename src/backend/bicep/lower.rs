//! Lowers what the Azure model keeps Terraform-shaped ([`TfOnly`]) to Bicep: a
//! Terraform function to the Bicep function or expression it becomes, and whatever
//! Bicep cannot express to a parameter standing in for it, with a decision. The
//! deletion guards and kept resources of other providers become decisions.

use std::collections::BTreeMap;

use crate::azure::{
    AzExpr, AzModule, AzParam, Decision, Effect, Interp, Origin, STAND_IN_RULE, TfForm, TfOnly,
    affected,
};
use crate::names::{Symbols, camel_from_words};
use crate::source::SourceMap;

fn bx(e: AzExpr) -> Box<AzExpr> {
    Box::new(e)
}

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
        stand_ins: BTreeMap::new(),
        effects: Vec::new(),
    };
    let mut m = m.clone();
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
                let sym = syms.alloc(&camel_from_words(&s.key));
                let mut p = AzParam::new(sym.clone(), "string");
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
    m.for_each_expr_mut(&mut |e| lower_expr(e, &symbol_of));
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
    /// Nodes that become parameters, by creation order.
    stand_ins: BTreeMap<u32, StandIn>,
    effects: Vec<Effect>,
}

/// A node Bicep cannot express.
struct StandIn {
    /// The parameter's stable key (one parameter per key).
    key: String,
    /// What it stands for, in the parameter's description.
    what: String,
    /// A Terraform function with no Bicep counterpart (its own decision).
    function: bool,
    origin: Origin,
}

impl Lowering<'_> {
    /// Records the nodes of `e` that become parameters (not those inside one).
    fn collect(&mut self, e: &AzExpr) {
        if let AzExpr::TfOnly(t) = e
            && let Some((key, what, function)) = stand_in(t)
        {
            self.stand_ins.entry(t.origin.seq).or_insert(StandIn {
                key,
                what,
                function,
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
            let d = self.decision(
                "tf-function",
                &s.origin,
                [
                    "Terraform functions with no Azure equivalent",
                    "The configuration calls Terraform functions that Bicep has no counterpart for (file access, hashing, regular expressions, filters).",
                    "Each such value becomes a parameter named after the function, so the output stays valid and the gap is visible.",
                    "Compute the value in the pipeline and pass it in, or rewrite the expression by hand.",
                ],
                false,
            );
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

/// The parameter a node becomes when Bicep cannot express it: its key, what it
/// stands for, and whether it is a function with no counterpart.
fn stand_in(t: &TfOnly) -> Option<(String, String, bool)> {
    match &t.form {
        TfForm::For => Some((
            "for-expression".into(),
            "a Terraform `for` expression with keys or a filter".into(),
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
fn lower_expr(e: &mut AzExpr, symbol_of: &BTreeMap<u32, String>) {
    if let AzExpr::TfOnly(t) = e
        && let Some(sym) = symbol_of.get(&t.origin.seq)
    {
        *e = AzExpr::ident(sym.clone());
        return;
    }
    e.for_each_child_mut(&mut |c| lower_expr(c, symbol_of));
    if let AzExpr::TfOnly(t) = e {
        let t = std::mem::replace(t.as_mut(), placeholder_node());
        *e = lowered(t);
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
fn lowered(t: TfOnly) -> AzExpr {
    let TfOnly { form, mut args, .. } = t;
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
        TfForm::For | TfForm::Ref { .. } => AzExpr::Null,
    }
}

/// `cidrsubnet(prefix, newbits, n)` → `cidrSubnet(prefix, prefix length + newbits, n)`.
fn cidr_subnet(mut a: Vec<AzExpr>) -> AzExpr {
    let n = a.pop().unwrap_or_default();
    let bits = a.pop().unwrap_or_default();
    let p = a.pop().unwrap_or_default();
    let written = p
        .as_str()
        .and_then(|t| t.split('/').nth(1)?.parse::<i64>().ok());
    let len = match (written, &bits) {
        (Some(l), AzExpr::Int(b)) => AzExpr::Int(l + b),
        _ => {
            let plen = AzExpr::call(
                "int",
                vec![AzExpr::Index(
                    bx(AzExpr::call("split", vec![p.clone(), AzExpr::str("/")])),
                    bx(AzExpr::Int(1)),
                )],
            );
            AzExpr::Bin("+", bx(plen), bx(bits))
        }
    };
    AzExpr::call("cidrSubnet", vec![p, len, n])
}

/// A Terraform function with a direct Bicep counterpart, on translated arguments `a`;
/// `Err(a)` when `f` (with that many arguments) has none.
fn bicep_function(f: &str, a: Vec<AzExpr>) -> Result<AzExpr, Vec<AzExpr>> {
    let call = |n: &str, v: Vec<AzExpr>| AzExpr::call(n, v);
    let arg = |i: usize| a.get(i).cloned().unwrap_or(AzExpr::Null);
    Ok(match (f, a.len()) {
        ("join", 2) => call("join", vec![arg(1), arg(0)]),
        ("split", 2) => call("split", vec![arg(1), arg(0)]),
        ("lower", 1) => call("toLower", a),
        ("upper", 1) => call("toUpper", a),
        ("trimspace" | "chomp", 1) => call("trim", a),
        ("length", 1) => call("length", a),
        ("concat", _) if !a.is_empty() => call("concat", a),
        ("merge", n) if n >= 1 => call("union", a),
        ("coalesce" | "coalescelist", n) if n >= 1 => call("coalesce", a),
        ("contains", 2) => call("contains", a),
        ("keys", 1) => call("objectKeys", a),
        ("tostring", 1) => call("string", a),
        ("tonumber", 1) => call("int", a),
        ("tobool", 1) => call("bool", a),
        ("jsonencode", 1) => call("string", a),
        ("jsondecode", 1) => call("json", a),
        ("base64encode", 1) => call("base64", a),
        ("base64decode", 1) => call("base64ToString", a),
        ("replace", 3) => call("replace", a),
        ("substr", 3) => call("substring", a),
        ("startswith", 2) => call("startsWith", a),
        ("endswith", 2) => call("endsWith", a),
        ("min", n) if n >= 1 => call("min", a),
        ("max", n) if n >= 1 => call("max", a),
        ("flatten", 1) => call("flatten", a),
        ("distinct", 1) => call("union", vec![arg(0), AzExpr::Array(Vec::new())]),
        ("setunion", n) if n >= 1 => call("union", a),
        ("setintersection", n) if n >= 1 => call("intersection", a),
        ("index", 2) => call("indexOf", a),
        ("urlencode", 1) => call("uriComponent", a),
        ("range", 1) => call("range", vec![AzExpr::Int(0), arg(0)]),
        ("element", 2) => AzExpr::Index(bx(arg(0)), bx(arg(1))),
        ("one", 1) => call("first", a),
        ("lookup", 3) => AzExpr::Bin("??", bx(call("tryGet", vec![arg(0), arg(1)])), bx(arg(2))),
        ("lookup", 2) => AzExpr::Index(bx(arg(0)), bx(arg(1))),
        ("try", n) if n >= 1 => a
            .into_iter()
            .reduce(|x, y| AzExpr::Bin("??", bx(x), bx(y)))
            .unwrap_or_default(),
        ("toset" | "tolist" | "tomap" | "sensitive" | "nonsensitive", 1) => arg(0),
        _ => return Err(a),
    })
}

/// `format("%s-%s", a, b)` → an interpolation.
fn format_interp(fmt: &str, args: &[AzExpr]) -> Option<AzExpr> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut it = fmt.chars().peekable();
    let mut n = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        match it.next() {
            Some('%') => lit.push('%'),
            Some('s' | 'd' | 'v') => {
                if !lit.is_empty() {
                    parts.push(Interp::Lit(std::mem::take(&mut lit)));
                }
                let a = args.get(n)?.clone();
                n += 1;
                match a {
                    AzExpr::Str(s) => parts.push(Interp::Lit(s)),
                    other => parts.push(Interp::Expr(other)),
                }
            }
            _ => return None,
        }
    }
    if !lit.is_empty() {
        parts.push(Interp::Lit(lit));
    }
    Some(AzExpr::Interp(parts))
}
