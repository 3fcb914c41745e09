//! Terraform functions and `for` expressions as Bicep writes them: built-in
//! functions where Bicep has one, lambdas (`filter`, `map`, `reduce`, `toObject`,
//! `sort`) where it needs one.

use std::collections::BTreeMap;

use crate::azure::{AzExpr, AzModule, Interp};

fn bx(e: AzExpr) -> Box<AzExpr> {
    Box::new(e)
}

fn lambda(params: &[&str], body: AzExpr) -> AzExpr {
    AzExpr::Lambda(params.iter().map(|p| p.to_string()).collect(), bx(body))
}

/// `cidrsubnet(prefix, newbits, n)` → `cidrSubnet(prefix, prefix length + newbits, n)`.
pub(super) fn cidr_subnet(mut a: Vec<AzExpr>) -> AzExpr {
    let n = a.pop().unwrap_or_default();
    let bits = a.pop().unwrap_or_default();
    let p = a.pop().unwrap_or_default();
    let written = p
        .as_str()
        .and_then(|t| t.split('/').nth(1)?.parse::<i64>().ok());
    let len = match (written, &bits) {
        (Some(l), AzExpr::Int(b)) if l.checked_add(*b).is_some() => AzExpr::Int(l + b),
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
pub(super) fn bicep_function(f: &str, a: Vec<AzExpr>) -> Result<AzExpr, Vec<AzExpr>> {
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
        // Terraform 0.11's constructors.
        ("list", _) => AzExpr::Array(a),
        ("map", n) if n > 0 && n % 2 == 0 => AzExpr::Object(
            a.chunks(2)
                .map(|kv| {
                    let key = match &kv[0] {
                        AzExpr::Str(k) => crate::azure::AzKey::Name(k.clone()),
                        other => crate::azure::AzKey::Expr(other.clone()),
                    };
                    (key, kv[1].clone())
                })
                .collect(),
        ),
        ("range", 2) => call("range", vec![arg(0), minus(arg(1), arg(0))]),
        ("slice", 3) => call(
            "take",
            vec![call("skip", vec![arg(0), arg(1)]), minus(arg(2), arg(1))],
        ),
        ("basename", 1) => call("last", vec![call("split", vec![arg(0), AzExpr::str("/")])]),
        ("compact", 1) => call(
            "filter",
            vec![
                arg(0),
                lambda(
                    &["x"],
                    AzExpr::Not(bx(call("empty", vec![AzExpr::ident("x")]))),
                ),
            ],
        ),
        ("values", 1) => call(
            "map",
            vec![
                call("items", vec![arg(0)]),
                lambda(&["x"], AzExpr::ident("x").member("value")),
            ],
        ),
        ("zipmap", 2) => call(
            "toObject",
            vec![
                call("range", vec![AzExpr::Int(0), call("length", vec![arg(0)])]),
                lambda(&["i"], AzExpr::Index(bx(arg(0)), bx(AzExpr::ident("i")))),
                lambda(&["i"], AzExpr::Index(bx(arg(1)), bx(AzExpr::ident("i")))),
            ],
        ),
        ("sum", 1) => call(
            "reduce",
            vec![
                arg(0),
                AzExpr::Int(0),
                lambda(
                    &["total", "x"],
                    AzExpr::Bin("+", bx(AzExpr::ident("total")), bx(AzExpr::ident("x"))),
                ),
            ],
        ),
        ("alltrue", 1) => AzExpr::Not(bx(call("contains", vec![arg(0), AzExpr::Bool(false)]))),
        ("anytrue", 1) => call("contains", vec![arg(0), AzExpr::Bool(true)]),
        ("setsubtract", 2) => call(
            "filter",
            vec![
                arg(0),
                lambda(
                    &["x"],
                    AzExpr::Not(bx(call("contains", vec![arg(1), AzExpr::ident("x")]))),
                ),
            ],
        ),
        ("sort", 1) => call(
            "sort",
            vec![
                arg(0),
                lambda(
                    &["a", "b"],
                    AzExpr::Bin("<", bx(AzExpr::ident("a")), bx(AzExpr::ident("b"))),
                ),
            ],
        ),
        ("reverse", 1) => {
            let last = minus(call("length", vec![arg(0)]), AzExpr::Int(1));
            call(
                "map",
                vec![
                    call("range", vec![AzExpr::Int(0), call("length", vec![arg(0)])]),
                    lambda(
                        &["i"],
                        AzExpr::Index(bx(arg(0)), bx(minus(last, AzExpr::ident("i")))),
                    ),
                ],
            )
        }
        ("trimprefix", 2) => AzExpr::Cond(
            bx(call("startsWith", vec![arg(0), arg(1)])),
            bx(call(
                "substring",
                vec![arg(0), call("length", vec![arg(1)])],
            )),
            bx(arg(0)),
        ),
        ("trimsuffix", 2) => AzExpr::Cond(
            bx(call("endsWith", vec![arg(0), arg(1)])),
            bx(call(
                "substring",
                vec![
                    arg(0),
                    AzExpr::Int(0),
                    minus(call("length", vec![arg(0)]), call("length", vec![arg(1)])),
                ],
            )),
            bx(arg(0)),
        ),
        ("abs", 1) => AzExpr::Cond(
            bx(AzExpr::Bin("<", bx(arg(0)), bx(AzExpr::Int(0)))),
            bx(minus(AzExpr::Int(0), arg(0))),
            bx(arg(0)),
        ),
        _ => return Err(a),
    })
}

