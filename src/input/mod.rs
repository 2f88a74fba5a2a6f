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

pub mod compression;
pub mod format;

use std::fs::File;
use std::io::{self, Read};
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
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "Input::Path({p:?})"),
            Input::Shared(b) => write!(f, "Input::Shared({} bytes)", b.len()),
            Input::Reader(_) => f.write_str("Input::Reader"),
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
                Ok(Source::Reader(Box::new(f)))
            }
            Input::Shared(b) => Ok(Source::Shared(b)),
            Input::Reader(r) => Ok(Source::Reader(r)),
        }
    }

    /// The size in bytes where it is known without reading (for progress).
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Shared(b) => Some(b.len() as u64),
            Input::Reader(_) => None,
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
        let (source, compression) = match self {
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
        };
        Ok(Prepared {
            source,
            compression,
            format,
        })
    }
}
