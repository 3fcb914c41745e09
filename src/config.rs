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
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

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
}

/// Parses the configuration in file `id`. Err: a located diagnostic.
pub fn parse(sources: &SourceMap, id: FileId) -> Result<Config, Box<Diagnostic>> {
    let f = sources.get(id);
    toml::from_str::<Config>(&f.text).map_err(|e| {
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
            .help("the keys aws2azure reads are [azure] region and tags, [regions], [instance_types] and [images]; `aws2azure init PATH` writes a commented starter file"),
        )
    })
}

/// Adds the configuration's answers to the lookup tables the mapping reads.
pub fn apply(cfg: &Config, tables: &mut crate::run::Tables) {
    use serde_yaml::Value;
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
    };
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

/// A commented starter `aws2azure.toml` for the inputs a dry run read: the regions,
/// instance types and images they name, and the parameters a deployment must answer.
pub fn starter(
    regions: &[String],
    instance_types: &[(String, String)],
    images: &[String],
    parameters: &[(String, String, String)],
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
    o.push_str("# tags = { owner = \"platform\", cost-center = \"1234\" }\n\n");
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
    fn unknown_keys_are_located_errors() {
        let e = parse_text("[azure]\nregoin = \"westeurope\"\n").unwrap_err();
        assert_eq!(e.code.id, "config::invalid");
        let span = e.span.expect("a place");
        assert_eq!((span.start, span.end), (8, 14));
        assert!(e.message.contains("regoin"), "{}", e.message);
        assert!(e.help.is_some());
    }
}
