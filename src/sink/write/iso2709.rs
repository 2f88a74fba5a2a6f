//! ISO 2709 (MARC 21 transmission format): leader, directory, fields. The
//! record length (leader/00-04), base address (leader/12-16) and directory
//! are computed; leader/09 says the encoding written (`a` for UTF-8, blank
//! for MARC-8); the rest of the leader is written as given.

use super::record::RecordRef;
use super::{Encoding, Reject};
use crate::decode::marc8;

const FT: u8 = 0x1E;
const RT: u8 = 0x1D;
const SD: u8 = 0x1F;

/// What the directory cannot express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Oversize {
    /// The whole record is longer than 99,999 bytes.
    Record(usize),
    /// A field is longer than 9,999 bytes.
    Field {
        /// Its tag.
        tag: String,
        /// Its length with the terminator.
        length: usize,
    },
}

impl std::fmt::Display for Oversize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Oversize::Record(n) => write!(
                f,
                "the record is {n} bytes as ISO 2709, which allows 99,999"
            ),
            Oversize::Field { tag, length } => write!(
                f,
                "field {tag} is {length} bytes as ISO 2709, which allows 9,999 per field"
            ),
        }
    }
}

fn text(s: &str, enc: Encoding, out: &mut Vec<u8>) {
    match enc {
        Encoding::Utf8 => out.extend_from_slice(s.as_bytes()),
        // The encoder has its own fast path for plain ASCII, and writes
        // controls and a literal `&#x...;` as references.
        Encoding::Marc8 => marc8::encode(s, out),
    }
}

fn digits(out: &mut [u8], mut n: usize) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The first value of `rec` holding a MARC delimiter its structure does
/// not account for: a record or field terminator anywhere, a subfield
/// delimiter in a data field's indicators, codes or values. (A control
/// field may hold 0x1F: readers keep it as data, and real records have it.)
/// Looked for only when the delimiter counts of the written record are off.
fn delimiter_inside(rec: &RecordRef<'_, '_>) -> Option<(String, &'static str)> {
    let terminator = |v: &str| match memchr::memchr2(RT, FT, v.as_bytes()) {
        Some(p) if v.as_bytes()[p] == RT => Some("a record terminator (0x1D)"),
        Some(_) => Some("a field terminator (0x1E)"),
        None => None,
    };
    let any = |v: &str| {
        terminator(v).or_else(|| {
            v.contains('\u{1f}')
                .then_some("a subfield delimiter (0x1F)")
        })
    };
    rec.fields.iter().find_map(|f| {
        let found = match f.value {
            Some(v) => terminator(v),
            None => [f.ind1, f.ind2]
                .into_iter()
                .chain(rec.subfields_of(f).iter().flat_map(|(c, v)| [*c, *v]))
                .find_map(any),
        };
        found.map(|what| (f.tag.to_string(), what))
    })
}

/// Appends `rec` to `out`; on an error `out` is left as it was.
pub fn encode(rec: &RecordRef<'_, '_>, enc: Encoding, out: &mut Vec<u8>) -> Result<(), Reject> {
    if !rec.leader.is_ascii() || rec.leader.len() != 24 {
        return Err(Reject::table(
            "leader",
            format!(
                "{:?} is not 24 ASCII characters, as ISO 2709 needs",
                rec.leader
            ),
        ));
    }
    if let Some(f) = rec
        .fields
        .iter()
        .find(|f| !f.tag.is_ascii() || f.tag.len() != 3)
    {
        return Err(Reject::table(
            "fields.tag",
            format!(
                "{:?} is not three ASCII characters, as ISO 2709 needs",
                f.tag
            ),
        ));
    }
    // Indicators are one ASCII character each (checked for every format).
    // A subfield code may be any one character in UTF-8, where readers take
    // a whole character; MARC-8 readers take a byte.
    if enc == Encoding::Marc8 {
        if let Some((c, _)) = rec.subfields.iter().find(|(c, _)| c.len() != 1) {
            return Err(Reject::Unwritable(format!(
                "subfield code {c:?} is not ASCII, as MARC-8 needs; write UTF-8"
            )));
        }
    }
    let start = out.len();
    let n = rec.fields.len();
    let header = 24 + 12 * n + 1;
    out.resize(start + header, b'0');
    let data = out.len();
    for (i, f) in rec.fields.iter().enumerate() {
        let at = out.len();
        match f.value {
            Some(v) => text(v, enc, out),
            None => {
                text(f.ind1, enc, out);
                text(f.ind2, enc, out);
                for (code, value) in rec.subfields_of(f) {
                    out.push(SD);
                    text(code, enc, out);
                    text(value, enc, out);
                }
            }
        }
        out.push(FT);
        let length = out.len() - at;
        let offset = at - data;
        if length > 9_999 {
            out.truncate(start);
            return Err(Reject::Oversize(Oversize::Field {
                tag: f.tag.to_string(),
                length,
            }));
        }
        if offset > 99_999 {
            break; // the record is too long; reported below
        }
        let e = start + 24 + 12 * i;
        let entry = &mut out[e..e + 12];
        entry[..3].copy_from_slice(&f.tag.as_bytes()[..3]);
        digits(&mut entry[3..7], length);
        digits(&mut entry[7..12], offset);
    }
    // Delimiters that do not belong, counted in one pass (which the
    // compiler vectorises): a field terminator per field, a subfield
    // delimiter per subfield, those control fields hold, and nothing else.
    // (MARC-8 output writes delimiters in values as references.)
    if enc == Encoding::Utf8 && out.len() - data <= 99_999 {
        let found = out[data..]
            .iter()
            .filter(|b| (RT..=SD).contains(*b))
            .count();
        let in_control: usize = rec
            .fields
            .iter()
            .filter_map(|f| f.value)
            .map(|v| memchr::memchr_iter(SD, v.as_bytes()).count())
            .sum();
        if found != n + rec.subfields.len() + in_control {
            out.truncate(start);
            let (tag, what) = delimiter_inside(rec).unwrap_or_default();
            return Err(Reject::Unwritable(format!(
                "field {tag}: a value holds {what}, which would change the record's \
                 structure in ISO 2709; write MARCXML or JSON"
            )));
        }
    }
    out.push(RT);
    let total = out.len() - start;
    if total > 99_999 {
        out.truncate(start);
        return Err(Reject::Oversize(Oversize::Record(total)));
    }
    let leader = &mut out[start..start + 24];
    leader.copy_from_slice(&rec.leader.as_bytes()[..24]);
    digits(&mut leader[0..5], total);
    leader[9] = match enc {
        Encoding::Utf8 => b'a',
        Encoding::Marc8 => b' ',
    };
    digits(&mut leader[12..17], header);
    out[start + header - 1] = FT;
    Ok(())
}
