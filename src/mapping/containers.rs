//! ECS → Azure Container Apps.
//!
//! An ECS cluster becomes a Container Apps managed environment; a service with the
//! task definition it runs becomes a container app; a task definition no service runs
//! becomes a job started on demand. Fargate sizes do not carry over one for one:
//! Container Apps (Consumption profile) takes 0.25 to 4 vCPU in steps of 0.25 with
//! 2 GiB of memory per vCPU, so each task is rounded up to the nearest such size and
//! its containers share it. Services that ran in subnets put their environment in a
//! subnet of its own (delegated to `Microsoft.App/environments`, carved from a free
//! block of the VPC as a gateway subnet is), with the NSG of the first service's first
//! security group. Images from a repository of the template come from the template's
//! container registry, pulled with the execution role's identity (AcrPull); secrets
//! from Secrets Manager become Key Vault references read with the same identity.
//! A service registered in an ALB target group is the Application Gateway's backend
//! (its ingress FQDN, over HTTPS). Application Auto Scaling targets and policies of a
//! service become the app's replica bounds and scale rules.
//! Roles in the `containers` pass: `cluster`, `task`, `service`, `scalable-target`,
//! `scaling-policy`.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, Interp, interp};
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::names::kebab;

const PASS: &str = "containers";
const ROLE_ASSIGNMENT: (&str, &str) = ("Microsoft.Authorization/roleAssignments", "2022-04-01");

/// The resource of role `role` that `e` references.
fn referenced(cx: &Ctx, e: Option<&Expr>, role: &str) -> Option<usize> {
    e.and_then(|x| cx.referenced_resource(x))
        .filter(|j| cx.plays(*j, PASS, role) && cx.prepared[*j].entry.is_some())
}

/// The services of the template, in order.
fn services(cx: &Ctx) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|s| cx.plays(*s, PASS, "service"))
        .collect()
}

/// The task definition service `s` runs.
fn task_of(cx: &Ctx, s: usize) -> Option<usize> {
    referenced(
        cx,
        cx.t.resources[s].properties.get("TaskDefinition"),
        "task",
    )
}

/// The services of cluster `c`.
fn services_of(cx: &Ctx, c: usize) -> Vec<usize> {
    services(cx)
        .into_iter()
        .filter(|s| {
            referenced(cx, cx.t.resources[*s].properties.get("Cluster"), "cluster") == Some(c)
        })
        .collect()
}

/// `AwsvpcConfiguration` of service `s` (`NetworkConfiguration.AwsvpcConfiguration`).
fn awsvpc<'a>(cx: &Ctx<'a>, s: usize) -> Option<&'a Expr> {
    cx.t.resources[s]
        .properties
        .path("NetworkConfiguration.AwsvpcConfiguration")
}

/// The id of the environment that runs service or task definition `i`: its cluster's,
/// the template's only cluster for a task definition, else a parameter.
fn environment_id(cx: &mut Ctx, i: usize) -> AzExpr {
    let cluster =
        referenced(cx, cx.t.resources[i].properties.get("Cluster"), "cluster").or_else(|| {
            let clusters: Vec<usize> = (0..cx.t.resources.len())
                .filter(|c| cx.plays(*c, PASS, "cluster") && cx.prepared[*c].entry.is_some())
                .collect();
            (clusters.len() == 1 && cx.plays(i, PASS, "task")).then(|| clusters[0])
        });
    match cluster {
        Some(c) => cx.reference_expr(c, "{sym}.id"),
        None => {
            let p = cx.param_for("container-apps-environment-id", "string", |p| {
                p.description = Some("Resource id of the Container Apps environment that replaces the ECS cluster (the cluster is not declared in this template).".into());
                p.required_reason = Some("the cluster is not declared in this template".into());
            });
            AzExpr::ident(p)
        }
    }
}

/// `properties` of cluster `c`'s managed environment: the Consumption workload profile,
/// logs to the shared Log Analytics workspace, and a subnet of its own when its
/// services ran in subnets.
pub fn container_environment(
    cx: &mut Ctx,
    c: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    let logs = cx.shared.get("containerLogs").cloned()?;
    let mut props = vec![
        (
            "appLogsConfiguration",
            AzExpr::obj(vec![
                ("destination", AzExpr::str("log-analytics")),
                (
                    "logAnalyticsConfiguration",
                    AzExpr::obj(vec![
                        ("customerId", AzExpr::path(&logs, "properties.customerId")),
                        (
                            "sharedKey",
                            AzExpr::Member(
                                Box::new(AzExpr::call(&format!("{logs}.listKeys"), vec![])),
                                "primarySharedKey".into(),
                            ),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            "workloadProfiles",
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::str("Consumption")),
                ("workloadProfileType", AzExpr::str("Consumption")),
            ])]),
        ),
    ];
    if let Some(subnet) = infrastructure_subnet(cx, c) {
        props.push((
            "vnetConfiguration",
            AzExpr::obj(vec![
                ("infrastructureSubnetId", subnet),
                ("internal", AzExpr::Bool(false)),
            ]),
        ));
    }
    Some(AzExpr::obj(props))
}

/// The id of the environment's infrastructure subnet when a service of cluster `c` ran
/// in subnets: a new subnet in their VPC (a free block, else a prefix parameter), or a
/// subnet id parameter when the VPC is not in the template.
fn infrastructure_subnet(cx: &mut Ctx, c: usize) -> Option<AzExpr> {
    let r = cx.t.resources[c].clone();
    let members = services_of(cx, c);
    let (s, first) = members.iter().find_map(|s| {
        let subnets = awsvpc(cx, *s)?.get("Subnets")?;
        let first = match subnets.as_list() {
            Some(l) => l.first()?.clone(),
            None => subnets.clone(),
        };
        Some((*s, first))
    })?;
    let kebab_id = kebab(&r.id);
    let Some(v) = super::gateways::vpc_of_subnet(cx, &first) else {
        let p = cx.param_for(&format!("{kebab_id}-infrastructure-subnet-id"), "string", |p| {
            p.description = Some(format!("Resource id of a subnet (at least /27, delegated to Microsoft.App/environments) for the Container Apps environment that replaces {} (its services' VPC is not in this template).", r.id));
            p.required_reason = Some("a Container Apps environment in a virtual network needs a subnet of its own".into());
        });
        subnet_decision(cx, c, s, None);
        return Some(AzExpr::ident(p));
    };
    let vnet = cx.prepared[v].sym.clone();
    let name = format!("snet-{kebab_id}-apps");
    let prefix = super::gateways::new_subnet_prefix(
        cx,
        v,
        c,
        &format!("{kebab_id}-apps-subnet-prefix"),
        format!(
            "Address prefix of the new subnet of the Container Apps environment that replaces {}: a free block of at least /27 in the virtual network.",
            r.id
        ),
    );
    let mut props = vec![("addressPrefix", prefix)];
    let group = awsvpc(cx, s)
        .and_then(|a| a.get("SecurityGroups"))
        .and_then(|g| g.as_list())
        .and_then(|g| g.first())
        .and_then(|g| cx.referenced_resource(g))
        .filter(|g| cx.plays(*g, "security-groups", "group") && cx.prepared[*g].entry.is_some());
    if let Some(g) = group {
        props.push((
            "networkSecurityGroup",
            AzExpr::obj(vec![("id", AzExpr::path(&cx.prepared[g].sym, "id"))]),
        ));
        if !cx.attached_groups.contains(&g) {
            cx.attached_groups.push(g);
        }
    }
    props.push((
        "delegations",
        AzExpr::Array(vec![AzExpr::obj(vec![
            ("name", AzExpr::str("Microsoft.App.environments")),
            (
                "properties",
                AzExpr::obj(vec![(
                    "serviceName",
                    AzExpr::str("Microsoft.App/environments"),
                )]),
            ),
        ])]),
    ));
    let sym = format!("{}Subnet", cx.prepared[c].sym);
    let comment = format!(
        "Subnet of the Container Apps environment that replaces {} (delegated to Microsoft.App/environments).",
        r.id
    );
    let subnet = super::gateways::push_subnet(cx, c, &sym, &vnet, &name, props, comment);
    subnet_decision(cx, c, s, group);
    Some(AzExpr::path(&subnet, "id"))
}

/// The decision on the environment's subnet: the services' subnets do not carry over,
/// and which security group's NSG filters it.
fn subnet_decision(cx: &mut Ctx, c: usize, s: usize, group: Option<usize>) {
    let r = cx.t.resources[c].clone();
    let sid = cx.t.resources[s].id.clone();
    let nsg = match group {
        Some(g) => format!(
            " It carries the NSG of {} (the first security group of {sid}); other services of the cluster share it, so their groups' rules must be merged into it.",
            cx.t.resources[g].id
        ),
        None => String::new(),
    };
    cx.decide(
        "container-apps-subnet",
        Some((&r.id, r.span)),
        &format!("{}: the environment gets a subnet of its own", r.id),
        "ECS tasks in awsvpc mode take addresses in the service's subnets; a Container Apps environment takes a dedicated subnet (at least /27 with workload profiles) that no other resource may use.",
        &format!("The environment is integrated with the virtual network through a new subnet delegated to Microsoft.App/environments, not the services' subnets.{nsg}"),
        "Apps reach resources in the virtual network (databases, caches) from the new subnet's addresses: rules that admitted the services' security groups must admit that subnet.",
    );
}

/// Container App names: 2 to 32 lowercase letters, digits and hyphens, starting with a
/// letter and ending with a letter or digit.
fn app_name(text: &str) -> String {
    let mut s: String = kebab(text)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("ca-{s}");
    }
    s.truncate(32);
    s.trim_end_matches('-').to_string()
}

