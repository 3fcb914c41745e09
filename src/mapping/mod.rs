//! Mapping: AWS model + tables → Azure model + decisions.

mod access;
mod apis;
mod apis_v2;
mod apply;
mod balancer_parts;
mod certificates;
mod classic_elb;
mod compute;
mod containers;
mod context;
mod data;
mod data_plane;
pub use data_plane::BLOB as BLOB_TYPE;
pub use exprs::import_label;
mod database;
mod dhcp;
mod dns;
mod edge;
mod edge_waf;
mod emit;
mod endpoints;
mod eventbridge;
mod events;
mod exprs;
mod file_systems;
mod filter_pattern;
mod flow_logs;
pub mod flows;
mod gateways;
mod governance;
mod graphql;
mod instance_connect;
mod kubernetes;
mod log_alerts;

mod adopt;
mod nacl;
pub mod nested;
mod network;
mod nsg_loops;
mod nsg_members;
mod params;
pub mod passes;
mod prefix;
mod private_links;
mod prune;
mod scale_sets;
mod scheduler;
pub mod secrets;
mod stand_ins;
mod stepfunctions;
mod storage;
pub mod table;
mod terraform;
mod tf_exprs;
pub mod transforms;

pub use crate::azure::ResourceReport;
pub use apply::map_template;
pub use context::StackResult;
pub use table::MapTables;

/// Loads one table file of the kinds mapping owns into `tables`, checking the
/// transforms its entries call (see [`MapTables::load`]).
pub fn load_table(
    tables: &mut MapTables,
    sources: &mut crate::source::SourceMap,
    file: &mut crate::tables::TableFile,
    user: bool,
) -> Vec<crate::diag::Diagnostic> {
    let names: Vec<&str> = transforms::names().collect();
    tables.load(sources, file, &names, user)
}
