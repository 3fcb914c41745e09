//! CloudFormation front end: JSON or YAML text → [`Template`] + diagnostics.

mod intrinsics;
pub mod rain;
mod sam;

use crate::diag::{Diagnostic, codes};
use crate::frontend::node::{Key, Node, NodeKind, Scalar};
use crate::frontend::{json, yaml};
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::*;
use crate::source::{FileId, SourceMap, Span};

use intrinsics::Lower;

/// What parsing one template gives: the model when the file had the shape of
/// a template, and every diagnostic found on the way.
pub struct ParseReturn {
    pub template: Option<Template>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the data tree only (used by discovery to recognise templates).
pub fn parse_node(sources: &SourceMap, file: FileId) -> Result<(Node, Format), Box<Diagnostic>> {
    let f = sources.get(file);
    let text = &*f.text;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let is_json = trimmed.starts_with('{') || f.path.ends_with(".json");
    let result = if is_json {
        json::parse(text, file).map_err(|e| (e.offset, e.message, e.limit))
    } else {
        yaml::parse(f, file).map_err(|e| (yaml::error_offset(f, &e), e.message, e.limit))
    };
    match result {
        Ok(n) => Ok((n, if is_json { Format::Json } else { Format::Yaml })),
        Err((offset, message, true)) => {
            let end = text[offset..]
                .find(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == '}')
                .map_or(text.len(), |n| offset + n)
                .max((offset + 1).min(text.len()));
            Err(Box::new(
                Diagnostic::new(
                    codes::INPUT_ALIAS_LIMIT,
                    Span::new(file, offset, end),
                    message,
                    "the expansion stops here",
                )
                .help(format!(
                    "an alias copies its anchor's whole content; aws2azure builds at most {} nodes and {} levels per file, aliases expanded. Write the repeated part once (a parameter or a Mappings entry) instead of aliasing aliases",
                    yaml::MAX_NODES,
                    yaml::MAX_DEPTH
                )),
            ))
        }
        Err((offset, message, false)) => {
            let kind = if is_json { "JSON" } else { "YAML" };
            // At the end of the input, point at the last character there is.
            let offset = if offset >= text.trim_end().len() {
                text.trim_end().len().saturating_sub(1)
            } else {
                offset
            };
            Err(Box::new(
                Diagnostic::new(
                    codes::CFN_SYNTAX,
                    Span::new(file, offset, (offset + 1).min(text.len())),
                    format!("invalid {kind}: {message}"),
                    "the parser stopped here",
                )
                .help(format!(
                    "fix the {kind} syntax at this position; the rest of the run still converts"
                )),
            ))
        }
    }
}

/// Parses a template file into the AWS model.
pub fn parse(sources: &SourceMap, file: FileId) -> ParseReturn {
    parse_with(sources, file, None)
}

/// Parses a template file, its Rain modules expanded from the files read in `rain`
/// (without it, a module stays a `Rain::Module` resource).
pub fn parse_with(
    sources: &SourceMap,
    file: FileId,
    rain: Option<&rain::RainFiles>,
) -> ParseReturn {
    match parse_node(sources, file) {
        Ok(node) => read_node(sources, file, node, rain),
        Err(d) => ParseReturn {
            template: None,
            diagnostics: vec![*d],
        },
    }
}

/// [`parse_with`] of a file whose data tree [`parse_node`] gave already.
pub fn read_node(
    sources: &SourceMap,
    file: FileId,
    (mut root, format): (Node, Format),
    rain: Option<&rain::RainFiles>,
) -> ParseReturn {
    let mut diagnostics = Vec::new();
    let unexpanded = match rain {
        Some(files) => rain::expand(&mut root, sources, files, &mut diagnostics),
        None => Vec::new(),
    };
    let template = read_template(&root, file, format, &mut diagnostics);
    // A module that stayed unexpanded was warned about with the reason.
    diagnostics
        .retain(|d| d.code != codes::CFN_MACRO || !d.span.is_some_and(|s| unexpanded.contains(&s)));
    ParseReturn {
        template,
        diagnostics,
    }
}

fn structure(span: Span, message: impl Into<String>, label: &str, help: &str) -> Diagnostic {
    Diagnostic::new(codes::CFN_STRUCTURE, span, message, label).help(help)
}

fn read_template(
    root: &Node,
    file: FileId,
    format: Format,
    diags: &mut Vec<Diagnostic>,
) -> Option<Template> {
    let Some(entries) = root.as_map() else {
        diags.push(structure(
            root.span,
            "a CloudFormation template is a mapping at the top level",
            "not a mapping",
            "start the template with keys such as AWSTemplateFormatVersion and Resources",
        ));
        return None;
    };
    let mut lower = Lower { diags };
    let top = lower.entries(entries);
    let mut t = Template::empty(file, format);
    let (globals, saw_resources) = read_sections(&mut lower, top, &mut t);
    if saw_resources && t.resources.is_empty() && !lower.diags.iter().any(|d| d.is_error()) {
        let span = t
            .sections
            .iter()
            .find(|(n, _)| n == "Resources")
            .map_or(root.span, |(_, s)| *s);
        lower.diags.push(
            Diagnostic::new(codes::CFN_EMPTY, span, "the template declares no resources", "empty `Resources`")
                .help("CloudFormation rejects a template without resources; the Bicep file holds only parameters and outputs"),
        );
    }
    if !saw_resources {
        lower.diags.push(structure(
            root.span,
            "the template has no Resources section",
            "no `Resources` here",
            "every CloudFormation template declares at least one resource under `Resources`",
        ));
        return None;
    }
    for (name, span) in transform_spans(root) {
        if !KNOWN_TRANSFORMS.contains(&name.as_str()) {
            lower.diags.push(
                Diagnostic::new(codes::CFN_MACRO, span, format!("the template-level transform `{name}` is not expanded"), "macro")
                    .help("deploy the template once and convert the processed template (`aws cloudformation get-template --template-stage Processed`)"),
            );
        }
    }
    if t.is_sam() {
        sam::expand(&mut t, globals.as_ref(), &mut lower);
    }
    sam::add_expansion_aliases(&mut t);
    Some(t)
}

/// Reads the top-level sections into `t`; returns the SAM `Globals` section and whether
/// the template has a `Resources` section.
fn read_sections(
    lower: &mut Lower,
    top: Vec<&(Key, Node)>,
    t: &mut Template,
) -> (Option<Node>, bool) {
    let mut globals = None;
    let mut saw_resources = false;
    for (k, v) in top {
        t.sections.push((k.name.clone(), k.span));
        match k.name.as_str() {
            "Description" => t.description = v.scalar_text(),
            "Transform" => match &v.kind {
                NodeKind::Seq(items) => t
                    .transforms
                    .extend(items.iter().filter_map(|i| i.scalar_text())),
                NodeKind::Scalar(_) => t.transforms.extend(v.scalar_text()),
                NodeKind::Map(_) => t.transforms.push(
                    v.get("Name")
                        .and_then(|n| n.scalar_text())
                        .unwrap_or_default(),
                ),
            },
            "Parameters" => t.parameters = read_parameters(lower, v),
            "Mappings" => {
                t.mappings = read_named(lower, v)
                    .into_iter()
                    .map(|(name, span, value)| Mapping { name, span, value })
                    .collect()
            }
            "Conditions" => {
                t.conditions = read_named(lower, v)
                    .into_iter()
                    .map(|(name, span, value)| Condition { name, span, value })
                    .collect()
            }
            "Resources" => {
                saw_resources = true;
                if !matches!(v.kind, NodeKind::Scalar(Scalar::Null)) {
                    read_resources(lower, v, &mut t.resources);
                }
            }
            "Outputs" => t.outputs = read_outputs(lower, v),
            "Globals" => globals = Some(v.clone()),
            _ => {}
        }
    }
    (globals, saw_resources)
}

/// Transforms aws2azure applies itself.
const KNOWN_TRANSFORMS: &[&str] = &["AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"];

fn transform_spans(root: &Node) -> Vec<(String, Span)> {
    let Some(v) = root.get("Transform") else {
        return Vec::new();
    };
    match &v.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                i.scalar_text()
                    .or_else(|| i.get("Name").and_then(|n| n.scalar_text()))
                    .map(|n| (n, i.span))
            })
            .collect(),
        NodeKind::Map(_) => v
            .get("Name")
            .and_then(|n| n.scalar_text())
            .map(|n| vec![(n, v.span)])
            .unwrap_or_default(),
        NodeKind::Scalar(_) => v
            .scalar_text()
            .map(|n| vec![(n, v.span)])
            .unwrap_or_default(),
    }
}