/// The app's name: the service's literal `ServiceName` when it is a valid app name,
/// else one made from the logical id.
pub fn container_app_name(
    cx: &mut Ctx,
    s: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("ServiceName".into());
    let r = cx.t.resources[s].clone();
    // A name chosen at deployment stays a parameter (its value must be a valid app name).
    if let Some(n) = r.properties.get("ServiceName")
        && matches!(n.kind, ExprKind::Ref(_))
        && n.literal_text().is_none()
        && cx
            .t
            .parameters
            .iter()
            .any(|p| matches!(&n.kind, ExprKind::Ref(x) if *x == p.name))
    {
        return Some(cx.tr(n));
    }
    let name = r
        .properties
        .get("ServiceName")
        .and_then(|n| n.literal_text())
        .map(|n| app_name(&n))
        .filter(|n| n.len() >= 2)
        .unwrap_or_else(|| app_name(&format!("ca-{}", kebab(&r.id))));
    Some(AzExpr::Str(name))
}

/// The roles (converted to identities) task definition `t` names: (task role,
/// execution role).
fn roles(cx: &Ctx, t: usize) -> (Option<usize>, Option<usize>) {
    let p = &cx.t.resources[t].properties;
    let role = |k: &str| {
        p.get(k)
            .and_then(|x| cx.referenced_resource(x))
            .filter(|j| cx.plays(*j, "grants", "role") && cx.prepared[*j].entry.is_some())
    };
    (role("TaskRoleArn"), role("ExecutionRoleArn"))
}

/// `identity` of the app or job that runs task definition `t`: the user-assigned
/// identities of its task and execution roles.
fn identity(cx: &mut Ctx, t: usize) -> Option<AzExpr> {
    let (task, exec) = roles(cx, t);
    let mut ids = Vec::new();
    for j in [task, exec].into_iter().flatten() {
        let id = cx.reference_expr(j, "{sym}.id");
        if !ids.iter().any(|(k, _)| *k == AzKey::Expr(id.clone())) {
            ids.push((AzKey::Expr(id), AzExpr::Object(Vec::new())));
        }
    }
    if ids.is_empty() {
        return None;
    }
    Some(AzExpr::obj(vec![
        ("type", AzExpr::str("UserAssigned")),
        ("userAssignedIdentities", AzExpr::Object(ids)),
    ]))
}

pub fn container_app_identity(
    cx: &mut Ctx,
    s: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    let t = task_of(cx, s)?;
    identity(cx, t)
}

pub fn container_job_identity(
    cx: &mut Ctx,
    t: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    if runs_in_service(cx, t) {
        return None;
    }
    identity(cx, t)
}

/// Does a service of the template run task definition `t`?
fn runs_in_service(cx: &Ctx, t: usize) -> bool {
    services(cx).into_iter().any(|s| task_of(cx, s) == Some(t))
}

/// The literal text of `e`, or of the default of the parameter it names (sizes and
/// ports a template leaves to its parameters).
fn fixed(cx: &Ctx, e: &Expr) -> Option<String> {
    if let Some(t) = e.literal_text() {
        return Some(t);
    }
    let ExprKind::Ref(name) = &e.kind else {
        return None;
    };
    cx.t.parameters
        .iter()
        .find(|p| p.name == *name)?
        .default
        .as_ref()?
        .literal_text()
}

/// Does a size or port of task definition `t` or its service come from a parameter?
fn from_parameter(e: Option<&Expr>) -> bool {
    e.is_some_and(|e| matches!(e.kind, ExprKind::Ref(_)))
}

/// A task or container size: CPU units (1024 = 1 vCPU) or memory MiB, given as a number
/// or as text such as `1 vCPU` or `2GB` (a parameter's default when it is one).
fn size(cx: &Ctx, e: Option<&Expr>, cpu: bool) -> Option<f64> {
    let text = fixed(cx, e?)?.trim().to_ascii_lowercase();
    if let Ok(n) = text.parse::<f64>() {
        return Some(n);
    }
    let num: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: f64 = num.parse().ok()?;
    if (cpu && text.contains("vcpu")) || (!cpu && text.ends_with("gb")) {
        Some(n * 1024.0)
    } else {
        Some(n)
    }
}

/// Quarter-vCPU shares of each container: the task's size rounded up to a Container
/// Apps size (CPU in quarters of a vCPU, 2 GiB of memory per vCPU, at most 4 vCPU),
/// split by the containers' own CPU or evenly, every container at least a quarter.
/// Returns the shares and the source size (vCPU, GiB) when it changed.
fn shares(cx: &Ctx, t: usize, containers: &[Expr]) -> (Vec<u32>, Option<(f64, f64)>) {
    let p = &cx.t.resources[t].properties;
    let own_cpu: Vec<Option<f64>> = containers
        .iter()
        .map(|c| size(cx, field(c, "Cpu"), true))
        .collect();
    let own_mem: Vec<Option<f64>> = containers
        .iter()
        .map(|c| {
            size(
                cx,
                field(c, "Memory").or_else(|| field(c, "MemoryReservation")),
                false,
            )
        })
        .collect();
    let cpu = size(cx, p.get("Cpu"), true)
        .or_else(|| own_cpu.iter().flatten().copied().reduce(|a, b| a + b))
        .filter(|c| *c > 0.0)
        .unwrap_or(256.0);
    let mem = size(cx, p.get("Memory"), false)
        .or_else(|| own_mem.iter().flatten().copied().reduce(|a, b| a + b))
        .filter(|m| *m > 0.0)
        .unwrap_or(512.0);
    let n = containers.len().max(1) as u32;
    let need = ((cpu / 256.0).ceil() as u32)
        .max((mem / 512.0).ceil() as u32)
        .max(n);
    let total = need.min(16).max(n);
    // Weights: the containers' own CPU when every one sets it, else even.
    let weights: Vec<f64> = if own_cpu.iter().all(|c| c.is_some_and(|c| c > 0.0)) {
        own_cpu.iter().map(|c| c.unwrap_or(1.0)).collect()
    } else {
        vec![1.0; n as usize]
    };
    let sum: f64 = weights.iter().sum();
    let mut out = vec![1u32; n as usize];
    for _ in n..total {
        // The container furthest below its weighted share gets the next quarter.
        let k = (0..n as usize)
            .max_by(|a, b| {
                let da = weights[*a] / sum * total as f64 - out[*a] as f64;
                let db = weights[*b] / sum * total as f64 - out[*b] as f64;
                da.partial_cmp(&db)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(b.cmp(a))
            })
            .unwrap_or(0);
        out[k] += 1;
    }
    let vcpu = cpu / 1024.0;
    let gib = mem / 1024.0;
    let changed =
        (total as f64 / 4.0 - vcpu).abs() > 1e-9 || (total as f64 / 2.0 - gib).abs() > 1e-9;
    (out, changed.then_some((vcpu, gib)))
}

