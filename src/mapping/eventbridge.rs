//! EventBridge rules → Event Grid event subscriptions. A rule with an event pattern on
//! a bus of the template becomes one subscription per target on the custom topic the
//! bus became (CloudEvents 1.0: source → `source`, detail-type → `type`, detail →
//! `data`), its pattern translated to advanced filters; a rule on the default bus
//! matching custom events gets one custom topic per template standing for the default
//! bus; `aws.s3` object events on a bucket of the template become a subscription on
//! the storage account's system topic; EC2 instance state changes and CloudFormation
//! stack status changes a subscription on the resource group's system topic for the
//! Resource Manager events of the same operations; other AWS service sources stay
//! manual with their Azure counterpart named. A state machine target of the template
//! is delivered to as a WebHook on the callback URL of a Request trigger of its
//! workflow. Scheduled rules that invoke a function of the template become
//! timer-trigger settings on its function app, as SAM schedules do.

use super::context::Ctx;
use super::events::{append_settings, ncrontab};
use crate::azure::types::{
    EVENT_GRID_TOPIC, EVENT_SUBSCRIPTION, LOGIC_TRIGGER, SYSTEM_TOPIC, SYSTEM_TOPIC_SUBSCRIPTION,
    WEB_SITE,
};
use crate::azure::{AzExpr, AzResource, Interp};
use crate::model::expr::{Expr, ExprKind};
use crate::names::{kebab, upper_camel};

const PASS: &str = "eventbridge";
/// Event Grid's limits per subscription: advanced filters, and values over all of them.
const MAX_FILTERS: usize = 25;
const MAX_VALUES: usize = 25;

/// Maps every rule of the template.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if !cx.plays(i, PASS, "rule") || cx.prepared[i].entry.is_none() {
            continue;
        }
        if cx.t.resources[i].for_each.is_some() {
            let id = cx.t.resources[i].id.clone();
            cx.decide_later(
                i,
                "eventbridge-rule-repeated",
                &format!("{id}: a repeated rule is not translated"),
                "The rule is repeated over a collection (`for_each` or `count`): its pattern, bus and targets differ per element.",
                "Nothing is generated.",
                "Write an event subscription per element by hand (the filters follow the pattern: source → `source`, detail-type → `type`, detail → `data`).",
                None,
            );
            continue;
        }
        rule(cx, i);
    }
    destinations(cx);
}

/// What became of a rule: its status and the Azure resources that stand for it.
struct Outcome {
    status: &'static str,
    azure: Vec<(String, String)>,
}

fn rule(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let targets: Vec<Expr> = p
        .get("Targets")
        .and_then(|t| t.as_list())
        .map(<[Expr]>::to_vec)
        .unwrap_or_default();
    let disabled = p
        .get("State")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"));
    let no_targets = p
        .get("Targets")
        .is_none_or(|t| t.as_list().is_some_and(<[Expr]>::is_empty));
    let outcome = if no_targets {
        cx.decide_later(
            i,
            "eventbridge-rule-no-targets",
            &format!("{}: the rule has no targets", r.id),
            "The rule names no target, so it matches events (or fires on its schedule) without invoking anything.",
            "Nothing is generated: an Event Grid subscription needs a destination, and a timer trigger a function.",
            "When targets are added, convert the rule again (or add the event subscription or timer trigger by hand).",
            None,
        );
        Outcome {
            status: "not-needed",
            azure: Vec::new(),
        }
    } else if let Some(expr) = p.get("ScheduleExpression") {
        schedule(cx, i, expr, &targets, disabled)
    } else if disabled {
        cx.decide_later(
            i,
            "eventbridge-rule-disabled",
            &format!("{}: a disabled rule gets no event subscription", r.id),
            "The rule is disabled: EventBridge keeps it but matches no event. An Event Grid subscription cannot be disabled; it delivers as soon as it exists.",
            "No event subscription is generated for the rule, so nothing is delivered, as before.",
            "When the rule is enabled again, add the event subscription by hand (converting the enabled rule shows it).",
            None,
        );
        Outcome {
            status: "partial",
            azure: Vec::new(),
        }
    } else {
        match p
            .get("EventPattern")
            .and_then(|e| pattern_expr(cx, e, r.span))
        {
            Some(pattern) => pattern_rule(cx, i, &pattern, &targets),
            None => {
                cx.decide_later(
                    i,
                    "eventbridge-pattern-partial",
                    &format!("{}: the event pattern is not literal", r.id),
                    "The rule's event pattern is computed (a parameter or a function), so it cannot be read as filters.",
                    "Nothing is generated for the rule.",
                    "Write the event subscriptions of the rule by hand, with advanced filters on `source`, `type` and `data`.",
                    None,
                );
                Outcome {
                    status: "manual",
                    azure: Vec::new(),
                }
            }
        }
    };
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
        rep.status = outcome.status.to_string();
        rep.azure.extend(outcome.azure);
    }
}

/// The rule's name (its `Name` when literal, else its logical id), kebab-cased.
fn rule_name(cx: &Ctx, i: usize) -> String {
    let r = &cx.t.resources[i];
    r.properties
        .get("Name")
        .and_then(|n| n.literal_text())
        .map_or_else(|| kebab(&r.id), |n| kebab(&n))
}

/// The name of the function inside its app: the Lambda function's `FunctionName` when
/// literal and valid, else its logical id.
fn function_name(cx: &Ctx, j: usize) -> String {
    let r = &cx.t.resources[j];
    r.properties
        .get("FunctionName")
        .and_then(|n| n.literal_text())
        .filter(|n| {
            n.starts_with(|c: char| c.is_ascii_alphabetic())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| r.id.clone())
}

/// The event pattern as an expression: a literal object (its values may hold
/// references), JSON text parsed, or either through a Terraform local, `jsonencode` or
/// `Fn::ToJsonString`.
fn pattern_expr(cx: &Ctx, e: &Expr, span: crate::source::Span) -> Option<Expr> {
    let mut e = e;
    for _ in 0..8 {
        match &e.kind {
            ExprKind::Object(_) => return Some(e.clone()),
            ExprKind::Str(s) => {
                return serde_json::from_str::<serde_json::Value>(s)
                    .ok()
                    .map(|v| json_expr(&v, span));
            }
            ExprKind::Local(name) => e = &cx.t.locals.iter().find(|l| l.name == *name)?.value,
            ExprKind::ToJsonString(x) => e = x,
            ExprKind::Call(f, args) if f == "jsonencode" && args.len() == 1 => e = &args[0],
            _ => return None,
        }
    }
    None
}

fn json_expr(v: &serde_json::Value, span: crate::source::Span) -> Expr {
    use serde_json::Value as V;
    let kind = match v {
        V::Null => ExprKind::Null,
        V::Bool(b) => ExprKind::Bool(*b),
        V::Number(n) => ExprKind::Number(n.to_string()),
        V::String(s) => ExprKind::Str(s.clone()),
        V::Array(a) => ExprKind::List(a.iter().map(|x| json_expr(x, span)).collect()),
        V::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), span, json_expr(x, span)))
                .collect(),
        ),
    };
    Expr::new(kind, span)
}

/// The pattern as JSON text for a decision (computed values as `<expression>`).
pub(super) fn pattern_text(t: &crate::model::template::Template, e: &Expr) -> String {
    fn json(t: &crate::model::template::Template, e: &Expr) -> serde_json::Value {
        use serde_json::Value as V;
        match &e.kind {
            ExprKind::Null => V::Null,
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::Number(n) => n
                .parse::<serde_json::Number>()
                .map(V::Number)
                .unwrap_or_else(|_| V::String(n.clone())),
            ExprKind::Str(s) => V::String(s.clone()),
            ExprKind::List(l) => V::Array(l.iter().map(|x| json(t, x)).collect()),
            ExprKind::Object(m) => {
                V::Object(m.iter().map(|(k, _, v)| (k.clone(), json(t, v))).collect())
            }
            ExprKind::Ref(r) => V::String(format!("<{}>", t.report_name(r))),
            ExprKind::GetAtt {
                resource,
                attribute,
            } => V::String(format!("<{}.{attribute}>", t.report_name(resource))),
            _ => V::String("<expression>".into()),
        }
    }
    serde_json::to_string(&json(t, e)).unwrap_or_default()
}

/// The sources a pattern names (`source: [...]`), literal ones only.
fn sources(pattern: &Expr) -> Vec<String> {
    pattern
        .get("source")
        .and_then(|s| s.as_list())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.literal_text())
        .collect()
}

/// A rule with an event pattern: subscriptions on the topic of its bus, of the default
/// bus, or of the storage account of an `aws.s3` rule.
fn pattern_rule(cx: &mut Ctx, i: usize, pattern: &Expr, targets: &[Expr]) -> Outcome {
    let r = cx.t.resources[i].clone();
    let bus = r.properties.get("EventBusName");
    let bus_res = bus
        .and_then(|b| cx.referenced_resource(b))
        .filter(|j| cx.plays(*j, PASS, "bus") && cx.t.resources[*j].for_each.is_none());
    let default_bus = bus.is_none_or(|b| label(b) == "default");
    let srcs = sources(pattern);
    let aws: Vec<&String> = srcs.iter().filter(|s| s.starts_with("aws.")).collect();
    let text = pattern_text(cx.t, pattern);
    if !aws.is_empty() {
        if aws.len() == srcs.len()
            && srcs.iter().all(|s| s == "aws.s3")
            && let Some(out) = s3_rule(cx, i, pattern, targets, &text)
        {
            return out;
        }
        if aws.len() == srcs.len()
            && let Some(out) = arm_rule(cx, i, pattern, targets, &text)
        {
            return out;
        }
        let counterpart = aws_counterpart(cx, &aws);
        cx.decide_later(
            i,
            "eventbridge-aws-source",
            &format!("{}: events of AWS services ({})", r.id, join_quoted(&aws)),
            &format!("The rule matches events AWS services publish to the default bus: `{text}`."),
            &format!("Nothing is generated: {counterpart}"),
            "Build the Azure subscription by hand on the counterpart's events, then point it at the converted targets.",
            None,
        );
        return Outcome {
            status: "manual",
            azure: Vec::new(),
        };
    }
    if let Some(o) = no_deliverable_target(cx, i, targets, EVENT_SUBSCRIPTION) {
        return o;
    }
    let topic = match bus_res {
        Some(j) => cx.prepared[j].sym.clone(),
        None if default_bus => default_topic(cx, i),
        None => {
            let Some(bus) = bus else {
                return Outcome {
                    status: "manual",
                    azure: Vec::new(),
                };
            };
            let topic = existing_topic(cx, bus);
            let what = label(bus);
            cx.decide_later(
                i,
                "eventbridge-bus-elsewhere",
                &format!("{}: the rule's event bus is in another template", r.id),
                &format!("The rule listens on the event bus `{what}`, which another template (or account) declares."),
                "The event subscriptions are children of the Event Grid topic that replaces that bus, declared `existing` and named by a parameter.",
                "Deploy the other template first and give its topic's name; the topic must be in the same resource group (or move the subscriptions to the template that declares it). Service Bus destinations use the plain destination form: the topic's identity is not this template's to turn on.",
                None,
            );
            topic
        }
    };
    let (filters, lost) = filters(cx, i, pattern, &text);
    let mut out = subscriptions(cx, i, targets, &topic, EVENT_SUBSCRIPTION, filters, None);
    if lost && out.status == "translated" {
        out.status = "partial";
    }
    out
}

