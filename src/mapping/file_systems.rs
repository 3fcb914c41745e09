//! EFS file systems and their mount targets. A file system becomes a premium NFS file
//! share (its type entry); a mount target put the file system's NFS endpoint into a
//! subnet, which on Azure is a private endpoint on the storage account (group `file`)
//! with its name in the `privatelink.file.core.windows.net` zone linked to the network.
//! One private endpoint serves the whole virtual network, so the first mount target of
//! a file system in a network becomes it and the others are not needed.

use std::collections::BTreeMap;

use super::context::Ctx;
use super::private_links::{self, Endpoint, PRIVATE_ENDPOINT, ZONE_GROUP};
use crate::azure::AzExpr;
use crate::azure::types::SUBNET;

const PASS: &str = "file-systems";
const FILE_ZONE: &str = "privatelink.file.core.windows.net";
const ACCOUNT: &str = "Microsoft.Storage/storageAccounts";

/// The storage account symbol of file system `e` names, when it is generated here.
fn account_of(cx: &Ctx, e: &crate::model::expr::Expr) -> Option<(usize, String)> {
    let j = cx.referenced_resource(e)?;
    if !cx.plays(j, PASS, "file-system") {
        return None;
    }
    let spec = cx.prepared[j].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(j, &spec.symbol);
    cx.module
        .resources
        .iter()
        .any(|r| r.symbol == sym && r.ty == ACCOUNT)
        .then_some((j, sym))
}

/// The subnet `e` names: its symbol and network's, when generated here.
fn subnet_of(cx: &Ctx, e: &crate::model::expr::Expr) -> Option<(String, String)> {
    let k = cx.referenced_resource(e)?;
    let spec = cx.prepared[k].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(k, &spec.symbol);
    let r = cx
        .module
        .resources
        .iter()
        .find(|r| r.symbol == sym && r.ty == SUBNET.ty)?;
    Some((sym, r.parent.clone()?))
}

fn set_status(cx: &mut Ctx, i: usize, status: &str) {
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = status.into();
    }
}

fn report_azure(cx: &mut Ctx, i: usize, ty: &str, sym: &str) {
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.azure.push((ty.to_string(), sym.to_string()));
    }
}

