//! `read_batches`: the pipeline as a Python iterator and Arrow stream.

use std::io::Read;
use std::sync::{Arc, Mutex};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString};
use pyo3_arrow::{PyRecordBatch, PyRecordBatchReader, PySchema};

use crate::arrow::{Layout, StringType};
use crate::decode::{DecodeOptions, EncodingErrors, EncodingMode};
use crate::error::{ErrorPolicy, Problem};
use crate::pipeline::{self, BatchStream, PipelineError, PipelineOptions, Source};
use crate::source;

use super::errors;

const ACCEPTED: &str = "str or os.PathLike (a path), bytes, bytearray, memoryview, \
    a binary file object (open(..., 'rb'), io.BytesIO, anything with readinto or read), \
    or a socket.socket";

/// Reads a Python binary file object (or socket) in large blocks, taking
/// the GIL once per block.
struct PyRead {
    obj: Py<PyAny>,
    socket: bool,
}

impl Read for PyRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            let obj = self.obj.bind(py);
            let method = if self.socket { "recv" } else { "read" };
            let data = obj
                .call_method1(method, (buf.len(),))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            if data.is_none() {
                // A non-blocking stream with nothing ready: read again.
                return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
            }
            let b = data
                .cast::<PyBytes>()
                .map_err(|_| std::io::Error::other("read() did not return bytes"))?;
            let b = b.as_bytes();
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            Ok(n)
        })
    }
}

/// A contiguous byte memoryview over an immutable `bytes` object, borrowed
/// without copying: the reader keeps the `bytes` alive and reads the
/// memoryview's window of it. `None` for any other memoryview.
fn memoryview_of_bytes(mv: &Bound<'_, PyAny>) -> PyResult<Option<Source>> {
    let base = mv.getattr("obj")?;
    let Ok(base) = base.cast::<PyBytes>() else {
        return Ok(None);
    };
    let contiguous: bool = mv.getattr("c_contiguous")?.extract()?;
    let itemsize: usize = mv.getattr("itemsize")?.extract()?;
    if !contiguous || itemsize != 1 {
        return Ok(None);
    }
    let buf = pyo3::buffer::PyBuffer::<u8>::get(mv)?;
    let whole = base.as_bytes();
    // Address arithmetic only: where the window starts inside the bytes.
    let start = (buf.buf_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let len = buf.len_bytes();
    if start > whole.len() || len > whole.len() - start {
        return Ok(None);
    }
    let backed: PyBackedBytes = base.clone().into();
    let data = bytes::Bytes::from_owner(backed).slice(start..start + len);
    Ok(Some(source::from_shared(data)?))
}

/// One type detection for every input; see `ACCEPTED`.
pub(crate) fn detect_source(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    let shared = |v: Vec<u8>| -> PyResult<Source> { Ok(source::from_shared(v.into())?) };
    if let Ok(b) = obj.cast::<PyBytes>() {
        // Immutable: shared with the workers without a copy.
        let backed: PyBackedBytes = b.clone().into();
        return Ok(source::from_shared(bytes::Bytes::from_owner(backed))?);
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        // Mutable: a writer could change it under us, so copy once.
        return shared(b.to_vec());
    }
    if obj.is_instance_of::<PyMemoryView>() {
        if let Some(src) = memoryview_of_bytes(obj)? {
            return Ok(src);
        }
        // Over a mutable object (or not contiguous bytes): copy once.
        let data: Vec<u8> = obj.call_method0("tobytes")?.extract()?;
        return shared(data);
    }
    let os = py.import("os")?;
    if obj.is_instance_of::<PyString>() || obj.is_instance(&os.getattr("PathLike")?)? {
        let path: std::path::PathBuf = os.call_method1("fsdecode", (obj,))?.extract()?;
        let path2 = path.clone();
        return py
            .detach(move || source::open_path(&path2))
            .map_err(|e| errors::io_error(e, &path));
    }
    let io = py.import("io")?;
    if obj.is_instance(&io.getattr("TextIOBase")?)? {
        return Err(PyTypeError::new_err(
            "marcarrow reads bytes, but this file was opened in text mode: open it with 'rb'",
        ));
    }
    if obj.is_instance(&io.getattr("BytesIO")?)? {
        // Its buffer is writable: copy its contents once.
        let data: Vec<u8> = obj.call_method0("getvalue")?.extract()?;
        let at: usize = obj.call_method0("tell")?.extract()?;
        return shared(data[at.min(data.len())..].to_vec());
    }
    let socket = py.import("socket")?;
    if obj.is_instance(&socket.getattr("socket")?)? {
        let r = PyRead {
            obj: obj.clone().unbind(),
            socket: true,
        };
        return Ok(Source::Reader(Box::new(r)));
    }
    if obj.hasattr("read")? {
        let r = PyRead {
            obj: obj.clone().unbind(),
            socket: false,
        };
        let r = py.detach(move || source::decompressing(Box::new(r)))?;
        return Ok(Source::Reader(r));
    }
    Err(PyTypeError::new_err(format!(
        "cannot read MARC from {}: expected {ACCEPTED}",
        obj.get_type().name()?
    )))
}

pub(crate) fn pipeline_err(py: Python<'_>, e: PipelineError) -> PyErr {
    match e {
        PipelineError::Marc(m) => errors::to_pyerr(py, &m),
        PipelineError::Io(e) => e.into(),
        other => pyo3::exceptions::PyRuntimeError::new_err(other.to_string()),
    }
}

/// Adapts a `BatchStream` to arrow's `RecordBatchReader` for the C stream
/// interface; errors become the stream's error message.
struct StreamAdapter(BatchStream);

impl Iterator for StreamAdapter {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next()
            .map(|r| r.map_err(|e| ArrowError::ExternalError(Box::new(e))))
    }
}

