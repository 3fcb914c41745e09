//! Data and secret transforms: secret values, administrator passwords, Cosmos DB throughput.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, Interp};
use crate::model::expr::{Expr, ExprKind, SubPart};
use crate::names::kebab;

/// A Key Vault secret's value: the template's `SecretString`, or a secure
/// parameter where Secrets Manager generated it. A generated secret with a
/// `SecretStringTemplate` keeps its JSON shape: the template's keys, and the
/// generated key whose value is the parameter.
pub fn secret_value(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consumed.insert("SecretString".into());
    consumed.insert("GenerateSecretString".into());
    let t = cx.t;
    let r = &t.resources[i];
    if let Some(s) = r.properties.get("SecretString") {
        return Some(cx.tr(s));
    }
    let p = generated_value(cx, i);
    let Some(g) = r.properties.get("GenerateSecretString") else {
        return Some(AzExpr::ident(p));
    };
    cx.decide(
        "generated-secret",
        Some((&r.id, r.span)),
        &format!("{}: generated secret becomes a secure parameter", r.id),
        "Secrets Manager generates the value (`GenerateSecretString`); Key Vault does not generate secret values.",
        &format!("The generated value is the `@secure()` parameter `{p}`: generate it in the deployment pipeline (e.g. `openssl rand`). Resources that read the secret's value in the template (a database's administrator password) take the same parameter."),
        "Rotation hooks do not exist in Key Vault; schedule rotation with an Event Grid-triggered function if needed.",
    );
    cx.floor_status("partial");
    let key = g.get("GenerateStringKey").and_then(|k| k.as_str());
    match (key, template_fields(cx, g)) {
        (Some(key), Some(mut fields)) => {
            fields.retain(|(k, _)| k != key);
            fields.push((key.to_string(), AzExpr::ident(p)));
            let obj = AzExpr::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (crate::azure::AzKey::Name(k), v))
                    .collect(),
            );
            Some(AzExpr::call("string", vec![obj]))
        }
        _ => Some(AzExpr::ident(p)),
    }
}

/// The secure parameter that holds the value Secrets Manager generated for secret `i`.
fn generated_value(cx: &mut Ctx, i: usize) -> String {
    let r = &cx.t.resources[i];
    let id = r.id.clone();
    let key = r
        .properties
        .path("GenerateSecretString.GenerateStringKey")
        .and_then(|k| k.as_str())
        .map(str::to_string);
    cx.param_for(&format!("{}-value", kebab(&id)), "string", |p| {
        p.secure = true;
        p.description = Some(match &key {
            Some(k) => format!("The generated `{k}` of the secret {id} (Secrets Manager generated it; generate one and pass it in)."),
            None => format!("Value of the secret {id} (Secrets Manager generated it; generate one and pass it in)."),
        });
        p.required_reason = Some("Secrets Manager generated this secret".into());
    })
}

/// The fields of a generated secret's `SecretStringTemplate` (a JSON object, written as
/// a literal or with `Fn::Sub`), translated; `None` when it is not such an object.
fn template_fields(cx: &mut Ctx, g: &Expr) -> Option<Vec<(String, AzExpr)>> {
    let tpl = g.get("SecretStringTemplate")?;
    let (text, exprs): (String, Vec<Expr>) = match &tpl.kind {
        ExprKind::Str(s) => (s.clone(), Vec::new()),
        ExprKind::Sub(parts) => {
            let mut text = String::new();
            let mut exprs = Vec::new();
            for part in parts {
                match part {
                    SubPart::Lit(l) => text.push_str(l),
                    SubPart::Expr(e) => {
                        text.push_str(&format!("\\u0001{}\\u0001", exprs.len()));
                        exprs.push(e.clone());
                    }
                }
            }
            (text, exprs)
        }
        _ => return None,
    };
    let serde_json::Value::Object(map) = serde_json::from_str(&text).ok()? else {
        return None;
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let value = match v {
            serde_json::Value::String(s) => {
                let mut parts = Vec::new();
                for (n, piece) in s.split('\u{1}').enumerate() {
                    if n % 2 == 1 {
                        let e = exprs.get(piece.parse::<usize>().ok()?)?.clone();
                        parts.push(Interp::Expr(cx.tr(&e)));
                    } else if !piece.is_empty() {
                        parts.push(Interp::Lit(piece.to_string()));
                    }
                }
                match parts.as_slice() {
                    [] => AzExpr::str(""),
                    [Interp::Lit(l)] => AzExpr::str(l.clone()),
                    [Interp::Expr(_)] => match parts.pop()? {
                        Interp::Expr(e) => e,
                        Interp::Lit(_) => return None,
                    },
                    _ => AzExpr::Interp(parts),
                }
            }
            serde_json::Value::Bool(b) => AzExpr::Bool(b),
            serde_json::Value::Number(n) => AzExpr::Int(n.as_i64()?),
            _ => return None,
        };
        out.push((k, value));
    }
    Some(out)
}

