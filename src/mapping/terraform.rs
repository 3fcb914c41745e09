//! What only Terraform input has: locals, module calls, resources of other
//! providers, and the decisions about state, providers and backends.

use super::context::Ctx;
use crate::azure::{AzCall, AzPass, AzPassItem, AzVar};
use crate::model::terraform::{PassItem, TfInfo};
use crate::names::lower_camel;
use crate::source::Span;

/// Locals become variables, in declaration order.
pub(super) fn declare_locals(cx: &mut Ctx) {
    for l in &cx.t.locals {
        let sym = cx.syms.alloc(&lower_camel(&l.name));
        cx.local_syms.insert(l.name.clone(), sym);
    }
    for l in &cx.t.locals {
        cx.subject = Some(format!("local.{}", l.name));
        let value = cx.tr(&l.value);
        let name = cx.local_syms[&l.name].clone();
        cx.module.vars.push(AzVar {
            name,
            value,
            comment: None,
            tf_name: Some(l.name.clone()),
        });
    }
    cx.subject = None;
}

fn pass_items(cx: &mut Ctx, items: &[PassItem]) -> Vec<AzPassItem> {
    items
        .iter()
        .map(|i| match i {
            PassItem::Attr(k, v) => AzPassItem::Attr(k.clone(), cx.tr(v)),
            PassItem::Block(k, l, b) => AzPassItem::Block(k.clone(), l.clone(), pass_items(cx, b)),
        })
        .collect()
}

/// Module calls, resources of other providers and the template decisions about
/// Terraform state, backend, providers, import and moved blocks and data sources.
pub(super) fn calls_and_passthrough(cx: &mut Ctx) {
    let Some(info) = cx.t.tf.as_deref() else {
        return;
    };
    record_notes(cx, info);
    module_calls(cx, info);
    passthrough_resources(cx, info);
    let span = state_and_backend_decisions(cx, info);
    provider_decision(cx, info, span);
    import_and_moved_decisions(cx, info);
    data_source_decision(cx, info);
}

/// The decisions the front end noted, per resource or template-wide.
fn record_notes(cx: &mut Ctx, info: &TfInfo) {
    for n in &info.notes {
        cx.subject = n.id.clone();
        match &n.id {
            Some(id) => {
                cx.decide(
                    n.rule.as_str(),
                    Some((id, n.span)),
                    &n.title,
                    &n.context,
                    &n.decision,
                    &n.consequences,
                );
            }
            None => cx.template_decision(
                &n.rule,
                &n.title,
                &n.context,
                &n.decision,
                &n.consequences,
                n.span,
            ),
        }
    }
    cx.subject = None;
}

/// The module calls, with a decision for each module outside the converted folders.
fn module_calls(cx: &mut Ctx, info: &TfInfo) {
    for call in &info.modules {
        cx.subject = Some(format!("module.{}", call.name));
        let params = call
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), cx.tr(v)))
            .collect();
        let count = call.count.as_ref().map(|c| cx.tr(c));
        let for_each = call.for_each.as_ref().map(|c| cx.tr(c));
        if call.local_dir.is_none() {
            cx.decide(
                "tf-remote-module",
                Some((&format!("module.{}", call.name), call.span)),
                &format!("module.{}: registry or git module `{}`", call.name, call.source),
                &format!("The module `{}` calls `{}`, which is not in the converted folders: it holds AWS resources aws2azure cannot see.", call.name, call.source),
                "The call is not written (it would deploy AWS resources); values read from its outputs become parameters to supply.",
                "Replace the source with an Azure module (for example an Azure Verified Module) or convert the module's code with aws2azure and point the call at the result.",
            );
        }
        cx.module.calls.push(AzCall {
            depends_on: Vec::new(),
            symbol: lower_camel(&call.name),
            source: call.source.clone(),
            version: call.version.clone(),
            local: call.local_dir.is_some(),
            params,
            condition: None,
            count,
            for_each,
            tf_params: Default::default(),
            tf_outputs: Default::default(),
        });
    }
}

/// The resources of other providers, kept as written (Bicep output has no form for
/// them: its back end records that).
fn passthrough_resources(cx: &mut Ctx, info: &TfInfo) {
    for p in &info.passthrough {
        cx.subject = Some(format!("{}.{}", p.ty, p.name));
        let items = pass_items(cx, &p.body);
        let count = p.count.as_ref().map(|c| cx.tr(c));
        let for_each = p.for_each.as_ref().map(|c| cx.tr(c));
        if p.kubernetes {
            cx.decide(
                "tf-kubernetes-provider",
                Some((&format!("{}.{}", p.ty, p.name), p.span)),
                &format!("{}.{}: Kubernetes resources now target AKS", p.ty, p.name),
                "The module manages Kubernetes objects (kubernetes, helm or kubectl provider) in a cluster that was EKS.",
                "The resource is kept as written; its provider must now be configured against the AKS cluster.",
                "Point the provider at AKS (host, credentials from azurerm_kubernetes_cluster), and review EKS-specific annotations, storage classes and IAM roles for service accounts (now workload identity).",
            );
        }
        cx.subject = None;
        let mut origin = cx.origin(p.span);
        origin.who = "(template)".into();
        cx.module.passthrough.push(AzPass {
            ty: p.ty.clone(),
            name: p.name.clone(),
            items,
            count,
            for_each,
            origin,
        });
    }
    cx.subject = None;
}

