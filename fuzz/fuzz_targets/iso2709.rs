//! The ISO 2709 scanner and record parser under every error policy and
//! both dialects, from a slice and from a stream cut into small reads: no
//! panic, positions inside the input, offsets going forward, every view in
//! bounds, and the same records whichever way the bytes arrive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marcarrow::marc::record::ParseOptions;
use marcarrow::marc::Dialect;
use marcarrow::{ErrorPolicy, Reader};

struct Dribble<'a>(&'a [u8], usize);

impl std::io::Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn run(mut r: Reader<'_>, len: usize, policy: ErrorPolicy) -> Vec<(u64, usize)> {
    let mut out = Vec::new();
    let mut last = None;
    while let Ok(Some(item)) = r.next_record() {
        match item {
            Ok(i) => {
                assert!((i.offset as usize) < len);
                assert!(last.is_none_or(|l| i.offset > l));
                last = Some(i.offset);
                let mut n = 0;
                for f in i.record.fields() {
                    n += f.data.len();
                    n += f.subfields().map(|s| s.value.len()).sum::<usize>();
                }
                out.push((i.offset, n));
            }
            Err(e) => {
                assert!(e.byte_offset as usize <= len);
                out.push((e.byte_offset, usize::MAX));
                if policy == ErrorPolicy::Strict {
                    break;
                }
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    for policy in [ErrorPolicy::Strict, ErrorPolicy::Lenient, ErrorPolicy::Skip] {
        for dialect in [Dialect::Standard, Dialect::Pymarc] {
            let opts = ParseOptions {
                policy,
                dialect,
                ..Default::default()
            };
            let whole = run(
                Reader::from_slice_with(data, opts.clone()),
                data.len(),
                policy,
            );
            if dialect == Dialect::Standard {
                let step = 1 + data.first().copied().unwrap_or(7) as usize % 97;
                let dribbled = run(
                    Reader::from_reader_with(Dribble(data, step), opts),
                    data.len(),
                    policy,
                );
                assert_eq!(whole, dribbled, "chunking changed the records");
            }
        }
    }
});
