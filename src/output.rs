//! Writing OUT safely. OUT is a sandbox:
//!
//! - aws2azure recognises its own files by the manifest `.aws2azure-manifest` it
//!   writes beside them; a file not listed there is never overwritten (unless
//!   `--force`) and never deleted.
//! - Nothing is written through a symbolic link: a link anywhere inside OUT (or OUT
//!   itself being one) stops the run before anything is written, `--force` or not.
//!   Manifest entries must be plain relative paths (no `/…`, `..`, `.`, empty parts).
//! - A file or folder swapped for the other kind stops the run the same way.
//! - Writes go to `.aws2azure-staging/` inside OUT first. The new manifest is then
//!   written as `.aws2azure-journal` (the commit point), staged files are renamed
//!   into place, stale files deleted, and the journal renamed to the manifest. A run
//!   interrupted before the journal leaves OUT as it was (the next run removes the
//!   staging folder); one interrupted after it is completed by the next run.
//! - `.aws2azure-lock` (created exclusively, holding the process id) keeps a second
//!   run out: it waits briefly, then refuses. A lock whose process has ended is
//!   taken over.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const MANIFEST: &str = ".aws2azure-manifest";
pub const LOCK: &str = ".aws2azure-lock";
pub const STAGING: &str = ".aws2azure-staging";
pub const JOURNAL: &str = ".aws2azure-journal";

const MANIFEST_HEADER: &str =
    "# Files written by aws2azure; it may overwrite or delete exactly these.\n";

/// How long a second run waits for the lock before it refuses.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Why OUT was not written (or not completely).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// OUT exists and is not a folder.
    NotAFolder,
    /// A symbolic link (relative path; empty for OUT itself).
    Link(String),
    /// Something that is neither a file nor a folder (a pipe, a socket, a device).
    Special(String),
    /// A manifest (or journal) line that is not a plain relative path: 1-based line,
    /// the entry, and why.
    ManifestEntry {
        file: &'static str,
        line: usize,
        entry: String,
        why: &'static str,
    },
    /// `rel` is a folder where aws2azure writes a file (`want_file`), or a file where
    /// it needs a folder.
    Kind { rel: String, want_file: bool },
    /// Files aws2azure did not write (without `--force`).
    Foreign(Vec<String>),
    /// Another run holds the lock.
    Locked { pid: Option<u32> },
    /// An I/O error; `changed` when OUT was already partly updated.
    Io { what: String, changed: bool },
}

/// What a successful write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files whose contents changed (or were created).
    pub written: usize,
    /// Files left as they were (same contents).
    pub unchanged: usize,
    /// Stale files of an earlier run removed.
    pub deleted: usize,
    /// An interrupted earlier run was completed first.
    pub recovered: bool,
}

/// Points where a write can be cut short, to test recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Every file staged, the journal not yet written.
    Staged,
    /// The journal written, no file renamed into place yet.
    Journaled,
    /// Half the staged files renamed into place.
    HalfApplied,
}

/// Writes `files` (relative path → contents) under `out`, removes files an earlier
/// run wrote that this one does not, and rewrites the manifest.
pub fn write(out: &Path, files: &[(String, String)], force: bool) -> Result<Written, Vec<Problem>> {
    write_until(out, files, force, None)
}

/// [`write`], stopping dead at `crash` (leaving OUT as a killed process would).
pub fn write_until(
    out: &Path,
    files: &[(String, String)],
    force: bool,
    crash: Option<Stage>,
) -> Result<Written, Vec<Problem>> {
    let created = match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => return Err(vec![Problem::Link(String::new())]),
        Ok(m) if !m.is_dir() => return Err(vec![Problem::NotAFolder]),
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out)
                .map_err(|e| vec![io(format!("create {}", out.display()), e)])?;
            true
        }
        Err(e) => return Err(vec![io(format!("read {}", out.display()), e)]),
    };
    let lock = match Lock::acquire(out) {
        Ok(l) => l,
        Err(p) => {
            if created {
                let _ = std::fs::remove_dir(out);
            }
            return Err(vec![p]);
        }
    };
    let result = write_locked(out, files, force, crash);
    drop(lock);
    if result.is_err() && created {
        let _ = std::fs::remove_dir(out);
    }
    result
}

