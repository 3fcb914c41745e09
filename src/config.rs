//! `aws2azure.toml`: the user's answers for a repository, read from the root of PATH (or
//! `--config FILE`). Unknown keys are errors with their place, so a typo never passes
//! silently.
//!
//! ```toml
//! [azure]
//! region = "westeurope"            # every regional resource's default location
//! tags = { owner = "platform" }    # added to every resource that takes tags
//!
//! [regions]                         # AWS region → Azure region, over the region table
//! "eu-west-1" = "northeurope"
//!
//! [instance_types]                  # EC2 instance type → Azure VM size
//! "m5.large" = "Standard_D2as_v5"
//!
//! [images]                          # AMI id or SSM parameter path → VM image
//! "ami-0123456789abcdef0" = { publisher = "Canonical", offer = "ubuntu-24_04-lts", sku = "server", version = "latest" }
//!
//! [existing]                        # AWS resource → the Azure resource it is already
//! "HubVpc" = "/subscriptions/…/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
//! "network/vpc.yaml#HubVpc" = "…"   # qualified by template (or module folder) path
//! "aws_vpc.hub" = "…"               # a Terraform address
//!
//! [targets]                         # per AWS type, one of the choices its table entry offers
//! "AWS::SQS::Queue" = "storage-queue"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, codes};
use crate::source::{FileId, SourceMap, Span};

/// The file name aws2azure looks for at the root of PATH.
pub const FILE_NAME: &str = "aws2azure.toml";

#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub azure: AzureSection,
    #[serde(default)]
    pub regions: BTreeMap<String, String>,
    #[serde(default)]
    pub instance_types: BTreeMap<String, String>,
    #[serde(default)]
    pub images: BTreeMap<String, Image>,
    /// AWS resource (`[path#]logical id or Terraform address`) → the id of the Azure
    /// resource to reference instead of creating one.
    #[serde(default)]
    pub existing: BTreeMap<Spanned<String>, Spanned<String>>,
    /// AWS type → the name of one of the `choices` its table entry offers.
    #[serde(default)]
    pub targets: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The file it was read from (spans of the entries point into it).
    #[serde(skip)]
    pub file: Option<FileId>,
}

#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AzureSection {
    /// The Azure region every regional resource defaults to, and every AWS region maps to.
    pub region: Option<String>,
    /// Tags added to every resource that takes tags (they win over a source tag of the
    /// same name).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Put in front of every name aws2azure makes up (not names the source gives).
    pub prefix: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub publisher: String,
    pub offer: String,
    pub sku: String,
    #[serde(default = "latest")]
    pub version: String,
}

fn latest() -> String {
    "latest".into()
}

/// What the mapping reads of the configuration besides lookup tables.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Answers {
    /// Default of every module's `location` parameter.
    pub location: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `[azure] prefix`, checked.
    pub prefix: Option<String>,
    /// `[existing]`, checked.
    pub existing: Vec<Existing>,
}

/// An `[existing]` entry: the AWS resource it names and the Azure resource it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    /// The key as written (`network/vpc.yaml#HubVpc`).
    pub key: String,
    /// The template file or module folder the key is qualified with (`network/vpc.yaml`).
    pub path: Option<String>,
    /// A CloudFormation logical id or a Terraform address (`aws_vpc.hub`).
    pub address: String,
    pub id: ArmId,
    /// The entry's place (key and value) in the project file.
    pub span: Span,
}

impl Existing {
    /// The resource id as written, rebuilt from its parts.
    pub fn key_id(&self) -> String {
        let mut s = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/",
            self.id.subscription, self.id.group
        );
        let mut segs = self.id.ty.split('/');
        s.push_str(segs.next().unwrap_or_default());
        for (t, n) in segs.zip(&self.id.names) {
            s.push_str(&format!("/{t}/{n}"));
        }
        s
    }
}

/// An Azure resource id taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmId {
    pub subscription: String,
    pub group: String,
    /// `Microsoft.Network/virtualNetworks/subnets`.
    pub ty: String,
    /// One name per type segment (`vnet-hub`, `snet-app`).
    pub names: Vec<String>,
}

