//! The text formats through the pipeline: each real ISO 2709 record
//! written as MARCXML, MARC-in-JSON (array and NDJSON) and MARCMaker text
//! (by the small writers below) reads back to the same batches; the answer
//! does not depend on how the input is chunked; and mutated text never
//! panics and accounts for every byte.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use common::OwnedDribble;
use marcarrow::input::{Format, Source};
use marcarrow::marc::record::Subfield;
use marcarrow::{pipeline, ErrorPolicy, ReadOptions, Reader};

/// (leader, fields): a control field as (tag, None, value), a data field
/// as (tag, Some(indicators), subfields).
type Rec = (
    String,
    Vec<(String, Option<[char; 2]>, Vec<(String, String)>)>,
);

fn sample() -> Vec<Rec> {
    let d = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/marcarrow/data/loc-bib-386.mrc"),
    )
    .unwrap();
    let mut r = Reader::from_slice(&d, ErrorPolicy::Strict);
    let mut out = vec![];
    while let Some(item) = r.next_record().unwrap() {
        let rec = item.unwrap().record;
        let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        let fields = rec
            .fields()
            .map(|f| {
                if f.is_control() {
                    (f.tag.to_string(), None, vec![(String::new(), s(f.data))])
                } else {
                    let (ind, subs) = f.split();
                    let subs = subs
                        .map(|Subfield { code, value }| (s(code), s(value)))
                        .collect();
                    (
                        f.tag.to_string(),
                        Some([ind[0] as char, ind[1] as char]),
                        subs,
                    )
                }
            })
            .collect();
        out.push((s(rec.leader()), fields));
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn to_xml(recs: &[Rec]) -> Vec<u8> {
    let mut o = String::from("<?xml version=\"1.0\"?>\n<marc:collection xmlns:marc=\"http://www.loc.gov/MARC21/slim\">\n");
    for (leader, fields) in recs {
        write!(o, "<marc:record>\n  <marc:leader>{leader}</marc:leader>\n").unwrap();
        for (tag, ind, subs) in fields {
            match ind {
                None => writeln!(
                    o,
                    "  <marc:controlfield tag=\"{tag}\">{}</marc:controlfield>",
                    xml_escape(&subs[0].1)
                )
                .unwrap(),
                Some([a, b]) => {
                    writeln!(
                        o,
                        "  <marc:datafield tag=\"{tag}\" ind1=\"{a}\" ind2=\"{b}\">"
                    )
                    .unwrap();
                    for (c, v) in subs {
                        writeln!(
                            o,
                            "    <marc:subfield code=\"{}\">{}</marc:subfield>",
                            xml_escape(c),
                            xml_escape(v)
                        )
                        .unwrap();
                    }
                    o.push_str("  </marc:datafield>\n");
                }
            }
        }
        o.push_str("</marc:record>\n");
    }
    o.push_str("</marc:collection>\n");
    o.into_bytes()
}

fn to_json(rec: &Rec) -> String {
    let fields: Vec<serde_json::Value> = rec
        .1
        .iter()
        .map(|(tag, ind, subs)| match ind {
            None => serde_json::json!({ tag.as_str(): subs[0].1 }),
            Some([a, b]) => {
                let subs: Vec<_> = subs.iter().map(|(c, v)| serde_json::json!({ c.as_str(): v })).collect();
                serde_json::json!({ tag.as_str(): {"ind1": a.to_string(), "ind2": b.to_string(), "subfields": subs} })
            }
        })
        .collect();
    serde_json::json!({"leader": rec.0, "fields": fields}).to_string()
}

fn mrk_value(v: &str) -> String {
    v.replace('{', "{lcub}")
        .replace('}', "{rcub}")
        .replace('$', "{dollar}")
        .replace('\\', "{bsol}")
}

fn to_mrk(recs: &[Rec]) -> Vec<u8> {
    let mut o = String::new();
    for (leader, fields) in recs {
        writeln!(o, "=LDR  {}", leader.replace(' ', "\\")).unwrap();
        for (tag, ind, subs) in fields {
            match ind {
                None => {
                    writeln!(o, "={tag}  {}", mrk_value(&subs[0].1).replace(' ', "\\")).unwrap()
                }
                Some(i) => {
                    let ind: String = i
                        .iter()
                        .map(|c| if *c == ' ' { '\\' } else { *c })
                        .collect();
                    let subs: String = subs
                        .iter()
                        .map(|(c, v)| format!("${c}{}", mrk_value(v)))
                        .collect();
                    writeln!(o, "={tag}  {ind}{subs}").unwrap();
                }
            }
        }
        o.push_str("\r\n");
    }
    o.into_bytes()
}

fn read(source: Source, policy: ErrorPolicy, batch_size: usize) -> (Vec<RecordBatch>, u64, u64) {
    let opts = ReadOptions {
        policy,
        batch_size,
        threads: Some(2),
        ..Default::default()
    };
    let stream = pipeline::start(source, opts).unwrap();
    let counters = stream.counters();
    let batches: Vec<_> = stream.map(|b| b.unwrap()).collect();
    let c = counters;
    use std::sync::atomic::Ordering::Relaxed;
    let accounted = c.record_bytes.load(Relaxed) + c.skipped_bytes.load(Relaxed);
    (batches, c.bytes_read.load(Relaxed), accounted)
}

fn concat(b: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&b[0].schema(), b).unwrap()
}

