//! ISO 2709: record boundaries ([`scan`]), one record's leader, directory,
//! fields and subfields ([`record`]), and the sequential reader that
//! applies the error policy ([`reader`]). No Arrow, no threads, no I/O
//! beyond an `io::Read` handed in.

pub mod dialect;
pub mod encoding;
pub mod reader;
pub mod record;
pub mod scan;
pub mod view;

pub use dialect::Dialect;
