//! Discovery: walk the paths given, recognise CloudFormation templates by content.

use std::path::{Path, PathBuf};

const SKIP_DIRS: &[&str] = &[".git", ".terraform", ".aws-sam", "cdk.out", "node_modules"];
const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template", "tf", "tfvars"];

/// A file found under a PATH argument.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Relative to the PATH argument it was found under, forward slashes.
    pub rel: String,
    /// Named on the command line (not found by walking).
    pub explicit: bool,
    /// The PATH argument it was found under.
    pub root: PathBuf,
}

/// Files to consider, in a deterministic order. `exclude` (the output folder) is never walked.
pub fn walk(roots: &[PathBuf], exclude: Option<&Path>) -> (Vec<Found>, Vec<String>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let exclude = exclude.and_then(|e| e.canonicalize().ok());
    for root in roots {
        match std::fs::metadata(root) {
            Ok(m) if m.is_file() => {
                let rel = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(Found {
                    path: root.clone(),
                    rel,
                    explicit: true,
                    root: root.parent().map(Path::to_path_buf).unwrap_or_default(),
                });
            }
            Ok(m) if m.is_dir() => {
                let canon = root.canonicalize().unwrap_or_else(|_| root.clone());
                let start = out.len();
                walk_dir(root, &canon, "", exclude.as_deref(), &mut out);
                for f in &mut out[start..] {
                    f.root = root.clone();
                }
            }
            _ => missing.push(root.display().to_string()),
        }
    }
    (out, missing)
}

fn walk_dir(
    dir: &Path,
    root_canon: &Path,
    rel: &str,
    exclude: Option<&Path>,
    out: &mut Vec<Found>,
) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        // The listing's own file type: no `stat` per entry (links are looked at below).
        let Ok(kind) = e.file_type() else {
            continue;
        };
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if kind.is_symlink() {
            // Follow a link only when it stays inside the PATH argument, and never into a folder.
            match path.canonicalize() {
                Ok(t) if t.starts_with(root_canon) && t.is_file() => {}
                _ => continue,
            }
        }
        if kind.is_dir() {
            if SKIP_DIRS.contains(&name.as_str()) {
                continue;
            }
            // No link is followed into a folder, so the folder's real path is the root's
            // real path and its relative path.
            if exclude.is_some_and(|x| root_canon.join(&child_rel) == x) {
                continue;
            }
            walk_dir(&path, root_canon, &child_rel, exclude, out);
        } else if !kind.is_symlink() && !kind.is_file() {
            // A pipe, socket or device: reading it could block forever.
            continue;
        } else if name == "samconfig.toml"
            || path
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(Found {
                path,
                rel: child_rel,
                explicit: false,
                root: PathBuf::new(),
            });
        }
    }
}

/// Heuristic for files that failed to parse: do they look like CloudFormation?
pub fn mentions_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion") || {
        let mut rest = text;
        let mut found = false;
        while let Some(i) = rest.find("AWS::") {
            let after = &rest[i + 5..];
            let svc: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !svc.is_empty() && after[svc.len()..].starts_with("::") {
                found = true;
                break;
            }
            rest = after;
        }
        found
    }
}

/// Output folder of each template: `REL/name.ext` → `REL/name`; inputs whose
/// folders collide (`x.json` beside `x.yaml`) get `REL/name-ext` instead.
pub fn output_dirs(rels: &[String]) -> Vec<String> {
    let stem = |r: &str| match r.rsplit_once('.') {
        Some((s, _)) if !s.ends_with('/') && !s.is_empty() => s.to_string(),
        _ => r.to_string(),
    };
    let mut out: Vec<String> = rels
        .iter()
        .map(|r| {
            let s = stem(r);
            let clash = rels.iter().any(|o| o != r && stem(o) == s);
            if clash { r.replace('.', "-") } else { s }
        })
        .collect();
    // The same relative path under two PATH arguments: number the later ones.
    for i in 1..out.len() {
        let mut n = 2;
        let base = out[i].clone();
        while out[..i].contains(&out[i]) {
            out[i] = format!("{base}-{n}");
            n += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_get_distinct_folders() {
        let rels = vec![
            "a/x.json".to_string(),
            "a/x.yaml".to_string(),
            "b.yaml".to_string(),
        ];
        assert_eq!(output_dirs(&rels), vec!["a/x-json", "a/x-yaml", "b"]);
        let same = vec!["t.yaml".to_string(), "t.yaml".to_string()];
        assert_eq!(output_dirs(&same), vec!["t", "t-2"]);
        assert!(mentions_cloudformation("Type: AWS::S3::Bucket"));
        assert!(!mentions_cloudformation("AWS::"));
    }
}
