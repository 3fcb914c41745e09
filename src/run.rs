//! One run of `aws2azure convert`: discover, convert each template, write OUT.

use rayon::prelude::*;
use std::path::PathBuf;

use crate::backend::terraform::table::AzurermTables;
use crate::diag::{Diagnostic, codes, render};
use crate::discover;
use crate::frontend::cfn;
use crate::frontend::terraform::table::LiftTables;
use crate::input::Input;
use crate::mapping::{self, MapTables};
use crate::model::graph;
use crate::report::{self, *};
use crate::source::{FileId, SourceMap};

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub out: PathBuf,
    pub mappings: Option<PathBuf>,
    /// `--config FILE`; `None`: `aws2azure.toml` at the root of the first PATH folder.
    pub config: Option<PathBuf>,
    pub force: bool,
    /// `None`: like for like (CloudFormation → Bicep, Terraform → Terraform).
    pub to: Option<Target>,
}

pub use crate::backend::Target;

pub struct Outcome {
    pub exit_code: i32,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub report: Option<Report>,
    /// Generated files, relative to OUT.
    pub files: Vec<(String, String)>,
}

impl Outcome {
    pub fn rendered(&self, color: bool) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| render(d, &self.sources, color))
            .collect()
    }

    /// One line per converted template or module: its source, its output and counts.
    pub fn stack_lines(&self) -> Vec<String> {
        let Some(r) = &self.report else {
            return Vec::new();
        };
        r.stacks
            .iter()
            .map(|s| {
                let count = |st: &str| s.resources.iter().filter(|x| x.status == st).count();
                format!(
                    "{} → {}: {} resources ({} translated, {} partial, {} not needed, {} manual){}",
                    s.source,
                    s.output.as_deref().unwrap_or("(nothing written)"),
                    s.resources.len(),
                    count("translated"),
                    count("partial"),
                    count("not-needed"),
                    count("manual"),
                    if s.errors > 0 {
                        format!(", {} error(s)", s.errors)
                    } else {
                        String::new()
                    }
                )
            })
            .collect()
    }

    /// The run's summary as one JSON object (the report's summary and the exit code).
    pub fn summary_json(&self) -> String {
        let summary = self
            .report
            .as_ref()
            .map(|r| serde_json::to_value(&r.summary).unwrap_or_default())
            .unwrap_or_else(|| serde_json::json!({}));
        let mut v = serde_json::json!({ "exit_code": self.exit_code });
        if let (Some(o), serde_json::Value::Object(s)) = (v.as_object_mut(), summary) {
            o.extend(s);
        }
        v.to_string()
    }

    pub fn summary_line(&self) -> String {
        match &self.report {
            Some(r) => format!(
                "aws2azure: {} template(s) converted, {} with errors, {} file(s) skipped; {} resources ({} translated, {} partial, {} not needed, {} manual); {} decisions",
                r.summary.converted,
                r.summary.failed,
                r.summary.skipped_files,
                r.summary.resources,
                r.summary.translated,
                r.summary.partial,
                r.summary.not_needed,
                r.summary.manual,
                r.summary.decisions
            ),
            None => "aws2azure: nothing written".into(),
        }
    }
}

/// Every table of a run, each stage's own, read from the same files.
#[derive(Debug, Default)]
pub struct Tables {
    /// `mappings/terraform/`: Terraform `aws_*` → CloudFormation vocabulary.
    pub lift: LiftTables,
    /// `mappings/aws/`, `services.yaml`, `mappings/tables/`: AWS → ARM.
    pub mapping: MapTables,
    /// `mappings/azurerm/`: ARM types → azurerm resources.
    pub azurerm: AzurermTables,
    /// `mappings/report/`: data migration, decommissioning, KPIs, exposure.
    pub report: crate::report::tables::ReportTables,
}

impl Tables {
    /// Loads one table file into the stage that owns its kind. A `user` file's ARM
    /// types and API versions are checked against Azure's schema as it loads.
    pub fn load_file(
        &mut self,
        sources: &mut SourceMap,
        file: &mut crate::tables::TableFile,
        user: bool,
    ) -> Vec<Diagnostic> {
        use crate::tables::Kind;
        match file.kind {
            Kind::Lift | Kind::LiftPrefixes => self.lift.load(sources, file),
            Kind::Azurerm => self.azurerm.load(sources, file),
            Kind::Report => self.report.load(sources, file),
            Kind::Lookup | Kind::Services | Kind::Types => {
                mapping::load_table(&mut self.mapping, sources, file, user)
            }
        }
    }

    /// The embedded tables, then the user's `--mappings` folder over them.
    pub fn load(
        sources: &mut SourceMap,
        user_dir: Option<&std::path::Path>,
    ) -> (Tables, Vec<Diagnostic>) {
        let mut tables = Tables::default();
        let mut diags = Vec::new();
        for mut f in crate::tables::embedded() {
            diags.extend(tables.load_file(sources, &mut f, false));
        }
        if let Some(dir) = user_dir {
            let (files, read) = crate::tables::user(sources, dir);
            diags.extend(read);
            for mut f in files {
                diags.extend(tables.load_file(sources, &mut f, true));
            }
        }
        (tables, diags)
    }
}

/// A template converted in memory.
pub struct Converted {
    pub stack: StackOut,
    /// Generated files, relative to OUT.
    pub files: Vec<(String, String)>,
    pub bicep: Option<String>,
    pub decisions: Vec<crate::azure::Decision>,
    pub diagnostics: Vec<Diagnostic>,
    pub used_types: std::collections::BTreeSet<String>,
    /// A converted CloudFormation template's parameters and outputs, for the templates
    /// that nest it (`None` when it did not convert).
    pub interface: Option<crate::model::nested::ChildInterface>,
}

/// Converts one registered file. `output` is the Bicep path relative to OUT.
pub fn convert_file(sources: &SourceMap, file: FileId, tables: &Tables, output: &str) -> Converted {
    let parsed = cfn::parse(sources, file);
    let source = sources.get(file).path.clone();
    convert_parsed(
        sources,
        parsed,
        source,
        "cloudformation",
        tables,
        output,
        Target::Bicep,
    )
}

/// Converts one Terraform module: its `.tf` files and `.tfvars` files, all registered.
/// `dir` is the module folder relative to `root` (the PATH argument), which resolves
/// local module sources; `output` is the Terraform folder or Bicep file relative to OUT.
#[allow(clippy::too_many_arguments)]
pub fn convert_module(
    sources: &SourceMap,
    tf: &[FileId],
    tfvars: &[FileId],
    dir: &str,
    root: Option<&std::path::Path>,
    tables: &Tables,
    output: &str,
    target: Target,
    called: &Called,
) -> Converted {
    let parsed = crate::frontend::terraform::parse_module(sources, tf, tfvars, dir, &tables.lift);
    convert_parsed_module(sources, parsed, dir, root, tables, output, target, called)
}

/// [`convert_module`] of a module already parsed.
#[allow(clippy::too_many_arguments)]
fn convert_parsed_module(
    sources: &SourceMap,
    mut parsed: cfn::ParseReturn,
    dir: &str,
    root: Option<&std::path::Path>,
    tables: &Tables,
    output: &str,
    target: Target,
    called: &Called,
) -> Converted {
    // Calls of modules written elsewhere in OUT point at their new place, and know the
    // types of the variables they set.
    if let Some(info) = parsed.template.as_mut().and_then(|t| t.tf.as_mut()) {
        for call in &mut info.modules {
            let Some(local) = &call.local_dir else {
                continue;
            };
            if let Some(new) = called.rewrites.get(local) {
                call.source = new.clone();
            }
            if let Some(types) = called.types_of(local) {
                call.input_types = types.clone();
            }
        }
    }
    if let (Some(t), Some(root)) = (&parsed.template, root)
        && let Some(info) = &t.tf
    {
        for call in &info.modules {
            if let Some(local) = &call.local_dir
                && !root.join(local).is_dir()
            {
                parsed.diagnostics.push(
                    Diagnostic::new(
                        codes::TF_MODULE_SOURCE,
                        call.source_span,
                        format!(
                            "module `{}`: the folder `{}` does not exist",
                            call.name, call.source
                        ),
                        "no such folder",
                    )
                    .help("fix the relative path; it is resolved from the calling module's folder"),
                );
            }
        }
    }
    let source = if dir.is_empty() {
        ".".to_string()
    } else {
        dir.to_string()
    };
    convert_parsed(sources, parsed, source, "terraform", tables, output, target)
}

/// What a module's calls need to know of the local modules they call.
#[derive(Default)]
pub struct Called<'a> {
    /// Module folder (relative to PATH) → new `source`, for modules written elsewhere in OUT.
    pub rewrites: std::collections::BTreeMap<String, String>,
    /// (PATH argument, module folder) → its variables' type constraints as written, and
    /// the caller's PATH argument.
    pub variable_types: Option<(&'a ModuleTypes, &'a std::path::Path)>,
}

impl Called<'_> {
    /// The variable types of the module in folder `local` (relative to PATH).
    fn types_of(&self, local: &str) -> Option<&VariableTypes> {
        let (types, root) = self.variable_types?;
        types.get(&(root.to_path_buf(), local.to_string()))
    }
}

/// Each module's variable types, by (PATH argument, folder).
type ModuleTypes = std::collections::BTreeMap<(PathBuf, String), VariableTypes>;

/// A module's variables and their type constraints as written (`list(string)`).
pub type VariableTypes = std::collections::BTreeMap<String, String>;

/// Where each Terraform module is written, and modules read from outside PATH.
#[derive(Default)]
struct Placement {
    /// (PATH argument, folder) → output folder relative to OUT.
    out: std::collections::BTreeMap<(PathBuf, String), String>,
    /// Modules read from outside PATH: calls to them get a new `source`.
    moved: std::collections::BTreeSet<(PathBuf, String)>,
    /// Each module's variable types.
    variable_types: ModuleTypes,
    /// Each module, parsed (once: its conversion takes it from here).
    parsed: std::collections::BTreeMap<(PathBuf, String), cfn::ParseReturn>,
}

