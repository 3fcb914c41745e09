//! Data that templates put into resources: S3 objects (`AWS::S3::Object` of the
//! S3Objects macro, `aws_s3_object`), DynamoDB table items and EC2 tags on resources.
//! An Azure deployment declares no blob contents or Cosmos DB items (they are data
//! plane), so objects and items are written beside the output with the command that
//! loads them; a tag on a resource of the template joins that resource's Azure tags.

use super::context::Ctx;
use super::stepfunctions::{json_text, label};
use crate::azure::{AzExpr, AzKey};
use crate::model::expr::{Expr, ExprKind};

const PASS: &str = "data-plane";

/// The symbol of the first Azure resource of type `ty` that resource `j` became.
fn generated(cx: &Ctx, j: usize, ty: &str) -> Option<String> {
    let entry = cx.prepared[j].entry.as_ref()?;
    entry
        .resources
        .iter()
        .map(|spec| cx.resolve_symbol(j, &spec.symbol))
        .find(|sym| {
            cx.module
                .resources
                .iter()
                .any(|r| &r.symbol == sym && r.ty == ty && !r.existing)
        })
}

/// A file name for `key` under `dir`, unique among the side files.
fn side_path(cx: &Ctx, dir: &str, key: &str) -> String {
    let clean: String = key
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect::<Vec<_>>()
        .join("/");
    let clean = if clean.is_empty() {
        "object".to_string()
    } else {
        clean
    };
    let mut path = format!("{dir}/{clean}");
    let mut n = 2;
    while cx.side_files.contains_key(&path) {
        path = format!("{dir}/{clean}~{n}");
        n += 1;
    }
    path
}

/// Sets the report's status of resource `i`. A Terraform type with no entry (its
/// hint joins the pass) was reported manual with a `manual` decision: that decision
/// is withdrawn when the pass translates it.
fn set_status(cx: &mut Ctx, i: usize, status: &str) {
    let r = &cx.t.resources[i];
    let id = r.id.clone();
    if status != "manual" && cx.prepared[i].entry.is_none() {
        let manual = format!("manual:{}#{}", cx.path_of(r.span), cx.t.report_name(&r.id));
        cx.decisions.retain(|d| d.id != manual);
        if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
            rep.decisions.retain(|d| *d != manual);
        }
    }
    if let Some(rep) = cx.reports.iter_mut().find(|x| x.id == id) {
        rep.status = status.into();
    }
}

/// Arguments of a Terraform object the pass does not carry over (a CloudFormation
/// object's are listed by its entry's `ignored`), as a sentence, or empty.
fn not_carried(r: &crate::model::template::Resource) -> String {
    const READ: &[&str] = &[
        "bucket",
        "key",
        "content",
        "content_base64",
        "source",
        "content_type",
        "etag",
        "source_hash",
        "region",
        "force_destroy",
    ];
    let ExprKind::Object(m) = &r.properties.kind else {
        return String::new();
    };
    let rest: Vec<String> = m
        .iter()
        .map(|(k, _, _)| k.as_str())
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !READ.contains(k))
        .map(|k| format!("`{k}`"))
        .collect();
    if rest.is_empty() {
        String::new()
    } else {
        format!(
            " Not carried over: {} (set them on the upload: `--tier`, `--content-cache-control`, `--metadata`, `--tags` …; blobs have no ACLs, and Blob Storage encrypts every blob at rest).",
            rest.join(", ")
        )
    }
}

/// `jsonencode(x)` → `x`; anything else as it is.
fn unjson(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Call(f, args) if f == "jsonencode" && args.len() == 1 => &args[0],
        _ => e,
    }
}

/// The first of `paths` the resource sets: CloudFormation's names, then Terraform's
/// (types with no CloudFormation counterpart keep their arguments).
fn prop<'e>(r: &'e crate::model::template::Resource, paths: &[&str]) -> Option<&'e Expr> {
    paths.iter().find_map(|p| r.properties.path(p))
}

pub fn finish(cx: &mut Ctx) {
    for i in 0..cx.t.resources.len() {
        if cx.plays(i, PASS, "object") {
            object(cx, i);
        } else if cx.plays(i, PASS, "item") {
            item(cx, i);
        } else if cx.plays(i, PASS, "tag") {
            tag(cx, i);
        }
    }
}

