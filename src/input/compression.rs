//! Compression, recognised by magic bytes (never by a file name): the
//! Library of Congress distributes MARC as gzip, and a stream on standard
//! input has no name at all. The writers will pick one by a destination's
//! extension with [`Compression::from_extension`].

use std::io::{self, Read};

const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const BZIP2_MAGIC: [u8; 3] = *b"BZh";

/// A compression format of a byte stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// gzip (one or more members, as `cat a.gz b.gz` makes).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
    /// bzip2 (one or more streams).
    Bzip2,
}

impl Compression {
    /// Bytes needed to recognise any of them.
    pub const MAGIC_LEN: usize = 4;

    /// Recognises a compression from the first bytes of a stream.
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else if head.len() >= 4
            && head.starts_with(&BZIP2_MAGIC)
            && (b'1'..=b'9').contains(&head[3])
        {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// The compression a file name's extension asks for (`.gz`, `.zst`,
    /// `.bz2`), for writers.
    pub fn from_extension(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gz") {
            Compression::Gzip
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Compression::Zstd
        } else if lower.ends_with(".bz2") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// `"none"`, `"gzip"`, `"zstd"` or `"bzip2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// `r` decompressed (or `r` itself for [`Compression::None`]).
    pub fn decoder<'a>(
        self,
        r: Box<dyn Read + Send + 'a>,
    ) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::None => r,
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_magic_and_nothing_else() {
        assert_eq!(Compression::detect(&[0x1F, 0x8B, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::detect(&ZSTD_MAGIC), Compression::Zstd);
        assert_eq!(Compression::detect(b"BZh9"), Compression::Bzip2);
        assert_eq!(Compression::detect(b"BZh"), Compression::None);
        assert_eq!(Compression::detect(b"00714cam"), Compression::None);
        assert_eq!(Compression::detect(b""), Compression::None);
    }

    #[test]
    fn extensions() {
        assert_eq!(Compression::from_extension("a.mrc.GZ"), Compression::Gzip);
        assert_eq!(Compression::from_extension("a.zst"), Compression::Zstd);
        assert_eq!(Compression::from_extension("a.mrc"), Compression::None);
    }
}