/// A number of quarters as a Bicep value: an integer, or `json('0.25')`.
fn quarters(q: u32) -> AzExpr {
    if q.is_multiple_of(4) {
        AzExpr::Int((q / 4) as i64)
    } else {
        AzExpr::call("json", vec![AzExpr::Str(trim_num(q as f64 / 4.0))])
    }
}

fn trim_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Where an image comes from, rewritten for Azure: an ECR repository of the template →
/// the template's registry; an ECR image of another account or stack → a registry
/// parameter; anything else unchanged.
fn image(cx: &mut Ctx, e: &Expr) -> (AzExpr, Option<AzExpr>) {
    // `!GetAtt Repo.RepositoryUri` (with a tag) translates through the repository's entry.
    let registry = cx.shared.get("containerRegistry").cloned();
    if let ExprKind::Sub(parts) = &e.kind {
        let lit: String = parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.as_str(),
                SubPart::Expr(_) => "\u{0}",
            })
            .collect();
        if let Some(at) = lit
            .find(".amazonaws.com/")
            .filter(|_| lit.contains(".dkr.ecr."))
        {
            // The parts after the registry host: the repository and tag.
            let mut seen = 0usize;
            let mut rest = Vec::new();
            let cut = at + ".amazonaws.com/".len();
            for p in parts {
                match p {
                    SubPart::Lit(l) => {
                        let start = seen;
                        seen += l.len();
                        if seen > cut {
                            let from = cut.saturating_sub(start);
                            rest.push(Interp::Lit(l[from..].to_string()));
                        }
                    }
                    SubPart::Expr(x) => {
                        seen += 1;
                        if seen > cut {
                            // A repository of the template gives its name.
                            rest.push(match cx.tr(x) {
                                AzExpr::Str(l) => Interp::Lit(l),
                                v => Interp::Expr(v),
                            });
                        }
                    }
                }
            }
            let server = match registry {
                Some(reg) => AzExpr::path(&reg, "properties.loginServer"),
                None => AzExpr::ident(cx.param_for("container-registry-server", "string", |p| {
                    p.description = Some("Login server of the Azure Container Registry that holds the images the ECS tasks pulled from ECR (`<name>.azurecr.io`).".into());
                    p.required_reason = Some("the images' ECR registry is not declared in this template".into());
                })),
            };
            let mut all = vec![Interp::Expr(server.clone()), Interp::Lit("/".into())];
            all.extend(rest);
            return (interp(all), Some(server));
        }
    }
    let v = cx.tr(e);
    let uses_registry = registry.as_ref().is_some_and(|reg| mentions(&v, reg));
    let server = uses_registry.then(|| {
        AzExpr::path(
            registry.as_deref().unwrap_or_default(),
            "properties.loginServer",
        )
    });
    (v, server)
}

/// Does expression `e` name symbol `sym`?
fn mentions(e: &AzExpr, sym: &str) -> bool {
    format!("{e:?}").contains(&format!("Ident(\"{sym}\")"))
}

/// Member `key` of a container definition, in CloudFormation's spelling (`PortMappings`)
/// or the ECS API's JSON that Terraform writes (`portMappings`).
fn field<'e>(e: &'e Expr, key: &str) -> Option<&'e Expr> {
    e.get(key).or_else(|| {
        let mut c = key.chars();
        let camel: String = c
            .next()
            .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
            .unwrap_or_default();
        e.get(&camel)
    })
}

/// Container definition keys the app carries (or deliberately drops, with a reason
/// in the decision on settings).
const READ: &[&str] = &[
    "Name",
    "Image",
    "Cpu",
    "Memory",
    "MemoryReservation",
    "Environment",
    "Secrets",
    "EntryPoint",
    "Command",
    "PortMappings",
    "Essential",
    "LogConfiguration",
    "HealthCheck",
];

/// What the app or job of task definition `t` holds: containers, secrets, registries.
struct Template {
    containers: Vec<AzExpr>,
    secrets: Vec<AzExpr>,
    registries: Vec<AzExpr>,
    /// The first container port (container name, port).
    ports: Vec<(String, Expr)>,
}

