//! Parquet export (criterion): `cargo bench --bench parquet`.
//!
//! - `export/read_only`: the pipeline drained with the export's reading
//!   options (plain strings), the part of an export that is not encoding.
//! - `export/{nested,long}/threads=N`: `write_parquet` of the same bytes to
//!   a file in the temporary directory (zstd, the default row groups),
//!   reading and encoding with N threads (`threads=1` also encodes on one).
//!
//! The export over the read is the encoder's cost; `benches/limits.py`
//! puts the same export next to Python's `read()` in one run. Every
//! iteration checks its record count.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use marcarrow::arrow::{Layout, StringType};
use marcarrow::input::Source;
use marcarrow::pipeline;
use marcarrow::sink::parquet::{write_parquet, Named, ParquetOptions};
use marcarrow::ReadOptions;

mod common;

fn bench(c: &mut Criterion) {
    let (name, data) = common::input();
    let expected = memchr::memchr_iter(0x1D, &data).count();
    eprintln!("input: {name}: {} bytes, {expected} records", data.len());
    let data = bytes::Bytes::from(data);
    let dest = std::env::temp_dir().join(format!("marcarrow-bench-{}.parquet", std::process::id()));

    let mut g = c.benchmark_group("export");
    common::configure(&mut g, data.len());
    g.bench_function("read_only", |b| {
        b.iter(|| {
            let opts = ReadOptions {
                strings: StringType::Plain,
                ..ReadOptions::default()
            };
            let stream =
                pipeline::start(Source::Shared(black_box(data.clone())), opts).expect("start");
            let rows: usize = stream.map(|b| b.expect("batch").num_rows()).sum();
            assert_eq!(rows, expected);
        })
    });
    for (label, layout) in [("nested", Layout::Nested), ("long", Layout::Long)] {
        for threads in [1, 2] {
            g.bench_function(format!("{label}/threads={threads}"), |b| {
                b.iter(|| {
                    let opts = ReadOptions {
                        layout,
                        threads: Some(threads),
                        ..ReadOptions::default()
                    };
                    let input = Named {
                        name: "bench".into(),
                        source: Source::Shared(black_box(data.clone())),
                        size: Some(data.len() as u64),
                    };
                    let summary = write_parquet(
                        vec![input],
                        &dest,
                        opts,
                        &ParquetOptions::default(),
                        &mut || true,
                    )
                    .expect("export");
                    assert_eq!(summary.records as usize, expected);
                })
            });
        }
    }
    g.finish();
    let _ = std::fs::remove_file(&dest);
}

criterion_group!(benches, bench);
criterion_main!(benches);
