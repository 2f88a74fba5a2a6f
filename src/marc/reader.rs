//! A sequential record reader: scanner + parser + error policy.
//!
//! [`Reader`] is the simple, single-threaded way through a source. It is the
//! reference that the parallel pipeline must agree with, and the engine for
//! small jobs. It applies the [`ErrorPolicy`]: under `strict` the first error
//! ends the stream; under `lenient` and `skip` every problem is recorded in
//! [`Reader::problems`] and reading goes on.

use std::io::Read;

use crate::error::{Action, ErrorPolicy, MarcError, Problem};
use crate::marc::record::{ParseOptions, Parser, RecordPos, RecordView};
use crate::marc::scan::{FrameKind, Scan, Scanner};

/// What to do with one frame, decided by [`process_frame`].
#[derive(Debug)]
pub(crate) enum Step {
    /// The parser holds a valid record: take its view.
    Deliver,
    /// Skipped (and reported).
    Skip,
    /// Strict policy: stop with this error (also reported).
    Raise(MarcError),
}

/// A malformed record under `policy`: raised (strict) or skipped, and
/// reported either way.
pub(crate) fn reject(policy: ErrorPolicy, err: MarcError, problems: &mut Vec<Problem>) -> Step {
    match policy {
        ErrorPolicy::Strict => {
            problems.push(Problem {
                error: err.clone(),
                action: Action::Raised,
            });
            Step::Raise(err)
        }
        ErrorPolicy::Lenient | ErrorPolicy::Skip => {
            problems.push(Problem {
                error: err,
                action: Action::Skipped,
            });
            Step::Skip
        }
    }
}

/// Applies `policy` to one frame: framing problems, then parsing. Every
/// problem is appended to `problems`; on [`Step::Deliver`] the parser holds
/// the record for [`Parser::view`]. Shared by [`Reader`] and the pipeline's
/// workers so that both make the same decisions.
pub(crate) fn process_frame(
    parser: &mut Parser,
    policy: ErrorPolicy,
    kind: FrameKind,
    bytes: &[u8],
    pos: RecordPos,
    problems: &mut Vec<Problem>,
    repairs: &mut Vec<MarcError>,
) -> Step {
    let len = bytes.len() as u64;
    let raise_or_skip =
        |err: MarcError, problems: &mut Vec<Problem>| reject(policy, err.spanning(len), problems);
    let framing = match kind {
        FrameKind::Bad(kind) => {
            return raise_or_skip(MarcError::new(pos.index, pos.offset, kind), problems)
        }
        FrameKind::Record { problem } => problem,
    };
    if let Some(kind) = framing {
        let err = MarcError::new(pos.index, pos.offset, kind).spanning(len);
        if policy != ErrorPolicy::Lenient {
            return raise_or_skip(err, problems);
        }
        problems.push(Problem {
            error: err,
            action: Action::Repaired,
        });
    }
    repairs.clear();
    let checked = parser.check(bytes, pos, repairs);
    problems.extend(repairs.drain(..).map(|error| Problem {
        error: error.spanning(len),
        action: Action::Repaired,
    }));
    match checked {
        Ok(()) => Step::Deliver,
        Err(e) => raise_or_skip(e, problems),
    }
}

/// Bytes read from a stream at a time.
const READ_CHUNK: usize = 1 << 20;

enum Input<'a> {
    Slice(&'a [u8]),
    Stream {
        reader: Box<dyn Read + Send + 'a>,
        /// Initialised storage; the held bytes are `buf[pos..end]`.
        buf: Vec<u8>,
        end: usize,
        eof: bool,
    },
}

/// A record delivered by [`Reader::next_record`].
#[derive(Clone, Copy, Debug)]
pub struct Item<'r> {
    /// 0-based index of the record in its source.
    pub index: u64,
    /// Absolute byte offset of the record's first byte.
    pub offset: u64,
    /// The parsed record.
    pub record: RecordView<'r>,
}

/// Reads records one at a time from a slice or an [`std::io::Read`].
pub struct Reader<'a> {
    input: Input<'a>,
    /// Start of the unconsumed bytes within the input buffer.
    pos: usize,
    /// Absolute offset of `pos` in the source.
    offset: u64,
    scanner: Scanner,
    parser: Parser,
    policy: ErrorPolicy,
    problems: Vec<Problem>,
    repairs: Vec<MarcError>,
    done: bool,
}

impl<'a> Reader<'a> {
    /// Reads records from a complete in-memory input without copying it.
    pub fn from_slice(buf: &'a [u8], policy: ErrorPolicy) -> Self {
        Self::with_input(Input::Slice(buf), policy)
    }

    /// Like [`Reader::from_slice`], with every parse option (encoding
    /// choice included).
    pub fn from_slice_with(buf: &'a [u8], options: ParseOptions) -> Self {
        let mut r = Self::with_input(Input::Slice(buf), options.policy);
        r.parser = Parser::new(options);
        r
    }

