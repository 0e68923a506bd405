//! Which retained lines a pane shows, and the filtered index that answers it when a predicate is
//! in force.
//!
//! Without a predicate a pane reads the store directly (all lines, or one source's). With one
//! (a filter, a minimum level, hidden or paused sources in the merged pane) it reads a
//! [`MatchIndex`]: the sequence numbers of the matching lines. New lines are tested once, lazily,
//! when a frame is built; after a predicate changes, the history is re-tested in slices, newest
//! first, between events — the screen fills at once and keys keep answering while a million
//! lines are filtered.

use std::collections::VecDeque;

use super::state::SourceState;
use crate::filter::{LineFilter, Seen};
use crate::level::{self, Level};
use crate::source_id::SourceId;
use crate::store::{LineRef, Store};

/// Lines tested per rebuild slice: a few milliseconds of regex work.
pub const SLICE: u64 = 32_768;

/// The part that is shared by all panes.
#[derive(Debug, Clone, Copy)]
pub struct Shared<'a> {
    /// Lines below this level are hidden (lines without a level are kept).
    pub min_level: Option<Level>,
    /// Per source: hidden from the merged pane, and paused (its lines numbered from the mark on
    /// are held back from the merged pane).
    pub sources: &'a [SourceState],
    /// The sources' names (queries can ask for `source`).
    pub names: &'a [String],
}

/// How far back a line that continues a record looks for the line that began it (a stack
/// trace longer than this is judged from this far on).
const RECORD_LINES: usize = 1000;

/// A pane's complete predicate.
#[derive(Debug, Clone, Copy)]
pub struct Predicate<'a> {
    /// `Some`: a source pane.
    pub source: Option<SourceId>,
    /// The pane's own filters.
    pub filter: &'a LineFilter,
    /// What the pane shows of a line (its regexes match that).
    pub seen: Seen<'a>,
    /// The shared part.
    pub shared: Shared<'a>,
}

impl Predicate<'_> {
    /// True when every line of the pane's source(s) passes: no index is needed.
    pub fn is_trivial(&self) -> bool {
        let merged_only = self.source.is_none()
            && self
                .shared
                .sources
                .iter()
                .any(|s| s.hidden || s.paused.is_some());
        self.filter.is_empty() && self.shared.min_level.is_none() && !merged_only
    }

    /// Whether `line` is shown, judged alone (see [`matches_in`](Self::matches_in)).
    pub fn matches(&self, line: &LineRef<'_>) -> bool {
        self.shows_source(line) && self.content(&line.text, line.source)
    }

    /// Whether `line` is shown, as part of its record: a line that continues a record (a stack
    /// trace's) goes with the line that began it. `heads` remembers, per source, the verdict on
    /// the last record begun (lines are given in order); a continuation whose record began
    /// before is judged by walking back to it.
    pub fn matches_in(
        &self,
        line: &LineRef<'_>,
        store: &Store,
        heads: &mut Vec<Option<bool>>,
    ) -> bool {
        if !self.shows_source(line) {
            return false;
        }
        let s = line.source.index();
        if heads.len() <= s {
            heads.resize(s + 1, None);
        }
        if !line.continued {
            let verdict = self.content(&line.text, line.source);
            heads[s] = Some(verdict);
            return verdict;
        }
        if let Some(verdict) = heads[s] {
            return verdict;
        }
        let head = store
            .source_seqs_rev_from(line.source, line.seq.saturating_sub(1))
            .take(RECORD_LINES)
            .filter_map(|seq| store.line(seq))
            .find(|l| !l.continued);
        let verdict = match head {
            Some(head) => self.content(&head.text, head.source),
            None => self.content(&line.text, line.source),
        };
        heads[s] = Some(verdict);
        verdict
    }

    /// Whether the pane shows `line`'s source at that line (hidden and paused sources).
    pub fn shows_source(&self, line: &LineRef<'_>) -> bool {
        match self.source {
            Some(source) if line.source != source => return false,
            Some(_) => {}
            None => {
                if let Some(s) = self.shared.sources.get(line.source.index())
                    && (s.hidden || s.paused.is_some_and(|mark| line.seq >= mark))
                {
                    return false;
                }
            }
        }
        true
    }

    /// Whether a record beginning with `text` passes the level and the filters.
    fn content(&self, text: &[u8], source: SourceId) -> bool {
        if let Some(min) = self.shared.min_level
            && level::detect(text).is_some_and(|l| l < min)
        {
            return false;
        }
        let name = self
            .shared
            .names
            .get(source.index())
            .map_or("?", String::as_str);
        self.filter.matches(text, name, self.seen)
    }
}

