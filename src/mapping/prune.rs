//! Passes after mapping: references to resources that were not generated, and
//! parameters and variables nothing uses any more.

use std::collections::{BTreeMap, BTreeSet};

use crate::azure::*;
use crate::names::kebab;

use super::context::Ctx;

/// References to resources that were not generated after all (a mapping that
/// needed a value the resource did not provide) become placeholder parameters.
pub(super) fn replace_missing_symbols(cx: &mut Ctx) {
    let declared: BTreeSet<String> = cx
        .module
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        // A nested stack became a module call: its outputs are read through it.
        .chain(cx.module.calls.iter().map(|c| c.symbol.clone()))
        .collect();
    // (missing symbol, what it stood for, logical id)
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    for (i, p) in cx.prepared.iter().enumerate() {
        let id = cx.t.resources[i].id.clone();
        for (template, s) in &p.symbols {
            if !declared.contains(s) {
                let part = template.trim_start_matches("{sym}");
                let what = if part.is_empty() {
                    id.clone()
                } else {
                    format!("{id}{part}")
                };
                candidates.push((s.clone(), what, id.clone()));
            }
        }
    }
    for (key, sym) in cx.shared.clone() {
        if !declared.contains(&sym) && !key.contains('#') {
            candidates.push((sym, key.clone(), key));
        }
    }
    let mut used = Vec::new();
    collect_used(&cx.module, &mut used);
    for (sym, what, origin) in candidates {
        if !used.contains(&sym) {
            continue;
        }
        let param = cx.param_for(&format!("{}-ref", kebab(&what)), "string", |p| {
            p.description = Some(format!(
                "Stands in for {what}, which this conversion did not generate. Supply the Azure value."
            ));
            p.required_reason = Some(format!("stands in for {what}, which was not generated"));
            p.stand_in = true;
        });
        cx.subject = Some(origin.clone());
        cx.template_decision(
            "placeholder",
            "Values with no Azure equivalent become parameters",
            "Some values refer to AWS resources that are not translated, or to attributes with no Azure counterpart.",
            "Each such value is a parameter named after what it stood for, so the Bicep stays valid and the gap is visible.",
            "Supply each parameter at deployment, or edit the Bicep to reference the Azure resource that replaces it.",
            cx.t.resource(&origin).map_or_else(|| cx.t.sections.first().map(|(_, s)| *s).unwrap_or_default(), |r| r.span),
        );
        cx.subject = None;
        let replace = |e: &mut AzExpr| replace_chain(e, &sym, &param);
        for r in cx.module.resources.iter_mut() {
            replace(&mut r.name);
            for (_, v) in r.body.iter_mut() {
                replace(v);
            }
        }
        for v in cx.module.vars.iter_mut() {
            replace(&mut v.value);
        }
        for o in cx.module.outputs.iter_mut() {
            replace(&mut o.value);
        }
    }
}

/// Replaces every access chain rooted at `sym` (`sym.name`, `sym[0].id`) by `param`.
pub(super) fn replace_chain(e: &mut AzExpr, sym: &str, param: &str) {
    pub(super) fn rooted(e: &AzExpr, sym: &str) -> bool {
        match e {
            AzExpr::Ident(s) => s == sym,
            AzExpr::Member(b, _) | AzExpr::Index(b, _) => rooted(b, sym),
            _ => false,
        }
    }
    if rooted(e, sym) {
        *e = AzExpr::ident(param);
        return;
    }
    e.for_each_child_mut(&mut |x| replace_chain(x, sym, param));
}

/// Drops template parameters nothing uses any more (an AMI id now carried by
/// an image parameter, a key pair name replaced by an SSH key), with a decision.
pub(super) fn prune_parameters(cx: &mut Ctx) {
    // Variables first: a mapping whose values were all translated into lookups is no longer read.
    loop {
        let mut used = Vec::new();
        collect_used(&cx.module, &mut used);
        let before = cx.module.vars.len();
        cx.module
            .vars
            .retain(|v| v.name == "nameSuffix" || used.contains(&v.name));
        if cx.module.vars.len() == before {
            break;
        }
    }
    let mut used = Vec::new();
    collect_used(&cx.module, &mut used);
    prune_unused_params(cx, used);
}

pub(super) fn collect_used(m: &AzModule, used: &mut Vec<String>) {
    for r in &m.resources {
        r.name.idents(used);
        for (_, v) in &r.body {
            v.idents(used);
        }
        for e in [&r.location, &r.tags, &r.condition, &r.updates]
            .into_iter()
            .flatten()
        {
            e.idents(used);
        }
        if let Some((_, c)) = &r.for_each {
            c.idents(used);
        }
    }
    for v in &m.vars {
        v.value.idents(used);
    }
    for o in &m.outputs {
        o.value.idents(used);
    }
    for p in &m.params {
        if let Some(d) = &p.default {
            d.idents(used);
        }
    }
    for c in &m.calls {
        for (_, v) in &c.params {
            v.idents(used);
        }
        for e in [&c.count, &c.for_each, &c.condition].into_iter().flatten() {
            e.idents(used);
        }
    }
    fn pass(items: &[crate::azure::AzPassItem], used: &mut Vec<String>) {
        for i in items {
            match i {
                crate::azure::AzPassItem::Attr(_, v) => v.idents(used),
                crate::azure::AzPassItem::Block(_, _, b) => pass(b, used),
            }
        }
    }
    for p in &m.passthrough {
        pass(&p.items, used);
        for e in [&p.count, &p.for_each].into_iter().flatten() {
            e.idents(used);
        }
    }
}

pub(super) fn prune_unused_params(cx: &mut Ctx, mut used: Vec<String>) {
    // A Terraform module's variables are its interface: callers set them.
    if cx.t.tf.is_some() {
        used.extend(cx.param_syms.values().cloned());
    }
    // Parameters made for literal secrets are dropped by `secrets::record`, with their own note.
    let made_for_secret = |name: &str| {
        cx.t.parameter(name)
            .and_then(|p| p.secret.as_ref())
            .is_some_and(|s| s.stands_for.is_some())
    };
    let template_params: BTreeMap<String, String> = cx
        .param_syms
        .iter()
        .filter(|(k, _)| !k.starts_with('#') && !made_for_secret(k))
        .map(|(k, v)| (v.clone(), k.clone()))
        .collect();
    let unused: Vec<String> = cx
        .module
        .params
        .iter()
        .filter(|p| template_params.contains_key(&p.name) && !used.contains(&p.name))
        .map(|p| p.name.clone())
        .collect();
    if unused.is_empty() {
        return;
    }
    cx.module.params.retain(|p| !unused.contains(&p.name));
    let names: Vec<String> = unused
        .iter()
        .map(|u| format!("`{}`", template_params[u]))
        .collect();
    for u in &unused {
        let cfn = template_params[u].clone();
        if let Some(p) = cx.t.parameter(&cfn) {
            cx.subject = Some(cfn.clone());
            let span = p.span;
            cx.template_decision(
                "unused-parameters",
                "Parameters with no use in Azure are dropped",
                "Some template parameters fed only properties that have no Azure counterpart, or were replaced by Azure-specific parameters (an AMI id by an image reference, a key pair name by an SSH public key).",
                &format!("Dropped: {}.", names.join(", ")),
                "Deployment scripts must stop passing these parameters.",
                span,
            );
        }
    }
    cx.subject = None;
}
