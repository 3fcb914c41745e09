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

use std::collections::BTreeSet;
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
    use rayon::prelude::*;
    let session = Session::begin(out, force)?;
    crate::progress::phase("writing", files.len());
    files.par_iter().for_each(|(rel, text)| {
        crate::progress::step(rel);
        session.put(rel, text);
    });
    session.finish(crash)
}

/// A write into OUT whose files arrive one at a time, from any thread, as a run makes
/// them ([`Session::put`]); [`Session::finish`] then commits them as [`write`] does.
/// Everything OUT's safety needs is checked first ([`Session::begin`]: links, special
/// files, the manifest, foreign files, the lock) or as files arrive (plain paths, a file
/// where a folder is, a changed file's contents); until `finish` commits, files go only
/// to the staging folder, so a run that fails leaves OUT as it was.
pub struct Session {
    out: PathBuf,
    /// OUT did not exist: a failed run removes it again.
    created: bool,
    lock: Option<Lock>,
    scan: Scan,
    previous: BTreeSet<String>,
    recovered: bool,
    staging: PathBuf,
    state: std::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Every file of this run (written or unchanged).
    now: BTreeSet<String>,
    /// Folders made in the staging folder.
    dirs: BTreeSet<String>,
    /// Files staged (new or changed).
    staged: usize,
    problems: Vec<Problem>,
}

