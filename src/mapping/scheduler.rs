//! EventBridge Scheduler schedules and EventBridge Pipes. A schedule that invokes a
//! function of the template becomes a timer-trigger setting of its function app (as a
//! scheduled rule does); one that starts a state machine of the template becomes a
//! Recurrence trigger of the Logic App the state machine became; any other target gets
//! a Logic App of its own with the Recurrence trigger and a decision on the action to
//! add. Pipes are recorded: source, filters, enrichment and target, with the Azure
//! services that do each.

use super::context::Ctx;
use super::eventbridge::{Dest, destination, pattern_text};
use super::events::ncrontab;
use crate::azure::types::{LOGIC_WORKFLOW, WEB_SITE};
use crate::azure::{AzExpr, AzResource};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;
use crate::source::Span;

const PASS: &str = "eventbridge";

pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() {
            continue;
        }
        if cx.plays(i, PASS, "schedule") {
            schedule(cx, i);
        } else if cx.plays(i, PASS, "pipe") {
            pipe(cx, i);
        }
    }
}

fn set_outcome(cx: &mut Ctx, i: usize, status: &str, azure: Vec<(String, String)>) {
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = status.to_string();
        rep.azure.extend(azure);
    }
}

/// The schedule's name: `Name` when literal, else the logical id.
fn schedule_name(cx: &Ctx, i: usize) -> String {
    let r = &cx.t.resources[i];
    r.properties
        .get("Name")
        .and_then(|n| n.literal_text())
        .unwrap_or_else(|| r.id.clone())
}

