//! The selection languages on arbitrary text: `tags=` patterns, `columns=`
//! paths and `where=` conditions parse or fail with an error, never panic;
//! what parses is then run over a real record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::ReadOptions;

const SAMPLE: &[u8] = include_bytes!("../../python/marcarrow/data/loc-bib-386.mrc");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = marcarrow::select::TagFilter::new(&[text.to_string()]);
    let path = marcarrow::select::path::Path::parse(text);
    let pred = marcarrow::select::predicate::Predicate::parse(text);
    // Run what parsed over the first records of the sample.
    let head = &SAMPLE[..SAMPLE
        .iter()
        .take(20_000)
        .rposition(|&b| b == 0x1D)
        .map_or(0, |p| p + 1)];
    if path.is_ok() {
        let pairs = vec![(
            "x".to_string(),
            marcarrow::options::Value::Map(vec![("x".into(), text.into())]),
        )];
        if let Ok(opts) = ReadOptions::from_pairs(marcarrow::options::Entry::Batches, rename(pairs))
        {
            marcarrow_fuzz::read_all(head, opts);
        }
    }
    if pred.is_ok() {
        let pairs = vec![(
            "where".to_string(),
            marcarrow::options::Value::Str(text.into()),
        )];
        if let Ok(opts) = ReadOptions::from_pairs(marcarrow::options::Entry::Batches, pairs) {
            marcarrow_fuzz::read_all(head, opts);
        }
    }
});

/// `columns={"x": text}`.
fn rename(
    pairs: Vec<(String, marcarrow::options::Value)>,
) -> Vec<(String, marcarrow::options::Value)> {
    pairs
        .into_iter()
        .map(|(_, v)| ("columns".to_string(), v))
        .collect()
}
