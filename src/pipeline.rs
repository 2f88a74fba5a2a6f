//! The parallel, ordered, bounded pipeline: bytes in, RecordBatches out.
//!
//! ```text
//! reader thread ── chunks ──► rayon workers ── (seq, result) ──► consumer
//!   scan frames,   (token       parse + build     reorder buffer,
//!   cut chunks      needed)     Arrow batch       emit in seq order,
//!                                                 return the token
//! ```
//!
//! - **Order.** Each chunk gets a sequence number; the consumer keeps a
//!   reorder buffer and emits results strictly in sequence.
//! - **Bounded memory, backpressure.** The reader must take a token before
//!   it dispatches a chunk, and the consumer returns one only when it emits
//!   a result. At most `max_in_flight` chunks exist at once (being parsed,
//!   parsed and waiting, or waiting to be emitted), whatever the input size;
//!   a consumer that stops reading stops the reader.
//! - **Errors are values.** Malformed records become [`Problem`]s travelling
//!   with their batch; under `strict` the first one ends the stream after
//!   the records before it. A panic in a worker is caught and becomes
//!   [`PipelineError::Panic`].
//! - **Cancellation.** Dropping the [`BatchStream`] closes the token channel
//!   and sets a flag; the reader thread sees either and exits, and in-flight
//!   workers' results are dropped.
//!
//! `threads = 1` and any other count produce identical batches: chunking is
//! done by the (single) reader thread and does not depend on the pool.

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use crate::arrow::{BatchBuilder, Layout, StringType};
use crate::columns::{ColumnBuilder, Columns};
use crate::decode::{DecodeOptions, EncodingMode};
use crate::error::{ErrorPolicy, MarcError, Problem};
use crate::predicate::{Filter, Predicate};
use crate::reader::{process_frame, reject, Step};
use crate::record::{ParseOptions, Parser, RecordPos};
use crate::scan::{FrameKind, Scan, Scanner};
use crate::select::TagFilter;

/// Default records per batch, from the batch-size sweep (ARCHITECTURE.md).
pub const DEFAULT_BATCH_SIZE: usize = 2048;
/// Default cap on the input bytes of one batch.
pub const DEFAULT_BATCH_BYTES: usize = 32 << 20;
/// Bytes asked of the source per read.
const READ_BLOCK: usize = 1 << 20;

/// Pipeline settings.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Output layout.
    pub layout: Layout,
    /// Physical type of the string columns.
    pub strings: StringType,
    /// Records per batch (at most).
    pub batch_size: usize,
    /// Input bytes per batch (at most, except for a single larger record).
    pub batch_bytes: usize,
    /// Worker threads: `None` uses Rayon's global pool (which respects
    /// `RAYON_NUM_THREADS`), `Some(n)` a pool of `n`.
    pub threads: Option<usize>,
    /// Error policy.
    pub policy: ErrorPolicy,
    /// How each record's encoding is chosen.
    pub encoding: EncodingMode,
    /// What bytes that do not decode lead to, and NFC normalisation.
    pub decode: DecodeOptions,
    /// Keep only fields with these tags (`None`: all).
    pub tags: Option<TagFilter>,
    /// Add provenance columns (`record_index`, `byte_offset`,
    /// `control_number`) in front.
    pub provenance: bool,
    /// The `columns` layout: one column per path (overrides `layout` and
    /// `tags`).
    pub columns: Option<Arc<Columns>>,
    /// Deliver only the records this predicate accepts (evaluated before
    /// anything of the record is built).
    pub predicate: Option<Arc<Predicate>>,
    /// Chunks in flight at most; `None`: twice the threads plus two.
    pub max_in_flight: Option<usize>,
    /// Test hook: the worker for this chunk panics.
    #[doc(hidden)]
    pub fail_at_chunk: Option<u64>,
    /// Keep each batch's chunk bytes for [`BatchStream::take_raw`] (the
    /// record iterator's `current_chunk`); off, they are freed as soon as
    /// the batch is built.
    pub keep_raw: bool,
}