/// Sequence numbers of the lines matching a predicate; see the module docs.
///
/// Lines numbered in `low..upto` have been tested. History below `low` (after a predicate
/// change, or prepended later: a big file's) is tested in slices; lines from `upto` on when a
/// frame needs them.
///
/// With context (`+` in a filtered pane, like `grep -C`), the index also holds up to `context`
/// lines of the pane's own lines (its source's, or the visible sources') before and after each
/// match; `context_seqs` says which those are. A neighbour is tested when its match is found, so
/// context never hides or doubles a match whichever side of the rebuild it lies on.
#[derive(Debug, Clone)]
pub struct MatchIndex {
    /// Lines shown: matches and their context, in order.
    seqs: VecDeque<u64>,
    /// Of those, the context lines, in order.
    context_seqs: VecDeque<u64>,
    /// Lines of context shown before and after each match.
    context: usize,
    /// Context lines the newest match still owes: the next lines to arrive in the pane's scope.
    after_left: usize,
    low: u64,
    upto: u64,
    /// Lines untested when the rebuild started (or grew), for its progress.
    total: u64,
}

/// How far a walk for a match's context goes over lines of other sources (the merged pane's
/// hidden ones, a source pane's neighbours in the store) before it gives up.
const CONTEXT_REACH: usize = 10_000;

impl MatchIndex {
    /// An empty index to be rebuilt over `store`'s history, with `context` lines around each
    /// match.
    pub fn new(store: &Store, context: usize) -> Self {
        let now = store.next_seq();
        Self {
            seqs: VecDeque::new(),
            context_seqs: VecDeque::new(),
            context,
            after_left: 0,
            low: now,
            upto: now,
            total: store.len(),
        }
    }

    /// Lines of context around each match.
    pub fn context(&self) -> usize {
        self.context
    }

    /// True when `seq` is shown as context, not as a match.
    pub fn is_context(&self, seq: u64) -> bool {
        self.context > 0 && self.context_seqs.binary_search(&seq).is_ok()
    }

    /// Tests the lines that arrived since the last call, and forgets evicted ones.
    pub fn catch_up(&mut self, store: &Store, predicate: &Predicate<'_>) {
        let first = store.first_seq();
        let mut heads = Vec::new();
        let mut found = Vec::new();
        let context = self.context > 0;
        store.visit(self.upto..store.next_seq(), |line| {
            let matched = predicate.matches_in(&line, store, &mut heads);
            if matched || (context && predicate.shows_source(&line)) {
                found.push((line.seq, matched));
            }
        });
        for (seq, matched) in found {
            if matched {
                if self.context > 0 {
                    self.context_before(store, predicate, seq);
                }
                self.seqs.push_back(seq);
                self.after_left = self.context;
            } else if self.after_left > 0 {
                self.seqs.push_back(seq);
                self.context_seqs.push_back(seq);
                self.after_left -= 1;
            }
        }
        self.upto = store.next_seq();
        while self.seqs.front().is_some_and(|&s| s < first) {
            self.seqs.pop_front();
        }
        while self.context_seqs.front().is_some_and(|&s| s < first) {
            self.context_seqs.pop_front();
        }
        self.low = self.low.max(first);
    }

    /// Adds, as context, the pane's lines just before the match `seq` that do not match.
    fn context_before(&mut self, store: &Store, predicate: &Predicate<'_>, seq: u64) {
        let older: Vec<u64> = match predicate.source {
            Some(source) => store
                .source_seqs_rev_from(source, seq.saturating_sub(1))
                .take_while(|&s| s < seq)
                .take(self.context)
                .collect(),
            None => (store.first_seq()..seq)
                .rev()
                .take(CONTEXT_REACH)
                .filter(|&s| store.line(s).is_some_and(|l| predicate.shows_source(&l)))
                .take(self.context)
                .collect(),
        };
        for s in older {
            self.add_context(store, predicate, s);
        }
    }

