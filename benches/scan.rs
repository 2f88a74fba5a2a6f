//! Scanner and parser throughput (criterion): `cargo bench --bench scan`.
//!
//! Each benchmark checks its record count, so a fast wrong engine fails.
//! The reference ceiling, counting 0x1D with memchr, runs alongside.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use marcarrow::marc::scan::{FrameKind, Frames};
use marcarrow::{ErrorPolicy, Reader};

mod common;

fn bench(c: &mut Criterion) {
    let (name, data) = common::input();
    let expected = memchr::memchr_iter(0x1D, &data).count();
    eprintln!("input: {name}: {} bytes, {expected} records", data.len());
    let mut g = c.benchmark_group("core");
    common::configure(&mut g, data.len());

    g.bench_function("count_1d_memchr", |b| {
        b.iter(|| {
            assert_eq!(
                memchr::memchr_iter(0x1D, black_box(&data)).count(),
                expected
            )
        })
    });
    g.bench_function("scan", |b| {
        b.iter(|| {
            let n = Frames::new(black_box(&data))
                .filter(|f| matches!(f.kind, FrameKind::Record { problem: None }))
                .count();
            assert_eq!(n, expected);
        })
    });
    g.bench_function("scan_parse", |b| {
        b.iter(|| {
            let mut r = Reader::from_slice(black_box(&data), ErrorPolicy::Strict);
            let mut n = 0;
            while let Some(item) = r.next_record().unwrap() {
                black_box(item.unwrap().record.len());
                n += 1;
            }
            assert_eq!(n, expected);
        })
    });
    g.bench_function("scan_parse_subfields", |b| {
        b.iter(|| {
            let mut r = Reader::from_slice(black_box(&data), ErrorPolicy::Strict);
            let (mut n, mut bytes) = (0, 0usize);
            while let Some(item) = r.next_record().unwrap() {
                for f in item.unwrap().record.fields() {
                    if f.is_control() {
                        bytes += f.data.len();
                    } else {
                        bytes += f.indicators().len();
                        for s in f.subfields() {
                            bytes += s.code.len() + s.value.len();
                        }
                    }
                }
                n += 1;
            }
            assert_eq!(n, expected);
            black_box(bytes);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
