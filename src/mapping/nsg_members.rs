//! Security groups whose members are not VMs: the NSG goes on the members' subnets.
//!
//! An EC2 security group protects network interfaces: a VM's NIC takes its NSG
//! directly (see `network::nic_ip_configs`). Load balancers, functions in a VPC,
//! endpoints, mount targets, container services and brokers also sit in subnets with
//! security groups; in Azure their traffic is filtered by the NSG of the subnet they
//! are placed in. The lookup table `security-group-members` says, per resource type,
//! where its security groups and its subnets are read (`a.b`, `a[].b` for each element
//! of a list, `a>b` to follow a reference to another resource and read `b` there).
//! A subnet takes one NSG: the first group (in template order) that claims a subnet
//! gets it; a later group that claims the same subnet gets a decision instead.

use std::collections::BTreeMap;

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::azure::types::SUBNET;
use crate::model::expr::{Expr, ExprKind};

const TABLE: &str = "security-group-members";

/// The values at `path` in `props` (lists at the end are flattened).
fn values_at(cx: &Ctx, props: &Expr, path: &str) -> Vec<Expr> {
    let (here, follow) = match path.split_once('>') {
        Some((h, f)) => (h, Some(f)),
        None => (path, None),
    };
    let mut cur = vec![props.clone()];
    for seg in here.split('.') {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for e in &cur {
            let Some(v) = e.get(name) else { continue };
            match v.as_list() {
                Some(l) if each => next.extend(l.iter().cloned()),
                _ => next.push(v.clone()),
            }
        }
        cur = next;
    }
    let flat: Vec<Expr> = cur
        .into_iter()
        .flat_map(|e| match &e.kind {
            ExprKind::List(l) => l.clone(),
            _ => vec![e],
        })
        .collect();
    match follow {
        None => flat,
        Some(rest) => flat
            .iter()
            .filter_map(|e| cx.referenced_resource(e))
            .flat_map(|j| values_at(cx, &cx.t.resources[j].properties, rest))
            .collect(),
    }
}

/// Group `j`'s members, the converted subnets they run in, and the members whose
/// subnets are not in the template.
struct Members {
    ids: Vec<String>,
    subnets: Vec<String>,
    elsewhere: Vec<String>,
}

fn members(cx: &Ctx, j: usize) -> Members {
    let t = cx.t;
    let mut m = Members {
        ids: Vec::new(),
        subnets: Vec::new(),
        elsewhere: Vec::new(),
    };
    for r in &t.resources {
        // Types the table knows (it says where their subnets are); a VM-like member
        // (a scaling group's scale set) carries the NSG on its network interfaces.
        if cx.tables.lookup(TABLE, &r.ty).is_none()
            || cx.tables.plays(&r.ty, "security-groups", "vm")
            || !is_member(cx, r, j)
        {
            continue;
        }
        // A balancer that becomes an Application Gateway: the gateway's own subnet
        // carries the NSG (see gateways.rs) when its network is in the template;
        // otherwise that subnet is a parameter.
        if let Some(k) = t.resources.iter().position(|x| x.id == r.id)
            && super::gateways::is_gateway(cx, k)
        {
            if !super::gateways::vnet_in_template(cx, k) {
                m.ids.push(named(cx, r));
                m.elsewhere.push(format!(
                    "the Application Gateway that replaces {} (its subnet is a parameter)",
                    cx.t.report_name(&r.id)
                ));
            }
            continue;
        }
        // A classic balancer becomes a Standard Load Balancer, which passes clients
        // through: its groups' rules guard the backends instead (see classic_elb.rs).
        if let Some(k) = t.resources.iter().position(|x| x.id == r.id)
            && super::classic_elb::is_classic(cx, k)
        {
            continue;
        }
        m.ids.push(named(cx, r));
        let mut found = false;
        for p in cx.tables.lookup_list(TABLE, &r.ty, "subnets") {
            for s in values_at(cx, &r.properties, &p) {
                let Some(k) = cx.referenced_resource(&s) else {
                    continue;
                };
                let Some(sym) = subnet_symbol(cx, k) else {
                    continue;
                };
                found = true;
                if !m.subnets.contains(&sym) {
                    m.subnets.push(sym);
                }
            }
        }
        if !found {
            m.elsewhere.push(cx.t.report_name(&r.id));
        }
    }
    m
}

/// The Azure subnet resource `k` became, if it became one.
fn subnet_symbol(cx: &Ctx, k: usize) -> Option<String> {
    let entry = cx.prepared[k].entry.as_ref()?;
    let spec = entry.resources.first()?;
    let sym = cx.resolve_symbol(k, &spec.symbol);
    cx.module
        .resources
        .iter()
        .any(|r| r.symbol == sym && r.ty == SUBNET.ty && !r.existing)
        .then_some(sym)
}

/// Does resource `r` hold group `j` as a member? Through the table's `groups` paths, or
/// a reference anywhere under a security-group property (`VpcSecurityGroupIds`,
/// `GroupSet`, `security_groups` …, also inside a condition). A group id passed on as a
/// value (an environment variable, a policy's resource, a stack parameter) is not
/// membership.
pub(super) fn is_member(cx: &Ctx, r: &crate::model::template::Resource, j: usize) -> bool {
    let groups = cx.tables.lookup_list(TABLE, &r.ty, "groups");
    groups.iter().any(|p| {
        values_at(cx, &r.properties, p)
            .iter()
            .any(|g| cx.referenced_resource(g) == Some(j))
    }) || under_group_key(cx, &r.properties, j, false)
}

