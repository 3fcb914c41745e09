//! Step Functions state machines: the Logic App workflow their entry emits starts
//! empty, so the Amazon States Language definition is kept beside the output
//! (`statemachines/<name>.asl.json`) for the rewrite, with a decision listing its states.
//! A definition read from a file (S3, `DefinitionUri`, Terraform `file()`) gets a
//! decision naming the file instead.

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::azure::types::LOGIC_WORKFLOW;
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::names::kebab;

const PASS: &str = "step-functions";

/// Writes the definition of every state machine of the template.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if !cx.plays(i, PASS, "machine") || cx.prepared[i].entry.is_none() {
            continue;
        }
        machine(cx, i);
        if cx.t.resources[i].for_each.is_none() {
            events(cx, i);
        }
    }
}

/// SAM `Events` of a state machine: schedules become Recurrence triggers of its
/// workflow; other sources a decision naming what starts the workflow on Azure.
fn events(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let Some(ExprKind::Object(evs)) = r.properties.get("Events").map(|e| &e.kind) else {
        return;
    };
    let wf = cx.prepared[i].sym.clone();
    let declared = cx
        .module
        .resources
        .iter()
        .any(|x| x.symbol == wf && !x.existing && x.ty == LOGIC_WORKFLOW.ty);
    if !declared {
        return;
    }
    let mut triggers = Vec::new();
    let mut other = Vec::new();
    for (name, _, ev) in evs {
        let kind = ev
            .get("Type")
            .and_then(|t| t.literal_text())
            .unwrap_or_default();
        let props = ev.get("Properties");
        let schedule = props
            .and_then(|p| p.get("Schedule"))
            .and_then(|s| s.literal_text());
        let enabled = props
            .and_then(|p| p.get("Enabled"))
            .and_then(|e| e.literal_bool())
            .unwrap_or(true)
            && !props
                .and_then(|p| p.get("State"))
                .and_then(|s| s.literal_text())
                .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"));
        let rec = schedule.as_deref().and_then(super::scheduler::recurrence);
        match (kind.as_str(), rec, &schedule) {
            ("Schedule" | "ScheduleV2", Some(mut rec), Some(text)) if enabled => {
                let zone = props
                    .and_then(|p| p.get("ScheduleExpressionTimezone"))
                    .and_then(|z| z.literal_text());
                if let Some(z) = &zone {
                    match cx.tables.lookup_str("time-zones", z, "windows") {
                        Some(w) => rec.push(("timeZone", AzExpr::Str(w))),
                        None => other.push(format!(
                            "`{name}` ({kind}): its time zone `{z}` is not in mappings/tables/time-zones.yaml (the trigger runs in UTC)"
                        )),
                    }
                }
                let tname = format!("{}_Recurrence", name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
                cx.set_path(
                    &wf,
                    &["properties", "definition", "triggers", &tname],
                    AzExpr::obj(vec![
                        ("type", AzExpr::str("Recurrence")),
                        ("recurrence", AzExpr::obj(rec)),
                    ]),
                );
                triggers.push(format!("`{name}` (`{text}`) → `{tname}`"));
            }
            ("Schedule" | "ScheduleV2", _, _) => other.push(format!(
                "`{name}` ({kind}{}): {}",
                schedule.as_deref().map(|s| format!(", `{s}`")).unwrap_or_default(),
                if enabled {
                    "the expression has no Logic Apps recurrence; add the Recurrence trigger by hand"
                } else {
                    "disabled; add a Recurrence trigger when it is enabled"
                }
            )),
            ("Api" | "HttpApi", _, _) => other.push(format!(
                "`{name}` ({kind}): give the workflow a Request trigger (`When an HTTP request is received`) and put API Management in front of its callback URL"
            )),
            _ => other.push(format!(
                "`{name}` ({kind}): an Event Grid subscription cannot start a Consumption workflow directly; give the workflow a Request trigger and deliver to its callback URL (WebHook endpoint), or use the Event Grid connector's trigger"
            )),
        }
    }
    if !triggers.is_empty() {
        cx.decide_later(
            i,
            "step-functions-schedule-trigger",
            &format!("{}: schedule events become Recurrence triggers", r.id),
            "The state machine is started by EventBridge schedules (SAM `Events`).",
            &format!(
                "The workflow gets a Recurrence trigger per schedule: {}.",
                triggers.join("; ")
            ),
            "Each occurrence starts a run with no input (a schedule's `Input` is not passed).",
            None,
        );
    }
    if !other.is_empty() {
        cx.decide_later(
            i,
            "step-functions-event-manual",
            &format!("{}: events that start the state machine", r.id),
            "The state machine is started by SAM `Events` the workflow has no trigger for.",
            &format!("No trigger is generated for: {}.", other.join("; ")),
            "Add the triggers by hand; until then the workflow is not started by these events.",
            Some("partial"),
        );
    }
}

/// Where a definition comes from.
enum Source {
    /// JSON text, as written (or with references shown as `${…}`).
    Text(String),
    /// A file the definition is read from (a path, an S3 location).
    File(String),
    /// Neither readable nor a file.
    Computed,
}

fn machine(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let src = if let Some(d) = p.get("Definition") {
        match &d.kind {
            ExprKind::Object(_) => Source::Text(json_text(cx, d, 0)),
            _ => definition_text(cx, d),
        }
    } else if let Some(d) = p.get("DefinitionString") {
        definition_text(cx, d)
    } else if let Some(s3) = p.get("DefinitionS3Location") {
        let bucket = s3.get("Bucket").map(|b| label(cx, b));
        let key = s3.get("Key").map(|k| label(cx, k));
        Source::File(format!(
            "s3://{}/{}",
            bucket.unwrap_or_else(|| "<bucket>".into()),
            key.unwrap_or_else(|| "<key>".into())
        ))
    } else if let Some(u) = p.get("DefinitionUri") {
        match (&u.kind, u.get("Bucket"), u.get("Key")) {
            (ExprKind::Object(_), Some(b), Some(k)) => {
                Source::File(format!("s3://{}/{}", label(cx, b), label(cx, k)))
            }
            _ => Source::File(label(cx, u)),
        }
    } else {
        Source::Computed
    };
    let subs = substitutions(cx, p.get("DefinitionSubstitutions"));
    let name = file_name(cx, i);
    match src {
        Source::Text(text) if r.for_each.is_none() => {
            let path = format!("statemachines/{name}.asl.json");
            let states = states(&text);
            cx.side_files
                .insert(path.clone(), format!("{}\n", text.trim_end()));
            cx.decide_later(
                i,
                "step-functions-definition",
                &format!("{}: the state machine's definition is kept in `{path}`", r.id),
                &format!(
                    "The Amazon States Language definition has {}{}",
                    if states.is_empty() {
                        "no states that could be read.".to_string()
                    } else {
                        format!("these states: {}.", states.join("; "))
                    },
                    subs
                ),
                &format!(
                    "The definition is written to `{path}` in the stack's output folder, beside the Bicep file or the Terraform files (references to other resources shown as `${{…}}`), for the rewrite as the Logic App's actions."
                ),
                "Rewrite each state in the workflow's definition (in the designer or as JSON): Task → an HTTP, Azure Functions or connector action with the workflow's managed identity; Choice → Condition or Switch; Parallel → parallel branches; Map → For each; Wait → Delay; Retry/Catch → the actions' retry policy and run-after settings.",
                None,
            );
        }
        Source::File(file) => {
            cx.decide_later(
                i,
                "step-functions-definition-file",
                &format!("{}: the state machine's definition is in a file", r.id),
                &format!("The definition is in `{file}`, outside the template.{subs}"),
                "The file is not read by the conversion: no copy of the definition is written beside the output.",
                &format!("Open `{file}` and rewrite its states as the Logic App's actions (Task → HTTP, Azure Functions or connector action; Choice → Condition or Switch; Map → For each; Wait → Delay)."),
                None,
            );
        }
        _ => {
            cx.decide_later(
                i,
                "step-functions-definition-computed",
                &format!("{}: the state machine's definition is computed", r.id),
                &format!("The definition is built by an expression (or the state machine is repeated), so it cannot be written out as JSON.{subs}"),
                "No copy of the definition is written beside the output.",
                "Take the definition from the deployed state machine (`aws stepfunctions describe-state-machine`) and rewrite its states as the Logic App's actions.",
                None,
            );
        }
    }
}

/// The definition as text: JSON text as written (checked to parse), a `Fn::Sub` /
/// interpolated string or a `jsonencode` of an object with its references as `${…}`.
fn definition_text(cx: &Ctx, d: &Expr) -> Source {
    let text = match &d.kind {
        ExprKind::Str(s) => s.clone(),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(e) => format!("${{{}}}", reference(cx, e)),
            })
            .collect(),
        ExprKind::Object(_) => json_text(cx, d, 0),
        ExprKind::ToJsonString(x) => return definition_text(cx, x),
        ExprKind::Call(f, args) if f == "jsonencode" && args.len() == 1 => {
            return definition_text(cx, &args[0]);
        }
        ExprKind::Call(f, args) if (f == "file" || f == "templatefile") && !args.is_empty() => {
            return Source::File(label(cx, &args[0]));
        }
        _ => return Source::Computed,
    };
    // `${…}` placeholders inside JSON strings keep the text parseable.
    if serde_json::from_str::<serde_json::Value>(&text).is_ok() {
        Source::Text(text)
    } else {
        Source::Computed
    }
}

