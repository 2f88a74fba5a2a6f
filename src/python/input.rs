//! The one routine that turns a Python object into an [`Input`]: every
//! entry point (`read_batches`, `summarize`, `to_parquet`, the record
//! iterator, the CLI) calls [`resolve`] and then opens it with [`open`].

use std::io::{Read, Seek, SeekFrom};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};

use crate::input::{Input, Source};

use super::errors;

const ACCEPTED: &str = "str or os.PathLike (a path or a URL), bytes, bytearray, memoryview, \
    a binary file object (open(..., 'rb'), io.BytesIO, sys.stdin.buffer, anything with read), \
    or a socket.socket";

/// Reads a Python binary file object (or socket) in large blocks, taking
/// the GIL once per block.
struct PyRead {
    obj: Py<PyAny>,
    /// `recv` for a socket; `read1` where a buffered stream has it (it
    /// returns what is there instead of waiting for `n` bytes, so a pipe's
    /// first records are read as soon as they arrive); else `read`.
    method: &'static str,
    /// Bytes a `read` returned beyond what was asked, for the next call.
    pending: Vec<u8>,
}

impl Read for PyRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        Python::attach(|py| {
            let obj = self.obj.bind(py);
            let method = self.method;
            let data = obj.call_method1(method, (buf.len(),)).map_err(|e| {
                // A Python exception (KeyboardInterrupt included) ends the
                // read; the message keeps its type.
                let msg = e
                    .value(py)
                    .repr()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| e.to_string());
                std::io::Error::other(format!("{method}() raised {msg}"))
            })?;
            if data.is_none() {
                // A non-blocking stream with nothing ready: read again.
                return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
            }
            let b = data
                .cast::<PyBytes>()
                .map_err(|_| std::io::Error::other(format!("{method}() did not return bytes")))?;
            let b = b.as_bytes();
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            // A `read(n)` that returned more than `n` bytes: keep the rest.
            self.pending.extend_from_slice(&b[n..]);
            Ok(n)
        })
    }
}

impl Seek for PyRead {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pending.clear();
        let (offset, whence) = match pos {
            SeekFrom::Start(n) => (n as i64, 0),
            SeekFrom::Current(n) => (n, 1),
            SeekFrom::End(n) => (n, 2),
        };
        Python::attach(|py| {
            self.obj
                .bind(py)
                .call_method1("seek", (offset, whence))
                .and_then(|r| r.extract::<u64>())
                .map_err(|e| std::io::Error::other(format!("seek() raised {e}")))
        })
    }
}

/// Whether `s` is a URL for fsspec (`s3://`, `https://`, ...), not a path.
fn is_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    })
}

/// The `storage_options` keyword argument, if given.
pub(crate) fn storage_options<'py>(
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match options {
        Some(d) => Ok(d.get_item("storage_options")?.filter(|v| !v.is_none())),
        None => Ok(None),
    }
}

/// A contiguous byte memoryview over an immutable `bytes` object, borrowed
/// without copying: the input keeps the `bytes` alive and reads the
/// memoryview's window of it. `None` for any other memoryview.
fn memoryview_of_bytes(mv: &Bound<'_, PyAny>) -> PyResult<Option<bytes::Bytes>> {
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
    Ok(Some(
        bytes::Bytes::from_owner(backed).slice(start..start + len),
    ))
}

/// A resolved input and the name problems and `source` columns give it.
pub(crate) struct Resolved {
    pub(crate) input: Input,
    pub(crate) name: String,
}

fn is_path(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyString>()
        || obj.is_instance(&py.import("os")?.getattr("PathLike")?)?)
}

