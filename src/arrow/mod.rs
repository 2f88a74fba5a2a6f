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

/// Implements [`RecordBuilder`] for a builder of `RecordBatch`es by its
/// inherent methods of the same names (which benches and tests call
/// directly).
macro_rules! inherent_record_builder {
    ($t:ty) => {
        impl $crate::arrow::RecordBuilder for $t {
            type Output = arrow_array::RecordBatch;

            fn push(
                &mut self,
                pos: $crate::marc::record::RecordPos,
                record: &$crate::marc::record::RecordView<'_>,
                problems: &mut Vec<$crate::error::Problem>,
            ) -> Result<(), $crate::error::MarcError> {
                <$t>::push(self, pos, record, problems)
            }

            fn records(&self) -> usize {
                <$t>::records(self)
            }

            fn decoded_records(&self) -> usize {
                <$t>::decoded_records(self)
            }

            fn finish(
                self: Box<Self>,
            ) -> Result<arrow_array::RecordBatch, arrow_schema::ArrowError> {
                <$t>::finish(*self)
            }
        }
    };
}

pub mod columns;
mod records;
mod strings;

use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};

use crate::error::{MarcError, Problem};
use crate::marc::record::{RecordPos, RecordView};

pub use columns::{ColumnBuilder, Columns};
pub use records::BatchBuilder;
pub(crate) use strings::{Arena, StrCol};

/// What every layout implements: records in, one output per chunk out.
/// The pipeline's workers make one per chunk and know nothing of layouts.
pub trait RecordBuilder {
    /// What a finished chunk becomes (a `RecordBatch` for the layouts).
    type Output;

    /// Appends one parsed record. An error (a value that does not decode
    /// under `encoding_errors="strict"`) leaves nothing of the record
    /// behind; the caller's policy decides what follows.
    fn push(
        &mut self,
        pos: RecordPos,
        record: &RecordView<'_>,
        problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError>;

    /// Records appended so far.
    fn records(&self) -> usize;

    /// Of those, records whose values were decoded (not UTF-8 as they
    /// stood).
    fn decoded_records(&self) -> usize;

    /// The chunk's output.
    fn finish(self: Box<Self>) -> Result<Self::Output, ArrowError>;
}

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
    /// Parses `"string"` or `"string_view"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "string" => Some(Self::Plain),
            "string_view" => Some(Self::View),
            _ => None,
        }
    }

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
