//! Byte ranges: which records of an object belong to `[start, end)`, so
//! that adjacent ranges read every record exactly once, whatever the split
//! points (the rule of Hadoop's and Spark's line splits, with record
//! boundaries instead of line ends).
//!
//! A *boundary* is a place where every reading of the object agrees that a
//! record starts, found from the bytes around it alone:
//! - ISO 2709: just past a record terminator that a sync point follows (a
//!   record whose length field ends on a terminator; the scanner never
//!   runs a record over one, see `marc/scan.rs`);
//! - NDJSON: just past a line end;
//! - MARCXML: the `<` of a start tag with the first record's qualified
//!   name (so a `<record` inside a comment or CDATA section would be taken
//!   for one);
//! - anything else (a compressed object, a JSON array, MARCMaker text) has
//!   one boundary, the start: the range that holds offset 0 reads it all.
//!
//! A range owns the records that start between the first boundary at or
//! after `start` and the first boundary at or after `end`, and the
//! unusable stretches among them; it reads from its first boundary, past
//! `end` as far as it needs to finish its last record. A text format's
//! range first reads the object's head up to the end of its first record
//! (namespaces, whether records are one per line) and drops that record.

use std::io::{self, Read};

use super::xml::scan::ends_name;
use super::Framer;
use crate::input::{Compression, Format, RandomAccess, Source, Window};
use crate::marc::scan::{next_sync, FrameKind, Scan};

/// How a format's boundaries are found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Iso,
    Lines,
    /// `<` and this qualified name, then a space, `>` or `/`.
    Tag(Vec<u8>),
    /// Only the start.
    Whole,
}

/// Bytes read at a time while looking for a boundary or the first record.
const BLOCK: usize = 1 << 16;
/// The first record of a text object must end within this many bytes for
/// the object to be split.
const HEAD_LIMIT: usize = 16 << 20;

/// The first record of a text object: where it starts and ends.
struct Head {
    bytes: Vec<u8>,
    first_start: usize,
    first_end: usize,
}

/// Reads the object's head until its first record (not an unusable
/// stretch) has ended; `None` if there is none within [`HEAD_LIMIT`].
fn head(ra: &mut RandomAccess, format: Format) -> io::Result<Option<Head>> {
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let ask = BLOCK.max(bytes.len());
        let more = ra.read_at(bytes.len() as u64, ask)?;
        let eof = more.len() < ask || bytes.len() + more.len() >= HEAD_LIMIT;
        bytes.extend_from_slice(&more);
        let mut framer = Framer::new(format);
        let mut pos = 0;
        loop {
            match framer.next(&bytes[pos..], eof) {
                Scan::Frame(f) if matches!(f.kind, FrameKind::Record { .. }) => {
                    let (first_start, first_end) = (pos + f.start, pos + f.end);
                    return Ok(Some(Head {
                        bytes,
                        first_start,
                        first_end,
                    }));
                }
                Scan::Frame(f) => pos += f.end,
                Scan::Skip { consumed } => pos += consumed,
                Scan::NeedMore if !eof => break,
                Scan::NeedMore | Scan::End { .. } => return Ok(None),
            }
        }
    }
}

/// How to find boundaries in this object, and its head.
fn rule(ra: &mut RandomAccess, format: Format) -> io::Result<(Rule, Option<Head>)> {
    if format == Format::Iso2709 {
        return Ok((Rule::Iso, None));
    }
    if format == Format::Mrk {
        return Ok((Rule::Whole, None));
    }
    let Some(h) = head(ra, format)? else {
        return Ok((Rule::Whole, None));
    };
    let first = &h.bytes[h.first_start..h.first_end];
    let rule = match format {
        // One record per line, or not splittable (an array, or records
        // laid out over several lines).
        Format::Json => {
            let before = &h.bytes[..h.first_start];
            if before.contains(&b'[') || first.contains(&b'\n') {
                Rule::Whole
            } else {
                Rule::Lines
            }
        }
        _ => {
            let name_end = first[1..]
                .iter()
                .position(|&b| ends_name(b))
                .map_or(first.len(), |p| p + 1);
            Rule::Tag(first[..name_end].to_vec())
        }
    };
    Ok((rule, Some(h)))
}