impl Placement {
    fn out_dir(&self, root: &std::path::Path, dir: &str) -> String {
        self.out
            .get(&(root.to_path_buf(), dir.to_string()))
            .cloned()
            .unwrap_or_else(|| dir.to_string())
    }

    /// What a caller written at `from` needs of the modules under `root`.
    fn called<'a>(&'a self, root: &'a std::path::Path, from: &str) -> Called<'a> {
        let rewrites = self
            .moved
            .iter()
            .filter(|k| k.0 == root)
            .filter_map(|k| Some((k.1.clone(), relative_path(from, self.out.get(k)?))))
            .collect();
        Called {
            rewrites,
            variable_types: Some((&self.variable_types, root)),
        }
    }
}

/// `a/b` → `_modules/x` is `../../_modules/x`; from the root `./_modules/x`.
fn relative_path(from: &str, to: &str) -> String {
    let up = from.split('/').filter(|s| !s.is_empty()).count();
    if up == 0 {
        format!("./{to}")
    } else {
        format!("{}{to}", "../".repeat(up))
    }
}

type ModuleMap = std::collections::BTreeMap<(PathBuf, String), (Vec<FileId>, Vec<FileId>, PathBuf)>;
/// Modules that cannot convert (a file too large, not UTF-8 or unreadable), with why.
type FailedModules = std::collections::BTreeMap<(PathBuf, String), Vec<Diagnostic>>;

/// Output folders: each module at its own place; two PATH arguments with the same
/// folder get `-2`, `-3`; modules called from outside PATH are read and placed under
/// `_modules/NAME`. A module read here whose files cannot be read is added to `failed`.
fn place_modules(
    modules: &mut ModuleMap,
    failed: &mut FailedModules,
    sources: &mut SourceMap,
    tables: &Tables,
) -> Placement {
    let (variable_types, parsed) = read_called_modules(modules, failed, sources, tables);
    let mut p = Placement {
        variable_types,
        parsed,
        ..Placement::default()
    };
    let root_dir = root_dirs(modules);
    for (root, dir) in modules.keys() {
        let local = if dir.split('/').any(|s| s == "..") {
            let name = dir
                .rsplit('/')
                .find(|s| !s.is_empty() && *s != "..")
                .unwrap_or("module");
            p.moved.insert((root.clone(), dir.clone()));
            format!("_modules/{name}")
        } else {
            dir.clone()
        };
        let out = match root_dir.get(root) {
            Some(prefix) if local.is_empty() => prefix.clone(),
            Some(prefix) => format!("{prefix}/{local}"),
            None => local,
        };
        p.out.insert((root.clone(), dir.clone()), out);
    }
    p
}

/// Parses every module of `modules` once, and adds the local modules they call from
/// outside PATH (or not walked), read and parsed in turn; one whose files cannot be
/// read is added to `failed`. Returns each module's variable types and parse. Each
/// round's modules are parsed in parallel; files are registered between rounds, in
/// module order, so file ids do not depend on the threads.
fn read_called_modules(
    modules: &mut ModuleMap,
    failed: &mut FailedModules,
    sources: &mut SourceMap,
    tables: &Tables,
) -> (
    ModuleTypes,
    std::collections::BTreeMap<(PathBuf, String), cfn::ParseReturn>,
) {
    let mut types = ModuleTypes::new();
    let mut all = std::collections::BTreeMap::new();
    // A module's files in path order: its conversion reads them so.
    for (tf, _, _) in modules.values_mut() {
        tf.sort_by(|a, b| sources.get(*a).path.cmp(&sources.get(*b).path));
    }
    let mut round: Vec<(PathBuf, String)> = modules
        .keys()
        .filter(|k| !failed.contains_key(*k))
        .cloned()
        .collect();
    while !round.is_empty() {
        let shared: &SourceMap = sources;
        let parsed: Vec<((PathBuf, String), cfn::ParseReturn)> = round
            .par_iter()
            .map(|key| {
                let (tf, tfvars, _) = &modules[key];
                let p = crate::frontend::terraform::parse_module(
                    shared,
                    tf,
                    tfvars,
                    &key.1,
                    &tables.lift,
                );
                (key.clone(), p)
            })
            .collect();
        let mut next = std::collections::BTreeSet::new();
        for (key, p) in parsed {
            if let Some(t) = &p.template {
                let vars = t
                    .parameters
                    .iter()
                    .filter_map(|p| Some((p.name.clone(), p.tf_type.clone()?)));
                types.insert(key.clone(), vars.collect());
                for call in t.tf.iter().flat_map(|info| &info.modules) {
                    if let Some(local) = &call.local_dir {
                        next.insert((key.0.clone(), local.clone()));
                    }
                }
            }
            all.insert(key, p);
        }
        round = Vec::new();
        for key in next {
            if modules.contains_key(&key) {
                continue;
            }
            let Some(ids) = read_module_files(&key.0, &key.1, &key, failed, sources) else {
                continue;
            };
            if ids.is_empty() {
                failed.remove(&key);
                continue;
            }
            modules.insert(key.clone(), (ids, Vec::new(), key.0.clone()));
            if !failed.contains_key(&key) {
                round.push(key);
            }
        }
    }
    (types, all)
}

/// The `.tf` files of the module folder `local` (under `root`), registered in name
/// order (`None` when the folder cannot be listed); files that cannot be read are
/// recorded in `failed` under `key`.
fn read_module_files(
    root: &std::path::Path,
    local: &str,
    key: &(PathBuf, String),
    failed: &mut FailedModules,
    sources: &mut SourceMap,
) -> Option<Vec<FileId>> {
    let folder = root.join(local);
    let Ok(rd) = std::fs::read_dir(&folder) else {
        return None;
    };
    let mut names: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
        .collect();
    names.sort();
    let mut ids = Vec::new();
    for n in names {
        let label = format!(
            "{local}/{}",
            n.file_name().unwrap_or_default().to_string_lossy()
        );
        match crate::input::read(sources, &n, &label) {
            Ok(Input::Text(id)) => ids.push(id),
            Ok(Input::Rejected(id, d)) => {
                ids.push(id);
                failed.entry(key.clone()).or_default().push(*d);
            }
            Err(d) => failed.entry(key.clone()).or_default().push(*d),
        }
    }
    Some(ids)
}

/// With several PATH arguments, the folder each one's modules go under (named after it,
/// `-2`, `-3` for repeats); none with one.
fn root_dirs(modules: &ModuleMap) -> std::collections::BTreeMap<PathBuf, String> {
    // With several PATH arguments, each one's modules go under a folder named after it.
    let roots: std::collections::BTreeSet<PathBuf> =
        modules.keys().map(|(r, _)| r.clone()).collect();
    let mut root_dir: std::collections::BTreeMap<PathBuf, String> = Default::default();
    if roots.len() > 1 {
        let mut used = std::collections::BTreeSet::new();
        for r in &roots {
            let base = r
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "module".into());
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            root_dir.insert(r.clone(), name);
        }
    }
    root_dir
}

/// Converts a parsed template or module. `output` is the Bicep file or the Terraform
/// folder relative to OUT; `source` names the input in the report.
pub fn convert_parsed(
    sources: &SourceMap,
    parsed: cfn::ParseReturn,
    source: String,
    format: &str,
    tables: &Tables,
    output: &str,
    target: Target,
) -> Converted {
    let mut diagnostics = parsed.diagnostics;
    let Some(mut t) = parsed.template else {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        return Converted {
            stack: empty_stack(&source, format, errors),
            files: Vec::new(),
            bicep: None,
            decisions: Vec::new(),
            diagnostics,
            used_types: Default::default(),
            interface: None,
        };
    };
    // Literal secrets become secure parameters before anything reads the template.
    mapping::secrets::extract(&mut t, &tables.mapping);
    let g = graph::build(&t, &tables.mapping.lookups, &mut diagnostics);
    let mut mapped = mapping::map_template(&t, &tables.mapping, sources, target.vocabulary());
    diagnostics.append(&mut mapped.diagnostics);
    // The project file's tags, on every resource that takes them.
    crate::config::tag(
        &mut mapped.module,
        &tables.mapping.answers.tags,
        (target == Target::Terraform).then_some(&tables.azurerm),
    );
    // The back end lowers what the model keeps Terraform-shaped, and adds its own
    // decisions to the report.
    let file = sources.get(t.file).path.clone();
    let effects = match target {
        Target::Bicep => {
            let lowered = lower_for_bicep(&mut mapped, &file, sources);
            mapped.module = lowered.module;
            lowered.effects
        }
        Target::Terraform => crate::backend::terraform::effects(&mapped.module, &file, sources),
    };
    crate::azure::apply_effects(effects, &mut mapped.decisions, &mut mapped.resources);
    // The schema gate: every resource of the model against its ARM type's schema, and
    // with Terraform output every azurerm block against the provider's; a finding is an
    // error at the mapping rule that produced it, and nothing of the stack is written.
    diagnostics.extend(arm_schema_diagnostics(&mapped.module, &t, tables, sources));
    let mut terraform = None;
    if target == Target::Terraform && !diagnostics.iter().any(|d| d.is_error()) {
        let (tf_files, tf_decisions, findings) =
            crate::backend::terraform::emit(&mapped.module, &t, &tables.azurerm, sources);
        diagnostics.extend(azurerm_schema_diagnostics(&findings, &t, tables));
        terraform = Some((tf_files, tf_decisions));
    }
    // Errors the mapping found (invalid rules, widened access) stop the output too.
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let cx = StackCx {
        t: &t,
        sources,
        tables,
        mapped: &mapped,
        source: &source,
        output,
        errors,
    };
    let stack = stack_out(&cx, &g);
    let interface = (errors == 0 && t.tf.is_none()).then(|| interface(&t, &mapped));
    let mut files = Vec::new();
    let mut bicep = None;
    let mut decisions = mapped.decisions;
    if errors == 0 {
        match (target, terraform) {
            (Target::Bicep, _) => {
                let text = crate::backend::bicep::print_module(&mapped.module);
                files.push((output.to_string(), text.clone()));
                // Modules deploying children of existing parents at another scope.
                let dir = output.rsplit_once('/').map_or("", |(d, _)| d);
                for (name, module) in crate::backend::bicep::module_files(&mapped.module) {
                    let path = if dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    };
                    files.push((path, module));
                }
                bicep = Some(text);
            }
            (Target::Terraform, tf) => {
                let (tf_files, tf_decisions) = tf.unwrap_or_default();
                for (name, text) in tf_files {
                    let path = if output.is_empty() {
                        name
                    } else {
                        format!("{output}/{name}")
                    };
                    files.push((path, text));
                }
                decisions.extend(tf_decisions);
            }
        }
        // Files for the people finishing the migration, beside the output.
        let folder = match target {
            Target::Bicep => output.rsplit_once('/').map_or("", |(d, _)| d),
            Target::Terraform => output,
        };
        for (name, text) in &mapped.side_files {
            let path = if folder.is_empty() {
                name.clone()
            } else {
                format!("{folder}/{name}")
            };
            files.push((path, text.clone()));
        }
    }
    Converted {
        stack,
        files,
        bicep,
        decisions,
        diagnostics,
        used_types: mapped.used_types,
        interface,
    }
}