/// An S3 object → its content beside the output and the upload command, when the
/// bucket became a storage account here and the content is known.
fn object(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();
    let p = &r.properties;
    let name = cx.t.report_name(&r.id);
    let bucket = prop(&r, &["Target.Bucket", "bucket"]);
    let key = prop(&r, &["Target.Key", "key"])
        .map(|k| label(cx, k))
        .unwrap_or_else(|| "<key>".into());
    let content_type =
        prop(&r, &["Target.ContentType", "content_type"]).and_then(Expr::literal_text);
    let j = bucket.and_then(|b| cx.referenced_resource(b));
    let account = j.and_then(|j| generated(cx, j, "Microsoft.Storage/storageAccounts"));
    let container = j.and_then(|j| {
        generated(
            cx,
            j,
            "Microsoft.Storage/storageAccounts/blobServices/containers",
        )
    });
    let (Some(account), Some(container_sym)) = (account, container) else {
        cx.decide_later(
            i,
            "s3-object-elsewhere",
            &format!("{name}: the object's bucket is not converted in this template"),
            &format!(
                "The template puts the object `{key}` into a bucket {}.",
                bucket
                    .map(|b| format!("`{}`", label(cx, b)))
                    .unwrap_or_else(|| "it does not name".into())
            ),
            "Nothing is generated.",
            "Upload the object into the container that replaces the bucket, where that storage account is declared (`az storage blob upload --auth-mode login`).",
            Some("manual"),
        );
        return;
    };
    // The content: inline text, base64 text, a local file (Terraform `source`).
    let text_content = prop(&r, &["Body", "content"]);
    let (file, how) = if let Some(b) = text_content.filter(|b| b.literal_text().is_some()) {
        let path = side_path(cx, "blobs", &key);
        let text = b.literal_text().unwrap_or_default();
        cx.side_files.insert(path.clone(), text);
        (
            Some(path.clone()),
            format!("its text is written to `{path}` beside the output"),
        )
    } else if let Some(b) = text_content
        .map(unjson)
        .filter(|b| matches!(b.kind, ExprKind::Object(_) | ExprKind::List(_)))
    {
        // `jsonencode({...})`: the JSON text.
        let path = side_path(cx, "blobs", &key);
        let json = json_text(cx, b, 0);
        cx.side_files
            .insert(path.clone(), format!("{}\n", json.trim_end()));
        (
            Some(path.clone()),
            format!("its JSON text is written to `{path}` beside the output"),
        )
    } else if let Some(b) = prop(&r, &["Base64Body", "content_base64"]).and_then(Expr::literal_text)
    {
        let path = side_path(cx, "blobs", &format!("{key}.base64"));
        cx.side_files.insert(path.clone(), format!("{b}\n"));
        (
            Some(path.clone()),
            format!(
                "its content, base64-encoded, is written to `{path}` beside the output (decode it before the upload: `base64 -d`)"
            ),
        )
    } else if let Some(f) = prop(&r, &["source"]) {
        let shown = label(cx, f);
        (
            Some(shown.clone()),
            format!("its content is the local file `{shown}` of the Terraform module"),
        )
    } else {
        (None, String::new())
    };
    let Some(file) = file else {
        let what = if p.get("URL").is_some() {
            "is downloaded from a URL"
        } else if p.get("Source").is_some() {
            "is copied from another S3 object"
        } else {
            "is computed at deployment"
        };
        cx.decide_later(
            i,
            "s3-object-content",
            &format!("{name}: the object's content {what}"),
            &format!("The template puts the object `{key}` into a bucket; its content {what}."),
            &format!("Nothing is generated: the container of `{account}` is created empty."),
            &format!(
                "Copy the content into the container after the deployment: `az storage blob copy start --auth-mode login --account-name <name of {account}> --destination-container data --destination-blob {key} --source-uri <URL>` (or `azcopy copy`)."
            ),
            Some("manual"),
        );
        return;
    };
    let blob_sym = blob(cx, &r, &container_sym, &key, content_type.as_deref());
    let ct = content_type
        .map(|c| format!(" --content-type {c}"))
        .unwrap_or_default();
    let upload = format!(
        "`az storage blob upload --auth-mode login --account-name <name of {account}> --container-name data --name {key} --file {file}{ct}` (a pipeline step after the deployment, or a `Microsoft.Resources/deploymentScripts` resource running that command with an identity that has Storage Blob Data Contributor on the account)"
    );
    let (title, decision) = match &blob_sym {
        Some((sym, what)) => (
            format!(
                "{name}: the object `{key}` becomes a blob (Terraform) or an upload step (Bicep)"
            ),
            format!(
                "Terraform output: `{sym}` (`azurerm_storage_blob`) uploads it into the bucket's container (`data` of `{account}`) with {what}. Bicep output: ARM declares no blob contents, so the container is generated empty and the object is uploaded after the deployment with {upload}."
            ),
        ),
        None => (
            format!("{name}: the object `{key}` is uploaded after the deployment"),
            format!(
                "The bucket's container (`data` of the storage account `{account}`) is generated; the object is not. Upload it with {upload}."
            ),
        ),
    };
    cx.decide_later(
        i,
        "s3-object-upload",
        &title,
        &format!(
            "The template puts the object `{key}` into a bucket; {how}. Neither Bicep nor ARM declares blob contents."
        ),
        &decision,
        &format!("The upload goes through the storage account's data plane with Microsoft Entra ID (shared-key access is off on the account): the identity that runs it (Terraform's, with `storage_use_azuread = true` in the provider block, or the pipeline's) needs Storage Blob Data Contributor on the account.{}", not_carried(&r)),
        Some("partial"),
    );
    set_status(cx, i, "partial");
}

