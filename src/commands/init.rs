//! `aws2azure init PATH`: a commented starter `aws2azure.toml` for a repository, from a
//! dry run over it (nothing else is written).

use std::path::Path;

use super::Printed;

/// Writes `PATH/aws2azure.toml` unless one exists; prints what it did.
pub fn init(path: &Path) -> Printed {
    let file = path.join(crate::config::FILE_NAME);
    if file.exists() {
        return Printed {
            stdout: String::new(),
            stderr: vec![format!(
                "error: {} exists; aws2azure init never overwrites it",
                file.display()
            )],
            exit_code: 2,
        };
    }
    if !path.is_dir() {
        return Printed {
            stdout: String::new(),
            stderr: vec![format!("error: {} is not a folder", path.display())],
            exit_code: 2,
        };
    }
    let opts = crate::run::Options {
        paths: vec![path.to_path_buf()],
        out: std::path::PathBuf::from("\u{0}aws2azure-init"),
        mappings: None,
        config: None,
        force: false,
        to: None,
    };
    let outcome = crate::run::plan(&opts);
    let (regions, types, images) = named_values(&outcome);
    let params: Vec<(String, String, String)> = outcome
        .report
        .as_ref()
        .map(|r| {
            r.parameters
                .iter()
                .map(|p| (p.stack.clone(), p.name.clone(), p.reason.clone()))
                .collect()
        })
        .unwrap_or_default();
    let tables = crate::run::Tables::load(&mut crate::source::SourceMap::default(), None).0;
    let used: Vec<String> = outcome
        .report
        .as_ref()
        .map(|r| {
            r.stacks
                .iter()
                .flat_map(|s| s.resources.iter().map(|x| x.ty.clone()))
                .collect()
        })
        .unwrap_or_default();
    let choices = crate::config::choices_of(&tables.mapping, &used);
    let text = crate::config::starter(&regions, &types, &images, &params, &choices);
    match std::fs::write(&file, text) {
        Ok(()) => Printed {
            stdout: format!(
                "wrote {} ({} region(s), {} instance type(s), {} image(s), {} parameter(s) to answer)\n",
                file.display(),
                regions.len(),
                types.len(),
                images.len(),
                params.len()
            ),
            stderr: Vec::new(),
            exit_code: 0,
        },
        Err(e) => Printed {
            stdout: String::new(),
            stderr: vec![format!("error: cannot write {}: {e}", file.display())],
            exit_code: 1,
        },
    }
}

/// The AWS regions, EC2 instance types (with the size the table picks) and AMI ids or
/// SSM image paths the inputs write as literals, sorted.
fn named_values(
    outcome: &crate::run::Outcome,
) -> (Vec<String>, Vec<(String, String)>, Vec<String>) {
    let (mut regions, mut types, mut images) = (Vec::new(), Vec::new(), Vec::new());
    let tables = crate::run::Tables::load(&mut crate::source::SourceMap::default(), None).0;
    // The inputs only: table files a diagnostic pulled in name every region and size.
    for f in outcome
        .sources
        .files()
        .filter(|f| !f.path.starts_with("mappings/"))
    {
        for word in f
            .text
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_')))
        {
            let w = word.trim_matches(|c| c == '.' || c == '/');
            if w.is_empty() {
                continue;
            }
            if tables.mapping.lookup("regions", w).is_some() {
                regions.push(w.to_string());
            } else if let Some(size) = tables
                .mapping
                .lookup_str("ec2-instance-types", w, "vm_size")
            {
                types.push((w.to_string(), size));
            } else if (w.starts_with("ami-") && crate::param_files::aws_id(w))
                || w.starts_with("/aws/service/ami-")
            {
                images.push(w.to_string());
            }
        }
    }
    regions.sort();
    regions.dedup();
    types.sort();
    types.dedup();
    images.sort();
    images.dedup();
    (regions, types, images)
}
