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
use crate::azure::types::{NETWORK_SECURITY_GROUP as NSG, SUBNET};
use crate::model::expr::{Expr, ExprKind};

const TABLE: &str = "security-group-members";

/// The values at `path` in `props` (lists at the end are flattened).
fn values_at(cx: &Ctx, props: &Expr, path: &str) -> Vec<Expr> {
    marked_values_at(cx, props, path)
        .into_iter()
        .map(|(e, _)| e)
        .collect()
}

/// [`values_at`], each value marked `true` when it is a whole list written as one
/// expression (a list parameter, `Fn::Split`, a module output): the value of a list
/// property (`SubnetIds`, `subnets`) that is not a literal list.
fn marked_values_at(cx: &Ctx, props: &Expr, path: &str) -> Vec<(Expr, bool)> {
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
    let last = here
        .rsplit('.')
        .next()
        .unwrap_or(here)
        .trim_end_matches("[]");
    let plural = last.ends_with('s')
        || last.to_ascii_lowercase().ends_with("zoneidentifier")
        || last.ends_with("zone_identifier");
    let flat: Vec<(Expr, bool)> = cur
        .into_iter()
        .flat_map(|e| match &e.kind {
            ExprKind::List(l) => l.iter().map(|x| (x.clone(), false)).collect(),
            _ => vec![(e, follow.is_none() && plural)],
        })
        .collect();
    match follow {
        None => flat,
        Some(rest) => flat
            .iter()
            .filter_map(|(e, _)| cx.referenced_resource(e))
            .flat_map(|j| marked_values_at(cx, &cx.t.resources[j].properties, rest))
            .collect(),
    }
}

/// Group `j`'s members, the converted subnets they run in, the subnets outside the
/// template they run in (the AWS value, and whether it is a whole list), and the
/// members in no subnet of the template.
struct Members {
    ids: Vec<String>,
    subnets: Vec<String>,
    outside: Vec<(Expr, bool, usize)>,
    elsewhere: Vec<String>,
}

