//! Data access: SAM policy templates and connectors become Azure role
//! assignments for the function's managed identity on the translated resource.

use std::collections::BTreeSet;

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
pub(super) fn policy_roles(cx: &Ctx, i: usize) -> Vec<usize> {
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
/// attached to users and groups) become custom role definitions (the entry's
/// `attached: false` variant, [`role_permissions`]); one that made none (no statement
/// with an Azure operation, or a `--mappings` entry without the variant) gets a
/// decision and stays `manual`.
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
        let defined = cx.reports.iter().any(|x| {
            x.id == id
                && x.azure
                    .iter()
                    .any(|(ty, _)| ty == crate::azure::types::ROLE_DEFINITION.ty)
        });
        if defined {
            continue;
        }
        let doc = cx.t.resources[i].properties.get("PolicyDocument").cloned();
        let platform_only = doc.is_some_and(|d| {
            let (allow, _, n) = scan_policy(cx, &d);
            allow.is_empty()
                && n.unmapped.is_empty()
                && n.skipped.is_empty()
                && !n.full_access
                && !n.platform.is_empty()
        });
        if platform_only {
            platform_policy(cx, i);
            continue;
        }
        withdraw_not_translated(cx, i);
        cx.decide_later(
            i,
            "iam-policy-unattached",
            &format!("{id}: the policy is attached to no role of this template"),
            "The policy is attached to roles of other stacks or modules (by its ARN), or to IAM users and groups, which have no counterpart in a resource group.",
            "No role definition or assignment is generated from it: its statements are computed (a variable or a dynamic document), or none of them names an action with an Azure RBAC operation in the IAM action table (see the decision on the statements it does not carry).",
            "Grant its permissions where it is used: built-in roles (or a custom role definition with the matching actions) assigned to the identity that replaces each role, user or group that uses it.",
            Some("manual"),
        );
    }
}

/// A policy that grants only what the Azure platform does by itself (writing the
/// workload's logs): not needed, its `not-translated` decision withdrawn.
fn platform_policy(cx: &mut Ctx, i: usize) {
    let id = cx.t.resources[i].id.clone();
    withdraw_not_translated(cx, i);
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = "not-needed".into();
        rep.service = "none (the Azure platform does it)".into();
    }
    cx.decide_later(
        i,
        "iam-policy-platform-only",
        &format!("{id}: the policy grants only what Azure does without a permission"),
        "The policy is attached to no role of this template, and all its actions are ones a workload needs on AWS to do what the Azure platform does for it (writing its own logs and traces).",
        "No role definition or assignment: see the decision on the permissions Azure does not need.",
        "None.",
        None,
    );
}

/// Withdraws the generic `not-translated` decision of a policy that made no role
/// definition: the policy's own decision says why.
fn withdraw_not_translated(cx: &mut Ctx, i: usize) {
    let id = cx.t.resources[i].id.clone();
    let file = cx.path_of(cx.t.resources[i].span).to_string();
    let withdrawn = format!("not-translated:{file}#{}", cx.t.report_name(&id));
    cx.decisions.retain(|d| d.id != withdrawn);
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.decisions.retain(|d| *d != withdrawn);
    }
}

/// The Azure operations a custom role definition grants or excludes.
#[derive(Default)]
struct Operations {
    actions: BTreeSet<String>,
    data_actions: BTreeSet<String>,
}

impl Operations {
    fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.data_actions.is_empty()
    }
}

/// What the statements of a policy became, for its decisions.
#[derive(Default)]
struct RoleNotes {
    /// IAM actions (or wildcards) with no Azure operation, with the service's reason.
    unmapped: BTreeSet<String>,
    service_notes: BTreeSet<String>,
    /// IAM actions Azure needs no permission for (writing the workload's own logs), with why.
    platform: BTreeSet<String>,
    platform_notes: BTreeSet<String>,
    /// IAM wildcards and the number of Azure operations each became.
    wildcards: BTreeSet<String>,
    /// Statement parts that carry no permission over (`NotAction`, computed actions …).
    skipped: BTreeSet<String>,
    denied: BTreeSet<String>,
    conditions: bool,
    scoped: bool,
    full_access: bool,
}