/// A readable label for the value naming a bus outside the template.
fn label(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ref(p) => p.clone(),
        ExprKind::ImportValue(x) => super::exprs::import_label(x),
        _ => e
            .literal_text()
            .map(|t| t.rsplit('/').next().unwrap_or(&t).to_string())
            .unwrap_or_else(|| "bus".into()),
    }
}

/// The `existing` Event Grid topic that replaces the bus `e` names (a parameter, an
/// import, a name or ARN), named by a new parameter: one per distinct source value.
fn existing_topic(cx: &mut Ctx, e: &Expr) -> String {
    let origin = label(e);
    let key = format!("existing#{}#{origin}", EVENT_GRID_TOPIC.ty);
    if let Some(s) = cx.shared.get(&key) {
        return s.clone();
    }
    let base = kebab(&origin);
    let param = cx.param_for(&format!("{base}-topic-name"), "string", |p| {
        p.description = Some(format!(
            "Name of the Event Grid topic (deployed by another template) that replaces the event bus `{origin}`."
        ));
        p.required_reason = Some(format!("the event bus `{origin}` is not in this template"));
    });
    let sym = cx.syms.alloc(&crate::names::lower_camel(&format!(
        "{}Topic",
        upper_camel(&base)
    )));
    cx.shared.insert(key, sym.clone());
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: EVENT_GRID_TOPIC.ty.into(),
        api: EVENT_GRID_TOPIC.api.into(),
        name: AzExpr::ident(&param),
        existing: true,
        comments: vec![format!(
            "The Event Grid topic that replaces the event bus `{origin}`, declared by another template."
        )],
        ..Default::default()
    });
    sym
}

/// The default-bus topic of the template, created once.
fn default_topic(cx: &mut Ctx, i: usize) -> String {
    if let Some(s) = cx.shared.get("defaultEventBus") {
        let s = s.clone();
        note_default_bus(cx, i);
        return s;
    }
    let sym = cx.syms.alloc("defaultEventBus");
    cx.shared.insert("defaultEventBus".into(), sym.clone());
    cx.needs_suffix = true;
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: EVENT_GRID_TOPIC.ty.into(),
        api: EVENT_GRID_TOPIC.api.into(),
        name: AzExpr::Interp(vec![
            Interp::Lit("evgt-default-".into()),
            Interp::Expr(AzExpr::ident("nameSuffix")),
        ]),
        location: Some(AzExpr::ident("location")),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![
                ("inputSchema", AzExpr::str("CloudEventSchemaV1_0")),
                ("publicNetworkAccess", AzExpr::str("Enabled")),
                ("disableLocalAuth", AzExpr::Bool(true)),
                ("minimumTlsVersionAllowed", AzExpr::str("1.2")),
            ]),
        )],
        comments: vec![
            "Custom topic standing for the default EventBridge bus: the custom events the template's rules match on the default bus are published here.".into(),
        ],
        ..Default::default()
    });
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == cx.t.resources[i].id) {
        rep.azure.push((EVENT_GRID_TOPIC.ty.into(), sym.clone()));
    }
    note_default_bus(cx, i);
    sym
}

fn note_default_bus(cx: &mut Ctx, i: usize) {
    template_wide(
        cx,
        i,
        "eventbridge-default-bus",
        "Custom events on the default bus go to a custom topic",
        "Rules on the default event bus match custom events that applications send with `PutEvents` (no event bus name). Event Grid has no default topic.",
        "One Event Grid custom topic per template stands for the default bus (CloudEvents 1.0, Entra ID authentication only); the rules become its event subscriptions.",
        "Publishers send CloudEvents (source, type, data) to this topic's endpoint with the EventGrid Data Sender role instead of calling PutEvents on the default bus.",
    );
}

/// A decision shared by the template's rules (one entry, every rule it concerns
/// listed), added to rule `i`'s report entry.
pub(super) fn template_wide(
    cx: &mut Ctx,
    i: usize,
    rule: &str,
    title: &str,
    context: &str,
    decision: &str,
    consequences: &str,
) {
    let (rid, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
    let id = format!("{rule}:{}", cx.file());
    let aff = cx.affected(&rid, span);
    cx.record(crate::azure::Decision {
        id: id.clone(),
        rule: rule.into(),
        title: title.into(),
        context: context.into(),
        decision: decision.into(),
        consequences: consequences.into(),
        resources: vec![aff],
    });
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == rid)
        && !rep.decisions.contains(&id)
    {
        rep.decisions.push(id);
    }
}

/// The advanced filters of a pattern, with a decision for what they cannot express.
fn filters(cx: &mut Ctx, i: usize, pattern: &Expr, text: &str) -> (Vec<AzExpr>, bool) {
    let mut f = Filters::default();
    if let ExprKind::Object(m) = &pattern.kind {
        for (k, _, v) in m {
            match k.as_str() {
                "source" => f.field(cx, "source", v),
                "detail-type" => f.field(cx, "type", v),
                "detail" => f.nested(cx, "data", v),
                // The template's own account and region: every event on the topic is.
                "account" | "region" if own(v) => {}
                other => f
                    .lost
                    .push(format!("`{other}` (no CloudEvents attribute holds it)")),
            }
        }
    }
    let list = f.limited();
    // Values read from resources of the template: their Azure counterparts' values.
    let mut refs = Vec::new();
    crate::model::graph::references(pattern, &mut refs);
    let mut named: Vec<String> = refs
        .iter()
        .filter(|(n, _, _)| {
            let target = cx.t.resolve(n);
            cx.t.resources.iter().any(|r| r.id == target)
        })
        .map(|(n, _, _)| format!("`{}`", cx.t.report_name(cx.t.resolve(n))))
        .collect();
    named.sort();
    named.dedup();
    if !named.is_empty() {
        let id = cx.t.resources[i].id.clone();
        cx.decide_later(
            i,
            "eventbridge-pattern-reference",
            &format!("{id}: the event pattern compares with values of resources"),
            &format!(
                "The rule's event pattern (`{text}`) compares event fields with the names or ARNs of {}.",
                named.join(", ")
            ),
            "The advanced filters compare with the same attribute of the Azure resources they became (a topic's or queue's Azure name, a resource id), so the literal parts of the pattern are kept and the references follow the conversion.",
            "Events whose fields still carry the AWS names or ARNs no longer match: have the publishers send the Azure names (or write the AWS values into the filters by hand while both run).",
            Some("partial"),
        );
    }
    if !f.lost.is_empty() {
        let id = cx.t.resources[i].id.clone();
        cx.decide_later(
            i,
            "eventbridge-pattern-partial",
            &format!("{id}: part of the event pattern has no Event Grid filter"),
            &format!("The rule's event pattern is `{text}`."),
            &format!(
                "The event subscriptions filter what Event Grid's advanced filters express; left out: {}.",
                f.lost.join("; ")
            ),
            "The subscriptions deliver more events than the rule matched: check the left-out conditions in the handler (or in a function that forwards), or narrow the filters by hand.",
            Some("partial"),
        );
    }
    (list, !f.lost.is_empty() || !named.is_empty())
}

/// `[Ref AWS::AccountId]` / `[Ref AWS::Region]`: the deployment's own account or region.
fn own(v: &Expr) -> bool {
    v.as_list().is_some_and(|l| {
        !l.is_empty()
            && l.iter().all(|x| {
                matches!(&x.kind, ExprKind::Ref(p) if p == "AWS::AccountId" || p == "AWS::Region")
            })
    })
}

/// Advanced filters being built, with what could not be expressed.
#[derive(Default)]
struct Filters {
    list: Vec<(AzExpr, usize)>,
    lost: Vec<String>,
}

/// One element of a field's list of matches.
enum Match {
    Str(AzExpr),
    Num(AzExpr),
    Bool(bool),
    Null,
    Prefix(AzExpr),
    Suffix(AzExpr),
    Exists(bool),
    Numeric(Vec<(String, AzExpr)>),
    AnythingBut(Box<Expr>),
    Other(String),
}

fn filter(op: &str, key: &str, rest: Vec<(&str, AzExpr)>) -> AzExpr {
    let mut entries = vec![("operatorType", AzExpr::str(op)), ("key", AzExpr::str(key))];
    entries.extend(rest);
    AzExpr::obj(entries)
}

fn number(n: &str) -> AzExpr {
    n.parse::<i64>()
        .map(AzExpr::Int)
        .unwrap_or_else(|_| AzExpr::Num(n.to_string()))
}

impl Filters {
    fn nested(&mut self, cx: &mut Ctx, key: &str, v: &Expr) {
        match &v.kind {
            ExprKind::Object(m) => {
                for (k, _, x) in m {
                    if k.starts_with('$') {
                        self.lost.push(format!("`{k}` under `{key}`"));
                        continue;
                    }
                    let sub = format!("{key}.{k}");
                    match &x.kind {
                        ExprKind::Object(_) => self.nested(cx, &sub, x),
                        _ => self.field(cx, &sub, x),
                    }
                }
            }
            _ => self.lost.push(format!("`{key}` (not an object)")),
        }
    }

    fn push(&mut self, f: AzExpr, values: usize) {
        self.list.push((f, values));
    }

    /// The filters within Event Grid's limits; the rest noted as lost.
    fn limited(&mut self) -> Vec<AzExpr> {
        let mut out = Vec::new();
        let mut values = 0;
        let mut dropped = 0;
        for (f, n) in std::mem::take(&mut self.list) {
            if out.len() < MAX_FILTERS && values + n <= MAX_VALUES {
                values += n;
                out.push(f);
            } else {
                dropped += 1;
            }
        }
        if dropped > 0 {
            self.lost.push(format!(
                "{dropped} condition(s) beyond Event Grid's limits ({MAX_FILTERS} advanced filters, {MAX_VALUES} values in all)"
            ));
        }
        out
    }

    fn classify(cx: &mut Ctx, e: &Expr) -> Match {
        match &e.kind {
            ExprKind::Str(s) => Match::Str(AzExpr::Str(s.clone())),
            ExprKind::Number(n) => Match::Num(number(n)),
            ExprKind::Bool(b) => Match::Bool(*b),
            ExprKind::Null => Match::Null,
            ExprKind::Object(m) if m.len() == 1 => {
                let (op, _, v) = &m[0];
                let text = |cx: &mut Ctx| match &v.kind {
                    ExprKind::Str(s) => Some(AzExpr::Str(s.clone())),
                    ExprKind::Ref(_) | ExprKind::GetAtt { .. } | ExprKind::Sub(_) => Some(cx.tr(v)),
                    _ => None,
                };
                match op.as_str() {
                    "prefix" => text(cx).map_or(Match::Other(op.clone()), Match::Prefix),
                    "suffix" => text(cx).map_or(Match::Other(op.clone()), Match::Suffix),
                    // Event Grid compares strings without regard to case.
                    "equals-ignore-case" => text(cx).map_or(Match::Other(op.clone()), Match::Str),
                    "exists" => v
                        .literal_bool()
                        .map_or(Match::Other(op.clone()), Match::Exists),
                    "anything-but" => Match::AnythingBut(Box::new(v.clone())),
                    "numeric" => numeric(v).map_or(Match::Other(op.clone()), Match::Numeric),
                    _ => Match::Other(op.clone()),
                }
            }
            ExprKind::Ref(_)
            | ExprKind::GetAtt { .. }
            | ExprKind::Sub(_)
            | ExprKind::Join { .. } => Match::Str(cx.tr(e)),
            _ => Match::Other("a computed or compound value".into()),
        }
    }

