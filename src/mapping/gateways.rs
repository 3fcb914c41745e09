//! Application Load Balancers → Application Gateway v2.
//!
//! An ALB is a load balancer with listeners (port, protocol, certificate), rules
//! (conditions on the path or host, actions) and target groups (backends with their
//! health check), each an AWS resource of its own. An Application Gateway holds them
//! all in one resource: frontend IP and ports, HTTP listeners, backend pools, backend
//! settings, probes, path maps, redirects and request routing rules, which name each
//! other by id (`resourceId(…/applicationGateways/<part>, gateway, name)`). The
//! `load-balancers` pass joins them: the balancer's transform gathers its listeners,
//! their rules and the target groups they forward to.
//!
//! An Application Gateway needs a subnet of its own. When the balancer's subnets are in
//! the template, a new subnet is added to their virtual network, in a free block of its
//! address space, carrying the NSG of the balancer's first security group (with the
//! inbound rule the gateway's management needs). A proxy like an ALB, the gateway
//! reaches backends from that subnet's addresses: rules that admitted the balancer's
//! security group admit the gateway subnet's prefix. Targets join the backend pool:
//! a scaling group's scale set through its network interface configuration, a Lambda
//! function by its host name, IP targets by address.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, AzResource, Interp, interp};
use crate::model::expr::Expr;
use crate::names::kebab;

const PASS: &str = "load-balancers";
const AGW: &str = "Microsoft.Network/applicationGateways";

/// Is resource `l` an application load balancer that becomes an Application Gateway
/// (one with a listener in the template)?
pub(super) fn is_gateway(cx: &Ctx, l: usize) -> bool {
    cx.plays(l, PASS, "balancer")
        && cx.prepared[l]
            .entry
            .as_ref()
            .is_some_and(|e| !e.resources.is_empty())
        && cx.t.resources[l]
            .properties
            .get("Type")
            .and_then(|t| t.literal_text())
            .is_none_or(|t| t == "application")
        && !listeners(cx, l).is_empty()
}

fn gateway_name(cx: &Ctx, l: usize) -> String {
    format!("agw-{}", kebab(&cx.t.resources[l].id))
}

/// The id of part `name` of kind `kind` (`frontendPorts`, `backendAddressPools` …) of
/// gateway `l`.
fn part_id(cx: &Ctx, l: usize, kind: &str, name: &str) -> AzExpr {
    sub_resource(AGW, &gateway_name(cx, l), kind, name)
}

/// `{id: resourceId('<ty>/<kind>', owner, name)}`: a part of a resource that holds its
/// parts inline (a gateway's listeners, a load balancer's pools).
pub(super) fn sub_resource(ty: &str, owner: &str, kind: &str, name: &str) -> AzExpr {
    AzExpr::obj(vec![(
        "id",
        AzExpr::call(
            "resourceId",
            vec![
                AzExpr::Str(format!("{ty}/{kind}")),
                AzExpr::Str(owner.to_string()),
                AzExpr::Str(name.to_string()),
            ],
        ),
    )])
}

/// A balancer's first subnet: of `Subnets` (a literal list), else of `SubnetMappings`.
fn first_subnet(p: &Expr) -> Option<Expr> {
    p.get("Subnets")
        .and_then(|s| s.as_list())
        .and_then(|s| s.first().cloned())
        .or_else(|| {
            p.get("SubnetMappings")
                .and_then(|s| s.as_list())
                .and_then(|s| s.first())
                .and_then(|m| m.get("SubnetId").cloned())
        })
}

/// The resource of role `role` that `e` references.
fn referenced(cx: &Ctx, e: Option<&Expr>, role: &str) -> Option<usize> {
    e.and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, PASS, role))
}

/// The listeners of balancer `l`, in template order.
fn listeners(cx: &Ctx, l: usize) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|k| {
            referenced(
                cx,
                cx.t.resources[*k].properties.get("LoadBalancerArn"),
                "balancer",
            ) == Some(l)
        })
        .filter(|k| cx.plays(*k, PASS, "listener"))
        .collect()
}

/// The rules of listener `k`, by priority.
fn rules(cx: &Ctx, k: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (0..cx.t.resources.len())
        .filter(|r| cx.plays(*r, PASS, "rule"))
        .filter(|r| {
            referenced(
                cx,
                cx.t.resources[*r].properties.get("ListenerArn"),
                "listener",
            ) == Some(k)
        })
        .collect();
    out.sort_by_key(|r| {
        cx.t.resources[*r]
            .properties
            .get("Priority")
            .and_then(|p| p.literal_i64())
            .unwrap_or(i64::MAX)
    });
    out
}

/// The target groups an action list forwards to.
pub(super) fn forwards(cx: &Ctx, actions: Option<&Expr>) -> Vec<usize> {
    forwards_of(cx, actions.and_then(|a| a.as_list()).unwrap_or_default())
}

fn forwards_of(cx: &Ctx, actions: &[Expr]) -> Vec<usize> {
    let mut out = Vec::new();
    for a in actions {
        if let Some(tg) = referenced(cx, a.get("TargetGroupArn"), "target-group") {
            out.push(tg);
        }
        for t in a
            .path("ForwardConfig.TargetGroups")
            .and_then(|l| l.as_list())
            .unwrap_or_default()
        {
            if let Some(tg) = referenced(cx, t.get("TargetGroupArn"), "target-group") {
                out.push(tg);
            }
        }
    }
    out
}

/// The target groups of balancer `l` (those its listeners and rules forward to).
pub(super) fn target_groups(cx: &Ctx, l: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for k in listeners(cx, l) {
        let mut tgs = forwards(cx, cx.t.resources[k].properties.get("DefaultActions"));
        for r in rules(cx, k) {
            tgs.extend(forwards(cx, cx.t.resources[r].properties.get("Actions")));
        }
        for tg in tgs {
            if !out.contains(&tg) {
                out.push(tg);
            }
        }
    }
    out
}

pub(super) fn tg_name(cx: &Ctx, tg: usize) -> String {
    kebab(&cx.t.resources[tg].id)
}

/// The backend pool (as `{id}`) of target group `tg` in the gateway that forwards to
/// it, for a scale set's or a NIC's `applicationGatewayBackendAddressPools`.
pub(super) fn pool_of(cx: &Ctx, tg: &Expr) -> Option<AzExpr> {
    let tg = referenced(cx, Some(tg), "target-group")?;
    let l = (0..cx.t.resources.len())
        .filter(|l| is_gateway(cx, *l))
        .find(|l| target_groups(cx, *l).contains(&tg))?;
    Some(part_id(cx, l, "backendAddressPools", &tg_name(cx, tg)))
}

/// Is the virtual network of balancer `l`'s subnets in the template (so its gateway
/// gets a new subnet there)?
pub(super) fn vnet_in_template(cx: &Ctx, l: usize) -> bool {
    vpc_of(cx, l).is_some()
}

/// The VPC of the template (converted) that balancer `l`'s first subnet is in.
fn vpc_of(cx: &Ctx, l: usize) -> Option<usize> {
    vpc_of_subnet(cx, &first_subnet(&cx.t.resources[l].properties)?)
}

/// The VPC of the template (converted) that subnet `subnet` (a reference) is in.
pub(super) fn vpc_of_subnet(cx: &Ctx, subnet: &Expr) -> Option<usize> {
    cx.referenced_resource(subnet)
        .and_then(|s| cx.t.resources[s].properties.get("VpcId").cloned())
        .and_then(|v| cx.referenced_resource(&v))
        .filter(|v| {
            cx.prepared[*v]
                .entry
                .as_ref()
                .is_some_and(|e| !e.resources.is_empty())
        })
}

/// The subnet an Application Gateway takes: its address prefix and id, and whether it
/// is new in a virtual network of the template.
pub(super) struct GatewaySubnet {
    pub prefix: AzExpr,
    pub id: AzExpr,
    /// (virtual network symbol, subnet name) when the subnet is added to a VNet of the template.
    pub new: Option<(String, String)>,
}

