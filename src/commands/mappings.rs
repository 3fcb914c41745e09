//! `aws2azure mappings list` and `aws2azure mappings show TYPE`: the built-in tables
//! (with a `--mappings` folder laid over them) as a reader sees them: every AWS type with
//! its status, the Azure types it becomes and the rule file and line that says so.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::{Printed, table};
use crate::mapping::table::{Entry, ResourceSpec, When};
use crate::run::Tables;
use crate::source::SourceMap;

/// The tables of a run, or the diagnostics that stop it.
fn load(mappings: Option<&Path>) -> Result<(Tables, SourceMap), Printed> {
    let mut sources = SourceMap::default();
    let (tables, diags) = Tables::load(&mut sources, mappings);
    if diags.iter().any(|d| d.is_error()) {
        return Err(Printed {
            stdout: String::new(),
            stderr: diags
                .iter()
                .map(|d| crate::diag::render(d, &sources, false))
                .collect(),
            exit_code: 2,
        });
    }
    Ok((tables, sources))
}

/// `file:line` of the entry for `ty` in its table (the line that opens it).
fn origin(tables: &Tables, sources: &SourceMap, ty: &str) -> String {
    let Some((fid, _)) = tables.mapping.type_origin.get(ty) else {
        return "—".into();
    };
    let f = sources.get(*fid);
    let line = f
        .text
        .lines()
        .position(|l| l.strip_suffix(':') == Some(ty) || l.starts_with(&format!("{ty}: ")))
        .map(|i| i + 1)
        .unwrap_or(1);
    format!("{}:{line}", f.path)
}

/// The line of `key:` in a built-in file of `dir` (services, lifting entries).
fn embedded_line(dir: &str, key: &str) -> String {
    for f in crate::tables::embedded() {
        if !f.path.contains(dir) {
            continue;
        }
        if let Some(i) = f
            .text
            .lines()
            .position(|l| l.trim_start().strip_suffix(':') == Some(key))
        {
            return format!("{}:{}", f.path, i + 1);
        }
    }
    "—".into()
}