/// What the templates nesting a converted template see of it: its parameters (by
/// the CloudFormation parameter each came from) and outputs, with their Bicep and
/// Terraform names. Where it is (file, module source) is filled in by the run.
fn interface(
    t: &crate::model::Template,
    mapped: &mapping::StackResult,
) -> crate::model::nested::ChildInterface {
    use crate::model::nested::{ChildInterface, ChildOutput, ChildParam};
    let m = &mapped.module;
    let tf = crate::backend::terraform::variable_names(m);
    // Parameters the template declared (not those made for literal secrets), by symbol.
    let declared = |name: &str| {
        t.parameter(name)
            .is_some_and(|p| p.secret.as_ref().is_none_or(|s| s.stands_for.is_none()))
    };
    let by_sym: std::collections::BTreeMap<&str, &str> = mapped
        .param_syms
        .iter()
        .filter(|(k, _)| declared(k))
        .map(|(k, v)| (v.as_str(), k.as_str()))
        .collect();
    let params: Vec<ChildParam> = m
        .params
        .iter()
        .map(|p| ChildParam {
            cfn: by_sym.get(p.name.as_str()).map(|c| c.to_string()),
            name: p.name.clone(),
            tf_name: tf
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| crate::names::snake(&p.name)),
            ty: p.ty.clone(),
            required: p.default.is_none(),
            secure: p.secure,
            description: p.description.clone(),
        })
        .collect();
    let dropped = t
        .parameters
        .iter()
        .filter(|p| declared(&p.name))
        .filter(|p| !params.iter().any(|c| c.cfn.as_deref() == Some(&p.name)))
        .map(|p| p.name.clone())
        .collect();
    // Outputs keep their source name (snake_case in Terraform); the first free one of
    // that name is the output's.
    let mut taken = std::collections::BTreeSet::new();
    let mut outputs = Vec::new();
    for o in &t.outputs {
        let want = crate::names::interface_name(&o.name, false, false);
        let found = m
            .outputs
            .iter()
            .enumerate()
            .find(|(k, x)| !taken.contains(k) && x.tf_name.as_deref() == Some(want.as_str()));
        if let Some((k, x)) = found {
            taken.insert(k);
            outputs.push(ChildOutput {
                cfn: o.name.clone(),
                name: x.name.clone(),
                tf_name: want,
                ty: x.ty.clone(),
            });
        }
    }
    ChildInterface {
        params,
        dropped,
        outputs,
        ..Default::default()
    }
}

/// What the ARM schemas reject in the model's resources, as diagnostics at the rule
/// that produced each resource: the resource spec of a mapping table (built-in or
/// `--mappings`), or, for what aws2azure's own passes build, the AWS resource.
fn arm_schema_diagnostics(
    m: &crate::azure::AzModule,
    t: &crate::model::Template,
    tables: &Tables,
    sources: &SourceMap,
) -> Vec<Diagnostic> {
    let schema = crate::schema::arm::schema();
    let mut out = Vec::new();
    for r in &m.resources {
        for f in schema.check(r) {
            let field = match f.problem {
                crate::schema::Problem::UnknownVersion | crate::schema::Problem::NotCarried => {
                    "api"
                }
                _ => "type",
            };
            let place = r.rule.as_ref().and_then(|rule| {
                let (fid, user) = tables.mapping.type_origin.get(&rule.aws_type)?;
                let text = &sources.get(*fid).text;
                let (s, e) = crate::schema::spec_range(text, &rule.aws_type, &rule.symbol)?;
                let (a, b) = crate::schema::locate(text, s, e, &f.path, field);
                Some((crate::source::Span::new(*fid, a, b), *user, rule))
            });
            let what = format!("`{}` ({}@{})", r.symbol, r.ty, r.api);
            let d = match place {
                Some((span, user, rule)) => Diagnostic::new(
                    code_for(&f),
                    span,
                    format!("{what}, emitted by the rule for {}: {}", rule.aws_type, f.message),
                    crate::schema::label(&f),
                )
                .help(if user {
                    "fix the --mappings entry: the ARM reference (learn.microsoft.com/azure/templates) lists each type's API versions, properties, required properties and allowed values"
                } else {
                    "a built-in mapping rule emits what Azure's schema rejects: please report it, or override the entry with --mappings"
                }),
                None => {
                    let span = t
                        .resources
                        .iter()
                        .find(|x| x.id == r.source)
                        .map_or(crate::source::Span::new(t.file, 0, 0), |x| x.span);
                    Diagnostic::new(
                        code_for(&f),
                        span,
                        format!("{what}, built by aws2azure for this resource: {}", f.message),
                        "converted from here",
                    )
                    .help("aws2azure's own code emits what Azure's schema rejects: please report it")
                }
            };
            out.push(d);
        }
    }
    out
}

fn code_for(f: &crate::schema::Finding) -> crate::diag::Code {
    if f.is_error() {
        codes::MAP_SCHEMA
    } else {
        codes::MAP_UNCHECKED
    }
}

/// What the azurerm schema rejects in the written Terraform, at the lowering entry
/// (`mappings/azurerm/`) that writes the resource type.
fn azurerm_schema_diagnostics(
    findings: &[crate::backend::terraform::SchemaFinding],
    t: &crate::model::Template,
    tables: &Tables,
) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|(ty, label, f)| {
            let (span, arm) = match tables.azurerm.origin_of(ty) {
                Some((arm, span)) => (span, arm.to_string()),
                None => (crate::source::Span::new(t.file, 0, 0), String::new()),
            };
            let from = if arm.is_empty() {
                String::new()
            } else {
                format!(", lowered from {arm} by this entry")
            };
            Diagnostic::new(
                code_for(f),
                span,
                format!("`{label}`{from}: {}", f.message),
                "this lowering rule",
            )
            .help("the azurerm 4.x provider schema lists each resource's arguments and blocks (registry.terraform.io/providers/hashicorp/azurerm); fix the lowering entry or the --mappings entry")
        })
        .collect()
}

/// The mapped module lowered for Bicep.
fn lower_for_bicep(
    mapped: &mut mapping::StackResult,
    file: &str,
    sources: &SourceMap,
) -> crate::backend::bicep::Lowered {
    let cx = crate::backend::bicep::LowerCx { file, sources };
    crate::backend::bicep::lower(&mapped.module, &mut mapped.symbols, &cx)
}

/// Maps a parsed input once and prints that one Azure model with both back ends:
/// the Bicep file and the Terraform files (names relative to the module folder).
/// `None` when it did not parse or mapping found errors. The converter prints one
/// back end per run; this shows that the model does not depend on which.
pub fn print_both(
    sources: &SourceMap,
    parsed: cfn::ParseReturn,
    tables: &Tables,
) -> Option<(String, Vec<(String, String)>)> {
    let mut t = parsed.template?;
    mapping::secrets::extract(&mut t, &tables.mapping);
    let mut mapped =
        mapping::map_template(&t, &tables.mapping, sources, Target::Bicep.vocabulary());
    if mapped.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    let file = sources.get(t.file).path.clone();
    let lowered = lower_for_bicep(&mut mapped, &file, sources);
    let bicep = crate::backend::bicep::print_module(&lowered.module);
    let (tf, _, _) = crate::backend::terraform::emit(&mapped.module, &t, &tables.azurerm, sources);
    Some((bicep, tf))
}

/// The report entry of an input that did not parse (or could not be read).
fn empty_stack(source: &str, format: &str, errors: usize) -> StackOut {
    StackOut {
        source: source.to_string(),
        format: format.into(),
        output: None,
        outputs: Vec::new(),
        resources: Vec::new(),
        decommission: Vec::new(),
        deployment: Vec::new(),
        data_stores: Vec::new(),
        kpis: Vec::new(),
        parameters: Vec::new(),
        errors,
        template_items: Vec::new(),
        exposure: Vec::new(),
        graphs: Default::default(),
    }
}

/// A mapped template with what its report entry is built from.
struct StackCx<'x> {
    t: &'x crate::model::Template,
    sources: &'x SourceMap,
    tables: &'x Tables,
    mapped: &'x mapping::StackResult,
    /// The input's name in the report.
    source: &'x str,
    /// The Bicep file or Terraform folder relative to OUT.
    output: &'x str,
    errors: usize,
}

