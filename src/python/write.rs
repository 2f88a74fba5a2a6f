//! `write_marc` and `convert`: the MARC writers, GIL released while they
//! encode (an Arrow stream that needs Python takes the GIL itself).

use std::io::{self, Write};
use std::path::PathBuf;

use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use pyo3_arrow::input::AnyRecordBatch;

use crate::options::Entry;
use crate::pipeline::PipelineError;
use crate::sink::write::{self, ConvertError, Dest, MarcWriter, WriteArgs, WriteError};

use super::{errors, input, options};

/// The Python exception a file object raised, kept to be raised as it was
/// (a `BrokenPipeError` stays one).
type Raised = std::sync::Arc<std::sync::Mutex<Option<PyErr>>>;

/// A Python binary file object as an `io::Write` (the GIL taken per call).
struct PyWriter(Py<PyAny>, Raised);

impl PyWriter {
    fn keep(&self, e: PyErr) -> io::Error {
        let msg = e.to_string();
        if let Ok(mut slot) = self.1.lock() {
            slot.get_or_insert(e);
        }
        io::Error::other(msg)
    }
}

impl Write for PyWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        Python::attach(|py| {
            self.0
                .call_method1(py, "write", (PyBytes::new(py, b),))
                .map_err(|e| self.keep(e))?;
            Ok(b.len())
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        Python::attach(|py| match self.0.getattr(py, "flush") {
            Ok(f) => f.call0(py).map(|_| ()).map_err(|e| self.keep(e)),
            Err(_) => Ok(()),
        })
    }
}

/// The destination: a path (atomic) or a binary file object (with the slot
/// for what it raises).
fn open_dest(
    py: Python<'_>,
    dest: &Bound<'_, PyAny>,
    args: &WriteArgs,
) -> PyResult<(Dest, write::WriteOptions, Option<PathBuf>, Raised)> {
    let raised = Raised::default();
    if dest.hasattr("write")? {
        let (opts, compression) = args.options_for(None).map_err(PyValueError::new_err)?;
        let w = PyWriter(dest.clone().unbind(), raised.clone());
        let d = Dest::stream(Box::new(w), compression)?;
        return Ok((d, opts, None, raised));
    }
    let path: PathBuf = py
        .import("os")?
        .call_method1("fsdecode", (dest,))?
        .extract()?;
    let (opts, compression) = args
        .options_for(Some(&path))
        .map_err(PyValueError::new_err)?;
    let d = Dest::file(&path, compression).map_err(|e| errors::io_error(e, &path))?;
    Ok((d, opts, Some(path), raised))
}

fn write_err(py: Python<'_>, e: WriteError, path: Option<&PathBuf>, stop: Option<PyErr>) -> PyErr {
    let e = match (e, stop) {
        // What the file object raised, or the signal, as it was.
        (WriteError::Io(_) | WriteError::Interrupted, Some(raised)) => return raised,
        (e, _) => e,
    };
    match e {
        WriteError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        WriteError::Io(e) => match path {
            Some(p) => errors::io_error(e, p),
            None => e.into(),
        },
        WriteError::Arrow(arrow_schema::ArrowError::ExternalError(inner)) => {
            // A marcarrow stream's own error (a malformed record under
            // strict): raise it as it is.
            match inner.downcast::<PipelineError>() {
                Ok(p) => errors::pipeline_err(py, *p),
                Err(other) => PyValueError::new_err(other.to_string()),
            }
        }
        WriteError::Table(t) => {
            let msg = WriteError::Table(t.clone()).to_string();
            write_error(py, msg, Some(t.column), t.row, None, None)
        }
        e @ WriteError::Unfit { .. } => {
            let msg = e.to_string();
            let WriteError::Unfit {
                kind,
                row,
                control_number,
                ..
            } = e
            else {
                unreachable!()
            };
            write_error(py, msg, None, Some(row), control_number, Some(kind))
        }
        e => pyo3::exceptions::PyRuntimeError::new_err(e.to_string()),
    }
}

