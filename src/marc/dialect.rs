//! The two readings of a record: the MARC 21 standard's, and pymarc's.
//!
//! pymarc (the oracle for what a record contains) is looser in a few
//! places and lossy in others. The record iterator (`marcarrow.pymarc`)
//! must reproduce it exactly; every other path reads by the standard. The
//! differences, each with a test (`tests/test_pymarc_compat.py` and the
//! unit tests named here):
//!
//! | where | `Standard` | `Pymarc` |
//! |---|---|---|
//! | field terminator (`record.rs`) | a field must end with 0x1E | the last byte of the directory length is dropped, whatever it is |
//! | non-ASCII subfield code (`record.rs`) | kept as it is | the whole UTF-8 character, folded to ASCII by the binding |
//! | MARC-8 (`decode/`) | unmapped bytes rejected or replaced (U+FFFD), trailing combining marks kept | unmapped characters become spaces, a trailing combining mark is dropped, a cut-short escape is a literal ESC |
//! | control fields of a record that is not valid UTF-8 (`decode/`) | decoded with the record | decoded as Latin-1, without `utf8_handling` |
//! | the byte that ends the directory (`record.rs`) | must be a field terminator | not looked at |
//! | numbers in the directory and the base address (`record.rs`) | digits only; a field length of 0 is malformed | what Python's `int()` reads (`" 12"`, `"+012"`, `"1_2"`); length 0 is an empty field |
//! | a tag with ASCII control bytes (`record.rs`) | malformed (`DirectoryInvalid`) | read as it is |
//! | a field past the end of the record (`record.rs`) | malformed (`FieldOutOfRange`) | cut short at the end of the record, or empty |
//! | indicators that are not ASCII (`record.rs`) | decoded with the record | malformed (`Encoding`), whatever `utf8_handling` says |
//! | invalid UTF-8 (`record.rs`) | anywhere in the data area | only in the bytes of a field that pymarc decodes (not the byte it drops) |
//! | numeric character references `&#xHHHH;` in MARC-8 (`decode/marc8/ncr.rs`) | read as the character (MARC 21's lossless convention, as `marc8::encode` writes what MARC-8 lacks) | kept as text |

use crate::marc::scan::parse_digits;

/// Which reading to follow; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// The MARC 21 standard, with every loss reported. The default.
    #[default]
    Standard,
    /// pymarc 5.4's reading, quirks included (the record iterator).
    Pymarc,
}

impl Dialect {
    /// `true` for [`Dialect::Pymarc`].
    #[inline]
    pub fn is_pymarc(self) -> bool {
        self == Dialect::Pymarc
    }

    /// A number of the directory: digits only by the standard; what
    /// Python's `int()` takes for pymarc (surrounding ASCII whitespace, a
    /// sign, `_` between digits), if not negative.
    #[inline]
    pub(crate) fn number(self, b: &[u8]) -> Option<usize> {
        match self {
            Dialect::Standard => parse_digits(b),
            Dialect::Pymarc => parse_digits(b).or_else(|| python_int(b)),
        }
    }
}

#[cold]
fn python_int(b: &[u8]) -> Option<usize> {
    let space = |c: &u8| c.is_ascii_whitespace() || *c == 0x0B;
    let start = b.iter().position(|c| !space(c))?;
    let end = b.iter().rposition(|c| !space(c))? + 1;
    let (negative, digits) = match b[start] {
        b'+' => (false, &b[start + 1..end]),
        b'-' => (true, &b[start + 1..end]),
        _ => (false, &b[start..end]),
    };
    let ok = digits.first().is_some_and(u8::is_ascii_digit)
        && digits.last().is_some_and(u8::is_ascii_digit)
        && !digits.windows(2).any(|w| w == b"__");
    if !ok {
        return None;
    }
    let mut v = 0usize;
    for &c in digits.iter().filter(|&&c| c != b'_') {
        v = v
            .checked_mul(10)?
            .checked_add(usize::from(c.checked_sub(b'0').filter(|d| *d < 10)?))?;
    }
    (!negative || v == 0).then_some(v)
}

#[cfg(test)]
mod tests {
    //! One test per row of the table that the Rust parser decides.
    use super::Dialect;
    use crate::error::{ErrorKind, ErrorPolicy, Tag};
    use crate::marc::record::tests::{build, pos};
    use crate::marc::record::{ParseOptions, Parser};
    use crate::marc::scan::LEADER_LEN;

    fn parser(dialect: Dialect) -> Parser {
        Parser::new(ParseOptions {
            dialect,
            policy: ErrorPolicy::Strict,
            ..Default::default()
        })
    }

    /// The kind of error, or the data of each field.
    fn read(dialect: Dialect, r: &[u8]) -> Result<Vec<Vec<u8>>, ErrorKind> {
        let mut p = parser(dialect);
        match p.parse(r, pos(), &mut Vec::new()) {
            Ok(v) => Ok(v.fields().map(|f| f.data.to_vec()).collect()),
            Err(e) => Err(e.kind),
        }
    }

    #[test]
    fn field_past_the_end_is_cut_short_by_pymarc() {
        let mut r = build(b'a', &[("001", b"x"), ("245", b"00\x1faTitle")]);
        // The 245 claims 40 bytes more than there are.
        let at = LEADER_LEN + 12 + 3;
        r[at..at + 4].copy_from_slice(b"0050");
        let entry = 1;
        assert_eq!(
            read(Dialect::Standard, &r),
            Err(ErrorKind::FieldOutOfRange {
                tag: Tag(*b"245"),
                entry
            })
        );
        // pymarc slices up to the end of the record, terminators included.
        let f = read(Dialect::Pymarc, &r).unwrap();
        assert_eq!(f[1], b"00\x1faTitle\x1e\x1d");
        // An offset past the end: an empty field.
        r[at + 4..at + 9].copy_from_slice(b"09000");
        let f = read(Dialect::Pymarc, &r).unwrap();
        assert_eq!(f[1], b"");
    }

