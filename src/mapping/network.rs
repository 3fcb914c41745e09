//! Network semantics that need more than a table: security group rules as NSG
//! rules that never widen access, NIC configuration, and route-table and NAT
//! associations patched onto subnets.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource, Interp};
use crate::diag::{Diagnostic, codes};
use crate::model::expr::{Expr, ExprKind};

pub(super) fn protocol(e: Option<&Expr>) -> Option<&'static str> {
    let t = e
        .and_then(|x| x.literal_text())
        .unwrap_or_else(|| "-1".into())
        .to_ascii_lowercase();
    match t.as_str() {
        "-1" | "all" => Some("*"),
        "tcp" | "6" => Some("Tcp"),
        "udp" | "17" => Some("Udp"),
        "icmp" | "1" | "icmpv6" | "58" => Some("Icmp"),
        _ => None,
    }
}

fn port_range(cx: &mut Ctx, rule: &Expr, proto: &str) -> AzExpr {
    port_range_of(cx, rule.get("FromPort"), rule.get("ToPort"), proto)
}

/// The NSG port range of ports `from`–`to` for `proto` (`*` for all ports).
pub(super) fn port_range_of(
    cx: &mut Ctx,
    from: Option<&Expr>,
    to: Option<&Expr>,
    proto: &str,
) -> AzExpr {
    if proto == "*" || proto == "Icmp" {
        return AzExpr::str("*");
    }
    if from.is_none() && to.is_none() {
        return AzExpr::str("*");
    }
    match (
        from.and_then(|f| f.literal_i64()),
        to.and_then(|t| t.literal_i64()),
    ) {
        (Some(-1), _) => AzExpr::str("*"),
        (Some(0), Some(65535)) => AzExpr::str("*"),
        (Some(a), Some(b)) if a == b => AzExpr::Str(a.to_string()),
        (Some(a), Some(b)) => AzExpr::Str(format!("{a}-{b}")),
        (Some(a), None) if to.is_none() => AzExpr::Str(a.to_string()),
        _ => {
            let f = from.map(|x| cx.tr(x)).unwrap_or(AzExpr::str("*"));
            let t = to.map(|x| cx.tr(x)).unwrap_or(AzExpr::str("*"));
            if f == t {
                AzExpr::call("string", vec![f])
            } else {
                AzExpr::Interp(vec![
                    Interp::Expr(f),
                    Interp::Lit("-".into()),
                    Interp::Expr(t),
                ])
            }
        }
    }
}

/// The ASG that stands for security group `j` as a rule source, created once.
fn asg_for(cx: &mut Ctx, j: usize) -> String {
    let key = format!("asg#{}", cx.t.resources[j].id);
    if let Some(s) = cx.shared.get(&key) {
        return s.clone();
    }
    let sym = cx.syms.alloc(&format!("{}Asg", cx.prepared[j].sym));
    cx.shared.insert(key, sym.clone());
    let r = &cx.t.resources[j];
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: crate::azure::types::APPLICATION_SECURITY_GROUP.ty.into(),
        api: crate::azure::types::APPLICATION_SECURITY_GROUP.api.into(),
        name: AzExpr::Str(format!("asg-{}", crate::names::kebab(&r.id))),
        location: Some(AzExpr::ident("location")),
        comments: vec![format!(
            "Members of {} (a security group used as a rule source); VM NICs join it.",
            r.id
        )],
        source: r.id.clone(),
        ..Default::default()
    });
    sym
}

/// Security group `j` is some rule's source or destination.
fn used_as_peer(cx: &Ctx, j: usize) -> bool {
    let id = &cx.t.resources[j].id;
    let mut found = false;
    for r in &cx.t.resources {
        r.properties.walk(&mut |e| {
            if let ExprKind::Object(m) = &e.kind {
                for (k, _, v) in m {
                    if (k == "SourceSecurityGroupId" || k == "DestinationSecurityGroupId")
                        && refers(v, id)
                    {
                        found = true;
                    }
                }
            }
        });
    }
    found
}

/// Does `e` name resource `id` (`Ref`, `GetAtt`, or one copy of it: `x[0].id`)?
pub(super) fn refers(e: &Expr, id: &str) -> bool {
    match &e.kind {
        ExprKind::Ref(n) => n == id,
        ExprKind::GetAtt { resource, .. } => resource == id,
        ExprKind::Index(b, _) => refers(b, id),
        _ => false,
    }
}

struct RuleCx {
    inbound: bool,
    priority: i64,
    names: BTreeSet<String>,
}

/// One security group rule → an NSG security rule; `None` (with a decision) when it
/// is left out.
fn rule(cx: &mut Ctx, owner: usize, e: &Expr, rc: &mut RuleCx) -> Option<AzExpr> {
    let id = cx.t.resources[owner].id.clone();
    let proto = rule_protocol(cx, &id, e)?;
    let peer = rule_peer(cx, &id, e, rc.inbound)?;
    if !valid_rule(cx, &id, e, proto) {
        return None;
    }
    let port = port_range(cx, e, proto);
    if icmp_type_filter(cx, &id, e, proto) {
        return None;
    }
    let name = rule_name(rc, proto, &port);
    let mut props = vec![
        ("priority", AzExpr::Int(rc.priority)),
        (
            "direction",
            AzExpr::str(if rc.inbound { "Inbound" } else { "Outbound" }),
        ),
        ("access", AzExpr::str("Allow")),
        ("protocol", AzExpr::str(proto)),
    ];
    rc.priority += 10;
    if rc.inbound {
        props.push(peer);
        props.push(("sourcePortRange", AzExpr::str("*")));
        props.push(("destinationAddressPrefix", AzExpr::str("*")));
        props.push(("destinationPortRange", port));
    } else {
        props.push(("sourceAddressPrefix", AzExpr::str("*")));
        props.push(("sourcePortRange", AzExpr::str("*")));
        props.push(peer);
        props.push(("destinationPortRange", port));
    }
    if let Some(d) = e.get("Description") {
        let d = cx.tr(d);
        props.push(("description", d));
    }
    Some(AzExpr::obj(vec![
        ("name", AzExpr::Str(name)),
        ("properties", AzExpr::obj(props)),
    ]))
}

/// The NSG protocol of a rule; `None` (with a decision) for one NSGs cannot match.
fn rule_protocol(cx: &mut Ctx, id: &str, e: &Expr) -> Option<&'static str> {
    let Some(proto) = protocol(e.get("IpProtocol")) else {
        let p = e
            .get("IpProtocol")
            .and_then(|x| x.literal_text())
            .unwrap_or_default();
        cx.decide(
            "nsg-protocol",
            Some((id, e.span)),
            &format!("{id}: protocol {p} has no NSG equivalent"),
            "NSG rules match TCP, UDP, ICMP, ESP, AH or any protocol.",
            &format!("The rule for protocol {p} is left out, which narrows access rather than widening it."),
            "Traffic of that protocol is denied until a rule is added by hand.",
        );
        cx.floor_status("partial");
        return None;
    };
    Some(proto)
}

