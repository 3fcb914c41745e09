//! `[existing]` in aws2azure.toml: AWS resources that stand for Azure resources that
//! exist already (a hub network). The resource each becomes is read (`existing` in Bicep,
//! a `data` source in Terraform) instead of created, so every reference reads the
//! existing one; what the template still creates inside it (subnets of a VPC) is created
//! there, with a decision, since that changes a resource another team owns.

use crate::azure::{AzExpr, AzResource};
use crate::config::Existing;
use crate::diag::{Diagnostic, codes};

use super::context::Ctx;

/// Subnet properties the template sets that an existing subnet keeps unless changed.
const SUBNET_LINKS: &[&str] = &["networkSecurityGroup", "routeTable", "natGateway"];

/// Reads every resource of the template that `[existing]` names instead of creating it.
pub fn adopt(cx: &mut Ctx) {
    let mut entries = cx.tables.answers.existing.clone();
    // Parents first (a VPC before its subnets), so a child reads the parent's declaration.
    entries.sort_by_key(|e| e.id.names.len());
    for e in &entries {
        let Some(i) = (0..cx.t.resources.len()).find(|&i| names(cx, e, i)) else {
            continue;
        };
        adopt_one(cx, e, i);
    }
}

/// Does entry `e` name resource `i` of this template?
fn names(cx: &Ctx, e: &Existing, i: usize) -> bool {
    let r = &cx.t.resources[i];
    let address = match cx.t.tf.as_ref().and_then(|tf| tf.tf_names.get(&r.id)) {
        Some((ty, name)) => format!("{ty}.{name}"),
        None => r.id.clone(),
    };
    if e.address != address && e.address != r.id {
        return false;
    }
    let Some(path) = &e.path else { return true };
    let file = cx.file().replace('\\', "/");
    let dir =
        cx.t.tf
            .as_ref()
            .map(|tf| tf.dir.trim_matches('/').to_string());
    file == *path
        || file.ends_with(&format!("/{path}"))
        || dir.as_deref() == Some(path.as_str())
        || file
            .rsplit_once('/')
            .is_some_and(|(d, _)| d == path || d.ends_with(&format!("/{path}")))
}

fn invalid(e: &Existing, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(codes::CONFIG_INVALID, e.span, message, "here").help(help)
}

