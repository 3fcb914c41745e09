//! Network ACLs. An ACL filtered its subnets statelessly, in rule-number order, ending
//! with an implicit deny: on Azure it becomes an NSG on the same subnets whose rules keep
//! that order (rule numbers → priorities from 100), allow or deny, protocol, prefix and
//! destination port, and end in explicit deny-all rules. Nothing is attached that would
//! allow what the ACL denied: an ACL whose entries cannot all be read (looped, or with
//! values known only at deployment) is left to a decision, and an ACL that allows
//! everything both ways needs no NSG at all.

mod looped;

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::model::expr::{Expr, ExprKind};

const PASS: &str = "network-acls";

/// Rule numbers of the ACL that fit the NSG: 100 up to the load balancer's allow rule.
const FIRST: i64 = 100;
const LAST: i64 = 4094;

/// One entry, read.
#[derive(Clone)]
struct Entry {
    inbound: bool,
    allow: bool,
    number: i64,
    proto: &'static str,
    prefix: AzExpr,
    ports: AzExpr,
    /// Where it came from: the entry's logical id, or `<acl> (inline)`.
    from: String,
    /// A deny of a protocol an NSG cannot match, widened to every protocol.
    widened: Option<String>,
}

/// What an ACL's entries became.
#[derive(Default)]
struct Reading {
    entries: Vec<Entry>,
    /// Entries that cannot be read (with why): the ACL is not translated.
    blocking: Vec<String>,
    /// Entries changed on the safe side (with how).
    narrowed: Vec<String>,
    /// Standalone entry resources of the ACL, by index.
    members: Vec<usize>,
    /// Entry resources that repeat (or exist under a condition of their own), read.
    looped: Vec<looped::Looped>,
}

/// The entries of ACL `i`: its inline `Entries` (Terraform `ingress`/`egress` blocks) and
/// the standalone entry resources that name it.
fn entries(cx: &Ctx, i: usize) -> (Vec<(Expr, String)>, Vec<usize>, Vec<usize>) {
    let id = cx.t.resources[i].id.clone();
    let name = cx.t.report_name(&id);
    let mut out: Vec<(Expr, String)> =
        super::network::rule_list(cx.t.resources[i].properties.get("Entries"))
            .into_iter()
            .map(|e| (e, format!("{name} (inline)")))
            .collect();
    let (mut members, mut looped) = (Vec::new(), Vec::new());
    for (j, r) in cx.t.resources.iter().enumerate() {
        if !cx.tables.plays(&r.ty, PASS, "entry")
            || !r
                .properties
                .get("NetworkAclId")
                .is_some_and(|a| super::network::refers(a, &id))
        {
            continue;
        }
        members.push(j);
        let rname = cx.t.report_name(&r.id);
        // An entry under the ACL's own condition exists whenever the ACL does.
        let own_condition = r
            .condition
            .as_ref()
            .is_some_and(|(c, _)| cx.t.resources[i].condition.as_ref().map(|(a, _)| a) != Some(c));
        if r.for_each.is_some() || own_condition {
            looped.push(j);
        } else {
            out.push((r.properties.clone(), rname));
        }
    }
    (out, members, looped)
}

/// The NSG protocol of an ACL entry's protocol number or name.
fn protocol(e: Option<&Expr>) -> Option<&'static str> {
    match e.and_then(|x| x.literal_text()).as_deref() {
        Some("50") | Some("esp") => Some("Esp"),
        Some("51") | Some("ah") => Some("Ah"),
        _ => super::network::protocol(e),
    }
}

fn prefix(cx: &mut Ctx, e: &Expr) -> Option<AzExpr> {
    let x = e.get("CidrBlock").or_else(|| e.get("Ipv6CidrBlock"))?;
    Some(match x.literal_text().as_deref() {
        Some("0.0.0.0/0") => AzExpr::str("*"),
        Some(t) => AzExpr::str(t),
        None => cx.tr(x),
    })
}

