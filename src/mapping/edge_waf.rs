//! WAFv2 web ACLs of CloudFront scope → Front Door WAF policies, linked to the Front
//! Door profile that replaces the distribution by a security policy.
//!
//! Custom rules carry the rules Front Door can express (rate-based rules keyed by the
//! client IP, IP set and geographic matches); AWS managed rule groups become Azure
//! managed rule sets, which only the Premium tier runs, so a distribution whose web ACL
//! uses them gets a Premium profile. Roles: `web-acl` (edge pass).

use std::collections::BTreeSet;

use super::context::Ctx;
use crate::azure::{AzExpr, AzResource};
use crate::model::expr::Expr;
use crate::names::kebab;

const API: &str = "2025-12-01";
const PREMIUM: &str = "Premium_AzureFrontDoor";
const STANDARD: &str = "Standard_AzureFrontDoor";
/// Every client address, for rules that apply to every request.
const EVERYONE: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// AWS managed rule groups → the Azure managed rule set that covers them.
fn managed_set(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "AWSManagedRulesCommonRuleSet"
        | "AWSManagedRulesKnownBadInputsRuleSet"
        | "AWSManagedRulesSQLiRuleSet"
        | "AWSManagedRulesLinuxRuleSet"
        | "AWSManagedRulesUnixRuleSet"
        | "AWSManagedRulesWindowsRuleSet"
        | "AWSManagedRulesPHPRuleSet"
        | "AWSManagedRulesWordPressRuleSet"
        | "AWSManagedRulesAdminProtectionRuleSet" => ("Microsoft_DefaultRuleSet", "2.1"),
        "AWSManagedRulesBotControlRuleSet"
        | "AWSManagedRulesAmazonIpReputationList"
        | "AWSManagedRulesAnonymousIpList" => ("Microsoft_BotManagerRuleSet", "1.1"),
        _ => return None,
    })
}

fn rules(cx: &Ctx, acl: usize) -> Vec<Expr> {
    cx.t.resources[acl]
        .properties
        .get("Rules")
        .and_then(|r| r.as_list())
        .map(|r| r.to_vec())
        .unwrap_or_default()
}

/// The AWS managed rule group a rule runs (vendor AWS), by name.
fn managed_group(cx: &Ctx, rule: &Expr) -> Option<String> {
    let s = rule.path("Statement.ManagedRuleGroupStatement")?;
    let vendor = s.get("VendorName").and_then(|v| cx.literal_text(v))?;
    let name = s.get("Name").and_then(|v| cx.literal_text(v))?;
    (vendor == "AWS").then_some(name)
}

/// Does web ACL `acl` need the Premium tier (an AWS managed rule group with an Azure
/// managed rule set)?
fn premium(cx: &Ctx, acl: usize) -> bool {
    rules(cx, acl)
        .iter()
        .any(|r| managed_group(cx, r).is_some_and(|n| managed_set(&n).is_some()))
}

/// The web ACL of the template (converted to a Front Door WAF policy) that
/// distribution `d` names.
fn web_acl_of(cx: &Ctx, d: usize) -> Option<usize> {
    let id = cx.t.resources[d]
        .properties
        .path("DistributionConfig.WebACLId")?;
    cx.referenced_resource(id).filter(|a| {
        cx.plays(*a, "edge", "web-acl")
            && cx.prepared[*a]
                .entry
                .as_ref()
                .is_some_and(|e| !e.resources.is_empty())
    })
}

/// Does distribution `d` name a web ACL of the template that became a WAF policy?
pub fn has_web_acl(cx: &Ctx, d: usize) -> bool {
    web_acl_of(cx, d).is_some()
}

