//! The access check: what every generated NSG allows — its rules in priority order,
//! then Azure's default rules — compared with what the AWS security group it
//! replaces allowed. A flow (direction, peer, protocol, port) that Azure admits and
//! AWS denied fails the conversion. The check reads the AWS model and the finished
//! Azure model only, not the NSG translation, so a mistake there (or in a
//! `--mappings` table) cannot hide from it.
//!
//! Addresses are tested at representative points: for every CIDR block either side
//! names, its first address, the address before it and the one after its last,
//! each inside and outside the virtual network; a public and a private address; a
//! member of every security group named as a peer; a value only known at
//! deployment (a parameter). Ports are tested at every range's ends and just
//! outside them. Between those points neither side's answer can change.

use std::collections::{BTreeMap, BTreeSet};

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey};
use crate::diag::{Diagnostic, codes};
use crate::model::expr::{Expr, ExprKind};

const NSG: &str = crate::azure::types::NETWORK_SECURITY_GROUP.ty;
const ASG: &str = crate::azure::types::APPLICATION_SECURITY_GROUP.ty;

/// `a.b.c.d/n` → (network address, prefix length).
pub fn parse_v4(text: &str) -> Option<(u32, u8)> {
    let (addr, len) = text.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    if len.to_string() != text.split_once('/')?.1 {
        return None;
    }
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(ip) & mask, len))
}

/// `addr/n` with an IPv6 address and a length up to 128.
pub fn valid_v6(text: &str) -> bool {
    text.split_once('/').is_some_and(|(a, l)| {
        a.parse::<std::net::Ipv6Addr>().is_ok()
            && l.parse::<u8>()
                .is_ok_and(|n| n <= 128 && n.to_string() == l)
    })
}

/// The template gives its network IPv6 addresses (or a rule names IPv6 peers).
/// Without them a virtual network carries no IPv6 traffic, so IPv6 flows are moot.
pub fn uses_ipv6(t: &crate::model::Template) -> bool {
    let mut found = false;
    for r in &t.resources {
        if r.ty.contains("Ipv6") {
            return true;
        }
        r.properties.walk(&mut |e| {
            if let ExprKind::Object(m) = &e.kind
                && m.iter().any(|(k, _, _)| k.contains("Ipv6"))
            {
                found = true;
            }
        });
        if found {
            return true;
        }
    }
    false
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Proto {
    Tcp,
    Udp,
    Icmp,
    Other,
}

const PROTOS: [Proto; 4] = [Proto::Tcp, Proto::Udp, Proto::Icmp, Proto::Other];

/// A place traffic comes from (inbound) or goes to (outbound).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Point {
    V4 {
        ip: u32,
        vnet: bool,
    },
    V6 {
        text: String,
        vnet: bool,
    },
    /// A network interface in security group `id`.
    Member(String),
    /// An address known only at deployment (a parameter, a variable).
    Deployed {
        vnet: bool,
    },
}

/// What a rule's peer matches.
#[derive(Clone, Debug, PartialEq)]
enum Peer {
    Any,
    V4(u32, u8),
    V6(String),
    Group(String),
    Internet,
    VirtualNetwork,
    AzureLoadBalancer,
    Deployed,
    /// Something the check cannot place (a prefix list, a group outside the template):
    /// matches no point.
    Nothing,
}

impl Peer {
    fn matches(&self, p: &Point) -> bool {
        match (self, p) {
            (Peer::Any, _) => true,
            (Peer::V4(net, len), Point::V4 { ip, .. }) => {
                let mask = if *len == 0 { 0 } else { u32::MAX << (32 - len) };
                ip & mask == *net
            }
            // Every member and deployed address has some IPv4 address.
            (Peer::V4(_, 0), Point::Member(_) | Point::Deployed { .. }) => true,
            (Peer::V6(c), Point::V6 { text, .. }) => c == "::/0" || c == text,
            (Peer::Group(g), Point::Member(m)) => g == m,
            (Peer::Internet, p) => match p {
                Point::V4 { vnet, .. } | Point::V6 { vnet, .. } | Point::Deployed { vnet } => !vnet,
                Point::Member(_) => false,
            },
            (Peer::VirtualNetwork, p) => match p {
                Point::V4 { vnet, .. } | Point::V6 { vnet, .. } | Point::Deployed { vnet } => *vnet,
                Point::Member(_) => true,
            },
            (Peer::Deployed, Point::Deployed { .. }) => true,
            _ => false,
        }
    }
}

/// Ports (or ICMP types); `None` is a value known only at deployment.
#[derive(Clone, Debug, PartialEq)]
enum Ports {
    All,
    Range(i64, i64),
    Deployed,
}

