//! The MARC 21 lossless convention: a character that MARC-8 cannot hold is
//! written as the numeric character reference `&#xHHHH;` (in Basic Latin).
//!
//! This is the decoder's half.

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
    let finder = memchr::memmem::Finder::new(b"&#");
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
}
