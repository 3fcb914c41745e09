//! Pictures of a converted stack: its AWS resource graph (the dependency graph the
//! deployment order comes from) and its Azure one (symbols and ARM types, an edge where
//! one resource's definition names another), the Azure resources grouped by the virtual
//! network and subnet they reference. Drawn as Mermaid in `MIGRATION.md` (capped, with
//! a note where cut) and, by `aws2azure graph`, as Mermaid, Graphviz DOT or JSON.

use std::collections::{BTreeMap, BTreeSet};

use crate::azure::AzModule;
use crate::model::graph::ResourceGraph;
use crate::model::template::Template;

const VNET: &str = "Microsoft.Network/virtualNetworks";
const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";

/// Most nodes (resources, networks and subnets) one diagram of the report draws.
pub const MAX_NODES: usize = 40;
/// Most edges one diagram of the report draws.
pub const MAX_EDGES: usize = 60;
/// Most resource names one deployment wave lists.
const WAVE_NAMES: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Resource,
    Network,
    Subnet,
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Logical id or Terraform address (AWS), symbol (Azure).
    pub id: String,
    /// AWS type, ARM type, or `module` for a module call.
    pub ty: String,
    pub kind: Kind,
    /// The network or subnet node it is drawn in.
    pub within: Option<usize>,
    /// Shown after the id: `existing`, `loop`, a module's source.
    pub note: Option<String>,
}

/// Nodes in declaration order; edges `(from, to)`: `from` names `to`. Sorted, no
/// duplicates, no self-edges.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize)>,
}

/// Both graphs of a stack (empty when it did not convert).
#[derive(Clone, Debug, Default)]
pub struct StackGraphs {
    pub aws: Graph,
    pub azure: Graph,
}

