//! Parameter files of CloudFormation templates → Azure parameter files.
//!
//! CloudFormation deployments take their values from a parameter file (the CLI's
//! `[{"ParameterKey": …, "ParameterValue": …}]`, or `{"Parameters": {"Key": "Value"}}` as
//! CodePipeline and `rain` write it) or, for SAM, from `samconfig.toml`'s
//! `parameter_overrides`. Each becomes a file beside the converted template: a
//! `.bicepparam` (`using './main.bicep'`) or, with `--to terraform`, a `.tfvars` file,
//! keyed by the converted parameter names. Values that are AWS ids (a subnet, an AMI, an
//! ARN) have no Azure meaning: they are left out, as a comment naming what to give
//! instead, so the deployment asks for them.

use crate::frontend::node::{Node, NodeKind, Scalar};

use crate::model::nested::ChildInterface;

/// One parameter value of a file: the key, its text (a list as comma-separated text,
/// as CloudFormation passes it), and the line it is on.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub key: String,
    pub text: String,
    pub line: usize,
}

/// A set of values for one template: from a CloudFormation parameter file, or one
/// environment of a `samconfig.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueSet {
    /// The name of the Azure file to write, without extension (`prod`, `params-dev`).
    pub name: String,
    /// The template it names (samconfig's `template_file`), relative to the file's folder.
    pub template: Option<String>,
    pub values: Vec<Value>,
}

fn scalar_text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Scalar(Scalar::Null) => Some(String::new()),
        NodeKind::Scalar(_) => n.scalar_text(),
        NodeKind::Seq(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        NodeKind::Map(_) => None,
    }
}

/// The values of a CloudFormation parameter file (`None` when `node` is not one).
/// `line` gives a span's line.
pub fn cfn_values(node: &Node, line: &dyn Fn(&Node) -> usize) -> Option<Vec<Value>> {
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => items
            .iter()
            .map(|it| {
                let key = it.get("ParameterKey")?.as_str()?.to_string();
                let text = scalar_text(it.get("ParameterValue")?)?;
                Some(Value {
                    key,
                    text,
                    line: line(it),
                })
            })
            .collect(),
        NodeKind::Map(entries) => {
            // `{"Parameters": {…}}` (optionally with `Tags`, `StackPolicy`): scalar values
            // only, which tells it from a template's `Parameters` section.
            if entries
                .iter()
                .any(|(k, _)| !matches!(k.name.as_str(), "Parameters" | "Tags" | "StackPolicy"))
            {
                return None;
            }
            let params = node.get("Parameters")?;
            let NodeKind::Map(ps) = &params.kind else {
                return None;
            };
            if ps.is_empty() {
                return None;
            }
            ps.iter()
                .map(|(k, v)| {
                    Some(Value {
                        key: k.name.clone(),
                        text: scalar_text(v)?,
                        line: line(v),
                    })
                })
                .collect()
        }
        _ => None,
    }
}

/// Splits `parameter_overrides` written as one string: `A=1 B="two words" C='x'`.
fn split_overrides(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The value sets of a `samconfig.toml`: one per environment whose `deploy` (or
/// `global`) parameters give `parameter_overrides`. Err: the file is not valid TOML (the
/// message and the byte range at fault).
pub fn samconfig_values(
    text: &str,
) -> Result<Vec<ValueSet>, (String, Option<std::ops::Range<usize>>)> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| (e.message().to_string(), e.span()))?;
    // The line of `key` in environment `env`'s tables (after its first header).
    let line_of = |env: &str, key: &str| {
        let header = format!("[{env}.");
        let start = text
            .lines()
            .position(|l| l.trim_start().starts_with(&header))
            .unwrap_or(0);
        text.lines()
            .enumerate()
            .skip(start)
            .find(|(_, l)| l.contains(key))
            .map(|(k, _)| k + 1)
            .unwrap_or(start + 1)
    };
    let mut out = Vec::new();
    for (env, v) in &doc {
        let Some(env_table) = v.as_table() else {
            continue;
        };
        let section = |cmd: &str| {
            env_table
                .get(cmd)
                .and_then(|c| c.as_table())
                .and_then(|c| c.get("parameters"))
                .and_then(|p| p.as_table())
        };
        let Some(params) = section("deploy").or_else(|| section("global")) else {
            continue;
        };
        let pairs: Vec<String> = match params.get("parameter_overrides") {
            Some(toml::Value::String(s)) => split_overrides(s),
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => continue,
        };
        let values = pairs
            .iter()
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| Value {
                key: k.trim().to_string(),
                text: v.to_string(),
                line: line_of(env, &format!("{k}=")),
            })
            .collect();
        let template = params
            .get("template_file")
            .or_else(|| section("build").and_then(|b| b.get("template_file")))
            .and_then(|t| t.as_str())
            .map(str::to_string);
        out.push(ValueSet {
            name: env.clone(),
            template,
            values,
        });
    }
    Ok(out)
}

