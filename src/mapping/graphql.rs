//! AppSync GraphQL APIs → synthetic GraphQL APIs of API Management.
//!
//! An AppSync API holds a schema, data sources (a Lambda function, an HTTP endpoint, a
//! DynamoDB table…) and resolvers that fill a field of the schema from a data source,
//! through VTL mapping templates or APPSYNC_JS code. In API Management a synthetic
//! GraphQL API holds the schema, and a managed resolver per field runs a resolver
//! policy. The `graphql-apis` pass joins them: a resolver on a Lambda data source of the
//! template becomes an `http-data-source` policy that POSTs the AppSync event
//! (`arguments`, `source`, `info`) to the function app, one on an HTTP data source calls
//! the endpoint; the API's default authorization mode becomes a subscription
//! requirement (API_KEY) or a `validate-jwt` policy (Cognito, OpenID Connect, and, with
//! no issuer to copy, IAM and Lambda). Mapping templates and code, pipelines and other
//! data sources are decisions. Roles: `api`, `data-source`, `resolver`.

use std::collections::BTreeSet;

use super::apis::{self, xml_attr};
use super::context::Ctx;
use crate::azure::{AzExpr, Interp, interp};
use crate::model::expr::{Expr, ExprKind};
use crate::source::Span;

const PASS: &str = "graphql-apis";

/// One authorization mode of an API: its kind (`API_KEY`, `AMAZON_COGNITO_USER_POOLS`,
/// `OPENID_CONNECT`, `AWS_IAM`, `AWS_LAMBDA`) and the object that configures it.
struct Mode {
    kind: String,
    config: Option<Expr>,
}

/// The mode `a` describes: its kind under `kind_key`, and the object that configures it
/// under the key of its kind (`[user pool, OpenID Connect, Lambda]` keys in `config`).
fn mode(a: &Expr, kind_key: &str, config: [&str; 3]) -> Option<Mode> {
    let kind = a.get(kind_key)?.literal_text()?.to_ascii_uppercase();
    let key = match kind.as_str() {
        "AMAZON_COGNITO_USER_POOLS" => Some(config[0]),
        "OPENID_CONNECT" => Some(config[1]),
        "AWS_LAMBDA" => Some(config[2]),
        _ => None,
    };
    let config = key.and_then(|k| a.get(k).cloned());
    Some(Mode { kind, config })
}

/// The authorization modes of API `i`, the default first: CloudFormation's
/// `AuthenticationType` with `AdditionalAuthenticationProviders`, or SAM's `Auth`.
fn modes(cx: &Ctx, i: usize) -> Vec<Mode> {
    let p = &cx.t.resources[i].properties;
    // SAM: `Auth: {Type, UserPool, OpenIDConnect, LambdaAuthorizer, Additional: [...]}`.
    let (props, kind_key, config, more_key) = match p.get("Auth") {
        Some(auth) => (
            auth,
            "Type",
            ["UserPool", "OpenIDConnect", "LambdaAuthorizer"],
            "Additional",
        ),
        None => (
            p,
            "AuthenticationType",
            [
                "UserPoolConfig",
                "OpenIDConnectConfig",
                "LambdaAuthorizerConfig",
            ],
            "AdditionalAuthenticationProviders",
        ),
    };
    let mut out: Vec<Mode> = mode(props, kind_key, config).into_iter().collect();
    if let Some(more) = props.get(more_key).and_then(|a| a.as_list()) {
        out.extend(more.iter().filter_map(|a| mode(a, kind_key, config)));
    }
    out
}

/// `subscriptionRequired` of API `i`: its default mode is API keys (or is not known).
pub fn subscription_required(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> AzExpr {
    consumed.insert("AuthenticationType".into());
    // A mode that is not known (a parameter chooses it) keeps the API closed: a key is
    // required until its checks are added.
    let m = modes(cx, i);
    AzExpr::Bool(m.first().is_none_or(|m| m.kind == "API_KEY"))
}

/// The OpenID configuration URL a mode's tokens are checked against, when its settings
/// name the issuer literally: a Cognito user pool's, an OpenID Connect issuer's.
fn openid_url(m: &Mode) -> Option<String> {
    let c = m.config.as_ref()?;
    match m.kind.as_str() {
        "AMAZON_COGNITO_USER_POOLS" => {
            let pool = c.get("UserPoolId")?.literal_text()?;
            let region = match c.get("AwsRegion").and_then(|r| r.literal_text()) {
                Some(r) => r,
                // A pool id starts with its region (`eu-west-1_AbC…`).
                None => pool.split_once('_')?.0.to_string(),
            };
            Some(format!(
                "https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/openid-configuration"
            ))
        }
        "OPENID_CONNECT" => {
            let issuer = c.get("Issuer")?.literal_text()?;
            Some(format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ))
        }
        _ => None,
    }
}

