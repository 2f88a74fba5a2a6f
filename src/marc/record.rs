//! Parse one framed record: leader, directory, fields and subfields.
//!
//! Parsing yields borrowed views into the record's bytes. The only storage is
//! the [`Parser`]'s vector of field spans, reused from record to record, so
//! parsing allocates nothing per field or subfield once it has warmed up.
//!
//! Field contents follow pymarc's reading, which is the oracle for what a
//! record contains: a field's data runs from its directory offset for its
//! directory length, minus the final field terminator; tags `001`-`009`
//! (numeric, below `010`) are control fields; a data field's indicators are
//! the bytes before the first 0x1F (missing ones read as blanks); subfields
//! are split on 0x1F, empty pieces are dropped, the first character is the
//! code and the rest the value.

use crate::error::{ErrorKind, ErrorPolicy, MarcError, Tag};
use crate::marc::scan::{FIELD_TERMINATOR, LEADER_LEN, RECORD_TERMINATOR, SUBFIELD_DELIMITER};
use crate::marc::Dialect;

pub use crate::marc::encoding::{Encoding, EncodingErrors, EncodingMode};
pub use crate::marc::view::{FieldView, RecordView, Subfield, Subfields};

/// Where one field lies inside its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpan {
    /// The field's tag.
    pub tag: Tag,
    /// First byte of the field's data, relative to the record start.
    pub start: u32,
    /// One past the last data byte (the field terminator is excluded).
    pub end: u32,
}

/// Options for [`Parser`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseOptions {
    /// What to do about malformed records.
    pub policy: ErrorPolicy,
    /// How to choose each record's encoding.
    pub encoding: EncodingMode,
    /// Whether invalid UTF-8 makes a record malformed (`Strict`) or is
    /// replaced later (`Replace`).
    pub encoding_errors: EncodingErrors,
    /// Whose reading to follow ([`Dialect`]): under `Pymarc` each field is
    /// its directory length less one byte, whatever that byte is (pymarc
    /// never checks for the field terminator), and a subfield code byte
    /// that starts a valid UTF-8 sequence takes the whole character.
    pub dialect: Dialect,
}

/// A repair made under the lenient policy, to be reported.
pub type Repair = ErrorKind;

/// Parses records; holds the reusable span buffer.
#[derive(Debug, Default)]
pub struct Parser {
    spans: Vec<FieldSpan>,
    encoding: Option<Encoding>,
    /// The record's values are UTF-8 as they stand (see [`RecordView::text`]).
    text: bool,
    options: ParseOptions,
}

/// Context of the record being parsed, for error coordinates.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordPos {
    /// 0-based record index in the source.
    pub index: u64,
    /// Absolute byte offset of the record's first byte.
    pub offset: u64,
    /// In the text formats, the 1-based line and column (in bytes) where
    /// the record starts; 0 for ISO 2709, which has no lines.
    pub line: u64,
    /// See `line`.
    pub column: u64,
}

impl RecordPos {
    fn err(&self, kind: ErrorKind) -> MarcError {
        MarcError::new(self.index, self.offset, kind)
    }
    fn err_at(&self, kind: ErrorKind, rel: usize) -> MarcError {
        MarcError::new(self.index, self.offset, kind).at(self.offset + rel as u64)
    }
}

impl Parser {
    /// A parser with the given options.
    pub fn new(options: ParseOptions) -> Self {
        Parser {
            spans: Vec::with_capacity(64),
            encoding: None,
            text: false,
            options,
        }
    }

    /// The options this parser was made with.
    pub fn options(&self) -> &ParseOptions {
        &self.options
    }

