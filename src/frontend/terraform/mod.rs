//! Terraform front end: the `.tf` files of one module folder → the AWS model.
//!
//! Files are parsed with hcl-edit (every node keeps its byte span), blocks are
//! collected and checked (duplicates, undeclared names), and `aws_*` resources are
//! lifted into CloudFormation's vocabulary through `mappings/terraform/`, split
//! resources folded into their parent. What only Terraform has (module calls,
//! providers, passthrough resources, state) travels in [`TfInfo`].

pub mod expr;
mod lift;
mod parse;
pub mod table;

use std::collections::{BTreeMap, BTreeSet};

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use crate::diag::{Diagnostic, codes};
use crate::frontend::cfn::ParseReturn;
use crate::model::expr::{Expr, ExprKind};
use crate::model::template::{Format, Local, Output, Parameter, Template};
pub use crate::model::terraform::{ModuleCall, Note, PassItem, PassResource, TfInfo};
use crate::source::{FileId, SourceMap, Span};
use expr::{Conv, Scope, Target, span_of};
use table::LiftTables;

/// Providers whose resources are copied unchanged into Terraform output.
pub const PASSTHROUGH: &[&str] = &["random", "null", "local", "tls", "archive", "time"];
/// Providers copied with a decision: they now target AKS.
pub const KUBERNETES: &[&str] = &["kubernetes", "helm", "kubectl"];

/// The error for a top-level block of unknown kind or with the wrong number of labels.
fn shape_error(f: FileId, b: &Block, kind: &str, labels: &[String]) -> Option<Diagnostic> {
    let want = match kind {
        "variable" | "output" | "module" | "provider" => 1,
        "resource" | "data" => 2,
        "locals" | "terraform" | "moved" | "import" | "removed" | "check" => 0,
        _ => usize::MAX,
    };
    if want == usize::MAX {
        return Some(
            Diagnostic::new(
                codes::TF_STRUCTURE,
                span_of(f, b.ident.span()),
                format!("unknown top-level block `{kind}`"),
                "not a Terraform block",
            )
            .help("top-level blocks are terraform, provider, variable, locals, resource, data, module, output, moved, import"),
        );
    }
    if labels.len() != want && !(kind == "check" && labels.len() == 1) {
        return Some(
            Diagnostic::new(
                codes::TF_STRUCTURE,
                span_of(f, b.ident.span()),
                format!(
                    "a `{kind}` block takes {want} label(s), this one has {}",
                    labels.len()
                ),
                "wrong number of labels",
            )
            .help(match want {
                2 => "write it as `resource \"TYPE\" \"NAME\" { … }`",
                1 => "write it as `variable \"NAME\" { … }`",
                _ => "this block takes no labels",
            }),
        );
    }
    None
}

/// Parses the files of one module. `files` are `.tf` files; `tfvars` files carry values.
pub fn parse_module(
    sources: &SourceMap,
    files: &[FileId],
    tfvars: &[FileId],
    dir: &str,
    tables: &LiftTables,
) -> ParseReturn {
    let mut diagnostics = Vec::new();
    let mut repeated_keys = BTreeMap::new();
    let (bodies, var_values) =
        parse_files(sources, files, tfvars, &mut repeated_keys, &mut diagnostics);
    if diagnostics.iter().any(|d| d.is_error()) {
        return ParseReturn {
            template: None,
            diagnostics,
        };
    }
    let first = files.first().copied().unwrap_or_default();
    let mut m = Module::default();
    for (f, b) in &bodies {
        m.collect(*f, b, &mut diagnostics);
    }
    let mut info = TfInfo {
        dir: dir.to_string(),
        ..Default::default()
    };
    let mut scope = m.scope(tables, &mut info);
    scope.repeated_keys = repeated_keys;
    // Policy documents first: resources reference them.
    scope.policy_docs = policy_docs(sources, &scope, &m, first, &mut diagnostics);
    let mut conv = Conv::new(sources, &scope, first);
    let mut t = Template::empty(first, Format::Terraform);
    for (f, b) in &m.variables {
        conv.file = *f;
        t.parameters.push(variable(&mut conv, b, &mut info));
    }
    for (f, name, span, value) in &m.locals {
        conv.file = *f;
        let v = conv.expr(value);
        t.locals.push(Local {
            name: name.clone(),
            span: *span,
            value: v,
        });
    }
    local_cycles(&t.locals, &mut diagnostics);
    for (f, b) in &m.outputs {
        conv.file = *f;
        t.outputs.push(output(&mut conv, *f, b));
    }
    for (f, b) in &m.modules {
        conv.file = *f;
        info.modules
            .push(module_call(&mut conv, b, dir, &mut diagnostics));
    }
    lift::resources(&mut conv, &m.resources, tables, &mut t, &mut info);
    tfvars_values(&mut conv, &var_values, &mut info);
    module_facts(&m, &mut conv, &mut info);
    diagnostics.append(&mut conv.diagnostics);
    let (first_text_len, _) = (sources.get(first).text.len(), ());
    t.sections.push((
        "Resources".into(),
        Span::new(first, 0, first_text_len.min(1)),
    ));
    t.tf = Some(Box::new(info));
    ParseReturn {
        template: Some(t),
        diagnostics,
    }
}

