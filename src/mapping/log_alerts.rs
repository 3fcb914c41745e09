//! CloudWatch Logs metric filters and the alarms on their metrics → Azure Monitor alerts.
//!
//! A filter over CloudTrail records whose every selected event has an activity log
//! counterpart (`mappings/tables/cloudtrail-events.yaml`) becomes an activity log alert
//! at subscription scope; a filter over an application's log group (a function's, or a
//! log group of the template) becomes a log search alert whose KQL is the filter pattern
//! translated (`filter_pattern.rs`), with the threshold, period and evaluation periods of
//! the alarm that watches its metric. The alarm itself then emits nothing: its actions
//! are the alert's. Everything else stays a decision naming what to use.

use std::collections::BTreeSet;

use super::context::Ctx;
use super::filter_pattern::{self, Cond, Leaf, Op, Pattern};
use crate::azure::{AzExpr, AzKey, Interp};
use crate::model::expr::Expr;

const TABLE: &str = "cloudtrail-events";

/// CloudTrail record fields (the first segment of a `$.` selector).
const TRAIL_FIELDS: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "eventType",
    "apiVersion",
    "managementEvent",
    "readOnly",
    "resources",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "eventCategory",
    "tlsDetails",
    "sessionCredentialFromConsole",
];

/// Event name prefixes of read-only calls: `$.eventName != Describe*` and the like
/// select a service's writes.
const READ_PREFIXES: &[&str] = &["Describe*", "Get*", "List*", "Lookup*"];

/// Log search alert windows (seconds, ISO 8601).
const QUERY_WINDOWS: &[(i64, &str)] = &[
    (60, "PT1M"),
    (300, "PT5M"),
    (600, "PT10M"),
    (900, "PT15M"),
    (1800, "PT30M"),
    (2700, "PT45M"),
    (3600, "PT1H"),
    (7200, "PT2H"),
    (10800, "PT3H"),
    (14400, "PT4H"),
    (18000, "PT5H"),
    (21600, "PT6H"),
    (86400, "P1D"),
    (172800, "P2D"),
];

/// What a metric filter becomes.
pub(super) enum Plan {
    /// An activity log alert on these operations; `mapped`: each event and its operations.
    Activity {
        operations: Vec<String>,
        mapped: Vec<(String, Vec<String>)>,
    },
    /// A log search alert on the records of `target`, `condition` applied.
    Query {
        target: Target,
        condition: Option<String>,
        /// `$.field` whose value the metric publishes (the alert sums or averages it).
        measure: Option<String>,
    },
    /// No alert: why, and for CloudTrail filters the events mapped and the ones without
    /// a counterpart with what to use instead.
    Manual {
        why: String,
        mapped: Vec<(String, Vec<String>)>,
        unmapped: Vec<(String, String)>,
    },
}

/// Where an application filter's records land on Azure.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// A function's log group: the function app's Application Insights traces.
    Function(usize),
    /// A log group of the template: its workspace, in a table the user names.
    Workspace(usize),
}

/// The plan for metric filter `f`.
pub(super) fn plan(cx: &Ctx, f: usize) -> Plan {
    let r = &cx.t.resources[f];
    let manual = |why: String| Plan::Manual {
        why,
        mapped: Vec::new(),
        unmapped: Vec::new(),
    };
    let Some(text) = r
        .properties
        .get("FilterPattern")
        .and_then(|p| cx.literal_text(p))
    else {
        return manual("the filter pattern is known only at deployment".into());
    };
    let pattern = match filter_pattern::parse(&text) {
        Ok(p) => p,
        Err(e) => return manual(format!("the pattern is not translated: {e}")),
    };
    // CloudTrail's fields guess a trail only where the log group is not a function's:
    // an application's JSON logs may name a field `eventName` or `errorCode` too.
    let target = target(cx, f);
    if let Pattern::Json(c) = &pattern
        && (on_trail_log(cx, f)
            || (trail_fields(c) && !matches!(target, Some(Target::Function(_)))))
    {
        return trail_plan(cx, c);
    }
    let Some(target) = target else {
        return manual("the log group is not one of this template's (a function's or a log group resource), so the workspace its records land in is unknown".into());
    };
    let column = match target {
        Target::Function(_) => "Message",
        Target::Workspace(_) => "RawData",
    };
    let condition = match &pattern {
        Pattern::Json(c) => match json_kql(c) {
            Ok(k) => Some(k),
            Err(e) => return manual(format!("the pattern is not translated: {e}")),
        },
        Pattern::Terms { all, any, not } => terms_kql(column, all, any, not),
    };
    let measure = match metric_value(r) {
        MetricValue::Count => None,
        MetricValue::Field(f) if matches!(pattern, Pattern::Json(_)) => {
            if let Err(e) = record_path(&f) {
                return manual(format!("the metric value is not translated: {e}"));
            }
            Some(f)
        }
        MetricValue::Field(f) => {
            return manual(format!(
                "the metric value `$.{f}` reads a JSON field of a term pattern"
            ));
        }
        MetricValue::Other(v) => {
            return manual(format!(
                "the metric value `{v}` is neither 1 nor a `$.` field"
            ));
        }
    };
    // Everything `query_alert` needs is checked here, so that `alert_made` and the alert
    // agree.
    if let Target::Workspace(g) = target
        && alarm_workspace(cx, g).is_none()
    {
        return manual("the log group's workspace is not generated".into());
    }
    Plan::Query {
        target,
        condition,
        measure,
    }
}

