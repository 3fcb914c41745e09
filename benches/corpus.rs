//! Conversion throughput over the corpus in `../shared/corpus`, one thread: the
//! CloudFormation templates (to Bicep) and the Terraform modules (to Terraform and to
//! Bicep), in templates or modules per second and MB/s. Run: `cargo bench --bench corpus`.

use std::sync::Arc;
use std::time::Instant;

use aws2azure::run::Tables;
use aws2azure::run::{Target, convert_file, convert_module};
use aws2azure::source::SourceMap;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        eprintln!("notice: ../shared/corpus not found; benchmark skipped");
        return;
    };
    let mut inputs = Vec::new();
    // Terraform modules: folder → files (path, text).
    let mut modules: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(4) == Some(&"tf")
            && let Ok(b) = std::fs::read(root.join(cols[0]))
        {
            let dir = cols[0].rsplit_once('/').map_or("", |(d, _)| d).to_string();
            modules.entry(dir).or_default().push((
                cols[0].to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            ));
        }
    }
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(4) == Some(&"cfn")
            && let Ok(b) = std::fs::read(root.join(cols[0]))
        {
            inputs.push((
                cols[0].to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            ));
        }
    }
    let bytes: usize = inputs.iter().map(|(_, t)| t.len()).sum();
    let iterations = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut best = f64::MAX;
    let mut table_ms = f64::MAX;
    for _ in 0..iterations {
        let mut sources = SourceMap::default();
        let load = Instant::now();
        let (tables, _) = Tables::load(&mut sources, None);
        let load_ms = load.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        let mut out_bytes = 0;
        for (path, text) in &inputs {
            let id = sources.add(path.clone(), Arc::from(text.as_str()));
            let c = convert_file(&sources, id, &tables, "main.bicep");
            out_bytes += c.bicep.map_or(0, |b| b.len());
        }
        std::hint::black_box(out_bytes);
        best = best.min(start.elapsed().as_secs_f64());
        table_ms = table_ms.min(load_ms);
    }
    println!("tables: embedded mapping tables load in {table_ms:.1} ms");
    let tf_bytes: usize = modules.values().flatten().map(|(_, t)| t.len()).sum();
    for (target, label) in [(Target::Terraform, "Terraform"), (Target::Bicep, "Bicep")] {
        let mut best_tf = f64::MAX;
        let mut written = 0;
        for _ in 0..iterations {
            let mut sources = SourceMap::default();
            let (tables, _) = Tables::load(&mut sources, None);
            let start = Instant::now();
            written = 0;
            for (dir, files) in &modules {
                let ids: Vec<_> = files
                    .iter()
                    .map(|(p, t)| sources.add(p.clone(), Arc::from(t.as_str())))
                    .collect();
                let c = convert_module(
                    &sources,
                    &ids,
                    &[],
                    dir,
                    None,
                    &tables,
                    dir,
                    target,
                    &Default::default(),
                );
                written += c.files.iter().map(|(_, t)| t.len()).sum::<usize>();
            }
            std::hint::black_box(written);
            best_tf = best_tf.min(start.elapsed().as_secs_f64());
        }
        println!(
            "corpus: {} Terraform modules ({} .tf files), {:.2} MB → {label} ({:.2} MB) in {:.1} ms (best of {iterations}): {:.0} modules/s, {:.1} MB/s",
            modules.len(),
            modules.values().map(Vec::len).sum::<usize>(),
            tf_bytes as f64 / 1e6,
            written as f64 / 1e6,
            best_tf * 1e3,
            modules.len() as f64 / best_tf,
            tf_bytes as f64 / 1e6 / best_tf
        );
    }
    println!(
        "corpus: {} templates, {:.2} MB in {:.1} ms (best of {iterations}): {:.0} templates/s, {:.1} MB/s",
        inputs.len(),
        bytes as f64 / 1e6,
        best * 1e3,
        inputs.len() as f64 / best,
        bytes as f64 / 1e6 / best
    );
}