/// Does `s` look like the id of an AWS resource (`subnet-0a1b…`, `ami-…`, an ARN)?
pub fn aws_id(s: &str) -> bool {
    if s.starts_with("arn:aws") {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "vpc", "subnet", "sg", "ami", "igw", "rtb", "eni", "i", "vol", "snap", "eipalloc", "nat",
        "pl", "lt", "tgw", "vpce", "acl", "dopt", "eigw", "cgw", "vgw", "key",
    ];
    s.split(',').map(str::trim).any(|part| {
        part.split_once('-').is_some_and(|(p, rest)| {
            PREFIXES.contains(&p)
                && (8..=17).contains(&rest.len())
                && rest.chars().all(|c| c.is_ascii_hexdigit())
        })
    })
}

/// A CloudFormation parameter type whose values are AWS ids.
fn aws_id_type(ty: &str) -> bool {
    ty.starts_with("AWS::EC2::")
        || ty.starts_with("List<AWS::EC2::")
        || ty.starts_with("AWS::Route53::")
        || ty.starts_with("List<AWS::Route53::")
        || ty.contains("AWS::EC2::Image::Id")
}

/// What a value set became: the file's text, and what the report should say.
pub struct Written {
    pub text: String,
    pub set: usize,
    /// Keys with an AWS id, left for the user: (key, Azure parameter).
    pub aws_ids: Vec<(String, String)>,
    /// Keys of parameters the conversion dropped (no use in Azure).
    pub dropped: Vec<String>,
    /// Keys the template does not declare.
    pub unknown: Vec<String>,
    /// Keys of secure parameters, never written to the file.
    pub secrets: Vec<String>,
}

/// The Azure parameter file for `values`, given the converted template's interface and
/// its CloudFormation parameter types (`types`: name → type).
pub fn render(
    values: &[Value],
    iface: &ChildInterface,
    types: &[(String, String)],
    terraform: bool,
) -> Written {
    let mut written = Written {
        text: String::new(),
        set: 0,
        aws_ids: Vec::new(),
        dropped: Vec::new(),
        unknown: Vec::new(),
        secrets: Vec::new(),
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for v in values {
        let Some(p) = iface
            .params
            .iter()
            .find(|p| p.cfn.as_deref() == Some(&v.key))
        else {
            if iface.dropped.contains(&v.key) {
                written.dropped.push(v.key.clone());
                notes.push(format!("{}: not used in Azure (see the report)", v.key));
            } else {
                written.unknown.push(v.key.clone());
                notes.push(format!(
                    "{}: the template declares no such parameter",
                    v.key
                ));
            }
            continue;
        };
        let name = if terraform { &p.tf_name } else { &p.name };
        let ty = types
            .iter()
            .find(|(k, _)| *k == v.key)
            .map(|(_, t)| t.as_str())
            .unwrap_or("String");
        if aws_id_type(ty) || aws_id(&v.text) {
            written.aws_ids.push((v.key.clone(), name.clone()));
            notes.push(format!(
                "{name}: was {} (an AWS id, {ty}): give the Azure resource's id or value",
                v.text
            ));
            continue;
        }
        if p.secure {
            written.secrets.push(v.key.clone());
            notes.push(format!(
                "{name}: a secret: pass it at deployment (from Key Vault), not in this file"
            ));
            continue;
        }
        let value = match p.ty.as_str() {
            "int" if v.text.trim().parse::<i64>().is_ok() => v.text.trim().to_string(),
            "bool" if matches!(v.text.trim(), "true" | "false") => v.text.trim().to_string(),
            "array" => {
                let items: Vec<String> = v
                    .text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| quote(s, terraform))
                    .collect();
                if terraform {
                    format!("[{}]", items.join(", "))
                } else {
                    format!("[\n  {}\n]", items.join("\n  "))
                }
            }
            _ => quote(&v.text, terraform),
        };
        lines.push((name.clone(), value));
        written.set += 1;
    }
    let mut text = String::new();
    if terraform {
        let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in &lines {
            text.push_str(&format!("{k:width$} = {v}\n"));
        }
        if !notes.is_empty() {
            if !lines.is_empty() {
                text.push('\n');
            }
            for n in &notes {
                text.push_str(&format!("# {n}\n"));
            }
        }
    } else {
        text.push_str("using './main.bicep'\n");
        for (k, v) in &lines {
            text.push_str(&format!("\nparam {k} = {v}\n"));
        }
        if !notes.is_empty() {
            text.push('\n');
            for n in &notes {
                text.push_str(&format!("// {n}\n"));
            }
        }
    }
    written.text = text;
    written
}

