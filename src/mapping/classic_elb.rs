//! Classic Elastic Load Balancers → Standard Load Balancers.
//!
//! A classic ELB holds everything in one resource: listeners (balancer port, instance
//! port, protocol), one health check (`Target: HTTP:80/path`), the instances it
//! balances and its stickiness, draining and logging policies. It becomes a Standard
//! Load Balancer with one backend pool and one probe, and a load-balancing rule per TCP
//! or HTTP listener; HTTPS and SSL listeners terminated TLS on the balancer, which a
//! Standard Load Balancer cannot do, so they are decisions. The VMs that replace its
//! `Instances` join the pool from their network interfaces, and scale sets whose group
//! named it in `LoadBalancerNames` from their network interface configuration.
//!
//! A classic ELB is a proxy: backends see its addresses, and their security groups
//! admitted the balancer's group. A Standard Load Balancer passes the clients'
//! addresses through, so a backend rule that admitted the balancer admits what the
//! balancer's own groups admitted (and `AzureLoadBalancer`, the probes' source).

use std::collections::BTreeSet;

use super::context::Ctx;
use super::gateways::{
    LB, depend_on_parts, join_nic_pool, joined_text, lb_frontend, lb_probe, lb_rule, sub_resource,
};
use crate::azure::AzExpr;
use crate::model::expr::Expr;
use crate::names::kebab;

const PASS: &str = "load-balancers";
const ROLE: &str = "classic";
/// The one backend pool (and probe) of a classic balancer.
const POOL: &str = "backend";

/// Is resource `l` a classic balancer that becomes a Standard Load Balancer (one with
/// a TCP or HTTP listener)?
pub(super) fn is_classic(cx: &Ctx, l: usize) -> bool {
    cx.plays(l, PASS, ROLE)
        && cx.prepared[l]
            .entry
            .as_ref()
            .is_some_and(|e| !e.resources.is_empty())
        && listeners(&cx.t.resources[l].properties)
            .iter()
            .any(|x| plain(x).is_some())
        && has_frontend(&cx.t.resources[l].properties)
}

/// An internal balancer needs a subnet for its private frontend.
fn has_frontend(p: &Expr) -> bool {
    let internal = p
        .get("Scheme")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s == "internal");
    !internal || p.get("Subnets").is_some()
}

fn lb_name(cx: &Ctx, l: usize) -> String {
    format!("lb-{}", kebab(&cx.t.resources[l].id))
}

fn listeners(p: &Expr) -> Vec<Expr> {
    super::network::rule_list(p.get("Listeners"))
}

/// The protocol of a listener a Standard Load Balancer carries (TCP or HTTP, passed
/// through as TCP); `None` for HTTPS and SSL, which terminate TLS on the balancer.
fn plain(listener: &Expr) -> Option<&'static str> {
    let proto = listener
        .get("Protocol")
        .and_then(|x| x.literal_text())
        .unwrap_or_else(|| "TCP".into())
        .to_ascii_uppercase();
    match proto.as_str() {
        "TCP" | "HTTP" => Some("Tcp"),
        _ => None,
    }
}

/// The backend pool (as `{id}`) of the classic balancer a scaling group names in
/// `LoadBalancerNames` (by `Ref`, which gives its name).
pub(super) fn pool_of(cx: &Ctx, name: &Expr) -> Option<AzExpr> {
    let l = cx
        .referenced_resource(name)
        .filter(|l| is_classic(cx, *l))?;
    Some(sub_resource(
        LB,
        &lb_name(cx, l),
        "backendAddressPools",
        POOL,
    ))
}

/// A port: the literal number, else the value as an `int()` (a number parameter as it is).
fn port(cx: &mut Ctx, e: Option<&Expr>, default: i64) -> AzExpr {
    match e {
        Some(x) => as_int(cx, x),
        None => AzExpr::Int(default),
    }
}