/// The report entry of a mapped template.
fn stack_out(cx: &StackCx, g: &graph::ResourceGraph) -> StackOut {
    let (t, mapped, sources, errors) = (cx.t, cx.mapped, cx.sources, cx.errors);
    let resources = resource_outs(t, &mapped.resources, sources);
    let (decommission, deployment) = waves(t, g, &cx.tables.report);
    let parameters = parameter_outs(&mapped.module, cx.source, t.tf.is_some());
    StackOut {
        source: cx.source.to_string(),
        format: t.format.name().into(),
        output: (errors == 0).then(|| {
            if cx.output.is_empty() {
                ".".to_string()
            } else {
                cx.output.to_string()
            }
        }),
        outputs: mapped
            .module
            .outputs
            .iter()
            .map(|o| o.name.clone())
            .collect(),
        resources,
        decommission,
        deployment,
        data_stores: report::data_stores(t, sources, &cx.tables.report, &|id: &str, ty: &str| {
            let r = mapped.resources.iter().find(|r| r.id == id)?;
            let (_, sym) = r.azure.iter().find(|(t, _)| t == ty)?;
            let res = mapped.module.resources.iter().find(|m| &m.symbol == sym)?;
            Some(command_text(&res.name))
        }),
        kpis: report::kpis(t, &cx.tables.mapping.lookups, &cx.tables.report, &|ty| {
            mapped.module.resources.iter().any(|r| r.ty == ty)
        }),
        parameters,
        errors,
        template_items: template_items(t, sources, &mapped.module),
        exposure: if errors == 0 {
            let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            for r in &mapped.resources {
                for (_, sym) in &r.azure {
                    owners.entry(sym.clone()).or_default().push(r.id.clone());
                }
            }
            report::exposure(t, &mapped.module, sources, &owners, &cx.tables.report)
        } else {
            Vec::new()
        },
        graphs: report::diagram::StackGraphs {
            aws: report::diagram::aws_graph(t, g),
            azure: report::diagram::azure_graph(&mapped.module),
        },
    }
}

/// The report's resource entries: each AWS resource, its status and what it became.
fn resource_outs(
    t: &crate::model::Template,
    resources: &[mapping::ResourceReport],
    sources: &crate::source::SourceMap,
) -> Vec<ResourceOut> {
    // A resource's own file: a Terraform module spreads its resources over files.
    let file_of = |id: &str| {
        let f = t
            .resources
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.span)
            .filter(|s| *s != crate::source::Span::default())
            .map_or(t.file, |s| s.file);
        sources.get(f).path.clone()
    };
    resources
        .iter()
        .map(|r| ResourceOut {
            id: t.report_name(&r.id),
            ty: r.ty.clone(),
            file: file_of(&r.id),
            line: r.line,
            status: r.status.clone(),
            service: r.service.clone(),
            azure: r
                .azure
                .iter()
                .map(|(ty, name)| AzureRef {
                    ty: ty.clone(),
                    name: name.clone(),
                })
                .collect(),
            decisions: r.decisions.clone(),
            implicit: r.implicit,
            rules: r
                .decisions
                .iter()
                .map(|d| d.split(':').next().unwrap_or(d).to_string())
                .collect(),
            records: Vec::new(),
        })
        .collect()
}

/// The decommission waves (with their notes) and the deployment waves, by logical id
/// (a Terraform resource by its address).
fn waves(
    t: &crate::model::Template,
    g: &graph::ResourceGraph,
    tables: &crate::report::tables::ReportTables,
) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let ids = |waves: Vec<Vec<usize>>| -> Vec<Vec<String>> {
        waves
            .into_iter()
            .map(|w| w.into_iter().map(|i| t.resources[i].id.clone()).collect())
            .collect()
    };
    let decommission: Vec<Vec<String>> = ids(g.decommission_waves())
        .into_iter()
        .map(|w| {
            w.into_iter()
                .map(|id| match report::decommission_note(t, tables, &id) {
                    Some(n) => format!("{} ({n})", t.report_name(&id)),
                    None => t.report_name(&id),
                })
                .collect()
        })
        .collect();
    // A nested stack called as a module deploys its converted child with this stack.
    let deployed = |id: &str| match t.nested.get(id) {
        Some(crate::model::nested::NestedStack::Child(c)) => format!(
            "{} (module: `{}` deploys with this stack)",
            t.report_name(id),
            c.file
        ),
        _ => t.report_name(id),
    };
    let deployment = ids(g.deployment_waves())
        .into_iter()
        .map(|w| w.iter().map(|id| deployed(id)).collect())
        .collect();
    (decommission, deployment)
}

/// The parameters without a default: what a deployment must be given. Terraform input
/// names them as Terraform variables (`db_password`), whatever the target.
fn parameter_outs(m: &crate::azure::AzModule, source: &str, terraform: bool) -> Vec<ParamOut> {
    m.params
        .iter()
        .filter(|p| p.default.is_none())
        .map(|p| ParamOut {
            stack: source.to_string(),
            name: if terraform {
                p.tf_name
                    .clone()
                    .unwrap_or_else(|| crate::names::snake(&p.name))
            } else {
                p.name.clone()
            },
            ty: p.ty.clone(),
            secure: p.secure,
            reason: p
                .required_reason
                .clone()
                .unwrap_or_else(|| "no default".into()),
            from: p.fed_by.as_ref().map(|(stack, output)| report::FromOut {
                stack: stack.clone(),
                output: output.clone(),
            }),
        })
        .collect()
}

/// The stacks in an order that deploys each after the stacks whose outputs its
/// parameters take (stable: the run's order otherwise); empty when no stack takes
/// another's output. A cycle keeps the run's order for the stacks in it.
fn deployment_order(stacks: &[StackOut]) -> Vec<report::OrderOut> {
    let after: Vec<Vec<String>> = stacks
        .iter()
        .map(|s| {
            let mut v: Vec<String> = s
                .parameters
                .iter()
                .filter_map(|p| p.from.as_ref().map(|f| f.stack.clone()))
                .filter(|f| *f != s.source)
                .collect();
            v.sort();
            v.dedup();
            v
        })
        .collect();
    if after.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    let mut done: Vec<bool> = vec![false; stacks.len()];
    let mut out = Vec::new();
    while out.len() < stacks.len() {
        let ready = |i: usize, done: &[bool]| {
            !done[i]
                && after[i].iter().all(|a| {
                    stacks
                        .iter()
                        .enumerate()
                        .all(|(k, s)| s.source != *a || done[k])
                })
        };
        let pick = (0..stacks.len())
            .find(|&i| ready(i, &done))
            .or_else(|| (0..stacks.len()).find(|&i| !done[i]));
        let Some(i) = pick else { break };
        done[i] = true;
        out.push(report::OrderOut {
            stack: stacks[i].source.clone(),
            after: after[i].clone(),
        });
    }
    out
}

/// Parameters, Mappings, Conditions and Outputs with their lines and what they became.
fn template_items(
    t: &crate::model::Template,
    sources: &SourceMap,
    m: &crate::azure::AzModule,
) -> Vec<String> {
    let line = |name: &str| {
        t.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| sources.locate(*s).1)
    };
    let mut out = Vec::new();
    let mut item = |name: &str, n: usize, became: String| {
        if n > 0
            && let Some(l) = line(name)
        {
            out.push(format!("`{name}` (line {l}): {n} → {became}"));
        }
    };
    // Parameters the converter made for literal secrets were not in the template.
    let declared: Vec<&crate::model::template::Parameter> = t
        .parameters
        .iter()
        .filter(|p| p.secret.as_ref().is_none_or(|s| s.stands_for.is_none()))
        .collect();
    let secure = declared.iter().filter(|p| p.no_echo).count();
    let kept = m
        .params
        .iter()
        .filter(|p| {
            declared
                .iter()
                .any(|q| crate::names::lower_camel(&q.name) == p.name)
        })
        .count();
    item(
        "Parameters",
        declared.len(),
        format!("`param`s ({kept} kept, {secure} `@secure()`; the rest had no use in Azure)"),
    );
    item(
        "Mappings",
        t.mappings.len(),
        "`var` objects (or lookups translated for Azure)".into(),
    );
    item(
        "Conditions",
        t.conditions.len(),
        "boolean `var`s and `if (…)` on resources".into(),
    );
    let exported = t.outputs.iter().filter(|o| o.export.is_some()).count();
    item(
        "Outputs",
        t.outputs.len(),
        format!("`output`s ({exported} were exports)"),
    );
    out
}

/// A Bicep name expression as command-line text: `'uploads${nameSuffix}'` → `uploads<nameSuffix>`.
fn command_text(e: &crate::azure::AzExpr) -> String {
    use crate::azure::{AzExpr, Interp};
    match e {
        AzExpr::Str(s) => s.clone(),
        AzExpr::Interp(parts) => parts
            .iter()
            .map(|p| match p {
                Interp::Lit(l) => l.clone(),
                Interp::Expr(x) => format!("<{}>", crate::backend::bicep::print_expr(x)),
            })
            .collect(),
        other => format!("<{}>", crate::backend::bicep::print_expr(other)),
    }
}

fn diag_out(d: &Diagnostic, sources: &SourceMap) -> DiagOut {
    let (file, line, column) = match d.span {
        Some(s) => {
            let (f, l, c) = sources.locate(s);
            (f.to_string(), l, c)
        }
        None => (String::new(), 0, 0),
    };
    DiagOut {
        code: d.code.id.into(),
        severity: d.severity.name().into(),
        file,
        line,
        column,
        message: d.message.clone(),
    }
}

/// Builds the run report from converted templates (taking their stacks and decisions).
pub fn build_report(
    converted: Vec<Converted>,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    skipped: usize,
) -> Report {
    // A resource's own decision (`rule:file#resource`) that leaves it manual (a person
    // must build it) is high-risk whatever its rule; a type-wide decision is not.
    let manual: std::collections::BTreeSet<String> = converted
        .iter()
        .flat_map(|c| c.stack.resources.iter())
        .filter(|r| r.status == "manual")
        .flat_map(|r| r.decisions.iter().cloned())
        .collect();
    let mut decisions = Vec::new();
    let mut stacks = Vec::with_capacity(converted.len());
    for c in converted {
        stacks.push(c.stack);
        decisions.extend(c.decisions.into_iter().map(|d| {
            DecisionOut {
                high_risk: report::HIGH_RISK_RULES.contains(&d.rule.as_str())
                    || (manual.contains(d.id.as_str()) && d.id.contains('#')),
                resources: d
                    .resources
                    .iter()
                    .map(|a| format!("{} ({}:{})", a.id, a.file, a.line))
                    .collect(),
                id: d.id,
                rule: d.rule,
                title: d.title,
                context: d.context,
                decision: d.decision,
                consequences: d.consequences,
                record: 0,
                record_file: String::new(),
            }
        }));
    }
    decisions.sort_by(|a, b| a.id.cmp(&b.id));
    let mut s = Summary {
        templates: stacks.len(),
        terraform_modules: stacks.iter().filter(|s| s.format == "terraform").count(),
        skipped_files: skipped,
        ..Default::default()
    };
    for st in &stacks {
        if st.errors > 0 {
            s.failed += 1;
        } else {
            s.converted += 1;
        }
        for r in &st.resources {
            s.resources += 1;
            s.azure_resources += r.azure.len();
            match r.status.as_str() {
                "translated" => s.translated += 1,
                "partial" => s.partial += 1,
                "not-needed" => s.not_needed += 1,
                _ => s.manual += 1,
            }
        }
    }
    let covered = s.translated + s.partial + s.not_needed;
    s.coverage = if s.resources == 0 {
        "100".into()
    } else {
        format!("{:.1}", covered as f64 * 100.0 / s.resources as f64)
    };
    s.decisions = decisions.len();
    s.errors = diagnostics.iter().filter(|d| d.is_error()).count();
    s.warnings = diagnostics.len() - s.errors;
    let parameters = stacks
        .iter()
        .flat_map(|st| st.parameters.iter().cloned())
        .collect();
    let deployment_order = deployment_order(&stacks);
    Report {
        version: 1,
        summary: s,
        stacks,
        decisions,
        diagnostics: diagnostics.iter().map(|d| diag_out(d, sources)).collect(),
        parameters,
        deployment_order,
        superseded_records: Vec::new(),
    }
}

