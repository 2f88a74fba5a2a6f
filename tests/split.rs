//! Byte ranges read every record exactly once: for real files (the
//! malformed ones included) cut at many split points, the union of the
//! ranges equals the sequential read, record for record and problem for
//! problem.

mod common;

use arrow_array::RecordBatch;
use arrow_select::concat::concat_batches;
use marcarrow::formats::split;
use marcarrow::input::{RandomAccess, Source};
use marcarrow::pipeline;
use marcarrow::{ErrorPolicy, ReadOptions};

/// The records (every column but `record_index`, which counts from a
/// range's start) and each problem as offset, kind, length and action.
type Read = (RecordBatch, Vec<String>);

fn read(data: &[u8], policy: ErrorPolicy, range: Option<(u64, u64)>) -> Read {
    let opts = ReadOptions {
        policy,
        provenance: true,
        byte_range: range,
        batch_size: 64,
        ..ReadOptions::default()
    };
    let schema = opts.schema();
    let source = Source::Shared(bytes::Bytes::copy_from_slice(data));
    let mut stream = pipeline::start(source, opts).unwrap();
    let mut batches = Vec::new();
    for b in stream.by_ref() {
        batches.push(b.expect("skip and lenient never fail"));
    }
    let problems = stream
        .problems()
        .lock()
        .unwrap()
        .iter()
        .map(|p| {
            let e = &p.error;
            format!(
                "{} {} {:?} {:?}",
                e.byte_offset,
                e.kind.name(),
                e.byte_length,
                p.action
            )
        })
        .collect();
    (
        without_index(concat_batches(&schema, &batches).unwrap()),
        problems,
    )
}

fn without_index(mut b: RecordBatch) -> RecordBatch {
    b.remove_column(0);
    b
}

/// The union of reading `[cuts[i], cuts[i+1])` for each i.
fn union(data: &[u8], policy: ErrorPolicy, cuts: &[u64]) -> Read {
    let mut batches = Vec::new();
    let mut problems = Vec::new();
    for w in cuts.windows(2) {
        let (r, p) = read(data, policy, Some((w[0], w[1])));
        batches.push(r);
        problems.extend(p);
    }
    let schema = batches[0].schema();
    (concat_batches(&schema, &batches).unwrap(), problems)
}

/// Split points worth trying: every record terminator, one byte either
/// side, inside the leader after it, and some pseudo-random ones.
fn points(data: &[u8], seed: u64) -> Vec<u64> {
    let n = data.len() as u64;
    let mut p = Vec::new();
    for (i, _) in data
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == 0x1D || b == b'\n' || b == b'<')
    {
        let i = i as u64;
        p.extend([i.saturating_sub(1), i, i + 1, i + 2, i + 4, i + 13]);
    }
    let mut x = seed | 1;
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p.push(x % (n + 1));
    }
    p.retain(|&q| q <= n);
    p.sort_unstable();
    p.dedup();
    p
}

/// Reads `data` whole and in ranges cut at `points` (two ranges for each
/// point, sampled), and in small blocks; all must agree.
fn check(name: &str, data: &[u8]) {
    let n = data.len() as u64;
    for policy in [ErrorPolicy::Skip, ErrorPolicy::Lenient] {
        let whole = read(data, policy, None);
        assert!(whole.0.num_rows() > 0, "{name}: no records");
        let pts = points(data, n);
        // Fewer in debug builds (the default `cargo test`); a release run
        // tries 150 split points per file.
        let tries = if cfg!(debug_assertions) { 25 } else { 150 };
        let step = (pts.len() / tries).max(1);
        for &p in pts.iter().step_by(step) {
            let got = union(data, policy, &[0, p, n]);
            assert_eq!(got, whole, "{name} {policy:?}: split at {p}");
        }
        for block in [97, 1000, 4096, n / 3 + 1] {
            // Ranges smaller than a record, over the head of the file.
            let head: u64 = if cfg!(debug_assertions) {
                6_000
            } else {
                20_000
            };
            let (data, whole) = match block {
                97 if n > head => {
                    let h = &data[..head as usize];
                    (h, read(h, policy, None))
                }
                _ => (data, whole.clone()),
            };
            let n = data.len() as u64;
            let cuts: Vec<u64> = (0..=n.div_ceil(block))
                .map(|i| (i * block).min(n))
                .collect();
            let got = union(data, policy, &cuts);
            assert_eq!(got, whole, "{name} {policy:?}: blocks of {block}");
        }
    }
}

