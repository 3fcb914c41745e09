//! CloudWatch Logs filter patterns (`AWS::Logs::MetricFilter` `FilterPattern`): the
//! JSON form (`{ ($.eventName = X) || ($.a.b != "y*") && $.c NOT EXISTS }`) and the
//! term form (`ERROR "out of memory"`, `?ERROR ?WARN`, `-DEBUG`), read into a tree the
//! metric filter rules translate (log_alerts.rs). The space-delimited form (`[ip, …]`)
//! and regular expressions (`%…%`) are not read: `parse` says why.

/// A comparison operator of the JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// One condition of the JSON form.
#[derive(Clone, Debug, PartialEq)]
pub enum Leaf {
    /// `$.field op value`; `quoted`: the value was written in double quotes.
    Cmp {
        field: String,
        op: Op,
        value: String,
        quoted: bool,
    },
    /// `$.field EXISTS` (true) or `$.field NOT EXISTS` (false).
    Exists { field: String, exists: bool },
    /// `$.field IS TRUE|FALSE|NULL`.
    Is { field: String, what: String },
}

impl Leaf {
    pub fn field(&self) -> &str {
        match self {
            Leaf::Cmp { field, .. } | Leaf::Exists { field, .. } | Leaf::Is { field, .. } => field,
        }
    }
}

/// A JSON-form condition tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Leaf(Leaf),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// One term of the term form.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub text: String,
    /// Written in double quotes (a phrase, matched as written).
    pub quoted: bool,
}

/// A filter pattern read.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Json(Cond),
    /// Every term must appear (`all`), at least one (`any`, `?a ?b`), and none of `not`.
    Terms {
        all: Vec<Term>,
        any: Vec<Term>,
        not: Vec<Term>,
    },
}

/// Reads a filter pattern; `Err` says which form or construct is not read.
pub fn parse(text: &str) -> Result<Pattern, String> {
    let t = text.trim();
    if t.starts_with('{') {
        let inner = t
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .ok_or("the JSON pattern is not closed by `}`")?;
        let mut p = Parser {
            s: inner.as_bytes(),
            i: 0,
        };
        let c = p.or()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!(
                "the JSON pattern has text the grammar does not read at `{}`",
                String::from_utf8_lossy(&p.s[p.i..]).trim()
            ));
        }
        return Ok(Pattern::Json(c));
    }
    if t.starts_with('[') {
        return Err("space-delimited patterns (`[field, …]`) name fields by position, which a log search alert reads only after the records are parsed into columns".into());
    }
    if t.contains('%') {
        return Err("regular expression terms (`%…%`) are not translated".into());
    }
    terms(t)
}

