//! MARCXML: [`scan`] finds the records; [`read_record`] reads one with
//! quick-xml into a [`Built`] record.
//!
//! What it takes, as pymarc's `parse_xml` does: `leader`, `controlfield`,
//! `datafield` (indicators default to blanks) and `subfield` elements by
//! their local names, whatever the prefix; character and the predefined
//! entity references, CDATA; line ends normalised as XML says. Whitespace
//! between elements is dropped; inside a value every character is kept.
//! Other elements (extensions) are passed over. XML 1.0 forbids control
//! characters other than tab, line feed and carriage return, even as
//! character references: under `lenient` one is kept (MARC allows it) and
//! reported, except the three MARC delimiters, which would change the
//! record's structure.

pub mod scan;

pub use scan::Scanner;

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{delimiter_in, leader_of, tag_of, Built, TextError};
use crate::error::Tag;
use crate::input::Format;

const XML: Format = Format::MarcXml;

#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Nothing,
    Leader,
    Control,
    Data,
    Subfield,
}

fn err(what: impl Into<String>, at: usize) -> TextError {
    TextError::new(XML, what, at)
}

/// The MARCXML attributes of an element, in one pass over them.
#[derive(Default)]
struct Attrs<'a> {
    tag: Option<Cow<'a, str>>,
    ind: [Option<Cow<'a, str>>; 2],
    code: Option<Cow<'a, str>>,
}

fn attrs<'a>(e: &'a BytesStart<'_>, at: usize) -> Result<Attrs<'a>, TextError> {
    let mut out = Attrs::default();
    // Duplicates are not looked for (the first of each is taken): the
    // check costs more than the rest of the attribute work together.
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|e| err(e.to_string(), at))?;
        let slot = match a.key.local_name().as_ref() {
            b"tag" => &mut out.tag,
            b"ind1" => &mut out.ind[0],
            b"ind2" => &mut out.ind[1],
            b"code" => &mut out.code,
            _ => continue,
        };
        if slot.is_some() {
            continue;
        }
        // Most values need neither entities resolved nor blanks normalised.
        let plain = !a
            .value
            .iter()
            .any(|b| matches!(b, b'&' | b'\t' | b'\r' | b'\n'));
        *slot = Some(match (plain, a.value) {
            (true, Cow::Borrowed(v)) => {
                Cow::Borrowed(std::str::from_utf8(v).map_err(|e| err(e.to_string(), at))?)
            }
            (_, v) => {
                let a = quick_xml::events::attributes::Attribute {
                    key: a.key,
                    value: v,
                };
                Cow::Owned(
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| err(e.to_string(), at))?
                        .into_owned(),
                )
            }
        });
    }
    Ok(out)
}

/// The record being read: where we are, and the text of the open value.
struct Rec<'o> {
    out: &'o mut Built,
    state: In,
    tag: Option<Tag>,
    /// The leader's text (values go straight into `out`).
    text: String,
    text_at: usize,
    /// Where the open value starts in `out.bytes`.
    value_start: usize,
    lenient: bool,
    repairs: &'o mut Vec<TextError>,
}

