//! MARC writers: record batches in the nested layout (or the long one,
//! regrouped by record) to ISO 2709, MARCXML, MARC-in-JSON (an array or one
//! record per line) or MARCMaker text.
//!
//! A batch is read into borrowed [`RecordRef`]s (`table.rs`, `long.rs`,
//! checking every column and value the format needs, naming column and
//! row), encoded in slices on Rayon workers, one reused buffer per slice,
//! and written in order; at most one batch and its encoding are held. A
//! file appears only when complete (`dest.rs`, through `sink::output`).

mod convert;
mod dest;
mod iso2709;
mod json;
mod long;
mod mrk;
mod options;
pub mod record;
mod table;
mod xml;

use std::io::Write;

use arrow_array::RecordBatch;
use rayon::prelude::*;

use crate::error::{ErrorKind, MarcError, Problem};
pub use convert::{convert, ConvertError, ConvertSummary};
pub use dest::Dest;
pub use iso2709::Oversize;
pub use options::{Encoding, OversizePolicy, Style, WriteArgs, WriteFormat, WriteOptions};
use record::{Parts, RecordRef};
pub use table::TableError;

/// Why a record cannot be encoded.
#[derive(Clone, Debug)]
pub enum Reject {
    /// Too long for ISO 2709 (the oversize policy decides).
    Oversize(Oversize),
    /// A value the format cannot hold at all, such as a control character
    /// in MARCXML (the oversize policy decides: the record does not fit).
    Unwritable(String),
    /// A value the format cannot hold (always an error).
    Table {
        /// The column.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Reject {
    fn table(column: &'static str, message: String) -> Self {
        Reject::Table { column, message }
    }
}

/// Why writing failed; a file destination is then left untouched.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The table is not one that can be written.
    #[error("cannot write this table: {0}")]
    Table(#[from] TableError),
    /// A record the format cannot hold (too long for ISO 2709, a character
    /// MARCXML cannot hold) under `oversize="error"`.
    #[error("record at row {row}{}: {what}, or pass oversize=\"skip\" to leave such records out", control_number.as_ref().map(|c| format!(" (001 {c:?})")).unwrap_or_default())]
    Unfit {
        /// Why: `"Oversize"` or `"Unwritable"` (as the problem's kind).
        kind: &'static str,
        /// The row (0-based, over the whole stream).
        row: u64,
        /// Its 001.
        control_number: Option<String>,
        /// What does not fit, and which format would take it.
        what: String,
    },
    /// Writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Arrow source failed.
    #[error("reading the table: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The caller asked to stop (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
}

/// What a write did.
#[derive(Debug, Default)]
pub struct WriteSummary {
    /// Records written.
    pub records: u64,
    /// Bytes written (before compression).
    pub bytes: u64,
    /// Records left out (`oversize="skip"`), one problem each.
    pub problems: Vec<Problem>,
}

/// One slice's work: its bytes and the records it left out.
type Encoded = Result<(Vec<u8>, Vec<Problem>, u64), WriteError>;

/// A streaming writer: [`MarcWriter::write`] batches in order, then
/// [`MarcWriter::finish`].
pub struct MarcWriter {
    dest: Dest,
    opts: WriteOptions,
    pool: Option<rayon::ThreadPool>,
    rows: u64,
    /// Long layout: rows of a record cut by the end of the last batch.
    pending: Option<RecordBatch>,
    /// The last batch, encoded, not yet written.
    ready: Vec<Encoded>,
    summary: WriteSummary,
}

impl MarcWriter {
    /// A writer into `dest`.
    pub fn new(mut dest: Dest, opts: WriteOptions) -> Result<Self, WriteError> {
        let head: &[u8] = match opts.format {
            WriteFormat::MarcXml => xml::HEAD,
            WriteFormat::Json => json::ARRAY_HEAD,
            _ => b"",
        };
        dest.write_all(head)?;
        let pool = match opts.threads {
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .build()
                    .map_err(|e| std::io::Error::other(e.to_string()))?,
            ),
            None => None,
        };
        let summary = WriteSummary {
            bytes: head.len() as u64,
            ..Default::default()
        };
        Ok(MarcWriter {
            dest,
            opts,
            pool,
            rows: 0,
            pending: None,
            ready: Vec::new(),
            summary,
        })
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.summary.records
    }

