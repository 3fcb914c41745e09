//! Applies the mapping tables to one template: the Azure module, a report
//! entry per AWS resource, and the decisions.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::names::{Symbols, kebab, lower_camel};
use super::table::{DecisionSpec, Entry, ResourceSpec, Tables, When};
use super::transforms;
use crate::azure::*;
use crate::diag::Diagnostic;
use crate::model::expr::{Expr, ExprKind};
use crate::model::graph::ResourceGraph;
use crate::model::template::{Resource, Template};
use crate::source::{SourceMap, Span};

/// Report data for one AWS resource.
#[derive(Clone, Debug)]
pub struct ResourceReport {
    pub id: String,
    pub ty: String,
    pub line: usize,
    pub status: String,
    pub service: String,
    pub azure: Vec<(String, String)>,
    pub decisions: Vec<String>,
    pub implicit: bool,
}

pub struct StackResult {
    pub module: AzModule,
    pub resources: Vec<ResourceReport>,
    pub decisions: Vec<Decision>,
    pub diagnostics: Vec<Diagnostic>,
    /// Type keys of the tables this template used (for unused-override warnings).
    pub used_types: BTreeSet<String>,
}

/// Per-resource state prepared before any resource is emitted, so references
/// can point forward.
pub struct Prepared {
    pub entry: Option<std::sync::Arc<Entry>>,
    /// Spec symbol template (`{sym}Plan`) → allocated symbol.
    pub symbols: BTreeMap<String, String>,
    pub sym: String,
}

pub struct Ctx<'a> {
    pub t: &'a Template,
    pub tables: &'a Tables,
    pub sources: &'a SourceMap,
    pub syms: Symbols,
    pub module: AzModule,
    pub prepared: Vec<Prepared>,
    pub shared: BTreeMap<String, String>,
    pub shared_emitted: BTreeSet<String>,
    pub decisions: Vec<Decision>,
    pub reports: Vec<ResourceReport>,
    pub diagnostics: Vec<Diagnostic>,
    pub param_syms: BTreeMap<String, String>,
    pub condition_syms: BTreeMap<String, String>,
    pub mapping_syms: BTreeMap<String, String>,
    /// Index of the resource being mapped, for decisions raised while translating it.
    pub current: Option<usize>,
    /// What a template-level decision is about when no resource is current (a parameter, an output).
    pub subject: Option<String>,
    pub current_decisions: Vec<String>,
    pub current_status_floor: Option<String>,
    pub loop_var: Option<(String, String)>,
    pub needs_suffix: bool,
    pub used_types: BTreeSet<String>,
    /// Azure resources a transform created for the current resource (a public IP, an ASG).
    pub extra_azure: Vec<(String, String)>,
    /// Entries with a variant applied, shared by the resources that chose it.
    pub variants: BTreeMap<(String, usize), std::sync::Arc<Entry>>,
    /// Ignored properties per AWS type (property → reason) and the resources that set them.
    pub ignored_by_type: BTreeMap<String, (BTreeMap<String, String>, Vec<Affected>)>,
}

fn status_rank(s: &str) -> u8 {
    match s {
        "not-needed" => 0,
        "translated" => 1,
        "partial" => 2,
        _ => 3,
    }
}

impl<'a> Ctx<'a> {
    pub fn file(&self) -> &str {
        &self.sources.get(self.t.file).path
    }

    pub fn line(&self, span: Span) -> usize {
        self.sources.locate(span).1
    }

    fn affected(&self, id: &str, span: Span) -> Affected {
        Affected {
            id: id.to_string(),
            file: self.file().to_string(),
            line: self.line(span),
        }
    }

    /// Records a decision. Per-resource when `id` is given, else template-wide;
    /// a second record with the same id adds its resource to the first.
    pub fn decide(
        &mut self,
        rule: &str,
        resource: Option<(&str, Span)>,
        title: &str,
        context: &str,
        decision: &str,
        consequences: &str,
    ) -> String {
        let id = match resource {
            Some((rid, _)) => format!("{rule}:{}#{rid}", self.file()),
            None => format!("{rule}:{}", self.file()),
        };
        let aff = resource.map(|(rid, span)| self.affected(rid, span));
        self.record(Decision {
            id: id.clone(),
            rule: rule.to_string(),
            title: title.to_string(),
            context: context.to_string(),
            decision: decision.to_string(),
            consequences: consequences.to_string(),
            resources: aff.into_iter().collect(),
        });
        id
    }

    /// A template-wide decision, noting the current resource (or the subject, a
    /// parameter or output) at `span` as affected.
    pub fn template_decision(
        &mut self,
        rule: &str,
        title: &str,
        context: &str,
        decision: &str,
        consequences: &str,
        span: Span,
    ) {
        let who = match self.current {
            Some(i) => self.t.resources[i].id.clone(),
            None => self
                .subject
                .clone()
                .unwrap_or_else(|| "(template)".to_string()),
        };
        let aff = self.affected(&who, span);
        self.record(Decision {
            id: format!("{rule}:{}", self.file()),
            rule: rule.into(),
            title: title.into(),
            context: context.into(),
            decision: decision.into(),
            consequences: consequences.into(),
            resources: vec![aff],
        });
    }

    /// Adds a decision, or its affected resources to the decision with the same id.
    fn record(&mut self, d: Decision) {
        let id = d.id.clone();
        match self.decisions.iter_mut().find(|x| x.id == id) {
            Some(x) => {
                for a in d.resources {
                    if !x.resources.contains(&a) {
                        x.resources.push(a);
                    }
                }
            }
            None => self.decisions.push(d),
        }
        if self.current.is_some() && !self.current_decisions.contains(&id) {
            self.current_decisions.push(id);
        }
    }

    /// A decision about resource `i` taken by a later pass: recorded, added to
    /// its report entry, and its status lowered to `floor` when given.
    #[allow(clippy::too_many_arguments)]
    pub fn decide_later(
        &mut self,
        i: usize,
        rule: &str,
        title: &str,
        context: &str,
        decision: &str,
        consequences: &str,
        floor: Option<&str>,
    ) -> String {
        let (rid, span) = (self.t.resources[i].id.clone(), self.t.resources[i].span);
        let saved = (
            self.current.take(),
            std::mem::take(&mut self.current_decisions),
        );
        let id = self.decide(
            rule,
            Some((&rid, span)),
            title,
            context,
            decision,
            consequences,
        );
        (self.current, self.current_decisions) = saved;
        if let Some(rep) = self.reports.iter_mut().find(|x| x.id == rid) {
            if !rep.decisions.contains(&id) {
                rep.decisions.push(id.clone());
            }
            if let Some(f) = floor
                && status_rank(f) > status_rank(&rep.status)
                && rep.status != "not-needed"
                && rep.status != "manual"
            {
                rep.status = f.to_string();
            }
        }
        id
    }

