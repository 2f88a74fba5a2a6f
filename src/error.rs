//! Errors as values: every problem carries where it happened.
//!
//! A [`MarcError`] names the record (0-based `record_index`, counting every
//! frame the scanner found, skipped ones included), the byte offset of the
//! record's first byte in its source, the offset of the offending byte where
//! one is known, the tag where there is one, and the reason ([`ErrorKind`]).
//! Whether an error stops the stream, is repaired, or is skipped is decided
//! by the caller's [`ErrorPolicy`]; each decision is recorded as a
//! [`Problem`] so that nothing passes unseen.

use std::fmt;

/// A three-byte MARC tag (`b"245"`); alphanumeric tags are legal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub [u8; 3]);

impl Tag {
    /// The tag as text; bytes that are not ASCII are shown as `?`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// `true` for `001`-`009`, the control fields (pymarc's rule: numeric and
    /// below `010`).
    #[inline]
    pub fn is_control(&self) -> bool {
        self.0[0] == b'0' && self.0[1] == b'0' && self.0[2].is_ascii_digit()
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// What to do with a record that is not well formed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ErrorPolicy {
    /// Deliver every record before the first malformed one, then stop with
    /// that error. The default.
    #[default]
    Strict,
    /// Repair what can be repaired without inventing content (a wrong record
    /// length, an overflowed base address, directory offsets that disagree
    /// with the field terminators), report each repair, and skip and report
    /// what cannot be repaired.
    Lenient,
    /// Repair nothing: skip each malformed record, report it, carry on.
    Skip,
}

impl ErrorPolicy {
    /// Parses `"strict"`, `"lenient"` or `"skip"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "strict" => Some(Self::Strict),
            "lenient" => Some(Self::Lenient),
            "skip" => Some(Self::Skip),
            _ => None,
        }
    }

    /// The policy's name as [`ErrorPolicy::parse`] accepts it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Lenient => "lenient",
            Self::Skip => "skip",
        }
    }
}

/// Why a record (or a stretch of input) is not well formed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bytes between records that do not start a record; they were skipped.
    #[error("{len} bytes of garbage that do not start a record")]
    Garbage {
        /// How many bytes were skipped.
        len: u64,
    },
    /// The first five bytes are not a decimal record length.
    #[error("record length {found:?} is not five digits")]
    RecordLengthInvalid {
        /// The five bytes, shown lossily.
        found: String,
    },
    /// The declared record length disagrees with where the record
    /// terminator (0x1D) actually is.
    #[error("record length says {declared} bytes but the record terminator ends it at {actual}")]
    LengthMismatch {
        /// Length from leader/00-04.
        declared: usize,
        /// Length up to and including the 0x1D that ends the record.
        actual: usize,
    },
    /// The byte at the declared end is not 0x1D and no terminator is near.
    #[error("no record terminator (0x1D) at the declared end ({declared} bytes)")]
    MissingRecordTerminator {
        /// Length from leader/00-04.
        declared: usize,
    },
    /// The input ended inside a record.
    #[error("truncated record: {available} bytes left, record length says {declared}")]
    Truncated {
        /// Length from leader/00-04 (0 when unreadable).
        declared: usize,
        /// Bytes actually present.
        available: usize,
    },
    /// The leader is shorter than 24 bytes or not ASCII.
    #[error("invalid leader: {0}")]
    LeaderInvalid(&'static str),
    /// Leader/12-16 is not a usable base address of data.
    #[error("base address of data {found:?} is invalid: {why}")]
    BaseAddressInvalid {
        /// leader/12-16, shown lossily.
        found: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The directory cannot be read.
    #[error("invalid directory: {0}")]
    DirectoryInvalid(&'static str),
    /// A directory entry points outside the data area.
    #[error("field {tag} (entry {entry}) lies outside the data area")]
    FieldOutOfRange {
        /// The entry's tag.
        tag: Tag,
        /// 0-based directory entry.
        entry: usize,
    },
    /// A field does not end with the field terminator 0x1E.
    #[error("field {tag} (entry {entry}) does not end with a field terminator (0x1E)")]
    FieldTerminatorMissing {
        /// The entry's tag.
        tag: Tag,
        /// 0-based directory entry.
        entry: usize,
    },
    /// The record has no fields at all.
    #[error("record has no fields")]
    NoFields,
    /// The record says it is UTF-8 (leader/09 `a`) but a field is not.
    #[error("invalid UTF-8 in field {tag}")]
    InvalidUtf8 {
        /// The field holding the bad byte.
        tag: Tag,
    },
    /// A string that does not decode in the record's encoding (reported
    /// with the offending byte's offset); malformed under
    /// `encoding_errors="strict"`, replaced under `"replace"`.
    #[error("{what} in field {tag}")]
    Encoding {
        /// The field holding the bad byte.
        tag: Tag,
        /// What was wrong (unmapped character, control byte, ...).
        what: String,
    },
    /// A record in a text format (MARCXML, MARC-in-JSON, MARCMaker) that
    /// is not well formed, or a stretch of such text that is no record.
    #[error("malformed {format}: {what}")]
    Malformed {
        /// The format's name.
        format: &'static str,
        /// What is wrong.
        what: String,
    },
    /// An OAI-PMH record marked deleted: it has no MARC record to deliver.
    #[error("OAI-PMH record {identifier:?} is deleted")]
    Deleted {
        /// The record's OAI identifier.
        identifier: String,
    },
    /// A record too long for ISO 2709 (written with
    /// `oversize="skip"`: left out).
    #[error("{what}")]
    Oversize {
        /// What is too long, and the record's 001.
        what: String,
    },
    /// A record with a value the output format cannot hold (a control
    /// character in MARCXML), left out with `oversize="skip"`.
    #[error("{what}")]
    Unwritable {
        /// What cannot be written, and the record's 001.
        what: String,
    },
    /// A worker failed unexpectedly (a bug); the message says where.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ErrorKind {
    /// The variant's name (`"RecordLengthInvalid"`, `"InvalidUtf8"`, ...),
    /// stable for programs that map kinds to their own errors.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Garbage { .. } => "Garbage",
            ErrorKind::RecordLengthInvalid { .. } => "RecordLengthInvalid",
            ErrorKind::LengthMismatch { .. } => "LengthMismatch",
            ErrorKind::MissingRecordTerminator { .. } => "MissingRecordTerminator",
            ErrorKind::Truncated { .. } => "Truncated",
            ErrorKind::LeaderInvalid(_) => "LeaderInvalid",
            ErrorKind::BaseAddressInvalid { .. } => "BaseAddressInvalid",
            ErrorKind::DirectoryInvalid(_) => "DirectoryInvalid",
            ErrorKind::FieldOutOfRange { .. } => "FieldOutOfRange",
            ErrorKind::FieldTerminatorMissing { .. } => "FieldTerminatorMissing",
            ErrorKind::NoFields => "NoFields",
            ErrorKind::InvalidUtf8 { .. } => "InvalidUtf8",
            ErrorKind::Encoding { .. } => "Encoding",
            ErrorKind::Malformed { .. } => "Malformed",
            ErrorKind::Deleted { .. } => "Deleted",
            ErrorKind::Oversize { .. } => "Oversize",
            ErrorKind::Unwritable { .. } => "Unwritable",
            ErrorKind::Internal(_) => "Internal",
        }
    }
}

