//! VPC endpoints. A gateway endpoint (S3, DynamoDB) gave the subnets of its route tables
//! a private route to the service: on Azure the same subnets get the service endpoint
//! (`Microsoft.Storage`, `Microsoft.AzureCosmosDB`). An interface endpoint put a service's
//! API into the subnets: on Azure that is a private endpoint on the resource that
//! replaces the AWS one, which the decision names (from the `vpc-endpoint-services`
//! table), or nothing where the Azure service needs none. Where the template converts
//! resources of the service (buckets, queues, a private REST API…), each such Azure
//! resource gets a private endpoint in the endpoint's first subnet, registered in the
//! `privatelink.*` zone of its group (`private-dns-zones`), which is linked to the
//! network when the endpoint enabled private DNS.

use std::collections::BTreeMap;

use super::context::Ctx;
use super::private_links::{self, Endpoint, PRIVATE_ENDPOINT, ZONE_GROUP};
use crate::azure::AzExpr;
use crate::azure::types::SUBNET;
use crate::model::expr::{Expr, ExprKind, SubPart};

const PASS: &str = "endpoints";
const TABLE: &str = "vpc-endpoint-services";

/// The AWS service of a `ServiceName` (`com.amazonaws.${AWS::Region}.s3` → `s3`), when
/// the name is literal but for the region (the pseudo parameter, a parameter or a
/// variable: whatever fills the region's place).
fn service_of(e: &Expr) -> Option<String> {
    // Stands for a value known at deployment.
    const GIVEN: char = '\u{1}';
    let text = match &e.kind {
        ExprKind::Str(s) => s.clone(),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(_) => GIVEN.to_string(),
            })
            .collect::<String>(),
        ExprKind::Join { sep, items } => {
            let sep = sep.literal_text()?;
            items
                .as_list()?
                .iter()
                .map(|x| x.literal_text().unwrap_or_else(|| GIVEN.to_string()))
                .collect::<Vec<_>>()
                .join(&sep)
        }
        _ => return None,
    };
    let rest = text.strip_prefix("com.amazonaws.")?;
    let (region, service) = rest.split_once('.')?;
    (!region.is_empty() && !service.is_empty() && !service.contains(GIVEN))
        .then(|| service.to_string())
}

/// The Azure symbols of the subnets associated with the route tables `tables` names.
fn subnets_of_tables(cx: &Ctx, tables: &[Expr]) -> Vec<String> {
    let rts: Vec<usize> = tables
        .iter()
        .filter_map(|x| cx.referenced_resource(x))
        .collect();
    let mut out = Vec::new();
    for r in &cx.t.resources {
        if !cx.tables.plays(&r.ty, "routes", "association") {
            continue;
        }
        let on_table = r
            .properties
            .get("RouteTableId")
            .and_then(|x| cx.referenced_resource(x))
            .is_some_and(|j| rts.contains(&j));
        let Some(s) = r
            .properties
            .get("SubnetId")
            .and_then(|x| cx.referenced_resource(x))
        else {
            continue;
        };
        let Some(spec) = cx.prepared[s]
            .entry
            .as_ref()
            .and_then(|e| e.resources.first())
        else {
            continue;
        };
        let sym = cx.resolve_symbol(s, &spec.symbol);
        if on_table && !out.contains(&sym) && cx.module.resources.iter().any(|x| x.symbol == sym) {
            out.push(sym);
        }
    }
    out
}

/// Adds service endpoint `service` to subnet `sym` (once).
fn add_service_endpoint(cx: &mut Ctx, sym: &str, service: &str) {
    let entry = AzExpr::obj(vec![("service", AzExpr::str(service))]);
    let mut list = cx
        .module
        .resources
        .iter()
        .find(|r| r.symbol == sym)
        .and_then(|r| r.body.iter().find(|(k, _)| k == "properties"))
        .and_then(|(_, p)| p.get("serviceEndpoints").cloned())
        .and_then(|l| match l {
            AzExpr::Array(v) => Some(v),
            _ => None,
        })
        .unwrap_or_default();
    if !list.contains(&entry) {
        list.push(entry);
    }
    cx.set_path(
        sym,
        &["properties", "serviceEndpoints"],
        AzExpr::Array(list),
    );
}

