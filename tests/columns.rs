//! The `columns` layout and `where` predicates through the pipeline agree
//! with the lossless `long` layout of the same records (UTF-8 and MARC-8).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, RecordBatch};
use common::data;
use marcarrow::arrow::columns::Columns;
use marcarrow::arrow::{Layout, StringType};
use marcarrow::input::Source;
use marcarrow::pipeline;
use marcarrow::select::predicate::Predicate;
use marcarrow::ReadOptions;

fn read(d: &[u8], opts: ReadOptions) -> Vec<RecordBatch> {
    let stream = pipeline::start(Source::Shared(bytes::Bytes::copy_from_slice(d)), opts).unwrap();
    stream.map(|b| b.unwrap()).collect()
}

/// Per record index: (tag, code, value) rows of the long layout.
type Long = BTreeMap<u64, Vec<(String, Option<String>, Option<String>)>>;

fn long(d: &[u8]) -> Long {
    let mut out = Long::new();
    let opts = ReadOptions {
        layout: Layout::Long,
        batch_size: 100,
        ..Default::default()
    };
    for b in read(d, opts) {
        let idx = b.column(0).as_primitive::<UInt64Type>();
        let tag = b.column(2).as_string::<i32>();
        let code = b.column(6).as_string::<i32>();
        let value = b.column(7).as_string::<i32>();
        for i in 0..b.num_rows() {
            let opt =
                |a: &arrow_array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            out.entry(idx.value(i)).or_default().push((
                tag.value(i).to_string(),
                opt(code),
                opt(value),
            ));
        }
    }
    out
}

fn subfield(rows: &[(String, Option<String>, Option<String>)], t: &str, c: &str) -> Vec<String> {
    rows.iter()
        .filter(|(tag, code, _)| tag == t && code.as_deref() == Some(c))
        .filter_map(|(_, _, v)| v.clone())
        .collect()
}

fn lang(rows: &[(String, Option<String>, Option<String>)]) -> Option<String> {
    rows.iter()
        .find(|(t, _, _)| t == "008")
        .and_then(|(_, _, v)| v.as_ref())
        .and_then(|v| {
            let c: Vec<char> = v.chars().collect();
            (c.len() > 35).then(|| c[35..c.len().min(38)].iter().collect())
        })
}

fn check(name: &str, strings: StringType) {
    let Some(d) = data(name) else { return };
    let reference = long(&d);
    let cols = Columns::new([
        ("subjects", "650$a"),
        ("title", "245$a[0]"),
        ("lang", "008/35-37[0]"),
    ])
    .unwrap();
    let pred = Predicate::parse("008/35-37 == 'eng' and has 650").unwrap();
    let opts = ReadOptions {
        strings,
        batch_size: 64,
        provenance: true,
        columns: Some(Arc::new(cols)),
        predicate: Some(Arc::new(pred)),
        ..Default::default()
    };
    let want: Vec<u64> = reference
        .iter()
        .filter(|(_, rows)| {
            lang(rows).as_deref() == Some("eng") && rows.iter().any(|(t, _, _)| t == "650")
        })
        .map(|(i, _)| *i)
        .collect();
    assert!(!want.is_empty() && want.len() < reference.len(), "{name}");
    let mut got = Vec::new();
    for b in read(&d, opts) {
        let text = |i: usize, row: usize| -> Option<String> {
            let a = b.column(i);
            if a.is_null(row) {
                return None;
            }
            Some(match strings {
                StringType::Plain => a.as_string::<i32>().value(row).to_string(),
                StringType::View => a.as_string_view().value(row).to_string(),
            })
        };
        let idx = b.column(0).as_primitive::<UInt64Type>();
        let subjects = b.column(3).as_list::<i32>();
        for row in 0..b.num_rows() {
            let i = idx.value(row);
            let rows = &reference[&i];
            let list = subjects.value(row);
            let list: Vec<String> = (0..list.len())
                .map(|k| match strings {
                    StringType::Plain => list.as_string::<i32>().value(k).to_string(),
                    StringType::View => list.as_string_view().value(k).to_string(),
                })
                .collect();
            assert_eq!(list, subfield(rows, "650", "a"), "{name} record {i}");
            assert_eq!(
                text(4, row),
                subfield(rows, "245", "a").into_iter().next(),
                "{name} record {i}"
            );
            assert_eq!(text(5, row).as_deref(), Some("eng"));
            got.push(i);
        }
    }
    assert_eq!(got, want, "{name}: record_index is the index in the input");
}

#[test]
fn columns_and_where_agree_with_the_long_layout() {
    for strings in [StringType::Plain, StringType::View] {
        check("loc-bib-386.mrc", strings);
        check("uva-marc8-2000.mrc", strings);
    }
}
