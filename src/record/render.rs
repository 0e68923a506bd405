//! A structured record as a reader wants it: time, level, logger and message first, then the
//! other fields as `key=value` in the record's order.
//!
//! The text produced is inert (no control byte: a newline in a value shows as `↵`, an escape
//! sequence decoded from a JSON string as `^[`), and its parts are given as byte ranges, so the
//! TUI styles them and `--format pretty` colours them on a terminal. Long values are cut with
//! `…`; the whole record stays in the line.

use std::ops::Range;

use super::decode;
use super::envelope::{self, Opened};
use super::flat::Record;
use super::hide::Hide;
use super::scan::Value;
use crate::level::{self, Level};
use crate::sanitize;
use crate::timestamp::{self, Clock};

/// What a range of the rendered text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Text before the record (a syslog header, a pod name).
    Prefix,
    /// The record's time.
    Time,
    /// Its level.
    Level(Level),
    /// The logger that wrote it.
    Logger,
    /// A field's key (with its `=`).
    Key,
    /// A marker: a cut value's `…`, a newline's `↵`, hidden fields' `…`.
    Marker,
}

/// A rendered record; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The text, inert.
    pub text: Vec<u8>,
    /// Styled parts, in order, not overlapping; the rest is values and the message.
    pub parts: Vec<(Range<usize>, Part)>,
    /// The record's level, if it states one.
    pub level: Option<Level>,
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Fields left out.
    pub hide: &'a Hide,
    /// Characters a field's value shows at most (the message is never cut).
    pub max_value: usize,
    /// The time of day only (`09:15:02.481`), for narrow panes.
    pub short_time: bool,
}

/// `line` rendered, when it is a JSON or logfmt record, or an envelope ([`envelope`]).
pub fn render(line: &[u8], options: Options<'_>, clock: &Clock) -> Option<Rendered> {
    let mut out = Rendered::default();
    render_into(line, options, clock, &mut out).then_some(out)
}

/// [`render`] into `out` (its buffers reused); false, `out` empty, when `line` is no record.
pub fn render_into(line: &[u8], options: Options<'_>, clock: &Clock, out: &mut Rendered) -> bool {
    out.text.clear();
    out.parts.clear();
    out.level = None;
    match envelope::open(line) {
        Some(opened) => render_opened(&opened, options, clock, out),
        None => match Record::parse_structured(line) {
            Some(record) => render_record(&record, None, options, clock, out),
            None => return false,
        },
    }
    out.finish();
    true
}

/// What an envelope holds: its record rendered, or its text after the envelope's time.
fn render_opened(opened: &Opened<'_>, options: Options<'_>, clock: &Clock, out: &mut Rendered) {
    let stderr = opened.stream == Some(b"stderr");
    if let Some(record) = Record::parse_structured(&opened.inner) {
        render_record(&record, Some(opened.time), options, clock, out);
    } else {
        out.push_time(opened.time, options, clock);
        out.level = level::detect(&opened.inner);
        out.push_value(&sanitize::strip_escapes(&opened.inner), usize::MAX);
    }
    if stderr {
        out.text.extend_from_slice(b" ");
        let start = out.text.len();
        out.text.extend_from_slice(b"stream=");
        out.parts.push((start..out.text.len(), Part::Key));
        out.text.extend_from_slice(b"stderr");
    }
}