    /// Lowers the current resource's status to at least `s`.
    pub fn floor_status(&mut self, s: &str) {
        let cur = self
            .current_status_floor
            .clone()
            .unwrap_or_else(|| "translated".into());
        if status_rank(s) > status_rank(&cur) {
            self.current_status_floor = Some(s.to_string());
        }
    }

    /// A parameter created by the converter, keyed by a stable name; created once.
    pub fn param_for(&mut self, key: &str, ty: &str, init: impl FnOnce(&mut AzParam)) -> String {
        if let Some(s) = self.param_syms.get(&format!("#{key}")) {
            return s.clone();
        }
        let sym = self.syms.alloc(&super::names::camel_from_words(key));
        let mut p = AzParam::new(sym.clone(), ty);
        init(&mut p);
        self.module.params.push(p);
        self.param_syms.insert(format!("#{key}"), sym.clone());
        sym
    }

    /// A stand-in for a value with no Azure translation: a typed parameter plus a decision.
    pub fn placeholder(&mut self, key: &str, what: &str, span: Span) -> AzExpr {
        let p = self.param_for(key, "string", |p| {
            p.description = Some(format!(
                "Stands in for {what}, which has no Azure translation. Supply the Azure value."
            ));
            p.required_reason = Some(format!("stands in for {what}"));
        });
        self.floor_status("partial");
        self.template_decision(
            "placeholder",
            "Values with no Azure equivalent become parameters",
            "Some values refer to AWS resources that are not translated, or to attributes with no Azure counterpart.",
            "Each such value is a parameter named after what it stood for, so the Bicep stays valid and the gap is visible.",
            "Supply each parameter at deployment, or edit the Bicep to reference the Azure resource that replaces it.",
            span,
        );
        AzExpr::ident(p)
    }

    pub fn condition_ref(&mut self, name: &str) -> AzExpr {
        match self.condition_syms.get(name) {
            Some(s) => AzExpr::ident(s),
            None => AzExpr::Bool(false),
        }
    }

    pub fn mapping_var(&mut self, name: &str) -> AzExpr {
        match self.mapping_syms.get(name) {
            Some(s) => AzExpr::ident(s),
            None => AzExpr::Object(Vec::new()),
        }
    }

    pub fn note_zones(&mut self, span: Span) {
        self.template_decision(
            "availability-zones",
            "Availability Zones become zone numbers",
            "AWS subnets and instances name an Availability Zone (`Fn::GetAZs`); Azure subnets span every zone, and zone numbers are logical per subscription.",
            "`!Select [i, !GetAZs '']` becomes zone `i+1`; subnets drop the zone, zonal resources keep it.",
            "Confirm the region has zones; in a region without zones remove the zone settings.",
            span,
        );
    }

    pub fn tr_ref(&mut self, name: &str, span: Span) -> AzExpr {
        if let Some((ident, var)) = &self.loop_var
            && ident == name
        {
            return AzExpr::ident(var);
        }
        if let Some(p) = self.param_syms.get(name) {
            return AzExpr::ident(p);
        }
        if let Some(e) = self.pseudo(name, span) {
            return e;
        }
        let target = self.t.resolve(name).to_string();
        match self.t.resources.iter().position(|r| r.id == target) {
            Some(i) => {
                let spec = self.prepared[i].entry.as_ref().and_then(|e| e.ref_.clone());
                match spec {
                    Some(s) if self.t.resources[i].for_each.is_some() => {
                        self.loop_reference(i, name, &s, span)
                    }
                    Some(s) => self.reference_expr(i, &s),
                    None => self.placeholder(
                        &format!("{}-ref", kebab(&target)),
                        &format!("Ref {target} ({})", self.t.resources[i].ty),
                        span,
                    ),
                }
            }
            None => self.placeholder(
                &format!("{}-ref", kebab(name)),
                &format!("Ref {name}"),
                span,
            ),
        }
    }

    pub fn tr_getatt(&mut self, resource: &str, attribute: &str, span: Span) -> AzExpr {
        let target = self.t.resolve(resource).to_string();
        match self.t.resources.iter().position(|r| r.id == target) {
            Some(i) => {
                let spec = self.prepared[i]
                    .entry
                    .as_ref()
                    .and_then(|e| e.attributes.get(attribute).cloned());
                match spec {
                    Some(s) if self.t.resources[i].for_each.is_some() => {
                        self.loop_reference(i, resource, &s, span)
                    }
                    Some(s) => self.reference_expr(i, &s),
                    None => {
                        let key =
                            format!("{}-{}", kebab(&target), kebab(&attribute.replace('.', "-")));
                        self.placeholder(
                            &key,
                            &format!("GetAtt {target}.{attribute} ({})", self.t.resources[i].ty),
                            span,
                        )
                    }
                }
            }
            None => self.placeholder(
                &format!("{}-{}", kebab(resource), kebab(attribute)),
                &format!("GetAtt {resource}.{attribute}"),
                span,
            ),
        }
    }

