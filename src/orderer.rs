//! The orderer: the one place that decides in which order lines leave the engine.
//!
//! Pure (no tokio, no I/O): sources' reports go in through one method each, [`Orderer::pop`]
//! says what can be handed out now. Two phases: in the *backlog* phase the lines each source
//! already held go into a streaming timestamp merge ([`Merger`]); whenever it can hand lines out,
//! `pop` returns [`EngineEvent::BacklogReady`] and the consumer takes them with
//! [`Orderer::drain_backlog`]. Live reports that arrive meanwhile wait. Once every backlog is
//! merged, live reports pass in arrival order. Notices and parts of big files' histories are
//! handed out at once, whatever the phase.

use std::collections::VecDeque;
use std::ops::Range;

use crate::batch::{LineBatch, StampedBatch};
use crate::engine::EngineEvent;
use crate::merge::Merger;
use crate::source::SourceStatus;
use crate::source::big_file::History;
use crate::source_id::SourceId;

/// The ordering state; see the module docs.
#[derive(Debug)]
pub struct Orderer {
    /// `Some` during the backlog phase: the merge of the backlogs of the sources given at start.
    merger: Option<Merger>,
    /// Live events that arrived during the backlog phase, or not yet handed out.
    held: VecDeque<EngineEvent>,
    /// Notices, handed over at once whatever the phase.
    notices: VecDeque<String>,
    /// Parts of big files' histories, likewise.
    history: VecDeque<(SourceId, History)>,
    /// Batches whose lines were all handed out, kept for their buffers.
    spent: Vec<LineBatch>,
    opened_any: bool,
}

impl Orderer {
    /// An orderer for the sources started at launch: `backlogs[i]` says whether source `i`
    /// sends a backlog (and ends it with [`backlog_done`](Self::backlog_done)).
    pub fn new(backlogs: &[bool]) -> Self {
        let mut merger = Merger::new(backlogs.len());
        for (id, _) in SourceId::all(backlogs.len())
            .zip(backlogs)
            .filter(|(_, backlog)| !**backlog)
        {
            merger.finish(id);
        }
        Self {
            merger: Some(merger),
            held: VecDeque::new(),
            notices: VecDeque::new(),
            history: VecDeque::new(),
            spent: Vec::new(),
            opened_any: false,
        }
    }

    /// Backlog lines of `id`, stamped. After the backlog phase (a source started later has
    /// none) they are live lines.
    pub fn backlog(&mut self, id: SourceId, lines: StampedBatch) {
        match self.merger.as_mut() {
            Some(merger) => merger.push(id, lines),
            None => self.held.push_back(EngineEvent::Lines {
                id,
                lines: lines.lines,
            }),
        }
    }

    /// `id` has sent all its backlog.
    pub fn backlog_done(&mut self, id: SourceId) {
        if let Some(merger) = self.merger.as_mut() {
            merger.finish(id);
        }
    }

    /// Every source stopped before finishing its backlog (a signal): merge what was read.
    pub fn end_backlogs(&mut self, sources: usize) {
        if let Some(merger) = self.merger.as_mut() {
            for id in SourceId::all(sources) {
                merger.finish(id);
            }
        }
    }

    /// Live lines of `id`, in its order.
    pub fn lines(&mut self, id: SourceId, lines: LineBatch) {
        self.held.push_back(EngineEvent::Lines { id, lines });
    }

    /// `id`'s status changed.
    pub fn status(&mut self, id: SourceId, status: SourceStatus) {
        self.opened_any |= status.opened();
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
        self.held.push_back(EngineEvent::Added(id));
    }

    /// True once any source was opened (a file read, a command started, stdin read).
    pub fn opened_any(&self) -> bool {
        self.opened_any
    }

    /// True when [`pop`](Self::pop) would return something.
    pub fn has_pending(&self) -> bool {
        !self.notices.is_empty()
            || !self.history.is_empty()
            || match &self.merger {
                Some(merger) => merger.ready() || (merger.complete() && !self.held.is_empty()),
                None => !self.held.is_empty(),
            }
    }

    /// True while a backlog is still being merged.
    pub fn in_backlog(&self) -> bool {
        self.merger.is_some()
    }

    /// What can be handed out now, if anything.
    pub fn pop(&mut self) -> Option<EngineEvent> {
        if let Some(text) = self.notices.pop_front() {
            return Some(EngineEvent::Notice(text));
        }
        if let Some((id, part)) = self.history.pop_front() {
            return Some(EngineEvent::History { id, part });
        }
        match &self.merger {
            Some(merger) if merger.ready() => return Some(EngineEvent::BacklogReady),
            Some(merger) if merger.complete() => self.merger = None,
            Some(_) => return None,
            None => {}
        }
        self.held.pop_front()
    }

