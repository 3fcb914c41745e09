//! Command-line definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "aws2azure",
    version,
    about = "Translate AWS CloudFormation, SAM and Terraform to Azure Bicep or Terraform (azurerm), with a migration decisions report"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Target {
    Bicep,
    Terraform,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Convert templates (files or folders) into OUT.
    Convert {
        /// Templates, Terraform modules or folders to convert.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Output language (default: like for like, CloudFormation → Bicep, Terraform → Terraform).
        #[arg(long = "to", value_enum)]
        to: Option<Target>,
        /// Folder of mapping tables that add to or override the built-in ones.
        #[arg(long = "mappings")]
        mappings: Option<PathBuf>,
        /// Overwrite files in OUT that aws2azure did not write.
        #[arg(long)]
        force: bool,
        /// The project file of answers (default: `aws2azure.toml` at the root of the first
        /// PATH folder, when there is one).
        #[arg(long = "config", value_name = "FILE")]
        config: Option<PathBuf>,
        /// Also write a short Markdown summary of the run to FILE (outside OUT), for a
        /// pull-request comment or `$GITHUB_STEP_SUMMARY`.
        #[arg(long = "summary", value_name = "FILE")]
        summary: Option<PathBuf>,
        #[command(flatten)]
        feedback: Feedback,
    },
    /// Regenerate in memory and compare with OUT (nothing is written there): exit 0 when
    /// OUT is current, 3 with a unified diff on stdout when it is stale.
    Check {
        /// Templates, Terraform modules or folders, as given to `convert`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The output folder to compare with.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Output language, as given to `convert`.
        #[arg(long = "to", value_enum)]
        to: Option<Target>,
        /// Folder of mapping tables, as given to `convert`.
        #[arg(long = "mappings")]
        mappings: Option<PathBuf>,
        /// The project file, as given to `convert`.
        #[arg(long = "config", value_name = "FILE")]
        config: Option<PathBuf>,
        /// Also write a short Markdown summary (what would change) to FILE (outside OUT).
        #[arg(long = "summary", value_name = "FILE")]
        summary: Option<PathBuf>,
        #[command(flatten)]
        feedback: Feedback,
    },
    /// Write a commented starter `aws2azure.toml` at the root of PATH, listing the regions,
    /// instance types and images the inputs name and the parameters a deployment needs.
    Init {
        /// The repository folder (the file is written there; an existing one is kept).
        path: PathBuf,
    },
    /// Explore the mapping tables: every AWS type with its Azure types, status and rule file.
    Mappings {
        #[command(subcommand)]
        action: MappingsAction,
        /// Folder of mapping tables laid over the built-in ones.
        #[arg(long = "mappings", global = true)]
        mappings: Option<PathBuf>,
    },
    /// How much of the templates and modules under PATH would be translated (nothing is written).
    Coverage {
        /// Templates, Terraform modules or folders to measure.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Folder of mapping tables that add to or override the built-in ones.
        #[arg(long = "mappings")]
        mappings: Option<PathBuf>,
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "table")]
        format: Format,
        /// How many manual types to list per input language.
        #[arg(long = "top", default_value_t = 15)]
        top: usize,
    },
    /// Print the resource graph of the inputs (nothing is written): the AWS one, or with
    /// `--azure` the Azure one.
    Graph {
        /// Templates, Terraform modules or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "mermaid")]
        format: GraphFormat,
        /// The Azure resources the conversion generates (symbols and ARM types) instead
        /// of the AWS resources.
        #[arg(long)]
        azure: bool,
        /// Output language the Azure graph is generated for (as given to `convert`).
        #[arg(long = "to", value_enum)]
        to: Option<Target>,
        /// Folder of mapping tables that add to or override the built-in ones.
        #[arg(long = "mappings")]
        mappings: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum MappingsAction {
    /// Every AWS type: status, Azure types, rule file and line.
    List {
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "table")]
        format: Format,
    },
    /// One type's rule: Azure resources, properties, decisions and variants (a CloudFormation type or a Terraform aws_* type).
    Show {
        /// `AWS::S3::Bucket` or `aws_s3_bucket`.
        r#type: String,
    },
}

/// How much `convert` and `check` print besides errors.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Feedback {
    /// Print errors only (no warnings, no summary line).
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print one line per template or module: what it became and its counts.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// The summary line as text (stderr) or as one JSON object on stdout, for scripts.
    #[arg(long = "format", value_enum, default_value = "text")]
    pub format: LineFormat,
    /// Threads to use (default: one per core). The output is the same for any number.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LineFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}