/// `record` rendered; `envelope_time`: the time to show when it has none.
fn render_record(
    record: &Record<'_>,
    envelope_time: Option<Value<'_>>,
    options: Options<'_>,
    clock: &Clock,
    out: &mut Rendered,
) {
    let roles = record.roles();
    let (time, level, logger, message) = (roles.time, roles.level, roles.logger, roles.message);
    let caller = roles.caller;
    if !record.prefix.is_empty() {
        let prefix = trim_end(record.prefix);
        out.push_part(prefix, Part::Prefix, usize::MAX);
        out.text.push(b' ');
    }
    if let Some(value) = time.map(|(_, v)| v).or(envelope_time) {
        out.push_time(value, options, clock);
    }
    if let Some((i, value)) = level {
        let key = record.key(i);
        out.level = level::of_field(key, value);
        match out.level {
            Some(l) => out.push_part(short(l).as_bytes(), Part::Level(l), usize::MAX),
            None => out.push_part(&decode::text(value), Part::Key, options.max_value),
        }
        out.text.push(b' ');
    }
    if let Some((_, value)) = logger {
        out.push_part(&decode::text(value), Part::Logger, options.max_value);
        out.push_part(b":", Part::Logger, usize::MAX);
        out.text.push(b' ');
    }
    if let Some((_, value)) = message {
        out.push_value(&decode::text(value), usize::MAX);
    }
    let taken = [time, level, logger, message, caller].map(|r| r.map(|(i, _)| i));
    let mut hidden = false;
    for (i, (key, value)) in record.iter().enumerate() {
        if taken.contains(&Some(i)) {
            continue;
        }
        if options.hide.hides(key) {
            hidden = true;
            continue;
        }
        if !out.text.is_empty() && out.text.last() != Some(&b' ') {
            out.text.push(b' ');
        }
        let start = out.text.len();
        if key.iter().all(|&b| (0x20..0x7f).contains(&b)) {
            out.text.extend_from_slice(key);
        } else {
            sanitize::inert(key, false, &mut out.text);
        }
        out.text.push(b'=');
        out.parts.push((start..out.text.len(), Part::Key));
        let text = decode::text(value);
        let quote = matches!(value, Value::Str(_))
            && (text.is_empty() || text.iter().any(|b| b.is_ascii_whitespace() || *b == b'='));
        if quote {
            out.text.push(b'"');
        }
        out.push_value(&text, options.max_value);
        if quote {
            out.text.push(b'"');
        }
    }
    if hidden {
        out.text.push(b' ');
        out.push_part("…".as_bytes(), Part::Marker, usize::MAX);
    }
    if let Some((_, value)) = caller {
        out.text.push(b' ');
        out.push_part("→ ".as_bytes(), Part::Marker, usize::MAX);
        out.push_part(&decode::text(value), Part::Prefix, options.max_value);
    }
}

impl Rendered {
    /// Drops trailing spaces, and what parts covered of them.
    fn finish(&mut self) {
        while self.text.last() == Some(&b' ') {
            self.text.pop();
        }
        let len = self.text.len();
        for (range, _) in &mut self.parts {
            range.end = range.end.min(len);
            range.start = range.start.min(range.end);
        }
        self.parts.retain(|(range, _)| !range.is_empty());
    }

    /// Appends a time field's value, formatted when it parses, and a space.
    fn push_time(&mut self, value: Value<'_>, options: Options<'_>, clock: &Clock) {
        let start = self.text.len();
        let written = timestamp::field_instant(value, clock)
            .is_some_and(|nanos| format_time(nanos, options.short_time, &mut self.text));
        if written {
            self.parts.push((start..self.text.len(), Part::Time));
        } else {
            self.push_part(&decode::text(value), Part::Time, options.max_value);
        }
        self.text.push(b' ');
    }

    /// Appends `text` made inert as one part, cut to `max` characters.
    fn push_part(&mut self, text: &[u8], part: Part, max: usize) {
        let start = self.text.len();
        self.push_value(text, max);
        self.parts.retain(|(range, _)| range.start < start);
        self.parts.push((start..self.text.len(), part));
    }

    /// Appends a value made inert: newlines become `↵`, other control bytes caret notation; cut
    /// with `…` after `max` characters.
    fn push_value(&mut self, text: &[u8], max: usize) {
        let mut shown = 0;
        for (n, piece) in text.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                self.marker("↵");
            }
            let piece = piece.strip_suffix(b"\r").unwrap_or(piece);
            let left = max.saturating_sub(shown);
            // Printable ASCII, the usual value: one byte a character, nothing to neutralise.
            if piece.iter().all(|&b| (0x20..0x7f).contains(&b)) {
                if piece.len() > left {
                    self.text
                        .extend_from_slice(&piece[..left.saturating_sub(1)]);
                    self.marker("…");
                    return;
                }
                shown += piece.len();
                self.text.extend_from_slice(piece);
                continue;
            }
            let mut inert = Vec::new();
            sanitize::inert(piece, false, &mut inert);
            let s = String::from_utf8_lossy(&inert);
            let count = s.chars().count();
            if count > left {
                let cut: String = s.chars().take(left.saturating_sub(1)).collect();
                self.text.extend_from_slice(cut.as_bytes());
                self.marker("…");
                return;
            }
            shown += count;
            self.text.extend_from_slice(&inert);
        }
    }

    fn marker(&mut self, text: &str) {
        let start = self.text.len();
        self.text.extend_from_slice(text.as_bytes());
        self.parts.push((start..self.text.len(), Part::Marker));
    }
}

