//! Data and secret transforms: secret values, administrator passwords, Cosmos DB throughput.

use std::collections::BTreeSet;

use super::apply::Ctx;
use super::names::kebab;
use crate::azure::AzExpr;

/// A Key Vault secret's value: the template's `SecretString`, or a secure
/// parameter where Secrets Manager generated it.
pub fn secret_value(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consumed.insert("SecretString".into());
    consumed.insert("GenerateSecretString".into());
    let r = cx.t.resources[i].clone();
    if let Some(s) = r.properties.get("SecretString") {
        return Some(cx.tr(s));
    }
    let p = cx.param_for(&format!("{}-value", kebab(&r.id)), "string", |p| {
        p.secure = true;
        p.description = Some(format!(
            "Value of the secret {} (Secrets Manager generated it; generate one and pass it in).",
            r.id
        ));
        p.required_reason = Some("Secrets Manager generated this secret".into());
    });
    if r.properties.get("GenerateSecretString").is_some() {
        cx.decide(
            "generated-secret",
            Some((&r.id, r.span)),
            &format!("{}: generated secret becomes a secure parameter", r.id),
            "Secrets Manager generates the value (`GenerateSecretString`); Key Vault does not generate secret values.",
            &format!("The value is the `@secure()` parameter `{p}`: generate it in the deployment pipeline (e.g. `openssl rand`)."),
            "Rotation hooks do not exist in Key Vault; schedule rotation with an Event Grid-triggered function if needed.",
        );
        cx.floor_status("partial");
    }
    Some(AzExpr::ident(p))
}

/// The administrator password of a database server: the template's value or a secure parameter.
pub fn admin_password(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("MasterUserPassword".into());
    consumed.insert("ManageMasterUserPassword".into());
    let r = cx.t.resources[i].clone();
    if let Some(p) = r.properties.get("MasterUserPassword") {
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
    let r = cx.t.resources[i].clone();
    let rcu = r
        .properties
        .path("ProvisionedThroughput.ReadCapacityUnits")
        .and_then(|x| x.literal_i64());
    let wcu = r
        .properties
        .path("ProvisionedThroughput.WriteCapacityUnits")
        .and_then(|x| x.literal_i64());
    let max = match (rcu, wcu) {
        (Some(rd), Some(wr)) => ((rd + 5 * wr + 999) / 1000 * 1000).max(1000),
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
