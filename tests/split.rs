//! Byte ranges read every record exactly once: for real files (the
//! malformed ones included) cut at many split points, the union of the
//! ranges equals the sequential read, record for record and problem for
//! problem.

mod common;

use arrow_array::RecordBatch;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use marcarrow::formats::split;
use marcarrow::input::{RandomAccess, Source};
use marcarrow::pipeline;
use marcarrow::{ErrorPolicy, ReadOptions};

/// Each record as text (every column but `record_index`, which counts
/// from a range's start), and each problem as offset, kind and length.
fn read(data: &[u8], policy: ErrorPolicy, range: Option<(u64, u64)>) -> (Vec<String>, Vec<String>) {
    let opts = ReadOptions {
        policy,
        provenance: true,
        byte_range: range,
        batch_size: 7,
        ..ReadOptions::default()
    };
    let source = Source::Shared(bytes::Bytes::copy_from_slice(data));
    let mut stream = pipeline::start(source, opts).unwrap();
    let mut rows = Vec::new();
    for b in stream.by_ref() {
        rows.extend(texts(&b.expect("skip and lenient never fail")));
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
    (rows, problems)
}

fn texts(b: &RecordBatch) -> Vec<String> {
    let opts = FormatOptions::default();
    let cols: Vec<_> = (1..b.num_columns())
        .map(|i| ArrayFormatter::try_new(b.column(i).as_ref(), &opts).unwrap())
        .collect();
    (0..b.num_rows())
        .map(|r| {
            cols.iter()
                .map(|c| c.value(r).to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// The union of reading `[cuts[i], cuts[i+1])` for each i.
fn union(data: &[u8], policy: ErrorPolicy, cuts: &[u64]) -> (Vec<String>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for w in cuts.windows(2) {
        let (r, p) = read(data, policy, Some((w[0], w[1])));
        rows.extend(r);
        problems.extend(p);
    }
    (rows, problems)
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
        assert!(!whole.0.is_empty(), "{name}: no records");
        let pts = points(data, n);
        let step = (pts.len() / 150).max(1);
        for &p in pts.iter().step_by(step) {
            let got = union(data, policy, &[0, p, n]);
            assert_eq!(got, whole, "{name} {policy:?}: split at {p}");
        }
        for block in [97, 1000, 4096, n / 3 + 1] {
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
            // Long files: the first 300 KB is plenty of split points.
            let d = &d[..d.len().min(300_000)];
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
    assert_eq!(rows.len(), 386);
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
    assert!(read(&mrk, ErrorPolicy::Skip, Some((10, n))).0.is_empty());
    let mut ra = RandomAccess::Shared(mrk.into());
    assert!(!split::splittable(&mut ra, None).unwrap());
}

#[test]
fn ranges_cover_the_object() {
    assert_eq!(split::ranges(10, 4, true), vec![(0, 4), (4, 8), (8, 10)]);
    assert_eq!(split::ranges(10, 4, false), vec![(0, 10)]);
    assert_eq!(split::ranges(0, 4, true), vec![(0, 0)]);
}
