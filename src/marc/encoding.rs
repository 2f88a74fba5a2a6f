//! Encodings: what a record's bytes are ([`Encoding`], from leader/09 and
//! the caller's [`EncodingMode`]) and what bytes that do not decode lead to
//! ([`EncodingErrors`]). The parser needs the first two to check a record;
//! `decode/` turns the bytes into text.

/// How a record's strings are encoded: leader/09 and the caller's
/// [`EncodingMode`] decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, validated: the bytes are the strings.
    Utf8,
    /// Claimed UTF-8 but invalid, kept under `encoding_errors="replace"`.
    Utf8Invalid,
    /// MARC-8.
    Marc8,
    /// ISO 8859-1.
    Latin1,
    /// Windows-1251.
    Cp1251,
}

impl Encoding {
    /// The encoding's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Invalid => "utf-8 (invalid)",
            Encoding::Marc8 => "marc-8",
            Encoding::Latin1 => "latin-1",
            Encoding::Cp1251 => "cp1251",
        }
    }
}

/// How to choose a record's encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EncodingMode {
    /// leader/09 `a` is UTF-8, anything else MARC-8. The default.
    #[default]
    Auto,
    /// Every record is UTF-8, whatever leader/09 says.
    Utf8,
    /// Every record is MARC-8.
    Marc8,
    /// Every record is ISO 8859-1.
    Latin1,
    /// Every record is Windows-1251.
    Cp1251,
    /// leader/09 `a` is UTF-8, anything else ISO 8859-1 (pymarc's
    /// `file_encoding` for a Latin-1 file).
    AutoLatin1,
    /// leader/09 `a` is UTF-8, anything else Windows-1251.
    AutoCp1251,
}

impl EncodingMode {
    /// Parses `"auto"`, `"utf-8"`, `"marc-8"`, `"latin-1"` or `"cp1251"`,
    /// or `"auto/latin-1"` and `"auto/cp1251"` (UTF-8 where leader/09 says
    /// so, else the named encoding).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "auto" => Self::Auto,
            "utf-8" | "utf8" => Self::Utf8,
            "marc-8" | "marc8" => Self::Marc8,
            "latin-1" | "latin1" | "iso8859-1" | "iso-8859-1" => Self::Latin1,
            "cp1251" | "windows-1251" => Self::Cp1251,
            "auto/latin-1" => Self::AutoLatin1,
            "auto/cp1251" => Self::AutoCp1251,
            _ => return None,
        })
    }
}

/// What to do with bytes that do not decode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EncodingErrors {
    /// The record is malformed (and the reader's error policy applies).
    #[default]
    Strict,
    /// Substitute U+FFFD (or drop a control byte), report it, keep the
    /// record.
    Replace,
    /// Drop invalid UTF-8 bytes (Python's `"ignore"`), report them, keep
    /// the record; other encodings replace as under `Replace`.
    Ignore,
}

impl EncodingErrors {
    /// Parses `"strict"`, `"replace"` or `"ignore"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "strict" => Some(Self::Strict),
            "replace" => Some(Self::Replace),
            "ignore" => Some(Self::Ignore),
            _ => None,
        }
    }
}
