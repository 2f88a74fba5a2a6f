//! Inputs: where the bytes come from, how they are compressed, and what
//! format they hold. Every reader of the crate (the pipeline, the summary,
//! the sequential [`Reader`](crate::Reader) when it reads a source) starts
//! here, so every entry point accepts the same inputs.
//!
//! - [`Input`] is what a caller hands in: a path, a shared immutable
//!   buffer, or any `io::Read` (the Python binding adapts file objects,
//!   sockets and standard input to one).
//! - [`Input::open`] does what must fail at once with the path in the
//!   error (missing file, a directory, no permission) and gives a
//!   [`Source`].
//! - [`Source::prepare`] recognises compression by magic bytes
//!   ([`Compression`]) and the format by content ([`Format`]), on the
//!   thread that will read the source (it may block on a pipe).
//! - A byte range of a seekable source is read through a [`Window`]
//!   (`formats::split` decides where the range's records start and stop;
//!   this module only moves bytes).

pub mod compression;
pub mod format;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

pub use compression::Compression;
pub use format::Format;

/// What a caller reads from.
pub enum Input {
    /// A file, opened by [`Input::open`].
    Path(PathBuf),
    /// A complete immutable buffer, shared without copying.
    Shared(bytes::Bytes),
    /// A stream, read on the pipeline's reader thread.
    Reader(Box<dyn Read + Send>),
    /// A stream that can also seek (a Python file object with `seek`): read
    /// like `Reader`, and in pieces for a byte range.
    Seekable(Box<dyn ReadSeek>),
}

/// A stream that can seek.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "Input::Path({p:?})"),
            Input::Shared(b) => write!(f, "Input::Shared({} bytes)", b.len()),
            Input::Reader(_) => f.write_str("Input::Reader"),
            Input::Seekable(_) => f.write_str("Input::Seekable"),
        }
    }
}

/// The bytes of an opened input (compressed or not, any format).
pub enum Source {
    /// A complete buffer, shared with the workers (and view-string batches)
    /// without copying.
    Shared(bytes::Bytes),
    /// A stream.
    Reader(Box<dyn Read + Send>),
    /// A stream that can seek (a file, a seekable file object): read as a
    /// stream unless a byte range asks for pieces of it.
    Seekable(Box<dyn ReadSeek>),
    /// Part of an object, already positioned by `formats::split` (never
    /// compressed; its format is known): see [`Window`].
    Window(Box<dyn Read + Send>, Window, Format),
}

/// How the stream of a byte range maps onto its object. The stream is
/// `prelude` bytes from the object's start (so that a scanner learns what
/// the head of the document says: MARCXML namespaces, NDJSON), then the
/// object from `origin` on; frames that start in the prelude are not
/// read, and the range ends before the first frame at or after `stop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Stream bytes that come from the object's head.
    pub prelude: u64,
    /// Object offset of the stream byte right after the prelude.
    pub origin: u64,
    /// Object offset where the next range's records begin.
    pub stop: u64,
}

impl Window {
    /// The object offset of a stream offset, or `None` inside the prelude.
    pub fn object_offset(&self, stream: u64) -> Option<u64> {
        stream.checked_sub(self.prelude).map(|o| o + self.origin)
    }
}

/// Random access to an object by offset, for byte ranges: a file, a
/// shared buffer, or a seekable stream.
pub enum RandomAccess {
    /// A shared buffer.
    Shared(bytes::Bytes),
    /// A seekable stream.
    Seekable(Box<dyn ReadSeek>),
}

impl RandomAccess {
    /// The object's size in bytes.
    pub fn size(&mut self) -> io::Result<u64> {
        match self {
            RandomAccess::Shared(b) => Ok(b.len() as u64),
            RandomAccess::Seekable(r) => r.seek(SeekFrom::End(0)),
        }
    }

    /// Up to `n` bytes from offset `pos` (fewer only at the end).
    pub fn read_at(&mut self, pos: u64, n: usize) -> io::Result<Vec<u8>> {
        match self {
            RandomAccess::Shared(b) => {
                let s = (pos.min(b.len() as u64)) as usize;
                Ok(b[s..(s + n).min(b.len())].to_vec())
            }
            RandomAccess::Seekable(r) => {
                r.seek(SeekFrom::Start(pos))?;
                peek(r.as_mut(), n)
            }
        }
    }

