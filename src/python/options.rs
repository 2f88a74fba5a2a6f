//! Keyword arguments to [`ReadOptions`]: each value becomes a [`Value`] by
//! its Python type alone; names, defaults, validation and messages are the
//! core's (`src/options.rs`).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::options::{Entry, OptionError, ReadOptions, Value};

fn value(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        return Ok(Value::None);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(v
            .extract::<i64>()
            .map(Value::Int)
            .unwrap_or(Value::Int(i64::MAX)));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::Str(s.to_str()?.to_string()));
    }
    // A `marcarrow.col(...)` condition: its text is the `where` language.
    if v.is_instance(&v.py().import("marcarrow._expr")?.getattr("Expr")?)? {
        return Ok(Value::Str(v.str()?.to_str()?.to_string()));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        if let Ok(items) = v.extract::<Vec<String>>() {
            return Ok(Value::List(items));
        }
        if let Ok(items) = v.extract::<Vec<i64>>() {
            return Ok(Value::Ints(items));
        }
        return Ok(Value::Other("a list that is not all str".into()));
    }
    if v.hasattr("items")? {
        let mut pairs = Vec::new();
        for item in v.call_method0("items")?.try_iter()? {
            match item?.extract::<(String, String)>() {
                Ok(p) => pairs.push(p),
                Err(_) => return Ok(Value::Other("a mapping that is not str to str".into())),
            }
        }
        return Ok(Value::Map(pairs));
    }
    Ok(Value::Other(v.get_type().name()?.to_string()))
}

/// The keyword arguments as (name, value) pairs, in the order given.
pub(crate) fn pairs(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, Value)>> {
    let mut out = Vec::new();
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            out.push((k.extract::<String>()?, value(&v)?));
        }
    }
    Ok(out)
}

/// An option error as Python raises it: `TypeError` for a wrong name or
/// type, `ValueError` for a wrong value.
pub(crate) fn option_error(e: OptionError) -> PyErr {
    match e {
        OptionError::Unknown { .. } | OptionError::Type { .. } => {
            PyTypeError::new_err(e.to_string())
        }
        OptionError::Value(_) => PyValueError::new_err(e.to_string()),
    }
}

/// The reading options of `entry` from keyword arguments.
pub(crate) fn read_options(entry: Entry, pairs: Vec<(String, Value)>) -> PyResult<ReadOptions> {
    ReadOptions::from_pairs(entry, pairs).map_err(option_error)
}

/// Every documented option as `(name, default, help, entries)`, for the
/// test that holds the stubs and docs to the core.
#[pyfunction]
pub(crate) fn _read_options() -> Vec<(&'static str, &'static str, &'static str, Vec<&'static str>)>
{
    crate::options::OPTIONS
        .iter()
        .filter(|s| !s.hidden)
        .map(|s| {
            let entries = s
                .entries
                .iter()
                .map(|e| match e {
                    Entry::Batches => "batches",
                    Entry::Parquet => "parquet",
                    Entry::Summary => "summary",
                    Entry::Records => "records",
                    Entry::Validate => "validate",
                })
                .collect();
            (s.name, s.default, s.help, entries)
        })
        .collect()
}
