//! API Gateway HTTP and WebSocket APIs (V2) → API Management APIs and Web PubSub hubs.
//!
//! An HTTP API is a set of routes (`GET /items/{id}`, `ANY /{proxy+}`, `$default`), each
//! sending requests to an integration (a Lambda function, an HTTP endpoint, an AWS
//! service) and optionally checked by an authorizer (JWT or Lambda). It becomes an API of
//! the template's API Management instance (the one REST APIs use), an operation per route
//! (per method for `ANY` and `$default`) whose policy sets the integration's backend and
//! validates the route's JWT, and an API policy for its CORS configuration. A quick-created
//! API (`Target` on the API itself) is its own `$default` route.
//!
//! An HTTP API whose every route goes to one function of the template (Lambda proxy
//! integrations, SAM `HttpApi` events, a quick-created API's `Target`), with no authorizer,
//! OpenAPI body, custom domain, throttling or stage variables, needs no gateway: the
//! function app's HTTP trigger serves it on the app's own HTTPS endpoint. The API and the
//! resources that name it take their `function_endpoint` variants (no Azure resource), its
//! endpoint is `https://<app default host name>`, its CORS configuration becomes the app's
//! `siteConfig.cors`, and the decision `http-api-function-endpoint` lists the routes the
//! function must declare. A JWT authorizer keeps API Management: `validate-jwt` checks the
//! route's scopes, which the app's built-in authentication (`authsettingsV2`) does not.
//!
//! A WebSocket API becomes a Web PubSub service with one hub, whose event handlers call
//! the functions its routes' integrations invoke: `$connect` → the `connect` system event,
//! `$disconnect` → `disconnected`, other route keys → user events of that name, `$default`
//! → every other user event. Roles of the `http-apis` pass: `api`, `route`,
//! `integration`, `authorizer`, `model`, `stage`, `deployment`.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::apis::{self, Backend};
use super::context::Ctx;
use crate::azure::{AzExpr, Interp, interp};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;

const PASS: &str = "http-apis";

/// The API of the template resource `i` names in `ApiId`.
fn api_of(cx: &Ctx, i: usize) -> Option<usize> {
    cx.t.resources[i]
        .properties
        .get("ApiId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.plays(*a, PASS, "api"))
}

/// Is API `api` a WebSocket API?
fn is_websocket(cx: &Ctx, api: usize) -> bool {
    cx.t.resources[api]
        .properties
        .get("ProtocolType")
        .and_then(|p| p.literal_text())
        .is_some_and(|p| p.eq_ignore_ascii_case("WEBSOCKET"))
}

/// Is route `i` one of a WebSocket API's?
fn websocket_route(cx: &Ctx, i: usize) -> bool {
    !cx.plays(i, PASS, "api") && api_of(cx, i).is_some_and(|a| is_websocket(cx, a))
}

/// A route key as (method, URL template): `GET /items/{id}` → (`GET`, `/items/{id}`);
/// `ANY /{proxy+}` → (none: every method, `/{*proxy}`); `$default` → (none, `/*`).
fn parse_route_key(key: &str) -> Option<(Option<String>, String)> {
    if key == "$default" {
        return Some((None, "/*".into()));
    }
    let (method, path) = key.trim().split_once(' ')?;
    let path = path.trim();
    if !path.starts_with('/') {
        return None;
    }
    let segments: Vec<String> = path.split('/').map(apis::apim_segment).collect();
    let method = method.to_ascii_uppercase();
    Some(((method != "ANY").then_some(method), segments.join("/")))
}

/// The route key of route `i` (a quick-created API is its own `$default` route).
fn route_key(cx: &Ctx, i: usize) -> Option<String> {
    if cx.plays(i, PASS, "api") {
        return Some("$default".into());
    }
    cx.t.resources[i]
        .properties
        .get("RouteKey")
        .and_then(|k| cx.literal_text(k))
}

/// The integration of the template a route's `Target` (`integrations/<id>`) names.
fn target_integration(cx: &Ctx, target: &Expr) -> Option<usize> {
    let mut found = None;
    target.walk(&mut |e| {
        if found.is_none()
            && let Some(j) = cx.referenced_resource(e)
            && cx.plays(j, PASS, "integration")
        {
            found = Some(j);
        }
    });
    found
}

/// Where integration `j` sends requests.
fn integration_backend(cx: &mut Ctx, j: usize) -> Backend {
    let p = cx.t.resources[j].properties.clone();
    let text = |k: &str| {
        p.get(k)
            .and_then(|x| x.literal_text())
            .unwrap_or_default()
            .to_ascii_uppercase()
    };
    if text("ConnectionType") == "VPC_LINK" {
        return Backend::Other(
            "the integration reaches a private endpoint through a VPC link".into(),
        );
    }
    if let Some(sub) = p.get("IntegrationSubtype").and_then(|x| x.literal_text()) {
        return Backend::Other(format!(
            "the integration calls an AWS service directly ({sub})"
        ));
    }
    let uri = p.get("IntegrationUri");
    match text("IntegrationType").as_str() {
        "AWS_PROXY" | "AWS" => match uri.and_then(|u| apis::lambda_target(cx, u)) {
            Some(f) => Backend::Function(f),
            None => Backend::Other(
                "the integration calls an AWS service (or a function outside this template)".into(),
            ),
        },
        "HTTP_PROXY" | "HTTP" => url_backend(cx, uri),
        "MOCK" => Backend::Mock(200),
        other => Backend::Other(format!("integration type {other}")),
    }
}

/// An HTTP endpoint's backend: its base URL and path when literal.
fn url_backend(cx: &mut Ctx, uri: Option<&Expr>) -> Backend {
    match uri {
        Some(u) => match u.literal_text() {
            Some(text) if text.starts_with("arn:") => Backend::Other(
                "the integration names a load balancer listener or Cloud Map service".into(),
            ),
            Some(text) => {
                let (base, path) = apis::split_url(&text);
                Backend::Http(AzExpr::Str(base), path)
            }
            None => Backend::Http(cx.tr(u), None),
        },
        None => Backend::Other("the HTTP integration names no endpoint".into()),
    }
}

/// The backend of route `i` (or of quick-created API `i`'s target).
fn route_backend(cx: &mut Ctx, i: usize) -> Backend {
    let Some(target) = cx.t.resources[i].properties.get("Target").cloned() else {
        return Backend::Other("the route has no target".into());
    };
    if cx.plays(i, PASS, "api") {
        return match apis::lambda_target(cx, &target) {
            Some(f) => Backend::Function(f),
            None => url_backend(cx, Some(&target)),
        };
    }
    match target_integration(cx, &target) {
        Some(j) => integration_backend(cx, j),
        None => Backend::Other("the route's integration is not in this template".into()),
    }
}

/// `properties` of the operation of route `i` (`$args: {method: GET}` for one of the
/// operations of an `ANY` or `$default` route); `None` for a WebSocket route (its API's
/// hub carries it) or a route key that is not known.
pub fn apim_route_operation(
    cx: &mut Ctx,
    i: usize,
    args: &Value,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "RouteKey",
        "ApiId",
        "Target",
        "OperationName",
        "AuthorizationType",
        "AuthorizerId",
        "AuthorizationScopes",
    ] {
        consumed.insert(k.into());
    }
    if websocket_route(cx, i) {
        return websocket_route_check(cx, i, consumed);
    }
    let r = cx.t.resources[i].clone();
    let parsed = route_key(cx, i).and_then(|k| parse_route_key(&k));
    let wanted = args
        .get("method")
        .and_then(|m| m.as_str())
        .map(str::to_string);
    let (method, path) = match parsed {
        Some((Some(m), p)) => (m, p),
        Some((None, p)) if wanted.is_some() => (wanted.clone().unwrap_or_default(), p),
        _ => {
            cx.decide(
                "apim-operation-path",
                Some((&r.id, r.span)),
                &format!("{}: the route's method and path are not known", r.id),
                "The route key is not a literal `METHOD /path`, `ANY /path` or `$default`.",
                "No operation is created for it.",
                "Add the operation to the API by hand with the method and path the route served.",
            );
            cx.floor_status("manual");
            return None;
        }
    };
    if wanted.is_some() {
        cx.decide(
            "apim-any-method",
            Some((&r.id, r.span)),
            &format!("{}: the route becomes one operation per HTTP method", r.id),
            "The route matches every HTTP method (`ANY` or `$default`); an API Management operation has one method.",
            "The route becomes seven operations (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS) with the same path and policy; `$default` matches every path (`/*`).",
            "Other methods (TRACE, CONNECT, custom) are not routed.",
        );
    }
    let display = match r
        .properties
        .get("OperationName")
        .and_then(|o| o.literal_text())
    {
        Some(n) => n,
        None => format!("{method} {path}"),
    };
    Some(AzExpr::obj(apis::operation_members(display, method, &path)))
}

