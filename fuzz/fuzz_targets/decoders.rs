//! The MARC-8 decoder (both flavours, every unmapped policy, with and
//! without NFC) and the single-byte decoders on arbitrary bytes: no panic,
//! issues inside the input, and MARC-8 text written back by the encoder
//! decodes to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::decode::marc8::{self, Flavor, Options, Unmapped};
use unicode_normalization::UnicodeNormalization;

fuzz_target!(|data: &[u8]| {
    for flavor in [Flavor::Standard, Flavor::Pymarc] {
        for unmapped in [Unmapped::Space, Unmapped::Replace, Unmapped::Error] {
            for normalize in [true, false] {
                let opts = Options {
                    unmapped,
                    flavor,
                    normalize,
                };
                let mut out = String::new();
                let mut issues = Vec::new();
                let _ = marc8::decode(data, opts, &mut out, &mut issues);
                for i in &issues {
                    assert!(i.offset <= data.len(), "issue past the input");
                }
            }
        }
    }
    let mut out = String::new();
    let mut issues = Vec::new();
    let _ = marc8::decode_cp1251(data, Unmapped::Replace, &mut out, &mut issues);
    // Round trip: any text, encoded as MARC-8, decodes to itself (NFC).
    if let Ok(text) = std::str::from_utf8(data) {
        if !text.contains(['\u{1d}', '\u{1e}', '\u{1f}']) {
            let mut enc = Vec::new();
            marc8::encode(text, &mut enc);
            let mut back = String::new();
            let opts = Options {
                unmapped: Unmapped::Error,
                flavor: Flavor::Standard,
                normalize: true,
            };
            marc8::decode(&enc, opts, &mut back, &mut Vec::new()).expect("encoder output decodes");
            let nfc: String = text.nfc().collect();
            assert_eq!(back, nfc, "MARC-8 round trip");
        }
    }
});
