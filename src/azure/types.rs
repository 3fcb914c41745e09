//! The ARM types the converter creates or recognises on its own, outside the type
//! entries of `mappings/`: the resources the cross-resource passes add (security
//! group membership, public IPs, private DNS, subscriptions, grants), the children
//! that move into their parent, and the types the access checks read. One list, so
//! the passes and checks name no type of their own.

/// An ARM resource type and the API version the converter writes for it.
#[derive(Clone, Copy, Debug)]
pub struct ArmType {
    pub ty: &'static str,
    pub api: &'static str,
}

const NETWORK_API: &str = "2025-09-01";

pub const APPLICATION_SECURITY_GROUP: ArmType = ArmType {
    ty: "Microsoft.Network/applicationSecurityGroups",
    api: NETWORK_API,
};
pub const NETWORK_SECURITY_GROUP: ArmType = ArmType {
    ty: "Microsoft.Network/networkSecurityGroups",
    api: NETWORK_API,
};
pub const PUBLIC_IP: ArmType = ArmType {
    ty: "Microsoft.Network/publicIPAddresses",
    api: NETWORK_API,
};
pub const NAT_GATEWAY: ArmType = ArmType {
    ty: "Microsoft.Network/natGateways",
    api: NETWORK_API,
};
pub const SUBNET: ArmType = ArmType {
    ty: "Microsoft.Network/virtualNetworks/subnets",
    api: NETWORK_API,
};
/// A Standard Load Balancer declared by another template, and the backend pool a
/// target group of this one adds to it (the one load balancer child ARM deploys alone).
pub const LOAD_BALANCER: ArmType = ArmType {
    ty: "Microsoft.Network/loadBalancers",
    api: NETWORK_API,
};
pub const LB_BACKEND_POOL: ArmType = ArmType {
    ty: "Microsoft.Network/loadBalancers/backendAddressPools",
    api: NETWORK_API,
};
pub const ROUTE: ArmType = ArmType {
    ty: "Microsoft.Network/routeTables/routes",
    api: NETWORK_API,
};
pub const PRIVATE_DNS_ZONE: ArmType = ArmType {
    ty: "Microsoft.Network/privateDnsZones",
    api: "2024-06-01",
};
pub const PRIVATE_DNS_ZONE_LINK: ArmType = ArmType {
    ty: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    api: "2024-06-01",
};
/// Route 53 routing policies: a Traffic Manager profile and its endpoints (children).
pub const TRAFFIC_MANAGER_PROFILE: ArmType = ArmType {
    ty: "Microsoft.Network/trafficmanagerprofiles",
    api: "2022-04-01",
};
pub const TRAFFIC_MANAGER_EXTERNAL_ENDPOINT: ArmType = ArmType {
    ty: "Microsoft.Network/trafficmanagerprofiles/externalEndpoints",
    api: "2022-04-01",
};
pub const TRAFFIC_MANAGER_AZURE_ENDPOINT: ArmType = ArmType {
    ty: "Microsoft.Network/trafficmanagerprofiles/azureEndpoints",
    api: "2022-04-01",
};
pub const TOPIC_SUBSCRIPTION: ArmType = ArmType {
    ty: "Microsoft.ServiceBus/namespaces/topics/subscriptions",
    api: "2026-01-01",
};
const EVENT_GRID_API: &str = "2025-02-15";
pub const EVENT_GRID_TOPIC: ArmType = ArmType {
    ty: "Microsoft.EventGrid/topics",
    api: EVENT_GRID_API,
};
pub const EVENT_SUBSCRIPTION: ArmType = ArmType {
    ty: "Microsoft.EventGrid/topics/eventSubscriptions",
    api: EVENT_GRID_API,
};
pub const SYSTEM_TOPIC: ArmType = ArmType {
    ty: "Microsoft.EventGrid/systemTopics",
    api: EVENT_GRID_API,
};
pub const SYSTEM_TOPIC_SUBSCRIPTION: ArmType = ArmType {
    ty: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
    api: EVENT_GRID_API,
};
pub const LOGIC_WORKFLOW: ArmType = ArmType {
    ty: "Microsoft.Logic/workflows",
    api: "2019-05-01",
};
/// A workflow's trigger: only read (`existing`, for its callback URL) in ARM; the
/// Terraform back end writes the triggers it splits out of a workflow's definition.
pub const LOGIC_TRIGGER: ArmType = ArmType {
    ty: "Microsoft.Logic/workflows/triggers",
    api: "2019-05-01",
};
pub const WEB_SITE: ArmType = ArmType {
    ty: "Microsoft.Web/sites",
    api: "2025-03-01",
};
pub const ROLE_ASSIGNMENT: ArmType = ArmType {
    ty: "Microsoft.Authorization/roleAssignments",
    api: "2022-04-01",
};
/// Built-in role definitions, referenced by id (`subscriptionResourceId`).
pub const ROLE_DEFINITION: ArmType = ArmType {
    ty: "Microsoft.Authorization/roleDefinitions",
    api: "2022-04-01",
};
pub const COSMOS_SQL_ROLE_ASSIGNMENT: ArmType = ArmType {
    ty: "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    api: "2026-03-15",
};
pub const STORAGE_ACCOUNT: ArmType = ArmType {
    ty: "Microsoft.Storage/storageAccounts",
    api: "2026-04-01",
};