impl PipelineOptions {
    /// The schema of every batch these options produce.
    pub fn schema(&self) -> SchemaRef {
        match &self.columns {
            Some(c) => c.schema(self.strings, self.provenance),
            None => self.layout.schema_with(self.strings, self.provenance),
        }
    }
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            layout: Layout::Nested,
            strings: StringType::Plain,
            batch_size: DEFAULT_BATCH_SIZE,
            batch_bytes: DEFAULT_BATCH_BYTES,
            threads: None,
            policy: ErrorPolicy::Strict,
            encoding: EncodingMode::Auto,
            decode: DecodeOptions::default(),
            tags: None,
            provenance: false,
            columns: None,
            predicate: None,
            max_in_flight: None,
            fail_at_chunk: None,
            keep_raw: false,
        }
    }
}

/// Where the bytes come from.
pub enum Source {
    /// A complete buffer, shared with the workers (and the batches) without
    /// copying.
    Shared(bytes::Bytes),
    /// A stream, read on the reader thread.
    Reader(Box<dyn Read + Send>),
}

/// Why a stream stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A malformed record under the strict policy.
    #[error(transparent)]
    Marc(#[from] MarcError),
    /// Reading the source failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// Building a batch failed (a bug).
    #[error("arrow error: {0}")]
    Arrow(#[from] ArrowError),
    /// A worker panicked (a bug); the message says where.
    #[error("worker panicked: {0}")]
    Panic(String),
}

/// Counters shared with the pipeline's threads, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Chunks dispatched to workers so far.
    pub chunks_dispatched: AtomicU64,
    /// Whether the reader thread has exited.
    pub reader_done: AtomicBool,
    /// Records emitted to the consumer so far.
    pub records: AtomicU64,
    /// Input bytes cut into chunks so far (after decompression).
    pub bytes_scanned: AtomicU64,
    /// Of those, records that were decoded (not UTF-8 as they stood).
    pub decoded_records: AtomicU64,
}

struct FrameRef {
    index: u64,
    offset: u64,
    start: usize,
    end: usize,
    kind: FrameKind,
}

struct Chunk {
    seq: u64,
    /// The chunk's bytes; frame positions are relative to them. Batches of
    /// view strings keep (a share of) them alive.
    data: bytes::Bytes,
    frames: Vec<FrameRef>,
}

/// What one chunk produced.
#[derive(Debug)]
pub struct ChunkOutput {
    /// The batch of the records delivered (possibly empty).
    pub batch: RecordBatch,
    /// Records in the batch (rows in the nested layout; fewer than rows in
    /// the long one).
    pub records: usize,
    /// Problems reported in this chunk, in input order.
    pub problems: Vec<Problem>,
    /// Records that were decoded (not UTF-8 as they stood).
    pub decoded_records: usize,
    /// Under strict: the error that ends the stream after this batch.
    pub raised: Option<MarcError>,
    /// The chunk's input bytes and the source offset of their first byte
    /// (for callers that hand out raw records, such as pymarc's
    /// `current_chunk`); a share of the chunk, not a copy. `None` unless
    /// [`PipelineOptions::keep_raw`].
    pub raw: Option<(bytes::Bytes, u64)>,
}

enum Msg {
    Chunk(Result<ChunkOutput, PipelineError>),
    Failed(PipelineError),
    End,
}

enum Pool {
    Global,
    Own(rayon::ThreadPool),
}

impl Pool {
    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        match self {
            Pool::Global => rayon::spawn(f),
            Pool::Own(p) => p.spawn(f),
        }
    }
}

/// The consumer end: an iterator of batches in input order.
pub struct BatchStream {
    schema: SchemaRef,
    results: Receiver<(u64, Msg)>,
    tokens: Option<Sender<()>>,
    reorder: BTreeMap<u64, Msg>,
    next_seq: u64,
    queued_error: Option<PipelineError>,
    done: bool,
    cancel: Arc<AtomicBool>,
    counters: Arc<Counters>,
    problems: Arc<Mutex<Vec<Problem>>>,
    last_raw: Option<(bytes::Bytes, u64)>,
}

