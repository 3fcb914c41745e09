//! API Gateway REST APIs → API Management APIs with operations and policies.
//!
//! A REST API is a tree of resources (path parts under the root) with methods on them;
//! each method has an integration (a Lambda function, an HTTP endpoint, a mock, an AWS
//! service). In API Management an API holds operations, each with a method and a URL
//! template, and policies route them to a backend. The `rest-apis` pass joins them:
//! a method's URL template is its resource's path (`{proxy+}` → `{*proxy}`), its
//! policy sets the backend its integration names (`set-backend-service`, with
//! `rewrite-uri` for an HTTP endpoint's path), a mock returns its status code, and a
//! method that required an authorizer or IAM keeps requiring a token (`validate-jwt`
//! against the OpenID configuration of the identity provider that replaces it).
//! Roles: `api`, `resource`, `method`.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::context::Ctx;
use crate::azure::{AzExpr, Interp, interp};
use crate::model::expr::{Expr, ExprKind, SubPart};

const PASS: &str = "rest-apis";

/// The URL path of method `i` (`/pets/{petId}`), from its resource up to the API's root;
/// `None` when a path part is not a literal or the chain leaves the template.
fn method_path(cx: &Ctx, i: usize) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = cx.t.resources[i].properties.get("ResourceId")?.clone();
    for _ in 0..64 {
        // `!Sub "${RestApi.RootResourceId}"` is the value it wraps.
        if let ExprKind::Sub(sub) = &cur.kind
            && let [SubPart::Expr(inner)] = &sub[..]
        {
            cur = inner.clone();
        }
        match &cur.kind {
            // The root resource of the API.
            ExprKind::GetAtt { attribute, .. } if attribute == "RootResourceId" => {
                parts.reverse();
                return Some(format!("/{}", parts.join("/")));
            }
            _ => {}
        }
        let j = cx
            .referenced_resource(&cur)
            .filter(|j| cx.plays(*j, PASS, "resource"))?;
        let p = &cx.t.resources[j].properties;
        let part = p.get("PathPart")?.literal_text()?;
        parts.push(apim_segment(&part));
        cur = p.get("ParentId")?.clone();
    }
    None
}

/// An API Gateway path part as an API Management URL template segment: `{proxy+}`
/// (greedy) → `{*proxy}`.
pub(super) fn apim_segment(part: &str) -> String {
    match part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
        Some(name) => format!("{{*{name}}}"),
        None => part.to_string(),
    }
}

/// The template parameters of a URL template: one required string per `{name}`.
pub(super) fn template_parameters(path: &str) -> Vec<AzExpr> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = rest[start + 1..start + end].trim_start_matches('*');
        out.push(AzExpr::obj(vec![
            ("name", AzExpr::Str(name.to_string())),
            ("type", AzExpr::str("string")),
            ("required", AzExpr::Bool(true)),
        ]));
        rest = &rest[start + end + 1..];
    }
    out
}

/// `properties` of the operation of method `i` (`$args: {method: GET}` for one of the
/// operations of an `ANY` method). `None` when its path cannot be built.
pub fn apim_operation(
    cx: &mut Ctx,
    i: usize,
    args: &Value,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "HttpMethod",
        "ResourceId",
        "RestApiId",
        "OperationName",
        "RequestParameters",
        "MethodResponses",
    ] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    let method = match args.get("method").and_then(|m| m.as_str()) {
        Some(m) => m.to_string(),
        None => r
            .properties
            .get("HttpMethod")
            .and_then(|m| m.literal_text())?
            .to_ascii_uppercase(),
    };
    let Some(path) = method_path(cx, i) else {
        cx.decide(
            "apim-operation-path",
            Some((&r.id, r.span)),
            &format!("{}: the method's path is not known", r.id),
            "The method's resource path is built from path parts that are not literals, or from resources outside this template.",
            "No operation is created for it.",
            "Add the operation to the API by hand with the path the method served.",
        );
        cx.floor_status("manual");
        return None;
    };
    let display = match r
        .properties
        .get("OperationName")
        .and_then(|o| o.literal_text())
    {
        Some(n) => n,
        None => format!("{method} {path}"),
    };
    let mut props = operation_members(display, method, &path);
    if let Some(responses) = r
        .properties
        .get("MethodResponses")
        .and_then(|m| m.as_list())
    {
        let codes: Vec<AzExpr> = responses
            .iter()
            .filter_map(|x| x.get("StatusCode")?.literal_i64())
            .map(|c| AzExpr::obj(vec![("statusCode", AzExpr::Int(c))]))
            .collect();
        if !codes.is_empty() {
            props.push(("responses", AzExpr::Array(codes)));
        }
    }
    Some(AzExpr::obj(props))
}

