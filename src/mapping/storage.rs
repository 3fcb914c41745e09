//! S3 lifecycle rules → a storage account lifecycle management policy.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, Interp};
use crate::model::expr::Expr;

/// The Azure tier action for an S3 storage class.
fn tier_action(class: &str) -> Option<&'static str> {
    match class {
        "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" => Some("tierToCool"),
        "GLACIER_IR" => Some("tierToCold"),
        "GLACIER" | "DEEP_ARCHIVE" => Some("tierToArchive"),
        _ => None,
    }
}

fn days(cx: &mut Ctx, e: &Expr) -> AzExpr {
    match e.literal_i64() {
        Some(d) => AzExpr::Int(d),
        None => crate::azure::coerce(cx.tr(e), "int"),
    }
}

/// `LifecycleConfiguration.Rules` → `policy.rules` of a management policy.
pub fn lifecycle_rules(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
    container: &str,
) -> Option<AzExpr> {
    consumed.insert("LifecycleConfiguration".into());
    let t = cx.t;
    let r = &t.resources[i];
    let rules = r
        .properties
        .path("LifecycleConfiguration.Rules")?
        .as_list()?
        .to_vec();
    let mut out = Vec::new();
    let mut lost = Vec::new();
    for (n, rule) in rules.iter().enumerate() {
        if let Some(x) = lifecycle_rule(cx, n, rule, container, &mut lost) {
            out.push(x);
        }
    }
    if !lost.is_empty() {
        cx.decide(
            "s3-lifecycle-gaps",
            Some((&r.id, r.span)),
            &format!("{}: lifecycle settings without an Azure equivalent", r.id),
            "Azure lifecycle rules act on days since modification or creation, filtered by prefix or blob index tags.",
            &format!("Not translated: {}.", lost.join("; ")),
            "Review the rules; blob index tags can replace S3 tag filters.",
        );
        cx.floor_status("partial");
    }
    if out.is_empty() {
        return None;
    }
    Some(AzExpr::obj(vec![("rules", AzExpr::Array(out))]))
}

/// One S3 lifecycle rule (the `n`th) → a management policy rule; `None` when no action
/// maps. What does not map is added to `lost`.
fn lifecycle_rule(
    cx: &mut Ctx,
    n: usize,
    rule: &Expr,
    container: &str,
    lost: &mut Vec<String>,
) -> Option<AzExpr> {
    let id = rule
        .get("Id")
        .and_then(|x| x.literal_text())
        .unwrap_or_else(|| format!("rule{}", n + 1));
    let mut name: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() {
        name = format!("rule{}", n + 1);
    }
    let enabled = rule.get("Status").and_then(|x| x.as_str()) != Some("Disabled");
    let base = base_blob_actions(cx, rule, &id, lost);
    let mut actions = Vec::new();
    if !base.is_empty() {
        actions.push((
            "baseBlob",
            AzExpr::Object(
                base.into_iter()
                    .map(|(k, v)| (crate::azure::AzKey::Name(k), v))
                    .collect(),
            ),
        ));
    }
    let noncurrent = rule
        .get("NoncurrentVersionExpirationInDays")
        .or_else(|| rule.path("NoncurrentVersionExpiration.NoncurrentDays"));
    if let Some(d) = noncurrent {
        let d = days(cx, d);
        actions.push((
            "version",
            AzExpr::obj(vec![(
                "delete",
                AzExpr::obj(vec![("daysAfterCreationGreaterThan", d)]),
            )]),
        ));
    }
    if actions.is_empty() {
        lost.push(format!("{id}: no action Azure can express"));
        return None;
    }
    let filters = lifecycle_filters(cx, rule, container);
    Some(AzExpr::obj(vec![
        ("enabled", AzExpr::Bool(enabled)),
        ("name", AzExpr::Str(name)),
        ("type", AzExpr::str("Lifecycle")),
        (
            "definition",
            AzExpr::obj(vec![
                ("actions", AzExpr::obj(actions)),
                ("filters", AzExpr::obj(filters)),
            ]),
        ),
    ]))
}

