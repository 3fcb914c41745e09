//! Route 53 → Azure DNS.
//!
//! A hosted zone becomes a DNS zone (public) or a private DNS zone linked to the
//! virtual networks of its VPCs. Record sets become record sets of their type in the
//! zone: Azure gives each type its own child resource type (`dnsZones/A`,
//! `privateDnsZones/CNAME` …) and its own record shape, so the `dns` pass writes them
//! after mapping, reading the values of `ResourceRecords` (MX preference and exchange,
//! SRV priority, weight, port and target, quoted TXT strings, CAA flags, tag and value).
//! Alias records to a load balancer that became an Application Gateway point at its
//! public IP (`targetResource`); other aliases are decisions. Record sets with routing
//! policies become Traffic Manager profiles, the health checks they name the profiles'
//! monitoring (`routing`). Roles: `zone`, `record`, `record-group`, `health-check`.

mod routing;

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource};
use crate::model::expr::{Expr, ExprKind};
use crate::names::kebab;

const PASS: &str = "dns";
const PUBLIC_API: &str = "2018-05-01";
const PRIVATE_API: &str = "2024-06-01";

/// The zone a record names: (zone resource index in the template, or the zone's
/// literal name when the zone is elsewhere).
enum Zone {
    Here(usize),
    Elsewhere(String),
    /// A zone named at deployment: the source's expression (a zone id or name from a
    /// parameter, another stack or a data source), and a label for its parameter.
    Given(Expr, String),
}

fn zone_name(cx: &Ctx, z: usize) -> Option<String> {
    cx.t.resources[z]
        .properties
        .get("Name")?
        .literal_text()
        .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
}

fn is_private(cx: &Ctx, z: usize) -> bool {
    cx.t.resources[z]
        .properties
        .get("VPCs")
        .and_then(|v| v.as_list())
        .is_some_and(|v| !v.is_empty())
}

