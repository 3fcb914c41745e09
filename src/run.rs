//! One run of `aws2azure convert`: discover, convert each template, write OUT.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diag::{Diagnostic, codes, render};
use crate::discover;
use crate::frontend::cfn;
use crate::mapping::{self, Tables};
use crate::model::graph;
use crate::report::{self, *};
use crate::source::{FileId, SourceMap};

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub out: PathBuf,
    pub mappings: Option<PathBuf>,
    pub force: bool,
}

pub struct Outcome {
    pub exit_code: i32,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub report: Option<Report>,
    /// Generated files, relative to OUT.
    pub files: Vec<(String, String)>,
}

impl Outcome {
    pub fn rendered(&self, color: bool) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| render(d, &self.sources, color))
            .collect()
    }

    pub fn summary_line(&self) -> String {
        match &self.report {
            Some(r) => format!(
                "aws2azure: {} template(s) converted, {} with errors, {} file(s) skipped; {} resources ({} translated, {} partial, {} not needed, {} manual); {} decisions",
                r.summary.converted,
                r.summary.failed,
                r.summary.skipped_files,
                r.summary.resources,
                r.summary.translated,
                r.summary.partial,
                r.summary.not_needed,
                r.summary.manual,
                r.summary.decisions
            ),
            None => "aws2azure: nothing written".into(),
        }
    }
}

/// A template converted in memory.
pub struct Converted {
    pub stack: StackOut,
    pub bicep: Option<String>,
    pub decisions: Vec<crate::azure::Decision>,
    pub diagnostics: Vec<Diagnostic>,
    pub used_types: std::collections::BTreeSet<String>,
}

