//! Records out of Arrow batches in the nested layout (and the long layout,
//! regrouped by record), checked as they are read: a column that is not
//! there or not a string, a null leader, a leader that is not 24
//! characters, a tag that is not three, an indicator or subfield code that
//! is not one, each names its column and row.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{
    Array, ArrayRef, GenericListArray, LargeStringArray, OffsetSizeTrait, RecordBatch, StringArray,
    StringViewArray, StructArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{ArrowError, DataType};

use super::record::Parts;

/// A table that cannot be written, with where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{column}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default())]
pub struct TableError {
    /// The column (`fields.tag`, `fields.subfields.code`, ...).
    pub column: String,
    /// The row (0-based, counted over the whole stream), where one is at
    /// fault.
    pub row: Option<u64>,
    /// What is wrong.
    pub message: String,
}

fn schema_error(column: &str, message: impl Into<String>) -> TableError {
    TableError {
        column: column.to_string(),
        row: None,
        message: message.into(),
    }
}

/// A string column of any of Arrow's string types.
/// (`Strs::of` checks the type once per batch.)
#[derive(Clone, Copy, Debug)]
pub(crate) enum Strs<'a> {
    /// A column of type `null` (what pyarrow infers for all-`None`).
    Null,
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strs<'a> {
    pub(crate) fn of(a: &'a dyn Array, column: &str) -> Result<Self, TableError> {
        match a.data_type() {
            DataType::Utf8 => Ok(Strs::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strs::Large(a.as_string::<i64>())),
            DataType::Utf8View => Ok(Strs::View(a.as_string_view())),
            DataType::Null => Ok(Strs::Null),
            other => Err(schema_error(
                column,
                format!("is {other}, not a string column"),
            )),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Null => None,
            Strs::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Casts dictionary-encoded (or other castable) string columns to plain
/// strings, recursively, so that [`Strs`] sees one of three types.
pub(crate) fn plain(a: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    match a.data_type() {
        DataType::Dictionary(_, v)
            if matches!(
                **v,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            arrow_cast::cast(a, v)
        }
        DataType::Struct(_) => {
            let s = a.as_struct();
            let cols = s
                .columns()
                .iter()
                .map(plain)
                .collect::<Result<Vec<_>, _>>()?;
            let fields = s
                .fields()
                .iter()
                .zip(&cols)
                .map(|(f, c)| Arc::new(f.as_ref().clone().with_data_type(c.data_type().clone())))
                .collect::<Vec<_>>();
            Ok(Arc::new(StructArray::try_new(
                fields.into(),
                cols,
                s.nulls().cloned(),
            )?))
        }
        DataType::List(f) => plain_list(a.as_list::<i32>(), f),
        DataType::LargeList(f) => plain_list(a.as_list::<i64>(), f),
        _ => Ok(a.clone()),
    }
}

/// A list with its items made plain.
fn plain_list<O: OffsetSizeTrait>(
    l: &GenericListArray<O>,
    f: &arrow_schema::FieldRef,
) -> Result<ArrayRef, ArrowError> {
    let v = plain(l.values())?;
    let f = Arc::new(f.as_ref().clone().with_data_type(v.data_type().clone()));
    Ok(Arc::new(GenericListArray::<O>::try_new(
        f,
        l.offsets().clone(),
        v,
        l.nulls().cloned(),
    )?))
}

/// A list column (32- or 64-bit offsets) of structs.
#[derive(Clone, Copy, Debug)]
struct Lists<'a> {
    offsets: Offsets<'a>,
    nulls: Option<&'a NullBuffer>,
    items: &'a StructArray,
}

#[derive(Clone, Copy, Debug)]
enum Offsets<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl<'a> Lists<'a> {
    fn of(a: &'a dyn Array, column: &str) -> Result<Self, TableError> {
        fn list<'a, O: OffsetSizeTrait>(
            l: &'a GenericListArray<O>,
            column: &str,
        ) -> Result<(&'a [O], Option<&'a NullBuffer>, &'a StructArray), TableError> {
            let items = l
                .values()
                .as_struct_opt()
                .ok_or_else(|| schema_error(column, "is not a list of structs"))?;
            Ok((l.value_offsets(), l.nulls(), items))
        }
        match a.data_type() {
            DataType::List(_) => {
                let (o, nulls, items) = list(a.as_list::<i32>(), column)?;
                Ok(Lists {
                    offsets: Offsets::I32(o),
                    nulls,
                    items,
                })
            }
            DataType::LargeList(_) => {
                let (o, nulls, items) = list(a.as_list::<i64>(), column)?;
                Ok(Lists {
                    offsets: Offsets::I64(o),
                    nulls,
                    items,
                })
            }
            other => Err(schema_error(column, format!("is {other}, not a list"))),
        }
    }

    /// The item range of row `i`, `None` for a null list.
    #[inline]
    fn range(&self, i: usize) -> Option<(usize, usize)> {
        if self.nulls.is_some_and(|n| n.is_null(i)) {
            return None;
        }
        Some(match self.offsets {
            Offsets::I32(o) => (o[i] as usize, o[i + 1] as usize),
            Offsets::I64(o) => (o[i] as usize, o[i + 1] as usize),
        })
    }

    fn child(&self, name: &str) -> Option<&'a ArrayRef> {
        self.items.column_by_name(name)
    }
}

