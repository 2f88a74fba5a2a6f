//! Records out of the long layout (one row per subfield, control field,
//! leader and subfield-less data field), regrouped by `record_index`: the
//! rows of a record are consecutive, the leader's row has a null
//! `field_index`, and the rows of one field share its `field_index`.

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;

use super::record::Parts;
use super::table::{ascii, chars, is_control_tag, plain, Strs, TableError};

/// Whether `batch` is in the long layout (it has `record_index` and
/// `field_index` and no `fields`).
pub fn is_long(batch_schema: &arrow_schema::Schema) -> bool {
    batch_schema.column_with_name("fields").is_none()
        && batch_schema.column_with_name("record_index").is_some()
        && batch_schema.column_with_name("field_index").is_some()
}

fn missing(column: &str) -> TableError {
    TableError {
        column: column.to_string(),
        row: None,
        message: "is missing from the long layout".into(),
    }
}

/// The long layout's columns, cast to the types read here.
pub struct Long {
    place: Option<(ArrayRef, ArrayRef)>,
    record_index: ArrayRef,
    field_index: ArrayRef,
    strings: [ArrayRef; 5],
}

/// Borrowed accessors over a [`Long`].
pub struct LongView<'a> {
    place: Option<&'a (ArrayRef, ArrayRef)>,
    record_index: &'a PrimitiveArray<UInt64Type>,
    field_index: &'a PrimitiveArray<UInt32Type>,
    tag: Strs<'a>,
    ind1: Strs<'a>,
    ind2: Strs<'a>,
    code: Strs<'a>,
    value: Strs<'a>,
}

impl Long {
    /// Takes a batch in the long layout.
    pub fn new(batch: &RecordBatch) -> Result<Self, TableError> {
        let col = |name: &str| batch.column_by_name(name).ok_or_else(|| missing(name));
        let int = |name: &str, ty: DataType| -> Result<ArrayRef, TableError> {
            arrow_cast::cast(col(name)?, &ty).map_err(|e| TableError {
                column: name.to_string(),
                row: None,
                message: format!("is not an integer column: {e}"),
            })
        };
        let s = |name: &str| -> Result<ArrayRef, TableError> {
            plain(col(name)?).map_err(|e| TableError {
                column: name.to_string(),
                row: None,
                message: format!("cannot be read: {e}"),
            })
        };
        Ok(Long {
            place: super::table::provenance(batch),
            record_index: int("record_index", DataType::UInt64)?,
            field_index: int("field_index", DataType::UInt32)?,
            strings: [s("tag")?, s("ind1")?, s("ind2")?, s("code")?, s("value")?],
        })
    }

    /// Checks the column types once per batch.
    pub fn view(&self) -> Result<LongView<'_>, TableError> {
        let s = |i: usize, name: &str| Strs::of(self.strings[i].as_ref(), name);
        Ok(LongView {
            place: self.place.as_ref(),
            record_index: self.record_index.as_primitive(),
            field_index: self.field_index.as_primitive(),
            tag: s(0, "tag")?,
            ind1: s(1, "ind1")?,
            ind2: s(2, "ind2")?,
            code: s(3, "code")?,
            value: s(4, "value")?,
        })
    }
}

impl<'a> LongView<'a> {
    /// Where row `i`'s record was read from, when the table says.
    pub fn source_place(&self, i: usize) -> Option<(u64, u64)> {
        super::table::place_of(self.place, i)
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.record_index.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.record_index.is_empty()
    }

    /// The record index of row `i`.
    pub fn record_index(&self, i: usize) -> Result<u64, TableError> {
        if self.record_index.is_null(i) {
            return Err(TableError {
                column: "record_index".into(),
                row: Some(i as u64),
                message: "is null".into(),
            });
        }
        Ok(self.record_index.value(i))
    }

    /// Reads the record in rows `from..to` (all with the same
    /// `record_index`) into `parts`; `row0` numbers row 0 in the stream.
    pub fn record(
        &self,
        from: usize,
        to: usize,
        row0: u64,
        parts: &mut Parts<'a>,
    ) -> Result<&'a str, TableError> {
        parts.clear();
        let bad = |column: &str, r: usize, message: String| TableError {
            column: column.to_string(),
            row: Some(row0 + r as u64),
            message,
        };
        let mut leader = None;
        let mut current: Option<u32> = None;
        for r in from..to {
            let tag = self
                .tag
                .get(r)
                .ok_or_else(|| bad("tag", r, "is null".into()))?;
            if self.field_index.is_null(r) {
                if leader.is_some() {
                    return Err(bad("field_index", r, "a second leader row".into()));
                }
                let l = self.value.get(r).unwrap_or("");
                if !ascii(l, 24) {
                    return Err(bad(
                        "value",
                        r,
                        format!("leader {l:?} is not 24 ASCII characters"),
                    ));
                }
                leader = Some(l);
                continue;
            }
            if !ascii(tag, 3) {
                return Err(bad(
                    "tag",
                    r,
                    format!("{tag:?} is not three ASCII characters"),
                ));
            }
            let fi = self.field_index.value(r);
            let code = self.code.get(r);
            let value = self.value.get(r);
            if current == Some(fi) {
                // Another subfield of the same data field.
                match code {
                    Some(c) if chars(c, 1) => parts.subfield(c, value.unwrap_or("")),
                    _ => {
                        return Err(bad(
                            "code",
                            r,
                            format!("{tag}: subfield code {code:?} is not one character"),
                        ))
                    }
                }
                continue;
            }
            if current.is_some() {
                parts.end_field();
            }
            current = Some(fi);
            if is_control_tag(tag) {
                if code.is_some() {
                    return Err(bad(
                        "code",
                        r,
                        format!("{tag} is a control field, which has no subfields"),
                    ));
                }
                parts.control(tag, value.unwrap_or(""));
                current = None;
                continue;
            }
            let ind = |s: Strs<'a>, column: &str| match s.get(r) {
                None => Ok(" "),
                Some(v) if chars(v, 1) => Ok(v),
                Some(v) => Err(bad(column, r, format!("{tag}: {v:?} is not one character"))),
            };
            parts.data(tag, ind(self.ind1, "ind1")?, ind(self.ind2, "ind2")?);
            match (code, value) {
                (Some(c), _) if chars(c, 1) => parts.subfield(c, value.unwrap_or("")),
                (Some(c), _) => {
                    return Err(bad(
                        "code",
                        r,
                        format!("{tag}: subfield code {c:?} is not one character"),
                    ))
                }
                (None, Some(v)) => {
                    return Err(bad(
                        "value",
                        r,
                        format!("{tag} is a data field, which has subfields, not a value ({v:?})"),
                    ))
                }
                (None, None) => {}
            }
        }
        if current.is_some() {
            parts.end_field();
        }
        leader.ok_or_else(|| bad("tag", from, "the record has no leader row (tag LDR)".into()))
    }
}
