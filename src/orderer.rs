//! The orderer: the one place that decides in which order lines leave the engine.
//!
//! Pure (no tokio, no I/O; time comes in as arguments): sources' reports go in through one
//! method each, [`Orderer::pop`] says what can be handed out now. Two phases. In the *backlog*
//! phase the lines every source started at launch already had — what a file holds, a stream's
//! first burst ([`crate::source::burst`]) — go into a streaming timestamp merge ([`Merger`]).
//! Once every backlog is merged, lines that arrive while following are braided by time within
//! the merge window ([`live`]: the rule, in full). A backlog that comes later — a file a glob
//! found, a stream that was silent through the start's grace, or, for a consumer that keeps a
//! history ([`Orderer::slot_later`]), any stream's first burst — is handed out at once as far as
//! it is older than what went out before, marked [`Placement::Slot`]: such a consumer slots it
//! into its history by time, others place it by arrival. Whenever lines can be handed out, `pop`
//! returns [`EngineEvent::Ready`] and the consumer takes them with [`Orderer::drain`]. Statuses
//! and new sources pass in arrival order (after the backlog phase); notices and parts of big
//! files' histories are handed out at once, whatever the phase.

pub mod live;

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use self::live::Live;
use crate::batch::{LineBatch, StampedBatch};
use crate::engine::EngineEvent;
use crate::merge::{Merger, Waiting};
use crate::source::SourceStatus;
use crate::source::big_file::History;
use crate::source_id::SourceId;

/// Where lines handed out go relative to the lines handed out before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// After them: in time order.
    InOrder,
    /// After them, though this much behind the newest of them: too late to be placed by time.
    Late(Duration),
    /// Old lines of a backlog that came after the start (all behind what went out before, in
    /// their source's order): slotted into the history by time by a consumer that keeps one,
    /// placed by arrival by others.
    Slot,
}

/// The ordering state; see the module docs.
#[derive(Debug)]
pub struct Orderer {
    /// `Some` during the backlog phase: the merge of the backlogs of the sources given at start.
    merger: Option<Merger>,
    /// Per source: its backlog goes into the merger (until it is done).
    merging: Vec<bool>,
    /// Backlogs that came after the start (or that the start does not wait for), in arrival
    /// order, to be handed out as soon as the backlog phase is over.
    later: VecDeque<(SourceId, StampedBatch)>,
    /// Live lines, braided within the window (they wait here during the backlog phase too).
    live: Live,
    /// Statuses and new sources, in arrival order (held during the backlog phase).
    held: VecDeque<EngineEvent>,
    /// Notices, handed over at once whatever the phase.
    notices: VecDeque<String>,
    /// Parts of big files' histories, likewise.
    history: VecDeque<(SourceId, History)>,
    /// Batches whose lines were all handed out, kept for their buffers.
    spent: Vec<LineBatch>,
    /// Say [`EngineEvent::Waiting`] when live lines start waiting (the TUI shows them at once).
    tell_waiting: bool,
    /// Lines came in to wait since the last [`EngineEvent::Waiting`].
    waiting_news: bool,
    opened_any: bool,
}

impl Orderer {
    /// An orderer for the `sources` started at launch, each sending a backlog first (ended by
    /// [`backlog_done`](Self::backlog_done)); live lines are held at most `window`. With
    /// `tell_waiting`, [`pop`](Self::pop) says when live lines start waiting.
    pub fn new(sources: usize, window: Duration, tell_waiting: bool) -> Self {
        let mut live = Live::new(window);
        for id in SourceId::all(sources) {
            live.add_source(id);
        }
        Self {
            merger: Some(Merger::new(sources)),
            merging: vec![true; sources],
            later: VecDeque::new(),
            live,
            held: VecDeque::new(),
            notices: VecDeque::new(),
            history: VecDeque::new(),
            spent: Vec::new(),
            tell_waiting,
            waiting_news: false,
            opened_any: false,
        }
    }

    /// The start does not wait for `id`'s backlog (a stream's first burst): it is slotted into
    /// the history whenever it comes, like a backlog that comes after the start.
    pub fn slot_later(&mut self, id: SourceId) {
        self.backlog_done(id);
    }

