//! Terraform back end: the ARM-shaped Azure model lowered to azurerm (azapi where
//! azurerm has no equivalent), printed the way `terraform fmt` prints.

pub mod table;
pub mod hcl;
mod lower;

pub use lower::emit;
