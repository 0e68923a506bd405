//! The live braid: lines that arrive while following, ordered by time within a hold window.
//!
//! The rule, in full:
//! - Every line has an instant: its own timestamp, the one of the line before it in its source
//!   (a continuation), or — for a source that never had one — its arrival.
//! - A line waits at most the window after its arrival. It goes out earlier once no source can
//!   still send an older one: every other source that has nothing waiting has sent a line at
//!   least as new (its *watermark*), or is quiet enough that anything it sends now would be
//!   older than the window allows (its watermark then follows the clock: now minus the window),
//!   or has ended. So a quiet source holds no one back for longer than the window.
//! - Lines go out in instant order, ties to the source given first; each source's order is kept
//!   whatever its timestamps do. Equal instants are all kept.
//! - A line older than one already handed out is never dropped and never reorders its own
//!   source: it goes out at once, after what went out before (by arrival), marked *late* by the
//!   difference.
//! - A window of zero is pure arrival order.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::Placement;
use crate::batch::StampedBatch;
use crate::merge::{Merger, Waiting};
use crate::source_id::SourceId;
use crate::timestamp::UNKNOWN;

/// The live braid's state; see the module docs.
#[derive(Debug)]
pub struct Live {
    merge: Merger,
    window: Duration,
    /// The window in nanoseconds, for instants.
    window_nanos: i64,
    /// Per source: the newest instant it sent ([`UNKNOWN`] before its first line).
    newest: Vec<i64>,
    /// Per source: it will send no more.
    ended: Vec<bool>,
    /// Per batch waiting, in arrival order: when its hold ends, and its newest instant.
    deadlines: VecDeque<(Instant, i64)>,
    /// The newest instant of a batch whose hold has ended: everything up to it goes out.
    expired: i64,
    /// The newest instant handed out: a line older than it is late.
    frontier: i64,
    /// Every source has ended (or the run is stopping): everything goes out.
    finished: bool,
    /// Per source: lines pushed, lines handed out, and lines pushed before the consumer last
    /// showed the waiting lines ([`Live::shown`]): handing out lines already shown as waiting
    /// changes nothing on screen.
    pushed: Vec<u64>,
    released: Vec<u64>,
    announced: Vec<u64>,
}

impl Live {
    /// A braid holding lines at most `window`.
    pub fn new(window: Duration) -> Self {
        Self {
            merge: Merger::live(),
            window,
            window_nanos: i64::try_from(window.as_nanos()).unwrap_or(i64::MAX),
            newest: Vec::new(),
            ended: Vec::new(),
            deadlines: VecDeque::new(),
            expired: UNKNOWN,
            frontier: UNKNOWN,
            finished: false,
            pushed: Vec::new(),
            released: Vec::new(),
            announced: Vec::new(),
        }
    }

    /// Makes room for source `id` (a source can hold the others back before it sent anything:
    /// it may be about to).
    pub fn add_source(&mut self, id: SourceId) {
        if self.newest.len() <= id.index() {
            let n = id.index() + 1;
            self.newest.resize(n, UNKNOWN);
            self.ended.resize(n, false);
            self.pushed.resize(n, 0);
            self.released.resize(n, 0);
            self.announced.resize(n, 0);
        }
    }

    /// `id` sent a line as new as `instant` (in its backlog): its watermark.
    pub fn seen(&mut self, id: SourceId, instant: i64) {
        self.add_source(id);
        let newest = &mut self.newest[id.index()];
        *newest = (*newest).max(instant);
    }

    /// Lines of `id` that arrived at `now`.
    pub fn push(&mut self, id: SourceId, batch: StampedBatch, now: Instant) {
        let Some(&max) = batch.instants.iter().max() else {
            return;
        };
        self.seen(id, max);
        self.pushed[id.index()] += batch.lines.len() as u64;
        // The command line bounds the window; were the deadline past the clock's range, the
        // line would simply go out at once.
        let deadline = now.checked_add(self.window).unwrap_or(now);
        self.deadlines.push_back((deadline, max));
        self.merge.push(id, batch);
    }

