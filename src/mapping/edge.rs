//! CloudFront distributions → Azure Front Door Standard.
//!
//! A distribution lists its origins and cache behaviours inline; Front Door splits
//! them into a profile, an endpoint, an origin group with an origin per CloudFront
//! origin, and a route per behaviour (the default behaviour matches `/*`). The
//! endpoint's transform writes the origin groups, origins and routes beside it.
//! An S3 origin becomes the converted storage account's blob host with the container
//! as the route's origin path; when CloudFront reached it with an origin access
//! control or identity (the bucket stays private), Front Door authenticates to the
//! storage account with its managed identity, which gets Storage Blob Data Reader on
//! the account. Roles: `distribution`.

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource};
use crate::model::expr::Expr;
use crate::names::kebab;

const API: &str = "2025-12-01";
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
    if cfg.get("Aliases").is_some()
        || cfg
            .get("ViewerCertificate")
            .and_then(|v| v.get("AcmCertificateArn"))
            .is_some()
    {
        notes.push("custom domains and their certificates (add `Microsoft.Cdn/profiles/customDomains` with a managed certificate and validate them with a TXT record)");
    }
    if cfg.get("DefaultRootObject").is_some() {
        notes.push("the default root object (add a rule set that rewrites `/` to it)");
    }
    if cfg.get("WebACLId").is_some() {
        notes.push("the WAF web ACL (a Front Door WAF policy needs the Premium tier for managed rule sets)");
    }
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
    let mut functions = false;
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
        "A CloudFront distribution holds its origins and cache behaviours; Azure Front Door Standard has a profile, an endpoint, origin groups with origins, and routes.",
        "A Standard profile with one endpoint, an origin group and origin per CloudFront origin (S3 buckets → the storage account's blob host under the container path), and a route per cache behaviour (the default behaviour matches `/*`), with the viewer protocol policy as HTTPS redirect and query strings cached as the behaviour forwarded them.",
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
