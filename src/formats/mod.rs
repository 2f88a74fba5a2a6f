//! The text formats: MARCXML ([`xml`]), MARC-in-JSON ([`json`]) and
//! MARCMaker text ([`mrk`]).
//!
//! Each format has two halves, like ISO 2709 in `marc/`: a scanner that
//! finds record boundaries on the chunker thread (cheap: no document tree,
//! no values decoded), and a reader that turns one framed record into a
//! [`Built`] record on a worker. A built record has the same shape as a
//! parsed ISO 2709 record (leader, then each field's data followed by a
//! field terminator, subfields behind 0x1F) and field spans instead of a
//! directory, so every layout, `where=`, the summary and the record
//! iterator read it through the same `RecordView`; and, having no
//! directory, it has none of ISO 2709's length limits. [`Framer`] puts the
//! four scanners behind one interface and keeps count of lines so that
//! problems in text can say where they are as line and column.

pub mod frame;
pub mod json;
pub mod mrk;
pub mod split;
pub mod xml;

use crate::error::{ErrorKind, Tag};
use crate::input::Format;
use crate::marc::record::FieldSpan;
use crate::marc::scan::{
    Frame, Scan, Scanner, FIELD_TERMINATOR, LEADER_LEN, RECORD_TERMINATOR, SUBFIELD_DELIMITER,
};

/// A record read from a text format, shaped like an ISO 2709 record
/// without its directory; see the module documentation.
#[derive(Debug, Default)]
pub struct Built {
    /// Leader, field data with terminators, record terminator.
    pub bytes: Vec<u8>,
    /// One span per field, in order.
    pub spans: Vec<FieldSpan>,
    open: Option<(Tag, usize)>,
    leader_set: bool,
}

/// A problem in one text record: what, where (relative to the frame), and
/// the field's tag when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// Why.
    pub kind: ErrorKind,
    /// Offset of the offending byte in the frame.
    pub at: usize,
    /// The field at fault.
    pub tag: Option<Tag>,
}

impl TextError {
    pub(crate) fn new(format: Format, what: impl Into<String>, at: usize) -> Self {
        TextError {
            kind: ErrorKind::Malformed {
                format: format.title(),
                what: what.into(),
            },
            at,
            tag: None,
        }
    }

    pub(crate) fn tagged(mut self, tag: Option<Tag>) -> Self {
        self.tag = tag;
        self
    }
}

/// The leader pymarc gives a record that has none.
pub const DEFAULT_LEADER: &[u8; LEADER_LEN] = b"          22        4500";

impl Built {
    /// Starts a new record (the leader is filled in by [`Built::leader`]).
    pub fn start(&mut self) {
        self.bytes.clear();
        self.spans.clear();
        self.bytes.extend_from_slice(&[b' '; LEADER_LEN]);
        self.open = None;
        self.leader_set = false;
    }

    /// Sets the leader (24 ASCII bytes, checked by the caller).
    pub fn leader(&mut self, leader: &[u8]) {
        self.bytes[..LEADER_LEN].copy_from_slice(&leader[..LEADER_LEN]);
        self.leader_set = true;
    }

    /// Whether a leader was set.
    pub fn has_leader(&self) -> bool {
        self.leader_set
    }

    /// Opens a field: its data follows with [`Built::push`],
    /// [`Built::subfield`]; [`Built::close`] ends it.
    pub fn open(&mut self, tag: Tag) {
        self.open = Some((tag, self.bytes.len()));
    }

    /// Opens a data field with two blank indicators, to be set with
    /// [`Built::indicator`] (JSON may give them after the subfields).
    pub fn open_data(&mut self, tag: Tag) {
        self.open(tag);
        self.bytes.extend_from_slice(b"  ");
    }

    /// Sets indicator `i` (0 or 1) of the open data field.
    pub fn indicator(&mut self, i: usize, b: u8) {
        if let Some((_, start)) = self.open {
            self.bytes[start + i] = b;
        }
    }

