//! Network ACL entries repeated with `count` or `for_each` (terraform-aws-modules/vpc's
//! `aws_network_acl_rule` over `var.*_acl_rules`), or that exist under a condition of
//! their own: each becomes a `for` expression among the ACL's NSG rules, and every rule
//! of a direction that has one takes its priority from its rank in rule-number order.
//!
//! Priority scheme (collision-free, order kept): an entry with rule number `n` gets
//! priority `100 + (the number of entries of its direction whose rule number is below
//! n)`, counted over the fixed entries (literally) and over every element of every
//! repeated entry (at deployment, `length([for x in coll: x if number(x) < n])`). AWS
//! keeps rule numbers unique per direction of an ACL, so the priorities are distinct and
//! dense from 100, in the ACL's order; the explicit deny-all rules stay at 4096.

use super::super::context::Ctx;
use super::super::nsg_loops;
use super::{Entry, Reading};
use crate::azure::{AzExpr, AzKey, Interp, TfForm};
use crate::model::expr::{Expr, ExprKind};

/// The loop variable of a repeated entry's `for` expression.
const BODY: &str = "aclRule";
/// The variable that counts the elements of another entry before this one.
const OTHER: &str = "aclOther";
/// The variable that counts the fixed entries before this one.
const FIXED: &str = "aclFixed";

/// A repeated entry resource, read.
pub(super) struct Looped {
    /// The entry resource, by index.
    j: usize,
    pub inbound: bool,
    /// The entry's address.
    pub from: String,
    /// Its action when every element has the same (a literal).
    pub allow: Option<bool>,
    /// What its `for` iterates: its elements (less type-specific ICMP allows).
    coll: AzExpr,
    /// Every element, for the ranks.
    all: AzExpr,
    /// An element's values, in [`BODY`].
    number: AzExpr,
    access: AzExpr,
    proto: AzExpr,
    prefix: AzExpr,
    ports: AzExpr,
    /// An element's rule number, in [`OTHER`].
    number_other: AzExpr,
    /// Type-specific ICMP allows were filtered out.
    pub icmp_filtered: bool,
    /// How it repeats, for its decision.
    how: &'static str,
}

fn bx(e: AzExpr) -> Box<AzExpr> {
    Box::new(e)
}

fn not_null(e: Option<&Expr>) -> Option<&Expr> {
    e.filter(|x| !matches!(x.kind, ExprKind::Null))
}