/// Every VPC endpoint of the template: service endpoints on subnets, or a decision.
pub fn finish(cx: &mut Ctx) {
    let mut served = Served::new();
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() || !cx.plays(i, PASS, "endpoint") {
            continue;
        }
        let r = cx.t.resources[i].clone();
        let p = &r.properties;
        let Some(service) = p.get("ServiceName").and_then(service_of) else {
            cx.decide_later(
                i,
                "vpc-endpoint-service",
                &format!("{}: the endpoint's service is not known here", r.id),
                "The endpoint's service name is a parameter, another stack's value or a private link service of another account.",
                "Nothing is generated.",
                "Add a private endpoint on the Azure resource that replaces the service (or a private link service connection for another party's service).",
                Some("manual"),
            );
            continue;
        };
        let kind = p
            .get("VpcEndpointType")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| "Gateway".into());
        let row = |f: &str| cx.tables.lookup_str(TABLE, &service, f);
        let (service_endpoint, azure, group, status) = (
            row("service_endpoint"),
            row("azure"),
            row("group"),
            row("status").unwrap_or_else(|| "manual".into()),
        );
        if kind.eq_ignore_ascii_case("Gateway") {
            let Some(se) = service_endpoint else {
                continue;
            };
            let tables = super::network::rule_list(p.get("RouteTableIds"));
            let subnets = subnets_of_tables(cx, &tables);
            if subnets.is_empty() {
                cx.decide_later(
                    i,
                    "vpc-endpoint-service-endpoint",
                    &format!("{}: the gateway endpoint's subnets are not in this template", r.id),
                    &format!("The gateway endpoint routed the subnets of its route tables to {service} privately; no subnet of this template is associated with those route tables."),
                    "Nothing is generated.",
                    &format!("Enable the `{se}` service endpoint on the subnets that used the route tables, and allow those subnets in the target account's network rules."),
                    Some("manual"),
                );
                continue;
            }
            for s in &subnets {
                add_service_endpoint(cx, s, &se);
            }
            let policy = if p.get("PolicyDocument").is_some() {
                " The endpoint policy is not carried over: restrict access with the target account's network rules and role assignments (storage accounts also take service endpoint policies)."
            } else {
                ""
            };
            cx.decide_later(
                i,
                "vpc-endpoint-service-endpoint",
                &format!("{}: the gateway endpoint becomes a service endpoint", r.id),
                &format!("The gateway endpoint routed the subnets of its route tables to {service} over the AWS network."),
                &format!(
                    "The subnets {} get the `{se}` service endpoint: their traffic to {} stays on the Azure backbone and the account can admit them by subnet.",
                    subnets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    azure.as_deref().unwrap_or("the service")
                ),
                &format!("A service endpoint does not make the account private by itself: add the subnets to the account's virtual network rules and deny public access, or use a private endpoint.{policy}"),
                (!policy.is_empty()).then_some("partial"),
            );
            continue;
        }
        let azure = azure.unwrap_or_else(|| "the Azure resource that replaces the service".into());
        if status == "not-needed" {
            cx.decide_later(
                i,
                "vpc-endpoint-not-needed",
                &format!("{}: the interface endpoint is not needed", r.id),
                &format!("The interface endpoint let the subnets reach the {service} API without internet access."),
                &format!("No Azure resource: {azure}."),
                "Nothing to do for this endpoint; outbound rules of the subnets' NSGs still apply to other traffic.",
                None,
            );
            if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
                rep.status = "not-needed".into();
            }
            continue;
        }
        let targets = targets_of(cx, &service);
        if !targets.is_empty() {
            interface(cx, i, &service, &targets, &mut served);
            continue;
        }
        let group = group
            .map(|g| format!(" (group id `{g}`)"))
            .unwrap_or_default();
        cx.decide_later(
            i,
            "vpc-endpoint-private-endpoint",
            &format!("{}: the interface endpoint becomes a private endpoint by hand", r.id),
            &format!("The interface endpoint put the {service} API into the endpoint's subnets, with private DNS for its public name."),
            &format!("Not generated: a private endpoint is per resource on Azure, not per service, and this template converts no resource the {service} endpoint reached. Add a private endpoint on {azure}{group} in one of the endpoint's subnets, with a private DNS zone group for its privatelink zone linked to the virtual network, and disable public network access on the resource."),
            &format!("Until the private endpoint exists, the resource is reached over its public endpoint.{}", row("note").map(|n| format!(" {n}")).unwrap_or_default()),
            Some(&status),
        );
    }
}

