//! MARC to MARC: every record of some inputs, read by the pipeline (any
//! format, `tags=` and `where=` applied), written by a [`MarcWriter`]; what
//! `marcarrow convert` and `marcarrow filter` run.

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::arrow::{Layout, StringType};
use crate::options::ReadOptions;
use crate::pipeline::{self, PipelineError};
use crate::sink::parquet::Named;
use crate::sink::progress::Progress;

use super::{Dest, MarcWriter, WriteError, WriteOptions};

/// What a conversion did.
#[derive(Debug, Default)]
pub struct ConvertSummary {
    /// Records read (every frame the scanner found, before `where=`).
    pub records_read: u64,
    /// Records written.
    pub records_written: u64,
    /// MARC bytes read (after decompression).
    pub bytes_in: u64,
    /// Bytes written (before compression).
    pub bytes_out: u64,
    /// Problems, reading's then writing's.
    pub problems: Vec<crate::error::Problem>,
    /// For each problem, the index of its input (`None`: the writer's).
    pub problem_inputs: Vec<Option<usize>>,
    /// Under `quarantine`, the records skipped as malformed, whole, in
    /// input order.
    pub quarantined: Vec<crate::pipeline::Quarantined>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Why a conversion failed (a file destination is left untouched).
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// Reading failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Reads `inputs` in order and writes their records to `dest`. `keep_going`
/// is asked after every batch; `false` stops (nothing is left at a file
/// destination), as for Ctrl-C.
pub fn convert(
    inputs: Vec<Named>,
    dest: Dest,
    mut read: ReadOptions,
    write: WriteOptions,
    progress: bool,
    keep_going: &mut dyn FnMut() -> bool,
) -> Result<ConvertSummary, ConvertError> {
    let started = Instant::now();
    read.layout = Layout::Nested;
    read.strings = StringType::Plain;
    read.columns = None;
    // The writer reports a record it cannot write at its place in the
    // input, which these columns carry.
    read.provenance = true;
    let mut writer = MarcWriter::new(dest, write)?;
    let total: Option<u64> = inputs.iter().map(|i| i.size).sum();
    let bar = Progress::new(progress, total);
    let mut summary = ConvertSummary::default();
    for (i, input) in inputs.into_iter().enumerate() {
        let mut stream = pipeline::start(input.source, read.clone())?;
        let counters = stream.counters();
        for batch in stream.by_ref() {
            writer.write(&batch?)?;
            if !keep_going() {
                bar.abandon();
                return Err(WriteError::Interrupted.into());
            }
            let scanned = counters.bytes_scanned.load(Ordering::Relaxed);
            bar.update(summary.bytes_in + scanned, writer.records());
        }
        summary.records_read += counters.frames.load(Ordering::Relaxed);
        summary.bytes_in += counters.bytes_scanned.load(Ordering::Relaxed);
        let found =
            std::mem::take(&mut *stream.problems().lock().unwrap_or_else(|p| p.into_inner()));
        summary
            .problem_inputs
            .extend(std::iter::repeat_n(Some(i), found.len()));
        summary.problems.extend(found);
        summary.quarantined.extend(std::mem::take(
            &mut *stream
                .quarantined()
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        ));
    }
    let w = writer.finish()?;
    bar.finish();
    summary.records_written = w.records;
    summary.bytes_out = w.bytes;
    summary
        .problem_inputs
        .extend(std::iter::repeat_n(None, w.problems.len()));
    summary.problems.extend(w.problems);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