/// Every mount target of the template: a private endpoint per file system and network.
pub fn finish(cx: &mut Ctx) {
    // (file system, network or subnet expression) → the mount target that became the endpoint.
    let mut served: BTreeMap<(usize, String), String> = BTreeMap::new();
    for k in 0..cx.t.resources.len() {
        if cx.prepared[k].entry.is_none() || !cx.plays(k, PASS, "mount-target") {
            continue;
        }
        let r = cx.t.resources[k].clone();
        let name = cx.t.report_name(&r.id);
        let account = r
            .properties
            .get("FileSystemId")
            .and_then(|e| account_of(cx, e));
        let Some((fs, account)) = account else {
            cx.decide_later(
                k,
                "efs-mount-target-elsewhere",
                &format!("{name}: the file system is not in this template"),
                "The mount target put a file system of another template (or one named by a parameter) into a subnet.",
                "Nothing is generated here.",
                "Create a private endpoint (group `file`) on the storage account that replaces the file system, in this subnet's virtual network, with its address in the `privatelink.file.core.windows.net` zone linked to the network.",
                Some("manual"),
            );
            continue;
        };
        let Some(subnet_expr) = r.properties.get("SubnetId").cloned() else {
            continue;
        };
        let subnet = subnet_of(cx, &subnet_expr);
        let key = match &subnet {
            Some((_, vnet)) => vnet.clone(),
            None => format!("{:?}", cx.tr(&subnet_expr)),
        };
        let fs_name = cx.t.report_name(&cx.t.resources[fs].id.clone());
        if let Some(first) = served.get(&(fs, key.clone())).cloned() {
            set_status(cx, k, "not-needed");
            cx.decide_later(
                k,
                "efs-mount-target-shared",
                &format!("{name}: the private endpoint of `{first}` serves this subnet too"),
                &format!("EFS needs a mount target in each Availability Zone; {name} is a second mount target of `{fs_name}` in the same network."),
                &format!("Nothing is generated: the private endpoint made from `{first}` is reachable from every subnet of the virtual network, and the private DNS zone resolves the share to it."),
                "Clients in every subnet mount the share through one private endpoint; it is not zonal, so a zone outage of its subnet's zone does not take it down, but traffic may cross zones.",
                None,
            );
            continue;
        }
        served.insert((fs, key), r.id.clone());
        let pe = cx.prepared[k].sym.clone();
        // A looped mount target (one per subnet of a list): the one endpoint goes in the
        // list's first subnet.
        let subnet_id = match &subnet {
            Some((s, _)) => AzExpr::path(s, "id"),
            None => match super::nsg_members::loop_free(cx, k, &subnet_expr, false) {
                Some((list, true)) => AzExpr::Index(Box::new(list), Box::new(AzExpr::Int(0))),
                Some((one, false)) => one,
                None => cx.tr(&subnet_expr),
            },
        };
        let mut conds: Vec<&str> = Vec::new();
        conds.extend(r.condition.as_ref().map(|(c, _)| c.as_str()));
        let condition = (!conds.is_empty()).then(|| cx.condition_ref(conds[0]));
        let file_zone = private_links::group_zone(cx, ACCOUNT, Some("file"))
            .map(|(_, z)| z)
            .unwrap_or_else(|| FILE_ZONE.into());
        let (z, group) = private_links::private_endpoint(
            cx,
            Endpoint {
                sym: pe.clone(),
                name: AzExpr::str(format!("pe-{}", crate::names::kebab(&r.id))),
                subnet: subnet_id,
                target: AzExpr::path(&account, "id"),
                group: "file".into(),
                zone: file_zone,
                zone_comment: "Private DNS zone in which the file shares' private endpoints register their addresses (shared by the template's file systems).".into(),
                condition,
                comment: format!(
                    "Was {} (AWS::EFS::MountTarget): the NFS endpoint of `{fs_name}` in this network.",
                    r.id
                ),
                source: r.id.clone(),
            },
        );
        report_azure(cx, k, PRIVATE_ENDPOINT, &pe);
        report_azure(cx, k, ZONE_GROUP, &group);
        let linked = match &subnet {
            Some((s, vnet)) => {
                private_links::link(cx, &z, vnet, &r.id);
                // The mount target's security groups filter the endpoint's traffic only
                // when the subnet applies NSGs to private endpoints.
                if r.properties.get("SecurityGroups").is_some() {
                    cx.set_path(
                        s,
                        &["properties", "privateEndpointNetworkPolicies"],
                        AzExpr::str("Enabled"),
                    );
                }
                format!("The zone is linked to `{vnet}`.")
            }
            None => "The subnet is not in this template: link the zone to its virtual network (Microsoft.Network/privateDnsZones/virtualNetworkLinks) where the network is declared.".to_string(),
        };
        set_status(cx, k, "translated");
        cx.decide_later(
            k,
            "efs-mount-target-private-endpoint",
            &format!("{name}: the mount target becomes a private endpoint of the file share"),
            &format!("The mount target gave `{fs_name}` an NFS address in its subnet."),
            &format!("A private endpoint `{pe}` on the storage account `{account}` (group `file`) in the same subnet, registered in the `{FILE_ZONE}` zone. {linked}"),
            "Clients mount `<account>.file.core.windows.net:/<account>/<share>` with NFS 4.1 (`mount -t nfs -o vers=4,minorversion=1,sec=sys,nconnect=4`) instead of the EFS mount helper; TLS (`-o tls`) and IAM authorisation have no NFS equivalent on Azure: the network path is the boundary.",
            None,
        );
    }
}