    /// Hands out the backlog lines that can be merged now, in merged order (after
    /// [`EngineEvent::BacklogReady`]).
    pub fn drain_backlog<F>(&mut self, emit: F)
    where
        F: FnMut(SourceId, &LineBatch, Range<usize>),
    {
        if let Some(merger) = self.merger.as_mut() {
            merger.drain(emit);
            self.spent
                .extend(merger.take_spent().into_iter().map(|b| b.lines));
        }
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
        Live(u16, &'static [&'static str]),
        Notice(&'static str),
        /// What comes out now, in order (`source:line`, `notice:…`, `status:…`).
        Out(&'static [&'static str]),
    }

    fn stamped(lines: &[(i64, &str)]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(lines.iter().map(|(_, l)| l)),
            instants: lines.iter().map(|(t, _)| *t).collect(),
        }
    }

    fn drain(o: &mut Orderer) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(event) = o.pop() {
            match event {
                EngineEvent::BacklogReady => o.drain_backlog(|id, batch, range| {
                    for i in range {
                        out.push(format!(
                            "{}:{}",
                            id.0,
                            String::from_utf8_lossy(batch.line(i))
                        ));
                    }
                }),
                EngineEvent::Lines { id, lines } => out.extend(
                    lines
                        .iter()
                        .map(|l| format!("{}:{}", id.0, String::from_utf8_lossy(l))),
                ),
                EngineEvent::Notice(text) => out.push(format!("notice:{text}")),
                EngineEvent::Status { id, status } => out.push(format!("status:{}:{status}", id.0)),
                EngineEvent::Added(id) => out.push(format!("added:{}", id.0)),
                EngineEvent::History { id, .. } => out.push(format!("history:{}", id.0)),
            }
        }
        out
    }

    fn run(backlogs: &[bool], steps: &[Step]) {
        let mut o = Orderer::new(backlogs);
        for (n, step) in steps.iter().enumerate() {
            match step {
                Step::Backlog(s, lines) => o.backlog(SourceId(*s), stamped(lines)),
                Step::Done(s) => o.backlog_done(SourceId(*s)),
                Step::Live(s, lines) => o.lines(SourceId(*s), LineBatch::from_lines(*lines)),
                Step::Notice(text) => o.notice((*text).to_owned()),
                Step::Out(want) => {
                    assert_eq!(o.has_pending(), !want.is_empty(), "step {n}: pending");
                    assert_eq!(drain(&mut o), *want, "step {n}");
                }
            }
        }
    }

    #[test]
    fn backlogs_are_merged_by_time_before_live_lines() {
        use Step::*;
        run(
            &[true, true],
            &[
                Backlog(0, &[(1, "a1"), (5, "a5")]),
                // Source 1 has sent nothing yet: nothing can be handed out.
                Out(&[]),
                Live(0, &["a-live"]),
                Backlog(1, &[(2, "b2"), (6, "b6")]),
                // a5 comes before b6, the next line of the only other source.
                Out(&["0:a1", "1:b2", "0:a5"]),
                Done(0),
                Out(&["1:b6"]),
                // Held live lines go out once every backlog is merged.
                Done(1),
                Out(&["0:a-live"]),
                Live(1, &["b-live"]),
                Out(&["1:b-live"]),
            ],
        );
    }

    #[test]
    fn equal_stamps_are_all_kept_in_source_order() {
        use Step::*;
        run(
            &[true, true],
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
    fn sources_without_backlog_do_not_hold_the_merge() {
        use Step::*;
        run(
            &[true, false],
            &[
                Live(1, &["cmd"]),
                Backlog(0, &[(1, "a1")]),
                Out(&["0:a1"]),
                Done(0),
                Out(&["1:cmd"]),
            ],
        );
    }

    #[test]
    fn notices_go_out_at_once_even_while_the_merge_waits() {
        use Step::*;
        run(
            &[true],
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
    fn a_stopped_run_merges_what_was_read() {
        let mut o = Orderer::new(&[true, true]);
        o.backlog(SourceId(1), stamped(&[(2, "b2")]));
        o.backlog(SourceId(0), stamped(&[(1, "a1")]));
        assert_eq!(drain(&mut o), ["0:a1"]);
        o.end_backlogs(2);
        assert_eq!(drain(&mut o), ["1:b2"]);
        assert!(!o.in_backlog());
    }
}