impl RecordBatchReader for StreamAdapter {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }
}

/// A stream of MARC records as Arrow RecordBatches.
///
/// >>> import marcarrow, pyarrow as pa
/// >>> reader = marcarrow.read_batches(marcarrow.SAMPLE, batch_size=100)
/// >>> [pa.record_batch(b).num_rows for b in reader]
/// [100, 100, 100, 86]
///
/// Iterate it for batches (each implements ``__arrow_c_array__``), or hand
/// it to anything that takes an Arrow C stream (``pa.table(reader)``,
/// ``pl.DataFrame(reader)``, DuckDB). A stream can be consumed once.
#[pyclass(module = "marcarrow._marcarrow", name = "BatchReader")]
pub struct PyBatchReader {
    stream: Mutex<Option<BatchStream>>,
    schema: SchemaRef,
    problems: Arc<Mutex<Vec<Problem>>>,
    counters: Arc<pipeline::Counters>,
}

#[pymethods]
impl PyBatchReader {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyRecordBatch>> {
        let mut guard = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let Some(stream) = guard.as_mut() else {
            return Ok(None);
        };
        let item = py.detach(|| stream.next());
        match item {
            Some(Ok(b)) => Ok(Some(PyRecordBatch::new(b))),
            Some(Err(e)) => {
                *guard = None;
                Err(pipeline_err(py, e))
            }
            None => {
                *guard = None;
                Ok(None)
            }
        }
    }