fn texts() -> Vec<(&'static str, Vec<u8>)> {
    let recs = sample();
    let array = format!(
        "[{}]",
        recs.iter().map(to_json).collect::<Vec<_>>().join(",\n")
    );
    let ndjson: String = recs.iter().map(|r| to_json(r) + "\n").collect();
    vec![
        ("marcxml", to_xml(&recs)),
        ("json array", array.into_bytes()),
        ("ndjson", ndjson.into_bytes()),
        ("mrk", to_mrk(&recs)),
    ]
}

#[test]
fn every_text_format_reads_back_to_the_iso_records() {
    let iso = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/marcarrow/data/loc-bib-386.mrc"),
    )
    .unwrap();
    let (expected, _, _) = read(Source::Shared(iso.into()), ErrorPolicy::Strict, 100);
    let expected = concat(&expected);
    for (name, text) in texts() {
        let (whole, _, _) = read(
            Source::Shared(text.clone().into()),
            ErrorPolicy::Strict,
            100,
        );
        assert_eq!(concat(&whole), expected, "{name}");
        // From a stream handing out a few bytes at a time: the same.
        for step in [1, 7, 4096] {
            let dribble = OwnedDribble(text.clone(), step, 0);
            let (b, _, _) = read(Source::Reader(Box::new(dribble)), ErrorPolicy::Strict, 33);
            assert_eq!(concat(&b), expected, "{name}, {step} bytes a read");
        }
    }
}

#[test]
fn mutated_text_never_panics_and_accounts_for_every_byte() {
    let cases: u64 = std::env::var("MARCARROW_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_500)
        / 10;
    let texts = texts();
    for seed in 1..=cases {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let (name, text) = &texts[(next() % texts.len() as u64) as usize];
        // A window of a few records, then byte flips, cuts and inserts.
        let start = (next() % (text.len() as u64 / 2)) as usize;
        let mut input = text[start..(start + 20_000).min(text.len())].to_vec();
        for _ in 0..1 + next() % 8 {
            let at = (next() % input.len().max(1) as u64) as usize;
            match next() % 4 {
                0 => input[at] = next() as u8,
                1 => input[at] = b"<>{}\"\\$=\n&"[(next() % 10) as usize],
                2 => input.truncate(at),
                _ => input.insert(at, b"\x1f\x00]/>"[(next() % 5) as usize]),
            }
            if input.is_empty() {
                break;
            }
        }
        for policy in [ErrorPolicy::Lenient, ErrorPolicy::Skip] {
            let format = match *name {
                "marcxml" => Format::MarcXml,
                "mrk" => Format::Mrk,
                _ => Format::Json,
            };
            let opts = ReadOptions {
                policy,
                batch_size: 5,
                threads: Some(1),
                format: Some(format),
                ..Default::default()
            };
            let stream = pipeline::start(Source::Shared(input.clone().into()), opts)
                .unwrap_or_else(|e| panic!("seed {seed} ({name}): {e}"));
            let c = stream.counters();
            for b in stream {
                if let Err(e) = b {
                    panic!("seed {seed} ({name}): {e}");
                }
            }
            use std::sync::atomic::Ordering::Relaxed;
            let accounted = c.record_bytes.load(Relaxed) + c.skipped_bytes.load(Relaxed);
            assert!(
                accounted <= c.bytes_read.load(Relaxed),
                "seed {seed} ({name})"
            );
            assert_eq!(
                c.bytes_read.load(Relaxed),
                input.len() as u64,
                "seed {seed} ({name})"
            );
        }
    }
}
