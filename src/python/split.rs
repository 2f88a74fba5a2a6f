//! `_splits`: the byte ranges an engine reads an object in
//! (`marcarrow.splits`, Dask's partitions, Spark's input partitions).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::{errors, input, options};
use crate::formats::split;
use crate::input::{RandomAccess, Source};
use crate::options::Entry;

/// Ranges of about `blocksize` bytes that cover `source`: one range when it
/// cannot be split (compressed, a JSON array, MARCMaker text).
#[pyfunction]
#[pyo3(signature = (source, blocksize, **options))]
pub(crate) fn _splits(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    blocksize: u64,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(u64, u64)>> {
    let opts = options::read_options(Entry::Batches, options::pairs(options)?)?;
    let (src, name) = input::source(py, source, options)?;
    let mut ra = match src {
        Source::Shared(b) => RandomAccess::Shared(b),
        Source::Seekable(r) => RandomAccess::Seekable(r),
        Source::Reader(_) | Source::Window(..) => {
            return Err(PyValueError::new_err(format!(
                "{name} cannot be split: it is a stream that cannot seek"
            )))
        }
    };
    py.detach(|| -> std::io::Result<_> {
        let size = ra.size()?;
        let splittable = split::splittable(&mut ra, opts.format)?;
        Ok(split::ranges(size, blocksize, splittable))
    })
    .map_err(|e| errors::io_error(e, std::path::Path::new(&name)))
}
