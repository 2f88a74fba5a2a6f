//! The MARC writers from Rust: byte-exact ISO 2709 round trips on real
//! files, both layouts, every format read back, bad tables, oversize,
//! interruption.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::RecordBatch;
use marcarrow::arrow::Layout;
use marcarrow::input::{Compression, Source};
use marcarrow::pipeline;
use marcarrow::sink::write::{
    Dest, MarcWriter, OversizePolicy, WriteError, WriteFormat, WriteOptions,
};
use marcarrow::{ErrorPolicy, ReadOptions};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("marcarrow-write-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(d: &[u8], opts: ReadOptions) -> (Vec<RecordBatch>, HashSet<u64>) {
    let mut s = pipeline::start(Source::Shared(d.to_vec().into()), opts).unwrap();
    let batches: Vec<_> = s.by_ref().map(Result::unwrap).collect();
    let bad = s
        .problems()
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.error.record_index)
        .collect();
    (batches, bad)
}

fn write(batches: &[RecordBatch], path: &Path, opts: WriteOptions) -> Result<u64, WriteError> {
    let mut w = MarcWriter::new(
        Dest::file(path, Compression::from_extension(&path.to_string_lossy()))?,
        opts,
    )?;
    for b in batches {
        w.write(b)?;
    }
    Ok(w.finish()?.records)
}

/// Every UTF-8 record read without a problem is written back byte for byte.
#[test]
fn iso2709_round_trip_is_byte_exact_on_real_files() {
    let out = dir("exact");
    let files = [
        "loc-bib-386.mrc",
        "loc-auth-150.mrc",
        "ia-edge-50.mrc",
        "pride-many-errors-383.mrc",
        "pymarc/utf8_with_leader_flag.dat",
        "pymarc/1251.dat",
    ];
    let mut checked = 0;
    for name in files {
        let Some(d) = common::data(name) else { return };
        let opts = ReadOptions {
            policy: ErrorPolicy::Skip,
            provenance: true,
            ..Default::default()
        };
        let (batches, bad) = read(&d, opts);
        let path = out.join("x.mrc");
        let mut w = WriteOptions::new(WriteFormat::Iso2709);
        w.oversize = OversizePolicy::Skip;
        write(&batches, &path, w).unwrap();
        let written = std::fs::read(&path).unwrap();
        let mut at = 0;
        let mut differ = Vec::new();
        for b in &batches {
            let idx = b
                .column_by_name("record_index")
                .unwrap()
                .as_primitive::<UInt64Type>();
            let off = b
                .column_by_name("byte_offset")
                .unwrap()
                .as_primitive::<UInt64Type>();
            for i in 0..b.num_rows() {
                let o = off.value(i) as usize;
                let len: usize = std::str::from_utf8(&d[o..o + 5]).unwrap().parse().unwrap();
                let n: usize = std::str::from_utf8(&written[at..at + 5])
                    .unwrap()
                    .parse()
                    .unwrap();
                let (orig, mine) = (&d[o..o + len], &written[at..at + n]);
                at += n;
                if d[o + 9] != b'a' || bad.contains(&idx.value(i)) {
                    continue;
                }
                checked += 1;
                if orig != mine {
                    differ.push(idx.value(i));
                }
            }
        }
        assert_eq!(at, written.len());
        assert!(differ.is_empty(), "{name}: records {differ:?} differ");
    }
    eprintln!("{checked} records byte-exact");
    assert!(checked > 500);
}

fn all(batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
}

fn loc() -> Option<Vec<u8>> {
    common::data("loc-bib-386.mrc")
}

/// The long layout, cut into batches anywhere (a record's rows split
/// across two), writes the same bytes as the nested one.
#[test]
fn long_layout_regrouped_across_batch_boundaries() {
    let Some(d) = loc() else { return };
    let out = dir("long");
    let (nested, _) = read(&d, ReadOptions::default());
    let a = out.join("nested.mrc");
    write(&nested, &a, WriteOptions::new(WriteFormat::Iso2709)).unwrap();
    let (long, _) = read(
        &d,
        ReadOptions {
            layout: Layout::Long,
            ..Default::default()
        },
    );
    let long = all(&long);
    for step in [1, 13, 997, long.num_rows()] {
        let pieces: Vec<_> = (0..long.num_rows())
            .step_by(step)
            .map(|s| long.slice(s, step.min(long.num_rows() - s)))
            .collect();
        let b = out.join("long.mrc");
        assert_eq!(
            write(&pieces, &b, WriteOptions::new(WriteFormat::Iso2709)).unwrap(),
            386
        );
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "step {step}"
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), d);
}

/// Each text format (and compressed variants) reads back to the same table.
#[test]
fn every_format_reads_back_the_same_records() {
    let Some(d) = loc() else { return };
    let out = dir("formats");
    let (batches, _) = read(&d, ReadOptions::default());
    let want = all(&batches);
    for name in [
        "x.xml",
        "x.json",
        "x.jsonl",
        "x.mrk",
        "x.mrc.gz",
        "x.xml.zst",
        "x.mrk.bz2",
    ] {
        let path = out.join(name);
        let (format, _) = WriteFormat::from_path(&path);
        assert_eq!(
            write(&batches, &path, WriteOptions::new(format.unwrap())).unwrap(),
            386
        );
        let bytes = std::fs::read(&path).unwrap();
        let (back, bad) = read(&bytes, ReadOptions::default());
        assert!(bad.is_empty(), "{name}: problems reading back");
        assert_eq!(all(&back), want, "{name}");
    }
}

