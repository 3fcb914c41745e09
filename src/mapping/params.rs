//! Template-level translation: parameters, conditions, mappings and outputs.

use super::context::Ctx;
use crate::azure::{AzExpr, AzOutput, AzParam, AzVar};
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Parameter;
use crate::names::interface_name;

fn bicep_type(cfn: &str, default: Option<&Expr>) -> &'static str {
    if cfn.starts_with("List<")
        || cfn == "CommaDelimitedList"
        || cfn.starts_with("AWS::SSM::Parameter::Value<List<")
        || cfn.starts_with("AWS::SSM::Parameter::Value<CommaDelimitedList")
    {
        return "array";
    }
    match cfn {
        "Bool" => return "bool",
        "Object" => return "object",
        _ => {}
    }
    if cfn == "Number" {
        let integral = default.is_none_or(|d| {
            d.literal_text()
                .is_some_and(|t| t.trim().parse::<i64>().is_ok())
        });
        return if integral { "int" } else { "string" };
    }
    "string"
}

fn value_as(ty: &str, e: &Expr) -> AzExpr {
    let text = e.literal_text().unwrap_or_default();
    match ty {
        "int" => text
            .trim()
            .parse::<i64>()
            .map(AzExpr::Int)
            .unwrap_or(AzExpr::Str(text)),
        "array" => match &e.kind {
            ExprKind::List(items) => AzExpr::Array(
                items
                    .iter()
                    .map(|i| AzExpr::Str(i.literal_text().unwrap_or_default()))
                    .collect(),
            ),
            _ if text.is_empty() => AzExpr::Array(Vec::new()),
            _ => AzExpr::Array(text.split(',').map(|s| AzExpr::str(s.trim())).collect()),
        },
        _ => AzExpr::Str(text),
    }
}

/// `Parameters` → `param`s with decorators.
pub fn declare(cx: &mut Ctx) {
    for p in &cx.t.parameters {
        cx.subject = Some(p.name.clone());
        let sym = cx.syms.alloc_param(&p.name);
        cx.param_syms.insert(p.name.clone(), sym.clone());
        let mut ap = param_values(cx, p, sym);
        // A secret's default would sit in the Bicep file and the deployment history.
        // (A parameter found to carry a secret keeps only an empty default: its literal
        // value, if any, was taken out before mapping.)
        let promoted = p.secret.as_ref().is_some_and(|s| s.promoted);
        let dropped_secret_default = p.no_echo && !promoted && ap.default.take().is_some();
        let desc = param_description(cx, p);
        if !desc.is_empty() {
            ap.description = Some(desc);
        }
        if let Some(reason) = required_reason(cx, p, dropped_secret_default) {
            ap.required_reason = Some(reason);
        }
        // Parameters made for literal secrets, or promoted, have decisions of their own.
        if p.no_echo
            && p.secret
                .as_ref()
                .is_none_or(|s| !s.promoted && s.stands_for.is_none())
        {
            cx.template_decision(
                "secure-parameters",
                "NoEcho parameters become secure parameters",
                "`NoEcho` hides a parameter's value in CloudFormation's console and API.",
                "Each becomes a `@secure()` parameter without a default (a default would be stored in the Bicep file): Azure keeps it out of logs and deployment history. Its value never appears in this report.",
                "Pass the value from Key Vault (a parameters-file reference) rather than on the command line.",
                p.span,
            );
        }
        ap.seq = cx.next_seq();
        cx.module.params.push(ap);
    }
    cx.subject = None;
}

/// The parameter `sym` with its type, default, allowed values, bounds and secure flag.
fn param_values(cx: &mut Ctx, p: &Parameter, sym: String) -> AzParam {
    let ty = bicep_type(&p.ty, p.default.as_ref());
    let mut ap = AzParam::new(sym, ty);
    if cx.t.tf.is_some() {
        // Terraform defaults are typed values (lists of objects, maps): translated as they are.
        ap.tf_name = Some(p.name.clone());
        ap.tf_type = p.tf_type.clone();
        ap.default = p.default.as_ref().map(|d| cx.tr(d));
        ap.allowed = p.allowed_values.iter().map(|v| cx.tr(v)).collect();
    } else {
        // Terraform output names the variable after the parameter, not the Bicep symbol
        // (`Environment` → `environment`, not `environment2`).
        ap.tf_name = Some(crate::names::snake(&p.name));
        ap.default = p.default.as_ref().map(|d| value_as(ty, d));
        ap.allowed = p
            .allowed_values
            .iter()
            .map(|v| value_as(if ty == "array" { "string" } else { ty }, v))
            .collect();
    }
    if ty == "string" {
        ap.min_length = p.min_length;
        ap.max_length = p.max_length;
    }
    if ty == "int" {
        ap.min_value = p.min_value;
        ap.max_value = p.max_value;
    }
    ap.secure = p.no_echo;
    ap
}

