//! Expression trees: every value of a template, with its span.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SubPart {
    Lit(String),
    Expr(Expr),
}

/// A dynamic reference `{{resolve:service:reference}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dynamic {
    /// `ssm`, `ssm-secure` or `secretsmanager`.
    pub service: String,
    pub reference: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    List(Vec<Expr>),
    Object(Vec<(String, Span, Expr)>),
    /// `Ref`: a parameter, a resource, a pseudo parameter or a loop identifier.
    Ref(String),
    GetAtt {
        resource: String,
        attribute: String,
    },
    /// `Fn::Sub` with its variables already resolved into parts.
    Sub(Vec<SubPart>),
    Join {
        sep: Box<Expr>,
        items: Box<Expr>,
    },
    Select {
        index: Box<Expr>,
        list: Box<Expr>,
    },
    Split {
        sep: Box<Expr>,
        source: Box<Expr>,
    },
    If {
        cond: String,
        then: Box<Expr>,
        other: Box<Expr>,
    },
    Equals(Box<Expr>, Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Condition(String),
    FindInMap {
        map: String,
        top: Box<Expr>,
        second: Box<Expr>,
        default: Option<Box<Expr>>,
    },
    ImportValue(Box<Expr>),
    GetAZs(Box<Expr>),
    Base64(Box<Expr>),
    Cidr {
        block: Box<Expr>,
        count: Box<Expr>,
        bits: Box<Expr>,
    },
    Length(Box<Expr>),
    ToJsonString(Box<Expr>),
    Dynamic(Dynamic),
    /// A construct with no translation (e.g. `Fn::Transform`); named for the decision.
    Opaque(String),
    /// Terraform `local.name`.
    Local(String),
    /// A Terraform iteration variable: `each`, `count`, a `for` or `dynamic` iterator.
    LoopVar(String),
    /// A Terraform function call (`join(",", x)`).
    Call(String, Vec<Expr>),
    /// `cond ? a : b` on a boolean expression.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A binary operator (`+ - * / % == != < <= > >= && ||`).
    BinOp(String, Box<Expr>, Box<Expr>),
    /// Unary minus.
    Neg(Box<Expr>),
    /// `x[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `x.name` on a value that is not a resource reference.
    Attr(Box<Expr>, String),
    /// `[for k, v in coll : body if cond]` or `{for k, v in coll : key => body}`.
    For(Box<ForExpr>),
    /// `module.name.output`.
    ModuleOutput {
        module: String,
        output: String,
    },
    /// A reference to a Terraform resource that is not lifted into the AWS model
    /// (`random_pet.this.id`): kept for Terraform output.
    TfRef {
        ty: String,
        name: String,
        path: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Set for object `for` expressions.
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

impl Expr {
    /// The value as text for a message or a command line, with what is known only at
    /// deployment in angle brackets: `${Env}.example.com` → `<Env>.example.com`.
    pub fn shown_text(&self) -> String {
        match &self.kind {
            ExprKind::Str(s) | ExprKind::Number(s) => s.clone(),
            ExprKind::Ref(n) => format!("<{n}>"),
            ExprKind::GetAtt {
                resource,
                attribute,
            } => format!("<{resource}.{attribute}>"),
            ExprKind::Sub(parts) => parts
                .iter()
                .map(|p| match p {
                    SubPart::Lit(l) => l.clone(),
                    SubPart::Expr(x) => x.shown_text(),
                })
                .collect(),
            ExprKind::Join { sep, items } => match (sep.literal_text(), items.as_list()) {
                (Some(sep), Some(items)) => items
                    .iter()
                    .map(Expr::shown_text)
                    .collect::<Vec<_>>()
                    .join(&sep),
                _ => "<computed>".into(),
            },
            _ => "<computed>".into(),
        }
    }

    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A literal scalar as text.
    pub fn literal_text(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str(s) | ExprKind::Number(s) => Some(s.clone()),
            ExprKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn literal_i64(&self) -> Option<i64> {
        self.literal_text()?
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0)
            .map(|f| f as i64)
    }

    pub fn literal_bool(&self) -> Option<bool> {
        match &self.kind {
            ExprKind::Bool(b) => Some(*b),
            ExprKind::Str(s) => match s.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Object(m) => m.iter().rev().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            // A list element by its index (`LogGroupNames.0`).
            ExprKind::List(l) => key.parse::<usize>().ok().and_then(|n| l.get(n)),
            _ => None,
        }
    }

    /// Follows a dotted path through objects (`RedrivePolicy.maxReceiveCount`).
    pub fn path(&self, path: &str) -> Option<&Expr> {
        path.split('.').try_fold(self, |e, k| e.get(k))
    }

    pub fn as_list(&self) -> Option<&[Expr]> {
        match &self.kind {
            ExprKind::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, ExprKind::Null)
            || matches!(&self.kind, ExprKind::Ref(r) if r == "AWS::NoValue")
    }

    /// Calls `f` on this node and every node below it.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        use ExprKind::*;
        match &self.kind {
            List(l) | And(l) | Or(l) => l.iter().for_each(|e| e.walk(f)),
            Object(m) => m.iter().for_each(|(_, _, e)| e.walk(f)),
            Sub(parts) => parts.iter().for_each(|p| {
                if let SubPart::Expr(e) = p {
                    e.walk(f)
                }
            }),
            Join { sep: a, items: b }
            | Select { index: a, list: b }
            | Split { sep: a, source: b }
            | Equals(a, b) => {
                a.walk(f);
                b.walk(f)
            }
            If { then, other, .. } => {
                then.walk(f);
                other.walk(f)
            }
            Not(a)
            | ImportValue(a)
            | GetAZs(a)
            | Base64(a)
            | Length(a)
            | ToJsonString(a)
            | Neg(a)
            | Attr(a, _) => a.walk(f),
            Call(_, l) => l.iter().for_each(|e| e.walk(f)),
            Cond(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f)
            }
            BinOp(_, a, b) | Index(a, b) => {
                a.walk(f);
                b.walk(f)
            }
            For(fe) => {
                fe.collection.walk(f);
                if let Some(k) = &fe.key {
                    k.walk(f)
                }
                fe.value.walk(f);
                if let Some(c) = &fe.cond {
                    c.walk(f)
                }
            }
            FindInMap {
                top,
                second,
                default,
                ..
            } => {
                top.walk(f);
                second.walk(f);
                if let Some(d) = default {
                    d.walk(f)
                }
            }
            Cidr { block, count, bits } => {
                block.walk(f);
                count.walk(f);
                bits.walk(f)
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
            | TfRef { .. } => {}
        }
    }
}
