//! Route 53 routing policies → Azure Traffic Manager.
//!
//! The record sets of one zone that share a name and type and carry a routing policy
//! (weighted, failover, latency, geolocation, multivalue answer) become one Traffic
//! Manager profile with an endpoint per record: an external endpoint for a literal
//! value or a Front Door endpoint's host name, an Azure endpoint for a public IP the
//! run created (the Application Gateway or load balancer of an alias). The zone keeps
//! one record set for the name: a CNAME to the profile's name, or at the apex (where a
//! CNAME is not allowed) an alias record set to the profile. The health checks the
//! records name become the profile's monitor settings.

use super::{PUBLIC_API, Zone, is_private, record_name, relative, zone_name, zone_of, zone_symbol};
use crate::azure::types::{
    TRAFFIC_MANAGER_AZURE_ENDPOINT, TRAFFIC_MANAGER_EXTERNAL_ENDPOINT, TRAFFIC_MANAGER_PROFILE,
};
use crate::azure::{AzExpr, AzKey, AzResource, Interp};
use crate::mapping::context::Ctx;
use crate::model::expr::Expr;
use crate::names::kebab;

const RULE: &str = "dns-routing-traffic-manager";
const HEALTH_CHECK_RULE: &str = "dns-health-check-traffic-manager";

/// A record set of a routed group: its resource (a record set or a record set group)
/// and its properties (with the group's zone).
pub(super) struct Member {
    pub i: usize,
    pub p: Expr,
}

/// Does record set `p` carry a routing policy Traffic Manager can take? (CIDR and
/// geoproximity routing stay record-set decisions.)
pub(super) fn is_routed(p: &Expr) -> bool {
    [
        "SetIdentifier",
        "Weight",
        "Region",
        "Failover",
        "GeoLocation",
        "MultiValueAnswer",
    ]
    .iter()
    .any(|k| p.get(k).is_some_and(|v| !v.is_null()))
        && p.get("CidrRoutingConfig").is_none()
        && p.get("GeoProximityLocation").is_none()
}

/// The key of the group record set `p` belongs to: its zone, name and type; `None`
/// when the name is not a literal (the set is then a group of its own).
pub(super) fn group_key(cx: &Ctx, p: &Expr) -> Option<String> {
    let zone = zone_of(cx, p)?;
    let name = p.get("Name")?.literal_text()?;
    let ty = p.get("Type")?.literal_text()?.to_ascii_uppercase();
    let (zkey, rel) = match &zone {
        Zone::Here(z) => (format!("#{z}"), relative(&name, &zone_name(cx, *z)?)?),
        Zone::Elsewhere(n) => (n.clone(), relative(&name, n)?),
        Zone::Given(_, label) => (
            format!("?{label}"),
            name.trim_end_matches('.').to_ascii_lowercase(),
        ),
    };
    Some(format!("{zkey}|{rel}|{ty}"))
}

/// The Traffic Manager routing method of record set `p`, and the Route 53 policy's name.
fn method(p: &Expr) -> Option<(&'static str, &'static str)> {
    if p.get("Weight").is_some() {
        Some(("Weighted", "weighted"))
    } else if p.get("Failover").is_some() {
        Some(("Priority", "failover"))
    } else if p.get("Region").is_some() {
        Some(("Performance", "latency"))
    } else if p.get("GeoLocation").is_some() {
        Some(("Geographic", "geolocation"))
    } else if p.get("MultiValueAnswer").and_then(|v| v.literal_bool()) == Some(true) {
        Some(("MultiValue", "multivalue answer"))
    } else {
        None
    }
}

