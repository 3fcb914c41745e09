//! Architecture decision records: `OUT/decisions/NNNN-slug.md`, one per decision, in
//! MADR form (title, status, context, decision, consequences, affected resources).
//!
//! Numbering is stable across runs. It is read back from the records themselves: the
//! files under `decisions/` that OUT's manifest lists as aws2azure's own, each carrying
//! its decision's stable id on its `- Id:` line (the number is in the file name). A
//! decision keeps the number (and file) of its record; a new decision gets the next
//! number after the highest one the manifest lists; a record whose decision the run no
//! longer makes is kept, marked `superseded`; one that applies again is accepted again
//! under its number. Records are never renumbered nor deleted by a run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{DecisionOut, Report, SupersededRecord};

/// The folder of the records, relative to OUT.
pub const DIR: &str = "decisions";

/// Longest slug in a record's file name.
const SLUG_MAX: usize = 60;

const ACCEPTED: &str = "- Status: accepted";
const SUPERSEDED: &str = "- Status: superseded";
const NO_LONGER: &str = "- No longer applies: the latest conversion of this input does not make this decision; the record is kept for reference.";

/// A record found in OUT.
#[derive(Debug, Clone)]
pub struct Existing {
    /// Relative to OUT (`decisions/0007-slug.md`).
    pub path: String,
    pub number: u32,
    /// The decision id on its `- Id:` line, when there is one. (Its text is not held:
    /// a record is read again only when it is superseded.)
    pub id: Option<String>,
}

/// What OUT holds already: its records and the highest record number it lists.
#[derive(Debug, Clone, Default)]
pub struct Numbering {
    pub records: Vec<Existing>,
    pub highest: u32,
    /// The OUT folder the records were read from.
    pub out: std::path::PathBuf,
}

/// The number of a record file name under `decisions/` (`0007-slug.md` → 7).
fn number_of(rel: &str) -> Option<u32> {
    let name = rel.strip_prefix(DIR)?.strip_prefix('/')?;
    if name.contains('/') || !name.ends_with(".md") {
        return None;
    }
    let (digits, _) = name.split_once('-')?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A regular file of OUT (never through a link).
fn read_regular(out: &Path, rel: &str) -> Option<String> {
    let p = out.join(rel);
    let meta = std::fs::symlink_metadata(&p).ok()?;
    if !meta.is_file() {
        return None;
    }
    std::fs::read(&p)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The decision id of a record's text.
fn id_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.strip_prefix("- Id: `")
            .and_then(|r| r.strip_suffix('`'))
            .map(str::to_string)
    })
}

/// Reads the records OUT's manifest lists (only files aws2azure wrote count).
pub fn read(out: &Path) -> Numbering {
    let mut n = Numbering {
        out: out.to_path_buf(),
        ..Numbering::default()
    };
    let Some(manifest) = read_regular(out, crate::output::MANIFEST) else {
        return n;
    };
    use rayon::prelude::*;
    let listed: Vec<(&str, u32)> = manifest
        .lines()
        .map(str::trim)
        .filter(|rel| !rel.starts_with('#') && crate::output::bad_path(rel).is_none())
        .filter_map(|rel| Some((rel, number_of(rel)?)))
        .collect();
    n.highest = listed.iter().map(|(_, k)| *k).max().unwrap_or(0);
    // Read in parallel; the order is restored by the sort below.
    n.records = listed
        .par_iter()
        .filter_map(|(rel, number)| {
            let text = read_regular(out, rel)?;
            Some(Existing {
                path: rel.to_string(),
                number: *number,
                id: id_of(&text),
            })
        })
        .collect();
    n.records
        .sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.path.cmp(&b.path)));
    n
}

/// The kebab-case ASCII slug of a title, at most [`SLUG_MAX`] characters, cut at a word.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    if s.len() > SLUG_MAX {
        let cut = s[..=SLUG_MAX]
            .rfind('-')
            .filter(|&i| i > 0)
            .unwrap_or(SLUG_MAX);
        s.truncate(cut);
    }
    while s.ends_with('-') {
        s.pop();
    }
    if s.is_empty() {
        s.push_str("decision");
    }
    s
}

/// A record number as written: at least four digits.
pub fn number_text(n: u32) -> String {
    format!("{n:04}")
}

