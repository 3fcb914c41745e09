//! CloudFront distributions → Azure Front Door Standard (Premium when the web ACL runs
//! managed rules, see `edge_waf`).
//!
//! A distribution lists its origins and cache behaviours inline; Front Door splits
//! them into a profile, an endpoint, an origin group with an origin per CloudFront
//! origin, and a route per behaviour (the default behaviour matches `/*`). The
//! endpoint's transform writes the origin groups, origins and routes beside it.
//! An S3 origin becomes the converted storage account's blob host with the container
//! as the route's origin path; when CloudFront reached it with an origin access
//! control or identity (the bucket stays private), Front Door authenticates to the
//! storage account with its managed identity, which gets Storage Blob Data Reader on
//! the account. Aliases become custom domains of every route, with a managed
//! certificate validated by a `_dnsauth` TXT record (written in the Azure DNS zone when
//! the template holds the zone); the default root object becomes a rule set of the
//! default route that rewrites `/`, and a response headers policy of the template a rule
//! set of response header actions on the routes whose behaviours name it. Roles:
//! `distribution`, `response-headers`, `ip-set` (and `web-acl`, in `edge_waf`).

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource};
use crate::model::expr::Expr;
use crate::names::kebab;

const API: &str = "2025-12-01";
const PASS: &str = "edge";
/// API version of public DNS zones (as the dns pass writes them).
const DNS_API: &str = "2018-05-01";
const BLOB_READER: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
/// AWS's managed cache policy that disables caching.
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

/// An origin's id: its literal `Id` (or a local holding one), else `origin-<position>`.
fn origin_id(cx: &Ctx, o: &Expr, n: usize) -> String {
    o.get("Id")
        .and_then(|x| cx.literal_text(x))
        .unwrap_or_else(|| format!("origin-{}", n + 1))
}

/// `properties` of distribution `d`'s profile: the origin response timeout (CloudFront
/// waits 30 seconds by default, or the first custom origin's read timeout); `None`
/// when the distribution has no origin, so no profile is created.
pub fn afd_profile(cx: &mut Ctx, d: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let origins = cx.t.resources[d]
        .properties
        .path("DistributionConfig.Origins")
        .and_then(|o| o.as_list())
        .map(|o| o.to_vec())
        .unwrap_or_default();
    if !origins.iter().any(|o| o.get("DomainName").is_some()) {
        let r = cx.t.resources[d].clone();
        cx.decide(
            "afd-no-origin",
            Some((&r.id, r.span)),
            &format!("{}: the distribution has no origin", r.id),
            "A Front Door profile serves routes to origins; the distribution lists none.",
            "No profile is created.",
            "Build the Front Door profile by hand once the origins are known.",
        );
        return None;
    }
    let timeout = origins
        .iter()
        .find_map(|o| {
            o.path("CustomOriginConfig.OriginReadTimeout")?
                .literal_i64()
        })
        .unwrap_or(30)
        .clamp(16, 240);
    Some(AzExpr::obj(vec![(
        "originResponseTimeoutSeconds",
        AzExpr::Int(timeout),
    )]))
}

/// Does distribution `d` reach a bucket through an origin access control or identity?
fn private_bucket(o: &Expr) -> bool {
    o.get("OriginAccessControlId").is_some()
        || o.path("S3OriginConfig.OriginAccessIdentity")
            .and_then(|x| x.literal_text())
            .is_some_and(|x| !x.is_empty())
        || o.path("S3OriginConfig.OriginAccessIdentity")
            .is_some_and(|x| x.literal_text().is_none())
}

/// The resource of the template an origin's domain names when it became a storage
/// account (a bucket): the origin is its blob endpoint.
fn bucket_of(cx: &Ctx, o: &Expr) -> Option<usize> {
    let d = o.get("DomainName")?;
    let mut found = None;
    d.walk(&mut |e| {
        if found.is_none()
            && let Some(j) = cx.referenced_resource(e)
            && cx.prepared[j]
                .entry
                .as_ref()
                .and_then(|x| x.resources.first())
                .is_some_and(|x| x.ty == "Microsoft.Storage/storageAccounts")
        {
            found = Some(j);
        }
    });
    found
}

/// `identity` of distribution `d`'s profile: system-assigned when an origin is a
/// private bucket of the template (Front Door reads it with the identity).
pub fn afd_identity(cx: &mut Ctx, d: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let origins = cx.t.resources[d]
        .properties
        .path("DistributionConfig.Origins")?
        .as_list()?
        .to_vec();
    origins
        .iter()
        .any(|o| private_bucket(o) && bucket_of(cx, o).is_some())
        .then(|| AzExpr::obj(vec![("type", AzExpr::str("SystemAssigned"))]))
}