    /// Writes a batch in the nested or long layout.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WriteError> {
        if long::is_long(batch.schema().as_ref()) {
            return self.write_long(batch);
        }
        let table = table::Nested::new(batch)?;
        let view = table.view()?;
        let n = table.len();
        let row0 = self.rows;
        self.rows += n as u64;
        self.encode(n, |i, parts| {
            let row = row0 + i as u64;
            let at = At {
                row,
                source: view.source_place(i),
            };
            Ok((view.record(i, row, parts)?, at))
        })
    }

    fn write_long(&mut self, batch: &RecordBatch) -> Result<(), WriteError> {
        let batch = match self.pending.take() {
            Some(p) => arrow_select::concat::concat_batches(&batch.schema(), [&p, batch])?,
            None => batch.clone(),
        };
        let table = long::Long::new(&batch)?;
        let view = table.view()?;
        // Record boundaries: where record_index changes, or the input
        // (several inputs in one Parquet file each count from 0).
        let source = match batch.column_by_name("source") {
            Some(a) => Some(table::plain(a).map_err(|e| TableError {
                column: "source".into(),
                row: None,
                message: format!("cannot be read: {e}"),
            })?),
            None => None,
        };
        let source = source
            .as_ref()
            .map(|a| table::Strs::of(a.as_ref(), "source"))
            .transpose()?;
        let mut starts = Vec::new();
        let mut last = None;
        for r in 0..view.len() {
            let ri = view.record_index(r).map_err(|mut e| {
                e.row = e.row.map(|x| x + self.rows);
                e
            })?;
            let key = (source.and_then(|s| s.get(r)), ri);
            if last != Some(key) {
                starts.push(r);
                last = Some(key);
            }
        }
        // The last record may go on in the next batch.
        let complete = starts.len().saturating_sub(1);
        if let Some(&cut) = starts.last() {
            self.pending = Some(batch.slice(cut, batch.num_rows() - cut));
        }
        starts.push(starts.last().copied().unwrap_or(0));
        self.encode_long(&view, &starts[..=complete])
    }

    fn encode_long(
        &mut self,
        view: &long::LongView<'_>,
        starts: &[usize],
    ) -> Result<(), WriteError> {
        let records = starts.len().saturating_sub(1);
        let row0 = self.rows;
        self.rows += starts.last().copied().unwrap_or(0) as u64;
        self.encode(records, |k, parts| {
            let leader = view.record(starts[k], starts[k + 1], row0, parts)?;
            let at = At {
                row: row0 + starts[k] as u64,
                source: view.source_place(starts[k]),
            };
            Ok((leader, at))
        })
    }

    /// Encodes `n` records, each read into a `Parts` by `read` (which
    /// gives its leader and row), in slices on the pool while the previous
    /// batch's bytes are written (so writing overlaps encoding); this
    /// batch's bytes are written by the next call or by `finish`.
    fn encode<'a>(
        &mut self,
        n: usize,
        read: impl Fn(usize, &mut Parts<'a>) -> Result<(&'a str, At), TableError> + Sync,
    ) -> Result<(), WriteError> {
        let opts = &self.opts.clone();
        let encode = |range: std::ops::Range<usize>| -> Encoded {
            let mut parts = Parts::default();
            let mut out = Vec::with_capacity(range.len() * opts.format.bytes_per_record());
            let mut skipped = Vec::new();
            let mut written = 0;
            for i in range {
                let (leader, at) = read(i, &mut parts)?;
                written += encode_one(&parts.record(leader), at, opts, &mut out, &mut skipped)?;
            }
            Ok((out, skipped, written))
        };
        let slices = self.slices(n);
        let ready = std::mem::take(&mut self.ready);
        let (dest, summary, format) = (&mut self.dest, &mut self.summary, self.opts.format);
        let job = || {
            rayon::join(
                || emit(dest, summary, format, ready),
                || slices.into_par_iter().map(&encode).collect::<Vec<_>>(),
            )
        };
        let (written, encoded) = match &self.pool {
            Some(p) => p.install(job),
            None => job(),
        };
        written?;
        // A bad record stops the write now, not a batch later.
        if let Some(i) = encoded.iter().position(Result::is_err) {
            return encoded.into_iter().nth(i).map_or(Ok(()), |r| r.map(|_| ()));
        }
        self.ready = encoded;
        Ok(())
    }

    fn slices(&self, n: usize) -> Vec<std::ops::Range<usize>> {
        let threads = self
            .pool
            .as_ref()
            .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
        let k = (threads * 4).clamp(1, n.max(1));
        let step = n.div_ceil(k).max(1);
        (0..n).step_by(step).map(|s| s..(s + step).min(n)).collect()
    }

    /// Writes what is left, closes the format and the destination.
    pub fn finish(mut self) -> Result<WriteSummary, WriteError> {
        let ready = std::mem::take(&mut self.ready);
        emit(&mut self.dest, &mut self.summary, self.opts.format, ready)?;
        if let Some(p) = self.pending.take() {
            let table = long::Long::new(&p)?;
            let view = table.view()?;
            let starts = [0, view.len()];
            if !view.is_empty() {
                self.encode_long(&view, &starts)?;
            }
            let ready = std::mem::take(&mut self.ready);
            emit(&mut self.dest, &mut self.summary, self.opts.format, ready)?;
        }
        let tail: &[u8] = match self.opts.format {
            WriteFormat::MarcXml => xml::TAIL,
            WriteFormat::Json if self.summary.records == 0 => b"]\n",
            WriteFormat::Json => json::ARRAY_TAIL,
            _ => b"",
        };
        self.dest.write_all(tail)?;
        self.summary.bytes += tail.len() as u64;
        self.dest.commit()?;
        Ok(self.summary)
    }
}

