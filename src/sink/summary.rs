//! A summary of a source (what `marcarrow stats` prints): counts gathered
//! by the workers of the same bounded pipeline the readers use, one
//! [`Tally`] per chunk, merged in order. Memory stays flat whatever the
//! input size, and every input byte is accounted for: bytes of records,
//! of skipped pieces, and of padding between them add up to the input.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use arrow_schema::ArrowError;

use crate::arrow::RecordBuilder;
use crate::error::{MarcError, Problem};
use crate::input::Source;
use crate::marc::record::{RecordPos, RecordView};
use crate::options::ReadOptions;
use crate::pipeline::{self, PipelineError};
use crate::select::TagFilter;

/// Counts of one chunk (or, merged, of a whole source).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Records counted.
    pub records: u64,
    /// Fields counted.
    pub fields: u64,
    /// Subfields counted.
    pub subfields: u64,
    /// Records per encoding (`"utf-8"`, `"marc-8/other"`, ...).
    pub encodings: HashMap<&'static str, u64>,
    /// Records per record type (leader/06).
    pub record_types: HashMap<u8, u64>,
    /// Occurrences per tag.
    pub tags: HashMap<[u8; 3], u64>,
    /// Occurrences per tag and subfield code.
    pub codes: HashMap<[u8; 4], u64>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.records += o.records;
        self.fields += o.fields;
        self.subfields += o.subfields;
        for (k, v) in o.encodings {
            *self.encodings.entry(k).or_default() += v;
        }
        for (k, v) in o.record_types {
            *self.record_types.entry(k).or_default() += v;
        }
        for (k, v) in o.tags {
            *self.tags.entry(k).or_default() += v;
        }
        for (k, v) in o.codes {
            *self.codes.entry(k).or_default() += v;
        }
    }
}

/// The summary's builder: counts instead of Arrow columns.
struct TallyBuilder {
    tally: Tally,
    tags: Option<TagFilter>,
}

impl RecordBuilder for TallyBuilder {
    type Output = Tally;

    fn push(
        &mut self,
        _pos: RecordPos,
        r: &RecordView<'_>,
        _problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError> {
        let t = &mut self.tally;
        t.records += 1;
        *t.encodings.entry(r.encoding.as_str()).or_default() += 1;
        *t.record_types.entry(r.leader()[6]).or_default() += 1;
        for f in r.fields() {
            if self.tags.as_ref().is_some_and(|k| !k.keeps(&f.tag)) {
                continue;
            }
            t.fields += 1;
            *t.tags.entry(f.tag.0).or_default() += 1;
            if !f.is_control() {
                let [a, b, c] = f.tag.0;
                for sf in f.subfields() {
                    t.subfields += 1;
                    *t.codes.entry([a, b, c, sf.code[0]]).or_default() += 1;
                }
            }
        }
        Ok(())
    }

    fn records(&self) -> usize {
        self.tally.records as usize
    }

    fn decoded_records(&self) -> usize {
        0
    }

    fn finish(self: Box<Self>) -> Result<Tally, ArrowError> {
        Ok(self.tally)
    }
}

/// Counts gathered over a whole source.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The counts.
    pub tally: Tally,
    /// Frames found: records and skipped pieces.
    pub frames: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Of those, bytes of records that parsed.
    pub record_bytes: u64,
    /// Of those, bytes of skipped records and pieces.
    pub skipped_bytes: u64,
    /// The record format read (`None` if the input could not be prepared).
    pub format: Option<crate::input::Format>,
    /// Every problem reported (repairs, skips, and a raised error).
    pub problems: Vec<Problem>,
    /// Under the strict policy, the error that stopped the reading.
    pub error: Option<MarcError>,
    /// Under `quarantine`, the records skipped as malformed, whole.
    pub quarantined: Vec<crate::pipeline::Quarantined>,
}

impl Summary {
    /// Bytes between records (line ends, spaces, NULs) and, after a strict
    /// stop, bytes read but not yet reached: what is neither record nor
    /// skipped piece.
    pub fn padding_bytes(&self) -> u64 {
        self.bytes
            .saturating_sub(self.record_bytes + self.skipped_bytes)
    }

    /// The `n` most frequent tags, most frequent first (ties by tag).
    pub fn top_tags(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<_> = self
            .tally
            .tags
            .iter()
            .map(|(t, c)| (String::from_utf8_lossy(t).into_owned(), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

/// Reads every record of `source` through the pipeline and counts what it
/// holds. A strict-mode error ends the reading and is kept in
/// [`Summary::error`]; only a failure to read the source is an `Err`.
pub fn summarize(source: Source, opts: ReadOptions) -> Result<Summary, PipelineError> {
    let tags = opts.tags.clone();
    let factory: pipeline::Factory<Tally> = Arc::new(move |_| {
        Box::new(TallyBuilder {
            tally: Tally::default(),
            tags: tags.clone(),
        })
    });
    let mut stream = pipeline::start_with(source, opts, factory)?;
    let mut s = Summary::default();
    for out in stream.by_ref() {
        match out {
            Ok(t) => s.tally.merge(t),
            Err(PipelineError::Marc(e)) => s.error = Some(e),
            Err(e) => return Err(e),
        }
    }
    let c = stream.counters();
    s.frames = c.frames.load(Ordering::Relaxed);
    s.bytes = c.bytes_read.load(Ordering::Relaxed);
    s.format = c.format.get().copied();
    s.record_bytes = c.record_bytes.load(Ordering::Relaxed);
    s.skipped_bytes = c.skipped_bytes.load(Ordering::Relaxed);
    s.problems = std::mem::take(&mut *stream.problems().lock().unwrap_or_else(|p| p.into_inner()));
    s.quarantined = std::mem::take(
        &mut *stream
            .quarantined()
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    Ok(s)
}
