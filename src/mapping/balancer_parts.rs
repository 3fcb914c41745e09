//! Listeners, listener rules and target groups whose load balancer is not in the
//! template (another stack's listener by `Fn::ImportValue`, a balancer in another
//! Terraform module). Application Gateway keeps its listeners, rules, pools, backend
//! settings and probes inside the gateway resource, so a template cannot add them to
//! a gateway it does not declare: each such part becomes a decision that says what to
//! add to the gateway that replaces the other template's balancer, instead of a silent
//! `translated` with nothing generated.
//!
//! A Standard Load Balancer does take backend pools from another deployment: the target
//! group of a network load balancer's TCP/UDP listener in another template becomes a
//! pool of the load balancer declared `existing` (named by a parameter), and the
//! listener a decision with the rule and probe to add to it.

use super::context::Ctx;
use super::gateways::{forwards, l4_protocol, tg_name, tg_probe};
use crate::azure::types::{LB_BACKEND_POOL, LOAD_BALANCER};
use crate::azure::{AzExpr, AzOutput, AzResource};
use crate::model::expr::{Expr, ExprKind};
use crate::names::{kebab, lower_camel, upper_camel};

const PASS: &str = "load-balancers";

/// The resource of role `role` that `e` references.
fn referenced(cx: &Ctx, e: Option<&Expr>, role: &str) -> Option<usize> {
    e.and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, PASS, role))
}

/// The `existing` Standard Load Balancer that replaces the balancer `e` names (an
/// import or a parameter), named by a new parameter: one per distinct source value.
fn existing_lb(cx: &mut Ctx, e: &Expr) -> String {
    let origin = match &e.kind {
        ExprKind::Ref(p) => p.clone(),
        ExprKind::ImportValue(x) => super::exprs::import_label(x),
        _ => e.literal_text().unwrap_or_else(|| "balancer".into()),
    };
    let key = format!("existing#{}#{origin}", LOAD_BALANCER.ty);
    if let Some(s) = cx.shared.get(&key) {
        return s.clone();
    }
    let base = kebab(&origin);
    let param = cx.param_for(&format!("{base}-load-balancer-name"), "string", |p| {
        p.description = Some(format!(
            "Name of the Standard Load Balancer (deployed by another template) that replaces the network load balancer `{origin}` names."
        ));
        p.required_reason = Some(format!("the network load balancer `{origin}` is not in this template"));
    });
    let sym = cx
        .syms
        .alloc(&lower_camel(&format!("{}Balancer", upper_camel(&base))));
    cx.shared.insert(key, sym.clone());
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: LOAD_BALANCER.ty.into(),
        api: LOAD_BALANCER.api.into(),
        name: AzExpr::ident(&param),
        existing: true,
        comments: vec![format!(
            "The Standard Load Balancer that replaces the network load balancer `{origin}` names, declared by another template."
        )],
        ..Default::default()
    });
    sym
}

/// Network listener `k` of a load balancer elsewhere, with its rule protocol and the
/// target group it forwards to: one this module turns into a pool.
fn network_part(cx: &Ctx, k: usize) -> Option<(&'static str, usize)> {
    let p = &cx.t.resources[k].properties;
    if cx.prepared[k].entry.is_none()
        || !cx.plays(k, PASS, "listener")
        || referenced(cx, p.get("LoadBalancerArn"), "balancer").is_some()
        || p.get("Port").and_then(|x| x.literal_i64()).is_none()
    {
        return None;
    }
    let proto = l4_protocol(p.get("Protocol"))?;
    let tg = forwards(cx, p.get("DefaultActions")).first().copied()?;
    Some((proto, tg))
}

/// `{id}` of the pool that target group `tg` becomes on a load balancer of another
/// template (for the scale sets and NICs that name it).
pub(super) fn existing_pool(cx: &Ctx, tg: usize) -> Option<AzExpr> {
    (0..cx.t.resources.len())
        .any(|k| network_part(cx, k).is_some_and(|(_, t)| t == tg))
        .then(|| AzExpr::obj(vec![("id", AzExpr::path(&cx.prepared[tg].sym, "id"))]))
}