/// The parameter's description, with its `AllowedPattern` and special AWS type (each
/// with its decision); empty when there is none.
fn param_description(cx: &mut Ctx, p: &Parameter) -> String {
    let mut desc = p.description.clone().unwrap_or_default().trim().to_string();
    if let Some(pat) = &p.allowed_pattern {
        if !desc.is_empty() && !desc.ends_with('.') {
            desc.push('.');
        }
        desc = format!("{desc} Must match {pat}").trim().to_string();
        cx.template_decision(
            "allowed-pattern",
            "AllowedPattern is not enforced by Bicep",
            "CloudFormation checks a parameter against `AllowedPattern` before deploying; Bicep has no pattern decorator.",
            "The pattern moves into the parameter's description.",
            "Validate the value in the pipeline that deploys, or accept any string.",
            p.span,
        );
    }
    if p.ty != "String"
        && p.ty != "Number"
        && p.ty != "Bool"
        && p.ty != "Object"
        && p.ty != "CommaDelimitedList"
        && !p.ty.starts_with("List<Number")
    {
        desc = format!("{desc} (was {})", p.ty).trim().to_string();
        special_type_decision(cx, &p.ty, p.span);
    }
    desc
}

/// Why the parameter must be supplied (a secret's value left out, no default), if it must.
fn required_reason(cx: &Ctx, p: &Parameter, dropped_secret_default: bool) -> Option<String> {
    let kind = if cx.t.tf.is_some() {
        "sensitive variable"
    } else {
        "secret parameter"
    };
    match &p.secret {
        Some(crate::model::template::SecretOrigin {
            stands_for: Some((_, what)),
            ..
        }) => Some(format!(
            "stands in for the literal secret {what} (not copied)"
        )),
        Some(origin) if !origin.literals.is_empty() => {
            let which: Vec<&str> = origin.literals.iter().map(|(_, w)| w.as_str()).collect();
            Some(format!(
                "{kind} {} (its {} is not copied)",
                p.name,
                which.join(" and ")
            ))
        }
        Some(origin) if origin.dropped_default => Some(format!(
            "{kind} {} (its default is not carried over)",
            p.name
        )),
        Some(_) if p.default.is_none() => Some(format!("{kind} {} has no default", p.name)),
        Some(_) => None,
        None if dropped_secret_default => Some(format!(
            "NoEcho parameter {} (its default is not carried over)",
            p.name
        )),
        None if p.default.is_none() => {
            Some(format!("template parameter {} has no default", p.name))
        }
        None => None,
    }
}

fn special_type_decision(cx: &mut Ctx, ty: &str, span: crate::source::Span) {
    if ty.starts_with("AWS::SSM::Parameter::Value") {
        cx.template_decision(
            "ssm-parameter-types",
            "SSM parameter types become plain parameters",
            "`AWS::SSM::Parameter::Value<…>` parameters hold a Parameter Store path whose value CloudFormation reads at deployment.",
            "The parameter now takes the value itself; its former default (a Parameter Store path) is kept only as a hint and must be replaced.",
            "Copy the current value from Parameter Store, or keep it in Azure App Configuration and pass it in.",
            span,
        );
    } else if ty.starts_with("AWS::EC2::")
        || ty.starts_with("List<AWS::EC2::")
        || ty.starts_with("AWS::Route53::")
    {
        cx.template_decision(
            "aws-specific-parameter-types",
            "AWS-specific parameter types become strings",
            "Parameters typed `AWS::EC2::…` (VPC, subnet, security group, key pair, image ids) hold AWS identifiers that CloudFormation validates.",
            "They become plain strings or arrays; pass the Azure resource ids (VNet, subnet, NSG) or values that replace them.",
            "Nothing checks the values before deployment; a wrong id fails at deployment time.",
            span,
        );
    }
}