/// The AWS resource graph: every resource, an edge for each `Ref`, `GetAtt`, `Sub`
/// variable, `DependsOn` or Terraform reference (the graph the waves come from).
pub fn aws_graph(t: &Template, g: &ResourceGraph) -> Graph {
    let nodes = t
        .resources
        .iter()
        .map(|r| Node {
            id: t.report_name(&r.id),
            ty: r.ty.clone(),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    let mut edges = BTreeSet::new();
    for i in 0..nodes.len() {
        for d in g.dependencies(i) {
            if d != i && d < nodes.len() {
                edges.insert((i, d));
            }
        }
    }
    Graph {
        nodes,
        edges: edges.into_iter().collect(),
    }
}

/// The Azure graph of a converted module: its resources and module calls, an edge
/// where one's definition (name, properties, condition, loop, parent, `dependsOn`)
/// names another. Subnets are placed in their virtual network, and a resource in the
/// first subnet its properties name (a NIC's IP configuration, a private endpoint, a
/// delegation, VNet integration, a gateway's subnet…); a virtual machine in its
/// network interface's.
pub fn azure_graph(m: &AzModule) -> Graph {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &m.resources {
        if index.contains_key(r.symbol.as_str()) {
            continue;
        }
        let kind = match r.ty.as_str() {
            _ if r.updates.is_some() => Kind::Resource,
            VNET => Kind::Network,
            SUBNET => Kind::Subnet,
            _ => Kind::Resource,
        };
        let note = if r.updates.is_some() {
            Some("change to an existing resource".to_string())
        } else if r.existing {
            Some("existing".into())
        } else if r.for_each.is_some() {
            Some("loop".into())
        } else {
            None
        };
        index.insert(&r.symbol, nodes.len());
        nodes.push(Node {
            id: r.symbol.clone(),
            ty: r.ty.clone(),
            kind,
            within: None,
            note,
        });
    }
    for c in &m.calls {
        if index.contains_key(c.symbol.as_str()) {
            continue;
        }
        index.insert(&c.symbol, nodes.len());
        nodes.push(Node {
            id: c.symbol.clone(),
            ty: "module".into(),
            note: Some(c.source.clone()),
            ..Default::default()
        });
    }
    let mut edges = BTreeSet::new();
    let add = |from: usize, names: &[String], edges: &mut BTreeSet<(usize, usize)>| {
        for n in names {
            if let Some(&to) = index.get(n.as_str())
                && to != from
            {
                edges.insert((from, to));
            }
        }
    };
    for r in &m.resources {
        let Some(&i) = index.get(r.symbol.as_str()) else {
            continue;
        };
        if nodes[i].id != r.symbol {
            continue;
        }
        // Properties first: the first subnet they name is where the resource goes.
        let mut props = Vec::new();
        for (k, v) in &r.body {
            if nodes[i].kind == Kind::Network && k == "properties" {
                inline_subnets(m, r, v, &index, &mut props, &mut |sn, ids| {
                    add(sn, ids, &mut edges)
                });
            } else {
                v.idents(&mut props);
            }
        }
        if let Some(u) = &r.updates {
            u.idents(&mut props);
        }
        let mut other = Vec::new();
        r.name.idents(&mut other);
        r.location.iter().for_each(|e| e.idents(&mut other));
        r.tags.iter().for_each(|e| e.idents(&mut other));
        r.condition.iter().for_each(|e| e.idents(&mut other));
        if let Some((_, coll)) = &r.for_each {
            coll.idents(&mut other);
        }
        other.extend(r.parent.iter().cloned());
        other.extend(r.depends_on.iter().cloned());
        add(i, &props, &mut edges);
        add(i, &other, &mut edges);
        match nodes[i].kind {
            Kind::Subnet => {
                nodes[i].within = r
                    .parent
                    .as_deref()
                    .and_then(|p| index.get(p).copied())
                    .filter(|&p| nodes[p].kind == Kind::Network);
                // The handle Bicep declares for a subnet written inside its network.
                if nodes[i].within.is_some() && r.existing {
                    nodes[i].note = None;
                }
            }
            Kind::Resource => {
                nodes[i].within = props
                    .iter()
                    .filter_map(|n| index.get(n.as_str()).copied())
                    .find(|&s| s != i && nodes[s].kind == Kind::Subnet);
            }
            Kind::Network => {}
        }
    }
    // A virtual machine goes where its network interface is.
    for &(a, b) in &edges {
        if nodes[a].kind == Kind::Resource
            && nodes[a].within.is_none()
            && nodes[b].ty == "Microsoft.Network/networkInterfaces"
            && let Some(w) = nodes[b].within
        {
            nodes[a].within = Some(w);
        }
    }
    for c in &m.calls {
        let Some(&i) = index.get(c.symbol.as_str()) else {
            continue;
        };
        let mut names = Vec::new();
        c.params.iter().for_each(|(_, v)| v.idents(&mut names));
        c.condition.iter().for_each(|e| e.idents(&mut names));
        c.count.iter().for_each(|e| e.idents(&mut names));
        c.for_each.iter().for_each(|e| e.idents(&mut names));
        names.extend(c.depends_on.iter().cloned());
        add(i, &names, &mut edges);
    }
    Graph {
        nodes,
        edges: edges.into_iter().collect(),
    }
}

/// The names a network's `properties` mention, but those in a subnet written inline
/// that a subnet node of the graph stands for (same parent, same name): `subnet` gets
/// them (its NSG, route table, NAT gateway, delegation).
fn inline_subnets(
    m: &AzModule,
    net: &crate::azure::AzResource,
    props: &crate::azure::AzExpr,
    index: &BTreeMap<&str, usize>,
    out: &mut Vec<String>,
    subnet: &mut dyn FnMut(usize, &[String]),
) {
    use crate::azure::{AzExpr, AzKey};
    let AzExpr::Object(entries) = props else {
        props.idents(out);
        return;
    };
    for (k, v) in entries {
        let (AzKey::Name(key), AzExpr::Array(elements)) = (k, v) else {
            if let AzKey::Expr(e) = k {
                e.idents(out);
            }
            v.idents(out);
            continue;
        };
        if key != "subnets" {
            v.idents(out);
            continue;
        }
        for el in elements {
            let owner = el.get("name").and_then(|n| {
                m.resources
                    .iter()
                    .find(|s| {
                        s.ty == SUBNET && s.parent.as_deref() == Some(&net.symbol) && &s.name == n
                    })
                    .and_then(|s| index.get(s.symbol.as_str()).copied())
            });
            match owner {
                Some(sn) => {
                    let mut ids = Vec::new();
                    el.idents(&mut ids);
                    subnet(sn, &ids);
                }
                None => el.idents(out),
            }
        }
    }
}

/// Text for a Mermaid label between double quotes: no quote, no HTML, one line.
pub fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid node ids of a drawing: letters, digits and `_` only, with a prefix per
/// kind (so never a keyword such as `end`), unique.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
}

impl Ids {
    fn make(&mut self, prefix: &str, name: &str) -> String {
        let mut base = String::from(prefix);
        for c in name.chars() {
            base.push(if c.is_ascii_alphanumeric() { c } else { '_' });
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    }
}

/// A stack's graph to draw, and how much of it.
pub struct Drawing<'g> {
    /// The stack's name: a subgraph around it when set.
    pub stack: Option<&'g str>,
    pub graph: &'g Graph,
    /// `(nodes, edges)` at most; `None` draws everything.
    pub cap: Option<(usize, usize)>,
}

/// Which nodes a capped drawing keeps: networks, then subnets, then the resources in
/// them, then the rest; within each, top-level resources before child resources and
/// role assignments, then the most connected, then in order.
fn chosen(g: &Graph, max: usize) -> Vec<bool> {
    let n = g.nodes.len();
    if n <= max {
        return vec![true; n];
    }
    let mut degree = vec![0usize; n];
    for &(a, b) in &g.edges {
        degree[a] += 1;
        degree[b] += 1;
    }
    let class = |i: usize| match (g.nodes[i].kind, g.nodes[i].within) {
        (Kind::Network, _) => 0,
        (Kind::Subnet, _) => 1,
        (_, Some(_)) => 2,
        _ => 3,
    };
    // Services before their children (`…/blobServices/containers`) and before role
    // assignments: the architecture first, the detail after.
    let depth = |i: usize| {
        let ty = &g.nodes[i].ty;
        ty.matches('/').count()
            + if ty.starts_with("Microsoft.Authorization/") {
                2
            } else {
                0
            }
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (class(i), depth(i), std::cmp::Reverse(degree[i]), i));
    let mut keep = vec![false; n];
    for &i in order.iter().take(max) {
        keep[i] = true;
    }
    keep
}

/// Mermaid `flowchart` lines of the drawings (no code fence).
pub fn mermaid(drawings: &[Drawing], direction: &str) -> String {
    let mut out = format!("flowchart {direction}\n");
    let mut ids = Ids::default();
    let mut edge_lines = Vec::new();
    for (k, d) in drawings.iter().enumerate() {
        let g = d.graph;
        let (max_nodes, max_edges) = d.cap.unwrap_or((usize::MAX, usize::MAX));
        let keep = chosen(g, max_nodes);
        // A kept node's container, when that is kept too.
        let within = |i: usize| g.nodes[i].within.filter(|&c| keep[c]);
        let mut indent = "  ".to_string();
        if let Some(s) = d.stack {
            let sid = ids.make("stack_", &format!("{}_{s}", k + 1));
            out.push_str(&format!(
                "  subgraph {sid} [\"{}\"]\n    direction {direction}\n",
                mermaid_label(s)
            ));
            indent.push_str("  ");
        }
        let node_ids: Vec<String> = g
            .nodes
            .iter()
            .map(|n| {
                let prefix = match n.kind {
                    Kind::Network => "vnet_",
                    Kind::Subnet => "snet_",
                    Kind::Resource => "r_",
                };
                ids.make(prefix, &n.id)
            })
            .collect();
        let children = |c: usize| -> Vec<usize> {
            (0..g.nodes.len())
                .filter(|&i| keep[i] && within(i) == Some(c))
                .collect()
        };
        fn draw(
            i: usize,
            depth: usize,
            g: &Graph,
            node_ids: &[String],
            children: &dyn Fn(usize) -> Vec<usize>,
            indent: &str,
            out: &mut String,
        ) {
            let n = &g.nodes[i];
            let pad = format!("{indent}{}", "  ".repeat(depth));
            let inner = children(i);
            let name = match &n.note {
                Some(note) => format!("{} ({note})", n.id),
                None => n.id.clone(),
            };
            match n.kind {
                Kind::Network | Kind::Subnet => {
                    let what = if n.kind == Kind::Network {
                        "VNet"
                    } else {
                        "Subnet"
                    };
                    let label = mermaid_label(&format!("{what} {name}"));
                    if inner.is_empty() {
                        out.push_str(&format!("{pad}{}[[\"{label}\"]]\n", node_ids[i]));
                    } else {
                        out.push_str(&format!("{pad}subgraph {} [\"{label}\"]\n", node_ids[i]));
                        for c in inner {
                            draw(c, depth + 1, g, node_ids, children, indent, out);
                        }
                        out.push_str(&format!("{pad}end\n"));
                    }
                }
                Kind::Resource => out.push_str(&format!(
                    "{pad}{}[\"{}<br/>{}\"]\n",
                    node_ids[i],
                    mermaid_label(&name),
                    mermaid_label(&n.ty)
                )),
            }
        }
        for i in (0..g.nodes.len()).filter(|&i| keep[i] && within(i).is_none()) {
            draw(i, 0, g, &node_ids, &children, &indent, &mut out);
        }
        let (drawable, hidden_nodes, hidden_edges) = edges_drawn(g, &keep, max_edges);
        for &(a, b) in &drawable {
            edge_lines.push(format!("  {} --> {}\n", node_ids[a], node_ids[b]));
        }
        if let Some(note) = cut_note(hidden_nodes, hidden_edges) {
            let nid = ids.make("cut_", &(k + 1).to_string());
            out.push_str(&format!("{indent}{nid}>\"{}\"]\n", mermaid_label(&note)));
        }
        if d.stack.is_some() {
            out.push_str("  end\n");
        }
    }
    for l in edge_lines {
        out.push_str(&l);
    }
    out
}

/// The edges a drawing keeping `keep` draws (at most `max`), and how many nodes and
/// edges it leaves out. An edge between a node and what it is drawn in is not drawn:
/// the box says it.
fn edges_drawn(g: &Graph, keep: &[bool], max: usize) -> (Vec<(usize, usize)>, usize, usize) {
    let within = |i: usize| g.nodes[i].within.filter(|&c| keep[c]);
    let ancestor = |a: usize, b: usize| {
        let mut c = within(b);
        while let Some(x) = c {
            if x == a {
                return true;
            }
            c = within(x);
        }
        false
    };
    let mut drawable: Vec<(usize, usize)> = g
        .edges
        .iter()
        .copied()
        .filter(|&(a, b)| keep[a] && keep[b] && !ancestor(a, b) && !ancestor(b, a))
        .collect();
    let hidden_nodes = keep.iter().filter(|k| !**k).count();
    let hidden_edges = drawable.len().saturating_sub(max)
        + g.edges
            .iter()
            .filter(|&&(a, b)| !keep[a] || !keep[b])
            .count();
    drawable.truncate(max);
    (drawable, hidden_nodes, hidden_edges)
}

/// The note under a capped drawing of `g`, when it leaves something out.
pub fn cut(g: &Graph, (max_nodes, max_edges): (usize, usize)) -> Option<String> {
    let keep = chosen(g, max_nodes);
    let (_, n, e) = edges_drawn(g, &keep, max_edges);
    cut_note(n, e)
}

/// `… 23 more resources and 12 more references not drawn`, when something was cut.
pub fn cut_note(nodes: usize, edges: usize) -> Option<String> {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} more {one}")
        } else {
            format!("{n} more {many}")
        }
    };
    match (nodes, edges) {
        (0, 0) => None,
        (0, e) => Some(format!(
            "… {} not drawn",
            plural(e, "reference", "references")
        )),
        (n, 0) => Some(format!(
            "… {} not drawn",
            plural(n, "resource", "resources")
        )),
        (n, e) => Some(format!(
            "… {} and {} not drawn",
            plural(n, "resource", "resources"),
            plural(e, "reference", "references")
        )),
    }
}

