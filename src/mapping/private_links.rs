//! Private endpoints and the private DNS zones they register in, shared by the passes
//! that make them (EFS mount targets, VPC interface endpoints). The facts — which
//! group ids a type has, the `privatelink.*` zone of each, the tiers that take a private
//! endpoint — are the `private-dns-zones` table's. A zone is created once per template
//! and linked once per virtual network.

use super::context::Ctx;
use crate::azure::types::{PRIVATE_DNS_ZONE, PRIVATE_DNS_ZONE_LINK};
use crate::azure::{AzExpr, AzResource};
use serde_yaml::Value;

pub(super) const PRIVATE_ENDPOINT: &str = "Microsoft.Network/privateEndpoints";
pub(super) const ZONE_GROUP: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
const PRIVATE_ENDPOINT_API: &str = "2025-09-01";
const TABLE: &str = "private-dns-zones";

/// The group id and `privatelink` zone of a private endpoint on ARM type `ty`: group
/// `group`, or the type's only group when none is named.
pub(super) fn group_zone(cx: &Ctx, ty: &str, group: Option<&str>) -> Option<(String, String)> {
    let map = cx
        .tables
        .lookup(TABLE, ty)?
        .get("privatelink")?
        .as_mapping()?;
    let (g, z) = match group {
        Some(g) => (Value::from(g), map.get(g)?),
        None if map.len() == 1 => {
            let (g, z) = map.iter().next()?;
            (g.clone(), z)
        }
        None => return None,
    };
    Some((g.as_str()?.to_string(), z.as_str()?.to_string()))
}

/// Whether a resource of type `ty` with SKU name `sku` takes a private endpoint, and
/// the SKU (as a body member) it moves to when it does not.
pub(super) fn sku_fit(cx: &Ctx, ty: &str, sku: Option<&str>) -> Result<(), Option<AzExpr>> {
    let skus = cx.tables.lookup_list(TABLE, ty, "skus");
    match sku {
        Some(s) if !skus.is_empty() && !skus.iter().any(|x| x.eq_ignore_ascii_case(s)) => {
            let to = cx
                .tables
                .lookup(TABLE, ty)
                .and_then(|e| e.get("sku"))
                .and_then(Value::as_mapping)
                .map(|m| {
                    AzExpr::Object(
                        m.iter()
                            .filter_map(|(k, v)| {
                                Some((crate::azure::AzKey::Name(k.as_str()?.into()), scalar(v)))
                            })
                            .collect(),
                    )
                });
            Err(to)
        }
        _ => Ok(()),
    }
}

fn scalar(v: &Value) -> AzExpr {
    match v {
        Value::String(s) => AzExpr::Str(s.clone()),
        Value::Number(n) => n.as_i64().map(AzExpr::Int).unwrap_or(AzExpr::Null),
        Value::Bool(b) => AzExpr::Bool(*b),
        _ => AzExpr::Null,
    }
}

/// The template's private DNS zone `name`, created on first use with `comment`.
pub(super) fn zone(cx: &mut Ctx, name: &str, comment: &str, source: &str) -> String {
    let wanted = AzExpr::str(name);
    if let Some(z) = cx
        .module
        .resources
        .iter()
        .find(|r| r.ty == PRIVATE_DNS_ZONE.ty && r.name == wanted)
    {
        return z.symbol.clone();
    }
    let label = name
        .strip_prefix("privatelink.")
        .unwrap_or(name)
        .split('.')
        .next()
        .unwrap_or("dns");
    let sym = cx.syms.alloc(&format!(
        "privateLink{}Zone",
        crate::names::upper_camel(label)
    ));
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: PRIVATE_DNS_ZONE.ty.into(),
        api: PRIVATE_DNS_ZONE.api.into(),
        name: wanted,
        location: Some(AzExpr::str("global")),
        comments: vec![comment.to_string()],
        source: source.to_string(),
        ..Default::default()
    });
    sym
}

/// The link of private DNS zone `zone` to virtual network `vnet`, created once.
pub(super) fn link(cx: &mut Ctx, zone: &str, vnet: &str, source: &str) -> String {
    let net = AzExpr::obj(vec![("id", AzExpr::path(vnet, "id"))]);
    if let Some(l) = cx.module.resources.iter().find(|r| {
        r.ty == PRIVATE_DNS_ZONE_LINK.ty
            && r.parent.as_deref() == Some(zone)
            && r.body
                .iter()
                .any(|(k, p)| k == "properties" && p.get("virtualNetwork") == Some(&net))
    }) {
        return l.symbol.clone();
    }
    let sym = cx
        .syms
        .alloc(&format!("{zone}{}Link", crate::names::capital(vnet)));
    super::database::zone_link(cx, &sym, zone, vnet, source);
    sym
}

/// A private endpoint to make: what it connects to, where, and how it is named.
pub(super) struct Endpoint {
    pub sym: String,
    pub name: AzExpr,
    pub subnet: AzExpr,
    /// The `privateLinkServiceId`: the target resource's id.
    pub target: AzExpr,
    pub group: String,
    /// The private DNS zone the endpoint registers in (created on first use, with
    /// `zone_comment`).
    pub zone: String,
    pub zone_comment: String,
    pub condition: Option<AzExpr>,
    pub comment: String,
    pub source: String,
}

/// Emits private endpoint `e` with its DNS zone group; returns the symbols of the zone
/// and of the zone group.
pub(super) fn private_endpoint(cx: &mut Ctx, e: Endpoint) -> (String, String) {
    let group = AzExpr::str(&e.group);
    cx.module.resources.push(AzResource {
        symbol: e.sym.clone(),
        ty: PRIVATE_ENDPOINT.into(),
        api: PRIVATE_ENDPOINT_API.into(),
        name: e.name,
        location: Some(AzExpr::ident("location")),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![
                ("subnet", AzExpr::obj(vec![("id", e.subnet)])),
                (
                    "privateLinkServiceConnections",
                    AzExpr::Array(vec![AzExpr::obj(vec![
                        ("name", AzExpr::Str(e.group.to_lowercase())),
                        (
                            "properties",
                            AzExpr::obj(vec![
                                ("privateLinkServiceId", e.target),
                                ("groupIds", AzExpr::Array(vec![group])),
                            ]),
                        ),
                    ])]),
                ),
            ]),
        )],
        condition: e.condition.clone(),
        comments: vec![e.comment],
        source: e.source.clone(),
        ..Default::default()
    });
    let zone = zone(cx, &e.zone, &e.zone_comment, &e.source);
    let zone_group = cx.syms.alloc(&format!("{}DnsZoneGroup", e.sym));
    cx.module.resources.push(AzResource {
        symbol: zone_group.clone(),
        ty: ZONE_GROUP.into(),
        api: PRIVATE_ENDPOINT_API.into(),
        parent: Some(e.sym),
        name: AzExpr::str("default"),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![(
                "privateDnsZoneConfigs",
                AzExpr::Array(vec![AzExpr::obj(vec![
                    ("name", AzExpr::Str(e.group.to_lowercase())),
                    (
                        "properties",
                        AzExpr::obj(vec![("privateDnsZoneId", AzExpr::path(&zone, "id"))]),
                    ),
                ])]),
            )]),
        )],
        condition: e.condition,
        source: e.source,
        ..Default::default()
    });
    (zone, zone_group)
}
