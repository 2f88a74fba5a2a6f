//! An Avram schema (the JSON schema language for MARC of the DINI-AG KIM,
//! <https://format.gbv.de/schema/avram/specification>) compiled into the
//! rules the checker applies: per tag, repeatability, indicator codes,
//! subfield codes and their repeatability, and the character positions of
//! the leader and fixed fields with their code lists, flags or patterns.
//!
//! Only what MARC uses is read; what Avram defines but the checker does
//! not apply is listed in `docs/validation-rules.md`.

// Schemas are looked up for every field, indicator and subfield of every
// record: FxHash, not SipHash (hashing was a quarter of validation's CPU),
// and the keys are the schema's own, not an attacker's.
use rustc_hash::FxHashMap as HashMap;

use regex::Regex;
use serde_json::{Map, Value};

/// The MARC 21 bibliographic rules shipped with marcarrow, made from an
/// Avram schema by `scripts/avram_rules.py` (facts only; see its
/// PROVENANCE.md).
pub const MARC21_BIBLIOGRAPHIC: &str =
    include_str!("../../python/marcarrow/data/marc21-bibliographic.rules.json");

/// A schema that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("Avram schema: {0}")]
pub struct SchemaError(pub String);

/// What an indicator may hold.
#[derive(Debug, Clone)]
pub enum IndicatorRule {
    /// The schema says nothing: anything goes.
    Any,
    /// Undefined (`null` in Avram): a blank only.
    Blank,
    /// These codes, each with whether it is deprecated.
    Codes(HashMap<u8, bool>),
}

/// What a value (a position's characters, a subfield) may hold.
#[derive(Debug, Clone)]
pub enum ValueRule {
    /// One of these codes (each with whether it is deprecated).
    Codes(HashMap<Vec<u8>, bool>),
    /// Each character one of these flags.
    Flags(HashMap<u8, bool>),
    /// A match of this pattern.
    Pattern(Regex),
}

/// One character position (`start..=end`) of a fixed field.
#[derive(Debug, Clone)]
pub struct Position {
    /// How the schema names it (`"06"`, `"18-21"`).
    pub key: String,
    /// First character, 0-based.
    pub start: usize,
    /// Last character, inclusive.
    pub end: usize,
    /// What it may hold; `None` when the schema gives no list.
    pub rule: Option<ValueRule>,
}

/// A subfield's definition.
#[derive(Debug, Clone, Default)]
pub struct SubfieldRule {
    /// May occur more than once in a field.
    pub repeatable: bool,
    /// Obsolete.
    pub deprecated: bool,
    /// Must occur in every such field.
    pub required: bool,
    /// What its value may hold.
    pub value: Option<ValueRule>,
}

/// Which of a field's `types` applies to a record: the characters
/// `start..=end` of `field` (`LDR` or the field itself) matched against
/// each type's pattern.
#[derive(Debug, Clone)]
pub struct Selector {
    /// `LDR`, or the tag of the field the characters are taken from.
    pub field: String,
    /// First character, 0-based.
    pub start: usize,
    /// Last character, inclusive.
    pub end: usize,
    /// The types, in name order, with the pattern that selects each.
    pub types: Vec<(String, Regex)>,
}

/// One field's definition (the leader's under `LDR`).
#[derive(Debug, Clone, Default)]
pub struct FieldRule {
    /// May occur more than once in a record.
    pub repeatable: bool,
    /// Obsolete.
    pub deprecated: bool,
    /// Must occur in every record.
    pub required: bool,
    /// First and second indicator.
    pub indicators: [Option<IndicatorRule>; 2],
    /// Defined subfield codes; `None` when the schema lists none.
    pub subfields: Option<HashMap<u8, SubfieldRule>>,
    /// The codes of the required subfields, sorted (found once here, not
    /// per field checked).
    pub required_subfields: Vec<u8>,
    /// Positions that apply to every record.
    pub positions: Vec<Position>,
    /// Positions per type, in name order.
    pub types: Vec<(String, Vec<Position>)>,
    /// How a record's type is chosen.
    pub selector: Option<Selector>,
    /// What a control field's whole value may hold.
    pub value: Option<ValueRule>,
}

/// A compiled schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The schema's title, if it has one.
    pub title: Option<String>,
    /// The leader's positions.
    pub leader: Option<FieldRule>,
    /// Field rules by tag.
    pub fields: HashMap<[u8; 3], FieldRule>,
    /// Tags of required fields, in order.
    pub required: Vec<[u8; 3]>,
}

