//! Compute transforms: function apps (from Lambda and SAM functions) and VMs.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, Interp};
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Resource;
use crate::names::kebab;

/// Environment variables → `appSettings`, after the host storage settings. An app on
/// a Dedicated plan (`dedicated`) also names the Functions runtime and its language
/// worker, which Flex Consumption reads from `functionAppConfig.runtime`.
pub fn app_settings(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
    dedicated: bool,
) -> AzExpr {
    consumed.insert("Environment".into());
    let t = cx.t;
    let r = &t.resources[i];
    let storage = cx
        .shared
        .get("functionStorage")
        .cloned()
        .unwrap_or_else(|| "functionStorage".into());
    let mut out = Vec::new();
    if dedicated {
        let (name, _, _) = runtime_of(cx, r);
        out.push(setting("FUNCTIONS_EXTENSION_VERSION", AzExpr::str("~4")));
        out.push(setting("FUNCTIONS_WORKER_RUNTIME", AzExpr::Str(name)));
    }
    out.push(setting(
        "AzureWebJobsStorage__accountName",
        AzExpr::path(&storage, "name"),
    ));
    out.push(setting(
        "AzureWebJobsStorage__credential",
        AzExpr::str("managedidentity"),
    ));
    // With a user-assigned identity (the former execution role), SDKs and
    // triggers must be told which identity to use.
    let role = r
        .properties
        .get("Role")
        .and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, "grants", "role"));
    if let Some(j) = role {
        out.push(setting(
            "AZURE_CLIENT_ID",
            cx.reference_expr(j, "@.properties.clientId"),
        ));
    }
    if let Some(ai) = cx.shared.get("functionInsights").cloned() {
        out.push(setting(
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            AzExpr::path(&ai, "properties.ConnectionString"),
        ));
    }
    if let Some(ExprKind::Object(vars)) =
        r.properties.path("Environment.Variables").map(|v| &v.kind)
    {
        for (k, _, v) in vars {
            if v.is_null() {
                continue;
            }
            // App settings are strings: literals become text, structured values JSON.
            let value = match cx.tr(v) {
                AzExpr::Int(n) => AzExpr::Str(n.to_string()),
                AzExpr::Bool(b) => AzExpr::Str(b.to_string()),
                AzExpr::Null => AzExpr::str(""),
                x @ (AzExpr::Array(_) | AzExpr::Object(_) | AzExpr::For(..)) => {
                    AzExpr::call("string", vec![x])
                }
                AzExpr::Ident(n)
                    if cx
                        .module
                        .params
                        .iter()
                        .any(|p| p.name == n && p.ty != "string") =>
                {
                    AzExpr::call("string", vec![AzExpr::Ident(n)])
                }
                other => other,
            };
            out.push(setting(k, value));
        }
    }
    AzExpr::Array(out)
}

fn setting(name: &str, value: AzExpr) -> AzExpr {
    AzExpr::obj(vec![("name", AzExpr::str(name)), ("value", value)])
}

/// System-assigned identity for host storage, plus the role's user-assigned identity.
pub fn function_identity(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("Role".into());
    consumed.insert("Policies".into());
    let t = cx.t;
    let r = &t.resources[i];
    let role = r
        .properties
        .get("Role")
        .and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, "grants", "role"));
    match role {
        Some(j) => {
            let id = cx.reference_expr(j, "{sym}.id");
            AzExpr::obj(vec![
                ("type", AzExpr::str("SystemAssigned, UserAssigned")),
                (
                    "userAssignedIdentities",
                    AzExpr::Object(vec![(AzKey::Expr(id), AzExpr::Object(Vec::new()))]),
                ),
            ])
        }
        None => AzExpr::obj(vec![("type", AzExpr::str("SystemAssigned"))]),
    }
}

/// The Functions runtime `(name, version, exact)` of a Lambda function's `Runtime`
/// (`lambda-runtimes`; a custom handler when the table has no entry).
fn runtime_of(cx: &Ctx, r: &Resource) -> (String, String, bool) {
    let rt = r.properties.get("Runtime").and_then(|x| x.literal_text());
    let found = rt.as_ref().and_then(|k| {
        Some((
            cx.tables.lookup_str("lambda-runtimes", k, "name")?,
            cx.tables.lookup_str("lambda-runtimes", k, "version")?,
            cx.tables
                .lookup_str("lambda-runtimes", k, "exact")
                .is_none_or(|e| e == "true"),
        ))
    });
    found.unwrap_or_else(|| ("custom".into(), "1.0".into(), false))
}