/// A WebSocket route: carried by its API's hub (no operation), with a decision when its
/// integration calls no function of the template.
fn websocket_route_check(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    for k in [
        "ApiKeyRequired",
        "ModelSelectionExpression",
        "RequestModels",
        "RequestParameters",
        "RouteResponseSelectionExpression",
    ] {
        consumed.insert(k.into());
    }
    cx.folded = true;
    let r = cx.t.resources[i].clone();
    if !matches!(route_backend(cx, i), Backend::Function(_)) {
        cx.decide(
            "web-pubsub-route-backend",
            Some((&r.id, r.span)),
            &format!("{}: the route's integration is not a function", r.id),
            "Web PubSub calls event handlers over HTTP (a function app with a Web PubSub trigger, or any webhook); the route's integration calls an AWS service, an HTTP endpoint or a mock.",
            "The hub has no event handler for this route's event.",
            "Write a function (Web PubSub trigger) that does what the integration did (for a Step Functions or SQS integration: start the Logic App or send to the Service Bus queue that replaces it), and add it to the hub's event handlers.",
        );
        cx.floor_status("partial");
    }
    let auth = r
        .properties
        .get("AuthorizationType")
        .and_then(|a| a.literal_text())
        .unwrap_or_else(|| "NONE".into());
    if !auth.eq_ignore_ascii_case("NONE") {
        connect_auth_decision(cx, &r.id, r.span, &auth);
    }
    None
}

/// The decision for a WebSocket API whose `$connect` required authorization.
fn connect_auth_decision(cx: &mut Ctx, id: &str, span: crate::source::Span, auth: &str) {
    cx.decide(
        "web-pubsub-connect-auth",
        Some((id, span)),
        &format!("{id}: {auth} authorization of connections becomes Web PubSub access tokens"),
        "API Gateway checked each connection (IAM signatures or a Lambda authorizer) before `$connect`.",
        "The hub refuses anonymous connections: clients connect with an access token that a negotiate endpoint of the application issues (Web PubSub service SDK `getClientAccessToken`, or the Functions `WebPubSubConnection` input binding) after authenticating the user.",
        "Move the authorizer's checks into the negotiate endpoint (or the blocking `connect` event handler, which can refuse a connection); IAM-signed clients must switch to tokens.",
    );
    cx.floor_status("partial");
}

