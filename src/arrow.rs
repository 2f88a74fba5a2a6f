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
//! Columns are built as raw value buffers plus offsets (the Arrow layout
//! itself), so appending a string is a `memcpy` and an offset push; there
//! are no per-record structs in between. Strings from records that are not
//! UTF-8 (leader/09 other than `a`) are decoded as Latin-1 until the MARC-8
//! decoder lands, and counted ([`BatchBuilder::latin1_records`]).

use std::sync::Arc;

use arrow_array::{
    ArrayRef, ListArray, RecordBatch, StringArray, StructArray, UInt32Array, UInt64Array,
};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};

use crate::record::{Encoding, RecordView};

/// The shape of the Arrow output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One row per record (lossless). The default.
    #[default]
    Nested,
    /// One row per subfield (lossless), for SQL and group-bys.
    Long,
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

    /// The Arrow schema of this layout.
    pub fn schema(&self) -> SchemaRef {
        match self {
            Layout::Nested => nested_schema(),
            Layout::Long => long_schema(),
        }
    }
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn subfield_fields() -> Fields {
    Fields::from(vec![utf8("code", false), utf8("value", false)])
}

fn field_fields() -> Fields {
    Fields::from(vec![
        utf8("tag", false),
        utf8("ind1", true),
        utf8("ind2", true),
        utf8("value", true),
        Field::new(
            "subfields",
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(subfield_fields()),
                false,
            ))),
            true,
        ),
    ])
}

/// Schema of [`Layout::Nested`].
pub fn nested_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("leader", false),
        Field::new(
            "fields",
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(field_fields()),
                false,
            ))),
            false,
        ),
    ]))
}

/// Schema of [`Layout::Long`].
pub fn long_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("record_index", DataType::UInt64, false),
        Field::new("field_index", DataType::UInt32, true),
        utf8("tag", false),
        utf8("ind1", true),
        utf8("ind2", true),
        Field::new("subfield_index", DataType::UInt32, true),
        utf8("code", true),
        utf8("value", true),
    ]))
}