/// Converts one registered file. `output` is the Bicep path relative to OUT.
pub fn convert_file(sources: &SourceMap, file: FileId, tables: &Tables, output: &str) -> Converted {
    let parsed = cfn::parse(sources, file);
    let mut diagnostics = parsed.diagnostics;
    let source = sources.get(file).path.clone();
    let empty = |errors| StackOut {
        source: source.clone(),
        format: "cloudformation".into(),
        output: None,
        outputs: Vec::new(),
        resources: Vec::new(),
        decommission: Vec::new(),
        deployment: Vec::new(),
        data_stores: Vec::new(),
        kpis: Vec::new(),
        parameters: Vec::new(),
        errors,
        template_items: Vec::new(),
    };
    let Some(t) = parsed.template else {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        return Converted {
            stack: empty(errors),
            bicep: None,
            decisions: Vec::new(),
            diagnostics,
            used_types: Default::default(),
        };
    };
    let g = graph::build(&t, &mut diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mapped = mapping::map_template(&t, tables, sources);
    diagnostics.extend(mapped.diagnostics);
    let file_path = &sources.get(file).path;
    let resources = mapped
        .resources
        .iter()
        .map(|r| ResourceOut {
            id: r.id.clone(),
            ty: r.ty.clone(),
            file: file_path.clone(),
            line: r.line,
            status: r.status.clone(),
            service: r.service.clone(),
            azure: r
                .azure
                .iter()
                .map(|(ty, name)| AzureRef {
                    ty: ty.clone(),
                    name: name.clone(),
                })
                .collect(),
            decisions: r.decisions.clone(),
            implicit: r.implicit,
            rules: r
                .decisions
                .iter()
                .map(|d| d.split(':').next().unwrap_or(d).to_string())
                .collect(),
        })
        .collect();
    let ids = |waves: Vec<Vec<usize>>| -> Vec<Vec<String>> {
        waves
            .into_iter()
            .map(|w| w.into_iter().map(|i| t.resources[i].id.clone()).collect())
            .collect()
    };
    let decommission: Vec<Vec<String>> = ids(g.decommission_waves())
        .into_iter()
        .map(|w| {
            w.into_iter()
                .map(|id| match report::decommission_note(&t, &id) {
                    Some(n) => format!("{id} ({n})"),
                    None => id,
                })
                .collect()
        })
        .collect();
    let deployment = ids(g.deployment_waves());
    let parameters = mapped
        .module
        .params
        .iter()
        .filter(|p| p.default.is_none())
        .map(|p| ParamOut {
            stack: source.clone(),
            name: p.name.clone(),
            ty: p.ty.clone(),
            secure: p.secure,
            reason: p
                .required_reason
                .clone()
                .unwrap_or_else(|| "no default".into()),
        })
        .collect();
    let stack = StackOut {
        source: source.clone(),
        format: t.format.name().into(),
        output: (errors == 0).then(|| output.to_string()),
        outputs: mapped
            .module
            .outputs
            .iter()
            .map(|o| o.name.clone())
            .collect(),
        resources,
        decommission,
        deployment,
        data_stores: report::data_stores(&t, sources, &|id: &str, ty: &str| {
            let r = mapped.resources.iter().find(|r| r.id == id)?;
            let (_, sym) = r.azure.iter().find(|(t, _)| t == ty)?;
            let res = mapped.module.resources.iter().find(|m| &m.symbol == sym)?;
            Some(command_text(&res.name))
        }),
        kpis: report::kpis(&t, tables),
        parameters,
        errors,
        template_items: template_items(&t, sources, &mapped.module),
    };
    let bicep = (errors == 0).then(|| crate::backend::bicep::print_module(&mapped.module));
    Converted {
        stack,
        bicep,
        decisions: mapped.decisions,
        diagnostics,
        used_types: mapped.used_types,
    }
}

/// Parameters, Mappings, Conditions and Outputs with their lines and what they became.
fn template_items(
    t: &crate::model::Template,
    sources: &SourceMap,
    m: &crate::azure::AzModule,
) -> Vec<String> {
    let line = |name: &str| {
        t.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| sources.locate(*s).1)
    };
    let mut out = Vec::new();
    let mut item = |name: &str, n: usize, became: String| {
        if n > 0
            && let Some(l) = line(name)
        {
            out.push(format!("`{name}` (line {l}): {n} → {became}"));
        }
    };
    let secure = t.parameters.iter().filter(|p| p.no_echo).count();
    let kept = m
        .params
        .iter()
        .filter(|p| {
            t.parameters
                .iter()
                .any(|q| crate::mapping::names::lower_camel(&q.name) == p.name)
        })
        .count();
    item(
        "Parameters",
        t.parameters.len(),
        format!("`param`s ({kept} kept, {secure} `@secure()`; the rest had no use in Azure)"),
    );
    item(
        "Mappings",
        t.mappings.len(),
        "`var` objects (or lookups translated for Azure)".into(),
    );
    item(
        "Conditions",
        t.conditions.len(),
        "boolean `var`s and `if (…)` on resources".into(),
    );
    let exported = t.outputs.iter().filter(|o| o.export.is_some()).count();
    item(
        "Outputs",
        t.outputs.len(),
        format!("`output`s ({exported} were exports)"),
    );
    out
}

/// A Bicep name expression as command-line text: `'uploads${nameSuffix}'` → `uploads<nameSuffix>`.
fn command_text(e: &crate::azure::AzExpr) -> String {
    use crate::azure::{AzExpr, Interp};
    match e {
        AzExpr::Str(s) => s.clone(),
        AzExpr::Interp(parts) => parts
            .iter()
            .map(|p| match p {
                Interp::Lit(l) => l.clone(),
                Interp::Expr(x) => format!("<{}>", crate::backend::bicep::print_expr(x)),
            })
            .collect(),
        other => format!("<{}>", crate::backend::bicep::print_expr(other)),
    }
}

fn diag_out(d: &Diagnostic, sources: &SourceMap) -> DiagOut {
    let (file, line, column) = match d.span {
        Some(s) => {
            let (f, l, c) = sources.locate(s);
            (f.to_string(), l, c)
        }
        None => (String::new(), 0, 0),
    };
    DiagOut {
        code: d.code.id.into(),
        severity: d.severity.name().into(),
        file,
        line,
        column,
        message: d.message.clone(),
    }
}

