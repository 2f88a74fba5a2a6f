//! One mapping from Rust errors to Python exceptions.
//!
//! The exception classes live in `marcarrow/exceptions.py` (so that they
//! are ordinary, documented Python classes); this module imports and
//! raises them with their coordinates as attributes.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{MarcError, Problem};

/// Converts a malformed-record error into `marcarrow.MarcError`.
pub(crate) fn to_pyerr(py: Python<'_>, e: &MarcError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("marcarrow.exceptions")?.getattr("MarcError")?;
        let kw = PyDict::new(py);
        kw.set_item("record_index", e.record_index)?;
        kw.set_item("byte_offset", e.byte_offset)?;
        kw.set_item("error_offset", e.error_offset)?;
        kw.set_item("tag", e.tag.map(|t| t.as_str().to_string()))?;
        kw.set_item("reason", e.kind.to_string())?;
        kw.set_item("kind", e.kind.name())?;
        let obj = cls.call((e.to_string(),), Some(&kw))?;
        Ok(PyErr::from_value(obj))
    };
    build().unwrap_or_else(|err| err)
}

/// A problem as a dict: `record_index`, `byte_offset`, `error_offset`,
/// `tag`, `reason`, `kind` (the [`ErrorKind`](crate::ErrorKind) variant's
/// name), `action`, `message`.
pub(crate) fn problem_dict<'py>(py: Python<'py>, p: &Problem) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let e = &p.error;
    d.set_item("record_index", e.record_index)?;
    d.set_item("byte_offset", e.byte_offset)?;
    d.set_item("error_offset", e.error_offset)?;
    d.set_item("tag", e.tag.map(|t| t.as_str().to_string()))?;
    d.set_item("reason", e.kind.to_string())?;
    d.set_item("kind", e.kind.name())?;
    d.set_item("action", p.action.as_str())?;
    d.set_item("message", p.to_string())?;
    Ok(d)
}

/// An I/O error on `path` as the matching Python `OSError` subclass.
pub(crate) fn io_error(e: std::io::Error, path: &std::path::Path) -> PyErr {
    use pyo3::exceptions::*;
    use std::io::ErrorKind as K;
    let errno = e.raw_os_error().unwrap_or(0);
    let msg = e.to_string();
    let p = path.display().to_string();
    match e.kind() {
        K::NotFound => PyFileNotFoundError::new_err((errno, msg, p)),
        K::PermissionDenied => PyPermissionError::new_err((errno, msg, p)),
        K::IsADirectory => PyIsADirectoryError::new_err((errno, msg, p)),
        _ => PyOSError::new_err((errno, msg, p)),
    }
}
