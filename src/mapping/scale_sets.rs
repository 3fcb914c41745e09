//! Auto Scaling groups → Virtual Machine Scale Sets (Flexible orchestration), with an
//! autoscale setting for their scaling policies and scheduled actions.
//!
//! A group launches instances from a launch configuration or a launch template; the
//! scale set carries those settings in its `virtualMachineProfile`: size, image, OS
//! profile (user data becomes custom data), identity, and one network interface
//! configuration in the group's first subnet, with the NSG of the first security group
//! (Azure filters a scale set's VMs at their NICs, as it does a VM's). Policies and
//! scheduled actions name the group; the group's autoscale setting reads them:
//! target tracking on CPU → a pair of metric rules, simple and step policies → the
//! rule of the CloudWatch alarm that triggers them, schedules → recurrence profiles.
//! The resources play roles in the `scale-sets` pass: `group`, `launch`, `policy`,
//! `schedule`, `alarm`.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::context::Ctx;
use crate::azure::{AzExpr, coerce};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;

const PASS: &str = "scale-sets";

/// The launch settings keys the scale set reads.
const LAUNCH_KEYS: &[&str] = &[
    "ImageId",
    "InstanceType",
    "KeyName",
    "UserData",
    "SecurityGroups",
    "SecurityGroupIds",
    "IamInstanceProfile",
    "BlockDeviceMappings",
    "AssociatePublicIpAddress",
    "NetworkInterfaces",
];

/// The launch settings of group `i`: the launch configuration's properties or the
/// launch template's `LaunchTemplateData`, and the resource they come from.
pub(super) fn launch(cx: &Ctx, i: usize) -> Option<(usize, Expr)> {
    let p = &cx.t.resources[i].properties;
    if let Some(j) = p
        .get("LaunchConfigurationName")
        .and_then(|lc| cx.referenced_resource(lc))
        .filter(|j| cx.plays(*j, PASS, "launch"))
    {
        return Some((j, cx.t.resources[j].properties.clone()));
    }
    let spec = p
        .get("LaunchTemplate")
        .or_else(|| p.path("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification"))?;
    let j = spec
        .get("LaunchTemplateId")
        .or_else(|| spec.get("LaunchTemplateName"))
        .and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, PASS, "launch"))?;
    let data = cx.t.resources[j].properties.get("LaunchTemplateData")?;
    Some((j, data.clone()))
}

