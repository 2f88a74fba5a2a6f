//! `where=`: which records to deliver, decided in Rust before anything of
//! a record is appended to a batch.
//!
//! ```text
//! expr    := or
//! or      := and ( "or" and )*
//! and     := not ( "and" not )*
//! not     := "not" not | atom
//! atom    := "(" expr ")" | "has" path | "exists" "(" path ")" | path op string
//! op      := "==" | "!=" | "^=" (starts with) | "~" (regex search)
//! string  := '...' or "..." (backslash escapes the quote and itself)
//! ```
//!
//! Paths are those of [`crate::select::path`] (`650$a`, `008/35-37`, `LDR/06`).
//! A comparison is true when **any** value of the path matches (a record
//! with three 650 $a matches `650$a == 'x'` if one of them is `x`); `!=`
//! is `not (... == ...)`: no value equals. `has` / `exists` are true when
//! the path has at least one value. Regexes are the `regex` crate's syntax,
//! unanchored (`^`/`$` anchor). Keywords are lower case. Errors name the
//! 0-based character position.

use regex::bytes::Regex;

use crate::decode::DecodeOptions;
use crate::error::{MarcError, Problem};
use crate::marc::record::{RecordPos, RecordView};
use crate::select::path::{self, Gathered, Gatherer, Path, SyntaxError};
use crate::select::TagFilter;

/// A comparison operator with its operand.
#[derive(Clone, Debug)]
pub enum Op {
    /// `==`
    Eq(Vec<u8>),
    /// `!=`
    Ne(Vec<u8>),
    /// `^=`
    Prefix(Vec<u8>),
    /// `~`
    Regex(Regex),
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// Any of.
    Or(Vec<Expr>),
    /// All of.
    And(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// The path has a value.
    Has(Path),
    /// A value of the path satisfies the operator (`Ne`: none equals).
    Cmp(Path, Op),
}

/// A parsed `where` expression and the tags it needs.
#[derive(Clone, Debug)]
pub struct Predicate {
    text: String,
    expr: Expr,
    tags: TagFilter,
}

const WHAT: &str = "where expression";

struct P<'s> {
    s: &'s str,
    at: usize,
}

impl<'s> P<'s> {
    fn pos(&self, at: usize) -> usize {
        self.s[..at].chars().count()
    }

    fn err<T>(&self, at: usize, reason: &str) -> Result<T, SyntaxError> {
        Err(SyntaxError::new(WHAT, self.s, self.pos(at), reason))
    }

    fn skip_ws(&mut self) {
        let rest = &self.s[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    /// The keyword `w` (a whole word) next, consumed if so.
    fn keyword(&mut self, w: &str) -> bool {
        self.skip_ws();
        let rest = &self.s[self.at..];
        if rest.starts_with(w)
            && !rest[w.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || "$/-[]{}_#*?".contains(c))
        {
            self.at += w.len();
            return true;
        }
        false
    }

    fn symbol(&mut self, w: &str) -> bool {
        self.skip_ws();
        if self.s[self.at..].starts_with(w) {
            self.at += w.len();
            return true;
        }
        false
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut v = vec![self.and()?];
        while self.keyword("or") {
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::Or(v)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut v = vec![self.not()?];
        while self.keyword("and") {
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::And(v)
        })
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn path(&mut self) -> Result<Path, SyntaxError> {
        self.skip_ws();
        let (p, end) = Path::parse_prefix(self.s, self.at, WHAT)?;
        self.at = end;
        Ok(p)
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        self.skip_ws();
        if self.at >= self.s.len() {
            return self.err(self.at, "expected a condition");
        }
        if self.symbol("(") {
            let e = self.or()?;
            if !self.symbol(")") {
                return self.err(self.at, "expected )");
            }
            return Ok(e);
        }
        if self.keyword("has") {
            return Ok(Expr::Has(self.path()?));
        }
        if self.keyword("exists") {
            if !self.symbol("(") {
                return self.err(self.at, "expected ( after exists");
            }
            let p = self.path()?;
            if !self.symbol(")") {
                return self.err(self.at, "expected )");
            }
            return Ok(Expr::Has(p));
        }
        let p = self.path()?;
        self.skip_ws();
        let op_at = self.at;
        let op = ["==", "!=", "^=", "~"]
            .into_iter()
            .find(|o| self.symbol(o))
            .ok_or(())
            .or_else(|_| self.err(op_at, "expected ==, !=, ^= or ~ after the path"))?;
        self.skip_ws();
        let lit_at = self.at;
        let lit = self.string()?;
        Ok(Expr::Cmp(
            p,
            match op {
                "==" => Op::Eq(lit.into_bytes()),
                "!=" => Op::Ne(lit.into_bytes()),
                "^=" => Op::Prefix(lit.into_bytes()),
                _ => Op::Regex(Regex::new(&lit).or_else(|e| {
                    let msg = e.to_string().replace('\n', " ");
                    self.err(lit_at, &format!("bad regex: {msg}"))
                })?),
            },
        ))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.at;
        let q = match self.s[self.at..].chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return self.err(start, "expected a quoted string"),
        };
        let mut out = String::new();
        let mut it = self.s[self.at + 1..].char_indices();
        while let Some((i, c)) = it.next() {
            if c == '\\' {
                match it.next() {
                    Some((_, c)) => out.push(c),
                    None => break,
                }
            } else if c == q {
                self.at += 1 + i + 1;
                return Ok(out);
            } else {
                out.push(c);
            }
        }
        self.err(start, "unterminated string")
    }
}

fn paths<'e>(e: &'e Expr, out: &mut Vec<&'e Path>) {
    match e {
        Expr::Or(v) | Expr::And(v) => v.iter().for_each(|e| paths(e, out)),
        Expr::Not(e) => paths(e, out),
        Expr::Has(p) | Expr::Cmp(p, _) => out.push(p),
    }
}

impl Predicate {
    /// Parses an expression; see the module documentation.
    pub fn parse(text: &str) -> Result<Predicate, SyntaxError> {
        let mut p = P { s: text, at: 0 };
        let expr = p.or()?;
        p.skip_ws();
        if p.at < text.len() {
            return p.err(p.at, "expected and, or, or the end");
        }
        let mut ps = Vec::new();
        paths(&expr, &mut ps);
        let tags = path::tag_filter(ps);
        Ok(Predicate {
            text: text.to_string(),
            expr,
            tags,
        })
    }