/// `sku` of distribution `d`'s profile: Premium when its web ACL runs managed rules.
pub fn afd_sku(cx: &mut Ctx, d: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let acl = web_acl_of(cx, d);
    let name = if acl.is_some_and(|a| premium(cx, a)) {
        let r = cx.t.resources[d].clone();
        let aid = cx.t.report_name(&cx.t.resources[acl?].id);
        cx.decide(
            "afd-premium-waf",
            Some((&r.id, r.span)),
            &format!("{}: the profile is Premium for the managed rules of {aid}", r.id),
            "The distribution's web ACL runs AWS managed rule groups; Front Door runs Azure managed rule sets (Default Rule Set, Bot Manager) only in a Premium profile and a Premium WAF policy.",
            "The Front Door profile and the WAF policy are Premium_AzureFrontDoor.",
            "Premium costs about USD 330 a month in base fee against USD 35 for Standard (list prices, before requests and data transfer, which also cost more per unit in Premium). Drop the managed rule sets and switch both to Standard_AzureFrontDoor to keep the custom rules only at the Standard price.",
        );
        PREMIUM
    } else {
        STANDARD
    };
    Some(AzExpr::obj(vec![("name", AzExpr::str(name))]))
}

/// `sku` of web ACL `i`'s WAF policy (the tier of the profiles it protects).
pub fn afd_waf_sku(cx: &mut Ctx, i: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let name = if premium(cx, i) { PREMIUM } else { STANDARD };
    Some(AzExpr::obj(vec![("name", AzExpr::str(name))]))
}

/// The name of web ACL `i`'s WAF policy: its name (or logical id), letters and digits
/// only as Front Door requires.
pub fn afd_waf_name(cx: &mut Ctx, i: usize, _consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    let r = &cx.t.resources[i];
    let base = r
        .properties
        .get("Name")
        .and_then(|n| cx.literal_text(n))
        .unwrap_or_else(|| r.id.clone());
    Some(AzExpr::Str(super::edge::alnum_name(&base, "Waf")))
}

/// The action of a rule (`Action` or, for a managed group, `OverrideAction`).
fn action(a: Option<&Expr>) -> Option<&'static str> {
    let a = a?;
    [
        ("Block", "Block"),
        ("Allow", "Allow"),
        ("Count", "Log"),
        ("Captcha", "CAPTCHA"),
        ("Challenge", "JSChallenge"),
    ]
    .into_iter()
    .find(|(k, _)| a.get(k).is_some())
    .map(|(_, v)| v)
}

/// A rate limit of `limit` requests in `window` seconds as Front Door counts it, over
/// one or five minutes: (minutes, threshold), the threshold scaled to the duration.
fn rate_window(limit: i64, window: i64) -> (i64, i64) {
    match window {
        w if w <= 60 => (1, limit),
        w if w < 300 => (1, (limit * 60 / w).max(1)),
        w => (5, (limit * 300 / w).max(1)),
    }
}

fn everyone() -> AzExpr {
    AzExpr::obj(vec![
        ("matchVariable", AzExpr::str("RemoteAddr")),
        ("operator", AzExpr::str("IPMatch")),
        ("negateCondition", AzExpr::Bool(false)),
        (
            "matchValue",
            AzExpr::Array(EVERYONE.iter().map(|v| AzExpr::str(*v)).collect()),
        ),
    ])
}

/// A match condition for statement `s` (an IP set of the template with literal
/// addresses, a geographic match, or the negation of one); `None` when Front Door
/// cannot express it.
fn condition(cx: &mut Ctx, s: &Expr, negate: bool) -> Option<AzExpr> {
    if let Some(n) = s.path("NotStatement.Statement") {
        return condition(cx, n, !negate);
    }
    let (op, values) = if let Some(g) = s.get("GeoMatchStatement") {
        let codes: Vec<AzExpr> = g
            .get("CountryCodes")?
            .as_list()?
            .iter()
            .map(|c| cx.literal_text(c).map(AzExpr::Str))
            .collect::<Option<_>>()?;
        ("GeoMatch", codes)
    } else if let Some(i) = s.get("IPSetReferenceStatement") {
        if i.get("IPSetForwardedIPConfig").is_some() {
            return None;
        }
        let set = cx
            .referenced_resource(i.get("Arn")?)
            .filter(|s| cx.plays(*s, "edge", "ip-set"))?;
        let addrs: Vec<AzExpr> = cx.t.resources[set]
            .properties
            .get("Addresses")?
            .as_list()?
            .iter()
            .map(|c| cx.literal_text(c).map(AzExpr::Str))
            .collect::<Option<_>>()?;
        if addrs.is_empty() {
            return None;
        }
        cx.shared
            .insert(format!("afd-ip-set-used#{set}"), String::new());
        ("IPMatch", addrs)
    } else {
        return None;
    };
    Some(AzExpr::obj(vec![
        ("matchVariable", AzExpr::str("RemoteAddr")),
        ("operator", AzExpr::str(op)),
        ("negateCondition", AzExpr::Bool(negate)),
        ("matchValue", AzExpr::Array(values)),
    ]))
}