/// The decisions about state and backend; returns the span of the first resource,
/// where template decisions without a place of their own point.
fn state_and_backend_decisions(cx: &mut Ctx, info: &TfInfo) -> Span {
    let dir = if info.dir.is_empty() {
        "."
    } else {
        info.dir.as_str()
    };
    // State: the Azure configuration starts empty.
    let span = cx.t.resources.first().map(|r| r.span).unwrap_or_default();
    let n = cx.t.resources.len();
    cx.template_decision(
        "tf-state",
        "Terraform state starts empty",
        &format!("The module `{dir}` has its own state of {n} AWS resource(s); the Azure configuration creates different resources."),
        "The converted module is a new root with empty state: nothing is imported, nothing in the AWS state is touched.",
        "Run `terraform init` and `terraform plan` against a new backend; to adopt Azure resources created by hand, add `import` blocks. Destroy the AWS resources from the old state only after cut-over (see Decommission).",
        span,
    );
    if let Some((backend, bspan)) = &info.backend {
        cx.template_decision(
            "tf-backend",
            "The backend moves to Azure Storage",
            &format!("The module stores its state in the `{backend}` backend."),
            "The converted module declares no backend: state is local until one is chosen.",
            "Add `backend \"azurerm\"` (storage account, container, key) to `providers.tf` before the first apply in a shared environment.",
            *bspan,
        );
    }
    span
}

/// The decision that the aws provider becomes azurerm (aliases included).
fn provider_decision(cx: &mut Ctx, info: &TfInfo, span: Span) {
    if !info.providers.is_empty() || !info.required_providers.is_empty() {
        let span = info.providers.first().map(|p| p.2).unwrap_or(span);
        let aliases: Vec<String> = info
            .providers
            .iter()
            .filter_map(|(n, a, _)| a.as_ref().map(|a| format!("{n}.{a}")))
            .collect();
        let note = if aliases.is_empty() {
            String::new()
        } else {
            format!(
                " Aliased providers ({}) deployed to more than one region or account; each becomes its own deployment of the module with another `location`.",
                aliases.join(", ")
            )
        };
        cx.template_decision(
            "tf-providers",
            "Providers: aws becomes azurerm",
            "The module configures the `aws` provider (region, credentials, default tags).",
            &format!("`providers.tf` requires azurerm 4.x (and azapi where a resource has no azurerm equivalent) with `features {{}}`; the region becomes the `location` variable.{note}"),
            "Authenticate with `az login` or a service principal / workload identity in CI; default tags move to each resource's `tags`.",
            span,
        );
    }
}

/// A decision per `import` block and per `moved` block: neither is carried over.
fn import_and_moved_decisions(cx: &mut Ctx, info: &TfInfo) {
    for s in &info.imports {
        cx.template_decision(
            "tf-import-blocks",
            "`import` blocks name AWS resources",
            "The module imports existing AWS resources into state.",
            "The import blocks are not carried over: the Azure resources are new.",
            "Add import blocks for Azure resources that already exist, if any.",
            *s,
        );
    }
    for s in &info.moved {
        cx.template_decision(
            "tf-moved-blocks",
            "`moved` blocks are history of the AWS state",
            "The module records resource renames with `moved` blocks.",
            "They are not carried over: the new configuration has no history.",
            "Nothing to do.",
            *s,
        );
    }
}

/// The decision listing the AWS data sources the module reads.
fn data_source_decision(cx: &mut Ctx, info: &TfInfo) {
    if !info.data_used.is_empty() {
        let list: Vec<String> = info
            .data_used
            .iter()
            .map(|(t, n, _)| format!("`data.{t}.{n}`"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let span = info.data_used[0].2;
        cx.template_decision(
            "tf-aws-data-sources",
            "AWS data sources",
            &format!("The module reads AWS data sources: {}.", list.join(", ")),
            "Account, region and partition become the subscription, `location` and the Azure cloud; policy documents become the policies they describe; availability zones become zone numbers; every other data source becomes a value to supply (a parameter).",
            "Supply the parameters, or look the values up with azurerm data sources.",
            span,
        );
    }
}