fn usage(
    code: crate::diag::Code,
    msg: String,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
) -> Outcome {
    let mut diagnostics = diagnostics;
    diagnostics.push(Diagnostic::global(code, msg));
    Outcome {
        exit_code: 2,
        diagnostics,
        sources,
        report: None,
        files: Vec::new(),
    }
}

/// Runs a whole conversion and writes OUT (unless it holds foreign files).
pub fn run(opts: &Options) -> Outcome {
    match plan_into(opts, true) {
        (outcome, Some(Ok(session))) => {
            if outcome.exit_code == 2 || outcome.report.is_none() {
                session.abandon();
                return outcome;
            }
            let mut files = outcome.files;
            stream(Some(&session), &mut files);
            let written = session.finish(None);
            crate::timing::mark("written");
            record_written(opts, Outcome { files, ..outcome }, written)
        }
        // OUT could not be taken: the files were held, and writing them reports why.
        (outcome, _) => write_planned(opts, outcome),
    }
}

/// Writes the files of a planned run ([`plan`]) to OUT, as [`run`] does.
pub fn write_planned(opts: &Options, outcome: Outcome) -> Outcome {
    if outcome.exit_code == 2 || outcome.report.is_none() {
        return outcome;
    }
    let written = crate::output::write(&opts.out, &outcome.files, opts.force);
    crate::timing::mark("written");
    record_written(opts, outcome, written)
}

/// The outcome with what writing OUT went wrong, if it did.
fn record_written(
    opts: &Options,
    mut outcome: Outcome,
    written: Result<crate::output::Written, Vec<crate::output::Problem>>,
) -> Outcome {
    match written {
        Ok(_) => {}
        Err(problems) => {
            let mut partly = false;
            for p in problems {
                partly |= matches!(p, crate::output::Problem::Io { changed: true, .. });
                let d = out_diagnostic(&opts.out, p, &mut outcome.sources);
                outcome.diagnostics.push(d);
            }
            outcome.exit_code = 1;
            if !partly {
                outcome.report = None;
            }
        }
    }
    outcome
}

/// A refusal to write OUT as a diagnostic; manifest entries point into the manifest.
fn out_diagnostic(
    out: &std::path::Path,
    p: crate::output::Problem,
    sources: &mut SourceMap,
) -> Diagnostic {
    use crate::output::Problem;
    let shown = out.display();
    let rel = |r: &str| out_rel(out, r);
    match p {
        Problem::NotAFolder => Diagnostic::global(
            codes::OUT_NOT_FOLDER,
            format!("{shown} is a file, not a folder; nothing was written"),
        )
        .help("give -o a folder (new or one aws2azure wrote before)"),
        Problem::Link(r) => Diagnostic::global(
            codes::OUT_LINK,
            format!(
                "{} is a symbolic link; aws2azure never writes through links, so nothing was written",
                rel(&r)
            ),
        )
        .help("remove the link (or give -o a real folder); --force does not override this"),
        Problem::Special(r) => Diagnostic::global(
            codes::OUT_KIND,
            format!(
                "{} is neither a file nor a folder; nothing was written",
                rel(&r)
            ),
        )
        .help("remove it from the output folder"),
        Problem::ManifestEntry {
            file,
            line,
            entry,
            why,
        } => manifest_diagnostic(out, sources, file, line, &entry, why),
        Problem::Kind { rel: r, want_file } => kind_diagnostic(out, &r, want_file),
        Problem::Foreign(foreign) => foreign_diagnostic(out, &foreign),
        Problem::Locked { pid } => Diagnostic::global(
            codes::OUT_LOCKED,
            format!(
                "another aws2azure run{} is writing {shown}; nothing was written",
                pid.map(|p| format!(" (process {p})")).unwrap_or_default()
            ),
        )
        .help(format!(
            "wait for it to finish and rerun; if no run is active, delete {}",
            rel(crate::output::LOCK)
        )),
        Problem::Io { what, changed } => Diagnostic::global(
            codes::IO_WRITE,
            if changed {
                format!("cannot write {shown}: {what}; the next run completes the update")
            } else {
                format!("cannot write {shown}: {what}; nothing was written")
            },
        )
        .help("check the folder's permissions and free space"),
    }
}

/// `r` (relative to OUT) as shown in diagnostics; OUT itself when empty.
fn out_rel(out: &std::path::Path, r: &str) -> String {
    let shown = out.display();
    if r.is_empty() {
        shown.to_string()
    } else {
        format!("{shown}/{r}")
    }
}

