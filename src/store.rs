//! The history the TUI shows: every retained line, in arrival order, bounded in memory.
//!
//! Lines live in chunks ([`chunk`]) of about 1 MiB of text. Each line is numbered by a global
//! sequence number (`seq`), which is its position in the merged pane; per source, each chunk
//! keeps the local indices of that source's lines, so a source pane finds its lines without a
//! global per-line table. Cost per line beyond its bytes: 4 (end offset) + 2 (source) + 2
//! (per-source index) = 8 bytes. When memory exceeds the bound, whole chunks are evicted, oldest
//! first, and each source's evicted lines are counted.
//!
//! A big file's history is not copied: it arrives later, newest first, as chunks of offsets
//! into the file ([`FileLines`], 4 bytes per line) that are *prepended*, numbered below the
//! first line. Sequence numbers therefore start at [`FIRST_SEQ`], not 0. Their text is read back
//! on demand ([`reader`]), so [`LineRef::text`] may be owned.

mod chunk;
mod reader;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, TryLockError};
use std::time::Duration;

use self::chunk::{CHUNK_TEXT, Chunk, Locals, Text};
use self::reader::{GONE, Reader};
use crate::batch::{FileLines, LineBatch};
use crate::source_id::SourceId;

/// Sequence number of the first line appended: room below it for history prepended later.
pub const FIRST_SEQ: u64 = 1 << 40;

/// One retained line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRef<'a> {
    /// Its global sequence number.
    pub seq: u64,
    /// The source it came from.
    pub source: SourceId,
    /// Its bytes, without the newline (read from its file for a big file's history).
    pub text: Cow<'a, [u8]>,
}

/// Per-source counters.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    appended: u64,
    prepended: u64,
    evicted: u64,
    /// History that was never taken in (it did not fit).
    refused: u64,
}

/// The bounded line history; see the module docs.
#[derive(Debug)]
pub struct Store {
    chunks: VecDeque<Chunk>,
    next_seq: u64,
    counts: Vec<Counts>,
    memory: usize,
    max_memory: usize,
    /// Reads lines kept in files; behind a lock because reading them is not a change of the
    /// history (only the core task reads: the lock is never contended).
    reader: Mutex<Reader>,
    /// Lines the live braid placed by arrival because they came too late to be placed by time:
    /// their first sequence number, their count, and how late they were. Few, so a sorted list
    /// pruned with eviction.
    late: VecDeque<(u64, u64, Duration)>,
}

impl Store {
    /// A store that evicts its oldest lines once it holds more than `max_memory` bytes.
    pub fn new(max_memory: usize) -> Self {
        Self {
            chunks: VecDeque::new(),
            next_seq: FIRST_SEQ,
            counts: Vec::new(),
            memory: 0,
            max_memory,
            reader: Mutex::default(),
            late: VecDeque::new(),
        }
    }

    /// Appends lines `range` of `batch` as [`append`](Self::append) does, as lines placed by
    /// arrival that were `by` behind the lines before them.
    pub fn append_late(
        &mut self,
        source: SourceId,
        batch: &LineBatch,
        range: Range<usize>,
        by: Duration,
    ) {
        let first = self.next_seq;
        self.append(source, batch, range);
        let n = self.next_seq - first;
        if n > 0 {
            self.late.push_back((first, n, by));
        }
    }

    /// How late line `seq` was, when the live braid had to place it by arrival.
    pub fn late(&self, seq: u64) -> Option<Duration> {
        let i = self.late.partition_point(|&(first, _, _)| first <= seq);
        let &(first, n, by) = self.late.get(i.checked_sub(1)?)?;
        (seq < first + n).then_some(by)
    }

    /// Appends lines `range` of `batch`, from `source`; evicts the oldest lines if needed.
    pub fn append(&mut self, source: SourceId, batch: &LineBatch, range: Range<usize>) {
        self.count(source);
        for i in range {
            self.push(source, batch.line(i));
        }
        self.evict();
    }

