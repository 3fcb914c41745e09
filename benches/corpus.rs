//! Conversion throughput over the CloudFormation corpus in `../shared/corpus`
//! (templates/s and MB/s, one thread). Run: `cargo bench --bench corpus`.

use std::sync::Arc;
use std::time::Instant;

use aws2azure::mapping::table;
use aws2azure::run::convert_file;
use aws2azure::source::SourceMap;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        eprintln!("notice: ../shared/corpus not found; benchmark skipped");
        return;
    };
    let mut inputs = Vec::new();
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
        let (tables, _) = table::load(&mut sources, None);
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
    println!(
        "corpus: {} templates, {:.2} MB in {:.1} ms (best of {iterations}): {:.0} templates/s, {:.1} MB/s",
        inputs.len(),
        bytes as f64 / 1e6,
        best * 1e3,
        inputs.len() as f64 / best,
        bytes as f64 / 1e6 / best
    );
}