/// The rule's peer property (address prefix or application security groups); `None`
/// when the rule is left out (a decision says why, unless it names no peer).
fn rule_peer(cx: &mut Ctx, id: &str, e: &Expr, inbound: bool) -> Option<(&'static str, AzExpr)> {
    let (peer_cidr, peer_cidr6, peer_sg, peer_list) = if inbound {
        (
            "CidrIp",
            "CidrIpv6",
            "SourceSecurityGroupId",
            "SourcePrefixListId",
        )
    } else {
        (
            "CidrIp",
            "CidrIpv6",
            "DestinationSecurityGroupId",
            "DestinationPrefixListId",
        )
    };
    let prefix_key = if inbound {
        "sourceAddressPrefix"
    } else {
        "destinationAddressPrefix"
    };
    let asg_key = if inbound {
        "sourceApplicationSecurityGroups"
    } else {
        "destinationApplicationSecurityGroups"
    };
    if let Some(c) = e.get(peer_cidr).or(e.get(peer_cidr6)) {
        // `*` only where the network has no IPv6: it admits IPv6 as well.
        let v = match cx.tr(c) {
            AzExpr::Str(s) if s == "0.0.0.0/0" && !super::flows::uses_ipv6(cx.t) => {
                AzExpr::str("*")
            }
            other => other,
        };
        Some((prefix_key, v))
    } else if let Some(sg) = e.get(peer_sg).or(e.get("SourceSecurityGroupName")) {
        security_group_peer(cx, id, e, sg).map(|v| match v {
            // A gateway subnet's prefix (or prefixes) rather than an ASG list.
            AzExpr::Array(ref a) if a.iter().all(|x| x.get("id").is_none()) => (
                if inbound {
                    "sourceAddressPrefixes"
                } else {
                    "destinationAddressPrefixes"
                },
                v,
            ),
            AzExpr::Array(_) => (asg_key, v),
            other => (prefix_key, other),
        })
    } else if e.get(peer_list).is_some() {
        cx.decide(
            "nsg-prefix-list",
            Some((id, e.span)),
            &format!("{id}: a rule uses a managed prefix list"),
            "AWS managed prefix lists have no NSG equivalent; Azure uses service tags for Microsoft services.",
            "The rule is left out, which narrows access rather than widening it.",
            "Add a rule with the matching service tag (e.g. `Storage`) or address prefixes.",
        );
        cx.floor_status("partial");
        None
    } else {
        None
    }
}

/// A peer security group → the list holding its application security group; `None`
/// (with a decision) for a group outside the template.
fn security_group_peer(cx: &mut Ctx, id: &str, e: &Expr, sg: &Expr) -> Option<AzExpr> {
    // Classic load balancers pass their clients through on Azure.
    if let Some((balancers, admitted)) = super::classic_elb::passed_through(cx, sg) {
        return super::classic_elb::peer_prefixes(cx, id, e.span, &balancers, &admitted);
    }
    let group = cx
        .referenced_resource(sg)
        .filter(|j| cx.plays(*j, "security-groups", "group"));
    let fronted = group.and_then(|j| super::gateways::fronted_prefixes(cx, j));
    match group {
        Some(j) if fronted.is_some() => {
            let prefixes = fronted.unwrap_or_default();
            cx.decide(
                "nsg-gateway-peer",
                Some((id, e.span)),
                &format!("{id}: a rule admits the Application Gateway of {}", cx.t.resources[j].id),
                &format!("The rule admits members of {}, which are load balancers that become Application Gateways; a gateway reaches its backends from the addresses of its own subnet.", cx.t.resources[j].id),
                "The peer becomes the gateway subnet's address prefix.",
                "Keep the gateway subnet dedicated to the gateway: any other resource placed in it would be admitted too.",
            );
            Some(match prefixes.len() {
                1 => prefixes.into_iter().next().unwrap_or_default(),
                _ => AzExpr::Array(prefixes),
            })
        }
        Some(j) => {
            let asg = asg_for(cx, j);
            let v = AzExpr::Array(vec![AzExpr::obj(vec![("id", AzExpr::path(&asg, "id"))])]);
            cx.decide(
                "nsg-sg-reference",
                Some((id, e.span)),
                &format!("{id}: a rule admits members of {}", cx.t.resources[j].id),
                "Security group rules can name another group as the peer; NSG rules name application security groups (ASGs), which only VM network interfaces can join.",
                &format!("The peer becomes the application security group `{asg}`; VM NICs of {} join it.", cx.t.resources[j].id),
                "PaaS services (functions, databases) cannot join an ASG: give them a subnet and use its prefix instead.",
            );
            Some(v)
        }
        None => {
            let what = format!(
                "security group {}",
                sg.literal_text()
                    .unwrap_or_else(|| "from outside the template".into())
            );
            cx.decide(
                "nsg-external-peer",
                Some((id, e.span)),
                &format!("{id}: a rule names a security group outside the template"),
                &format!("The rule's peer is {what}, which this template does not declare."),
                "The rule is left out, which narrows access rather than widening it.",
                "Add a rule with the peer's address prefix or application security group by hand.",
            );
            cx.floor_status("partial");
            None
        }
    }
}

/// True (with a decision) when an ICMP rule admits a single ICMP type, which NSG rules
/// cannot express: the rule is left out.
fn icmp_type_filter(cx: &mut Ctx, id: &str, e: &Expr, proto: &str) -> bool {
    if proto == "Icmp"
        && e.get("FromPort")
            .and_then(|f| f.literal_i64())
            .is_some_and(|f| f != -1)
    {
        cx.decide(
            "nsg-icmp-type",
            Some((id, e.span)),
            &format!("{id}: ICMP type filter"),
            "Security groups can admit single ICMP types; NSG rules match all ICMP types or none.",
            "The rule is left out, which narrows access rather than widening it (an NSG rule for ICMP would admit every ICMP type from that peer).",
            "ICMP of the listed type (e.g. echo requests, or \"fragmentation needed\" for path MTU discovery) is denied until an all-ICMP rule is added by hand, if admitting every ICMP type is acceptable.",
        );
        cx.floor_status("partial");
        return true;
    }
    false
}

