//! Opening inputs: files, and gzip or zstd streams recognised by their
//! magic bytes (the Library of Congress distributes MARC as gzip).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::pipeline::Source;

const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// Compression recognised at the start of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain ISO 2709.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// Recognises compression from the first bytes of a stream.
pub fn detect(head: &[u8]) -> Compression {
    if head.starts_with(&GZIP_MAGIC) {
        Compression::Gzip
    } else if head.starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Wraps `r` in a decompressor if its first bytes say so. The bytes peeked
/// are put back in front.
pub fn decompressing(mut r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(head[..n].to_vec()).chain(r));
    Ok(match detect(&head[..n]) {
        Compression::None => chained,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(chained)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(chained)?),
    })
}

/// Opens a file for the pipeline; compressed files are decompressed on the
/// reader thread.
pub fn open_path(path: &Path) -> io::Result<Source> {
    let f = File::open(path)?;
    if f.metadata()?.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    Ok(Source::Reader(decompressing(Box::new(f))?))
}

/// An in-memory buffer: shared as is, or decompressed if compressed.
pub fn from_shared(data: bytes::Bytes) -> io::Result<Source> {
    match detect(&data[..data.len().min(4)]) {
        Compression::None => Ok(Source::Shared(data)),
        _ => {
            use bytes::Buf;
            Ok(Source::Reader(decompressing(Box::new(data.reader()))?))
        }
    }
}