/// `Conditions` → boolean `var`s; `Mappings` → object `var`s.
pub fn conditions_and_mappings(cx: &mut Ctx) {
    for c in &cx.t.conditions {
        let sym = cx.syms.alloc(&c.name);
        cx.condition_syms.insert(c.name.clone(), sym);
    }
    for m in &cx.t.mappings {
        let sym = cx.syms.alloc(&m.name);
        cx.mapping_syms.insert(m.name.clone(), sym);
    }
    for m in &cx.t.mappings {
        let value = cx.tr(&m.value);
        let value = regions_to_locations(cx, &m.name, m.span, value);
        let name = cx.mapping_syms[&m.name].clone();
        cx.module.vars.push(AzVar {
            name,
            value,
            comment: Some(format!("Was Mappings.{}.", m.name)),
            tf_name: None,
        });
    }
    for c in &cx.t.conditions {
        cx.subject = Some(format!("condition {}", c.name));
        let value = cx.tr(&c.value);
        let name = cx.condition_syms[&c.name].clone();
        cx.module.vars.push(AzVar {
            name,
            value,
            comment: Some(format!("Was Conditions.{}.", c.name)),
            tf_name: None,
        });
    }
    cx.subject = None;
}

/// A mapping keyed by AWS regions (looked up with `AWS::Region`) is re-keyed
/// by the Azure locations of `mappings/tables/regions.yaml`, since `location`
/// now holds an Azure location.
fn regions_to_locations(
    cx: &mut Ctx,
    name: &str,
    span: crate::source::Span,
    value: AzExpr,
) -> AzExpr {
    let AzExpr::Object(entries) = value else {
        return value;
    };
    let is_region = |k: &crate::azure::AzKey| matches!(k, crate::azure::AzKey::Name(n) if cx.tables.lookup("regions", n).is_some());
    if entries.is_empty() || !entries.iter().all(|(k, _)| is_region(k)) {
        return AzExpr::Object(entries);
    }
    let mut out: Vec<(crate::azure::AzKey, AzExpr)> = Vec::new();
    let mut renamed = Vec::new();
    let mut dropped = Vec::new();
    for (k, v) in entries {
        let crate::azure::AzKey::Name(aws) = &k else {
            continue;
        };
        let loc = cx
            .tables
            .lookup_str("regions", aws, "location")
            .unwrap_or_else(|| aws.clone());
        if out
            .iter()
            .any(|(k2, _)| matches!(k2, crate::azure::AzKey::Name(n) if *n == loc))
        {
            dropped.push(format!("{aws} (→ {loc}, already taken)"));
            continue;
        }
        renamed.push(format!("{aws} → {loc}"));
        out.push((crate::azure::AzKey::Name(loc), v));
    }
    cx.subject = Some(format!("Mappings.{name}"));
    let dropped_text = if dropped.is_empty() {
        String::new()
    } else {
        format!(
            " Dropped, as their Azure region is already listed: {}.",
            dropped.join(", ")
        )
    };
    cx.template_decision(
        &format!("region-keyed-mapping-{}", crate::names::kebab(name)),
        &format!("Mappings.{name} is keyed by Azure regions"),
        &format!("Mappings.{name} is keyed by AWS region and read with `AWS::Region`, which is now the Azure `location`."),
        &format!("Keys follow mappings/tables/regions.yaml: {}.{dropped_text}", renamed.join(", ")),
        "Values such as AMI ids stay AWS-specific and are translated where they are used; deploying to a location with no key fails.",
        span,
    );
    cx.subject = None;
    AzExpr::Object(out)
}

fn output_type(e: &AzExpr) -> &'static str {
    match e {
        AzExpr::Bool(_) | AzExpr::Bin("==" | "!=" | "&&" | "||", ..) | AzExpr::Not(_) => "bool",
        AzExpr::Int(_) => "int",
        AzExpr::Array(_) | AzExpr::For(..) => "array",
        AzExpr::Object(_) => "object",
        AzExpr::Cond(_, a, _) => output_type(a),
        AzExpr::Str(_) | AzExpr::Interp(_) => "string",
        AzExpr::Call(f, _) if f == "split" || f == "pickZones" => "array",
        AzExpr::Call(f, _) if f == "length" => "int",
        AzExpr::TfOnly(t) => tf_output_type(t),
        _ => "string",
    }
}

