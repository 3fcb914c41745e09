//! Cross-stack references between the CloudFormation templates of one run: an output
//! with an `Export` in one template and an `Fn::ImportValue` of that name in another.
//!
//! Azure has no export registry: the importing template keeps a parameter for the value,
//! and the run says which template's output feeds it (its description, the report's
//! table of values from other templates, and the deployment order). Export names are
//! usually built from a stack name (`${AWS::StackName}-VpcId` in the producer,
//! `${NetworkStack}-VpcId` in the consumer, where `NetworkStack` is a parameter): names are
//! compared by their literal parts, each variable part standing for any text.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Template;
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::model::nested::ImportSource;

/// One part of an export name: literal text, or a value known at deployment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Lit(String),
    Var(String),
}

/// The parts of an export name written as a string, `Fn::Sub` or `Fn::Join` of literals
/// and references (`None` for other forms).
fn parts(e: &Expr) -> Option<Vec<Part>> {
    let var = |e: &Expr| match &e.kind {
        ExprKind::Ref(r) => Some(Part::Var(r.clone())),
        ExprKind::Str(s) => Some(Part::Lit(s.clone())),
        _ => None,
    };
    let raw: Vec<Part> = match &e.kind {
        ExprKind::Str(s) => vec![Part::Lit(s.clone())],
        ExprKind::Sub(ps) => ps
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => Some(Part::Lit(l.clone())),
                SubPart::Expr(x) => var(x),
            })
            .collect::<Option<Vec<_>>>()?,
        ExprKind::Join { sep, items } => {
            let sep = sep.literal_text()?;
            let mut out = Vec::new();
            for (k, it) in items.as_list()?.iter().enumerate() {
                if k > 0 && !sep.is_empty() {
                    out.push(Part::Lit(sep.clone()));
                }
                out.push(var(it)?);
            }
            out
        }
        _ => return None,
    };
    // Adjacent literals as one.
    let mut out: Vec<Part> = Vec::new();
    for p in raw {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    Some(out)
}

/// The name with each variable part as `*`.
fn skeleton(p: &[Part]) -> String {
    p.iter()
        .map(|x| match x {
            Part::Lit(s) => s.as_str(),
            Part::Var(_) => "*",
        })
        .collect()
}

/// Does the literal `text` match the pattern (variables match any non-empty text)?
fn glob(p: &[Part], text: &str) -> bool {
    match p.split_first() {
        None => text.is_empty(),
        Some((Part::Lit(l), rest)) => text.strip_prefix(l.as_str()).is_some_and(|t| glob(rest, t)),
        Some((Part::Var(_), rest)) => (1..=text.len())
            .filter(|k| text.is_char_boundary(*k))
            .any(|k| glob(rest, &text[k..])),
    }
}

/// Does export name `export` serve import name `import`?
fn serves(export: &[Part], import: &[Part]) -> bool {
    if skeleton(export) == skeleton(import) {
        return true;
    }
    match import {
        [Part::Lit(text)] => glob(export, text),
        _ => false,
    }
}

/// The label the mapping gives an import of name `x` (see `mapping::exprs`).
pub fn label(x: &Expr) -> String {
    crate::mapping::import_label(x)
}

/// Every `Fn::ImportValue` name of template `t`: (label, parts).
fn imports(t: &Template) -> Vec<(String, Vec<Part>)> {
    let mut out: Vec<(String, Vec<Part>)> = Vec::new();
    let mut look = |e: &Expr| {
        e.walk(&mut |x| {
            if let ExprKind::ImportValue(name) = &x.kind
                && let Some(p) = parts(name)
            {
                let l = label(name);
                if !out.iter().any(|(k, _)| *k == l) {
                    out.push((l, p));
                }
            }
        })
    };
    t.resources.iter().for_each(|r| look(&r.properties));
    t.outputs.iter().for_each(|o| look(&o.value));
    t.conditions.iter().for_each(|c| look(&c.value));
    out
}

/// An export of a template of the run.
struct Export {
    template: usize,
    output: String,
    parts: Vec<Part>,
    label: String,
}