/// `properties` of API `i`'s policy: token validation for its default mode when that is
/// not API keys; decisions for the modes that cannot carry over. `None` for API keys.
pub fn api_policy(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in [
        "AuthenticationType",
        "AdditionalAuthenticationProviders",
        "UserPoolConfig",
        "OpenIDConnectConfig",
        "LambdaAuthorizerConfig",
        "Auth",
    ] {
        consumed.insert(k.into());
    }
    sam_parts(cx, i, consumed);
    let r = cx.t.resources[i].clone();
    let all = modes(cx, i);
    let Some(first) = all.first() else {
        cx.decide(
            "graphql-auth-unknown",
            Some((&r.id, r.span)),
            &format!("{}: the authorization mode is not known", r.id),
            "The API's authorization mode is not a literal (a parameter or a condition chooses it).",
            "The API requires a subscription key, so it is not open; no token validation is added.",
            "Add the policy that checks callers (validate-jwt, or a subscription requirement) by hand before opening the API.",
        );
        cx.floor_status("partial");
        return None;
    };
    let others: Vec<String> = all.iter().skip(1).map(|m| m.kind.clone()).collect();
    if !others.is_empty() {
        cx.decide(
            "graphql-additional-auth",
            Some((&r.id, r.span)),
            &format!("{}: only the default authorization mode is enforced", r.id),
            &format!(
                "AppSync admits a caller by any of the API's modes ({} by default, also {}), and `@aws_*` directives in the schema restrict fields to some of them.",
                first.kind,
                others.join(", ")
            ),
            &format!(
                "API Management checks every caller of the API the same way: the default mode ({}) is enforced, the others are not.",
                first.kind
            ),
            "Callers that used another mode must switch to the default one (or call a second API over the same schema with its own checks); field-level `@aws_*` directives are not enforced: restrict those fields in their resolver policies (`validate-jwt` with required claims).",
        );
        cx.floor_status("partial");
    }
    let kind = first.kind.clone();
    match kind.as_str() {
        "API_KEY" => {
            cx.template_decision(
                "graphql-api-key",
                "API keys become subscription keys",
                "AppSync API keys are sent in the `x-api-key` header and expire.",
                "A GraphQL API whose default mode is API keys requires a subscription key; each AppSync API key becomes a subscription scoped to its API.",
                "Callers send the new key in the `Ocp-Apim-Subscription-Key` header; API Management generates the keys (hand them out) and subscriptions do not expire: suspend or regenerate them instead.",
                r.span,
            );
            None
        }
        "AMAZON_COGNITO_USER_POOLS" | "OPENID_CONNECT" | "AWS_IAM" | "AWS_LAMBDA" => {
            let default = openid_url(first);
            let audience = (kind == "OPENID_CONNECT")
                .then(|| {
                    first
                        .config
                        .as_ref()
                        .and_then(|c| c.get("ClientId"))
                        .and_then(|c| c.literal_text())
                })
                .flatten();
            let url = cx.param_for("graphql-openid-config-url", "string", |p| {
                p.default = default.clone().map(AzExpr::Str);
                p.description = Some("OpenID configuration URL of the identity provider whose tokens the GraphQL APIs accept (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration).".into());
                p.required_reason = Some("AppSync IAM and Lambda authorization have no issuer to copy".into());
            });
            let (title, decision, consequences) = match kind.as_str() {
                "AMAZON_COGNITO_USER_POOLS" | "OPENID_CONNECT" => (
                    format!("{}: {kind} authorization becomes token validation", r.id),
                    format!(
                        "The API's policy validates a bearer token (`validate-jwt`) against the OpenID configuration of the parameter `{url}`{}.",
                        if default.is_some() {
                            ", which defaults to the current issuer's, so existing tokens keep working"
                        } else {
                            ""
                        }
                    ),
                    "Move the users to Entra ID or External ID and point the parameter at it; AppSync's allow/deny default action and the client id pattern of a user pool are not carried over (add required claims to validate-jwt).".to_string(),
                ),
                _ => (
                    format!("{}: {kind} authorization becomes token validation", r.id),
                    format!(
                        "The API's policy validates a bearer token (`validate-jwt`) against the OpenID configuration of the parameter `{url}`, so the API is never open."
                    ),
                    if kind == "AWS_IAM" {
                        "Callers that signed requests with SigV4 must send Entra ID tokens (a managed identity or app registration); IAM policies on `appsync:GraphQL` become the audience and roles the token must carry.".to_string()
                    } else {
                        "The Lambda authorizer's logic (its function, result caching and denied fields) is not carried over: rewrite it as policy expressions, or call the function with `send-request` and check its answer.".to_string()
                    },
                ),
            };
            cx.decide(
                "graphql-token-validation",
                Some((&r.id, r.span)),
                &title,
                "AppSync checked the caller's identity before running any resolver; API Management checks callers with policies.",
                &decision,
                &consequences,
            );
            cx.floor_status("partial");
            let mut xml = vec![
                Interp::Lit("<validate-jwt header-name=\"Authorization\" failed-validation-httpcode=\"401\" require-scheme=\"Bearer\"><openid-config url=\"".into()),
                Interp::Expr(AzExpr::ident(url)),
                Interp::Lit("\" />".into()),
            ];
            if let Some(a) = audience {
                xml.push(Interp::Lit(format!(
                    "<audiences><audience>{}</audience></audiences>",
                    xml_attr(&a)
                )));
            }
            xml.push(Interp::Lit("</validate-jwt>".into()));
            Some(apis::policy(xml))
        }
        other => {
            cx.decide(
                "graphql-auth-unknown",
                Some((&r.id, r.span)),
                &format!("{}: authorization mode {other} is not known", r.id),
                &format!("The API's authorization mode is {other}."),
                "No check is added.",
                "Add the policy that checks callers by hand before opening the API.",
            );
            cx.floor_status("partial");
            None
        }
    }
}

