//! Where a stream of records ends up: a Parquet file ([`parquet`]) or a
//! summary of counts ([`summary`]), written through [`output`] (atomic for
//! files, in place for devices), or MARC again ([`write`]: ISO 2709,
//! MARCXML, MARC-in-JSON, MARCMaker).

pub mod output;
pub mod parquet;
mod parquet_encode;
mod progress;
pub mod quarantine;
pub mod summary;
pub mod write;