/// The containers of task definition `t` for the app or job of resource `owner`.
fn template(cx: &mut Ctx, owner: usize, t: usize) -> Template {
    let r = cx.t.resources[owner].clone();
    let td = cx.t.resources[t].clone();
    let defs: Vec<Expr> = td
        .properties
        .get("ContainerDefinitions")
        .and_then(|d| d.as_list())
        .map(|d| d.to_vec())
        .unwrap_or_default();
    let (task_role, exec_role) = roles(cx, t);
    let puller = exec_role.or(task_role);
    let puller_id = puller.map(|j| cx.reference_expr(j, "{sym}.id"));
    let (split, changed) = shares(cx, t, &defs);
    let mut out = Template {
        containers: Vec::new(),
        secrets: Vec::new(),
        registries: Vec::new(),
        ports: Vec::new(),
    };
    let mut unread: BTreeSet<String> = BTreeSet::new();
    let mut health = Vec::new();
    let mut servers: Vec<AzExpr> = Vec::new();
    for (k, d) in defs.iter().enumerate() {
        let name = field(d, "Name")
            .and_then(|n| fixed(cx, n))
            .map(|n| app_name(&n))
            .unwrap_or_else(|| format!("container-{}", k + 1));
        let mut c = vec![("name", AzExpr::Str(name.clone()))];
        if let Some(img) = field(d, "Image") {
            let (v, server) = image(cx, img);
            c.push(("image", v));
            if let Some(s) = server
                && !servers.contains(&s)
            {
                servers.push(s);
            }
        }
        if let Some(e) = field(d, "EntryPoint").filter(|e| !e.is_null()) {
            c.push(("command", cx.tr(e)));
        }
        if let Some(e) = field(d, "Command").filter(|e| !e.is_null()) {
            c.push(("args", cx.tr(e)));
        }
        let mut env = Vec::new();
        for v in field(d, "Environment")
            .and_then(|e| e.as_list())
            .unwrap_or_default()
        {
            let (Some(n), Some(val)) = (field(v, "Name"), field(v, "Value")) else {
                continue;
            };
            env.push(AzExpr::obj(vec![("name", cx.tr(n)), ("value", cx.tr(val))]));
        }
        for v in field(d, "Secrets")
            .and_then(|e| e.as_list())
            .unwrap_or_default()
        {
            let (Some(n), Some(from)) = (field(v, "Name"), field(v, "ValueFrom")) else {
                continue;
            };
            let secret = kebab(
                &n.literal_text()
                    .unwrap_or_else(|| format!("secret-{}", out.secrets.len() + 1)),
            )
            .replace('_', "-");
            let url = secret_url(cx, owner, &secret, from);
            let mut s = vec![("name", AzExpr::Str(secret.clone())), ("keyVaultUrl", url)];
            if let Some(id) = &puller_id {
                s.push(("identity", id.clone()));
            }
            if !out
                .secrets
                .iter()
                .any(|x| x.get("name") == Some(&AzExpr::Str(secret.clone())))
            {
                out.secrets.push(AzExpr::obj(s));
            }
            env.push(AzExpr::obj(vec![
                ("name", cx.tr(n)),
                ("secretRef", AzExpr::Str(secret)),
            ]));
        }
        if !env.is_empty() {
            c.push(("env", AzExpr::Array(env)));
        }
        let q = split.get(k).copied().unwrap_or(1);
        c.push((
            "resources",
            AzExpr::obj(vec![
                ("cpu", quarters(q)),
                (
                    "memory",
                    AzExpr::Str(format!("{}Gi", trim_num(q as f64 / 2.0))),
                ),
            ]),
        ));
        for m in field(d, "PortMappings")
            .and_then(|p| p.as_list())
            .unwrap_or_default()
        {
            if let Some(p) = field(m, "ContainerPort") {
                out.ports.push((name.clone(), p.clone()));
            }
        }
        if field(d, "HealthCheck").is_some() {
            health.push(name.clone());
        }
        if let ExprKind::Object(m) = &d.kind {
            for (key, _, _) in m {
                let mut c = key.chars();
                let pascal: String = c
                    .next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default();
                if !READ.contains(&pascal.as_str()) {
                    unread.insert(key.clone());
                }
            }
        }
        out.containers.push(AzExpr::obj(c));
    }
    for s in servers {
        let mut reg = vec![("server", s.clone())];
        if let Some(id) = &puller_id {
            reg.push(("identity", id.clone()));
        }
        out.registries.push(AzExpr::obj(reg));
    }
    // The puller's access: AcrPull on the template's registry, Key Vault Secrets User on
    // the template's vault.
    if let Some(j) = puller {
        let principal = cx.reference_expr(j, "{sym}.properties.principalId");
        let identity = cx.reference_expr(j, "{sym}.id");
        if let Some(reg) = cx.shared.get("containerRegistry").cloned()
            && out
                .registries
                .iter()
                .any(|x| x.get("server").is_some_and(|s| mentions(s, &reg)))
        {
            let access = "AWS::ECR::Repository:read";
            role_assignment(cx, owner, &reg, "AcrPull", access, &identity, &principal);
        }
        if let Some(kv) = cx.shared.get("keyVault").cloned()
            && out.secrets.iter().any(|x| {
                x.get("keyVaultUrl")
                    .is_some_and(|s| !matches!(s, AzExpr::Ident(_)))
            })
        {
            role_assignment(
                cx,
                owner,
                &kv,
                "SecretsUser",
                "AWS::SecretsManager::Secret:read",
                &identity,
                &principal,
            );
        }
    } else if !out.registries.is_empty() || !out.secrets.is_empty() {
        cx.decide(
            "container-app-no-identity",
            Some((&r.id, r.span)),
            &format!("{}: no identity pulls the images or reads the secrets", r.id),
            "The task definition names no execution role of this template; ECS pulled images and read secrets with it.",
            "The app's registries and secrets are written without an identity.",
            "Give the app a user-assigned identity with AcrPull on the registry and Key Vault Secrets User on the vault, and name it on the registries and secrets; until then the app does not start.",
        );
        cx.floor_status("partial");
    }
    let sized_by_parameter = from_parameter(td.properties.get("Cpu"))
        || from_parameter(td.properties.get("Memory"))
        || defs.iter().any(|d| {
            from_parameter(field(d, "Cpu"))
                || from_parameter(field(d, "Memory"))
                || from_parameter(field(d, "MemoryReservation"))
        });
    if sized_by_parameter {
        cx.decide(
            "container-size-parameter",
            Some((&r.id, r.span)),
            &format!("{}: the containers' size comes from parameter defaults", r.id),
            &format!("{} takes its CPU or memory from template parameters.", td.id),
            "The containers are sized from the parameters' default values: Container Apps sizes are fixed combinations, so a size is chosen at conversion rather than at deployment.",
            "If deployments passed other sizes, change the containers' `cpu` and `memory` to the Container Apps size that fits them.",
        );
    }
    if let Some((vcpu, gib)) = changed {
        let total: u32 = split.iter().sum();
        cx.decide(
            "container-resources-rounded",
            Some((&r.id, r.span)),
            &format!("{}: CPU and memory rounded to a Container Apps size", r.id),
            &format!("The task had {} vCPU and {} GiB of memory ({}). Container Apps on the Consumption profile take 0.25 to 4 vCPU in steps of 0.25, with 2 GiB of memory per vCPU, summed over the containers.", trim_num(vcpu), trim_num(gib), td.id),
            &format!("The app gets {} vCPU and {} GiB, split between its containers{}.", trim_num(total as f64 / 4.0), trim_num(total as f64 / 2.0), if need_more(vcpu, gib) { " (the most the Consumption profile gives; the task needed more)" } else { "" }),
            "Check the app's performance and cost at this size; a dedicated workload profile gives larger sizes.",
        );
        if need_more(vcpu, gib) {
            cx.floor_status("partial");
        }
    }
    if !health.is_empty() {
        cx.decide(
            "container-health-command",
            Some((&r.id, r.span)),
            &format!("{}: command health checks become probes by hand", r.id),
            &format!("The containers {} had Docker health checks, which run a command in the container.", health.join(", ")),
            "Container Apps probes are HTTP or TCP checks; no probe is generated (the platform's default TCP probes on the ingress port apply).",
            "Add liveness and readiness probes (`httpGet` on the health endpoint the command called) to the containers.",
        );
    }
    if !unread.is_empty() {
        let list: Vec<String> = unread.iter().map(|k| format!("`{k}`")).collect();
        cx.decide(
            "container-settings",
            Some((&r.id, r.span)),
            &format!("{}: container settings not carried over", r.id),
            &format!("The container definitions of {} set {}.", td.id, list.join(", ")),
            "The containers are written with their images, commands, environment, secrets and sizes; those settings are not carried over (volumes need Azure Files or EmptyDir volumes on the app, links and dependencies have no counterpart, log drivers become the environment's Log Analytics logs).",
            "Review each setting against the app's template and add what the workload needs.",
        );
    }
    if td
        .properties
        .get("Volumes")
        .and_then(|v| v.as_list())
        .is_some_and(|v| !v.is_empty())
    {
        cx.decide(
            "container-volumes",
            Some((&r.id, r.span)),
            &format!("{}: volumes become Azure Files or EmptyDir volumes by hand", r.id),
            &format!("The task definition {} declares volumes (bind mounts, EFS or Docker volumes).", td.id),
            "No volume is generated.",
            "Add an Azure Files share to the environment's storage and a volume (`AzureFile`, or `EmptyDir` for scratch space) with its mounts to the app.",
        );
        cx.floor_status("partial");
    }
    out
}

/// Does task definition `t` list its containers literally? When not (a module output,
/// a file read at plan time), a decision: the app of `owner` is not generated.
fn has_containers(cx: &mut Ctx, owner: usize, t: usize) -> bool {
    let defs = cx.t.resources[t].properties.get("ContainerDefinitions");
    if defs
        .and_then(|d| d.as_list())
        .is_some_and(|d| !d.is_empty())
    {
        return true;
    }
    let r = cx.t.resources[owner].clone();
    let tid = cx.t.resources[t].id.clone();
    cx.decide(
        "container-definitions-unknown",
        Some((&r.id, r.span)),
        &format!("{}: the containers are not known before deployment", r.id),
        &format!("The container definitions of {tid} are built at plan time (a module output, a file or a template function), not written in the source."),
        "No container app or job is generated: its containers, images and sizes are unknown.",
        "Write the app's containers from the definitions the source builds.",
    );
    cx.floor_status("manual");
    false
}

fn need_more(vcpu: f64, gib: f64) -> bool {
    vcpu > 4.0 || gib > 8.0
}

/// The Key Vault URL of secret `name` of the app of `owner`: the Key Vault secret a
/// Secrets Manager secret of the template became, else a parameter.
fn secret_url(cx: &mut Ctx, owner: usize, name: &str, from: &Expr) -> AzExpr {
    let mut target = cx.referenced_resource(from);
    if target.is_none()
        && let ExprKind::Sub(parts) = &from.kind
    {
        target = parts.iter().find_map(|p| match p {
            SubPart::Expr(x) => cx.referenced_resource(x),
            _ => None,
        });
    }
    let target = target.filter(|j| {
        cx.prepared[*j]
            .entry
            .as_ref()
            .and_then(|e| e.resources.first())
            .is_some_and(|x| x.ty == "Microsoft.KeyVault/vaults/secrets")
    });
    if let Some(j) = target {
        if matches!(from.kind, ExprKind::Sub(_)) {
            let r = cx.t.resources[owner].clone();
            cx.decide(
                "container-secret-json-key",
                Some((&r.id, r.span)),
                &format!("{}: a secret's JSON key is read by the app", r.id),
                "ECS read one key of a JSON secret (`arn:…:key::`) into the environment variable.",
                "The environment variable receives the whole Key Vault secret.",
                "Store the key's value as a secret of its own, or parse the JSON in the application.",
            );
        }
        return cx.reference_expr(j, "{sym}.properties.secretUri");
    }
    let r = cx.t.resources[owner].clone();
    let p = cx.param_for(&format!("{}-{name}-secret-url", kebab(&r.id)), "string", |p| {
        p.description = Some(format!("Key Vault secret URL (`https://<vault>.vault.azure.net/secrets/<name>`) of the secret `{name}` of {} (was an SSM parameter or a secret of another stack).", r.id));
        p.required_reason = Some("the secret is not declared in this template".into());
    });
    AzExpr::ident(p)
}