/// For each template (by index), the imports that a template of the run exports:
/// import label → the exporting template and output, or the candidates when several
/// could. `files[i]` names template `i` as the report does, `ext(i)` its file extension.
pub fn resolve(templates: &[Option<&Template>], files: &[String]) -> Vec<BTreeMap<String, Match>> {
    let mut exports: Vec<Export> = Vec::new();
    for (i, t) in templates.iter().enumerate() {
        let Some(t) = t else { continue };
        for o in &t.outputs {
            if let Some(p) = o.export.as_ref().and_then(parts) {
                exports.push(Export {
                    template: i,
                    output: o.name.clone(),
                    label: o.export.as_ref().map(label).unwrap_or_default(),
                    parts: p,
                });
            }
        }
    }
    let ext = |i: usize| files[i].rsplit_once('.').map(|(_, e)| e.to_string());
    let mut out = vec![BTreeMap::new(); templates.len()];
    for (i, t) in templates.iter().enumerate() {
        let Some(t) = t else { continue };
        let wanted = imports(t);
        for (l, p) in &wanted {
            let mut candidates: BTreeSet<usize> = exports
                .iter()
                .filter(|e| e.template != i && serves(&e.parts, p))
                .map(|e| e.template)
                .collect();
            // A consumer names its producer through one variable (a stack-name
            // parameter): the producer exports every name built from the same variables.
            let vars: BTreeSet<&Part> = p.iter().filter(|x| matches!(x, Part::Var(_))).collect();
            if candidates.len() > 1 && !vars.is_empty() {
                let siblings: Vec<&Vec<Part>> = wanted
                    .iter()
                    .filter(|(_, q)| {
                        q.iter()
                            .filter(|x| matches!(x, Part::Var(_)))
                            .collect::<BTreeSet<_>>()
                            == vars
                    })
                    .map(|(_, q)| q)
                    .collect();
                let all: BTreeSet<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|c| {
                        siblings.iter().all(|q| {
                            exports
                                .iter()
                                .any(|e| e.template == *c && serves(&e.parts, q))
                        })
                    })
                    .collect();
                if !all.is_empty() {
                    candidates = all;
                }
            }
            // The same source format (a YAML consumer with the YAML producer of a
            // template published in both forms).
            if candidates.len() > 1 {
                let same: BTreeSet<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|c| ext(*c) == ext(i))
                    .collect();
                if !same.is_empty() {
                    candidates = same;
                }
            }
            let m = match candidates.len() {
                0 => continue,
                1 => {
                    let c = *candidates.iter().next().unwrap_or(&0);
                    let e = exports
                        .iter()
                        .find(|e| e.template == c && serves(&e.parts, p));
                    match e {
                        Some(e) => Match::One {
                            template: c,
                            output: e.output.clone(),
                            export: e.label.clone(),
                        },
                        None => continue,
                    }
                }
                _ => Match::Several(candidates.into_iter().collect()),
            };
            out[i].insert(l.clone(), m);
        }
    }
    out
}

/// What an import of one template matched.
#[derive(Clone, Debug, PartialEq)]
pub enum Match {
    /// One template of the run exports it: its index, output name and export label.
    One {
        template: usize,
        output: String,
        export: String,
    },
    /// Several could: their indexes.
    Several(Vec<usize>),
}

/// The templates each template imports from (its producers), for the conversion order.
pub fn producers(matches: &[BTreeMap<String, Match>]) -> Vec<BTreeSet<usize>> {
    matches
        .iter()
        .map(|m| {
            m.values()
                .filter_map(|x| match x {
                    Match::One { template, .. } => Some(*template),
                    Match::Several(_) => None,
                })
                .collect()
        })
        .collect()
}

/// The import sources template `i` gets, once its producers are converted: the output
/// names of a producer come from its converted interface when there is one.
pub fn sources(
    matches: &BTreeMap<String, Match>,
    files: &[String],
    folders: &[String],
    own_folder: &str,
    interfaces: &[Option<crate::model::nested::ChildInterface>],
    terraform: bool,
) -> BTreeMap<String, ImportSource> {
    matches
        .iter()
        .map(|(label, m)| {
            let src = match m {
                Match::One {
                    template,
                    output,
                    export,
                } => {
                    let converted = interfaces[*template]
                        .as_ref()
                        .and_then(|ci| ci.outputs.iter().find(|o| o.cfn == *output));
                    let name = match (converted, terraform) {
                        (Some(o), false) => o.name.clone(),
                        (Some(o), true) => o.tf_name.clone(),
                        (None, false) => crate::names::lower_camel(output),
                        (None, true) => crate::names::snake(output),
                    };
                    ImportSource::Output {
                        file: files[*template].clone(),
                        folder: crate::nesting::relative_folder(own_folder, &folders[*template]),
                        output: output.clone(),
                        name,
                        export: export.clone(),
                    }
                }
                Match::Several(ts) => ImportSource::Several {
                    files: ts.iter().map(|t| files[*t].clone()).collect(),
                },
            };
            (label.clone(), src)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Lit(s.into())
    }
    fn var(s: &str) -> Part {
        Part::Var(s.into())
    }

    #[test]
    fn names_match_by_their_literal_parts() {
        let export = vec![var("AWS::StackName"), lit(":ClusterName")];
        assert!(serves(&export, &[var("StackName"), lit(":ClusterName")]));
        assert!(serves(&export, &[lit("production:ClusterName")]));
        assert!(!serves(&export, &[var("StackName"), lit(":VPCId")]));
        assert!(!serves(&export, &[lit(":ClusterName")]));
        assert!(serves(&[lit("shared-vpc")], &[lit("shared-vpc")]));
        assert!(!serves(&[lit("shared-vpc")], &[lit("shared-vpc2")]));
    }
}