/// `properties` of a GraphQL schema of an API: its inline SDL (`Definition`, SAM's and
/// Terraform's `SchemaInline`); a decision when it lives in S3.
pub fn schema(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in [
        "Definition",
        "DefinitionS3Location",
        "SchemaInline",
        "SchemaUri",
        "ApiId",
    ] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let sdl = p.get("Definition").or_else(|| p.get("SchemaInline"));
    let Some(sdl) = sdl else {
        if let Some(loc) = p.get("DefinitionS3Location").or_else(|| p.get("SchemaUri")) {
            let at = loc
                .literal_text()
                .map(|l| format!(" (`{l}`)"))
                .unwrap_or_default();
            cx.decide(
                "graphql-schema-file",
                Some((&r.id, r.span)),
                &format!("{}: the schema is a file to upload", r.id),
                &format!("The GraphQL schema is read from a file{at}, not written in the template."),
                "The API is created without a schema; its resolvers cannot be created before it has one.",
                "Add the schema to the API (`Microsoft.ApiManagement/service/apis/schemas` named `graphql`, content type `application/vnd.ms-azure-apim.graphql.schema`, or `loadTextContent()` of the file), then deploy again.",
            );
            // A schema of its own stays manual; the API that holds it (SAM) is partial.
            if cx.plays(i, PASS, "schema") {
                cx.floor_status("manual");
                cx.folded = true;
            } else {
                cx.floor_status("partial");
            }
        }
        return None;
    };
    let value = match sdl.literal_text() {
        Some(s) => AzExpr::Str(s),
        None => cx.tr(sdl),
    };
    Some(AzExpr::obj(vec![
        (
            "contentType",
            AzExpr::str("application/vnd.ms-azure-apim.graphql.schema"),
        ),
        ("document", AzExpr::obj(vec![("value", value)])),
    ]))
}

/// Where a data source's requests go.
enum Source {
    /// A Lambda function of the template (its index).
    Function(usize),
    /// An HTTP endpoint (its base URL).
    Http(AzExpr),
    /// Anything else: the data source type.
    Other(String),
}

/// Do resources `i` and `j` name the same API: the same API of the template, or the
/// same value for one outside it (a parameter, an import)?
fn same_api(cx: &Ctx, i: usize, j: usize) -> bool {
    match (api_of(cx, i), api_of(cx, j)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => {
            let id = |k: usize| cx.t.resources[k].properties.get("ApiId").map(|e| &e.kind);
            id(i).is_some() && id(i) == id(j)
        }
        _ => false,
    }
}

/// Does the output give resolver `i`'s API a schema: a schema resource of the template
/// with an inline definition, or the API's own (SAM, Terraform)? An API outside the
/// template is assumed to have one.
fn schema_generated(cx: &Ctx, i: usize) -> bool {
    let inline = |k: usize| {
        let p = &cx.t.resources[k].properties;
        p.get("Definition").is_some() || p.get("SchemaInline").is_some()
    };
    let own = match api_of(cx, i) {
        Some(a) => inline(a),
        None => cx.t.resources[i].properties.get("ApiId").is_some(),
    };
    own || (0..cx.t.resources.len())
        .any(|j| cx.plays(j, PASS, "schema") && same_api(cx, i, j) && inline(j))
}

/// The API a resource names in `ApiId`.
fn api_of(cx: &Ctx, i: usize) -> Option<usize> {
    cx.t.resources[i]
        .properties
        .get("ApiId")
        .and_then(|a| cx.referenced_resource(a))
        .filter(|a| cx.plays(*a, PASS, "api"))
}

/// The data source resource `i` (a resolver or a function) names in `DataSourceName`:
/// by reference, or by its literal name among the data sources of the same API.
fn data_source_of(cx: &Ctx, i: usize) -> Option<usize> {
    let name = cx.t.resources[i].properties.get("DataSourceName")?;
    if let Some(j) = cx
        .referenced_resource(name)
        .filter(|j| cx.plays(*j, PASS, "data-source"))
    {
        return Some(j);
    }
    let text = cx.literal_text(name)?;
    (0..cx.t.resources.len()).find(|j| {
        cx.plays(*j, PASS, "data-source")
            && same_api(cx, i, *j)
            && cx.t.resources[*j]
                .properties
                .get("Name")
                .and_then(|n| n.literal_text())
                .is_some_and(|n| n == text)
    })
}

fn source(cx: &mut Ctx, ds: usize) -> Source {
    let p = cx.t.resources[ds].properties.clone();
    let ty = p
        .get("Type")
        .and_then(|t| t.literal_text())
        .unwrap_or_default()
        .to_ascii_uppercase();
    match ty.as_str() {
        "AWS_LAMBDA" => match p
            .path("LambdaConfig.LambdaFunctionArn")
            .and_then(|f| apis::lambda_target(cx, f))
        {
            Some(f) => Source::Function(f),
            None => Source::Other("AWS_LAMBDA (a function outside this template)".into()),
        },
        "HTTP" => match p.path("HttpConfig.Endpoint") {
            Some(e) => Source::Http(match e.literal_text() {
                Some(t) => AzExpr::Str(t.trim_end_matches('/').to_string()),
                None => cx.tr(e),
            }),
            None => Source::Other("HTTP (no endpoint)".into()),
        },
        _ => Source::Other(ty),
    }
}