impl Ports {
    fn matches(&self, p: Option<i64>) -> bool {
        match (self, p) {
            (Ports::All, _) => true,
            (Ports::Range(a, b), Some(x)) => *a <= x && x <= *b,
            // Every port, whatever is chosen at deployment.
            (Ports::Range(a, b), None) => *a <= 0 && *b >= 65535,
            (Ports::Deployed, None) => true,
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    protos: Vec<Proto>,
    ports: Ports,
    peer: Peer,
    allow: bool,
    /// For Azure rules: the other end matches the protected interface.
    local_ok: bool,
    name: String,
}

impl Rule {
    fn matches(&self, proto: Proto, port: Option<i64>, p: &Point) -> bool {
        self.local_ok
            && self.protos.contains(&proto)
            && (proto == Proto::Other || self.ports.matches(port))
            && self.peer.matches(p)
    }
}

fn aws_protos(e: Option<&Expr>) -> Option<Vec<Proto>> {
    let t = match e {
        None => "-1".to_string(),
        Some(x) => x.literal_text()?.to_ascii_lowercase(),
    };
    Some(match t.as_str() {
        "-1" | "all" => PROTOS.to_vec(),
        "tcp" | "6" => vec![Proto::Tcp],
        "udp" | "17" => vec![Proto::Udp],
        "icmp" | "1" | "icmpv6" | "58" => vec![Proto::Icmp],
        _ => vec![Proto::Other],
    })
}

/// The rules of security group `i` in one direction, as AWS evaluates them.
fn aws_rules(cx: &Ctx, i: usize, inbound: bool) -> Vec<Rule> {
    let t = cx.t;
    let g = &t.resources[i];
    let (inline, standalone) = if inbound {
        ("SecurityGroupIngress", "ingress")
    } else {
        ("SecurityGroupEgress", "egress")
    };
    let list = |e: Option<&Expr>| match e.map(|x| &x.kind) {
        Some(ExprKind::List(l)) => l.clone(),
        _ => Vec::new(),
    };
    let own = list(g.properties.get(inline));
    let mut exprs = own.clone();
    exprs.extend(
        t.resources
            .iter()
            .filter(|r| {
                cx.tables.plays(&r.ty, "security-groups", standalone)
                    && r.properties
                        .get("GroupId")
                        .is_some_and(|x| super::network::refers(x, &g.id))
            })
            .flat_map(|r| super::network::per_address(&r.properties)),
    );
    let mut rules = Vec::new();
    // A CloudFormation group keeps its allow-all egress unless it lists its own;
    // Terraform removes it from every group it creates.
    if !inbound && own.is_empty() && t.tf.is_none() {
        rules.push(Rule {
            protos: PROTOS.to_vec(),
            ports: Ports::All,
            peer: Peer::Any,
            allow: true,
            local_ok: true,
            name: "default egress".into(),
        });
    }
    for e in exprs {
        let Some(protos) = aws_protos(e.get("IpProtocol")) else {
            // A protocol only known at deployment: it could be any.
            rules.extend(aws_rule(cx, &e, PROTOS.to_vec(), inbound).unwrap_or_default());
            continue;
        };
        rules.extend(aws_rule(cx, &e, protos, inbound).unwrap_or_default());
    }
    rules
}

fn aws_rule(cx: &Ctx, e: &Expr, protos: Vec<Proto>, inbound: bool) -> Option<Vec<Rule>> {
    let all = protos.len() == PROTOS.len();
    let lit = |k: &str| e.get(k).map(|x| x.literal_i64());
    let ports = match (lit("FromPort"), lit("ToPort")) {
        _ if all => Ports::All,
        (Some(Some(-1)), _) | (None, None) => Ports::All,
        _ if protos == [Proto::Icmp] => match lit("FromPort") {
            Some(Some(t)) => Ports::Range(t, t),
            _ => Ports::Deployed,
        },
        (Some(Some(a)), Some(Some(b))) => Ports::Range(a, b),
        (Some(Some(a)), None) => Ports::Range(a, a),
        _ => Ports::Deployed,
    };
    let sg_key = if inbound {
        "SourceSecurityGroupId"
    } else {
        "DestinationSecurityGroupId"
    };
    let peer = if let Some(c) = e.get("CidrIp") {
        match c.as_str() {
            Some(s) => parse_v4(s).map_or(Peer::Nothing, |(n, l)| Peer::V4(n, l)),
            None => Peer::Deployed,
        }
    } else if let Some(c) = e.get("CidrIpv6") {
        match c.as_str() {
            Some(s) => Peer::V6(s.to_string()),
            None => Peer::Deployed,
        }
    } else if let Some(sg) = e.get(sg_key).or(if inbound {
        e.get("SourceSecurityGroupName")
    } else {
        None
    }) {
        // A peer that stands for classic load balancers: the clients they admitted,
        // which reach the backends themselves behind a Standard Load Balancer.
        if let Some((_, admitted)) = super::classic_elb::passed_through(cx, sg) {
            let peers = match admitted {
                super::classic_elb::Admitted::Anyone => vec![Peer::Any],
                super::classic_elb::Admitted::Rules(rules) => rules
                    .iter()
                    // A balancer group's own rule naming balancers again admits nothing more.
                    .filter(|r| {
                        r.get(sg_key)
                            .or(r.get("SourceSecurityGroupName"))
                            .is_none_or(|g| super::classic_elb::passed_through(cx, g).is_none())
                    })
                    .filter_map(|r| aws_rule(cx, r, protos.clone(), inbound))
                    .flat_map(|r| r.into_iter().map(|x| x.peer))
                    .collect(),
            };
            return Some(
                peers
                    .into_iter()
                    .map(|peer| Rule {
                        protos: protos.clone(),
                        ports: ports.clone(),
                        peer,
                        allow: true,
                        local_ok: true,
                        name: String::new(),
                    })
                    .collect(),
            );
        }
        match cx.referenced_resource(sg) {
            Some(j) if cx.plays(j, "security-groups", "group") => {
                Peer::Group(cx.t.resources[j].id.clone())
            }
            _ => Peer::Nothing,
        }
    } else {
        Peer::Nothing
    };
    Some(vec![Rule {
        protos,
        ports,
        peer,
        allow: true,
        local_ok: true,
        name: String::new(),
    }])
}

fn az_str(e: Option<&AzExpr>) -> Option<&str> {
    e.and_then(|x| x.as_str())
}

fn az_peer(e: Option<&AzExpr>) -> Vec<Peer> {
    let one = |e: &AzExpr| match e.as_str() {
        Some("*" | "Any" | "any") => Peer::Any,
        Some("0.0.0.0/0") => Peer::V4(0, 0),
        Some("Internet") => Peer::Internet,
        Some("VirtualNetwork") => Peer::VirtualNetwork,
        Some("AzureLoadBalancer") => Peer::AzureLoadBalancer,
        // Azure's own management of an Application Gateway: no workload address.
        Some("GatewayManager") => Peer::Nothing,
        Some(s) if s.contains(':') => Peer::V6(s.to_string()),
        Some(s) => match parse_v4(s).or_else(|| parse_v4(&format!("{s}/32"))) {
            Some((n, l)) => Peer::V4(n, l),
            // A service tag the check does not model: anything at all.
            None => Peer::Any,
        },
        None => Peer::Deployed,
    };
    match e {
        None => Vec::new(),
        Some(AzExpr::Array(items)) => items.iter().map(one).collect(),
        Some(x) => vec![one(x)],
    }
}

/// `[{id: webAsg.id}]` → the security groups whose members the ASGs stand for.
fn asg_list(e: Option<&AzExpr>, asgs: &BTreeMap<String, String>) -> Vec<Peer> {
    let Some(AzExpr::Array(items)) = e else {
        return Vec::new();
    };
    items
        .iter()
        .map(|it| {
            let sym = match it.get("id") {
                Some(AzExpr::Member(b, m)) if m == "id" => match b.as_ref() {
                    AzExpr::Ident(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            };
            match sym.and_then(|s| asgs.get(&s)) {
                Some(g) => Peer::Group(g.clone()),
                // An ASG the check cannot trace: any member of anything.
                None => Peer::VirtualNetwork,
            }
        })
        .collect()
}

fn az_ports(e: Option<&AzExpr>) -> Vec<Ports> {
    let one = |e: &AzExpr| match e.as_str() {
        Some("*") => Ports::All,
        Some(s) => {
            let (a, b) = s.split_once('-').unwrap_or((s, s));
            match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) => Ports::Range(a, b),
                _ => Ports::All,
            }
        }
        None => Ports::Deployed,
    };
    match e {
        None => vec![Ports::All],
        Some(AzExpr::Array(items)) => items.iter().map(one).collect(),
        Some(x) => vec![one(x)],
    }
}

fn az_protos(e: Option<&AzExpr>) -> Vec<Proto> {
    match az_str(e).map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "tcp" => vec![Proto::Tcp],
        Some(s) if s == "udp" => vec![Proto::Udp],
        Some(s) if s == "icmp" => vec![Proto::Icmp],
        Some(s) if s == "esp" || s == "ah" => vec![Proto::Other],
        _ => PROTOS.to_vec(),
    }
}

/// The NSG's rules in one direction, in priority order, then Azure's defaults.
/// A rule a pass added for a platform's ports, read as the rule of the group it
/// stands for (its port range); any other rule unchanged.
fn untwin(twins: &[(String, String, String)], nsg: &str, r: AzExpr) -> AzExpr {
    let Some(AzExpr::Str(name)) = r.get("name") else {
        return r;
    };
    let Some((_, _, range)) = twins.iter().find(|(n, x, _)| n == nsg && x == name) else {
        return r;
    };
    let AzExpr::Object(top) = r.clone() else {
        return r;
    };
    let top = top
        .into_iter()
        .map(|(k, v)| match (&k, v) {
            (AzKey::Name(n), AzExpr::Object(props)) if n == "properties" => {
                let mut props: Vec<(AzKey, AzExpr)> = props
                    .into_iter()
                    .filter(|(k, _)| !matches!(k, AzKey::Name(n) if n == "destinationPortRanges"))
                    .collect();
                props.push((
                    AzKey::Name("destinationPortRange".into()),
                    AzExpr::Str(range.clone()),
                ));
                (k, AzExpr::Object(props))
            }
            (_, v) => (k, v),
        })
        .collect();
    AzExpr::Object(top)
}

fn azure_rules(
    rules: &[AzExpr],
    inbound: bool,
    asgs: &BTreeMap<String, String>,
    prefixes: &[(AzExpr, String)],
) -> Vec<Rule> {
    let mut custom: Vec<(i64, Rule)> = Vec::new();
    for r in rules {
        custom.extend(custom_rule(r, inbound, asgs, prefixes));
    }
    custom.extend(default_rules(inbound));
    // Stable: rules of one priority keep their order (Azure rejects duplicates).
    custom.sort_by_key(|(p, _)| *p);
    let out: Vec<Rule> = custom.into_iter().map(|(_, r)| r).collect();
    out
}

/// One NSG security rule in direction `inbound` → a rule per destination port range
/// and peer, with its priority; none for a rule of the other direction.
fn custom_rule(
    r: &AzExpr,
    inbound: bool,
    asgs: &BTreeMap<String, String>,
    prefixes: &[(AzExpr, String)],
) -> Vec<(i64, Rule)> {
    let dir = if inbound { "Inbound" } else { "Outbound" };
    let mut custom = Vec::new();
    let Some(p) = r.get("properties") else {
        return custom;
    };
    if az_str(p.get("direction")).is_some_and(|d| !d.eq_ignore_ascii_case(dir)) {
        return custom;
    }
    let allow = !az_str(p.get("access")).is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
    let [
        peer_key,
        peers_key,
        peer_asg,
        local_key,
        locals_key,
        local_asg,
    ] = rule_ends(inbound);
    // A prefix that stands for a group's members (a gateway's subnet) is that group.
    let group_of = |e: &AzExpr| {
        prefixes
            .iter()
            .find(|(x, _)| x == e)
            .map(|(_, g)| Peer::Group(g.clone()))
    };
    let mut peers = Vec::new();
    for key in [peer_key, peers_key] {
        match p.get(key) {
            Some(AzExpr::Array(items)) => {
                for it in items {
                    peers.extend(
                        group_of(it)
                            .map(|g| vec![g])
                            .unwrap_or_else(|| az_peer(Some(it))),
                    );
                }
            }
            Some(x) => peers.extend(
                group_of(x)
                    .map(|g| vec![g])
                    .unwrap_or_else(|| az_peer(Some(x))),
            ),
            None => {}
        }
    }
    peers.extend(asg_list(p.get(peer_asg), asgs));
    // The protected interface's end: an allow rule is assumed to match it
    // (over-approximating what Azure admits); a deny rule only when it names
    // every address, so nothing it might miss is counted as denied.
    let local_any = [local_key, locals_key]
        .iter()
        .any(|k| az_str(p.get(k)).is_some_and(|s| s == "*" || s == "VirtualNetwork"))
        || (p.get(local_key).is_none()
            && p.get(locals_key).is_none()
            && p.get(local_asg).is_none());
    let local_ok = allow || local_any;
    let source_ports_all = az_str(p.get("sourcePortRange")).is_none_or(|s| s == "*");
    let local_ok = local_ok && (allow || source_ports_all);
    let priority = match p.get("priority") {
        Some(AzExpr::Int(n)) => *n,
        _ => 100,
    };
    let name = az_str(r.get("name")).unwrap_or("rule").to_string();
    let protos = az_protos(p.get("protocol"));
    for port in az_ports(p.get("destinationPortRange")).into_iter().chain(
        az_ports(p.get("destinationPortRanges"))
            .into_iter()
            .skip(usize::from(p.get("destinationPortRanges").is_none())),
    ) {
        for peer in &peers {
            custom.push((
                priority,
                Rule {
                    protos: protos.clone(),
                    ports: port.clone(),
                    peer: peer.clone(),
                    allow,
                    local_ok,
                    name: name.clone(),
                },
            ));
        }
    }
    custom
}

/// The keys of a rule's peer end (prefix, prefixes, ASGs), then of its local end.
fn rule_ends(inbound: bool) -> [&'static str; 6] {
    let source = [
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        "sourceApplicationSecurityGroups",
    ];
    let destination = [
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        "destinationApplicationSecurityGroups",
    ];
    let (peer, local) = if inbound {
        (source, destination)
    } else {
        (destination, source)
    };
    [peer[0], peer[1], peer[2], local[0], local[1], local[2]]
}

/// Azure's default rules of an NSG in one direction, with their priorities.
fn default_rules(inbound: bool) -> Vec<(i64, Rule)> {
    let default = |peer: Peer, allow: bool, name: &str| Rule {
        protos: PROTOS.to_vec(),
        ports: Ports::All,
        peer,
        allow,
        local_ok: true,
        name: name.into(),
    };
    if inbound {
        vec![
            (
                65000,
                default(Peer::VirtualNetwork, true, "AllowVnetInBound"),
            ),
            (
                65001,
                default(
                    Peer::AzureLoadBalancer,
                    true,
                    "AllowAzureLoadBalancerInBound",
                ),
            ),
            (65500, default(Peer::Any, false, "DenyAllInBound")),
        ]
    } else {
        vec![
            (
                65000,
                default(Peer::VirtualNetwork, true, "AllowVnetOutBound"),
            ),
            (
                65001,
                default(Peer::Internet, true, "AllowInternetOutBound"),
            ),
            (65500, default(Peer::Any, false, "DenyAllOutBound")),
        ]
    }
}

/// The points at which the two rule sets are compared.
fn points(rules: &[&Rule], ipv6: bool) -> Vec<Point> {
    let mut set = BTreeSet::new();
    let mut ips = vec![
        u32::from(std::net::Ipv4Addr::new(198, 51, 100, 1)),
        u32::from(std::net::Ipv4Addr::new(10, 123, 45, 67)),
    ];
    let mut v4 = |ip: u32| ips.push(ip);
    let mut extra = Vec::new();
    for r in rules {
        match &r.peer {
            Peer::V4(net, len) => {
                let last = if *len == 0 {
                    u32::MAX
                } else {
                    net | u32::MAX.checked_shr(u32::from(*len)).unwrap_or(0)
                };
                v4(*net);
                v4(last);
                if *net > 0 {
                    v4(net - 1);
                }
                if last < u32::MAX {
                    v4(last + 1);
                }
            }
            Peer::V6(t) => extra.push(t.clone()),
            Peer::Group(g) => {
                set.insert(Point::Member(g.clone()));
            }
            _ => {}
        }
    }
    for ip in ips {
        set.insert(Point::V4 { ip, vnet: false });
        set.insert(Point::V4 { ip, vnet: true });
    }
    extra.push("2001:db8::1/128".into());
    if !ipv6 {
        extra.clear();
    }
    for t in extra {
        for vnet in [false, true] {
            set.insert(Point::V6 {
                text: t.clone(),
                vnet,
            });
        }
    }
    set.insert(Point::Deployed { vnet: false });
    set.insert(Point::Deployed { vnet: true });
    set.into_iter().collect()
}

/// Ports to test for the rules that apply to one peer and protocol.
fn ports(rules: &[&Rule], max: i64) -> Vec<Option<i64>> {
    let mut set = BTreeSet::from([Some(0), Some(max), None]);
    for r in rules {
        if let Ports::Range(a, b) = r.ports {
            for x in [a.saturating_sub(1), a, b, b.saturating_add(1)] {
                if (0..=max).contains(&x) {
                    set.insert(Some(x));
                }
            }
        }
    }
    set.into_iter().collect()
}

fn first_match<'r>(
    rules: &'r [&Rule],
    proto: Proto,
    port: Option<i64>,
    p: &Point,
) -> Option<&'r Rule> {
    rules.iter().copied().find(|r| r.matches(proto, port, p))
}

