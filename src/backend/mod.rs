//! Back ends: print the Azure model.

pub mod bicep;