    /// The text it was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The tags it looks at (only those fields are decoded to evaluate it).
    pub fn tags(&self) -> &TagFilter {
        &self.tags
    }

    /// Evaluates the expression on a gathered record.
    pub fn eval(&self, g: &Gathered<'_>) -> bool {
        eval(&self.expr, g)
    }
}

fn any(p: &Path, g: &Gathered<'_>, mut f: impl FnMut(&[u8]) -> bool) -> bool {
    let mut found = false;
    p.for_each(g, |v| {
        found = f(v);
        !found
    });
    found
}

fn eval(e: &Expr, g: &Gathered<'_>) -> bool {
    match e {
        Expr::Or(v) => v.iter().any(|e| eval(e, g)),
        Expr::And(v) => v.iter().all(|e| eval(e, g)),
        Expr::Not(e) => !eval(e, g),
        Expr::Has(p) => any(p, g, |_| true),
        Expr::Cmp(p, op) => match op {
            Op::Eq(s) => any(p, g, |v| v == s.as_slice()),
            Op::Ne(s) => !any(p, g, |v| v == s.as_slice()),
            Op::Prefix(s) => any(p, g, |v| v.starts_with(s)),
            Op::Regex(r) => any(p, g, |v| r.is_match(v)),
        },
    }
}

/// A predicate with its scratch space, for one worker: decides record by
/// record.
#[derive(Debug)]
pub struct Filter<'p> {
    predicate: &'p Predicate,
    gatherer: Gatherer,
    scratch: Vec<Problem>,
}

impl<'p> Filter<'p> {
    /// A filter for `predicate`.
    pub fn new(predicate: &'p Predicate) -> Self {
        Filter {
            predicate,
            gatherer: Gatherer::default(),
            scratch: Vec::new(),
        }
    }

    /// Whether `r` is delivered. Only the fields the predicate names are
    /// decoded (records that are not UTF-8); a byte that does not decode
    /// there is the record's error under strict encoding errors.
    /// Replacements made here are not reported: the values delivered are
    /// decoded (and reported) again by the batch builder.
    pub fn matches(
        &mut self,
        r: &RecordView<'_>,
        pos: RecordPos,
        opts: DecodeOptions,
    ) -> Result<bool, MarcError> {
        self.scratch.clear();
        let g = self
            .gatherer
            .gather(r, pos, &self.predicate.tags, opts, &mut self.scratch)?;
        Ok(self.predicate.eval(&g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_positions() {
        let p =
            Predicate::parse("650$a ~ 'Homeo' and not (has 856 or 008/35-37 == \"ger\")").unwrap();
        match p.expr() {
            Expr::And(v) => {
                assert_eq!(v.len(), 2);
                assert!(matches!(v[1], Expr::Not(_)));
            }
            e => panic!("{e:?}"),
        }
        assert!(p.tags().keeps(&crate::Tag(*b"650")));
        assert!(p.tags().keeps(&crate::Tag(*b"008")));
        assert!(!p.tags().keeps(&crate::Tag(*b"245")));
        assert!(Predicate::parse("exists(856$u) or LDR/06 ^= 'a'").is_ok());
        assert!(Predicate::parse("245$a == 'it\\'s'").is_ok());
        let e = |s: &str| Predicate::parse(s).unwrap_err();
        assert_eq!(e("650$a = 'x'").position, 6);
        assert_eq!(e("650$a == x").position, 9);
        assert_eq!(e("650$a == 'x").position, 9);
        assert_eq!(e("65$a == 'x'").position, 2);
        assert_eq!(e("has 245 and").position, 11);
        assert_eq!(e("(has 245").position, 8);
        assert_eq!(e("has 245 245").position, 8);
        let r = e("650$a ~ '('");
        assert_eq!(r.position, 8);
        assert!(r.reason.starts_with("bad regex"), "{r}");
        assert!(e("").to_string().contains("position 0"));
    }
}