/// Lambda runtime → Flex Consumption runtime `{ name, version }`.
pub fn runtime(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    let (name, version) = checked_runtime(cx, i, consumed, "Flex Consumption");
    AzExpr::obj(vec![
        ("name", AzExpr::Str(name)),
        ("version", AzExpr::Str(version)),
    ])
}

/// Lambda runtime → `siteConfig.linuxFxVersion` of an app on a Dedicated plan
/// (`PYTHON|3.12`); a custom handler has no language stack (`None`).
pub fn linux_fx_version(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let (name, version) = checked_runtime(cx, i, consumed, "A Dedicated plan");
    (name != "custom").then(|| AzExpr::Str(format!("{}|{version}", name.to_ascii_uppercase())))
}

/// The runtime of function `i`, with a decision when the language version changes
/// or the function is a container image (`plan` names the hosting in the text).
fn checked_runtime(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
    plan: &str,
) -> (String, String) {
    consumed.insert("Runtime".into());
    consumed.insert("Handler".into());
    consumed.insert("PackageType".into());
    let t = cx.t;
    let r = &t.resources[i];
    let rt = r.properties.get("Runtime").and_then(|x| x.literal_text());
    let image = r.properties.get("PackageType").and_then(|x| x.as_str()) == Some("Image");
    let (name, version, exact) = runtime_of(cx, r);
    if !exact || image {
        let what = if image {
            "a container image".to_string()
        } else {
            match &rt {
                Some(k) => format!("runtime `{k}`"),
                None => "a runtime given by an expression".to_string(),
            }
        };
        cx.decide(
            "function-runtime",
            Some((&r.id, r.span)),
            &format!("{}: {what} → {name} {version}", r.id),
            &format!("The function uses {what}; {plan} supports a fixed set of language versions."),
            &format!("The app runs `{name}` {version}."),
            "Test the code on this version; `custom` means a custom handler (an executable that speaks HTTP to the host).",
        );
        cx.floor_status("partial");
    }
    (name, version)
}

/// `MemorySize` (MB) → a Flex Consumption instance size (512, 2048 or 4096 MB).
pub fn memory(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("MemorySize".into());
    let mb = cx.t.resources[i]
        .properties
        .get("MemorySize")
        .and_then(|m| m.literal_i64())
        .unwrap_or(128);
    AzExpr::Int(match mb {
        0..=512 => 512,
        513..=2048 => 2048,
        _ => 4096,
    })
}

/// `ImageId` → an image reference: from the user's `images` table, else a parameter.
pub fn vm_image(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("ImageId".into());
    let src = cx.t.resources[i].properties.get("ImageId").cloned();
    image_from(cx, i, src)
}