/// The first boundary at or after `pos` (`size` when there is none).
fn boundary(ra: &mut RandomAccess, rule: &Rule, pos: u64, size: u64) -> io::Result<u64> {
    if pos == 0 {
        return Ok(0);
    }
    if pos >= size || *rule == Rule::Whole {
        return Ok(size);
    }
    // `buf[0]` is the byte before `pos`: a boundary right at `pos` counts.
    let origin = pos - 1;
    let mut buf = ra.read_at(origin, BLOCK)?;
    let mut from = 0;
    loop {
        let eof = origin + buf.len() as u64 >= size;
        let found = match rule {
            Rule::Iso => next_sync(&buf, from, buf.len(), eof),
            Rule::Lines => Some(memchr::memchr(b'\n', &buf[from..]).map(|t| from + t + 1)),
            Rule::Tag(name) => Some(find_tag(&buf, from, name, eof)),
            Rule::Whole => unreachable!("answered above"),
        };
        match found {
            Some(Some(b)) => return Ok(origin + b as u64),
            Some(None) if eof => return Ok(size),
            _ => {}
        }
        // Look again over the last bytes, which may hold a cut tag.
        from = match rule {
            Rule::Tag(name) => buf.len().saturating_sub(name.len() + 1).max(from),
            Rule::Lines => buf.len(),
            _ => from,
        };
        let more = ra.read_at(origin + buf.len() as u64, buf.len().max(BLOCK))?;
        if more.is_empty() {
            return Ok(size);
        }
        buf.extend_from_slice(&more);
    }
}

/// The first `<name` at or after `buf[1]` (so at or after the range's
/// start) that a space, `>` or `/` ends; `None` when there is none yet.
fn find_tag(buf: &[u8], from: usize, name: &[u8], eof: bool) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(name);
    let mut i = from.max(1);
    while let Some(p) = finder.find(&buf[i..]) {
        let p = i + p;
        match buf.get(p + name.len()) {
            Some(&b) if ends_name(b) => return Some(p),
            None if !eof => return None,
            _ => i = p + 1,
        }
    }
    None
}

/// The records of `[start, end)` of the object behind `ra`, as a source
/// the pipeline reads like any other; see the module documentation.
pub fn open_range(
    mut ra: RandomAccess,
    format: Option<Format>,
    start: u64,
    end: u64,
) -> io::Result<Source> {
    let size = ra.size()?;
    let sniff = ra.read_at(0, crate::input::format::SNIFF_LEN)?;
    let empty = || Ok(Source::Shared(bytes::Bytes::new()));
    if Compression::detect(&sniff) != Compression::None {
        // A compressed object is one piece: the range holding its start.
        return if start == 0 && end > 0 {
            Ok(Source::Reader(ra.stream_from(0)?))
        } else {
            empty()
        };
    }
    let format = format.unwrap_or_else(|| Format::detect(&sniff));
    let (rule, head) = rule(&mut ra, format)?;
    let first = boundary(&mut ra, &rule, start, size)?;
    let stop = if end >= size {
        size
    } else {
        boundary(&mut ra, &rule, end, size)?
    };
    if first >= stop {
        return empty();
    }
    let window = |prelude: usize, origin: u64| Window {
        prelude: prelude as u64,
        origin,
        stop,
    };
    let (stream, window): (Box<dyn Read + Send>, Window) = match head {
        Some(h) if first > h.first_start as u64 => {
            let prelude = h.bytes[..h.first_end].to_vec();
            let len = prelude.len();
            let rest = ra.stream_from(first)?;
            (
                Box::new(io::Cursor::new(prelude).chain(rest)),
                window(len, first),
            )
        }
        // The range starts in the head: read it from the start, dropping
        // what lies before the boundary.
        Some(_) => (ra.stream_from(0)?, window(first as usize, first)),
        None => (ra.stream_from(first)?, window(0, first)),
    };
    Ok(Source::Window(stream, window, format))
}

/// Ranges of about `blocksize` bytes covering an object of `size` bytes
/// that `splittable` says can be split (else one range for all of it).
pub fn ranges(size: u64, blocksize: u64, splittable: bool) -> Vec<(u64, u64)> {
    if !splittable || size == 0 || blocksize == 0 || blocksize >= size {
        return vec![(0, size)];
    }
    (0..size.div_ceil(blocksize))
        .map(|i| (i * blocksize, ((i + 1) * blocksize).min(size)))
        .collect()
}

/// Whether the object behind `ra` can be split into ranges (not
/// compressed, and a format with boundaries).
pub fn splittable(ra: &mut RandomAccess, format: Option<Format>) -> io::Result<bool> {
    let sniff = ra.read_at(0, crate::input::format::SNIFF_LEN)?;
    if Compression::detect(&sniff) != Compression::None {
        return Ok(false);
    }
    let format = format.unwrap_or_else(|| Format::detect(&sniff));
    Ok(rule(ra, format)?.0 != Rule::Whole)
}