/// Is group `i` the container instances of an ECS cluster (its launch settings' user
/// data joins a cluster: `ECS_CLUSTER=` or a reference to a cluster of the template)?
/// Container Apps replaces that capacity: the group becomes nothing, with a decision.
fn ecs_capacity(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> bool {
    let Some((_, settings)) = launch(cx, i) else {
        return false;
    };
    let Some(user_data) = settings.get("UserData") else {
        return false;
    };
    let mut joins = false;
    user_data.walk(&mut |e| {
        if let Some(j) = cx.referenced_resource(e)
            && cx.plays(j, "containers", "cluster")
        {
            joins = true;
        }
        if let Some(t) = e.literal_text()
            && (t.contains("ECS_CLUSTER=") || t.contains("/etc/ecs/ecs.config"))
        {
            joins = true;
        }
        if let ExprKind::Sub(parts) = &e.kind {
            for p in parts {
                if let crate::model::expr::SubPart::Lit(l) = p
                    && (l.contains("ECS_CLUSTER=") || l.contains("/etc/ecs/ecs.config"))
                {
                    joins = true;
                }
            }
        }
    });
    if !joins {
        return false;
    }
    let r = cx.t.resources[i].clone();
    // Nothing of the group is carried over, by design.
    if let ExprKind::Object(m) = &r.properties.kind {
        consumed.extend(m.iter().map(|(k, _, _)| k.clone()));
    }
    cx.decide(
        "ecs-container-instances",
        Some((&r.id, r.span)),
        &format!("{}: the ECS container instances are not needed", r.id),
        "The group launches EC2 instances that join an ECS cluster (their user data sets `ECS_CLUSTER`): capacity on which ECS placed the cluster's tasks.",
        "No scale set is created: the cluster's services run as container apps on the Container Apps environment's Consumption workload profile, which provides the capacity.",
        "Remove the instances' AMI, key pair and launch settings from the migration; choose a dedicated workload profile if the tasks needed particular hardware.",
    );
    cx.folded = true;
    cx.folded_status = Some("not-needed".into());
    true
}

fn consume_launch(consumed: &mut BTreeSet<String>) {
    for k in [
        "LaunchConfigurationName",
        "LaunchTemplate",
        "MixedInstancesPolicy",
    ] {
        consumed.insert(k.into());
    }
}

/// `sku`: the VM size of the launch settings' instance type, and the capacity
/// (`DesiredCapacity`, else `MinSize`). `None` when the launch settings are not in
/// the template.
pub fn vmss_sku(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consume_launch(consumed);
    if ecs_capacity(cx, i, consumed) {
        return None;
    }
    consumed.insert("DesiredCapacity".into());
    let Some((_, settings)) = launch(cx, i) else {
        let r = cx.t.resources[i].clone();
        cx.decide(
            "vmss-launch-unresolved",
            Some((&r.id, r.span)),
            &format!("{}: the group's launch settings are not in this template", r.id),
            "The scale set's VM profile comes from the group's launch configuration or launch template; this group names one outside the template (a parameter, a data source) or through a computed or conditional reference.",
            "No scale set is created.",
            "Convert the template that declares the launch settings together with this one, or write the scale set's VM profile by hand.",
        );
        return None;
    };
    let size = match settings.get("InstanceType") {
        Some(ty) => {
            let mut args = serde_yaml::Mapping::new();
            args.insert("table".into(), "ec2-instance-types".into());
            args.insert("field".into(), "vm_size".into());
            args.insert("default".into(), "Standard_D2s_v5".into());
            super::transforms::lookup(cx, i, ty, &Value::Mapping(args))
        }
        None => None,
    }
    .unwrap_or_else(|| AzExpr::str("Standard_D2s_v5"));
    let p = cx.t.resources[i].properties.clone();
    let capacity = p
        .get("DesiredCapacity")
        .or_else(|| p.get("MinSize"))
        .map(|c| capacity_int(cx, c))
        .unwrap_or(AzExpr::Int(1));
    Some(AzExpr::obj(vec![
        ("name", size),
        ("tier", AzExpr::str("Standard")),
        ("capacity", capacity),
    ]))
}

/// A capacity (a number, or a string parameter) as an integer.
fn capacity_int(cx: &mut Ctx, c: &Expr) -> AzExpr {
    match c.literal_i64() {
        Some(n) => AzExpr::Int(n),
        None => coerce(cx.tr(c), "int"),
    }
}

/// A capacity as the string an autoscale profile takes.
fn capacity_str(cx: &mut Ctx, c: &Expr) -> AzExpr {
    match c.literal_i64() {
        Some(n) => AzExpr::Str(n.to_string()),
        None => match cx.tr(c) {
            s @ AzExpr::Str(_) => s,
            e => AzExpr::call("string", vec![e]),
        },
    }
}

/// `identity`: the user-assigned identity of the launch settings' instance profile.
pub fn vmss_identity(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consume_launch(consumed);
    if ecs_capacity(cx, i, consumed) {
        return None;
    }
    let (_, settings) = launch(cx, i)?;
    let profile = settings.get("IamInstanceProfile")?.clone();
    super::compute::identity_from(cx, i, Some(&profile))
}

/// `virtualMachineProfile`: image, OS disk, OS profile, the network interface
/// configuration and boot diagnostics, from the launch settings.
pub fn vmss_profile(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consume_launch(consumed);
    if ecs_capacity(cx, i, consumed) {
        return None;
    }
    consumed.insert("VPCZoneIdentifier".into());
    consumed.insert("AvailabilityZones".into());
    let (j, settings) = launch(cx, i)?;
    let image = super::compute::image_from(cx, i, settings.get("ImageId").cloned());
    let mut os_disk = vec![
        ("caching", AzExpr::str("ReadWrite")),
        ("createOption", AzExpr::str("FromImage")),
        ("deleteOption", AzExpr::str("Delete")),
    ];
    if let Some(gb) = settings
        .get("BlockDeviceMappings")
        .and_then(|b| super::compute::root_disk_gb(cx, b))
    {
        os_disk.push(("diskSizeGB", gb));
    }
    os_disk.push((
        "managedDisk",
        AzExpr::obj(vec![("storageAccountType", AzExpr::str("Premium_LRS"))]),
    ));
    let os = super::compute::os_profile(cx, i, &settings, true);
    let nic = nic_configuration(cx, i, &settings);
    unread_launch_settings(cx, i, j, &settings);
    Some(AzExpr::obj(vec![
        (
            "storageProfile",
            AzExpr::obj(vec![
                ("imageReference", image),
                ("osDisk", AzExpr::obj(os_disk)),
            ]),
        ),
        ("osProfile", os),
        (
            "networkProfile",
            AzExpr::obj(vec![
                ("networkApiVersion", AzExpr::str("2022-11-01")),
                ("networkInterfaceConfigurations", AzExpr::Array(vec![nic])),
            ]),
        ),
        (
            "diagnosticsProfile",
            AzExpr::obj(vec![(
                "bootDiagnostics",
                AzExpr::obj(vec![("enabled", AzExpr::Bool(true))]),
            )]),
        ),
    ]))
}

/// The scale set's one network interface configuration: the group's first subnet
/// (or a subnet parameter when the group used the default VPC), the first security
/// group's NSG, the application security groups other rules name, and a public IP per
/// VM when the launch settings asked for one.
fn nic_configuration(cx: &mut Ctx, i: usize, settings: &Expr) -> AzExpr {
    let r = cx.t.resources[i].clone();
    let first_nic = settings
        .get("NetworkInterfaces")
        .and_then(|n| n.as_list())
        .and_then(|l| l.first().cloned());
    let subnets = r.properties.get("VPCZoneIdentifier");
    let subnet = match subnets {
        Some(s) => first_of(cx, s),
        None => None,
    };
    let subnet = match subnet {
        Some(s) => s,
        None => {
            let p = cx.param_for("subnet-id", "string", |p| {
                p.description = Some("Resource id of the subnet for VMs whose instance named no subnet (EC2 used the default VPC).".into());
                p.required_reason = Some("EC2 instances without a subnet used the default VPC".into());
            });
            cx.decide(
                "default-vpc",
                Some((&r.id, r.span)),
                &format!("{} ran in the default VPC", r.id),
                "The group names no subnet (VPCZoneIdentifier), so EC2 placed its instances in the account's default VPC.",
                &format!("The scale set's network interfaces take their subnet from the parameter `{p}`."),
                "Create or choose a VNet and subnet first.",
            );
            AzExpr::ident(p)
        }
    };
    if subnets
        .and_then(|s| s.as_list())
        .is_some_and(|l| l.len() > 1)
        || subnets.is_some_and(|s| matches!(s.kind, ExprKind::Ref(_)))
    {
        cx.decide(
            "vmss-one-subnet",
            Some((&r.id, r.span)),
            &format!("{}: the scale set uses one subnet", r.id),
            "An Auto Scaling group spreads instances over subnets in several Availability Zones; an Azure subnet spans every zone of the region.",
            "The scale set's VMs are placed in the group's first subnet.",
            "Set `zones` on the scale set (where the region has zones) to spread the VMs across zones as the group spread them across Availability Zones.",
        );
    }
    let mut sgs = super::network::rule_list(settings.get("SecurityGroups"));
    sgs.extend(super::network::rule_list(settings.get("SecurityGroupIds")));
    if let Some(n) = &first_nic {
        sgs.extend(super::network::rule_list(n.get("Groups")));
    }
    let mut ip = vec![
        ("primary", AzExpr::Bool(true)),
        ("subnet", AzExpr::obj(vec![("id", subnet)])),
    ];
    let asgs = super::network::application_security_groups(cx, &sgs);
    if !asgs.is_empty() {
        ip.push(("applicationSecurityGroups", AzExpr::Array(asgs)));
    }
    // Target groups of balancers that become Application Gateways: their backend pools.
    let pools: Vec<AzExpr> = super::network::rule_list(r.properties.get("TargetGroupARNs"))
        .iter()
        .filter_map(|tg| super::gateways::pool_of(cx, tg))
        .collect();
    if !pools.is_empty() {
        ip.push((
            "applicationGatewayBackendAddressPools",
            AzExpr::Array(pools),
        ));
    }
    let lb_pools: Vec<AzExpr> = super::network::rule_list(r.properties.get("TargetGroupARNs"))
        .iter()
        .filter_map(|tg| super::gateways::lb_pool_of(cx, tg))
        .collect();
    let lb_pools: Vec<AzExpr> = lb_pools
        .into_iter()
        .chain(
            super::network::rule_list(r.properties.get("LoadBalancerNames"))
                .iter()
                .filter_map(|n| super::classic_elb::pool_of(cx, n)),
        )
        .collect();
    if !lb_pools.is_empty() {
        ip.push(("loadBalancerBackendAddressPools", AzExpr::Array(lb_pools)));
    }
    let public = settings
        .get("AssociatePublicIpAddress")
        .or_else(|| {
            first_nic
                .as_ref()
                .and_then(|n| n.get("AssociatePublicIpAddress"))
        })
        .and_then(|a| a.literal_bool())
        .unwrap_or(false);
    if public {
        ip.push((
            "publicIPAddressConfiguration",
            AzExpr::obj(vec![
                ("name", AzExpr::str("public-ip")),
                (
                    "sku",
                    AzExpr::obj(vec![
                        ("name", AzExpr::str("Standard")),
                        ("tier", AzExpr::str("Regional")),
                    ]),
                ),
                ("properties", AzExpr::obj(vec![])),
            ]),
        ));
    }
    let mut props = vec![
        ("primary", AzExpr::Bool(true)),
        ("deleteOption", AzExpr::str("Delete")),
    ];
    if let Some(nsg) = sgs.first().and_then(|g| nsg_of(cx, g)) {
        props.push(("networkSecurityGroup", AzExpr::obj(vec![("id", nsg)])));
    }
    if sgs.len() > 1 {
        cx.decide(
            "vmss-first-group",
            Some((&r.id, r.span)),
            &format!(
                "{}: the first security group's NSG is on the network interfaces",
                r.id
            ),
            "The launch settings name several security groups; a network interface takes one NSG.",
            "The scale set's network interfaces carry the NSG of the first group.",
            "Merge the other groups' rules into that NSG (or onto the subnet's NSG).",
        );
    }
    props.push((
        "ipConfigurations",
        AzExpr::Array(vec![AzExpr::obj(vec![
            ("name", AzExpr::str("ipconfig1")),
            ("properties", AzExpr::obj(ip)),
        ])]),
    ));
    AzExpr::obj(vec![
        ("name", AzExpr::Str(format!("nic-{}", kebab(&r.id)))),
        ("properties", AzExpr::obj(props)),
    ])
}

/// The first subnet of a list (a literal list, or a list parameter) as an id.
fn first_of(cx: &mut Ctx, subnets: &Expr) -> Option<AzExpr> {
    let first = match subnets.as_list() {
        Some(l) => l.first()?.clone(),
        None => {
            let v = cx.tr(subnets);
            let list = match subnets.kind {
                // A CommaDelimitedList or List<…> parameter.
                ExprKind::Ref(_) => v,
                _ => return Some(v),
            };
            return Some(AzExpr::Index(Box::new(list), Box::new(AzExpr::Int(0))));
        }
    };
    Some(id_of(cx, &first))
}

/// The id of the Azure resource a template resource became, or the value itself.
pub(super) fn id_of(cx: &mut Ctx, e: &Expr) -> AzExpr {
    match cx.referenced_resource(e) {
        Some(j)
            if cx.prepared[j]
                .entry
                .as_ref()
                .is_some_and(|x| !x.resources.is_empty()) =>
        {
            cx.reference_expr(j, "{sym}.id")
        }
        _ => cx.tr(e),
    }
}

/// The NSG id of a security group of the template (`None` for a group outside it:
/// a parameter or a literal id names an AWS group).
fn nsg_of(cx: &mut Ctx, g: &Expr) -> Option<AzExpr> {
    let j = cx.referenced_resource(g)?;
    if !cx.plays(j, "security-groups", "group") || cx.prepared[j].entry.is_none() {
        return None;
    }
    Some(cx.reference_expr(j, "{sym}.id"))
}

/// A decision listing the launch template settings the scale set does not carry over
/// (a launch configuration's entry lists its own properties with their reasons).
fn unread_launch_settings(cx: &mut Ctx, i: usize, j: usize, settings: &Expr) {
    if cx.t.resources[j]
        .properties
        .get("LaunchTemplateData")
        .is_none()
    {
        return;
    }
    let ExprKind::Object(entries) = &settings.kind else {
        return;
    };
    let unread: Vec<String> = entries
        .iter()
        .filter(|(k, _, v)| !LAUNCH_KEYS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, _, _)| format!("`{k}`"))
        .collect();
    if unread.is_empty() {
        return;
    }
    let (rid, span) = (cx.t.resources[i].id.clone(), cx.t.resources[i].span);
    let from = cx.t.report_name(&cx.t.resources[j].id);
    cx.decide(
        "vmss-launch-settings",
        Some((&rid, span)),
        &format!("{rid}: launch settings not carried over"),
        &format!("The scale set is built from the launch settings of {from}: size, image, key, user data, security groups, instance profile, root volume, public IP."),
        &format!("Not carried over: {}.", unread.join(", ")),
        "Set the equivalents on the scale set by hand (monitoring: the Azure Monitor agent; metadata options: IMDS has its own endpoint; extra volumes: data disks in the storage profile).",
    );
    cx.floor_status("partial");
}

