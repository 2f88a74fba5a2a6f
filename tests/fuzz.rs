//! Fuzz-style robustness: random and mutated real records through the
//! scanner and parser, under every policy, from a slice and from a stream
//! that hands out a few bytes at a time. Nothing may panic, every reported
//! position must lie inside the input, and the answer must not depend on
//! how the input was chunked.
//!
//! Seeded and bounded (`MARCARROW_FUZZ_CASES`, default 1,500), so a failure
//! reproduces; the seed of a failing case is in the assertion message.

mod common;

use std::path::PathBuf;

use common::Dribble;
use marcarrow::marc::record::ParseOptions;
use marcarrow::marc::Dialect;
use marcarrow::{ErrorPolicy, Reader};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = common::data_dir();
    let mut recs = Vec::new();
    for name in [
        "loc-bib-386.mrc",
        "pride-many-errors-383.mrc",
        "pymarc/bad_records.mrc",
    ] {
        if let Ok(d) = std::fs::read(dir.join(name)) {
            recs.extend(
                d.split_inclusive(|&b| b == 0x1D)
                    .take(60)
                    .map(<[u8]>::to_vec),
            );
        }
    }
    if recs.is_empty() {
        // No shared data: fall back to the bundled sample.
        let d = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/marcarrow/data/loc-bib-386.mrc"),
        )
        .expect("bundled sample");
        recs.extend(
            d.split_inclusive(|&b| b == 0x1D)
                .take(60)
                .map(<[u8]>::to_vec),
        );
    }
    recs
}

const SPECIAL: [u8; 8] = [0x1D, 0x1E, 0x1F, b'0', b'9', b' ', 0xFF, 0xC3];

fn mutate(rng: &mut Rng, recs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(4) {
        out.extend_from_slice(&recs[rng.below(recs.len())]);
    }
    if rng.below(10) == 0 {
        return (0..rng.below(300)).map(|_| rng.next() as u8).collect();
    }
    for _ in 0..1 + rng.below(6) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(6) {
            0 => out[at] = rng.next() as u8,
            1 => out[at] = SPECIAL[rng.below(SPECIAL.len())],
            2 => {
                let n = rng.below(40).min(out.len() - at);
                out.drain(at..at + n);
            }
            3 => {
                let b = SPECIAL[rng.below(SPECIAL.len())];
                out.insert(at, b);
            }
            4 => out.truncate(at),
            _ => {
                // Overwrite a leader or directory digit run.
                let n = 5.min(out.len() - at);
                for b in &mut out[at..at + n] {
                    *b = b'0' + rng.below(10) as u8;
                }
            }
        }
    }
    out
}

fn run(r: &mut Reader<'_>, len: usize, seed: u64) -> Vec<String> {
    let mut log = Vec::new();
    let mut last = None;
    while let Some(item) = r.next_record().expect("in-memory reads cannot fail") {
        match item {
            Ok(i) => {
                assert!((i.offset as usize) < len, "seed {seed}: offset past input");
                assert!(
                    last.is_none_or(|l| i.offset > l),
                    "seed {seed}: offsets go forward"
                );
                last = Some(i.offset);
                // Walk every subfield: views must stay in bounds.
                let mut n = 0;
                for f in i.record.fields() {
                    n += f.data.len();
                    n += f
                        .subfields()
                        .map(|s| s.code.len() + s.value.len())
                        .sum::<usize>();
                }
                log.push(format!("{} {} {}", i.index, i.offset, n));
            }
            Err(e) => log.push(format!("err {e}")),
        }
    }
    for p in r.problems() {
        let e = &p.error;
        assert!((e.byte_offset as usize) < len.max(1), "seed {seed}: {p}");
        if let Some(at) = e.error_offset {
            assert!(
                (at as usize) < len && at >= e.byte_offset,
                "seed {seed}: {p}"
            );
        }
        assert!(e.record_index < r.frames_seen(), "seed {seed}: {p}");
        log.push(p.to_string());
    }
    log
}