/// Type names with the pattern that selects each.
type TypeList = &'static [(&'static str, &'static str)];

/// The MARC 21 choice of 006/007/008 types, for schemas that name these
/// types but do not say how to choose them (as the QA catalogue's do).
fn default_selector(tag: &str) -> Option<(&'static str, usize, usize, TypeList)> {
    const F008: &[(&str, &str)] = &[
        ("Books", "^[at][acdm]$"),
        ("Computer Files", "^m"),
        ("Continuing Resources", "^a[bis]$"),
        ("Maps", "^[ef]"),
        ("Mixed Materials", "^p"),
        ("Music", "^[cdij]"),
        ("Visual Materials", "^[gkor]"),
    ];
    const F006: &[(&str, &str)] = &[
        ("Books", "^[at]$"),
        ("Computer Files", "^m$"),
        ("Continuing Resources", "^s$"),
        ("Maps", "^[ef]$"),
        ("Mixed Materials", "^p$"),
        ("Music", "^[cdij]$"),
        ("Visual Materials", "^[gkor]$"),
    ];
    const F007: &[(&str, &str)] = &[
        ("Electronic resource", "^c$"),
        ("Globe", "^d$"),
        ("Kit", "^o$"),
        ("Map", "^a$"),
        ("Microform", "^h$"),
        ("Motion picture", "^m$"),
        ("Nonprojected graphic", "^k$"),
        ("Notated music", "^q$"),
        ("Projected graphic", "^g$"),
        ("Remote-sensing image", "^r$"),
        ("Sound recording", "^s$"),
        ("Tactile material", "^f$"),
        ("Text", "^t$"),
        ("Unspecified", "^z$"),
        ("Videorecording", "^v$"),
    ];
    match tag {
        "008" => Some(("LDR", 6, 7, F008)),
        "006" => Some(("006", 0, 0, F006)),
        "007" => Some(("007", 0, 0, F007)),
        _ => None,
    }
}

fn err<T>(what: impl Into<String>) -> Result<T, SchemaError> {
    Err(SchemaError(what.into()))
}

fn flag(v: &Map<String, Value>, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn regex(p: &str, at: &str) -> Result<Regex, SchemaError> {
    Regex::new(p).or_else(|e| err(format!("{at}: pattern {p:?}: {e}")))
}

/// The `codes` of a definition: an object keyed by code (Avram's form), or
/// a list of codes; each with whether it is deprecated.
fn codes(v: &Value, at: &str) -> Result<HashMap<Vec<u8>, bool>, SchemaError> {
    match v {
        Value::Object(m) => Ok(m
            .iter()
            .map(|(k, d)| {
                let dep = d.as_object().is_some_and(|d| flag(d, "deprecated"));
                (k.as_bytes().to_vec(), dep)
            })
            .collect()),
        Value::Array(a) => a
            .iter()
            .map(|c| match c {
                Value::String(s) => Ok((s.as_bytes().to_vec(), false)),
                _ => err(format!("{at}: a code that is not a string")),
            })
            .collect(),
        // A reference to a code list the checker cannot resolve: no check.
        Value::String(_) => Ok(HashMap::default()),
        _ => err(format!("{at}: codes must be an object or a list")),
    }
}

fn value_rule(d: &Map<String, Value>, at: &str) -> Result<Option<ValueRule>, SchemaError> {
    if let Some(p) = d.get("pattern").and_then(Value::as_str) {
        return Ok(Some(ValueRule::Pattern(regex(p, at)?)));
    }
    if let Some(f) = d.get("flags") {
        let m = codes(f, at)?;
        if m.keys().any(|k| k.len() != 1) {
            return err(format!("{at}: flags must be single characters"));
        }
        return Ok(Some(ValueRule::Flags(
            m.into_iter().map(|(k, d)| (k[0], d)).collect(),
        )));
    }
    match d.get("codes") {
        Some(c @ (Value::Object(_) | Value::Array(_))) => Ok(Some(ValueRule::Codes(codes(c, at)?))),
        _ => Ok(None),
    }
}

fn positions(v: Option<&Value>, at: &str) -> Result<Vec<Position>, SchemaError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Some(m) = v.as_object() else {
        return err(format!("{at}: positions must be an object"));
    };
    let mut out = Vec::with_capacity(m.len());
    for (key, d) in m {
        let at = format!("{at}/{key}");
        let Some(d) = d.as_object() else {
            return err(format!("{at}: a position must be an object"));
        };
        // The key says the range ("18-21"); `start` and `end` may too.
        let (s, e) = key.split_once('-').unwrap_or((key, key));
        let num = |x: Option<&Value>, text: &str| -> Result<usize, SchemaError> {
            match x.and_then(Value::as_u64) {
                Some(n) => Ok(n as usize),
                None => text
                    .parse()
                    .or_else(|_| err(format!("{at}: not a position"))),
            }
        };
        let (start, end) = (num(d.get("start"), s)?, num(d.get("end"), e)?);
        if end < start {
            return err(format!("{at}: the end comes before the start"));
        }
        out.push(Position {
            key: key.clone(),
            start,
            end,
            rule: value_rule(d, &at)?,
        });
    }
    out.sort_by_key(|p| (p.start, p.end));
    Ok(out)
}

