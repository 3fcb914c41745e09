//! Parsing a `.tf` file as Terraform does.
//!
//! hcl-edit rejects an object constructor that repeats a key (`{ a = 1, a = 2 }`), where
//! HCL evaluates it to its last value. The parse is retried with the repeated key
//! replaced by a stand-in name of the same byte length (so every span stays true), and the
//! stand-ins are returned by offset so the expression converter reads them as the key they
//! replace, the last value winning.

use std::collections::BTreeMap;

use hcl_edit::structure::Body;

/// (file, byte offset of a key) → the key it stands for.
pub type RepeatedKeys = BTreeMap<(crate::source::FileId, usize), String>;

/// At most this many repeated keys are let through per file: the parse is retried once for
/// each, so a hostile file cannot make it quadratic without bound.
const MAX_REPEATS: usize = 64;

/// Stand-in names tried for one key before the file is reported as it is.
const MAX_TRIES: usize = 16;

/// The body of `text`, and the repeated keys (offset → key) the parse let through.
pub fn body(text: &str) -> Result<(Body, Vec<(usize, String)>), hcl_edit::parser::Error> {
    let first = match hcl_edit::parser::parse_body(text) {
        Ok(b) => return Ok((b, Vec::new())),
        Err(e) => e,
    };
    let mut work = text.to_string();
    let mut keys: Vec<(usize, String)> = Vec::new();
    let mut err = first;
    let mut tries = 0;
    while keys.len() < MAX_REPEATS && tries < MAX_TRIES {
        if !err.message().contains("redefined object key") {
            break;
        }
        let offset = err.location().offset();
        // The key at `offset` is either a key already replaced with a stand-in that
        // clashed with another key (try the next name), or a new one.
        let Some((start, end)) = key_at(&work, offset) else {
            break;
        };
        if keys.iter().any(|(o, _)| *o == offset) {
            tries += 1;
        } else {
            tries = 0;
            keys.push((offset, unquote(&work[start..end])));
        }
        let Some(stand_in) = stand_in(end - start, tries) else {
            break;
        };
        work.replace_range(start..end, &stand_in);
        match hcl_edit::parser::parse_body(&work) {
            Ok(b) => return Ok((b, keys)),
            Err(e) => err = e,
        }
    }
    // Report the first error, at its place in the file as written.
    Err(match hcl_edit::parser::parse_body(text) {
        Err(e) => e,
        Ok(_) => err,
    })
}

/// The replaceable part of the key at `offset`: (start, end). An identifier is
/// replaced whole; a quoted key's text between its quotes. Computed keys are not.
fn key_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let rest = text.get(offset..)?;
    let mut chars = rest.char_indices();
    let (_, c) = chars.next()?;
    if c == '"' {
        let mut escaped = false;
        for (i, ch) in chars {
            match ch {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    // Only plain text: a template (`${`) is a computed key.
                    let inner = &rest[1..i];
                    if inner.is_empty() || inner.contains("${") || inner.contains("%{") {
                        return None;
                    }
                    return Some((offset + 1, offset + i));
                }
                '\n' => return None,
                _ => escaped = false,
            }
        }
        None
    } else if c.is_alphabetic() || c == '_' {
        let len = rest
            .char_indices()
            .find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_' || *ch == '-'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        Some((offset, offset + len))
    } else {
        None
    }
}

/// The key a written key stands for: an identifier as written, a quoted key unescaped.
fn unquote(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Stand-in name number `n` of `len` bytes: an identifier no Terraform author writes.
fn stand_in(len: usize, n: usize) -> Option<String> {
    const FIRST: &[u8] = b"QXZJKVWYUP";
    const REST: &[u8] = b"qxzjkvwyup0123456789";
    if len == 0 {
        return None;
    }
    let mut s = String::with_capacity(len);
    s.push(char::from(*FIRST.get(n % FIRST.len())?));
    let mut m = n / FIRST.len();
    for i in 1..len {
        let c = if i == 1 {
            REST[(m + 7) % REST.len()]
        } else {
            b'q'
        };
        m /= REST.len();
        s.push(char::from(c));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> Vec<(usize, String)> {
        body(src).map(|(_, k)| k).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_repeated_key_parses_with_its_offset() {
        let src = "locals {\n  x = {\n    a = 1\n    a = 2\n  }\n}\n";
        assert_eq!(keys(src), vec![(src.rfind("a =").unwrap(), "a".into())]);
    }

    #[test]
    fn quoted_and_several_repeats() {
        let src = "locals {\n  x = { \"k-1\" = 1, \"k-1\" = 2, b = 1, b = 2, b = 3 }\n}\n";
        let k = keys(src);
        assert_eq!(k.len(), 3, "{k:?}");
        assert_eq!(k[0].1, "k-1");
        assert!(k[1..].iter().all(|(_, n)| n == "b"));
    }

    #[test]
    fn unicode_keys_and_bounded_retries() {
        let src = "locals {\n  x = { \"é\" = 1, ñame = 1, \"é\" = 2, ñame = 2 }\n}\n";
        let k = keys(src);
        assert_eq!(
            k.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            ["é", "ñame"]
        );
        // More repeats than the parse retries for: an error, reported at once.
        let many: String = (0..200).map(|i| format!("a = {i}\n")).collect();
        let src = format!("locals {{\n  x = {{\n{many}  }}\n}}\n");
        assert!(body(&src).is_err());
    }

    #[test]
    fn other_syntax_errors_stay_errors() {
        assert!(body("locals {\n  x = {\n    a = \n  }\n}\n").is_err());
        assert!(body("locals {\n  x = { (var.a) = 1, (var.a) = 2 }\n}\n").is_err());
    }
}
