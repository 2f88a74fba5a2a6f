//! The parallel, ordered, bounded pipeline: bytes in, one output per chunk
//! out (an Arrow `RecordBatch` for the readers, a tally for the summary).
//!
//! ```text
//! chunker thread ── chunks ──► rayon workers ── (seq, result) ──► BatchStream
//!   prepare input,  (token       process_frame +    reorder buffer,
//!   scan frames,     needed)     RecordBuilder      emit in seq order,
//!   cut chunks                                      return the token
//! ```
//!
//! - **Order.** Each chunk gets a sequence number; the consumer keeps a
//!   reorder buffer and emits results strictly in sequence.
//! - **Bounded memory, backpressure.** The chunker must take a token before
//!   it dispatches a chunk, and the consumer returns one only when it emits
//!   a result. At most `max_in_flight` chunks exist at once (being parsed,
//!   parsed and waiting, or waiting to be emitted), whatever the input size;
//!   a consumer that stops reading stops the chunker.
//! - **Errors are values.** Malformed records become [`Problem`]s travelling
//!   with their chunk; under `strict` the first one ends the stream after
//!   the records before it. A panic in a worker is caught and becomes
//!   [`PipelineError::Panic`].
//! - **Cancellation.** Dropping the [`BatchStream`] closes the token channel
//!   and sets a flag; the chunker sees either and exits, and in-flight
//!   workers' results are dropped. Over bytes in memory the drop then
//!   joins the threads (each finishes at most the chunk in hand); over a
//!   file, a pipe or a Python object nothing waits for them (a read of a
//!   stalled source cannot be interrupted, and one may need the GIL).
//! - **A stream that ends leaves no thread.** When the chunker's last
//!   message arrives, the consumer joins the reader thread, and the reader
//!   thread first joins its own pool's threads: a process that
//!   reads many inputs holds no thread, and no memory of one, between them.
//!
//! `threads = 1` and any other count produce identical output: chunking is
//! done by the (single) chunker thread and does not depend on the pool.

mod chunker;
mod stream;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use arrow_schema::ArrowError;
use crossbeam_channel::{bounded, unbounded};

use arrow_array::RecordBatch;

use crate::arrow::{BatchBuilder, ColumnBuilder, RecordBuilder};
use crate::error::MarcError;
use crate::input::{InputError, Source};
use crate::options::ReadOptions;

pub use stream::BatchStream;
pub use worker::{ChunkOutput, Quarantined};

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

impl From<InputError> for PipelineError {
    fn from(e: InputError) -> Self {
        match e {
            InputError::Io(e) => PipelineError::Io(e),
        }
    }
}

/// Counters shared with the pipeline's threads, for tests, progress and
/// byte accounting.
#[derive(Debug, Default)]
pub struct Counters {
    /// Chunks dispatched to workers so far.
    pub chunks_dispatched: AtomicU64,
    /// Whether the chunker thread has exited.
    pub reader_done: AtomicBool,
    /// Records emitted to the consumer so far.
    pub records: AtomicU64,
    /// Frames (records and skipped pieces) of the emitted chunks.
    pub frames: AtomicU64,
    /// Input bytes cut into chunks so far (after decompression).
    pub bytes_scanned: AtomicU64,
    /// Input bytes read so far, trailing padding included (after
    /// decompression).
    pub bytes_read: AtomicU64,
    /// Of the emitted chunks' bytes: those of records that parsed (kept or
    /// filtered out by `where=`).
    pub record_bytes: AtomicU64,
    /// Of the emitted chunks' bytes: those of skipped records and stretches.
    pub skipped_bytes: AtomicU64,
    /// Records emitted that were decoded (not UTF-8 as they stood).
    pub decoded_records: AtomicU64,
    /// The record format, once the input is prepared.
    pub format: std::sync::OnceLock<crate::input::Format>,
}

/// What a worker's builder is given about its chunk.
pub struct ChunkInfo<'a> {
    /// Frames in the chunk (an upper bound on its records).
    pub frames: usize,
    /// The chunk's bytes (view strings may point into them).
    pub data: &'a bytes::Bytes,
}