/// The rule's name, `allow-{protocol}-{ports}-{direction}`, made unique in its group.
fn rule_name(rc: &mut RuleCx, proto: &str, port: &AzExpr) -> String {
    let dir = if rc.inbound { "inbound" } else { "outbound" };
    let port_label = match port {
        AzExpr::Str(s) if s != "*" => s.clone(),
        AzExpr::Str(_) => "any".into(),
        // A port set at deployment: named after its parameter.
        AzExpr::Call(_, args) => match args.as_slice() {
            [AzExpr::Ident(n)] => crate::names::kebab(n),
            _ => "ports".into(),
        },
        AzExpr::TfOnly(t) => match t.args.as_slice() {
            [AzExpr::Ident(n)] if t.function().is_some() => crate::names::kebab(n),
            _ => "ports".into(),
        },
        _ => "ports".into(),
    };
    let base = format!(
        "allow-{}-{port_label}-{dir}",
        proto.to_ascii_lowercase().replace('*', "all")
    );
    let mut name = base.clone();
    let mut n = 2;
    while !rc.names.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// Checks a rule's literal ports and address prefixes; an invalid one is a located
/// error (AWS would reject it too) and the rule is not translated.
fn valid_rule(cx: &mut Ctx, id: &str, e: &Expr, proto: &str) -> bool {
    let mut ok = true;
    let ports = (e.get("FromPort"), e.get("ToPort"));
    let lit = |x: Option<&Expr>| x.and_then(|v| v.literal_i64());
    let (from, to) = (lit(ports.0), lit(ports.1));
    let bad_port = |p: i64| {
        if proto == "Icmp" {
            !(-1..=255).contains(&p)
        } else {
            !(-1..=65535).contains(&p)
        }
    };
    let what = if proto == "Icmp" {
        "an ICMP type or code (0 to 255, or -1 for all)"
    } else {
        "a port (0 to 65535, or -1 for all)"
    };
    for (x, v) in [(ports.0, from), (ports.1, to)] {
        // A literal that is no whole number (`80.5`, `1e400`, `http`).
        if let (Some(x), None) = (x, v)
            && let Some(text) = x.literal_text()
        {
            cx.diagnostics.push(
                Diagnostic::new(
                    codes::NSG_PORT,
                    x.span,
                    format!("{id}: {text} is not {what}"),
                    "not a valid port",
                )
                .help("fix the rule: EC2 rejects it too"),
            );
            ok = false;
            continue;
        }
        if let (Some(x), Some(v)) = (x, v)
            && bad_port(v)
        {
            cx.diagnostics.push(
                Diagnostic::new(
                    codes::NSG_PORT,
                    x.span,
                    format!("{id}: {v} is not {what}"),
                    "not a valid port",
                )
                .help("fix the rule: EC2 rejects it too"),
            );
            ok = false;
        }
    }
    if ok
        && proto != "Icmp"
        && proto != "*"
        && let (Some(a), Some(b)) = (from, to)
        && a > b
        && a != -1
    {
        cx.diagnostics.push(
            Diagnostic::new(
                codes::NSG_PORT,
                ports.1.map_or(e.span, |x| x.span),
                format!("{id}: the port range {a}–{b} ends before it starts"),
                "ToPort is smaller than FromPort",
            )
            .help("FromPort is the first port of the range and ToPort the last"),
        );
        ok = false;
    }
    for key in ["CidrIp", "CidrIpv6"] {
        let Some(c) = e.get(key) else { continue };
        let Some(text) = c.as_str() else { continue };
        let valid = if key == "CidrIp" {
            super::flows::parse_v4(text).is_some()
        } else {
            super::flows::valid_v6(text)
        };
        if !valid {
            cx.diagnostics.push(
                Diagnostic::new(
                    codes::NSG_CIDR,
                    c.span,
                    format!(
                        "{id}: `{text}` is not an IPv{} CIDR block",
                        if key == "CidrIp" { 4 } else { 6 }
                    ),
                    "not a CIDR block",
                )
                .help(if key == "CidrIp" {
                    "write an address and a prefix length, e.g. 10.0.0.0/16 or 203.0.113.7/32"
                } else {
                    "write an address and a prefix length, e.g. 2001:db8::/32"
                }),
            );
            ok = false;
        }
    }
    ok
}

/// Allow rules keep steps of 10 from 100 while they fit below the deny rules at
/// 4096, else steps of 1; a direction with more than 3,996 rules does not fit.
fn number(rules: &mut [AzExpr]) -> bool {
    let n = rules.len() as i64;
    let step = if n <= 400 { 10 } else { 1 };
    if 100 + (n - 1).max(0) * step > 4095 {
        return false;
    }
    for (k, r) in rules.iter_mut().enumerate() {
        if let Some(AzExpr::Object(_)) = r.get("properties") {
            let mut props = r.get("properties").cloned().unwrap_or_default();
            props.set("priority", AzExpr::Int(100 + k as i64 * step));
            r.set("properties", props);
        }
    }
    true
}

/// Azure's limit on security rules in one NSG.
const MAX_RULES: usize = 1000;

fn deny(name: &str, inbound: bool) -> AzExpr {
    let props = vec![
        ("priority", AzExpr::Int(4096)),
        (
            "direction",
            AzExpr::str(if inbound { "Inbound" } else { "Outbound" }),
        ),
        ("access", AzExpr::str("Deny")),
        ("protocol", AzExpr::str("*")),
        (
            "sourceAddressPrefix",
            AzExpr::str(if inbound { "VirtualNetwork" } else { "*" }),
        ),
        ("sourcePortRange", AzExpr::str("*")),
        ("destinationAddressPrefix", AzExpr::str("*")),
        ("destinationPortRange", AzExpr::str("*")),
    ];
    AzExpr::obj(vec![
        ("name", AzExpr::str(name)),
        ("properties", AzExpr::obj(props)),
    ])
}

pub(super) fn rule_list(e: Option<&Expr>) -> Vec<Expr> {
    match e.map(|x| &x.kind) {
        Some(ExprKind::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

/// Standalone ingress/egress resources that attach to group `i`, with the condition of
/// those that exist only when it holds (repeated ones are `nsg_loops`').
fn standalone(cx: &Ctx, i: usize, role: &str) -> Vec<(Expr, Option<String>)> {
    let id = &cx.t.resources[i].id;
    cx.t.resources
        .iter()
        .filter(|r| {
            r.for_each.is_none()
                && cx.tables.plays(&r.ty, "security-groups", role)
                && r.properties.get("GroupId").is_some_and(|g| refers(g, id))
        })
        .flat_map(|r| {
            let cond = r.condition.as_ref().map(|(c, _)| c.clone());
            per_address(&r.properties)
                .into_iter()
                .map(move |e| (e, cond.clone()))
        })
        .collect()
}

/// A rule whose `CidrIp`/`CidrIpv6` is a list (Terraform's `cidr_blocks`): one rule per address.
pub(super) fn per_address(rule: &Expr) -> Vec<Expr> {
    for key in ["CidrIp", "CidrIpv6"] {
        if let Some(ExprKind::List(items)) = rule.get(key).map(|c| &c.kind) {
            return items
                .iter()
                .flat_map(|it| {
                    let mut copy = rule.clone();
                    if let ExprKind::Object(props) = &mut copy.kind
                        && let Some(p) = props.iter_mut().find(|(k, _, _)| k == key)
                    {
                        p.2 = it.clone();
                    }
                    per_address(&copy)
                })
                .collect();
        }
    }
    vec![rule.clone()]
}

/// Numbered rules as parts of a `concat`: a conditional rule is `c ? [rule] : []`,
/// the others are grouped in plain arrays.
fn rule_parts(cx: &mut Ctx, rules: Vec<AzExpr>, conds: Vec<Option<String>>) -> Vec<AzExpr> {
    let mut parts = Vec::new();
    let mut plain = Vec::new();
    for (rule, cond) in rules.into_iter().zip(conds) {
        match cond {
            None => plain.push(rule),
            Some(c) => {
                if !plain.is_empty() {
                    parts.push(AzExpr::Array(std::mem::take(&mut plain)));
                }
                let c = cx.condition_ref(&c);
                parts.push(AzExpr::Cond(
                    Box::new(c),
                    Box::new(AzExpr::Array(vec![rule])),
                    Box::new(AzExpr::Array(Vec::new())),
                ));
            }
        }
    }
    if !plain.is_empty() {
        parts.push(AzExpr::Array(plain));
    }
    parts
}

fn is_allow_all_egress(rules: &[Expr]) -> bool {
    rules.len() == 1
        && protocol(rules[0].get("IpProtocol")) == Some("*")
        && rules[0].get("CidrIp").and_then(|c| c.as_str()) == Some("0.0.0.0/0")
}

/// `SecurityGroupIngress`/`Egress` (inline and standalone) → NSG `securityRules`,
/// with an explicit deny of VNet-internal inbound traffic at priority 4096.
pub fn nsg_rules(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("SecurityGroupIngress".into());
    consumed.insert("SecurityGroupEgress".into());
    let t = cx.t;
    let r = &t.resources[i];
    let mut ingress: Vec<(Expr, Option<String>)> =
        rule_list(r.properties.get("SecurityGroupIngress"))
            .into_iter()
            .map(|e| (e, None))
            .collect();
    ingress.extend(standalone(cx, i, "ingress"));
    // Inline egress rules replace the group's default allow-all egress; standalone
    // egress rules only add to it.
    let inline_egress = rule_list(r.properties.get("SecurityGroupEgress"));
    // With IPv6 in the network, an IPv4 allow-all rule is not Azure's open outbound.
    let ipv6 = super::flows::uses_ipv6(t);
    let mut restricted =
        !inline_egress.is_empty() && (ipv6 || !is_allow_all_egress(&inline_egress));
    let mut egress: Vec<(Expr, Option<String>)> =
        inline_egress.into_iter().map(|e| (e, None)).collect();
    egress.extend(standalone(cx, i, "egress"));
    // Terraform removes the default allow-all egress rule of a group it creates: its
    // outbound traffic is exactly the egress rules written for it (none: no outbound).
    let terraform = t.tf.is_some();
    if terraform {
        let always: Vec<Expr> = egress
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(e, _)| e.clone())
            .collect();
        restricted = ipv6 || always.len() != egress.len() || !is_allow_all_egress(&always);
    }
    let mut out = Vec::new();
    let mut rc = RuleCx {
        inbound: true,
        priority: 100,
        names: BTreeSet::new(),
    };
    let mut allow_in = Vec::new();
    let mut conds_in = Vec::new();
    for (e, c) in &ingress {
        if let Some(x) = rule(cx, i, e, &mut rc) {
            allow_in.push(x);
            conds_in.push(c.clone());
        }
    }
    let mut allow_out = Vec::new();
    let mut conds_out = Vec::new();
    if restricted {
        let mut rc = RuleCx {
            inbound: false,
            priority: 100,
            names: std::mem::take(&mut rc.names),
        };
        for (e, c) in &egress {
            if let Some(x) = rule(cx, i, e, &mut rc) {
                allow_out.push(x);
                conds_out.push(c.clone());
            }
        }
    }
    let total = allow_in.len() + allow_out.len() + 1 + usize::from(restricted);
    if total > MAX_RULES || !number(&mut allow_in) || !number(&mut allow_out) {
        cx.diagnostics.push(
            Diagnostic::new(
                codes::NSG_TOO_MANY,
                r.span,
                format!(
                    "{}: {} inbound and {} outbound rules do not fit in one NSG (at most {MAX_RULES} rules, priorities 100 to 4096 with the deny rules last)",
                    r.id,
                    allow_in.len(),
                    allow_out.len()
                ),
                "too many rules for one NSG",
            )
            .help("merge rules with adjacent ports or prefixes, or split the group; the NSG is not generated rather than generated with rules out of order"),
        );
        cx.decide(
            "nsg-too-many-rules",
            Some((&r.id, r.span)),
            &format!("{}: the security group's rules do not fit in an NSG", r.id),
            &format!("An NSG holds at most {MAX_RULES} rules, with allow rules before the deny rules at 4096; this group has {} inbound and {} outbound rules.", allow_in.len(), allow_out.len()),
            "The conversion stops with an error instead of writing priorities past 4096 or after the deny rules.",
            "Consolidate the rules (port ranges, larger prefixes, application security groups) or split the group, then convert again.",
        );
    }
    // Rules repeated with `for_each` follow the static ones, as `for` expressions.
    let first = |n: usize| 100 + n as i64 * if n <= 400 { 10 } else { 1 };
    let looped_in = super::nsg_loops::of_group(cx, i, "ingress");
    let looped_in = super::nsg_loops::expand(cx, &looped_in, true, first(allow_in.len()));
    let looped_out = if restricted {
        let l = super::nsg_loops::of_group(cx, i, "egress");
        super::nsg_loops::expand(cx, &l, false, first(allow_out.len()))
    } else {
        Vec::new()
    };
    let conditional = conds_in.iter().chain(&conds_out).any(Option::is_some);
    if !looped_in.is_empty() || !looped_out.is_empty() || conditional {
        let mut parts = rule_parts(cx, allow_in, conds_in);
        parts.extend(looped_in);
        parts.push(AzExpr::Array(vec![deny("deny-vnet-inbound", true)]));
        if restricted {
            parts.extend(rule_parts(cx, allow_out, conds_out));
            parts.extend(looped_out);
            parts.push(AzExpr::Array(vec![deny("deny-all-outbound", false)]));
        }
        // Adjacent plain arrays are one.
        let mut merged: Vec<AzExpr> = Vec::new();
        for p in parts {
            match (merged.last_mut(), p) {
                (Some(AzExpr::Array(a)), AzExpr::Array(b)) => a.extend(b),
                (_, p) => merged.push(p),
            }
        }
        note_vnet_deny(cx, i, restricted, terraform);
        return AzExpr::call("concat", merged);
    }
    out.extend(allow_in);
    out.push(deny("deny-vnet-inbound", true));
    if restricted {
        out.extend(allow_out);
        out.push(deny("deny-all-outbound", false));
    }
    note_vnet_deny(cx, i, restricted, terraform);
    AzExpr::Array(out)
}

/// The decision every NSG carries: the group's implicit deny kept, egress as the group had it.
fn note_vnet_deny(cx: &mut Ctx, i: usize, restricted: bool, terraform: bool) {
    let r = &cx.t.resources[i];
    let egress_text = if restricted && terraform {
        " Terraform removed the group's default allow-all egress, so outbound traffic is only what its egress rules allow: outbound rules end with `deny-all-outbound` at 4096."
    } else if restricted {
        " The group's egress rules replace its allow-all egress, so outbound rules end with `deny-all-outbound` at 4096."
    } else {
        " Outbound traffic stays open (the NSG default rules), like the group's allow-all egress."
    };
    cx.decide(
        "nsg-vnet-deny",
        Some((&r.id, r.span)),
        &format!("{}: NSG keeps the security group's implicit deny", r.id),
        "A security group admits only the traffic its rules list, including traffic from inside the VPC. Every NSG has a default rule `AllowVnetInBound` (65000) that admits all traffic from the virtual network.",
        &format!("Allow rules from priority 100 in steps of 10, then `deny-vnet-inbound` at 4096 (the last custom priority) so VNet traffic is denied unless a rule admits it.{egress_text}"),
        "VNet-internal traffic is not widened; where another decision says a rule was approximated (ICMP types), that rule admits more. `AllowAzureLoadBalancerInBound` (65001) still admits Azure Load Balancer health probes.",
    );
}

/// A VM NIC's IP configuration: its subnet, and the ASGs of its security groups.
/// The application security groups of the groups `sgs` that other rules name as a
/// peer, as `{id}` references for an IP configuration.
pub(super) fn application_security_groups(cx: &mut Ctx, sgs: &[Expr]) -> Vec<AzExpr> {
    let mut asgs = Vec::new();
    for sg in sgs {
        if let Some(j) = cx.referenced_resource(sg)
            && used_as_peer(cx, j)
        {
            let a = asg_for(cx, j);
            asgs.push(AzExpr::obj(vec![("id", AzExpr::path(&a, "id"))]));
        }
    }
    asgs
}

pub fn nic_ip_configs(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    let t = cx.t;
    let r = &t.resources[i];
    consumed.insert("SubnetId".into());
    consumed.insert("NetworkInterfaces".into());
    let first_nic = r
        .properties
        .get("NetworkInterfaces")
        .and_then(|n| n.as_list())
        .and_then(|l| l.first().cloned());
    let subnet = r
        .properties
        .get("SubnetId")
        .cloned()
        .or_else(|| first_nic.as_ref().and_then(|n| n.get("SubnetId").cloned()));
    let subnet_id = match &subnet {
        Some(s) => match cx.referenced_resource(s) {
            Some(j)
                if cx.prepared[j]
                    .entry
                    .as_ref()
                    .is_some_and(|e| !e.resources.is_empty()) =>
            {
                cx.reference_expr(j, "{sym}.id")
            }
            _ => cx.tr(s),
        },
        None => {
            let p = cx.param_for("subnet-id", "string", |p| {
                p.description = Some("Resource id of the subnet for VMs whose instance named no subnet (EC2 used the default VPC).".into());
                p.required_reason = Some("EC2 instances without a subnet used the default VPC".into());
            });
            cx.decide(
                "default-vpc",
                Some((&r.id, r.span)),
                &format!("{} ran in the default VPC", r.id),
                "The instance names no subnet, so EC2 placed it in the account's default VPC.",
                &format!("The NIC takes its subnet from the parameter `{p}`."),
                "Create or choose a VNet and subnet first.",
            );
            AzExpr::ident(p)
        }
    };
    let mut sgs: Vec<Expr> = rule_list(r.properties.get("SecurityGroupIds"));
    sgs.extend(rule_list(r.properties.get("SecurityGroups")));
    if let Some(n) = &first_nic {
        sgs.extend(rule_list(n.get("GroupSet")));
    }
    let asgs = application_security_groups(cx, &sgs);
    let public = first_nic
        .as_ref()
        .and_then(|n| n.get("AssociatePublicIpAddress"))
        .and_then(|a| a.literal_bool())
        .or_else(|| {
            let j = cx.referenced_resource(subnet.as_ref()?)?;
            cx.t.resources[j]
                .properties
                .get("MapPublicIpOnLaunch")?
                .literal_bool()
        })
        .unwrap_or(false);
    // An instance whose public address the template reads (an output of its DNS name)
    // had one; unless its interface says otherwise, the VM gets a public IP too.
    let read = || {
        let explicit = first_nic
            .as_ref()
            .and_then(|n| n.get("AssociatePublicIpAddress"))
            .and_then(|a| a.literal_bool());
        explicit.is_none() && reads_public_address(cx.t, &r.id)
    };
    let public_ip = (public || read()).then(|| public_ip_for(cx, i));
    let mut props = vec![
        ("privateIPAllocationMethod", AzExpr::str("Dynamic")),
        ("subnet", AzExpr::obj(vec![("id", subnet_id)])),
    ];
    if !asgs.is_empty() {
        props.push(("applicationSecurityGroups", AzExpr::Array(asgs)));
    }
    if let Some(pip) = public_ip {
        props.push((
            "publicIPAddress",
            AzExpr::obj(vec![("id", AzExpr::path(&pip, "id"))]),
        ));
    }
    AzExpr::Array(vec![AzExpr::obj(vec![
        ("name", AzExpr::str("ipconfig1")),
        ("properties", AzExpr::obj(props)),
    ])])
}

/// `from` → `to` wherever the symbol is read.
fn rename_symbol(e: &mut AzExpr, from: &str, to: &str) {
    if let AzExpr::Ident(s) = e
        && s == from
    {
        *s = to.to_string();
        return;
    }
    e.for_each_child_mut(&mut |c| rename_symbol(c, from, to));
}

/// Does the template read instance `id`'s public address (`PublicIp`, `PublicDnsName`)?
fn reads_public_address(t: &crate::model::template::Template, id: &str) -> bool {
    let mut found = false;
    let mut look = |e: &Expr| {
        e.walk(&mut |x| {
            if let ExprKind::GetAtt {
                resource,
                attribute,
            } = &x.kind
                && t.resolve(resource) == id
                && (attribute == "PublicIp" || attribute == "PublicDnsName")
            {
                found = true;
            }
        })
    };
    t.resources.iter().for_each(|r| look(&r.properties));
    t.outputs.iter().for_each(|o| look(&o.value));
    t.locals.iter().for_each(|l| look(&l.value));
    found
}

/// Standalone rules whose group is not in the template cannot be folded.
fn orphan_rules(cx: &mut Ctx) {
    for (i, r) in cx.t.resources.iter().enumerate() {
        if !cx.plays(i, "security-groups", "ingress") && !cx.plays(i, "security-groups", "egress") {
            continue;
        }
        let group = r
            .properties
            .get("GroupId")
            .and_then(|g| cx.referenced_resource(g))
            .filter(|j| cx.plays(*j, "security-groups", "group"));
        if let Some(j) = group {
            let sym = cx.prepared[j].sym.clone();
            if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
                rep.azure
                    .push((crate::azure::types::NETWORK_SECURITY_GROUP.ty.into(), sym));
            }
            continue;
        }
        // A repeated rule naming its group through an expression that may pick one of
        // the template's groups (`local.this_sg_id`): its rules are in those groups' NSGs.
        let picks = super::nsg_loops::picked_groups(cx, i);
        if !picks.is_empty() {
            let mut names = Vec::new();
            for j in picks {
                let sym = cx.prepared[j].sym.clone();
                names.push(format!("`{}`", cx.t.report_name(&cx.t.resources[j].id)));
                if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
                    rep.azure
                        .push((crate::azure::types::NETWORK_SECURITY_GROUP.ty.into(), sym));
                }
            }
            let name = cx.t.report_name(&r.id);
            cx.decide_later(
                i,
                "nsg-rule-chosen-group",
                &format!("{name}: rules for the group an expression picks"),
                &format!("`{name}` names its security group through an expression that picks one of this module's groups ({}) or a group created elsewhere.", names.join(", ")),
                "The rules are generated in the NSG of each of this module's groups it may pick (only one of them exists at a time).",
                "When the expression picks a group created elsewhere (an existing group's id), no rule is generated for it: add the rules to the NSG that replaces that group.",
                Some("partial"),
            );
            continue;
        }
        cx.decide_later(
            i,
            "nsg-rule-external-group",
            &format!("{}: rule for a security group outside the template", r.id),
            "The rule adds to a security group this template does not declare (its id is a parameter or a literal).",
            "No rule is generated: add it to the NSG that replaces that group, after its allow rules and before the deny at 4096.",
            "Until then the traffic this rule admitted is denied.",
            Some("partial"),
        );
    }
}

/// An NSG is only attached to VM network interfaces; groups that protected
/// other services (databases, functions, load balancers) need a subnet association.
fn unattached_groups(cx: &mut Ctx, attached: &[usize]) {
    let candidates: Vec<usize> = (0..cx.t.resources.len())
        .filter(|j| {
            cx.plays(*j, "security-groups", "group")
                && cx.prepared[*j].entry.is_some()
                && !attached.contains(j)
                && !cx.attached_groups.contains(j)
        })
        .collect();
    let on_subnets = super::nsg_members::attach(cx, &candidates);
    let attached: Vec<usize> = attached.iter().chain(&on_subnets.groups).copied().collect();
    for (j, g) in cx.t.resources.iter().enumerate() {
        if !cx.plays(j, "security-groups", "group")
            || cx.prepared[j].entry.is_none()
            || attached.contains(&j)
            || cx.attached_groups.contains(&j)
        {
            continue;
        }
        let mut on_vm = false;
        let mut others = Vec::new();
        let mut readers = Vec::new();
        for r in &cx.t.resources {
            let mut uses = false;
            r.properties.walk(&mut |e| {
                if refers(e, &g.id) {
                    uses = true;
                }
            });
            let plays = |role: &str| cx.tables.plays(&r.ty, "security-groups", role);
            // A scaling group holds its groups through its launch settings.
            if plays("vm") && !uses && super::nsg_members::is_member(cx, r, j) {
                on_vm = true;
            }
            if !uses || r.id == g.id {
                continue;
            }
            if plays("vm") {
                on_vm = true;
            } else if plays("group") || plays("ingress") || plays("egress") {
            } else if super::nsg_members::is_member(cx, r, j) {
                others.push(super::nsg_members::named(cx, r));
            } else {
                readers.push(super::nsg_members::named(cx, r));
            }
        }
        if on_vm {
            continue;
        }
        let mut used_by = if others.is_empty() {
            "nothing in this template".to_string()
        } else {
            others.join(", ")
        };
        if !readers.is_empty() {
            used_by.push_str(&format!(
                "; {} read its id as a value (an environment variable, a policy, a stack parameter), which does not make {}",
                readers.join(", "),
                if readers.len() == 1 { "it a member" } else { "them members" }
            ));
        }
        if let Some(balancers) = super::classic_elb::group_balancers(cx, j) {
            let names: Vec<String> = balancers
                .iter()
                .map(|b| cx.t.report_name(&cx.t.resources[*b].id))
                .collect();
            cx.decide_later(
                j,
                "elb-group-unattached",
                &format!("{}: the NSG guards nothing on its own", g.id),
                &format!("The security group protected the classic load balancer {}, which becomes a Standard Load Balancer: it has no security group and passes the clients' addresses through to the backends.", names.join(", ")),
                "The NSG is created with the translated rules but associated with nothing; backend rules that admitted the group admit the clients its rules admitted instead (see the pass-through decisions).",
                "Delete the NSG once the backends' rules are reviewed, or associate it with the backends' subnet to filter clients there as well.",
                Some("partial"),
            );
            continue;
        }
        let elsewhere = super::nsg_members::outside_subnets(cx, j);
        let decision = if let Some(taken) = on_subnets.blocked.get(&j) {
            format!(
                "The NSG is created with the translated rules but associated with nothing: its members' subnets carry another NSG already, and a subnet takes one: {}.",
                taken.join(", ")
            )
        } else if elsewhere.is_empty() {
            "The NSG is created with the translated rules but associated with nothing.".to_string()
        } else {
            format!(
                "The NSG is created with the translated rules but associated with nothing: the subnets of {} are not created by this template (subnet parameters, or the default VPC).",
                elsewhere.join(", ")
            )
        };
        cx.decide_later(
            j,
            "nsg-unattached",
            &format!("{}: the NSG is not attached yet", g.id),
            &format!("The security group protected {used_by}. Azure attaches an NSG to a subnet or to a VM's network interface; managed services (databases, function apps) are reached through a delegated subnet or a private endpoint."),
            &decision,
            if on_subnets.blocked.contains_key(&j) {
                "Merge its rules into the NSG of those subnets (narrowing their destination to the members' addresses), or move the members to a subnet of their own; until then its rules have no effect."
            } else {
                "Associate it with the subnet that hosts the service (its delegated subnet or private endpoint subnet); until then its rules have no effect."
            },
            Some("partial"),
        );
    }
}

/// Route-table associations and NAT routes become subnet properties.
pub fn finish(cx: &mut Ctx) {
    orphan_rules(cx);
    associate_elastic_ips(cx);
    let on_databases = super::database::wire(cx);
    unattached_groups(cx, &on_databases);
    let t = cx.t;
    let symbol_of = |cx: &Ctx, e: Option<&Expr>| -> Option<(usize, String)> {
        let j = cx.referenced_resource(e?)?;
        let entry = cx.prepared[j].entry.as_ref()?;
        let spec = entry.resources.first()?;
        Some((j, cx.resolve_symbol(j, &spec.symbol)))
    };
    for r in &t.resources {
        if !cx.tables.plays(&r.ty, "routes", "association") {
            continue;
        }
        let (Some((_, subnet)), Some((rt_idx, rt))) = (
            symbol_of(cx, r.properties.get("SubnetId")),
            symbol_of(cx, r.properties.get("RouteTableId")),
        ) else {
            continue;
        };
        // A conditional association, table, route or NAT gateway makes the property conditional.
        let mut conds: Vec<&str> = Vec::new();
        conds.extend(r.condition.as_ref().map(|(c, _)| c.as_str()));
        conds.extend(
            t.resources[rt_idx]
                .condition
                .as_ref()
                .map(|(c, _)| c.as_str()),
        );
        let value = cx.guarded(&conds, AzExpr::obj(vec![("id", AzExpr::path(&rt, "id"))]));
        cx.set_path(&subnet, &["properties", "routeTable"], value);
        let rt_id = &t.resources[rt_idx].id;
        for route in &t.resources {
            if !cx.tables.plays(&route.ty, "routes", "route")
                || !route
                    .properties
                    .get("RouteTableId")
                    .is_some_and(|x| refers(x, rt_id))
            {
                continue;
            }
            if let Some((nat_idx, nat)) = symbol_of(cx, route.properties.get("NatGatewayId")) {
                let mut c = conds.clone();
                c.extend(route.condition.as_ref().map(|(x, _)| x.as_str()));
                c.extend(
                    t.resources[nat_idx]
                        .condition
                        .as_ref()
                        .map(|(x, _)| x.as_str()),
                );
                let value = cx.guarded(&c, AzExpr::obj(vec![("id", AzExpr::path(&nat, "id"))]));
                cx.set_path(&subnet, &["properties", "natGateway"], value);
            }
        }
    }
}

/// Explicit `dependsOn` entries that a reference already implies, or that
/// point at a resource which now references this one (subnets folded into a
/// network that a route table depended on), are dropped.
pub fn prune_depends_on(cx: &mut Ctx) {
    let idents: Vec<(String, Vec<String>)> = cx
        .module
        .resources
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            r.name.idents(&mut v);
            for (_, b) in &r.body {
                b.idents(&mut v);
            }
            (r.symbol.clone(), v)
        })
        .collect();
    // An `existing` child (a folded subnet) stands for its parent in dependsOn.
    let existing: Vec<(String, Option<String>)> = cx
        .module
        .resources
        .iter()
        .filter(|r| r.existing)
        .map(|r| (r.symbol.clone(), r.parent.clone()))
        .collect();
    for r in cx.module.resources.iter_mut() {
        for d in r.depends_on.iter_mut() {
            if let Some((_, Some(p))) = existing.iter().find(|(s, _)| s == d) {
                *d = p.clone();
            }
        }
        let mut seen = Vec::new();
        r.depends_on.retain(|d| {
            let fresh = !seen.contains(d) && *d != r.symbol;
            seen.push(d.clone());
            fresh
        });
        let mine = idents
            .iter()
            .find(|(s, _)| *s == r.symbol)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        r.depends_on.retain(|d| {
            let theirs = idents
                .iter()
                .find(|(s, _)| s == d)
                .map(|(_, v)| v.as_slice())
                .unwrap_or(&[]);
            !mine.contains(d) && !theirs.contains(&r.symbol)
        });
    }
}

