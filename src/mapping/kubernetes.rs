//! EKS → Azure Kubernetes Service: clusters become managed clusters, node groups node
//! pools, access entries role assignments on the cluster, and pod identity associations
//! federated identity credentials that trust the cluster's OIDC issuer.
//!
//! A managed cluster needs a system node pool in its own body (ARM `agentPoolProfiles`,
//! azurerm `default_node_pool`): the first node group of the cluster that can be one
//! (Linux, on-demand, untainted, not repeated) becomes it and writes no resource of its
//! own; without one the cluster gets a small system pool. The resources play roles in
//! the `kubernetes` pass: `cluster`, `nodegroup`, `addon`, `access-entry`,
//! `pod-identity`, `fargate`, `identity-provider`, `oidc-provider`.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, AzResource, Interp, coerce};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;

const PASS: &str = "kubernetes";

/// The cluster resource a `ClusterName` of resource `i` names, in this template.
fn cluster_of(cx: &Ctx, i: usize) -> Option<usize> {
    cx.t.resources[i]
        .properties
        .get("ClusterName")
        .and_then(|c| cx.referenced_resource(c))
        .filter(|c| cx.plays(*c, PASS, "cluster"))
}

/// Resources playing `role` whose `ClusterName` names cluster `c`, in template order.
fn members(cx: &Ctx, c: usize, role: &str) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|j| cx.plays(*j, PASS, role) && cluster_of(cx, *j) == Some(c))
        .collect()
}

fn is_windows(cx: &Ctx, g: usize) -> bool {
    cx.t.resources[g]
        .properties
        .get("AmiType")
        .and_then(|a| a.literal_text())
        .is_some_and(|a| a.starts_with("WINDOWS"))
}

/// Can node group `g` be the cluster's system pool?
fn eligible(cx: &Ctx, g: usize) -> bool {
    let r = &cx.t.resources[g];
    let p = &r.properties;
    r.for_each.is_none()
        && r.condition.is_none()
        && !is_windows(cx, g)
        && p.get("CapacityType")
            .and_then(|c| c.literal_text())
            .as_deref()
            != Some("SPOT")
        && p.get("Taints")
            .is_none_or(|t| t.as_list().is_some_and(|l| l.is_empty()))
}

/// The node group of cluster `c` that becomes its system pool.
fn system_group(cx: &Ctx, c: usize) -> Option<usize> {
    members(cx, c, "nodegroup")
        .into_iter()
        .find(|g| eligible(cx, *g))
}

/// A node pool name: lowercase letters and digits, starting with a letter, at most 12
/// characters (6 for Windows).
fn pool_name(text: &str, windows: bool) -> String {
    let mut s: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    while s.starts_with(|c: char| c.is_ascii_digit()) {
        s.remove(0);
    }
    if s.is_empty() {
        s = "pool".into();
    }
    s.truncate(if windows { 6 } else { 12 });
    s
}

/// The node pool name of node group `g`: its `NodegroupName`, else its logical id.
fn group_pool_name(cx: &Ctx, g: usize) -> String {
    let r = &cx.t.resources[g];
    let text = r
        .properties
        .get("NodegroupName")
        .and_then(|n| cx.literal_text(n))
        .unwrap_or_else(|| r.id.clone());
    pool_name(&text, is_windows(cx, g))
}

/// `name` of a node group's node pool.
pub fn aks_pool_name(cx: &mut Ctx, i: usize) -> AzExpr {
    AzExpr::Str(group_pool_name(cx, i))
}

/// A count as an integer.
fn int(cx: &mut Ctx, e: &Expr) -> AzExpr {
    match e.literal_i64() {
        Some(n) => AzExpr::Int(n),
        None => coerce(cx.tr(e), "int"),
    }
}

/// The first subnet of a list (a literal list, or a list value) as an id.
fn first_subnet(cx: &mut Ctx, subnets: &Expr) -> Option<AzExpr> {
    match subnets.as_list() {
        Some(l) => {
            let first = l.first()?.clone();
            Some(super::scale_sets::id_of(cx, &first))
        }
        None => {
            let v = cx.tr(subnets);
            Some(AzExpr::Index(Box::new(v), Box::new(AzExpr::Int(0))))
        }
    }
}

fn several(e: Option<&Expr>) -> bool {
    e.is_some_and(|s| s.as_list().is_none_or(|l| l.len() > 1))
}

