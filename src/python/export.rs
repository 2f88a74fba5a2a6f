//! `to_parquet`: the Parquet export, GIL released while it runs.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::options::Entry;
use crate::pipeline::PipelineError;
use crate::sink::parquet::{self, ExportError, ParquetOptions};

use super::{errors, input, options};

/// Writes every record of `sources` (a list) to the Parquet file `dest`;
/// returns a summary dict. See `marcarrow.to_parquet`.
#[pyfunction]
#[pyo3(signature = (sources, dest, **options))]
pub(crate) fn _to_parquet<'py>(
    py: Python<'py>,
    sources: &Bound<'py, PyList>,
    dest: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut pairs = options::pairs(options)?;
    let pq = ParquetOptions::take_from(&mut pairs).map_err(options::option_error)?;
    let opts = options::read_options(Entry::Parquet, pairs)?;
    let dest: std::path::PathBuf = py
        .import("os")?
        .call_method1("fsdecode", (dest,))?
        .extract()?;
    let inputs = input::named(py, sources, options)?;
    // Ctrl-C must stop a long export: check Python's signals after each
    // batch (taking the GIL for that moment only).
    let mut interrupt: Option<PyErr> = None;
    let mut keep_going = || match Python::attach(|py| py.check_signals()) {
        Ok(()) => true,
        Err(e) => {
            interrupt = Some(e);
            false
        }
    };
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let asked = opts.quarantine;
    let result = py.detach(|| parquet::write_parquet(inputs, &dest, opts, &pq, &mut keep_going));
    let s = match result {
        Ok(s) => s,
        Err(ExportError::Interrupted) => {
            return Err(interrupt
                .take()
                .unwrap_or_else(|| pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted")))
        }
        Err(ExportError::Pipeline(PipelineError::Io(e)) | ExportError::Io(e)) => {
            return Err(errors::io_error(e, &dest))
        }
        Err(ExportError::Pipeline(e)) => return Err(errors::pipeline_err(py, e)),
        Err(e) => return Err(pyo3::exceptions::PyRuntimeError::new_err(e.to_string())),
    };
    let d = PyDict::new(py);
    d.set_item("records", s.records)?;
    d.set_item("bytes_in", s.bytes_in)?;
    d.set_item("bytes_out", s.bytes_out)?;
    d.set_item("seconds", s.seconds)?;
    // With several inputs each problem names its own.
    let list = PyList::empty(py);
    for (p, &i) in s.problems.iter().zip(&s.problem_inputs) {
        let name = (names.len() > 1).then(|| names[i].as_str());
        list.append(errors::problem(py, p, name)?)?;
    }
    d.set_item("errors", list)?;
    d.set_item(
        "quarantine",
        errors::quarantine_item(py, asked, &s.quarantined)?,
    )?;
    Ok(d)
}