/// The type of a Terraform-only value, as the Bicep it lowers to has it.
fn tf_output_type(t: &crate::azure::TfOnly) -> &'static str {
    use crate::azure::TfForm;
    match (&t.form, t.args.as_slice()) {
        (TfForm::CondSplat, _) => "array",
        (TfForm::Call(f), [_, _]) if f == "split" => "array",
        (TfForm::Call(f), [_]) if f == "length" => "int",
        // Conversions Bicep does not need: the value's own type.
        (TfForm::Call(f), [x])
            if matches!(
                f.as_str(),
                "toset" | "tolist" | "tomap" | "sensitive" | "nonsensitive"
            ) =>
        {
            output_type(x)
        }
        _ => "string",
    }
}

/// Secure parameters, and the variables whose value is derived from one.
fn secret_idents(m: &crate::azure::AzModule) -> std::collections::BTreeSet<String> {
    let mut out: std::collections::BTreeSet<String> = m
        .params
        .iter()
        .filter(|p| p.secure)
        .map(|p| p.name.clone())
        .collect();
    loop {
        let before = out.len();
        for v in &m.vars {
            let mut ids = Vec::new();
            v.value.idents(&mut ids);
            if ids.iter().any(|i| out.contains(i)) {
                out.insert(v.name.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// `Outputs` → `output`s; exports recorded as a decision. An output derived from a
/// secure value (directly or through variables) is secure.
pub fn outputs(cx: &mut Ctx) {
    let secret_idents = secret_idents(&cx.module);
    for o in &cx.t.outputs {
        cx.subject = Some(format!("output {}", o.name));
        let value = cx.tr(&o.value);
        let ty = output_type(&value);
        let value = match &o.condition {
            Some(c) => {
                let zero = match ty {
                    "bool" => AzExpr::Bool(false),
                    "int" => AzExpr::Int(0),
                    "array" => AzExpr::Array(Vec::new()),
                    "object" => AzExpr::Object(Vec::new()),
                    _ => AzExpr::str(""),
                };
                AzExpr::Cond(
                    Box::new(cx.condition_ref(c)),
                    Box::new(value),
                    Box::new(zero),
                )
            }
            None => value,
        };
        let mut desc = o.description.clone().unwrap_or_default();
        if let Some(export) = &o.export {
            let name = match &export.kind {
                ExprKind::Str(s) => s.clone(),
                ExprKind::Sub(parts) => parts
                    .iter()
                    .map(|p| match p {
                        crate::model::SubPart::Lit(l) => l.clone(),
                        crate::model::SubPart::Expr(e) => match &e.kind {
                            ExprKind::Ref(r) => format!("${{{r}}}"),
                            ExprKind::GetAtt {
                                resource,
                                attribute,
                            } => format!("${{{resource}.{attribute}}}"),
                            _ => "${…}".into(),
                        },
                    })
                    .collect(),
                _ => "a computed name".into(),
            };
            let sep = if desc.is_empty() || desc.ends_with('.') {
                ""
            } else {
                "."
            };
            desc = format!("{desc}{sep} Was exported as {name}.")
                .trim()
                .to_string();
            cx.template_decision(
                "exports",
                "Stack exports become deployment outputs",
                "CloudFormation exports let other stacks read a value with Fn::ImportValue and block deleting it while in use.",
                "Each export is a Bicep `output`; consumers read the deployment output or declare the resource `existing`.",
                "Azure does not stop deleting a resource another deployment reads.",
                o.span,
            );
        }
        // Outputs are a namespace of their own (in Bicep and in Terraform): an output
        // keeps its source name whatever a parameter, variable or resource is called.
        // Only two source names with the same camelCase form need telling apart.
        let from_tf = cx.t.tf.is_some();
        let mut name = interface_name(&o.name, from_tf, true);
        let mut n = 2;
        while cx.module.outputs.iter().any(|x| x.name == name) {
            name = format!("{}{n}", interface_name(&o.name, from_tf, true));
            n += 1;
        }
        let tf_name = interface_name(&o.name, from_tf, false);
        let mut used = Vec::new();
        value.idents(&mut used);
        let secure = o.sensitive || used.iter().any(|u| secret_idents.contains(u));
        cx.module.outputs.push(AzOutput {
            name,
            ty: ty.into(),
            value,
            description: if desc.is_empty() { None } else { Some(desc) },
            secure,
            tf_name: Some(tf_name),
        });
    }
    cx.subject = None;
}
