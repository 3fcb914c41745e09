//! HCL expressions (hcl-edit, with spans) → the model's expression trees.

use std::collections::{BTreeMap, BTreeSet};

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use crate::diag::{Diagnostic, codes};
use crate::model::expr::{Expr, ExprKind, ForExpr, SubPart};
use crate::source::{FileId, Span};

/// What a name in the module stands for.
#[derive(Debug, Clone)]
pub enum Target {
    /// A lifted AWS resource: its logical id and Terraform type.
    Aws { id: String, tf_type: String },
    /// A resource kept as Terraform (random, null, …).
    Passthrough,
    /// A resource of a provider with no translation.
    Foreign,
}

/// Names declared in a module, for resolving references.
#[derive(Default)]
pub struct Scope {
    pub vars: BTreeSet<String>,
    pub locals: BTreeSet<String>,
    pub modules: BTreeSet<String>,
    /// (type, name) → target.
    pub resources: BTreeMap<(String, String), Target>,
    /// (type, name) of data sources.
    pub data: BTreeSet<(String, String)>,
    /// Policy documents of `data.aws_iam_policy_document` blocks, by name.
    pub policy_docs: BTreeMap<String, Expr>,
    /// Terraform attribute → CloudFormation `Ref`/attribute, per lifted Terraform type.
    pub attributes: BTreeMap<String, BTreeMap<String, String>>,
    /// Data sources used, for decisions: (type, name, span).
    pub data_used: Vec<(String, String, Span)>,
    /// Arguments of each resource as written, with their file: an attribute that
    /// repeats an argument (`aws_subnet.x.cidr_block`) is that argument's value.
    pub args: BTreeMap<(String, String), (FileId, BTreeMap<String, Expression>)>,
    /// Object keys the parse saw repeated, by file and byte offset: the key each stands for.
    pub repeated_keys: super::parse::RepeatedKeys,
}

pub struct Conv<'a> {
    pub file: FileId,
    pub sources: &'a crate::source::SourceMap,
    pub scope: &'a Scope,
    pub loops: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub data_used: Vec<(String, String, Span)>,
    /// Resource arguments being read in place of their attribute (type, name, argument):
    /// one that refers back to itself is left as a reference, for the cycle check.
    pub expanding: Vec<(String, String, String)>,
    /// The depth in `expanding` where a cycle was found: every expansion from there in
    /// keeps its reference, so the cycle check sees each edge of the loop.
    pub cycle_at: Option<usize>,
}

impl<'a> Conv<'a> {
    /// A converter for expressions of `file`, resolving names in `scope`.
    pub fn new(sources: &'a crate::source::SourceMap, scope: &'a Scope, file: FileId) -> Conv<'a> {
        Conv {
            file,
            sources,
            scope,
            loops: Vec::new(),
            diagnostics: Vec::new(),
            data_used: Vec::new(),
            expanding: Vec::new(),
            cycle_at: None,
        }
    }
}

pub fn span_of(file: FileId, r: Option<std::ops::Range<usize>>) -> Span {
    r.map(|r| Span::new(file, r.start, r.end))
        .unwrap_or(Span::new(file, 0, 0))
}

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// A function call's name, with its namespace (`provider::p::f`).
fn func_name(f: &hcl_edit::expr::FuncCall) -> String {
    if f.name.namespace.is_empty() {
        f.name.name.value().to_string()
    } else {
        let mut n: Vec<String> = f
            .name
            .namespace
            .iter()
            .map(|x| x.value().to_string())
            .collect();
        n.push(f.name.name.value().to_string());
        n.join("::")
    }
}

/// A binary operator's text.
fn bin_op(op: &BinaryOperator) -> &'static str {
    match op {
        BinaryOperator::Eq => "==",
        BinaryOperator::NotEq => "!=",
        BinaryOperator::LessEq => "<=",
        BinaryOperator::GreaterEq => ">=",
        BinaryOperator::Less => "<",
        BinaryOperator::Greater => ">",
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Mul => "*",
        BinaryOperator::Div => "/",
        BinaryOperator::Mod => "%",
        BinaryOperator::And => "&&",
        BinaryOperator::Or => "||",
    }
}

