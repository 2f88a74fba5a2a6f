//! Arrow RecordBatches built directly from parsed record views.
//!
//! Two layouts (see `ARCHITECTURE.md` for the schemas):
//!
//! - [`Layout::Nested`]: one row per record, `leader` and `fields` (a list
//!   of structs with `tag`, `ind1`, `ind2`, `value`, `subfields`).
//! - [`Layout::Long`]: one row per subfield, control field, leader and
//!   subfield-less data field, keyed by `record_index`, `field_index`,
//!   `subfield_index`.
//!
//! Strings are `Utf8` by default ([`StringType::Plain`]: one value buffer
//! plus `i32` offsets, so appending is a `memcpy` and an offset push).
//! [`StringType::View`] builds `Utf8View`: a string of more than 12 bytes
//! is a 16-byte view pointing into the input chunk itself (which the batch
//! keeps alive), shorter ones are inline. Views save the value copy and
//! polars imports them as they are, but MARC is mostly short strings, so
//! they take about 2.4x the memory (ARCHITECTURE.md, "Measured choices").
//! Either way there are no per-record structs in between. Records that are
//! not valid UTF-8 (MARC-8, or another encoding the caller chose) have their
//! values decoded by `decode::Decoded` before anything is appended; their
//! subfield codes and indicators, single bytes, are kept as Latin-1 chars.

use std::sync::Arc;

use arrow_array::builder::make_view;
use arrow_array::{
    ArrayRef, ListArray, RecordBatch, StringArray, StringViewArray, StructArray, UInt32Array,
    UInt64Array,
};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};

use crate::decode::{DecodeOptions, Decoded, Values};
use crate::error::{MarcError, Problem};
use crate::record::{Encoding, RecordPos, RecordView};
use crate::select::{self, TagFilter};

/// The shape of the Arrow output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One row per record (lossless). The default.
    #[default]
    Nested,
    /// One row per subfield (lossless), for SQL and group-bys.
    Long,
}

/// The physical type of string columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StringType {
    /// `Utf8View`, long strings pointing into the input chunk (no copy).
    View,
    /// `Utf8`: values copied into one buffer plus `i32` offsets. The default.
    #[default]
    Plain,
}

impl StringType {
    /// The Arrow type of a string column.
    pub fn data_type(self) -> DataType {
        match self {
            StringType::View => DataType::Utf8View,
            StringType::Plain => DataType::Utf8,
        }
    }
}

impl Layout {
    /// Parses `"nested"` or `"long"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nested" => Some(Self::Nested),
            "long" => Some(Self::Long),
            _ => None,
        }
    }

    /// The Arrow schema of this layout with strings of type `strings`.
    pub fn schema(&self, strings: StringType) -> SchemaRef {
        match self {
            Layout::Nested => nested_schema(strings),
            Layout::Long => long_schema(strings),
        }
    }

    /// The schema with provenance columns in front (see
    /// [`BatchBuilder::set_provenance`]).
    pub fn schema_with(&self, strings: StringType, provenance: bool) -> SchemaRef {
        let base = self.schema(strings);
        if !provenance {
            return base;
        }
        let mut fields: Vec<Arc<Field>> = provenance_fields(*self, strings)
            .into_iter()
            .map(Arc::new)
            .collect();
        fields.extend(base.fields().iter().cloned());
        Arc::new(Schema::new(fields))
    }
}

/// Provenance columns: where each record came from.
pub(crate) fn provenance_fields(layout: Layout, s: StringType) -> Vec<Field> {
    let mut v = Vec::new();
    if layout == Layout::Nested {
        v.push(Field::new("record_index", DataType::UInt64, false));
    }
    v.push(Field::new("byte_offset", DataType::UInt64, false));
    v.push(text("control_number", s, true));
    v
}

pub(crate) fn text(name: &str, strings: StringType, nullable: bool) -> Field {
    Field::new(name, strings.data_type(), nullable)
}

fn subfield_fields(s: StringType) -> Fields {
    Fields::from(vec![text("code", s, false), text("value", s, false)])
}

fn subfield_item(s: StringType) -> Arc<Field> {
    Arc::new(Field::new(
        "item",
        DataType::Struct(subfield_fields(s)),
        false,
    ))
}

fn field_fields(s: StringType) -> Fields {
    Fields::from(vec![
        text("tag", s, false),
        text("ind1", s, true),
        text("ind2", s, true),
        text("value", s, true),
        Field::new("subfields", DataType::List(subfield_item(s)), true),
    ])
}

fn field_item(s: StringType) -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Struct(field_fields(s)), false))
}

/// Schema of [`Layout::Nested`].
pub fn nested_schema(s: StringType) -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("leader", s, false),
        Field::new("fields", DataType::List(field_item(s)), false),
    ]))
}

