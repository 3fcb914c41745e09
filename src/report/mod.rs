//! The migration report: a serialisable model rendered as JSON for machines
//! and, through a minijinja template, as MIGRATION.md for people.

pub mod diagram;
mod exposure;
mod plan;
pub mod records;
pub mod tables;

use serde::Serialize;

pub use exposure::{Exposure, exposure};
pub use plan::{data_stores, decommission_note, kpis};

#[derive(Serialize, Debug, Clone)]
pub struct AzureRef {
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct ResourceOut {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub file: String,
    pub line: usize,
    pub status: String,
    pub service: String,
    pub azure: Vec<AzureRef>,
    pub decisions: Vec<String>,
    pub implicit: bool,
    /// The rules of `decisions`, for the inventory table.
    pub rules: Vec<String>,
    /// The record numbers of `decisions` (`decisions/NNNN-….md`).
    pub records: Vec<u32>,
}

/// `manual` resources that share the Azure service to consider (report section 6).
#[derive(Serialize, Debug, Clone)]
pub struct ManualGroup {
    pub service: String,
    pub resources: Vec<ManualItem>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ManualItem {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub file: String,
    pub line: usize,
}

#[derive(Serialize, Debug, Clone)]
pub struct ParamOut {
    pub stack: String,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub secure: bool,
    pub reason: String,
    /// Fed by an output of another template of the run (a cross-stack import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<FromOut>,
}

/// The template output a parameter is given (a cross-stack import wired in the run).
#[derive(Serialize, Debug, Clone)]
pub struct FromOut {
    pub stack: String,
    pub output: String,
}

/// A template that must be deployed after others of the run, because it is given
/// their outputs.
#[derive(Serialize, Debug, Clone)]
pub struct OrderOut {
    pub stack: String,
    pub after: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct DataStore {
    pub id: String,
    pub kind: String,
    /// The source file (a module's `.tf` file, or the template).
    pub file: String,
    pub line: usize,
    pub target: String,
    pub tool: String,
    pub mode: String,
    pub steps: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Kpi {
    pub source: String,
    pub aws: String,
    pub azure: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct StackOut {
    pub source: String,
    pub format: String,
    /// The generated file, relative to OUT (absent when the template had errors).
    pub output: Option<String>,
    pub outputs: Vec<String>,
    pub resources: Vec<ResourceOut>,
    /// Logical ids in waves: delete the first wave first.
    pub decommission: Vec<Vec<String>>,
    /// Logical ids in waves: what can be created first.
    pub deployment: Vec<Vec<String>>,
    pub data_stores: Vec<DataStore>,
    pub kpis: Vec<Kpi>,
    pub parameters: Vec<ParamOut>,
    pub errors: usize,
    /// Template sections other than resources, with what they became (`Parameters (line 4): 6 → param`).
    pub template_items: Vec<String>,
    /// What the output makes reachable from the internet.
    pub exposure: Vec<Exposure>,
    /// The AWS and Azure resource graphs, for the diagrams (not in the JSON report).
    #[serde(skip)]
    pub graphs: diagram::StackGraphs,
}

#[derive(Serialize, Debug, Clone)]
pub struct DecisionOut {
    pub id: String,
    pub rule: String,
    pub title: String,
    pub context: String,
    pub decision: String,
    pub consequences: String,
    pub resources: Vec<String>,
    /// Listed first in the report: a person must act or behaviour changes notably.
    pub high_risk: bool,
    /// The number of its record, stable across runs into the same OUT.
    pub record: u32,
    /// Its record, relative to OUT (`decisions/0007-slug.md`).
    pub record_file: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct DiagOut {
    pub code: String,
    pub severity: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct Summary {
    pub templates: usize,
    /// Of `templates`: Terraform modules (the rest are CloudFormation templates).
    pub terraform_modules: usize,
    pub converted: usize,
    pub failed: usize,
    pub skipped_files: usize,
    pub resources: usize,
    pub translated: usize,
    pub partial: usize,
    pub not_needed: usize,
    pub manual: usize,
    /// Percentage of resources accounted for (translated, partial or not needed).
    pub coverage: String,
    pub azure_resources: usize,
    pub decisions: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// Rules whose decisions need a person before go-live.
pub const HIGH_RISK_RULES: &[&str] = &[
    "manual",
    "lambda-functions",
    "function-http-timeout",
    "step-functions-logic-apps",
    "dynamodb-indexes",
    "nsg-unattached",
    "nsg-existing-subnet",
    "nsg-shared-subnet",
    "nsg-rule-external-group",
    "nsg-rule-chosen-group",
    "nsg-external-peer",
    "nsg-sg-reference",
    "external-parent",
    "existing-resource-changed",
    "ami-image",
    "rds-flexible-server",
    "rds-sql-database",
    "rds-engine-unknown",
    "sqs-fifo",
    "deletion-policy",
    "iam-role-identity",
    "s3-bucket-policy",
    "macro-not-expanded",
    "placeholder",
    "untranslated-properties",
    "generated-secret",
    "kms-key-vault",
    "acm-key-vault-certificate",
    "acmpca-manual",
    "elb-tls-listener",
    "elb-client-pass-through",
    "lb-part-elsewhere",
    "lb-rule-elsewhere",
    "vpc-endpoint-private-endpoint",
    "graphql-additional-auth",
    "graphql-resolver-templates",
    "graphql-sam-resolvers",
    "graphql-sam-resolver-code",
    "graphql-schema-file",
];

#[derive(Serialize, Debug, Clone)]
pub struct Report {
    pub version: u32,
    pub summary: Summary,
    pub stacks: Vec<StackOut>,
    pub decisions: Vec<DecisionOut>,
    pub diagnostics: Vec<DiagOut>,
    pub parameters: Vec<ParamOut>,
    /// When templates of the run feed each other (cross-stack imports): every template
    /// in an order that deploys producers first, with the templates it waits for.
    pub deployment_order: Vec<OrderOut>,
    /// Records in OUT whose decision this run no longer makes (kept, marked superseded).
    pub superseded_records: Vec<SupersededRecord>,
}

/// What `MIGRATION.md` reads of a report: everything but the decisions, of which only
/// the high-risk ones (the records and the index carry the rest). The template engine
/// copies what it is given, and the decisions are most of a large run's report.
#[derive(Serialize)]
struct MarkdownView<'a> {
    summary: &'a Summary,
    stacks: &'a [StackOut],
    decision_count: usize,
    high_risk: Vec<&'a DecisionOut>,
    diagnostics: &'a [DiagOut],
    parameters: &'a [ParamOut],
    deployment_order: &'a [OrderOut],
    superseded_records: &'a [SupersededRecord],
}

impl<'a> MarkdownView<'a> {
    fn of(r: &'a Report) -> Self {
        MarkdownView {
            summary: &r.summary,
            stacks: &r.stacks,
            decision_count: r.decisions.len(),
            high_risk: r.decisions.iter().filter(|d| d.high_risk).collect(),
            diagnostics: &r.diagnostics,
            parameters: &r.parameters,
            deployment_order: &r.deployment_order,
            superseded_records: &r.superseded_records,
        }
    }
}

#[derive(Serialize, Debug, Clone)]
pub struct SupersededRecord {
    pub record: u32,
    /// The decision id on the record (empty when it has none).
    pub id: String,
    pub file: String,
}

impl Report {
    pub fn to_json(&self) -> String {
        let mut buf = Vec::with_capacity(1 << 20);
        if serde_json::to_writer_pretty(&mut buf, self).is_err() {
            return String::new();
        }
        buf.push(b'\n');
        String::from_utf8(buf).unwrap_or_default()
    }

    /// The `manual` resources grouped by the Azure service their decision names (most
    /// resources first, then by name); resources in input order within a group.
    pub fn not_migrated(&self) -> Vec<ManualGroup> {
        let mut groups: Vec<ManualGroup> = Vec::new();
        for s in &self.stacks {
            for r in s.resources.iter().filter(|r| r.status == "manual") {
                let service = if r.service.is_empty() {
                    "no Azure counterpart known".to_string()
                } else {
                    r.service.clone()
                };
                let item = ManualItem {
                    id: r.id.clone(),
                    ty: r.ty.clone(),
                    file: r.file.clone(),
                    line: r.line,
                };
                match groups.iter_mut().find(|g| g.service == service) {
                    Some(g) => g.resources.push(item),
                    None => groups.push(ManualGroup {
                        service,
                        resources: vec![item],
                    }),
                }
            }
        }
        groups.sort_by(|a, b| {
            b.resources
                .len()
                .cmp(&a.resources.len())
                .then_with(|| a.service.cmp(&b.service))
        });
        groups
    }

    pub fn to_markdown(&self) -> String {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.add_filter("cell", |s: String| s.replace('|', "\\|").replace('\n', " "));
        env.add_filter("num", records::number_text);
        if let Err(e) = env.add_template("migration.md", include_str!("migration.md.j2")) {
            return format!("report template error: {e}\n");
        }
        let not_migrated = self.not_migrated();
        let diagrams = diagram::report_diagrams(&self.stacks);
        let groups = records::groups(self);
        // Large runs fold each stack's inventory table.
        let fold = self.stacks.len() > 1;
        match env.get_template("migration.md").and_then(|t| {
            t.render(minijinja::context! {
                r => minijinja::Value::from(minijinja::value::Serde(&MarkdownView::of(self))),
                not_migrated => minijinja::Value::from(minijinja::value::Serde(&not_migrated)),
                diagrams => minijinja::Value::from(minijinja::value::Serde(&diagrams)),
                groups => minijinja::Value::from(minijinja::value::Serde(&groups)),
                fold => fold,
            })
        }) {
            Ok(s) => {
                let mut s = s.trim_end().to_string();
                s.push('\n');
                s
            }
            Err(e) => format!("report rendering error: {e}\n"),
        }
    }
}