fn quote(s: &str, terraform: bool) -> String {
    if terraform {
        crate::backend::terraform::hcl::quote(s)
    } else {
        crate::backend::bicep::print_expr(&crate::azure::AzExpr::str(s))
    }
}

/// The template (index into `templates`, paths relative to the run) a parameter file
/// at `rel` belongs to: the one `named` gives (relative to the file's folder), else the
/// template of the same folder whose name the file's name starts with, else the only
/// template of that folder (or of its parent, for a `parameters/` folder).
pub fn template_for(rel: &str, named: Option<&str>, templates: &[&str]) -> Option<usize> {
    let (dir, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    let join = |d: &str, f: &str| {
        if d.is_empty() {
            f.to_string()
        } else {
            format!("{d}/{f}")
        }
    };
    if let Some(n) = named {
        let want = join(dir, n.trim_start_matches("./"));
        return templates.iter().position(|t| *t == want);
    }
    let in_dir = |d: &str| -> Vec<usize> {
        templates
            .iter()
            .enumerate()
            .filter(|(_, t)| t.rsplit_once('/').map_or("", |(x, _)| x) == d)
            .map(|(i, _)| i)
            .collect()
    };
    let here = in_dir(dir);
    let stem = |t: &str| {
        let f = t.rsplit_once('/').map_or(t, |(_, f)| f);
        f.rsplit_once('.').map_or(f, |(s, _)| s).to_string()
    };
    let lower = file.to_ascii_lowercase();
    let by_name: Vec<usize> = here
        .iter()
        .copied()
        .filter(|i| lower.starts_with(&stem(templates[*i]).to_ascii_lowercase()))
        .collect();
    if by_name.len() == 1 {
        return by_name.first().copied();
    }
    if here.len() == 1 {
        return here.first().copied();
    }
    let parent = dir.rsplit_once('/').map_or("", |(p, _)| p);
    let up = in_dir(parent);
    (here.is_empty() && dir != parent && up.len() == 1)
        .then(|| up.first().copied())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_split_on_spaces_outside_quotes() {
        assert_eq!(
            split_overrides(r#"Env=prod Name="two words" Tag='x y'"#),
            vec!["Env=prod", "Name=two words", "Tag=x y"]
        );
    }

    #[test]
    fn aws_ids_are_recognised() {
        assert!(aws_id("subnet-0123456789abcdef0"));
        assert!(aws_id("ami-12345678"));
        assert!(aws_id("arn:aws:iam::123456789012:role/x"));
        assert!(aws_id("subnet-0123456789abcdef0,subnet-0123456789abcdef1"));
        assert!(!aws_id("prod"));
        assert!(!aws_id("t3-micro"));
        assert!(!aws_id("my-app-name"));
    }

    #[test]
    fn a_parameter_file_goes_to_its_template() {
        let t = ["app/template.yaml", "app/other.yaml", "net/vpc.yaml"];
        assert_eq!(template_for("app/template-prod.json", None, &t), Some(0));
        assert_eq!(template_for("net/params.json", None, &t), Some(2));
        assert_eq!(template_for("net/parameters/prod.json", None, &t), Some(2));
        assert_eq!(template_for("app/params.json", None, &t), None);
        assert_eq!(
            template_for("app/samconfig.toml", Some("other.yaml"), &t),
            Some(1)
        );
    }
}