fn indicator(v: Option<&Value>, at: &str) -> Result<Option<IndicatorRule>, SchemaError> {
    Ok(Some(match v {
        None => IndicatorRule::Any,
        Some(Value::Null) => IndicatorRule::Blank,
        Some(Value::Object(d)) => match d.get("codes") {
            // A code list by reference is not fetched: no check.
            Some(Value::String(_)) | None => IndicatorRule::Any,
            Some(c) => {
                let m = codes(c, at)?;
                if m.keys().any(|k| k.len() != 1) {
                    return err(format!("{at}: an indicator code must be one character"));
                }
                // Avram and MARC documentation both write a blank as '#' at times.
                IndicatorRule::Codes(
                    m.into_iter()
                        .map(|(k, d)| (if k[0] == b'#' { b' ' } else { k[0] }, d))
                        .collect(),
                )
            }
        },
        Some(_) => return err(format!("{at}: an indicator must be an object or null")),
    }))
}

fn selector(
    tag: &str,
    d: &Map<String, Value>,
    types: &[(String, Vec<Position>)],
) -> Result<Option<Selector>, SchemaError> {
    if types.is_empty() {
        return Ok(None);
    }
    let at = format!("{tag}/_typeSelector");
    if let Some(s) = d.get("_typeSelector").and_then(Value::as_object) {
        let field = s
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or(tag)
            .to_string();
        let n = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
        let (Some(start), Some(end)) = (n("start"), n("end")) else {
            return err(format!("{at}: start and end are needed"));
        };
        let mut sel = Vec::new();
        for (name, p) in s
            .get("types")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(p) = p.as_str() else {
                return err(format!("{at}/{name}: a pattern must be a string"));
            };
            sel.push((name.clone(), regex(p, &at)?));
        }
        sel.sort_by(|a, b| a.0.cmp(&b.0));
        return Ok(Some(Selector {
            field,
            start,
            end,
            types: sel,
        }));
    }
    Ok(
        default_selector(tag).map(|(field, start, end, list)| Selector {
            field: field.to_string(),
            start,
            end,
            types: list
                .iter()
                .filter(|(name, _)| types.iter().any(|(t, _)| t == name))
                .map(|(name, p)| {
                    (
                        name.to_string(),
                        Regex::new(p).expect("a valid built-in pattern"),
                    )
                })
                .collect(),
        }),
    )
}

fn field(tag: &str, d: &Map<String, Value>) -> Result<FieldRule, SchemaError> {
    let mut types = Vec::new();
    for (name, t) in d
        .get("types")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("{tag}/{name}");
        let p = positions(t.get("positions"), &at)?;
        types.push((name.clone(), p));
    }
    types.sort_by(|a, b| a.0.cmp(&b.0));
    let subfields = match d.get("subfields") {
        Some(Value::Object(m)) => {
            let mut out = HashMap::with_capacity_and_hasher(m.len(), Default::default());
            for (code, s) in m {
                let at = format!("{tag}${code}");
                let (&[c], Some(s)) = (code.as_bytes(), s.as_object()) else {
                    return err(format!("{at}: a subfield code must be one character"));
                };
                out.insert(
                    c,
                    SubfieldRule {
                        repeatable: flag(s, "repeatable"),
                        deprecated: flag(s, "deprecated"),
                        required: flag(s, "required"),
                        value: value_rule(s, &at)?,
                    },
                );
            }
            Some(out)
        }
        _ => None,
    };
    let mut required_subfields: Vec<u8> = subfields
        .iter()
        .flatten()
        .filter(|(_, s)| s.required)
        .map(|(c, _)| *c)
        .collect();
    required_subfields.sort_unstable();
    Ok(FieldRule {
        repeatable: flag(d, "repeatable"),
        deprecated: flag(d, "deprecated"),
        required: flag(d, "required"),
        indicators: [
            indicator(d.get("indicator1"), &format!("{tag} indicator 1"))?,
            indicator(d.get("indicator2"), &format!("{tag} indicator 2"))?,
        ],
        subfields,
        required_subfields,
        positions: positions(d.get("positions"), tag)?,
        selector: selector(tag, d, &types)?,
        types,
        value: value_rule(d, tag)?,
    })
}

