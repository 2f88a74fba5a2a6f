//! Streaming Parquet export: pipeline batches into arrow-rs's `ArrowWriter`.
//!
//! Memory is bounded by the pipeline (its chunks in flight) and by one row
//! group being encoded, never by the input size. The file is written under
//! a temporary name in the destination's folder and renamed at the end, so
//! a failed or interrupted run leaves no half-written `dest`. The file's
//! key-value metadata says what it holds: `marcarrow.version`,
//! `marcarrow.layout`, `marcarrow.sources` (a JSON list of names).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as PqCompression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::arrow::{Layout, StringType};
use crate::error::Problem;
use crate::input::Source;
use crate::options::{OptionError, ReadOptions, Value};
use crate::pipeline::{self, PipelineError};
use crate::sink::output::Output;
use crate::sink::parquet_encode::ParallelWriter;
use crate::sink::progress::Progress;

/// The Parquet codec (inside the file; not the [`Compression`] of a
/// stream, which `input` undoes and the MARC writers will apply).
///
/// [`Compression`]: crate::input::Compression
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// Zstandard at a level (`None`: the codec's default).
    Zstd(Option<i32>),
    /// Snappy.
    Snappy,
    /// No compression.
    None,
}

/// Parquet settings.
#[derive(Clone, Debug)]
pub struct ParquetOptions {
    /// Codec.
    pub compression: Codec,
    /// Rows per row group (`None`: 50,000 records in the nested layout,
    /// 1,000,000 rows in the long one, a few tens of MB encoded either way).
    pub row_group_size: Option<usize>,
    /// Draw a progress bar on standard error (only if it is a terminal).
    pub progress: bool,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            compression: Codec::Zstd(None),
            row_group_size: None,
            progress: false,
        }
    }
}

impl ParquetOptions {
    /// The Parquet options among keyword arguments (`compression`,
    /// `compression_level`, `row_group_size`, `progress`), taken out of
    /// `pairs`; the rest are reading options.
    pub fn take_from(pairs: &mut Vec<(String, Value)>) -> Result<Self, OptionError> {
        let mut o = ParquetOptions::default();
        let (mut codec, mut level) = (None, None);
        let bad = |m: String| OptionError::Value(m);
        let ty = crate::options::type_err;
        for (name, v) in std::mem::take(pairs) {
            match (name.as_str(), &v) {
                ("compression", Value::Str(s)) => codec = Some(s.clone()),
                ("compression", _) => return Err(ty(&name, "a str", &v)),
                ("compression_level", Value::None) => {}
                ("compression_level", Value::Int(l)) => level = Some(*l as i32),
                ("compression_level", _) => return Err(ty(&name, "an int or None", &v)),
                ("row_group_size", Value::None) => {}
                ("row_group_size", Value::Int(n)) if *n >= 1 => {
                    o.row_group_size = Some(*n as usize)
                }
                ("row_group_size", Value::Int(_)) => {
                    return Err(bad("row_group_size must be at least 1".into()))
                }
                ("row_group_size", _) => return Err(ty(&name, "an int or None", &v)),
                ("progress", Value::Bool(b)) => o.progress = *b,
                ("progress", _) => return Err(ty(&name, "a bool", &v)),
                _ => pairs.push((name, v)),
            }
        }
        o.compression = match (codec.as_deref().unwrap_or("zstd"), level) {
            ("zstd", level) => Codec::Zstd(level),
            ("snappy", None) => Codec::Snappy,
            ("none", None) => Codec::None,
            (c @ ("snappy" | "none"), Some(_)) => {
                return Err(bad(format!(
                    "compression_level applies to zstd only, not {c:?}"
                )))
            }
            (other, _) => {
                return Err(bad(format!(
                    "compression must be 'zstd', 'snappy' or 'none', not {other:?}"
                )))
            }
        };
        Ok(o)
    }
}

/// One input: its name (recorded in the file) and its bytes.
pub struct Named {
    /// Name written to the `source` column and the metadata.
    pub name: String,
    /// The bytes.
    pub source: Source,
    /// Size in bytes, when known (for the progress bar's ETA).
    pub size: Option<u64>,
}

/// What an export did.
#[derive(Debug, Default)]
pub struct ExportSummary {
    /// Records written.
    pub records: u64,
    /// MARC bytes read (after decompression).
    pub bytes_in: u64,
    /// Size of the Parquet file.
    pub bytes_out: u64,
    /// Problems reported (lenient and skip policies).
    pub problems: Vec<Problem>,
    /// For each problem, the index of its input in `inputs`.
    pub problem_inputs: Vec<usize>,
    /// Under `quarantine`, the records skipped as malformed, whole, in
    /// input order.
    pub quarantined: Vec<crate::pipeline::Quarantined>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Why an export failed (no file is left under `dest`).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading or parsing failed (including a strict-mode malformed record).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// Writing the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Parquet writer failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The caller's `check` asked to stop (for example on Ctrl-C).
    #[error("interrupted")]
    Interrupted,
}

