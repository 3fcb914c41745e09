//! Node → expression tree: intrinsic functions in long (`Fn::Join`) and short
//! (`!Join`) form, dynamic references, and duplicate-key warnings.

use crate::diag::{Diagnostic, codes};
use crate::frontend::node::{Key, Node, NodeKind, Scalar};
use crate::model::expr::{Dynamic, Expr, ExprKind, SubPart};
use crate::model::sub;
use crate::source::Span;

pub struct Lower<'d> {
    pub diags: &'d mut Vec<Diagnostic>,
}

const INTRINSICS: &[&str] = &[
    "Ref",
    "Sub",
    "GetAtt",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "Condition",
    "Transform",
    "Length",
    "ToJsonString",
    "GetParam",
];

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Lower<'_> {
    /// Entries of a mapping with duplicates resolved: the last occurrence wins,
    /// and each overridden one gets a warning that names both places.
    pub fn entries<'n>(&mut self, entries: &'n [(Key, Node)]) -> Vec<&'n (Key, Node)> {
        let mut out: Vec<&(Key, Node)> = Vec::with_capacity(entries.len());
        for e in entries {
            if let Some(pos) = out.iter().position(|(k, _)| k.name == e.0.name) {
                let first = out.remove(pos);
                self.diags.push(
                    Diagnostic::new(
                        codes::CFN_DUPLICATE_KEY,
                        e.0.span,
                        format!(
                            "`{}` is defined twice; CloudFormation uses the last definition",
                            e.0.name
                        ),
                        "this definition is used",
                    )
                    .related(first.0.span, "this earlier definition is ignored")
                    .help("delete one of the two definitions so the template says what it deploys"),
                );
            }
            out.push(e);
        }
        out
    }

    fn arity(&mut self, span: Span, name: &str, expected: &str) -> Expr {
        self.diags.push(
            Diagnostic::new(
                codes::CFN_ARITY,
                span,
                format!("Fn::{name} takes {expected}"),
                format!("wrong arguments for Fn::{name}"),
            )
            .help(format!(
                "write Fn::{name} with {expected}, as in the CloudFormation reference"
            )),
        );
        Expr::new(ExprKind::Null, span)
    }

    /// Lowers any value. `in_condition` allows the `Condition` intrinsic.
    pub fn expr(&mut self, n: &Node) -> Expr {
        if let Some(tag) = &n.tag {
            return self.tagged(tag, n);
        }
        match &n.kind {
            NodeKind::Scalar(s) => self.scalar(s, n.span),
            NodeKind::Seq(items) => Expr::new(
                ExprKind::List(items.iter().map(|i| self.expr(i)).collect()),
                n.span,
            ),
            NodeKind::Map(entries) => {
                if entries.len() == 1 {
                    let (k, v) = &entries[0];
                    if let Some(f) = function_name(&k.name) {
                        return self.call(f, v, n.span, k.span);
                    }
                    if let Some(tool) = preprocessor(&k.name) {
                        return self.macro_value(&k.name, tool, k.span);
                    }
                }
                let items = self.entries(entries);
                let obj = items
                    .into_iter()
                    .map(|(k, v)| (k.name.clone(), k.span, self.expr(v)))
                    .collect();
                Expr::new(ExprKind::Object(obj), n.span)
            }
        }
    }

    fn scalar(&mut self, s: &Scalar, span: Span) -> Expr {
        match s {
            Scalar::Null => Expr::new(ExprKind::Null, span),
            Scalar::Bool(b) => Expr::new(ExprKind::Bool(*b), span),
            Scalar::Number(t) => Expr::new(ExprKind::Number(t.clone()), span),
            Scalar::Str(t) => string_expr(t, span),
        }
    }

    fn tagged(&mut self, tag: &str, n: &Node) -> Expr {
        let untagged = Node {
            tag: None,
            ..n.clone()
        };
        if INTRINSICS.contains(&tag) {
            return self.call(tag, &untagged, n.span, n.span);
        }
        if let Some(f) = tag.strip_prefix("Fn::")
            && INTRINSICS.contains(&f)
        {
            return self.call(f, &untagged, n.span, n.span);
        }
        if let Some(tool) = preprocessor(tag) {
            return self.macro_value(&format!("!{tag}"), tool, n.span);
        }
        self.diags.push(
            Diagnostic::new(
                codes::CFN_UNKNOWN_INTRINSIC,
                n.span,
                format!("`!{tag}` is not a CloudFormation intrinsic function"),
                "unknown tag",
            )
            .help("use one of !Ref, !Sub, !GetAtt, !Join, !Select, !Split, !If, !Equals, !And, !Or, !Not, !FindInMap, !ImportValue, !GetAZs, !Base64, !Cidr, !Condition; pre-processor tags (e.g. Rain) must be expanded first"),
        );
        Expr::new(ExprKind::Opaque(format!("!{tag}")), n.span)
    }

    /// A pre-processor construct (Rain): a warning, and an opaque value.
    pub fn macro_value(&mut self, what: &str, tool: &str, span: Span) -> Expr {
        self.diags.push(
            Diagnostic::new(codes::CFN_MACRO, span, format!("`{what}` is a {tool} pre-processor directive, not CloudFormation"), "not expanded")
                .help(format!("run `{}` first and convert the template it produces; the rest of this template still converts", if tool == "Rain" { "rain pkg" } else { tool })),
        );
        Expr::new(ExprKind::Opaque(what.to_string()), span)
    }

    fn call(&mut self, f: &str, arg: &Node, span: Span, name_span: Span) -> Expr {
        let kind = match f {
            "Ref" => match arg.scalar_text() {
                Some(name) => ExprKind::Ref(name),
                None => return self.arity(span, "Ref", "the name of a parameter or resource"),
            },
            "Condition" => match arg.scalar_text() {
                Some(name) => ExprKind::Condition(name),
                None => return self.arity(span, "Condition", "the name of a condition"),
            },
            "GetAtt" => return self.getatt(arg, span),
            "Sub" => return self.sub(arg, span),
            "Join" | "Select" | "Split" | "Equals" => return self.pair_call(f, arg, span),
            "If" | "And" | "Or" | "Not" => return self.condition_call(f, arg, span),
            "FindInMap" => return self.find_in_map(arg, span),
            "ImportValue" => ExprKind::ImportValue(boxed(self.expr(arg))),
            "GetAZs" => ExprKind::GetAZs(boxed(self.expr(arg))),
            "Base64" => ExprKind::Base64(boxed(self.expr(arg))),
            "Length" => ExprKind::Length(boxed(self.expr(arg))),
            "ToJsonString" => ExprKind::ToJsonString(boxed(self.expr(arg))),
            "Cidr" => return self.cidr(arg, span),
            "Transform" => return self.transform(arg, span, name_span),
            "GetParam" => ExprKind::Opaque("Fn::GetParam".into()),
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        codes::CFN_UNKNOWN_INTRINSIC,
                        name_span,
                        format!("`Fn::{f}` is not a CloudFormation intrinsic function"),
                        "unknown function",
                    )
                    .help("check the spelling against the intrinsic function reference (Fn::Join, Fn::Sub, …)"),
                );
                ExprKind::Opaque(format!("Fn::{f}"))
            }
        };
        Expr::new(kind, span)
    }

    /// Fn::Join, Fn::Select, Fn::Split or Fn::Equals: a function of a list of two.
    fn pair_call(&mut self, f: &str, arg: &Node, span: Span) -> Expr {
        let kind = match f {
            "Join" => match self.args(arg, 2) {
                Some(mut a) => {
                    let items = a.pop().unwrap();
                    ExprKind::Join {
                        sep: boxed(a.pop().unwrap()),
                        items: boxed(items),
                    }
                }
                None => {
                    return self.arity(
                        span,
                        "Join",
                        "a list of two: a delimiter and a list of values",
                    );
                }
            },
            "Select" => match self.args(arg, 2) {
                Some(mut a) => {
                    let list = a.pop().unwrap();
                    ExprKind::Select {
                        index: boxed(a.pop().unwrap()),
                        list: boxed(list),
                    }
                }
                None => return self.arity(span, "Select", "a list of two: an index and a list"),
            },
            "Split" => match self.args(arg, 2) {
                Some(mut a) => {
                    let source = a.pop().unwrap();
                    ExprKind::Split {
                        sep: boxed(a.pop().unwrap()),
                        source: boxed(source),
                    }
                }
                None => {
                    return self.arity(span, "Split", "a list of two: a delimiter and a string");
                }
            },
            _ => match self.args(arg, 2) {
                Some(mut a) => {
                    let b = a.pop().unwrap();
                    ExprKind::Equals(boxed(a.pop().unwrap()), boxed(b))
                }
                None => return self.arity(span, "Equals", "a list of two values"),
            },
        };
        Expr::new(kind, span)
    }

    /// Fn::If, Fn::And, Fn::Or or Fn::Not.
    fn condition_call(&mut self, f: &str, arg: &Node, span: Span) -> Expr {
        let kind = match f {
            "If" => {
                let items = arg.as_seq().filter(|s| s.len() == 3);
                match items.and_then(|s| s[0].scalar_text().map(|c| (c, s))) {
                    Some((cond, s)) => ExprKind::If {
                        cond,
                        then: boxed(self.expr(&s[1])),
                        other: boxed(self.expr(&s[2])),
                    },
                    None => {
                        return self.arity(
                            span,
                            "If",
                            "a list of three: a condition name and two values",
                        );
                    }
                }
            }
            "And" | "Or" => match arg.as_seq().filter(|s| (2..=10).contains(&s.len())) {
                Some(s) => {
                    let v = s.iter().map(|i| self.condition_item(i)).collect();
                    if f == "And" {
                        ExprKind::And(v)
                    } else {
                        ExprKind::Or(v)
                    }
                }
                None => return self.arity(span, f, "a list of 2 to 10 conditions"),
            },
            _ => match arg.as_seq() {
                Some([c]) => ExprKind::Not(boxed(self.condition_item(c))),
                _ => return self.arity(span, "Not", "a list of one condition"),
            },
        };
        Expr::new(kind, span)
    }

    /// Fn::Cidr: an address block, a count and a size.
    fn cidr(&mut self, arg: &Node, span: Span) -> Expr {
        match self.args(arg, 3) {
            Some(mut a) => {
                let bits = a.pop().unwrap();
                let count = a.pop().unwrap();
                let kind = ExprKind::Cidr {
                    block: boxed(a.pop().unwrap()),
                    count: boxed(count),
                    bits: boxed(bits),
                };
                Expr::new(kind, span)
            }
            None => self.arity(
                span,
                "Cidr",
                "a list of three: an address block, a count and a size",
            ),
        }
    }

    /// Fn::Transform: a warning that the macro is not expanded, and an opaque value.
    fn transform(&mut self, arg: &Node, span: Span, name_span: Span) -> Expr {
        let name = arg
            .get("Name")
            .and_then(|n| n.scalar_text())
            .unwrap_or_else(|| "a macro".into());
        self.diags.push(
            Diagnostic::new(
                codes::CFN_MACRO,
                name_span,
                format!("Fn::Transform ({name}) is not expanded"),
                "this value is left for a person to translate",
            )
            .help("expand the macro (for AWS::Include: inline the snippet) and convert again"),
        );
        Expr::new(ExprKind::Opaque(format!("Fn::Transform {name}")), span)
    }

    /// An operand of Fn::And/Or/Not: `{Condition: Name}` names another condition.
    fn condition_item(&mut self, n: &Node) -> Expr {
        if n.tag.is_none()
            && let Some([(k, v)]) = n.as_map()
            && k.name == "Condition"
            && let Some(name) = v.scalar_text()
        {
            return Expr::new(ExprKind::Condition(name), n.span);
        }
        self.expr(n)
    }

    fn args(&mut self, arg: &Node, n: usize) -> Option<Vec<Expr>> {
        let s = arg.as_seq().filter(|s| s.len() == n)?;
        Some(s.iter().map(|i| self.expr(i)).collect())
    }

    fn getatt(&mut self, arg: &Node, span: Span) -> Expr {
        let parts = match (&arg.kind, arg.as_seq()) {
            (NodeKind::Scalar(Scalar::Str(s)), _) => s
                .split_once('.')
                .map(|(a, b)| (a.to_string(), b.to_string())),
            (_, Some([a, b])) => match (a.scalar_text(), b.scalar_text()) {
                (Some(a), Some(b)) => Some((a, b)),
                // An attribute computed by Ref (allowed by CloudFormation) keeps its resource.
                (Some(a), None) => Some((a, "<computed>".into())),
                _ => None,
            },
            _ => None,
        };
        match parts {
            Some((resource, attribute)) => Expr::new(
                ExprKind::GetAtt {
                    resource,
                    attribute,
                },
                span,
            ),
            None => self.arity(
                span,
                "GetAtt",
                "`Resource.Attribute` or a list of two: a resource and an attribute",
            ),
        }
    }

    fn sub(&mut self, arg: &Node, span: Span) -> Expr {
        if let Some([(k, _)]) = arg.as_map()
            && let Some(tool) = preprocessor(&k.name)
        {
            return self.macro_value(&k.name, tool, k.span);
        }
        let (text, text_span, vars) = match (&arg.kind, arg.as_seq()) {
            (NodeKind::Scalar(_), _) => (arg.scalar_text().unwrap_or_default(), arg.span, None),
            (_, Some([t, m])) if t.scalar_text().is_some() && m.as_map().is_some() => {
                (t.scalar_text().unwrap_or_default(), t.span, m.as_map())
            }
            _ => {
                return self.arity(
                    span,
                    "Sub",
                    "a string, or a list of two: a string and a map of variables",
                );
            }
        };
        let vars: Vec<(String, Expr)> = match vars {
            Some(m) => self
                .entries(m)
                .into_iter()
                .map(|(k, v)| (k.name.clone(), self.expr(v)))
                .collect(),
            None => Vec::new(),
        };
        let mut parts = Vec::new();
        for p in sub::parse(&text) {
            match p {
                sub::Piece::Lit(l) => push_dynamic_parts(&mut parts, &l, text_span),
                sub::Piece::Var(v) => {
                    let e = match vars.iter().rev().find(|(k, _)| *k == v) {
                        Some((_, e)) => e.clone(),
                        None => match v.split_once('.') {
                            Some((r, a)) => Expr::new(
                                ExprKind::GetAtt {
                                    resource: r.into(),
                                    attribute: a.into(),
                                },
                                text_span,
                            ),
                            None => Expr::new(ExprKind::Ref(v), text_span),
                        },
                    };
                    parts.push(SubPart::Expr(e));
                }
            }
        }
        Expr::new(ExprKind::Sub(parts), span)
    }

    fn find_in_map(&mut self, arg: &Node, span: Span) -> Expr {
        let Some(s) = arg.as_seq().filter(|s| s.len() == 3 || s.len() == 4) else {
            return self.arity(
                span,
                "FindInMap",
                "a list of three: a map name, a top-level key and a second-level key",
            );
        };
        let map = match (&s[0].tag, s[0].scalar_text()) {
            (None, Some(m)) => m,
            _ => {
                return self.arity(
                    span,
                    "FindInMap",
                    "a literal map name as its first argument",
                );
            }
        };
        let default = s
            .get(3)
            .and_then(|d| d.get("DefaultValue"))
            .map(|d| boxed(self.expr(d)));
        Expr::new(
            ExprKind::FindInMap {
                map,
                top: boxed(self.expr(&s[1])),
                second: boxed(self.expr(&s[2])),
                default,
            },
            span,
        )
    }
}