fn as_int(cx: &mut Ctx, x: &Expr) -> AzExpr {
    if let Some(n) = x.literal_i64() {
        return AzExpr::Int(n);
    }
    let v = cx.tr(x);
    let int_param = matches!(&v, AzExpr::Ident(n)
        if cx.module.params.iter().any(|p| p.name == *n && p.ty == "int"));
    if int_param {
        v
    } else {
        crate::azure::coerce(v, "int")
    }
}

/// `properties` of classic balancer `l`'s Standard Load Balancer.
pub fn classic_lb_properties(
    cx: &mut Ctx,
    l: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "Scheme",
        "Subnets",
        "SecurityGroups",
        "Listeners",
        "HealthCheck",
        "Instances",
        "AppCookieStickinessPolicy",
        "LBCookieStickinessPolicy",
        "ConnectionSettings",
    ] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[l].clone();
    let p = &r.properties;
    let all = listeners(p);
    if !all.iter().any(|x| plain(x).is_some()) {
        cx.decide(
            "elb-no-tcp-listener",
            Some((&r.id, r.span)),
            &format!("{}: the balancer has no TCP or HTTP listener", r.id),
            "A Standard Load Balancer's rules come from the balancer's TCP and HTTP listeners; this balancer's listeners all terminate TLS (HTTPS or SSL).",
            "No load balancer is created.",
            "Put an Application Gateway in front (it terminates TLS with a Key Vault certificate), or terminate TLS on the backends and build the load balancer by hand.",
        );
        return None;
    }
    let frontend = lb_frontend(cx, l)?;
    let lb = lb_name(cx, l);
    let probe = health_probe(cx, l, &all);
    // Stickiness policies; a listener that names one (or, from Terraform, whose port a
    // policy names) keeps clients on a backend.
    let sticky: Vec<Expr> = ["AppCookieStickinessPolicy", "LBCookieStickinessPolicy"]
        .iter()
        .flat_map(|k| super::network::rule_list(p.get(k)))
        .collect();
    let idle = p
        .path("ConnectionSettings.IdleTimeout")
        .and_then(|x| x.literal_i64())
        .map(|s| (s.saturating_add(59) / 60).clamp(4, 100))
        .unwrap_or(4);
    if p.path("ConnectionSettings.IdleTimeout")
        .and_then(|x| x.literal_i64())
        .is_some_and(|s| s % 60 != 0 || !(240..=6000).contains(&s))
    {
        cx.decide(
            "elb-idle-timeout",
            Some((&r.id, r.span)),
            &format!("{}: the idle timeout is rounded to whole minutes", r.id),
            "A classic ELB's idle timeout is in seconds (1 to 4000); a Standard Load Balancer's is in minutes, from 4 to 100.",
            &format!("The rules' idle timeout is {idle} minutes."),
            "Clients and backends that relied on a shorter timeout keep idle connections longer; TCP reset on idle tells both ends when a connection is dropped.",
        );
    }
    let mut rules = Vec::new();
    let mut names = BTreeSet::new();
    let mut stuck = false;
    for (n, x) in all.iter().enumerate() {
        let front = x
            .get("LoadBalancerPort")
            .and_then(|v| v.literal_text())
            .unwrap_or_else(|| n.to_string());
        let Some(proto) = plain(x) else {
            tls_listener(cx, l, x, &front);
            continue;
        };
        let mut name = format!("rule-{front}");
        let mut k = 2;
        while !names.insert(name.clone()) {
            name = format!("rule-{front}-{k}");
            k += 1;
        }
        let fport = port(cx, x.get("LoadBalancerPort"), 80);
        let bport = port(cx, x.get("InstancePort").or(x.get("LoadBalancerPort")), 80);
        let named: Vec<String> = super::network::rule_list(x.get("PolicyNames"))
            .iter()
            .filter_map(|n| n.literal_text())
            .collect();
        let sticks = sticky.iter().any(|s| {
            s.get("PolicyName")
                .and_then(|n| n.literal_text())
                .is_some_and(|n| named.contains(&n))
                || s.get("LoadBalancerPort")
                    .and_then(|n| n.literal_text())
                    .is_some_and(|n| n == front)
        });
        stuck |= sticks;
        rules.push(lb_rule(
            &lb,
            &name,
            POOL,
            proto,
            fport,
            bport,
            idle,
            if sticks { "SourceIP" } else { "Default" },
        ));
    }
    if !sticky.is_empty() {
        cx.decide(
            "elb-stickiness",
            Some((&r.id, r.span)),
            &format!("{}: cookie stickiness becomes client IP affinity", r.id),
            "The balancer kept a client on one instance with a cookie (its own, or the application's); a Standard Load Balancer does not read HTTP and cannot set or follow cookies.",
            if stuck {
                "The rules of the listeners that used a stickiness policy distribute by client IP (`loadDistribution: SourceIP`): a client stays on one backend while its address does not change."
            } else {
                "No listener uses the stickiness policies, so the rules distribute by the default 5-tuple hash."
            },
            "Clients behind one NAT share a backend, and a client whose address changes moves; for cookie affinity put an Application Gateway in front (cookie-based affinity on its backend settings).",
        );
        if stuck {
            cx.floor_status("partial");
        }
    }
    if p.get("SecurityGroups").is_some() {
        cx.decide(
            "elb-security-groups",
            Some((&r.id, r.span)),
            &format!("{}: the balancer's security groups guard its backends instead", r.id),
            "A classic ELB filters clients with its security groups and reaches its instances from its own addresses; a Standard Load Balancer has no security group and passes the clients' addresses through to the backends.",
            "The balancer's groups are not applied to it; backend rules that admitted the balancer admit what its groups admitted (see the pass-through decisions of the backends' groups).",
            "The backends' NSGs are the only filter: keep them as narrow as the balancer's groups were.",
        );
    }
    instances_decision(cx, l);
    Some(AzExpr::obj(vec![
        ("frontendIPConfigurations", AzExpr::Array(vec![frontend])),
        (
            "backendAddressPools",
            AzExpr::Array(vec![AzExpr::obj(vec![("name", AzExpr::str(POOL))])]),
        ),
        ("probes", AzExpr::Array(vec![probe])),
        ("loadBalancingRules", AzExpr::Array(rules)),
    ]))
}