/// `properties` of distribution `d`'s endpoint; writes its origin groups, origins and
/// routes beside it.
pub fn afd_endpoint(cx: &mut Ctx, d: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    consumed.insert("DistributionConfig".into());
    let r = cx.t.resources[d].clone();
    let cfg = r.properties.get("DistributionConfig")?.clone();
    let profile = cx.prepared[d].sym.clone();
    let endpoint = cx.resolve_symbol(d, "{sym}Endpoint");
    let origins = cfg.get("Origins")?.as_list()?.to_vec();
    let mut groups: Vec<(String, String)> = Vec::new(); // (origin id, group symbol)
    let mut origin_syms: Vec<String> = Vec::new();
    let mut paths: Vec<(String, String)> = Vec::new(); // (origin id, origin path)
    let single = origins.len() == 1;
    for (n, o) in origins.iter().enumerate() {
        // An id computed by the template (`!Sub ${AppName}-origin`) is named by position.
        let oid = origin_id(cx, o, n);
        let gsym = cx.syms.alloc(&format!(
            "{profile}Group{}",
            crate::names::upper_camel(&oid)
        ));
        let osym = cx.syms.alloc(&format!(
            "{profile}Origin{}",
            crate::names::upper_camel(&oid)
        ));
        let bucket = bucket_of(cx, o);
        let mut origin_path = o
            .get("OriginPath")
            .and_then(|x| x.literal_text())
            .unwrap_or_default();
        let (host, https_port, http_port) = match bucket {
            Some(b) => {
                let blob = cx.reference_expr(b, "{sym}.properties.primaryEndpoints.blob");
                let host = AzExpr::Index(
                    Box::new(AzExpr::call("split", vec![blob, AzExpr::str("/")])),
                    Box::new(AzExpr::Int(2)),
                );
                origin_path = format!("/data{origin_path}");
                (host, 443, 80)
            }
            None => {
                let Some(domain) = o.get("DomainName") else {
                    continue;
                };
                let v = cx.tr(domain);
                let host = match v {
                    AzExpr::Str(s) => AzExpr::Str(
                        s.trim_start_matches("https://")
                            .trim_start_matches("http://")
                            .trim_end_matches('/')
                            .to_string(),
                    ),
                    // A URL built from another converted resource (an API's gateway URL): its host.
                    AzExpr::Interp(ref parts)
                        if matches!(parts.first(), Some(crate::azure::Interp::Expr(_))) =>
                    {
                        AzExpr::Index(
                            Box::new(AzExpr::call("split", vec![v.clone(), AzExpr::str("/")])),
                            Box::new(AzExpr::Int(2)),
                        )
                    }
                    other => other,
                };
                let port = |k: &str, d: i64| {
                    o.path(&format!("CustomOriginConfig.{k}"))
                        .and_then(|x| x.literal_i64())
                        .unwrap_or(d)
                };
                (host, port("HTTPSPort", 443), port("HTTPPort", 80))
            }
        };
        paths.push((oid.clone(), origin_path));
        let mut gprops = vec![
            (
                "loadBalancingSettings",
                AzExpr::obj(vec![
                    ("sampleSize", AzExpr::Int(4)),
                    ("successfulSamplesRequired", AzExpr::Int(3)),
                    ("additionalLatencyInMilliseconds", AzExpr::Int(50)),
                ]),
            ),
            ("sessionAffinityState", AzExpr::str("Disabled")),
        ];
        if let Some(b) = bucket.filter(|_| private_bucket(o)) {
            gprops.push((
                "authentication",
                AzExpr::obj(vec![
                    ("type", AzExpr::str("SystemAssignedIdentity")),
                    ("scope", AzExpr::str("https://storage.azure.com/.default")),
                ]),
            ));
            reader_role(cx, d, b, &profile);
        }
        cx.module.resources.push(AzResource {
            symbol: gsym.clone(),
            ty: "Microsoft.Cdn/profiles/originGroups".into(),
            api: API.into(),
            parent: Some(profile.clone()),
            name: AzExpr::Str(format!("og-{}", kebab(&oid))),
            body: vec![("properties".into(), AzExpr::obj(gprops))],
            comments: vec![format!("Origin {oid} of {}.", r.id)],
            source: r.id.clone(),
            ..Default::default()
        });
        cx.module.resources.push(AzResource {
            symbol: osym.clone(),
            ty: "Microsoft.Cdn/profiles/originGroups/origins".into(),
            api: API.into(),
            parent: Some(gsym.clone()),
            name: AzExpr::Str(format!("origin-{}", kebab(&oid))),
            body: vec![(
                "properties".into(),
                AzExpr::obj(vec![
                    ("hostName", host.clone()),
                    ("originHostHeader", host),
                    ("httpPort", AzExpr::Int(http_port)),
                    ("httpsPort", AzExpr::Int(https_port)),
                    ("priority", AzExpr::Int(1)),
                    ("weight", AzExpr::Int(1000)),
                    ("enabledState", AzExpr::str("Enabled")),
                    ("enforceCertificateNameCheck", AzExpr::Bool(true)),
                ]),
            )],
            source: r.id.clone(),
            ..Default::default()
        });
        cx.extra_azure
            .push(("Microsoft.Cdn/profiles/originGroups".into(), gsym.clone()));
        cx.extra_azure.push((
            "Microsoft.Cdn/profiles/originGroups/origins".into(),
            osym.clone(),
        ));
        groups.push((oid, gsym));
        origin_syms.push(osym);
    }
    if groups.is_empty() {
        return None;
    }
    let mut behaviours: Vec<(String, Expr)> = Vec::new();
    if let Some(b) = cfg.get("DefaultCacheBehavior") {
        behaviours.push(("/*".into(), b.clone()));
    }
    for b in cfg
        .get("CacheBehaviors")
        .and_then(|b| b.as_list())
        .unwrap_or_default()
    {
        let Some(p) = b.get("PathPattern").and_then(|x| cx.literal_text(x)) else {
            continue;
        };
        let p = if p.starts_with('/') {
            p
        } else {
            format!("/{p}")
        };
        behaviours.push((p, b.clone()));
    }
    let domains = custom_domains(cx, d, &cfg, &profile);
    let root = root_object_rule_set(cx, d, &cfg, &profile);
    let mut names = BTreeSet::new();
    // Front Door matches the most specific pattern whatever the order; CloudFront took
    // behaviours in order and the default last.
    for (n, (pattern, b)) in behaviours.iter().enumerate() {
        let target = match b.get("TargetOriginId").and_then(|x| cx.literal_text(x)) {
            Some(t) => t,
            // A computed target: the only origin, when there is one.
            None if single && !groups.is_empty() => groups[0].0.clone(),
            None => continue,
        };
        let Some((_, gsym)) = groups.iter().find(|(id, _)| *id == target) else {
            continue;
        };
        let origin_path = paths
            .iter()
            .find(|(id, _)| *id == target)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let viewer = b
            .get("ViewerProtocolPolicy")
            .and_then(|x| x.literal_text())
            .unwrap_or_default();
        let protocols: Vec<AzExpr> = if viewer == "https-only" {
            vec![AzExpr::str("Https")]
        } else {
            vec![AzExpr::str("Http"), AzExpr::str("Https")]
        };
        let origin = origins
            .iter()
            .enumerate()
            .find(|(n, o)| origin_id(cx, o, *n) == target)
            .map(|(_, o)| o);
        let forwarding = match origin
            .and_then(|o| o.path("CustomOriginConfig.OriginProtocolPolicy"))
            .and_then(|x| x.literal_text())
            .as_deref()
        {
            Some("http-only") => "HttpOnly",
            Some("match-viewer") => "MatchRequest",
            _ => "HttpsOnly",
        };
        let mut props = vec![
            (
                "originGroup",
                AzExpr::obj(vec![("id", AzExpr::path(gsym, "id"))]),
            ),
            ("supportedProtocols", AzExpr::Array(protocols)),
            (
                "patternsToMatch",
                AzExpr::Array(vec![AzExpr::Str(pattern.clone())]),
            ),
            ("forwardingProtocol", AzExpr::str(forwarding)),
            ("linkToDefaultDomain", AzExpr::str("Enabled")),
            (
                "httpsRedirect",
                AzExpr::str(if viewer == "redirect-to-https" {
                    "Enabled"
                } else {
                    "Disabled"
                }),
            ),
        ];
        if !origin_path.is_empty() {
            props.push(("originPath", AzExpr::Str(origin_path)));
        }
        if !domains.is_empty() {
            props.push((
                "customDomains",
                AzExpr::Array(
                    domains
                        .iter()
                        .map(|c| AzExpr::obj(vec![("id", AzExpr::path(c, "id"))]))
                        .collect(),
                ),
            ));
        }
        // The default root object is asked for at `/`, which only the default route matches.
        let mut sets: Vec<String> = root.iter().filter(|_| n == 0).cloned().collect();
        if let Some(p) = headers_policy(cx, b)
            && let Some(set) = headers_rule_set(cx, d, p, &profile)
        {
            sets.push(set);
        }
        if !sets.is_empty() {
            props.push((
                "ruleSets",
                AzExpr::Array(
                    sets.iter()
                        .map(|c| AzExpr::obj(vec![("id", AzExpr::path(c, "id"))]))
                        .collect(),
                ),
            ));
        }
        let no_cache = b
            .get("CachePolicyId")
            .and_then(|x| x.literal_text())
            .is_some_and(|x| x == CACHING_DISABLED);
        if !no_cache {
            let query = b
                .path("ForwardedValues.QueryString")
                .and_then(|x| x.literal_bool())
                .unwrap_or(false);
            let compress = b
                .get("Compress")
                .and_then(|x| x.literal_bool())
                .unwrap_or(false);
            let mut cache = vec![(
                "queryStringCachingBehavior",
                AzExpr::str(if query {
                    "UseQueryString"
                } else {
                    "IgnoreQueryString"
                }),
            )];
            if compress {
                cache.push((
                    "compressionSettings",
                    AzExpr::obj(vec![
                        ("isCompressionEnabled", AzExpr::Bool(true)),
                        (
                            "contentTypesToCompress",
                            AzExpr::Array(
                                [
                                    "text/html",
                                    "text/css",
                                    "text/plain",
                                    "application/javascript",
                                    "application/json",
                                    "image/svg+xml",
                                ]
                                .into_iter()
                                .map(AzExpr::str)
                                .collect(),
                            ),
                        ),
                    ]),
                ));
            }
            props.push(("cacheConfiguration", AzExpr::obj(cache)));
        }
        let base = if n == 0 {
            "default".to_string()
        } else {
            kebab(pattern.trim_matches(|c: char| c == '/' || c == '*'))
        };
        let mut name = if base.is_empty() {
            format!("route-{n}")
        } else {
            format!("route-{base}")
        };
        while !names.insert(name.clone()) {
            name.push('x');
        }
        let sym = cx.syms.alloc(&format!(
            "{endpoint}Route{}",
            crate::names::upper_camel(name.trim_start_matches("route-"))
        ));
        cx.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: "Microsoft.Cdn/profiles/afdEndpoints/routes".into(),
            api: API.into(),
            parent: Some(endpoint.clone()),
            name: AzExpr::Str(name),
            body: vec![("properties".into(), AzExpr::obj(props))],
            // A route needs its origin group's origins to exist.
            depends_on: groups
                .iter()
                .zip(&origin_syms)
                .filter(|((_, g), _)| g == gsym)
                .map(|(_, o)| o.clone())
                .collect(),
            source: r.id.clone(),
            ..Default::default()
        });
        cx.extra_azure
            .push(("Microsoft.Cdn/profiles/afdEndpoints/routes".into(), sym));
    }
    super::edge_waf::security_policy(cx, d, &cfg, &profile, &endpoint, &domains);
    decisions(cx, d, &cfg);
    let enabled = cfg
        .get("Enabled")
        .and_then(|x| x.literal_bool())
        .unwrap_or(true);
    Some(AzExpr::obj(vec![(
        "enabledState",
        AzExpr::str(if enabled { "Enabled" } else { "Disabled" }),
    )]))
}

