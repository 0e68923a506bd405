//! The timestamp merge of several sources' lines: their backlogs (lines that already exist at
//! start, and all of `--no-follow`), and live lines within the merge window.
//!
//! A k-way merge, not a sort: it only ever takes the next line of some source, so each source's
//! order is kept by construction, whatever its timestamps do. Ties go to the source named first
//! on the command line. It is *streaming*: it hands out lines as soon as every source that is
//! not finished has a line waiting, so merging and writing overlap with reading. It hands out
//! *runs* — consecutive lines of one source that all come before every other source's next line —
//! so the printer writes a run with one call.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Range;

use crate::batch::{LineBatch, StampedBatch};
use crate::source_id::SourceId;

/// One source's pending lines.
#[derive(Debug, Default)]
struct Queue {
    batches: VecDeque<StampedBatch>,
    /// Next line of the front batch.
    pos: usize,
    /// No more lines will come.
    done: bool,
}

impl Queue {
    fn head(&self) -> Option<i64> {
        self.batches.front().map(|b| b.instants[self.pos])
    }
}

/// A streaming k-way merge by instant; see the module docs.
#[derive(Debug, Default)]
pub struct Merger {
    queues: Vec<Queue>,
    /// Sources with a line waiting, keyed by (instant of that line, source).
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    /// Sources that are neither finished nor have a line waiting: the merge must wait for them
    /// (backlog merges only: a live merge is drained up to a bound instead).
    blocked: usize,
    /// A live merge ([`Merger::live`]): sources are never waited for, and new ones may appear.
    live: bool,
    /// Lines waiting, all sources together.
    waiting: usize,
    /// Batches fully handed out, kept for their buffers ([`take_spent`](Self::take_spent)).
    spent: Vec<StampedBatch>,
}

/// A line waiting in a merge, as [`Merger::waiting_in_order`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting<'a> {
    /// Its source.
    pub source: SourceId,
    /// Its instant.
    pub instant: i64,
    /// Its bytes, without the newline.
    pub text: &'a [u8],
}

impl Merger {
    /// A merge of sources `0..sources`; each must eventually be [`finish`](Self::finish)ed.
    pub fn new(sources: usize) -> Self {
        Self {
            queues: (0..sources).map(|_| Queue::default()).collect(),
            heap: BinaryHeap::new(),
            blocked: sources,
            live: false,
            waiting: 0,
            spent: Vec::new(),
        }
    }

    /// A merge of live lines: drained up to a bound ([`drain_until`](Self::drain_until)), never
    /// waiting for a source; any source may push.
    pub fn live() -> Self {
        Self {
            live: true,
            ..Self::default()
        }
    }

    /// Lines waiting, all sources together.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// True when `source` has lines waiting.
    pub fn has_waiting(&self, source: SourceId) -> bool {
        self.queues
            .get(source.index())
            .is_some_and(|q| !q.batches.is_empty())
    }

    /// Queues lines of `source` (in the source's order).
    pub fn push(&mut self, source: SourceId, batch: StampedBatch) {
        let s = source.index();
        if self.live && self.queues.len() <= s {
            self.queues.resize_with(s + 1, Queue::default);
        }
        let Some(queue) = self.queues.get_mut(s) else {
            return;
        };
        if batch.lines.is_empty() || queue.done {
            return;
        }
        let was_empty = queue.batches.is_empty();
        self.waiting += batch.lines.len();
        queue.batches.push_back(batch);
        if was_empty {
            if !self.live {
                self.blocked -= 1;
            }
            self.heap
                .push(Reverse((self.queues[s].batches[0].instants[0], s)));
        }
    }

    /// Marks `source` as finished: no more lines will come from it.
    pub fn finish(&mut self, source: SourceId) {
        if let Some(queue) = self.queues.get_mut(source.index())
            && !queue.done
        {
            queue.done = true;
            if queue.batches.is_empty() {
                self.blocked -= 1;
            }
        }
    }

    /// True when [`drain`](Self::drain) would hand out at least one line.
    pub fn ready(&self) -> bool {
        self.blocked == 0 && !self.heap.is_empty()
    }

    /// True once every source is finished and every line handed out.
    pub fn complete(&self) -> bool {
        self.blocked == 0 && self.heap.is_empty()
    }

    /// Hands out runs, in merged order, for as long as no unfinished source is waited for.
    pub fn drain<F>(&mut self, mut emit: F)
    where
        F: FnMut(SourceId, &LineBatch, Range<usize>),
    {
        self.drain_bounded((i64::MAX, usize::MAX), usize::MAX, |id, batch, range| {
            emit(id, &batch.lines, range);
        });
    }

