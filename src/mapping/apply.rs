//! Applies the mapping tables to one template: the Azure module, a report
//! entry per AWS resource, and the decisions.

use std::collections::{BTreeMap, BTreeSet};

use super::table::{DecisionSpec, Entry, Facts, MapTables, holds_with};
use crate::azure::*;
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Template;
use crate::names::{Symbols, kebab, lower_camel};
use crate::source::{SourceMap, Span};

use super::context::{Ctx, Prepared, StackResult, fill_text};
use super::prune::{prune_parameters, replace_missing_symbols};

/// Maps a parsed template to the Azure model, wording decisions in `words` (the chosen
/// back end's vocabulary).
pub fn map_template(
    t: &Template,
    tables: &MapTables,
    sources: &SourceMap,
    words: Vocabulary,
) -> StackResult {
    let mut cx = new_ctx(t, tables, sources, words);
    cx.syms.reserve("location");
    cx.syms.reserve("nameSuffix");
    let seq = cx.next_seq();
    cx.module.params.push(AzParam {
        seq,
        default: Some(match &tables.answers.location {
            Some(l) => AzExpr::str(l.clone()),
            None => AzExpr::path("resourceGroup()", "location"),
        }),
        description: Some(
            "Azure region of every regional resource (was the stack's region, AWS::Region).".into(),
        ),
        ..AzParam::new("location", "string")
    });
    super::params::declare(&mut cx);
    macro_decisions(&mut cx);
    cx.prepare();
    super::terraform::declare_locals(&mut cx);
    super::params::conditions_and_mappings(&mut cx);
    for i in 0..t.resources.len() {
        cx.map_resource(i);
    }
    super::gateways::finish(&mut cx);
    super::classic_elb::finish(&mut cx);
    super::certificates::finish(&mut cx);
    super::file_systems::finish(&mut cx);
    super::network::finish(&mut cx);
    super::nacl::finish(&mut cx);
    super::dhcp::finish(&mut cx);
    super::flow_logs::finish(&mut cx);
    super::instance_connect::finish(&mut cx);
    super::scale_sets::finish(&mut cx);
    super::containers::finish(&mut cx);
    super::balancer_parts::finish(&mut cx);
    super::kubernetes::finish(&mut cx);
    super::dns::finish(&mut cx);
    super::edge::finish(&mut cx);
    super::endpoints::finish(&mut cx);
    super::eventbridge::finish(&mut cx);
    super::graphql::finish(&mut cx);
    super::scheduler::finish(&mut cx);
    super::data_plane::finish(&mut cx);
    super::stepfunctions::finish(&mut cx);
    let triggers = super::events::wire(&mut cx);
    super::access::emit(&mut cx, triggers);
    super::access::unattached_policies(&mut cx);
    super::adopt::adopt(&mut cx);
    super::prefix::apply(&mut cx);
    super::network::inline_children(&mut cx);
    super::network::prune_depends_on(&mut cx);
    super::params::outputs(&mut cx);
    super::terraform::calls_and_passthrough(&mut cx);
    super::nested::finish(&mut cx);
    if cx.needs_suffix {
        cx.module.vars.insert(
            0,
            AzVar {
                name: "nameSuffix".into(),
                value: AzExpr::call("uniqueString", vec![AzExpr::path("resourceGroup()", "id")]),
                comment: Some("Makes globally unique names (storage, Key Vault, Service Bus, sites) deterministic per resource group.".into()),
                tf_name: None,
            },
        );
    }
    ignored_property_decisions(&mut cx);
    replace_missing_symbols(&mut cx);
    prune_parameters(&mut cx);
    super::stand_ins::retype(&mut cx);
    super::flows::check(&mut cx);
    super::secrets::record(&mut cx);
    cx.module.header = module_header(&cx);
    cx.decisions.sort_by(|a, b| a.id.cmp(&b.id));
    StackResult {
        module: cx.module,
        resources: cx.reports,
        decisions: cx.decisions,
        diagnostics: cx.diagnostics,
        used_types: cx.used_types,
        symbols: cx.syms,
        side_files: cx.side_files,
        param_syms: cx.param_syms,
    }
}