/// The image reference for resource `i` from an `ImageId` value (its own, or its
/// launch configuration's).
pub(super) fn image_from(cx: &mut Ctx, i: usize, src: Option<Expr>) -> AzExpr {
    let t = cx.t;
    let r = &t.resources[i];
    let key = match src.as_ref().map(|s| &s.kind) {
        Some(ExprKind::Str(s)) => s.clone(),
        Some(ExprKind::Ref(p)) => {
            cx.t.parameter(p)
                .and_then(|p| p.default.as_ref().and_then(|d| d.literal_text()))
                .unwrap_or_else(|| p.clone())
        }
        Some(ExprKind::FindInMap { map, .. }) => format!("map-{map}"),
        Some(ExprKind::Dynamic(d)) => d.reference.clone(),
        _ => "image".into(),
    };
    if let Some(entry) = cx.tables.lookup("images", &key).cloned() {
        let get = |f: &str| {
            entry
                .get(f)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        return AzExpr::obj(vec![
            ("publisher", AzExpr::Str(get("publisher"))),
            ("offer", AzExpr::Str(get("offer"))),
            ("sku", AzExpr::Str(get("sku"))),
            (
                "version",
                AzExpr::Str(if get("version").is_empty() {
                    "latest".into()
                } else {
                    get("version")
                }),
            ),
        ]);
    }
    let pkey = format!(
        "image-reference-{}",
        kebab(&key.replace('/', "-"))
            .chars()
            .take(40)
            .collect::<String>()
    );
    let p = cx.param_for(&pkey, "object", |p| {
        p.description = Some(format!(
            "Image of the VM: {{ publisher, offer, sku, version }} or {{ id }} of a Compute Gallery image. Was the AMI `{key}`."
        ));
        p.required_reason = Some(format!("AMI `{key}` has no Azure equivalent"));
    });
    cx.decide(
        "ami-image",
        Some((&r.id, r.span)),
        &format!("{}: the AMI becomes an image parameter", r.id),
        &format!("AMI ids are regional AWS images (here `{key}`); nothing identifies the equivalent Azure image."),
        &format!("The image is the parameter `{p}`; no image is guessed. A `--mappings` table `images` (key: the AMI id or SSM path) can supply it."),
        "Choose a Marketplace or Compute Gallery image with the same OS; user data and agents may need changes.",
    );
    cx.floor_status("partial");
    AzExpr::ident(p)
}

/// OS profile: administrator, SSH key (was the key pair) and user data.
pub fn vm_os_profile(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("KeyName".into());
    consumed.insert("UserData".into());
    let props = cx.t.resources[i].properties.clone();
    os_profile(cx, i, &props, false)
}

/// The OS profile of resource `i` from launch settings `props` (`UserData`): a VM's
/// `computerName`, or a scale set's `computerNamePrefix`.
pub(super) fn os_profile(cx: &mut Ctx, i: usize, props: &Expr, scale_set: bool) -> AzExpr {
    let t = cx.t;
    let r = &t.resources[i];
    let user = cx.param_for("admin-username", "string", |p| {
        p.default = Some(AzExpr::str("azureuser"));
        p.description = Some(
            "Administrator user of the VMs (EC2 images ship a fixed user; Azure needs one).".into(),
        );
    });
    // A key pair of the template that imports its public key is an SSH public key
    // resource the VM reads; any other key pair becomes a parameter.
    let imported = props
        .get("KeyName")
        .and_then(|k| cx.referenced_resource(k))
        .filter(|&j| {
            t.resources[j].ty == "AWS::EC2::KeyPair"
                && t.resources[j].properties.get("PublicKeyMaterial").is_some()
                && cx.prepared[j].entry.is_some()
        });
    let key_data = match imported {
        Some(j) => cx.reference_expr(j, "@.properties.publicKey"),
        None => {
            let key = cx.param_for("admin-ssh-public-key", "string", |p| {
                p.description = Some(
                    "SSH public key of the administrator (EC2 key pairs cannot be read outside AWS)."
                        .into(),
                );
                p.required_reason = Some("EC2 key pairs cannot be exported".into());
            });
            cx.template_decision(
                "key-pair",
                "EC2 key pairs become an SSH public key parameter",
                "Instances name an EC2 key pair; its public key stays in AWS.",
                &format!(
                    "VMs use `{user}` with the public key `{key}`; password login is disabled."
                ),
                "Supply the public key of the same key pair to keep the same private key.",
                r.span,
            );
            AzExpr::ident(&key)
        }
    };
    // Linux host names take 15 characters; a scale set appends 6 of its own to the prefix.
    let (field, len) = if scale_set {
        ("computerNamePrefix", 9)
    } else {
        ("computerName", 15)
    };
    let mut profile = vec![
        (
            field,
            AzExpr::Str(
                kebab(&r.id)
                    .chars()
                    .take(len)
                    .collect::<String>()
                    .trim_end_matches('-')
                    .to_string(),
            ),
        ),
        ("adminUsername", AzExpr::ident(&user)),
    ];
    if let Some(ud) = props.get("UserData") {
        let data = match &ud.kind {
            ExprKind::Base64(inner) => {
                let v = cx.tr(inner);
                AzExpr::call("base64", vec![v])
            }
            _ => cx.tr(ud),
        };
        profile.push(("customData", data));
        cx.decide(
            "user-data",
            Some((&r.id, ud.span)),
            &format!("{}: user data becomes custom data", r.id),
            "EC2 user data runs at first boot through cloud-init (Linux) or EC2Launch (Windows).",
            "It becomes `customData`, which cloud-init runs on Azure Linux images.",
            "Scripts that call the EC2 metadata service, the AWS CLI or cfn-init must be rewritten.",
        );
        cx.floor_status("partial");
    }
    let keys = AzExpr::Array(vec![AzExpr::obj(vec![
        (
            "path",
            AzExpr::Interp(vec![
                Interp::Lit("/home/".into()),
                Interp::Expr(AzExpr::ident(&user)),
                Interp::Lit("/.ssh/authorized_keys".into()),
            ]),
        ),
        ("keyData", key_data),
    ])]);
    profile.push((
        "linuxConfiguration",
        AzExpr::obj(vec![
            ("disablePasswordAuthentication", AzExpr::Bool(true)),
            ("ssh", AzExpr::obj(vec![("publicKeys", keys)])),
        ]),
    ));
    AzExpr::obj(profile)
}

/// `IamInstanceProfile` → the user-assigned identity of the profile's role.
pub fn instance_identity(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("IamInstanceProfile".into());
    let profile = cx.t.resources[i]
        .properties
        .get("IamInstanceProfile")
        .cloned();
    identity_from(cx, i, profile.as_ref())
}

/// The identity of resource `i` from an instance profile value: a reference to the
/// profile (`Ref`), or a launch template's `{Arn}` / `{Name}`.
pub(super) fn identity_from(cx: &mut Ctx, i: usize, profile: Option<&Expr>) -> Option<AzExpr> {
    let t = cx.t;
    let r = &t.resources[i];
    let profile = profile?;
    let profile = profile
        .get("Arn")
        .or_else(|| profile.get("Name"))
        .unwrap_or(profile);
    let role = cx
        .referenced_resource(profile)
        .and_then(|p| {
            cx.t.resources[p]
                .properties
                .get("Roles")
                .and_then(|l| l.as_list())
                .and_then(|l| l.first().cloned())
        })
        .and_then(|role: Expr| cx.referenced_resource(&role))
        .filter(|j| cx.plays(*j, "grants", "role"));
    match role {
        Some(j) => {
            let id = cx.reference_expr(j, "{sym}.id");
            Some(AzExpr::obj(vec![
                ("type", AzExpr::str("UserAssigned")),
                (
                    "userAssignedIdentities",
                    AzExpr::Object(vec![(AzKey::Expr(id), AzExpr::Object(Vec::new()))]),
                ),
            ]))
        }
        None => {
            cx.decide(
                "instance-profile-external",
                Some((&r.id, r.span)),
                &format!("{}: instance profile outside the template", r.id),
                "The instance profile (and its role) is not declared in this template.",
                "The VM gets no managed identity; attach the identity that replaces the role by hand.",
                "Calls the instance made with its role's credentials fail until then.",
            );
            cx.floor_status("partial");
            None
        }
    }
}

const WINDOWS: &[(i64, &str)] = &[
    (60, "PT1M"),
    (300, "PT5M"),
    (600, "PT10M"),
    (900, "PT15M"),
    (1800, "PT30M"),
    (3600, "PT1H"),
    (21600, "PT6H"),
    (43200, "PT12H"),
    (86400, "PT24H"),
];
const FREQUENCIES: &[(i64, &str)] = &[
    (60, "PT1M"),
    (300, "PT5M"),
    (900, "PT15M"),
    (1800, "PT30M"),
    (3600, "PT1H"),
];

/// The alarm properties the metric alert accounts for.
const ALARM_KEYS: &[&str] = &[
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "Threshold",
    "ComparisonOperator",
    "AlarmActions",
    "AlarmDescription",
    "DatapointsToAlarm",
    "TreatMissingData",
    "AlarmName",
    "Unit",
    "OKActions",
    "InsufficientDataActions",
    "ActionsEnabled",
];

/// `AWS::CloudWatch::Alarm` → metric alert properties, when the metric maps and
/// its dimension names a translated resource; `None` otherwise (no alert).
pub fn alarm_properties(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in ALARM_KEYS {
        consumed.insert((*k).into());
    }
    let t = cx.t;
    let r = &t.resources[i];
    let p = &r.properties;
    if let Some(groups) = super::scale_sets::drives_scaling(cx, i) {
        cx.decide(
            "alarm-autoscale",
            Some((&r.id, r.span)),
            &format!("{}: the alarm becomes an autoscale rule's trigger", r.id),
            "The alarm's only actions are scaling policies: it exists to scale the group.",
            &format!("Its metric, threshold and window are the trigger of the policies' rules in the autoscale setting of {groups}; no metric alert is created."),
            "Add a metric alert with an action group if someone was also notified through the alarm's other uses (dashboards, composite alarms).",
        );
        cx.folded = true;
        return None;
    }
    if let Some(s) = super::containers::drives_app_scaling(cx, i) {
        let app = t.report_name(&t.resources[s].id);
        cx.decide(
            "alarm-app-scale",
            Some((&r.id, r.span)),
            &format!("{}: the alarm becomes a scale rule of the container app", r.id),
            "The alarm's only actions are step scaling policies of an ECS service: it exists to scale the service.",
            &format!("Its metric and threshold are the utilization target of the scale rule of {app}'s container app (see its policies' decisions); no metric alert is created."),
            "Add a metric alert with an action group if someone was also notified through the alarm.",
        );
        cx.folded = true;
        cx.folded_status = Some("not-needed".into());
        return None;
    }
    if let Some(f) = super::governance::metric_filter_of(cx, p) {
        let filter = t.report_name(&t.resources[f].id);
        if super::log_alerts::alert_made(cx, f) {
            cx.decide(
                "alarm-metric-filter",
                Some((&r.id, r.span)),
                &format!("{}: the alarm is part of the metric filter's alert", r.id),
                &format!("The alarm watches the custom metric that the metric filter {filter} publishes from log events."),
                &format!("The alert that replaces {filter} (see its decision) notifies the action groups of this alarm's topics; a log search alert also takes its threshold, period and evaluation periods. No metric alert is created."),
                "The alarm's `TreatMissingData` and `OKActions` do not carry over.",
            );
            let (_, unresolved) = alarm_actions(cx, p);
            if !unresolved.is_empty() {
                decide_unresolved_actions(cx, r);
            }
            cx.folded = true;
            cx.folded_status = Some("partial".into());
            return None;
        }
        cx.decide(
            "alarm-metric-filter",
            Some((&r.id, r.span)),
            &format!("{}: the alarm watches a metric filter's metric", r.id),
            &format!("The alarm watches the custom metric that the metric filter {filter} publishes from log events."),
            &format!("No metric alert is created: the metric exists only through {filter}, which stays manual (see its decision, which names what to use instead); the alert written by hand takes this alarm's threshold, period and actions."),
            "Until that alert is written, nothing alerts on these log events.",
        );
        cx.folded = true;
        cx.folded_status = Some("manual".into());
        return None;
    }
    let Some(metric) = alarm_metric(cx, p) else {
        alarm_unmapped(cx, i, &unmapped_metric(cx, p));
        return None;
    };
    let Some((scope, azure_type)) = alarm_scope(cx, p, &metric.azure_types) else {
        let on = metric.azure_types.join(" or ");
        alarm_unmapped(
            cx,
            i,
            &format!(
                "no dimension names a resource of this template that became {on}, so the alert has no scope (the resource is in another stack, named by a parameter, or not translated)"
            ),
        );
        return None;
    };
    let Some((aggregation, operator)) = alarm_comparison(p) else {
        let op = p
            .get("ComparisonOperator")
            .and_then(|s| s.literal_text())
            .unwrap_or_else(|| "a computed operator".into());
        alarm_unmapped(
            cx,
            i,
            &format!(
                "the comparison `{op}` (an anomaly band or a value known only at deployment) has no static-threshold operator; a metric alert with dynamic thresholds is the nearest match"
            ),
        );
        return None;
    };
    let window = alarm_window(p);
    let Some(threshold) = alarm_threshold(cx, p) else {
        alarm_unmapped(
            cx,
            i,
            "the alarm has no threshold (an anomaly detection band): use a metric alert with dynamic thresholds",
        );
        return None;
    };
    let (actions, unresolved) = alarm_actions(cx, p);
    decide_alarm(
        cx,
        r,
        &metric,
        (aggregation, operator),
        &window,
        !unresolved.is_empty(),
    );
    let mut props = Vec::new();
    if let Some(d) = p.get("AlarmDescription") {
        props.push(("description", cx.tr(d)));
    }
    let mut criterion = vec![
        ("name", AzExpr::str("condition1")),
        ("criterionType", AzExpr::str("StaticThresholdCriterion")),
        ("metricNamespace", AzExpr::Str(azure_type)),
        ("metricName", AzExpr::Str(metric.azure_metric.clone())),
        ("operator", AzExpr::str(operator)),
        ("threshold", threshold),
        ("timeAggregation", AzExpr::str(aggregation)),
    ];
    if let Some((name, value)) = &metric.dimension {
        criterion.push((
            "dimensions",
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::Str(name.clone())),
                ("operator", AzExpr::str("Include")),
                ("values", AzExpr::Array(vec![AzExpr::Str(value.clone())])),
            ])]),
        ));
    }
    let criterion = AzExpr::obj(criterion);
    props.extend([
        ("severity", AzExpr::Int(2)),
        ("enabled", AzExpr::Bool(true)),
        ("scopes", AzExpr::Array(vec![AzExpr::path(&scope, "id")])),
        ("evaluationFrequency", AzExpr::str(window.frequency)),
        ("windowSize", AzExpr::str(window.window)),
        (
            "criteria",
            AzExpr::Object(vec![
                (
                    AzKey::Name("odata.type".into()),
                    AzExpr::str("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"),
                ),
                (AzKey::Name("allOf".into()), AzExpr::Array(vec![criterion])),
            ]),
        ),
        ("actions", AzExpr::Array(actions)),
    ]);
    Some(AzExpr::obj(props))
}