/// A DynamoDB table item → its JSON beside the output and the command that loads it.
fn item(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();

    let name = cx.t.report_name(&r.id);
    let j = prop(&r, &["TableName", "table_name"]).and_then(|t| cx.referenced_resource(t));
    let container = j.and_then(|j| {
        generated(
            cx,
            j,
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        )
    });
    let Some(item) = prop(&r, &["Item", "item"]).map(unjson) else {
        return;
    };
    let base = cx.t.report_name(&r.id).replace('.', "-");
    let path = side_path(cx, "items", &format!("{}.json", crate::names::kebab(&base)));
    let json = json_text(cx, item, 0);
    cx.side_files
        .insert(path.clone(), format!("{}\n", json.trim_end()));
    let (decision, floor) = match &container {
        Some(c) => (
            format!(
                "The item is written to `{path}` beside the output (DynamoDB's attribute-value form, as written); the container `{c}` that replaces the table is generated empty. Load the item after the deployment with the Cosmos DB SDK, the Data Explorer, or a `Microsoft.Resources/deploymentScripts` step with an identity that has the Cosmos DB Built-in Data Contributor role."
            ),
            "partial",
        ),
        None => (
            format!(
                "The item is written to `{path}` beside the output; the table is not converted in this template, so load the item into the container that replaces it where that is declared."
            ),
            "manual",
        ),
    };
    cx.decide_later(
        i,
        "dynamodb-table-item",
        &format!("{name}: the table item is data, loaded after the deployment"),
        "The template writes an item into a DynamoDB table. Cosmos DB items are data-plane: neither Bicep nor ARM declares them.",
        &decision,
        "Convert the DynamoDB attribute values (`{\"S\": …}`, `{\"N\": …}`) to plain JSON and give the item an `id` and the container's partition key before loading it.",
        Some(floor),
    );
    set_status(cx, i, floor);
}

