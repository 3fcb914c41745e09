//! Nested stacks (`AWS::CloudFormation::Stack`, SAM `AWS::Serverless::Application`)
//! whose template the run converted too: a call of the converted child as a module
//! (Bicep `module`, Terraform `module` block), its `Parameters` passed by the child's
//! converted parameter names, and `GetAtt Stack.Outputs.X` read from the module's
//! outputs. The run resolves each location before mapping
//! ([`Template::nested`](crate::model::Template::nested)); one it could not resolve
//! stays manual with a decision that says why.

use std::collections::BTreeMap;

use super::context::Ctx;
use crate::azure::{AzCall, AzExpr};
use crate::model::expr::{Expr, ExprKind};
use crate::model::nested::{ChildInterface, NestedStack};
use crate::names::{kebab, snake};
use crate::source::Span;

pub const STACK: &str = "AWS::CloudFormation::Stack";
pub const APPLICATION: &str = "AWS::Serverless::Application";
const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

/// Is `ty` a nested stack type?
pub fn is_nested(ty: &str) -> bool {
    ty == STACK || ty == APPLICATION
}

/// The property that names the nested template.
pub fn location_property(ty: &str) -> &'static str {
    if ty == APPLICATION {
        "Location"
    } else {
        "TemplateURL"
    }
}

/// Maps nested stack `i`, when the run resolved it: a module call, or manual with the
/// reason. `None` for other resources (and for templates converted alone).
pub(super) fn map(cx: &mut Ctx, i: usize) -> Option<(String, String)> {
    let t = cx.t;
    let r = &t.resources[i];
    if !is_nested(&r.ty) || r.for_each.is_some() {
        return None;
    }
    let ns = t.nested.get(&r.id)?;
    let service = cx
        .tables
        .service_hint(&r.ty)
        .map(|h| h.service.clone())
        .unwrap_or_else(|| "Bicep modules (nested deployment)".into());
    match ns {
        NestedStack::Unresolved { why, todo } => {
            let name = t.report_name(&r.id);
            let prop = location_property(&r.ty);
            cx.decide(
                "nested-stack-manual",
                Some((&r.id, r.span)),
                &format!("{name}: the nested template is not converted here"),
                &format!("{name} ({}) deploys the template its `{prop}` names as a nested stack; {why}.", r.ty),
                &format!("Nothing is generated for it; values read from its outputs become parameters. {todo}"),
                "Until then the parent's deployment lacks what the nested stack created.",
            );
            Some(("manual".into(), service))
        }
        NestedStack::Child(ci) => Some((call(cx, i, ci), service)),
    }
}

