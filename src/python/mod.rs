//! PyO3 bindings: the only module that knows about Python.
//!
//! Each binding resolves its input with `input.rs`, turns its keyword
//! arguments into the core's options with `options.rs`, releases the GIL
//! while Rust reads and parses, and converts the result. Errors and
//! problems become Python objects in `errors.rs`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::error::ErrorPolicy;
use crate::input::Source;
use crate::marc::reader::Reader;
use crate::options::Entry;
use crate::sink::summary;

mod batches;
mod errors;
mod export;
mod input;
mod options;
mod records;
mod split;
mod validate;
mod write;

/// Summarises a source through the bounded pipeline: counts, encodings,
/// record types, tags, problems, and where every byte went. Takes any input
/// `read_batches` takes and the summary's reading options (`errors`,
/// `encoding`, `encoding_errors`, `normalize`, `tags`, `where`, `threads`,
/// `batch_size`).
///
/// >>> import marcarrow
/// >>> s = marcarrow.summarize(marcarrow.SAMPLE)
/// >>> s["records"], s["tags"][0], s["problems"]
/// (386, ('035', 711), [])
/// >>> s["record_bytes"] + s["skipped_bytes"] + s["padding_bytes"] == s["bytes"]
/// True
#[pyfunction]
#[pyo3(signature = (source, **options))]
fn summarize<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = options::read_options(Entry::Summary, options::pairs(options)?)?;
    let (src, _) = input::source(py, source, options)?;
    let asked = opts.quarantine;
    let s = py
        .detach(|| summary::summarize(src, opts))
        .map_err(|e| errors::pipeline_err(py, e))?;
    let t = &s.tally;
    let d = PyDict::new(py);
    d.set_item("format", s.format.map(|f| f.as_str()))?;
    d.set_item("records", t.records)?;
    d.set_item("frames", s.frames)?;
    d.set_item("bytes", s.bytes)?;
    d.set_item("record_bytes", s.record_bytes)?;
    d.set_item("skipped_bytes", s.skipped_bytes)?;
    d.set_item("padding_bytes", s.padding_bytes())?;
    d.set_item("fields", t.fields)?;
    d.set_item("subfields", t.subfields)?;
    d.set_item(
        "encodings",
        t.encodings.clone().into_iter().collect::<Vec<_>>(),
    )?;
    let mut types: Vec<_> = t
        .record_types
        .iter()
        .map(|(c, n)| ((*c as char).to_string(), *n))
        .collect();
    types.sort();
    d.set_item("record_types", types)?;
    let mut tags: Vec<_> = t
        .tags
        .iter()
        .map(|(k, c)| (String::from_utf8_lossy(k).into_owned(), *c))
        .collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    d.set_item("tags", tags)?;
    let mut codes: Vec<_> = t
        .codes
        .iter()
        .map(|(k, c)| {
            let tag = String::from_utf8_lossy(&k[..3]);
            (format!("{tag}${}", k[3] as char), *c)
        })
        .collect();
    codes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    d.set_item("subfield_codes", codes)?;
    d.set_item("problems", errors::problems(py, &s.problems, None)?)?;
    d.set_item(
        "quarantined_bytes",
        crate::sink::quarantine::bytes(&s.quarantined),
    )?;
    d.set_item(
        "quarantine",
        errors::quarantine_item(py, asked, &s.quarantined)?,
    )?;
    match s.error {
        Some(e) => d.set_item("error", errors::to_pyerr(py, &e).value(py))?,
        None => d.set_item("error", py.None())?,
    }
    Ok(d)
}

