//! The scanner's unit tests (kept apart so that `scan.rs` stays short).

use super::*;

fn rec(body: &str) -> Vec<u8> {
    // A minimal well-formed record: leader, empty directory, terminators.
    let len = LEADER_LEN + body.len() + 2;
    let mut v = format!("{len:05}nam a22000257a 4500").into_bytes();
    v.truncate(LEADER_LEN);
    v.extend_from_slice(body.as_bytes());
    v.push(FIELD_TERMINATOR);
    v.push(RECORD_TERMINATOR);
    v
}

fn kinds(buf: &[u8]) -> Vec<(usize, usize, bool)> {
    Frames::new(buf)
        .map(|f| {
            (
                f.start,
                f.end,
                matches!(f.kind, FrameKind::Record { problem: None }),
            )
        })
        .collect()
}

#[test]
fn clean_records() {
    let mut buf = rec("");
    buf.extend(rec("abc"));
    assert_eq!(kinds(&buf), vec![(0, 26, true), (26, 55, true)]);
}

#[test]
fn empty_and_padding() {
    assert!(kinds(b"").is_empty());
    assert!(kinds(b"\n\r\n").is_empty());
    let mut buf = rec("");
    buf.extend_from_slice(b"\r\n");
    buf.extend(rec(""));
    assert_eq!(kinds(&buf), vec![(0, 26, true), (28, 54, true)]);
}

#[test]
fn garbage_before_record_is_separate_frame() {
    let mut buf = b"XYZ".to_vec();
    buf.extend(rec("a"));
    let f: Vec<_> = Frames::new(&buf).collect();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].kind, FrameKind::Bad(ErrorKind::Garbage { len: 3 }));
    assert_eq!((f[1].start, f[1].index), (3, 1));
}

#[test]
fn wrong_length_trusts_terminator() {
    let mut a = rec("abcdef");
    a[..5].copy_from_slice(b"00030");
    a.extend(rec(""));
    let f: Vec<_> = Frames::new(&a).collect();
    assert_eq!(f.len(), 2);
    assert_eq!(
        f[0].kind,
        FrameKind::Record {
            problem: Some(ErrorKind::LengthMismatch {
                declared: 30,
                actual: 32
            })
        }
    );
    assert_eq!(f[1].kind, FrameKind::Record { problem: None });
}

#[test]
fn truncated_last_record() {
    let mut a = rec("abc");
    let b = rec("abcdefghij");
    a.extend_from_slice(&b[..20]);
    let f: Vec<_> = Frames::new(&a).collect();
    assert_eq!(f.len(), 2);
    assert!(matches!(
        f[1].kind,
        FrameKind::Bad(ErrorKind::Truncated { .. })
    ));
}

#[test]
fn endless_garbage_is_cut_at_the_limit() {
    let mut sc = Scanner::with_limit(100_000);
    let junk = vec![b'x'; 250_000];
    match sc.next(&junk, false) {
        Scan::Frame(f) => {
            assert_eq!((f.start, f.end), (0, 100_000));
            assert!(matches!(
                f.kind,
                FrameKind::Bad(ErrorKind::Garbage { len: 100_000 })
            ));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sc.next(&junk[..50_000], false), Scan::NeedMore);
}

#[test]
fn a_run_of_garbage_is_a_few_pieces_not_one_per_terminator() {
    // Pseudo-random bytes: a 0x1D every 256 bytes or so, and no record.
    let mut x: u32 = 12345;
    let junk: Vec<u8> = (0..3_000_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let rec = b"00026nam  2200025   4500\x1e\x1d";
    let mut input = junk.clone();
    input.extend_from_slice(rec);
    let frames: Vec<_> = Frames::new(&input).collect();
    assert!(frames.len() <= 6, "{} frames", frames.len());
    assert_eq!(
        frames.last().unwrap().kind,
        FrameKind::Record { problem: None }
    );
    // Pieces tile the input (the junk holds no padding byte at a piece's
    // start by chance here, or the piece starts after it).
    let mut at = 0;
    for f in &frames {
        assert!(f.start >= at && input[at..f.start].iter().all(|&b| is_padding(b)));
        at = f.end;
    }
    assert_eq!(at, input.len());
}

#[test]
fn chunked_matches_whole() {
    let mut buf = Vec::new();
    for i in 0..20 {
        buf.extend(rec(&"x".repeat(i * 7)));
        if i % 5 == 0 {
            buf.extend_from_slice(b"junk");
        }
    }
    let whole: Vec<_> = Frames::new(&buf).collect();
    for chunk in [1, 3, 17, 64] {
        let mut sc = Scanner::new();
        let mut held: Vec<u8> = Vec::new();
        let mut base = 0;
        let mut got = Vec::new();
        let mut fed = 0;
        loop {
            let eof = fed == buf.len();
            match sc.next(&held, eof) {
                Scan::Frame(mut f) => {
                    let end = f.end;
                    f.start += base;
                    f.end += base;
                    base += end;
                    held.drain(..end);
                    got.push(f);
                }
                Scan::End { .. } => break,
                Scan::Skip { .. } => unreachable!("ISO 2709 never skips"),
                Scan::NeedMore => {
                    let n = chunk.min(buf.len() - fed);
                    held.extend_from_slice(&buf[fed..fed + n]);
                    fed += n;
                }
            }
        }
        assert_eq!(got, whole, "chunk size {chunk}");
    }
}