    /// Backlog lines of `id`, stamped.
    pub fn backlog(&mut self, id: SourceId, lines: StampedBatch) {
        // The last line's instant, not the largest: a watermark a little low only holds
        // others back a little longer, and this runs for every batch of every backlog.
        if let Some(&newest) = lines.instants.last() {
            self.live.seen(id, newest);
        }
        match self.merger.as_mut() {
            Some(merger) if self.merging.get(id.index()).copied().unwrap_or(false) => {
                merger.push(id, lines);
            }
            _ if lines.lines.is_empty() => {}
            _ => self.later.push_back((id, lines)),
        }
    }

    /// `id` has sent all its backlog (or the start no longer waits for the rest).
    pub fn backlog_done(&mut self, id: SourceId) {
        if let Some(merging) = self.merging.get_mut(id.index()) {
            *merging = false;
        }
        if let Some(merger) = self.merger.as_mut() {
            merger.finish(id);
        }
    }

    /// Every source stopped (a signal, or all ended): merge what was read, and hand out every
    /// live line without waiting.
    pub fn finish(&mut self, sources: usize) {
        if let Some(merger) = self.merger.as_mut() {
            for id in SourceId::all(sources) {
                merger.finish(id);
            }
        }
        self.live.finish();
    }

    /// Live lines of `id`, in its order, stamped, arrived at `now`.
    pub fn lines(&mut self, id: SourceId, lines: StampedBatch, now: Instant) {
        if !lines.lines.is_empty() {
            self.waiting_news = true;
        }
        self.live.push(id, lines, now);
    }

    /// `id`'s status changed.
    pub fn status(&mut self, id: SourceId, status: SourceStatus) {
        self.opened_any |= status.opened();
        if matches!(status, SourceStatus::Exited(_) | SourceStatus::Ended) {
            self.live.end(id);
        }
        self.held.push_back(EngineEvent::Status { id, status });
    }

    /// A notice for the user.
    pub fn notice(&mut self, text: String) {
        self.notices.push_back(text);
    }

    /// A part of a big file's history.
    pub fn history(&mut self, id: SourceId, part: History) {
        self.history.push_back((id, part));
    }

    /// A source was started after launch (a file a glob found).
    pub fn added(&mut self, id: SourceId) {
        self.live.add_source(id);
        self.held.push_back(EngineEvent::Added(id));
    }

    /// True once any source was opened (a file read, a command started, stdin read).
    pub fn opened_any(&self) -> bool {
        self.opened_any
    }

    /// True when [`pop`](Self::pop) would return something at `now` (`wall`: the wall clock
    /// then, nanoseconds since the epoch).
    pub fn has_pending(&mut self, now: Instant, wall: i64) -> bool {
        if !self.notices.is_empty() || !self.history.is_empty() {
            return true;
        }
        match &self.merger {
            Some(merger) if merger.ready() => return true,
            Some(merger) if !merger.complete() => return false,
            _ => {}
        }
        !self.held.is_empty()
            || !self.later.is_empty()
            || (self.tell_waiting && self.waiting_news && self.live.waiting() > 0)
            || self.live.ready(now, wall)
    }

    /// True while a backlog is still being merged.
    pub fn in_backlog(&self) -> bool {
        self.merger.is_some()
    }