/// The Traffic Manager geographic codes of a Route 53 `GeoLocation`: continents →
/// Traffic Manager regions (Route 53's Asia includes the Middle East, a region of its
/// own in Traffic Manager), countries kept, subdivisions `CC-SS`, `*` → `WORLD`.
fn geo_codes(g: &Expr) -> Result<Vec<String>, String> {
    let lit = |k: &str| g.get(k).and_then(|v| v.literal_text());
    if let Some(c) = lit("ContinentCode") {
        let codes: &[&str] = match c.to_ascii_uppercase().as_str() {
            "AF" => &["GEO-AF"],
            "AN" => &["GEO-AN"],
            "AS" => &["GEO-AS", "GEO-ME"],
            "EU" => &["GEO-EU"],
            "OC" => &["GEO-AP"],
            "NA" => &["GEO-NA"],
            "SA" => &["GEO-SA"],
            _ => return Err(format!("its continent code `{c}` is not one of Route 53's")),
        };
        return Ok(codes.iter().map(|s| s.to_string()).collect());
    }
    let Some(country) = lit("CountryCode") else {
        return Err("its geolocation is not a literal continent or country code".into());
    };
    if country == "*" {
        return Ok(vec!["WORLD".into()]);
    }
    let country = country.to_ascii_uppercase();
    Ok(vec![match lit("SubdivisionCode") {
        Some(s) => format!("{country}-{}", s.to_ascii_uppercase()),
        None => country,
    }])
}

