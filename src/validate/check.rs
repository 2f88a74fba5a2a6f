//! One record checked against a [`Schema`]: every finding with where it
//! is (tag, occurrence, indicator, subfield code or position), the rule,
//! and a message a cataloguer understands.

use smallvec::SmallVec;

use super::schema::{FieldRule, IndicatorRule, Position, Schema, ValueRule};
use crate::marc::view::FieldView;
use crate::marc::view::RecordView;

/// The rules a finding can name (`docs/validation-rules.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A tag the schema does not define.
    UndefinedField,
    /// A field the schema marks obsolete.
    DeprecatedField,
    /// A second occurrence of a non-repeatable field.
    NonRepeatableField,
    /// A required field that is not there.
    MissingField,
    /// A fixed field of the wrong length.
    InvalidLength,
    /// A control field's value outside its pattern or codes.
    InvalidFieldValue,
    /// An indicator value the schema does not define.
    UndefinedIndicator,
    /// An indicator value the schema marks obsolete.
    DeprecatedIndicator,
    /// A subfield code the schema does not define for the field.
    UndefinedSubfield,
    /// A subfield the schema marks obsolete.
    DeprecatedSubfield,
    /// A non-repeatable subfield more than once in a field.
    NonRepeatableSubfield,
    /// A required subfield that is not there.
    MissingSubfield,
    /// A subfield's value outside its pattern or codes.
    InvalidSubfieldValue,
    /// A subfield's value the schema marks obsolete.
    DeprecatedSubfieldValue,
    /// A position's value outside its code list or pattern.
    InvalidPositionCode,
    /// A character of a flags position that is not a defined flag.
    InvalidPositionFlags,
    /// A position's value the schema marks obsolete.
    DeprecatedPositionCode,
}

/// Every rule, in the documented order.
pub const RULES: [Rule; 17] = [
    Rule::UndefinedField,
    Rule::DeprecatedField,
    Rule::NonRepeatableField,
    Rule::MissingField,
    Rule::InvalidLength,
    Rule::InvalidFieldValue,
    Rule::UndefinedIndicator,
    Rule::DeprecatedIndicator,
    Rule::UndefinedSubfield,
    Rule::DeprecatedSubfield,
    Rule::NonRepeatableSubfield,
    Rule::MissingSubfield,
    Rule::InvalidSubfieldValue,
    Rule::DeprecatedSubfieldValue,
    Rule::InvalidPositionCode,
    Rule::InvalidPositionFlags,
    Rule::DeprecatedPositionCode,
];