/// Records repaired under `lenient` are written repaired: a strict read of
/// the output finds nothing wrong.
#[test]
fn repaired_records_are_written_well_formed() {
    for name in ["pride-many-errors-383.mrc", "hathi-oversize-5.mrc"] {
        let Some(d) = common::data(name) else { return };
        let out = dir("repaired");
        let (batches, bad) = read(
            &d,
            ReadOptions {
                policy: ErrorPolicy::Lenient,
                ..Default::default()
            },
        );
        assert!(!bad.is_empty());
        let n: usize = batches.iter().map(|b| b.num_rows()).sum();
        for file in ["r.mrc", "r.xml"] {
            let path = out.join(file);
            let mut w = WriteOptions::new(WriteFormat::from_path(&path).0.unwrap());
            w.oversize = OversizePolicy::Skip;
            let written = write(&batches, &path, w).unwrap() as usize;
            let (back, bad) = read(&std::fs::read(&path).unwrap(), ReadOptions::default());
            assert!(bad.is_empty(), "{name} as {file}");
            assert_eq!(back.iter().map(|b| b.num_rows()).sum::<usize>(), written);
            if file.ends_with(".xml") {
                assert_eq!(written, n, "MARCXML has no length limit");
                assert_eq!(all(&back).column(1), all(&batches).column(1));
            }
        }
    }
}

/// Records over 99,999 bytes: an error naming the row and 001, and no
/// file; or, under `skip`, a problem each.
#[test]
fn oversize_records_error_or_are_skipped() {
    let Some(d) = common::data("hathi-oversize-5.mrc") else {
        return;
    };
    let out = dir("oversize");
    let (batches, _) = read(
        &d,
        ReadOptions {
            policy: ErrorPolicy::Lenient,
            ..Default::default()
        },
    );
    let path = out.join("big.mrc");
    let e = write(&batches, &path, WriteOptions::new(WriteFormat::Iso2709)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, WriteError::Unfit { .. }), "{msg}");
    assert!(
        msg.contains("row ") && msg.contains("001") && msg.contains("MARCXML"),
        "{msg}"
    );
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "a temporary file was left"
    );
    let mut w = WriteOptions::new(WriteFormat::Iso2709);
    w.oversize = OversizePolicy::Skip;
    let mut mw = MarcWriter::new(Dest::file(&path, Compression::None).unwrap(), w).unwrap();
    for b in &batches {
        mw.write(b).unwrap();
    }
    let s = mw.finish().unwrap();
    assert!(!s.problems.is_empty());
    assert_eq!(s.records + s.problems.len() as u64, 5);
    for p in &s.problems {
        assert_eq!(p.error.kind.name(), "Oversize");
    }
}

/// Values full of each format's markup come back exactly.
#[test]
fn markup_in_values_round_trips_in_every_format() {
    use marcarrow::sink::write::{encode_record, record::Parts};
    let nasty = [
        "a $b {dollar} {lcub} \\ back\\slash",
        "<tag attr=\"x\"> & &amp; 'q' ]]>",
        "tab\there, CR\rthere, LF\nthere",
        "  leading and trailing spaces  ",
        "caf\u{e9} \u{41c}\u{43e}\u{441}\u{43a}\u{432}\u{430} \u{1F600}",
        "",
    ];
    let leader = "00000nam a2200000 a 4500";
    for format in ["x.mrc", "x.xml", "x.json", "x.jsonl", "x.mrk"] {
        let (f, _) = WriteFormat::from_path(Path::new(format));
        let opts = WriteOptions::new(f.unwrap());
        let mut out = Vec::new();
        for v in nasty {
            let mut parts = Parts::default();
            parts.control("001", "  id \\ $1 ");
            parts.data("245", "1", " ");
            parts.subfield("a", v);
            parts.subfield("$", "code is a dollar");
            parts.end_field();
            parts.data("500", " ", "\\");
            parts.end_field();
            if !out.is_empty() {
                out.extend_from_slice(match f.unwrap() {
                    WriteFormat::Json => b",\n",
                    WriteFormat::Mrk => b"\n",
                    _ => b"",
                });
            }
            encode_record(&parts.record(leader), &opts, &mut out).unwrap();
            if f == Some(WriteFormat::Ndjson) {
                out.push(b'\n');
            }
        }
        let whole = match f.unwrap() {
            WriteFormat::MarcXml => [
                &b"<?xml version=\"1.0\"?><collection xmlns=\"http://www.loc.gov/MARC21/slim\">"[..],
                &out,
                b"</collection>",
            ]
            .concat(),
            WriteFormat::Json => [&b"["[..], &out, b"]"].concat(),
            _ => out.clone(),
        };
        let (batches, bad) = read(&whole, ReadOptions::default());
        assert!(bad.is_empty(), "{format}");
        let t = all(&batches);
        let fields = t.column(1).as_list::<i32>();
        assert_eq!(t.num_rows(), nasty.len(), "{format}");
        for (row, v) in nasty.iter().enumerate() {
            let f = fields.value(row);
            let f = f.as_struct();
            let value = f.column_by_name("value").unwrap().as_string::<i32>();
            assert_eq!(value.value(0), "  id \\ $1 ", "{format}");
            let subs = f
                .column_by_name("subfields")
                .unwrap()
                .as_list::<i32>()
                .value(1);
            let subs = subs.as_struct();
            let codes = subs.column(0).as_string::<i32>();
            let values = subs.column(1).as_string::<i32>();
            // XML normalises nothing we wrote: CR comes back through its
            // character reference.
            assert_eq!(values.value(0), *v, "{format}: row {row}");
            assert_eq!(
                (codes.value(1), values.value(1)),
                ("$", "code is a dollar"),
                "{format}"
            );
            let ind2 = f.column_by_name("ind2").unwrap().as_string::<i32>();
            assert_eq!(ind2.value(2), "\\", "{format}: a backslash indicator");
        }
    }
}