/// Starts a pipeline over `source`.
pub fn start(source: Source, opts: PipelineOptions) -> Result<BatchStream, PipelineError> {
    let pool = match opts.threads {
        None => Pool::Global,
        Some(n) => Pool::Own(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .thread_name(|i| format!("marcarrow-worker-{i}"))
                .build()
                .map_err(|e| PipelineError::Io(std::io::Error::other(e)))?,
        ),
    };
    let threads = match &pool {
        Pool::Global => rayon::current_num_threads(),
        Pool::Own(p) => p.current_num_threads(),
    };
    let in_flight = opts.max_in_flight.unwrap_or(2 * threads + 2).max(1);
    let (tok_tx, tok_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        tok_tx.send(()).expect("fresh channel has room");
    }
    let (res_tx, res_rx) = unbounded();
    let cancel = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    let schema = opts.schema();
    let ctx = ReaderCtx {
        pool,
        tokens: tok_rx,
        results: res_tx,
        cancel: cancel.clone(),
        counters: counters.clone(),
        opts,
        seq: 0,
    };
    std::thread::Builder::new()
        .name("marcarrow-reader".into())
        .spawn(move || ctx.run(source))
        .map_err(PipelineError::Io)?;
    Ok(BatchStream {
        schema,
        results: res_rx,
        tokens: Some(tok_tx),
        reorder: BTreeMap::new(),
        next_seq: 0,
        queued_error: None,
        done: false,
        cancel,
        counters,
        problems: Arc::new(Mutex::new(Vec::new())),
        last_raw: None,
    })
}

struct ReaderCtx {
    pool: Pool,
    tokens: Receiver<()>,
    results: Sender<(u64, Msg)>,
    cancel: Arc<AtomicBool>,
    counters: Arc<Counters>,
    opts: PipelineOptions,
    seq: u64,
}

impl ReaderCtx {
    fn run(mut self, source: Source) {
        let r = match source {
            Source::Shared(data) => self.run_shared(data),
            Source::Reader(r) => self.run_reader(r),
        };
        match r {
            Ok(true) => {
                let _ = self.results.send((self.seq, Msg::End));
            }
            Ok(false) => {} // cancelled
            Err(e) => {
                let _ = self.results.send((self.seq, Msg::Failed(e)));
            }
        }
        self.counters.reader_done.store(true, Ordering::SeqCst);
    }

    /// Waits for a token and hands the chunk to a worker; `false` when the
    /// consumer has gone away.
    fn dispatch(&mut self, data: bytes::Bytes, frames: Vec<FrameRef>) -> bool {
        if self.cancel.load(Ordering::Relaxed) || self.tokens.recv().is_err() {
            return false;
        }
        let chunk = Chunk {
            seq: self.seq,
            data,
            frames,
        };
        self.seq += 1;
        self.counters
            .chunks_dispatched
            .fetch_add(1, Ordering::SeqCst);
        self.counters
            .bytes_scanned
            .fetch_add(chunk.data.len() as u64, Ordering::Relaxed);
        let results = self.results.clone();
        let opts = self.opts.clone();
        let cancel = self.cancel.clone();
        self.pool.spawn(move || {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let seq = chunk.seq;
            let out =
                catch_unwind(AssertUnwindSafe(|| parse_chunk(chunk, &opts))).unwrap_or_else(|p| {
                    let msg = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(PipelineError::Panic(format!("chunk {seq}: {msg}")))
                });
            let _ = results.send((seq, Msg::Chunk(out)));
        });
        true
    }

    fn full(&self, frames: &[FrameRef], bytes: usize) -> bool {
        frames.len() >= self.opts.batch_size.max(1) || bytes >= self.opts.batch_bytes
    }

    fn run_shared(&mut self, data: bytes::Bytes) -> Result<bool, PipelineError> {
        let mut scanner = Scanner::new();
        let mut pos = 0;
        let mut frames = Vec::new();
        let mut chunk_start = 0;
        // With eof = true the scanner never asks for more.
        while let Scan::Frame(f) = scanner.next(&data[pos..], true) {
            frames.push(FrameRef {
                index: f.index,
                offset: (pos + f.start) as u64,
                start: pos + f.start - chunk_start,
                end: pos + f.end - chunk_start,
                kind: f.kind,
            });
            pos += f.end;
            if self.full(&frames, pos - chunk_start) {
                let fr = std::mem::take(&mut frames);
                if !self.dispatch(data.slice(chunk_start..pos), fr) {
                    return Ok(false);
                }
                chunk_start = pos;
            }
        }
        if !frames.is_empty() && !self.dispatch(data.slice(chunk_start..pos), frames) {
            return Ok(false);
        }
        Ok(true)
    }

