//! serde_json, simd-json and sonic-rs on MARC-in-JSON lines (see Cargo.toml).
//! One run: each NDJSON line of the file parsed by serde_json into a
//! `Value`, by simd-json into a `BorrowedValue` (SIMD tape), by sonic-rs
//! into its `Value` (SIMD), and by marcarrow's reader (serde_json through
//! `DeserializeSeed`s into the record). Medians of 7, one thread.
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mb = data.len() as f64 / 1e6;
    let mut t: Vec<(&str, Vec<f64>)> = vec![
        ("serde_json Value", vec![]),
        ("simd-json BorrowedValue", vec![]),
        ("sonic-rs Value", vec![]),
        ("marcarrow read_record (serde_json seeds)", vec![]),
    ];
    let mut scratch = Vec::new();
    let mut built = marcarrow::formats::Built::default();
    for _ in 0..7 {
        let s = Instant::now();
        for l in &lines {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            std::hint::black_box(v);
        }
        t[0].1.push(s.elapsed().as_secs_f64());
        let s = Instant::now();
        for l in &lines {
            scratch.clear();
            scratch.extend_from_slice(l);
            let v = simd_json::to_borrowed_value(&mut scratch).unwrap();
            std::hint::black_box(v);
        }
        t[1].1.push(s.elapsed().as_secs_f64());
        let s = Instant::now();
        for l in &lines {
            let v: sonic_rs::Value = sonic_rs::from_slice(l).unwrap();
            std::hint::black_box(v);
        }
        t[2].1.push(s.elapsed().as_secs_f64());
        let s = Instant::now();
        for l in &lines {
            marcarrow::formats::read_record(
                marcarrow::input::Format::Json,
                l,
                &mut built,
                false,
                &mut Vec::new(),
            )
            .unwrap();
            std::hint::black_box(&built);
        }
        t[3].1.push(s.elapsed().as_secs_f64());
    }
    println!("{} records, {:.1} MB, one thread, medians of 7", lines.len(), mb);
    for (name, v) in t {
        let m = median(v);
        println!("{name:45} {:8.1} ms {:8.0} MB/s", m * 1e3, mb / m);
    }
}
