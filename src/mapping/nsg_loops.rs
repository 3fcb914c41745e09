//! Security group rules repeated with `for_each` or `count` (Terraform's
//! `aws_vpc_security_group_ingress_rule "x" { for_each = var.rules … }`,
//! `aws_security_group_rule "x" { count = length(var.rules) … }`): each becomes a
//! `for` expression in its NSG's `securityRules`, so every element of the collection is an
//! NSG rule, in both back ends. What a static rule decides from literals (protocol, port
//! range, peer) is decided per element by expressions the deployment evaluates.

use crate::azure::TfForm;
use crate::azure::{AzExpr, Interp};
use crate::model::expr::{Expr, ExprKind};

use super::context::Ctx;

/// The last priority a repeated rule may take (a database subnet's own rule sits at
/// 4000, the deny rules at 4096).
const LAST_PRIORITY: i64 = 3999;

/// Standalone rule resources of group `group` for `role` (`ingress`, `egress`) that repeat
/// with `for_each`, by index.
pub(super) fn of_group(cx: &Ctx, group: usize, role: &str) -> Vec<usize> {
    let id = &cx.t.resources[group].id;
    (0..cx.t.resources.len())
        .filter(|&j| {
            let r = &cx.t.resources[j];
            r.for_each.is_some()
                && cx.tables.plays(&r.ty, "security-groups", role)
                && r.properties
                    .get("GroupId")
                    .is_some_and(|g| super::network::refers(g, id) || mentions(g, id))
        })
        .collect()
}

/// The security groups of the template that repeated rule `i` may attach to when its
/// `GroupId` is an expression rather than a reference to one group.
pub(super) fn picked_groups(cx: &Ctx, i: usize) -> Vec<usize> {
    let r = &cx.t.resources[i];
    let Some(g) = r.properties.get("GroupId") else {
        return Vec::new();
    };
    if r.for_each.is_none() {
        return Vec::new();
    }
    (0..cx.t.resources.len())
        .filter(|&j| cx.plays(j, "security-groups", "group") && mentions(g, &cx.t.resources[j].id))
        .collect()
}

/// Does `e` name resource `id` anywhere (a local that picks one of several groups:
/// `var.create ? concat(aws_security_group.a[*].id, aws_security_group.b[*].id)[0] : …`)?
fn mentions(e: &Expr, id: &str) -> bool {
    let mut found = false;
    e.walk(&mut |x| match &x.kind {
        ExprKind::Ref(n) if n == id => found = true,
        ExprKind::GetAtt { resource, .. } if resource == id => found = true,
        _ => {}
    });
    found
}

/// One `for` expression per repeated rule resource in `rules`, numbered from `first` on
/// (each resource gets an equal band of the priorities left). A resource whose elements
/// name no address is left out with a decision.
pub(super) fn expand(cx: &mut Ctx, rules: &[usize], inbound: bool, first: i64) -> Vec<AzExpr> {
    let mut out = Vec::new();
    if rules.is_empty() {
        return out;
    }
    let band = ((LAST_PRIORITY - first + 1) / rules.len() as i64).max(1);
    for (k, &j) in rules.iter().enumerate() {
        let start = first + k as i64 * band;
        if let Some(e) = one(cx, j, inbound, start, band) {
            out.push(e);
        }
    }
    out
}