/// The CloudWatch metric an alarm watches and the Azure metric it becomes.
struct AlarmMetric {
    ns: String,
    metric: String,
    /// The ARM types that emit the metric under this name (`azure_type`, then `also`).
    azure_types: Vec<String>,
    azure_metric: String,
    /// The dimension and value the Azure metric is filtered on to count the same thing.
    dimension: Option<(String, String)>,
}

/// The Azure metric of an alarm's namespace and metric name; `None` when it has none,
/// or when it differs in unit or needs a filter (a note in the table).
/// Why the alarm's metric has no Azure metric the alert can watch.
fn unmapped_metric(cx: &Ctx, p: &Expr) -> String {
    if p.get("Metrics").is_some() {
        return "it combines metrics with metric math (`Metrics`), which a metric alert cannot evaluate: write a log search alert over the metrics in Log Analytics, or one alert per metric".into();
    }
    let (Some(ns), Some(metric)) = (
        p.get("Namespace").and_then(|x| x.literal_text()),
        p.get("MetricName").and_then(|x| x.literal_text()),
    ) else {
        return "its namespace or metric name is known only at deployment".into();
    };
    let key = format!("{ns}:{metric}");
    let statistics = cx
        .tables
        .lookup_list("cloudwatch-metrics", &key, "statistics");
    if let Some(dim) = cx
        .tables
        .lookup_str("cloudwatch-metrics", &key, "dimension")
    {
        let used = p
            .get("Statistic")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| "an extended statistic".into());
        return format!(
            "the metric `{key}` has an Azure counterpart split on `{dim}` that counts the same thing only with the statistic {} (the alarm uses {used})",
            statistics.join(" or ")
        );
    }
    match cx.tables.lookup_str("cloudwatch-metrics", &key, "note") {
        Some(note) => format!(
            "the metric `{key}` has an Azure counterpart that is not the same measure: {note}"
        ),
        None if !ns.starts_with("AWS/") => format!(
            "`{key}` is a custom metric: publish it to Azure Monitor (Application Insights custom metrics or the custom metrics API) and alert on it there"
        ),
        None => format!(
            "the metric `{key}` has no Azure Monitor metric in the cloudwatch-metrics table (its service may have no translation here, or Azure measures it differently)"
        ),
    }
}