/// Reads repeated entry resource `j`; `Err` says why it cannot be read before deployment.
pub(super) fn read(cx: &mut Ctx, j: usize) -> Result<Looped, String> {
    let r = cx.t.resources[j].clone();
    let from = cx.t.report_name(&r.id);
    let p = &r.properties;
    let Some(inbound) = super::inbound(p) else {
        return Err(format!(
            "`{from}`: its direction is known only at deployment"
        ));
    };
    let allow = match not_null(p.get("RuleAction")) {
        None => return Err(format!("`{from}`: it names no action")),
        Some(a) => match a.literal_text().map(|t| t.to_ascii_lowercase()).as_deref() {
            Some("allow") => Some(true),
            Some("deny") => Some(false),
            Some(t) => {
                return Err(format!(
                    "`{from}`: its action `{t}` is neither allow nor deny"
                ));
            }
            None => None,
        },
    };
    let Some(number_in) = not_null(p.get("RuleNumber")) else {
        return Err(format!("`{from}`: it names no rule number"));
    };
    if let Some(t) = not_null(p.get("Protocol")).and_then(|x| x.literal_text())
        && super::protocol(p.get("Protocol")).is_none()
    {
        return Err(format!(
            "`{from}`: its protocol {t} is not one an NSG matches"
        ));
    }
    let cidrs: Vec<&Expr> = ["CidrBlock", "Ipv6CidrBlock"]
        .iter()
        .filter_map(|k| not_null(p.get(k)))
        .collect();
    if cidrs.is_empty() {
        return Err(format!("`{from}`: it names no address range"));
    }
    let icmp_type =
        not_null(p.get("Icmp").and_then(|x| x.get("Type"))).filter(|t| t.literal_i64() != Some(-1));
    let range = p.get("PortRange");

    // The element's values with the loop variable bound to `BODY`, then to `OTHER`.
    let (ident, repeated) = match (&r.for_each, &r.condition) {
        (Some(fe), _) => (fe.ident.clone(), Some(fe.collection.clone())),
        (None, Some(_)) => ("count".to_string(), None),
        (None, None) => return Err(format!("`{from}`: it does not repeat")),
    };
    let saved = (cx.loop_var.clone(), cx.current);
    cx.current = Some(j);
    cx.loop_var = Some((ident.clone(), BODY.into()));
    let number = crate::azure::coerce(cx.tr(number_in), "int");
    let action_in = p.get("RuleAction").map(|a| cx.tr(a));
    let proto_in = not_null(p.get("Protocol")).map(|x| cx.tr(x));
    let port_from = not_null(range.and_then(|x| x.get("From"))).map(|x| cx.tr(x));
    let port_to = not_null(range.and_then(|x| x.get("To"))).map(|x| cx.tr(x));
    // A protocol the entry states literally: its port range is read as a fixed entry's.
    let fixed_ports = not_null(p.get("Protocol"))
        .and_then(|_| super::protocol(p.get("Protocol")))
        .map(|proto| {
            super::super::network::port_range_of(
                cx,
                not_null(range.and_then(|x| x.get("From"))),
                not_null(range.and_then(|x| x.get("To"))),
                proto,
            )
        });
    let cidr: Vec<AzExpr> = cidrs.iter().map(|e| cx.tr(e)).collect();
    let icmp = icmp_type.map(|t| cx.tr(t));
    cx.loop_var = Some((ident, OTHER.into()));
    let number_other = crate::azure::coerce(cx.tr(number_in), "int");
    let all = match (&repeated, &r.condition) {
        (Some(c), _) => cx.tr(c),
        (None, Some((c, _))) => AzExpr::Cond(
            bx(cx.condition_ref(c)),
            bx(AzExpr::Array(vec![AzExpr::Int(0)])),
            bx(AzExpr::Array(Vec::new())),
        ),
        (None, None) => AzExpr::Array(Vec::new()),
    };
    (cx.loop_var, cx.current) = saved;

    let access = match allow {
        Some(true) => AzExpr::str("Allow"),
        Some(false) => AzExpr::str("Deny"),
        // Anything but `allow` denies (AWS accepts only allow and deny).
        None => AzExpr::Cond(
            bx(AzExpr::Bin(
                "==",
                bx(AzExpr::call(
                    "toLower",
                    vec![AzExpr::call("string", vec![action_in.unwrap_or_default()])],
                )),
                bx(AzExpr::str("allow")),
            )),
            bx(AzExpr::str("Allow")),
            bx(AzExpr::str("Deny")),
        ),
    };
    let proto = nsg_loops::protocol_of(cx, proto_in);
    let ports = fixed_ports.unwrap_or_else(|| nsg_loops::ports_of(&proto, port_from, port_to));
    let prefix = match nsg_loops::first_of(&cidr) {
        AzExpr::Str(s) if s == "0.0.0.0/0" => AzExpr::str("*"),
        other => other,
    };
    // An allow of one ICMP type would admit every type: such elements are left out (a
    // deny of one type denies every type, the safe side).
    let (coll, icmp_filtered) = match icmp {
        Some(t) if allow != Some(false) => {
            let ne = |a: AzExpr, b: AzExpr| AzExpr::Bin("!=", bx(a), bx(b));
            let keep = [
                ne(proto.clone(), AzExpr::str("Icmp")),
                ne(access.clone(), AzExpr::str("Allow")),
                AzExpr::Bin("==", bx(t.clone()), bx(AzExpr::Null)),
                AzExpr::Bin(
                    "==",
                    bx(AzExpr::call("string", vec![t])),
                    bx(AzExpr::str("-1")),
                ),
            ]
            .into_iter()
            .reduce(|a, b| AzExpr::Bin("||", bx(a), bx(b)))
            .unwrap_or(AzExpr::Bool(true));
            let f = select(cx, BODY, all.clone(), keep, r.span);
            (f, true)
        }
        _ => (all.clone(), false),
    };
    Ok(Looped {
        j,
        inbound,
        from,
        allow,
        coll,
        all,
        number,
        access,
        proto,
        prefix,
        ports,
        number_other,
        icmp_filtered,
        how: if repeated.is_some() {
            "over a collection"
        } else {
            "under a condition of its own"
        },
    })
}

