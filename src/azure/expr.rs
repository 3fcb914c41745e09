//! Azure-side expressions: what a back end prints as Bicep or HCL.

#[derive(Clone, Debug, PartialEq)]
pub enum Interp {
    Lit(String),
    Expr(AzExpr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum AzKey {
    Name(String),
    Expr(AzExpr),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum AzExpr {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    /// A number that is not an integer, kept as written (printed as a string in Bicep).
    Num(String),
    Str(String),
    Array(Vec<AzExpr>),
    Object(Vec<(AzKey, AzExpr)>),
    /// A parameter, variable, resource symbol or loop variable.
    Ident(String),
    Member(Box<AzExpr>, String),
    Index(Box<AzExpr>, Box<AzExpr>),
    Call(String, Vec<AzExpr>),
    Interp(Vec<Interp>),
    Cond(Box<AzExpr>, Box<AzExpr>, Box<AzExpr>),
    /// A binary operator: `==`, `!=`, `&&`, `||`, `-`, `+`.
    Bin(&'static str, Box<AzExpr>, Box<AzExpr>),
    Not(Box<AzExpr>),
    /// `[for x in coll: body]`; the variable `(x, i)` also names the index.
    For(String, Box<AzExpr>, Box<AzExpr>),
    /// Terraform text kept as written.
    Raw(String),
    /// A Terraform form with no ARM counterpart of its own; each back end lowers it.
    TfOnly(Box<TfOnly>),
    /// A Bicep lambda `(a, b) => body`, an argument of `filter`, `map`, `reduce`,
    /// `toObject` or `sort` (only the Bicep lowering makes them).
    Lambda(Vec<String>, Box<AzExpr>),
}

/// A Terraform form the mapping keeps as it met it: the Terraform back end writes
/// it as written, the Bicep back end lowers it (to a Bicep function, or to a
/// parameter with a decision).
#[derive(Clone, Debug, PartialEq)]
pub struct TfOnly {
    pub form: TfForm,
    /// Its operands, translated: a function's arguments; the seven parts of a `for`
    /// (key variable, value variable, collection, key, value, filter, grouping); the
    /// splat's base.
    pub args: Vec<AzExpr>,
    pub origin: super::Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TfForm {
    /// A Terraform function call.
    Call(String),
    /// A `for` expression with keys, a filter or grouping.
    For,
    /// A reference to a kept resource of another provider: its text, type and name.
    Ref {
        text: String,
        ty: String,
        name: String,
    },
    /// `x[*]` over a conditional resource: a list, empty while the resource is off.
    CondSplat,
    /// The one operand (itself a [`TfOnly`]) as a `bool` or `int` property wants it.
    Coerce(String),
}

impl TfOnly {
    /// The node with `f` applied to each operand.
    pub fn map_args(self, f: impl FnMut(AzExpr) -> AzExpr) -> AzExpr {
        let TfOnly { form, args, origin } = self;
        AzExpr::TfOnly(Box::new(TfOnly {
            form,
            args: args.into_iter().map(f).collect(),
            origin,
        }))
    }

    /// The function name when this is a Terraform function call.
    pub fn function(&self) -> Option<&str> {
        match &self.form {
            TfForm::Call(f) => Some(f),
            _ => None,
        }
    }
}

/// The variables of an [`AzExpr::For`]: `x`, or `(x, i)` (the element and its index).
pub fn for_vars(v: &str) -> (&str, Option<&str>) {
    match v
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .and_then(|x| x.split_once(','))
    {
        Some((item, index)) => (item.trim(), Some(index.trim())),
        None => (v, None),
    }
}

impl AzExpr {
    /// The elements of an array written as a literal, or as the `concat` of literal
    /// arrays, conditional ones (`c ? [x] : []`, their elements counted as present) and
    /// other parts (a `for` expression); with whether every part was literal.
    pub fn array_elements(&self) -> Option<(Vec<&AzExpr>, bool)> {
        match self {
            AzExpr::Array(a) => Some((a.iter().collect(), true)),
            AzExpr::Call(f, parts) if f == "concat" => {
                let mut out = Vec::new();
                let mut literal = true;
                for p in parts {
                    match p {
                        AzExpr::Array(a) => out.extend(a),
                        AzExpr::Cond(_, a, b) => match (a.as_ref(), b.as_ref()) {
                            (AzExpr::Array(a), AzExpr::Array(b)) => {
                                out.extend(a);
                                out.extend(b);
                            }
                            _ => literal = false,
                        },
                        _ => literal = false,
                    }
                }
                Some((out, literal))
            }
            _ => None,
        }
    }

    pub fn str(s: impl Into<String>) -> Self {
        AzExpr::Str(s.into())
    }

    pub fn ident(s: impl Into<String>) -> Self {
        AzExpr::Ident(s.into())
    }

    pub fn member(self, m: &str) -> Self {
        AzExpr::Member(Box::new(self), m.to_string())
    }

    /// `a.b.c` from a dotted path.
    pub fn path(root: &str, path: &str) -> Self {
        path.split('.')
            .filter(|p| !p.is_empty())
            .fold(AzExpr::ident(root), |e, m| e.member(m))
    }

    pub fn call(f: &str, args: Vec<AzExpr>) -> Self {
        AzExpr::Call(f.to_string(), args)
    }

    pub fn obj(entries: Vec<(&str, AzExpr)>) -> Self {
        AzExpr::Object(
            entries
                .into_iter()
                .map(|(k, v)| (AzKey::Name(k.to_string()), v))
                .collect(),
        )
    }

    /// Text when this is a literal string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AzExpr::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&AzExpr> {
        match self {
            AzExpr::Object(m) => m
                .iter()
                .find(|(k, _)| matches!(k, AzKey::Name(n) if n == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` in an object, replacing an existing entry.
    pub fn set(&mut self, key: &str, value: AzExpr) {
        if let AzExpr::Object(m) = self {
            match m
                .iter_mut()
                .find(|(k, _)| matches!(k, AzKey::Name(n) if n == key))
            {
                Some(slot) => slot.1 = value,
                None => m.push((AzKey::Name(key.to_string()), value)),
            }
        }
    }

    /// Calls `f` on each direct sub-expression.
    pub fn for_each_child(&self, f: &mut dyn FnMut(&AzExpr)) {
        match self {
            AzExpr::Array(a) | AzExpr::Call(_, a) => a.iter().for_each(f),
            AzExpr::TfOnly(t) => t.args.iter().for_each(f),
            AzExpr::Object(m) => m.iter().for_each(|(k, v)| {
                if let AzKey::Expr(e) = k {
                    f(e)
                }
                f(v)
            }),
            AzExpr::Member(e, _) | AzExpr::Not(e) | AzExpr::Lambda(_, e) => f(e),
            AzExpr::Index(a, b) | AzExpr::Bin(_, a, b) | AzExpr::For(_, a, b) => {
                f(a);
                f(b)
            }
            AzExpr::Interp(parts) => parts.iter().for_each(|p| {
                if let Interp::Expr(e) = p {
                    f(e)
                }
            }),
            AzExpr::Cond(a, b, c) => {
                f(a);
                f(b);
                f(c)
            }
            AzExpr::Null
            | AzExpr::Bool(_)
            | AzExpr::Int(_)
            | AzExpr::Num(_)
            | AzExpr::Str(_)
            | AzExpr::Ident(_)
            | AzExpr::Raw(_) => {}
        }
    }

    /// Calls `f` on each direct sub-expression, mutably.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut AzExpr)) {
        match self {
            AzExpr::Array(a) | AzExpr::Call(_, a) => a.iter_mut().for_each(f),
            AzExpr::TfOnly(t) => t.args.iter_mut().for_each(f),
            AzExpr::Object(m) => m.iter_mut().for_each(|(k, v)| {
                if let AzKey::Expr(e) = k {
                    f(e)
                }
                f(v)
            }),
            AzExpr::Member(e, _) | AzExpr::Not(e) | AzExpr::Lambda(_, e) => f(e),
            AzExpr::Index(a, b) | AzExpr::Bin(_, a, b) | AzExpr::For(_, a, b) => {
                f(a);
                f(b)
            }
            AzExpr::Interp(parts) => parts.iter_mut().for_each(|p| {
                if let Interp::Expr(e) = p {
                    f(e)
                }
            }),
            AzExpr::Cond(a, b, c) => {
                f(a);
                f(b);
                f(c)
            }
            AzExpr::Null
            | AzExpr::Bool(_)
            | AzExpr::Int(_)
            | AzExpr::Num(_)
            | AzExpr::Str(_)
            | AzExpr::Ident(_)
            | AzExpr::Raw(_) => {}
        }
    }

    /// Identifiers this expression mentions (for dependency checks and unused-symbol pruning).
    pub fn idents(&self, out: &mut Vec<String>) {
        match self {
            AzExpr::Ident(i) => out.push(i.clone()),
            AzExpr::Array(a) | AzExpr::Call(_, a) => a.iter().for_each(|e| e.idents(out)),
            AzExpr::TfOnly(t) => t.args.iter().for_each(|e| e.idents(out)),
            AzExpr::Object(m) => m.iter().for_each(|(k, v)| {
                if let AzKey::Expr(e) = k {
                    e.idents(out)
                }
                v.idents(out)
            }),
            AzExpr::Member(e, _) | AzExpr::Not(e) => e.idents(out),
            AzExpr::Index(a, b) | AzExpr::Bin(_, a, b) => {
                a.idents(out);
                b.idents(out)
            }
            AzExpr::Interp(parts) => parts.iter().for_each(|p| {
                if let Interp::Expr(e) = p {
                    e.idents(out)
                }
            }),
            AzExpr::Cond(a, b, c) => {
                a.idents(out);
                b.idents(out);
                c.idents(out)
            }
            AzExpr::Lambda(params, body) => {
                let mut inner = Vec::new();
                body.idents(&mut inner);
                out.extend(inner.into_iter().filter(|i| !params.contains(i)));
            }
            AzExpr::For(_, c, b) => {
                c.idents(out);
                b.idents(out)
            }
            AzExpr::Null
            | AzExpr::Bool(_)
            | AzExpr::Int(_)
            | AzExpr::Num(_)
            | AzExpr::Str(_)
            | AzExpr::Raw(_) => {}
        }
    }
}

/// Folds interpolation parts: a lone expression stays itself; all-literal becomes a string.
pub fn interp(parts: Vec<Interp>) -> AzExpr {
    let mut merged: Vec<Interp> = Vec::new();
    // An interpolation inside an interpolation is spliced in.
    let parts = parts.into_iter().flat_map(|p| match p {
        Interp::Expr(AzExpr::Interp(inner)) => inner,
        other => vec![other],
    });
    for p in parts {
        match (merged.last_mut(), p) {
            (Some(Interp::Lit(prev)), Interp::Lit(l)) => prev.push_str(&l),
            (_, Interp::Lit(l)) if l.is_empty() => {}
            (_, p) => merged.push(p),
        }
    }
    match merged.as_slice() {
        [] => AzExpr::str(""),
        [Interp::Lit(l)] => AzExpr::Str(l.clone()),
        [Interp::Expr(e)] if is_stringy(e) => e.clone(),
        _ => AzExpr::Interp(merged),
    }
}

fn is_stringy(e: &AzExpr) -> bool {
    matches!(e, AzExpr::Interp(_) | AzExpr::Str(_))
}

/// A literal string to the wanted type; expressions through `bool()` or `int()`.
pub fn coerce(v: AzExpr, ty: &str) -> AzExpr {
    match (ty, v) {
        ("bool", AzExpr::Str(s)) if s.eq_ignore_ascii_case("true") => AzExpr::Bool(true),
        ("bool", AzExpr::Str(s)) if s.eq_ignore_ascii_case("false") => AzExpr::Bool(false),
        ("int", AzExpr::Str(s)) if s.trim().parse::<i64>().is_ok() => {
            AzExpr::Int(s.trim().parse().unwrap_or(0))
        }
        (
            "bool",
            v @ (AzExpr::Bool(_)
            | AzExpr::Cond(..)
            | AzExpr::Bin(..)
            | AzExpr::Not(_)
            | AzExpr::Null),
        ) => v,
        ("int", v @ (AzExpr::Int(_) | AzExpr::Cond(..) | AzExpr::Null | AzExpr::Call(..))) => v,
        // Whether it needs converting depends on what the back end lowers it to.
        (t, AzExpr::TfOnly(x)) => {
            let origin = x.origin.clone();
            AzExpr::TfOnly(Box::new(TfOnly {
                form: TfForm::Coerce(t.to_string()),
                args: vec![AzExpr::TfOnly(x)],
                origin,
            }))
        }
        (t, v) => AzExpr::call(t, vec![v]),
    }
}

/// Inside its parent, `parent.properties.x[0]` must be the value itself (a
/// resource cannot reference its own properties).
pub fn resolve_self(e: AzExpr, sym: &str, body: &AzExpr) -> AzExpr {
    if let Some(v) = self_path(&e, sym).and_then(|path| lookup_path(body, &path)) {
        return v;
    }
    let r = |x: AzExpr| resolve_self(x, sym, body);
    match e {
        AzExpr::Array(a) => AzExpr::Array(a.into_iter().map(r).collect()),
        AzExpr::Object(m) => AzExpr::Object(m.into_iter().map(|(k, v)| (k, r(v))).collect()),
        AzExpr::Call(f, a) => AzExpr::Call(f, a.into_iter().map(r).collect()),
        AzExpr::TfOnly(t) => (*t).map_args(r),
        AzExpr::Interp(parts) => AzExpr::Interp(
            parts
                .into_iter()
                .map(|p| match p {
                    Interp::Expr(x) => Interp::Expr(r(x)),
                    l => l,
                })
                .collect(),
        ),
        AzExpr::Cond(a, b, c) => AzExpr::Cond(Box::new(r(*a)), Box::new(r(*b)), Box::new(r(*c))),
        AzExpr::Bin(op, a, b) => AzExpr::Bin(op, Box::new(r(*a)), Box::new(r(*b))),
        other => other,
    }
}

enum Step {
    Key(String),
    Idx(i64),
}

fn self_path(e: &AzExpr, sym: &str) -> Option<Vec<Step>> {
    match e {
        AzExpr::Ident(s) if s == sym => Some(Vec::new()),
        AzExpr::Member(b, m) => {
            let mut p = self_path(b, sym)?;
            p.push(Step::Key(m.clone()));
            Some(p)
        }
        AzExpr::Index(b, i) => {
            let mut p = self_path(b, sym)?;
            match i.as_ref() {
                AzExpr::Int(n) => p.push(Step::Idx(*n)),
                AzExpr::Str(k) => p.push(Step::Key(k.clone())),
                _ => return None,
            }
            Some(p)
        }
        _ => None,
    }
}

fn lookup_path(body: &AzExpr, path: &[Step]) -> Option<AzExpr> {
    if path.is_empty() {
        return None;
    }
    let mut cur = body;
    for s in path {
        cur = match (s, cur) {
            (Step::Key(k), AzExpr::Object(_)) => cur.get(k)?,
            (Step::Idx(i), AzExpr::Array(a)) => a.get(*i as usize)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}
