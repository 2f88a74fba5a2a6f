//! MARCMaker text (`.mrk`), as pymarc's `TextWriter` and MarcEdit write it:
//!
//! ```text
//! =LDR  00714cam\\a2200205\\a\4500
//! =001  \\\89001234
//! =245  10$aTitle :$bsubtitle.
//! ```
//!
//! One line per field: `=`, the tag, two spaces, the data. A record ends at
//! a blank line. In the leader and control fields, and as an indicator, `\`
//! is a blank. Subfields start with `$`; a `$`, `{`, `}` or `\` inside a
//! value is written as the mnemonic `{dollar}`, `{lcub}`, `{rcub}` or
//! `{bsol}`. Other mnemonics read here: the ASCII names of MARCMaker's
//! table (`{amp}`, `{quot}`, ...) and a byte in hex (`{1B}`, ASCII only);
//! a mnemonic not known is kept as written, as MARCMaker does. An indicator
//! or subfield code may be a mnemonic too (`{bsol}`, `{dollar}`: what
//! marcarrow writes for those characters there).

use super::{delimiter_in, leader_of, tag_of, Built, TextError};
use crate::input::Format;
use crate::marc::scan::{Frame, FrameKind, Scan, MAX_FRAME_BYTES};

const MRK: Format = Format::Mrk;

/// Finds MARCMaker records: runs of lines between blank lines.
#[derive(Debug, Default)]
pub struct Scanner {
    next_index: u64,
}

fn blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

impl Scanner {
    /// The next record at the start of `buf`.
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Scan {
        // Blank lines before the record.
        let mut start = 0;
        loop {
            match memchr::memchr(b'\n', &buf[start..]) {
                Some(n) if blank(&buf[start..start + n]) => start += n + 1,
                Some(_) => break,
                None if blank(&buf[start..]) => {
                    return if eof {
                        Scan::End {
                            consumed: buf.len(),
                        }
                    } else if start > 0 {
                        Scan::Skip { consumed: start }
                    } else {
                        Scan::NeedMore
                    };
                }
                None => break,
            }
        }
        // The record runs to the next blank line.
        let mut at = start;
        let end = loop {
            match memchr::memchr(b'\n', &buf[at..]) {
                Some(n) => {
                    let next = at + n + 1;
                    let line_end = memchr::memchr(b'\n', &buf[next..]).map(|m| next + m);
                    match line_end {
                        Some(e) if blank(&buf[next..e]) => break next,
                        None if eof && blank(&buf[next..]) => break next,
                        None if !eof => {
                            if buf.len() - start > MAX_FRAME_BYTES {
                                let kind = crate::error::ErrorKind::Malformed {
                                    format: "MARCMaker text",
                                    what: "record longer than 64 MiB".into(),
                                };
                                return self.frame(
                                    start,
                                    start + MAX_FRAME_BYTES,
                                    FrameKind::Bad(kind),
                                );
                            }
                            return if start > 0 {
                                Scan::Skip { consumed: start }
                            } else {
                                Scan::NeedMore
                            };
                        }
                        _ => at = next,
                    }
                }
                None if eof => break buf.len(),
                None => {
                    return if start > 0 {
                        Scan::Skip { consumed: start }
                    } else {
                        Scan::NeedMore
                    }
                }
            }
        };
        self.frame(start, end, FrameKind::Record { problem: None })
    }

    fn frame(&mut self, start: usize, end: usize, kind: FrameKind) -> Scan {
        Frame::next(&mut self.next_index, start, end, kind)
    }
}

/// `\` as a blank (leader, control fields, indicators).
fn blanks(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| if c == b'\\' { b' ' } else { c })
        .collect()
}

