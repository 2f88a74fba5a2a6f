//! The parser's unit tests (kept apart so that `record.rs` stays short).

use super::*;

/// Builds a record from (tag, data-without-terminator) pairs.
pub(crate) fn build(leader9: u8, fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut dir = Vec::new();
    let mut data = Vec::new();
    for (tag, d) in fields {
        dir.extend_from_slice(format!("{tag}{:04}{:05}", d.len() + 1, data.len()).as_bytes());
        data.extend_from_slice(d);
        data.push(FIELD_TERMINATOR);
    }
    dir.push(FIELD_TERMINATOR);
    let base = LEADER_LEN + dir.len();
    let len = base + data.len() + 1;
    let mut r = format!("{len:05}nam {}22{base:05}   4500", leader9 as char).into_bytes();
    r.extend(dir);
    r.extend(data);
    r.push(RECORD_TERMINATOR);
    r
}

pub(crate) fn pos() -> RecordPos {
    RecordPos::default()
}

#[test]
fn parses_fields_and_subfields() {
    let r = build(
        b'a',
        &[
            ("001", b"id1"),
            ("245", b"10\x1faTitle /\x1fcMe."),
            ("999", b"  "),
        ],
    );
    let mut p = Parser::default();
    let mut rep = Vec::new();
    let v = p.parse(&r, pos(), &mut rep).unwrap();
    assert_eq!(v.len(), 3);
    let f: Vec<_> = v.fields().collect();
    assert!(f[0].is_control());
    assert_eq!(f[0].data, b"id1");
    assert_eq!(f[1].indicators(), *b"10");
    let s: Vec<_> = f[1].subfields().collect();
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].code, s[0].value), (&b"a"[..], &b"Title /"[..]));
    assert_eq!(f[2].subfields().count(), 0);
    assert!(rep.is_empty());
}

#[test]
fn invalid_utf8_is_reported_with_tag_and_offset() {
    let r = build(b'a', &[("001", b"x"), ("245", b"00\x1fa\xff")]);
    let mut p = Parser::default();
    let e = p
        .parse(
            &r,
            RecordPos {
                index: 3,
                offset: 100,
                ..RecordPos::default()
            },
            &mut Vec::new(),
        )
        .unwrap_err();
    assert_eq!(e.record_index, 3);
    assert_eq!(e.tag, Some(Tag(*b"245")));
    let bad = r.iter().position(|&b| b == 0xff).unwrap() as u64;
    assert_eq!(e.error_offset, Some(100 + bad));
}

#[test]
fn field_cut_inside_a_character_is_invalid_utf8_in_both_dialects() {
    // Found by mutating real records (issue 20): the 245's directory
    // length ends the field one byte into "é", so that pymarc's reading
    // (the last byte dropped, whatever it is) cuts the character.
    let hex = "30303036346e616d206132323030303439202020343530303234353030313330303030303530303030303730303030371e31301f6141421e20201f61c3a91e1d";
    let rec: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    for dialect in [Dialect::Standard, Dialect::Pymarc] {
        let mut p = Parser::new(ParseOptions {
            dialect,
            ..Default::default()
        });
        let mut repairs = Vec::new();
        let pos = RecordPos::default();
        match p.check(&rec, pos, &mut repairs) {
            Err(e) => assert!(
                matches!(
                    e.kind,
                    ErrorKind::InvalidUtf8 { .. }
                        | ErrorKind::DirectoryInvalid(_)
                        | ErrorKind::FieldTerminatorMissing { .. }
                ),
                "{dialect:?}: {e}"
            ),
            Ok(()) => {
                // Whatever was accepted must cut into valid UTF-8.
                let v = p.view(&rec);
                for f in v.fields() {
                    assert!(
                        std::str::from_utf8(f.data).is_ok(),
                        "{dialect:?}: {:?}",
                        f.data
                    );
                }
            }
        }
    }
}

#[test]
fn field_starting_inside_a_character_is_invalid_utf8() {
    // Two entries share "é" (C3 A9); the second starts at its A9.
    let mut r = build(b'a', &[("001", b"x"), ("005", b"\xc3\xa9")]);
    let at = LEADER_LEN + 12 + 7;
    r[at..at + 5].copy_from_slice(b"00003");
    r[LEADER_LEN + 12 + 3..LEADER_LEN + 12 + 7].copy_from_slice(b"0002");
    let e = Parser::default()
        .check(&r, pos(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidUtf8 { tag: Tag(*b"005") });
}

#[test]
fn pymarc_mode_reads_fields_as_pymarc_does() {
    let mut r = build(b'a', &[("001", b"x"), ("245", b"00\x1faTitle")]);
    // Overwrite the 245's field terminator: pymarc drops that byte anyway.
    let end = r.len() - 2;
    assert_eq!(r[end], FIELD_TERMINATOR);
    r[end] = b'.';
    let mut p = Parser::default();
    assert!(p.parse(&r, pos(), &mut Vec::new()).is_err());
    let mut p = Parser::new(ParseOptions {
        dialect: Dialect::Pymarc,
        ..Default::default()
    });
    let v = p.parse(&r, pos(), &mut Vec::new()).unwrap();
    let f: Vec<_> = v.fields().collect();
    let s: Vec<_> = f[1].subfields().collect();
    assert_eq!(s[0].value, b"Title");
}

#[test]
fn lenient_recomputes_offsets() {
    let mut r = build(b'a', &[("001", b"x"), ("245", b"00\x1faT")]);
    // Corrupt the second entry's offset.
    let at = LEADER_LEN + 12 + 7;
    r[at..at + 5].copy_from_slice(b"00077");
    let mut p = Parser::default();
    assert!(p.parse(&r, pos(), &mut Vec::new()).is_err());
    let mut p = Parser::new(ParseOptions {
        policy: ErrorPolicy::Lenient,
        ..Default::default()
    });
    let mut rep = Vec::new();
    let v = p.parse(&r, pos(), &mut rep).unwrap();
    assert_eq!(v.field(b"245").unwrap().data, b"00\x1faT");
    assert_eq!(rep.len(), 1);
}

#[test]
fn plain_ascii_records_need_no_decoding() {
    let text = |leader9: u8, encoding: EncodingMode, fields: &[(&str, &[u8])]| {
        let r = build(leader9, fields);
        let mut p = Parser::new(ParseOptions {
            encoding,
            ..Default::default()
        });
        let v = p.parse(&r, pos(), &mut Vec::new()).unwrap();
        v.text
    };
    let ascii: &[(&str, &[u8])] = &[("001", b"id 1"), ("245", b"10\x1faTitle /\x1fcMe.")];
    assert!(text(b' ', EncodingMode::Auto, ascii));
    assert!(text(b' ', EncodingMode::Latin1, ascii));
    assert!(text(b' ', EncodingMode::Cp1251, ascii));
    assert!(text(b'a', EncodingMode::Auto, ascii));
    // What MARC-8 changes: a non-ASCII byte, an escape, a control byte
    // (a delimiter is one in a control field), a character reference.
    for odd in [
        &b"10\x1faCaf\xe2e"[..],
        b"10\x1fa\x1b(2x",
        b"10\x1fa\x7f",
        b"10\x1fa&#x41;",
    ] {
        assert!(!text(b' ', EncodingMode::Auto, &[("245", odd)]), "{odd:?}");
    }
    assert!(!text(b' ', EncodingMode::Auto, &[("008", b"a\x1fb")]));
    // A lone '&' is plain.
    assert!(text(b' ', EncodingMode::Auto, &[("245", b"10\x1faA & B")]));
}