/// Parsed files, each with its id.
type Bodies = Vec<(FileId, Body)>;

/// Parsed `.tf` files and `.tfvars` files (terraform.tfvars first, then *.auto.tfvars in
/// name order); syntax errors go to `diagnostics`, the repeated object keys the parse let
/// through to `repeated_keys`.
fn parse_files(
    sources: &SourceMap,
    files: &[FileId],
    tfvars: &[FileId],
    repeated_keys: &mut parse::RepeatedKeys,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Bodies, Bodies) {
    let mut parse_one = |f: FileId, out: &mut Bodies| {
        let text = &sources.get(f).text;
        match parse::body(text) {
            Ok((b, keys)) => {
                for (offset, key) in keys {
                    repeated_keys.insert((f, offset), key);
                }
                out.push((f, b));
            }
            Err(e) => diagnostics.push(syntax_error(sources, f, &e)),
        }
    };
    let mut bodies: Vec<(FileId, Body)> = Vec::new();
    for &f in files {
        parse_one(f, &mut bodies);
    }
    let mut var_values = Vec::new();
    // terraform.tfvars first, then *.auto.tfvars in name order: later values win.
    let mut tfvars: Vec<FileId> = tfvars.to_vec();
    tfvars.sort_by_key(|f| {
        let p = &sources.get(*f).path;
        (p.ends_with(".auto.tfvars"), p.clone())
    });
    for &f in &tfvars {
        parse_one(f, &mut var_values);
    }
    (bodies, var_values)
}