enum MetricValue {
    Count,
    Field(String),
    Other(String),
}

fn metric_value(r: &crate::model::template::Resource) -> MetricValue {
    let v = r
        .properties
        .path("MetricTransformations.0.MetricValue")
        .and_then(|v| v.literal_text())
        .unwrap_or_else(|| "1".into());
    match v.trim() {
        "1" => MetricValue::Count,
        x if x.starts_with("$.") => MetricValue::Field(x[2..].to_string()),
        x => MetricValue::Other(x.to_string()),
    }
}

/// Is the filter's log group the one a trail of the template delivers to?
fn on_trail_log(cx: &Ctx, f: usize) -> bool {
    let Some(group) = cx.t.resources[f]
        .properties
        .get("LogGroupName")
        .and_then(|g| cx.referenced_resource(g))
    else {
        return false;
    };
    cx.t.resources.iter().any(|t| {
        t.ty == "AWS::CloudTrail::Trail"
            && t.properties
                .get("CloudWatchLogsLogGroupArn")
                .and_then(|a| referenced_in(cx, a))
                == Some(group)
    })
}

/// The one template resource a value references (directly or inside `Fn::Sub`/`Fn::Join`).
fn referenced_in(cx: &Ctx, e: &Expr) -> Option<usize> {
    if let Some(j) = cx.referenced_resource(e) {
        return Some(j);
    }
    let mut found = BTreeSet::new();
    e.walk(&mut |x| {
        if let Some(j) = cx.referenced_resource(x) {
            found.insert(j);
        }
    });
    if found.len() == 1 {
        found.into_iter().next()
    } else {
        None
    }
}

/// Does every selector name a CloudTrail record field, one of them an event's identity?
fn trail_fields(c: &Cond) -> bool {
    let mut fields = Vec::new();
    leaves(c, &mut |l| fields.push(l.field().to_string()));
    let first = |f: &str| f.split(['.', '[']).next().unwrap_or("").to_string();
    fields
        .iter()
        .all(|f| TRAIL_FIELDS.contains(&first(f).as_str()))
        && fields.iter().any(|f| {
            matches!(
                first(f).as_str(),
                "eventName" | "eventSource" | "errorCode" | "userIdentity"
            )
        })
}

fn leaves(c: &Cond, f: &mut impl FnMut(&Leaf)) {
    match c {
        Cond::Leaf(l) => f(l),
        Cond::And(v) | Cond::Or(v) => v.iter().for_each(|x| leaves(x, f)),
    }
}

