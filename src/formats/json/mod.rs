//! MARC-in-JSON, the shape of pymarc's `JSONWriter` and `JSONReader`:
//! `{"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": "1",
//! "ind2": "0", "subfields": [{"a": "..."}]}}]}`. An input is one such
//! object, an array of them (pymarc writes one), or one per line (NDJSON).
//!
//! [`scan`] frames the records without parsing them. [`read_record`] parses
//! one record with serde_json, straight into a [`Built`] record (no
//! intermediate objects; keys in any order).

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{delimiter_in, tag_of, Built, TextError};
use crate::input::Format;
use crate::marc::scan::{FIELD_TERMINATOR, LEADER_LEN, RECORD_TERMINATOR};

pub mod scan;

pub use scan::Scanner;

const JSON: Format = Format::Json;

/// Reads one record object into `out`. JSON forbids raw control
/// characters (a line break, a tab) inside strings; pymarc reads them
/// (`json.load(strict=False)`), and so does the lenient policy, reporting
/// it.
pub fn read_record(
    frame: &[u8],
    out: &mut Built,
    lenient: bool,
    repairs: &mut Vec<TextError>,
) -> Result<(), TextError> {
    match parse(frame, out) {
        // Decided by the input, not by serde_json's message: the frame
        // holds raw control characters inside strings.
        Err(e) if lenient => {
            let Some(escaped) = escape_controls(frame) else {
                return Err(e);
            };
            let at = e.at;
            out.start();
            parse(&escaped, out).map_err(|mut e| {
                e.at = at;
                e
            })?;
            let what = "raw control characters inside strings; read as the characters";
            repairs.push(TextError::new(JSON, what, at));
            Ok(())
        }
        r => r,
    }
}

/// `frame` with each control byte inside a string written as `\u00XX`, or
/// `None` when there is none.
fn escape_controls(frame: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(frame.len() + 16);
    let (mut in_string, mut escaped, mut any) = (false, false, false);
    for &b in frame {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            0..0x20 if in_string => {
                out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
                any = true;
                continue;
            }
            _ => {}
        }
        out.push(b);
    }
    any.then_some(out)
}

fn parse(frame: &[u8], out: &mut Built) -> Result<(), TextError> {
    let mut de = serde_json::Deserializer::from_slice(frame);
    let mut problem = None;
    let r = RecordSeed {
        out,
        problem: &mut problem,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match r {
        Ok(()) => Ok(()),
        Err(e) => {
            let at = offset_of(frame, e.line(), e.column());
            Err(match problem {
                Some(f) => TextError::new(JSON, f.what, at).tagged(f.tag),
                None => TextError::new(JSON, strip_position(&e.to_string()), at),
            })
        }
    }
}

/// serde_json's message without its " at line L column C" (the problem
/// carries its own position).
fn strip_position(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(p) => m[..p].to_string(),
        None => m.to_string(),
    }
}

/// The byte offset of 1-based `line` and `column` in `frame`.
fn offset_of(frame: &[u8], line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', frame)
            .nth(line - 2)
            .map_or(frame.len(), |p| p + 1)
    };
    (start + column.saturating_sub(1)).min(frame.len())
}

/// A MARC problem found while deserialising; the position is filled in
/// from serde_json's when the error surfaces.
struct Found {
    what: String,
    tag: Option<crate::error::Tag>,
}

/// Each visitor below is its own seed, handing itself to the deserializer
/// method named here.
macro_rules! seed {
    ($t:ty, $how:ident) => {
        impl<'de> DeserializeSeed<'de> for $t {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.$how(self)
            }
        }
    };
}

struct RecordSeed<'o> {
    out: &'o mut Built,
    problem: &'o mut Option<Found>,
}

/// Records a MARC problem and stops the parse.
fn fail<E: serde::de::Error>(problem: &mut Option<Found>, f: Found) -> E {
    let msg = f.what.clone();
    *problem = Some(f);
    E::custom(msg)
}

