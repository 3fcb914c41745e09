//! Names: Bicep symbols, Azure resource names and the case conversions every stage shares.

use std::collections::BTreeSet;

/// Bicep keywords: no symbol takes one.
const KEYWORDS: &[&str] = &[
    "targetScope",
    "param",
    "var",
    "resource",
    "module",
    "output",
    "existing",
    "if",
    "for",
    "in",
    "true",
    "false",
    "null",
    "import",
    "metadata",
    "type",
    "func",
    "with",
    "as",
    "using",
    "extends",
    "extension",
    "sys",
    "az",
];

/// Symbols every generated Bicep file may declare itself.
const OWN: &[&str] = &["location", "nameSuffix"];

/// Bicep functions (namespace `az`) output may call.
pub const AZ_FUNCTIONS: &[&str] = &[
    "resourceGroup",
    "subscription",
    "deployment",
    "tenant",
    "environment",
    "pickZones",
    "subscriptionResourceId",
    "resourceId",
];

/// Bicep functions (namespace `sys`) output may call.
pub const SYS_FUNCTIONS: &[&str] = &[
    "uniqueString",
    "base64",
    "join",
    "split",
    "cidrSubnet",
    "string",
    "length",
    "range",
    "take",
    "toLower",
    "replace",
    "guid",
    "json",
    "contains",
    "union",
    "int",
    "bool",
    "array",
    "object",
    "concat",
    "format",
    "empty",
    "first",
    "last",
    "filter",
    "map",
    "items",
    "min",
    "max",
    "toUpper",
    "trim",
    "substring",
    "indexOf",
    "startsWith",
    "endsWith",
    "keys",
    "values",
    "flatten",
    "sort",
    "reduce",
    "toObject",
    "coalesce",
    "skip",
    "intersection",
    "distinct",
    "lastIndexOf",
    "padLeft",
    "dateTimeAdd",
    "utcNow",
    "any",
    "parseCidr",
    "loadTextContent",
    "loadFileAsBase64",
    "base64ToString",
    "dataUri",
    "uri",
    "sha256",
    "objectKeys",
    "shallowMerge",
    "tryGet",
    "description",
    "secure",
    "allowed",
    "minLength",
    "maxLength",
    "minValue",
    "maxValue",
];

/// Words an internal Bicep symbol (resource, variable) must not take: keywords, the
/// generated file's own symbols and the functions output uses. A parameter may take
/// a function's name (output then calls the function as `sys.x` or `az.x`).
fn reserved(name: &str) -> bool {
    KEYWORDS.contains(&name)
        || OWN.contains(&name)
        || name == "tags"
        || AZ_FUNCTIONS.contains(&name)
        || SYS_FUNCTIONS.contains(&name)
}

/// A Bicep keyword (`type`, `metadata`): a parameter named so takes the suffix `2`.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Words a parameter must not take: keywords and the generated file's own symbols.
fn reserved_for_param(name: &str) -> bool {
    KEYWORDS.contains(&name) || OWN.contains(&name)
}

/// `MyBucket` → `myBucket`; anything not alphanumeric dropped.
pub fn lower_camel(id: &str) -> String {
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut chars = clean.chars();
    let mut out = match chars.next() {
        Some(c) if c.is_ascii_digit() => format!("r{c}"),
        Some(c) => c.to_ascii_lowercase().to_string(),
        None => "res".to_string(),
    };
    // Lower a leading run of capitals as a word: `VPCMain` → `vpcMain`.
    let rest: Vec<char> = chars.collect();
    let mut i = 0;
    while i < rest.len()
        && (rest[i].is_ascii_uppercase() || (i > 0 && rest[i].is_ascii_digit()))
        && rest
            .get(i + 1)
            .is_none_or(|n| n.is_ascii_uppercase() || n.is_ascii_digit())
    {
        out.push(rest[i].to_ascii_lowercase());
        i += 1;
    }
    out.extend(&rest[i..]);
    out
}

/// `image-reference-ami` → `imageReferenceAmi` (any non-alphanumeric separates words).
pub fn camel_from_words(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if up && !out.is_empty() {
                c.to_ascii_uppercase()
            } else {
                c
            });
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() { "value".into() } else { out }
}

