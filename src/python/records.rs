//! The record iterator's native half: the pipeline's nested batches as
//! [`PyBlock`]s that Python `Record` and `Field` objects index into lazily.
//!
//! A `Record` is a block and a row; a `Field` is a block and a field index
//! (a position in the batch's flattened field list). Nothing is copied
//! into Python objects until Python asks for it, so a loop that reads one
//! subfield per record creates one string per record, not one per field.

use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StringArray, UInt64Array};
use arrow_buffer::OffsetBuffer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::error::Problem;
use crate::pipeline::{self, BatchStream};

use crate::marc::Dialect;
use crate::options::Entry;

use super::{errors, input, options};

/// One nested batch, indexed by row (record) and by field index.
#[pyclass(module = "marcarrow._marcarrow", name = "_Block", frozen)]
pub struct PyBlock {
    leader: StringArray,
    record_index: UInt64Array,
    byte_offset: UInt64Array,
    fields: OffsetBuffer<i32>,
    tag: StringArray,
    ind1: StringArray,
    ind2: StringArray,
    value: StringArray,
    subfields: OffsetBuffer<i32>,
    code: StringArray,
    text: StringArray,
    /// Rows whose subfield codes were folded to ASCII, with the original
    /// code and value.
    odd: Vec<(usize, String)>,
    /// The chunk's input bytes and the source offset of the first.
    raw: Option<(bytes::Bytes, u64)>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> PyResult<&'a Arc<dyn Array>> {
    batch
        .column_by_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("batch has no column {name:?}")))
}

fn strings(a: &Arc<dyn Array>) -> PyResult<StringArray> {
    a.as_string_opt::<i32>()
        .cloned()
        .ok_or_else(|| PyValueError::new_err("expected a string column"))
}

/// pymarc's reading of a non-ASCII subfield code: the first ASCII
/// character of the NFKD form of code and value together. Also returns,
/// for each code it changed, the subfield index and the original
/// code and value (for pymarc's warning).
fn fold_codes(code: &StringArray, text: &StringArray) -> (StringArray, Vec<(usize, String)>) {
    use unicode_normalization::UnicodeNormalization;
    if code.value_data().is_ascii() {
        return (code.clone(), Vec::new());
    }
    let mut odd = Vec::new();
    let folded = (0..code.len())
        .map(|i| {
            let c = code.value(i);
            if c.is_ascii() {
                return Some(c.to_string());
            }
            // A multi-byte code from a record that is not UTF-8 is one
            // UTF-8 character read byte by byte as ISO 8859-1 (see
            // `ParseOptions::pymarc`): pymarc reads it as that character.
            let c = if c.chars().count() > 1 && c.chars().all(|ch| (ch as u32) < 256) {
                let raw: Vec<u8> = c.chars().map(|ch| ch as u8).collect();
                String::from_utf8(raw).unwrap_or_else(|_| c.to_string())
            } else {
                c.to_string()
            };
            let both = format!("{c}{}", text.value(i));
            let f: String = both.nfkd().filter(char::is_ascii).take(1).collect();
            odd.push((i, both));
            Some(if f.is_empty() { c } else { f })
        })
        .collect();
    (folded, odd)
}

impl PyBlock {
    fn new(batch: &RecordBatch, pymarc: bool, raw: Option<(bytes::Bytes, u64)>) -> PyResult<Self> {
        let fields = column(batch, "fields")?.as_list::<i32>();
        let items = fields.values().as_struct();
        let subs = items
            .column_by_name("subfields")
            .ok_or_else(|| PyValueError::new_err("fields have no subfields"))?
            .as_list::<i32>();
        let sub_items = subs.values().as_struct();
        let child = |s: &arrow_array::StructArray, name: &str| -> PyResult<StringArray> {
            strings(
                s.column_by_name(name)
                    .ok_or_else(|| PyValueError::new_err(format!("no child {name:?}")))?,
            )
        };
        let text = child(sub_items, "value")?;
        let (code, odd) = if pymarc {
            fold_codes(&child(sub_items, "code")?, &text)
        } else {
            (child(sub_items, "code")?, Vec::new())
        };
        let sub_offsets = subs.offsets().clone();
        let field_offsets = fields.offsets().clone();
        let odd = odd
            .into_iter()
            .map(|(si, original)| {
                let fi = sub_offsets.partition_point(|&o| o as usize <= si) - 1;
                let row = field_offsets.partition_point(|&o| o as usize <= fi) - 1;
                (row, original)
            })
            .collect();
        Ok(PyBlock {
            leader: strings(column(batch, "leader")?)?,
            record_index: column(batch, "record_index")?
                .as_primitive::<arrow_array::types::UInt64Type>()
                .clone(),
            byte_offset: column(batch, "byte_offset")?
                .as_primitive::<arrow_array::types::UInt64Type>()
                .clone(),
            fields: fields.offsets().clone(),
            tag: child(items, "tag")?,
            ind1: child(items, "ind1")?,
            ind2: child(items, "ind2")?,
            value: child(items, "value")?,
            subfields: subs.offsets().clone(),
            code,
            text,
            odd,
            raw,
        })
    }