impl Rec<'_> {
    /// Ends the element the state says is open.
    fn end(&mut self) -> Result<(), TextError> {
        let (text, at) = (self.text.as_str(), self.text_at);
        self.state = match self.state {
            In::Leader => {
                let l = leader_of(XML, text.as_bytes(), at, self.lenient, self.repairs)?;
                self.out.leader(&l);
                In::Nothing
            }
            In::Control | In::Subfield => {
                let value = &self.out.bytes[self.value_start..];
                check_chars(value, at, self.lenient, self.repairs, self.tag)?;
                if self.state == In::Subfield {
                    In::Data
                } else {
                    self.out.close();
                    In::Nothing
                }
            }
            In::Data => {
                self.out.close();
                In::Nothing
            }
            In::Nothing => In::Nothing,
        };
        if self.state == In::Nothing {
            self.tag = None;
        }
        self.text.clear();
        Ok(())
    }

    /// Opens the element `e` (a start tag at `at`); `false` if it is not
    /// MARCXML here.
    fn open(&mut self, e: &BytesStart<'_>, at: usize) -> Result<bool, TextError> {
        let name = e.local_name();
        self.state = match (self.state, name.as_ref()) {
            (In::Nothing, b"leader") => In::Leader,
            (In::Nothing, b"controlfield" | b"datafield") => {
                let control = name.as_ref() == b"controlfield";
                let a = attrs(e, at)?;
                let t = a
                    .tag
                    .ok_or_else(|| err("field without a tag attribute", at))?;
                let t = tag_of(t.as_bytes())
                    .ok_or_else(|| err(format!("tag {t:?} is not three characters"), at))?;
                if t.is_control() != control {
                    let what = if control {
                        format!("controlfield with tag {t}, which is a data field tag")
                    } else {
                        format!("datafield with tag {t}, which is a control field tag")
                    };
                    return Err(err(what, at).tagged(Some(t)));
                }
                self.tag = Some(t);
                if control {
                    self.out.open(t);
                    In::Control
                } else {
                    self.out.open_data(t);
                    for (i, v) in a.ind.iter().enumerate() {
                        let Some(v) = v else { continue };
                        match v.as_bytes() {
                            [b] if b.is_ascii() && *b >= 0x20 => self.out.indicator(i, *b),
                            [] => {}
                            _ => {
                                let what = format!("indicator {v:?} is not one ASCII character");
                                return Err(err(what, at).tagged(self.tag));
                            }
                        }
                    }
                    In::Data
                }
            }
            (In::Data, b"subfield") => {
                let code = attrs(e, at)?.code.unwrap_or_default();
                let mut chars = code.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => self.out.subfield(code.as_bytes()),
                    _ => {
                        let what = format!("subfield code {code:?} is not one character");
                        return Err(err(what, at).tagged(self.tag));
                    }
                }
                In::Subfield
            }
            _ => return Ok(false),
        };
        self.text.clear();
        self.value_start = self.out.bytes.len();
        Ok(true)
    }

    /// Appends text to the open value.
    #[inline]
    fn push(&mut self, s: &str) {
        match self.state {
            In::Leader => self.text.push_str(s),
            _ => self.out.push(s.as_bytes()),
        }
    }

    /// Whether text here is a value (not whitespace between elements).
    fn in_value(&self) -> bool {
        matches!(self.state, In::Leader | In::Control | In::Subfield)
    }
}

