//! The resource graph (petgraph): an edge for every `Ref`, `GetAtt`, `Sub`
//! variable and `DependsOn`. It checks references, finds cycles and gives the
//! deployment and decommission orders.

use crate::tables::Lookups;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::expr::{Expr, ExprKind};
use super::template::Template;
use crate::diag::{Diagnostic, codes};
use crate::source::Span;

pub const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// Edge `a → b`: resource `a` depends on resource `b`, first seen at `span`.
pub struct ResourceGraph {
    pub graph: DiGraph<usize, Span>,
}

impl ResourceGraph {
    fn node(&self, i: usize) -> NodeIndex {
        NodeIndex::new(i)
    }

    /// Indices of the resources `i` depends on.
    pub fn dependencies(&self, i: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .neighbors(self.node(i))
            .map(|n| n.index())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Decommission waves: first the resources nothing depends on, then the ones
    /// only those depended on, and so on. Indices in template order within a wave.
    pub fn decommission_waves(&self) -> Vec<Vec<usize>> {
        let n = self.graph.node_count();
        let mut wave = vec![0usize; n];
        // Longest path from a root (a resource nothing depends on); cycles were reported and are cut.
        let order = self.topo_dependents_first();
        for &i in &order {
            let w = self
                .graph
                .neighbors_directed(self.node(i), petgraph::Direction::Incoming)
                .map(|p| wave[p.index()] + 1)
                .max()
                .unwrap_or(0);
            wave[i] = w;
        }
        let max = wave.iter().copied().max().map_or(0, |m| m + 1);
        let mut out = vec![Vec::new(); max];
        for (i, w) in wave.into_iter().enumerate() {
            out[w].push(i);
        }
        out
    }

    /// Deployment waves: first the resources that depend on nothing, then those
    /// that depend only on earlier waves.
    pub fn deployment_waves(&self) -> Vec<Vec<usize>> {
        let n = self.graph.node_count();
        let mut wave = vec![0usize; n];
        let mut order = self.topo_dependents_first();
        order.reverse();
        for &i in &order {
            wave[i] = self
                .dependencies(i)
                .iter()
                .filter(|&&d| d != i)
                .map(|&d| wave[d] + 1)
                .max()
                .unwrap_or(0);
        }
        let max = wave.iter().copied().max().map_or(0, |m| m + 1);
        let mut out = vec![Vec::new(); max];
        for (i, w) in wave.into_iter().enumerate() {
            out[w].push(i);
        }
        out
    }

    /// Nodes ordered so that every dependent comes before what it depends on.
    fn topo_dependents_first(&self) -> Vec<usize> {
        let n = self.graph.node_count();
        let mut indeg: Vec<usize> = (0..n)
            .map(|i| {
                self.graph
                    .neighbors_directed(self.node(i), petgraph::Direction::Incoming)
                    .count()
            })
            .collect();
        let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut out = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        while let Some(i) = ready.first().copied() {
            ready.remove(0);
            seen[i] = true;
            out.push(i);
            for d in self.dependencies(i) {
                indeg[d] = indeg[d].saturating_sub(1);
                if indeg[d] == 0 && !seen[d] {
                    ready.push(d);
                    ready.sort();
                }
            }
        }
        // Members of cycles: append in template order.
        out.extend((0..n).filter(|&i| !seen[i]));
        out
    }
}

/// Names a resource's expressions refer to: `(name, is_getatt, span)`.
pub fn references(e: &Expr, out: &mut Vec<(String, bool, Span)>) {
    e.walk(&mut |x| match &x.kind {
        ExprKind::Ref(n) => out.push((n.clone(), false, x.span)),
        ExprKind::GetAtt { resource, .. } => out.push((resource.clone(), true, x.span)),
        _ => {}
    });
}

/// Builds the graph and reports undefined names and cycles. References inside the
/// properties a transform expands into resources of their own (the lookup table
/// `sam-expanded-properties`) are not edges.
pub fn build(t: &Template, tables: &Lookups, diags: &mut Vec<Diagnostic>) -> ResourceGraph {
    let mut graph = DiGraph::new();
    for i in 0..t.resources.len() {
        graph.add_node(i);
    }
    let index_of = |name: &str| t.resources.iter().position(|r| r.id == t.resolve(name));
    for (i, r) in t.resources.iter().enumerate() {
        let mut refs = Vec::new();
        references(&r.properties, &mut refs);
        // SAM moves a function's events into resources of their own (permissions,
        // rules), so references inside `Events` do not make the function depend on them.
        let expanded = tables
            .lookup("sam-expanded-properties", &r.ty)
            .and_then(|e| e.get("properties"))
            .and_then(|p| p.as_sequence())
            .map(|p| p.iter().filter_map(|k| k.as_str()).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut event_refs: Vec<(String, bool, Span)> = Vec::new();
        for key in expanded {
            if let Some(ev) = r.properties.get(key) {
                references(ev, &mut event_refs);
            }
        }
        let loop_ident = r.for_each.as_ref().map(|f| f.ident.as_str());
        for (name, getatt, span) in refs {
            if Some(name.as_str()) == loop_ident {
                continue;
            }
            match index_of(&name) {
                Some(j) if j == i && t.resolve(&name) != name => {}
                Some(_) if event_refs.iter().any(|(_, _, s)| *s == span) => {}
                Some(j) => {
                    if graph
                        .find_edge(NodeIndex::new(i), NodeIndex::new(j))
                        .is_none()
                    {
                        graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), span);
                    }
                }
                None => check_name(t, &name, getatt, span, diags),
            }
        }
        for (d, span) in &r.depends_on {
            match index_of(d) {
                Some(j) if j == i => {}
                Some(j) => {
                    if graph
                        .find_edge(NodeIndex::new(i), NodeIndex::new(j))
                        .is_none()
                    {
                        graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), *span);
                    }
                }
                None => diags.push(undefined(
                    *span,
                    d,
                    "DependsOn names no resource of this template",
                )),
            }
        }
        check_conditions(t, &r.properties, diags);
        if let Some((c, span)) = &r.condition
            && !t.conditions.iter().any(|x| &x.name == c)
        {
            diags.push(undefined(
                *span,
                c,
                "no condition of this name in `Conditions`",
            ));
        }
    }
    for o in &t.outputs {
        let mut refs = Vec::new();
        references(&o.value, &mut refs);
        if let Some(e) = &o.export {
            references(e, &mut refs);
        }
        for (name, getatt, span) in refs {
            if index_of(&name).is_none() {
                check_name(t, &name, getatt, span, diags);
            }
        }
        check_conditions(t, &o.value, diags);
    }
    for c in &t.conditions {
        let mut refs = Vec::new();
        references(&c.value, &mut refs);
        for (name, getatt, span) in refs {
            if index_of(&name).is_none() {
                check_name(t, &name, getatt, span, diags);
            }
        }
        check_conditions(t, &c.value, diags);
    }
    let g = ResourceGraph { graph };
    report_cycles(t, &g, diags);
    g
}

