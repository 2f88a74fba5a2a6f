//! Validation against the shipped MARC 21 rules: one valid record, then
//! one change per rule that must give exactly that finding and no other;
//! a user's schema with a local field; and the real files.

mod common;

use marcarrow::validate::{Checker, Finding, Rule, Schema, RULES};
use marcarrow::{ErrorPolicy, Reader};

const LEADER: &str = "00000nam a2200000 a 4500";
const F008: &str = "850101s1985    nyua   j      000 0 eng d";

/// An ISO 2709 record: control fields as they are, data fields as
/// `"10$aTitle$cBy"` ('$' is the subfield delimiter).
fn record(leader: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut dir = Vec::new();
    let mut data = Vec::new();
    for (tag, v) in fields {
        let start = data.len();
        data.extend(v.bytes().map(|b| if b == b'$' { 0x1F } else { b }));
        data.push(0x1E);
        dir.extend_from_slice(format!("{tag}{:04}{start:05}", data.len() - start).as_bytes());
    }
    dir.push(0x1E);
    let base = 24 + dir.len();
    let len = base + data.len() + 1;
    let mut out = format!("{len:05}{}{base:05}{}", &leader[5..12], &leader[17..]).into_bytes();
    out.extend(dir);
    out.extend(data);
    out.push(0x1D);
    out
}

fn base() -> Vec<(&'static str, String)> {
    vec![
        ("001", "ocm00012345"),
        ("008", F008),
        ("020", "  $a0394800168"),
        ("100", "1 $aSeuss,$cDr."),
        ("245", "10$aThe cat in the hat /$cby Dr. Seuss."),
        ("650", " 0$aCats$vJuvenile fiction."),
        ("650", " 0$aStories in rhyme."),
    ]
    .into_iter()
    .map(|(t, v)| (t, v.to_string()))
    .collect()
}

fn check_with(schema: &Schema, leader: &str, fields: &[(&str, String)]) -> Vec<Finding> {
    let f: Vec<(&str, &str)> = fields.iter().map(|(t, v)| (*t, v.as_str())).collect();
    let bytes = record(leader, &f);
    let mut reader = Reader::from_slice(&bytes, ErrorPolicy::Strict);
    let item = reader.next_record().unwrap().unwrap().unwrap();
    let mut out = Vec::new();
    Checker::new(schema, false).check(&item.record, &mut out);
    out
}

fn check(leader: &str, fields: &[(&str, String)]) -> Vec<Finding> {
    check_with(&Schema::marc21_bibliographic(), leader, fields)
}

/// The base record with `tag`'s first field replaced (or added).
fn with(tag: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut f = base();
    match f.iter_mut().find(|(t, _)| *t == tag) {
        Some(x) => x.1 = value.to_string(),
        None => {
            f.push((tag, value.to_string()));
            f.sort_by_key(|(t, _)| *t);
        }
    }
    f
}

fn only(found: &[Finding]) -> &Finding {
    assert_eq!(found.len(), 1, "{found:#?}");
    &found[0]
}

#[test]
fn a_valid_record_has_no_finding() {
    assert_eq!(check(LEADER, &base()), vec![]);
}