/// Reads the entries of ACL `i`.
fn read(cx: &mut Ctx, i: usize) -> Reading {
    let (list, members, looped) = entries(cx, i);
    let mut r = Reading {
        members,
        ..Default::default()
    };
    for j in looped {
        match looped::read(cx, j) {
            Ok(l) => r.looped.push(l),
            Err(why) => r.blocking.push(why),
        }
    }
    for (e, from) in list {
        let mut widened = None;
        let Some(inbound) = inbound(&e) else {
            r.blocking.push(format!(
                "`{from}`: its direction is known only at deployment"
            ));
            continue;
        };
        let allow = match e
            .get("RuleAction")
            .and_then(|x| x.literal_text())
            .map(|t| t.to_ascii_lowercase())
            .as_deref()
        {
            Some("allow") => true,
            Some("deny") => false,
            _ => {
                r.blocking
                    .push(format!("`{from}`: its action is known only at deployment"));
                continue;
            }
        };
        let Some(number) = e.get("RuleNumber").and_then(|x| x.literal_i64()) else {
            r.blocking.push(format!(
                "`{from}`: its rule number (its place in the order) is known only at deployment"
            ));
            continue;
        };
        let Some(prefix) = prefix(cx, &e) else {
            r.blocking
                .push(format!("`{from}`: it names no address range"));
            continue;
        };
        let proto = match protocol(e.get("Protocol")) {
            Some(p) => p,
            None if e.get("Protocol").and_then(|x| x.literal_text()).is_none() => {
                r.blocking.push(format!(
                    "`{from}`: its protocol is known only at deployment"
                ));
                continue;
            }
            None if allow => {
                r.narrowed.push(format!(
                    "`{from}` allowed protocol {}, which an NSG cannot match: left out",
                    e.get("Protocol")
                        .and_then(|x| x.literal_text())
                        .unwrap_or_default()
                ));
                continue;
            }
            None => {
                widened = e.get("Protocol").and_then(|x| x.literal_text());
                "*"
            }
        };
        if proto == "Icmp"
            && let Some(t) = e.get("Icmp").and_then(|x| x.get("Type"))
            && t.literal_i64() != Some(-1)
        {
            if allow {
                r.narrowed.push(format!(
                    "`{from}` allowed one ICMP type; NSG rules match every ICMP type: left out"
                ));
                continue;
            }
            r.narrowed.push(format!(
                "`{from}` denied one ICMP type; NSG rules match every ICMP type: it denies all ICMP from that range"
            ));
        }
        let range = e.get("PortRange");
        let ports = super::network::port_range_of(
            cx,
            range.and_then(|x| x.get("From")),
            range.and_then(|x| x.get("To")),
            proto,
        );
        r.entries.push(Entry {
            inbound,
            allow,
            number,
            proto,
            prefix,
            ports,
            from,
            widened,
        });
    }
    // A deny of a protocol an NSG cannot match: left out when no later rule of its
    // direction allows every protocol (the final deny covers it), else widened.
    let all_after = |e: &Entry, all: &[Entry]| {
        all.iter()
            .any(|x| x.inbound == e.inbound && x.allow && x.proto == "*" && x.number > e.number)
    };
    let mut kept = Vec::new();
    for k in 0..r.entries.len() {
        let e = &r.entries[k];
        let Some(p) = &e.widened else {
            kept.push(k);
            continue;
        };
        if all_after(e, &r.entries) {
            r.narrowed.push(format!(
                "`{}` denied protocol {p}, which an NSG cannot match: it denies every protocol from its range",
                e.from
            ));
            kept.push(k);
        } else {
            r.narrowed.push(format!(
                "`{}` denied protocol {p}, which an NSG cannot match: left out, since no later rule allows that protocol and the final deny covers it",
                e.from
            ));
        }
    }
    let mut k = 0;
    r.entries.retain(|_| {
        k += 1;
        kept.contains(&(k - 1))
    });
    r
}