/// One endpoint of the profile.
struct Endpoint {
    /// The member it comes from.
    member: usize,
    name: AzExpr,
    /// An Azure endpoint (a public IP) rather than an external one.
    azure: bool,
    target: AzExpr,
    props: Vec<(&'static str, AzExpr)>,
}

/// The monitor settings of the profile: the properties and a sentence for the decision.
struct Monitor {
    props: Vec<(&'static str, AzExpr)>,
    text: String,
    /// The health check they come from.
    from: Option<usize>,
}

/// Translates as inside resource `i` (its loop variable): returns what to restore.
#[allow(clippy::type_complexity)]
fn in_member(cx: &mut Ctx, i: usize) -> (Option<(String, String)>, Option<usize>) {
    let lv = cx.t.resources[i]
        .for_each
        .as_ref()
        .map(|f| (f.ident.clone(), crate::names::lower_camel(&f.ident)));
    (
        std::mem::replace(&mut cx.loop_var, lv),
        cx.current.replace(i),
    )
}

fn health_check(cx: &Ctx, p: &Expr) -> Option<usize> {
    p.get("HealthCheckId")
        .and_then(|h| cx.referenced_resource(h))
        .filter(|h| cx.plays(*h, super::PASS, "health-check"))
}

/// The monitor settings of health check `h` (`None` for a type Traffic Manager cannot
/// probe: calculated, CloudWatch alarm and recovery-control checks).
fn monitor_of(cx: &mut Ctx, h: usize) -> Option<Monitor> {
    let r = cx.t.resources[h].clone();
    let c = r.properties.get("HealthCheckConfig")?;
    let ty = c.get("Type")?.literal_text()?.to_ascii_uppercase();
    let protocol = match ty.as_str() {
        "HTTP" | "HTTP_STR_MATCH" => "HTTP",
        "HTTPS" | "HTTPS_STR_MATCH" => "HTTPS",
        "TCP" => "TCP",
        _ => return None,
    };
    let port = match c.get("Port") {
        Some(p) => match p.literal_i64() {
            Some(n) => AzExpr::Int(n),
            None => crate::azure::coerce(cx.tr(p), "int"),
        },
        None if protocol == "HTTPS" => AzExpr::Int(443),
        None if protocol == "HTTP" => AzExpr::Int(80),
        None => return None,
    };
    let interval = match c.get("RequestInterval").and_then(|v| v.literal_i64()) {
        Some(10) => 10,
        _ => 30,
    };
    let threshold = c
        .get("FailureThreshold")
        .and_then(|v| v.literal_i64())
        .unwrap_or(3);
    let tolerated = (threshold - 1).clamp(0, 9);
    let timeout = if interval == 10 { 9 } else { 10 };
    let mut props = vec![("protocol", AzExpr::str(protocol)), ("port", port.clone())];
    let mut path_text = String::new();
    if protocol != "TCP" {
        let path = c
            .get("ResourcePath")
            .and_then(|v| v.literal_text())
            .unwrap_or_else(|| "/".into());
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        path_text = format!(" at `{path}`");
        props.push(("path", AzExpr::Str(path)));
    }
    props.push(("intervalInSeconds", AzExpr::Int(interval)));
    props.push(("timeoutInSeconds", AzExpr::Int(timeout)));
    props.push(("toleratedNumberOfFailures", AzExpr::Int(tolerated)));
    let port_text = match &port {
        AzExpr::Int(n) => n.to_string(),
        _ => "its port".into(),
    };
    let mut text = format!(
        "The profile probes as health check {} did: {protocol} on port {port_text}{path_text} every {interval} s, an endpoint failing after {threshold} consecutive failed probes ({tolerated} tolerated), with a {timeout} s timeout (Route 53 waits up to 4 s to connect and 2 s for the response)",
        cx.t.report_name(&r.id)
    );
    if ty.ends_with("_STR_MATCH") {
        text.push_str("; Traffic Manager does not look for the check's search string in the response (it checks the status code only)");
    }
    if c.get("Inverted").and_then(|v| v.literal_bool()) == Some(true) {
        text.push_str("; the check was inverted, which Traffic Manager cannot do");
    }
    text.push('.');
    Some(Monitor {
        props,
        text,
        from: Some(h),
    })
}

fn default_monitor(why: &str) -> Monitor {
    Monitor {
        props: vec![
            ("protocol", AzExpr::str("HTTPS")),
            ("port", AzExpr::Int(443)),
            ("path", AzExpr::str("/")),
            ("intervalInSeconds", AzExpr::Int(30)),
            ("timeoutInSeconds", AzExpr::Int(10)),
            ("toleratedNumberOfFailures", AzExpr::Int(2)),
        ],
        text: format!(
            "{why}: the profile has Traffic Manager's default probe (HTTPS on port 443 at `/` every 30 s); adjust it to a path the endpoints serve."
        ),
        from: None,
    }
}

/// Writes the members of one routed group as a Traffic Manager profile; when they
/// cannot be, each gets a manual decision saying why.
pub(super) fn emit(cx: &mut Ctx, members: &[Member]) {
    if let Err(why) = profile(cx, members) {
        for m in members {
            let r = cx.t.resources[m.i].clone();
            let name =
                m.p.get("Name")
                    .and_then(|n| n.literal_text())
                    .unwrap_or_else(|| "its name".into());
            let ty =
                m.p.get("Type")
                    .and_then(|t| t.literal_text())
                    .unwrap_or_default();
            cx.decide_later(
                m.i,
                "dns-record-manual",
                &format!("{}: a record set is not translated", r.id),
                &format!("It uses a Route 53 routing policy, which becomes a Traffic Manager profile, but {why}."),
                &format!("The record `{}` ({ty}) and its routing are not created.", name.trim_end_matches('.')),
                "Create a Traffic Manager profile with an endpoint per record and a record set pointing at it by hand (or route inside the network with a load balancer).",
                Some("manual"),
            );
        }
    }
}

/// The profile, its endpoints and the zone's record set for `members`.
fn profile(cx: &mut Ctx, members: &[Member]) -> Result<(), String> {
    let first = &members[0].p;
    let zone = zone_of(cx, first).ok_or("it names no hosted zone")?;
    if let Zone::Here(z) = &zone
        && is_private(cx, *z)
    {
        return Err("its zone is private, and Traffic Manager answers public DNS queries only (a private DNS zone cannot alias or CNAME to a profile that routes inside the virtual network)".into());
    }
    let ty = first
        .get("Type")
        .and_then(|t| t.literal_text())
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !matches!(ty.as_str(), "A" | "AAAA" | "CNAME") {
        return Err(format!(
            "its type is {ty}, and Traffic Manager endpoints are addresses or host names (A, AAAA, CNAME)"
        ));
    }
    let (tm_method, policy) = method(first).ok_or(
        "it has a set identifier but no weight, failover, region, geolocation or multivalue answer",
    )?;
    if let Some(m) = members
        .iter()
        .find(|m| method(&m.p).map(|x| x.0) != Some(tm_method))
    {
        return Err(format!(
            "the record sets of the name mix routing policies ({} uses another than {policy})",
            cx.t.report_name(&cx.t.resources[m.i].id)
        ));
    }
    let name_text = first
        .get("Name")
        .and_then(|n| n.literal_text())
        .ok_or("its name is not a literal")?;
    let (rel, rel_text) =
        record_name(cx, &zone, first).ok_or("its name or its zone's name is not a literal")?;
    let apex = rel_text == "@";
    if apex && ty == "CNAME" {
        return Err("it is a CNAME at the zone apex".into());
    }
    let zone_text = match &zone {
        Zone::Here(z) => zone_name(cx, *z).unwrap_or_default(),
        Zone::Elsewhere(n) => n.clone(),
        Zone::Given(_, label) => label.clone(),
    };
    let host = match &zone {
        // A zone named at deployment: the name as written.
        Zone::Given(..) if name_text.contains('.') => name_text.trim_end_matches('.').to_string(),
        _ if apex => zone_text.clone(),
        _ => format!("{rel_text}.{zone_text}"),
    };

    // Endpoints.
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut front_doors = false;
    let mut always: Vec<bool> = Vec::new();
    for (n, m) in members.iter().enumerate() {
        let p = &m.p;
        // A repeated record (`for_each`) is a repeated endpoint: its values read the loop.
        let saved = in_member(cx, m.i);
        let set_id = p
            .get("SetIdentifier")
            .and_then(|s| s.literal_text())
            .map(|s| kebab(&s))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("endpoint-{}", n + 1));
        let set_name = match p.get("SetIdentifier") {
            // Endpoint names take no dots (a set identifier is often an address).
            Some(e) if e.literal_text().is_none() && cx.loop_var.is_some() => AzExpr::call(
                "replace",
                vec![cx.tr(e), AzExpr::str("."), AzExpr::str("-")],
            ),
            _ => AzExpr::Str(set_id.clone()),
        };
        let evaluates = p
            .get("AliasTarget")
            .and_then(|a| a.get("EvaluateTargetHealth"))
            .and_then(|v| v.literal_bool())
            == Some(true);
        always.push(p.get("HealthCheckId").is_none() && !evaluates);
        let mut targets: Vec<(bool, AzExpr)> = Vec::new();
        if let Some(alias) = p.get("AliasTarget") {
            let referenced = alias.get("DNSName").and_then(|d| cx.referenced_resource(d));
            let has = |cx: &Ctx, s: &str| cx.module.resources.iter().any(|x| x.symbol == s);
            let pip = referenced
                .map(|l| cx.resolve_symbol(l, "{sym}PublicIp"))
                .filter(|s| has(cx, s));
            let front_door = referenced
                .filter(|d| cx.plays(*d, "edge", "distribution") && cx.prepared[*d].entry.is_some())
                .map(|d| cx.resolve_symbol(d, "{sym}Endpoint"))
                .filter(|s| has(cx, s));
            if let Some(pip) = pip {
                // An alias record set at the apex needs a profile of address endpoints.
                targets.push(if apex {
                    (false, AzExpr::path(&pip, "properties.ipAddress"))
                } else {
                    (true, AzExpr::path(&pip, "id"))
                });
            } else if let Some(e) = front_door {
                if apex {
                    return Err("an alias at the zone apex targets a Front Door endpoint, and an apex alias record set to a Traffic Manager profile needs address endpoints".into());
                }
                targets.push((false, AzExpr::path(&e, "properties.hostName")));
                front_doors = true;
            } else {
                return Err(format!(
                    "{} is an alias to a resource that has no Azure public IP or Front Door endpoint here",
                    cx.t.report_name(&cx.t.resources[m.i].id)
                ));
            }
        } else {
            let values: Vec<Expr> = p
                .get("ResourceRecords")
                .and_then(|v| v.as_list())
                .map(|v| v.to_vec())
                .unwrap_or_default();
            if values.is_empty() {
                return Err(format!(
                    "{} has no record values",
                    cx.t.report_name(&cx.t.resources[m.i].id)
                ));
            }
            for v in &values {
                let t = cx.tr(v);
                targets.push((false, t));
            }
        }
        (cx.loop_var, cx.current) = saved;
        if tm_method == "Geographic" && targets.len() > 1 {
            return Err(format!(
                "the geolocation record set {set_id} has several values, and Traffic Manager maps a region to one endpoint"
            ));
        }
        let several = targets.len() > 1;
        for (k, (azure, target)) in targets.into_iter().enumerate() {
            endpoints.push(Endpoint {
                member: n,
                name: if several {
                    AzExpr::Str(format!("{set_id}-{}", k + 1))
                } else {
                    set_name.clone()
                },
                azure,
                target,
                props: Vec::new(),
            });
        }
    }