/// A `{{resolve:secretsmanager:${Secret}:SecretString:key}}` of a secret of this
/// template whose value Secrets Manager generates: the generated key is the secret's
/// parameter, a key of its `SecretStringTemplate` that key's value. `None` otherwise.
pub(super) fn generated_secret_key(cx: &mut Ctx, reference: &str) -> Option<AzExpr> {
    let rest = reference.strip_prefix("${")?;
    let (id, rest) = rest.split_once('}')?;
    let i = cx.t.resources.iter().position(|r| r.id == id)?;
    let g = cx.t.resources[i]
        .properties
        .get("GenerateSecretString")?
        .clone();
    if cx.t.resources[i].properties.get("SecretString").is_some() {
        return None;
    }
    // `:SecretString:key:stage:version` — only the current value of the key.
    let mut segs = rest.trim_start_matches(':').split(':');
    let (kind, key) = (segs.next().unwrap_or(""), segs.next().unwrap_or(""));
    if segs.any(|x| !x.is_empty()) || (!kind.is_empty() && kind != "SecretString") {
        return None;
    }
    let generated = g.get("GenerateStringKey").and_then(|k| k.as_str());
    if key.is_empty() && generated.is_none() || Some(key) == generated {
        return Some(AzExpr::ident(generated_value(cx, i)));
    }
    template_fields(cx, &g)?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The administrator password of a database server: the template's value or a secure parameter.
pub fn admin_password(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("MasterUserPassword".into());
    consumed.insert("ManageMasterUserPassword".into());
    let t = cx.t;
    let r = &t.resources[i];
    if let Some(p) = r.properties.get("MasterUserPassword") {
        return cx.tr(p);
    }
    // An Aurora instance: the cluster it joins holds the credentials.
    if let Some(p) = r
        .properties
        .get("DBClusterIdentifier")
        .and_then(|c| cx.referenced_resource(c))
        .and_then(|c| t.resources[c].properties.get("MasterUserPassword"))
    {
        return cx.tr(p);
    }
    let p = cx.param_for(&format!("{}-admin-password", kebab(&r.id)), "string", |p| {
        p.secure = true;
        p.description = Some(format!(
            "Administrator password of the server that replaces {}.",
            r.id
        ));
        p.required_reason = Some("the database had no password in the template".into());
    });
    cx.decide(
        "admin-password",
        Some((&r.id, r.span)),
        &format!("{}: administrator password is a secure parameter", r.id),
        "The instance has no `MasterUserPassword` in the template (RDS managed it, or restored it from a snapshot).",
        &format!("The password is the `@secure()` parameter `{p}`."),
        "Prefer Microsoft Entra authentication for applications; keep the password in Key Vault.",
    );
    AzExpr::ident(p)
}

/// Billing mode and capacity → Cosmos DB container throughput options.
pub fn cosmos_throughput(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("BillingMode".into());
    consumed.insert("ProvisionedThroughput".into());
    let t = cx.t;
    let r = &t.resources[i];
    let rcu = r
        .properties
        .path("ProvisionedThroughput.ReadCapacityUnits")
        .and_then(|x| x.literal_i64());
    let wcu = r
        .properties
        .path("ProvisionedThroughput.WriteCapacityUnits")
        .and_then(|x| x.literal_i64());
    let max = match (rcu, wcu) {
        (Some(rd), Some(wr)) => (rd.saturating_add(wr.saturating_mul(5)).saturating_add(999)
            / 1000)
            .saturating_mul(1000)
            .clamp(1000, 1_000_000),
        _ => 1000,
    };
    let how = match (rcu, wcu) {
        (Some(rd), Some(wr)) => format!(
            "{rd} RCU and {wr} WCU are estimated at {max} RU/s (1 RU per read unit, 5 per write unit, rounded up to 1000)"
        ),
        _ => "on-demand (or computed) capacity starts at autoscale with a 1000 RU/s maximum"
            .to_string(),
    };
    cx.decide(
        "cosmos-throughput",
        Some((&r.id, r.span)),
        &format!("{}: capacity → autoscale RU/s", r.id),
        "DynamoDB bills read/write capacity units (or on demand); Cosmos DB bills request units per second.",
        &format!("Autoscale throughput: {how}."),
        "The estimate must be checked against measured RU consumption after the data migration.",
    );
    Some(AzExpr::obj(vec![(
        "autoscaleSettings",
        AzExpr::obj(vec![("maxThroughput", AzExpr::Int(max))]),
    )]))
}

/// Secondary indexes with a sort key → composite indexes on the container.
pub fn cosmos_indexing(cx: &mut Ctx, i: usize) -> Option<AzExpr> {
    let t = cx.t;
    let r = &t.resources[i];
    let mut composites = Vec::new();
    for key in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for idx in r
            .properties
            .get(key)
            .and_then(|x| x.as_list())
            .unwrap_or(&[])
        {
            let schema = idx
                .get("KeySchema")
                .and_then(|k| k.as_list())
                .unwrap_or(&[]);
            let attr = |kind: &str| {
                schema
                    .iter()
                    .find(|k| k.get("KeyType").and_then(|t| t.as_str()) == Some(kind))
                    .and_then(|k| k.get("AttributeName"))
                    .and_then(|a| a.literal_text())
            };
            if let (Some(h), Some(s)) = (attr("HASH"), attr("RANGE")) {
                let path = |p: String| {
                    AzExpr::obj(vec![
                        ("path", AzExpr::Str(format!("/{p}"))),
                        ("order", AzExpr::str("ascending")),
                    ])
                };
                composites.push(AzExpr::Array(vec![path(h), path(s)]));
            }
        }
    }
    if composites.is_empty() {
        return None;
    }
    Some(AzExpr::obj(vec![
        ("indexingMode", AzExpr::str("consistent")),
        ("automatic", AzExpr::Bool(true)),
        (
            "includedPaths",
            AzExpr::Array(vec![AzExpr::obj(vec![("path", AzExpr::str("/*"))])]),
        ),
        ("compositeIndexes", AzExpr::Array(composites)),
    ]))
}

