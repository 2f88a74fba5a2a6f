//! Every reading option in one place: its name, its default, which entry
//! points take it, its validation and its error message.
//!
//! Bindings do not interpret options. They turn each keyword argument into
//! a [`Value`] by its type alone and hand the list to
//! [`ReadOptions::from_pairs`]; everything else happens here. [`OPTIONS`]
//! is the table the Python stubs and `docs/options.md` are checked against
//! (`tests/test_options.py`).

use std::sync::Arc;

use crate::arrow::columns::Columns;
use crate::arrow::{Layout, StringType};
use crate::decode::{DecodeOptions, EncodingErrors, EncodingMode};
use crate::error::ErrorPolicy;
use crate::input::Format;
use crate::marc::Dialect;
use crate::select::predicate::Predicate;
use crate::select::TagFilter;

/// Default records per batch, from the batch-size sweep (ARCHITECTURE.md).
pub const DEFAULT_BATCH_SIZE: usize = 2048;
/// Default cap on the input bytes of one batch.
pub const DEFAULT_BATCH_BYTES: usize = 32 << 20;

/// Every setting of a read: what to build, how to decode, what to keep,
/// how to run.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Output layout.
    pub layout: Layout,
    /// Physical type of the string columns.
    pub strings: StringType,
    /// Records per batch (at most).
    pub batch_size: usize,
    /// Input bytes per batch (at most, except for a single larger record).
    pub batch_bytes: usize,
    /// Worker threads: `None` uses Rayon's global pool (which respects
    /// `RAYON_NUM_THREADS`), `Some(n)` a pool of `n`.
    pub threads: Option<usize>,
    /// The record format; `None`: recognised by content.
    pub format: Option<Format>,
    /// Error policy.
    pub policy: ErrorPolicy,
    /// How each record's encoding is chosen.
    pub encoding: EncodingMode,
    /// What bytes that do not decode lead to, NFC normalisation, dialect.
    pub decode: DecodeOptions,
    /// Keep only fields with these tags (`None`: all).
    pub tags: Option<TagFilter>,
    /// Add provenance columns (`record_index`, `byte_offset`,
    /// `control_number`) in front.
    pub provenance: bool,
    /// The `columns` layout: one column per path (overrides `layout` and
    /// `tags`).
    pub columns: Option<Arc<Columns>>,
    /// Deliver only the records this predicate accepts (evaluated before
    /// anything of the record is built).
    pub predicate: Option<Arc<Predicate>>,
    /// Chunks in flight at most; `None`: twice the threads plus two.
    pub max_in_flight: Option<usize>,
    /// Test hook: the worker for this chunk panics.
    #[doc(hidden)]
    pub fail_at_chunk: Option<u64>,
    /// Read only the records of this byte range `[start, end)` of the
    /// object (`formats::split`).
    pub byte_range: Option<(u64, u64)>,
    /// Keep each batch's chunk bytes for `BatchStream::take_raw` (the
    /// record iterator's `current_chunk`); off, they are freed as soon as
    /// the batch is built.
    pub keep_raw: bool,
    /// Keep the bytes of every record skipped as malformed (not of garbage
    /// between records), for `BatchStream::quarantined`.
    pub quarantine: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            layout: Layout::Nested,
            strings: StringType::Plain,
            batch_size: DEFAULT_BATCH_SIZE,
            batch_bytes: DEFAULT_BATCH_BYTES,
            threads: None,
            format: None,
            policy: ErrorPolicy::Strict,
            encoding: EncodingMode::Auto,
            decode: DecodeOptions::default(),
            tags: None,
            provenance: false,
            columns: None,
            predicate: None,
            max_in_flight: None,
            fail_at_chunk: None,
            byte_range: None,
            keep_raw: false,
            quarantine: false,
        }
    }
}

impl ReadOptions {
    /// The schema of every batch these options produce.
    pub fn schema(&self) -> arrow_schema::SchemaRef {
        match &self.columns {
            Some(c) => c.schema(self.strings, self.provenance),
            None => self.layout.schema_with(self.strings, self.provenance),
        }
    }

    /// The name of the layout these options build: `"nested"`, `"long"` or
    /// `"columns"`.
    pub fn layout_name(&self) -> &'static str {
        match (self.columns.is_some(), self.layout) {
            (true, _) => "columns",
            (false, Layout::Nested) => "nested",
            (false, Layout::Long) => "long",
        }
    }
}