/// The probe of the balancer's `HealthCheck` (`Target: HTTP:80/path`, `TCP:22`); a
/// balancer without one probed its first listener's instance port over TCP.
fn health_probe(cx: &mut Ctx, l: usize, all: &[Expr]) -> AzExpr {
    let r = cx.t.resources[l].clone();
    let hc = r.properties.get("HealthCheck");
    let num = |k: &str, d: i64| {
        hc.and_then(|h| h.get(k))
            .and_then(|x| x.literal_i64())
            .unwrap_or(d)
    };
    let first_port = all
        .iter()
        .find_map(|x| {
            x.get("InstancePort")
                .or(x.get("LoadBalancerPort"))
                .and_then(|v| v.literal_i64())
        })
        .unwrap_or(80);
    let target = hc.and_then(|h| h.get("Target"));
    let parsed = target.and_then(|t| parse_target(cx, t));
    let (proto, port, path) = match parsed {
        Some(x) => x,
        None => {
            if target.is_some() {
                cx.decide(
                    "elb-health-check",
                    Some((&r.id, r.span)),
                    &format!("{}: the health check target is set at deployment", r.id),
                    "The health check's target (`PROTOCOL:PORT/path`) is not a literal, so its protocol and port are not known here.",
                    &format!("The probe checks TCP port {first_port}, the first listener's instance port."),
                    "Set the probe's protocol, port and path to the target's once it is known.",
                );
                cx.floor_status("partial");
            }
            ("TCP".to_string(), AzExpr::Int(first_port), None)
        }
    };
    lb_probe(
        POOL,
        &proto,
        port,
        num("Interval", 30),
        num("UnhealthyThreshold", 2),
        path,
    )
}