    // Routing settings of each endpoint.
    match tm_method {
        "Weighted" => {
            let weights: Vec<Option<i64>> = members
                .iter()
                .map(|m| m.p.get("Weight").and_then(|w| w.literal_i64()))
                .collect();
            let any_positive = weights.iter().any(|w| w.is_none_or(|w| w > 0));
            for e in &mut endpoints {
                let w = &members[e.member].p.get("Weight");
                match weights[e.member] {
                    Some(0) if any_positive => {
                        e.props.push(("endpointStatus", AzExpr::str("Disabled")));
                        e.props.push(("weight", AzExpr::Int(1)));
                    }
                    Some(n) => e.props.push(("weight", AzExpr::Int(n.clamp(1, 1000)))),
                    None => {
                        let v = cx.tr(w.expect("a weighted record has a weight"));
                        e.props.push(("weight", crate::azure::coerce(v, "int")));
                    }
                }
            }
        }
        "Priority" => {
            let rank = |m: &Member| {
                m.p.get("Failover")
                    .and_then(|f| f.literal_text())
                    .is_some_and(|f| f.eq_ignore_ascii_case("SECONDARY")) as u8
            };
            let mut order: Vec<usize> = (0..endpoints.len()).collect();
            order.sort_by_key(|k| rank(&members[endpoints[*k].member]));
            for (pos, k) in order.into_iter().enumerate() {
                endpoints[k]
                    .props
                    .push(("priority", AzExpr::Int(pos as i64 + 1)));
            }
        }
        "Performance" => {
            for e in &mut endpoints {
                // An Azure endpoint takes its resource's region.
                if e.azure {
                    continue;
                }
                let region = members[e.member].p.get("Region").cloned();
                let Some(region) = region else { continue };
                let loc = match region.literal_text() {
                    Some(r) => AzExpr::Str(
                        cx.tables
                            .lookup_str("regions", &r, "location")
                            .ok_or(format!("its region `{r}` is not in the regions table"))?,
                    ),
                    None => cx.tr(&region),
                };
                e.props.push(("endpointLocation", loc));
            }
        }
        "Geographic" => {
            let mut seen: Vec<String> = Vec::new();
            for e in &mut endpoints {
                let g = members[e.member]
                    .p
                    .get("GeoLocation")
                    .cloned()
                    .ok_or("a record set has no geolocation")?;
                let codes = geo_codes(&g)?;
                if let Some(c) = codes.iter().find(|c| seen.contains(c)) {
                    return Err(format!("two record sets map the location `{c}`"));
                }
                seen.extend(codes.iter().cloned());
                e.props.push((
                    "geoMapping",
                    AzExpr::Array(codes.into_iter().map(AzExpr::Str).collect()),
                ));
            }
        }
        _ => {}
    }
    for e in &mut endpoints {
        if always[e.member] {
            e.props.push(("alwaysServe", AzExpr::str("Enabled")));
        }
    }

