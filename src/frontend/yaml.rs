//! YAML with positions: libyaml's event stream (the same grammar serde_yaml
//! accepts) built into a [`Node`] tree. Local tags (`!Ref`) are kept; anchors
//! and aliases are expanded; duplicate keys are kept for the caller to judge.

use std::collections::HashMap;
use std::ffi::CStr;
use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_ly;

use super::node::{Key, Node, NodeKind, Scalar, SyntaxError};
use crate::source::{FileId, SourceFile, Span};

/// Parse the first document of `file`.
pub fn parse(file: &SourceFile, id: FileId) -> Result<Node, SyntaxError> {
    let mut events = EventReader::new(&file.text);
    let mut b = Builder {
        file,
        id,
        anchors: HashMap::new(),
        depth: 0,
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
    start: (usize, usize),
    end: (usize, usize),
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
    let mark = |m: unsafe_ly::yaml_mark_t| (m.line as usize, m.column as usize);
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
    let m = p.problem_mark;
    let message = match context {
        Some(c) => format!("{problem} ({c})"),
        None => problem,
    };
    // Offsets are resolved by the caller from line/column; encode them here.
    SyntaxError {
        offset: encode(m.line as usize, m.column as usize),
        message,
    }
}

/// Line and column packed into the offset field, decoded by [`decode`].
fn encode(line: usize, col: usize) -> usize {
    (line << 20) | col.min((1 << 20) - 1)
}

/// Byte offset of a syntax error reported by [`parse`].
pub fn error_offset(file: &SourceFile, e: &SyntaxError) -> usize {
    file.offset_of(e.offset >> 20, e.offset & ((1 << 20) - 1))
}

struct Builder<'a> {
    file: &'a SourceFile,
    id: FileId,
    anchors: HashMap<String, Node>,
    depth: usize,
}

impl Builder<'_> {
    fn span(&self, ev: &Event, end: (usize, usize)) -> Span {
        let s = self.file.offset_of(ev.start.0, ev.start.1);
        let e = self.file.offset_of(end.0, end.1);
        Span::new(self.id, s, e)
    }

    fn err(&self, at: (usize, usize), message: &str) -> SyntaxError {
        SyntaxError {
            offset: encode(at.0, at.1),
            message: message.into(),
        }
    }

    fn node(&mut self, ev: Event, events: &mut EventReader) -> Result<Node, SyntaxError> {
        self.depth += 1;
        if self.depth > 256 {
            return Err(self.err(ev.start, "nesting deeper than 256 levels"));
        }
        let (tag, std_tag) = split_tag(ev.tag.clone());
        let anchor = ev.anchor.clone();
        let node = match ev.kind {
            EvKind::Alias(ref name) => match self.anchors.get(name) {
                Some(n) => Node {
                    span: self.span(&ev, ev.end),
                    ..n.clone()
                },
                None => return Err(self.err(ev.start, &format!("unknown alias *{name}"))),
            },
            EvKind::Scalar { ref value, plain } => {
                let sc = resolve_scalar(value, plain && tag.is_none(), std_tag.as_deref());
                Node {
                    kind: NodeKind::Scalar(sc),
                    tag,
                    span: self.span(&ev, ev.end),
                }
            }
            EvKind::SeqStart => {
                let mut items = Vec::new();
                let end = loop {
                    let e = events.next()?;
                    if let EvKind::SeqEnd = e.kind {
                        break e.end;
                    }
                    items.push(self.node(e, events)?);
                };
                Node {
                    kind: NodeKind::Seq(items),
                    tag,
                    span: self.span(&ev, end),
                }
            }
            EvKind::MapStart => {
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
                Node {
                    kind: NodeKind::Map(entries),
                    tag,
                    span: self.span(&ev, end),
                }
            }
            _ => return Err(self.err(ev.start, "unexpected YAML event")),
        };
        self.depth -= 1;
        if let Some(a) = anchor {
            self.anchors.insert(a, node.clone());
        }
        Ok(node)
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
