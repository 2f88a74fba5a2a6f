//! A summary of a source: what `python -m marcarrow` prints.

use std::collections::HashMap;

use crate::error::{ErrorPolicy, MarcError, Problem};
use crate::reader::Reader;

/// Counts gathered over a whole source.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Records delivered.
    pub records: u64,
    /// Frames seen, delivered or not.
    pub frames: u64,
    /// Bytes consumed.
    pub bytes: u64,
    /// Fields delivered.
    pub fields: u64,
    /// Subfields delivered.
    pub subfields: u64,
    /// Records per encoding (`"utf-8"`, `"marc-8/other"`).
    pub encodings: HashMap<&'static str, u64>,
    /// Records per record type (leader/06).
    pub record_types: HashMap<char, u64>,
    /// Occurrences per tag.
    pub tags: HashMap<String, u64>,
    /// Occurrences per tag and subfield code, as `"245$a"`.
    pub subfield_codes: HashMap<String, u64>,
    /// Every problem reported (repairs, skips, and a raised error).
    pub problems: Vec<Problem>,
    /// Under the strict policy, the error that stopped the reading.
    pub error: Option<MarcError>,
}

impl Summary {
    /// The `n` most frequent tags, most frequent first (ties by tag).
    pub fn top_tags(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<_> = self.tags.iter().map(|(t, c)| (t.clone(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

/// Reads every record of `reader` and counts what it holds.
pub fn summarize(mut reader: Reader<'_>) -> std::io::Result<Summary> {
    let mut s = Summary::default();
    let mut tags: HashMap<[u8; 3], u64> = HashMap::new();
    let mut codes: HashMap<[u8; 4], u64> = HashMap::new();
    while let Some(item) = reader.next_record()? {
        match item {
            Ok(item) => {
                let r = item.record;
                s.records += 1;
                *s.encodings.entry(r.encoding.as_str()).or_default() += 1;
                *s.record_types.entry(r.leader()[6] as char).or_default() += 1;
                for f in r.fields() {
                    s.fields += 1;
                    *tags.entry(f.tag.0).or_default() += 1;
                    if !f.is_control() {
                        for sf in f.subfields() {
                            s.subfields += 1;
                            let t = f.tag.0;
                            *codes.entry([t[0], t[1], t[2], sf.code[0]]).or_default() += 1;
                        }
                    }
                }
            }
            Err(e) => s.error = Some(e),
        }
    }
    s.tags = tags
        .into_iter()
        .map(|(t, c)| (String::from_utf8_lossy(&t).into_owned(), c))
        .collect();
    s.subfield_codes = codes
        .into_iter()
        .map(|(k, c)| {
            let tag = String::from_utf8_lossy(&k[..3]);
            (format!("{tag}${}", k[3] as char), c)
        })
        .collect();
    s.frames = reader.frames_seen();
    s.bytes = reader.bytes_consumed();
    s.problems = reader.problems().to_vec();
    Ok(s)
}

/// Summarises an in-memory source under `policy`.
pub fn summarize_slice(buf: &[u8], policy: ErrorPolicy) -> Summary {
    summarize(Reader::from_slice(buf, policy)).expect("a slice cannot fail to read")
}