/// A CloudTrail filter: each alternative of the pattern is an event (or a service's
/// writes) the table maps to operations, or it has no counterpart.
fn trail_plan(cx: &Ctx, c: &Cond) -> Plan {
    let Some(alternatives) = filter_pattern::dnf(c, 64) else {
        return Plan::Manual {
            why: "the pattern has too many alternatives to read".into(),
            mapped: Vec::new(),
            unmapped: Vec::new(),
        };
    };
    let mut mapped: Vec<(String, Vec<String>)> = Vec::new();
    let mut unmapped: Vec<(String, String)> = Vec::new();
    for term in &alternatives {
        let mut names = Vec::new();
        let mut source = None;
        let mut extras = Vec::new();
        for l in term {
            match l {
                Leaf::Cmp {
                    field,
                    op: Op::Eq,
                    value,
                    ..
                } if field == "eventName" && !value.contains('*') => names.push(value.clone()),
                Leaf::Cmp {
                    field,
                    op: Op::Eq,
                    value,
                    ..
                } if field == "eventSource" && !value.contains('*') => {
                    source = Some(value.clone());
                }
                Leaf::Cmp {
                    field,
                    op: Op::Ne,
                    value,
                    ..
                } if field == "eventName" && READ_PREFIXES.contains(&value.as_str()) => {}
                other => extras.push(other.clone()),
            }
        }
        names.sort();
        names.dedup();
        let (label, key) = match (names.as_slice(), &source) {
            ([n], _) => (format!("`{n}`"), n.clone()),
            ([], Some(s)) => (format!("every write of `{s}`"), format!("source:{s}")),
            ([], None) => (leaf_text(&extras[0]), String::new()),
            _ => {
                let text = term.iter().map(leaf_text).collect::<Vec<_>>().join(" && ");
                unmapped.push((
                    text,
                    "the alternative requires two event names at once, which no event has".into(),
                ));
                continue;
            }
        };
        let ops = cx.tables.lookup_list(TABLE, &key, "operations");
        let instead = cx.tables.lookup_str(TABLE, &key, "instead");
        if !extras.is_empty() {
            let why = match instead {
                Some(i) if !key.is_empty() => i,
                _ => field_note(cx, extras[0].field()),
            };
            let conds = extras
                .iter()
                .map(leaf_text)
                .collect::<Vec<_>>()
                .join(" && ");
            let label = if key.is_empty() {
                conds
            } else {
                format!("{label} with {conds}")
            };
            unmapped.push((label, why));
        } else if !ops.is_empty() {
            if !mapped.iter().any(|(l, _)| *l == label) {
                mapped.push((label, ops));
            }
        } else {
            let why = instead.unwrap_or_else(|| {
                "the cloudtrail-events table has no activity log operation for it".into()
            });
            unmapped.push((label, why));
        }
    }
    if unmapped.is_empty() && !mapped.is_empty() {
        let mut operations: Vec<String> = mapped.iter().flat_map(|(_, o)| o.clone()).collect();
        operations.sort();
        operations.dedup();
        Plan::Activity { operations, mapped }
    } else {
        Plan::Manual {
            why: "not every event the pattern selects has an activity log counterpart".into(),
            mapped,
            unmapped,
        }
    }
}

/// What the table says to use for a condition on record field `field`.
fn field_note(cx: &Ctx, field: &str) -> String {
    let first = field.split(['.', '[']).next().unwrap_or(field);
    cx.tables
        .lookup_str(TABLE, &format!("field:{field}"), "instead")
        .or_else(|| {
            cx.tables
                .lookup_str(TABLE, &format!("field:{first}"), "instead")
        })
        .unwrap_or_else(|| {
            format!(
                "the activity log has no field for `$.{field}` that an alert condition can test"
            )
        })
}

fn leaf_text(l: &Leaf) -> String {
    match l {
        Leaf::Cmp {
            field,
            op,
            value,
            quoted,
        } => {
            let op = match op {
                Op::Eq => "=",
                Op::Ne => "!=",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Lt => "<",
                Op::Le => "<=",
            };
            if *quoted {
                format!("`$.{field} {op} \"{value}\"`")
            } else {
                format!("`$.{field} {op} {value}`")
            }
        }
        Leaf::Exists { field, exists } => {
            format!("`$.{field} {}EXISTS`", if *exists { "" } else { "NOT " })
        }
        Leaf::Is { field, what } => format!("`$.{field} IS {what}`"),
    }
}

/// Where an application filter's records land: the function whose log group it reads
/// (`/aws/lambda/…` built from a function of the template, or a log group named so),
/// else the log group resource's workspace.
fn target(cx: &Ctx, f: usize) -> Option<Target> {
    let name = cx.t.resources[f].properties.get("LogGroupName")?;
    let j = referenced_in(cx, name)?;
    if cx.plays(j, "events", "function") {
        return Some(Target::Function(j));
    }
    let group = &cx.t.resources[j];
    if group.ty != "AWS::Logs::LogGroup" {
        return None;
    }
    if let Some(fun) = group
        .properties
        .get("LogGroupName")
        .and_then(|n| referenced_in(cx, n))
        .filter(|fun| cx.plays(*fun, "events", "function"))
    {
        return Some(Target::Function(fun));
    }
    Some(Target::Workspace(j))
}

/// A KQL string literal.
fn kql_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A term pattern as a KQL condition on `column` (terms are case-sensitive substrings).
fn terms_kql(
    column: &str,
    all: &[filter_pattern::Term],
    any: &[filter_pattern::Term],
    not: &[filter_pattern::Term],
) -> Option<String> {
    let has = |t: &filter_pattern::Term| format!("{column} contains_cs {}", kql_str(&t.text));
    let mut parts: Vec<String> = all.iter().map(has).collect();
    if !any.is_empty() {
        let alts: Vec<String> = any.iter().map(has).collect();
        parts.push(if alts.len() == 1 {
            alts[0].clone()
        } else {
            format!("({})", alts.join(" or "))
        });
    }
    parts.extend(not.iter().map(|t| format!("not({})", has(t))));
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" and "))
    }
}