/// The module call of nested stack `i`; returns its status.
fn call(cx: &mut Ctx, i: usize, ci: &ChildInterface) -> String {
    let t = cx.t;
    let r = &t.resources[i];
    let (id, span) = (r.id.as_str(), r.span);
    let name = t.report_name(id);
    let sym = cx.prepared[i].sym.clone();
    let mut status = "translated";
    let mut reasons: Vec<String> = Vec::new();

    // The values the parent passes, by CloudFormation parameter name.
    let mut given: BTreeMap<String, &Expr> = BTreeMap::new();
    let mut not_declared = Vec::new();
    let mut dropped = Vec::new();
    match r.properties.get("Parameters").map(|p| &p.kind) {
        None => {}
        Some(ExprKind::Object(m)) => {
            for (k, _, v) in m {
                if v.is_null() {
                    continue;
                }
                if ci.params.iter().any(|p| p.cfn.as_deref() == Some(k)) {
                    given.insert(k.clone(), v);
                } else if ci.dropped.contains(k) {
                    dropped.push(format!("`{k}`"));
                } else {
                    not_declared.push(format!("`{k}`"));
                }
            }
        }
        Some(_) => {
            status = "partial";
            reasons.push("its `Parameters` are computed (not a literal map), so none is passed: pass them to the module by hand".into());
        }
    }

    let mut params: Vec<(String, AzExpr)> = Vec::new();
    let mut tf_params = BTreeMap::new();
    let mut forwarded = Vec::new();
    for p in &ci.params {
        let value = match &p.cfn {
            Some(cfn) if given.contains_key(cfn) => {
                let v = cx.tr(given[cfn]);
                fit(cx, v, &p.ty)
            }
            None if p.name == "location" => AzExpr::ident("location"),
            _ if !p.required => continue,
            // A value the child needs and the parent does not give: the parent's
            // deployment asks for it.
            _ => {
                let key = format!("{}-{}", kebab(id), kebab(&p.name));
                let what = match &p.cfn {
                    Some(c) => format!("the parameter `{c}`"),
                    None => format!("the parameter `{}`", p.name),
                };
                let desc = format!(
                    "Passed to the nested stack {name} ({}): {}",
                    ci.file,
                    p.description.clone().unwrap_or_else(|| what.clone())
                );
                let (ty, secure) = (p.ty.clone(), p.secure);
                let reason = format!("the nested stack {name} requires {what}");
                let param = cx.param_for(&key, &ty, |ap| {
                    ap.description = Some(desc);
                    ap.required_reason = Some(reason);
                    ap.secure = secure;
                });
                forwarded.push(format!("`{}` (as `{param}`)", p.name));
                AzExpr::ident(param)
            }
        };
        tf_params.insert(p.name.clone(), p.tf_name.clone());
        params.push((p.name.clone(), value));
    }

    // Properties with no module counterpart.
    let mut ignored = Vec::new();
    if let ExprKind::Object(m) = &r.properties.kind {
        for (k, _, v) in m {
            if v.is_null() {
                continue;
            }
            match k.as_str() {
                "TemplateURL" | "Location" | "Parameters" => {}
                "TimeoutInMinutes" => ignored.push("`TimeoutInMinutes`: an Azure deployment has no timeout of its own (a deployment runs until its resources finish or fail)".to_string()),
                "NotificationARNs" => {
                    status = "partial";
                    reasons.push("`NotificationARNs` (stack events to SNS) has no per-deployment counterpart: alert on the resource group's Activity Log (category Administrative, operation `Microsoft.Resources/deployments/write`) with an action group instead".into());
                }
                "Tags" => {
                    status = "partial";
                    reasons.push("`Tags` are not passed to the module: CloudFormation put them on every resource of the nested stack; add them to the child's resources (or give the child a tags parameter)".into());
                }
                other => {
                    status = "partial";
                    reasons.push(format!("`{other}` is not translated"));
                }
            }
        }
    }

    let count = r
        .condition
        .as_ref()
        .map(|(c, _)| cx.condition_ref(c))
        .map(|c| {
            AzExpr::Cond(
                Box::new(c),
                Box::new(AzExpr::Int(1)),
                Box::new(AzExpr::Int(0)),
            )
        });
    let tf_outputs = ci
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.tf_name.clone()))
        .collect();
    cx.module.calls.push(AzCall {
        symbol: sym.clone(),
        source: ci.source.clone(),
        version: None,
        local: true,
        params,
        condition: None,
        count,
        for_each: None,
        tf_params,
        tf_outputs,
        depends_on: cx.depends_on_of(i, &sym),
    });
    cx.extra_azure.push((DEPLOYMENTS.into(), sym.clone()));

    let how = match &ci.by_name {
        None => format!(
            "`{}` resolves to `{}`, a template of this run",
            location_text(r),
            ci.file
        ),
        Some(file_name) => format!(
            "`{}` is a URL; its file name `{file_name}` matched by name the one template of this run with that name, `{}` (check it is the same template)",
            location_text(r),
            ci.file
        ),
    };
    let call_text = if cx.words.terraform {
        format!(
            "a `module \"{}\"` block with `source = \"{}\"`",
            snake(&sym),
            ci.source
        )
    } else {
        format!("`module {sym} '{}/main.bicep'`", ci.source)
    };
    let mut decision = format!(
        "The child template is converted as its own stack and called as a module: {call_text}. Its parameters are passed by their converted names; `GetAtt {name}.Outputs.X` reads the module's output. The module deploys with the parent, in the parent's deployment: deploy only the parent (the child's output also deploys alone)."
    );
    if r.condition.is_some() {
        decision.push_str(" The module is deployed only when the stack's condition holds; its outputs are not read (they become parameters).");
    }
    cx.decide(
        "nested-stack-module",
        Some((id, span)),
        &format!("{name}: nested stack → module `{sym}`"),
        &format!("{name} ({}) deploys a nested stack: {how}.", r.ty),
        &decision,
        "A change to the child changes every parent that calls it, as with nested stacks.",
    );
    if !dropped.is_empty() {
        cx.decide(
            "nested-stack-dropped-parameters",
            Some((id, span)),
            &format!("{name}: parameters the converted child no longer has"),
            &format!("{name} passes {} to `{}`, whose conversion has no such parameter (it had no use in Azure, or became a generated resource).", dropped.join(", "), ci.file),
            "They are not passed to the module.",
            "Check the child's decisions for what replaced them.",
        );
    }
    if !not_declared.is_empty() {
        status = "partial";
        reasons.push(format!(
            "it passes {}, which `{}` does not declare (CloudFormation would refuse them), so they are not passed",
            not_declared.join(", "),
            ci.file
        ));
    }
    if !forwarded.is_empty() {
        cx.decide(
            "nested-stack-required-parameters",
            Some((id, span)),
            &format!("{name}: the converted child needs values the parent does not pass"),
            &format!("`{}` requires {} with no default; {name} does not pass them (a value the conversion could not translate stands in for them).", ci.file, forwarded.join(", ")),
            "Each becomes a parameter of the parent, passed on to the module.",
            "Supply them when deploying the parent.",
        );
    }
    if !ignored.is_empty() {
        cx.decide(
            "nested-stack-ignored",
            Some((id, span)),
            &format!("{name}: nested stack settings Azure handles differently"),
            &format!("{name} sets {}.", ignored.join("; ")),
            "Not carried over.",
            "Nothing to do.",
        );
    }
    if !reasons.is_empty() {
        cx.decide(
            "nested-stack-partial",
            Some((id, span)),
            &format!("{name}: parts of the nested stack are not translated"),
            &format!(
                "{name} calls `{}` as a module, but {}.",
                ci.file,
                reasons.join("; ")
            ),
            "The module call is generated without them.",
            "Complete the call by hand where the workload needs them.",
        );
    }
    status.into()
}