/// `properties` of route `i`'s operation policy: its JWT validation and backend.
pub fn apim_route_policy(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Option<AzExpr> {
    consumed.insert("Target".into());
    if websocket_route(cx, i) {
        cx.folded = true;
        return None;
    }
    // No operation (its route key is not known): no policy.
    let key = route_key(cx, i)?;
    parse_route_key(&key)?;
    let r = cx.t.resources[i].clone();
    let auth = r
        .properties
        .get("AuthorizationType")
        .and_then(|a| a.literal_text())
        .unwrap_or_else(|| "NONE".into())
        .to_ascii_uppercase();
    let mut parts = match auth.as_str() {
        "NONE" => Vec::new(),
        "JWT" => jwt_validation(cx, i)
            .unwrap_or_else(|| apis::token_validation(cx, &r.id, r.span, "JWT", None)),
        _ => apis::token_validation(cx, &r.id, r.span, &auth, None),
    };
    let b = route_backend(cx, i);
    parts.extend(apis::backend_parts(cx, &r.id, r.span, &b));
    if parts.is_empty() {
        return None;
    }
    if matches!(b, Backend::Function(_)) {
        apis::note_function_backend(cx, r.span);
    }
    Some(apis::policy(parts))
}

/// `<validate-jwt>` for route `i`'s JWT authorizer: the OpenID configuration of its
/// issuer, its audiences, and the route's scopes as a required `scope` claim. `None`
/// when the authorizer is not in the template.
fn jwt_validation(cx: &mut Ctx, i: usize) -> Option<Vec<Interp>> {
    let r = cx.t.resources[i].clone();
    let a = r
        .properties
        .get("AuthorizerId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.plays(*a, PASS, "authorizer"))?;
    let ap = cx.t.resources[a].properties.clone();
    let issuer = ap.path("JwtConfiguration.Issuer")?.clone();
    // `$request.header.Authorization` (the default) or `$request.querystring.token`.
    let source = ap
        .get("IdentitySource")
        .and_then(|s| match s.as_list() {
            Some(l) => l.first().and_then(|x| x.literal_text()),
            None => s.literal_text(),
        })
        .unwrap_or_else(|| "$request.header.Authorization".into());
    let from = match source.strip_prefix("$request.querystring.") {
        Some(q) => format!("query-parameter-name=\"{}\"", apis::xml_attr(q)),
        None => format!(
            "header-name=\"{}\"",
            apis::xml_attr(
                source
                    .strip_prefix("$request.header.")
                    .unwrap_or("Authorization")
            )
        ),
    };
    let mut parts = vec![Interp::Lit(format!(
        "<validate-jwt {from} failed-validation-httpcode=\"401\"><openid-config url=\""
    ))];
    match issuer.literal_text() {
        Some(t) => parts.push(Interp::Lit(apis::xml_attr(t.trim_end_matches('/')))),
        // A parameter of the template: the same value.
        None if matches!(&issuer.kind, ExprKind::Ref(n) if cx.t.parameter(n).is_some()) => {
            parts.push(Interp::Expr(cx.tr(&issuer)))
        }
        // Built from the stack's region or a resource (a Cognito pool's URL): the issuer
        // stays where it is, which Azure names cannot say.
        None => {
            let aid = cx.t.resources[a].id.clone();
            let p = cx.param_for(&format!("{}-issuer", kebab(&aid)), "string", |p| {
                p.description = Some(format!(
                    "Issuer URL of the JWT authorizer {aid} (`https://cognito-idp.<AWS region>.amazonaws.com/<user pool id>` for a Cognito user pool, `https://login.microsoftonline.com/<tenant>/v2.0` for Entra ID)."
                ));
                p.required_reason = Some(format!(
                    "the issuer of {aid} is built from AWS values (region, user pool)"
                ));
            });
            parts.push(Interp::Expr(AzExpr::ident(p)));
        }
    }
    parts.push(Interp::Lit("/.well-known/openid-configuration\" />".into()));
    let audiences = ap
        .path("JwtConfiguration.Audience")
        .and_then(|l| l.as_list())
        .map(|l| l.to_vec())
        .unwrap_or_default();
    if !audiences.is_empty() {
        parts.push(Interp::Lit("<audiences>".into()));
        for x in &audiences {
            parts.push(Interp::Lit("<audience>".into()));
            match x.literal_text() {
                Some(t) => parts.push(Interp::Lit(apis::xml_attr(&t))),
                None => parts.push(Interp::Expr(cx.tr(x))),
            }
            parts.push(Interp::Lit("</audience>".into()));
        }
        parts.push(Interp::Lit("</audiences>".into()));
    }
    let scopes: Vec<String> = r
        .properties
        .get("AuthorizationScopes")
        .and_then(|l| l.as_list())
        .map(|l| l.iter().filter_map(|x| x.literal_text()).collect())
        .unwrap_or_default();
    if !scopes.is_empty() {
        parts.push(Interp::Lit(
            "<required-claims><claim name=\"scope\" match=\"any\" separator=\" \">".into(),
        ));
        for s in &scopes {
            parts.push(Interp::Lit(format!("<value>{}</value>", apis::xml_attr(s))));
        }
        parts.push(Interp::Lit("</claim></required-claims>".into()));
    }
    parts.push(Interp::Lit("</validate-jwt>".into()));
    Some(parts)
}

/// The literal strings of list property `path` of `e`.
fn literal_list(e: &Expr, path: &str) -> Vec<String> {
    e.path(path)
        .and_then(|l| l.as_list())
        .map(|l| l.iter().filter_map(|x| x.literal_text()).collect())
        .unwrap_or_default()
}

/// `properties` of HTTP API `i`'s policy: its CORS configuration as a `cors` policy;
/// `None` without one (or without allowed origins, which admit no cross-origin caller).
pub fn apim_api_policy(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consumed.insert("CorsConfiguration".into());
    let r = cx.t.resources[i].clone();
    let c = r.properties.get("CorsConfiguration")?;
    let origins = literal_list(c, "AllowOrigins");
    if origins.is_empty() {
        return None;
    }
    let mut credentials = c
        .get("AllowCredentials")
        .and_then(|x| x.literal_bool())
        .unwrap_or(false);
    if credentials && origins.iter().any(|o| o == "*") {
        cx.decide(
            "apim-cors-credentials",
            Some((&r.id, r.span)),
            &format!("{}: CORS with credentials and any origin", r.id),
            "The CORS configuration allows credentials for every origin (`*`); API Management refuses `allow-credentials` with a wildcard origin.",
            "The `cors` policy allows every origin without credentials.",
            "List the origins that send credentials and set `allow-credentials` to true.",
        );
        credentials = false;
    }
    let list = |tag: &str, item: &str, values: &[String], attrs: &str| {
        let inner: String = values
            .iter()
            .map(|v| format!("<{item}>{}</{item}>", apis::xml_attr(v)))
            .collect();
        format!("<{tag}{attrs}>{inner}</{tag}>")
    };
    let mut xml = format!("<cors allow-credentials=\"{credentials}\">");
    xml.push_str(&list("allowed-origins", "origin", &origins, ""));
    let methods = literal_list(c, "AllowMethods");
    let max_age = c
        .get("MaxAge")
        .and_then(|x| x.literal_i64())
        .map(|m| format!(" preflight-result-max-age=\"{m}\""))
        .unwrap_or_default();
    if !methods.is_empty() {
        xml.push_str(&list("allowed-methods", "method", &methods, &max_age));
    }
    let headers = literal_list(c, "AllowHeaders");
    if !headers.is_empty() {
        xml.push_str(&list("allowed-headers", "header", &headers, ""));
    }
    let expose = literal_list(c, "ExposeHeaders");
    if !expose.is_empty() {
        xml.push_str(&list("expose-headers", "header", &expose, ""));
    }
    xml.push_str("</cors>");
    Some(apis::policy(vec![Interp::Lit(xml)]))
}

/// One event handler of a hub: the function it calls and the events it takes.
struct Handler {
    function: usize,
    user: Vec<String>,
    system: Vec<String>,
}

/// The (route key, function, route resource) of WebSocket API `i`: its routes' function
/// integrations (`AWS::ApiGatewayV2::Route`), or the `Routes` of a SAM WebSocket API.
fn websocket_routes(
    cx: &mut Ctx,
    i: usize,
    consumed: &mut BTreeSet<String>,
) -> Vec<(String, Option<usize>)> {
    let r = cx.t.resources[i].clone();
    if let Some(routes) = r.properties.get("Routes") {
        consumed.insert("Routes".into());
        let ExprKind::Object(m) = &routes.kind else {
            return Vec::new();
        };
        let mut settings: Vec<String> = m
            .iter()
            .filter_map(|(_, _, v)| match &v.kind {
                ExprKind::Object(x) => Some(x.iter().map(|(k, _, _)| k.clone())),
                _ => None,
            })
            .flatten()
            .filter(|k| k != "FunctionArn")
            .collect();
        settings.sort();
        settings.dedup();
        if !settings.is_empty() {
            cx.decide(
                "web-pubsub-route-settings",
                Some((&r.id, r.span)),
                &format!("{}: route settings are not carried over", r.id),
                &format!(
                    "Routes of the API set {}, which Web PubSub event handlers have no setting for.",
                    settings.join(", ")
                ),
                "The hub's event handlers call the functions without them: Web PubSub admits connections by access token, does not validate messages, and waits for a handler's answer up to its own timeout.",
                "Validate messages and check callers in the functions; move an API key check into the negotiate endpoint.",
            );
        }
        return m
            .iter()
            .map(|(k, _, v)| {
                let f = v
                    .get("FunctionArn")
                    .and_then(|f| cx.referenced_resource(f))
                    .filter(|f| cx.plays(*f, "events", "function"));
                (k.clone(), f)
            })
            .collect();
    }
    let routes: Vec<usize> = (0..cx.t.resources.len())
        .filter(|j| cx.plays(*j, PASS, "route") && api_of(cx, *j) == Some(i))
        .collect();
    routes
        .into_iter()
        .filter_map(|j| {
            let key = route_key(cx, j)?;
            let f = match route_backend(cx, j) {
                Backend::Function(f) => Some(f),
                _ => None,
            };
            Some((key, f))
        })
        .collect()
}

/// `properties` of WebSocket API `i`'s Web PubSub hub: an event handler per function its
/// routes call (`$connect` → `connect`, `$disconnect` → `disconnected`, a route key → the
/// user event of that name, `$default` → every user event, in the last handler).
pub fn web_pubsub_hub(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    let r = cx.t.resources[i].clone();
    let mut handlers: Vec<Handler> = Vec::new();
    let mut unrouted = Vec::new();
    for (key, f) in websocket_routes(cx, i, consumed) {
        let Some(f) = f else {
            unrouted.push(key);
            continue;
        };
        let h = match handlers.iter().position(|h| h.function == f) {
            Some(k) => &mut handlers[k],
            None => {
                handlers.push(Handler {
                    function: f,
                    user: Vec::new(),
                    system: Vec::new(),
                });
                handlers.last_mut().expect("just pushed")
            }
        };
        match key.as_str() {
            "$connect" => h.system.push("connect".into()),
            "$disconnect" => h.system.push("disconnected".into()),
            "$default" => h.user = vec!["*".into()],
            k if !h.user.iter().any(|u| u == "*") => h.user.push(k.to_string()),
            _ => {}
        }
    }
    // The catch-all handler last: Web PubSub takes the first handler that matches.
    handlers.sort_by_key(|h| h.user.iter().any(|u| u == "*"));
    if !unrouted.is_empty() && r.properties.get("Routes").is_some() {
        cx.decide(
            "web-pubsub-route-backend",
            Some((&r.id, r.span)),
            &format!("{}: some routes call no function of the template", r.id),
            &format!(
                "The routes {} name a function outside this template (or none).",
                unrouted.join(", ")
            ),
            "The hub has no event handler for them.",
            "Add an event handler to the hub for each, with the URL of the function app that handles it.",
        );
        cx.floor_status("partial");
    }
    if let Some(auth) = r
        .properties
        .path("Auth.AuthType")
        .and_then(|a| a.literal_text())
        .filter(|a| !a.eq_ignore_ascii_case("NONE"))
    {
        consumed.insert("Auth".into());
        connect_auth_decision(cx, &r.id, r.span, &auth);
    }
    let mut list = Vec::new();
    for h in &handlers {
        let fid = cx.t.resources[h.function].id.clone();
        let key = cx.param_for(&format!("{}-webpubsub-key", kebab(&fid)), "string", |p| {
            p.secure = true;
            p.description = Some(format!(
                "The `webpubsub_extension` system key of the function app of {fid} (App keys, once code with a Web PubSub trigger runs on it)."
            ));
            p.required_reason = Some(format!(
                "Web PubSub calls the Web PubSub trigger of {fid} with its extension key"
            ));
        });
        let host = cx.reference_expr(h.function, "{sym}.properties.defaultHostName");
        let mut members = vec![(
            "urlTemplate",
            interp(vec![
                Interp::Lit("https://".into()),
                Interp::Expr(host),
                Interp::Lit("/runtime/webhooks/webpubsub?code=".into()),
                Interp::Expr(AzExpr::ident(key)),
            ]),
        )];
        if !h.user.is_empty() {
            members.push(("userEventPattern", AzExpr::Str(h.user.join(","))));
        }
        if !h.system.is_empty() {
            members.push((
                "systemEvents",
                AzExpr::Array(h.system.iter().map(|s| AzExpr::Str(s.clone())).collect()),
            ));
        }
        list.push(AzExpr::obj(members));
    }
    AzExpr::obj(vec![
        ("eventHandlers", AzExpr::Array(list)),
        ("anonymousConnectPolicy", AzExpr::str("Deny")),
    ])
}

/// `properties` of model `i`'s API Management schema: its JSON schema as an OpenAPI
/// component named after it; `None` for a model of a WebSocket API (Web PubSub does
/// not validate messages: a decision says so).
pub fn apim_schema(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in ["Schema", "Name", "ContentType", "ApiId", "RestApiId"] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    if api_of(cx, i).is_some_and(|a| is_websocket(cx, a)) {
        cx.folded = true;
        cx.decide(
            "web-pubsub-model",
            Some((&r.id, r.span)),
            &format!("{}: message models are not validated", r.id),
            "API Gateway validated WebSocket messages against the model a route selected.",
            "Web PubSub does not validate messages; no resource.",
            "Validate the message in the event handler.",
        );
        cx.floor_status("partial");
        return None;
    }
    let schema = r.properties.get("Schema")?;
    let value = match &schema.kind {
        ExprKind::Str(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(v) => json_expr(&v),
            Err(_) => return None,
        },
        _ => cx.tr(schema),
    };
    let name = r
        .properties
        .get("Name")
        .and_then(|n| n.literal_text())
        .unwrap_or_else(|| r.id.clone());
    cx.template_decision(
        "apim-schema",
        "Models become API schemas",
        "An API Gateway model is a JSON schema that request and response bodies can be validated against.",
        "Each model becomes a schema of its API (an OpenAPI component named after the model).",
        "Operations do not reference it by themselves; validate bodies with the validate-content policy naming the schema.",
        r.span,
    );
    Some(AzExpr::obj(vec![
        (
            "contentType",
            AzExpr::str("application/vnd.oai.openapi.components+json"),
        ),
        (
            "document",
            AzExpr::obj(vec![(
                "components",
                AzExpr::obj(vec![("schemas", AzExpr::obj(vec![(name.as_str(), value)]))]),
            )]),
        ),
    ]))
}

/// A JSON value as an Azure literal.
fn json_expr(v: &serde_json::Value) -> AzExpr {
    use serde_json::Value as J;
    match v {
        J::Null => AzExpr::Null,
        J::Bool(b) => AzExpr::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => AzExpr::Int(i),
            None => AzExpr::Str(n.to_string()),
        },
        J::String(s) => AzExpr::Str(s.clone()),
        J::Array(a) => AzExpr::Array(a.iter().map(json_expr).collect()),
        J::Object(m) => AzExpr::obj(m.iter().map(|(k, x)| (k.as_str(), json_expr(x))).collect()),
    }
}

// ---------------------------------------------------------------------------------------
// HTTP APIs in front of one function: the function app's own HTTPS endpoint.
// ---------------------------------------------------------------------------------------

/// The function of the template route `j`'s integration invokes (a Lambda proxy
/// integration), without translating anything.
fn route_function(cx: &Ctx, j: usize) -> Option<usize> {
    let target = cx.t.resources[j].properties.get("Target")?;
    let k = target_integration(cx, target)?;
    let p = &cx.t.resources[k].properties;
    let text = |key: &str| {
        p.get(key)
            .and_then(|x| x.literal_text())
            .map(|x| x.to_ascii_uppercase())
    };
    if text("ConnectionType").as_deref() == Some("VPC_LINK")
        || p.get("IntegrationSubtype").is_some()
        || text("IntegrationType").as_deref() != Some("AWS_PROXY")
    {
        return None;
    }
    apis::lambda_target(cx, p.get("IntegrationUri")?)
}

/// Does `e` (a stage's or API's route settings) throttle, or set stage variables?
fn throttles(e: Option<&Expr>) -> bool {
    let mut found = false;
    if let Some(e) = e {
        e.walk(&mut |x| {
            if let ExprKind::Object(m) = &x.kind
                && m.iter().any(|(k, _, _)| k.starts_with("Throttling"))
            {
                found = true;
            }
        });
    }
    found
}

/// Does `e` hold a non-empty object or list (stage variables)?
fn non_empty(e: Option<&Expr>) -> bool {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Object(m)) => !m.is_empty(),
        Some(ExprKind::List(l)) => !l.is_empty(),
        Some(ExprKind::Null) | None => false,
        Some(_) => true,
    }
}