fn json_list(names: &[String]) -> String {
    let items: Vec<String> = names
        .iter()
        .map(|n| {
            let mut s = String::from("\"");
            for c in n.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
                    c => s.push(c),
                }
            }
            s.push('"');
            s
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Writes every record of `inputs`, in order, to the Parquet file `dest`.
/// `keep_going` is asked after every batch; `false` stops the export (no
/// file is left), as for Ctrl-C.
pub fn write_parquet(
    inputs: Vec<Named>,
    dest: &Path,
    mut opts: ReadOptions,
    pq: &ParquetOptions,
    keep_going: &mut dyn FnMut() -> bool,
) -> Result<ExportSummary, ExportError> {
    let started = Instant::now();
    // Parquet stores strings one way; plain arrays are the cheaper input.
    opts.strings = StringType::Plain;
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let multi = inputs.len() > 1;
    let base = opts.schema();
    let schema: SchemaRef = if multi {
        let mut fields = vec![Arc::new(Field::new("source", DataType::Utf8, false))];
        fields.extend(base.fields().iter().cloned());
        Arc::new(Schema::new(fields))
    } else {
        base
    };
    let compression = match pq.compression {
        Codec::Zstd(None) => PqCompression::ZSTD(ZstdLevel::default()),
        Codec::Zstd(Some(l)) => PqCompression::ZSTD(ZstdLevel::try_new(l)?),
        Codec::Snappy => PqCompression::SNAPPY,
        Codec::None => PqCompression::UNCOMPRESSED,
    };
    let rows = pq.row_group_size.unwrap_or(match opts.layout {
        Layout::Nested => 50_000,
        Layout::Long => 1_000_000,
    });
    let layout = opts.layout_name();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(rows.max(1)))
        .set_created_by(format!("marcarrow {}", env!("CARGO_PKG_VERSION")))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_key_value_metadata(Some(vec![
            KeyValue::new(
                "marcarrow.version".into(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
            KeyValue::new("marcarrow.layout".into(), layout.to_string()),
            KeyValue::new("marcarrow.sources".into(), json_list(&names)),
        ]));
    // Free text (values, leaders) is high-cardinality: a dictionary attempt
    // is wasted work and min/max statistics prune nothing. Keys (tags,
    // codes, indicators, indices) keep both. Measured in ARCHITECTURE.md.
    let free_text: &[&[&str]] = match opts.layout {
        _ if opts.columns.is_some() => &[],
        Layout::Nested => &[
            &["leader"],
            &["fields", "list", "item", "value"],
            &[
                "fields",
                "list",
                "item",
                "subfields",
                "list",
                "item",
                "value",
            ],
        ],
        Layout::Long => &[&["value"]],
    };
    let column = |path: &[&str]| ColumnPath::new(path.iter().map(|s| s.to_string()).collect());
    let props = free_text.iter().fold(props, |p, path| {
        p.set_column_dictionary_enabled(column(path), false)
            .set_column_statistics_enabled(column(path), EnabledStatistics::None)
    });
    // Keys inside the nested layout's lists keep their dictionary but not
    // their statistics: every row group holds tags 001 to 9XX, so min/max
    // over a list's items prune nothing (and cost 6% of the export's CPU).
    let list_keys: &[&[&str]] = match opts.layout {
        Layout::Nested if opts.columns.is_none() => &[
            &["fields", "list", "item", "tag"],
            &["fields", "list", "item", "ind1"],
            &["fields", "list", "item", "ind2"],
            &[
                "fields",
                "list",
                "item",
                "subfields",
                "list",
                "item",
                "code",
            ],
        ],
        _ => &[],
    };
    let props = list_keys.iter().fold(props, |p, path| {
        p.set_column_statistics_enabled(column(path), EnabledStatistics::None)
    });
    let props = props.build();

    let (output, file) = Output::create(dest)?;
    let writer = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema.clone(),
        Some(props),
    )?;
    // A thread per leaf column, up to 8: their work is uneven (free text
    // outweighs codes), and the scheduler balances threads, not columns,
    // over the cores. `threads=1` keeps to one encoder.
    let encoders = if opts.threads == Some(1) { 1 } else { 8 };
    let mut writer = ParallelWriter::new(writer, schema.clone(), rows.max(1), encoders)?;

    let total: Option<u64> = inputs.iter().map(|i| i.size).sum();
    let bar = Progress::new(pq.progress, total);
    let mut summary = ExportSummary::default();
    let mut done_bytes = 0u64;
    for (i, input) in inputs.into_iter().enumerate() {
        let mut stream = pipeline::start(input.source, opts.clone())?;
        let counters = stream.counters();
        for batch in stream.by_ref() {
            let batch = batch?;
            let batch = if multi {
                let n = batch.num_rows();
                let col: ArrayRef = Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                    &input.name,
                    n,
                )));
                let mut cols = vec![col];
                cols.extend(batch.columns().iter().cloned());
                RecordBatch::try_new(schema.clone(), cols).map_err(PipelineError::Arrow)?
            } else {
                batch
            };
            writer.write(&batch)?;
            if !keep_going() {
                bar.abandon();
                return Err(ExportError::Interrupted);
            }
            let read = counters.bytes_scanned.load(Ordering::Relaxed);
            let recs = summary.records + counters.records.load(Ordering::Relaxed);
            bar.update(done_bytes + read, recs);
        }
        summary.records += counters.records.load(Ordering::Relaxed);
        done_bytes += counters.bytes_scanned.load(Ordering::Relaxed);
        let found =
            std::mem::take(&mut *stream.problems().lock().unwrap_or_else(|p| p.into_inner()));
        summary
            .problem_inputs
            .extend(std::iter::repeat_n(i, found.len()));
        summary.problems.extend(found);
        summary.quarantined.extend(std::mem::take(
            &mut *stream
                .quarantined()
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        ));
    }
    let inner = writer.into_inner()?;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    let written = output.path().to_path_buf();
    output.commit(file)?;
    bar.finish();
    summary.bytes_in = done_bytes;
    summary.bytes_out = std::fs::metadata(&written)?.len();
    summary.seconds = started.elapsed().as_secs_f64();
    let _ = std::io::stderr().flush();
    Ok(summary)
}