/// The resources of the template that play `role` in the pass and name group `i`
/// in `AutoScalingGroupName`.
fn of_group(cx: &Ctx, i: usize, role: &str) -> Vec<usize> {
    let id = &cx.t.resources[i].id;
    (0..cx.t.resources.len())
        .filter(|j| cx.plays(*j, PASS, role))
        .filter(|j| {
            cx.t.resources[*j]
                .properties
                .get("AutoScalingGroupName")
                .and_then(|g| cx.referenced_resource(g))
                .is_some_and(|g| cx.t.resources[g].id == *id)
        })
        .collect()
}

/// `properties` of the group's autoscale setting: a default profile with the group's
/// minimum, maximum and desired capacity and the rules of its policies, and one
/// recurrence profile per scheduled action. `None` when no policy or scheduled action
/// names the group (its capacity is fixed, as the group's was).
pub fn autoscale_settings(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("MinSize".into());
    consumed.insert("MaxSize".into());
    if ecs_capacity(cx, i, consumed) {
        return None;
    }
    let policies = of_group(cx, i, "policy");
    let schedules = of_group(cx, i, "schedule");
    let r = cx.t.resources[i].clone();
    if policies.is_empty() && schedules.is_empty() {
        let size = |k: &str| r.properties.get(k).and_then(|x| x.literal_text());
        if size("MinSize").is_none() || size("MinSize") != size("MaxSize") {
            cx.decide(
                "vmss-fixed-capacity",
                Some((&r.id, r.span)),
                &format!("{}: the scale set keeps a fixed capacity", r.id),
                "The group has a minimum and a maximum size but no scaling policy or scheduled action in this template: its capacity stays at the desired count unless something outside the template changes it.",
                "The scale set's capacity is the desired count (or the minimum); no autoscale setting is created.",
                "Add an autoscale setting (Microsoft.Insights/autoscalesettings) if something outside the template scaled the group.",
            );
        }
        return None;
    }
    let vmss = cx.reference_expr(i, "{sym}.id");
    let mut rules = Vec::new();
    for &p in &policies {
        rules.extend(policy_rules(cx, p, &vmss));
    }
    let p = &r.properties;
    let min = p.get("MinSize").map(|c| capacity_str(cx, c));
    let max = p.get("MaxSize").map(|c| capacity_str(cx, c));
    let default = p
        .get("DesiredCapacity")
        .or_else(|| p.get("MinSize"))
        .map(|c| capacity_str(cx, c));
    let capacity = |min: Option<AzExpr>, max: Option<AzExpr>, default: Option<AzExpr>| {
        let min = min.unwrap_or_else(|| AzExpr::str("1"));
        let max = max.unwrap_or_else(|| min.clone());
        let default = default.unwrap_or_else(|| min.clone());
        AzExpr::obj(vec![
            ("minimum", min),
            ("maximum", max),
            ("default", default),
        ])
    };
    let mut profiles = vec![AzExpr::obj(vec![
        ("name", AzExpr::str("default")),
        ("capacity", capacity(min, max, default)),
        ("rules", AzExpr::Array(rules.clone())),
    ])];
    for &s in &schedules {
        if let Some(profile) = schedule_profile(cx, s, &rules) {
            profiles.push(profile);
        }
    }
    Some(AzExpr::obj(vec![
        ("enabled", AzExpr::Bool(true)),
        ("targetResourceUri", vmss),
        ("profiles", AzExpr::Array(profiles)),
    ]))
}