fn io(what: String, e: std::io::Error) -> Problem {
    Problem::Io {
        what: format!("{what}: {e}"),
        changed: false,
    }
}

/// The lock file, removed on drop.
struct Lock(PathBuf);

impl Lock {
    fn acquire(out: &Path) -> Result<Lock, Problem> {
        let path = out.join(LOCK);
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let meta = std::fs::symlink_metadata(&path);
                    if meta.as_ref().is_ok_and(|m| m.file_type().is_symlink()) {
                        return Err(Problem::Link(LOCK.into()));
                    }
                    if meta.as_ref().is_ok_and(|m| !m.is_file()) {
                        return Err(Problem::Kind {
                            rel: LOCK.into(),
                            want_file: true,
                        });
                    }
                    let pid = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    if pid.is_some_and(process_ended) {
                        // Its run was killed: take the lock over.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() >= LOCK_WAIT {
                        return Err(Problem::Locked { pid });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(io(format!("create {}", path.display()), e)),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// True when the process is known to have ended (Linux: no `/proc/PID`). Elsewhere
/// nothing is known, and the lock is respected.
fn process_ended(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

/// What is in OUT, seen without following links.
#[derive(Default)]
struct Scan {
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
    links: Vec<String>,
    special: Vec<String>,
}

fn scan(dir: &Path, rel: &str, s: &mut Scan) -> Result<(), Problem> {
    let rd = std::fs::read_dir(dir).map_err(|e| io(format!("read {}", dir.display()), e))?;
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if r == LOCK {
            continue;
        }
        // DirEntry::file_type does not follow links.
        let Ok(t) = e.file_type() else {
            s.special.push(r);
            continue;
        };
        if t.is_symlink() {
            s.links.push(r);
        } else if t.is_dir() {
            scan(&e.path(), &r, s)?;
            s.dirs.insert(r);
        } else if t.is_file() {
            s.files.insert(r);
        } else {
            s.special.push(r);
        }
    }
    Ok(())
}

/// Why `rel` is not a plain relative path below OUT, if it is not.
pub fn bad_path(rel: &str) -> Option<&'static str> {
    if rel.is_empty() {
        return Some("an empty path");
    }
    if rel.starts_with('/') || rel.starts_with('\\') || rel.as_bytes().get(1) == Some(&b':') {
        return Some("an absolute path");
    }
    if rel.contains('\0') {
        return Some("a NUL byte");
    }
    if rel.contains('\\') {
        return Some("a backslash");
    }
    for part in rel.split('/') {
        match part {
            ".." => return Some("a `..` part, which leaves OUT"),
            "." | "" => return Some("an empty or `.` part"),
            _ => {}
        }
    }
    if rel == STAGING || rel.starts_with(&format!("{STAGING}/")) {
        return Some("aws2azure's staging folder");
    }
    if [MANIFEST, LOCK, JOURNAL].contains(&rel) {
        return Some("one of aws2azure's own bookkeeping files");
    }
    None
}

/// Entries of a manifest (or journal) text, checked.
fn entries(text: &str, file: &'static str, problems: &mut Vec<Problem>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, l) in text.lines().enumerate() {
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        match bad_path(l) {
            Some(why) => problems.push(Problem::ManifestEntry {
                file,
                line: i + 1,
                entry: l.to_string(),
                why,
            }),
            None => {
                out.insert(l.to_string());
            }
        }
    }
    out
}

/// Reads one of aws2azure's bookkeeping files if it exists (it must be a plain file).
fn read_own(out: &Path, name: &str, scan: &Scan) -> Result<Option<String>, Problem> {
    if !scan.files.contains(name) {
        if scan.dirs.contains(name) {
            return Err(Problem::Kind {
                rel: name.into(),
                want_file: true,
            });
        }
        return Ok(None);
    }
    std::fs::read(out.join(name))
        .map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
        .map_err(|e| io(format!("read {name}"), e))
}

fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    rel.match_indices('/').map(move |(i, _)| &rel[..i])
}