#[test]
fn mutated_records_never_panic_and_positions_hold() {
    let recs = corpus();
    let cases: u64 = std::env::var("MARCARROW_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_500);
    for seed in 1..=cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let input = mutate(&mut rng, &recs);
        for policy in [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip] {
            for dialect in [Dialect::Standard, Dialect::Pymarc] {
                let options = ParseOptions {
                    policy,
                    dialect,
                    ..Default::default()
                };
                let a = run(
                    &mut Reader::from_slice_with(&input, options),
                    input.len(),
                    seed,
                );
                let step = 1 + rng.below(700);
                let b = run(
                    &mut Reader::from_reader_with(Dribble(&input, step), options),
                    input.len(),
                    seed,
                );
                assert_eq!(
                    a, b,
                    "seed {seed} {policy:?} {dialect:?}: chunking changed the result"
                );
            }
        }
    }
}

#[test]
fn marc8_decoder_never_panics_on_random_bytes() {
    use marcarrow::decode::marc8::{decode, Flavor, Options, Unmapped};
    let cases: u64 = std::env::var("MARCARROW_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_500)
        * 10;
    let alphabet: &[u8] = b"\x1b()$,-sbpgSN1234EB\x21\x7e\xe1\xa1\x80\x9f\x01 a";
    for seed in 1..=cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let len = rng.below(40);
        let input: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(2) == 0 {
                    alphabet[rng.below(alphabet.len())]
                } else {
                    rng.next() as u8
                }
            })
            .collect();
        for (unmapped, flavor) in [
            (Unmapped::Space, Flavor::Pymarc),
            (Unmapped::Replace, Flavor::Standard),
            (Unmapped::Error, Flavor::Standard),
        ] {
            let mut out = String::new();
            let mut issues = Vec::new();
            let opts = Options {
                unmapped,
                flavor,
                normalize: rng.below(2) == 0,
            };
            let r = decode(&input, opts, &mut out, &mut issues);
            for i in &issues {
                assert!(i.offset <= input.len(), "seed {seed}: issue past the end");
            }
            if unmapped == Unmapped::Replace {
                assert!(
                    r.is_ok(),
                    "seed {seed}: replace never fails in the standard flavor"
                );
            }
        }
    }
}

#[test]
fn mutated_marc8_records_through_the_pipeline() {
    use marcarrow::arrow::{Layout, StringType};
    use marcarrow::decode::{DecodeOptions, EncodingErrors};
    use marcarrow::input::Source;
    use marcarrow::pipeline;
    use marcarrow::ReadOptions;
    let Some(d) = common::data("uva-marc8-2000.mrc") else {
        return;
    };
    let recs: Vec<Vec<u8>> = d
        .split_inclusive(|&b| b == 0x1D)
        .take(100)
        .map(<[u8]>::to_vec)
        .collect();
    let cases = std::env::var("MARCARROW_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_500u64)
        / 10;
    for seed in 1..=cases {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let input = mutate(&mut rng, &recs);
        for (layout, strings, errors) in [
            (Layout::Nested, StringType::Plain, EncodingErrors::Replace),
            (Layout::Long, StringType::View, EncodingErrors::Strict),
        ] {
            let opts = ReadOptions {
                layout,
                strings,
                decode: DecodeOptions {
                    errors,
                    normalize: true,
                    dialect: marcarrow::marc::Dialect::Standard,
                },
                policy: marcarrow::ErrorPolicy::Lenient,
                batch_size: 7,
                threads: Some(1),
                ..Default::default()
            };
            // Random bytes may look like another format: its reader
            // reports what it cannot use, like the ISO 2709 one.
            let stream = pipeline::start(Source::Shared(input.clone().into()), opts)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            for b in stream {
                if let Err(e) = b {
                    panic!("seed {seed}: {e}");
                }
            }
        }
    }
}
