//! Mapping: AWS model + tables → Azure model + decisions.

mod access;
mod apply;
mod compute;
mod data;
mod database;
mod events;
mod exprs;
pub mod names;
mod network;
mod params;
mod storage;
pub mod table;
pub mod transforms;

pub use apply::{ResourceReport, StackResult, map_template};
pub use table::Tables;