seed!(RecordSeed<'_>, deserialize_map);

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a MARC-in-JSON record object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut fields = false;
        while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            match k.as_ref() {
                "leader" => {
                    let l: std::borrow::Cow<'de, str> = m.next_value()?;
                    let b = l.as_bytes();
                    if b.len() != LEADER_LEN || !b.iter().all(|c| (0x20..0x7f).contains(c)) {
                        let what = format!("leader {l:?} is not 24 printable ASCII characters");
                        return Err(fail(self.problem, Found { what, tag: None }));
                    }
                    self.out.leader(b);
                }
                "fields" => {
                    fields = true;
                    m.next_value_seed(Fields {
                        out: self.out,
                        problem: self.problem,
                    })?;
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !fields {
            return Err(A::Error::missing_field("fields"));
        }
        Ok(())
    }
}

struct Fields<'o> {
    out: &'o mut Built,
    problem: &'o mut Option<Found>,
}

seed!(Fields<'_>, deserialize_seq);

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of fields")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while s
            .next_element_seed(Field {
                out: self.out,
                problem: self.problem,
            })?
            .is_some()
        {}
        Ok(())
    }
}

struct Field<'o> {
    out: &'o mut Built,
    problem: &'o mut Option<Found>,
}

seed!(Field<'_>, deserialize_map);

impl<'de> Visitor<'de> for Field<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field: an object with one key, its tag")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? else {
            let what = "a field object without a tag".to_string();
            return Err(fail(self.problem, Found { what, tag: None }));
        };
        let Some(tag) = tag_of(k.as_bytes()) else {
            let what = format!("tag {k:?} is not three characters");
            return Err(fail(self.problem, Found { what, tag: None }));
        };
        m.next_value_seed(FieldValue {
            out: self.out,
            problem: self.problem,
            tag,
        })?;
        if let Some(extra) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            let what = format!("field {tag} has a second key {extra:?}");
            return Err(fail(
                self.problem,
                Found {
                    what,
                    tag: Some(tag),
                },
            ));
        }
        Ok(())
    }
}

struct FieldValue<'o> {
    out: &'o mut Built,
    problem: &'o mut Option<Found>,
    tag: crate::error::Tag,
}

impl FieldValue<'_> {
    fn value<E: serde::de::Error>(&mut self, v: &str) -> Result<(), E> {
        // A control field has no subfields: a U+001F in it is data, kept as
        // ISO 2709 and pymarc keep it. Terminators would end the field.
        let bad = if self.tag.is_control() {
            memchr::memchr2(RECORD_TERMINATOR, FIELD_TERMINATOR, v.as_bytes())
        } else {
            delimiter_in(v.as_bytes())
        };
        if bad.is_some() {
            let what = format!(
                "a value of field {} holds a MARC delimiter (U+001D-U+001F)",
                self.tag
            );
            return Err(fail(
                self.problem,
                Found {
                    what,
                    tag: Some(self.tag),
                },
            ));
        }
        self.out.push(v.as_bytes());
        Ok(())
    }
}

seed!(FieldValue<'_>, deserialize_any);

impl<'de> Visitor<'de> for FieldValue<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a control field's string or a data field's object")
    }
    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> Result<(), E> {
        if !self.tag.is_control() {
            let what = format!(
                "field {} is a data field but has a string, not subfields",
                self.tag
            );
            return Err(fail(
                self.problem,
                Found {
                    what,
                    tag: Some(self.tag),
                },
            ));
        }
        self.out.open(self.tag);
        self.value(v)?;
        self.out.close();
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut m: A) -> Result<(), A::Error> {
        let tag = self.tag;
        if tag.is_control() {
            let what = format!("field {tag} is a control field but has subfields");
            return Err(fail(
                self.problem,
                Found {
                    what,
                    tag: Some(tag),
                },
            ));
        }
        self.out.open_data(tag);
        let mut subfields = false;
        while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            match k.as_ref() {
                "ind1" | "ind2" => {
                    let v: std::borrow::Cow<'de, str> = m.next_value()?;
                    match v.as_bytes() {
                        [b] if (0x20..0x7f).contains(b) => {
                            self.out.indicator(usize::from(k.as_ref() == "ind2"), *b)
                        }
                        _ => {
                            let what =
                                format!("{k} {v:?} of field {tag} is not one ASCII character");
                            return Err(fail(
                                self.problem,
                                Found {
                                    what,
                                    tag: Some(tag),
                                },
                            ));
                        }
                    }
                }
                "subfields" => {
                    subfields = true;
                    m.next_value_seed(Subfields { field: &mut self })?;
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !subfields {
            let what = format!("field {tag} has no \"subfields\"");
            return Err(fail(
                self.problem,
                Found {
                    what,
                    tag: Some(tag),
                },
            ));
        }
        self.out.close();
        Ok(())
    }
}

struct Subfields<'f, 'o> {
    field: &'f mut FieldValue<'o>,
}

seed!(Subfields<'_, '_>, deserialize_seq);

impl<'de> Visitor<'de> for Subfields<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of subfields")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while s
            .next_element_seed(Subfield { field: self.field })?
            .is_some()
        {}
        Ok(())
    }
}

