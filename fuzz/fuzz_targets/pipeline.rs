//! The whole pipeline: bytes as a CloudFormation template and as a Terraform module,
//! each converted to Bicep and to Terraform with the report; generated Bicep must parse.
#![no_main]

use std::cell::RefCell;

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new({
        let mut p = tree_sitter::Parser::new();
        p.set_language(&tree_sitter_bicep::LANGUAGE.into())
            .expect("bicep grammar");
        p
    });
}

/// The first syntax error tree-sitter-bicep finds, if any.
fn bicep_error(text: &str) -> Option<String> {
    PARSER.with(|p| {
        let tree = p.borrow_mut().parse(text, None)?;
        let root = tree.root_node();
        if !root.has_error() {
            return None;
        }
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if n.is_error() || n.is_missing() {
                let at = n.start_position();
                return Some(format!("line {}, column {}: {}", at.row + 1, at.column + 1, n.kind()));
            }
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
        Some("syntax error".into())
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| aws2azure::fuzzing::pipeline(data, Some(&bicep_error)));
