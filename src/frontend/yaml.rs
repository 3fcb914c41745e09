//! YAML with positions: libyaml's event stream (the same grammar serde_yaml
//! accepts) built into a [`Node`] tree. Local tags (`!Ref`) are kept; anchors
//! and aliases are expanded; duplicate keys are kept for the caller to judge.
//!
//! Expanding aliases copies the anchored tree, so a few lines of anchors aliased
//! over and over describe billions of nodes. The builder keeps a budget: the nodes
//! it builds, aliases expanded and the copies kept for aliases included, stay under
//! [`MAX_NODES`], and the nesting depth, an alias's content included, under
//! [`MAX_DEPTH`]. Each anchor records its node count and depth, so an alias is
//! checked before it is copied, in constant time.

use std::collections::HashMap;
use std::ffi::CStr;
use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_ly;

use super::node::{Key, Node, NodeKind, Scalar, SyntaxError};
use crate::source::{FileId, SourceFile, Span};

/// The most nodes one YAML file may build, every alias expanded. The biggest
/// template of the shared corpus builds about 2,300.
pub const MAX_NODES: usize = 1_000_000;
/// The deepest nesting, the content of aliases included (as for JSON).
pub const MAX_DEPTH: usize = 256;

/// Parse the first document of `file`.
pub fn parse(file: &SourceFile, id: FileId) -> Result<Node, SyntaxError> {
    let mut events = EventReader::new(&file.text);
    let mut b = Builder {
        file,
        id,
        anchors: HashMap::new(),
        depth: 0,
        deepest: 0,
        nodes: 0,
        kept: 0,
    };
    loop {
        let ev = events.next()?;
        match ev.kind {
            EvKind::StreamStart | EvKind::DocStart => continue,
            EvKind::StreamEnd => {
                return Ok(Node {
                    kind: NodeKind::Scalar(Scalar::Null),
                    tag: None,
                    span: Span::new(id, 0, 0),
                });
            }
            _ => return b.node(ev, &mut events),
        }
    }
}

#[derive(Debug)]
enum EvKind {
    StreamStart,
    StreamEnd,
    DocStart,
    DocEnd,
    Alias(String),
    Scalar { value: String, plain: bool },
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
}

struct Event {
    kind: EvKind,
    tag: Option<String>,
    anchor: Option<String>,
    /// Byte offsets into the text.
    start: usize,
    end: usize,
}

struct EventReader {
    parser: Box<MaybeUninit<unsafe_ly::yaml_parser_t>>,
    // Kept alive for the parser, which reads from it.
    _input: Box<[u8]>,
    done: bool,
}

impl EventReader {
    fn new(text: &str) -> Self {
        let input: Box<[u8]> = text.as_bytes().into();
        let mut parser = Box::new(MaybeUninit::<unsafe_ly::yaml_parser_t>::uninit());
        // SAFETY: initialise, then point the parser at `input`, which lives as long as `self`.
        unsafe {
            let p = parser.as_mut_ptr();
            if unsafe_ly::yaml_parser_initialize(p).fail {
                panic!("libyaml could not allocate a parser");
            }
            unsafe_ly::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
        }
        EventReader {
            parser,
            _input: input,
            done: false,
        }
    }