    /// A reference to one copy of a `Fn::ForEach` resource (`OrdersQueue` of
    /// `${Name}Queue`): the loop's element whose value the name spells, when the
    /// collection is known; inside the loop, the current element.
    fn loop_reference(&mut self, i: usize, name: &str, spec: &str, span: Span) -> AzExpr {
        let r = &self.t.resources[i];
        let Some(fe) = r.for_each.clone() else {
            return self.reference_expr(i, spec);
        };
        if self.current == Some(i) {
            return self.reference_expr(i, spec);
        }
        let values: Vec<String> = match &fe.collection.kind {
            ExprKind::List(items) => items.iter().filter_map(|x| x.literal_text()).collect(),
            ExprKind::Ref(p) => self
                .t
                .parameter(p)
                .and_then(|p| p.default.as_ref())
                .and_then(|d| d.literal_text())
                .map(|d| d.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let pattern =
            r.id.replace("&{", "${")
                .replace(&format!("${{{}}}", fe.ident), "\u{0}");
        let (pre, post) = pattern.split_once('\u{0}').unwrap_or((&pattern, ""));
        let wanted = name
            .strip_prefix(pre)
            .and_then(|n| n.strip_suffix(post))
            .unwrap_or("");
        match values.iter().position(|v| {
            v == wanted || v.replace(|c: char| !c.is_ascii_alphanumeric(), "") == wanted
        }) {
            Some(idx) => {
                let sym = self.prepared[i].sym.clone();
                let e = self.reference_expr(i, spec);
                index_symbol(e, &sym, idx as i64)
            }
            None => self.placeholder(
                &format!("{}-ref", kebab(name)),
                &format!("{name} (a copy made by Fn::ForEach)"),
                span,
            ),
        }
    }

    /// A reference spec of resource `i`: `{sym}.id`, `{sym}Plan.name`, or an
    /// interpolation `'https://${{sym}.name}.example'`.
    pub fn reference_expr(&mut self, i: usize, spec: &str) -> AzExpr {
        if let Some(lit) = spec.strip_prefix('=') {
            return AzExpr::str(lit);
        }
        if spec.contains("${") {
            let mut parts = Vec::new();
            for p in super::super::frontend::cfn::sub::parse(spec) {
                match p {
                    crate::frontend::cfn::sub::Piece::Lit(l) => parts.push(Interp::Lit(l)),
                    crate::frontend::cfn::sub::Piece::Var(v) => {
                        parts.push(Interp::Expr(self.path_expr(i, &v.replace('@', "{sym}"))))
                    }
                }
            }
            return super::exprs::interp(parts);
        }
        self.path_expr(i, &spec.replace('@', "{sym}"))
    }

    fn path_expr(&self, i: usize, spec: &str) -> AzExpr {
        let (root, rest) = spec.split_once('.').unwrap_or((spec, ""));
        let sym = self.resolve_symbol(i, root);
        let mut e = AzExpr::ident(sym);
        for seg in rest.split('.').filter(|s| !s.is_empty()) {
            match seg.strip_suffix(']').and_then(|s| s.split_once('[')) {
                Some((m, idx)) => {
                    if !m.is_empty() {
                        e = e.member(m);
                    }
                    e = AzExpr::Index(Box::new(e), Box::new(AzExpr::Int(idx.parse().unwrap_or(0))));
                }
                None => e = e.member(seg),
            }
        }
        e
    }

    /// A symbol template of resource `i` (`{sym}`, `{sym}Plan`) or a shared symbol.
    pub fn resolve_symbol(&self, i: usize, template: &str) -> String {
        if let Some(s) = self.prepared[i].symbols.get(template) {
            return s.clone();
        }
        if let Some(s) = self.shared.get(template) {
            return s.clone();
        }
        template.replace("{sym}", &self.prepared[i].sym)
    }

    fn pseudo(&mut self, name: &str, span: Span) -> Option<AzExpr> {
        let (e, note) = match name {
            "AWS::Region" => (
                AzExpr::ident("location"),
                "`AWS::Region` → the `location` parameter (default: the resource group's region)",
            ),
            "AWS::AccountId" => (
                AzExpr::path("subscription()", "subscriptionId"),
                "`AWS::AccountId` → `subscription().subscriptionId`",
            ),
            "AWS::StackName" => (
                AzExpr::path("deployment()", "name"),
                "`AWS::StackName` → `deployment().name`",
            ),
            "AWS::StackId" => (
                AzExpr::path("deployment()", "name"),
                "`AWS::StackId` → `deployment().name`",
            ),
            "AWS::Partition" => (
                AzExpr::path("environment()", "name"),
                "`AWS::Partition` → `environment().name` (the Azure cloud, e.g. AzureCloud); ARNs built with it have no Azure meaning",
            ),
            "AWS::URLSuffix" => (
                AzExpr::path("environment()", "suffixes.storage"),
                "`AWS::URLSuffix` → `environment().suffixes.storage`; endpoints built with it must be reviewed",
            ),
            "AWS::NotificationARNs" => (
                AzExpr::Array(Vec::new()),
                "`AWS::NotificationARNs` → an empty list (Azure deployments have no notification topics)",
            ),
            "AWS::NoValue" => return Some(AzExpr::Null),
            _ => return None,
        };
        self.template_decision(
            &format!("pseudo-{}", kebab(name.trim_start_matches("AWS::"))),
            &format!("Pseudo parameter {name}"),
            "CloudFormation pseudo parameters describe the stack's account, region and partition; an Azure deployment has a subscription, resource group and cloud instead.",
            note,
            "Names and strings built from it change; anything that parsed ARNs must be reviewed.",
            span,
        );
        Some(e)
    }
}

/// Evaluates a `when` against literal property values.
pub fn holds(w: &When, t: &Template, r: &Resource, http_invoked: bool) -> bool {
    if let Some(h) = w.http_invoked
        && h != http_invoked
    {
        return false;
    }
    let Some(prop) = &w.prop else { return true };
    let v = r.properties.path(prop).filter(|v| !v.is_null());
    if !w.ref_engine.is_empty() {
        let source = v.and_then(|e| match &e.kind {
            ExprKind::Ref(n) | ExprKind::GetAtt { resource: n, .. } => t.resource(t.resolve(n)),
            _ => None,
        });
        let engine = source
            .and_then(|s| s.properties.get("Engine"))
            .and_then(|e| e.literal_text())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ok = w.ref_engine.iter().any(|m| match m.strip_suffix('*') {
            Some(p) => engine.starts_with(&p.to_ascii_lowercase()),
            None => engine == m.to_ascii_lowercase(),
        });
        if !ok {
            return false;
        }
    }
    if let Some(p) = w.present
        && v.is_some() != p
    {
        return false;
    }
    let text = v.and_then(|v| v.literal_text());
    if let Some(eq) = &w.equals {
        let want = match eq {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if !text.as_ref().is_some_and(|t| t.eq_ignore_ascii_case(&want)) {
            return false;
        }
    }
    if !w.matches.is_empty() {
        let Some(t) = &text else { return false };
        let t = t.to_ascii_lowercase();
        let ok = w.matches.iter().any(|m| match m.strip_suffix('*') {
            Some(prefix) => t.starts_with(&prefix.to_ascii_lowercase()),
            None => t == m.to_ascii_lowercase(),
        });
        if !ok {
            return false;
        }
    }
    if let Some(a) = w.above
        && !text
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(|x| x > a)
    {
        return false;
    }
    true
}

/// Maps a parsed template.
pub fn map_template(
    t: &Template,
    graph: &ResourceGraph,
    tables: &Tables,
    sources: &SourceMap,
) -> StackResult {
    let _ = graph;
    let mut cx = Ctx {
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
        current: None,
        subject: None,
        current_decisions: Vec::new(),
        current_status_floor: None,
        loop_var: None,
        needs_suffix: false,
        used_types: BTreeSet::new(),
        extra_azure: Vec::new(),
        variants: BTreeMap::new(),
        ignored_by_type: BTreeMap::new(),
    };
    cx.syms.reserve("location");
    cx.syms.reserve("nameSuffix");
    cx.module.params.push(AzParam {
        default: Some(AzExpr::path("resourceGroup()", "location")),
        description: Some(
            "Azure region of every regional resource (was the stack's region, AWS::Region).".into(),
        ),
        ..AzParam::new("location", "string")
    });
    super::params::declare(&mut cx);
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
    cx.prepare();
    super::params::conditions_and_mappings(&mut cx);
    for i in 0..t.resources.len() {
        cx.map_resource(i);
    }
    super::network::finish(&mut cx);
    let triggers = super::events::wire(&mut cx);
    super::access::emit(&mut cx, triggers);
    super::network::inline_children(&mut cx);
    super::network::prune_depends_on(&mut cx);
    super::params::outputs(&mut cx);
    if cx.needs_suffix {
        cx.module.vars.insert(
            0,
            AzVar {
                name: "nameSuffix".into(),
                value: AzExpr::call("uniqueString", vec![AzExpr::path("resourceGroup()", "id")]),
                comment: Some("Makes globally unique names (storage, Key Vault, Service Bus, sites) deterministic per resource group.".into()),
            },
        );
    }
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
    replace_missing_symbols(&mut cx);
    prune_parameters(&mut cx);
    let file = cx.file().to_string();
    cx.module.header = vec![
        format!("Translated from {file} (AWS CloudFormation) by aws2azure."),
        "Decisions are recorded in MIGRATION.md and migration-report.json at the root of the output.".into(),
    ];
    cx.decisions.sort_by(|a, b| a.id.cmp(&b.id));
    StackResult {
        module: cx.module,
        resources: cx.reports,
        decisions: cx.decisions,
        diagnostics: cx.diagnostics,
        used_types: cx.used_types,
    }
}

impl Ctx<'_> {
    fn http_invoked(&self, i: usize) -> bool {
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
            p.ty == "AWS::Lambda::Permission"
                && p.properties
                    .get("Principal")
                    .and_then(|x| x.as_str())
                    .is_some_and(|s| s.starts_with("apigateway"))
                && p.properties
                    .get("FunctionName")
                    .is_some_and(|f| refers_to(f, &r.id))
        });
        via_event || via_permission
    }

