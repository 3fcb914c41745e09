//! `[azure] prefix` in aws2azure.toml: every top-level resource name aws2azure makes up
//! starts with it, within the name rules of its type (lookup table `name-rules`). Names
//! the source gives (a literal BucketName, a parameter) are kept: they are the user's.

use serde_yaml::Value;

use crate::azure::{AzExpr, Interp};

use super::context::Ctx;

/// The length of `uniqueString(…)`.
const UNIQUE: usize = 13;

pub fn apply(cx: &mut Ctx) {
    let Some(prefix) = cx.tables.answers.prefix.clone() else {
        return;
    };
    let mut unruled = std::collections::BTreeSet::new();
    let (mut done, mut kept) = (Vec::new(), Vec::new());
    for k in 0..cx.module.resources.len() {
        let r = &cx.module.resources[k];
        if r.existing || r.updates.is_some() || r.parent.is_some() {
            continue;
        }
        if from_source(cx, k) {
            kept.push(format!("`{}`", r.symbol));
            continue;
        }
        let Some(rules) = cx.tables.lookup("name-rules", &r.ty) else {
            if generated(&r.name) {
                unruled.insert(r.ty.clone());
            }
            continue;
        };
        if rules.get("prefix").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let max = rules.get("max").and_then(Value::as_u64).unwrap_or(63) as usize;
        let alnum = rules.get("alnum").and_then(Value::as_bool) == Some(true);
        if let Some(name) = prefixed(&r.name, &prefix, max, alnum) {
            done.push(format!("`{}`", r.symbol));
            cx.module.resources[k].name = name;
        }
    }
    if !done.is_empty() || !kept.is_empty() {
        let kept = if kept.is_empty() {
            String::new()
        } else {
            format!(
                " Names the source gives are kept as they are: {}.",
                kept.join(", ")
            )
        };
        cx.decide(
            "name-prefix",
            None,
            &format!("Generated names start with the prefix `{prefix}`"),
            &format!("aws2azure.toml sets `[azure] prefix = \"{prefix}\"`: the naming convention of the Azure estate."),
            &format!("Every top-level name aws2azure makes up starts with the prefix ({}), within its type's name rules: without hyphens where a type allows letters and digits only (storage accounts), cut to the type's length with a suffix made from the whole name where it no longer fits. Child resources keep their names (their parent's name scopes them).{kept}", done.join(", ")),
            "Names differ from the AWS names: update scripts, dashboards and clients that address resources by name. A name the source gives (a literal or a parameter) is the user's choice and does not take the prefix: give it in the source if it must.",
        );
    }
    if !unruled.is_empty() {
        let list: Vec<String> = unruled.iter().map(|t| format!("`{t}`")).collect();
        cx.decide(
            "name-prefix-unruled",
            None,
            "Some generated names do not take the naming prefix",
            &format!("aws2azure.toml sets `[azure] prefix = \"{prefix}\"`. aws2azure prefixes a type's names only where it knows the type's name rules (lookup table `name-rules`)."),
            &format!("Names of {} keep the name aws2azure made, without the prefix.", list.join(", ")),
            "Rename these resources by hand if the naming convention requires the prefix, or add their rules to `name-rules` with --mappings.",
        );
    }
}

/// Is the name of module resource `k` one the source gives (a property its table rule
/// reads that the AWS resource sets, or a parameter)?
fn from_source(cx: &Ctx, k: usize) -> bool {
    let r = &cx.module.resources[k];
    if !generated(&r.name) {
        return true;
    }
    let Some(rule) = &r.rule else { return false };
    let Some(i) = cx.t.resources.iter().position(|x| x.id == r.source) else {
        return false;
    };
    let Some(entry) = cx.prepared[i].entry.as_ref() else {
        return false;
    };
    let Some(spec) = entry
        .resources
        .iter()
        .chain(entry.shared.iter())
        .find(|s| s.symbol == rule.symbol)
    else {
        return false;
    };
    match &spec.name {
        Value::Mapping(m) => {
            if m.contains_key(Value::String("$param".into())) {
                return true;
            }
            match m.get(Value::String("$prop".into())).and_then(Value::as_str) {
                Some(p) => cx.t.resources[i]
                    .properties
                    .path(p)
                    .is_some_and(|v| !v.is_null()),
                None => false,
            }
        }
        _ => false,
    }
}

/// A name aws2azure can prefix: literal text, with at most the `nameSuffix` variable.
fn generated(name: &AzExpr) -> bool {
    match name {
        AzExpr::Str(_) => true,
        AzExpr::Interp(parts) => parts.iter().all(|p| match p {
            Interp::Lit(_) => true,
            Interp::Expr(AzExpr::Ident(v)) => v == "nameSuffix",
            Interp::Expr(_) => false,
        }),
        _ => false,
    }
}