/// Storage Blob Data Reader for the profile's identity on bucket `b`'s account.
fn reader_role(cx: &mut Ctx, d: usize, b: usize, profile: &str) {
    let account = cx.prepared[b].sym.clone();
    let sym = cx.syms.alloc(&format!("{profile}BlobReader"));
    let r = cx.t.resources[d].clone();
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: crate::azure::types::ROLE_ASSIGNMENT.ty.into(),
        api: crate::azure::types::ROLE_ASSIGNMENT.api.into(),
        name: AzExpr::call(
            "guid",
            vec![AzExpr::path(&account, "id"), AzExpr::path(profile, "id"), AzExpr::str(BLOB_READER)],
        ),
        body: vec![
            ("scope".into(), AzExpr::ident(&account)),
            (
                "properties".into(),
                AzExpr::obj(vec![
                    (
                        "roleDefinitionId",
                        AzExpr::call(
                            "subscriptionResourceId",
                            vec![AzExpr::str(crate::azure::types::ROLE_DEFINITION.ty), AzExpr::str(BLOB_READER)],
                        ),
                    ),
                    ("principalId", AzExpr::path(profile, "identity").member("principalId")),
                    ("principalType", AzExpr::str("ServicePrincipal")),
                ]),
            ),
        ],
        comments: vec![format!(
            "Storage Blob Data Reader for the Front Door profile that replaces {} on {} (was the origin access control).",
            r.id, cx.t.resources[b].id
        )],
        source: r.id.clone(),
        ..Default::default()
    });
    cx.extra_azure
        .push((crate::azure::types::ROLE_ASSIGNMENT.ty.into(), sym));
    cx.decide(
        "afd-private-origin",
        Some((&r.id, r.span)),
        &format!("{}: Front Door reads the private bucket with its identity", r.id),
        "CloudFront reached the bucket through an origin access control (or identity) while the bucket stayed closed to everyone else.",
        "The storage account stays closed to anonymous access; Front Door authenticates to it with its system-assigned identity, which has Storage Blob Data Reader on the account.",
        "Requests for the container's blobs need no SAS; anything else that read the bucket through CloudFront now reads through Front Door.",
    );
}

