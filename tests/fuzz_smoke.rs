//! The fuzz targets' entry points (`aws2azure::fuzzing`) on the stable toolchain: the
//! fixtures mutated by a deterministic xorshift mutator (byte flips, CloudFormation and
//! HCL tokens inserted, ranges cut, repeated or spliced from another seed). Each entry
//! point panics on a library panic, an error without a location, a span outside its
//! file, or generated Terraform (or Bicep) that does not parse.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use aws2azure::fuzzing;

/// xorshift64*: the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "Fn::Sub",
    "!Sub ",
    "!Ref ",
    "!GetAtt ",
    "Fn::GetAtt",
    "Fn::Join",
    "Fn::If",
    "Ref",
    "${",
    "${!",
    "}",
    "&a ",
    "*a",
    ": ",
    "- ",
    "\n",
    "\t",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "|\n",
    ">-\n",
    "---\n",
    "\\u00e9",
    "\\ud800",
    "é",
    "🦀",
    "\u{feff}",
    "\0",
    "\r\n",
    "%{",
    "%{ if x }",
    "%{ endif }",
    "~}",
    "<<EOT\n",
    "<<-EOT\n",
    "\nEOT\n",
    "$${",
    "var.",
    "local.",
    "each.key",
    "count.index",
    "[*]",
    " = ",
    "resource ",
    "module ",
    "dynamic ",
    "for_each",
    "AWS::S3::Bucket",
    "aws_s3_bucket",
    "9223372036854775807",
    "1e400",
    "-0",
    "null",
    "true",
];

/// One mutation of `data` (sometimes several stacked).
fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(d.len() + 1);
        match rng.below(7) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 | 2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                d.splice(at..at, t.iter().copied());
            }
            3 => {
                let end = (at + rng.below(64)).min(d.len());
                d.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(32)).min(d.len());
                let piece = d[at..end].to_vec();
                d.splice(at..at, piece);
            }
            5 if !other.is_empty() => {
                let s = rng.below(other.len());
                let e = (s + rng.below(200)).min(other.len());
                d.splice(at..at, other[s..e].iter().copied());
            }
            _ => d.truncate(at),
        }
    }
    d.truncate(65536);
    d
}

fn read_seeds(pattern: &dyn Fn(&Path) -> bool) -> Vec<Vec<u8>> {
    let root = common::root().join("fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if pattern(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn ext(p: &Path, e: &str) -> bool {
    p.extension().is_some_and(|x| x == e)
}

/// Runs `target` on every seed, then `iterations` mutants; reports the first failure.
fn drive(name: &str, seeds: &[Vec<u8>], iterations: usize, target: &dyn Fn(&[u8])) {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    let run = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            let dir = common::root().join("target/fuzz-smoke");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{name}-failure"));
            let _ = std::fs::write(&path, input);
            panic!(
                "{name}: failed on the input saved in {} ({} bytes):\n{}",
                path.display(),
                input.len(),
                String::from_utf8_lossy(input)
            );
        }
    };
    for s in seeds {
        run(s);
    }
    for _ in 0..iterations {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        let m = mutate(&mut rng, a, b);
        run(&m);
    }
}

fn yaml_and_json() -> Vec<Vec<u8>> {
    read_seeds(&|p| {
        p.file_name()
            .is_some_and(|n| n == "template.yaml" || n == "template.json")
    })
}

fn tf_seeds() -> Vec<Vec<u8>> {
    read_seeds(&|p| ext(p, "tf") || ext(p, "tfvars"))
}

/// Short strings around `${`: the Sub and template grammars' seeds.
fn interpolations(seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for s in seeds {
        for line in String::from_utf8_lossy(s).lines() {
            if line.contains("${") || line.contains("%{") {
                out.push(line.trim().as_bytes().to_vec());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A fuzz target's entry point.
type Target<'a> = &'a dyn Fn(&[u8]);

/// The inputs under `fuzz/regressions/<target>/`, in name order.
fn findings(target: &str) -> Vec<Vec<u8>> {
    let dir = common::root().join("fuzz/regressions").join(target);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Inputs a fuzz target once failed on (`fuzz/regressions/<target>/`), each run again.
#[test]
fn fuzz_findings_stay_fixed() {
    let check = |b: &str| common::bicep_syntax_error(b);
    let pipeline = |d: &[u8]| fuzzing::pipeline(d, Some(&check));
    let targets: [(&str, Target); 6] = [
        ("cfn_json", &fuzzing::cfn_json),
        ("cfn_yaml", &fuzzing::cfn_yaml),
        ("terraform", &fuzzing::terraform),
        ("fn_sub", &fuzzing::fn_sub),
        ("tf_template", &fuzzing::tf_template),
        ("pipeline", &pipeline),
    ];
    let mut ran = 0;
    for (name, target) in targets {
        for (k, data) in findings(name).iter().enumerate() {
            if catch_unwind(AssertUnwindSafe(|| target(data))).is_err() {
                panic!("{name}: finding {k} fails again");
            }
            ran += 1;
        }
    }
    assert!(ran > 0, "no inputs under fuzz/regressions");
}

#[test]
fn json_reader() {
    let seeds = read_seeds(&|p| ext(p, "json") && p.ends_with("template.json"));
    drive("cfn_json", &seeds, 3000, &fuzzing::cfn_json);
}

#[test]
fn yaml_reader() {
    let seeds = read_seeds(&|p| p.ends_with("template.yaml"));
    drive("cfn_yaml", &seeds, 3000, &fuzzing::cfn_yaml);
}

#[test]
fn terraform_reader() {
    drive("terraform", &tf_seeds(), 2000, &fuzzing::terraform);
}

#[test]
fn sub_grammar() {
    let seeds = interpolations(&yaml_and_json());
    drive("fn_sub", &seeds, 2000, &fuzzing::fn_sub);
}

#[test]
fn template_grammar() {
    let seeds = interpolations(&tf_seeds());
    drive("tf_template", &seeds, 3000, &fuzzing::tf_template);
}

#[test]
fn whole_pipeline() {
    let mut seeds = yaml_and_json();
    seeds.extend(tf_seeds());
    let check = |b: &str| common::bicep_syntax_error(b);
    drive("pipeline", &seeds, 600, &|d| {
        fuzzing::pipeline(d, Some(&check))
    });
}