fn write_locked(
    out: &Path,
    files: &[(String, String)],
    force: bool,
    crash: Option<Stage>,
) -> Result<Written, Vec<Problem>> {
    let mut s = Scan::default();
    scan(out, "", &mut s).map_err(|p| vec![p])?;
    let mut problems: Vec<Problem> = s.links.iter().cloned().map(Problem::Link).collect();
    problems.extend(s.special.iter().cloned().map(Problem::Special));
    if !problems.is_empty() {
        return Err(problems);
    }
    let recovered = recover(out, &s)?;
    if recovered || s.dirs.contains(STAGING) {
        s = Scan::default();
        scan(out, "", &mut s).map_err(|p| vec![p])?;
    }
    let Plan { previous, now } = check(out, &s, files, force)?;
    // Stage every changed file.
    let staging = out.join(STAGING);
    let mut written = Written {
        recovered,
        ..Default::default()
    };
    match stage(out, &staging, &s, &now) {
        Ok(n) => {
            written.written = n;
            written.unchanged = now.len() - n;
        }
        Err(p) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(vec![p]);
        }
    }
    if crash == Some(Stage::Staged) {
        return Ok(written);
    }
    let text = write_journal(out, &staging, &now)?;
    if crash == Some(Stage::Journaled) {
        return Ok(written);
    }
    let next: BTreeSet<String> = now.keys().map(|k| k.to_string()).collect();
    if crash == Some(Stage::HalfApplied) {
        apply_half(out, &staging, &next)?;
        return Ok(written);
    }
    written.deleted = commit(out, &s, &previous, &next, &text).map_err(|p| match p {
        Problem::Io { what, .. } => vec![Problem::Io {
            what,
            changed: true,
        }],
        p => vec![p],
    })?;
    Ok(written)
}

/// Completes an earlier run that reached its commit point (true when it did), or
/// removes the staging folder of one that stopped before it; refuses bad manifest
/// or journal entries.
fn recover(out: &Path, s: &Scan) -> Result<bool, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut recovered = false;
    let journal = read_own(out, JOURNAL, s).map_err(|p| vec![p])?;
    let manifest = read_own(out, MANIFEST, s).map_err(|p| vec![p])?;
    let previous = entries(manifest.as_deref().unwrap_or(""), MANIFEST, &mut problems);
    if let Some(j) = &journal {
        let next = entries(j, JOURNAL, &mut problems);
        if problems.is_empty() {
            // An earlier run reached its commit point: finish it.
            commit(out, s, &previous, &next, j).map_err(|p| vec![p])?;
            recovered = true;
        }
    } else if s.dirs.contains(STAGING) {
        // An earlier run stopped before its commit point: OUT is as it was.
        std::fs::remove_dir_all(out.join(STAGING))
            .map_err(|e| vec![io(format!("remove {STAGING}"), e)])?;
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(recovered)
}

/// What a checked write is about to change.
struct Plan<'f> {
    /// The files of the previous run (from the manifest).
    previous: BTreeSet<String>,
    /// The files this run writes: relative path → contents.
    now: BTreeMap<&'f str, &'f str>,
}

/// The files this run writes and the files of the previous run, once every check
/// passed: plain paths, no file and folder swapped, no foreign file (unless `force`).
fn check<'f>(
    out: &Path,
    s: &Scan,
    files: &'f [(String, String)],
    force: bool,
) -> Result<Plan<'f>, Vec<Problem>> {
    let mut problems = Vec::new();
    let previous = match read_own(out, MANIFEST, s).map_err(|p| vec![p])? {
        Some(m) => entries(&m, MANIFEST, &mut problems),
        None => BTreeSet::new(),
    };
    let mut now: BTreeMap<&str, &str> = BTreeMap::new();
    for (rel, text) in files {
        if let Some(why) = bad_path(rel) {
            problems.push(Problem::Io {
                what: format!("refusing to write `{rel}`: {why}"),
                changed: false,
            });
        } else {
            now.insert(rel.as_str(), text.as_str());
        }
    }
    kind_conflicts(s, &now, &previous, &mut problems);
    if !force {
        let foreign: Vec<String> = s
            .files
            .iter()
            .filter(|f| f.as_str() != MANIFEST && !previous.contains(*f))
            .cloned()
            .collect();
        if !foreign.is_empty() {
            problems.push(Problem::Foreign(foreign));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan { previous, now })
}