/// Every record as plain Python values: a list of `(index, offset, leader,
/// fields)` where each field is `(tag, value)` for a control field or
/// `(tag, ind1, ind2, [(code, value), ...])` for a data field, plus the
/// list of problems. With `decode=False` (the test view compared with
/// pymarc's raw bytes) values of records that are not UTF-8 are their bytes
/// as Latin-1 characters; with `decode=True` they are decoded as
/// `encoding` says (bad bytes replaced and reported). At most `limit`
/// records. Raises the strict error, if any, after the records before it.
#[pyfunction]
#[pyo3(signature = (source, *, errors = "strict", decode = false, encoding = "auto", limit = None))]
fn _records<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    errors: &str,
    decode: bool,
    encoding: &str,
    limit: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    use crate::decode::{DecodeOptions, Decoded, EncodingErrors, EncodingMode};
    let policy = ErrorPolicy::parse(errors)
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("bad errors {errors:?}")))?;
    let mode = EncodingMode::parse(encoding).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("unknown encoding {encoding:?}"))
    })?;
    let (src, _) = input::source(py, source, None)?;
    let prepared = py
        .detach(|| src.prepare(None))
        .map_err(|e| errors::pipeline_err(py, e.into()))?;
    let options = crate::marc::record::ParseOptions {
        policy,
        encoding: if decode { mode } else { EncodingMode::Auto },
        encoding_errors: if decode {
            EncodingErrors::Replace
        } else {
            EncodingErrors::Strict
        },
        ..Default::default()
    };
    let held;
    let mut reader = match prepared.source {
        Source::Shared(b) => {
            held = b;
            Reader::from_slice_with(&held, options)
        }
        Source::Reader(r) => Reader::from_reader_with(r, options),
        Source::Seekable(_) | Source::Window(..) => unreachable!("prepare makes a stream"),
    };
    let out = PyList::empty(py);
    let latin1 = |b: &[u8]| -> String { b.iter().map(|&c| c as char).collect() };
    let mut decoded = Decoded::default();
    let mut replaced = Vec::new();
    let mut raised = None;
    while let Some(item) = reader.next_record()? {
        if limit.is_some_and(|n| out.len() >= n) {
            break;
        }
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                raised = Some(e);
                break;
            }
        };
        let r = item.record;
        let utf8 = r.text;
        let pos = crate::marc::record::RecordPos {
            index: item.index,
            offset: item.offset,
            ..Default::default()
        };
        let use_decoded = decode && !utf8;
        if use_decoded {
            let opts = DecodeOptions {
                errors: EncodingErrors::Replace,
                normalize: true,
                dialect: crate::marc::Dialect::Standard,
            };
            // Replace never fails; a failure would be a bug, shown as such.
            decoded
                .decode_record(&r, pos, opts, None, &mut replaced)
                .map_err(|e| errors::to_pyerr(py, &e))?;
        }
        let mut values = decoded.values(r.bytes);
        let mut value = |b: &[u8]| -> String {
            if use_decoded {
                String::from_utf8_lossy(values.next().unwrap_or_default()).into_owned()
            } else if utf8 {
                String::from_utf8_lossy(b).into_owned()
            } else {
                latin1(b)
            }
        };
        let fields = PyList::empty(py);
        for f in r.fields() {
            if f.is_control() {
                fields.append((f.tag.as_str(), value(f.data)))?;
            } else {
                let [i1, i2] = f.indicators();
                let subs = PyList::empty(py);
                for s in f.subfields() {
                    let code = if utf8 {
                        String::from_utf8_lossy(s.code).into_owned()
                    } else {
                        latin1(s.code)
                    };
                    subs.append((code, value(s.value)))?;
                }
                fields.append((
                    f.tag.as_str(),
                    (i1 as char).to_string(),
                    (i2 as char).to_string(),
                    subs,
                ))?;
            }
        }
        out.append((item.index, item.offset, latin1(r.leader()), fields))?;
    }
    if let Some(e) = raised {
        return Err(errors::to_pyerr(py, &e));
    }
    let all: Vec<_> = reader
        .problems()
        .iter()
        .chain(replaced.iter())
        .cloned()
        .collect();
    let problems = errors::problems(py, &all, None)?;
    PyTuple::new(py, [out.into_any(), problems.into_any()])
}

/// Test-only: decodes MARC-8 `data` and returns `(text, issues)`, each
/// issue `(offset, description)`. `pymarc=True` reproduces pymarc exactly
/// (unmapped characters become spaces, its quirks kept); otherwise the
/// standard reading with U+FFFD for unmapped characters.
#[pyfunction]
#[pyo3(signature = (data, *, pymarc = false, normalize = true))]
fn _marc8_decode(
    data: &[u8],
    pymarc: bool,
    normalize: bool,
) -> PyResult<(String, Vec<(usize, String)>)> {
    use crate::decode::marc8::{decode, Flavor, Options, Unmapped};
    let opts = Options {
        unmapped: if pymarc {
            Unmapped::Space
        } else {
            Unmapped::Replace
        },
        flavor: if pymarc {
            Flavor::Pymarc
        } else {
            Flavor::Standard
        },
        normalize,
    };
    let mut out = String::new();
    let mut issues = Vec::new();
    decode(data, opts, &mut out, &mut issues).map_err(|i| {
        pyo3::exceptions::PyUnicodeError::new_err(format!("byte {}: {}", i.offset, i.kind))
    })?;
    Ok((
        out,
        issues
            .into_iter()
            .map(|i| (i.offset, i.kind.to_string()))
            .collect(),
    ))
}

/// The native module `marcarrow._marcarrow`.
#[pymodule]
fn _marcarrow(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(_records, m)?)?;
    m.add_function(wrap_pyfunction!(_marc8_decode, m)?)?;
    m.add_function(wrap_pyfunction!(options::_read_options, m)?)?;
    m.add_function(wrap_pyfunction!(batches::read_batches, m)?)?;
    m.add_function(wrap_pyfunction!(split::_splits, m)?)?;
    m.add_function(wrap_pyfunction!(validate::_validate, m)?)?;
    m.add_function(wrap_pyfunction!(validate::_validation_rules, m)?)?;
    m.add_function(wrap_pyfunction!(export::_to_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(write::_write_marc, m)?)?;
    m.add_function(wrap_pyfunction!(write::_convert, m)?)?;
    m.add_function(wrap_pyfunction!(write::_encode_record, m)?)?;
    m.add_class::<batches::PyBatchReader>()?;
    m.add_function(wrap_pyfunction!(records::_record_blocks, m)?)?;
    m.add_class::<records::PyBlock>()?;
    m.add_class::<records::PyBlockReader>()?;
    Ok(())
}