fn describe(p: &Point, inbound: bool) -> String {
    let dir = if inbound { "from" } else { "to" };
    match p {
        Point::V4 { ip, vnet } => format!(
            "{dir} {}{}",
            std::net::Ipv4Addr::from(*ip),
            if *vnet {
                " (inside the virtual network)"
            } else {
                " (outside the virtual network)"
            }
        ),
        Point::V6 { text, vnet } => format!(
            "{dir} {text}{}",
            if *vnet {
                " (inside the virtual network)"
            } else {
                ""
            }
        ),
        Point::Member(g) => format!("{dir} members of {g}"),
        Point::Deployed { vnet } => format!(
            "{dir} an address set at deployment{}",
            if *vnet {
                " inside the virtual network"
            } else {
                ""
            }
        ),
    }
}

/// One flow Azure admits and AWS denied, in words.
fn widenings(aws: &[Rule], azure: &[Rule], inbound: bool, ipv6: bool, limit: usize) -> Vec<String> {
    let all: Vec<&Rule> = aws.iter().chain(azure.iter()).collect();
    let mut out = Vec::new();
    for p in points(&all, ipv6) {
        for proto in PROTOS {
            let az: Vec<&Rule> = azure
                .iter()
                .filter(|r| r.local_ok && r.protos.contains(&proto) && r.peer.matches(&p))
                .collect();
            // Nothing allows it on Azure: nothing to compare.
            if !az.iter().any(|r| r.allow) {
                continue;
            }
            let aw: Vec<&Rule> = aws
                .iter()
                .filter(|r| r.protos.contains(&proto) && r.peer.matches(&p))
                .collect();
            let max = if proto == Proto::Icmp { 255 } else { 65535 };
            let test: Vec<Option<i64>> = if proto == Proto::Other {
                vec![Some(0)]
            } else {
                let both: Vec<&Rule> = az.iter().chain(aw.iter()).copied().collect();
                ports(&both, max)
            };
            for port in test {
                let Some(hit) = first_match(&az, proto, port, &p) else {
                    continue;
                };
                if !hit.allow || first_match(&aw, proto, port, &p).is_some() {
                    continue;
                }
                let what = match (proto, port) {
                    (Proto::Other, _) => "other protocols".to_string(),
                    (Proto::Icmp, Some(t)) => format!("ICMP type {t}"),
                    (Proto::Icmp, None) => "ICMP of a type set at deployment".into(),
                    (pr, Some(n)) => format!("{} port {n}", format!("{pr:?}").to_uppercase()),
                    (pr, None) => format!(
                        "{} on a port set at deployment",
                        format!("{pr:?}").to_uppercase()
                    ),
                };
                out.push(format!(
                    "{what} {} {} (rule `{}`)",
                    if inbound { "inbound" } else { "outbound" },
                    describe(&p, inbound),
                    hit.name
                ));
                if out.len() >= limit {
                    return out;
                }
            }
        }
    }
    out
}