/// Child resources that ARM also lists in their parent (subnets of a virtual
/// network, routes of a route table) move into the parent's array: redeploying
/// a parent that omits them would delete them. An `existing` declaration keeps
/// the child's symbol usable for references.
pub fn inline_children(cx: &mut Ctx) {
    const INLINE: &[(&str, &str)] = &[
        (crate::azure::types::SUBNET.ty, "subnets"),
        (crate::azure::types::ROUTE.ty, "routes"),
    ];
    let mut moves = Vec::new();
    for (i, r) in cx.module.resources.iter().enumerate() {
        let Some((_, array)) = INLINE.iter().find(|(t, _)| *t == r.ty) else {
            continue;
        };
        let Some(parent) = &r.parent else { continue };
        let Some(p) = cx
            .module
            .resources
            .iter()
            .position(|x| &x.symbol == parent && !x.existing)
        else {
            continue;
        };
        if r.condition.is_some()
            || r.for_each.is_some()
            || cx.module.resources[p].for_each.is_some()
            || cx.module.resources[p].condition.is_some()
        {
            continue;
        }
        moves.push((i, p, *array));
    }
    for (i, p, array) in moves {
        let child = cx.module.resources[i].clone();
        let props = child
            .body
            .iter()
            .find(|(k, _)| k == "properties")
            .map(|(_, v)| v.clone())
            .unwrap_or(AzExpr::Object(Vec::new()));
        let mut comment_item = vec![("name", child.name.clone())];
        comment_item.push(("properties", props));
        let parent_sym = cx.module.resources[p].symbol.clone();
        let parent_body = AzExpr::Object(
            cx.module.resources[p]
                .body
                .iter()
                .map(|(k, v)| (crate::azure::AzKey::Name(k.clone()), v.clone()))
                .collect(),
        );
        let item = crate::azure::resolve_self(AzExpr::obj(comment_item), &parent_sym, &parent_body);
        let parent = &mut cx.module.resources[p];
        match parent.body.iter_mut().find(|(k, _)| k == "properties") {
            Some((_, pp)) => {
                let mut list = match pp.get(array) {
                    Some(AzExpr::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                list.push(item);
                pp.set(array, AzExpr::Array(list));
            }
            None => parent.body.push((
                "properties".into(),
                AzExpr::obj(vec![(array, AzExpr::Array(vec![item]))]),
            )),
        }
        let c = &mut cx.module.resources[i];
        c.existing = true;
        c.body.clear();
        c.depends_on.clear();
        c.comments = vec![format!(
            "Declared inside {} (an array of its parent, so redeploying never drops it); referenced from here.",
            child.parent.clone().unwrap_or_default()
        )];
    }
}

/// A Standard public IP for an instance that EC2 gave a public address.
fn public_ip_for(cx: &mut Ctx, i: usize) -> String {
    let comment = format!(
        "Public address of {} (EC2 gave it one: its subnet or interface asked for it, or the template reads it).",
        cx.t.resources[i].id
    );
    let sym = public_ip(cx, i, comment);
    let t = cx.t;
    let r = &t.resources[i];
    cx.decide(
        "instance-public-ip",
        Some((&r.id, r.span)),
        &format!("{}: public address becomes a Standard public IP", r.id),
        "EC2 gave the instance a public IPv4 address (MapPublicIpOnLaunch or AssociatePublicIpAddress, or the template reads its PublicIp or PublicDnsName); Azure VMs get one only through a public IP resource on the NIC.",
        "A Standard, static public IP on the NIC's IP configuration; it also gives the VM outbound Internet access.",
        "The address changes; update DNS records. Standard public IPs are closed to inbound traffic unless the NSG allows it.",
    );
    sym
}

/// A static Standard public IP `{sym}PublicIp` for resource `i`, with a DNS label.
pub(super) fn public_ip(cx: &mut Ctx, i: usize, comment: String) -> String {
    let t = cx.t;
    let r = &t.resources[i];
    let sym = cx.resolve_symbol(i, "{sym}PublicIp");
    cx.needs_suffix = true;
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: crate::azure::types::PUBLIC_IP.ty.into(),
        api: crate::azure::types::PUBLIC_IP.api.into(),
        name: AzExpr::Str(format!("pip-{}", crate::names::kebab(&r.id))),
        location: Some(AzExpr::ident("location")),
        body: vec![
            (
                "sku".into(),
                AzExpr::obj(vec![("name", AzExpr::str("Standard"))]),
            ),
            (
                "properties".into(),
                AzExpr::obj(vec![
                    ("publicIPAllocationMethod", AzExpr::str("Static")),
                    ("publicIPAddressVersion", AzExpr::str("IPv4")),
                    (
                        "dnsSettings",
                        AzExpr::obj(vec![(
                            "domainNameLabel",
                            AzExpr::Interp(vec![
                                crate::azure::Interp::Lit(format!(
                                    "{}-",
                                    crate::names::kebab(&r.id)
                                )),
                                crate::azure::Interp::Expr(AzExpr::ident("nameSuffix")),
                            ]),
                        )]),
                    ),
                ]),
            ),
        ],
        comments: vec![comment],
        source: r.id.clone(),
        ..Default::default()
    });
    cx.extra_azure
        .push((crate::azure::types::PUBLIC_IP.ty.into(), sym.clone()));
    sym
}

