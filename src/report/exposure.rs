//! Public exposure: everything the generated output makes reachable from the
//! internet — public IPs, endpoints open to public networks, NSG rules from any
//! address — with the AWS resource that justified each.

use serde::Serialize;

use crate::azure::{AzExpr, AzModule, AzResource};
use crate::model::Template;
use crate::source::SourceMap;

#[derive(Serialize, Debug, Clone)]
pub struct Exposure {
    /// `symbol` (ARM type).
    pub azure: String,
    pub what: String,
    /// `LogicalId (file:line)`.
    pub source: String,
}

fn props(r: &AzResource) -> Option<&AzExpr> {
    r.body
        .iter()
        .find(|(k, _)| k == "properties")
        .map(|(_, v)| v)
}

fn text(e: Option<&AzExpr>) -> Option<String> {
    match e? {
        AzExpr::Str(s) => Some(s.clone()),
        AzExpr::Int(n) => Some(n.to_string()),
        other => Some(format!(
            "`{}` (set at deployment)",
            crate::backend::bicep::print_expr(other)
        )),
    }
}

/// What the output exposes, in the order of the Azure resources. `owners` gives,
/// per Azure symbol, the AWS resources that it stands for (a shared namespace
/// stands for every queue in it).
pub fn exposure(
    t: &Template,
    m: &AzModule,
    sources: &SourceMap,
    owners: &std::collections::BTreeMap<String, Vec<String>>,
    tables: &super::tables::ReportTables,
) -> Vec<Exposure> {
    let file = &sources.get(t.file).path;
    let one = |id: &str| match t.resources.iter().find(|r| r.id == id) {
        Some(r) => format!(
            "{} ({file}:{})",
            t.report_name(id),
            sources.locate(r.span).1
        ),
        None => format!("{} ({file})", t.report_name(id)),
    };
    let source = |r: &AzResource| {
        let ids: Vec<String> = match owners.get(&r.symbol) {
            Some(ids) if !ids.is_empty() => ids.clone(),
            _ if !r.source.is_empty() => vec![r.source.clone()],
            _ => return format!("({file})"),
        };
        ids.iter().map(|i| one(i)).collect::<Vec<_>>().join(", ")
    };
    let nat_ips = nat_gateway_ips(m);
    let mut out = Vec::new();
    for r in m.resources.iter().filter(|r| !r.existing) {
        let azure = format!("`{}` ({})", r.symbol, r.ty);
        for what in resource_exposures(r, m, &nat_ips, tables) {
            out.push(Exposure {
                azure: azure.clone(),
                what,
                source: source(r),
            });
        }
    }
    out
}

/// The symbols NAT gateways reference: their public IPs only carry outbound connections.
fn nat_gateway_ips(m: &AzModule) -> Vec<String> {
    // Public IPs of NAT gateways only carry outbound connections.
    let mut nat_ips = Vec::new();
    for r in m
        .resources
        .iter()
        .filter(|r| r.ty == crate::azure::types::NAT_GATEWAY.ty)
    {
        for (_, v) in &r.body {
            v.idents(&mut nat_ips);
        }
    }
    nat_ips
}

/// What one Azure resource exposes, one sentence each.
fn resource_exposures(
    r: &AzResource,
    m: &AzModule,
    nat_ips: &[String],
    tables: &super::tables::ReportTables,
) -> Vec<String> {
    let p = props(r);
    let get = |k: &str| p.and_then(|p| p.get(k));
    if r.ty == crate::azure::types::PUBLIC_IP.ty {
        if nat_ips.contains(&r.symbol) {
            return Vec::new();
        }
        return vec!["a public IP address: whatever it is attached to is reachable from the internet, as far as its NSG allows".into()];
    }
    if r.ty == crate::azure::types::NETWORK_SECURITY_GROUP.ty {
        let Some((rules, literal)) = get("securityRules").and_then(|r| r.array_elements()) else {
            return Vec::new();
        };
        let mut out: Vec<String> = rules.iter().filter_map(|rule| nsg_rule(rule, m)).collect();
        if !literal {
            out.push("rules built from a collection (a `for` expression) admit sources known only at deployment: review the collection".into());
        }
        return out;
    }
    let mut out = Vec::new();
    if r.ty == crate::azure::types::STORAGE_ACCOUNT.ty
        && get("allowBlobPublicAccess") == Some(&AzExpr::Bool(true))
    {
        out.push("anonymous read access to blobs is allowed on the account".into());
    }
    match get("publicNetworkAccess") {
        Some(AzExpr::Str(s)) if s == "Enabled" => {
            out.push("endpoint open to public networks (`publicNetworkAccess: Enabled`); access still needs its keys or Entra ID".into())
        }
        None if tables.public_by_default(&r.ty) => out.push(
            "endpoint open to public networks (Azure's default; no `publicNetworkAccess` set); access still needs its keys or Entra ID".into(),
        ),
        Some(e @ (AzExpr::Cond(..) | AzExpr::Ident(_))) => out.push(format!(
            "endpoint open to public networks when `{}` is `Enabled`",
            crate::backend::bicep::print_expr(e)
        )),
        _ => {}
    }
    out
}

/// What an NSG rule admits, when it allows inbound traffic from any address (or from
/// one set at deployment).
fn nsg_rule(rule: &AzExpr, m: &AzModule) -> Option<String> {
    let rp = rule.get("properties")?;
    let is = |k: &str, v: &str| rp.get(k).and_then(|x| x.as_str()) == Some(v);
    if !is("direction", "Inbound") || !is("access", "Allow") {
        return None;
    }
    let from = match rp.get("sourceAddressPrefix") {
        Some(AzExpr::Str(s)) if matches!(s.as_str(), "*" | "Internet" | "0.0.0.0/0" | "::/0") => {
            format!("any address (`{s}`)")
        }
        // A parameter: its value is the deployer's choice.
        Some(other @ AzExpr::Ident(n)) if m.params.iter().any(|p| &p.name == n) => {
            format!(
                "`{}`, set at deployment (it may be any address)",
                crate::backend::bicep::print_expr(other)
            )
        }
        _ => return None,
    };
    let proto = text(rp.get("protocol"))
        .unwrap_or_else(|| "*".into())
        .to_ascii_uppercase();
    let ports = text(rp.get("destinationPortRange")).unwrap_or_else(|| "*".into());
    let name = rule.get("name").and_then(|n| n.as_str()).unwrap_or("rule");
    Some(format!(
        "rule `{name}` admits {} port {} from {from}, wherever the NSG is attached",
        if proto == "*" {
            "any protocol".to_string()
        } else {
            proto
        },
        if ports == "*" {
            "any".to_string()
        } else {
            ports
        }
    ))
}
