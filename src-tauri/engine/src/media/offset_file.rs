//! A file read as if it began `skip` bytes in: positions and seeks are
//! relative to that byte, and nothing before it can be read. Used to hand
//! FFmpeg a Dahua `.dav` without its firmware preamble.
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// A file whose byte `skip` is position 0.
#[derive(Debug)]
pub struct OffsetFile {
    file: File,
    skip: u64,
}

impl OffsetFile {
    /// Opens `path` positioned at its byte `skip` (position 0 of the view).
    pub fn open(path: &Path, skip: u64) -> io::Result<Self> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(skip))?;
        Ok(Self { file, skip })
    }
}

impl Read for OffsetFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for OffsetFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => SeekFrom::Start(n.checked_add(self.skip).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "seek past the end of a u64")
            })?),
            SeekFrom::Current(d) => {
                let now = self.file.stream_position()?;
                let to = now.checked_add_signed(d).filter(|t| *t >= self.skip);
                SeekFrom::Start(to.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
                })?)
            }
            SeekFrom::End(d) => {
                let len = self.file.metadata()?.len();
                let to = len.checked_add_signed(d).filter(|t| *t >= self.skip);
                SeekFrom::Start(to.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
                })?)
            }
        };
        Ok(self.file.seek(target)? - self.skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_seeks_as_if_the_file_began_at_skip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.dav");
        std::fs::write(&path, b"preambleDHAV0123456789").unwrap();
        let mut f = OffsetFile::open(&path, 8).unwrap();
        let mut four = [0u8; 4];
        f.read_exact(&mut four).unwrap();
        assert_eq!(&four, b"DHAV");
        assert_eq!(f.stream_position().unwrap(), 4);
        assert_eq!(f.seek(SeekFrom::Start(6)).unwrap(), 6);
        f.read_exact(&mut four).unwrap();
        assert_eq!(&four, b"2345");
        assert_eq!(f.seek(SeekFrom::End(-2)).unwrap(), 12);
        assert!(
            f.seek(SeekFrom::Current(-13)).is_err(),
            "nothing before the view"
        );
        assert!(f.seek(SeekFrom::End(-20)).is_err());
        assert_eq!(f.seek(SeekFrom::Start(0)).unwrap(), 0);
        f.read_exact(&mut four).unwrap();
        assert_eq!(&four, b"DHAV");
    }
}
