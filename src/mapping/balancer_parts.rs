//! Listeners, listener rules and target groups whose load balancer is not in the
//! template (another stack's listener by `Fn::ImportValue`, a balancer in another
//! Terraform module). Application Gateway keeps its listeners, rules, pools, backend
//! settings and probes inside the gateway resource, so a template cannot add them to
//! a gateway it does not declare: each such part becomes a decision that says what to
//! add to the gateway that replaces the other template's balancer, instead of a silent
//! `translated` with nothing generated.

use super::context::Ctx;
use crate::model::expr::Expr;

const PASS: &str = "load-balancers";

/// The resource of role `role` that `e` references.
fn referenced(cx: &Ctx, e: Option<&Expr>, role: &str) -> Option<usize> {
    e.and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, PASS, role))
}

/// The parts of the template whose load balancer is elsewhere: a decision each.
pub fn finish(cx: &mut Ctx) {
    let n = cx.t.resources.len();
    let balancers: Vec<usize> = (0..n).filter(|l| cx.plays(*l, PASS, "balancer")).collect();
    let used: Vec<usize> = balancers
        .iter()
        .flat_map(|l| super::gateways::target_groups(cx, *l))
        .collect();
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
            (
                "The listener belongs to a load balancer that this template does not declare.",
                "a frontend port and an HTTP listener (with its certificate for HTTPS), and a routing rule to its default action's pool",
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
                "a path rule (its conditions' paths) in the URL path map of the listener's routing rule, to the rule's pool and backend settings",
            )
        } else if cx.plays(k, PASS, "target-group") {
            // A target group no balancer of the template forwards to: the listener or
            // rule that does is in another template.
            if used.contains(&k) {
                continue;
            }
            (
                "No load balancer of this template forwards to the target group: the listener or rule that does belongs to a load balancer that this template does not declare.",
                "a backend pool (the addresses or FQDNs of the Azure resources that replace its targets), backend settings with its port and protocol, and a health probe with its path",
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
                "Nothing is generated for it here: Application Gateway holds its parts inside the gateway resource, which the other template's conversion declares. Add {add} to that gateway."
            ),
            "Until the part is added to the gateway, the traffic it routed does not reach its backends.",
            Some("partial"),
        );
    }
}
