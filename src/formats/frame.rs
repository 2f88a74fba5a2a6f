//! One text frame through the error policy: the worker's counterpart of
//! `marc::reader::process_frame` for MARCXML, MARC-in-JSON and MARCMaker.

use super::{read_record, Built, TextError};
use crate::error::{Action, ErrorKind, ErrorPolicy, MarcError, Problem};
use crate::input::Format;
use crate::marc::reader::{reject, Step};
use crate::marc::record::{Parser, RecordPos};
use crate::marc::scan::FrameKind;

/// A worker's state for the frames of a text format: the record being
/// built and the repairs reported for it, both reused.
#[derive(Debug)]
pub struct TextFrame {
    format: Format,
    /// The last record read (valid after [`Step::Deliver`]).
    pub built: Built,
    repairs: Vec<TextError>,
}

impl TextFrame {
    /// The state for `format`; `None` for ISO 2709, which needs none.
    pub fn new(format: Format) -> Option<Self> {
        (format != Format::Iso2709).then(|| TextFrame {
            format,
            built: Built::default(),
            repairs: Vec::new(),
        })
    }
}

/// Applies the parser's policy to one text frame; on [`Step::Deliver`] the
/// parser holds the spans of `t.built` for `Parser::view(&t.built.bytes)`.
/// A deleted OAI-PMH record is reported as skipped under every policy: it
/// is not malformed, and there is nothing to deliver.
pub(crate) fn process_text_frame(
    parser: &mut Parser,
    t: &mut TextFrame,
    kind: FrameKind,
    rec: &[u8],
    pos: RecordPos,
    problems: &mut Vec<Problem>,
) -> Step {
    let len = rec.len() as u64;
    let policy = parser.options().policy;
    match kind {
        FrameKind::Bad(k @ ErrorKind::Deleted { .. }) => {
            problems.push(Problem {
                error: MarcError::new(pos.index, pos.offset, k).spanning(len),
                action: Action::Skipped,
            });
            return Step::Skip;
        }
        FrameKind::Bad(k) => {
            return reject(
                policy,
                MarcError::new(pos.index, pos.offset, k).spanning(len),
                problems,
            )
        }
        FrameKind::Record { .. } => {}
    }
    let error = |e: TextError| {
        let mut m = MarcError::new(pos.index, pos.offset, e.kind)
            .spanning(len)
            .at(pos.offset + e.at as u64);
        if e.tag.is_some() {
            m.tag = e.tag;
        }
        m
    };
    t.repairs.clear();
    let lenient = policy == ErrorPolicy::Lenient;
    if let Err(e) = read_record(t.format, rec, &mut t.built, lenient, &mut t.repairs) {
        return reject(policy, error(e), problems);
    }
    problems.extend(t.repairs.drain(..).map(|e| Problem {
        error: error(e),
        action: Action::Repaired,
    }));
    // MARCXML and JSON values are Rust strings already; MARCMaker text is
    // bytes until checked.
    let validated = t.format != Format::Mrk;
    match parser.adopt(&t.built.bytes, &mut t.built.spans, validated, pos) {
        Ok(()) => Step::Deliver,
        // Offsets in the built record are not offsets in the text.
        Err(mut e) => {
            e.error_offset = None;
            reject(policy, e.spanning(len), problems)
        }
    }
}
