//! What to write: the format (named, or by the destination's extension),
//! ISO 2709's encoding, what a record that does not fit leads to, and the
//! keyword arguments that say so.

use std::path::Path;

use crate::input::Compression;

/// The formats written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteFormat {
    /// ISO 2709 (`.mrc`, `.marc`, `.iso`).
    Iso2709,
    /// MARCXML (`.xml`).
    MarcXml,
    /// MARC-in-JSON, one array (`.json`).
    Json,
    /// MARC-in-JSON, one record per line (`.jsonl`, `.ndjson`).
    Ndjson,
    /// MARCMaker text (`.mrk`, `.txt`).
    Mrk,
}

impl WriteFormat {
    /// Parses a format name (`"marc"`/`"iso2709"`, `"marcxml"`/`"xml"`,
    /// `"json"`, `"ndjson"`/`"jsonl"`, `"mrk"`/`"marcmaker"`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "marc" | "iso2709" | "mrc" => Self::Iso2709,
            "marcxml" | "xml" => Self::MarcXml,
            "json" => Self::Json,
            "ndjson" | "jsonl" => Self::Ndjson,
            "mrk" | "marcmaker" | "text" => Self::Mrk,
            _ => return None,
        })
    }

    /// The format and compression a file name's extensions ask for
    /// (`books.xml.gz`: MARCXML, gzip).
    pub fn from_path(path: &Path) -> (Option<Self>, Compression) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let compression = Compression::from_extension(&name);
        let stem = match compression {
            Compression::None => name.as_str(),
            _ => name.rsplit_once('.').map_or("", |(s, _)| s),
        };
        let ext = stem.rsplit_once('.').map_or("", |(_, e)| e);
        let format = match ext {
            "mrc" | "marc" | "iso" | "iso2709" | "dat" => Some(Self::Iso2709),
            "xml" | "marcxml" => Some(Self::MarcXml),
            "json" => Some(Self::Json),
            "jsonl" | "ndjson" => Some(Self::Ndjson),
            "mrk" | "txt" => Some(Self::Mrk),
            _ => None,
        };
        (format, compression)
    }

    /// About how many bytes a typical record takes (LoC records average
    /// 970 as ISO 2709), to size output buffers once.
    pub(crate) fn bytes_per_record(self) -> usize {
        match self {
            Self::Iso2709 => 1024,
            Self::MarcXml => 3584,
            Self::Json | Self::Ndjson => 1536,
            Self::Mrk => 1152,
        }
    }

    /// The name [`WriteFormat::parse`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Iso2709 => "marc",
            Self::MarcXml => "marcxml",
            Self::Json => "json",
            Self::Ndjson => "ndjson",
            Self::Mrk => "mrk",
        }
    }
}

/// The character encoding of ISO 2709 output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, leader/09 `a`.
    #[default]
    Utf8,
    /// MARC-8, leader/09 blank; characters outside its repertoire as
    /// numeric character references (`&#x2603;`).
    Marc8,
}

/// Whose conventions the text formats follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// MARC 21's: indented MARCXML, MARCMaker mnemonics, leader/09 `a`.
    #[default]
    Marc21,
    /// pymarc 5.4's writers, byte for byte (for `marcarrow.pymarc`): compact
    /// MARCXML as ElementTree writes it, MARCMaker text without mnemonics,
    /// the leader as given.
    Pymarc,
}

/// What a record the format cannot hold (over ISO 2709's lengths, or with
/// a character MARCXML cannot hold) leads to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OversizePolicy {
    /// Stop with an error; nothing is written.
    #[default]
    Error,
    /// Leave the record out and report it as a problem.
    Skip,
}

/// Writer settings.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The format.
    pub format: WriteFormat,
    /// ISO 2709's character encoding (the text formats are UTF-8).
    pub encoding: Encoding,
    /// Records the format cannot hold.
    pub oversize: OversizePolicy,
    /// Encoding threads: `None`, Rayon's global pool.
    pub threads: Option<usize>,
    /// Whose conventions.
    pub style: Style,
}