/// The character a MARCMaker mnemonic stands for, if known.
fn mnemonic(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"dollar" => b'$',
        b"lcub" => b'{',
        b"rcub" => b'}',
        b"bsol" => b'\\',
        b"amp" => b'&',
        b"apos" => b'\'',
        b"quot" => b'"',
        b"ast" => b'*',
        b"commat" => b'@',
        b"num" => b'#',
        b"percnt" => b'%',
        b"verbar" => b'|',
        b"lsqb" => b'[',
        b"rsqb" => b']',
        b"lpar" => b'(',
        b"rpar" => b')',
        b"excl" => b'!',
        b"equals" => b'=',
        b"plus" => b'+',
        b"sol" => b'/',
        b"semi" => b';',
        b"lt" => b'<',
        b"gt" => b'>',
        b"quest" => b'?',
        b"lowbar" => b'_',
        [h, l] => {
            let v = (*h as char).to_digit(16)? * 16 + (*l as char).to_digit(16)?;
            u8::try_from(v).ok().filter(u8::is_ascii)?
        }
        _ => return None,
    })
}

/// The first character of `b` as one byte and the bytes it takes: a known
/// mnemonic (`{dollar}`), or a single byte.
fn one_char(b: &[u8]) -> Option<(u8, usize)> {
    let first = *b.first()?;
    if first == b'{' {
        if let Some(c) = memchr::memchr(b'}', b) {
            if let Some(m) = mnemonic(&b[1..c]) {
                return Some((m, c + 1));
            }
        }
    }
    Some((first, 1))
}

/// `b` with its mnemonics resolved (the leader, which the writer escapes
/// as it does data).
fn resolved(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut rest = b;
    while let Some((c, n)) = one_char(rest) {
        out.push(c);
        rest = &rest[n..];
    }
    out
}

/// Appends `value` with its mnemonics resolved.
fn push_value(out: &mut Built, value: &[u8]) {
    let mut rest = value;
    while let Some(o) = memchr::memchr(b'{', rest) {
        out.push(&rest[..o]);
        let close = memchr::memchr(b'}', &rest[o..]).map(|c| o + c);
        match close.and_then(|c| mnemonic(&rest[o + 1..c]).map(|b| (c, b))) {
            Some((c, b)) => {
                out.push(&[b]);
                rest = &rest[c + 1..];
            }
            None => {
                out.push(b"{");
                rest = &rest[o + 1..];
            }
        }
    }
    out.push(rest);
}