impl Session {
    /// Takes OUT (created when missing) for this run: the lock, a scan, an interrupted
    /// run recovered, and every check that does not depend on the files to write.
    pub fn begin(out: &Path, force: bool) -> Result<Session, Vec<Problem>> {
        let created = match std::fs::symlink_metadata(out) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(vec![Problem::Link(String::new())]);
            }
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
        match prepare(out, force) {
            Ok((scan, previous, recovered)) => Ok(Session {
                out: out.to_path_buf(),
                created,
                lock: Some(lock),
                scan,
                previous,
                recovered,
                staging: out.join(STAGING),
                state: Default::default(),
            }),
            Err(p) => {
                drop(lock);
                if created {
                    let _ = std::fs::remove_dir(out);
                }
                Err(p)
            }
        }
    }

    /// Adds one file of the run: staged when new or changed, counted when unchanged. A
    /// problem (a bad path, a folder in the way, an I/O error) is kept for `finish`.
    pub fn put(&self, rel: &str, text: &str) {
        let mut problems = Vec::new();
        if let Some(why) = bad_path(rel) {
            problems.push(Problem::Io {
                what: format!("refusing to write `{rel}`: {why}"),
                changed: false,
            });
        } else {
            if self.scan.dirs.contains(rel) {
                problems.push(Problem::Kind {
                    rel: rel.to_string(),
                    want_file: true,
                });
            }
            for a in ancestors(rel) {
                if self.scan.files.contains(a) {
                    problems.push(Problem::Kind {
                        rel: a.to_string(),
                        want_file: false,
                    });
                }
            }
        }
        if !problems.is_empty() {
            self.state().problems.extend(problems);
            return;
        }
        let again = !self.state().now.insert(rel.to_string());
        if !again
            && self.scan.files.contains(rel)
            && same_contents(&self.out.join(rel), text.as_bytes())
        {
            return;
        }
        if let Err(p) = self.stage(rel, text, again) {
            self.state().problems.push(p);
        }
    }

    /// The staging folder, made once (`""` in `dirs` marks it made).
    fn make_staging(&self, st: &mut State) -> Result<(), Problem> {
        if !st.dirs.contains("") {
            std::fs::create_dir(&self.staging).map_err(|e| io(format!("create {STAGING}"), e))?;
            st.dirs.insert(String::new());
        }
        Ok(())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes one file into the staging folder (its folders made first, once). A file
    /// given twice keeps the last contents.
    fn stage(&self, rel: &str, text: &str, again: bool) -> Result<(), Problem> {
        {
            let mut st = self.state();
            self.make_staging(&mut st)?;
            for a in ancestors(rel) {
                if !st.dirs.contains(a) {
                    std::fs::create_dir(self.staging.join(a))
                        .map_err(|e| io(format!("create {STAGING}/{a}"), e))?;
                    st.dirs.insert(a.to_string());
                }
            }
            if !again {
                st.staged += 1;
            }
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(!again)
            .create(again)
            .truncate(again)
            .open(self.staging.join(rel))
            .map_err(|e| io(format!("create {STAGING}/{rel}"), e))?;
        f.write_all(text.as_bytes())
            .map_err(|e| io(format!("write {STAGING}/{rel}"), e))
    }

    /// Gives up: nothing in OUT changes (the staging folder goes, and OUT itself when
    /// this run created it).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
        drop(self.lock);
        if self.created {
            let _ = std::fs::remove_dir(&self.out);
        }
    }

    /// Commits the files put: the journal, staged files into place, stale files of the
    /// earlier run deleted, the manifest. With a problem, nothing in OUT changes.
    pub fn finish(self, crash: Option<Stage>) -> Result<Written, Vec<Problem>> {
        let result = self.commit_all(crash);
        if result.is_err() && self.created {
            let _ = std::fs::remove_dir_all(&self.staging);
            drop(self.lock);
            let _ = std::fs::remove_dir(&self.out);
        }
        result
    }

    fn commit_all(&self, crash: Option<Stage>) -> Result<Written, Vec<Problem>> {
        let mut st = self.state();
        let mut problems = std::mem::take(&mut st.problems);
        // Files arrive from several threads: the problems in a fixed order (refused
        // paths, then files and folders in the way, each by path).
        problems.sort_by_key(|p| match p {
            Problem::Io { what, .. } => (0, what.clone()),
            Problem::Kind { rel, want_file } => (1 + usize::from(!*want_file), rel.clone()),
            _ => (3, String::new()),
        });
        dedup_kinds(&mut problems);
        for rel in &self.previous {
            if self.scan.dirs.contains(rel) && !st.now.contains(rel) {
                problems.push(Problem::Kind {
                    rel: rel.clone(),
                    want_file: true,
                });
            }
        }
        if !problems.is_empty() {
            let _ = std::fs::remove_dir_all(&self.staging);
            return Err(problems);
        }
        self.make_staging(&mut st).map_err(|p| vec![p])?;
        let written = Written {
            written: st.staged,
            unchanged: st.now.len() - st.staged,
            deleted: 0,
            recovered: self.recovered,
        };
        if crash == Some(Stage::Staged) {
            return Ok(written);
        }
        let text = write_journal(&self.out, &self.staging, &st.now)?;
        if crash == Some(Stage::Journaled) {
            return Ok(written);
        }
        if crash == Some(Stage::HalfApplied) {
            apply_half(&self.out, &self.staging, &st.now)?;
            return Ok(written);
        }
        let deleted =
            commit(&self.out, &self.scan, &self.previous, &st.now, &text).map_err(|p| match p {
                Problem::Io { what, .. } => vec![Problem::Io {
                    what,
                    changed: true,
                }],
                p => vec![p],
            })?;
        Ok(Written { deleted, ..written })
    }
}

/// Keeps the first of repeated "a file where a folder is needed" problems.
fn dedup_kinds(problems: &mut Vec<Problem>) {
    let mut seen = BTreeSet::new();
    problems.retain(|p| match p {
        Problem::Kind { rel, want_file } => seen.insert((rel.clone(), *want_file)),
        _ => true,
    });
}

/// The checks of [`Session::begin`] under the lock: no link or special file in OUT, an
/// interrupted run recovered, OUT scanned again, the manifest read, and no foreign file
/// (unless `force`). Returns the scan, the previous run's files and whether a run was
/// recovered.
fn prepare(out: &Path, force: bool) -> Result<(Scan, BTreeSet<String>, bool), Vec<Problem>> {
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
    let previous = match read_own(out, MANIFEST, &s).map_err(|p| vec![p])? {
        Some(m) => entries(&m, MANIFEST, &mut problems),
        None => BTreeSet::new(),
    };
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
    Ok((s, previous, recovered))
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
    now: &BTreeSet<String>,
) -> Result<String, Vec<Problem>> {
    let mut text = String::from(MANIFEST_HEADER);
    for rel in now {
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