/// Listener `k` of a network load balancer in another template (TCP/UDP, forwarding to
/// target group `tg` of this template): the target group becomes a backend pool of the
/// `existing` Standard Load Balancer that replaces the balancer (ARM deploys pools on
/// their own), and the listener a decision that spells out the rule and probe to add
/// to the other template (ARM has no deployable rule or probe child). `done` collects
/// the target groups handled.
fn network_listener(cx: &mut Ctx, k: usize, done: &mut Vec<usize>) -> bool {
    let Some((proto, tg)) = network_part(cx, k) else {
        return false;
    };
    let r = cx.t.resources[k].clone();
    let p = &r.properties;
    let port = p
        .get("Port")
        .and_then(|x| x.literal_i64())
        .unwrap_or_default();
    let Some(arn) = p.get("LoadBalancerArn") else {
        return false;
    };
    let lb = existing_lb(cx, arn);
    let t = cx.t.resources[tg].clone();
    let name = tg_name(cx, tg);
    if !done.contains(&tg) {
        cx.module.resources.push(AzResource {
            symbol: cx.prepared[tg].sym.clone(),
            ty: LB_BACKEND_POOL.ty.into(),
            api: LB_BACKEND_POOL.api.into(),
            parent: Some(lb.clone()),
            name: AzExpr::Str(name.clone()),
            comments: vec![format!("Was {} ({}).", t.id, t.ty)],
            source: t.id.clone(),
            ..Default::default()
        });
        let sym = cx.prepared[tg].sym.clone();
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == t.id) {
            rep.azure.push((LB_BACKEND_POOL.ty.into(), sym));
        }
        cx.decide_later(
            tg,
            "lb-pool-existing",
            &format!("{}: a backend pool of the load balancer in another template", t.id),
            "The target group belongs to a network load balancer that another template declares.",
            "It becomes a backend pool of that template's Standard Load Balancer, declared `existing` here; the VMs, scale sets or addresses that were its targets join it (`loadBalancerBackendAddressPools`).",
            "Redeploying the other template without this pool in its `backendAddressPools` removes the pool: add it there too, or deploy this template after it.",
            None,
        );
        done.push(tg);
    }
    let backend_port = t
        .properties
        .get("Port")
        .and_then(|x| x.literal_i64())
        .unwrap_or(port);
    let probe = tg_probe(cx, tg);
    let probe_text = probe
        .get("properties")
        .map(|p| {
            let get = |k: &str| match p.get(k) {
                Some(AzExpr::Str(s)) => s.clone(),
                Some(AzExpr::Int(n)) => n.to_string(),
                _ => String::new(),
            };
            let path = get("requestPath");
            format!(
                "{} on port {}{}, every {} s, unhealthy after {}",
                get("protocol"),
                get("port"),
                if path.is_empty() {
                    String::new()
                } else {
                    format!(" at `{path}`")
                },
                get("intervalInSeconds"),
                get("probeThreshold"),
            )
        })
        .unwrap_or_default();
    cx.decide_later(
        k,
        "lb-rule-elsewhere",
        &format!("{}: a rule of the load balancer in another template", r.id),
        "The listener belongs to a network load balancer that another template declares; a Standard Load Balancer keeps its rules and probes inside the load balancer resource (ARM deploys neither on its own).",
        &format!(
            "The target group's pool `{name}` is added to that load balancer here; the rule is not generated. Add to the other template's load balancer a probe `{name}` ({probe_text}) and a load-balancing rule `rule-{}`: {proto} from frontend port {port} to backend port {backend_port}, pool `{name}`, probe `{name}`.",
            kebab(&r.id)
        ),
        "Until the rule is added, the pool receives no traffic.",
        Some("partial"),
    );
    true
}

/// The names of the target groups an action list forwards to.
fn pools_text(cx: &Ctx, actions: Option<&Expr>) -> String {
    let names: Vec<String> = forwards(cx, actions)
        .iter()
        .map(|tg| format!("`{}`", tg_name(cx, *tg)))
        .collect();
    if names.is_empty() {
        "its action's target (a redirect or fixed response: see the action)".into()
    } else {
        format!("pool and backend settings {}", names.join(", "))
    }
}