/// The gateway subnet of balancer `l`: a free block of its subnets' virtual network
/// when the addresses are literal, a prefix parameter when the network is in the
/// template but its addresses are not, a subnet id parameter otherwise.
pub(super) fn gateway_subnet(cx: &mut Ctx, l: usize) -> GatewaySubnet {
    let r = cx.t.resources[l].clone();
    let kebab_id = kebab(&r.id);
    let vpc = vpc_of(cx, l);
    let Some(v) = vpc else {
        let p = cx.param_for(&format!("{kebab_id}-gateway-subnet-id"), "string", |p| {
            p.description = Some(format!("Resource id of a subnet dedicated to the Application Gateway that replaces {} (its VPC is not in this template).", r.id));
            p.required_reason = Some("an Application Gateway needs a subnet of its own".into());
        });
        let p2 = cx.param_for(&format!("{kebab_id}-gateway-subnet-prefix"), "string", |p| {
            p.description = Some(format!("Address prefix of the subnet `{kebab_id}-gateway-subnet-id` (backends admit the gateway from it)."));
            p.required_reason = Some("the backends' rules admit the gateway by its subnet's prefix".into());
        });
        return GatewaySubnet {
            prefix: AzExpr::ident(p2),
            id: AzExpr::ident(p),
            new: None,
        };
    };
    let vnet = cx.prepared[v].sym.clone();
    let name = format!("snet-{kebab_id}-gateway");
    let prefix = new_subnet_prefix(
        cx,
        v,
        l,
        &format!("{kebab_id}-gateway-subnet-prefix"),
        format!(
            "Address prefix of the new subnet for the Application Gateway that replaces {}: a free block of at least /26 in the virtual network.",
            r.id
        ),
    );
    let id = interp(vec![
        Interp::Expr(AzExpr::path(&vnet, "id")),
        Interp::Lit(format!("/subnets/{name}")),
    ]);
    GatewaySubnet {
        prefix,
        id,
        new: Some((vnet, name)),
    }
}

/// The address prefix of a new subnet of VPC `v` for resource `owner`: a free block,
/// else a parameter (`key`, described by `description`).
pub(super) fn new_subnet_prefix(
    cx: &mut Ctx,
    v: usize,
    owner: usize,
    key: &str,
    description: String,
) -> AzExpr {
    if let Some(b) = free_block(cx, v, owner) {
        return AzExpr::Str(b);
    }
    let p = cx.param_for(key, "string", |p| {
        p.description = Some(description);
        p.required_reason =
            Some("the virtual network's free address space is only known at deployment".into());
    });
    AzExpr::ident(p)
}

/// A free block (`/24`, or `/26` in a small network) at the top of VPC `v`'s fixed
/// address space (literals, or mapping values with literal keys), clear of every subnet
/// of the VPC and of the blocks other resources took; the same block for the same
/// `owner` each time. `None` when an address is not literal or nothing is free.
fn free_block(cx: &mut Ctx, v: usize, owner: usize) -> Option<String> {
    if let Some((_, _, b)) = cx.carved.iter().find(|(x, o, _)| *x == v && *o == owner) {
        return Some(b.clone());
    }
    let vid = &cx.t.resources[v].id;
    let (net, len) = super::flows::parse_v4(&fixed_text(
        cx,
        cx.t.resources[v].properties.get("CidrBlock")?,
    )?)?;
    let mut used = Vec::new();
    for s in &cx.t.resources {
        let in_vpc = s
            .properties
            .get("VpcId")
            .and_then(|x| cx.referenced_resource(x))
            .is_some_and(|x| cx.t.resources[x].id == *vid);
        if !in_vpc || s.properties.get("CidrBlock").is_none() {
            continue;
        }
        used.push(super::flows::parse_v4(&fixed_text(
            cx,
            s.properties.get("CidrBlock")?,
        )?)?);
    }
    let size: u8 = if len <= 22 {
        24
    } else if len <= 25 {
        26
    } else {
        return None;
    };
    for (_, _, b) in cx.carved.iter().filter(|(x, _, _)| *x == v) {
        used.extend(super::flows::parse_v4(b));
    }
    let count = 1u32 << (size - len);
    for idx in (0..count).rev() {
        let base = net + (idx << (32 - size));
        let end = base + (1u32 << (32 - size)) - 1;
        let clear = used.iter().all(|(n, l)| {
            let e = n + ((1u64 << (32 - *l as u32)) - 1) as u32;
            end < *n || base > e
        });
        if clear {
            let block = format!("{}/{size}", std::net::Ipv4Addr::from(base));
            cx.carved.push((v, owner, block.clone()));
            return Some(block);
        }
    }
    None
}

/// A value fixed in the template: a literal, or a `Fn::FindInMap` with literal keys.
fn fixed_text(cx: &Ctx, e: &Expr) -> Option<String> {
    if let Some(t) = e.literal_text() {
        return Some(t);
    }
    let crate::model::expr::ExprKind::FindInMap {
        map, top, second, ..
    } = &e.kind
    else {
        return None;
    };
    let m = cx.t.mappings.iter().find(|m| m.name == *map)?;
    m.value
        .get(&top.literal_text()?)?
        .get(&second.literal_text()?)?
        .literal_text()
}

/// The address prefixes that stand for security group `j` as a rule peer when its only
/// members are balancers that become Application Gateways: the gateways' subnets
/// (a gateway reaches backends from them, as an ALB did from its own addresses).
pub(super) fn fronted_prefixes(cx: &mut Ctx, j: usize) -> Option<Vec<AzExpr>> {
    let gateways = super::nsg_members::member_resources(cx, j);
    if gateways.is_empty() || !gateways.iter().all(|k| is_gateway(cx, *k)) {
        return None;
    }
    let sg = cx.t.resources[j].id.clone();
    let prefixes: Vec<AzExpr> = gateways
        .iter()
        .map(|l| gateway_subnet(cx, *l).prefix)
        .collect();
    for p in &prefixes {
        if !cx.group_prefixes.iter().any(|(x, _)| x == p) {
            cx.group_prefixes.push((p.clone(), sg.clone()));
        }
    }
    Some(prefixes)
}