    /// Chooses each resource's entry (variant applied) and allocates its symbols.
    fn prepare(&mut self) {
        for i in 0..self.t.resources.len() {
            let r = &self.t.resources[i];
            let http = self.http_invoked(i);
            let entry = self.tables.types.get(&r.ty).map(|e| {
                match e
                    .variants
                    .iter()
                    .position(|v| holds(&v.when, self.t, r, http))
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
    }

    fn map_resource(&mut self, i: usize) {
        let r = &self.t.resources[i];
        self.current = Some(i);
        self.current_decisions.clear();
        self.current_status_floor = None;
        self.loop_var = r
            .for_each
            .as_ref()
            .map(|f| (f.ident.clone(), lower_camel(&f.ident)));
        let line = self.line(r.span);
        let mut azure = Vec::new();
        let (status, service) = match self.prepared[i].entry.clone() {
            None => self.unmapped(i),
            Some(entry) => {
                let mut consumed = BTreeSet::new();
                let http = self.http_invoked(i);
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
                        .is_some_and(|w| !holds(w, self.t, r, http))
                    {
                        continue;
                    }
                    if let Some(res) = self.emit(i, spec, false, &mut consumed) {
                        azure.push((res.ty.clone(), res.symbol.clone()));
                        self.module.resources.push(res);
                    }
                }
                for d in entry.decisions.iter() {
                    if d.when.as_ref().is_none_or(|w| holds(w, self.t, r, http)) {
                        self.table_decision(i, d);
                    }
                }
                self.unconsumed(i, &entry, &consumed);
                let emitted_own = azure
                    .iter()
                    .any(|(_, s)| !self.shared.values().any(|x| x == s));
                if !entry.resources.is_empty() && !emitted_own {
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
            self.decide(
                    "deletion-policy",
                    Some((&r.id, *span)),
                    &format!("DeletionPolicy {policy} of {}", r.id),
                    &format!("`DeletionPolicy: {policy}` keeps (or snapshots) the resource when the stack deletes it."),
                    "Azure deployments never delete resources they no longer declare (incremental mode); nothing replaces the policy in the Bicep.",
                    "To guard against deletion add a `CanNotDelete` resource lock; for Snapshot, take a backup before deleting.",
                );
        }
        azure.append(&mut self.extra_azure);
        let decisions = self.current_decisions.clone();
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
        self.loop_var = None;
    }

    fn unmapped(&mut self, i: usize) -> (String, String) {
        let r = &self.t.resources[i];
        let hint = self.tables.service_hint(&r.ty).cloned();
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
            &format!("{} ({}) needs a manual translation", r.id, r.ty),
            &format!("aws2azure has no mapping for `{}`.", r.ty),
            decision.trim(),
            "Nothing is generated for this resource; references to it become parameters.",
        );
        ("manual".into(), service)
    }

    fn table_decision(&mut self, i: usize, d: &DecisionSpec) {
        let r = &self.t.resources[i];
        let fill = |s: &str| fill_text(s, r);
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

    fn unconsumed(&mut self, i: usize, entry: &Entry, consumed: &BTreeSet<String>) {
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
                &format!("Properties of {} not translated", r.id),
                &format!("The mapping for {} does not cover every property this template sets.", r.ty),
                &format!("Not carried over: {}.", names.join(", ")),
                "Set the equivalent Azure settings by hand, or extend the mapping table with `--mappings`.",
            );
            self.floor_status("partial");
        }
    }

    /// Builds one Azure resource from a spec.
    fn emit(
        &mut self,
        i: usize,
        spec: &ResourceSpec,
        shared: bool,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzResource> {
        let r = &self.t.resources[i];
        let symbol = if shared {
            self.shared.get(&spec.symbol).cloned()?
        } else {
            self.resolve_symbol(i, &spec.symbol)
        };
        let parent = match &spec.parent {
            None => None,
            Some(Value::String(p)) => Some(self.resolve_symbol(i, p)),
            Some(v) => {
                let prop = v.get("$prop").and_then(|p| p.as_str()).unwrap_or("");
                consumed.insert(prop.split('.').next().unwrap_or(prop).to_string());
                r.properties
                    .path(prop)
                    .and_then(|e| self.referenced_resource(e))
                    .and_then(|j| {
                        let first = self.prepared[j]
                            .entry
                            .as_ref()?
                            .resources
                            .first()?
                            .symbol
                            .clone();
                        Some(self.resolve_symbol(j, &first))
                    })
            }
        };
        let parent = match (&spec.parent, parent) {
            (Some(v), None) => Some(self.existing_parent(i, v, spec)),
            (_, p) => p,
        };
        let name = self
            .eval(i, &spec.name, consumed)
            .unwrap_or_else(|| AzExpr::str(kebab(&r.id)));
        let name =
            if r.for_each.is_some() && !shared && !mentions_loop_var(&name, self.loop_var.as_ref())
            {
                let var = self
                    .loop_var
                    .as_ref()
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                super::exprs::interp(vec![
                    Interp::Expr(name),
                    Interp::Lit("-".into()),
                    Interp::Expr(AzExpr::ident(var)),
                ])
            } else {
                name
            };
        let location = match &spec.location {
            None | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some(AzExpr::ident("location")),
            Some(v) => self.eval(i, v, consumed),
        };
        let tags = if spec.tags {
            self.tags(i, consumed)
        } else {
            None
        };
        let mut body = Vec::new();
        for (k, v) in &spec.body {
            if let Some(x) = self.eval(i, v, consumed) {
                body.push((k.clone(), x));
            } else if spec.required.contains(k) {
                return None;
            }
        }
        let condition = r.condition.as_ref().map(|(c, _)| self.condition_ref(c));
        let for_each = match (&r.for_each, shared) {
            (Some(f), false) => Some((lower_camel(&f.ident), self.tr(&f.collection))),
            _ => None,
        };
        let mut depends_on = Vec::new();
        if !shared {
            for (d, _) in &r.depends_on {
                if let Some(j) = self
                    .t
                    .resources
                    .iter()
                    .position(|x| x.id == self.t.resolve(d))
                    && let Some(e) = &self.prepared[j].entry
                    && let Some(first) = e.resources.first()
                    && first.when.is_none()
                {
                    let s = self.resolve_symbol(j, &first.symbol);
                    if s != symbol && !depends_on.contains(&s) {
                        depends_on.push(s);
                    }
                }
            }
        }
        let comments = match (&spec.comment, shared) {
            (_, true) => spec.comment.iter().map(|c| fill_text(c, r)).collect(),
            (Some(c), false) => vec![fill_text(c, r)],
            (None, false) if spec.symbol == "{sym}" => vec![format!("Was {} ({}).", r.id, r.ty)],
            _ => Vec::new(),
        };
        Some(AzResource {
            symbol,
            ty: spec.ty.clone(),
            api: spec.api.clone(),
            parent,
            name,
            location,
            tags,
            body,
            condition: if shared { None } else { condition },
            for_each,
            depends_on,
            comments,
            source: if shared { String::new() } else { r.id.clone() },
            ..Default::default()
        })
    }

    /// A parent outside the template (its id is a parameter or a literal)
    /// becomes an `existing` resource whose name is a new parameter.
    fn existing_parent(&mut self, i: usize, v: &Value, spec: &ResourceSpec) -> String {
        let r = &self.t.resources[i];
        let prop = v.get("$prop").and_then(|p| p.as_str()).unwrap_or("");
        let src = r.properties.path(prop);
        let origin = match src.map(|e| &e.kind) {
            Some(ExprKind::Ref(p)) => p.clone(),
            Some(ExprKind::ImportValue(_)) => format!("{}Import", r.id),
            Some(ExprKind::Str(s)) => s.clone(),
            _ => format!("{}{}", r.id, prop),
        };
        let parent_ty = spec
            .ty
            .rsplit_once('/')
            .map_or(spec.ty.clone(), |(p, _)| p.to_string());
        let kind = parent_ty
            .rsplit('/')
            .next()
            .unwrap_or("resource")
            .to_string();
        let key = format!("existing#{parent_ty}#{origin}");
        if let Some(s) = self.shared.get(&key) {
            return s.clone();
        }
        let sym = self
            .syms
            .alloc(&format!("{}Existing", lower_camel(&origin)));
        let depth = parent_ty.matches('/').count();
        let hint = if depth > 1 {
            " (its full name, parent segments separated by `/`)"
        } else {
            ""
        };
        let param = self.param_for(
            &format!("{}-{}-name", kebab(&origin), kebab(&kind)),
            "string",
            |p| {
                p.description = Some(format!(
                    "Name of the existing {kind} that replaces `{origin}`{hint}."
                ));
                p.required_reason = Some(format!(
                    "{} belongs to `{origin}`, which is not in this template",
                    r.id
                ));
            },
        );
        self.shared.insert(key, sym.clone());
        self.module.resources.push(AzResource {
            symbol: sym.clone(),
            ty: parent_ty.clone(),
            api: spec.api.clone(),
            name: AzExpr::ident(&param),
            comments: vec![format!(
                "The {kind} that replaces `{origin}`, declared outside this template."
            )],
            existing: true,
            ..Default::default()
        });
        let rid = r.id.clone();
        let span = r.span;
        self.decide(
            "external-parent",
            Some((&rid, span)),
            &format!("{rid} belongs to a resource outside this template"),
            &format!("{rid} attaches to `{origin}`, which this template does not declare (a parameter, an import or a literal id)."),
            &format!("The parent is an `existing` {parent_ty} named by the parameter `{param}`."),
            "Deploy the template that creates the parent first and pass its name.",
        );
        self.floor_status("partial");
        sym
    }

    fn tags(&mut self, i: usize, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
        let r = &self.t.resources[i];
        let tags = r.properties.get("Tags")?.clone();
        consumed.insert("Tags".into());
        let mut out = Vec::new();
        match &tags.kind {
            ExprKind::List(items) => {
                for it in items {
                    let (Some(k), Some(v)) = (it.get("Key"), it.get("Value")) else {
                        continue;
                    };
                    let key = match self.tr(k) {
                        AzExpr::Str(s) => AzKey::Name(s),
                        other => AzKey::Expr(other),
                    };
                    let v = tag_value(self.tr(v));
                    out.push((key, v));
                }
            }
            ExprKind::Object(m) => {
                for (k, _, v) in m {
                    let v = tag_value(self.tr(v));
                    out.push((AzKey::Name(k.clone()), v));
                }
            }
            _ => {
                self.decide(
                    "tags-computed",
                    Some((&r.id, tags.span)),
                    &format!("{}: tags computed by a macro or function", r.id),
                    "The tags are not a list of Key/Value pairs in the template (a macro or intrinsic computes them).",
                    "No tags are set on the Azure resource.",
                    "Add the tags by hand once the macro's output is known.",
                );
                self.floor_status("partial");
                return None;
            }
        }
        if out.len() > 50 {
            self.decide(
                "tag-limit",
                Some((&r.id, r.span)),
                "More than 50 tags",
                "Azure allows at most 50 tags per resource.",
                "The first 50 tags are kept.",
                "Merge or drop the rest.",
            );
            out.truncate(50);
        }
        Some(AzExpr::Object(out))
    }

    /// Evaluates a spec value from the table against resource `i`.
    pub fn eval(&mut self, i: usize, v: &Value, consumed: &mut BTreeSet<String>) -> Option<AzExpr> {
        match v {
            Value::Null => None,
            Value::Bool(b) => Some(AzExpr::Bool(*b)),
            Value::Number(n) => Some(match n.as_i64() {
                Some(x) => AzExpr::Int(x),
                None => AzExpr::Num(n.to_string()),
            }),
            Value::String(s) => Some(self.template_string(i, s)),
            Value::Sequence(items) => Some(AzExpr::Array(
                items
                    .iter()
                    .filter_map(|x| self.eval(i, x, consumed))
                    .collect(),
            )),
            Value::Mapping(m) => {
                if m.keys()
                    .any(|k| k.as_str().is_some_and(|s| s.starts_with('$')))
                {
                    return self.directive(i, m, consumed);
                }
                let mut out = Vec::new();
                let literal_empty = m.is_empty();
                for (k, x) in m {
                    let key = k
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{k:?}"));
                    if let Some(val) = self.eval(i, x, consumed) {
                        out.push((AzKey::Name(key), val));
                    }
                }
                if out.is_empty() && !literal_empty {
                    None
                } else {
                    Some(AzExpr::Object(out))
                }
            }
            Value::Tagged(t) => self.eval(i, &t.value, consumed),
        }
    }

    /// `{kebab}`, `{id}`, `{suffix}` and `{sym}` in a literal from a table.
    fn template_string(&mut self, i: usize, s: &str) -> AzExpr {
        if !s.contains('{') {
            return AzExpr::str(s);
        }
        let r = &self.t.resources[i];
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let token = &rest[start + 1..start + len];
            let value = match token {
                "kebab" => Some(Interp::Lit(kebab(&r.id))),
                "id" => Some(Interp::Lit(r.id.clone())),
                "lower" => Some(Interp::Lit(
                    r.id.to_ascii_lowercase()
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect(),
                )),
                "suffix" => {
                    self.needs_suffix = true;
                    Some(Interp::Expr(AzExpr::ident("nameSuffix")))
                }
                "sym" => Some(Interp::Lit(self.prepared[i].sym.clone())),
                _ => None,
            };
            match value {
                Some(v) => {
                    parts.push(Interp::Lit(rest[..start].to_string()));
                    parts.push(v);
                }
                None => parts.push(Interp::Lit(rest[..start + len + 1].to_string())),
            }
            rest = &rest[start + len + 1..];
        }
        parts.push(Interp::Lit(rest.to_string()));
        super::exprs::interp(parts)
    }

    /// A directive's value, coerced to `$type` (`bool`, `int`) when the table asks.
    fn directive(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let ty = m
            .get(Value::String("$type".into()))
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let v = self.directive_value(i, m, consumed)?;
        Some(match ty.as_deref() {
            Some("bool") => coerce(v, "bool"),
            Some("int") => coerce(v, "int"),
            _ => v,
        })
    }

    fn directive_value(
        &mut self,
        i: usize,
        m: &serde_yaml::Mapping,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        let get = |k: &str| m.get(Value::String(k.into()));
        let r = &self.t.resources[i];
        if let Some(Value::String(e)) = get("$expr") {
            return Some(self.reference_expr(i, e));
        }
        if let Some(Value::Sequence(parts)) = get("$interp") {
            let mut out = Vec::new();
            for p in parts {
                match p {
                    Value::String(s) if !s.contains('{') => out.push(Interp::Lit(s.clone())),
                    other => match self.eval(i, other, consumed)? {
                        AzExpr::Str(s) => out.push(Interp::Lit(s)),
                        e => out.push(Interp::Expr(e)),
                    },
                }
            }
            return Some(super::exprs::interp(out));
        }
        if let Some(Value::String(key)) = get("$param") {
            let ty = get("$type")
                .and_then(|t| t.as_str())
                .unwrap_or("string")
                .to_string();
            let desc = get("$description")
                .and_then(|t| t.as_str())
                .map(|d| fill_text(d, r));
            let default = get("$default").and_then(|d| self.eval(i, d, consumed));
            let secure = get("$secure").and_then(|b| b.as_bool()).unwrap_or(false);
            let key = match self.template_string(i, key) {
                AzExpr::Str(k) => k,
                _ => key.clone(),
            };
            let sym = self.param_for(&key, &ty, |p| {
                p.required_reason = if default.is_none() {
                    desc.clone()
                } else {
                    None
                };
                p.description = desc;
                p.default = default;
                p.secure = secure;
            });
            return Some(AzExpr::ident(sym));
        }
        if let Some(Value::String(f)) = get("$call") {
            let args = match get("$args") {
                Some(Value::Sequence(a)) => {
                    a.iter().filter_map(|x| self.eval(i, x, consumed)).collect()
                }
                _ => Vec::new(),
            };
            return Some(AzExpr::call(f, args));
        }
        let transform = get("$transform")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let prop = get("$prop").and_then(|p| p.as_str()).map(str::to_string);
        let src: Option<Expr> = match &prop {
            Some(p) => {
                consumed.insert(p.split('.').next().unwrap_or(p).to_string());
                r.properties.path(p).filter(|v| !v.is_null()).cloned()
            }
            None => None,
        };
        if prop.is_some()
            && src.is_none()
            && transform
                .as_deref()
                .is_none_or(|t| !transforms::WHOLE.contains(&t))
        {
            return get("$default").and_then(|d| self.eval(i, d, consumed));
        }
        if let Some(t) = transform {
            let args = get("$args").cloned().unwrap_or(Value::Null);
            if let Some(s) = src
                .as_ref()
                .filter(|_| !transforms::WHOLE.contains(&t.as_str()))
            {
                let label = args
                    .get("field")
                    .and_then(|f| f.as_str())
                    .unwrap_or(&t)
                    .to_string();
                let distributed = self.distribute(
                    s,
                    &label,
                    &mut |cx, v, consumed| transforms::apply(cx, i, &t, Some(v), &args, consumed),
                    consumed,
                );
                if distributed.is_some() {
                    return distributed;
                }
            }
            let out = transforms::apply(self, i, &t, src.as_ref(), &args, consumed);
            return match out {
                Some(x) => Some(x),
                None => get("$default").and_then(|d| self.eval(i, d, consumed)),
            };
        }
        let src = src?;
        if let Some(Value::Mapping(table)) = get("$map") {
            if matches!(src.kind, ExprKind::FindInMap { .. }) {
                let label = format!(
                    "{}-values",
                    prop.as_deref()
                        .unwrap_or("")
                        .rsplit('.')
                        .next()
                        .unwrap_or("")
                );
                let default = get("$default");
                let d = self.distribute(
                    &src,
                    &label,
                    &mut |cx, v, consumed| Some(cx.map_values(i, v, table, default, consumed)),
                    consumed,
                );
                if d.is_some() {
                    return d;
                }
            }
            return match self.map_values(i, &src, table, get("$default"), consumed) {
                AzExpr::Null => None,
                v => Some(v),
            };
        }
        if get("$ref").is_some() || get("$attr").is_some() {
            let attr = get("$attr")
                .and_then(|a| a.as_str())
                .unwrap_or("id")
                .to_string();
            if let Some(j) = self.referenced_resource(&src)
                && self.prepared[j]
                    .entry
                    .as_ref()
                    .is_some_and(|e| !e.resources.is_empty())
            {
                return Some(self.reference_expr(j, &format!("{{sym}}.{attr}")).clone());
            }
        }
        Some(self.tr(&src))
    }

    /// Applies `f` to each literal a value can take when it is `Fn::If` over
    /// values or `Fn::FindInMap` into literal mapping values: a conditional, or
    /// a lookup object indexed like the mapping.
    #[allow(clippy::type_complexity)]
    fn distribute(
        &mut self,
        src: &Expr,
        label: &str,
        f: &mut dyn FnMut(&mut Ctx, &Expr, &mut BTreeSet<String>) -> Option<AzExpr>,
        consumed: &mut BTreeSet<String>,
    ) -> Option<AzExpr> {
        match &src.kind {
            ExprKind::If { cond, then, other } => {
                // `AWS::NoValue` leaves the property unset: null in Bicep.
                let a = if then.is_null() {
                    AzExpr::Null
                } else {
                    self.distribute(then, label, f, consumed)
                        .or_else(|| f(self, then, consumed))?
                };
                let b = if other.is_null() {
                    AzExpr::Null
                } else {
                    self.distribute(other, label, f, consumed)
                        .or_else(|| f(self, other, consumed))?
                };
                let c = self.condition_ref(cond);
                Some(AzExpr::Cond(Box::new(c), Box::new(a), Box::new(b)))
            }
            ExprKind::FindInMap {
                map, top, second, ..
            } => {
                let key2 = second.literal_text()?;
                let mapping = self
                    .t
                    .mappings
                    .iter()
                    .find(|m| &m.name == map)?
                    .value
                    .clone();
                let ExprKind::Object(tops) = &mapping.kind else {
                    return None;
                };
                let mut entries = Vec::new();
                for (k, _, v) in tops {
                    let lit = v.get(&key2)?;
                    lit.literal_text()?;
                    entries.push((AzKey::Name(k.clone()), f(self, lit, consumed)?));
                }
                let var = super::transforms::lookup_var(
                    self,
                    &format!("{map}-{key2}-{label}"),
                    AzExpr::Object(entries),
                    &format!("Mappings.{map}.*.{key2} translated for Azure."),
                );
                let key = self.tr(top);
                Some(AzExpr::Index(Box::new(AzExpr::ident(var)), Box::new(key)))
            }
            _ => None,
        }
    }

    /// Literal values through a table; expressions through a conditional or a lookup.
    fn map_values(
        &mut self,
        i: usize,
        src: &Expr,
        table: &serde_yaml::Mapping,
        default: Option<&Value>,
        consumed: &mut BTreeSet<String>,
    ) -> AzExpr {
        let lookup = |t: &str| {
            table.iter().find(|(k, _)| {
                let ks = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                ks.eq_ignore_ascii_case(t)
            })
        };
        if let Some(t) = src.literal_text() {
            return match lookup(&t) {
                Some((_, v)) => self.eval(i, v, consumed).unwrap_or(AzExpr::Null),
                None => default
                    .and_then(|d| self.eval(i, d, consumed))
                    .unwrap_or(AzExpr::Str(t)),
            };
        }
        if let ExprKind::If { cond, then, other } = &src.kind {
            let c = self.condition_ref(cond);
            let a = self.map_values(i, then, table, default, consumed);
            let b = self.map_values(i, other, table, default, consumed);
            return AzExpr::Cond(Box::new(c), Box::new(a), Box::new(b));
        }
        // An expression: index an object built from the table.
        let mut entries = Vec::new();
        for (k, v) in table {
            let key = match k {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if let Some(val) = self.eval(i, v, consumed) {
                entries.push((AzKey::Name(key), val));
            }
        }
        let key = self.tr(src);
        let key = match key {
            AzExpr::Bool(_) | AzExpr::Cond(..) | AzExpr::Bin(..) => {
                AzExpr::call("string", vec![key])
            }
            other => other,
        };
        AzExpr::Index(Box::new(AzExpr::Object(entries)), Box::new(key))
    }

    /// The template resource a `Ref`/`GetAtt` value points at.
    pub fn referenced_resource(&self, e: &Expr) -> Option<usize> {
        let name = match &e.kind {
            ExprKind::Ref(n) => n,
            ExprKind::GetAtt { resource, .. } => resource,
            _ => return None,
        };
        let target = self.t.resolve(name);
        self.t.resources.iter().position(|r| r.id == target)
    }
}

/// References to resources that were not generated after all (a mapping that
/// needed a value the resource did not provide) become placeholder parameters.
fn replace_missing_symbols(cx: &mut Ctx) {
    let declared: BTreeSet<String> = cx
        .module
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        .collect();
    let mut candidates: Vec<(String, String)> = Vec::new();
    for (i, p) in cx.prepared.iter().enumerate() {
        for s in p.symbols.values() {
            if !declared.contains(s) {
                candidates.push((s.clone(), cx.t.resources[i].id.clone()));
            }
        }
    }
    for (sym, id) in cx.shared.clone() {
        if !declared.contains(&id) && !id.contains('#') {
            candidates.push((id, sym));
        }
    }
    let mut used = Vec::new();
    collect_used(&cx.module, &mut used);
    for (sym, origin) in candidates {
        if !used.contains(&sym) {
            continue;
        }
        let param = cx.param_for(&format!("{}-ref", kebab(&origin)), "string", |p| {
            p.description = Some(format!(
                "Stands in for {origin}, which was not translated. Supply the Azure value."
            ));
            p.required_reason = Some(format!("stands in for {origin}, which was not translated"));
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
fn replace_chain(e: &mut AzExpr, sym: &str, param: &str) {
    fn rooted(e: &AzExpr, sym: &str) -> bool {
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
    match e {
        AzExpr::Array(a) | AzExpr::Call(_, a) => {
            a.iter_mut().for_each(|x| replace_chain(x, sym, param))
        }
        AzExpr::Object(m) => m.iter_mut().for_each(|(k, v)| {
            if let AzKey::Expr(x) = k {
                replace_chain(x, sym, param);
            }
            replace_chain(v, sym, param)
        }),
        AzExpr::Member(b, _) | AzExpr::Not(b) => replace_chain(b, sym, param),
        AzExpr::Index(a, b) | AzExpr::Bin(_, a, b) | AzExpr::For(_, a, b) => {
            replace_chain(a, sym, param);
            replace_chain(b, sym, param)
        }
        AzExpr::Cond(a, b, c) => {
            replace_chain(a, sym, param);
            replace_chain(b, sym, param);
            replace_chain(c, sym, param)
        }
        AzExpr::Interp(parts) => parts.iter_mut().for_each(|p| {
            if let Interp::Expr(x) = p {
                replace_chain(x, sym, param)
            }
        }),
        _ => {}
    }
}

/// Drops template parameters nothing uses any more (an AMI id now carried by
/// an image parameter, a key pair name replaced by an SSH key), with a decision.
fn prune_parameters(cx: &mut Ctx) {
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

fn collect_used(m: &AzModule, used: &mut Vec<String>) {
    for r in &m.resources {
        r.name.idents(used);
        for (_, v) in &r.body {
            v.idents(used);
        }
        for e in [&r.location, &r.tags, &r.condition].into_iter().flatten() {
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
}

fn prune_unused_params(cx: &mut Ctx, used: Vec<String>) {
    let template_params: BTreeMap<String, String> = cx
        .param_syms
        .iter()
        .filter(|(k, _)| !k.starts_with('#'))
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

/// Tag values are strings.
fn tag_value(v: AzExpr) -> AzExpr {
    match v {
        AzExpr::Bool(b) => AzExpr::Str(b.to_string()),
        AzExpr::Int(n) => AzExpr::Str(n.to_string()),
        AzExpr::Num(n) => AzExpr::Str(n),
        other => other,
    }
}

/// A literal string to the wanted type; expressions through `bool()` or `int()`.
pub fn coerce(v: AzExpr, ty: &str) -> AzExpr {
    match (ty, v) {
        ("bool", AzExpr::Str(s)) if s.eq_ignore_ascii_case("true") => AzExpr::Bool(true),
        ("bool", AzExpr::Str(s)) if s.eq_ignore_ascii_case("false") => AzExpr::Bool(false),
        ("int", AzExpr::Str(s)) if s.trim().parse::<i64>().is_ok() => {
            AzExpr::Int(s.trim().parse().unwrap_or(0))
        }
        (
            "bool",
            v @ (AzExpr::Bool(_)
            | AzExpr::Cond(..)
            | AzExpr::Bin(..)
            | AzExpr::Not(_)
            | AzExpr::Null),
        ) => v,
        ("int", v @ (AzExpr::Int(_) | AzExpr::Cond(..) | AzExpr::Null | AzExpr::Call(..))) => v,
        (t, v) => AzExpr::call(t, vec![v]),
    }
}

/// Replaces the bare symbol `sym` in `e` with `sym[idx]`.
fn index_symbol(e: AzExpr, sym: &str, idx: i64) -> AzExpr {
    match e {
        AzExpr::Ident(s) if s == sym => {
            AzExpr::Index(Box::new(AzExpr::Ident(s)), Box::new(AzExpr::Int(idx)))
        }
        AzExpr::Member(b, m) => AzExpr::Member(Box::new(index_symbol(*b, sym, idx)), m),
        AzExpr::Index(b, k) => AzExpr::Index(Box::new(index_symbol(*b, sym, idx)), k),
        AzExpr::Interp(parts) => AzExpr::Interp(
            parts
                .into_iter()
                .map(|p| match p {
                    Interp::Expr(x) => Interp::Expr(index_symbol(x, sym, idx)),
                    l => l,
                })
                .collect(),
        ),
        other => other,
    }
}

fn mentions_loop_var(e: &AzExpr, lv: Option<&(String, String)>) -> bool {
    let Some((_, v)) = lv else { return true };
    let mut ids = Vec::new();
    e.idents(&mut ids);
    ids.iter().any(|x| x == v)
}

fn refers_to(e: &Expr, id: &str) -> bool {
    let mut found = false;
    e.walk(&mut |x| match &x.kind {
        ExprKind::Ref(n) if n == id => found = true,
        ExprKind::GetAtt { resource, .. } if resource == id => found = true,
        _ => {}
    });
    found
}

/// `{id}` and `{prop:Path}` in decision text from a table.
fn fill_text(s: &str, r: &Resource) -> String {
    let mut out = s.replace("{id}", &r.id);
    while let Some(start) = out.find("{prop:") {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let path = &out[start + 6..start + len];
        let v = r
            .properties
            .path(path)
            .and_then(|v| v.literal_text())
            .unwrap_or_else(|| "a computed value".into());
        out.replace_range(start..start + len + 1, &v);
    }
    out
}
