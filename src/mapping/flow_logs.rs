//! VPC flow logs. A flow log becomes a virtual network flow log, a child of the region's
//! Network Watcher: Azure creates one per region and subscription (`NetworkWatcher_<region>`
//! in `NetworkWatcherRG`), so the watcher is read as `existing` in the resource group
//! two parameters name (Bicep deploys the flow log there through a module, see
//! `backend::bicep::print`; azurerm takes the watcher's name and resource group). The log
//! goes to the storage account of the template's bucket when it was written to S3,
//! else to a storage account of its own; a flow log written to CloudWatch Logs turns on
//! traffic analytics into the workspace that replaces its log group.

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource, Interp};
use crate::model::expr::Expr;

const PASS: &str = "flow-logs";
const FLOW_LOG: &str = "Microsoft.Network/networkWatchers/flowLogs";
const WATCHER: &str = "Microsoft.Network/networkWatchers";
const ACCOUNT: &str = "Microsoft.Storage/storageAccounts";
const WORKSPACE: &str = "Microsoft.OperationalInsights/workspaces";
/// The types a flow log can target.
const TARGETS: &[&str] = &[
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/networkInterfaces",
];

/// The first generated resource of the template resource `e` names, when of type `ty`.
fn generated(cx: &Ctx, e: &Expr, types: &[&str]) -> Option<(String, String)> {
    let j = cx.referenced_resource(e)?;
    let spec = cx.prepared[j].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(j, &spec.symbol);
    cx.module
        .resources
        .iter()
        .find(|r| r.symbol == sym && !r.existing && types.contains(&r.ty.as_str()))
        .map(|r| (sym, r.ty.clone()))
}

/// The existing watcher (declared once) and its symbol.
fn watcher(cx: &mut Ctx) -> String {
    if let Some(r) = cx
        .module
        .resources
        .iter()
        .find(|r| r.ty == WATCHER && r.existing && r.body.iter().any(|(k, _)| k == "scope"))
    {
        return r.symbol.clone();
    }
    let name = cx.param_for("network watcher name", "string", |p| {
        p.description = Some(
            "Name of the region's Network Watcher (Azure creates `NetworkWatcher_<region>` when a virtual network is first deployed in the region).".into(),
        );
        p.default = Some(AzExpr::Interp(vec![
            Interp::Lit("NetworkWatcher_".into()),
            Interp::Expr(AzExpr::ident("location")),
        ]));
    });
    let rg = cx.param_for("network watcher resource group", "string", |p| {
        p.description = Some("Resource group of the region's Network Watcher.".into());
        p.default = Some(AzExpr::str("NetworkWatcherRG"));
    });
    let sym = cx.syms.alloc("networkWatcher");
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: WATCHER.into(),
        api: "2025-09-01".into(),
        name: AzExpr::ident(name),
        body: vec![(
            "scope".into(),
            AzExpr::call("resourceGroup", vec![AzExpr::ident(rg)]),
        )],
        existing: true,
        ..Default::default()
    });
    sym
}

fn literal(cx: &Ctx, i: usize, prop: &str) -> Option<String> {
    cx.t.resources[i]
        .properties
        .get(prop)
        .and_then(|e| e.literal_text())
}

