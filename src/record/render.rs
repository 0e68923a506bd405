//! A structured record as a reader wants it: time, level, logger and message first, then the
//! other fields as `key=value` in the record's order.
//!
//! The text produced is inert (no control byte: a newline in a value shows as `↵`, an escape
//! sequence decoded from a JSON string as `^[`), and its parts are given as byte ranges, so the
//! TUI styles them and `--format pretty` colours them on a terminal. Long values are cut with
//! `…`; the whole record stays in the line.

use std::borrow::Cow;
use std::ops::Range;

use super::envelope::{self, Opened};
use super::hide::Hide;
use super::keys::{self, Role};
use super::scan::{self, Fields, LogfmtFields, Value};
use super::{decode, flat};
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
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The text, inert.
    pub text: Vec<u8>,
    /// Styled parts, in order, not overlapping; the rest is values and the message.
    pub parts: Vec<(Range<usize>, Part)>,
    /// The record's level, if it states one.
    pub level: Option<Level>,
    /// Buffers kept from record to record.
    scratch: Scratch,
}

/// What rendering needs on the way: the fields after the header as they stream in (with their
/// parts), and a nested field's dotted path.
#[derive(Debug, Clone, Default)]
struct Scratch {
    text: Vec<u8>,
    parts: Vec<(Range<usize>, Part)>,
    path: Vec<u8>,
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
    out.clear();
    let rendered = match envelope::open(line) {
        Some(opened) => {
            render_opened(&opened, options, clock, out);
            true
        }
        None => render_structured(line, None, options, clock, out),
    };
    if rendered {
        out.finish();
    } else {
        out.clear();
    }
    rendered
}

/// What an envelope holds: its record rendered, or its text after the envelope's time.
fn render_opened(opened: &Opened<'_>, options: Options<'_>, clock: &Clock, out: &mut Rendered) {
    let stderr = opened.stream == Some(b"stderr");
    if !render_structured(&opened.inner, Some(opened.time), options, clock, out) {
        out.clear();
        out.push_time(opened.time, options, clock);
        out.level = level::detect(&opened.inner);
        out.writer()
            .push_value(&sanitize::strip_escapes(&opened.inner), usize::MAX);
    }
    if stderr {
        out.text.extend_from_slice(b" ");
        let start = out.text.len();
        out.text.extend_from_slice(b"stream=");
        out.parts.push((start..out.text.len(), Part::Key));
        out.text.extend_from_slice(b"stderr");
    }
}

/// Renders `line` when it is a JSON object (whole, after an optional text prefix) or a logfmt
/// record, streaming its fields in one walk; false for other lines (`out` then holds junk).
/// `envelope_time`: the time to show when the record has none.
fn render_structured(
    line: &[u8],
    envelope_time: Option<Value<'_>>,
    options: Options<'_>,
    clock: &Clock,
    out: &mut Rendered,
) -> bool {
    let mut stream = Stream::default();
    let Scratch { text, parts, path } = &mut out.scratch;
    let mut tail = Writer { text, parts };
    if let Some(open) = memchr::memchr(b'{', line) {
        let object = &line[open..];
        let end = flat::walk(object, path, &mut |key, value| {
            stream.field(key.bytes(), value, options, &mut tail);
        });
        if end.is_some_and(|end| object[end..].iter().all(u8::is_ascii_whitespace)) {
            stream.finish(&line[..open], envelope_time, options, clock, out);
            return true;
        }
    }
    if !matches!(scan::fields(line), Some(Fields::Logfmt(_))) {
        return false;
    }
    stream = Stream::default();
    tail.text.clear();
    tail.parts.clear();
    for (key, value) in LogfmtFields::new(line).take(flat::MAX_FIELDS) {
        stream.field(key, value, options, &mut tail);
    }
    stream.finish(b"", envelope_time, options, clock, out);
    true
}

/// A field that plays a part in the header (time, level, message, logger, caller), the best
/// of its part so far.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    /// Its key's rank in its part's table (lower wins; the first of a rank wins).
    rank: usize,
    value: Value<'a>,
    /// Where among the other fields' text it stood: a candidate that loses is put back there.
    at: usize,
    /// Its place among the record's fields (several can stand at one `at`).
    seq: usize,
    /// `--hide` names it: shown only if it wins.
    hidden: bool,
}

