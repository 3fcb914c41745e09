//! The output does not depend on where the input lies nor on how many threads convert
//! it: the whole `../shared/corpus` (skipped with a notice when absent), converted from
//! two different absolute paths with 1 and with 2 threads through the CLI, gives
//! byte-identical OUT trees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    match root.canonicalize() {
        Ok(r) if r.join("MANIFEST.tsv").is_file() => Some(r),
        _ => {
            eprintln!("notice: ../shared/corpus not found; parallel determinism test skipped");
            None
        }
    }
}

/// Every file under `dir` (relative path → bytes), links refused.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let t = e.file_type().unwrap();
            let p = e.path();
            assert!(!t.is_symlink(), "a link in OUT: {}", p.display());
            if t.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = e.file_type().unwrap();
        let target = to.join(e.file_name());
        if t.is_dir() {
            copy_dir(&e.path(), &target);
        } else if t.is_file() {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn convert(input: &Path, out: &Path, jobs: &str) -> i32 {
    let status = Command::new(env!("CARGO_BIN_EXE_aws2azure"))
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["-q", "--jobs", jobs])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    status.code().unwrap_or(-1)
}

#[test]
fn corpus_output_is_identical_from_two_places_with_one_and_two_threads() {
    let Some(corpus) = corpus() else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("aws2azure-parallel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    // The second place: a copy, deeper and under another name.
    let elsewhere = scratch.join("some/other/place/inputs");
    copy_dir(&corpus, &elsewhere);
    let (out1, out2) = (scratch.join("out-1"), scratch.join("out-2"));
    let code1 = convert(&corpus, &out1, "1");
    let code2 = convert(&elsewhere, &out2, "2");
    assert_eq!(code1, code2, "exit codes differ");
    let (a, b) = (tree(&out1), tree(&out2));
    assert!(a.len() > 1000, "only {} files written", a.len());
    let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "files only in the 1-thread run: {only_a:?}; only in the 2-thread run: {only_b:?}"
    );
    let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(
        differ.is_empty(),
        "{} files differ, first: {:?}",
        differ.len(),
        &differ[..differ.len().min(5)]
    );
    // No absolute path of either input or OUT leaks into the output.
    for (rel, bytes) in &a {
        let text = String::from_utf8_lossy(bytes);
        for p in [&corpus, &elsewhere, &scratch] {
            assert!(
                !text.contains(&*p.to_string_lossy()),
                "{rel} names the absolute path {}",
                p.display()
            );
        }
    }
    // A rerun into the same OUT with the other thread count changes nothing.
    let code3 = convert(&elsewhere, &out1, "2");
    assert_eq!(code3, code1);
    assert!(tree(&out1) == a, "a rerun with 2 threads changed OUT");
    let _ = std::fs::remove_dir_all(&scratch);
}