/// Burstable flexible-server sizes have no high availability: where MultiAZ can
/// be true, the General Purpose size with the same vCPUs (at least 2) is used.
pub fn flex_sku(cx: &mut Ctx, i: usize, class: &str, field: &str) -> Option<AzExpr> {
    let t = cx.t;
    let r = &t.resources[i];
    let sku = cx
        .tables
        .lookup_str("rds-instance-classes", class, "flexible_sku");
    let tier = cx
        .tables
        .lookup_str("rds-instance-classes", class, "flexible_tier");
    let (Some(mut sku), Some(mut tier)) = (sku, tier) else {
        return None;
    };
    let multi_az = r.properties.get("MultiAZ").filter(|m| !m.is_null());
    let may_be_ha = multi_az.is_some_and(|m| m.literal_bool() != Some(false));
    if may_be_ha && tier == "Burstable" {
        let vcpus: String = sku
            .trim_start_matches("Standard_B")
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let n = vcpus.parse::<u32>().unwrap_or(2).max(2);
        let upgraded = format!("Standard_D{n}ads_v5");
        cx.decide(
            "flexible-server-ha-tier",
            Some((&r.id, r.span)),
            &format!("{}: {class} moves to General Purpose for high availability", r.id),
            &format!("MultiAZ asks for a standby; Azure flexible servers offer zone-redundant high availability only on General Purpose and Memory Optimized tiers, and {class} maps to the Burstable {sku}."),
            &format!("The server uses {upgraded} (General Purpose) so the standby can be enabled."),
            "Compute cost rises compared with the Burstable size; choose Burstable without HA if the standby is not needed.",
        );
        sku = upgraded;
        tier = "GeneralPurpose".into();
    }
    Some(AzExpr::Str(if field == "flexible_tier" {
        tier
    } else {
        sku
    }))
}

