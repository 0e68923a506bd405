//! The history the TUI shows: every retained line, in arrival order, bounded in memory.
//!
//! Lines live in chunks ([`chunk`]) of about 1 MiB of text. Each line is numbered by a global
//! sequence number (`seq`), which is its position in the merged pane; per source, each chunk
//! keeps the local indices of that source's lines, so a source pane finds its lines without a
//! global per-line table. Cost per line beyond its bytes: 4 (end offset) + 2 (source) + 2
//! (per-source index) = 8 bytes. When memory exceeds the bound, whole chunks are evicted, oldest
//! first, and each source's evicted lines are counted.
//!
//! Lines arrive in braid order ([`crate::orderer`]). A backlog that comes after the start (a
//! command's first output, a file a glob found) is *slotted in* by time ([`Store::slot`]):
//! the store keeps the instants of its newest [`SLOT_LINES`] lines, takes out the lines newer
//! than the burst's first, and appends both again merged by time, each in its own order. That
//! renumbers those lines; [`Slotted`] tells the holders of sequence numbers how.
//!
//! A big file's history is not copied: it arrives later, newest first, as chunks of offsets
//! into the file ([`FileLines`], 4 bytes per line) that are *prepended*, numbered below the
//! first line. Sequence numbers therefore start at [`FIRST_SEQ`], not 0. Their text is read back
//! on demand ([`reader`]), so [`LineRef::text`] may be owned.

pub mod braid;
mod chunk;
mod reader;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, TryLockError};
use std::time::Duration;

use self::chunk::{CHUNK_TEXT, Chunk, Locals, Text};
use self::reader::{GONE, Reader};
use std::fs::File;
use std::sync::Arc;

use crate::batch::{FileLines, LineBatch, StampedBatch};
use crate::source_id::SourceId;

/// Sequence number of the first line appended: room below it for history prepended later.
pub const FIRST_SEQ: u64 = 1 << 40;

/// Lines whose instants are kept (the newest): how far back a burst can be slotted in by time.
/// 512 KiB; a burst older than all of them goes before them, marked late.
pub const SLOT_LINES: usize = 1 << 16;

/// How a burst slotted in ([`Store::slot`]) renumbered the retained lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slotted {
    /// Lines numbered below this kept their numbers.
    pub from: u64,
    /// `moved[i]`: the number now of the line numbered `from + i` before (increasing).
    moved: Vec<u64>,
    /// Lines the burst added.
    added: u64,
}

impl Slotted {
    /// The number now of the line numbered `seq` before; a number past the newest line stays
    /// past it.
    pub fn renumber(&self, seq: u64) -> u64 {
        if seq < self.from {
            return seq;
        }
        usize::try_from(seq - self.from)
            .ok()
            .and_then(|i| self.moved.get(i))
            .copied()
            .unwrap_or_else(|| seq.saturating_add(self.added))
    }
}

