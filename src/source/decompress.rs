//! Compressed rotated generations, read as a stream: gzip (every member, as `zcat` does),
//! bzip2, xz and zstd, told apart by their first bytes rather than by their names (logrotate's
//! `compressext` can say anything). A plain file reads as it is.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// How a file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (`.gz`): possibly several members one after the other.
    Gzip,
    /// bzip2 (`.bz2`).
    Bzip2,
    /// xz (`.xz`).
    Xz,
    /// Zstandard (`.zst`).
    Zstd,
}

impl Compression {
    /// The compression `head` (a file's first bytes) starts with, if any.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        match head {
            [0x1f, 0x8b, ..] => Some(Self::Gzip),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Self::Bzip2),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Self::Xz),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Self::Zstd),
            _ => None,
        }
    }

    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
        }
    }
}

/// The text of the file at `path`: decompressed as it is read when it is compressed (and how),
/// as it is otherwise.
pub fn open(path: &Path) -> io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let mut file = File::open(path)?;
    let mut head = Vec::with_capacity(6);
    file.by_ref().take(6).read_to_end(&mut head)?;
    let compression = Compression::sniff(&head);
    file.seek(SeekFrom::Start(0))?;
    let reader: Box<dyn Read + Send> = match compression {
        None => Box::new(file),
        Some(Compression::Gzip) => {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
        }
        Some(Compression::Bzip2) => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        Some(Compression::Xz) => Box::new(liblzma::read::XzDecoder::new_multi_decoder(file)),
        Some(Compression::Zstd) => Box::new(zstd::stream::read::Decoder::new(file)?),
    };
    Ok((reader, compression))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::io::Write;

    use super::*;

    fn compressed(compression: Compression, text: &[u8]) -> Vec<u8> {
        match compression {
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(text).expect("to memory");
                e.finish().expect("to memory")
            }
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(text).expect("to memory");
                e.finish().expect("to memory")
            }
            Compression::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(text).expect("to memory");
                e.finish().expect("to memory")
            }
            Compression::Zstd => zstd::encode_all(text, 1).expect("to memory"),
        }
    }

    #[test]
    fn every_compression_reads_back_by_its_first_bytes_and_members_follow_each_other() {
        let dir = tempfile::tempdir().expect("temp dir");
        for compression in [
            Compression::Gzip,
            Compression::Bzip2,
            Compression::Xz,
            Compression::Zstd,
        ] {
            // Two members (streams, frames) back to back, as `cat a.gz b.gz` makes.
            let mut bytes = compressed(compression, b"one\ntwo\n");
            bytes.extend(compressed(compression, b"three\n"));
            // A name that says nothing: the bytes tell.
            let path = dir.path().join(format!("app.log.{}", compression.name()));
            std::fs::write(&path, &bytes).expect("write");
            let (mut reader, found) = open(&path).expect("opens");
            assert_eq!(found, Some(compression));
            let mut text = String::new();
            reader.read_to_string(&mut text).expect("decodes");
            assert_eq!(text, "one\ntwo\nthree\n", "{compression:?}");
        }
        let plain = dir.path().join("app.log.1");
        std::fs::write(&plain, "plain\n").expect("write");
        let (mut reader, found) = open(&plain).expect("opens");
        assert_eq!(found, None);
        let mut text = String::new();
        reader.read_to_string(&mut text).expect("reads");
        assert_eq!(text, "plain\n");
    }

    #[test]
    fn a_truncated_archive_gives_what_it_holds_then_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = (0..20_000).fold(String::new(), |mut text, i| {
            let _ = writeln!(text, "line {i}");
            text
        });
        let bytes = compressed(Compression::Gzip, text.as_bytes());
        let path = dir.path().join("app.log.2.gz");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
        let (mut reader, _) = open(&path).expect("opens");
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let error = loop {
            match reader.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break Some(e),
            }
        };
        assert!(error.is_some(), "a truncated archive is an error");
        assert!(
            got.len() > 1000,
            "what could be read was read: {}",
            got.len()
        );
        assert!(text.as_bytes().starts_with(&got));
    }
}