/// The node pool settings of node group `g` (the agentPools `properties`, or a
/// profile of the cluster's `agentPoolProfiles` with `name`).
fn pool_settings(cx: &mut Ctx, g: usize, system: bool) -> Vec<(&'static str, AzExpr)> {
    let r = cx.t.resources[g].clone();
    let p = &r.properties;
    let mut out: Vec<(&'static str, AzExpr)> = Vec::new();
    // Size: the first instance type, else the launch template's.
    let lt_data = launch_template_data(cx, g);
    let ty = p
        .get("InstanceTypes")
        .and_then(|l| l.as_list().and_then(|l| l.first().cloned()))
        .or_else(|| {
            lt_data
                .as_ref()
                .and_then(|d| d.get("InstanceType").cloned())
        });
    let size = match &ty {
        Some(ty) => {
            let mut args = serde_yaml::Mapping::new();
            args.insert("table".into(), "ec2-instance-types".into());
            args.insert("field".into(), "vm_size".into());
            args.insert("default".into(), "Standard_D4s_v5".into());
            super::transforms::lookup(cx, g, ty, &Value::Mapping(args))
        }
        None => None,
    }
    // EKS launches t3.medium when no type is given; Azure's system pools want 4 vCPUs.
    .unwrap_or_else(|| {
        if p.get("InstanceTypes").is_some() {
            cx.decide_later(
                g,
                "aks-pool-size",
                &format!("{}: the node pool's VM size is not derived", r.id),
                "The node group's instance types are supplied at deployment; the EC2 instance type table needs a literal type.",
                "The node pool runs Standard_D4s_v5 (4 vCPUs, 16 GiB).",
                "Choose the VM size matching the instance type the deployment used (mappings/tables/ec2-instance-types.yaml).",
                Some("partial"),
            );
        }
        AzExpr::str("Standard_D4s_v5")
    });
    if p.get("InstanceTypes")
        .and_then(|l| l.as_list())
        .is_some_and(|l| l.len() > 1)
    {
        cx.decide_later(
            g,
            "aks-one-size",
            &format!("{}: the node pool runs one VM size", r.id),
            "The node group lists several instance types (EKS picks among them, mostly for Spot capacity); an AKS node pool has one VM size.",
            "The node pool takes the first type's size.",
            "Add node pools for the other sizes, or use node auto-provisioning, if the workload needs the spread.",
            None,
        );
    }
    let scaling = p.get("ScalingConfig").cloned();
    let get = |k: &str| scaling.as_ref().and_then(|s| s.get(k)).cloned();
    let (min, max, desired) = (get("MinSize"), get("MaxSize"), get("DesiredSize"));
    let lit = |e: &Option<Expr>| e.as_ref().and_then(|x| x.literal_i64());
    let floor = if system { 1 } else { 0 };
    let min_v = match &min {
        Some(m) => match m.literal_i64() {
            Some(n) => AzExpr::Int(n.max(floor)),
            None => int(cx, m),
        },
        None => AzExpr::Int(1),
    };
    let max_v = match &max {
        Some(m) => int(cx, m),
        None => AzExpr::Int(2),
    };
    let count = match desired.as_ref().or(min.as_ref()) {
        Some(d) => match d.literal_i64() {
            Some(n) => AzExpr::Int(n.max(floor)),
            None => int(cx, d),
        },
        None => AzExpr::Int(2),
    };
    let fixed = lit(&min).is_some() && lit(&min) == lit(&max);
    out.push(("count", count));
    out.push(("vmSize", size));
    if let Some(d) = p.get("DiskSize") {
        out.push(("osDiskSizeGB", int(cx, d)));
    }
    // Subnet: the group's first subnet.
    if let Some(s) = p.get("Subnets").cloned()
        && let Some(id) = first_subnet(cx, &s)
    {
        out.push(("vnetSubnetID", id));
        if several(Some(&s)) {
            cx.decide_later(
                g,
                "aks-pool-subnet",
                &format!("{}: the node pool uses one subnet", r.id),
                "The node group spreads nodes over subnets in several Availability Zones; an AKS node pool sits in one subnet, which spans every zone of the region.",
                "The node pool joins the group's first subnet.",
                "Set the node pool's `availabilityZones` (where the region has zones) to spread the nodes as the group spread them.",
                None,
            );
        }
    }
    let (os, sku) = os_of(cx, g);
    out.push(("osType", AzExpr::str(os)));
    out.push(("osSKU", AzExpr::str(sku)));
    out.push(("mode", AzExpr::str(if system { "System" } else { "User" })));
    out.push(("type", AzExpr::str("VirtualMachineScaleSets")));
    if !fixed {
        out.push(("enableAutoScaling", AzExpr::Bool(true)));
        out.push(("minCount", min_v));
        out.push(("maxCount", max_v));
    }
    if let Some(l) = p.get("Labels") {
        let v = cx.tr(l);
        if !matches!(&v, AzExpr::Object(o) if o.is_empty()) {
            out.push(("nodeLabels", v));
        }
    }
    if let Some(t) = p.get("Taints").cloned() {
        let taints = taints(cx, &t);
        if !taints.is_empty() {
            out.push(("nodeTaints", AzExpr::Array(taints)));
        }
    }
    if p.get("CapacityType")
        .and_then(|c| c.literal_text())
        .as_deref()
        == Some("SPOT")
    {
        out.push(("scaleSetPriority", AzExpr::str("Spot")));
        out.push(("scaleSetEvictionPolicy", AzExpr::str("Delete")));
        out.push(("spotMaxPrice", AzExpr::Int(-1)));
        cx.decide_later(
            g,
            "aks-spot-pool",
            &format!("{}: Spot capacity becomes a Spot node pool", r.id),
            "The node group runs on EC2 Spot capacity, which AWS reclaims with two minutes' notice.",
            "The node pool has Spot priority, pays up to the on-demand price (`spotMaxPrice: -1`) and deletes evicted nodes; AKS taints its nodes `kubernetes.azure.com/scalesetpriority=spot:NoSchedule`.",
            "Pods that ran on the Spot group need a toleration of that taint (and, to stay there, a node affinity on the label `kubernetes.azure.com/scalesetpriority: spot`).",
            None,
        );
    }
    if let Some(tags) = p.get("Tags") {
        let v = cx.tr(tags);
        if matches!(&v, AzExpr::Object(o) if !o.is_empty()) {
            out.push(("tags", v));
        }
    }
    if p.get("LaunchTemplate").is_some() {
        cx.decide_later(
            g,
            "aks-launch-template",
            &format!("{}: the launch template's settings are not carried over", r.id),
            "The node group launches its nodes from a launch template (instance type, AMI, user data, security groups, metadata options, block devices).",
            "Only the instance type is read (when the group names none); AKS builds its nodes from its own node images and takes no user data.",
            "Move bootstrap scripts to a DaemonSet, custom kubelet settings to the node pool's `kubeletConfig`/`linuxOSConfig`, and network filtering to the subnet's NSG.",
            Some("partial"),
        );
    }
    out
}

/// The launch template data of node group `g`'s launch template, when in the template.
fn launch_template_data(cx: &Ctx, g: usize) -> Option<Expr> {
    let spec = cx.t.resources[g].properties.get("LaunchTemplate")?;
    let j = spec
        .get("Id")
        .or_else(|| spec.get("Name"))
        .and_then(|x| cx.referenced_resource(x))?;
    cx.t.resources[j]
        .properties
        .get("LaunchTemplateData")
        .cloned()
}

/// Does some node group of the template launch from launch template `j`?
pub(super) fn launches(cx: &Ctx, j: usize) -> bool {
    (0..cx.t.resources.len()).any(|g| {
        cx.plays(g, PASS, "nodegroup")
            && cx.t.resources[g]
                .properties
                .get("LaunchTemplate")
                .and_then(|s| s.get("Id").or_else(|| s.get("Name")))
                .and_then(|x| cx.referenced_resource(x))
                == Some(j)
    })
}

/// The OS type and SKU of node group `g`'s AMI type.
fn os_of(cx: &mut Ctx, g: usize) -> (&'static str, &'static str) {
    let ami = cx.t.resources[g]
        .properties
        .get("AmiType")
        .and_then(|a| a.literal_text());
    match ami.as_deref() {
        Some(a) if a.starts_with("WINDOWS") => {
            if a.contains("2019") {
                let id = cx.t.resources[g].id.clone();
                cx.decide_later(
                    g,
                    "aks-windows-2019",
                    &format!("{id}: Windows Server 2019 nodes become Windows Server 2022"),
                    "The node group runs Windows Server 2019 nodes; AKS no longer offers Windows Server 2019 on supported Kubernetes versions.",
                    "The node pool runs Windows Server 2022.",
                    "Rebuild Windows container images on a Windows Server 2022 base (the container and host versions must match).",
                    None,
                );
            }
            ("Windows", "Windows2022")
        }
        Some("CUSTOM") => {
            let id = cx.t.resources[g].id.clone();
            cx.decide_later(
                g,
                "aks-custom-ami",
                &format!("{id}: the custom AMI is replaced by Azure Linux"),
                "The node group runs a custom AMI from its launch template.",
                "The node pool runs AKS's Azure Linux node image; AKS does not run custom node images.",
                "Move what the AMI added (agents, hardening, kernel settings) to DaemonSets and the node pool's `linuxOSConfig`.",
                Some("partial"),
            );
            ("Linux", "AzureLinux")
        }
        // Amazon Linux, Bottlerocket.
        Some(_) => ("Linux", "AzureLinux"),
        None => {
            if cx.t.resources[g].properties.get("AmiType").is_some() {
                let id = cx.t.resources[g].id.clone();
                cx.decide_later(
                    g,
                    "aks-pool-os",
                    &format!("{id}: the node pool runs Azure Linux"),
                    "The node group's AMI type is supplied at deployment.",
                    "The node pool runs Linux nodes on Azure Linux, as Amazon Linux and Bottlerocket groups do.",
                    "Windows node groups need a node pool with `osType: Windows` and `osSKU: Windows2022` instead.",
                    None,
                );
            }
            ("Linux", "AzureLinux")
        }
    }
}

/// `key=value:Effect` strings of an EKS taint list.
fn taints(cx: &mut Ctx, t: &Expr) -> Vec<AzExpr> {
    let Some(list) = t.as_list() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for x in list {
        let effect = match x.get("Effect").and_then(|e| e.literal_text()).as_deref() {
            Some("NO_EXECUTE") => "NoExecute",
            Some("PREFER_NO_SCHEDULE") => "PreferNoSchedule",
            _ => "NoSchedule",
        };
        let mut parts = Vec::new();
        match x.get("Key") {
            Some(k) => match cx.tr(k) {
                AzExpr::Str(s) => parts.push(Interp::Lit(s)),
                e => parts.push(Interp::Expr(e)),
            },
            None => continue,
        }
        if let Some(v) = x.get("Value") {
            parts.push(Interp::Lit("=".into()));
            match cx.tr(v) {
                AzExpr::Str(s) => parts.push(Interp::Lit(s)),
                e => parts.push(Interp::Expr(e)),
            }
        }
        parts.push(Interp::Lit(format!(":{effect}")));
        out.push(crate::azure::interp(parts));
    }
    out
}

/// `properties` of a node group's node pool; `None` (the group is part of the
/// cluster's body) for the cluster's system pool.
pub fn aks_pool_properties(
    cx: &mut Ctx,
    i: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    if let Some(c) = cluster_of(cx, i)
        && system_group(cx, c) == Some(i)
    {
        let (id, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
        let cluster = cx.t.report_name(&cx.t.resources[c].id);
        let name = cx.t.report_name(&id);
        cx.decide(
            "aks-system-pool",
            Some((&id, span)),
            &format!("{id}: the node group is the cluster's system pool"),
            "An AKS cluster must be created with a system node pool in its own definition (`agentPoolProfiles`; `default_node_pool` in azurerm), which runs CoreDNS and the other system pods. EKS has no such pool: its system pods run on any node group.",
            &format!("{name}, the first Linux on-demand untainted node group of {cluster}, becomes that system pool (mode System) in the cluster's definition, with its size, count, bounds, labels and subnet; it writes no node pool resource of its own. Other node groups become user node pools."),
            "Workloads keep running on the system pool as they ran on the group. To isolate system pods later, add a user pool and taint the system pool `CriticalAddonsOnly=true:NoSchedule`.",
        );
        let sym = cx.reference_expr(c, "{sym}");
        if let AzExpr::Ident(s) = sym {
            cx.extra_azure
                .push(("Microsoft.ContainerService/managedClusters".into(), s));
        }
        cx.folded = true;
        return None;
    }
    let mut props = pool_settings(cx, i, false);
    if cluster_of(cx, i).is_none() {
        let (id, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
        cx.decide(
            "aks-pool-cluster-external",
            Some((&id, span)),
            &format!("{id}: the cluster is outside this template"),
            "The node group names a cluster this template does not declare (a variable, a data source, another module).",
            "The node pool is a child of an existing managed cluster whose name is a parameter.",
            "Convert the cluster together with its node groups where possible; the cluster's system pool must exist already.",
        );
    }
    props.sort_by_key(|(k, _)| pool_key_rank(k));
    Some(AzExpr::obj(props))
}

fn pool_key_rank(k: &str) -> usize {
    const ORDER: &[&str] = &[
        "name",
        "mode",
        "count",
        "vmSize",
        "osDiskSizeGB",
        "osType",
        "osSKU",
        "type",
        "vnetSubnetID",
        "enableAutoScaling",
        "minCount",
        "maxCount",
        "scaleSetPriority",
        "scaleSetEvictionPolicy",
        "spotMaxPrice",
        "nodeLabels",
        "nodeTaints",
        "tags",
    ];
    ORDER.iter().position(|x| *x == k).unwrap_or(ORDER.len())
}

/// `identity` of a cluster: the user-assigned identity of its role when the role is in
/// the template, else a system-assigned identity.
pub fn aks_identity(cx: &mut Ctx, i: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    match role_of(cx, i) {
        Some(j) => {
            let id = cx.reference_expr(j, "{sym}.id");
            Some(AzExpr::obj(vec![
                ("type", AzExpr::str("UserAssigned")),
                (
                    "userAssignedIdentities",
                    AzExpr::Object(vec![(AzKey::Expr(id), AzExpr::Object(Vec::new()))]),
                ),
            ]))
        }
        None => Some(AzExpr::obj(vec![("type", AzExpr::str("SystemAssigned"))])),
    }
}

/// The role of the template a cluster's `RoleArn` names.
fn role_of(cx: &Ctx, i: usize) -> Option<usize> {
    cx.t.resources[i]
        .properties
        .get("RoleArn")
        .and_then(|r| cx.referenced_resource(r))
        .filter(|j| cx.plays(*j, "grants", "role"))
}

/// `properties` of a managed cluster.
pub fn aks_properties(cx: &mut Ctx, i: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let mut props: Vec<(&str, AzExpr)> = Vec::new();
    if let Some(v) = version(cx, i) {
        props.push(("kubernetesVersion", v));
    }
    props.push(("dnsPrefix", AzExpr::Str(dns_prefix(cx, i))));
    props.push(("enableRBAC", AzExpr::Bool(true)));
    props.push(("disableLocalAccounts", AzExpr::Bool(true)));
    props.push((
        "aadProfile",
        AzExpr::obj(vec![
            ("managed", AzExpr::Bool(true)),
            ("enableAzureRBAC", AzExpr::Bool(true)),
        ]),
    ));
    props.push((
        "agentPoolProfiles",
        AzExpr::Array(vec![system_profile(cx, i)]),
    ));
    props.push(("networkProfile", network_profile(cx, i)));
    if let Some(a) = api_access(cx, i) {
        props.push(("apiServerAccessProfile", a));
    }
    props.push((
        "oidcIssuerProfile",
        AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
    ));
    let mut security = vec![(
        "workloadIdentity",
        AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
    )];
    let kms = kms_key(cx, i).filter(|_| role_of(cx, i).is_some());
    if let Some(k) = kms {
        let key_id = cx.reference_expr(k, "{sym}.properties.keyUriWithVersion");
        security.push((
            "azureKeyVaultKms",
            AzExpr::obj(vec![
                ("enabled", AzExpr::Bool(true)),
                ("keyId", key_id),
                ("keyVaultNetworkAccess", AzExpr::str("Public")),
            ]),
        ));
        let key = cx.t.report_name(&cx.t.resources[k].id);
        cx.decide(
            "aks-secrets-kms",
            Some((&r.id, r.span)),
            &format!("{}: secrets are encrypted with the Key Vault key of {key}", r.id),
            "The cluster encrypts Kubernetes secrets with a KMS key (envelope encryption). AKS does the same with a Key Vault key (`securityProfile.azureKeyVaultKms`).",
            &format!("KMS etcd encryption uses the Key Vault key {key} became (its versioned id); the cluster's user-assigned identity gets Key Vault Crypto User on the vault before the cluster is created."),
            "When the key rotates, update `keyId` to the new version (AKS does not follow key versions). The vault keeps public network access; a private vault needs `keyVaultNetworkAccess: Private` and a key vault resource id.",
        );
    }
    props.push(("securityProfile", AzExpr::obj(security)));
    props.push(("storageProfile", storage_profile()));
    props.push((
        "autoUpgradeProfile",
        AzExpr::obj(vec![
            ("upgradeChannel", AzExpr::str("patch")),
            ("nodeOSUpgradeChannel", AzExpr::str("NodeImage")),
        ]),
    ));
    if p.get("EncryptionConfig").is_some() && kms.is_none() {
        cx.decide(
            "aks-secrets-kms",
            Some((&r.id, r.span)),
            &format!("{}: envelope encryption of secrets is not configured", r.id),
            "The cluster encrypts Kubernetes secrets with a KMS key (envelope encryption). AKS does the same with a Key Vault key (`securityProfile.azureKeyVaultKms`), which needs the key's versioned id and the cluster's identity to hold Key Vault Crypto User on the vault before the cluster is created.",
            "AKS encrypts etcd at rest with platform-managed keys; KMS envelope encryption is not enabled.",
            "Create a Key Vault key, grant the cluster's user-assigned identity Key Vault Crypto User on it, then set `securityProfile.azureKeyVaultKms` (`enabled`, `keyId`, `keyVaultNetworkAccess`).",
        );
        cx.floor_status("partial");
    }
    if let Some(logging) = p.get("Logging") {
        let categories = log_categories(logging);
        let (which, set) = match &categories {
            Some(c) if !c.is_empty() => (
                "The cluster sends control plane logs to CloudWatch Logs; AKS sends the same logs to a Log Analytics workspace through a diagnostic setting on the cluster.".to_string(),
                format!("with the categories {}", c.join(", ")),
            ),
            _ => (
                "The cluster sends control plane logs (chosen at deployment) to CloudWatch Logs; AKS sends them to a Log Analytics workspace through a diagnostic setting on the cluster.".to_string(),
                "with the categories of the log types used (api → kube-apiserver, audit → kube-audit, authenticator → guard, controllerManager → kube-controller-manager, scheduler → kube-scheduler)".to_string(),
            ),
        };
        cx.decide(
            "aks-control-plane-logs",
            Some((&r.id, r.span)),
            &format!("{}: control plane logs are not collected", r.id),
            &which,
            "No diagnostic setting is created (the cluster's log group, when converted, is a Log Analytics workspace, but no diagnostic setting type is generated yet).",
            &format!("Add a `Microsoft.Insights/diagnosticSettings` resource scoped to the cluster {set}, sending to the workspace."),
        );
        cx.floor_status("partial");
    }
    if let Some(mode) = p
        .path("AccessConfig.AuthenticationMode")
        .and_then(|m| m.literal_text())
        && mode.contains("CONFIG_MAP")
    {
        cx.decide(
            "aks-aws-auth",
            Some((&r.id, r.span)),
            &format!("{}: aws-auth ConfigMap mappings are not carried over", r.id),
            &format!("The cluster authenticates principals through the aws-auth ConfigMap ({mode})."),
            "The managed cluster authenticates with Entra ID and authorizes with Azure RBAC; the ConfigMap's mappings live in the cluster, not in the template.",
            "Give each mapped role or user an AKS RBAC role assignment (or bind its Entra group with Kubernetes RBAC).",
        );
    }
    if p.path("AccessConfig.BootstrapClusterCreatorAdminPermissions")
        .and_then(|b| b.literal_bool())
        != Some(false)
    {
        cx.decide(
            "aks-creator-admin",
            Some((&r.id, r.span)),
            &format!("{}: the cluster's creator is not made cluster admin", r.id),
            "EKS gives the principal that creates the cluster cluster-admin access (the bootstrap access entry).",
            "With local accounts disabled and Azure RBAC, nobody holds Kubernetes permissions on the managed cluster until a role assignment grants them.",
            "Assign `Azure Kubernetes Service RBAC Cluster Admin` on the cluster to the platform team's Entra group (and `Azure Kubernetes Service Cluster User Role` to whoever runs `az aks get-credentials`).",
        );
    }
    if p.path("ResourcesVpcConfig.SecurityGroupIds").is_some() {
        cx.decide(
            "aks-security-groups",
            Some((&r.id, r.span)),
            &format!("{}: the cluster's security groups are not attached", r.id),
            "EKS attaches security groups to the control plane's network interfaces in the VPC. The AKS control plane runs outside the virtual network; nodes are filtered by the NSG of their subnet.",
            "Nothing is attached to the cluster; the node subnet's NSG (from the subnet's security group, when converted) filters node traffic.",
            "Allow what the node groups need on the subnet's NSG (AKS needs outbound access to its control plane and to mcr.microsoft.com).",
        );
    }
    if p.get("RoleArn").is_some() && role_of(cx, i).is_none() {
        cx.decide(
            "aks-identity-system",
            Some((&r.id, r.span)),
            &format!("{}: the cluster runs with a system-assigned identity", r.id),
            "The cluster's role is not declared in this template.",
            "The managed cluster has a system-assigned identity.",
            "Grant it Network Contributor on the node subnet's virtual network when the subnet is not in the cluster's resource group.",
        );
    }
    if members(cx, i, "nodegroup")
        .iter()
        .any(|g| is_windows(cx, *g))
    {
        let password = cx.param_for("aks-windows-admin-password", "string", |p| {
            p.secure = true;
            p.description = Some(
                "Administrator password of the AKS Windows nodes (14–123 characters, three of: lower case, upper case, digit, symbol).".into(),
            );
            p.required_reason =
                Some("AKS Windows node pools need an administrator password".into());
        });
        props.push((
            "windowsProfile",
            AzExpr::obj(vec![
                ("adminUsername", AzExpr::str("azureuser")),
                ("adminPassword", AzExpr::ident(&password)),
            ]),
        ));
        cx.decide(
            "aks-windows-profile",
            Some((&r.id, r.span)),
            &format!("{}: the Windows nodes' administrator account is a parameter", r.id),
            "An AKS cluster with Windows node pools needs the Windows nodes' administrator user name and password (`windowsProfile`); EKS Windows nodes had none to set.",
            &format!("The administrator is `azureuser`, with the password from the secure parameter `{password}`."),
            "Keep the password in Key Vault and pass it at deployment; Windows nodes do not use it for sign-in from workloads. Cilium does not run Windows nodes, so the cluster has no network policy engine (see the networking decision).",
        );
    }
    Some(AzExpr::obj(props))
}

/// The AKS diagnostic log categories of the EKS log types a cluster's `Logging` enables
/// (`None` when they are computed).
fn log_categories(logging: &Expr) -> Option<Vec<String>> {
    let types = logging.path("ClusterLogging.EnabledTypes")?.as_list()?;
    let mut out = Vec::new();
    for t in types {
        let name = t.get("Type").unwrap_or(t).literal_text()?;
        let c = match name.as_str() {
            "api" => "kube-apiserver",
            "audit" => "kube-audit",
            "authenticator" => "guard",
            "controllerManager" => "kube-controller-manager",
            "scheduler" => "kube-scheduler",
            _ => continue,
        };
        if !out.iter().any(|x: &String| x == c) {
            out.push(c.to_string());
        }
    }
    Some(out)
}

/// The Kubernetes version: kept when AKS supports it, else the nearest supported one.
fn version(cx: &mut Ctx, i: usize) -> Option<AzExpr> {
    let r = cx.t.resources[i].clone();
    let v = r.properties.get("Version")?;
    let Some(text) = cx.literal_text(v) else {
        cx.decide(
            "aks-version",
            Some((&r.id, r.span)),
            &format!("{}: the Kubernetes version is computed", r.id),
            "The cluster's version is a value supplied at deployment; AKS supports only recent minor versions (mappings/tables/aks-kubernetes-versions.yaml).",
            "The value is passed through as the cluster's `kubernetesVersion`.",
            "Supply a version AKS supports in the region (`az aks get-versions`).",
        );
        return Some(cx.tr(v));
    };
    let minor: String = text.split('.').take(2).collect::<Vec<_>>().join(".");
    let aks = cx
        .tables
        .lookup_str("aks-kubernetes-versions", &minor, "aks");
    let supported = cx
        .tables
        .lookup_str("aks-kubernetes-versions", &minor, "supported")
        .as_deref()
        == Some("true");
    match aks {
        Some(_) if supported => Some(AzExpr::Str(minor)),
        Some(to) => {
            cx.decide(
                "aks-version",
                Some((&r.id, r.span)),
                &format!("{}: Kubernetes {minor} becomes {to}", r.id),
                &format!("The cluster runs Kubernetes {minor}, which AKS does not offer in standard support (mappings/tables/aks-kubernetes-versions.yaml)."),
                &format!("The managed cluster runs {to}, the nearest version AKS supports."),
                "Check the workloads against the API removals between the versions (`kubectl convert`, pluto) before migrating.",
            );
            cx.floor_status("partial");
            Some(AzExpr::Str(to))
        }
        None => {
            cx.decide(
                "aks-version",
                Some((&r.id, r.span)),
                &format!("{}: Kubernetes {text} is not in the version table", r.id),
                &format!("The cluster runs Kubernetes {text}, which mappings/tables/aks-kubernetes-versions.yaml does not list."),
                "No version is set: AKS creates the cluster with its default version.",
                "Set `kubernetesVersion` to a version AKS supports in the region (`az aks get-versions`).",
            );
            cx.floor_status("partial");
            None
        }
    }
}

/// A DNS prefix: the cluster's literal name, else its logical id, in kebab case.
fn dns_prefix(cx: &Ctx, i: usize) -> String {
    let r = &cx.t.resources[i];
    let base = r
        .properties
        .get("Name")
        .and_then(|n| cx.literal_text(n))
        .unwrap_or_else(|| r.id.clone());
    let mut s: String = kebab(&base)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    s.truncate(54);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "aks".into() } else { s }
}

/// The cluster's system pool: its first eligible node group, else a small pool in the
/// cluster's first subnet.
fn system_profile(cx: &mut Ctx, i: usize) -> AzExpr {
    let r = cx.t.resources[i].clone();
    if let Some(g) = system_group(cx, i) {
        let mut props = pool_settings(cx, g, true);
        props.push(("name", AzExpr::Str(group_pool_name(cx, g))));
        props.sort_by_key(|(k, _)| pool_key_rank(k));
        return AzExpr::obj(props);
    }
    let mut props = vec![
        ("name", AzExpr::str("system")),
        ("mode", AzExpr::str("System")),
        ("count", AzExpr::Int(2)),
        ("vmSize", AzExpr::str("Standard_D4s_v5")),
        ("osType", AzExpr::str("Linux")),
        ("osSKU", AzExpr::str("AzureLinux")),
        ("type", AzExpr::str("VirtualMachineScaleSets")),
    ];
    if let Some(s) = r.properties.path("ResourcesVpcConfig.SubnetIds").cloned()
        && let Some(id) = first_subnet(cx, &s)
    {
        props.push(("vnetSubnetID", id));
    }
    let why = if members(cx, i, "nodegroup").is_empty() {
        "The template declares no node group for the cluster (they may be self-managed, Karpenter- or Fargate-provisioned, or in another module)."
    } else {
        "None of the cluster's node groups can be a system pool (Windows, Spot, tainted, or repeated)."
    };
    cx.decide(
        "aks-system-pool-added",
        Some((&r.id, r.span)),
        &format!("{}: a system node pool is added", r.id),
        &format!("An AKS cluster must be created with a system node pool in its own definition. {why}"),
        "The cluster gets a system pool `system` of two Standard_D4s_v5 Azure Linux nodes (4 vCPUs, the size Microsoft recommends for system pools) in the cluster's first subnet.",
        "The pool adds two VMs to the cost. Workloads without a node pool of their own run there; add user pools for them.",
    );
    AzExpr::obj(props)
}

/// Azure CNI overlay with Cilium, and the service CIDR.
fn network_profile(cx: &mut Ctx, i: usize) -> AzExpr {
    let r = cx.t.resources[i].clone();
    let windows = members(cx, i, "nodegroup")
        .iter()
        .any(|g| is_windows(cx, *g));
    let mut out = vec![
        ("networkPlugin", AzExpr::str("azure")),
        ("networkPluginMode", AzExpr::str("overlay")),
    ];
    if !windows {
        out.push(("networkDataplane", AzExpr::str("cilium")));
        out.push(("networkPolicy", AzExpr::str("cilium")));
    }
    out.push(("loadBalancerSku", AzExpr::str("standard")));
    out.push(("outboundType", AzExpr::str("loadBalancer")));
    let cidr = r
        .properties
        .path("KubernetesNetworkConfig.ServiceIpv4Cidr")
        .cloned();
    match cidr.as_ref().map(|c| (c, cx.literal_text(c))) {
        Some((_, Some(text))) => match dns_ip(&text) {
            Some(ip) => {
                out.push(("serviceCidr", AzExpr::Str(text)));
                out.push(("dnsServiceIP", AzExpr::Str(ip)));
            }
            None => service_cidr_default(cx, i, &mut out, "is not an IPv4 CIDR"),
        },
        Some((_, None)) => service_cidr_default(cx, i, &mut out, "is computed"),
        None => {
            out.push(("serviceCidr", AzExpr::str("172.20.0.0/16")));
            out.push(("dnsServiceIP", AzExpr::str("172.20.0.10")));
        }
    }
    if r.properties
        .path("KubernetesNetworkConfig.IpFamily")
        .and_then(|f| f.literal_text())
        .is_some_and(|f| f.eq_ignore_ascii_case("ipv6"))
    {
        cx.decide(
            "aks-ipv6",
            Some((&r.id, r.span)),
            &format!("{}: the cluster's IPv6 family is not carried over", r.id),
            "The cluster assigns IPv6 addresses to pods and services.",
            "The managed cluster is IPv4 (AKS supports dual-stack with `ipFamilies: [IPv4, IPv6]` on Azure CNI overlay, which needs dual-stack subnets).",
            "Enable dual-stack by hand if clients reach services over IPv6.",
        );
        cx.floor_status("partial");
    }
    AzExpr::obj(out)
}

fn service_cidr_default(cx: &mut Ctx, i: usize, out: &mut Vec<(&str, AzExpr)>, why: &str) {
    let r = cx.t.resources[i].clone();
    cx.decide(
        "aks-service-cidr",
        Some((&r.id, r.span)),
        &format!("{}: the service CIDR is set to 172.20.0.0/16", r.id),
        &format!("The cluster's service CIDR {why}; AKS needs a literal range and a DNS service IP inside it."),
        "The managed cluster uses 172.20.0.0/16 (one of EKS's default ranges) with the DNS service at 172.20.0.10.",
        "Change both if the range overlaps the virtual network or networks peered with it.",
    );
    out.push(("serviceCidr", AzExpr::str("172.20.0.0/16")));
    out.push(("dnsServiceIP", AzExpr::str("172.20.0.10")));
}

/// The tenth address of an IPv4 CIDR (the DNS service IP EKS uses too).
fn dns_ip(cidr: &str) -> Option<String> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 28)?;
    let octets: Vec<u32> = addr
        .split('.')
        .map(|o| o.parse::<u32>().ok().filter(|v| *v < 256))
        .collect::<Option<Vec<_>>>()?;
    let [a, b, c, d] = octets.as_slice() else {
        return None;
    };
    let ip = (a << 24) | (b << 16) | (c << 8) | d;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let n = (ip & mask).checked_add(10)?;
    Some(format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    ))
}