/// The zone of record properties `p` (`HostedZoneId` or `HostedZoneName`).
fn zone_of(cx: &Ctx, p: &Expr) -> Option<Zone> {
    if let Some(z) = p
        .get("HostedZoneId")
        .and_then(|z| cx.referenced_resource(z))
        .filter(|z| cx.plays(*z, PASS, "zone"))
    {
        return Some(Zone::Here(z));
    }
    let given = p.get("HostedZoneName").or_else(|| p.get("HostedZoneId"))?;
    let Some(name) = given.literal_text() else {
        let given = without_final_dot(given).unwrap_or_else(|| given.clone());
        return Some(Zone::Given(given.clone(), zone_label(&given)));
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let here = (0..cx.t.resources.len()).find(|z| {
        cx.plays(*z, PASS, "zone") && zone_name(cx, *z).as_deref() == Some(name.as_str())
    });
    Some(match here {
        Some(z) => Zone::Here(z),
        None => Zone::Elsewhere(name),
    })
}

/// A zone name written as a name and the root's dot (`!Join ['', [!Ref Domain, .]]`,
/// `!Sub '${Domain}.'`): the name alone, as Azure writes zone names.
fn without_final_dot(e: &Expr) -> Option<Expr> {
    match &e.kind {
        ExprKind::Join { sep, items } if sep.literal_text().as_deref() == Some("") => {
            match items.as_list()? {
                [x, dot] if dot.literal_text().as_deref() == Some(".") => Some(x.clone()),
                _ => None,
            }
        }
        ExprKind::Sub(parts) => match parts.as_slice() {
            [
                crate::model::expr::SubPart::Expr(x),
                crate::model::expr::SubPart::Lit(dot),
            ] if dot == "." => Some(x.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A label for a zone named by expression `e`: the parameter, resource or data source
/// it reads.
fn zone_label(e: &Expr) -> String {
    let mut label = None;
    e.walk(&mut |x| {
        if label.is_none() {
            label = match &x.kind {
                ExprKind::Ref(n) => Some(n.clone()),
                ExprKind::GetAtt { resource, .. } => Some(resource.clone()),
                // A Terraform data source (`data.aws_route53_zone.main.zone_id`): its name,
                // so that two zones read from two data sources stay two zones.
                ExprKind::Opaque(t) => t
                    .strip_prefix("data.")
                    .and_then(|r| r.split('.').nth(1))
                    .map(str::to_string),
                _ => None,
            };
        }
    });
    let label: String = label.unwrap_or_else(|| "dns".to_string());
    crate::names::kebab(&label)
}

/// A record's name relative to its zone (`@` at the apex). CloudFormation names are
/// absolute; Terraform's may already be relative: a name without dots (`www`) is a
/// name in the zone, an empty one the apex. A dotted name outside the zone is `None`.
fn relative(name: &str, zone: &str) -> Option<String> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if n == zone || name.is_empty() {
        return Some("@".into());
    }
    if let Some(r) = n.strip_suffix(&format!(".{zone}")) {
        return Some(r.to_string());
    }
    (!name.ends_with('.') && !n.contains('.')).then_some(n)
}

/// The unquoted strings of a TXT value (`"a" "b"` → [a, b]).
fn txt_strings(v: &str) -> Vec<String> {
    let v = v.trim();
    if !v.starts_with('"') {
        return vec![v.to_string()];
    }
    v.split("\" \"")
        .map(|s| s.trim_matches('"').replace("\\\"", "\""))
        .collect()
}

/// The record values of type `ty` as Azure record objects: (the property holding
/// them, the list or object), in a public or private zone's vocabulary; `None` when a
/// value cannot be read.
fn records(cx: &mut Ctx, ty: &str, values: &[Expr], private: bool) -> Option<(String, AzExpr)> {
    let key = |public: &str, private_key: &str| {
        if private {
            private_key.to_string()
        } else {
            public.to_string()
        }
    };
    let lit = |e: &Expr| e.literal_text();
    let words = |e: &Expr| -> Option<Vec<String>> {
        Some(lit(e)?.split_whitespace().map(str::to_string).collect())
    };
    let num = |s: &str| s.parse::<i64>().ok().map(AzExpr::Int);
    let mut out = Vec::new();
    for v in values {
        out.push(match ty {
            "A" => AzExpr::obj(vec![("ipv4Address", cx.tr(v))]),
            "AAAA" => AzExpr::obj(vec![("ipv6Address", cx.tr(v))]),
            "CNAME" => AzExpr::obj(vec![("cname", cx.tr(v))]),
            "NS" if !private => AzExpr::obj(vec![("nsdname", cx.tr(v))]),
            "PTR" => AzExpr::obj(vec![("ptrdname", cx.tr(v))]),
            // A value known only at deployment (a parameter): Route 53's own
            // `<preference> <exchange>` text, split there.
            "MX" if lit(v).is_none() => {
                let x = cx.tr(v);
                let part = |n: i64| {
                    AzExpr::Index(
                        Box::new(AzExpr::call("split", vec![x.clone(), AzExpr::str(" ")])),
                        Box::new(AzExpr::Int(n)),
                    )
                };
                AzExpr::obj(vec![
                    ("preference", AzExpr::call("int", vec![part(0)])),
                    ("exchange", part(1)),
                ])
            }
            "MX" => {
                let w = words(v)?;
                let [p, x] = w.as_slice() else { return None };
                AzExpr::obj(vec![
                    ("preference", num(p)?),
                    ("exchange", AzExpr::Str(x.clone())),
                ])
            }
            "SRV" => {
                let w = words(v)?;
                let [p, wt, port, t] = w.as_slice() else {
                    return None;
                };
                AzExpr::obj(vec![
                    ("priority", num(p)?),
                    ("weight", num(wt)?),
                    ("port", num(port)?),
                    ("target", AzExpr::Str(t.clone())),
                ])
            }
            "TXT" => AzExpr::obj(vec![(
                "value",
                AzExpr::Array(txt_strings(&lit(v)?).into_iter().map(AzExpr::Str).collect()),
            )]),
            "CAA" if !private => {
                let text = lit(v)?;
                let mut it = text.splitn(3, ' ');
                let (f, tag, value) = (it.next()?, it.next()?, it.next()?);
                AzExpr::obj(vec![
                    ("flags", num(f)?),
                    ("tag", AzExpr::Str(tag.to_string())),
                    ("value", AzExpr::Str(value.trim_matches('"').to_string())),
                ])
            }
            _ => return None,
        });
    }
    Some(match ty {
        "A" => (key("ARecords", "aRecords"), AzExpr::Array(out)),
        "AAAA" => (key("AAAARecords", "aaaaRecords"), AzExpr::Array(out)),
        "CNAME" => (key("CNAMERecord", "cnameRecord"), out.into_iter().next()?),
        "NS" => ("NSRecords".into(), AzExpr::Array(out)),
        "PTR" => (key("PTRRecords", "ptrRecords"), AzExpr::Array(out)),
        "MX" => (key("MXRecords", "mxRecords"), AzExpr::Array(out)),
        "SRV" => (key("SRVRecords", "srvRecords"), AzExpr::Array(out)),
        "TXT" => (key("TXTRecords", "txtRecords"), AzExpr::Array(out)),
        "CAA" => ("caaRecords".into(), AzExpr::Array(out)),
        _ => return None,
    })
}

/// The Azure zone symbol for zone `z` (its first resource), or an `existing` public
/// zone named `name`.
fn zone_symbol(cx: &mut Ctx, zone: &Zone) -> Option<(String, bool)> {
    match zone {
        Zone::Here(z) => {
            let entry = cx.prepared[*z].entry.as_ref()?;
            let first = entry.resources.first()?.symbol.clone();
            Some((cx.resolve_symbol(*z, &first), is_private(cx, *z)))
        }
        Zone::Given(e, label) => {
            let key = format!("existing-zone-given#{label}");
            if let Some(s) = cx.shared.get(&key) {
                return Some((s.clone(), false));
            }
            let name = given_zone_name(cx, e, label);
            let sym = cx.syms.alloc(&crate::names::lower_camel(&format!(
                "{}Zone",
                crate::names::upper_camel(label)
            )));
            cx.shared.insert(key, sym.clone());
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: "Microsoft.Network/dnsZones".into(),
                api: PUBLIC_API.into(),
                name,
                existing: true,
                comments: vec!["The DNS zone the records belong to, migrated from Route 53 into this resource group (the template only adds records to it).".into()],
                ..Default::default()
            });
            Some((sym, false))
        }
        Zone::Elsewhere(name) => {
            let key = format!("existing-zone#{name}");
            if let Some(s) = cx.shared.get(&key) {
                return Some((s.clone(), false));
            }
            let sym = cx.syms.alloc(&crate::names::lower_camel(&format!(
                "{}Zone",
                crate::names::upper_camel(name)
            )));
            cx.shared.insert(key, sym.clone());
            cx.module.resources.push(AzResource {
                symbol: sym.clone(),
                ty: "Microsoft.Network/dnsZones".into(),
                api: PUBLIC_API.into(),
                name: AzExpr::Str(name.clone()),
                existing: true,
                comments: vec![format!("The DNS zone {name}, migrated from Route 53 into this resource group (the template only adds records to it).")],
                ..Default::default()
            });
            Some((sym, false))
        }
    }
}

/// The name of a zone named at deployment: a zone name the source passes as it is
/// (a parameter or another stack's value); a zone id (which Azure does not have) → a
/// parameter for the Azure zone's name.
fn given_zone_name(cx: &mut Ctx, e: &Expr, label: &str) -> AzExpr {
    let by_name = matches!(&e.kind, ExprKind::Ref(n) if cx.t.parameters.iter().any(|p| p.name == *n && p.name.to_ascii_lowercase().contains("name")));
    if by_name {
        return cx.tr(e);
    }
    let p = cx.param_for(&format!("{label}-zone-name"), "string", |p| {
        p.description = Some(format!("Name of the Azure DNS zone (migrated from the Route 53 hosted zone that `{label}` names) that the records are added to, without a trailing dot."));
        p.required_reason = Some("Route 53 names the zone by an id that Azure does not have".into());
    });
    AzExpr::ident(p)
}

/// A record's name in a zone named at deployment: `@` when it is the zone's name, else
/// the name without the zone's suffix (both known only at deployment).
fn relative_given(name: AzExpr, zone: AzExpr) -> AzExpr {
    AzExpr::Cond(
        Box::new(AzExpr::Bin(
            "==",
            Box::new(name.clone()),
            Box::new(zone.clone()),
        )),
        Box::new(AzExpr::str("@")),
        Box::new(AzExpr::call(
            "replace",
            vec![
                name,
                crate::azure::interp(vec![
                    crate::azure::Interp::Lit(".".into()),
                    crate::azure::Interp::Expr(zone),
                ]),
                AzExpr::str(""),
            ],
        )),
    )
}

/// A record's name in its zone: the Azure name (`@` at the apex; an expression in a
/// zone named at deployment) and its text for messages; `None` when the name or the
/// zone's name is not a literal, or the name is outside the zone.
fn record_name(cx: &mut Ctx, zone: &Zone, p: &Expr) -> Option<(AzExpr, String)> {
    let name_text = p.get("Name").and_then(|n| n.literal_text());
    let zname = match zone {
        Zone::Here(z) => zone_name(cx, *z),
        Zone::Elsewhere(n) => Some(n.clone()),
        Zone::Given(..) => None,
    };
    match (zone, name_text.as_deref(), zname.as_deref()) {
        (_, Some(n), Some(z)) => relative(n, z).map(|r| (AzExpr::Str(r.clone()), r)),
        // A zone named at deployment (or whose name is built from variables): a
        // relative literal name as it is; in a zone named at deployment, an absolute
        // one without the zone's suffix at deployment.
        (_, Some(n), None) if !n.ends_with('.') && !n.contains('.') && !n.is_empty() => {
            Some((AzExpr::Str(n.to_ascii_lowercase()), n.to_ascii_lowercase()))
        }
        (Zone::Given(..), _, None) => match p.get("Name") {
            Some(n) => {
                let zsym = zone_symbol(cx, zone);
                let name = match name_text.as_deref() {
                    Some(t) => AzExpr::Str(t.trim_end_matches('.').to_ascii_lowercase()),
                    None => cx.tr(n),
                };
                zsym.map(|(z, _)| {
                    (
                        relative_given(name, AzExpr::path(&z, "name")),
                        name_text.clone().unwrap_or_else(|| n.shown_text()),
                    )
                })
            }
            None => None,
        },
        _ => None,
    }
}

/// The consequences of an alias record to a Front Door endpoint: whether its name is
/// already a custom domain of the profile (the edge pass writes the distribution's
/// aliases).
fn front_door_alias_note(cx: &Ctx, name: Option<&str>) -> &'static str {
    let host = name.map(|n| n.trim_end_matches('.').to_ascii_lowercase());
    let known = host.is_some_and(|h| {
        cx.module.resources.iter().any(|r| {
            r.ty == "Microsoft.Cdn/profiles/customDomains"
                && r.body.iter().any(|(k, v)| {
                    k == "properties" && v.get("hostName") == Some(&AzExpr::Str(h.clone()))
                })
        })
    });
    if known {
        "The name is a custom domain of the endpoint's routes (an alias of the distribution); Front Door serves it once its `_dnsauth` TXT record has validated it and the managed certificate is issued."
    } else {
        "Front Door serves the name only once it is a validated custom domain of the endpoint's route; add the custom domain (with its TXT validation record) before switching the zone's name servers."
    }
}

/// One record set `p` (of resource `i`, or of an element of a record set group when
/// `group`) → an Azure record set; `None` with a decision when it cannot be written.
fn record(cx: &mut Ctx, i: usize, p: &Expr, group: bool) -> Option<(String, String)> {
    let r = cx.t.resources[i].clone();
    let fail = |cx: &mut Ctx, why: &str, what: &str| {
        cx.decide_later(
            i,
            "dns-record-manual",
            &format!("{}: a record set is not translated", r.id),
            &format!("{why}."),
            &format!("The record{what} is not created."),
            "Create it in the Azure DNS zone by hand (Traffic Manager for routing policies, an alias record set for Azure resources).",
            Some("manual"),
        );
        None
    };
    if !group && let Some(cert) = validated_certificate(cx, i, p) {
        not_needed(
            cx,
            i,
            "dns-acm-validation",
            &format!("{}: the ACM validation record is not needed", r.id),
            &format!(
                "The record proves to ACM that the zone's owner asked for the certificate {cert} (DNS validation): its name and value are ACM's validation token."
            ),
            "No record set. On Azure the issuer of the certificate validates the domain its own way: a Key Vault certificate from an integrated CA (DigiCert or GlobalSign) is validated by that CA in your CA account before Key Vault can issue it (see the certificate's decision); an App Service managed certificate is validated through the custom domain's `asuid` TXT record, and a Front Door managed certificate through the custom domain's `_dnsauth` TXT record, each made with its custom domain.",
            "Add the TXT record the Azure issuer asks for once the certificate or custom domain is requested (its value is known only then); the ACM record goes with the Route 53 zone when the ACM certificate is retired.",
        );
        return None;
    }
    let Some(zone) = zone_of(cx, p) else {
        return fail(cx, "It names no hosted zone", "");
    };
    let mut ty = p
        .get("Type")
        .and_then(|t| t.literal_text())
        .unwrap_or_default()
        .to_ascii_uppercase();
    let Some((rel, rel_text)) = record_name(cx, &zone, p) else {
        return fail(
            cx,
            "Its name or its zone's name is not a literal (or the name is outside the zone)",
            "",
        );
    };
    let what = format!(" `{rel_text}` ({ty})");
    for k in [
        "SetIdentifier",
        "Weight",
        "Region",
        "Failover",
        "GeoLocation",
        "MultiValueAnswer",
        "CidrRoutingConfig",
        "GeoProximityLocation",
    ] {
        if p.get(k).is_some() {
            return fail(
                cx,
                &format!(
                    "It uses a Route 53 routing policy ({k}); Azure DNS answers every query the same way, Traffic Manager routes by weight, priority, performance or geography"
                ),
                &what,
            );
        }
    }
    let Some((zsym, private)) = zone_symbol(cx, &zone) else {
        return fail(cx, "Its hosted zone is not translated", &what);
    };
    let mut props = Vec::new();
    if let Some(alias) = p.get("AliasTarget") {
        let referenced = alias.get("DNSName").and_then(|d| cx.referenced_resource(d));
        // A CloudFront distribution that became a Front Door profile: its endpoint.
        let endpoint = referenced
            .filter(|d| cx.plays(*d, "edge", "distribution") && cx.prepared[*d].entry.is_some())
            .map(|d| cx.resolve_symbol(d, "{sym}Endpoint"))
            .filter(|e| cx.module.resources.iter().any(|x| x.symbol == *e));
        if let Some(e) = endpoint.filter(|_| !private && matches!(ty.as_str(), "A" | "AAAA")) {
            // Route 53 answers an alias with the target's TTL (60 s for load balancers and
            // CloudFront); the Azure alias record set keeps its own.
            props.push(("TTL".to_string(), AzExpr::Int(60)));
            props.push((
                "targetResource".to_string(),
                AzExpr::obj(vec![("id", AzExpr::path(&e, "id"))]),
            ));
            cx.decide_later(
                i,
                "dns-alias-front-door",
                &format!("{}: the alias record points at the Front Door endpoint", r.id),
                "Route 53 alias records resolve to an AWS resource's addresses; Azure DNS alias record sets follow an Azure resource.",
                "The record set's target is the endpoint of the Front Door profile that replaces the distribution.",
                front_door_alias_note(cx, p.get("Name").and_then(|n| n.literal_text()).as_deref()),
                None,
            );
        }
        let target = referenced.filter(|l| super::gateways::is_gateway(cx, *l));
        if props.is_empty()
            && target.is_none()
            && let Some((host, decision)) = alias_host(cx, p, referenced)
        {
            if rel_text == "@" {
                return fail(
                    cx,
                    "It is an alias at the zone apex to an API Gateway or S3 website endpoint, which become host names on Azure; a CNAME cannot sit at the apex: put Front Door in front (an alias record set to its endpoint) or alias a public IP",
                    &what,
                );
            }
            if ty == "AAAA" && !group && has_a_alias_twin(cx, i, p) {
                not_needed(
                    cx,
                    i,
                    "dns-alias-aaaa",
                    &format!(
                        "{}: the AAAA alias is answered by the A alias's CNAME",
                        r.id
                    ),
                    "The AAAA alias gave the IPv6 addresses of an API Gateway or S3 website endpoint; the A alias of the same name gave its IPv4 addresses.",
                    &format!(
                        "No record set: the A alias of `{rel_text}` becomes a CNAME to the Azure host name, and a CNAME answers AAAA queries too (with the host's IPv6 addresses where it has any)."
                    ),
                    "A CNAME takes no other record of the same name, so the name cannot keep an AAAA record of its own.",
                );
                return None;
            }
            if ty != "A" {
                return fail(
                    cx,
                    "It is an AAAA alias to an API Gateway or S3 website endpoint; the A alias of the same name becomes a CNAME to the Azure host name, which answers AAAA queries too",
                    &what,
                );
            }
            ty = "CNAME".into();
            props.push((
                if private { "ttl" } else { "TTL" }.to_string(),
                AzExpr::Int(300),
            ));
            props.push((
                if private {
                    "cnameRecord"
                } else {
                    "CNAMERecord"
                }
                .to_string(),
                AzExpr::obj(vec![("cname", host)]),
            ));
            cx.decide_later(
                i,
                "dns-alias-host-name",
                &format!("{}: the alias record becomes a CNAME", r.id),
                "Route 53 alias records resolve to an AWS resource's addresses; the API Gateway or S3 website endpoint it named becomes an Azure host name.",
                &decision,
                "A CNAME cannot be at the zone apex and takes no other record of the same name. The target must accept the host name: add it as a custom domain (API Management `hostnameConfigurations` with a Key Vault certificate; a storage account's custom domain serves HTTP only, use Front Door for HTTPS).",
                None,
            );
        }
        if props.is_empty() {
            let Some(l) = target.filter(|_| !private && matches!(ty.as_str(), "A" | "AAAA")) else {
                return fail(
                    cx,
                    "It is an alias to a resource that has no Azure public IP here (CloudFront, S3 website, API Gateway, a private zone's alias)",
                    &what,
                );
            };
            let pip = format!("{}PublicIp", cx.prepared[l].sym);
            // Route 53 answers an alias with the target's TTL (60 s for load balancers and
            // CloudFront); the Azure alias record set keeps its own.
            props.push(("TTL".to_string(), AzExpr::Int(60)));
            props.push((
                "targetResource".to_string(),
                AzExpr::obj(vec![("id", AzExpr::path(&pip, "id"))]),
            ));
            cx.decide_later(
            i,
            "dns-alias",
            &format!("{}: the alias record points at the gateway's public IP", r.id),
            "Route 53 alias records resolve to an AWS resource's addresses; Azure DNS alias record sets follow an Azure resource.",
            "The record set's target is the public IP of the Application Gateway that replaces the load balancer.",
            "The record follows the IP if it changes; there is no alias to a host name at the zone apex other than Azure resources.",
            None,
        );
        }
    } else {
        let values: Vec<Expr> = p
            .get("ResourceRecords")
            .and_then(|v| v.as_list())
            .map(|v| v.to_vec())
            .unwrap_or_default();
        let listed = match p.get("ResourceRecords") {
            // Name servers known at deployment (a delegated zone's `NameServers`).
            Some(all) if values.is_empty() && ty == "NS" && !private && all.as_list().is_none() => {
                let coll = cx.tr(all);
                let var = cx.syms.alloc("nameServer");
                Some((
                    "NSRecords".to_string(),
                    AzExpr::For(
                        var.clone(),
                        Box::new(coll),
                        Box::new(AzExpr::obj(vec![("nsdname", AzExpr::ident(&var))])),
                    ),
                ))
            }
            _ => None,
        };
        if values.is_empty() && listed.is_none() {
            return fail(cx, "It has no literal record values", &what);
        }
        let Some((key, recs)) = listed.or_else(|| records(cx, &ty, &values, private)) else {
            return fail(
                cx,
                &format!(
                    "Its {ty} values could not be read (or the type has no {} equivalent)",
                    if private { "private zone" } else { "Azure DNS" }
                ),
                &what,
            );
        };
        let ttl = p.get("TTL").map(|t| match t.literal_i64() {
            Some(n) => AzExpr::Int(n),
            None => crate::azure::coerce(cx.tr(t), "int"),
        });
        props.push((
            if private { "ttl" } else { "TTL" }.to_string(),
            ttl.unwrap_or(AzExpr::Int(300)),
        ));
        props.push((key, recs));
    }
    if p.get("HealthCheckId").is_some() {
        cx.decide_later(
            i,
            "dns-health-check",
            &format!("{}: the record's health check is not carried over", r.id),
            "Route 53 stops answering with a record whose health check fails; Azure DNS has no health checks.",
            "The record always answers.",
            "Use Traffic Manager endpoint monitoring for failover.",
            Some("partial"),
        );
    }
    let rtype = if private {
        format!("Microsoft.Network/privateDnsZones/{ty}")
    } else {
        format!("Microsoft.Network/dnsZones/{ty}")
    };
    // A record set takes the symbol reserved for its resource; the sets of a group are
    // named by type (`mailMx`, `mailTxt`).
    let sym = if group {
        let t = ty.to_ascii_lowercase();
        let t: String = t[..1].to_ascii_uppercase() + &t[1..];
        cx.syms.alloc(&format!("{}{t}", cx.prepared[i].sym))
    } else {
        cx.prepared[i].sym.clone()
    };
    let body = vec![(
        "properties".to_string(),
        AzExpr::Object(
            props
                .into_iter()
                .map(|(k, v)| (crate::azure::AzKey::Name(k), v))
                .collect(),
        ),
    )];
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: rtype.clone(),
        api: if private { PRIVATE_API } else { PUBLIC_API }.into(),
        parent: Some(zsym),
        name: rel,
        body,
        comments: vec![format!("Was {} ({}).", r.id, r.ty)],
        source: r.id.clone(),
        ..Default::default()
    });
    Some((rtype, sym))
}