    /// One field's list of matches (any of them) → one advanced filter, when they are
    /// all of one kind.
    fn field(&mut self, cx: &mut Ctx, key: &str, v: &Expr) {
        let items: Vec<Expr> = match &v.kind {
            ExprKind::List(l) => l.clone(),
            _ => vec![v.clone()],
        };
        let ms: Vec<Match> = items.iter().map(|e| Self::classify(cx, e)).collect();
        let all = |f: &dyn Fn(&Match) -> Option<AzExpr>| -> Option<Vec<AzExpr>> {
            ms.iter().map(f).collect()
        };
        let n = ms.len();
        if n == 0 {
            self.lost.push(format!("`{key}`: an empty list"));
            return;
        }
        if let Some(vals) = all(&|m| match m {
            Match::Str(x) => Some(x.clone()),
            _ => None,
        }) {
            self.push(
                filter("StringIn", key, vec![("values", AzExpr::Array(vals))]),
                n,
            );
        } else if let Some(vals) = all(&|m| match m {
            Match::Num(x) => Some(x.clone()),
            _ => None,
        }) {
            self.push(
                filter("NumberIn", key, vec![("values", AzExpr::Array(vals))]),
                n,
            );
        } else if let Some(vals) = all(&|m| match m {
            Match::Prefix(x) => Some(x.clone()),
            _ => None,
        }) {
            self.push(
                filter(
                    "StringBeginsWith",
                    key,
                    vec![("values", AzExpr::Array(vals))],
                ),
                n,
            );
        } else if let Some(vals) = all(&|m| match m {
            Match::Suffix(x) => Some(x.clone()),
            _ => None,
        }) {
            self.push(
                filter("StringEndsWith", key, vec![("values", AzExpr::Array(vals))]),
                n,
            );
        } else if n == 1 {
            match &ms[0] {
                Match::Bool(b) => self.push(
                    filter("BoolEquals", key, vec![("value", AzExpr::Bool(*b))]),
                    1,
                ),
                Match::Null | Match::Exists(false) => {
                    self.push(filter("IsNullOrUndefined", key, vec![]), 1)
                }
                Match::Exists(true) => self.push(filter("IsNotNull", key, vec![]), 1),
                Match::Numeric(conds) => {
                    for (op, x) in conds {
                        let (name, vals) = match op.as_str() {
                            "=" => ("NumberIn", ("values", AzExpr::Array(vec![x.clone()]))),
                            ">" => ("NumberGreaterThan", ("value", x.clone())),
                            ">=" => ("NumberGreaterThanOrEquals", ("value", x.clone())),
                            "<" => ("NumberLessThan", ("value", x.clone())),
                            _ => ("NumberLessThanOrEquals", ("value", x.clone())),
                        };
                        self.push(filter(name, key, vec![vals]), 1);
                    }
                }
                Match::AnythingBut(x) => self.anything_but(cx, key, x),
                Match::Other(op) => self.lost.push(format!("`{key}`: `{op}`")),
                _ => unreachable!("handled above"),
            }
        } else {
            self.lost.push(format!(
                "`{key}`: matches of different kinds (Event Grid ANDs its filters, so one field's alternatives must be of one kind)"
            ));
        }
    }