/// A role assignment on `scope` for an identity, for the app or job of `owner`: the
/// built-in role the access table gives for `access` (`AWS::ECR::Repository:read` →
/// AcrPull), once per scope and identity.
fn role_assignment(
    cx: &mut Ctx,
    owner: usize,
    scope: &str,
    label: &str,
    access: &str,
    identity: &AzExpr,
    principal: &AzExpr,
) {
    let Some(role) = cx.tables.lookup_str("access-roles", access, "role") else {
        return;
    };
    let r = cx.t.resources[owner].clone();
    let comment = format!(
        "{label} for the identity that pulls the images and reads the secrets of {} (was its execution role's ECR and Secrets Manager permissions).",
        r.id
    );
    let mut assignment = super::access::builtin_assignment(
        String::new(),
        AzExpr::ident(scope),
        identity.clone(),
        &role,
        principal.clone(),
        comment,
        r.id.clone(),
    );
    // Apps and jobs that share an identity share its assignment.
    if cx
        .module
        .resources
        .iter()
        .any(|x| x.ty == ROLE_ASSIGNMENT.0 && x.name == assignment.name)
    {
        return;
    }
    let sym = cx.syms.alloc(&format!("{}{label}", cx.prepared[owner].sym));
    assignment.symbol = sym.clone();
    cx.module.resources.push(assignment);
    cx.extra_azure.push((ROLE_ASSIGNMENT.0.into(), sym));
}

/// The balancers that forward to service `s` (its `LoadBalancers`' target groups):
/// (balancer, target group).
fn balancers_of(cx: &Ctx, s: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for lb in cx.t.resources[s]
        .properties
        .get("LoadBalancers")
        .and_then(|l| l.as_list())
        .unwrap_or_default()
    {
        let Some(tg) = lb
            .get("TargetGroupArn")
            .and_then(|x| cx.referenced_resource(x))
            .filter(|tg| cx.plays(*tg, "load-balancers", "target-group"))
        else {
            continue;
        };
        for l in 0..cx.t.resources.len() {
            if cx.plays(l, "load-balancers", "balancer")
                && super::gateways::target_groups(cx, l).contains(&tg)
            {
                out.push((l, tg));
            }
        }
    }
    out
}

/// The services registered in target group `tg` that become container apps.
pub(super) fn apps_in_target_group(cx: &Ctx, tg: usize) -> Vec<usize> {
    services(cx)
        .into_iter()
        .filter(|s| cx.prepared[*s].entry.is_some() && task_of(cx, *s).is_some())
        .filter(|s| {
            cx.t.resources[*s]
                .properties
                .get("LoadBalancers")
                .and_then(|l| l.as_list())
                .unwrap_or_default()
                .iter()
                .any(|lb| {
                    lb.get("TargetGroupArn")
                        .and_then(|x| cx.referenced_resource(x))
                        == Some(tg)
                })
        })
        .collect()
}

/// `properties` of service `s`'s container app.
pub fn container_app_properties(
    cx: &mut Ctx,
    s: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    let r = cx.t.resources[s].clone();
    let Some(t) = task_of(cx, s) else {
        cx.decide(
            "container-app-task-unresolved",
            Some((&r.id, r.span)),
            &format!("{}: the task definition is not in this template", r.id),
            "The service runs a task definition this template does not declare (a parameter, or a family name).",
            "No container app is generated: its containers are unknown.",
            "Write the container app with the containers of that task definition.",
        );
        cx.floor_status("manual");
        return None;
    };
    if !has_containers(cx, s, t) {
        return None;
    }
    let env = environment_id(cx, s);
    let tpl = template(cx, s, t);
    let p = &r.properties;
    if p.get("LaunchType")
        .and_then(|l| l.literal_text())
        .is_some_and(|l| l == "EC2")
        || p.get("CapacityProviderStrategy").is_some()
    {
        cx.decide(
            "container-app-ec2-capacity",
            Some((&r.id, r.span)),
            &format!("{}: EC2 capacity becomes the Consumption profile", r.id),
            "The service ran on EC2 container instances or capacity providers that the template manages.",
            "The app runs on the environment's serverless Consumption workload profile; the container instances, their Auto Scaling group and capacity providers are not needed for it.",
            "Choose a dedicated workload profile if the tasks needed host features (GPUs, large sizes, host networking).",
        );
    }
    if p.get("ServiceRegistries").is_some() {
        cx.decide(
            "container-app-discovery",
            Some((&r.id, r.span)),
            &format!("{}: service discovery becomes the environment's app names", r.id),
            "The service registered its tasks in Cloud Map for DNS discovery.",
            "Apps of the same environment reach each other by app name (`http://<app name>`); no registry is generated.",
            "Point clients at the app's name (inside the environment) or its ingress FQDN instead of the Cloud Map name.",
        );
    }
    // Ingress: the port the load balancer forwarded to, else the first container port.
    let fronted = balancers_of(cx, s);
    let lb_port = p
        .get("LoadBalancers")
        .and_then(|l| l.as_list())
        .and_then(|l| l.first())
        .and_then(|l| l.get("ContainerPort"))
        .cloned();
    let port = lb_port.or_else(|| tpl.ports.first().map(|(_, p)| p.clone()));
    let port = port.map(|p| match p.literal_i64() {
        Some(n) => (AzExpr::Int(n), n.to_string()),
        None => {
            let text = match &p.kind {
                ExprKind::Ref(n) => format!("`{n}`"),
                _ => "its expression".to_string(),
            };
            (crate::azure::coerce(cx.tr(&p), "int"), text)
        }
    });
    // A load balancer in another template: its scheme is unknown; the app is reachable
    // from outside the environment as it was from the balancer.
    let elsewhere = fronted.is_empty()
        && p.get("LoadBalancers")
            .and_then(|l| l.as_list())
            .is_some_and(|l| !l.is_empty());
    let public = elsewhere
        || fronted.iter().any(|(l, _)| {
            cx.t.resources[*l]
                .properties
                .get("Scheme")
                .and_then(|x| x.literal_text())
                .is_none_or(|x| x != "internal")
        });
    let mut configuration = vec![("activeRevisionsMode", AzExpr::str("Single"))];
    if let Some((port_expr, port)) = port {
        configuration.push((
            "ingress",
            AzExpr::obj(vec![
                ("external", AzExpr::Bool(public)),
                ("targetPort", port_expr),
                ("transport", AzExpr::str("auto")),
                ("allowInsecure", AzExpr::Bool(false)),
            ]),
        ));
        cx.decide(
            "container-app-ingress",
            Some((&r.id, r.span)),
            &format!("{}: the app's ingress serves port {port}", r.id),
            "ECS tasks receive traffic on their container ports from load balancers or other tasks in the VPC.",
            &if elsewhere {
                format!("The app has external HTTPS ingress to port {port}; its load balancer is in another template, whose gateway must forward to the app's FQDN over HTTPS.")
            } else if fronted.is_empty() {
                format!("The app has HTTPS ingress to port {port}, reachable inside the environment only (the service had no load balancer).")
            } else if public {
                format!("The app has external HTTPS ingress to port {port}; the load balancer that replaces its target group forwards to the app's FQDN over HTTPS.")
            } else {
                format!("The app has HTTPS ingress to port {port}, reachable inside the environment only; its load balancer was internal.")
            },
            "Clients and load balancers use the app's FQDN over HTTPS (Container Apps terminates TLS and balances between replicas); restrict external ingress with IP restrictions if only the gateway may call it.",
        );
    }
    if fronted
        .iter()
        .any(|(l, _)| super::gateways::is_network_lb(cx, *l))
    {
        cx.decide(
            "container-app-network-lb",
            Some((&r.id, r.span)),
            &format!("{}: a network load balancer cannot target the app", r.id),
            "The service was registered in a network load balancer's target group.",
            "The Standard Load Balancer's pool stays empty: a container app is reached through its own ingress, not by replica addresses.",
            "Expose the app's ingress (TCP transport for non-HTTP protocols) and point clients at it, or remove the load balancer.",
        );
        cx.floor_status("partial");
    }
    if !tpl.secrets.is_empty() {
        configuration.push(("secrets", AzExpr::Array(tpl.secrets)));
    }
    if !tpl.registries.is_empty() {
        configuration.push(("registries", AzExpr::Array(tpl.registries)));
    }
    let scale = scale(cx, s);
    Some(AzExpr::obj(vec![
        ("environmentId", env),
        ("workloadProfileName", AzExpr::str("Consumption")),
        ("configuration", AzExpr::obj(configuration)),
        (
            "template",
            AzExpr::obj(vec![
                ("containers", AzExpr::Array(tpl.containers)),
                ("scale", scale),
            ]),
        ),
    ]))
}