/// A `$.` selector as a path into the parsed record (`record.a.b[0]`, `record['x-y']`).
fn record_path(field: &str) -> Result<String, String> {
    let mut out = String::from("record");
    for seg in field.split('.') {
        let (name, index) = match seg.find('[') {
            Some(k) => (&seg[..k], &seg[k..]),
            None => (seg, ""),
        };
        if name.is_empty() {
            return Err(format!("the selector `$.{field}` has an empty step"));
        }
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push('.');
            out.push_str(name);
        } else {
            out.push_str(&format!("[{}]", kql_str(name).replace('"', "'")));
        }
        if !index.is_empty() {
            if !index
                .trim_start_matches('[')
                .trim_end_matches(']')
                .chars()
                .all(|c| c.is_ascii_digit())
            {
                return Err(format!(
                    "the selector `$.{field}` has an index that is not a number"
                ));
            }
            out.push_str(index);
        }
    }
    Ok(out)
}

/// A JSON pattern as a KQL condition over `record` (the parsed record).
fn json_kql(c: &Cond) -> Result<String, String> {
    match c {
        Cond::And(v) | Cond::Or(v) => {
            let sep = if matches!(c, Cond::And(_)) {
                " and "
            } else {
                " or "
            };
            let parts = v.iter().map(json_kql).collect::<Result<Vec<_>, _>>()?;
            Ok(format!("({})", parts.join(sep)))
        }
        Cond::Leaf(Leaf::Exists { field, exists }) => {
            let p = record_path(field)?;
            Ok(if *exists {
                format!("isnotnull({p})")
            } else {
                format!("isnull({p})")
            })
        }
        Cond::Leaf(Leaf::Is { field, what }) => {
            let p = record_path(field)?;
            Ok(match what.as_str() {
                "TRUE" => format!("tobool({p}) == true"),
                "FALSE" => format!("tobool({p}) == false"),
                _ => format!("isnull({p})"),
            })
        }
        Cond::Leaf(Leaf::Cmp {
            field,
            op,
            value,
            quoted,
        }) => {
            let p = record_path(field)?;
            let number = !quoted && value.parse::<f64>().is_ok();
            if number {
                let op = match op {
                    Op::Eq => "==",
                    Op::Ne => "!=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                    Op::Lt => "<",
                    Op::Le => "<=",
                };
                return Ok(format!("todouble({p}) {op} {value}"));
            }
            let negate = match op {
                Op::Eq => false,
                Op::Ne => true,
                _ => {
                    return Err(format!(
                        "`$.{field}` is compared by order with a value that is not a number"
                    ));
                }
            };
            let text = format!("tostring({p})");
            let inner = value.trim_matches('*');
            if inner.contains('*') {
                return Err(format!("the value `{value}` has a wildcard inside it"));
            }
            let test = match (
                value.starts_with('*'),
                value.ends_with('*') && value.len() > 1,
            ) {
                (false, false) => format!("{text} == {}", kql_str(value)),
                (false, true) => format!("{text} startswith_cs {}", kql_str(inner)),
                (true, false) => format!("{text} endswith_cs {}", kql_str(inner)),
                (true, true) => format!("{text} contains_cs {}", kql_str(inner)),
            };
            Ok(if negate { format!("not({test})") } else { test })
        }
    }
}

/// The alarms of the template that watch filter `f`'s metric.
pub(super) fn alarms_of(cx: &Ctx, f: usize) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|&a| {
            cx.tables
                .plays(&cx.t.resources[a].ty, "scale-sets", "alarm")
                && super::governance::metric_filter_of(cx, &cx.t.resources[a].properties) == Some(f)
        })
        .collect()
}

/// Does filter `f` become an alert (so that the alarms on its metric are part of it)?
/// For a log search alert, `alarm` must also have settings the alert can take.
pub(super) fn alert_made(cx: &Ctx, f: usize) -> bool {
    match plan(cx, f) {
        Plan::Activity { .. } => true,
        Plan::Query { .. } => alarms_of(cx, f)
            .first()
            .is_some_and(|&a| query_settings(cx, a).is_ok()),
        Plan::Manual { .. } => false,
    }
}

/// The log search alert settings an alarm gives: (aggregation, operator, threshold,
/// window seconds, evaluation periods, periods to alert).
struct QuerySettings {
    statistic: String,
    operator: &'static str,
    period: i64,
    evaluations: i64,
    to_alarm: i64,
}

