//! The MARCXML, MARC-in-JSON and MARCMaker readers (scanner and record
//! reader) through the pipeline on arbitrary bytes, under every policy:
//! no panic, every array valid, problems inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::input::Format;
use marcarrow::{ErrorPolicy, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, data)) = data.split_first() else {
        return;
    };
    let format = [Format::MarcXml, Format::Json, Format::Mrk][knobs as usize % 3];
    let policy =
        [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip][(knobs as usize >> 2) % 3];
    let opts = ReadOptions {
        policy,
        format: Some(format),
        provenance: true,
        batch_size: 1 + (knobs as usize >> 4),
        ..ReadOptions::default()
    };
    marcarrow_fuzz::read_all(data, opts);
});