#[test]
fn each_rule_fires_alone() {
    let mut fired = std::collections::HashSet::new();
    let mut expect = |found: Vec<Finding>, rule: Rule, message: &str| {
        let f = only(&found);
        assert_eq!(f.rule, rule, "{f:#?}");
        assert_eq!(f.message, message);
        fired.insert(rule);
        f.clone()
    };
    // undefined_field (a local 599 is not reported by default; 248 is not local)
    assert_eq!(check(LEADER, &with("599", "  $ax")), vec![]);
    let f = expect(
        check(LEADER, &with("248", "  $ax")),
        Rule::UndefinedField,
        "248 is not a field the schema defines",
    );
    assert_eq!((f.tag, f.occurrence), (Some(*b"248"), Some(0)));

    // non_repeatable_field: reported once, at the second occurrence
    let mut two = base();
    two.push(("245", "10$aAgain.".into()));
    two.sort_by_key(|(t, _)| *t);
    let f = expect(
        check(LEADER, &two),
        Rule::NonRepeatableField,
        "245 is not repeatable; this record has 2",
    );
    assert_eq!(f.occurrence, Some(1));

    // invalid_length
    let f = expect(
        check(LEADER, &with("008", &F008[..38])),
        Rule::InvalidLength,
        "008 (Books) has 38 characters; it must have 40",
    );
    assert_eq!(f.tag, Some(*b"008"));

    // undefined_indicator: a code list, and an undefined (blank only) one
    let f = expect(
        check(LEADER, &with("245", "30$aT.")),
        Rule::UndefinedIndicator,
        "245 first indicator '3' is not defined (defined: 0, 1)",
    );
    assert_eq!((f.indicator, f.value.as_deref()), (Some(1), Some("3")));
    let f = expect(
        check(LEADER, &with("020", " 1$a0394800168")),
        Rule::UndefinedIndicator,
        "020 second indicator '1' is undefined (blank only)",
    );
    assert_eq!(f.indicator, Some(2));

    // undefined_subfield
    let f = expect(
        check(LEADER, &with("245", "10$aT.$jx")),
        Rule::UndefinedSubfield,
        "245 $j is not defined",
    );
    assert_eq!(f.code.as_deref(), Some("j"));

    // non_repeatable_subfield: once per code and field
    expect(
        check(LEADER, &with("245", "10$aT.$aU.$aV.")),
        Rule::NonRepeatableSubfield,
        "245 $a is not repeatable; this field has 3",
    );

    // invalid_position_code: leader/05, and 008/23 of a book
    let bad_leader = format!("{}x{}", &LEADER[..5], &LEADER[6..]);
    let f = expect(
        check(&bad_leader, &base()),
        Rule::InvalidPositionCode,
        "leader/05 'x' is not a defined code",
    );
    assert_eq!((f.tag, f.position.as_deref()), (Some(*b"LDR"), Some("05")));
    let f008 = format!("{}x{}", &F008[..23], &F008[24..]);
    let f = expect(
        check(LEADER, &with("008", &f008)),
        Rule::InvalidPositionCode,
        "008/23 (Books) 'x' is not a defined code",
    );
    assert_eq!(f.value.as_deref(), Some("x"));

    // invalid_position_flags: 008/18-21 of a book holds illustration codes
    let f008 = format!("{}a9  {}", &F008[..18], &F008[22..]);
    expect(
        check(LEADER, &with("008", &f008)),
        Rule::InvalidPositionFlags,
        "008/18-21 (Books) 'a9  ' holds '9', which is not a defined code",
    );

    // The rules only a user's schema brings out are in `a_users_schema`
    // (the shipped rules mark nothing deprecated: scripts/avram_rules.py).
    for r in [
        Rule::DeprecatedField,
        Rule::DeprecatedIndicator,
        Rule::DeprecatedSubfield,
        Rule::DeprecatedPositionCode,
        Rule::MissingField,
        Rule::InvalidFieldValue,
        Rule::MissingSubfield,
        Rule::InvalidSubfieldValue,
        Rule::DeprecatedSubfieldValue,
    ] {
        fired.insert(r);
    }
    for r in RULES {
        assert!(fired.contains(&r), "{r:?} never fired");
    }
}

#[test]
fn an_880_is_checked_as_the_field_it_stands_for() {
    let mut f = base();
    f.push(("880", "10$6245-01$aTitle in another script.".into()));
    f.push(("880", "30$6245-02$aBad indicator.".into()));
    f.sort_by_key(|(t, _)| *t);
    let found = check(LEADER, &f);
    let d = only(&found);
    assert_eq!(
        (d.rule, d.tag, d.occurrence),
        (Rule::UndefinedIndicator, Some(*b"880"), Some(1))
    );
}

const USER: &str = r#"{
  "title": "a local profile",
  "fields": {
    "LDR": {"positions": {"06": {"start": 6, "end": 6, "codes": {"a": {}, "c": {}, "b": {"deprecated": true}}}}},
    "001": {"tag": "001", "repeatable": false, "required": true, "pattern": "^ocm[0-9]+$"},
    "008": {"tag": "008", "repeatable": false},
    "020": {"tag": "020", "repeatable": true, "subfields": {"a": {"repeatable": false}}},
    "100": {"tag": "100", "repeatable": false, "subfields": {"a": {}, "c": {}}},
    "245": {"tag": "245", "repeatable": false, "required": true,
            "indicator1": {"codes": {"0": {}, "1": {}}}, "indicator2": {"codes": {"0": {}, "9": {"deprecated": true}}},
            "subfields": {"a": {"required": true}, "c": {}, "d": {"deprecated": true}}},
    "650": {"tag": "650", "repeatable": true, "deprecated": true,
            "subfields": {"a": {"repeatable": false}, "v": {"codes": {"Juvenile fiction.": {"deprecated": true}, "Fiction.": {}}}}},
    "590": {"tag": "590", "repeatable": true, "subfields": {"a": {"pattern": "^Copy [0-9]+$"}}}
  }
}"#;

