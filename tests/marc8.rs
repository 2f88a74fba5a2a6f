//! MARC-8 decoding against pymarc's own oracle: `test_marc8.txt` and
//! `test_utf8.txt` hold the same lines in MARC-8 and in Unicode.

mod common;

use marcarrow::decode::marc8::{decode, Flavor, Options, Unmapped};

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
