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
        Ok(TagFilter { patterns: out })
    }

    /// Whether `tag` is kept.
    #[inline]
    pub fn keeps(&self, tag: &Tag) -> bool {
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
        let f = TagFilter::new(["245", "6XX"]).unwrap();
        assert!(f.keeps(&Tag(*b"245")));
        assert!(f.keeps(&Tag(*b"650")));
        assert!(!f.keeps(&Tag(*b"246")));
        assert!(!f.keeps(&Tag(*b"700")));
        assert!(TagFilter::new(["24"]).is_err());
        assert!(TagFilter::new(["2 5"]).is_err());
    }
}
