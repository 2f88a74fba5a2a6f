//! Field paths: the small language that names values inside a record, and
//! the lookup of those values in one record.
//!
//! ```text
//! path      := tag [indicators] [ "$" codes ] [ "/" start [ "-" end ] ] [ "[" n "]" ]
//! tag       := three letters or digits ("X" matches any), or "LDR"
//! indicators:= "{" ind ind "}"   ind: a character, "_" or "#" for blank, "*" or "?" for any
//! codes     := one or more subfield codes ("$ab": a or b)
//! ```
//!
//! `"001"`, `"245$a"`, `"650{_0}$ax"`, `"008/35-37"`, `"LDR/06"`,
//! `"245$a[0]"`. A path gives a list of values: one per matching control
//! field (its data), one per matching subfield (`$codes`), or one per
//! matching data field without `$codes` (its subfield values joined by a
//! space, as pymarc's `Field.value()`); the leader is one value. Repeated
//! fields give one value each, in record order. `/N` or `/N-M` keeps the
//! characters N to M (inclusive, 0-based) of each value; a value shorter
//! than N gives nothing, a value shorter than M what there is. `[n]` keeps
//! the n-th value only (a scalar column). Errors name the 0-based position
//! of the offending character.
//!
//! Values are looked up in a [`Gathered`] record: the fields a set of paths
//! needs, with values that are the record's own bytes (valid UTF-8) or
//! decoded by [`crate::decode::Decoded`] (every other encoding), so every
//! layout gives the same strings.

use crate::decode::{DecodeOptions, Decoded};
use crate::error::{MarcError, Problem, Tag};
use crate::marc::record::{RecordPos, RecordView};
use crate::select::TagFilter;

/// A parsed path; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// The text it was parsed from.
    pub text: String,
    /// `None` for the leader, else the tag pattern (`b'X'` matches any).
    pub tag: Option<[u8; 3]>,
    /// Indicator patterns (`None`: any).
    pub indicators: [Option<u8>; 2],
    /// Subfield codes (empty: the whole field).
    pub codes: Vec<u8>,
    /// Character positions `start..=end` (`end` `None`: just `start`).
    pub positions: Option<(usize, usize)>,
    /// `[n]`: only the n-th value, as a scalar.
    pub nth: Option<usize>,
}

/// A malformed path (or predicate): what and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad {what} {} at position {position}: {reason}", quoted(text))]
pub struct SyntaxError {
    /// `"column path"` or `"where expression"`.
    pub what: &'static str,
    /// The text as given.
    pub text: String,
    /// 0-based character position of the offending character.
    pub position: usize,
    /// Why.
    pub reason: String,
}