/// Does the first rule of a direction allow all traffic to and from anywhere?
fn allows_all(entries: &[&Entry]) -> bool {
    entries
        .first()
        .is_some_and(|e| e.allow && e.proto == "*" && e.prefix == AzExpr::str("*"))
}

fn rule(
    name: &str,
    priority: i64,
    inbound: bool,
    allow: bool,
    proto: &str,
    peer: AzExpr,
    ports: AzExpr,
) -> AzExpr {
    let (src, dst) = if inbound {
        (peer, AzExpr::str("*"))
    } else {
        (AzExpr::str("*"), peer)
    };
    AzExpr::obj(vec![
        ("name", AzExpr::str(name)),
        (
            "properties",
            AzExpr::obj(vec![
                ("priority", AzExpr::Int(priority)),
                (
                    "direction",
                    AzExpr::str(if inbound { "Inbound" } else { "Outbound" }),
                ),
                ("access", AzExpr::str(if allow { "Allow" } else { "Deny" })),
                ("protocol", AzExpr::str(proto)),
                ("sourceAddressPrefix", src),
                ("sourcePortRange", AzExpr::str("*")),
                ("destinationAddressPrefix", dst),
                ("destinationPortRange", ports),
            ]),
        ),
    ])
}

/// The NSG rules of the read entries, or `None` when a direction has more rules than
/// the priorities between 100 and 4094 hold.
fn rules(entries: &[Entry]) -> Option<Vec<AzExpr>> {
    let mut out = Vec::new();
    for inbound in [true, false] {
        let dir: Vec<Entry> = entries
            .iter()
            .filter(|e| e.inbound == inbound)
            .cloned()
            .collect();
        out.extend(rules_of(&dir, inbound)?);
    }
    Some(out)
}

/// The NSG rules of the entries of one direction (priorities from 100 in steps of 10,
/// or of 1 when they would not fit), or `None` when they do not fit.
fn rules_of(entries: &[Entry], inbound: bool) -> Option<Vec<AzExpr>> {
    let mut out = Vec::new();
    let mut dir: Vec<&Entry> = entries.iter().filter(|e| e.inbound == inbound).collect();
    dir.sort_by_key(|e| e.number);
    let n = dir.len() as i64;
    let step = if FIRST + (n - 1).max(0) * 10 <= LAST {
        10
    } else {
        1
    };
    if FIRST + (n - 1).max(0) * step > LAST {
        return None;
    }
    let way = if inbound { "in" } else { "out" };
    for (k, e) in dir.iter().enumerate() {
        let name = format!(
            "{}-{way}-{}",
            if e.allow { "allow" } else { "deny" },
            e.number
        );
        out.push(rule(
            &name,
            FIRST + k as i64 * step,
            inbound,
            e.allow,
            e.proto,
            e.prefix.clone(),
            e.ports.clone(),
        ));
    }
    if inbound && dir.iter().any(|e| e.allow) {
        out.push(rule(
            "allow-azure-load-balancer-in",
            4095,
            true,
            true,
            "*",
            AzExpr::str("AzureLoadBalancer"),
            AzExpr::str("*"),
        ));
    }
    out.push(rule(
        &format!("deny-all-{way}"),
        4096,
        inbound,
        false,
        "*",
        AzExpr::str("*"),
        AzExpr::str("*"),
    ));
    Some(out)
}

/// Ephemeral-port allow rules that only carried return traffic for a stateless ACL.
fn ephemeral(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| {
            e.allow
                && matches!(
                    e.ports.as_str(),
                    Some("1024-65535" | "32768-65535" | "49152-65535" | "1025-65535")
                )
        })
        .map(|e| format!("`{}`", e.from))
        .collect()
}

/// The Azure symbol of the subnet `e` names, when it is a subnet of this module.
fn subnet_symbol(cx: &Ctx, e: &Expr) -> Option<(usize, String)> {
    let j = cx.referenced_resource(e)?;
    let spec = cx.prepared[j].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(j, &spec.symbol);
    cx.module
        .resources
        .iter()
        .any(|r| r.symbol == sym && r.ty.ends_with("/subnets"))
        .then_some((j, sym))
}