/// A value as literal text and expressions: a literal, `Fn::Join` of parts, `Fn::Sub`.
fn parts(e: &Expr) -> Option<Vec<Result<String, Expr>>> {
    use crate::model::expr::{ExprKind, SubPart};
    if let Some(t) = e.literal_text() {
        return Some(vec![Ok(t)]);
    }
    match &e.kind {
        ExprKind::Sub(ps) => Some(
            ps.iter()
                .map(|p| match p {
                    SubPart::Lit(l) => Ok(l.clone()),
                    SubPart::Expr(x) => Err(x.clone()),
                })
                .collect(),
        ),
        ExprKind::Join { sep, items } => {
            let sep = sep.literal_text()?;
            let mut out = Vec::new();
            for (n, it) in items.as_list()?.iter().enumerate() {
                if n > 0 && !sep.is_empty() {
                    out.push(Ok(sep.clone()));
                }
                out.extend(parts(it)?);
            }
            Some(out)
        }
        _ => Some(vec![Err(e.clone())]),
    }
}

/// `HTTP:80/health` → (HTTP, 80, /health); `TCP:22` → (TCP, 22, none); SSL probes TCP.
/// The port may be an expression (`HTTP:${WebServerPort}/`); protocol and path are
/// literal.
fn parse_target(cx: &mut Ctx, t: &Expr) -> Option<(String, AzExpr, Option<String>)> {
    // Merge adjacent literals.
    let mut ps: Vec<Result<String, Expr>> = Vec::new();
    for p in parts(t)? {
        match (ps.last_mut(), p) {
            (Some(Ok(a)), Ok(b)) => a.push_str(&b),
            (_, p) => ps.push(p),
        }
    }
    let (proto, port, path) = match ps.as_slice() {
        [Ok(all)] => {
            let (proto, rest) = all.split_once(':')?;
            let (port, path) = match rest.find('/') {
                Some(i) => (&rest[..i], Some(rest[i..].to_string())),
                None => (rest, None),
            };
            (
                proto.to_string(),
                AzExpr::Int(port.trim().parse().ok()?),
                path,
            )
        }
        // `PROTO:` ${port} [`/path`]
        [Ok(head), Err(x), tail @ ..] if head.ends_with(':') && tail.len() <= 1 => {
            let path = match tail {
                [] => None,
                [Ok(p)] if p.starts_with('/') => Some(p.clone()),
                _ => return None,
            };
            let port = as_int(cx, x);
            (head.trim_end_matches(':').to_string(), port, path)
        }
        _ => return None,
    };
    let proto = proto.trim().to_ascii_uppercase();
    let proto = match proto.as_str() {
        "HTTP" | "HTTPS" => proto,
        "TCP" | "SSL" => "TCP".to_string(),
        _ => return None,
    };
    let path = match proto.as_str() {
        "TCP" => None,
        _ => Some(path.unwrap_or_else(|| "/".to_string())),
    };
    Some((proto, port, path))
}

/// An HTTPS or SSL listener: a decision (the certificate named, when it is an ACM
/// certificate of the template).
fn tls_listener(cx: &mut Ctx, l: usize, x: &Expr, front: &str) {
    let r = cx.t.resources[l].clone();
    let cert = x
        .get("SSLCertificateId")
        .and_then(|c| super::certificates::describe(cx, c))
        .map(|c| format!(" Its certificate is {c}."))
        .unwrap_or_default();
    cx.decide(
        "elb-tls-listener",
        Some((&r.id, r.span)),
        &format!("{}: TLS listeners have no Standard Load Balancer equivalent", r.id),
        &format!("The listener on port {front} terminated TLS (HTTPS or SSL) on the balancer with a certificate; a Standard Load Balancer passes TCP through without terminating it.{cert}"),
        "No rule is created for it.",
        "Put an Application Gateway in front (its HTTPS listener takes the certificate from Key Vault), or terminate TLS on the backends with the certificate and add a TCP rule for the port.",
    );
    cx.floor_status("partial");
}