/// `text` quoted as Python's `repr` quotes a string: single quotes, unless
/// it holds one and no double quote.
fn quoted(text: &str) -> String {
    let q = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(q);
    for c in text.chars() {
        if c == q || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(q);
    out
}

impl SyntaxError {
    pub(crate) fn new(what: &'static str, text: &str, position: usize, reason: &str) -> Self {
        SyntaxError {
            what,
            text: text.to_string(),
            position,
            reason: reason.to_string(),
        }
    }
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "$/-[]{}_#*?".contains(c)
}

impl Path {
    /// Parses a whole path.
    pub fn parse(text: &str) -> Result<Path, SyntaxError> {
        let (p, end) = Self::parse_prefix(text, 0, "column path")?;
        if end < text.len() {
            return Err(SyntaxError::new(
                "column path",
                text,
                text[..end].chars().count(),
                "unexpected character",
            ));
        }
        Ok(p)
    }

    /// Parses a path starting at byte `at` of `src`, stopping before the
    /// first character that cannot continue it; returns it and the byte
    /// position after it. Positions in errors count characters of `src`.
    pub(crate) fn parse_prefix(
        src: &str,
        at: usize,
        what: &'static str,
    ) -> Result<(Path, usize), SyntaxError> {
        let chars: Vec<(usize, char)> = src[at..]
            .char_indices()
            .take_while(|&(_, c)| is_path_char(c))
            .map(|(i, c)| (at + i, c))
            .collect();
        let base = src[..at].chars().count();
        let end = chars.last().map(|&(i, c)| i + c.len_utf8()).unwrap_or(at);
        let err = |k: usize, reason: &str| Err(SyntaxError::new(what, src, base + k, reason));
        let text: String = chars.iter().map(|&(_, c)| c).collect();
        let c: Vec<char> = chars.iter().map(|&(_, c)| c).collect();
        let mut k = 0;
        // Tag.
        let tag_len = c.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        if tag_len != 3 {
            return err(tag_len.min(3), {
                if c.is_empty() {
                    "expected a tag (3 characters, or LDR)"
                } else {
                    "tag must be 3 characters (letters or digits, X for any), or LDR"
                }
            });
        }
        let tag_s: String = c[..3].iter().collect();
        let tag = if tag_s == "LDR" {
            None
        } else {
            let b = tag_s.as_bytes();
            Some([b[0], b[1], b[2]])
        };
        k += 3;
        let mut indicators = [None, None];
        let mut codes = Vec::new();
        let mut positions = None;
        let mut nth = None;
        // Indicators: "{" two characters "}" right after the tag.
        if c.get(k) == Some(&'{') {
            if tag.is_none() {
                return err(k, "the leader has no indicators");
            }
            if definite_control(tag) {
                return err(k, "control fields (001-009) have no indicators");
            }
            for (j, slot) in indicators.iter_mut().enumerate() {
                *slot = match c.get(k + 1 + j) {
                    Some('*' | '?') => None,
                    Some('_' | '#') => Some(b' '),
                    Some(ch) if ch.is_ascii_alphanumeric() => Some(*ch as u8),
                    _ => {
                        return err(
                            k + 1 + j,
                            "indicator must be a letter, a digit, _ or # (blank), * or ? (any)",
                        )
                    }
                };
            }
            if c.get(k + 3) != Some(&'}') {
                return err(k + 3, "expected } after two indicators");
            }
            k += 4;
        }
        if c.get(k) == Some(&'$') {
            if tag.is_none() {
                return err(k, "the leader has no subfields");
            }
            if definite_control(tag) {
                return err(k, "control fields (001-009) have no subfields");
            }
            k += 1;
            while let Some(&ch) = c.get(k) {
                if ch.is_ascii_alphanumeric() {
                    codes.push(ch as u8);
                    k += 1;
                } else {
                    break;
                }
            }
            if codes.is_empty() {
                return err(k, "expected subfield codes after $");
            }
        }
        if c.get(k) == Some(&'/') {
            k += 1;
            let (start, n) = number(&c[k..]);
            let Some(start) = start else {
                return err(k, "expected a character position after /");
            };
            k += n;
            let mut end = start;
            if c.get(k) == Some(&'-') {
                k += 1;
                let (e, n) = number(&c[k..]);
                let Some(e) = e else {
                    return err(k, "expected an end position after -");
                };
                if e < start {
                    return err(k, "end position before start position");
                }
                end = e;
                k += n;
            }
            positions = Some((start, end));
        }
        if c.get(k) == Some(&'[') {
            k += 1;
            let (n, len) = number(&c[k..]);
            let Some(n) = n else {
                return err(k, "expected a value number in [n]");
            };
            k += len;
            if c.get(k) != Some(&']') {
                return err(k, "expected ]");
            }
            k += 1;
            nth = Some(n);
        }
        if k < c.len() {
            return err(k, "unexpected character");
        }
        Ok((
            Path {
                text,
                tag,
                indicators,
                codes,
                positions,
                nth,
            },
            end,
        ))
    }

    /// Whether the path names the leader.
    pub fn is_leader(&self) -> bool {
        self.tag.is_none()
    }

    /// Whether `tag` matches this path's tag pattern.
    #[inline]
    pub fn matches_tag(&self, tag: &[u8; 3]) -> bool {
        match &self.tag {
            None => false,
            Some(p) => p
                .iter()
                .zip(tag)
                .all(|(&p, &t)| p == t || p == b'X' || p == b'x'),
        }
    }

    /// The tag pattern as a filter element (`None` for the leader).
    pub fn tag_pattern(&self) -> Option<String> {
        self.tag.map(|t| String::from_utf8_lossy(&t).into_owned())
    }

    /// Calls `f` with each value of this path in `g`, in record order, up
    /// to and including the `[n]`-th when there is one; stops early when
    /// `f` returns `false`. Values have `positions` applied.
    pub fn for_each<'a>(&self, g: &Gathered<'a>, mut f: impl FnMut(&[u8]) -> bool) {
        let mut i = 0usize;
        let mut emit = |v: &[u8]| -> bool {
            let Some(v) = cut(v, self.positions) else {
                return true;
            };
            match self.nth {
                Some(n) if i < n => {
                    i += 1;
                    true
                }
                Some(_) => {
                    f(v);
                    false
                }
                None => f(v),
            }
        };
        if self.is_leader() {
            emit(g.leader);
            return;
        }
        let mut joined = Vec::new();
        for fld in g.fields {
            if !self.matches_tag(&fld.tag) {
                continue;
            }
            if fld.control {
                if self.codes.is_empty() && !emit(g.get(fld.value)) {
                    return;
                }
                continue;
            }
            let ok = self.indicators[0].is_none_or(|i| i == fld.ind[0])
                && self.indicators[1].is_none_or(|i| i == fld.ind[1]);
            if !ok {
                continue;
            }
            let subs = &g.subs[fld.subs.0 as usize..fld.subs.1 as usize];
            if self.codes.is_empty() {
                joined.clear();
                for (j, s) in subs.iter().enumerate() {
                    if j > 0 {
                        joined.push(b' ');
                    }
                    joined.extend_from_slice(g.get(s.value));
                }
                if !emit(&joined) {
                    return;
                }
                continue;
            }
            for s in subs {
                if self.codes.contains(&s.code) && !emit(g.get(s.value)) {
                    return;
                }
            }
        }
    }
}

