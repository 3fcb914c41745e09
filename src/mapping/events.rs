//! SAM function events → what the Azure Functions trigger needs: identity-based
//! connection settings, the Service Bus subscription an SNS event implies, and
//! NCRONTAB schedules. The grants the triggers need are returned for
//! `access` to turn into role assignments.

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource, Interp};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;

/// A trigger's read access to a resource: `(function, resource)`.
pub type TriggerGrant = (usize, usize);

/// `rate(5 minutes)` / `cron(0 12 * * ? *)` → a six-field NCRONTAB expression.
pub fn ncrontab(expr: &str) -> Option<String> {
    if let Some(r) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = r.trim().split_once(' ')?;
        let n: u32 = n.parse().ok()?;
        return Some(match unit.trim_end_matches('s') {
            "minute" => format!("0 */{n} * * * *"),
            "hour" => format!("0 0 */{n} * * *"),
            "day" => format!("0 0 0 */{n} * *"),
            _ => return None,
        });
    }
    let c = expr
        .strip_prefix("cron(")
        .and_then(|c| c.strip_suffix(')'))?;
    let f: Vec<&str> = c.split_whitespace().collect();
    // AWS: minutes hours day-of-month month day-of-week year; `?` means "any".
    let [min, hour, dom, month, dow, _year] = f[..] else {
        return None;
    };
    let any = |s: &str| {
        if s == "?" {
            "*".to_string()
        } else {
            s.to_string()
        }
    };
    if dow.contains('#') || dow.contains('L') || dom.contains('L') || dom.contains('W') {
        return None;
    }
    Some(format!("0 {min} {hour} {} {month} {}", any(dom), any(dow)))
}

fn setting(name: String, value: AzExpr) -> AzExpr {
    AzExpr::obj(vec![("name", AzExpr::Str(name)), ("value", value)])
}

/// Wires the events of every SAM function; returns the read grants they need.
pub fn wire(cx: &mut Ctx) -> Vec<TriggerGrant> {
    let mut grants = Vec::new();
    let t = cx.t;
    for (i, r) in t.resources.iter().enumerate() {
        if !cx.plays(i, "events", "function")
            || r.for_each.is_some()
            || cx.prepared[i].entry.is_none()
        {
            continue;
        }
        let events = events_of(cx, i);
        if events.is_empty() {
            continue;
        }
        let site = cx.prepared[i].sym.clone();
        let mut w = Wiring {
            settings: Vec::new(),
            notes: Vec::new(),
            grants: &mut grants,
        };
        for (name, ev) in &events {
            let kind = ev.get("Type").and_then(|t| t.as_str()).unwrap_or("");
            match kind {
                "SQS" | "SNS" => service_bus_event(cx, i, name, ev, kind, &mut w),
                "Schedule" | "ScheduleV2" => schedule_event(name, ev, &mut w),
                "DynamoDB" => dynamodb_event(cx, i, name, ev, &mut w),
                _ => {}
            }
        }
        let Wiring {
            settings, notes, ..
        } = w;
        if settings.is_empty() && notes.is_empty() {
            continue;
        }
        append_settings(cx, &site, settings);
        cx.decide_later(
            i,
            "function-trigger-settings",
            &format!("{}: event sources wired for the Functions triggers", r.id),
            "Azure Functions declares triggers in code; the app needs the connection settings and the identity needs data access.",
            &format!("{}. Connections use the app's managed identity (`__fullyQualifiedNamespace`, `__accountEndpoint`).", notes.join("; ")),
            "The trigger attributes in the code must name these settings; batch sizes and starting positions move to host.json.",
            None,
        );
    }
    grants
}

/// What a function's events add: app settings, notes for the decision, and the read
/// grants of all functions so far.
struct Wiring<'g> {
    settings: Vec<AzExpr>,
    notes: Vec<String>,
    grants: &'g mut Vec<TriggerGrant>,
}

/// An SQS or SNS event: the Service Bus connection, queue or topic (and the topic's
/// subscription) settings, and a read grant.
fn service_bus_event(cx: &mut Ctx, i: usize, name: &str, ev: &Expr, kind: &str, w: &mut Wiring) {
    let key = if kind == "SQS" { "Queue" } else { "Topic" };
    let Some(j) = ev
        .path(&format!("Properties.{key}"))
        .and_then(|v| cx.referenced_resource(v))
    else {
        return;
    };
    let entity = cx.prepared[j].sym.clone();
    if kind == "SQS" && is_storage_queue(cx, &entity) {
        storage_queue_event(cx, i, j, name, &entity, w);
        return;
    }
    let Some(ns) = cx.shared.get("serviceBus").cloned() else {
        return;
    };
    w.settings.push(setting(
        format!("{name}Connection__fullyQualifiedNamespace"),
        AzExpr::Interp(vec![
            Interp::Expr(AzExpr::path(&ns, "name")),
            Interp::Lit(".servicebus.windows.net".into()),
        ]),
    ));
    let entity_key = if kind == "SQS" { "QUEUE" } else { "TOPIC" };
    w.settings.push(setting(
        format!("{name}_{entity_key}"),
        AzExpr::path(&entity, "name"),
    ));
    if kind == "SNS" {
        let sub = subscription_for(cx, i, j, &entity);
        w.settings.push(setting(
            format!("{name}_SUBSCRIPTION"),
            AzExpr::path(&sub, "name"),
        ));
    }
    w.grants.push((i, j));
    w.notes.push(format!(
        "`{name}` ({kind}): Service Bus {} trigger, connection `{name}Connection`",
        if kind == "SQS" {
            "queue"
        } else {
            "topic subscription"
        }
    ));
}