    /// Adds, as context, the pane's lines just after the match `seq` (a match found by the
    /// rebuild) that were tested already; the lines still to come owe the rest.
    fn context_after(&mut self, store: &Store, predicate: &Predicate<'_>, seq: u64) {
        let upto = self.upto;
        let newer: Vec<u64> = match predicate.source {
            Some(source) => store
                .source_seqs_from(source, seq + 1)
                .take_while(|&s| s < upto)
                .take(self.context)
                .collect(),
            None => (seq + 1..upto)
                .take(CONTEXT_REACH)
                .filter(|&s| store.line(s).is_some_and(|l| predicate.shows_source(&l)))
                .take(self.context)
                .collect(),
        };
        let walked_to_upto = predicate.source.is_some()
            || usize::try_from(upto - seq - 1).is_ok_and(|n| n <= CONTEXT_REACH);
        if newer.len() < self.context && walked_to_upto {
            self.after_left = self.after_left.max(self.context - newer.len());
        }
        for s in newer {
            self.add_context(store, predicate, s);
        }
    }

    /// Adds `seq` as context unless it is shown already or matches (a match is added as one,
    /// when its own turn comes).
    fn add_context(&mut self, store: &Store, predicate: &Predicate<'_>, seq: u64) {
        let at = self.seqs.partition_point(|&s| s < seq);
        if self.seqs.get(at) == Some(&seq) {
            return;
        }
        let Some(line) = store.line(seq) else {
            return;
        };
        if predicate.matches_in(&line, store, &mut Vec::new()) {
            return;
        }
        self.seqs.insert(at, seq);
        let at = self.context_seqs.partition_point(|&s| s < seq);
        self.context_seqs.insert(at, seq);
    }

    /// Forgets what it knows of the lines numbered from `from` (they were renumbered): they are
    /// tested again with the next lines.
    pub fn forget_from(&mut self, from: u64) {
        while self.seqs.back().is_some_and(|&s| s >= from) {
            self.seqs.pop_back();
        }
        while self.context_seqs.back().is_some_and(|&s| s >= from) {
            self.context_seqs.pop_back();
        }
        // Context owed by matches before `from` is not worked out again: at worst a few
        // context lines of the renumbered lines are missing.
        self.after_left = 0;
        self.upto = self.upto.min(from);
        self.low = self.low.min(from);
    }

    /// True while part of the history has not been tested.
    pub fn rebuilding(&self, store: &Store) -> bool {
        self.low > store.first_seq()
    }

    /// Tests up to `budget` more lines of history, newest first.
    pub fn rebuild_slice(&mut self, store: &Store, predicate: &Predicate<'_>, budget: u64) {
        let first = store.first_seq();
        if self.low <= first {
            return;
        }
        // History prepended meanwhile makes the task larger.
        self.total = self.total.max(self.low - first);
        let stop = self.low.saturating_sub(budget).max(first);
        let mut found = Vec::new();
        let mut heads = Vec::new();
        store.visit(stop..self.low, |line| {
            if predicate.matches_in(&line, store, &mut heads) {
                found.push(line.seq);
            }
        });
        if self.context == 0 {
            for seq in found.into_iter().rev() {
                self.seqs.push_front(seq);
            }
        } else {
            for seq in found.into_iter().rev() {
                // A context line of a newer match may stand here already: it does not match,
                // so it is not this one; the match goes in its place in order.
                let at = self.seqs.partition_point(|&s| s < seq);
                self.seqs.insert(at, seq);
                self.context_after(store, predicate, seq);
                self.context_before(store, predicate, seq);
            }
        }
        self.low = stop;
    }

    /// Percent of the history tested, while rebuilding.
    pub fn progress(&self, store: &Store) -> Option<u8> {
        let left = self.low.checked_sub(store.first_seq()).filter(|&l| l > 0)?;
        let total = self.total.max(left);
        u8::try_from((total - left) * 100 / total).ok()
    }
}

/// The lines a pane shows, for walking from a bound.
#[derive(Debug, Clone, Copy)]
pub enum PaneLines<'a> {
    /// Every retained line (the merged pane, no predicate).
    All,
    /// One source's lines (a source pane, no predicate).
    Source(SourceId),
    /// The lines an index holds.
    Index(&'a MatchIndex),
}

