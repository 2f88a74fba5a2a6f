//! Unicode to MARC-8: the inverse of [`super::decode`], from the same
//! tables, so that what is written reads back as it was.
//!
//! # Design
//!
//! A reverse map (built once) gives each character its codes, one per set
//! that holds it, in order of preference: Basic Latin, ANSEL, Greek
//! symbols, subscripts, superscripts, Hebrew, Basic and Extended Cyrillic,
//! Arabic and Extended Arabic, Greek, then EACC. Only codes the decoder
//! reads as characters are kept (0x21-0x7E in G0, 0xA0-0xFF in G1, three
//! bytes of 0x20-0x7E in EACC); the "odd" codes the decoder also accepts
//! are found in bad data outside their set and are never written.
//!
//! The text is NFC-normalised; a character with no code is split into its
//! canonical decomposition when every part has one (é is `e` and an acute,
//! Vietnamese ớ is ANSEL's ơ and an acute), else it stays whole. A base
//! character's MARC-8 combining marks are written before it (Unicode puts
//! them after). Escapes are written only when a character needs another
//! set, and a value ends in the default state (G0 Basic Latin, G1 ANSEL).
//!
//! Everything else is written in Basic Latin as the MARC 21 lossless
//! numeric character reference `&#xHHHH;`: characters outside the
//! repertoire, C0 and C1 controls and DEL (the decoder drops control
//! bytes, and ESC and 0x1D-0x1F would break the escapes or the record),
//! combining marks with no base before them, and every mark of a base that
//! is itself a reference. A literal `&` that would read as the start of a
//! reference is written as `&#x0026;`. The standard reading of
//! [`super::decode`] turns them back into characters.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use smallvec::SmallVec;
use unicode_normalization::char::{compose, decompose_canonical};
use unicode_normalization::UnicodeNormalization;

use super::tables::{COMBINING, EACC, UNMAPPED};
use super::{ncr, single, ANSEL, BASIC_LATIN, EACC_SET, ESC};

/// The single-byte sets, most preferred first.
const PREFERENCE: [u8; 11] = [
    BASIC_LATIN,
    ANSEL,
    0x67, // Greek symbols
    0x62, // subscripts
    0x70, // superscripts
    0x32, // Hebrew
    0x4E, // Basic Cyrillic
    0x51, // Extended Cyrillic
    0x33, // Arabic
    0x34, // Extended Arabic
    0x53, // Greek
];

/// Sets designated with MARC 21's short form `ESC F` and left with
/// `ESC s`.
const SHORT: [u8; 3] = [0x67, 0x62, 0x70];

/// How far ahead a choice between sets looks.
const LOOKAHEAD: usize = 32;

/// A character's code in one set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Code {
    set: u8,
    code: u32,
}

impl Code {
    /// Read through G1: the decoder looks single bytes above 0x80 up there.
    fn is_g1(self) -> bool {
        self.set != EACC_SET && self.code >= 0xA0
    }
}

#[derive(Debug)]
struct Entry {
    /// A MARC-8 combining mark (written before its base).
    combining: bool,
    /// One code per set that holds the character, most preferred first.
    codes: SmallVec<[Code; 2]>,
}

type Map = HashMap<char, Entry>;

fn reverse() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(build)
}

fn build() -> Map {
    let mut map = Map::with_capacity(EACC.len() + 1024);
    let mut add = |set: u8, code: u32, raw: u32| {
        let Some(c) = char::from_u32(raw & !COMBINING).filter(|_| raw != UNMAPPED) else {
            return;
        };
        let e = map.entry(c).or_insert_with(|| Entry {
            combining: raw & COMBINING != 0,
            codes: SmallVec::new(),
        });
        // The first code of a set is its code (EACC lists a few twice).
        if e.codes.iter().all(|k| k.set != set) {
            e.codes.push(Code { set, code });
        }
    };
    for set in PREFERENCE {
        for (code, &raw) in single(set).into_iter().flatten().enumerate() {
            // C0 and 0x81-0x9F are controls to the decoder; 0x20 is a
            // space in every set (handled apart).
            if matches!(code, 0x21..=0x7E | 0xA0..=0xFF) {
                add(set, code as u32, raw);
            }
        }
    }
    for &(code, raw) in EACC.iter() {
        if code.to_be_bytes()[1..]
            .iter()
            .all(|b| (0x20..0x7F).contains(b))
        {
            add(EACC_SET, code, raw);
        }
    }
    map
}