/// The entry points that take reading options; each takes a subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `read_batches`, `read_arrow`, `read_polars`, `scan_marc`.
    Batches,
    /// `to_parquet` (its own Parquet options are taken off first).
    Parquet,
    /// `summarize`.
    Summary,
    /// The record iterator (`MARCReader`, `marcarrow.pymarc`).
    Records,
    /// `validate`.
    Validate,
}

impl Entry {
    /// The function named in messages.
    pub fn function(self) -> &'static str {
        match self {
            Entry::Batches => "read_batches()",
            Entry::Parquet => "to_parquet()",
            Entry::Summary => "summarize()",
            Entry::Records => "the record iterator",
            Entry::Validate => "validate()",
        }
    }
}

/// One documented option.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    /// The keyword.
    pub name: &'static str,
    /// Its default, as a Python literal.
    pub default: &'static str,
    /// What it does (one line, for the docs).
    pub help: &'static str,
    /// The entry points that take it.
    pub entries: &'static [Entry],
    /// Test-only hooks (names starting with `_`), not documented.
    pub hidden: bool,
}

const ALL: &[Entry] = &[
    Entry::Batches,
    Entry::Parquet,
    Entry::Summary,
    Entry::Records,
    Entry::Validate,
];
const TABLES: &[Entry] = &[Entry::Batches, Entry::Parquet];
const BATCHES: &[Entry] = &[Entry::Batches];
const SELECT: &[Entry] = &[Entry::Batches, Entry::Parquet, Entry::Summary];
const WHERE: &[Entry] = &[
    Entry::Batches,
    Entry::Parquet,
    Entry::Summary,
    Entry::Validate,
];

macro_rules! spec {
    ($name:literal, $default:literal, $entries:expr, $help:literal) => {
        OptionSpec {
            name: $name,
            default: $default,
            help: $help,
            entries: $entries,
            hidden: false,
        }
    };
}

/// Every reading option, in the order the docs list them.
pub const OPTIONS: &[OptionSpec] = &[
    spec!(
        "layout",
        "'nested'",
        TABLES,
        "'nested' (one row per record) or 'long' (one row per subfield)"
    ),
    spec!(
        "format",
        "None",
        ALL,
        "'iso2709', 'marcxml', 'json' or 'mrk' (None: recognised by content)"
    ),
    spec!(
        "errors",
        "'strict'",
        ALL,
        "malformed records: 'strict' (raise), 'lenient' (repair or skip), 'skip'"
    ),
    spec!(
        "encoding",
        "'auto'",
        ALL,
        "'auto' (leader/09), 'utf-8', 'marc-8', 'latin-1' or 'cp1251'"
    ),
    spec!(
        "encoding_errors",
        "'strict'",
        ALL,
        "bytes that do not decode: 'strict' (malformed), 'replace' or 'ignore'"
    ),
    spec!(
        "normalize",
        "True",
        ALL,
        "NFC-normalise text decoded from MARC-8"
    ),
    spec!(
        "tags",
        "None",
        SELECT,
        "keep only fields with these tags ('245', '6XX'; X matches any character)"
    ),
    spec!(
        "columns",
        "None",
        TABLES,
        "{name: path}: the flat columns layout (docs/columns.md)"
    ),
    spec!(
        "where",
        "None",
        WHERE,
        "keep only records that match a condition (a str or marcarrow.col(...))"
    ),
    spec!(
        "provenance",
        "False",
        TABLES,
        "add record_index, byte_offset and control_number columns"
    ),
    spec!(
        "string_type",
        "'string'",
        BATCHES,
        "'string' (Utf8) or 'string_view' (Utf8View); read_polars defaults to 'string_view'"
    ),
    spec!(
        "batch_size",
        "None",
        &[
            Entry::Batches,
            Entry::Summary,
            Entry::Records,
            Entry::Validate
        ],
        "records per batch (None: 2048)"
    ),
    spec!(
        "byte_range",
        "None",
        &[Entry::Batches, Entry::Summary, Entry::Validate],
        "(start, end): only the records that start in this byte range (docs/scale-out.md)"
    ),
    spec!(
        "quarantine",
        "False",
        &[Entry::Batches, Entry::Parquet, Entry::Summary, Entry::Validate],
        "keep the original bytes of every skipped record (docs/errors.md); read_arrow, read_polars, to_parquet, convert and validate also take a path to write them to"
    ),
    spec!(
        "storage_options",
        "None",
        ALL,
        "for URLs (s3://, https://, ...): passed to fsspec, as pandas and Dask do"
    ),
    spec!(
        "threads",
        "None",
        ALL,
        "worker threads (None: all cores, or RAYON_NUM_THREADS)"
    ),
    OptionSpec {
        name: "_max_in_flight",
        default: "None",
        help: "test hook: chunks in flight at most",
        entries: ALL,
        hidden: true,
    },
    OptionSpec {
        name: "_fail_at_chunk",
        default: "None",
        help: "test hook: the worker of this chunk panics",
        entries: ALL,
        hidden: true,
    },
];

