//! When a stream's first burst ends: the old lines a command (`kubectl logs --tail=100`,
//! `ssh host tail -n 100 -F`) or stdin delivers at once when it starts, which are braided by time
//! into the history like a file's, instead of landing as one block.
//!
//! The burst ends at the first pause of [`GAP`] after data came, or [`GRACE`] after it began
//! however the stream behaves (one that streams without a pause must not hold anything up for
//! long), or when the stream ends. The start of the run waits for a burst at most [`GRACE`]: a
//! stream that says nothing that long releases the start, and its first output, whenever it
//! comes, is still a burst (braided into the history by time, not placed by arrival).

use std::time::{Duration, Instant};

/// A pause this long after data ends the burst: the old lines come in one go.
pub const GAP: Duration = Duration::from_millis(100);
/// The burst ends this long after it began at the latest: commands take a few hundred
/// milliseconds to connect (`kubectl`, `ssh`), and the start waits for them that long at most.
pub const GRACE: Duration = Duration::from_secs(2);

/// A stream's first burst, as far as it went; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct Burst {
    started: Instant,
    /// When the burst's first and latest data came.
    data: Option<(Instant, Instant)>,
    /// The start of the run no longer waits for this burst.
    released: bool,
}

/// What is due at [`Burst::next`]'s instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing came within the grace: the start of the run goes on without this stream.
    Release,
    /// The burst is over.
    End,
}

impl Burst {
    /// A burst of a stream started at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            started: now,
            data: None,
            released: false,
        }
    }

    /// Data came at `now`.
    pub fn data(&mut self, now: Instant) {
        let first = self.data.map_or(now, |(first, _)| first);
        self.data = Some((first, now));
    }

    /// The start no longer waits for this burst.
    pub fn release(&mut self) {
        self.released = true;
    }

    /// True once the start no longer waits for this burst.
    pub fn released(&self) -> bool {
        self.released
    }

    /// What is due next if nothing more comes, and when; `None`: nothing until data comes.
    pub fn next(&self) -> Option<(Instant, Due)> {
        let grace = self.started + GRACE;
        match self.data {
            None if self.released => None,
            None => Some((grace, Due::Release)),
            Some((first, last)) => {
                // A burst that began after the grace has a grace of its own.
                let began = if first <= grace { self.started } else { first };
                Some(((last + GAP).min(began + GRACE), Due::End))
            }
        }
    }
}

/// Sleeps until `deadline` (a `select!` arm guarded by `deadline.is_some()`).
pub async fn sleep_until(deadline: Option<Instant>) {
    if let Some(at) = deadline {
        tokio::time::sleep_until(at.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ends_at_the_first_pause_or_the_grace() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        assert_eq!(b.next(), Some((t0 + GRACE, Due::Release)));
        b.data(t0 + ms(300));
        assert_eq!(b.next(), Some((t0 + ms(300) + GAP, Due::End)));
        // Data without a pause: the grace still ends it.
        b.data(t0 + ms(1990));
        assert_eq!(b.next(), Some((t0 + GRACE, Due::End)));
    }

    #[test]
    fn a_stream_silent_through_the_grace_still_has_a_burst_later() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.release();
        assert_eq!(b.next(), None, "nothing is due until data comes");
        b.data(t0 + ms(5000));
        assert_eq!(b.next(), Some((t0 + ms(5000) + GAP, Due::End)));
        b.data(t0 + ms(6990));
        assert_eq!(b.next(), Some((t0 + ms(7000), Due::End)), "its own grace");
    }
}