    /// Parses one framed record. Repairs made under the lenient policy are
    /// appended to `repairs` (as errors with positions); an error that
    /// cannot be repaired, or any error under `strict`/`skip`, is returned.
    pub fn parse<'a>(
        &'a mut self,
        bytes: &'a [u8],
        pos: RecordPos,
        repairs: &mut Vec<MarcError>,
    ) -> Result<RecordView<'a>, MarcError> {
        self.check(bytes, pos, repairs)?;
        Ok(self.view(bytes))
    }

    /// The view of the record that the last successful [`Parser::check`]
    /// (or [`Parser::parse`]) accepted; `bytes` must be that record.
    pub fn view<'a>(&'a self, bytes: &'a [u8]) -> RecordView<'a> {
        RecordView {
            bytes,
            spans: &self.spans,
            encoding: self.encoding.unwrap_or(Encoding::Marc8),
            text: self.encoding.is_some() && self.text,
            dialect: self.options.dialect,
        }
    }

    /// Parses and validates a record, keeping its spans for
    /// [`Parser::view`]; see [`Parser::parse`].
    pub fn check(
        &mut self,
        bytes: &[u8],
        pos: RecordPos,
        repairs: &mut Vec<MarcError>,
    ) -> Result<(), MarcError> {
        self.encoding = None;
        let lenient = self.options.policy == ErrorPolicy::Lenient;
        self.spans.clear();
        if bytes.len() < LEADER_LEN {
            return Err(pos.err(ErrorKind::LeaderInvalid("shorter than 24 bytes")));
        }
        let leader = &bytes[..LEADER_LEN];
        if let Some(p) = leader.iter().position(|b| !b.is_ascii()) {
            return Err(pos.err_at(ErrorKind::LeaderInvalid("not ASCII"), p));
        }
        let mut encoding = match self.options.encoding {
            EncodingMode::Auto | EncodingMode::AutoLatin1 | EncodingMode::AutoCp1251
                if leader[9] == b'a' =>
            {
                Encoding::Utf8
            }
            EncodingMode::AutoLatin1 => Encoding::Latin1,
            EncodingMode::AutoCp1251 => Encoding::Cp1251,
            EncodingMode::Auto | EncodingMode::Marc8 => Encoding::Marc8,
            EncodingMode::Utf8 => Encoding::Utf8,
            EncodingMode::Latin1 => Encoding::Latin1,
            EncodingMode::Cp1251 => Encoding::Cp1251,
        };
        // The data area ends before the record terminator, if there is one.
        let data_end = if bytes.last() == Some(&RECORD_TERMINATOR) {
            bytes.len() - 1
        } else {
            bytes.len()
        };

        if data_end <= LEADER_LEN {
            return Err(pos.err(ErrorKind::DirectoryInvalid("record ends after the leader")));
        }
        let base = match check_base(bytes, data_end, self.options.dialect, lenient) {
            Ok(b) => b,
            Err(why) => {
                let found = String::from_utf8_lossy(&leader[12..17]).into_owned();
                let kind = ErrorKind::BaseAddressInvalid { found, why };
                // The directory ends at the first field terminator after the
                // leader; the data starts right after it.
                let recovered = memchr::memchr(FIELD_TERMINATOR, &bytes[LEADER_LEN..data_end])
                    .map(|p| LEADER_LEN + p + 1);
                match recovered {
                    Some(b) if lenient => {
                        repairs.push(pos.err_at(kind, 12));
                        b
                    }
                    _ => return Err(pos.err_at(kind, 12)),
                }
            }
        };

        let dir = &bytes[LEADER_LEN..base - 1];
        if dir.len() % 12 != 0 {
            return Err(pos.err_at(
                ErrorKind::DirectoryInvalid("length is not a multiple of 12"),
                LEADER_LEN,
            ));
        }
        if dir.is_empty() {
            return Err(pos.err(ErrorKind::NoFields));
        }
        // Read the entries; note whether their offsets hold up.
        let mut offsets_ok = true;
        let dialect = self.options.dialect;
        for (i, e) in dir.chunks_exact(12).enumerate() {
            let at = LEADER_LEN + i * 12;
            let tag = Tag([e[0], e[1], e[2]]);
            // pymarc accepts any ASCII tag, blanks included (`alphatag.dat`,
            // `bad_indicator.dat`), control bytes too; by the standard
            // control bytes cannot be a tag.
            let tag_ok = |b: &u8| match dialect {
                Dialect::Standard => (0x20..0x7f).contains(b),
                Dialect::Pymarc => b.is_ascii(),
            };
            if !e[..3].iter().all(tag_ok) {
                return Err(pos.err_at(
                    ErrorKind::DirectoryInvalid("tag is not printable ASCII"),
                    at,
                ));
            }
            let (Some(len), off) = (dialect.number(&e[3..7]), dialect.number(&e[7..12])) else {
                return Err(pos.err_at(
                    ErrorKind::DirectoryInvalid("field length is not four digits"),
                    at + 3,
                ));
            };
            if len == 0 && !dialect.is_pymarc() {
                return Err(pos.err_at(ErrorKind::DirectoryInvalid("field length is zero"), at + 3));
            }
            let (start, end) = match off {
                Some(off) => (base + off, base + off + len),
                None => {
                    if !lenient {
                        return Err(pos.err_at(
                            ErrorKind::DirectoryInvalid("field offset is not five digits"),
                            at + 7,
                        ));
                    }
                    offsets_ok = false;
                    (0, 0)
                }
            };
            // pymarc slices the record: a field that runs past its end is
            // cut short there, or empty (and warned about by pymarc); the
            // lenient policy repairs the offsets instead.
            if offsets_ok && dialect.is_pymarc() && (len == 0 || (end > data_end && !lenient)) {
                let (start, end) = (start.min(bytes.len()), (end.max(1) - 1).min(bytes.len()));
                self.spans.push(FieldSpan {
                    tag,
                    start: start as u32,
                    end: end.max(start) as u32,
                });
                continue;
            }
            if offsets_ok {
                if end > data_end {
                    if !lenient {
                        return Err(pos.err_at(ErrorKind::FieldOutOfRange { tag, entry: i }, at));
                    }
                    offsets_ok = false;
                } else if bytes[end - 1] != FIELD_TERMINATOR && !dialect.is_pymarc() {
                    if !lenient {
                        return Err(pos
                            .err_at(ErrorKind::FieldTerminatorMissing { tag, entry: i }, end - 1));
                    }
                    offsets_ok = false;
                }
            }
            self.spans.push(FieldSpan {
                tag,
                start: start as u32,
                end: (end.max(1) - 1) as u32,
            });
        }
        if !offsets_ok {
            // Lenient: trust the entry lengths, laid end to end from the
            // base address, checked against the field terminators; failing
            // that, trust the terminators if there is one per entry.
            let first_bad = self.recompute_from_lengths(bytes, dir, base, data_end);
            let why = match first_bad {
                None => "field offsets disagree with the field terminators; recomputed from the entry lengths",
                Some((i, kind)) => {
                    if !self.recompute_from_terminators(bytes, base, data_end) {
                        return Err(pos.err_at(kind, LEADER_LEN + i * 12));
                    }
                    "field offsets and lengths disagree with the field terminators; fields taken between terminators"
                }
            };
            repairs.push(pos.err_at(ErrorKind::DirectoryInvalid(why), LEADER_LEN));
        }

        if self.options.dialect.is_pymarc() {
            // pymarc decodes a data field's indicators as ASCII, whatever
            // the record's encoding or `utf8_handling`.
            for s in self.spans.iter().filter(|s| !s.tag.is_control()) {
                // Usually two bytes: a loop beats memchr's set-up here.
                let data = &bytes[s.start as usize..s.end as usize];
                let mut indicators = data.iter().take_while(|&&b| b != SUBFIELD_DELIMITER);
                if let Some(p) = indicators.position(|b| !b.is_ascii()) {
                    let what = "indicators that are not ASCII".to_string();
                    return Err(pos.err_at(
                        ErrorKind::Encoding { tag: s.tag, what },
                        s.start as usize + p,
                    ));
                }
            }
        }
        if encoding == Encoding::Utf8 {
            encoding = self.utf8_encoding(bytes, base, data_end, pos)?;
        }
        self.text = match encoding {
            Encoding::Utf8 => true,
            Encoding::Utf8Invalid => false,
            // Half the MARC-8 records of a typical file are plain ASCII:
            // they need no decoding (which was half of reading them).
            Encoding::Marc8 | Encoding::Latin1 | Encoding::Cp1251 => self.spans.iter().all(|s| {
                let data = &bytes[s.start as usize..s.end as usize];
                field_is_plain(data, s.tag.is_control())
            }),
        };
        self.encoding = Some(encoding);
        Ok(())
    }

    /// `Utf8` if the data area is valid UTF-8; otherwise the error under
    /// `encoding_errors="strict"`, or `Utf8Invalid` (replaced later).
    fn utf8_encoding(
        &self,
        bytes: &[u8],
        base: usize,
        data_end: usize,
        pos: RecordPos,
    ) -> Result<Encoding, MarcError> {
        match self.check_utf8(bytes, base, data_end) {
            Ok(()) => Ok(Encoding::Utf8),
            Err(e) if self.options.encoding_errors == EncodingErrors::Strict => {
                Err(pos.err_at(ErrorKind::InvalidUtf8 { tag: e.1 }, e.0))
            }
            Err(_) => Ok(Encoding::Utf8Invalid),
        }
    }

    /// Takes a record built from a text format (`formats::Built`): its
    /// fields are given as spans (swapped with the parser's own vector, so
    /// both are reused), its values are UTF-8 whatever leader/09 says:
    /// `validated` when they were built from Rust strings (XML, JSON),
    /// else checked here (the view strings rely on it).
    pub fn adopt(
        &mut self,
        bytes: &[u8],
        spans: &mut Vec<FieldSpan>,
        validated: bool,
        pos: RecordPos,
    ) -> Result<(), MarcError> {
        std::mem::swap(&mut self.spans, spans);
        self.encoding = None;
        let encoding = if validated {
            debug_assert!(std::str::from_utf8(bytes).is_ok());
            Encoding::Utf8
        } else {
            self.utf8_encoding(bytes, LEADER_LEN, bytes.len() - 1, pos)?
        };
        self.text = encoding == Encoding::Utf8;
        self.encoding = Some(encoding);
        Ok(())
    }

    /// Validates the data area as UTF-8, with every field starting on a
    /// character boundary; on failure, the offset and tag of the bad byte.
    fn check_utf8(&self, bytes: &[u8], base: usize, data_end: usize) -> Result<(), (usize, Tag)> {
        // simdutf8: several times std's rate on mostly-ASCII text (this
        // check was 8% of `read_arrow`'s CPU with std's).
        let area = simdutf8::compat::from_utf8(&bytes[base..data_end]);
        if area.is_err() && self.options.dialect.is_pymarc() {
            // pymarc decodes each field's bytes, not the data area: the
            // byte it drops from a field is never decoded. (A valid data
            // area, the usual case, is checked in one pass below.)
            for s in &self.spans {
                let (start, end) = (s.start as usize, s.end as usize);
                if let Err(e) = simdutf8::compat::from_utf8(&bytes[start..end]) {
                    return Err((start + e.valid_up_to(), s.tag));
                }
            }
            return Ok(());
        }
        {
            if let Err(e) = area {
                let bad = base + e.valid_up_to();
                let tag = self
                    .spans
                    .iter()
                    .find(|s| (s.start as usize) <= bad && bad <= s.end as usize)
                    .map(|s| s.tag)
                    .unwrap_or(Tag(*b"???"));
                return Err((bad, tag));
            }
            // Every field must start and end on a character boundary too:
            // then every string cut from a field at ASCII delimiters is
            // valid UTF-8, which `arrow/strings.rs` relies on. A field ends
            // just before its terminator, except in the pymarc dialect,
            // where the byte dropped may be any byte, even one inside a
            // character.
            let continuation = |i: usize| i < bytes.len() && (bytes[i] as i8) < -0x40;
            for s in &self.spans {
                let (start, end) = (s.start as usize, s.end as usize);
                if start < end && continuation(start) {
                    return Err((start, s.tag));
                }
                if continuation(end) {
                    return Err((end, s.tag));
                }
            }
        }
        Ok(())
    }

    fn recompute_from_lengths(
        &mut self,
        bytes: &[u8],
        dir: &[u8],
        base: usize,
        data_end: usize,
    ) -> Option<(usize, ErrorKind)> {
        let mut at = base;
        for (i, e) in dir.chunks_exact(12).enumerate() {
            let tag = Tag([e[0], e[1], e[2]]);
            // Lengths were validated as numbers in the first pass; pymarc
            // takes a zero length, which cannot be laid end to end.
            let len = self.options.dialect.number(&e[3..7]).unwrap_or(0);
            if len == 0 {
                return Some((i, ErrorKind::DirectoryInvalid("field length is zero")));
            }
            let end = at + len;
            if end > data_end {
                return Some((i, ErrorKind::FieldOutOfRange { tag, entry: i }));
            }
            if bytes[end - 1] != FIELD_TERMINATOR {
                return Some((i, ErrorKind::FieldTerminatorMissing { tag, entry: i }));
            }
            self.spans[i] = FieldSpan {
                tag,
                start: at as u32,
                end: (end - 1) as u32,
            };
            at = end;
        }
        None
    }
}

