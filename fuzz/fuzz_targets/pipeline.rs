//! Bytes to Arrow through the whole parallel pipeline, in every layout and
//! string type under every policy: no panic, every array valid in full,
//! problems inside the input, and the same rows with one thread or two.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::arrow::{Layout, StringType};
use marcarrow::{ErrorPolicy, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, data)) = data.split_first() else {
        return;
    };
    let policy = [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip][knobs as usize % 3];
    let layout = if knobs & 4 == 0 {
        Layout::Nested
    } else {
        Layout::Long
    };
    let strings = if knobs & 8 == 0 {
        StringType::Plain
    } else {
        StringType::View
    };
    let opts = |threads| ReadOptions {
        policy,
        layout,
        strings,
        provenance: knobs & 16 != 0,
        batch_size: 1 + (knobs as usize >> 5),
        threads: Some(threads),
        ..ReadOptions::default()
    };
    let one = marcarrow_fuzz::read_all(data, opts(1));
    let two = marcarrow_fuzz::read_all(data, opts(2));
    assert_eq!(one.1, two.1, "problems depend on the threads");
    let rows = |b: &[arrow_array::RecordBatch]| b.iter().map(|b| b.num_rows()).sum::<usize>();
    assert_eq!(rows(&one.0), rows(&two.0), "rows depend on the threads");
});