/// Decisions for what the distribution sets that Front Door handles otherwise.
fn decisions(cx: &mut Ctx, d: usize, cfg: &Expr) {
    let r = cx.t.resources[d].clone();
    let mut notes = Vec::new();
    if cfg.get("Logging").is_some() {
        notes.push("access logs (add a diagnostic setting to a Log Analytics workspace or storage account)");
    }
    if cfg
        .path("Restrictions.GeoRestriction.RestrictionType")
        .is_some_and(|t| cx.literal_text(t).as_deref() != Some("none"))
    {
        notes.push(
            "the geographic restriction (a Front Door WAF policy with a geo-match custom rule)",
        );
    }
    if cfg.get("CustomErrorResponses").is_some() {
        notes.push("custom error responses (rule sets cannot replace origin errors; serve them from the origin)");
    }
    let mut carried = Vec::new();
    let made = |ty: &str| {
        cx.module
            .resources
            .iter()
            .any(|x| x.source == r.id && x.ty == ty)
    };
    if made("Microsoft.Cdn/profiles/customDomains") {
        carried.push(" Aliases become custom domains of the routes.");
    }
    match cfg.get("DefaultRootObject") {
        Some(o) if cx.literal_text(o).is_some_and(|o| !o.is_empty()) => carried
            .push(" The default root object is a rule set of the default route that rewrites `/`."),
        Some(o) if cx.literal_text(o).is_none() => notes.push(
            "the default root object, computed by the template (add a rule set to the default route that rewrites `/` to it)",
        ),
        _ => {}
    }
    let mut functions = false;
    let mut managed_headers = false;
    let mut headers = false;
    for b in cfg
        .get("CacheBehaviors")
        .and_then(|b| b.as_list())
        .unwrap_or_default()
        .iter()
        .chain(cfg.get("DefaultCacheBehavior"))
    {
        if b.get("LambdaFunctionAssociations").is_some() || b.get("FunctionAssociations").is_some()
        {
            functions = true;
        }
        if b.get("ResponseHeadersPolicyId").is_some() {
            match headers_policy(cx, b) {
                Some(_) => headers = true,
                None => managed_headers = true,
            }
        }
    }
    if headers {
        carried.push(" Response headers policies of the template are rule sets of the routes whose behaviours named them.");
    }
    if super::edge_waf::has_web_acl(cx, d) {
        carried.push(" The web ACL is a Front Door WAF policy linked to the endpoint and its custom domains by a security policy.");
    }
    if managed_headers {
        notes.push("response headers policies outside the template (AWS managed policies or ids given as parameters: add their headers as response header actions to a rule set of the route)");
    }
    if functions {
        notes.push("Lambda@Edge and CloudFront Functions (rewrite them as rule set actions, or move the logic to the origin)");
    }
    if cfg.get("OriginGroups").is_some() {
        notes.push(
            "origin failover groups (put both origins in one origin group with priorities 1 and 2)",
        );
    }
    cx.decide(
        "afd-distribution",
        Some((&r.id, r.span)),
        &format!("{}: the distribution becomes a Front Door profile", r.id),
        "A CloudFront distribution holds its origins and cache behaviours; Azure Front Door (Standard or Premium) has a profile, an endpoint, origin groups with origins, and routes.",
        &format!("A profile with one endpoint, an origin group and origin per CloudFront origin (S3 buckets → the storage account's blob host under the container path), and a route per cache behaviour (the default behaviour matches `/*`), with the viewer protocol policy as HTTPS redirect and query strings cached as the behaviour forwarded them.{}", carried.concat()),
        &if notes.is_empty() {
            "Front Door matches the most specific route pattern rather than the behaviours' order; cache TTLs follow the origin's Cache-Control headers.".to_string()
        } else {
            format!("Not carried over: {}. Front Door matches the most specific route pattern rather than the behaviours' order; cache TTLs follow the origin's Cache-Control headers.", notes.join("; "))
        },
    );
    if !notes.is_empty() {
        cx.floor_status("partial");
    }
}