/// A manifest (or journal) entry that is not a plain relative path, pointing into the file.
fn manifest_diagnostic(
    out: &std::path::Path,
    sources: &mut SourceMap,
    file: &str,
    line: usize,
    entry: &str,
    why: &str,
) -> Diagnostic {
    let path = out.join(file);
    let text = std::fs::read(&path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let id = sources.add(out_rel(out, file), std::sync::Arc::from(text.as_str()));
    let f = sources.get(id);
    let start = f.offset_of(line - 1, 0);
    let len = text[start..].find('\n').unwrap_or(text.len() - start);
    Diagnostic::new(
        codes::OUT_MANIFEST,
        crate::source::Span::new(id, start, start + len),
        format!("the manifest lists `{entry}`, {why}; nothing was written or deleted"),
        "not a path inside the output folder",
    )
    .help(
        "aws2azure only writes plain relative paths; delete this line (or the manifest) and rerun",
    )
}

/// A folder where aws2azure writes a file (`want_file`), or a file where it needs a folder.
fn kind_diagnostic(out: &std::path::Path, r: &str, want_file: bool) -> Diagnostic {
    Diagnostic::global(
        codes::OUT_KIND,
        if want_file {
            format!(
                "{} is a folder where aws2azure writes a file; nothing was written",
                out_rel(out, r)
            )
        } else {
            format!(
                "{} is a file where aws2azure needs a folder; nothing was written",
                out_rel(out, r)
            )
        },
    )
    .help("move it out of the output folder, or choose another output folder")
}

/// Files in OUT that aws2azure did not write (the first five named).
fn foreign_diagnostic(out: &std::path::Path, foreign: &[String]) -> Diagnostic {
    let shown = out.display();
    let list = foreign
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::global(
        codes::OUT_FOREIGN,
        format!(
            "{shown} holds {} file(s) aws2azure did not write ({list}); nothing was written",
            foreign.len()
        ),
    )
    .help("choose an empty output folder, or pass --force to overwrite")
}

/// The project file: `--config FILE`, else `aws2azure.toml` at the root of the first
/// PATH that is a folder (`None` when there is none).
fn read_config(
    opts: &Options,
    sources: &mut SourceMap,
) -> Result<Option<crate::config::Config>, Box<Diagnostic>> {
    let path = match &opts.config {
        Some(p) => p.clone(),
        None => {
            let Some(dir) = opts.paths.iter().find(|p| p.is_dir()) else {
                return Ok(None);
            };
            let p = dir.join(crate::config::FILE_NAME);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    let shown = path.to_string_lossy().replace('\\', "/");
    match crate::input::read(sources, &path, &shown) {
        Ok(Input::Text(id)) => crate::config::parse(sources, id).map(Some),
        Ok(Input::Rejected(_, d)) => Err(d),
        Err(d) => Err(d),
    }
}

/// What a parse-only pass read: the baseline a run is measured against.
#[derive(Debug, Default, Clone, Copy)]
pub struct ParseOnly {
    pub files: usize,
    pub bytes: usize,
    pub templates: usize,
    pub modules: usize,
}

/// Discovery, reading and parsing only, as a run does them (the embedded tables loaded,
/// every file read, CloudFormation data trees and Terraform modules parsed, in
/// parallel); nothing converted or written. The benchmark compares a run with it.
pub fn parse_only(paths: &[PathBuf]) -> ParseOnly {
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    // The tables' own files are registered too: not counted.
    let first = sources.files().count();
    let (found, _) = discover::walk(paths, None);
    let mut inputs = Inputs::default();
    let mut diagnostics = Vec::new();
    inputs.read(found, &mut sources, &mut diagnostics);
    inputs.modules.retain(|_, (tf, _, _)| !tf.is_empty());
    let mut failed = std::mem::take(&mut inputs.failed_modules);
    let (_, parsed) = read_called_modules(&mut inputs.modules, &mut failed, &mut sources, &tables);
    ParseOnly {
        files: sources.files().count() - first,
        bytes: sources.files().skip(first).map(|f| f.text.len()).sum(),
        templates: inputs.templates.len(),
        modules: parsed.len(),
    }
}

/// Everything except writing: the files a run would write, in memory.
pub fn plan(opts: &Options) -> Outcome {
    plan_into(opts, false).0
}

/// [`plan`]; with `stream`, OUT is taken for writing ([`crate::output::Session`]) once
/// the inputs are known to be convertible, and each file goes to it as soon as it is
/// made instead of being held (the outcome's `files` then holds none). The session
/// (or why OUT could not be taken: the files are then held) is returned with the
/// outcome, to be finished.
fn plan_into(
    opts: &Options,
    stream: bool,
) -> (
    Outcome,
    Option<Result<crate::output::Session, Vec<crate::output::Problem>>>,
) {
    let mut sources = SourceMap::default();
    let (mut tables, mut table_diags) = Tables::load(&mut sources, opts.mappings.as_deref());
    crate::timing::mark("tables loaded");
    match read_config(opts, &mut sources) {
        Ok(Some(cfg)) => table_diags.extend(crate::config::apply(&cfg, &mut tables, &sources)),
        Ok(None) => {}
        Err(d) => table_diags.push(*d),
    }
    if table_diags.iter().any(|d| d.is_error()) {
        let outcome = Outcome {
            exit_code: 2,
            diagnostics: table_diags,
            sources,
            report: None,
            files: Vec::new(),
        };
        return (outcome, None);
    }
    let mut diagnostics = table_diags;
    let (found, missing) = discover::walk(&opts.paths, Some(&opts.out));
    crate::timing::mark("files found");
    if !missing.is_empty() {
        let outcome = usage(
            codes::USAGE_PATH,
            format!("no such file or folder: {}", missing.join(", ")),
            sources,
            diagnostics,
        );
        return (outcome, None);
    }
    let mut inputs = Inputs::default();
    inputs.read(found, &mut sources, &mut diagnostics);
    crate::timing::mark("files read and parsed");
    // `.tfvars` files alone in a folder are no module (and not read further).
    inputs.modules.retain(|_, (tf, _, _)| !tf.is_empty());
    let modules = &inputs.modules;
    inputs.failed_modules.retain(|k, _| modules.contains_key(k));
    if inputs.templates.is_empty() && inputs.modules.is_empty() {
        let outcome = usage(
            codes::USAGE_NO_TEMPLATE,
            "no CloudFormation template or Terraform module found under the given paths".into(),
            sources,
            diagnostics,
        );
        return (outcome, None);
    }
    order_templates(&mut inputs.templates, &mut sources);
    // Rain modules are read now, while files can still be registered.
    for (id, _) in &inputs.templates {
        if let Some((path, root)) = inputs.template_paths.get(id)
            && !inputs.failed.contains_key(id)
        {
            inputs.rain.load(&mut sources, *id, path, root);
        }
    }
    let session = stream.then(|| crate::output::Session::begin(&opts.out, opts.force));
    let mut out = Collected {
        diagnostics,
        sink: session.as_ref().and_then(|s| s.as_ref().ok()),
        ..Default::default()
    };
    crate::progress::phase("converting", inputs.templates.len() + inputs.modules.len());
    convert_templates(&mut inputs, opts, &sources, &tables, &mut out);
    crate::timing::mark("templates converted");
    let tf_target = opts.to.unwrap_or(Target::Terraform);
    let mut placed = place_modules(
        &mut inputs.modules,
        &mut inputs.failed_modules,
        &mut sources,
        &tables,
    );
    crate::timing::mark("modules parsed");
    convert_modules(
        &mut inputs,
        &mut placed,
        tf_target,
        &sources,
        &tables,
        &mut out,
    );
    crate::timing::mark("modules converted");
    let Collected {
        converted,
        files,
        used,
        mut diagnostics,
        sink,
    } = out;
    unused_mappings(&tables, &used, &sources, &mut diagnostics);
    crate::config::unused_existing(&tables.mapping.answers, &converted, &mut diagnostics);
    let records = report::records::read(&opts.out);
    let outcome = finish(
        converted,
        files,
        diagnostics,
        sources,
        inputs.skipped,
        &records,
        sink,
    );
    (outcome, session)
}

/// The outcome of a run: secrets redacted from the sources, the report built and
/// added to the files, and the exit code.
fn finish(
    converted: Vec<Converted>,
    mut files: Vec<(String, String)>,
    diagnostics: Vec<Diagnostic>,
    mut sources: SourceMap,
    skipped: usize,
    records: &report::records::Numbering,
    sink: Option<&crate::output::Session>,
) -> Outcome {
    // Code frames of diagnostics show the input: never a literal secret's value.
    for d in diagnostics
        .iter()
        .filter(|d| d.code == codes::SECRET_LITERAL)
    {
        for span in d.span.iter().chain(d.related.iter().map(|(s, _)| s)) {
            sources.redact(*span);
        }
    }
    let mut report = build_report(converted, &diagnostics, &sources, skipped);
    crate::timing::mark("report built");
    // Decision records, numbered as OUT's existing records are (`check` reads the same).
    files.extend(report::records::assign(&mut report, records));
    crate::timing::mark("records");
    // The records go to OUT while both reports render (the template engine holds one
    // thread for a while).
    let report_ref = &report;
    let (_, (markdown, json)) = rayon::join(
        || stream(sink, &mut files),
        || rayon::join(|| report_ref.to_markdown(), || report_ref.to_json()),
    );
    files.push(("MIGRATION.md".into(), markdown));
    files.push(("migration-report.json".into(), json));
    stream(sink, &mut files);
    crate::timing::mark("MIGRATION.md and migration-report.json");
    let exit_code = if diagnostics.iter().any(|d| d.code == codes::CONFIG_INVALID) {
        2
    } else if diagnostics.iter().any(|d| d.is_error()) {
        1
    } else {
        0
    };
    Outcome {
        exit_code,
        diagnostics,
        sources,
        report: Some(report),
        files,
    }
}

/// The inputs of a run, sorted into templates and Terraform modules.
#[derive(Default)]
struct Inputs {
    templates: Vec<(FileId, String)>,
    /// Each template's file on disk and the PATH argument it was found under (Rain
    /// modules are read from inside it only).
    template_paths: std::collections::BTreeMap<FileId, (PathBuf, PathBuf)>,
    /// The Rain modules the templates name, read.
    rain: cfn::rain::RainFiles,
    /// Templates that cannot convert (not UTF-8, too large, not parsed), with the error.
    failed: std::collections::BTreeMap<FileId, Diagnostic>,
    /// Terraform modules: (PATH argument, folder) → (.tf files, .tfvars files, PATH argument).
    modules: ModuleMap,
    failed_modules: FailedModules,
    skipped: usize,
    /// Each template's PATH argument (nested stacks resolve within it).
    roots: std::collections::BTreeMap<FileId, PathBuf>,
    /// CloudFormation parameter files and `samconfig.toml` files: (file, path relative
    /// to the run, PATH argument).
    param_files: Vec<(FileId, String, PathBuf)>,
    /// Each template's data tree, parsed once when it was recognised.
    nodes: std::collections::BTreeMap<
        FileId,
        (crate::frontend::node::Node, crate::model::template::Format),
    >,
}

/// A file that may be a CloudFormation template or parameter file, registered and
/// waiting to be parsed.
struct Candidate {
    id: FileId,
    found: discover::Found,
    rejected: Option<Diagnostic>,
}

impl Inputs {
    /// Reads the found files in parallel, registers them in the order found (file ids do
    /// not depend on the threads), then parses the files that may be CloudFormation in
    /// parallel and files each as a template, a module's file, a parameter file or skipped.
    fn read(
        &mut self,
        found: Vec<discover::Found>,
        sources: &mut SourceMap,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        crate::progress::phase("reading", found.len());
        let read: Vec<_> = found
            .into_par_iter()
            .map(|f| {
                crate::progress::step(&f.rel);
                let lower = f.rel.to_ascii_lowercase();
                // Only `terraform.tfvars` and `*.auto.tfvars` are read as a module's values.
                let unread = lower.ends_with(".tfvars")
                    && !(lower.ends_with("terraform.tfvars") || lower.ends_with(".auto.tfvars"));
                let bytes = (!unread).then(|| crate::input::read_bytes(&f.path));
                (f, bytes)
            })
            .collect();
        let mut candidates = Vec::new();
        for (f, bytes) in read {
            let Some(bytes) = bytes else {
                self.skipped += 1;
                continue;
            };
            match bytes {
                Ok(b) => candidates.extend(self.add(f, b, sources)),
                Err(d) => diagnostics.push(*d),
            }
        }
        let shared: &SourceMap = sources;
        let parsed: Vec<_> = candidates
            .par_iter()
            .map(|c| cfn::parse_node(shared, c.id))
            .collect();
        for (c, p) in candidates.into_iter().zip(parsed) {
            self.classify(c, p, sources);
        }
    }

    /// Registers one file read and files it as a module's file or a `samconfig.toml`;
    /// any other file is returned, to be parsed.
    fn add(
        &mut self,
        f: discover::Found,
        bytes: crate::input::Bytes,
        sources: &mut SourceMap,
    ) -> Option<Candidate> {
        let lower = f.rel.to_ascii_lowercase();
        let is_tf = lower.ends_with(".tf");
        let is_tfvars = lower.ends_with(".tfvars");
        let (id, rejected) = match crate::input::register_read(sources, &f.rel, bytes) {
            Input::Text(id) => (id, None),
            Input::Rejected(id, d) => (id, Some(*d)),
        };
        if lower == "samconfig.toml" || lower.ends_with("/samconfig.toml") {
            if rejected.is_none() {
                self.param_files.push((id, f.rel, f.root.clone()));
            } else {
                self.skipped += 1;
            }
            return None;
        }
        if is_tf || is_tfvars {
            let dir = f.rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
            let key = (f.root.clone(), dir);
            let entry = self
                .modules
                .entry(key.clone())
                .or_insert_with(|| (Vec::new(), Vec::new(), f.root.clone()));
            if is_tf {
                entry.0.push(id);
            } else {
                entry.1.push(id);
            }
            if let Some(d) = rejected {
                self.failed_modules.entry(key).or_default().push(d);
            }
            return None;
        }
        Some(Candidate {
            id,
            found: f,
            rejected,
        })
    }

    /// Files a parsed candidate as a template, a parameter file, or skipped.
    fn classify(
        &mut self,
        c: Candidate,
        parsed: Result<
            (crate::frontend::node::Node, crate::model::template::Format),
            Box<Diagnostic>,
        >,
        sources: &SourceMap,
    ) {
        let Candidate {
            id,
            found: f,
            rejected,
        } = c;
        // A rejected file is recognised from what could be shown of it.
        let (is_template, is_params, parse_error, node) = match parsed {
            Ok((node, format)) => {
                let template = looks_like_template(&node);
                let params = !template
                    && rejected.is_none()
                    && crate::param_files::cfn_values(&node, &|_| 0).is_some();
                (template, params, None, Some((node, format)))
            }
            Err(d) => (
                discover::mentions_cloudformation(&sources.get(id).text),
                false,
                Some(*d),
                None,
            ),
        };
        if is_params {
            self.param_files.push((id, f.rel, f.root.clone()));
            return;
        }
        if is_template || f.explicit {
            // The parse error is kept, so a broken template is not parsed twice.
            match rejected.or(parse_error) {
                Some(d) => {
                    self.failed.insert(id, d);
                }
                None => {
                    if let Some(n) = node {
                        self.nodes.insert(id, n);
                    }
                }
            }
            self.roots.insert(id, f.root.clone());
            self.template_paths
                .insert(id, (f.path.clone(), f.root.clone()));
            self.templates.push((id, f.rel));
        } else {
            self.skipped += 1;
        }
    }
}

/// Sorts the templates by path (then text), and labels later inputs with the same
/// relative path `path~2`, `path~3`.
fn order_templates(templates: &mut [(FileId, String)], sources: &mut SourceMap) {
    // Same order whatever the order of the arguments or of the directory listing.
    templates.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| sources.get(a.0).text.cmp(&sources.get(b.0).text))
    });
    // Two inputs with one relative path (file arguments from different folders):
    // the later ones are labelled `path~2`, `path~3` in diagnostics and the report.
    for k in 1..templates.len() {
        let same = templates[..k]
            .iter()
            .filter(|(_, r)| *r == templates[k].1)
            .count();
        if same > 0 {
            let label = format!("{}~{}", templates[k].1, same + 1);
            sources.rename(templates[k].0, label);
        }
    }
}