/// `Nov 24 09:15:02.481` (`09:15:02.481` when `short`), in UTC, as hl shows times by default.
/// Appends it to `out`; false when the instant is out of range.
fn format_time(nanos: i64, short: bool, out: &mut Vec<u8>) -> bool {
    // Consecutive records share their second: its text is made once.
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, bool, String)> =
            const { std::cell::RefCell::new((i64::MIN, false, String::new())) };
    }
    const SEC: i64 = 1_000_000_000;
    let (second, millis) = (nanos.div_euclid(SEC), nanos.rem_euclid(SEC) / 1_000_000);
    let cached = SECOND.with_borrow(|(s, sh, text)| {
        let hit = *s == second && *sh == short;
        if hit {
            out.extend_from_slice(text.as_bytes());
        }
        hit
    });
    if !cached {
        let Ok(ts) = jiff::Timestamp::from_second(second) else {
            return false;
        };
        let layout = if short { "%H:%M:%S" } else { "%b %d %H:%M:%S" };
        let text = ts.strftime(layout).to_string();
        out.extend_from_slice(text.as_bytes());
        SECOND.set((second, short, text));
    }
    let digit = |n: i64| b'0' + u8::try_from(n % 10).unwrap_or(0);
    out.extend_from_slice(&[b'.', digit(millis / 100), digit(millis / 10), digit(millis)]);
    true
}

/// The same without the per-second cache (the reference for its test).
#[cfg(test)]
fn format_time_slow(nanos: i64, short: bool) -> Option<String> {
    let ts = jiff::Timestamp::from_nanosecond(i128::from(nanos)).ok()?;
    let layout = if short {
        "%H:%M:%S%.3f"
    } else {
        "%b %d %H:%M:%S%.3f"
    };
    Some(ts.strftime(layout).to_string())
}

/// The level in three letters.
fn short(level: Level) -> &'static str {
    match level {
        Level::Trace => "TRC",
        Level::Debug => "DBG",
        Level::Info => "INF",
        Level::Warn => "WRN",
        Level::Error => "ERR",
    }
}

fn trim_end(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(line: &str, hide: &[&str], max: usize) -> String {
        let hide = Hide::new(hide).expect("valid");
        let options = Options {
            hide: &hide,
            max_value: max,
            short_time: false,
        };
        render(line.as_bytes(), options, &Clock::now())
            .map(|r| String::from_utf8_lossy(&r.text).into_owned())
            .unwrap_or_default()
    }

    #[test]
    fn time_level_logger_message_then_fields_in_order() {
        assert_eq!(
            shown(
                r#"{"level":50,"time":1795511702512,"pid":4173,"name":"billing","msg":"database unavailable","err":{"code":"ECONNREFUSED"},"note":"a b"}"#,
                &[],
                40
            ),
            r#"Nov 24 09:15:02.512 ERR billing: database unavailable pid=4173 err.code=ECONNREFUSED note="a b""#
        );
        assert_eq!(
            shown(
                r#"ts=2026-11-24T09:15:02.481Z level=warn msg="slow query" dur=3ms"#,
                &[],
                40
            ),
            "Nov 24 09:15:02.481 WRN slow query dur=3ms"
        );
        assert_eq!(
            shown("plain text line", &[], 40),
            "",
            "text is not rendered"
        );
    }

    #[test]
    fn values_are_inert_cut_and_hidden() {
        let got = shown(
            r#"{"msg":"boom\u001b[31m red","stack":"Error: x\n    at f (a.js:1)","long":"abcdefghijklmnop","pid":1}"#,
            &["pid"],
            8,
        );
        assert_eq!(got, r#"boom^[[31m red stack="Error: x↵…" long=abcdefg… …"#);
        assert!(!got.contains('\x1b'));
        let prefixed = shown(r#"web-1 api {"msg":"hi","stack":"a\nb"}"#, &[], 40);
        assert_eq!(prefixed, r#"web-1 api hi stack="a↵b""#);
    }

    #[test]
    fn times_are_formatted_as_without_the_cache() {
        for nanos in [
            0,
            1_795_511_702_481_000_000,
            1_795_511_702_999_999_999,
            -1_500_000_000,
        ] {
            for short in [false, true] {
                for _ in 0..2 {
                    let mut out = Vec::new();
                    let written = format_time(nanos, short, &mut out);
                    let shown = written.then(|| String::from_utf8_lossy(&out).into_owned());
                    assert_eq!(shown, format_time_slow(nanos, short));
                }
            }
        }
    }

    #[test]
    fn parts_cover_what_is_styled() {
        let hide = Hide::default();
        let options = Options {
            hide: &hide,
            max_value: 40,
            short_time: true,
        };
        let r = render(
            br#"{"level":"info","msg":"m","k":1}"#,
            options,
            &Clock::now(),
        )
        .expect("a record");
        let part = |p: Part| {
            r.parts
                .iter()
                .find(|(_, q)| *q == p)
                .map(|(range, _)| String::from_utf8_lossy(&r.text[range.clone()]).into_owned())
        };
        assert_eq!(part(Part::Level(Level::Info)).as_deref(), Some("INF"));
        assert_eq!(part(Part::Key).as_deref(), Some("k="));
        assert_eq!(r.level, Some(Level::Info));
    }
}