/// A record's fields as they stream in: the best candidate of each header part, and the other
/// fields rendered in order into the scratch text.
#[derive(Debug, Default)]
struct Stream<'a> {
    best: [Option<Candidate<'a>>; 5],
    /// Candidates a better key replaced, with their part (rare: two message keys in a record).
    losers: Vec<(Role, Candidate<'a>)>,
    /// A field was left out.
    hidden: bool,
    /// Fields seen.
    seen: usize,
}

impl<'a> Stream<'a> {
    /// Takes one field: a header candidate is kept aside, any other rendered into `tail`.
    fn field(&mut self, key: &[u8], value: Value<'a>, options: Options<'_>, tail: &mut Writer<'_>) {
        let hidden = options.hide.hides(key);
        self.seen += 1;
        if let Some((role, rank)) = keys::role_of(key) {
            let slot = &mut self.best[role as usize];
            if slot.is_none_or(|best| rank < best.rank) {
                let at = tail.text.len();
                let candidate = Candidate {
                    rank,
                    value,
                    at,
                    seq: self.seen,
                    hidden,
                };
                if let Some(replaced) = slot.replace(candidate) {
                    self.losers.push((role, replaced));
                }
                return;
            }
        }
        if hidden {
            self.hidden = true;
            return;
        }
        tail.push_field(key, value, options.max_value);
    }

    /// Lays the record out into `out`: `prefix`, the header, the other fields from the scratch
    /// text (losing candidates back in their places), then the caller.
    fn finish(
        mut self,
        prefix: &[u8],
        envelope_time: Option<Value<'_>>,
        options: Options<'_>,
        clock: &Clock,
        out: &mut Rendered,
    ) {
        let [time, level, message, logger, caller] = self.best;
        if !prefix.is_empty() {
            out.writer()
                .push_part(trim_end(prefix), Part::Prefix, usize::MAX);
            out.text.push(b' ');
        }
        if let Some(value) = time.map(|c| c.value).or(envelope_time) {
            out.push_time(value, options, clock);
        }
        if let Some(c) = level {
            let key = keys::table(Role::Level)[c.rank];
            out.level = level::of_field(key, c.value);
            let (text, part, max) = match out.level {
                Some(l) => (
                    Cow::Borrowed(short(l).as_bytes()),
                    Part::Level(l),
                    usize::MAX,
                ),
                None => (decode::text(c.value), Part::Key, options.max_value),
            };
            out.writer().push_part(&text, part, max);
            out.text.push(b' ');
        }
        if let Some(c) = logger {
            let mut w = out.writer();
            w.push_part(&decode::text(c.value), Part::Logger, options.max_value);
            w.push_part(b":", Part::Logger, usize::MAX);
            out.text.push(b' ');
        }
        if let Some(c) = message {
            out.writer().push_value(&decode::text(c.value), usize::MAX);
        }
        self.losers.sort_by_key(|(_, c)| c.seq);
        let scratch = std::mem::take(&mut out.scratch);
        let mut copied = 0;
        let mut parts = scratch.parts.iter().peekable();
        for (role, c) in &self.losers {
            if c.hidden {
                self.hidden = true;
                continue;
            }
            out.copy_fields(&scratch.text, copied..c.at, &mut parts);
            copied = c.at;
            let key = keys::table(*role)[c.rank];
            out.writer().push_field(key, c.value, options.max_value);
        }
        out.copy_fields(&scratch.text, copied..scratch.text.len(), &mut parts);
        out.scratch = scratch;
        if self.hidden {
            out.space();
            out.writer()
                .push_part("…".as_bytes(), Part::Marker, usize::MAX);
        }
        if let Some(c) = caller {
            out.space();
            let mut w = out.writer();
            w.push_part("→ ".as_bytes(), Part::Marker, usize::MAX);
            w.push_part(&decode::text(c.value), Part::Prefix, options.max_value);
        }
    }
}

impl Rendered {
    /// Empties it for the next record, keeping its buffers.
    fn clear(&mut self) {
        self.text.clear();
        self.parts.clear();
        self.level = None;
        self.scratch.text.clear();
        self.scratch.parts.clear();
    }

    /// A space before what follows, unless at the start or after one.
    fn space(&mut self) {
        if !self.text.is_empty() && self.text.last() != Some(&b' ') {
            self.text.push(b' ');
        }
    }

    fn writer(&mut self) -> Writer<'_> {
        Writer {
            text: &mut self.text,
            parts: &mut self.parts,
        }
    }

    /// Appends `range` of rendered fields (`text`, its parts among `parts`), after a space.
    fn copy_fields<'p>(
        &mut self,
        text: &[u8],
        range: Range<usize>,
        parts: &mut std::iter::Peekable<impl Iterator<Item = &'p (Range<usize>, Part)>>,
    ) {
        if range.is_empty() {
            return;
        }
        if !self.text.is_empty() && self.text.last() != Some(&b' ') && text[range.start] != b' ' {
            self.text.push(b' ');
        }
        let base = self.text.len();
        self.text.extend_from_slice(&text[range.clone()]);
        while let Some((part, kind)) = parts.next_if(|(p, _)| p.start < range.end) {
            let shift = |at: usize| base + at - range.start;
            self.parts.push((shift(part.start)..shift(part.end), *kind));
        }
    }

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
            self.writer()
                .push_part(&decode::text(value), Part::Time, options.max_value);
        }
        self.text.push(b' ');
    }
}

/// Text being written, with its styled parts.
struct Writer<'o> {
    text: &'o mut Vec<u8>,
    parts: &'o mut Vec<(Range<usize>, Part)>,
}