/// The autoscale rules of scaling policy `p`.
fn policy_rules(cx: &mut Ctx, p: usize, vmss: &AzExpr) -> Vec<AzExpr> {
    let r = cx.t.resources[p].clone();
    let props = &r.properties;
    let kind = props
        .get("PolicyType")
        .and_then(|t| t.as_str())
        .unwrap_or("SimpleScaling")
        .to_string();
    let cooldown = props
        .get("Cooldown")
        .or_else(|| props.get("EstimatedInstanceWarmup"))
        .and_then(|c| c.literal_i64())
        .unwrap_or(300);
    match kind.as_str() {
        "TargetTrackingScaling" => {
            let cfg = props.get("TargetTrackingConfiguration");
            let metric = cfg
                .and_then(|c| c.path("PredefinedMetricSpecification.PredefinedMetricType"))
                .and_then(|m| m.as_str());
            let target = cfg
                .and_then(|c| c.get("TargetValue"))
                .and_then(|v| v.literal_text())
                .and_then(|v| v.parse::<f64>().ok());
            match (metric, target) {
                (Some("ASGAverageCPUUtilization"), Some(target)) => {
                    // Target tracking holds the metric near the target: scale out above
                    // it, in well below it (Azure has no target tracking rule).
                    let low = (target * 0.8).floor();
                    vec![
                        metric_rule(
                            vmss,
                            "Percentage CPU",
                            "GreaterThan",
                            target,
                            "Increase",
                            1,
                            cooldown,
                            300,
                        ),
                        metric_rule(
                            vmss,
                            "Percentage CPU",
                            "LessThan",
                            low,
                            "Decrease",
                            1,
                            cooldown.max(300),
                            300,
                        ),
                    ]
                }
                _ => {
                    policy_not_translated(
                        cx,
                        p,
                        "its target tracking metric is not average CPU, or its target is not a literal",
                    );
                    Vec::new()
                }
            }
        }
        "SimpleScaling" | "StepScaling" => {
            let Some((metric, operator, threshold, window)) = alarm_trigger(cx, p) else {
                policy_not_translated(
                    cx,
                    p,
                    "no CloudWatch alarm of the template on the group's CPU triggers it",
                );
                return Vec::new();
            };
            let adjustment = props
                .get("ScalingAdjustment")
                .and_then(|a| a.literal_i64())
                .or_else(|| {
                    props
                        .get("StepAdjustments")
                        .and_then(|s| s.as_list())
                        .and_then(|l| l.first())
                        .and_then(|s| s.get("ScalingAdjustment"))
                        .and_then(|a| a.literal_i64())
                });
            let Some(adjustment) = adjustment.filter(|a| *a != 0) else {
                policy_not_translated(cx, p, "its adjustment is not a literal number");
                return Vec::new();
            };
            let change = props
                .get("AdjustmentType")
                .and_then(|a| a.as_str())
                .unwrap_or("ChangeInCapacity");
            let (direction, value) = if adjustment > 0 {
                ("Increase", adjustment)
            } else {
                ("Decrease", adjustment.saturating_neg())
            };
            let mut rule = metric_rule(
                vmss, &metric, &operator, threshold, direction, value, cooldown, window,
            );
            if change == "PercentChangeInCapacity" || change == "ExactCapacity" {
                let ty = if change == "ExactCapacity" {
                    "ExactCount"
                } else {
                    "PercentChangeCount"
                };
                let (direction, value) = if change == "ExactCapacity" {
                    ("Increase", adjustment.saturating_abs())
                } else {
                    (direction, value)
                };
                rule = metric_rule_typed(
                    vmss, &metric, &operator, threshold, direction, ty, value, cooldown, window,
                );
            }
            if kind == "StepScaling"
                && props
                    .get("StepAdjustments")
                    .and_then(|s| s.as_list())
                    .is_some_and(|l| l.len() > 1)
            {
                cx.decide_later(
                    p,
                    "scaling-steps",
                    &format!("{}: only the first step is kept", r.id),
                    "A step scaling policy adjusts capacity by how far the metric is past the alarm threshold; an Azure autoscale rule has one threshold and one change.",
                    "The first step's adjustment becomes the rule's change count.",
                    "Add a rule per further step with its own threshold (the alarm threshold plus the step's lower bound).",
                    Some("partial"),
                );
            }
            vec![rule]
        }
        other => {
            policy_not_translated(cx, p, &format!("Azure autoscale has no {other} policy"));
            Vec::new()
        }
    }
}