fn undefined(span: Span, name: &str, label: &str) -> Diagnostic {
    Diagnostic::new(
        codes::CFN_UNDEFINED,
        span,
        format!("`{name}` is not defined in this template"),
        label,
    )
    .help("declare it under Parameters or Resources, or correct the spelling")
}

fn check_name(t: &Template, name: &str, getatt: bool, span: Span, diags: &mut Vec<Diagnostic>) {
    if getatt {
        diags.push(undefined(
            span,
            name,
            "Fn::GetAtt names no resource of this template",
        ));
        return;
    }
    let known = PSEUDO.contains(&name)
        || t.parameter(name).is_some()
        || t.resources
            .iter()
            .any(|r| r.for_each.as_ref().is_some_and(|f| f.ident == name));
    if !known {
        diags.push(undefined(
            span,
            name,
            "no parameter or resource of this name",
        ));
    }
}

fn check_conditions(t: &Template, e: &Expr, diags: &mut Vec<Diagnostic>) {
    e.walk(&mut |x| {
        let (name, what) = match &x.kind {
            ExprKind::If { cond, .. } => (cond, "Fn::If"),
            ExprKind::Condition(c) => (c, "Condition"),
            ExprKind::FindInMap { map, .. } => {
                if !t.mappings.iter().any(|m| &m.name == map) {
                    diags.push(undefined(
                        x.span,
                        map,
                        "Fn::FindInMap names no entry of `Mappings`",
                    ));
                }
                return;
            }
            _ => return,
        };
        if !t.conditions.iter().any(|c| &c.name == name) {
            diags.push(undefined(
                x.span,
                name,
                &format!("{what} names no entry of `Conditions`"),
            ));
        }
    });
}

fn report_cycles(t: &Template, g: &ResourceGraph, diags: &mut Vec<Diagnostic>) {
    let mut sccs = tarjan_scc(&g.graph);
    sccs.iter_mut().for_each(|c| c.sort());
    sccs.sort();
    for scc in sccs {
        let cyclic = scc.len() > 1 || g.graph.find_edge(scc[0], scc[0]).is_some();
        if !cyclic {
            continue;
        }
        let names: Vec<&str> = scc
            .iter()
            .map(|n| t.resources[n.index()].id.as_str())
            .collect();
        let first = scc[0];
        let mut d = Diagnostic::new(
            codes::CFN_CYCLE,
            t.resources[first.index()].span,
            format!("circular dependency between {}", names.join(", ")),
            "this resource is part of the cycle",
        )
        .help("break the cycle: move one reference into a separate resource (e.g. a SecurityGroupIngress) or drop a DependsOn");
        for n in &scc {
            for e in g.graph.edges(*n) {
                use petgraph::visit::EdgeRef;
                if scc.contains(&e.target()) {
                    let label = format!(
                        "{} refers to {}",
                        t.resources[n.index()].id,
                        t.resources[e.target().index()].id
                    );
                    d = d.related(*e.weight(), label);
                }
            }
        }
        diags.push(d);
    }
}
