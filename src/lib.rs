//! marcarrow: read MARC 21 records (ISO 2709) fast, into Apache Arrow.
//!
//! The folders follow the data (see `ARCHITECTURE.md`):
//!
//! - [`input`]: where the bytes come from (a path, a shared buffer, any
//!   `io::Read`), decompression recognised by magic bytes, and the record
//!   format recognised by content.
//! - [`marc`]: record boundaries ([`marc::scan`]), one record's fields and
//!   subfields ([`marc::record`]), and the sequential [`Reader`] that applies
//!   the caller's [`ErrorPolicy`].
//! - [`formats`]: MARCXML, MARC-in-JSON and MARCMaker text: their
//!   record boundaries, and each record read into the shape of a parsed
//!   ISO 2709 record.
//! - [`decode`]: MARC-8 and the single-byte encodings into UTF-8.
//! - [`select`]: tag filters, the path language and `where=` predicates.
//! - [`arrow`]: one [`arrow::RecordBuilder`] per layout (nested, long,
//!   columns).
//! - [`pipeline`]: the parallel, ordered, bounded stream of batches.
//! - [`sink`]: what consumes a stream (Parquet, the summary).
//! - [`validate`]: records checked against an Avram schema, findings as
//!   Arrow batches.
//! - [`options`]: every reading option, its default and its validation.
//!
//! ```
//! use marcarrow::{ErrorPolicy, Reader};
//!
//! let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/python/marcarrow/data/loc-bib-386.mrc")).unwrap();
//! let mut reader = Reader::from_slice(&data, ErrorPolicy::Strict);
//! let mut titles = 0;
//! while let Some(item) = reader.next_record().unwrap() {
//!     let item = item.unwrap();
//!     if item.record.field(b"245").is_some() {
//!         titles += 1;
//!     }
//! }
//! assert_eq!(titles, 386);
//! ```
#![warn(missing_docs)]

pub mod arrow;
pub mod decode;
pub mod error;
pub mod formats;
pub mod input;
pub mod marc;
pub mod options;
pub mod pipeline;
pub mod select;
pub mod sink;
pub mod validate;

#[cfg(feature = "python")]
mod python;

pub use error::{Action, ErrorKind, ErrorPolicy, MarcError, Problem, Tag};
pub use marc::reader::{Item, Reader};
pub use marc::record::{Encoding, FieldView, Parser, RecordView, Subfield};
pub use options::ReadOptions;
