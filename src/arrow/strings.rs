//! String columns: `Utf8` (values copied into one buffer plus offsets) or
//! `Utf8View` (views into the input chunk, see [`Arena`]).

use std::sync::Arc;

use arrow_array::builder::make_view;
use arrow_array::{ArrayRef, StringArray, StringViewArray};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::ArrowError;

use super::StringType;

/// Where view strings live: block 0 is the input chunk (strings found in
/// it are referenced, not copied), block 1 collects strings that are not in
/// it (transcoded Latin-1, or records not from the chunk) and are too long
/// to inline.
#[derive(Debug)]
pub(crate) struct Arena {
    pub(super) base: bytes::Bytes,
    extra: Vec<u8>,
}

impl Arena {
    /// An arena over `chunk` (used by view strings only).
    pub(crate) fn new(chunk: bytes::Bytes) -> Self {
        Arena {
            base: chunk,
            extra: Vec::new(),
        }
    }

    /// The two buffers the views point into; the arena is emptied.
    pub(crate) fn blocks(&mut self) -> [Buffer; 2] {
        [
            Buffer::from(std::mem::take(&mut self.base)),
            Buffer::from_vec(std::mem::take(&mut self.extra)),
        ]
    }

    /// The view of `b` (valid UTF-8), referencing the chunk where possible.
    #[inline]
    fn view(&mut self, b: &[u8]) -> u128 {
        if b.len() <= 12 {
            return make_view(b, 0, 0);
        }
        // Address arithmetic only (no dereference): is `b` inside the chunk?
        let start = (b.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
        if start <= self.base.len() && b.len() <= self.base.len() - start {
            return make_view(b, 0, start as u32);
        }
        let at = self.extra.len();
        self.extra.extend_from_slice(b);
        make_view(b, 1, at as u32)
    }

    /// The view of Latin-1 bytes `b`, transcoded to UTF-8.
    #[inline]
    fn view_latin1(&mut self, b: &[u8]) -> u128 {
        if b.is_ascii() {
            return self.view(b);
        }
        let at = self.extra.len();
        latin1_to_utf8(b, &mut self.extra);
        let n = self.extra.len() - at;
        if n <= 12 {
            let v = make_view(&self.extra[at..], 0, 0);
            self.extra.truncate(at);
            return v;
        }
        make_view(&self.extra[at..], 1, at as u32)
    }
}

#[inline]
fn latin1_to_utf8(b: &[u8], out: &mut Vec<u8>) {
    if b.is_ascii() {
        out.extend_from_slice(b);
        return;
    }
    for &c in b {
        if c < 0x80 {
            out.push(c);
        } else {
            out.push(0xC0 | (c >> 6));
            out.push(0x80 | (c & 0x3F));
        }
    }
}

/// A string column under construction: views, or values plus offsets
/// (by [`StringType`]), and validity.
#[derive(Debug)]
pub(crate) struct StrCol {
    kind: StringType,
    views: Vec<u128>,
    pub(super) values: Vec<u8>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl StrCol {
    pub(crate) fn new(kind: StringType, cap: usize) -> Self {
        let (views, offsets) = match kind {
            StringType::View => (Vec::with_capacity(cap), Vec::new()),
            StringType::Plain => {
                let mut o = Vec::with_capacity(cap + 1);
                o.push(0);
                (Vec::new(), o)
            }
        };
        StrCol {
            kind,
            views,
            values: Vec::new(),
            offsets,
            nulls: NullBufferBuilder::new(cap),
        }
    }

    /// Appends bytes already known to be valid UTF-8 (validated by the
    /// parser, or ASCII); the arrays are validated again when built, so a
    /// mistake is an error, not undefined behaviour.
    #[inline]
    pub(crate) fn push_utf8(&mut self, b: &[u8], arena: &mut Arena) {
        match self.kind {
            StringType::View => self.views.push(arena.view(b)),
            StringType::Plain => {
                self.values.extend_from_slice(b);
                self.offsets.push(self.values.len() as i32);
            }
        }
        self.nulls.append_non_null();
    }

    /// Appends Latin-1 bytes, transcoded to UTF-8.
    #[inline]
    pub(crate) fn push_latin1(&mut self, b: &[u8], arena: &mut Arena) {
        match self.kind {
            StringType::View => self.views.push(arena.view_latin1(b)),
            StringType::Plain => {
                latin1_to_utf8(b, &mut self.values);
                self.offsets.push(self.values.len() as i32);
            }
        }
        self.nulls.append_non_null();
    }

    #[inline]
    pub(crate) fn push(&mut self, b: &[u8], utf8: bool, arena: &mut Arena) {
        if utf8 {
            self.push_utf8(b, arena)
        } else {
            self.push_latin1(b, arena)
        }
    }

    /// An indicator byte: ASCII as is, anything else as its Latin-1 char so
    /// the column stays valid UTF-8.
    #[inline]
    pub(super) fn push_byte(&mut self, c: u8, arena: &mut Arena) {
        self.push_latin1(&[c], arena);
    }

    #[inline]
    pub(crate) fn push_null(&mut self) {
        match self.kind {
            StringType::View => self.views.push(0),
            StringType::Plain => self.offsets.push(self.values.len() as i32),
        }
        self.nulls.append_null();
    }

    pub(crate) fn len(&self) -> usize {
        match self.kind {
            StringType::View => self.views.len(),
            StringType::Plain => self.offsets.len() - 1,
        }
    }

    pub(crate) fn finish(mut self, blocks: &[Buffer; 2]) -> Result<ArrayRef, ArrowError> {
        let nulls = self.nulls.finish();
        Ok(match self.kind {
            StringType::View => {
                let views = ScalarBuffer::from(self.views);
                if cfg!(debug_assertions) {
                    // Tests run unoptimised: check every view there.
                    Arc::new(StringViewArray::try_new(views, blocks.to_vec(), nulls)?)
                } else {
                    // SAFETY: every view was made by `make_view` from a slice
                    // that is either inline (<= 12 bytes) or lies in block 0
                    // (the chunk, checked by address in `Arena::view`) or
                    // block 1 (appended to `extra` at the recorded offset),
                    // so offsets, lengths and prefixes are right. Every slice
                    // is valid UTF-8: ASCII (tags, leaders, ASCII indicators),
                    // Latin-1 transcoded by `latin1_to_utf8`, or cut at ASCII
                    // delimiters / whole characters from a field of a record
                    // whose data area (pymarc dialect: every field)
                    // `Parser::check` validated as UTF-8 and whose fields it
                    // checked start and end on character boundaries.
                    // Validating again costs about a quarter of the pipeline
                    // (perf, ARCHITECTURE.md "Measured choices"); debug builds
                    // and the tests validate it all.
                    Arc::new(unsafe {
                        StringViewArray::new_unchecked(views, blocks.to_vec(), nulls)
                    })
                }
            }
            StringType::Plain => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
                let values = Buffer::from_vec(self.values);
                if cfg!(debug_assertions) {
                    Arc::new(StringArray::try_new(offsets, values, nulls)?)
                } else {
                    // SAFETY: the offsets start at 0 and only grow (each is
                    // `values.len()` after a push), the last is the buffer's
                    // length, and every pushed slice is valid UTF-8, as for
                    // the views above. Validating again cost 3% of
                    // `read_arrow` (perf, ARCHITECTURE.md "Measured
                    // choices"); debug builds and the tests validate it all.
                    Arc::new(unsafe { StringArray::new_unchecked(offsets, values, nulls) })
                }
            }
        })
    }
}
