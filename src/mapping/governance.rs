//! AWS Config managed rules → Azure Policy assignments of built-in definitions
//! (`mappings/tables/config-rules.yaml`), and references to the Azure resource a
//! template resource became (`template_ref`: a Firehose bucket's storage account).

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey};
use crate::model::expr::{Expr, ExprKind};

const TABLE: &str = "config-rules";

/// `template_ref` with `expr` (`{sym}.id`, `{sym}Container.name`, `{sym}`): that
/// reference to the Azure resource made from the template resource the value points
/// at — through `Ref`/`GetAtt`, or the one resource an ARN built with `Fn::Sub` or
/// `Fn::Join` names. `None` when it names none (the table's `$default` then applies),
/// and with `once: true` when an earlier resource already got it.
pub(super) fn template_ref(cx: &mut Ctx, src: &Expr, args: &Value) -> Option<AzExpr> {
    let spec = args.get("expr").and_then(|v| v.as_str())?.to_string();
    let j = match cx.referenced_resource(src) {
        Some(j) => j,
        None => {
            let mut found = BTreeSet::new();
            src.walk(&mut |x| {
                if let Some(j) = cx.referenced_resource(x) {
                    found.insert(j);
                }
            });
            if found.len() != 1 {
                return None;
            }
            found.into_iter().next()?
        }
    };
    if cx.prepared[j]
        .entry
        .as_ref()
        .is_none_or(|e| e.resources.is_empty())
    {
        return None;
    }
    // `once`: the first asker gets the reference, later ones nothing.
    if args.get("once").and_then(|v| v.as_bool()) == Some(true)
        && !cx.given_once.insert(format!("{j}#{spec}"))
    {
        return None;
    }
    Some(cx.reference_expr(j, &spec))
}

