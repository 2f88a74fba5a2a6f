//! Turning a record's strings into Unicode: which encoding, and what to do
//! with bytes that do not decode.
//!
//! The parser picks each record's [`Encoding`] from leader/09 and the
//! caller's [`EncodingMode`]; records that are valid UTF-8 need no work here
//! (their bytes are the strings). For every other record, [`Decoded`]
//! decodes the values (control fields and subfield values) into one reusable
//! buffer *before* anything of the record is appended to a batch, so that a
//! record that fails to decode under `encoding_errors="strict"` leaves no
//! trace. Every substituted or dropped byte is reported with the record
//! index, tag and absolute byte offset.

pub mod marc8;

use crate::error::{Action, ErrorKind, MarcError, Problem, Tag};
use crate::marc::record::{Encoding, RecordPos, RecordView};
use crate::marc::Dialect;

pub use crate::marc::encoding::{EncodingErrors, EncodingMode};
use crate::select::{self, TagFilter};

/// Decoding settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// What bad bytes lead to.
    pub errors: EncodingErrors,
    /// NFC-normalise MARC-8 output (pymarc does).
    pub normalize: bool,
    /// Under [`Dialect::Pymarc`], decode exactly as pymarc 5.4 does (for
    /// the record iterator): MARC-8 with pymarc's quirks and unmapped
    /// characters as spaces, control fields of non-UTF-8 records as ISO
    /// 8859-1, and invalid UTF-8 in a control field always an error.
    pub dialect: Dialect,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            errors: EncodingErrors::Strict,
            normalize: true,
            dialect: Dialect::Standard,
        }
    }
}

/// The decoded values of one record, in the order a batch builder visits
/// them: each control field's value, then each subfield's value.
#[derive(Debug, Default)]
pub struct Decoded {
    text: String,
    slots: Vec<Slot>,
    issues: Vec<marc8::Issue>,
}

/// Where one decoded value lies: `start..end` of the decoded text, or of
/// the record itself where its bytes decode to themselves (most values of
/// most records: copying them into the text was a third of reading MARC-8).
#[derive(Clone, Copy, Debug)]
struct Slot {
    start: u32,
    end: u32,
    raw: bool,
}