    fn anything_but(&mut self, cx: &mut Ctx, key: &str, x: &Expr) {
        let items: Vec<Expr> = match &x.kind {
            ExprKind::List(l) => l.clone(),
            _ => vec![x.clone()],
        };
        let ms: Vec<Match> = items.iter().map(|e| Self::classify(cx, e)).collect();
        let n = ms.len();
        let strs: Option<Vec<AzExpr>> = ms
            .iter()
            .map(|m| match m {
                Match::Str(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        let nums: Option<Vec<AzExpr>> = ms
            .iter()
            .map(|m| match m {
                Match::Num(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        let op = match (&x.kind, strs, nums) {
            (ExprKind::Object(m), _, _) if m.len() == 1 && m[0].0 == "prefix" => {
                match Self::classify(cx, x) {
                    Match::Prefix(v) => Some(("StringNotBeginsWith", vec![v])),
                    _ => None,
                }
            }
            (ExprKind::Object(m), _, _) if m.len() == 1 && m[0].0 == "suffix" => {
                match Self::classify(cx, x) {
                    Match::Suffix(v) => Some(("StringNotEndsWith", vec![v])),
                    _ => None,
                }
            }
            (ExprKind::Object(_), _, _) => None,
            (_, Some(v), _) if n > 0 => Some(("StringNotIn", v)),
            (_, _, Some(v)) if n > 0 => Some(("NumberNotIn", v)),
            _ => None,
        };
        match op {
            Some((name, vals)) => {
                let count = vals.len();
                self.push(
                    filter(name, key, vec![("values", AzExpr::Array(vals))]),
                    count,
                );
            }
            None => self.lost.push(format!("`{key}`: this `anything-but`")),
        }
    }
}

/// `[">", 0, "<=", 5]` → the comparisons.
fn numeric(v: &Expr) -> Option<Vec<(String, AzExpr)>> {
    let l = v.as_list()?;
    if l.len() % 2 != 0 || l.is_empty() {
        return None;
    }
    l.chunks(2)
        .map(|c| {
            let op = c[0].literal_text()?;
            let ExprKind::Number(n) = &c[1].kind else {
                return None;
            };
            matches!(op.as_str(), "=" | ">" | ">=" | "<" | "<=").then(|| (op, number(n)))
        })
        .collect()
}

/// What an AWS service's events become on Azure (the `eventbridge-sources` table).
fn aws_counterpart(cx: &Ctx, sources: &[&String]) -> String {
    let mut out: Vec<String> = sources
        .iter()
        .map(|s| {
            let svc = s.trim_start_matches("aws.");
            let what = cx
                .tables
                .lookup_str("eventbridge-sources", svc, "azure")
                .or_else(|| cx.tables.lookup_str("eventbridge-sources", "*", "azure"))
                .unwrap_or_default();
            format!("`{s}` → {what}")
        })
        .collect();
    out.dedup();
    format!("{}.", out.join("; "))
}

fn join_quoted(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An `aws.s3` rule on a bucket of the template: a subscription on the system topic of
/// the storage account the bucket became, for BlobCreated/BlobDeleted.
fn s3_rule(
    cx: &mut Ctx,
    i: usize,
    pattern: &Expr,
    targets: &[Expr],
    text: &str,
) -> Option<Outcome> {
    let names = pattern.path("detail.bucket.name")?.as_list()?;
    let [name] = names else { return None };
    let b = cx.referenced_resource(name)?;
    let account = cx.prepared[b].sym.clone();
    let is_account = cx.module.resources.iter().any(|x| {
        x.symbol == account && x.ty == crate::azure::types::STORAGE_ACCOUNT.ty && !x.existing
    });
    if !is_account || cx.t.resources[b].for_each.is_some() {
        return None;
    }
    let mut types = Vec::new();
    let mut lost = Vec::new();
    for dt in pattern
        .get("detail-type")
        .and_then(|d| d.as_list())
        .unwrap_or_default()
    {
        match dt.literal_text().as_deref() {
            Some("Object Created") => types.push(AzExpr::str("Microsoft.Storage.BlobCreated")),
            Some("Object Deleted") => types.push(AzExpr::str("Microsoft.Storage.BlobDeleted")),
            Some(other) => lost.push(format!("detail-type `{other}` (no blob event)")),
            None => lost.push("a computed detail-type".into()),
        }
    }
    if types.is_empty() {
        types = vec![
            AzExpr::str("Microsoft.Storage.BlobCreated"),
            AzExpr::str("Microsoft.Storage.BlobDeleted"),
        ];
    }
    if let Some(ExprKind::Object(m)) = pattern.get("detail").map(|d| &d.kind) {
        for (k, _, v) in m {
            let only_name = k == "bucket"
                && matches!(&v.kind, ExprKind::Object(x) if x.len() == 1 && x[0].0 == "name");
            if !only_name {
                lost.push(format!(
                    "`detail.{k}` (S3 event fields differ from blob event data)"
                ));
            }
        }
    }
    if let ExprKind::Object(m) = &pattern.kind {
        for (k, _, _) in m {
            if !matches!(k.as_str(), "source" | "detail-type" | "detail") {
                lost.push(format!("`{k}`"));
            }
        }
    }
    if let Some(o) = no_deliverable_target(cx, i, targets, SYSTEM_TOPIC_SUBSCRIPTION) {
        return Some(o);
    }
    let key = format!("systemTopic#{account}");
    let topic = match cx.shared.get(&key) {
        Some(s) => s.clone(),
        None => {
            let sym = cx.syms.alloc(&format!("{account}Events"));
            cx.shared.insert(key, sym.clone());
            let condition = cx.joint_condition(i, b);
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: SYSTEM_TOPIC.ty.into(),
                api: SYSTEM_TOPIC.api.into(),
                name: AzExpr::str(format!("evgst-{}", kebab(&cx.prepared[b].sym))),
                location: Some(AzExpr::ident("location")),
                body: vec![(
                    "properties".into(),
                    AzExpr::obj(vec![
                        ("source", AzExpr::path(&account, "id")),
                        ("topicType", AzExpr::str("Microsoft.Storage.StorageAccounts")),
                    ]),
                )],
                condition,
                comments: vec![format!(
                    "Event Grid system topic of the storage account {} became (was its EventBridge notifications).",
                    cx.t.report_name(&cx.t.resources[b].id)
                )],
                source: cx.t.resources[i].id.clone(),
                ..Default::default()
            });
            sym
        }
    };
    let id = cx.t.resources[i].id.clone();
    cx.decide_later(
        i,
        "eventbridge-s3-blob-events",
        &format!("{id}: S3 object events become blob events"),
        &format!("The rule matches S3 events of {} on the default bus: `{text}`.", cx.t.report_name(&cx.t.resources[b].id)),
        "The storage account's Event Grid system topic delivers its BlobCreated/BlobDeleted events (CloudEvents 1.0) to the rule's targets.",
        "Blob event data differs from S3's `detail` (`data.url`, `data.contentLength`, subject `/blobServices/default/containers/<container>/blobs/<name>`): adapt the handler.",
        None,
    );
    if !lost.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-pattern-partial",
            &format!("{id}: part of the event pattern has no Event Grid filter"),
            &format!("The rule's event pattern is `{text}`."),
            &format!("The subscriptions filter on the blob event types only; left out: {}.", lost.join("; ")),
            "Filter the rest in the handler, or add a subject filter (`subjectBeginsWith: /blobServices/default/containers/<container>/blobs/<prefix>`) by hand.",
            Some("partial"),
        );
    }
    let partial = !lost.is_empty();
    let mut out = subscriptions(
        cx,
        i,
        targets,
        &topic,
        SYSTEM_TOPIC_SUBSCRIPTION,
        Vec::new(),
        Some(types),
    );
    if partial && out.status == "translated" {
        out.status = "partial";
    }
    out.azure.insert(0, (SYSTEM_TOPIC.ty.into(), topic));
    Some(out)
}

/// EC2 instance state changes and CloudFormation stack status changes, the AWS
/// service events with a Resource Manager counterpart: a subscription on the Event Grid
/// system topic of the resource group, for the Resource Manager events of the
/// operations that make the same change (a VM's start, power-off, deallocation or
/// deletion; a deployment's completion). `None` when the pattern asks for anything
/// else (other detail types or fields, an instance outside the template).
fn arm_rule(
    cx: &mut Ctx,
    i: usize,
    pattern: &Expr,
    targets: &[Expr],
    text: &str,
) -> Option<Outcome> {
    let ExprKind::Object(m) = &pattern.kind else {
        return None;
    };
    if m.iter().any(|(k, _, v)| {
        let kept = matches!(k.as_str(), "source" | "detail-type" | "detail");
        let own_scope = matches!(k.as_str(), "account" | "region") && own(v);
        !(kept || own_scope)
    }) {
        return None;
    }
    let [source] = sources(pattern).try_into().ok()?;
    let kinds: Vec<String> = pattern
        .get("detail-type")?
        .as_list()?
        .iter()
        .map(|d| d.literal_text())
        .collect::<Option<_>>()?;
    let detail: Vec<(String, Expr)> = match pattern.get("detail").map(|d| &d.kind) {
        None => Vec::new(),
        Some(ExprKind::Object(d)) => d.iter().map(|(k, _, v)| (k.clone(), v.clone())).collect(),
        Some(_) => return None,
    };
    let mut types: Vec<&str> = Vec::new();
    let mut ops: Vec<&str> = Vec::new();
    let mut subjects: Vec<AzExpr> = Vec::new();
    let mut left: Vec<String> = Vec::new();
    let what = match source.as_str() {
        "aws.ec2" if kinds == ["EC2 Instance State-change Notification"] => {
            let mut states: Vec<String> = [
                "pending",
                "running",
                "stopping",
                "stopped",
                "shutting-down",
                "terminated",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            for (k, v) in &detail {
                match k.as_str() {
                    "state" => {
                        states = v
                            .as_list()?
                            .iter()
                            .map(|x| x.literal_text())
                            .collect::<Option<_>>()?
                    }
                    "instance-id" => {
                        for x in v.as_list()? {
                            let j = cx.referenced_resource(x)?;
                            let sym = cx.prepared[j].sym.clone();
                            let vm = cx.module.resources.iter().any(|r| {
                                r.symbol == sym
                                    && !r.existing
                                    && r.ty == "Microsoft.Compute/virtualMachines"
                            });
                            if !vm || cx.t.resources[j].for_each.is_some() {
                                return None;
                            }
                            subjects.push(AzExpr::path(&sym, "id"));
                        }
                    }
                    _ => return None,
                }
            }
            for st in &states {
                let (ty, op): (&str, &[&str]) = match st.as_str() {
                    "running" => (
                        "Microsoft.Resources.ResourceActionSuccess",
                        &["Microsoft.Compute/virtualMachines/start/action"],
                    ),
                    "stopping" | "stopped" => (
                        "Microsoft.Resources.ResourceActionSuccess",
                        &[
                            "Microsoft.Compute/virtualMachines/powerOff/action",
                            "Microsoft.Compute/virtualMachines/deallocate/action",
                        ],
                    ),
                    "shutting-down" | "terminated" => (
                        "Microsoft.Resources.ResourceDeleteSuccess",
                        &["Microsoft.Compute/virtualMachines/delete"],
                    ),
                    other => {
                        left.push(format!(
                            "the state `{other}` (no Resource Manager event marks it)"
                        ));
                        continue;
                    }
                };
                if !types.contains(&ty) {
                    types.push(ty);
                }
                for o in op {
                    if !ops.contains(o) {
                        ops.push(o);
                    }
                }
            }
            if states.iter().any(|s| s == "running") {
                left.push("a new VM's first start (a `Microsoft.Compute/virtualMachines/write`, which also marks every update, so it is not included)".into());
            }
            "EC2 instance state changes become the Resource Manager events of the virtual machines' start, power-off, deallocation and deletion"
        }
        "aws.cloudformation"
            if kinds == ["CloudFormation Stack Status Change"] && detail.is_empty() =>
        {
            types = vec![
                "Microsoft.Resources.ResourceWriteSuccess",
                "Microsoft.Resources.ResourceWriteFailure",
                "Microsoft.Resources.ResourceWriteCancel",
            ];
            ops = vec!["Microsoft.Resources/deployments/write"];
            left.push("the in-progress and rollback statuses (Resource Manager events mark only a deployment's success, failure or cancellation)".into());
            left.push("stacks deployed to other resource groups or subscriptions (the system topic sees this resource group only)".into());
            "CloudFormation stack status changes become the Resource Manager events of deployments to the resource group (each converted template is deployed as one)"
        }
        _ => return None,
    };
    if types.is_empty() {
        return None;
    }
    if let Some(o) = no_deliverable_target(cx, i, targets, SYSTEM_TOPIC_SUBSCRIPTION) {
        return Some(o);
    }
    let key = "systemTopic#resourceGroup".to_string();
    let topic = match cx.shared.get(&key) {
        Some(s) => s.clone(),
        None => {
            let sym = cx.syms.alloc("resourceGroupEvents");
            cx.shared.insert(key, sym.clone());
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: SYSTEM_TOPIC.ty.into(),
                api: SYSTEM_TOPIC.api.into(),
                name: AzExpr::str("evgst-resource-group"),
                // Resource group and subscription system topics are global.
                location: Some(AzExpr::str("global")),
                body: vec![(
                    "properties".into(),
                    AzExpr::obj(vec![
                        ("source", AzExpr::path("resourceGroup()", "id")),
                        ("topicType", AzExpr::str("Microsoft.Resources.ResourceGroups")),
                    ]),
                )],
                comments: vec![
                    "Event Grid system topic of the resource group: its Resource Manager events stand for the AWS service events the template's rules matched.".into(),
                ],
                source: cx.t.resources[i].id.clone(),
                ..Default::default()
            });
            sym
        }
    };
    let mut filters = vec![filter(
        "StringIn",
        "data.operationName",
        vec![(
            "values",
            AzExpr::Array(ops.iter().map(|o| AzExpr::str(*o)).collect()),
        )],
    )];
    if !subjects.is_empty() {
        filters.push(filter(
            "StringIn",
            "subject",
            vec![("values", AzExpr::Array(subjects))],
        ));
    }
    let subjects_named = filters.len() > 1; // the subject filter follows the operation filter
    let id = cx.t.resources[i].id.clone();
    cx.decide_later(
        i,
        "eventbridge-arm-events",
        &format!("{id}: AWS service events become Resource Manager events"),
        &format!("The rule matches events AWS publishes to the default bus: `{text}`."),
        &format!(
            "{what}: a subscription on the resource group's Event Grid system topic (topic type Microsoft.Resources.ResourceGroups) for {}, filtered on `data.operationName` ({}){}.",
            types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
            ops.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "),
            if subjects_named { " and on the subject (the VM's resource id)" } else { "" }
        ),
        &format!(
            "The subscription delivers only events the rule matched{}.{} The event's `data` is the Resource Manager operation (`resourceUri`, `operationName`, `status`, the caller's claims), not the AWS `detail`: adapt the handler.",
            if left.is_empty() {
                String::new()
            } else {
                format!(", but not all of them; not delivered: {}", left.join("; "))
            },
            if source == "aws.ec2" {
                " Changes made inside the guest OS (a shutdown from the VM) are no Resource Manager operation and raise no event (Resource Health or activity log alerts see them)."
            } else {
                ""
            }
        ),
        Some("partial"),
    );
    let mut out = subscriptions(
        cx,
        i,
        targets,
        &topic,
        SYSTEM_TOPIC_SUBSCRIPTION,
        filters,
        Some(types.iter().map(|t| AzExpr::str(*t)).collect()),
    );
    if out.status == "translated" {
        out.status = "partial";
    }
    out.azure.insert(0, (SYSTEM_TOPIC.ty.into(), topic));
    Some(out)
}

/// The role assignment that lets `topic` (a topic this module declares) send to target
/// `j` with its system-assigned identity: the data sender role the access table gives
/// for the target's type (`<type>:write`). Turns the topic's identity on; one
/// assignment per topic and target. `None` when the topic is `existing` or the table
/// has no role.
fn sender_grant(cx: &mut Ctx, i: usize, topic: &str, j: usize) -> Option<String> {
    // Global system topics (of a resource group) take no managed identity: they deliver
    // with the plain destination form.
    let declared = cx
        .module
        .resources
        .iter()
        .any(|x| x.symbol == topic && !x.existing && x.location != Some(AzExpr::str("global")));
    let role = cx.tables.lookup_str(
        "access-roles",
        &format!("{}:write", cx.t.resources[j].ty),
        "role",
    )?;
    if !declared {
        return None;
    }
    let target = cx.prepared[j].sym.clone();
    let sym = format!("{topic}{}Sender", upper_camel(&target));
    if cx.module.resources.iter().any(|x| x.symbol == sym) {
        return Some(sym);
    }
    let sym = cx.syms.alloc(&sym);
    cx.set_path(topic, &["identity", "type"], AzExpr::str("SystemAssigned"));
    let name = cx
        .tables
        .lookup_str(
            "access-roles",
            &format!("{}:write", cx.t.resources[j].ty),
            "name",
        )
        .unwrap_or_else(|| "data sender".into());
    let mut a = super::access::builtin_assignment(
        sym.clone(),
        AzExpr::ident(&target),
        AzExpr::path(topic, "id"),
        &role,
        AzExpr::path(topic, "identity.principalId"),
        format!(
            "{name} on {} for the Event Grid topic's identity, which delivers the events of rule {}.",
            cx.t.report_name(&cx.t.resources[j].id),
            cx.t.report_name(&cx.t.resources[i].id)
        ),
        cx.t.resources[i].id.clone(),
    );
    a.condition = cx.joint_condition(i, j);
    cx.module.resources.push(a);
    Some(sym)
}

/// Where a target delivers: the endpoint type and id, or why it cannot.
pub(super) enum Dest {
    Endpoint(&'static str, AzExpr, Option<usize>),
    /// An API destination of the template (its index): a WebHook endpoint.
    WebHook(usize),
    Function(AzExpr, String, usize),
    /// A state machine of the template, now a Logic App workflow (its index): a WebHook
    /// endpoint on the callback URL of the workflow's Request trigger.
    Workflow(usize),
    Not(String),
}

/// The Azure destination of target `t` of rule `i`.
pub(super) fn destination(cx: &Ctx, t: &Expr) -> Dest {
    let Some(arn) = t.get("Arn") else {
        return Dest::Not("the target has no ARN".into());
    };
    if let Some(j) = cx.referenced_resource(arn) {
        if cx.plays(j, PASS, "api-destination") && cx.t.resources[j].for_each.is_none() {
            return Dest::WebHook(j);
        }
        if super::scheduler::machine_workflow(cx, j).is_some() {
            return match monthly(cx, j) {
                false => Dest::Workflow(j),
                true => Dest::Not(format!(
                    "{} became a Logic App whose monthly Recurrence trigger keeps it an `azapi_resource` in Terraform, where its Request trigger's callback URL cannot be read; give the workflow a Request trigger and deliver to its callback URL (WebHook endpoint) by hand",
                    cx.t.report_name(&cx.t.resources[j].id)
                )),
            };
        }
        let sym = cx.prepared[j].sym.clone();
        let ty = cx
            .module
            .resources
            .iter()
            .find(|x| x.symbol == sym && !x.existing)
            .map(|x| x.ty.clone())
            .unwrap_or_default();
        let id = AzExpr::path(&sym, "id");
        let target = &cx.t.resources[j];
        return match ty.as_str() {
            t if t == WEB_SITE.ty && cx.plays(j, "events", "function") => Dest::Function(
                AzExpr::Interp(vec![
                    Interp::Expr(id),
                    Interp::Lit(format!("/functions/{}", function_name(cx, j))),
                ]),
                function_name(cx, j),
                j,
            ),
            "Microsoft.ServiceBus/namespaces/queues" => {
                Dest::Endpoint("ServiceBusQueue", id, Some(j))
            }
            "Microsoft.ServiceBus/namespaces/topics" => {
                Dest::Endpoint("ServiceBusTopic", id, Some(j))
            }
            "Microsoft.EventHub/namespaces/eventhubs" => Dest::Endpoint("EventHub", id, Some(j)),
            t if t == EVENT_GRID_TOPIC.ty => Dest::Not(format!(
                "{} is an event bus, now an Event Grid topic: Event Grid does not forward from topic to topic; forward with an Event Grid-triggered function or a Logic App that publishes to it",
                cx.t.report_name(&target.id)
            )),
            "" => Dest::Not(format!(
                "{} ({}) is not translated to an Azure resource; {}",
                cx.t.report_name(&target.id),
                target.ty,
                hint(&target.ty)
            )),
            other => Dest::Not(format!(
                "{} ({}, now {other}) is no Event Grid destination; {}",
                cx.t.report_name(&target.id),
                target.ty,
                hint(&target.ty)
            )),
        };
    }
    let text = match &arn.kind {
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                crate::model::expr::SubPart::Lit(l) => l.clone(),
                crate::model::expr::SubPart::Expr(_) => "…".into(),
            })
            .collect(),
        _ => arn
            .literal_text()
            .unwrap_or_else(|| pattern_text(cx.t, arn)),
    };
    let service = text
        .split(':')
        .nth(2)
        .filter(|s| text.starts_with("arn:") && !s.is_empty())
        .unwrap_or("");
    let what = if service.is_empty() {
        "a target outside the template".to_string()
    } else {
        format!("`{text}` is outside the template")
    };
    Dest::Not(format!("{what}; {}", hint(&format!("AWS::{service}"))))
}

/// What to do for a target Event Grid cannot deliver to, by AWS service.
fn hint(ty: &str) -> &'static str {
    let svc = ty.split("::").nth(1).unwrap_or("").to_ascii_lowercase();
    let svc = if ty.ends_with("::StateMachine") {
        "states".to_string()
    } else {
        svc
    };
    match svc.as_str() {
        "stepfunctions" | "states" => {
            "deliver to a Logic App (HTTP request trigger, as a WebHook endpoint) or to a function that starts a Durable Functions orchestration"
        }
        "ecs" => {
            "deliver to a Service Bus queue and run a Container Apps job with an event-driven scale rule on it (or a function that starts the job)"
        }
        "codebuild" | "codepipeline" => {
            "deliver to a function or Logic App that queues an Azure Pipelines run"
        }
        "lambda" => {
            "deliver to the replacing function app with an AzureFunction endpoint (its function's id)"
        }
        "sqs" => "deliver to the replacing Service Bus queue (ServiceBusQueue endpoint)",
        "sns" => "deliver to the replacing Service Bus topic (ServiceBusTopic endpoint)",
        "kinesis" | "firehose" => "deliver to the replacing Event Hub (EventHub endpoint)",
        "logs" => {
            "deliver to an Event Hub or storage queue and ingest into Log Analytics (or log from the handler)"
        }
        "events" => {
            "an API destination becomes a WebHook endpoint on the API's URL (it must answer Event Grid's validation handshake); another bus, a function or Logic App that publishes to its topic"
        }
        "ssm" | "ec2" => {
            "deliver to a function or Logic App that runs the command on the VMs (Run Command)"
        }
        _ => {
            "deliver to a WebHook endpoint (a Logic App HTTP trigger or a function) that does the work"
        }
    }
}