/// `[for var in coll: var if cond]`, a list in both back ends.
fn select(
    cx: &mut Ctx,
    var: &str,
    coll: AzExpr,
    cond: AzExpr,
    span: crate::source::Span,
) -> AzExpr {
    cx.tf_only(
        TfForm::For,
        vec![
            AzExpr::str(""),
            AzExpr::str(var),
            coll,
            AzExpr::Null,
            AzExpr::ident(var),
            cond,
            AzExpr::Bool(false),
        ],
        span,
    )
}

/// The priority of a rule with number `n` (an expression of the scope it is used in):
/// 100 plus how many entries of its direction come before it.
fn priority(cx: &mut Ctx, n: &AzExpr, fixed: &[i64], looped: &[&Looped]) -> AzExpr {
    let span = crate::source::Span::default();
    let mut base = super::FIRST;
    let mut terms = Vec::new();
    match n {
        AzExpr::Int(v) => base += fixed.iter().filter(|&&x| x < *v).count() as i64,
        _ if !fixed.is_empty() => {
            let list = AzExpr::Array(fixed.iter().map(|&x| AzExpr::Int(x)).collect());
            let before = AzExpr::Bin("<", bx(AzExpr::ident(FIXED)), bx(n.clone()));
            terms.push(AzExpr::call(
                "length",
                vec![select(cx, FIXED, list, before, span)],
            ));
        }
        _ => {}
    }
    for l in looped {
        // Both numbers known: every element of `l` comes before, or none does.
        if let (AzExpr::Int(a), AzExpr::Int(b)) = (&l.number_other, n) {
            if a < b {
                terms.push(AzExpr::call("length", vec![l.all.clone()]));
            }
            continue;
        }
        let before = AzExpr::Bin("<", bx(l.number_other.clone()), bx(n.clone()));
        terms.push(AzExpr::call(
            "length",
            vec![select(cx, OTHER, l.all.clone(), before, span)],
        ));
    }
    terms
        .into_iter()
        .fold(AzExpr::Int(base), |a, t| AzExpr::Bin("+", bx(a), bx(t)))
}