fn policy_not_translated(cx: &mut Ctx, p: usize, why: &str) {
    let id = cx.t.resources[p].id.clone();
    cx.decide_later(
        p,
        "scaling-policy-manual",
        &format!("{id}: the scaling policy is not translated"),
        &format!("The policy gives no autoscale rule: {why}."),
        "The scale set's autoscale setting has no rule for it.",
        "Add an autoscale rule on an Azure metric of the scale set (Percentage CPU, Network In Total, or a custom metric) by hand.",
        Some("manual"),
    );
}

/// The metric, operator, threshold and window of the CPU alarm that triggers policy
/// `p` (an alarm whose `AlarmActions` name it).
fn alarm_trigger(cx: &Ctx, p: usize) -> Option<(String, String, f64, i64)> {
    let id = cx.t.resources[p].id.clone();
    let alarm = cx.t.resources.iter().enumerate().find(|(k, a)| {
        cx.plays(*k, PASS, "alarm")
            && a.properties
                .get("AlarmActions")
                .and_then(|l| l.as_list())
                .is_some_and(|l| {
                    l.iter().any(|x| {
                        cx.referenced_resource(x)
                            .is_some_and(|j| cx.t.resources[j].id == id)
                    })
                })
    })?;
    trigger_of(&alarm.1.properties)
}