/// The one function every route of `AWS::ApiGatewayV2::Api`-like HTTP API `a` goes to,
/// when nothing about the API needs API Management: no authorizer, OpenAPI body, custom
/// domain, throttling or stage variables.
fn v2_single_function(cx: &Ctx, a: usize) -> Option<usize> {
    let p = &cx.t.resources[a].properties;
    if p.get("Body").is_some() || p.get("BodyS3Location").is_some() {
        return None;
    }
    let mut function = None;
    let mut same = |f: Option<usize>| match (f, function) {
        (None, _) => false,
        (Some(f), None) => {
            function = Some(f);
            true
        }
        (Some(f), Some(g)) => f == g,
    };
    if let Some(target) = p.get("Target")
        && !same(apis::lambda_target(cx, target))
    {
        return None;
    }
    for j in 0..cx.t.resources.len() {
        if j == a || api_of(cx, j) != Some(a) {
            continue;
        }
        let r = &cx.t.resources[j];
        if cx.plays(j, PASS, "route") {
            let auth = r
                .properties
                .get("AuthorizationType")
                .map(|x| x.literal_text().unwrap_or_default().to_ascii_uppercase());
            if auth.is_some_and(|x| x != "NONE") || !same(route_function(cx, j)) {
                return None;
            }
        } else if cx.plays(j, PASS, "stage") {
            let sp = &r.properties;
            if non_empty(sp.get("StageVariables"))
                || throttles(sp.get("DefaultRouteSettings"))
                || throttles(sp.get("RouteSettings"))
            {
                return None;
            }
        } else if !cx.plays(j, PASS, "integration") && !cx.plays(j, PASS, "deployment") {
            // An authorizer, a model, an API mapping of a custom domain, a response.
            return None;
        }
    }
    function
}