    /// Lines as new as `instant` were handed out before (the backlogs): a live line older than
    /// them is late.
    pub fn handed_out(&mut self, instant: i64) {
        self.frontier = self.frontier.max(instant);
    }

    /// `id` will send no more lines: it holds no one back.
    pub fn end(&mut self, id: SourceId) {
        self.add_source(id);
        self.ended[id.index()] = true;
    }

    /// Everything waiting goes out now, and from now on at once (the run is ending).
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// True when a line stamped `instant` would be late now: behind the newest line handed out.
    pub fn is_late(&self, instant: i64) -> bool {
        is_late(instant, self.frontier)
    }

    /// Lines waiting.
    pub fn waiting(&self) -> usize {
        self.merge.waiting()
    }

    /// The consumer showed every line waiting now.
    pub fn shown(&mut self) {
        self.announced.clone_from(&self.pushed);
    }

    /// When the oldest waiting batch's hold ends.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.merge.waiting() == 0 {
            return None;
        }
        self.deadlines.front().map(|(at, _)| *at)
    }

    /// True when [`drain`](Self::drain) would hand out a line at `now` (`wall`: the wall clock
    /// then, in nanoseconds since the epoch).
    pub fn ready(&mut self, now: Instant, wall: i64) -> bool {
        let bound = self.bound(now, wall);
        self.merge.head().is_some_and(|head| head < bound)
    }

    /// Hands out what may go out at `now`, in braid order: `emit(source, lines, range,
    /// placement)`; a late line goes out alone, with how far it is behind the newest line handed
    /// out before it. True
    /// when some of them were not [`shown`](Self::shown) while waiting.
    pub fn drain<F>(&mut self, now: Instant, wall: i64, mut emit: F) -> bool
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>, Placement),
    {
        let mut unseen = false;
        loop {
            // A source whose last waiting line just went out holds the others back from now on:
            // the bound is taken again after every run.
            let bound = self.bound(now, wall);
            let frontier = &mut self.frontier;
            let (released, announced) = (&mut self.released, &self.announced);
            let went = self.merge.drain_run(bound, |id, batch, range| {
                let s = id.index();
                released[s] += range.len() as u64;
                unseen |= released[s] > announced[s];
                // Lines on time go out as runs; a late line (rare) alone, with how late it is.
                let mut start = range.start;
                while start < range.end {
                    let instant = batch.instants[start];
                    if is_late(instant, *frontier) {
                        emit(
                            id,
                            batch,
                            start..start + 1,
                            Placement::Late(lateness(*frontier, instant)),
                        );
                        start += 1;
                        continue;
                    }
                    let mut end = start;
                    while end < range.end && !is_late(batch.instants[end], *frontier) {
                        *frontier = (*frontier).max(batch.instants[end]);
                        end += 1;
                    }
                    emit(id, batch, start..end, Placement::InOrder);
                    start = end;
                }
            });
            if !went {
                return unseen;
            }
        }
    }

    /// Batches fully handed out, for their buffers.
    pub fn take_spent(&mut self) -> Vec<StampedBatch> {
        self.merge.take_spent()
    }

    /// The lines waiting, in the order they would go out now.
    pub fn waiting_in_order(&self) -> Vec<Waiting<'_>> {
        self.merge.waiting_in_order()
    }

    /// What may go out at `now`: lines whose (instant, source) is below it. A quiet source `r`
    /// with watermark `w` lets lines before `(w, r)` go: an equal instant of a source given
    /// before it must wait, as `r` may still send one (ties go to the source given first).
    fn bound(&mut self, now: Instant, wall: i64) -> (i64, usize) {
        const ALL: (i64, usize) = (i64::MAX, usize::MAX);
        if self.finished || self.window.is_zero() {
            return ALL;
        }
        while let Some(&(at, newest)) = self.deadlines.front() {
            if at > now {
                break;
            }
            self.expired = self.expired.max(newest);
            self.deadlines.pop_front();
        }
        // What a quiet source could still send: lines no older than the window allows.
        let clock = wall.saturating_sub(self.window_nanos);
        let watermark = (0..self.newest.len())
            .filter(|&s| !self.ended[s] && !self.merge.has_waiting(SourceId::from_index(s)))
            .map(|s| (self.newest[s].max(clock), s))
            .min()
            .unwrap_or(ALL);
        // Everything up to the newest instant whose hold has ended goes, whatever its source.
        watermark.max((self.expired, usize::MAX))
    }
}