fn one(cx: &mut Ctx, j: usize, inbound: bool, start: i64, band: i64) -> Option<AzExpr> {
    let r = cx.t.resources[j].clone();
    let fe = r.for_each.clone()?;
    // `count = n`: the copies are the indexes `range(0, n)`; `for_each` over a map: its items.
    let counted = fe.ident == "count";
    let how = if counted { "`count`" } else { "`for_each`" };
    let addr = cx.t.report_name(&r.id);
    // `aws_security_group_rule` names a list of addresses per rule (`cidr_blocks`).
    let lists = addr.starts_with("aws_security_group_rule.");
    let p = &r.properties;
    let (sg_key, list_key) = if inbound {
        ("SourceSecurityGroupId", "SourcePrefixListId")
    } else {
        ("DestinationSecurityGroupId", "DestinationPrefixListId")
    };
    let cidrs: Vec<&Expr> = ["CidrIp", "CidrIpv6"]
        .iter()
        .filter_map(|k| p.get(k))
        .filter(|e| !matches!(e.kind, ExprKind::Null))
        .collect();
    let others: Vec<&str> = [sg_key, list_key]
        .into_iter()
        .filter(|k| p.get(k).is_some_and(|e| !matches!(e.kind, ExprKind::Null)))
        .collect();
    if cidrs.is_empty() {
        cx.decide(
            "nsg-looped-rules",
            Some((&r.id, r.span)),
            &format!("{addr}: repeated rules that name no address are left out"),
            &format!("`{addr}` repeats a rule with {how}; its rules name a security group, a prefix list or the group itself, never an address."),
            "The rules are left out, which narrows access rather than widening it.",
            "Add NSG rules with application security groups or service tags for these peers by hand.",
        );
        cx.floor_status("partial");
        return None;
    }
    // The element's values, with the loop variable `rule` (an index, or {key, value}).
    let ident = fe.ident.clone();
    let saved = cx.loop_var.replace((ident.clone(), "rule".into()));
    let tr = |cx: &mut Ctx, k: &str| p.get(k).map(|e| cx.tr(e));
    let proto_in = tr(cx, "IpProtocol");
    let from = tr(cx, "FromPort");
    let to = tr(cx, "ToPort");
    let description = tr(cx, "Description");
    let cidr: Vec<AzExpr> = cidrs.iter().map(|e| cx.tr(e)).collect();
    // The same values for the filter, with the element itself as `v` (key `k`).
    cx.loop_var = Some((ident, "v".into()));
    let filter_cidr: Vec<AzExpr> = cidrs
        .iter()
        .map(|e| {
            let x = cx.tr(e);
            if counted { x } else { unwrap_value(x) }
        })
        .collect();
    let collection = cx.tr(&fe.collection);
    cx.loop_var = saved;

    let protocol = protocol_of(cx, proto_in);
    let ports = ports_of(&protocol, from, to);
    // One address, or (for lists) every address of the element's lists.
    let peer = if lists {
        prefixes(&cidr)
    } else {
        first_of(&cidr)
    };
    // Elements that name a security group or prefix list instead of an address, or
    // whose address lists are empty, are filtered out (narrower, never wider).
    let keep = if lists {
        Some(AzExpr::Bin(
            ">",
            Box::new(AzExpr::call("length", vec![prefixes(&filter_cidr)])),
            Box::new(AzExpr::Int(0)),
        ))
    } else if others.is_empty() {
        None
    } else {
        filter_cidr
            .into_iter()
            .map(|c| AzExpr::Bin("!=", Box::new(c), Box::new(AzExpr::Null)))
            .reduce(|a, b| AzExpr::Bin("||", Box::new(a), Box::new(b)))
    };
    let filtered = keep.is_some() && (!others.is_empty() || lists);
    let collection = match keep {
        None => collection,
        Some(keep) if counted => cx.tf_only(
            TfForm::For,
            vec![
                AzExpr::str(""),
                AzExpr::str("v"),
                collection,
                AzExpr::Null,
                AzExpr::ident("v"),
                keep,
                AzExpr::Bool(false),
            ],
            r.span,
        ),
        Some(keep) => {
            let map = match collection {
                AzExpr::Call(f, mut a) if f == "items" && a.len() == 1 => a.remove(0),
                other => other,
            };
            let filtered = cx.tf_only(
                TfForm::For,
                vec![
                    AzExpr::str("k"),
                    AzExpr::str("v"),
                    map,
                    AzExpr::ident("k"),
                    AzExpr::ident("v"),
                    keep,
                    AzExpr::Bool(false),
                ],
                r.span,
            );
            AzExpr::call("items", vec![filtered])
        }
    };
    let (dir, prefix_key, other_key) = match (inbound, lists) {
        (true, false) => ("Inbound", "sourceAddressPrefix", "destinationAddressPrefix"),
        (true, true) => (
            "Inbound",
            "sourceAddressPrefixes",
            "destinationAddressPrefix",
        ),
        (false, false) => (
            "Outbound",
            "destinationAddressPrefix",
            "sourceAddressPrefix",
        ),
        (false, true) => (
            "Outbound",
            "destinationAddressPrefixes",
            "sourceAddressPrefix",
        ),
    };
    let way = if inbound { "in" } else { "out" };
    // A copy of a counted rule is named after its resource and index; an item after its key.
    let (name, named) = if counted {
        let res = crate::names::kebab(addr.rsplit('.').next().unwrap_or(&addr));
        (
            AzExpr::Interp(vec![
                Interp::Lit(format!("{way}-{res}-")),
                Interp::Expr(AzExpr::ident("rule")),
            ]),
            format!("`{way}-{res}-<index>`"),
        )
    } else {
        (
            AzExpr::Interp(vec![
                Interp::Lit(format!("{way}-")),
                Interp::Expr(AzExpr::Member(
                    Box::new(AzExpr::ident("rule")),
                    "key".into(),
                )),
            ]),
            format!("`{way}-<key>`"),
        )
    };
    let mut props = vec![
        (
            "priority",
            AzExpr::Bin(
                "+",
                Box::new(AzExpr::Int(start)),
                Box::new(AzExpr::ident("i")),
            ),
        ),
        ("direction", AzExpr::str(dir)),
        ("access", AzExpr::str("Allow")),
        ("protocol", protocol),
        ("sourcePortRange", AzExpr::str("*")),
        (prefix_key, peer),
        (other_key, AzExpr::str("*")),
        ("destinationPortRange", ports),
    ];
    if let Some(d) = description {
        props.push(("description", d));
    }
    let body = AzExpr::obj(vec![("name", name), ("properties", AzExpr::obj(props))]);
    let filter_text = match (filtered, lists) {
        (false, _) => "",
        (true, false) => {
            " Elements that name a security group or prefix list instead of an address are filtered out (narrower, never wider): add rules with application security groups or service tags for them."
        }
        (true, true) => {
            " Each rule admits every address of its element's address lists; elements whose lists are empty (a rule naming only a security group, a prefix list or the group itself) are filtered out (narrower, never wider): add rules with application security groups or service tags for them."
        }
    };
    cx.decide(
        "nsg-looped-rules",
        Some((&r.id, r.span)),
        &format!("{addr}: repeated rules become a for expression in the NSG"),
        &format!("`{addr}` repeats a security group rule with {how}: one rule per element of its collection."),
        &format!("The NSG's `securityRules` hold one rule per element, named {named}, with priorities from {start} (the rule resource's band of at most {band} priorities, after the group's fixed rules and before the other repeated rules' bands, so no two rules share a priority) plus the element's position; protocol, port range and address prefix are read from the element when the deployment evaluates them.{filter_text}"),
        "A protocol NSGs cannot match (other than TCP, UDP, ICMP, ESP, AH or all), or more elements than the band holds, fails the deployment rather than widening the rule; ICMP types and codes are not matched (all ICMP is admitted).",
    );
    Some(AzExpr::For(
        "(rule, i)".into(),
        Box::new(collection),
        Box::new(body),
    ))
}

