//! Nested stacks across the templates of one run: where each nested stack's
//! template is (a relative path, or an S3/https URL whose file name is the name of
//! exactly one template of the run), and the order that converts every child before
//! the templates that call it. Cycles are broken deterministically, each broken link
//! reported; nothing here can loop forever.

use std::collections::{BTreeMap, BTreeSet};

use crate::frontend::cfn::ParseReturn;
use crate::mapping::nested::{is_nested, location_property};
use crate::model::expr::{Expr, ExprKind, SubPart};

/// Where one nested stack's template is.
#[derive(Clone, Debug, PartialEq)]
pub enum Link {
    /// Template `index` of the run; `by_name` holds the URL's file name when matched by name.
    Child {
        index: usize,
        by_name: Option<String>,
    },
    /// Not a template of the run: why, and what to do.
    Unresolved { why: String, todo: String },
}

/// One template of the run: its path relative to its PATH argument, and that argument.
pub struct RunTemplate<'a> {
    pub rel: &'a str,
    pub root: Option<&'a std::path::Path>,
}

/// The nested stacks of each template (logical id → link), in template order.
pub fn links(parsed: &[ParseReturn], templates: &[RunTemplate]) -> Vec<Vec<(String, Link)>> {
    parsed
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let Some(t) = &p.template else {
                return Vec::new();
            };
            t.resources
                .iter()
                .filter(|r| is_nested(&r.ty) && r.for_each.is_none())
                .map(|r| {
                    let link = match r.properties.get(location_property(&r.ty)) {
                        Some(e) => resolve(e, i, templates),
                        None => Link::Unresolved {
                            why: format!("it has no `{}`", location_property(&r.ty)),
                            todo: "Name the nested template, then convert it with the parent."
                                .into(),
                        },
                    };
                    (r.id.clone(), link)
                })
                .collect()
        })
        .collect()
}

/// Resolves a location of template `from`.
fn resolve(e: &Expr, from: usize, templates: &[RunTemplate]) -> Link {
    let todo_copy = "Put the nested template under the converted folder and point the location at it with a relative path (or convert the folder that holds both), then convert again.";
    match &e.kind {
        ExprKind::Str(s) if s.starts_with("{{resolve:") => Link::Unresolved {
            why: format!("its location `{s}` is read at deployment from a parameter store"),
            todo: todo_copy.into(),
        },
        ExprKind::Str(s) if s.contains("://") => by_file_name(s, &file_name_of(s), templates),
        ExprKind::Str(s) => relative(s, from, templates),
        ExprKind::Dynamic(d) => Link::Unresolved {
            why: format!(
                "its location is read at deployment from {} (`{}`)",
                d.service, d.reference
            ),
            todo: todo_copy.into(),
        },
        ExprKind::Object(m) if m.iter().any(|(k, _, _)| k == "ApplicationId") => {
            Link::Unresolved {
                why: "it deploys an application of the AWS Serverless Application Repository, whose template is not in the converted folder".into(),
                todo: "Download the application's template (`aws serverlessrepo create-cloud-formation-template`), put it under the converted folder, point `Location` at it with a relative path and convert again; or deploy an Azure equivalent.".into(),
            }
        }
        ExprKind::Sub(parts) => match sub_tail(parts) {
            Some(name) => by_file_name("the `Fn::Sub` URL", &name, templates),
            None => computed(todo_copy),
        },
        ExprKind::Join { sep, items } => match join_tail(sep, items) {
            Some(name) => by_file_name("the `Fn::Join` URL", &name, templates),
            None => computed(todo_copy),
        },
        ExprKind::Ref(p) => Link::Unresolved {
            why: format!("its location is the parameter `{p}`, known only at deployment"),
            todo: todo_copy.into(),
        },
        _ => computed(todo_copy),
    }
}

fn computed(todo: &str) -> Link {
    Link::Unresolved {
        why: "its location is computed at deployment and names no file".into(),
        todo: todo.into(),
    }
}

/// The last segment of a URL (`…/templates/vpc.yaml?versionId=1` → `vpc.yaml`).
fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// The literal file name at the end of an `Fn::Sub` string, if all literal after the last `/`.
fn sub_tail(parts: &[SubPart]) -> Option<String> {
    let SubPart::Lit(last) = parts.last()? else {
        return None;
    };
    let (_, name) = last.rsplit_once('/')?;
    (!name.is_empty()).then(|| file_name_of(name))
}

/// Likewise for `Fn::Join` with a literal separator.
fn join_tail(sep: &Expr, items: &Expr) -> Option<String> {
    let sep = sep.literal_text()?;
    let ExprKind::List(items) = &items.kind else {
        return None;
    };
    let mut tail = String::new();
    for it in items.iter().rev() {
        let lit = it.literal_text()?;
        tail = if tail.is_empty() {
            lit
        } else {
            format!("{lit}{sep}{tail}")
        };
        if let Some((_, name)) = tail.rsplit_once('/') {
            return (!name.is_empty()).then(|| file_name_of(name));
        }
        if !sep.is_empty() && sep.contains('/') {
            return (!tail.is_empty()).then(|| file_name_of(&tail));
        }
    }
    None
}