/// `properties` of the job of task definition `t` (only when no service runs it).
pub fn container_job_properties(
    cx: &mut Ctx,
    t: usize,
    _consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    if runs_in_service(cx, t) {
        cx.folded = true;
        return None;
    }
    let r = cx.t.resources[t].clone();
    if !has_containers(cx, t, t) {
        return None;
    }
    let env = environment_id(cx, t);
    let tpl = template(cx, t, t);
    cx.decide(
        "container-job",
        Some((&r.id, r.span)),
        &format!("{}: the task definition becomes a job", r.id),
        "No service of this template runs the task definition: tasks of it were started by `RunTask`, a schedule or another service.",
        "It becomes a Container Apps job with a manual trigger (30-minute timeout, no retries) that runs its containers once per start.",
        "Start it with `az containerapp job start`; a schedule becomes the job's schedule trigger (a cron expression), an event source its event trigger.",
    );
    let mut configuration = vec![
        ("triggerType", AzExpr::str("Manual")),
        ("replicaTimeout", AzExpr::Int(1800)),
        ("replicaRetryLimit", AzExpr::Int(0)),
        (
            "manualTriggerConfig",
            AzExpr::obj(vec![
                ("parallelism", AzExpr::Int(1)),
                ("replicaCompletionCount", AzExpr::Int(1)),
            ]),
        ),
    ];
    if !tpl.secrets.is_empty() {
        configuration.push(("secrets", AzExpr::Array(tpl.secrets)));
    }
    if !tpl.registries.is_empty() {
        configuration.push(("registries", AzExpr::Array(tpl.registries)));
    }
    Some(AzExpr::obj(vec![
        ("environmentId", env),
        ("workloadProfileName", AzExpr::str("Consumption")),
        ("configuration", AzExpr::obj(configuration)),
        (
            "template",
            AzExpr::obj(vec![("containers", AzExpr::Array(tpl.containers))]),
        ),
    ]))
}

/// The service a scalable target (or a policy's `ResourceId`) scales: the service its
/// `ResourceId` names.
fn scaled_service(cx: &Ctx, e: Option<&Expr>) -> Option<usize> {
    first_of_role(cx, e, "service")
}

/// The first resource of role `role` that expression `e` references anywhere inside.
fn first_of_role(cx: &Ctx, e: Option<&Expr>, role: &str) -> Option<usize> {
    let mut found = None;
    e?.walk(&mut |x| {
        if found.is_none()
            && let Some(j) = cx.referenced_resource(x)
            && cx.plays(j, PASS, role)
        {
            found = Some(j);
        }
    });
    found
}

/// The scalable target of policy `p`: its `ScalingTargetId`, or the target with the
/// same resource.
fn target_of_policy(cx: &Ctx, p: usize) -> Option<usize> {
    let props = &cx.t.resources[p].properties;
    // `ScalingTargetId`, or (Terraform) the target's own `resource_id` attribute.
    if let Some(t) = referenced(cx, props.get("ScalingTargetId"), "scalable-target")
        .or_else(|| first_of_role(cx, props.get("ResourceId"), "scalable-target"))
    {
        return Some(t);
    }
    let svc = scaled_service(cx, props.get("ResourceId"))?;
    (0..cx.t.resources.len()).find(|t| {
        cx.plays(*t, PASS, "scalable-target")
            && scaled_service(cx, cx.t.resources[*t].properties.get("ResourceId")) == Some(svc)
    })
}

/// The service whose app's utilization scale rule alarm `a` drives: an alarm on the
/// average CPU or memory utilization of an ECS service whose only actions are step
/// scaling policies of that service (see `step_alarm`).
pub(super) fn drives_app_scaling(cx: &Ctx, a: usize) -> Option<usize> {
    let p = &cx.t.resources[a].properties;
    let get = |k: &str| p.get(k).and_then(|x| fixed(cx, x));
    if get("Namespace").as_deref() != Some("AWS/ECS")
        || !matches!(
            get("MetricName").as_deref(),
            Some("CPUUtilization" | "MemoryUtilization")
        )
    {
        return None;
    }
    let actions = super::network::rule_list(p.get("AlarmActions"));
    let mut service = None;
    for x in &actions {
        let pol = cx
            .referenced_resource(x)
            .filter(|j| cx.plays(*j, PASS, "scaling-policy"))
            .filter(|j| {
                cx.t.resources[*j]
                    .properties
                    .get("StepScalingPolicyConfiguration")
                    .is_some()
            })?;
        let t = target_of_policy(cx, pol)?;
        let s = scaled_service(cx, cx.t.resources[t].properties.get("ResourceId"))?;
        if service.is_some_and(|x| x != s) {
            return None;
        }
        service = Some(s);
    }
    service
}

/// Step scaling policy `p` driven by a CloudWatch alarm on the service's average CPU or
/// memory utilization: the scale-out policy becomes a utilization scale rule at the
/// alarm's threshold, the scale-in one folds into it. `None` when no such alarm
/// triggers the policy; `(rule, true)` when handled.
fn step_alarm(cx: &mut Ctx, p: usize) -> Option<(Option<AzExpr>, bool)> {
    let pr = cx.t.resources[p].clone();
    pr.properties.get("StepScalingPolicyConfiguration")?;
    let alarm = (0..cx.t.resources.len()).find(|a| {
        cx.t.resources[*a].ty == "AWS::CloudWatch::Alarm"
            && super::network::rule_list(cx.t.resources[*a].properties.get("AlarmActions"))
                .iter()
                .any(|x| cx.referenced_resource(x) == Some(p))
    })?;
    let ar = cx.t.resources[alarm].clone();
    let get = |k: &str| ar.properties.get(k).and_then(|x| fixed(cx, x));
    if get("Namespace").as_deref() != Some("AWS/ECS") {
        return None;
    }
    let kind = match get("MetricName").as_deref() {
        Some("CPUUtilization") => "cpu",
        Some("MemoryUtilization") => "memory",
        _ => return None,
    };
    let threshold = get("Threshold").and_then(|t| t.parse::<f64>().ok())?;
    let out = get("ComparisonOperator")?.starts_with("GreaterThan");
    let what = if kind == "cpu" { "CPU" } else { "memory" };
    if !out {
        cx.decide_later(
            p,
            "container-scale-step-alarm",
            &format!("{}: scale-in folds into the utilization scale rule", pr.id),
            &format!(
                "The step policy removed tasks when alarm {} saw average {what} utilization below {threshold} %.",
                cx.t.report_name(&ar.id)
            ),
            "No rule of its own: the app's utilization scale rule removes replicas when the average falls below its target.",
            "Scale-in follows the scale-out threshold rather than a separate lower one; the step sizes and cooldown are not carried over (KEDA scales in after its cooldown of 300 s).",
            None,
        );
        return Some((None, true));
    }
    cx.decide_later(
        p,
        "container-scale-step-alarm",
        &format!("{}: the alarm-driven step policy becomes a {what} utilization scale rule", pr.id),
        &format!(
            "The step policy added tasks when alarm {} saw average {what} utilization at or above {threshold} %.",
            cx.t.report_name(&ar.id)
        ),
        &format!("A `{kind}` scale rule keeps the replicas' average utilization near {threshold} %."),
        "Container Apps adds as many replicas as the average needs rather than the policy's fixed steps; the cooldown and evaluation periods are not carried over.",
        None,
    );
    Some((
        Some(utilization_rule(app_name(&pr.id), kind, threshold)),
        true,
    ))
}