/// `apiServerAccessProfile`: a private cluster when the public endpoint is off, the
/// public CIDRs as authorized IP ranges.
fn api_access(cx: &mut Ctx, i: usize) -> Option<AzExpr> {
    let r = cx.t.resources[i].clone();
    let vpc = r.properties.get("ResourcesVpcConfig").cloned()?;
    let public = vpc.get("EndpointPublicAccess").cloned();
    let private = vpc.get("EndpointPrivateAccess").cloned();
    let mut out = Vec::new();
    let mut public_if: Option<AzExpr> = None;
    match public.as_ref().map(|p| p.literal_bool()) {
        Some(Some(false)) => {
            out.push(("enablePrivateCluster", AzExpr::Bool(true)));
            cx.decide(
                "aks-private-cluster",
                Some((&r.id, r.span)),
                &format!("{}: the API server is private", r.id),
                "The cluster's public endpoint is off: the API server is reached from the VPC only.",
                "The managed cluster is a private cluster: its API server has a private endpoint in the node subnet's virtual network and a private DNS zone AKS manages.",
                "Administration (kubectl, pipelines) must run from the virtual network or a peered one, or through `az aks command invoke`.",
            );
        }
        Some(None) => {
            let v = coerce(cx.tr(public.as_ref()?), "bool");
            out.push(("enablePrivateCluster", AzExpr::Not(Box::new(v.clone()))));
            public_if = Some(v);
        }
        _ => {
            if private.as_ref().and_then(|p| p.literal_bool()) == Some(true) {
                cx.decide(
                    "aks-private-access",
                    Some((&r.id, r.span)),
                    &format!("{}: nodes reach the API server over its public endpoint", r.id),
                    "The cluster has both a public and a private endpoint; EKS nodes used the private one.",
                    "The managed cluster keeps a public API server; AKS nodes reach it through the cluster's tunnel.",
                    "Enable API server VNet integration (`apiServerAccessProfile.enableVnetIntegration` with a delegated subnet) to keep node traffic in the virtual network.",
                );
            }
        }
    }
    let private = public.as_ref().and_then(|p| p.literal_bool()) == Some(false);
    // A private cluster takes no authorized IP ranges.
    if let Some(cidrs) = vpc.get("PublicAccessCidrs").filter(|_| !private) {
        match cidrs.as_list() {
            Some(l) => {
                let open = l
                    .iter()
                    .any(|c| c.literal_text().as_deref() == Some("0.0.0.0/0"));
                if !open && !l.is_empty() {
                    let v: Vec<AzExpr> = l.iter().map(|c| cx.tr(c)).collect();
                    out.push(("authorizedIPRanges", AzExpr::Array(v)));
                }
            }
            None => {
                let v = cx.tr(cidrs);
                let v = match public_if {
                    Some(public) => {
                        AzExpr::Cond(Box::new(public), Box::new(v), Box::new(AzExpr::Null))
                    }
                    None => v,
                };
                out.push(("authorizedIPRanges", v));
                cx.decide(
                    "aks-authorized-ranges",
                    Some((&r.id, r.span)),
                    &format!("{}: the public CIDRs become authorized IP ranges", r.id),
                    "The CIDRs allowed to reach the public endpoint are supplied at deployment.",
                    "They become the API server's authorized IP ranges (when the endpoint is public; a private cluster takes none).",
                    "AKS treats an empty list as open; EKS's default `0.0.0.0/0` is best passed as an empty list, and node egress IPs need not be listed.",
                );
            }
        }
    }
    (!out.is_empty()).then(|| AzExpr::obj(out))
}

