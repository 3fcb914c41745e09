//! ACM certificates → Key Vault certificates.
//!
//! ARM has no certificate resource under `Microsoft.KeyVault/vaults` (certificates are
//! Key Vault data plane, created with `az keyvault certificate create` or imported),
//! and ACM certificates cannot be exported. So a certificate is a decision with the
//! steps to issue it in Key Vault — its domain names and alternative names from the
//! source — and its consumers (an Application Gateway's HTTPS listener) take the
//! certificate's Key Vault secret id as a parameter; their decisions name the
//! certificate when it is one of the template.

use super::context::Ctx;
use crate::model::expr::Expr;
use crate::names::kebab;

const PASS: &str = "load-balancers";
const ROLE: &str = "certificate";

/// How a decision names the certificate `arn` refers to: an ACM certificate of the
/// template (its logical id and domain); `None` otherwise.
pub(super) fn describe(cx: &Ctx, arn: &Expr) -> Option<String> {
    let c = cx
        .referenced_resource(arn)
        .filter(|c| cx.plays(*c, PASS, ROLE))?;
    let r = &cx.t.resources[c];
    let domain = r
        .properties
        .get("DomainName")
        .and_then(|d| d.literal_text())
        .map(|d| format!(" for {d}"))
        .unwrap_or_default();
    Some(format!(
        "the ACM certificate {}{domain} of this template, to issue in Key Vault as `{}` (see its decision)",
        cx.t.report_name(&r.id),
        kebab(&r.id)
    ))
}

/// Text of a value for a command line: the literal, else `<what>`.
fn text(e: Option<&Expr>, what: &str) -> String {
    e.and_then(|x| x.literal_text())
        .unwrap_or_else(|| format!("<{what}>"))
}

/// After mapping: each certificate's decision, with the Key Vault steps and the
/// resources of the template that use it.
pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if !cx.plays(i, PASS, ROLE) {
            continue;
        }
        let r = cx.t.resources[i].clone();
        let p = &r.properties;
        let domain = text(p.get("DomainName"), "domain name");
        let mut names = vec![domain.clone()];
        for s in super::network::rule_list(p.get("SubjectAlternativeNames")) {
            let t = text(Some(&s), "alternative name");
            if !names.contains(&t) {
                names.push(t);
            }
        }
        let users: Vec<String> =
            cx.t.resources
                .iter()
                .filter(|u| u.id != r.id && super::apply::refers_to(&u.properties, &r.id))
                .map(|u| cx.t.report_name(&u.id))
                .collect();
        let private = p.get("CertificateAuthorityArn").is_some();
        let issuer = if private {
            "Unknown"
        } else {
            "<DigiCert or GlobalSign issuer>"
        };
        let policy = format!(
            "{{\"issuerParameters\": {{\"name\": \"{issuer}\"}}, \"keyProperties\": {{\"exportable\": true, \"keyType\": \"RSA\", \"keySize\": 2048}}, \"secretProperties\": {{\"contentType\": \"application/x-pkcs12\"}}, \"x509CertificateProperties\": {{\"subject\": \"CN={domain}\", \"subjectAlternativeNames\": {{\"dnsNames\": [{}]}}, \"validityInMonths\": 12}}}}",
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let name = kebab(&r.id);
        let how = if private {
            format!(
                "The certificate was issued by a private CA (ACM PCA), which Azure has no service for: create it in Key Vault with the `Unknown` issuer (`az keyvault certificate create --vault-name <vault> --name {name} --policy '{policy}'`), have the CSR signed by your own CA and merge the signed certificate (`az keyvault certificate pending merge`)."
            )
        } else {
            format!(
                "Register an integrated CA with the vault (`az keyvault certificate issuer create --vault-name <vault> --issuer-name <issuer> --provider-name DigiCert` or `GlobalSign`, with your CA account), then `az keyvault certificate create --vault-name <vault> --name {name} --policy '{policy}'`; or import a certificate you already hold (`az keyvault certificate import --vault-name <vault> --name {name} --file cert.pfx`)."
            )
        };
        let used = if users.is_empty() {
            "No resource of this template uses it.".to_string()
        } else {
            format!(
                "Used by {}: each takes the certificate's versionless Key Vault secret id (`https://<vault>.vault.azure.net/secrets/{name}`) as a parameter, and reads it with its own identity.",
                users.join(", ")
            )
        };
        cx.decide_later(
            i,
            "acm-key-vault-certificate",
            &format!("{}: the certificate is issued in Key Vault", r.id),
            &format!(
                "ACM issued and renewed the certificate for {} ({} validation), and it cannot be exported. ARM has no certificate resource: Key Vault certificates are created through its data plane.",
                names.join(", "),
                text(p.get("ValidationMethod"), "DNS").to_ascii_uppercase()
            ),
            &format!("{how} {used}"),
            "Key Vault renews a certificate from an integrated CA automatically (set the policy's lifetime actions); an imported or privately signed one must be renewed by hand. ACM's domain validation (DNS records or e-mail approvals) does not carry over: the CA validates the domains its own way, and a Terraform `aws_acm_certificate_validation` (folded into the certificate) has nothing left to wait for.",
            None,
        );
    }
}