/// A malformed record or stretch of input, with its coordinates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarcError {
    /// 0-based index of the record in its source, counting every frame the
    /// scanner found (skipped ones included).
    pub record_index: u64,
    /// Byte offset of the record's first byte in its source.
    pub byte_offset: u64,
    /// Bytes of the record (or skipped stretch) at fault, where known: a
    /// skipped piece covers `byte_offset..byte_offset + byte_length`.
    pub byte_length: Option<u64>,
    /// Byte offset (in the source) of the offending byte, where known.
    pub error_offset: Option<u64>,
    /// The tag of the field at fault, where there is one.
    pub tag: Option<Tag>,
    /// For the text formats: the 1-based line and column (in bytes) of
    /// the offending byte (or of the record's first byte). Boxed: errors
    /// travel in `Result`s on hot paths, and are rare.
    pub line: Option<Box<(u64, u64)>>,
    /// Why.
    pub kind: ErrorKind,
}

impl MarcError {
    /// A new error at `record_index`/`byte_offset` with no finer position.
    pub fn new(record_index: u64, byte_offset: u64, kind: ErrorKind) -> Self {
        let tag = match &kind {
            ErrorKind::FieldOutOfRange { tag, .. }
            | ErrorKind::FieldTerminatorMissing { tag, .. }
            | ErrorKind::InvalidUtf8 { tag }
            | ErrorKind::Encoding { tag, .. } => Some(*tag),
            _ => None,
        };
        MarcError {
            record_index,
            byte_offset,
            byte_length: None,
            error_offset: None,
            tag,
            line: None,
            kind,
        }
    }

    /// The offset that `line` describes: the offending byte, or else the
    /// record's first byte.
    pub fn line_at(&self) -> u64 {
        self.error_offset.unwrap_or(self.byte_offset)
    }

    /// Sets the length of the record or stretch at fault.
    pub fn spanning(mut self, byte_length: u64) -> Self {
        self.byte_length = Some(byte_length);
        self
    }

    /// Sets the absolute offset of the offending byte.
    pub fn at(mut self, error_offset: u64) -> Self {
        self.error_offset = Some(error_offset);
        self
    }
}

impl fmt::Display for MarcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} (byte {}", self.record_index, self.byte_offset)?;
        if let Some(e) = self.error_offset {
            write!(f, ", error at byte {e}")?;
        }
        if let Some((l, c)) = self.line.as_deref() {
            write!(f, ", line {l}, column {c}")?;
        }
        write!(f, "): {}", self.kind)
    }
}

impl std::error::Error for MarcError {}

/// What the reader did about a [`MarcError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The record was repaired (lenient policy) and delivered.
    Repaired,
    /// The record (or stretch of bytes) was skipped.
    Skipped,
    /// The error stopped the stream (strict policy).
    Raised,
    /// A byte was substituted (U+FFFD) or dropped while decoding; the
    /// record was delivered (`encoding_errors="replace"`).
    Replaced,
}

impl Action {
    /// `"repaired"`, `"skipped"`, `"raised"` or `"replaced"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Repaired => "repaired",
            Action::Skipped => "skipped",
            Action::Raised => "raised",
            Action::Replaced => "replaced",
        }
    }
}

/// A reported problem: the error and what was done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where and why.
    pub error: MarcError,
    /// What the reader did.
    pub action: Action,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.error, self.action.as_str())
    }
}