/// Builds the run report from converted templates.
pub fn build_report(
    converted: &[Converted],
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    skipped: usize,
) -> Report {
    let mut decisions: Vec<DecisionOut> = converted
        .iter()
        .flat_map(|c| c.decisions.iter())
        .map(|d| DecisionOut {
            id: d.id.clone(),
            rule: d.rule.clone(),
            title: d.title.clone(),
            context: d.context.clone(),
            decision: d.decision.clone(),
            consequences: d.consequences.clone(),
            high_risk: report::HIGH_RISK_RULES.contains(&d.rule.as_str()),
            resources: d
                .resources
                .iter()
                .map(|a| format!("{} ({}:{})", a.id, a.file, a.line))
                .collect(),
        })
        .collect();
    decisions.sort_by(|a, b| a.id.cmp(&b.id));
    let stacks: Vec<StackOut> = converted.iter().map(|c| c.stack.clone()).collect();
    let mut s = Summary {
        templates: stacks.len(),
        skipped_files: skipped,
        ..Default::default()
    };
    for st in &stacks {
        if st.errors > 0 {
            s.failed += 1;
        } else {
            s.converted += 1;
        }
        for r in &st.resources {
            s.resources += 1;
            s.azure_resources += r.azure.len();
            match r.status.as_str() {
                "translated" => s.translated += 1,
                "partial" => s.partial += 1,
                "not-needed" => s.not_needed += 1,
                _ => s.manual += 1,
            }
        }
    }
    let covered = s.translated + s.partial + s.not_needed;
    s.coverage = if s.resources == 0 {
        "100".into()
    } else {
        format!("{:.1}", covered as f64 * 100.0 / s.resources as f64)
    };
    s.decisions = decisions.len();
    s.errors = diagnostics.iter().filter(|d| d.is_error()).count();
    s.warnings = diagnostics.len() - s.errors;
    let parameters = stacks
        .iter()
        .flat_map(|st| st.parameters.iter().cloned())
        .collect();
    Report {
        version: 1,
        summary: s,
        stacks,
        decisions,
        diagnostics: diagnostics.iter().map(|d| diag_out(d, sources)).collect(),
        parameters,
    }
}

fn usage(
    code: crate::diag::Code,
    msg: String,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
) -> Outcome {
    let mut diagnostics = diagnostics;
    diagnostics.push(Diagnostic::global(code, msg));
    Outcome {
        exit_code: 2,
        diagnostics,
        sources,
        report: None,
        files: Vec::new(),
    }
}

/// Runs a whole conversion and writes OUT (unless it holds foreign files).
pub fn run(opts: &Options) -> Outcome {
    let mut outcome = plan(opts);
    if outcome.exit_code == 2 || outcome.report.is_none() {
        return outcome;
    }
    if !opts.force {
        let foreign = crate::output::foreign_files(&opts.out);
        if !foreign.is_empty() {
            let list = foreign
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            outcome.diagnostics.push(
                Diagnostic::global(
                    codes::OUT_FOREIGN,
                    format!(
                        "{} holds {} file(s) aws2azure did not write ({list}); nothing was written",
                        opts.out.display(),
                        foreign.len()
                    ),
                )
                .help("choose an empty output folder, or pass --force to overwrite"),
            );
            outcome.exit_code = 1;
            outcome.report = None;
            return outcome;
        }
    }
    if let Err(e) = crate::output::write_all(&opts.out, &outcome.files) {
        outcome.diagnostics.push(Diagnostic::global(
            codes::IO_WRITE,
            format!("cannot write {}: {e}", opts.out.display()),
        ));
        outcome.exit_code = 1;
    }
    outcome
}

