//! Parquet export from Rust: round trip, several inputs, interruption.

mod common;

use std::fs::File;

use marcarrow::arrow::Layout;
use marcarrow::input::Source;
use marcarrow::pipeline;
use marcarrow::sink::parquet::{write_parquet, ExportError, Named, ParquetOptions};
use marcarrow::ReadOptions;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn input(name: &str, d: &[u8]) -> Named {
    Named {
        name: name.into(),
        source: Source::Shared(d.to_vec().into()),
        size: Some(d.len() as u64),
    }
}

fn rows(path: &std::path::Path) -> Vec<arrow_array::RecordBatch> {
    let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .with_batch_size(10_000_000)
        .build()
        .unwrap();
    r.map(Result::unwrap).collect()
}

#[test]
fn round_trip_both_layouts() {
    let Some(d) = common::data("loc-bib-386.mrc") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("marcarrow-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for layout in [Layout::Nested, Layout::Long] {
        let opts = ReadOptions {
            layout,
            batch_size: 100_000,
            ..Default::default()
        };
        let out = dir.join("x.parquet");
        let s = write_parquet(
            vec![input("a", &d)],
            &out,
            opts.clone(),
            &ParquetOptions::default(),
            &mut || true,
        )
        .unwrap();
        assert_eq!(s.records, 386);
        assert_eq!(s.bytes_in, d.len() as u64);
        let want: Vec<_> = pipeline::start(Source::Shared(d.clone().into()), opts)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let got = rows(&out);
        let n: usize = got.iter().map(|b| b.num_rows()).sum();
        assert_eq!(n, want.iter().map(|b| b.num_rows()).sum::<usize>());
        // One batch each way: compare whole columns.
        assert_eq!(got.len(), 1, "read back as one batch");
        assert_eq!(got[0], want[0]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interrupted_export_leaves_no_file() {
    let Some(d) = common::data("loc-bib-386.mrc") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("marcarrow-int-{}.parquet", std::process::id()));
    let opts = ReadOptions {
        batch_size: 10,
        ..Default::default()
    };
    let mut calls = 0;
    let r = write_parquet(
        vec![input("a", &d)],
        &out,
        opts,
        &ParquetOptions::default(),
        &mut || {
            calls += 1;
            calls < 3
        },
    );
    assert!(matches!(r, Err(ExportError::Interrupted)));
    assert!(!out.exists());
    let dir = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(&name))
        .collect();
    assert!(leftovers.is_empty(), "temporary file left behind");
}

/// Row groups filled across batches, encoded by one thread or several:
/// the same rows back, the same row groups, and the same bytes.
#[test]
fn row_groups_across_batches_and_encoders() {
    let Some(d) = common::data("loc-bib-386.mrc") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("marcarrow-rg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pq = ParquetOptions {
        row_group_size: Some(100),
        ..Default::default()
    };
    for layout in [Layout::Nested, Layout::Long] {
        let mut files = Vec::new();
        for threads in [Some(1), Some(2), None] {
            let opts = ReadOptions {
                layout,
                batch_size: 37,
                threads,
                ..Default::default()
            };
            let out = dir.join(format!("{layout:?}-{threads:?}.parquet"));
            write_parquet(vec![input("a", &d)], &out, opts.clone(), &pq, &mut || true).unwrap();
            let want: Vec<_> = pipeline::start(Source::Shared(d.clone().into()), opts)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let want = arrow_select::concat::concat_batches(&want[0].schema(), &want).unwrap();
            let got = rows(&out);
            assert_eq!(got.len(), 1);
            assert_eq!(got[0], want, "{layout:?} {threads:?}");
            let meta = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap())
                .unwrap()
                .metadata()
                .clone();
            let sizes: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
            if layout == Layout::Nested {
                assert_eq!(sizes, [100, 100, 100, 86]);
            } else {
                assert!(
                    sizes[..sizes.len() - 1].iter().all(|&n| n == 100),
                    "{sizes:?}"
                );
            }
            files.push(std::fs::read(&out).unwrap());
        }
        assert!(
            files.windows(2).all(|w| w[0] == w[1]),
            "{layout:?}: bytes differ"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