/// `format("%s-%s", a, b)` → an interpolation.
pub(super) fn format_interp(fmt: &str, args: &[AzExpr]) -> Option<AzExpr> {
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

/// `a - b`, folded when both are numbers.
fn minus(a: AzExpr, b: AzExpr) -> AzExpr {
    match (&a, &b) {
        (AzExpr::Int(x), AzExpr::Int(y)) => AzExpr::Int(x - y),
        (_, AzExpr::Int(0)) => a,
        _ => AzExpr::Bin("-", bx(a), bx(b)),
    }
}

/// What a value is, as far as the module says: a `for` over it binds keys or indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Object,
    Array,
    Int,
    Bool,
    Unknown,
}

impl Kind {
    /// The Bicep type of a value of this kind.
    pub(super) fn bicep_type(self) -> Option<&'static str> {
        match self {
            Kind::Object => Some("object"),
            Kind::Array => Some("array"),
            Kind::Int => Some("int"),
            Kind::Bool => Some("bool"),
            Kind::Unknown => None,
        }
    }
}

/// The kinds of the module's parameters and variables, and its resource and module
/// collections (symbols declared with a loop).
pub(super) struct Kinds(BTreeMap<String, Kind>, Vec<String>);

impl Kinds {
    pub(super) fn of_module(m: &AzModule) -> Kinds {
        let looped = m
            .resources
            .iter()
            .filter(|r| r.for_each.is_some())
            .map(|r| &r.symbol);
        let calls = m
            .calls
            .iter()
            .filter(|c| c.count.is_some() || c.for_each.is_some());
        let looped = looped.chain(calls.map(|c| &c.symbol)).cloned().collect();
        let mut k = Kinds(BTreeMap::new(), looped);
        for p in &m.params {
            let kind = match p.ty.as_str() {
                "object" => Kind::Object,
                "array" => Kind::Array,
                "int" => Kind::Int,
                "bool" => Kind::Bool,
                _ => Kind::Unknown,
            };
            k.0.insert(p.name.clone(), kind);
        }
        // Variables read variables: settle in a few rounds.
        for _ in 0..3 {
            for v in &m.vars {
                let kind = k.kind(&v.value);
                k.0.insert(v.name.clone(), kind);
            }
        }
        k
    }