/// The instance selection after a resource's name: where its attribute starts, the index
/// (`aws_x.y[i]`) and whether it is a splat (`aws_x.y[*]`).
struct Instance {
    k: usize,
    index: Option<Expr>,
    splat: bool,
}

impl Instance {
    /// `base` for one instance (indexed) or for all (`__splat`).
    fn select(self, base: Expr, span: Span) -> Expr {
        // `aws_x.y[i].attr` is the attribute of one instance; `aws_x.y[*].attr` of all.
        match (self.index, self.splat) {
            (_, true) => Expr::new(ExprKind::Call("__splat".into(), vec![base]), span),
            (Some(ix), false) => Expr::new(ExprKind::Index(bx(base), bx(ix)), span),
            (None, false) => base,
        }
    }
}

/// A lifted resource's attribute: `Ref` for its id, else `GetAtt` of the lifted (or Terraform) name.
fn attribute_base(id: String, attr: String, lifted: Option<&str>, span: Span) -> Expr {
    match lifted {
        Some("Ref") => Expr::new(ExprKind::Ref(id), span),
        Some(a) => Expr::new(
            ExprKind::GetAtt {
                resource: id,
                attribute: a.to_string(),
            },
            span,
        ),
        None if attr == "id" => Expr::new(ExprKind::Ref(id), span),
        None => Expr::new(
            ExprKind::GetAtt {
                resource: id,
                attribute: attr,
            },
            span,
        ),
    }
}