/// An alarm's trigger as an autoscale rule takes it: average CPU of the group, a
/// comparison, a literal threshold, and the window (period × evaluation periods).
fn trigger_of(a: &Expr) -> Option<(String, String, f64, i64)> {
    let metric = a.get("MetricName")?.as_str()?;
    if metric != "CPUUtilization" {
        return None;
    }
    let operator = match a.get("ComparisonOperator")?.as_str()? {
        "GreaterThanThreshold" => "GreaterThan",
        "GreaterThanOrEqualToThreshold" => "GreaterThanOrEqual",
        "LessThanThreshold" => "LessThan",
        "LessThanOrEqualToThreshold" => "LessThanOrEqual",
        _ => return None,
    };
    let threshold = a.get("Threshold")?.literal_text()?.parse::<f64>().ok()?;
    let period = a.get("Period").and_then(|x| x.literal_i64()).unwrap_or(300);
    let periods = a
        .get("EvaluationPeriods")
        .and_then(|x| x.literal_i64())
        .unwrap_or(1);
    Some((
        "Percentage CPU".into(),
        operator.into(),
        threshold,
        period.saturating_mul(periods).clamp(300, 43200),
    ))
}

/// When alarm `a` exists only to drive scaling — every action a scaling policy of a
/// group of the template, and a trigger an autoscale rule takes — the groups' names.
pub(super) fn drives_scaling(cx: &Ctx, a: usize) -> Option<String> {
    if !cx.plays(a, PASS, "alarm") {
        return None;
    }
    let props = &cx.t.resources[a].properties;
    let actions = props.get("AlarmActions")?.as_list()?;
    if actions.is_empty() || props.get("OKActions").is_some() {
        return None;
    }
    let mut groups = Vec::new();
    for x in actions {
        let p = cx
            .referenced_resource(x)
            .filter(|p| cx.plays(*p, PASS, "policy"))?;
        let g = cx.t.resources[p]
            .properties
            .get("AutoScalingGroupName")
            .and_then(|g| cx.referenced_resource(g))
            .filter(|g| cx.plays(*g, PASS, "group") && launch(cx, *g).is_some())?;
        let name = cx.t.report_name(&cx.t.resources[g].id);
        if !groups.contains(&name) {
            groups.push(name);
        }
    }
    trigger_of(props)?;
    Some(groups.join(", "))
}

