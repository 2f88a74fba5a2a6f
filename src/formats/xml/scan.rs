//! Record boundaries in MARCXML: every `record` element in the MARC 21
//! slim namespace (or in no namespace), wherever it sits: under a
//! `collection`, bare, or wrapped in an OAI-PMH or SRU response.
//!
//! This is framing, not parsing (quick-xml parses each record on a
//! worker): markup is found with `memchr` on `<` (which text and attribute
//! values cannot hold), comments, CDATA sections, processing instructions
//! and the document type are stepped over, and the namespace declarations
//! of the elements around the records are kept on a stack so that a
//! `record` is known by its namespace, not its prefix. Inside a record only
//! the nesting depth is kept: its end is the end tag at depth zero. The
//! markup around the records is handed back as `Scan::Skip`, so memory
//! stays bounded whatever the wrapper holds.

use crate::error::ErrorKind;
use crate::marc::scan::{Frame, FrameKind, Scan, MAX_FRAME_BYTES};

/// The MARC 21 slim namespace.
pub const MARC_NS: &[u8] = b"http://www.loc.gov/MARC21/slim";
/// The OAI-PMH namespace (for deleted records).
pub const OAI_NS: &[u8] = b"http://www.openarchives.org/OAI/2.0/";

/// Finds MARCXML records; see the module documentation.
#[derive(Debug, Default)]
pub struct Scanner {
    next_index: u64,
    /// Namespace declarations in scope, (prefix, uri); prefix empty for the
    /// default namespace.
    decls: Vec<(Vec<u8>, Vec<u8>)>,
    /// For each open element around the records, how many of `decls` it
    /// declared.
    open: Vec<usize>,
    /// Finds `</qname` of the records' end tag (one qname at a time,
    /// usually the same for the whole input).
    end_tag: Option<(Vec<u8>, memchr::memmem::Finder<'static>)>,
}

/// Markup that can hide an end tag: comments and CDATA (`<!`) and
/// processing instructions (`<?`).
static HIDING: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
    std::sync::LazyLock::new(|| {
        [
            memchr::memmem::Finder::new(b"<!"),
            memchr::memmem::Finder::new(b"<?"),
        ]
    });

/// A start tag, read far enough to know what it is.
struct StartTag<'a> {
    qname: &'a [u8],
    prefix: &'a [u8],
    local: &'a [u8],
    /// Attributes, raw: (name, value between the quotes).
    attrs: Vec<(&'a [u8], &'a [u8])>,
    empty: bool,
}

/// Where the markup starting at `buf[p] == b'<'` ends (one past `>`);
/// `None` if `buf` ends first.
fn markup_end(buf: &[u8], p: usize) -> Option<usize> {
    let rest = &buf[p..];
    let find = |pat: &[u8], from: usize| {
        memchr::memmem::find(&rest[from..], pat).map(|q| p + from + q + pat.len())
    };
    if rest.starts_with(b"<!--") {
        find(b"-->", 4)
    } else if rest.starts_with(b"<![CDATA[") {
        find(b"]]>", 9)
    } else if rest.starts_with(b"<?") {
        find(b"?>", 2)
    } else if rest.starts_with(b"<!") {
        // A document type: its internal subset, in brackets, may hold `>`.
        let mut depth = 0usize;
        let mut quote = None;
        for (i, &b) in rest.iter().enumerate().skip(2) {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'[') => depth += 1,
                (None, b']') => depth = depth.saturating_sub(1),
                (None, b'>') if depth == 0 => return Some(p + i + 1),
                _ => {}
            }
        }
        None
    } else if rest.len() < 2 {
        None
    } else {
        // A tag: attribute values are quoted and may hold `>`.
        let mut quote = None;
        for (i, &b) in rest.iter().enumerate().skip(1) {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'>') => return Some(p + i + 1),
                _ => {}
            }
        }
        None
    }
}

/// The prefix an attribute named `name` declares (`xmlns` declares the
/// default namespace, prefix empty; `xmlns:p` declares `p`).
fn declared_prefix(name: &[u8]) -> Option<&[u8]> {
    match name.strip_prefix(b"xmlns")? {
        b"" => Some(b""),
        p => p.strip_prefix(b":"),
    }
}

fn split_name(name: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b':', name) {
        Some(c) => (&name[..c], &name[c + 1..]),
        None => (&[][..], name),
    }
}

