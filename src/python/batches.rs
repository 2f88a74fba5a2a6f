//! `read_batches`: the pipeline as a Python iterator and Arrow stream.

use std::sync::{Arc, Mutex};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3_arrow::{PyRecordBatch, PyRecordBatchReader, PySchema};

use crate::error::Problem;
use crate::options::Entry;
use crate::pipeline::{self, BatchStream};

use super::{errors, input, options};

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
    quarantined: Arc<Mutex<Vec<pipeline::Quarantined>>>,
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
                Err(errors::pipeline_err(py, e))
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

    /// Problems reported so far, as `marcarrow.Problem` objects.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let ps = self
            .problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        errors::problems(py, &ps, None)
    }

    /// Under `quarantine=True`, the records skipped as malformed so far,
    /// with their original bytes, as a `pyarrow.Table` (`record_index`,
    /// `byte_offset`, `kind`, `reason`, `bytes`).
    #[getter]
    fn quarantine<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .quarantined
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        errors::quarantine_table(py, &items)
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
/// Takes the reading options of `docs/options.md` as keyword arguments.
///
/// >>> import marcarrow, pyarrow as pa
/// >>> reader = marcarrow.read_batches(marcarrow.SAMPLE, layout="long", tags=["245"])
/// >>> table = pa.table(reader)
/// >>> sorted(set(table.column("tag").to_pylist()))
/// ['245', 'LDR']
/// >>> reader.errors
/// []
#[pyfunction]
#[pyo3(signature = (source, **options))]
pub(crate) fn read_batches(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyBatchReader> {
    let opts = options::read_options(Entry::Batches, options::pairs(options)?)?;
    let (src, _) = input::source(py, source, options)?;
    let stream = pipeline::start(src, opts).map_err(|e| errors::pipeline_err(py, e))?;
    Ok(PyBatchReader {
        schema: stream.schema(),
        problems: stream.problems(),
        quarantined: stream.quarantined(),
        counters: stream.counters(),
        stream: Mutex::new(Some(stream)),
    })
}
