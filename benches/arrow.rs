//! Batch builder and whole-pipeline throughput (criterion):
//! `cargo bench --bench arrow`.
//!
//! - `builder/*`: records of 2,048-record chunks parsed and appended to a
//!   [`BatchBuilder`], one `RecordBatch` per chunk, on one thread. The
//!   parse alone is `core/scan_parse_subfields` in `scan.rs`; the
//!   difference is the builder.
//! - `pipeline/threads=N`: `pipeline::start` over the shared buffer with a
//!   pool of N workers (1, 2 and, where the machine has more cores, 4 and
//!   8 up to its `available_parallelism`), draining every batch.
//! - `two_readers/*`: two independent pipelines with `threads=1` over the
//!   same bytes, one after the other (`sequence`) and at once on two
//!   threads (`parallel`); sequence over parallel is how well two readers
//!   scale (issue 21 asks 1.8x; one `threads=1` read already keeps about
//!   1.2 cores busy, which caps it on 2 cores).
//!
//! Every benchmark checks its record count, so a fast wrong engine fails.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use marcarrow::arrow::{BatchBuilder, Layout, StringType};
use marcarrow::input::Source;
use marcarrow::marc::record::RecordPos;
use marcarrow::pipeline;
use marcarrow::ReadOptions;
use marcarrow::{ErrorPolicy, Reader};

mod common;

/// Splits `data` into chunks of `n` records (as the pipeline's reader
/// thread does), sharing the buffer.
fn chunks(data: &bytes::Bytes, n: usize) -> Vec<bytes::Bytes> {
    let mut out = Vec::new();
    let (mut start, mut count) = (0, 0);
    for end in memchr::memchr_iter(0x1D, data) {
        count += 1;
        if count == n {
            out.push(data.slice(start..end + 1));
            start = end + 1;
            count = 0;
        }
    }
    if start < data.len() {
        out.push(data.slice(start..));
    }
    out
}

fn build(chunk: &bytes::Bytes, layout: Layout, strings: StringType) -> usize {
    let mut r = Reader::from_slice(chunk, ErrorPolicy::Strict);
    let mut b = BatchBuilder::new(layout, strings, 2048, chunk.clone());
    let mut problems = Vec::new();
    while let Some(item) = r.next_record().unwrap() {
        let i = item.unwrap();
        let pos = RecordPos {
            index: i.index,
            offset: i.offset,
            ..RecordPos::default()
        };
        b.push(pos, &i.record, &mut problems).unwrap();
    }
    let records = b.records();
    black_box(b.finish().unwrap());
    records
}

fn bench(c: &mut Criterion) {
    let (name, data) = common::input();
    let expected = memchr::memchr_iter(0x1D, &data).count();
    eprintln!("input: {name}: {} bytes, {expected} records", data.len());
    let data = bytes::Bytes::from(data);
    let parts = chunks(&data, 2048);

    let mut g = c.benchmark_group("builder");
    common::configure(&mut g, data.len());
    for (label, layout, strings) in [
        ("nested_string", Layout::Nested, StringType::Plain),
        ("nested_string_view", Layout::Nested, StringType::View),
        ("long_string", Layout::Long, StringType::Plain),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                let n: usize = parts
                    .iter()
                    .map(|p| build(black_box(p), layout, strings))
                    .sum();
                assert_eq!(n, expected);
            })
        });
    }
    g.finish();

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads = vec![1, 2];
    threads.extend([4, 8, 16].into_iter().filter(|&t| t <= cores));
    let mut g = c.benchmark_group("pipeline");
    common::configure(&mut g, data.len());
    for t in threads {
        g.bench_function(format!("threads={t}"), |b| {
            b.iter(|| {
                let opts = ReadOptions {
                    threads: Some(t),
                    ..ReadOptions::default()
                };
                let stream =
                    pipeline::start(Source::Shared(black_box(data.clone())), opts).expect("start");
                let rows: usize = stream.map(|b| b.expect("batch").num_rows()).sum();
                assert_eq!(rows, expected);
            })
        });
    }
    g.finish();

    let one = |data: bytes::Bytes| {
        let opts = ReadOptions {
            threads: Some(1),
            ..ReadOptions::default()
        };
        let stream = pipeline::start(Source::Shared(data), opts).expect("start");
        let rows: usize = stream.map(|b| b.expect("batch").num_rows()).sum();
        assert_eq!(rows, expected);
    };
    let mut g = c.benchmark_group("two_readers");
    common::configure(&mut g, 2 * data.len());
    g.bench_function("sequence", |b| {
        b.iter(|| {
            one(black_box(data.clone()));
            one(black_box(data.clone()));
        })
    });
    g.bench_function("parallel", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let other = s.spawn(|| one(black_box(data.clone())));
                one(black_box(data.clone()));
                other.join().expect("second reader");
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