/// The columns of one nested batch (casts done, so it owns its arrays).
pub struct Nested {
    leader: ArrayRef,
    fields: ArrayRef,
    place: Option<(ArrayRef, ArrayRef)>,
}

/// The provenance columns `record_index` and `byte_offset` as `UInt64`,
/// when a batch has both (where each record was read from).
pub(crate) fn provenance(batch: &RecordBatch) -> Option<(ArrayRef, ArrayRef)> {
    let col = |name: &str| {
        let a = batch.column_by_name(name)?;
        arrow_cast::cast(a, &DataType::UInt64).ok()
    };
    Some((col("record_index")?, col("byte_offset")?))
}

/// Row `i`'s `(record_index, byte_offset)`, when both are there and set.
pub(crate) fn place_of(place: Option<&(ArrayRef, ArrayRef)>, i: usize) -> Option<(u64, u64)> {
    let (ri, bo) = place?;
    let (ri, bo) = (
        ri.as_primitive::<UInt64Type>(),
        bo.as_primitive::<UInt64Type>(),
    );
    (ri.is_valid(i) && bo.is_valid(i)).then(|| (ri.value(i), bo.value(i)))
}

/// Borrowed accessors over a [`Nested`].
pub struct NestedView<'a> {
    place: Option<&'a (ArrayRef, ArrayRef)>,
    leader: Strs<'a>,
    fields: Lists<'a>,
    tag: Strs<'a>,
    ind1: Option<Strs<'a>>,
    ind2: Option<Strs<'a>>,
    value: Option<Strs<'a>>,
    subfields: Option<Lists<'a>>,
    code: Option<Strs<'a>>,
    sub_value: Option<Strs<'a>>,
}

impl Nested {
    /// Takes a batch that has the nested layout's `leader` and `fields`
    /// columns (other columns, such as provenance or `source`, are ignored).
    pub fn new(batch: &RecordBatch) -> Result<Self, TableError> {
        let col = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| {
                schema_error(
                    name,
                    "is missing: a table to write needs the nested layout's `leader` and \
                     `fields` columns, or the long layout's",
                )
            })
        };
        let cast = |a: &ArrayRef, name: &str| {
            plain(a).map_err(|e| schema_error(name, format!("cannot be read: {e}")))
        };
        Ok(Nested {
            leader: cast(col("leader")?, "leader")?,
            fields: cast(col("fields")?, "fields")?,
            place: provenance(batch),
        })
    }

    /// Checks the column types once per batch.
    pub fn view(&self) -> Result<NestedView<'_>, TableError> {
        let fields = Lists::of(self.fields.as_ref(), "fields")?;
        let opt = |name: &'static str, column: &str| -> Result<Option<Strs<'_>>, TableError> {
            fields
                .child(name)
                .map(|a| Strs::of(a.as_ref(), column))
                .transpose()
        };
        let tag =
            opt("tag", "fields.tag")?.ok_or_else(|| schema_error("fields.tag", "is missing"))?;
        let subfields = fields
            .child("subfields")
            .map(|a| Lists::of(a.as_ref(), "fields.subfields"))
            .transpose()?;
        let (code, sub_value) = match &subfields {
            Some(s) => {
                let get = |name: &str, column: &str| {
                    s.child(name)
                        .ok_or_else(|| schema_error(column, "is missing"))
                        .and_then(|a| Strs::of(a.as_ref(), column))
                };
                (
                    Some(get("code", "fields.subfields.code")?),
                    Some(get("value", "fields.subfields.value")?),
                )
            }
            None => (None, None),
        };
        let value = opt("value", "fields.value")?;
        if value.is_none() && subfields.is_none() {
            return Err(schema_error(
                "fields",
                "has neither `value` (control fields) nor `subfields` (data fields)",
            ));
        }
        Ok(NestedView {
            place: self.place.as_ref(),
            leader: Strs::of(self.leader.as_ref(), "leader")?,
            fields,
            tag,
            ind1: opt("ind1", "fields.ind1")?,
            ind2: opt("ind2", "fields.ind2")?,
            value,
            subfields,
            code,
            sub_value,
        })
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.leader.len()
    }
}