    /// When held live lines must go out if nothing else happens.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.merger.is_some() {
            return None;
        }
        self.live.next_deadline()
    }

    /// What can be handed out at `now`, if anything (`wall`: the wall clock then).
    pub fn pop(&mut self, now: Instant, wall: i64) -> Option<EngineEvent> {
        if let Some(text) = self.notices.pop_front() {
            return Some(EngineEvent::Notice(text));
        }
        if let Some((id, part)) = self.history.pop_front() {
            return Some(EngineEvent::History { id, part });
        }
        match &self.merger {
            Some(merger) if merger.ready() => return Some(EngineEvent::Ready),
            Some(merger) if merger.complete() => self.merger = None,
            Some(_) => return None,
            None => {}
        }
        if let Some(event) = self.held.pop_front() {
            return Some(event);
        }
        if !self.later.is_empty() || self.live.ready(now, wall) {
            return Some(EngineEvent::Ready);
        }
        // Only lines still waiting are news: lines handed out at once are drawn anyway, and an
        // extra frame after them would only delay the next one.
        if self.tell_waiting && std::mem::take(&mut self.waiting_news) && self.live.waiting() > 0 {
            self.live.shown();
            return Some(EngineEvent::Waiting);
        }
        None
    }

    /// Hands out the lines that can go out at `now`, in braid order (after
    /// [`EngineEvent::Ready`]): `emit(source, lines, range, placement)`. True unless every line
    /// handed out was shown while waiting (after an [`EngineEvent::Waiting`]): then the screen
    /// does not change.
    pub fn drain<F>(&mut self, now: Instant, wall: i64, mut emit: F) -> bool
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>, Placement),
    {
        if let Some(merger) = self.merger.as_mut() {
            let mut newest = crate::timestamp::UNKNOWN;
            merger.drain_stamped(|id, batch, range| {
                // The run's last instant, not its largest (the hot path): a frontier a little
                // low only marks fewer lines late.
                if let Some(&t) = batch.instants[range.clone()].last() {
                    newest = newest.max(t);
                }
                emit(id, batch, range, Placement::InOrder);
            });
            // A live line older than the backlog handed out is late too.
            self.live.handed_out(newest);
            self.spent
                .extend(merger.take_spent().into_iter().map(|b| b.lines));
            return true;
        }
        let slotted = self.hand_out_later(now, &mut emit);
        let unseen = self.live.drain(now, wall, emit);
        self.spent
            .extend(self.live.take_spent().into_iter().map(|b| b.lines));
        slotted || unseen
    }

    /// Backlogs that came after the start: the lines older than what went out before (up to the
    /// first that is not) go out at once, to be slotted in; the rest is braided like live lines.
    fn hand_out_later<F>(&mut self, now: Instant, emit: &mut F) -> bool
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>, Placement),
    {
        let mut any = false;
        while let Some((id, batch)) = self.later.pop_front() {
            let n = batch.lines.len();
            let old = batch
                .instants
                .iter()
                .position(|&t| !self.live.is_late(t))
                .unwrap_or(n);
            if old > 0 {
                emit(id, &batch, 0..old, Placement::Slot);
                any = true;
            }
            if old < n {
                self.waiting_news = true;
                let rest = if old == 0 {
                    batch
                } else {
                    let rest = StampedBatch {
                        lines: LineBatch::from_lines((old..n).map(|i| batch.lines.line(i))),
                        instants: batch.instants[old..].to_vec(),
                        continued: (old..n).map(|i| batch.is_continued(i)).collect(),
                    };
                    self.spent.push(batch.lines);
                    rest
                };
                self.live.push(id, rest, now);
            } else {
                self.spent.push(batch.lines);
            }
        }
        any
    }

    /// Live lines not handed out yet, in the order they would go out now.
    pub fn waiting(&self) -> Vec<Waiting<'_>> {
        self.live.waiting_in_order()
    }

    /// Batches fully handed out since the last call, for their buffers.
    pub fn take_spent(&mut self) -> Vec<LineBatch> {
        std::mem::take(&mut self.spent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One step of a scenario: a report going in, or a look at what comes out.
    enum Step {
        Backlog(u16, &'static [(i64, &'static str)]),
        Done(u16),
        Live(u16, &'static [(i64, &'static str)]),
        Notice(&'static str),
        /// Time passes (milliseconds).
        Wait(u64),
        /// What comes out now, in order (`source:line`, `slot:source:line`, `notice:…`,
        /// `status:…`).
        Out(&'static [&'static str]),
        /// The start does not wait for this source's backlog.
        SlotLater(u16),
        Added(u16),
    }

    /// Instants of the scenarios are milliseconds after this wall clock.
    const WALL: i64 = 1_700_000_000_000_000_000;

    fn stamped(lines: &[(i64, &str)]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(lines.iter().map(|(_, l)| l)),
            instants: lines.iter().map(|(t, _)| WALL + t * 1_000_000).collect(),
            continued: Vec::new(),
        }
    }

    fn drain(o: &mut Orderer, now: Instant, wall: i64) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(event) = o.pop(now, wall) {
            match event {
                EngineEvent::Ready => {
                    o.drain(now, wall, |id, batch, range, placement| {
                        let mark = if placement == Placement::Slot {
                            "slot:"
                        } else {
                            ""
                        };
                        for i in range {
                            out.push(format!(
                                "{mark}{}:{}",
                                id.0,
                                String::from_utf8_lossy(batch.lines.line(i))
                            ));
                        }
                    });
                }
                EngineEvent::Notice(text) => out.push(format!("notice:{text}")),
                EngineEvent::Status { id, status } => out.push(format!("status:{}:{status}", id.0)),
                EngineEvent::Added(id) => out.push(format!("added:{}", id.0)),
                EngineEvent::History { id, .. } => out.push(format!("history:{}", id.0)),
                EngineEvent::Waiting => out.push("waiting".into()),
            }
        }
        out
    }

    fn run(sources: usize, steps: &[Step]) {
        let mut o = Orderer::new(sources, Duration::from_millis(100), false);
        let t0 = Instant::now();
        let mut ms = 0u64;
        for (n, step) in steps.iter().enumerate() {
            let now = t0 + Duration::from_millis(ms);
            let wall = WALL + i64::try_from(ms).expect("small") * 1_000_000;
            match step {
                Step::Backlog(s, lines) => o.backlog(SourceId(*s), stamped(lines)),
                Step::Done(s) => o.backlog_done(SourceId(*s)),
                Step::Live(s, lines) => o.lines(SourceId(*s), stamped(lines), now),
                Step::Notice(text) => o.notice((*text).to_owned()),
                Step::SlotLater(s) => o.slot_later(SourceId(*s)),
                Step::Added(s) => o.added(SourceId(*s)),
                Step::Wait(d) => ms += d,
                Step::Out(want) => {
                    assert_eq!(
                        o.has_pending(now, wall),
                        !want.is_empty(),
                        "step {n}: pending"
                    );
                    assert_eq!(drain(&mut o, now, wall), *want, "step {n}");
                }
            }
        }
    }

    #[test]
    fn backlogs_are_merged_by_time_before_live_lines() {
        use Step::*;
        run(
            2,
            &[
                Backlog(0, &[(1, "a1"), (5, "a5")]),
                // Source 1 has sent nothing yet: nothing can be handed out.
                Out(&[]),
                Live(0, &[(200, "a-live")]),
                Backlog(1, &[(2, "b2"), (6, "b6")]),
                // a5 comes before b6, the next line of the only other source.
                Out(&["0:a1", "1:b2", "0:a5"]),
                Done(0),
                Out(&["1:b6"]),
                // Held live lines go out once every backlog is merged, within the window.
                Done(1),
                Out(&[]),
                Wait(100),
                Out(&["0:a-live"]),
            ],
        );
    }

    /// A command's first burst (its backlog) braids with a file's history by time, and its
    /// later lines with the other's live lines.
    #[test]
    fn bursts_braid_with_histories_and_live_lines_with_each_other() {
        use Step::*;
        run(
            2,
            &[
                Backlog(0, &[(1, "file1"), (3, "file3")]),
                Done(0),
                Backlog(1, &[(2, "cmd2"), (4, "cmd4")]),
                Done(1),
                Out(&["0:file1", "1:cmd2", "0:file3", "1:cmd4"]),
                Live(1, &[(20, "cmd20")]),
                Live(0, &[(10, "file10"), (30, "file30")]),
                Out(&["0:file10", "1:cmd20"]),
                Wait(100),
                Out(&["0:file30"]),
            ],
        );
    }

    /// A stream silent through the start's grace, then its first burst: the old part goes out
    /// at once to be slotted in, the part newer than what went out is braided as live lines.
    #[test]
    fn a_backlog_after_the_start_is_slotted_in_as_far_as_it_is_old() {
        use Step::*;
        run(
            2,
            &[
                Backlog(0, &[(10, "file10"), (30, "file30")]),
                Done(0),
                Done(1),
                Out(&["0:file10", "0:file30"]),
                Backlog(1, &[(5, "cmd5"), (20, "cmd20"), (40, "cmd40")]),
                Live(0, &[(50, "file50")]),
                Out(&["slot:1:cmd5", "slot:1:cmd20", "1:cmd40"]),
                Wait(100),
                Out(&["0:file50"]),
            ],
        );
    }

    /// A file a glob found while following: its content is a backlog that came later.
    #[test]
    fn a_file_found_later_is_slotted_in() {
        use Step::*;
        run(
            1,
            &[
                Backlog(0, &[(10, "a10"), (30, "a30")]),
                Done(0),
                Out(&["0:a10", "0:a30"]),
                Added(1),
                Backlog(1, &[(20, "b20")]),
                Done(1),
                Out(&["added:1", "slot:1:b20"]),
            ],
        );
    }

    /// The TUI does not wait for streams at start: their bursts come in as they come.
    #[test]
    fn a_stream_the_start_does_not_wait_for() {
        use Step::*;
        run(
            2,
            &[
                SlotLater(1),
                Backlog(0, &[(10, "file10"), (30, "file30")]),
                Done(0),
                Out(&["0:file10", "0:file30"]),
                Backlog(1, &[(20, "cmd20")]),
                Out(&["slot:1:cmd20"]),
            ],
        );
    }

    #[test]
    fn equal_stamps_are_all_kept_in_source_order() {
        use Step::*;
        run(
            2,
            &[
                Backlog(1, &[(3, "b1"), (3, "b2")]),
                Backlog(0, &[(3, "a1"), (3, "a2"), (3, "a3")]),
                Done(0),
                Done(1),
                Out(&["0:a1", "0:a2", "0:a3", "1:b1", "1:b2"]),
            ],
        );
    }

    #[test]
    fn notices_go_out_at_once_even_while_the_merge_waits() {
        use Step::*;
        run(
            1,
            &[
                Notice("polling"),
                Out(&["notice:polling"]),
                Backlog(0, &[(1, "a1")]),
                Done(0),
                Out(&["0:a1"]),
            ],
        );
    }

    #[test]
    fn a_stopped_run_merges_what_was_read_and_hands_out_everything() {
        let mut o = Orderer::new(2, Duration::from_millis(100), false);
        let now = Instant::now();
        o.backlog(SourceId(1), stamped(&[(2, "b2")]));
        o.backlog(SourceId(0), stamped(&[(1, "a1")]));
        assert_eq!(drain(&mut o, now, WALL), ["0:a1"]);
        o.finish(2);
        o.lines(SourceId(0), stamped(&[(5, "a5")]), now);
        assert_eq!(drain(&mut o, now, WALL), ["1:b2", "0:a5"]);
        assert!(!o.in_backlog());
    }

    #[test]
    fn the_tui_hears_of_waiting_lines_at_once() {
        let mut o = Orderer::new(2, Duration::from_millis(100), true);
        let now = Instant::now();
        o.backlog_done(SourceId(0));
        o.backlog_done(SourceId(1));
        assert_eq!(drain(&mut o, now, WALL), Vec::<String>::new());
        // Source 1 may still send an older line: a5 waits, and the TUI is told.
        o.lines(SourceId(0), stamped(&[(5, "a5")]), now);
        assert_eq!(drain(&mut o, now, WALL), ["waiting"]);
        assert_eq!(o.waiting().len(), 1);
        let deadline = now + Duration::from_millis(100);
        assert_eq!(o.next_deadline(), Some(deadline));
        // Handed out once its hold ends: it was shown while waiting, the screen does not change.
        let later = WALL + 100_000_000;
        assert_eq!(
            o.pop(deadline, later)
                .map(|e| matches!(e, EngineEvent::Ready)),
            Some(true)
        );
        assert!(!o.drain(deadline, later, |_, _, _, _| {}));
        // A line handed out at once was never shown: it changes the screen.
        o.lines(SourceId(1), stamped(&[(1, "b1")]), deadline);
        assert!(o.drain(deadline, later, |_, _, _, _| {}));
    }
}
