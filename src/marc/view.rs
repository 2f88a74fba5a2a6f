//! Borrowed views of a parsed record: its leader, fields and subfields.
//! Nothing is copied or decoded; strings stay bytes, and
//! [`RecordView::encoding`] says what they are.

use crate::error::Tag;
use crate::marc::record::{Encoding, FieldSpan};
use crate::marc::scan::{LEADER_LEN, SUBFIELD_DELIMITER};
use crate::marc::Dialect;

/// A parsed record: borrowed bytes plus the field spans.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// The whole record, leader to terminator.
    pub bytes: &'a [u8],
    /// One span per directory entry, in directory order.
    pub spans: &'a [FieldSpan],
    /// Encoding from leader/09.
    pub encoding: Encoding,
    /// The values are UTF-8 as they stand, so nothing needs decoding: a
    /// valid UTF-8 record, or one in another encoding whose fields are
    /// printable ASCII (which every encoding read here maps to itself).
    pub text: bool,
    /// Subfield codes as the dialect reads them (see [`ParseOptions::dialect`]).
    pub dialect: Dialect,
}

impl<'a> RecordView<'a> {
    /// The 24-byte leader (always ASCII).
    #[inline]
    pub fn leader(&self) -> &'a [u8] {
        &self.bytes[..LEADER_LEN]
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the record has no fields (never true for a parsed record).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The fields in directory order.
    #[inline]
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldView<'a>> + 'a {
        let bytes = self.bytes;
        let utf8 = self.encoding == Encoding::Utf8;
        let dialect = self.dialect;
        self.spans.iter().map(move |s| FieldView {
            tag: s.tag,
            data: &bytes[s.start as usize..s.end as usize],
            utf8,
            dialect,
        })
    }

    /// The first field with `tag`, if any.
    pub fn field(&self, tag: &[u8; 3]) -> Option<FieldView<'a>> {
        self.fields().find(|f| &f.tag.0 == tag)
    }
}

/// One field: its tag and its data (without the field terminator).
#[derive(Clone, Copy, Debug)]
pub struct FieldView<'a> {
    /// The tag.
    pub tag: Tag,
    /// The data bytes: for a control field its value, for a data field the
    /// indicators followed by the subfields.
    pub data: &'a [u8],
    utf8: bool,
    dialect: Dialect,
}

impl<'a> FieldView<'a> {
    /// Whether this is a control field (`001`-`009`).
    #[inline]
    pub fn is_control(&self) -> bool {
        self.tag.is_control()
    }

    /// The raw indicator area: the bytes before the first 0x1F.
    #[inline]
    pub fn indicator_bytes(&self) -> &'a [u8] {
        match memchr::memchr(SUBFIELD_DELIMITER, self.data) {
            Some(p) => &self.data[..p],
            None => self.data,
        }
    }

    /// The two indicators; a missing one reads as a blank and any beyond
    /// the second are ignored (pymarc's rule).
    #[inline]
    pub fn indicators(&self) -> [u8; 2] {
        self.split().0
    }

    /// The subfields, in order; empty pieces between delimiters are dropped.
    #[inline]
    pub fn subfields(&self) -> Subfields<'a> {
        self.split().1
    }

    /// Indicators and subfields at once, finding the first delimiter once.
    #[inline]
    pub fn split(&self) -> ([u8; 2], Subfields<'a>) {
        let (ind, rest, done) = match memchr::memchr(SUBFIELD_DELIMITER, self.data) {
            Some(p) => (&self.data[..p], &self.data[p + 1..], false),
            None => (self.data, &[][..], true),
        };
        let indicators = [
            ind.first().copied().unwrap_or(b' '),
            ind.get(1).copied().unwrap_or(b' '),
        ];
        let subfields = Subfields {
            rest,
            done,
            utf8: self.utf8,
            dialect: self.dialect,
        };
        (indicators, subfields)
    }
}

/// One subfield: code and value, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subfield<'a> {
    /// The code: one byte, or one whole UTF-8 character in a UTF-8 record.
    pub code: &'a [u8],
    /// The value.
    pub value: &'a [u8],
}

/// Iterator over a data field's subfields.
#[derive(Clone, Debug)]
pub struct Subfields<'a> {
    rest: &'a [u8],
    done: bool,
    utf8: bool,
    dialect: Dialect,
}

#[inline]
fn utf8_char_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

impl<'a> Iterator for Subfields<'a> {
    type Item = Subfield<'a>;

    #[inline]
    fn next(&mut self) -> Option<Subfield<'a>> {
        loop {
            if self.done {
                return None;
            }
            let piece = match memchr::memchr(SUBFIELD_DELIMITER, self.rest) {
                Some(p) => {
                    let piece = &self.rest[..p];
                    self.rest = &self.rest[p + 1..];
                    piece
                }
                None => {
                    self.done = true;
                    self.rest
                }
            };
            if piece.is_empty() {
                continue;
            }
            let n = if self.utf8 {
                utf8_char_len(piece[0]).min(piece.len())
            } else if self.dialect.is_pymarc()
                && piece[0] >= 0x80
                && std::str::from_utf8(piece).is_ok()
            {
                // pymarc decodes the whole subfield as UTF-8 to find the
                // code when its first byte is not ASCII.
                utf8_char_len(piece[0]).min(piece.len())
            } else {
                1
            };
            return Some(Subfield {
                code: &piece[..n],
                value: &piece[n..],
            });
        }
    }
}
