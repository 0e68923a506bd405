//! `LineSplitter`: bytes in, complete lines out; the trailing partial line is carried over.
//!
//! Pure and allocation-lean: the caller reads into a buffer the splitter hands out (it already
//! starts with the carried partial line), so the common case — no `\r`, no giant line — turns the
//! read buffer into a [`LineBatch`] without copying it.

use memchr::{memchr_iter, memrchr};

use crate::batch::LineBatch;

/// Lines longer than this many bytes are cut into pieces of this size, so that a file without a
/// newline (or a binary stream) cannot grow memory without bound. Large enough that real
/// multi-megabyte lines stay whole.
pub const MAX_LINE: usize = 64 << 20;

/// Splits a byte stream into lines: `\n` ends a line, a `\r` right before it is dropped.
#[derive(Debug)]
pub struct LineSplitter {
    partial: Vec<u8>,
    max_line: usize,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new(MAX_LINE)
    }
}

impl LineSplitter {
    /// A splitter that cuts lines longer than `max_line` bytes (at least 1).
    pub fn new(max_line: usize) -> Self {
        Self {
            partial: Vec::new(),
            max_line: max_line.max(1),
        }
    }

    /// Hands out the buffer to read into: it starts with the carried partial line and has room
    /// for `additional` more bytes. Append to it, then pass it to [`split`](Self::split).
    pub fn take_buffer(&mut self, additional: usize) -> Vec<u8> {
        let (mut buf, held) = self.take_buffer_from(Vec::new(), additional);
        buf.truncate(held);
        buf
    }

    /// Like [`take_buffer`](Self::take_buffer), reusing `spare` (a recycled buffer whose old
    /// bytes are still there). Returns the buffer and how many bytes at its start are the
    /// carried partial line: read into `buf[held..]`, overwriting what is there (zeroing it
    /// first would cost as much as the read), then truncate to what was read.
    pub fn take_buffer_from(&mut self, mut spare: Vec<u8>, additional: usize) -> (Vec<u8>, usize) {
        // A long partial line is moved, not copied, so that a giant line growing read after
        // read is not copied again each time.
        if self.partial.len() > spare.capacity() / 4 {
            let mut buf = std::mem::take(&mut self.partial);
            buf.reserve(additional);
            let held = buf.len();
            return (buf, held);
        }
        let held = self.partial.len();
        if spare.len() < held {
            spare.resize(held, 0);
        }
        spare[..held].copy_from_slice(&self.partial);
        self.partial.clear();
        spare.reserve((held + additional).saturating_sub(spare.len()));
        (spare, held)
    }

    /// Splits `buf` (from [`take_buffer`](Self::take_buffer), with new bytes appended) into the
    /// complete lines it holds; the bytes after the last newline are carried to the next call.
    pub fn split(&mut self, mut buf: Vec<u8>) -> LineBatch {
        let Some(last_nl) = memrchr(b'\n', &buf) else {
            self.partial = buf;
            return self.cut_overlong_partial(LineBatch::default());
        };
        self.partial.clear();
        self.partial.extend_from_slice(&buf[last_nl + 1..]);
        buf.truncate(last_nl + 1);
        let batch = self.complete_lines(buf);
        self.cut_overlong_partial(batch)
    }

    /// Convenience for callers that already hold the bytes elsewhere: copies them in and splits.
    pub fn push(&mut self, bytes: &[u8]) -> LineBatch {
        let mut buf = self.take_buffer(bytes.len());
        buf.extend_from_slice(bytes);
        self.split(buf)
    }

    /// Ends the stream: the carried partial line, if any, becomes a line of its own.
    pub fn finish(&mut self) -> LineBatch {
        let partial = std::mem::take(&mut self.partial);
        if partial.is_empty() {
            LineBatch::default()
        } else {
            LineBatch::from_lines([partial])
        }
    }

    /// Bytes held back waiting for their newline.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }

    /// Drops the carried partial line (the file it came from was truncated or replaced).
    pub fn reset(&mut self) {
        self.partial.clear();
    }

    /// `buf` ends with `\n`. Fast path: nothing to normalise, the buffer becomes the batch.
    fn complete_lines(&self, buf: Vec<u8>) -> LineBatch {
        let mut ends = Vec::with_capacity(buf.len() / 64 + 1);
        let mut start = 0;
        // Only a `\r` right before a `\n` is dropped: one byte checked per line, no extra pass.
        let mut clean = true;
        for nl in memchr_iter(b'\n', &buf) {
            clean &= nl - start <= self.max_line && (nl == 0 || buf[nl - 1] != b'\r');
            ends.push(u32::try_from(nl).expect("a read buffer stays below 4 GiB"));
            start = nl + 1;
        }
        if clean {
            return LineBatch::from_parts(buf, ends);
        }
        let mut batch = LineBatch::default();
        let mut start = 0;
        for &nl in &ends {
            self.push_raw_line(&mut batch, &buf[start..nl as usize]);
            start = nl as usize + 1;
        }
        batch
    }

