//! Helpers shared by the fuzz targets.

use arrow_array::{Array, RecordBatch};
use marcarrow::input::Source;
use marcarrow::pipeline;
use marcarrow::ReadOptions;

/// Reads `data` through the whole pipeline with `opts`, checking every
/// batch's arrays in full (offsets, UTF-8, nulls); a strict-mode error
/// ends the read, while an Arrow error or a worker's panic is a bug and
/// crashes the target (release builds skip the builders' validation, so
/// the fuzzer is where an invalid array must be caught). Returns the
/// batches and the problems' positions.
pub fn read_all(data: &[u8], opts: ReadOptions) -> (Vec<RecordBatch>, Vec<(u64, String)>) {
    let len = data.len() as u64;
    let source = Source::Shared(bytes::Bytes::copy_from_slice(data));
    let mut stream = match pipeline::start(source, opts) {
        Ok(s) => s,
        Err(_) => return (Vec::new(), Vec::new()),
    };
    let mut batches = Vec::new();
    for b in stream.by_ref() {
        match b {
            Ok(b) => {
                for c in b.columns() {
                    c.to_data().validate_full().expect("valid Arrow arrays");
                }
                batches.push(b);
            }
            Err(pipeline::PipelineError::Arrow(e)) => {
                panic!("an array the builders made is invalid: {e}")
            }
            Err(pipeline::PipelineError::Panic(m)) => panic!("a worker panicked: {m}"),
            Err(_) => break,
        }
    }
    let problems = stream
        .problems()
        .lock()
        .unwrap()
        .iter()
        .map(|p| {
            assert!(p.error.byte_offset <= len, "problem past the input");
            (p.error.byte_offset, p.error.kind.name().to_string())
        })
        .collect();
    (batches, problems)
}