/// A KEDA `cpu` or `memory` scale rule that keeps the replicas' average utilization
/// near `target` percent.
fn utilization_rule(name: String, kind: &str, target: f64) -> AzExpr {
    AzExpr::obj(vec![
        ("name", AzExpr::Str(name)),
        (
            "custom",
            AzExpr::obj(vec![
                ("type", AzExpr::str(kind)),
                (
                    "metadata",
                    AzExpr::obj(vec![
                        ("type", AzExpr::str("Utilization")),
                        ("value", AzExpr::Str(format!("{}", target.round() as i64))),
                    ]),
                ),
            ]),
        ),
    ])
}

/// `scale` of service `s`'s app: the scalable target's bounds (else the desired count,
/// fixed) and a rule per target tracking policy.
fn scale(cx: &mut Ctx, s: usize) -> AzExpr {
    let r = cx.t.resources[s].clone();
    let target = (0..cx.t.resources.len()).find(|t| {
        cx.plays(*t, PASS, "scalable-target")
            && scaled_service(cx, cx.t.resources[*t].properties.get("ResourceId")) == Some(s)
    });
    let desired = r.properties.get("DesiredCount").cloned();
    let count = |cx: &mut Ctx, e: Option<&Expr>, default: i64| -> AzExpr {
        match e {
            Some(x) => match x.literal_i64() {
                Some(n) => AzExpr::Int(n),
                None => crate::azure::coerce(cx.tr(x), "int"),
            },
            None => AzExpr::Int(default),
        }
    };
    let Some(t) = target else {
        let n = count(cx, desired.as_ref(), 1);
        return AzExpr::obj(vec![("minReplicas", n.clone()), ("maxReplicas", n)]);
    };
    let tp = cx.t.resources[t].properties.clone();
    let min = count(cx, tp.get("MinCapacity"), 1);
    let max = count(cx, tp.get("MaxCapacity"), 10);
    let mut rules = Vec::new();
    let policies: Vec<usize> = (0..cx.t.resources.len())
        .filter(|p| cx.plays(*p, PASS, "scaling-policy") && target_of_policy(cx, *p) == Some(t))
        .collect();
    for p in policies {
        let pr = cx.t.resources[p].clone();
        let cfg = pr
            .properties
            .get("TargetTrackingScalingPolicyConfiguration");
        let metric = cfg
            .and_then(|c| c.path("PredefinedMetricSpecification.PredefinedMetricType"))
            .and_then(|m| m.literal_text());
        let value = cfg
            .and_then(|c| c.get("TargetValue"))
            .and_then(|v| v.literal_text())
            .and_then(|v| v.parse::<f64>().ok());
        let name = app_name(&pr.id);
        let rule = match (metric.as_deref(), value) {
            (
                Some(
                    m @ ("ECSServiceAverageCPUUtilization" | "ECSServiceAverageMemoryUtilization"),
                ),
                Some(v),
            ) => {
                let kind = if m.contains("CPU") { "cpu" } else { "memory" };
                Some(utilization_rule(name, kind, v))
            }
            (Some("ALBRequestCountPerTarget"), Some(v)) => {
                // Requests per target per minute → concurrent requests per replica, at
                // about one second per request.
                let concurrent = ((v / 60.0).ceil() as i64).max(1);
                cx.decide_later(
                    p,
                    "container-scale-requests",
                    &format!("{}: requests per target become concurrent requests", pr.id),
                    &format!("The policy kept about {v} requests per target per minute."),
                    &format!("The app's HTTP scale rule adds a replica per {concurrent} concurrent requests (the target divided by 60, as if each request took a second)."),
                    "Tune `concurrentRequests` to the app's real latency.",
                    None,
                );
                Some(AzExpr::obj(vec![
                    ("name", AzExpr::Str(name)),
                    (
                        "http",
                        AzExpr::obj(vec![(
                            "metadata",
                            AzExpr::obj(vec![(
                                "concurrentRequests",
                                AzExpr::Str(concurrent.to_string()),
                            )]),
                        )]),
                    ),
                ]))
            }
            _ => None,
        };
        let rule = match rule {
            Some(x) => Some(x),
            None => match step_alarm(cx, p) {
                Some((rule, true)) => {
                    if let Some(x) = rule {
                        rules.push(x);
                    }
                    continue;
                }
                _ => None,
            },
        };
        match rule {
            Some(x) => rules.push(x),
            None => drop(cx.decide_later(
                p,
                "container-scale-policy-manual",
                &format!("{}: the scaling policy becomes a scale rule by hand", pr.id),
                "The policy is a step scaling policy, or tracks a custom metric, which Container Apps scale rules do not take as they are.",
                "No scale rule is generated for it; the app keeps its replica bounds.",
                "Add a KEDA scale rule (custom type: the queue, metric or schedule the policy followed) to the app.",
                Some("manual"),
            )),
        }
    }
    if tp.get("ScheduledActions").is_some() {
        cx.decide_later(
            t,
            "container-scale-schedule",
            &format!(
                "{}: scheduled actions become a cron scale rule by hand",
                cx.t.resources[t].id
            ),
            "The scalable target changed its bounds on a schedule.",
            "No rule is generated for the schedule.",
            "Add a KEDA `cron` scale rule with the schedule's times and replica count to the app.",
            Some("partial"),
        );
    }
    let mut out = vec![("minReplicas", min), ("maxReplicas", max)];
    if !rules.is_empty() {
        out.push(("rules", AzExpr::Array(rules)));
    }
    AzExpr::obj(out)
}