impl ArmId {
    /// `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>[/<type>/<name>]…`
    pub fn parse(text: &str) -> Result<ArmId, String> {
        let segs: Vec<&str> = text.trim_end_matches('/').split('/').collect();
        let bad = || {
            "an Azure resource id has the form `/subscriptions/<subscription id>/resourceGroups/<group>/providers/<Namespace>/<type>/<name>`".to_string()
        };
        if segs.len() < 9
            || !segs[0].is_empty()
            || !segs[1].eq_ignore_ascii_case("subscriptions")
            || !segs[3].eq_ignore_ascii_case("resourceGroups")
            || !segs[5].eq_ignore_ascii_case("providers")
            || segs.len().is_multiple_of(2)
        {
            return Err(bad());
        }
        let sub = segs[2];
        let guid = sub.len() == 36
            && sub.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
        if !guid {
            return Err(format!("`{sub}` is not a subscription id (a GUID)"));
        }
        let group = segs[4];
        if group.is_empty()
            || group.len() > 90
            || group.ends_with('.')
            || !group
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
        {
            return Err(format!("`{group}` is not a resource group name"));
        }
        let ns = segs[6];
        if !ns.contains('.') || segs[7..].iter().any(|s| s.is_empty()) {
            return Err(bad());
        }
        let mut ty = ns.to_string();
        let mut names = Vec::new();
        for pair in segs[7..].chunks(2) {
            ty.push('/');
            ty.push_str(pair[0]);
            names.push(pair[1].to_string());
        }
        Ok(ArmId {
            subscription: sub.to_string(),
            group: group.to_string(),
            ty,
            names,
        })
    }
}

/// Parses the configuration in file `id`. Err: a located diagnostic.
pub fn parse(sources: &SourceMap, id: FileId) -> Result<Config, Box<Diagnostic>> {
    let f = sources.get(id);
    let mut cfg = toml::from_str::<Config>(&f.text).map_err(|e| {
        let span = match e.span() {
            Some(r) => Span::new(id, r.start, r.end.max(r.start + 1)),
            None => Span::new(id, 0, f.text.len().min(1)),
        };
        let msg = e.message().trim().to_string();
        Box::new(
            Diagnostic::new(
                codes::CONFIG_INVALID,
                span,
                format!("`{}`: {msg}", f.path),
                "here",
            )
            .help("the keys aws2azure reads are [azure] region, tags and prefix, [regions], [instance_types], [images], [existing] and [targets]; `aws2azure init PATH` writes a commented starter file"),
        )
    })?;
    cfg.file = Some(id);
    if let Some(p) = &cfg.azure.prefix
        && let Err(why) = check_prefix(p.get_ref())
    {
        return Err(invalid(sources, id, p.span(), why, PREFIX_HELP));
    }
    for (k, v) in &cfg.existing {
        if let Err(why) = ArmId::parse(v.get_ref()) {
            return Err(invalid(
                sources,
                id,
                v.span(),
                format!("`{}`: {why}", k.get_ref()),
                "copy the id from the portal (the resource's JSON view) or `az resource show --query id`",
            ));
        }
        if split_key(k.get_ref()).1.is_empty() {
            return Err(invalid(
                sources,
                id,
                k.span(),
                format!("`{}` names no resource", k.get_ref()),
                EXISTING_HELP,
            ));
        }
    }
    Ok(cfg)
}

const PREFIX_HELP: &str = "a prefix is lowercase letters, digits and single hyphens, starts with a letter, and has at most 11 letters and digits (storage account names are 24 characters: the prefix, a piece of the name and a 13-character unique suffix)";
const EXISTING_HELP: &str = "write the key as a CloudFormation logical id (`HubVpc`) or a Terraform address (`aws_vpc.hub`), qualified by its template file or module folder when several have it (`network/vpc.yaml#HubVpc`)";

/// A `config::invalid` error at `range` of file `id`.
fn invalid(
    sources: &SourceMap,
    id: FileId,
    range: std::ops::Range<usize>,
    message: impl std::fmt::Display,
    help: &str,
) -> Box<Diagnostic> {
    let path = &sources.get(id).path;
    Box::new(
        Diagnostic::new(
            codes::CONFIG_INVALID,
            Span::new(id, range.start, range.end.max(range.start + 1)),
            format!("`{path}`: {message}"),
            "here",
        )
        .help(help),
    )
}

