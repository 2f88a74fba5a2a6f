//! Record boundaries: cut a byte stream into ISO 2709 records.
//!
//! # Design
//!
//! The fast path reads the five-digit record length from leader/00-04 and
//! checks that the byte at the declared end is the record terminator 0x1D.
//! That costs one small parse and one comparison per record; nothing is
//! searched and nothing is allocated.
//!
//! When the check fails the scanner falls back to the terminators:
//!
//! 1. The first 0x1D after the record start ends the record if what follows
//!    it looks like the start of a record (five digits) or the end of the
//!    input. The record is delivered with a [`ErrorKind::LengthMismatch`]
//!    problem; whether that is repaired or rejected is the caller's policy.
//!    Records over 99,999 bytes, whose length field reads `99999`, land here.
//! 2. Otherwise, if the declared length is followed by a record start, the
//!    length is trusted and the terminator is reported missing.
//! 3. When the length itself is unreadable, the input is resynchronised on
//!    the next 0x1D; a valid record hidden behind leading garbage is found by
//!    looking for a position whose length field matches that terminator.
//!
//! 4. A record never runs over a *sync point*: a terminator followed
//!    (after padding) by a record whose length field ends on a terminator.
//!    A record whose length or terminator would take it past one ends at
//!    that terminator instead, with a [`ErrorKind::LengthMismatch`]. So the
//!    sync points are record starts for every reader, whatever came
//!    before, and a byte range can begin at one (`formats::split`).
//!
//! The scanner is a pure function of the bytes it is shown plus a record
//! counter, so it works on a stream of chunks: when it needs more bytes to
//! decide it answers [`Scan::NeedMore`] and the caller shows it the same
//! unconsumed bytes again, extended. Padding between records (CR, LF,
//! space, NUL, 0x1A) is skipped without a report: it is not content.
//!
//! If you change what counts as a frame, change the record-index rule in
//! `error.rs` and `ARCHITECTURE.md` too.

use crate::error::ErrorKind;

/// Record terminator.
pub const RECORD_TERMINATOR: u8 = 0x1D;
/// Field terminator.
pub const FIELD_TERMINATOR: u8 = 0x1E;
/// Subfield delimiter.
pub const SUBFIELD_DELIMITER: u8 = 0x1F;
/// Length of the leader.
pub const LEADER_LEN: usize = 24;
/// Smallest possible record: leader, directory terminator, record terminator.
const MIN_RECORD_LEN: usize = LEADER_LEN + 2;

/// One step of the scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A frame was found at `buf[frame.start..frame.end]`; consume
    /// `frame.end` bytes before the next call.
    Frame(Frame),
    /// More input is needed to decide; call again with the same unconsumed
    /// bytes plus more (or with `eof = true`).
    NeedMore,
    /// Bytes between records that are not content and need no report (the
    /// XML around MARCXML records); consume them and call again. The ISO
    /// 2709 scanner never answers this.
    Skip {
        /// Bytes to drop.
        consumed: usize,
    },
    /// The input is exhausted (only padding was left); consume `consumed`.
    End {
        /// Padding bytes to drop.
        consumed: usize,
    },
}

/// A record or an unusable stretch of input, relative to the buffer passed
/// to [`Scanner::next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// 0-based index of this frame in the source.
    pub index: u64,
    /// First byte of the frame (after any padding).
    pub start: usize,
    /// One past the last byte of the frame; the caller consumes this many.
    pub end: usize,
    /// Whether this is a record, and the framing problem if there is one.
    pub kind: FrameKind,
}

impl Frame {
    /// The frame at `buf[start..end]`, numbered with `next_index` (which is
    /// advanced): the one numbering rule of every format's scanner.
    pub fn next(next_index: &mut u64, start: usize, end: usize, kind: FrameKind) -> Scan {
        let index = *next_index;
        *next_index += 1;
        Scan::Frame(Frame {
            index,
            start,
            end,
            kind,
        })
    }
}