/// The CSI drivers: Disk and Files on (AKS's default), the snapshot controller too.
fn storage_profile() -> AzExpr {
    AzExpr::obj(vec![
        (
            "diskCSIDriver",
            AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
        ),
        (
            "fileCSIDriver",
            AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
        ),
        (
            "snapshotController",
            AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
        ),
    ])
}

/// The OIDC issuer URL of the cluster resource `i` (a pod identity association) names.
pub fn aks_issuer(cx: &mut Ctx, i: usize) -> AzExpr {
    match cluster_of(cx, i) {
        Some(c) => cx.reference_expr(c, "{sym}.properties.oidcIssuerProfile.issuerURL"),
        None => {
            let (id, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
            let p = cx.param_for("aks-oidc-issuer-url", "string", |p| {
                p.description = Some(
                    "OIDC issuer URL of the AKS cluster (az aks show --query oidcIssuerProfile.issuerUrl)."
                        .into(),
                );
                p.required_reason = Some("the cluster is outside the template".into());
            });
            cx.decide(
                "aks-issuer-external",
                Some((&id, span)),
                &format!("{id}: the cluster's OIDC issuer is a parameter"),
                "The association names a cluster this template does not declare.",
                &format!(
                    "The federated credential trusts the issuer given in the parameter `{p}`."
                ),
                "Supply the issuer URL of the AKS cluster the workload runs in.",
            );
            AzExpr::ident(p)
        }
    }
}

/// Role assignments on the cluster for access entries; the cluster's identity's
/// Network Contributor on the node subnets' virtual network.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.plays(i, PASS, "access-entry") && cx.prepared[i].entry.is_some() {
            access_entry(cx, i);
        }
        if cx.plays(i, PASS, "cluster") && cx.prepared[i].entry.is_some() {
            network_contributor(cx, i);
            kms_access(cx, i);
        }
        if cx.plays(i, "grants", "role") && cx.prepared[i].entry.is_some() {
            service_account_roles(cx, i);
        }
    }
}

