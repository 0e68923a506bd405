//! The timestamp merge of several sources' backlogs (lines that already exist at start, and all
//! of `--no-follow`).
//!
//! A k-way merge, not a sort: it only ever takes the next line of some source, so each source's
//! order is kept by construction, whatever its timestamps do. Ties go to the source named first
//! on the command line. It hands out *runs* — consecutive lines of one source that all come
//! before every other source's next line — so the printer writes a run with one call.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

use crate::batch::LineBatch;

/// Lines of one source with the instant of each (see [`crate::timestamp::Stamper`]).
#[derive(Debug, Clone, Default)]
pub struct StampedBatch {
    /// The lines.
    pub lines: LineBatch,
    /// `instants[i]` is the instant of line `i`.
    pub instants: Vec<i64>,
}

/// Merges `backlogs` (one per source, in source order) by instant, calling `emit` with each run:
/// the source's index, the batch, and the range of its lines to output next.
pub fn merge<F>(backlogs: &[Vec<StampedBatch>], mut emit: F)
where
    F: FnMut(usize, &LineBatch, Range<usize>),
{
    // Cursor of each source: (batch index, line index in that batch).
    let mut cursors = vec![(0usize, 0usize); backlogs.len()];
    let instant_at = |source: usize, cursor: (usize, usize)| -> Option<i64> {
        let batch = backlogs[source].get(cursor.0)?;
        batch.instants.get(cursor.1).copied()
    };
    let mut heap = BinaryHeap::with_capacity(backlogs.len());
    for (source, backlog) in backlogs.iter().enumerate() {
        // Skip leading empty batches so every cursor in the heap points at a line.
        cursors[source].0 = backlog
            .iter()
            .position(|b| !b.lines.is_empty())
            .unwrap_or(backlog.len());
        if let Some(t) = instant_at(source, cursors[source]) {
            heap.push(Reverse((t, source)));
        }
    }
    while let Some(Reverse((_, source))) = heap.pop() {
        let bound = heap.peek().map(|Reverse(key)| *key);
        let (mut b, mut i) = cursors[source];
        loop {
            let batch = &backlogs[source][b];
            let end = match bound {
                None => batch.lines.len(),
                // Lines strictly before the next source's head, ties broken by source index.
                Some(bound) => i + batch.instants[i..].partition_point(|&t| (t, source) < bound),
            };
            if end > i {
                emit(source, &batch.lines, i..end);
            }
            i = end;
            if i < batch.lines.len() {
                break;
            }
            // The batch is done: move on to the next non-empty one.
            b += 1;
            i = 0;
            while backlogs[source].get(b).is_some_and(|b| b.lines.is_empty()) {
                b += 1;
            }
            match instant_at(source, (b, i)) {
                Some(t) if bound.is_none_or(|bound| (t, source) < bound) => {}
                _ => break,
            }
        }
        cursors[source] = (b, i);
        if let Some(t) = instant_at(source, (b, i)) {
            heap.push(Reverse((t, source)));
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn stamped(lines: &[(i64, &str)]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(lines.iter().map(|(_, l)| l)),
            instants: lines.iter().map(|(t, _)| *t).collect(),
        }
    }

    fn merged(backlogs: &[Vec<StampedBatch>]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        merge(backlogs, |s, batch, range| {
            for i in range {
                out.push((s, String::from_utf8_lossy(batch.line(i)).into_owned()));
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
        merge(&[a, b], |s, _, r| runs.push((s, r)));
        assert_eq!(runs, vec![(0, 0..3), (1, 0..1)]);
    }

    proptest! {
        /// The merge outputs every line once, keeps each source's order, and is stable: equal
        /// keys keep source order, and non-decreasing inputs give non-decreasing output.
        #[test]
        fn stable_and_order_keeping(
            sources in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0i64..20, 0..8), 0..4), 0..5)
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
