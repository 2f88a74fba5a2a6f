//! The consumer end: results in input order, one token back per result.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use crossbeam_channel::{Receiver, Sender};

use super::worker::{ChunkOutput, Quarantined};
use super::{Counters, PipelineError};
use crate::error::Problem;

pub(super) enum Msg<O> {
    Chunk(Result<ChunkOutput<O>, PipelineError>),
    Failed(PipelineError),
    End,
}

/// The consumer end: an iterator of batches in input order.
pub struct BatchStream<O = RecordBatch> {
    schema: SchemaRef,
    results: Receiver<(u64, Msg<O>)>,
    tokens: Option<Sender<()>>,
    reorder: BTreeMap<u64, Msg<O>>,
    next_seq: u64,
    queued_error: Option<PipelineError>,
    done: bool,
    cancel: Arc<AtomicBool>,
    counters: Arc<Counters>,
    problems: Arc<Mutex<Vec<Problem>>>,
    quarantined: Arc<Mutex<Vec<Quarantined>>>,
    last_raw: Option<(bytes::Bytes, u64)>,
    /// The reader thread, joined once its last message has arrived.
    reader: Option<std::thread::JoinHandle<()>>,
    /// Whether a drop may join it too (the input is in memory).
    join_on_drop: bool,
}

impl<O> BatchStream<O> {
    pub(super) fn new(
        schema: SchemaRef,
        results: Receiver<(u64, Msg<O>)>,
        tokens: Sender<()>,
        cancel: Arc<AtomicBool>,
        counters: Arc<Counters>,
        reader: std::thread::JoinHandle<()>,
        join_on_drop: bool,
    ) -> Self {
        BatchStream {
            schema,
            results,
            tokens: Some(tokens),
            reorder: BTreeMap::new(),
            next_seq: 0,
            queued_error: None,
            done: false,
            cancel,
            counters,
            problems: Arc::new(Mutex::new(Vec::new())),
            quarantined: Arc::default(),
            last_raw: None,
            reader: Some(reader),
            join_on_drop,
        }
    }

    /// Waits for the reader thread, which has sent its last message and
    /// is ending (with its pool's threads).
    fn join_reader(&mut self) {
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Counters shared with the pipeline's threads.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// The records skipped as malformed so far, with their bytes, in input
    /// order (kept only under [`crate::ReadOptions::quarantine`]).
    pub fn quarantined(&self) -> Arc<Mutex<Vec<Quarantined>>> {
        self.quarantined.clone()
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
    fn next_msg(&mut self) -> Msg<O> {
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

impl<O> Iterator for BatchStream<O> {
    type Item = Result<O, PipelineError>;

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
                    self.join_reader();
                    return None;
                }
                Msg::Failed(e) => {
                    self.cancel();
                    self.join_reader();
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
                    if !out.quarantined.is_empty() {
                        self.quarantined
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .extend(out.quarantined);
                    }
                    self.counters
                        .decoded_records
                        .fetch_add(out.decoded_records as u64, Ordering::Relaxed);
                    self.counters
                        .records
                        .fetch_add(out.records as u64, Ordering::Relaxed);
                    self.counters
                        .frames
                        .fetch_add(out.frames as u64, Ordering::Relaxed);
                    self.counters
                        .record_bytes
                        .fetch_add(out.record_bytes, Ordering::Relaxed);
                    self.counters
                        .skipped_bytes
                        .fetch_add(out.skipped_bytes, Ordering::Relaxed);
                    if let Some(e) = out.raised {
                        self.queued_error = Some(PipelineError::Marc(e));
                    }
                    if out.records > 0 {
                        self.last_raw = out.raw;
                        return Some(Ok(out.output));
                    }
                }
            }
        }
    }
}

impl<O> Drop for BatchStream<O> {
    fn drop(&mut self) {
        self.cancel();
        if self.join_on_drop {
            self.join_reader();
        }
    }
}