/// The KMS key of the template (one that became a Key Vault key) a cluster's
/// `EncryptionConfig` names.
fn kms_key(cx: &Ctx, i: usize) -> Option<usize> {
    let enc = cx.t.resources[i].properties.get("EncryptionConfig")?;
    let first = match enc.as_list() {
        Some(l) => l.first()?,
        None => enc,
    };
    let k = cx.referenced_resource(first.path("Provider.KeyArn")?)?;
    (cx.t.resources[k].for_each.is_none()
        && cx.prepared[k].entry.as_ref().is_some_and(|e| {
            e.resources
                .iter()
                .any(|r| r.ty == "Microsoft.KeyVault/vaults/keys")
        }))
    .then_some(k)
}

/// The federated principal, condition subjects and audiences of the trust statements
/// of role `i` that trust an OIDC provider of the template (IRSA).
fn web_identity_statements(cx: &Ctx, i: usize) -> Vec<(usize, Vec<(String, bool)>)> {
    let Some(doc) = cx.t.resources[i].properties.get("AssumeRolePolicyDocument") else {
        return Vec::new();
    };
    let statements: Vec<&Expr> = match doc.get("Statement") {
        Some(st) => match st.as_list() {
            Some(l) => l.iter().collect(),
            None => vec![st],
        },
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for st in statements {
        let federated: Vec<&Expr> = match st.path("Principal.Federated") {
            Some(f) => match f.as_list() {
                Some(l) => l.iter().collect(),
                None => vec![f],
            },
            None => continue,
        };
        let Some(p) = federated
            .iter()
            .filter_map(|f| cx.referenced_resource(f))
            .find(|p| cx.plays(*p, PASS, "oidc-provider"))
        else {
            continue;
        };
        let mut subjects = Vec::new();
        if let Some(ExprKind::Object(tests)) = st.get("Condition").map(|c| &c.kind) {
            for (test, _, cond) in tests {
                let ExprKind::Object(keys) = &cond.kind else {
                    continue;
                };
                for (key, _, v) in keys {
                    if !key.ends_with(":sub") {
                        continue;
                    }
                    let values: Vec<&Expr> = match v.as_list() {
                        Some(l) => l.iter().collect(),
                        None => vec![v],
                    };
                    for v in values {
                        if let Some(text) = cx.literal_text(v) {
                            subjects.push((text, test.starts_with("StringLike")));
                        }
                    }
                }
            }
        }
        out.push((p, subjects));
    }
    out
}

/// IRSA: a role that trusts the cluster's OIDC provider for service accounts gets a
/// federated identity credential per service account on its managed identity.
fn service_account_roles(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let statements = web_identity_statements(cx, i);
    if statements.is_empty() || r.for_each.is_some() {
        return;
    }
    let AzExpr::Ident(role_sym) = cx.reference_expr(i, "{sym}") else {
        return;
    };
    if !cx.module.resources.iter().any(|x| x.symbol == role_sym) {
        return;
    }
    let mut made = Vec::new();
    let mut skipped = Vec::new();
    for (p, subjects) in statements {
        // The provider's URL is the cluster's issuer.
        let cluster = cx.t.resources[p]
            .properties
            .get("Url")
            .and_then(|u| cx.referenced_resource(u))
            .filter(|c| cx.plays(*c, PASS, "cluster"));
        let Some(c) = cluster else {
            skipped.push(format!(
                "the provider {} is not the issuer of a cluster of the template",
                cx.t.report_name(&cx.t.resources[p].id)
            ));
            continue;
        };
        if subjects.is_empty() {
            skipped.push("the trust names no service account (`…:sub` condition)".into());
        }
        for (subject, like) in subjects {
            if like && subject.contains(['*', '?']) {
                skipped.push(format!("`{subject}` is a pattern"));
                continue;
            }
            let Some(rest) = subject.strip_prefix("system:serviceaccount:") else {
                skipped.push(format!("`{subject}` is not a service account"));
                continue;
            };
            let name: String = kebab(&rest.replace(':', "-"))
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(120)
                .collect();
            let name = if name.len() < 3 {
                format!("sa-{name}")
            } else {
                name
            };
            let issuer = cx.reference_expr(c, "{sym}.properties.oidcIssuerProfile.issuerURL");
            let sym = cx.syms.alloc(&format!(
                "{role_sym}{}",
                crate::names::capital(&crate::names::camel_from_words(&name))
            ));
            let condition = cx.joint_condition(i, c);
            let comment = format!(
                "Workload identity for the service account {rest} (the IRSA trust of {}).",
                cx.t.report_name(&r.id)
            );
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
                    .into(),
                api: "2024-11-30".into(),
                parent: Some(role_sym.clone()),
                name: AzExpr::Str(name),
                condition,
                comments: vec![comment],
                body: vec![(
                    "properties".into(),
                    AzExpr::obj(vec![
                        ("issuer", issuer),
                        ("subject", AzExpr::Str(subject.clone())),
                        (
                            "audiences",
                            AzExpr::Array(vec![AzExpr::str("api://AzureADTokenExchange")]),
                        ),
                    ]),
                )],
                source: r.id.clone(),
                ..Default::default()
            });
            if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
                rep.azure.push((
                    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
                        .into(),
                    sym,
                ));
            }
            made.push(rest.to_string());
        }
    }
    let name = cx.t.report_name(&r.id);
    if !made.is_empty() {
        cx.decide_later(
            i,
            "aks-irsa",
            &format!("{}: IAM roles for service accounts become workload identity", r.id),
            "The role trusts the cluster's OIDC provider (IRSA): pods of the service accounts its trust policy names assume it with their projected token.",
            &format!("{name}'s managed identity gets a federated identity credential per service account ({}), trusting the AKS cluster's OIDC issuer.", made.join(", ")),
            "Replace the service accounts' `eks.amazonaws.com/role-arn` annotation with `azure.workload.identity/client-id: <the identity's client id>` and label the pods `azure.workload.identity/use: \"true\"`.",
            None,
        );
    }
    if !skipped.is_empty() {
        cx.decide_later(
            i,
            "aks-irsa-manual",
            &format!("{}: part of the web identity trust is not translated", r.id),
            &format!("The role trusts an OIDC provider, but {}.", skipped.join("; ")),
            "No federated identity credential is created for it.",
            "Add a federated identity credential per service account (an exact subject) to the role's managed identity by hand.",
            Some("partial"),
        );
    }
}