/// The HTTP API a SAM `HttpApi` event of function `f` goes to: its `ApiId`, else the
/// implicit `ServerlessHttpApi`.
fn sam_event_api(cx: &Ctx, ev: &Expr) -> Option<usize> {
    match ev.path("Properties.ApiId") {
        Some(id) => cx.referenced_resource(id),
        None => {
            cx.t.resources
                .iter()
                .position(|r| r.implicit && r.id == "ServerlessHttpApi")
        }
    }
}

/// The SAM events (`Api` and `HttpApi`) of the functions of the template: (function,
/// event type, event).
fn sam_api_events(cx: &Ctx) -> Vec<(usize, String, Expr)> {
    let mut out = Vec::new();
    for f in 0..cx.t.resources.len() {
        if !cx.plays(f, "events", "function") {
            continue;
        }
        if let Some(ExprKind::Object(m)) =
            cx.t.resources[f].properties.get("Events").map(|e| &e.kind)
        {
            for (_, _, ev) in m {
                if let Some(ty) = ev.get("Type").and_then(|t| t.as_str())
                    && (ty == "Api" || ty == "HttpApi")
                {
                    out.push((f, ty.to_string(), ev.clone()));
                }
            }
        }
    }
    out
}

/// The one function every `HttpApi` event of SAM API `a` comes from, when nothing about
/// the API needs API Management (no authorizer, OpenAPI definition, custom domain,
/// throttling or stage variables).
fn sam_single_function(cx: &Ctx, a: usize, events: &[(usize, String, Expr)]) -> Option<usize> {
    let p = &cx.t.resources[a].properties;
    for k in ["DefinitionBody", "DefinitionUri", "Domain", "Auth"] {
        if p.get(k).is_some_and(|x| !x.is_null()) {
            return None;
        }
    }
    if non_empty(p.get("StageVariables"))
        || throttles(p.get("DefaultRouteSettings"))
        || throttles(p.get("RouteSettings"))
    {
        return None;
    }
    let mut function = None;
    for (f, ty, ev) in events {
        let api = match ty.as_str() {
            "HttpApi" => sam_event_api(cx, ev),
            _ => ev
                .path("Properties.RestApiId")
                .and_then(|id| cx.referenced_resource(id)),
        };
        if api != Some(a) {
            continue;
        }
        let auth = ev
            .path("Properties.Auth.Authorizer")
            .map(|x| x.literal_text().unwrap_or_default());
        if ty != "HttpApi"
            || auth.is_some_and(|x| !x.eq_ignore_ascii_case("NONE"))
            || throttles(ev.path("Properties.RouteSettings"))
            || function.is_some_and(|g| g != *f)
        {
            return None;
        }
        function = Some(*f);
    }
    function
}