/// Reads a start tag `<...>` (the whole markup, `<` to `>`).
fn start_tag(tag: &[u8]) -> StartTag<'_> {
    let empty = tag.len() >= 3 && tag[tag.len() - 2] == b'/';
    let inner = &tag[1..tag.len() - if empty { 2 } else { 1 }];
    let name_end = inner
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(inner.len());
    let (prefix, local) = split_name(&inner[..name_end]);
    let mut attrs = Vec::new();
    let mut rest = &inner[name_end..];
    while let Some(eq) = memchr::memchr(b'=', rest) {
        let name = rest[..eq].trim_ascii();
        let after = rest[eq + 1..].trim_ascii_start();
        let Some(&q) = after.first().filter(|q| **q == b'"' || **q == b'\'') else {
            break;
        };
        let Some(close) = memchr::memchr(q, &after[1..]) else {
            break;
        };
        attrs.push((name, &after[1..1 + close]));
        rest = &after[close + 2..];
    }
    StartTag {
        qname: &inner[..name_end],
        prefix,
        local,
        attrs,
        empty,
    }
}

impl Scanner {
    fn frame(&mut self, start: usize, end: usize, kind: FrameKind) -> Scan {
        Frame::next(&mut self.next_index, start, end, kind)
    }

    /// The namespace `prefix` is bound to, with `own` (the element's own
    /// declarations) taking precedence.
    fn resolve<'a>(&'a self, prefix: &[u8], own: &'a [(&[u8], &[u8])]) -> Option<&'a [u8]> {
        own.iter()
            .rev()
            .find(|(n, _)| declared_prefix(n) == Some(prefix))
            .map(|(_, v)| *v)
            .or_else(|| {
                self.decls
                    .iter()
                    .rev()
                    .find(|(p, _)| p == prefix)
                    .map(|(_, v)| v.as_slice())
            })
            .filter(|uri| !uri.is_empty())
    }

    /// Where the element named `qname` whose start tag ends at `from` ends
    /// (one past its end tag's `>`); `None` if `buf` ends first. The end is
    /// found by name, not by counting depth, so that a record with a
    /// mismatched tag inside costs that record only (quick-xml reports it).
    fn element_end(&mut self, buf: &[u8], from: usize, qname: &[u8]) -> Option<usize> {
        // Fast path: the first `</qname` followed by `>` or a blank. Text
        // and attribute values cannot hold `<`, so that is the end tag
        // unless a comment, CDATA section or processing instruction comes
        // first (rare in MARCXML): then walk the markup one by one.
        if self.end_tag.as_ref().is_none_or(|(q, _)| q != qname) {
            let pattern = [b"</", qname].concat();
            let finder = memchr::memmem::Finder::new(&pattern).into_owned();
            self.end_tag = Some((qname.to_vec(), finder));
        }
        let finder = &self.end_tag.as_ref()?.1;
        let rest = &buf[from..];
        let n = qname.len() + 2;
        let mut at = 0;
        while let Some(q) = finder.find(&rest[at..]) {
            let p = at + q;
            match rest.get(p + n) {
                None => break, // not enough bytes yet
                Some(b'>' | b' ' | b'\t' | b'\r' | b'\n') => {
                    let before = &rest[..p];
                    if HIDING.iter().any(|f| f.find(before).is_some()) {
                        break;
                    }
                    let close = memchr::memchr(b'>', &rest[p + n..])?;
                    return Some(from + p + n + close + 1);
                }
                Some(_) => at = p + n, // `</recordX`: another element
            }
        }
        Self::walk_to_end(buf, from, qname)
    }

    /// [`Scanner::element_end`] markup by markup.
    fn walk_to_end(buf: &[u8], from: usize, qname: &[u8]) -> Option<usize> {
        let mut i = from;
        loop {
            let p = i + memchr::memchr(b'<', &buf[i..])?;
            let end = markup_end(buf, p)?;
            if buf[p + 1] == b'/' && buf[p + 2..end - 1].trim_ascii_end() == qname {
                return Some(end);
            }
            i = end;
        }
    }

    /// Skip what was processed, or ask for more if nothing was.
    fn more(p: usize) -> Scan {
        if p > 0 {
            Scan::Skip { consumed: p }
        } else {
            Scan::NeedMore
        }
    }

