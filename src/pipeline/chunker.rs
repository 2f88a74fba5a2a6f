//! The chunker thread: prepares the input, scans frames, cuts chunks of
//! `batch_size` records (or `batch_bytes`), and dispatches each to a Rayon
//! worker once it holds a token.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::stream::Msg;
use super::worker::{parse_chunk, Chunk, Frame};
use super::{Counters, Factory, PipelineError};
use crate::formats::split;
use crate::formats::Framer;
use crate::input::{Format, RandomAccess, Source, Window};
use crate::marc::scan::Scan;
use crate::options::ReadOptions;

/// Bytes asked of the source per read.
const READ_BLOCK: usize = 1 << 20;

/// Where the workers run.
pub(super) enum Pool {
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

    pub(super) fn threads(&self) -> usize {
        match self {
            Pool::Global => rayon::current_num_threads(),
            Pool::Own(p) => p.current_num_threads(),
        }
    }
}

/// The chunker: owns the source on its own thread, cuts it into chunks of
/// whole frames and hands each to a worker.
pub(super) struct Chunker<O> {
    pub(super) pool: Pool,
    pub(super) tokens: Receiver<()>,
    pub(super) results: Sender<(u64, Msg<O>)>,
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) counters: Arc<Counters>,
    pub(super) opts: Arc<ReadOptions>,
    pub(super) factory: Factory<O>,
    pub(super) seq: u64,
    /// The record format, known once the input is prepared.
    pub(super) format: Format,
}

