//! The history the TUI shows: every retained line, in arrival order, bounded in memory.
//!
//! Lines live in chunks of about 1 MiB of text. Each line is numbered by a global sequence
//! number (`seq`), which is its position in the merged pane; per source, each chunk keeps the
//! local indices of that source's lines, so a source pane finds its lines without a global
//! per-line table. Cost per line beyond its bytes: 4 (end offset) + 2 (source) + 2 (per-source
//! index) = 8 bytes. When memory exceeds the bound, whole chunks are evicted, oldest first, and
//! each source's evicted lines are counted.
//!
//! A chunk's text is reached only through [`Chunk::line`], so that a chunk whose lines are still
//! in a file on disk can later hold offsets into that file instead of bytes (big files).

use std::collections::VecDeque;
use std::ops::Range;

use crate::batch::LineBatch;
use crate::source::SourceId;

/// Text bytes per chunk before a new one starts.
const CHUNK_TEXT: usize = 1 << 20;
/// Lines per chunk at most, so per-source indices fit in a `u16`.
const CHUNK_LINES: usize = 1 << 16;

/// One retained line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef<'a> {
    /// Its global sequence number.
    pub seq: u64,
    /// The source it came from.
    pub source: SourceId,
    /// Its bytes, without the newline.
    pub text: &'a [u8],
}

#[derive(Debug)]
struct Chunk {
    first_seq: u64,
    text: Vec<u8>,
    /// End offset of each line in `text`.
    ends: Vec<u32>,
    /// Source of each line.
    sources: Vec<u16>,
    /// For each source present: the local indices of its lines, in order.
    by_source: Vec<(u16, Vec<u16>)>,
}

