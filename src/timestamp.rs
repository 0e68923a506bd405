//! Timestamps carried by log lines: which format a source uses, and each line's instant.
//!
//! Every line is stamped on its own ([`Stamper`]). The fast path is the layout detected from a
//! source's first lines ([`Stamp::detect`]), tried at its one place; when it fails on a line, the
//! layout that last stood in for it is tried, then the other layouts at the start of the line
//! (and JSON or logfmt time fields): a file whose own logger writes JSON while a library writes
//! text gets both right. Only lines that carry no timestamp at all (stack traces,
//! continuations) take the instant of the line before them in the same source, so the merge
//! keeps them attached to it.

pub mod moment;
pub mod parse;

use crate::batch::LineBatch;
use crate::record::{self, Value, keys};

/// Instants are nanoseconds since the Unix epoch. Lines before a source's first timestamp get
/// this value, which sorts them first.
pub const UNKNOWN: i64 = i64::MIN;

/// The wall clock now, in nanoseconds since the Unix epoch: the instant of a live line that
/// carries none (and whose source never did).
pub fn wall_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(i64::MAX)
}

/// What the parsers need to know about "now": the local offset for zone-less timestamps, and the
/// year for formats that omit it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Offset of the local time zone from UTC, in seconds, read once at start.
    pub local_offset_secs: i64,
    /// The current year.
    pub year: i64,
    /// The current instant, in nanoseconds since the epoch.
    pub now_nanos: i64,
}

impl Clock {
    /// The clock of this machine now. Zone-less timestamps are read in the local zone at its
    /// current offset (a log spanning a DST change may be off by an hour across it).
    pub fn now() -> Self {
        let now = jiff::Zoned::now();
        Self {
            local_offset_secs: i64::from(now.offset().seconds()),
            year: i64::from(now.year()),
            now_nanos: i64::try_from(now.timestamp().as_nanosecond()).unwrap_or(i64::MAX),
        }
    }
}

/// A timestamp layout found in real logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISO 8601 / RFC 3339, log4j and Python: `2015-07-29 17:41:44,747`, `2024-01-02T03:04:05Z`.
    Iso,
    /// syslog: `Jun 14 15:16:01`.
    Syslog,
    /// ctime, Apache error log: `Sun Dec 04 04:47:44 2005`.
    Ctime,
    /// Common Log Format: `10/Oct/2000:13:55:36 -0700`.
    Clf,
    /// Spark: `17/06/09 20:10:40`.
    ShortYmd,
    /// Android logcat: `03-17 16:13:38.811`.
    Logcat,
    /// Proxifier: `10.30 16:49:06`.
    DottedMonthDay,
    /// HDFS: `081109 203615`.
    Compact,
    /// `HealthApp`: `20171223-22:15:29:606`.
    CompactDash,
    /// klog (Kubernetes, glog): `I0501 10:00:00.123456`, a severity letter and no year.
    Klog,
    /// Epoch seconds (10 digits), milliseconds (13), microseconds (16) or nanoseconds (19).
    Epoch,
    /// A JSON object or logfmt line's time field ([`keys::TIME`], the first one present): RFC 3339
    /// (or another text layout) as a string, or epoch seconds, milliseconds, microseconds or
    /// nanoseconds as a number or a string of digits.
    Record,
}

impl Format {
    /// Formats tried at a token, most specific first (a `Compact` date must not be mistaken for
    /// part of something longer); the bare numbers last (see [`FALLBACK`](Self::FALLBACK)).
    const AT_TOKEN: [Format; 11] = [
        Format::Iso,
        Format::Ctime,
        Format::Syslog,
        Format::Clf,
        Format::ShortYmd,
        Format::Logcat,
        Format::DottedMonthDay,
        Format::CompactDash,
        Format::Klog,
        Format::Compact,
        Format::Epoch,
    ];

    /// Formats a line is tried with when its source's own layout fails on it: all but the bare
    /// numbers (`Compact`, `Epoch`, last in [`AT_TOKEN`](Self::AT_TOKEN)) — a continuation line
    /// starting with digits is far more common than a second layout made of digits alone.
    const FALLBACK: &'static [Format] = Self::AT_TOKEN.split_at(Self::AT_TOKEN.len() - 2).0;

