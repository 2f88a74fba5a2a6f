//! The core on real files: error policies, counts, positions, streaming.

mod common;

use common::{data, Dribble};
use marcarrow::{Action, ErrorKind, ErrorPolicy, MarcError, Problem, Reader};

/// What a reader delivered: (index, offset, leader, field count) per record,
/// the raised error, and the problems.
type Outcome = (
    Vec<(u64, u64, Vec<u8>, usize)>,
    Option<MarcError>,
    Vec<Problem>,
);

fn read_all(mut r: Reader<'_>) -> Outcome {
    let mut recs = Vec::new();
    let mut err = None;
    while let Some(item) = r.next_record().expect("no I/O error") {
        match item {
            Ok(i) => recs.push((
                i.index,
                i.offset,
                i.record.leader().to_vec(),
                i.record.len(),
            )),
            Err(e) => err = Some(e),
        }
    }
    (recs, err, r.problems().to_vec())
}

fn kinds(problems: &[Problem], action: Action) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for p in problems.iter().filter(|p| p.action == action) {
        let k = format!("{:?}", p.error.kind);
        let k = k.split([' ', '{', '(']).next().unwrap().to_string();
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[test]
fn pride_errors_match_pymarc_counts() {
    let Some(d) = data("pride-many-errors-383.mrc") else {
        return;
    };
    for policy in [ErrorPolicy::Skip, ErrorPolicy::Lenient] {
        let (recs, err, problems) = read_all(Reader::from_slice(&d, policy));
        assert!(err.is_none());
        // pymarc: 298 good records, 69 invalid UTF-8, 16 invalid directories.
        assert_eq!(recs.len(), 298);
        let k = kinds(&problems, Action::Skipped);
        assert_eq!(k.get("InvalidUtf8"), Some(&69), "{k:?}");
        assert_eq!(k.get("DirectoryInvalid"), Some(&16), "{k:?}");
        assert_eq!(problems.len(), 85);
        // Every record index is accounted for exactly once.
        let mut seen: Vec<u64> = recs.iter().map(|r| r.0).collect();
        seen.extend(problems.iter().map(|p| p.error.record_index));
        seen.sort();
        assert_eq!(seen, (0..383).collect::<Vec<_>>());
        for p in &problems {
            let e = &p.error;
            assert!(d[e.byte_offset as usize..].starts_with(&d[e.byte_offset as usize..][..5]));
            assert!(d[e.byte_offset as usize..][..5]
                .iter()
                .all(u8::is_ascii_digit));
            if let Some(at) = e.error_offset {
                assert!(at >= e.byte_offset && (at as usize) < d.len());
            }
            if let ErrorKind::InvalidUtf8 { .. } = e.kind {
                let at = e.error_offset.unwrap() as usize;
                assert!(std::str::from_utf8(&d[at..at + 1]).is_err() || d[at] >= 0x80);
                assert!(e.tag.is_some());
            }
        }
    }
    let (recs, err, problems) = read_all(Reader::from_slice(&d, ErrorPolicy::Strict));
    let err = err.expect("strict raises");
    assert_eq!(
        recs.len() as u64,
        err.record_index,
        "every record before the bad one"
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].action, Action::Raised);
}

#[test]
fn hathi_oversize_records_need_lenient() {
    let Some(d) = data("hathi-oversize-5.mrc") else {
        return;
    };
    let (recs, err, problems) = read_all(Reader::from_slice(&d, ErrorPolicy::Lenient));
    assert!(err.is_none());
    assert_eq!(recs.len(), 5);
    assert!(problems.iter().all(|p| p.action == Action::Repaired));
    let big = recs
        .iter()
        .find(|r| &r.2[..5] == b"99999")
        .expect("an oversize record");
    assert!(big.3 > 10_000, "the oversize record has all its fields");
    // Terminators are the truth: every field of every record ends in 0x1E.
    let (recs_skip, _, problems_skip) = read_all(Reader::from_slice(&d, ErrorPolicy::Skip));
    assert_eq!(recs_skip.len(), 4);
    assert_eq!(problems_skip.len(), 1);
    let (recs_strict, err, _) = read_all(Reader::from_slice(&d, ErrorPolicy::Strict));
    assert_eq!(recs_strict.len(), 3);
    assert!(matches!(
        err.unwrap().kind,
        ErrorKind::LengthMismatch {
            declared: 99999,
            ..
        }
    ));
}

#[test]
fn truncated_file_and_empty_input() {
    let Some(d) = data("loc-bib-386.mrc") else {
        return;
    };
    let last_start = d[..d.len() - 1].iter().rposition(|&b| b == 0x1D).unwrap() + 1;
    let cut = &d[..last_start + (d.len() - last_start) / 2];
    let (recs, err, _) = read_all(Reader::from_slice(cut, ErrorPolicy::Strict));
    assert_eq!(recs.len(), 385);
    let err = err.unwrap();
    assert_eq!(
        (err.record_index, err.byte_offset),
        (385, last_start as u64)
    );
    assert!(matches!(err.kind, ErrorKind::Truncated { .. }));
    let (recs, err, problems) = read_all(Reader::from_slice(cut, ErrorPolicy::Skip));
    assert_eq!((recs.len(), err, problems.len()), (385, None, 1));

    let (recs, err, problems) = read_all(Reader::from_slice(b"", ErrorPolicy::Strict));
    assert!(recs.is_empty() && err.is_none() && problems.is_empty());
}

#[test]
fn pymarc_bad_records() {
    let Some(d) = data("pymarc/bad_records.mrc") else {
        return;
    };
    // pymarc: records 0 and 7 are good, the rest are bad in seven ways.
    let (recs, _, problems) = read_all(Reader::from_slice(&d, ErrorPolicy::Skip));
    assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![0, 7]);
    assert_eq!(problems.len(), 7);
    // Lenient repairs the three bad base addresses from the terminators.
    let (recs, _, problems) = read_all(Reader::from_slice(&d, ErrorPolicy::Lenient));
    assert_eq!(recs.len(), 5);
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.action == Action::Repaired)
            .count(),
        3
    );
    // bad_subfield_code.dat: a 245 one byte longer than its entry says;
    // lenient takes the fields between the terminators.
    let Some(d) = data("pymarc/bad_subfield_code.dat") else {
        return;
    };
    let (recs, _, _) = read_all(Reader::from_slice(&d, ErrorPolicy::Skip));
    assert!(recs.is_empty());
    let (recs, _, problems) = read_all(Reader::from_slice(&d, ErrorPolicy::Lenient));
    assert_eq!(recs.len(), 1);
    assert_eq!(problems.len(), 1);
}

#[test]
fn stream_reads_equal_slice_reads() {
    let names = [
        "loc-bib-386.mrc",
        "pride-many-errors-383.mrc",
        "hathi-oversize-5.mrc",
        "pymarc/bad_records.mrc",
        "uva-marc8-2000.mrc",
    ];
    for name in names {
        let Some(d) = data(name) else { return };
        for policy in [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip] {
            let whole = read_all(Reader::from_slice(&d, policy));
            for step in [1000, 4093, 1 << 16] {
                let streamed = read_all(Reader::from_reader(Dribble(&d, step), policy));
                assert_eq!(whole, streamed, "{name} {policy:?} step {step}");
            }
        }
    }
}