    fn next(&mut self) -> Result<Event, SyntaxError> {
        if self.done {
            return Err(SyntaxError {
                offset: 0,
                message: "unexpected end of the YAML stream".into(),
                limit: false,
            });
        }
        let mut ev = MaybeUninit::<unsafe_ly::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new`; the event is deleted below after copying out.
        unsafe {
            let p = self.parser.as_mut_ptr();
            if unsafe_ly::yaml_parser_parse(p, ev.as_mut_ptr()).fail {
                self.done = true;
                return Err(parser_error(&*p));
            }
            let e = ev.assume_init_mut();
            let out = convert(e);
            unsafe_ly::yaml_event_delete(e);
            if matches!(out.kind, EvKind::StreamEnd) {
                self.done = true;
            }
            Ok(out)
        }
    }
}

impl Drop for EventReader {
    fn drop(&mut self) {
        // SAFETY: the parser was initialised in `new` and is deleted once.
        unsafe { unsafe_ly::yaml_parser_delete(self.parser.as_mut_ptr()) }
    }
}

unsafe fn cstr(p: *const u8) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: libyaml strings are NUL-terminated.
        Some(
            unsafe { CStr::from_ptr(p as *const std::ffi::c_char) }
                .to_string_lossy()
                .into_owned(),
        )
    }
}

unsafe fn convert(e: &unsafe_ly::yaml_event_t) -> Event {
    // libyaml's index is the byte offset (it advances by each character's width),
    // so no line is scanned again to find a column.
    let mark = |m: unsafe_ly::yaml_mark_t| m.index as usize;
    let (mut tag, mut anchor) = (None, None);
    // SAFETY: each union field is read only for the event type that defines it.
    let kind = unsafe {
        match e.type_ {
            unsafe_ly::YAML_STREAM_START_EVENT => EvKind::StreamStart,
            unsafe_ly::YAML_STREAM_END_EVENT | unsafe_ly::YAML_NO_EVENT => EvKind::StreamEnd,
            unsafe_ly::YAML_DOCUMENT_START_EVENT => EvKind::DocStart,
            unsafe_ly::YAML_DOCUMENT_END_EVENT => EvKind::DocEnd,
            unsafe_ly::YAML_ALIAS_EVENT => {
                EvKind::Alias(cstr(e.data.alias.anchor).unwrap_or_default())
            }
            unsafe_ly::YAML_SCALAR_EVENT => {
                let s = e.data.scalar;
                tag = cstr(s.tag);
                anchor = cstr(s.anchor);
                let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                EvKind::Scalar {
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    plain: s.style == unsafe_ly::YAML_PLAIN_SCALAR_STYLE,
                }
            }
            unsafe_ly::YAML_SEQUENCE_START_EVENT => {
                tag = cstr(e.data.sequence_start.tag);
                anchor = cstr(e.data.sequence_start.anchor);
                EvKind::SeqStart
            }
            unsafe_ly::YAML_SEQUENCE_END_EVENT => EvKind::SeqEnd,
            unsafe_ly::YAML_MAPPING_START_EVENT => {
                tag = cstr(e.data.mapping_start.tag);
                anchor = cstr(e.data.mapping_start.anchor);
                EvKind::MapStart
            }
            unsafe_ly::YAML_MAPPING_END_EVENT => EvKind::MapEnd,
            _ => EvKind::StreamEnd,
        }
    };
    Event {
        kind,
        tag,
        anchor,
        start: mark(e.start_mark),
        end: mark(e.end_mark),
    }
}

fn parser_error(p: &unsafe_ly::yaml_parser_t) -> SyntaxError {
    // SAFETY: problem and context are NUL-terminated static strings or null.
    let problem = unsafe { cstr(p.problem as *const u8) }.unwrap_or_else(|| "invalid YAML".into());
    let context = unsafe { cstr(p.context as *const u8) };
    let message = match context {
        Some(c) => format!("{problem} ({c})"),
        None => problem,
    };
    SyntaxError {
        offset: p.problem_mark.index as usize,
        message,
        limit: false,
    }
}

/// Byte offset of a syntax error reported by [`parse`], on a character boundary.
pub fn error_offset(file: &SourceFile, e: &SyntaxError) -> usize {
    let mut at = e.offset.min(file.text.len());
    while !file.text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// An anchored node, kept for its aliases, with what copying it costs.
struct Anchor {
    node: Node,
    /// Nodes in the tree (aliases inside it expanded).
    nodes: usize,
    /// Levels of nesting, the node itself being one.
    depth: usize,
}

struct Builder<'a> {
    file: &'a SourceFile,
    id: FileId,
    anchors: HashMap<String, Anchor>,
    /// Nesting of the node being built (1 for the document's root).
    depth: usize,
    /// The deepest level reached inside the node being built.
    deepest: usize,
    /// Nodes built so far, aliases expanded.
    nodes: usize,
    /// Nodes held in the copies kept for aliases.
    kept: usize,
}

impl Builder<'_> {
    fn span(&self, ev: &Event, end: usize) -> Span {
        let len = self.file.text.len();
        Span::new(self.id, ev.start.min(len), end.min(len))
    }

    fn err(&self, at: usize, message: &str) -> SyntaxError {
        SyntaxError {
            offset: at,
            message: message.into(),
            limit: false,
        }
    }

    fn limit(&self, at: usize, message: String) -> SyntaxError {
        SyntaxError {
            offset: at,
            message,
            limit: true,
        }
    }

    /// Takes `n` nodes from the budget, or fails at `at`.
    fn spend(&mut self, n: usize, at: usize, what: &str) -> Result<(), SyntaxError> {
        if self.nodes + self.kept + n > MAX_NODES {
            return Err(self.limit(
                at,
                format!(
                    "{what} would make the document larger than {MAX_NODES} nodes once its aliases are expanded"
                ),
            ));
        }
        self.nodes += n;
        Ok(())
    }

    fn node(&mut self, ev: Event, events: &mut EventReader) -> Result<Node, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(ev.start, "nesting deeper than 256 levels"));
        }
        let outer_deepest = std::mem::replace(&mut self.deepest, self.depth);
        let first = self.nodes;
        let (tag, std_tag) = split_tag(ev.tag.clone());
        let anchor = ev.anchor.clone();
        if !matches!(ev.kind, EvKind::Alias(_)) {
            self.spend(1, ev.start, "this value")?;
        }
        let node = match ev.kind {
            EvKind::Alias(ref name) => self.alias(&ev, name)?,
            EvKind::Scalar { ref value, plain } => {
                let sc = resolve_scalar(value, plain && tag.is_none(), std_tag.as_deref());
                Node {
                    kind: NodeKind::Scalar(sc),
                    tag,
                    span: self.span(&ev, ev.end),
                }
            }
            EvKind::SeqStart => self.seq(&ev, tag, events)?,
            EvKind::MapStart => self.map(&ev, tag, events)?,
            _ => return Err(self.err(ev.start, "unexpected YAML event")),
        };
        let depth = self.deepest - self.depth + 1;
        let nodes = self.nodes - first;
        self.deepest = self.deepest.max(outer_deepest);
        self.depth -= 1;
        if let Some(a) = anchor {
            self.keep_anchor(a, &node, nodes, depth, ev.start)?;
        }
        Ok(node)
    }

    /// A copy of the anchored node an alias names, within the depth and size limits.
    fn alias(&mut self, ev: &Event, name: &str) -> Result<Node, SyntaxError> {
        let Some(a) = self.anchors.get(name) else {
            return Err(self.err(ev.start, &format!("unknown alias *{name}")));
        };
        let (nodes, depth) = (a.nodes, a.depth);
        let total = self.depth - 1 + depth;
        if total > MAX_DEPTH {
            return Err(self.limit(
                ev.start,
                format!(
                    "the alias *{name} nests its content {total} levels deep, deeper than the {MAX_DEPTH} allowed"
                ),
            ));
        }
        self.spend(
            nodes,
            ev.start,
            &format!("expanding the alias *{name} ({nodes} nodes)"),
        )?;
        self.deepest = self.deepest.max(total);
        let a = &self.anchors[name];
        Ok(Node {
            span: self.span(ev, ev.end),
            ..a.node.clone()
        })
    }

    /// A sequence node: the items up to its end event.
    fn seq(
        &mut self,
        ev: &Event,
        tag: Option<String>,
        events: &mut EventReader,
    ) -> Result<Node, SyntaxError> {
        let mut items = Vec::new();
        let end = loop {
            let e = events.next()?;
            if let EvKind::SeqEnd = e.kind {
                break e.end;
            }
            items.push(self.node(e, events)?);
        };
        Ok(Node {
            kind: NodeKind::Seq(items),
            tag,
            span: self.span(ev, end),
        })
    }

    /// A mapping node: the entries up to its end event.
    fn map(
        &mut self,
        ev: &Event,
        tag: Option<String>,
        events: &mut EventReader,
    ) -> Result<Node, SyntaxError> {
        let mut entries = Vec::new();
        let end = loop {
            let k = events.next()?;
            if let EvKind::MapEnd = k.kind {
                break k.end;
            }
            let key = self.key(k, events)?;
            let v = events.next()?;
            entries.push((key, self.node(v, events)?));
        };
        Ok(Node {
            kind: NodeKind::Map(entries),
            tag,
            span: self.span(ev, end),
        })
    }

    /// Keeps an anchored node for its aliases; the copy counts against the size budget.
    fn keep_anchor(
        &mut self,
        a: String,
        node: &Node,
        nodes: usize,
        depth: usize,
        at: usize,
    ) -> Result<(), SyntaxError> {
        // The copy kept for aliases is memory too: it counts against the budget.
        let replaced = self.anchors.get(&a).map_or(0, |old| old.nodes);
        self.kept -= replaced;
        if self.nodes + self.kept + nodes > MAX_NODES {
            return Err(self.limit(
                at,
                format!(
                    "keeping the anchor &{a} ({nodes} nodes) for its aliases would make the document larger than {MAX_NODES} nodes"
                ),
            ));
        }
        self.kept += nodes;
        self.anchors.insert(
            a,
            Anchor {
                node: node.clone(),
                nodes,
                depth,
            },
        );
        Ok(())
    }

    fn key(&mut self, ev: Event, events: &mut EventReader) -> Result<Key, SyntaxError> {
        let at = ev.start;
        let n = self.node(ev, events)?;
        match n.scalar_text() {
            Some(name) => Ok(Key { name, span: n.span }),
            None if matches!(n.kind, NodeKind::Scalar(Scalar::Null)) => Ok(Key {
                name: String::new(),
                span: n.span,
            }),
            None => Err(self.err(
                at,
                "a mapping key must be a plain value, not a list or a mapping",
            )),
        }
    }
}

/// Splits a tag into a local tag (`!Ref` → `Ref`) or a standard `!!` tag (`str`).
fn split_tag(tag: Option<String>) -> (Option<String>, Option<String>) {
    match tag {
        None => (None, None),
        Some(t) => match t.strip_prefix("tag:yaml.org,2002:") {
            Some(std) => (None, Some(std.to_string())),
            None if t == "!" => (None, Some("str".into())),
            None => (Some(t.trim_start_matches('!').to_string()), None),
        },
    }
}

fn resolve_scalar(v: &str, plain: bool, std_tag: Option<&str>) -> Scalar {
    match std_tag {
        Some("str") | Some("binary") | Some("timestamp") => return Scalar::Str(v.to_string()),
        Some("null") => return Scalar::Null,
        _ => {}
    }
    if !plain && std_tag.is_none() {
        return Scalar::Str(v.to_string());
    }
    match v {
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        "true" | "True" | "TRUE" => Scalar::Bool(true),
        "false" | "False" | "FALSE" => Scalar::Bool(false),
        _ if is_number(v) => Scalar::Number(v.trim_start_matches('+').to_string()),
        _ => Scalar::Str(v.to_string()),
    }
}

fn is_number(v: &str) -> bool {
    let b = v.strip_prefix(['-', '+']).unwrap_or(v).as_bytes();
    if b.is_empty()
        || !(b[0].is_ascii_digit() || (b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit()))
    {
        return false;
    }
    // Leading zeros ("0123", e.g. account ids) stay strings, as CloudFormation treats them.
    if b.len() > 1 && b[0] == b'0' && b[1].is_ascii_digit() {
        return false;
    }
    let (mut dot, mut exp, mut i) = (false, false, 0);
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => {}
            b'.' if !dot && !exp => dot = true,
            b'e' | b'E' if !exp && i > 0 => {
                exp = true;
                if matches!(b.get(i + 1), Some(b'-') | Some(b'+')) {
                    i += 1;
                }
                if !b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                    return false;
                }
            }
            _ => return false,
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn parse_text(text: &str) -> (SourceFile, Result<Node, SyntaxError>) {
        let f = SourceFile::new("t.yaml".into(), Arc::from(text));
        let r = parse(&f, FileId(0));
        (f, r)
    }

    /// Nine anchors per level, each a list aliasing the nine of the level below.
    fn bomb(levels: usize) -> String {
        let mut s = String::from("Resources:\n  Bomb:\n");
        for i in 0..9 {
            s.push_str(&format!("    a0_{i}: &a0_{i} x{i}\n"));
        }
        for k in 1..=levels {
            for i in 0..9 {
                let refs: Vec<String> = (0..9).map(|j| format!("*a{}_{j}", k - 1)).collect();
                s.push_str(&format!("    a{k}_{i}: &a{k}_{i} [{}]\n", refs.join(", ")));
            }
        }
        s
    }

    fn located(f: &SourceFile, e: &SyntaxError) -> (usize, usize) {
        f.line_col(error_offset(f, e))
    }

    #[test]
    fn spans_are_byte_offsets_after_wide_characters() {
        let text = "a: 'é€😀'\nb: [x, ü, z]\n";
        let (f, r) = parse_text(text);
        let n = r.unwrap();
        let b = n.get("b").unwrap().as_seq().unwrap();
        let z = b[2].span;
        assert_eq!(&text[z.start as usize..z.end as usize], "z");
        assert_eq!(f.line_col(z.start as usize), (2, 11));
        let a = n.get("a").unwrap().span;
        assert_eq!(&text[a.start as usize..a.end as usize], "'é€😀'");
    }

    #[test]
    fn a_long_flow_line_parses_in_linear_time() {
        let items: Vec<String> = (0..40_000).map(|i| format!("v{i}")).collect();
        let text = format!("L: [{}]\n", items.join(", "));
        // No clock here (speed is the benchmark's business): a quadratic reader takes
        // minutes on this line, which the test run's own time limit shows.
        let (_, r) = parse_text(&text);
        assert_eq!(r.unwrap().get("L").unwrap().as_seq().unwrap().len(), 40_000);
    }

    #[test]
    fn an_alias_bomb_stops_at_the_budget() {
        let text = bomb(7);
        let (f, r) = parse_text(&text);
        let e = r.expect_err("the budget must stop it");
        assert!(e.limit, "{}", e.message);
        assert!(e.message.contains("1000000 nodes"), "{}", e.message);
        // Level 5 fills the budget: each anchor of it holds 66,430 nodes, kept and copied.
        let (line, col) = located(&f, &e);
        let at = &text[f.offset_of(line - 1, col - 1)..];
        assert!(at.starts_with("*a4_"), "stopped at {line}:{col}: {at:.20}");
        assert!(text.lines().nth(line - 1).unwrap().contains("&a5_"));
    }

    #[test]
    fn aliases_within_the_budget_still_expand() {
        let (_, r) = parse_text(&bomb(3));
        let n = r.unwrap();
        let bomb = n.get("Resources").and_then(|r| r.get("Bomb")).unwrap();
        let top = bomb.get("a3_8").unwrap().as_seq().unwrap();
        assert_eq!(top.len(), 9);
        assert_eq!(
            top[0].as_seq().unwrap()[8].as_seq().unwrap()[2].as_str(),
            Some("x2")
        );
    }

    #[test]
    fn an_aliased_subtree_adds_its_depth() {
        let deep = format!("{}x{}", "[".repeat(200), "]".repeat(200));
        let text = format!(
            "a: &deep {deep}\nb: {}*deep{}\n",
            "[".repeat(60),
            "]".repeat(60)
        );
        let (f, r) = parse_text(&text);
        let e = r.expect_err("too deep once expanded");
        assert!(e.limit, "{}", e.message);
        assert!(e.message.contains("262 levels"), "{}", e.message);
        assert_eq!(located(&f, &e), (2, 64));
        // The same alias a little higher up is fine.
        let text = format!(
            "a: &deep {deep}\nb: {}*deep{}\n",
            "[".repeat(50),
            "]".repeat(50)
        );
        assert!(parse_text(&text).1.is_ok());
    }

    #[test]
    fn a_redefined_anchor_frees_its_budget() {
        let list = format!("[{}]", vec!["x"; 900].join(", "));
        // 600 × 902 nodes, and one kept copy (not 600) for the anchor `a`.
        let text: String = (0..600).map(|i| format!("k{i}: &a {list}\n")).collect();
        assert!(parse_text(&text).1.is_ok());
        // 1,200 lists: 1.08M nodes in the tree, over the budget.
        let text: String = (0..1200).map(|i| format!("k{i}: &a {list}\n")).collect();
        assert!(parse_text(&text).1.unwrap_err().limit);
    }
}
