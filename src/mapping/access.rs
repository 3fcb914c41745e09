//! Data access: SAM policy templates and connectors become Azure role
//! assignments for the function's managed identity on the translated resource.

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource, Interp};
use crate::model::expr::{Expr, ExprKind};

/// One grant: principal resource, target resource, `read` or `write`.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Grant {
    principal: usize,
    target: usize,
    access: String,
    /// The resource that asked for it (the function, or the connector).
    origin: usize,
}

/// The expression of a principal's object id (the lookup table `principals`): a
/// function's or workflow's system-assigned identity, or the user-assigned identity
/// of an IAM role.
fn principal_id(cx: &Ctx, ty: &str, sym: &str) -> Option<AzExpr> {
    let path = cx.tables.lookup_str("principals", ty, "object_id")?;
    Some(AzExpr::path(sym, &path))
}

/// `service:Action` of an IAM statement → (the CloudFormation types it acts on, read
/// or write), from the lookup table `iam-actions`.
fn action_access(cx: &Ctx, action: &str) -> Option<(Vec<String>, bool)> {
    let (service, verb) = action.split_once(':')?;
    cx.tables.lookup("iam-actions", service)?;
    let reads = cx
        .tables
        .lookup_list("iam-actions", service, "read")
        .iter()
        .any(|p| verb.starts_with(p.as_str()))
        && verb != "*";
    Some((
        cx.tables.lookup_list("iam-actions", service, "types"),
        reads,
    ))
}

/// Template resources an IAM statement's `Resource` names (Ref, GetAtt or a Sub around one).
fn statement_targets(cx: &Ctx, resource: &Expr) -> Vec<usize> {
    let items = match &resource.kind {
        ExprKind::List(l) => l.clone(),
        _ => vec![resource.clone()],
    };
    let mut out = Vec::new();
    for it in items {
        let mut refs = Vec::new();
        it.walk(&mut |e| {
            if let Some(j) = cx.referenced_resource(e) {
                refs.push(j);
            }
        });
        refs.sort();
        refs.dedup();
        if let [j] = refs[..]
            && !out.contains(&j)
        {
            out.push(j);
        }
    }
    out
}

/// Allow statements of an IAM role's inline policies on resources of the template.
fn role_grants(cx: &Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    let policies = r
        .properties
        .get("Policies")
        .and_then(|p| p.as_list())
        .unwrap_or(&[]);
    policy_grants(cx, i, i, policies, out);
}

/// `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` (Terraform role policies kept apart):
/// their statements are grants of every template role in `Roles`.
fn attached_policy_grants(cx: &Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    for j in policy_roles(cx, i) {
        policy_grants(cx, j, j, std::slice::from_ref(&r.properties), out);
    }
}

