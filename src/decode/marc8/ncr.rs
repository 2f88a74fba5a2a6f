//! The MARC 21 lossless convention: a character that MARC-8 cannot hold is
//! written as the numeric character reference `&#xHHHH;` (in Basic Latin).
//!
//! Both halves live here so that what the encoder writes and escapes is
//! exactly what the decoder reads back.

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// Appends `&#xHHHH;` for `c` (uppercase hex, at least four digits).
pub(super) fn push_ref(c: char, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(b"&#x");
    let v = c as u32;
    let digits = ((32 - v.leading_zeros()).div_ceil(4)).max(4);
    for i in (0..digits).rev() {
        out.push(HEX[(v >> (4 * i) & 0xF) as usize]);
    }
    out.push(b';');
}

/// Whether the characters after a literal `&` make it read as the start of
/// a reference: `#`, `x` or `X`, hex digits, `;`. The encoder then writes
/// the `&` itself as a reference. This is wider than what [`resolve`]
/// accepts (any number of digits, any value), which costs a few bytes and
/// never a character.
pub(super) fn looks_like_ref(mut after: impl Iterator<Item = char>) -> bool {
    if after.next() != Some('#') || !matches!(after.next(), Some('x' | 'X')) {
        return false;
    }
    let mut digits = 0;
    for c in after {
        match c {
            ';' => return digits > 0,
            c if c.is_ascii_hexdigit() => digits += 1,
            _ => return false,
        }
    }
    false
}

/// The reference at the start of `b` (which starts with `&#`): the
/// character and the reference's length. 1-6 hex digits, `x` and the
/// digits in either case, a Unicode scalar value.
fn parse(b: &[u8]) -> Option<(char, usize)> {
    if !matches!(b.get(2), Some(b'x' | b'X')) {
        return None;
    }
    let digits = b[3..]
        .iter()
        .take(7)
        .take_while(|c| c.is_ascii_hexdigit())
        .count();
    if !(1..=6).contains(&digits) || b.get(3 + digits) != Some(&b';') {
        return None;
    }
    let hex = std::str::from_utf8(&b[3..3 + digits]).ok()?;
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c, digits + 4))
}

/// Replaces each reference in `out[start..]` by its character, in one pass
/// (a resolved `&` never starts another reference); whether there was a
/// `&#`. Costs one search when there is none.
pub(super) fn resolve(out: &mut String, start: usize) -> bool {
    // Built once: building a searcher per value was 10% of MARC-8 reading.
    static FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"&#"));
    let finder = &*FINDER;
    let Some(first) = finder.find(&out.as_bytes()[start..]) else {
        return false;
    };
    let tail = out.split_off(start + first);
    let b = tail.as_bytes();
    let mut done = 0; // bytes of `tail` already copied or replaced
    let mut at = 0; // where the next `&#` is looked for
    while let Some(p) = finder.find(&b[at..]).map(|p| at + p) {
        match parse(&b[p..]) {
            Some((c, len)) => {
                out.push_str(&tail[done..p]);
                out.push(c);
                done = p + len;
                at = done;
            }
            None => at = p + 1,
        }
    }
    out.push_str(&tail[done..]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(s: &str) -> String {
        let mut out = String::from("x");
        out.push_str(s);
        resolve(&mut out, 1);
        out.split_off(1)
    }

    #[test]
    fn references_are_written_with_four_digits_or_more() {
        let mut out = Vec::new();
        for c in ['&', '\u{1}', '\u{2603}', '\u{1F600}', '\u{10FFFF}'] {
            push_ref(c, &mut out);
        }
        assert_eq!(out, b"&#x0026;&#x0001;&#x2603;&#x1F600;&#x10FFFF;");
    }

    #[test]
    fn references_resolve_in_one_pass() {
        assert_eq!(resolved("a&#x41;b&#X263a;"), "aAb\u{263A}");
        assert_eq!(resolved("&#x0026;#x41;"), "&#x41;");
        assert_eq!(resolved("&&#x000041;&#x;"), "&A&#x;");
        // Not references: 7 digits, no `;`, not a scalar value, decimal.
        for s in [
            "&#x1000000;",
            "&#x41",
            "&#xD800;",
            "&#x110000;",
            "&#65;",
            "&#",
        ] {
            assert_eq!(resolved(s), s);
        }
    }

    #[test]
    fn what_looks_like_a_reference() {
        let l = |s: &str| looks_like_ref(s.chars());
        assert!(l("#x41;") && l("#X1234567;") && l("#xD800;tail"));
        assert!(!l("#x;") && !l("#x41") && !l("#65;") && !l("#x4g;") && !l(""));
    }
}
