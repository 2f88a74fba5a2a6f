//! The nested and long layouts. Both walk the same fields and subfields
//! of a record in one pass; only where the values go differs, so one
//! builder appends to the columns of whichever layout it was made for.

use std::sync::Arc;

use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray, UInt32Array, UInt64Array};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::ArrowError;

use super::{
    field_fields, field_item, long_schema, nested_schema, subfield_fields, subfield_item, Arena,
    Layout, StrCol, StringType,
};
use crate::decode::{DecodeOptions, Decoded, Values};
use crate::error::{MarcError, Problem};
use crate::marc::record::{Encoding, RecordPos, RecordView};
use crate::select::{self, TagFilter};

/// A value's bytes: the record's own (valid UTF-8) or the next decoded one.
#[inline]
fn value<'v>(raw: &'v [u8], utf8: bool, decoded: &mut Values<'v>) -> &'v [u8] {
    if utf8 {
        raw
    } else {
        // `Decoded` holds exactly one value per control field and subfield,
        // visited in this same order.
        decoded.next().unwrap_or_default()
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
            arena: Arena::new(bytes::Bytes::new()),
        };
        if strings == StringType::Plain {
            // Values are copied: size the largest value column from the
            // chunk so that it is not regrown (and copied) as it fills.
            // The keys too: tags 3 bytes, indicators and codes 1.
            match layout {
                Layout::Nested => b.sub_value.values.reserve(chunk.len()),
                Layout::Long => b.value.values.reserve(chunk.len()),
            }
            b.leader.values.reserve(records * 24);
            b.tag.values.reserve(f * 3);
            for c in [&mut b.ind1, &mut b.ind2] {
                c.values.reserve(f);
            }
            b.code.values.reserve(s.max(f));
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
        let utf8 = r.text;
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
        }
        // Counted by encoding: a MARC-8 record of plain ASCII counts too.
        if r.encoding != Encoding::Utf8 {
            self.decoded_records += 1;
        }
        let mut values = decoded.values(r.bytes);
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

inherent_record_builder!(BatchBuilder);
