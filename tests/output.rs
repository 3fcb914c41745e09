//! OUT is a sandbox: nothing outside it is written or deleted, links are never
//! followed, an interrupted run is undone or completed, two runs never interleave.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use aws2azure::output::{self, Problem, Stage};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aws2azure"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aws2azure-out-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixture(name: &str) -> PathBuf {
    common::root().join("fixtures").join(name)
}

fn convert(input: &str, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = bin()
        .arg("convert")
        .arg(fixture(input))
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every entry under `dir` (links listed, not followed) with its contents.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn walk(d: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        let mut es: Vec<_> = std::fs::read_dir(d).unwrap().flatten().collect();
        es.sort_by_key(|e| e.file_name());
        for e in es {
            let rel = e
                .path()
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                let to = std::fs::read_link(e.path()).unwrap();
                out.push((rel, format!("-> {}", to.display())));
            } else if t.is_dir() {
                out.push((format!("{rel}/"), String::new()));
                walk(&e.path(), base, out);
            } else {
                out.push((rel, std::fs::read_to_string(e.path()).unwrap_or_default()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

#[test]
fn manifest_entries_outside_out_are_refused_and_nothing_is_deleted() {
    let base = tmp("manifest");
    let out = base.join("out");
    let victim = base.join("victim");
    std::fs::create_dir_all(base.join("vd")).unwrap();
    std::fs::write(&victim, "keep").unwrap();
    std::fs::write(base.join("vd/keep.txt"), "keep").unwrap();
    assert_eq!(convert("s3-bucket", &out, &[]).0, 0);
    let manifest = out.join(output::MANIFEST);
    let mut m = std::fs::read_to_string(&manifest).unwrap();
    // The first bad entry's line (the manifest lists the decision records too).
    let line = m.lines().count() + 1;
    m.push_str(&format!("{}\n", victim.display()));
    m.push_str("../vd/keep.txt\n");
    m.push_str("template/../../vd/keep.txt\n");
    std::fs::write(&manifest, &m).unwrap();
    let before = tree(&out);
    for force in [&[][..], &["--force"][..]] {
        // A different input: a normal run would delete the bucket's files.
        let (code, err) = convert("sqs-queue-dlq", &out, force);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("out::manifest"), "{err}");
        assert!(err.contains("an absolute path"), "{err}");
        assert!(err.contains("which leaves OUT"), "{err}");
        // Located at the manifest's line.
        assert!(
            err.contains(&format!(".aws2azure-manifest:{line}:1")),
            "{err}"
        );
        assert!(err.contains("aws2azure: nothing written"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(
            std::fs::read_to_string(base.join("vd/keep.txt")).unwrap(),
            "keep"
        );
        assert_eq!(tree(&out), before, "OUT must be left as it was");
    }
}

#[test]
fn a_linked_file_in_out_is_never_written_through() {
    let base = tmp("link-file");
    let out = base.join("out");
    let victim = base.join("victim");
    std::fs::write(&victim, "keep").unwrap();
    assert_eq!(convert("s3-bucket", &out, &[]).0, 0);
    let bicep = out.join("template/main.bicep");
    std::fs::remove_file(&bicep).unwrap();
    std::os::unix::fs::symlink(&victim, &bicep).unwrap();
    let before = tree(&out);
    for force in [&[][..], &["--force"][..]] {
        let (code, err) = convert("s3-bucket", &out, force);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("out::symlink"), "{err}");
        assert!(
            err.contains("template/main.bicep is a symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(tree(&out), before);
    }
}

#[test]
fn a_linked_folder_in_out_is_never_written_through() {
    let base = tmp("link-dir");
    let out = base.join("out");
    let victim = base.join("victimdir");
    std::fs::create_dir_all(&victim).unwrap();
    assert_eq!(convert("s3-bucket", &out, &[]).0, 0);
    std::fs::remove_dir_all(out.join("template")).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("template")).unwrap();
    for force in [&[][..], &["--force"][..]] {
        let (code, err) = convert("s3-bucket", &out, force);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("out::symlink"), "{err}");
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
    }
    // A link deeper down, to a file outside OUT, counts as well.
    std::fs::remove_file(out.join("template")).unwrap();
    std::fs::create_dir_all(out.join("notes/deep")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", out.join("notes/deep/h")).unwrap();
    let (code, err) = convert("s3-bucket", &out, &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("notes/deep/h is a symbolic link"), "{err}");
    // OUT itself a link: refused too.
    let real = base.join("real");
    std::fs::create_dir_all(&real).unwrap();
    let linked = base.join("linked-out");
    std::os::unix::fs::symlink(&real, &linked).unwrap();
    let (code, err) = convert("s3-bucket", &linked, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("out::symlink"), "{err}");
    assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
}

#[test]
fn a_file_swapped_for_a_folder_or_back_is_refused() {
    let base = tmp("kinds");
    let out = base.join("out");
    assert_eq!(convert("s3-bucket", &out, &[]).0, 0);
    std::fs::remove_file(out.join("template/main.bicep")).unwrap();
    std::fs::create_dir_all(out.join("template/main.bicep/x")).unwrap();
    let (code, err) = convert("s3-bucket", &out, &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("out::kind"), "{err}");
    assert!(err.contains("is a folder where aws2azure writes"), "{err}");
    std::fs::remove_dir_all(out.join("template")).unwrap();
    std::fs::write(out.join("template"), "a file").unwrap();
    let (code, err) = convert("s3-bucket", &out, &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is a file where aws2azure needs"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("template")).unwrap(),
        "a file"
    );
    // OUT itself a file.
    let file = base.join("out-file");
    std::fs::write(&file, "mine").unwrap();
    let (code, err) = convert("s3-bucket", &file, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("out::not-a-folder"), "{err}");
    assert!(err.contains("aws2azure: nothing written"), "{err}");
    assert!(!err.contains("converted"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn a_second_run_waits_for_the_lock_then_refuses() {
    let base = tmp("lock");
    let out = base.join("out");
    assert_eq!(convert("s3-bucket", &out, &[]).0, 0);
    let before = tree(&out);
    // A live process (this test) holds the lock.
    std::fs::write(out.join(output::LOCK), format!("{}\n", std::process::id())).unwrap();
    let started = std::time::Instant::now();
    let (code, err) = convert("sqs-queue-dlq", &out, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("out::locked"), "{err}");
    assert!(
        err.contains(&format!("process {}", std::process::id())),
        "{err}"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(4),
        "it waits first"
    );
    assert!(
        out.join(output::LOCK).exists(),
        "another run's lock is left alone"
    );
    std::fs::remove_file(out.join(output::LOCK)).unwrap();
    assert_eq!(tree(&out), before);
    // The lock of a run that was killed is taken over.
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    std::fs::write(out.join(output::LOCK), format!("{dead}\n")).unwrap();
    let (code, err) = convert("sqs-queue-dlq", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.join(output::LOCK).exists());
}

#[test]
fn concurrent_runs_take_turns() {
    let base = tmp("concurrent");
    let out = base.join("out");
    let spawn = |input: &str| {
        bin()
            .arg("convert")
            .arg(fixture(input))
            .arg("-o")
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("web-app"), spawn("s3-bucket"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for o in [&a, &b] {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // OUT is one run's output, whole: exactly the files its manifest lists.
    let listed: Vec<String> = std::fs::read_to_string(out.join(output::MANIFEST))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let present: Vec<String> = tree(&out)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.ends_with('/') && p != output::MANIFEST)
        .collect();
    assert_eq!(listed, present);
}

fn files(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn an_interrupted_run_leaves_out_as_it_was_or_is_completed() {
    let old = files(&[
        ("a/main.bicep", "old a"),
        ("gone.md", "old"),
        ("MIGRATION.md", "old"),
    ]);
    let new = files(&[
        ("a/main.bicep", "new a"),
        ("b/c/main.bicep", "new b"),
        ("MIGRATION.md", "new"),
    ]);
    let expect_new = vec![
        (".aws2azure-manifest".to_string(), String::new()),
        ("MIGRATION.md".to_string(), "new".to_string()),
        ("a/".to_string(), String::new()),
        ("a/main.bicep".to_string(), "new a".to_string()),
        ("b/".to_string(), String::new()),
        ("b/c/".to_string(), String::new()),
        ("b/c/main.bicep".to_string(), "new b".to_string()),
    ];
    let strip = |t: Vec<(String, String)>| -> Vec<(String, String)> {
        t.into_iter()
            .map(|(p, c)| {
                if p == output::MANIFEST {
                    (p, String::new())
                } else {
                    (p, c)
                }
            })
            .collect()
    };
    for stage in [Stage::Staged, Stage::Journaled, Stage::HalfApplied] {
        let out = tmp(&format!("crash-{stage:?}"));
        output::write(&out, &old, false).unwrap();
        let before = tree(&out);
        output::write_until(&out, &new, false, Some(stage)).unwrap();
        if stage == Stage::Staged {
            // Before the commit point: the next run sees OUT as it was.
            let w = output::write(&out, &old, false).unwrap();
            assert!(!w.recovered);
            assert_eq!(w.written, 0, "nothing changed");
            assert_eq!(tree(&out), before, "{stage:?}");
            output::write(&out, &new, false).unwrap();
        } else {
            // After it: the next run first completes the interrupted one.
            let w = output::write(&out, &new, false).unwrap();
            assert!(w.recovered, "{stage:?}");
            assert_eq!(strip(tree(&out)), expect_new, "{stage:?}");
        }
        let w = output::write(&out, &new, false).unwrap();
        assert_eq!((w.written, w.unchanged), (0, 3));
        assert_eq!(strip(tree(&out)), expect_new, "{stage:?}: no staging left");
    }
}

#[test]
fn stale_files_go_and_foreign_files_stay() {
    let out = tmp("stale");
    output::write(&out, &files(&[("x/a.bicep", "1"), ("b.md", "1")]), false).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let r = output::write(&out, &files(&[("b.md", "2")]), false);
    assert!(
        matches!(&r, Err(p) if p == &[Problem::Foreign(vec!["notes.txt".into()])]),
        "{r:?}"
    );
    let w = output::write(&out, &files(&[("b.md", "2")]), true).unwrap();
    assert_eq!((w.written, w.deleted), (1, 1));
    assert!(!out.join("x").exists(), "the emptied folder goes");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}