/// Every character that has a MARC-8 code (the space included), sorted;
/// for tests.
#[doc(hidden)]
pub fn repertoire() -> Vec<char> {
    let mut v: Vec<char> = reverse().keys().copied().chain([' ']).collect();
    v.sort_unstable();
    v
}

/// A character of the text to write and its entry (`None`: a space, or a
/// reference).
type Unit = (char, Option<&'static Entry>);

thread_local! {
    static UNITS: RefCell<Vec<Unit>> = const { RefCell::new(Vec::new()) };
}

/// Appends the MARC-8 bytes of `text` to `out`.
///
/// The bytes start and end in the default state (G0 Basic Latin, G1
/// ANSEL). What MARC-8 cannot hold is written as a numeric character
/// reference (`&#xHHHH;`), which [`super::decode`] reads back in its
/// standard flavor: `decode(encode(s))` is `s` in NFC.
pub fn encode(text: &str, out: &mut Vec<u8>) {
    let b = text.as_bytes();
    if b.iter().all(|c| (0x20..0x7F).contains(c)) && memchr::memchr(b'&', b).is_none() {
        out.extend_from_slice(b);
        return;
    }
    UNITS.with(|units| {
        let mut units = units.borrow_mut();
        units.clear();
        split(text, reverse(), &mut units);
        let mut w = Writer {
            out,
            g0: BASIC_LATIN,
            g1: ANSEL,
        };
        w.units(&units);
        w.finish();
    });
}

/// The NFC characters of `text`; one that MARC-8 lacks is replaced by its
/// canonical decomposition when MARC-8 has every part.
fn split(text: &str, map: &'static Map, units: &mut Vec<Unit>) {
    for c in text.nfc() {
        if c == ' ' {
            units.push((c, None));
            continue;
        }
        if let Some(e) = map.get(&c) {
            units.push((c, Some(e)));
            continue;
        }
        let mut parts: SmallVec<[char; 4]> = SmallVec::new();
        decompose_canonical(c, |p| parts.push(p));
        // The longest start of the decomposition that MARC-8 has composed:
        // ớ is o, horn, acute; ANSEL has ơ but no combining horn.
        let (mut base, mut used) = (parts[0], 1);
        let mut cur = parts[0];
        for (i, &m) in parts.iter().enumerate().skip(1) {
            match compose(cur, m) {
                Some(x) => cur = x,
                None => break,
            }
            if map.contains_key(&cur) {
                (base, used) = (cur, i + 1);
            }
        }
        let rest = &parts[used..];
        match map.get(&base) {
            Some(e) if rest.iter().all(|m| map.contains_key(m)) => {
                units.push((base, Some(e)));
                units.extend(rest.iter().map(|m| (*m, map.get(m))));
            }
            _ => units.push((c, None)),
        }
    }
}

fn is_mark(u: &Unit) -> bool {
    u.1.is_some_and(|e| e.combining)
}

/// Whether `set` holds `u` (a space is in every single-byte set).
fn holds(set: u8, u: &Unit) -> bool {
    match u.1 {
        Some(e) => e.codes.iter().any(|k| k.set == set),
        None => u.0 == ' ' && set != EACC_SET,
    }
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    g0: u8,
    g1: u8,
}

impl Writer<'_> {
    fn units(&mut self, units: &[Unit]) {
        let mut i = 0;
        while i < units.len() {
            let (c, e) = units[i];
            let after = &units[i + 1..];
            let end = i + 1 + after.iter().take_while(|u| is_mark(u)).count();
            let marks = &units[i + 1..end];
            let literal = match e {
                // Marks with no base before them (the start of the text).
                Some(e) if e.combining => false,
                Some(_) => c != '&' || !ncr::looks_like_ref(after.iter().map(|u| u.0)),
                None => c == ' ',
            };
            if !literal {
                // The base as a reference, and its marks too: written before
                // it, they would land on its last character.
                self.reference(c);
                for m in marks {
                    self.reference(m.0);
                }
            } else {
                for m in marks {
                    if let Some(me) = m.1 {
                        let k = self.choose(me, &units[i..]);
                        self.put(k);
                    }
                }
                match e {
                    Some(e) => {
                        let k = self.choose(e, &units[end..]);
                        self.put(k);
                    }
                    None => self.space(),
                }
            }
            i = end;
        }
    }

    /// The code to write for `e`: one in a set already designated if there
    /// is one, else the one whose set holds the longest run of `ahead`
    /// (the most preferred on a tie).
    fn choose(&self, e: &Entry, ahead: &[Unit]) -> Code {
        if let Some(&k) = e.codes.iter().find(|k| self.designated(**k)) {
            return k;
        }
        let mut best = (e.codes[0], 0);
        if e.codes.len() > 1 {
            for &k in &e.codes {
                let run = ahead
                    .iter()
                    .filter(|u| !is_mark(u))
                    .take(LOOKAHEAD)
                    .take_while(|u| holds(k.set, u))
                    .count();
                if run > best.1 {
                    best = (k, run);
                }
            }
        }
        best.0
    }

    fn designated(&self, k: Code) -> bool {
        if k.is_g1() {
            // Under EACC every byte is part of a three-byte character.
            self.g1 == k.set && self.g0 != EACC_SET
        } else {
            self.g0 == k.set
        }
    }

    fn put(&mut self, k: Code) {
        if k.set == EACC_SET {
            self.designate_g0(EACC_SET);
            self.out.extend_from_slice(&k.code.to_be_bytes()[1..]);
        } else if k.is_g1() {
            if self.g0 == EACC_SET {
                self.designate_g0(BASIC_LATIN);
            }
            if self.g1 != k.set {
                self.out.extend_from_slice(&[ESC, b')', k.set]);
                self.g1 = k.set;
            }
            self.out.push(k.code as u8);
        } else {
            self.designate_g0(k.set);
            self.out.push(k.code as u8);
        }
    }

    /// Designates `set` as G0 if it is not. The decoder reads the byte
    /// after `ESC F` and `ESC s` as a character without looking for an
    /// escape, so a character (or nothing) must follow them: that is why
    /// G1 is restored before G0 at the end.
    fn designate_g0(&mut self, set: u8) {
        if self.g0 == set {
            return;
        }
        match set {
            BASIC_LATIN if SHORT.contains(&self.g0) => self.out.extend_from_slice(&[ESC, b's']),
            EACC_SET => self.out.extend_from_slice(&[ESC, b'$', EACC_SET]),
            s if SHORT.contains(&s) => self.out.extend_from_slice(&[ESC, s]),
            s => self.out.extend_from_slice(&[ESC, b'(', s]),
        }
        self.g0 = set;
    }

    /// A space is 0x20 in every single-byte set; EACC reads three bytes.
    fn space(&mut self) {
        if self.g0 == EACC_SET {
            self.designate_g0(BASIC_LATIN);
        }
        self.out.push(b' ');
    }

    fn reference(&mut self, c: char) {
        self.designate_g0(BASIC_LATIN);
        ncr::push_ref(c, self.out);
    }

    fn finish(&mut self) {
        if self.g1 != ANSEL {
            self.out.extend_from_slice(&[ESC, b')', ANSEL]);
            self.g1 = ANSEL;
        }
        self.designate_g0(BASIC_LATIN);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::SINGLE;
    use super::super::{decode, Flavor, Options, Unmapped};
    use super::*;

    fn enc(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        encode(s, &mut out);
        out
    }

    /// Decodes strictly (an unmapped byte or a control is an error) and
    /// checks that nothing was lost on the way.
    fn dec(b: &[u8]) -> String {
        let strict = Options {
            unmapped: Unmapped::Error,
            flavor: Flavor::Standard,
            normalize: true,
        };
        let mut out = String::new();
        let mut issues = Vec::new();
        decode(b, strict, &mut out, &mut issues).unwrap();
        assert!(issues.is_empty(), "{b:?}: {issues:?}");
        out
    }

    /// Encodes, checks the round trip, and returns the bytes.
    fn round(s: &str) -> Vec<u8> {
        let b = enc(s);
        let want: String = s.nfc().collect();
        assert_eq!(dec(&b), want, "{s:?} -> {b:?}");
        b
    }

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    #[test]
    fn every_set_of_the_tables_is_used() {
        for (set, _) in SINGLE.iter() {
            assert!(PREFERENCE.contains(set), "set {:?}", *set as char);
        }
    }

    #[test]
    fn ascii_is_written_as_it_is() {
        for s in ["", "Hello, world! 123 ~{}", "A & B; &#; &x41;"] {
            assert_eq!(round(s), s.as_bytes());
        }
    }

    #[test]
    fn combining_marks_go_before_their_base() {
        // ANSEL: acute 0xE2, tilde 0xE4, dot below 0xF2, circumflex 0xE3.
        assert_eq!(round("café"), b"caf\xe2e");
        assert_eq!(round("Señor"), b"Se\xe4nor");
        // ệ: e, dot below, circumflex (canonical order kept).
        assert_eq!(round("\u{1EC7}"), b"\xf2\xe3e");
        assert_eq!(round("e\u{302}\u{323}"), b"\xf2\xe3e");
        // ớ: ANSEL has ơ (0xBC) but no combining horn.
        assert_eq!(round("\u{1EDB}"), b"\xe2\xbc");
        // Marks before a space stay on the space.
        assert_eq!(round(" \u{301}"), b"\xe2 ");
    }

    #[test]
    fn scripts_switch_once_per_run_and_keep_spaces() {
        let b = round("Москва, Ёлка и Ґ");
        assert!(b.starts_with(b"\x1b(N"), "{b:?}");
        // Ё and Ґ are Extended Cyrillic, in G1.
        assert_eq!(count(&b, b"\x1b)Q"), 1, "{b:?}");
        assert_eq!(count(&b, b"\x1b(N"), 1, "{b:?}");
        assert!(b.ends_with(b"\x1b)E\x1b(B"), "{b:?}");

        let b = round("שלום עולם");
        assert_eq!(count(&b, b"\x1b"), 2, "{b:?}");
        assert!(b.starts_with(b"\x1b(2") && b.ends_with(b"\x1b(B"));

        // α, β, γ are also Greek symbols (`ESC g`); a run of Greek text
        // stays in Greek.
        let b = round("αβγδ Αθήνα");
        assert_eq!(count(&b, b"\x1b"), 2, "{b:?}");
        assert!(b.starts_with(b"\x1b(S"));
        assert_eq!(round("2\u{3B1}"), b"2\x1bga\x1bs");

        // EACC reads three bytes at a time: a space leaves it.
        let b = round("中文 書");
        assert_eq!(count(&b, b"\x1b$1"), 2, "{b:?}");
        assert!(b.starts_with(b"\x1b$1") && b.ends_with(b"\x1b(B"));
        // A Hangul syllable EACC has is not split into jamo.
        assert_eq!(round("\u{D55C}"), b"\x1b$1\x6f\x5c\x65\x1b(B");
        // An ANSEL mark on an EACC character leaves EACC for it.
        round("中文\u{301}");
    }

    #[test]
    fn subscripts_and_superscripts_use_the_short_escapes() {
        assert_eq!(round("H\u{2082}O"), b"H\x1bb2\x1bsO");
        assert_eq!(round("x\u{B2}"), b"x\x1bp2\x1bs");
        assert_eq!(
            round("C\u{2086}H\u{2081}\u{2082}"),
            b"C\x1bb6\x1bsH\x1bb12\x1bs"
        );
    }

    #[test]
    fn the_rest_is_written_as_references() {
        assert_eq!(round("a\u{2603}b\u{1F600}"), b"a&#x2603;b&#x1F600;");
        // Controls, DEL and C1 controls.
        assert_eq!(
            round("a\u{1}\u{1E}\u{7F}\u{85}"),
            b"a&#x0001;&#x001E;&#x007F;&#x0085;"
        );
        // A mark with no base, a mark on a reference, a mark MARC-8 lacks.
        assert_eq!(round("\u{301}a"), b"&#x0301;a");
        assert_eq!(round("\u{2603}\u{301}"), b"&#x2603;&#x0301;");
        assert_eq!(round("a\u{334}\u{301}"), b"\xe2a&#x0334;");
        assert_eq!(round("q\u{334}\u{301}"), b"q&#x0334;&#x0301;");
        // In the middle of another set, and back.
        let b = round("Мир\u{2603}мир");
        assert_eq!(count(&b, b"\x1b(N"), 2, "{b:?}");
    }

    #[test]
    fn a_literal_reference_stays_text() {
        assert_eq!(round("&#x41;"), b"&#x0026;#x41;");
        assert_eq!(round("&#X41; & &#xZ;"), b"&#x0026;#X41; & &#xZ;");
        // What NFC makes of the text counts: U+037E is a semicolon.
        assert_eq!(round("&#x41\u{37E}"), b"&#x0026;#x41;");
        round("&\u{301}#x41;");
        round("&#x\u{2603}&#x41");
    }

    #[test]
    fn every_character_of_the_repertoire_reads_back() {
        let mut n = 0;
        for c in repertoire() {
            for s in [
                format!("{c}"),
                format!("a{c}b"),
                format!("\u{4E2D}{c} \u{5C}"),
            ] {
                round(&s);
            }
            n += 1;
        }
        assert!(n > 16_000, "{n}");
    }
}
