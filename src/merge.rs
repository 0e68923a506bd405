//! The timestamp merge of several sources' backlogs (lines that already exist at start, and all
//! of `--no-follow`).
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
    /// Sources that are neither finished nor have a line waiting: the merge must wait for them.
    blocked: usize,
    /// Batches fully handed out, kept for their buffers ([`take_spent`](Self::take_spent)).
    spent: Vec<StampedBatch>,
}

impl Merger {
    /// A merge of sources `0..sources`; each must eventually be [`finish`](Self::finish)ed.
    pub fn new(sources: usize) -> Self {
        Self {
            queues: (0..sources).map(|_| Queue::default()).collect(),
            heap: BinaryHeap::new(),
            blocked: sources,
            spent: Vec::new(),
        }
    }

    /// Queues lines of `source` (in the source's order).
    pub fn push(&mut self, source: SourceId, batch: StampedBatch) {
        let s = source.index();
        let Some(queue) = self.queues.get_mut(s) else {
            return;
        };
        if batch.lines.is_empty() || queue.done {
            return;
        }
        let was_empty = queue.batches.is_empty();
        queue.batches.push_back(batch);
        if was_empty {
            self.blocked -= 1;
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
        while self.blocked == 0 {
            let Some(Reverse((_, s))) = self.heap.pop() else {
                return;
            };
            // Lines strictly before the next source's head, ties broken by source index.
            let bound = self.heap.peek().map(|Reverse(key)| *key);
            let queue = &mut self.queues[s];
            loop {
                let batch = &queue.batches[0];
                let start = queue.pos;
                let mut end = start;
                // Runs are short when sources interleave: a linear scan beats a binary search.
                while end < batch.instants.len()
                    && bound.is_none_or(|b| (batch.instants[end], s) < b)
                {
                    end += 1;
                }
                if end > start {
                    let id = SourceId::from_index(s);
                    emit(id, &batch.lines, start..end);
                }
                if end < batch.lines.len() {
                    queue.pos = end;
                    break;
                }
                self.spent.extend(queue.batches.pop_front());
                queue.pos = 0;
                match queue.head() {
                    Some(t) if bound.is_none_or(|b| (t, s) < b) => {}
                    _ => break,
                }
            }
            match queue.head() {
                Some(t) => self.heap.push(Reverse((t, s))),
                None if !queue.done => self.blocked += 1,
                None => {}
            }
        }
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