#[allow(clippy::too_many_arguments)]
fn metric_rule(
    vmss: &AzExpr,
    metric: &str,
    operator: &str,
    threshold: f64,
    direction: &str,
    count: i64,
    cooldown: i64,
    window: i64,
) -> AzExpr {
    metric_rule_typed(
        vmss,
        metric,
        operator,
        threshold,
        direction,
        "ChangeCount",
        count,
        cooldown,
        window,
    )
}

/// An autoscale rule on a metric of the scale set.
#[allow(clippy::too_many_arguments)]
fn metric_rule_typed(
    vmss: &AzExpr,
    metric: &str,
    operator: &str,
    threshold: f64,
    direction: &str,
    ty: &str,
    count: i64,
    cooldown: i64,
    window: i64,
) -> AzExpr {
    let threshold = if threshold.fract() == 0.0 {
        AzExpr::Int(threshold as i64)
    } else {
        AzExpr::Str(threshold.to_string())
    };
    AzExpr::obj(vec![
        (
            "metricTrigger",
            AzExpr::obj(vec![
                ("metricName", AzExpr::Str(metric.into())),
                (
                    "metricNamespace",
                    AzExpr::str("microsoft.compute/virtualmachinescalesets"),
                ),
                ("metricResourceUri", vmss.clone()),
                ("timeGrain", AzExpr::str("PT1M")),
                ("statistic", AzExpr::str("Average")),
                ("timeWindow", AzExpr::Str(minutes(window))),
                ("timeAggregation", AzExpr::str("Average")),
                ("operator", AzExpr::Str(operator.into())),
                ("threshold", threshold),
            ]),
        ),
        (
            "scaleAction",
            AzExpr::obj(vec![
                ("direction", AzExpr::Str(direction.into())),
                ("type", AzExpr::Str(ty.into())),
                ("value", AzExpr::Str(count.to_string())),
                ("cooldown", AzExpr::Str(minutes(cooldown.max(60)))),
            ]),
        ),
    ])
}

/// Seconds as an ISO 8601 duration in whole minutes (`PT5M`).
fn minutes(secs: i64) -> String {
    format!("PT{}M", secs.saturating_add(59) / 60)
}

