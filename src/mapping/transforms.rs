//! Named transforms a mapping table can call (`$transform: name`). Each takes
//! the source value (or the whole resource) and returns the Azure value.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::context::Ctx;
use crate::azure::{AzExpr, AzKey, Interp};
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Parameter;
use crate::names::{key_vault_object_name, storage_account_name};
use crate::source::Span;

/// Every transform a table can name, and whether it runs when its `$prop` is
/// absent (it reads the whole resource rather than one value).
const TRANSFORMS: &[(&str, bool)] = &[
    ("iso_seconds", false),
    ("lock_duration", false),
    ("storage_name", true),
    ("storage_queue_name", false),
    ("kv_name", false),
    ("lookup", false),
    ("clamp", false),
    ("major_version", false),
    ("flex_storage_gb", false),
    ("partition_key", true),
    ("nsg_rules", true),
    ("app_settings", true),
    ("function_identity", true),
    ("secret_value", true),
    ("admin_password", true),
    ("vm_image", true),
    ("vm_os_profile", true),
    ("nic_ip_configs", true),
    ("runtime", true),
    ("cosmos_throughput", true),
    ("id_list", false),
    ("lambda_memory", true),
    ("first_id", false),
    ("instance_identity", true),
    ("lifecycle_rules", true),
    ("storage_sku", true),
    ("cosmos_indexing", true),
    ("flex_sku", false),
    ("alarm_properties", true),
    ("root_disk_gb", false),
    ("vmss_sku", true),
    ("vmss_identity", true),
    ("vmss_profile", true),
    ("autoscale_settings", true),
    ("apim_operation", true),
    ("apim_operation_policy", true),
    ("apim_subscription_required", true),
    ("apim_product_api", true),
    ("apim_product_policy", true),
    ("apim_key_scope", true),
    ("app_gateway_properties", true),
    ("app_gateway_identity", true),
    ("dns_name", false),
    ("afd_endpoint", true),
    ("afd_identity", true),
    ("afd_profile", true),
    ("afd_sku", true),
    ("afd_waf_sku", true),
    ("afd_waf_name", true),
    ("afd_waf_policy", true),
    ("load_balancer_properties", true),
    ("container_environment", true),
    ("container_app_name", true),
    ("container_app_identity", true),
    ("container_app_properties", true),
    ("container_job_identity", true),
    ("container_job_properties", true),
    ("apim_route_operation", true),
    ("apim_route_policy", true),
    ("apim_api_policy", true),
    ("function_cors", true),
    ("linux_fx_version", true),
    ("web_pubsub_hub", true),
    ("apim_schema", true),
    ("aks_identity", true),
    ("aks_properties", true),
    ("aks_pool_name", true),
    ("aks_pool_properties", true),
    ("aks_issuer", true),
    ("classic_lb_properties", true),
    ("template_ref", false),
    ("config_rule_properties", true),
    ("kql_placeholder", false),
    ("metric_filter_activity_alert", true),
    ("metric_filter_query_alert", true),
    ("role_permissions", true),
    ("policy_name", true),
    ("app_config_key", false),
    ("appconfig_version_key", true),
    ("aoss_public_access", true),
    ("graphql_subscription_required", true),
    ("graphql_api_policy", true),
    ("graphql_schema", true),
    ("graphql_resolver", true),
    ("graphql_resolver_policy", true),
    ("graphql_key_properties", true),
    ("member_lookup", true),
    ("member_count", true),
];

/// The names tables may use, for validation and help text.
pub fn names() -> impl Iterator<Item = &'static str> {
    TRANSFORMS.iter().map(|(n, _)| *n)
}

/// Whether transform `name` runs without a value (it reads the whole resource).
pub fn reads_whole_resource(name: &str) -> bool {
    TRANSFORMS.iter().any(|(n, whole)| *n == name && *whole)
}

fn arg<'v>(args: &'v Value, k: &str) -> Option<&'v Value> {
    args.get(k)
}