fn read_named(lower: &mut Lower, v: &Node) -> Vec<(String, Span, Expr)> {
    let Some(m) = v.as_map() else {
        return Vec::new();
    };
    lower
        .entries(m)
        .into_iter()
        .map(|(k, n)| (k.name.clone(), k.span, lower.expr(n)))
        .collect()
}

fn int(n: Option<&Node>) -> Option<i64> {
    n?.scalar_text()?
        .trim()
        .parse::<f64>()
        .ok()
        .map(|f| f as i64)
}

fn read_parameters(lower: &mut Lower, v: &Node) -> Vec<Parameter> {
    let Some(m) = v.as_map() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, p) in lower.entries(m) {
        if let Some(pm) = p.as_map() {
            lower.entries(pm);
        }
        out.push(Parameter {
            name: k.name.clone(),
            span: k.span,
            ty: p
                .get("Type")
                .and_then(|t| t.scalar_text())
                .unwrap_or_else(|| "String".into()),
            default: p.get("Default").map(|d| lower.expr(d)),
            allowed_values: p
                .get("AllowedValues")
                .and_then(|a| a.as_seq())
                .map(|s| s.iter().map(|i| lower.expr(i)).collect())
                .unwrap_or_default(),
            allowed_pattern: p.get("AllowedPattern").and_then(|a| a.scalar_text()),
            min_length: int(p.get("MinLength")),
            max_length: int(p.get("MaxLength")),
            min_value: int(p.get("MinValue")),
            max_value: int(p.get("MaxValue")),
            no_echo: p
                .get("NoEcho")
                .and_then(|n| n.scalar_text())
                .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            description: p.get("Description").and_then(|d| d.scalar_text()),
            tf_type: None,
            secret: None,
        });
    }
    out
}