/// The deployment waves as a left-to-right chain, each wave one box listing its
/// resources (the first few, then how many more).
pub fn mermaid_waves(waves: &[Vec<String>]) -> String {
    let mut out = String::from("flowchart LR\n");
    let shown = waves.len().min(MAX_NODES);
    for (i, w) in waves.iter().take(shown).enumerate() {
        let mut lines = vec![format!(
            "Wave {} · {} resource{}",
            i + 1,
            w.len(),
            if w.len() == 1 { "" } else { "s" }
        )];
        lines.extend(w.iter().take(WAVE_NAMES).map(|s| mermaid_label(s)));
        if w.len() > WAVE_NAMES {
            lines.push(format!("… {} more", w.len() - WAVE_NAMES));
        }
        out.push_str(&format!("  w{}[\"{}\"]\n", i + 1, lines.join("<br/>")));
    }
    for i in 1..shown {
        out.push_str(&format!("  w{i} --> w{}\n", i + 1));
    }
    if waves.len() > shown {
        let rest: usize = waves[shown..].iter().map(Vec::len).sum();
        out.push_str(&format!(
            "  cut_waves>\"… {} more waves ({rest} resources) not drawn\"]\n  w{shown} --> cut_waves\n",
            waves.len() - shown
        ));
    }
    out
}