impl<O: Send + 'static> Chunker<O> {
    pub(super) fn run(mut self, source: Source) {
        // Decompression, format detection and finding a byte range's
        // records happen here, on the thread that reads: a pipe may block,
        // and a Python file object is only called with the GIL taken for
        // each read.
        let r = match self
            .ranged(source)
            .and_then(|s| Ok(s.prepare(self.opts.format)?))
        {
            Ok(p) => {
                self.format = p.format;
                let _ = self.counters.format.set(p.format);
                match p.source {
                    Source::Shared(data) => self.run_shared(data),
                    Source::Reader(r) => self.run_reader(r, p.window),
                    Source::Seekable(_) | Source::Window(..) => {
                        unreachable!("prepare makes a stream")
                    }
                }
            }
            Err(e) => Err(e),
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

    /// The source narrowed to `byte_range`, when one is asked for.
    fn ranged(&self, source: Source) -> Result<Source, PipelineError> {
        let Some((start, end)) = self.opts.byte_range else {
            return Ok(source);
        };
        let ra = match source {
            Source::Shared(b) => RandomAccess::Shared(b),
            Source::Seekable(r) => RandomAccess::Seekable(r),
            Source::Reader(_) | Source::Window(..) => {
                return Err(PipelineError::Io(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "byte_range needs a file, bytes or a seekable file object",
                )))
            }
        };
        Ok(split::open_range(ra, self.opts.format, start, end)?)
    }

    /// Waits for a token and hands the chunk to a worker; `false` when the
    /// consumer has gone away.
    fn dispatch(&mut self, data: bytes::Bytes, frames: Vec<Frame>) -> bool {
        if self.cancel.load(Ordering::Relaxed) || self.tokens.recv().is_err() {
            return false;
        }
        let chunk = Chunk {
            seq: self.seq,
            format: self.format,
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
        let factory = self.factory.clone();
        let cancel = self.cancel.clone();
        self.pool.spawn(move || {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let seq = chunk.seq;
            let out = catch_unwind(AssertUnwindSafe(|| parse_chunk(chunk, &opts, &*factory)))
                .unwrap_or_else(|p| {
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

    /// Hands `buf[..pos]` with its frames to a worker, keeping the rest;
    /// `false` when the consumer has gone away.
    fn cut(
        &mut self,
        buf: &mut Vec<u8>,
        base: &mut u64,
        pos: &mut usize,
        frames: &mut Vec<Frame>,
    ) -> bool {
        let rest = buf[*pos..].to_vec();
        let mut chunk = std::mem::replace(buf, rest);
        chunk.truncate(*pos);
        *base += *pos as u64;
        *pos = 0;
        buf.reserve(READ_BLOCK);
        self.dispatch(chunk.into(), std::mem::take(frames))
    }

    fn full(&self, frames: &[Frame], bytes: usize) -> bool {
        frames.len() >= self.opts.batch_size.max(1) || bytes >= self.opts.batch_bytes
    }

    fn run_shared(&mut self, data: bytes::Bytes) -> Result<bool, PipelineError> {
        self.counters
            .bytes_read
            .store(data.len() as u64, Ordering::Relaxed);
        let mut scanner = Framer::new(self.format);
        let mut pos = 0;
        let mut frames = Vec::new();
        let mut chunk_start = 0;
        // With eof = true the scanner never asks for more.
        loop {
            let f = match scanner.next(&data[pos..], true) {
                Scan::Frame(f) => f,
                Scan::Skip { consumed } => {
                    pos += consumed;
                    continue;
                }
                Scan::End { .. } | Scan::NeedMore => break,
            };
            frames.push(Frame {
                index: f.index,
                offset: (pos + f.start) as u64,
                start: pos + f.start - chunk_start,
                end: pos + f.end - chunk_start,
                kind: f.kind,
                line: scanner.line_of_last(),
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

    fn run_reader(
        &mut self,
        mut reader: Box<dyn Read + Send>,
        window: Option<Window>,
    ) -> Result<bool, PipelineError> {
        let mut scanner = Framer::new(self.format);
        let mut buf: Vec<u8> = Vec::with_capacity(READ_BLOCK * 2);
        let mut base: u64 = 0; // stream offset of buf[0]
                               // Frames of a byte range's prelude, not read and not counted.
        let mut dropped: u64 = 0;
        let mut stopped = false;
        let mut pos = 0;
        let mut eof = false;
        let mut frames = Vec::new();
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(false);
            }
            match scanner.next(&buf[pos..], eof) {
                Scan::Frame(f) => {
                    let at = base + (pos + f.start) as u64;
                    let offset = match window {
                        None => at,
                        Some(w) => match w.object_offset(at) {
                            None => {
                                dropped += 1;
                                pos += f.end;
                                continue;
                            }
                            // The next range's first record.
                            Some(o) if o >= w.stop => {
                                stopped = true;
                                break;
                            }
                            Some(o) => o,
                        },
                    };
                    frames.push(Frame {
                        index: f.index - dropped,
                        offset,
                        start: pos + f.start,
                        end: pos + f.end,
                        kind: f.kind,
                        line: scanner.line_of_last(),
                    });
                    pos += f.end;
                    if self.full(&frames, pos)
                        && !self.cut(&mut buf, &mut base, &mut pos, &mut frames)
                    {
                        return Ok(false);
                    }
                }
                Scan::End { .. } => break,
                Scan::Skip { consumed } => {
                    pos += consumed;
                    // A long stretch without records is not held: dropped
                    // at once if nothing comes before it, else handed out
                    // with the frames before it when the chunk is full.
                    if frames.is_empty() {
                        buf.drain(..pos);
                        base += pos as u64;
                        pos = 0;
                    } else if self.full(&frames, pos)
                        && !self.cut(&mut buf, &mut base, &mut pos, &mut frames)
                    {
                        return Ok(false);
                    }
                }
                Scan::NeedMore => {
                    // Grow geometrically while one record is incomplete so
                    // that rescanning it stays linear overall: read until
                    // half as much again as is held has come (a stream that
                    // hands out a few bytes a time would otherwise make the
                    // scanner go over the same record once per read).
                    let held = buf.len() - pos;
                    let want = READ_BLOCK.max(held);
                    let old = buf.len();
                    buf.resize(old + want, 0);
                    let mut got = 0;
                    let n = loop {
                        match reader.read(&mut buf[old + got..]) {
                            Ok(0) => break got,
                            Ok(n) if got + n < held / 2 => got += n,
                            Ok(n) => break got + n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                            Err(e) => {
                                buf.truncate(old + got);
                                self.counters
                                    .bytes_read
                                    .fetch_add(got as u64, Ordering::Relaxed);
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
                    self.counters
                        .bytes_read
                        .fetch_add(n as u64, Ordering::Relaxed);
                    // Zero bytes, or fewer than asked for because the
                    // stream ended: at the end either way.
                    if n == 0 || n < held / 2 {
                        eof = true;
                    }
                }
            }
        }
        if let Some(w) = window {
            // A range accounts for the bytes it owns, from its first
            // boundary to the next range's, not for what it read around
            // them.
            let end = match stopped {
                true => w.stop,
                false => w.object_offset(base + buf.len() as u64).unwrap_or(w.origin),
            };
            self.counters
                .bytes_read
                .store(end.min(w.stop).saturating_sub(w.origin), Ordering::Relaxed);
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