/// An alphanumeric name that starts with a letter (rule sets, rules and WAF policies
/// allow nothing else).
pub(super) fn alnum_name(s: &str, fallback: &str) -> String {
    let n: String = crate::names::upper_camel(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    match n.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => n,
        Some(_) => format!("{fallback}{n}"),
        None => fallback.to_string(),
    }
}

/// The public hosted zone of the template that holds `host`: (zone index, the zone's
/// Azure symbol, the name relative to the zone, `@` at the apex).
fn zone_for(cx: &Ctx, host: &str) -> Option<(usize, String, String)> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (0..cx.t.resources.len())
        .filter(|z| cx.plays(*z, "dns", "zone"))
        .filter(|z| {
            cx.t.resources[*z]
                .properties
                .get("VPCs")
                .and_then(|v| v.as_list())
                .is_none_or(|v| v.is_empty())
        })
        .filter_map(|z| {
            let zone = cx.t.resources[z]
                .properties
                .get("Name")?
                .literal_text()?
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let rel = if host == zone {
                "@".to_string()
            } else {
                host.strip_suffix(&format!(".{zone}"))?.to_string()
            };
            let first = cx.prepared[z]
                .entry
                .as_ref()?
                .resources
                .first()?
                .symbol
                .clone();
            Some((z, cx.resolve_symbol(z, &first), rel, zone.len()))
        })
        .max_by_key(|x| x.3)
        .map(|(z, s, r, _)| (z, s, r))
}