/// What to add to the other template's gateway for HTTP(S) listener `k`.
fn listener_text(cx: &Ctx, k: usize) -> String {
    let p = &cx.t.resources[k].properties;
    let protocol = p
        .get("Protocol")
        .and_then(|x| x.literal_text())
        .unwrap_or_else(|| "HTTP".into())
        .to_ascii_uppercase();
    let port = p
        .get("Port")
        .and_then(|x| x.literal_i64())
        .map_or_else(|| "its port".to_string(), |n| n.to_string());
    let cert = if protocol == "HTTPS" {
        " with its certificate from Key Vault (an SSL certificate that references the Key Vault secret)"
    } else {
        ""
    };
    format!(
        "a frontend port {port}, an {protocol} listener on it{cert}, and a basic routing rule from it to {}",
        pools_text(cx, p.get("DefaultActions"))
    )
}

/// The path patterns of a rule's conditions, as the decision quotes them: a literal, or
/// a parameter with its default.
fn path_texts(cx: &Ctx, p: &Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for c in p.get("Conditions")?.as_list()? {
        if c.get("Field").and_then(|f| f.literal_text())? != "path-pattern" {
            return None;
        }
        let values = c
            .path("PathPatternConfig.Values")
            .or_else(|| c.get("Values"))?
            .as_list()?;
        for v in values {
            out.push(match (&v.kind, v.literal_text()) {
                (_, Some(t)) => format!("`{t}`"),
                (ExprKind::Ref(n), None) => {
                    let default =
                        cx.t.parameters
                            .iter()
                            .find(|x| x.name == *n)
                            .and_then(|x| x.default.as_ref())
                            .and_then(|d| d.literal_text());
                    match default {
                        Some(d) => format!("the parameter `{n}` (default `{d}`)"),
                        None => format!("the parameter `{n}`"),
                    }
                }
                _ => return None,
            });
        }
    }
    (!out.is_empty()).then_some(out)
}

/// What to add to the other template's gateway for listener rule `k`.
fn rule_text(cx: &Ctx, k: usize) -> String {
    let p = &cx.t.resources[k].properties;
    let paths = path_texts(cx, p).map_or_else(
        || "its conditions (host, header or query conditions need a rewrite rule set or a multi-site listener)".to_string(),
        |v| v.join(", "),
    );
    let listener = match p.get("ListenerArn").map(|e| &e.kind) {
        Some(ExprKind::Ref(n)) => format!(" (the listener `{n}` names)"),
        Some(ExprKind::ImportValue(x)) => {
            format!(
                " (the listener of export `{}`)",
                super::exprs::import_label(x)
            )
        }
        _ => String::new(),
    };
    format!(
        "a path rule `{}` with paths {paths} to the URL path map of the listener's routing rule{listener}, to {}",
        kebab(&cx.t.resources[k].id),
        pools_text(cx, p.get("Actions"))
    )
}