fn read_resources(lower: &mut Lower, v: &Node, out: &mut Vec<Resource>) {
    let Some(m) = v.as_map() else {
        lower.diags.push(structure(
            v.span,
            "`Resources` must be a mapping from logical ids to resources",
            "not a mapping",
            "write each resource as `LogicalId: {Type: AWS::…, Properties: …}`",
        ));
        return;
    };
    for (k, r) in lower.entries(m) {
        if let Some(loop_name) = k.name.strip_prefix("Fn::ForEach::") {
            read_for_each(lower, loop_name, k.span, r, out);
            continue;
        }
        if let Some(res) = read_resource(lower, &k.name, k.span, r) {
            out.push(res);
        }
    }
}

fn read_resource(lower: &mut Lower, id: &str, span: Span, r: &Node) -> Option<Resource> {
    let Some(rm) = r.as_map() else {
        lower.diags.push(structure(
            span,
            format!("resource `{id}` is not a mapping"),
            "expected `Type:` and `Properties:` here",
            "write the resource as a mapping with at least a `Type`",
        ));
        return None;
    };
    lower.entries(rm);
    let ty = resource_type(lower, id, span, r)?;
    let properties = match r.get("Properties") {
        Some(p) => lower.expr(p),
        None => Expr::new(ExprKind::Object(Vec::new()), span),
    };
    let depends_on = match r.get("DependsOn") {
        Some(d) => match &d.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|i| i.scalar_text().map(|s| (s, i.span)))
                .collect(),
            _ => d
                .scalar_text()
                .map(|s| vec![(s, d.span)])
                .unwrap_or_default(),
        },
        None => Vec::new(),
    };
    let named = |key: &str| {
        r.get(key)
            .and_then(|c| c.scalar_text().map(|s| (s, c.span)))
    };
    Some(Resource {
        id: id.to_string(),
        span,
        ty,
        properties,
        depends_on,
        condition: named("Condition"),
        deletion_policy: named("DeletionPolicy"),
        for_each: None,
        implicit: false,
    })
}