    fn parse_at(self, s: &[u8], clock: &Clock) -> Option<i64> {
        match self {
            Format::Iso => parse::iso(s, clock),
            Format::Syslog => parse::syslog(s, clock),
            Format::Ctime => parse::ctime(s, clock),
            Format::Clf => parse::clf(s, clock),
            Format::ShortYmd => parse::short_ymd(s, clock),
            Format::Logcat => parse::logcat(s, clock),
            Format::DottedMonthDay => parse::dotted_month_day(s, clock),
            Format::Compact => parse::compact(s, clock),
            Format::CompactDash => parse::compact_dash(s, clock),
            Format::Klog => parse::klog(s, clock),
            Format::Epoch => parse::epoch(s, clock),
            Format::Record => record_time(s, clock),
        }
    }
}

/// Where a source's lines carry their timestamp: a format at the start of the `token`-th
/// whitespace-separated field (an opening `[` is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// The layout.
    pub format: Format,
    /// Index of the field it starts at (unused for records).
    pub token: u8,
}

/// How many leading fields detection looks at: BGL and HPC logs put an epoch in field 1 or 4.
const MAX_TOKEN: u8 = 6;

impl Stamp {
    /// Detects the layout used by most of `lines` (a source's first lines), if any.
    pub fn detect<'a>(lines: impl IntoIterator<Item = &'a [u8]>, clock: &Clock) -> Option<Stamp> {
        let mut votes: Vec<(Stamp, usize)> = Vec::new();
        for line in lines {
            if let Some(stamp) = Self::first_in(line, clock) {
                match votes.iter_mut().find(|(s, _)| *s == stamp) {
                    Some((_, n)) => *n += 1,
                    None => votes.push((stamp, 1)),
                }
            }
        }
        // Most votes wins; on a tie the earlier-found (earlier field, more specific) layout.
        votes.iter().rev().max_by_key(|(_, n)| *n).map(|(s, _)| *s)
    }

    /// The first layout that parses in `line`, scanning fields left to right.
    fn first_in(line: &[u8], clock: &Clock) -> Option<Stamp> {
        if record_time(line, clock).is_some() {
            return Some(Stamp::RECORD);
        }
        (0..MAX_TOKEN).find_map(|token| {
            let at = field(line, token)?;
            Format::AT_TOKEN
                .iter()
                .find(|f| f.parse_at(at, clock).is_some())
                .map(|&format| Stamp { format, token })
        })
    }

    /// A record's time field.
    const RECORD: Stamp = Stamp {
        format: Format::Record,
        token: 0,
    };

    /// This layout's instant for `line`, if the line carries one.
    pub fn parse(&self, line: &[u8], clock: &Clock) -> Option<i64> {
        if self.format == Format::Record {
            return record_time(line, clock);
        }
        self.format.parse_at(field(line, self.token)?, clock)
    }

    /// The layout of a line its source's layout (at `token`) failed on, and its instant: a
    /// record's time field, or a [fallback](Format::FALLBACK) layout at the start of the line
    /// or at `token`. Fields further in are not tried: a continuation line quoting a time
    /// (`Caused by: … at 2024-05-01 10:00:00`) must stay a continuation.
    fn fallback(line: &[u8], token: u8, clock: &Clock) -> Option<(Stamp, i64)> {
        if let Some(t) = record_time(line, clock) {
            return Some((Stamp::RECORD, t));
        }
        let tokens: &[u8] = if token == 0 { &[0] } else { &[0, token] };
        tokens.iter().find_map(|&token| {
            let at = field(line, token)?;
            Format::FALLBACK.iter().find_map(|&format| {
                let t = format.parse_at(at, clock)?;
                Some((Stamp { format, token }, t))
            })
        })
    }
}

/// The bytes from the start of field `token` (fields are separated by runs of spaces or tabs;
/// a leading `[` is skipped, as in `[Sun Dec 04 …]` or `[10/Oct/2000:…]`).
fn field(line: &[u8], token: u8) -> Option<&[u8]> {
    let mut rest = line;
    for _ in 0..token {
        let end = rest.iter().position(|b| *b == b' ' || *b == b'\t')?;
        let next = rest[end..].iter().position(|b| *b != b' ' && *b != b'\t')?;
        rest = &rest[end + next..];
    }
    // A logger that colours its timestamp (`ESC[2m2024-…`) still wrote one.
    while let Some(sgr) = rest.strip_prefix(b"\x1b[") {
        let len = sgr
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        if sgr.get(len) != Some(&b'm') {
            break;
        }
        rest = &sgr[len + 1..];
    }
    Some(rest.strip_prefix(b"[").unwrap_or(rest))
}