/// Records a decision that record set `i` needs no Azure record, and marks it so.
fn not_needed(
    cx: &mut Ctx,
    i: usize,
    rule: &str,
    title: &str,
    context: &str,
    decision: &str,
    consequences: &str,
) {
    cx.decide_later(i, rule, title, context, decision, consequences, None);
    let id = cx.t.resources[i].id.clone();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = "not-needed".into();
    }
}

/// The ACM certificate of the template whose DNS validation record `p` (of resource
/// `i`, possibly repeated over the certificate's validation options) is, as the
/// decisions name it.
fn validated_certificate(cx: &Ctx, i: usize, p: &Expr) -> Option<String> {
    let each = cx.t.resources[i].for_each.as_ref().map(|f| &f.collection);
    // A reference to the certificate's validation options (`DomainValidationOptions`,
    // Terraform's `domain_validation_options`).
    let reads = |e: &Expr, id: &str| {
        let mut found = false;
        e.walk(&mut |x| {
            if let ExprKind::GetAtt {
                resource,
                attribute,
            } = &x.kind
            {
                found |= resource == id
                    && attribute
                        .to_ascii_lowercase()
                        .replace('_', "")
                        .starts_with("domainvalidationoptions");
            }
        });
        found
    };
    let c = (0..cx.t.resources.len()).find(|c| {
        let id = &cx.t.resources[*c].id;
        cx.plays(*c, "load-balancers", "certificate")
            && (["Name", "ResourceRecords"]
                .iter()
                .any(|k| p.get(k).is_some_and(|x| reads(x, id)))
                || each.is_some_and(|e| reads(e, id)))
    })?;
    Some(format!("`{}`", cx.t.report_name(&cx.t.resources[c].id)))
}

