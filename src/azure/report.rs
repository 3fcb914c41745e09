//! Report entries the Azure model carries to the report, and how a back end adds
//! to them in the order the mapping would have.

use std::collections::BTreeMap;

use super::{Affected, Decision};
use crate::source::Span;

/// Report data for one AWS resource.
#[derive(Clone, Debug)]
pub struct ResourceReport {
    pub id: String,
    pub ty: String,
    pub line: usize,
    pub status: String,
    pub service: String,
    pub azure: Vec<(String, String)>,
    pub decisions: Vec<String>,
    pub implicit: bool,
}

/// Statuses from best to worst.
pub fn status_rank(s: &str) -> u8 {
    match s {
        "not-needed" => 0,
        "translated" => 1,
        "partial" => 2,
        _ => 3,
    }
}

/// The rule of the decision that lists every parameter standing in for a value.
pub const STAND_IN_RULE: &str = "placeholder";

/// Where the mapping met a node a back end lowers: what the back end adds to the
/// report (a decision, a parameter, a status) lands where the mapping would have put
/// it, so both back ends report in the order of the input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// Creation order, shared with the parameters (`AzParam::seq`).
    pub seq: u32,
    pub span: Span,
    /// The AWS resource being mapped then: its report line takes the decisions and status.
    pub resource: Option<String>,
    /// The id a template-wide decision notes as affected (the resource, or the
    /// parameter or output being translated, or `(template)`).
    pub who: String,
    /// How many decisions that resource's report line listed then.
    pub resource_decisions: usize,
    /// How many places the stand-in decision ([`STAND_IN_RULE`]) listed then.
    pub stand_ins: usize,
}

/// A decision a back end records for a node it lowered.
#[derive(Clone, Debug)]
pub struct Effect {
    pub origin: Origin,
    /// The decision, its one affected place included.
    pub decision: Decision,
    /// The worst status the resource can keep (`partial` when a value became a parameter).
    pub floor: Option<&'static str>,
}

/// Adds the back end's decisions (in their origin's order) to the mapping's, and
/// their ids and status floors to the resources' report lines; then orders the
/// decisions by id, as the mapping does.
pub fn apply_effects(
    mut effects: Vec<Effect>,
    decisions: &mut Vec<Decision>,
    reports: &mut [ResourceReport],
) {
    effects.sort_by_key(|e| e.origin.seq);
    let mut stand_ins_added = 0;
    let mut added_to: BTreeMap<String, usize> = BTreeMap::new();
    for e in effects {
        let id = e.decision.id.clone();
        let stand_in = e.decision.rule == STAND_IN_RULE;
        match decisions.iter_mut().find(|d| d.id == id) {
            Some(d) => {
                for a in e.decision.resources {
                    if stand_in {
                        let at = e.origin.stand_ins + stand_ins_added;
                        if place(&mut d.resources, a, at) {
                            stand_ins_added += 1;
                        }
                    } else if !d.resources.contains(&a) {
                        d.resources.push(a);
                    }
                }
            }
            None => {
                if stand_in {
                    stand_ins_added += e.decision.resources.len();
                }
                decisions.push(e.decision)
            }
        }
        let Some(rid) = &e.origin.resource else {
            continue;
        };
        let Some(rep) = reports.iter_mut().find(|r| &r.id == rid) else {
            continue;
        };
        let added = added_to.entry(rid.clone()).or_default();
        if place(&mut rep.decisions, id, e.origin.resource_decisions + *added) {
            *added += 1;
        }
        if let Some(f) = e.floor
            && status_rank(f) > status_rank(&rep.status)
            && rep.status != "not-needed"
            && rep.status != "manual"
        {
            rep.status = f.to_string();
        }
    }
    decisions.sort_by(|a, b| a.id.cmp(&b.id));
}

/// Puts `x` at `at` in `list` unless it is already before `at` (moved there when it is
/// after); true when the part of the list before `at` grew.
fn place<T: PartialEq>(list: &mut Vec<T>, x: T, at: usize) -> bool {
    let at = at.min(list.len());
    match list.iter().position(|y| *y == x) {
        Some(i) if i < at => false,
        Some(i) => {
            let x = list.remove(i);
            list.insert(at, x);
            true
        }
        None => {
            list.insert(at, x);
            true
        }
    }
}

/// An affected place of a decision.
pub fn affected(id: &str, file: &str, line: usize) -> Affected {
    Affected {
        id: id.to_string(),
        file: file.to_string(),
        line,
    }
}

/// How a back end's output names what the report talks about: the mapping words its
/// decisions and warnings with the chosen back end's vocabulary (the model itself is
/// the same for every back end).
#[derive(Clone, Copy, Debug)]
pub struct Vocabulary {
    /// A parameter whose value stays out of logs and deployment history.
    pub secure_param: &'static str,
    /// Where such a value should be kept.
    pub secret_store: &'static str,
    /// Parameters are shown by the Terraform variable they came from, and the output
    /// writes a `terraform.tfvars`.
    pub terraform: bool,
}