/// `notificationsTopic` → `NotificationsTopic`.
pub fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `MyBucketName` → `my-bucket-name`.
pub fn kebab(id: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = id.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_ascii_uppercase())) {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(*c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The case rule for the names other deployments read — parameters and outputs:
/// a Bicep file takes the source name in lower camelCase (`VpcId` → `vpcId`,
/// `vpc_id` → `vpc_id`); Terraform output keeps a Terraform source's name as it is
/// and writes a CloudFormation name in snake_case (`VpcId` → `vpc_id`). Applied
/// once; a clash renames an internal symbol, never one of these. The one exception:
/// a Bicep parameter cannot be a keyword (`type` → `type2`) nor one of the symbols
/// every file declares (`location`, `nameSuffix`). A parameter named like a Bicep
/// function keeps its name; output calls that function as `sys.x` or `az.x`.
pub fn interface_name(source: &str, from_terraform: bool, bicep: bool) -> String {
    if bicep {
        lower_camel(source)
    } else if from_terraform {
        source.to_string()
    } else {
        snake(source)
    }
}

/// Allocates unique Bicep identifiers.
#[derive(Default, Debug)]
pub struct Symbols {
    used: BTreeSet<String>,
}

impl Symbols {
    pub fn alloc(&mut self, wanted: &str) -> String {
        let base = lower_camel(wanted);
        let mut candidate = base.clone();
        let mut n = 2;
        while self.used.contains(&candidate) || reserved(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }

    /// A parameter's symbol: the source name by the case rule, which only a keyword,
    /// a generated symbol or another parameter of the same camelCase form changes.
    pub fn alloc_param(&mut self, wanted: &str) -> String {
        let base = lower_camel(wanted);
        let mut candidate = base.clone();
        let mut n = 2;
        while self.used.contains(&candidate) || reserved_for_param(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }

    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }
}

/// A storage account name from a literal bucket name: lowercase letters and
/// digits only, 3–24 characters.
pub fn storage_account_name(bucket: &str) -> String {
    let mut s: String = bucket
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    s.truncate(24);
    while s.len() < 3 {
        s.push('0');
    }
    s
}

/// A Storage queue name from an SQS queue name: lowercase letters, digits and single
/// hyphens, 3–63 characters, starting and ending with a letter or digit (`.fifo` dropped).
pub fn storage_queue_name(queue: &str) -> String {
    let base = queue.strip_suffix(".fifo").unwrap_or(queue);
    let mut s = String::new();
    for c in base.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if !(c == '-' && (s.is_empty() || s.ends_with('-'))) {
            s.push(c);
        }
    }
    let mut s = s.trim_end_matches('-').to_string();
    s.truncate(63);
    let mut s = s.trim_end_matches('-').to_string();
    while s.len() < 3 {
        s.push('0');
    }
    s
}

/// A Key Vault object name: letters, digits and hyphens, 1–127 characters.
pub fn key_vault_object_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let mut s = s.trim_matches('-').to_string();
    s.truncate(127);
    if s.is_empty() { "secret".into() } else { s }
}

/// `api_gateway` → `ApiGateway` (any non-alphanumeric separates words).
pub fn pascal(s: &str) -> String {
    capital(&camel_from_words(s))
}

/// The Bicep parameter a Terraform variable becomes (`type` is a Bicep keyword: `type2`),
/// as [`Symbols::alloc_param`] names it.
pub fn param_symbol(var: &str) -> String {
    let base = lower_camel(var);
    if reserved_for_param(&base) {
        format!("{base}2")
    } else {
        base
    }
}

/// `dataBucketBlob` → `data_bucket_blob`.
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{out}")
    } else {
        out
    }
}

/// `s3-website` → `S3Website`: words (split at anything not alphanumeric) capitalized
/// and joined, for symbols made from names.
pub fn upper_camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_queue_names_follow_the_rules() {
        assert_eq!(storage_queue_name("Orders_Incoming"), "orders-incoming");
        assert_eq!(storage_queue_name("jobs.fifo"), "jobs");
        assert_eq!(storage_queue_name("a__b--"), "a-b");
        assert_eq!(storage_queue_name("Q"), "q00");
        assert_eq!(storage_queue_name(&"x".repeat(80)).len(), 63);
    }

    #[test]
    fn identifiers() {
        assert_eq!(lower_camel("MyBucket"), "myBucket");
        assert_eq!(lower_camel("VPCMain"), "vpcMain");
        assert_eq!(lower_camel("VPC"), "vpc");
        assert_eq!(lower_camel("EC2Instance"), "ec2Instance");
        assert_eq!(lower_camel("DBEC2SecurityGroup"), "dbec2SecurityGroup");
        assert_eq!(camel_from_words("image-reference-ami"), "imageReferenceAmi");
        assert_eq!(kebab("MyVPCMain2"), "my-vpc-main2");
        assert_eq!(
            storage_account_name("My.Company-Logs-2024"),
            "mycompanylogs2024"
        );
        assert_eq!(
            key_vault_object_name("prod/app/db_creds"),
            "prod-app-db-creds"
        );
        let mut s = Symbols::default();
        assert_eq!(s.alloc("Location"), "location2");
        assert_eq!(s.alloc("Bucket"), "bucket");
        assert_eq!(s.alloc("bucket"), "bucket2");
    }
}