/// A tag on another resource → one more tag on the Azure resource it became.
fn tag(cx: &mut Ctx, i: usize) {
    let r = cx.t.resources[i].clone();

    let name = cx.t.report_name(&r.id);
    let key = prop(&r, &["Key", "key"]).and_then(Expr::literal_text);
    let value = prop(&r, &["Value", "value"]).cloned();
    let j = prop(&r, &["ResourceId", "resource_id"]).and_then(|x| cx.referenced_resource(x));
    let target = j.and_then(|j| {
        let entry = cx.prepared[j].entry.as_ref()?;
        let sym = cx.resolve_symbol(j, &entry.resources.first()?.symbol);
        cx.module
            .resources
            .iter()
            .any(|m| m.symbol == sym && !m.existing)
            .then_some(sym)
    });
    let plain = r.for_each.is_none() && r.condition.is_none();
    if let (Some(sym), Some(key), Some(value), true) = (target.clone(), key.clone(), value, plain) {
        let v = cx.tr(&value);
        if let Some(res) = cx
            .module
            .resources
            .iter_mut()
            .find(|m| m.symbol == sym && !m.existing)
        {
            match &mut res.tags {
                Some(AzExpr::Object(entries)) => {
                    entries.retain(|(k, _)| !matches!(k, AzKey::Name(n) if *n == key));
                    entries.push((AzKey::Name(key.clone()), v));
                }
                Some(other) => {
                    let merged = AzExpr::Call(
                        "union".into(),
                        vec![other.clone(), AzExpr::obj(vec![(key.as_str(), v)])],
                    );
                    res.tags = Some(merged);
                }
                None => res.tags = Some(AzExpr::obj(vec![(key.as_str(), v)])),
            }
            set_status(cx, i, "not-needed");
            cx.decide_later(
                i,
                "ec2-tag-merged",
                &format!("{name}: the tag `{key}` is set on `{sym}`"),
                "The template tags a resource it declares with a separate tag resource.",
                &format!(
                    "The tag is one more entry in the tags of `{sym}`; no resource of its own."
                ),
                "None.",
                None,
            );
            return;
        }
    }
    let why = if target.is_none() {
        "the tagged resource is not converted in this template (or is created by AWS, such as an EKS cluster's security group)"
    } else if key.is_none() {
        "the tag's key is known only at deployment"
    } else {
        "the tag is repeated or conditional"
    };
    cx.decide_later(
        i,
        "ec2-tag-elsewhere",
        &format!("{name}: the tag is not carried over"),
        &format!("The template tags a resource with a separate tag resource; {why}."),
        "Nothing is generated.",
        "Add the tag to the tags of the Azure resource that replaces the tagged one, or assign an Azure Policy that appends it (`Append a tag and its value to resources`).",
        Some("manual"),
    );
    set_status(cx, i, "manual");
}

/// The type Terraform output writes an object as (`azurerm_storage_blob`). ARM has no
/// such resource: the Bicep back end drops it.
pub const BLOB: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";

/// The object as a blob in the bucket's container, when its content is literal text,
/// `jsonencode(...)` or a local file: (its symbol, what it uploads). The Terraform back
/// end writes it as an `azurerm_storage_blob`; the Bicep back end drops it (ARM has no
/// blob resource), the decision naming the upload command instead.
fn blob(
    cx: &mut Ctx,
    r: &crate::model::template::Resource,
    container: &str,
    key: &str,
    content_type: Option<&str>,
) -> Option<(String, &'static str)> {
    let (member, value, what) = if let Some(t) =
        prop(r, &["Body", "content"]).and_then(Expr::literal_text)
    {
        ("content", AzExpr::str(t), "its text as `source_content`")
    } else if let Some(c) = prop(r, &["content"])
        .filter(|c| matches!(&c.kind, ExprKind::Call(f, _) if f == "jsonencode"))
        .cloned()
    {
        ("content", cx.tr(&c), "its JSON text as `source_content`")
    } else if let Some(f) = prop(r, &["source"]).cloned() {
        // `${path.module}/x`: the file beside the Terraform files written.
        let shown = label(cx, &f);
        let value = match shown.strip_prefix("./") {
            Some(rest) if !shown.contains('<') => AzExpr::Interp(vec![
                crate::azure::Interp::Expr(AzExpr::Raw("path.module".into())),
                crate::azure::Interp::Lit(format!("/{rest}")),
            ]),
            _ => cx.tr(&f),
        };
        (
            "source",
            value,
            "the local file as `source` (keep the file at that path beside the Terraform files)",
        )
    } else {
        return None;
    };
    let key_expr = match prop(r, &["Target.Key", "key"]).cloned() {
        Some(k) => cx.tr(&k),
        None => AzExpr::str(key),
    };
    let mut props = vec![(member, value)];
    if let Some(ct) = content_type {
        props.push(("contentType", AzExpr::str(ct)));
    }
    let symbol = cx
        .syms
        .alloc(&format!("{}Blob", crate::names::lower_camel(&r.id)));
    cx.module.resources.push(crate::azure::AzResource {
        symbol: symbol.clone(),
        ty: BLOB.into(),
        api: "2026-04-01".into(),
        parent: Some(container.to_string()),
        name: key_expr,
        body: vec![("properties".into(), AzExpr::obj(props))],
        comments: vec![format!(
            "Was {} (AWS::S3::Object).",
            cx.t.report_name(&r.id)
        )],
        source: r.id.clone(),
        ..Default::default()
    });
    Some((symbol, what))
}