impl Conv<'_> {
    pub fn sp(&self, r: Option<std::ops::Range<usize>>) -> Span {
        span_of(self.file, r)
    }

    pub fn expr(&mut self, e: &Expression) -> Expr {
        let span = self.sp(e.span());
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => ExprKind::Number(n.value().to_string()),
            Expression::String(s) => ExprKind::Str(s.value().to_string()),
            Expression::Array(a) => ExprKind::List(a.iter().map(|x| self.expr(x)).collect()),
            Expression::Object(o) => return self.object(o, span),
            Expression::StringTemplate(t) => return self.template(t, span),
            // hcl-edit has already stripped a `<<-` heredoc's indent from its literals
            // (`h.indent()` says how much): stripping it again would flatten nested lines.
            Expression::HeredocTemplate(h) => return self.template(&h.template, span),
            Expression::Parenthesis(p) => return self.expr(p.inner()),
            Expression::Variable(v) => return self.variable(v.value().as_str(), &[], span),
            Expression::Conditional(c) => ExprKind::Cond(
                bx(self.expr(&c.cond_expr)),
                bx(self.expr(&c.true_expr)),
                bx(self.expr(&c.false_expr)),
            ),
            Expression::FuncCall(f) => {
                let name = func_name(f);
                let args = f.args.iter().map(|a| self.expr(a)).collect();
                ExprKind::Call(name, args)
            }
            Expression::Traversal(t) => return self.traversal(&t.expr, &t.operators, span),
            Expression::UnaryOp(u) => {
                let x = self.expr(&u.expr);
                match u.operator.value() {
                    UnaryOperator::Neg => ExprKind::Neg(bx(x)),
                    UnaryOperator::Not => ExprKind::Not(bx(x)),
                }
            }
            Expression::BinaryOp(b) => ExprKind::BinOp(
                bin_op(b.operator.value()).into(),
                bx(self.expr(&b.lhs_expr)),
                bx(self.expr(&b.rhs_expr)),
            ),
            Expression::ForExpr(f) => self.for_expr(f),
        };
        Expr::new(kind, span)
    }

    /// An object expression; one with computed keys is kept as an opaque entry.
    fn object(&mut self, o: &hcl_edit::expr::Object, span: Span) -> Expr {
        let mut out: Vec<(String, Span, Expr)> = Vec::new();
        for (k, v) in o.iter() {
            let ks = self.sp(k.span());
            let stood_for = self
                .scope
                .repeated_keys
                .get(&(self.file, ks.start as usize));
            let key = match k {
                _ if stood_for.is_some() => stood_for.cloned().unwrap_or_default(),
                ObjectKey::Ident(i) => i.value().to_string(),
                ObjectKey::Expression(x) => match self.expr(x).kind {
                    ExprKind::Str(s) => s,
                    _ => {
                        // Computed keys: kept as an opaque entry.
                        return Expr::new(
                            ExprKind::Opaque("object with computed keys".into()),
                            span,
                        );
                    }
                },
            };
            let value = self.expr(v.expr());
            // Terraform keeps the last value of a repeated key (`a = 1` and `"a" = 2` too).
            if let Some(first) = out.iter_mut().find(|(k, _, _)| *k == key) {
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::TF_REPEATED_KEY,
                        ks,
                        format!("`{key}` is set twice in this object; the last value is used"),
                        "set again here",
                    )
                    .related(first.1, "first set here")
                    .help(
                        "remove one of the two: Terraform keeps the last value without a warning",
                    ),
                );
                first.2 = value;
                continue;
            }
            out.push((key, ks, value));
        }
        Expr::new(ExprKind::Object(out), span)
    }

    /// A `for` expression, its variables in scope while its key, value and condition convert.
    fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr) -> ExprKind {
        let collection = self.expr(&f.intro.collection_expr);
        let key_var = f.intro.key_var.as_ref().map(|k| k.value().to_string());
        let value_var = f.intro.value_var.value().to_string();
        let pushed = 1 + usize::from(key_var.is_some());
        if let Some(k) = &key_var {
            self.loops.push(k.clone());
        }
        self.loops.push(value_var.clone());
        let key = f.key_expr.as_ref().map(|k| self.expr(k));
        let value = self.expr(&f.value_expr);
        let cond = f.cond.as_ref().map(|c| self.expr(&c.expr));
        for _ in 0..pushed {
            self.loops.pop();
        }
        ExprKind::For(Box::new(ForExpr {
            key_var,
            value_var,
            collection,
            key,
            value,
            cond,
            grouping: f.grouping,
        }))
    }

    fn template(&mut self, t: &Template, span: Span) -> Expr {
        let mut parts: Vec<SubPart> = Vec::new();
        for el in t.iter() {
            match el {
                Element::Literal(l) => push_lit(&mut parts, l.value()),
                Element::Interpolation(i) => {
                    let x = self.expr(&i.expr);
                    match x.kind {
                        ExprKind::Str(s) => push_lit(&mut parts, &s),
                        _ => parts.push(SubPart::Expr(x)),
                    }
                }
                Element::Directive(d) => {
                    let what = match d.as_ref() {
                        Directive::If(_) => "template %{if} directive",
                        Directive::For(_) => "template %{for} directive",
                    };
                    parts.push(SubPart::Expr(Expr::new(
                        ExprKind::Opaque(what.into()),
                        span,
                    )));
                }
            }
        }
        match parts.as_slice() {
            [] => Expr::new(ExprKind::Str(String::new()), span),
            [SubPart::Lit(s)] => Expr::new(ExprKind::Str(s.clone()), span),
            [SubPart::Expr(x)] => x.clone(),
            _ => Expr::new(ExprKind::Sub(parts), span),
        }
    }

    fn traversal(
        &mut self,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        if let Expression::Variable(v) = root {
            return self.variable(v.value().as_str(), ops, span);
        }
        let base = self.expr(root);
        self.apply_ops(base, ops, span)
    }

    fn apply_ops(
        &mut self,
        mut base: Expr,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        let mut i = 0;
        while i < ops.len() {
            match ops[i].value() {
                TraversalOperator::GetAttr(a) => {
                    base = Expr::new(ExprKind::Attr(bx(base), a.value().to_string()), span);
                }
                TraversalOperator::Index(x) => {
                    let ix = self.expr(x);
                    base = Expr::new(ExprKind::Index(bx(base), bx(ix)), span);
                }
                TraversalOperator::LegacyIndex(n) => {
                    let ix = Expr::new(ExprKind::Number(n.value().to_string()), span);
                    base = Expr::new(ExprKind::Index(bx(base), bx(ix)), span);
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // `x[*].a.b` → `[for v in x : v.a.b]`.
                    let var = "__splat".to_string();
                    let mut body = Expr::new(ExprKind::LoopVar(var.clone()), span);
                    body = self.apply_ops(body, &ops[i + 1..], span);
                    return Expr::new(
                        ExprKind::For(Box::new(ForExpr {
                            key_var: None,
                            value_var: var,
                            collection: base,
                            key: None,
                            value: body,
                            cond: None,
                            grouping: false,
                        })),
                        span,
                    );
                }
            }
            i += 1;
        }
        base
    }

    /// The longest nested attribute path (`a[0].b[0].c`, at least two steps) at the start
    /// of `ops` that the lifting table of `tf_type` names: how many operators it takes and
    /// the attribute it lifts to.
    fn nested_attribute(
        &self,
        tf_type: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Option<(usize, String)> {
        let table = self.scope.attributes.get(tf_type)?;
        let mut path = String::new();
        let mut best = None;
        for (n, op) in ops.iter().enumerate() {
            match op.value() {
                TraversalOperator::GetAttr(a) if n == 0 => path.push_str(a.value()),
                TraversalOperator::GetAttr(a) => {
                    path.push('.');
                    path.push_str(a.value());
                }
                TraversalOperator::Index(Expression::Number(x)) => {
                    path.push_str(&format!("[{}]", x.value()));
                }
                TraversalOperator::LegacyIndex(x) => path.push_str(&format!("[{}]", x.value())),
                _ => break,
            }
            if n > 0
                && let Some(a) = table.get(&path)
            {
                best = Some((n + 1, a.clone()));
            }
        }
        best
    }

    fn attr_at(ops: &[hcl_edit::Decorated<TraversalOperator>], i: usize) -> Option<String> {
        match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().to_string()),
            _ => None,
        }
    }

    fn undefined(&mut self, what: String, span: Span, help: &str) -> Expr {
        self.diagnostics.push(
            Diagnostic::new(
                codes::TF_UNDEFINED,
                span,
                what,
                "not declared in this module",
            )
            .help(help.to_string()),
        );
        Expr::new(ExprKind::Null, span)
    }

    /// A traversal from a root name: `var.x`, `local.x`, `aws_s3_bucket.b.arn`, `data.…`, `module.m.out`.
    fn variable(
        &mut self,
        root: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        // Provisioner keywords (`when = create | destroy`, `on_failure = continue | fail`) are written bare.
        if ops.is_empty() && matches!(root, "create" | "destroy" | "continue" | "fail") {
            return Expr::new(ExprKind::LoopVar(root.to_string()), span);
        }
        if self.loops.iter().any(|l| l == root) || matches!(root, "each" | "count" | "self") {
            let base = Expr::new(ExprKind::LoopVar(root.to_string()), span);
            return self.apply_ops(base, ops, span);
        }
        if root == "resource" {
            // `resource.TYPE.NAME`: the explicit form of a resource reference.
            if let Some(ty) = Self::attr_at(ops, 0) {
                return self.variable_resource(&ty, &ops[1..], span);
            }
        }
        let first = Self::attr_at(ops, 0);
        match root {
            "var" => {
                let Some(name) = first else {
                    return Expr::new(ExprKind::Opaque("var".into()), span);
                };
                if !self.scope.vars.contains(&name) {
                    return self.undefined(
                        format!("unknown variable `var.{name}`"),
                        span,
                        "declare it with a `variable` block, or fix the name",
                    );
                }
                let base = Expr::new(ExprKind::Ref(name), span);
                self.apply_ops(base, &ops[1..], span)
            }
            "local" => {
                let Some(name) = first else {
                    return Expr::new(ExprKind::Opaque("local".into()), span);
                };
                if !self.scope.locals.contains(&name) {
                    return self.undefined(
                        format!("unknown local value `local.{name}`"),
                        span,
                        "declare it in a `locals` block, or fix the name",
                    );
                }
                let base = Expr::new(ExprKind::Local(name), span);
                self.apply_ops(base, &ops[1..], span)
            }
            "module" => self.variable_module(first, ops, span),
            "data" => self.variable_data(first, ops, span),
            "path" | "terraform" => {
                let what = format!("{root}.{}", first.unwrap_or_default());
                Expr::new(ExprKind::Opaque(what), span)
            }
            ty => self.variable_resource(ty, ops, span),
        }
    }

    /// `module.m.out` (any index after the module name dropped) → the module's output.
    fn variable_module(
        &mut self,
        first: Option<String>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        let Some(name) = first else {
            return Expr::new(ExprKind::Opaque("module".into()), span);
        };
        if !self.scope.modules.contains(&name) {
            return self.undefined(
                format!("unknown module `module.{name}`"),
                span,
                "declare it with a `module` block, or fix the name",
            );
        }
        // module.m[0].out / module.m["k"].out: the index is dropped with the call's loop.
        let mut k = 1;
        while matches!(
            ops.get(k).map(|o| o.value()),
            Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
        ) {
            k += 1;
        }
        match Self::attr_at(ops, k) {
            Some(output) => {
                let base = Expr::new(
                    ExprKind::ModuleOutput {
                        module: name,
                        output,
                    },
                    span,
                );
                self.apply_ops(base, &ops[k + 1..], span)
            }
            None => Expr::new(ExprKind::Opaque(format!("module.{name}")), span),
        }
    }

    /// `data.TYPE.NAME.attr` → the data source's value (recorded as used).
    fn variable_data(
        &mut self,
        first: Option<String>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        let (Some(ty), Some(name)) = (first, Self::attr_at(ops, 1)) else {
            return Expr::new(ExprKind::Opaque("data".into()), span);
        };
        if !self.scope.data.contains(&(ty.clone(), name.clone())) {
            return self.undefined(
                format!("unknown data source `data.{ty}.{name}`"),
                span,
                "declare it with a `data` block, or fix the name",
            );
        }
        let mut k = 2;
        while matches!(
            ops.get(k).map(|o| o.value()),
            Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
        ) {
            k += 1;
        }
        let attr = Self::attr_at(ops, k).unwrap_or_default();
        self.data_used.push((ty.clone(), name.clone(), span));
        let base = self.data_value(&ty, &name, &attr, span);
        self.apply_ops(base, &ops[(k + 1).min(ops.len())..], span)
    }

    /// `TYPE.NAME[…].attr` → the lifted resource's `Ref`/attribute (or the argument's
    /// value), a passthrough resource's reference, or an opaque foreign one.
    fn variable_resource(
        &mut self,
        ty: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Expr {
        let first = Self::attr_at(ops, 0);
        let Some(name) = first else {
            return self.undefined(
                format!("unknown name `{ty}`"),
                span,
                "use var., local., module., data. or a resource type",
            );
        };
        let Some(target) = self.scope.resources.get(&(ty.to_string(), name.clone())) else {
            return self.undefined(
                format!("reference to undeclared resource `{ty}.{name}`"),
                span,
                "declare the resource in this module, or fix the reference",
            );
        };
        let inst = self.instance(ops);
        match target.clone() {
            Target::Aws { id, tf_type } => {
                let k = inst.k;
                let attr = Self::attr_at(ops, k);
                let Some(attr) = attr else {
                    return Expr::new(ExprKind::Ref(id), span);
                };
                // A nested attribute the table names whole (`identity[0].oidc[0].issuer`).
                if let Some((n, a)) = self.nested_attribute(&tf_type, &ops[k..]) {
                    let base = attribute_base(id, attr, Some(&a), span);
                    let base = inst.select(base, span);
                    return self.apply_ops(base, &ops[k + n..], span);
                }
                let lifted = self
                    .scope
                    .attributes
                    .get(&tf_type)
                    .and_then(|m| m.get(&attr))
                    .cloned();
                if lifted.is_none()
                    && attr != "id"
                    && let Some(v) = self.argument_value(ty, &name, &attr)
                {
                    return self.apply_ops(v, &ops[k + 1..], span);
                }
                let base = attribute_base(id, attr, lifted.as_deref(), span);
                let base = inst.select(base, span);
                self.apply_ops(base, &ops[k + 1..], span)
            }
            Target::Passthrough => {
                let k = inst.k;
                let path = ops[k..]
                    .iter()
                    .map_while(|o| match o.value() {
                        TraversalOperator::GetAttr(a) => Some(a.value().to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>();
                let n = path.len();
                let base = Expr::new(
                    ExprKind::TfRef {
                        ty: ty.to_string(),
                        name,
                        path,
                    },
                    span,
                );
                self.apply_ops(base, &ops[k + n..], span)
            }
            Target::Foreign => Expr::new(ExprKind::Opaque(format!("{ty}.{name}")), span),
        }
    }

    /// The index or splat after a resource's name, and where its attribute starts.
    fn instance(&mut self, ops: &[hcl_edit::Decorated<TraversalOperator>]) -> Instance {
        let mut k = 1;
        let mut index: Option<Expr> = None;
        let mut splat = false;
        while let Some(op) = ops.get(k).map(|o| o.value()) {
            match op {
                TraversalOperator::Index(x) => index = Some(self.expr(x)),
                TraversalOperator::LegacyIndex(_) => {}
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => splat = true,
                _ => break,
            }
            k += 1;
        }
        Instance { k, index, splat }
    }

    /// The value of a resource's own argument, when it does not depend on its loop.
    fn argument_value(&mut self, ty: &str, name: &str, attr: &str) -> Option<Expr> {
        let (file, args) = self.scope.args.get(&(ty.to_string(), name.to_string()))?;
        let e = args.get(attr)?.clone();
        let key = (ty.to_string(), name.to_string(), attr.to_string());
        if let Some(at) = self.expanding.iter().position(|k| *k == key) {
            self.cycle_at = Some(self.cycle_at.map_or(at, |c| c.min(at)));
            return None;
        }
        let depth = self.expanding.len();
        self.expanding.push(key);
        let saved = std::mem::replace(&mut self.file, *file);
        let saved_loops = std::mem::take(&mut self.loops);
        let n = self.diagnostics.len();
        let v = self.expr(&e);
        self.diagnostics.truncate(n);
        self.loops = saved_loops;
        self.file = saved;
        self.expanding.pop();
        if let Some(c) = self.cycle_at
            && depth >= c
        {
            if depth == c {
                self.cycle_at = None;
            }
            return None;
        }
        let mut looped = false;
        v.walk(&mut |x| {
            if matches!(&x.kind, ExprKind::LoopVar(_)) {
                looped = true;
            }
        });
        (!looped).then_some(v)
    }

    /// `data.TYPE.NAME.attr`: the built-in AWS data sources, else an opaque value.
    fn data_value(&mut self, ty: &str, name: &str, attr: &str, span: Span) -> Expr {
        let pseudo = |p: &str| Expr::new(ExprKind::Ref(p.into()), span);
        match (ty, attr) {
            ("aws_caller_identity", "account_id" | "id") => pseudo("AWS::AccountId"),
            ("aws_region", "name" | "id" | "region") => pseudo("AWS::Region"),
            ("aws_partition", "partition" | "id") => pseudo("AWS::Partition"),
            ("aws_partition", "dns_suffix") => pseudo("AWS::URLSuffix"),
            ("aws_availability_zones", "names" | "zone_ids") => Expr::new(
                ExprKind::GetAZs(bx(Expr::new(ExprKind::Str(String::new()), span))),
                span,
            ),
            ("aws_iam_policy_document", "json" | "minified_json") => {
                match self.scope.policy_docs.get(name) {
                    Some(doc) => Expr::new(ExprKind::ToJsonString(bx(doc.clone())), span),
                    None => Expr::new(ExprKind::Opaque(format!("data.{ty}.{name}")), span),
                }
            }
            _ => Expr::new(ExprKind::Opaque(format!("data.{ty}.{name}.{attr}")), span),
        }
    }
}

fn push_lit(parts: &mut Vec<SubPart>, s: &str) {
    if let Some(SubPart::Lit(l)) = parts.last_mut() {
        l.push_str(s);
    } else if !s.is_empty() {
        parts.push(SubPart::Lit(s.to_string()));
    }
}