/// The ARM types (`type@api`) an entry emits, its variants' included, once each.
fn arm_types(e: &Entry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = e.shared.iter().chain(e.resources.iter()).chain(
        e.variants
            .iter()
            .flat_map(|v| v.shared.iter().chain(v.resources.iter()).flatten()),
    );
    for r in all {
        let t = format!("{}@{}", r.ty, r.api);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The Terraform types whose lifting entry gives `ty`.
fn terraform_types(tables: &Tables, ty: &str) -> Vec<String> {
    tables
        .lift
        .entries
        .iter()
        .filter(|(_, e)| e.ty.as_deref() == Some(ty))
        .map(|(k, _)| k.clone())
        .collect()
}

/// `mappings list`: every AWS type the tables answer, by entry or service hint.
pub fn list(mappings: Option<&Path>, json_out: bool) -> Printed {
    let (tables, sources) = match load(mappings) {
        Ok(t) => t,
        Err(p) => return p,
    };
    // type → (status, service, Azure types, rule file)
    let mut rows: BTreeMap<String, (String, String, Vec<String>, String)> = BTreeMap::new();
    for (ty, e) in &tables.mapping.types {
        rows.insert(
            ty.clone(),
            (
                e.status.clone(),
                e.service.clone(),
                arm_types(e),
                origin(&tables, &sources, ty),
            ),
        );
    }
    for (ty, h) in &tables.mapping.services {
        if rows.contains_key(ty) {
            continue;
        }
        let status = if ty.matches("::").count() == 2 {
            "manual (type hint)"
        } else {
            "manual (service hint)"
        };
        rows.insert(
            ty.clone(),
            (
                status.into(),
                h.service.clone(),
                h.arm.clone(),
                embedded_line("services.yaml", ty),
            ),
        );
    }
    if json_out {
        let types: Vec<_> = rows
            .iter()
            .map(|(ty, (status, service, arm, file))| {
                json!({
                    "type": ty,
                    "status": status,
                    "service": service,
                    "azure": arm,
                    "rule": file,
                    "terraform": terraform_types(&tables, ty),
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&json!({ "types": types })).unwrap_or_default();
        s.push('\n');
        return Printed {
            stdout: s,
            stderr: Vec::new(),
            exit_code: 0,
        };
    }
    let mut t = vec![vec![
        "AWS TYPE".to_string(),
        "STATUS".into(),
        "AZURE".into(),
        "RULE".into(),
    ]];
    for (ty, (status, service, arm, file)) in &rows {
        let azure = if arm.is_empty() {
            service.clone()
        } else {
            // The first three types, then how many more (`mappings show` lists them all).
            let mut names: Vec<String> = arm
                .iter()
                .take(3)
                .map(|a| a.split('@').next().unwrap_or(a).to_string())
                .collect();
            if arm.len() > 3 {
                names.push(format!("+{} more", arm.len() - 3));
            }
            names.join(", ")
        };
        t.push(vec![ty.clone(), status.clone(), azure, file.clone()]);
    }
    let entries = tables.mapping.types.len();
    let mut out = table(&t);
    out.push_str(&format!(
        "\n{} AWS types: {entries} with a mapping entry, {} answered by a service hint; {} Terraform types lift to them.\n",
        rows.len(),
        rows.len() - entries,
        tables.lift.entries.values().filter(|e| e.ty.is_some()).count()
    ));
    Printed {
        stdout: out,
        stderr: Vec::new(),
        exit_code: 0,
    }
}

/// A `when` in words.
fn when_text(w: &When) -> String {
    let mut parts = Vec::new();
    let prop = w.prop.clone().unwrap_or_default();
    if let Some(p) = w.present {
        parts.push(format!(
            "{prop} {}",
            if p { "is set" } else { "is not set" }
        ));
    }
    if let Some(v) = &w.equals {
        let v = serde_yaml::to_string(v).unwrap_or_default();
        parts.push(format!("{prop} = {}", v.trim()));
    }
    if !w.matches.is_empty() {
        parts.push(format!("{prop} matches {}", w.matches.join(" | ")));
    }
    if let Some(a) = w.above {
        parts.push(format!("{prop} > {a}"));
    }
    if let Some(t) = w.in_template {
        parts.push(format!(
            "{prop} {} a resource of the template",
            if t { "names" } else { "does not name" }
        ));
    }
    if !w.ref_engine.is_empty() {
        parts.push(format!(
            "{prop} names an engine {}",
            w.ref_engine.join(" | ")
        ));
    }
    if let Some(h) = w.http_invoked {
        parts.push(format!("invoked over HTTP: {h}"));
    }
    if let Some(f) = w.function_endpoint {
        parts.push(format!("served by the function's own endpoint: {f}"));
    }
    if parts.is_empty() && !prop.is_empty() {
        parts.push(format!("{prop} is set"));
    }
    parts.join(" and ")
}

fn resource_lines(out: &mut String, label: &str, specs: &[ResourceSpec]) {
    for r in specs {
        let cond = r
            .when
            .as_ref()
            .map(|w| format!(" (when {})", when_text(w)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {label}{}  {}@{}{cond}\n",
            r.symbol, r.ty, r.api
        ));
    }
}

/// `mappings show TYPE`: the entry for a CloudFormation type (or the one a Terraform
/// type lifts to), readable.
pub fn show(mappings: Option<&Path>, ty: &str) -> Printed {
    let (tables, sources) = match load(mappings) {
        Ok(t) => t,
        Err(p) => return p,
    };
    let mut out = String::new();
    let mut cfn = ty.to_string();
    if ty.starts_with("aws_") {
        match tables.lift.cfn_type(ty) {
            Some(t) => {
                out.push_str(&format!(
                    "{ty} (Terraform) lifts to {t} ({})\n",
                    embedded_line("terraform/", ty)
                ));
                if let Some(e) = tables.lift.entries.get(ty)
                    && !e.ignored.is_empty()
                {
                    out.push_str("Terraform-only arguments:\n");
                    for (k, why) in &e.ignored {
                        out.push_str(&format!("  {k}: {why}\n"));
                    }
                }
                out.push('\n');
                cfn = t;
            }
            None => {
                let service = tables.lift.service(ty);
                let hint = service
                    .as_deref()
                    .and_then(|s| tables.mapping.service_hint(s));
                out.push_str(&format!("{ty} (Terraform) has no lifting entry: it keeps its Terraform type and stays manual.\n"));
                if let Some(h) = hint {
                    out.push_str(&format!(
                        "Service hint ({}): {}\n",
                        service.unwrap_or_default(),
                        h.service
                    ));
                    if let Some(n) = &h.note {
                        out.push_str(&format!("  {n}\n"));
                    }
                }
                return Printed {
                    stdout: out,
                    stderr: Vec::new(),
                    exit_code: 0,
                };
            }
        }
    }
    let Some(e) = tables.mapping.types.get(&cfn) else {
        if let Some(h) = tables.mapping.service_hint(&cfn) {
            out.push_str(&format!(
                "{cfn}: no mapping entry; resources of this type stay manual with the service hint\n  service: {}\n",
                h.service
            ));
            if !h.arm.is_empty() {
                out.push_str(&format!(
                    "  Azure types to consider: {}\n",
                    h.arm.join(", ")
                ));
            }
            if let Some(n) = &h.note {
                out.push_str(&format!("  note: {n}\n"));
            }
            return Printed {
                stdout: out,
                stderr: Vec::new(),
                exit_code: 0,
            };
        }
        return Printed {
            stdout: out,
            stderr: vec![format!(
                "error: no mapping entry or service hint for `{cfn}` (see `aws2azure mappings list`)"
            )],
            exit_code: 1,
        };
    };
    out.push_str(&format!("{cfn}\n"));
    out.push_str(&format!(
        "  rule file: {}\n",
        origin(&tables, &sources, &cfn)
    ));
    out.push_str(&format!("  service:   {}\n", e.service));
    out.push_str(&format!("  status:    {}\n", e.status));
    let tf = terraform_types(&tables, &cfn);
    if !tf.is_empty() {
        out.push_str(&format!("  terraform: {}\n", tf.join(", ")));
    }
    if !e.passes.is_empty() {
        let p: Vec<String> = e
            .passes
            .iter()
            .map(|(k, v)| {
                let v = serde_yaml::to_string(v).unwrap_or_default();
                format!("{k}: {}", v.trim().replace('\n', " "))
            })
            .collect();
        out.push_str(&format!("  passes:    {}\n", p.join("; ")));
    }
    if !e.shared.is_empty() || !e.resources.is_empty() {
        out.push_str("\nAzure resources:\n");
        resource_lines(&mut out, "shared ", &e.shared);
        resource_lines(&mut out, "", &e.resources);
    }
    if let Some(r) = &e.ref_ {
        out.push_str(&format!("\nRef → {r}\n"));
    }
    if !e.attributes.is_empty() {
        out.push_str("Fn::GetAtt:\n");
        for (k, v) in &e.attributes {
            out.push_str(&format!("  {k} → {v}\n"));
        }
    }
    if !e.ignored.is_empty() {
        out.push_str("\nProperties not carried over as such:\n");
        for (k, why) in &e.ignored {
            out.push_str(&format!("  {k}: {why}\n"));
        }
    }
    if !e.decisions.is_empty() {
        out.push_str("\nDecisions:\n");
        for d in &e.decisions {
            let cond = d
                .when
                .as_ref()
                .map(|w| format!(" (when {})", when_text(w)))
                .unwrap_or_default();
            let status = d
                .status
                .as_ref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            out.push_str(&format!("  {}{status}{cond}: {}\n", d.rule, d.title));
            out.push_str(&format!("    {}\n", d.decision));
        }
    }
    if !e.variants.is_empty() {
        out.push_str("\nVariants (the first that holds replaces the fields it sets):\n");
        for v in &e.variants {
            out.push_str(&format!(
                "  when {}: status {}\n",
                when_text(&v.when),
                v.status.as_deref().unwrap_or(&e.status)
            ));
            if let Some(rs) = &v.resources {
                if rs.is_empty() {
                    out.push_str("    no Azure resource\n");
                }
                let mut s = String::new();
                resource_lines(&mut s, "", rs);
                for l in s.lines() {
                    out.push_str(&format!("  {l}\n"));
                }
            }
            for d in v.decisions.iter().flatten() {
                out.push_str(&format!("    decision {}: {}\n", d.rule, d.title));
            }
        }
    }
    Printed {
        stdout: out,
        stderr: Vec::new(),
        exit_code: 0,
    }
}
