//! The `Fn::Sub` string grammar (nom): literal text, `${Name}`, `${Res.Attr}`,
//! and `${!Literal}`, which stands for the text `${Literal}`. The CloudFormation front
//! end reads `Fn::Sub` with it, and the mapping tables write their string templates in
//! it.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_until1};
use nom::combinator::{map, rest, verify};
use nom::multi::many0;
use nom::sequence::delimited;
use nom::{IResult, Parser};

#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// A variable name, trimmed.
    Var(String),
}

enum Raw<'a> {
    Lit(&'a str),
    Escaped(&'a str),
    Var(&'a str),
}

fn raw(i: &str) -> IResult<&str, Raw<'_>> {
    alt((
        map(
            delimited(tag("${!"), take_until("}"), tag("}")),
            Raw::Escaped,
        ),
        map(delimited(tag("${"), take_until("}"), tag("}")), Raw::Var),
        map(take_until1("${"), Raw::Lit),
        // A `${` that never closes is literal text, as are the characters after it.
        map(verify(rest, |s: &str| !s.is_empty()), Raw::Lit),
    ))
    .parse(i)
}

/// Splits a Sub string into literal runs and variables.
pub fn parse(s: &str) -> Vec<Piece> {
    let pieces = match many0(raw).parse(s) {
        Ok((_, p)) => p,
        Err(_) => vec![Raw::Lit(s)],
    };
    let mut out: Vec<Piece> = Vec::new();
    for p in pieces {
        let lit = match p {
            Raw::Var(v) => {
                out.push(Piece::Var(v.trim().to_string()));
                continue;
            }
            Raw::Lit(l) => l.to_string(),
            Raw::Escaped(e) => format!("${{{e}}}"),
        };
        match out.last_mut() {
            Some(Piece::Lit(prev)) => prev.push_str(&lit),
            _ => out.push(Piece::Lit(lit)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Lit(s.into())
    }

    #[test]
    fn pieces() {
        assert_eq!(
            parse("a-${B}-${C.D}"),
            vec![
                lit("a-"),
                Piece::Var("B".into()),
                lit("-"),
                Piece::Var("C.D".into())
            ]
        );
        assert_eq!(parse("${!Lit}x"), vec![lit("${Lit}x")]);
        assert_eq!(parse("open ${ only"), vec![lit("open ${ only")]);
        assert_eq!(parse(""), vec![]);
    }
}
