//! Private networking of flexible servers: an RDS instance in a DB subnet
//! group becomes a server in a subnet delegated to it, resolved through a
//! private DNS zone linked to the network, behind the NSG of its security group.
//! A server whose Azure type joins a network through a private endpoint instead (no
//! `zone` but a `privatelink` group in `private-dns-zones`: a DocumentDB cluster's
//! MongoDB vCore cluster, a Neptune cluster's Gremlin account) gets one in the first
//! subnet of its group, registered in the group's `privatelink` zone.

use super::context::Ctx;
use super::private_links;
use crate::azure::{AzExpr, AzResource};
use crate::model::template::Resource;
use crate::names::kebab;

/// Security groups whose NSG this pass attached to a database subnet.
pub fn wire(cx: &mut Ctx) -> Vec<usize> {
    let mut attached = Vec::new();
    let t = cx.t;
    for (i, r) in t.resources.iter().enumerate() {
        if !cx.plays(i, "private-networking", "server") || r.condition.is_some() {
            continue;
        }
        if endpoint_server(cx, i) {
            continue;
        }
        let Some(w) = private_server(cx, i) else {
            continue;
        };
        cx.set_path(
            &w.subnet,
            &["properties", "delegations"],
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::str("flexible-server")),
                (
                    "properties",
                    AzExpr::obj(vec![("serviceName", AzExpr::Str(w.server_ty.clone()))]),
                ),
            ])]),
        );
        if let Some(sg) = attach_security_group(cx, r, &w.subnet) {
            attached.push(sg);
        }
        let (zone, link) = private_dns_zone(cx, r, &w);
        connect_server(cx, r, &w, &zone, &link);
        let rid = &r.id;
        let (subnet, server_ty) = (&w.subnet, &w.server_ty);
        cx.decide_later(
            i,
            "flexible-server-private-access",
            &format!("{rid}: private access through a delegated subnet"),
            &format!("{rid} runs in the subnets of {} and is reached inside the VPC. A flexible server with private access lives in one subnet delegated to it and is resolved through a private DNS zone.", t.resources[w.group].id),
            &format!("The subnet `{subnet}` is delegated to {server_ty}; a private DNS zone linked to the network resolves the server; public access stays disabled. The subnet carries the NSG of the instance's first security group."),
            "A delegated subnet holds nothing but flexible servers: move other workloads out of it. The other subnets of the group only keep the address plan.",
            None,
        );
    }
    attached
}

/// The first subnet of this template in the DB subnet group resource `i` names in
/// `DBSubnetGroupName`, with its virtual network: (group, subnet, network).
fn group_subnet(cx: &Ctx, i: usize) -> Option<(usize, Option<(String, String)>)> {
    let t = cx.t;
    let group = t.resources[i]
        .properties
        .get("DBSubnetGroupName")
        .and_then(|g| cx.referenced_resource(g))?;
    let subnets = t.resources[group]
        .properties
        .get("SubnetIds")
        .and_then(|s| s.as_list())
        .unwrap_or(&[]);
    let subnet = subnets
        .iter()
        .find_map(|s| cx.referenced_resource(s))
        .filter(|j| cx.plays(*j, "private-networking", "subnet"))
        .and_then(|j| {
            let subnet = cx.prepared[j].sym.clone();
            let vnet = cx
                .module
                .resources
                .iter()
                .find(|x| x.symbol == subnet)
                .and_then(|x| x.parent.clone())?;
            Some((subnet, vnet))
        });
    Some((group, subnet))
}