/// Schema of [`Layout::Long`].
pub fn long_schema(s: StringType) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("record_index", DataType::UInt64, false),
        Field::new("field_index", DataType::UInt32, true),
        text("tag", s, false),
        text("ind1", s, true),
        text("ind2", s, true),
        Field::new("subfield_index", DataType::UInt32, true),
        text("code", s, true),
        text("value", s, true),
    ]))
}

/// Where view strings live: block 0 is the input chunk (strings found in
/// it are referenced, not copied), block 1 collects strings that are not in
/// it (transcoded Latin-1, or records not from the chunk) and are too long
/// to inline.
#[derive(Debug)]
pub(crate) struct Arena {
    base: bytes::Bytes,
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
    values: Vec<u8>,
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
    fn push_byte(&mut self, c: u8, arena: &mut Arena) {
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
                    // whose data area `Parser::check` validated as UTF-8 and
                    // whose fields it checked start on character boundaries.
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
                Arc::new(StringArray::try_new(
                    offsets,
                    Buffer::from_vec(self.values),
                    nulls,
                )?)
            }
        })
    }
}

/// A value's bytes: the record's own (valid UTF-8) or the next decoded one.
#[inline]
fn value<'v>(raw: &'v [u8], utf8: bool, decoded: &mut Values<'v>) -> &'v [u8] {
    if utf8 {
        raw
    } else {
        // `Decoded` holds exactly one value per control field and subfield,
        // visited in this same order.
        decoded.next().unwrap_or_default().as_bytes()
    }
}

/// Accumulates records of one batch in one layout.
#[derive(Debug)]
pub struct BatchBuilder {
    layout: Layout,
    strings: StringType,
    arena: Arena,
    decoded: Decoded,
    decode_opts: DecodeOptions,
    tags: Option<TagFilter>,
    // Provenance (on request): per record, and rows per record (long).
    provenance: bool,
    prov_index: Vec<u64>,
    prov_offset: Vec<u64>,
    prov_001: StrCol,
    prov_rows: Vec<u32>,
    rows: usize,
    decoded_records: usize,
    // Nested.
    leader: StrCol,
    field_offsets: Vec<i32>,
    tag: StrCol,
    ind1: StrCol,
    ind2: StrCol,
    value: StrCol,
    sub_offsets: Vec<i32>,
    sub_nulls: NullBufferBuilder,
    code: StrCol,
    sub_value: StrCol,
    // Long (reuses tag, ind1, ind2, code, value).
    record_index: Vec<u64>,
    field_index: Vec<u32>,
    field_index_nulls: NullBufferBuilder,
    subfield_index: Vec<u32>,
    subfield_index_nulls: NullBufferBuilder,
}

impl BatchBuilder {
    /// An empty builder sized for about `records` records. `chunk` is the
    /// input the records lie in: with [`StringType::View`], strings inside
    /// it are referenced (the batch keeps it alive) rather than copied;
    /// strings from elsewhere are copied. Pass an empty `Bytes` when the
    /// records do not come from one buffer.
    pub fn new(layout: Layout, strings: StringType, records: usize, chunk: bytes::Bytes) -> Self {
        let fields = records * 24;
        let subs = records * 40;
        let (f, s) = match layout {
            Layout::Nested => (fields, subs),
            Layout::Long => (subs, 0),
        };
        let mut field_offsets = Vec::with_capacity(records + 1);
        field_offsets.push(0);
        let mut sub_offsets = Vec::with_capacity(fields + 1);
        sub_offsets.push(0);
        let col = |cap| StrCol::new(strings, cap);
        let mut b = BatchBuilder {
            layout,
            strings,
            rows: 0,
            decoded_records: 0,
            decoded: Decoded::default(),
            decode_opts: DecodeOptions::default(),
            tags: None,
            provenance: false,
            prov_index: Vec::new(),
            prov_offset: Vec::new(),
            prov_001: col(0),
            prov_rows: Vec::new(),
            leader: col(records),
            field_offsets,
            tag: col(f),
            ind1: col(f),
            ind2: col(f),
            value: col(f),
            sub_offsets,
            sub_nulls: NullBufferBuilder::new(f),
            code: col(s.max(f)),
            sub_value: col(s),
            record_index: Vec::with_capacity(f),
            field_index: Vec::with_capacity(f),
            field_index_nulls: NullBufferBuilder::new(f),
            subfield_index: Vec::with_capacity(f),
            subfield_index_nulls: NullBufferBuilder::new(f),
            arena: Arena {
                base: bytes::Bytes::new(),
                extra: Vec::new(),
            },
        };
        if strings == StringType::Plain {
            // Values are copied: size the largest value column from the
            // chunk so that it is not regrown (and copied) as it fills.
            match layout {
                Layout::Nested => b.sub_value.values.reserve(chunk.len()),
                Layout::Long => b.value.values.reserve(chunk.len()),
            }
        } else {
            b.arena.base = chunk;
        }
        b
    }