impl PaneLines<'_> {
    /// The pane's lines at or before `bound`, newest first.
    pub fn rev_from<'s>(self, store: &'s Store, bound: u64) -> Box<dyn Iterator<Item = u64> + 's>
    where
        Self: 's,
    {
        let first = store.first_seq();
        let top = bound.min(store.next_seq().saturating_sub(1));
        match self {
            _ if store.is_empty() => Box::new(std::iter::empty()),
            PaneLines::All => Box::new((first..=top).rev()),
            PaneLines::Source(source) => Box::new(store.source_seqs_rev_from(source, top)),
            PaneLines::Index(index) => {
                let n = index.seqs.partition_point(|&s| s <= top);
                Box::new(index.seqs.range(..n).rev().copied())
            }
        }
    }

    /// The pane's lines at or after `start`, oldest first.
    pub fn fwd_from<'s>(self, store: &'s Store, start: u64) -> Box<dyn Iterator<Item = u64> + 's>
    where
        Self: 's,
    {
        let start = start.max(store.first_seq());
        match self {
            PaneLines::All => Box::new(start..store.next_seq()),
            PaneLines::Source(source) => Box::new(store.source_seqs_from(source, start)),
            PaneLines::Index(index) => {
                let n = index.seqs.partition_point(|&s| s < start);
                Box::new(index.seqs.range(n..).copied())
            }
        }
    }

    /// How many of the pane's lines come after `seq` (up to and including `cap`).
    pub fn count_between(self, store: &Store, seq: u64, cap: u64) -> u64 {
        let last = cap.min(store.next_seq().saturating_sub(1));
        if store.is_empty() || seq >= last {
            return 0;
        }
        match self {
            PaneLines::All => last - seq.max(store.first_seq().saturating_sub(1)),
            PaneLines::Source(source) => {
                store.source_count_after(source, seq) - store.source_count_after(source, last)
            }
            PaneLines::Index(index) => {
                let a = index.seqs.partition_point(|&s| s <= seq);
                let b = index.seqs.partition_point(|&s| s <= last);
                (b - a) as u64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use regex::bytes::Regex;

    use super::*;
    use crate::batch::{LineBatch, StampedBatch};
    use crate::store::FIRST_SEQ as B;
    use crate::test_support::unstamped;

    fn store_with(lines: &[(u16, &str)]) -> Store {
        let mut store = Store::new(usize::MAX);
        for (source, text) in lines {
            store.append(SourceId(*source), &unstamped([text]), 0..1);
        }
        store
    }

    fn shared(sources: &[SourceState]) -> Shared<'_> {
        Shared {
            min_level: None,
            sources,
            names: &[],
        }
    }

    /// Sources with these pause marks and hidden flags.
    fn sources(paused: &[Option<u64>], hidden: &[bool]) -> Vec<SourceState> {
        paused
            .iter()
            .zip(hidden)
            .map(|(&paused, &hidden)| SourceState {
                hidden,
                paused,
                ..SourceState::default()
            })
            .collect()
    }

    #[test]
    fn index_matches_what_a_full_scan_finds_however_it_was_built() {
        let lines: Vec<(u16, String)> = (0..200u16)
            .map(|i| {
                (
                    i % 3,
                    format!("{} line {i}", if i % 7 == 0 { "ERROR" } else { "INFO" }),
                )
            })
            .collect();
        let refs: Vec<(u16, &str)> = lines.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let mut store = store_with(&refs[..150]);
        let filter = LineFilter::from((Regex::new("ERROR").ok(), None));
        let pred = Predicate {
            source: None,
            filter: &filter,
            seen: Seen::Plain,
            shared: shared(&[]),
        };
        let mut index = MatchIndex::new(&store, 0);
        index.rebuild_slice(&store, &pred, 40);
        assert!(index.rebuilding(&store));
        for (s, t) in &refs[150..] {
            store.append(SourceId(*s), &unstamped([t]), 0..1);
        }
        index.catch_up(&store, &pred);
        while index.rebuilding(&store) {
            index.rebuild_slice(&store, &pred, 40);
        }
        let want: Vec<u64> = (0..200).filter(|i| i % 7 == 0).map(|i| B + i).collect();
        assert_eq!(index.seqs.iter().copied().collect::<Vec<_>>(), want);
        let lines = PaneLines::Index(&index);
        assert_eq!(
            lines.rev_from(&store, B + 50).take(2).collect::<Vec<_>>(),
            [B + 49, B + 42]
        );
        assert_eq!(
            lines.fwd_from(&store, B + 50).take(2).collect::<Vec<_>>(),
            [B + 56, B + 63]
        );
        assert_eq!(
            lines.count_between(&store, B + 49, u64::MAX),
            want.iter().filter(|&&s| s > B + 49).count() as u64
        );
    }

    /// Context (`+`) shows, like `grep -C n` over the pane's own lines, every line within `n`
    /// of a match, each once, the non-matching ones flagged — however the index is built: from
    /// history in slices of any size, line by line as lines arrive, or half and half.
    #[test]
    fn context_is_grep_c_over_the_panes_lines_however_the_index_is_built() {
        let lines: Vec<(u16, String)> = (0..240u16)
            .map(|i| {
                let error = (i * 7 + i / 5) % 13 == 0;
                (
                    i % 3,
                    format!("{} line {i}", if error { "ERROR" } else { "INFO" }),
                )
            })
            .collect();
        let refs: Vec<(u16, &str)> = lines.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let filter = LineFilter::from((Regex::new("ERROR").ok(), None));
        let hidden = sources(&[None, None, None], &[false, true, false]);
        for (source, states) in [(None, &hidden[..]), (Some(SourceId(1)), &[][..])] {
            let pred = Predicate {
                source,
                filter: &filter,
                seen: Seen::Plain,
                shared: shared(states),
            };
            // The pane's lines, and the expected (shown, context) for `n`.
            let scope: Vec<(u64, bool)> = refs
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| match source {
                    Some(only) => *s == only.0,
                    None => *s != 1,
                })
                .map(|(i, (_, t))| (B + i as u64, t.starts_with("ERROR")))
                .collect();
            let expected = |n: usize| {
                let near = |j: usize| {
                    scope[j.saturating_sub(n)..(j + n + 1).min(scope.len())]
                        .iter()
                        .any(|&(_, m)| m)
                };
                let shown: Vec<u64> = (0..scope.len())
                    .filter(|&j| near(j))
                    .map(|j| scope[j].0)
                    .collect();
                let context: Vec<u64> = (0..scope.len())
                    .filter(|&j| near(j) && !scope[j].1)
                    .map(|j| scope[j].0)
                    .collect();
                (shown, context)
            };
            let got = |index: &MatchIndex| {
                let shown: Vec<u64> = index.seqs.iter().copied().collect();
                let context: Vec<u64> = shown
                    .iter()
                    .copied()
                    .filter(|&s| index.is_context(s))
                    .collect();
                (shown, context)
            };
            for n in [1, 2, 3] {
                let whole = store_with(&refs);
                for budget in [1, 3, 7, 1000] {
                    let mut index = MatchIndex::new(&whole, n);
                    while index.rebuilding(&whole) {
                        index.rebuild_slice(&whole, &pred, budget);
                    }
                    assert_eq!(
                        got(&index),
                        expected(n),
                        "{source:?} ±{n}, slices of {budget}"
                    );
                }
                // Half the history, one slice of it tested, the rest arriving in bursts.
                let mut store = store_with(&refs[..120]);
                let mut index = MatchIndex::new(&store, n);
                index.rebuild_slice(&store, &pred, 10);
                for burst in refs[120..].chunks(17) {
                    for (s, t) in burst {
                        store.append(SourceId(*s), &unstamped([t]), 0..1);
                    }
                    index.catch_up(&store, &pred);
                }
                while index.rebuilding(&store) {
                    index.rebuild_slice(&store, &pred, 9);
                }
                assert_eq!(got(&index), expected(n), "{source:?} ±{n}, half and half");
                // Line by line from nothing.
                let mut store = Store::new(usize::MAX);
                let mut index = MatchIndex::new(&store, n);
                for (s, t) in &refs {
                    store.append(SourceId(*s), &unstamped([t]), 0..1);
                    index.catch_up(&store, &pred);
                }
                assert_eq!(got(&index), expected(n), "{source:?} ±{n}, line by line");
            }
        }
    }

    /// Two sources whose records have stack traces under them, interleaved: however the index
    /// is built (in slices that cut through records, or caught up line by line), a record is
    /// kept or dropped whole, by its first line.
    #[test]
    fn records_are_kept_or_dropped_whole_however_the_index_is_built() {
        let mut store = Store::new(usize::MAX);
        let mut want = Vec::new();
        for i in 0..60u16 {
            let source = i % 2;
            let error = i % 5 == 0;
            let head = format!("{} record {i}", if error { "ERROR" } else { "INFO" });
            let lines = [
                head,
                format!("  at frame {i}.1"),
                format!("  at frame {i}.2"),
            ];
            let batch = StampedBatch {
                lines: LineBatch::from_lines(&lines),
                instants: vec![0; 3],
                continued: vec![false, true, true],
            };
            if error {
                want.extend((0..3).map(|k| store.next_seq() + k));
            }
            store.append(SourceId(source), &batch, 0..3);
        }
        let filter = LineFilter::from((Regex::new("ERROR").ok(), None));
        let pred = Predicate {
            source: None,
            filter: &filter,
            seen: Seen::Plain,
            shared: shared(&[]),
        };
        for budget in [1, 2, 4, 7, 1000] {
            let mut index = MatchIndex::new(&store, 0);
            while index.rebuilding(&store) {
                index.rebuild_slice(&store, &pred, budget);
            }
            assert_eq!(
                index.seqs.iter().copied().collect::<Vec<_>>(),
                want,
                "slices of {budget}"
            );
        }
        let mut empty = Store::new(usize::MAX);
        let mut index = MatchIndex::new(&empty, 0);
        store.visit(0..u64::MAX, |line| {
            let batch = StampedBatch {
                lines: LineBatch::from_lines([&line.text[..]]),
                instants: vec![0],
                continued: vec![line.continued],
            };
            empty.append(line.source, &batch, 0..1);
            index.catch_up(&empty, &pred);
        });
        assert_eq!(
            index.seqs.iter().copied().collect::<Vec<_>>(),
            want,
            "line by line"
        );
    }

    #[test]
    fn merged_predicate_holds_back_paused_and_hidden_sources() {
        let store = store_with(&[(0, "a0"), (1, "b0"), (0, "a1"), (1, "b1"), (2, "c0")]);
        let filter = LineFilter::default();
        let both = sources(&[Some(B + 3), None, None], &[false, false, true]);
        let pred = Predicate {
            source: None,
            filter: &filter,
            seen: Seen::Plain,
            shared: shared(&both),
        };
        assert!(!pred.is_trivial());
        let shown: Vec<bool> = (0..5)
            .map(|s| pred.matches(&store.line(B + s).expect("line")))
            .collect();
        assert_eq!(shown, [true, true, true, true, false]);
        let late = sources(&[Some(B + 2), None, None], &[false; 3]);
        let pred = Predicate {
            source: None,
            filter: &filter,
            seen: Seen::Plain,
            shared: shared(&late),
        };
        assert!(
            !pred.matches(&store.line(B + 2).expect("line")),
            "a1 came after the pause"
        );
    }

    #[test]
    fn walking_a_source_and_all_lines() {
        let store = store_with(&[(0, "a0"), (1, "b0"), (0, "a1"), (1, "b1")]);
        assert_eq!(
            PaneLines::Source(SourceId(1))
                .rev_from(&store, u64::MAX)
                .collect::<Vec<_>>(),
            [B + 3, B + 1]
        );
        assert_eq!(
            PaneLines::All.rev_from(&store, B + 2).collect::<Vec<_>>(),
            [B + 2, B + 1, B]
        );
        assert_eq!(PaneLines::All.count_between(&store, B + 1, u64::MAX), 2);
        assert_eq!(
            PaneLines::Source(SourceId(0)).count_between(&store, B, u64::MAX),
            1
        );
        assert_eq!(
            PaneLines::Source(SourceId(0)).count_between(&store, B, B + 1),
            0
        );
    }
}
