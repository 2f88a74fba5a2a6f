//! Where a sink's bytes go. A regular file (or a new one) is written under
//! a temporary name in its folder and renamed into place at the end, so a
//! failed or interrupted run leaves no half-written file and the old one
//! stays whole until then. Anything else that exists (a device such as
//! `/dev/stdout` or `/dev/full`, a named pipe, a socket) is written in
//! place: renaming over it would replace the device with a file. A
//! symbolic link is followed, so the link stays and its target is
//! replaced.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// An output being written; dropped before [`Output::commit`], it removes
/// its temporary file.
#[derive(Debug)]
pub struct Output {
    /// The temporary file, for a regular destination.
    tmp: Option<PathBuf>,
    /// The destination, symbolic links followed.
    dest: PathBuf,
}

impl Output {
    /// Opens `dest` for writing; the file to write into comes with it.
    pub fn create(dest: &Path) -> io::Result<(Output, File)> {
        let dest = std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
        match std::fs::metadata(&dest) {
            Ok(m) if !m.is_file() && !m.is_dir() => {
                let file = OpenOptions::new().write(true).open(&dest)?;
                Ok((Output { tmp: None, dest }, file))
            }
            _ => {
                let tmp = temp_path(&dest);
                let file = File::create(&tmp)?;
                Ok((
                    Output {
                        tmp: Some(tmp),
                        dest,
                    },
                    file,
                ))
            }
        }
    }

    /// The destination, symbolic links followed.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Finishes the output: the file is synced and renamed into place.
    pub fn commit(mut self, file: File) -> io::Result<()> {
        match self.tmp.clone() {
            Some(tmp) => {
                file.sync_all()?;
                drop(file);
                std::fs::rename(&tmp, &self.dest)?;
                self.tmp = None;
            }
            // A device or pipe: nothing to rename, and fsync may not apply.
            None => drop(file),
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(p) = self.tmp.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dest.with_file_name(format!(".{name}.{}-{nanos}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("marcarrow-output-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let d = dir().join("whole");
        std::fs::create_dir_all(&d).unwrap();
        let dest = d.join("out.bin");
        std::fs::write(&dest, b"old").unwrap();
        let (out, mut f) = Output::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        drop(out); // failed: the old file stays, no temporary is left
        drop(f);
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let (out, mut f) = Output::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        out.commit(f).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let (out, mut f) = Output::create(Path::new("/dev/null")).unwrap();
        f.write_all(b"x").unwrap();
        out.commit(f).unwrap();
        let m = std::fs::metadata("/dev/null").unwrap();
        assert!(!m.is_file(), "/dev/null was replaced by a file");
        // A full disk is an error, with nothing left behind.
        if Path::new("/dev/full").exists() {
            let (out, mut f) = Output::create(Path::new("/dev/full")).unwrap();
            assert!(f.write_all(b"x").and_then(|()| f.flush()).is_err());
            drop(out);
            assert!(!std::fs::metadata("/dev/full").unwrap().is_file());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_stays_a_link() {
        let d = dir().join("link");
        std::fs::create_dir_all(&d).unwrap();
        let target = d.join("target.bin");
        let link = d.join("link.bin");
        std::fs::write(&target, b"old").unwrap();
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let (out, mut f) = Output::create(&link).unwrap();
        f.write_all(b"new").unwrap();
        out.commit(f).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }
}