/// HTTP APIs whose every route goes to one function of the template (and that use
/// nothing only API Management has) → that function. Computed before any resource is
/// mapped: the APIs' entries choose their `function_endpoint` variant from it.
pub fn function_endpoints(cx: &Ctx) -> std::collections::BTreeMap<usize, usize> {
    let events = sam_api_events(cx);
    let mut out = std::collections::BTreeMap::new();
    for a in 0..cx.t.resources.len() {
        let r = &cx.t.resources[a];
        if r.for_each.is_some() {
            continue;
        }
        let f = if cx.plays(a, PASS, "api") {
            if is_websocket(cx, a) {
                continue;
            }
            v2_single_function(cx, a)
        } else if cx.plays(a, "api-urls", "sam-api") {
            sam_single_function(cx, a, &events)
        } else {
            continue;
        };
        if let Some(f) = f.filter(|f| cx.t.resources[*f].for_each.is_none()) {
            out.insert(a, f);
        }
    }
    out
}

/// The HTTP API served by a function's own endpoint that resource `i` is, or names in
/// `ApiId` (its route, integration, stage or deployment).
pub fn fronted_api(cx: &Ctx, i: usize) -> Option<usize> {
    if cx.function_apis.contains_key(&i) {
        return Some(i);
    }
    cx.t.resources[i]
        .properties
        .get("ApiId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.function_apis.contains_key(a))
}

/// The routes function app `f` must declare for HTTP API `a`, as Functions route
/// templates (`GET items/{id}`; `{proxy+}` → `{*proxy}`; `$default` → every method,
/// `{*path}`).
fn function_routes(cx: &Ctx, a: usize, f: usize) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    if cx.t.resources[a].properties.get("Target").is_some() {
        keys.push(
            cx.t.resources[a]
                .properties
                .get("RouteKey")
                .and_then(|k| k.literal_text())
                .unwrap_or_else(|| "$default".into()),
        );
    }
    for j in 0..cx.t.resources.len() {
        if j != a && cx.plays(j, PASS, "route") && api_of(cx, j) == Some(a) {
            keys.push(route_key(cx, j).unwrap_or_else(|| "(a computed route key)".into()));
        }
    }
    if let Some(ExprKind::Object(m)) = cx.t.resources[f].properties.get("Events").map(|e| &e.kind) {
        for (_, _, ev) in m {
            if ev.get("Type").and_then(|t| t.as_str()) == Some("HttpApi")
                && sam_event_api(cx, ev) == Some(a)
            {
                let path = ev.path("Properties.Path").and_then(|x| x.literal_text());
                let method = ev
                    .path("Properties.Method")
                    .and_then(|x| x.literal_text())
                    .unwrap_or_else(|| "ANY".into());
                keys.push(match path {
                    Some(p) => format!("{} {p}", method.to_ascii_uppercase()),
                    None => "$default".into(),
                });
            }
        }
    }
    let mut out: Vec<String> = keys
        .iter()
        .map(|k| {
            if k == "$default" {
                return "every method on `{*path}` (the `$default` route)".to_string();
            }
            let Some((method, path)) = k.trim().split_once(' ') else {
                return format!("`{k}`");
            };
            let route: Vec<String> = path
                .trim()
                .trim_start_matches('/')
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|x| x.strip_suffix("+}")) {
                        Some(name) => format!("{{*{name}}}"),
                        None => s.to_string(),
                    },
                )
                .collect();
            let method = method.to_ascii_uppercase();
            let method = if method == "ANY" {
                "every method".to_string()
            } else {
                method
            };
            format!("{method} `{}`", route.join("/"))
        })
        .collect();
    let mut seen = BTreeSet::new();
    out.retain(|r| seen.insert(r.clone()));
    out
}

