//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use aws2azure::run::{Options, Outcome, Target, plan};

pub mod tf_types;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Converts `paths` in memory (nothing is written), like for like.
pub fn convert(paths: &[&Path]) -> Outcome {
    convert_to(paths, None)
}

/// Converts `paths` in memory into the given language (`None`: like for like).
pub fn convert_to(paths: &[&Path], to: Option<Target>) -> Outcome {
    plan(&Options {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        out: std::env::temp_dir().join("aws2azure-test-unused"),
        mappings: None,
        config: None,
        force: false,
        to,
    })
}

/// The fixture folders, in name order.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Parses Bicep with the tree-sitter grammar; returns the first syntax error.
pub fn bicep_syntax_error(text: &str) -> Option<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .expect("bicep grammar");
    let tree = parser.parse(text, None)?;
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let p = n.start_position();
            return Some(format!(
                "line {}, column {}: {}",
                p.row + 1,
                p.column + 1,
                n.kind()
            ));
        }
        for c in n.children(&mut cursor) {
            stack.push(c);
        }
    }
    Some("syntax error".into())
}

/// The shared corpus beside the project, if present.
pub fn corpus() -> Option<PathBuf> {
    let c = root().join("../shared/corpus");
    c.join("MANIFEST.tsv").exists().then_some(c)
}