impl Parser {
    /// Splits the data area on field terminators, one field per directory
    /// entry in directory order; `false` if the counts differ.
    fn recompute_from_terminators(&mut self, bytes: &[u8], base: usize, data_end: usize) -> bool {
        let area = &bytes[base..data_end];
        if memchr::memchr_iter(FIELD_TERMINATOR, area).count() != self.spans.len()
            || area.last() != Some(&FIELD_TERMINATOR)
        {
            return false;
        }
        let mut at = base;
        for (span, t) in self
            .spans
            .iter_mut()
            .zip(memchr::memchr_iter(FIELD_TERMINATOR, area))
        {
            span.start = at as u32;
            span.end = (base + t) as u32;
            at = base + t + 1;
        }
        true
    }
}

/// Reads and checks leader/12-16.
fn check_base(
    bytes: &[u8],
    data_end: usize,
    dialect: Dialect,
    lenient: bool,
) -> Result<usize, &'static str> {
    let base = dialect.number(&bytes[12..17]).ok_or("not five digits")?;
    if base < LEADER_LEN + 1 {
        return Err("points inside the leader");
    }
    if base > data_end {
        return Err("points past the end of the record");
    }
    // pymarc reads the directory up to the base address, less one byte,
    // whatever that byte is; the lenient policy finds the real end instead.
    if bytes[base - 1] != FIELD_TERMINATOR && (!dialect.is_pymarc() || lenient) {
        return Err("no field terminator (0x1E) ends the directory there");
    }
    Ok(base)
}

/// Whether a whole field decodes to itself in every encoding read here:
/// printable ASCII, with subfield delimiters in a data field, and no `&#`
/// (a numeric character reference, which MARC-8's standard reading
/// resolves). Control bytes are dropped or kept depending on the encoding,
/// so they take the decoder. One pass per field, stricter than the test
/// per value that `decode::Decoded` makes for the records that fail this.
fn field_is_plain(data: &[u8], control: bool) -> bool {
    let delimiter = if control { 0x20 } else { SUBFIELD_DELIMITER };
    // No early exit and no branch: the loop vectorises, and the usual
    // answer is yes.
    let (mut bad, mut amp) = (0u8, 0u8);
    for &b in data {
        bad |= (b.wrapping_sub(0x20) > 0x5e) as u8 & (b != delimiter) as u8;
        amp |= (b == b'&') as u8;
    }
    bad == 0 && (amp == 0 || !crate::decode::marc8::has_reference_start(data))
}
#[cfg(test)]
#[path = "record_tests.rs"]
pub(crate) mod tests;
