//! Parsers for the timestamp formats found in real logs, one function per format.
//!
//! Each takes the bytes where the timestamp should start and returns nanoseconds since the Unix
//! epoch, or `None`. They read digits at fixed positions instead of using a general date parser:
//! the merge parses every line of every backlog, and this keeps it to a few nanoseconds a line.

use super::Clock;

const NANOS: i64 = 1_000_000_000;

/// `n` ASCII digits at `s[i..i + n]` as a number.
fn num(s: &[u8], i: usize, n: usize) -> Option<u32> {
    let digits = s.get(i..i + n)?;
    digits.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// One or two digits (a space-padded or unpadded day) at `s[i..]`; returns the value and width.
fn num_1_2(s: &[u8], i: usize) -> Option<(u32, usize)> {
    match (s.get(i), s.get(i + 1)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => Some((u32::from(d - b'0'), 2)),
        (Some(a), Some(b)) if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some((u32::from(a - b'0') * 10 + u32::from(b - b'0'), 2))
        }
        (Some(a), _) if a.is_ascii_digit() => Some((u32::from(a - b'0'), 1)),
        _ => None,
    }
}

fn byte_is(s: &[u8], i: usize, set: &[u8]) -> bool {
    s.get(i).is_some_and(|b| set.contains(b))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

thread_local! {
    /// The last date converted: consecutive log lines almost always share it.
    static LAST_DAY: std::cell::Cell<(i64, u32, u32, i64)> = const { std::cell::Cell::new((i64::MIN, 0, 0, 0)) };
}

/// [`days_from_civil`], remembering the last date converted on this thread.
fn days_cached(y: i64, m: u32, d: u32) -> i64 {
    LAST_DAY.with(|last| {
        let (ly, lm, ld, days) = last.get();
        if (ly, lm, ld) == (y, m, d) {
            return days;
        }
        let days = days_from_civil(y, m, d);
        last.set((y, m, d, days));
        days
    })
}

/// A calendar date and time of day as read from a line, before its zone is applied.
#[derive(Debug, Clone, Copy)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
}

impl Civil {
    fn valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour < 24
            && self.min < 60
            && self.sec <= 60
    }

    /// Seconds since the epoch, reading the fields as UTC.
    fn utc_nanos(&self) -> Option<i64> {
        if !self.valid() {
            return None;
        }
        let days = days_cached(self.year, self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.min) * 60
            + i64::from(self.sec);
        Some(secs * NANOS + i64::from(self.nanos))
    }
}

/// A fraction of a second after one of `seps`: nanoseconds and width.
fn fraction(s: &[u8], i: usize, seps: &[u8]) -> (u32, usize) {
    if !byte_is(s, i, seps) {
        return (0, 0);
    }
    let digits = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let mut nanos = 0u32;
    for k in 0..9 {
        let d = if k < digits {
            u32::from(s[i + 1 + k] - b'0')
        } else {
            0
        };
        nanos = nanos * 10 + d;
    }
    (nanos, 1 + digits)
}