/// Custom domains for distribution `d`'s aliases, with a managed certificate each (and
/// the TXT record that validates it in a zone of the template); their symbols.
fn custom_domains(cx: &mut Ctx, d: usize, cfg: &Expr, profile: &str) -> Vec<String> {
    let r = cx.t.resources[d].clone();
    let aliases: Vec<Expr> = cfg
        .get("Aliases")
        .and_then(|a| a.as_list())
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut validated = Vec::new();
    let mut by_hand = Vec::new();
    for a in &aliases {
        let Some(host) = cx
            .literal_text(a)
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        else {
            skipped.push("a computed name".to_string());
            continue;
        };
        if host.starts_with("*.") {
            skipped.push(format!(
                "`{host}` (a wildcard: Front Door issues no managed certificate for it)"
            ));
            continue;
        }
        let sym = cx.syms.alloc(&format!(
            "{profile}Domain{}",
            crate::names::upper_camel(&host.replace('.', "-"))
        ));
        let zone = zone_for(cx, &host);
        let mut props = vec![
            ("hostName", AzExpr::Str(host.clone())),
            (
                "tlsSettings",
                AzExpr::obj(vec![
                    ("certificateType", AzExpr::str("ManagedCertificate")),
                    ("minimumTlsVersion", AzExpr::str("TLS12")),
                ]),
            ),
        ];
        if let Some((_, zsym, _)) = &zone {
            props.push((
                "azureDnsZone",
                AzExpr::obj(vec![("id", AzExpr::path(zsym, "id"))]),
            ));
        }
        cx.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: "Microsoft.Cdn/profiles/customDomains".into(),
            api: API.into(),
            parent: Some(profile.to_string()),
            name: AzExpr::Str(host.replace('.', "-")),
            body: vec![("properties".into(), AzExpr::obj(props))],
            comments: vec![format!(
                "Alias {host} of {}: Front Door issues its certificate once the TXT record `_dnsauth` validates the name.",
                cx.t.report_name(&r.id)
            )],
            source: r.id.clone(),
            ..Default::default()
        });
        cx.extra_azure
            .push(("Microsoft.Cdn/profiles/customDomains".into(), sym.clone()));
        match zone {
            Some((_, zsym, rel)) => {
                let name = if rel == "@" {
                    "_dnsauth".to_string()
                } else {
                    format!("_dnsauth.{rel}")
                };
                let tsym = cx.syms.alloc(&format!("{sym}Validation"));
                cx.module.resources.push(AzResource {
                    symbol: tsym.clone(),
                    ty: "Microsoft.Network/dnsZones/TXT".into(),
                    api: DNS_API.into(),
                    parent: Some(zsym),
                    name: AzExpr::Str(name),
                    body: vec![(
                        "properties".into(),
                        AzExpr::obj(vec![
                            ("TTL", AzExpr::Int(3600)),
                            (
                                "TXTRecords",
                                AzExpr::Array(vec![AzExpr::obj(vec![(
                                    "value",
                                    AzExpr::Array(vec![AzExpr::path(
                                        &sym,
                                        "properties.validationProperties.validationToken",
                                    )]),
                                )])]),
                            ),
                        ]),
                    )],
                    comments: vec![format!(
                        "Validates the custom domain {host} of the Front Door profile that replaces {}.",
                        cx.t.report_name(&r.id)
                    )],
                    source: r.id.clone(),
                    ..Default::default()
                });
                cx.extra_azure
                    .push(("Microsoft.Network/dnsZones/TXT".into(), tsym));
                validated.push(host);
            }
            None => by_hand.push(host),
        }
        out.push(sym);
    }
    if aliases.is_empty() {
        return out;
    }
    let cert = cfg.path("ViewerCertificate.AcmCertificateArn").is_some()
        || cfg.path("ViewerCertificate.IamCertificateId").is_some();
    let mut consequences = Vec::new();
    if !validated.is_empty() {
        consequences.push(format!(
            "The TXT records `_dnsauth` that validate {} are written in the Azure DNS zone of the template with each domain's validation token; the certificate is issued once the zone's name servers are delegated to Azure DNS.",
            validated.join(", ")
        ));
    }
    if !by_hand.is_empty() {
        consequences.push(format!(
            "Validate {} by hand: create a TXT record `_dnsauth.<name>` with the custom domain's validation token (`validationProperties.validationToken`) in the DNS that hosts the name, then point the name at the endpoint with a CNAME.",
            by_hand.join(", ")
        ));
        cx.floor_status("partial");
    }
    if cert {
        consequences.push("The distribution served its own certificate (ACM or IAM): Front Door issues and renews a managed certificate instead. To keep serving that certificate, import it (with its private key, exported from where it was issued: ACM does not export certificates it issued) into Key Vault, add a `Microsoft.Cdn/profiles/secrets` of type CustomerCertificate that names it, and set the custom domain's `tlsSettings` to CustomerCertificate with that secret.".to_string());
    }
    if !skipped.is_empty() {
        consequences.push(format!(
            "Not created: {}; add those custom domains by hand (a wildcard needs a customer certificate from Key Vault).",
            skipped.join(", ")
        ));
        cx.floor_status("partial");
    }
    cx.decide(
        "afd-custom-domain",
        Some((&r.id, r.span)),
        &format!("{}: aliases become custom domains with managed certificates", r.id),
        "A CloudFront distribution answers for its aliases (CNAMEs) with a certificate from ACM; Front Door answers for the custom domains associated with a route, each validated with a TXT record.",
        "Each alias becomes a custom domain of the profile with a Front Door managed certificate and TLS 1.2 as the minimum version, associated with every route of the endpoint (which keeps its default domain).",
        &consequences.join(" "),
    );
    out
}

/// The rule set that rewrites `/` to the default root object of distribution `d`.
fn root_object_rule_set(cx: &mut Ctx, d: usize, cfg: &Expr, profile: &str) -> Option<String> {
    let object = cfg
        .get("DefaultRootObject")
        .and_then(|o| cx.literal_text(o))
        .filter(|o| !o.is_empty())?;
    let r = cx.t.resources[d].clone();
    let object = object.trim_start_matches('/').to_string();
    let set = rule_set(cx, &r.id, profile, "DefaultRootObject", "RootObject");
    let rule = AzExpr::obj(vec![
        ("order", AzExpr::Int(1)),
        (
            "conditions",
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::str("UrlPath")),
                (
                    "parameters",
                    AzExpr::obj(vec![
                        (
                            "typeName",
                            AzExpr::str("DeliveryRuleUrlPathMatchConditionParameters"),
                        ),
                        // The request path Front Door matches starts after the first `/`
                        // (empty at the root); the expression holds either way.
                        ("operator", AzExpr::str("RegEx")),
                        ("negateCondition", AzExpr::Bool(false)),
                        ("matchValues", AzExpr::Array(vec![AzExpr::str("^/?$")])),
                    ]),
                ),
            ])]),
        ),
        (
            "actions",
            AzExpr::Array(vec![AzExpr::obj(vec![
                ("name", AzExpr::str("UrlRewrite")),
                (
                    "parameters",
                    AzExpr::obj(vec![
                        (
                            "typeName",
                            AzExpr::str("DeliveryRuleUrlRewriteActionParameters"),
                        ),
                        ("sourcePattern", AzExpr::str("/")),
                        ("destination", AzExpr::Str(format!("/{object}"))),
                        ("preserveUnmatchedPath", AzExpr::Bool(false)),
                    ]),
                ),
            ])]),
        ),
        ("matchProcessingBehavior", AzExpr::str("Continue")),
    ]);
    rule_of(cx, &r.id, &set, "rewriteRoot", rule);
    Some(set)
}

