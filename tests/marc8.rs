//! MARC-8 decoding against pymarc's own oracle: `test_marc8.txt` and
//! `test_utf8.txt` hold the same lines in MARC-8 and in Unicode. The
//! encoder against the decoder: random text, and every value of the MARC-8
//! records in the shared data.

mod common;

use marcarrow::decode::marc8::{decode, encode, repertoire, Flavor, Options, Unmapped};
use marcarrow::{Encoding, ErrorPolicy, Reader};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// The standard reading, strict: anything lost is an error.
const STRICT: Options = Options {
    unmapped: Unmapped::Error,
    flavor: Flavor::Standard,
    normalize: true,
};

fn read_back(b: &[u8]) -> String {
    let mut out = String::new();
    let mut issues = Vec::new();
    decode(b, STRICT, &mut out, &mut issues).unwrap_or_else(|i| panic!("{b:?}: {i:?}"));
    assert!(issues.is_empty(), "{b:?}: {issues:?}");
    out
}

fn encoded(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode(s, &mut out);
    out
}

#[test]
fn pymarc_oracle_lines_decode_exactly() {
    let (Some(m8), Some(u8)) = (
        common::data("pymarc/test_marc8.txt"),
        common::data("pymarc/test_utf8.txt"),
    ) else {
        return;
    };
    let u8 = String::from_utf8(u8).expect("the oracle is UTF-8");
    let marc8_lines: Vec<&[u8]> = m8.split(|&b| b == b'\n').collect();
    let utf8_lines: Vec<&str> = u8.split('\n').collect();
    assert_eq!(marc8_lines.len(), utf8_lines.len());
    let mut failures = Vec::new();
    for flavor in [Flavor::Pymarc, Flavor::Standard] {
        for (i, (m, u)) in marc8_lines.iter().zip(&utf8_lines).enumerate() {
            let mut out = String::new();
            let opts = Options {
                unmapped: Unmapped::Space,
                flavor,
                normalize: true,
            };
            decode(m, opts, &mut out, &mut Vec::new()).unwrap();
            if flavor == Flavor::Standard {
                // And the encoder writes it back.
                assert_eq!(read_back(&encoded(&out)), out, "line {}", i + 1);
            }
            let want: String = unicode_normalization::UnicodeNormalization::nfc(*u).collect();
            if out != want {
                failures.push(format!(
                    "{flavor:?} line {}: got {out:?}, want {want:?}",
                    i + 1
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} lines differ:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

/// A piece of random text: a character of the MARC-8 repertoire (from
/// the single-byte sets, where escapes are most often needed, or any), ASCII,
/// any character (mostly outside the repertoire), a control, or something
/// close to a numeric character reference.
fn piece() -> impl Strategy<Value = String> {
    let all = repertoire();
    let single_byte: Vec<char> = all.iter().copied().filter(|&c| c < '\u{3000}').collect();
    prop_oneof![
        3 => prop::sample::select(single_byte).prop_map(String::from),
        2 => prop::sample::select(all).prop_map(String::from),
        3 => prop::char::range(' ', '~').prop_map(String::from),
        2 => any::<char>().prop_map(String::from),
        1 => prop::char::range('\0', '\u{9F}').prop_map(String::from),
        1 => prop::sample::select(vec!["&#x41;", "&#X263a;", "&", "&#x", "#x", ";", "\u{37E}"])
            .prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn encoded_text_reads_back_as_its_nfc(
        a in prop::collection::vec(piece(), 0..24),
        b in prop::collection::vec(piece(), 0..8),
    ) {
        let (a, b) = (a.concat(), b.concat());
        let m8 = encoded(&a);
        prop_assert!(!m8.iter().any(|&c| c < 0x20 && c != 0x1B), "{:?}", m8);
        prop_assert_eq!(read_back(&m8), a.nfc().collect::<String>());
        // Each value ends in the default state: what follows reads as it
        // would at the start.
        let mut both = m8;
        both.push(b'|');
        encode(&b, &mut both);
        prop_assert_eq!(read_back(&both), format!("{a}|{b}").nfc().collect::<String>());
    }

    /// The decoder's shortcuts to NFC (a base and its one mark composed as
    /// they are read, the ASCII before the first other character left out,
    /// the NFC check) give exactly the NFC of the unnormalised text.
    #[test]
    fn normalised_output_is_the_nfc_of_the_raw_output(
        bytes in prop::collection::vec(prop_oneof![
            4 => 0x20u8..0x7F,
            4 => 0xE0u8..0xFF,
            2 => 0xA1u8..0xE0,
            1 => Just(0x1Bu8),
            1 => prop::sample::select(vec![b'(', b')', b'$', b'1', b'g', b'b', b'N', b'Q', b's']),
        ], 0..40),
        pymarc in any::<bool>(),
    ) {
        let flavor = if pymarc { Flavor::Pymarc } else { Flavor::Standard };
        let run = |normalize| {
            let opts = Options { unmapped: Unmapped::Replace, flavor, normalize };
            let mut out = String::from("x");
            let ok = decode(&bytes, opts, &mut out, &mut Vec::new()).is_ok();
            (ok, out)
        };
        let (ok_raw, raw) = run(false);
        let (ok_nfc, nfc) = run(true);
        prop_assert_eq!(ok_raw, ok_nfc);
        if ok_raw {
            prop_assert_eq!(&nfc[1..], raw[1..].nfc().collect::<String>());
        }
    }
}

#[test]
fn every_value_of_the_marc8_records_reads_back() {
    let dir = common::data_dir();
    let Ok(top) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not found (set MARC_TEST_DATA)", dir.display());
        return;
    };
    let mut files: Vec<_> = top
        .chain(std::fs::read_dir(dir.join("pymarc")).into_iter().flatten())
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mrc" || x == "dat"))
        .collect();
    files.sort();
    let opts = Options {
        unmapped: Unmapped::Replace,
        ..STRICT
    };
    let (mut records, mut checked, mut skipped) = (0, 0, 0);
    let mut value = String::new();
    let mut issues = Vec::new();
    for path in &files {
        let d = std::fs::read(path).unwrap();
        let mut r = Reader::from_slice(&d, ErrorPolicy::Skip);
        while let Some(item) = r.next_record().unwrap() {
            let Ok(item) = item else { continue };
            let rec = item.record;
            if rec.encoding != Encoding::Marc8 {
                continue;
            }
            records += 1;
            for f in rec.fields() {
                let values: Vec<&[u8]> = if f.is_control() {
                    vec![f.data]
                } else {
                    f.subfields().map(|s| s.value).collect()
                };
                for v in values {
                    value.clear();
                    issues.clear();
                    if decode(v, opts, &mut value, &mut issues).is_err() || !issues.is_empty() {
                        skipped += 1;
                        continue;
                    }
                    let back = read_back(&encoded(&value));
                    assert_eq!(back, value, "{}: {v:?}", path.display());
                    checked += 1;
                }
            }
        }
    }
    eprintln!(
        "{records} MARC-8 records: {checked} values read back, {skipped} with issues left out"
    );
    if files.iter().any(|p| p.ends_with("uva-marc8-2000.mrc")) {
        assert!(records >= 2000 && checked > 50_000, "{records} {checked}");
    }
}