    #[test]
    fn directory_numbers_as_python_int_reads_them() {
        let n = |b: &[u8]| Dialect::Pymarc.number(b);
        assert_eq!(n(b"0012"), Some(12));
        assert_eq!(n(b" 012"), Some(12));
        assert_eq!(n(b"+12\n"), Some(12));
        assert_eq!(n(b"12\x1e"), None);
        assert_eq!(n(b"1_20"), Some(120));
        assert_eq!(n(b"-000"), Some(0));
        for bad in [
            &b"0 12"[..],
            b"-012",
            b"1__2",
            b"_12",
            b"12_",
            b"    ",
            b"+",
            b"0x12",
        ] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        assert_eq!(Dialect::Standard.number(b" 012"), None);
        // A zero length is an empty field for pymarc.
        let mut r = build(b'a', &[("001", b"x"), ("245", b"00\x1faT")]);
        let at = LEADER_LEN + 12 + 3;
        r[at..at + 4].copy_from_slice(b" 00 ");
        assert!(matches!(
            read(Dialect::Standard, &r),
            Err(ErrorKind::DirectoryInvalid(_))
        ));
        assert_eq!(read(Dialect::Pymarc, &r).unwrap()[1], b"");
    }

    #[test]
    fn pymarc_does_not_look_at_the_end_of_the_directory() {
        let mut r = build(b' ', &[("001", b"x"), ("245", b"00\x1faT")]);
        r[LEADER_LEN + 24] = 0xFF;
        assert!(matches!(
            read(Dialect::Standard, &r),
            Err(ErrorKind::BaseAddressInvalid { .. })
        ));
        assert_eq!(read(Dialect::Pymarc, &r).unwrap()[1], b"00\x1faT");
    }

    #[test]
    fn a_tag_with_control_bytes_is_read_by_pymarc() {
        let r = build(b'a', &[("001", b"x"), ("24\x05", b"00\x1faT")]);
        assert!(matches!(
            read(Dialect::Standard, &r),
            Err(ErrorKind::DirectoryInvalid(_))
        ));
        assert_eq!(read(Dialect::Pymarc, &r).unwrap()[1], b"00\x1faT");
        // Not ASCII at all: malformed in both.
        let mut r = r;
        r[LEADER_LEN + 12 + 2] = 0xE9;
        assert!(matches!(
            read(Dialect::Pymarc, &r),
            Err(ErrorKind::DirectoryInvalid(_))
        ));
    }

    #[test]
    fn indicators_that_are_not_ascii_are_malformed_for_pymarc() {
        let r = build(b' ', &[("001", b"x\xff"), ("245", b"0\xff\x1faTitle")]);
        let standard = read(Dialect::Standard, &r);
        assert!(standard.is_ok(), "{standard:?}");
        match read(Dialect::Pymarc, &r) {
            Err(ErrorKind::Encoding { tag, .. }) => assert_eq!(tag, Tag(*b"245")),
            other => panic!("{other:?}"),
        }
        // A control field has no indicators.
        let r = build(b' ', &[("001", b"\xff\xff")]);
        assert!(read(Dialect::Pymarc, &r).is_ok());
    }

    #[test]
    fn numeric_character_references_are_characters_by_the_standard() {
        use crate::decode::{DecodeOptions, Decoded};
        let r = build(
            b' ',
            &[
                ("001", b"x&#x41;"),
                ("245", b"00\x1faSnow &#x2603; &#X263a;\x1fb&#x0026;#x41;"),
            ],
        );
        for (dialect, want) in [
            (
                Dialect::Standard,
                ["xA", "Snow \u{2603} \u{263A}", "&#x41;"],
            ),
            (
                Dialect::Pymarc,
                ["x&#x41;", "Snow &#x2603; &#X263a;", "&#x0026;#x41;"],
            ),
        ] {
            let mut p = parser(dialect);
            let v = p.parse(&r, pos(), &mut Vec::new()).unwrap();
            let mut d = Decoded::default();
            let opts = DecodeOptions {
                dialect,
                ..DecodeOptions::default()
            };
            d.decode_record(&v, pos(), opts, None, &mut Vec::new())
                .unwrap();
            let got: Vec<_> = d.values(v.bytes).map(String::from_utf8_lossy).collect();
            assert_eq!(got, want, "{dialect:?}");
        }
    }

    #[test]
    fn the_byte_pymarc_drops_is_not_decoded() {
        // A UTF-8 record whose 245 ends in 0xFF where its terminator was.
        let mut r = build(b'a', &[("001", b"x"), ("245", b"00\x1fa\xc3\xa9")]);
        let end = r.len() - 2;
        r[end] = 0xFF;
        let tag = Tag(*b"245");
        assert_eq!(
            read(Dialect::Standard, &r),
            Err(ErrorKind::FieldTerminatorMissing { tag, entry: 1 })
        );
        let f = read(Dialect::Pymarc, &r).unwrap();
        assert_eq!(f[1], "00\x1faé".as_bytes());
        // A bad byte that pymarc does decode is still invalid UTF-8.
        r[end - 1] = 0xFF;
        assert_eq!(
            read(Dialect::Pymarc, &r),
            Err(ErrorKind::InvalidUtf8 { tag })
        );
    }
}