/// Reads one record (its lines) into `out`.
pub fn read_record(
    frame: &[u8],
    out: &mut Built,
    lenient: bool,
    repairs: &mut Vec<TextError>,
) -> Result<(), TextError> {
    let mut at = 0;
    for raw in frame.split(|&b| b == b'\n') {
        let line_at = at;
        at += raw.len() + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if blank(line) {
            continue;
        }
        let err = |what: String| TextError::new(MRK, what, line_at);
        if line[0] != b'=' || line.len() < 4 {
            return Err(err("a line that does not start with =TAG".into()));
        }
        let tag_text = &line[1..4];
        if line.get(4..6) != Some(b"  ") {
            let what = format!(
                "tag {} is not followed by two spaces",
                String::from_utf8_lossy(tag_text)
            );
            return Err(err(what));
        }
        let data = line.get(6..).unwrap_or_default();
        if let Some(p) = delimiter_in(data) {
            return Err(TextError::new(
                MRK,
                "a MARC delimiter byte (0x1D-0x1F) in the text",
                line_at + 6 + p,
            ));
        }
        if tag_text == b"LDR" {
            let l = leader_of(MRK, &resolved(&blanks(data)), line_at + 6, lenient, repairs)?;
            out.leader(&l);
            continue;
        }
        let Some(tag) = tag_of(tag_text) else {
            let what = format!(
                "tag {:?} is not three characters",
                String::from_utf8_lossy(tag_text)
            );
            return Err(err(what));
        };
        out.open(tag);
        if tag.is_control() {
            push_value(out, &blanks(data));
        } else {
            // Each indicator is one character, a blank as `\`, or a
            // mnemonic (`{bsol}` for a backslash, `{dollar}`).
            let mut rest = data;
            for _ in 0..2 {
                let Some((b, n)) = one_char(rest).filter(|(b, _)| b.is_ascii()) else {
                    let what = if rest.is_empty() {
                        format!("field {tag} has no indicators")
                    } else {
                        format!("field {tag}: an indicator that is not one ASCII character")
                    };
                    let p = data.len() - rest.len();
                    return Err(TextError::new(MRK, what, line_at + 6 + p).tagged(Some(tag)));
                };
                out.push(&[if n == 1 && b == b'\\' { b' ' } else { b }]);
                rest = &rest[n..];
            }
            let subfields = rest;
            if !subfields.is_empty() && subfields[0] != b'$' {
                return Err(TextError::new(
                    MRK,
                    format!("field {tag}: subfields must start with $"),
                    line_at + 6 + data.len() - rest.len(),
                )
                .tagged(Some(tag)));
            }
            for piece in subfields.split(|&b| b == b'$').skip(1) {
                if piece.is_empty() {
                    continue;
                }
                // The code is one character (a whole UTF-8 sequence), or a
                // mnemonic for one.
                let n = match piece[0] {
                    b'{' => match one_char(piece) {
                        Some((b, n)) if n > 1 => {
                            out.subfield(&[b]);
                            push_value(out, &piece[n..]);
                            continue;
                        }
                        _ => 1,
                    },
                    0xC0..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    0xF0..=0xF7 => 4,
                    _ => 1,
                }
                .min(piece.len());
                out.subfield(&piece[..n]);
                push_value(out, &piece[n..]);
            }
        }
        out.close();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_blanks_and_mnemonics() {
        let text = b"=LDR  00000nam{lcub}\\2200000\\a\\4500\r\n=008  860506s1957\\\\\\\\\r\n=245  1\\$aPrice {dollar}5 {lcub}x{rcub} {bogus}$cC\\D\r\n";
        let mut b = Built::default();
        super::super::read_record(MRK, text, &mut b, false, &mut vec![]).unwrap();
        assert_eq!(
            b.bytes,
            b"00000nam{ 2200000 a 4500860506s1957    \x1e1 \x1faPrice $5 {x} {bogus}\x1fcC\\D\x1e\x1d".to_vec()
        );
    }

    #[test]
    fn frames_between_blank_lines() {
        let text = b"\n=LDR  a\n=001  x\n\n \n=LDR  b\n";
        let got: Vec<_> = crate::formats::testing::frames(MRK, text)
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(got, ["=LDR  a\n=001  x\n", "=LDR  b\n"]);
    }

    #[test]
    fn an_indicator_or_code_may_be_a_mnemonic() {
        let text = b"=LDR  00000nam\\\\2200000\\a\\4500\n=500  {bsol}\\${dollar}x$a{lcub}y\n";
        let mut b = Built::default();
        super::super::read_record(MRK, text, &mut b, false, &mut vec![]).unwrap();
        assert_eq!(
            b.bytes,
            b"00000nam  2200000 a 4500\\ \x1f$x\x1fa{y\x1e\x1d".to_vec()
        );
    }

    #[test]
    fn indicators_are_ascii() {
        let text = "=LDR  00000nam\\\\2200000\\a\\4500\n=245  é$aT\n";
        let e = crate::formats::testing::read(MRK, text).unwrap_err();
        assert!(e.kind.to_string().contains("indicator"), "{e:?}");
    }

    #[test]
    fn bad_lines_are_errors() {
        let mut b = Built::default();
        let e = super::super::read_record(
            MRK,
            b"=LDR  00000nam\\\\2200000\\a\\4500\n245  10$a\n",
            &mut b,
            false,
            &mut vec![],
        )
        .unwrap_err();
        assert_eq!(e.at, 31);
    }
}