/// A resource's `Type`: a literal string, or a pre-processor construct (warned about);
/// `None` (with an error) when missing or not literal.
fn resource_type(lower: &mut Lower, id: &str, span: Span, r: &Node) -> Option<String> {
    Some(match r.get("Type") {
        Some(t) if matches!(t.kind, NodeKind::Scalar(Scalar::Str(_))) && t.tag.is_none() => {
            t.scalar_text().unwrap_or_default()
        }
        Some(t)
            if t.tag
                .as_deref()
                .and_then(intrinsics::preprocessor)
                .is_some() =>
        {
            let tag = t.tag.clone().unwrap_or_default();
            lower.macro_value(&format!("!{tag}"), "Rain", t.span);
            tag
        }
        Some(t)
            if t.as_map().is_some_and(|m| {
                m.len() == 1 && intrinsics::preprocessor(&m[0].0.name).is_some()
            }) =>
        {
            let key = t.as_map().map(|m| m[0].0.name.clone()).unwrap_or_default();
            lower.macro_value(&key, "Rain", t.span);
            key
        }
        Some(t) => {
            lower.diags.push(structure(
                t.span,
                format!("the Type of `{id}` must be a literal string"),
                "not a literal type name",
                "write the resource type literally, e.g. `Type: AWS::S3::Bucket`",
            ));
            return None;
        }
        None => {
            lower.diags.push(structure(
                span,
                format!("resource `{id}` has no Type"),
                "no `Type` in this resource",
                "add `Type: AWS::<service>::<resource>`",
            ));
            return None;
        }
    })
}

fn read_for_each(
    lower: &mut Lower,
    loop_name: &str,
    span: Span,
    v: &Node,
    out: &mut Vec<Resource>,
) {
    let items = v.as_seq().filter(|s| s.len() == 3);
    let Some([ident, collection, body]) = items else {
        lower.diags.push(
            Diagnostic::new(
                codes::CFN_ARITY,
                span,
                "Fn::ForEach takes a list of three: an identifier, a collection and a template",
                "wrong arguments for Fn::ForEach",
            )
            .help("write `Fn::ForEach::Name: [Identifier, [a, b], {'Key${Identifier}': {...}}]`"),
        );
        return;
    };
    let Some(ident) = ident.scalar_text() else {
        return;
    };
    let collection = lower.expr(collection);
    let Some(bm) = body.as_map() else { return };
    for (k, r) in lower.entries(bm) {
        if let Some(mut res) = read_resource(lower, &k.name, k.span, r) {
            res.for_each = Some(ForEach {
                loop_name: loop_name.to_string(),
                ident: ident.clone(),
                collection: collection.clone(),
            });
            out.push(res);
        }
    }
}

fn read_outputs(lower: &mut Lower, v: &Node) -> Vec<Output> {
    let Some(m) = v.as_map() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, o) in lower.entries(m) {
        if k.name.starts_with("Fn::ForEach::") {
            lower.diags.push(
                Diagnostic::new(codes::CFN_MACRO, k.span, "outputs generated by Fn::ForEach are not translated", "loop over outputs")
                    .help("add the outputs you need to the Bicep file by hand (a `for` expression over the loop's resources)"),
            );
            continue;
        }
        if let Some(om) = o.as_map() {
            lower.entries(om);
        }
        let Some(value) = o.get("Value") else {
            lower.diags.push(structure(
                k.span,
                format!("output `{}` has no Value", k.name),
                "no `Value` here",
                "give every output a `Value`",
            ));
            continue;
        };
        out.push(Output {
            name: k.name.clone(),
            span: k.span,
            value: lower.expr(value),
            description: o.get("Description").and_then(|d| d.scalar_text()),
            export: o
                .get("Export")
                .and_then(|e| e.get("Name"))
                .map(|n| lower.expr(n)),
            condition: o.get("Condition").and_then(|c| c.scalar_text()),
            sensitive: false,
        });
    }
    out
}