/// What the conversions of a run produced: the conversions, the files to write, the
/// ARM types used, and every diagnostic so far.
#[derive(Default)]
struct Collected<'s> {
    converted: Vec<Converted>,
    files: Vec<(String, String)>,
    used: std::collections::BTreeSet<String>,
    diagnostics: Vec<Diagnostic>,
    /// Where files go as they are made (held in `files` without one).
    sink: Option<&'s crate::output::Session>,
}

/// Hands `files` to the session, if any (and keeps none of them); without one they
/// stay, in order.
fn stream(sink: Option<&crate::output::Session>, files: &mut Vec<(String, String)>) {
    if let Some(session) = sink {
        std::mem::take(files)
            .into_par_iter()
            .for_each(|(rel, text)| session.put(&rel, &text));
    }
}

impl Collected<'_> {
    /// Adds one conversion: its files, used types and diagnostics.
    fn push(&mut self, mut c: Converted) {
        stream(self.sink, &mut c.files);
        self.files.append(&mut c.files);
        self.used.extend(c.used_types.iter().cloned());
        self.diagnostics.extend(c.diagnostics.iter().cloned());
        self.converted.push(c);
    }
}

/// Converts every CloudFormation template, each into its own output folder. Two
/// phases: every template is parsed and its nested stacks resolved against the others
/// (`nesting`), then templates are converted children first, so a parent calls each
/// child by the child's converted parameters and outputs. Results keep template order.
fn convert_templates(
    inputs: &mut Inputs,
    opts: &Options,
    sources: &SourceMap,
    tables: &Tables,
    out: &mut Collected<'_>,
) {
    let sink = out.sink;
    let rels: Vec<String> = inputs.templates.iter().map(|(_, r)| r.clone()).collect();
    let dirs = discover::output_dirs(&rels);
    let cfn_target = opts.to.unwrap_or(Target::Bicep);
    // Each template read from the data tree discovery parsed, in parallel.
    let trees: Vec<_> = inputs
        .templates
        .iter()
        .map(|(id, _)| match inputs.failed.remove(id) {
            Some(d) => Err(Box::new(d)),
            None => Ok(inputs.nodes.remove(id)),
        })
        .collect();
    let rain = &inputs.rain;
    let mut parsed: Vec<cfn::ParseReturn> = inputs
        .templates
        .par_iter()
        .zip(trees)
        .map(|((id, _), tree)| match tree {
            Err(d) => cfn::ParseReturn {
                template: None,
                diagnostics: vec![*d],
            },
            Ok(Some(node)) => cfn::read_node(sources, *id, node, Some(rain)),
            Ok(None) => cfn::parse_with(sources, *id, Some(rain)),
        })
        .collect();
    let run_templates: Vec<crate::nesting::RunTemplate> = inputs
        .templates
        .iter()
        .map(|(id, rel)| crate::nesting::RunTemplate {
            rel,
            root: inputs.roots.get(id).map(PathBuf::as_path),
        })
        .collect();
    let mut links = crate::nesting::links(&parsed, &run_templates);
    let rel_refs: Vec<&str> = rels.iter().map(String::as_str).collect();
    let order = crate::nesting::order(&mut links, &rel_refs);
    // Cross-stack references: producers convert before their consumers where no cycle
    // forbids it, so a consumer names the producer's converted outputs.
    let files: Vec<String> = inputs
        .templates
        .iter()
        .map(|(id, _)| sources.get(*id).path.clone())
        .collect();
    let matches = {
        let tmpls: Vec<Option<&crate::model::Template>> =
            parsed.iter().map(|p| p.template.as_ref()).collect();
        crate::cross_stack::resolve(&tmpls, &files)
    };
    let producers = crate::cross_stack::producers(&matches);
    let order = producers_first(order, &producers, &links);
    // Each template's CloudFormation parameter types, for its parameter files.
    let types: Vec<Vec<(String, String)>> = parsed
        .iter()
        .map(|p| {
            p.template
                .as_ref()
                .map(|t| {
                    t.parameters
                        .iter()
                        .map(|x| (x.name.clone(), x.ty.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut interfaces: Vec<Option<crate::model::nested::ChildInterface>> =
        vec![None; parsed.len()];
    let mut results: Vec<Option<Converted>> = (0..parsed.len()).map(|_| None).collect();
    // Templates convert in waves, in parallel within a wave: a template waits for the
    // children and producers that come before it in `order` (it reads their converted
    // interfaces); one that comes after it (a cycle) is read as not converted, as in a
    // one-by-one conversion in `order`.
    let deps: Vec<Vec<usize>> = (0..parsed.len())
        .map(|i| {
            let mut d: Vec<usize> = links[i]
                .iter()
                .filter_map(|(_, l)| match l {
                    crate::nesting::Link::Child { index, .. } => Some(*index),
                    crate::nesting::Link::Unresolved { .. } => None,
                })
                .chain(producers[i].iter().copied())
                .filter(|d| *d != i)
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    let mut position = vec![usize::MAX; parsed.len()];
    for (k, i) in order.iter().enumerate() {
        position[*i] = k;
    }
    let mut wave = vec![0usize; parsed.len()];
    for &i in &order {
        wave[i] = deps[i]
            .iter()
            .filter(|d| position[**d] < position[i])
            .map(|d| wave[*d] + 1)
            .max()
            .unwrap_or(0);
    }
    let waves = order.iter().map(|i| wave[*i]).max().map_or(0, |w| w + 1);
    for w in 0..waves {
        let batch: Vec<usize> = order.iter().copied().filter(|i| wave[*i] == w).collect();
        // Each template of the wave, ready to convert: its nested stacks and imports
        // wired from the interfaces converted so far.
        let ready: Vec<(usize, cfn::ParseReturn)> = batch
            .iter()
            .map(|&i| {
                let later: Vec<usize> = deps[i]
                    .iter()
                    .copied()
                    .filter(|d| position[*d] > position[i])
                    .collect();
                let masked;
                let seen: &[Option<crate::model::nested::ChildInterface>] = if later.is_empty() {
                    &interfaces
                } else {
                    let mut m = interfaces.clone();
                    for d in later {
                        m[d] = None;
                    }
                    masked = m;
                    &masked
                };
                let mut p = std::mem::replace(
                    &mut parsed[i],
                    cfn::ParseReturn {
                        template: None,
                        diagnostics: Vec::new(),
                    },
                );
                if let Some(t) = p.template.as_mut() {
                    for (logical, link) in &links[i] {
                        let ns = nested_stack(link, seen, &inputs.templates, &dirs, i, sources);
                        t.nested.insert(logical.clone(), ns);
                    }
                    t.imports = crate::cross_stack::sources(
                        &matches[i],
                        &files,
                        &dirs,
                        &dirs[i],
                        seen,
                        cfn_target == Target::Terraform,
                    );
                }
                (i, p)
            })
            .collect();
        let converted: Vec<(usize, Converted)> = ready
            .into_par_iter()
            .map(|(i, p)| {
                let (id, _) = inputs.templates[i];
                let output = match cfn_target {
                    Target::Bicep => format!("{}/main.bicep", dirs[i]),
                    Target::Terraform => dirs[i].clone(),
                };
                let source = sources.get(id).path.clone();
                crate::progress::step(&source);
                let mut c = convert_parsed(
                    sources,
                    p,
                    source,
                    "cloudformation",
                    tables,
                    &output,
                    cfn_target,
                );
                stream(sink, &mut c.files);
                (i, c)
            })
            .collect();
        for (i, c) in converted {
            interfaces[i] = c.interface.clone();
            results[i] = Some(c);
        }
    }
    let param_files = std::mem::take(&mut inputs.param_files);
    let files_of_run = ParamFileRun {
        rels: &rels,
        dirs: &dirs,
        types: &types,
        terraform: cfn_target == Target::Terraform,
    };
    for (id, rel, _) in &param_files {
        parameter_file(*id, rel, &files_of_run, sources, &mut results, out);
    }
    for c in results.into_iter().flatten() {
        out.push(c);
    }
}

/// What parameter files need to know of the run's templates.
struct ParamFileRun<'a> {
    rels: &'a [String],
    dirs: &'a [String],
    types: &'a [Vec<(String, String)>],
    terraform: bool,
}

/// A CloudFormation parameter file or `samconfig.toml` (file `id` at `rel`) → an Azure
/// parameter file beside each template it gives values for, with a decision there.
fn parameter_file(
    id: FileId,
    rel: &str,
    run: &ParamFileRun,
    sources: &SourceMap,
    results: &mut [Option<Converted>],
    out: &mut Collected<'_>,
) {
    use crate::param_files as pf;
    let file = sources.get(id);
    let whole = crate::source::Span::new(id, 0, file.text.len().min(1));
    let sets: Vec<pf::ValueSet> = if rel.ends_with("samconfig.toml") {
        match pf::samconfig_values(&file.text) {
            Ok(s) => s,
            Err((msg, at)) => {
                let span = match at {
                    Some(r) => crate::source::Span::new(id, r.start, r.end.max(r.start + 1)),
                    None => whole,
                };
                out.diagnostics.push(
                    Diagnostic::new(
                        codes::PARAMS_INVALID,
                        span,
                        format!("`{rel}` is not valid TOML: {}", msg.trim()),
                        "here",
                    )
                    .help("fix the file (SAM reads it too), or move it out of PATH"),
                );
                return;
            }
        }
    } else {
        let Ok((node, _)) = cfn::parse_node(sources, id) else {
            return;
        };
        let line = |n: &crate::frontend::node::Node| sources.locate(n.span).1;
        let Some(values) = pf::cfn_values(&node, &line) else {
            return;
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        vec![pf::ValueSet {
            name: crate::names::kebab(stem),
            template: None,
            values,
        }]
    };
    let rels: Vec<&str> = run.rels.iter().map(String::as_str).collect();
    for set in sets {
        let target = pf::template_for(rel, set.template.as_deref(), &rels);
        let Some(i) = target else {
            out.diagnostics.push(
                Diagnostic::new(
                    codes::PARAMS_NO_TEMPLATE,
                    whole,
                    format!("`{rel}` ({}) belongs to no template of the run", set.name),
                    "parameter file",
                )
                .help("put it beside its template, name it after the template (`<template>-<env>.json`), or give samconfig's `template_file`"),
            );
            continue;
        };
        let Some(c) = results[i].as_mut() else {
            continue;
        };
        let Some(iface) = c.interface.clone() else {
            continue;
        };
        let written = pf::render(&set.values, &iface, &run.types[i], run.terraform);
        let name = crate::names::kebab(&set.name);
        let path = if run.terraform {
            format!("{}/{name}.tfvars", run.dirs[i])
        } else {
            format!("{}/{name}.bicepparam", run.dirs[i])
        };
        let path = path.trim_start_matches('/').to_string();
        let shown = path.rsplit('/').next().unwrap_or(&path).to_string();
        c.files.push((path, written.text.clone()));
        let mut left = Vec::new();
        if !written.aws_ids.is_empty() {
            left.push(format!(
                "AWS ids left out (give the Azure value at deployment): {}",
                written
                    .aws_ids
                    .iter()
                    .map(|(k, n)| format!("`{k}` → `{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !written.dropped.is_empty() {
            left.push(format!(
                "parameters with no use in Azure: {}",
                written.dropped.join(", ")
            ));
        }
        if !written.secrets.is_empty() {
            left.push(format!(
                "secrets not written (pass them from Key Vault): {}",
                written.secrets.join(", ")
            ));
        }
        if !written.unknown.is_empty() {
            left.push(format!(
                "keys the template does not declare: {}",
                written.unknown.join(", ")
            ));
        }
        let param_path = sources.get(id).path.clone();
        let line = set.values.first().map(|v| v.line).unwrap_or(1);
        c.decisions.push(crate::azure::Decision {
            id: format!("param-file:{}#{}:{}", c.stack.source, rel, set.name),
            rule: "param-file".into(),
            title: format!("`{rel}` ({}) becomes `{shown}`", set.name),
            context: format!(
                "`{rel}` gives {} value{} for `{}` at deployment.",
                set.values.len(),
                if set.values.len() == 1 { "" } else { "s" },
                c.stack.source
            ),
            decision: format!(
                "`{shown}` beside the converted template sets {} {}{}.",
                written.set,
                match (run.terraform, written.set == 1) {
                    (true, true) => "Terraform variable",
                    (true, false) => "Terraform variables",
                    (false, true) => "Bicep parameter",
                    (false, false) => "Bicep parameters",
                },
                if left.is_empty() {
                    String::new()
                } else {
                    format!("; {}", left.join("; "))
                }
            ),
            consequences: if run.terraform {
                format!("Deploy with `terraform apply -var-file={shown}`. Secrets are never written to the file: pass them from Key Vault.")
            } else {
                format!("Deploy with `az deployment group create --parameters {shown}`. Secrets are never written to the file: pass them from Key Vault.")
            },
            resources: vec![crate::azure::Affected {
                id: rel.to_string(),
                file: param_path,
                line,
            }],
        });
    }
}

/// `order` (children before their parents) with each template after the templates it
/// imports from, where no cycle of imports forbids it.
fn producers_first(
    order: Vec<usize>,
    producers: &[std::collections::BTreeSet<usize>],
    links: &[Vec<(String, crate::nesting::Link)>],
) -> Vec<usize> {
    let n = order.len();
    let children = |i: usize| {
        links[i].iter().filter_map(|(_, l)| match l {
            crate::nesting::Link::Child { index, .. } => Some(*index),
            crate::nesting::Link::Unresolved { .. } => None,
        })
    };
    let mut done = vec![false; producers.len()];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let ready = |i: usize, with_producers: bool| {
            !done[i]
                && children(i).all(|c| done[c])
                && (!with_producers || producers[i].iter().all(|p| done[*p] || *p == i))
        };
        let pick = order
            .iter()
            .copied()
            .find(|&i| ready(i, true))
            .or_else(|| order.iter().copied().find(|&i| ready(i, false)));
        let Some(i) = pick else { break };
        done[i] = true;
        out.push(i);
    }
    out
}

/// What a nested stack of template `parent` resolved to, with the child's interface
/// once the child is converted.
fn nested_stack(
    link: &crate::nesting::Link,
    interfaces: &[Option<crate::model::nested::ChildInterface>],
    templates: &[(FileId, String)],
    dirs: &[String],
    parent: usize,
    sources: &SourceMap,
) -> crate::model::nested::NestedStack {
    use crate::model::nested::NestedStack;
    use crate::nesting::Link;
    match link {
        Link::Unresolved { why, todo } => NestedStack::Unresolved {
            why: why.clone(),
            todo: todo.clone(),
        },
        Link::Child { index, by_name } => {
            let file = sources.get(templates[*index].0).path.clone();
            match &interfaces[*index] {
                Some(ci) => NestedStack::Child(crate::model::nested::ChildInterface {
                    file,
                    by_name: by_name.clone(),
                    source: crate::nesting::relative_folder(&dirs[parent], &dirs[*index]),
                    ..ci.clone()
                }),
                None => NestedStack::Unresolved {
                    why: format!(
                        "its template `{file}` is in this run but did not convert (see its diagnostics)"
                    ),
                    todo: format!("Fix the errors reported for `{file}` and convert again."),
                },
            }
        }
    }
}

/// Converts every Terraform module at the place `placed` gives it, in parallel; the
/// results keep module order.
fn convert_modules(
    inputs: &mut Inputs,
    placed: &mut Placement,
    tf_target: Target,
    sources: &SourceMap,
    tables: &Tables,
    out: &mut Collected<'_>,
) {
    // What each module converts from: the read errors of a module that could not be
    // read, or its parse.
    let parsed: Vec<cfn::ParseReturn> = inputs
        .modules
        .iter()
        .map(|((key_root, dir), (tf, tfvars, _))| {
            let key = (key_root.clone(), dir.clone());
            match inputs.failed_modules.remove(&key) {
                Some(errors) => cfn::ParseReturn {
                    template: None,
                    diagnostics: errors,
                },
                None => placed.parsed.remove(&key).unwrap_or_else(|| {
                    crate::frontend::terraform::parse_module(sources, tf, tfvars, dir, &tables.lift)
                }),
            }
        })
        .collect();
    let placed: &Placement = placed;
    let sink = out.sink;
    let modules: Vec<_> = inputs.modules.iter().collect();
    let converted: Vec<Converted> = modules
        .into_par_iter()
        .zip(parsed)
        .map(|(((key_root, dir), (_, _, root)), parsed)| {
            let out_dir = placed.out_dir(key_root, dir);
            let output = match tf_target {
                Target::Bicep if out_dir.is_empty() => "main.bicep".to_string(),
                Target::Bicep => format!("{out_dir}/main.bicep"),
                Target::Terraform => out_dir.clone(),
            };
            let called = placed.called(key_root, &out_dir);
            crate::progress::step(dir);
            let mut c = convert_parsed_module(
                sources,
                parsed,
                dir,
                Some(root),
                tables,
                &output,
                tf_target,
                &called,
            );
            stream(sink, &mut c.files);
            c
        })
        .collect();
    for c in converted {
        out.push(c);
    }
}

/// Warns about `--mappings` entries that matched no resource.
fn unused_mappings(
    tables: &Tables,
    used: &std::collections::BTreeSet<String>,
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (ty, (fid, user)) in &tables.mapping.type_origin {
        if *user && !used.contains(ty) {
            let text = &sources.get(*fid).text;
            let at = text.find(ty.as_str()).unwrap_or(0);
            diagnostics.push(
                Diagnostic::new(
                    codes::MAP_UNUSED,
                    crate::source::Span::new(*fid, at, at + ty.len()),
                    format!("the --mappings entry for {ty} matched no resource"),
                    "unused entry",
                )
                .help("check the type name, or remove the entry"),
            );
        }
    }
}

fn looks_like_template(n: &crate::frontend::node::Node) -> bool {
    if n.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    n.get("Resources")
        .and_then(|r| r.as_map())
        .is_some_and(|m| {
            m.iter().any(|(k, v)| {
                k.name.starts_with("Fn::ForEach")
                    || v.get("Type")
                        .and_then(|t| t.as_str())
                        .is_some_and(|t| t.starts_with("AWS::"))
            })
        })
}
