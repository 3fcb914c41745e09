//! VPC endpoints. A gateway endpoint (S3, DynamoDB) gave the subnets of its route tables
//! a private route to the service: on Azure the same subnets get the service endpoint
//! (`Microsoft.Storage`, `Microsoft.AzureCosmosDB`). An interface endpoint put a service's
//! API into the subnets: on Azure that is a private endpoint on the resource that
//! replaces the AWS one, which the decision names (from the `vpc-endpoint-services`
//! table), or nothing where the Azure service needs none.

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::model::expr::{Expr, ExprKind, SubPart};

const PASS: &str = "endpoints";
const TABLE: &str = "vpc-endpoint-services";

/// The AWS service of a `ServiceName` (`com.amazonaws.${AWS::Region}.s3` → `s3`), when
/// the name is literal but for the region.
fn service_of(e: &Expr) -> Option<String> {
    let text = match &e.kind {
        ExprKind::Str(s) => s.clone(),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => Some(l.clone()),
                SubPart::Expr(x) => matches!(&x.kind, ExprKind::Ref(r) if r == "AWS::Region")
                    .then(|| "region".to_string()),
            })
            .collect::<Option<String>>()?,
        ExprKind::Join { sep, items } => {
            let sep = sep.literal_text()?;
            items
                .as_list()?
                .iter()
                .map(|x| match &x.kind {
                    ExprKind::Ref(r) if r == "AWS::Region" => Some("region".to_string()),
                    _ => x.literal_text(),
                })
                .collect::<Option<Vec<_>>>()?
                .join(&sep)
        }
        _ => return None,
    };
    let rest = text.strip_prefix("com.amazonaws.")?;
    let (_, service) = rest.split_once('.')?;
    Some(service.to_string())
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
        let group = group
            .map(|g| format!(" (group id `{g}`)"))
            .unwrap_or_default();
        cx.decide_later(
            i,
            "vpc-endpoint-private-endpoint",
            &format!("{}: the interface endpoint becomes a private endpoint by hand", r.id),
            &format!("The interface endpoint put the {service} API into the endpoint's subnets, with private DNS for its public name."),
            &format!("Not generated: a private endpoint is per resource on Azure, not per service. Add a private endpoint on {azure}{group} in one of the endpoint's subnets, with a private DNS zone group for its privatelink zone linked to the virtual network, and disable public network access on the resource."),
            "Until the private endpoint exists, the resource is reached over its public endpoint.",
            Some(&status),
        );
    }
}