/// The built-in role the access table gives for `key` (`AWS::EC2::VPC:network`: the
/// role AKS needs on a virtual network it does not own).
fn builtin_role(cx: &Ctx, key: &str) -> Option<String> {
    cx.tables.lookup_str("access-roles", key, "role")
}

/// The virtual network of the node subnets of cluster `c`, when in the template.
fn vnet_of(cx: &Ctx, c: usize) -> Option<usize> {
    let subnet = system_group(cx, c)
        .and_then(|g| cx.t.resources[g].properties.get("Subnets").cloned())
        .or_else(|| {
            cx.t.resources[c]
                .properties
                .path("ResourcesVpcConfig.SubnetIds")
                .cloned()
        })?;
    let first = subnet.as_list()?.first()?.clone();
    let s = cx.referenced_resource(&first)?;
    let vpc = cx.t.resources[s].properties.get("VpcId")?;
    let v = cx.referenced_resource(vpc)?;
    cx.prepared[v]
        .entry
        .as_ref()
        .is_some_and(|e| !e.resources.is_empty())
        .then_some(v)
}

fn network_contributor(cx: &mut Ctx, c: usize) {
    let r = cx.t.resources[c].clone();
    if r.for_each.is_some()
        || cx.prepared[c]
            .entry
            .as_ref()
            .is_none_or(|e| e.resources.is_empty())
    {
        return;
    }
    let Some(v) = vnet_of(cx, c) else {
        return;
    };
    if !cx
        .module
        .resources
        .iter()
        .any(|x| x.source == r.id && x.ty == "Microsoft.ContainerService/managedClusters")
    {
        return;
    }
    let cluster = cx.reference_expr(c, "{sym}");
    let vnet = cx.reference_expr(v, "{sym}");
    let (principal, principal_sym) = match role_of(cx, c) {
        Some(j) => (
            cx.reference_expr(j, "{sym}.properties.principalId"),
            cx.reference_expr(j, "{sym}"),
        ),
        None => (
            cx.reference_expr(c, "{sym}.identity.principalId"),
            cluster.clone(),
        ),
    };
    let (AzExpr::Ident(csym), AzExpr::Ident(_), AzExpr::Ident(psym)) =
        (&cluster, &vnet, &principal_sym)
    else {
        return;
    };
    let Some(role) = builtin_role(cx, "AWS::EC2::VPC:network") else {
        return;
    };
    let sym = cx.syms.alloc(&format!("{csym}NetworkContributor"));
    let condition = cx.joint_condition(c, v);
    let mut assignment = super::access::builtin_assignment(
        sym.clone(),
        vnet.clone(),
        AzExpr::path(psym, "id"),
        &role,
        principal,
        format!(
            "Network Contributor for the identity of {} on the virtual network of its node subnets (AKS joins nodes and load balancers to them).",
            cx.t.report_name(&r.id)
        ),
        r.id.clone(),
    );
    assignment.condition = condition;
    // AKS checks the identity's access to the subnet when it creates the cluster.
    push_cluster_assignment(cx, csym, &r.id, assignment);
}