/// The text of an accepted record.
pub fn render(number: u32, d: &DecisionOut) -> String {
    let mut t = format!("# {}. {}\n\n", number_text(number), d.title);
    t.push_str(ACCEPTED);
    t.push('\n');
    t.push_str(&format!("- Id: `{}`\n", d.id));
    t.push_str(&format!("- Rule: `{}`\n", d.rule));
    if d.high_risk {
        t.push_str("- Risk: high (a person must act, or behaviour changes notably)\n");
    }
    for (head, body) in [
        ("Context", &d.context),
        ("Decision", &d.decision),
        ("Consequences", &d.consequences),
    ] {
        t.push_str(&format!("\n## {head}\n\n{}\n", body.trim_end()));
    }
    t.push_str("\n## Affected resources\n\n");
    if d.resources.is_empty() {
        t.push_str("None named: the decision applies to the template as a whole.\n");
    }
    for r in &d.resources {
        t.push_str(&format!("- {r}\n"));
    }
    t
}

/// An earlier record marked superseded (unchanged when it already is).
pub fn supersede(text: &str) -> String {
    if text.lines().any(|l| l == NO_LONGER) && !text.lines().any(|l| l == ACCEPTED) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + NO_LONGER.len() + 8);
    let mut marked = false;
    for l in text.split_inclusive('\n') {
        let line = l.trim_end_matches('\n');
        if line == NO_LONGER {
            continue;
        }
        if !marked && (line == ACCEPTED || line == SUPERSEDED) {
            out.push_str(SUPERSEDED);
            out.push('\n');
            out.push_str(NO_LONGER);
            out.push('\n');
            marked = true;
            continue;
        }
        out.push_str(l);
    }
    out
}

/// Numbers the report's decisions against what OUT holds and returns the record files
/// (relative to OUT): one per decision, plus every earlier record the run no longer
/// makes, superseded. Sets each decision's `record` and `record_file`, and each
/// resource's `records`.
pub fn assign(report: &mut Report, existing: &Numbering) -> Vec<(String, String)> {
    // The first (lowest-numbered) record of each id keeps it.
    let mut kept: BTreeMap<&str, &Existing> = BTreeMap::new();
    for e in &existing.records {
        if let Some(id) = &e.id {
            kept.entry(id.as_str()).or_insert(e);
        }
    }
    let mut next = existing.highest;
    let mut files: Vec<(String, String)> = Vec::new();
    let mut current: BTreeSet<&str> = BTreeSet::new();
    // One record per decision id. Decisions are sorted by id, so new ones are numbered in
    // that order; a decision made more than once (a Rain module's resources, converted
    // with each template that uses it) shares the first one's record, which lists every
    // affected resource.
    let mut by_id: BTreeMap<String, (u32, String, DecisionOut)> = BTreeMap::new();
    for d in report.decisions.iter_mut() {
        if let Some((number, path, first)) = by_id.get_mut(&d.id) {
            for r in &d.resources {
                if !first.resources.contains(r) {
                    first.resources.push(r.clone());
                }
            }
            d.record = *number;
            d.record_file = path.clone();
            continue;
        }
        let (number, path) = match kept.get(d.id.as_str()) {
            Some(e) => (e.number, e.path.clone()),
            None => {
                next += 1;
                (
                    next,
                    format!("{DIR}/{}-{}.md", number_text(next), slug(&d.title)),
                )
            }
        };
        d.record = number;
        d.record_file = path.clone();
        by_id.insert(d.id.clone(), (number, path, d.clone()));
    }
    let mut made: Vec<&(u32, String, DecisionOut)> = by_id.values().collect();
    made.sort_by_key(|(n, _, _)| *n);
    {
        use rayon::prelude::*;
        files.par_extend(
            made.into_par_iter()
                .map(|(number, path, d)| (path.clone(), render(*number, d))),
        );
    }
    for d in &report.decisions {
        current.insert(d.record_file.as_str());
    }
    for e in &existing.records {
        if current.contains(e.path.as_str()) {
            continue;
        }
        // No longer made by this run (or a duplicate of a kept id): kept, superseded. A
        // record without an id line is kept as it is.
        let Some(held) = read_regular(&existing.out, &e.path) else {
            continue;
        };
        let text = match e.id {
            Some(_) => supersede(&held),
            None => held,
        };
        files.push((e.path.clone(), text));
        report.superseded_records.push(SupersededRecord {
            record: e.number,
            id: e.id.clone().unwrap_or_default(),
            file: e.path.clone(),
        });
    }
    let numbers: BTreeMap<&str, u32> = report
        .decisions
        .iter()
        .map(|d| (d.id.as_str(), d.record))
        .collect();
    for s in report.stacks.iter_mut() {
        for r in s.resources.iter_mut() {
            r.records = r
                .decisions
                .iter()
                .filter_map(|id| numbers.get(id.as_str()).copied())
                .collect();
            r.records.sort_unstable();
            r.records.dedup();
        }
    }
    files
}

