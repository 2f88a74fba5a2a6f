//! The MARC writers (criterion): `cargo bench --bench write`.
//!
//! The input is read into nested batches once; each iteration writes all of
//! them with a [`MarcWriter`] into `io::sink()` (encoding only: no file
//! system), as ISO 2709 (UTF-8 and MARC-8), MARCXML, NDJSON and MARCMaker,
//! on a pool of 1 and 2 threads. Throughput is of the input's bytes. Every
//! iteration checks the record count, and ISO 2709 its byte count (the
//! round trip is byte-exact on UTF-8 input).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use marcarrow::input::{Compression, Source};
use marcarrow::pipeline;
use marcarrow::sink::write::{Dest, Encoding, MarcWriter, WriteFormat, WriteOptions};
use marcarrow::ReadOptions;

mod common;

fn write(batches: &[arrow_array::RecordBatch], opts: &WriteOptions) -> (u64, u64) {
    let dest = Dest::stream(Box::new(std::io::sink()), Compression::None).unwrap();
    let mut w = MarcWriter::new(dest, opts.clone()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    let s = w.finish().unwrap();
    (s.records, s.bytes)
}

fn bench(c: &mut Criterion) {
    let (name, data) = common::input();
    let batches: Vec<_> =
        pipeline::start(Source::Shared(data.clone().into()), ReadOptions::default())
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let records: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let mut g = c.benchmark_group(format!("write/{name}"));
    common::configure(&mut g, data.len());
    let formats = [
        ("marc", WriteFormat::Iso2709, Encoding::Utf8),
        ("marc-8", WriteFormat::Iso2709, Encoding::Marc8),
        ("marcxml", WriteFormat::MarcXml, Encoding::Utf8),
        ("ndjson", WriteFormat::Ndjson, Encoding::Utf8),
        ("mrk", WriteFormat::Mrk, Encoding::Utf8),
    ];
    for (label, format, encoding) in formats {
        for threads in [1, 2] {
            let mut opts = WriteOptions::new(format);
            opts.encoding = encoding;
            opts.threads = Some(threads);
            opts.oversize = marcarrow::sink::write::OversizePolicy::Skip;
            g.bench_function(format!("{label}/threads={threads}"), |b| {
                b.iter(|| {
                    let (n, bytes) = write(black_box(&batches), &opts);
                    assert!(n + 2 >= records, "{label}: {n} of {records} records");
                    if label == "marc" && n == records {
                        assert_eq!(bytes, data.len() as u64);
                    }
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