fn query_settings(cx: &Ctx, a: usize) -> Result<QuerySettings, String> {
    let p = &cx.t.resources[a].properties;
    let statistic = p
        .get("Statistic")
        .and_then(|s| s.literal_text())
        .unwrap_or_else(|| "Sum".into());
    let operator = match p
        .get("ComparisonOperator")
        .and_then(|s| s.literal_text())
        .as_deref()
    {
        Some("GreaterThanOrEqualToThreshold") => "GreaterThanOrEqual",
        Some("GreaterThanThreshold") => "GreaterThan",
        Some("LessThanThreshold") => "LessThan",
        Some("LessThanOrEqualToThreshold") => "LessThanOrEqual",
        other => {
            return Err(format!(
                "the comparison `{}` has no log search alert operator",
                other.unwrap_or("(computed)")
            ));
        }
    };
    match p.get("Threshold") {
        Some(t) => match t.literal_text() {
            Some(v) if v.parse::<i64>().is_err() && v.parse::<f64>().is_ok() => {
                return Err(format!(
                    "the threshold {v} is not a whole number (log search alert thresholds are)"
                ));
            }
            _ => {}
        },
        None => return Err("the alarm has no threshold".into()),
    }
    let period = p.get("Period").and_then(|x| x.literal_i64()).unwrap_or(300);
    let evaluations = p
        .get("EvaluationPeriods")
        .and_then(|x| x.literal_i64())
        .unwrap_or(1)
        .clamp(1, 6);
    let to_alarm = p
        .get("DatapointsToAlarm")
        .and_then(|x| x.literal_i64())
        .unwrap_or(evaluations)
        .clamp(1, evaluations);
    Ok(QuerySettings {
        statistic,
        operator,
        period,
        evaluations,
        to_alarm,
    })
}