/// The base blob actions of a rule: tier transitions and expiration, by days since
/// modification. What does not map is added to `lost`.
fn base_blob_actions(
    cx: &mut Ctx,
    rule: &Expr,
    id: &str,
    lost: &mut Vec<String>,
) -> Vec<(String, AzExpr)> {
    let mut base: Vec<(String, AzExpr)> = Vec::new();
    let mut transitions: Vec<Expr> = rule
        .get("Transitions")
        .and_then(|t| t.as_list())
        .map(<[Expr]>::to_vec)
        .unwrap_or_default();
    transitions.extend(rule.get("Transition").cloned());
    for t in &transitions {
        let class = t
            .get("StorageClass")
            .and_then(|x| x.literal_text())
            .unwrap_or_default();
        match (tier_action(&class), t.get("TransitionInDays")) {
            (Some(action), Some(d)) => {
                if !base.iter().any(|(a, _)| a == action) {
                    let d = days(cx, d);
                    base.push((action.to_string(), AzExpr::obj(vec![("daysAfterModificationGreaterThan", d)])));
                }
            }
            _ => lost.push(format!("{id}: transition to {class} (only day-based transitions to IA, Glacier and Deep Archive map)")),
        }
    }
    if let Some(d) = rule.get("ExpirationInDays") {
        let d = days(cx, d);
        base.push((
            "delete".into(),
            AzExpr::obj(vec![("daysAfterModificationGreaterThan", d)]),
        ));
    }
    if rule.get("ExpirationDate").is_some()
        || rule.get("TagFilters").is_some()
        || rule.path("Filter.TagFilters").is_some()
    {
        lost.push(format!("{id}: expiration dates and tag filters"));
    }
    base
}

/// A rule's filters: block blobs, under the rule's prefix within `container`.
fn lifecycle_filters(cx: &mut Ctx, rule: &Expr, container: &str) -> Vec<(&'static str, AzExpr)> {
    let mut filters = vec![("blobTypes", AzExpr::Array(vec![AzExpr::str("blockBlob")]))];
    if let Some(p) = rule.get("Prefix").or_else(|| rule.path("Filter.Prefix")) {
        let prefix = match cx.tr(p) {
            AzExpr::Str(s) => AzExpr::Str(format!("{container}/{s}")),
            other => AzExpr::Interp(vec![
                Interp::Lit(format!("{container}/")),
                Interp::Expr(other),
            ]),
        };
        filters.push(("prefixMatch", AzExpr::Array(vec![prefix])));
    }
    filters
}

/// Zone-redundant like S3, unless lifecycle rules need the Archive tier, which
/// zone-redundant accounts do not offer.
pub fn storage_sku(cx: &mut Ctx, i: usize) -> AzExpr {
    let t = cx.t;
    let r = &t.resources[i];
    let mut archive = false;
    if let Some(rules) = r
        .properties
        .path("LifecycleConfiguration.Rules")
        .and_then(|x| x.as_list())
    {
        for rule in rules {
            let mut ts: Vec<&Expr> = rule
                .get("Transitions")
                .and_then(|t| t.as_list())
                .map(|l| l.iter().collect())
                .unwrap_or_default();
            ts.extend(rule.get("Transition"));
            archive |= ts.iter().any(|t| {
                tier_action(
                    &t.get("StorageClass")
                        .and_then(|c| c.literal_text())
                        .unwrap_or_default(),
                ) == Some("tierToArchive")
            });
        }
    }
    if !archive {
        return AzExpr::str("Standard_ZRS");
    }
    cx.decide(
        "storage-archive-redundancy",
        Some((&r.id, r.span)),
        &format!("{}: geo-redundant storage for the Archive tier", r.id),
        "S3 keeps objects in several Availability Zones; the zone-redundant Azure equivalent (ZRS) has no Archive tier, which the Glacier transitions need.",
        "The account is Standard_GRS: three copies in the region and three in the paired region.",
        "Data is also stored in the paired region; choose Standard_LRS if it must stay in one region (no zone redundancy).",
    );
    AzExpr::str("Standard_GRS")
}
