//! marcarrow: read MARC 21 records (ISO 2709) fast, into Apache Arrow.
//!
//! The crate is layered (see `ARCHITECTURE.md`):
//!
//! - [`scan`] finds record boundaries in a byte stream (no allocation).
//! - [`record`] parses one record into borrowed views of its leader,
//!   directory, fields and subfields.
//! - [`reader`] drives both over a slice or an `io::Read`, applying the
//!   caller's [`ErrorPolicy`].
//! - [`arrow`] builds Arrow RecordBatches (nested or long layout) from
//!   parsed records; [`pipeline`] does that in parallel, in order, with
//!   bounded memory; [`source`] opens files and compressed streams.
//! - [`path`] is the field-path language (`245$a`, `008/35-37`);
//!   [`columns`] builds the flat `columns` layout from paths and
//!   [`predicate`] the `where` filter, both on [`select`]'s tag filters.
//! - [`stats`] summarises a source (what `python -m marcarrow` prints).
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
pub mod columns;
pub mod decode;
pub mod error;
pub mod export;
pub mod marc8;
pub mod path;
pub mod pipeline;
pub mod predicate;
pub mod reader;
pub mod record;
pub mod scan;
pub mod select;
pub mod source;
pub mod stats;

#[cfg(feature = "python")]
mod python;

pub use error::{Action, ErrorKind, ErrorPolicy, MarcError, Problem, Tag};
pub use reader::{Item, Reader};
pub use record::{Encoding, FieldView, Parser, RecordView, Subfield};