/// Whether `tag` names a control field (`001`-`009`; `00` and a digit),
/// as `marc::Tag::is_control` decides on reading.
pub(crate) fn is_control_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    b.len() == 3 && b[0] == b'0' && b[1] == b'0' && b[2].is_ascii_digit()
}

/// Whether `s` is `n` ASCII characters (tags and leaders: every MARC
/// format's readers take nothing else).
pub(crate) fn ascii(s: &str, n: usize) -> bool {
    s.len() == n && s.is_ascii()
}

/// Whether `s` is `n` characters.
#[inline]
pub(crate) fn chars(s: &str, n: usize) -> bool {
    if s.len() == n && s.is_ascii() {
        return true;
    }
    s.len() >= n && s.len() <= 4 * n && s.chars().count() == n
}

impl<'a> NestedView<'a> {
    /// Where row `i` was read from, when the table says.
    pub fn source_place(&self, i: usize) -> Option<(u64, u64)> {
        place_of(self.place, i)
    }

    /// Reads row `i` into `parts` and returns its leader. `row` is the
    /// row's number in the whole stream, for messages.
    pub fn record(&self, i: usize, row: u64, parts: &mut Parts<'a>) -> Result<&'a str, TableError> {
        let bad = |column: &str, message: String| TableError {
            column: column.to_string(),
            row: Some(row),
            message,
        };
        parts.clear();
        let leader = self
            .leader
            .get(i)
            .ok_or_else(|| bad("leader", "is null".into()))?;
        if !ascii(leader, 24) {
            return Err(bad(
                "leader",
                format!("{leader:?} is not 24 ASCII characters"),
            ));
        }
        let Some((from, to)) = self.fields.range(i) else {
            return Err(bad("fields", "is null".into()));
        };
        for (n, f) in (from..to).enumerate() {
            let at = |column: &str, message: String| bad(column, format!("field {n}: {message}"));
            let tag = self
                .tag
                .get(f)
                .ok_or_else(|| at("fields.tag", "is null".into()))?;
            if !ascii(tag, 3) {
                return Err(at(
                    "fields.tag",
                    format!("{tag:?} is not three ASCII characters"),
                ));
            }
            let value = self.value.and_then(|v| v.get(f));
            let subs = self.subfields.and_then(|s| s.range(f));
            // The tag decides, as every reader decides: 001-009 are control
            // fields, anything else a data field.
            let control = is_control_tag(tag);
            match (control, value, subs) {
                (true, _, Some((a, b))) if b > a => {
                    return Err(at(
                        "fields.subfields",
                        format!("{tag} is a control field, which has no subfields"),
                    ))
                }
                (false, Some(v), _) => {
                    return Err(at(
                        "fields.value",
                        format!("{tag} is a data field, which has subfields, not a value ({v:?})"),
                    ))
                }
                _ => {}
            }
            if control {
                parts.control(tag, value.unwrap_or(""));
                continue;
            }
            let ind = |s: Option<Strs<'a>>, column: &str| -> Result<&'a str, TableError> {
                match s.and_then(|s| s.get(f)) {
                    None => Ok(" "),
                    Some(v) if chars(v, 1) => Ok(v),
                    Some(v) => Err(at(column, format!("{tag}: {v:?} is not one character"))),
                }
            };
            parts.data(
                tag,
                ind(self.ind1, "fields.ind1")?,
                ind(self.ind2, "fields.ind2")?,
            );
            if let (Some((a, b)), Some(code), Some(val)) = (subs, self.code, self.sub_value) {
                for s in a..b {
                    let c = code.get(s).unwrap_or("");
                    if !chars(c, 1) {
                        return Err(at(
                            "fields.subfields.code",
                            format!("{tag}: subfield code {c:?} is not one character"),
                        ));
                    }
                    parts.subfield(c, val.get(s).unwrap_or(""));
                }
            }
            parts.end_field();
        }
        Ok(leader)
    }
}