/// The resources of the template that name resource `i` in their property `by` (a
/// cluster's DB instances, which name it in `DBClusterIdentifier`), in template order.
pub(super) fn members_of(cx: &Ctx, i: usize, by: &str) -> Vec<usize> {
    (0..cx.t.resources.len())
        .filter(|&k| {
            k != i
                && cx.t.resources[k]
                    .properties
                    .get(by)
                    .is_some_and(|v| cx.referenced_resource(v) == Some(i))
        })
        .collect()
}

/// A cluster's value read from its first member's property `prop` through the lookup
/// table `table` (a DocumentDB cluster's compute tier from its first instance's class),
/// with a decision quoting the member's value; the table's `default` when there is no
/// member.
pub fn member_lookup(cx: &mut Ctx, i: usize, args: &serde_yaml::Value) -> Option<AzExpr> {
    let get = |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let (by, prop, table) = (get("member")?, get("prop")?, get("table")?);
    let t = cx.t;
    let id = &t.resources[i].id;
    let name = t.report_name(id);
    let first = members_of(cx, i, &by)
        .into_iter()
        .find_map(|k| Some((k, t.resources[k].properties.get(&prop)?)));
    let Some((k, src)) = first else {
        let v = args.get("default").and_then(|v| v.as_str())?.to_string();
        cx.decide(
            &format!("{table}-no-member"),
            Some((id, t.resources[i].span)),
            &format!("{name}: no member gives its size"),
            &format!("No resource of this template names {name} in `{by}` with a `{prop}`: the members that sized it are elsewhere, or there are none."),
            &format!("`{v}` is used."),
            "Size the Azure resource from the workload's measured CPU and memory.",
        );
        cx.floor_status("partial");
        return Some(AzExpr::Str(v));
    };
    let member = &t.report_name(&t.resources[k].id);
    let quoted = match (&src.kind, src.literal_text()) {
        (_, Some(c)) => format!("`{c}`"),
        (ExprKind::Ref(p), None) if t.parameter(p).is_some() => format!("the parameter `{p}`"),
        _ => "a computed value".into(),
    };
    let out = super::transforms::lookup(cx, i, src, args);
    cx.decide(
        &format!("{table}-member"),
        Some((id, t.resources[i].span)),
        &format!("{name}: sized from {member} ({quoted})"),
        &format!("{member} names {name} in `{by}`; its `{prop}` is {quoted}. The members have no Azure resource of their own: the cluster's size stands for them."),
        &format!("The value comes from {quoted} through `mappings/tables/{table}.yaml`, by memory first (the working set), then vCores."),
        "Other members of other sizes are not reflected; resize the Azure resource after measuring.",
    );
    out
}

/// A value chosen by how many resources of the template name resource `i` in
/// property `member`: `none`, `one` or `many` (a DocumentDB cluster with replicas
/// gets high availability).
pub fn member_count(cx: &mut Ctx, i: usize, args: &serde_yaml::Value) -> Option<AzExpr> {
    let by = args.get("member")?.as_str()?;
    let n = members_of(cx, i, by).len();
    let key = match n {
        0 => "none",
        1 => "one",
        _ => "many",
    };
    let v = args.get(key).or_else(|| args.get("one"))?;
    Some(match v {
        serde_yaml::Value::Bool(b) => AzExpr::Bool(*b),
        serde_yaml::Value::Number(x) => AzExpr::Int(x.as_i64()?),
        other => AzExpr::Str(other.as_str()?.to_string()),
    })
}
