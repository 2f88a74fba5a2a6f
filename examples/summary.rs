//! Prints a summary of each file named on the command line under each
//! error policy: `cargo run --release --example summary -- FILE...`.
use marcarrow::input::Input;
use marcarrow::options::{Entry, ReadOptions, Value};
use marcarrow::sink::summary;

fn main() {
    for path in std::env::args().skip(1) {
        for p in ["strict", "lenient", "skip"] {
            let opts =
                ReadOptions::from_pairs(Entry::Summary, [("errors".into(), Value::Str(p.into()))])
                    .expect("options");
            let source = Input::Path(path.clone().into()).open().expect("open");
            let s = summary::summarize(source, opts).expect("read");
            println!(
                "{path} [{p}]: {} records of {} frames, {} fields, {} problems; bytes {} = {} in records + {} skipped + {} padding",
                s.tally.records,
                s.frames,
                s.tally.fields,
                s.problems.len(),
                s.bytes,
                s.record_bytes,
                s.skipped_bytes,
                s.padding_bytes(),
            );
            let mut kinds = std::collections::BTreeMap::new();
            for pr in &s.problems {
                let k = format!("{:?}", pr.error.kind);
                let k = k.split(['{', '(']).next().unwrap().trim().to_string();
                *kinds.entry((k, pr.action.as_str())).or_insert(0) += 1;
            }
            for (k, c) in kinds {
                println!("    {c:4} {k:?}");
            }
            if std::env::var("SHOW").is_ok() {
                for pr in s.problems.iter().take(40) {
                    println!("      {pr}");
                }
            }
        }
    }
}
