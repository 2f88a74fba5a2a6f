//! Benchmark input: the LoC corpus slice when present, else the bundled
//! sample (with a message saying so).

use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode, Throughput};

/// Modest settings so that `cargo bench` takes a few minutes: each
/// iteration reads the whole input (about 0.1-1 s on the corpus slice), so
/// flat sampling, 10 samples, 1 s of warm-up and 5 s of measurement
/// (criterion stretches it when 10 iterations need longer).
pub fn configure(g: &mut BenchmarkGroup<'_, WallTime>, bytes: usize) {
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
}

/// Loads the benchmark input and says which file it is.
pub fn input() -> (String, Vec<u8>) {
    let corpus = std::env::var_os("MARCARROW_CORPUS_FILE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/marc-corpus/BooksAll.2016.part01.utf8"))
        });
    if let Some(p) = corpus.filter(|p| p.exists()) {
        let data = std::fs::read(&p).expect("read corpus");
        // The first 100,000 records (97 MB), as in the measurements.
        let limit = std::env::var("MARCARROW_BENCH_RECORDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000usize);
        let end = data
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == 0x1D)
            .nth(limit - 1)
            .map(|(i, _)| i + 1)
            .unwrap_or(data.len());
        return (
            format!("{} (first {limit} records)", p.display()),
            data[..end].to_vec(),
        );
    }
    eprintln!(
        "LoC corpus not found (run ../shared/scripts/fetch-corpus.sh, or set \
         MARCARROW_CORPUS_FILE); benchmarking the bundled sample instead"
    );
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/marcarrow/data/loc-bib-386.mrc");
    (
        p.display().to_string(),
        std::fs::read(&p).expect("bundled sample"),
    )
}