/// Is `p` a prefix every Azure name aws2azure makes can take?
pub fn check_prefix(p: &str) -> Result<(), String> {
    let alnum = p.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    if !p.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "the prefix `{p}` must start with a lowercase letter"
        ));
    }
    if let Some(c) = p
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "the prefix `{p}` holds `{c}`: Azure names aws2azure makes take lowercase letters, digits and hyphens only"
        ));
    }
    if p.ends_with('-') || p.contains("--") {
        return Err(format!(
            "the prefix `{p}` must not end with a hyphen or hold two in a row"
        ));
    }
    if alnum > 11 {
        return Err(format!(
            "the prefix `{p}` has {alnum} letters and digits; at most 11 fit a storage account name"
        ));
    }
    Ok(())
}

/// `network/vpc.yaml#HubVpc` → (Some("network/vpc.yaml"), "HubVpc").
pub fn split_key(key: &str) -> (Option<&str>, &str) {
    match key.rsplit_once('#') {
        Some((p, a)) => (Some(p.trim_matches('/')), a.trim()),
        None => (None, key.trim()),
    }
}

/// Adds the configuration's answers to the tables the mapping reads. Err: the
/// `config::invalid` errors of entries the tables refuse (a target no entry offers, an
/// existing resource of a type no mapping makes).
pub fn apply(
    cfg: &Config,
    tables: &mut crate::run::Tables,
    sources: &SourceMap,
) -> Vec<Diagnostic> {
    use serde_yaml::Value;
    let mut diags = Vec::new();
    let file = cfg.file.unwrap_or_default();
    for (ty, pick) in &cfg.targets {
        let offered: Vec<&String> = tables
            .mapping
            .types
            .iter()
            .filter(|(_, e)| e.choices.is_some())
            .map(|(t, _)| t)
            .collect();
        let Some(entry) = tables.mapping.types.get(ty.get_ref()).cloned() else {
            diags.push(*invalid(
                sources,
                file,
                ty.span(),
                format!("`{}` is not a type aws2azure maps", ty.get_ref()),
                &format!("the types with a choice of targets are {}", list(&offered)),
            ));
            continue;
        };
        let names = entry.choice_names();
        if names.is_empty() {
            diags.push(*invalid(
                sources,
                file,
                ty.span(),
                format!("`{}` offers no choice of targets", ty.get_ref()),
                &format!("the types with a choice of targets are {}", list(&offered)),
            ));
            continue;
        }
        let Some(chosen) = entry.choose(pick.get_ref()) else {
            diags.push(*invalid(
                sources,
                file,
                pick.span(),
                format!("`{}` is not a target of {}", pick.get_ref(), ty.get_ref()),
                &format!(
                    "{} offers {} (the first is the default)",
                    ty.get_ref(),
                    list(&names.iter().collect::<Vec<_>>())
                ),
            ));
            continue;
        };
        if let Some(a) = entry
            .choices
            .as_ref()
            .and_then(|c| c.alternatives.get(pick.get_ref()))
        {
            for (table, rows) in &a.lookups {
                for (key, row) in rows {
                    tables.mapping.lookups.set(table, key, row.clone());
                }
            }
        }
        tables
            .mapping
            .types
            .insert(ty.get_ref().clone(), std::sync::Arc::new(chosen));
    }
    let primary = primary_types(&tables.mapping);
    let mut existing = Vec::new();
    for (k, v) in &cfg.existing {
        let Ok(id) = ArmId::parse(v.get_ref()) else {
            continue;
        };
        if !primary.contains(&id.ty.to_ascii_lowercase()) {
            diags.push(*invalid(
                sources,
                file,
                v.span(),
                format!(
                    "`{}` is a {}, which no mapping makes",
                    k.get_ref(),
                    id.ty
                ),
                "an existing resource stands for the Azure resource an AWS resource becomes (a VPC's Microsoft.Network/virtualNetworks, a subnet's Microsoft.Network/virtualNetworks/subnets); the report's inventory lists them",
            ));
            continue;
        }
        let (path, address) = split_key(k.get_ref());
        existing.push(Existing {
            key: k.get_ref().clone(),
            path: path.map(str::to_string),
            address: address.to_string(),
            id,
            span: Span::new(file, k.span().start, v.span().end),
        });
    }
    let lookups = &mut tables.mapping.lookups;
    let s = |x: &str| Value::String(x.to_string());
    let note = s("from aws2azure.toml");
    if let Some(region) = &cfg.azure.region {
        for key in lookups.keys("regions") {
            lookups.set(
                "regions",
                &key,
                BTreeMap::from([
                    ("location".to_string(), s(region)),
                    ("note".to_string(), note.clone()),
                ]),
            );
        }
    }
    for (aws, azure) in &cfg.regions {
        lookups.set(
            "regions",
            aws,
            BTreeMap::from([
                ("location".to_string(), s(azure)),
                ("note".to_string(), note.clone()),
            ]),
        );
    }
    for (ty, size) in &cfg.instance_types {
        lookups.set(
            "ec2-instance-types",
            ty,
            BTreeMap::from([("vm_size".to_string(), s(size))]),
        );
    }
    for (key, img) in &cfg.images {
        lookups.set(
            "images",
            key,
            BTreeMap::from([
                ("publisher".to_string(), s(&img.publisher)),
                ("offer".to_string(), s(&img.offer)),
                ("sku".to_string(), s(&img.sku)),
                ("version".to_string(), s(&img.version)),
            ]),
        );
    }
    tables.mapping.answers = Answers {
        location: cfg.azure.region.clone(),
        tags: cfg.azure.tags.clone(),
        prefix: cfg.azure.prefix.as_ref().map(|p| p.get_ref().clone()),
        existing,
    };
    diags
}