/// A string column under construction: values, offsets, validity.
#[derive(Debug)]
struct StrCol {
    values: Vec<u8>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl StrCol {
    fn new(cap: usize) -> Self {
        let mut offsets = Vec::with_capacity(cap + 1);
        offsets.push(0);
        StrCol {
            values: Vec::new(),
            offsets,
            nulls: NullBufferBuilder::new(cap),
        }
    }

    #[inline]
    fn end(&mut self) {
        self.offsets.push(self.values.len() as i32);
        self.nulls.append_non_null();
    }

    /// Appends bytes already known to be valid UTF-8 (validated by the
    /// parser, or ASCII); the whole column is validated again by
    /// `StringArray::try_new` at the end, so a mistake is an error, not UB.
    #[inline]
    fn push_utf8(&mut self, b: &[u8]) {
        self.values.extend_from_slice(b);
        self.end();
    }

    /// Appends Latin-1 bytes, transcoded to UTF-8.
    #[inline]
    fn push_latin1(&mut self, b: &[u8]) {
        if b.is_ascii() {
            self.values.extend_from_slice(b);
        } else {
            for &c in b {
                if c < 0x80 {
                    self.values.push(c);
                } else {
                    self.values.push(0xC0 | (c >> 6));
                    self.values.push(0x80 | (c & 0x3F));
                }
            }
        }
        self.end();
    }

    #[inline]
    fn push(&mut self, b: &[u8], utf8: bool) {
        if utf8 {
            self.push_utf8(b)
        } else {
            self.push_latin1(b)
        }
    }

    /// An indicator byte: ASCII as is, anything else as its Latin-1 char so
    /// the column stays valid UTF-8.
    #[inline]
    fn push_byte(&mut self, c: u8) {
        self.push_latin1(&[c]);
    }

    #[inline]
    fn push_null(&mut self) {
        self.offsets.push(self.values.len() as i32);
        self.nulls.append_null();
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn finish(mut self) -> Result<StringArray, ArrowError> {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        StringArray::try_new(offsets, Buffer::from_vec(self.values), self.nulls.finish())
    }
}

/// Accumulates records of one batch in one layout.
#[derive(Debug)]
pub struct BatchBuilder {
    layout: Layout,
    rows: usize,
    latin1_records: usize,
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
    /// An empty builder sized for about `records` records.
    pub fn new(layout: Layout, records: usize) -> Self {
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
        BatchBuilder {
            layout,
            rows: 0,
            latin1_records: 0,
            leader: StrCol::new(records),
            field_offsets,
            tag: StrCol::new(f),
            ind1: StrCol::new(f),
            ind2: StrCol::new(f),
            value: StrCol::new(f),
            sub_offsets,
            sub_nulls: NullBufferBuilder::new(f),
            code: StrCol::new(s.max(f)),
            sub_value: StrCol::new(s),
            record_index: Vec::with_capacity(f),
            field_index: Vec::with_capacity(f),
            field_index_nulls: NullBufferBuilder::new(f),
            subfield_index: Vec::with_capacity(f),
            subfield_index_nulls: NullBufferBuilder::new(f),
        }
    }

    /// Like [`BatchBuilder::new`], with string buffers sized for records
    /// totalling `bytes` input bytes, so that they are not regrown (and
    /// copied) while the batch fills.
    pub fn with_bytes(layout: Layout, records: usize, bytes: usize) -> Self {
        let mut b = Self::new(layout, records);
        match layout {
            Layout::Nested => b.sub_value.values.reserve(bytes),
            Layout::Long => b.value.values.reserve(bytes),
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

    /// Records appended whose strings were decoded as Latin-1.
    pub fn latin1_records(&self) -> usize {
        self.latin1_records
    }

    /// Appends one record; `index` is its record index in the source.
    pub fn push(&mut self, index: u64, r: &RecordView<'_>) {
        self.rows += 1;
        let utf8 = r.encoding == Encoding::Utf8;
        if !utf8 {
            self.latin1_records += 1;
        }
        match self.layout {
            Layout::Nested => self.push_nested(r, utf8),
            Layout::Long => self.push_long(index, r, utf8),
        }
    }

    fn push_nested(&mut self, r: &RecordView<'_>, utf8: bool) {
        self.leader.push_utf8(r.leader());
        for f in r.fields() {
            self.tag.push_utf8(&f.tag.0);
            if f.is_control() {
                self.ind1.push_null();
                self.ind2.push_null();
                self.value.push(f.data, utf8);
                self.sub_offsets.push(self.code.len() as i32);
                self.sub_nulls.append_null();
            } else {
                let [i1, i2] = f.indicators();
                self.ind1.push_byte(i1);
                self.ind2.push_byte(i2);
                self.value.push_null();
                for s in f.subfields() {
                    self.code.push(s.code, utf8);
                    self.sub_value.push(s.value, utf8);
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
        match field {
            Some(i) => {
                self.field_index.push(i);
                self.field_index_nulls.append_non_null();
            }
            None => {
                self.field_index.push(0);
                self.field_index_nulls.append_null();
            }
        }
        match sub {
            Some(i) => {
                self.subfield_index.push(i);
                self.subfield_index_nulls.append_non_null();
            }
            None => {
                self.subfield_index.push(0);
                self.subfield_index_nulls.append_null();
            }
        }
    }

    fn push_long(&mut self, index: u64, r: &RecordView<'_>, utf8: bool) {
        self.long_row(index, None, None);
        self.tag.push_utf8(b"LDR");
        self.ind1.push_null();
        self.ind2.push_null();
        self.code.push_null();
        self.value.push_utf8(r.leader());
        for (fi, f) in r.fields().enumerate() {
            let fi = fi as u32;
            if f.is_control() {
                self.long_row(index, Some(fi), None);
                self.tag.push_utf8(&f.tag.0);
                self.ind1.push_null();
                self.ind2.push_null();
                self.code.push_null();
                self.value.push(f.data, utf8);
                continue;
            }
            let [i1, i2] = f.indicators();
            let mut n = 0u32;
            for s in f.subfields() {
                self.long_row(index, Some(fi), Some(n));
                self.tag.push_utf8(&f.tag.0);
                self.ind1.push_byte(i1);
                self.ind2.push_byte(i2);
                self.code.push(s.code, utf8);
                self.value.push(s.value, utf8);
                n += 1;
            }
            if n == 0 {
                self.long_row(index, Some(fi), None);
                self.tag.push_utf8(&f.tag.0);
                self.ind1.push_byte(i1);
                self.ind2.push_byte(i2);
                self.code.push_null();
                self.value.push_null();
            }
        }
    }

    /// Builds the batch; the builder is consumed.
    pub fn finish(self) -> Result<RecordBatch, ArrowError> {
        match self.layout {
            Layout::Nested => self.finish_nested(),
            Layout::Long => self.finish_long(),
        }
    }

    fn finish_nested(mut self) -> Result<RecordBatch, ArrowError> {
        let schema = nested_schema();
        let sub_struct = StructArray::try_new(
            subfield_fields(),
            vec![
                Arc::new(self.code.finish()?) as ArrayRef,
                Arc::new(self.sub_value.finish()?),
            ],
            None,
        )?;
        let subfields = ListArray::try_new(
            Arc::new(Field::new(
                "item",
                DataType::Struct(subfield_fields()),
                false,
            )),
            OffsetBuffer::new(ScalarBuffer::from(self.sub_offsets)),
            Arc::new(sub_struct),
            self.sub_nulls.finish(),
        )?;
        let field_struct = StructArray::try_new(
            field_fields(),
            vec![
                Arc::new(self.tag.finish()?) as ArrayRef,
                Arc::new(self.ind1.finish()?),
                Arc::new(self.ind2.finish()?),
                Arc::new(self.value.finish()?),
                Arc::new(subfields),
            ],
            None,
        )?;
        let fields = ListArray::try_new(
            Arc::new(Field::new("item", DataType::Struct(field_fields()), false)),
            OffsetBuffer::new(ScalarBuffer::from(self.field_offsets)),
            Arc::new(field_struct),
            None,
        )?;
        RecordBatch::try_new(
            schema,
            vec![Arc::new(self.leader.finish()?), Arc::new(fields)],
        )
    }

    fn finish_long(mut self) -> Result<RecordBatch, ArrowError> {
        let field_index = UInt32Array::try_new(
            ScalarBuffer::from(self.field_index),
            self.field_index_nulls.finish(),
        )?;
        let subfield_index = UInt32Array::try_new(
            ScalarBuffer::from(self.subfield_index),
            self.subfield_index_nulls.finish(),
        )?;
        RecordBatch::try_new(
            long_schema(),
            vec![
                Arc::new(UInt64Array::from(self.record_index)),
                Arc::new(field_index),
                Arc::new(self.tag.finish()?),
                Arc::new(self.ind1.finish()?),
                Arc::new(self.ind2.finish()?),
                Arc::new(subfield_index),
                Arc::new(self.code.finish()?),
                Arc::new(self.value.finish()?),
            ],
        )
    }
}
