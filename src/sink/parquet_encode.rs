//! Parquet encoding off the calling thread, in parallel.
//!
//! `ArrowWriter` encodes every column of a row group in turn on the thread
//! that calls `write`, and that one thread was the export's bottleneck
//! (about a fifth of the reading rate). Here the leaf columns of a row
//! group are spread over encoder threads, each owning its columns' writers
//! and fed through a bounded channel, and a finished row group is appended
//! to the file by one more thread while the next one is being encoded. So
//! parsing (the pipeline's pool), encoding and writing overlap.
//!
//! Memory stays bounded: each encoder holds at most [`QUEUE`] batches it
//! has not encoded, and at most one finished row group waits for the file.
//! The output is what `ArrowWriter` writes: the same schema, row groups,
//! statistics and key-value metadata (including the Arrow schema).

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowLeafColumn,
    ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::errors::{ParquetError, Result};
use parquet::file::writer::SerializedFileWriter;

/// Batches an encoder may have waiting (each holds references to one
/// pipeline batch).
const QUEUE: usize = 2;

/// The leaf columns one encoder thread writes, with their index in the
/// row group.
type Columns = Vec<(usize, ArrowColumnWriter)>;
type Encoded = Result<Vec<(usize, ArrowColumnChunk)>>;

/// The row group being filled: its encoders, and the rows sent so far.
struct RowGroup {
    senders: Vec<SyncSender<Vec<ArrowLeafColumn>>>,
    encoders: Vec<JoinHandle<Encoded>>,
    rows: usize,
}

/// A Parquet writer whose encoding runs on `encoders` threads.
pub(crate) struct ParallelWriter<W: Write + Send + 'static> {
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    max_rows: usize,
    encoders: usize,
    /// Row groups started so far (the next one's index).
    started: usize,
    current: Option<RowGroup>,
    /// Finished row groups, in order, to the appending thread.
    finished: Option<SyncSender<Vec<JoinHandle<Encoded>>>>,
    appender: Option<JoinHandle<Result<W>>>,
}