/// An Elastic IP given to an instance (`InstanceId`) becomes the public IP of
/// the VM's network interface, replacing the one its subnet would have given.
fn associate_elastic_ips(cx: &mut Ctx) {
    let t = cx.t;
    // (Elastic IP, instance, the resource that associated them): an EIP's own
    // `InstanceId`, or an EIPAssociation naming both.
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (e, r) in t.resources.iter().enumerate() {
        if cx.prepared[e].entry.is_none() {
            continue;
        }
        let instance = |cx: &Ctx, x: Option<&Expr>| {
            x.and_then(|x| cx.referenced_resource(x))
                .filter(|&i| cx.plays(i, "elastic-ips", "instance"))
        };
        if cx.plays(e, "elastic-ips", "eip") {
            if let Some(i) = instance(cx, r.properties.get("InstanceId")) {
                pairs.push((e, i, e));
            }
        } else if cx.plays(e, "elastic-ips", "association") {
            let eip = ["AllocationId", "EIP"]
                .iter()
                .filter_map(|k| r.properties.get(k))
                .filter_map(|x| cx.referenced_resource(x))
                .find(|&j| cx.plays(j, "elastic-ips", "eip") && cx.prepared[j].entry.is_some());
            match (eip, instance(cx, r.properties.get("InstanceId"))) {
                (Some(j), Some(i)) => pairs.push((j, i, e)),
                _ => {
                    cx.decide_later(
                        e,
                        "elastic-ip-association-elsewhere",
                        &format!("{}: the Elastic IP or its instance is not in this template", r.id),
                        "The association gave an Elastic IP to an instance or network interface; the address, the instance, or both are declared elsewhere (or the target is a network interface).",
                        "Nothing is generated.",
                        "Set the public IP on the IP configuration (`publicIPAddress`) of the VM's network interface, where the interface is declared.",
                        Some("manual"),
                    );
                }
            }
        }
    }
    for (e, i, by) in pairs {
        let r = &t.resources[e];
        let eip = cx.prepared[e].sym.clone();
        let nic = cx.resolve_symbol(i, "{sym}Nic");
        let own_pip = cx.resolve_symbol(i, "{sym}PublicIp");
        let Some(res) = cx.module.resources.iter_mut().find(|x| x.symbol == nic) else {
            continue;
        };
        let Some((_, props)) = res.body.iter_mut().find(|(k, _)| k == "properties") else {
            continue;
        };
        let Some(AzExpr::Array(mut configs)) = props.get("ipConfigurations").cloned() else {
            continue;
        };
        let Some(first) = configs.first_mut() else {
            continue;
        };
        let mut p = first
            .get("properties")
            .cloned()
            .unwrap_or(AzExpr::Object(Vec::new()));
        p.set(
            "publicIPAddress",
            AzExpr::obj(vec![("id", AzExpr::path(&eip, "id"))]),
        );
        first.set("properties", p);
        props.set("ipConfigurations", AzExpr::Array(configs));
        // The VM's own public IP (from its subnet) is no longer needed: what read it
        // (the instance's PublicIp) reads the Elastic IP.
        cx.module.resources.retain(|x| x.symbol != own_pip);
        cx.module
            .for_each_expr_mut(&mut |e| rename_symbol(e, &own_pip, &eip));
        cx.prepared[i]
            .symbols
            .insert("{sym}PublicIp".into(), eip.clone());
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == t.resources[i].id) {
            rep.azure.retain(|(_, s)| *s != own_pip);
        }
        cx.decide_later(
            by,
            "elastic-ip-association",
            &format!("{}: Elastic IP attached to {}", r.id, t.resources[i].id),
            "The Elastic IP is associated with an instance; in Azure a public IP is attached to the VM's network interface.",
            &format!("The public IP is set on the IP configuration of `{nic}`."),
            "The address changes when the Standard public IP is created; update DNS records.",
            None,
        );
    }
}