fn terms(t: &str) -> Result<Pattern, String> {
    let (mut all, mut any, mut not) = (Vec::new(), Vec::new(), Vec::new());
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let sign = match b[i] {
            b'?' | b'-' => {
                i += 1;
                Some(b[i - 1])
            }
            _ => None,
        };
        let (text, quoted) = if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let end = t[start..]
                .find('"')
                .map(|e| start + e)
                .ok_or("a quoted term is not closed")?;
            if t[start..end].ends_with('\\') {
                return Err("a quoted term holds an escaped quote".into());
            }
            i = end + 1;
            (t[start..end].to_string(), true)
        } else {
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            (t[start..i].to_string(), false)
        };
        if text.is_empty() {
            return Err("an empty term".into());
        }
        let term = Term { text, quoted };
        match sign {
            Some(b'?') => any.push(term),
            Some(_) => not.push(term),
            None => all.push(term),
        }
    }
    if !any.is_empty() && !all.is_empty() {
        return Err("a pattern that mixes `?term` alternatives with required terms".into());
    }
    Ok(Pattern::Terms { all, any, not })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.and()?];
        while self.eat("||") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.unary()?];
        while self.eat("&&") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Cond, String> {
        if self.eat("(") {
            let c = self.or()?;
            if !self.eat(")") {
                return Err("a `(` is not closed".into());
            }
            return Ok(c);
        }
        self.leaf().map(Cond::Leaf)
    }

    fn word(&mut self) -> String {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_alphabetic() {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn leaf(&mut self) -> Result<Leaf, String> {
        if !self.eat("$.") {
            return Err("a JSON condition that does not start with a `$.` selector".into());
        }
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || b"._-[]".contains(&self.s[self.i]))
        {
            self.i += 1;
        }
        let field = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        if field.is_empty() {
            return Err("an empty `$.` selector".into());
        }
        for (tok, op) in [
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("=", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ] {
            if self.eat(tok) {
                let (value, quoted) = self.value()?;
                return Ok(Leaf::Cmp {
                    field,
                    op,
                    value,
                    quoted,
                });
            }
        }
        let save = self.i;
        match self.word().as_str() {
            "NOT" if self.word() == "EXISTS" => Ok(Leaf::Exists {
                field,
                exists: false,
            }),
            "EXISTS" => Ok(Leaf::Exists {
                field,
                exists: true,
            }),
            "IS" => {
                let what = self.word();
                if matches!(what.as_str(), "TRUE" | "FALSE" | "NULL") {
                    Ok(Leaf::Is { field, what })
                } else {
                    Err(format!("`IS {what}` is not a JSON pattern test"))
                }
            }
            _ => {
                self.i = save;
                Err(format!(
                    "the selector `$.{field}` has no operator the grammar reads"
                ))
            }
        }
    }

    fn value(&mut self) -> Result<(String, bool), String> {
        self.ws();
        if self.s.get(self.i) == Some(&b'"') {
            let start = self.i + 1;
            let mut j = start;
            while j < self.s.len() && self.s[j] != b'"' {
                if self.s[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= self.s.len() {
                return Err("a quoted value is not closed".into());
            }
            self.i = j + 1;
            // `\"` and `\\` stand for the character after the backslash.
            let mut v = String::new();
            let mut escaped = false;
            for c in String::from_utf8_lossy(&self.s[start..j]).chars() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    _ => {
                        v.push(c);
                        escaped = false;
                    }
                }
            }
            return Ok((v, true));
        }
        let start = self.i;
        while self.i < self.s.len()
            && !self.s[self.i].is_ascii_whitespace()
            && !b"()&|".contains(&self.s[self.i])
        {
            self.i += 1;
        }
        if self.i == start {
            return Err("a comparison without a value".into());
        }
        Ok((
            String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
            false,
        ))
    }
}

/// The condition in disjunctive normal form: alternatives, each a conjunction of leaves;
/// `None` past `limit` alternatives.
pub fn dnf(c: &Cond, limit: usize) -> Option<Vec<Vec<Leaf>>> {
    match c {
        Cond::Leaf(l) => Some(vec![vec![l.clone()]]),
        Cond::Or(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(dnf(p, limit)?);
                if out.len() > limit {
                    return None;
                }
            }
            Some(out)
        }
        Cond::And(parts) => {
            let mut out: Vec<Vec<Leaf>> = vec![Vec::new()];
            for p in parts {
                let alts = dnf(p, limit)?;
                let mut next = Vec::new();
                for a in &out {
                    for b in &alts {
                        let mut t = a.clone();
                        t.extend(b.iter().cloned());
                        next.push(t);
                    }
                }
                if next.len() > limit {
                    return None;
                }
                out = next;
            }
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cis_patterns() {
        let p = parse(
            r#"{ ($.eventName = CreateSecurityGroup) || ($.eventName = "DeleteSecurityGroup") }"#,
        )
        .unwrap();
        let Pattern::Json(c) = p else { panic!() };
        let d = dnf(&c, 64).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[1][0],
            Leaf::Cmp {
                field: "eventName".into(),
                op: Op::Eq,
                value: "DeleteSecurityGroup".into(),
                quoted: true
            }
        );
        let p = parse(
            "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}",
        )
        .unwrap();
        let Pattern::Json(c) = p else { panic!() };
        let d = dnf(&c, 64).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].len(), 2);
        let p = parse(r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#).unwrap();
        let Pattern::Json(Cond::And(parts)) = p else {
            panic!()
        };
        assert_eq!(
            parts[1],
            Cond::Leaf(Leaf::Exists {
                field: "userIdentity.invokedBy".into(),
                exists: false
            })
        );
    }

    #[test]
    fn quoted_values_lose_their_escapes() {
        let p = parse(r#"{ $.path = "C:\\tmp\\\"x\"" }"#).unwrap();
        let Pattern::Json(Cond::Leaf(Leaf::Cmp { value, .. })) = p else {
            panic!("{p:?}")
        };
        assert_eq!(value, r#"C:\tmp\"x""#);
        assert!(parse(r#"ERROR "say \"hi\"""#).is_err());
    }

    #[test]
    fn reads_terms_and_refuses_other_forms() {
        assert_eq!(
            parse(r#"ERROR "out of memory" -DEBUG"#).unwrap(),
            Pattern::Terms {
                all: vec![
                    Term {
                        text: "ERROR".into(),
                        quoted: false
                    },
                    Term {
                        text: "out of memory".into(),
                        quoted: true
                    }
                ],
                any: vec![],
                not: vec![Term {
                    text: "DEBUG".into(),
                    quoted: false
                }],
            }
        );
        assert!(parse("[ip, user, status=5*]").is_err());
        assert!(parse("{ $.a = 1 ").is_err());
        assert!(parse("{ $.a ~ 1 }").is_err());
        assert!(parse("?ERROR WARN").is_err());
    }
}
