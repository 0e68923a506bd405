//! A jump under way — to the next search match, or to the next error — walking from the
//! current line in slices.
//!
//! Most jumps end in the first slice, within the key's own frame. One that has to cross a
//! big history (a 1 GiB file is ten million lines) goes on between events, like a filter
//! rebuild, so keys keep answering; any key but `n`/`N` abandons it.

use regex::bytes::Regex;

use super::index::PaneLines;
use crate::filter::Seen;
use crate::level::{self, Level};
use crate::store::{Slotted, Store};

/// Lines tested per slice (a few milliseconds, from memory or from the page cache).
pub const HUNT_SLICE: usize = 32_768;

/// What a jump looks for.
#[derive(Debug, Clone)]
pub enum Target {
    /// A line matching the search (as typed, and compiled), as the pane shows it.
    Search(String, Regex),
    /// A line of level error (or worse).
    Error,
}

impl Target {
    /// Whether `line` is one.
    fn matches(&self, line: &[u8], seen: Seen<'_>) -> bool {
        match self {
            Target::Search(_, re) => re.is_match(&seen.text(line)),
            Target::Error => level::detect(line).is_some_and(|l| l >= Level::Error),
        }
    }
}

/// A walk towards the next line a [`Target`] names, in one pane.
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The pane.
    pub slot: usize,
    /// Towards older lines (upwards) or newer ones.
    pub older: bool,
    /// What it looks for.
    pub target: Target,
    /// The next line to test is the pane's first at or before (older) / at or after (newer)
    /// this one; `None`: nothing is left.
    next: Option<u64>,
    /// Newer lines are tested up to this one (the pane's last, when the hunt began).
    cap: u64,
}

/// Where a slice left the hunt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The match.
    Found(u64),
    /// No line is left to test.
    Missing,
    /// More lines to test.
    Going,
}

impl Hunt {
    /// A hunt in pane `slot` from line `from` (tested first) towards `older` lines or newer
    /// ones up to `cap`.
    pub fn new(slot: usize, older: bool, target: Target, from: u64, cap: u64) -> Self {
        Self {
            slot,
            older,
            target,
            next: Some(from),
            cap,
        }
    }

    /// Follows the lines it walks through a burst slotted in.
    pub fn renumber(&mut self, slotted: &Slotted) {
        self.next = self.next.map(|seq| slotted.renumber(seq));
        self.cap = slotted.renumber(self.cap);
    }

    /// Tests up to `budget` more of the pane's lines, as the pane shows them (`seen`).
    pub fn step(
        &mut self,
        lines: PaneLines<'_>,
        seen: Seen<'_>,
        store: &Store,
        budget: usize,
    ) -> Step {
        let Some(from) = self.next else {
            return Step::Missing;
        };
        if let PaneLines::All = lines {
            return self.step_all(store, seen, from, budget as u64);
        }
        let walk: Box<dyn Iterator<Item = u64>> = if self.older {
            lines.rev_from(store, from)
        } else {
            Box::new(lines.fwd_from(store, from).take_while(|&s| s <= self.cap))
        };
        for (tested, seq) in walk.enumerate() {
            if tested == budget {
                self.next = Some(seq);
                return Step::Going;
            }
            if store
                .line(seq)
                .is_some_and(|l| self.target.matches(&l.text, seen))
            {
                self.next = None;
                return Step::Found(seq);
            }
        }
        self.next = None;
        Step::Missing
    }

    /// [`step`](Self::step) for a pane of every line: a run of numbers, read a block at a time
    /// ([`Store::visit`]) instead of line by line.
    fn step_all(&mut self, store: &Store, seen: Seen<'_>, from: u64, budget: u64) -> Step {
        let (first, end) = (store.first_seq(), store.next_seq());
        let mut found = None;
        let (range, rest) = if self.older {
            if end == first || from < first {
                self.next = None;
                return Step::Missing;
            }
            let top = from.min(end - 1);
            let low = top.saturating_sub(budget.max(1) - 1).max(first);
            (low..top + 1, (low > first).then(|| low - 1))
        } else {
            let end = end.min(self.cap.saturating_add(1));
            let low = from.max(first);
            let high = low.saturating_add(budget).min(end);
            (low..high, (high < end).then_some(high))
        };
        store.visit(range, |line| {
            // Older: the newest match of the run; newer: its oldest.
            if (self.older || found.is_none()) && self.target.matches(&line.text, seen) {
                found = Some(line.seq);
            }
        });
        self.next = rest.filter(|_| found.is_none());
        match (found, rest) {
            (Some(seq), _) => Step::Found(seq),
            (None, Some(_)) => Step::Going,
            (None, None) => Step::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_id::SourceId;
    use crate::store::FIRST_SEQ;
    use crate::test_support::unstamped;

    #[test]
    fn walks_in_slices_both_ways_and_says_when_nothing_is_left() {
        let mut store = Store::new(usize::MAX);
        let lines: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        store.append(SourceId(0), &unstamped(&lines), 0..100);
        let re = Regex::new("^line 1[05]$").expect("regex");
        let top = FIRST_SEQ + 99;
        let mut hunt = Hunt::new(0, true, Target::Search("x".into(), re.clone()), top, top);
        let steps: Vec<Step> = (0..10)
            .map(|_| hunt.step(PaneLines::All, Seen::Plain, &store, 30))
            .collect();
        // 99..70, 69..40, then 39..15: 15 matches.
        assert_eq!(
            steps[..3],
            [Step::Going, Step::Going, Step::Found(FIRST_SEQ + 15)]
        );
        assert_eq!(steps[3], Step::Missing);
        let mut hunt = Hunt::new(
            0,
            false,
            Target::Search("x".into(), re.clone()),
            FIRST_SEQ + 11,
            top,
        );
        assert_eq!(
            hunt.step(PaneLines::All, Seen::Plain, &store, 1000),
            Step::Found(FIRST_SEQ + 15)
        );
        let mut hunt = Hunt::new(
            0,
            false,
            Target::Search("x".into(), re.clone()),
            FIRST_SEQ + 16,
            top,
        );
        assert_eq!(
            hunt.step(PaneLines::All, Seen::Plain, &store, 1000),
            Step::Missing
        );
        // A source's pane walks its own lines, one by one.
        let source = PaneLines::Source(SourceId(0));
        let mut hunt = Hunt::new(1, true, Target::Search("x".into(), re.clone()), top, top);
        assert_eq!(hunt.step(source, Seen::Plain, &store, 50), Step::Going);
        assert_eq!(
            hunt.step(source, Seen::Plain, &store, 50),
            Step::Found(FIRST_SEQ + 15)
        );
        let mut hunt = Hunt::new(
            1,
            false,
            Target::Search("x".into(), re),
            FIRST_SEQ + 16,
            top,
        );
        assert_eq!(hunt.step(source, Seen::Plain, &store, 1000), Step::Missing);
    }
}
