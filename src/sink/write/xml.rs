//! MARCXML: a `collection` in the MARC 21 slim namespace, one `record`
//! element per record, indented two spaces. Text is escaped by quick-xml;
//! a carriage return (and, in attributes, a tab or line feed) is written as
//! a character reference so that XML line-end normalisation gives it back;
//! a record with a control character that XML 1.0 cannot hold at all does
//! not fit (an error, or left out and reported), never a silent loss.

use std::borrow::Cow;

use quick_xml::escape::{escape, partial_escape};

use super::record::{utf8_leader, RecordRef};
use super::{Reject, Style};

/// Written before the first record.
pub const HEAD: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n";
/// Written after the last record.
pub const TAIL: &[u8] = b"</collection>\n";

/// Bytes that may need escaping: markup, quotes, controls, and the lead
/// byte of U+FFFE/U+FFFF. Most values hold none, and are written as they
/// are after one table lookup per byte.
const MAYBE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xEF] = true;
    t
};

/// `s` escaped for XML text (`attribute`: for an attribute value).
fn esc<'s>(s: &'s str, attribute: bool, column: &'static str) -> Result<Cow<'s, str>, Reject> {
    if !s.bytes().any(|b| MAYBE[b as usize]) {
        return Ok(Cow::Borrowed(s));
    }
    let special = s
        .bytes()
        .any(|b| b < 0x20 || b == 0xEF && (s.contains('\u{FFFE}') || s.contains('\u{FFFF}')));
    if !special {
        return Ok(if attribute {
            escape(s)
        } else {
            partial_escape(s)
        });
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' if attribute => out.push_str(&format!("&#{};", c as u32)),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(Reject::Unwritable(format!(
                    "{column} {s:?} holds U+{:04X}, which XML 1.0 cannot hold; \
                     write ISO 2709 or JSON",
                    c as u32
                )))
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Ok(Cow::Owned(out))
}

/// Appends one `record` element.
pub fn encode(rec: &RecordRef<'_, '_>, style: Style, out: &mut Vec<u8>) -> Result<(), Reject> {
    let start = out.len();
    let r = match style {
        Style::Marc21 => write(rec, out),
        Style::Pymarc => write_compact(rec, out),
    };
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn write(rec: &RecordRef<'_, '_>, out: &mut Vec<u8>) -> Result<(), Reject> {
    let mut put = |s: &str| out.extend_from_slice(s.as_bytes());
    put("  <record>\n    <leader>");
    put(&esc(&utf8_leader(rec.leader), false, "leader")?);
    put("</leader>\n");
    for f in rec.fields {
        let tag = esc(f.tag, true, "fields.tag")?;
        match f.value {
            Some(v) => {
                put("    <controlfield tag=\"");
                put(&tag);
                put("\">");
                put(&esc(v, false, "fields.value")?);
                put("</controlfield>\n");
            }
            None => {
                put("    <datafield tag=\"");
                put(&tag);
                put("\" ind1=\"");
                put(&esc(f.ind1, true, "fields.ind1")?);
                put("\" ind2=\"");
                put(&esc(f.ind2, true, "fields.ind2")?);
                put("\">\n");
                for (code, value) in rec.subfields_of(f) {
                    put("      <subfield code=\"");
                    put(&esc(code, true, "fields.subfields.code")?);
                    put("\">");
                    put(&esc(value, false, "fields.subfields.value")?);
                    put("</subfield>\n");
                }
                put("    </datafield>\n");
            }
        }
    }
    put("  </record>\n");
    Ok(())
}

/// An element as ElementTree writes it: `<name attrs>text</name>`, or
/// `<name attrs />` when it has no text and no children.
fn element(out: &mut Vec<u8>, name: &str, attrs: &[(&str, &str)], text: Option<&str>) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for (k, v) in attrs {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(v.as_bytes());
        out.push(b'"');
    }
    match text {
        Some(t) if !t.is_empty() => {
            out.push(b'>');
            out.extend_from_slice(t.as_bytes());
            out.extend_from_slice(b"</");
            out.extend_from_slice(name.as_bytes());
            out.push(b'>');
        }
        _ => out.extend_from_slice(b" />"),
    }
}

/// pymarc's `record_to_xml_node` through `ElementTree.tostring`: no
/// whitespace, attributes `ind1`, `ind2`, `tag`, the leader as given.
fn write_compact(rec: &RecordRef<'_, '_>, out: &mut Vec<u8>) -> Result<(), Reject> {
    out.extend_from_slice(b"<record>");
    element(out, "leader", &[], Some(&esc(rec.leader, false, "leader")?));
    for f in rec.fields {
        let tag = esc(f.tag, true, "fields.tag")?;
        match f.value {
            Some(v) => element(
                out,
                "controlfield",
                &[("tag", &tag)],
                Some(&esc(v, false, "fields.value")?),
            ),
            None => {
                let (i1, i2) = (
                    esc(f.ind1, true, "fields.ind1")?,
                    esc(f.ind2, true, "fields.ind2")?,
                );
                let attrs = [("ind1", &*i1), ("ind2", &*i2), ("tag", &*tag)];
                let subs = rec.subfields_of(f);
                if subs.is_empty() {
                    element(out, "datafield", &attrs, None);
                    continue;
                }
                out.extend_from_slice(b"<datafield");
                for (k, v) in attrs {
                    out.extend_from_slice(format!(" {k}=\"{v}\"").as_bytes());
                }
                out.push(b'>');
                for (code, value) in subs {
                    let code = esc(code, true, "fields.subfields.code")?;
                    let value = esc(value, false, "fields.subfields.value")?;
                    element(out, "subfield", &[("code", &code)], Some(&value));
                }
                out.extend_from_slice(b"</datafield>");
            }
        }
    }
    out.extend_from_slice(b"</record>");
    Ok(())
}
