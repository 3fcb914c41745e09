//! Terraform back end: the ARM-shaped Azure model lowered to azurerm (azapi where
//! azurerm has no equivalent), printed the way `terraform fmt` prints.

pub mod hcl;
mod lower;
pub mod table;

pub use lower::emit;