    /// The Arrow C stream (PyCapsule interface). Consumes the reader.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let stream = self
            .stream
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| PyValueError::new_err("this stream has already been consumed"))?;
        let reader = PyRecordBatchReader::new(Box::new(StreamAdapter(stream)));
        let obj = Bound::new(py, reader)?;
        obj.call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// The schema (PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = Bound::new(py, PySchema::new(self.schema.clone()))?;
        s.call_method0("__arrow_c_schema__")
    }

    /// Problems reported so far: dicts with ``record_index``,
    /// ``byte_offset``, ``error_offset``, ``tag``, ``reason``, ``action``
    /// and ``message``.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for p in self
            .problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            list.append(errors::problem_dict(py, p)?)?;
        }
        Ok(list)
    }

    /// Records delivered so far (by iteration or through the C stream).
    #[getter]
    fn records_read(&self) -> u64 {
        self.counters
            .records
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Records delivered so far that were decoded from MARC-8 (or the
    /// encoding chosen), not UTF-8 as they stood.
    #[getter]
    fn decoded_records(&self) -> u64 {
        self.counters
            .decoded_records
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Chunks handed to workers so far (for diagnostics and tests).
    #[getter]
    fn _chunks_dispatched(&self) -> u64 {
        self.counters
            .chunks_dispatched
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether the reader thread has exited.
    #[getter]
    fn _reader_done(&self) -> bool {
        self.counters
            .reader_done
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops reading and frees the pipeline.
    fn close(&self) {
        self.stream.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Reads MARC records into a stream of Arrow RecordBatches.
///
/// See the type stubs (`_marcarrow.pyi`) and `docs/` for every option.
///
/// >>> import marcarrow, pyarrow as pa
/// >>> reader = marcarrow.read_batches(marcarrow.SAMPLE, layout="long", tags=["245"])
/// >>> table = pa.table(reader)
/// >>> sorted(set(table.column("tag").to_pylist()))
/// ['245', 'LDR']
/// >>> reader.errors
/// []
#[pyfunction]
#[pyo3(signature = (source, *, layout = "nested", batch_size = None, threads = None, errors = "strict", string_type = "string", encoding = "auto", encoding_errors = "strict", normalize = true, tags = None, provenance = false, columns = None, r#where = None, _max_in_flight = None, _fail_at_chunk = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_batches(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    layout: &str,
    batch_size: Option<usize>,
    threads: Option<usize>,
    errors: &str,
    string_type: &str,
    encoding: &str,
    encoding_errors: &str,
    normalize: bool,
    tags: Option<Vec<String>>,
    provenance: bool,
    columns: Option<&Bound<'_, PyAny>>,
    r#where: Option<&Bound<'_, PyAny>>,
    _max_in_flight: Option<usize>,
    _fail_at_chunk: Option<u64>,
) -> PyResult<PyBatchReader> {
    let mut opts = pipeline_options(
        layout,
        batch_size,
        threads,
        errors,
        string_type,
        encoding,
        encoding_errors,
        normalize,
        tags,
    )?;
    opts.max_in_flight = _max_in_flight;
    opts.provenance = provenance;
    opts.fail_at_chunk = _fail_at_chunk;
    apply_selection(&mut opts, columns, r#where)?;
    let src = detect_source(py, source)?;
    let stream = pipeline::start(src, opts).map_err(|e| pipeline_err(py, e))?;
    Ok(PyBatchReader {
        schema: stream.schema(),
        problems: stream.problems(),
        counters: stream.counters(),
        stream: Mutex::new(Some(stream)),
    })
}

/// The text of `where=`: a string, or a `marcarrow.col(...)` condition
/// (`marcarrow._expr.Expr`, whose `str()` is the string form).
fn where_text(w: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = w.cast::<PyString>() {
        return Ok(s.to_str()?.to_string());
    }
    let expr = w.py().import("marcarrow._expr")?.getattr("Expr")?;
    if w.is_instance(&expr)? {
        return Ok(w.str()?.to_str()?.to_string());
    }
    Err(PyTypeError::new_err(format!(
        "where must be a str or a marcarrow.col(...) condition, not {}",
        w.get_type().name()?
    )))
}

/// Adds `columns=` and `where=` to `opts` (after `provenance` and `tags`
/// are set, which they are checked against).
pub(crate) fn apply_selection(
    opts: &mut PipelineOptions,
    columns: Option<&Bound<'_, PyAny>>,
    r#where: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let bad = |e: String| PyValueError::new_err(e);
    if let Some(c) = columns {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let items = c.call_method0("items").map_err(|_| {
            PyTypeError::new_err(
                "columns must be a dict of column name to path, such as {\"title\": \"245$a\"}",
            )
        })?;
        for item in items.try_iter()? {
            let (name, path): (String, String) = item?
                .extract()
                .map_err(|_| PyTypeError::new_err("columns must map str names to str paths"))?;
            pairs.push((name, path));
        }
        if opts.layout != Layout::Nested {
            return Err(bad(
                "columns= makes its own flat layout: leave layout at its default".into(),
            ));
        }
        if opts.tags.is_some() {
            return Err(bad(
                "tags= applies to the nested and long layouts, not with columns= (paths name their tags)"
                    .into(),
            ));
        }
        if opts.provenance {
            if let Some((n, _)) = pairs.iter().find(|(n, _)| {
                ["record_index", "byte_offset", "control_number"].contains(&n.as_str())
            }) {
                return Err(bad(format!(
                    "column name {n:?} is taken by a provenance column"
                )));
            }
        }
        let cols = crate::columns::Columns::new(pairs).map_err(|e| bad(e.to_string()))?;
        opts.columns = Some(Arc::new(cols));
    }
    if let Some(w) = r#where {
        let w = where_text(w)?;
        let p = crate::predicate::Predicate::parse(&w).map_err(|e| bad(e.to_string()))?;
        opts.predicate = Some(Arc::new(p));
    }
    Ok(())
}

/// Parses the options shared by `read_batches` and `to_parquet`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pipeline_options(
    layout: &str,
    batch_size: Option<usize>,
    threads: Option<usize>,
    errors: &str,
    string_type: &str,
    encoding: &str,
    encoding_errors: &str,
    normalize: bool,
    tags: Option<Vec<String>>,
) -> PyResult<PipelineOptions> {
    let tags = tags
        .map(crate::select::TagFilter::new)
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let layout = Layout::parse(layout).ok_or_else(|| {
        PyValueError::new_err(format!("layout must be 'nested' or 'long', not {layout:?}"))
    })?;
    let policy = ErrorPolicy::parse(errors).ok_or_else(|| {
        PyValueError::new_err(format!(
            "errors must be 'strict', 'lenient' or 'skip', not {errors:?}"
        ))
    })?;
    let strings = match string_type {
        "string_view" => StringType::View,
        "string" => StringType::Plain,
        other => {
            return Err(PyValueError::new_err(format!(
                "string_type must be 'string_view' or 'string', not {other:?}"
            )))
        }
    };
    let encoding = EncodingMode::parse(encoding).ok_or_else(|| {
        PyValueError::new_err(format!(
            "encoding must be 'auto', 'utf-8', 'marc-8', 'latin-1' or 'cp1251', not {encoding:?}"
        ))
    })?;
    let encoding_errors = EncodingErrors::parse(encoding_errors).ok_or_else(|| {
        PyValueError::new_err(format!(
            "encoding_errors must be 'strict' or 'replace', not {encoding_errors:?}"
        ))
    })?;
    if batch_size == Some(0) || threads == Some(0) {
        return Err(PyValueError::new_err(
            "batch_size and threads must be at least 1",
        ));
    }
    Ok(PipelineOptions {
        layout,
        strings,
        encoding,
        decode: DecodeOptions {
            errors: encoding_errors,
            normalize,
            pymarc: false,
        },
        batch_size: batch_size.unwrap_or(pipeline::DEFAULT_BATCH_SIZE),
        threads,
        policy,
        tags,
        ..PipelineOptions::default()
    })
}