/// Every flow log of the template: its watcher, target, storage and analytics.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() || !cx.plays(i, PASS, "flow-log") {
            continue;
        }
        let sym = cx.resolve_symbol(i, "{sym}");
        let Some(pos) = cx
            .module
            .resources
            .iter()
            .position(|r| r.symbol == sym && r.ty == FLOW_LOG)
        else {
            continue;
        };
        let r = cx.t.resources[i].clone();
        let name = cx.t.report_name(&r.id);
        let props = &r.properties;
        // The target: a network, subnet or NIC of the template, else what the id gives.
        let rtype = literal(cx, i, "ResourceType").unwrap_or_default();
        let target = props
            .get("ResourceId")
            .and_then(|e| generated(cx, e, TARGETS));
        if target.is_none() && rtype.starts_with("TransitGateway") {
            cx.module.resources.remove(pos);
            cx.decide_later(
                i,
                "flow-log-transit-gateway",
                &format!("{name}: transit gateway flow logs have no Azure counterpart"),
                "The flow log captured the traffic of a transit gateway or one of its attachments.",
                "Nothing is generated: Virtual WAN hubs have no flow logs. Enable virtual network flow logs on the spoke networks (and Azure Firewall logs on a secured hub) instead.",
                "Traffic crossing the hub is seen only from the spokes' flow logs.",
                Some("manual"),
            );
            continue;
        }
        if target.is_none() {
            let what = props
                .get("ResourceId")
                .map(|e| {
                    e.literal_text()
                        .map(|t| format!("`{t}`"))
                        .unwrap_or_else(|| "a value of another template".into())
                })
                .unwrap_or_else(|| "nothing".into());
            cx.decide_later(
                i,
                "flow-log-external-target",
                &format!("{name}: the flow log's target is not in this template"),
                &format!("The flow log captures the traffic of {what}."),
                "The flow log's `targetResourceId` is the value given (a parameter carries it): supply the id of the Azure virtual network, subnet or network interface that replaces the target.",
                "The deployment fails until the value is an Azure resource id in the watcher's region.",
                Some("partial"),
            );
        }
        let w = watcher(cx);
        let conds = cx.module.resources[pos].condition.clone();
        let each = cx.module.resources[pos].for_each.clone();
        let tags = cx.module.resources[pos].tags.clone();
        cx.module.resources[pos].parent = Some(w);

        // Where the records go.
        let dest_type =
            literal(cx, i, "LogDestinationType").unwrap_or_else(|| "cloud-watch-logs".into());
        let dest = props
            .get("LogDestination")
            .or_else(|| props.get("LogGroupName"));
        let bucket = (dest_type == "s3")
            .then(|| dest.and_then(|e| generated(cx, e, &[ACCOUNT])))
            .flatten();
        let workspace = (dest_type == "cloud-watch-logs")
            .then(|| dest.and_then(|e| generated(cx, e, &[WORKSPACE])))
            .flatten();
        let storage = match &bucket {
            Some((acct, _)) => {
                cx.set_path(
                    acct,
                    &["properties", "allowSharedKeyAccess"],
                    AzExpr::Bool(true),
                );
                cx.decide_later(
                    i,
                    "flow-log-bucket",
                    &format!("{name}: flow logs go to the storage account of the bucket"),
                    "The flow log was delivered to an S3 bucket of the template.",
                    &format!("The flow log writes to the storage account `{acct}` that replaces the bucket; the account allows shared-key access, which Network Watcher uses to write the logs."),
                    "Records land in the container `insights-logs-flowlogflowevent` of the account, not under the bucket's prefix; give the flow log a user-assigned identity with Storage Blob Data Contributor to turn shared-key access off again.",
                    None,
                );
                AzExpr::path(acct, "id")
            }
            None => {
                let acct = cx.syms.alloc(&format!("{sym}Storage"));
                let name_expr = AzExpr::Interp(vec![
                    Interp::Lit("stflow".into()),
                    Interp::Expr(AzExpr::call(
                        "uniqueString",
                        vec![
                            AzExpr::path("resourceGroup()", "id"),
                            AzExpr::str(r.id.clone()),
                        ],
                    )),
                ]);
                let account = AzResource {
                    symbol: acct.clone(),
                    ty: ACCOUNT.into(),
                    api: "2026-04-01".into(),
                    name: name_expr,
                    location: Some(AzExpr::ident("location")),
                    tags,
                    body: vec![
                        ("kind".into(), AzExpr::str("StorageV2")),
                        (
                            "sku".into(),
                            AzExpr::obj(vec![("name", AzExpr::str("Standard_LRS"))]),
                        ),
                        (
                            "properties".into(),
                            AzExpr::obj(vec![
                                ("accessTier", AzExpr::str("Hot")),
                                ("allowBlobPublicAccess", AzExpr::Bool(false)),
                                ("allowSharedKeyAccess", AzExpr::Bool(true)),
                                ("minimumTlsVersion", AzExpr::str("TLS1_2")),
                                ("supportsHttpsTrafficOnly", AzExpr::Bool(true)),
                            ]),
                        ),
                    ],
                    condition: conds,
                    for_each: each,
                    source: r.id.clone(),
                    ..Default::default()
                };
                cx.module.resources.insert(pos, account);
                let why = match (dest_type.as_str(), &workspace) {
                    ("s3", _) => "The flow log was delivered to an S3 bucket that is not part of this template.".to_string(),
                    ("cloud-watch-logs", Some(_)) => "The flow log was delivered to a CloudWatch Logs group; Azure flow logs are always written to a storage account first, and traffic analytics reads them from there.".to_string(),
                    ("cloud-watch-logs", None) => "The flow log was delivered to a CloudWatch Logs group that is not part of this template.".to_string(),
                    (other, _) => format!("The flow log was delivered to `{other}` (Kinesis Data Firehose), which has no flow log destination on Azure."),
                };
                cx.decide_later(
                    i,
                    "flow-log-storage",
                    &format!("{name}: flow logs go to a storage account of their own"),
                    &why,
                    &format!("A Standard_LRS storage account `{acct}` in the template's location receives the records (public blob access off, TLS 1.2; shared-key access on, which Network Watcher uses to write the logs)."),
                    "Set a lifecycle management rule on the account to delete old records (flow logs keep them until deleted). Records land in the container `insights-logs-flowlogflowevent`.",
                    None,
                );
                AzExpr::path(&acct, "id")
            }
        };
        cx.set_path(&sym, &["properties", "storageId"], storage);
        if let Some((ws, _)) = &workspace {
            // AWS aggregates over 60 or 600 s; traffic analytics processes every 10 or 60 minutes.
            let interval = 10;
            let analytics = AzExpr::obj(vec![(
                "networkWatcherFlowAnalyticsConfiguration",
                AzExpr::obj(vec![
                    ("enabled", AzExpr::Bool(true)),
                    ("workspaceId", AzExpr::path(ws, "properties.customerId")),
                    ("workspaceRegion", AzExpr::path(ws, "location")),
                    ("workspaceResourceId", AzExpr::path(ws, "id")),
                    ("trafficAnalyticsInterval", AzExpr::Int(interval)),
                ]),
            )]);
            cx.set_path(
                &sym,
                &["properties", "flowAnalyticsConfiguration"],
                analytics,
            );
            cx.decide_later(
                i,
                "flow-log-traffic-analytics",
                &format!("{name}: CloudWatch Logs delivery becomes traffic analytics in `{ws}`"),
                "The flow log was delivered to a CloudWatch Logs group of the template, which became a Log Analytics workspace.",
                &format!("Traffic analytics is on for the flow log, processing its records into the workspace `{ws}` every {interval} minutes."),
                "Flow records arrive in the workspace as traffic analytics tables (`NTANetAnalytics`, `NTAIpDetails`), aggregated and enriched, not as raw log events; CloudWatch Logs Insights queries and metric filters must be rewritten in KQL. Traffic analytics is billed per GB processed.",
                None,
            );
        } else if dest_type == "cloud-watch-logs" {
            cx.decide_later(
                i,
                "flow-log-no-workspace",
                &format!("{name}: no workspace for traffic analytics"),
                "The flow log was delivered to a CloudWatch Logs group that is not part of this template.",
                "Traffic analytics is not turned on: the records stay in the storage account.",
                "To query them in Log Analytics, set `flowAnalyticsConfiguration` on the flow log with the workspace that replaces the log group.",
                None,
            );
        }
    }
}
