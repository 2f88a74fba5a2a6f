//! Prints a summary of each file named on the command line under each
//! error policy: `cargo run --release --example summary -- FILE...`.
use marcarrow::{stats, ErrorPolicy};

fn main() {
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).expect("read");
        for p in [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip] {
            let s = stats::summarize_slice(&data, p);
            println!(
                "{path} [{}]: {} records of {} frames, {} fields, {} problems",
                p.as_str(),
                s.records,
                s.frames,
                s.fields,
                s.problems.len()
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