/// The properties of the policy assignment that replaces a Config rule owned by AWS:
/// the built-in definition the `config-rules` table gives for its identifier, in
/// audit mode (`DoNotEnforce`, as Config only reports), with the parameters the table
/// maps from `InputParameters`. A rule the table maps to no policy, or does not list,
/// gets a decision and no assignment.
pub(super) fn config_rule_properties(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    let r = &cx.t.resources[i];
    let (rid, span) = (r.id.clone(), r.span);
    consumed.insert("Source".into());
    consumed.insert("InputParameters".into());
    let ident = r
        .properties
        .path("Source.SourceIdentifier")
        .and_then(|v| v.literal_text());
    let input = r.properties.get("InputParameters").cloned();
    let name = r
        .properties
        .get("ConfigRuleName")
        .and_then(|v| v.literal_text())
        .unwrap_or_else(|| rid.clone());
    let description = r.properties.get("Description").cloned();
    consumed.insert("ConfigRuleName".into());
    consumed.insert("Description".into());
    let Some(ident) = ident else {
        no_policy(
            cx,
            &rid,
            span,
            "config-rule-computed",
            &format!("{rid}: the managed rule's identifier is computed"),
            "The rule's `Source.SourceIdentifier` is not a literal, so no built-in policy can be chosen.",
            "No policy assignment is generated.",
        );
        return None;
    };
    let Some(entry) = cx.tables.lookup(TABLE, &ident).cloned() else {
        no_policy(
            cx,
            &rid,
            span,
            "config-rule-unmapped",
            &format!("{rid}: no verified built-in policy for `{ident}`"),
            &format!(
                "The AWS Config managed rule `{ident}` has no entry in mappings/tables/config-rules.yaml (only built-in policy definitions whose ids were verified are listed)."
            ),
            "No policy assignment is generated. Find the built-in definition that checks the same setting (Azure portal, Policy, Definitions) and assign it at the resource group, or write a custom policy definition; add the mapping with `--mappings` to generate it.",
        );
        return None;
    };
    let text = |k: &str| entry.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let Some(policy) = text("policy") else {
        let note = text("note").unwrap_or_default();
        let status = text("status").unwrap_or_else(|| "manual".into());
        let rule = if status == "not-needed" {
            "config-rule-not-needed"
        } else {
            "config-rule-no-policy"
        };
        cx.decide(
            rule,
            Some((&rid, span)),
            &format!("{rid}: `{ident}` has no policy to assign"),
            &format!("The AWS Config managed rule `{ident}` checks a setting that Azure handles differently."),
            &note,
            "No policy assignment is generated.",
        );
        cx.folded = true;
        cx.folded_status = Some(status);
        return None;
    };
    // Parameters: AWS input parameter → the definition's parameter.
    let mut params = Vec::new();
    let mut missing = Vec::new();
    if let Some(Value::Mapping(map)) = entry.get("parameters") {
        for (k, v) in map {
            let (Some(aws), Some(azure)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            match input.as_ref().and_then(|x| x.get(aws)) {
                Some(val) if !val.is_null() => {
                    let val = cx.tr(val);
                    params.push((
                        AzKey::Name(azure.to_string()),
                        AzExpr::obj(vec![("value", val)]),
                    ));
                }
                _ => missing.push(format!("`{aws}` → `{azure}`")),
            }
        }
    }
    let required = entry
        .get("required")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if required && !missing.is_empty() {
        no_policy(
            cx,
            &rid,
            span,
            "config-rule-parameters",
            &format!("{rid}: the policy for `{ident}` needs parameters the rule does not set"),
            &format!(
                "The built-in policy needs {} from the rule's InputParameters.",
                missing.join(", ")
            ),
            &format!(
                "No policy assignment is generated; assign {policy} with its parameters by hand."
            ),
        );
        return None;
    }
    // Input parameters the definition does not take.
    let mapped: Vec<String> = match entry.get("parameters") {
        Some(Value::Mapping(map)) => map
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let dropped: Vec<String> = match input.as_ref().map(|x| &x.kind) {
        Some(ExprKind::Object(m)) => m
            .iter()
            .filter(|(k, _, _)| !mapped.contains(k))
            .map(|(k, _, _)| format!("`{k}`"))
            .collect(),
        _ => Vec::new(),
    };
    if !dropped.is_empty() {
        cx.decide(
            "config-rule-inputs",
            Some((&rid, span)),
            &format!("{rid}: input parameters the built-in policy does not take"),
            &format!("The rule sets {} for `{ident}`.", dropped.join(", ")),
            "The built-in definition checks its own fixed criteria; these values are not carried over.",
            "Review whether the definition's checks match; if the values matter, write a custom definition that takes them.",
        );
        cx.floor_status("partial");
    }
    let display = text("name").unwrap_or_default();
    let mut props: Vec<(AzKey, AzExpr)> = vec![
        (
            AzKey::Name("displayName".into()),
            AzExpr::str(format!("{name}: {display}")),
        ),
        (
            AzKey::Name("policyDefinitionId".into()),
            AzExpr::str(format!(
                "/providers/Microsoft.Authorization/policyDefinitions/{policy}"
            )),
        ),
        (
            AzKey::Name("enforcementMode".into()),
            AzExpr::str("DoNotEnforce"),
        ),
    ];
    if let Some(d) = description {
        let d = cx.tr(&d);
        props.insert(1, (AzKey::Name("description".into()), d));
    }
    if !params.is_empty() {
        props.push((AzKey::Name("parameters".into()), AzExpr::Object(params)));
    }
    Some(AzExpr::Object(props))
}

/// A rule left without an assignment: a decision, and the resource is manual.
fn no_policy(
    cx: &mut Ctx,
    rid: &str,
    span: crate::source::Span,
    rule: &str,
    title: &str,
    context: &str,
    decision: &str,
) {
    cx.decide(
        rule,
        Some((rid, span)),
        title,
        context,
        decision,
        "The rule's compliance check is not carried over until the assignment exists.",
    );
    cx.folded = true;
    cx.folded_status = Some("manual".into());
}

/// `kql_placeholder`: a saved search's query while its Logs Insights source awaits a
/// KQL rewrite — the source quoted line by line as KQL comments, then a `print` that
/// says so (valid KQL that returns one row, not data that looks like an answer).
pub(super) fn kql_placeholder(cx: &mut Ctx, src: &Expr) -> AzExpr {
    let note = "print note = \"Rewrite this saved search in KQL from the CloudWatch Logs Insights query above.\"";
    match src.literal_text() {
        Some(q) => {
            let mut out = String::from("// CloudWatch Logs Insights query (to rewrite in KQL):\n");
            for line in q.lines() {
                out.push_str("// ");
                out.push_str(line.trim_end());
                out.push('\n');
            }
            out.push_str(note);
            AzExpr::str(out)
        }
        None => {
            let q = cx.tr(src);
            crate::azure::interp(vec![
                crate::azure::Interp::Lit(
                    "// CloudWatch Logs Insights query (to rewrite in KQL):\n// ".into(),
                ),
                crate::azure::Interp::Expr(q),
                crate::azure::Interp::Lit(format!("\n{note}")),
            ])
        }
    }
}

/// The template resource (a CloudWatch Logs metric filter) whose `MetricTransformations`
/// publish the metric an alarm's literal `Namespace` and `MetricName` name.
pub(super) fn metric_filter_of(cx: &Ctx, alarm: &Expr) -> Option<usize> {
    let ns = alarm.get("Namespace").and_then(|v| v.literal_text())?;
    let name = alarm.get("MetricName").and_then(|v| v.literal_text())?;
    cx.t.resources.iter().position(|r| {
        r.properties
            .get("MetricTransformations")
            .and_then(|m| m.as_list())
            .is_some_and(|l| {
                l.iter().any(|m| {
                    m.get("MetricNamespace")
                        .and_then(|v| v.literal_text())
                        .as_deref()
                        == Some(ns.as_str())
                        && m.get("MetricName")
                            .and_then(|v| v.literal_text())
                            .as_deref()
                            == Some(name.as_str())
                })
            })
    })
}
