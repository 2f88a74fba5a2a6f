//! Selection: which fields to keep ([`tags`]), the path language
//! ([`path`]: `245$a`, `008/35-37`) and the `where=` predicates
//! ([`predicate`]). Paths and predicates build their own tag filters from
//! the tags they name, so unselected fields are never decoded.

pub mod path;
pub mod predicate;
pub mod tags;

pub use tags::{keeps, TagFilter};