/// A tag without `X` that names a control field.
fn definite_control(tag: Option<[u8; 3]>) -> bool {
    tag.is_some_and(|t| !t.contains(&b'X') && !t.contains(&b'x') && Tag(t).is_control())
}

fn number(c: &[char]) -> (Option<usize>, usize) {
    let n = c.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 9 {
        return (None, n);
    }
    let s: String = c[..n].iter().collect();
    (s.parse().ok(), n)
}

/// Characters `start..=end` of a UTF-8 value (`None`: too short).
#[inline]
fn cut(v: &[u8], positions: Option<(usize, usize)>) -> Option<&[u8]> {
    let Some((start, end)) = positions else {
        return Some(v);
    };
    if v.is_ascii() {
        if start >= v.len() {
            return None;
        }
        return Some(&v[start..(end + 1).min(v.len())]);
    }
    // Character boundaries: bytes that are not UTF-8 continuation bytes.
    let mut bounds = v
        .iter()
        .enumerate()
        .filter(|(_, &b)| (b as i8) >= -0x40)
        .map(|(i, _)| i)
        .chain(std::iter::once(v.len()));
    let s = bounds.nth(start)?;
    if s >= v.len() {
        return None;
    }
    let e = bounds.nth(end - start).unwrap_or(v.len());
    Some(&v[s..e])
}

/// Where a value's bytes are: in the record, or in the decoded text.
#[derive(Clone, Copy, Debug)]
enum Span {
    Raw(u32, u32),
    Decoded(u32),
}

#[derive(Clone, Copy, Debug)]
struct GField {
    tag: [u8; 3],
    control: bool,
    ind: [u8; 2],
    value: Span,
    subs: (u32, u32),
}

#[derive(Clone, Copy, Debug)]
struct GSub {
    code: u8,
    value: Span,
}

/// The fields of one record that some paths need, with their values ready
/// to read (see the module documentation). Reused from record to record.
#[derive(Debug, Default)]
pub struct Gatherer {
    decoded: Decoded,
    fields: Vec<GField>,
    subs: Vec<GSub>,
}

/// A record's gathered fields, borrowed from a [`Gatherer`].
#[derive(Debug)]
pub struct Gathered<'a> {
    leader: &'a [u8],
    bytes: &'a [u8],
    decoded: &'a Decoded,
    fields: &'a [GField],
    subs: &'a [GSub],
}

impl Gathered<'_> {
    #[inline]
    fn get(&self, s: Span) -> &[u8] {
        match s {
            Span::Raw(a, b) => &self.bytes[a as usize..b as usize],
            Span::Decoded(i) => self.decoded.get(i as usize, self.bytes),
        }
    }
}