    /// Does `e` read a resource or module collection outside a `for` over it?
    fn reads_collection(&self, e: &AzExpr) -> bool {
        match e {
            AzExpr::Ident(i) => self.1.contains(i),
            // `[for i in range(…): x[i].id]` is how Bicep reads a collection.
            AzExpr::For(..) => false,
            _ => {
                let mut found = false;
                e.for_each_child(&mut |c| found |= self.reads_collection(c));
                found
            }
        }
    }

    pub(super) fn kind(&self, e: &AzExpr) -> Kind {
        use crate::azure::TfForm;
        match e {
            AzExpr::Object(_) => Kind::Object,
            AzExpr::Array(_) | AzExpr::For(..) => Kind::Array,
            AzExpr::Int(_) | AzExpr::Bin("+" | "-" | "*" | "/" | "%", ..) => Kind::Int,
            AzExpr::Bool(_)
            | AzExpr::Not(_)
            | AzExpr::Bin("==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||", ..) => Kind::Bool,
            AzExpr::Ident(n) => self.0.get(n).copied().unwrap_or(Kind::Unknown),
            AzExpr::Call(f, a) => match f.as_str() {
                "items" | "range" | "split" | "concat" | "filter" | "map" | "flatten" | "take"
                | "skip" | "objectKeys" | "sort" => Kind::Array,
                "toObject" => Kind::Object,
                "length" | "indexOf" | "int" => Kind::Int,
                "contains" | "startsWith" | "endsWith" | "empty" | "bool" => Kind::Bool,
                "union" => a.first().map_or(Kind::Unknown, |x| self.kind(x)),
                _ => Kind::Unknown,
            },
            AzExpr::Cond(_, a, b) => {
                let (x, y) = (self.kind(a), self.kind(b));
                if x == y { x } else { Kind::Unknown }
            }
            AzExpr::TfOnly(t) => match (&t.form, t.args.as_slice()) {
                // A `for` with a key makes an object.
                (TfForm::For, [_, _, _, key, ..]) if *key != AzExpr::Null => Kind::Object,
                (TfForm::For, _) | (TfForm::CondSplat, _) => Kind::Array,
                (TfForm::Call(f), a) => match f.as_str() {
                    "tomap" | "merge" | "zipmap" => Kind::Object,
                    "tolist" | "toset" | "concat" | "compact" | "keys" | "values" | "distinct"
                    | "flatten" | "slice" | "split" | "range" | "sort" | "reverse" | "setunion"
                    | "setsubtract" | "setintersection" => Kind::Array,
                    "length" | "sum" | "index" | "tonumber" => Kind::Int,
                    "alltrue" | "anytrue" | "contains" | "startswith" | "endswith" | "can"
                    | "tobool" => Kind::Bool,
                    "coalesce" | "try" => a.first().map_or(Kind::Unknown, |x| self.kind(x)),
                    _ => Kind::Unknown,
                },
                _ => Kind::Unknown,
            },
            _ => Kind::Unknown,
        }
    }
}

/// The kind of collection a `for` with these operands iterates, when Bicep can write
/// it: not grouping (`...`); with a key variable, only over a collection whose kind
/// is known (a map's key or a list's index).
pub(super) fn for_kind(args: &[AzExpr], kinds: &Kinds) -> Option<Kind> {
    let [key_var, _, coll, _, _, _, grouping] = args else {
        return None;
    };
    if *grouping == AzExpr::Bool(true) {
        return None;
    }
    // Lambdas cannot read a resource or module collection (nor index one).
    if args[2..6].iter().any(|a| kinds.reads_collection(a)) {
        return None;
    }
    let has_key_var = key_var.as_str().is_some_and(|k| !k.is_empty());
    let kind = kinds.kind(coll);
    (!has_key_var || kind != Kind::Unknown).then_some(kind)
}

