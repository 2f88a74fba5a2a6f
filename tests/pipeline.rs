//! The parallel pipeline agrees with the sequential reader, whatever the
//! thread count, batch size and source kind.

mod common;

use arrow_array::RecordBatch;
use common::data;
use marcarrow::arrow::{BatchBuilder, Layout, StringType};
use marcarrow::input::Source;
use marcarrow::marc::record::RecordPos;
use marcarrow::pipeline::{self, PipelineError};
use marcarrow::ReadOptions;
use marcarrow::{ErrorPolicy, Reader};

/// The sequential reference: one batch of every delivered record.
fn reference(d: &[u8], layout: Layout, strings: StringType, policy: ErrorPolicy) -> RecordBatch {
    let mut r = Reader::from_slice(d, policy);
    let mut b = BatchBuilder::new(layout, strings, 16, bytes::Bytes::new());
    let mut problems = Vec::new();
    while let Some(item) = r.next_record().unwrap() {
        match item {
            Ok(i) => {
                let pos = RecordPos {
                    index: i.index,
                    offset: i.offset,
                    ..RecordPos::default()
                };
                if b.push(pos, &i.record, &mut problems).is_err() && policy == ErrorPolicy::Strict {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    b.finish().unwrap()
}

fn run(source: Source, opts: ReadOptions) -> (RecordBatch, Option<String>, usize) {
    let schema = opts.layout.schema(opts.strings);
    let mut stream = pipeline::start(source, opts).unwrap();
    let mut batches = Vec::new();
    let mut err = None;
    for b in stream.by_ref() {
        match b {
            Ok(b) => batches.push(b),
            Err(e) => err = Some(e.to_string()),
        }
    }
    let n = stream.problems().lock().unwrap().len();
    let all = concat_batches(schema, &batches);
    (all, err, n)
}

fn concat_batches(schema: arrow_schema::SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    if batches.is_empty() {
        return RecordBatch::new_empty(schema);
    }
    let cols = (0..schema.fields().len())
        .map(|i| {
            let arrays: Vec<&dyn arrow_array::Array> =
                batches.iter().map(|b| b.column(i).as_ref()).collect();
            concat(&arrays)
        })
        .collect();
    RecordBatch::try_new(schema, cols).unwrap()
}

fn concat(arrays: &[&dyn arrow_array::Array]) -> arrow_array::ArrayRef {
    let data: Vec<_> = arrays.iter().map(|a| a.to_data()).collect();
    let refs: Vec<_> = data.iter().collect();
    let mut m = arrow_data::transform::MutableArrayData::new(refs, false, 0);
    for (i, a) in arrays.iter().enumerate() {
        m.try_extend(i, 0, a.len()).unwrap();
    }
    arrow_array::make_array(m.freeze())
}

#[test]
fn pipeline_matches_sequential_reader() {
    for name in [
        "loc-bib-386.mrc",
        "pride-many-errors-383.mrc",
        "hathi-oversize-5.mrc",
        "uva-marc8-2000.mrc",
    ] {
        let Some(d) = data(name) else { return };
        let shared = bytes::Bytes::from(d.clone());
        for (layout, strings) in [
            (Layout::Nested, StringType::View),
            (Layout::Long, StringType::View),
            (Layout::Nested, StringType::Plain),
            (Layout::Long, StringType::Plain),
        ] {
            for policy in [ErrorPolicy::Lenient, ErrorPolicy::Skip, ErrorPolicy::Strict] {
                let want = reference(&d, layout, strings, policy);
                for threads in [1, 2] {
                    for batch_size in [7, 10_000] {
                        let opts = ReadOptions {
                            layout,
                            strings,
                            policy,
                            threads: Some(threads),
                            batch_size,
                            ..Default::default()
                        };
                        let (a, err_a, _) = run(Source::Shared(shared.clone()), opts.clone());
                        let (b, err_b, _) = run(
                            Source::Reader(Box::new(std::io::Cursor::new(d.clone()))),
                            opts,
                        );
                        let ctx = format!(
                            "{name} {layout:?} {strings:?} {policy:?} t{threads} b{batch_size}"
                        );
                        assert_eq!(a, want, "{ctx}");
                        assert_eq!(b, want, "{ctx}");
                        assert_eq!(err_a, err_b, "{ctx}");
                        let bad_file = name.starts_with("pride") || name.starts_with("hathi");
                        assert_eq!(
                            err_a.is_some(),
                            policy == ErrorPolicy::Strict && bad_file,
                            "{ctx}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn worker_panic_becomes_an_error() {
    let Some(d) = data("loc-bib-386.mrc") else {
        return;
    };
    let opts = ReadOptions {
        batch_size: 50,
        fail_at_chunk: Some(1),
        threads: Some(2),
        ..Default::default()
    };
    let mut s = pipeline::start(Source::Shared(d.into()), opts).unwrap();
    assert_eq!(s.next().unwrap().unwrap().num_rows(), 50);
    assert!(matches!(s.next(), Some(Err(PipelineError::Panic(_)))));
    assert!(s.next().is_none());
}