fn adopt_one(cx: &mut Ctx, e: &Existing, i: usize) {
    let r = cx.t.resources[i].clone();
    let shown = cx.t.report_name(&r.id);
    let sym = cx.prepared[i].sym.clone();
    let Some(pos) = cx
        .module
        .resources
        .iter()
        .position(|x| x.symbol == sym && !x.existing && x.updates.is_none())
    else {
        cx.diagnostics.push(invalid(
            e,
            format!(
                "`{}` names {shown} ({}), which aws2azure does not turn into an Azure resource",
                e.key, r.ty
            ),
            "name a resource the report's inventory lists with an Azure resource",
        ));
        return;
    };
    let made = cx.module.resources[pos].ty.clone();
    if !made.eq_ignore_ascii_case(&e.id.ty) {
        cx.diagnostics.push(invalid(
            e,
            format!(
                "`{}` is a {}, but {shown} ({}) becomes a {made}",
                e.key, e.id.ty, r.ty
            ),
            &format!("give the id of a {made}"),
        ));
        return;
    }
    if cx.module.resources[pos].for_each.is_some() || cx.module.resources[pos].condition.is_some() {
        cx.diagnostics.push(invalid(
            e,
            format!(
                "`{}` names {shown}, which the template repeats or creates under a condition: one existing resource cannot stand for it",
                e.key
            ),
            "remove the entry, or the repetition or condition in the source",
        ));
        return;
    }
    let scope = AzExpr::call(
        "resourceGroup",
        vec![
            AzExpr::str(e.id.subscription.clone()),
            AzExpr::str(e.id.group.clone()),
        ],
    );
    let old = cx.module.resources[pos].clone();
    // A child type (a subnet): its parents are read too, from the same id.
    let parent = match e.id.names.len() {
        1 => None,
        _ => Some(existing_parents(cx, e, &old, &scope)),
    };
    let Some(parent) = parent.unwrap_or(Some(String::new())) else {
        cx.diagnostics.push(invalid(
            e,
            format!(
                "`{}`: aws2azure knows no API version of the parent of {}",
                e.key, e.id.ty
            ),
            "name the parent resource instead",
        ));
        return;
    };
    let name = e.id.names.last().cloned().unwrap_or_default();
    let mut body = Vec::new();
    if parent.is_empty() {
        body.push(("scope".to_string(), scope.clone()));
    }
    cx.module.resources[pos] = AzResource {
        symbol: old.symbol.clone(),
        ty: old.ty.clone(),
        api: old.api.clone(),
        parent: (!parent.is_empty()).then_some(parent),
        name: AzExpr::str(name.clone()),
        body,
        comments: vec![format!(
            "Existing {} named in aws2azure.toml (was {shown}, {}): read, not created.",
            old.ty, r.ty
        )],
        source: old.source.clone(),
        existing: true,
        rule: old.rule.clone(),
        ..Default::default()
    };
    // A shared parent only it used (the Service Bus namespace of an existing queue) goes.
    let mut up = old.parent.clone();
    while let Some(p) = up.take() {
        let Some(k) = cx
            .module
            .resources
            .iter()
            .position(|x| x.symbol == p && x.source.is_empty() && !x.existing)
        else {
            break;
        };
        if referenced(cx, &p) {
            break;
        }
        up = cx.module.resources[k].parent.clone();
        cx.module.resources.remove(k);
    }
    // What the entry made for the AWS resource besides it is not created either.
    let mut dropped = Vec::new();
    cx.module.resources.retain(|x| {
        let mine = x.source == r.id && x.symbol != old.symbol && !x.existing;
        if mine {
            dropped.push(format!("`{}` ({})", x.symbol, x.ty));
        }
        !mine
    });
    // Links an existing subnet must get from this template: a change to it.
    let mut changes = Vec::new();
    if old.ty == crate::azure::types::SUBNET.ty {
        let props = old
            .body
            .iter()
            .find(|(k, _)| k == "properties")
            .map(|(_, v)| v.clone());
        if let Some(AzExpr::Object(members)) = props {
            let links: Vec<_> = members
                .into_iter()
                .filter(|(k, _)| matches!(k, crate::azure::AzKey::Name(n) if SUBNET_LINKS.contains(&n.as_str())))
                .collect();
            if !links.is_empty() {
                changes = links
                    .iter()
                    .map(|(k, _)| match k {
                        crate::azure::AzKey::Name(n) => format!("`{n}`"),
                        crate::azure::AzKey::Expr(_) => String::new(),
                    })
                    .collect();
                let change = cx.syms.alloc(&format!("{}Links", old.symbol));
                cx.module.resources.push(AzResource {
                    symbol: change,
                    ty: old.ty.clone(),
                    api: old.api.clone(),
                    name: AzExpr::str(name.clone()),
                    body: vec![("properties".into(), AzExpr::Object(links))],
                    updates: Some(AzExpr::str(e.key_id())),
                    source: r.id.clone(),
                    ..Default::default()
                });
            }
        }
    }
    let children: Vec<String> = cx
        .module
        .resources
        .iter()
        .filter(|x| x.parent.as_deref() == Some(old.symbol.as_str()) && !x.existing)
        .map(|x| format!("`{}` ({})", x.symbol, x.ty))
        .collect();
    let not_made = if dropped.is_empty() {
        String::new()
    } else {
        format!(
            " What the mapping makes beside it is not created either: {}.",
            dropped.join(", ")
        )
    };
    cx.decide_later(
        i,
        "existing-resource",
        &format!("{}: the existing {} `{name}` stands for it", r.id, old.ty),
        &format!(
            "aws2azure.toml's [existing] entry `{}` names {shown} and the Azure resource `{}` that exists already (another team's or an earlier deployment's).",
            e.key,
            e.id.names.join("/")
        ),
        &format!(
            "The {} is read in resource group `{}` of subscription `{}` (Bicep `existing`, a Terraform data source); every reference to {shown} reads it. This template does not create or delete it (what it changes in it, if anything, is the decision `existing-resource-changed`).{not_made}",
            old.ty, e.id.group, e.id.subscription
        ),
        "The existing resource must be there before deployment, and the deploying identity needs read access to it (Reader on its resource group). Settings the source gave the AWS resource (address ranges, tags, options) are not applied: compare them with the existing resource. Terraform's azurerm data sources read in the provider's subscription: give the provider block for that subscription (an alias) when it differs.",
        None,
    );
    if !children.is_empty() || !changes.is_empty() {
        let what = if changes.is_empty() {
            format!("creates {} inside it", children.join(", "))
        } else if children.is_empty() {
            format!("sets {} on it", changes.join(", "))
        } else {
            format!(
                "creates {} inside it and sets {} on it",
                children.join(", "),
                changes.join(", ")
            )
        };
        cx.decide_later(
            i,
            "existing-resource-changed",
            &format!("{}: this template changes the existing {} `{name}`", r.id, old.ty),
            &format!("{shown} is the existing `{}` (aws2azure.toml), which another deployment owns; the template still {what}.", e.id.names.join("/")),
            &format!("The output {what}, in the existing resource's resource group (Bicep deploys children through a module at that scope; a change to an existing subnet reads it and puts it back with the change)."),
            "This modifies shared infrastructure: agree with its owner before go-live (address ranges must be free, a subnet takes one NSG and one route table, and the owner's next deployment may undo or refuse the change), or move these resources into the owner's template and reference them as existing too.",
            None,
        );
    }
}