    /// The next record (or bad stretch) at the start of `buf`.
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Scan {
        let mut i = 0;
        loop {
            let next = memchr::memchr(b'<', &buf[i..]).map(|q| i + q);
            // Text inside the elements around the records is not content;
            // text outside every element is not XML at all (a JSON file
            // read with format="marcxml", say).
            if self.open.is_empty() {
                let text = &buf[i..next.unwrap_or(buf.len())];
                if let Some(s) = text.iter().position(|b| !is_space(*b)) {
                    let e = match next {
                        Some(e) => e,
                        None if eof => buf.len(),
                        None if text.len() - s > MAX_FRAME_BYTES => i + s + MAX_FRAME_BYTES,
                        None => return Self::more(i),
                    };
                    let kind = malformed("text outside any XML element");
                    return self.frame(i + s, e, FrameKind::Bad(kind));
                }
            }
            let Some(p) = next else {
                return if eof {
                    Scan::End {
                        consumed: buf.len(),
                    }
                } else {
                    Self::more(buf.len())
                };
            };
            let Some(end) = markup_end(buf, p) else {
                if !eof {
                    if buf.len() - p > MAX_FRAME_BYTES {
                        let kind = malformed("markup longer than 64 MiB");
                        return self.frame(p, p + MAX_FRAME_BYTES, FrameKind::Bad(kind));
                    }
                    return Self::more(p);
                }
                let kind = malformed("the input ends inside markup");
                return self.frame(p, buf.len(), FrameKind::Bad(kind));
            };
            match buf[p + 1] {
                b'/' => {
                    if let Some(n) = self.open.pop() {
                        self.decls.truncate(self.decls.len() - n);
                    }
                }
                b'?' => {
                    if let Some(bad) = unsupported_encoding(&buf[p..end]) {
                        return self.frame(p, end, FrameKind::Bad(malformed(&bad)));
                    }
                }
                b'!' => {}
                _ => {
                    let tag = start_tag(&buf[p..end]);
                    let uri = self.resolve(tag.prefix, &tag.attrs);
                    let is_record = tag.local == b"record"
                        && match uri {
                            Some(u) => u == MARC_NS,
                            None => tag.prefix.is_empty(),
                        };
                    let deleted = tag.local == b"header"
                        && uri == Some(OAI_NS)
                        && tag
                            .attrs
                            .iter()
                            .any(|(n, v)| *n == b"status" && *v == b"deleted");
                    if is_record || deleted {
                        let close = if tag.empty {
                            Some(end)
                        } else {
                            self.element_end(buf, end, tag.qname)
                        };
                        let Some(close) = close else {
                            if !eof {
                                if buf.len() - p > MAX_FRAME_BYTES {
                                    let kind = malformed("record element longer than 64 MiB");
                                    return self.frame(
                                        p,
                                        p + MAX_FRAME_BYTES,
                                        FrameKind::Bad(kind),
                                    );
                                }
                                return Self::more(p);
                            }
                            let kind = malformed("record cut off at the end of the input");
                            return self.frame(p, buf.len(), FrameKind::Bad(kind));
                        };
                        // A record whose end tag is missing ends where the
                        // next one starts: a record start tag is a record
                        // start for every reading (`formats::split`).
                        if is_record {
                            if let Some(q) = start_tag_at(&buf[end..close], tag.qname) {
                                let kind = malformed("record without its end tag");
                                return self.frame(p, end + q, FrameKind::Bad(kind));
                            }
                        }
                        let kind = if deleted {
                            FrameKind::Bad(ErrorKind::Deleted {
                                identifier: identifier(&buf[p..close]),
                            })
                        } else {
                            FrameKind::Record { problem: None }
                        };
                        return self.frame(p, close, kind);
                    }
                    if !tag.empty {
                        let n = self.decls.len();
                        for (name, value) in &tag.attrs {
                            if let Some(prefix) = declared_prefix(name) {
                                self.decls.push((prefix.to_vec(), value.to_vec()));
                            }
                        }
                        self.open.push(self.decls.len() - n);
                    }
                }
            }
            i = end;
        }
    }
}

/// The offset of the first start tag named `qname` in `buf` (`<qname`
/// and then a blank, `>` or `/`), if any.
pub fn start_tag_at(buf: &[u8], qname: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(q) = memchr::memmem::find(&buf[at..], qname) {
        let p = at + q;
        if p > 0 && buf[p - 1] == b'<' && buf.get(p + qname.len()).is_some_and(|&b| ends_name(b)) {
            return Some(p - 1);
        }
        at = p + 1;
    }
    None
}