    /// The object from `pos` to its end, as a stream.
    pub fn stream_from(self, pos: u64) -> io::Result<Box<dyn Read + Send>> {
        match self {
            RandomAccess::Shared(b) => {
                let s = (pos.min(b.len() as u64)) as usize;
                Ok(Box::new(io::Cursor::new(b.slice(s..))))
            }
            RandomAccess::Seekable(mut r) => {
                r.seek(SeekFrom::Start(pos))?;
                Ok(Box::new(r))
            }
        }
    }
}

/// Why an input cannot be read as records.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading (or decompressing) failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl Input {
    /// Opens a path (a directory or a missing file fails here, with the
    /// error kind saying which); other inputs pass through.
    pub fn open(self) -> io::Result<Source> {
        match self {
            Input::Path(p) => {
                let f = File::open(&p)?;
                if f.metadata()?.is_dir() {
                    return Err(io::Error::new(
                        io::ErrorKind::IsADirectory,
                        "is a directory",
                    ));
                }
                Ok(Source::Seekable(Box::new(f)))
            }
            Input::Shared(b) => Ok(Source::Shared(b)),
            Input::Reader(r) => Ok(Source::Reader(r)),
            Input::Seekable(r) => Ok(Source::Seekable(r)),
        }
    }

    /// The size in bytes where it is known without reading (for progress).
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Shared(b) => Some(b.len() as u64),
            Input::Reader(_) | Input::Seekable(_) => None,
        }
    }
}

/// A source ready for a scanner: decompressed, its format known.
pub struct Prepared {
    /// The decompressed bytes.
    pub source: Source,
    /// The compression that was undone.
    pub compression: Compression,
    /// The record format.
    pub format: Format,
    /// Where a byte range's records start and stop, for a range.
    pub window: Option<Window>,
}

/// Reads up to `n` bytes (fewer only at the end of the stream).
fn peek(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    Ok(head)
}

/// `r` with `head` put back in front.
fn unpeek(head: Vec<u8>, r: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    Box::new(io::Cursor::new(head).chain(r))
}

impl Source {
    /// Decompresses (by magic bytes) and recognises the format (by
    /// content). A shared buffer that is not compressed stays shared.
    /// `format`, when given, is taken instead of the one recognised.
    pub fn prepare(self, format: Option<Format>) -> Result<Prepared, InputError> {
        let this = match self {
            Source::Window(r, window, format) => {
                return Ok(Prepared {
                    source: Source::Reader(r),
                    compression: Compression::None,
                    format,
                    window: Some(window),
                })
            }
            Source::Seekable(r) => Source::Reader(Box::new(r)),
            s => s,
        };
        let (source, compression) = match this {
            Source::Shared(b) => {
                match Compression::detect(&b[..b.len().min(Compression::MAGIC_LEN)]) {
                    Compression::None => (Source::Shared(b), Compression::None),
                    c => {
                        use bytes::Buf;
                        (Source::Reader(c.decoder(Box::new(b.reader()))?), c)
                    }
                }
            }
            Source::Reader(mut r) => {
                let head = peek(&mut r, Compression::MAGIC_LEN)?;
                let c = Compression::detect(&head);
                (Source::Reader(c.decoder(unpeek(head, r))?), c)
            }
            Source::Seekable(_) | Source::Window(..) => unreachable!("made a stream above"),
        };
        let (source, format) = match (source, format) {
            (s, Some(f)) => (s, f),
            (Source::Shared(b), None) => {
                let f = Format::detect(&b[..b.len().min(format::SNIFF_LEN)]);
                (Source::Shared(b), f)
            }
            (Source::Reader(mut r), None) => {
                let head = peek(&mut r, format::SNIFF_LEN)?;
                let f = Format::detect(&head);
                (Source::Reader(unpeek(head, r)), f)
            }
            (Source::Seekable(_) | Source::Window(..), None) => {
                unreachable!("made a stream above")
            }
        };
        Ok(Prepared {
            source,
            compression,
            format,
            window: None,
        })
    }
}