/// `properties` of balancer `l`'s Application Gateway.
pub fn app_gateway_properties(
    cx: &mut Ctx,
    l: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "Type",
        "Scheme",
        "Subnets",
        "SubnetMappings",
        "SecurityGroups",
        "IpAddressType",
    ] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[l].clone();
    if listeners(cx, l).is_empty() {
        cx.decide(
            "agw-no-listener",
            Some((&r.id, r.span)),
            &format!("{}: the balancer has no listener in this template", r.id),
            "An Application Gateway needs at least one listener and routing rule; the balancer's listeners are not in this template.",
            "No gateway is created.",
            "Convert the template that declares the listeners together with this one, or build the gateway by hand.",
        );
        return None;
    }
    let internal = r
        .properties
        .get("Scheme")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s == "internal");
    let mut subnet = gateway_subnet(cx, l);
    if let Some((vnet, name)) = &subnet.new {
        let sym = add_subnet(cx, l, vnet, name, &subnet.prefix);
        subnet.id = AzExpr::path(&sym, "id");
    }
    let frontend = if internal {
        cx.decide(
            "agw-private-frontend",
            Some((&r.id, r.span)),
            &format!("{}: an internal balancer gets a private frontend", r.id),
            "The balancer was internal: reachable from the VPC only.",
            "The gateway's frontend takes a private address in its subnet (the last usable address of the block is not reserved; Azure assigns it dynamically).",
            "Application Gateway v2 also needs a public frontend IP unless the private-only deployment is enabled on the subscription (EnableApplicationGatewayNetworkIsolation); add one if that feature is off.",
        );
        AzExpr::obj(vec![
            ("name", AzExpr::str("private")),
            (
                "properties",
                AzExpr::obj(vec![
                    ("privateIPAllocationMethod", AzExpr::str("Dynamic")),
                    ("subnet", AzExpr::obj(vec![("id", subnet.id.clone())])),
                ]),
            ),
        ])
    } else {
        let pip = super::network::public_ip(
            cx,
            l,
            format!(
                "Public frontend address of the Application Gateway that replaces {}.",
                r.id
            ),
        );
        AzExpr::obj(vec![
            ("name", AzExpr::str("public")),
            (
                "properties",
                AzExpr::obj(vec![(
                    "publicIPAddress",
                    AzExpr::obj(vec![("id", AzExpr::path(&pip, "id"))]),
                )]),
            ),
        ])
    };
    let frontend_name = if internal { "private" } else { "public" };
    let mut ports: Vec<i64> = Vec::new();
    let mut listeners_out = Vec::new();
    let mut routing = Vec::new();
    let mut path_maps = Vec::new();
    let mut redirects = Vec::new();
    let mut certs = Vec::new();
    let mut priority = 100;
    for k in listeners(cx, l) {
        let lr = cx.t.resources[k].clone();
        let p = &lr.properties;
        let protocol = p
            .get("Protocol")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| "HTTP".into())
            .to_ascii_uppercase();
        let port = p
            .get("Port")
            .and_then(|x| x.literal_i64())
            .unwrap_or(if protocol == "HTTPS" { 443 } else { 80 });
        if !ports.contains(&port) {
            ports.push(port);
        }
        let lname = format!("listener-{}", kebab(&lr.id));
        let mut lprops = vec![
            (
                "frontendIPConfiguration",
                part_id(cx, l, "frontendIPConfigurations", frontend_name),
            ),
            (
                "frontendPort",
                part_id(cx, l, "frontendPorts", &format!("port-{port}")),
            ),
            (
                "protocol",
                AzExpr::str(if protocol == "HTTPS" { "Https" } else { "Http" }),
            ),
        ];
        if protocol == "HTTPS" {
            let cert = format!("cert-{}", kebab(&lr.id));
            let secret = cx.param_for(&format!("{}-certificate-secret-id", kebab(&lr.id)), "string", |pp| {
                pp.description = Some(format!("Key Vault secret id (versionless) of the TLS certificate for listener {} (was an ACM certificate).", lr.id));
                pp.required_reason = Some("ACM certificates cannot be exported; the certificate must be issued or imported into Key Vault".into());
            });
            certs.push(AzExpr::obj(vec![
                ("name", AzExpr::Str(cert.clone())),
                (
                    "properties",
                    AzExpr::obj(vec![("keyVaultSecretId", AzExpr::ident(&secret))]),
                ),
            ]));
            lprops.push(("sslCertificate", part_id(cx, l, "sslCertificates", &cert)));
            cx.decide(
                "agw-certificate",
                Some((&lr.id, lr.span)),
                &format!("{}: the TLS certificate comes from Key Vault", lr.id),
                "The HTTPS listener used an ACM certificate; ACM certificates cannot be exported.",
                &format!(
                    "The gateway's certificate is the Key Vault secret of the parameter `{secret}`.{}",
                    super::network::rule_list(p.get("Certificates"))
                        .iter()
                        .filter_map(|c| c.get("CertificateArn"))
                        .find_map(|c| super::certificates::describe(cx, c))
                        .map(|c| format!(" It was {c}."))
                        .unwrap_or_default()
                ),
                "Issue the certificate in Key Vault (with an integrated CA) or import it; the gateway's identity must be able to read it (see the identity decision).",
            );
            cx.floor_status("partial");
        }
        listeners_out.push(AzExpr::obj(vec![
            ("name", AzExpr::Str(lname.clone())),
            ("properties", AzExpr::obj(lprops)),
        ]));
        let default = action(cx, l, k, p.get("DefaultActions"), &mut redirects);
        let rs = rules(cx, k);
        let mut paths = Vec::new();
        for rr in &rs {
            let rule = cx.t.resources[*rr].clone();
            let values = path_values(&rule.properties);
            let Some(values) = values else {
                cx.decide_later(
                    *rr,
                    "agw-rule-condition",
                    &format!("{}: the rule's conditions are not carried over", rule.id),
                    "The rule matches on a host, header, method, query string or source address; an Application Gateway path map matches paths only (hosts need a listener each).",
                    "The rule is not part of the gateway; its requests go to the listener's default action.",
                    "Add a multi-site listener per host name (with its own routing rule), or rewrite rules for headers, by hand.",
                    Some("manual"),
                );
                continue;
            };
            let target = action(cx, l, *rr, rule.properties.get("Actions"), &mut redirects);
            let mut pr = vec![(
                "paths",
                AzExpr::Array(values.into_iter().map(AzExpr::Str).collect()),
            )];
            pr.extend(target.clone());
            paths.push(AzExpr::obj(vec![
                ("name", AzExpr::Str(kebab(&rule.id))),
                ("properties", AzExpr::obj(pr)),
            ]));
        }
        let mut rprops = vec![
            (
                "ruleType",
                AzExpr::str(if paths.is_empty() {
                    "Basic"
                } else {
                    "PathBasedRouting"
                }),
            ),
            ("priority", AzExpr::Int(priority)),
            ("httpListener", part_id(cx, l, "httpListeners", &lname)),
        ];
        priority += 10;
        if paths.is_empty() {
            rprops.extend(default);
        } else {
            let map = format!("paths-{}", kebab(&lr.id));
            let mut mprops: Vec<(&str, AzExpr)> = default
                .into_iter()
                .map(|(k, v)| match k {
                    "backendAddressPool" => ("defaultBackendAddressPool", v),
                    "backendHttpSettings" => ("defaultBackendHttpSettings", v),
                    _ => ("defaultRedirectConfiguration", v),
                })
                .collect();
            mprops.push(("pathRules", AzExpr::Array(paths)));
            path_maps.push(AzExpr::obj(vec![
                ("name", AzExpr::Str(map.clone())),
                ("properties", AzExpr::obj(mprops)),
            ]));
            rprops.push(("urlPathMap", part_id(cx, l, "urlPathMaps", &map)));
        }
        routing.push(AzExpr::obj(vec![
            ("name", AzExpr::Str(format!("rule-{}", kebab(&lr.id)))),
            ("properties", AzExpr::obj(rprops)),
        ]));
    }
    let tgs = target_groups(cx, l);
    let mut pools = Vec::new();
    let mut settings = Vec::new();
    let mut probes = Vec::new();
    for tg in &tgs {
        let (pool, setting, probe) = target_group(cx, l, *tg);
        pools.push(pool);
        settings.push(setting);
        probes.push(probe);
    }
    let mut props = vec![
        (
            "sku",
            AzExpr::obj(vec![
                ("name", AzExpr::str("Standard_v2")),
                ("tier", AzExpr::str("Standard_v2")),
            ]),
        ),
        (
            "autoscaleConfiguration",
            AzExpr::obj(vec![
                ("minCapacity", AzExpr::Int(0)),
                ("maxCapacity", AzExpr::Int(10)),
            ]),
        ),
        (
            "gatewayIPConfigurations",
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::str("gateway")),
                (
                    "properties",
                    AzExpr::obj(vec![("subnet", AzExpr::obj(vec![("id", subnet.id)]))]),
                ),
            ])]),
        ),
        ("frontendIPConfigurations", AzExpr::Array(vec![frontend])),
        (
            "frontendPorts",
            AzExpr::Array(
                ports
                    .iter()
                    .map(|p| {
                        AzExpr::obj(vec![
                            ("name", AzExpr::Str(format!("port-{p}"))),
                            ("properties", AzExpr::obj(vec![("port", AzExpr::Int(*p))])),
                        ])
                    })
                    .collect(),
            ),
        ),
    ];
    if !certs.is_empty() {
        props.push(("sslCertificates", AzExpr::Array(certs)));
    }
    props.extend([
        ("backendAddressPools", AzExpr::Array(pools)),
        ("backendHttpSettingsCollection", AzExpr::Array(settings)),
        ("probes", AzExpr::Array(probes)),
        ("httpListeners", AzExpr::Array(listeners_out)),
    ]);
    if !path_maps.is_empty() {
        props.push(("urlPathMaps", AzExpr::Array(path_maps)));
    }
    if !redirects.is_empty() {
        props.push(("redirectConfigurations", AzExpr::Array(redirects)));
    }
    props.push(("requestRoutingRules", AzExpr::Array(routing)));
    Some(AzExpr::obj(props))
}

