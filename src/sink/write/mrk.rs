//! MARCMaker text, as `formats/mrk.rs` reads it: `=LDR  `, `=001  ` and
//! `=245  10$a...` lines. In the leader and
//! control fields, and as an indicator, a blank is `\`. Records are
//! separated by a blank line. `$`, `{`, `}` and
//! `\` in data and the leader are the mnemonics `{dollar}`, `{lcub}`, `{rcub}`, `{bsol}`;
//! a control character is `{XX}` in hex (a line end would end the field).

use super::record::{utf8_leader, RecordRef};
use super::Style;

fn put(s: &str, blanks: bool, out: &mut Vec<u8>) {
    // Spaces matter only where a blank is `\\`; values are mostly text
    // with spaces and nothing to escape.
    if !s
        .bytes()
        .any(|b| matches!(b, b'$' | b'{' | b'}' | b'\\' | 0..=0x1F | 0x7F) || (blanks && b == b' '))
    {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        match c {
            ' ' if blanks => out.push(b'\\'),
            '$' => out.extend_from_slice(b"{dollar}"),
            '{' => out.extend_from_slice(b"{lcub}"),
            '}' => out.extend_from_slice(b"{rcub}"),
            '\\' => out.extend_from_slice(b"{bsol}"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.extend_from_slice(format!("{{{:02X}}}", c as u32).as_bytes())
            }
            c => {
                let mut b = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// Appends one record (the writer puts a blank line between records).
pub fn encode(rec: &RecordRef<'_, '_>, style: Style, out: &mut Vec<u8>) {
    if style == Style::Pymarc {
        return encode_pymarc(rec, out);
    }
    out.extend_from_slice(b"=LDR  ");
    put(&utf8_leader(rec.leader), true, out);
    out.push(b'\n');
    for f in rec.fields {
        out.push(b'=');
        // Literally: the reader takes the three bytes after `=` as the tag
        // (the writer has checked they are printable ASCII).
        out.extend_from_slice(f.tag.as_bytes());
        out.extend_from_slice(b"  ");
        match f.value {
            Some(v) => put(v, true, out),
            None => {
                put(f.ind1, true, out);
                put(f.ind2, true, out);
                for (code, value) in rec.subfields_of(f) {
                    out.push(b'$');
                    put(code, false, out);
                    put(value, false, out);
                }
            }
        }
        out.push(b'\n');
    }
}

/// pymarc's `str(record)`: the leader as it is, `\` for blanks in control
/// fields and indicators only, no mnemonics (so a `$` in a value cannot be
/// told from a delimiter: pymarc's own limit, kept for compatibility).
fn encode_pymarc(rec: &RecordRef<'_, '_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"=LDR  ");
    out.extend_from_slice(rec.leader.as_bytes());
    out.push(b'\n');
    let blank = |s: &str, out: &mut Vec<u8>| out.extend_from_slice(s.replace(' ', "\\").as_bytes());
    for f in rec.fields {
        out.push(b'=');
        out.extend_from_slice(f.tag.as_bytes());
        out.extend_from_slice(b"  ");
        match f.value {
            Some(v) => blank(v, out),
            None => {
                blank(f.ind1, out);
                blank(f.ind2, out);
                for (code, value) in rec.subfields_of(f) {
                    out.push(b'$');
                    out.extend_from_slice(code.as_bytes());
                    out.extend_from_slice(value.as_bytes());
                }
            }
        }
        out.push(b'\n');
    }
}