/// Makes the builder of each chunk, on the worker that parses it.
pub type Factory<O> =
    Arc<dyn Fn(&ChunkInfo<'_>) -> Box<dyn RecordBuilder<Output = O>> + Send + Sync>;

/// Starts a pipeline of Arrow batches over `source`, in the layout `opts`
/// ask for.
pub fn start(source: Source, opts: ReadOptions) -> Result<BatchStream, PipelineError> {
    let factory = batch_factory(&opts);
    start_with(source, opts, factory)
}

/// Starts a pipeline whose workers build their output with `factory`.
pub fn start_with<O: Send + 'static>(
    source: Source,
    opts: ReadOptions,
    factory: Factory<O>,
) -> Result<BatchStream<O>, PipelineError> {
    // The own pool's threads are spawned here, so that they can be joined.
    let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let pool = match opts.threads {
        None => chunker::Pool::Global,
        Some(n) => {
            let handles = workers.clone();
            chunker::Pool::Own(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .spawn_handler(move |t| {
                        let name = format!("marcarrow-worker-{}", t.index());
                        let h = std::thread::Builder::new()
                            .name(name)
                            .spawn(move || t.run())?;
                        handles.lock().unwrap_or_else(|p| p.into_inner()).push(h);
                        Ok(())
                    })
                    .build()
                    .map_err(|e| PipelineError::Io(std::io::Error::other(e)))?,
            )
        }
    };
    let in_flight = opts.max_in_flight.unwrap_or(2 * pool.threads() + 2).max(1);
    let (tok_tx, tok_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        tok_tx.send(()).expect("fresh channel has room");
    }
    let (res_tx, res_rx) = unbounded();
    let cancel = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    let schema = opts.schema();
    let chunker = chunker::Chunker {
        pool,
        tokens: tok_rx,
        results: res_tx,
        cancel: cancel.clone(),
        counters: counters.clone(),
        opts: Arc::new(opts),
        factory,
        seq: 0,
        format: crate::input::Format::Iso2709,
    };
    // Bytes in memory never block the reader: a stream over them can wait
    // for its threads even when dropped early.
    let in_memory = matches!(source, Source::Shared(_));
    let reader = std::thread::Builder::new()
        .name("marcarrow-reader".into())
        .spawn(move || {
            // `run` drops the pool, which tells its threads to exit. At the
            // end of the input they are idle and end at once; once cancelled,
            // each first finishes the chunk in hand (no one waits for that).
            chunker.run(source);
            let handles = std::mem::take(&mut *workers.lock().unwrap_or_else(|p| p.into_inner()));
            for h in handles {
                let _ = h.join();
            }
        })
        .map_err(PipelineError::Io)?;
    Ok(BatchStream::new(
        schema, res_rx, tok_tx, cancel, counters, reader, in_memory,
    ))
}

/// The builder factory of the layout `opts` ask for (nested, long or
/// columns).
fn batch_factory(opts: &ReadOptions) -> Factory<RecordBatch> {
    let (strings, decode, provenance) = (opts.strings, opts.decode, opts.provenance);
    match &opts.columns {
        Some(c) => {
            let c = c.clone();
            std::sync::Arc::new(move |chunk| {
                let mut b = ColumnBuilder::new(c.clone(), strings, chunk.frames);
                b.set_decode_options(decode);
                b.set_provenance(provenance);
                Box::new(b) as Box<dyn RecordBuilder<Output = RecordBatch>>
            })
        }
        None => {
            let (layout, tags) = (opts.layout, opts.tags.clone());
            std::sync::Arc::new(move |chunk| {
                let mut b = BatchBuilder::new(layout, strings, chunk.frames, chunk.data.clone());
                b.set_decode_options(decode);
                b.set_tags(tags.clone());
                b.set_provenance(provenance);
                Box::new(b) as Box<dyn RecordBuilder<Output = RecordBatch>>
            })
        }
    }
}