/// The path patterns of a rule whose only conditions are on the path; `None` otherwise.
fn path_values(p: &Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for c in p.get("Conditions")?.as_list()? {
        let field = c.get("Field").and_then(|f| f.literal_text())?;
        if field != "path-pattern" {
            return None;
        }
        let values = c
            .path("PathPatternConfig.Values")
            .or_else(|| c.get("Values"))?
            .as_list()?;
        for v in values {
            out.push(v.literal_text()?);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The routing target of an action list: a backend pool and settings (forward), or a
/// redirect configuration (added to `redirects`). A fixed response or an
/// authentication action gets a decision (and the first forward, if any).
fn action(
    cx: &mut Ctx,
    l: usize,
    owner: usize,
    actions: Option<&Expr>,
    redirects: &mut Vec<AzExpr>,
) -> Vec<(&'static str, AzExpr)> {
    let o = cx.t.resources[owner].clone();
    let list: Vec<Expr> = actions
        .and_then(|a| a.as_list())
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let mut out = Vec::new();
    for a in &list {
        let ty = a
            .get("Type")
            .and_then(|t| t.literal_text())
            .unwrap_or_default();
        match ty.as_str() {
            "forward" => {
                let tgs = forwards_of(cx, std::slice::from_ref(a));
                if let Some(tg) = tgs.first() {
                    let name = tg_name(cx, *tg);
                    out = vec![
                        (
                            "backendAddressPool",
                            part_id(cx, l, "backendAddressPools", &name),
                        ),
                        (
                            "backendHttpSettings",
                            part_id(cx, l, "backendHttpSettingsCollection", &name),
                        ),
                    ];
                    if tgs.len() > 1 {
                        cx.decide_later(
                            owner,
                            "agw-weighted-forward",
                            &format!("{}: weighted forwarding keeps the first target group", o.id),
                            "The action spreads requests over several target groups by weight; an Application Gateway rule sends to one backend pool.",
                            "Requests go to the first target group's pool.",
                            "Put every target in one pool, or use Front Door or Traffic Manager for weighted splits.",
                            Some("partial"),
                        );
                    }
                    return out;
                }
            }
            "redirect" => {
                let name = format!("redirect-{}", kebab(&o.id));
                let c = a.get("RedirectConfig");
                let get = |k: &str| c.and_then(|c| c.get(k)).and_then(|x| x.literal_text());
                let code = get("StatusCode").unwrap_or_else(|| "HTTP_301".into());
                let kind = if code == "HTTP_302" {
                    "Found"
                } else {
                    "Permanent"
                };
                let target = if get("Host").is_none_or(|h| h == "#{host}")
                    && get("Path").is_none_or(|h| h == "/#{path}")
                    && get("Protocol").is_some_and(|p| p == "HTTPS")
                {
                    // HTTP → HTTPS on the same host and path: the HTTPS listener of the gateway.
                    let https = listeners(cx, l).into_iter().find(|k| {
                        cx.t.resources[*k]
                            .properties
                            .get("Protocol")
                            .and_then(|p| p.literal_text())
                            .is_some_and(|p| p == "HTTPS")
                    });
                    https.map(|k| {
                        (
                            "targetListener",
                            part_id(
                                cx,
                                l,
                                "httpListeners",
                                &format!("listener-{}", kebab(&cx.t.resources[k].id)),
                            ),
                        )
                    })
                } else {
                    None
                };
                let target = match target {
                    Some(t) => t,
                    None => {
                        let url = format!(
                            "{}://{}:{}{}",
                            get("Protocol")
                                .unwrap_or_else(|| "https".into())
                                .to_ascii_lowercase(),
                            get("Host").unwrap_or_else(|| "#{host}".into()),
                            get("Port").unwrap_or_else(|| "443".into()),
                            get("Path").unwrap_or_else(|| "/#{path}".into()),
                        );
                        if url.contains("#{") {
                            cx.decide_later(
                                owner,
                                "agw-redirect-url",
                                &format!("{}: the redirect keeps parts of the request", o.id),
                                "The redirect builds its target from the request's host, port or path (`#{host}`, `#{path}`); an Application Gateway redirect goes to a listener or a fixed URL.",
                                &format!("The redirect goes to `{url}` as written; replace the placeholders with the target host and path."),
                                "Until then the redirect sends clients to a URL with placeholders.",
                                Some("partial"),
                            );
                        }
                        ("targetUrl", AzExpr::Str(url))
                    }
                };
                redirects.push(AzExpr::obj(vec![
                    ("name", AzExpr::Str(name.clone())),
                    (
                        "properties",
                        AzExpr::obj(vec![
                            ("redirectType", AzExpr::str(kind)),
                            target,
                            ("includePath", AzExpr::Bool(true)),
                            ("includeQueryString", AzExpr::Bool(true)),
                        ]),
                    ),
                ]));
                return vec![(
                    "redirectConfiguration",
                    part_id(cx, l, "redirectConfigurations", &name),
                )];
            }
            "fixed-response" | "authenticate-cognito" | "authenticate-oidc" => {
                cx.decide_later(
                    owner,
                    "agw-action",
                    &format!("{}: the {ty} action has no Application Gateway equivalent", o.id),
                    "Application Gateway routes to a backend or redirects; it does not answer by itself or sign users in.",
                    "The action is left out; the rule routes to its forward target if it has one.",
                    "Serve fixed responses from a backend (or Front Door rules), and sign users in at the application or with App Service authentication.",
                    Some("partial"),
                );
            }
            _ => {}
        }
    }
    out
}

/// Target group `tg` → (backend pool, backend settings, probe) of gateway `l`.
fn target_group(cx: &mut Ctx, l: usize, tg: usize) -> (AzExpr, AzExpr, AzExpr) {
    let r = cx.t.resources[tg].clone();
    let p = &r.properties;
    let name = tg_name(cx, tg);
    let get = |k: &str| p.get(k).and_then(|x| x.literal_text());
    let kind = get("TargetType").unwrap_or_else(|| "instance".into());
    let protocol = get("Protocol")
        .unwrap_or_else(|| "HTTP".into())
        .to_ascii_uppercase();
    let port = p
        .get("Port")
        .and_then(|x| x.literal_i64())
        .unwrap_or(if protocol == "HTTPS" { 443 } else { 80 });
    let mut addresses = Vec::new();
    let mut host_from_backend = false;
    match kind.as_str() {
        "lambda" => {
            for t in p
                .get("Targets")
                .and_then(|t| t.as_list())
                .unwrap_or_default()
            {
                if let Some(f) = t
                    .get("Id")
                    .and_then(|x| cx.referenced_resource(x))
                    .filter(|f| cx.plays(*f, "events", "function"))
                {
                    let host = cx.reference_expr(f, "{sym}.properties.defaultHostName");
                    addresses.push(AzExpr::obj(vec![("fqdn", host)]));
                    host_from_backend = true;
                }
            }
            if addresses.is_empty() {
                cx.decide_later(
                    tg,
                    "agw-lambda-target",
                    &format!("{}: the Lambda target is not a function of this template", r.id),
                    "The target group invoked a Lambda function that this template does not declare (or declares none); an Application Gateway sends HTTP requests to hosts, not to functions.",
                    "The backend pool is created empty.",
                    "Call the Function App that replaces the function on its own HTTP endpoint (an HTTP trigger), or put API Management in front of it, and add its host name to the pool (or route clients there directly).",
                    Some("partial"),
                );
            } else {
                cx.decide(
                "agw-lambda-target",
                Some((&r.id, r.span)),
                &format!("{}: Lambda targets become the function app's host", r.id),
                "The target group invoked Lambda functions; an Application Gateway sends HTTP requests to hosts.",
                "The backend pool holds the function app's host name; requests keep their path, under the app's `/api` route prefix.",
                "Give the function an HTTP trigger whose route matches the listener's paths (or set the app's route prefix to empty). API Management or the function's own endpoint are alternatives.",
            );
            }
        }
        "ip" => {
            for t in p
                .get("Targets")
                .and_then(|t| t.as_list())
                .unwrap_or_default()
            {
                if let Some(ip) = t.get("Id") {
                    let v = cx.tr(ip);
                    addresses.push(AzExpr::obj(vec![("ipAddress", v)]));
                }
            }
        }
        _ => {
            if p.get("Targets").is_some() {
                let (joined, all) = instance_targets(cx, tg);
                cx.decide(
                    "agw-instance-targets",
                    Some((&r.id, r.span)),
                    &format!("{}: instances join the pool from their network interfaces", r.id),
                    "The target group lists EC2 instances; an Application Gateway pool takes addresses, or network interfaces that join it.",
                    &joined_text(cx, &joined, "applicationGatewayBackendAddressPools"),
                    if all {
                        "VMs added later join the pool from their own network interfaces."
                    } else {
                        "Add the pool to the NIC IP configuration of each VM that replaces a target outside this template by hand."
                    },
                );
            }
        }
    }
    let apps = super::containers::apps_in_target_group(cx, tg);
    let mut port = port;
    let mut protocol = protocol;
    if addresses.is_empty() && !apps.is_empty() {
        // Container apps: their ingress FQDN, over HTTPS (the ingress terminates TLS).
        for s in &apps {
            let fqdn = cx.reference_expr(*s, "{sym}.properties.configuration.ingress.fqdn");
            addresses.push(AzExpr::obj(vec![("fqdn", fqdn)]));
        }
        host_from_backend = true;
        port = 443;
        protocol = "HTTPS".into();
        let names: Vec<String> = apps.iter().map(|s| cx.t.resources[*s].id.clone()).collect();
        cx.decide(
            "agw-container-app-backend",
            Some((&r.id, r.span)),
            &format!("{}: the pool holds the container apps' FQDNs", r.id),
            &format!("The target group's IP targets were the tasks of {}, registered by ECS.", names.join(", ")),
            "The backend pool holds each container app's ingress FQDN; the gateway calls it over HTTPS on 443 with the app's host name, and the health probe does the same.",
            "The app's replicas are balanced by Container Apps behind its FQDN; the gateway's stickiness applies per app, not per replica.",
        );
    }
    if addresses.is_empty() && kind == "ip" {
        cx.decide(
            "agw-empty-pool",
            Some((&r.id, r.span)),
            &format!("{}: the pool's members register at run time", r.id),
            "IP targets are registered by the services behind them (ECS tasks, other VPCs) rather than in the template.",
            "The backend pool is created empty.",
            "Add the addresses or host names of the Azure service that replaces the targets (a container app's FQDN, a VM's NIC) to the pool.",
        );
    }
    let pool = AzExpr::obj(vec![
        ("name", AzExpr::Str(name.clone())),
        (
            "properties",
            AzExpr::obj(vec![("backendAddresses", AzExpr::Array(addresses))]),
        ),
    ]);
    let https = protocol == "HTTPS";
    let mut sprops = vec![
        ("port", AzExpr::Int(port)),
        (
            "protocol",
            AzExpr::str(if https { "Https" } else { "Http" }),
        ),
        ("cookieBasedAffinity", AzExpr::str(stickiness(p))),
        ("requestTimeout", AzExpr::Int(60)),
        ("probe", part_id(cx, l, "probes", &name)),
    ];
    if host_from_backend || https {
        sprops.push(("pickHostNameFromBackendAddress", AzExpr::Bool(true)));
    }
    let setting = AzExpr::obj(vec![
        ("name", AzExpr::Str(name.clone())),
        ("properties", AzExpr::obj(sprops)),
    ]);
    let hc_protocol = match apps.is_empty() {
        true => get("HealthCheckProtocol")
            .unwrap_or(protocol)
            .to_ascii_uppercase(),
        false => "HTTPS".to_string(),
    };
    let mut probe = vec![
        (
            "protocol",
            AzExpr::str(if hc_protocol == "HTTPS" {
                "Https"
            } else {
                "Http"
            }),
        ),
        (
            "path",
            AzExpr::Str(get("HealthCheckPath").unwrap_or_else(|| "/".into())),
        ),
        (
            "interval",
            AzExpr::Int(
                p.get("HealthCheckIntervalSeconds")
                    .and_then(|x| x.literal_i64())
                    .unwrap_or(30),
            ),
        ),
        (
            "timeout",
            AzExpr::Int(
                p.get("HealthCheckTimeoutSeconds")
                    .and_then(|x| x.literal_i64())
                    .unwrap_or(5),
            ),
        ),
        (
            "unhealthyThreshold",
            AzExpr::Int(
                p.get("UnhealthyThresholdCount")
                    .and_then(|x| x.literal_i64())
                    .unwrap_or(2),
            ),
        ),
    ];
    if host_from_backend || https {
        probe.push(("pickHostNameFromBackendHttpSettings", AzExpr::Bool(true)));
    } else {
        probe.push(("host", AzExpr::str("127.0.0.1")));
    }
    if let Some(port) = get("HealthCheckPort")
        .filter(|x| x != "traffic-port" && apps.is_empty())
        .and_then(|x| x.parse::<i64>().ok())
    {
        probe.push(("port", AzExpr::Int(port)));
    }
    let codes = p
        .path("Matcher.HttpCode")
        .and_then(|x| x.literal_text())
        .unwrap_or_else(|| "200".into());
    let codes: Vec<AzExpr> = codes
        .split(',')
        .map(|c| AzExpr::Str(c.trim().to_string()))
        .collect();
    probe.push((
        "match",
        AzExpr::obj(vec![("statusCodes", AzExpr::Array(codes))]),
    ));
    let probe = AzExpr::obj(vec![
        ("name", AzExpr::Str(name)),
        ("properties", AzExpr::obj(probe)),
    ]);
    (pool, setting, probe)
}

/// `Enabled` when the target group's attributes turn stickiness on.
fn stickiness(p: &Expr) -> &'static str {
    let on = p
        .get("TargetGroupAttributes")
        .and_then(|a| a.as_list())
        .unwrap_or_default()
        .iter()
        .any(|a| {
            a.get("Key")
                .and_then(|k| k.literal_text())
                .is_some_and(|k| k == "stickiness.enabled")
                && a.get("Value")
                    .and_then(|v| v.literal_text())
                    .is_some_and(|v| v == "true")
        });
    if on { "Enabled" } else { "Disabled" }
}

/// Adds the gateway subnet of balancer `l` to virtual network `vnet`, with the NSG of
/// the balancer's first security group of the template.
fn add_subnet(cx: &mut Ctx, l: usize, vnet: &str, name: &str, prefix: &AzExpr) -> String {
    let r = cx.t.resources[l].clone();
    let mut props = vec![
        ("addressPrefix", prefix.clone()),
        ("defaultOutboundAccess", AzExpr::Bool(false)),
    ];
    if let Some(g) = first_group(cx, l) {
        props.push((
            "networkSecurityGroup",
            AzExpr::obj(vec![("id", AzExpr::path(&cx.prepared[g].sym, "id"))]),
        ));
    }
    let sym = format!("{}GatewaySubnet", cx.prepared[l].sym);
    let comment = format!(
        "Subnet of the Application Gateway that replaces {} (a gateway needs a subnet of its own).",
        r.id
    );
    push_subnet(cx, l, &sym, vnet, name, props, comment)
}

/// Adds subnet `name` with `props` to virtual network `vnet` for resource `l`, as a
/// resource of its own (symbol allocated from `sym`); returns its symbol.
pub(super) fn push_subnet(
    cx: &mut Ctx,
    l: usize,
    sym: &str,
    vnet: &str,
    name: &str,
    props: Vec<(&str, AzExpr)>,
    comment: String,
) -> String {
    let sym = cx.syms.alloc(sym);
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: crate::azure::types::SUBNET.ty.into(),
        api: crate::azure::types::SUBNET.api.into(),
        parent: Some(vnet.to_string()),
        name: AzExpr::Str(name.to_string()),
        body: vec![("properties".into(), AzExpr::obj(props))],
        comments: vec![comment],
        source: cx.t.resources[l].id.clone(),
        ..Default::default()
    });
    cx.extra_azure
        .push((crate::azure::types::SUBNET.ty.into(), sym.clone()));
    sym
}

