//! Field selection: which tags a reader keeps.
//!
//! A [`TagFilter`] is a list of three-character patterns, each character a
//! literal or `X` (any character in that position): `"245"`, `"6XX"`,
//! `"1XX"`, `"XXX"`. Fields whose tag matches no pattern are skipped by the
//! batch builder without decoding their contents; the leader is always
//! kept. Field positions (`field_index` in the long layout) stay those of
//! the whole record.

use crate::error::Tag;

/// Tags to keep; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagFilter {
    patterns: Vec<[u8; 3]>,
    /// The answer for each numeric tag `000`-`999`, one bit each: one
    /// lookup instead of a pattern loop for nearly every field.
    numeric: [u64; 16],
}

/// A pattern that is not three characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tag pattern {pattern:?} must be three characters (letters, digits or X for any)")]
pub struct BadPattern {
    /// The pattern as given.
    pub pattern: String,
}

impl TagFilter {
    /// A filter keeping the tags matched by any of `patterns`.
    pub fn new<I, S>(patterns: I) -> Result<Self, BadPattern>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for p in patterns {
            let p = p.as_ref();
            let b = p.as_bytes();
            if b.len() != 3 || !b.iter().all(|c| c.is_ascii_graphic()) {
                return Err(BadPattern {
                    pattern: p.to_string(),
                });
            }
            out.push([b[0], b[1], b[2]]);
        }
        let mut f = TagFilter {
            patterns: out,
            numeric: [0; 16],
        };
        for n in 0..1000usize {
            let tag = Tag([
                b'0' + (n / 100) as u8,
                b'0' + (n / 10 % 10) as u8,
                b'0' + (n % 10) as u8,
            ]);
            if f.matches(&tag) {
                f.numeric[n / 64] |= 1 << (n % 64);
            }
        }
        Ok(f)
    }

    /// Whether `tag` is kept.
    #[inline]
    pub fn keeps(&self, tag: &Tag) -> bool {
        let [a, b, c] = tag.0;
        if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() {
            let n = (a - b'0') as usize * 100 + (b - b'0') as usize * 10 + (c - b'0') as usize;
            return self.numeric[n / 64] & (1 << (n % 64)) != 0;
        }
        self.matches(tag)
    }

    fn matches(&self, tag: &Tag) -> bool {
        self.patterns.iter().any(|p| {
            p.iter()
                .zip(tag.0.iter())
                .all(|(&p, &t)| p == t || p == b'X' || p == b'x')
        })
    }
}

/// Whether `filter` (if any) keeps `tag`.
#[inline]
pub fn keeps(filter: Option<&TagFilter>, tag: &Tag) -> bool {
    filter.is_none_or(|f| f.keeps(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let f = TagFilter::new(["245", "6XX", "30X"]).unwrap();
        assert!(f.keeps(&Tag(*b"245")));
        assert!(f.keeps(&Tag(*b"650")));
        assert!(!f.keeps(&Tag(*b"246")));
        assert!(!f.keeps(&Tag(*b"700")));
        assert!(f.keeps(&Tag(*b"303")));
        assert!(f.keeps(&Tag(*b"6AB")));
        assert!(!f.keeps(&Tag(*b"2AB")));
        let none = TagFilter::new(Vec::<String>::new()).unwrap();
        assert!(!none.keeps(&Tag(*b"001")));
        for n in 0..1000 {
            let t = format!("{n:03}");
            let tag = Tag(t.as_bytes().try_into().unwrap());
            assert_eq!(f.keeps(&tag), f.matches(&tag), "{t}");
        }
        assert!(TagFilter::new(["24"]).is_err());
        assert!(TagFilter::new(["2 5"]).is_err());
    }
}