/// `name` with `prefix` in front, within `max` characters (`alnum`: letters and digits
/// only). A name that no longer fits is cut after the prefix; a cut name with the
/// deterministic suffix takes a suffix of its own made from the whole name, so two names
/// cut alike stay apart. `None`: not a name aws2azure made.
pub fn prefixed(name: &AzExpr, prefix: &str, max: usize, alnum: bool) -> Option<AzExpr> {
    let joined: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let hyphened = format!("{prefix}-");
    // Hyphens only where the type allows them and the prefix with its hyphens leaves room
    // for the unique suffix (a Key Vault: `contoso-prod-` and 13 characters exceed 24).
    let lead = if alnum || hyphened.len() + UNIQUE > max {
        joined
    } else {
        hyphened
    };
    let (text, suffixes) = match name {
        AzExpr::Str(s) => (s.clone(), 0),
        AzExpr::Interp(parts) if generated(name) => {
            let mut t = String::new();
            let mut n = 0;
            for p in parts {
                match p {
                    Interp::Lit(l) => t.push_str(l),
                    Interp::Expr(_) => n += 1,
                }
            }
            // Only the common shapes: `x${nameSuffix}` and `x-${nameSuffix}`.
            if n > 1 || !matches!(parts.last(), Some(Interp::Expr(_)) | Some(Interp::Lit(_))) {
                return None;
            }
            (t, n)
        }
        _ => return None,
    };
    if text.starts_with(&lead) {
        return Some(name.clone());
    }
    let budget = max.saturating_sub(lead.len() + suffixes * UNIQUE);
    match name {
        AzExpr::Str(s) => {
            let mut rest = s.clone();
            rest.truncate(budget);
            let rest = rest.trim_end_matches('-');
            Some(AzExpr::Str(
                format!("{lead}{rest}").trim_end_matches('-').to_string(),
            ))
        }
        AzExpr::Interp(parts) => {
            let fits = text.len() <= budget;
            let mut out = vec![Interp::Lit(lead.clone())];
            if fits {
                out.extend(parts.iter().cloned());
            } else {
                // `stfunc${nameSuffix}` cut to `contosoprod` + `stf` + a suffix of the
                // whole name.
                let mut cut: String = text.chars().take(budget).collect();
                while cut.ends_with('-') {
                    cut.pop();
                }
                out.push(Interp::Lit(cut));
                out.push(Interp::Expr(AzExpr::call(
                    "uniqueString",
                    vec![
                        AzExpr::path("resourceGroup()", "id"),
                        AzExpr::str(text.clone()),
                    ],
                )));
            }
            Some(crate::azure::interp(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_within_the_rules() {
        let s = |x: &str| AzExpr::str(x);
        assert_eq!(
            prefixed(&s("vnet-hub"), "contoso-prod", 64, false),
            Some(s("contoso-prod-vnet-hub"))
        );
        let long = "x".repeat(60);
        let AzExpr::Str(cut) = prefixed(&s(&long), "contoso-prod", 64, false).unwrap() else {
            panic!()
        };
        assert_eq!(cut.len(), 64);
        let storage = AzExpr::Interp(vec![
            Interp::Lit("stfunc".into()),
            Interp::Expr(AzExpr::ident("nameSuffix")),
        ]);
        let vault = AzExpr::Interp(vec![
            Interp::Lit("kv-".into()),
            Interp::Expr(AzExpr::ident("nameSuffix")),
        ]);
        let AzExpr::Interp(parts) = prefixed(&vault, "contoso-prod", 24, false).unwrap() else {
            panic!()
        };
        assert_eq!(parts[0], Interp::Lit("contosoprod".into()));
        let AzExpr::Interp(parts) = prefixed(&storage, "contoso-prod", 24, true).unwrap() else {
            panic!()
        };
        // 11 + 0 letters of the name + 13: the suffix is made from the whole name.
        assert_eq!(parts[0], Interp::Lit("contosoprod".into()));
        assert!(matches!(&parts[1], Interp::Expr(AzExpr::Call(f, _)) if f == "uniqueString"));
        let short = prefixed(&storage, "app", 24, true).unwrap();
        assert_eq!(
            short,
            AzExpr::Interp(vec![
                Interp::Lit("appstfunc".into()),
                Interp::Expr(AzExpr::ident("nameSuffix"))
            ])
        );
    }
}
