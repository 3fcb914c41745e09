//! CloudFormation expressions → Azure expressions, in the context of one template.

use super::context::Ctx;
use crate::azure::interp;
use crate::azure::{AzExpr, Interp};
use crate::model::expr::{Dynamic, Expr, ExprKind, SubPart};
use crate::source::Span;

fn bx(e: AzExpr) -> Box<AzExpr> {
    Box::new(e)
}

impl Ctx<'_> {
    /// Translates a value. Constructs with no Azure meaning become a parameter
    /// plus a decision, so the output stays valid Bicep.
    pub fn tr(&mut self, e: &Expr) -> AzExpr {
        match &e.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::List(_)
            | ExprKind::Object(_) => self.tr_value(e),
            ExprKind::Ref(name) => self.tr_ref(name, e.span),
            ExprKind::GetAtt {
                resource,
                attribute,
            } => self.tr_getatt(resource, attribute, e.span),
            ExprKind::Sub(parts) => self.tr_sub(parts, e.span),
            ExprKind::Join { sep, items } => self.tr_join(sep, items, e.span),
            ExprKind::Select { index, list } => self.tr_select(index, list),
            ExprKind::If { .. }
            | ExprKind::Equals(..)
            | ExprKind::And(_)
            | ExprKind::Or(_)
            | ExprKind::Not(_)
            | ExprKind::Condition(_) => self.tr_logic(e),
            ExprKind::Split { .. }
            | ExprKind::FindInMap { .. }
            | ExprKind::ImportValue(_)
            | ExprKind::GetAZs(_)
            | ExprKind::Base64(_)
            | ExprKind::Cidr { .. }
            | ExprKind::Length(_)
            | ExprKind::ToJsonString(_) => self.tr_function(e),
            ExprKind::Dynamic(d) => self.dynamic(d, e.span),
            ExprKind::Opaque(what) => self.placeholder(&format!("opaque {what}"), what, e.span),
            _ => self.tr_tf(e),
        }
    }

    /// A literal value, list or object (null list items kept, null members dropped).
    fn tr_value(&mut self, e: &Expr) -> AzExpr {
        match &e.kind {
            ExprKind::Null => AzExpr::Null,
            ExprKind::Bool(b) => AzExpr::Bool(*b),
            ExprKind::Number(n) => match n.parse::<i64>() {
                Ok(i) => AzExpr::Int(i),
                Err(_) => AzExpr::Num(n.clone()),
            },
            ExprKind::Str(s) => AzExpr::Str(s.clone()),
            ExprKind::List(items) => AzExpr::Array(
                items
                    .iter()
                    .filter(|i| !i.is_null() || matches!(i.kind, ExprKind::Null))
                    .map(|i| self.tr(i))
                    .collect(),
            ),
            ExprKind::Object(m) => AzExpr::Object(
                m.iter()
                    .filter(|(_, _, v)| !v.is_null())
                    .map(|(k, _, v)| (crate::azure::AzKey::Name(k.clone()), self.tr(v)))
                    .collect(),
            ),
            _ => self.tr_tf(e),
        }
    }

    /// `Fn::Sub`: an API Gateway URL, an ARN that becomes a resource id, a dynamic
    /// reference, or an interpolated string.
    fn tr_sub(&mut self, parts: &[SubPart], span: Span) -> AzExpr {
        if let Some(url) = self.api_gateway_url(parts, span) {
            return url;
        }
        if let Some(id) = self.arn_to_id(parts, span) {
            return id;
        }
        if let Some(d) = split_dynamic(parts) {
            return self.dynamic(&d, span);
        }
        let mut out = Vec::new();
        for p in parts {
            match p {
                SubPart::Lit(l) => out.push(Interp::Lit(l.clone())),
                SubPart::Expr(x) => match self.tr(x) {
                    AzExpr::Str(s) => out.push(Interp::Lit(s)),
                    other => out.push(Interp::Expr(other)),
                },
            }
        }
        interp(out)
    }

    /// `Fn::Join`: a dynamic reference, an interpolated string when the separator is
    /// literal and the items a list, else `join()`.
    fn tr_join(&mut self, sep: &Expr, items: &Expr, span: Span) -> AzExpr {
        if let (ExprKind::List(list), Some(sep_lit)) = (&items.kind, sep.literal_text()) {
            let mut parts = Vec::new();
            for (k, it) in list.iter().enumerate() {
                if k > 0 && !sep_lit.is_empty() {
                    parts.push(SubPart::Lit(sep_lit.clone()));
                }
                match it.literal_text() {
                    Some(t) => parts.push(SubPart::Lit(t)),
                    None => parts.push(SubPart::Expr(it.clone())),
                }
            }
            if let Some(d) = split_dynamic(&parts) {
                return self.dynamic(&d, span);
            }
        }
        let sep_az = self.tr(sep);
        match (&items.kind, sep_az.as_str()) {
            (ExprKind::List(list), Some(sep_lit)) => {
                let mut out = Vec::new();
                for (i, it) in list.iter().enumerate() {
                    if i > 0 && !sep_lit.is_empty() {
                        out.push(Interp::Lit(sep_lit.to_string()));
                    }
                    match self.tr(it) {
                        AzExpr::Str(s) => out.push(Interp::Lit(s)),
                        AzExpr::Int(n) => out.push(Interp::Lit(n.to_string())),
                        other => out.push(Interp::Expr(other)),
                    }
                }
                interp(out)
            }
            _ => {
                let items = self.tr(items);
                AzExpr::call("join", vec![items, sep_az])
            }
        }
    }

    /// Condition functions: `Fn::If`, `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`.
    fn tr_logic(&mut self, e: &Expr) -> AzExpr {
        match &e.kind {
            ExprKind::If { cond, then, other } => {
                let c = self.condition_ref(cond);
                let a = self.tr(then);
                let b = self.tr(other);
                AzExpr::Cond(bx(c), bx(a), bx(b))
            }
            ExprKind::Equals(a, b) => {
                let (a, b) = (self.region_literal(a, b), self.region_literal(b, a));
                AzExpr::Bin("==", bx(a), bx(b))
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let op = if matches!(e.kind, ExprKind::And(_)) {
                    "&&"
                } else {
                    "||"
                };
                let mut it = items
                    .iter()
                    .map(|i| self.tr(i))
                    .collect::<Vec<_>>()
                    .into_iter();
                let first = it.next().unwrap_or(AzExpr::Bool(true));
                it.fold(first, |acc, x| AzExpr::Bin(op, bx(acc), bx(x)))
            }
            ExprKind::Not(a) => AzExpr::Not(bx(self.tr(a))),
            ExprKind::Condition(c) => self.condition_ref(c),
            _ => self.tr_tf(e),
        }
    }

    /// The other intrinsic functions: `Fn::Split`, `Fn::FindInMap`, `Fn::ImportValue`,
    /// `Fn::GetAZs`, `Fn::Base64`, `Fn::Cidr`, `Fn::Length`, `Fn::ToJsonString`.
    fn tr_function(&mut self, e: &Expr) -> AzExpr {
        match &e.kind {
            ExprKind::Split { sep, source } => {
                let s = self.tr(source);
                let d = self.tr(sep);
                AzExpr::call("split", vec![s, d])
            }
            ExprKind::FindInMap {
                map, top, second, ..
            } => {
                let m = self.mapping_var(map);
                let (a, b) = (self.tr(top), self.tr(second));
                AzExpr::Index(bx(AzExpr::Index(bx(m), bx(a))), bx(b))
            }
            ExprKind::ImportValue(x) => self.import_value(x, e.span),
            ExprKind::GetAZs(_) => self.zones(),
            ExprKind::Base64(x) => {
                let v = self.tr(x);
                AzExpr::call("base64", vec![v])
            }
            ExprKind::Cidr { block, count, bits } => {
                let b = self.tr(block);
                let c = self.tr(count);
                let prefix = self.prefix_len(bits);
                let body = AzExpr::call("cidrSubnet", vec![b, prefix, AzExpr::ident("i")]);
                AzExpr::For(
                    "i".into(),
                    bx(AzExpr::call("range", vec![AzExpr::Int(0), c])),
                    bx(body),
                )
            }
            ExprKind::Length(x) => {
                let v = self.tr(x);
                AzExpr::call("length", vec![v])
            }
            ExprKind::ToJsonString(x) => {
                let v = self.tr(x);
                AzExpr::call("string", vec![v])
            }
            _ => self.tr_tf(e),
        }
    }

    /// One side of `Fn::Equals`: an AWS region literal compared with
    /// `AWS::Region` becomes the Azure location of the regions table.
    fn region_literal(&mut self, e: &Expr, other: &Expr) -> AzExpr {
        if matches!(&other.kind, ExprKind::Ref(r) if r == "AWS::Region")
            && let Some(region) = e.as_str()
            && let Some(loc) = self.tables.lookup_str("regions", region, "location")
        {
            self.template_decision(
                "region-comparison",
                "Region comparisons use Azure locations",
                "Conditions compare `AWS::Region` with AWS region names; `AWS::Region` is now the Azure `location`.",
                "Each region name in such a comparison becomes its Azure location from mappings/tables/regions.yaml.",
                "Several AWS regions map to one Azure location in a few places; check conditions that tell such regions apart.",
                e.span,
            );
            return AzExpr::Str(loc);
        }
        self.tr(e)
    }

    /// `https://${Api}.execute-api.${AWS::Region}.amazonaws.com/Stage/path` →
    /// the API Management gateway URL of the API, with the path kept.
    fn api_gateway_url(&mut self, parts: &[SubPart], span: Span) -> Option<AzExpr> {
        let text: String = parts
            .iter()
            .filter_map(|p| {
                if let SubPart::Lit(l) = p {
                    Some(l.as_str())
                } else {
                    None
                }
            })
            .collect();
        if !text.contains(".execute-api.") {
            return None;
        }
        let api = parts.iter().find_map(|p| match p {
            SubPart::Expr(x) => match &x.kind {
                ExprKind::Ref(n) => {
                    let id = self.t.resolve(n);
                    self.t.resources.iter().position(|r| {
                        r.id == id
                            && (self.tables.plays(&r.ty, "api-urls", "sam-api")
                                || self.tables.plays(&r.ty, "api-urls", "rest-api"))
                    })
                }
                _ => None,
            },
            _ => None,
        })?;
        // A WebSocket API became a Web PubSub hub: clients connect to the hub's URL.
        let hub_url = self.prepared[api].entry.as_ref().and_then(|e| {
            e.resources
                .first()
                .filter(|x| x.ty == "Microsoft.SignalRService/webPubSub")
                .and(e.attributes.get("ApiEndpoint").cloned())
        });
        if let Some(spec) = hub_url {
            self.template_decision(
                "web-pubsub-url",
                "WebSocket API URLs become Web PubSub hub URLs",
                "The template builds `wss://<api>.execute-api.<region>.amazonaws.com/<stage>` URLs.",
                "They become the client URL of the Web PubSub hub that replaces the API (`wss://<service>.webpubsub.azure.com/client/hubs/<hub>`).",
                "Clients connect with an access token from a negotiate endpoint (see the WebSocket decision).",
                span,
            );
            return Some(self.reference_expr(api, &spec));
        }
        // The path after the host and stage, e.g. `/Prod/items` → `/items`.
        let last = match parts.last() {
            Some(SubPart::Lit(l)) => l.clone(),
            _ => String::new(),
        };
        let after_host = last.split_once(".com").map(|(_, p)| p).unwrap_or("");
        // An HTTP API in front of one function is that function app's own endpoint.
        let with_scheme = matches!(parts.first(), Some(SubPart::Lit(l)) if l.contains("://"));
        if let Some(url) = super::apis_v2::function_endpoint_url(self, api, after_host, with_scheme)
        {
            self.template_decision(
                "function-endpoint-url",
                "HTTP API URLs become function app URLs",
                "The template builds `https://<api>.execute-api.<region>.amazonaws.com/<stage>/…` URLs of an HTTP API whose every route goes to one function.",
                "They become the function app's HTTPS endpoint (`https://<app default host name>`) with the path after the stage kept (see the decision on the API).",
                "Clients must switch to the new host name; set `extensions.http.routePrefix` to \"\" in host.json so that the paths need no `/api` prefix.",
                span,
            );
            return Some(url);
        }
        let path: String = after_host
            .trim_start_matches('/')
            .split_once('/')
            .map(|(_, rest)| format!("/{rest}"))
            .unwrap_or_default();
        // A SAM API is its own API Management instance; a REST API is an API of the
        // template's instance, under its path.
        let base = if self.plays(api, "api-urls", "rest-api") {
            self.reference_expr(
                api,
                "${apiManagement.properties.gatewayUrl}/${@.properties.path}",
            )
        } else {
            self.reference_expr(api, "@.properties.gatewayUrl")
        };
        self.template_decision(
            "api-gateway-url",
            "API Gateway URLs become API Management gateway URLs",
            "The template builds `https://<api>.execute-api.<region>.amazonaws.com/<stage>/…` URLs.",
            "They become the API Management gateway URL of the API that replaces it, with the path after the stage kept; import the API's operations under the root path.",
            "Clients must switch to the new host name (and subscription keys if the API requires them).",
            span,
        );
        Some(interp(vec![Interp::Expr(base), Interp::Lit(path)]))
    }

    /// `arn:${AWS::Partition}:sqs:…:${Queue.QueueName}` and similar ARNs built by
    /// hand from one resource of the template → that resource's Azure id.
    fn arn_to_id(&mut self, parts: &[SubPart], span: Span) -> Option<AzExpr> {
        match parts.first() {
            Some(SubPart::Lit(l)) if l.starts_with("arn:") => {}
            _ => return None,
        }
        let mut targets = Vec::new();
        for p in parts {
            if let SubPart::Expr(x) = p {
                match &x.kind {
                    ExprKind::Ref(n) | ExprKind::GetAtt { resource: n, .. } => {
                        let id = self.t.resolve(n);
                        if let Some(j) = self.t.resources.iter().position(|r| r.id == id)
                            && !targets.contains(&j)
                        {
                            targets.push(j);
                        }
                    }
                    _ => {}
                }
            }
        }
        let [j] = targets[..] else { return None };
        let has_azure = self.prepared[j]
            .entry
            .as_ref()
            .is_some_and(|e| !e.resources.is_empty());
        if !has_azure || self.t.resources[j].for_each.is_some() {
            return None;
        }
        let id = self.reference_expr(j, "@.id");
        self.template_decision(
            "arn-to-resource-id",
            "Hand-built ARNs become Azure resource ids",
            "The template builds ARNs from a resource's name (`arn:${AWS::Partition}:service:…:name`).",
            "Each becomes the Azure resource id of the resource that replaces it; a path after the name (`/*`, `/index/*`) is dropped.",
            "Consumers that parsed ARNs must use resource ids or names instead.",
            span,
        );
        Some(id)
    }

    fn prefix_len(&mut self, bits: &Expr) -> AzExpr {
        match bits.literal_i64() {
            Some(b) => AzExpr::Int(32i64.saturating_sub(b)),
            None => {
                let b = self.tr(bits);
                AzExpr::Bin("-", bx(AzExpr::Int(32)), bx(AzExpr::call("int", vec![b])))
            }
        }
    }

    fn tr_select(&mut self, index: &Expr, list: &Expr) -> AzExpr {
        match (&list.kind, index.literal_i64()) {
            (ExprKind::GetAZs(_), Some(i)) => {
                self.note_zones(list.span);
                AzExpr::Str(i.saturating_add(1).to_string())
            }
            (ExprKind::Cidr { block, bits, .. }, Some(i)) => {
                let b = self.tr(block);
                let p = self.prefix_len(bits);
                AzExpr::call("cidrSubnet", vec![b, p, AzExpr::Int(i)])
            }
            (ExprKind::List(items), Some(i)) if (i as usize) < items.len() => {
                self.tr(&items[i as usize])
            }
            _ => {
                let l = self.tr(list);
                let i = self.tr(index);
                let i = match i {
                    AzExpr::Int(_) => i,
                    other => AzExpr::call("int", vec![other]),
                };
                AzExpr::Index(bx(l), bx(i))
            }
        }
    }

    fn zones(&mut self) -> AzExpr {
        AzExpr::call(
            "pickZones",
            vec![
                AzExpr::str("Microsoft.Compute"),
                AzExpr::str("virtualMachines"),
                AzExpr::ident("location"),
                AzExpr::Int(3),
            ],
        )
    }

    fn import_value(&mut self, x: &Expr, span: Span) -> AzExpr {
        let label = import_label(x);
        let name = format!("import-{label}");
        match self.t.imports.get(&label).cloned() {
            Some(crate::model::nested::ImportSource::Output {
                file,
                folder,
                output,
                name: shown,
                export,
            }) => {
                let p = self.param_for(&name, "string", |p| {
                    p.description = Some(format!("Output `{shown}` of `{folder}` (from `{file}`, which exports `{export}`): deploy that first and pass its output (was Fn::ImportValue)."));
                    p.required_reason = Some(format!("output `{shown}` of `{file}` (deploy it first)"));
                    p.fed_by = Some((file.clone(), shown.clone()));
                });
                let own = self.file().to_string();
                let aff = self.affected(&p, span);
                self.record(crate::azure::Decision {
                    id: format!("import-wired:{own}#{label}"),
                    rule: "import-wired".into(),
                    title: format!("`{label}` comes from `{file}`"),
                    context: format!("The template imports the export `{label}` (Fn::ImportValue); `{file}`, converted in the same run, exports it as its output `{output}`."),
                    decision: format!("The value is the parameter `{p}`, to be given the output `{shown}` of the deployment of `{file}` (folder `{folder}`). The report lists that template before this one in the deployment order."),
                    consequences: "Deploy the producer first and pass its output (a pipeline step, or a parameter file): Azure keeps no export registry and does not stop the producer from being changed or deleted while this template uses the value.".into(),
                    resources: vec![aff],
                });
                return AzExpr::ident(p);
            }
            Some(crate::model::nested::ImportSource::Several { files }) => {
                let list = files
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let p = self.param_for(&name, "string", |p| {
                    p.description = Some(format!("Value of the CloudFormation export `{label}` (was Fn::ImportValue): an output of one of {list}, whichever this deployment uses."));
                    p.required_reason = Some(format!("was Fn::ImportValue {label}; exported by {list}"));
                });
                let own = self.file().to_string();
                let aff = self.affected(&p, span);
                self.record(crate::azure::Decision {
                    id: format!("import-ambiguous:{own}#{label}"),
                    rule: "import-ambiguous".into(),
                    title: format!("`{label}` is exported by several templates of the run"),
                    context: format!("The template imports the export `{label}`; {list} all export a name that matches it (the name is built from a stack name given at deployment)."),
                    decision: format!("The value stays the parameter `{p}`: give it the output of the template this deployment is paired with."),
                    consequences: "Deploy the chosen producer first and pass its output.".into(),
                    resources: vec![aff],
                });
                return AzExpr::ident(p);
            }
            None => {}
        }
        let p = self.param_for(&name, "string", |p| {
            p.description = Some(format!("Value of the CloudFormation export `{label}` (was Fn::ImportValue). Pass the producing deployment's output."));
            p.required_reason = Some(format!("was Fn::ImportValue {label}"));
        });
        self.template_decision(
            "import-value",
            "Cross-stack imports become parameters",
            "Fn::ImportValue reads an export of another CloudFormation stack. Azure deployments have no export registry.",
            &format!("Each imported value is a parameter (here `{p}`); pass the producing deployment's output, or declare the resource `existing`."),
            "Azure does not stop a producer from being deleted while a consumer still uses its value.",
            span,
        );
        AzExpr::ident(p)
    }

    fn dynamic(&mut self, d: &Dynamic, span: Span) -> AzExpr {
        // A secret this template generates: its own parameter, not a second one.
        if d.service == "secretsmanager"
            && let Some(e) = super::data::generated_secret_key(self, &d.reference)
        {
            return e;
        }
        let secure = d.service != "ssm";
        // The whole reference (secret, JSON key, version) names the parameter: two keys of one secret stay two values.
        let reference = d.reference.replace(":SecretString:", ":");
        let clean: String = reference
            .trim_end_matches(':')
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let name = format!("{}-{}", if secure { "secret" } else { "ssm" }, clean);
        let p = self.param_for(&name, "string", |p| {
            p.secure = secure;
            p.description = Some(format!(
                "Was the dynamic reference {{{{resolve:{}:{}}}}}.",
                d.service, d.reference
            ));
            p.required_reason = Some(format!("was {{{{resolve:{}:…}}}}", d.service));
        });
        let (title, what) = if secure {
            (
                "Secret dynamic references become secure parameters",
                "a `@secure()` parameter; at deployment, pass it from Key Vault (a parameters-file `reference` to a Key Vault secret)",
            )
        } else {
            (
                "SSM parameter references become parameters",
                "a parameter; copy the value from Parameter Store, or keep it in Azure App Configuration",
            )
        };
        self.template_decision(
            &format!("dynamic-reference-{}", if secure { "secret" } else { "ssm" }),
            title,
            "`{{resolve:…}}` reads SSM Parameter Store or Secrets Manager when the stack deploys; Azure Resource Manager cannot read them.",
            &format!("Each reference is {what}. Here: `{p}`."),
            "The value must exist in Azure before deployment; rotation in AWS no longer reaches it.",
            span,
        );
        AzExpr::ident(p)
    }
}