/// Is `sym` a Storage queue (SQS with the `storage-queue` target)?
fn is_storage_queue(cx: &Ctx, sym: &str) -> bool {
    cx.module.resources.iter().any(|r| {
        r.symbol == sym && r.ty == "Microsoft.Storage/storageAccounts/queueServices/queues"
    })
}

/// An SQS event on a Storage queue: the queue trigger's service URI and queue name
/// settings, and a read grant.
fn storage_queue_event(cx: &mut Ctx, i: usize, j: usize, name: &str, queue: &str, w: &mut Wiring) {
    let Some(account) = cx.shared.get("queueStorage").cloned() else {
        return;
    };
    w.settings.push(setting(
        format!("{name}Connection__queueServiceUri"),
        AzExpr::path(&account, "properties.primaryEndpoints.queue"),
    ));
    w.settings.push(setting(
        format!("{name}_QUEUE"),
        AzExpr::path(queue, "name"),
    ));
    w.grants.push((i, j));
    w.notes.push(format!(
        "`{name}` (SQS): Storage queue trigger, connection `{name}Connection` (`__queueServiceUri`)"
    ));
}

/// A schedule event: its NCRONTAB expression as a setting, when it converts.
fn schedule_event(name: &str, ev: &Expr, w: &mut Wiring) {
    let prop = |k: &str| ev.path(&format!("Properties.{k}"));
    let expr = prop("Schedule")
        .or_else(|| prop("ScheduleExpression"))
        .and_then(|e| e.literal_text())
        .unwrap_or_default();
    match ncrontab(&expr) {
        Some(cron) => {
            w.settings.push(setting(
                format!("{name}_SCHEDULE"),
                AzExpr::Str(cron.clone()),
            ));
            w.notes.push(format!(
                "`{name}` ({expr}): timer trigger on `%{name}_SCHEDULE%` = `{cron}` (UTC)"
            ));
        }
        None => w.notes.push(format!(
            "`{name}` ({expr}): timer trigger; write the NCRONTAB expression by hand"
        )),
    }
}

/// A DynamoDB stream event: the Cosmos DB endpoint, database and container settings of
/// the change feed trigger, and a read grant.
fn dynamodb_event(cx: &mut Ctx, i: usize, name: &str, ev: &Expr, w: &mut Wiring) {
    let Some(j) = ev
        .path("Properties.Stream")
        .and_then(|v| cx.referenced_resource(v))
    else {
        return;
    };
    let (Some(account), Some(db)) = (
        cx.shared.get("cosmos").cloned(),
        cx.shared.get("cosmosDatabase").cloned(),
    ) else {
        return;
    };
    let container = cx.prepared[j].sym.clone();
    w.settings.push(setting(
        format!("{name}Connection__accountEndpoint"),
        AzExpr::path(&account, "properties.documentEndpoint"),
    ));
    w.settings.push(setting(
        format!("{name}_DATABASE"),
        AzExpr::path(&db, "name"),
    ));
    w.settings.push(setting(
        format!("{name}_CONTAINER"),
        AzExpr::path(&container, "name"),
    ));
    w.grants.push((i, j));
    w.notes.push(format!("`{name}` (DynamoDB stream): Cosmos DB change feed trigger on the container; it needs a lease container"));
}