/// A server of a type reached through a private endpoint: the endpoint in the first
/// subnet of its group (the group id is the role's `group`, or the type's only one),
/// or a decision when that subnet is not in the template. False when the server's
/// type joins networks some other way (a delegated subnet) or has no Azure resource.
fn endpoint_server(cx: &mut Ctx, i: usize) -> bool {
    let t = cx.t;
    let r = &t.resources[i];
    let server = cx.prepared[i].sym.clone();
    let Some(ty) = cx
        .module
        .resources
        .iter()
        .find(|x| x.symbol == server)
        .map(|x| x.ty.clone())
    else {
        return false;
    };
    if cx
        .tables
        .lookup_str("private-dns-zones", &ty, "zone")
        .is_some()
    {
        return false;
    }
    let group = cx
        .tables
        .pass(&r.ty, "private-networking")
        .and_then(|v| v.get("server"))
        .and_then(|v| v.get("group"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let Some((group, zone)) = private_links::group_zone(cx, &ty, group.as_deref()) else {
        return false;
    };
    let Some((sg, subnet)) = group_subnet(cx, i) else {
        return true;
    };
    let (rid, gid) = (&r.id, &t.resources[sg].id);
    let Some((subnet, vnet)) = subnet else {
        cx.decide_later(
            i,
            "private-endpoint-subnet-elsewhere",
            &format!("{rid}: no private endpoint (the subnets of {gid} are not in this template)"),
            &format!("{rid} runs in the subnets of {gid}, which this template does not declare (parameters or imports)."),
            &format!("The Azure resource keeps public network access disabled and gets no private endpoint here: add one (group `{group}`) in the virtual network that replaces those subnets, with a private DNS zone group for `{zone}` linked to that network."),
            "Until the endpoint exists, nothing can reach the database.",
            None,
        );
        return true;
    };
    let pe = cx.syms.alloc(&format!("{server}PrivateEndpoint"));
    let (z, zone_group) = private_links::private_endpoint(
        cx,
        private_links::Endpoint {
            sym: pe.clone(),
            name: AzExpr::str(format!("pe-{}", kebab(rid))),
            subnet: AzExpr::path(&subnet, "id"),
            target: AzExpr::path(&server, "id"),
            group: group.clone(),
            zone: zone.clone(),
            zone_comment: format!(
                "Private DNS zone in which the private endpoints of group `{group}` register their addresses."
            ),
            condition: None,
            comment: format!(
                "Was {gid}: {rid} is reached through this endpoint in the group's first subnet."
            ),
            source: rid.clone(),
        },
    );
    let link = private_links::link(cx, &z, &vnet, rid);
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == *rid) {
        for (ty, sym) in [
            (private_links::PRIVATE_ENDPOINT, &pe),
            (private_links::ZONE_GROUP, &zone_group),
            (crate::azure::types::PRIVATE_DNS_ZONE.ty, &z),
            (crate::azure::types::PRIVATE_DNS_ZONE_LINK.ty, &link),
        ] {
            rep.azure.push((ty.to_string(), sym.clone()));
        }
    }
    cx.decide_later(
        i,
        "private-endpoint-in-subnet-group",
        &format!("{rid}: reached through a private endpoint in the subnet group's first subnet"),
        &format!("{rid} runs in the subnets of {gid} and is reached inside the VPC."),
        &format!("A private endpoint `{pe}` (group `{group}`) in `{subnet}` connects to `{server}`, registered in the `{zone}` zone linked to `{vnet}`; public network access stays disabled."),
        "Clients resolve the database's own host name to the endpoint's private address inside the network; the group's other subnets only keep the address plan.",
        None,
    );
    true
}

/// A flexible server made from an RDS instance, and the network it moves into.
struct PrivateServer {
    server: String,
    server_ty: String,
    zone_suffix: String,
    /// The DB subnet group's resource index.
    group: usize,
    /// The delegated subnet and its network.
    subnet: String,
    vnet: String,
}

/// The flexible server of RDS instance `i` and the first subnet of its subnet group
/// (of this template); `None` when it is not a flexible server or has no such subnet.
fn private_server(cx: &Ctx, i: usize) -> Option<PrivateServer> {
    let server = cx.prepared[i].sym.clone();
    let server_ty = cx
        .module
        .resources
        .iter()
        .find(|x| x.symbol == server)
        .map(|x| x.ty.clone())?;
    // The private DNS zone of the server's kind (lookup table `private-dns-zones`).
    let zone_suffix = cx
        .tables
        .lookup_str("private-dns-zones", &server_ty, "zone")?;
    // The subnet group's first subnet of this template becomes the delegated subnet.
    let (group, Some((subnet, vnet))) = group_subnet(cx, i)? else {
        return None;
    };
    Some(PrivateServer {
        server,
        server_ty,
        zone_suffix,
        group,
        subnet,
        vnet,
    })
}

/// Attaches the NSG of the instance's first security group to the subnet; returns
/// that security group.
fn attach_security_group(cx: &mut Ctx, r: &Resource, subnet: &str) -> Option<usize> {
    if let Some(sg) = r
        .properties
        .get("VPCSecurityGroups")
        .and_then(|l| l.as_list())
        .and_then(|l| l.first())
        .and_then(|g| cx.referenced_resource(g))
        && cx.plays(sg, "security-groups", "group")
    {
        let nsg = cx.prepared[sg].sym.clone();
        cx.set_path(
            subnet,
            &["properties", "networkSecurityGroup"],
            AzExpr::obj(vec![("id", AzExpr::path(&nsg, "id"))]),
        );
        allow_within_subnet(cx, &nsg, subnet);
        return Some(sg);
    }
    None
}

/// The private DNS zone of the server and its link to the network; returns their symbols.
fn private_dns_zone(cx: &mut Ctx, r: &Resource, w: &PrivateServer) -> (String, String) {
    let (server, vnet) = (&w.server, &w.vnet);
    let zone = cx.syms.alloc(&format!("{server}DnsZone"));
    let link = cx.syms.alloc(&format!("{server}DnsLink"));
    cx.module.resources.push(AzResource {
        symbol: zone.clone(),
        ty: crate::azure::types::PRIVATE_DNS_ZONE.ty.into(),
        api: crate::azure::types::PRIVATE_DNS_ZONE.api.into(),
        name: AzExpr::Str(format!("{}.{}", kebab(&r.id), w.zone_suffix)),
        location: Some(AzExpr::str("global")),
        comments: vec![format!(
            "Private DNS zone through which clients resolve {} inside the network.",
            r.id
        )],
        source: r.id.clone(),
        ..Default::default()
    });
    zone_link(cx, &link, &zone, vnet, &r.id);
    (zone, link)
}

/// The link `sym` of private DNS zone `zone` to virtual network `vnet` (no
/// auto-registration), made for the AWS resource `source`.
pub(super) fn zone_link(cx: &mut Ctx, sym: &str, zone: &str, vnet: &str, source: &str) {
    cx.module.resources.push(AzResource {
        symbol: sym.to_string(),
        ty: crate::azure::types::PRIVATE_DNS_ZONE_LINK.ty.into(),
        api: crate::azure::types::PRIVATE_DNS_ZONE_LINK.api.into(),
        parent: Some(zone.to_string()),
        name: AzExpr::Interp(vec![
            crate::azure::Interp::Lit("link-".into()),
            crate::azure::Interp::Expr(AzExpr::path(vnet, "name")),
        ]),
        location: Some(AzExpr::str("global")),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![
                ("registrationEnabled", AzExpr::Bool(false)),
                (
                    "virtualNetwork",
                    AzExpr::obj(vec![("id", AzExpr::path(vnet, "id"))]),
                ),
            ]),
        )],
        source: source.to_string(),
        ..Default::default()
    });
}