/// The CORS configuration of HTTP API `a`: (origins, credentials); `None` without one.
fn api_cors(cx: &mut Ctx, a: usize) -> Option<(Vec<AzExpr>, bool)> {
    cors_of(cx, a, "CorsConfiguration")
}

/// The allowed origins and credentials flag of resource `a`'s CORS property `prop`
/// (`AllowOrigins`, `AllowCredentials`: an HTTP API's or a function URL's).
fn cors_of(cx: &mut Ctx, a: usize, prop: &str) -> Option<(Vec<AzExpr>, bool)> {
    let c = cx.t.resources[a].properties.get(prop)?.clone();
    // SAM: `CorsConfiguration: true` allows every origin.
    if c.literal_bool() == Some(true) {
        return Some((vec![AzExpr::str("*")], false));
    }
    let origins: Vec<AzExpr> = c
        .get("AllowOrigins")
        .and_then(|l| l.as_list())
        .map(|l| l.to_vec())
        .unwrap_or_default()
        .iter()
        .map(|o| match o.literal_text() {
            Some(t) => AzExpr::Str(t),
            None => cx.tr(o),
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    let credentials = c
        .get("AllowCredentials")
        .and_then(|x| x.literal_bool())
        .unwrap_or(false);
    Some((origins, credentials))
}

/// `siteConfig.cors` of function `i`'s app: the CORS configuration of the HTTP APIs its
/// own endpoint serves and of its function URLs (none: `None`), with the decision per API.
pub fn function_cors(cx: &mut Ctx, i: usize) -> Option<AzExpr> {
    let apis: Vec<usize> = cx
        .function_apis
        .iter()
        .filter(|(_, f)| **f == i)
        .map(|(a, _)| *a)
        .collect();
    let urls: Vec<(usize, String)> = cx
        .function_parts
        .iter()
        .filter(|(_, f)| **f == i)
        .filter_map(|(u, _)| Some((*u, super::events::part_prop(cx, *u, "cors")?)))
        .collect();
    let mut found = Vec::new();
    for &a in &apis {
        let cors = api_cors(cx, a);
        endpoint_decision(cx, a, i, cors.as_ref());
        found.push(cors);
    }
    for (u, prop) in &urls {
        found.push(cors_of(cx, *u, prop));
    }
    let mut origins: Vec<AzExpr> = Vec::new();
    let mut credentials = false;
    for (o, c) in found.into_iter().flatten() {
        for x in o {
            if !origins.contains(&x) {
                origins.push(x);
            }
        }
        credentials |= c;
    }
    if origins.is_empty() {
        return None;
    }
    // App Service refuses credentials with the wildcard origin (as browsers do).
    if origins.contains(&AzExpr::str("*")) {
        credentials = false;
    }
    let mut members = vec![("allowedOrigins", AzExpr::Array(origins))];
    if credentials {
        members.push(("supportCredentials", AzExpr::Bool(true)));
    }
    Some(AzExpr::obj(members))
}

/// The `http-api-function-endpoint` decision for HTTP API `a` served by function `f`.
fn endpoint_decision(cx: &mut Ctx, a: usize, f: usize, cors: Option<&(Vec<AzExpr>, bool)>) {
    let (aid, fid) = (cx.t.resources[a].id.clone(), cx.t.resources[f].id.clone());
    let (api_name, fn_name) = (cx.t.report_name(&aid), cx.t.report_name(&fid));
    let routes = function_routes(cx, a, f);
    let cors_text = match cors {
        Some((origins, credentials)) => {
            let wildcard = origins.contains(&AzExpr::str("*"));
            format!(
                " The API's CORS configuration becomes the app's CORS settings (`siteConfig.cors`: its allowed origins{}); App Service answers preflight requests for every method and header, so the allowed methods, headers and max age are not carried over.",
                match (credentials, wildcard) {
                    (true, false) => ", with credentials",
                    (true, true) =>
                        "; without credentials, which browsers (and API Gateway) refuse with the wildcard origin",
                    _ => "",
                }
            )
        }
        None => String::new(),
    };
    cx.decide_later(
        a,
        "http-api-function-endpoint",
        &format!("{aid}: the HTTP API becomes the HTTPS endpoint of the function app of {fn_name}"),
        &format!(
            "{api_name} is an API Gateway HTTP API in front of one function: every route goes to {fn_name} (Lambda proxy integration), and the API has no authorizer, OpenAPI definition, custom domain, throttling or stage variables that need a gateway. (An API with a JWT authorizer keeps API Management: its validate-jwt policy checks the issuer, audiences and per-route scopes, which the function app's built-in authentication does not.)"
        ),
        &format!(
            "No API Management: the function app's HTTP trigger serves the routes on its own HTTPS endpoint, and references to the API's endpoint become `https://<app default host name>`. The API, its routes, integrations, stages and deployments have no resource.{cors_text}"
        ),
        &format!(
            "The function code must declare an HTTP trigger for each route: {}. Azure Functions serves HTTP routes under the prefix `/api` unless host.json sets `extensions.http.routePrefix` to \"\": set it so that the API's paths (and the endpoint URLs generated here) stay the same. The payload format 2.0 event (`requestContext`, `rawPath`, `queryStringParameters`, `isBase64Encoded` body) becomes the HttpRequest binding (method, URL, headers, query, body): rewrite the handler's parsing and its `{{statusCode, headers, body}}` result. There is no throttling or usage plan in front of the function: limit scale-out with `maximumInstanceCount`, or put API Management in front later.",
            routes.join(", ")
        ),
        None,
    );
}

/// `https://${Api}.execute-api.${AWS::Region}.amazonaws.com/<stage>/path` of an HTTP
/// API a function's endpoint serves → `https://<app host>/path` (the stage segment
/// dropped when it names a stage of the API), or `<app host>/path` when the template
/// wrote no scheme; `None` for any other API.
pub fn function_endpoint_url(
    cx: &mut Ctx,
    api: usize,
    after_host: &str,
    with_scheme: bool,
) -> Option<AzExpr> {
    if !cx.function_apis.contains_key(&api) {
        return None;
    }
    let spec = cx.prepared[api]
        .entry
        .as_ref()
        .and_then(|e| e.attributes.get("ApiEndpoint").cloned())?;
    // A bare host name (a CDN origin's `${Api}.execute-api.${AWS::Region}.amazonaws.com`)
    // is the app's host name, without the scheme.
    let spec = match spec.strip_prefix("https://") {
        Some(host) if !with_scheme => host
            .strip_prefix("${")
            .and_then(|h| h.strip_suffix('}'))
            .unwrap_or(host)
            .to_string(),
        _ => spec,
    };
    let mut stages: Vec<String> = cx.t.resources[api]
        .properties
        .get("StageName")
        .and_then(|s| s.literal_text())
        .into_iter()
        .collect();
    for j in 0..cx.t.resources.len() {
        if cx.plays(j, PASS, "stage")
            && api_of(cx, j) == Some(api)
            && let Some(s) = cx.t.resources[j]
                .properties
                .get("StageName")
                .and_then(|s| s.literal_text())
        {
            stages.push(s);
        }
    }
    let rest = after_host.trim_start_matches('/');
    let (first, tail) = match rest.split_once('/') {
        Some((first, tail)) => (first, Some(tail)),
        None => (rest, None),
    };
    let path = if !first.is_empty() && stages.iter().any(|s| s == first && s != "$default") {
        // `prod/items` → `/items`, `prod/` → `/`, `prod` → nothing.
        tail.map(|t| format!("/{t}")).unwrap_or_default()
    } else if rest.is_empty() {
        String::new()
    } else {
        format!("/{rest}")
    };
    let base = cx.reference_expr(api, &spec);
    if path.is_empty() {
        return Some(base);
    }
    Some(interp(vec![Interp::Expr(base), Interp::Lit(path)]))
}