/// The ACL's NSG rules when some entries repeat: per direction, the fixed entries and a
/// `for` expression per repeated entry, all ranked by rule number, then the
/// load-balancer allow (inbound, when a rule may allow) and the deny-all rule.
pub(super) fn rules(cx: &mut Ctx, entries: &[Entry], looped: &[Looped]) -> AzExpr {
    let mut parts = Vec::new();
    for inbound in [true, false] {
        let mut fixed: Vec<&Entry> = entries.iter().filter(|e| e.inbound == inbound).collect();
        fixed.sort_by_key(|e| e.number);
        let loops: Vec<&Looped> = looped.iter().filter(|l| l.inbound == inbound).collect();
        let way = if inbound { "in" } else { "out" };
        let numbers: Vec<i64> = fixed.iter().map(|e| e.number).collect();
        if loops.is_empty() {
            // Only fixed entries: the static scheme (from 100 in steps of 10).
            let owned: Vec<Entry> = fixed.iter().map(|e| (*e).clone()).collect();
            if let Some(r) = super::rules_of(&owned, inbound) {
                parts.push(AzExpr::Array(r));
                continue;
            }
        }
        let mut plain = Vec::new();
        for e in &fixed {
            let name = format!(
                "{}-{way}-{}",
                if e.allow { "allow" } else { "deny" },
                e.number
            );
            let prio = priority(cx, &AzExpr::Int(e.number), &numbers, &loops);
            let mut r = super::rule(
                &name,
                0,
                inbound,
                e.allow,
                e.proto,
                e.prefix.clone(),
                e.ports.clone(),
            );
            set_priority(&mut r, prio);
            plain.push(r);
        }
        if !plain.is_empty() {
            parts.push(AzExpr::Array(plain));
        }
        for l in &loops {
            let prio = priority(cx, &l.number, &numbers, &loops);
            let (src, dst) = if inbound {
                (l.prefix.clone(), AzExpr::str("*"))
            } else {
                (AzExpr::str("*"), l.prefix.clone())
            };
            let action = match l.allow {
                Some(true) => "allow",
                Some(false) => "deny",
                None => "rule",
            };
            let name = match &l.number {
                AzExpr::Int(n) => AzExpr::Str(format!("{action}-{way}-{n}")),
                n => AzExpr::Interp(vec![
                    Interp::Lit(format!("{action}-{way}-")),
                    Interp::Expr(n.clone()),
                ]),
            };
            let body = AzExpr::obj(vec![
                ("name", name),
                (
                    "properties",
                    AzExpr::obj(vec![
                        ("priority", prio),
                        (
                            "direction",
                            AzExpr::str(if inbound { "Inbound" } else { "Outbound" }),
                        ),
                        ("access", l.access.clone()),
                        ("protocol", l.proto.clone()),
                        ("sourceAddressPrefix", src),
                        ("sourcePortRange", AzExpr::str("*")),
                        ("destinationAddressPrefix", dst),
                        ("destinationPortRange", l.ports.clone()),
                    ]),
                ),
            ]);
            parts.push(AzExpr::For(BODY.into(), bx(l.coll.clone()), bx(body)));
        }
        let mut last = Vec::new();
        if inbound
            && (fixed.iter().any(|e| e.allow) || loops.iter().any(|l| l.allow != Some(false)))
        {
            last.push(super::rule(
                "allow-azure-load-balancer-in",
                4095,
                true,
                true,
                "*",
                AzExpr::str("AzureLoadBalancer"),
                AzExpr::str("*"),
            ));
        }
        last.push(super::rule(
            &format!("deny-all-{way}"),
            4096,
            inbound,
            false,
            "*",
            AzExpr::str("*"),
            AzExpr::str("*"),
        ));
        parts.push(AzExpr::Array(last));
    }
    // Adjacent plain arrays are one.
    let mut merged: Vec<AzExpr> = Vec::new();
    for p in parts {
        match (merged.last_mut(), p) {
            (Some(AzExpr::Array(a)), AzExpr::Array(b)) => a.extend(b),
            (_, p) => merged.push(p),
        }
    }
    AzExpr::call("concat", merged)
}

fn set_priority(rule: &mut AzExpr, prio: AzExpr) {
    if let AzExpr::Object(m) = rule
        && let Some((_, props)) = m.iter_mut().find(|(k, _)| is(k, "properties"))
        && let AzExpr::Object(p) = props
        && let Some((_, v)) = p.iter_mut().find(|(k, _)| is(k, "priority"))
    {
        *v = prio;
    }
}

fn is(k: &AzKey, name: &str) -> bool {
    matches!(k, AzKey::Name(n) if n == name)
}

/// The decision of each repeated entry of the ACL `acl`, once its NSG is generated.
pub(super) fn decide(cx: &mut Ctx, reading: &Reading, acl: &str) {
    for l in &reading.looped {
        let icmp = if l.icmp_filtered {
            " Elements that allow a single ICMP type are left out (an NSG rule would admit every ICMP type): narrower, never wider."
        } else if l.allow == Some(false) {
            " A deny of a single ICMP type denies every ICMP type from its range (the safe side)."
        } else {
            ""
        };
        cx.decide_later(
            l.j,
            "nacl-looped-rules",
            &format!("{}: repeated ACL rules become a for expression in the NSG", l.from),
            &format!(
                "`{}` repeats a rule of the network ACL `{acl}` {}; the ACL applies its rules in rule-number order.",
                l.from, l.how
            ),
            &format!(
                "The NSG's rules hold one rule per element, named `<action>-{}-<rule number>`. Every rule of that direction takes priority 100 plus the number of the ACL's rules (fixed and repeated) of the direction with a lower rule number, counted when the deployment evaluates the collections: rule numbers are unique per direction, so the priorities are distinct and keep the ACL's order, and the explicit deny-all rule stays last at 4096.{icmp}",
                if l.inbound { "in" } else { "out" }
            ),
            "A direction with more than 3,995 rules, or a protocol NSGs cannot match (other than TCP, UDP, ICMP, ESP, AH or all), fails the deployment rather than reordering or widening a rule.",
            None,
        );
    }
}