/// One retained line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRef<'a> {
    /// Its global sequence number.
    pub seq: u64,
    /// The source it came from.
    pub source: SourceId,
    /// Its bytes, without the newline (read from its file for a big file's history).
    pub text: Cow<'a, [u8]>,
    /// It continues the record before it in its source (a stack trace's line).
    pub continued: bool,
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
    /// Instants (nanoseconds since the epoch) of the newest appended lines, at most
    /// [`SLOT_LINES`]: `recent[i]` is line `next_seq - recent.len() + i`'s.
    recent: VecDeque<i64>,
    /// When lines came in: the first sequence number of each millisecond (wall clock, since the
    /// epoch) in which some did. At most one entry per millisecond of a flood, one per line of
    /// a trickle; pruned with eviction.
    arrivals: VecDeque<(u64, i64)>,
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
            recent: VecDeque::new(),
            arrivals: VecDeque::new(),
        }
    }

    /// The lines appended from now on arrive at `ms` (wall clock, milliseconds since the epoch).
    pub fn arriving(&mut self, ms: i64) {
        match self.arrivals.back_mut() {
            // The same millisecond, or the clock stepped back: the entry stands.
            Some(&mut (_, last)) if last >= ms => {}
            // Nothing came since the last entry: it moves on.
            Some(last) if last.0 == self.next_seq => last.1 = ms,
            _ => self.arrivals.push_back((self.next_seq, ms)),
        }
    }

    /// When line `seq` arrived (wall clock, milliseconds since the epoch), if known: lines a
    /// big file's history put below the others were read, not received.
    pub fn arrival(&self, seq: u64) -> Option<i64> {
        if seq >= self.next_seq {
            return None;
        }
        let i = self.arrivals.partition_point(|&(first, _)| first <= seq);
        Some(self.arrivals.get(i.checked_sub(1)?)?.1)
    }

    /// Appends lines `range` of `batch` as [`append`](Self::append) does, as lines placed by
    /// arrival that were `by` behind the lines before them.
    pub fn append_late(
        &mut self,
        source: SourceId,
        batch: &StampedBatch,
        range: Range<usize>,
        by: Duration,
    ) {
        self.count(source);
        for i in range {
            self.mark_late(self.next_seq, by);
            self.push(source, batch, i);
        }
        self.evict();
    }

    /// How far an `instant` is behind the newest line's (zero when it is not).
    pub fn behind(&self, instant: i64) -> Duration {
        let newest = self.recent.iter().copied().max().unwrap_or(instant);
        Duration::from_nanos(u64::try_from(newest.saturating_sub(instant)).unwrap_or(0))
    }

    /// The newest line's instant, if any is kept.
    pub fn newest_instant(&self) -> Option<i64> {
        self.recent.iter().copied().max()
    }

    /// Slots lines `range` of `batch` (old lines of `source`, in its order) into the history by
    /// time: each goes after the retained lines as old as it or older, among the newest
    /// [`SLOT_LINES`]; retained lines keep their order, and lines with equal instants stay
    /// before the burst's. Lines older than every line whose instant is kept go before those,
    /// marked late, unless nothing older is retained. Evicts the oldest lines if needed.
    pub fn slot(&mut self, source: SourceId, batch: &StampedBatch, range: Range<usize>) -> Slotted {
        self.count(source);
        let added = range.len() as u64;
        let Some(&first) = batch.instants.get(range.start) else {
            return Slotted {
                from: self.next_seq,
                moved: Vec::new(),
                added,
            };
        };
        // Scanning back from the newest line: a retained line out of time order deep in the
        // window does not pull the burst down to it.
        let kept = self.recent.iter().rev().take_while(|&&t| t > first).count();
        let from = self.next_seq - kept as u64;
        let floor = (kept == self.recent.len() && from > self.first_seq())
            .then(|| self.recent.front().copied())
            .flatten();
        let tail = self.take_from(from);
        let mut moved = Vec::with_capacity(tail.sources.len());
        let (mut a, mut b) = (0, range.start);
        while a < tail.sources.len() || b < range.end {
            if b == range.end || (a < tail.sources.len() && tail.instants[a] <= batch.instants[b]) {
                moved.push(self.next_seq);
                if let Some(by) = tail.late[a] {
                    self.mark_late(self.next_seq, by);
                }
                self.push_text(tail.sources[a], tail.lines.line(a), tail.continued[a]);
                self.remember(&[tail.instants[a]]);
                a += 1;
            } else {
                let instant = batch.instants[b];
                if let Some(newer) = floor.filter(|_| a == 0) {
                    self.mark_late(self.next_seq, nanos(newer.saturating_sub(instant)));
                }
                self.push(source, batch, b);
                b += 1;
            }
        }
        self.evict();
        Slotted { from, moved, added }
    }

    /// Takes the lines numbered from `from` (appended ones, in memory) out, with their
    /// instants and late marks.
    fn take_from(&mut self, from: u64) -> Tail {
        let mut tail = Tail::default();
        let n = usize::try_from(self.next_seq - from).unwrap_or(0);
        let recent_from = self.recent.len().saturating_sub(n);
        tail.instants.extend(self.recent.range(recent_from..));
        self.visit(from..self.next_seq, |line| {
            tail.lines.push(&line.text);
            tail.sources.push(line.source);
            tail.continued.push(line.continued);
        });
        tail.late = (from..self.next_seq).map(|seq| self.late(seq)).collect();
        while let Some(last) = self.chunks.back_mut() {
            let keep = usize::try_from(from.saturating_sub(last.first_seq)).unwrap_or(usize::MAX);
            let before = last.counts();
            self.memory -= last.memory();
            if keep == 0 {
                self.chunks.pop_back();
            } else {
                last.truncate(keep);
                self.memory += last.memory();
            }
            let after = self.chunks.back().filter(|_| keep > 0).map(Chunk::counts);
            for (s, n) in before {
                let still = after
                    .iter()
                    .flatten()
                    .find(|(t, _)| *t == s)
                    .map_or(0, |&(_, m)| m);
                self.counts[s.index()].appended -= n - still;
            }
            if keep > 0 {
                break;
            }
        }
        self.next_seq = from;
        self.recent.truncate(recent_from);
        while self.late.back().is_some_and(|&(first, _, _)| first >= from) {
            self.late.pop_back();
        }
        if let Some((first, n, _)) = self.late.back_mut() {
            *n = (*n).min(from - *first);
        }
        tail
    }

    /// Marks line `seq` (the next one pushed) late by `by`.
    fn mark_late(&mut self, seq: u64, by: Duration) {
        match self.late.back_mut() {
            Some((first, n, was)) if *first + *n == seq && *was == by => *n += 1,
            _ => self.late.push_back((seq, 1, by)),
        }
    }

    /// How late line `seq` was, when the live braid had to place it by arrival.
    pub fn late(&self, seq: u64) -> Option<Duration> {
        let i = self.late.partition_point(|&(first, _, _)| first <= seq);
        let &(first, n, by) = self.late.get(i.checked_sub(1)?)?;
        (seq < first + n).then_some(by)
    }

    /// Appends lines `range` of `batch`, from `source`; evicts the oldest lines if needed.
    pub fn append(&mut self, source: SourceId, batch: &StampedBatch, range: Range<usize>) {
        self.count(source);
        for i in range.clone() {
            self.push_text(source, batch.lines.line(i), batch.is_continued(i));
        }
        self.remember(&batch.instants[range]);
        self.evict();
    }

    /// Puts `lines`, older than every retained line, before them; see
    /// [`prepend_braided`](Self::prepend_braided) (this is one file's part of it).
    pub fn prepend(&mut self, source: SourceId, lines: FileLines) -> bool {
        let base = lines.base;
        let mut start = base;
        let spans: Vec<(u8, u64, u64, bool)> = lines
            .ends
            .iter()
            .map(|&end| {
                let end = base + u64::from(end);
                let span = (0, start, end, false);
                start = end + 1;
                span
            })
            .collect();
        self.prepend_braided(&[(source, lines.file)], &spans)
    }

    /// Prepends lines that stay in their files, braided (`placed`, in order: an index into
    /// `files`, the line's start, its `\n`'s offset, whether it continues the record before
    /// it), below the oldest retained line. Refused
    /// (and counted per source) when it would not fit in memory or lines were evicted already
    /// (the history would have a gap); then false.
    pub fn prepend_braided(
        &mut self,
        files: &[(SourceId, Arc<File>)],
        placed: &[(u8, u64, u64, bool)],
    ) -> bool {
        let n = placed.len() as u64;
        let chunk = Chunk::braided(self.first_seq() - n, files, placed);
        let counts = chunk.counts();
        for &(source, _) in &counts {
            self.count(source);
        }
        if self.evicted_total() > 0 || self.memory + chunk.memory() > self.max_memory {
            for (source, k) in counts {
                self.counts[source.index()].refused += k;
            }
            return false;
        }
        self.memory += chunk.memory();
        for (source, k) in counts {
            self.counts[source.index()].prepended += k;
        }
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

    /// Keeps the instants of lines just pushed.
    fn remember(&mut self, instants: &[i64]) {
        self.recent.extend(instants);
        let over = self.recent.len().saturating_sub(SLOT_LINES);
        self.recent.drain(..over);
    }

    /// Pushes line `i` of `batch`.
    fn push(&mut self, source: SourceId, batch: &StampedBatch, i: usize) {
        self.push_text(source, batch.lines.line(i), batch.is_continued(i));
        self.remember(&[batch.instants[i]]);
    }

    fn push_text(&mut self, source: SourceId, line: &[u8], continued: bool) {
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
        chunk.push(source, line, continued);
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
        while self.arrivals.get(1).is_some_and(|&(s, _)| s <= first) {
            self.arrivals.pop_front();
        }
        while self.late.front().is_some_and(|&(s, n, _)| s + n <= first) {
            self.late.pop_front();
        }
        let retained = usize::try_from(self.next_seq - first).unwrap_or(usize::MAX);
        while self.recent.len() > retained {
            self.recent.pop_front();
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
            continued: chunk.continued(i),
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
                    continued: chunk.continued(i),
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

/// Lines taken out of the store to be appended again ([`Store::slot`]).
#[derive(Debug, Default)]
struct Tail {
    lines: LineBatch,
    sources: Vec<SourceId>,
    continued: Vec<bool>,
    instants: Vec<i64>,
    late: Vec<Option<Duration>>,
}

/// `n` nanoseconds (negative: zero) as a duration.
fn nanos(n: i64) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::test_support::file_with;
    use crate::test_support::unstamped;

    fn text(store: &Store, seq: u64) -> Vec<u8> {
        store.line(seq).map(|l| l.text.to_vec()).unwrap_or_default()
    }

    /// Each line's arrival is the millisecond it was appended in: one entry a millisecond
    /// (none while nothing comes), pruned as lines are evicted.
    #[test]
    fn arrivals_are_kept_per_millisecond() {
        let mut store = Store::new(1 << 20);
        store.arriving(1_000);
        store.append(SourceId(0), &unstamped(["a", "b"]), 0..2);
        store.arriving(1_000);
        store.append(SourceId(0), &unstamped(["c"]), 0..1);
        store.arriving(1_005);
        store.arriving(1_007);
        store.append(SourceId(1), &unstamped(["d"]), 0..1);
        store.arriving(1_003);
        store.append(SourceId(1), &unstamped(["e"]), 0..1);
        let arrived: Vec<_> = (0..6).map(|i| store.arrival(FIRST_SEQ + i)).collect();
        assert_eq!(
            arrived,
            [
                Some(1_000),
                Some(1_000),
                Some(1_000),
                Some(1_007),
                Some(1_007),
                None
            ],
            "the same millisecond, a quiet one skipped, the clock stepping back"
        );
        assert_eq!(store.arrivals.len(), 2);
        // Chunks of 1 MiB go whole: 3,000 lines of 1 KiB fill three.
        let line = "x".repeat(1 << 10);
        for ms in 2_000..5_000 {
            store.arriving(ms);
            store.append(SourceId(0), &unstamped([line.as_str()]), 0..1);
        }
        let first = store.first_seq();
        assert!(first > FIRST_SEQ + 5, "evicted");
        assert_eq!(
            store.arrival(first),
            Some(2_000 + i64::try_from(first - FIRST_SEQ - 5).expect("small"))
        );
        assert!(store.arrivals.len() as u64 <= 1 + store.next_seq() - first);
    }

    #[test]
    fn lines_by_seq_and_by_source() {
        let mut store = Store::new(usize::MAX);
        store.append(SourceId(0), &unstamped(["a0", "a1"]), 0..2);
        store.append(SourceId(1), &unstamped(["b0"]), 0..1);
        store.append(SourceId(0), &unstamped(["a2"]), 0..1);
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
        let batch = unstamped(std::iter::repeat_n(&line[..], 1000));
        for i in 0..1000u16 {
            store.append(SourceId(i % 4), &batch, 0..batch.lines.len());
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
        store.append(SourceId(1), &unstamped(["a0"]), 0..1);
        store.append(SourceId(0), &unstamped(["f10"]), 0..1);
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
        store.append(SourceId(1), &unstamped([&big[..], &big[..]]), 0..2);
        assert_eq!(store.evicted_total(), 1);
        assert!(!store.prepend(SourceId(0), file_lines(&file, &content, 0..2)));
        assert_eq!(store.evicted(SourceId(0)), 2);
        assert_eq!(store.source_len(SourceId(0)), 0);
        assert_eq!(store.len(), 1);
    }

    /// Lines of `source` stamped with the given instants, named `{source}@{instant}`.
    fn at(source: u16, instants: &[i64]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(instants.iter().map(|t| format!("{source}@{t}"))),
            instants: instants.to_vec(),
            continued: Vec::new(),
        }
    }

    fn all_text(store: &Store) -> Vec<String> {
        let mut out = Vec::new();
        store.visit(0..u64::MAX, |l| {
            out.push(String::from_utf8_lossy(&l.text).into_owned());
        });
        out
    }

    #[test]
    fn a_burst_is_slotted_in_by_time_and_the_lines_after_it_renumbered() {
        let mut store = Store::new(usize::MAX);
        store.append(SourceId(0), &at(0, &[10, 20]), 0..2);
        store.append_late(SourceId(0), &at(0, &[30]), 0..1, Duration::from_millis(7));
        store.append(SourceId(0), &at(0, &[40]), 0..1);
        let slotted = store.slot(SourceId(1), &at(1, &[15, 20, 25]), 0..3);
        assert_eq!(
            all_text(&store),
            ["0@10", "1@15", "0@20", "1@20", "1@25", "0@30", "0@40"],
            "equal instants: the retained line first"
        );
        assert_eq!(slotted.from, FIRST_SEQ + 1);
        // Every retained line keeps its identity under its new number.
        assert_eq!(slotted.renumber(FIRST_SEQ), FIRST_SEQ);
        assert_eq!(slotted.renumber(FIRST_SEQ + 1), FIRST_SEQ + 2);
        assert_eq!(slotted.renumber(FIRST_SEQ + 2), FIRST_SEQ + 5);
        assert_eq!(
            slotted.renumber(FIRST_SEQ + 4),
            FIRST_SEQ + 7,
            "past the newest"
        );
        assert_eq!(store.late(FIRST_SEQ + 5), Some(Duration::from_millis(7)));
        assert_eq!(store.late(FIRST_SEQ + 2), None);
        assert_eq!(
            store.source_seqs_rev(SourceId(1)).collect::<Vec<_>>(),
            [FIRST_SEQ + 4, FIRST_SEQ + 3, FIRST_SEQ + 1]
        );
        assert_eq!(store.source_len(SourceId(0)), 4);
        assert_eq!(store.source_appended(SourceId(0)), 4, "not counted twice");
        assert_eq!(store.source_appended(SourceId(1)), 3);
        // A burst newer than everything is simply appended.
        let slotted = store.slot(SourceId(1), &at(1, &[50]), 0..1);
        assert_eq!(slotted.from, FIRST_SEQ + 7);
        assert_eq!(all_text(&store).last().map(String::as_str), Some("1@50"));
    }

    #[test]
    fn a_burst_older_than_the_instants_kept_goes_before_them_marked_late() {
        let mut store = Store::new(usize::MAX);
        let n = SLOT_LINES + 2;
        let old: Vec<i64> = (1_000..).take(n).collect();
        store.append(SourceId(0), &at(0, &old), 0..n);
        store.slot(SourceId(1), &at(1, &[5]), 0..1);
        let seq = FIRST_SEQ + 2;
        assert_eq!(text(&store, seq), b"1@5");
        assert_eq!(store.late(seq), Some(Duration::from_nanos(1_002 - 5)));
        // When nothing older is retained, the oldest line is not late.
        let mut store = Store::new(usize::MAX);
        store.append(SourceId(0), &at(0, &[10]), 0..1);
        store.slot(SourceId(1), &at(1, &[5]), 0..1);
        assert_eq!(all_text(&store), ["1@5", "0@10"]);
        assert_eq!(store.late(FIRST_SEQ), None);
    }

    proptest! {

        /// Any retained lines (instants in any order) and any burst: nothing lost or doubled,
        /// every source's order and the retained lines' order kept, the lines before the slot
        /// untouched, each burst line after every line of the burst's region as old as it, and
        /// renumbering follows each retained line.
        #[test]
        fn a_slotted_burst_keeps_every_order(
            retained in proptest::collection::vec((0u16..3, 0i64..50), 0..60),
            burst in proptest::collection::vec(0i64..50, 1..20),
        ) {
            let mut store = Store::new(usize::MAX);
            for (k, (source, instant)) in retained.iter().enumerate() {
                let batch = StampedBatch {
                    lines: LineBatch::from_lines([format!("r{k}")]),
                    instants: vec![*instant],
                    continued: Vec::new(),
                };
                store.append(SourceId(*source), &batch, 0..1);
            }
            let before: Vec<String> = all_text(&store);
            let burst_batch = StampedBatch {
                lines: LineBatch::from_lines((0..burst.len()).map(|k| format!("b{k}"))),
                instants: burst.clone(),
                continued: Vec::new(),
            };
            let slotted = store.slot(SourceId(3), &burst_batch, 0..burst.len());
            let after = all_text(&store);
            prop_assert_eq!(after.len(), before.len() + burst.len());
            let kept: Vec<&String> = after.iter().filter(|t| t.starts_with('r')).collect();
            prop_assert_eq!(kept, before.iter().collect::<Vec<_>>());
            let ours: Vec<String> = after.iter().filter(|t| t.starts_with('b')).cloned().collect();
            let want: Vec<String> = (0..burst.len()).map(|k| format!("b{k}")).collect();
            prop_assert_eq!(ours, want);
            let cut = usize::try_from(slotted.from - FIRST_SEQ).expect("small");
            prop_assert_eq!(&after[..cut], &before[..cut]);
            let instant = |t: &str| -> i64 {
                let k: usize = t[1..].parse().expect("numbered");
                if t.starts_with('r') { retained[k].1 } else { burst[k] }
            };
            // The first burst line goes after every retained line up to it as old as it.
            let first = after.iter().position(|t| t == "b0").expect("there");
            prop_assert!(after[cut..first].iter().all(|t| instant(t) <= burst[0]));
            for (old, text) in before.iter().enumerate().skip(cut) {
                let now = slotted.renumber(FIRST_SEQ + old as u64);
                prop_assert_eq!(store.line(now).map(|l| l.text.to_vec()), Some(text.clone().into_bytes()));
            }
            for s in 0..4u16 {
                let seqs: Vec<u64> = store.source_seqs_rev(SourceId(s)).collect();
                let want: Vec<u64> = (store.first_seq()..store.next_seq()).rev()
                    .filter(|&q| store.line(q).is_some_and(|l| l.source == SourceId(s))).collect();
                prop_assert_eq!(seqs.len() as u64, store.source_len(SourceId(s)));
                prop_assert_eq!(seqs, want);
            }
        }
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
                store.append(SourceId(*source), &unstamped(&lines), 0..lines.len());
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