/// Records a folder where a file is to be written (or an earlier file now is a folder),
/// and a file where a folder is needed.
fn kind_conflicts(
    s: &Scan,
    now: &BTreeMap<&str, &str>,
    previous: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    for rel in now.keys() {
        if s.dirs.contains(*rel) {
            problems.push(Problem::Kind {
                rel: rel.to_string(),
                want_file: true,
            });
        }
        for a in ancestors(rel) {
            if s.files.contains(a)
                && !problems
                    .iter()
                    .any(|p| matches!(p, Problem::Kind { rel, .. } if rel == a))
            {
                problems.push(Problem::Kind {
                    rel: a.to_string(),
                    want_file: false,
                });
            }
        }
    }
    for rel in previous {
        if s.dirs.contains(rel) && !now.contains_key(rel.as_str()) {
            problems.push(Problem::Kind {
                rel: rel.clone(),
                want_file: true,
            });
        }
    }
}

/// Writes every new or changed file into the staging folder; returns how many. Files
/// are compared and written in parallel; the staging folder is this run's own (created
/// here, exclusively), and each file in it is created exclusively.
fn stage(
    out: &Path,
    staging: &Path,
    s: &Scan,
    now: &BTreeMap<&str, &str>,
) -> Result<usize, Problem> {
    use rayon::prelude::*;
    std::fs::create_dir(staging).map_err(|e| io(format!("create {STAGING}"), e))?;
    let entries: Vec<(&str, &str)> = now.iter().map(|(r, t)| (*r, *t)).collect();
    crate::progress::phase("writing", entries.len());
    let changed: Vec<(&str, &str)> = entries
        .into_par_iter()
        .filter(|(rel, text)| {
            crate::progress::step(rel);
            !(s.files.contains(*rel) && same_contents(&out.join(rel), text.as_bytes()))
        })
        .collect();
    // Folders first, parents before children, one thread.
    let mut dirs = BTreeSet::new();
    for (rel, _) in &changed {
        dirs.extend(ancestors(rel));
    }
    for d in &dirs {
        std::fs::create_dir(staging.join(d)).map_err(|e| io(format!("create {STAGING}/{d}"), e))?;
    }
    changed.par_iter().try_for_each(|(rel, text)| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(staging.join(rel))
            .map_err(|e| io(format!("create {STAGING}/{rel}"), e))?;
        f.write_all(text.as_bytes())
            .map_err(|e| io(format!("write {STAGING}/{rel}"), e))
    })?;
    Ok(changed.len())
}