/// The Azure way to resolve fields from a data source of type `ty` (AppSync's names).
fn other_way(ty: &str) -> &'static str {
    match ty {
        "AMAZON_DYNAMODB" => {
            "an `http-data-source` resolver calling an Azure Function that does the mapping template's operation on the Cosmos DB container the table becomes; on a tier other than Consumption, the `cosmosdb-data-source` policy (preview) can run the read, query, write or delete request itself with API Management's managed identity (a Cosmos DB data-plane role)"
        }
        "RELATIONAL_DATABASE" => {
            "an `http-data-source` resolver calling an Azure Function that runs the statements on the Azure Database server the cluster becomes (the `sql-data-source` policy reaches Azure SQL Database only, in preview and not on the Consumption tier)"
        }
        "AMAZON_OPENSEARCH_SERVICE" | "AMAZON_ELASTICSEARCH" => {
            "an `http-data-source` resolver calling the Azure AI Search (or Elasticsearch on Azure) REST API with the query the mapping template built, authenticated with API Management's managed identity"
        }
        "AMAZON_EVENTBRIDGE" => {
            "an `http-data-source` resolver posting the event to the Event Grid topic the bus becomes, authenticated with API Management's managed identity (`authentication-managed-identity`, EventGrid Data Sender)"
        }
        "AMAZON_BEDROCK_RUNTIME" => {
            "an `http-data-source` resolver calling the Azure OpenAI (AI Foundry) endpoint with API Management's managed identity (Cognitive Services OpenAI User)"
        }
        "NONE" => {
            "a resolver whose `http-data-source` response `set-body` returns what the local resolver returned (or, for subscriptions, a `publish-event` in a mutation's resolver)"
        }
        _ => {
            "an `http-data-source` resolver calling an Azure Function or HTTP endpoint that does what the data source did"
        }
    }
}

/// The `Type.field` a resolver fills, when literal.
fn field(cx: &Ctx, i: usize) -> Option<(String, String)> {
    let p = &cx.t.resources[i].properties;
    Some((
        cx.literal_text(p.get("TypeName")?)?,
        cx.literal_text(p.get("FieldName")?)?,
    ))
}