/// When no target is one Event Grid delivers to: no topic, only the decision that
/// [`subscriptions`] records for undeliverable targets (`ty`: the subscription type the
/// rule would have had).
fn no_deliverable_target(
    cx: &mut Ctx,
    i: usize,
    targets: &[Expr],
    ty: crate::azure::types::ArmType,
) -> Option<Outcome> {
    targets
        .iter()
        .all(|t| matches!(destination(cx, t), Dest::Not(_)))
        .then(|| subscriptions(cx, i, targets, "", ty, Vec::new(), None))
}

/// One event subscription per target; decisions for targets with no destination.
fn subscriptions(
    cx: &mut Ctx,
    i: usize,
    targets: &[Expr],
    topic: &str,
    ty: crate::azure::types::ArmType,
    filters: Vec<AzExpr>,
    included: Option<Vec<AzExpr>>,
) -> Outcome {
    let r = cx.t.resources[i].clone();
    let mut azure = Vec::new();
    let mut missing = Vec::new();
    let mut functions = Vec::new();
    let mut inputs = Vec::new();
    let mut dead_letters = Vec::new();
    let mut webhooks: Vec<(usize, String, AzExpr)> = Vec::new();
    let mut workflows: Vec<usize> = Vec::new();
    let many = targets.len() > 1;
    for (n, t) in targets.iter().enumerate() {
        let tid = t
            .get("Id")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| format!("target{}", n + 1));
        let mut direct = None;
        let (endpoint, id, j) = match destination(cx, t) {
            Dest::Workflow(w) => {
                let url = workflow_callback(cx, i, w);
                direct = Some(AzExpr::obj(vec![
                    ("endpointType", AzExpr::str("WebHook")),
                    (
                        "properties",
                        AzExpr::obj(vec![
                            ("endpointUrl", url),
                            ("minimumTlsVersionAllowed", AzExpr::str("1.2")),
                        ]),
                    ),
                ]));
                workflows.push(w);
                ("Workflow", AzExpr::Null, Some(w))
            }
            Dest::WebHook(d) => {
                let dest = webhook(cx, i, d, t, &tid);
                let sym = if many {
                    cx.syms
                        .alloc(&format!("{}{}", cx.prepared[i].sym, upper_camel(&tid)))
                } else {
                    cx.prepared[i].sym.clone()
                };
                webhooks.push((d, sym.clone(), dest));
                ("WebHook", AzExpr::Str(sym), None)
            }
            Dest::Endpoint(e, id, j) => (e, id, j),
            Dest::Function(id, name, j) => {
                functions.push(name);
                ("AzureFunction", id, Some(j))
            }
            Dest::Not(why) => {
                missing.push(format!("`{tid}`: {why}"));
                continue;
            }
        };
        for k in ["Input", "InputPath", "InputTransformer"] {
            if t.get(k).is_some_and(|x| !x.is_null()) {
                inputs.push(format!("`{tid}` ({k})"));
            }
        }
        if t.get("DeadLetterConfig").is_some_and(|x| !x.is_null()) {
            dead_letters.push(format!("`{tid}`"));
        }
        let dest = match (endpoint, &id) {
            _ if direct.is_some() => direct.take().unwrap_or_default(),
            ("WebHook", AzExpr::Str(sym)) => webhooks
                .iter()
                .find(|(_, s, _)| s == sym)
                .map(|(_, _, d)| d.clone())
                .unwrap_or_default(),
            _ => AzExpr::obj(vec![
                ("endpointType", AzExpr::str(endpoint)),
                ("properties", AzExpr::obj(vec![("resourceId", id)])),
            ]),
        };
        // Service Bus and Event Hubs destinations: delivered with the topic's
        // system-assigned identity, which gets the data sender role on the target.
        let grant = match j {
            Some(j) if endpoint != "AzureFunction" && endpoint != "Workflow" => {
                sender_grant(cx, i, topic, j)
            }
            _ => None,
        };
        let mut props = match &grant {
            Some(_) => vec![(
                "deliveryWithResourceIdentity",
                AzExpr::obj(vec![
                    (
                        "identity",
                        AzExpr::obj(vec![("type", AzExpr::str("SystemAssigned"))]),
                    ),
                    ("destination", dest),
                ]),
            )],
            None => vec![("destination", dest)],
        };
        props.push(("eventDeliverySchema", AzExpr::str("CloudEventSchemaV1_0")));
        let mut filter = vec![("enableAdvancedFilteringOnArrays", AzExpr::Bool(true))];
        // A CloudEvent's `type` is matched by `includedEventTypes` (a list of exact
        // types); an advanced filter names it `eventtype`.
        let (types, advanced) = event_type_filters(included.clone(), &filters);
        if let Some(types) = &types {
            filter.push(("includedEventTypes", AzExpr::Array(types.clone())));
        }
        if !advanced.is_empty() {
            filter.push(("advancedFilters", AzExpr::Array(advanced)));
        }
        props.push(("filter", AzExpr::obj(filter)));
        if let Some(rp) = t.get("RetryPolicy") {
            let attempts = rp
                .get("MaximumRetryAttempts")
                .and_then(|x| x.literal_i64())
                .map(|a| a.saturating_add(1).clamp(1, 30));
            let ttl = rp
                .get("MaximumEventAgeInSeconds")
                .and_then(|x| x.literal_i64())
                .map(|s| (s / 60).clamp(1, 1440));
            if attempts.is_some() || ttl.is_some() {
                props.push((
                    "retryPolicy",
                    AzExpr::obj(vec![
                        ("maxDeliveryAttempts", AzExpr::Int(attempts.unwrap_or(30))),
                        ("eventTimeToLiveInMinutes", AzExpr::Int(ttl.unwrap_or(1440))),
                    ]),
                ));
            }
        }
        let sym = match webhooks.last() {
            Some((_, s, _)) if endpoint == "WebHook" => s.clone(),
            _ if many => cx
                .syms
                .alloc(&format!("{}{}", cx.prepared[i].sym, upper_camel(&tid))),
            _ => cx.prepared[i].sym.clone(),
        };
        let mut name = if many {
            format!("{}-{}", rule_name(cx, i), kebab(&tid))
        } else {
            rule_name(cx, i)
        };
        name.truncate(64);
        let condition = match j {
            Some(j) => cx.joint_condition(i, j),
            None => None,
        };
        cx.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: ty.ty.into(),
            api: ty.api.into(),
            parent: Some(topic.to_string()),
            name: AzExpr::Str(name),
            body: vec![("properties".into(), AzExpr::obj(props))],
            condition,
            comments: vec![format!(
                "Delivers the events rule {} matches to its target `{tid}` (was an EventBridge rule target).",
                cx.t.report_name(&r.id)
            )],
            source: r.id.clone(),
            depends_on: grant
                .iter()
                .cloned()
                .chain(
                    j.filter(|_| endpoint == "Workflow")
                        .map(|w| cx.prepared[w].sym.clone()),
                )
                .collect(),
            ..Default::default()
        });
        if endpoint == "WebHook"
            && let Some((d, _, _)) = webhooks.last()
        {
            let key = format!("{PASS}#used#{d}");
            let mut used = cx.shared.get(&key).cloned().unwrap_or_default();
            if !used.is_empty() {
                used.push(',');
            }
            used.push_str(&sym);
            cx.shared.insert(key, used);
        }
        azure.push((ty.ty.to_string(), sym));
        if let Some(g) = grant
            && !azure.iter().any(|(_, s)| *s == g)
        {
            azure.push((crate::azure::types::ROLE_ASSIGNMENT.ty.to_string(), g));
        }
    }
    let mut status = if azure.is_empty() {
        "manual"
    } else if webhooks.is_empty() && workflows.is_empty() {
        "translated"
    } else {
        // The API or workflow must answer the validation handshake (see the decisions).
        "partial"
    };
    if !workflows.is_empty() {
        workflow_decision(cx, i, &workflows);
    }
    if !functions.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-function-target",
            &format!("{}: functions receive the events with an Event Grid trigger", r.id),
            "EventBridge invokes the Lambda function with the event; Event Grid delivers to a function of a function app that declares an Event Grid trigger.",
            &format!(
                "The subscription delivers to the function named {} in its app (`<app id>/functions/<name>`, AzureFunction endpoint, CloudEvents 1.0).",
                functions.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
            ),
            "The code must declare a function of that name with an `EventGridTrigger` (the event arrives as a CloudEvent: `source`, `type`, `data` instead of `source`, `detail-type`, `detail`). Event Grid checks that the function exists when the subscription is created: deploy the code before the subscription (or deploy the subscription in a second step).",
            Some("partial"),
        );
        status = "partial";
    }
    if !missing.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-target-manual",
            &format!("{}: targets with no Event Grid destination", r.id),
            "Event Grid delivers to functions, Service Bus queues and topics, Event Hubs, storage queues, hybrid connections and webhooks.",
            &format!("No subscription is generated for: {}.", missing.join("; ")),
            "Add a subscription per such target once it has an Azure endpoint.",
            Some("partial"),
        );
        if status == "translated" {
            status = "partial";
        }
    }
    if !inputs.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-target-input",
            &format!("{}: target inputs are not rewritten", r.id),
            &format!("Targets {} send a constant, a part of the event or a transformed event instead of the event.", inputs.join(", ")),
            "Event Grid delivers the event as it is (CloudEvents 1.0).",
            "Move the selection or the transformation into the handler (or a Logic App between the topic and the target).",
            Some("partial"),
        );
        if status == "translated" {
            status = "partial";
        }
    }
    if !dead_letters.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-dead-letter",
            &format!("{}: dead-letter queues become a storage container", r.id),
            &format!("Targets {} send events that fail delivery to an SQS dead-letter queue.", dead_letters.join(", ")),
            "Event Grid dead-letters to a blob container (`deadLetterDestination` of the subscription); none is generated.",
            "Add a storage container and set it as the subscriptions' dead-letter destination (with the topic's identity allowed to write to it).",
            None,
        );
    }
    if !azure.is_empty() {
        template_wide(
            cx,
            i,
            "eventbridge-event-subscription",
            "EventBridge rules become event subscriptions",
            "An EventBridge rule matches events on a bus with a pattern and sends them to up to five targets.",
            "Each target becomes an Event Grid event subscription (CloudEvents 1.0) on the topic that replaces the bus, the pattern its advanced filters (source → `source`, detail-type → `type`, detail → `data`; filtering on arrays enabled). Service Bus destinations are delivered with the topic's system-assigned identity, which gets the Azure Service Bus Data Sender role on the queue or topic.",
            "Event Grid string filters ignore case; retries follow the subscription's retry policy (30 attempts within 24 hours unless the target's retry policy says otherwise).",
        );
    }
    Outcome { status, azure }
}