/// The subnets of an ACL (symbol and conditions), its association resources, and the
/// subnets that are not in the template.
type AclSubnets = (Vec<(String, Vec<String>)>, Vec<usize>, Vec<String>);

/// Subnets of ACL `i`: from association resources (index, condition) and the ACL's
/// own `SubnetIds`.
fn subnets(cx: &Ctx, i: usize) -> AclSubnets {
    let id = cx.t.resources[i].id.clone();
    let acl_cond = cx.t.resources[i].condition.as_ref().map(|(c, _)| c.clone());
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut assoc = Vec::new();
    let mut elsewhere = Vec::new();
    let mut add = |cx: &Ctx, e: &Expr, conds: Vec<String>, out: &mut Vec<(String, Vec<String>)>| {
        match subnet_symbol(cx, e) {
            Some((j, sym)) => {
                let mut conds = conds;
                conds.extend(cx.t.resources[j].condition.as_ref().map(|(c, _)| c.clone()));
                if !out.iter().any(|(s, _)| *s == sym) {
                    out.push((sym, conds));
                }
            }
            None => elsewhere.push(e.span),
        }
    };
    // A list of subnets, or every instance of a repeated one (`aws_subnet.x[*].id`).
    let ids = cx.t.resources[i].properties.get("SubnetIds");
    let items = match ids.map(|x| &x.kind) {
        Some(ExprKind::Call(f, a)) if f == "__splat" && a.len() == 1 => vec![a[0].clone()],
        _ => super::network::rule_list(ids),
    };
    for x in items {
        add(cx, &x, acl_cond.iter().cloned().collect(), &mut out);
    }
    for (k, r) in cx.t.resources.iter().enumerate() {
        if !cx.tables.plays(&r.ty, PASS, "association")
            || !r
                .properties
                .get("NetworkAclId")
                .is_some_and(|a| super::network::refers(a, &id))
        {
            continue;
        }
        assoc.push(k);
        if let Some(s) = r.properties.get("SubnetId") {
            let mut conds: Vec<String> = acl_cond.iter().cloned().collect();
            conds.extend(r.condition.as_ref().map(|(c, _)| c.clone()));
            add(cx, s, conds, &mut out);
        }
    }
    let elsewhere = elsewhere
        .into_iter()
        .map(|s| format!("line {}", cx.line(s)))
        .collect();
    (out, assoc, elsewhere)
}

fn set_status(cx: &mut Ctx, i: usize, status: &str) {
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = status.into();
    }
}

fn remove_nsg(cx: &mut Ctx, i: usize) {
    let sym = cx.prepared[i].sym.clone();
    cx.module.resources.retain(|r| r.symbol != sym);
}

fn list(items: &[String]) -> String {
    items.join("; ")
}