impl Decoded {
    /// Decodes every value of `r` (which is not valid UTF-8 as it stands).
    /// Under `Replace`, each substitution is appended to `problems`; under
    /// `Strict`, the first bad byte is returned as the record's error.
    /// Fields that `tags` leaves out are not decoded (and take no slot).
    pub fn decode_record(
        &mut self,
        r: &RecordView<'_>,
        pos: RecordPos,
        opts: DecodeOptions,
        tags: Option<&TagFilter>,
        problems: &mut Vec<Problem>,
    ) -> Result<(), MarcError> {
        self.text.clear();
        self.slots.clear();
        let base = r.bytes.as_ptr() as usize;
        for f in r.fields() {
            if !select::keeps(tags, &f.tag) {
                continue;
            }
            if f.is_control() {
                let enc = match r.encoding {
                    Encoding::Marc8 if opts.dialect.is_pymarc() => Encoding::Latin1,
                    e => e,
                };
                self.one(f.data, f.tag, enc, opts, pos, base, problems, true)?;
            } else {
                for s in f.subfields() {
                    self.one(s.value, f.tag, r.encoding, opts, pos, base, problems, false)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn one(
        &mut self,
        b: &[u8],
        tag: Tag,
        enc: Encoding,
        opts: DecodeOptions,
        pos: RecordPos,
        base: usize,
        problems: &mut Vec<Problem>,
        control: bool,
    ) -> Result<(), MarcError> {
        let at = (b.as_ptr() as usize).wrapping_sub(base) as u64;
        if decodes_to_itself(b, enc, opts.dialect) {
            self.slots.push(Slot {
                start: at as u32,
                end: (at as usize + b.len()) as u32,
                raw: true,
            });
            return Ok(());
        }
        self.issues.clear();
        let start = self.text.len() as u32;
        // pymarc decodes control fields without its utf8_handling.
        let strict = opts.errors == EncodingErrors::Strict
            || (opts.dialect.is_pymarc() && control && enc == Encoding::Utf8Invalid);
        let unmapped = if strict {
            marc8::Unmapped::Error
        } else {
            marc8::Unmapped::Replace
        };
        let failed = match enc {
            Encoding::Utf8 => {
                // Only valid UTF-8 records get here via `Utf8Invalid`; this
                // arm keeps the match total.
                self.text.push_str(&String::from_utf8_lossy(b));
                false
            }
            Encoding::Marc8 => {
                let o = if opts.dialect.is_pymarc() {
                    marc8::Options {
                        unmapped: marc8::Unmapped::Space,
                        flavor: marc8::Flavor::Pymarc,
                        normalize: opts.normalize,
                    }
                } else {
                    marc8::Options {
                        unmapped,
                        flavor: marc8::Flavor::Standard,
                        normalize: opts.normalize,
                    }
                };
                marc8::decode(b, o, &mut self.text, &mut self.issues).is_err()
            }
            Encoding::Latin1 => {
                self.text.extend(b.iter().map(|&c| c as char));
                false
            }
            Encoding::Cp1251 => {
                marc8::decode_cp1251(b, unmapped, &mut self.text, &mut self.issues).is_err()
            }
            Encoding::Utf8Invalid => {
                let keep = opts.errors != EncodingErrors::Ignore;
                utf8_lossy(b, keep, &mut self.text, &mut self.issues);
                false
            }
        };
        if opts.dialect.is_pymarc() && enc == Encoding::Marc8 {
            // pymarc never rejects MARC-8: what it cannot map it prints and
            // replaces, and so does this reading.
            self.issues.clear();
            if failed {
                return Err(MarcError::new(
                    pos.index,
                    pos.offset,
                    ErrorKind::Internal("pymarc-style MARC-8 decoding failed".into()),
                ));
            }
        }
        // In the standard reading dangling combining marks are kept: not a
        // loss, not reported.
        self.issues
            .retain(|i| i.kind != marc8::IssueKind::DanglingCombining);
        let to_err = |i: &marc8::Issue| {
            let what = match i.kind {
                marc8::IssueKind::Unmapped { code: u32::MAX, .. } => "invalid UTF-8".to_string(),
                k => k.to_string(),
            };
            MarcError::new(pos.index, pos.offset, ErrorKind::Encoding { tag, what })
                .at(pos.offset + at + i.offset as u64)
        };
        if let Some(first) = self.issues.first() {
            if strict {
                return Err(to_err(first));
            }
            if failed {
                return Err(to_err(self.issues.last().unwrap_or(first)));
            }
            problems.extend(self.issues.iter().map(|i| Problem {
                error: to_err(i),
                action: Action::Replaced,
            }));
        }
        self.slots.push(Slot {
            start,
            end: self.text.len() as u32,
            raw: false,
        });
        Ok(())
    }

    /// The `i`-th decoded value of `record` (the bytes given to
    /// [`Decoded::decode_record`]), valid UTF-8; empty if there is none.
    #[inline]
    pub fn get<'d>(&'d self, i: usize, record: &'d [u8]) -> &'d [u8] {
        match self.slots.get(i) {
            Some(s) => slot(s, &self.text, record),
            None => &[],
        }
    }

    /// The decoded values of `record` (as for [`Decoded::get`]) in order.
    pub fn values<'d>(&'d self, record: &'d [u8]) -> Values<'d> {
        Values {
            text: &self.text,
            record,
            slots: self.slots.iter(),
        }
    }
}

#[inline]
fn slot<'d>(s: &Slot, text: &'d str, record: &'d [u8]) -> &'d [u8] {
    let from = if s.raw { record } else { text.as_bytes() };
    from.get(s.start as usize..s.end as usize)
        .unwrap_or_default()
}

/// Whether `b` decodes to itself in `enc`: ASCII in the single-byte
/// encodings; printable ASCII in MARC-8 (which drops control bytes), with
/// no numeric character reference for the standard reading to resolve.
#[inline]
fn decodes_to_itself(b: &[u8], enc: Encoding, dialect: Dialect) -> bool {
    match enc {
        Encoding::Latin1 | Encoding::Cp1251 => b.is_ascii(),
        Encoding::Marc8 => {
            marc8::is_plain_ascii(b) && (dialect.is_pymarc() || !marc8::has_reference_start(b))
        }
        Encoding::Utf8 | Encoding::Utf8Invalid => false,
    }
}

/// Cursor over [`Decoded`] values.
#[derive(Debug)]
pub struct Values<'d> {
    text: &'d str,
    record: &'d [u8],
    slots: std::slice::Iter<'d, Slot>,
}

impl<'d> Iterator for Values<'d> {
    type Item = &'d [u8];

    #[inline]
    fn next(&mut self) -> Option<&'d [u8]> {
        self.slots.next().map(|s| slot(s, self.text, self.record))
    }
}

/// UTF-8 with each invalid sequence replaced by U+FFFD (or dropped, when
/// `replace` is false) and reported (as an `Unmapped` issue with code
/// `u32::MAX`, shown as "invalid UTF-8").
fn utf8_lossy(mut b: &[u8], replace: bool, out: &mut String, issues: &mut Vec<marc8::Issue>) {
    let mut offset = 0;
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&b[..good]).unwrap_or_default());
                if replace {
                    out.push('\u{FFFD}');
                }
                issues.push(marc8::Issue {
                    offset: offset + good,
                    kind: marc8::IssueKind::Unmapped {
                        code: u32::MAX,
                        set: b'U',
                    },
                });
                let skip = good + e.error_len().unwrap_or(b.len() - good);
                offset += skip;
                b = &b[skip..];
            }
        }
    }
}