/// `properties` of web ACL `i`'s Front Door WAF policy.
pub fn afd_waf_policy(cx: &mut Ctx, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
    for k in ["Rules", "DefaultAction", "Scope", "Name"] {
        consumed.insert(k.into());
    }
    let r = cx.t.resources[i].clone();
    let is_premium = premium(cx, i);
    let mut custom = Vec::new();
    let mut managed: Vec<(&str, &str, &str)> = Vec::new();
    let mut left: Vec<String> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    let mut last = 0;
    for (n, rule) in rules(cx, i).iter().enumerate() {
        let name = rule
            .get("Name")
            .and_then(|x| cx.literal_text(x))
            .unwrap_or_else(|| format!("rule{}", n + 1));
        let priority = rule
            .get("Priority")
            .and_then(|x| x.literal_i64())
            .unwrap_or(n as i64)
            + 1;
        last = last.max(priority);
        let cname = super::edge::alnum_name(&name, "Rule");
        if let Some(group) = managed_group(cx, rule) {
            let Some((set, version)) = managed_set(&group) else {
                left.push(format!(
                    "`{name}` (managed rule group {group}: no Azure managed rule set covers it)"
                ));
                continue;
            };
            let act = if rule.path("OverrideAction.Count").is_some() {
                "Log"
            } else {
                "Block"
            };
            if !managed.iter().any(|(s, _, _)| *s == set) {
                managed.push((set, version, act));
            }
            let s = rule.path("Statement.ManagedRuleGroupStatement");
            if s.is_some_and(|s| {
                s.get("ExcludedRules").is_some()
                    || s.get("RuleActionOverrides").is_some()
                    || s.get("ScopeDownStatement").is_some()
            }) {
                left.push(format!("the exclusions, rule overrides and scope-down statement of `{name}` (set rule group overrides and exclusions on {set})"));
            }
            done.push(format!("`{name}` ({group} → {set} {version})"));
            continue;
        }
        let Some(act) = action(rule.get("Action")) else {
            left.push(format!("`{name}` (its action)"));
            continue;
        };
        if let Some(rate) = rule.path("Statement.RateBasedStatement") {
            let key = rate
                .get("AggregateKeyType")
                .and_then(|x| cx.literal_text(x))
                .unwrap_or_else(|| "IP".into());
            let (Some(limit), true) =
                (rate.get("Limit").and_then(|x| x.literal_i64()), key == "IP")
            else {
                left.push(format!("`{name}` (a rate-based rule keyed by {key} or with a computed limit: Front Door counts requests per client IP)"));
                continue;
            };
            let window = rate
                .get("EvaluationWindowSec")
                .and_then(|x| x.literal_i64())
                .unwrap_or(300);
            let (minutes, threshold) = rate_window(limit, window);
            let cond = match rate.get("ScopeDownStatement") {
                Some(s) => match condition(cx, s, false) {
                    Some(c) => c,
                    None => {
                        left.push(format!("`{name}` (its scope-down statement)"));
                        continue;
                    }
                },
                None => everyone(),
            };
            custom.push(AzExpr::obj(vec![
                ("name", AzExpr::Str(cname)),
                ("priority", AzExpr::Int(priority)),
                ("enabledState", AzExpr::str("Enabled")),
                ("ruleType", AzExpr::str("RateLimitRule")),
                ("rateLimitDurationInMinutes", AzExpr::Int(minutes)),
                ("rateLimitThreshold", AzExpr::Int(threshold)),
                ("matchConditions", AzExpr::Array(vec![cond])),
                ("action", AzExpr::str(act)),
            ]));
            done.push(format!(
                "`{name}` (at most {limit} requests per client IP in {window} seconds → {threshold} in {minutes} minute{})",
                if minutes == 1 { "" } else { "s" }
            ));
            continue;
        }
        let Some(cond) = rule.get("Statement").and_then(|s| condition(cx, s, false)) else {
            left.push(format!("`{name}` (a statement Front Door custom rules do not express here: byte, regex, size, SQL injection or XSS matches, label matches, or an IP set outside the template)"));
            continue;
        };
        custom.push(AzExpr::obj(vec![
            ("name", AzExpr::Str(cname)),
            ("priority", AzExpr::Int(priority)),
            ("enabledState", AzExpr::str("Enabled")),
            ("ruleType", AzExpr::str("MatchRule")),
            ("matchConditions", AzExpr::Array(vec![cond])),
            ("action", AzExpr::str(act)),
        ]));
        done.push(format!("`{name}`"));
    }
    let block_default = r.properties.path("DefaultAction.Block").is_some();
    if block_default {
        custom.push(AzExpr::obj(vec![
            ("name", AzExpr::str("DefaultBlock")),
            ("priority", AzExpr::Int(last + 1)),
            ("enabledState", AzExpr::str("Enabled")),
            ("ruleType", AzExpr::str("MatchRule")),
            ("matchConditions", AzExpr::Array(vec![everyone()])),
            ("action", AzExpr::str("Block")),
        ]));
    }
    let mut props = vec![(
        "policySettings",
        AzExpr::obj(vec![
            ("enabledState", AzExpr::str("Enabled")),
            ("mode", AzExpr::str("Prevention")),
            ("requestBodyCheck", AzExpr::str("Enabled")),
        ]),
    )];
    if !custom.is_empty() {
        props.push((
            "customRules",
            AzExpr::obj(vec![("rules", AzExpr::Array(custom))]),
        ));
    }
    if is_premium && !managed.is_empty() {
        props.push((
            "managedRules",
            AzExpr::obj(vec![(
                "managedRuleSets",
                AzExpr::Array(
                    managed
                        .iter()
                        .map(|(s, v, a)| {
                            AzExpr::obj(vec![
                                ("ruleSetType", AzExpr::str(*s)),
                                ("ruleSetVersion", AzExpr::str(*v)),
                                ("ruleSetAction", AzExpr::str(*a)),
                            ])
                        })
                        .collect(),
                ),
            )]),
        ));
    }
    let mut consequences = String::from(
        "Front Door evaluates custom rules by priority before the managed rule sets; an Allow custom rule skips the managed rules. Send the policy's logs to Log Analytics with a diagnostic setting (FrontDoorWebApplicationFirewallLog) in place of the ACL's visibility config.",
    );
    if block_default {
        consequences.push_str(" The ACL blocked what no rule allowed: the last custom rule (`DefaultBlock`) blocks every client address.");
    }
    if !left.is_empty() {
        consequences.push_str(&format!(" Not carried over: {}.", left.join("; ")));
        cx.floor_status("partial");
    }
    cx.decide(
        "afd-waf-policy",
        Some((&r.id, r.span)),
        &format!("{}: the web ACL becomes a Front Door WAF policy", r.id),
        "A WAFv2 web ACL of CloudFront scope filters the requests of the distributions that name it with rules and AWS managed rule groups.",
        &format!(
            "A Front Door WAF policy in Prevention mode ({}) with {}.",
            if is_premium { "Premium" } else { "Standard" },
            if done.is_empty() {
                "no rule of the ACL".to_string()
            } else {
                format!("the ACL's rules {}", done.join(", "))
            }
        ),
        &consequences,
    );
    Some(AzExpr::Object(
        props
            .into_iter()
            .map(|(k, v)| (crate::azure::AzKey::Name(k.into()), v))
            .collect(),
    ))
}

