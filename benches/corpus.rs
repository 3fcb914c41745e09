//! The whole `../shared/corpus` through the CLI, against a parse-only pass over the same
//! files in the same run, at 1×, 2× and 4× the corpus (copies side by side under one
//! folder), to show time growing linearly with input. Run: `cargo bench --bench corpus`
//! (`BENCH_ITERATIONS=N`, default 3: the best of N is shown).
//!
//! For each size it prints the parse-only time (in process: discovery, reading,
//! CloudFormation data trees and Terraform modules parsed, on every core), then
//! `aws2azure convert` into an empty OUT and again into that OUT (nothing changed), each
//! with its wall time, its peak memory (the CLI's own `AWS2AZURE_TIMINGS` figures), and
//! its ratio to parse-only; at 1× also the one-thread run (`--jobs 1`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(corpus) = corpus.canonicalize() else {
        eprintln!("notice: ../shared/corpus not found; benchmark skipped");
        return;
    };
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let scratch = std::env::temp_dir().join(format!("aws2azure-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "corpus benchmark: {} thread(s) available, best of {iterations}",
        threads
    );
    let mut series = Vec::new();
    for copies in [1usize, 2, 4] {
        let input = scratch.join(format!("x{copies}"));
        for k in 1..=copies {
            link_tree(&corpus, &input.join(format!("copy-{k}")));
        }
        let parse = best(iterations, || {
            let t = Instant::now();
            let p = aws2azure::run::parse_only(std::slice::from_ref(&input));
            (t.elapsed().as_secs_f64(), p)
        });
        let (parse_s, p) = parse;
        let mut fresh = Run::worst();
        let mut rerun = Run::worst();
        for i in 0..iterations {
            let out = scratch.join(format!("out-x{copies}-{i}"));
            fresh = fresh.min(cli(&input, &out, None));
            rerun = rerun.min(cli(&input, &out, None));
        }
        println!(
            "×{copies}: {} files, {:.1} MB ({} templates, {} Terraform modules)",
            p.files,
            p.bytes as f64 / 1e6,
            p.templates,
            p.modules
        );
        println!("    parse only              {:7.3} s", parse_s);
        fresh.print("convert, empty OUT", parse_s);
        rerun.print("convert, OUT current", parse_s);
        if copies == 1 {
            let mut single = Run::worst();
            for i in 0..iterations {
                let out = scratch.join(format!("out-j1-{i}"));
                single = single.min(cli(&input, &out, Some(1)));
            }
            single.print("convert, empty OUT, -j 1", parse_s);
        }
        series.push((copies, parse_s, fresh.wall, rerun.wall));
        let _ = std::fs::remove_dir_all(&input);
    }
    let (_, p1, f1, r1) = series[0];
    for (copies, p, f, r) in &series[1..] {
        println!(
            "growth ×{copies}/×1: parse only {:.2}, convert into empty OUT {:.2}, convert into current OUT {:.2} (linear: {copies})",
            p / p1,
            f / f1,
            r / r1
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

fn best<T>(n: usize, mut f: impl FnMut() -> (f64, T)) -> (f64, T) {
    let mut b = f();
    for _ in 1..n {
        let r = f();
        if r.0 < b.0 {
            b = r;
        }
    }
    b
}

/// One CLI run: wall time and peak memory.
#[derive(Clone, Copy)]
struct Run {
    wall: f64,
    peak_mb: u64,
}

impl Run {
    fn worst() -> Run {
        Run {
            wall: f64::MAX,
            peak_mb: 0,
        }
    }

    fn min(self, other: Run) -> Run {
        if other.wall < self.wall { other } else { self }
    }

    fn print(&self, what: &str, parse_s: f64) {
        println!(
            "    {what:<24}{:7.3} s  peak {:4} MB  {:4.1}× parse only",
            self.wall,
            self.peak_mb,
            self.wall / parse_s
        );
    }
}

fn cli(input: &Path, out: &Path, jobs: Option<usize>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aws2azure"));
    cmd.arg("convert").arg(input).arg("-o").arg(out).arg("-q");
    if let Some(j) = jobs {
        cmd.args(["--jobs", &j.to_string()]);
    }
    cmd.env("AWS2AZURE_TIMINGS", "1");
    let t = Instant::now();
    let output = cmd.output().expect("run aws2azure");
    let wall = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The last timing line: `timing: … peak N MB …`.
    let peak_mb = stderr
        .lines()
        .filter(|l| l.starts_with("timing:"))
        .filter_map(|l| {
            let after = l.split("peak").nth(1)?;
            after.split_whitespace().next()?.parse().ok()
        })
        .max()
        .unwrap_or(0);
    Run { wall, peak_mb }
}

/// The files of `from` under `to`: hard links where the file system allows them (the
/// copies need no space), copies otherwise.
fn link_tree(from: &Path, to: &PathBuf) {
    std::fs::create_dir_all(to).expect("create a copy folder");
    for e in std::fs::read_dir(from).expect("read the corpus").flatten() {
        let Ok(t) = e.file_type() else { continue };
        let target = to.join(e.file_name());
        if t.is_dir() {
            link_tree(&e.path(), &target);
        } else if t.is_file() && std::fs::hard_link(e.path(), &target).is_err() {
            std::fs::copy(e.path(), &target).expect("copy a corpus file");
        }
    }
}