/// Adds a role assignment the cluster `csym` (of resource `id`) needs when it is
/// created: the cluster depends on it, and the report lists it.
fn push_cluster_assignment(cx: &mut Ctx, csym: &str, id: &str, assignment: AzResource) {
    let sym = assignment.symbol.clone();
    cx.module.resources.push(assignment);
    if let Some(res) = cx
        .module
        .resources
        .iter_mut()
        .find(|x| x.symbol == csym && x.ty == "Microsoft.ContainerService/managedClusters")
        && !res.depends_on.contains(&sym)
    {
        res.depends_on.push(sym.clone());
    }
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.azure
            .push((crate::azure::types::ROLE_ASSIGNMENT.ty.into(), sym));
    }
}

/// Key Vault Crypto User for the cluster's identity on the vault of its KMS key.
fn kms_access(cx: &mut Ctx, c: usize) {
    let r = cx.t.resources[c].clone();
    let (Some(k), Some(j)) = (kms_key(cx, c), role_of(cx, c)) else {
        return;
    };
    if r.for_each.is_some() {
        return;
    }
    let (AzExpr::Ident(csym), AzExpr::Ident(ksym), AzExpr::Ident(psym)) = (
        cx.reference_expr(c, "{sym}"),
        cx.reference_expr(k, "{sym}"),
        cx.reference_expr(j, "{sym}"),
    ) else {
        return;
    };
    let Some(vault) = cx
        .module
        .resources
        .iter()
        .find(|x| x.symbol == ksym)
        .and_then(|x| x.parent.clone())
    else {
        return;
    };
    let principal = cx.reference_expr(j, "{sym}.properties.principalId");
    let Some(role) = builtin_role(cx, "AWS::KMS::Key:crypto") else {
        return;
    };
    let sym = cx.syms.alloc(&format!("{csym}KeyVaultCryptoUser"));
    let condition = cx.joint_condition(c, k);
    let mut assignment = super::access::builtin_assignment(
        sym.clone(),
        AzExpr::ident(&vault),
        AzExpr::path(&psym, "id"),
        &role,
        principal,
        format!(
            "Key Vault Crypto User for the identity of {} on the vault of its KMS key (etcd encryption).",
            cx.t.report_name(&r.id)
        ),
        r.id.clone(),
    );
    assignment.condition = condition;
    push_cluster_assignment(cx, &csym, &r.id, assignment);
}