impl<W: Write + Send + 'static> ParallelWriter<W> {
    /// Takes over `writer` (which has written nothing yet, with `schema`)
    /// to write row groups of at most `max_rows` rows, encoded by up to
    /// `encoders` threads.
    pub fn new(
        writer: ArrowWriter<W>,
        schema: SchemaRef,
        max_rows: usize,
        encoders: usize,
    ) -> Result<Self> {
        let (file, factory) = writer.into_serialized_writer()?;
        let (finished, queue) = sync_channel(1);
        let appender = std::thread::Builder::new()
            .name("marcarrow-parquet-append".into())
            .spawn(move || append(file, queue))?;
        Ok(ParallelWriter {
            factory,
            schema,
            max_rows: max_rows.max(1),
            encoders: encoders.max(1),
            started: 0,
            current: None,
            finished: Some(finished),
            appender: Some(appender),
        })
    }

    /// Encodes `batch`, starting row groups as they fill.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut batch = batch.clone();
        while batch.num_rows() > 0 {
            if self.current.is_none() {
                self.current = Some(self.start_row_group()?);
            }
            let group = self.current.as_mut().expect("just started");
            let room = self.max_rows - group.rows;
            let part = batch.slice(0, room.min(batch.num_rows()));
            batch = batch.slice(part.num_rows(), batch.num_rows() - part.num_rows());
            group.rows += part.num_rows();
            self.send(&part)?;
            if self
                .current
                .as_ref()
                .is_some_and(|g| g.rows == self.max_rows)
            {
                self.finish_row_group()?;
            }
        }
        Ok(())
    }

    /// Writes what is left and the footer; returns the inner writer.
    pub fn into_inner(mut self) -> Result<W> {
        if self.current.is_some() {
            self.finish_row_group()?;
        }
        drop(self.finished.take());
        join(self.appender.take().expect("joined once"))?
    }

    fn start_row_group(&mut self) -> Result<RowGroup> {
        let writers = self.factory.create_column_writers(self.started)?;
        self.started += 1;
        // Columns go round-robin: neighbours in the schema (a value and its
        // code, say) land on different threads.
        let n = self.encoders.min(writers.len()).max(1);
        let mut sets: Vec<Columns> = (0..n).map(|_| Vec::new()).collect();
        for (i, w) in writers.into_iter().enumerate() {
            sets[i % n].push((i, w));
        }
        let (mut senders, mut encoders) = (Vec::new(), Vec::new());
        for columns in sets {
            let (tx, rx) = sync_channel(QUEUE);
            senders.push(tx);
            encoders.push(
                std::thread::Builder::new()
                    .name("marcarrow-parquet-encode".into())
                    .spawn(move || encode(columns, rx))?,
            );
        }
        Ok(RowGroup {
            senders,
            encoders,
            rows: 0,
        })
    }

    /// Hands each encoder its leaves of `batch`.
    fn send(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut leaves = Vec::new();
        for (field, column) in self.schema.fields().iter().zip(batch.columns()) {
            leaves.extend(compute_leaves(field, column)?);
        }
        let group = self.current.as_mut().expect("a row group is open");
        let n = group.senders.len();
        let mut per: Vec<Vec<ArrowLeafColumn>> = (0..n).map(|_| Vec::new()).collect();
        for (i, leaf) in leaves.into_iter().enumerate() {
            per[i % n].push(leaf);
        }
        for (k, part) in per.into_iter().enumerate() {
            if group.senders[k].send(part).is_err() {
                // The encoder stopped: its error says why.
                let group = self.current.take().expect("open");
                drop(group.senders);
                for e in group.encoders {
                    join(e)??;
                }
                return Err(ParquetError::General("a Parquet encoder stopped".into()));
            }
        }
        Ok(())
    }

    fn finish_row_group(&mut self) -> Result<()> {
        let group = self.current.take().expect("a row group is open");
        drop(group.senders);
        let sent = self
            .finished
            .as_ref()
            .expect("open until into_inner")
            .send(group.encoders);
        if sent.is_err() {
            // The appender stopped: its error says why.
            drop(self.finished.take());
            join(self.appender.take().expect("joined once"))??;
            return Err(ParquetError::General("the Parquet appender stopped".into()));
        }
        Ok(())
    }
}

impl<W: Write + Send + 'static> Drop for ParallelWriter<W> {
    /// An abandoned export (an error, Ctrl-C) leaves no thread behind.
    fn drop(&mut self) {
        if let Some(group) = self.current.take() {
            drop(group.senders);
            for e in group.encoders {
                let _ = e.join();
            }
        }
        drop(self.finished.take());
        if let Some(a) = self.appender.take() {
            let _ = a.join();
        }
    }
}

/// An encoder thread: writes every batch's leaves, then closes its columns.
fn encode(mut columns: Columns, batches: Receiver<Vec<ArrowLeafColumn>>) -> Encoded {
    for leaves in batches {
        for ((_, w), leaf) in columns.iter_mut().zip(&leaves) {
            w.write(leaf)?;
        }
    }
    columns
        .into_iter()
        .map(|(i, w)| Ok((i, w.close()?)))
        .collect()
}

/// The appending thread: each finished row group's chunks, in column
/// order, into the file; then the footer.
fn append<W: Write + Send>(
    mut file: SerializedFileWriter<W>,
    groups: Receiver<Vec<JoinHandle<Encoded>>>,
) -> Result<W> {
    for encoders in groups {
        let mut chunks = Vec::new();
        for e in encoders {
            chunks.extend(join(e)??);
        }
        chunks.sort_unstable_by_key(|(i, _)| *i);
        let mut row_group = file.next_row_group()?;
        for (_, chunk) in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
    }
    file.into_inner()
}

fn join<T>(handle: JoinHandle<T>) -> Result<T> {
    handle
        .join()
        .map_err(|_| ParquetError::General("a Parquet encoding thread panicked".into()))
}