    /// Pushes one raw line (without `\n`): cut into `max_line` pieces, the last piece losing a
    /// trailing `\r`. Cutting before stripping keeps the result independent of how the stream
    /// was chunked (the partial-line path cannot know whether a `\r` precedes a `\n`).
    fn push_raw_line(&self, batch: &mut LineBatch, mut raw: &[u8]) {
        while raw.len() > self.max_line {
            batch.push(&raw[..self.max_line]);
            raw = &raw[self.max_line..];
        }
        batch.push(raw.strip_suffix(b"\r").unwrap_or(raw));
    }

    fn cut_overlong_partial(&mut self, mut batch: LineBatch) -> LineBatch {
        if self.partial.len() > self.max_line {
            let pieces = (self.partial.len() - 1) / self.max_line;
            let cut = pieces * self.max_line;
            for piece in self.partial[..cut].chunks(self.max_line) {
                batch.push(piece);
            }
            self.partial.drain(..cut);
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn lines(batch: &LineBatch) -> Vec<Vec<u8>> {
        batch.iter().map(<[u8]>::to_vec).collect()
    }

    /// Splits `input` fed in pieces at `cuts`, then finishes the stream.
    fn split_chunked(input: &[u8], cuts: &[usize], max_line: usize) -> Vec<Vec<u8>> {
        let mut splitter = LineSplitter::new(max_line);
        let mut out = Vec::new();
        let mut prev = 0;
        for &cut in cuts.iter().chain([&input.len()]) {
            let cut = cut.clamp(prev, input.len());
            out.extend(lines(&splitter.push(&input[prev..cut])));
            prev = cut;
        }
        out.extend(lines(&splitter.finish()));
        out
    }

    #[test]
    fn crlf_and_partial() {
        let mut s = LineSplitter::default();
        assert_eq!(lines(&s.push(b"one\r\ntw")), vec![b"one".to_vec()]);
        assert_eq!(s.pending(), 2);
        assert_eq!(lines(&s.push(b"o\r")), Vec::<Vec<u8>>::new());
        assert_eq!(lines(&s.push(b"\nthree")), vec![b"two".to_vec()]);
        assert_eq!(lines(&s.finish()), vec![b"three".to_vec()]);
        assert!(s.finish().is_empty());
    }

    #[test]
    fn lone_cr_is_kept() {
        let mut s = LineSplitter::default();
        assert_eq!(lines(&s.push(b"a\rb\n")), vec![b"a\rb".to_vec()]);
    }

    #[test]
    fn overlong_lines_are_cut_deterministically() {
        assert_eq!(
            split_chunked(b"abcdefg\nxy\n", &[], 3),
            split_chunked(b"abcdefg\nxy\n", &[2, 5], 3)
        );
        assert_eq!(
            split_chunked(b"abcdefg\nxy\n", &[], 3),
            vec![
                b"abc".to_vec(),
                b"def".to_vec(),
                b"g".to_vec(),
                b"xy".to_vec()
            ]
        );
    }

    #[test]
    fn fast_path_keeps_the_read_buffer() {
        let mut s = LineSplitter::default();
        let mut buf = s.take_buffer(16);
        buf.extend_from_slice(b"a\nbb\nc");
        let batch = s.split(buf);
        assert_eq!(batch.bytes(), b"a\nbb\n");
        assert_eq!(s.pending(), 1);
    }

    proptest! {
        #[test]
        fn any_chunking_yields_the_same_lines(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()], 0..400),
            mut cuts in proptest::collection::vec(0usize..400, 0..12),
            max_line in 1usize..40,
        ) {
            cuts.sort_unstable();
            let whole = split_chunked(&input, &[], max_line);
            let chunked = split_chunked(&input, &cuts, max_line);
            prop_assert_eq!(&whole, &chunked);
            for line in &whole {
                prop_assert!(!line.contains(&b'\n'));
                prop_assert!(line.len() <= max_line);
            }
        }

        #[test]
        fn lines_reassemble_the_input(text in "[a-z\n]{0,200}") {
            let input = text.as_bytes();
            let got = split_chunked(input, &[], MAX_LINE);
            let mut joined: Vec<u8> = got.join(&b'\n');
            if !got.is_empty() && input.ends_with(b"\n") {
                joined.push(b'\n');
            }
            prop_assert_eq!(joined, input.to_vec());
        }
    }
}
