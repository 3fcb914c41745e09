//! A small HCL syntax model and a printer whose output is what `terraform fmt`
//! produces: two-space indents, `=` aligned across runs of single-line
//! attributes (a blank line, a block or a multi-line value ends a run), one
//! space around operators, `[for x in c : y]`.

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Expr(TfExpr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TfExpr {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Template(Vec<Part>),
    /// A traversal or identifier written as is (`var.location`, `azurerm_subnet.app.id`).
    Ref(String),
    Call(String, Vec<TfExpr>),
    Array(Vec<TfExpr>),
    Object(Vec<(String, TfExpr)>),
    /// An object key that is an expression: `(expr) = value`.
    ObjectExprKeys(Vec<(TfExpr, TfExpr)>),
    Member(Box<TfExpr>, String),
    Index(Box<TfExpr>, Box<TfExpr>),
    Cond(Box<TfExpr>, Box<TfExpr>, Box<TfExpr>),
    Bin(String, Box<TfExpr>, Box<TfExpr>),
    Not(Box<TfExpr>),
    /// `[for v in coll : body]`, or `{for k, v in coll : key => body}` when `key` is set.
    For {
        key_var: Option<String>,
        var: String,
        coll: Box<TfExpr>,
        key: Option<Box<TfExpr>>,
        body: Box<TfExpr>,
        cond: Option<Box<TfExpr>>,
        grouping: bool,
    },
}

impl TfExpr {
    pub fn r(s: impl Into<String>) -> Self {
        TfExpr::Ref(s.into())
    }
    pub fn s(s: impl Into<String>) -> Self {
        TfExpr::Str(s.into())
    }
    pub fn call(f: &str, args: Vec<TfExpr>) -> Self {
        TfExpr::Call(f.into(), args)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Attr(String, TfExpr),
    Block(Block),
    Blank,
    Comment(String),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Block {
    pub ty: String,
    pub labels: Vec<String>,
    pub items: Vec<Item>,
}

impl Block {
    pub fn new(ty: &str, labels: &[&str]) -> Self {
        Block {
            ty: ty.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            items: Vec::new(),
        }
    }
    pub fn attr(&mut self, k: &str, v: TfExpr) -> &mut Self {
        self.items.push(Item::Attr(k.into(), v));
        self
    }
    pub fn block(&mut self, b: Block) -> &mut Self {
        self.items.push(Item::Block(b));
        self
    }
    pub fn get(&self, k: &str) -> Option<&TfExpr> {
        self.items.iter().find_map(|i| match i {
            Item::Attr(n, v) if n == k => Some(v),
            _ => None,
        })
    }
}

/// Prints top-level blocks separated by blank lines.
pub fn print_file(header: &[String], blocks: &[Block]) -> String {
    let mut out = String::new();
    for h in header {
        out.push_str("# ");
        out.push_str(h);
        out.push('\n');
    }
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 || !header.is_empty() {
            out.push('\n');
        }
        print_block(b, 0, &mut out);
    }
    out
}

fn pad(n: usize) -> String {
    "  ".repeat(n)
}

fn print_block(b: &Block, indent: usize, out: &mut String) {
    out.push_str(&pad(indent));
    out.push_str(&b.ty);
    for l in &b.labels {
        out.push(' ');
        out.push_str(&quote(l));
    }
    if b.items.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    print_items(&b.items, indent + 1, out);
    out.push_str(&pad(indent));
    out.push_str("}\n");
}

/// Body items with `=` aligned across runs of single-line attributes.
fn print_items(items: &[Item], indent: usize, out: &mut String) {
    let rendered: Vec<Option<(String, String)>> = items
        .iter()
        .map(|i| match i {
            Item::Attr(k, v) => Some((key_text(k), expr(v, indent))),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Attr(..) => {
                // A run: consecutive attributes whose value fits on one line.
                let (k, v) = rendered[i].clone().unwrap_or_default();
                if v.contains('\n') {
                    out.push_str(&format!("{}{k} = {v}\n", pad(indent)));
                    i += 1;
                    continue;
                }
                let mut j = i;
                while j < items.len()
                    && matches!(items[j], Item::Attr(..))
                    && !rendered[j].as_ref().is_some_and(|(_, v)| v.contains('\n'))
                {
                    j += 1;
                }
                let width = (i..j)
                    .map(|x| rendered[x].as_ref().map_or(0, |(k, _)| k.chars().count()))
                    .max()
                    .unwrap_or(0);
                for (k, v) in rendered[i..j].iter().flatten() {
                    let gap = width - k.chars().count();
                    out.push_str(&format!("{}{k}{} = {v}\n", pad(indent), " ".repeat(gap)));
                }
                i = j;
            }
            Item::Block(b) => {
                print_block(b, indent, out);
                i += 1;
            }
            Item::Blank => {
                out.push('\n');
                i += 1;
            }
            Item::Comment(c) => {
                out.push_str(&format!("{}# {c}\n", pad(indent)));
                i += 1;
            }
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '-')
}

fn key_text(k: &str) -> String {
    if is_ident(k) { k.to_string() } else { quote(k) }
}

pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    out.push_str(&escape(s));
    out.push('"');
    out
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("$$"),
            '%' if chars.peek() == Some(&'{') => out.push_str("%%"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn multiline_object(entries: Vec<(String, String)>, indent: usize) -> String {
    // The same alignment rules as a block body.
    let mut out = String::from("{\n");
    let mut i = 0;
    while i < entries.len() {
        let (k, v) = &entries[i];
        if v.contains('\n') {
            out.push_str(&format!("{}{k} = {v}\n", pad(indent + 1)));
            i += 1;
            continue;
        }
        let mut j = i;
        while j < entries.len() && !entries[j].1.contains('\n') {
            j += 1;
        }
        let width = entries[i..j]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &entries[i..j] {
            let gap = width - k.chars().count();
            out.push_str(&format!(
                "{}{k}{} = {v}\n",
                pad(indent + 1),
                " ".repeat(gap)
            ));
        }
        i = j;
    }
    out.push_str(&pad(indent));
    out.push('}');
    out
}

/// An expression at an indentation level (continuation lines are indented from it).
pub fn expr(e: &TfExpr, indent: usize) -> String {
    match e {
        TfExpr::Null => "null".into(),
        TfExpr::Bool(b) => b.to_string(),
        TfExpr::Num(n) => n.clone(),
        TfExpr::Str(s) => quote(s),
        TfExpr::Template(parts) if matches!(parts.as_slice(), [Part::Expr(_)]) => match &parts[0] {
            // `terraform fmt` unwraps `"${x}"` to `x`.
            Part::Expr(x) => expr(x, indent),
            Part::Lit(_) => unreachable!(),
        },
        TfExpr::Template(parts) => template(parts),
        TfExpr::Ref(r) => r.clone(),
        TfExpr::Call(f, args) => call(f, args, indent),
        TfExpr::Array(items) => array(items, indent),
        TfExpr::Object(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let rendered = entries
                .iter()
                .map(|(k, v)| (key_text(k), expr(v, indent + 1)))
                .collect();
            multiline_object(rendered, indent)
        }
        TfExpr::ObjectExprKeys(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let rendered = entries
                .iter()
                .map(|(k, v)| (format!("({})", inline(k)), expr(v, indent + 1)))
                .collect();
            multiline_object(rendered, indent)
        }
        _ => inline(e),
    }
}

/// A string template: `"text ${x}"`.
fn template(parts: &[Part]) -> String {
    let mut out = String::from("\"");
    for p in parts {
        match p {
            Part::Lit(l) | Part::Expr(TfExpr::Str(l)) => out.push_str(&escape(l)),
            Part::Expr(x) => {
                // `terraform fmt` writes `${ {` for an interpolation that opens an object.
                let text = inline(x);
                out.push_str(if text.starts_with('{') { "${ " } else { "${" });
                out.push_str(&text);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// A function call: on one line, or one argument per line when several are multi-line.
fn call(f: &str, args: &[TfExpr], indent: usize) -> String {
    let rendered: Vec<String> = args.iter().map(|a| expr(a, indent)).collect();
    let multi = rendered.iter().filter(|r| r.contains('\n')).count();
    let last_only = multi == 1 && rendered.last().is_some_and(|r| r.contains('\n'));
    if multi == 0 || last_only {
        return format!("{f}({})", rendered.join(", "));
    }
    // Several multi-line arguments: one argument per line.
    let mut out = format!("{f}(\n");
    for (i, a) in args.iter().enumerate() {
        out.push_str(&pad(indent + 1));
        out.push_str(&expr(a, indent + 1));
        if i + 1 < args.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&pad(indent));
    out.push(')');
    out
}

/// A list: on one line when short and flat, else one element per line.
fn array(items: &[TfExpr], indent: usize) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let simple = items.iter().all(|i| {
        !matches!(
            i,
            TfExpr::Object(_) | TfExpr::ObjectExprKeys(_) | TfExpr::Array(_)
        )
    });
    let flat: Vec<String> = items.iter().map(inline).collect();
    let len: usize = flat.iter().map(|s| s.len() + 2).sum();
    if simple && len < 100 {
        return format!("[{}]", flat.join(", "));
    }
    let mut out = String::from("[\n");
    for it in items {
        out.push_str(&pad(indent + 1));
        out.push_str(&expr(it, indent + 1));
        out.push_str(",\n");
    }
    out.push_str(&pad(indent));
    out.push(']');
    out
}

/// An expression on one line (objects as `{ a = 1, b = 2 }`).
pub fn inline(e: &TfExpr) -> String {
    match e {
        TfExpr::Object(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", key_text(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        TfExpr::ObjectExprKeys(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("({}) = {}", inline(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        TfExpr::Array(items) => {
            let flat: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", flat.join(", "))
        }
        TfExpr::Call(f, args) => {
            let flat: Vec<String> = args.iter().map(inline).collect();
            format!("{f}({})", flat.join(", "))
        }
        TfExpr::Member(b, m) => format!("{}.{m}", operand(b)),
        TfExpr::Index(b, i) => format!("{}[{}]", operand(b), inline(i)),
        TfExpr::Cond(c, a, b) => format!("{} ? {} : {}", operand(c), operand(a), operand(b)),
        // `a && b && c`: a left operand with the same associative operator needs no parentheses.
        TfExpr::Bin(o, a, b) => {
            let left = match a.as_ref() {
                TfExpr::Bin(lo, ..) if lo == o && (o == "&&" || o == "||") => inline(a),
                _ => operand(a),
            };
            format!("{left} {o} {}", operand(b))
        }
        TfExpr::Not(a) => format!("!{}", operand(a)),
        TfExpr::For {
            key_var,
            var,
            coll,
            key,
            body,
            cond,
            grouping,
        } => {
            let vars = match key_var {
                Some(k) => format!("{k}, {var}"),
                None => var.clone(),
            };
            // `terraform fmt` writes `if(` when the condition starts with a parenthesis.
            let cond = match cond.as_ref().map(|c| inline(c)) {
                Some(c) if c.starts_with('(') => format!(" if{c}"),
                Some(c) => format!(" if {c}"),
                None => String::new(),
            };
            let dots = if *grouping { "..." } else { "" };
            // …and `in(` when the collection does.
            let coll = inline(coll);
            let sep = if coll.starts_with('(') { "" } else { " " };
            match key {
                Some(k) => format!(
                    "{{ for {vars} in{sep}{coll} : {} => {}{dots}{cond} }}",
                    inline(k),
                    inline(body)
                ),
                None => format!("[for {vars} in{sep}{coll} : {}{cond}]", inline(body)),
            }
        }
        other => expr(other, 0),
    }
}

/// An operand: compound expressions in parentheses.
fn operand(e: &TfExpr) -> String {
    match e {
        TfExpr::Cond(..) | TfExpr::Bin(..) => format!("({})", inline(e)),
        _ => inline(e),
    }
}