/// Does balancer `l` have an HTTPS listener (a certificate from Key Vault)?
fn has_https(cx: &Ctx, l: usize) -> bool {
    listeners(cx, l).into_iter().any(|k| {
        cx.t.resources[k]
            .properties
            .get("Protocol")
            .and_then(|p| p.literal_text())
            .is_some_and(|p| p.eq_ignore_ascii_case("HTTPS"))
    })
}

/// `identity` of balancer `l`'s gateway: a user-assigned identity that reads its
/// listeners' certificates from Key Vault; `None` without an HTTPS listener.
pub fn app_gateway_identity(
    cx: &mut Ctx,
    l: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    if !has_https(cx, l) {
        return None;
    }
    let r = cx.t.resources[l].clone();
    let sym = cx.syms.alloc(&format!("{}Identity", cx.prepared[l].sym));
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: "Microsoft.ManagedIdentity/userAssignedIdentities".into(),
        api: "2024-11-30".into(),
        name: AzExpr::Str(format!("id-agw-{}", kebab(&r.id))),
        location: Some(AzExpr::ident("location")),
        comments: vec![format!("Identity the Application Gateway that replaces {} reads its certificates from Key Vault with.", r.id)],
        source: r.id.clone(),
        ..Default::default()
    });
    cx.extra_azure.push((
        "Microsoft.ManagedIdentity/userAssignedIdentities".into(),
        sym.clone(),
    ));
    cx.decide(
        "agw-identity",
        Some((&r.id, r.span)),
        &format!("{}: the gateway reads certificates with its own identity", r.id),
        "An Application Gateway reads listener certificates from Key Vault as a user-assigned identity.",
        &format!("The gateway has the identity `{sym}`."),
        "Grant it Key Vault Secrets User on the vault that holds the certificates before the gateway is deployed; the deployment fails while it cannot read them.",
    );
    Some(AzExpr::obj(vec![
        ("type", AzExpr::str("UserAssigned")),
        (
            "userAssignedIdentities",
            AzExpr::Object(vec![(
                crate::azure::AzKey::Expr(AzExpr::path(&sym, "id")),
                AzExpr::Object(Vec::new()),
            )]),
        ),
    ]))
}