/// Points the server at its subnet and DNS zone, and adds the zone and link to the
/// instance's report.
fn connect_server(cx: &mut Ctx, r: &Resource, w: &PrivateServer, zone: &str, link: &str) {
    let server = &w.server;
    cx.set_path(
        server,
        &["properties", "network", "delegatedSubnetResourceId"],
        AzExpr::path(&w.subnet, "id"),
    );
    cx.set_path(
        server,
        &["properties", "network", "privateDnsZoneArmResourceId"],
        AzExpr::path(zone, "id"),
    );
    if let Some(s) = cx.module.resources.iter_mut().find(|x| x.symbol == *server) {
        s.depends_on.push(link.to_string());
    }
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
        rep.azure.push((
            crate::azure::types::PRIVATE_DNS_ZONE.ty.into(),
            zone.to_string(),
        ));
        rep.azure.push((
            crate::azure::types::PRIVATE_DNS_ZONE_LINK.ty.into(),
            link.to_string(),
        ));
    }
}

/// The server's own subnet must reach itself (high-availability standby,
/// replication) before the NSG's explicit VNet deny.
fn allow_within_subnet(cx: &mut Ctx, nsg: &str, subnet: &str) {
    let prefix = cx
        .module
        .resources
        .iter()
        .find(|r| r.symbol == subnet)
        .and_then(|r| r.body.iter().find(|(k, _)| k == "properties"))
        .and_then(|(_, p)| p.get("addressPrefix").cloned());
    let Some(prefix) = prefix else { return };
    // Read through the network's own address space: the network will reference this NSG.
    let vnet = cx
        .module
        .resources
        .iter()
        .find(|r| r.symbol == subnet)
        .and_then(|r| r.parent.clone());
    let prefix = match vnet.and_then(|v| cx.module.resources.iter().find(|r| r.symbol == v)) {
        Some(v) => {
            let body = AzExpr::Object(
                v.body
                    .iter()
                    .map(|(k, e)| (crate::azure::AzKey::Name(k.clone()), e.clone()))
                    .collect(),
            );
            crate::azure::resolve_self(prefix, &v.symbol, &body)
        }
        None => prefix,
    };
    let Some(res) = cx.module.resources.iter_mut().find(|r| r.symbol == nsg) else {
        return;
    };
    let Some((_, props)) = res.body.iter_mut().find(|(k, _)| k == "properties") else {
        return;
    };
    let Some(all) = props.get("securityRules").cloned() else {
        return;
    };
    // A literal list, or the literal part of a `concat` that holds the inbound deny.
    let is_deny_in = |r: &AzExpr| r.get("name") == Some(&AzExpr::str("deny-vnet-inbound"));
    let (rules, part) = match &all {
        AzExpr::Array(a) => (a.clone(), None),
        AzExpr::Call(f, parts) if f == "concat" => {
            let Some(k) = parts
                .iter()
                .position(|p| matches!(p, AzExpr::Array(a) if a.iter().any(is_deny_in)))
            else {
                return;
            };
            let AzExpr::Array(a) = &parts[k] else { return };
            (a.clone(), Some(k))
        }
        _ => return,
    };
    let rule = AzExpr::obj(vec![
        ("name", AzExpr::str("allow-within-database-subnet")),
        (
            "properties",
            AzExpr::obj(vec![
                ("priority", AzExpr::Int(4000)),
                ("direction", AzExpr::str("Inbound")),
                ("access", AzExpr::str("Allow")),
                ("protocol", AzExpr::str("*")),
                ("sourceAddressPrefix", prefix.clone()),
                ("sourcePortRange", AzExpr::str("*")),
                ("destinationAddressPrefix", prefix),
                ("destinationPortRange", AzExpr::str("*")),
                (
                    "description",
                    AzExpr::str(
                        "Traffic inside the delegated subnet (high-availability standby, replication).",
                    ),
                ),
            ]),
        ),
    ]);
    let mut rules = rules;
    if rules
        .iter()
        .any(|r| r.get("name") == Some(&AzExpr::str("allow-within-database-subnet")))
    {
        return;
    }
    let at = rules.len().saturating_sub(
        rules
            .iter()
            .rev()
            .take_while(|r| {
                matches!(
                    r.get("properties").and_then(|p| p.get("priority")),
                    Some(AzExpr::Int(4096))
                )
            })
            .count(),
    );
    rules.insert(at, rule);
    // RDS replication and Multi-AZ standby traffic is not governed by security groups:
    // the access check does not read this rule as the group's.
    cx.platform_rules
        .push((nsg.to_string(), "allow-within-database-subnet".to_string()));
    let rules = match (all, part) {
        (AzExpr::Call(f, mut parts), Some(k)) => {
            parts[k] = AzExpr::Array(rules);
            AzExpr::Call(f, parts)
        }
        _ => AzExpr::Array(rules),
    };
    props.set("securityRules", rules);
}