    // Monitor settings: the first health check of the template the records name.
    let checks: Vec<usize> = {
        let mut v: Vec<usize> = Vec::new();
        for m in members {
            if let Some(h) = health_check(cx, &m.p)
                && !v.contains(&h)
            {
                v.push(h);
            }
        }
        v
    };
    let outside = members
        .iter()
        .any(|m| m.p.get("HealthCheckId").is_some() && health_check(cx, &m.p).is_none());
    let mut probed = None;
    for h in &checks {
        if let Some(m) = monitor_of(cx, *h) {
            probed = Some(m);
            break;
        }
    }
    let monitor = match (probed, checks.first()) {
        (Some(m), _) => m,
        (None, Some(h)) => default_monitor(&format!(
            "Health check {} is a calculated, CloudWatch alarm or recovery-control check, which Traffic Manager cannot probe",
            cx.t.report_name(&cx.t.resources[*h].id)
        )),
        (None, None) if outside => {
            default_monitor("The records name health checks that are not in the template")
        }
        (None, None) if always.iter().all(|a| *a) => default_monitor(
            "No record names a health check, so every endpoint always serves (alwaysServe), as Route 53 answered with records that have no health check",
        ),
        (None, None) => default_monitor(
            "No record names a health check (the aliases that evaluated their target's health are probed; the other endpoints always serve)",
        ),
    };