/// Where a method's integration sends requests.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Backend {
    /// A Lambda function of the template (its index).
    Function(usize),
    /// An HTTP endpoint: base URL and path (`rewrite-uri` template), when literal.
    Http(AzExpr, Option<String>),
    /// A mock integration answering with this status.
    Mock(i64),
    /// Something API Management cannot call by itself (an AWS service, a VPC link, a
    /// function outside the template): the reason.
    Other(String),
}

/// The backend of method `i`'s integration.
fn backend(cx: &mut Ctx, i: usize) -> Backend {
    let Some(integration) = cx.t.resources[i].properties.get("Integration").cloned() else {
        return Backend::Other("the method has no integration".into());
    };
    let ty = integration
        .get("Type")
        .and_then(|t| t.literal_text())
        .unwrap_or_default()
        .to_ascii_uppercase();
    let uri = integration.get("Uri");
    match ty.as_str() {
        "MOCK" => {
            let status = integration
                .get("IntegrationResponses")
                .and_then(|l| l.as_list())
                .and_then(|l| l.first().cloned())
                .and_then(|x| x.get("StatusCode").and_then(|s| s.literal_i64()))
                .unwrap_or(200);
            Backend::Mock(status)
        }
        "AWS" | "AWS_PROXY" => match uri.and_then(|u| lambda_target(cx, u)) {
            Some(f) => Backend::Function(f),
            None => Backend::Other(
                "the integration calls an AWS service (or a function outside this template)".into(),
            ),
        },
        "HTTP" | "HTTP_PROXY" => {
            if integration
                .get("ConnectionType")
                .and_then(|c| c.literal_text())
                .is_some_and(|c| c == "VPC_LINK")
            {
                return Backend::Other(
                    "the integration reaches a private endpoint through a VPC link".into(),
                );
            }
            match uri {
                Some(u) => match u.literal_text() {
                    Some(text) => {
                        let (base, path) = split_url(&text);
                        Backend::Http(AzExpr::Str(base), path)
                    }
                    None => Backend::Http(cx.tr(u), None),
                },
                None => Backend::Other("the HTTP integration names no endpoint".into()),
            }
        }
        _ => Backend::Other(format!("integration type {ty}")),
    }
}

/// `https://host/a/b` → (`https://host`, `/a/b`).
pub(super) fn split_url(url: &str) -> (String, Option<String>) {
    let after_scheme = url.find("://").map(|p| p + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(p) => {
            let (base, path) = url.split_at(after_scheme + p);
            let path = (path != "/").then(|| path.to_string());
            (base.to_string(), path)
        }
        None => (url.to_string(), None),
    }
}

/// The Lambda function of the template an integration URI invokes
/// (`arn:…:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations`).
pub(super) fn lambda_target(cx: &Ctx, uri: &Expr) -> Option<usize> {
    let mut found = None;
    uri.walk(&mut |e| {
        if found.is_none()
            && let Some(j) = cx.referenced_resource(e)
            && cx.plays(j, "events", "function")
        {
            found = Some(j);
        }
    });
    found
}

/// The inbound policy parts of method `i`: token validation when it required an
/// authorizer or IAM, then its backend. Decisions for what cannot carry over.
fn inbound(cx: &mut Ctx, i: usize, b: &Backend) -> Vec<Interp> {
    let r = cx.t.resources[i].clone();
    let auth = r
        .properties
        .get("AuthorizationType")
        .and_then(|a| a.literal_text())
        .unwrap_or_else(|| "NONE".into())
        .to_ascii_uppercase();
    let mut parts = Vec::new();
    if auth != "NONE" {
        let issuer = cognito_openid_url(cx, i);
        parts = token_validation(cx, &r.id, r.span, &auth, issuer);
    }
    parts.extend(backend_parts(cx, &r.id, r.span, b));
    parts
}

