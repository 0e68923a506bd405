//! `LineBatch`: the unit in which complete lines travel from a source to the core.
//!
//! Lines are stored back to back in one buffer, each followed by `\n`, so that a run of lines is
//! one contiguous slice (the printer writes it with a single call) and a batch costs two
//! allocations however many lines it holds.

use std::fs::File;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

/// Complete lines, each terminated by `\n` in `data`; `ends[i]` is the index of line `i`'s `\n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBatch {
    data: Vec<u8>,
    ends: Vec<u32>,
}

impl LineBatch {
    /// Builds a batch from a buffer of `\n`-terminated lines and the positions of those newlines.
    ///
    /// The caller guarantees `ends` is increasing, points at `\n` bytes and ends at the buffer's
    /// last byte; `debug_assert`s check it in tests.
    pub(crate) fn from_parts(data: Vec<u8>, ends: Vec<u32>) -> Self {
        debug_assert!(ends.iter().all(|&e| data.get(e as usize) == Some(&b'\n')));
        debug_assert_eq!(
            ends.last().map(|&e| e as usize + 1),
            (!data.is_empty()).then_some(data.len())
        );
        Self { data, ends }
    }

    /// A batch built from individual lines (each must not contain `\n`); used by tests and by
    /// sources that produce lines one at a time.
    pub fn from_lines<I, L>(lines: I) -> Self
    where
        I: IntoIterator<Item = L>,
        L: AsRef<[u8]>,
    {
        let mut batch = Self::default();
        for line in lines {
            batch.push(line.as_ref());
        }
        batch
    }

    /// Appends one line (which must not contain `\n`).
    pub fn push(&mut self, line: &[u8]) {
        debug_assert!(!line.contains(&b'\n'));
        self.data.extend_from_slice(line);
        self.data.push(b'\n');
        self.ends.push(offset(self.data.len() - 1));
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the batch holds no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Line `i` without its terminating newline.
    pub fn line(&self, i: usize) -> &[u8] {
        let range = self.line_range(i);
        &self.data[range]
    }

    /// Lines `range`, each with its `\n`, as one slice.
    pub fn run_bytes(&self, range: Range<usize>) -> &[u8] {
        if range.is_empty() {
            return &[];
        }
        let start = self.line_range(range.start).start;
        let end = self.ends[range.end - 1] as usize + 1;
        &self.data[start..end]
    }

    /// All lines, each with its `\n`.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Iterates over the lines without their newlines.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| self.line(i))
    }

    /// The buffer, for reuse (its bytes are left in place: a reader overwrites them).
    pub fn into_buffer(self) -> Vec<u8> {
        self.data
    }

    fn line_range(&self, i: usize) -> Range<usize> {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        start..self.ends[i] as usize
    }
}

/// Lines of one source with the instant of each (see [`crate::timestamp::Stamper`]).
#[derive(Debug, Clone, Default)]
pub struct StampedBatch {
    /// The lines.
    pub lines: LineBatch,
    /// `instants[i]` is the instant of line `i`.
    pub instants: Vec<i64>,
    /// `continued[i]`: line `i` carries no timestamp of its own and follows one that did (a
    /// stack trace's line): it belongs to the record before it. Shorter than the lines (empty,
    /// often) where the rest are not.
    pub continued: Vec<bool>,
}

impl StampedBatch {
    /// Whether line `i` belongs to the record before it.
    pub fn is_continued(&self, i: usize) -> bool {
        self.continued.get(i).copied().unwrap_or(false)
    }

    /// The lines whose instant `keep` accepts, in order (the batch itself when it keeps all).
    #[must_use]
    pub fn retain(self, keep: impl Fn(i64) -> bool) -> Self {
        let kept: Vec<usize> = (0..self.lines.len())
            .filter(|&i| keep(self.instants[i]))
            .collect();
        if kept.len() == self.lines.len() {
            return self;
        }
        Self {
            lines: LineBatch::from_lines(kept.iter().map(|&i| self.lines.line(i))),
            instants: kept.iter().map(|&i| self.instants[i]).collect(),
            continued: kept.iter().map(|&i| self.is_continued(i)).collect(),
        }
    }
}

/// Lines that stay in their file: the store reads them back on demand. A big file's history is
/// handed over this way, so that memory holds 4 bytes per line instead of the line.
#[derive(Debug, Clone)]
pub struct FileLines {
    /// The file, kept open: rotating or deleting it does not take the lines away.
    pub file: Arc<File>,
    /// Offset of the first line.
    pub base: u64,
    /// For each line, its `\n`'s offset from `base` (line `i` starts one past line `i - 1`'s).
    pub ends: Vec<u32>,
}

impl FileLines {
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Buffers of batches that were consumed, handed back to the readers: reading then reuses
/// memory that is already mapped instead of allocating (and page-faulting) a fresh buffer for
/// every read.
#[derive(Debug, Default)]
pub struct BufferPool {
    free: Mutex<Vec<Vec<u8>>>,
}

impl BufferPool {
    /// Buffers kept at most (with 64 KiB reads: a few MiB).
    const KEEP: usize = 128;
    /// Buffers larger than this (holding a giant line) are not kept.
    const LARGEST: usize = 1 << 20;

    /// A buffer to read into, recycled if one is free (its old bytes are still there).
    pub fn take(&self) -> Vec<u8> {
        self.lock().pop().unwrap_or_default()
    }

    /// Hands a consumed batch's buffer back.
    pub fn give(&self, batch: LineBatch) {
        let buffer = batch.into_buffer();
        if buffer.capacity() <= Self::LARGEST {
            let mut free = self.lock();
            if free.len() < Self::KEEP {
                free.push(buffer);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Converts a buffer position to the `u32` stored in `ends`. Batches are built from one read plus
/// at most one maximal line, far below 4 GiB.
fn offset(pos: usize) -> u32 {
    u32::try_from(pos).expect("a batch stays below 4 GiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_runs() {
        let batch = LineBatch::from_lines(["a", "", "ccc"]);
        assert_eq!(batch.len(), 3);
        assert_eq!(batch.line(0), b"a");
        assert_eq!(batch.line(1), b"");
        assert_eq!(batch.line(2), b"ccc");
        assert_eq!(batch.run_bytes(1..3), b"\nccc\n");
        assert_eq!(batch.run_bytes(0..0), b"");
        assert_eq!(batch.bytes(), b"a\n\nccc\n");
    }
}