/// The location as written, for decisions.
fn location_text(r: &crate::model::template::Resource) -> String {
    match r.properties.get(location_property(&r.ty)) {
        Some(e) => e.literal_text().unwrap_or_else(|| "(an expression)".into()),
        None => String::new(),
    }
}

/// `GetAtt Stack.Outputs.X` of a nested stack called as a module: the module's output.
pub(super) fn output_ref(cx: &mut Ctx, i: usize, attribute: &str, span: Span) -> Option<AzExpr> {
    let t = cx.t;
    let r = &t.resources[i];
    if !is_nested(&r.ty) || r.for_each.is_some() {
        return None;
    }
    let NestedStack::Child(ci) = t.nested.get(&r.id)? else {
        return None;
    };
    let out = attribute.strip_prefix("Outputs.")?;
    let key = format!("{}-{}", kebab(&r.id), kebab(out));
    if r.condition.is_some() {
        return Some(cx.placeholder(
            &key,
            &format!(
                "GetAtt {}.Outputs.{out} (the nested stack is conditional)",
                r.id
            ),
            span,
        ));
    }
    match ci.outputs.iter().find(|o| o.cfn == out) {
        Some(o) => Some(
            AzExpr::ident(cx.prepared[i].sym.clone())
                .member("outputs")
                .member(&o.name),
        ),
        None => Some(cx.placeholder(
            &key,
            &format!(
                "GetAtt {}.Outputs.{out} (`{}` has no output `{out}`)",
                r.id, ci.file
            ),
            span,
        )),
    }
}