/// A readable label for a reference: `Name`, `Resource.Attribute`, a Terraform address.
fn reference(cx: &Ctx, e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ref(n) => cx.t.report_name(n),
        ExprKind::GetAtt {
            resource,
            attribute,
        } => format!("{}.{attribute}", cx.t.report_name(resource)),
        ExprKind::Local(n) => format!("local.{n}"),
        _ => e.literal_text().unwrap_or_else(|| "expression".into()),
    }
}

/// A literal, or a reference's label in `<…>`; a path's `${path.module}/` dropped.
pub(super) fn label(cx: &Ctx, e: &Expr) -> String {
    if let Some(t) = e.literal_text() {
        return t;
    }
    match &e.kind {
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(x) => match &x.kind {
                    // `${path.module}/x.json`: the module's own folder.
                    ExprKind::Opaque(w) if w == "path.module" || w == "path.root" => ".".into(),
                    _ => format!("<{}>", reference(cx, x)),
                },
            })
            .collect::<String>(),
        _ => format!("<{}>", reference(cx, e)),
    }
}

/// `DefinitionSubstitutions` as a sentence for a decision's context.
fn substitutions(cx: &Ctx, e: Option<&Expr>) -> String {
    let Some(ExprKind::Object(m)) = e.map(|x| &x.kind) else {
        return String::new();
    };
    if m.is_empty() {
        return String::new();
    }
    let list: Vec<String> = m
        .iter()
        .map(|(k, _, v)| format!("`${{{k}}}` = {}", label(cx, v)))
        .collect();
    format!(
        " Its substitutions (`DefinitionSubstitutions`): {}.",
        list.join(", ")
    )
}

