//! Where a stream of records ends up: a Parquet file ([`parquet`]) or a
//! summary of counts ([`summary`]), written through [`output`] (atomic for
//! files, in place for devices). The MARC writers come here next.

pub mod output;
pub mod parquet;
mod progress;
pub mod summary;