/// The first security group of balancer `l` that the template declares.
fn first_group(cx: &Ctx, l: usize) -> Option<usize> {
    cx.t.resources[l]
        .properties
        .get("SecurityGroups")?
        .as_list()?
        .iter()
        .filter_map(|g| cx.referenced_resource(g))
        .find(|g| cx.plays(*g, "security-groups", "group") && cx.prepared[*g].entry.is_some())
}

/// Resources that name a part of resource `sym` (of type `ty`, named `owner`) depend on
/// it: it creates the part (a pool a scale set or NIC joins).
pub(super) fn depend_on_parts(cx: &mut Ctx, sym: &str, ty: &str, owner: &str) {
    for res in cx.module.resources.iter_mut() {
        if res.symbol != sym
            && !res.depends_on.iter().any(|d| d == sym)
            && res.body.iter().any(|(_, v)| names_part(v, ty, owner))
        {
            res.depends_on.push(sym.to_string());
        }
    }
}

/// Does `e` name a part of the resource of type `ty` named `owner`
/// (`resourceId('<ty>/…', owner, …)`)?
fn names_part(e: &AzExpr, ty: &str, owner: &str) -> bool {
    let rec = |x: &AzExpr| names_part(x, ty, owner);
    match e {
        AzExpr::Call(f, args) => {
            (f == "resourceId"
                && matches!(args.first(), Some(AzExpr::Str(t)) if t.starts_with(&format!("{ty}/")))
                && matches!(args.get(1), Some(AzExpr::Str(n)) if n == owner))
                || args.iter().any(rec)
        }
        AzExpr::Array(items) => items.iter().any(rec),
        AzExpr::Object(m) => m.iter().any(|(_, v)| rec(v)),
        AzExpr::Member(b, _) | AzExpr::Not(b) => rec(b),
        AzExpr::Index(a, b) | AzExpr::Bin(_, a, b) => rec(a) || rec(b),
        AzExpr::Cond(a, b, c) => rec(a) || rec(b) || rec(c),
        AzExpr::For(_, a, b) => rec(a) || rec(b),
        AzExpr::Interp(parts) => parts.iter().any(|p| matches!(p, Interp::Expr(x) if rec(x))),
        _ => false,
    }
}

/// After mapping: the gateway subnets' NSGs admit the gateway's management traffic,
/// and their groups count as attached; resources that join a gateway's backend pool
/// (a scale set's network interfaces) depend on the gateway, which creates the pool.
pub fn finish(cx: &mut Ctx) {
    // Instances a target group lists: their VMs' NICs join the pool.
    for l in 0..cx.t.resources.len() {
        let (gateway, network) = (is_gateway(cx, l), is_network_lb(cx, l));
        let ty = if gateway { AGW } else { LB };
        let lid = &cx.t.resources[l].id;
        if !(gateway || network)
            || !cx
                .module
                .resources
                .iter()
                .any(|x| x.source == *lid && x.ty == ty)
        {
            continue;
        }
        for tg in target_groups(cx, l) {
            let (joined, _) = instance_targets(cx, tg);
            for i in joined {
                let (key, pool) = if gateway {
                    (
                        "applicationGatewayBackendAddressPools",
                        part_id(cx, l, "backendAddressPools", &tg_name(cx, tg)),
                    )
                } else {
                    (
                        "loadBalancerBackendAddressPools",
                        lb_part(cx, l, "backendAddressPools", &tg_name(cx, tg)),
                    )
                };
                join_nic_pool(cx, i, key, pool);
            }
        }
    }
    for l in 0..cx.t.resources.len() {
        if !is_gateway(cx, l) {
            continue;
        }
        let gw = gateway_name(cx, l);
        let lid = cx.t.resources[l].id.clone();
        let Some(sym) = cx
            .module
            .resources
            .iter()
            .find(|x| x.source == lid && x.ty == AGW)
            .map(|x| x.symbol.clone())
        else {
            continue;
        };
        depend_on_parts(cx, &sym, AGW, &gw);
    }
    for l in 0..cx.t.resources.len() {
        if !is_gateway(cx, l) {
            continue;
        }
        let emitted = cx
            .module
            .resources
            .iter()
            .any(|x| x.source == cx.t.resources[l].id && x.ty == AGW);
        let has_subnet =
            cx.module.resources.iter().any(|x| {
                x.source == cx.t.resources[l].id && x.ty == crate::azure::types::SUBNET.ty
            });
        let Some(g) = first_group(cx, l).filter(|_| emitted) else {
            continue;
        };
        // A gateway subnet known only by id (its network is another template's): the
        // NSG goes on it as a change to that subnet.
        if !has_subnet {
            let id = gateway_subnet(cx, l).id;
            let shown = format!("`{}`", crate::backend::bicep::print_expr(&id));
            super::nsg_members::on_existing(cx, g, id, false);
            let what = format!(
                "the Application Gateway that replaces {}",
                cx.t.report_name(&cx.t.resources[l].id)
            );
            super::nsg_members::existing_subnet_decision(cx, g, &what, &[shown]);
        }
        let nsg = cx.prepared[g].sym.clone();
        if !cx.attached_groups.contains(&g) {
            cx.attached_groups.push(g);
        }
        let rule = AzExpr::obj(vec![
            ("name", AzExpr::str("allow-gateway-manager-inbound")),
            (
                "properties",
                AzExpr::obj(vec![
                    ("priority", AzExpr::Int(4000)),
                    ("direction", AzExpr::str("Inbound")),
                    ("access", AzExpr::str("Allow")),
                    ("protocol", AzExpr::str("Tcp")),
                    ("sourceAddressPrefix", AzExpr::str("GatewayManager")),
                    ("sourcePortRange", AzExpr::str("*")),
                    ("destinationAddressPrefix", AzExpr::str("*")),
                    ("destinationPortRange", AzExpr::str("65200-65535")),
                    (
                        "description",
                        AzExpr::str(
                            "Application Gateway v2 infrastructure (required on the gateway's subnet).",
                        ),
                    ),
                ]),
            ),
        ]);
        let added = cx
            .module
            .resources
            .iter_mut()
            .find(|x| x.symbol == nsg)
            .and_then(|x| x.body.iter_mut().find(|(k, _)| k == "properties"))
            .and_then(|(_, p)| match p {
                AzExpr::Object(m) => m.iter_mut().find(
                    |(k, _)| matches!(k, crate::azure::AzKey::Name(n) if n == "securityRules"),
                ),
                _ => None,
            })
            .is_some_and(|(_, rules)| match rules {
                AzExpr::Array(a) => {
                    if !a.iter().any(|x| {
                        x.get("name") == Some(&AzExpr::str("allow-gateway-manager-inbound"))
                    }) {
                        a.push(rule.clone());
                    }
                    true
                }
                _ => false,
            });
        let gid = cx.t.resources[g].id.clone();
        let lid = cx.t.resources[l].id.clone();
        cx.decide_later(
            g,
            "nsg-gateway-subnet",
            &format!("{gid}: the NSG protects the Application Gateway's subnet"),
            &format!("The security group protected the load balancer {lid}, which becomes an Application Gateway in a subnet of its own."),
            if added {
                "The NSG is associated with the gateway's subnet, with an inbound rule for the gateway's infrastructure (GatewayManager, TCP 65200-65535) that Application Gateway v2 requires."
            } else {
                "The NSG is associated with the gateway's subnet; its rules are built by a loop, so add the inbound rule Application Gateway v2 requires (GatewayManager, TCP 65200-65535) by hand."
            },
            "Backends admit the gateway by its subnet's prefix, as they admitted the balancer's security group.",
            None,
        );
    }
}