/// The instances of the template (that become VMs with a NIC) balancer `l` lists.
fn instances(cx: &Ctx, l: usize) -> Vec<usize> {
    super::network::rule_list(cx.t.resources[l].properties.get("Instances"))
        .iter()
        .filter_map(|x| cx.referenced_resource(x))
        .filter(|i| cx.plays(*i, "elastic-ips", "instance"))
        .collect()
}

/// The balancer's `Instances`: template instances join the pool from their NICs (in
/// `finish`); others (parameters, instances elsewhere) are a decision.
fn instances_decision(cx: &mut Ctx, l: usize) {
    let r = cx.t.resources[l].clone();
    let Some(list) = r.properties.get("Instances") else {
        return;
    };
    let count = super::network::rule_list(Some(list)).len();
    let joined = instances(cx, l);
    let decision = joined_text(cx, &joined, "loadBalancerBackendAddressPools");
    if joined.len() == count && count > 0 {
        cx.decide(
            "elb-instances",
            Some((&r.id, r.span)),
            &format!("{}: its instances join the backend pool", r.id),
            "The balancer lists its instances; a Standard Load Balancer's pool takes the IP configurations of network interfaces.",
            &decision,
            "VMs added later join the pool from their own network interfaces.",
        );
    } else {
        cx.decide(
            "elb-instances",
            Some((&r.id, r.span)),
            &format!("{}: some instances are not in this template", r.id),
            "The balancer lists instances that this template does not declare (parameters, or instances of another stack).",
            &decision,
            "Add the other VMs' NIC IP configurations to the pool (`loadBalancerBackendAddressPools`) by hand.",
        );
        cx.floor_status("partial");
    }
}

/// After mapping: the NICs of a classic balancer's instances join its pool; resources
/// that name a part of a Standard Load Balancer (a NIC or scale set in its pool) depend
/// on it, since the balancer creates the pool.
pub fn finish(cx: &mut Ctx) {
    for l in 0..cx.t.resources.len() {
        if !is_classic(cx, l) {
            continue;
        }
        let lid = cx.t.resources[l].id.clone();
        if !cx
            .module
            .resources
            .iter()
            .any(|x| x.source == lid && x.ty == LB)
        {
            continue;
        }
        let pool = sub_resource(LB, &lb_name(cx, l), "backendAddressPools", POOL);
        for i in instances(cx, l) {
            join_nic_pool(cx, i, "loadBalancerBackendAddressPools", pool.clone());
        }
    }
    let lbs: Vec<(String, String)> = cx
        .module
        .resources
        .iter()
        .filter(|x| x.ty == LB && !x.existing)
        .filter_map(|x| match &x.name {
            AzExpr::Str(n) => Some((x.symbol.clone(), n.clone())),
            _ => None,
        })
        .collect();
    for (sym, name) in lbs {
        depend_on_parts(cx, &sym, LB, &name);
    }
}

/// What a backend rule that admitted a classic balancer admits on Azure, where the
/// clients reach the backends themselves.
pub(super) enum Admitted {
    /// A balancer with no security group of the template: its default group admitted
    /// any client on its listener ports.
    Anyone,
    /// The inbound rules of the balancer's security groups (their peers are what is
    /// admitted now).
    Rules(Vec<Expr>),
}

/// When `sg` (a rule's peer) stands for classic balancers — the balancer itself
/// (`GetAtt Elb.SourceSecurityGroup.GroupName`), or a security group whose only
/// members are classic balancers — what the balancers admitted.
pub(super) fn passed_through(cx: &Ctx, sg: &Expr) -> Option<(Vec<usize>, Admitted)> {
    let j = cx.referenced_resource(sg)?;
    if is_classic(cx, j) {
        let groups: Vec<usize> =
            super::network::rule_list(cx.t.resources[j].properties.get("SecurityGroups"))
                .iter()
                .filter_map(|g| cx.referenced_resource(g))
                .filter(|g| cx.plays(*g, "security-groups", "group"))
                .collect();
        if groups.is_empty() {
            return Some((vec![j], Admitted::Anyone));
        }
        return Some((
            vec![j],
            Admitted::Rules(groups.iter().flat_map(|g| ingress(cx, *g)).collect()),
        ));
    }
    let balancers = group_balancers(cx, j)?;
    Some((balancers, Admitted::Rules(ingress(cx, j))))
}