/// Writes encoded slices in order (with the separators the format needs:
/// records in a slice are joined already, a slice after another needs
/// one in front).
fn emit(
    dest: &mut Dest,
    summary: &mut WriteSummary,
    format: WriteFormat,
    results: Vec<Encoded>,
) -> Result<(), WriteError> {
    for r in results {
        let (bytes, skipped, records) = r?;
        summary.problems.extend(skipped);
        if records == 0 {
            continue;
        }
        let sep = separator(format);
        if summary.records > 0 && !sep.is_empty() {
            dest.write_all(sep)?;
            summary.bytes += sep.len() as u64;
        }
        dest.write_all(&bytes)?;
        summary.bytes += bytes.len() as u64;
        summary.records += records;
    }
    Ok(())
}

/// Where a record is: its row in the written stream, and, where the table
/// carries them (`record_index`, `byte_offset`: provenance columns, as
/// `convert` reads with), its place in the source it was read from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub row: u64,
    pub source: Option<(u64, u64)>,
}

/// A record the format cannot hold: an error, or left out and reported.
fn unfit(
    rec: &RecordRef<'_, '_>,
    at: At,
    opts: &WriteOptions,
    skipped: &mut Vec<Problem>,
    what: String,
    kind: impl Fn(String) -> ErrorKind,
) -> Result<u64, WriteError> {
    let control_number = rec.control_number().map(str::to_string);
    match opts.oversize {
        OversizePolicy::Error => Err(WriteError::Unfit {
            kind: kind(String::new()).name(),
            row: at.row,
            control_number,
            what,
        }),
        OversizePolicy::Skip => {
            let id = control_number
                .map(|c| format!(" (001 {c:?})"))
                .unwrap_or_default();
            let (index, offset) = at.source.unwrap_or((at.row, 0));
            skipped.push(Problem {
                error: MarcError::new(index, offset, kind(format!("{what}{id}"))),
                action: crate::error::Action::Skipped,
            });
            Ok(0)
        }
    }
}

/// What goes between two records: a comma in a JSON array, a blank line
/// in MARCMaker text.
fn separator(format: WriteFormat) -> &'static [u8] {
    match format {
        WriteFormat::Json => json::ARRAY_SEP,
        WriteFormat::Mrk => b"\n",
        _ => b"",
    }
}

/// Encodes one record, alone, as `opts` say (for the pymarc-compatible
/// writers, which take records one at a time).
pub fn encode_record(
    rec: &RecordRef<'_, '_>,
    opts: &WriteOptions,
    out: &mut Vec<u8>,
) -> Result<(), WriteError> {
    let mut skipped = Vec::new();
    let mut o = opts.clone();
    o.oversize = OversizePolicy::Error;
    let at = At {
        row: 0,
        source: None,
    };
    encode_one(rec, at, &o, out, &mut skipped).map(|_| ())
}