impl Gatherer {
    /// Collects the fields of `r` that `tags` keeps, decoding their values
    /// first when the record is not valid UTF-8 (through the same
    /// [`Decoded`] as the other layouts: under strict encoding errors a bad
    /// byte is the record's error; replacements go to `problems`).
    pub fn gather<'a>(
        &'a mut self,
        r: &RecordView<'a>,
        pos: RecordPos,
        tags: &TagFilter,
        opts: DecodeOptions,
        problems: &mut Vec<Problem>,
    ) -> Result<Gathered<'a>, MarcError> {
        let utf8 = r.text;
        if !utf8 {
            self.decoded
                .decode_record(r, pos, opts, Some(tags), problems)?;
        }
        self.fields.clear();
        self.subs.clear();
        let base = r.bytes.as_ptr() as usize;
        // Address arithmetic only: where a borrowed value lies in the record.
        let raw = |b: &[u8]| {
            let s = (b.as_ptr() as usize).wrapping_sub(base) as u32;
            Span::Raw(s, s + b.len() as u32)
        };
        let mut k = 0u32;
        let mut next = |b: &[u8]| {
            if utf8 {
                raw(b)
            } else {
                k += 1;
                Span::Decoded(k - 1)
            }
        };
        for f in r.fields() {
            if !tags.keeps(&f.tag) {
                continue;
            }
            if f.is_control() {
                self.fields.push(GField {
                    tag: f.tag.0,
                    control: true,
                    ind: [b' ', b' '],
                    value: next(f.data),
                    subs: (0, 0),
                });
                continue;
            }
            let (ind, subfields) = f.split();
            let start = self.subs.len() as u32;
            for s in subfields {
                let code = if s.code.len() == 1 { s.code[0] } else { 0 };
                self.subs.push(GSub {
                    code,
                    value: next(s.value),
                });
            }
            self.fields.push(GField {
                tag: f.tag.0,
                control: false,
                ind,
                value: Span::Raw(0, 0),
                subs: (start, self.subs.len() as u32),
            });
        }
        Ok(Gathered {
            leader: r.leader(),
            bytes: r.bytes,
            decoded: &self.decoded,
            fields: &self.fields,
            subs: &self.subs,
        })
    }
}

/// The tag filter covering every path in `paths` (the leader needs none).
pub fn tag_filter<'p>(paths: impl IntoIterator<Item = &'p Path>) -> TagFilter {
    let tags: Vec<String> = paths.into_iter().filter_map(|p| p.tag_pattern()).collect();
    TagFilter::new(tags).expect("path tags are three characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let p = Path::parse("245$a").unwrap();
        assert_eq!(p.tag, Some(*b"245"));
        assert_eq!(p.codes, b"a");
        assert_eq!(p.nth, None);
        let p = Path::parse("650{_0}$ax[0]").unwrap();
        assert_eq!(p.indicators, [Some(b' '), Some(b'0')]);
        assert_eq!(p.codes, b"ax");
        assert_eq!(p.nth, Some(0));
        let p = Path::parse("008/35-37").unwrap();
        assert_eq!(p.positions, Some((35, 37)));
        let p = Path::parse("LDR/06").unwrap();
        assert!(p.is_leader());
        assert_eq!(p.positions, Some((6, 6)));
        let p = Path::parse("6XX{*#}").unwrap();
        assert_eq!(p.indicators, [None, Some(b' ')]);
        assert!(p.matches_tag(b"651"));
        assert!(!p.matches_tag(b"700"));
        assert_eq!(Path::parse("001[2]").unwrap().nth, Some(2));
        assert!(definite_control(Some(*b"008")));
        assert!(!definite_control(Some(*b"00X")));
    }

    #[test]
    fn errors_name_the_position() {
        let e = |s: &str| Path::parse(s).unwrap_err();
        let x = e("24$a");
        assert_eq!(x.position, 2);
        assert!(x.to_string().contains("tag must be 3 characters"), "{x}");
        assert_eq!(
            x.to_string(),
            "bad column path '24$a' at position 2: tag must be 3 characters (letters or digits, X for any), or LDR"
        );
        assert_eq!(quoted("a == 'x'"), "\"a == 'x'\"");
        assert_eq!(quoted("a'\"\\"), "'a\\'\"\\\\'");
        assert_eq!(e("2450$a").position, 3);
        assert_eq!(e("").position, 0);
        assert_eq!(e("245$").position, 4);
        assert_eq!(e("245$a/").position, 6);
        assert_eq!(e("008/10-5").position, 7);
        assert_eq!(e("245{1}$a").position, 5);
        assert_eq!(e("245{1!}").position, 5);
        assert_eq!(e("001$a").position, 3);
        assert_eq!(e("245[1]$a").position, 6);
        assert_eq!(e("LDR$a").position, 3);
        assert_eq!(e("245$a[0").position, 7);
        assert_eq!(e("245$a x").position, 5);
        assert_eq!(e("245$a[0]x").position, 8);
    }

    #[test]
    fn cuts_characters() {
        assert_eq!(cut(b"abcdef", Some((1, 3))), Some(&b"bcd"[..]));
        assert_eq!(cut(b"abc", Some((1, 9))), Some(&b"bc"[..]));
        assert_eq!(cut(b"abc", Some((3, 4))), None);
        assert_eq!(cut("aébc".as_bytes(), Some((1, 2))), Some("éb".as_bytes()));
        assert_eq!(cut("aé".as_bytes(), Some((2, 2))), None);
        assert_eq!(cut("aé".as_bytes(), Some((1, 5))), Some("é".as_bytes()));
    }
}