/// A `marcarrow.WriteError`.
fn write_error(
    py: Python<'_>,
    msg: String,
    column: Option<String>,
    row: Option<u64>,
    control_number: Option<String>,
    kind: Option<&str>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("marcarrow.exceptions")?.getattr("WriteError")?;
        Ok(PyErr::from_value(cls.call1((
            msg,
            column,
            row,
            control_number,
            kind,
        ))?))
    };
    build().unwrap_or_else(|e| e)
}

/// Python's signals, checked between batches (the GIL taken for that only).
fn signals(stop: &mut Option<PyErr>) -> bool {
    match Python::attach(|py| py.check_signals()) {
        Ok(()) => true,
        Err(e) => {
            *stop = Some(e);
            false
        }
    }
}

/// Writes an Arrow table or stream (nested or long layout) as MARC. See
/// `marcarrow.write_marc`.
#[pyfunction]
#[pyo3(signature = (data, dest, **options))]
pub(crate) fn _write_marc<'py>(
    py: Python<'py>,
    data: AnyRecordBatch,
    dest: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut pairs = options::pairs(options)?;
    let args =
        WriteArgs::take_from(&mut pairs, "format", "encoding").map_err(options::option_error)?;
    let mut threads = None;
    for (name, v) in pairs {
        match (name.as_str(), v) {
            ("threads", crate::options::Value::Int(n)) if n >= 1 => threads = Some(n as usize),
            ("threads", crate::options::Value::None) => {}
            ("threads", crate::options::Value::Int(_)) => {
                return Err(PyValueError::new_err("threads must be at least 1, or None"))
            }
            ("threads", v) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "threads must be an int or None, not {}",
                    v.kind()
                )))
            }
            (n, _) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "write_marc() got an unexpected keyword argument {n:?}"
                )))
            }
        }
    }
    let reader = data.into_reader()?;
    let (d, mut opts, path, raised) = open_dest(py, dest, &args)?;
    opts.threads = threads;
    let mut stop = None;
    let result = py.detach(|| -> Result<_, WriteError> {
        let mut w = MarcWriter::new(d, opts)?;
        for batch in reader {
            w.write(&batch?)?;
            if !signals(&mut stop) {
                return Err(WriteError::Interrupted);
            }
        }
        w.finish()
    });
    let s = result.map_err(|e| {
        let stop = stop
            .take()
            .or_else(|| raised.lock().ok().and_then(|mut r| r.take()));
        write_err(py, e, path.as_ref(), stop)
    })?;
    let d = PyDict::new(py);
    d.set_item("records", s.records)?;
    d.set_item("bytes", s.bytes)?;
    d.set_item("errors", errors::problems(py, &s.problems, None)?)?;
    Ok(d)
}