fn fixture(path: &str) -> Option<Vec<u8>> {
    common::data(path)
}

#[test]
fn iso2709_real_files() {
    for f in [
        "loc-bib-386.mrc",
        "pride-many-errors-383.mrc",
        "ia-edge-50.mrc",
        "uva-marc8-2000.mrc",
        "hathi-oversize-5.mrc",
        "pymarc/bad_records.mrc",
        "pymarc/utf8_invalid.mrc",
        "pymarc/test.dat",
        "pymarc/regression45.dat",
    ] {
        if let Some(d) = fixture(f) {
            // Long files: the head is plenty of split points (more of it
            // in release builds).
            let cap = if cfg!(debug_assertions) {
                60_000
            } else {
                300_000
            };
            let d = &d[..d.len().min(cap)];
            check(f, d);
        }
    }
}

#[test]
fn text_formats() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    for f in [
        "marc_in_json_traject_lc.ndjson",
        "marcxml_alma_publishing_collection_no_ns.xml",
        "oai_pmh_listrecords_pod_stanford.xml",
        "sru_searchretrieve_alma_princeton.xml",
    ] {
        let d = std::fs::read(dir.join(f)).unwrap();
        let mut ra = RandomAccess::Shared(d.clone().into());
        assert!(split::splittable(&mut ra, None).unwrap(), "{f}");
        check(f, &d);
    }
    if let Some(d) = fixture("pymarc/batch.xml") {
        check("pymarc/batch.xml", &d);
    }
}

/// A record whose length field takes in the next record as well: the
/// scanner ends it at the terminator before the next record (a sync
/// point), so a range starting there agrees with the whole read.
#[test]
fn a_record_never_runs_over_a_sync_point() {
    let Some(d) = fixture("loc-bib-386.mrc") else {
        return;
    };
    let len = |at: usize| {
        std::str::from_utf8(&d[at..at + 5])
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    let (a, b) = (len(0), len(len(0)));
    let mut m = d.clone();
    m[..5].copy_from_slice(format!("{:05}", a + b).as_bytes());
    let (rows, problems) = read(&m, ErrorPolicy::Lenient, None);
    assert_eq!(rows.num_rows(), 386);
    assert!(problems[0].starts_with("0 LengthMismatch"), "{problems:?}");
    check("length over two records", &m[..40_000]);
}

#[test]
fn unsplittable_objects_are_read_by_the_range_that_holds_their_start() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    let mrk = std::fs::read(dir.join("marcmaker_elb_spain.mrk")).unwrap();
    let n = mrk.len() as u64;
    let whole = read(&mrk, ErrorPolicy::Skip, None);
    assert_eq!(read(&mrk, ErrorPolicy::Skip, Some((0, 10))), whole);
    assert_eq!(read(&mrk, ErrorPolicy::Skip, Some((10, n))).0.num_rows(), 0);
    let mut ra = RandomAccess::Shared(mrk.into());
    assert!(!split::splittable(&mut ra, None).unwrap());
}

#[test]
fn ranges_cover_the_object() {
    assert_eq!(split::ranges(10, 4, true), vec![(0, 4), (4, 8), (8, 10)]);
    assert_eq!(split::ranges(10, 4, false), vec![(0, 10)]);
    assert_eq!(split::ranges(0, 4, true), vec![(0, 0)]);
}