/// `metric_filter_activity_alert`: the properties of the activity log alert that
/// replaces a CloudTrail metric filter and its alarms, with the filter's decision (made
/// here for every kind of filter: this resource comes first in the entry).
pub fn activity_alert(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in [
        "FilterPattern",
        "LogGroupName",
        "MetricTransformations",
        "FilterName",
    ] {
        consumed.insert(k.into());
    }
    let plan = plan(cx, i);
    let alarms = alarms_of(cx, i);
    let r = &cx.t.resources[i];
    let (rid, span) = (r.id.clone(), r.span);
    let pattern = r
        .properties
        .get("FilterPattern")
        .and_then(|p| cx.literal_text(p))
        .unwrap_or_default();
    let metric = metric_name(r);
    let alarm_names = alarms
        .iter()
        .map(|&a| cx.t.report_name(&cx.t.resources[a].id))
        .collect::<Vec<_>>()
        .join(", ");
    let context = format!(
        "The filter\n\n```\n{}\n```\n\npublishes the metric {metric} from the log group's events{}.",
        pattern.trim(),
        if alarms.is_empty() {
            "; no alarm of the template watches it".to_string()
        } else {
            format!(", which the alarm(s) {alarm_names} watch")
        }
    );
    match plan {
        Plan::Activity { operations, mapped } => {
            let events = by_operation(&operations, &mapped);
            if alarms.is_empty() {
                return no_alarm(
                    cx,
                    &rid,
                    span,
                    &context,
                    &format!(
                        "The activity log records the same operations ({events}); query it, or add an activity log alert on them when someone must be notified."
                    ),
                );
            }
            cx.decide(
                "metric-filter-activity-alert",
                Some((&rid, span)),
                &format!("{rid}: the CloudTrail metric filter becomes an activity log alert"),
                &context,
                &format!("CloudTrail's counterpart is the Azure activity log. An activity log alert (Microsoft.Insights/activityLogAlerts) on Administrative operations fires for each event of these operations (with the CloudTrail events they stand for): {events}. Its scope is the subscription (`subscription().id`), as a trail records the whole account; it notifies the action groups of the alarms' topics."),
                "The alert fires per activity log event (an operation can log Started, Succeeded and Failed events), not on a count over a period: the alarms' thresholds and periods do not carry over. Changes made outside Azure Resource Manager (Microsoft Entra ID, data-plane operations) are not in the activity log.",
            );
            let mut allof = vec![AzExpr::obj(vec![
                ("field", AzExpr::str("category")),
                ("equals", AzExpr::str("Administrative")),
            ])];
            let leaf = |op: &String| {
                AzExpr::obj(vec![
                    ("field", AzExpr::str("operationName")),
                    ("equals", AzExpr::str(op.clone())),
                ])
            };
            if operations.len() == 1 {
                allof.push(leaf(&operations[0]));
            } else {
                allof.push(AzExpr::obj(vec![(
                    "anyOf",
                    AzExpr::Array(operations.iter().map(leaf).collect()),
                )]));
            }
            let groups = action_groups(cx, &alarms);
            let mut props = Vec::new();
            if let Some(d) = description(cx, &alarms) {
                props.push(("description", d));
            }
            props.extend([
                ("enabled", AzExpr::Bool(true)),
                (
                    "scopes",
                    AzExpr::Array(vec![AzExpr::path("subscription()", "id")]),
                ),
                (
                    "condition",
                    AzExpr::obj(vec![("allOf", AzExpr::Array(allof))]),
                ),
                (
                    "actions",
                    AzExpr::obj(vec![(
                        "actionGroups",
                        AzExpr::Array(
                            groups
                                .into_iter()
                                .map(|g| AzExpr::obj(vec![("actionGroupId", g)]))
                                .collect(),
                        ),
                    )]),
                ),
            ]);
            Some(AzExpr::obj(props))
        }
        Plan::Manual {
            why,
            mapped,
            unmapped,
        } => {
            let mut decision = String::new();
            if !unmapped.is_empty() {
                decision.push_str("No alert is generated. Without an activity log counterpart:");
                let mut reasons: Vec<(&String, Vec<&String>)> = Vec::new();
                for (what, instead) in &unmapped {
                    match reasons.iter_mut().find(|(r, _)| *r == instead) {
                        Some((_, whats)) => whats.push(what),
                        None => reasons.push((instead, vec![what])),
                    }
                }
                for (instead, whats) in reasons {
                    let whats: Vec<&str> = whats.iter().map(|w| w.as_str()).collect();
                    decision.push_str(&format!("\n- {}: {instead}", whats.join(", ")));
                }
            } else {
                decision.push_str(&format!("No alert is generated: {why}. Write the pattern as a KQL `where` over the table the logs land in, and create a log search alert (Microsoft.Insights/scheduledQueryRules) on the workspace with the alarms' threshold, window and action group."));
            }
            if !mapped.is_empty() {
                let mut operations: Vec<String> =
                    mapped.iter().flat_map(|(_, o)| o.clone()).collect();
                operations.sort();
                operations.dedup();
                decision.push_str(&format!(
                    "\n\nWith an activity log counterpart (an activity log alert can watch these alone): {}.",
                    by_operation(&operations, &mapped)
                ));
            }
            cx.decide(
                "metric-filter-log-alert",
                Some((&rid, span)),
                &format!("{rid}: the metric filter stays manual"),
                &context,
                &decision,
                "Nothing alerts on these log events on Azure until the alert is written; the alarms on the metric stay manual too.",
            );
            cx.folded = true;
            cx.folded_status = Some("manual".into());
            None
        }
        Plan::Query { .. } if alarms.is_empty() => no_alarm(
            cx,
            &rid,
            span,
            &context,
            "Log Analytics needs no intermediate metric: a query over the log group's records counts the same events when needed.",
        ),
        Plan::Query { .. } => {
            if let Err(why) = query_settings(cx, alarms[0]) {
                cx.decide(
                    "metric-filter-log-alert",
                    Some((&rid, span)),
                    &format!("{rid}: the metric filter stays manual"),
                    &context,
                    &format!("No log search alert is generated: for the alarm {}, {why}.", cx.t.report_name(&cx.t.resources[alarms[0]].id)),
                    "Nothing alerts on these log events on Azure until the alert is written; the alarms on the metric stay manual too.",
                );
                cx.folded = true;
                cx.folded_status = Some("manual".into());
            }
            // The log search alert is the entry's next resource.
            None
        }
    }
}