    fn field_span(&self, row: usize) -> PyResult<(usize, usize)> {
        if row + 1 >= self.fields.len() {
            return Err(pyo3::exceptions::PyIndexError::new_err("row out of range"));
        }
        Ok((self.fields[row] as usize, self.fields[row + 1] as usize))
    }

    fn sub_span(&self, fi: usize) -> PyResult<(usize, usize)> {
        if fi + 1 >= self.subfields.len() {
            return Err(pyo3::exceptions::PyIndexError::new_err(
                "field out of range",
            ));
        }
        Ok((self.subfields[fi] as usize, self.subfields[fi + 1] as usize))
    }

    fn opt(a: &StringArray, i: usize) -> Option<&str> {
        a.is_valid(i).then(|| a.value(i))
    }
}

#[pymethods]
impl PyBlock {
    fn __len__(&self) -> usize {
        self.leader.len()
    }

    /// The leader of record `row`.
    fn leader<'py>(&self, py: Python<'py>, row: usize) -> Bound<'py, PyString> {
        PyString::new(py, self.leader.value(row))
    }

    /// The raw bytes of the record starting at source offset `offset`, as
    /// pymarc's reader holds them: the length in the first five bytes, then
    /// the rest up to that length (just the five bytes if they are not a
    /// number). `None` when `offset` is not in this block's chunk.
    fn chunk<'py>(&self, py: Python<'py>, offset: u64) -> Option<Bound<'py, PyBytes>> {
        let (raw, base) = self.raw.as_ref()?;
        let at = usize::try_from(offset.checked_sub(*base)?).ok()?;
        if at >= raw.len() {
            return None;
        }
        let rest = &raw[at..];
        let head = &rest[..rest.len().min(5)];
        let len = std::str::from_utf8(head)
            .ok()
            .filter(|h| h.len() == 5 && h.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|h| h.parse::<usize>().ok())
            .unwrap_or(head.len())
            .max(head.len());
        Some(PyBytes::new(py, &rest[..len.min(rest.len())]))
    }

    /// The raw bytes of record `row` (see [`PyBlock::chunk`]).
    fn raw_record<'py>(&self, py: Python<'py>, row: usize) -> Option<Bound<'py, PyBytes>> {
        self.chunk(py, self.byte_offset.value(row))
    }

    /// `(row, original code and value)` for each non-ASCII subfield code
    /// read as pymarc reads it (empty unless the batch has one).
    fn odd_codes(&self) -> Vec<(usize, String)> {
        self.odd.clone()
    }

    /// `(record_index, byte_offset)` of record `row` in its source.
    fn position(&self, row: usize) -> (u64, u64) {
        (self.record_index.value(row), self.byte_offset.value(row))
    }

    /// Record indexes of every row, in order.
    fn record_indexes(&self) -> Vec<u64> {
        self.record_index.values().to_vec()
    }

    /// `(first, end)` field indexes of record `row`.
    fn span(&self, row: usize) -> PyResult<(usize, usize)> {
        self.field_span(row)
    }

    /// The first field of record `row` tagged `tag`, or `None`.
    fn find(&self, row: usize, tag: &str) -> PyResult<Option<usize>> {
        let (a, b) = self.field_span(row)?;
        Ok((a..b).find(|&i| self.tag.value(i) == tag))
    }

    /// Every field of record `row` tagged `tag`, in order.
    fn find_all(&self, row: usize, tag: &str) -> PyResult<Vec<usize>> {
        let (a, b) = self.field_span(row)?;
        Ok((a..b).filter(|&i| self.tag.value(i) == tag).collect())
    }

    /// Every field of record `row` whose tag is one of `tags`, in order,
    /// as `(field index, tag)` pairs.
    fn find_any<'py>(
        &self,
        py: Python<'py>,
        row: usize,
        tags: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (a, b) = self.field_span(row)?;
        let wanted: smallvec::SmallVec<[pyo3::pybacked::PyBackedStr; 8]> =
            tags.iter().map(|t| t.extract()).collect::<PyResult<_>>()?;
        let out = PyList::empty(py);
        for i in a..b {
            let t = self.tag.value(i);
            if wanted.iter().any(|x| &**x == t) {
                out.append((i, PyString::intern(py, t)))?;
            }
        }
        Ok(out)
    }

    /// The tags of record `row`, interned.
    fn tags<'py>(&self, py: Python<'py>, row: usize) -> PyResult<Bound<'py, PyList>> {
        let (a, b) = self.field_span(row)?;
        PyList::new(py, (a..b).map(|i| PyString::intern(py, self.tag.value(i))))
    }

    /// Field `fi` as `(tag, data, ind1, ind2)`: `data` for a control field
    /// (else `None`); indicators `None` for a control field.
    fn head<'py>(&self, py: Python<'py>, fi: usize) -> PyResult<Bound<'py, PyTuple>> {
        let tag = PyString::intern(py, self.tag.value(fi));
        PyTuple::new(
            py,
            [
                tag.into_any(),
                Self::opt(&self.value, fi).into_pyobject(py)?.into_any(),
                Self::opt(&self.ind1, fi).into_pyobject(py)?.into_any(),
                Self::opt(&self.ind2, fi).into_pyobject(py)?.into_any(),
            ],
        )
    }

    /// The data of control field `fi` (`None` for a data field).
    fn value(&self, fi: usize) -> Option<&str> {
        Self::opt(&self.value, fi)
    }

    /// The subfields of field `fi` as a list of `(code, value)` pairs.
    fn subfields<'py>(&self, py: Python<'py>, fi: usize) -> PyResult<Bound<'py, PyList>> {
        let (a, b) = self.sub_span(fi)?;
        let out = PyList::empty(py);
        for i in a..b {
            let pair = (PyString::intern(py, self.code.value(i)), self.text.value(i));
            out.append(pair)?;
        }
        Ok(out)
    }

    /// The first value of subfield `code` in field `fi`, or `None`.
    fn subfield(&self, fi: usize, code: &str) -> PyResult<Option<&str>> {
        let (a, b) = self.sub_span(fi)?;
        Ok((a..b)
            .find(|&i| self.code.value(i) == code)
            .map(|i| self.text.value(i)))
    }

    /// Every value of the subfields of field `fi` whose code is in `codes`.
    fn subfield_values(&self, fi: usize, codes: Vec<String>) -> PyResult<Vec<&str>> {
        let (a, b) = self.sub_span(fi)?;
        Ok((a..b)
            .filter(|&i| {
                let c = self.code.value(i);
                codes.iter().any(|x| x == c)
            })
            .map(|i| self.text.value(i))
            .collect())
    }
}