    /// Hands out runs, in merged order, as [`drain`](Self::drain) does, with their instants.
    pub fn drain_stamped<F>(&mut self, emit: F)
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>),
    {
        self.drain_bounded((i64::MAX, usize::MAX), usize::MAX, emit);
    }

    /// Hands out one run, the first in merged order, of the waiting lines whose (instant,
    /// source) is below `bound` (and that no earlier line of their source holds back), with
    /// their instants: a step of a live merge's release, after which the bound may change. Each
    /// source's order is kept whatever its instants do: a line at or above the bound holds back
    /// the lines after it. False when nothing could go out.
    pub fn drain_run<F>(&mut self, bound: (i64, usize), emit: F) -> bool
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>),
    {
        debug_assert!(self.live, "only a live merge is drained up to a bound");
        self.drain_bounded(bound, 1, emit) > 0
    }

    /// The (instant, source) of the line that would go out first, if any is waiting.
    pub fn head(&self) -> Option<(i64, usize)> {
        self.heap.peek().map(|Reverse(key)| *key)
    }

    /// Hands out up to `runs` runs of lines below `bound`; returns how many went out.
    fn drain_bounded<F>(&mut self, bound: (i64, usize), runs: usize, mut emit: F) -> usize
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>),
    {
        let mut done = 0;
        while (self.live || self.blocked == 0) && done < runs {
            let Some(Reverse(head)) = self.heap.pop() else {
                break;
            };
            if head >= bound {
                self.heap.push(Reverse(head));
                break;
            }
            let s = head.1;
            done += 1;
            // Lines strictly before the next source's head (ties broken by source index) and
            // below the bound: one comparison a line.
            let limit = self
                .heap
                .peek()
                .map_or(bound, |Reverse(next)| bound.min(*next));
            let fits = |t: i64| (t, s) < limit;
            let queue = &mut self.queues[s];
            loop {
                let batch = &queue.batches[0];
                let start = queue.pos;
                let mut end = start;
                // Runs are short when sources interleave: a linear scan beats a binary search.
                while end < batch.instants.len() && fits(batch.instants[end]) {
                    end += 1;
                }
                if end > start {
                    self.waiting -= end - start;
                    emit(SourceId::from_index(s), batch, start..end);
                }
                if end < batch.lines.len() {
                    queue.pos = end;
                    break;
                }
                self.spent.extend(queue.batches.pop_front());
                queue.pos = 0;
                match queue.head() {
                    Some(t) if fits(t) => {}
                    _ => break,
                }
            }
            match queue.head() {
                Some(t) => self.heap.push(Reverse((t, s))),
                None if !queue.done && !self.live => self.blocked += 1,
                None => {}
            }
        }
        done
    }

    /// Every waiting line, in the order a full drain would hand them out (for showing lines
    /// that are not released yet).
    pub fn waiting_in_order(&self) -> Vec<Waiting<'_>> {
        let mut pos: Vec<(usize, usize)> = self.queues.iter().map(|q| (0, q.pos)).collect();
        let mut heap: BinaryHeap<Reverse<(i64, usize)>> = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(s, q)| q.head().map(|t| Reverse((t, s))))
            .collect();
        let mut out = Vec::with_capacity(self.waiting);
        while let Some(Reverse((instant, s))) = heap.pop() {
            let queue = &self.queues[s];
            let (b, i) = pos[s];
            let batch = &queue.batches[b];
            out.push(Waiting {
                source: SourceId::from_index(s),
                instant,
                text: batch.lines.line(i),
            });
            let next = if i + 1 < batch.lines.len() {
                Some((b, i + 1))
            } else if b + 1 < queue.batches.len() {
                Some((b + 1, 0))
            } else {
                None
            };
            if let Some((nb, ni)) = next {
                pos[s] = (nb, ni);
                heap.push(Reverse((queue.batches[nb].instants[ni], s)));
            }
        }
        out
    }
}

impl Merger {
    /// The batches whose lines have all been handed out since the last call.
    pub fn take_spent(&mut self) -> Vec<StampedBatch> {
        std::mem::take(&mut self.spent)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Merges complete backlogs (one per source, in source order) in one go.
    fn merge<F>(backlogs: Vec<Vec<StampedBatch>>, emit: F)
    where
        F: FnMut(SourceId, &LineBatch, Range<usize>),
    {
        let mut merger = Merger::new(backlogs.len());
        for (s, batches) in backlogs.into_iter().enumerate() {
            let id = SourceId::from_index(s);
            for batch in batches {
                merger.push(id, batch);
            }
            merger.finish(id);
        }
        merger.drain(emit);
    }

    fn stamped(lines: &[(i64, &str)]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(lines.iter().map(|(_, l)| l)),
            instants: lines.iter().map(|(t, _)| *t).collect(),
            continued: Vec::new(),
        }
    }