/// The Bicep type of `v` where it is known: a literal, a parameter, a module output.
fn known_type(cx: &Ctx, v: &AzExpr) -> Option<String> {
    match v {
        AzExpr::Str(_) | AzExpr::Interp(_) => Some("string".into()),
        AzExpr::Int(_) => Some("int".into()),
        AzExpr::Bool(_) => Some("bool".into()),
        AzExpr::Array(_) => Some("array".into()),
        AzExpr::Ident(n) => cx
            .module
            .params
            .iter()
            .find(|p| &p.name == n)
            .map(|p| p.ty.clone()),
        AzExpr::Member(base, out) => {
            let AzExpr::Member(root, outputs) = base.as_ref() else {
                return None;
            };
            let AzExpr::Ident(sym) = root.as_ref() else {
                return None;
            };
            if outputs != "outputs" {
                return None;
            }
            let k = cx.prepared.iter().position(|p| &p.sym == sym)?;
            match cx.t.nested.get(&cx.t.resources[k].id)? {
                NestedStack::Child(c) => c
                    .outputs
                    .iter()
                    .find(|o| &o.name == out)
                    .map(|o| o.ty.clone()),
                NestedStack::Unresolved { .. } => None,
            }
        }
        _ => None,
    }
}

/// A value CloudFormation passed as text, made the type the child's parameter has
/// (`'10'` → `10`, `'a,b'` → `['a', 'b']`, a text output → `split(…, ',')`).
fn fit(cx: &Ctx, v: AzExpr, want: &str) -> AzExpr {
    let have = known_type(cx, &v);
    if have.as_deref() == Some(want) {
        return v;
    }
    match want {
        "int" | "bool" => match (&v, have.as_deref()) {
            (AzExpr::Str(_), _) | (_, Some("string")) => crate::azure::coerce(v, want),
            _ => v,
        },
        "array" => match v {
            AzExpr::Str(s) => AzExpr::Array(
                s.split(',')
                    .map(|x| AzExpr::str(x.trim()))
                    .filter(|x| *x != AzExpr::str(""))
                    .collect(),
            ),
            // `Fn::Join [',', list]`: the list itself.
            AzExpr::Call(f, args) if f == "join" && args.len() == 2 => {
                args.into_iter().next().unwrap_or(AzExpr::Array(Vec::new()))
            }
            v if have.as_deref() == Some("string") => {
                AzExpr::call("split", vec![v, AzExpr::str(",")])
            }
            v => v,
        },
        "string" => match v {
            AzExpr::Int(n) => AzExpr::Str(n.to_string()),
            AzExpr::Bool(b) => AzExpr::Str(b.to_string()),
            v if matches!(have.as_deref(), Some("int" | "bool")) => AzExpr::call("string", vec![v]),
            v => v,
        },
        _ => v,
    }
}

/// `DependsOn` of and on nested stacks: a dependency on a nested stack that did not
/// become a module call (it stayed manual) is dropped — its decision says what to
/// deploy first — and so is one a module call has on a resource that emitted nothing.
pub(super) fn finish(cx: &mut Ctx) {
    let known: std::collections::BTreeSet<String> = cx
        .module
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        .chain(
            cx.module
                .calls
                .iter()
                .filter(|c| c.local)
                .map(|c| c.symbol.clone()),
        )
        .collect();
    for r in cx.module.resources.iter_mut() {
        r.depends_on.retain(|d| known.contains(d));
    }
    for c in cx.module.calls.iter_mut() {
        c.depends_on.retain(|d| known.contains(d));
    }
}