/// Warnings for `[existing]` entries that named no resource of the run (no template's
/// decision quotes them, and no error points at them).
pub fn unused_existing(
    answers: &Answers,
    converted: &[crate::run::Converted],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for e in &answers.existing {
        let quoted = format!("entry `{}`", e.key);
        let used = converted
            .iter()
            .flat_map(|c| c.decisions.iter())
            .any(|d| d.rule == "existing-resource" && d.context.contains(&quoted))
            || diagnostics.iter().any(|d| d.span == Some(e.span));
        if !used {
            diagnostics.push(
                Diagnostic::new(
                    codes::CONFIG_UNUSED,
                    e.span,
                    format!(
                        "`{}` names no resource of this run; nothing reads the existing resource",
                        e.key
                    ),
                    "names nothing",
                )
                .help(EXISTING_HELP),
            );
        }
    }
}

/// `a`, `b` and `c`.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match items.split_last() {
        None => "none".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The ARM types (lower case) of the resource each entry makes for the AWS resource
/// itself (`symbol: "{sym}"`), in any variant or choice.
fn primary_types(tables: &crate::mapping::table::MapTables) -> std::collections::BTreeSet<String> {
    tables
        .types
        .values()
        .flat_map(|e| crate::mapping::table::specs(e))
        .filter(|r| r.symbol == "{sym}")
        .map(|r| r.ty.to_ascii_lowercase())
        .collect()
}