/// Whether the file at `path` holds exactly `want` (its size is compared first, then
/// its contents a block at a time, so comparing holds no copy of the file).
fn same_contents(path: &Path, want: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    if f.metadata().map_or(true, |m| m.len() != want.len() as u64) {
        return false;
    }
    let mut block = [0u8; 16 * 1024];
    let mut at = 0;
    loop {
        match f.read(&mut block) {
            Ok(0) => return at == want.len(),
            Ok(n) => {
                if want.get(at..at + n) != Some(&block[..n]) {
                    return false;
                }
                at += n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Writes the new manifest as the journal (the commit point); returns its text. On
/// failure the staging folder is removed and OUT is as it was.
fn write_journal(
    out: &Path,
    staging: &Path,
    now: &BTreeMap<&str, &str>,
) -> Result<String, Vec<Problem>> {
    let mut text = String::from(MANIFEST_HEADER);
    for rel in now.keys() {
        text.push_str(rel);
        text.push('\n');
    }
    let journal_tmp = staging.join(JOURNAL);
    let journal_write = std::fs::create_dir_all(staging)
        .and_then(|_| std::fs::write(&journal_tmp, &text))
        .and_then(|_| std::fs::rename(&journal_tmp, out.join(JOURNAL)));
    if let Err(e) = journal_write {
        let _ = std::fs::remove_dir_all(staging);
        return Err(vec![io(format!("write {JOURNAL}"), e)]);
    }
    Ok(text)
}

/// For the `HalfApplied` crash point: renames the first half of the staged files into place.
fn apply_half(out: &Path, staging: &Path, next: &BTreeSet<String>) -> Result<(), Vec<Problem>> {
    let half: Vec<&String> = next.iter().take(next.len() / 2).collect();
    for rel in half {
        let from = staging.join(rel);
        if from.is_file() {
            let to = make_parents(out, rel).map_err(|p| vec![p])?;
            std::fs::rename(from, to).map_err(|e| vec![io(format!("rename {rel}"), e)])?;
        }
    }
    Ok(())
}

/// After the commit point: staged files into place, stale files deleted, the
/// journal becomes the manifest, the staging folder goes. Returns files deleted.
fn commit(
    out: &Path,
    s: &Scan,
    previous: &BTreeSet<String>,
    next: &BTreeSet<String>,
    journal: &str,
) -> Result<usize, Problem> {
    let staging = out.join(STAGING);
    // Folders OUT has: a staged folder OUT lacks goes into place whole, in one rename
    // (every file under it is new, so every one is staged).
    let mut present: BTreeSet<String> = s.dirs.clone();
    let mut moved: BTreeSet<&str> = BTreeSet::new();
    'files: for rel in next {
        for a in ancestors(rel) {
            if moved.contains(a) {
                continue 'files;
            }
            if present.contains(a) {
                continue;
            }
            let from = staging.join(a);
            let to = out.join(a);
            let staged_dir = std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_dir());
            if staged_dir && std::fs::symlink_metadata(&to).is_err() {
                make_parents(out, a)?;
                std::fs::rename(&from, &to).map_err(|e| io(format!("rename {a}"), e))?;
                moved.insert(a);
                continue 'files;
            }
            present.insert(a.to_string());
        }
        let from = staging.join(rel);
        match std::fs::symlink_metadata(&from) {
            Ok(m) if m.is_file() => {
                let to = make_parents(out, rel)?;
                std::fs::rename(&from, &to).map_err(|e| io(format!("rename {rel}"), e))?;
            }
            _ => {}
        }
    }
    let mut deleted = 0;
    for stale in previous.difference(next) {
        if s.files.contains(stale) && std::fs::remove_file(out.join(stale)).is_ok() {
            deleted += 1;
            // Folders left empty by the deletion go too.
            for a in ancestors(stale).collect::<Vec<_>>().into_iter().rev() {
                if std::fs::remove_dir(out.join(a)).is_err() {
                    break;
                }
            }
        }
    }
    // The journal holds the new manifest: renaming it finishes the run.
    if std::fs::read_to_string(out.join(JOURNAL)).is_ok_and(|j| j == journal) {
        std::fs::rename(out.join(JOURNAL), out.join(MANIFEST))
            .map_err(|e| io(format!("rename {JOURNAL}"), e))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(deleted)
}

/// Creates the folders of `rel` under `base` one at a time, refusing links and
/// files in the way; returns the full path of `rel`.
fn make_parents(base: &Path, rel: &str) -> Result<PathBuf, Problem> {
    let mut dir = base.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    let mut done = String::new();
    for part in &parts[..parts.len() - 1] {
        dir.push(part);
        if !done.is_empty() {
            done.push('/');
        }
        done.push_str(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => return Err(Problem::Link(done)),
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Problem::Kind {
                    rel: done,
                    want_file: false,
                });
            }
            Err(_) => std::fs::create_dir(&dir).map_err(|e| io(format!("create {done}"), e))?,
        }
    }
    let path = base.join(rel);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Problem::Link(rel.into()));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_must_stay_below_out() {
        assert_eq!(bad_path("a/main.bicep"), None);
        assert!(bad_path("/tmp/victim").is_some());
        assert!(bad_path("../x").is_some());
        assert!(bad_path("a/../../x").is_some());
        assert!(bad_path("a//b").is_some());
        assert!(bad_path("./a").is_some());
        assert!(bad_path("C:/x").is_some());
        assert!(bad_path("a\\..\\b").is_some());
        assert!(bad_path(MANIFEST).is_some());
        assert!(bad_path(".aws2azure-staging/x").is_some());
    }
}