    fn merged(backlogs: &[Vec<StampedBatch>]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        merge(backlogs.to_vec(), |s, batch, range| {
            for i in range {
                out.push((
                    s.index(),
                    String::from_utf8_lossy(batch.line(i)).into_owned(),
                ));
            }
        });
        out
    }

    #[test]
    fn interleaves_by_instant_and_breaks_ties_by_source() {
        let a = vec![
            stamped(&[(1, "a1"), (3, "a3"), (3, "a3 trace")]),
            stamped(&[(5, "a5")]),
        ];
        let b = vec![stamped(&[(2, "b2"), (3, "b3"), (9, "b9")])];
        let got: Vec<String> = merged(&[a, b]).into_iter().map(|(_, l)| l).collect();
        assert_eq!(got, ["a1", "b2", "a3", "a3 trace", "b3", "a5", "b9"]);
    }

    #[test]
    fn runs_are_as_long_as_possible() {
        let a = vec![stamped(&[(1, "a"), (2, "b"), (3, "c")])];
        let b = vec![stamped(&[(10, "z")])];
        let mut runs = Vec::new();
        merge(vec![a, b], |s, _, r| runs.push((s.index(), r)));
        assert_eq!(runs, vec![(0, 0..3), (1, 0..1)]);
    }

    /// Fed in pieces, with finishes interleaved, the streaming merge gives what the one-shot
    /// merge gives.
    #[test]
    fn streaming_equals_one_shot() {
        let a = vec![stamped(&[(1, "a1"), (4, "a4")]), stamped(&[(6, "a6")])];
        let b = vec![stamped(&[(2, "b2")]), stamped(&[(3, "b3"), (9, "b9")])];
        let want = merged(&[a.clone(), b.clone()]);
        let mut m = Merger::new(2);
        let mut got = Vec::new();
        let mut take = |m: &mut Merger| {
            m.drain(|s, batch, range| {
                for i in range {
                    got.push((
                        s.index(),
                        String::from_utf8_lossy(batch.line(i)).into_owned(),
                    ));
                }
            });
        };
        m.push(SourceId(0), a[0].clone());
        take(&mut m);
        m.push(SourceId(1), b[0].clone());
        take(&mut m);
        m.push(SourceId(0), a[1].clone());
        m.finish(SourceId(0));
        take(&mut m);
        m.push(SourceId(1), b[1].clone());
        m.finish(SourceId(1));
        take(&mut m);
        assert!(m.complete());
        assert_eq!(got, want);
    }

    proptest! {
        /// The merge outputs every line once, keeps each source's order, and is stable: equal
        /// keys keep source order, and non-decreasing inputs give non-decreasing output.
        #[test]
        fn stable_and_order_keeping(
            sources in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0i64..20, 0..8), 0..4), 0..12)
        ) {
            let backlogs: Vec<Vec<StampedBatch>> = sources.iter().enumerate().map(|(s, batches)| {
                let mut n = 0;
                batches.iter().map(|ts| StampedBatch {
                    lines: LineBatch::from_lines(ts.iter().map(|_| { n += 1; format!("{s}:{n}") })),
                    instants: ts.clone(),
                    continued: Vec::new(),
                }).collect()
            }).collect();
            let out = merged(&backlogs);
            let total: usize = sources.iter().flatten().map(Vec::len).sum();
            prop_assert_eq!(out.len(), total);
            for s in 0..sources.len() {
                let seen: Vec<&String> = out.iter().filter(|(o, _)| *o == s).map(|(_, l)| l).collect();
                let want: Vec<String> = (1..=seen.len()).map(|n| format!("{s}:{n}")).collect();
                prop_assert_eq!(seen.iter().map(|l| l.as_str()).collect::<Vec<_>>(), want.iter().map(String::as_str).collect::<Vec<_>>());
            }
            let sorted_inputs = sources.iter().all(|b| b.concat().windows(2).all(|w| w[0] <= w[1]));
            if sorted_inputs {
                let keys: Vec<(i64, usize)> = {
                    let mut idx = vec![0usize; sources.len()];
                    let flat: Vec<Vec<i64>> = sources.iter().map(|b| b.concat()).collect();
                    out.iter().map(|(s, _)| { let t = flat[*s][idx[*s]]; idx[*s] += 1; (t, *s) }).collect()
                };
                prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
            }
        }
    }
}