/// What a [`Frame`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameKind {
    /// A record starting with a leader; `problem` is a framing problem a
    /// lenient reader may repair (length mismatch, missing terminator).
    Record {
        /// The framing problem, if any.
        problem: Option<ErrorKind>,
    },
    /// Bytes that cannot be a record (garbage, truncation, unreadable
    /// length); always skipped or raised, never repaired.
    Bad(ErrorKind),
}

/// Unusable bytes are reported in pieces of about this size at most (each
/// ends at a record terminator), however long the run.
pub const GARBAGE_PIECE: usize = 1 << 20;

/// Longest stretch the scanner holds while looking for the end of one
/// record. Real records are at most a few MB; past this many bytes without
/// a decision, the first `MAX_FRAME_BYTES` are reported as garbage so that
/// memory stays bounded on any input.
pub const MAX_FRAME_BYTES: usize = 64 << 20;

/// Finds record boundaries; see the module documentation.
#[derive(Debug, Clone)]
pub struct Scanner {
    next_index: u64,
    limit: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            next_index: 0,
            limit: MAX_FRAME_BYTES,
        }
    }
}

#[inline]
fn is_padding(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | b' ' | 0 | 0x1A)
}

/// Parses `n` ASCII digits; `None` if any byte is not a digit.
#[inline]
pub(crate) fn parse_digits(b: &[u8]) -> Option<usize> {
    let mut v = 0usize;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as usize;
    }
    Some(v)
}

/// Whether `rest` (the bytes after a candidate record end) starts a record
/// or ends the input. `None`: cannot tell yet.
fn next_is_plausible(rest: &[u8], eof: bool) -> Option<bool> {
    let p = rest.iter().position(|&b| !is_padding(b));
    let rest = match p {
        None => return if eof { Some(true) } else { None },
        Some(p) => &rest[p..],
    };
    if rest.len() < 5 {
        return if eof { Some(false) } else { None };
    }
    Some(parse_digits(&rest[..5]).is_some_and(|n| n >= MIN_RECORD_LEN))
}

/// Padding looked past when deciding whether a sync point follows; a
/// longer run of padding is not one (the rule must stay local).
const SYNC_PADDING: usize = 4096;

/// Whether `rest`, the bytes right after a record terminator, begins (after
/// at most [`SYNC_PADDING`] bytes of padding) with a record whose declared
/// length ends on a terminator: a sync point (see the module
/// documentation). `None`: cannot tell yet.
pub fn starts_synced_record(rest: &[u8], eof: bool) -> Option<bool> {
    let window = &rest[..rest.len().min(SYNC_PADDING + 1)];
    let p = match window.iter().position(|&b| !is_padding(b)) {
        Some(p) => p,
        None if window.len() > SYNC_PADDING || eof => return Some(false),
        None => return None,
    };
    let r = &rest[p..];
    if r.len() < 5 {
        return if eof { Some(false) } else { None };
    }
    let n = match parse_digits(&r[..5]) {
        Some(n) if n >= MIN_RECORD_LEN => n,
        _ => return Some(false),
    };
    if r.len() < n {
        return if eof { Some(false) } else { None };
    }
    Some(r[n - 1] == RECORD_TERMINATOR)
}

/// The offset just past the first terminator in `buf[from..until]` that a
/// sync point follows (what follows may lie past `until`). `None`: cannot
/// tell yet; `Some(None)`: there is none.
pub fn next_sync(buf: &[u8], from: usize, until: usize, eof: bool) -> Option<Option<usize>> {
    let mut from = from;
    let until = until.min(buf.len());
    while let Some(t) = memchr::memchr(RECORD_TERMINATOR, buf.get(from..until).unwrap_or(&[])) {
        let t = from + t;
        match starts_synced_record(&buf[t + 1..], eof)? {
            true => return Some(Some(t + 1)),
            false => from = t + 1,
        }
    }
    if eof || until < buf.len() {
        Some(None)
    } else {
        None
    }
}

impl Scanner {
    /// A scanner whose first frame gets index 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scanner whose first frame gets index `next_index` (for a source
    /// resumed part way, or after the caller dropped a stretch itself).
    pub fn with_index(next_index: u64) -> Self {
        Scanner {
            next_index,
            ..Self::default()
        }
    }