impl Rule {
    /// The rule's name in findings (`non_repeatable_field`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::UndefinedField => "undefined_field",
            Rule::DeprecatedField => "deprecated_field",
            Rule::NonRepeatableField => "non_repeatable_field",
            Rule::MissingField => "missing_field",
            Rule::InvalidLength => "invalid_length",
            Rule::InvalidFieldValue => "invalid_field_value",
            Rule::UndefinedIndicator => "undefined_indicator",
            Rule::DeprecatedIndicator => "deprecated_indicator",
            Rule::UndefinedSubfield => "undefined_subfield",
            Rule::DeprecatedSubfield => "deprecated_subfield",
            Rule::NonRepeatableSubfield => "non_repeatable_subfield",
            Rule::MissingSubfield => "missing_subfield",
            Rule::InvalidSubfieldValue => "invalid_subfield_value",
            Rule::DeprecatedSubfieldValue => "deprecated_subfield_value",
            Rule::InvalidPositionCode => "invalid_position_code",
            Rule::InvalidPositionFlags => "invalid_position_flags",
            Rule::DeprecatedPositionCode => "deprecated_position_code",
        }
    }

    /// `"error"`, or `"warning"` for what the format still accepts but has
    /// made obsolete.
    pub fn severity(self) -> &'static str {
        match self {
            Rule::DeprecatedField
            | Rule::DeprecatedIndicator
            | Rule::DeprecatedSubfield
            | Rule::DeprecatedSubfieldValue
            | Rule::DeprecatedPositionCode => "warning",
            _ => "error",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// The field's tag (`LDR` for the leader), if the finding is in one.
    pub tag: Option<[u8; 3]>,
    /// Which occurrence of the tag in the record, from 0.
    pub occurrence: Option<u32>,
    /// 1 or 2, for an indicator.
    pub indicator: Option<u8>,
    /// The subfield code.
    pub code: Option<String>,
    /// The position (`06`, `18-21`) of a fixed field.
    pub position: Option<String>,
    /// The value found (an indicator, a position's characters).
    pub value: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl Finding {
    fn new(rule: Rule, tag: [u8; 3], message: String) -> Finding {
        Finding {
            rule,
            tag: Some(tag),
            occurrence: None,
            indicator: None,
            code: None,
            position: None,
            value: None,
            message,
        }
    }
}

fn tag_str(t: &[u8; 3]) -> String {
    String::from_utf8_lossy(t).into_owned()
}

fn shown(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    if s.chars().all(|c| c == ' ') {
        format!("'{s}' (blank)")
    } else {
        format!("'{s}'")
    }
}

/// MARC 21's local fields: 9XX and X9X (090, 590, 690, ...).
pub fn is_local(t: &[u8; 3]) -> bool {
    t[0] == b'9' || t[1] == b'9'
}

/// How often each tag has occurred so far in a record. A record has a few
/// dozen distinct tags, so a linear search beats hashing (a map per record
/// was a tenth of validation's CPU); past [`Occurrences::LINEAR`] distinct
/// tags (a hostile record can have thousands) a map keeps it linear time.
#[derive(Default)]
struct Occurrences {
    few: SmallVec<[([u8; 3], u32); Occurrences::LINEAR]>,
    many: rustc_hash::FxHashMap<[u8; 3], u32>,
}

impl Occurrences {
    const LINEAR: usize = 32;

    /// This occurrence's index (from 0), counting it.
    fn next(&mut self, tag: [u8; 3]) -> u32 {
        let n = match self.few.iter().position(|(t, _)| *t == tag) {
            Some(i) => &mut self.few[i].1,
            None if self.few.len() < Self::LINEAR => {
                let i = self.few.len();
                self.few.push((tag, 0));
                &mut self.few[i].1
            }
            None => self.many.entry(tag).or_default(),
        };
        *n += 1;
        *n - 1
    }

    fn contains(&self, tag: &[u8; 3]) -> bool {
        self.few.iter().any(|(t, _)| t == tag) || self.many.contains_key(tag)
    }
}

/// Checks records against a schema.
pub struct Checker<'s> {
    schema: &'s Schema,
    report_local: bool,
}

impl<'s> Checker<'s> {
    /// A checker; `report_local` reports local fields (9XX, X9X) that the
    /// schema does not define, which MARC 21 leaves to each library.
    pub fn new(schema: &'s Schema, report_local: bool) -> Self {
        Checker {
            schema,
            report_local,
        }
    }

    /// Every finding of one record, in field order.
    pub fn check(&self, rec: &RecordView<'_>, out: &mut Vec<Finding>) {
        let leader = rec.leader();
        if let Some(rule) = &self.schema.leader {
            self.positions(*b"LDR", None, leader, leader, rule, out);
        }
        let mut seen = Occurrences::default();
        for f in rec.fields() {
            let occurrence = seen.next(f.tag.0);
            self.field(rec, leader, &f, occurrence, out);
        }
        for t in &self.schema.required {
            if !seen.contains(t) {
                let message = format!(
                    "this record has no {}, which the schema requires",
                    tag_str(t)
                );
                out.push(Finding::new(Rule::MissingField, *t, message));
            }
        }
    }