impl Writer<'_> {
    /// Appends `key=value` (after a space unless at the start or after one): the key inert,
    /// the value decoded, quoted when it holds a space or `=` or is empty, cut to `max`.
    fn push_field(&mut self, key: &[u8], value: Value<'_>, max: usize) {
        if !self.text.is_empty() && self.text.last() != Some(&b' ') {
            self.text.push(b' ');
        }
        let start = self.text.len();
        if key.iter().all(|&b| (0x20..0x7f).contains(&b)) {
            self.text.extend_from_slice(key);
        } else {
            sanitize::inert(key, false, self.text);
        }
        self.text.push(b'=');
        self.parts.push((start..self.text.len(), Part::Key));
        let (raw, string) = match value {
            Value::Str(raw) => (raw, true),
            Value::Bare(raw) => (raw, false),
        };
        // The usual value, printable ASCII without escapes, is shown as it is written: one
        // look at its bytes decides, instead of decoding, checking and neutralising in turn.
        let (mut plain, mut spaced) = (true, false);
        for &b in raw {
            plain &= (0x20..0x7f).contains(&b) && b != b'\\';
            spaced |= b == b' ' || b == b'=';
        }
        if plain {
            let quote = string && (raw.is_empty() || spaced);
            self.push_plain(raw, max, quote);
            return;
        }
        let text = decode::text(value);
        let quote = string
            && (text.is_empty() || text.iter().any(|b| b.is_ascii_whitespace() || *b == b'='));
        if quote {
            self.text.push(b'"');
        }
        self.push_value(&text, max);
        if quote {
            self.text.push(b'"');
        }
    }

    /// Appends printable ASCII `text` (in quotes when `quote`), cut with `…` after `max`
    /// characters.
    fn push_plain(&mut self, text: &[u8], max: usize, quote: bool) {
        if quote {
            self.text.push(b'"');
        }
        if text.len() > max {
            self.text.extend_from_slice(&text[..max.saturating_sub(1)]);
            self.marker("…");
        } else {
            self.text.extend_from_slice(text);
        }
        if quote {
            self.text.push(b'"');
        }
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
        if text.iter().all(|&b| (0x20..0x7f).contains(&b)) {
            self.push_plain(text, max, false);
            return;
        }
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

    /// The layout worked out from the fields themselves: each part's winner is the field whose
    /// key ranks first in its table (the first of equal rank), the rest follow in order.
    fn expected(fields: &[(String, String)]) -> String {
        let mut best: [Option<(usize, usize)>; 5] = [None; 5];
        for (i, (key, _)) in fields.iter().enumerate() {
            if let Some((role, rank)) = keys::role_of(key.as_bytes())
                && best[role as usize].is_none_or(|(r, _)| rank < r)
            {
                best[role as usize] = Some((rank, i));
            }
        }
        let [_, level, message, logger, caller] = best.map(|b| b.map(|(_, i)| i));
        let mut out = Vec::new();
        if let Some(i) = level {
            out.push(match fields[i].1.as_str() {
                "warn" => "WRN".to_owned(),
                "error" => "ERR".to_owned(),
                "info" => "INF".to_owned(),
                other => other.to_owned(),
            });
        }
        if let Some(i) = logger {
            out.push(format!("{}:", fields[i].1));
        }
        if let Some(i) = message {
            out.push(fields[i].1.clone());
        }
        let taken = [level, message, logger, caller];
        for (i, (key, value)) in fields.iter().enumerate() {
            if !taken.contains(&Some(i)) {
                out.push(format!("{key}={value}"));
            }
        }
        if let Some(i) = caller {
            out.push(format!("→ {}", fields[i].1));
        }
        out.join(" ")
    }

    proptest::proptest! {
        /// Fields that play a part stream past in any order and number (two messages, a
        /// level inside a nested object): the winners lead, the losers stay in their places.
        #[test]
        fn header_winners_and_losers_in_place(
            members in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "msg", "message", "event", "level", "lvl", "logger", "name", "caller",
                        "a", "b", "log",
                    ]),
                    proptest::sample::select(vec!["info", "warn", "error", "x1", "y2"]),
                    proptest::bool::ANY,
                ),
                0..10,
            )
        ) {
            let mut json = Vec::new();
            let mut fields = Vec::new();
            for (key, value, nested) in &members {
                if *nested {
                    // `log.level` is a level key of its own (rank 4); `log.msg` is none.
                    json.push(format!(r#""log":{{"{key}":"{value}"}}"#));
                    fields.push((format!("log.{key}"), (*value).to_owned()));
                } else {
                    json.push(format!(r#""{key}":"{value}""#));
                    fields.push(((*key).to_owned(), (*value).to_owned()));
                }
            }
            let line = format!("{{{}}}", json.join(","));
            let got = shown(&line, &[], 200);
            proptest::prop_assert_eq!(got, expected(&fields), "{}", line);
        }
    }

    #[test]
    fn a_broken_object_is_text_not_an_empty_record() {
        assert_eq!(shown(r#"{"level":"info","msg":"hel"#, &[], 40), "");
        let hide = Hide::default();
        let options = Options {
            hide: &hide,
            max_value: 40,
            short_time: false,
        };
        assert!(render(br#"{"level":"info","msg":"hel"#, options, &Clock::now()).is_none());
        assert!(render(br#"{"a":1} trailing"#, options, &Clock::now()).is_none());
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