pub(super) const LB: &str = "Microsoft.Network/loadBalancers";

/// Is resource `l` a network load balancer that becomes a Standard Load Balancer (one
/// with a listener in the template)?
pub(super) fn is_network_lb(cx: &Ctx, l: usize) -> bool {
    cx.plays(l, PASS, "balancer")
        && cx.t.resources[l]
            .properties
            .get("Type")
            .and_then(|t| t.literal_text())
            .is_some_and(|t| t == "network")
        && !listeners(cx, l).is_empty()
}

fn lb_name(cx: &Ctx, l: usize) -> String {
    format!("lb-{}", kebab(&cx.t.resources[l].id))
}

fn lb_part(cx: &Ctx, l: usize, kind: &str, name: &str) -> AzExpr {
    sub_resource(LB, &lb_name(cx, l), kind, name)
}

/// The backend pool (as `{id}`) of target group `tg` in the Standard Load Balancer that
/// forwards to it, for a scale set's `loadBalancerBackendAddressPools`.
pub(super) fn lb_pool_of(cx: &Ctx, tg: &Expr) -> Option<AzExpr> {
    let tg = referenced(cx, Some(tg), "target-group")?;
    let Some(l) = (0..cx.t.resources.len())
        .filter(|l| is_network_lb(cx, *l))
        .find(|l| target_groups(cx, *l).contains(&tg))
    else {
        return super::balancer_parts::existing_pool(cx, tg);
    };
    Some(lb_part(cx, l, "backendAddressPools", &tg_name(cx, tg)))
}

/// `properties` of network load balancer `l`'s Standard Load Balancer: a frontend (a
/// public IP, or a private address in its first subnet), a backend pool and probe per
/// target group, a load-balancing rule per TCP or UDP listener.
pub fn load_balancer_properties(
    cx: &mut Ctx,
    l: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "Type",
        "Scheme",
        "Subnets",
        "SubnetMappings",
        "SecurityGroups",
        "IpAddressType",
    ] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[l].clone();
    if !is_network_lb(cx, l) {
        cx.decide(
            "lb-no-listener",
            Some((&r.id, r.span)),
            &format!("{}: the balancer has no listener in this template", r.id),
            "A Standard Load Balancer's rules come from the balancer's listeners; none is in this template.",
            "No load balancer is created.",
            "Convert the template that declares the listeners together with this one, or build the load balancer by hand.",
        );
        return None;
    }
    let frontend = lb_frontend(cx, l)?;
    if r.properties.get("SecurityGroups").is_some() {
        cx.decide(
            "nlb-security-groups",
            Some((&r.id, r.span)),
            &format!("{}: the balancer's security groups have no place on a Standard Load Balancer", r.id),
            "A network load balancer with security groups filters clients before they reach the targets; an Azure Standard Load Balancer passes clients' addresses through to the backends, whose NSGs filter them.",
            "The balancer's groups are not applied to it.",
            "Make the backends' NSGs admit the clients the balancer's groups admitted (a rule that named the balancer's group must name those clients).",
        );
        cx.floor_status("partial");
    }
    let mut pools = Vec::new();
    let mut probes = Vec::new();
    for tg in target_groups(cx, l) {
        let t = cx.t.resources[tg].clone();
        let p = &t.properties;
        let name = tg_name(cx, tg);
        probes.push(tg_probe(cx, tg));
        pools.push(AzExpr::obj(vec![("name", AzExpr::Str(name.clone()))]));
        if p.get("Targets").is_some() {
            let (joined, all) = instance_targets(cx, tg);
            let decision = joined_text(cx, &joined, "loadBalancerBackendAddressPools");
            cx.decide_later(
                tg,
                "lb-targets",
                &format!("{}: registered targets join the pool from their network interfaces", t.id),
                "The target group lists its targets; a Standard Load Balancer's pool takes network interfaces (or addresses in its virtual network).",
                &decision,
                if all {
                    "VMs added later join the pool from their own network interfaces."
                } else {
                    "Add the other VMs' NIC IP configurations (loadBalancerBackendAddressPools) or the addresses to the pool by hand."
                },
                (!all).then_some("partial"),
            );
        }
    }
    let mut rules = Vec::new();
    for k in listeners(cx, l) {
        let lr = cx.t.resources[k].clone();
        let p = &lr.properties;
        let port = p.get("Port").and_then(|x| x.literal_i64());
        let tg = forwards(cx, p.get("DefaultActions")).first().copied();
        let (Some(port), Some(tg)) = (port, tg) else {
            continue;
        };
        // A listener without a literal protocol is taken as TCP.
        let literal = p.get("Protocol").and_then(|x| x.literal_text()).is_some();
        let proto = match if literal {
            l4_protocol(p.get("Protocol"))
        } else {
            Some("Tcp")
        } {
            Some(proto) => proto,
            None => {
                cx.decide_later(
                    k,
                    "lb-tls-listener",
                    &format!("{}: a TLS listener has no Standard Load Balancer equivalent", lr.id),
                    "The listener terminated TLS with a certificate; a Standard Load Balancer passes TCP through without terminating it.",
                    "No rule is created for it.",
                    "Terminate TLS at the backends (and add a TCP rule), or put an Application Gateway in front.",
                    Some("manual"),
                );
                continue;
            }
        };
        let name = tg_name(cx, tg);
        let backend_port = cx.t.resources[tg]
            .properties
            .get("Port")
            .and_then(|x| x.literal_i64())
            .unwrap_or(port);
        rules.push(lb_rule(
            &lb_name(cx, l),
            &format!("rule-{}", kebab(&lr.id)),
            &name,
            proto,
            AzExpr::Int(port),
            AzExpr::Int(backend_port),
            4,
            "Default",
        ));
    }
    if rules.is_empty() {
        cx.decide(
            "lb-no-listener",
            Some((&r.id, r.span)),
            &format!("{}: the balancer has no TCP or UDP listener", r.id),
            "A Standard Load Balancer's rules come from the balancer's TCP and UDP listeners; its listeners terminate TLS or forward nowhere.",
            "No load balancer is created.",
            "Put an Application Gateway in front for TLS termination, or build the load balancer by hand.",
        );
        return None;
    }
    Some(AzExpr::obj(vec![
        ("frontendIPConfigurations", AzExpr::Array(vec![frontend])),
        ("backendAddressPools", AzExpr::Array(pools)),
        ("probes", AzExpr::Array(probes)),
        ("loadBalancingRules", AzExpr::Array(rules)),
    ]))
}

/// The Standard Load Balancer probe of target group `tg` (named after it): its health
/// check's protocol, port (the traffic port unless it names one), path, interval and
/// unhealthy threshold.
pub(super) fn tg_probe(cx: &Ctx, tg: usize) -> AzExpr {
    let p = &cx.t.resources[tg].properties;
    let get = |k: &str| p.get(k).and_then(|x| x.literal_text());
    let port = p.get("Port").and_then(|x| x.literal_i64()).unwrap_or(80);
    let hc = get("HealthCheckProtocol")
        .unwrap_or_else(|| "TCP".into())
        .to_ascii_uppercase();
    let hc_port = get("HealthCheckPort")
        .filter(|x| x != "traffic-port")
        .and_then(|x| x.parse::<i64>().ok())
        .unwrap_or(port);
    let path = (hc == "HTTP" || hc == "HTTPS")
        .then(|| get("HealthCheckPath").unwrap_or_else(|| "/".into()));
    lb_probe(
        &tg_name(cx, tg),
        &hc,
        AzExpr::Int(hc_port),
        p.get("HealthCheckIntervalSeconds")
            .and_then(|x| x.literal_i64())
            .unwrap_or(30),
        p.get("UnhealthyThresholdCount")
            .and_then(|x| x.literal_i64())
            .unwrap_or(3),
        path,
    )
}

