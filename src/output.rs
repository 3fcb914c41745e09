//! Writing OUT safely: aws2azure recognises its own files by the manifest
//! `.aws2azure-manifest` it writes beside them, and never overwrites or
//! deletes a file that is not listed there unless `--force` is given.

use std::collections::BTreeSet;
use std::path::Path;

pub const MANIFEST: &str = ".aws2azure-manifest";

/// Files in `out` (relative, forward slashes) that aws2azure did not write.
pub fn foreign_files(out: &Path) -> Vec<String> {
    let listed: BTreeSet<String> = std::fs::read_to_string(out.join(MANIFEST))
        .map(|s| {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut all = Vec::new();
    list(out, "", &mut all);
    all.into_iter()
        .filter(|f| f != MANIFEST && !listed.contains(f))
        .collect()
}

fn list(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            list(&e.path(), &r, out);
        } else {
            out.push(r);
        }
    }
}

/// Writes `files` (relative path → contents) under `out`, removes files a
/// previous run wrote that this run does not, and rewrites the manifest.
pub fn write_all(out: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    let previous: BTreeSet<String> = std::fs::read_to_string(out.join(MANIFEST))
        .map(|s| {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    std::fs::create_dir_all(out)?;
    let now: BTreeSet<String> = files.iter().map(|(p, _)| p.clone()).collect();
    for stale in previous.difference(&now) {
        if !stale.contains("..") {
            let _ = std::fs::remove_file(out.join(stale));
        }
    }
    for (rel, text) in files {
        // Only relative paths below OUT, whatever a caller hands in.
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() || rel.split('/').any(|s| s == "..") {
            continue;
        }
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    let mut manifest =
        String::from("# Files written by aws2azure; it may overwrite or delete exactly these.\n");
    for p in &now {
        manifest.push_str(p);
        manifest.push('\n');
    }
    std::fs::write(out.join(MANIFEST), manifest)
}
