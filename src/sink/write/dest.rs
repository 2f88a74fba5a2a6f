//! Where written bytes go: a file (atomically, through `Output`) or any
//! `io::Write` (a Python file object, standard output), compressed as the
//! destination's extension says.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::input::Compression;
use crate::sink::output::Output;

/// Uncompressed bytes' way out.
enum Inner {
    File(BufWriter<File>),
    Stream(Box<dyn Write + Send>),
}

impl Write for Inner {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Inner::File(w) => w.write(b),
            Inner::Stream(w) => w.write(b),
        }
    }
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Inner::File(w) => w.write_all(b),
            Inner::Stream(w) => w.write_all(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Inner::File(w) => w.flush(),
            Inner::Stream(w) => w.flush(),
        }
    }
}

enum Coder {
    Plain(Inner),
    Gzip(flate2::write::GzEncoder<Inner>),
    Zstd(zstd::stream::write::Encoder<'static, Inner>),
    Bzip2(bzip2::write::BzEncoder<Inner>),
}

/// An open destination: write, then [`Dest::commit`]; dropped before
/// that, a file destination leaves nothing behind.
pub struct Dest {
    coder: Coder,
    output: Option<Output>,
}

impl Dest {
    /// A file at `path`, compressed as `compression` says.
    pub fn file(path: &Path, compression: Compression) -> io::Result<Dest> {
        let (output, file) = Output::create(path)?;
        let inner = Inner::File(BufWriter::with_capacity(1 << 20, file));
        Ok(Dest {
            coder: coder(inner, compression)?,
            output: Some(output),
        })
    }

    /// Any writer (not atomic: what it is given is its own).
    pub fn stream(w: Box<dyn Write + Send>, compression: Compression) -> io::Result<Dest> {
        Ok(Dest {
            coder: coder(Inner::Stream(w), compression)?,
            output: None,
        })
    }

    /// Finishes compression, flushes, and (for a file) renames it into
    /// place.
    pub fn commit(self) -> io::Result<()> {
        let inner = match self.coder {
            Coder::Plain(w) => w,
            Coder::Gzip(w) => w.finish()?,
            Coder::Zstd(w) => w.finish()?,
            Coder::Bzip2(w) => w.finish()?,
        };
        match (inner, self.output) {
            (Inner::File(w), Some(out)) => out.commit(w.into_inner().map_err(|e| e.into_error())?),
            (mut inner, _) => inner.flush(),
        }
    }
}

fn coder(inner: Inner, c: Compression) -> io::Result<Coder> {
    Ok(match c {
        Compression::None => Coder::Plain(inner),
        Compression::Gzip => Coder::Gzip(flate2::write::GzEncoder::new(
            inner,
            flate2::Compression::default(),
        )),
        Compression::Zstd => Coder::Zstd(zstd::stream::write::Encoder::new(inner, 3)?),
        Compression::Bzip2 => Coder::Bzip2(bzip2::write::BzEncoder::new(
            inner,
            bzip2::Compression::default(),
        )),
    })
}

impl Write for Dest {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match &mut self.coder {
            Coder::Plain(w) => w.write(b),
            Coder::Gzip(w) => w.write(b),
            Coder::Zstd(w) => w.write(b),
            Coder::Bzip2(w) => w.write(b),
        }
    }
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match &mut self.coder {
            Coder::Plain(w) => w.write_all(b),
            Coder::Gzip(w) => w.write_all(b),
            Coder::Zstd(w) => w.write_all(b),
            Coder::Bzip2(w) => w.write_all(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.coder {
            Coder::Plain(w) => w.flush(),
            Coder::Gzip(w) => w.flush(),
            Coder::Zstd(w) => w.flush(),
            Coder::Bzip2(w) => w.flush(),
        }
    }
}