/// One stack's diagrams for the report.
#[derive(serde::Serialize, Debug, Clone)]
pub struct StackDiagrams {
    pub source: String,
    pub architecture: String,
    /// The note under the architecture diagram when it was cut.
    pub cut: Option<String>,
    /// Empty when the stack deploys in one wave.
    pub waves: String,
}

/// The report's diagrams: per converted stack with more than one Azure resource, its
/// architecture, and its deployment waves when there are several.
pub fn report_diagrams(stacks: &[super::StackOut]) -> Vec<StackDiagrams> {
    stacks
        .iter()
        .filter(|s| s.output.is_some() && s.graphs.azure.nodes.len() > 1)
        .map(|s| {
            let g = &s.graphs.azure;
            let architecture = mermaid(
                &[Drawing {
                    stack: None,
                    graph: g,
                    cap: Some((MAX_NODES, MAX_EDGES)),
                }],
                "TB",
            );
            let cut = cut(g, (MAX_NODES, MAX_EDGES));
            StackDiagrams {
                source: s.source.clone(),
                architecture,
                cut,
                waves: if s.deployment.len() < 2 {
                    String::new()
                } else {
                    mermaid_waves(&s.deployment)
                },
            }
        })
        .collect()
}

/// `aws2azure graph` as Graphviz DOT: a cluster per stack when there are several,
/// networks and subnets as clusters, every id quoted.
pub fn dot(stacks: &[(&str, &Graph)]) -> String {
    let q = |s: &str| {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        )
    };
    let key = |stack: &str, id: &str| {
        if stacks.len() > 1 {
            format!("{stack}/{id}")
        } else {
            id.to_string()
        }
    };
    let mut out = String::from("digraph aws2azure {\n  rankdir=LR;\n  node [shape=box];\n");
    let mut cluster = 0;
    let mut edges = Vec::new();
    for (stack, g) in stacks {
        let mut indent = "  ".to_string();
        if stacks.len() > 1 {
            out.push_str(&format!(
                "  subgraph \"cluster_{cluster}\" {{\n    label={};\n",
                q(stack)
            ));
            cluster += 1;
            indent.push_str("  ");
        }
        #[allow(clippy::too_many_arguments)]
        fn draw(
            i: usize,
            depth: usize,
            g: &Graph,
            stack: &str,
            indent: &str,
            cluster: &mut usize,
            key: &dyn Fn(&str, &str) -> String,
            q: &dyn Fn(&str) -> String,
            out: &mut String,
        ) {
            let n = &g.nodes[i];
            let pad = format!("{indent}{}", "  ".repeat(depth));
            let name = match &n.note {
                Some(note) => format!("{} ({note})", n.id),
                None => n.id.clone(),
            };
            let inner: Vec<usize> = (0..g.nodes.len())
                .filter(|&c| g.nodes[c].within == Some(i))
                .collect();
            let node = q(&key(stack, &n.id));
            let label = q(&format!("{name}\n{}", n.ty));
            if inner.is_empty() {
                out.push_str(&format!("{pad}{node} [label={label}];\n"));
            } else {
                // A network or subnet is a cluster holding its own node (edges name it).
                out.push_str(&format!(
                    "{pad}subgraph \"cluster_{}\" {{\n{pad}  label={};\n{pad}  {node} [label={label}];\n",
                    *cluster,
                    q(&match n.kind {
                        Kind::Network => format!("VNet {name}"),
                        Kind::Subnet => format!("Subnet {name}"),
                        Kind::Resource => name.clone(),
                    })
                ));
                *cluster += 1;
                for c in inner {
                    draw(c, depth + 1, g, stack, indent, cluster, key, q, out);
                }
                out.push_str(&format!("{pad}}}\n"));
            }
        }
        for i in (0..g.nodes.len()).filter(|&i| g.nodes[i].within.is_none()) {
            draw(i, 0, g, stack, &indent, &mut cluster, &key, &q, &mut out);
        }
        if stacks.len() > 1 {
            out.push_str("  }\n");
        }
        for &(a, b) in &g.edges {
            edges.push(format!(
                "  {} -> {};\n",
                q(&key(stack, &g.nodes[a].id)),
                q(&key(stack, &g.nodes[b].id))
            ));
        }
    }
    for e in edges {
        out.push_str(&e);
    }
    out.push_str("}\n");
    out
}