/// A recurrence profile from scheduled action `s`: its capacity from the time its
/// cron expression gives, each week day it names. `None` (and a decision) for a
/// one-off action or a recurrence Azure cannot repeat weekly.
fn schedule_profile(cx: &mut Ctx, s: usize, rules: &[AzExpr]) -> Option<AzExpr> {
    let r = cx.t.resources[s].clone();
    let p = &r.properties;
    let cron = p.get("Recurrence").and_then(|c| c.literal_text());
    let parsed = cron.as_deref().and_then(weekly);
    let Some((minute, hour, days)) = parsed else {
        cx.decide_later(
            s,
            "schedule-manual",
            &format!("{}: the scheduled action is not translated", r.id),
            &format!(
                "Azure autoscale repeats a profile weekly at a fixed time; this action's recurrence ({}) is not a daily or weekly time.",
                cron.as_deref().unwrap_or("none: a one-off action")
            ),
            "No profile is created for it.",
            "Add a fixed-date profile (`fixedDate`) or a recurrence profile to the scale set's autoscale setting by hand.",
            Some("manual"),
        );
        return None;
    };
    let min = p.get("MinSize").map(|c| capacity_str(cx, c));
    let max = p.get("MaxSize").map(|c| capacity_str(cx, c));
    let desired = p.get("DesiredCapacity").map(|c| capacity_str(cx, c));
    let min = min
        .or_else(|| desired.clone())
        .unwrap_or_else(|| AzExpr::str("1"));
    let max = max.unwrap_or_else(|| min.clone());
    let default = desired.unwrap_or_else(|| min.clone());
    let named = p.get("TimeZone").and_then(|t| t.literal_text());
    let tz = match &named {
        None => "UTC".to_string(),
        Some(zone) => match cx.tables.lookup_str("time-zones", zone, "windows") {
            Some(w) => w,
            None => {
                cx.decide_later(
                    s,
                    "schedule-time-zone",
                    &format!("{}: the schedule's time zone is kept in UTC", r.id),
                    &format!("The action runs in the time zone `{zone}`; autoscale profiles name Windows time zones, and mappings/tables/time-zones.yaml has no entry for it."),
                    "The profile's recurrence is in UTC at the same hour and minute.",
                    "Set the profile's timeZone by hand (or add the zone to the time-zones table with --mappings); until then the schedule fires at a different local time.",
                    Some("partial"),
                );
                "UTC".to_string()
            }
        },
    };
    Some(AzExpr::obj(vec![
        ("name", AzExpr::Str(kebab(&r.id))),
        (
            "capacity",
            AzExpr::obj(vec![
                ("minimum", min),
                ("maximum", max),
                ("default", default),
            ]),
        ),
        ("rules", AzExpr::Array(rules.to_vec())),
        (
            "recurrence",
            AzExpr::obj(vec![
                ("frequency", AzExpr::str("Week")),
                (
                    "schedule",
                    AzExpr::obj(vec![
                        ("timeZone", AzExpr::Str(tz)),
                        (
                            "days",
                            AzExpr::Array(days.into_iter().map(AzExpr::str).collect()),
                        ),
                        ("hours", AzExpr::Array(vec![AzExpr::Int(hour)])),
                        ("minutes", AzExpr::Array(vec![AzExpr::Int(minute)])),
                    ]),
                ),
            ]),
        ),
    ]))
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A cron expression (`minute hour day-of-month month day-of-week`) that fires at one
/// time on every day or on some week days: that minute, hour and the days.
fn weekly(cron: &str) -> Option<(i64, i64, Vec<&'static str>)> {
    let f: Vec<&str> = cron.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let minute = minute.parse::<i64>().ok().filter(|m| (0..60).contains(m))?;
    let hour = hour.parse::<i64>().ok().filter(|h| (0..24).contains(h))?;
    if *dom != "*" || *month != "*" {
        return None;
    }
    let day = |s: &str| -> Option<usize> {
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        match s.parse::<usize>() {
            Ok(n) if n <= 7 => Some(n % 7),
            Ok(_) => None,
            Err(_) => names.iter().position(|d| s.eq_ignore_ascii_case(d)),
        }
    };
    let mut days: Vec<usize> = Vec::new();
    if *dow == "*" {
        days.extend(0..7);
    } else {
        for part in dow.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    if a > b {
                        return None;
                    }
                    days.extend(a..=b);
                }
                None => days.push(day(part)?),
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    Some((minute, hour, days.into_iter().map(|d| DAYS[d]).collect()))
}

/// Launch configurations and templates no group of the template launches from: a
/// decision, and `manual` (nothing is generated from them).
pub fn finish(cx: &mut Ctx) {
    for j in 0..cx.t.resources.len() {
        if !cx.plays(j, PASS, "launch") || cx.prepared[j].entry.is_none() {
            continue;
        }
        let used = (0..cx.t.resources.len())
            .any(|i| cx.plays(i, PASS, "group") && launch(cx, i).is_some_and(|(k, _)| k == j));
        if used || super::kubernetes::launches(cx, j) {
            continue;
        }
        let id = cx.t.resources[j].id.clone();
        cx.decide_later(
            j,
            "launch-unused",
            &format!("{id}: no scaling group launches from it"),
            "Launch configurations and launch templates become part of the scale set of the group that uses them; nothing in this template does (an instance's launch template, or a group outside the template).",
            "Nothing is generated from it.",
            "Write its settings on the VM or scale set that uses it.",
            Some("manual"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::weekly;

    #[test]
    fn cron_to_weekly_schedule() {
        assert_eq!(weekly("0 7 * * *").map(|w| w.2.len()), Some(7));
        assert_eq!(
            weekly("30 18 * * 1-5"),
            Some((
                30,
                18,
                vec!["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
            ))
        );
        assert_eq!(
            weekly("0 9 * * SAT,sun"),
            Some((0, 9, vec!["Sunday", "Saturday"]))
        );
        assert_eq!(weekly("0 7 1 * *"), None);
        assert_eq!(weekly("*/5 * * * *"), None);
        assert_eq!(weekly("0 7 * * 5-1"), None);
    }
}