/// A URL matched by its file name against every template of the run.
fn by_file_name(url: &str, name: &str, templates: &[RunTemplate]) -> Link {
    let base = |rel: &str| rel.rsplit('/').next().unwrap_or(rel).to_string();
    let matches: Vec<usize> = (0..templates.len())
        .filter(|k| base(templates[*k].rel) == name)
        .collect();
    match matches.as_slice() {
        [k] => Link::Child {
            index: *k,
            by_name: Some(name.to_string()),
        },
        [] => Link::Unresolved {
            why: format!("{} names `{name}`, and no template of this run has that file name", quoted(url)),
            todo: "Put the template the URL points to (the file uploaded to S3) under the converted folder, with the same file name, and convert again.".into(),
        },
        many => Link::Unresolved {
            why: format!(
                "{} names `{name}`, and {} templates of this run have that file name ({})",
                quoted(url),
                many.len(),
                many.iter()
                    .take(5)
                    .map(|k| format!("`{}`", templates[*k].rel))
                    .chain((many.len() > 5).then(|| "…".to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            todo: "Point the location at the right template with a relative path and convert again.".into(),
        },
    }
}

fn quoted(url: &str) -> String {
    if url.starts_with("the ") {
        url.to_string()
    } else {
        format!("`{url}`")
    }
}

/// A relative path from template `from`'s folder.
fn relative(path: &str, from: usize, templates: &[RunTemplate]) -> Link {
    let me = &templates[from];
    let mut segs: Vec<&str> = me.rel.split('/').collect();
    segs.pop();
    for s in path.trim_start_matches("file://").split('/') {
        match s {
            "" | "." => {}
            ".." => {
                if segs.pop().is_none() {
                    return Link::Unresolved {
                        why: format!("`{path}` is outside the converted folder"),
                        todo: "Convert a folder that holds the parent and the nested template together.".into(),
                    };
                }
            }
            s => segs.push(s),
        }
    }
    let want = segs.join("/");
    let found =
        (0..templates.len()).find(|k| templates[*k].rel == want && templates[*k].root == me.root);
    match found {
        Some(k) => Link::Child {
            index: k,
            by_name: None,
        },
        None => Link::Unresolved {
            why: format!("`{path}` is not a CloudFormation template of this run (the file is missing, or not a template)"),
            todo: "Check the path; it is resolved from the parent template's folder. Convert the folder that holds both.".into(),
        },
    }
}

/// The order to convert templates in: every child before the templates that call it,
/// otherwise in template order. A link that closes a cycle becomes unresolved.
pub fn order(links: &mut [Vec<(String, Link)>], rels: &[&str]) -> Vec<usize> {
    let n = links.len();
    let children = |links: &[Vec<(String, Link)>], i: usize| -> BTreeSet<usize> {
        links[i]
            .iter()
            .filter_map(|(_, l)| match l {
                Link::Child { index, .. } => Some(*index),
                Link::Unresolved { .. } => None,
            })
            .collect()
    };
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let ready = (0..n).find(|&i| !done[i] && children(links, i).iter().all(|c| done[*c]));
        let i = match ready {
            Some(i) => i,
            None => {
                // Every template left waits on another: the first one's links to the
                // templates left close a cycle.
                let Some(i) = (0..n).find(|&i| !done[i]) else {
                    break;
                };
                let mut broken: BTreeMap<String, Link> = BTreeMap::new();
                for (id, l) in &links[i] {
                    if let Link::Child { index, .. } = l
                        && !done[*index]
                    {
                        broken.insert(
                            id.clone(),
                            Link::Unresolved {
                                why: format!(
                                    "`{}` nests `{}`, which nests `{}` back (directly or through other templates): a cycle that cannot deploy",
                                    rels[i], rels[*index], rels[i]
                                ),
                                todo: "Break the cycle: a template cannot contain itself.".into(),
                            },
                        );
                    }
                }
                for (id, l) in links[i].iter_mut() {
                    if let Some(b) = broken.remove(id) {
                        *l = b;
                    }
                }
                i
            }
        };
        done[i] = true;
        out.push(i);
    }
    out
}

/// The folder `to` seen from the folder `from` (both relative to OUT):
/// `template` → `vpc/template` is `../vpc/template`; `a` → `a/b` is `./b`.
pub fn relative_folder(from: &str, to: &str) -> String {
    let f: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let up = f.len() - common;
    let rest = t[common..].join("/");
    if up == 0 {
        format!("./{rest}")
    } else {
        format!("{}{rest}", "../".repeat(up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_folders() {
        assert_eq!(
            relative_folder("template", "vpc/template"),
            "../vpc/template"
        );
        assert_eq!(relative_folder("a", "a/b"), "./b");
        assert_eq!(relative_folder("a/x", "a/y"), "../y");
    }

    #[test]
    fn url_file_names() {
        assert_eq!(
            file_name_of("https://b.s3.amazonaws.com/p/vpc.yaml?versionId=3"),
            "vpc.yaml"
        );
        assert_eq!(file_name_of("s3://bucket/key/net.json"), "net.json");
    }

    #[test]
    fn cycles_are_broken() {
        let child = |index| Link::Child {
            index,
            by_name: None,
        };
        let mut links = vec![
            vec![("B".to_string(), child(1))],
            vec![("A".to_string(), child(0))],
            vec![("S".to_string(), child(2))],
        ];
        let o = order(&mut links, &["a.yaml", "b.yaml", "s.yaml"]);
        assert_eq!(o, vec![0, 1, 2]);
        assert!(matches!(links[0][0].1, Link::Unresolved { .. }));
        assert!(matches!(links[1][0].1, Link::Child { .. }));
        assert!(matches!(links[2][0].1, Link::Unresolved { .. }));
    }
}