    /// Appends bytes to the open field.
    #[inline]
    pub fn push(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    /// Starts a subfield with `code` (its value follows with `push`).
    #[inline]
    pub fn subfield(&mut self, code: &[u8]) {
        self.bytes.push(SUBFIELD_DELIMITER);
        self.bytes.extend_from_slice(code);
    }

    /// Closes the open field.
    pub fn close(&mut self) {
        if let Some((tag, start)) = self.open.take() {
            self.spans.push(FieldSpan {
                tag,
                start: start as u32,
                end: self.bytes.len() as u32,
            });
            self.bytes.push(FIELD_TERMINATOR);
        }
    }

    /// Ends the record.
    pub fn finish(&mut self) {
        self.close();
        self.bytes.push(RECORD_TERMINATOR);
    }
}

/// Where a byte of the delimiters MARC reserves (0x1D, 0x1E, 0x1F) lies in
/// a value: such a byte would change the record's structure.
#[inline]
pub(crate) fn delimiter_in(value: &[u8]) -> Option<usize> {
    memchr::memchr3(
        RECORD_TERMINATOR,
        FIELD_TERMINATOR,
        SUBFIELD_DELIMITER,
        value,
    )
}

/// A tag from text: three printable ASCII characters.
pub(crate) fn tag_of(s: &[u8]) -> Option<Tag> {
    match s {
        [a, b, c] if s.iter().all(|b| (0x21..0x7f).contains(b)) => Some(Tag([*a, *b, *c])),
        _ => None,
    }
}

/// Reads one framed record of `format` into `out`; lenient repairs are
/// appended to `repairs`. ISO 2709 frames are not for this function.
pub fn read_record(
    format: Format,
    frame: &[u8],
    out: &mut Built,
    lenient: bool,
    repairs: &mut Vec<TextError>,
) -> Result<(), TextError> {
    out.start();
    match format {
        Format::MarcXml => xml::read_record(frame, out, lenient, repairs)?,
        Format::Json => json::read_record(frame, out, lenient, repairs)?,
        Format::Mrk => mrk::read_record(frame, out, lenient, repairs)?,
        Format::Iso2709 => unreachable!("ISO 2709 frames go to marc::record"),
    }
    if !out.has_leader() {
        let e = TextError::new(format, "record has no leader", 0);
        if !lenient {
            return Err(e);
        }
        out.leader(DEFAULT_LEADER);
        repairs.push(TextError::new(
            format,
            "record has no leader; pymarc's default leader used",
            0,
        ));
    }
    if out.spans.is_empty() {
        return Err(TextError {
            kind: ErrorKind::NoFields,
            at: 0,
            tag: None,
        });
    }
    out.finish();
    Ok(())
}

/// A leader from text: 24 ASCII characters. Under the lenient policy a
/// short one is padded with blanks and a long one cut, and reported.
pub(crate) fn leader_of(
    format: Format,
    text: &[u8],
    at: usize,
    lenient: bool,
    repairs: &mut Vec<TextError>,
) -> Result<[u8; LEADER_LEN], TextError> {
    if let Some(p) = text.iter().position(|b| !b.is_ascii() || *b < 0x20) {
        return Err(TextError {
            kind: ErrorKind::LeaderInvalid("not printable ASCII"),
            at: at + p,
            tag: None,
        });
    }
    let mut l = [b' '; LEADER_LEN];
    if text.len() != LEADER_LEN {
        let what = format!("leader is {} characters long, not 24", text.len());
        if !lenient {
            return Err(TextError {
                kind: ErrorKind::LeaderInvalid("not 24 characters long"),
                at,
                tag: None,
            });
        }
        repairs.push(TextError::new(
            format,
            format!("{what}; padded with blanks or cut"),
            at,
        ));
    }
    let n = text.len().min(LEADER_LEN);
    l[..n].copy_from_slice(&text[..n]);
    Ok(l)
}

/// The scanner of each format behind one interface, counting lines in the
/// text formats (see [`Framer::line_of`]).
#[derive(Debug)]
pub struct Framer {
    inner: Inner,
    /// Absolute offset of the next unconsumed byte.
    consumed: u64,
    /// 1-based line of `consumed`, and the offset where that line starts.
    line: u64,
    line_start: u64,
    /// Line position of the last frame's first byte.
    last: LinePos,
}

/// A frame's first byte as line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinePos {
    /// 1-based line; 0 for ISO 2709, which has no lines.
    pub line: u64,
    /// Absolute offset of the first byte of that line.
    pub line_start: u64,
}

#[derive(Debug)]
enum Inner {
    Iso(Scanner),
    Xml(Box<xml::Scanner>),
    Json(json::Scanner),
    Mrk(mrk::Scanner),
}

impl Framer {
    /// The scanner for `format`.
    pub fn new(format: Format) -> Self {
        let inner = match format {
            Format::Iso2709 => Inner::Iso(Scanner::new()),
            Format::MarcXml => Inner::Xml(Box::default()),
            Format::Json => Inner::Json(json::Scanner::default()),
            Format::Mrk => Inner::Mrk(mrk::Scanner::default()),
        };
        Framer {
            inner,
            consumed: 0,
            line: 1,
            line_start: 0,
            last: LinePos::default(),
        }
    }