#[test]
fn a_users_schema_with_a_local_field() {
    let s = Schema::from_json(USER).unwrap();
    let rules = |found: &[Finding]| {
        found
            .iter()
            .map(|f| (f.rule, f.message.clone()))
            .collect::<Vec<_>>()
    };
    let mut f = base();
    f.push(("590", "  $aCopy 2".into()));
    f.sort_by_key(|(t, _)| *t);
    // 650 is deprecated here (twice), and one $v holds an obsolete code.
    assert_eq!(
        rules(&check_with(&s, LEADER, &f)),
        vec![
            (Rule::DeprecatedField, "650 is obsolete".to_string()),
            (
                Rule::DeprecatedSubfieldValue,
                "650 $v 'Juvenile fiction.' is an obsolete code".to_string()
            ),
            (Rule::DeprecatedField, "650 is obsolete".to_string()),
        ]
    );
    let mut bad: Vec<(&str, String)> = base()
        .into_iter()
        .filter(|(t, _)| *t != "650" && *t != "245")
        .collect();
    bad[0].1 = "x123".into();
    bad.push(("245", "10$cNo title.".into()));
    bad.push(("590", "  $aCopy two".into()));
    bad.sort_by_key(|(t, _)| *t);
    assert_eq!(
        rules(&check_with(&s, LEADER, &bad)),
        vec![
            (
                Rule::InvalidFieldValue,
                "001 'x123' does not match the schema's pattern".to_string()
            ),
            (
                Rule::MissingSubfield,
                "245 has no $a, which the schema requires".to_string()
            ),
            (
                Rule::InvalidSubfieldValue,
                "590 $a 'Copy two' does not match the schema's pattern".to_string()
            ),
        ]
    );
    let mut old = base();
    old[4].1 = "19$aT.$dx".into();
    let old_leader = format!("{}b{}", &LEADER[..6], &LEADER[7..]);
    let found = check_with(&s, &old_leader, &old);
    assert_eq!(
        rules(&found[..3]),
        vec![
            (
                Rule::DeprecatedPositionCode,
                "leader/06 'b' is an obsolete code".to_string()
            ),
            (
                Rule::DeprecatedIndicator,
                "245 second indicator '9' is obsolete".to_string()
            ),
            (Rule::DeprecatedSubfield, "245 $d is obsolete".to_string()),
        ]
    );
    let mut none: Vec<(&str, String)> = base().into_iter().filter(|(t, _)| *t != "245").collect();
    none.push(("650", " 0$aCats$vPoetry.".into()));
    assert_eq!(
        rules(&check_with(&s, LEADER, &none)),
        vec![
            (Rule::DeprecatedField, "650 is obsolete".to_string()),
            (
                Rule::DeprecatedSubfieldValue,
                "650 $v 'Juvenile fiction.' is an obsolete code".to_string()
            ),
            (Rule::DeprecatedField, "650 is obsolete".to_string()),
            (Rule::DeprecatedField, "650 is obsolete".to_string()),
            (
                Rule::InvalidSubfieldValue,
                "650 $v 'Poetry.' is not a defined code".to_string()
            ),
            (
                Rule::MissingField,
                "this record has no 245, which the schema requires".to_string()
            ),
        ]
    );
}

#[test]
fn the_sample_validates_with_only_expected_rules() {
    let data = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/marcarrow/data/loc-bib-386.mrc"
    ))
    .unwrap();
    let s = Schema::marc21_bibliographic();
    let checker = Checker::new(&s, false);
    let mut reader = Reader::from_slice(&data, ErrorPolicy::Strict);
    let mut by_rule = std::collections::BTreeMap::new();
    let mut records = 0;
    while let Some(item) = reader.next_record().unwrap() {
        let item = item.unwrap();
        records += 1;
        let mut out = Vec::new();
        checker.check(&item.record, &mut out);
        for f in out {
            *by_rule.entry(f.rule.name()).or_insert(0) += 1;
        }
    }
    assert_eq!(records, 386);
    // LC's records are close to the format: findings are few per record.
    let total: usize = by_rule.values().sum();
    assert!(total < records * 3, "{by_rule:?}");
    eprintln!("sample findings by rule: {by_rule:?}");
}

/// Past 32 distinct tags the occurrences move from a short list to a map
/// (so that a hostile record with thousands of tags is not quadratic):
/// counting and required fields must work the same there.
#[test]
fn occurrences_past_many_distinct_tags() {
    let s = Schema::from_json(USER).unwrap();
    let mut f: Vec<(&str, String)> = vec![("001", "ocm00012345".into()), ("008", F008.into())];
    let locals: Vec<String> = (900..940).map(|t| t.to_string()).collect();
    f.extend(locals.iter().map(|t| (t.as_str(), "  $ax".to_string())));
    f.push(("245", "10$aFirst.".into()));
    f.push(("245", "10$aSecond.".into()));
    let found = check_with(&s, LEADER, &f);
    let x = only(&found);
    assert_eq!(x.rule, Rule::NonRepeatableField);
    assert_eq!(x.message, "245 is not repeatable; this record has 2");
    assert_eq!(x.occurrence, Some(1));
    // Without the 245s, the required 245 is missing.
    f.truncate(f.len() - 2);
    let found = check_with(&s, LEADER, &f);
    assert_eq!(only(&found).rule, Rule::MissingField);
}
