//! Byte ranges read every record exactly once: arbitrary bytes (ISO 2709,
//! or any format the content suggests) cut at up to four points read, range
//! by range, the same records and problems as one sequential read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::{ErrorPolicy, ReadOptions};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (cuts, data) = data.split_at(4);
    let n = data.len() as u64;
    let mut points: Vec<u64> = cuts.iter().map(|&c| c as u64 * (n + 1) / 256).collect();
    points.extend([0, n]);
    points.sort_unstable();
    points.dedup();
    let opts = |range| ReadOptions {
        policy: ErrorPolicy::Skip,
        provenance: true,
        byte_range: range,
        ..ReadOptions::default()
    };
    let (whole, whole_problems) = marcarrow_fuzz::read_all(data, opts(None));
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for w in points.windows(2) {
        let (b, p) = marcarrow_fuzz::read_all(data, opts(Some((w[0], w[1]))));
        parts.extend(b);
        problems.extend(p);
    }
    assert_eq!(problems, whole_problems, "problems differ");
    // Offsets and contents (every column but record_index).
    let strip = |b: &[arrow_array::RecordBatch]| -> Vec<arrow_array::RecordBatch> {
        b.iter()
            .map(|b| {
                let mut b = b.clone();
                b.remove_column(0);
                b
            })
            .collect()
    };
    let (a, b) = (strip(&whole), strip(&parts));
    if let Some(first) = a.first().or(b.first()) {
        let s = first.schema();
        assert_eq!(
            arrow_select::concat::concat_batches(&s, &a).unwrap(),
            arrow_select::concat::concat_batches(&s, &b).unwrap(),
            "records differ"
        );
    }
});