    fn field(
        &self,
        rec: &RecordView<'_>,
        leader: &[u8],
        f: &FieldView<'_>,
        occurrence: u32,
        out: &mut Vec<Finding>,
    ) {
        let tag = f.tag.0;
        let at = |mut x: Finding| {
            x.occurrence = Some(occurrence);
            x
        };
        let Some(rule) = self.schema.fields.get(&tag) else {
            if self.report_local || !is_local(&tag) {
                let message = format!("{} is not a field the schema defines", tag_str(&tag));
                out.push(at(Finding::new(Rule::UndefinedField, tag, message)));
            }
            return;
        };
        if rule.deprecated {
            let message = format!("{} is obsolete", tag_str(&tag));
            out.push(at(Finding::new(Rule::DeprecatedField, tag, message)));
        }
        if occurrence == 1 && !rule.repeatable {
            let count = rec.fields().filter(|g| g.tag.0 == tag).count();
            let message = format!(
                "{} is not repeatable; this record has {count}",
                tag_str(&tag)
            );
            out.push(at(Finding::new(Rule::NonRepeatableField, tag, message)));
        }
        if f.is_control() {
            self.control(leader, tag, occurrence, f.data, rule, out);
            return;
        }
        // An 880 is checked against the field its $6 names.
        let rule = if &tag == b"880" {
            f.subfields()
                .find(|s| s.code == b"6")
                .and_then(|s| <[u8; 3]>::try_from(s.value.get(..3)?).ok())
                .and_then(|t| self.schema.fields.get(&t))
                .unwrap_or(rule)
        } else {
            rule
        };
        let (ind, subfields) = f.split();
        for (i, r) in rule.indicators.iter().enumerate() {
            let v = ind[i];
            let which = if i == 0 { "first" } else { "second" };
            let bad = match r {
                None | Some(IndicatorRule::Any) => None,
                Some(IndicatorRule::Blank) => (v != b' ').then_some((
                    Rule::UndefinedIndicator,
                    "undefined (blank only)".to_string(),
                )),
                Some(IndicatorRule::Codes(c)) => match c.get(&v) {
                    Some(true) => Some((Rule::DeprecatedIndicator, "obsolete".to_string())),
                    Some(false) => None,
                    None => {
                        let mut defined: Vec<char> = c.keys().map(|&b| b as char).collect();
                        defined.sort_unstable();
                        let list: Vec<String> = defined
                            .iter()
                            .map(|c| {
                                if *c == ' ' {
                                    "blank".into()
                                } else {
                                    c.to_string()
                                }
                            })
                            .collect();
                        Some((
                            Rule::UndefinedIndicator,
                            format!("not defined (defined: {})", list.join(", ")),
                        ))
                    }
                },
            };
            if let Some((r, why)) = bad {
                let message = format!(
                    "{} {which} indicator {} is {why}",
                    tag_str(&tag),
                    shown(&[v])
                );
                let mut x = at(Finding::new(r, tag, message));
                x.indicator = Some(i as u8 + 1);
                x.value = Some((v as char).to_string());
                out.push(x);
            }
        }
        let Some(defined) = &rule.subfields else {
            return;
        };
        let mut counts: SmallVec<[(u8, u32); 16]> = SmallVec::new();
        for sf in subfields {
            // Made only for a finding: a string per subfield was a tenth of
            // validation's CPU.
            let code_text = || String::from_utf8_lossy(sf.code).into_owned();
            let sub = |r: Rule, message: String| {
                let mut x = at(Finding::new(r, tag, message));
                x.code = Some(code_text());
                x
            };
            let c = match sf.code {
                [c] => *c,
                _ => 0xFF,
            };
            let Some(s) = defined.get(&c) else {
                out.push(sub(
                    Rule::UndefinedSubfield,
                    format!("{} ${} is not defined", tag_str(&tag), code_text()),
                ));
                continue;
            };
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => {
                    *n += 1;
                    // Reported once, at the second occurrence.
                    if *n == 2 && !s.repeatable && !s.deprecated {
                        let total = f.subfields().filter(|t| t.code == sf.code).count();
                        out.push(sub(
                            Rule::NonRepeatableSubfield,
                            format!(
                                "{} ${} is not repeatable; this field has {total}",
                                tag_str(&tag),
                                code_text()
                            ),
                        ));
                    }
                }
                None => counts.push((c, 1)),
            }
            if s.deprecated {
                out.push(sub(
                    Rule::DeprecatedSubfield,
                    format!("{} ${} is obsolete", tag_str(&tag), code_text()),
                ));
            }
            if let Some(v) = &s.value {
                if let Some((r, why)) = judge(
                    v,
                    sf.value,
                    Rule::InvalidSubfieldValue,
                    Rule::DeprecatedSubfieldValue,
                ) {
                    let mut x = sub(
                        r,
                        format!(
                            "{} ${} {} {why}",
                            tag_str(&tag),
                            code_text(),
                            shown(sf.value)
                        ),
                    );
                    x.value = Some(String::from_utf8_lossy(sf.value).into_owned());
                    out.push(x);
                }
            }
        }
        for &c in &rule.required_subfields {
            if !counts.iter().any(|(k, _)| *k == c) {
                let mut x = at(Finding::new(
                    Rule::MissingSubfield,
                    tag,
                    format!(
                        "{} has no ${}, which the schema requires",
                        tag_str(&tag),
                        c as char
                    ),
                ));
                x.code = Some((c as char).to_string());
                out.push(x);
            }
        }
    }

    fn control(
        &self,
        leader: &[u8],
        tag: [u8; 3],
        occurrence: u32,
        value: &[u8],
        rule: &FieldRule,
        out: &mut Vec<Finding>,
    ) {
        if let Some(v) = &rule.value {
            if let Some((r, why)) = judge(
                v,
                value,
                Rule::InvalidFieldValue,
                Rule::DeprecatedPositionCode,
            ) {
                let mut x =
                    Finding::new(r, tag, format!("{} {} {why}", tag_str(&tag), shown(value)));
                x.occurrence = Some(occurrence);
                x.value = Some(String::from_utf8_lossy(value).into_owned());
                out.push(x);
            }
        }
        self.positions(tag, Some(occurrence), leader, value, rule, out);
    }

    /// The positions of a fixed field (or the leader) that apply to this
    /// record: the common ones and its type's.
    fn positions(
        &self,
        tag: [u8; 3],
        occurrence: Option<u32>,
        leader: &[u8],
        value: &[u8],
        rule: &FieldRule,
        out: &mut Vec<Finding>,
    ) {
        if rule.positions.is_empty() && rule.types.is_empty() {
            return;
        }
        // The words are made only for a finding (most records have none).
        let name = || {
            if &tag == b"LDR" {
                "leader".to_string()
            } else {
                tag_str(&tag)
            }
        };
        let chosen = rule.selector.as_ref().and_then(|s| {
            let from = if s.field == "LDR" { leader } else { value };
            let key = std::str::from_utf8(from.get(s.start..=s.end)?).ok()?;
            let name = s.types.iter().find(|(_, p)| p.is_match(key))?.0.as_str();
            rule.types.iter().find(|(t, _)| t == name)
        });
        let typed = || chosen.map(|(t, _)| format!(" ({t})")).unwrap_or_default();
        // A fixed field has one length whatever its type (006: 18, 008:
        // 40): the largest end over every type. 007's length follows its
        // category, so there it is known only when a type applies.
        let end_of = |ps: &[Position]| ps.iter().map(|p| p.end + 1).max().unwrap_or(0);
        let common = end_of(&rule.positions);
        let want = if &tag == b"007" {
            chosen.map(|(_, ps)| common.max(end_of(ps)))
        } else {
            Some(
                rule.types
                    .iter()
                    .map(|(_, ps)| end_of(ps))
                    .fold(common, usize::max),
            )
        };
        if let Some(want) = want.filter(|w| *w != value.len() && &tag != b"LDR") {
            let mut x = Finding::new(
                Rule::InvalidLength,
                tag,
                format!(
                    "{}{} has {} characters; it must have {want}",
                    name(),
                    typed(),
                    value.len()
                ),
            );
            x.occurrence = occurrence;
            x.value = Some(String::from_utf8_lossy(value).into_owned());
            out.push(x);
        }
        let all = rule
            .positions
            .iter()
            .chain(chosen.into_iter().flat_map(|(_, ps)| ps.iter()));
        for p in all {
            let (Some(v), Some(r)) = (value.get(p.start..=p.end), &p.rule) else {
                continue;
            };
            let Some((rule, why)) = judge(
                r,
                v,
                Rule::InvalidPositionCode,
                Rule::DeprecatedPositionCode,
            ) else {
                continue;
            };
            let rule = match (rule, r) {
                (Rule::InvalidPositionCode, ValueRule::Flags(_)) => Rule::InvalidPositionFlags,
                (r, _) => r,
            };
            let mut x = Finding::new(
                rule,
                tag,
                format!("{}/{}{} {} {why}", name(), p.key, typed(), shown(v)),
            );
            x.occurrence = occurrence;
            x.position = Some(p.key.clone());
            x.value = Some(String::from_utf8_lossy(v).into_owned());
            out.push(x);
        }
    }
}

/// Whether `v` breaks `rule`: the rule to report (`bad` or `obsolete`)
/// and why, in words; `None` when it is fine.
fn judge(rule: &ValueRule, v: &[u8], bad: Rule, obsolete: Rule) -> Option<(Rule, String)> {
    match rule {
        ValueRule::Codes(c) => match c.get(v) {
            Some(false) => None,
            Some(true) => Some((obsolete, "is an obsolete code".into())),
            None => Some((bad, "is not a defined code".into())),
        },
        ValueRule::Flags(f) => {
            let mut obsolete_seen = false;
            for &b in v {
                match f.get(&b) {
                    Some(false) => {}
                    Some(true) => obsolete_seen = true,
                    None => {
                        return Some((
                            bad,
                            format!("holds {}, which is not a defined code", shown(&[b])),
                        ))
                    }
                }
            }
            obsolete_seen.then(|| (obsolete, "holds an obsolete code".into()))
        }
        ValueRule::Pattern(p) => match std::str::from_utf8(v) {
            Ok(s) if p.is_match(s) => None,
            _ => Some((bad, "does not match the schema's pattern".into())),
        },
    }
}