/// What to add to the other template's gateway for target group `tg`; the ingress FQDN
/// of the container apps registered in it becomes an output for that template.
fn target_group_text(cx: &mut Ctx, tg: usize) -> String {
    let r = cx.t.resources[tg].clone();
    let p = &r.properties;
    let get = |k: &str| p.get(k).and_then(|x| x.literal_text());
    let name = tg_name(cx, tg);
    let path = get("HealthCheckPath").unwrap_or_else(|| "/".into());
    let apps: Vec<usize> = super::containers::apps_in_target_group(cx, tg)
        .into_iter()
        .filter(|s| {
            let sym = cx.prepared[*s].sym.clone();
            cx.module.resources.iter().any(|x| x.symbol == sym)
        })
        .collect();
    if let Some(s) = apps.first() {
        let app = cx.prepared[*s].sym.clone();
        let output = cx
            .syms
            .alloc(&format!("{}BackendFqdn", cx.prepared[tg].sym));
        cx.module.outputs.push(AzOutput {
            name: output.clone(),
            ty: "string".into(),
            value: AzExpr::path(&app, "properties.configuration.ingress.fqdn"),
            description: Some(format!(
                "Ingress host of the container app that registered in {} (the backend of the other template's gateway).",
                cx.t.report_name(&r.id)
            )),
            secure: false,
            tf_name: None,
        });
        return format!(
            "a backend pool `{name}` with the FQDN of container app `{app}` (output `{output}`), backend settings `{name}` (HTTPS on port 443, host name picked from the backend), and a probe `{name}` (HTTPS at `{path}`, host from the backend settings)"
        );
    }
    let protocol = get("Protocol")
        .unwrap_or_else(|| "HTTP".into())
        .to_ascii_uppercase();
    let port = p
        .get("Port")
        .and_then(|x| x.literal_i64())
        .map_or_else(|| "its port".to_string(), |n| n.to_string());
    let targets = match get("TargetType").as_deref() {
        Some("lambda") => "the host name of the Function App that replaces its function",
        Some("ip") => "its targets' addresses",
        _ => {
            "the network interfaces of the VMs or scale sets that replace its targets (`applicationGatewayBackendAddressPools`)"
        }
    };
    format!(
        "a backend pool `{name}` with {targets}, backend settings `{name}` ({protocol} on port {port}), and a probe `{name}` ({protocol} at `{path}`)"
    )
}

/// The parts of the template whose load balancer is elsewhere: children of an
/// `existing` Standard Load Balancer, or a decision each.
pub fn finish(cx: &mut Ctx) {
    let n = cx.t.resources.len();
    let mut done = Vec::new();
    let balancers: Vec<usize> = (0..n).filter(|l| cx.plays(*l, PASS, "balancer")).collect();
    let used: Vec<usize> = balancers
        .iter()
        .flat_map(|l| super::gateways::target_groups(cx, *l))
        .collect();
    // Network listeners first, so their target groups are pools before the loop below.
    let mut network = Vec::new();
    for k in 0..n {
        if network_listener(cx, k, &mut done) {
            network.push(k);
        }
    }
    for k in 0..n {
        if cx.prepared[k].entry.is_none() {
            continue;
        }
        let r = cx.t.resources[k].clone();
        let p = &r.properties;
        let (what, add) = if cx.plays(k, PASS, "listener") {
            if referenced(cx, p.get("LoadBalancerArn"), "balancer").is_some() {
                continue;
            }
            if network.contains(&k) {
                continue;
            }
            (
                "The listener belongs to a load balancer that this template does not declare.",
                listener_text(cx, k),
            )
        } else if cx.plays(k, PASS, "rule") {
            let listener = referenced(cx, p.get("ListenerArn"), "listener");
            let in_template = listener.is_some_and(|x| {
                referenced(
                    cx,
                    cx.t.resources[x].properties.get("LoadBalancerArn"),
                    "balancer",
                )
                .is_some()
            });
            if in_template {
                continue;
            }
            (
                "The listener rule belongs to a listener of a load balancer that this template does not declare.",
                rule_text(cx, k),
            )
        } else if cx.plays(k, PASS, "target-group") {
            // A target group no balancer of the template forwards to: the listener or
            // rule that does is in another template.
            if used.contains(&k) || done.contains(&k) {
                continue;
            }
            (
                "No load balancer of this template forwards to the target group: the listener or rule that does belongs to a load balancer that this template does not declare.",
                target_group_text(cx, k),
            )
        } else {
            continue;
        };
        cx.decide_later(
            k,
            "lb-part-elsewhere",
            &format!("{}: part of a load balancer in another template", r.id),
            what,
            &format!(
                "Nothing is generated for it here: an Application Gateway holds its listeners, rules, pools, settings and probes inside the gateway resource (ARM deploys none of them on its own), which the other template's conversion declares. Add to that gateway {add}."
            ),
            "Until the part is added to the gateway, the traffic it routed does not reach its backends.",
            Some("partial"),
        );
    }
}