/// Every network ACL of the template: rules, subnets, or a decision.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() || !cx.plays(i, PASS, "acl") {
            continue;
        }
        let sym = cx.prepared[i].sym.clone();
        if !cx.module.resources.iter().any(|r| r.symbol == sym) {
            continue;
        }
        let acl = cx.t.report_name(&cx.t.resources[i].id.clone());
        let reading = read(cx, i);
        let (subnets, assoc, elsewhere) = subnets(cx, i);
        let parts: Vec<usize> = reading.members.iter().chain(&assoc).copied().collect();
        if !reading.blocking.is_empty() {
            remove_nsg(cx, i);
            cx.decide_later(
                i,
                "nacl-not-translated",
                &format!("{acl}: the network ACL is not translated"),
                &format!(
                    "The ACL's rules are applied in rule-number order, and some cannot be read before deployment: {}.",
                    list(&reading.blocking)
                ),
                "No NSG is generated: an NSG built from the other rules alone could allow what a missing rule denied, or deny what it allowed.",
                "Write the NSG for the ACL's subnets by hand (rules in the ACL's order, explicit deny-all rules at priority 4096), or rely on the NSGs of the security groups; until then the subnets are filtered only by those NSGs.",
                Some("manual"),
            );
            for k in parts {
                let name = cx.t.report_name(&cx.t.resources[k].id.clone());
                cx.decide_later(
                    k,
                    "nacl-not-translated",
                    &format!("{name}: its network ACL is not translated"),
                    &format!(
                        "`{name}` belongs to the network ACL `{acl}`, which is not translated."
                    ),
                    "Nothing is generated for it.",
                    "See the ACL's decision.",
                    Some("manual"),
                );
            }
            continue;
        }
        let inbound: Vec<&Entry> = {
            let mut v: Vec<&Entry> = reading.entries.iter().filter(|e| e.inbound).collect();
            v.sort_by_key(|e| e.number);
            v
        };
        let outbound: Vec<&Entry> = {
            let mut v: Vec<&Entry> = reading.entries.iter().filter(|e| !e.inbound).collect();
            v.sort_by_key(|e| e.number);
            v
        };
        if reading.looped.is_empty() && allows_all(&inbound) && allows_all(&outbound) {
            remove_nsg(cx, i);
            cx.decide_later(
                i,
                "nacl-allow-all",
                &format!("{acl}: the network ACL allows all traffic"),
                "The ACL's first rule in each direction allows every protocol to and from anywhere, so it filters nothing (like the VPC's default ACL).",
                "No NSG is generated for it: a subnet without an ACL-derived NSG filters the same traffic, and stays free for the NSG of the security group that protects its members.",
                "None: filtering stays with the NSGs of the security groups.",
                None,
            );
            set_status(cx, i, "not-needed");
            for k in parts {
                set_status(cx, k, "not-needed");
            }
            continue;
        }
        let rules = if reading.looped.is_empty() {
            rules(&reading.entries).map(AzExpr::Array)
        } else {
            Some(looped::rules(cx, &reading.entries, &reading.looped))
        };
        let Some(rules) = rules else {
            remove_nsg(cx, i);
            cx.decide_later(
                i,
                "nacl-not-translated",
                &format!("{acl}: the network ACL has more rules than an NSG orders"),
                "An NSG orders at most 3,995 rules per direction between priorities 100 and 4094.",
                "No NSG is generated.",
                "Split the ACL's rules over the subnets' NSGs by hand.",
                Some("manual"),
            );
            continue;
        };
        let mut on = Vec::new();
        let mut taken = Vec::new();
        for (subnet, conds) in &subnets {
            if super::nsg_members::has_nsg(cx, subnet) {
                taken.push(format!("`{subnet}`"));
                continue;
            }
            let conds: Vec<&str> = conds.iter().map(String::as_str).collect();
            let value = cx.guarded(&conds, AzExpr::obj(vec![("id", AzExpr::path(&sym, "id"))]));
            cx.set_path(subnet, &["properties", "networkSecurityGroup"], value);
            on.push(format!("`{subnet}`"));
        }
        if on.is_empty() {
            remove_nsg(cx, i);
            let why = if !taken.is_empty() {
                format!(
                    "Its subnets {} already carry the NSG of a security group that protects their members, and a subnet takes one NSG.",
                    taken.join(", ")
                )
            } else if !elsewhere.is_empty() {
                "Its subnets are not subnets of this template.".to_string()
            } else {
                "No subnet of this template is associated with it.".to_string()
            };
            cx.decide_later(
                i,
                "nacl-unattached",
                &format!("{acl}: the network ACL has no subnet here to filter"),
                &why,
                "No NSG is generated for it (an NSG attached to nothing filters nothing).",
                "Add the ACL's deny rules, in its order, to the NSG of the subnets it was associated with; its allow rules are covered by that NSG's own rules.",
                Some("manual"),
            );
            for k in parts {
                let name = cx.t.report_name(&cx.t.resources[k].id.clone());
                cx.decide_later(
                    k,
                    "nacl-unattached",
                    &format!("{name}: its network ACL has no subnet here"),
                    &format!("`{name}` belongs to the network ACL `{acl}`, which has no subnet of this template to filter."),
                    "Nothing is generated for it.",
                    "See the ACL's decision.",
                    Some("manual"),
                );
            }
            continue;
        }
        cx.set_path(&sym, &["properties", "securityRules"], rules);
        let mut notes = Vec::new();
        if !taken.is_empty() {
            notes.push(format!(
                "Not associated with {}: those subnets already carry the NSG of a security group that protects their members (a subnet takes one NSG); add this NSG's deny rules to it.",
                taken.join(", ")
            ));
        }
        if !elsewhere.is_empty() {
            notes.push(
                "Subnets of other templates that used the ACL need the NSG associated where they are created."
                    .to_string(),
            );
        }
        let eph = ephemeral(&reading.entries);
        if !eph.is_empty() {
            notes.push(format!(
                "{} opened ephemeral ports for return traffic, which an NSG passes without a rule: remove them after testing to narrow access.",
                eph.join(", ")
            ));
        }
        if !reading.narrowed.is_empty() {
            notes.push(format!(
                "Changed to the safe side: {}.",
                list(&reading.narrowed)
            ));
        }
        cx.decide_later(
            i,
            "nacl-subnets",
            &format!("{acl}: the network ACL's NSG protects its subnets"),
            &format!(
                "The ACL filtered {} with {} rule{}{}.",
                subnets
                    .iter()
                    .map(|(s, _)| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                reading.entries.len(),
                if reading.entries.len() == 1 { "" } else { "s" },
                if reading.looped.is_empty() {
                    String::new()
                } else {
                    format!(
                        " and the rules repeated by {}",
                        reading
                            .looped
                            .iter()
                            .map(|l| format!("`{}`", l.from))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
            &format!("The NSG is associated with {}.", on.join(", ")),
            &if notes.is_empty() {
                "None beyond the ACL type's decision.".to_string()
            } else {
                notes.join(" ")
            },
            None,
        );
        looped::decide(cx, &reading, &acl);
    }
}

/// Whether an entry (its properties) is inbound: `Egress` absent or false; `None` when
/// the direction is known only at deployment.
fn inbound(p: &Expr) -> Option<bool> {
    match p
        .get("Egress")
        .map(|x| (x.literal_bool(), x.literal_text()))
    {
        None => Some(true),
        Some((Some(b), _)) => Some(!b),
        Some((None, Some(t))) if t == "true" || t == "false" => Some(t == "false"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(inbound: bool, allow: bool, number: i64) -> Entry {
        Entry {
            inbound,
            allow,
            number,
            proto: "Tcp",
            prefix: AzExpr::str("10.0.0.0/16"),
            ports: AzExpr::str("443"),
            from: format!("e{number}"),
            widened: None,
        }
    }

    #[test]
    fn rules_keep_the_order_of_rule_numbers_and_end_in_denies() {
        let rules = rules(&[
            entry(true, true, 200),
            entry(true, false, 100),
            entry(false, true, 5),
        ])
        .unwrap();
        let names: Vec<String> = rules
            .iter()
            .map(|r| r.get("name").and_then(|n| n.as_str()).unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "deny-in-100",
                "allow-in-200",
                "allow-azure-load-balancer-in",
                "deny-all-in",
                "allow-out-5",
                "deny-all-out"
            ]
        );
        let prio = |k: usize| rules[k].get("properties").unwrap().get("priority").cloned();
        assert_eq!(prio(0), Some(AzExpr::Int(100)));
        assert_eq!(prio(1), Some(AzExpr::Int(110)));
        assert_eq!(prio(3), Some(AzExpr::Int(4096)));
    }

    #[test]
    fn a_direction_of_only_denies_gets_no_load_balancer_rule() {
        let rules = rules(&[entry(true, false, 100)]).unwrap();
        assert!(!rules.iter().any(
            |r| r.get("name").and_then(|n| n.as_str()) == Some("allow-azure-load-balancer-in")
        ));
    }
}