/// The roles of the template policy `i` is attached to: its `Roles` (or a role
/// policy's `RoleName`), and the roles that list it in `ManagedPolicyArns`.
fn policy_roles(cx: &Ctx, i: usize) -> Vec<usize> {
    let r = &cx.t.resources[i];
    let mut named: Vec<Expr> = r
        .properties
        .get("Roles")
        .and_then(|p| p.as_list())
        .map(<[Expr]>::to_vec)
        .unwrap_or_default();
    named.extend(r.properties.get("RoleName").cloned());
    let mut out: Vec<usize> = named
        .iter()
        .filter_map(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, "grants", "role"))
        .collect();
    for (j, role) in cx.t.resources.iter().enumerate() {
        if !cx.plays(j, "grants", "role") || out.contains(&j) {
            continue;
        }
        let lists = role
            .properties
            .get("ManagedPolicyArns")
            .and_then(|m| m.as_list())
            .unwrap_or_default();
        if lists.iter().any(|x| cx.referenced_resource(x) == Some(i)) {
            out.push(j);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Policies attached to no role of the template (exported for other stacks, or
/// attached to users and groups): a decision, and `manual`.
pub(super) fn unattached_policies(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if !cx.plays(i, "grants", "policy") || cx.prepared[i].entry.is_none() {
            continue;
        }
        let id = cx.t.resources[i].id.clone();
        let roles = policy_roles(cx, i);
        if !roles.is_empty() {
            let names: Vec<String> = roles
                .iter()
                .map(|j| cx.t.report_name(&cx.t.resources[*j].id))
                .collect();
            cx.decide_later(
                i,
                "iam-policy-assignments",
                &format!("{id}: the policy becomes role assignments"),
                "An IAM policy grants actions on resources to the roles it is attached to; Azure grants a role on a scope to an identity.",
                &format!("Its Allow statements on resources of this template become built-in role assignments (from the IAM action table) on those resources for the managed identities of {}. Statements on `*`, on other accounts' resources or on services with no Azure role (CloudWatch Logs, X-Ray, STS) have no assignment.", names.join(", ")),
                "Review the statements without an assignment; deny statements and conditions have no RBAC equivalent.",
                None,
            );
            continue;
        }
        cx.decide_later(
            i,
            "iam-policy-unattached",
            &format!("{id}: the policy is attached to no role of this template"),
            "The policy is attached to roles of other stacks or modules (by its ARN), or to IAM users and groups, which have no counterpart in a resource group.",
            "No role assignment is generated from it.",
            "Grant its permissions where it is used: built-in roles (or a custom role definition with the matching actions) assigned to the identity that replaces each role, user or group that uses it.",
            Some("manual"),
        );
    }
}

fn policy_grants(cx: &Ctx, i: usize, origin: usize, policies: &[Expr], out: &mut Vec<Grant>) {
    for policy in policies {
        for st in allow_statements(policy) {
            let actions = statement_actions(&st);
            let Some(resource) = st.get("Resource") else {
                continue;
            };
            for j in statement_targets(cx, resource) {
                if let Some(access) = access_on(cx, &actions, j) {
                    out.push(Grant {
                        principal: i,
                        target: j,
                        access: access.into(),
                        origin,
                    });
                }
            }
        }
    }
}

/// The `Allow` statements of a policy's `PolicyDocument`.
fn allow_statements(policy: &Expr) -> Vec<Expr> {
    let statements = match policy.path("PolicyDocument.Statement").map(|s| &s.kind) {
        Some(ExprKind::List(l)) => l.clone(),
        Some(_) => policy
            .path("PolicyDocument.Statement")
            .cloned()
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter(|st| st.get("Effect").and_then(|e| e.as_str()) == Some("Allow"))
        .collect()
}

/// A statement's literal actions.
fn statement_actions(st: &Expr) -> Vec<String> {
    match st.get("Action").map(|a| &a.kind) {
        Some(ExprKind::List(l)) => l.iter().filter_map(|a| a.literal_text()).collect(),
        Some(_) => st
            .get("Action")
            .and_then(|a| a.literal_text())
            .into_iter()
            .collect(),
        None => Vec::new(),
    }
}

/// What `actions` allow on template resource `j`: `read` when every one that acts on
/// its type only reads, `write` when one writes, nothing when none acts on it.
fn access_on(cx: &Ctx, actions: &[String], j: usize) -> Option<&'static str> {
    let target_ty = cx.t.resources[j].ty.as_str();
    let relevant: Vec<bool> = actions
        .iter()
        .filter_map(|a| action_access(cx, a))
        .filter(|(types, _)| types.iter().any(|t| t == target_ty))
        .map(|(_, read)| read)
        .collect();
    match relevant.as_slice() {
        [] => None,
        r if r.iter().all(|x| *x) => Some("read"),
        _ => Some("write"),
    }
}

/// A resource policy (`grants: {resource-policy: {targets: Prop}}`, such as a queue or
/// topic policy): each `Allow` statement grants the template principals its
/// `Principal.AWS` names the access its actions give on the resources in `Prop`.
/// Principals that are not resources of the template (services, accounts, `*`) are
/// listed in a decision.
fn resource_policy_grants(cx: &mut Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    let Some(prop) = cx
        .tables
        .pass(&r.ty, "grants")
        .and_then(|v| v.get("resource-policy"))
        .and_then(|v| v.get("targets"))
        .and_then(|v| v.as_str())
    else {
        return;
    };
    let targets: Vec<usize> = r
        .properties
        .get(prop)
        .map(|t| {
            t.as_list()
                .map(<[Expr]>::to_vec)
                .unwrap_or_else(|| vec![t.clone()])
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|t| cx.referenced_resource(t))
        .collect();
    let mut outside = Vec::new();
    for st in resource_statements(&r.properties) {
        let actions = statement_actions(&st);
        for p in statement_principals(&st) {
            match cx
                .referenced_resource(&p)
                .filter(|&k| cx.plays(k, "grants", "role"))
            {
                Some(k) => {
                    for &j in &targets {
                        if let Some(access) = access_on(cx, &actions, j) {
                            out.push(Grant {
                                principal: k,
                                target: j,
                                access: access.into(),
                                origin: i,
                            });
                        }
                    }
                }
                None => outside.push(
                    p.literal_text()
                        .unwrap_or_else(|| "a computed principal".into()),
                ),
            }
        }
    }
    if !outside.is_empty() {
        outside.sort();
        outside.dedup();
        let id = &r.id;
        cx.decide_later(
            i,
            "resource-policy-principals",
            &format!("{id}: principals outside the template"),
            "The resource policy allows principals that are not resources of this template: AWS services, accounts or everyone.",
            &format!("No role assignment is made for {}. Azure services reach the resource through their own managed identity or the event wiring of this conversion; grant other callers a role on the resource by hand.", outside.join(", ")),
            "Until then those callers are refused; conditions of the statements (such as `aws:SourceArn`) do not carry over.",
            Some("partial"),
        );
    }
}

/// The `Allow` statements of a resource policy: its `PolicyDocument`, or (an event bus
/// policy) its one `Statement` (a whole document when lifted from Terraform), or its
/// `Principal` and `Action` as one statement.
fn resource_statements(props: &Expr) -> Vec<Expr> {
    if props.get("PolicyDocument").is_some() {
        return allow_statements(props);
    }
    let list = |e: &Expr| {
        e.as_list()
            .map(<[Expr]>::to_vec)
            .unwrap_or_else(|| vec![e.clone()])
    };
    let statements = match props.get("Statement") {
        Some(st) => match st.get("Statement") {
            Some(inner) => list(inner),
            None => list(st),
        },
        None => match (props.get("Principal"), props.get("Action")) {
            (Some(p), Some(a)) => vec![Expr::new(
                ExprKind::Object(vec![
                    (
                        "Effect".into(),
                        p.span,
                        Expr::new(ExprKind::Str("Allow".into()), p.span),
                    ),
                    ("Principal".into(), p.span, p.clone()),
                    ("Action".into(), a.span, a.clone()),
                ]),
                p.span,
            )],
            _ => Vec::new(),
        },
    };
    statements
        .into_iter()
        .filter(|st| st.get("Effect").and_then(|e| e.as_str()) == Some("Allow"))
        .collect()
}

/// The principals of a statement: its `Principal` as written, or each entry of its
/// `AWS` and `Service` lists.
fn statement_principals(st: &Expr) -> Vec<Expr> {
    let Some(p) = st.get("Principal") else {
        return Vec::new();
    };
    let items = |e: &Expr| {
        e.as_list()
            .map(<[Expr]>::to_vec)
            .unwrap_or_else(|| vec![e.clone()])
    };
    match &p.kind {
        ExprKind::Object(m) => m.iter().flat_map(|(_, _, v)| items(v)).collect(),
        _ => vec![p.clone()],
    }
}

fn policy_items(p: &Expr) -> Vec<Expr> {
    match &p.kind {
        ExprKind::List(l) => l.clone(),
        _ => vec![p.clone()],
    }
}

/// Collects the grants of SAM `Policies` and `AWS::Serverless::Connector`s, and
/// reports the policies that stay manual.
fn grants(cx: &mut Ctx) -> Vec<Grant> {
    let mut out = Vec::new();
    for i in 0..cx.t.resources.len() {
        if cx.plays(i, "grants", "role") {
            role_grants(cx, i, &mut out);
        }
        if cx.plays(i, "grants", "policy") {
            attached_policy_grants(cx, i, &mut out);
        }
        if cx.plays(i, "grants", "sam-policies") {
            sam_policy_grants(cx, i, &mut out);
        }
        if cx.plays(i, "grants", "connector") {
            connector_grants(cx, i, &mut out);
        }
        if cx.plays(i, "grants", "resource-policy") {
            resource_policy_grants(cx, i, &mut out);
        }
    }
    fold_write_grants(cx, &mut out);
    out
}

/// The grants of a SAM function's policy templates; a decision lists the policies
/// that stay manual.
fn sam_policy_grants(cx: &mut Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    let Some(policies) = r.properties.get("Policies") else {
        return;
    };
    let mut manual = Vec::new();
    for item in policy_items(policies) {
        if !sam_policy_grant(cx, i, &item, out) {
            manual.push(describe_policy(&item));
        }
    }
    if !manual.is_empty() {
        let id = &r.id;
        cx.decide_later(
            i,
            "function-policies",
            &format!("{id}: policies without an automatic role"),
            "SAM `Policies` grant the function's role AWS permissions. Policy templates on resources of this template become role assignments; the rest cannot be mapped automatically.",
            &format!("Not translated: {}. Grant the function's system-assigned identity the matching Azure roles by hand.", manual.join(", ")),
            "Until then those calls are refused.",
            Some("partial"),
        );
    }
}

/// The grant of one SAM policy template on a resource of the template; false when it
/// has none.
fn sam_policy_grant(cx: &Ctx, i: usize, item: &Expr, out: &mut Vec<Grant>) -> bool {
    let ExprKind::Object(m) = &item.kind else {
        return false;
    };
    if m.len() != 1 {
        return false;
    }
    let (name, _, args) = &m[0];
    let prop = cx.tables.lookup_str("sam-policies", name, "prop");
    let access = cx.tables.lookup_str("sam-policies", name, "access");
    let (Some(prop), Some(access)) = (prop, access) else {
        return false;
    };
    match args.get(&prop).and_then(|v| cx.referenced_resource(v)) {
        Some(j) => {
            out.push(Grant {
                principal: i,
                target: j,
                access,
                origin: i,
            });
            true
        }
        None => false,
    }
}

/// The grants of an `AWS::Serverless::Connector`: its source on each destination.
fn connector_grants(cx: &Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    let source = r
        .properties
        .path("Source.Id")
        .and_then(|x| x.literal_text());
    let mut dests: Vec<String> = r
        .properties
        .path("Destination.Id")
        .and_then(|x| x.literal_text())
        .into_iter()
        .collect();
    if let Some(list) = r.properties.get("Destinations").and_then(|d| d.as_list()) {
        dests.extend(
            list.iter()
                .filter_map(|d| d.get("Id").and_then(|x| x.literal_text())),
        );
    }
    let perms: Vec<String> = r
        .properties
        .get("Permissions")
        .and_then(|p| p.as_list())
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| p.literal_text())
        .collect();
    let access = if perms.iter().any(|p| p == "Write") {
        "write"
    } else {
        "read"
    };
    let Some(p) = source.and_then(|s| cx.t.resources.iter().position(|x| x.id == s)) else {
        return;
    };
    for d in dests {
        if let Some(j) = cx.t.resources.iter().position(|x| x.id == d) {
            out.push(Grant {
                principal: p,
                target: j,
                access: access.into(),
                origin: i,
            });
        }
    }
}

/// Sorts the grants and drops the reads a write on the same target includes.
fn fold_write_grants(cx: &Ctx, out: &mut Vec<Grant>) {
    out.sort();
    // Write includes read, except on Service Bus, where sending and receiving are separate roles.
    let writes: Vec<(usize, usize)> = out
        .iter()
        .filter(|g| g.access == "write")
        .map(|g| (g.principal, g.target))
        .collect();
    out.retain(|g| {
        g.access == "write"
            || cx.plays(g.target, "grants", "separate-send-receive")
            || !writes.contains(&(g.principal, g.target))
    });
    out.dedup_by(|a, b| a.principal == b.principal && a.target == b.target && a.access == b.access);
}

fn describe_policy(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Str(s) => format!("`{s}`"),
        ExprKind::Object(m) if m.len() == 1 => format!("`{}`", m[0].0),
        ExprKind::Object(_) => "an inline policy statement".into(),
        _ => "a computed policy".into(),
    }
}

fn primary_symbol(cx: &Ctx, j: usize) -> Option<String> {
    let spec = cx.prepared[j]
        .entry
        .as_ref()?
        .resources
        .iter()
        .find(|s| s.symbol == "{sym}")?
        .symbol
        .clone();
    Some(cx.resolve_symbol(j, &spec))
}

/// Emits the role assignments and records them on the resources they serve.
pub fn emit(cx: &mut Ctx, triggers: Vec<super::events::TriggerGrant>) {
    let mut all = grants(cx);
    for (p, j) in triggers {
        if !all
            .iter()
            .any(|g| g.principal == p && g.target == j && g.access == "read")
        {
            all.push(Grant {
                principal: p,
                target: j,
                access: "read".into(),
                origin: p,
            });
        }
    }
    all.sort();
    let mut cosmos_settings: Vec<usize> = Vec::new();
    for g in all {
        emit_grant(cx, g, &mut cosmos_settings);
    }
}

/// What one role assignment is made of, whichever its form.
struct Assignment {
    /// The principal's and the target's symbols.
    principal: String,
    target: String,
    principal_id: AzExpr,
    role_id: String,
}

/// Emits the role assignment of one grant (or a decision when no role fits) and
/// records it on the resource that asked for it.
fn emit_grant(cx: &mut Ctx, g: Grant, cosmos_settings: &mut Vec<usize>) {
    let (p, j) = (g.principal, g.target);
    if cx.t.resources[p].for_each.is_some() || cx.t.resources[j].for_each.is_some() {
        return;
    }
    let (role, cosmos_role, role_name) = grant_roles(cx, &g);
    let (Some(principal), Some(target)) = (primary_symbol(cx, p), primary_symbol(cx, j)) else {
        return;
    };
    let Some(principal_id) = principal_id(cx, &cx.t.resources[p].ty, &principal) else {
        return;
    };
    let role_kind = if g.access == "write" {
        "Writer"
    } else {
        "Reader"
    };
    let sym = cx.syms.alloc(&format!(
        "{principal}{}{role_kind}",
        crate::names::capital(&target)
    ));
    let condition = cx.joint_condition(p, j);
    let cosmos = cx
        .shared
        .get("cosmos")
        .cloned()
        .zip(cx.shared.get("cosmosDatabase").cloned());
    let Some(role_id) = role.clone().or(cosmos_role.filter(|_| cosmos.is_some())) else {
        decide_unmapped(cx, &g);
        return;
    };
    let a = Assignment {
        principal,
        target,
        principal_id,
        role_id,
    };
    let base = assignment_base(cx, &g, &a, sym.clone(), &role_name, condition);
    let res = match (role.is_some(), cosmos) {
        (true, _) | (false, None) => role_assignment(a, base),
        (false, Some((account, database))) => {
            cosmos_settings_for(cx, p, &a.principal, &account, &database, cosmos_settings);
            cosmos_role_assignment(a, &account, &database, base)
        }
    };
    record_assignment(cx, g.origin, res, sym);
}

/// What every form of a grant's assignment shares: symbol, deterministic name,
/// condition, comment and source.
fn assignment_base(
    cx: &Ctx,
    g: &Grant,
    a: &Assignment,
    sym: String,
    role_name: &str,
    condition: Option<AzExpr>,
) -> AzResource {
    let (p, j) = (g.principal, g.target);
    AzResource {
        symbol: sym,
        name: AzExpr::call(
            "guid",
            vec![
                AzExpr::path(&a.target, "id"),
                AzExpr::path(&a.principal, "id"),
                AzExpr::Str(a.role_id.clone()),
            ],
        ),
        condition,
        comments: vec![format!(
            "{role_name} for {} on {} ({} access).",
            cx.t.resources[p].id, cx.t.resources[j].id, g.access
        )],
        source: cx.t.resources[g.origin].id.clone(),
        ..Default::default()
    }
}

/// The built-in role, Cosmos DB role and role name of a grant's target type and access.
fn grant_roles(cx: &Ctx, g: &Grant) -> (Option<String>, Option<String>, String) {
    let key = format!("{}:{}", cx.t.resources[g.target].ty, g.access);
    let role = cx.tables.lookup_str("access-roles", &key, "role");
    let cosmos_role = cx.tables.lookup_str("access-roles", &key, "cosmos_role");
    let role_name = cx
        .tables
        .lookup_str("access-roles", &key, "name")
        .unwrap_or_default();
    (role, cosmos_role, role_name)
}

/// The decision for a grant no Azure built-in role covers.
fn decide_unmapped(cx: &mut Ctx, g: &Grant) {
    let j = g.target;
    let origin = &cx.t.resources[g.origin].id;
    let what = format!("{} access to {}", g.access, cx.t.resources[j].id);
    cx.decide_later(
        g.origin,
        "access-unmapped",
        &format!("{origin}: {what} has no built-in role"),
        &format!(
            "The permissions grant {what} ({}), for which aws2azure knows no Azure built-in role.",
            cx.t.resources[j].ty
        ),
        "No role assignment is generated; grant the identity a suitable role by hand.",
        "Until then those calls are refused.",
        Some("partial"),
    );
}

/// A role assignment of the built-in role `role` (its id) on the resource `scope` for
/// a service principal, named from the scope, the principal's `owner` (its identity or
/// the resource whose identity it is) and the role, so reruns keep its name.
pub(super) fn builtin_assignment(
    symbol: String,
    scope: AzExpr,
    owner: AzExpr,
    role: &str,
    principal: AzExpr,
    comment: String,
    source: String,
) -> AzResource {
    AzResource {
        symbol,
        ty: crate::azure::types::ROLE_ASSIGNMENT.ty.into(),
        api: crate::azure::types::ROLE_ASSIGNMENT.api.into(),
        name: AzExpr::call(
            "guid",
            vec![
                AzExpr::Member(Box::new(scope.clone()), "id".into()),
                owner,
                AzExpr::str(role),
            ],
        ),
        body: assignment_body(scope, role, principal),
        comments: vec![comment],
        source,
        ..Default::default()
    }
}

/// An Azure RBAC role assignment of a built-in role on the target.
fn role_assignment(a: Assignment, base: AzResource) -> AzResource {
    AzResource {
        ty: crate::azure::types::ROLE_ASSIGNMENT.ty.into(),
        api: crate::azure::types::ROLE_ASSIGNMENT.api.into(),
        body: assignment_body(AzExpr::ident(&a.target), &a.role_id, a.principal_id),
        ..base
    }
}

/// The body of a role assignment of built-in role `role` on `scope` for a service
/// principal.
fn assignment_body(scope: AzExpr, role: &str, principal: AzExpr) -> Vec<(String, AzExpr)> {
    vec![
        ("scope".into(), scope),
        (
            "properties".into(),
            AzExpr::obj(vec![
                (
                    "roleDefinitionId",
                    AzExpr::call(
                        "subscriptionResourceId",
                        vec![
                            AzExpr::str(crate::azure::types::ROLE_DEFINITION.ty),
                            AzExpr::str(role),
                        ],
                    ),
                ),
                ("principalId", principal),
                ("principalType", AzExpr::str("ServicePrincipal")),
            ]),
        ),
    ]
}

/// A function that reads or writes a Cosmos DB container needs the account endpoint
/// and database: app settings added once per function.
fn cosmos_settings_for(
    cx: &mut Ctx,
    p: usize,
    principal: &str,
    account: &str,
    database: &str,
    cosmos_settings: &mut Vec<usize>,
) {
    if cx.plays(p, "grants", "app-settings") && !cosmos_settings.contains(&p) {
        cosmos_settings.push(p);
        let setting =
            |n: &str, v: AzExpr| AzExpr::obj(vec![("name", AzExpr::str(n)), ("value", v)]);
        super::events::append_settings(
            cx,
            principal,
            vec![
                setting(
                    "COSMOS_ENDPOINT",
                    AzExpr::path(account, "properties.documentEndpoint"),
                ),
                setting("COSMOS_DATABASE", AzExpr::path(database, "name")),
            ],
        );
    }
}

/// A Cosmos DB SQL role assignment on the target container.
fn cosmos_role_assignment(
    a: Assignment,
    account: &str,
    database: &str,
    base: AzResource,
) -> AzResource {
    let account_id = || Interp::Expr(AzExpr::path(account, "id"));
    AzResource {
        ty: crate::azure::types::COSMOS_SQL_ROLE_ASSIGNMENT.ty.into(),
        api: crate::azure::types::COSMOS_SQL_ROLE_ASSIGNMENT.api.into(),
        parent: Some(account.to_string()),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![
                (
                    "roleDefinitionId",
                    AzExpr::Interp(vec![
                        account_id(),
                        Interp::Lit(format!("/sqlRoleDefinitions/{}", a.role_id)),
                    ]),
                ),
                ("principalId", a.principal_id),
                (
                    "scope",
                    AzExpr::Interp(vec![
                        account_id(),
                        Interp::Lit("/dbs/".into()),
                        Interp::Expr(AzExpr::path(database, "name")),
                        Interp::Lit("/colls/".into()),
                        Interp::Expr(AzExpr::path(&a.target, "name")),
                    ]),
                ),
            ]),
        )],
        ..base
    }
}

/// Adds an assignment to the module, with its decision and its line in the report of
/// the resource that asked for it.
fn record_assignment(cx: &mut Ctx, origin_i: usize, res: AzResource, sym: String) {
    let ty = res.ty.clone();
    cx.module.resources.push(res);
    let origin = cx.t.resources[origin_i].id.clone();
    cx.decide_later(
        origin_i,
        "access-role-assignments",
        &format!("{origin}: permissions become role assignments"),
        "IAM role policies, SAM policy templates and connectors grant access to another resource of the template.",
        "Each grant becomes a role assignment for the identity that replaces the principal (the role's user-assigned identity, or the function's system-assigned identity) on the resource that replaces the target: read → reader roles (Storage Blob Data Reader, Azure Service Bus Data Receiver, Cosmos DB Built-in Data Reader, Key Vault Secrets User); write → contributor or sender roles.",
        "Role assignments take a few minutes to apply after deployment. Write roles also allow delete, as the SAM CRUD policies do.",
        None,
    );
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == origin) {
        rep.azure.push((ty, sym));
    }
}