/// A rule set of the profile (`name` alphanumeric); its symbol.
fn rule_set(cx: &mut Ctx, source: &str, profile: &str, name: &str, label: &str) -> String {
    let sym = cx.syms.alloc(&format!("{profile}{label}Rules"));
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: "Microsoft.Cdn/profiles/ruleSets".into(),
        api: API.into(),
        parent: Some(profile.to_string()),
        name: AzExpr::Str(name.to_string()),
        source: source.to_string(),
        ..Default::default()
    });
    cx.extra_azure
        .push(("Microsoft.Cdn/profiles/ruleSets".into(), sym.clone()));
    sym
}

/// A rule of rule set `set`.
fn rule_of(cx: &mut Ctx, source: &str, set: &str, name: &str, props: AzExpr) {
    let sym = cx
        .syms
        .alloc(&format!("{set}{}", crate::names::upper_camel(name)));
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: "Microsoft.Cdn/profiles/ruleSets/rules".into(),
        api: API.into(),
        parent: Some(set.to_string()),
        name: AzExpr::Str(name.to_string()),
        body: vec![("properties".into(), props)],
        source: source.to_string(),
        ..Default::default()
    });
    cx.extra_azure
        .push(("Microsoft.Cdn/profiles/ruleSets/rules".into(), sym));
}

/// The response headers policy of the template a cache behaviour names.
fn headers_policy(cx: &Ctx, b: &Expr) -> Option<usize> {
    b.get("ResponseHeadersPolicyId")
        .and_then(|x| cx.referenced_resource(x))
        .filter(|p| cx.plays(*p, PASS, "response-headers"))
}

/// `(header, value, overwrite)` of response headers policy `p`, and what it sets that
/// no response header action carries.
fn policy_headers(cx: &Ctx, p: usize) -> (Vec<(String, Header, bool)>, Vec<&'static str>) {
    let cfg = cx.t.resources[p]
        .properties
        .get("ResponseHeadersPolicyConfig")
        .cloned()
        .unwrap_or_else(|| Expr::new(crate::model::expr::ExprKind::Null, Default::default()));
    let mut out: Vec<(String, Header, bool)> = Vec::new();
    let mut left = Vec::new();
    let over = |e: &Expr| {
        e.get("Override")
            .and_then(|o| o.literal_bool())
            .unwrap_or(false)
    };
    let text = |e: Option<&Expr>| e.and_then(|x| cx.literal_text(x));
    if let Some(s) = cfg.get("SecurityHeadersConfig") {
        if let Some(h) = s.get("StrictTransportSecurity") {
            let mut v = format!(
                "max-age={}",
                text(h.get("AccessControlMaxAgeSec")).unwrap_or_else(|| "31536000".into())
            );
            if h.get("IncludeSubdomains").and_then(|x| x.literal_bool()) == Some(true) {
                v.push_str("; includeSubDomains");
            }
            if h.get("Preload").and_then(|x| x.literal_bool()) == Some(true) {
                v.push_str("; preload");
            }
            out.push(("Strict-Transport-Security".into(), Header::Lit(v), over(h)));
        }
        if let Some(h) = s.get("ContentTypeOptions") {
            out.push((
                "X-Content-Type-Options".into(),
                Header::Lit("nosniff".into()),
                over(h),
            ));
        }
        if let Some(h) = s.get("FrameOptions")
            && let Some(v) = text(h.get("FrameOption"))
        {
            out.push((
                "X-Frame-Options".into(),
                Header::Lit(v.to_ascii_uppercase()),
                over(h),
            ));
        }
        if let Some(h) = s.get("XSSProtection") {
            let on = h
                .get("Protection")
                .and_then(|x| x.literal_bool())
                .unwrap_or(false);
            let mut v = if on { "1".to_string() } else { "0".to_string() };
            if on && h.get("ModeBlock").and_then(|x| x.literal_bool()) == Some(true) {
                v.push_str("; mode=block");
            } else if on && let Some(u) = text(h.get("ReportUri")) {
                v.push_str(&format!("; report={u}"));
            }
            out.push(("X-XSS-Protection".into(), Header::Lit(v), over(h)));
        }
        if let Some(h) = s.get("ReferrerPolicy")
            && let Some(v) = text(h.get("ReferrerPolicy"))
        {
            out.push(("Referrer-Policy".into(), Header::Lit(v), over(h)));
        }
        if let Some(h) = s.get("ContentSecurityPolicy")
            && let Some(v) = h.get("ContentSecurityPolicy")
        {
            out.push((
                "Content-Security-Policy".into(),
                Header::Src(v.clone()),
                over(h),
            ));
        }
    }
    for h in cfg
        .path("CustomHeadersConfig.Items")
        .and_then(|i| i.as_list())
        .unwrap_or_default()
    {
        if let (Some(n), Some(v)) = (text(h.get("Header")), h.get("Value")) {
            out.push((n, Header::Src(v.clone()), over(h)));
        }
    }
    for h in cfg
        .path("RemoveHeadersConfig.Items")
        .and_then(|i| i.as_list())
        .unwrap_or_default()
    {
        if let Some(n) = text(h.get("Header")) {
            out.push((n, Header::Delete, true));
        }
    }
    if cfg.get("CorsConfig").is_some() {
        left.push("CORS (`CorsConfig`: answer preflight requests and add the Access-Control-* headers at the origin, or add them with response header actions for a fixed origin)");
    }
    if cfg.get("ServerTimingHeadersConfig").is_some() {
        left.push("the Server-Timing header (Front Door has no counterpart)");
    }
    (out, left)
}

/// A response header's value: literal text, a template value, or none (removed).
enum Header {
    Lit(String),
    Src(Expr),
    Delete,
}

