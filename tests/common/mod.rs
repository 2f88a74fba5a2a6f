//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// The shared test data folder (`$MARC_TEST_DATA`, default `../shared/data`).
pub fn data_dir() -> PathBuf {
    std::env::var_os("MARC_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// A real fixture's bytes, or `None` (the test then skips with a message)
/// when the data folder is missing.
pub fn data(name: &str) -> Option<Vec<u8>> {
    let p = data_dir().join(name);
    match std::fs::read(&p) {
        Ok(d) => Some(d),
        Err(_) => {
            eprintln!("skipping: {} not found (set MARC_TEST_DATA)", p.display());
            None
        }
    }
}

/// A reader that hands out at most `.1` bytes per call, to exercise the
/// carry-over of records split across reads.
pub struct Dribble<'a>(pub &'a [u8], pub usize);

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// [`Dribble`] over bytes it owns (for a `'static` source): `.1` bytes
/// a read, from position `.2`.
pub struct OwnedDribble(pub Vec<u8>, pub usize, pub usize);

impl Read for OwnedDribble {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.0[self.2..];
        let n = self.1.min(buf.len()).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.2 += n;
        Ok(n)
    }
}
