//! Reads the text of lines that stay in their file, a block at a time.
//!
//! Lines are read in order or in reverse order (a screen, a search, a filter pass), so a read
//! takes the neighbouring lines along: one `pread` of up to [`BLOCK`] bytes around the line asked
//! for, kept until a line outside it is asked for. A block is kept per file (a few files at
//! most): braided histories ask for lines of several files in turn. The files are ones just
//! indexed, so the bytes come from the page cache.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt as _;
use std::sync::Arc;

use crate::source::split::MAX_LINE;

/// Bytes read around a line.
pub const BLOCK: u64 = 256 << 10;

/// What is shown for a line whose bytes are no longer in its file (it was truncated).
pub const GONE: &[u8] = b"[logbraid: this line is no longer in its file (truncated?)]";

/// Files whose last block is kept.
const FILES: usize = 4;

/// The last block read of each of the files read last (the most recent last).
#[derive(Debug, Default)]
pub struct Reader {
    blocks: Vec<Block>,
}

#[derive(Debug)]
struct Block {
    file: Arc<File>,
    start: u64,
    bytes: Vec<u8>,
}

impl Reader {
    /// The bytes of `range` in `file` (without a final `\r`), reading `window`'s bytes around
    /// it at once when they are not held yet; `None` when the file no longer has them.
    pub fn read(
        &mut self,
        file: &Arc<File>,
        range: Range<u64>,
        window: Range<u64>,
    ) -> Option<&[u8]> {
        let range = range.start..range.end.min(range.start + MAX_LINE as u64);
        let at = self.blocks.iter().position(|b| Arc::ptr_eq(&b.file, file));
        // The file's block goes last: the least recently read file's is the one let go.
        let mut block = match at {
            Some(i) => self.blocks.remove(i),
            None if self.blocks.len() >= FILES => {
                let mut reused = self.blocks.remove(0);
                reused.file = Arc::clone(file);
                reused.start = 0;
                reused.bytes.clear();
                reused
            }
            None => Block {
                file: Arc::clone(file),
                start: 0,
                bytes: Vec::new(),
            },
        };
        let held = block.start <= range.start
            && range.end <= block.start + block.bytes.len() as u64
            && !block.bytes.is_empty();
        if !held {
            let start = range.start.min(
                window
                    .start
                    .max(range.start.saturating_sub(BLOCK / 2))
                    .max(range.end.saturating_sub(BLOCK)),
            );
            let end = range
                .end
                .max(window.end.min(range.end + BLOCK / 2).min(start + BLOCK));
            block.bytes.resize(usize::try_from(end - start).ok()?, 0);
            let got = read_at(file, &mut block.bytes, start).ok()?;
            block.bytes.truncate(got);
            block.start = start;
        }
        self.blocks.push(block);
        let block = self.blocks.last()?;
        let from = usize::try_from(range.start - block.start).ok()?;
        let to = usize::try_from(range.end - block.start).ok()?;
        let line = block.bytes.get(from..to)?;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// Fills `buf` from `offset` as far as the file goes; returns how many bytes it holds.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::file_with;

    #[test]
    fn reads_lines_and_their_neighbours_once() {
        let file = file_with(b"one\r\ntwo\nthree\n");
        let mut reader = Reader::default();
        assert_eq!(reader.read(&file, 5..8, 0..14), Some(&b"two"[..]));
        assert_eq!(reader.read(&file, 0..4, 0..14), Some(&b"one"[..]));
        // Past the end: the file no longer has these bytes.
        assert_eq!(reader.read(&file, 9..20, 0..20), None);
    }

    #[test]
    fn lines_of_several_files_in_turn() {
        let files: Vec<_> = (0..6)
            .map(|f| file_with(format!("a{f}\nb{f}\n").as_bytes()))
            .collect();
        let mut reader = Reader::default();
        for round in 0..3 {
            for (f, file) in files.iter().enumerate() {
                let (range, want) = if round % 2 == 0 {
                    (0..2, "a")
                } else {
                    (3..5, "b")
                };
                let got = reader.read(file, range, 0..6).map(<[u8]>::to_vec);
                assert_eq!(got, Some(format!("{want}{f}").into_bytes()), "file {f}");
            }
        }
        assert!(reader.blocks.len() <= FILES);
    }
}