/// Adds the configured tags to every resource of `m` that takes tags: in the ARM schema,
/// and (with `terraform`) in its azurerm resource, so none falls back to azapi.
pub fn tag(
    m: &mut crate::azure::AzModule,
    tags: &BTreeMap<String, String>,
    azurerm: Option<&crate::backend::terraform::table::AzurermTables>,
) {
    use crate::azure::{AzExpr, AzKey};
    if tags.is_empty() {
        return;
    }
    let schema = crate::schema::arm::schema();
    let extra: Vec<(AzKey, AzExpr)> = tags
        .iter()
        .map(|(k, v)| (AzKey::Name(k.clone()), AzExpr::str(v.clone())))
        .collect();
    for r in m.resources.iter_mut() {
        if r.existing || r.updates.is_some() || !schema.carries(&r.ty, &r.api) {
            continue;
        }
        let probe = crate::azure::AzResource {
            ty: r.ty.clone(),
            api: r.api.clone(),
            name: AzExpr::str("probe"),
            tags: Some(AzExpr::Object(Vec::new())),
            ..Default::default()
        };
        let takes_tags = !schema
            .check(&probe)
            .iter()
            .any(|f| f.path.first().is_some_and(|p| p == "tags"));
        let azurerm_ok = azurerm.is_none_or(|t| {
            t.types
                .get(&r.ty)
                .is_none_or(|vs| vs.iter().all(|v| v.tags != Some(false)))
        });
        if !takes_tags || !azurerm_ok {
            continue;
        }
        r.tags = Some(match r.tags.take() {
            None => AzExpr::Object(extra.clone()),
            Some(AzExpr::Object(mut own)) => {
                own.retain(|(k, _)| !extra.iter().any(|(x, _)| x == k));
                own.extend(extra.iter().cloned());
                AzExpr::Object(own)
            }
            Some(other) => AzExpr::call("union", vec![other, AzExpr::Object(extra.clone())]),
        });
    }
}

/// The targets an AWS type of the input offers, for the starter file.
#[derive(Debug, Clone)]
pub struct Choices {
    pub ty: String,
    /// The default first.
    pub names: Vec<String>,
    /// Each name with its one-line description.
    pub about: Vec<(String, String)>,
}

/// The choices of the types `types` whose entries offer some.
pub fn choices_of<'a>(
    tables: &crate::mapping::table::MapTables,
    types: impl IntoIterator<Item = &'a String>,
) -> Vec<Choices> {
    let mut out: Vec<Choices> = Vec::new();
    for ty in types {
        let Some(c) = tables.types.get(ty).and_then(|e| e.choices.as_ref()) else {
            continue;
        };
        if out.iter().any(|x| &x.ty == ty) {
            continue;
        }
        let mut about = vec![(c.default.clone(), c.about.clone())];
        about.extend(
            c.alternatives
                .iter()
                .map(|(n, a)| (n.clone(), a.about.clone())),
        );
        out.push(Choices {
            ty: ty.clone(),
            names: about.iter().map(|(n, _)| n.clone()).collect(),
            about,
        });
    }
    out.sort_by(|a, b| a.ty.cmp(&b.ty));
    out
}