/// Compares every generated NSG with its security group; a widening is an error.
pub fn check(cx: &mut Ctx) {
    let asgs: BTreeMap<String, String> = cx
        .module
        .resources
        .iter()
        .filter(|r| r.ty == ASG)
        .map(|r| (r.symbol.clone(), r.source.clone()))
        .collect();
    let ipv6 = uses_ipv6(cx.t);
    for i in 0..cx.t.resources.len() {
        let g = &cx.t.resources[i];
        if !cx.plays(i, "security-groups", "group") {
            continue;
        }
        let Some(nsg) = cx
            .module
            .resources
            .iter()
            .find(|r| r.ty == NSG && r.source == g.id && !r.existing)
        else {
            continue;
        };
        let rules = nsg
            .body
            .iter()
            .find(|(k, _)| k == "properties")
            .and_then(|(_, p)| p.get("securityRules"));
        // Rules a `for` expression builds are checked where they are literal (the static
        // and conditional ones beside them still are).
        let rules: Vec<AzExpr> = match rules.map(|r| r.array_elements()) {
            Some(Some((a, _))) => a.into_iter().cloned().collect(),
            None => Vec::new(),
            Some(None) => continue,
        };
        let rules: Vec<AzExpr> = rules
            .into_iter()
            .filter(|r| {
                !cx.platform_rules.iter().any(|(s, name)| {
                    *s == nsg.symbol && r.get("name") == Some(&AzExpr::str(name.clone()))
                })
            })
            .map(|r| untwin(&cx.port_twins, &nsg.symbol, r))
            .collect();
        let mut found = Vec::new();
        // Groups whose rules went into this NSG (members sharing its subnets): it may
        // admit what any of them admitted.
        let sharing: Vec<usize> = std::iter::once(i)
            .chain(
                cx.merged_groups
                    .iter()
                    .filter(|(_, into)| *into == i)
                    .map(|(g, _)| *g),
            )
            .collect();
        for inbound in [true, false] {
            let aws: Vec<Rule> = sharing
                .iter()
                .flat_map(|g| aws_rules(cx, *g, inbound))
                .collect();
            let azure = azure_rules(&rules, inbound, &asgs, &cx.group_prefixes);
            found.extend(widenings(
                &aws,
                &azure,
                inbound,
                ipv6,
                3 - found.len().min(3),
            ));
        }
        if found.is_empty() {
            continue;
        }
        let symbol = nsg.symbol.clone();
        cx.diagnostics.push(
            Diagnostic::new(
                codes::NSG_WIDENED,
                g.span,
                format!(
                    "{}: the NSG `{symbol}` allows traffic the security group denied: {}",
                    g.id,
                    found.join("; ")
                ),
                "access would be widened",
            )
            .help("the mapping (or a --mappings table for AWS::EC2::SecurityGroup) must not admit more than the group's rules; nothing is written for this template"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn az(rules: &[(&str, i64, &str, &str, &str, &str)]) -> Vec<AzExpr> {
        rules
            .iter()
            .map(|(name, prio, access, proto, peer, port)| {
                AzExpr::obj(vec![
                    ("name", AzExpr::str(*name)),
                    (
                        "properties",
                        AzExpr::obj(vec![
                            ("priority", AzExpr::Int(*prio)),
                            ("direction", AzExpr::str("Inbound")),
                            ("access", AzExpr::str(*access)),
                            ("protocol", AzExpr::str(*proto)),
                            ("sourceAddressPrefix", AzExpr::str(*peer)),
                            ("sourcePortRange", AzExpr::str("*")),
                            ("destinationAddressPrefix", AzExpr::str("*")),
                            ("destinationPortRange", AzExpr::str(*port)),
                        ]),
                    ),
                ])
            })
            .collect()
    }

    fn aws(rules: &[(Vec<Proto>, Ports, Peer)]) -> Vec<Rule> {
        rules
            .iter()
            .map(|(protos, ports, peer)| Rule {
                protos: protos.clone(),
                ports: ports.clone(),
                peer: peer.clone(),
                allow: true,
                local_ok: true,
                name: String::new(),
            })
            .collect()
    }

    fn deny_vnet() -> (
        &'static str,
        i64,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        (
            "deny-vnet-inbound",
            4096,
            "Deny",
            "*",
            "VirtualNetwork",
            "*",
        )
    }

    #[test]
    fn an_exact_translation_passes() {
        let (net, len) = parse_v4("10.0.0.0/16").unwrap();
        let a = aws(&[
            (vec![Proto::Tcp], Ports::Range(443, 443), Peer::V4(0, 0)),
            (vec![Proto::Tcp], Ports::Range(22, 22), Peer::V4(net, len)),
        ]);
        let z = az(&[
            ("https", 100, "Allow", "Tcp", "0.0.0.0/0", "443"),
            ("ssh", 110, "Allow", "Tcp", "10.0.0.0/16", "22"),
            deny_vnet(),
        ]);
        let w = widenings(
            &a,
            &azure_rules(&z, true, &BTreeMap::new(), &[]),
            true,
            true,
            5,
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn widened_ports_prefixes_and_missing_deny_are_found() {
        let (net, len) = parse_v4("10.0.0.0/16").unwrap();
        let a = aws(&[(vec![Proto::Tcp], Ports::Range(22, 22), Peer::V4(net, len))]);
        let cases = [
            az(&[
                ("ssh", 100, "Allow", "Tcp", "10.0.0.0/16", "22-23"),
                deny_vnet(),
            ]),
            az(&[
                ("ssh", 100, "Allow", "Tcp", "10.0.0.0/8", "22"),
                deny_vnet(),
            ]),
            az(&[("ssh", 100, "Allow", "*", "10.0.0.0/16", "22"), deny_vnet()]),
            // Without the deny rule, AllowVnetInBound admits the whole network.
            az(&[("ssh", 100, "Allow", "Tcp", "10.0.0.0/16", "22")]),
            // A deny rule after the default allow has no effect.
            az(&[("ssh", 100, "Allow", "Tcp", "10.0.0.0/16", "22")])
                .into_iter()
                .chain(az(&[("deny", 65400, "Deny", "*", "VirtualNetwork", "*")]))
                .collect(),
        ];
        for (k, z) in cases.iter().enumerate() {
            let w = widenings(
                &a,
                &azure_rules(z, true, &BTreeMap::new(), &[]),
                true,
                true,
                5,
            );
            assert!(!w.is_empty(), "case {k} should widen: {z:?}");
        }
    }

    #[test]
    fn group_peers_and_the_probe_rule() {
        let a = aws(&[(
            vec![Proto::Tcp],
            Ports::Range(80, 80),
            Peer::Group("Web".into()),
        )]);
        let asgs = BTreeMap::from([("webAsg".to_string(), "Web".to_string())]);
        let rule = |asg: &str| {
            AzExpr::obj(vec![
                ("name", AzExpr::str("http")),
                (
                    "properties",
                    AzExpr::obj(vec![
                        ("priority", AzExpr::Int(100)),
                        ("direction", AzExpr::str("Inbound")),
                        ("access", AzExpr::str("Allow")),
                        ("protocol", AzExpr::str("Tcp")),
                        (
                            "sourceApplicationSecurityGroups",
                            AzExpr::Array(vec![AzExpr::obj(vec![("id", AzExpr::path(asg, "id"))])]),
                        ),
                        ("sourcePortRange", AzExpr::str("*")),
                        ("destinationAddressPrefix", AzExpr::str("*")),
                        ("destinationPortRange", AzExpr::str("80")),
                    ]),
                ),
            ])
        };
        let mut z = vec![rule("webAsg")];
        z.extend(az(&[deny_vnet()]));
        // Azure Load Balancer probes (AllowAzureLoadBalancerInBound) are not a widening.
        assert!(widenings(&a, &azure_rules(&z, true, &asgs, &[]), true, true, 5).is_empty());
        // An ASG the check cannot trace admits the whole network.
        let mut z = vec![rule("otherAsg")];
        z.extend(az(&[deny_vnet()]));
        assert!(!widenings(&a, &azure_rules(&z, true, &asgs, &[]), true, true, 5).is_empty());
    }

    #[test]
    fn extreme_ports_do_not_overflow() {
        // Found by the mangled-input test: a port of i64::MAX in a Terraform rule.
        let a = aws(&[(
            vec![Proto::Tcp],
            Ports::Range(i64::MIN, i64::MAX),
            Peer::V4(0, 0),
        )]);
        let z = az(&[("r", 100, "Allow", "Tcp", "*", "9223372036854775807")]);
        let w = widenings(
            &a,
            &azure_rules(&z, true, &BTreeMap::new(), &[]),
            true,
            true,
            5,
        );
        assert!(w.iter().all(|x| !x.contains("port 22 ")), "{w:?}");
    }

    #[test]
    fn egress_defaults() {
        // CloudFormation's default egress allows everything; Azure's defaults allow less.
        let a = aws(&[(PROTOS.to_vec(), Ports::All, Peer::Any)]);
        assert!(
            widenings(
                &a,
                &azure_rules(&[], false, &BTreeMap::new(), &[]),
                false,
                true,
                5
            )
            .is_empty()
        );
        // No egress rules at all (Terraform): Azure's default outbound rules widen.
        assert!(
            !widenings(
                &[],
                &azure_rules(&[], false, &BTreeMap::new(), &[]),
                false,
                true,
                5
            )
            .is_empty()
        );
    }

    /// Random rule sets: a translation that copies every AWS rule and ends with the
    /// deny rules never widens; one that drops a port bound always does.
    #[test]
    fn random_rule_sets() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let cidrs = [
            "10.0.0.0/16",
            "10.0.1.0/24",
            "0.0.0.0/0",
            "192.168.0.0/16",
            "203.0.113.7/32",
        ];
        for _ in 0..300 {
            let n = 1 + next(6) as usize;
            let mut a = Vec::new();
            let mut z = Vec::new();
            for k in 0..n {
                let c = cidrs[next(cidrs.len() as u64) as usize];
                let (net, len) = parse_v4(c).unwrap();
                let from = next(1000) as i64;
                let to = from + next(50) as i64;
                let (proto, azp) = if next(2) == 0 {
                    (Proto::Tcp, "Tcp")
                } else {
                    (Proto::Udp, "Udp")
                };
                a.push((vec![proto], Ports::Range(from, to), Peer::V4(net, len)));
                let port = if from == to {
                    from.to_string()
                } else {
                    format!("{from}-{to}")
                };
                z.push((
                    format!("r{k}"),
                    100 + 10 * k as i64,
                    azp,
                    c.to_string(),
                    port,
                ));
            }
            let rules = |z: &[(String, i64, &str, String, String)]| {
                let mut v: Vec<AzExpr> = z
                    .iter()
                    .flat_map(|(nm, p, pr, peer, port)| {
                        az(&[(nm.as_str(), *p, "Allow", pr, peer.as_str(), port.as_str())])
                    })
                    .collect();
                v.extend(az(&[deny_vnet()]));
                v
            };
            let aws_rules = aws(&a);
            let exact = azure_rules(&rules(&z), true, &BTreeMap::new(), &[]);
            let w = widenings(&aws_rules, &exact, true, true, 3);
            assert!(w.is_empty(), "{a:?} {w:?}");
            // Widen one rule's upper port bound by one.
            let k = next(n as u64) as usize;
            let (from, to) = match a[k].1 {
                Ports::Range(f, t) => (f, t),
                _ => unreachable!(),
            };
            let covered = a.iter().enumerate().any(|(j, r)| {
                j != k
                    && r.0 == a[k].0
                    && r.1.matches(Some(to + 1))
                    && r.2.matches(&Point::V4 {
                        ip: match a[k].2 {
                            Peer::V4(n, _) => n,
                            _ => 0,
                        },
                        vnet: false,
                    })
            });
            let mut wide = z.clone();
            wide[k].4 = format!("{from}-{}", to + 1);
            let widened = azure_rules(&rules(&wide), true, &BTreeMap::new(), &[]);
            if !covered {
                assert!(
                    !widenings(&aws_rules, &widened, true, true, 3).is_empty(),
                    "{a:?} {wide:?}"
                );
            }
        }
    }
}