/// The role assignments of an access entry's policies on its cluster.
fn access_entry(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    if let Some(ty) = p.get("Type").and_then(|t| node_type(cx, t)) {
        cx.decide_later(
            i,
            "aks-access-node",
            &format!("{}: node access entries are not needed", r.id),
            &format!("The access entry (type {ty}) lets nodes or Fargate pods of a role join the cluster."),
            "AKS nodes join their cluster with the kubelet identity AKS manages; nothing is generated.",
            "None.",
            None,
        );
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
            rep.status = "not-needed".into();
        }
        return;
    }
    if p.get("KubernetesGroups").is_some() {
        cx.decide_later(
            i,
            "aks-access-groups",
            &format!("{}: Kubernetes group bindings are not carried over", r.id),
            "The access entry puts the principal in Kubernetes groups that RBAC role bindings in the cluster name.",
            "Azure RBAC for Kubernetes authorizes by role assignment; Kubernetes groups of a managed identity are not set.",
            "Rewrite the RoleBindings to name the identity's object id (or an Entra group holding it) as subject.",
            Some("partial"),
        );
    }
    let mut policies: Vec<Expr> = p
        .get("AccessPolicies")
        .and_then(|l| l.as_list())
        .map(|l| l.to_vec())
        .unwrap_or_default();
    // A Terraform policy association: its one policy on the entry itself.
    if p.get("PolicyArn").is_some() {
        policies.push(p.clone());
    }
    let principal = p
        .get("PrincipalArn")
        .and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, "grants", "role"));
    let cluster = cluster_of(cx, i);
    let repeated = r.for_each.is_some()
        || principal.is_some_and(|j| cx.t.resources[j].for_each.is_some())
        || cluster.is_some_and(|c| cx.t.resources[c].for_each.is_some());
    let (Some(j), Some(c), false) = (principal, cluster, repeated) else {
        cx.decide_later(
            i,
            "aks-access-principal",
            &format!("{}: the access entry is not translated", r.id),
            "The access entry names a principal or a cluster this template does not declare (a user, an SSO role, a variable), or is repeated with for_each.",
            "No role assignment is generated.",
            "Assign the principal's Entra ID counterpart an AKS RBAC role (Azure Kubernetes Service RBAC Cluster Admin, Admin, Writer or Reader) on the cluster by hand.",
            Some("manual"),
        );
        return;
    };
    if policies.is_empty() && p.get("KubernetesGroups").is_none() {
        if associated(cx, i) {
            return;
        }
        cx.decide_later(
            i,
            "aks-access-no-policy",
            &format!("{}: the access entry grants no access policy", r.id),
            "The access entry lets the principal authenticate but associates no access policy in this template.",
            "No role assignment is generated.",
            "Assign the identity an AKS RBAC role if the principal needed access.",
            Some("partial"),
        );
        return;
    }
    let cluster_sym = cx.reference_expr(c, "{sym}");
    let principal_id = cx.reference_expr(j, "{sym}.properties.principalId");
    let psym = cx.reference_expr(j, "{sym}");
    let (AzExpr::Ident(csym), AzExpr::Ident(psym)) = (&cluster_sym, &psym) else {
        return;
    };
    let (csym, psym) = (csym.clone(), psym.clone());
    for pol in &policies {
        let name = pol
            .get("PolicyArn")
            .and_then(|a| cx.literal_text(a))
            .map(|a| a.rsplit('/').next().unwrap_or(&a).to_string());
        let role = name.as_deref().and_then(|n| {
            Some((
                cx.tables.lookup_str("eks-access-policies", n, "role")?,
                cx.tables
                    .lookup_str("eks-access-policies", n, "name")
                    .unwrap_or_default(),
            ))
        });
        let Some((role_id, role_name)) = role else {
            cx.decide_later(
                i,
                "aks-access-policy-unmapped",
                &format!("{}: an access policy has no AKS role", r.id),
                &format!(
                    "The access policy {} is not in mappings/tables/eks-access-policies.yaml (or is computed).",
                    name.as_deref().unwrap_or("(computed)")
                ),
                "No role assignment is generated for it.",
                "Choose an AKS RBAC role (or a custom role) for the principal by hand.",
                Some("partial"),
            );
            continue;
        };
        if pol
            .path("AccessScope.Type")
            .and_then(|t| t.literal_text())
            .is_some_and(|t| t.eq_ignore_ascii_case("namespace"))
        {
            cx.decide_later(
                i,
                "aks-access-namespace",
                &format!("{}: a namespace-scoped policy is assigned on the cluster", r.id),
                "The access policy applies to some namespaces only.",
                "The role assignment is scoped to the whole cluster.",
                "Narrow it by hand: scope the role assignment to `<cluster id>/namespaces/<namespace>` for each namespace.",
                Some("partial"),
            );
        }
        let sym = cx.syms.alloc(&format!(
            "{psym}{}",
            crate::names::capital(&lower_words(&role_name))
        ));
        let condition = cx.joint_condition(i, c);
        let comment = format!(
            "{role_name} for {} on {} (access entry {}).",
            cx.t.report_name(&cx.t.resources[j].id),
            cx.t.report_name(&cx.t.resources[c].id),
            cx.t.report_name(&r.id)
        );
        let mut assignment = super::access::builtin_assignment(
            sym.clone(),
            AzExpr::ident(&csym),
            AzExpr::path(&psym, "id"),
            &role_id,
            principal_id.clone(),
            comment,
            r.id.clone(),
        );
        assignment.condition = condition;
        cx.module.resources.push(assignment);
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
            rep.azure
                .push((crate::azure::types::ROLE_ASSIGNMENT.ty.into(), sym));
        }
    }
}

/// The type of a node access entry (`EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`,
/// `HYBRID_LINUX`): a literal, a conditional whose branches all are, or a variable
/// defaulting to one. `None` for a standard entry or a computed type.
fn node_type(cx: &Ctx, t: &Expr) -> Option<String> {
    let mut choices = Vec::new();
    let mut stack = vec![t];
    while let Some(e) = stack.pop() {
        if choices.len() > 8 {
            return None;
        }
        match &e.kind {
            ExprKind::Cond(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::If { then, other, .. } => {
                stack.push(then);
                stack.push(other);
            }
            ExprKind::Ref(name) => {
                stack.push(cx.t.parameter(name)?.default.as_ref()?);
            }
            _ => choices.push(cx.literal_text(e)?),
        }
    }
    choices.sort();
    choices.dedup();
    (!choices.is_empty() && choices.iter().all(|c| c != "STANDARD")).then(|| choices.join(" or "))
}

/// Does another access entry of the template (a Terraform policy association) grant a
/// policy to the principal of entry `i` on the same cluster?
fn associated(cx: &Ctx, i: usize) -> bool {
    let p = &cx.t.resources[i].properties;
    let key = |e: &Expr| {
        cx.referenced_resource(e)
            .map(|j| cx.t.resources[j].id.clone())
            .or_else(|| e.literal_text())
    };
    let principal = p.get("PrincipalArn").and_then(key);
    let cluster = p.get("ClusterName").and_then(key);
    principal.is_some()
        && (0..cx.t.resources.len()).any(|k| {
            let q = &cx.t.resources[k].properties;
            k != i
                && cx.plays(k, PASS, "access-entry")
                && q.get("PolicyArn").is_some()
                && q.get("PrincipalArn").and_then(key) == principal
                && q.get("ClusterName").and_then(key) == cluster
        })
}

/// `Azure Kubernetes Service RBAC Cluster Admin` → `ClusterAdmin` (the words after RBAC).
fn lower_words(role_name: &str) -> String {
    role_name
        .rsplit("RBAC ")
        .next()
        .unwrap_or(role_name)
        .split_whitespace()
        .map(crate::names::capital)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{dns_ip, lower_words, pool_name};

    #[test]
    fn names_and_addresses() {
        assert_eq!(pool_name("general-purpose", false), "generalpurpo");
        assert_eq!(pool_name("1win-nodes", true), "winnod");
        assert_eq!(pool_name("--", false), "pool");
        assert_eq!(dns_ip("10.100.0.0/16").as_deref(), Some("10.100.0.10"));
        assert_eq!(dns_ip("172.20.5.0/24").as_deref(), Some("172.20.5.10"));
        assert_eq!(dns_ip("fd00::/108"), None);
        assert_eq!(
            lower_words("Azure Kubernetes Service RBAC Cluster Admin"),
            "ClusterAdmin"
        );
    }
}
