//! The pass registry: the cross-resource passes a type entry (or an exact service
//! hint) can name under `passes:`, and the roles a type can play in each. The passes
//! themselves live in the files named below; they find the resources they join by
//! role (`Ctx::plays`), never by type name, so a new AWS type joins
//! a pass with a line of YAML.

/// A pass: its name, the roles a type can play in it, and what it does.
pub struct Pass {
    pub name: &'static str,
    pub roles: &'static [&'static str],
    pub does: &'static str,
}

pub const PASSES: &[Pass] = &[
    Pass {
        name: "grants",
        roles: &[
            "role",
            "policy",
            "sam-policies",
            "connector",
            "app-settings",
            "separate-send-receive",
            "resource-policy",
            "data-access-policy",
        ],
        does: "IAM statements, SAM policy templates and connectors → role assignments on the translated resources (access.rs)",
    },
    Pass {
        name: "events",
        roles: &["function", "source-mapping", "source", "part"],
        does: "event sources of functions → trigger settings, Service Bus subscriptions and reader roles; function URLs, versions, aliases and invoke configs (`part: {function: Prop, cors: Prop}`) → `@Function`, the app of the function they configure, and its CORS settings (events.rs)",
    },
    Pass {
        name: "eventbridge",
        roles: &[
            "rule",
            "bus",
            "api-destination",
            "connection",
            "schedule",
            "pipe",
        ],
        does: "EventBridge rules → Event Grid event subscriptions on the topic of their bus (or of the default bus, or a storage account's system topic for S3 events), patterns as advanced filters; API destinations → WebHook endpoints with their connection's credentials as secret delivery attributes; scheduled rules and Scheduler schedules → timer-trigger settings of their functions, or Logic App recurrences; pipes → decisions quoting source, filters, enrichment and target (eventbridge.rs, scheduler.rs)",
    },
    Pass {
        name: "step-functions",
        roles: &["machine"],
        does: "Step Functions state machines → their ASL definitions written beside the output (`statemachines/<name>.asl.json`) for the Logic Apps rewrite, or a decision naming the definition's file (stepfunctions.rs)",
    },
    Pass {
        name: "flow-logs",
        roles: &["flow-log"],
        does: "VPC flow logs → virtual network flow logs of the region's existing Network Watcher (in its own resource group), written to the storage account of the template's bucket or one of their own, with traffic analytics into the workspace of their CloudWatch Logs group (flow_logs.rs)",
    },
    Pass {
        name: "instance-connect",
        roles: &["endpoint"],
        does: "EC2 Instance Connect endpoints → Azure Bastion Developer hosts on the virtual network of their subnet (instance_connect.rs)",
    },
    Pass {
        name: "security-groups",
        roles: &["group", "ingress", "egress", "vm"],
        does: "security groups, their standalone rules and members → NSGs, application security groups and the access check (network.rs, flows.rs)",
    },
    Pass {
        name: "rest-apis",
        roles: &[
            "api",
            "resource",
            "method",
            "authorizer",
            "plan",
            "plan-key",
            "key",
        ],
        does: "API Gateway REST APIs, their resource tree and methods → API Management operations with backend and token-validation policies (apis.rs)",
    },
    Pass {
        name: "load-balancers",
        roles: &[
            "balancer",
            "listener",
            "rule",
            "target-group",
            "classic",
            "certificate",
        ],
        does: "application load balancers with their listeners, rules and target groups → Application Gateways in a subnet of their own; backends admit the gateway subnet (gateways.rs); classic load balancers → Standard Load Balancers, clients passed through to the backends (classic_elb.rs); ACM certificates → Key Vault certificates their consumers name (certificates.rs)",
    },
    Pass {
        name: "dns",
        roles: &["zone", "record", "record-group", "health-check"],
        does: "Route 53 record sets → record sets of their type in the Azure DNS or private DNS zone, private zones linked to their VPCs' virtual networks (dns.rs)",
    },
    Pass {
        name: "edge",
        roles: &["distribution", "response-headers", "web-acl", "ip-set"],
        does: "CloudFront distributions → Front Door profiles with endpoints, origin groups, origins and routes; private bucket origins read with the profile's identity; aliases → custom domains (validated in a zone of the template), the default root object and response headers policies → rule sets; WAFv2 web ACLs → WAF policies linked by security policies (edge.rs, edge_waf.rs)",
    },
    Pass {
        name: "scale-sets",
        roles: &["group", "launch", "policy", "schedule", "alarm"],
        does: "Auto Scaling groups with their launch settings, scaling policies, scheduled actions and the alarms that trigger them → scale sets and autoscale settings (scale_sets.rs)",
    },
    Pass {
        name: "containers",
        roles: &[
            "cluster",
            "task",
            "service",
            "scalable-target",
            "scaling-policy",
        ],
        does: "ECS clusters, services and task definitions → Container Apps environments (with a subnet of their own), apps and jobs; Application Auto Scaling of services → scale rules (containers.rs)",
    },
    Pass {
        name: "network-acls",
        roles: &["acl", "entry", "association"],
        does: "network ACLs, their entries and subnet associations → an NSG per ACL on its subnets, rules in rule-number order ending in explicit denies (nacl.rs)",
    },
    Pass {
        name: "data-plane",
        roles: &["object", "item", "tag"],
        does: "S3 objects and DynamoDB table items → their content written beside the output with the command that loads it after the deployment; EC2 tags on resources of the template → one more tag on the Azure resource (data_plane.rs)",
    },
    Pass {
        name: "dhcp-options",
        roles: &["options", "association"],
        does: "DHCP options associated with VPCs → the DNS servers of the virtual networks; other options → decisions (dhcp.rs)",
    },
    Pass {
        name: "private-networking",
        roles: &["server", "subnet"],
        does: "servers in DB subnet groups → delegated subnets and private DNS zones; servers reached through a private endpoint (DocumentDB, Neptune) → a private endpoint in the group's first subnet (database.rs)",
    },
    Pass {
        name: "file-systems",
        roles: &["file-system", "mount-target"],
        does: "EFS mount targets → a private endpoint (group `file`) per file system and virtual network on the premium NFS share's storage account, registered in the template's privatelink.file zone linked to the network (file_systems.rs)",
    },
    Pass {
        name: "endpoints",
        roles: &["endpoint"],
        does: "VPC endpoints → service endpoints on the subnets of their route tables; interface endpoints → private endpoints on the Azure resources of the template that replace their service (group, `privatelink` zone and tier from `private-dns-zones`), or decisions (endpoints.rs, private_links.rs)",
    },
    Pass {
        name: "routes",
        roles: &["route", "association"],
        does: "routes and route table associations → the subnet's route table and NAT gateway (network.rs)",
    },
    Pass {
        name: "elastic-ips",
        roles: &["eip", "instance", "association"],
        does: "Elastic IPs given to instances (by the EIP or an association) → the public IP of the VM's network interface (network.rs)",
    },
    Pass {
        name: "alarm-actions",
        roles: &["subscription"],
        does: "e-mail subscriptions of alarm topics → action group receivers (compute.rs)",
    },
    Pass {
        name: "http-invocation",
        roles: &["permission"],
        does: "Lambda permissions for API Gateway → functions invoked over HTTP (apply.rs)",
    },
    Pass {
        name: "api-urls",
        roles: &["sam-api", "rest-api"],
        does: "SAM APIs named in URLs built with Fn::Sub → the API Management gateway URL (exprs.rs)",
    },
    Pass {
        name: "http-apis",
        roles: &[
            "api",
            "route",
            "integration",
            "authorizer",
            "model",
            "stage",
            "deployment",
        ],
        does: "API Gateway HTTP APIs, their routes, integrations and JWT authorizers → API Management operations with backend, token-validation and CORS policies, or, when every route goes to one function, that function app's own HTTPS endpoint (its CORS settings, no API Management); WebSocket APIs → Web PubSub hubs whose event handlers call the routes' functions (apis_v2.rs)",
    },
    Pass {
        name: "graphql-apis",
        roles: &["api", "schema", "data-source", "resolver", "key"],
        does: "AppSync GraphQL APIs with their schemas, data sources and resolvers → synthetic GraphQL APIs of API Management: the schema, managed resolvers whose `http-data-source` policies call the Lambda data sources' function apps or the HTTP endpoints, the default authorization mode as a subscription requirement or token validation; API keys → subscriptions (graphql.rs)",
    },
    Pass {
        name: "kubernetes",
        roles: &[
            "cluster",
            "nodegroup",
            "addon",
            "access-entry",
            "pod-identity",
            "fargate",
            "identity-provider",
            "oidc-provider",
        ],
        does: "EKS clusters with their node groups (the first eligible one the system pool), access entries and pod identity associations → AKS managed clusters, node pools, role assignments on the cluster and federated identity credentials (kubernetes.rs)",
    },
];

/// Why a `passes:` map is not valid: (the text to point at, message, help).
pub fn check(
    passes: &std::collections::BTreeMap<String, serde_yaml::Value>,
) -> Option<(String, String, String)> {
    use serde_yaml::Value;
    for (name, v) in passes {
        let Some(pass) = PASSES.iter().find(|p| p.name == name) else {
            let names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
            return Some((
                name.clone(),
                format!("unknown pass `{name}`"),
                format!("use one of {}", names.join(", ")),
            ));
        };
        let roles: Vec<String> = match v {
            Value::String(s) => vec![s.clone()],
            Value::Sequence(l) => l
                .iter()
                .map(|x| x.as_str().unwrap_or("?").to_string())
                .collect(),
            Value::Mapping(m) => m
                .keys()
                .map(|x| x.as_str().unwrap_or("?").to_string())
                .collect(),
            _ => vec!["?".into()],
        };
        if let Some(bad) = roles.iter().find(|r| !pass.roles.contains(&r.as_str())) {
            return Some((
                name.clone(),
                format!("`{bad}` is not a role of the pass `{name}`"),
                format!("use one of {}", pass.roles.join(", ")),
            ));
        }
    }
    None
}