    // The profile: none of its resources is written before here.
    let (zsym, _) = zone_symbol(cx, &zone).ok_or("its hosted zone is not translated")?;
    let ttl = first
        .get("TTL")
        .map(|t| match t.literal_i64() {
            Some(n) => AzExpr::Int(n),
            None => crate::azure::coerce(cx.tr(t), "int"),
        })
        .unwrap_or(AzExpr::Int(if first.get("AliasTarget").is_some() {
            60
        } else {
            300
        }));
    let label = kebab(&host.replace('.', "-"));
    let label: String = label.chars().take(40).collect();
    let label = label.trim_end_matches('-').to_string();
    let base = match &zone {
        _ if apex => "apex".to_string(),
        Zone::Given(..) => host.clone(),
        _ => rel_text.clone(),
    };
    let psym = cx
        .syms
        .alloc(&crate::names::lower_camel(&crate::names::upper_camel(
            &format!("{base}-traffic-manager"),
        )));
    let pname = format!("tm-{label}");
    cx.needs_suffix = true;
    let mut props = vec![
        ("trafficRoutingMethod", AzExpr::str(tm_method)),
        (
            "dnsConfig",
            AzExpr::obj(vec![
                (
                    "relativeName",
                    AzExpr::Interp(vec![
                        Interp::Lit(format!("{label}-")),
                        Interp::Expr(AzExpr::ident("nameSuffix")),
                    ]),
                ),
                ("ttl", ttl.clone()),
            ]),
        ),
        ("monitorConfig", AzExpr::obj(monitor.props.clone())),
    ];
    if tm_method == "MultiValue" {
        // Route 53 answers with up to eight healthy records.
        props.push(("maxReturn", AzExpr::Int(8)));
    }
    let first_r = cx.t.resources[members[0].i].clone();
    cx.module.resources.push(AzResource {
        symbol: psym.clone(),
        ty: TRAFFIC_MANAGER_PROFILE.ty.into(),
        api: TRAFFIC_MANAGER_PROFILE.api.into(),
        name: AzExpr::Str(pname.clone()),
        location: Some(AzExpr::str("global")),
        body: vec![("properties".into(), AzExpr::obj(props))],
        comments: vec![format!(
            "The {policy} routing of `{host}` ({ty}), from Route 53 record sets with routing policies."
        )],
        source: first_r.id.clone(),
        ..Default::default()
    });
    let mut made: Vec<Vec<(String, String)>> = vec![Vec::new(); members.len()];
    made[0].push((TRAFFIC_MANAGER_PROFILE.ty.into(), psym.clone()));
    for e in &endpoints {
        let kind = if e.azure {
            TRAFFIC_MANAGER_AZURE_ENDPOINT
        } else {
            TRAFFIC_MANAGER_EXTERNAL_ENDPOINT
        };
        let label = match &e.name {
            AzExpr::Str(s) => s.clone(),
            _ => cx.t.resources[members[e.member].i].id.clone(),
        };
        let sym = cx
            .syms
            .alloc(&format!("{psym}{}", crate::names::upper_camel(&label)));
        let mut p: Vec<(&str, AzExpr)> = vec![(
            if e.azure {
                "targetResourceId"
            } else {
                "target"
            },
            e.target.clone(),
        )];
        p.extend(e.props.iter().cloned());
        let m = &members[e.member];
        let r = cx.t.resources[m.i].clone();
        let condition = r.condition.as_ref().map(|(c, _)| cx.condition_ref(c));
        let saved = in_member(cx, m.i);
        let for_each = r
            .for_each
            .as_ref()
            .map(|f| (crate::names::lower_camel(&f.ident), cx.tr(&f.collection)));
        (cx.loop_var, cx.current) = saved;
        let src = r.id.clone();
        cx.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: kind.ty.into(),
            api: kind.api.into(),
            parent: Some(psym.clone()),
            name: e.name.clone(),
            condition,
            for_each,
            body: vec![("properties".into(), AzExpr::obj(p))],
            comments: vec![format!(
                "Was {} ({}).",
                cx.t.report_name(&src),
                cx.t.resources[m.i].ty
            )],
            source: src,
            ..Default::default()
        });
        made[e.member].push((kind.ty.into(), sym));
    }

    // The zone's record set for the name.
    let rtype = if apex { ty.clone() } else { "CNAME".into() };
    let rsym = if cx.plays(members[0].i, super::PASS, "record") {
        cx.prepared[members[0].i].sym.clone()
    } else {
        let t = rtype.to_ascii_lowercase();
        let t: String = t[..1].to_ascii_uppercase() + &t[1..];
        cx.syms
            .alloc(&format!("{}{t}", cx.prepared[members[0].i].sym))
    };
    let record = if apex {
        (
            "targetResource",
            AzExpr::obj(vec![("id", AzExpr::path(&psym, "id"))]),
        )
    } else {
        (
            "CNAMERecord",
            AzExpr::obj(vec![(
                "cname",
                AzExpr::path(&psym, "properties.dnsConfig.fqdn"),
            )]),
        )
    };
    let full_rtype = format!("Microsoft.Network/dnsZones/{rtype}");
    cx.module.resources.push(AzResource {
        symbol: rsym.clone(),
        ty: full_rtype.clone(),
        api: PUBLIC_API.into(),
        parent: Some(zsym),
        name: rel,
        body: vec![(
            "properties".into(),
            AzExpr::Object(vec![
                (AzKey::Name("TTL".into()), ttl),
                (AzKey::Name(record.0.into()), record.1),
            ]),
        )],
        comments: vec![format!(
            "`{host}`: answered by Traffic Manager profile {pname} ({} routing).",
            tm_method
        )],
        source: first_r.id.clone(),
        ..Default::default()
    });
    made[0].push((full_rtype, rsym));

    // Decisions and report lines.
    let method_note = match tm_method {
        "Weighted" => {
            "Weights are relative as in Route 53 (Traffic Manager's range is 1–1000; a record of weight 0 is a disabled endpoint)."
        }
        "Priority" => {
            "The primary endpoint answers while its probe passes, the secondary when it fails."
        }
        "Performance" => {
            "Traffic Manager measures latency from the client's network to Azure regions: each endpoint's location is the Azure region of its AWS region (mappings/tables/regions.yaml); an Azure endpoint takes its public IP's region."
        }
        "Geographic" => {
            "Continents become Traffic Manager regions (Route 53's Asia becomes GEO-AS and GEO-ME, the Middle East), countries keep their codes, `*` becomes WORLD; a query from a location no endpoint maps gets no answer, as in Route 53."
        }
        _ => {
            "Traffic Manager answers with up to eight healthy addresses (maxReturn), as Route 53 did; the endpoints must be IP addresses."
        }
    };
    let record_text = if apex {
        format!("an alias {ty} record set at the apex targets the profile")
    } else {
        format!("`{rel_text}` becomes a CNAME to the profile's name")
    };
    let several = endpoints.len() > members.len();
    for (n, m) in members.iter().enumerate() {
        let r = cx.t.resources[m.i].clone();
        cx.decide_later(
            m.i,
            RULE,
            &format!("{}: {policy} routing becomes a Traffic Manager profile", r.id),
            &format!("Route 53 answers `{host}` ({ty}) from {} record set{} by {policy} routing; Azure DNS answers every query the same way.", members.len(), if members.len() == 1 { "" } else { "s" }),
            &format!(
                "Traffic Manager profile {pname} ({tm_method} routing) with an endpoint per record{}; in the zone, {record_text}. {}",
                if several { " value" } else { "" },
                monitor.text
            ),
            &format!(
                "Traffic Manager answers with a CNAME to the endpoint's host name (or with its address), with the profile's TTL; endpoint health comes from its own probes (an endpoint whose record had no health check always serves). {method_note} Clients resolve through trafficmanager.net.{}",
                if front_doors {
                    format!(" Front Door serves `{host}` only once it is a validated custom domain of the endpoint's route; add it (with its TXT validation record) before switching the zone's name servers.")
                } else {
                    String::new()
                }
            ),
            None,
        );
        let id = r.id.clone();
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
            rep.azure.extend(std::mem::take(&mut made[n]));
        }
    }
    // The checks become the profile's monitoring (when one of them could).
    if monitor.from.is_some() {
        for h in checks {
            fold_health_check(cx, h, &psym, &pname, monitor.from == Some(h));
        }
    }
    Ok(())
}

