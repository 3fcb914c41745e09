//! Mapping: AWS model + tables → Azure model + decisions.

mod access;
mod apply;
mod compute;
mod context;
mod data;
mod database;
mod emit;
mod events;
mod exprs;
pub mod flows;
pub mod names;
mod network;
mod params;
mod prune;
pub mod secrets;
mod storage;
pub mod table;
mod terraform;
mod tf_exprs;
pub mod transforms;

pub use apply::map_template;
pub use context::{ResourceReport, StackResult};
pub use table::Tables;