/// A `{{resolve:…}}` reference assembled from several pieces
/// (`{{resolve:secretsmanager:${Secret}:SecretString:password}}`): the value is
/// read at deployment, so the whole string stands for one dynamic reference.
fn split_dynamic(parts: &[SubPart]) -> Option<Dynamic> {
    if !parts
        .iter()
        .any(|p| matches!(p, SubPart::Lit(l) if l.contains("{{resolve:")))
    {
        return None;
    }
    let text: String = parts
        .iter()
        .map(|p| match p {
            SubPart::Lit(l) => l.clone(),
            SubPart::Expr(e) => match &e.kind {
                ExprKind::Ref(n) => format!("${{{n}}}"),
                ExprKind::GetAtt {
                    resource,
                    attribute,
                } => format!("${{{resource}.{attribute}}}"),
                ExprKind::Dynamic(d) => format!("{{{{resolve:{}:{}}}}}", d.service, d.reference),
                _ => "${…}".into(),
            },
        })
        .collect();
    let start = text.find("{{resolve:")? + "{{resolve:".len();
    let body = &text[start..];
    let body = &body[..body.find("}}").unwrap_or(body.len())];
    let (service, reference) = body.split_once(':').unwrap_or((body, ""));
    Some(Dynamic {
        service: service.to_string(),
        reference: reference.to_string(),
    })
}

/// The label of an `Fn::ImportValue` of export name `x`: its text, with `${Var}`
/// written as the variable's name (`AWS::` dropped).
pub fn import_label(x: &Expr) -> String {
    match &x.kind {
        ExprKind::Str(s) => s.clone(),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(e) => match &e.kind {
                    ExprKind::Ref(r) => r.replace("AWS::", ""),
                    _ => "x".into(),
                },
            })
            .collect(),
        ExprKind::Join { sep, items } => match (sep.literal_text(), items.as_list()) {
            (Some(sep), Some(items)) => items
                .iter()
                .map(|e| match &e.kind {
                    ExprKind::Ref(r) => r.replace("AWS::", ""),
                    _ => e.literal_text().unwrap_or_else(|| "x".into()),
                })
                .collect::<Vec<_>>()
                .join(&sep),
            _ => "import".into(),
        },
        _ => "import".into(),
    }
}