fn members(cx: &Ctx, j: usize) -> Members {
    let t = cx.t;
    let mut m = Members {
        ids: Vec::new(),
        subnets: Vec::new(),
        outside: Vec::new(),
        elsewhere: Vec::new(),
    };
    for (ri, r) in t.resources.iter().enumerate() {
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
            for (s, list) in marked_values_at(cx, &r.properties, &p) {
                let Some(k) = cx.referenced_resource(&s) else {
                    // A subnet known by id (a parameter, an import, a module's output).
                    if by_id(&s) {
                        found = true;
                        m.outside.push((s, list, ri));
                    }
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

/// The Azure value of subnet `s` of member `k`, and whether it is a list. A looped
/// member's subnet read per copy (`subnets[count.index]`) stands for the whole list;
/// `None` when it depends on the copy otherwise.
pub(super) fn loop_free(cx: &mut Ctx, k: usize, s: &Expr, list: bool) -> Option<(AzExpr, bool)> {
    let id = cx.tr(s);
    let Some(fe) = cx.t.resources[k].for_each.as_ref() else {
        return Some((id, list));
    };
    let var = fe.ident.clone();
    let mentions = |e: &AzExpr| {
        let mut used = Vec::new();
        e.idents(&mut used);
        used.contains(&var)
    };
    if !mentions(&id) {
        return Some((id, list));
    }
    match &id {
        AzExpr::Index(base, _) if !mentions(base) => Some(((**base).clone(), true)),
        _ => None,
    }
}

/// Is `e` a subnet id the deployment gives (not a literal, not `null`)?
fn by_id(e: &Expr) -> bool {
    !matches!(
        e.kind,
        ExprKind::Null | ExprKind::Str(_) | ExprKind::Number(_) | ExprKind::Bool(_)
    )
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
/// subnets: those of the template, and those known only by id (see [`on_existing`]).
pub(super) fn attach(cx: &mut Ctx, groups: &[usize]) -> Attached {
    let mut done = Attached::default();
    let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
    let mut claimed_ids: Vec<(AzExpr, usize)> = Vec::new();
    for &j in groups {
        let m = members(cx, j);
        if m.ids.is_empty() {
            continue;
        }
        let g = cx.t.resources[j].clone();
        let nsg = cx.prepared[j].sym.clone();
        let (mut on, mut taken, mut by_id) = (Vec::new(), Vec::new(), Vec::new());
        // The groups whose NSG holds the subnets this one cannot take (`None`: an NSG
        // another pass put there).
        let mut owners: Vec<Option<usize>> = Vec::new();
        for subnet in &m.subnets {
            if let Some(&other) = claimed.get(subnet) {
                let other_name = cx.t.report_name(&cx.t.resources[other].id);
                taken.push(format!("`{subnet}` (already protected by {other_name})"));
                owners.push(Some(other));
                continue;
            }
            if has_nsg(cx, subnet) {
                taken.push(format!("`{subnet}` (already carries an NSG)"));
                owners.push(None);
                continue;
            }
            let mut conds: Vec<&str> = Vec::new();
            conds.extend(g.condition.as_ref().map(|(c, _)| c.as_str()));
            let value = cx.guarded(&conds, AzExpr::obj(vec![("id", AzExpr::path(&nsg, "id"))]));
            cx.set_path(subnet, &["properties", "networkSecurityGroup"], value);
            claimed.insert(subnet.clone(), j);
            on.push(format!("`{subnet}`"));
        }
        for (s, list, member) in &m.outside {
            let Some((id, list)) = loop_free(cx, *member, s, *list) else {
                continue;
            };
            let shown = format!("`{}`", crate::backend::bicep::print_expr(&id));
            if let Some(&(_, other)) = claimed_ids.iter().find(|(x, _)| *x == id) {
                let other_name = cx.t.report_name(&cx.t.resources[other].id);
                taken.push(format!("{shown} (already protected by {other_name})"));
                owners.push(Some(other));
                continue;
            }
            on_existing(cx, j, id.clone(), list);
            claimed_ids.push((id, j));
            by_id.push(shown);
        }
        let used_by = m.ids.join(", ");
        if on.is_empty() && by_id.is_empty() {
            // Every subnet is another group's: one NSG serves both groups.
            let first = owners.first().copied().flatten();
            if let Some(a) = first.filter(|a| owners.iter().all(|o| *o == Some(*a)))
                && merge_into(cx, j, a, &used_by, &taken)
            {
                done.groups.push(j);
                continue;
            }
            if !taken.is_empty() {
                done.blocked.insert(j, taken);
            }
            continue;
        }
        done.groups.push(j);
        if !by_id.is_empty() {
            existing_subnet_decision(cx, j, &used_by, &by_id);
        }
        if on.is_empty() {
            continue;
        }
        let mut consequences = "Every workload in these subnets is now filtered by the group's rules, not only the group's members: keep subnets per tier, or narrow the rules' destination prefixes to the members' addresses.".to_string();
        if !taken.is_empty() {
            consequences.push_str(&format!(
                " Not attached to {}: a subnet takes one NSG, so merge these rules into that NSG.",
                taken.join(", ")
            ));
        }
        if !m.elsewhere.is_empty() {
            consequences.push_str(&format!(
                " {} run in no subnet of this deployment (the default VPC): nothing to associate for them.",
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

/// Puts group `j`'s NSG on an existing subnet that this template does not create, known
/// by its resource id `id` (each of the ids, when `list`): a change to that subnet
/// (`AzResource::updates`) that keeps the rest of it. Returns the change's symbol.
pub(super) fn on_existing(cx: &mut Ctx, j: usize, id: AzExpr, list: bool) -> String {
    let g = cx.t.resources[j].clone();
    let nsg = cx.prepared[j].sym.clone();
    let sym = cx
        .syms
        .alloc(&format!("{nsg}Subnet{}", if list { "s" } else { "" }));
    let subnet_value = id.clone();
    let (for_each, target) = if list {
        (
            Some(("subnetId".to_string(), id)),
            AzExpr::ident("subnetId"),
        )
    } else {
        (None, id)
    };
    let condition = g.condition.as_ref().map(|(c, _)| cx.condition_ref(c));
    let name = AzExpr::call(
        "last",
        vec![AzExpr::call(
            "split",
            vec![target.clone(), AzExpr::str("/")],
        )],
    );
    cx.module.resources.push(crate::azure::AzResource {
        symbol: sym.clone(),
        ty: SUBNET.ty.into(),
        api: SUBNET.api.into(),
        name,
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![(
                "networkSecurityGroup",
                AzExpr::obj(vec![("id", AzExpr::path(&nsg, "id"))]),
            )]),
        )],
        condition,
        for_each,
        updates: Some(target),
        source: g.id.clone(),
        ..Default::default()
    });
    // What this deployment puts in those subnets waits for the NSG: it starts protected,
    // and no two operations on one subnet run at once (the network refuses that).
    let nsg_reads: Vec<String> = {
        let mut used = Vec::new();
        if let Some(n) = cx.module.resources.iter().find(|r| r.symbol == nsg) {
            n.body.iter().for_each(|(_, v)| v.idents(&mut used));
        }
        used
    };
    for r in cx.module.resources.iter_mut() {
        if r.symbol == sym || r.symbol == nsg || r.existing || nsg_reads.contains(&r.symbol) {
            continue;
        }
        if r.body.iter().any(|(_, v)| contains(v, &subnet_value)) && !r.depends_on.contains(&sym) {
            r.depends_on.push(sym.clone());
        }
    }
    sym
}

/// Does `e` hold `part` (as itself or in any sub-expression)?
fn contains(e: &AzExpr, part: &AzExpr) -> bool {
    if e == part {
        return true;
    }
    let mut found = false;
    e.for_each_child(&mut |c| {
        if !found && contains(c, part) {
            found = true;
        }
    });
    found
}

/// The decision for NSGs put on subnets another deployment owns.
pub(super) fn existing_subnet_decision(cx: &mut Ctx, j: usize, used_by: &str, subnets: &[String]) {
    let id = cx.t.resources[j].id.clone();
    cx.decide_later(
        j,
        "nsg-existing-subnet",
        &format!("{id}: the NSG goes on subnets this template does not create"),
        &format!("The security group protected {used_by}. The subnets it runs in are named by id ({}): the network belongs to another template or was made by hand.", subnets.join(", ")),
        "The NSG is associated with those subnets as a change to them: Bicep reads each subnet and puts it back with its current properties and the NSG (module `modules/virtual-networks-subnets-update.bicep`); Terraform writes `azurerm_subnet_network_security_group_association`. Nothing else of the subnets changes.",
        "This template now changes subnets it does not own, and a subnet takes one NSG: if the network's own deployment sets another NSG (or none) on them, the last deployment wins. Before go-live, agree with the network's owner: either that deployment associates this NSG, or it stops managing the subnets' NSG. Every workload in these subnets is filtered by the group's rules, not only the group's members.",
        None,
    );
}

/// The literal rules of NSG `sym` (`None` when it is absent, looped, conditional, or
/// its rules are built by an expression).
fn literal_rules(cx: &Ctx, sym: &str) -> Option<Vec<AzExpr>> {
    let r = cx
        .module
        .resources
        .iter()
        .find(|r| r.symbol == sym && r.ty == NSG.ty && !r.existing)?;
    if r.condition.is_some() || r.for_each.is_some() {
        return None;
    }
    let props = r
        .body
        .iter()
        .find(|(k, _)| k == "properties")
        .map(|(_, p)| p)?;
    match props.get("securityRules") {
        None => Some(Vec::new()),
        Some(AzExpr::Array(a)) => Some(a.clone()),
        Some(_) => None,
    }
}

fn rule_prop<'e>(rule: &'e AzExpr, key: &str) -> Option<&'e AzExpr> {
    rule.get("properties")?.get(key)
}

fn inbound(rule: &AzExpr) -> bool {
    rule_prop(rule, "direction") == Some(&AzExpr::str("Inbound"))
}

/// The group's catch-all deny (`deny-vnet-inbound`, `deny-all-outbound`, at 4096).
fn catch_all(rule: &AzExpr) -> bool {
    rule_prop(rule, "access") == Some(&AzExpr::str("Deny"))
        && rule_prop(rule, "priority") == Some(&AzExpr::Int(4096))
}

/// A rule without its name, priority and description: what it admits.
fn admits(rule: &AzExpr) -> Option<AzExpr> {
    let AzExpr::Object(m) = rule.get("properties")? else {
        return None;
    };
    Some(AzExpr::Object(
        m.iter()
            .filter(|(k, _)| {
                !matches!(k, crate::azure::AzKey::Name(n) if n == "priority" || n == "description")
            })
            .cloned()
            .collect(),
    ))
}

/// Group `b`'s members share every subnet of theirs with group `a`'s, and a subnet takes
/// one NSG: `b`'s rules go into `a`'s NSG (after its own, each direction's catch-all deny
/// kept only when both groups had it) and `b`'s NSG is not created. The access check then
/// reads that NSG against what either group admitted. `false` (nothing changed) when a
/// rule list is not literal, `b`'s NSG is referenced elsewhere, or the priorities run out.
fn merge_into(cx: &mut Ctx, b: usize, a: usize, used_by: &str, taken: &[String]) -> bool {
    let (a_sym, b_sym) = (cx.prepared[a].sym.clone(), cx.prepared[b].sym.clone());
    let (Some(a_rules), Some(b_rules)) = (literal_rules(cx, &a_sym), literal_rules(cx, &b_sym))
    else {
        return false;
    };
    let mut used = Vec::new();
    let mut others = cx.module.clone();
    others.resources.retain(|r| r.symbol != b_sym);
    super::prune::collect_used(&others, &mut used);
    if used.contains(&b_sym) {
        return false;
    }
    let b_id = cx.t.resources[b].id.clone();
    let prefix = crate::names::kebab(&b_id);
    let mut out: Vec<AzExpr> = Vec::new();
    let mut dropped = Vec::new();
    for dir_in in [true, false] {
        let mine: Vec<&AzExpr> = a_rules.iter().filter(|r| inbound(r) == dir_in).collect();
        let theirs: Vec<&AzExpr> = b_rules.iter().filter(|r| inbound(r) == dir_in).collect();
        let both_deny = mine.iter().any(|r| catch_all(r)) && theirs.iter().any(|r| catch_all(r));
        let mut next = mine
            .iter()
            .filter(|r| !catch_all(r))
            .filter_map(|r| match rule_prop(r, "priority") {
                Some(AzExpr::Int(p)) => Some(*p),
                _ => None,
            })
            .max()
            .unwrap_or(90)
            + 10;
        for r in &mine {
            if catch_all(r) && !both_deny {
                dropped.push(
                    r.get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or_default()
                        .to_string(),
                );
                continue;
            }
            out.push((*r).clone());
        }
        for r in theirs {
            if catch_all(r) || mine.iter().any(|m| admits(m) == admits(r)) {
                continue;
            }
            if next >= 4096 {
                return false;
            }
            let mut r = r.clone();
            let name = r.get("name").and_then(|n| n.as_str()).unwrap_or("rule");
            let mut merged = format!("{prefix}-{name}");
            merged.truncate(80);
            r.set("name", AzExpr::str(merged));
            if let Some(AzExpr::Object(p)) = match &mut r {
                AzExpr::Object(m) => m
                    .iter_mut()
                    .find(|(k, _)| matches!(k, crate::azure::AzKey::Name(n) if n == "properties"))
                    .map(|(_, v)| v),
                _ => None,
            } {
                for (k, v) in p.iter_mut() {
                    if matches!(k, crate::azure::AzKey::Name(n) if n == "priority") {
                        *v = AzExpr::Int(next);
                    }
                }
            }
            next += 10;
            out.push(r);
        }
    }
    let added = out.len() + dropped.len() - a_rules.len();
    cx.set_path(&a_sym, &["properties", "securityRules"], AzExpr::Array(out));
    cx.module.resources.retain(|r| r.symbol != b_sym);
    for rep in cx.reports.iter_mut().filter(|x| x.id == b_id) {
        for (_, sym) in rep.azure.iter_mut() {
            if *sym == b_sym {
                *sym = a_sym.clone();
            }
        }
    }
    cx.merged_groups.push((b, a));
    let a_name = cx.t.report_name(&cx.t.resources[a].id);
    let b_name = cx.t.report_name(&b_id);
    let widened = if dropped.is_empty() {
        String::new()
    } else {
        format!(
            " `{a_name}`'s catch-all {} (`{}`) is dropped: `{b_name}` did not have it, and its members must keep that traffic.",
            if dropped.len() == 1 { "deny" } else { "denies" },
            dropped.join("`, `")
        )
    };
    cx.decide_later(
        b,
        "nsg-shared-subnet",
        &format!("{b_id}: its rules join the NSG of the subnets it shares"),
        &format!(
            "The security group protected {used_by}, whose subnets also hold {a_name}'s members: {}. An Azure subnet takes one NSG.",
            taken.join(", ")
        ),
        &format!(
            "`{b_name}`'s rules go into `{a_sym}`, the NSG of those subnets ({}), and no NSG of its own is created.{widened}",
            match added {
                0 => "each of them was there already".to_string(),
                1 => "1 rule added".to_string(),
                n => format!("{n} rules added"),
            }
        ),
        &format!("Every workload in those subnets is admitted what either group admitted: `{a_name}`'s members now also accept `{b_name}`'s traffic, and the reverse. To keep the groups apart, give each group's members subnets of their own and one NSG each."),
        None,
    );
    true
}