/// Whether `b` ends an element name in a tag.
pub fn ends_name(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
}

/// XML white space, and the bytes of a UTF-8 byte-order mark.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0xEF | 0xBB | 0xBF)
}

fn malformed(what: &str) -> ErrorKind {
    ErrorKind::Malformed {
        format: "MARCXML",
        what: what.to_string(),
    }
}

/// An XML declaration naming an encoding other than UTF-8 (or its ASCII
/// subset): the records would be read wrongly, so it is said at once.
fn unsupported_encoding(pi: &[u8]) -> Option<String> {
    if !pi.starts_with(b"<?xml") {
        return None;
    }
    let t = start_tag(&pi[1..]);
    let (_, enc) = t.attrs.iter().find(|(n, _)| n.ends_with(b"encoding"))?;
    let e = String::from_utf8_lossy(enc).to_ascii_lowercase();
    (!matches!(e.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii")).then(|| {
        format!(
            "the document is declared as {}; marcarrow reads XML in UTF-8 only (convert it first, e.g. with iconv)",
            String::from_utf8_lossy(enc)
        )
    })
}

/// The text of the `identifier` element of an OAI-PMH header.
fn identifier(header: &[u8]) -> String {
    let Some(s) = memchr::memmem::find(header, b"identifier>") else {
        return String::new();
    };
    let rest = &header[s + b"identifier>".len()..];
    let e = memchr::memchr(b'<', rest).unwrap_or(rest.len());
    String::from_utf8_lossy(rest[..e].trim_ascii()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(doc: &[u8]) -> Vec<(String, FrameKind)> {
        crate::formats::testing::frames(crate::input::Format::MarcXml, doc)
    }

    #[test]
    fn records_by_namespace_not_prefix() {
        let doc = br#"<?xml version="1.0"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
<record><header><identifier>oai:1</identifier></header><metadata>
<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim"><marc:leader>x</marc:leader><!-- </marc:record> --></marc:record>
</metadata></record>
<record><header status="deleted"><identifier>oai:2</identifier></header></record>
</ListRecords></OAI-PMH>"#;
        let f = frames(doc);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].0.starts_with("<marc:record") && f[0].0.ends_with("</marc:record>"));
        assert_eq!(
            f[1].1,
            FrameKind::Bad(ErrorKind::Deleted {
                identifier: "oai:2".into()
            })
        );
    }

    #[test]
    fn bare_records_and_default_namespace() {
        let doc = br#"<record><leader>a</leader></record>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record a=">"><datafield tag="245"><subfield code="a"><![CDATA[</record>]]></subfield></datafield></record><record/></collection>
<x:record xmlns:x="urn:other"><y/></x:record>"#;
        let f = frames(doc);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f[1].0.contains("CDATA") && f[1].0.ends_with("</datafield></record>"));
        assert_eq!(f[2].0, "<record/>");
    }

    #[test]
    fn truncation_and_streaming_agree() {
        let doc = br#"<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>a</leader></record><record><leader>b</lea"#;
        let f = frames(doc);
        assert_eq!(f.len(), 2);
        assert!(matches!(
            f[1].1,
            FrameKind::Bad(ErrorKind::Malformed { .. })
        ));
        // Byte by byte, the same frames.
        let mut s = Scanner::default();
        let (mut pos, mut held, mut n) = (0, 0, 0);
        loop {
            let eof = held == doc.len();
            match s.next(&doc[pos..held], eof) {
                Scan::Frame(fr) => {
                    n += 1;
                    pos += fr.end;
                }
                Scan::Skip { consumed } => pos += consumed,
                Scan::End { .. } => break,
                Scan::NeedMore => held += 1,
            }
            held = held.max(pos);
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn declared_encoding() {
        let f = frames(b"<?xml version='1.0' encoding='ISO-8859-1'?><collection/>");
        assert!(
            matches!(&f[0].1, FrameKind::Bad(ErrorKind::Malformed { what, .. }) if what.contains("ISO-8859-1"))
        );
        assert!(frames(b"<?xml version='1.0' encoding='UTF-8'?><collection/>").is_empty());
    }
}