/// Whether another record set of the template is an A alias of the same name in the
/// same zone as record set `p` (of resource `i`).
fn has_a_alias_twin(cx: &Ctx, i: usize, p: &Expr) -> bool {
    let text = |q: &Expr, k: &str| q.get(k).map(|x| x.shown_text());
    (0..cx.t.resources.len()).any(|j| {
        let q = &cx.t.resources[j].properties;
        j != i
            && cx.plays(j, PASS, "record")
            && q.get("AliasTarget").is_some()
            && q.get("Type")
                .and_then(|t| t.literal_text())
                .is_some_and(|t| t.eq_ignore_ascii_case("A"))
            && ["Name", "HostedZoneId", "HostedZoneName"]
                .iter()
                .all(|k| text(q, k) == text(p, k))
    })
}

/// The Azure host name an alias record's target becomes, with the decision's text: the
/// gateway of the template's API Management instance for an API Gateway API or custom
/// domain, the static website endpoint of the storage account that replaces an S3
/// website bucket named like the record.
fn alias_host(cx: &Ctx, p: &Expr, referenced: Option<usize>) -> Option<(AzExpr, String)> {
    let apim: Vec<&AzResource> = cx
        .module
        .resources
        .iter()
        .filter(|r| r.ty == "Microsoft.ApiManagement/service" && !r.existing)
        .collect();
    if let Some(j) = referenced
        && (cx.t.resources[j].ty.starts_with("AWS::ApiGateway")
            || cx.t.resources[j].ty == "AWS::Serverless::Api")
        && let [svc] = apim.as_slice()
    {
        return Some((
            AzExpr::Interp(vec![
                crate::azure::Interp::Expr(AzExpr::path(&svc.symbol, "name")),
                crate::azure::Interp::Lit(".azure-api.net".into()),
            ]),
            format!(
                "A CNAME record set to the gateway host name of the API Management instance `{}` (`<instance>.azure-api.net`) that serves the API.",
                svc.symbol
            ),
        ));
    }
    // An S3 website endpoint: the alias names the region's website domain, the record
    // the bucket (a website bucket must be named like the host it serves).
    let dns = p.get("AliasTarget")?.get("DNSName")?;
    let website = match referenced {
        Some(j) => cx.t.resources[j].ty == "AWS::S3::Bucket",
        None => dns
            .literal_text()
            .is_some_and(|t| t.trim_start_matches("dualstack.").starts_with("s3-website")),
    };
    if !website {
        return None;
    }
    let bucket = referenced.or_else(|| {
        let name = p.get("Name")?.literal_text()?;
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        cx.t.resources.iter().position(|b| {
            b.ty == "AWS::S3::Bucket"
                && b.properties
                    .get("BucketName")
                    .and_then(|n| n.literal_text())
                    .is_some_and(|n| n.to_ascii_lowercase() == name)
        })
    })?;
    cx.t.resources[bucket]
        .properties
        .get("WebsiteConfiguration")?;
    let spec = cx.prepared[bucket].entry.as_ref()?.resources.first()?;
    let sym = cx.resolve_symbol(bucket, &spec.symbol);
    cx.module
        .resources
        .iter()
        .any(|r| r.symbol == sym && r.ty == "Microsoft.Storage/storageAccounts")
        .then(|| {
            // `https://<account>.z<n>.web.core.windows.net/` → its host.
            let web = AzExpr::path(&sym, "properties.primaryEndpoints.web");
            let host = AzExpr::Index(
                Box::new(AzExpr::call("split", vec![web, AzExpr::str("/")])),
                Box::new(AzExpr::Int(2)),
            );
            (
                host,
                format!(
                    "A CNAME record set to the static website host of the storage account `{sym}` that replaces the bucket (the host of `primaryEndpoints.web`)."
                ),
            )
        })
}