/// Every address of an element's address lists (IPv4 and IPv6; a null list is empty).
fn prefixes(lists: &[AzExpr]) -> AzExpr {
    let guarded: Vec<AzExpr> = lists
        .iter()
        .map(|l| match l {
            // A literal list, or one a function builds (`split`, `concat`): never null.
            AzExpr::Array(_) | AzExpr::Call(..) => l.clone(),
            AzExpr::TfOnly(t) if t.function().is_some() => l.clone(),
            _ => AzExpr::Cond(
                Box::new(AzExpr::Bin(
                    "!=",
                    Box::new(l.clone()),
                    Box::new(AzExpr::Null),
                )),
                Box::new(l.clone()),
                Box::new(AzExpr::Array(Vec::new())),
            ),
        })
        .collect();
    match guarded.len() {
        1 => guarded.into_iter().next().unwrap_or_default(),
        _ => AzExpr::call("concat", guarded),
    }
}

/// The NSG protocol of an AWS protocol value (`tcp`, `6`, `-1`, …) evaluated at deployment:
/// a lookup that fails for protocols NSGs cannot match.
pub(super) fn protocol_of(cx: &mut Ctx, p: Option<AzExpr>) -> AzExpr {
    let Some(p) = p else {
        return AzExpr::str("*");
    };
    if let AzExpr::Str(s) = &p {
        let t = s.to_ascii_lowercase();
        let known = match t.as_str() {
            "-1" | "all" => Some("*"),
            "tcp" | "6" => Some("Tcp"),
            "udp" | "17" => Some("Udp"),
            "icmp" | "1" | "icmpv6" | "58" => Some("Icmp"),
            _ => None,
        };
        if let Some(k) = known {
            return AzExpr::str(k);
        }
    }
    let table = AzExpr::obj(vec![
        ("-1", AzExpr::str("*")),
        ("all", AzExpr::str("*")),
        ("tcp", AzExpr::str("Tcp")),
        ("6", AzExpr::str("Tcp")),
        ("udp", AzExpr::str("Udp")),
        ("17", AzExpr::str("Udp")),
        ("icmp", AzExpr::str("Icmp")),
        ("1", AzExpr::str("Icmp")),
        ("icmpv6", AzExpr::str("Icmp")),
        ("58", AzExpr::str("Icmp")),
        ("esp", AzExpr::str("Esp")),
        ("50", AzExpr::str("Esp")),
        ("ah", AzExpr::str("Ah")),
        ("51", AzExpr::str("Ah")),
    ]);
    let table = super::transforms::lookup_var(
        cx,
        "nsg protocols",
        table,
        "NSG protocol of each AWS security group protocol (name or number; -1 is all).",
    );
    AzExpr::Index(
        Box::new(AzExpr::ident(table)),
        Box::new(AzExpr::call(
            "toLower",
            vec![AzExpr::call("string", vec![p])],
        )),
    )
}