    /// A scanner that gives up on a frame after `limit` bytes (default
    /// [`MAX_FRAME_BYTES`]); at least enough for the longest legal record.
    pub fn with_limit(limit: usize) -> Self {
        Scanner {
            limit: limit.max(100_000),
            ..Self::default()
        }
    }

    /// The index the next frame will get (= frames found so far).
    pub fn frames_seen(&self) -> u64 {
        self.next_index
    }

    fn frame(&mut self, start: usize, end: usize, kind: FrameKind) -> Scan {
        Frame::next(&mut self.next_index, start, end, kind)
    }

    /// Looks for the next frame at the start of `buf` (the unconsumed input).
    /// `eof` says that no more bytes will follow `buf`. Never asks for more
    /// once `buf` holds the scanner's limit: the caller's memory is bounded.
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Scan {
        match self.decide(buf, eof) {
            Scan::NeedMore if buf.len() >= self.limit => {
                // Cut at exactly `limit` bytes past the frame start, so the
                // answer does not depend on how much the caller read.
                let s = buf.iter().position(|&b| !is_padding(b)).unwrap_or(0);
                let end = (s + self.limit).min(buf.len());
                let kind = ErrorKind::Garbage {
                    len: (end - s) as u64,
                };
                self.frame(s, end, FrameKind::Bad(kind))
            }
            other => other,
        }
    }

    fn decide(&mut self, buf: &[u8], eof: bool) -> Scan {
        let s = buf.iter().position(|&b| !is_padding(b));
        let s = match s {
            Some(s) => s,
            None if eof => {
                return Scan::End {
                    consumed: buf.len(),
                }
            }
            None => return Scan::NeedMore,
        };
        let b = &buf[s..];
        if b.len() < 5 {
            if !eof {
                return Scan::NeedMore;
            }
            let kind = ErrorKind::Truncated {
                declared: 0,
                available: b.len(),
            };
            return self.frame(s, buf.len(), FrameKind::Bad(kind));
        }
        let declared = match parse_digits(&b[..5]) {
            Some(n) if n >= MIN_RECORD_LEN => n,
            _ => return self.resync(buf, s, eof),
        };
        if b.len() >= declared {
            if b[declared - 1] == RECORD_TERMINATOR {
                // Rule 4: no sync point inside the record.
                return match next_sync(b, 0, declared - 1, eof) {
                    None => Scan::NeedMore,
                    Some(Some(t)) => self.length_mismatch(s, t - 1, declared),
                    Some(None) => self.frame(s, s + declared, FrameKind::Record { problem: None }),
                };
            }
            return self.mismatch(buf, s, declared, eof);
        }
        if !eof {
            return Scan::NeedMore;
        }
        // The input ends before the declared length.
        match memchr::memchr(RECORD_TERMINATOR, b) {
            Some(t) => self.length_mismatch(s, t, declared),
            None => {
                let kind = ErrorKind::Truncated {
                    declared,
                    available: b.len(),
                };
                self.frame(s, buf.len(), FrameKind::Bad(kind))
            }
        }
    }

    /// A record at `s` that ends at its first terminator, `t` bytes in,
    /// not where its leader says.
    fn length_mismatch(&mut self, s: usize, t: usize, declared: usize) -> Scan {
        let problem = ErrorKind::LengthMismatch {
            declared,
            actual: t + 1,
        };
        self.frame(
            s,
            s + t + 1,
            FrameKind::Record {
                problem: Some(problem),
            },
        )
    }

