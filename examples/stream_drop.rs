//! Streams records through the pipeline, and drops a second stream part way:
//! the program valgrind's memcheck runs over (see ARCHITECTURE.md).
//!
//! `cargo run --release --example stream_drop -- FILE [RECORDS]`
use std::io::Read;

use marcarrow::arrow::{Layout, StringType};
use marcarrow::input::Source;
use marcarrow::pipeline;
use marcarrow::ReadOptions;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: stream_drop FILE [RECORDS]");
    let limit: usize = args
        .next()
        .map(|s| s.parse().expect("a number"))
        .unwrap_or(10_000);
    let mut data = Vec::new();
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut data))
        .expect("read");
    // The first `limit` records.
    let end = data
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == 0x1D)
        .nth(limit - 1)
        .map(|(i, _)| i + 1)
        .unwrap_or(data.len());
    data.truncate(end);
    let data = bytes::Bytes::from(data);

    for (layout, strings) in [
        (Layout::Nested, StringType::Plain),
        (Layout::Long, StringType::Plain),
        (Layout::Nested, StringType::View),
        (Layout::Long, StringType::View),
    ] {
        let opts = ReadOptions {
            layout,
            strings,
            threads: Some(2),
            batch_size: 500,
            ..Default::default()
        };
        let rows: usize = pipeline::start(Source::Shared(data.clone()), opts.clone())
            .expect("start")
            .map(|b| b.expect("batch").num_rows())
            .sum();
        println!("{layout:?} {strings:?}: {rows} rows");

        // A second stream, from a reader, dropped after two batches.
        let reader = std::io::Cursor::new(data.to_vec());
        let mut s = pipeline::start(Source::Reader(Box::new(reader)), opts).expect("start");
        let first: usize = s
            .by_ref()
            .take(2)
            .map(|b| b.expect("batch").num_rows())
            .sum();
        let counters = s.counters();
        drop(s);
        while !counters
            .reader_done
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        println!("{layout:?} {strings:?}: dropped after {first} rows; reader thread exited");
    }
}