/// The pre-processor a tag or key belongs to (`Rain::Embed` → Rain).
pub fn preprocessor(name: &str) -> Option<&'static str> {
    if name.starts_with("Rain::") {
        Some("Rain")
    } else {
        None
    }
}

/// `Ref`, `Condition` and `Fn::*` keys of a one-entry mapping.
fn function_name(key: &str) -> Option<&str> {
    if key == "Ref" {
        return Some("Ref");
    }
    let f = key.strip_prefix("Fn::")?;
    // `Fn::ForEach::Name` is a loop, handled where resources are read.
    if f.starts_with("ForEach") {
        None
    } else {
        Some(f)
    }
}

/// A plain string, split where it embeds `{{resolve:…}}` dynamic references.
fn string_expr(t: &str, span: Span) -> Expr {
    if !t.contains("{{resolve:") {
        return Expr::new(ExprKind::Str(t.to_string()), span);
    }
    let mut parts = Vec::new();
    push_dynamic_parts(&mut parts, t, span);
    match parts.as_slice() {
        [SubPart::Expr(e)] => e.clone(),
        _ => Expr::new(ExprKind::Sub(parts), span),
    }
}

fn push_dynamic_parts(parts: &mut Vec<SubPart>, text: &str, span: Span) {
    let mut rest = text;
    while let Some(i) = rest.find("{{resolve:") {
        let Some(end) = rest[i..].find("}}") else {
            break;
        };
        if i > 0 {
            parts.push(SubPart::Lit(rest[..i].to_string()));
        }
        let body = &rest[i + "{{resolve:".len()..i + end];
        let (service, reference) = body.split_once(':').unwrap_or((body, ""));
        parts.push(SubPart::Expr(Expr::new(
            ExprKind::Dynamic(Dynamic {
                service: service.to_string(),
                reference: reference.to_string(),
            }),
            span,
        )));
        rest = &rest[i + end + 2..];
    }
    if !rest.is_empty() {
        parts.push(SubPart::Lit(rest.to_string()));
    }
}