/// The rule set of response headers policy `p` in `profile` (one per profile and
/// policy); its symbol.
fn headers_rule_set(cx: &mut Ctx, d: usize, p: usize, profile: &str) -> Option<String> {
    let key = format!("afd-headers#{profile}#{p}");
    if let Some(s) = cx.shared.get(&key) {
        return Some(s.clone());
    }
    let (headers, left) = policy_headers(cx, p);
    let pid = cx.t.resources[p].id.clone();
    let did = cx.t.resources[d].id.clone();
    if headers.is_empty() {
        // Nothing Front Door sets with a header action (only CORS, Server-Timing).
        cx.shared
            .insert(format!("afd-headers-used#{p}"), String::new());
        cx.decide_later(
            p,
            "afd-response-headers-none",
            &format!("{pid}: the response headers policy sets no header a rule set can add"),
            "A CloudFront response headers policy adds headers to the responses of the cache behaviours that name it.",
            "No rule set is created for it.",
            &format!("Not carried over: {}.", left.join("; ")),
            Some("manual"),
        );
        return None;
    }
    // The policy's name (or logical id), letters and digits only.
    let pname = cx.t.resources[p]
        .properties
        .path("ResponseHeadersPolicyConfig.Name")
        .and_then(|n| cx.literal_text(n))
        .unwrap_or_else(|| pid.clone());
    let set_name = alnum_name(&pname, "Headers");
    let set = rule_set(cx, &did, profile, &set_name, &set_name);
    cx.shared.insert(key, set.clone());
    // Front Door takes at most five actions per rule.
    for (n, chunk) in headers.chunks(5).enumerate() {
        let mut actions: Vec<AzExpr> = Vec::new();
        for (h, v, overwrite) in chunk {
            let v = match v {
                Header::Lit(t) => Some(AzExpr::Str(t.clone())),
                Header::Src(e) => Some(cx.tr(e)),
                Header::Delete => None,
            };
            {
                let mut params = vec![
                    (
                        "typeName",
                        AzExpr::str("DeliveryRuleHeaderActionParameters"),
                    ),
                    (
                        "headerAction",
                        AzExpr::str(match (&v, overwrite) {
                            (None, _) => "Delete",
                            (_, true) => "Overwrite",
                            _ => "Append",
                        }),
                    ),
                    ("headerName", AzExpr::Str(h.clone())),
                ];
                if let Some(v) = v {
                    params.push(("value", v));
                }
                actions.push(AzExpr::obj(vec![
                    ("name", AzExpr::str("ModifyResponseHeader")),
                    ("parameters", AzExpr::obj(params)),
                ]));
            }
        }
        rule_of(
            cx,
            &did,
            &set,
            &format!("headers{}", n + 1),
            AzExpr::obj(vec![
                ("order", AzExpr::Int(n as i64 + 1)),
                ("actions", AzExpr::Array(actions)),
                ("matchProcessingBehavior", AzExpr::str("Continue")),
            ]),
        );
    }
    let names: Vec<String> = headers.iter().map(|(h, _, _)| format!("`{h}`")).collect();
    let mut consequences = "A header the policy set only when the origin had none (`Override: false`) is appended rather than left alone: Front Door's response header action cannot test for a header.".to_string();
    if !left.is_empty() {
        consequences.push_str(&format!(" Not carried over: {}.", left.join("; ")));
    }
    cx.decide_later(
        p,
        "afd-response-headers",
        &format!("{pid}: the response headers policy becomes a rule set"),
        "A CloudFront response headers policy adds security and custom headers to the responses of the cache behaviours that name it.",
        &format!(
            "A rule set `{}` of the Front Door profile sets {} with response header actions (five per rule); the routes of the behaviours that named the policy use it.",
            set_name,
            names.join(", ")
        ),
        &consequences,
        (!left.is_empty()).then_some("partial"),
    );
    cx.shared
        .insert(format!("afd-headers-used#{p}"), set.clone());
    Some(set)
}

/// After mapping: response headers policies no distribution of the template uses, and
/// IP sets no WAF policy reads, are manual.
pub fn finish(cx: &mut Ctx) {
    for s in 0..cx.t.resources.len() {
        if !cx.plays(s, PASS, "ip-set") || cx.shared.contains_key(&format!("afd-ip-set-used#{s}")) {
            continue;
        }
        let id = cx.t.resources[s].id.clone();
        cx.decide_later(
            s,
            "waf-ip-set-unused",
            &format!("{id}: no Front Door WAF policy reads the IP set"),
            "An IP set takes effect through the rules of the web ACLs that reference it; the template has no web ACL of CloudFront scope whose rule Front Door expresses with it.",
            "Nothing is generated for it.",
            "Write its addresses into the match conditions (RemoteAddr, IPMatch) of the WAF policy custom rules that need them (Front Door or Application Gateway).",
            Some("manual"),
        );
    }
    for p in 0..cx.t.resources.len() {
        if !cx.plays(p, PASS, "response-headers")
            || cx.shared.contains_key(&format!("afd-headers-used#{p}"))
        {
            continue;
        }
        let id = cx.t.resources[p].id.clone();
        cx.decide_later(
            p,
            "afd-response-headers-unused",
            &format!("{id}: no distribution of the template uses the response headers policy"),
            "A response headers policy takes effect through the cache behaviours that name it.",
            "Nothing is generated for it.",
            "Add a rule set with response header actions to the Front Door routes that should send these headers.",
            Some("manual"),
        );
    }
}