/// Health check `h`, whose records became endpoints of profile `psym`: its settings are
/// the profile's monitoring (`used`), or another check's are.
fn fold_health_check(cx: &mut Ctx, h: usize, psym: &str, pname: &str, used: bool) {
    let r = cx.t.resources[h].clone();
    let name = cx.t.report_name(&r.id);
    let table_decisions: Vec<String> = cx
        .decisions
        .iter()
        .filter(|d| d.rule == HEALTH_CHECK_RULE)
        .map(|d| d.id.clone())
        .collect();
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == r.id) {
        rep.decisions.retain(|d| !table_decisions.contains(d));
        rep.status = "translated".into();
        rep.azure
            .push((TRAFFIC_MANAGER_PROFILE.ty.into(), psym.to_string()));
    }
    for d in &mut cx.decisions {
        if d.rule == HEALTH_CHECK_RULE {
            d.resources.retain(|a| a.id != name);
        }
    }
    cx.decisions
        .retain(|d| d.rule != HEALTH_CHECK_RULE || !d.resources.is_empty());
    cx.decide_later(
        h,
        RULE,
        &format!("{}: the health check becomes Traffic Manager endpoint monitoring", r.id),
        "A Route 53 health check probes an endpoint and makes the routed records that name it stop answering when it fails.",
        &if used {
            format!("Its protocol, port, path, interval and failure threshold are the monitor settings of Traffic Manager profile {pname}; nothing else is generated for it.")
        } else {
            format!("Traffic Manager profile {pname} probes every endpoint with one setting, another health check's; nothing is generated for this one.")
        },
        "Traffic Manager probes each endpoint's own target (its address or host name), not the address or domain name the health check named; the probes come from Azure's probing agents, which the endpoints' firewalls must admit.",
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::geo_codes;
    use crate::model::expr::{Expr, ExprKind};

    fn geo(pairs: &[(&str, &str)]) -> Expr {
        let span = Default::default();
        Expr::new(
            ExprKind::Object(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            span,
                            Expr::new(ExprKind::Str(v.to_string()), span),
                        )
                    })
                    .collect(),
            ),
            span,
        )
    }

    #[test]
    fn geolocations_become_traffic_manager_codes() {
        assert_eq!(
            geo_codes(&geo(&[("ContinentCode", "EU")])).unwrap(),
            ["GEO-EU"]
        );
        assert_eq!(
            geo_codes(&geo(&[("ContinentCode", "OC")])).unwrap(),
            ["GEO-AP"]
        );
        // Route 53's Asia includes the Middle East.
        assert_eq!(
            geo_codes(&geo(&[("ContinentCode", "AS")])).unwrap(),
            ["GEO-AS", "GEO-ME"]
        );
        assert_eq!(geo_codes(&geo(&[("CountryCode", "*")])).unwrap(), ["WORLD"]);
        assert_eq!(geo_codes(&geo(&[("CountryCode", "de")])).unwrap(), ["DE"]);
        assert_eq!(
            geo_codes(&geo(&[("CountryCode", "US"), ("SubdivisionCode", "CA")])).unwrap(),
            ["US-CA"]
        );
        assert!(geo_codes(&geo(&[("ContinentCode", "XX")])).is_err());
        assert!(geo_codes(&geo(&[])).is_err());
    }
}