/// A `validate-jwt` policy against the OpenID configuration URL parameter (defaulting
/// to `issuer`), for resource `id` that required `auth` (a Lambda or Cognito authorizer,
/// IAM signatures), with the decision that says so.
pub(super) fn token_validation(
    cx: &mut Ctx,
    id: &str,
    span: crate::source::Span,
    auth: &str,
    issuer: Option<String>,
) -> Vec<Interp> {
    let url = cx.param_for("apim-openid-config-url", "string", |p| {
        p.default = issuer.map(AzExpr::Str);
        p.description = Some("OpenID configuration URL of the identity provider that replaces the API Gateway authorizers (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration).".into());
        p.required_reason = Some("API Gateway authorizers and IAM authorization have no Azure equivalent to copy".into());
    });
    cx.decide(
        "apim-authorization",
        Some((id, span)),
        &format!("{id}: {auth} authorization becomes token validation"),
        "The method required a caller identity (a Cognito or Lambda authorizer, or IAM signatures); API Management checks callers with policies.",
        "The operation's policy validates a bearer token (`validate-jwt`) against the OpenID configuration of the parameter `apimOpenidConfigUrl`, so the operation is never open.",
        "Issue tokens from the identity provider that replaces the authorizer (Entra ID or External ID) and add the audience and claims the authorizer checked; IAM-signed (SigV4) callers must switch to tokens. Lambda authorizer logic must be rewritten as policy expressions.",
    );
    cx.floor_status("partial");
    vec![
        Interp::Lit("<validate-jwt header-name=\"Authorization\" failed-validation-httpcode=\"401\"><openid-config url=\"".into()),
        Interp::Expr(AzExpr::ident(url)),
        Interp::Lit("\" /></validate-jwt>".into()),
    ]
}

/// The inbound policy parts that send resource `id`'s requests to backend `b`
/// (`set-backend-service`, `rewrite-uri`, a mock's `return-response`); a decision when
/// API Management cannot call it.
pub(super) fn backend_parts(
    cx: &mut Ctx,
    id: &str,
    span: crate::source::Span,
    b: &Backend,
) -> Vec<Interp> {
    let mut parts = Vec::new();
    match b {
        Backend::Function(f) => {
            let host = cx.reference_expr(*f, "{sym}.properties.defaultHostName");
            parts.push(Interp::Lit(
                "<set-backend-service base-url=\"https://".into(),
            ));
            parts.push(Interp::Expr(host));
            parts.push(Interp::Lit("/api\" />".into()));
        }
        Backend::Http(base, path) => {
            parts.push(Interp::Lit("<set-backend-service base-url=\"".into()));
            match base {
                AzExpr::Str(s) => parts.push(Interp::Lit(xml_attr(s))),
                e => parts.push(Interp::Expr(e.clone())),
            }
            parts.push(Interp::Lit("\" />".into()));
            if let Some(p) = path {
                parts.push(Interp::Lit(format!(
                    "<rewrite-uri template=\"{}\" />",
                    xml_attr(p)
                )));
            }
        }
        Backend::Mock(status) => {
            parts.push(Interp::Lit(format!(
                "<return-response><set-status code=\"{status}\" /></return-response>"
            )));
        }
        Backend::Other(why) => {
            cx.decide(
                "apim-backend-manual",
                Some((id, span)),
                &format!("{id}: the integration has no backend in API Management"),
                &format!("API Management calls HTTP backends; {why}."),
                "The operation is created without a backend: it answers 500 until one is set.",
                "Set a backend by hand: an Azure Function or Logic App that does what the integration did (for AWS service integrations, the Azure service's REST API with the managed identity of API Management), or the private endpoint's address through a self-hosted or VNet-integrated gateway.",
            );
            cx.floor_status("partial");
        }
    }
    parts
}

/// The template decision that operations backed by functions call the function apps
/// over HTTP.
pub(super) fn note_function_backend(cx: &mut Ctx, span: crate::source::Span) {
    cx.template_decision(
        "apim-function-backend",
        "Lambda integrations call the function app over HTTP",
        "API Gateway invokes Lambda functions directly (proxy or custom integrations); API Management calls HTTP backends.",
        "Each operation backed by a function sets the backend to the function app's host (`https://<app>.azurewebsites.net/api`) and keeps the request path; the function gets an HTTP trigger.",
        "Give the function an HTTP trigger whose route matches the operation's path, and keep the function key or restrict its access to API Management. Request and response mapping templates of non-proxy integrations must be rewritten as policies (set-body).",
        span,
    );
}

