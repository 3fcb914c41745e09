//! Back ends: print the Azure model.

pub mod bicep;
pub mod terraform;
