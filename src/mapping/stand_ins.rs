//! Stand-in parameters get the type their uses need.
//!
//! A value with no translation becomes a parameter ([`Ctx::placeholder`]) before the
//! mapping knows how the output reads it. Once the module is complete, each stand-in
//! takes the type its uses require: indexing with a number, iterating or a list
//! function makes it an array; `.name`, a string key, a map function or `for_each` on
//! a module call an object; a condition a bool; `count` or arithmetic an int; a module
//! input the type of the called module's variable. A stand-in nothing reads that way
//! stays a string. Conflicting needs make it an object (Terraform `any`).

use std::collections::{BTreeMap, BTreeSet};

use super::context::Ctx;
use crate::azure::{AzExpr, TfForm};

/// What the uses of a value need, in order of strength (a later one wins over an
/// earlier one when both occur, except that array and object together make object).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    Int,
    Bool,
    Array,
    Object,
}

impl Need {
    fn ty(self) -> &'static str {
        match self {
            Need::Int => "int",
            Need::Bool => "bool",
            Need::Array => "array",
            Need::Object => "object",
        }
    }

    /// The need of a Terraform type constraint as written (`list(string)`, `map(any)`…).
    fn of_tf_type(t: &str) -> Option<Need> {
        let head = t.split('(').next().unwrap_or(t).trim();
        match head {
            "list" | "set" | "tuple" => Some(Need::Array),
            "map" | "object" => Some(Need::Object),
            "number" => Some(Need::Int),
            "bool" => Some(Need::Bool),
            _ => None,
        }
    }
}

/// What argument `i` of Terraform function `f` needs.
fn function_need(f: &str, i: usize) -> Option<Need> {
    Some(match (f, i) {
        ("element" | "flatten" | "distinct" | "compact" | "reverse" | "sort" | "sum", 0)
        | ("alltrue" | "anytrue" | "chunklist" | "one" | "slice" | "toset" | "tolist", 0)
        | ("contains" | "index", 0)
        | ("concat" | "setunion" | "setintersection" | "setsubtract" | "setproduct", _)
        | ("coalescelist", _)
        | ("zipmap", 0 | 1)
        | ("join", 1..) => Need::Array,
        ("keys" | "values" | "lookup" | "tomap" | "transpose", 0) | ("merge", _) => Need::Object,
        ("tonumber", 0) | ("range", _) => Need::Int,
        ("tobool", 0) => Need::Bool,
        _ => return None,
    })
}

struct Needs<'a> {
    names: &'a BTreeSet<String>,
    found: BTreeMap<String, BTreeSet<Need>>,
}

impl Needs<'_> {
    fn add(&mut self, e: &AzExpr, need: Need) {
        if let AzExpr::Ident(n) = e
            && self.names.contains(n)
        {
            self.found.entry(n.clone()).or_default().insert(need);
        }
    }

    fn walk(&mut self, e: &AzExpr) {
        match e {
            AzExpr::Index(base, ix) => {
                let need = match ix.as_ref() {
                    AzExpr::Str(s) if s.parse::<f64>().is_err() => Need::Object,
                    _ => Need::Array,
                };
                self.add(base, need);
            }
            AzExpr::Member(base, _) => self.add(base, Need::Object),
            AzExpr::For(_, coll, _) => self.add(coll, Need::Array),
            AzExpr::Cond(c, _, _) | AzExpr::Not(c) => self.add(c, Need::Bool),
            AzExpr::Bin("&&" | "||", a, b) => {
                self.add(a, Need::Bool);
                self.add(b, Need::Bool);
            }
            AzExpr::Bin("-" | "*" | "/" | "%", a, b) => {
                self.add(a, Need::Int);
                self.add(b, Need::Int);
            }
            AzExpr::Call(f, args) => {
                let need = |i: usize| match (f.as_str(), i) {
                    ("items" | "objectKeys", 0) => Some(Need::Object),
                    ("join" | "flatten", 0) => Some(Need::Array),
                    ("range", _) => Some(Need::Int),
                    _ => None,
                };
                for (i, a) in args.iter().enumerate() {
                    if let Some(n) = need(i) {
                        self.add(a, n);
                    }
                }
            }
            AzExpr::TfOnly(t) => match &t.form {
                TfForm::Call(f) => {
                    for (i, a) in t.args.iter().enumerate() {
                        if let Some(n) = function_need(f, i) {
                            self.add(a, n);
                        }
                    }
                }
                // Operands: key variable, value variable, collection, … A key
                // variable reads a map's keys as often as a list's indexes: Terraform's
                // `any` (an object here) takes both.
                TfForm::For => {
                    let keyed = t
                        .args
                        .first()
                        .and_then(AzExpr::as_str)
                        .is_some_and(|k| !k.is_empty());
                    if let Some(c) = t.args.get(2) {
                        self.add(c, if keyed { Need::Object } else { Need::Array });
                    }
                }
                TfForm::Coerce(ty) => {
                    let need = if ty == "bool" { Need::Bool } else { Need::Int };
                    if let Some(a) = t.args.first() {
                        self.add(a, need);
                    }
                }
                TfForm::Ref { .. } | TfForm::CondSplat => {}
            },
            _ => {}
        }
        e.for_each_child(&mut |c| self.walk(c));
    }

    /// The type a stand-in's needs settle on.
    fn settle(needs: &BTreeSet<Need>) -> Option<Need> {
        if needs.contains(&Need::Array) && needs.contains(&Need::Object) {
            return Some(Need::Object);
        }
        needs.iter().next_back().copied()
    }
}

/// Retypes the module's stand-in parameters that are still strings.
pub(super) fn retype(cx: &mut Ctx) {
    let names: BTreeSet<String> = cx
        .module
        .params
        .iter()
        .filter(|p| p.stand_in && p.ty == "string" && p.default.is_none())
        .map(|p| p.name.clone())
        .collect();
    if names.is_empty() {
        return;
    }
    let mut needs = Needs {
        names: &names,
        found: BTreeMap::new(),
    };
    let m = &mut cx.module;
    m.for_each_expr_mut(&mut |e| needs.walk(e));
    for r in &m.resources {
        if let Some(c) = &r.condition {
            needs.add(c, Need::Bool);
        }
        if let Some((_, coll)) = &r.for_each {
            needs.add(coll, Need::Array);
        }
    }
    for p in &m.passthrough {
        if let Some(n) = &p.count {
            needs.add(n, Need::Int);
        }
        if let Some(f) = &p.for_each {
            needs.add(f, Need::Object);
        }
    }
    let calls =
        cx.t.tf
            .as_deref()
            .map(|i| i.modules.as_slice())
            .unwrap_or(&[]);
    for c in &m.calls {
        if let Some(n) = &c.count {
            needs.add(n, Need::Int);
        }
        // Terraform iterates a map or a set, never a list.
        if let Some(f) = &c.for_each {
            needs.add(f, Need::Object);
        }
        let Some(call) = calls
            .iter()
            .find(|x| crate::names::lower_camel(&x.name) == c.symbol)
        else {
            continue;
        };
        for (input, value) in &c.params {
            if let Some(n) = call
                .input_types
                .get(input)
                .and_then(|t| Need::of_tf_type(t))
            {
                needs.add(value, n);
            }
        }
    }
    let found = needs.found;
    for p in &mut m.params {
        if let Some(n) = found.get(&p.name).and_then(Needs::settle) {
            p.ty = n.ty().to_string();
        }
    }
}