/// A commented starter `aws2azure.toml` for the inputs a dry run read: the regions,
/// instance types and images they name, and the parameters a deployment must answer.
pub fn starter(
    regions: &[String],
    instance_types: &[(String, String)],
    images: &[String],
    parameters: &[(String, String, String)],
    choices: &[Choices],
) -> String {
    let mut o = String::new();
    o.push_str(
        "# aws2azure.toml: your answers for this repository. aws2azure reads it from the root of\n",
    );
    o.push_str("# PATH (or --config FILE) on every run; unknown keys are errors.\n\n");
    o.push_str("[azure]\n");
    o.push_str(
        "# The Azure region every regional resource defaults to (and every AWS region maps to).\n",
    );
    o.push_str("# region = \"westeurope\"\n");
    o.push_str("# Tags added to every resource that takes tags.\n");
    o.push_str("# tags = { owner = \"platform\", cost-center = \"1234\" }\n");
    o.push_str(
        "# Put in front of every name aws2azure makes up (lowercase letters, digits, hyphens;\n",
    );
    o.push_str("# at most 11 letters and digits). Names the source gives are kept.\n");
    o.push_str("# prefix = \"contoso-prod\"\n\n");
    o.push_str("# AWS region -> Azure region, over the built-in region table.\n[regions]\n");
    for r in regions {
        o.push_str(&format!("# \"{r}\" = \"\"\n"));
    }
    o.push_str(
        "\n# EC2 instance type -> Azure VM size, over the built-in size table.\n[instance_types]\n",
    );
    for (ty, size) in instance_types {
        o.push_str(&format!("# \"{ty}\" = \"{size}\"\n"));
    }
    o.push_str(
        "\n# AMI id or SSM parameter path -> VM image (otherwise an image parameter).\n[images]\n",
    );
    for i in images {
        o.push_str(&format!(
            "# \"{i}\" = {{ publisher = \"\", offer = \"\", sku = \"\", version = \"latest\" }}\n"
        ));
    }
    o.push_str("\n# AWS resource -> the id of an Azure resource that exists already (a hub network): it is\n");
    o.push_str(
        "# read instead of created. Keys: a logical id or Terraform address, qualified by its\n",
    );
    o.push_str("# template file or module folder when several have it (\"network/vpc.yaml#HubVpc\").\n[existing]\n");
    o.push_str("# \"HubVpc\" = \"/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>\"\n");
    o.push_str("\n# Per AWS type, the Azure target when the mapping offers a choice (the first listed is\n# the default).\n[targets]\n");
    for c in choices {
        o.push_str(&format!("# {}: {}\n", c.ty, c.names.join(" | ")));
        for (name, about) in &c.about {
            o.push_str(&format!("#   {name}: {about}\n"));
        }
        o.push_str(&format!("# \"{}\" = \"{}\"\n", c.ty, c.names[0]));
    }
    if !parameters.is_empty() {
        o.push_str("\n# Parameters a deployment must be given (no default), by template. Answer them in a\n");
        o.push_str(
            "# parameter file beside the template (.bicepparam or .tfvars), or in the pipeline.\n",
        );
        for (stack, name, why) in parameters {
            o.push_str(&format!("#   {stack}: {name} ({why})\n"));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, Box<Diagnostic>> {
        let mut sources = SourceMap::default();
        let id = sources.add("aws2azure.toml".into(), std::sync::Arc::from(text));
        parse(&sources, id)
    }

    #[test]
    fn reads_every_section() {
        let c = parse_text(
            "[azure]\nregion = \"westeurope\"\ntags = { owner = \"platform\" }\n[instance_types]\n\"m5.large\" = \"Standard_D2as_v5\"\n[images]\n\"ami-1\" = { publisher = \"Canonical\", offer = \"o\", sku = \"s\" }\n",
        )
        .unwrap();
        assert_eq!(c.azure.region.as_deref(), Some("westeurope"));
        assert_eq!(c.instance_types["m5.large"], "Standard_D2as_v5");
        assert_eq!(c.images["ami-1"].version, "latest");
    }

    #[test]
    fn reads_prefix_existing_and_targets() {
        let c = parse_text(
            "[azure]\nprefix = \"contoso-prod\"\n[existing]\n\"net/vpc.yaml#HubVpc\" = \"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-app\"\n[targets]\n\"AWS::SQS::Queue\" = \"storage-queue\"\n",
        )
        .unwrap();
        assert_eq!(c.azure.prefix.unwrap().into_inner(), "contoso-prod");
        let (k, v) = c.existing.iter().next().unwrap();
        assert_eq!(split_key(k.get_ref()), (Some("net/vpc.yaml"), "HubVpc"));
        let id = ArmId::parse(v.get_ref()).unwrap();
        assert_eq!(id.ty, "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(id.names, ["vnet-hub", "snet-app"]);
        assert_eq!(id.group, "rg-hub");
        assert_eq!(c.targets.len(), 1);
    }

    #[test]
    fn bad_prefixes_and_ids_are_refused() {
        assert!(check_prefix("contoso-prod").is_ok());
        assert!(check_prefix("Contoso").is_err());
        assert!(check_prefix("contoso_prod").is_err());
        assert!(check_prefix("contoso-").is_err());
        assert!(check_prefix("contosoproduction").is_err());
        assert!(
            ArmId::parse(
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            )
            .is_err()
        );
        assert!(ArmId::parse("/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks").is_err());
        let e = parse_text("[azure]\nprefix = \"a_b\"\n").unwrap_err();
        assert_eq!(e.code.id, "config::invalid");
        assert_eq!(e.span.unwrap().start, 17);
    }

    #[test]
    fn unknown_keys_are_located_errors() {
        let e = parse_text("[azure]\nregoin = \"westeurope\"\n").unwrap_err();
        assert_eq!(e.code.id, "config::invalid");
        let span = e.span.expect("a place");
        assert_eq!((span.start, span.end), (8, 14));
        assert!(e.message.contains("regoin"), "{}", e.message);
        assert!(e.help.is_some());
    }
}