/// Records why alarm `i` stays without a metric alert.
fn alarm_unmapped(cx: &mut Ctx, i: usize, why: &str) {
    let (id, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
    cx.decide(
        "alarm-not-translated",
        Some((&id, span)),
        &format!("{id}: the alarm does not become a metric alert"),
        &format!("A metric alert needs an Azure metric, the resource that emits it, a static operator and a threshold; for {id}, {why}."),
        "No alert is generated for this alarm.",
        "Create the alert by hand (Microsoft.Insights/metricAlerts or scheduledQueryRules) once the resource it watches exists on Azure; until then nothing alerts on this condition.",
    );
}

fn alarm_metric(cx: &Ctx, p: &Expr) -> Option<AlarmMetric> {
    let ns = p.get("Namespace")?.literal_text()?;
    let metric = p.get("MetricName")?.literal_text()?;
    let key = format!("{ns}:{metric}");
    let mut azure_types = vec![
        cx.tables
            .lookup_str("cloudwatch-metrics", &key, "azure_type")?,
    ];
    azure_types.extend(cx.tables.lookup_list("cloudwatch-metrics", &key, "also"));
    let azure_metric = cx.tables.lookup_str("cloudwatch-metrics", &key, "metric")?;
    // A note means the Azure metric is another measure (unit or meaning): not automatic.
    if cx
        .tables
        .lookup_str("cloudwatch-metrics", &key, "note")
        .is_some()
    {
        return None;
    }
    // A metric split on a dimension counts the same thing only for some statistics.
    let statistics = cx
        .tables
        .lookup_list("cloudwatch-metrics", &key, "statistics");
    let statistic = p.get("Statistic").and_then(|x| x.literal_text());
    if !statistics.is_empty() && !statistic.is_some_and(|s| statistics.contains(&s)) {
        return None;
    }
    let dimension = cx
        .tables
        .lookup_str("cloudwatch-metrics", &key, "dimension")
        .zip(
            cx.tables
                .lookup_str("cloudwatch-metrics", &key, "dimension_value"),
        );
    Some(AlarmMetric {
        ns,
        metric,
        azure_types,
        azure_metric,
        dimension,
    })
}

/// The alert's scope: the symbol of the Azure resource, of one of `azure_types`, made
/// from the resource a dimension names, and that type (the metric's namespace).
fn alarm_scope(cx: &Ctx, p: &Expr, azure_types: &[String]) -> Option<(String, String)> {
    let mut scope = None;
    for d in p.get("Dimensions").and_then(|d| d.as_list()).unwrap_or(&[]) {
        let Some(j) = d.get("Value").and_then(|v| cx.referenced_resource(v)) else {
            continue;
        };
        let Some(entry) = cx.prepared[j].entry.clone() else {
            continue;
        };
        for spec in entry.resources.iter().chain(entry.shared.iter()) {
            if let Some(ty) = azure_types.iter().find(|t| spec.ty.eq_ignore_ascii_case(t)) {
                scope = Some((cx.resolve_symbol(j, &spec.symbol), ty.clone()));
            }
        }
    }
    scope
}

/// The alert's time aggregation and operator; `None` for an operator without one.
fn alarm_comparison(p: &Expr) -> Option<(&'static str, &'static str)> {
    let aggregation = match p.get("Statistic").and_then(|s| s.literal_text()).as_deref() {
        Some("Sum") => "Total",
        Some("Minimum") => "Minimum",
        Some("Maximum") => "Maximum",
        Some("SampleCount") => "Count",
        _ => "Average",
    };
    let operator = match p
        .get("ComparisonOperator")
        .and_then(|s| s.literal_text())
        .as_deref()
    {
        Some("GreaterThanOrEqualToThreshold") => "GreaterThanOrEqual",
        Some("LessThanThreshold") => "LessThan",
        Some("LessThanOrEqualToThreshold") => "LessThanOrEqual",
        Some("GreaterThanThreshold") => "GreaterThan",
        _ => return None,
    };
    Some((aggregation, operator))
}

/// An alarm's periods and the alert window and frequency made from them.
struct AlarmWindow {
    period: i64,
    evaluations: i64,
    window_secs: i64,
    window: &'static str,
    frequency: &'static str,
}

/// The alert window (periods × evaluations, rounded up) and evaluation frequency.
fn alarm_window(p: &Expr) -> AlarmWindow {
    let period = p.get("Period").and_then(|x| x.literal_i64()).unwrap_or(300);
    let evaluations = p
        .get("EvaluationPeriods")
        .and_then(|x| x.literal_i64())
        .unwrap_or(1);
    let window_secs = period.saturating_mul(evaluations);
    let window = WINDOWS
        .iter()
        .find(|(s, _)| *s >= window_secs)
        .map_or("PT24H", |(_, w)| w);
    let frequency = FREQUENCIES
        .iter()
        .rev()
        .find(|(s, _)| *s <= period.max(60))
        .map_or("PT1M", |(_, f)| f);
    AlarmWindow {
        period,
        evaluations,
        window_secs,
        window,
        frequency,
    }
}

/// The alert's threshold: a number when literal, else the translated expression.
pub(super) fn alarm_threshold(cx: &mut Ctx, p: &Expr) -> Option<AzExpr> {
    Some(match p.get("Threshold") {
        Some(t) => match t.literal_text().and_then(|x| x.parse::<f64>().ok()) {
            Some(v) if v.fract() == 0.0 => AzExpr::Int(v as i64),
            Some(_) => AzExpr::Num(t.literal_text().unwrap_or_default()),
            None => cx.tr(t),
        },
        None => return None,
    })
}

/// The alert's actions (the action group of each topic's e-mail subscription) and
/// the alarm actions left without one.
pub(super) fn alarm_actions(cx: &mut Ctx, p: &Expr) -> (Vec<AzExpr>, Vec<String>) {
    let mut actions = Vec::new();
    let mut unresolved = Vec::new();
    for a in p
        .get("AlarmActions")
        .and_then(|x| x.as_list())
        .unwrap_or(&[])
    {
        let group = cx.referenced_resource(a).and_then(|topic| {
            let topic_id = cx.t.resources[topic].id.clone();
            cx.t.resources.iter().position(|s| {
                cx.tables.plays(&s.ty, "alarm-actions", "subscription")
                    && s.properties
                        .get("Protocol")
                        .and_then(|x| x.as_str())
                        .is_some_and(|p| p.starts_with("email"))
                    && s.properties
                        .get("TopicArn")
                        .and_then(|x| cx.referenced_resource(x))
                        == cx.t.resources.iter().position(|x| x.id == topic_id)
            })
        });
        match group {
            Some(g) => actions.push(AzExpr::obj(vec![(
                "actionGroupId",
                cx.reference_expr(g, "@.id"),
            )])),
            None => unresolved.push(a.literal_text().unwrap_or_else(|| "an action".into())),
        }
    }
    (actions, unresolved)
}

/// The decisions for an alarm's metric alert, and for its actions without an action group.
fn decide_alarm(
    cx: &mut Ctx,
    r: &Resource,
    m: &AlarmMetric,
    (aggregation, operator): (&str, &str),
    w: &AlarmWindow,
    unresolved: bool,
) {
    let AlarmMetric {
        ns,
        metric,
        azure_metric,
        dimension,
        ..
    } = m;
    let split = dimension
        .as_ref()
        .map(|(n, v)| format!(" split on `{n}` = `{v}`"))
        .unwrap_or_default();
    let (window, frequency, evaluations, period) = (w.window, w.frequency, w.evaluations, w.period);
    let window_note = if w.window_secs == 0 {
        String::new()
    } else {
        format!(" over {window} (was {evaluations} × {period} s)")
    };
    cx.decide(
        "cloudwatch-metric-alert",
        Some((&r.id, r.span)),
        &format!("{}: {ns} {metric} → metric alert on {azure_metric}", r.id),
        "A CloudWatch alarm fires after N consecutive periods breach; an Azure metric alert evaluates one aggregated window at a fixed frequency and has a severity.",
        &format!("A metric alert on `{azure_metric}`{split} ({aggregation} {operator} the threshold){window_note}, evaluated every {frequency}, severity 2; e-mail actions go to the action group of the topic's e-mail subscription."),
        "A short spike can trip the averaged window where consecutive periods would not: tune after the baseline.",
    );
    if unresolved {
        decide_unresolved_actions(cx, r);
        cx.floor_status("partial");
    }
}

/// The decision for alarm actions that no action group carries.
fn decide_unresolved_actions(cx: &mut Ctx, r: &crate::model::template::Resource) {
    cx.decide(
        "alarm-actions",
        Some((&r.id, r.span)),
        &format!("{}: alarm actions without an action group", r.id),
        "Some alarm actions notify SNS topics without e-mail subscriptions, Auto Scaling or EC2 actions.",
        "They are not translated; add action group receivers (webhook, function, Logic App) for them.",
        "The alert fires without notifying those targets.",
    );
}

/// The size of the root volume (`/dev/xvda`, `/dev/sda1`) in `BlockDeviceMappings`.
pub fn root_disk_gb(cx: &mut Ctx, src: &Expr) -> Option<AzExpr> {
    let root = src.as_list()?.iter().find(|m| {
        m.get("DeviceName")
            .and_then(|d| d.as_str())
            .is_some_and(|d| matches!(d, "/dev/xvda" | "/dev/sda1" | "/dev/sda"))
    })?;
    let size = root.path("Ebs.VolumeSize")?;
    Some(match size.literal_i64() {
        Some(n) => AzExpr::Int(n.clamp(1, 4095)),
        None => crate::azure::coerce(cx.tr(size), "int"),
    })
}