/// The `aws_iam_policy_document` data sources, by name, as policy document objects.
fn policy_docs(
    sources: &SourceMap,
    scope: &Scope,
    m: &Module,
    first: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Expr> {
    let mut docs = BTreeMap::new();
    let mut c0 = Conv::new(sources, scope, first);
    for (f, b) in &m.data {
        if b.labels.first().map(label).as_deref() == Some("aws_iam_policy_document") {
            c0.file = *f;
            let name = b.labels.get(1).map(label).unwrap_or_default();
            docs.insert(name, lift::policy_document(&mut c0, b));
        }
    }
    diagnostics.append(&mut c0.diagnostics);
    docs
}

/// An `output` block as a template output.
fn output(conv: &mut Conv, f: FileId, b: &Block) -> Output {
    let name = b.labels.first().map(label).unwrap_or_default();
    let span = span_of(f, b.span());
    let value = attr(&b.body, "value")
        .map(|e| conv.expr(e))
        .unwrap_or(Expr::new(ExprKind::Null, span));
    let description = attr(&b.body, "description").and_then(|e| conv.expr(e).literal_text());
    let sensitive =
        attr(&b.body, "sensitive").is_some_and(|e| matches!(e, Expression::Bool(v) if *v.value()));
    Output {
        name,
        span,
        value,
        description,
        export: None,
        condition: None,
        sensitive,
    }
}

/// Records the values of the `.tfvars` files in `info.tfvars`.
fn tfvars_values(conv: &mut Conv, var_values: &[(FileId, Body)], info: &mut TfInfo) {
    for (f, b) in var_values {
        conv.file = *f;
        for s in b.iter() {
            if let Structure::Attribute(a) = s {
                let v = conv.expr(&a.value);
                info.tfvars.push((a.key.value().to_string(), v));
            }
        }
    }
}

/// Copies the module's providers, backend, `moved` and `import` blocks, and the data
/// sources used, into `info`.
fn module_facts(m: &Module, conv: &mut Conv, info: &mut TfInfo) {
    info.providers = m.providers.clone();
    info.required_providers = m.required_providers.clone();
    info.backend = m.backend.clone();
    info.moved = m.moved.clone();
    info.imports = m.imports.clone();
    let mut used = std::mem::take(&mut conv.data_used);
    used.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    used.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    info.data_used = used;
}

/// Locals that depend on themselves, directly or through other locals.
fn local_cycles(locals: &[Local], diags: &mut Vec<Diagnostic>) {
    let deps: BTreeMap<&str, Vec<String>> = locals
        .iter()
        .map(|l| {
            let mut d = Vec::new();
            l.value.walk(&mut |x| {
                if let ExprKind::Local(n) = &x.kind {
                    d.push(n.clone());
                }
            });
            (l.name.as_str(), d)
        })
        .collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for l in locals {
        // Depth-first search for a path back to `l`.
        let mut stack = vec![(l.name.clone(), vec![l.name.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((n, path)) = stack.pop() {
            for d in deps.get(n.as_str()).into_iter().flatten() {
                if *d == l.name {
                    if path.iter().all(|p| !reported.contains(p)) {
                        reported.extend(path.iter().cloned());
                        let mut diag = Diagnostic::new(
                            codes::TF_CYCLE,
                            l.span,
                            format!(
                                "local values depend on each other in a circle: {} → {}",
                                path.join(" → "),
                                l.name
                            ),
                            "part of the cycle",
                        )
                        .help("break the cycle: one of these locals must not reference the others");
                        for p in path.iter().skip(1) {
                            if let Some(o) = locals.iter().find(|x| &x.name == p) {
                                diag = diag.related(o.span, "also in the cycle");
                            }
                        }
                        diags.push(diag);
                    }
                } else if seen.insert(d.clone()) {
                    let mut p = path.clone();
                    p.push(d.clone());
                    stack.push((d.clone(), p));
                }
            }
        }
    }
}

fn syntax_error(sources: &SourceMap, f: FileId, e: &hcl_edit::parser::Error) -> Diagnostic {
    let file = sources.get(f);
    // The byte offset (hcl-edit's column counts bytes when the error sits on a
    // multi-byte character), moved back to a character boundary; at the end of the
    // file the offset stops at the last byte while line and column go past it.
    let loc = e.location();
    let mut off = if loc.offset() + 1 >= file.text.len() {
        file.offset_of(loc.line().saturating_sub(1), loc.column().saturating_sub(1))
    } else {
        loc.offset()
    }
    .min(file.text.len());
    while !file.text.is_char_boundary(off) {
        off -= 1;
    }
    let end = file.text[off..]
        .chars()
        .next()
        .map_or(off, |c| off + c.len_utf8());
    Diagnostic::new(
        codes::TF_SYNTAX,
        Span::new(f, off, end),
        format!("invalid HCL: {}", e.message()),
        "here",
    )
    .help("fix the syntax (`terraform validate` shows the same error); other modules still convert")
}

pub fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::String(s) => s.value().to_string(),
        BlockLabel::Ident(i) => i.value().to_string(),
    }
}

pub fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.value().as_str() == name => Some(&a.value),
        _ => None,
    })
}

