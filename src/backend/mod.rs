//! Back ends: print the Azure model.

pub mod bicep;
pub mod terraform;

use crate::azure::Vocabulary;

/// The back end `--to` chooses: the only place the target is read. The Azure model
/// is the same for both; each back end lowers what it keeps Terraform-shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Bicep,
    Terraform,
}

impl Target {
    /// How this back end's output names what the report talks about.
    pub fn vocabulary(self) -> Vocabulary {
        match self {
            Target::Bicep => bicep::VOCABULARY,
            Target::Terraform => terraform::VOCABULARY,
        }
    }
}