/// A scheduled rule: the NCRONTAB schedule as an app setting of each target function.
fn schedule(cx: &mut Ctx, i: usize, expr: &Expr, targets: &[Expr], disabled: bool) -> Outcome {
    let r = cx.t.resources[i].clone();
    let text = expr
        .literal_text()
        .unwrap_or_else(|| pattern_text(cx.t, expr));
    let cron = ncrontab(&text);
    let mut azure = Vec::new();
    let mut notes = Vec::new();
    let mut missing = Vec::new();
    let mut missing_targets: Vec<(String, Expr)> = Vec::new();
    let setting = format!(
        "{}_SCHEDULE",
        r.properties
            .get("Name")
            .and_then(|n| n.literal_text())
            .unwrap_or_else(|| r.id.clone())
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    for (n, t) in targets.iter().enumerate() {
        let tid = t
            .get("Id")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| format!("target{}", n + 1));
        match destination(cx, t) {
            Dest::Function(_, name, j) => {
                let site = cx.prepared[j].sym.clone();
                if let Some(c) = &cron {
                    timer_setting(cx, &site, &setting, c);
                }
                azure.push((WEB_SITE.ty.to_string(), site));
                notes.push(format!("`{name}`"));
            }
            Dest::Endpoint(..) | Dest::WebHook(_) | Dest::Workflow(_) | Dest::Not(_) => {
                // A state machine of the template: a Recurrence trigger of its workflow.
                match super::scheduler::workflow_trigger(cx, i, t, &text, &r.id) {
                    Some(wf) => {
                        azure.push((crate::azure::types::LOGIC_WORKFLOW.ty.to_string(), wf));
                    }
                    None => {
                        missing.push(format!("`{tid}`"));
                        missing_targets.push((tid.clone(), t.clone()));
                    }
                }
            }
        }
    }
    let when = match &cron {
        Some(c) => format!("`%{setting}%` = `{c}` (UTC)"),
        None => format!("a NCRONTAB expression written by hand for `{text}`"),
    };
    if !notes.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-schedule-timer",
            &format!("{}: the schedule becomes a timer trigger", r.id),
            &format!("The rule invokes {} on the schedule `{text}`.", notes.join(", ")),
            &format!(
                "No Azure resource: the function app gets the app setting `{setting}`{}; the function's code declares a timer trigger on {when}.",
                if cron.is_some() { "" } else { " (not set: the expression does not convert)" }
            ),
            &format!(
                "The code must declare a `TimerTrigger` with schedule `%{setting}%`.{}",
                if disabled {
                    " The rule is disabled: disable the timer function with the app setting `AzureWebJobs.<function>.Disabled = true`."
                } else {
                    ""
                }
            ),
            None,
        );
    }
    let workflow = if missing.is_empty() {
        None
    } else {
        super::scheduler::rule_workflow(cx, i, &text, &missing_targets, disabled)
    };
    if let Some((wf, actions)) = &workflow {
        cx.decide_later(
            i,
            "eventbridge-schedule-workflow",
            &format!("{}: scheduled targets other than functions get a Logic App", r.id),
            &format!("The rule sends a scheduled event (`{text}`) to {}.", missing.join(", ")),
            &format!("A Consumption Logic App (`{wf}`) with a system-assigned identity and a Recurrence trigger on the rule's schedule (UTC); its actions are left to write, since calling a target needs a connector connection or an HTTP call with the workflow's identity."),
            &format!("Add the actions: {}. Grant the workflow's identity the roles the calls need.", actions.join("; ")),
            Some("partial"),
        );
        azure.push((
            crate::azure::types::LOGIC_WORKFLOW.ty.to_string(),
            wf.clone(),
        ));
    } else if !missing.is_empty() {
        cx.decide_later(
            i,
            "eventbridge-schedule-other",
            &format!("{}: scheduled targets other than functions", r.id),
            &format!("The rule sends a scheduled event (`{text}`) to {}.", missing.join(", ")),
            "Nothing is generated for them: a Logic App with a Recurrence trigger calls the replacing service (or a Container Apps job with a schedule trigger runs a scheduled container task).",
            &format!("Build the recurrence by hand on {when}."),
            Some("partial"),
        );
    }
    let status = match (
        notes.is_empty(),
        missing.is_empty(),
        cron.is_some() && !disabled,
    ) {
        (true, true, _) if !azure.is_empty() && !disabled => "translated",
        (true, _, _) if !azure.is_empty() => "partial",
        (true, _, _) => "manual",
        (false, true, true) => "translated",
        _ => "partial",
    };
    Outcome { status, azure }
}

/// Splits the filters on the CloudEvent's type: an exact list becomes
/// `includedEventTypes` (with `included`, the types a source already implies), any other
/// match an advanced filter on `eventtype`, the key Event Grid gives the type.
fn event_type_filters(
    included: Option<Vec<AzExpr>>,
    filters: &[AzExpr],
) -> (Option<Vec<AzExpr>>, Vec<AzExpr>) {
    let mut types = included;
    let mut advanced = Vec::new();
    for f in filters {
        let on_type = matches!(f.get("key"), Some(AzExpr::Str(k)) if k == "type");
        let exact = matches!(f.get("operatorType"), Some(AzExpr::Str(o)) if o == "StringIn");
        match (on_type, exact, f.get("values"), types.is_none()) {
            (true, true, Some(AzExpr::Array(v)), true) => types = Some(v.clone()),
            (true, ..) => {
                let mut g = f.clone();
                g.set("key", AzExpr::str("eventtype"));
                advanced.push(g);
            }
            _ => advanced.push(f.clone()),
        }
    }
    (types, advanced)
}