/// (target symbol, group id, network) → the endpoint whose private endpoint serves it.
type Served = BTreeMap<(String, String, String), String>;

/// The Azure resources of the template that a private endpoint for `service` reaches:
/// those of an `arm` type made from a resource of an `aws` type of its table row, as
/// (AWS resource, symbol, ARM type).
fn targets_of(cx: &Ctx, service: &str) -> Vec<(usize, String, String)> {
    let aws = cx.tables.lookup_list(TABLE, service, "aws");
    let arm = cx.tables.lookup_list(TABLE, service, "arm");
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (j, r) in cx.t.resources.iter().enumerate() {
        if !aws.contains(&r.ty) {
            continue;
        }
        let Some(rep) = cx.reports.iter().find(|x| x.id == r.id) else {
            continue;
        };
        for (ty, sym) in &rep.azure {
            let emitted = cx
                .module
                .resources
                .iter()
                .any(|x| x.symbol == *sym && x.ty == *ty && !x.existing);
            if arm.contains(ty) && emitted && !out.iter().any(|(_, s, _)| s == sym) {
                out.push((j, sym.clone(), ty.clone()));
            }
        }
    }
    out
}

/// The endpoint's first subnet: its expression, and its symbol and network's when it
/// is a subnet of this template.
fn first_subnet(cx: &mut Ctx, e: Option<&Expr>) -> Option<(AzExpr, Option<(String, String)>)> {
    let e = e?;
    let first = match &e.kind {
        ExprKind::List(l) => l.first()?.clone(),
        _ => {
            let all = cx.tr(e);
            return Some((AzExpr::Index(Box::new(all), Box::new(AzExpr::Int(0))), None));
        }
    };
    if let Some(k) = cx.referenced_resource(&first)
        && let Some(spec) = cx.prepared[k]
            .entry
            .as_ref()
            .and_then(|x| x.resources.first())
    {
        let sym = cx.resolve_symbol(k, &spec.symbol);
        if let Some(vnet) = cx
            .module
            .resources
            .iter()
            .find(|r| r.symbol == sym && r.ty == SUBNET.ty)
            .and_then(|r| r.parent.clone())
        {
            return Some((AzExpr::path(&sym, "id"), Some((sym, vnet))));
        }
    }
    Some((cx.tr(&first), None))
}

