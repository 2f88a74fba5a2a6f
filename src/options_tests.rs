//! The options' unit tests (kept apart so that `options.rs` stays short).

use super::*;

fn s(name: &str, v: &str) -> (String, Value) {
    (name.into(), Value::Str(v.into()))
}

#[test]
fn defaults_and_values() {
    let o = ReadOptions::from_pairs(Entry::Batches, []).unwrap();
    assert_eq!(o.batch_size, DEFAULT_BATCH_SIZE);
    let o = ReadOptions::from_pairs(Entry::Batches, [s("layout", "long"), s("errors", "skip")])
        .unwrap();
    assert_eq!((o.layout, o.policy), (Layout::Long, ErrorPolicy::Skip));
}

#[test]
fn errors_name_the_option() {
    let e = ReadOptions::from_pairs(Entry::Batches, [s("layout", "wide")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "layout must be 'nested' or 'long', not \"wide\""
    );
    let e = ReadOptions::from_pairs(Entry::Summary, [s("layout", "long")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "summarize() got an unexpected keyword argument 'layout'"
    );
    let e =
        ReadOptions::from_pairs(Entry::Batches, [("threads".into(), Value::Int(0))]).unwrap_err();
    assert_eq!(e.to_string(), "threads must be at least 1");
    let e = ReadOptions::from_pairs(Entry::Batches, [("tags".into(), Value::Str("245".into()))])
        .unwrap_err();
    assert!(matches!(e, OptionError::Type { .. }), "{e}");
}

#[test]
fn combinations_are_checked_whatever_the_order() {
    let cols = (
        "columns".to_string(),
        Value::Map(vec![("t".into(), "245$a".into())]),
    );
    let e =
        ReadOptions::from_pairs(Entry::Batches, [cols.clone(), s("layout", "long")]).unwrap_err();
    assert!(
        e.to_string().contains("columns= makes its own flat layout"),
        "{e}"
    );
    let o = ReadOptions::from_pairs(Entry::Batches, [cols]).unwrap();
    assert_eq!(o.layout_name(), "columns");
}

#[test]
fn every_option_is_handled() {
    for spec in OPTIONS {
        for &entry in spec.entries {
            let v = match spec.default {
                "None" => Value::None,
                "True" => Value::Bool(true),
                "False" => Value::Bool(false),
                d => Value::Str(d.trim_matches('\'').to_string()),
            };
            ReadOptions::from_pairs(entry, [(spec.name.to_string(), v)])
                .unwrap_or_else(|e| panic!("{} default: {e}", spec.name));
        }
    }
}
