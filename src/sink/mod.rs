//! Where a stream of records ends up: a Parquet file ([`parquet`]) or a
//! summary of counts ([`summary`]). The MARC writers come here next.

pub mod parquet;
mod progress;
pub mod summary;
