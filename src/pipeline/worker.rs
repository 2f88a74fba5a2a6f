//! A worker's job: one chunk of frames through the error policy
//! (`process_frame`, the same code as the sequential `Reader`), the
//! `where=` filter, and the chunk's [`RecordBuilder`].

use arrow_array::RecordBatch;

use super::{ChunkInfo, PipelineError};
use crate::arrow::RecordBuilder;
use crate::error::{ErrorKind, MarcError, Problem};
use crate::formats::frame::{process_text_frame, TextFrame};
use crate::formats::{line_column, LinePos};
use crate::input::Format;
use crate::marc::reader::{process_frame, reject, Step};
use crate::marc::record::{ParseOptions, Parser, RecordPos};
use crate::marc::scan::FrameKind;
use crate::options::ReadOptions;
use crate::select::predicate::Filter;

/// One frame of a chunk, positioned in the source and in the chunk.
pub(super) struct Frame {
    pub(super) index: u64,
    pub(super) offset: u64,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) kind: FrameKind,
    /// Where the frame starts as a line (text formats).
    pub(super) line: LinePos,
}

pub(super) struct Chunk {
    pub(super) seq: u64,
    pub(super) format: Format,
    /// The chunk's bytes; frame positions are relative to them. Batches of
    /// view strings keep (a share of) them alive.
    pub(super) data: bytes::Bytes,
    pub(super) frames: Vec<Frame>,
}

/// What one chunk produced.
#[derive(Debug)]
pub struct ChunkOutput<O = RecordBatch> {
    /// What the builder made of the records delivered (possibly none).
    pub output: O,
    /// Records delivered (rows in the nested layout; fewer than rows in
    /// the long one).
    pub records: usize,
    /// Problems reported in this chunk, in input order.
    pub problems: Vec<Problem>,
    /// Records that were decoded (not UTF-8 as they stood).
    pub decoded_records: usize,
    /// Frames processed (records and skipped pieces).
    pub frames: usize,
    /// Bytes of the frames that parsed as records (delivered or filtered).
    pub record_bytes: u64,
    /// Bytes of the frames that were skipped.
    pub skipped_bytes: u64,
    /// Under strict: the error that ends the stream after this chunk.
    pub raised: Option<MarcError>,
    /// Under [`ReadOptions::quarantine`], the records skipped as malformed,
    /// with their original bytes (shares of the chunk, not copies).
    pub quarantined: Vec<Quarantined>,
    /// The chunk's input bytes and the source offset of their first byte
    /// (for callers that hand out raw records, such as pymarc's
    /// `current_chunk`); a share of the chunk, not a copy. `None` unless
    /// [`ReadOptions::keep_raw`].
    pub raw: Option<(bytes::Bytes, u64)>,
}

/// A record skipped as malformed, kept whole.
#[derive(Clone, Debug)]
pub struct Quarantined {
    /// Its record index in the source.
    pub index: u64,
    /// Its first byte's offset in the source.
    pub offset: u64,
    /// Its bytes, as they stood in the (decompressed) input.
    pub bytes: bytes::Bytes,
    /// The problem that skipped it: kind and reason.
    pub kind: &'static str,
    /// The reason, in words.
    pub reason: String,
}