/// The instant in a JSON or logfmt line's time field (the first of [`keys::TIME`] present).
fn record_time(line: &[u8], clock: &Clock) -> Option<i64> {
    let first = *line.iter().find(|b| !b.is_ascii_whitespace())?;
    // The cheap test first: most lines of a text log start with a digit or a bracket.
    if first != b'{' && !first.is_ascii_alphabetic() && first != b'@' {
        return None;
    }
    let (_, value) = record::fields(line)?.find(|(key, _)| keys::TIME.contains(key))?;
    field_instant(value, clock)
}

/// The instant a record's time field states: RFC 3339 (or another text layout) as a string, or
/// epoch s/ms/µs/ns as a number or a string of digits.
pub fn field_instant(value: Value<'_>, clock: &Clock) -> Option<i64> {
    let (Value::Str(text) | Value::Bare(text)) = value;
    if text.first().is_some_and(u8::is_ascii_digit)
        && text.iter().all(|b| b.is_ascii_digit() || *b == b'.')
    {
        return parse::epoch_number(text);
    }
    [Format::Iso, Format::Ctime, Format::Syslog, Format::Clf]
        .iter()
        .find_map(|f| f.parse_at(text, clock))
}

/// True for a JSON object or a logfmt record: a record of its own, timestamp or not.
fn is_record(line: &[u8]) -> bool {
    match line.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => true,
        Some(b) if b.is_ascii_alphabetic() => record::fields(line).is_some(),
        _ => false,
    }
}

/// Lines a source's layout is detected from.
const DETECT_LINES: usize = 32;

/// Gives every line of a source an instant: its own, or the one of the line before it.
#[derive(Debug, Clone)]
pub struct Stamper {
    /// The source's layout, detected from its first lines: tried first on every line.
    stamp: Option<Stamp>,
    /// The layout of the last line that `stamp` failed on and that had one: tried second, so
    /// that a source mixing two layouts stays on fast paths.
    alt: Option<Stamp>,
    detected: bool,
    clock: Clock,
    last: i64,
    /// The last line had a timestamp of its own.
    own: bool,
}

impl Stamper {
    /// A stamper for a source whose layout is `stamp` (`None`: no timestamps found).
    pub fn new(stamp: Option<Stamp>, clock: Clock) -> Self {
        Self {
            stamp,
            alt: None,
            detected: true,
            clock,
            last: UNKNOWN,
            own: false,
        }
    }

    /// A stamper that detects the layout from the first lines it is given.
    pub fn detecting(clock: Clock) -> Self {
        Self {
            stamp: None,
            alt: None,
            detected: false,
            clock,
            last: UNKNOWN,
            own: false,
        }
    }

    /// The instants of every line of `batch`, in order. Lines before the source's first
    /// timestamp get [`UNKNOWN`].
    pub fn stamp_batch(&mut self, batch: &LineBatch) -> Vec<i64> {
        self.stamp_batch_or(batch, UNKNOWN).0
    }

