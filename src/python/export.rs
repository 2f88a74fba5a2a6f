//! `to_parquet`: the Parquet export, GIL released while it runs.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::export::{self, Compression, ExportError, Input, ParquetOptions};
use crate::pipeline::PipelineError;

use super::batches::{apply_selection, detect_source, pipeline_options};
use super::errors;

/// Writes every record of `sources` (a list) to the Parquet file `dest`;
/// returns a summary dict. See `marcarrow.to_parquet`.
#[pyfunction]
#[pyo3(signature = (sources, dest, *, layout = "nested", compression = "zstd", compression_level = None, row_group_size = None, threads = None, errors = "strict", encoding = "auto", encoding_errors = "strict", normalize = true, tags = None, provenance = false, columns = None, r#where = None, progress = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _to_parquet<'py>(
    py: Python<'py>,
    sources: &Bound<'py, PyList>,
    dest: &Bound<'py, PyAny>,
    layout: &str,
    compression: &str,
    compression_level: Option<i32>,
    row_group_size: Option<usize>,
    threads: Option<usize>,
    errors: &str,
    encoding: &str,
    encoding_errors: &str,
    normalize: bool,
    tags: Option<Vec<String>>,
    provenance: bool,
    columns: Option<&Bound<'py, PyAny>>,
    r#where: Option<&Bound<'py, PyAny>>,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut opts = pipeline_options(
        layout,
        None,
        threads,
        errors,
        "string",
        encoding,
        encoding_errors,
        normalize,
        tags,
    )?;
    opts.provenance = provenance;
    apply_selection(&mut opts, columns, r#where)?;
    let compression = match (compression, compression_level) {
        ("zstd", level) => Compression::Zstd(level),
        ("snappy", None) => Compression::Snappy,
        ("none", None) => Compression::None,
        ("snappy" | "none", Some(_)) => {
            return Err(PyValueError::new_err(format!(
                "compression_level applies to zstd only, not {compression:?}"
            )))
        }
        (other, _) => {
            return Err(PyValueError::new_err(format!(
                "compression must be 'zstd', 'snappy' or 'none', not {other:?}"
            )))
        }
    };
    if row_group_size == Some(0) {
        return Err(PyValueError::new_err("row_group_size must be at least 1"));
    }
    let os = py.import("os")?;
    let dest: std::path::PathBuf = os.call_method1("fsdecode", (dest,))?.extract()?;
    let mut inputs = Vec::new();
    for obj in sources.iter() {
        let (name, size) =
            if obj.is_instance_of::<PyString>() || obj.is_instance(&os.getattr("PathLike")?)? {
                let name: String = os.call_method1("fsdecode", (&obj,))?.extract()?;
                let size = std::fs::metadata(&name).ok().map(|m| m.len());
                (name, size)
            } else if obj.hasattr("name")? && obj.getattr("name")?.is_instance_of::<PyString>() {
                (obj.getattr("name")?.extract()?, None)
            } else {
                (
                    format!("<{}>", obj.get_type().name()?),
                    obj.len().ok().map(|n| n as u64),
                )
            };
        inputs.push(Input {
            name,
            source: detect_source(py, &obj)?,
            size,
        });
    }
    let pq = ParquetOptions {
        compression,
        row_group_size,
        progress,
    };
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
    let result = py.detach(|| export::write_parquet(inputs, &dest, opts, &pq, &mut keep_going));
    let s = match result {
        Ok(s) => s,
        Err(ExportError::Interrupted) => {
            return Err(interrupt
                .take()
                .unwrap_or_else(|| pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted")))
        }
        Err(ExportError::Pipeline(PipelineError::Marc(e))) => return Err(errors::to_pyerr(py, &e)),
        Err(ExportError::Pipeline(PipelineError::Io(e)) | ExportError::Io(e)) => {
            return Err(errors::io_error(e, &dest))
        }
        Err(e) => return Err(pyo3::exceptions::PyRuntimeError::new_err(e.to_string())),
    };
    let d = PyDict::new(py);
    d.set_item("records", s.records)?;
    d.set_item("bytes_in", s.bytes_in)?;
    d.set_item("bytes_out", s.bytes_out)?;
    d.set_item("seconds", s.seconds)?;
    let problems = PyList::empty(py);
    for p in &s.problems {
        problems.append(errors::problem_dict(py, p)?)?;
    }
    d.set_item("errors", problems)?;
    Ok(d)
}