/// What a resolver's own logic is written in (mapping templates, code), if any.
fn logic(cx: &Ctx, i: usize) -> Option<String> {
    let p = &cx.t.resources[i].properties;
    let mut parts = Vec::new();
    for k in [
        "RequestMappingTemplate",
        "RequestMappingTemplateS3Location",
        "ResponseMappingTemplate",
        "ResponseMappingTemplateS3Location",
        "Code",
        "CodeS3Location",
    ] {
        if p.get(k).is_some() {
            parts.push(format!("`{k}`"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The request template (or code) of resolver `i` on one line, shortened, for a
/// decision's context: ` Request template: `…`.`
fn excerpt(cx: &Ctx, i: usize) -> String {
    let p = &cx.t.resources[i].properties;
    let Some((what, text)) = ["RequestMappingTemplate", "Code"].iter().find_map(|k| {
        p.get(k).and_then(|t| t.literal_text()).map(|t| {
            (
                if *k == "Code" {
                    "Code"
                } else {
                    "Request template"
                },
                t,
            )
        })
    }) else {
        return String::new();
    };
    let flat: String = text
        .replace('`', "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let short: String = flat.chars().take(240).collect();
    let more = if short.len() < flat.len() { " …" } else { "" };
    format!(" {what}: `{short}`{more}.")
}

const RESOLVER_PROPS: &[&str] = &[
    "ApiId",
    "TypeName",
    "FieldName",
    "DataSourceName",
    "Kind",
    "PipelineConfig",
    "RequestMappingTemplate",
    "RequestMappingTemplateS3Location",
    "ResponseMappingTemplate",
    "ResponseMappingTemplateS3Location",
    "Code",
    "CodeS3Location",
    "Runtime",
];

/// `properties` of resolver `i`'s managed resolver (`Type/field`), or `None` with a
/// decision when API Management cannot resolve it from what the template says.
pub fn resolver(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in RESOLVER_PROPS {
        consumed.insert((*k).into());
    }
    let r = cx.t.resources[i].clone();
    let Some((ty, name)) = field(cx, i) else {
        cx.decide(
            "graphql-resolver-field",
            Some((&r.id, r.span)),
            &format!("{}: the resolver's field is not known", r.id),
            "The type or field name of the resolver is not a literal.",
            "No resolver is created.",
            "Create the resolver on the API by hand (`Microsoft.ApiManagement/service/apis/resolvers` with the path `Type/field`) with a resolver policy.",
        );
        cx.floor_status("manual");
        cx.folded = true;
        return None;
    };
    let pipeline = r
        .properties
        .get("Kind")
        .and_then(|k| k.literal_text())
        .is_some_and(|k| k.eq_ignore_ascii_case("PIPELINE"));
    if pipeline {
        let steps: Vec<String> = r
            .properties
            .path("PipelineConfig.Functions")
            .and_then(|f| f.as_list())
            .unwrap_or_default()
            .iter()
            .map(|f| match cx.referenced_resource(f) {
                Some(j) => cx.t.report_name(&cx.t.resources[j].id),
                None => cx.literal_text(f).unwrap_or_else(|| "(a function)".into()),
            })
            .collect();
        cx.decide(
            "graphql-pipeline-resolver",
            Some((&r.id, r.span)),
            &format!("{}: the pipeline resolver of {ty}.{name} is rebuilt by hand", r.id),
            &format!(
                "A pipeline resolver runs AppSync functions in order ({}), each against its own data source with its own mapping templates or code, sharing a stash.",
                if steps.is_empty() { "none listed".to_string() } else { steps.join(", ") }
            ),
            "API Management resolvers call one data source each: no resolver is created.",
            &format!(
                "Write the steps as one Azure Function (or Logic App) that does what the functions did, and create a resolver on `{ty}/{name}` with an `http-data-source` policy that POSTs `context.GraphQL.Arguments` to it."
            ),
        );
        cx.floor_status("manual");
        cx.folded = true;
        return None;
    }
    let Some(ds) = data_source_of(cx, i) else {
        cx.decide(
            "graphql-resolver-source",
            Some((&r.id, r.span)),
            &format!("{}: the data source of {ty}.{name} is not in the template", r.id),
            "The resolver names a data source that this template does not declare.",
            "No resolver is created.",
            &format!("Create a resolver on `{ty}/{name}` with a policy that calls the Azure service that replaces the data source."),
        );
        cx.floor_status("manual");
        cx.folded = true;
        return None;
    };
    match source(cx, ds) {
        Source::Other(kind) => {
            let way = other_way(kind.split(' ').next().unwrap_or_default());
            let templates = logic(cx, i)
                .map(|l| format!(" Its request and response are built by {l}, which must be rewritten for the new data source.{}", excerpt(cx, i)))
                .unwrap_or_default();
            cx.decide(
                "graphql-resolver-data-source",
                Some((&r.id, r.span)),
                &format!(
                    "{}: {ty}.{name} reads the {kind} data source {}",
                    r.id,
                    cx.t.report_name(&cx.t.resources[ds].id)
                ),
                &format!(
                    "The resolver fills `{ty}.{name}` from the data source {} of type {kind}, which API Management cannot call as it is.{templates}",
                    cx.t.report_name(&cx.t.resources[ds].id)
                ),
                "No resolver is created: the field resolves to null until one is.",
                &format!("Create a resolver on `{ty}/{name}`: {way}."),
            );
            cx.floor_status("manual");
            cx.folded = true;
            None
        }
        Source::Function(_) | Source::Http(_) if !schema_generated(cx, i) => {
            let target = match source(cx, ds) {
                Source::Function(f) => format!(
                    "the function app of {} (POST `https://<app>.azurewebsites.net/api/graphql`)",
                    cx.t.report_name(&cx.t.resources[f].id)
                ),
                _ => "the data source's HTTP endpoint".to_string(),
            };
            cx.decide(
                "graphql-resolver-no-schema",
                Some((&r.id, r.span)),
                &format!("{}: the resolver of {ty}.{name} waits for the schema", r.id),
                "An API Management resolver fills a field of the schema imported into the GraphQL API, and this template gives the API no schema it can translate (the schema is a file, or not declared).",
                "No resolver is created before the API has its schema.",
                &format!(
                    "After adding the schema to the API, create a resolver on `{ty}/{name}` whose `http-data-source` policy calls {} (as the other resolvers of this report do).",
                    target
                ),
            );
            cx.floor_status("manual");
            cx.folded = true;
            None
        }
        Source::Function(_) | Source::Http(_) => {
            if let Some(l) = logic(cx, i) {
                let sends = match source(cx, ds) {
                    Source::Http(_) => {
                        let (method, path) = http_request(cx, i);
                        format!(
                            "The resolver policy sends `{method} {}` to the endpoint (the method and path the request template names literally, else GET on its root) and returns the response body as the field's value; headers, query string and body the template built are not sent.",
                            path.unwrap_or_else(|| "/".into())
                        )
                    }
                    _ => "The resolver policy POSTs the AppSync event (`arguments`, `source`, `info`) to the function app, not the payload the template built, and returns the response body as the field's value.".to_string(),
                };
                cx.decide(
                    "graphql-resolver-templates",
                    Some((&r.id, r.span)),
                    &format!("{}: the mapping templates of {ty}.{name} are not translated", r.id),
                    &format!(
                        "The resolver shapes its request and response with {l} (VTL or APPSYNC_JS; API Management resolver policies use policy expressions and liquid templates).{}",
                        excerpt(cx, i)
                    ),
                    &sends,
                    "Rewrite the templates' logic in the policy (`set-url` with the query, `set-header`, `set-body` in `http-request` and `http-response`), or move it into the function.",
                );
                cx.floor_status("partial");
            }
            if r.properties.get("CachingConfig").is_some() {
                cx.decide(
                    "graphql-resolver-cache",
                    Some((&r.id, r.span)),
                    &format!("{}: per-resolver caching is not carried over", r.id),
                    "AppSync cached the resolver's result for a TTL, keyed by the arguments it listed.",
                    "No cache policy is added.",
                    "Cache responses with `cache-lookup-value`/`cache-store-value` in the resolver policy (an external Redis cache on the Consumption tier).",
                );
                cx.floor_status("partial");
            }
            Some(AzExpr::obj(vec![
                ("displayName", AzExpr::Str(format!("{ty}.{name}"))),
                ("path", AzExpr::Str(format!("{ty}/{name}"))),
            ]))
        }
    }
}

/// `properties` of resolver `i`'s policy: an `http-data-source` request to its Lambda
/// function's app or its HTTP endpoint. `None` when no resolver is created.
pub fn resolver_policy(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in RESOLVER_PROPS {
        consumed.insert((*k).into());
    }
    let (ty, name) = field(cx, i)?;
    let pipeline = cx.t.resources[i]
        .properties
        .get("Kind")
        .and_then(|k| k.literal_text())
        .is_some_and(|k| k.eq_ignore_ascii_case("PIPELINE"));
    if pipeline || !schema_generated(cx, i) {
        return None;
    }
    let ds = data_source_of(cx, i)?;
    let span = cx.t.resources[i].span;
    let mut parts = vec![Interp::Lit("<http-data-source><http-request>".to_string())];
    match source(cx, ds) {
        Source::Function(f) => {
            return Some(function_policy(cx, f, &ty, &name, span));
        }
        Source::Http(base) => {
            let (method, path) = http_request(cx, i);
            parts.push(Interp::Lit(format!(
                "<set-method>{method}</set-method><set-url>"
            )));
            match base {
                AzExpr::Str(s) => parts.push(Interp::Lit(xml_attr(&s))),
                e => parts.push(Interp::Expr(e)),
            }
            parts.push(Interp::Lit(format!(
                "{}</set-url>",
                xml_attr(&path.unwrap_or_default())
            )));
        }
        Source::Other(_) => return None,
    }
    parts.push(Interp::Lit("</http-request></http-data-source>".into()));
    Some(AzExpr::obj(vec![
        ("format", AzExpr::str("rawxml")),
        ("value", interp(parts)),
    ]))
}

/// A resolver policy that POSTs the AppSync event of field `ty.name` to function `f`'s app.
fn function_policy(cx: &mut Ctx, f: usize, ty: &str, name: &str, span: Span) -> AzExpr {
    note_function_backend(cx, span);
    let host = cx.reference_expr(f, "{sym}.properties.defaultHostName");
    AzExpr::obj(vec![
        ("format", AzExpr::str("rawxml")),
        (
            "value",
            interp(vec![
                Interp::Lit(
                    "<http-data-source><http-request><set-method>POST</set-method><set-url>https://".into(),
                ),
                Interp::Expr(host),
                Interp::Lit(format!(
                    "/api/graphql</set-url><set-header name=\"Content-Type\" exists-action=\"override\"><value>application/json</value></set-header><set-body>@(new JObject(new JProperty(\"arguments\", context.GraphQL.Arguments), new JProperty(\"source\", context.GraphQL.Parent), new JProperty(\"info\", new JObject(new JProperty(\"parentTypeName\", \"{}\"), new JProperty(\"fieldName\", \"{}\")))).ToString())</set-body></http-request></http-data-source>",
                    xml_attr(ty),
                    xml_attr(name)
                )),
            ]),
        ),
    ])
}

/// The method and path an HTTP resolver's request mapping template names literally
/// (`"method": "GET"`, `"resourcePath": "/v1/x"`); GET and the endpoint's root otherwise.
fn http_request(cx: &Ctx, i: usize) -> (String, Option<String>) {
    let t = cx.t.resources[i]
        .properties
        .get("RequestMappingTemplate")
        .and_then(|t| t.literal_text())
        .unwrap_or_default();
    let method = json_member(&t, "method")
        .map(|m| m.to_ascii_uppercase())
        .filter(|m| {
            ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(&m.as_str())
        })
        .unwrap_or_else(|| "GET".into());
    let path = json_member(&t, "resourcePath").filter(|p| p.starts_with('/') && !p.contains('$'));
    (method, path)
}

/// The literal string value of `"key": "value"` in a mapping template.
fn json_member(t: &str, key: &str) -> Option<String> {
    let at = t.find(&format!("\"{key}\""))?;
    let rest = t[at + key.len() + 2..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// The template decision that resolvers on Lambda data sources call the function app.
fn note_function_backend(cx: &mut Ctx, span: Span) {
    cx.template_decision(
        "graphql-function-backend",
        "Lambda resolvers call the function app over HTTP",
        "AppSync invokes a Lambda data source directly with an event holding the field's `arguments`, its parent object (`source`), the caller's `identity` and `info` (type and field name).",
        "Each resolver on a Lambda data source POSTs `{arguments, source, info: {parentTypeName, fieldName}}` as JSON to `https://<app>.azurewebsites.net/api/graphql` and returns the response body as the field's value.",
        "Give the function an HTTP trigger on the route `graphql` (POST) that reads that body and answers with the field's JSON value; keep the function key or restrict its access to API Management. `identity` is not sent: read the caller's claims from the token in a policy (`context.Request.Headers`) and add them to the body if the code needs them; batching (`BatchInvoke`) is not carried over.",
        span,
    );
}

/// `properties` of API key `i`'s subscription, scoped to its API; `None` with a
/// decision when the API is outside the template (its API Management instance too).
pub fn key_properties(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in ["ApiId", "Description"] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    let Some(api) = api_of(cx, i) else {
        cx.decide(
            "graphql-external-api",
            Some((&r.id, r.span)),
            &format!("{}: the key's API is outside this template", r.id),
            "The API key belongs to a GraphQL API this template does not declare.",
            "No subscription is created: the API Management instance of that API is not known here.",
            "Create a subscription scoped to the API (`/apis/<api>`) in the instance that hosts it, and hand its key to the callers.",
        );
        cx.floor_status("manual");
        cx.folded = true;
        return None;
    };
    let display = match r.properties.get("Description") {
        Some(d) => cx.tr(d),
        None => AzExpr::Str(r.id.clone()),
    };
    Some(AzExpr::obj(vec![
        ("displayName", display),
        (
            "scope",
            interp(vec![
                Interp::Lit("/apis/".into()),
                Interp::Expr(cx.reference_expr(api, "{sym}.name")),
            ]),
        ),
        ("state", AzExpr::str("active")),
    ]))
}

/// The members of an object value, in order.
fn members(e: Option<&Expr>) -> Vec<(String, Expr)> {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Object(m)) => m.iter().map(|(k, _, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    }
}

/// The parts SAM would create for GraphQL API `i` (`Resolvers`, `Functions`,
/// `DataSources`, `ApiKeys`): API keys → subscriptions to the API; a resolver whose
/// pipeline is one function on a Lambda data source of the template → a managed
/// resolver calling the function app; the others → a decision.
fn sam_parts(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) {
    for k in ["Resolvers", "Functions", "DataSources", "ApiKeys"] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    if p.get("Resolvers").is_none()
        && p.get("Functions").is_none()
        && p.get("DataSources").is_none()
        && p.get("ApiKeys").is_none()
    {
        return;
    }
    let api_sym = cx.prepared[i].sym.clone();
    let schema_sym = cx.prepared[i].symbols.get("{sym}Schema").cloned();
    // Lambda data sources of the template's functions: name → function.
    let mut lambdas = std::collections::BTreeMap::new();
    for (name, cfg) in members(p.path("DataSources.Lambda")) {
        if let Some(f) = cfg
            .get("FunctionArn")
            .and_then(|a| apis::lambda_target(cx, a))
        {
            lambdas.insert(name, f);
        }
    }
    let functions = members(p.get("Functions"));
    let data_source_of = |f: &str| -> Option<String> {
        functions
            .iter()
            .find(|(n, _)| n == f)
            .and_then(|(_, c)| c.get("DataSource"))
            .and_then(|d| d.literal_text())
    };
    let mut built = Vec::new();
    let mut left = Vec::new();
    for (ty, fields) in members(p.get("Resolvers")) {
        for (key, cfg) in members(Some(&fields)) {
            let field = cfg
                .get("FieldName")
                .and_then(|f| f.literal_text())
                .unwrap_or(key);
            let pipeline: Vec<String> = cfg
                .get("Pipeline")
                .and_then(|l| l.as_list())
                .unwrap_or_default()
                .iter()
                .filter_map(|x| x.literal_text())
                .collect();
            // Resolvers fill fields of the API's schema: none before it has one.
            let target = match pipeline.as_slice() {
                [only] if p.get("SchemaInline").is_some() => {
                    data_source_of(only).and_then(|d| lambdas.get(&d).copied())
                }
                _ => None,
            };
            let Some(f) = target else {
                left.push(format!("{ty}.{field}"));
                continue;
            };
            let sym = cx.syms.alloc(&format!(
                "{api_sym}{}{}Resolver",
                crate::names::capital(&ty),
                crate::names::capital(&field)
            ));
            let policy_sym = cx.syms.alloc(&format!("{sym}Policy"));
            let policy = function_policy(cx, f, &ty, &field, r.span);
            let deps: Vec<String> = schema_sym.iter().cloned().collect();
            cx.module.resources.push(crate::azure::AzResource {
                symbol: sym.clone(),
                ty: "Microsoft.ApiManagement/service/apis/resolvers".into(),
                api: "2024-05-01".into(),
                parent: Some(api_sym.clone()),
                name: AzExpr::Str(crate::names::kebab(&format!("{ty}-{field}"))),
                body: vec![(
                    "properties".into(),
                    AzExpr::obj(vec![
                        ("displayName", AzExpr::Str(format!("{ty}.{field}"))),
                        ("path", AzExpr::Str(format!("{ty}/{field}"))),
                    ]),
                )],
                depends_on: deps.clone(),
                comments: vec![format!("Resolver {ty}.{field} of {}.", r.id)],
                source: r.id.clone(),
                ..Default::default()
            });
            cx.module.resources.push(crate::azure::AzResource {
                symbol: policy_sym.clone(),
                ty: "Microsoft.ApiManagement/service/apis/resolvers/policies".into(),
                api: "2024-05-01".into(),
                parent: Some(sym.clone()),
                name: AzExpr::str("policy"),
                body: vec![("properties".into(), policy)],
                source: r.id.clone(),
                ..Default::default()
            });
            cx.extra_azure
                .push(("Microsoft.ApiManagement/service/apis/resolvers".into(), sym));
            cx.extra_azure.push((
                "Microsoft.ApiManagement/service/apis/resolvers/policies".into(),
                policy_sym,
            ));
            built.push(format!("{ty}.{field} ({})", pipeline.join(", ")));
        }
    }
    if !built.is_empty() {
        cx.decide(
            "graphql-sam-resolver-code",
            Some((&r.id, r.span)),
            &format!("{}: the resolvers' APPSYNC_JS code is not translated", r.id),
            &format!(
                "SAM resolvers are pipelines of APPSYNC_JS functions; the resolvers of {} each run one function on a Lambda data source, whose code built the request the function received.",
                built.join(", ")
            ),
            "Each becomes a managed resolver whose policy POSTs the AppSync event (`arguments`, `source`, `info`) to the function app.",
            "Make the function read that event (or rewrite the request the code built as the policy's `set-body`).",
        );
        cx.floor_status("partial");
    }
    let sources: Vec<String> = ["DynamoDb", "Lambda"]
        .iter()
        .flat_map(|k| {
            members(p.path(&format!("DataSources.{k}")))
                .into_iter()
                .map(move |(n, _)| format!("{n} ({k})"))
        })
        .collect();
    if !left.is_empty() {
        let fnames: Vec<String> = functions.iter().map(|(n, _)| n.clone()).collect();
        cx.decide(
            "graphql-sam-resolvers",
            Some((&r.id, r.span)),
            &format!("{}: resolvers are rebuilt as API Management resolvers", r.id),
            &format!(
                "SAM creates resolvers for {} from pipelines of APPSYNC_JS functions ({}) on the data sources {}; they run several functions, or a function on a data source API Management cannot call (DynamoDB, a function outside the template), or the API's schema is a file the output does not create.",
                left.join(", "),
                list_or(&fnames, "none"),
                list_or(&sources, "none")
            ),
            "No resolver is created for them: those fields resolve to null until one is.",
            "For each, create a resolver (`Microsoft.ApiManagement/service/apis/resolvers`, path `Type/field`) whose `http-data-source` policy POSTs `context.GraphQL.Arguments` to an Azure Function that does what the pipeline's functions did, reading the Cosmos DB container a DynamoDB table becomes (the `cosmosdb-data-source` policy does that itself on tiers other than Consumption, in preview).",
        );
        cx.floor_status("partial");
    }
    for (name, cfg) in members(p.get("ApiKeys")) {
        let sym = cx
            .syms
            .alloc(&format!("{api_sym}{}Key", crate::names::capital(&name)));
        let display = cfg
            .get("Description")
            .and_then(|d| d.literal_text())
            .unwrap_or_else(|| name.clone());
        cx.module.resources.push(crate::azure::AzResource {
            symbol: sym.clone(),
            ty: "Microsoft.ApiManagement/service/subscriptions".into(),
            api: "2024-05-01".into(),
            parent: Some("apiManagement".into()),
            name: AzExpr::Str(crate::names::kebab(&format!("{}-{name}", r.id))),
            body: vec![(
                "properties".into(),
                AzExpr::obj(vec![
                    ("displayName", AzExpr::Str(display)),
                    (
                        "scope",
                        interp(vec![
                            Interp::Lit("/apis/".into()),
                            Interp::Expr(AzExpr::path(&api_sym, "name")),
                        ]),
                    ),
                    ("state", AzExpr::str("active")),
                ]),
            )],
            comments: vec![format!("API key {name} of {}.", r.id)],
            source: r.id.clone(),
            ..Default::default()
        });
        cx.extra_azure
            .push(("Microsoft.ApiManagement/service/subscriptions".into(), sym));
        cx.decide(
            "graphql-api-key-subscription",
            Some((&r.id, r.span)),
            &format!("{}: API key {name} becomes a subscription", r.id),
            "An AppSync API key is a value callers send in `x-api-key`; it expires (7 days by default, 365 at most).",
            "A subscription scoped to the API, active; API Management generates its primary and secondary keys.",
            "Hand the new key to the callers (`Ocp-Apim-Subscription-Key` header). It does not expire; suspend it when the AppSync key would have expired. The API requires subscription keys only when API keys were its default mode.",
        );
    }
}

fn list_or(v: &[String], fallback: &str) -> String {
    if v.is_empty() {
        fallback.to_string()
    } else {
        v.join(", ")
    }
}

/// Resolvers need their API's schema first: each depends on the schema resources of
/// its API (API Management checks the field against the schema).
pub fn finish(cx: &mut Ctx) {
    let mut wanted: Vec<(String, String)> = Vec::new();
    for i in 0..cx.t.resources.len() {
        if !cx.plays(i, PASS, "resolver") {
            continue;
        }
        let api = api_of(cx, i);
        let Some(resolver) = cx.prepared[i].symbols.get("{sym}").cloned() else {
            continue;
        };
        for j in 0..cx.t.resources.len() {
            let schema_of_api =
                (cx.plays(j, PASS, "schema") && same_api(cx, i, j)) || Some(j) == api;
            if !schema_of_api {
                continue;
            }
            let sym = if Some(j) == api {
                cx.prepared[j].symbols.get("{sym}Schema").cloned()
            } else {
                cx.prepared[j].symbols.get("{sym}").cloned()
            };
            if let Some(s) = sym {
                wanted.push((resolver.clone(), s));
            }
        }
    }
    let present: BTreeSet<String> = cx
        .module
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        .collect();
    for (res, dep) in wanted {
        if !present.contains(&dep) {
            continue;
        }
        if let Some(r) = cx.module.resources.iter_mut().find(|r| r.symbol == res)
            && !r.depends_on.contains(&dep)
        {
            r.depends_on.push(dep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, &str)]) -> Expr {
        let span = Span::default();
        Expr::new(
            ExprKind::Object(
                members
                    .iter()
                    .map(|(k, v)| {
                        (
                            (*k).to_string(),
                            span,
                            Expr::new(ExprKind::Str((*v).to_string()), span),
                        )
                    })
                    .collect(),
            ),
            span,
        )
    }

    #[test]
    fn template_members_are_read_when_literal() {
        let t = "{\n  \"version\": \"2018-05-29\",\n  \"method\" : \"GET\",\n  \"resourcePath\": \"/v1/current\"\n}";
        assert_eq!(json_member(t, "method").as_deref(), Some("GET"));
        assert_eq!(
            json_member(t, "resourcePath").as_deref(),
            Some("/v1/current")
        );
        assert_eq!(json_member("{\"method\": $ctx.args.m}", "method"), None);
        assert_eq!(json_member("", "method"), None);
    }

    #[test]
    fn issuers_give_openid_configuration_urls() {
        let pool = Mode {
            kind: "AMAZON_COGNITO_USER_POOLS".into(),
            config: Some(obj(&[("UserPoolId", "eu-west-1_AbC")])),
        };
        assert_eq!(
            openid_url(&pool).as_deref(),
            Some(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/openid-configuration"
            )
        );
        let oidc = Mode {
            kind: "OPENID_CONNECT".into(),
            config: Some(obj(&[("Issuer", "https://login.example.com/")])),
        };
        assert_eq!(
            openid_url(&oidc).as_deref(),
            Some("https://login.example.com/.well-known/openid-configuration")
        );
        let iam = Mode {
            kind: "AWS_IAM".into(),
            config: None,
        };
        assert_eq!(openid_url(&iam), None);
    }
}
