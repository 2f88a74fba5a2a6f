//! One mapping from Rust errors and problems to Python.
//!
//! The classes live in Python (`marcarrow/problems.py`,
//! `marcarrow/exceptions.py`) so that they are ordinary, documented,
//! picklable classes; this module builds them from the core's values.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{MarcError, Problem};
use crate::pipeline::PipelineError;

/// A problem as a `marcarrow.Problem`, naming `source` when given.
pub(crate) fn problem<'py>(
    py: Python<'py>,
    p: &Problem,
    source: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let m = py.import("marcarrow.problems")?;
    let action = m.getattr("Action")?.call1((p.action.as_str(),))?;
    let e = &p.error;
    let kw = PyDict::new(py);
    kw.set_item("record_index", e.record_index)?;
    kw.set_item("byte_offset", e.byte_offset)?;
    kw.set_item("byte_length", e.byte_length)?;
    kw.set_item("error_offset", e.error_offset)?;
    kw.set_item("tag", e.tag.map(|t| t.as_str().to_string()))?;
    kw.set_item("line", e.line.as_deref().map(|l| l.0))?;
    kw.set_item("column", e.line.as_deref().map(|l| l.1))?;
    kw.set_item("kind", e.kind.name())?;
    kw.set_item("reason", e.kind.to_string())?;
    kw.set_item("action", action)?;
    kw.set_item("source", source)?;
    m.getattr("Problem")?.call((), Some(&kw))
}

/// Problems as a list of `marcarrow.Problem`.
pub(crate) fn problems<'py>(
    py: Python<'py>,
    ps: &[Problem],
    source: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in ps {
        list.append(problem(py, p, source)?)?;
    }
    Ok(list)
}

/// A malformed-record error as `marcarrow.MarcError`, its problem attached.
pub(crate) fn to_pyerr(py: Python<'_>, e: &MarcError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let p = Problem {
            error: e.clone(),
            action: crate::error::Action::Raised,
        };
        let cls = py.import("marcarrow.exceptions")?.getattr("MarcError")?;
        let obj = cls.call_method1("from_problem", (problem(py, &p, None)?,))?;
        Ok(PyErr::from_value(obj))
    };
    build().unwrap_or_else(|err| err)
}

/// A pipeline failure as the Python exception it means: `MarcError` for a
/// malformed record, `OSError` for a read, and `RuntimeError` for a bug.
pub(crate) fn pipeline_err(py: Python<'_>, e: PipelineError) -> PyErr {
    match e {
        PipelineError::Marc(m) => to_pyerr(py, &m),
        PipelineError::Io(e) => e.into(),
        other => pyo3::exceptions::PyRuntimeError::new_err(other.to_string()),
    }
}

/// An I/O error on `path` as the matching Python `OSError` subclass.
pub(crate) fn io_error(e: std::io::Error, path: &std::path::Path) -> PyErr {
    use pyo3::exceptions::*;
    use std::io::ErrorKind as K;
    let errno = e.raw_os_error().unwrap_or(0);
    // The system's words ("No such file or directory"), as Python's own
    // OSErrors say them, without Rust's " (os error 2)".
    let msg = match e.raw_os_error() {
        Some(_) => e
            .to_string()
            .split(" (os error")
            .next()
            .unwrap_or_default()
            .to_string(),
        None => e.to_string(),
    };
    let p = path.display().to_string();
    match e.kind() {
        K::NotFound => PyFileNotFoundError::new_err((errno, msg, p)),
        K::PermissionDenied => PyPermissionError::new_err((errno, msg, p)),
        K::IsADirectory => PyIsADirectoryError::new_err((errno, msg, p)),
        _ => PyOSError::new_err((errno, msg, p)),
    }
}

/// A summary's `"quarantine"`: under `quarantine=True` the records as a
/// table, otherwise `None` (so that a summary without it needs no
/// pyarrow: `python -m marcarrow` must run on a bare install).
pub(crate) fn quarantine_item<'py>(
    py: Python<'py>,
    asked: bool,
    items: &[crate::pipeline::Quarantined],
) -> PyResult<Bound<'py, PyAny>> {
    if asked {
        quarantine_table(py, items)
    } else {
        Ok(py.None().into_bound(py))
    }
}

/// The quarantined records as a `pyarrow.Table` (`record_index`,
/// `byte_offset`, `kind`, `reason`, `bytes`).
pub(crate) fn quarantine_table<'py>(
    py: Python<'py>,
    items: &[crate::pipeline::Quarantined],
) -> PyResult<Bound<'py, PyAny>> {
    let batch = crate::sink::quarantine::to_batch(items)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    let pa = py.import("pyarrow")?;
    let b = pa.call_method1(
        "record_batch",
        (Bound::new(py, pyo3_arrow::PyRecordBatch::new(batch))?,),
    )?;
    pa.getattr("Table")?
        .call_method1("from_batches", (vec![b],))
}
