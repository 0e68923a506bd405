//! Lines per second per source, from the store's append counters sampled as frames are built.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::source_id::SourceId;
use crate::store::Store;

/// The window rates are averaged over.
const WINDOW: Duration = Duration::from_secs(2);
/// Samples closer than this are not kept.
const STEP: Duration = Duration::from_millis(200);

/// Recent samples of every source's append counter.
#[derive(Debug, Default)]
pub struct Rates {
    samples: VecDeque<(Instant, Vec<u64>)>,
}

impl Rates {
    /// Records the counters now (at most every 200 ms), forgetting samples older than the window.
    pub fn sample(&mut self, now: Instant, store: &Store, sources: usize) {
        if self
            .samples
            .back()
            .is_some_and(|(t, _)| now.duration_since(*t) < STEP)
        {
            return;
        }
        let counts = (0..sources)
            .map(|s| store.source_appended(SourceId::from_index(s)))
            .collect();
        self.samples.push_back((now, counts));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > WINDOW)
        {
            self.samples.pop_front();
        }
    }

    /// Forgets the samples: lines loaded from history are not an arrival rate.
    pub fn reset(&mut self) {
        self.samples.clear();
    }

    /// Lines per second of source `s` over the window.
    pub fn rate(&self, s: usize) -> f64 {
        let (Some((t0, first)), Some((t1, last))) = (self.samples.front(), self.samples.back())
        else {
            return 0.0;
        };
        let dt = t1.duration_since(*t0).as_secs_f64();
        let n = last
            .get(s)
            .copied()
            .unwrap_or(0)
            .saturating_sub(first.get(s).copied().unwrap_or(0));
        #[allow(clippy::cast_precision_loss)]
        if dt > 0.1 { n as f64 / dt } else { 0.0 }
    }

    /// True while some rate is not zero yet (frames are still needed to let it fall).
    pub fn active(&self) -> bool {
        match (self.samples.front(), self.samples.back()) {
            (Some((_, first)), Some((_, last))) => first != last,
            _ => false,
        }
    }
}
