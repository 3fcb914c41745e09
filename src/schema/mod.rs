//! Azure's schemas, as facts the project carries (`data/`, made by
//! `scripts/azure-schemas.py`), and the check every emitted resource passes before
//! anything is written: ARM types, API versions, property trees, required properties
//! and closed enums ([`arm`]); azurerm resources, arguments and blocks ([`azurerm`]).
//! A finding is an error pointing at the mapping rule that produced the resource,
//! whether a built-in table or a user's `--mappings` table.

pub mod arm;
pub mod azurerm;

/// What is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    UnknownType,
    UnknownVersion,
    /// The type and version exist, but the data carries no property tree for them
    /// (a `--mappings` entry naming a type aws2azure never emits): a warning.
    NotCarried,
    UnknownProperty,
    MissingRequired,
    BadValue,
}

/// One departure from a schema: the property path it concerns (empty for the type
/// itself) and a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub problem: Problem,
    pub path: Vec<String>,
    pub message: String,
}

impl Finding {
    pub fn new(problem: Problem, path: Vec<String>, message: String) -> Finding {
        Finding {
            problem,
            path,
            message,
        }
    }

    pub fn is_error(&self) -> bool {
        self.problem != Problem::NotCarried
    }
}

/// The label a diagnostic puts on the place a finding points at.
pub fn label(f: &Finding) -> &'static str {
    match f.problem {
        Problem::UnknownType => "unknown ARM type",
        Problem::UnknownVersion => "unknown API version",
        Problem::NotCarried => "properties not checked",
        Problem::UnknownProperty => "unknown property",
        Problem::MissingRequired if f.path.len() > 1 => "missing a required property",
        Problem::MissingRequired => "resource missing a required property",
        Problem::BadValue => "value not allowed",
    }
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Where a finding points inside a mapping table: the spec that opens at `start`
/// (a `- symbol:` item, or an entry's key) and ends before `end`; the deepest key of
/// `path` found in order inside it, else `field:` (`type`, `api`), else the spec itself.
/// Returns a byte range of `text`.
pub fn locate(
    text: &str,
    start: usize,
    end: usize,
    path: &[String],
    field: &str,
) -> (usize, usize) {
    let region = &text[start..end.min(text.len())];
    let key_at = |from: usize, key: &str| -> Option<usize> {
        let mut at = from;
        for line in region[from..].split_inclusive('\n') {
            let trimmed = line.trim_start().trim_start_matches("- ");
            let bare = trimmed.trim_start_matches(['"', '\'']);
            if bare.starts_with(key)
                && bare[key.len()..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(':')
            {
                return Some(at + (line.len() - bare.len()));
            }
            at += line.len();
        }
        None
    };
    let mut found: Option<(usize, usize)> = None;
    let mut from = 0;
    for key in path {
        match key_at(from, key) {
            Some(at) => {
                found = Some((start + at, start + at + key.len()));
                from = at + key.len();
            }
            None => break,
        }
    }
    if let Some(f) = found {
        return f;
    }
    if let Some(at) = key_at(0, field) {
        let line_end = region[at..].find('\n').map_or(region.len(), |e| at + e);
        return (start + at, start + line_end);
    }
    let first_end = region.find('\n').unwrap_or(region.len());
    (start, start + first_end)
}

/// The byte range of the spec `symbol` inside the entry `key` of a table's `text`: from
/// the entry's line to the next top-level key, narrowed to the list item whose
/// `symbol:` is `symbol` when there is one.
pub fn spec_range(text: &str, key: &str, symbol: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut entry: Option<usize> = None;
    let mut entry_end = text.len();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        match entry {
            None if t == format!("{key}:") || t == format!("\"{key}\":") => entry = Some(at),
            Some(_)
                if !line.starts_with([' ', '\t', '#', '\n', '\r'])
                    && !t.is_empty()
                    && !t.starts_with('-') =>
            {
                entry_end = at;
                break;
            }
            _ => {}
        }
        at += line.len();
    }
    let start = entry?;
    let region = &text[start..entry_end];
    let mut at = 0;
    let mut spec: Option<(usize, usize)> = None;
    for line in region.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if let Some((s, ind)) = spec {
            if t.starts_with("- ") && line.len() - t.len() <= ind {
                return Some((start + s, start + at));
            }
            if !t.is_empty() && indent < ind && !t.starts_with('#') {
                return Some((start + s, start + at));
            }
        } else if let Some(rest) = t.strip_prefix("- symbol:") {
            let v = rest.trim().trim_matches(['"', '\'']);
            if v == symbol {
                spec = Some((at, indent));
            }
        }
        at += line.len();
    }
    Some(match spec {
        Some((s, _)) => (start + s, entry_end),
        None => (start, entry_end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
AWS::X::Y:
  service: x
  resources:
    - symbol: \"{sym}\"
      type: Microsoft.Storage/storageAccounts
      api: \"2026-04-01\"
      body:
        properties:
          minimumTlsVersion: TLS1_2
    - symbol: \"{sym}Files\"
      type: Microsoft.Storage/storageAccounts/fileServices
      api: \"2026-04-01\"
AWS::X::Z:
  service: z
";

    #[test]
    fn a_property_finding_points_at_its_key_in_the_spec() {
        let (s, e) = spec_range(TABLE, "AWS::X::Y", "{sym}").unwrap();
        assert!(TABLE[s..e].contains("minimumTlsVersion"));
        assert!(!TABLE[s..e].contains("fileServices"));
        let path = vec!["properties".to_string(), "minimumTlsVersion".to_string()];
        let (a, b) = locate(TABLE, s, e, &path, "type");
        assert_eq!(&TABLE[a..b], "minimumTlsVersion");
        let (a, b) = locate(TABLE, s, e, &[], "api");
        assert_eq!(&TABLE[a..b], "api: \"2026-04-01\"");
        let (s, e) = spec_range(TABLE, "AWS::X::Y", "{sym}Files").unwrap();
        let (a, b) = locate(TABLE, s, e, &["properties".into()], "api");
        assert_eq!(&TABLE[a..b], "api: \"2026-04-01\"");
        assert!(TABLE[s..e].ends_with("\"2026-04-01\"\n"));
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("minimumTlsVersion", "minimumTlsVersion"), 0);
        assert_eq!(distance("minimumTlsVerison", "minimumTlsVersion"), 2);
    }
}
