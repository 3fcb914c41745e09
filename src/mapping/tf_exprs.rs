//! Terraform-only expression forms (locals, functions, `for`, operators) → Azure expressions.
//!
//! The Azure model speaks Bicep's function vocabulary; the Terraform back end
//! lowers it back. A Terraform function with no Bicep counterpart becomes a
//! placeholder parameter and a decision, like any other untranslatable value.

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, Interp};
use crate::model::expr::{Expr, ExprKind, ForExpr};
use crate::names::lower_camel;
use crate::source::Span;

fn bx(e: AzExpr) -> Box<AzExpr> {
    Box::new(e)
}

/// Operators as Bicep spells them (static for `AzExpr::Bin`).
fn op(o: &str) -> &'static str {
    match o {
        "==" => "==",
        "!=" => "!=",
        "<" => "<",
        "<=" => "<=",
        ">" => ">",
        ">=" => ">=",
        "+" => "+",
        "-" => "-",
        "*" => "*",
        "/" => "/",
        "%" => "%",
        "&&" => "&&",
        _ => "||",
    }
}

impl Ctx<'_> {
    pub(super) fn tr_tf(&mut self, e: &Expr) -> AzExpr {
        match &e.kind {
            ExprKind::Local(name) => match self.local_syms.get(name) {
                Some(s) => AzExpr::ident(s),
                None => AzExpr::Null,
            },
            ExprKind::LoopVar(v) => self.loop_ident(v),
            ExprKind::Attr(base, name) => {
                if let ExprKind::LoopVar(v) = &base.kind {
                    let is_resource_loop = self.loop_var.as_ref().is_some_and(|(i, _)| i == v);
                    match (v.as_str(), name.as_str()) {
                        ("count", "index") => return self.loop_ident(v),
                        ("each", "key" | "value") if is_resource_loop && self.each_is_set() => {
                            return self.loop_ident(v);
                        }
                        (_, "value") if !is_resource_loop && v != "each" => {
                            // A `dynamic` block iterator: `x.value` is the element.
                            return self.loop_ident(v);
                        }
                        _ => {}
                    }
                }
                let b = self.tr(base);
                AzExpr::Member(bx(b), name.clone())
            }
            ExprKind::Index(base, ix) => {
                if let Some(r) = self.resource_instance(base, ix) {
                    return r;
                }
                let b = self.tr(base);
                let i = self.tr(ix);
                AzExpr::Index(bx(b), bx(i))
            }
            ExprKind::Cond(c, a, b) => {
                let (c, a, b) = (self.tr(c), self.tr(a), self.tr(b));
                AzExpr::Cond(bx(c), bx(a), bx(b))
            }
            ExprKind::BinOp(o, a, b) => {
                let (a, b) = (self.tr(a), self.tr(b));
                AzExpr::Bin(op(o), bx(a), bx(b))
            }
            ExprKind::Neg(a) => {
                let a = self.tr(a);
                AzExpr::Bin("-", bx(AzExpr::Int(0)), bx(a))
            }
            ExprKind::For(fe) => self.tr_for(fe, e.span),
            ExprKind::Call(f, args) => self.tr_call(f, args, e.span),
            ExprKind::ModuleOutput { module, output } => {
                let local = self.t.tf.as_ref().is_some_and(|i| {
                    i.modules
                        .iter()
                        .any(|m| &m.name == module && m.local_dir.is_some())
                });
                if local {
                    AzExpr::ident(lower_camel(module))
                        .member("outputs")
                        .member(output)
                } else {
                    self.placeholder(
                        &format!("module-{module}-{output}"),
                        &format!("output `{output}` of the registry module `{module}`"),
                        e.span,
                    )
                }
            }
            ExprKind::TfRef { ty, name, path } => {
                if self.target_terraform {
                    let mut s = format!("{ty}.{name}");
                    for p in path {
                        s.push('.');
                        s.push_str(p);
                    }
                    AzExpr::Raw(s)
                } else {
                    let what = format!("{ty}.{name}");
                    self.placeholder(
                        &format!("{ty}-{name}"),
                        &format!("the Terraform resource {what}"),
                        e.span,
                    )
                }
            }
            _ => AzExpr::Null,
        }
    }

    /// The resource a `Ref`/`GetAtt` names, by index.
    fn referenced(&self, e: &Expr) -> Option<usize> {
        let id = match &e.kind {
            ExprKind::Ref(id) => id,
            ExprKind::GetAtt { resource, .. } => resource,
            _ => return None,
        };
        let id = self.t.resolve(id);
        self.t.resources.iter().position(|r| r.id == id)
    }

    /// `aws_x.y[i].attr`: for a resource behind `count = c ? 1 : 0` the index goes (the
    /// resource is a conditional one); for a looped one it selects the copy.
    fn resource_instance(&mut self, base: &Expr, ix: &Expr) -> Option<AzExpr> {
        let i = self.referenced(base)?;
        let r = &self.t.resources[i];
        if r.for_each.is_none() || self.current == Some(i) {
            return Some(self.tr(base));
        }
        let sym = self.prepared[i].sym.clone();
        let saved = self.current.replace(i);
        let inner = self.tr(base);
        self.current = saved;
        let idx = self.tr(ix);
        Some(super::context::index_symbol_by(inner, &sym, &idx))
    }

    /// `aws_x.y[*].attr`: every copy's attribute as a list.
    fn resource_splat(&mut self, base: &Expr) -> Option<AzExpr> {
        let i = self.referenced(base)?;
        let r = &self.t.resources[i];
        let Some(fe) = r.for_each.clone() else {
            // A conditional resource: in Terraform the splat stays a splat (empty when off).
            if self.target_terraform && r.condition.is_some() {
                let x = self.tr(base);
                return Some(AzExpr::call("__cond_splat", vec![x]));
            }
            return Some(AzExpr::Array(vec![self.tr(base)]));
        };
        let sym = self.prepared[i].sym.clone();
        let saved = self.current.replace(i);
        let inner = self.tr(base);
        self.current = saved;
        let coll = self.tr(&fe.collection);
        let count = match coll {
            AzExpr::Call(ref f, ref a) if f == "range" && a.len() == 2 => a[1].clone(),
            other => AzExpr::call("length", vec![other]),
        };
        let body = super::context::index_symbol_by(inner, &sym, &AzExpr::ident("i"));
        Some(AzExpr::For(
            "i".into(),
            bx(AzExpr::call("range", vec![AzExpr::Int(0), count])),
            bx(body),
        ))
    }

    fn loop_ident(&self, v: &str) -> AzExpr {
        if let Some((ident, var)) = &self.loop_var
            && ident == v
        {
            return AzExpr::ident(var);
        }
        AzExpr::ident(lower_camel(v))
    }

    /// `for_each = toset(list)` or a list: `each.key` and `each.value` are the element.
    fn each_is_set(&self) -> bool {
        let Some(i) = self.current else { return false };
        self.t.resources[i]
            .for_each
            .as_ref()
            .is_some_and(|f| !matches!(&f.collection.kind, ExprKind::Call(n, _) if n == "__items"))
    }

    fn tr_for(&mut self, fe: &ForExpr, span: Span) -> AzExpr {
        if fe.key.is_some() || fe.cond.is_some() || fe.key_var.is_some() || fe.grouping {
            if self.target_terraform {
                // Terraform output keeps the expression as written.
                let var = |v: &str| AzExpr::str(lower_camel(&v.replace("__", "")));
                let parts = vec![
                    fe.key_var.as_deref().map(var).unwrap_or(AzExpr::str("")),
                    var(&fe.value_var),
                    self.tr(&fe.collection),
                    fe.key.as_ref().map(|k| self.tr(k)).unwrap_or(AzExpr::Null),
                    self.tr(&fe.value),
                    fe.cond.as_ref().map(|c| self.tr(c)).unwrap_or(AzExpr::Null),
                    AzExpr::Bool(fe.grouping),
                ];
                return AzExpr::call("tf:for", parts);
            }
            return self.placeholder(
                "for-expression",
                "a Terraform `for` expression with keys or a filter",
                span,
            );
        }
        let coll = self.tr(&fe.collection);
        let body = self.tr(&fe.value);
        let var = lower_camel(&fe.value_var.replace("__", ""));
        let body = rename_ident(body, &lower_camel(&fe.value_var), &var);
        AzExpr::For(var, bx(coll), bx(body))
    }

    /// A Terraform function call → the Bicep function or expression it becomes (a
    /// `tf:` call for Terraform output); a parameter when Bicep has none.
    fn tr_call(&mut self, f: &str, args: &[Expr], span: Span) -> AzExpr {
        if f == "__splat" && args.len() == 1 {
            if let Some(s) = self.resource_splat(&args[0]) {
                return s;
            }
            return AzExpr::Array(vec![self.tr(&args[0])]);
        }
        // Terraform output keeps every Terraform function as written (its arguments translated).
        if self.target_terraform && !f.starts_with("__") {
            let a: Vec<AzExpr> = args.iter().map(|x| self.tr(x)).collect();
            return AzExpr::call(&format!("tf:{f}"), a);
        }
        if f == "cidrsubnet" && args.len() == 3 {
            return self.tr_cidrsubnet(args);
        }
        let a: Vec<AzExpr> = args.iter().map(|x| self.tr(x)).collect();
        let a = match bicep_function(f, a) {
            Ok(x) => return x,
            Err(a) => a,
        };
        match (f, a.len()) {
            ("format", n) if n >= 1 => match args[0].as_str() {
                Some(fmt) => format_interp(fmt, &a[1..]).unwrap_or_else(|| {
                    self.placeholder(
                        "format",
                        "a Terraform `format` call with verbs other than %s and %d",
                        span,
                    )
                }),
                None => self.placeholder("format", "a Terraform `format` call", span),
            },
            // Terraform output keeps Terraform's own functions.
            _ if self.target_terraform => AzExpr::call(&format!("tf:{f}"), a),
            _ => {
                let what = format!("the Terraform function {f}()");
                self.template_decision(
                    "tf-function",
                    "Terraform functions with no Azure equivalent",
                    "The configuration calls Terraform functions that Bicep has no counterpart for (file access, hashing, regular expressions, filters).",
                    "Each such value becomes a parameter named after the function, so the output stays valid and the gap is visible.",
                    "Compute the value in the pipeline and pass it in, or rewrite the expression by hand.",
                    span,
                );
                self.placeholder(&format!("fn-{f}"), &what, span)
            }
        }
    }

    /// `cidrsubnet(prefix, newbits, n)` → `cidrSubnet(prefix, prefix length + newbits, n)`.
    fn tr_cidrsubnet(&mut self, args: &[Expr]) -> AzExpr {
        let p = self.tr(&args[0]);
        let n = self.tr(&args[2]);
        let bits = self.tr(&args[1]);
        let len = match (
            args[0]
                .as_str()
                .and_then(|t| t.split('/').nth(1)?.parse::<i64>().ok()),
            &bits,
        ) {
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
}

/// A Terraform function with a direct Bicep counterpart, on translated arguments `a`;
/// `Err(a)` when `f` (with that many arguments) has none.
fn bicep_function(f: &str, a: Vec<AzExpr>) -> Result<AzExpr, Vec<AzExpr>> {
    let call = |n: &str, v: Vec<AzExpr>| AzExpr::call(n, v);
    let arg = |i: usize| a.get(i).cloned().unwrap_or(AzExpr::Null);
    Ok(match (f, a.len()) {
        ("__items", 1) => call("items", a),
        ("__range", 1) => call("range", vec![AzExpr::Int(0), arg(0)]),
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

/// Renames a loop variable inside a body.
fn rename_ident(e: AzExpr, from: &str, to: &str) -> AzExpr {
    if from == to {
        return e;
    }
    let r = |x: AzExpr| rename_ident(x, from, to);
    match e {
        AzExpr::Ident(i) if i == from => AzExpr::Ident(to.to_string()),
        AzExpr::Array(v) => AzExpr::Array(v.into_iter().map(r).collect()),
        AzExpr::Call(f, v) => AzExpr::Call(f, v.into_iter().map(r).collect()),
        AzExpr::Object(m) => AzExpr::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        AzKey::Expr(x) => AzKey::Expr(r(x)),
                        n => n,
                    };
                    (k, r(v))
                })
                .collect(),
        ),
        AzExpr::Member(b, m) => AzExpr::Member(bx(r(*b)), m),
        AzExpr::Index(a, b) => AzExpr::Index(bx(r(*a)), bx(r(*b))),
        AzExpr::Interp(p) => AzExpr::Interp(
            p.into_iter()
                .map(|x| match x {
                    Interp::Expr(e) => Interp::Expr(r(e)),
                    l => l,
                })
                .collect(),
        ),
        AzExpr::Cond(a, b, c) => AzExpr::Cond(bx(r(*a)), bx(r(*b)), bx(r(*c))),
        AzExpr::Bin(o, a, b) => AzExpr::Bin(o, bx(r(*a)), bx(r(*b))),
        AzExpr::Not(a) => AzExpr::Not(bx(r(*a))),
        AzExpr::For(v, c, b) => AzExpr::For(v, bx(r(*c)), bx(r(*b))),
        other => other,
    }
}