fn schedule(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    if r.for_each.is_some() {
        cx.decide_later(
            i,
            "scheduler-repeated",
            &format!("{}: a repeated schedule is not translated", r.id),
            "The schedule is repeated over a collection (`for_each` or `count`): its expression and target differ per element.",
            "Nothing is generated.",
            "Write a timer trigger or a Logic App recurrence per element by hand.",
            None,
        );
        return set_outcome(cx, i, "manual", Vec::new());
    }
    let Some(expr) = p.get("ScheduleExpression") else {
        cx.decide_later(
            i,
            "scheduler-expression-manual",
            &format!("{}: the schedule has no expression", r.id),
            "The schedule sets no `ScheduleExpression`.",
            "Nothing is generated.",
            "Add a Logic App Recurrence trigger (or a timer trigger) with the schedule's expression by hand.",
            None,
        );
        return set_outcome(cx, i, "manual", Vec::new());
    };
    let text = expr
        .literal_text()
        .unwrap_or_else(|| pattern_text(cx.t, expr));
    let disabled = p
        .get("State")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"));
    let zone = p
        .get("ScheduleExpressionTimezone")
        .and_then(|z| z.literal_text())
        .filter(|z| !matches!(z.as_str(), "UTC" | "Etc/UTC" | "GMT"));
    let target = p
        .get("Target")
        .cloned()
        .unwrap_or_else(|| Expr::new(ExprKind::Null, Span::default()));
    let target_res = target.get("Arn").and_then(|a| cx.referenced_resource(a));
    let mut lost = Vec::new();
    if p.get("EndDate").is_some_and(|e| !e.is_null()) {
        lost.push(format!(
            "the end date `{}` (disable the workflow or timer then)",
            p.get("EndDate")
                .and_then(|e| e.literal_text())
                .unwrap_or_else(|| "computed".into())
        ));
    }
    if let Some(k) = ["Input", "DeadLetterConfig", "RetryPolicy"]
        .into_iter()
        .find(|k| target.get(k).is_some_and(|x| !x.is_null()))
    {
        lost.push(format!(
            "the target's `{k}` (and any other target settings)"
        ));
    }
    // A function of the template: a timer trigger.
    if let Dest::Function(_, name, j) = destination(cx, &target) {
        return timer(cx, i, j, &name, &text, zone.as_deref(), disabled, &lost);
    }
    let Some(rec) = recurrence(&text) else {
        cx.decide_later(
            i,
            "scheduler-expression-manual",
            &format!("{}: the schedule expression has no recurrence", r.id),
            &format!("The schedule fires on `{text}`."),
            "Nothing is generated: a one-time (`at(...)`) or computed expression, or a cron expression a Logic App recurrence cannot express (ranges, steps on hours, `L`, `W`, `#`).",
            &format!("Build the trigger by hand: a Logic App Recurrence trigger (or a timer trigger) for `{text}`, then the call to the target ({}).", target_text(cx, &target)),
            None,
        );
        return set_outcome(cx, i, "manual", Vec::new());
    };
    let mut rec = rec;
    let tz_lost = zone.as_ref().and_then(|z| {
        match cx.tables.lookup_str("time-zones", z, "windows") {
            Some(w) => {
                rec.push(("timeZone", AzExpr::Str(w)));
                None
            }
            None => Some(format!(
                "the time zone `{z}` (not in mappings/tables/time-zones.yaml: the recurrence runs in UTC)"
            )),
        }
    });
    lost.extend(tz_lost);
    // A UTC start time carries over; with a time zone a recurrence's start time is local
    // time without an offset, which azurerm's recurrence trigger does not take.
    if let Some(s) = p.get("StartDate").filter(|s| !s.is_null()) {
        match s.literal_text() {
            Some(start) if zone.is_none() && start.ends_with('Z') => {
                rec.push(("startTime", AzExpr::Str(start)));
            }
            other => lost.push(format!(
                "the start date `{}` (set the trigger's start time by hand{})",
                other.unwrap_or_else(|| "computed".into()),
                if zone.is_some() {
                    ", in the trigger's time zone without `Z`"
                } else {
                    ""
                }
            )),
        }
    }
    let trigger = AzExpr::obj(vec![
        ("type", AzExpr::str("Recurrence")),
        ("recurrence", AzExpr::obj(rec)),
    ]);
    let trigger_name = format!(
        "{}_Recurrence",
        schedule_name(cx, i).replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    // A state machine of the template: a trigger of its workflow.
    if let Some(j) = target_res.filter(|j| machine_workflow(cx, *j).is_some()) {
        let wf = add_trigger(cx, i, j, &trigger_name, trigger, &text, disabled);
        lost_decision(cx, i, &text, &lost);
        let status = if lost.is_empty() && !disabled {
            "translated"
        } else {
            "partial"
        };
        return set_outcome(cx, i, status, vec![(LOGIC_WORKFLOW.ty.into(), wf)]);
    }
    // Any other target: a workflow of its own.
    let sym = cx.prepared[i].sym.clone();
    let condition = target_res.and_then(|j| cx.joint_condition(i, j));
    let what = target_text(cx, &target);
    let comment = format!(
        "Runs on the schedule of {} (was an EventBridge Scheduler schedule, `{text}`{}); add the action that calls its target.",
        cx.t.report_name(&r.id),
        p.get("Description")
            .and_then(|d| d.literal_text())
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    );
    push_workflow(
        cx,
        i,
        Workflow {
            sym: sym.clone(),
            name: format!("logic-{}", kebab(&schedule_name(cx, i))),
            trigger_name,
            trigger,
            disabled,
            comment,
            condition,
        },
    );
    cx.decide_later(
        i,
        "scheduler-logic-app",
        &format!("{}: the schedule becomes a Logic App recurrence", r.id),
        &format!("The schedule calls {what} on `{text}`."),
        "A Consumption Logic App with a system-assigned identity and a Recurrence trigger on the same schedule (Windows time zone when the schedule names one); its action is left to write, since calling the target needs a connector connection or an HTTP call with the workflow's identity.",
        &format!("Add {}. Grant the workflow's identity the role the call needs on the target.", action_hint(cx, &target)),
        Some("partial"),
    );
    lost_decision(cx, i, &text, &lost);
    set_outcome(cx, i, "partial", vec![(LOGIC_WORKFLOW.ty.into(), sym)]);
}

/// A Consumption workflow with one Recurrence trigger and no actions yet.
struct Workflow {
    sym: String,
    name: String,
    trigger_name: String,
    trigger: AzExpr,
    disabled: bool,
    comment: String,
    condition: Option<AzExpr>,
}

fn push_workflow(cx: &mut Ctx, i: usize, w: Workflow) {
    let mut name = w.name;
    name.truncate(80);
    cx.module.resources.push(AzResource {
        symbol: w.sym,
        ty: LOGIC_WORKFLOW.ty.into(),
        api: LOGIC_WORKFLOW.api.into(),
        name: AzExpr::Str(name.trim_end_matches('-').to_string()),
        location: Some(AzExpr::ident("location")),
        body: vec![
            (
                "identity".into(),
                AzExpr::obj(vec![("type", AzExpr::str("SystemAssigned"))]),
            ),
            (
                "properties".into(),
                AzExpr::obj(vec![
                    (
                        "state",
                        AzExpr::str(if w.disabled { "Disabled" } else { "Enabled" }),
                    ),
                    (
                        "definition",
                        AzExpr::obj(vec![
                            ("$schema", AzExpr::str("https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#")),
                            ("contentVersion", AzExpr::str("1.0.0.0")),
                            (
                                "triggers",
                                if w.trigger_name.is_empty() {
                                    AzExpr::Object(Vec::new())
                                } else {
                                    AzExpr::obj(vec![(w.trigger_name.as_str(), w.trigger)])
                                },
                            ),
                            ("actions", AzExpr::Object(Vec::new())),
                            ("outputs", AzExpr::Object(Vec::new())),
                        ]),
                    ),
                ]),
            ),
        ],
        condition: w.condition,
        comments: vec![w.comment],
        source: cx.t.resources[i].id.clone(),
        ..Default::default()
    });
}

/// A scheduled EventBridge rule's targets that are neither functions nor state machines
/// of the template: one workflow with the rule's Recurrence trigger (UTC), its actions
/// left to write. Returns the workflow's symbol and the action each target needs.
pub(super) fn rule_workflow(
    cx: &mut Ctx,
    i: usize,
    text: &str,
    targets: &[(String, Expr)],
    disabled: bool,
) -> Option<(String, Vec<String>)> {
    let rec = recurrence(text)?;
    let r = cx.t.resources[i].clone();
    let rule = r
        .properties
        .get("Name")
        .and_then(|n| n.literal_text())
        .unwrap_or_else(|| r.id.clone());
    let sym = cx.syms.alloc(&format!("{}Workflow", cx.prepared[i].sym));
    let condition = targets
        .iter()
        .find_map(|(_, t)| t.get("Arn").and_then(|a| cx.referenced_resource(a)))
        .and_then(|j| cx.joint_condition(i, j));
    let actions: Vec<String> = targets
        .iter()
        .map(|(tid, t)| format!("`{tid}`: {}", action_hint(cx, t)))
        .collect();
    push_workflow(
        cx,
        i,
        Workflow {
            sym: sym.clone(),
            name: format!("logic-{}", kebab(&rule)),
            trigger_name: format!(
                "{}_Recurrence",
                rule.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ),
            trigger: AzExpr::obj(vec![
                ("type", AzExpr::str("Recurrence")),
                ("recurrence", AzExpr::obj(rec)),
            ]),
            disabled,
            comment: format!(
                "Runs on the schedule of rule {} (was a scheduled EventBridge rule, `{text}`); add the actions that call its targets.",
                cx.t.report_name(&r.id)
            ),
            condition,
        },
    );
    Some((sym, actions))
}

/// The workflow state machine `j` became, when it is one this module declares.
pub(super) fn machine_workflow(cx: &Ctx, j: usize) -> Option<String> {
    let sym = &cx.prepared[j].sym;
    (cx.plays(j, "step-functions", "machine")
        && cx.t.resources[j].for_each.is_none()
        && cx
            .module
            .resources
            .iter()
            .any(|x| x.symbol == *sym && !x.existing && x.ty == LOGIC_WORKFLOW.ty))
    .then(|| sym.clone())
}

/// Adds the Recurrence trigger `name` of schedule (or rule) `i` to the workflow of
/// state machine `j`, with its decision; returns the workflow's symbol.
fn add_trigger(
    cx: &mut Ctx,
    i: usize,
    j: usize,
    name: &str,
    trigger: AzExpr,
    text: &str,
    disabled: bool,
) -> String {
    let wf = cx.prepared[j].sym.clone();
    cx.set_path(
        &wf,
        &["properties", "definition", "triggers", name],
        trigger,
    );
    let machine = cx.t.report_name(&cx.t.resources[j].id);
    let id = cx.t.resources[i].id.clone();
    cx.decide_later(
        i,
        "scheduler-workflow-recurrence",
        &format!("{id}: the schedule becomes a Recurrence trigger of {machine}'s workflow"),
        &format!("{} starts the state machine {machine} on `{text}`.", cx.t.report_name(&id)),
        &format!("The Logic App that replaces {machine} gets the Recurrence trigger `{name}`; a run starts on each occurrence."),
        &format!(
            "The workflow runs with no input (a target's `Input` is not passed).{}",
            if disabled {
                " The schedule is disabled: remove the trigger (or disable the workflow) until it is enabled."
            } else {
                ""
            }
        ),
        None,
    );
    wf
}

/// A scheduled EventBridge rule's target that names a state machine of the template:
/// a Recurrence trigger of its workflow (the workflow's symbol), when the expression
/// converts.
pub(super) fn workflow_trigger(
    cx: &mut Ctx,
    i: usize,
    target: &Expr,
    text: &str,
    rule: &str,
) -> Option<String> {
    let j = target.get("Arn").and_then(|a| cx.referenced_resource(a))?;
    machine_workflow(cx, j)?;
    let rec = recurrence(text)?;
    let trigger = AzExpr::obj(vec![
        ("type", AzExpr::str("Recurrence")),
        ("recurrence", AzExpr::obj(rec)),
    ]);
    let name = format!(
        "{}_Recurrence",
        rule.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let disabled = cx.t.resources[i]
        .properties
        .get("State")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"));
    Some(add_trigger(cx, i, j, &name, trigger, text, disabled))
}

/// A schedule that invokes a function: the NCRONTAB setting its timer trigger reads.
#[allow(clippy::too_many_arguments)]
fn timer(
    cx: &mut Ctx,
    i: usize,
    j: usize,
    function: &str,
    text: &str,
    zone: Option<&str>,
    disabled: bool,
    lost: &[String],
) {
    let r = cx.t.resources[i].clone();
    let site = cx.prepared[j].sym.clone();
    let setting = format!(
        "{}_SCHEDULE",
        schedule_name(cx, i).replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let cron = if text.starts_with("at(") {
        None
    } else {
        ncrontab(text)
    };
    if let Some(c) = &cron {
        super::eventbridge::timer_setting(cx, &site, &setting, c);
    }
    let when = match &cron {
        Some(c) => format!("`%{setting}%` = `{c}`"),
        None => format!("a NCRONTAB expression written by hand for `{text}`"),
    };
    let zone_note = match zone {
        Some(z) => format!(
            " The schedule runs in `{z}`; a timer trigger runs in UTC unless the app sets `WEBSITE_TIME_ZONE` (`{}` on Windows plans, `{z}` on Linux Premium or Dedicated plans; Linux Consumption and Flex Consumption plans have UTC only): set it, or shift the expression to UTC.",
            cx.tables
                .lookup_str("time-zones", z, "windows")
                .unwrap_or_else(|| "its Windows time zone id".into())
        ),
        None => String::new(),
    };
    cx.decide_later(
        i,
        "scheduler-timer",
        &format!("{}: the schedule becomes a timer trigger", r.id),
        &format!(
            "The schedule invokes `{function}` ({}) on `{text}`.",
            cx.t.report_name(&cx.t.resources[j].id)
        ),
        &format!(
            "No Azure resource: the function app gets the app setting `{setting}`{}; the function's code declares a timer trigger on {when}.",
            if cron.is_some() {
                ""
            } else {
                " (not set: the expression does not convert)"
            }
        ),
        &format!(
            "The code must declare a `TimerTrigger` with schedule `%{setting}%`.{zone_note}{}",
            if disabled {
                " The schedule is disabled: disable the timer function with the app setting `AzureWebJobs.<function>.Disabled = true`."
            } else {
                ""
            }
        ),
        None,
    );
    lost_decision(cx, i, text, lost);
    let status = if cron.is_some() && lost.is_empty() && !disabled && zone.is_none() {
        "translated"
    } else {
        "partial"
    };
    set_outcome(cx, i, status, vec![(WEB_SITE.ty.into(), site)]);
}

fn lost_decision(cx: &mut Ctx, i: usize, text: &str, lost: &[String]) {
    if lost.is_empty() {
        return;
    }
    let id = cx.t.resources[i].id.clone();
    cx.decide_later(
        i,
        "scheduler-settings-partial",
        &format!("{id}: schedule settings with no counterpart"),
        &format!("The schedule (`{text}`) also sets: {}.", lost.join("; ")),
        "These are not carried over.",
        "Handle them by hand: pass input from the workflow's action or the function's code, set retries on the action, and disable the trigger at the end date.",
        Some("partial"),
    );
}

/// What the target is, for a decision.
fn target_text(cx: &Ctx, target: &Expr) -> String {
    let Some(arn) = target.get("Arn") else {
        return "no target".into();
    };
    if let Some(j) = cx.referenced_resource(arn) {
        return format!(
            "{} ({})",
            cx.t.report_name(&cx.t.resources[j].id),
            cx.t.resources[j].ty
        );
    }
    format!("`{}`", pattern_text(cx.t, arn).trim_matches('"'))
}

/// The action a workflow needs to call the target.
fn action_hint(cx: &Ctx, target: &Expr) -> String {
    let arn = target.get("Arn");
    let text = arn
        .map(|a| pattern_text(cx.t, a).trim_matches('"').to_string())
        .unwrap_or_default();
    // Universal targets: `arn:aws:scheduler:::aws-sdk:<service>:<action>`.
    if let Some(call) = text.strip_prefix("arn:aws:scheduler:::aws-sdk:") {
        return format!(
            "an HTTP action for the SDK call `{call}` with the workflow's managed identity on the Azure Resource Manager REST API of the replacing resource (EC2 start and stop: `POST https://management.azure.com/<virtual machine id>/start` or `/deallocate` with the Compute API version)"
        );
    }
    let ty = arn
        .and_then(|a| cx.referenced_resource(a))
        .map(|j| cx.t.resources[j].ty.clone())
        .unwrap_or_else(|| {
            format!(
                "AWS::{}",
                text.split(':')
                    .nth(2)
                    .filter(|_| text.starts_with("arn:"))
                    .unwrap_or("")
            )
        });
    format!("an action that {}", target_action(&ty))
}

/// What a workflow's action does to reach the Azure counterpart of an AWS target type.
fn target_action(ty: &str) -> String {
    let svc = ty.split("::").nth(1).unwrap_or("").to_ascii_lowercase();
    let svc = if ty.ends_with("::StateMachine") {
        "states".to_string()
    } else {
        svc
    };
    match svc.as_str() {
        "sqs" => "sends to the Service Bus queue that replaces the SQS queue (Service Bus connector, `Send message`)",
        "sns" => "sends to the Service Bus topic that replaces the SNS topic (Service Bus connector, `Send message`)",
        "kinesis" | "kinesisfirehose" | "firehose" => "sends to the event hub that replaces the stream (Event Hubs connector, `Send event`)",
        "events" => "publishes a CloudEvent to the Event Grid topic that replaces the bus (HTTP action with the workflow's managed identity, which needs the EventGrid Data Sender role)",
        "lambda" | "serverless" => "calls the function app that replaces the function (Azure Functions action, or HTTP with the workflow's managed identity)",
        "stepfunctions" | "states" => "starts the workflow that replaces the state machine (a nested workflow action; give that workflow a Request trigger)",
        "ecs" => "starts the Container Apps job that replaces the task (HTTP action on the job's `start` operation with the workflow's managed identity)",
        "logs" => "sends to Log Analytics (Azure Log Analytics Data Collector connector, or the Logs Ingestion API over HTTP)",
        _ => "calls the replacing service (HTTP action with the workflow's managed identity)",
    }
    .to_string()
}

/// `rate(n unit)` / `cron(...)` → a Logic App recurrence (frequency, interval, schedule).
pub(super) fn recurrence(text: &str) -> Option<Vec<(&'static str, AzExpr)>> {
    if let Some(r) = text.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = r.trim().split_once(' ')?;
        let n: i64 = n.trim().parse().ok().filter(|n| *n > 0)?;
        let freq = match unit.trim().trim_end_matches('s') {
            "minute" => "Minute",
            "hour" => "Hour",
            "day" => "Day",
            _ => return None,
        };
        return Some(vec![
            ("frequency", AzExpr::str(freq)),
            ("interval", AzExpr::Int(n)),
        ]);
    }
    let c = text.strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = c.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = f[..] else {
        return None;
    };
    if month != "*" || !matches!(year, "*" | "?") {
        return None;
    }
    let any = |s: &str| s == "*" || s == "?";
    // Every n minutes (`0/15 * * * ? *`).
    if any(hour)
        && any(dom)
        && any(dow)
        && let Some(step) = min
            .strip_prefix("0/")
            .or_else(|| min.strip_prefix("*/"))
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|s| *s > 0 && *s < 60)
    {
        return Some(vec![
            ("frequency", AzExpr::str("Minute")),
            ("interval", AzExpr::Int(step)),
        ]);
    }
    let minutes = numbers(min, 59)?;
    let hours = if any(hour) {
        (0..24).map(AzExpr::Int).collect()
    } else {
        numbers(hour, 23)?
    };
    let mut schedule = vec![
        ("hours", AzExpr::Array(hours)),
        ("minutes", AzExpr::Array(minutes)),
    ];
    let freq = match (any(dom), any(dow)) {
        (true, true) => "Day",
        (true, false) => {
            schedule.push(("weekDays", AzExpr::Array(week_days(dow)?)));
            "Week"
        }
        (false, true) => {
            schedule.push(("monthDays", AzExpr::Array(numbers(dom, 31)?)));
            "Month"
        }
        (false, false) => return None,
    };
    Some(vec![
        ("frequency", AzExpr::str(freq)),
        ("interval", AzExpr::Int(1)),
        ("schedule", AzExpr::obj(schedule)),
    ])
}

/// `5`, `0,30`, `8-10` → the numbers (each at most `max`).
fn numbers(s: &str, max: i64) -> Option<Vec<AzExpr>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (i64, i64) = (a.parse().ok()?, b.parse().ok()?);
                if a > b || b > max || a < 0 {
                    return None;
                }
                out.extend((a..=b).map(AzExpr::Int));
            }
            None => {
                let n: i64 = part.parse().ok()?;
                if !(0..=max).contains(&n) {
                    return None;
                }
                out.push(AzExpr::Int(n));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `MON-FRI`, `SAT,SUN`, `2-6` (AWS: 1 = Sunday) → Logic Apps week days.
fn week_days(s: &str) -> Option<Vec<AzExpr>> {
    const DAYS: [(&str, &str); 7] = [
        ("SUN", "Sunday"),
        ("MON", "Monday"),
        ("TUE", "Tuesday"),
        ("WED", "Wednesday"),
        ("THU", "Thursday"),
        ("FRI", "Friday"),
        ("SAT", "Saturday"),
    ];
    let index = |d: &str| -> Option<usize> {
        let d = d.to_ascii_uppercase();
        DAYS.iter().position(|(k, _)| *k == d).or_else(|| {
            d.parse::<usize>()
                .ok()
                .filter(|n| (1..=7).contains(n))
                .map(|n| n - 1)
        })
    };
    let mut out: Vec<usize> = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (index(a)?, index(b)?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(index(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out.into_iter().map(|d| AzExpr::str(DAYS[d].1)).collect())
}

/// A pipe: recorded with its source, filters, enrichment and target.
fn pipe(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let part = |cx: &Ctx, k: &str| -> Option<(String, String)> {
        let e = p.get(k)?;
        match cx.referenced_resource(e) {
            Some(j) => Some((
                format!(
                    "{} ({})",
                    cx.t.report_name(&cx.t.resources[j].id),
                    cx.t.resources[j].ty
                ),
                cx.t.resources[j].ty.clone(),
            )),
            None => {
                let t = pattern_text(cx.t, e).trim_matches('"').to_string();
                let svc = t.split(':').nth(2).unwrap_or("").to_string();
                Some((format!("`{t}`"), format!("AWS::{svc}")))
            }
        }
    };
    let source = part(cx, "Source");
    let target = part(cx, "Target");
    let enrichment = part(cx, "Enrichment");
    let filters: Vec<String> = p
        .path("SourceParameters.FilterCriteria.Filters")
        .and_then(|f| f.as_list())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("Pattern"))
        .map(|x| {
            format!(
                "`{}`",
                x.literal_text().unwrap_or_else(|| pattern_text(cx.t, x))
            )
        })
        .collect();
    let src_ty = source
        .as_ref()
        .map(|s| s.1.to_ascii_lowercase())
        .unwrap_or_default();
    let trigger = if src_ty.contains("sqs") {
        "a Service Bus trigger on the queue that replaces the SQS queue"
    } else if src_ty.contains("kinesis") {
        "an Event Hubs trigger on the event hub that replaces the Kinesis stream"
    } else if src_ty.contains("dynamodb") {
        "a function with a Cosmos DB (change feed) trigger on the container that replaces the table, which calls the workflow (Logic Apps has no change feed trigger)"
    } else if src_ty.contains("mq") || src_ty.contains("kafka") {
        "a Service Bus or Event Hubs (Kafka endpoint) trigger on the replacing broker"
    } else {
        "a trigger on the replacing source"
    };
    let mut context = format!(
        "The pipe reads from {} and sends to {}.",
        source
            .as_ref()
            .map_or("an unnamed source", |s| s.0.as_str()),
        target
            .as_ref()
            .map_or("an unnamed target", |s| s.0.as_str())
    );
    if !filters.is_empty() {
        context.push_str(&format!(" Filters: {}.", filters.join(", ")));
    }
    if let Some(e) = &enrichment {
        context.push_str(&format!(
            " Enrichment: {} (its result replaces the event).",
            e.0
        ));
    }
    for k in [
        "SourceParameters",
        "TargetParameters",
        "EnrichmentParameters",
    ] {
        if let Some(v) = p.get(k).filter(|v| !v.is_null()) {
            let text = pattern_text(cx.t, v);
            if text.len() <= 400 {
                context.push_str(&format!(" `{k}`: `{text}`."));
            } else {
                context.push_str(&format!(" `{k}` is set (see the source)."));
            }
        }
    }
    if p.get("DesiredState")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s.eq_ignore_ascii_case("STOPPED"))
    {
        context.push_str(" The pipe is stopped.");
    }
    let mut steps = vec![trigger.to_string()];
    if !filters.is_empty() {
        steps.push("a Condition on the filters (no trigger filters the way the pipe does)".into());
    }
    if enrichment.is_some() {
        steps.push("an Azure Functions or HTTP action for the enrichment".into());
    }
    steps.push(format!(
        "an action that {}",
        target_action(target.as_ref().map_or("", |t| t.1.as_str()))
    ));
    // Both ends converted here: the workflow's shell, with its identity's roles.
    let ends = (
        p.get("Source").and_then(|e| pipe_end(cx, e)),
        p.get("Target").and_then(|e| pipe_end(cx, e)),
    );
    if let ((Some(src), Some(tgt)), None) = (ends, r.for_each.as_ref()) {
        let azure = pipe_workflow(cx, i, &src, &tgt);
        let wf = azure[0].1.clone();
        let roles: Vec<String> = azure[1..].iter().map(|(_, s)| format!("`{s}`")).collect();
        cx.decide_later(
            i,
            "pipes-logic-app",
            &format!("{}: the pipe becomes a Logic App workflow", r.id),
            &context,
            &format!(
                "The Consumption workflow `{wf}` (empty definition, system-assigned identity{}) stands for the pipe; add what the pipe does: {}. An Azure Function with the same trigger is the code-first alternative.",
                if roles.is_empty() {
                    String::new()
                } else {
                    format!(", granted {}", roles.join(" and "))
                },
                steps.join(", ")
            ),
            "Until its trigger and actions are written, the workflow does nothing. The managed connectors authenticate with the workflow's identity (`ManagedServiceIdentity`); batch size and starting position become the trigger's settings.",
            Some("partial"),
        );
        set_outcome(cx, i, "partial", azure);
        return;
    }
    cx.decide_later(
        i,
        "pipes-logic-app",
        &format!("{}: the pipe becomes a Logic App (or a function) to write", r.id),
        &context,
        &format!(
            "Nothing is generated. A Logic App does what the pipe does: {}. An Azure Function with the same trigger is the code-first alternative.",
            steps.join(", ")
        ),
        "Give the workflow a managed identity with the receiver role on the source and the sender role on the target; batch size and starting position become the trigger's settings.",
        None,
    );
    set_outcome(cx, i, "manual", Vec::new());
}

/// One end of a pipe converted here: (its resource index, the symbol of the Azure
/// resource it became, its AWS type).
fn pipe_end(cx: &Ctx, e: &Expr) -> Option<(usize, String, String)> {
    let j = cx.referenced_resource(e)?;
    let entry = cx.prepared[j].entry.as_ref()?;
    let sym = entry
        .resources
        .iter()
        .map(|spec| cx.resolve_symbol(j, &spec.symbol))
        .find(|sym| {
            cx.module.resources.iter().any(|x| {
                x.symbol == *sym && !x.existing && x.condition.is_none() && x.for_each.is_none()
            })
        })?;
    Some((j, sym, cx.t.resources[j].ty.clone()))
}

/// The workflow that stands for pipe `i`, with role assignments for its identity: the
/// reader role on the source, the sender role on the target (`access-roles`). Returns
/// the report's (type, symbol) list, the workflow first.
fn pipe_workflow(
    cx: &mut Ctx,
    i: usize,
    src: &(usize, String, String),
    tgt: &(usize, String, String),
) -> Vec<(String, String)> {
    let r = cx.t.resources[i].clone();
    // The pipe's own symbol: its entry generates nothing else.
    let sym = cx.resolve_symbol(i, "{sym}");
    let name = r
        .properties
        .get("Name")
        .and_then(|n| n.literal_text())
        .unwrap_or_else(|| r.id.clone());
    let disabled = r
        .properties
        .get("DesiredState")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s.eq_ignore_ascii_case("STOPPED"));
    push_workflow(
        cx,
        i,
        Workflow {
            sym: sym.clone(),
            name: format!("logic-{}", kebab(&name)),
            trigger_name: String::new(),
            trigger: AzExpr::Null,
            disabled,
            comment: format!(
                "Was {} (AWS::Pipes::Pipe): {} → {}; its trigger and actions are to be written (see MIGRATION.md).",
                r.id, cx.t.resources[src.0].id, cx.t.resources[tgt.0].id
            ),
            condition: None,
        },
    );
    let mut azure = vec![(LOGIC_WORKFLOW.ty.to_string(), sym.clone())];
    for ((j, target, ty), access, what) in [(src, "read", "Reader"), (tgt, "write", "Sender")] {
        let key = format!("{ty}:{access}");
        let Some(role) = cx.tables.lookup_str("access-roles", &key, "role") else {
            continue;
        };
        let role_name = cx
            .tables
            .lookup_str("access-roles", &key, "name")
            .unwrap_or_default();
        let a = cx.syms.alloc(&format!("{sym}{what}"));
        let res = super::access::builtin_assignment(
            a.clone(),
            AzExpr::ident(target),
            AzExpr::path(&sym, "id"),
            &role,
            AzExpr::path(&sym, "identity.principalId"),
            format!(
                "{role_name} for the workflow of {} on {} (the pipe's {}).",
                r.id,
                cx.t.resources[*j].id,
                if access == "read" { "source" } else { "target" }
            ),
            r.id.clone(),
        );
        cx.module.resources.push(res);
        azure.push((crate::azure::types::ROLE_ASSIGNMENT.ty.to_string(), a));
    }
    azure
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &[(&str, AzExpr)]) -> String {
        format!("{:?}", AzExpr::obj(v.to_vec()))
    }

    #[test]
    fn rates_become_frequencies() {
        let r = recurrence("rate(15 minutes)").expect("a recurrence");
        assert_eq!(
            text(&r),
            text(&[
                ("frequency", AzExpr::str("Minute")),
                ("interval", AzExpr::Int(15))
            ])
        );
        assert!(recurrence("rate(1 day)").is_some());
        assert!(recurrence("rate(0 days)").is_none());
        assert!(recurrence("rate(2 fortnights)").is_none());
    }

    #[test]
    fn crons_become_schedules() {
        let week = text(&recurrence("cron(0 8,12 ? * MON-FRI *)").expect("weekly"));
        assert!(week.contains("Week") && week.contains("Friday") && !week.contains("Saturday"));
        // AWS numbers days from Sunday = 1.
        let days = text(&recurrence("cron(30 6 ? * 1,7 *)").expect("weekend"));
        assert!(days.contains("Sunday") && days.contains("Saturday") && !days.contains("Monday"));
        let month = text(&recurrence("cron(0 0 1,15 * ? *)").expect("monthly"));
        assert!(month.contains("Month") && month.contains("monthDays"));
        let steps = text(&recurrence("cron(0/10 * * * ? *)").expect("every ten minutes"));
        assert!(steps.contains("Minute") && steps.contains("10"));
        let quarters = text(&recurrence("cron(0,15,30,45 * * * ? *)").expect("every hour"));
        assert!(quarters.contains("Day") && quarters.contains("23") && quarters.contains("45"));
    }

    #[test]
    fn inexpressible_crons_have_no_recurrence() {
        for c in [
            "cron(0 8 ? * 6#3 *)",
            "cron(0 8 L * ? *)",
            "cron(0 8 1 JAN ? *)",
            "cron(0 8 1 * MON *)",
            "cron(0 */2 * * ? *)",
            "cron(0 8 * * ? 2027)",
            "cron(99 8 * * ? *)",
            "at(2026-01-01T00:00:00)",
            "cron(0 8 * *)",
        ] {
            assert!(recurrence(c).is_none(), "{c}");
        }
    }
}