/// The resources that hold group `j` as a member, other than security groups and their
/// rules.
pub(super) fn member_resources(cx: &Ctx, j: usize) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|k| {
            *k != j
                && !cx.plays(*k, "security-groups", "group")
                && !cx.plays(*k, "security-groups", "ingress")
                && !cx.plays(*k, "security-groups", "egress")
                && is_member(cx, &cx.t.resources[*k], j)
        })
        .collect()
}

fn under_group_key(cx: &Ctx, e: &Expr, j: usize, inside: bool) -> bool {
    // CloudFormation's PascalCase keys and Terraform's argument names; values passed on
    // (environment variables, policies, tags, stack parameters) are not looked into.
    let group_key = |k: &str| {
        k.contains("SecurityGroup")
            || matches!(k, "Groups" | "GroupSet")
            || k.ends_with("security_groups")
            || k.ends_with("security_group_id")
            || k.ends_with("security_group_ids")
    };
    let passed_on = |k: &str| {
        matches!(
            k,
            "Environment"
                | "Variables"
                | "environment"
                | "variables"
                | "Policies"
                | "PolicyDocument"
                | "policy"
                | "Tags"
                | "tags"
                | "Parameters"
                | "parameters"
        )
    };
    match &e.kind {
        ExprKind::Object(entries) => entries
            .iter()
            .any(|(k, _, v)| !passed_on(k) && under_group_key(cx, v, j, inside || group_key(k))),
        ExprKind::List(items) => items.iter().any(|v| under_group_key(cx, v, j, inside)),
        _ if inside => {
            let mut found = false;
            e.walk(&mut |x| {
                if cx.referenced_resource(x) == Some(j) {
                    found = true;
                }
            });
            found
        }
        // Objects inside other forms (a `dynamic` block's content, a condition).
        _ => {
            let mut found = false;
            e.walk(&mut |x| {
                if !found && !std::ptr::eq(x, e) && matches!(x.kind, ExprKind::Object(_)) {
                    found = under_group_key(cx, x, j, false);
                }
            });
            found
        }
    }
}

/// A resource as decisions name it: a Terraform address (which holds its type), or a
/// logical id with its type.
pub(super) fn named(cx: &Ctx, r: &crate::model::template::Resource) -> String {
    let name = cx.t.report_name(&r.id);
    if name == r.id {
        format!("{} ({})", r.id, r.ty)
    } else {
        name
    }
}

/// The members of group `j` whose subnets are not subnets of this template.
pub(super) fn outside_subnets(cx: &Ctx, j: usize) -> Vec<String> {
    members(cx, j).elsewhere
}

/// Does subnet `sym` carry an NSG already (a database's, or another group's)?
pub(super) fn has_nsg(cx: &Ctx, sym: &str) -> bool {
    cx.module
        .resources
        .iter()
        .filter(|r| r.symbol == sym)
        .flat_map(|r| r.body.iter().filter(|(k, _)| k == "properties"))
        .any(|(_, p)| p.get("networkSecurityGroup").is_some())
}

/// What [`attach`] did: the groups attached to at least one subnet, and for the
/// others whose members' subnets all carried another NSG, those subnets.
#[derive(Default)]
pub(super) struct Attached {
    pub groups: Vec<usize>,
    pub blocked: BTreeMap<usize, Vec<String>>,
}

/// Attaches each group in `groups` (that has members outside VMs) to its members'
/// subnets.
pub(super) fn attach(cx: &mut Ctx, groups: &[usize]) -> Attached {
    let mut done = Attached::default();
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    for &j in groups {
        let m = members(cx, j);
        if m.ids.is_empty() {
            continue;
        }
        let g = cx.t.resources[j].clone();
        let nsg = cx.prepared[j].sym.clone();
        let (mut on, mut taken) = (Vec::new(), Vec::new());
        for subnet in &m.subnets {
            if let Some(other) = claimed.get(subnet) {
                taken.push(format!("`{subnet}` (already protected by {other})"));
                continue;
            }
            if has_nsg(cx, subnet) {
                taken.push(format!("`{subnet}` (already carries an NSG)"));
                continue;
            }
            let mut conds: Vec<&str> = Vec::new();
            conds.extend(g.condition.as_ref().map(|(c, _)| c.as_str()));
            let value = cx.guarded(&conds, AzExpr::obj(vec![("id", AzExpr::path(&nsg, "id"))]));
            cx.set_path(subnet, &["properties", "networkSecurityGroup"], value);
            claimed.insert(subnet.clone(), cx.t.report_name(&g.id));
            on.push(format!("`{subnet}`"));
        }
        let used_by = m.ids.join(", ");
        if on.is_empty() {
            if !taken.is_empty() {
                done.blocked.insert(j, taken);
            }
            continue;
        }
        done.groups.push(j);
        let mut consequences = "Every workload in these subnets is now filtered by the group's rules, not only the group's members: keep subnets per tier, or narrow the rules' destination prefixes to the members' addresses.".to_string();
        if !taken.is_empty() {
            consequences.push_str(&format!(
                " Not attached to {}: a subnet takes one NSG, so merge these rules into that NSG.",
                taken.join(", ")
            ));
        }
        if !m.elsewhere.is_empty() {
            consequences.push_str(&format!(
                " The subnets of {} are not in this template: associate the NSG with them where they are created.",
                m.elsewhere.join(", ")
            ));
        }
        cx.decide_later(
            j,
            "nsg-member-subnets",
            &format!("{}: the NSG protects its members' subnets", g.id),
            &format!("The security group protected {used_by}. An Azure NSG filters a subnet or a VM's network interface; these members are not VMs, so their subnets carry it."),
            &format!("The NSG is associated with {}, where the members run.", on.join(", ")),
            &consequences,
            None,
        );
    }
    done
}