#[derive(serde::Serialize)]
struct JsonNode<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    ty: &'a str,
    stack: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    within: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    stack: &'a str,
}

#[derive(serde::Serialize)]
struct JsonGraph<'a> {
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
}

/// `aws2azure graph` as JSON: `{nodes: [{id, type, stack}], edges: [{from, to, stack}]}`,
/// sorted by stack then id. Azure nodes in a network or subnet also name it (`within`).
pub fn json(stacks: &[(&str, &Graph)]) -> String {
    let mut out = JsonGraph {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    for (stack, g) in stacks {
        for n in &g.nodes {
            out.nodes.push(JsonNode {
                id: &n.id,
                ty: &n.ty,
                stack,
                within: n.within.map(|c| g.nodes[c].id.as_str()),
            });
        }
        for &(a, b) in &g.edges {
            out.edges.push(JsonEdge {
                from: &g.nodes[a].id,
                to: &g.nodes[b].id,
                stack,
            });
        }
    }
    out.nodes
        .sort_by(|a, b| (a.stack, a.id).cmp(&(b.stack, b.id)));
    out.edges
        .sort_by(|a, b| (a.stack, a.from, a.to).cmp(&(b.stack, b.from, b.to)));
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}

/// A structural check of a drawing this module makes: a `flowchart` header, every
/// `subgraph` closed by its `end`, ids of letters, digits and `_`, each label one
/// quoted string, edges between declared ids. The tests run it on every diagram.
pub fn check_mermaid(text: &str) -> Result<(), String> {
    let mut lines = text.lines();
    if !lines.next().is_some_and(|l| l.starts_with("flowchart ")) {
        return Err("no flowchart header".into());
    }
    let plain =
        |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut depth = 0usize;
    let mut declared = BTreeSet::new();
    for l in lines {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("subgraph ") {
            depth += 1;
            let (id, label) = rest.split_once(' ').unwrap_or((rest, ""));
            if !plain(id) || !label.starts_with("[\"") || !label.ends_with("\"]") {
                return Err(format!("bad subgraph line: {t}"));
            }
            if label.matches('"').count() != 2 || !declared.insert(id.to_string()) {
                return Err(format!("bad or repeated subgraph: {t}"));
            }
        } else if t == "end" {
            depth = depth
                .checked_sub(1)
                .ok_or_else(|| format!("`end` without subgraph: {t}"))?;
        } else if let Some((a, b)) = t.split_once(" --> ") {
            if !declared.contains(a) || !declared.contains(b) {
                return Err(format!("edge between undeclared ids: {t}"));
            }
        } else if t.starts_with("direction ") {
        } else {
            let id: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let rest = &t[id.len()..];
            let shape = [("[\"", "\"]"), ("[[\"", "\"]]"), (">\"", "\"]")]
                .iter()
                .any(|(o, c)| rest.starts_with(o) && rest.ends_with(c));
            if !plain(&id) || !shape || rest.matches('"').count() != 2 {
                return Err(format!("bad node line: {t}"));
            }
            if ["end", "subgraph", "graph", "flowchart"].contains(&id.as_str())
                || !declared.insert(id)
            {
                return Err(format!("reserved or repeated id: {t}"));
            }
        }
    }
    if depth != 0 {
        return Err(format!("{depth} subgraph(s) without `end`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, ty: &str, kind: Kind, within: Option<usize>) -> Node {
        Node {
            id: id.into(),
            ty: ty.into(),
            kind,
            within,
            note: None,
        }
    }

    fn sane(text: &str) {
        if let Err(e) = check_mermaid(text) {
            panic!("{e}\n{text}");
        }
    }

    #[test]
    fn labels_are_escaped_and_ids_sanitized() {
        let g = Graph {
            nodes: vec![
                node("end", "A\"<b>#", Kind::Resource, None),
                node("aws_instance.web[0]", "x", Kind::Resource, None),
                node("aws_instance.web_0_", "x", Kind::Resource, None),
            ],
            edges: vec![(0, 1), (1, 2)],
        };
        let m = mermaid(
            &[Drawing {
                stack: Some("main \"x\".yaml"),
                graph: &g,
                cap: None,
            }],
            "LR",
        );
        sane(&m);
        assert!(m.contains("r_end[\"end<br/>A#quot;#lt;b#gt;#35;\"]"), "{m}");
        assert!(m.contains("r_aws_instance_web_0_ -->"), "{m}");
        assert!(m.contains("r_aws_instance_web_0__2"), "{m}");
    }

    #[test]
    fn capped_with_a_note_and_containers_first() {
        let mut nodes = vec![
            node("net", VNET, Kind::Network, None),
            node("a", SUBNET, Kind::Subnet, Some(0)),
        ];
        for i in 0..60 {
            nodes.push(node(&format!("r{i}"), "T", Kind::Resource, None));
        }
        nodes.push(node("nic", "N", Kind::Resource, Some(1)));
        let edges = (2..62).map(|i| (i, 62)).collect();
        let g = Graph { nodes, edges };
        let m = mermaid(
            &[Drawing {
                stack: None,
                graph: &g,
                cap: Some((MAX_NODES, MAX_EDGES)),
            }],
            "TB",
        );
        sane(&m);
        assert!(m.contains("subgraph vnet_net"));
        assert!(m.contains("subgraph snet_a"));
        assert!(m.contains("r_nic[\"nic<br/>N\"]"));
        assert_eq!(m.matches("<br/>T\"]").count(), 37, "{m}");
        assert!(
            m.contains("cut_1>\"… 23 more resources and 23 more references not drawn\"]"),
            "{m}"
        );
    }

    #[test]
    fn waves_chain() {
        let w = vec![
            (0..10).map(|i| format!("R{i}")).collect::<Vec<_>>(),
            vec!["Fn `x`".to_string()],
        ];
        let m = mermaid_waves(&w);
        sane(&m);
        assert!(m.contains("Wave 1 · 10 resources<br/>R0"), "{m}");
        assert!(m.contains("… 2 more\"]"), "{m}");
        assert!(m.contains("Fn #96;x#96;"), "{m}");
        assert!(m.contains("w1 --> w2"), "{m}");
    }
}