/// Reads MARC from `sources` (a list) and writes it as MARC to `dest`. See
/// `marcarrow.convert`.
#[pyfunction]
#[pyo3(signature = (sources, dest, **options))]
pub(crate) fn _convert<'py>(
    py: Python<'py>,
    sources: &Bound<'py, PyList>,
    dest: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut pairs = options::pairs(options)?;
    let args =
        WriteArgs::take_from(&mut pairs, "to", "to_encoding").map_err(options::option_error)?;
    let mut progress = false;
    pairs.retain(|(name, v)| match (name.as_str(), v) {
        ("progress", crate::options::Value::Bool(b)) => {
            progress = *b;
            false
        }
        _ => true,
    });
    let read = options::read_options(Entry::Parquet, pairs)?;
    let inputs = input::named(py, sources, options)?;
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let (d, mut opts, path, raised) = open_dest(py, dest, &args)?;
    opts.threads = read.threads;
    let mut stop = None;
    let asked = read.quarantine;
    let result =
        py.detach(|| write::convert(inputs, d, read, opts, progress, &mut || signals(&mut stop)));
    let s = match result {
        Ok(s) => s,
        Err(ConvertError::Write(e)) => {
            let stop = stop
                .take()
                .or_else(|| raised.lock().ok().and_then(|mut r| r.take()));
            return Err(write_err(py, e, path.as_ref(), stop));
        }
        Err(ConvertError::Pipeline(PipelineError::Io(e))) => {
            return Err(match &path {
                Some(p) => errors::io_error(e, p),
                None => e.into(),
            })
        }
        Err(ConvertError::Pipeline(e)) => return Err(errors::pipeline_err(py, e)),
    };
    let d = PyDict::new(py);
    d.set_item("records", s.records_written)?;
    d.set_item("records_read", s.records_read)?;
    d.set_item("bytes_in", s.bytes_in)?;
    d.set_item("bytes_out", s.bytes_out)?;
    d.set_item("seconds", s.seconds)?;
    let list = PyList::empty(py);
    for (p, i) in s.problems.iter().zip(&s.problem_inputs) {
        let name = i.filter(|_| names.len() > 1).map(|i| names[i].as_str());
        list.append(errors::problem(py, p, name)?)?;
    }
    d.set_item("errors", list)?;
    d.set_item(
        "quarantine",
        errors::quarantine_item(py, asked, &s.quarantined)?,
    )?;
    Ok(d)
}

/// A field as the pymarc-compatible writers hand it over: tag, indicators,
/// a control field's data, a data field's `(code, value)` pairs.
type PyField = (
    String,
    String,
    String,
    Option<String>,
    Option<Vec<(String, String)>>,
);

/// One record in `format`, by the writers' encoders, in pymarc's style
/// (`marcarrow.pymarc`'s writers call this per record).
#[pyfunction]
#[pyo3(signature = (leader, fields, format, pymarc = true))]
pub(crate) fn _encode_record<'py>(
    py: Python<'py>,
    leader: String,
    fields: Vec<PyField>,
    format: &str,
    pymarc: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let format = write::WriteFormat::parse(format)
        .ok_or_else(|| PyValueError::new_err(format!("unknown format {format:?}")))?;
    let mut opts = write::WriteOptions::new(format);
    if pymarc {
        opts.style = write::Style::Pymarc;
    }
    // The checks a table gets, so that odd records go to the Python
    // fallback (a `WriteError` with a column) instead of the encoders.
    let shape = |column: &str, message: String| {
        write_error(py, message, Some(column.to_string()), None, None, None)
    };
    if leader.chars().count() != 24 {
        return Err(shape(
            "leader",
            format!("leader {leader:?} is not 24 characters"),
        ));
    }
    for (tag, ind1, ind2, value, subfields) in &fields {
        if tag.chars().count() != 3 {
            return Err(shape(
                "fields.tag",
                format!("tag {tag:?} is not three characters"),
            ));
        }
        if value.is_none() && (ind1.chars().count() != 1 || ind2.chars().count() != 1) {
            return Err(shape(
                "fields.ind1",
                format!("{tag}: indicators are not one character"),
            ));
        }
        let bad_code = subfields
            .iter()
            .flatten()
            .any(|(c, _)| c.chars().count() != 1);
        if bad_code {
            return Err(shape(
                "fields.subfields.code",
                format!("{tag}: a subfield code"),
            ));
        }
    }
    let mut parts = write::record::Parts::default();
    for (tag, ind1, ind2, value, subfields) in &fields {
        match (value, subfields) {
            (Some(v), _) => parts.control(tag, v),
            (None, subs) => {
                parts.data(tag, ind1, ind2);
                for (c, v) in subs.iter().flatten() {
                    parts.subfield(c, v);
                }
                parts.end_field();
            }
        }
    }
    let mut out = Vec::new();
    write::encode_record(&parts.record(&leader), &opts, &mut out)
        .map_err(|e| write_err(py, e, None, None))?;
    Ok(PyBytes::new(py, &out))
}
