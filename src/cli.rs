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
    },
}