/// The classic balancers that are the only members of security group `j`; `None` when
/// it has another member (or none).
pub(super) fn group_balancers(cx: &Ctx, j: usize) -> Option<Vec<usize>> {
    if !cx.plays(j, "security-groups", "group") {
        return None;
    }
    let balancers = super::nsg_members::member_resources(cx, j);
    (!balancers.is_empty() && balancers.iter().all(|k| is_classic(cx, *k))).then_some(balancers)
}

/// The inbound rules of security group `g`: inline and standalone, one per address.
fn ingress(cx: &Ctx, g: usize) -> Vec<Expr> {
    let gid = &cx.t.resources[g].id;
    let mut out: Vec<Expr> =
        super::network::rule_list(cx.t.resources[g].properties.get("SecurityGroupIngress"))
            .iter()
            .flat_map(super::network::per_address)
            .collect();
    for r in &cx.t.resources {
        if cx.tables.plays(&r.ty, "security-groups", "ingress")
            && r.properties
                .get("GroupId")
                .is_some_and(|x| super::network::refers(x, gid))
        {
            out.extend(super::network::per_address(&r.properties));
        }
    }
    out
}

/// The NSG peer of a backend rule whose peer stands for classic balancers: the address
/// prefixes the balancers admitted, with `AzureLoadBalancer` (the probes' source); `*`
/// when they admitted anyone. `None` when they admitted no address prefix.
pub(super) fn peer_prefixes(
    cx: &mut Ctx,
    rule_id: &str,
    span: crate::source::Span,
    balancers: &[usize],
    admitted: &Admitted,
) -> Option<AzExpr> {
    let names: Vec<String> = balancers
        .iter()
        .map(|b| cx.t.report_name(&cx.t.resources[*b].id))
        .collect();
    let mut prefixes = Vec::new();
    let mut skipped = 0;
    let any = match admitted {
        Admitted::Anyone => true,
        Admitted::Rules(rules) => {
            let mut any = false;
            for e in rules {
                let Some(c) = e.get("CidrIp").or(e.get("CidrIpv6")) else {
                    skipped += 1;
                    continue;
                };
                match c.literal_text() {
                    Some(t) if t == "0.0.0.0/0" || t == "::/0" => any = true,
                    _ => {
                        let v = cx.tr(c);
                        if !prefixes.contains(&v) {
                            prefixes.push(v);
                        }
                    }
                }
            }
            any
        }
    };
    let what = if any {
        "any client (`*`)".to_string()
    } else if prefixes.is_empty() {
        "nothing".to_string()
    } else {
        "the address prefixes the balancer's security groups admitted, and `AzureLoadBalancer` (the probes' source)".to_string()
    };
    cx.decide(
        "elb-client-pass-through",
        Some((rule_id, span)),
        &format!("{rule_id}: a rule that admitted {} admits its clients", names.join(", ")),
        &format!("The rule admitted the classic load balancer {}, which reached its instances from its own addresses. Its replacement, a Standard Load Balancer, passes the clients' addresses through to the backends.", names.join(", ")),
        &format!("The rule admits {what}, on the rule's own ports."),
        &if skipped > 0 {
            format!("{skipped} of the balancer's rules named a security group or prefix list rather than addresses; they are not carried over, which narrows access. The backends are reachable on these ports by the admitted clients directly (inside the virtual network too), not only through the balancer.")
        } else {
            "The backends are reachable on these ports by the admitted clients directly (inside the virtual network too), not only through the balancer.".to_string()
        },
    );
    if any {
        return Some(AzExpr::str("*"));
    }
    if prefixes.is_empty() {
        cx.floor_status("partial");
        return None;
    }
    prefixes.push(AzExpr::str("AzureLoadBalancer"));
    Some(AzExpr::Array(prefixes))
}