/// Everything except writing: the files a run would write, in memory.
pub fn plan(opts: &Options) -> Outcome {
    let mut sources = SourceMap::default();
    let (tables, table_diags) = crate::mapping::table::load(&mut sources, opts.mappings.as_deref());
    if table_diags.iter().any(|d| d.is_error()) {
        return Outcome {
            exit_code: 2,
            diagnostics: table_diags,
            sources,
            report: None,
            files: Vec::new(),
        };
    }
    let mut diagnostics = table_diags;
    let (found, missing) = discover::walk(&opts.paths, Some(&opts.out));
    if !missing.is_empty() {
        return usage(
            codes::USAGE_PATH,
            format!("no such file or folder: {}", missing.join(", ")),
            sources,
            diagnostics,
        );
    }
    let mut templates: Vec<(FileId, String)> = Vec::new();
    let mut skipped = 0;
    for f in found {
        let text = match std::fs::read(&f.path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                diagnostics.push(Diagnostic::global(
                    codes::IO_READ,
                    format!("cannot read {}: {e}", f.path.display()),
                ));
                continue;
            }
        };
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text);
        let id = sources.add(f.rel.clone(), Arc::from(text.as_str()));
        let is_template = match cfn::parse_node(&sources, id) {
            Ok((node, _)) => looks_like_template(&node),
            Err(_) => discover::mentions_cloudformation(&text),
        };
        if is_template || f.explicit {
            templates.push((id, f.rel));
        } else {
            skipped += 1;
        }
    }
    if templates.is_empty() {
        return usage(
            codes::USAGE_NO_TEMPLATE,
            "no CloudFormation template found under the given paths".into(),
            sources,
            diagnostics,
        );
    }
    // Same order whatever the order of the arguments or of the directory listing.
    templates.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| sources.get(a.0).text.cmp(&sources.get(b.0).text))
    });
    // Two inputs with one relative path (file arguments from different folders):
    // the later ones are labelled `path~2`, `path~3` in diagnostics and the report.
    for k in 1..templates.len() {
        let same = templates[..k]
            .iter()
            .filter(|(_, r)| *r == templates[k].1)
            .count();
        if same > 0 {
            let label = format!("{}~{}", templates[k].1, same + 1);
            sources.rename(templates[k].0, label);
        }
    }
    let rels: Vec<String> = templates.iter().map(|(_, r)| r.clone()).collect();
    let dirs = discover::output_dirs(&rels);
    let mut converted = Vec::new();
    let mut files = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for ((id, _), dir) in templates.iter().zip(&dirs) {
        let out = format!("{dir}/main.bicep");
        let c = convert_file(&sources, *id, &tables, &out);
        if let Some(b) = &c.bicep {
            files.push((out, b.clone()));
        }
        used.extend(c.used_types.iter().cloned());
        diagnostics.extend(c.diagnostics.iter().cloned());
        converted.push(c);
    }
    for (ty, (fid, user)) in &tables.type_origin {
        if *user && !used.contains(ty) {
            let text = &sources.get(*fid).text;
            let at = text.find(ty.as_str()).unwrap_or(0);
            diagnostics.push(
                Diagnostic::new(
                    codes::MAP_UNUSED,
                    crate::source::Span::new(*fid, at, at + ty.len()),
                    format!("the --mappings entry for {ty} matched no resource"),
                    "unused entry",
                )
                .help("check the type name, or remove the entry"),
            );
        }
    }
    let report = build_report(&converted, &diagnostics, &sources, skipped);
    files.push(("MIGRATION.md".into(), report.to_markdown()));
    files.push(("migration-report.json".into(), report.to_json()));
    let exit_code = if diagnostics.iter().any(|d| d.is_error()) {
        1
    } else {
        0
    };
    Outcome {
        exit_code,
        diagnostics,
        sources,
        report: Some(report),
        files,
    }
}

fn looks_like_template(n: &crate::frontend::node::Node) -> bool {
    if n.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    n.get("Resources")
        .and_then(|r| r.as_map())
        .is_some_and(|m| {
            m.iter().any(|(k, v)| {
                k.name.starts_with("Fn::ForEach")
                    || v.get("Type")
                        .and_then(|t| t.as_str())
                        .is_some_and(|t| t.starts_with("AWS::"))
            })
        })
}