    /// The next frame, as [`Scanner::next`]; `Scan::Skip` hands back bytes
    /// between records that need no report (XML around the records).
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Scan {
        let s = match &mut self.inner {
            Inner::Iso(s) => return s.next(buf, eof),
            Inner::Xml(s) => s.next(buf, eof),
            Inner::Json(s) => s.next(buf, eof),
            Inner::Mrk(s) => s.next(buf, eof),
        };
        match &s {
            Scan::Frame(Frame { start, end, .. }) => {
                self.count(&buf[..*start]);
                self.last = LinePos {
                    line: self.line,
                    line_start: self.line_start,
                };
                self.count(&buf[*start..*end]);
            }
            Scan::Skip { consumed } | Scan::End { consumed } => self.count(&buf[..*consumed]),
            Scan::NeedMore => {}
        }
        s
    }

    fn count(&mut self, b: &[u8]) {
        let mut last = None;
        for p in memchr::memchr_iter(b'\n', b) {
            self.line += 1;
            last = Some(p);
        }
        if let Some(p) = last {
            self.line_start = self.consumed + p as u64 + 1;
        }
        self.consumed += b.len() as u64;
    }

    /// Line position of the first byte of the frame last returned.
    pub fn line_of_last(&self) -> LinePos {
        self.last
    }
}

/// Line and column (both 1-based, the column in bytes) of absolute offset
/// `at` inside a frame starting at `frame_offset` whose bytes are `frame`
/// and whose first byte is at `pos`.
pub fn line_column(pos: LinePos, frame_offset: u64, frame: &[u8], at: u64) -> (u64, u64) {
    let rel = (at.saturating_sub(frame_offset) as usize).min(frame.len());
    let before = &frame[..rel];
    let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
    let line_start = match memchr::memrchr(b'\n', before) {
        Some(p) => frame_offset + p as u64 + 1,
        None => pos.line_start,
    };
    (pos.line + newlines, at - line_start + 1)
}

/// Helpers of the format readers' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::marc::scan::FrameKind;

    /// Every frame the scanner of `format` finds in the whole of `doc`,
    /// as text and kind.
    pub(crate) fn frames(format: Format, doc: &[u8]) -> Vec<(String, FrameKind)> {
        let mut s = Framer::new(format);
        let mut pos = 0;
        let mut out = vec![];
        loop {
            match s.next(&doc[pos..], true) {
                Scan::Frame(f) => {
                    let text = &doc[pos + f.start..pos + f.end];
                    out.push((String::from_utf8_lossy(text).into_owned(), f.kind));
                    pos += f.end;
                }
                Scan::Skip { consumed } => pos += consumed,
                Scan::End { .. } => return out,
                Scan::NeedMore => panic!("the scanner asked for more at the end"),
            }
        }
    }

    /// One record of `format` read strictly.
    pub(crate) fn read(format: Format, text: &str) -> Result<Built, TextError> {
        let mut b = Built::default();
        read_record(format, text.as_bytes(), &mut b, false, &mut vec![])?;
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_record_has_iso_shape() {
        let mut b = Built::default();
        b.start();
        b.leader(b"00000nam a2200000 a 4500");
        b.open(Tag(*b"001"));
        b.push(b"x1");
        b.close();
        b.open_data(Tag(*b"245"));
        b.subfield(b"a");
        b.push(b"T");
        b.indicator(0, b'1');
        b.finish();
        assert_eq!(
            b.bytes,
            b"00000nam a2200000 a 4500x1\x1e1 \x1faT\x1e\x1d".to_vec()
        );
        assert_eq!(b.spans.len(), 2);
        assert_eq!(
            &b.bytes[b.spans[1].start as usize..b.spans[1].end as usize],
            b"1 \x1faT"
        );
    }

    #[test]
    fn line_and_column_of_an_offset() {
        let frame = b"ab\ncd\nef";
        let pos = LinePos {
            line: 4,
            line_start: 95,
        };
        // Frame at absolute 100, its first line began at 95.
        assert_eq!(line_column(pos, 100, frame, 101), (4, 7));
        assert_eq!(line_column(pos, 100, frame, 104), (5, 2));
        assert_eq!(line_column(pos, 100, frame, 107), (6, 2));
    }

    #[test]
    fn framer_counts_lines_across_frames() {
        let text = b"=LDR  00000nam\\\\2200000\\a\\4500\n=001  a\n\n\n=LDR  00000nam\\\\2200000\\a\\4500\n=001  b\n";
        let mut f = Framer::new(Format::Mrk);
        let mut pos = 0;
        let mut lines = vec![];
        while let Scan::Frame(fr) = f.next(&text[pos..], true) {
            lines.push(f.line_of_last());
            pos += fr.end;
        }
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 1);
        assert_eq!(lines[1].line, 5);
    }
}