/// The members of an operation: display name, method, URL template and its parameters.
pub(super) fn operation_members(
    display: String,
    method: String,
    path: &str,
) -> Vec<(&'static str, AzExpr)> {
    let mut props = vec![
        ("displayName", AzExpr::Str(display)),
        ("method", AzExpr::Str(method)),
        ("urlTemplate", AzExpr::Str(path.to_string())),
    ];
    let params = template_parameters(path);
    if !params.is_empty() {
        props.push(("templateParameters", AzExpr::Array(params)));
    }
    props
}

/// The OpenID configuration URL of the Cognito user pool method `i`'s authorizer
/// names by a literal ARN (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`): the
/// pool keeps issuing tokens until its users move.
fn cognito_openid_url(cx: &Ctx, i: usize) -> Option<String> {
    let a = cx.t.resources[i]
        .properties
        .get("AuthorizerId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.plays(*a, PASS, "authorizer"))?;
    let arn = cx.t.resources[a]
        .properties
        .get("ProviderARNs")?
        .as_list()?
        .first()?
        .literal_text()?;
    let rest = arn.strip_prefix("arn:aws:cognito-idp:")?;
    let (region, rest) = rest.split_once(':')?;
    let pool = rest.split_once(":userpool/")?.1;
    Some(format!(
        "https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/openid-configuration"
    ))
}

pub(super) fn xml_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// A policy document with `inbound` parts.
pub(super) fn policy(inbound: Vec<Interp>) -> AzExpr {
    let mut parts = vec![Interp::Lit("<policies><inbound><base />".into())];
    parts.extend(inbound);
    parts.push(Interp::Lit(
        "</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>".into(),
    ));
    AzExpr::obj(vec![
        ("format", AzExpr::str("rawxml")),
        ("value", interp(parts)),
    ])
}

/// `properties` of method `i`'s operation policy: its backend and token validation;
/// `None` when it needs neither.
pub fn apim_operation_policy(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "Integration",
        "AuthorizationType",
        "AuthorizerId",
        "AuthorizationScopes",
    ] {
        consumed.insert(k.into());
    }
    // No operation (its path or method is not known, see `apim_operation`): no policy, whose
    // parent it would be.
    let method_known = cx.t.resources[i]
        .properties
        .get("HttpMethod")
        .and_then(|m| m.literal_text())
        .is_some();
    if !method_known || method_path(cx, i).is_none() {
        return None;
    }
    // An ANY method has one policy per operation; its decisions merge by id.
    let b = backend(cx, i);
    let parts = inbound(cx, i, &b);
    if parts.is_empty() {
        return None;
    }
    if matches!(b, Backend::Function(_)) {
        let span = cx.t.resources[i].span;
        note_function_backend(cx, span);
    }
    Some(policy(parts))
}

/// Does method `i` require an API key?
fn key_required(cx: &Ctx, i: usize) -> bool {
    cx.t.resources[i]
        .properties
        .get("ApiKeyRequired")
        .and_then(|k| k.literal_bool())
        .unwrap_or(false)
}

/// `subscriptionRequired` of REST API `i`: whether any of its methods required an API
/// key (API Management asks for a subscription key per API, not per method).
pub fn apim_subscription_required(cx: &mut Ctx, i: usize) -> AzExpr {
    let id = cx.t.resources[i].id.clone();
    let methods: Vec<usize> = (0..cx.t.resources.len())
        .filter(|m| cx.plays(*m, PASS, "method"))
        .filter(|m| {
            cx.t.resources[*m]
                .properties
                .get("RestApiId")
                .and_then(|a| cx.referenced_resource(a))
                .is_some_and(|a| cx.t.resources[a].id == id)
        })
        .collect();
    let keyed = methods.iter().filter(|m| key_required(cx, **m)).count();
    if keyed > 0 && keyed < methods.len() {
        let span = cx.t.resources[i].span;
        cx.decide(
            "apim-subscription-scope",
            Some((&id, span)),
            &format!("{id}: every operation requires a subscription key"),
            "Some methods of the API required an API key and others did not; API Management requires a subscription key per API.",
            "The API requires a subscription key for every operation.",
            "Move the methods that took no key to a second API without a subscription requirement if anonymous callers must keep access.",
        );
    }
    AzExpr::Bool(keyed > 0)
}