/// A fresh mapping context for template `t`.
fn new_ctx<'a>(
    t: &'a Template,
    tables: &'a MapTables,
    sources: &'a SourceMap,
    words: Vocabulary,
) -> Ctx<'a> {
    Ctx {
        t,
        tables,
        sources,
        syms: Symbols::default(),
        module: AzModule::default(),
        prepared: Vec::new(),
        shared: BTreeMap::new(),
        shared_emitted: BTreeSet::new(),
        decisions: Vec::new(),
        reports: Vec::new(),
        diagnostics: Vec::new(),
        param_syms: BTreeMap::new(),
        condition_syms: BTreeMap::new(),
        mapping_syms: BTreeMap::new(),
        local_syms: BTreeMap::new(),
        words,
        current: None,
        reporting: None,
        seq: 0,
        subject: None,
        current_decisions: Vec::new(),
        current_status_floor: None,
        loop_var: None,
        needs_suffix: false,
        used_types: BTreeSet::new(),
        extra_azure: Vec::new(),
        pending: BTreeMap::new(),
        folded: false,
        folded_status: None,
        function_apis: BTreeMap::new(),
        function_parts: BTreeMap::new(),
        given_once: Default::default(),
        group_prefixes: Vec::new(),
        attached_groups: Vec::new(),
        carved: Vec::new(),
        port_twins: Vec::new(),
        merged_groups: Vec::new(),
        platform_rules: Vec::new(),
        side_files: BTreeMap::new(),
        variants: BTreeMap::new(),
        ignored_by_type: BTreeMap::new(),
    }
}

/// A decision per transform (macro) other than SAM and the language extensions: it
/// is not expanded.
fn macro_decisions(cx: &mut Ctx) {
    let t = cx.t;
    for tr in &t.transforms {
        if tr != "AWS::Serverless-2016-10-31" && tr != "AWS::LanguageExtensions" {
            let span = t
                .sections
                .iter()
                .find(|(n, _)| n == "Transform")
                .map(|(_, s)| *s)
                .unwrap_or_default();
            cx.subject = Some(format!("Transform {tr}"));
            cx.template_decision(
                "macro-not-expanded",
                "Macros are not expanded",
                &format!("The template names the transform `{tr}`; CloudFormation runs it at deployment and deploys what it returns."),
                "The template is converted as written; resources or properties the macro would add or change are missing.",
                "Convert the processed template instead (`aws cloudformation get-template --template-stage Processed`).",
                span,
            );
            cx.subject = None;
        }
    }
}

/// A decision per AWS type listing its properties Azure handles differently.
fn ignored_property_decisions(cx: &mut Ctx) {
    for (ty, (props, affected)) in std::mem::take(&mut cx.ignored_by_type) {
        let list: Vec<String> = props
            .iter()
            .map(|(k, why)| format!("`{k}`: {why}"))
            .collect();
        let id = format!(
            "ignored-properties-{}:{}",
            kebab(&ty.replace("::", "-")),
            cx.file()
        );
        cx.decisions.push(Decision {
            id,
            rule: format!("ignored-properties-{}", kebab(&ty.replace("::", "-"))),
            title: format!("{ty}: properties Azure handles differently"),
            context: format!("Resources of type {ty} set properties that have no Azure setting of their own, or that Azure handles another way."),
            decision: format!("{}.", list.join("; ")),
            consequences: "Review that each difference is acceptable for the workload.".into(),
            resources: affected,
        });
    }
}

/// The header comment of the output: what it was translated from, where the decisions are.
fn module_header(cx: &Ctx) -> Vec<String> {
    let file = cx.file().to_string();
    vec![
        match &cx.t.tf {
            Some(info) => format!(
                "Translated from the Terraform module {} by aws2azure.",
                if info.dir.is_empty() { "." } else { &info.dir }
            ),
            None => format!("Translated from {file} (AWS CloudFormation) by aws2azure."),
        },
        "Decisions are recorded in MIGRATION.md and migration-report.json at the root of the output.".into(),
    ]
}