impl Schema {
    /// The MARC 21 bibliographic rules shipped with marcarrow, compiled
    /// once per process (a few milliseconds: JSON and regular expressions).
    pub fn marc21_bibliographic() -> std::sync::Arc<Schema> {
        static RULES: std::sync::OnceLock<std::sync::Arc<Schema>> = std::sync::OnceLock::new();
        RULES
            .get_or_init(|| {
                std::sync::Arc::new(
                    Schema::from_json(MARC21_BIBLIOGRAPHIC).expect("the shipped rules load"),
                )
            })
            .clone()
    }

    /// Compiles an Avram schema from its JSON text.
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        let v: Value = serde_json::from_str(text).or_else(|e| err(format!("not JSON: {e}")))?;
        let Some(fields) = v.get("fields").and_then(Value::as_object) else {
            return err("no `fields` object");
        };
        let mut s = Schema {
            title: v.get("title").and_then(Value::as_str).map(str::to_string),
            ..Schema::default()
        };
        for (key, d) in fields {
            // Avram keys fields by tag, or by tag and occurrence/counter
            // (PICA's): the tag is the `tag` member when there is one.
            let tag = d.get("tag").and_then(Value::as_str).unwrap_or(key);
            let Some(d) = d.as_object() else {
                return err(format!("{key}: a field must be an object"));
            };
            let rule = field(tag, d)?;
            if tag == "LDR" {
                s.leader = Some(rule);
                continue;
            }
            let Ok(t) = <[u8; 3]>::try_from(tag.as_bytes()) else {
                return err(format!("{key}: a MARC tag has three characters"));
            };
            if rule.required {
                s.required.push(t);
            }
            s.fields.insert(t, rule);
        }
        s.required.sort();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load() {
        let s = Schema::marc21_bibliographic();
        assert!(s.fields.len() > 200);
        let f245 = &s.fields[b"245"];
        assert!(!f245.repeatable);
        assert!(!f245.subfields.as_ref().unwrap()[&b'a'].repeatable);
        assert!(s.fields[b"650"].repeatable);
        let f008 = &s.fields[b"008"];
        assert_eq!(f008.selector.as_ref().unwrap().field, "LDR");
        assert!(f008.types.iter().any(|(t, _)| t == "Books"));
        assert!(s
            .leader
            .as_ref()
            .unwrap()
            .positions
            .iter()
            .any(|p| p.key == "06"));
    }

    #[test]
    fn a_code_list_by_reference_is_not_checked() {
        let s = Schema::from_json(
            r#"{"fields": {"041": {"indicator1": {"codes": "https://example.org/l"},
                "subfields": {"a": {"codes": "https://www.loc.gov/marc/languages/"}}}}}"#,
        )
        .unwrap();
        let f = &s.fields[b"041"];
        assert!(matches!(f.indicators[0], Some(IndicatorRule::Any)));
        assert!(f.subfields.as_ref().unwrap()[&b'a'].value.is_none());
    }

    #[test]
    fn bad_schemas_are_errors() {
        for text in [
            "[]",
            "{\"fields\": []}",
            "{\"fields\": {\"24\": {}}}",
            "{\"fields\": {\"008\": {\"positions\": {\"x\": {}}}}}",
            "{\"fields\": {\"245\": {\"subfields\": {\"ab\": {}}}}}",
            "{\"fields\": {\"245\": {\"indicator1\": {\"codes\": {\"10\": {}}}}}}",
            "{\"fields\": {\"005\": {\"pattern\": \"(\"}}}",
        ] {
            assert!(Schema::from_json(text).is_err(), "{text}");
        }
    }
}