/// `properties.apiId` of the link between usage plan `i`'s product and the first REST
/// API of its `ApiStages` (a decision for the others); `None` when that API is not in
/// the template.
pub fn apim_product_api(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consumed.insert("ApiStages".into());
    let r = cx.t.resources[i].clone();
    let stages = r.properties.get("ApiStages")?.as_list()?.to_vec();
    if stages.len() > 1 {
        cx.decide(
            "apim-product-apis",
            Some((&r.id, r.span)),
            &format!("{}: the product links the first API only", r.id),
            "The usage plan covers several API stages; the product is linked to the API of the first.",
            "The product's subscriptions reach that API.",
            "Link the product to the other APIs by hand (`Microsoft.ApiManagement/service/products/apiLinks`).",
        );
    }
    let api = stages
        .first()?
        .get("ApiId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.plays(*a, PASS, "api"))?;
    Some(AzExpr::obj(vec![(
        "apiId",
        cx.reference_expr(api, "{sym}.id"),
    )]))
}

/// `properties` of usage plan `i`'s product policy: the steady rate (`rate-limit` per
/// second) and the quota per day, week or month; `None` without either.
pub fn apim_product_policy(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("Throttle".into());
    consumed.insert("Quota".into());
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let mut parts = Vec::new();
    if let Some(rate) = p.path("Throttle.RateLimit").and_then(|x| x.literal_text()) {
        let calls = rate.parse::<f64>().ok().map(|x| x.ceil().max(1.0) as i64)?;
        parts.push(Interp::Lit(format!(
            "<rate-limit calls=\"{calls}\" renewal-period=\"1\" />"
        )));
    }
    if let Some(limit) = p.path("Quota.Limit").and_then(|x| x.literal_i64()) {
        let period = match p
            .path("Quota.Period")
            .and_then(|x| x.literal_text())
            .unwrap_or_default()
            .to_ascii_uppercase()
            .as_str()
        {
            "DAY" => 86_400,
            "WEEK" => 604_800,
            _ => 2_592_000,
        };
        parts.push(Interp::Lit(format!(
            "<quota calls=\"{limit}\" renewal-period=\"{period}\" />"
        )));
    }
    if parts.is_empty() {
        return None;
    }
    if p.path("Throttle.BurstLimit").is_some()
        || p.path("Quota.Offset").is_some()
        || p.path("Quota.Period")
            .and_then(|x| x.literal_text())
            .is_some_and(|x| x.eq_ignore_ascii_case("MONTH"))
    {
        cx.decide(
            "apim-throttling",
            Some((&r.id, r.span)),
            &format!("{}: throttling becomes rate-limit and quota policies", r.id),
            "A usage plan throttles each key to a steady rate with a burst allowance and counts a quota per calendar day, week or month.",
            "The product's policy limits each subscription to the steady rate per second and the quota per renewal period (a month is 30 days, counted from the subscription's first call).",
            "There is no burst allowance: callers that relied on bursts above the steady rate are refused with 429 sooner.",
        );
    }
    Some(policy(parts))
}

/// `properties.scope` of API key `i`'s subscription: the product of the usage plan a
/// plan key joins it to, else every API of the instance.
pub fn apim_key_scope(cx: &mut Ctx, i: usize) -> AzExpr {
    let id = cx.t.resources[i].id.clone();
    let plan = (0..cx.t.resources.len())
        .filter(|k| cx.plays(*k, PASS, "plan-key"))
        .find_map(|k| {
            let p = &cx.t.resources[k].properties;
            let key = p.get("KeyId").and_then(|x| cx.referenced_resource(x))?;
            if cx.t.resources[key].id != id {
                return None;
            }
            p.get("UsagePlanId")
                .and_then(|x| cx.referenced_resource(x))
                .filter(|x| cx.plays(*x, PASS, "plan"))
        });
    match plan {
        Some(j) => interp(vec![
            Interp::Lit("/products/".into()),
            Interp::Expr(cx.reference_expr(j, "{sym}.name")),
        ]),
        None => AzExpr::str("/apis"),
    }
}
