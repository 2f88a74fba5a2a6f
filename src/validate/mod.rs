//! Validation: records checked against an Avram schema ([`schema`]) by
//! the workers of the same bounded, ordered pipeline the readers use, one
//! Arrow batch of findings per chunk ([`check`] finds, this module writes
//! the rows). Any record format the readers take can be checked.

pub mod check;
pub mod schema;

use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt32Builder, UInt64Builder, UInt8Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema as ArrowSchema, SchemaRef};

use crate::arrow::RecordBuilder;
use crate::error::{MarcError, Problem};
use crate::input::Source;
use crate::marc::record::{RecordPos, RecordView};
use crate::options::ReadOptions;
use crate::pipeline::{self, BatchStream, PipelineError};
pub use check::{Checker, Finding, Rule, RULES};
pub use schema::{Schema, SchemaError};

/// How to validate, besides the reading options.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// The rules.
    pub schema: Arc<Schema>,
    /// Report local fields (9XX, X9X) the schema does not define.
    pub report_local: bool,
    /// The `source` column's value.
    pub source: Option<String>,
}

/// The findings table's columns.
pub fn findings_schema() -> SchemaRef {
    let utf8 = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(ArrowSchema::new(vec![
        utf8("source", true),
        Field::new("record_index", DataType::UInt64, false),
        Field::new("byte_offset", DataType::UInt64, false),
        Field::new("line", DataType::UInt64, true),
        Field::new("column", DataType::UInt64, true),
        utf8("id", true),
        utf8("tag", true),
        Field::new("occurrence", DataType::UInt32, true),
        Field::new("indicator", DataType::UInt8, true),
        utf8("code", true),
        utf8("position", true),
        utf8("value", true),
        utf8("rule", false),
        utf8("severity", false),
        utf8("message", false),
    ]))
}

/// The rows of one chunk.
struct FindingsBuilder {
    opts: Arc<ValidateOptions>,
    records: usize,
    found: Vec<Finding>,
    source: StringBuilder,
    index: UInt64Builder,
    offset: UInt64Builder,
    line: UInt64Builder,
    column: UInt64Builder,
    id: StringBuilder,
    tag: StringBuilder,
    occurrence: UInt32Builder,
    indicator: UInt8Builder,
    code: StringBuilder,
    position: StringBuilder,
    value: StringBuilder,
    rule: StringBuilder,
    severity: StringBuilder,
    message: StringBuilder,
}

impl FindingsBuilder {
    fn new(opts: Arc<ValidateOptions>) -> Self {
        FindingsBuilder {
            opts,
            records: 0,
            found: Vec::new(),
            source: StringBuilder::new(),
            index: UInt64Builder::new(),
            offset: UInt64Builder::new(),
            line: UInt64Builder::new(),
            column: UInt64Builder::new(),
            id: StringBuilder::new(),
            tag: StringBuilder::new(),
            occurrence: UInt32Builder::new(),
            indicator: UInt8Builder::new(),
            code: StringBuilder::new(),
            position: StringBuilder::new(),
            value: StringBuilder::new(),
            rule: StringBuilder::new(),
            severity: StringBuilder::new(),
            message: StringBuilder::new(),
        }
    }
}

impl RecordBuilder for FindingsBuilder {
    type Output = RecordBatch;

    fn push(
        &mut self,
        pos: RecordPos,
        record: &RecordView<'_>,
        _problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError> {
        self.records += 1;
        self.found.clear();
        Checker::new(&self.opts.schema, self.opts.report_local).check(record, &mut self.found);
        if self.found.is_empty() {
            return Ok(());
        }
        let id = record
            .field(b"001")
            .map(|f| String::from_utf8_lossy(f.data).trim().to_string());
        for f in self.found.drain(..) {
            self.source.append_option(self.opts.source.as_deref());
            self.index.append_value(pos.index);
            self.offset.append_value(pos.offset);
            // Text formats: where the record starts (ISO 2709 has no lines).
            self.line.append_option((pos.line > 0).then_some(pos.line));
            self.column
                .append_option((pos.line > 0).then_some(pos.column));
            self.id.append_option(id.as_deref());
            self.tag
                .append_option(f.tag.map(|t| String::from_utf8_lossy(&t).into_owned()));
            self.occurrence.append_option(f.occurrence);
            self.indicator.append_option(f.indicator);
            self.code.append_option(f.code);
            self.position.append_option(f.position);
            self.value.append_option(f.value);
            self.rule.append_value(f.rule.name());
            self.severity.append_value(f.rule.severity());
            self.message.append_value(f.message);
        }
        Ok(())
    }

    fn records(&self) -> usize {
        self.records
    }

    fn decoded_records(&self) -> usize {
        0
    }

    fn finish(mut self: Box<Self>) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.source.finish()),
            Arc::new(self.index.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.column.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.tag.finish()),
            Arc::new(self.occurrence.finish()),
            Arc::new(self.indicator.finish()),
            Arc::new(self.code.finish()),
            Arc::new(self.position.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.message.finish()),
        ];
        RecordBatch::try_new(findings_schema(), columns)
    }
}

/// Starts validating `source`: a stream of findings batches in input
/// order (a chunk without findings gives an empty batch). The stream's
/// problems are the reader's, under `read`'s policy.
pub fn validate(
    source: Source,
    read: ReadOptions,
    opts: ValidateOptions,
) -> Result<BatchStream<RecordBatch>, PipelineError> {
    let opts = Arc::new(opts);
    let factory: pipeline::Factory<RecordBatch> =
        Arc::new(move |_| Box::new(FindingsBuilder::new(opts.clone())));
    pipeline::start_with(source, read, factory)
}