    /// The layout being built.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Records appended so far.
    pub fn records(&self) -> usize {
        self.rows
    }

    /// Records appended that were decoded (not UTF-8 as they stood).
    pub fn decoded_records(&self) -> usize {
        self.decoded_records
    }

    /// Add provenance columns in front: `record_index` (nested layout; the
    /// long one has it already), `byte_offset` (where the record starts in
    /// its source) and `control_number` (the first 001, null if none).
    pub fn set_provenance(&mut self, on: bool) {
        self.provenance = on;
    }

    /// Keep only the fields whose tags `tags` matches (`None`: all).
    pub fn set_tags(&mut self, tags: Option<TagFilter>) {
        self.tags = tags;
    }

    /// How records that are not valid UTF-8 are decoded.
    pub fn set_decode_options(&mut self, opts: DecodeOptions) {
        self.decode_opts = opts;
    }

    /// Appends one record; `pos` is its record index and offset in the
    /// source. A record that is not valid UTF-8 is decoded first: under
    /// `encoding_errors="strict"` a byte that does not decode is returned
    /// as the record's error and nothing is appended; under `"replace"`
    /// each substitution is appended to `problems`.
    pub fn push(
        &mut self,
        pos: RecordPos,
        r: &RecordView<'_>,
        problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError> {
        let utf8 = r.encoding == Encoding::Utf8;
        // Decode into the scratch before touching any column.
        let decoded = std::mem::take(&mut self.decoded);
        let mut decoded = decoded;
        if !utf8 {
            if let Err(e) =
                decoded.decode_record(r, pos, self.decode_opts, self.tags.as_ref(), problems)
            {
                self.decoded = decoded;
                return Err(e);
            }
            self.decoded_records += 1;
        }
        let mut values = decoded.values();
        self.rows += 1;
        if self.provenance {
            self.prov_index.push(pos.index);
            self.prov_offset.push(pos.offset);
            match r.field(b"001") {
                Some(f) if utf8 => self.prov_001.push_utf8(f.data, &mut self.arena),
                Some(f) => self.prov_001.push_latin1(f.data, &mut self.arena),
                None => self.prov_001.push_null(),
            }
        }
        let rows_before = self.record_index.len();
        match self.layout {
            Layout::Nested => self.push_nested(r, utf8, &mut values),
            Layout::Long => self.push_long(pos.index, r, utf8, &mut values),
        }
        if self.provenance && self.layout == Layout::Long {
            self.prov_rows
                .push((self.record_index.len() - rows_before) as u32);
        }
        self.decoded = decoded;
        Ok(())
    }

    fn push_nested<'v>(&mut self, r: &RecordView<'v>, utf8: bool, values: &mut Values<'v>) {
        let a = &mut self.arena;
        self.leader.push_utf8(r.leader(), a);
        for f in r.fields() {
            if !select::keeps(self.tags.as_ref(), &f.tag) {
                continue;
            }
            self.tag.push_utf8(&f.tag.0, a);
            if f.is_control() {
                self.ind1.push_null();
                self.ind2.push_null();
                self.value.push_utf8(value(f.data, utf8, values), a);
                self.sub_offsets.push(self.code.len() as i32);
                self.sub_nulls.append_null();
            } else {
                let (ind, subfields) = f.split();
                self.ind1.push_byte(ind[0], a);
                self.ind2.push_byte(ind[1], a);
                self.value.push_null();
                for s in subfields {
                    self.code.push(s.code, utf8, a);
                    self.sub_value.push_utf8(value(s.value, utf8, values), a);
                }
                self.sub_offsets.push(self.code.len() as i32);
                self.sub_nulls.append_non_null();
            }
        }
        self.field_offsets.push(self.tag.len() as i32);
    }

    #[inline]
    fn long_row(&mut self, index: u64, field: Option<u32>, sub: Option<u32>) {
        self.record_index.push(index);
        self.field_index.push(field.unwrap_or(0));
        self.field_index_nulls.append(field.is_some());
        self.subfield_index.push(sub.unwrap_or(0));
        self.subfield_index_nulls.append(sub.is_some());
    }

