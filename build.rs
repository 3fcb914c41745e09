//! Embeds every `mappings/**/*.yaml`, sorted, so a new table needs no Rust edit.

use std::path::Path;

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=mappings");
    // Read at run time: `env!` would keep the folder the build script was compiled in
    // (another worktree's, when a target folder is copied or shared).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest_dir);
    let mut files = Vec::new();
    collect(&root.join("mappings"), &mut files);
    files.sort();
    let mut code = String::from(
        "/// Embedded mapping tables: (path relative to the crate, contents).\npub const EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(&format!("{}/", root.to_string_lossy().replace('\\', "/")))
            .unwrap_or(f);
        code.push_str(&format!("    ({rel:?}, include_str!({f:?})),\n"));
        println!("cargo:rerun-if-changed={f}");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_mappings.rs");
    std::fs::write(out, code).unwrap();
}
