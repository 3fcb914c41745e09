//! Terraform-only expression forms (locals, functions, `for`, operators) → Azure expressions.
//!
//! Operators, conditionals, indexing and simple `for` expressions have an Azure form
//! of their own. Terraform functions, keyed or filtered `for` expressions, references
//! to kept resources of other providers and splats over conditional resources stay
//! Terraform-shaped ([`TfOnly`]): each back end lowers them, the Terraform one as
//! written, the Bicep one to its functions or to a parameter with a decision.

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, Interp, TfForm, TfOnly};
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
                let mut text = format!("{ty}.{name}");
                for p in path {
                    text.push('.');
                    text.push_str(p);
                }
                let form = TfForm::Ref {
                    text,
                    ty: ty.clone(),
                    name: name.clone(),
                };
                self.tf_only(form, Vec::new(), e.span)
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
            if r.condition.is_some() {
                let x = self.tr(base);
                return Some(self.tf_only(TfForm::CondSplat, vec![x], base.span));
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
            return self.tf_only(TfForm::For, parts, span);
        }
        let coll = self.tr(&fe.collection);
        let body = self.tr(&fe.value);
        let var = lower_camel(&fe.value_var.replace("__", ""));
        let body = rename_ident(body, &lower_camel(&fe.value_var), &var);
        AzExpr::For(var, bx(coll), bx(body))
    }

    /// A Terraform function call: the model keeps it (its arguments translated) for
    /// the back ends to lower; the converter's own `__` helpers become their Azure form.
    fn tr_call(&mut self, f: &str, args: &[Expr], span: Span) -> AzExpr {
        if f == "__splat" && args.len() == 1 {
            if let Some(s) = self.resource_splat(&args[0]) {
                return s;
            }
            return AzExpr::Array(vec![self.tr(&args[0])]);
        }
        let mut a: Vec<AzExpr> = args.iter().map(|x| self.tr(x)).collect();
        match (f, a.len()) {
            ("__items", 1) => AzExpr::call("items", a),
            ("__range", 1) => AzExpr::call("range", vec![AzExpr::Int(0), a.remove(0)]),
            _ => self.tf_only(TfForm::Call(f.to_string()), a, span),
        }
    }

    /// A node the back ends lower, stamped with where the mapping met it.
    pub(super) fn tf_only(&mut self, form: TfForm, args: Vec<AzExpr>, span: Span) -> AzExpr {
        let origin = self.origin(span);
        AzExpr::TfOnly(Box::new(TfOnly { form, args, origin }))
    }
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
        AzExpr::TfOnly(t) => (*t).map_args(r),
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