/// The literal SKU name of resource `sym`.
fn sku_of(cx: &Ctx, sym: &str) -> Option<String> {
    let r = cx.module.resources.iter().find(|r| r.symbol == sym)?;
    match r.body.iter().find(|(k, _)| k == "sku")?.1.get("name")? {
        AzExpr::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// Whether flexible server `sym` already lives in a delegated subnet (private access).
fn delegated(cx: &Ctx, sym: &str) -> bool {
    cx.module.resources.iter().any(|r| {
        r.symbol == sym
            && r.body.iter().any(|(k, p)| {
                k == "properties"
                    && p.get("network")
                        .and_then(|n| n.get("delegatedSubnetResourceId"))
                        .is_some()
            })
    })
}

/// An interface endpoint whose service the template converts: a private endpoint on
/// each Azure resource it reaches, with the decisions.
fn interface(
    cx: &mut Ctx,
    i: usize,
    service: &str,
    targets: &[(usize, String, String)],
    served: &mut Served,
) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let Some((subnet, local)) = first_subnet(cx, p.get("SubnetIds")) else {
        cx.decide_later(
            i,
            "vpc-endpoint-private-endpoint",
            &format!("{}: the interface endpoint has no subnet", r.id),
            &format!("The interface endpoint put the {service} API into subnets the template does not name."),
            "Nothing is generated: a private endpoint needs a subnet.",
            "Add a private endpoint on the resources that replace the service, in a subnet of the network.",
            Some("manual"),
        );
        return;
    };
    let dns = p
        .get("PrivateDnsEnabled")
        .and_then(|x| x.literal_text())
        .is_some_and(|x| x.eq_ignore_ascii_case("true"));
    let net_key = match &local {
        Some((_, vnet)) => vnet.clone(),
        None => format!("{subnet:?}"),
    };
    let condition = r.condition.as_ref().map(|(c, _)| c.clone());
    let condition = condition.map(|c| cx.condition_ref(&c));
    let group_wanted = cx.tables.lookup_str(TABLE, service, "group");
    let (mut made, mut notes, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for (j, sym, ty) in targets {
        let from = cx.t.resources[*j].id.clone();
        let Some((group, zone)) = private_links::group_zone(cx, ty, group_wanted.as_deref())
            .or_else(|| private_links::group_zone(cx, ty, None))
        else {
            missing.push(format!(
                "`{sym}` ({ty}: no private endpoint group is known)"
            ));
            continue;
        };
        if delegated(cx, sym) {
            notes.push(format!("`{sym}` (from {from}) lives in a delegated subnet and is already reached privately, so it needs no private endpoint."));
            continue;
        }
        let key = (sym.clone(), group.clone(), net_key.clone());
        if let Some(first) = served.get(&key) {
            notes.push(format!(
                "`{sym}` is already reached through the private endpoint made for {first}."
            ));
            continue;
        }
        if let Err(to) = private_links::sku_fit(cx, ty, sku_of(cx, sym).as_deref()) {
            let was = sku_of(cx, sym).unwrap_or_default();
            let Some(to) = to else {
                missing.push(format!(
                    "`{sym}` (its `{was}` tier takes no private endpoint)"
                ));
                continue;
            };
            let now = match to.get("name") {
                Some(AzExpr::Str(s)) => s.clone(),
                _ => String::new(),
            };
            set_sku(
                cx,
                sym,
                to,
                &format!(
                    "{now} tier: the private endpoint made for {} needs it (see the decisions).",
                    r.id
                ),
            );
            cx.decide_later(
                i,
                "private-endpoint-tier",
                &format!("{}: `{sym}` moves from the {was} to the {now} tier for its private endpoint", r.id),
                &format!("The interface endpoint made {service} reachable from the network without the internet; on Azure that is a private endpoint on `{sym}`, which the {was} tier does not offer."),
                &format!("`{sym}` is generated in the {now} tier (sku `{now}`), the smallest that takes a private endpoint, and gets one."),
                &format!("The {now} tier costs more than {was} and is billed per unit whatever the traffic; if private reach is not needed, return to {was} and delete the private endpoint `{}`.", private_sym(cx, i, targets.len(), sym)),
                None,
            );
        }
        let pe = private_sym(cx, i, targets.len(), sym);
        let pe = if targets.len() == 1 {
            pe
        } else {
            cx.syms.alloc(&pe)
        };
        let name = if targets.len() == 1 {
            format!("pe-{}", crate::names::kebab(&r.id))
        } else {
            format!(
                "pe-{}-{}",
                crate::names::kebab(&r.id),
                crate::names::kebab(&from)
            )
        };
        let (zone_sym, zone_group) = private_links::private_endpoint(
            cx,
            Endpoint {
                sym: pe.clone(),
                name: AzExpr::Str(name),
                subnet: subnet.clone(),
                target: AzExpr::path(sym, "id"),
                group: group.clone(),
                zone: zone.clone(),
                zone_comment: format!(
                    "Private DNS zone in which the template's private endpoints of group `{group}` register their addresses."
                ),
                condition: condition.clone(),
                comment: format!(
                    "Was {} (AWS::EC2::VPCEndpoint, {service}): private reach of `{sym}` (from {from}) from the network.",
                    r.id
                ),
                source: r.id.clone(),
            },
        );
        report_azure(cx, i, PRIVATE_ENDPOINT, &pe);
        report_azure(cx, i, ZONE_GROUP, &zone_group);
        if dns && let Some((_, vnet)) = &local {
            private_links::link(cx, &zone_sym, vnet, &r.id);
        }
        served.insert(key, r.id.clone());
        made.push(format!(
            "private endpoint `{pe}` on `{sym}` (group `{group}`, zone `{zone}`)"
        ));
    }
    if let Some((s, _)) = &local
        && p.get("SecurityGroupIds").is_some()
        && !made.is_empty()
    {
        cx.set_path(
            s,
            &["properties", "privateEndpointNetworkPolicies"],
            AzExpr::str("Enabled"),
        );
    }
    let filtered = local.is_some() && p.get("SecurityGroupIds").is_some();
    interface_decision(
        cx,
        i,
        service,
        (dns, filtered),
        &local,
        &made,
        &notes,
        &missing,
    );
}

/// Replaces the `sku` member of resource `sym`.
fn set_sku(cx: &mut Ctx, sym: &str, sku: AzExpr, why: &str) {
    if let Some(r) = cx.module.resources.iter_mut().find(|r| r.symbol == sym) {
        r.comments.push(why.to_string());
        match r.body.iter_mut().find(|(k, _)| k == "sku") {
            Some((_, v)) => *v = sku,
            None => r.body.insert(0, ("sku".into(), sku)),
        }
    }
}

/// The symbol of the private endpoint endpoint `i` makes for target `sym`.
fn private_sym(cx: &Ctx, i: usize, count: usize, sym: &str) -> String {
    let own = cx.prepared[i].sym.clone();
    if count == 1 {
        own
    } else {
        format!("{own}{}", crate::names::capital(sym))
    }
}

fn report_azure(cx: &mut Ctx, i: usize, ty: &str, sym: &str) {
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.azure.push((ty.to_string(), sym.to_string()));
    }
}

/// The decision for an interface endpoint that became private endpoints (or found
/// them made).
#[allow(clippy::too_many_arguments)]
fn interface_decision(
    cx: &mut Ctx,
    i: usize,
    service: &str,
    (dns, filtered): (bool, bool),
    local: &Option<(String, String)>,
    made: &[String],
    notes: &[String],
    missing: &[String],
) {
    let id = cx.t.resources[i].id.clone();
    let context = format!(
        "The interface endpoint put the {service} API into the endpoint's subnets, for every resource of the service; a private endpoint on Azure reaches one resource."
    );
    let missing_text = if missing.is_empty() {
        String::new()
    } else {
        format!(
            " Not generated for {}: add their private endpoints by hand.",
            missing.join(", ")
        )
    };
    let notes_text = notes.join(" ");
    if made.is_empty() {
        let status = if missing.is_empty() {
            "not-needed"
        } else {
            "manual"
        };
        cx.decide_later(
            i,
            "vpc-endpoint-private-endpoint",
            &format!("{id}: the interface endpoint needs no private endpoint of its own"),
            &context,
            format!("Nothing is generated. {notes_text}{missing_text}").trim_end(),
            "None beyond the decisions of the resources named.",
            (status == "manual").then_some("manual"),
        );
        if status == "not-needed"
            && let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id)
        {
            rep.status = "not-needed".into();
        }
        return;
    }
    let dns_text = match (dns, local) {
        (true, Some((_, vnet))) => format!("The zone is linked to `{vnet}`, so the resources' public names resolve to the private addresses inside the network, as the endpoint's private DNS did."),
        (true, None) => "The subnet is not in this template: link the zone to its virtual network (Microsoft.Network/privateDnsZones/virtualNetworkLinks) where the network is declared, so the resources' public names resolve to the private addresses.".to_string(),
        (false, _) => "The endpoint did not enable private DNS, so the zone is not linked to the network: the resources' names keep resolving to their public addresses until the zone is linked (Microsoft.Network/privateDnsZones/virtualNetworkLinks).".to_string(),
    };
    cx.decide_later(
        i,
        "vpc-endpoint-private-endpoint",
        &format!("{id}: the interface endpoint becomes private endpoints on the converted resources"),
        &context,
        format!(
            "In the endpoint's first subnet: {}, each registering its address in the zone through a DNS zone group. {dns_text} {notes_text}{missing_text}",
            made.join("; ")
        )
        .trim_end(),
        &format!("A private endpoint does not close the resource's public endpoint (nor did the VPC endpoint close the AWS service's): set `publicNetworkAccess` to `Disabled` on each resource once every client reaches it through the network. The endpoint's other subnets need nothing more: a private endpoint is reachable from the whole virtual network. An endpoint policy is not carried over: the resource's role assignments restrict what callers may do.{}", if filtered { " The endpoint's security groups filter through the subnet's NSG: network policies for private endpoints are enabled on the subnet." } else { "" }),
        (!missing.is_empty()).then_some("partial"),
    );
}