impl Ctx<'_> {
    pub(super) fn http_invoked(&self, i: usize) -> bool {
        let r = &self.t.resources[i];
        let via_event = r.properties.get("Events").is_some_and(|e| match &e.kind {
            ExprKind::Object(m) => m.iter().any(|(_, _, ev)| {
                matches!(
                    ev.get("Type").and_then(|t| t.as_str()),
                    Some("Api" | "HttpApi")
                )
            }),
            _ => false,
        });
        let via_permission = self.t.resources.iter().any(|p| {
            self.tables.plays(&p.ty, "http-invocation", "permission")
                && p.properties
                    .get("Principal")
                    .and_then(|x| x.as_str())
                    .is_some_and(|s| s.starts_with("apigateway"))
                && p.properties
                    .get("FunctionName")
                    .is_some_and(|f| refers_to(f, &r.id))
        });
        // A GraphQL data source of the function: its resolvers call the app over HTTP.
        let via_graphql = self.t.resources.iter().any(|d| {
            if self.tables.plays(&d.ty, "graphql-apis", "data-source") {
                return d
                    .properties
                    .path("LambdaConfig.LambdaFunctionArn")
                    .is_some_and(|f| refers_to(f, &r.id));
            }
            self.tables.plays(&d.ty, "graphql-apis", "api")
                && d.properties
                    .path("DataSources.Lambda")
                    .is_some_and(|l| refers_to(l, &r.id))
        });
        via_event || via_permission || via_graphql
    }

    /// What `when` conditions read about resource `i` besides its properties.
    pub(super) fn facts(&self, i: usize) -> Facts {
        Facts {
            http_invoked: self.http_invoked(i),
            function_endpoint: super::apis_v2::fronted_api(self, i).is_some(),
            attached: self.plays(i, "grants", "policy")
                && !super::access::policy_roles(self, i).is_empty(),
            has_members: self.has_members(i),
            function_part: self.function_parts.contains_key(&i),
        }
    }

    /// Does a resource of the template that becomes an Azure resource (its entry, or the
    /// variant its properties choose, emits one) name resource `i` in the property the
    /// `member-attributes` table gives for `i`'s type? (An Aurora instance of an engine
    /// with no flexible server carries nothing.)
    fn has_members(&self, i: usize) -> bool {
        let r = &self.t.resources[i];
        let Some(prop) = self.tables.lookup_str("member-attributes", &r.ty, "member") else {
            return false;
        };
        let emits = |m: &crate::model::template::Resource| {
            self.tables.types.get(&m.ty).is_some_and(|e| {
                match e
                    .variants
                    .iter()
                    .find(|v| super::table::holds(&v.when, self.t, m, false))
                {
                    Some(v) => !v.resources.as_ref().unwrap_or(&e.resources).is_empty(),
                    None => !e.resources.is_empty(),
                }
            })
        };
        super::data::members_of(self, i, &prop)
            .into_iter()
            .any(|k| emits(&self.t.resources[k]))
    }

    /// Chooses each resource's entry (variant applied) and allocates its symbols.
    pub(super) fn prepare(&mut self) {
        self.function_apis = super::apis_v2::function_endpoints(self);
        self.function_parts = super::events::function_parts(self);
        for i in 0..self.t.resources.len() {
            let r = &self.t.resources[i];
            let facts = self.facts(i);
            let entry = self.tables.types.get(&r.ty).map(|e| {
                match e
                    .variants
                    .iter()
                    .position(|v| holds_with(&v.when, self.t, r, facts))
                {
                    Some(k) => self
                        .variants
                        .entry((r.ty.clone(), k))
                        .or_insert_with(|| std::sync::Arc::new(e.with(&e.variants[k])))
                        .clone(),
                    None => e.clone(),
                }
            });
            if entry.is_some() {
                self.used_types.insert(r.ty.clone());
            }
            let base = r.id.replace("${", "").replace("&{", "").replace('}', "");
            let mut symbols = BTreeMap::new();
            // `@Function`: the function app that serves an HTTP API (set below, once
            // every resource has its symbol).
            if self.function_apis.contains_key(&i) || self.function_parts.contains_key(&i) {
                symbols.insert("{sym}Function".to_string(), String::new());
            }
            let sym_wanted = if r.for_each.is_some() {
                format!("{base}Items")
            } else {
                base.clone()
            };
            let sym = self.syms.alloc(&sym_wanted);
            symbols.insert("{sym}".to_string(), sym.clone());
            if let Some(e) = &entry {
                for spec in &e.resources {
                    if spec.symbol != "{sym}" && !symbols.contains_key(&spec.symbol) {
                        let wanted = spec.symbol.replace("{sym}", &sym);
                        symbols.insert(spec.symbol.clone(), self.syms.alloc(&wanted));
                    }
                }
                // Symbols that reference specs name (`@PublicIp`) but a transform creates.
                let specs = e.ref_.iter().chain(e.attributes.values());
                for spec in specs {
                    for part in spec.split('@').skip(1) {
                        let suffix: String = part
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect();
                        let key = format!("{{sym}}{suffix}");
                        if !suffix.is_empty() && !symbols.contains_key(&key) {
                            symbols.insert(key, self.syms.alloc(&format!("{sym}{suffix}")));
                        }
                    }
                }
                for spec in &e.shared {
                    if !self.shared.contains_key(&spec.symbol) {
                        let s = self.syms.alloc(&spec.symbol);
                        self.shared.insert(spec.symbol.clone(), s);
                    }
                }
            }
            self.prepared.push(Prepared {
                entry,
                symbols,
                sym,
            });
        }
        let served = self.function_apis.clone().into_iter();
        for (api, f) in served.chain(self.function_parts.clone()) {
            let sym = self.prepared[f].sym.clone();
            self.prepared[api]
                .symbols
                .insert("{sym}Function".to_string(), sym);
        }
    }

    /// Maps resource `i`: its Azure resources, decisions and report line.
    pub(super) fn map_resource(&mut self, i: usize) {
        let r = &self.t.resources[i];
        self.current = Some(i);
        self.reporting = Some(i);
        self.current_decisions.clear();
        self.current_status_floor = None;
        self.loop_var = r
            .for_each
            .as_ref()
            .map(|f| (f.ident.clone(), lower_camel(&f.ident)));
        let line = self.line(r.span);
        let mut azure = Vec::new();
        let (status, service) = match self.prepared[i].entry.clone() {
            None => super::nested::map(self, i).unwrap_or_else(|| self.unmapped(i)),
            Some(entry) => self.emit_entry(i, &entry, &mut azure),
        };
        let mut status = status;
        if let Some(f) = &self.current_status_floor
            && status_rank(f) > status_rank(&status)
            && status != "not-needed"
            && status != "manual"
        {
            status = f.clone();
        }
        if let Some((policy, span)) = &r.deletion_policy
            && policy != "Delete"
            && status != "not-needed"
        {
            self.deletion_policy(i, policy, *span);
        }
        azure.append(&mut self.extra_azure);
        let mut decisions = self.current_decisions.clone();
        for (id, floor) in self.pending.remove(&i).unwrap_or_default() {
            if !decisions.contains(&id) {
                decisions.push(id);
            }
            if let Some(f) = floor
                && status_rank(&f) > status_rank(&status)
                && status != "not-needed"
                && status != "manual"
            {
                status = f;
            }
        }
        self.reports.push(ResourceReport {
            id: r.id.clone(),
            ty: r.ty.clone(),
            line,
            status,
            service,
            azure,
            decisions,
            implicit: r.implicit,
        });
        self.current = None;
        self.reporting = None;
        self.loop_var = None;
    }

    /// Emits the shared and own Azure resources of resource `i`'s entry (adding each to
    /// `azure`) and its decisions; returns the resource's status and service.
    fn emit_entry(
        &mut self,
        i: usize,
        entry: &Entry,
        azure: &mut Vec<(String, String)>,
    ) -> (String, String) {
        let r = &self.t.resources[i];
        let mut consumed = BTreeSet::new();
        let facts = self.facts(i);
        for spec in entry.shared.iter() {
            if self.shared_emitted.insert(spec.symbol.clone()) {
                if let Some(res) = self.emit(i, spec, true, &mut consumed) {
                    azure.push((res.ty.clone(), res.symbol.clone()));
                    self.module.resources.push(res);
                }
            } else if let Some(s) = self.shared.get(&spec.symbol) {
                azure.push((spec.ty.clone(), s.clone()));
            }
        }
        for spec in entry.resources.iter() {
            if spec
                .when
                .as_ref()
                .is_some_and(|w| !holds_with(w, self.t, r, facts))
            {
                continue;
            }
            if let Some(res) = self.emit(i, spec, false, &mut consumed) {
                azure.push((res.ty.clone(), res.symbol.clone()));
                self.module.resources.push(res);
            }
        }
        // A resource another service replaces (`folded_status`) takes none of its
        // entry's decisions: they describe what it would have become.
        let replaced = self.folded_status.is_some();
        for d in entry.decisions.iter() {
            if !replaced
                && d.when
                    .as_ref()
                    .is_none_or(|w| holds_with(w, self.t, r, facts))
            {
                self.table_decision(i, d);
            }
        }
        self.unconsumed(i, entry, &consumed);
        let emitted_own = azure
            .iter()
            .any(|(_, s)| !self.shared.values().any(|x| x == s));
        let folded_status = self.folded_status.take();
        if std::mem::take(&mut self.folded) && !emitted_own {
            (
                folded_status.unwrap_or_else(|| entry.status.clone()),
                entry.service.clone(),
            )
        } else if !entry.resources.is_empty() && !emitted_own {
            let (rid, span, ty) = (r.id.clone(), r.span, r.ty.clone());
            self.decide(
                "not-translated",
                Some((&rid, span)),
                &format!("{rid} ({ty}) is not translated"),
                &format!("The mapping to {} needs values this resource does not provide in a form Azure can use (a metric with no Azure equivalent, a dimension or parent outside the template, a computed setting).", entry.service),
                "Nothing is generated; build the Azure resource by hand from the decisions above.",
                "References to it become parameters.",
            );
            ("manual".to_string(), entry.service.clone())
        } else {
            (entry.status.clone(), entry.service.clone())
        }
    }

    /// A `DeletionPolicy` other than Delete: a deletion guard on the Azure resources,
    /// which each back end honours in its own way (and records as a decision).
    fn deletion_policy(&mut self, i: usize, policy: &str, span: Span) {
        let id = self.t.resources[i].id.clone();
        for res in self.module.resources.iter_mut().filter(|x| x.source == id) {
            res.prevent_destroy = true;
        }
        let mut origin = self.origin(span);
        origin.who = id;
        self.module.guards.push(DeletionGuard {
            policy: policy.to_string(),
            origin,
        });
    }

    pub(super) fn unmapped(&mut self, i: usize) -> (String, String) {
        let r = &self.t.resources[i];
        // A Terraform type kept as its own type: the hint of its service.
        let service_of = self
            .t
            .tf
            .as_ref()
            .and_then(|tf| tf.services.get(&r.ty))
            .cloned();
        let hint = self
            .tables
            .service_hint(&r.ty)
            .or_else(|| self.tables.service_hint(service_of.as_deref()?))
            .cloned();
        let (service, arm, note) = match &hint {
            Some(h) => (
                h.service.clone(),
                h.arm.join(", "),
                h.note.clone().unwrap_or_default(),
            ),
            None => (
                "no direct Azure equivalent known".to_string(),
                String::new(),
                String::new(),
            ),
        };
        let decision = if arm.is_empty() {
            format!("Not translated. Consider: {service}. {note}")
        } else {
            format!("Not translated. Consider: {service} ({arm}). {note}")
        };
        self.decide(
            "manual",
            Some((&r.id, r.span)),
            &match self.t.tf.as_ref().and_then(|tf| tf.tf_names.get(&r.id)) {
                // A Terraform type kept as its own type: the address says it all.
                Some((ty, _)) if *ty == r.ty => {
                    format!("{} needs a manual translation", self.t.report_name(&r.id))
                }
                _ => format!(
                    "{} ({}) needs a manual translation",
                    self.t.report_name(&r.id),
                    r.ty
                ),
            },
            &format!("aws2azure has no mapping for `{}`.", r.ty),
            decision.trim(),
            "Nothing is generated for this resource; references to it become parameters.",
        );
        ("manual".into(), service)
    }

    pub(super) fn table_decision(&mut self, i: usize, d: &DecisionSpec) {
        let r = &self.t.resources[i];
        // `{id}` in a decision is the report's name for the resource (a Terraform address).
        let name = self.t.report_name(&r.id);
        let fill = |s: &str| fill_text(&s.replace("{id}", &name), r);
        let per_resource = [&d.title, &d.context, &d.decision, &d.consequences]
            .iter()
            .any(|s| s.contains('{'));
        let (title, context, decision, consequences) = (
            fill(&d.title),
            fill(&d.context),
            fill(&d.decision),
            fill(&d.consequences),
        );
        if per_resource {
            self.decide(
                &d.rule,
                Some((&r.id, r.span)),
                &title,
                &context,
                &decision,
                &consequences,
            );
        } else {
            let aff = self.affected(&r.id, r.span);
            self.record(Decision {
                id: format!("{}:{}", d.rule, self.file()),
                rule: d.rule.clone(),
                title,
                context,
                decision,
                consequences,
                resources: vec![aff],
            });
        }
        if let Some(s) = &d.status {
            self.floor_status(s);
        }
    }

    pub(super) fn unconsumed(&mut self, i: usize, entry: &Entry, consumed: &BTreeSet<String>) {
        let r = &self.t.resources[i];
        let ExprKind::Object(props) = &r.properties.kind else {
            return;
        };
        let mut missing = Vec::new();
        let mut ignored = Vec::new();
        for (k, span, v) in props {
            if consumed.contains(k) || v.is_null() {
                continue;
            }
            match entry.ignored.get(k) {
                Some(reason) => ignored.push((k.clone(), reason.trim_end_matches('.').to_string())),
                None => missing.push((k.clone(), *span)),
            }
        }
        if !ignored.is_empty() {
            // One decision per type and template: the properties with their reasons, and every resource that set them.
            let id = format!(
                "ignored-properties-{}:{}",
                kebab(&r.ty.replace("::", "-")),
                self.file()
            );
            let aff = self.affected(&r.id, r.span);
            let slot = self.ignored_by_type.entry(r.ty.clone()).or_default();
            slot.0.extend(ignored);
            if !slot.1.contains(&aff) {
                slot.1.push(aff);
            }
            if !self.current_decisions.contains(&id) {
                self.current_decisions.push(id);
            }
        }
        if !missing.is_empty() {
            let names: Vec<String> = missing
                .iter()
                .map(|(k, s)| format!("`{k}` (line {})", self.line(*s)))
                .collect();
            self.decide(
                "untranslated-properties",
                Some((&r.id, r.span)),
                &format!("Properties of {} not translated", self.t.report_name(&r.id)),
                &format!("The mapping for {} does not cover every property this template sets.", r.ty),
                &format!("Not carried over: {}.", names.join(", ")),
                "Set the equivalent Azure settings by hand, or extend the mapping table with `--mappings`.",
            );
            self.floor_status("partial");
        }
    }
}

pub(super) fn refers_to(e: &Expr, id: &str) -> bool {
    let mut found = false;
    e.walk(&mut |x| match &x.kind {
        ExprKind::Ref(n) if n == id => found = true,
        ExprKind::GetAtt { resource, .. } if resource == id => found = true,
        _ => {}
    });
    found
}
