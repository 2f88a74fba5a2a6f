//! Record boundaries in MARC-in-JSON: each object at the top level, or
//! directly inside a top-level array, is a record. Outside strings the
//! scanner counts braces and brackets, nothing more. Outside an array, a
//! line that starts a new object (`{"`) ends a record cut off before it, and
//! once the records are known to be one per line (NDJSON) every line end
//! does, so that one bad line costs that line only.

use crate::error::ErrorKind;
use crate::marc::scan::{Frame, FrameKind, Scan, MAX_FRAME_BYTES};

/// Finds MARC-in-JSON records; see the module documentation.
#[derive(Debug, Default)]
pub struct Scanner {
    next_index: u64,
    /// Inside a top-level array.
    in_array: bool,
    /// Whether records are one per line (NDJSON): known from the first
    /// record outside an array (`Some(true)` if it had no line break).
    one_per_line: Option<bool>,
}

enum Walk {
    /// The object ends at this offset (one past `}`).
    End(usize),
    /// Cut off by a line that starts a new record at this offset.
    Cut(usize),
    /// The buffer ended first.
    More,
}

/// Walks the object starting at `buf[0] == b'{'`. With `cut_on_new_line`
/// a line that starts a new record ends this one; with `lines`, every
/// line end does (NDJSON).
fn walk(buf: &[u8], cut_on_new_line: bool, lines: bool) -> Walk {
    let mut depth = 0usize;
    let mut i = 0;
    while i < buf.len() {
        match buf[i] {
            b'"' => {
                // To the closing quote, stepping over escapes. A raw line
                // end cannot be in a JSON string: before a new record, it
                // ends a cut-off one.
                let mut j = i + 1;
                loop {
                    let q = if cut_on_new_line {
                        memchr::memchr3(b'"', b'\\', b'\n', &buf[j..])
                    } else {
                        memchr::memchr2(b'"', b'\\', &buf[j..])
                    };
                    let Some(q) = q else { return Walk::More };
                    j += q;
                    match buf[j] {
                        b'\\' => j += 2,
                        b'\n' if lines || starts_record(&buf[j + 1..]) => return Walk::Cut(j + 1),
                        b'\n' => j += 1,
                        _ => break,
                    }
                    if j >= buf.len() {
                        return Walk::More;
                    }
                }
                i = j;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Walk::End(i + 1);
                }
            }
            b'\n' if cut_on_new_line && (lines || starts_record(&buf[i + 1..])) => {
                return Walk::Cut(i + 1)
            }
            _ => {}
        }
        i += 1;
    }
    Walk::More
}

/// Whether a line starts like a record: `{"leader"` or `{"fields"`, after
/// blanks.
fn starts_record(line: &[u8]) -> bool {
    // A record's own keys: a field on a line of its own (`{"245": ...`)
    // is not a new record.
    let t = line.trim_ascii_start();
    t.starts_with(b"{\"leader\"") || t.starts_with(b"{\"fields\"")
}

impl Scanner {
    fn frame(&mut self, start: usize, end: usize, kind: FrameKind) -> Scan {
        Frame::next(&mut self.next_index, start, end, kind)
    }

    /// The next record (or bad stretch) at the start of `buf`.
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Scan {
        let mut i = 0;
        loop {
            // Separators between records: blanks, and commas in an array.
            while i < buf.len()
                && (buf[i].is_ascii_whitespace() || (self.in_array && buf[i] == b','))
            {
                i += 1;
            }
            if i == buf.len() {
                return if eof {
                    Scan::End { consumed: i }
                } else if i > 0 {
                    Scan::Skip { consumed: i }
                } else {
                    Scan::NeedMore
                };
            }
            match buf[i] {
                b'[' if !self.in_array => self.in_array = true,
                b']' if self.in_array => self.in_array = false,
                b'{' => {
                    let lines = !self.in_array && self.one_per_line == Some(true);
                    return match walk(&buf[i..], !self.in_array, lines) {
                        Walk::End(n) => {
                            if !self.in_array && self.one_per_line.is_none() {
                                let raw = &buf[i..i + n];
                                self.one_per_line = Some(memchr::memchr(b'\n', raw).is_none());
                            }
                            self.frame(i, i + n, FrameKind::Record { problem: None })
                        }
                        Walk::Cut(n) => {
                            let kind = malformed("record cut off at the end of its line");
                            self.frame(i, i + n, FrameKind::Bad(kind))
                        }
                        Walk::More if eof => {
                            let kind = malformed("record cut off at the end of the input");
                            self.frame(i, buf.len(), FrameKind::Bad(kind))
                        }
                        Walk::More if buf.len() - i > MAX_FRAME_BYTES => {
                            let kind = malformed("record longer than 64 MiB");
                            self.frame(i, i + MAX_FRAME_BYTES, FrameKind::Bad(kind))
                        }
                        Walk::More if i > 0 => Scan::Skip { consumed: i },
                        Walk::More => Scan::NeedMore,
                    };
                }
                _ => {
                    // Not a record: up to the next line or object start.
                    let e = memchr::memchr2(b'\n', b'{', &buf[i + 1..]).map(|q| i + 1 + q);
                    let e = match e {
                        Some(e) => e,
                        None if eof => buf.len(),
                        None if i > 0 => return Scan::Skip { consumed: i },
                        None => return Scan::NeedMore,
                    };
                    let kind = malformed("text that is not a JSON object");
                    return self.frame(i, e, FrameKind::Bad(kind));
                }
            }
            i += 1;
        }
    }
}

fn malformed(what: &str) -> ErrorKind {
    ErrorKind::Malformed {
        format: "MARC-in-JSON",
        what: what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Format;

    fn frames(doc: &[u8]) -> Vec<(String, bool)> {
        let frames = crate::formats::testing::frames(Format::Json, doc);
        let ok = |k: &FrameKind| matches!(k, FrameKind::Record { .. });
        frames.into_iter().map(|(t, k)| (t, ok(&k))).collect()
    }

    #[test]
    fn frames_arrays_objects_and_lines() {
        let f = frames(br#"[{"a": "}{"}, {"b": [1, {"c": "\"}"}]}]"#);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].0, r#"{"b": [1, {"c": "\"}"}]}"#);
        let f = frames(b"{\"leader\": \"x\", \"fields\": [\n{\"leader\": 1}\n{\"x\": 2}\n");
        assert_eq!(
            f.iter().map(|x| x.1).collect::<Vec<_>>(),
            [false, true, true]
        );
        // A record laid out a field per line is one record.
        let f =
            frames(b"{\"leader\":\"x\",\"fields\":[\n  {\"001\":\"x\"},\n  {\"005\":\"y\"}]}\n");
        assert_eq!(f.iter().map(|x| x.1).collect::<Vec<_>>(), [true]);
        let f = frames(b"{\"a\":1}\ngarbage\n{\"b\":2}");
        assert_eq!(
            f.iter().map(|x| x.1).collect::<Vec<_>>(),
            [true, false, true]
        );
    }
}