/// Each operation with the events it stands for: "`op` (`A`, `B`); `op2` (`C`)".
fn by_operation(operations: &[String], mapped: &[(String, Vec<String>)]) -> String {
    operations
        .iter()
        .map(|o| {
            let events: Vec<&str> = mapped
                .iter()
                .filter(|(_, ops)| ops.contains(o))
                .map(|(e, _)| e.as_str())
                .collect();
            format!("`{o}` ({})", events.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A filter no alarm watches: nothing to alert on; the status is not-needed.
fn no_alarm(
    cx: &mut Ctx,
    rid: &str,
    span: crate::source::Span,
    context: &str,
    instead: &str,
) -> Option<AzExpr> {
    cx.decide(
        "metric-filter-no-alarm",
        Some((rid, span)),
        &format!("{rid}: the metric filter's metric has no alarm"),
        context,
        &format!("No alert is generated. {instead}"),
        "Dashboards that charted the metric must be rebuilt on the query.",
    );
    cx.folded = true;
    cx.folded_status = Some("not-needed".into());
    None
}

fn metric_name(r: &crate::model::template::Resource) -> String {
    let get = |k: &str| {
        r.properties
            .path(&format!("MetricTransformations.0.{k}"))
            .and_then(|v| v.literal_text())
            .unwrap_or_else(|| "?".into())
    };
    format!("{}/{}", get("MetricNamespace"), get("MetricName"))
}

/// The action groups of the alarms' actions (each once).
fn action_groups(cx: &mut Ctx, alarms: &[usize]) -> Vec<AzExpr> {
    let mut out: Vec<AzExpr> = Vec::new();
    for &a in alarms {
        let p = cx.t.resources[a].properties.clone();
        let (actions, _) = super::compute::alarm_actions(cx, &p);
        for x in actions {
            if let Some(id) = x.get("actionGroupId").cloned()
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
    }
    out
}

/// The first alarm's description.
fn description(cx: &mut Ctx, alarms: &[usize]) -> Option<AzExpr> {
    let d = alarms
        .first()
        .and_then(|&a| cx.t.resources[a].properties.get("AlarmDescription"))?
        .clone();
    Some(cx.tr(&d))
}

/// `metric_filter_query_alert`: the properties of the log search alert that replaces an
/// application log filter and the alarm on its metric (decisions: `activity_alert`).
pub fn query_alert(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in [
        "FilterPattern",
        "LogGroupName",
        "MetricTransformations",
        "FilterName",
    ] {
        consumed.insert(k.into());
    }
    let Plan::Query {
        target,
        condition,
        measure,
    } = plan(cx, i)
    else {
        return None;
    };
    let alarms = alarms_of(cx, i);
    let a = *alarms.first()?;
    let s = query_settings(cx, a).ok()?;
    let r = &cx.t.resources[i];
    let (rid, span) = (r.id.clone(), r.span);
    let rname = cx.t.report_name(&rid);
    // The records: a function's traces, or the log group's table (a parameter).
    let (scope, head, mut shown, table_note) = match target {
        Target::Function(f) => {
            let logs = cx.resolve_symbol(f, "functionLogs");
            let app = cx.reference_expr(f, "{sym}.name");
            let fname = cx.t.report_name(&cx.t.resources[f].id);
            (
                AzExpr::path(&logs, "id"),
                vec![
                    Interp::Lit("AppTraces\n| where AppRoleName == \"".into()),
                    Interp::Expr(app),
                    Interp::Lit("\"".into()),
                ],
                format!("AppTraces\n| where AppRoleName == \"<name of {fname}'s function app>\""),
                format!(
                    "the function {fname}'s log lines are Application Insights traces (`AppTraces`, text in `Message`, the function app's name in `AppRoleName`) in the functions' workspace"
                ),
            )
        }
        Target::Workspace(g) => {
            let ws = alarm_workspace(cx, g)?;
            let gname = cx.t.report_name(&cx.t.resources[g].id);
            let key = format!("{rid} table");
            let sym = cx.param_for(&key, "string", |p| {
                let why = format!("The Log Analytics table the records of {gname} land in (read by the log search alert of {rname}; a custom text-log table keeps each line in `RawData`).");
                p.required_reason = Some(why.clone());
                p.description = Some(why);
            });
            (
                AzExpr::path(&ws, "id"),
                vec![Interp::Expr(AzExpr::ident(sym))],
                format!("<table named by the parameter for {rname}>"),
                format!(
                    "the log group {gname} becomes a workspace whose table is a parameter: the query reads the record text in `RawData`, the column of custom text-log tables (Azure Monitor Agent); change it if the logs land in another table"
                ),
            )
        }
    };
    let column = match target {
        Target::Function(_) => "Message",
        Target::Workspace(_) => "RawData",
    };
    let mut query = head;
    let json = condition.as_deref().is_some_and(|c| c.contains("record")) || measure.is_some();
    let mut lines = Vec::new();
    if json {
        lines.push(format!("\n| extend record = parse_json({column})"));
    }
    if let Some(c) = &condition {
        lines.push(format!("\n| where {c}"));
    }
    let (aggregation, measure_col) = match &measure {
        None => ("Count", None),
        Some(f) => {
            let path = record_path(f).ok()?;
            lines.push(format!("\n| extend metricValue = todouble({path})"));
            let agg = match s.statistic.as_str() {
                "Sum" => "Total",
                "Average" => "Average",
                "Maximum" => "Maximum",
                "Minimum" => "Minimum",
                _ => "Count",
            };
            (agg, Some("metricValue"))
        }
    };
    for l in lines {
        shown.push_str(&l);
        query.push(Interp::Lit(l));
    }
    let query_text = crate::azure::interp(query);
    let (window_secs, window) = QUERY_WINDOWS
        .iter()
        .find(|(w, _)| *w >= s.period)
        .copied()
        .unwrap_or((172800, "P2D"));
    let frequency = QUERY_WINDOWS
        .iter()
        .rev()
        .find(|(w, _)| *w <= window_secs.min(3600))
        .map_or("PT1M", |(_, f)| f);
    let p = cx.t.resources[a].properties.clone();
    let threshold = super::compute::alarm_threshold(cx, &p)?;
    let groups = action_groups(cx, &alarms);
    let aname = cx.t.report_name(&cx.t.resources[a].id);
    let value_note = match &measure {
        None => "counts the matching records".to_string(),
        Some(f) => format!(
            "aggregates `$.{f}` ({aggregation}, the alarm's {})",
            s.statistic
        ),
    };
    cx.decide(
        "metric-filter-query-alert",
        Some((&rid, span)),
        &format!("{rid}: the metric filter becomes a log search alert"),
        &format!("The filter pattern selects the log group's records for a metric that the alarm {aname} watches; {table_note}."),
        &format!("A log search alert (Microsoft.Insights/scheduledQueryRules) runs\n\n```kusto\n{shown}\n```\n\nand {value_note} over {window} windows (the alarm's {} s period), evaluated every {frequency}; it fires when {} of {} windows are {} the threshold, and notifies the action groups of the alarm's topics. Terms match as case-sensitive substrings (`contains_cs`); JSON selectors read the parsed record.", s.period, s.to_alarm, s.evaluations, s.operator),
        "Log search alerts run on a schedule and see records after ingestion latency (a few minutes); check the query against real records and tune the threshold after the baseline.",
    );
    let mut criterion = vec![
        ("query", query_text),
        ("timeAggregation", AzExpr::str(aggregation)),
    ];
    if let Some(c) = measure_col {
        criterion.push(("metricMeasureColumn", AzExpr::str(c)));
    }
    criterion.extend([
        ("operator", AzExpr::str(s.operator)),
        ("threshold", threshold),
    ]);
    if s.evaluations > 1 {
        criterion.push((
            "failingPeriods",
            AzExpr::obj(vec![
                ("numberOfEvaluationPeriods", AzExpr::Int(s.evaluations)),
                ("minFailingPeriodsToAlert", AzExpr::Int(s.to_alarm)),
            ]),
        ));
    }
    let mut props = Vec::new();
    if let Some(d) = description(cx, &alarms) {
        props.push(("description", d));
    }
    props.extend([
        ("severity", AzExpr::Int(2)),
        ("enabled", AzExpr::Bool(true)),
        ("scopes", AzExpr::Array(vec![scope])),
        ("evaluationFrequency", AzExpr::str(frequency)),
        ("windowSize", AzExpr::str(window)),
    ]);
    // A custom table named by a parameter may not exist (or hold no records) when the rule
    // is created: Azure would reject the query then.
    if matches!(target, Target::Workspace(_)) {
        props.push(("skipQueryValidation", AzExpr::Bool(true)));
    }
    props.extend([(
        "criteria",
        AzExpr::obj(vec![("allOf", AzExpr::Array(vec![AzExpr::obj(criterion)]))]),
    )]);
    if !groups.is_empty() {
        props.push((
            "actions",
            AzExpr::Object(vec![(
                AzKey::Name("actionGroups".into()),
                AzExpr::Array(groups),
            )]),
        ));
    }
    Some(AzExpr::obj(props))
}

/// The symbol of the workspace log group `g` became.
fn alarm_workspace(cx: &Ctx, g: usize) -> Option<String> {
    let entry = cx.prepared[g].entry.clone()?;
    entry
        .resources
        .iter()
        .find(|s| {
            s.ty.eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
        })
        .map(|s| cx.resolve_symbol(g, &s.symbol))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_patterns_become_kql() {
        let Pattern::Json(c) = filter_pattern::parse(
            r#"{ ($.level = "ERROR") && ($.latency > 500 || $.path = "/api/*") && $.user NOT EXISTS }"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            json_kql(&c).unwrap(),
            "(tostring(record.level) == \"ERROR\" and (todouble(record.latency) > 500 or tostring(record.path) startswith_cs \"/api/\") and isnull(record.user))"
        );
        let Pattern::Json(c) = filter_pattern::parse("{ $.a = x*y }").unwrap() else {
            panic!()
        };
        assert!(json_kql(&c).is_err());
    }

    #[test]
    fn terms_become_kql() {
        let Pattern::Terms { all, any, not } =
            filter_pattern::parse(r#"ERROR "timed out" -healthcheck"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            terms_kql("Message", &all, &any, &not).unwrap(),
            "Message contains_cs \"ERROR\" and Message contains_cs \"timed out\" and not(Message contains_cs \"healthcheck\")"
        );
    }
}