/// Encodes one record at `at` into `out`; 1 if written, 0 if left out.
/// Whether a subfield code holds a control character (one byte checked
/// directly: codes are almost always one ASCII letter or digit).
#[inline]
fn is_control_code(code: &str) -> bool {
    match code.as_bytes() {
        [b] => *b < 0x20 || *b == 0x7F,
        _ => code.chars().any(char::is_control),
    }
}

fn encode_one(
    rec: &RecordRef<'_, '_>,
    at: At,
    opts: &WriteOptions,
    out: &mut Vec<u8>,
    skipped: &mut Vec<Problem>,
) -> Result<u64, WriteError> {
    // An indicator is one byte in ISO 2709, and every reader of the text
    // formats takes one printable ASCII character.
    let printable = |i: &str| matches!(i.as_bytes(), [b] if (0x20..0x80).contains(b));
    let odd = rec
        .fields
        .iter()
        .find(|f| f.value.is_none() && !(printable(f.ind1) && printable(f.ind2)));
    if let Some(f) = odd {
        let what = format!(
            "field {}: indicators {:?} and {:?} are not one printable ASCII character each",
            f.tag, f.ind1, f.ind2
        );
        return unfit(rec, at, opts, skipped, what, |what| ErrorKind::Unwritable {
            what,
        });
    }
    // The text formats' readers take a leader of printable ASCII only (a
    // control character cannot even be written in XML); ISO 2709 takes
    // any 24 bytes.
    let printable_leader = rec.leader.bytes().all(|b| (0x20..0x7F).contains(&b));
    if opts.format != WriteFormat::Iso2709 && !printable_leader {
        let what = format!(
            "leader {:?} is not 24 printable ASCII characters",
            rec.leader
        );
        return unfit(rec, at, opts, skipped, what, |what| ErrorKind::Unwritable {
            what,
        });
    }
    // Nor a tag that is not three printable, non-blank ASCII characters
    // (ISO 2709's directory takes any three bytes).
    if opts.format != WriteFormat::Iso2709 {
        let odd = rec
            .fields
            .iter()
            .find(|f| crate::formats::tag_of(f.tag.as_bytes()).is_none());
        if let Some(f) = odd {
            let what = format!(
                "tag {:?} is not three printable, non-blank ASCII characters",
                f.tag
            );
            return unfit(rec, at, opts, skipped, what, |what| ErrorKind::Unwritable {
                what,
            });
        }
    }
    // A subfield code that is a control character (U+0080-U+009F can come
    // from a MARC-8 record) is refused by every reader of the text formats
    // and is no code byte in ISO 2709.
    let control = rec.subfields.iter().find(|(c, _)| is_control_code(c));
    if let Some((code, _)) = control {
        let what = format!("subfield code {code:?} is a control character");
        return unfit(rec, at, opts, skipped, what, |what| ErrorKind::Unwritable {
            what,
        });
    }
    let before = out.len();
    let sep = separator(opts.format);
    if !out.is_empty() {
        out.extend_from_slice(sep);
    }
    let r = match opts.format {
        WriteFormat::Iso2709 => iso2709::encode(rec, opts.encoding, out),
        WriteFormat::MarcXml => xml::encode(rec, opts.style, out),
        WriteFormat::Json => {
            json::encode(rec, opts.style, out);
            Ok(())
        }
        WriteFormat::Ndjson => {
            json::encode(rec, opts.style, out);
            out.push(b'\n');
            Ok(())
        }
        WriteFormat::Mrk => {
            mrk::encode(rec, opts.style, out);
            Ok(())
        }
    };
    if r.is_err() {
        out.truncate(before);
    }
    match r {
        Ok(()) => Ok(1),
        Err(Reject::Table { column, message }) => Err(WriteError::Table(TableError {
            column: column.to_string(),
            row: Some(at.row),
            message,
        })),
        Err(Reject::Oversize(o)) => unfit(
            rec,
            at,
            opts,
            skipped,
            format!("{o}; write MARCXML, which has no such limit"),
            |what| ErrorKind::Oversize { what },
        ),
        Err(Reject::Unwritable(what)) => unfit(rec, at, opts, skipped, what, |what| {
            ErrorKind::Unwritable { what }
        }),
    }
}