/// Links distribution `d`'s WAF policy to its endpoint and custom domains (a security
/// policy of the profile); a web ACL outside the template is a decision.
pub fn security_policy(
    cx: &mut Ctx,
    d: usize,
    cfg: &Expr,
    profile: &str,
    endpoint: &str,
    domains: &[String],
) {
    let Some(id) = cfg.get("WebACLId") else {
        return;
    };
    let r = cx.t.resources[d].clone();
    let Some(acl) = web_acl_of(cx, d) else {
        let what = match cx.literal_text(id) {
            Some(a) if a.contains(":wafv2:") || a.contains("/webacl/") => {
                format!("the web ACL `{a}`")
            }
            Some(a) => format!("the WAF Classic web ACL `{a}`"),
            None => "a web ACL named by a parameter or outside the template".to_string(),
        };
        cx.decide(
            "afd-waf-elsewhere",
            Some((&r.id, r.span)),
            &format!("{}: the web ACL is not part of the template", r.id),
            &format!("The distribution is protected by {what}."),
            "No WAF policy is linked to the Front Door endpoint.",
            "Create a Front Door WAF policy (Microsoft.Network/FrontDoorWebApplicationFirewallPolicies) with the ACL's rules (Premium for managed rule sets) and link it with a security policy of the profile (Microsoft.Cdn/profiles/securityPolicies).",
        );
        cx.floor_status("partial");
        return;
    };
    let policy = cx.resolve_symbol(acl, "{sym}");
    let aid = cx.t.resources[acl].id.clone();
    let sym = cx.syms.alloc(&format!("{profile}Waf"));
    let aname = cx.t.report_name(&aid);
    let mut ids = vec![AzExpr::obj(vec![("id", AzExpr::path(endpoint, "id"))])];
    ids.extend(
        domains
            .iter()
            .map(|c| AzExpr::obj(vec![("id", AzExpr::path(c, "id"))])),
    );
    cx.module.resources.push(AzResource {
        symbol: sym.clone(),
        ty: "Microsoft.Cdn/profiles/securityPolicies".into(),
        api: API.into(),
        parent: Some(profile.to_string()),
        name: AzExpr::Str(format!(
            "waf-{}",
            kebab(
                &cx.t.resources[acl]
                    .properties
                    .get("Name")
                    .and_then(|n| n.literal_text())
                    .unwrap_or(aid.clone())
            )
        )),
        body: vec![(
            "properties".into(),
            AzExpr::obj(vec![(
                "parameters",
                AzExpr::obj(vec![
                    ("type", AzExpr::str("WebApplicationFirewall")),
                    (
                        "wafPolicy",
                        AzExpr::obj(vec![("id", AzExpr::path(&policy, "id"))]),
                    ),
                    (
                        "associations",
                        AzExpr::Array(vec![AzExpr::obj(vec![
                            ("domains", AzExpr::Array(ids)),
                            (
                                "patternsToMatch",
                                AzExpr::Array(vec![AzExpr::str("/*")]),
                            ),
                        ])]),
                    ),
                ]),
            )]),
        )],
        comments: vec![format!(
            "The WAF policy that replaces {aname} filters every request of {}'s endpoint and custom domains.",
            cx.t.report_name(&r.id)
        )],
        source: r.id.clone(),
        ..Default::default()
    });
    cx.extra_azure
        .push(("Microsoft.Cdn/profiles/securityPolicies".into(), sym));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_windows_become_one_or_five_minutes() {
        assert_eq!(rate_window(2000, 300), (5, 2000));
        assert_eq!(rate_window(100, 60), (1, 100));
        assert_eq!(rate_window(1000, 120), (1, 500));
        assert_eq!(rate_window(1200, 600), (5, 600));
    }

    #[test]
    fn aws_managed_groups_map_to_azure_rule_sets() {
        assert_eq!(
            managed_set("AWSManagedRulesCommonRuleSet"),
            Some(("Microsoft_DefaultRuleSet", "2.1"))
        );
        assert_eq!(
            managed_set("AWSManagedRulesBotControlRuleSet"),
            Some(("Microsoft_BotManagerRuleSet", "1.1"))
        );
        assert_eq!(managed_set("AWSManagedRulesATPRuleSet"), None);
    }

    #[test]
    fn names_are_letters_and_digits() {
        assert_eq!(super::super::edge::alnum_name("site-acl", "Waf"), "SiteAcl");
        assert_eq!(super::super::edge::alnum_name("1st", "Waf"), "Waf1st");
        assert_eq!(super::super::edge::alnum_name("--", "Waf"), "Waf");
    }
}