    /// Puts `lines`, older than every retained line, before them. Refused (and counted as
    /// evicted) when they do not fit in the bound or older lines were evicted already: then no
    /// older history of the source is wanted either, and `false` says so.
    pub fn prepend(&mut self, source: SourceId, lines: FileLines) -> bool {
        self.count(source);
        let n = lines.len() as u64;
        let chunk = Chunk::in_file(self.first_seq() - n, source, lines);
        if self.evicted_total() > 0 || self.memory + chunk.memory() > self.max_memory {
            self.counts[source.index()].refused += n;
            return false;
        }
        self.memory += chunk.memory();
        self.counts[source.index()].prepended += n;
        self.chunks.push_front(chunk);
        true
    }

    /// Counts `n` lines of `source`'s history as not taken in (they were not even indexed).
    pub fn refuse(&mut self, source: SourceId, n: u64) {
        self.count(source);
        self.counts[source.index()].refused += n;
    }

    fn count(&mut self, source: SourceId) {
        if self.counts.len() <= source.index() {
            self.counts.resize(source.index() + 1, Counts::default());
        }
    }

    fn push(&mut self, source: SourceId, line: &[u8]) {
        if !self.chunks.back().is_some_and(|c| c.has_room(line.len())) {
            if let Some(full) = self.chunks.back_mut() {
                self.memory -= full.memory();
                full.seal();
                self.memory += full.memory();
            }
            let fresh = Chunk::in_memory(self.next_seq, CHUNK_TEXT.max(line.len()));
            self.memory += fresh.memory();
            self.chunks.push_back(fresh);
        }
        let chunk = self
            .chunks
            .back_mut()
            .expect("a chunk with room was just ensured");
        let before = chunk.memory();
        chunk.push(source, line);
        self.memory = self.memory + chunk.memory() - before;
        self.counts[source.index()].appended += 1;
        self.next_seq += 1;
    }

    /// Drops whole chunks, oldest first, while over the bound (the newest chunk always stays).
    fn evict(&mut self) {
        while self.memory > self.max_memory && self.chunks.len() > 1 {
            let Some(old) = self.chunks.pop_front() else {
                break;
            };
            self.memory -= old.memory();
            for (source, n) in old.counts() {
                self.counts[source.index()].evicted += n;
            }
        }
        let first = self.first_seq();
        while self.late.front().is_some_and(|&(s, n, _)| s + n <= first) {
            self.late.pop_front();
        }
    }

    /// Sequence number of the oldest retained line.
    pub fn first_seq(&self) -> u64 {
        self.chunks.front().map_or(self.next_seq, |c| c.first_seq)
    }

    /// Sequence number the next line will get (one past the newest).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Number of retained lines.
    pub fn len(&self) -> u64 {
        self.next_seq - self.first_seq()
    }