struct Subfield<'f, 'o> {
    field: &'f mut FieldValue<'o>,
}

seed!(Subfield<'_, '_>, deserialize_map);

impl<'de> Visitor<'de> for Subfield<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a subfield: an object with one key, its code")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        // pymarc takes every key of the object, in order.
        while let Some(code) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            let mut chars = code.chars();
            let tag = self.field.tag;
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() => {}
                _ => {
                    let what =
                        format!("subfield code {code:?} of field {tag} is not one character");
                    return Err(fail(
                        self.field.problem,
                        Found {
                            what,
                            tag: Some(tag),
                        },
                    ));
                }
            }
            self.field.out.subfield(code.as_bytes());
            let v: std::borrow::Cow<'de, str> = m.next_value()?;
            self.field.value(&v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Built, TextError> {
        crate::formats::testing::read(JSON, s)
    }

    #[test]
    fn raw_control_characters_are_repaired_only_under_lenient() {
        let text = "{\"leader\": \"00000nam a2200000 a 4500\", \"fields\": [{\"500\": {\"ind1\": \" \", \"ind2\": \" \", \"subfields\": [{\"a\": \"a\tb\"}]}}]}";
        let fresh = || {
            let mut b = Built::default();
            b.start();
            b
        };
        let mut b = fresh();
        assert!(read_record(text.as_bytes(), &mut b, false, &mut vec![]).is_err());
        let (mut b, mut repairs) = (fresh(), vec![]);
        read_record(text.as_bytes(), &mut b, true, &mut repairs).unwrap();
        assert!(b.bytes.windows(3).any(|w| w == b"a\tb"), "{:?}", b.bytes);
        assert_eq!(repairs.len(), 1);
        // Another syntax error, with no control character: not repaired.
        let bad = text.replace('\t', " ").replace("]}", "]");
        let (mut b, mut repairs) = (fresh(), vec![]);
        assert!(read_record(bad.as_bytes(), &mut b, true, &mut repairs).is_err());
        assert!(repairs.is_empty());
    }

    #[test]
    fn reads_records_in_any_key_order() {
        let b = read(r#"{"fields": [{"001": "x"}, {"245": {"subfields": [{"a": "T\u00e9"}, {"c": "\""}], "ind2": "0", "ind1": "1"}}], "leader": "00000nam a2200000 a 4500"}"#).unwrap();
        assert_eq!(
            b.bytes,
            "00000nam a2200000 a 4500x\x1e10\x1faTé\x1fc\"\x1e\x1d".as_bytes()
        );
    }

    #[test]
    fn bad_records_say_where() {
        let e = read(r#"{"leader": "00000nam a2200000 a 4500", "fields": [{"245": "x"}]}"#)
            .unwrap_err();
        assert!(e.kind.to_string().contains("data field"), "{e:?}");
        let e = read("{\"leader\": \"00000nam a2200000 a 4500\",\n \"fields\": [{\"001\": x}]}")
            .unwrap_err();
        assert!(e.kind.to_string().contains("expected value"), "{e:?}");
        assert_eq!(e.at, 59);
        // A control field has no subfields: U+001F is data there (as ISO
        // 2709 and pymarc keep it); a terminator would end the field.
        assert!(
            read(r#"{"leader": "00000nam a2200000 a 4500", "fields": [{"001": "a\u001fb"}]}"#)
                .is_ok()
        );
        let e = read(r#"{"leader": "00000nam a2200000 a 4500", "fields": [{"001": "a\u001eb"}]}"#)
            .unwrap_err();
        assert!(e.kind.to_string().contains("delimiter"), "{e:?}");
        let e = read(r#"{"leader": "00000nam a2200000 a 4500", "fields": [{"245": {"ind1": " ", "ind2": " ", "subfields": [{"a": "a\u001fb"}]}}]}"#)
            .unwrap_err();
        assert!(e.kind.to_string().contains("delimiter"), "{e:?}");
    }
}