/// After mapping: the record sets of the template, and the links of private zones to
/// their VPCs' virtual networks.
pub fn finish(cx: &mut Ctx) {
    for z in 0..cx.t.resources.len() {
        if !cx.plays(z, PASS, "zone") || !is_private(cx, z) || cx.prepared[z].entry.is_none() {
            continue;
        }
        let Some((zsym, _)) = zone_symbol(cx, &Zone::Here(z)) else {
            continue;
        };
        let vpcs: Vec<Expr> = cx.t.resources[z]
            .properties
            .get("VPCs")
            .and_then(|v| v.as_list())
            .map(|v| v.to_vec())
            .unwrap_or_default();
        for (n, v) in vpcs.iter().enumerate() {
            let Some(vnet) = v
                .get("VPCId")
                .and_then(|x| cx.referenced_resource(x))
                .filter(|x| {
                    cx.prepared[*x]
                        .entry
                        .as_ref()
                        .is_some_and(|e| !e.resources.is_empty())
                })
            else {
                let id = cx.t.resources[z].id.clone();
                cx.decide_later(
                    z,
                    "dns-zone-link",
                    &format!("{id}: a VPC of the private zone is outside the template"),
                    "A private hosted zone answers in the VPCs it is associated with; a private DNS zone answers in the virtual networks linked to it.",
                    "No link is created for that VPC.",
                    "Link the zone to the virtual network that replaces it (Microsoft.Network/privateDnsZones/virtualNetworkLinks).",
                    Some("partial"),
                );
                continue;
            };
            let vsym = cx.prepared[vnet].sym.clone();
            let sym = cx.syms.alloc(&format!(
                "{zsym}Link{}",
                if n == 0 { String::new() } else { n.to_string() }
            ));
            cx.module.resources.push(AzResource {
                symbol: sym,
                ty: crate::azure::types::PRIVATE_DNS_ZONE_LINK.ty.into(),
                api: PRIVATE_API.into(),
                parent: Some(zsym.clone()),
                name: AzExpr::Str(format!("link-{}", kebab(&cx.t.resources[vnet].id))),
                location: Some(AzExpr::str("global")),
                body: vec![(
                    "properties".into(),
                    AzExpr::obj(vec![
                        ("registrationEnabled", AzExpr::Bool(false)),
                        (
                            "virtualNetwork",
                            AzExpr::obj(vec![("id", AzExpr::path(&vsym, "id"))]),
                        ),
                    ]),
                )],
                source: cx.t.resources[z].id.clone(),
                ..Default::default()
            });
        }
    }
    // The record sets of each record set and group.
    let mut all: Vec<(usize, Vec<Expr>, bool)> = Vec::new();
    for i in 0..cx.t.resources.len() {
        if cx.prepared[i].entry.is_none() {
            continue;
        }
        let sets: Vec<Expr> = if cx.plays(i, PASS, "record") {
            vec![cx.t.resources[i].properties.clone()]
        } else if cx.plays(i, PASS, "record-group") {
            let p = cx.t.resources[i].properties.clone();
            p.get("RecordSets")
                .and_then(|l| l.as_list())
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    // The group's zone applies to each set.
                    let mut s = s.clone();
                    if let crate::model::expr::ExprKind::Object(m) = &mut s.kind {
                        for k in ["HostedZoneId", "HostedZoneName"] {
                            if let Some(v) = p.get(k)
                                && !m.iter().any(|(x, _, _)| x == k)
                            {
                                m.push((k.to_string(), v.span, v.clone()));
                            }
                        }
                    }
                    s
                })
                .collect()
        } else {
            continue;
        };
        all.push((i, sets, cx.plays(i, PASS, "record-group")));
    }
    // Record sets with routing policies, grouped by zone, name and type: each group
    // becomes one Traffic Manager profile, written where its first set is.
    let mut groups: std::collections::BTreeMap<String, Vec<(usize, usize)>> = Default::default();
    for (a, (_, sets, _)) in all.iter().enumerate() {
        for (k, s) in sets.iter().enumerate() {
            if routing::is_routed(s) {
                let key = routing::group_key(cx, s).unwrap_or_else(|| format!("#{a}.{k}"));
                groups.entry(key).or_default().push((a, k));
            }
        }
    }
    let routed: std::collections::BTreeSet<(usize, usize)> =
        groups.values().flatten().copied().collect();
    let firsts: std::collections::BTreeMap<(usize, usize), Vec<(usize, usize)>> =
        groups.into_values().map(|m| (m[0], m)).collect();
    for (a, (i, sets, group)) in all.iter().enumerate() {
        let (i, group) = (*i, *group);
        let mut made = Vec::new();
        for (k, s) in sets.iter().enumerate() {
            if routed.contains(&(a, k)) {
                if let Some(m) = firsts.get(&(a, k)) {
                    let members: Vec<routing::Member> = m
                        .iter()
                        .map(|(a, k)| routing::Member {
                            i: all[*a].0,
                            p: all[*a].1[*k].clone(),
                        })
                        .collect();
                    routing::emit(cx, &members);
                }
                continue;
            }
            if let Some(x) = record(cx, i, s, group) {
                made.push(x);
            }
        }
        let id = cx.t.resources[i].id.clone();
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
            rep.azure.extend(made);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn names_relative_to_the_zone() {
        let z = "example.com";
        assert_eq!(relative("example.com.", z).as_deref(), Some("@"));
        assert_eq!(relative("Example.com", z).as_deref(), Some("@"));
        assert_eq!(relative("www.example.com.", z).as_deref(), Some("www"));
        assert_eq!(
            relative("_sip._tcp.example.com", z).as_deref(),
            Some("_sip._tcp")
        );
        // Terraform: already relative, or the apex.
        assert_eq!(relative("www", z).as_deref(), Some("www"));
        assert_eq!(relative("", z).as_deref(), Some("@"));
        // Outside the zone.
        assert_eq!(relative("www.example.org.", z), None);
        assert_eq!(relative("api.partner.example.org", z), None);
        assert_eq!(relative("www.", z), None);
        assert_eq!(relative("notexample.com", z), None);
    }
}