/// Decisions of the same rule with the same decision text, for the report's index.
#[derive(serde::Serialize, Debug, Clone)]
pub struct DecisionGroup {
    pub rule: String,
    /// The members' common title (the part after `Name: ` when only the names differ).
    pub title: String,
    pub high_risk: bool,
    pub count: usize,
    /// The members listed in full (record, file, affected resources).
    pub shown: Vec<GroupMember>,
    /// The other members' record numbers, as ranges (`0012–0040, 0052`).
    pub more: String,
    pub more_count: usize,
}

#[derive(serde::Serialize, Debug, Clone)]
pub struct GroupMember {
    pub record: String,
    pub file: String,
    pub resources: String,
}

/// Members listed in full in a group's index line.
const SHOWN: usize = 4;

/// Record numbers as ranges of consecutive numbers.
fn ranges(mut nums: Vec<u32>) -> String {
    nums.sort_unstable();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nums.len() {
        let mut j = i;
        while j + 1 < nums.len() && nums[j + 1] == nums[j] + 1 {
            j += 1;
        }
        parts.push(if j == i {
            number_text(nums[i])
        } else {
            format!("{}–{}", number_text(nums[i]), number_text(nums[j]))
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// The title a group's members share: the whole title when all are equal, else the part
/// after the first `: ` when only that part is shared, else the first member's title.
fn common_title(titles: &[&str]) -> String {
    let first = titles[0];
    if titles.iter().all(|t| *t == first) {
        return first.to_string();
    }
    let tail = |t: &str| t.split_once(": ").map(|(_, r)| r.to_string());
    if let Some(shared) = tail(first)
        && titles
            .iter()
            .all(|t| tail(t).as_deref() == Some(shared.as_str()))
    {
        let mut c = shared.chars();
        return c
            .next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or(shared);
    }
    first.to_string()
}

/// The report's decisions grouped by rule and decision text: high-risk groups first, then
/// by the lowest record number.
pub fn groups(report: &Report) -> Vec<DecisionGroup> {
    let mut by: BTreeMap<(&str, &str), Vec<&DecisionOut>> = BTreeMap::new();
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    // A decision made more than once has one record: listed once.
    for d in report.decisions.iter().filter(|d| seen.insert(d.record)) {
        by.entry((d.rule.as_str(), d.decision.as_str()))
            .or_default()
            .push(d);
    }
    let mut out: Vec<(u32, DecisionGroup)> = by
        .into_values()
        .map(|mut members| {
            members.sort_by_key(|d| d.record);
            let titles: Vec<&str> = members.iter().map(|d| d.title.as_str()).collect();
            let shown = members
                .iter()
                .take(SHOWN)
                .map(|d| GroupMember {
                    record: number_text(d.record),
                    file: d.record_file.clone(),
                    resources: if d.resources.is_empty() {
                        "the template as a whole".into()
                    } else {
                        d.resources.join(", ")
                    },
                })
                .collect();
            let rest: Vec<u32> = members.iter().skip(SHOWN).map(|d| d.record).collect();
            (
                members[0].record,
                DecisionGroup {
                    rule: members[0].rule.clone(),
                    title: common_title(&titles),
                    high_risk: members.iter().any(|d| d.high_risk),
                    count: members.len(),
                    shown,
                    more_count: rest.len(),
                    more: ranges(rest),
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.high_risk.cmp(&a.1.high_risk).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_kebab_and_capped() {
        assert_eq!(
            slug("AMIIDLookup: runtime `nodejs18.x` → node 22"),
            "amiidlookup-runtime-nodejs18-x-node-22"
        );
        assert_eq!(slug("→ ✓"), "decision");
        let long = slug(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn record_numbers_are_read_from_file_names() {
        assert_eq!(number_of("decisions/0007-a-title.md"), Some(7));
        assert_eq!(number_of("decisions/12345-a.md"), Some(12345));
        assert_eq!(number_of("decisions/007-a.md"), None);
        assert_eq!(number_of("decisions/x/0007-a.md"), None);
        assert_eq!(number_of("other/0007-a.md"), None);
    }

    #[test]
    fn superseding_is_idempotent_and_reversible_by_regeneration() {
        let text = "# 0001. T\n\n- Status: accepted\n- Id: `r:f#A`\n\n## Context\n\nc\n";
        let once = supersede(text);
        assert!(once.contains(SUPERSEDED) && once.contains(NO_LONGER));
        assert!(!once.contains(ACCEPTED));
        assert_eq!(supersede(&once), once);
        assert_eq!(id_of(&once).as_deref(), Some("r:f#A"));
    }

    #[test]
    fn ranges_and_titles() {
        assert_eq!(
            ranges(vec![3, 1, 2, 7, 9, 10]),
            "0001–0003, 0007, 0009–0010"
        );
        assert_eq!(
            common_title(&["A: runtime x → y", "B: runtime x → y"]),
            "Runtime x → y"
        );
        assert_eq!(common_title(&["A: one", "B: two"]), "A: one");
    }
}