/// The WebHook destination of target `t` of rule `i`, which names API destination `d`:
/// its endpoint (path parameters filled, query string appended), the connection's
/// credentials and the headers as delivery attributes (secrets as secure parameters).
fn webhook(cx: &mut Ctx, i: usize, d: usize, t: &Expr, tid: &str) -> AzExpr {
    let dest = cx.t.resources[d].clone();
    let rule = cx.t.resources[i].id.clone();
    let mut notes: Vec<String> = Vec::new();
    let http = t.get("HttpParameters");
    // The endpoint: `*` wildcards take the target's path parameter values in order.
    let endpoint = dest.properties.get("InvocationEndpoint");
    let mut url: Vec<Interp> = Vec::new();
    let mut paths: Vec<Expr> = http
        .and_then(|h| h.get("PathParameterValues"))
        .and_then(|p| p.as_list())
        .map(<[Expr]>::to_vec)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .collect();
    match endpoint.and_then(|e| e.literal_text()) {
        Some(text) => {
            if !text.starts_with("https://") {
                notes.push(format!("the endpoint `{text}` is not HTTPS: Event Grid delivers to HTTPS endpoints only"));
            }
            let mut parts = text.split('*').peekable();
            while let Some(lit) = parts.next() {
                url.push(Interp::Lit(lit.to_string()));
                if parts.peek().is_some() {
                    match paths.pop() {
                        Some(v) => match v.literal_text() {
                            Some(text) => url.push(Interp::Lit(text)),
                            None => url.push(Interp::Expr(cx.tr(&v))),
                        },
                        None => {
                            notes.push(
                                "a `*` of the endpoint has no path parameter value (left as `*`)"
                                    .into(),
                            );
                            url.push(Interp::Lit("*".into()));
                        }
                    }
                }
            }
        }
        None => match endpoint {
            Some(e) => url.push(Interp::Expr(cx.tr(e))),
            None => notes.push("the API destination has no endpoint".into()),
        },
    }
    // Literal query string parameters of the target and the connection go on the URL.
    let conn = dest
        .properties
        .get("ConnectionArn")
        .and_then(|c| cx.referenced_resource(c))
        .filter(|c| cx.plays(*c, PASS, "connection"));
    let conn_http = conn.and_then(|c| {
        cx.t.resources[c]
            .properties
            .path("AuthParameters.InvocationHttpParameters")
            .cloned()
    });
    let mut query: Vec<(String, Expr)> = Vec::new();
    for src in [conn_http.as_ref(), http] {
        if let Some(q) = src.and_then(|h| h.get("QueryStringParameters")) {
            match &q.kind {
                ExprKind::Object(m) => {
                    query.extend(m.iter().map(|(k, _, v)| (k.clone(), v.clone())))
                }
                ExprKind::List(l) => {
                    for x in l {
                        let secret = x
                            .get("IsValueSecret")
                            .and_then(|s| s.literal_bool())
                            .unwrap_or(false);
                        match (x.get("Key").and_then(|k| k.literal_text()), x.get("Value")) {
                            (Some(k), Some(v)) if !secret => query.push((k, v.clone())),
                            (Some(k), _) => notes.push(format!("the secret query string parameter `{k}` (Event Grid delivery attributes are headers: have the API take it as a header, or call it from a Logic App)")),
                            _ => {}
                        }
                    }
                }
                _ => notes.push("computed query string parameters".into()),
            }
        }
        if src
            .and_then(|h| h.get("BodyParameters"))
            .is_some_and(|b| !b.is_null())
        {
            notes.push(
                "body parameters of the connection (Event Grid delivers the event as the body)"
                    .into(),
            );
        }
    }
    for (n, (k, v)) in query.iter().enumerate() {
        url.push(Interp::Lit(format!(
            "{}{k}=",
            if n == 0 { "?" } else { "&" }
        )));
        match v.literal_text() {
            Some(text) => url.push(Interp::Lit(text)),
            None => url.push(Interp::Expr(cx.tr(v))),
        }
    }
    // Headers: the connection's, then the target's; credentials as secret attributes.
    let mut attrs: Vec<AzExpr> = Vec::new();
    let attr = |name: &str, value: AzExpr, secret: bool| {
        AzExpr::obj(vec![
            ("name", AzExpr::str(name)),
            ("type", AzExpr::str("Static")),
            (
                "properties",
                AzExpr::obj(vec![("value", value), ("isSecret", AzExpr::Bool(secret))]),
            ),
        ])
    };
    let mut aad = None;
    if let Some(c) = conn {
        let cr = cx.t.resources[c].clone();
        let kind = cr
            .properties
            .get("AuthorizationType")
            .and_then(|a| a.literal_text())
            .unwrap_or_default();
        let auth = cr.properties.get("AuthParameters");
        match kind.as_str() {
            "API_KEY" => {
                let name = auth
                    .and_then(|a| a.path("ApiKeyAuthParameters.ApiKeyName"))
                    .and_then(|n| n.literal_text())
                    .unwrap_or_else(|| "x-api-key".into());
                let value = auth.and_then(|a| a.path("ApiKeyAuthParameters.ApiKeyValue"));
                let v = secret_value(
                    cx,
                    c,
                    "api-key",
                    &format!("the value of the `{name}` header"),
                    value,
                );
                attrs.push(attr(&name, v, true));
            }
            "BASIC" => {
                let v = secret_value(
                    cx,
                    c,
                    "authorization",
                    "the whole `Authorization` header value: `Basic ` followed by the Base64 of `<username>:<password>`",
                    None,
                );
                attrs.push(attr("Authorization", v, true));
            }
            "OAUTH_CLIENT_CREDENTIALS" => {
                let endpoint = auth
                    .and_then(|a| a.path("OAuthParameters.AuthorizationEndpoint"))
                    .map(|e| pattern_text(cx.t, e))
                    .unwrap_or_default();
                aad = Some(endpoint);
            }
            _ => {}
        }
        if let Some(h) = conn_http.as_ref().and_then(|h| h.get("HeaderParameters")) {
            headers(cx, c, h, &mut attrs, &attr, &mut notes);
        }
    }
    if let Some(h) = http.and_then(|h| h.get("HeaderParameters")) {
        headers(cx, i, h, &mut attrs, &attr, &mut notes);
    }
    let method = dest
        .properties
        .get("HttpMethod")
        .and_then(|m| m.literal_text())
        .unwrap_or_else(|| "POST".into());
    if !method.eq_ignore_ascii_case("POST") {
        notes.push(format!(
            "the HTTP method `{method}` (Event Grid always POSTs)"
        ));
    }
    if let Some(rate) = dest.properties.get("InvocationRateLimitPerSecond") {
        notes.push(format!(
            "the rate limit of {} invocations per second (Event Grid has none: batch with `maxEventsPerBatch`, or put a queue in between)",
            rate.literal_text().unwrap_or_else(|| "a computed number of".into())
        ));
    }
    let dname = cx.t.report_name(&dest.id);
    let cname = conn.map(|c| cx.t.report_name(&cx.t.resources[c].id));
    let auth_text = match (&aad, &cname, attrs.iter().any(|a| matches!(a.get("properties").and_then(|p| p.get("isSecret")), Some(AzExpr::Bool(true))))) {
        (Some(ep), Some(c), _) => format!("The connection {c} gets OAuth client-credentials tokens from `{ep}`: Event Grid cannot. It authenticates WebHook deliveries with Entra ID tokens only (the subscription's `azureActiveDirectoryTenantId` and `azureActiveDirectoryApplicationIdOrUri`), which the API must accept; otherwise deliver to a Logic App whose HTTP action calls the API with Active Directory OAuth or its own token request."),
        (None, Some(c), true) => format!("The credentials of the connection {c} become secret delivery attributes (headers Event Grid adds to each delivery, stored encrypted and never returned), their values secure parameters."),
        (None, Some(c), false) => format!("The connection {c} adds no credentials Event Grid can send."),
        _ => "The destination has no connection of this template: add its credentials as secret delivery attributes by hand.".into(),
    };
    cx.decide_later(
        i,
        "eventbridge-api-destination-webhook",
        &format!("{rule}: the API destination {dname} becomes a WebHook endpoint"),
        &format!("Target `{tid}` sends the matched events to the API destination {dname} ({method} to its endpoint)."),
        &format!("The event subscription delivers to the same URL as a WebHook endpoint (CloudEvents 1.0, TLS 1.2). {auth_text}"),
        &format!(
            "The API must answer Event Grid's validation handshake (for CloudEvents, an HTTP OPTIONS request with `WebHook-Request-Origin`, answered with `WebHook-Allowed-Origin`) or the subscription is not created; third-party APIs usually do not: deliver to a Logic App (its Event Grid trigger validates itself) whose HTTP action calls the API. The API receives the CloudEvent instead of the EventBridge event.{}",
            if notes.is_empty() {
                String::new()
            } else {
                format!(" Not carried over: {}.", notes.join("; "))
            }
        ),
        Some("partial"),
    );
    // Adjacent literal parts as one.
    let mut merged: Vec<Interp> = Vec::new();
    for part in url {
        match (merged.last_mut(), part) {
            (Some(Interp::Lit(a)), Interp::Lit(b)) => a.push_str(&b),
            (_, p) => merged.push(p),
        }
    }
    let url = merged;
    let mut props = vec![
        (
            "endpointUrl",
            match url.as_slice() {
                [Interp::Lit(l)] => AzExpr::Str(l.clone()),
                [Interp::Expr(e)] => e.clone(),
                _ => AzExpr::Interp(url),
            },
        ),
        ("minimumTlsVersionAllowed", AzExpr::str("1.2")),
    ];
    if aad.is_some() {
        let tenant = cx.param_for(&format!("{}-entra-tenant-id", kebab(&dest.id)), "string", |p| {
            p.description = Some(format!("Entra ID tenant whose tokens the API of {dname} accepts (was an OAuth client-credentials connection)."));
            p.default = Some(AzExpr::path("tenant()", "tenantId"));
        });
        let app = cx.param_for(&format!("{}-entra-app-id-or-uri", kebab(&dest.id)), "string", |p| {
            p.description = Some(format!("Application ID or URI of the Entra app registration that protects the API of {dname}."));
            p.required_reason = Some(format!("the API destination {dname} authenticated with OAuth"));
        });
        props.push(("azureActiveDirectoryTenantId", AzExpr::ident(&tenant)));
        props.push((
            "azureActiveDirectoryApplicationIdOrUri",
            AzExpr::ident(&app),
        ));
    }
    if !attrs.is_empty() {
        props.push(("deliveryAttributeMappings", AzExpr::Array(attrs)));
    }
    AzExpr::obj(vec![
        ("endpointType", AzExpr::str("WebHook")),
        ("properties", AzExpr::obj(props)),
    ])
}

/// Header parameters (`[{Key, Value, IsValueSecret}]` or `{name: value}`) → delivery attributes.
fn headers(
    cx: &mut Ctx,
    owner: usize,
    h: &Expr,
    attrs: &mut Vec<AzExpr>,
    attr: &dyn Fn(&str, AzExpr, bool) -> AzExpr,
    notes: &mut Vec<String>,
) {
    match &h.kind {
        ExprKind::Object(m) => {
            for (k, _, v) in m {
                let value = cx.tr(v);
                attrs.push(attr(k, value, false));
            }
        }
        ExprKind::List(l) => {
            for x in l {
                let Some(k) = x.get("Key").and_then(|k| k.literal_text()) else {
                    notes.push("a header with a computed name".into());
                    continue;
                };
                let secret = x
                    .get("IsValueSecret")
                    .and_then(|s| s.literal_bool())
                    .unwrap_or(false);
                let value = if secret {
                    secret_value(
                        cx,
                        owner,
                        &format!("header-{}", kebab(&k)),
                        &format!("the value of the `{k}` header"),
                        x.get("Value"),
                    )
                } else {
                    x.get("Value").map(|v| cx.tr(v)).unwrap_or_default()
                };
                attrs.push(attr(&k, value, secret));
            }
        }
        _ => notes.push("computed header parameters".into()),
    }
}

