//! `validate`: findings batches, and the reader's problems beside them.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyDict, PyList, PyTuple};
use pyo3_arrow::{PyRecordBatch, PySchema};

use super::{errors, input, options};
use crate::options::Entry;
use crate::pipeline::PipelineError;
use crate::validate::{self, Schema, ValidateOptions};

/// Compiles an Avram schema (its JSON text; `None`: the shipped MARC 21
/// bibliographic rules). Raises `ValueError` saying what is wrong.
fn schema(text: Option<&str>) -> PyResult<Arc<Schema>> {
    match text {
        None => Ok(Schema::marc21_bibliographic()),
        Some(t) => Schema::from_json(t)
            .map(Arc::new)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string())),
    }
}

/// Validates one source: `(batches, schema, problems, error, counts,
/// quarantine)`: the findings batches in input order, their Arrow schema,
/// the reader's problems, under `errors="strict"` the error that stopped
/// it, the counts (`records` checked, `bytes` read, of them `record_bytes`,
/// `skipped_bytes` and `quarantined_bytes`), and the quarantine table.
#[pyfunction]
#[pyo3(signature = (source, schema_json = None, report_local = false, source_name = None, **options))]
pub(crate) fn _validate<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    schema_json: Option<&str>,
    report_local: bool,
    source_name: Option<String>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let read = options::read_options(Entry::Validate, options::pairs(options)?)?;
    let opts = ValidateOptions {
        schema: schema(schema_json)?,
        report_local,
        source: source_name,
    };
    let (src, _) = input::source(py, source, options)?;
    let (batches, problems, error, counts, quarantined) = py
        .detach(|| -> Result<_, PipelineError> {
            let mut stream = validate::validate(src, read, opts)?;
            let mut batches = Vec::new();
            let mut error = None;
            for b in stream.by_ref() {
                match b {
                    Ok(b) if b.num_rows() > 0 => batches.push(b),
                    Ok(_) => {}
                    Err(PipelineError::Marc(e)) => error = Some(e),
                    Err(e) => return Err(e),
                }
            }
            let problems =
                std::mem::take(&mut *stream.problems().lock().unwrap_or_else(|p| p.into_inner()));
            let quarantined = std::mem::take(
                &mut *stream
                    .quarantined()
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            );
            let c = stream.counters();
            let counts = [
                (
                    "quarantined_bytes",
                    crate::sink::quarantine::bytes(&quarantined),
                ),
                ("records", c.records.load(Ordering::Relaxed)),
                ("bytes", c.bytes_read.load(Ordering::Relaxed)),
                ("record_bytes", c.record_bytes.load(Ordering::Relaxed)),
                ("skipped_bytes", c.skipped_bytes.load(Ordering::Relaxed)),
            ];
            Ok((batches, problems, error, counts, quarantined))
        })
        .map_err(|e| errors::pipeline_err(py, e))?;
    let list = PyList::empty(py);
    for b in batches {
        list.append(Bound::new(py, PyRecordBatch::new(b))?)?;
    }
    let schema = Bound::new(py, PySchema::new(validate::findings_schema()))?;
    let error = match error {
        Some(e) => errors::to_pyerr(py, &e).value(py).clone().into_any(),
        None => py.None().into_bound(py),
    };
    PyTuple::new(
        py,
        [
            list.into_any(),
            schema.into_any(),
            errors::problems(py, &problems, None)?.into_any(),
            error,
            counts.into_py_dict(py)?.into_any(),
            errors::quarantine_table(py, &quarantined)?,
        ],
    )
}

/// The rule names, with their severity, in the documented order.
#[pyfunction]
pub(crate) fn _validation_rules() -> Vec<(&'static str, &'static str)> {
    validate::RULES
        .iter()
        .map(|r| (r.name(), r.severity()))
        .collect()
}