/// Does anything of the module (a resource, a variable, an output) name `sym`?
fn referenced(cx: &mut Ctx, sym: &str) -> bool {
    if cx
        .module
        .resources
        .iter()
        .any(|r| r.parent.as_deref() == Some(sym) || r.depends_on.iter().any(|d| d == sym))
    {
        return true;
    }
    let mut used = Vec::new();
    cx.module.for_each_expr_mut(&mut |e| e.idents(&mut used));
    used.iter().any(|u| u == sym)
}

/// Existing declarations of the parents of a child id (a subnet's network), reusing a
/// resource of the module that reads the same one. `None`: no API version is known for
/// a parent type.
fn existing_parents(
    cx: &mut Ctx,
    e: &Existing,
    old: &AzResource,
    scope: &AzExpr,
) -> Option<String> {
    let segs: Vec<&str> = e.id.ty.split('/').collect();
    let mut parent: Option<String> = None;
    for depth in 1..e.id.names.len() {
        let ty = segs[..=depth].join("/");
        let name = AzExpr::str(e.id.names[depth - 1].clone());
        let found = cx.module.resources.iter().find(|x| {
            x.existing
                && x.ty.eq_ignore_ascii_case(&ty)
                && x.name == name
                && x.parent == parent
                && (parent.is_some() || x.body.iter().any(|(k, v)| k == "scope" && v == scope))
        });
        if let Some(f) = found {
            parent = Some(f.symbol.clone());
            continue;
        }
        let api = old
            .parent
            .as_ref()
            .and_then(|p| cx.module.resources.iter().find(|x| &x.symbol == p))
            .filter(|p| p.ty.eq_ignore_ascii_case(&ty))
            .map(|p| p.api.clone())
            .or_else(|| {
                cx.tables
                    .types
                    .values()
                    .flat_map(|t| super::table::specs(t))
                    .find(|s| s.ty.eq_ignore_ascii_case(&ty))
                    .map(|s| s.api.clone())
            })?;
        let sym = cx.syms.alloc(&format!(
            "existing{}",
            crate::names::upper_camel(&e.id.names[depth - 1])
        ));
        cx.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: ty.clone(),
            api,
            parent: parent.clone(),
            name,
            body: if parent.is_none() {
                vec![("scope".into(), scope.clone())]
            } else {
                Vec::new()
            },
            comments: vec![format!("Existing {ty} named in aws2azure.toml.")],
            existing: true,
            ..Default::default()
        });
        parent = Some(sym);
    }
    parent
}
