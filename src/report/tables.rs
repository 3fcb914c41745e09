//! The report's tables (`mappings/report/*.yaml`): per AWS type, the data migration
//! plan of a data store, the CloudWatch namespace whose metrics to baseline and what
//! must happen before the AWS resource is deleted; per ARM type, whether its endpoint
//! is public unless the output says otherwise.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Diagnostic;
pub use crate::mapping::table::When;
use crate::mapping::table::holds;
use crate::model::template::{Resource, Template};
use crate::source::SourceMap;
use crate::tables::{Kind, TableFile};

/// What must happen before the AWS resource is deleted (the first that holds).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecommissionNote {
    pub when: Option<When>,
    pub note: String,
}

/// How one data store's data moves (the first plan whose `when` holds). Texts may
/// hold `{id}`, `{lit:Prop|fallback}` (the literal property), `{text:Prop|fallback}`
/// (the property as command-line text, `${Stage}` → `<Stage>`) and
/// `{azure:Type,Type|fallback}` (the name of the Azure resource of the first type
/// made from it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationPlan {
    pub when: Option<When>,
    pub kind: String,
    pub target: String,
    pub tool: String,
    pub mode: String,
    pub steps: Vec<String>,
}

/// The report's facts about one AWS type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsType {
    /// The CloudWatch namespace whose metrics the report lists as a baseline.
    pub metrics: Option<String>,
    /// The resource is a CloudWatch alarm: its `Namespace` and `MetricName` are a KPI.
    #[serde(default)]
    pub alarm: bool,
    #[serde(default)]
    pub decommission: Vec<DecommissionNote>,
    #[serde(default)]
    pub data_migration: Vec<MigrationPlan>,
}

/// The report's facts about one ARM type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmType {
    /// The endpoint takes traffic from public networks unless `publicNetworkAccess`
    /// says otherwise.
    #[serde(default)]
    pub public_by_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    aws: BTreeMap<String, AwsType>,
    #[serde(default)]
    arm: BTreeMap<String, ArmType>,
}

#[derive(Debug, Default)]
pub struct ReportTables {
    pub aws: BTreeMap<String, AwsType>,
    pub arm: BTreeMap<String, ArmType>,
}

impl ReportTables {
    /// Loads a report table file (other kinds are left to their stage); a later
    /// file's entry for a type replaces an earlier one's.
    pub fn load(&mut self, sources: &mut SourceMap, file: &mut TableFile) -> Vec<Diagnostic> {
        if file.kind != Kind::Report {
            return Vec::new();
        }
        match file.parse::<RawFile>(sources) {
            Ok(raw) => {
                self.aws.extend(raw.aws);
                self.arm.extend(raw.arm);
                Vec::new()
            }
            Err(d) => vec![*d],
        }
    }

    pub fn aws(&self, ty: &str) -> Option<&AwsType> {
        self.aws.get(ty)
    }

    /// The first decommission note for `r` whose `when` holds.
    pub fn decommission(&self, t: &Template, r: &Resource) -> Option<&str> {
        self.aws(&r.ty)?
            .decommission
            .iter()
            .find(|n| n.when.as_ref().is_none_or(|w| holds(w, t, r, false)))
            .map(|n| n.note.as_str())
    }

    /// The first data migration plan for `r` whose `when` holds.
    pub fn migration(&self, t: &Template, r: &Resource) -> Option<&MigrationPlan> {
        self.aws(&r.ty)?
            .data_migration
            .iter()
            .find(|p| p.when.as_ref().is_none_or(|w| holds(w, t, r, false)))
    }

    pub fn public_by_default(&self, arm_type: &str) -> bool {
        self.arm.get(arm_type).is_some_and(|a| a.public_by_default)
    }
}
