//! Big files' histories braided by time: each indexer hands its file's lines over newest first,
//! in parts, with their instants; the braid puts them below the store's lines in one order —
//! the newest line of any file first, as far down as every file has handed over — so that the
//! merged pane shows the files interleaved, as it does small files, and `g` reaches the oldest
//! line of any of them.
//!
//! A file's own order is never changed: only the heads of the files' pending lines are compared
//! (a file whose stamps go back in time stays in its order, braided as well as its heads allow).
//! A line is placed only once every file whose history is still coming has a pending line to
//! compare it with, and once every source has said whether its history comes this way.

use std::collections::VecDeque;
use std::fs::File;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Store;
use super::chunk::CHUNK_LINES;
use crate::batch::FileLines;
use crate::source::big_file::History;
use crate::source_id::SourceId;
use crate::timestamp::moment::TimeRange;

/// One file's lines handed over and not placed yet.
#[derive(Debug, Default)]
struct Pending {
    /// Parts, newest first, with their lines' instants and continuation flags; of the front
    /// one, its first `left` lines are not placed yet.
    parts: VecDeque<(FileLines, Vec<i64>, Vec<bool>)>,
    left: usize,
    /// The last part came.
    done: bool,
    /// Cancelled when the store takes no more lines: the indexer then only counts.
    stop: Option<CancellationToken>,
}

impl Pending {
    /// The newest line not placed: its instant.
    fn head(&self) -> Option<i64> {
        let (_, instants, _) = self.parts.front()?;
        instants.get(self.left.checked_sub(1)?).copied()
    }

    /// Takes the newest line not placed: (file, its start, its `\n`'s offset, its instant,
    /// whether it continues a record).
    fn pop(&mut self) -> Option<(Arc<File>, u64, u64, i64, bool)> {
        let (lines, instants, continued) = self.parts.front()?;
        let i = self.left.checked_sub(1)?;
        let instant = instants[i];
        let cont = continued.get(i).copied().unwrap_or(false);
        let end = lines.base + u64::from(lines.ends[i]);
        let start = match i {
            0 => lines.base,
            _ => lines.base + u64::from(lines.ends[i - 1]) + 1,
        };
        let file = Arc::clone(&lines.file);
        self.left = i;
        if self.left == 0 {
            self.parts.pop_front();
            self.left = self.parts.front().map_or(0, |(l, _, _)| l.len());
        }
        Some((file, start, end, instant, cont))
    }
}

/// The histories being braided; see the module docs.
#[derive(Debug, Default)]
pub struct Braid {
    pending: Vec<Pending>,
    /// Lines outside it are dropped as they are placed (`--since`, `--until`).
    range: TimeRange,
}

impl Braid {
    /// A braid keeping the lines in `range`.
    pub fn new(range: TimeRange) -> Self {
        Self {
            pending: Vec::new(),
            range,
        }
    }

    /// Takes a part of `id`'s history (parts come newest first).
    pub fn part(&mut self, id: SourceId, part: History) {
        if self.pending.len() <= id.index() {
            self.pending.resize_with(id.index() + 1, Pending::default);
        }
        let pending = &mut self.pending[id.index()];
        pending.done |= part.last;
        pending.stop = Some(part.stop);
        let n = part.lines.len();
        if n == 0 || part.instants.len() != n {
            return;
        }
        if pending.parts.is_empty() {
            pending.left = n;
        }
        pending
            .parts
            .push_back((part.lines, part.instants, part.continued));
    }

    /// Places in `store`, below its lines, every line that can be placed now. `coming`: the
    /// sources whose history comes this way, all of them once `settled`. False when the store
    /// took no more (it is full): the indexers are then told to only count.
    pub fn place(&mut self, store: &mut Store, coming: &[SourceId], settled: bool) -> bool {
        if !settled {
            return true;
        }
        let waits = |pending: &[Pending], s: &SourceId| {
            pending
                .get(s.index())
                .is_none_or(|p| p.head().is_none() && !p.done)
        };
        let mut files: Vec<(SourceId, Arc<File>)> = Vec::new();
        // Newest first; reversed into the chunk's order.
        let mut placed: Vec<(u8, u64, u64, bool)> = Vec::new();
        let mut taken = true;
        loop {
            if coming.iter().any(|s| waits(&self.pending, s)) {
                break;
            }
            let newest = coming
                .iter()
                .filter_map(|s| Some((*s, self.pending.get(s.index())?.head()?)))
                // Equal instants: the later source is placed first (it is below), so that in the
                // pane the earlier source's line comes first, as in the live braid.
                .max_by_key(|&(s, t)| (t, s.0));
            let Some((source, _)) = newest else {
                break;
            };
            let Some((file, start, end, instant, cont)) = self.pending[source.index()].pop() else {
                break;
            };
            if !self.range.contains(instant) {
                continue;
            }
            // A file of its own per source and file: a log's generations beside its live file.
            let f = files
                .iter()
                .position(|(s, f)| *s == source && Arc::ptr_eq(f, &file))
                .unwrap_or_else(|| {
                    files.push((source, file));
                    files.len() - 1
                });
            placed.push((u8::try_from(f).unwrap_or(u8::MAX), start, end, cont));
            if placed.len() == CHUNK_LINES || files.len() == usize::from(u8::MAX) {
                taken &= flush(store, &mut files, &mut placed);
            }
        }
        taken &= flush(store, &mut files, &mut placed);
        if !taken {
            for pending in &mut self.pending {
                if let Some(stop) = &pending.stop {
                    stop.cancel();
                }
                pending.parts.clear();
                pending.left = 0;
            }
        }
        taken
    }
}