    /// True when no line is retained.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The line numbered `seq`, if retained.
    pub fn line(&self, seq: u64) -> Option<LineRef<'_>> {
        let c = self.chunk_of(seq)?;
        let chunk = &self.chunks[c];
        let i = usize::try_from(seq - chunk.first_seq).ok()?;
        let text = match chunk.text(i) {
            Text::Memory(text) => Cow::Borrowed(text),
            Text::File { file, range, chunk } => {
                let mut fallback = Reader::default();
                let mut cached = self.cached_reader();
                let reader = cached.as_deref_mut().unwrap_or(&mut fallback);
                Cow::Owned(reader.read(file, range, chunk).unwrap_or(GONE).to_vec())
            }
        };
        Some(LineRef {
            seq,
            source: chunk.source(i),
            text,
        })
    }

    /// Calls `f` with every retained line numbered in `range`, oldest first; lines kept in files
    /// are read a block at a time and lent, not copied.
    pub fn visit(&self, range: Range<u64>, mut f: impl FnMut(LineRef<'_>)) {
        let range = range.start.max(self.first_seq())..range.end.min(self.next_seq);
        if range.is_empty() {
            return;
        }
        let mut fallback = Reader::default();
        let mut cached = self.cached_reader();
        let reader = cached.as_deref_mut().unwrap_or(&mut fallback);
        let begin = self.chunks.partition_point(|c| c.first_seq <= range.start) - 1;
        for chunk in self.chunks.range(begin..) {
            if chunk.first_seq >= range.end {
                break;
            }
            let from = usize::try_from(range.start.saturating_sub(chunk.first_seq)).unwrap_or(0);
            let to = usize::try_from(range.end - chunk.first_seq)
                .map_or(chunk.len(), |to| to.min(chunk.len()));
            for i in from..to {
                let text = match chunk.text(i) {
                    Text::Memory(text) => text,
                    Text::File { file, range, chunk } => {
                        reader.read(file, range, chunk).unwrap_or(GONE)
                    }
                };
                f(LineRef {
                    seq: chunk.first_seq + i as u64,
                    source: chunk.source(i),
                    text: Cow::Borrowed(text),
                });
            }
        }
    }

    /// Retained lines of `source`.
    pub fn source_len(&self, source: SourceId) -> u64 {
        self.counts
            .get(source.index())
            .map_or(0, |c| c.appended + c.prepended - c.evicted)
    }

    /// Lines of `source` evicted (or, from its history, not taken in) so far.
    pub fn evicted(&self, source: SourceId) -> u64 {
        self.counts
            .get(source.index())
            .map_or(0, |c| c.evicted + c.refused)
    }

    /// Lines evicted so far, all sources.
    pub fn evicted_total(&self) -> u64 {
        self.counts.iter().map(|c| c.evicted + c.refused).sum()
    }

    /// Sequence numbers of `source`'s retained lines, newest first.
    pub fn source_seqs_rev(&self, source: SourceId) -> impl Iterator<Item = u64> + '_ {
        self.source_seqs_rev_from(source, u64::MAX)
    }

    /// Sequence numbers of `source`'s retained lines at or before `bound`, newest first.
    pub fn source_seqs_rev_from(
        &self,
        source: SourceId,
        bound: u64,
    ) -> impl Iterator<Item = u64> + '_ {
        // Chunks starting after `bound` are skipped whole; within the first chunk kept, a binary
        // search finds where to start.
        let end = self.chunks.partition_point(|c| c.first_seq <= bound);
        self.chunks.range(..end).rev().flat_map(move |chunk| {
            let locals = chunk.locals(source);
            let limit = bound.saturating_sub(chunk.first_seq).saturating_add(1);
            let n = locals.count_below(limit);
            (0..n).rev().map(move |k| chunk.first_seq + locals.get(k))
        })
    }

    /// Sequence numbers of `source`'s retained lines at or after `start`, oldest first.
    pub fn source_seqs_from(&self, source: SourceId, start: u64) -> impl Iterator<Item = u64> + '_ {
        let begin = self
            .chunks
            .partition_point(|c| c.first_seq <= start)
            .saturating_sub(1);
        self.chunks.range(begin..).flat_map(move |chunk| {
            let locals = chunk.locals(source);
            let n = locals.count_below(start.saturating_sub(chunk.first_seq));
            (n..locals.len()).map(move |k| chunk.first_seq + locals.get(k))
        })
    }

    /// How many of `source`'s retained lines come after `seq`.
    pub fn source_count_after(&self, source: SourceId, seq: u64) -> u64 {
        let start = self
            .chunks
            .partition_point(|c| c.first_seq <= seq)
            .saturating_sub(1);
        self.chunks
            .range(start..)
            .map(|chunk| {
                let locals: Locals<'_> = chunk.locals(source);
                let from = (seq + 1).saturating_sub(chunk.first_seq);
                (locals.len() - locals.count_below(from)) as u64
            })
            .sum()
    }

    /// Lines appended for `source` since the start (retained or not); rates are computed from it.
    pub fn source_appended(&self, source: SourceId) -> u64 {
        self.counts.get(source.index()).map_or(0, |c| c.appended)
    }

    /// Bytes held, text and indices (what the bound applies to).
    pub fn memory(&self) -> usize {
        self.memory
    }

    /// The shared reader, unless busy: only while `visit` runs its callback, which may ask for a
    /// line itself (then it is read without the cache).
    fn cached_reader(&self) -> Option<std::sync::MutexGuard<'_, Reader>> {
        match self.reader.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn chunk_of(&self, seq: u64) -> Option<usize> {
        if seq < self.first_seq() || seq >= self.next_seq {
            return None;
        }
        Some(self.chunks.partition_point(|c| c.first_seq <= seq) - 1)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::test_support::file_with;

    fn text(store: &Store, seq: u64) -> Vec<u8> {
        store.line(seq).map(|l| l.text.to_vec()).unwrap_or_default()
    }

    #[test]
    fn lines_by_seq_and_by_source() {
        let mut store = Store::new(usize::MAX);
        store.append(SourceId(0), &LineBatch::from_lines(["a0", "a1"]), 0..2);
        store.append(SourceId(1), &LineBatch::from_lines(["b0"]), 0..1);
        store.append(SourceId(0), &LineBatch::from_lines(["a2"]), 0..1);
        assert_eq!(store.len(), 4);
        assert_eq!(text(&store, FIRST_SEQ + 2), b"b0");
        assert_eq!(
            store.line(FIRST_SEQ + 2).map(|l| l.source),
            Some(SourceId(1))
        );
        assert_eq!(
            store.source_seqs_rev(SourceId(0)).collect::<Vec<_>>(),
            [FIRST_SEQ + 3, FIRST_SEQ + 1, FIRST_SEQ]
        );
        assert_eq!(store.source_len(SourceId(1)), 1);
        assert!(store.line(FIRST_SEQ + 4).is_none());
    }

    /// 1,000,000 lines of 100 bytes: at most 16 bytes each beyond their own bytes.
    #[test]
    fn overhead_per_line_is_small() {
        let mut store = Store::new(usize::MAX);
        let line = [b'x'; 100];
        let batch = LineBatch::from_lines(std::iter::repeat_n(&line[..], 1000));
        for i in 0..1000u16 {
            store.append(SourceId(i % 4), &batch, 0..batch.len());
        }
        assert_eq!(store.len(), 1_000_000);
        let overhead = (store.memory() - 100 * 1_000_000) / 1_000_000;
        assert!(overhead <= 16, "{overhead} bytes of overhead per line");
    }

    /// `FileLines` for lines `range` of `content` (every line ends with `\n`).
    fn file_lines(file: &Arc<File>, content: &[u8], range: Range<usize>) -> FileLines {
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', content).collect();
        let base = if range.start == 0 {
            0
        } else {
            newlines[range.start - 1] + 1
        };
        FileLines {
            file: Arc::clone(file),
            base: base as u64,
            ends: newlines[range]
                .iter()
                .map(|&n| u32::try_from(n - base).expect("small"))
                .collect(),
        }
    }

    #[test]
    fn history_prepended_from_a_file_is_read_back_in_place() {
        let content: Vec<u8> = (0..10)
            .flat_map(|i| format!("f{i}{}\n", if i == 3 { "\r" } else { "" }).into_bytes())
            .collect();
        let file = file_with(&content);
        let mut store = Store::new(usize::MAX);
        store.append(SourceId(1), &LineBatch::from_lines(["a0"]), 0..1);
        store.append(SourceId(0), &LineBatch::from_lines(["f10"]), 0..1);
        // Newest first, as the indexer sends them.
        assert!(store.prepend(SourceId(0), file_lines(&file, &content, 5..10)));
        assert!(store.prepend(SourceId(0), file_lines(&file, &content, 0..5)));
        let first = FIRST_SEQ - 10;
        assert_eq!(store.first_seq(), first);
        assert_eq!(store.len(), 12);
        assert_eq!(text(&store, first), b"f0");
        assert_eq!(
            text(&store, first + 3),
            b"f3",
            "the \\r of a CRLF line is dropped"
        );
        assert_eq!(text(&store, FIRST_SEQ), b"a0");
        let mut seen = Vec::new();
        store.visit(0..u64::MAX, |l| {
            seen.push((l.source.0, String::from_utf8_lossy(&l.text).into_owned()));
        });
        let want: Vec<(u16, String)> = (0..=10).map(|i| (0, format!("f{i}"))).collect();
        assert_eq!(seen.len(), 12);
        assert_eq!(seen[..10], want[..10]);
        assert_eq!(seen[10], (1, "a0".to_owned()));
        assert_eq!(seen[11], want[10]);
        let ours: Vec<u64> = store.source_seqs_rev(SourceId(0)).collect();
        let mut expect: Vec<u64> = (first..FIRST_SEQ).chain([FIRST_SEQ + 1]).collect();
        expect.reverse();
        assert_eq!(ours, expect);
        assert_eq!(
            store
                .source_seqs_from(SourceId(0), first + 8)
                .collect::<Vec<_>>(),
            [first + 8, first + 9, FIRST_SEQ + 1]
        );
        assert_eq!(store.source_count_after(SourceId(0), first + 4), 6);
        assert_eq!(store.source_len(SourceId(0)), 11);
        assert_eq!(
            store.source_appended(SourceId(0)),
            1,
            "history is not counted as arrivals"
        );
        // A truncated file no longer has the bytes: the line says so instead of showing garbage.
        file.set_len(12).expect("truncate");
        *store.reader.lock().expect("reader") = Reader::default();
        assert_eq!(text(&store, first + 9), GONE);
    }

    #[test]
    fn history_that_does_not_fit_is_counted_not_taken() {
        let content = b"x\ny\n".to_vec();
        let file = file_with(&content);
        let mut store = Store::new(1 << 20);
        let big = vec![b'z'; 600 << 10];
        store.append(
            SourceId(1),
            &LineBatch::from_lines([&big[..], &big[..]]),
            0..2,
        );
        assert_eq!(store.evicted_total(), 1);
        assert!(!store.prepend(SourceId(0), file_lines(&file, &content, 0..2)));
        assert_eq!(store.evicted(SourceId(0)), 2);
        assert_eq!(store.source_len(SourceId(0)), 0);
        assert_eq!(store.len(), 1);
    }

    proptest! {
        /// Against a model that keeps everything: the store holds a suffix of what was
        /// appended, each source's lines are a suffix of that source's lines, eviction counts
        /// add up, and memory stays near the bound.
        #[test]
        fn behaves_like_a_bounded_suffix(
            appends in proptest::collection::vec((0u16..4, proptest::collection::vec(0usize..3000, 1..20)), 1..200),
            max_memory in 1usize << 20..4 << 20,
        ) {
            let mut store = Store::new(max_memory);
            let mut model: Vec<(u16, Vec<u8>)> = Vec::new();
            for (source, lengths) in &appends {
                let lines: Vec<Vec<u8>> = lengths.iter().map(|&n| {
                    let tag = format!("{source}:{}:", model.len());
                    let mut l = tag.into_bytes();
                    l.resize(l.len() + n, b'.');
                    model.push((*source, l.clone()));
                    l
                }).collect();
                store.append(SourceId(*source), &LineBatch::from_lines(&lines), 0..lines.len());
                prop_assert!(store.memory() <= max_memory + (2 << 20));
            }
            let first = store.first_seq();
            prop_assert_eq!(store.next_seq() - FIRST_SEQ, model.len() as u64);
            for seq in first..store.next_seq() {
                let (source, line) = &model[usize::try_from(seq - FIRST_SEQ).expect("fits")];
                let got = store.line(seq).expect("retained");
                prop_assert_eq!(got.source, SourceId(*source));
                prop_assert_eq!(&*got.text, line.as_slice());
            }
            let probe = first + (store.next_seq() - first) / 2;
            for s in 0..4u16 {
                let want: Vec<u64> = (first..store.next_seq()).rev()
                    .filter(|&q| model[usize::try_from(q - FIRST_SEQ).expect("fits")].0 == s).collect();
                let from: Vec<u64> = want.iter().copied().filter(|&q| q <= probe).collect();
                prop_assert_eq!(store.source_seqs_rev_from(SourceId(s), probe).collect::<Vec<_>>(), from);
                let mut after: Vec<u64> = want.iter().copied().filter(|&q| q >= probe).collect();
                after.reverse();
                prop_assert_eq!(store.source_seqs_from(SourceId(s), probe).collect::<Vec<_>>(), after.clone());
                prop_assert_eq!(store.source_count_after(SourceId(s), probe), after.iter().filter(|&&q| q > probe).count() as u64);
                prop_assert_eq!(store.source_seqs_rev(SourceId(s)).collect::<Vec<_>>(), want.clone());
                prop_assert_eq!(store.source_len(SourceId(s)), want.len() as u64);
                let evicted = (FIRST_SEQ..first).filter(|&q| model[usize::try_from(q - FIRST_SEQ).expect("fits")].0 == s).count();
                prop_assert_eq!(store.evicted(SourceId(s)), evicted as u64);
            }
        }
    }
}
