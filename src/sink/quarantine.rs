//! The records a reader skipped as malformed, as an Arrow batch: where
//! each was, what was wrong, and its original bytes, so that nothing of
//! the input is lost (`ReadOptions::quarantine`).

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::pipeline::Quarantined;

/// The quarantine table's columns.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("record_index", DataType::UInt64, false),
        Field::new("byte_offset", DataType::UInt64, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("bytes", DataType::Binary, false),
    ]))
}

/// One row per quarantined record, in input order.
pub fn to_batch(items: &[Quarantined]) -> Result<RecordBatch, ArrowError> {
    let mut index = UInt64Builder::with_capacity(items.len());
    let mut offset = UInt64Builder::with_capacity(items.len());
    let mut kind = StringBuilder::new();
    let mut reason = StringBuilder::new();
    let mut bytes = BinaryBuilder::new();
    for q in items {
        index.append_value(q.index);
        offset.append_value(q.offset);
        kind.append_value(q.kind);
        reason.append_value(&q.reason);
        bytes.append_value(&q.bytes);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(index.finish()),
        Arc::new(offset.finish()),
        Arc::new(kind.finish()),
        Arc::new(reason.finish()),
        Arc::new(bytes.finish()),
    ];
    RecordBatch::try_new(schema(), columns)
}

/// Their bytes in all.
pub fn bytes(items: &[Quarantined]) -> u64 {
    items.iter().map(|q| q.bytes.len() as u64).sum()
}