/// The file name: the literal state machine name, else the logical id, in kebab case;
/// unique within the template.
fn file_name(cx: &Ctx, i: usize) -> String {
    let r = &cx.t.resources[i];
    let base = ["StateMachineName", "Name"]
        .iter()
        .find_map(|k| r.properties.get(k).and_then(|n| n.literal_text()))
        .map(|n| kebab(&n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| kebab(&r.id));
    let mut name = base.clone();
    let mut n = 2;
    while cx
        .side_files
        .contains_key(&format!("statemachines/{name}.asl.json"))
    {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The top-level states: `` `Name` (Type[, resource]) ``, in the order written.
fn states(text: &str) -> Vec<String> {
    // serde_json without `preserve_order` sorts keys: read the order from the text.
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(states) = v.get("States").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    let mut names: Vec<(usize, &String)> = states
        .keys()
        .map(|k| {
            let quoted = serde_json::to_string(k).unwrap_or_default();
            (
                text.find(&format!("{quoted}:"))
                    .or_else(|| text.find(&quoted))
                    .unwrap_or(usize::MAX),
                k,
            )
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|(_, k)| {
            let s = &states[k];
            let ty = s.get("Type").and_then(|t| t.as_str()).unwrap_or("?");
            match s.get("Resource").and_then(|t| t.as_str()) {
                Some(res) => format!("`{k}` ({ty}, `{res}`)"),
                None => format!("`{k}` ({ty})"),
            }
        })
        .collect()
}

/// An expression as indented JSON text, keys in the order written; references as
/// `${…}` strings.
pub(super) fn json_text(cx: &Ctx, e: &Expr, depth: usize) -> String {
    let pad = "  ".repeat(depth + 1);
    let end = "  ".repeat(depth);
    let s = |x: &str| serde_json::to_string(x).unwrap_or_else(|_| "\"\"".into());
    match &e.kind {
        ExprKind::Null => "null".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Number(n) => {
            if n.parse::<f64>().is_ok_and(f64::is_finite) {
                n.clone()
            } else {
                s(n)
            }
        }
        ExprKind::Str(x) => s(x),
        ExprKind::List(l) if l.is_empty() => "[]".into(),
        ExprKind::List(l) => {
            let items: Vec<String> = l
                .iter()
                .map(|x| format!("{pad}{}", json_text(cx, x, depth + 1)))
                .collect();
            format!("[\n{}\n{end}]", items.join(",\n"))
        }
        ExprKind::Object(m) if m.is_empty() => "{}".into(),
        ExprKind::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, _, x)| format!("{pad}{}: {}", s(k), json_text(cx, x, depth + 1)))
                .collect();
            format!("{{\n{}\n{end}}}", items.join(",\n"))
        }
        ExprKind::Sub(parts) => s(&parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(x) => format!("${{{}}}", reference(cx, x)),
            })
            .collect::<String>()),
        _ => s(&format!("${{{}}}", reference(cx, e))),
    }
}
