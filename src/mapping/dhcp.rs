//! DHCP options. Of a DHCP option set, Azure keeps only the DNS servers, as a property of
//! the virtual network (`dhcpOptions.dnsServers`); `AmazonProvidedDNS` is Azure's own
//! resolver, which a virtual network uses when it names no servers (and reaches at
//! 168.63.129.16 when it names others too). The domain name, NTP and NetBIOS options
//! have no setting: each is a decision naming what replaces it.

use super::context::Ctx;
use crate::azure::AzExpr;
use crate::model::expr::{Expr, ExprKind};

const PASS: &str = "dhcp-options";

/// Azure's resolver, reachable from every virtual network.
const AZURE_DNS: &str = "168.63.129.16";

/// The virtual network symbol of the VPC `e` names, when it is generated here.
fn network_symbol(cx: &Ctx, e: &Expr) -> Option<String> {
    let j = cx.referenced_resource(e)?;
    let spec = cx.prepared[j].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(j, &spec.symbol);
    cx.module
        .resources
        .iter()
        .any(|r| r.symbol == sym && r.ty == "Microsoft.Network/virtualNetworks")
        .then_some(sym)
}

/// What the DNS servers of options `o` become: the server list (`None` when the option
/// set keeps Azure's resolver alone), and whether Amazon's resolver was among them.
fn dns_servers(cx: &mut Ctx, o: usize) -> (Option<AzExpr>, bool) {
    let Some(list) = cx.t.resources[o]
        .properties
        .get("DomainNameServers")
        .cloned()
    else {
        return (None, true);
    };
    let ExprKind::List(items) = &list.kind else {
        return (Some(cx.tr(&list)), false);
    };
    let mut amazon = false;
    let mut out = Vec::new();
    for x in items {
        if x.literal_text().as_deref() == Some("AmazonProvidedDNS") {
            amazon = true;
        } else {
            out.push(cx.tr(x));
        }
    }
    if out.is_empty() {
        return (None, amazon);
    }
    if amazon {
        out.push(AzExpr::str(AZURE_DNS));
    }
    (Some(AzExpr::Array(out)), amazon)
}

/// The template resource whose addresses the DNS servers of options `o` are (a
/// directory's domain controllers, an instance's private address), if any.
fn servers_source(cx: &Ctx, o: usize) -> Option<usize> {
    let list = cx.t.resources[o].properties.get("DomainNameServers")?;
    let mut found = None;
    list.walk(&mut |x| {
        if found.is_none() {
            found = cx.referenced_resource(x);
        }
    });
    found
}

/// The options AWS's DHCP gives that a virtual network does not, each with what
/// replaces it.
fn other_options(cx: &Ctx, o: usize) -> Vec<(String, &'static str)> {
    let p = &cx.t.resources[o].properties;
    let mut out = Vec::new();
    if let Some(d) = p.get("DomainName") {
        let text = d.literal_text();
        // The region's default suffix, literal or built with the region (`${AWS::Region}.compute.internal`).
        let tail = match &d.kind {
            ExprKind::Sub(parts) => match parts.last() {
                Some(crate::model::expr::SubPart::Lit(l)) => Some(l.clone()),
                _ => None,
            },
            _ => text.clone(),
        };
        let default = tail
            .as_deref()
            .is_some_and(|t| t == "ec2.internal" || t.ends_with(".compute.internal"));
        if !default {
            let shown = text
                .map(|t| format!("the DNS suffix `{t}`"))
                .unwrap_or_else(|| "the DNS suffix (a value known at deployment)".into());
            out.push((shown, "a virtual network's VMs get the suffix `internal.cloudapp.net`: set the suffix in the guest OS (or by the domain the VMs join), and link a private DNS zone of that name to the network with auto-registration for their records"));
        }
    }
    if p.get("NtpServers").is_some() {
        out.push(("the NTP servers".into(), "Azure VMs synchronise their clocks from the host (the Hyper-V time provider, or chrony with the PTP clock on Linux); point the guest at the servers by configuration if they must be used"));
    }
    if p.get("NetbiosNameServers").is_some() || p.get("NetbiosNodeType").is_some() {
        out.push((
            "the NetBIOS name servers and node type".into(),
            "Azure networks carry no NetBIOS name service; use DNS (or set WINS in the guest OS)",
        ));
    }
    out
}