/// The pipeline as a stream of [`PyBlock`]s, with the problems each one
/// brought (the problems reported since the previous block).
#[pyclass(module = "marcarrow._marcarrow", name = "_BlockReader")]
pub struct PyBlockReader {
    stream: Mutex<Option<BatchStream>>,
    problems: Arc<Mutex<Vec<Problem>>>,
    seen: Mutex<usize>,
    pymarc: bool,
}

#[pymethods]
impl PyBlockReader {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// `(block, problems)`: the next block (or `None` at the end, when the
    /// last problems may still arrive) and the problems reported since
    /// the previous call, as `marcarrow.Problem`s. Raises on a pipeline failure.
    fn __next__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Option<PyBlock>, Bound<'py, PyList>)>> {
        let mut guard = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let Some(stream) = guard.as_mut() else {
            return Ok(None);
        };
        let item = py.detach(|| stream.next());
        let block = match item {
            Some(Ok(b)) => Some(PyBlock::new(&b, self.pymarc, stream.take_raw())?),
            Some(Err(e)) => {
                *guard = None;
                return Err(errors::pipeline_err(py, e));
            }
            None => {
                *guard = None;
                None
            }
        };
        let fresh = {
            let problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let fresh = problems[*seen..].to_vec();
            *seen = problems.len();
            fresh
        };
        let fresh = errors::problems(py, &fresh, None)?;
        Ok(Some((block, fresh)))
    }

    /// Stops reading and frees the pipeline.
    fn close(&self) {
        self.stream.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Starts the pipeline for the record iterator: nested layout, plain
/// strings, provenance and chunk bytes kept, in pymarc's dialect when
/// `pymarc` is set. Takes the reading options of the record iterator
/// (`errors`, `encoding`, `encoding_errors`, `normalize`, `threads`,
/// `batch_size`).
#[pyfunction]
#[pyo3(signature = (source, *, pymarc = true, **options))]
pub(crate) fn _record_blocks(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    pymarc: bool,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyBlockReader> {
    let dialect = if pymarc {
        Dialect::Pymarc
    } else {
        Dialect::Standard
    };
    let opts =
        options::read_options(Entry::Records, options::pairs(options)?)?.for_records(dialect);
    let (src, _) = input::source(py, source, options)?;
    let stream = pipeline::start(src, opts).map_err(|e| errors::pipeline_err(py, e))?;
    Ok(PyBlockReader {
        problems: stream.problems(),
        stream: Mutex::new(Some(stream)),
        seen: Mutex::new(0),
        pymarc,
    })
}