/// Turns `obj` into an input; see `ACCEPTED`. A URL is opened with
/// fsspec (`marcarrow._remote`) and `storage`. Unknown types raise
/// `TypeError` naming the accepted kinds; a text-mode file says to open it
/// with `'rb'`.
pub(crate) fn resolve(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    storage: Option<&Bound<'_, PyAny>>,
) -> PyResult<Resolved> {
    if let Ok(s) = obj.cast::<PyString>() {
        let url = s.to_str()?;
        if is_url(url) {
            let f = py
                .import("marcarrow._remote")?
                .call_method1("open_url", (url, storage))?;
            let mut r = resolve(py, &f, None)?;
            r.name = url.to_string();
            return Ok(r);
        }
    }
    let named = |input, name: String| Ok(Resolved { input, name });
    let type_name = || -> PyResult<String> { Ok(format!("<{}>", obj.get_type().name()?)) };
    if let Ok(b) = obj.cast::<PyBytes>() {
        // Immutable: shared with the workers without a copy.
        let backed: PyBackedBytes = b.clone().into();
        return named(
            Input::Shared(bytes::Bytes::from_owner(backed)),
            type_name()?,
        );
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        // Mutable: a writer could change it under us, so copy once.
        return named(Input::Shared(b.to_vec().into()), type_name()?);
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let data = match memoryview_of_bytes(obj)? {
            Some(b) => b,
            // Over a mutable object (or not contiguous bytes): copy once.
            None => obj.call_method0("tobytes")?.extract::<Vec<u8>>()?.into(),
        };
        return named(Input::Shared(data), type_name()?);
    }
    if is_path(py, obj)? {
        let path: std::path::PathBuf = py
            .import("os")?
            .call_method1("fsdecode", (obj,))?
            .extract()?;
        let name = path.display().to_string();
        return named(Input::Path(path), name);
    }
    let io = py.import("io")?;
    if obj.is_instance(&io.getattr("TextIOBase")?)? {
        return Err(PyTypeError::new_err(
            "marcarrow reads bytes, but this file was opened in text mode: open it with 'rb' \
             (or pass sys.stdin.buffer for standard input)",
        ));
    }
    let name = match obj.getattr("name") {
        Ok(n) if n.is_instance_of::<PyString>() => n.extract::<String>()?,
        _ => type_name()?,
    };
    if obj.is_instance(&io.getattr("BytesIO")?)? {
        // Its buffer is writable: copy what is left of it once.
        let data: Vec<u8> = obj.call_method0("getvalue")?.extract()?;
        let at: usize = obj.call_method0("tell")?.extract()?;
        return named(
            Input::Shared(data[at.min(data.len())..].to_vec().into()),
            name,
        );
    }
    let socket = py.import("socket")?;
    if obj.is_instance(&socket.getattr("socket")?)? {
        let r = PyRead {
            obj: obj.clone().unbind(),
            method: "recv",
            pending: Vec::new(),
        };
        return named(Input::Reader(Box::new(r)), type_name()?);
    }
    if obj.hasattr("read")? {
        let method = if obj.hasattr("read1")? {
            "read1"
        } else {
            "read"
        };
        let r = PyRead {
            obj: obj.clone().unbind(),
            method,
            pending: Vec::new(),
        };
        // A byte range seeks; anything else reads it as a stream.
        let seekable = obj.hasattr("seek")?
            && obj
                .call_method0("seekable")
                .and_then(|b| b.extract::<bool>())
                .unwrap_or(false);
        if seekable {
            return named(Input::Seekable(Box::new(r)), name);
        }
        return named(Input::Reader(Box::new(r)), name);
    }
    Err(PyTypeError::new_err(format!(
        "cannot read MARC from {}: expected {ACCEPTED}",
        obj.get_type().name()?
    )))
}

/// Opens a resolved input, GIL released: a missing file, a directory or a
/// permission error raises the matching `OSError` with the path.
pub(crate) fn open(py: Python<'_>, r: Resolved) -> PyResult<Source> {
    let name = r.name;
    let input = r.input;
    py.detach(move || input.open())
        .map_err(|e| errors::io_error(e, std::path::Path::new(&name)))
}

/// `resolve` then `open`: the source and its name (`options`: the keyword
/// arguments, for `storage_options`).
pub(crate) fn source(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Source, String)> {
    let r = resolve(py, obj, storage_options(options)?.as_ref())?;
    let name = r.name.clone();
    Ok((open(py, r)?, name))
}

/// Each object of `sources` resolved and opened, with its name and size
/// (the inputs of `to_parquet` and `convert`).
pub(crate) fn named(
    py: Python<'_>,
    sources: &Bound<'_, pyo3::types::PyList>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<crate::sink::parquet::Named>> {
    let storage = storage_options(options)?;
    let mut inputs = Vec::new();
    for obj in sources.iter() {
        let r = resolve(py, &obj, storage.as_ref())?;
        let size = r.input.size();
        let name = r.name.clone();
        inputs.push(crate::sink::parquet::Named {
            name,
            source: open(py, r)?,
            size,
        });
    }
    Ok(inputs)
}