/// Every DHCP options association of the template: the network's DNS servers.
pub fn finish(cx: &mut Ctx) {
    let mut seen_options = Vec::new();
    for k in 0..cx.t.resources.len() {
        if cx.prepared[k].entry.is_none() || !cx.plays(k, PASS, "association") {
            continue;
        }
        let r = cx.t.resources[k].clone();
        let vnet = r
            .properties
            .get("VpcId")
            .and_then(|v| network_symbol(cx, v));
        let o = r
            .properties
            .get("DhcpOptionsId")
            .and_then(|x| cx.referenced_resource(x))
            .filter(|&o| cx.plays(o, PASS, "options"));
        let name = cx.t.report_name(&r.id);
        let (Some(vnet), Some(o)) = (vnet, o) else {
            cx.decide_later(
                k,
                "dhcp-options-elsewhere",
                &format!("{name}: the DHCP options or the VPC are not in this template"),
                "The association gave a VPC of another template, or an option set of another template, its DHCP options.",
                "Nothing is generated.",
                "Set the DNS servers of the option set on the virtual network that replaces the VPC (`dhcpOptions.dnsServers`), where that network is declared.",
                Some("manual"),
            );
            continue;
        };
        let opts = cx.t.report_name(&cx.t.resources[o].id.clone());
        let later = servers_source(cx, o);
        if let Some(source) = later {
            let shown = cx.t.report_name(&cx.t.resources[source].id.clone());
            cx.decide_later(
                k,
                "dhcp-dns-servers-later",
                &format!("{name}: the DNS servers of `{opts}` are set after {shown} is deployed"),
                &format!("The option set's DNS servers are addresses of {shown}, a resource of this template that is deployed into the network."),
                &format!("The virtual network `{vnet}` is declared without them: naming them there would make the network depend on {shown}, which depends on the network (a cycle ARM rejects)."),
                &format!("Once {shown} is deployed, set the network's DNS servers to its addresses (`az network vnet update --dns-servers …`, or a second deployment that adds `dhcpOptions.dnsServers`); until then the network uses Azure's resolver."),
                Some("partial"),
            );
        }
        let (servers, amazon) = dns_servers(cx, o);
        let decision = match &servers {
            Some(_) if later.is_some() => String::new(),
            Some(list) => {
                let mut conds: Vec<&str> = Vec::new();
                conds.extend(r.condition.as_ref().map(|(c, _)| c.as_str()));
                let value = cx.guarded(&conds, AzExpr::obj(vec![("dnsServers", list.clone())]));
                cx.set_path(&vnet, &["properties", "dhcpOptions"], value);
                if amazon {
                    format!(
                        "The virtual network `{vnet}` names the option set's DNS servers, followed by Azure's resolver ({AZURE_DNS}) where the set named AmazonProvidedDNS."
                    )
                } else {
                    format!("The virtual network `{vnet}` names the option set's DNS servers.")
                }
            }
            None => {
                if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
                    rep.status = "not-needed".into();
                }
                format!(
                    "The virtual network `{vnet}` keeps Azure's resolver, as the option set kept Amazon's: nothing to set."
                )
            }
        };
        if !decision.is_empty() {
            cx.decide_later(
            k,
            "dhcp-dns-servers",
            &format!("{name}: `{opts}` gives the virtual network its DNS servers"),
            &format!("The association gave the VPC the DHCP option set `{opts}`."),
            &decision,
            "VMs pick up a changed server list when they renew their lease or restart; the DNS servers must be reachable from the virtual network (peering, VPN or servers inside it).",
            None,
        );
        }
        if seen_options.contains(&o) {
            continue;
        }
        seen_options.push(o);
        let others = other_options(cx, o);
        if others.is_empty() {
            if servers.is_none() {
                if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == cx.t.resources[o].id) {
                    rep.status = "not-needed".into();
                }
                cx.decide_later(
                    o,
                    "dhcp-options-default",
                    &format!("{opts}: the DHCP options are Azure's defaults"),
                    "The option set named only Amazon's resolver (and the default domain name).",
                    "Nothing is generated: a virtual network uses Azure's resolver unless it names DNS servers.",
                    "None.",
                    None,
                );
            } else {
                cx.decide_later(
                    o,
                    "dhcp-options-dns",
                    &format!("{opts}: the DHCP options become the virtual network's DNS servers"),
                    "The option set named DNS servers only.",
                    "Its DNS servers are the virtual network's (see the association's decision).",
                    "None beyond the association's decision.",
                    Some(if later.is_some() {
                        "partial"
                    } else {
                        "translated"
                    }),
                );
                if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == cx.t.resources[o].id) {
                    rep.status = if later.is_some() {
                        "partial"
                    } else {
                        "translated"
                    }
                    .into();
                }
            }
            continue;
        }
        cx.decide_later(
            o,
            "dhcp-options-other",
            &format!("{opts}: DHCP options a virtual network does not give"),
            &format!(
                "Besides DNS servers, the option set gave {}.",
                others
                    .iter()
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "Only the DNS servers are carried over.",
            &others
                .iter()
                .map(|(w, how)| {
                    let mut w = w.clone();
                    w[..1].make_ascii_uppercase();
                    format!("{w}: {how}.")
                })
                .collect::<Vec<_>>()
                .join(" "),
            Some("partial"),
        );
    }
}