/// Task definitions that became jobs or apps, scalable targets and policies of other
/// services, and apps' dependencies on the role assignments they need to start.
pub fn finish(cx: &mut Ctx) {
    for t in 0..cx.t.resources.len() {
        let scales = cx.plays(t, PASS, "scalable-target") || cx.plays(t, PASS, "scaling-policy");
        if !scales || cx.prepared[t].entry.is_none() {
            continue;
        }
        let r = cx.t.resources[t].clone();
        let svc = if cx.plays(t, PASS, "scalable-target") {
            scaled_service(cx, r.properties.get("ResourceId"))
        } else {
            target_of_policy(cx, t)
                .and_then(|x| scaled_service(cx, cx.t.resources[x].properties.get("ResourceId")))
                .or_else(|| scaled_service(cx, r.properties.get("ResourceId")))
        };
        if svc.is_some_and(|s| task_of(cx, s).is_some()) {
            continue;
        }
        // A policy reads its target's namespace and resource.
        let own = match target_of_policy(cx, t).filter(|_| cx.plays(t, PASS, "scaling-policy")) {
            Some(x) => cx.t.resources[x].properties.clone(),
            None => r.properties.clone(),
        };
        let ns = own
            .get("ServiceNamespace")
            .and_then(|n| n.literal_text())
            .unwrap_or_else(|| "another service".into());
        // A DynamoDB table that became a Cosmos DB container scales its own throughput.
        let table = {
            let mut found = None;
            if let Some(e) = own.get("ResourceId") {
                e.walk(&mut |x| {
                    if found.is_none()
                        && let Some(j) = cx.referenced_resource(x)
                        && cx.t.resources[j].ty == "AWS::DynamoDB::Table"
                        && cx.prepared[j].entry.is_some()
                    {
                        found = Some(j);
                    }
                });
            }
            found
        };
        if ns == "dynamodb"
            && let Some(j) = table
        {
            let tid = cx.t.resources[j].id.clone();
            cx.decide_later(
                t,
                "dynamodb-autoscaling-cosmos",
                &format!("{}: Cosmos DB autoscale replaces the table's scaling", r.id),
                &format!("Application Auto Scaling changed the provisioned capacity of {tid} between bounds."),
                &format!("The Cosmos DB container that replaces {tid} has autoscale throughput, which scales between 10% and 100% of its maximum RU/s on its own; no scaling resource is generated."),
                "Set the container's autoscale maximum to the RU/s the table's maximum capacity needed (1 RCU ≈ 1 RU for a 1 KB read, 1 WCU ≈ 5 RU for a 1 KB write).",
                None,
            );
            continue;
        }
        cx.decide_later(
            t,
            "app-autoscaling-other",
            &format!("{}: scaling of {ns} is not converted", r.id),
            &format!("Application Auto Scaling scaled a resource of {ns} that is not an ECS service of this template."),
            "Nothing is generated for it.",
            "Configure the scaling of the Azure resource that replaces it (Cosmos DB autoscale throughput, Functions' instance limits, the app of a service in another template).",
            Some("manual"),
        );
    }
    ingress_rules(cx);
    // Apps and jobs start by pulling their images: they wait for the role assignments
    // of the identity their registries and secrets name.
    let assignments: Vec<(String, String)> = cx
        .module
        .resources
        .iter()
        .filter(|x| x.ty == ROLE_ASSIGNMENT.0)
        .filter_map(|x| {
            let p = x
                .body
                .iter()
                .find(|(k, _)| k == "properties")?
                .1
                .get("principalId")?;
            match p {
                AzExpr::Member(b, _) => match b.as_ref() {
                    AzExpr::Member(root, _) => match root.as_ref() {
                        AzExpr::Ident(id) => Some((id.clone(), x.symbol.clone())),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            }
        })
        .collect();
    for res in cx.module.resources.iter_mut() {
        if res.ty != "Microsoft.App/containerApps" && res.ty != "Microsoft.App/jobs" {
            continue;
        }
        let config = res
            .body
            .iter()
            .find(|(k, _)| k == "properties")
            .and_then(|(_, p)| p.get("configuration"))
            .cloned()
            .unwrap_or_default();
        let pulls: Vec<AzExpr> = ["registries", "secrets"]
            .iter()
            .filter_map(|k| config.get(k).cloned())
            .collect();
        for (identity, sym) in &assignments {
            let named = pulls.iter().any(|p| mentions(p, identity));
            if named && !res.depends_on.contains(sym) {
                res.depends_on.push(sym.clone());
            }
        }
    }
}

/// The NSG on an environment's subnet filters traffic to the environment's ingress
/// (ports 80 and 443), not to the container ports the security group's rules opened:
/// each inbound rule that admitted a container port of the cluster's apps gets a twin
/// for the ingress ports, so the same sources reach the apps.
fn ingress_rules(cx: &mut Ctx) {
    for c in 0..cx.t.resources.len() {
        if !cx.plays(c, PASS, "cluster") || cx.prepared[c].entry.is_none() {
            continue;
        }
        let cid = cx.t.resources[c].id.clone();
        let Some(nsg) = cx
            .module
            .resources
            .iter()
            .find(|x| x.source == cid && x.ty == crate::azure::types::SUBNET.ty)
            .and_then(|x| x.body.iter().find(|(k, _)| k == "properties"))
            .and_then(|(_, p)| p.get("networkSecurityGroup"))
            .and_then(|n| n.get("id"))
            .and_then(|id| match id {
                AzExpr::Member(b, m) if m == "id" => match b.as_ref() {
                    AzExpr::Ident(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            })
        else {
            continue;
        };
        let mut ports: Vec<i64> = Vec::new();
        for s in services_of(cx, c) {
            let Some(t) = task_of(cx, s) else { continue };
            for d in cx.t.resources[t]
                .properties
                .get("ContainerDefinitions")
                .and_then(|d| d.as_list())
                .unwrap_or_default()
            {
                for m in field(d, "PortMappings")
                    .and_then(|p| p.as_list())
                    .unwrap_or_default()
                {
                    if let Some(p) = field(m, "ContainerPort")
                        .and_then(|p| fixed(cx, p))
                        .and_then(|p| p.parse::<i64>().ok())
                    {
                        ports.push(p);
                    }
                }
            }
        }
        let covers = |range: &str| {
            ports.iter().any(|p| match range.split_once('-') {
                Some((a, b)) => {
                    a.parse::<i64>().is_ok_and(|a| a <= *p)
                        && b.parse::<i64>().is_ok_and(|b| *p <= b)
                }
                None => range == "*" || range.parse::<i64>().is_ok_and(|x| x == *p),
            })
        };
        let Some(rules) = cx
            .module
            .resources
            .iter_mut()
            .find(|x| x.symbol == nsg)
            .and_then(|x| x.body.iter_mut().find(|(k, _)| k == "properties"))
            .and_then(|(_, p)| match p {
                AzExpr::Object(m) => m
                    .iter_mut()
                    .find(|(k, _)| matches!(k, AzKey::Name(n) if n == "securityRules")),
                _ => None,
            })
            .and_then(|(_, r)| match r {
                AzExpr::Array(a) => Some(a),
                _ => None,
            })
        else {
            continue;
        };
        let mut next = rules
            .iter()
            .filter_map(
                |r| match r.get("properties").and_then(|p| p.get("priority")) {
                    Some(AzExpr::Int(n)) if *n < 4000 => Some(*n),
                    _ => None,
                },
            )
            .max()
            .unwrap_or(100);
        let mut twins = Vec::new();
        let mut twin_names = Vec::new();
        for r in rules.iter() {
            let Some(AzExpr::Object(props)) = r.get("properties") else {
                continue;
            };
            let get = |k: &str| {
                props
                    .iter()
                    .find(|(x, _)| matches!(x, AzKey::Name(n) if n == k))
                    .map(|(_, v)| v)
            };
            let inbound_allow = get("direction") == Some(&AzExpr::str("Inbound"))
                && get("access") == Some(&AzExpr::str("Allow"));
            let range = match get("destinationPortRange") {
                Some(AzExpr::Str(s)) => s.clone(),
                _ => continue,
            };
            if !inbound_allow || range == "*" || !covers(&range) {
                continue;
            }
            let Some(AzExpr::Str(name)) = r.get("name") else {
                continue;
            };
            next += 1;
            twin_names.push((format!("{name}-ingress"), range.clone()));
            let props: Vec<(AzKey, AzExpr)> = props
                .iter()
                .filter(|(k, _)| !matches!(k, AzKey::Name(n) if n == "destinationPortRange" || n == "priority" || n == "description"))
                .cloned()
                .chain([
                    (AzKey::Name("priority".into()), AzExpr::Int(next)),
                    (
                        AzKey::Name("destinationPortRanges".into()),
                        AzExpr::Array(vec![AzExpr::str("80"), AzExpr::str("443")]),
                    ),
                    (
                        AzKey::Name("description".into()),
                        AzExpr::Str(format!("Ingress of the container apps of {cid} (the rule `{name}` opened their container port {range}).")),
                    ),
                ])
                .collect();
            twins.push(AzExpr::obj(vec![
                ("name", AzExpr::Str(format!("{name}-ingress"))),
                ("properties", AzExpr::Object(props)),
            ]));
        }
        let added = twins.len();
        rules.extend(twins);
        for (name, range) in twin_names {
            cx.port_twins.push((nsg.clone(), name, range));
        }
        if added > 0 {
            cx.decide(
                "container-apps-nsg-ingress",
                Some((&cid, cx.t.resources[c].span)),
                &format!("{cid}: the NSG admits the apps' ingress ports"),
                "The security group opened the tasks' container ports; in Azure the environment's ingress receives the traffic on ports 80 and 443 and forwards it to the container port inside the environment.",
                &format!("{added} inbound rule(s) that opened a container port get a twin for ports 80 and 443 from the same sources on the environment's subnet."),
                "Review the sources: clients of an external environment arrive from their public addresses, a gateway in the same virtual network from its public IP.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{app_name, trim_num};

    #[test]
    fn app_names_are_valid() {
        assert_eq!(
            app_name("books-microservice-lb-service"),
            "books-microservice-lb-service"
        );
        assert_eq!(app_name("WebService"), "web-service");
        assert_eq!(app_name("1st"), "ca-1st");
        assert!(app_name("a-very-long-service-name-that-goes-on-and-on").len() <= 32);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(trim_num(0.25), "0.25");
        assert_eq!(trim_num(1.5), "1.5");
        assert_eq!(trim_num(2.0), "2");
    }
}