/// `v.value.x` → `v.x`: the filter reads the element of the map, not an item of it.
pub(super) fn unwrap_value(mut e: AzExpr) -> AzExpr {
    fn walk(e: &mut AzExpr) {
        if let AzExpr::Member(b, name) = e
            && name == "value"
            && matches!(b.as_ref(), AzExpr::Ident(v) if v == "v")
        {
            *e = AzExpr::ident("v");
            return;
        }
        e.for_each_child_mut(&mut walk);
    }
    walk(&mut e);
    e
}

/// The NSG destination port range of a repeated rule: `from`–`to` (one port when they are
/// equal) for TCP and UDP, `*` for every other protocol, evaluated at deployment.
pub(super) fn ports_of(protocol: &AzExpr, from: Option<AzExpr>, to: Option<AzExpr>) -> AzExpr {
    if from.is_none() && to.is_none() {
        return AzExpr::str("*");
    }
    // A protocol and ports known now: the range itself.
    if let AzExpr::Str(p) = protocol {
        if p != "Tcp" && p != "Udp" {
            return AzExpr::str("*");
        }
        let f = from.as_ref().or(to.as_ref());
        let t = to.as_ref().or(from.as_ref());
        if let (Some(AzExpr::Int(a)), Some(AzExpr::Int(b))) = (f, t) {
            return match (a, b) {
                (-1, _) | (0, 65535) => AzExpr::str("*"),
                (a, b) if a == b => AzExpr::Str(a.to_string()),
                (a, b) => AzExpr::Str(format!("{a}-{b}")),
            };
        }
    }
    let f = from.or(to.clone()).unwrap_or(AzExpr::str("*"));
    let t = to.unwrap_or(f.clone());
    let one_port = AzExpr::call("string", vec![f.clone()]);
    let range = AzExpr::Interp(vec![
        Interp::Expr(f.clone()),
        Interp::Lit("-".into()),
        Interp::Expr(t.clone()),
    ]);
    let has_ports = AzExpr::call(
        "contains",
        vec![
            AzExpr::Array(vec![AzExpr::str("Tcp"), AzExpr::str("Udp")]),
            protocol.clone(),
        ],
    );
    AzExpr::Cond(
        Box::new(has_ports),
        Box::new(AzExpr::Cond(
            Box::new(AzExpr::Bin("==", Box::new(f), Box::new(t))),
            Box::new(one_port),
            Box::new(range),
        )),
        Box::new(AzExpr::str("*")),
    )
}

/// The first of `c` that is not null (an IPv4 prefix, else an IPv6 one).
pub(super) fn first_of(c: &[AzExpr]) -> AzExpr {
    match c {
        [one] => one.clone(),
        [a, b, ..] => AzExpr::Cond(
            Box::new(AzExpr::Bin(
                "!=",
                Box::new(a.clone()),
                Box::new(AzExpr::Null),
            )),
            Box::new(a.clone()),
            Box::new(b.clone()),
        ),
        [] => AzExpr::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_known_now_are_a_literal_range() {
        let tcp = AzExpr::str("Tcp");
        assert_eq!(
            ports_of(&tcp, Some(AzExpr::Int(443)), Some(AzExpr::Int(443))),
            AzExpr::str("443")
        );
        assert_eq!(
            ports_of(&tcp, Some(AzExpr::Int(1024)), Some(AzExpr::Int(65535))),
            AzExpr::str("1024-65535")
        );
        assert_eq!(
            ports_of(&tcp, Some(AzExpr::Int(0)), Some(AzExpr::Int(65535))),
            AzExpr::str("*")
        );
        assert_eq!(
            ports_of(
                &AzExpr::str("*"),
                Some(AzExpr::Int(0)),
                Some(AzExpr::Int(0))
            ),
            AzExpr::str("*")
        );
        // A protocol read from the element: decided at deployment.
        let p = AzExpr::ident("proto");
        assert!(matches!(
            ports_of(&p, Some(AzExpr::Int(22)), Some(AzExpr::Int(22))),
            AzExpr::Cond(..)
        ));
    }

    #[test]
    fn address_lists_are_guarded_against_null() {
        let v = AzExpr::ident("cidrs");
        assert!(matches!(
            prefixes(std::slice::from_ref(&v)),
            AzExpr::Cond(..)
        ));
        let both = prefixes(&[v.clone(), AzExpr::Array(vec![])]);
        assert!(matches!(both, AzExpr::Call(f, a) if f == "concat" && a.len() == 2));
    }
}
