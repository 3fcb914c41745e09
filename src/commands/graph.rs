//! `aws2azure graph PATH…`: converts in memory (nothing is written) and prints the
//! resource graph of the inputs — the AWS one (logical ids or Terraform addresses,
//! edges for `Ref`, `GetAtt`, `DependsOn` and Terraform references) or, with
//! `--azure`, the Azure one (symbols and ARM types, edges for references) — as
//! Mermaid, Graphviz DOT or JSON.

use std::path::PathBuf;

use super::Printed;
use crate::report::diagram::{self, Drawing, Graph};

/// Mermaid's default `maxEdges`: a renderer refuses a larger flowchart.
const MERMAID_MAX_EDGES: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}

/// `graph PATH…`: the whole graph, uncapped, on stdout; diagnostics on stderr.
pub fn graph(
    paths: Vec<PathBuf>,
    mappings: Option<PathBuf>,
    to: Option<crate::run::Target>,
    azure: bool,
    format: GraphFormat,
) -> Printed {
    let super::DryRun {
        report,
        errors,
        exit_code,
    } = match super::dry_run("graph", paths, mappings, to) {
        Ok(r) => r,
        Err(printed) => return printed,
    };
    let report = &report;
    let stacks: Vec<(&str, &Graph)> = report
        .stacks
        .iter()
        .filter(|s| s.output.is_some() || (!azure && !s.graphs.aws.nodes.is_empty()))
        .map(|s| {
            (
                s.source.as_str(),
                if azure {
                    &s.graphs.azure
                } else {
                    &s.graphs.aws
                },
            )
        })
        .collect();
    let stdout = match format {
        GraphFormat::Json => diagram::json(&stacks),
        GraphFormat::Dot => diagram::dot(&stacks),
        GraphFormat::Mermaid => {
            let several = stacks.len() > 1;
            let drawings: Vec<Drawing> = stacks
                .iter()
                .map(|(s, g)| Drawing {
                    stack: several.then_some(*s),
                    graph: g,
                    cap: None,
                })
                .collect();
            diagram::mermaid(&drawings, "LR")
        }
    };
    let mut stderr = errors;
    let edges: usize = stacks.iter().map(|(_, g)| g.edges.len()).sum();
    if format == GraphFormat::Mermaid && edges > MERMAID_MAX_EDGES {
        stderr.push(format!(
            "note: {edges} edges: Mermaid renderers draw at most {MERMAID_MAX_EDGES} by default (maxEdges); use --format dot for a graph this large"
        ));
    }
    Printed {
        stdout,
        stderr,
        exit_code,
    }
}
