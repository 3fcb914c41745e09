//! The mapping context: state shared by the passes, decisions, parameters,
//! and how references to template resources become Azure expressions.

use std::collections::{BTreeMap, BTreeSet};

use super::table::{Entry, MapTables};
use crate::azure::*;
use crate::diag::Diagnostic;
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::Template;
use crate::names::{Symbols, kebab};
use crate::source::{SourceMap, Span};

pub struct StackResult {
    pub module: AzModule,
    pub resources: Vec<ResourceReport>,
    pub decisions: Vec<Decision>,
    pub diagnostics: Vec<Diagnostic>,
    /// Type keys of the tables this template used (for unused-override warnings).
    pub used_types: BTreeSet<String>,
    /// The symbols in use, for names a back end adds.
    pub symbols: Symbols,
    /// Files written beside the output for the people finishing the migration (a state
    /// machine's ASL definition): path relative to the stack's output folder → text.
    pub side_files: BTreeMap<String, String>,
    /// Each template parameter's Bicep symbol (with `#key` entries for parameters the
    /// conversion added): a nested stack's caller wires its values by them.
    pub param_syms: BTreeMap<String, String>,
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
    pub tables: &'a MapTables,
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
    /// Terraform locals → their variable symbols.
    pub local_syms: BTreeMap<String, String>,
    /// How the chosen back end's output names what the report talks about.
    pub words: Vocabulary,
    /// Index of the resource being mapped, for decisions raised while translating it.
    pub current: Option<usize>,
    /// Index of the resource whose report line is being built.
    pub reporting: Option<usize>,
    /// Creation order of parameters and of nodes the back ends lower.
    pub seq: u32,
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
    /// Decisions (id, status floor) taken about a resource before its report line was
    /// built (a group's autoscale setting reads its policies): added when it is.
    pub pending: BTreeMap<usize, Vec<(String, Option<String>)>>,
    /// Set by a transform when the current resource is carried by another resource's
    /// output (an alarm that only drives an autoscale rule): its entry emitting nothing
    /// is then not a failure.
    pub folded: bool,
    /// With `folded`: the status the resource takes instead of its entry's (`not-needed`
    /// for capacity another service replaces).
    pub folded_status: Option<String>,
    /// HTTP APIs whose every route goes to one function of the template → that
    /// function: its function app's HTTP trigger serves them (apis_v2.rs).
    pub function_apis: BTreeMap<usize, usize>,
    /// Function URLs, versions, aliases and invoke configs (`events: part`) → the
    /// function of the template they configure (events.rs): `@Function` in their
    /// entries is its function app.
    pub function_parts: BTreeMap<usize, usize>,
    /// References `template_ref` gave with `once` (a grant on a storage account that
    /// several Capture event hubs share): each is given once.
    pub given_once: BTreeSet<String>,
    /// Address prefixes that stand for a security group's members as a rule peer (an
    /// Application Gateway's subnet for the balancer's group), for the access check.
    pub group_prefixes: Vec<(AzExpr, String)>,
    /// Security groups whose NSG a pass attached to a subnet it created.
    pub attached_groups: Vec<usize>,
    /// Address blocks a pass took from a VPC for a subnet of its own: (VPC index, owner
    /// resource index, block), so two new subnets never overlap.
    pub carved: Vec<(usize, usize, String)>,
    /// NSG rules a pass added for a platform's own ports that stand for a rule of the
    /// group (a Container Apps ingress on 80/443 for a container port): (NSG symbol,
    /// rule name, the port range it stands for), read so by the access check.
    pub port_twins: Vec<(String, String, String)>,
    /// Security groups whose rules went into another group's NSG because their members
    /// share its subnets: (group index, the group whose NSG holds them). The access
    /// check reads that NSG against what either group admitted.
    pub merged_groups: Vec<(usize, usize)>,
    /// NSG rules for a platform's own traffic that no security group governed (a flexible
    /// server's standby and replicas inside its delegated subnet): (NSG symbol, rule name).
    /// The access check leaves them out.
    pub platform_rules: Vec<(String, String)>,
    /// Files written beside the output (see `StackResult::side_files`).
    pub side_files: BTreeMap<String, String>,
}