/// Does the IAM pattern `pattern` (`Get*`, `*`, `Get?bject`) match `verb`, ignoring case?
fn iam_glob(pattern: &str, verb: &str) -> bool {
    fn go(p: &[u8], v: &[u8]) -> bool {
        match (p.first(), v.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], v) || (!v.is_empty() && go(p, &v[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &v[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &v[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), verb.as_bytes())
}

/// The Azure operations of one IAM action (`s3:GetObject`, `s3:Get*`) from the
/// `azure` map of its service in `iam-actions`; `None` when it has none.
fn azure_operations(cx: &Ctx, action: &str, notes: &mut RoleNotes) -> Option<Operations> {
    let (service, verb) = action.split_once(':')?;
    let service = service.to_ascii_lowercase();
    let entry = cx.tables.lookup("iam-actions", &service);
    let wildcard = verb.contains(['*', '?']);
    let platform = entry.and_then(|e| e.get("platform"));
    let platform_hit = platform
        .and_then(|p| p.get("verbs"))
        .and_then(|v| v.as_sequence())
        .is_some_and(|verbs| {
            verbs.iter().filter_map(|v| v.as_str()).any(|v| {
                if wildcard {
                    iam_glob(verb, v)
                } else {
                    v.eq_ignore_ascii_case(verb)
                }
            })
        });
    if platform_hit {
        notes.platform.insert(action.to_string());
        if let Some(note) = platform
            .and_then(|p| p.get("note"))
            .and_then(|n| n.as_str())
        {
            notes.platform_notes.insert(format!("`{service}`: {note}"));
        }
    }
    let map = entry
        .and_then(|e| e.get("azure"))
        .and_then(|m| m.as_mapping());
    let Some(map) = map else {
        return if platform_hit {
            Some(Operations::default())
        } else {
            None
        };
    };
    let mut ops = Operations::default();
    for (k, v) in map {
        let Some(k) = k.as_str() else { continue };
        let hit = if wildcard {
            iam_glob(verb, k)
        } else {
            k.eq_ignore_ascii_case(verb)
        };
        if !hit {
            continue;
        }
        let list = |field: &str| -> Vec<String> {
            v.get(field)
                .and_then(|l| l.as_sequence())
                .map(|l| {
                    l.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        ops.actions.extend(list("actions"));
        ops.data_actions.extend(list("data_actions"));
    }
    if ops.is_empty() {
        return platform_hit.then(Operations::default);
    }
    if wildcard {
        notes.wildcards.insert(format!(
            "`{action}` → {} operation{}",
            ops.actions.len() + ops.data_actions.len(),
            if ops.actions.len() + ops.data_actions.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    Some(ops)
}

/// `$transform: policy_name`: the name of a policy (`ManagedPolicyName`, or `PolicyName`),
/// for its role definition's name and GUID: as written, with the logical id as fallback
/// when it may be null (a Terraform `name` that is null when `name_prefix` is used), the
/// logical id when there is none.
pub(super) fn policy_name(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    let r = &cx.t.resources[i];
    let id = r.id.clone();
    let Some((key, v)) = ["ManagedPolicyName", "PolicyName"].iter().find_map(|k| {
        r.properties
            .get(k)
            .filter(|v| !v.is_null())
            .map(|v| (*k, v.clone()))
    }) else {
        return AzExpr::str(id);
    };
    consumed.insert(key.to_string());
    let mut may_be_null = false;
    v.walk(&mut |e| may_be_null |= matches!(e.kind, ExprKind::Null));
    match v.literal_text() {
        Some(t) => AzExpr::str(t),
        None if may_be_null => {
            let e = cx.tr(&v);
            AzExpr::call("coalesce", vec![e, AzExpr::str(id)])
        }
        None => cx.tr(&v),
    }
}

/// Every statement of a policy document (one object or a list).
fn all_statements(doc: &Expr) -> Vec<Expr> {
    match doc.get("Statement").map(|s| &s.kind) {
        Some(ExprKind::List(l)) => l.clone(),
        Some(_) => doc.get("Statement").cloned().into_iter().collect(),
        None => Vec::new(),
    }
}

/// Is a statement's `Resource` everything (`*`, alone or in its list)?
fn on_everything(st: &Expr) -> bool {
    match st.get("Resource") {
        Some(r) => match r.as_list() {
            Some(l) => l.iter().any(|x| x.as_str() == Some("*")),
            None => r.as_str() == Some("*"),
        },
        None => false,
    }
}

/// `$transform: role_permissions`: the `permissions` of the custom role definition an
/// IAM policy attached to no role of the template becomes. Each Allow statement's
/// actions become the Azure operations of the `azure` map of `iam-actions` (IAM
/// wildcards expanded to the operations they match, never an Azure wildcard; `*` on
/// `*` alone becomes `*`); Deny statements become `notActions`/`notDataActions`. What
/// does not carry over is listed in decisions. `None` when no statement grants an
/// Azure operation (no role definition is emitted).
pub(super) fn role_permissions(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("PolicyDocument".into());
    let r = &cx.t.resources[i];
    let (id, span) = (r.id.clone(), r.span);
    let doc = r.properties.get("PolicyDocument")?.clone();
    let (allow, deny, notes) = scan_policy(cx, &doc);
    role_decisions(cx, &id, span, &notes, allow.is_empty());
    if allow.is_empty() {
        return None;
    }
    let list = |s: &BTreeSet<String>| AzExpr::Array(s.iter().map(AzExpr::str).collect());
    Some(AzExpr::Array(vec![AzExpr::obj(vec![
        ("actions", list(&allow.actions)),
        ("notActions", list(&deny.actions)),
        ("dataActions", list(&allow.data_actions)),
        ("notDataActions", list(&deny.data_actions)),
    ])]))
}

/// A policy document's statements → the operations they allow and deny, and what did
/// not carry over.
fn scan_policy(cx: &Ctx, doc: &Expr) -> (Operations, Operations, RoleNotes) {
    let mut allow = Operations::default();
    let mut deny = Operations::default();
    let mut notes = RoleNotes::default();
    for st in all_statements(doc) {
        let effect = st.get("Effect").and_then(|e| e.literal_text());
        let allows = match effect.as_deref() {
            Some("Allow") => true,
            Some("Deny") => false,
            _ => {
                notes
                    .skipped
                    .insert("a statement whose `Effect` is computed".into());
                continue;
            }
        };
        if st.get("NotAction").is_some() {
            notes.skipped.insert(format!(
                "{} statement with `NotAction` (every action but those listed)",
                if allows { "an Allow" } else { "a Deny" }
            ));
        }
        if st.get("NotResource").is_some() {
            notes.skipped.insert(
                "`NotResource` (the statements apply wherever the role is assigned)".into(),
            );
        }
        if st.get("Condition").is_some() {
            notes.conditions = true;
        }
        let everything = on_everything(&st);
        if allows && !everything && st.get("Resource").is_some() {
            notes.scoped = true;
        }
        let items: Vec<Expr> = match st.get("Action") {
            Some(a) => a
                .as_list()
                .map(<[Expr]>::to_vec)
                .unwrap_or_else(|| vec![a.clone()]),
            None => Vec::new(),
        };
        for a in items {
            let Some(action) = a.literal_text() else {
                notes.skipped.insert("a computed action".into());
                continue;
            };
            if action == "*" {
                match (allows, everything) {
                    (true, true) => notes.full_access = true,
                    (true, false) => {
                        notes.skipped.insert(
                            "`*` on specific resources (not widened to every operation of the scope)"
                                .into(),
                        );
                    }
                    (false, _) => {
                        notes.skipped.insert("a Deny of `*`".into());
                    }
                }
                continue;
            }
            match azure_operations(cx, &action, &mut notes) {
                Some(ops) if allows => {
                    allow.actions.extend(ops.actions);
                    allow.data_actions.extend(ops.data_actions);
                }
                Some(ops) if ops.is_empty() => {}
                Some(ops) => {
                    notes.denied.insert(action.clone());
                    deny.actions.extend(ops.actions);
                    deny.data_actions.extend(ops.data_actions);
                }
                None => {
                    let service = action.split(':').next().unwrap_or_default();
                    if let Some(note) = cx.tables.lookup_str(
                        "iam-actions",
                        &service.to_ascii_lowercase(),
                        "azure_note",
                    ) {
                        notes.service_notes.insert(format!("`{service}`: {note}"));
                    }
                    notes.unmapped.insert(action.clone());
                }
            }
        }
    }
    if notes.full_access {
        allow.actions = BTreeSet::from(["*".to_string()]);
    }
    // A control-plane read both grants and denies (a queue's `read` for sending and
    // for receiving) stays granted: Azure excludes per operation, not per purpose.
    deny.actions.retain(|a| !allow.actions.contains(a));
    (allow, deny, notes)
}

/// The decisions about a policy's role definition: what it is, and what of the
/// statements did not carry over.
fn role_decisions(cx: &mut Ctx, id: &str, span: crate::source::Span, n: &RoleNotes, empty: bool) {
    let at = Some((id, span));
    if !empty {
        role_made_decisions(cx, id, span, n);
    }
    let mut gaps: Vec<String> = Vec::new();
    if !n.unmapped.is_empty() {
        gaps.push(format!(
            "actions with no Azure RBAC operation: {}",
            ticked(&n.unmapped)
        ));
    }
    gaps.extend(n.skipped.iter().cloned());
    if n.conditions {
        gaps.push("conditions (`Condition`), which Azure role definitions cannot hold (role assignment conditions cover a few storage cases)".into());
    }
    if !gaps.is_empty() || !n.service_notes.is_empty() {
        let notes: Vec<String> = n.service_notes.iter().cloned().collect();
        cx.decide(
            "iam-custom-role-gaps",
            at,
            &format!("{id}: statements the role definition does not carry"),
            "Some statements or actions of the policy have no counterpart in an Azure role definition.",
            &format!(
                "Not carried over: {}.{}",
                gaps.join("; "),
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" {}", notes.join(" "))
                }
            ),
            "Grant what the workload still needs by hand (another role, or the service's own access model).",
        );
        cx.floor_status("partial");
    }
    if !n.platform.is_empty() {
        cx.decide(
            "iam-custom-role-platform",
            at,
            &format!("{id}: permissions Azure does not need"),
            "Some actions of the policy let a workload do what the Azure platform does for it.",
            &format!(
                "Not granted, as nothing needs them: {}. {}",
                ticked(&n.platform),
                n.platform_notes.iter().cloned().collect::<Vec<_>>().join(" ")
            ),
            "None, once the workload's logs and traces go to Application Insights or Log Analytics.",
        );
    }
    if !n.denied.is_empty() {
        cx.decide(
            "iam-custom-role-deny",
            at,
            &format!("{id}: Deny statements become excluded operations"),
            "An IAM Deny overrides every Allow from any policy; Azure has no deny in role definitions (deny assignments are made only by Azure itself).",
            &format!(
                "The operations of the denied actions ({}) are `notActions`/`notDataActions` of the role: the role does not grant them, wherever it is assigned.",
                ticked(&n.denied)
            ),
            "Another role assigned to the same identity can still grant them; the deny's resources do not narrow the exclusion.",
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
    let mut wired = Vec::new();
    for st in resource_statements(&r.properties) {
        let actions = statement_actions(&st);
        let source = source_resource(cx, &st);
        for p in statement_principals(&st) {
            let service = p.literal_text().filter(|t| t.ends_with(".amazonaws.com"));
            if let (Some(service), Some(j)) = (&service, source) {
                wired.push(format!(
                    "`{service}` for {}",
                    cx.t.report_name(&cx.t.resources[j].id)
                ));
                continue;
            }
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
    if !wired.is_empty() {
        wired.sort();
        wired.dedup();
        let id = r.id.clone();
        cx.decide_later(
            i,
            "resource-policy-services",
            &format!("{id}: AWS services acting for resources of this template"),
            "The resource policy allows AWS services to deliver to the resource on behalf of a resource of this template (an `aws:SourceArn` condition naming it), such as a topic's subscription sending to a queue.",
            &format!("No role assignment is made for {}: on Azure that delivery is the wiring this conversion generates for the source resource, not a grant of this policy: a Service Bus subscription forwarding to the queue (inside the namespace, no role), or an Event Grid event subscription delivering with its topic's identity (with the role assignment it needs).", wired.join(", ")),
            "None, as long as the source resource is translated (see its line in the inventory).",
            None,
        );
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

/// An OpenSearch Serverless data access policy (`grants: data-access-policy`): a JSON
/// list of rule sets, each granting its `Principal`s the `Permission`s of its `Rules` on
/// the collections and indexes their `Resource` patterns name (`collection/<name>`,
/// `index/<name>/*`, a trailing `*` matching a prefix). Each permission's access comes
/// from `iam-actions` (`read` or `write` on the types of its service prefix, plus
/// `manage` for its `manage` verbs and `*`) on the template's resources of those types
/// whose `Name` matches; principals that are not roles of the template are listed in a
/// decision.
fn data_access_policy_grants(cx: &mut Ctx, i: usize, out: &mut Vec<Grant>) {
    let r = &cx.t.resources[i];
    let id = r.id.clone();
    let text = r.properties.get("Policy").map(Expr::shown_text);
    let rule_sets = match text
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    {
        Some(serde_json::Value::Array(a)) => a,
        Some(v @ serde_json::Value::Object(_)) => vec![v],
        _ => {
            cx.decide_later(
                i,
                "aoss-data-access-computed",
                &format!("{id}: the data access policy is computed"),
                "The policy's JSON is built by an expression, so its principals and rules cannot be read.",
                "No role assignment is made: on the search service each collection became, assign Search Index Data Reader, Search Index Data Contributor or Search Service Contributor by hand to the identities that replace the policy's principals.",
                "Until then those identities are refused.",
                Some("manual"),
            );
            return;
        }
    };
    let strs = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let mut outside = Vec::new();
    let mut missing = Vec::new();
    let before = out.len();
    for set in &rule_sets {
        let mut principals = Vec::new();
        for p in strs(set.get("Principal")) {
            // `${Role.Arn}` or `${Role}` of a Sub is shown as `<Role.Arn>` / `<Role>`.
            let named = p
                .strip_prefix('<')
                .and_then(|x| x.strip_suffix('>'))
                .map(|x| x.split('.').next().unwrap_or(x).to_string())
                .and_then(|n| {
                    let n = cx.t.resolve(&n).to_string();
                    cx.t.resources.iter().position(|x| x.id == n)
                })
                .filter(|&k| cx.plays(k, "grants", "role"));
            match named {
                Some(k) => principals.push(k),
                None => outside.push(p),
            }
        }
        let rules = match set.get("Rules") {
            Some(serde_json::Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        for rule in &rules {
            // ML models (`model/…`) have no counterpart on AI Search (see the decision).
            if !matches!(
                rule.get("ResourceType").and_then(|t| t.as_str()),
                Some("collection" | "index")
            ) {
                continue;
            }
            let perms = strs(rule.get("Permission"));
            let mut targets = Vec::new();
            for pattern in strs(rule.get("Resource")) {
                let name = pattern.split('/').nth(1).unwrap_or("");
                let found = targets.len();
                for (j, t) in cx.t.resources.iter().enumerate() {
                    let Some(tn) = t.properties.get("Name").map(Expr::shown_text) else {
                        continue;
                    };
                    let hit = match name.strip_suffix('*') {
                        Some(prefix) => tn.starts_with(prefix),
                        None => tn == name,
                    };
                    if hit && access_on(cx, &perms, j).is_some() && !targets.contains(&j) {
                        targets.push(j);
                    }
                }
                if targets.len() == found && !missing.contains(&pattern) {
                    missing.push(pattern);
                }
            }
            for &j in &targets {
                let Some(access) = access_on(cx, &perms, j) else {
                    continue;
                };
                let manages = perms.iter().any(|a| {
                    a.split_once(':').is_some_and(|(svc, verb)| {
                        verb == "*"
                            || cx
                                .tables
                                .lookup_list("iam-actions", svc, "manage")
                                .iter()
                                .any(|m| m == verb)
                    })
                });
                for &k in &principals {
                    out.push(Grant {
                        principal: k,
                        target: j,
                        access: access.into(),
                        origin: i,
                    });
                    if manages {
                        out.push(Grant {
                            principal: k,
                            target: j,
                            access: "manage".into(),
                            origin: i,
                        });
                    }
                }
            }
        }
    }
    let granted = out.len() > before;
    if !missing.is_empty() {
        cx.decide_later(
            i,
            "aoss-data-access-collections",
            &format!("{id}: collections that are not in this template"),
            "The data access policy names collections or indexes by name; only the collections of this template become search services here.",
            &format!(
                "No role assignment is made for {}: grant the policy's principals their Search roles on the search service that replaces each of those collections, by hand or in its own converted template.",
                missing
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "Until then those principals are refused on those collections.",
            Some(if granted { "partial" } else { "manual" }),
        );
    }
    if !outside.is_empty() {
        outside.sort();
        outside.dedup();
        cx.decide_later(
            i,
            "aoss-data-access-principals",
            &format!("{id}: principals that are not roles of this template"),
            "The data access policy grants principals that are not IAM roles of this template: parameters, users, accounts or SAML identities.",
            &format!(
                "No role assignment is made for {}: assign Search Index Data Reader (reads), Search Index Data Contributor (writes) or Search Service Contributor (index management) on the search service by hand, to the Entra ID identity that replaces each.",
                outside
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "Until then those callers are refused.",
            Some(if granted { "partial" } else { "manual" }),
        );
    }
}

/// The template resource a statement's `aws:SourceArn` condition names (under any
/// operator: `ArnEquals`, `ArnLike`, `StringEquals`).
fn source_resource(cx: &Ctx, st: &Expr) -> Option<usize> {
    let ExprKind::Object(ops) = &st.get("Condition")?.kind else {
        return None;
    };
    ops.iter().find_map(|(_, _, keys)| {
        let ExprKind::Object(keys) = &keys.kind else {
            return None;
        };
        keys.iter()
            .filter(|(k, _, _)| k.eq_ignore_ascii_case("aws:SourceArn"))
            .find_map(|(_, _, v)| {
                let mut found = None;
                v.walk(&mut |e| {
                    if found.is_none() {
                        found = cx.referenced_resource(e);
                    }
                });
                found
            })
    })
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
        if cx.plays(i, "grants", "data-access-policy") {
            data_access_policy_grants(cx, i, &mut out);
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
        g.access != "read"
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
    let role_kind = match g.access.as_str() {
        "write" => "Writer",
        "manage" => "Manager",
        _ => "Reader",
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

/// The decisions about the role definition a policy became.
fn role_made_decisions(cx: &mut Ctx, id: &str, span: crate::source::Span, n: &RoleNotes) {
    let at = Some((id, span));
    cx.decide(
        "iam-custom-role",
        at,
        &format!("{id}: the policy becomes a custom role definition"),
        "The policy is attached to no role of this template: it is used by roles of other stacks or modules (by its ARN), or by IAM users and groups.",
        &format!(
            "A custom role definition (assignable in this resource group) with the Azure operations of the statements' actions{}. Nothing is assigned: assign the role to the identities that replace the roles, users and groups that use the policy, on the resources that replace the statements' resources.",
            if n.scoped {
                "; the statements' resources become the scope of each assignment, not part of the role"
            } else {
                ""
            }
        ),
        "Role definitions are tenant-wide objects: deploying needs permission to write role definitions (Owner or User Access Administrator), and the role's name carries the resource group's name to stay unique in the tenant.",
    );
    if n.full_access {
        cx.decide(
            "iam-custom-role-full-access",
            at,
            &format!("{id}: `*` on `*` becomes every Azure operation"),
            "A statement allows every action on every resource.",
            "The role definition's actions are `*` (every control-plane operation of the scope it is assigned on, like Owner); data-plane operations are not included.",
            "Review that full access is intended; prefer the built-in Contributor or a narrower role.",
        );
    }
    if !n.wildcards.is_empty() {
        cx.decide(
            "iam-custom-role-wildcards",
            at,
            &format!("{id}: wildcard actions become the operations they match"),
            "IAM wildcards (`s3:Get*`) also match actions AWS adds later; an Azure wildcard would match operations of other kinds.",
            &format!(
                "Each wildcard becomes the Azure operations of the IAM actions it matches in the IAM action table, listed one by one: {}.",
                n.wildcards.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            "Actions the table does not know are not granted; add their operations to the role if the workload needs them.",
        );
    }
}

/// `a`, `b` → "`a`, `b`".
fn ticked(items: &BTreeSet<String>) -> String {
    items
        .iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