    /// The instants of every line of `batch`, in order, and which lines continue the record
    /// before them (no timestamp of their own after one that had: see
    /// [`StampedBatch::continued`](crate::batch::StampedBatch)); lines before the source's first
    /// timestamp get `fallback` (a live line's arrival: an untimestamped source keeps arrival
    /// order).
    pub fn stamp_batch_or(&mut self, batch: &LineBatch, fallback: i64) -> (Vec<i64>, Vec<bool>) {
        if !self.detected && !batch.is_empty() {
            self.detected = true;
            self.stamp = Stamp::detect(batch.iter().take(DETECT_LINES), &self.clock);
        }
        let mut continued = Vec::new();
        let instants = batch
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let before = self.last;
                let t = self.next(line);
                if !self.own && before != UNKNOWN && !is_record(line) {
                    continued.resize(i, false);
                    continued.push(true);
                }
                if t == UNKNOWN { fallback } else { t }
            })
            .collect();
        (instants, continued)
    }

    /// The instant of the next line of the source.
    #[inline]
    pub fn next(&mut self, line: &[u8]) -> i64 {
        // The fast path: the source's own layout.
        self.own = true;
        if let Some(t) = self.stamp.as_ref().and_then(|s| s.parse(line, &self.clock)) {
            self.last = t;
        } else if let Some(t) = self.other(line) {
            self.last = t;
        } else {
            self.own = false;
        }
        self.last
    }

    /// The instant of a line its source's layout failed on, if it carries one.
    fn other(&mut self, line: &[u8]) -> Option<i64> {
        let clock = &self.clock;
        if let Some(t) = self.alt.as_ref().and_then(|s| s.parse(line, clock)) {
            return Some(t);
        }
        let token = self.stamp.map_or(0, |s| s.token);
        let (stamp, t) = Stamp::fallback(line, token, clock)?;
        self.alt = Some(stamp);
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        crate::test_support::utc_clock(1_795_000_000_000_000_000)
    }

    fn detect(lines: &[&str]) -> Option<Stamp> {
        Stamp::detect(lines.iter().map(|l| l.as_bytes()), &clock())
    }

    #[allow(clippy::unnecessary_wraps)] // reads well in the tables below
    fn stamp(format: Format, token: u8) -> Option<Stamp> {
        Some(Stamp { format, token })
    }

    /// First lines of the real-world samples in `../shared/realworld-logs`, beside the repository (Loghub).
    #[test]
    fn detects_real_world_layouts() {
        let cases: &[(&str, Option<Stamp>)] = &[
            (
                "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1",
                stamp(Format::Compact, 0),
            ),
            (
                "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]",
                stamp(Format::Iso, 0),
            ),
            (
                "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok",
                stamp(Format::Ctime, 0),
            ),
            (
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass;",
                stamp(Format::Syslog, 0),
            ),
            (
                "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend",
                stamp(Format::ShortYmd, 0),
            ),
            (
                "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
                stamp(Format::Logcat, 0),
            ),
            (
                "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
                stamp(Format::CompactDash, 0),
            ),
            (
                "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872",
                stamp(Format::Epoch, 1),
            ),
            (
                "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component",
                stamp(Format::Epoch, 4),
            ),
            (
                "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO",
                stamp(Format::Iso, 1),
            ),
            (
                "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open",
                stamp(Format::DottedMonthDay, 0),
            ),
            (
                "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200",
                stamp(Format::Clf, 3),
            ),
            (
                r#"{"level":"info","ts":1700000000.5,"msg":"hi"}"#,
                stamp(Format::Record, 0),
            ),
            (
                "level=info ts=2024-05-01T10:00:00.5+02:00 msg=hi",
                stamp(Format::Record, 0),
            ),
            // Go's log package, and nginx's error log.
            (
                "2024/05/01 10:00:00.123456 main.go:12: listening",
                stamp(Format::Iso, 0),
            ),
            (
                "2024/05/01 10:00:00 [error] 31#31: *1 open() failed",
                stamp(Format::Iso, 0),
            ),
            // A timestamp coloured by its logger.
            (
                "\x1b[2m2024-05-01 10:00:00.123\x1b[0m \x1b[33mWARN\x1b[0m evicted 12 keys",
                stamp(Format::Iso, 0),
            ),
            // Rust's env_logger, klog, Python's logging with its default time format.
            (
                "[2024-05-01T10:00:00Z INFO  my_app] started",
                stamp(Format::Iso, 0),
            ),
            (
                "I0501 10:00:00.123456   12345 main.go:42] started",
                stamp(Format::Klog, 0),
            ),
            (
                "2024-05-01 10:00:00,123 - app.db - WARNING - slow query",
                stamp(Format::Iso, 0),
            ),
            ("no timestamp here at all", None),
        ];
        for (line, want) in cases {
            assert_eq!(detect(&[line]), *want, "{line}");
        }
    }

    #[test]
    fn the_majority_layout_wins() {
        let lines = [
            "Jun 14 15:16:01 a",
            "Jun 14 15:16:02 b",
            "2024-01-01 00:00:00 c",
        ];
        assert_eq!(detect(&lines), stamp(Format::Syslog, 0));
    }

    /// Lines without a timestamp after one that had it continue its record; JSON lines are
    /// records of their own; a source that never had a timestamp has no continuations.
    #[test]
    fn continuation_lines_are_flagged() {
        let batch = LineBatch::from_lines([
            "no stamp yet",
            "2024-05-01 10:00:00,000 ERROR boom",
            "java.lang.Exception: x",
            "\tat A.b(A.java:1)",
            r#"{"msg":"a record without time"}"#,
            "",
            "2024-05-01 10:00:01,000 INFO ok",
        ]);
        let mut stamper = Stamper::detecting(clock());
        let (_, continued) = stamper.stamp_batch_or(&batch, 7);
        let flags: Vec<bool> = (0..batch.len())
            .map(|i| continued.get(i).copied().unwrap_or(false))
            .collect();
        assert_eq!(flags, [false, false, true, true, false, true, false]);
    }

    #[test]
    fn record_time_fields() {
        let c = clock();
        let t = 1_704_164_645_000_000_000;
        let cases: &[(&str, Option<i64>)] = &[
            (r#"{"time":"2024-01-02T03:04:05Z","msg":"x"}"#, Some(t)),
            // Any key order, the time key last, nested objects before it.
            (
                r#"{"msg":"x","ctx":{"ts":"no"},"@timestamp":"2024-01-02T03:04:05.000Z"}"#,
                Some(t),
            ),
            (r#"{"timestamp": 1704164645000}"#, Some(t)),
            (r#"{"t":"1704164645"}"#, Some(t)),
            (r#"{"ts":1704164645000000}"#, Some(t)),
            (r#"{"ts":1704164645000000000}"#, Some(t)),
            (r#"{"ts":"2024-01-02T05:04:05+02:00"}"#, Some(t)),
            // A time key's name inside a string value is not the key.
            (r#"{"msg":"\"ts\":1","level":"info"}"#, None),
            ("ts=2024-01-02T03:04:05Z level=info", Some(t)),
            (
                r#"level=info time="2024-01-02T03:04:05.000000Z" msg="a b""#,
                Some(t),
            ),
            ("t=1704164645 msg=x", Some(t)),
            (r#"{"msg":"no time"}"#, None),
            ("not json", None),
        ];
        for (line, want) in cases {
            assert_eq!(record_time(line.as_bytes(), &c), *want, "{line}");
        }
    }

    /// A file whose own logger writes text while another writes JSON or logfmt: every line is
    /// stamped with its own time, whatever layout the source was detected with.
    #[test]
    fn mixed_layouts_are_stamped_line_by_line() {
        let lines = [
            "2024-01-02 03:04:05,000 INFO text one",
            r#"{"ts":"2024-01-02T05:04:06+02:00","msg":"json, zone +02:00"}"#,
            "java.lang.IllegalStateException: boom",
            "\tat com.example.Foo.bar(Foo.java:42)",
            "level=info ts=2024-01-02T03:04:07Z msg=logfmt",
            "2024-01-02 03:04:08,000 INFO text two",
            "2024/01/02 03:04:09.000000 main.go:1: go log",
            "1234567890 bytes copied (a continuation, not an epoch)",
        ];
        let mut s = Stamper::detecting(clock());
        let got = s.stamp_batch(&LineBatch::from_lines(lines));
        let second = |n: i64| 1_704_164_640_000_000_000 + n * 1_000_000_000;
        assert_eq!(
            got,
            [
                second(5),
                second(6),
                second(6),
                second(6),
                second(7),
                second(8),
                second(9),
                second(9)
            ]
        );
    }

    #[test]
    fn lines_without_a_timestamp_inherit_the_previous_one() {
        let mut s = Stamper::new(stamp(Format::Iso, 0), clock());
        assert_eq!(s.next(b"  at the very start"), UNKNOWN);
        let t = s.next(b"2024-01-02 03:04:05 ERROR boom");
        assert!(t > UNKNOWN);
        assert_eq!(s.next(b"    at com.example.Foo.bar(Foo.java:42)"), t);
    }
}