/// Reads one `record` element (the frame the scanner found) into `out`.
pub fn read_record(
    frame: &[u8],
    out: &mut Built,
    lenient: bool,
    repairs: &mut Vec<TextError>,
) -> Result<(), TextError> {
    let mut r = Reader::from_reader(frame);
    let mut rec = Rec {
        out,
        state: In::Nothing,
        tag: None,
        text: String::new(),
        text_at: 0,
        value_start: 0,
        lenient,
        repairs,
    };
    let mut depth = 0usize;
    // Depth of an element that is not MARCXML, passed over with its content.
    let mut foreign: Option<usize> = None;
    loop {
        let at = r.buffer_position() as usize;
        let ev = r
            .read_event()
            .map_err(|e| err(e.to_string(), r.error_position() as usize).tagged(rec.tag))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                if depth == 0 {
                    // The record element itself (the scanner checked it).
                    if empty {
                        return Ok(());
                    }
                    depth = 1;
                    continue;
                }
                if !empty {
                    depth += 1;
                }
                if foreign.is_some() {
                    continue;
                }
                if !rec.open(e, at)? {
                    if !empty {
                        foreign = Some(depth);
                    }
                    continue;
                }
                rec.text_at = r.buffer_position() as usize;
                if empty {
                    rec.end()?;
                }
            }
            Event::End(_) => {
                depth -= 1;
                match foreign {
                    Some(d) if depth < d => foreign = None,
                    Some(_) => {}
                    None => rec.end()?,
                }
                if depth == 0 {
                    return Ok(());
                }
            }
            Event::Text(t) if rec.in_value() && foreign.is_none() => {
                let s = t
                    .xml10_content()
                    .map_err(|e| err(e.to_string(), at).tagged(rec.tag))?;
                rec.push(&s);
            }
            Event::CData(t) if rec.in_value() && foreign.is_none() => {
                let s = t
                    .xml10_content()
                    .map_err(|e| err(e.to_string(), at).tagged(rec.tag))?;
                rec.push(&s);
            }
            Event::GeneralRef(g) if rec.in_value() && foreign.is_none() => {
                let tag = rec.tag;
                match g
                    .resolve_char_ref()
                    .map_err(|e| err(e.to_string(), at).tagged(tag))?
                {
                    Some(c) => rec.push(c.encode_utf8(&mut [0; 4])),
                    None => {
                        let name = g.decode().map_err(|e| err(e.to_string(), at))?;
                        let v = quick_xml::escape::resolve_predefined_entity(&name).ok_or_else(
                            || err(format!("unknown entity &{name};"), at).tagged(tag),
                        )?;
                        rec.push(v);
                    }
                }
            }
            Event::Eof => return Err(err("record cut off", frame.len())),
            _ => {}
        }
    }
}

/// XML 1.0 forbids most control characters; see the module documentation.
fn check_chars(
    text: &[u8],
    at: usize,
    lenient: bool,
    repairs: &mut Vec<TextError>,
    tag: Option<Tag>,
) -> Result<(), TextError> {
    let Some(p) = text
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    else {
        return Ok(());
    };
    let what = format!("control character U+{:04X}, which XML 1.0 forbids", text[p]);
    if !lenient || delimiter_in(text).is_some() {
        return Err(err(what, at).tagged(tag));
    }
    repairs.push(err(format!("{what}; kept"), at).tagged(tag));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(x: &str) -> Result<Built, TextError> {
        crate::formats::testing::read(XML, x)
    }

    #[test]
    fn reads_fields_entities_and_cdata() {
        let b = read(
            r#"<marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>
  <marc:controlfield tag="001">  id 1 </marc:controlfield>
  <marc:datafield tag="245" ind1="1" ind2=" ">
    <marc:subfield code="a">A &amp; B &#x263A; <![CDATA[<c>]]></marc:subfield>
    <marc:subfield code="c"></marc:subfield>
  </marc:datafield><marc:datafield tag="500"/></marc:record>"#,
        )
        .unwrap();
        assert_eq!(
            b.bytes,
            "00000nam a2200000 a 4500  id 1 \x1e1 \x1faA & B \u{263A} <c>\x1fc\x1e  \x1e\x1d"
                .as_bytes()
        );
        assert_eq!(b.spans.len(), 3);
    }

    #[test]
    fn bad_records_are_errors_with_positions() {
        let e = read(
            r#"<record><leader>00000nam a2200000 a 4500</leader><datafield tag="24"/></record>"#,
        )
        .unwrap_err();
        assert!(e.kind.to_string().contains("not three characters"), "{e:?}");
        assert_eq!(e.at, 49);
        let e = read(r#"<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">a&#x1F;</controlfield></record>"#)
            .unwrap_err();
        assert!(e.kind.to_string().contains("U+001F"), "{e:?}");
        let e = read(r#"<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">a</datafield></record>"#)
            .unwrap_err();
        assert!(e.kind.to_string().contains("malformed MARCXML"), "{e:?}");
        assert!(read(r#"<record><leader>x</leader></record>"#).is_err());
        assert!(read(r#"<record><leader>00000nam a2200000 a 4500</leader></record>"#).is_err());
    }
}
