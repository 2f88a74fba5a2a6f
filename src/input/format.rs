//! The record format, recognised by content: the first significant bytes
//! after decompression (`format=` overrides it). Anything unrecognised goes
//! to the ISO 2709 scanner, which reports what it cannot use with its
//! position.

/// A record format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISO 2709 (MARC 21 transmission format).
    Iso2709,
    /// MARCXML (`<record>`, `<collection>`, or XML wrapping them).
    MarcXml,
    /// MARC-in-JSON (an object, an array, or one object per line).
    Json,
    /// MARCMaker text (`=LDR  ...`).
    Mrk,
}

/// Bytes looked at to recognise a format.
pub const SNIFF_LEN: usize = 64;

impl Format {
    /// The format's name: `"iso2709"`, `"marcxml"`, `"json"`, `"mrk"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Iso2709 => "iso2709",
            Format::MarcXml => "marcxml",
            Format::Json => "json",
            Format::Mrk => "mrk",
        }
    }

    /// The format named `s` (as [`Format::as_str`] says it; `"xml"` and
    /// `"marc"` too).
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "iso2709" | "marc" => Format::Iso2709,
            "marcxml" | "xml" => Format::MarcXml,
            "json" => Format::Json,
            "mrk" => Format::Mrk,
            _ => return None,
        })
    }

    /// What a person calls it, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Format::Iso2709 => "ISO 2709",
            Format::MarcXml => "MARCXML",
            Format::Json => "MARC-in-JSON",
            Format::Mrk => "MARCMaker text",
        }
    }

    /// Recognises the format from the first bytes of the (decompressed)
    /// input. Leading whitespace, NULs and a UTF-8 byte-order mark are
    /// passed over; an empty input is ISO 2709 (no records).
    pub fn detect(head: &[u8]) -> Format {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let Some(first) = head
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0))
        else {
            return Format::Iso2709;
        };
        let rest = &head[first..];
        // The next significant byte: enough to tell a format from stray
        // bytes (an ISO 2709 record starts with five digits).
        let next = rest[1..].iter().find(|b| !b.is_ascii_whitespace()).copied();
        match (rest[0], next) {
            (b'<', Some(b'?' | b'!' | b'_' | b':' | b'a'..=b'z' | b'A'..=b'Z') | None) => {
                Format::MarcXml
            }
            (b'{', Some(b'"' | b'}') | None) | (b'[', Some(b'{' | b']') | None) => Format::Json,
            (b'=', _)
                if rest.len() < 5
                    || (rest[1..4].iter().all(u8::is_ascii_alphanumeric) && rest[4] == b' ') =>
            {
                Format::Mrk
            }
            _ => Format::Iso2709,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_first_significant_bytes() {
        assert_eq!(Format::detect(b"00714cam a2200205 a 4500"), Format::Iso2709);
        assert_eq!(Format::detect(b"\n\n<?xml version"), Format::MarcXml);
        assert_eq!(Format::detect(b"\xEF\xBB\xBF<collection"), Format::MarcXml);
        assert_eq!(Format::detect(b"[{\"leader\""), Format::Json);
        assert_eq!(Format::detect(b"{\"leader\""), Format::Json);
        assert_eq!(Format::detect(b"=LDR  00714cam"), Format::Mrk);
        assert_eq!(Format::detect(b""), Format::Iso2709);
        assert_eq!(Format::detect(b"# a README"), Format::Iso2709);
        assert_eq!(Format::detect(b"[\n  {\"leader\""), Format::Json);
        // Stray bytes that merely start like a format are not one.
        assert_eq!(Format::detect(b"<\xff\x00junk"), Format::Iso2709);
        assert_eq!(Format::detect(b"{\x1d"), Format::Iso2709);
        assert_eq!(Format::detect(b"[0"), Format::Iso2709);
        assert_eq!(Format::detect(b"=abc\x1d"), Format::Iso2709);
    }
}