impl<'a> Ctx<'a> {
    pub fn file(&self) -> &str {
        &self.sources.get(self.t.file).path
    }

    /// The file `span` is in (a Terraform module spreads over files); the template's
    /// first file for a span that points nowhere.
    pub fn path_of(&self, span: Span) -> &str {
        if span == Span::default() {
            return self.file();
        }
        &self.sources.get(span.file).path
    }

    pub fn line(&self, span: Span) -> usize {
        self.sources.locate(span).1
    }

    pub(super) fn affected(&self, id: &str, span: Span) -> Affected {
        Affected {
            id: self.t.report_name(id),
            file: self.path_of(span).to_string(),
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
            Some((rid, span)) => {
                format!("{rule}:{}#{}", self.path_of(span), self.t.report_name(rid))
            }
            None => format!("{rule}:{}", self.file()),
        };
        let aff = resource.map(|(rid, span)| self.affected(rid, span));
        // A title that opens with the resource (`Web: …`) opens with the report's name
        // for it (a Terraform address).
        let title = match resource {
            Some((rid, _)) => match title.strip_prefix(rid) {
                Some(rest) if rest.starts_with(':') => {
                    format!("{}{rest}", self.t.report_name(rid))
                }
                _ => title.to_string(),
            },
            None => title.to_string(),
        };
        self.record(Decision {
            id: id.clone(),
            rule: rule.to_string(),
            title,
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
    pub(super) fn record(&mut self, d: Decision) {
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
        if !self.reports.iter().any(|x| x.id == rid) {
            self.pending
                .entry(i)
                .or_default()
                .push((id.clone(), floor.map(str::to_string)));
        }
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

    /// The next creation stamp (parameters and nodes the back ends lower share it).
    pub fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    /// Where the mapping is now, for a node a back end lowers.
    pub fn origin(&mut self, span: Span) -> Origin {
        let who = match self.current {
            Some(i) => self.t.resources[i].id.clone(),
            None => self
                .subject
                .clone()
                .unwrap_or_else(|| "(template)".to_string()),
        };
        let stand_in_id = format!("{STAND_IN_RULE}:{}", self.file());
        let stand_ins = self
            .decisions
            .iter()
            .find(|d| d.id == stand_in_id)
            .map_or(0, |d| d.resources.len());
        Origin {
            seq: self.next_seq(),
            span,
            resource: self
                .current
                .and(self.reporting)
                .map(|i| self.t.resources[i].id.clone()),
            who,
            resource_decisions: self.current_decisions.len(),
            stand_ins,
        }
    }

    /// A parameter created by the converter, keyed by a stable name; created once.
    pub fn param_for(&mut self, key: &str, ty: &str, init: impl FnOnce(&mut AzParam)) -> String {
        if let Some(s) = self.param_syms.get(&format!("#{key}")) {
            return s.clone();
        }
        let sym = self.syms.alloc(&crate::names::camel_from_words(key));
        let mut p = AzParam::new(sym.clone(), ty);
        init(&mut p);
        p.seq = self.next_seq();
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
            p.stand_in = true;
        });
        self.floor_status("partial");
        self.template_decision(
            STAND_IN_RULE,
            "Values with no Azure equivalent become parameters",
            "Some values refer to AWS resources that are not translated, or to attributes with no Azure counterpart.",
            "Each such value is a parameter named after what it stood for, so the Bicep stays valid and the gap is visible.",
            "Supply each parameter at deployment, or edit the Bicep to reference the Azure resource that replaces it.",
            span,
        );
        AzExpr::ident(p)
    }

    /// Sets `path` (e.g. `properties.network.x`) in the body of resource `symbol`, creating objects on the way.
    pub fn set_path(&mut self, symbol: &str, path: &[&str], value: AzExpr) {
        let Some(res) = self
            .module
            .resources
            .iter_mut()
            .find(|r| r.symbol == symbol && !r.existing)
        else {
            return;
        };
        let (first, rest) = match path.split_first() {
            Some(p) => p,
            None => return,
        };
        let slot = match res.body.iter_mut().find(|(k, _)| k == first) {
            Some((_, v)) => v,
            None => {
                res.body
                    .push((first.to_string(), AzExpr::Object(Vec::new())));
                &mut res.body.last_mut().expect("just pushed").1
            }
        };
        let mut cur = slot;
        for (n, key) in rest.iter().enumerate() {
            if n + 1 == rest.len() {
                cur.set(key, value);
                return;
            }
            if cur.get(key).is_none() {
                cur.set(key, AzExpr::Object(Vec::new()));
            }
            let AzExpr::Object(m) = cur else { return };
            let Some((_, next)) = m
                .iter_mut()
                .find(|(k, _)| matches!(k, crate::azure::AzKey::Name(n) if n == key))
            else {
                return;
            };
            cur = next;
        }
    }

    /// The condition under which something joining resources `a` and `b` exists (both
    /// of their conditions), if either has one.
    pub fn joint_condition(&mut self, a: usize, b: usize) -> Option<AzExpr> {
        let conds: Vec<&str> = [a, b]
            .iter()
            .filter_map(|&k| {
                self.t.resources[k]
                    .condition
                    .as_ref()
                    .map(|(c, _)| c.as_str())
            })
            .collect();
        match self.guarded(&conds, AzExpr::Bool(true)) {
            AzExpr::Cond(c, _, _) => Some(*c),
            _ => None,
        }
    }

    /// `value`, or `cond1 && cond2 ? value : null` when conditions apply.
    pub fn guarded(&mut self, conds: &[&str], value: AzExpr) -> AzExpr {
        let mut unique: Vec<&str> = conds.to_vec();
        unique.sort();
        unique.dedup();
        let mut it = unique.into_iter().map(|c| self.condition_ref(c));
        let Some(first) = it.next() else { return value };
        let test = it.fold(first, |a, b| AzExpr::Bin("&&", Box::new(a), Box::new(b)));
        AzExpr::Cond(Box::new(test), Box::new(value), Box::new(AzExpr::Null))
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
                if let Some(e) = super::nested::output_ref(self, i, attribute, span) {
                    return e;
                }
                let spec = self.prepared[i]
                    .entry
                    .as_ref()
                    .and_then(|e| e.attributes.get(attribute).cloned());
                match spec {
                    Some(s) if self.t.resources[i].for_each.is_some() => {
                        self.loop_reference(i, resource, &s, span)
                    }
                    Some(s) => self.reference_expr(i, &s),
                    None if let Some((k, s)) = self.member_attribute(i, attribute) => {
                        self.reference_expr(k, &s)
                    }
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

    /// A resource with no translation of its own whose members carry it (an Aurora
    /// cluster and the instances that name it in `DBClusterIdentifier`; lookup table
    /// `member-attributes`): its attribute is the same attribute of its first
    /// translated member, with a decision saying so.
    fn member_attribute(&mut self, i: usize, attribute: &str) -> Option<(usize, String)> {
        let r = &self.t.resources[i];
        // `owner`: the resource its own property names (a stage's API) answers.
        let owner = self.tables.lookup_str("member-attributes", &r.ty, "owner");
        let (prop, k) = match &owner {
            Some(prop) => {
                let k = self.referenced_resource(r.properties.get(prop)?)?;
                (prop.clone(), k)
            }
            None => {
                let prop = self
                    .tables
                    .lookup_str("member-attributes", &r.ty, "member")?;
                let k = self.t.resources.iter().position(|m| {
                    m.properties
                        .get(&prop)
                        .is_some_and(|v| self.referenced_resource(v) == Some(i))
                })?;
                (prop, k)
            }
        };
        let spec = self.prepared[k]
            .entry
            .as_ref()?
            .attributes
            .get(attribute)?
            .clone();
        if self.t.resources[k].for_each.is_some() || self.t.resources[k].condition.is_some() {
            return None;
        }
        let (id, member) = (r.id.clone(), self.t.resources[k].id.clone());
        let span = r.span;
        if owner.is_some() {
            // What the owner's attribute does not give (the table's `note`).
            let note = self
                .tables
                .lookup_str("member-attributes", &r.ty, "note")
                .unwrap_or_else(|| "Review the readers of the attribute.".into());
            let member = self.t.report_name(&member);
            let name = self.t.report_name(&id);
            self.decide(
                "owner-attribute",
                Some((&id, span)),
                &format!("{id}: its attributes are those of {member}"),
                &format!("{name} ({}) has no Azure resource of its own; it names {member} in `{prop}`, whose Azure resource serves it.", r.ty),
                &format!("Its `{attribute}` is the same attribute of the resource {member} became."),
                &note,
            );
            return Some((k, spec));
        }
        self.decide(
            "member-attribute",
            Some((&id, span)),
            &format!("{id}: its attributes are those of {member}"),
            &format!("{id} ({}) has no Azure resource of its own; {member} names it in `{prop}` and became the Azure resource that serves it.", r.ty),
            &format!("`GetAtt {id}.{attribute}` reads the same attribute of the resource {member} became."),
            "With several members, the first one answers: readers that used a separate reader endpoint need a replica of their own.",
        );
        Some((k, spec))
    }

    /// A reference to one copy of a `Fn::ForEach` resource (`OrdersQueue` of
    /// `${Name}Queue`): the loop's element whose value the name spells, when the
    /// collection is known; inside the loop, the current element.
    pub(super) fn loop_reference(
        &mut self,
        i: usize,
        name: &str,
        spec: &str,
        span: Span,
    ) -> AzExpr {
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
        // `{prop:Prop}`: the property translated (a parameter stays a reference), else
        // the logical id.
        if let Some(path) = spec
            .strip_prefix("{prop:")
            .and_then(|p| p.strip_suffix('}'))
        {
            let r = &self.t.resources[i];
            return match r.properties.path(path).cloned() {
                Some(v) => self.tr(&v),
                None => AzExpr::str(r.id.clone()),
            };
        }
        // `{name:Prop}`: the literal property, else the logical id, in lower case (a
        // repository's name in an image URI); `{text:Prop}` keeps the case.
        let owned;
        let found = spec
            .find("{name:")
            .map(|s| (s, true))
            .or_else(|| spec.find("{text:").map(|s| (s, false)));
        let spec = match found {
            Some((start, lower)) => {
                let len = spec[start..].find('}').unwrap_or(spec.len() - start);
                let r = &self.t.resources[i];
                let v = r
                    .properties
                    .path(&spec[start + 6..start + len])
                    .and_then(|v| v.literal_text())
                    .unwrap_or_else(|| r.id.clone());
                let v = if lower { v.to_ascii_lowercase() } else { v };
                let mut s = spec.to_string();
                s.replace_range(start..(start + len + 1).min(spec.len()), &v);
                owned = s;
                owned.as_str()
            }
            None => spec,
        };
        if let Some(lit) = spec.strip_prefix('=') {
            return AzExpr::str(lit);
        }
        if spec.contains("${") {
            let mut parts = Vec::new();
            for p in crate::model::sub::parse(spec) {
                match p {
                    crate::model::sub::Piece::Lit(l) => parts.push(Interp::Lit(l)),
                    crate::model::sub::Piece::Var(v) => {
                        parts.push(Interp::Expr(self.path_expr(i, &v.replace('@', "{sym}"))))
                    }
                }
            }
            return crate::azure::interp(parts);
        }
        self.path_expr(i, &spec.replace('@', "{sym}"))
    }

    pub(super) fn path_expr(&self, i: usize, spec: &str) -> AzExpr {
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

    /// The literal text of `e`, seeing through Terraform locals that hold a literal
    /// (`origin_id = local.s3_origin_id`).
    pub fn literal_text(&self, e: &Expr) -> Option<String> {
        let mut e = e;
        for _ in 0..8 {
            match &e.kind {
                ExprKind::Local(name) => {
                    e = &self.t.locals.iter().find(|l| l.name == *name)?.value;
                }
                _ => return e.literal_text(),
            }
        }
        None
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

    pub(super) fn pseudo(&mut self, name: &str, span: Span) -> Option<AzExpr> {
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

    /// The template resource a `Ref`/`GetAtt` value points at.
    /// Does template resource `i` play `role` in the pass `pass` (its type's `passes`)?
    pub fn plays(&self, i: usize, pass: &str, role: &str) -> bool {
        self.tables.plays(&self.t.resources[i].ty, pass, role)
    }

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

/// Replaces the bare symbol `sym` in `e` with `sym[idx]`.
pub(super) fn index_symbol(e: AzExpr, sym: &str, idx: i64) -> AzExpr {
    index_symbol_by(e, sym, &AzExpr::Int(idx))
}

/// `sym.x` → `sym[idx].x` wherever the symbol appears.
pub(super) fn index_symbol_by(e: AzExpr, sym: &str, idx: &AzExpr) -> AzExpr {
    match e {
        AzExpr::Ident(s) if s == sym => {
            AzExpr::Index(Box::new(AzExpr::Ident(s)), Box::new(idx.clone()))
        }
        AzExpr::Member(b, m) => AzExpr::Member(Box::new(index_symbol_by(*b, sym, idx)), m),
        AzExpr::Index(b, k) => AzExpr::Index(Box::new(index_symbol_by(*b, sym, idx)), k),
        AzExpr::Interp(parts) => AzExpr::Interp(
            parts
                .into_iter()
                .map(|p| match p {
                    Interp::Expr(x) => Interp::Expr(index_symbol_by(x, sym, idx)),
                    l => l,
                })
                .collect(),
        ),
        other => other,
    }
}

/// `{id}` and `{prop:Path}` in decision text from a table.
pub fn fill_text(s: &str, r: &crate::model::template::Resource) -> String {
    let mut out = s.replace("{id}", &r.id);
    // `{text:Path}`: the property as shown text (`${X}` → `<X>`), on one line.
    while let Some(start) = out.find("{text:") {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let path = &out[start + 6..start + len];
        let v = r
            .properties
            .path(path)
            .map(|v| {
                v.shown_text()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| "nothing".into());
        out.replace_range(start..start + len + 1, &v);
    }
    while let Some(start) = out.find("{prop:") {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let path = &out[start + 6..start + len];
        // A list of literals reads as `a, b`.
        let listed = |v: &Expr| {
            let items: Option<Vec<String>> =
                v.as_list()?.iter().map(|x| x.literal_text()).collect();
            items.filter(|l| !l.is_empty()).map(|l| l.join(", "))
        };
        let v = r
            .properties
            .path(path)
            .and_then(|v| v.literal_text().or_else(|| listed(v)))
            .unwrap_or_else(|| "a computed value".into());
        out.replace_range(start..start + len + 1, &v);
    }
    // `{keys:Path}`: the names of an object property's members (a parameter group's
    // `Parameters`), each in backticks.
    while let Some(start) = out.find("{keys:") {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let path = &out[start + 6..start + len];
        let keys: Vec<String> = match r.properties.path(path).map(|v| &v.kind) {
            Some(crate::model::expr::ExprKind::Object(m)) => {
                m.iter().map(|(k, _, _)| format!("`{k}`")).collect()
            }
            // Terraform's `parameter { name value }` blocks, lifted as a list.
            Some(crate::model::expr::ExprKind::List(l)) => l
                .iter()
                .filter_map(|x| x.get("Name")?.literal_text())
                .map(|k| format!("`{k}`"))
                .collect(),
            _ => Vec::new(),
        };
        let v = if keys.is_empty() {
            "none".to_string()
        } else {
            keys.join(", ")
        };
        out.replace_range(start..start + len + 1, &v);
    }
    out
}
