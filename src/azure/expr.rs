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
    /// `[for x in coll: body]`.
    For(String, Box<AzExpr>, Box<AzExpr>),
    /// Terraform text kept as written (a reference to a passthrough resource).
    Raw(String),
}

impl AzExpr {
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

    /// Identifiers this expression mentions (for dependency checks and unused-symbol pruning).
    pub fn idents(&self, out: &mut Vec<String>) {
        match self {
            AzExpr::Ident(i) => out.push(i.clone()),
            AzExpr::Array(a) | AzExpr::Call(_, a) => a.iter().for_each(|e| e.idents(out)),
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