/// SAM `Events` of function `i`, and `AWS::Lambda::EventSourceMapping`s that
/// name it, as `(name, event)` with SAM's `{Type, Properties}` shape.
fn events_of(cx: &Ctx, i: usize) -> Vec<(String, crate::model::expr::Expr)> {
    use crate::model::expr::Expr;
    let r = &cx.t.resources[i];
    let mut out: Vec<(String, Expr)> = match r.properties.get("Events").map(|e| &e.kind) {
        Some(ExprKind::Object(m)) => m.iter().map(|(k, _, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    };
    for m in &cx.t.resources {
        if !cx.tables.plays(&m.ty, "events", "source-mapping")
            || m.properties
                .get("FunctionName")
                .and_then(|f| cx.referenced_resource(f))
                != Some(i)
        {
            continue;
        }
        let Some(source) = m.properties.get("EventSourceArn") else {
            continue;
        };
        let Some(j) = cx.referenced_resource(source) else {
            continue;
        };
        // The event a mapping of this source stands for (`events: {source: {kind, key}}`).
        let source_of = |f: &str| {
            cx.tables
                .pass(&cx.t.resources[j].ty, "events")?
                .get("source")?
                .get(f)?
                .as_str()
        };
        let (Some(kind), Some(key)) = (source_of("kind"), source_of("key")) else {
            continue;
        };
        let span = m.span;
        let props = Expr::new(
            ExprKind::Object(vec![(key.to_string(), span, source.clone())]),
            span,
        );
        let ev = Expr::new(
            ExprKind::Object(vec![
                (
                    "Type".into(),
                    span,
                    Expr::new(ExprKind::Str(kind.into()), span),
                ),
                ("Properties".into(), span, props),
            ]),
            span,
        );
        out.push((m.id.clone(), ev));
    }
    out
}

/// The Service Bus subscription through which function `i` receives topic `j`.
fn subscription_for(cx: &mut Ctx, i: usize, j: usize, topic: &str) -> String {
    let capital = crate::names::capital(&cx.prepared[j].sym);
    let sym = cx
        .syms
        .alloc(&format!("{}{capital}Subscription", cx.prepared[i].sym));
    let res = AzResource {
        symbol: sym.clone(),
        ty: crate::azure::types::TOPIC_SUBSCRIPTION.ty.into(),
        api: crate::azure::types::TOPIC_SUBSCRIPTION.api.into(),
        parent: Some(topic.to_string()),
        name: AzExpr::Str(kebab(&cx.t.resources[i].id)),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![
                ("maxDeliveryCount", AzExpr::Int(10)),
                ("deadLetteringOnMessageExpiration", AzExpr::Bool(true)),
            ]),
        )],
        condition: cx.joint_condition(i, j),
        comments: vec![format!(
            "Delivers {} to {} (was the SNS event's subscription).",
            cx.t.resources[j].id, cx.t.resources[i].id
        )],
        source: cx.t.resources[i].id.clone(),
        ..Default::default()
    };
    cx.module.resources.push(res);
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == cx.t.resources[i].id) {
        rep.azure.push((
            crate::azure::types::TOPIC_SUBSCRIPTION.ty.into(),
            sym.clone(),
        ));
    }
    sym
}

/// Adds app settings to a function app's `siteConfig.appSettings`.
pub(super) fn append_settings(cx: &mut Ctx, site: &str, extra: Vec<AzExpr>) {
    let Some(res) = cx
        .module
        .resources
        .iter_mut()
        .find(|r| r.symbol == site && r.ty == crate::azure::types::WEB_SITE.ty)
    else {
        return;
    };
    let Some((_, props)) = res.body.iter_mut().find(|(k, _)| k == "properties") else {
        return;
    };
    let mut site_config = props
        .get("siteConfig")
        .cloned()
        .unwrap_or(AzExpr::Object(Vec::new()));
    let mut list = match site_config.get("appSettings") {
        Some(AzExpr::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    list.extend(extra);
    site_config.set("appSettings", AzExpr::Array(list));
    props.set("siteConfig", site_config);
}

/// The property of resource `i` an `events: {part: {...}}` role names under `key`
/// (`function`: the function it configures; `cors`: its CORS configuration).
pub(super) fn part_prop(cx: &Ctx, i: usize, key: &str) -> Option<String> {
    let data = cx
        .tables
        .pass(&cx.t.resources[i].ty, "events")?
        .get("part")?;
    Some(data.get(key)?.as_str()?.to_string())
}

/// Function URLs, versions, aliases and invoke configs (`events: {part: {function:
/// Prop}}`) → the function of the template they configure, through the versions and
/// aliases they name (a URL on an alias of a version). A function repeated with
/// `count`/`for_each` has no single app to name, so its parts are left out.
pub fn function_parts(cx: &Ctx) -> std::collections::BTreeMap<usize, usize> {
    let mut out = std::collections::BTreeMap::new();
    for i in 0..cx.t.resources.len() {
        if cx.t.resources[i].for_each.is_some() {
            continue;
        }
        let mut j = i;
        for _ in 0..4 {
            let Some(k) = part_prop(cx, j, "function")
                .and_then(|p| cx.t.resources[j].properties.path(&p).cloned())
                .and_then(|v| cx.referenced_resource(&v))
            else {
                break;
            };
            if cx.plays(k, "events", "function") {
                if cx.t.resources[k].for_each.is_none() {
                    out.insert(i, k);
                }
                break;
            }
            j = k;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ncrontab;

    #[test]
    fn schedules() {
        assert_eq!(
            ncrontab("rate(5 minutes)").as_deref(),
            Some("0 */5 * * * *")
        );
        assert_eq!(ncrontab("rate(1 hour)").as_deref(), Some("0 0 */1 * * *"));
        assert_eq!(
            ncrontab("cron(0 12 * * ? *)").as_deref(),
            Some("0 0 12 * * *")
        );
        assert_eq!(
            ncrontab("cron(15 10 ? * MON-FRI *)").as_deref(),
            Some("0 15 10 * * MON-FRI")
        );
        assert_eq!(ncrontab("cron(0 10 L * ? *)"), None);
    }
}