/// A zone designator: `Z`, `±HH:MM`, `±HHMM` or `±HH`; its offset in seconds east of UTC.
fn zone(s: &[u8], i: usize) -> Option<i64> {
    match s.get(i)? {
        b'Z' | b'z' => Some(0),
        sign @ (b'+' | b'-') => {
            let hours = num(s, i + 1, 2)?;
            let mins = if s.get(i + 3) == Some(&b':') {
                num(s, i + 4, 2).unwrap_or(0)
            } else {
                num(s, i + 3, 2).unwrap_or(0)
            };
            let secs = i64::from(hours * 3600 + mins * 60);
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

/// Applies an explicit zone, or the local offset when the timestamp carries none.
fn finish(civil: Civil, zone_secs: Option<i64>, clock: &Clock) -> Option<i64> {
    let offset = zone_secs.unwrap_or(clock.local_offset_secs);
    Some(civil.utc_nanos()? - offset * NANOS)
}

/// For formats without a year: this year, or last year if that would put the line in the
/// future (a December log read in January).
fn finish_yearless(mut civil: Civil, clock: &Clock) -> Option<i64> {
    civil.year = clock.year;
    let t = finish(civil, None, clock)?;
    if t > clock.now_nanos + 86_400 * NANOS {
        civil.year -= 1;
        return finish(civil, None, clock);
    }
    Some(t)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month_name(s: &[u8], i: usize) -> Option<u32> {
    let name = s.get(i..i + 3)?;
    let pos = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name))?;
    u32::try_from(pos + 1).ok()
}

/// `HH:MM:SS` at `s[i..]`.
fn hms(s: &[u8], i: usize) -> Option<(u32, u32, u32)> {
    if s.get(i + 2) != Some(&b':') || s.get(i + 5) != Some(&b':') {
        return None;
    }
    Some((num(s, i, 2)?, num(s, i + 3, 2)?, num(s, i + 6, 2)?))
}

/// ISO 8601 / RFC 3339 and the log4j/Python form: `2015-07-29 17:41:44,747`,
/// `2024-01-02T03:04:05.123456Z`, `2024/01/02 03:04:05+02:00`.
pub fn iso(s: &[u8], clock: &Clock) -> Option<i64> {
    let year = num(s, 0, 4)?;
    if !byte_is(s, 4, b"-/") || s.get(7) != s.get(4) || !byte_is(s, 10, b"T _") {
        return None;
    }
    let (hour, min, sec) = hms(s, 11)?;
    let (nanos, width) = fraction(s, 19, b".,");
    let civil = Civil {
        year: i64::from(year),
        month: num(s, 5, 2)?,
        day: num(s, 8, 2)?,
        hour,
        min,
        sec,
        nanos,
    };
    let z = zone(s, 19 + width);
    finish(civil, z, clock)
}

/// Classic syslog: `Jun 14 15:16:01`, `Jul  1 09:00:55` (no year).
pub fn syslog(s: &[u8], clock: &Clock) -> Option<i64> {
    let month = month_name(s, 0)?;
    if s.get(3) != Some(&b' ') {
        return None;
    }
    let (day, w) = num_1_2(s, 4)?;
    let t = 4 + w;
    if s.get(t) != Some(&b' ') {
        return None;
    }
    let (hour, min, sec) = hms(s, t + 1)?;
    let (nanos, _) = fraction(s, t + 9, b".");
    finish_yearless(
        Civil {
            year: 0,
            month,
            day,
            hour,
            min,
            sec,
            nanos,
        },
        clock,
    )
}

/// ctime / Apache error log: `Sun Dec 04 04:47:44 2005`, `Wed Oct 11 14:32:52.123456 2000`.
pub fn ctime(s: &[u8], clock: &Clock) -> Option<i64> {
    if !s.get(..3)?.iter().all(u8::is_ascii_alphabetic) || s.get(3) != Some(&b' ') {
        return None;
    }
    let month = month_name(s, 4)?;
    if s.get(7) != Some(&b' ') {
        return None;
    }
    let (day, w) = num_1_2(s, 8)?;
    let t = 8 + w + 1;
    let (hour, min, sec) = hms(s, t)?;
    let (nanos, fw) = fraction(s, t + 8, b".");
    let y = t + 8 + fw;
    if s.get(y) != Some(&b' ') {
        return None;
    }
    let year = i64::from(num(s, y + 1, 4)?);
    finish(
        Civil {
            year,
            month,
            day,
            hour,
            min,
            sec,
            nanos,
        },
        None,
        clock,
    )
}

/// Common Log Format (Apache/nginx access logs): `10/Oct/2000:13:55:36 -0700`.
pub fn clf(s: &[u8], clock: &Clock) -> Option<i64> {
    if s.get(2) != Some(&b'/') || s.get(6) != Some(&b'/') || s.get(11) != Some(&b':') {
        return None;
    }
    let civil = Civil {
        year: i64::from(num(s, 7, 4)?),
        month: month_name(s, 3)?,
        day: num(s, 0, 2)?,
        hour: num(s, 12, 2)?,
        min: num(s, 15, 2)?,
        sec: num(s, 18, 2)?,
        nanos: 0,
    };
    if s.get(14) != Some(&b':') || s.get(17) != Some(&b':') {
        return None;
    }
    let z = if s.get(20) == Some(&b' ') {
        zone(s, 21)
    } else {
        None
    };
    finish(civil, z, clock)
}

/// Two-digit-year date as Spark writes it: `17/06/09 20:10:40` (yy/mm/dd).
pub fn short_ymd(s: &[u8], clock: &Clock) -> Option<i64> {
    if s.get(2) != Some(&b'/') || s.get(5) != Some(&b'/') || s.get(8) != Some(&b' ') {
        return None;
    }
    let (hour, min, sec) = hms(s, 9)?;
    let (nanos, _) = fraction(s, 17, b".,");
    let civil = Civil {
        year: 2000 + i64::from(num(s, 0, 2)?),
        month: num(s, 3, 2)?,
        day: num(s, 6, 2)?,
        hour,
        min,
        sec,
        nanos,
    };
    finish(civil, None, clock)
}

/// A date without a year: month and day as two digits at `month` and `day`, then
/// `HH:MM:SS` and an optional fraction (after one of `seps`) at `time`.
fn yearless(
    s: &[u8],
    (month, day, time): (usize, usize, usize),
    seps: &[u8],
    clock: &Clock,
) -> Option<i64> {
    let (hour, min, sec) = hms(s, time)?;
    let (nanos, _) = fraction(s, time + 8, seps);
    let civil = Civil {
        year: 0,
        month: num(s, month, 2)?,
        day: num(s, day, 2)?,
        hour,
        min,
        sec,
        nanos,
    };
    finish_yearless(civil, clock)
}

/// Month and day without a year, as Android logcat (`03-17 16:13:38.811`) or Proxifier
/// (`10.30 16:49:06`) write them; `sep` is the date separator.
fn month_day(s: &[u8], sep: u8, clock: &Clock) -> Option<i64> {
    if s.get(2) != Some(&sep) || s.get(5) != Some(&b' ') {
        return None;
    }
    yearless(s, (0, 3, 6), b".,", clock)
}

/// Android logcat: `03-17 16:13:38.811`.
pub fn logcat(s: &[u8], clock: &Clock) -> Option<i64> {
    month_day(s, b'-', clock)
}

/// Proxifier: `10.30 16:49:06`.
pub fn dotted_month_day(s: &[u8], clock: &Clock) -> Option<i64> {
    month_day(s, b'.', clock)
}

/// Compact date and time as HDFS writes it: `081109 203615` (yymmdd HHMMSS).
pub fn compact(s: &[u8], clock: &Clock) -> Option<i64> {
    if s.get(6) != Some(&b' ') || s.get(13).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let civil = Civil {
        year: 2000 + i64::from(num(s, 0, 2)?),
        month: num(s, 2, 2)?,
        day: num(s, 4, 2)?,
        hour: num(s, 7, 2)?,
        min: num(s, 9, 2)?,
        sec: num(s, 11, 2)?,
        nanos: 0,
    };
    finish(civil, None, clock)
}

/// `H:M:S` with unpadded fields (`22:16:0`) at `s[i..]`; returns the fields and the width.
fn hms_unpadded(s: &[u8], i: usize) -> Option<((u32, u32, u32), usize)> {
    let mut at = i;
    let mut field = |last: bool| {
        let (v, w) = num_1_2(s, at).filter(|_| s[at] != b' ')?;
        at += w;
        if !last {
            (s.get(at) == Some(&b':')).then(|| at += 1)?;
        }
        Some(v)
    };
    let fields = (field(false)?, field(false)?, field(true)?);
    Some((fields, at - i))
}

/// Compact date with a dash as `HealthApp` writes it: `20171223-22:15:29:606`, `20171223-22:16:0:9`.
pub fn compact_dash(s: &[u8], clock: &Clock) -> Option<i64> {
    if s.get(8) != Some(&b'-') {
        return None;
    }
    let ((hour, min, sec), width) = hms_unpadded(s, 9)?;
    // After `:` the milliseconds are an unpadded integer too (`:11` comes before `:119`).
    let ms_at = 9 + width;
    let nanos = if s.get(ms_at) == Some(&b':') {
        let digits = s[ms_at + 1..]
            .iter()
            .take(3)
            .take_while(|b| b.is_ascii_digit())
            .count();
        num(s, ms_at + 1, digits).unwrap_or(0) * 1_000_000
    } else {
        fraction(s, ms_at, b".,").0
    };
    let civil = Civil {
        year: i64::from(num(s, 0, 4)?),
        month: num(s, 4, 2)?,
        day: num(s, 6, 2)?,
        hour,
        min,
        sec,
        nanos,
    };
    finish(civil, None, clock)
}

/// Epoch time as a whole token: 10 digits of seconds (optionally with a fraction), 13 of
/// milliseconds, 16 of microseconds or 19 of nanoseconds.
pub fn epoch(s: &[u8], _clock: &Clock) -> Option<i64> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let value: i64 = std::str::from_utf8(&s[..digits]).ok()?.parse().ok()?;
    let (nanos, width) = if digits == 10 {
        fraction(s, 10, b".")
    } else {
        (0, 0)
    };
    if s.get(digits + width).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    match digits {
        10 => Some(value * NANOS + i64::from(nanos)),
        13 => Some(value * 1_000_000),
        16 => Some(value * 1_000),
        19 => Some(value),
        _ => None,
    }
}

/// Epoch time as a record field's number (`1700000000.25`) or string of digits. The unit
/// follows from the integer part's digits, as log tools agree: up to 10 seconds, up to 13
/// milliseconds, up to 16 microseconds, up to 19 nanoseconds. Non-positive values are not
/// times.
pub fn epoch_number(s: &[u8]) -> Option<i64> {
    let int_len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let int: i64 = std::str::from_utf8(&s[..int_len]).ok()?.parse().ok()?;
    let (unit, scale) = match int_len {
        1..=10 => (NANOS, 1),
        11..=13 => (1_000_000, 1_000),
        14..=16 => (1_000, 1_000_000),
        17..=19 => (1, NANOS),
        _ => return None,
    };
    // The fraction, as nanoseconds of a second before scaling to the unit.
    let (frac, _) = fraction(s, int_len, b".");
    let value = int.checked_mul(unit)? + i64::from(frac) / scale;
    (value > 0).then_some(value)
}

/// klog / glog: `I0501 10:00:00.123456` (severity letter, month and day, time; no year).
pub fn klog(s: &[u8], clock: &Clock) -> Option<i64> {
    if !byte_is(s, 0, b"IWEF") || s.get(5) != Some(&b' ') {
        return None;
    }
    yearless(s, (1, 3, 6), b".", clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> Clock {
        Clock {
            local_offset_secs: 0,
            year: 2026,
            now_nanos: 1_795_000_000 * NANOS,
        }
    }

    fn at(s: &str) -> i64 {
        let ts: jiff::Timestamp = s.parse().expect("test timestamp");
        i64::try_from(ts.as_nanosecond()).expect("in range")
    }

    #[test]
    fn iso_variants() {
        let c = utc();
        assert_eq!(
            iso(b"2015-07-29 17:41:44,747 INFO", &c),
            Some(at("2015-07-29T17:41:44.747Z"))
        );
        assert_eq!(
            iso(b"2024-01-02T03:04:05.123456Z x", &c),
            Some(at("2024-01-02T03:04:05.123456Z"))
        );
        assert_eq!(
            iso(b"2024-01-02T03:04:05+02:00", &c),
            Some(at("2024-01-02T01:04:05Z"))
        );
        assert_eq!(
            iso(b"2024-01-02T03:04:05-0130", &c),
            Some(at("2024-01-02T04:34:05Z"))
        );
        assert_eq!(
            iso(b"2016-09-28 04:30:30, Info", &c),
            Some(at("2016-09-28T04:30:30Z"))
        );
        assert_eq!(
            iso(b"2024/01/02 03:04:05", &c),
            Some(at("2024-01-02T03:04:05Z"))
        );
        assert_eq!(iso(b"2024-13-02 03:04:05", &c), None);
        assert_eq!(iso(b"2024-01-02", &c), None);
    }

    #[test]
    fn naive_times_use_the_local_offset() {
        let c = Clock {
            local_offset_secs: 3600,
            ..utc()
        };
        assert_eq!(
            iso(b"2024-01-02 03:04:05", &c),
            Some(at("2024-01-02T02:04:05Z"))
        );
        assert_eq!(
            iso(b"2024-01-02 03:04:05Z", &c),
            Some(at("2024-01-02T03:04:05Z"))
        );
    }

    #[test]
    fn other_formats() {
        let c = utc();
        assert_eq!(
            syslog(b"Jun 14 15:16:01 combo", &c),
            Some(at("2026-06-14T15:16:01Z"))
        );
        assert_eq!(
            syslog(b"Jul  1 09:00:55 host", &c),
            Some(at("2026-07-01T09:00:55Z"))
        );
        assert_eq!(
            ctime(b"Sun Dec 04 04:47:44 2005] [notice]", &c),
            Some(at("2005-12-04T04:47:44Z"))
        );
        assert_eq!(
            clf(b"10/Oct/2000:13:55:36 -0700] \"GET", &c),
            Some(at("2000-10-10T20:55:36Z"))
        );
        assert_eq!(
            short_ymd(b"17/06/09 20:10:40 INFO", &c),
            Some(at("2017-06-09T20:10:40Z"))
        );
        assert_eq!(
            logcat(b"03-17 16:13:38.811  1702", &c),
            Some(at("2026-03-17T16:13:38.811Z"))
        );
        assert_eq!(
            dotted_month_day(b"10.30 16:49:06] chrome", &c),
            Some(at("2026-10-30T16:49:06Z"))
        );
        assert_eq!(
            compact(b"081109 203615 148 INFO", &c),
            Some(at("2008-11-09T20:36:15Z"))
        );
        assert_eq!(
            compact_dash(b"20171223-22:15:29:606|Step", &c),
            Some(at("2017-12-23T22:15:29.606Z"))
        );
        assert_eq!(
            compact_dash(b"20171223-22:16:0:119|Step", &c),
            Some(at("2017-12-23T22:16:00.119Z"))
        );
        assert_eq!(
            compact_dash(b"20171223-22:15:35:11|Step", &c),
            Some(at("2017-12-23T22:15:35.011Z"))
        );
        assert_eq!(
            epoch(b"1117838570 2005.06.03", &c),
            Some(at("2005-06-03T22:42:50Z"))
        );
        assert_eq!(
            epoch(b"1117838570123 x", &c),
            Some(at("2005-06-03T22:42:50.123Z"))
        );
        assert_eq!(epoch(b"134681 node", &c), None);
        assert_eq!(epoch(b"1117838570abc", &c), None);
    }

    #[test]
    fn epoch_numbers_in_every_unit() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1700000000", Some(1_700_000_000_000_000_000)),
            ("1700000000.5", Some(1_700_000_000_500_000_000)),
            ("1700000000.123456789", Some(1_700_000_000_123_456_789)),
            ("1700000000500", Some(1_700_000_000_500_000_000)),
            ("1700000000500.25", Some(1_700_000_000_500_250_000)),
            ("1700000000500123", Some(1_700_000_000_500_123_000)),
            ("1700000000500123456", Some(1_700_000_000_500_123_456)),
            ("0", None),
            ("17000000005001234567", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(epoch_number(text.as_bytes()), *want, "{text}");
        }
    }

    #[test]
    fn klog_lines() {
        let c = utc();
        assert_eq!(
            klog(b"I0501 10:00:00.123456   12345 main.go:42] started", &c),
            Some(at("2026-05-01T10:00:00.123456Z"))
        );
        assert_eq!(
            klog(b"E1030 23:59:59.000001 1 x.go:1] boom", &c),
            Some(at("2026-10-30T23:59:59.000001Z"))
        );
        assert_eq!(klog(b"X0501 10:00:00.1 x", &c), None);
        assert_eq!(klog(b"I05011 10:00:00", &c), None);
    }

    #[test]
    fn yearless_dates_in_the_future_belong_to_last_year() {
        // "now" is 2026-11-18; a line stamped Dec 31 is from last December.
        let c = utc();
        assert_eq!(
            syslog(b"Dec 31 23:59:59 h", &c),
            Some(at("2025-12-31T23:59:59Z"))
        );
    }
}