fn arg_str(args: &Value, k: &str) -> Option<String> {
    arg(args, k).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

pub fn apply(
    cx: &mut Ctx,
    i: usize,
    name: &str,
    src: Option<&Expr>,
    args: &Value,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    match name {
        "iso_seconds" => Some(iso_seconds(cx, src?, None)),
        "lock_duration" => Some(iso_seconds(cx, src?, Some(300))),
        "storage_name" => Some(storage_name(cx, i, src)),
        "storage_queue_name" => Some(match src?.literal_text() {
            Some(t) => AzExpr::Str(crate::names::storage_queue_name(&t)),
            None => {
                // Queue names are lowercase letters, digits and hyphens: SQS allows `_`
                // and upper case, and FIFO queues end in `.fifo`.
                let v = cx.tr(src?);
                let v = AzExpr::call("replace", vec![v, AzExpr::str(".fifo"), AzExpr::str("")]);
                let v = AzExpr::call("replace", vec![v, AzExpr::str("_"), AzExpr::str("-")]);
                AzExpr::call("toLower", vec![v])
            }
        }),
        "kv_name" => Some(match src?.literal_text() {
            Some(t) => AzExpr::Str(key_vault_object_name(&t)),
            None => {
                // Key Vault names allow letters, digits and hyphens: replace what secret names commonly use.
                let mut v = cx.tr(src?);
                for c in ["/", "_", ".", "+", "=", "@", "(", ")", " "] {
                    v = AzExpr::call("replace", vec![v, AzExpr::str(c), AzExpr::str("-")]);
                }
                v
            }
        }),
        // An App Configuration key-value's ARM name: the key with `/` (which resource
        // names cannot hold; SSM parameter names allow no `~`) escaped as `~2F`.
        "app_config_key" => Some(app_config_escaped(cx, src?)),
        "appconfig_version_key" => Some(appconfig_version_key(cx, i, consumed)),
        "aoss_public_access" => Some(aoss_public_access(cx, i)),
        "lookup" => lookup(cx, i, src?, args),
        "clamp" => Some(clamp(cx, i, src?, args)),
        "major_version" => Some(match src?.literal_text() {
            Some(t) => AzExpr::Str(t.split('.').next().unwrap_or(&t).to_string()),
            None => {
                let v = cx.tr(src?);
                AzExpr::Index(
                    Box::new(AzExpr::call("split", vec![v, AzExpr::str(".")])),
                    Box::new(AzExpr::Int(0)),
                )
            }
        }),
        "flex_storage_gb" => Some(flex_storage(cx, i, src?)),
        "partition_key" => Some(partition_key(cx, i)),
        "nsg_rules" => Some(super::network::nsg_rules(cx, i, consumed)),
        "app_settings" => {
            let dedicated = arg_str(args, "plan").as_deref() == Some("dedicated");
            Some(super::compute::app_settings(cx, i, consumed, dedicated))
        }
        "linux_fx_version" => super::compute::linux_fx_version(cx, i, consumed),
        "function_identity" => Some(super::compute::function_identity(cx, i, consumed)),
        "runtime" => Some(super::compute::runtime(cx, i, consumed)),
        "lambda_memory" => Some(super::compute::memory(cx, i, consumed)),
        "secret_value" => super::data::secret_value(cx, i, consumed),
        "admin_password" => Some(super::data::admin_password(cx, i, consumed)),
        "cosmos_throughput" => super::data::cosmos_throughput(cx, i, consumed),
        "vm_image" => Some(super::compute::vm_image(cx, i, consumed)),
        "vm_os_profile" => Some(super::compute::vm_os_profile(cx, i, consumed)),
        "nic_ip_configs" => Some(super::network::nic_ip_configs(cx, i, consumed)),
        "id_list" => Some(id_list(cx, src?)),
        "root_disk_gb" => super::compute::root_disk_gb(cx, src?),
        "alarm_properties" => super::compute::alarm_properties(cx, i, consumed),
        "cosmos_indexing" => super::data::cosmos_indexing(cx, i),
        "member_lookup" => super::data::member_lookup(cx, i, args),
        "member_count" => super::data::member_count(cx, i, args),
        "flex_sku" => {
            let field = arg_str(args, "field").unwrap_or_else(|| "flexible_sku".into());
            match src?.literal_text() {
                Some(class) => super::data::flex_sku(cx, i, &class, &field)
                    .or_else(|| lookup(cx, i, src?, args)),
                None => lookup(cx, i, src?, args),
            }
        }
        "storage_sku" => Some(super::storage::storage_sku(cx, i)),
        "lifecycle_rules" => super::storage::lifecycle_rules(
            cx,
            i,
            consumed,
            &arg_str(args, "container").unwrap_or_else(|| "data".into()),
        ),
        "first_id" if matches!(&src?.kind, ExprKind::Ref(p) if cx.t.parameter(p).is_some_and(|p| p.ty.contains("List"))) =>
        {
            let v = cx.tr(src?);
            Some(AzExpr::obj(vec![(
                "id",
                AzExpr::Index(Box::new(v), Box::new(AzExpr::Int(0))),
            )]))
        }
        "first_id" => match id_list(cx, src?) {
            AzExpr::Array(mut a) if !a.is_empty() => Some(a.remove(0)),
            _ => None,
        },
        "instance_identity" => super::compute::instance_identity(cx, i, consumed),
        "vmss_sku" => super::scale_sets::vmss_sku(cx, i, consumed),
        "vmss_identity" => super::scale_sets::vmss_identity(cx, i, consumed),
        "vmss_profile" => super::scale_sets::vmss_profile(cx, i, consumed),
        "autoscale_settings" => super::scale_sets::autoscale_settings(cx, i, consumed),
        "apim_operation" => super::apis::apim_operation(cx, i, args, consumed),
        "apim_operation_policy" => super::apis::apim_operation_policy(cx, i, consumed),
        "apim_subscription_required" => Some(super::apis::apim_subscription_required(cx, i)),
        "apim_product_api" => super::apis::apim_product_api(cx, i, consumed),
        "apim_product_policy" => super::apis::apim_product_policy(cx, i, consumed),
        "apim_key_scope" => Some(super::apis::apim_key_scope(cx, i)),
        "app_gateway_properties" => super::gateways::app_gateway_properties(cx, i, consumed),
        "container_environment" => super::containers::container_environment(cx, i, consumed),
        "container_app_name" => super::containers::container_app_name(cx, i, consumed),
        "container_app_identity" => super::containers::container_app_identity(cx, i, consumed),
        "container_app_properties" => super::containers::container_app_properties(cx, i, consumed),
        "container_job_identity" => super::containers::container_job_identity(cx, i, consumed),
        "container_job_properties" => super::containers::container_job_properties(cx, i, consumed),
        "app_gateway_identity" => super::gateways::app_gateway_identity(cx, i, consumed),
        "afd_endpoint" => super::edge::afd_endpoint(cx, i, consumed),
        "afd_identity" => super::edge::afd_identity(cx, i, consumed),
        "afd_profile" => super::edge::afd_profile(cx, i, consumed),
        "afd_sku" => super::edge_waf::afd_sku(cx, i, consumed),
        "afd_waf_sku" => super::edge_waf::afd_waf_sku(cx, i, consumed),
        "afd_waf_name" => super::edge_waf::afd_waf_name(cx, i, consumed),
        "afd_waf_policy" => super::edge_waf::afd_waf_policy(cx, i, consumed),
        "load_balancer_properties" => super::gateways::load_balancer_properties(cx, i, consumed),
        "apim_route_operation" => super::apis_v2::apim_route_operation(cx, i, args, consumed),
        "apim_route_policy" => super::apis_v2::apim_route_policy(cx, i, consumed),
        "apim_api_policy" => super::apis_v2::apim_api_policy(cx, i, consumed),
        "function_cors" => super::apis_v2::function_cors(cx, i),
        "web_pubsub_hub" => Some(super::apis_v2::web_pubsub_hub(cx, i, consumed)),
        "apim_schema" => super::apis_v2::apim_schema(cx, i, consumed),
        "aks_identity" => super::kubernetes::aks_identity(cx, i, consumed),
        "role_permissions" => super::access::role_permissions(cx, i, consumed),
        "policy_name" => Some(super::access::policy_name(cx, i, consumed)),
        "aks_properties" => super::kubernetes::aks_properties(cx, i, consumed),
        "aks_pool_name" => Some(super::kubernetes::aks_pool_name(cx, i)),
        "aks_pool_properties" => super::kubernetes::aks_pool_properties(cx, i, consumed),
        "aks_issuer" => Some(super::kubernetes::aks_issuer(cx, i)),
        "classic_lb_properties" => super::classic_elb::classic_lb_properties(cx, i, consumed),
        "template_ref" => super::governance::template_ref(cx, src?, args),
        "config_rule_properties" => super::governance::config_rule_properties(cx, i, consumed),
        "kql_placeholder" => Some(super::governance::kql_placeholder(cx, src?)),
        "metric_filter_activity_alert" => super::log_alerts::activity_alert(cx, i, consumed),
        "metric_filter_query_alert" => super::log_alerts::query_alert(cx, i, consumed),
        "graphql_subscription_required" => {
            Some(super::graphql::subscription_required(cx, i, consumed))
        }
        "graphql_api_policy" => super::graphql::api_policy(cx, i, consumed),
        "graphql_schema" => super::graphql::schema(cx, i, consumed),
        "graphql_resolver" => super::graphql::resolver(cx, i, consumed),
        "graphql_resolver_policy" => super::graphql::resolver_policy(cx, i, consumed),
        "graphql_key_properties" => super::graphql::key_properties(cx, i, consumed),
        // A DNS name without its trailing dot (Route 53 writes `example.com.`).
        "dns_name" => Some(match src?.literal_text() {
            Some(t) => AzExpr::Str(t.trim_end_matches('.').to_ascii_lowercase()),
            None => {
                let v = cx.tr(src?);
                let len = AzExpr::call("length", vec![v.clone()]);
                AzExpr::Cond(
                    Box::new(AzExpr::call("endsWith", vec![v.clone(), AzExpr::str(".")])),
                    Box::new(AzExpr::call(
                        "substring",
                        vec![
                            v.clone(),
                            AzExpr::Int(0),
                            AzExpr::Bin("-", Box::new(len), Box::new(AzExpr::Int(1))),
                        ],
                    )),
                    Box::new(v),
                )
            }
        }),
        _ => None,
    }
}

fn iso_literal(secs: i64) -> String {
    if secs > 0 && secs % 86400 == 0 {
        return format!("P{}D", secs / 86400);
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || out == "PT" {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// Seconds → ISO 8601 duration, optionally capped (with a decision).
fn iso_seconds(cx: &mut Ctx, src: &Expr, cap: Option<i64>) -> AzExpr {
    match src.literal_i64() {
        Some(s) => {
            let s = match cap {
                Some(c) if s > c => {
                    let r = &cx.t.resources[cx.current.unwrap_or(0)];
                    cx.decide(
                        "duration-capped",
                        Some((&r.id.clone(), src.span)),
                        &format!("{} exceeds the Azure maximum", r.id),
                        &format!("The source sets {s} seconds; the Azure setting allows at most {c} seconds."),
                        &format!("Set to the maximum, {}.", iso_literal(c)),
                        "Work that needs longer must renew its lock or lease while it runs.",
                    );
                    cx.floor_status("partial");
                    c
                }
                _ => s,
            };
            AzExpr::Str(iso_literal(s.max(1)))
        }
        None => {
            let mut v = cx.tr(src);
            if let Some(c) = cap {
                v = AzExpr::call("min", vec![v, AzExpr::Int(c)]);
                let r = &cx.t.resources[cx.current.unwrap_or(0)];
                cx.decide(
                    "duration-capped",
                    Some((&r.id.clone(), src.span)),
                    &format!("{} may exceed the Azure maximum", r.id),
                    &format!("The duration is computed at deployment; the Azure setting allows at most {c} seconds."),
                    &format!("The value is capped with `min(…, {c})`."),
                    "Work that needs longer must renew its lock or lease while it runs.",
                );
            }
            AzExpr::Interp(vec![
                Interp::Lit("PT".into()),
                Interp::Expr(v),
                Interp::Lit("S".into()),
            ])
        }
    }
}

fn storage_name(cx: &mut Ctx, i: usize, src: Option<&Expr>) -> AzExpr {
    let r = &cx.t.resources[i];
    let (id, span) = (r.id.clone(), r.span);
    if let Some(lit) = src.and_then(|s| s.literal_text()) {
        let name = storage_account_name(&lit);
        if name != lit {
            cx.decide(
                "storage-account-name",
                Some((&id, span)),
                &format!("Storage account name for {id}"),
                &format!("The bucket is named `{lit}`; storage account names are 3–24 lowercase letters and digits, globally unique."),
                &format!("The account is named `{name}` (the bucket name with other characters removed, cut to 24)."),
                "The name changes: update anything that addressed the bucket by name. If the name is taken, choose another.",
            );
        }
        return AzExpr::Str(name);
    }
    let prefix: String = id
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(11)
        .collect();
    let what = if src.is_some() {
        "is computed at deployment"
    } else {
        "is chosen by CloudFormation"
    };
    cx.decide(
        "storage-account-name",
        Some((&id, span)),
        &format!("Storage account name for {id}"),
        &format!("The bucket name {what}; storage account names are 3–24 lowercase letters and digits, globally unique."),
        &format!("The account is named `{prefix}` + `uniqueString(resourceGroup().id{})`: deterministic per resource group{}, at most 24 characters.", if src.is_some() { ", <bucket name>" } else { "" }, if src.is_some() { " and bucket name" } else { "" }),
        "The name differs from the bucket's; record the mapping for clients and data migration.",
    );
    // A computed name (a variable, a module input) takes part in the suffix, so two
    // buckets named by different values never get the same account name.
    let suffix = match src {
        Some(e) => {
            let v = cx.tr(e);
            AzExpr::call(
                "uniqueString",
                vec![AzExpr::path("resourceGroup()", "id"), v],
            )
        }
        None => {
            cx.needs_suffix = true;
            AzExpr::ident("nameSuffix")
        }
    };
    AzExpr::Interp(vec![Interp::Lit(prefix), Interp::Expr(suffix)])
}

fn yaml_to_az(v: &Value) -> AzExpr {
    match v {
        Value::String(s) => AzExpr::Str(s.clone()),
        Value::Number(n) => n
            .as_i64()
            .map(AzExpr::Int)
            .unwrap_or(AzExpr::Num(n.to_string())),
        Value::Bool(b) => AzExpr::Bool(*b),
        _ => AzExpr::Null,
    }
}

/// A value through a lookup table (`$args: {table, field}`). A parameter with
/// allowed values becomes an index into an object of those values.
pub(super) fn lookup(cx: &mut Ctx, i: usize, src: &Expr, args: &Value) -> Option<AzExpr> {
    let table = arg_str(args, "table")?;
    let field = arg_str(args, "field")?;
    let fallback = arg(args, "default").map(yaml_to_az);
    let r = &cx.t.resources[i];
    let l = Lookup {
        table,
        field,
        fallback,
        id: r.id.clone(),
        span: src.span,
    };
    if let Some(key) = src.literal_text() {
        return lookup_literal(cx, l, &key);
    }
    // A parameter: map its allowed values (or its default) through the table.
    if let ExprKind::Ref(p) = &src.kind
        && let Some(param) = cx.t.parameter(p).cloned()
    {
        return Some(lookup_parameter(cx, l, src, p, &param));
    }
    let Lookup {
        table,
        fallback,
        id,
        span,
        ..
    } = l;
    cx.decide(
        &format!("lookup-{table}"),
        Some((&id, span)),
        &format!("{id}: computed value cannot be mapped"),
        &format!("{id} computes this value; the `{table}` table needs a literal."),
        "The table's default is used.",
        "Review the chosen value.",
    );
    cx.floor_status("partial");
    fallback
}

/// A lookup: its table and field, the table's default, and the resource and place
/// of the value.
struct Lookup {
    table: String,
    field: String,
    fallback: Option<AzExpr>,
    id: String,
    span: Span,
}

/// A literal key through the table; the default (with a decision) when the table
/// does not list it.
fn lookup_literal(cx: &mut Ctx, l: Lookup, key: &str) -> Option<AzExpr> {
    let Lookup {
        table,
        field,
        fallback,
        id,
        span,
    } = l;
    match cx.tables.lookup(&table, key).and_then(|e| e.get(&field)) {
        Some(v) => Some(yaml_to_az(v)),
        None => {
            cx.decide(
                &format!("lookup-{table}"),
                Some((&id, span)),
                &format!("`{key}` has no entry in {table}"),
                &format!("{id} uses `{key}`, which the `{table}` table does not list."),
                "The table's default is used; choose the Azure value by hand.",
                "Sizing may differ from the source until reviewed.",
            );
            cx.floor_status("partial");
            fallback
        }
    }
}

/// A parameter through the table: an index into an object of its allowed values'
/// entries, or else a new parameter for the Azure value.
fn lookup_parameter(cx: &mut Ctx, l: Lookup, src: &Expr, p: &str, param: &Parameter) -> AzExpr {
    let entries = lookup_entries(cx, &l, p, param);
    let Lookup {
        table,
        field,
        fallback,
        id,
        span,
    } = l;
    if !param.allowed_values.is_empty() && !entries.is_empty() {
        let key = cx.tr(src);
        let var = lookup_var(
            cx,
            &format!("{field}-by-{p}"),
            AzExpr::Object(entries),
            &format!("{p} → {field} through mappings/tables/{table}.yaml."),
        );
        return AzExpr::Index(Box::new(AzExpr::ident(var)), Box::new(key));
    }
    let default = entries.first().map(|(_, v)| v.clone()).or(fallback);
    let sym = cx.param_for(
        &format!("{}-{field}", crate::names::kebab(&id)),
        "string",
        |ap| {
            ap.default = default;
            ap.description = Some(format!(
                "Azure value for {id} (was {p} through the {table} table)."
            ));
        },
    );
    cx.decide(
            &format!("lookup-{table}"),
            Some((&id, span)),
            &format!("{id}: `{p}` becomes an Azure value"),
            &format!("`{p}` takes any value, so it cannot be mapped through `{table}` in the Bicep."),
            &format!("A new parameter `{sym}` carries the Azure value, defaulting to the mapping of `{p}`'s default."),
            "Pass the Azure value when deploying.",
        );
    AzExpr::ident(sym)
}

/// The table's entries for a parameter's allowed values (or its default), the table's
/// default standing in for missing ones (with a decision listing them).
fn lookup_entries(cx: &mut Ctx, l: &Lookup, p: &str, param: &Parameter) -> Vec<(AzKey, AzExpr)> {
    let Lookup {
        table,
        field,
        fallback,
        id,
        span,
    } = l;
    let keys: Vec<String> = if param.allowed_values.is_empty() {
        param
            .default
            .iter()
            .filter_map(|d| d.literal_text())
            .collect()
    } else {
        param
            .allowed_values
            .iter()
            .filter_map(|v| v.literal_text())
            .collect()
    };
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    for k in &keys {
        let found = cx
            .tables
            .lookup(table, k)
            .and_then(|e| e.get(field))
            .map(yaml_to_az);
        if found.is_none() {
            missing.push(format!("`{k}`"));
        }
        if let Some(v) = found.or(fallback.clone()) {
            entries.push((AzKey::Name(k.clone()), v));
        }
    }
    if !missing.is_empty() {
        cx.decide(
            &format!("lookup-{table}"),
            Some((id, *span)),
            &format!("{id}: values of `{p}` without an entry in {table}"),
            &format!("`{p}` allows {} that mappings/tables/{table}.yaml does not list.", missing.join(", ")),
            &format!("They get the table's default ({}); choose the Azure value by hand or add them with `--mappings`.", fallback.as_ref().and_then(|f| f.as_str()).unwrap_or("none")),
            "Sizing for those values may differ widely from the source.",
        );
        cx.floor_status("partial");
    }
    entries
}

/// A `var` holding a lookup object, created once per key.
pub(super) fn lookup_var(cx: &mut Ctx, key: &str, value: AzExpr, comment: &str) -> String {
    let k = format!("#var:{key}");
    if let Some(s) = cx.param_syms.get(&k) {
        return s.clone();
    }
    let camel = crate::names::camel_from_words(key);
    let sym = cx.syms.alloc(&camel);
    cx.module.vars.push(crate::azure::AzVar {
        name: sym.clone(),
        value,
        comment: Some(comment.to_string()),
        tf_name: None,
    });
    cx.param_syms.insert(k, sym.clone());
    sym
}

fn clamp(cx: &mut Ctx, i: usize, src: &Expr, args: &Value) -> AzExpr {
    let min = arg(args, "min").and_then(|v| v.as_i64());
    let max = arg(args, "max").and_then(|v| v.as_i64());
    let what = arg_str(args, "what").unwrap_or_else(|| "value".into());
    match src.literal_i64() {
        Some(v) => {
            let c = v.max(min.unwrap_or(i64::MIN)).min(max.unwrap_or(i64::MAX));
            if c != v {
                let id = cx.t.resources[i].id.clone();
                cx.decide(
                    &format!("clamped-{}", crate::names::kebab(&what.replace(' ', "-"))),
                    Some((&id, src.span)),
                    &format!("{id}: {what} {v} is outside Azure's range"),
                    &format!(
                        "Azure accepts {what} from {} to {}.",
                        min.map_or("-".into(), |m| m.to_string()),
                        max.map_or("-".into(), |m| m.to_string())
                    ),
                    &format!("Set to {c}."),
                    "Cost and behaviour follow the new value.",
                );
            }
            AzExpr::Int(c)
        }
        None => {
            let mut v = cx.tr(src);
            if let Some(m) = min {
                v = AzExpr::call("max", vec![v, AzExpr::Int(m)]);
            }
            if let Some(m) = max {
                v = AzExpr::call("min", vec![v, AzExpr::Int(m)]);
            }
            v
        }
    }
}

const FLEX_SIZES: &[i64] = &[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

fn flex_storage(cx: &mut Ctx, i: usize, src: &Expr) -> AzExpr {
    match src.literal_i64() {
        Some(gb) => {
            let size = FLEX_SIZES
                .iter()
                .copied()
                .find(|s| *s >= gb)
                .unwrap_or(32767);
            if size != gb {
                let id = cx.t.resources[i].id.clone();
                cx.decide(
                    "flexible-server-storage",
                    Some((&id, src.span)),
                    &format!("{id}: storage {gb} GiB → {size} GiB"),
                    "Flexible servers offer fixed storage sizes (32 GiB to 32 TiB in powers of two).",
                    &format!("The next size up, {size} GiB."),
                    "Storage can grow later but never shrink.",
                );
            }
            AzExpr::Int(size)
        }
        None => AzExpr::Int(128),
    }
}

fn partition_key(cx: &mut Ctx, i: usize) -> AzExpr {
    let r = &cx.t.resources[i];
    let from_schema = r
        .properties
        .get("KeySchema")
        .and_then(|k| k.as_list())
        .and_then(|l| {
            l.iter()
                .find(|k| k.get("KeyType").and_then(|t| t.as_str()) == Some("HASH"))
                .and_then(|k| k.get("AttributeName"))
                .cloned()
        });
    let from_sam = r.properties.path("PrimaryKey.Name").cloned();
    match from_schema.or(from_sam) {
        Some(e) => match cx.tr(&e) {
            AzExpr::Str(s) => AzExpr::Str(format!("/{s}")),
            other => AzExpr::Interp(vec![Interp::Lit("/".into()), Interp::Expr(other)]),
        },
        None => AzExpr::str("/id"),
    }
}

/// One or more references → `[{ id: x.id }, …]`.
fn id_list(cx: &mut Ctx, src: &Expr) -> AzExpr {
    let items: Vec<&Expr> = match &src.kind {
        ExprKind::List(l) => l.iter().collect(),
        _ => vec![src],
    };
    AzExpr::Array(
        items
            .into_iter()
            .map(|e| {
                let id = match cx.referenced_resource(e) {
                    Some(j)
                        if cx.prepared[j]
                            .entry
                            .as_ref()
                            .is_some_and(|en| !en.resources.is_empty()) =>
                    {
                        cx.reference_expr(j, "{sym}.id")
                    }
                    _ => cx.tr(e),
                };
                AzExpr::obj(vec![("id", id)])
            })
            .collect(),
    )
}

/// A key as part of an App Configuration key-value's ARM name: `/` (which resource names
/// cannot hold; SSM parameter names allow no `~`) escaped as `~2F`, in a literal or by a
/// `replace` call on an expression.
fn app_config_escaped(cx: &mut Ctx, v: &Expr) -> AzExpr {
    match v.literal_text() {
        Some(t) => AzExpr::Str(t.replace('/', "~2F")),
        None => {
            let x = cx.tr(v);
            AzExpr::call("replace", vec![x, AzExpr::str("/"), AzExpr::str("~2F")])
        }
    }
}

/// The ARM name of the key-value an AppConfig hosted configuration version becomes:
/// `<application>/<profile>` (`/` escaped as `~2F`), with the label `$<environment>`
/// when the template's deployments of this version (the resources whose
/// `ConfigurationVersion` names it) all name one environment of the template. Names are
/// the application's and profile's `Name` (a parameter stays an expression), or the
/// translated id when they are not in the template.
fn appconfig_version_key(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    let name_of = |cx: &mut Ctx, prop: &str| -> Interp {
        let Some(e) = cx.t.resources[i].properties.get(prop).cloned() else {
            return Interp::Lit(cx.t.resources[i].id.clone());
        };
        let named = cx
            .referenced_resource(&e)
            .and_then(|j| cx.t.resources[j].properties.get("Name").cloned());
        match app_config_escaped(cx, &named.unwrap_or(e)) {
            AzExpr::Str(t) => Interp::Lit(t),
            x => Interp::Expr(x),
        }
    };
    consumed.insert("ApplicationId".into());
    consumed.insert("ConfigurationProfileId".into());
    let app = name_of(cx, "ApplicationId");
    let profile = name_of(cx, "ConfigurationProfileId");
    let mut parts = vec![app, Interp::Lit("~2F".into()), profile];
    let version = cx.t.resources[i].id.clone();
    let mut environments: Vec<usize> = Vec::new();
    for d in &cx.t.resources {
        let deploys_this = d.properties.get("ConfigurationVersion").is_some_and(|v| {
            cx.referenced_resource(v)
                .is_some_and(|j| cx.t.resources[j].id == version)
        });
        if let Some(env) = deploys_this
            .then(|| d.properties.get("EnvironmentId"))
            .flatten()
            .and_then(|e| cx.referenced_resource(e))
            && !environments.contains(&env)
        {
            environments.push(env);
        }
    }
    if let [env] = environments[..] {
        let label = match cx.t.resources[env].properties.get("Name").cloned() {
            Some(n) => match n.literal_text() {
                Some(t) => Interp::Lit(t),
                None => Interp::Expr(cx.tr(&n)),
            },
            None => Interp::Lit(cx.t.resources[env].id.clone()),
        };
        parts.push(Interp::Lit("$".into()));
        parts.push(label);
    } else if environments.len() > 1 {
        let names: Vec<String> = environments
            .iter()
            .map(|&e| format!("`{}`", cx.t.resources[e].id))
            .collect();
        let span = cx.t.resources[i].span;
        cx.template_decision(
            "appconfig-several-environments",
            &format!("{version}: one key-value without a label for several environments"),
            "AppConfig deploys one configuration version to each environment a deployment names; App Configuration gives each environment's value a label of its own.",
            &format!(
                "The version is deployed to {}: one key-value with no label holds its content.",
                names.join(", ")
            ),
            "Add a labelled copy of the key-value per environment (or a snapshot per environment) if their values are to diverge.",
            span,
        );
    }
    crate::azure::interp(parts)
}

/// The `publicNetworkAccess` of the search service an OpenSearch Serverless collection
/// becomes, from the network policies of the template (resources whose `Type` is
/// `network` and whose `Policy` is JSON rule sets): `Disabled` when the rule sets that
/// name the collection (`collection/<name>`, a trailing `*` matching a prefix) allow it
/// only from VPC endpoints or AWS services, else `Enabled`.
fn aoss_public_access(cx: &mut Ctx, i: usize) -> AzExpr {
    let name = cx.t.resources[i]
        .properties
        .get("Name")
        .map(Expr::shown_text);
    let (mut public, mut private) = (false, false);
    for r in &cx.t.resources {
        if r.ty != "AWS::OpenSearchServerless::SecurityPolicy"
            || r.properties
                .get("Type")
                .and_then(|t| t.literal_text())
                .as_deref()
                != Some("network")
        {
            continue;
        }
        let Some(policy) = r
            .properties
            .get("Policy")
            .map(Expr::shown_text)
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let sets = match policy {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        for set in &sets {
            let names_it = set
                .get("Rules")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .filter(|rule| {
                    rule.get("ResourceType").and_then(|t| t.as_str()) == Some("collection")
                })
                .flat_map(|rule| {
                    rule.get("Resource")
                        .and_then(|r| r.as_array())
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|p| p.as_str().map(String::from))
                .any(|p| {
                    let pattern = p.strip_prefix("collection/").unwrap_or(&p);
                    name.as_deref()
                        .is_some_and(|n| match pattern.strip_suffix('*') {
                            Some(prefix) => n.starts_with(prefix),
                            None => n == pattern,
                        })
                });
            if !names_it {
                continue;
            }
            match set.get("AllowFromPublic").and_then(|a| a.as_bool()) {
                Some(true) => public = true,
                _ => private = true,
            }
        }
    }
    AzExpr::str(if private && !public {
        "Disabled"
    } else {
        "Enabled"
    })
}