/// The Standard Load Balancer rule protocol of a listener or target group protocol
/// (TCP, UDP, TCP_UDP); `None` for HTTP(S), TLS and a computed protocol.
pub(super) fn l4_protocol(p: Option<&Expr>) -> Option<&'static str> {
    match p?.literal_text()?.to_ascii_uppercase().as_str() {
        "TCP" => Some("Tcp"),
        "UDP" => Some("Udp"),
        "TCP_UDP" => Some("All"),
        _ => None,
    }
}

/// The frontend of balancer `l`'s Standard Load Balancer: a public IP, or (internal
/// scheme) a private address in its first subnet; `None` (with a decision) for an
/// internal balancer that names no subnet.
pub(super) fn lb_frontend(cx: &mut Ctx, l: usize) -> Option<AzExpr> {
    let r = cx.t.resources[l].clone();
    let internal = r
        .properties
        .get("Scheme")
        .and_then(|s| s.literal_text())
        .is_some_and(|s| s == "internal");
    Some(if internal {
        let subnets = r.properties.get("Subnets").cloned();
        let mapped = r
            .properties
            .get("SubnetMappings")
            .and_then(|s| s.as_list())
            .and_then(|s| s.first())
            .and_then(|m| m.get("SubnetId").cloned());
        let subnet = match (
            subnets
                .as_ref()
                .and_then(|s| s.as_list())
                .and_then(|s| s.first().cloned()),
            mapped,
            subnets,
        ) {
            (Some(first), _, _) | (None, Some(first), _) => {
                match cx.referenced_resource(&first).filter(|k| {
                    cx.prepared[*k]
                        .entry
                        .as_ref()
                        .is_some_and(|e| !e.resources.is_empty())
                }) {
                    Some(k) => cx.reference_expr(k, "{sym}.id"),
                    None => cx.tr(&first),
                }
            }
            // A list parameter of subnets: its first.
            (None, None, Some(list)) => {
                AzExpr::Index(Box::new(cx.tr(&list)), Box::new(AzExpr::Int(0)))
            }
            (None, None, None) => {
                cx.decide(
                    "lb-no-subnet",
                    Some((&r.id, r.span)),
                    &format!("{}: the internal balancer names no subnet", r.id),
                    "An internal Standard Load Balancer takes its private frontend address in a subnet; the balancer names none.",
                    "No load balancer is created.",
                    "Build the load balancer by hand in the subnet of its backends.",
                );
                return None;
            }
        };
        AzExpr::obj(vec![
            ("name", AzExpr::str("frontend")),
            (
                "properties",
                AzExpr::obj(vec![
                    ("privateIPAllocationMethod", AzExpr::str("Dynamic")),
                    ("subnet", AzExpr::obj(vec![("id", subnet)])),
                ]),
            ),
        ])
    } else {
        let pip = super::network::public_ip(
            cx,
            l,
            format!(
                "Public frontend address of the load balancer that replaces {}.",
                r.id
            ),
        );
        AzExpr::obj(vec![
            ("name", AzExpr::str("frontend")),
            (
                "properties",
                AzExpr::obj(vec![(
                    "publicIPAddress",
                    AzExpr::obj(vec![("id", AzExpr::path(&pip, "id"))]),
                )]),
            ),
        ])
    })
}

/// A Standard Load Balancer probe: `protocol` as AWS writes it (HTTP, HTTPS, else TCP),
/// with the request path of an HTTP(S) probe.
pub(super) fn lb_probe(
    name: &str,
    protocol: &str,
    port: AzExpr,
    interval: i64,
    threshold: i64,
    path: Option<String>,
) -> AzExpr {
    let mut probe = vec![
        (
            "protocol",
            AzExpr::str(match protocol {
                "HTTP" => "Http",
                "HTTPS" => "Https",
                _ => "Tcp",
            }),
        ),
        ("port", port),
        ("intervalInSeconds", AzExpr::Int(interval.max(5))),
        ("probeThreshold", AzExpr::Int(threshold.max(1))),
    ];
    if let Some(path) = path.filter(|_| protocol == "HTTP" || protocol == "HTTPS") {
        probe.push(("requestPath", AzExpr::Str(path)));
    }
    AzExpr::obj(vec![
        ("name", AzExpr::Str(name.to_string())),
        ("properties", AzExpr::obj(probe)),
    ])
}

/// A load-balancing rule of Standard Load Balancer `lb` from its frontend to pool and
/// probe `target` (TCP reset on idle, outbound SNAT off).
#[allow(clippy::too_many_arguments)]
pub(super) fn lb_rule(
    lb: &str,
    name: &str,
    target: &str,
    proto: &str,
    frontend_port: AzExpr,
    backend_port: AzExpr,
    idle_minutes: i64,
    distribution: &str,
) -> AzExpr {
    AzExpr::obj(vec![
        ("name", AzExpr::Str(name.to_string())),
        (
            "properties",
            AzExpr::obj(vec![
                (
                    "frontendIPConfiguration",
                    sub_resource(LB, lb, "frontendIPConfigurations", "frontend"),
                ),
                (
                    "backendAddressPool",
                    sub_resource(LB, lb, "backendAddressPools", target),
                ),
                ("probe", sub_resource(LB, lb, "probes", target)),
                ("protocol", AzExpr::str(proto)),
                ("frontendPort", frontend_port),
                ("backendPort", backend_port),
                ("idleTimeoutInMinutes", AzExpr::Int(idle_minutes)),
                ("enableFloatingIP", AzExpr::Bool(false)),
                ("enableTcpReset", AzExpr::Bool(true)),
                ("disableOutboundSnat", AzExpr::Bool(true)),
                ("loadDistribution", AzExpr::str(distribution)),
            ]),
        ),
    ])
}

/// The instances of the template (that become VMs with a NIC) a target group lists, and
/// whether it lists nothing else.
fn instance_targets(cx: &Ctx, tg: usize) -> (Vec<usize>, bool) {
    let targets = super::network::rule_list(cx.t.resources[tg].properties.get("Targets"));
    let joined: Vec<usize> = targets
        .iter()
        .filter_map(|t| t.get("Id").and_then(|x| cx.referenced_resource(x)))
        .filter(|i| cx.plays(*i, "elastic-ips", "instance"))
        .collect();
    let all = !targets.is_empty() && joined.len() == targets.len();
    (joined, all)
}

/// What a decision says of the instances that join a pool through `key`.
pub(super) fn joined_text(cx: &Ctx, joined: &[usize], key: &str) -> String {
    if joined.is_empty() {
        return "The backend pool is created empty; scale sets that named the target group join it.".into();
    }
    let names: Vec<String> = joined
        .iter()
        .map(|i| cx.t.report_name(&cx.t.resources[*i].id))
        .collect();
    format!(
        "The network interfaces of the VMs that replace {} join the pool (`{key}`).",
        names.join(", ")
    )
}

/// Adds `pool` to the `key` list (`loadBalancerBackendAddressPools`,
/// `applicationGatewayBackendAddressPools`) of the first IP configuration of the NIC of
/// instance `i`'s VM.
pub(super) fn join_nic_pool(cx: &mut Ctx, i: usize, key: &str, pool: AzExpr) {
    let iid = cx.t.resources[i].id.clone();
    let Some(nic) = cx
        .module
        .resources
        .iter_mut()
        .find(|n| n.source == iid && n.ty == NIC && !n.existing)
    else {
        return;
    };
    let Some((_, AzExpr::Object(m))) = nic.body.iter_mut().find(|(k, _)| k == "properties") else {
        return;
    };
    let Some((_, AzExpr::Array(configs))) = m
        .iter_mut()
        .find(|(k, _)| matches!(k, AzKey::Name(n) if n == "ipConfigurations"))
    else {
        return;
    };
    let Some(AzExpr::Object(first)) = configs.first_mut() else {
        return;
    };
    let Some((_, AzExpr::Object(cm))) = first
        .iter_mut()
        .find(|(k, _)| matches!(k, AzKey::Name(n) if n == "properties"))
    else {
        return;
    };
    match cm
        .iter_mut()
        .find(|(k, _)| matches!(k, AzKey::Name(n) if n == key))
    {
        Some((_, AzExpr::Array(a))) => {
            if !a.contains(&pool) {
                a.push(pool);
            }
        }
        Some(_) => {}
        None => cm.push((AzKey::Name(key.into()), AzExpr::Array(vec![pool]))),
    }
}

const NIC: &str = "Microsoft.Network/networkInterfaces";
