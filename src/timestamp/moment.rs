//! A moment as a user writes it — `14:05`, `14:05:30.250`, `2024-05-01T14:05`,
//! `2024-05-01 14:05:30`, `-5m`, `-2h` — for `:goto` and for `--since`/`--until`. What a time of
//! day or a span back is measured from is the caller's to decide.

use super::Clock;

/// A moment, as a user writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// An instant (nanoseconds since the epoch).
    At(i64),
    /// A time of day (nanoseconds since midnight, local), on a date the caller decides
    /// (`:goto`: the cursor line's; `--since`: today's).
    TimeOfDay(i64),
    /// This long (nanoseconds) before a moment the caller decides (`:goto`: the newest line;
    /// `--since`: now).
    Before(i64),
}

/// `14:05`, `14:05:30.250`, `2024-05-01T14:05`, `2024-05-01 14:05:30`, `-5m`, `-2h`, `-30s`.
pub fn parse(arg: &str, clock: &Clock) -> Result<Moment, String> {
    const SEC: i64 = 1_000_000_000;
    let bad = || format!("`{arg}` is not a moment: try 14:05, 2024-05-01T14:05 or -5m");
    if let Some(ago) = arg.strip_prefix('-') {
        let (number, unit) = ago.split_at(ago.len().saturating_sub(1));
        let n: i64 = number.parse().map_err(|_| bad())?;
        let unit = match unit {
            "s" => SEC,
            "m" => 60 * SEC,
            "h" => 3600 * SEC,
            "d" => 86_400 * SEC,
            _ => return Err(bad()),
        };
        return n.checked_mul(unit).map(Moment::Before).ok_or_else(bad);
    }
    if arg.len() >= 10 && arg.as_bytes()[4] == b'-' {
        // Complete a date and minutes with seconds, so the ISO reader takes it.
        let mut text = arg.replacen(' ', "T", 1);
        if text.len() == 16 {
            text.push_str(":00");
        }
        return super::parse::iso(text.as_bytes(), clock)
            .map(Moment::At)
            .ok_or_else(bad);
    }
    let mut parts = arg.split(':');
    let hours: i64 = parts.next().and_then(|h| h.parse().ok()).ok_or_else(bad)?;
    let minutes: i64 = parts.next().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
    let seconds: f64 = match parts.next() {
        Some(s) => s.parse().map_err(|_| bad())?,
        None => 0.0,
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || !(0.0..60.0).contains(&seconds) {
        return Err(bad());
    }
    #[allow(clippy::cast_possible_truncation)] // below 60 s in nanoseconds
    let nanos = (seconds * 1e9).round() as i64;
    Ok(Moment::TimeOfDay(
        (hours * 3600 + minutes * 60) * SEC + nanos,
    ))
}
/// The instants lines are kept in (`--since`, `--until`): both ends included; a line without an
/// instant of its own or its record's is outside any bounded range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// The first instant kept (nanoseconds since the epoch).
    pub since: Option<i64>,
    /// The last instant kept.
    pub until: Option<i64>,
}

impl TimeRange {
    /// True when it keeps everything.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// True when `instant` is kept.
    pub fn contains(&self, instant: i64) -> bool {
        if self.is_all() {
            return true;
        }
        instant != super::UNKNOWN
            && self.since.is_none_or(|s| instant >= s)
            && self.until.is_none_or(|u| instant <= u)
    }
}

impl Moment {
    /// The instant this moment is on the command line: a time of day today (local), a span
    /// before `now` (nanoseconds since the epoch).
    pub fn resolve(self, now: i64, clock: &Clock) -> i64 {
        const DAY: i64 = 86_400_000_000_000;
        match self {
            Moment::At(t) => t,
            Moment::Before(d) => now.saturating_sub(d),
            Moment::TimeOfDay(tod) => {
                let offset = clock.local_offset_secs * 1_000_000_000;
                (now + offset).div_euclid(DAY) * DAY - offset + tod
            }
        }
    }
}