/// A keyword argument's value, typed by what the caller passed.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (a `where=` condition object arrives as its text).
    Str(String),
    /// A sequence of strings.
    List(Vec<String>),
    /// A mapping of strings to strings.
    Map(Vec<(String, String)>),
    /// A sequence of integers.
    Ints(Vec<i64>),
    /// Anything else, by its type's name (only for the error message).
    Other(String),
}

impl Value {
    pub(crate) fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Map(_) => "dict".into(),
            Value::Ints(_) => "tuple of int".into(),
            Value::Other(t) => t.clone(),
        }
    }
}

/// A rejected option.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// The entry point takes no option of that name (Python: `TypeError`).
    #[error("{function} got an unexpected keyword argument '{name}'")]
    Unknown {
        /// The entry point.
        function: &'static str,
        /// The keyword.
        name: String,
    },
    /// The value has the wrong type (Python: `TypeError`).
    #[error("{name} must be {expected}, not {found}")]
    Type {
        /// The keyword.
        name: String,
        /// What it takes.
        expected: &'static str,
        /// The type given.
        found: String,
    },
    /// The value is of the right type but not allowed (Python: `ValueError`).
    #[error("{0}")]
    Value(String),
}

/// A wrong-type error for option `name` (shared with the sinks' options).
pub(crate) fn type_err(name: &str, expected: &'static str, v: &Value) -> OptionError {
    OptionError::Type {
        name: name.to_string(),
        expected,
        found: v.kind(),
    }
}

fn text<'v>(name: &str, v: &'v Value) -> Result<&'v str, OptionError> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(type_err(name, "a str", v)),
    }
}

fn count(name: &str, v: &Value) -> Result<Option<usize>, OptionError> {
    match v {
        Value::None => Ok(None),
        Value::Int(n) if *n >= 1 => Ok(Some(*n as usize)),
        Value::Int(_) => Err(OptionError::Value(format!("{name} must be at least 1"))),
        _ => Err(type_err(name, "an int or None", v)),
    }
}

fn flag(name: &str, v: &Value) -> Result<bool, OptionError> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(type_err(name, "a bool", v)),
    }
}