/// A Terraform `for` (operands lowered: key variable, value variable, collection,
/// key, value, filter, grouping) over a collection of `kind` (see [`for_kind`]) →
/// `filter`/`map`/`toObject` with lambdas.
pub(super) fn lower_for(args: Vec<AzExpr>, kind: Kind) -> Option<AzExpr> {
    let [key_var, value_var, coll, key, value, cond, _]: [AzExpr; 7] = args.try_into().ok()?;
    let k = key_var.as_str().unwrap_or("").to_string();
    let v = value_var.as_str().unwrap_or("x").to_string();
    // The elements iterated, the lambda's variable, and what each Terraform variable
    // becomes in its body.
    let (elements, var, rewrite): (AzExpr, String, Vec<(String, AzExpr)>) =
        match (k.is_empty(), kind) {
            // `for v in map`: the values.
            (true, Kind::Object) => {
                let e = fresh("entry", &[&key, &value, &cond]);
                let at = |m: &str| AzExpr::ident(e.clone()).member(m);
                let rw = vec![(v.clone(), at("value"))];
                (AzExpr::call("items", vec![coll]), e, rw)
            }
            (true, _) => (coll, v.clone(), Vec::new()),
            // `for k, v in map`: key and value of each entry.
            (false, Kind::Object) => {
                let e = fresh("entry", &[&key, &value, &cond]);
                let at = |m: &str| AzExpr::ident(e.clone()).member(m);
                let rw = vec![(k.clone(), at("key")), (v.clone(), at("value"))];
                (AzExpr::call("items", vec![coll]), e, rw)
            }
            // `for i, v in list`: the index, and the element at it.
            (false, _) => {
                let rw = vec![(
                    v.clone(),
                    AzExpr::Index(bx(coll.clone()), bx(AzExpr::ident(k.clone()))),
                )];
                let n = AzExpr::call("length", vec![coll]);
                (
                    AzExpr::call("range", vec![AzExpr::Int(0), n]),
                    k.clone(),
                    rw,
                )
            }
        };
    let body = |e: AzExpr| rewrite.iter().fold(e, |e, (n, r)| substitute(e, n, r));
    let var_ref: &str = &var;
    let filtered = match cond {
        AzExpr::Null => elements,
        c => AzExpr::call("filter", vec![elements, lambda(&[var_ref], body(c))]),
    };
    Some(match key {
        AzExpr::Null => {
            let value = body(value);
            if value == AzExpr::ident(var.clone()) {
                filtered
            } else {
                AzExpr::call("map", vec![filtered, lambda(&[var_ref], value)])
            }
        }
        key => AzExpr::call(
            "toObject",
            vec![
                filtered,
                lambda(&[var_ref], string_key(body(key))),
                lambda(&[var_ref], body(value)),
            ],
        ),
    })
}

/// An object key: Terraform makes every key a string, `toObject` wants one.
fn string_key(k: AzExpr) -> AzExpr {
    match &k {
        AzExpr::Str(_) | AzExpr::Interp(_) => k,
        AzExpr::Member(_, m) if m == "key" => k,
        AzExpr::Call(f, _) if f == "string" => k,
        _ => AzExpr::call("string", vec![k]),
    }
}

/// `base`, or `base2`, … : a name none of `exprs` mentions.
fn fresh(base: &str, exprs: &[&AzExpr]) -> String {
    let mut used = Vec::new();
    for e in exprs {
        e.idents(&mut used);
    }
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// `e` with the variable `name` replaced by `with` (not where a nested loop or
/// lambda binds the same name).
fn substitute(e: AzExpr, name: &str, with: &AzExpr) -> AzExpr {
    match e {
        AzExpr::Ident(i) if i == name => with.clone(),
        AzExpr::For(v, c, b) if v == name => AzExpr::For(v, bx(substitute(*c, name, with)), b),
        AzExpr::Lambda(p, b) if p.iter().any(|x| x == name) => AzExpr::Lambda(p, b),
        mut other => {
            other.for_each_child_mut(&mut |c| *c = substitute(std::mem::take(c), name, with));
            other
        }
    }
}
