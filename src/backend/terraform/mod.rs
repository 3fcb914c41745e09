//! Terraform back end: the ARM-shaped Azure model lowered to azurerm (azapi where
//! azurerm has no equivalent), printed the way `terraform fmt` prints.

pub mod hcl;
mod lower;
pub mod table;

pub use lower::{SchemaFinding, emit, variable_names};

use crate::azure::{AzModule, Decision, Effect, Vocabulary, affected};
use crate::source::SourceMap;

/// How Terraform output names what the report talks about.
pub const VOCABULARY: Vocabulary = Vocabulary {
    secure_param: "`sensitive = true` variable",
    secret_store: "a `.tfvars` file kept out of git, or `TF_VAR_…` set from Key Vault in the pipeline",
    terraform: true,
};

/// The decisions for the module's deletion guards: `prevent_destroy` on their
/// resources. `file` is the input's path as decisions name it.
pub fn effects(m: &AzModule, file: &str, sources: &SourceMap) -> Vec<Effect> {
    m.guards
        .iter()
        .map(|g| {
            let (policy, id) = (&g.policy, &g.origin.who);
            Effect {
                origin: g.origin.clone(),
                decision: Decision {
                    id: format!("deletion-policy:{file}#{id}"),
                    rule: "deletion-policy".into(),
                    title: format!("{policy} of {id}: prevent_destroy"),
                    context: format!("The source protects the resource from deletion (`{policy}`)."),
                    decision: "Its Azure resources carry `lifecycle { prevent_destroy = true }`: Terraform refuses a plan that destroys them.".into(),
                    consequences: "Remove the setting deliberately before decommissioning; for Snapshot, take a backup first. A `CanNotDelete` lock also guards against deletion outside Terraform.".into(),
                    resources: vec![affected(id, file, sources.locate(g.origin.span).1)],
                },
                floor: None,
            }
        })
        .collect()
}