    fn push_long<'v>(
        &mut self,
        index: u64,
        r: &RecordView<'v>,
        utf8: bool,
        values: &mut Values<'v>,
    ) {
        self.long_row(index, None, None);
        self.tag.push_utf8(b"LDR", &mut self.arena);
        self.ind1.push_null();
        self.ind2.push_null();
        self.code.push_null();
        self.value.push_utf8(r.leader(), &mut self.arena);
        for (fi, f) in r.fields().enumerate() {
            if !select::keeps(self.tags.as_ref(), &f.tag) {
                continue;
            }
            let fi = fi as u32;
            if f.is_control() {
                self.long_row(index, Some(fi), None);
                let a = &mut self.arena;
                self.tag.push_utf8(&f.tag.0, a);
                self.ind1.push_null();
                self.ind2.push_null();
                self.code.push_null();
                self.value.push_utf8(value(f.data, utf8, values), a);
                continue;
            }
            let (ind, subfields) = f.split();
            let mut n = 0u32;
            for s in subfields {
                self.long_row(index, Some(fi), Some(n));
                let a = &mut self.arena;
                self.tag.push_utf8(&f.tag.0, a);
                self.ind1.push_byte(ind[0], a);
                self.ind2.push_byte(ind[1], a);
                self.code.push(s.code, utf8, a);
                self.value.push_utf8(value(s.value, utf8, values), a);
                n += 1;
            }
            if n == 0 {
                self.long_row(index, Some(fi), None);
                let a = &mut self.arena;
                self.tag.push_utf8(&f.tag.0, a);
                self.ind1.push_byte(ind[0], a);
                self.ind2.push_byte(ind[1], a);
                self.code.push_null();
                self.value.push_null();
            }
        }
    }

    /// Builds the batch; the builder is consumed.
    pub fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        let blocks = self.arena.blocks();
        let provenance = self.provenance.then(|| {
            (
                std::mem::take(&mut self.prov_index),
                std::mem::take(&mut self.prov_offset),
                std::mem::replace(&mut self.prov_001, StrCol::new(self.strings, 0)),
                std::mem::take(&mut self.prov_rows),
            )
        });
        let (layout, strings) = (self.layout, self.strings);
        let batch = match layout {
            Layout::Nested => self.finish_nested(&blocks)?,
            Layout::Long => self.finish_long(&blocks)?,
        };
        let Some((index, offset, cn, rows)) = provenance else {
            return Ok(batch);
        };
        let cn = cn.finish(&blocks)?;
        let mut cols: Vec<ArrayRef> = Vec::new();
        match layout {
            Layout::Nested => {
                cols.push(Arc::new(UInt64Array::from(index)));
                cols.push(Arc::new(UInt64Array::from(offset)));
                cols.push(cn);
            }
            Layout::Long => {
                // One value per record, repeated over the record's rows.
                let take: Vec<u32> = rows
                    .iter()
                    .enumerate()
                    .flat_map(|(i, &n)| std::iter::repeat_n(i as u32, n as usize))
                    .collect();
                let idx = UInt32Array::from(take);
                cols.push(arrow_select::take::take(
                    &UInt64Array::from(offset),
                    &idx,
                    None,
                )?);
                cols.push(arrow_select::take::take(cn.as_ref(), &idx, None)?);
            }
        }
        cols.extend(batch.columns().iter().cloned());
        RecordBatch::try_new(layout.schema_with(strings, true), cols)
    }

    fn finish_nested(mut self, blocks: &[Buffer; 2]) -> Result<RecordBatch, ArrowError> {
        let s = self.strings;
        let sub_struct = StructArray::try_new(
            subfield_fields(s),
            vec![self.code.finish(blocks)?, self.sub_value.finish(blocks)?],
            None,
        )?;
        let subfields = ListArray::try_new(
            subfield_item(s),
            OffsetBuffer::new(ScalarBuffer::from(self.sub_offsets)),
            Arc::new(sub_struct),
            self.sub_nulls.finish(),
        )?;
        let field_struct = StructArray::try_new(
            field_fields(s),
            vec![
                self.tag.finish(blocks)?,
                self.ind1.finish(blocks)?,
                self.ind2.finish(blocks)?,
                self.value.finish(blocks)?,
                Arc::new(subfields),
            ],
            None,
        )?;
        let fields = ListArray::try_new(
            field_item(s),
            OffsetBuffer::new(ScalarBuffer::from(self.field_offsets)),
            Arc::new(field_struct),
            None,
        )?;
        RecordBatch::try_new(
            nested_schema(s),
            vec![self.leader.finish(blocks)?, Arc::new(fields)],
        )
    }

    fn finish_long(mut self, blocks: &[Buffer; 2]) -> Result<RecordBatch, ArrowError> {
        let field_index = UInt32Array::try_new(
            ScalarBuffer::from(self.field_index),
            self.field_index_nulls.finish(),
        )?;
        let subfield_index = UInt32Array::try_new(
            ScalarBuffer::from(self.subfield_index),
            self.subfield_index_nulls.finish(),
        )?;
        RecordBatch::try_new(
            long_schema(self.strings),
            vec![
                Arc::new(UInt64Array::from(self.record_index)),
                Arc::new(field_index),
                self.tag.finish(blocks)?,
                self.ind1.finish(blocks)?,
                self.ind2.finish(blocks)?,
                Arc::new(subfield_index),
                self.code.finish(blocks)?,
                self.value.finish(blocks)?,
            ],
        )
    }
}