    fn run_reader(&mut self, mut reader: Box<dyn Read + Send>) -> Result<bool, PipelineError> {
        let mut scanner = Scanner::new();
        let mut buf: Vec<u8> = Vec::with_capacity(READ_BLOCK * 2);
        let mut base: u64 = 0; // absolute offset of buf[0]
        let mut pos = 0;
        let mut eof = false;
        let mut frames = Vec::new();
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(false);
            }
            match scanner.next(&buf[pos..], eof) {
                Scan::Frame(f) => {
                    frames.push(FrameRef {
                        index: f.index,
                        offset: base + (pos + f.start) as u64,
                        start: pos + f.start,
                        end: pos + f.end,
                        kind: f.kind,
                    });
                    pos += f.end;
                    if self.full(&frames, pos) {
                        let rest = buf[pos..].to_vec();
                        let mut chunk = std::mem::replace(&mut buf, rest);
                        chunk.truncate(pos);
                        base += pos as u64;
                        pos = 0;
                        buf.reserve(READ_BLOCK);
                        if !self.dispatch(chunk.into(), std::mem::take(&mut frames)) {
                            return Ok(false);
                        }
                    }
                }
                Scan::End { .. } => break,
                Scan::NeedMore => {
                    // Grow geometrically while one record is incomplete so
                    // that rescanning it stays linear overall.
                    let want = READ_BLOCK.max(buf.len() - pos);
                    let old = buf.len();
                    buf.resize(old + want, 0);
                    let n = loop {
                        match reader.read(&mut buf[old..]) {
                            Ok(n) => break n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                            Err(e) => {
                                buf.truncate(old);
                                // Deliver what is complete, then the error.
                                if !frames.is_empty() {
                                    buf.truncate(pos);
                                    let chunk = std::mem::take(&mut buf);
                                    if !self.dispatch(chunk.into(), std::mem::take(&mut frames)) {
                                        return Ok(false);
                                    }
                                }
                                return Err(PipelineError::Io(e));
                            }
                        }
                    };
                    buf.truncate(old + n);
                    if n == 0 {
                        eof = true;
                    }
                }
            }
        }
        if !frames.is_empty() {
            buf.truncate(pos);
            if !self.dispatch(buf.into(), frames) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Parses one chunk into a batch (runs on a worker).
fn parse_chunk(chunk: Chunk, opts: &PipelineOptions) -> Result<ChunkOutput, PipelineError> {
    if opts.fail_at_chunk == Some(chunk.seq) {
        panic!("injected failure");
    }
    let bytes: &[u8] = &chunk.data;
    let raw_offset = chunk
        .frames
        .first()
        .map_or(0, |f| f.offset - f.start as u64);
    let raw = if opts.keep_raw {
        Some((chunk.data.clone(), raw_offset))
    } else {
        None
    };
    let mut parser = Parser::new(ParseOptions {
        policy: opts.policy,
        encoding: opts.encoding,
        encoding_errors: opts.decode.errors,
        pymarc: opts.decode.pymarc,
    });
    let mut builder = match &opts.columns {
        Some(c) => {
            let mut b = ColumnBuilder::new(c.clone(), opts.strings, chunk.frames.len());
            b.set_decode_options(opts.decode);
            b.set_provenance(opts.provenance);
            Builder::Columns(b)
        }
        None => {
            let mut b = BatchBuilder::new(
                opts.layout,
                opts.strings,
                chunk.frames.len(),
                chunk.data.clone(),
            );
            b.set_decode_options(opts.decode);
            b.set_tags(opts.tags.clone());
            b.set_provenance(opts.provenance);
            Builder::Records(b)
        }
    };
    let mut filter = opts.predicate.as_deref().map(Filter::new);
    let mut problems = Vec::new();
    let mut repairs = Vec::new();
    let mut raised = None;
    for f in chunk.frames {
        let rec = &bytes[f.start..f.end];
        let pos = RecordPos {
            index: f.index,
            offset: f.offset,
        };
        match process_frame(
            &mut parser,
            opts.policy,
            f.kind,
            rec,
            pos,
            &mut problems,
            &mut repairs,
        ) {
            Step::Deliver => {
                let view = parser.view(rec);
                let pushed = match filter.as_mut().map(|f| f.matches(&view, pos, opts.decode)) {
                    Some(Ok(false)) => Ok(()),
                    Some(Err(e)) => Err(e),
                    None | Some(Ok(true)) => builder.push(pos, &view, &mut problems),
                };
                if let Err(e) = pushed {
                    if let Step::Raise(e) = reject(opts.policy, e, &mut problems) {
                        raised = Some(e);
                        break;
                    }
                }
            }
            Step::Skip => {}
            Step::Raise(e) => {
                raised = Some(e);
                break;
            }
        }
    }
    let decoded_records = builder.decoded_records();
    let records = builder.records();
    Ok(ChunkOutput {
        batch: builder.finish()?,
        problems,
        decoded_records,
        records,
        raised,
        raw,
    })
}

/// The builder of one chunk's batch, by layout (one per chunk, on the
/// stack: the size difference does not matter).
#[allow(clippy::large_enum_variant)]
enum Builder {
    Records(BatchBuilder),
    Columns(ColumnBuilder),
}

impl Builder {
    fn push(
        &mut self,
        pos: RecordPos,
        r: &crate::record::RecordView<'_>,
        problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError> {
        match self {
            Builder::Records(b) => b.push(pos, r, problems),
            Builder::Columns(b) => b.push(pos, r, problems),
        }
    }

    fn records(&self) -> usize {
        match self {
            Builder::Records(b) => b.records(),
            Builder::Columns(b) => b.records(),
        }
    }

    fn decoded_records(&self) -> usize {
        match self {
            Builder::Records(b) => b.decoded_records(),
            Builder::Columns(b) => b.decoded_records(),
        }
    }

    fn finish(self) -> Result<RecordBatch, ArrowError> {
        match self {
            Builder::Records(b) => b.finish(),
            Builder::Columns(b) => b.finish(),
        }
    }
}

impl BatchStream {
    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Counters shared with the pipeline's threads.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// Every problem reported so far, shared (the list grows as batches
    /// are emitted).
    pub fn problems(&self) -> Arc<Mutex<Vec<Problem>>> {
        self.problems.clone()
    }

    /// Records emitted so far that were decoded (MARC-8 or another
    /// non-UTF-8 encoding).
    pub fn decoded_records(&self) -> u64 {
        self.counters.decoded_records.load(Ordering::Relaxed)
    }

    /// Records emitted so far.
    pub fn records(&self) -> u64 {
        self.counters.records.load(Ordering::Relaxed)
    }

    /// The input bytes of the chunk behind the batch last returned, with
    /// the source offset of their first byte (taken: a second call gives
    /// `None`).
    pub fn take_raw(&mut self) -> Option<(bytes::Bytes, u64)> {
        self.last_raw.take()
    }

    /// Stops the pipeline: the reader thread exits at its next step.
    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.tokens = None;
        self.done = true;
    }

    /// The next message in sequence, waiting for it.
    fn next_msg(&mut self) -> Msg {
        loop {
            if let Some(m) = self.reorder.remove(&self.next_seq) {
                self.next_seq += 1;
                if let Some(t) = &self.tokens {
                    let _ = t.try_send(());
                }
                return m;
            }
            match self.results.recv() {
                Ok((seq, m)) => {
                    self.reorder.insert(seq, m);
                }
                Err(_) => {
                    return Msg::Failed(PipelineError::Panic(
                        "the pipeline's threads ended without a result".into(),
                    ))
                }
            }
        }
    }
}

impl Iterator for BatchStream {
    type Item = Result<RecordBatch, PipelineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.queued_error.take() {
                self.cancel();
                return Some(Err(e));
            }
            if self.done {
                return None;
            }
            match self.next_msg() {
                Msg::End => {
                    self.cancel();
                    return None;
                }
                Msg::Failed(e) => {
                    self.cancel();
                    return Some(Err(e));
                }
                Msg::Chunk(Err(e)) => {
                    self.cancel();
                    return Some(Err(e));
                }
                Msg::Chunk(Ok(out)) => {
                    self.problems
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(out.problems);
                    self.counters
                        .decoded_records
                        .fetch_add(out.decoded_records as u64, Ordering::Relaxed);
                    self.counters
                        .records
                        .fetch_add(out.records as u64, Ordering::Relaxed);
                    if let Some(e) = out.raised {
                        self.queued_error = Some(PipelineError::Marc(e));
                    }
                    if out.batch.num_rows() > 0 {
                        self.last_raw = out.raw;
                        return Some(Ok(out.batch));
                    }
                }
            }
        }
    }
}

impl Drop for BatchStream {
    fn drop(&mut self) {
        self.cancel();
    }
}