/// A credential of resource `owner`: the template's own secure parameter when the
/// source passes one through, else a new secure parameter (never the literal).
fn secret_value(
    cx: &mut Ctx,
    owner: usize,
    key: &str,
    what: &str,
    source: Option<&Expr>,
) -> AzExpr {
    if let Some(e) = source
        && let ExprKind::Ref(p) = &e.kind
        && cx
            .t
            .parameter(p)
            .is_some_and(|p| p.no_echo || p.secret.is_some())
    {
        return cx.tr(e);
    }
    let id = cx.t.resources[owner].id.clone();
    let name = cx.t.report_name(&id);
    let was = match source.map(|e| &e.kind) {
        Some(ExprKind::Dynamic(_)) => "a dynamic reference to a secret in",
        _ => "in",
    };
    let sym = cx.param_for(&format!("{}-{key}", kebab(&id)), "string", |p| {
        p.description = Some(format!(
            "Secret: {what}, sent by Event Grid with each delivery (was {was} {name})."
        ));
        p.secure = true;
        p.required_reason = Some(format!(
            "the credential of {name} is not carried over as a literal"
        ));
    });
    AzExpr::ident(&sym)
}

/// API destinations and connections: translated as part of the WebHook subscriptions of
/// the rules that deliver through them, else left with a decision.
fn destinations(cx: &mut Ctx) {
    let mut used_conns: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for d in 0..cx.t.resources.len() {
        if !cx.plays(d, PASS, "api-destination") || cx.prepared[d].entry.is_none() {
            continue;
        }
        let id = cx.t.resources[d].id.clone();
        let used: Vec<(String, String)> = cx
            .shared
            .get(&format!("{PASS}#used#{d}"))
            .map(|s| {
                s.split(',')
                    .map(|x| (EVENT_SUBSCRIPTION.ty.to_string(), x.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let conn = cx.t.resources[d]
            .properties
            .get("ConnectionArn")
            .and_then(|c| cx.referenced_resource(c))
            .filter(|c| cx.plays(*c, PASS, "connection"));
        if used.is_empty() {
            let endpoint = cx.t.resources[d]
                .properties
                .get("InvocationEndpoint")
                .map(|e| e.literal_text().unwrap_or_else(|| pattern_text(cx.t, e)))
                .unwrap_or_default();
            let method = cx.t.resources[d]
                .properties
                .get("HttpMethod")
                .and_then(|m| m.literal_text())
                .unwrap_or_else(|| "POST".into());
            let endpoint = format!("{method} {endpoint}");
            cx.decide_later(
                d,
                "eventbridge-api-destination-unused",
                &format!("{id}: no rule of the template delivers to the API destination"),
                &format!("The API destination calls `{endpoint}`; no rule of this template delivers to it (a pipe, a state machine's HTTP task or a rule of another template may)."),
                "Nothing is generated: an API destination is no resource of its own on Azure.",
                "Where a rule delivers to it, add an Event Grid event subscription with a WebHook endpoint on this URL (Event Grid always POSTs, and the API must answer its validation handshake) and the connection's credentials as secret delivery attributes; or call the API from a Logic App HTTP action (any method).",
                None,
            );
            continue;
        }
        let subs: Vec<String> = used.iter().map(|(_, s)| format!("`{s}`")).collect();
        cx.decide_later(
            d,
            "eventbridge-api-destination-used",
            &format!("{id}: the API destination becomes WebHook endpoints"),
            "Rules of the template send events to the API destination.",
            &format!(
                "No resource of its own: its endpoint is the WebHook endpoint of the event subscriptions {} (see their rules' decisions).",
                subs.join(", ")
            ),
            "The API must answer Event Grid's validation handshake, or the subscriptions are not created (see the rules' decisions for the Logic App alternative).",
            None,
        );
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
            rep.status = "partial".into();
            rep.azure.extend(used.clone());
        }
        if let Some(c) = conn {
            match used_conns.iter_mut().find(|(x, _)| *x == c) {
                Some((_, v)) => v.extend(used),
                None => used_conns.push((c, used)),
            }
        }
    }
    for c in 0..cx.t.resources.len() {
        if !cx.plays(c, PASS, "connection") || cx.prepared[c].entry.is_none() {
            continue;
        }
        let id = cx.t.resources[c].id.clone();
        let kind = cx.t.resources[c]
            .properties
            .get("AuthorizationType")
            .and_then(|a| a.literal_text())
            .unwrap_or_else(|| "computed".into());
        let how = match kind.as_str() {
            "API_KEY" => {
                "the API key becomes a secret delivery attribute (a header) of the WebHook event subscriptions, its value a secure parameter"
            }
            "BASIC" => {
                "the user name and password become a secret `Authorization` delivery attribute (`Basic <base64>`) of the WebHook event subscriptions, its value a secure parameter"
            }
            _ => {
                "OAuth client credentials have no Event Grid counterpart: Event Grid authenticates WebHook deliveries with Entra ID tokens (or a Logic App HTTP action obtains the token)"
            }
        };
        match used_conns.iter().find(|(x, _)| *x == c) {
            Some((_, azure)) => {
                let status = if kind == "OAUTH_CLIENT_CREDENTIALS" {
                    "manual"
                } else {
                    "partial"
                };
                cx.decide_later(
                    c,
                    "eventbridge-connection-auth",
                    &format!("{id}: the connection's credentials travel with the event subscriptions"),
                    &format!("The connection authorizes calls to API destinations with `{kind}`."),
                    &format!("No resource of its own: {how}."),
                    "Supply the secret at deployment (from Key Vault with a parameter reference); rotate it by redeploying the subscriptions. Event Grid never returns secret attributes.",
                    None,
                );
                if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
                    rep.status = status.into();
                    if status != "manual" {
                        rep.azure.extend(azure.clone());
                    }
                }
            }
            None => {
                cx.decide_later(
                    c,
                    "eventbridge-connection-unused",
                    &format!("{id}: no rule of the template delivers through the connection"),
                    &format!("The connection authorizes calls to API destinations with `{kind}`; no rule of this template sends to them."),
                    "Nothing is generated: a connection is no resource of its own on Azure.",
                    &format!("Where events go to the API: {how}; or a Logic App HTTP action (API key or Basic authentication, Active Directory OAuth) calls it, with the secret in Key Vault."),
                    None,
                );
            }
        }
    }
}

/// The name of the Request trigger a workflow gets for the event subscriptions that
/// deliver to it.
const REQUEST_TRIGGER: &str = "Event_Grid_events";

/// Does a schedule of the template start state machine `j` monthly (an EventBridge rule's
/// or a Scheduler schedule's `cron` with days of the month)? Its workflow then gets a
/// monthly Recurrence trigger, which keeps it an `azapi_resource` in Terraform. Read from
/// the sources, not from the module, so that the answer does not depend on which rule is
/// mapped first.
fn monthly(cx: &Ctx, j: usize) -> bool {
    cx.t.resources.iter().any(|r| {
        let targets: Vec<&Expr> = match r.properties.get("Targets").and_then(|t| t.as_list()) {
            Some(list) => list.iter().filter_map(|t| t.get("Arn")).collect(),
            None => r.properties.path("Target.Arn").into_iter().collect(),
        };
        targets.iter().any(|a| cx.referenced_resource(a) == Some(j))
            && r.properties
                .get("ScheduleExpression")
                .and_then(|e| cx.literal_text(e))
                .and_then(|text| super::scheduler::recurrence(&text))
                .is_some_and(|rec| {
                    rec.iter()
                        .any(|(k, v)| *k == "frequency" && *v == AzExpr::str("Month"))
                })
    })
}

/// The callback URL of the Request trigger of the workflow state machine `j` became
/// (the trigger added once per workflow, read through an `existing` trigger resource):
/// `<trigger>.listCallbackUrl().value`.
fn workflow_callback(cx: &mut Ctx, i: usize, j: usize) -> AzExpr {
    let wf = cx.prepared[j].sym.clone();
    let key = format!("{PASS}#request#{wf}");
    let trigger = match cx.shared.get(&key) {
        Some(s) => s.clone(),
        None => {
            cx.set_path(
                &wf,
                &["properties", "definition", "triggers", REQUEST_TRIGGER],
                AzExpr::obj(vec![
                    ("type", AzExpr::str("Request")),
                    ("kind", AzExpr::str("Http")),
                    (
                        "inputs",
                        AzExpr::obj(vec![("schema", AzExpr::Object(Vec::new()))]),
                    ),
                ]),
            );
            let sym = cx.syms.alloc(&format!("{wf}Events"));
            cx.shared.insert(key, sym.clone());
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: LOGIC_TRIGGER.ty.into(),
                api: LOGIC_TRIGGER.api.into(),
                parent: Some(wf.clone()),
                name: AzExpr::str(REQUEST_TRIGGER),
                existing: true,
                comments: vec![format!(
                    "The Request trigger of the workflow {} became, whose callback URL the event subscriptions deliver to.",
                    cx.t.report_name(&cx.t.resources[j].id)
                )],
                source: cx.t.resources[i].id.clone(),
                ..Default::default()
            });
            sym
        }
    };
    AzExpr::Member(
        Box::new(AzExpr::call(&format!("{trigger}.listCallbackUrl"), vec![])),
        "value".into(),
    )
}

/// The decision on rule `i`'s state machine targets, now WebHooks to their workflows.
fn workflow_decision(cx: &mut Ctx, i: usize, workflows: &[usize]) {
    let id = cx.t.resources[i].id.clone();
    let names: Vec<String> = workflows
        .iter()
        .map(|w| cx.t.report_name(&cx.t.resources[*w].id))
        .collect();
    cx.decide_later(
        i,
        "eventbridge-workflow-target",
        &format!("{id}: state machine targets become WebHooks to their Logic Apps"),
        &format!(
            "The rule starts the state machine(s) {} with the matched event as the execution's input.",
            names.join(", ")
        ),
        &format!(
            "The Logic App that replaces each state machine gets a Request trigger `{REQUEST_TRIGGER}` (one per workflow, shared by the rules that target it); the event subscription delivers to its callback URL as a WebHook endpoint (CloudEvents 1.0, TLS 1.2), read at deployment with `listCallbackUrl()` on the trigger (Terraform: the `callback_url` of `azurerm_logic_app_trigger_http_request`). Each delivery starts a run whose trigger body is the CloudEvent."
        ),
        "Event Grid validates a WebHook endpoint when the subscription is created: with CloudEvents 1.0 it sends an HTTP OPTIONS request carrying `WebHook-Request-Origin`, and the endpoint must answer with the header `WebHook-Allowed-Origin` (that origin, or `*`), or the subscription is not created. The workflow's definition is empty until the state machine is rewritten: in the rewrite, answer that request first (a Condition on `@triggerOutputs()?['headers']?['WebHook-Request-Origin']` with a Response action returning 200 and the header), then handle the POSTed events (the EventBridge `detail` is the CloudEvent's `data`, `source` and `detail-type` its `source` and `type`). Deploy the subscriptions after that definition (or in a second step). The callback URL carries the trigger's SAS signature: regenerating the workflow's access keys invalidates it, so redeploy the subscriptions then. The rule's `RoleArn` is not needed: the signature authorizes the call.",
        Some("partial"),
    );
}

/// Sets the app setting `setting` of function app `site` to the NCRONTAB `cron` its timer
/// trigger reads (`%setting%` in the trigger's schedule).
pub(super) fn timer_setting(cx: &mut Ctx, site: &str, setting: &str, cron: &str) {
    append_settings(
        cx,
        site,
        vec![AzExpr::obj(vec![
            ("name", AzExpr::Str(setting.to_string())),
            ("value", AzExpr::Str(cron.to_string())),
        ])],
    );
}