/// Blocks of a module, gathered from all of its files.
#[derive(Default)]
struct Module<'a> {
    variables: Vec<(FileId, &'a Block)>,
    outputs: Vec<(FileId, &'a Block)>,
    resources: Vec<(FileId, &'a Block)>,
    data: Vec<(FileId, &'a Block)>,
    modules: Vec<(FileId, &'a Block)>,
    locals: Vec<(FileId, String, Span, &'a Expression)>,
    providers: Vec<(String, Option<String>, Span)>,
    required_providers: Vec<(String, String, Option<String>)>,
    backend: Option<(String, Span)>,
    moved: Vec<Span>,
    imports: Vec<Span>,
    seen: BTreeMap<String, Span>,
}

impl<'a> Module<'a> {
    fn unique(&mut self, key: String, span: Span, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
        if let Some(prev) = self.seen.get(&key) {
            diags.push(
                Diagnostic::new(
                    codes::TF_DUPLICATE,
                    span,
                    format!("{what} is declared twice"),
                    "second declaration",
                )
                .related(*prev, "first declared here")
                .help("remove or rename one of the two blocks"),
            );
            return false;
        }
        self.seen.insert(key, span);
        true
    }

    fn collect(&mut self, f: FileId, body: &'a Body, diags: &mut Vec<Diagnostic>) {
        for s in body.iter() {
            let Structure::Block(b) = s else {
                if let Structure::Attribute(a) = s {
                    diags.push(
                        Diagnostic::new(
                            codes::TF_STRUCTURE,
                            span_of(f, a.span()),
                            format!("unexpected attribute `{}` at the top level", a.key.value()),
                            "not inside a block",
                        )
                        .help("top-level attributes belong in .tfvars files, not .tf files"),
                    );
                }
                continue;
            };
            let span = span_of(f, b.span());
            let kind = b.ident.value().to_string();
            let labels: Vec<String> = b.labels.iter().map(label).collect();
            if let Some(d) = shape_error(f, b, &kind, &labels) {
                diags.push(d);
                continue;
            }
            match kind.as_str() {
                "variable" | "output" | "module" | "resource" | "data" => {
                    self.declare(f, b, &labels, span, diags);
                }
                "locals" => self.collect_locals(f, b, diags),
                "provider" => self.collect_provider(b, &labels, span, diags),
                "terraform" => {
                    for s in b.body.iter() {
                        let Structure::Block(inner) = s else { continue };
                        match inner.ident.value().as_str() {
                            "required_providers" => self.collect_required_providers(inner),
                            "backend" | "cloud" => self.collect_backend(f, inner, diags),
                            _ => {}
                        }
                    }
                }
                "moved" => self.moved.push(span),
                "import" => self.imports.push(span),
                _ => {}
            }
        }
    }

    /// Records a `variable`, `output`, `module`, `resource` or `data` block, unless its
    /// name is declared twice.
    fn declare(
        &mut self,
        f: FileId,
        b: &'a Block,
        labels: &[String],
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) {
        let kind = b.ident.value().as_str();
        let (key, what) = match kind {
            "variable" => (
                format!("var.{}", labels[0]),
                format!("variable `{}`", labels[0]),
            ),
            "output" => (
                format!("output.{}", labels[0]),
                format!("output `{}`", labels[0]),
            ),
            "module" => (
                format!("module.{}", labels[0]),
                format!("module `{}`", labels[0]),
            ),
            "resource" => {
                let key = format!("{}.{}", labels[0], labels[1]);
                (key.clone(), format!("resource `{key}`"))
            }
            "data" => {
                let key = format!("data.{}.{}", labels[0], labels[1]);
                (key.clone(), format!("data source `{key}`"))
            }
            _ => return,
        };
        if !self.unique(key, span, &what, diags) {
            return;
        }
        match kind {
            "variable" => self.variables.push((f, b)),
            "output" => self.outputs.push((f, b)),
            "module" => self.modules.push((f, b)),
            "resource" => self.resources.push((f, b)),
            _ => self.data.push((f, b)),
        }
    }

    /// Records the values of a `locals` block, unless a name is declared twice.
    fn collect_locals(&mut self, f: FileId, b: &'a Block, diags: &mut Vec<Diagnostic>) {
        for s in b.body.iter() {
            if let Structure::Attribute(a) = s {
                let name = a.key.value().to_string();
                let sp = span_of(f, a.span());
                if self.unique(
                    format!("local.{name}"),
                    sp,
                    &format!("local value `{name}`"),
                    diags,
                ) {
                    self.locals.push((f, name, sp, &a.value));
                }
            }
        }
    }

    /// Records a `provider` block (with its alias), unless configured twice.
    fn collect_provider(
        &mut self,
        b: &Block,
        labels: &[String],
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) {
        let alias = attr(&b.body, "alias").and_then(|e| match e {
            Expression::String(s) => Some(s.value().to_string()),
            _ => None,
        });
        let key = format!(
            "provider.{}.{}",
            labels[0],
            alias.clone().unwrap_or_default()
        );
        if self.unique(
            key,
            span,
            &format!("provider `{}` configuration", labels[0]),
            diags,
        ) {
            self.providers.push((labels[0].clone(), alias, span));
        }
    }

    /// Records the entries of a `required_providers` block: name, source and version.
    fn collect_required_providers(&mut self, inner: &Block) {
        for p in inner.body.iter() {
            if let Structure::Attribute(a) = p {
                let field = |name: &str| match &a.value {
                    Expression::Object(o) => o
                        .iter()
                        .find(|(k, _)| k.as_ident().map(|i| i.as_str()) == Some(name))
                        .and_then(|(_, v)| match v.expr() {
                            Expression::String(s) => Some(s.value().to_string()),
                            _ => None,
                        }),
                    Expression::String(s) if name == "version" => Some(s.value().to_string()),
                    _ => None,
                };
                let source = field("source").unwrap_or_default();
                let version = field("version");
                self.required_providers
                    .push((a.key.value().to_string(), source, version));
            }
        }
    }

    /// Records a `backend` (or `cloud`) block; a second one is an error.
    fn collect_backend(&mut self, f: FileId, inner: &Block, diags: &mut Vec<Diagnostic>) {
        let name = inner
            .labels
            .first()
            .map(label)
            .unwrap_or_else(|| "cloud".into());
        let sp = span_of(f, inner.span());
        if let Some((_, prev)) = &self.backend {
            diags.push(
                Diagnostic::new(
                    codes::TF_DUPLICATE,
                    sp,
                    "the module declares two backends".to_string(),
                    "second backend",
                )
                .related(*prev, "first declared here")
                .help("a module has at most one backend"),
            );
        } else {
            self.backend = Some((name, sp));
        }
    }

    fn scope(&self, tables: &LiftTables, info: &mut TfInfo) -> Scope {
        let mut s = Scope::default();
        for (_, b) in &self.variables {
            s.vars.insert(label(&b.labels[0]));
        }
        for (_, n, _, _) in &self.locals {
            s.locals.insert(n.clone());
        }
        for (_, b) in &self.modules {
            s.modules.insert(label(&b.labels[0]));
        }
        for (_, b) in &self.data {
            s.data.insert((label(&b.labels[0]), label(&b.labels[1])));
        }
        // Logical ids: the resource name in PascalCase; names used twice get the type in front.
        // Split resources that fold into their parent (`aws_s3_bucket_versioning.assets`) do not
        // compete for the name: they always carry their type.
        let folds = |ty: &str| tables.entries.get(ty).is_some_and(|e| e.fold.is_some());
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for (_, b) in &self.resources {
            if !folds(&label(&b.labels[0])) {
                *count
                    .entry(crate::names::pascal(&label(&b.labels[1])))
                    .or_default() += 1;
            }
        }
        let reserved: BTreeSet<String> = s
            .vars
            .iter()
            .chain(s.locals.iter())
            .map(|v| crate::names::pascal(v))
            .collect();
        let mut used = BTreeSet::new();
        for (f, b) in &self.resources {
            let ty = label(&b.labels[0]);
            let name = label(&b.labels[1]);
            let provider = ty.split('_').next().unwrap_or("").to_string();
            let target = if provider == "aws" {
                let base = crate::names::pascal(&name);
                let mut id = if folds(&ty)
                    || count.get(&base).copied().unwrap_or(0) > 1
                    || reserved.contains(&base)
                {
                    let short = ty.strip_prefix("aws_").unwrap_or(&ty);
                    format!("{}{}", crate::names::pascal(short), base)
                } else {
                    base
                };
                while !used.insert(id.clone()) {
                    id.push('2');
                }
                info.tf_names.insert(id.clone(), (ty.clone(), name.clone()));
                if let Some(e) = tables.entries.get(&ty) {
                    s.attributes.insert(ty.clone(), e.attributes.clone());
                }
                Target::Aws {
                    id,
                    tf_type: ty.clone(),
                }
            } else if PASSTHROUGH.contains(&provider.as_str())
                || KUBERNETES.contains(&provider.as_str())
            {
                Target::Passthrough
            } else {
                Target::Foreign
            };
            let args = b
                .body
                .iter()
                .filter_map(|x| match x {
                    Structure::Attribute(a) => Some((a.key.value().to_string(), a.value.clone())),
                    _ => None,
                })
                .collect();
            s.args.insert((ty.clone(), name.clone()), (*f, args));
            s.resources.insert((ty, name), target);
        }
        s
    }
}

fn variable(conv: &mut Conv, b: &Block, info: &mut TfInfo) -> Parameter {
    let name = label(&b.labels[0]);
    let span = conv.sp(b.span());
    let mut default = attr(&b.body, "default").map(|e| conv.expr(e));
    // A default naming an AWS resource (`subnet-0abc…`, `sg-…`, `vpc-…`) means nothing in Azure.
    if let Some(d) = &default
        && aws_id_default(d, b, info)
    {
        default = None;
    }
    let tf_type_text = attr(&b.body, "type").and_then(|e| {
        let r = e.span()?;
        let text = conv_text(conv, r)?;
        (!text.contains('\n'))
            .then(|| legacy_type(&text.split_whitespace().collect::<Vec<_>>().join(" ")))
    });
    let ty = match attr(&b.body, "type") {
        Some(e) => tf_type(e),
        None => match default.as_ref().map(|d| &d.kind) {
            Some(ExprKind::Number(_)) => "Number".into(),
            Some(ExprKind::Bool(_)) => "Bool".into(),
            Some(ExprKind::List(_)) => "List<String>".into(),
            Some(ExprKind::Object(_)) => "Object".into(),
            _ => "String".into(),
        },
    };
    let sensitive =
        attr(&b.body, "sensitive").is_some_and(|e| matches!(e, Expression::Bool(v) if *v.value()));
    if sensitive {
        info.sensitive.insert(name.clone());
    }
    let description = attr(&b.body, "description").and_then(|e| conv.expr(e).literal_text());
    let allowed_values = allowed_values(conv, b, &name, info);
    Parameter {
        name,
        span,
        ty,
        default,
        allowed_values,
        allowed_pattern: None,
        min_length: None,
        max_length: None,
        min_value: None,
        max_value: None,
        no_echo: sensitive,
        description,
        tf_type: tf_type_text,
        secret: None,
    }
}

/// Whether a variable's default names an AWS resource (then noted, and to be dropped).
fn aws_id_default(d: &Expr, b: &Block, info: &mut TfInfo) -> bool {
    let mut aws_id = false;
    d.walk(&mut |x| {
        if let Some(s) = x.as_str() {
            aws_id |= is_aws_id(s);
        }
    });
    if aws_id {
        info.notes.push(Note {
            rule: "tf-variable-aws-id".into(),
            id: None,
            span: d.span,
            title: "Variables whose default is an AWS resource id".into(),
            context: format!("Variable `{}` defaults to the id of an AWS resource.", label(&b.labels[0])),
            decision: "The default is dropped: the variable must be given the Azure resource's id.".into(),
            consequences: "Supply the value of the Azure resource that replaces it (a subnet id, a network security group id, an image).".into(),
        });
    }
    aws_id
}

/// The allowed values of a variable (from a `contains([…], var.x)` validation); other
/// validations are noted for review.
fn allowed_values(conv: &mut Conv, b: &Block, name: &str, info: &mut TfInfo) -> Vec<Expr> {
    let mut allowed_values = Vec::new();
    for s in b.body.iter() {
        if let Structure::Block(v) = s
            && v.ident.value().as_str() == "validation"
            && let Some(cond) = attr(&v.body, "condition")
        {
            let c = conv.expr(cond);
            // `contains(["a", "b"], var.x)` is an allowed-values list.
            if let ExprKind::Call(f, args) = &c.kind
                && f == "contains"
                && let Some(ExprKind::List(items)) = args.first().map(|a| &a.kind)
                && items.iter().all(|i| i.literal_text().is_some())
            {
                allowed_values = items.clone();
            } else {
                info.notes.push(Note {
                    rule: "tf-variable-validation".into(),
                    id: None,
                    span: c.span,
                    title: "Variable validations need review".into(),
                    context: format!("Variable `{name}` has a `validation` block whose condition is an expression."),
                    decision: "Terraform output keeps the variable; Bicep output keeps only allowed-value lists (`@allowed`).".into(),
                    consequences: "Re-create the check where the target language cannot express it (pipeline or policy).".into(),
                });
            }
        }
    }
    allowed_values
}

fn conv_text(conv: &Conv, r: std::ops::Range<usize>) -> Option<String> {
    conv.sources.get(conv.file).text.get(r).map(str::to_string)
}

/// `subnet-0123abcd`, `sg-…`, `vpc-…`, `ami-…`: the id of an AWS resource.
fn is_aws_id(s: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "subnet-",
        "sg-",
        "vpc-",
        "ami-",
        "igw-",
        "rtb-",
        "eni-",
        "i-",
        "nat-",
        "eipalloc-",
        "vol-",
        "snap-",
        "acl-",
        "pl-",
        "vpce-",
        "tgw-",
        "lt-",
    ];
    PREFIXES.iter().any(|p| {
        s.strip_prefix(p)
            .is_some_and(|rest| rest.len() >= 8 && rest.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

/// Type constraints of Terraform 0.11 as `terraform fmt` rewrites them.
fn legacy_type(t: &str) -> String {
    match t {
        "\"string\"" => "string".into(),
        "\"list\"" => "list(string)".into(),
        "\"map\"" => "map(string)".into(),
        "list" => "list(any)".into(),
        "map" => "map(any)".into(),
        other => other.into(),
    }
}

/// A Terraform type constraint → the model's parameter type.
fn tf_type(e: &Expression) -> String {
    match e {
        Expression::Variable(v) => match v.value().as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Bool".into(),
            _ => "Object".into(),
        },
        Expression::FuncCall(f) => match f.name.name.value().as_str() {
            "list" | "set" | "tuple" => "List<String>".into(),
            _ => "Object".into(),
        },
        _ => "Object".into(),
    }
}

fn module_call(conv: &mut Conv, b: &Block, dir: &str, diags: &mut Vec<Diagnostic>) -> ModuleCall {
    let name = label(&b.labels[0]);
    let span = conv.sp(b.span());
    let (source, source_span) = match attr(&b.body, "source") {
        Some(e) => {
            let x = conv.expr(e);
            (x.literal_text().unwrap_or_default(), x.span)
        }
        None => {
            diags.push(
                Diagnostic::new(
                    codes::TF_STRUCTURE,
                    span,
                    format!("module `{name}` has no `source`"),
                    "no source",
                )
                .help("every module block needs `source = \"…\"`"),
            );
            (String::new(), span)
        }
    };
    let local_dir =
        if source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
        {
            Some(join_rel(dir, &source))
        } else {
            None
        };
    let mut inputs = Vec::new();
    let mut count = None;
    let mut for_each = None;
    let mut depends_on = Vec::new();
    let mut version = None;
    for s in b.body.iter() {
        if let Structure::Attribute(a) = s {
            let key = a.key.value().to_string();
            match key.as_str() {
                "source" | "providers" => {}
                "version" => version = conv.expr(&a.value).literal_text(),
                "count" => count = Some(conv.expr(&a.value)),
                "for_each" => {
                    for_each = Some(conv.expr(&a.value));
                }
                "depends_on" => {
                    if let Expression::Array(arr) = &a.value {
                        for x in arr.iter() {
                            depends_on.push(x.to_string().trim().to_string());
                        }
                    }
                }
                _ => {
                    if for_each.is_some() || count.is_some() {
                        conv.loops.push("each".into());
                        conv.loops.push("count".into());
                    }
                    let v = conv.expr(&a.value);
                    if for_each.is_some() || count.is_some() {
                        conv.loops.pop();
                        conv.loops.pop();
                    }
                    inputs.push((key, v));
                }
            }
        }
    }
    ModuleCall {
        name,
        span,
        source,
        source_span,
        version,
        local_dir,
        inputs,
        count,
        for_each,
        depends_on,
        input_types: Default::default(),
    }
}

/// `a/b` + `../c` → `a/c`; `..` above the root stays as `..` segments.
pub fn join_rel(dir: &str, rel: &str) -> String {
    let mut parts: Vec<String> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_string)
        .collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            s => parts.push(s.to_string()),
        }
    }
    parts.join("/")
}