/// True when a line stamped `instant` is behind the newest line handed out. A stamp of a whole
/// second (syslog, the Common Log Format) stands for the whole second: its line is late only
/// once the braid is past that second, not when a source with milliseconds wrote within it.
fn is_late(instant: i64, frontier: i64) -> bool {
    const SECOND: i64 = 1_000_000_000;
    let tolerance = if instant.rem_euclid(SECOND) == 0 {
        SECOND - 1
    } else {
        0
    };
    instant.saturating_add(tolerance) < frontier
}

/// `frontier - instant` as a duration (instants are nanoseconds).
fn lateness(frontier: i64, instant: i64) -> Duration {
    let nanos = frontier.saturating_sub(instant).max(0);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::LineBatch;

    const MS: i64 = 1_000_000;
    /// The wall clock of the tests: instants are milliseconds after it.
    const WALL: i64 = 1_700_000_000_000 * MS;

    fn batch(lines: &[(i64, &str)]) -> StampedBatch {
        StampedBatch {
            lines: LineBatch::from_lines(lines.iter().map(|(_, l)| l)),
            instants: lines.iter().map(|(t, _)| WALL + t * MS).collect(),
            continued: Vec::new(),
        }
    }

    /// A braid of `sources` sources with a 100 ms window, and a clock.
    struct Scene {
        live: Live,
        t0: Instant,
    }

    impl Scene {
        fn new(sources: u16, window_ms: u64) -> Self {
            let mut live = Live::new(Duration::from_millis(window_ms));
            for s in 0..sources {
                live.add_source(SourceId(s));
            }
            Self {
                live,
                t0: Instant::now(),
            }
        }

        fn at(&self, ms: u64) -> (Instant, i64) {
            let ms_i = i64::try_from(ms).expect("small");
            (self.t0 + Duration::from_millis(ms), WALL + ms_i * MS)
        }

        fn push(&mut self, ms: u64, s: u16, lines: &[(i64, &str)]) {
            let (now, _) = self.at(ms);
            self.live.push(SourceId(s), batch(lines), now);
        }

        /// What goes out at `ms`: `line` or `line (late N ms)`.
        fn out(&mut self, ms: u64) -> Vec<String> {
            let (now, wall) = self.at(ms);
            let mut got = Vec::new();
            self.live.drain(now, wall, |_, batch, range, placement| {
                for i in range {
                    let text = String::from_utf8_lossy(batch.lines.line(i)).into_owned();
                    got.push(match placement {
                        Placement::Late(by) => format!("{text} (late {} ms)", by.as_millis()),
                        _ => text,
                    });
                }
            });
            got
        }
    }

    #[test]
    fn lines_wait_for_a_slower_source_within_the_window() {
        let mut s = Scene::new(2, 100);
        // b's line at 5 ms arrives 30 ms after a's line at 10 ms.
        s.push(10, 0, &[(10, "a10")]);
        assert!(s.out(20).is_empty(), "b may still send an older line");
        s.push(40, 1, &[(5, "b5")]);
        assert_eq!(s.out(40), ["b5"]);
        // a10 now waits for b only until b is quiet for the window (clock-10 ms >= 100 ms).
        assert!(s.out(60).is_empty());
        assert_eq!(s.out(111), ["a10"]);
    }

    #[test]
    fn a_line_goes_out_at_once_when_every_source_has_sent_newer() {
        let mut s = Scene::new(2, 100);
        s.push(1, 0, &[(1, "a1")]);
        s.push(2, 1, &[(2, "b2")]);
        // a has nothing waiting, but has sent nothing newer than 1: b2 waits for it...
        assert_eq!(s.out(2), ["a1"]);
        s.push(3, 0, &[(3, "a3")]);
        // ...until a's watermark passes 2.
        assert_eq!(s.out(3), ["b2"]);
    }

    #[test]
    fn a_quiet_or_ended_source_holds_no_one_back_for_long() {
        let mut s = Scene::new(3, 100);
        s.live.end(SourceId(2));
        s.push(500, 0, &[(500, "a500")]);
        // Source 1 never sent anything: a500 goes out when the window has passed.
        assert!(s.out(550).is_empty());
        assert_eq!(s.out(600), ["a500"]);
    }

    #[test]
    fn equal_instants_are_all_kept_in_source_order() {
        let mut s = Scene::new(2, 100);
        s.push(0, 1, &[(7, "b1"), (7, "b2")]);
        s.push(0, 0, &[(7, "a1"), (7, "a2")]);
        assert_eq!(s.out(200), ["a1", "a2", "b1", "b2"]);
    }

    #[test]
    fn a_line_later_than_the_window_is_placed_by_arrival_and_marked_late() {
        let mut s = Scene::new(2, 100);
        s.push(0, 0, &[(0, "a0"), (20, "a20")]);
        assert_eq!(s.out(150), ["a0", "a20"]);
        // 10 s late, and out of its own source's time order too: never dropped.
        s.push(10_000, 1, &[(5, "b5"), (15, "b15"), (10_000, "b10000")]);
        assert_eq!(s.out(10_000), ["b5 (late 15 ms)", "b15 (late 5 ms)"]);
        // b's line of now waits for a, as any line does.
        assert_eq!(s.out(10_100), ["b10000"]);
    }

    #[test]
    fn a_whole_second_stamp_is_late_only_past_its_second() {
        let mut s = Scene::new(2, 100);
        // Milliseconds 1500 and 1700 go out; then a syslog-like line of second 1 (1000 ms).
        s.push(0, 0, &[(1500, "a1.5"), (1700, "a1.7")]);
        assert_eq!(s.out(2000), ["a1.5", "a1.7"]);
        s.push(2000, 1, &[(1000, "b second 1")]);
        assert_eq!(s.out(2000), ["b second 1"], "within its second: not late");
        s.push(2100, 0, &[(2500, "a2.5")]);
        assert_eq!(s.out(2700), ["a2.5"]);
        s.push(2700, 1, &[(1000, "b second 1 again")]);
        assert_eq!(s.out(2700), ["b second 1 again (late 1500 ms)"]);
    }

    #[test]
    fn a_source_keeps_its_order_whatever_its_timestamps_do() {
        let mut s = Scene::new(2, 100);
        s.push(
            0,
            0,
            &[(50, "a50"), (10, "a10 (clock went back)"), (60, "a60")],
        );
        s.push(0, 1, &[(30, "b30")]);
        assert_eq!(
            s.out(500),
            ["b30", "a50", "a10 (clock went back) (late 40 ms)", "a60"]
        );
    }

    #[test]
    fn a_zero_window_is_arrival_order() {
        let mut s = Scene::new(2, 0);
        s.push(0, 0, &[(50, "a50")]);
        assert_eq!(s.out(0), ["a50"]);
        s.push(1, 1, &[(10, "b10")]);
        assert_eq!(s.out(1), ["b10 (late 40 ms)"]);
    }

    /// Runs a braid over lines `(source, instant ms, arrival ms)` (each source's in its order),
    /// draining at every arrival and every hold's end, as the engine does; returns
    /// `(source, index in source)` in output order.
    fn simulate(window_ms: u64, lines: &[(u16, i64, u64)]) -> Vec<(u16, usize)> {
        let sources = lines.iter().map(|l| l.0 + 1).max().unwrap_or(0);
        let mut s = Scene::new(sources, window_ms);
        let mut arrivals: Vec<(u64, u16, i64, usize)> = Vec::new();
        let mut count = vec![0usize; usize::from(sources)];
        for &(src, instant, arrival) in lines {
            let n = &mut count[usize::from(src)];
            arrivals.push((arrival, src, instant, *n));
            *n += 1;
        }
        arrivals.sort_by_key(|a| (a.0, a.1, a.3));
        let mut times: Vec<u64> = arrivals
            .iter()
            .flat_map(|a| [a.0, a.0 + window_ms])
            .collect();
        times.sort_unstable();
        times.dedup();
        let mut out = Vec::new();
        let mut next = 0;
        let take = |s: &mut Scene, at: u64, out: &mut Vec<(u16, usize)>| {
            let (now, wall) = s.at(at);
            s.live.drain(now, wall, |id, batch, range, _| {
                for i in range {
                    let text = String::from_utf8_lossy(batch.lines.line(i)).into_owned();
                    let index = text.parse().expect("index");
                    out.push((id.0, index));
                }
            });
        };
        for at in times {
            while next < arrivals.len() && arrivals[next].0 <= at {
                let (arrival, src, instant, index) = arrivals[next];
                let text = index.to_string();
                s.push(arrival, src, &[(instant, text.as_str())]);
                next += 1;
            }
            take(&mut s, at, &mut out);
        }
        s.live.finish();
        take(&mut s, 10_000_000, &mut out);
        out
    }

    proptest::proptest! {
        /// When every line arrives within the window after its instant (and each source's
        /// instants do not go back), any arrival interleaving gives the same braid: the stable
        /// merge by instant.
        #[test]
        fn the_braid_does_not_depend_on_arrival_when_the_window_covers_the_skew(
            sources in proptest::collection::vec(
                proptest::collection::vec((0i64..5, 0u64..100), 0..12), 1..5),
        ) {
            let mut lines = Vec::new();
            for (s, seq) in sources.iter().enumerate() {
                let (mut t, mut arrival) = (0i64, 0u64);
                for &(step, delay) in seq {
                    t += step;
                    // Delivered in order, each within 100 ms of its instant.
                    let t_ms = u64::try_from(t).expect("positive");
                    arrival = arrival.max(t_ms + delay);
                    lines.push((u16::try_from(s).expect("few"), t, arrival));
                }
            }
            let got = simulate(150, &lines);
            let mut want: Vec<(i64, u16, usize)> = Vec::new();
            let mut count = vec![0usize; sources.len()];
            for &(src, t, _) in &lines {
                let n = &mut count[usize::from(src)];
                want.push((t, src, *n));
                *n += 1;
            }
            want.sort_unstable();
            let want: Vec<(u16, usize)> = want.into_iter().map(|(_, s, i)| (s, i)).collect();
            proptest::prop_assert_eq!(got, want);
        }

        /// Whatever the instants and delays: every line once, each source in its order.
        #[test]
        fn nothing_is_lost_doubled_or_reordered_within_a_source(
            lines in proptest::collection::vec((0u16..4, 0i64..1000, 0u64..2000), 0..40),
            window in 0u64..300,
        ) {
            // Arrivals in each source's order.
            let mut last = [0u64; 4];
            let lines: Vec<(u16, i64, u64)> = lines.into_iter().map(|(s, t, a)| {
                let slot = &mut last[usize::from(s)];
                *slot = (*slot).max(a);
                (s, t, *slot)
            }).collect();
            let got = simulate(window, &lines);
            proptest::prop_assert_eq!(got.len(), lines.len());
            for s in 0..4u16 {
                let order: Vec<usize> = got.iter().filter(|o| o.0 == s).map(|o| o.1).collect();
                let n = lines.iter().filter(|l| l.0 == s).count();
                proptest::prop_assert_eq!(order, (0..n).collect::<Vec<_>>());
            }
        }
    }
}