    /// The declared length is readable but the byte there is not 0x1D.
    fn mismatch(&mut self, buf: &[u8], s: usize, declared: usize, eof: bool) -> Scan {
        let b = &buf[s..];
        let t = memchr::memchr(RECORD_TERMINATOR, b);
        if t.is_none() && !eof {
            // Decide only once the next terminator is in view, so that the
            // answer does not depend on how the input was chunked.
            return Scan::NeedMore;
        }
        if let Some(t) = t {
            match next_is_plausible(&b[t + 1..], eof) {
                None => return Scan::NeedMore,
                Some(true) => {
                    let problem = ErrorKind::LengthMismatch {
                        declared,
                        actual: t + 1,
                    };
                    return self.frame(
                        s,
                        s + t + 1,
                        FrameKind::Record {
                            problem: Some(problem),
                        },
                    );
                }
                Some(false) => {}
            }
        }
        match next_is_plausible(&b[declared..], eof) {
            None => return Scan::NeedMore,
            Some(true) => {
                // Not past a sync point (rule 4).
                if let Some(t) = t {
                    match next_sync(b, t, declared, eof) {
                        None => return Scan::NeedMore,
                        Some(Some(u)) => return self.length_mismatch(s, u - 1, declared),
                        Some(None) => {}
                    }
                }
                let problem = ErrorKind::MissingRecordTerminator { declared };
                return self.frame(
                    s,
                    s + declared,
                    FrameKind::Record {
                        problem: Some(problem),
                    },
                );
            }
            Some(false) => {}
        }
        match t {
            Some(t) => self.length_mismatch(s, t, declared),
            // No terminator anywhere before EOF.
            None => {
                let kind = ErrorKind::MissingRecordTerminator { declared };
                self.frame(s, buf.len(), FrameKind::Bad(kind))
            }
        }
    }

    /// The record length is unreadable: skip to the next terminator that is
    /// followed by a plausible record start (or the end), unless a valid
    /// record is hidden behind leading garbage. A run of unusable stretches
    /// is one frame, cut at a terminator once it passes [`GARBAGE_PIECE`]
    /// bytes, so that random bytes make a few problems, not one per 0x1D.
    fn resync(&mut self, buf: &[u8], s: usize, eof: bool) -> Scan {
        let b = &buf[s..];
        let found = String::from_utf8_lossy(&b[..5]).into_owned();
        let mut from = 0;
        loop {
            let Some(t) = memchr::memchr(RECORD_TERMINATOR, &b[from..]).map(|t| from + t) else {
                if !eof {
                    return Scan::NeedMore;
                }
                let kind = if from == 0 {
                    ErrorKind::Garbage {
                        len: b.len() as u64,
                    }
                } else {
                    ErrorKind::RecordLengthInvalid { found }
                };
                return self.frame(s, buf.len(), FrameKind::Bad(kind));
            };
            // A record ending at `t` whose length field agrees with it.
            for q in from.max(1)..(t + 1).saturating_sub(MIN_RECORD_LEN - 1) {
                if parse_digits(&b[q..q + 5]) == Some(t + 1 - q) {
                    let kind = ErrorKind::Garbage { len: q as u64 };
                    return self.frame(s, s + q, FrameKind::Bad(kind));
                }
            }
            match next_is_plausible(&b[t + 1..], eof) {
                None => return Scan::NeedMore,
                Some(false) if t + 1 < GARBAGE_PIECE => from = t + 1,
                Some(_) => {
                    let kind = ErrorKind::RecordLengthInvalid { found };
                    return self.frame(s, s + t + 1, FrameKind::Bad(kind));
                }
            }
        }
    }
}

/// Iterates over the frames of a complete in-memory input, yielding
/// `(absolute offset of the frame, frame)`; frame offsets are relative to
/// the whole input.
pub struct Frames<'a> {
    buf: &'a [u8],
    pos: usize,
    scanner: Scanner,
}

impl<'a> Frames<'a> {
    /// Frames of `buf`, which must hold the whole input.
    pub fn new(buf: &'a [u8]) -> Self {
        Frames {
            buf,
            pos: 0,
            scanner: Scanner::new(),
        }
    }
}

impl Iterator for Frames<'_> {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        match self.scanner.next(&self.buf[self.pos..], true) {
            Scan::Frame(mut f) => {
                f.start += self.pos;
                f.end += self.pos;
                self.pos = f.end;
                Some(f)
            }
            Scan::End { .. } => {
                self.pos = self.buf.len();
                None
            }
            // With eof = true the scanner always decides; it never skips.
            Scan::NeedMore | Scan::Skip { .. } => unreachable!("ISO 2709 scanner at EOF"),
        }
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