/// A range accounts for the bytes it owns: over the ranges of an object,
/// bytes, record bytes and skipped bytes add up to the whole read's.
#[test]
fn ranges_account_for_every_byte_once() {
    use marcarrow::sink::summary::summarize;
    for f in ["loc-bib-386.mrc", "pride-many-errors-383.mrc"] {
        let Some(d) = fixture(f) else { return };
        let sum = |range: Option<(u64, u64)>| {
            let opts = ReadOptions {
                policy: ErrorPolicy::Skip,
                byte_range: range,
                ..ReadOptions::default()
            };
            let s = summarize(Source::Shared(d.clone().into()), opts).unwrap();
            (s.bytes, s.record_bytes, s.skipped_bytes, s.tally.records)
        };
        let whole = sum(None);
        assert_eq!(whole.0, d.len() as u64);
        for block in [1000, 50_000, 333_333] {
            let parts = split::ranges(d.len() as u64, block, true);
            let total = parts
                .iter()
                .map(|&r| sum(Some(r)))
                .fold((0, 0, 0, 0), |a, b| {
                    (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
                });
            assert_eq!(total, whole, "{f}, blocks of {block}");
        }
    }
}

mod mutated {
    use super::*;
    use proptest::prelude::*;

    /// Real records with random damage: flipped bytes, inserted
    /// terminators and digits, cut-out stretches.
    fn damaged() -> impl Strategy<Value = Vec<u8>> {
        let base = fixture("loc-bib-386.mrc").unwrap_or_default();
        let base = base[..base.len().min(12_000)].to_vec();
        let n = base.len().max(1);
        let edit = prop_oneof![
            (0..n, any::<u8>()).prop_map(|(i, b)| (0, i, b)),
            (
                0..n,
                prop_oneof![
                    Just(0x1Du8),
                    Just(0x1E),
                    Just(b'0'),
                    Just(b'9'),
                    Just(b'\n')
                ]
            )
                .prop_map(|(i, b)| (1, i, b)),
            (0..n, 1u8..200).prop_map(|(i, k)| (2, i, k)),
        ];
        proptest::collection::vec(edit, 1..12).prop_map(move |edits| {
            let mut d = base.clone();
            for (kind, i, b) in edits {
                let i = i.min(d.len().saturating_sub(1));
                match kind {
                    0 if !d.is_empty() => d[i] = b,
                    1 => d.insert(i, b),
                    _ => {
                        let e = (i + b as usize).min(d.len());
                        d.drain(i..e);
                    }
                }
            }
            d
        })
    }

    proptest! {
        // SPLIT_CASES=5000 for a longer run.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("SPLIT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
            ..ProptestConfig::default()
        })]

        #[test]
        fn union_of_ranges_is_the_whole_read(
            d in damaged(),
            cuts in proptest::collection::vec(0u64..13_000, 1..6),
        ) {
            let n = d.len() as u64;
            let mut cuts: Vec<u64> = cuts.into_iter().map(|c| c.min(n)).collect();
            cuts.push(0);
            cuts.push(n);
            cuts.sort_unstable();
            cuts.dedup();
            for policy in [ErrorPolicy::Skip, ErrorPolicy::Lenient] {
                prop_assert_eq!(union(&d, policy, &cuts), read(&d, policy, None), "cuts {:?}", cuts);
            }
        }
    }
}

/// A MARCXML record without its end tag ends where the next record
/// starts, so the next record is delivered, and a range starting there
/// agrees with the whole read.
#[test]
fn an_xml_record_without_its_end_tag_ends_at_the_next_record() {
    let rec = |id: &str| {
        format!(
            "<record><leader>00000nam a2200000 a 4500</leader>\
             <controlfield tag=\"001\">{id}</controlfield></record>\n"
        )
    };
    let broken = rec("b").replace("</record>", "");
    let doc = format!(
        "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n{}{}{}{}</collection>\n",
        rec("a"),
        broken,
        rec("c"),
        rec("d")
    );
    let d = doc.as_bytes();
    let (rows, problems) = read(d, ErrorPolicy::Skip, None);
    assert_eq!(rows.num_rows(), 3);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let n = d.len() as u64;
    for p in 1..n {
        assert_eq!(
            union(d, ErrorPolicy::Skip, &[0, p, n]),
            (rows.clone(), problems.clone())
        );
    }
}