impl WriteOptions {
    /// Options for `format`, defaults otherwise.
    pub fn new(format: WriteFormat) -> Self {
        WriteOptions {
            format,
            encoding: Encoding::Utf8,
            oversize: OversizePolicy::Error,
            threads: None,
            style: Style::Marc21,
        }
    }
}

/// The writer's keyword arguments, taken out of `pairs` (the rest are
/// someone else's): `format` (`format_key`), `encoding` (`encoding_key`),
/// `oversize`, and `threads` when `threads` is true.
pub struct WriteArgs {
    /// The format asked for, if any.
    pub format: Option<WriteFormat>,
    /// ISO 2709's encoding.
    pub encoding: Encoding,
    /// The oversize policy.
    pub oversize: OversizePolicy,
}

impl WriteArgs {
    /// Takes `format_key`, `encoding_key` and `oversize` out of `pairs`.
    pub fn take_from(
        pairs: &mut Vec<(String, crate::options::Value)>,
        format_key: &str,
        encoding_key: &str,
    ) -> Result<Self, crate::options::OptionError> {
        use crate::options::{OptionError, Value};
        let mut a = WriteArgs {
            format: None,
            encoding: Encoding::Utf8,
            oversize: OversizePolicy::Error,
        };
        let ty = crate::options::type_err;
        for (name, v) in std::mem::take(pairs) {
            match (name.as_str(), &v) {
                (k, Value::None) if k == format_key => {}
                (k, Value::Str(s)) if k == format_key => {
                    a.format = Some(WriteFormat::parse(s).ok_or_else(|| {
                        OptionError::Value(format!(
                            "{k} must be 'marc', 'marcxml', 'json', 'ndjson' or 'mrk', not {s:?}"
                        ))
                    })?)
                }
                (k, _) if k == format_key => return Err(ty(k, "a str or None", &v)),
                (k, Value::Str(s)) if k == encoding_key => {
                    a.encoding = match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
                        "utf8" => Encoding::Utf8,
                        "marc8" => Encoding::Marc8,
                        _ => {
                            return Err(OptionError::Value(format!(
                                "{k} must be 'utf-8' or 'marc-8', not {s:?}"
                            )))
                        }
                    }
                }
                (k, _) if k == encoding_key => return Err(ty(k, "a str", &v)),
                ("oversize", Value::Str(s)) => {
                    a.oversize = match s.as_str() {
                        "error" => OversizePolicy::Error,
                        "skip" => OversizePolicy::Skip,
                        _ => {
                            return Err(OptionError::Value(format!(
                                "oversize must be 'error' or 'skip', not {s:?}"
                            )))
                        }
                    }
                }
                ("oversize", _) => return Err(ty("oversize", "a str", &v)),
                _ => pairs.push((name, v)),
            }
        }
        Ok(a)
    }

    /// Options for writing to `dest`: the format asked for, else the one
    /// its extension names.
    pub fn options_for(&self, dest: Option<&Path>) -> Result<(WriteOptions, Compression), String> {
        let (by_name, compression) = dest
            .map(WriteFormat::from_path)
            .unwrap_or((None, Compression::None));
        let format = self.format.or(by_name).ok_or_else(|| {
            "cannot tell the output format from the destination's name: name it \
             ('marc', 'marcxml', 'json', 'ndjson' or 'mrk'), or use an extension \
             such as .mrc, .xml, .json, .jsonl or .mrk"
                .to_string()
        })?;
        if self.encoding == Encoding::Marc8 && format != WriteFormat::Iso2709 {
            return Err(format!(
                "MARC-8 is written only as ISO 2709; {} is UTF-8",
                format.name()
            ));
        }
        let mut o = WriteOptions::new(format);
        o.encoding = self.encoding;
        o.oversize = self.oversize;
        Ok((o, compression))
    }
}