/// Parses one chunk (runs on a worker).
pub(super) fn parse_chunk<O>(
    chunk: Chunk,
    opts: &ReadOptions,
    factory: &(dyn Fn(&ChunkInfo<'_>) -> Box<dyn RecordBuilder<Output = O>> + Send + Sync),
) -> Result<ChunkOutput<O>, PipelineError> {
    if opts.fail_at_chunk == Some(chunk.seq) {
        panic!("injected failure");
    }
    let bytes: &[u8] = &chunk.data;
    let raw_offset = chunk
        .frames
        .first()
        .map_or(0, |f| f.offset - f.start as u64);
    let raw = opts.keep_raw.then(|| (chunk.data.clone(), raw_offset));
    let mut parser = Parser::new(ParseOptions {
        policy: opts.policy,
        encoding: opts.encoding,
        encoding_errors: opts.decode.errors,
        dialect: opts.decode.dialect,
    });
    let mut builder = factory(&ChunkInfo {
        frames: chunk.frames.len(),
        data: &chunk.data,
    });
    let mut filter = opts.predicate.as_deref().map(Filter::new);
    let mut problems = Vec::new();
    let mut repairs = Vec::new();
    let mut raised = None;
    let (mut record_bytes, mut skipped_bytes) = (0u64, 0u64);
    let mut frames = 0;
    let mut text = TextFrame::new(chunk.format);
    let mut quarantined = Vec::new();
    for f in chunk.frames {
        frames += 1;
        let span = Span {
            index: f.index,
            offset: f.offset,
            range: f.start..f.end,
        };
        let rec = &bytes[f.start..f.end];
        let len = rec.len() as u64;
        let pos = RecordPos {
            index: f.index,
            offset: f.offset,
            line: f.line.line,
            column: if f.line.line > 0 {
                f.offset - f.line.line_start + 1
            } else {
                0
            },
        };
        let first_problem = problems.len();
        let step = match &mut text {
            None => process_frame(
                &mut parser,
                opts.policy,
                f.kind,
                rec,
                pos,
                &mut problems,
                &mut repairs,
            ),
            Some(t) => process_text_frame(&mut parser, t, f.kind, rec, pos, &mut problems),
        };
        match step {
            Step::Deliver => {
                let built: &[u8] = match &text {
                    Some(t) => &t.built.bytes,
                    None => rec,
                };
                let view = parser.view(built);
                let pushed = match filter.as_mut().map(|f| f.matches(&view, pos, opts.decode)) {
                    Some(Ok(false)) => Ok(()),
                    Some(Err(e)) => Err(e),
                    None | Some(Ok(true)) => builder.push(pos, &view, &mut problems),
                };
                match pushed {
                    Ok(()) => record_bytes += len,
                    Err(e) => {
                        skipped_bytes += len;
                        match reject(opts.policy, e.spanning(len), &mut problems) {
                            Step::Raise(e) => raised = Some(e),
                            _ => keep(opts, &chunk.data, &span, &problems, &mut quarantined),
                        }
                    }
                }
            }
            Step::Skip => {
                skipped_bytes += len;
                keep(opts, &chunk.data, &span, &problems, &mut quarantined);
            }
            Step::Raise(e) => raised = Some(e),
        }
        if text.is_some() {
            // Text formats say where as line and column too; a position
            // inside the built record is no position in the text.
            let errors = problems[first_problem..]
                .iter_mut()
                .map(|p| &mut p.error)
                .chain(raised.as_mut());
            for e in errors {
                if matches!(
                    e.kind,
                    ErrorKind::Encoding { .. } | ErrorKind::InvalidUtf8 { .. }
                ) {
                    e.error_offset = None;
                }
                e.line = Some(Box::new(line_column(f.line, f.offset, rec, e.line_at())));
            }
        }
        if raised.is_some() {
            break;
        }
    }
    let decoded_records = builder.decoded_records();
    let records = builder.records();
    Ok(ChunkOutput {
        output: builder.finish()?,
        problems,
        decoded_records,
        records,
        frames,
        record_bytes,
        skipped_bytes,
        raised,
        raw,
        quarantined,
    })
}

/// Where a frame is, in the source and in its chunk.
struct Span {
    index: u64,
    offset: u64,
    range: std::ops::Range<usize>,
}

/// Under quarantine, keeps a skipped frame's bytes with the problem that
/// skipped it (the last one reported); garbage between records is not a
/// record and is only counted.
fn keep(
    opts: &ReadOptions,
    data: &bytes::Bytes,
    f: &Span,
    problems: &[Problem],
    out: &mut Vec<Quarantined>,
) {
    if !opts.quarantine {
        return;
    }
    let Some(p) = problems.last() else { return };
    if matches!(p.error.kind, ErrorKind::Garbage { .. }) {
        return;
    }
    out.push(Quarantined {
        index: f.index,
        offset: f.offset,
        bytes: data.slice(f.range.clone()),
        kind: p.error.kind.name(),
        reason: p.error.kind.to_string(),
    });
}