impl Chunk {
    fn new(first_seq: u64, text_capacity: usize) -> Self {
        Self {
            first_seq,
            text: Vec::with_capacity(text_capacity),
            ends: Vec::new(),
            sources: Vec::new(),
            by_source: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn has_room(&self, line: usize) -> bool {
        self.len() < CHUNK_LINES && self.text.len() + line <= self.text.capacity()
    }

    fn push(&mut self, source: SourceId, line: &[u8]) {
        let local = u16::try_from(self.len()).expect("a chunk holds at most 65536 lines");
        self.text.extend_from_slice(line);
        self.ends
            .push(u32::try_from(self.text.len()).expect("a chunk's text stays below 4 GiB"));
        self.sources.push(source.0);
        match self.by_source.iter_mut().find(|(s, _)| *s == source.0) {
            Some((_, locals)) => locals.push(local),
            None => self.by_source.push((source.0, vec![local])),
        }
    }

    fn line(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn of_source(&self, source: SourceId) -> &[u16] {
        self.by_source
            .iter()
            .find(|(s, _)| *s == source.0)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// Gives back spare capacity once the chunk is full (vectors grow by doubling).
    fn seal(&mut self) {
        self.ends.shrink_to_fit();
        self.sources.shrink_to_fit();
        for (_, locals) in &mut self.by_source {
            locals.shrink_to_fit();
        }
    }

    fn memory(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.sources.capacity() * 2
            + self
                .by_source
                .iter()
                .map(|(_, v)| 8 + v.capacity() * 2)
                .sum::<usize>()
    }
}

/// Per-source counters.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    appended: u64,
    evicted: u64,
}

/// The bounded line history; see the module docs.
#[derive(Debug)]
pub struct Store {
    chunks: VecDeque<Chunk>,
    next_seq: u64,
    counts: Vec<Counts>,
    memory: usize,
    max_memory: usize,
}

impl Store {
    /// A store that evicts its oldest lines once it holds more than `max_memory` bytes.
    pub fn new(max_memory: usize) -> Self {
        Self {
            chunks: VecDeque::new(),
            next_seq: 0,
            counts: Vec::new(),
            memory: 0,
            max_memory,
        }
    }

    /// Appends lines `range` of `batch`, from `source`; evicts the oldest lines if needed.
    pub fn append(&mut self, source: SourceId, batch: &LineBatch, range: Range<usize>) {
        if self.counts.len() <= source.index() {
            self.counts.resize(source.index() + 1, Counts::default());
        }
        for i in range {
            self.push(source, batch.line(i));
        }
        self.evict();
    }

    fn push(&mut self, source: SourceId, line: &[u8]) {
        if !self.chunks.back().is_some_and(|c| c.has_room(line.len())) {
            if let Some(full) = self.chunks.back_mut() {
                self.memory -= full.memory();
                full.seal();
                self.memory += full.memory();
            }
            let fresh = Chunk::new(self.next_seq, CHUNK_TEXT.max(line.len()));
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
            for (source, locals) in &old.by_source {
                self.counts[usize::from(*source)].evicted += locals.len() as u64;
            }
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
        Some(LineRef {
            seq,
            source: SourceId(chunk.sources[i]),
            text: chunk.line(i),
        })
    }

    /// Retained lines of `source`.
    pub fn source_len(&self, source: SourceId) -> u64 {
        self.counts
            .get(source.index())
            .map_or(0, |c| c.appended - c.evicted)
    }

    /// Lines of `source` evicted so far.
    pub fn evicted(&self, source: SourceId) -> u64 {
        self.counts.get(source.index()).map_or(0, |c| c.evicted)
    }

    /// Lines evicted so far, all sources.
    pub fn evicted_total(&self) -> u64 {
        self.counts.iter().map(|c| c.evicted).sum()
    }

    /// Sequence numbers of `source`'s retained lines, newest first.
    pub fn source_seqs_rev(&self, source: SourceId) -> impl Iterator<Item = u64> + '_ {
        self.chunks.iter().rev().flat_map(move |chunk| {
            chunk
                .of_source(source)
                .iter()
                .rev()
                .map(move |&local| chunk.first_seq + u64::from(local))
        })
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
            let locals = chunk.of_source(source);
            let limit = bound.saturating_sub(chunk.first_seq);
            let n = locals.partition_point(|&l| u64::from(l) <= limit);
            locals[..n]
                .iter()
                .rev()
                .map(move |&local| chunk.first_seq + u64::from(local))
        })
    }

    /// Sequence numbers of `source`'s retained lines at or after `start`, oldest first.
    pub fn source_seqs_from(&self, source: SourceId, start: u64) -> impl Iterator<Item = u64> + '_ {
        let begin = self
            .chunks
            .partition_point(|c| c.first_seq <= start)
            .saturating_sub(1);
        self.chunks.range(begin..).flat_map(move |chunk| {
            let locals = chunk.of_source(source);
            let from = start.saturating_sub(chunk.first_seq);
            let n = locals.partition_point(|&l| u64::from(l) < from);
            locals[n..]
                .iter()
                .map(move |&local| chunk.first_seq + u64::from(local))
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
                let locals = chunk.of_source(source);
                let from = (seq + 1).saturating_sub(chunk.first_seq);
                (locals.len() - locals.partition_point(|&l| u64::from(l) < from)) as u64
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

    fn chunk_of(&self, seq: u64) -> Option<usize> {
        if seq < self.first_seq() || seq >= self.next_seq {
            return None;
        }
        Some(self.chunks.partition_point(|c| c.first_seq <= seq) - 1)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

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
        assert_eq!(text(&store, 2), b"b0");
        assert_eq!(store.line(2).map(|l| l.source), Some(SourceId(1)));
        assert_eq!(
            store.source_seqs_rev(SourceId(0)).collect::<Vec<_>>(),
            [3, 1, 0]
        );
        assert_eq!(store.source_len(SourceId(1)), 1);
        assert!(store.line(4).is_none());
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
            prop_assert_eq!(store.next_seq(), model.len() as u64);
            for seq in first..store.next_seq() {
                let (source, line) = &model[usize::try_from(seq).expect("fits")];
                let got = store.line(seq).expect("retained");
                prop_assert_eq!(got.source, SourceId(*source));
                prop_assert_eq!(got.text, line.as_slice());
            }
            let probe = first + (store.next_seq() - first) / 2;
            for s in 0..4u16 {
                let want: Vec<u64> = (first..store.next_seq()).rev()
                    .filter(|&q| model[usize::try_from(q).expect("fits")].0 == s).collect();
                let from: Vec<u64> = want.iter().copied().filter(|&q| q <= probe).collect();
                prop_assert_eq!(store.source_seqs_rev_from(SourceId(s), probe).collect::<Vec<_>>(), from);
                let mut after: Vec<u64> = want.iter().copied().filter(|&q| q >= probe).collect();
                after.reverse();
                prop_assert_eq!(store.source_seqs_from(SourceId(s), probe).collect::<Vec<_>>(), after.clone());
                prop_assert_eq!(store.source_count_after(SourceId(s), probe), after.iter().filter(|&&q| q > probe).count() as u64);
                prop_assert_eq!(store.source_seqs_rev(SourceId(s)).collect::<Vec<_>>(), want.clone());
                prop_assert_eq!(store.source_len(SourceId(s)), want.len() as u64);
                let evicted = (0..first).filter(|&q| model[usize::try_from(q).expect("fits")].0 == s).count();
                prop_assert_eq!(store.evicted(SourceId(s)), evicted as u64);
            }
        }
    }
}
