//! When a stream's first burst ends: the old lines a command (`kubectl logs --tail=100`,
//! `ssh host tail -n 100 -F`) or stdin delivers at once when it starts, which are braided by time
//! into the history like a file's, instead of landing as one block.
//!
//! The burst ends at the first pause of [`GAP`] after data came, or [`GRACE`] after the start
//! however the stream behaves (one that says nothing, or streams without a pause, must not hold
//! the start up for long), or when the stream ends.

use std::time::{Duration, Instant};

/// A pause this long after data ends the burst: the old lines come in one go.
pub const GAP: Duration = Duration::from_millis(100);
/// The burst ends this long after the start at the latest: commands take a few hundred
/// milliseconds to connect (`kubectl`, `ssh`), and the start waits for them that long at most.
pub const GRACE: Duration = Duration::from_secs(2);

/// A stream's first burst, as far as it went; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct Burst {
    started: Instant,
    last_data: Option<Instant>,
}

impl Burst {
    /// A burst of a stream started at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            started: now,
            last_data: None,
        }
    }

    /// Data came at `now`.
    pub fn data(&mut self, now: Instant) {
        self.last_data = Some(now);
    }

    /// When the burst is over if nothing more comes.
    pub fn deadline(&self) -> Instant {
        let grace = self.started + GRACE;
        self.last_data.map_or(grace, |t| (t + GAP).min(grace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_at_the_first_pause_or_the_grace() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        assert_eq!(b.deadline(), t0 + GRACE);
        b.data(t0 + Duration::from_millis(300));
        assert_eq!(b.deadline(), t0 + Duration::from_millis(300) + GAP);
        // Data without a pause: the grace still ends it.
        b.data(t0 + Duration::from_millis(1990));
        assert_eq!(b.deadline(), t0 + GRACE);
    }
}
