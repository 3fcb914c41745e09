//! The SAM transform, as far as translation needs it: `Globals` merged into
//! resources, and the resources SAM creates implicitly made known by name.

use super::intrinsics::Lower;
use crate::frontend::node::Node;
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::model::template::{Resource, Template};
use crate::source::Span;

/// Which `Globals` section applies to which SAM resource type.
const GLOBAL_SECTIONS: &[(&str, &str)] = &[
    ("Function", "AWS::Serverless::Function"),
    ("Api", "AWS::Serverless::Api"),
    ("HttpApi", "AWS::Serverless::HttpApi"),
    ("SimpleTable", "AWS::Serverless::SimpleTable"),
    ("StateMachine", "AWS::Serverless::StateMachine"),
    ("LayerVersion", "AWS::Serverless::LayerVersion"),
];

pub fn expand(t: &mut Template, globals: Option<&Node>, lower: &mut Lower) {
    // The implicit APIs take the `Api` and `HttpApi` globals too (an authorizer, a custom
    // domain or CORS set there applies to them).
    add_implicit(t);
    if let Some(g) = globals {
        for (section, ty) in GLOBAL_SECTIONS {
            let Some(node) = g.get(section) else { continue };
            let defaults = lower.expr(node);
            for r in t.resources.iter_mut().filter(|r| r.ty == *ty) {
                r.properties = merge(&defaults, &r.properties);
            }
        }
    }
}

/// Resource properties over global defaults; nested mappings merge key by key.
fn merge(defaults: &Expr, own: &Expr) -> Expr {
    let (ExprKind::Object(d), ExprKind::Object(o)) = (&defaults.kind, &own.kind) else {
        return own.clone();
    };
    let mut out = d.clone();
    for (k, s, v) in o {
        match out.iter_mut().find(|(dk, _, _)| dk == k) {
            Some(slot) => slot.2 = merge(&slot.2, v),
            None => out.push((k.clone(), *s, v.clone())),
        }
    }
    Expr::new(ExprKind::Object(out), own.span)
}

/// Names that only exist after a pre-processor, SAM or a loop expands:
/// `NetworkVPC` from a Rain module `Network`, `MyFunctionRole` from a SAM
/// function, `TopicA` from `Fn::ForEach` over `Topic${Name}`.
pub fn add_expansion_aliases(t: &mut Template) {
    // Names that start with a Rain module's id, or a SAM resource's id
    // (`MyFunctionRole`, `MyApiProdStage`), belong to that resource.
    let sam = t.is_sam();
    let modules: Vec<String> = t
        .resources
        .iter()
        .filter(|r| r.ty.starts_with("Rain::") || (sam && r.ty.starts_with("AWS::Serverless::")))
        .map(|r| r.id.clone())
        .collect();
    let loops: Vec<(String, String, String)> = t
        .resources
        .iter()
        .filter(|r| r.for_each.is_some())
        .filter_map(|r| {
            let id = r.id.replace("&{", "${");
            let start = id.find("${")?;
            let end = id[start..].find('}')? + start;
            Some((
                id[..start].to_string(),
                id[end + 1..].to_string(),
                r.id.clone(),
            ))
        })
        .collect();
    for (name, _) in referenced_names(t) {
        if t.resource(&name).is_some()
            || t.parameter(&name).is_some()
            || t.aliases.iter().any(|(a, _)| *a == name)
        {
            continue;
        }
        let owner = modules
            .iter()
            .filter(|m| name.len() > m.len() && name.starts_with(m.as_str()))
            .max_by_key(|m| m.len())
            .cloned()
            .or_else(|| {
                loops
                    .iter()
                    .find(|(pre, post, _)| {
                        name.len() > pre.len() + post.len()
                            && name.starts_with(pre.as_str())
                            && name.ends_with(post.as_str())
                    })
                    .map(|(_, _, id)| id.clone())
            });
        if let Some(o) = owner {
            t.aliases.push((name, o));
        }
    }
    t.aliases.sort();
}

fn referenced_names(t: &Template) -> Vec<(String, Span)> {
    let mut names = Vec::new();
    let mut visit = |e: &Expr| match &e.kind {
        ExprKind::Ref(n) => names.push((n.clone(), e.span)),
        ExprKind::GetAtt { resource, .. } => names.push((resource.clone(), e.span)),
        ExprKind::Sub(parts) => {
            for p in parts {
                if let SubPart::Expr(x) = p
                    && let ExprKind::Ref(n) = &x.kind
                {
                    names.push((n.clone(), x.span))
                }
            }
        }
        _ => {}
    };
    for r in &t.resources {
        r.properties.walk(&mut visit);
    }
    for o in &t.outputs {
        o.value.walk(&mut visit);
    }
    for r in &t.resources {
        names.extend(r.depends_on.iter().cloned());
    }
    names
}

/// The implicit APIs SAM creates for `Api`/`HttpApi` events become resources.
fn add_implicit(t: &mut Template) {
    let has_event = |kind: &str, api_key: &str| {
        t.resources
            .iter()
            .filter(|r| r.ty == "AWS::Serverless::Function")
            .any(|r| {
                r.properties.get("Events").and_then(|e| match &e.kind {
                    ExprKind::Object(m) => Some(m.iter().any(|(_, _, ev)| {
                        ev.get("Type").and_then(|x| x.as_str()) == Some(kind)
                            && ev.path(&format!("Properties.{api_key}")).is_none()
                    })),
                    _ => None,
                }) == Some(true)
            })
    };
    let implicit = [
        (
            "ServerlessRestApi",
            "AWS::Serverless::Api",
            has_event("Api", "RestApiId"),
        ),
        (
            "ServerlessHttpApi",
            "AWS::Serverless::HttpApi",
            has_event("HttpApi", "ApiId"),
        ),
    ];
    for (id, ty, needed) in implicit {
        if needed && t.resource(id).is_none() {
            let span = t
                .resources
                .first()
                .map_or(Span::new(t.file, 0, 0), |r| r.span);
            t.resources.push(Resource {
                id: id.into(),
                span,
                ty: ty.into(),
                properties: Expr::new(ExprKind::Object(Vec::new()), span),
                depends_on: Vec::new(),
                condition: None,
                deletion_policy: None,
                for_each: None,
                implicit: true,
            });
        }
    }
}