/// Prepends the lines `placed` (newest first) as one chunk; false when the store refused them.
fn flush(
    store: &mut Store,
    files: &mut Vec<(SourceId, Arc<File>)>,
    placed: &mut Vec<(u8, u64, u64, bool)>,
) -> bool {
    if placed.is_empty() {
        return true;
    }
    placed.reverse();
    let taken = store.prepend_braided(files, placed);
    files.clear();
    placed.clear();
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::file_with;

    /// A file of lines `name i` whose `i`th line is at `times[i]`, handed over in parts of
    /// `part` lines, newest first, as the indexer does.
    fn parts(name: &str, times: &[i64], part: usize) -> Vec<History> {
        let mut text = Vec::new();
        let mut ends = Vec::new();
        for i in 0..times.len() {
            text.extend_from_slice(format!("{name} {i}").as_bytes());
            ends.push(u32::try_from(text.len()).expect("small"));
            text.push(b'\n');
        }
        let file = file_with(&text);
        let n = times.len();
        let mut out = Vec::new();
        let mut hi = n;
        while hi > 0 {
            let lo = hi.saturating_sub(part);
            let base = if lo == 0 {
                0
            } else {
                u64::from(ends[lo - 1]) + 1
            };
            out.push(History {
                lines: FileLines {
                    file: Arc::clone(&file),
                    base,
                    ends: ends[lo..hi]
                        .iter()
                        .map(|&e| u32::try_from(u64::from(e) - base).expect("small"))
                        .collect(),
                },
                instants: times[lo..hi].to_vec(),
                continued: vec![false; hi - lo],
                skipped: 0,
                done: 0,
                total: 0,
                last: lo == 0,
                stop: CancellationToken::new(),
            });
            hi = lo;
        }
        out
    }

    fn texts(store: &Store) -> Vec<String> {
        (store.first_seq()..store.next_seq())
            .filter_map(|seq| store.line(seq))
            .map(|l| String::from_utf8_lossy(&l.text).into_owned())
            .collect()
    }

    #[test]
    fn two_histories_are_braided_by_time_each_in_its_own_order() {
        // a: even seconds; b: odd seconds, but its line 2 goes back in time (stays in place).
        let a: Vec<i64> = (0..6).map(|i| i * 2).collect();
        let b = [1, 3, 0, 7, 9, 11];
        let coming = [SourceId(0), SourceId(1)];
        let mut store = Store::new(usize::MAX);
        let mut braid = Braid::default();
        let (mut pa, mut pb) = (parts("a", &a, 2), parts("b", &b, 4));
        // Parts come in any interleaving; nothing is placed before the start has settled, nor
        // while a coming history has nothing pending.
        braid.part(SourceId(0), pa.remove(0));
        assert!(braid.place(&mut store, &coming, false));
        assert!(braid.place(&mut store, &coming, true));
        assert!(store.is_empty(), "b's history is still to come");
        for part in pb.drain(..) {
            braid.part(SourceId(1), part);
            braid.place(&mut store, &coming, true);
        }
        for part in pa.drain(..) {
            braid.part(SourceId(0), part);
            braid.place(&mut store, &coming, true);
        }
        assert_eq!(
            texts(&store),
            [
                "a 0", "b 0", "b 1", "b 2", "a 1", "a 2", "a 3", "b 3", "a 4", "b 4", "a 5", "b 5"
            ]
        );
        // Each file's own order, whatever its stamps.
        let of = |name: &str| -> Vec<String> {
            texts(&store)
                .into_iter()
                .filter(|t| t.starts_with(name))
                .collect()
        };
        assert_eq!(of("b"), ["b 0", "b 1", "b 2", "b 3", "b 4", "b 5"]);
        assert_eq!(
            store.line(store.first_seq()).map(|l| l.source),
            Some(SourceId(0))
        );
    }

    /// `--since`/`--until` hold for a big file's history too: it is not stamped by the source
    /// but here, and both ends are included.
    #[test]
    fn lines_outside_the_time_range_are_left_out() {
        let mut store = Store::new(usize::MAX);
        let mut braid = Braid::new(TimeRange {
            since: Some(2),
            until: Some(8),
        });
        for part in parts("a", &[0, 2, 4, 6, 8, 10], 4) {
            braid.part(SourceId(0), part);
        }
        braid.place(&mut store, &[SourceId(0)], true);
        assert_eq!(texts(&store), ["a 1", "a 2", "a 3", "a 4"]);
    }

    #[test]
    fn a_full_store_refuses_and_stops_the_indexers() {
        let mut store = Store::new(64);
        let mut braid = Braid::default();
        let part = parts("a", &[1, 2, 3], 3).remove(0);
        let stop = part.stop.clone();
        braid.part(SourceId(0), part);
        assert!(!braid.place(&mut store, &[SourceId(0)], true));
        assert!(stop.is_cancelled());
        assert!(store.is_empty());
    }
}