fn choice<T>(
    name: &str,
    v: &Value,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<T, OptionError> {
    let s = text(name, v)?;
    parse(s).ok_or_else(|| OptionError::Value(format!("{name} must be {allowed}, not {s:?}")))
}

impl ReadOptions {
    /// The options of `entry` from keyword arguments: defaults for what is
    /// not given, every value checked, then the combinations.
    pub fn from_pairs<I>(entry: Entry, pairs: I) -> Result<Self, OptionError>
    where
        I: IntoIterator<Item = (String, Value)>,
    {
        let mut o = ReadOptions::default();
        let mut columns = None;
        let mut predicate = None;
        for (name, v) in pairs {
            let known = OPTIONS
                .iter()
                .any(|s| s.name == name && s.entries.contains(&entry));
            if !known {
                return Err(OptionError::Unknown {
                    function: entry.function(),
                    name,
                });
            }
            let n = name.as_str();
            match n {
                "layout" => {
                    o.layout = choice(n, &v, Layout::parse, "'nested' or 'long'")?;
                }
                "format" => {
                    o.format = match v {
                        Value::None => None,
                        _ => Some(choice(
                            n,
                            &v,
                            Format::parse,
                            "'iso2709', 'marcxml', 'json' or 'mrk'",
                        )?),
                    }
                }
                "errors" => {
                    o.policy = choice(n, &v, ErrorPolicy::parse, "'strict', 'lenient' or 'skip'")?;
                }
                "encoding" => {
                    o.encoding = choice(
                        n,
                        &v,
                        EncodingMode::parse,
                        "'auto', 'utf-8', 'marc-8', 'latin-1' or 'cp1251'",
                    )?;
                }
                "encoding_errors" => {
                    o.decode.errors = choice(
                        n,
                        &v,
                        EncodingErrors::parse,
                        "'strict', 'replace' or 'ignore'",
                    )?;
                }
                "normalize" => o.decode.normalize = flag(n, &v)?,
                "provenance" => o.provenance = flag(n, &v)?,
                "string_type" => {
                    o.strings = choice(n, &v, StringType::parse, "'string' or 'string_view'")?;
                }
                "batch_size" => o.batch_size = count(n, &v)?.unwrap_or(DEFAULT_BATCH_SIZE),
                "threads" => o.threads = count(n, &v)?,
                "_max_in_flight" => o.max_in_flight = count(n, &v)?,
                "quarantine" => {
                    o.quarantine = match v {
                        Value::Bool(b) => b,
                        _ => return Err(type_err(n, "a bool", &v)),
                    }
                }
                "_fail_at_chunk" => {
                    o.fail_at_chunk = match v {
                        Value::None => None,
                        Value::Int(i) if i >= 0 => Some(i as u64),
                        _ => return Err(type_err(n, "an int >= 0 or None", &v)),
                    }
                }
                "byte_range" => {
                    o.byte_range = match v {
                        Value::None => None,
                        Value::Ints(r) if r.len() == 2 && 0 <= r[0] && r[0] <= r[1] => {
                            Some((r[0] as u64, r[1] as u64))
                        }
                        Value::Ints(_) => {
                            return Err(OptionError::Value(
                                "byte_range must be (start, end) with 0 <= start <= end".into(),
                            ))
                        }
                        _ => return Err(type_err(n, "a (start, end) tuple of int or None", &v)),
                    }
                }
                // Taken by the binding, which opens URLs through fsspec.
                "storage_options" => {}
                "tags" => {
                    o.tags = match &v {
                        Value::None => None,
                        Value::List(l) => {
                            Some(TagFilter::new(l).map_err(|e| OptionError::Value(e.to_string()))?)
                        }
                        _ => return Err(type_err(n, "a list of str or None", &v)),
                    }
                }
                "columns" => {
                    columns = match v {
                        Value::None => None,
                        Value::Map(m) => Some(m),
                        _ => {
                            return Err(type_err(
                                n,
                                "a dict of column name to path, such as {\"title\": \"245$a\"}",
                                &v,
                            ))
                        }
                    }
                }
                "where" => {
                    predicate = match v {
                        Value::None => None,
                        Value::Str(s) => Some(s),
                        _ => {
                            return Err(type_err(n, "a str or a marcarrow.col(...) condition", &v))
                        }
                    }
                }
                _ => unreachable!("every option of OPTIONS is handled: {n}"),
            }
        }
        if let Some(pairs) = columns {
            o.set_columns(pairs)?;
        }
        if let Some(w) = predicate {
            let p = Predicate::parse(&w).map_err(|e| OptionError::Value(e.to_string()))?;
            o.predicate = Some(Arc::new(p));
        }
        Ok(o)
    }

    fn set_columns(&mut self, pairs: Vec<(String, String)>) -> Result<(), OptionError> {
        let bad = |m: String| Err(OptionError::Value(m));
        if self.layout != Layout::Nested {
            return bad("columns= makes its own flat layout: leave layout at its default".into());
        }
        if self.tags.is_some() {
            return bad(
                "tags= applies to the nested and long layouts, not with columns= (paths name their tags)"
                    .into(),
            );
        }
        if self.provenance {
            let taken = ["record_index", "byte_offset", "control_number"];
            if let Some((n, _)) = pairs.iter().find(|(n, _)| taken.contains(&n.as_str())) {
                return bad(format!("column name {n:?} is taken by a provenance column"));
            }
        }
        let cols = Columns::new(pairs).map_err(|e| OptionError::Value(e.to_string()))?;
        self.columns = Some(Arc::new(cols));
        Ok(())
    }

    /// The record iterator's reading: nested layout, plain strings,
    /// provenance and the chunk bytes kept, in `dialect`.
    pub fn for_records(mut self, dialect: Dialect) -> Self {
        self.layout = Layout::Nested;
        self.strings = StringType::Plain;
        self.provenance = true;
        self.keep_raw = true;
        self.decode.dialect = dialect;
        self
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