    /// Reads records from a stream, buffering as needed.
    pub fn from_reader<R: Read + Send + 'a>(reader: R, policy: ErrorPolicy) -> Self {
        Self::with_input(
            Input::Stream {
                reader: Box::new(reader),
                buf: Vec::new(),
                end: 0,
                eof: false,
            },
            policy,
        )
    }

    /// Like [`Reader::from_reader`], with every parse option.
    pub fn from_reader_with<R: Read + Send + 'a>(reader: R, options: ParseOptions) -> Self {
        let mut r = Self::from_reader(reader, options.policy);
        r.parser = Parser::new(options);
        r
    }

    fn with_input(input: Input<'a>, policy: ErrorPolicy) -> Self {
        Reader {
            input,
            pos: 0,
            offset: 0,
            scanner: Scanner::new(),
            parser: Parser::new(ParseOptions {
                policy,
                ..Default::default()
            }),
            policy,
            problems: Vec::new(),
            repairs: Vec::new(),
            done: false,
        }
    }

    /// Problems reported so far (repairs, skips, and the raised error).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Frames (records and skipped stretches) seen so far.
    pub fn frames_seen(&self) -> u64 {
        self.scanner.frames_seen()
    }

    /// Bytes consumed so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.offset
    }

    /// The next record, an error (strict policy; it ends the stream), or
    /// `None` at the end. I/O errors are returned as `Err` of the outer
    /// result.
    #[allow(clippy::should_implement_trait)]
    pub fn next_record(&mut self) -> std::io::Result<Option<Result<Item<'_>, MarcError>>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let (buf, eof): (&[u8], bool) = match &self.input {
                Input::Slice(b) => (&b[self.pos..], true),
                Input::Stream { buf, end, eof, .. } => (&buf[self.pos..*end], *eof),
            };
            let frame = match self.scanner.next(buf, eof) {
                Scan::Frame(f) => f,
                Scan::Skip { consumed } => {
                    self.pos += consumed;
                    self.offset += consumed as u64;
                    continue;
                }
                Scan::End { consumed } => {
                    self.pos += consumed;
                    self.offset += consumed as u64;
                    self.done = true;
                    return Ok(None);
                }
                Scan::NeedMore => {
                    self.fill()?;
                    continue;
                }
            };
            let rec_offset = self.offset + frame.start as u64;
            let start = self.pos + frame.start;
            let end = self.pos + frame.end;
            self.pos = end;
            self.offset += frame.end as u64;
            let bytes: &[u8] = match &self.input {
                Input::Slice(b) => &b[start..end],
                Input::Stream { buf, .. } => &buf[start..end],
            };
            let pos = RecordPos {
                index: frame.index,
                offset: rec_offset,
                ..RecordPos::default()
            };
            match process_frame(
                &mut self.parser,
                self.policy,
                frame.kind,
                bytes,
                pos,
                &mut self.problems,
                &mut self.repairs,
            ) {
                Step::Deliver => {}
                Step::Skip => continue,
                Step::Raise(e) => {
                    self.done = true;
                    return Ok(Some(Err(e)));
                }
            }
            // Borrow the record again for the returned view: returning the
            // borrow taken before `process_frame` from inside this loop is
            // rejected by today's borrow checker (NLL problem case #3).
            let bytes: &[u8] = match &self.input {
                Input::Slice(b) => &b[start..end],
                Input::Stream { buf, .. } => &buf[start..end],
            };
            return Ok(Some(Ok(Item {
                index: frame.index,
                offset: rec_offset,
                record: self.parser.view(bytes),
            })));
        }
    }

    /// Reads more bytes from a stream, compacting the buffer first.
    fn fill(&mut self) -> std::io::Result<()> {
        let Input::Stream {
            reader,
            buf,
            end,
            eof,
        } = &mut self.input
        else {
            unreachable!("a slice input is always at EOF");
        };
        if self.pos > 0 {
            buf.copy_within(self.pos..*end, 0);
            *end -= self.pos;
            self.pos = 0;
        }
        // Grow what we hold geometrically while one record is incomplete,
        // so that rescanning it stays linear overall even when the reader
        // hands out little at a time.
        let held = *end;
        let want = (held / 2).max(1);
        let mut added = 0;
        while added < want {
            if buf.len() - *end < want - added {
                buf.resize(*end + (want - added).max(READ_CHUNK), 0);
            }
            let n = loop {
                match reader.read(&mut buf[*end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                *eof = true;
                break;
            }
            *end += n;
            added += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_no_records() {
        let mut r = Reader::from_slice(b"", ErrorPolicy::Strict);
        assert!(r.next_record().unwrap().is_none());
        let mut r = Reader::from_reader(&b""[..], ErrorPolicy::Strict);
        assert!(r.next_record().unwrap().is_none());
    }
}
