//! MARC-in-JSON (`{"leader": ..., "fields": [{"001": ...}, {"245":
//! {"ind1": ..., "ind2": ..., "subfields": [{"a": ...}]}}]}`), serialised
//! by serde_json, which escapes every string as JSON requires.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::record::{utf8_leader, FieldRef, RecordRef};
use super::Style;

/// Written before the first record of a JSON array.
pub const ARRAY_HEAD: &[u8] = b"[\n";
/// Between records of a JSON array.
pub const ARRAY_SEP: &[u8] = b",\n";
/// After the last record of a JSON array.
pub const ARRAY_TAIL: &[u8] = b"\n]\n";

struct Record<'x, 'r, 'a>(&'x RecordRef<'r, 'a>, Style);
struct Fields<'x, 'r, 'a>(&'x RecordRef<'r, 'a>);
struct Field<'x, 'r, 'a>(&'x RecordRef<'r, 'a>, &'x FieldRef<'a>);
struct Data<'x, 'r, 'a>(&'x RecordRef<'r, 'a>, &'x FieldRef<'a>);
struct Subfields<'x>(&'x [(&'x str, &'x str)]);
struct One<'x>(&'x str, &'x str);

impl Serialize for Record<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.1 {
            Style::Marc21 => m.serialize_entry("leader", &utf8_leader(self.0.leader))?,
            Style::Pymarc => m.serialize_entry("leader", self.0.leader)?,
        }
        m.serialize_entry("fields", &Fields(self.0))?;
        m.end()
    }
}

impl Serialize for Fields<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.fields.len()))?;
        for f in self.0.fields {
            q.serialize_element(&Field(self.0, f))?;
        }
        q.end()
    }
}

impl Serialize for Field<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self.1.value {
            Some(v) => m.serialize_entry(self.1.tag, v)?,
            None => m.serialize_entry(self.1.tag, &Data(self.0, self.1))?,
        }
        m.end()
    }
}

impl Serialize for Data<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("ind1", self.1.ind1)?;
        m.serialize_entry("ind2", self.1.ind2)?;
        m.serialize_entry("subfields", &Subfields(self.0.subfields_of(self.1)))?;
        m.end()
    }
}

impl Serialize for Subfields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for (c, v) in self.0 {
            q.serialize_element(&One(c, v))?;
        }
        q.end()
    }
}

impl Serialize for One<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

/// Python's `json.dump` with `ensure_ascii` (pymarc's `JSONWriter`):
/// compact, every non-ASCII character as `\uXXXX` (UTF-16 units).
struct Ascii;

impl serde_json::ser::Formatter for Ascii {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// Appends one record as a JSON object (no line end).
pub fn encode(rec: &RecordRef<'_, '_>, style: Style, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, and every key is a string.
    let _ = match style {
        Style::Marc21 => serde_json::to_writer(out, &Record(rec, style)),
        Style::Pymarc => {
            Record(rec, style).serialize(&mut serde_json::Serializer::with_formatter(out, Ascii))
        }
    };
}
