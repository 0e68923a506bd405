//! Log levels, as words in plain-text lines (`ERROR`, `WARN`…, coloured or not) or the level
//! field of JSON and logfmt records.

use crate::record::{self, Value, envelope, keys};

/// A log level, most severe last (so `>=` means "at least as severe").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// TRACE.
    Trace,
    /// DEBUG.
    Debug,
    /// INFO, NOTICE.
    Info,
    /// WARN, WARNING.
    Warn,
    /// ERROR, FATAL, CRITICAL, PANIC.
    Error,
}

impl Level {
    /// The short name shown in the status bar.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// How far into a line a level word is looked for: levels come early, after the timestamp.
const SCAN: usize = 160;

/// The level a line states, if any: a JSON or logfmt record's level field (a word in any case,
/// pino/bunyan's numbers 10–60, journald's priorities 0–7), or the first level word (upper
/// case, or `[info]`-style lower case in brackets) among the line's first bytes, escape
/// sequences skipped (a level coloured by the logger is still a level).
pub fn detect(line: &[u8]) -> Option<Level> {
    // What a service wrote inside an envelope states the level (one envelope deep: a hostile
    // line nesting envelopes must not recurse).
    if let Some(opened) = envelope::open(line)
        && let Some(level) = detect_plain(&opened.inner)
    {
        return Some(level);
    }
    detect_plain(line)
}

fn detect_plain(line: &[u8]) -> Option<Level> {
    let head = &line[..line.len().min(SCAN)];
    if let Some(level) = record_level(line) {
        return Some(level);
    }
    let mut i = 0;
    while i < head.len() {
        if head[i] == 0x1b {
            i = after_escape(head, i);
            continue;
        }
        if !head[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < head.len() && head[i].is_ascii_alphabetic() {
            i += 1;
        }
        let word = &head[start..i];
        let bracketed = start > 0
            && matches!(head[start - 1], b'[' | b'<')
            && matches!(head.get(i), Some(b']' | b'>'));
        if (word.iter().all(u8::is_ascii_uppercase) || bracketed)
            && let Some(level) = word_level(word)
        {
            return Some(level);
        }
    }
    access_level(line)
}

/// The level of a web server's access-log line (Common or Combined Log Format, which states
/// none), from its status as lnav does: 5xx error, 4xx warn, otherwise info.
fn access_level(line: &[u8]) -> Option<Level> {
    // `"GET /path HTTP/1.1" 503 …`: the status follows the quoted request.
    let http = memchr::memmem::find(line, b" HTTP/")?;
    let close = http + memchr::memchr(b'"', &line[http..])?;
    let status = line.get(close + 1..)?.strip_prefix(b" ")?;
    let digits = status.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) || status.get(3).is_some_and(|b| *b != b' ') {
        return None;
    }
    match digits[0] {
        b'5' => Some(Level::Error),
        b'4' => Some(Level::Warn),
        b'1'..=b'3' => Some(Level::Info),
        _ => None,
    }
}

fn word_level(word: &[u8]) -> Option<Level> {
    let mut upper = [0u8; 9];
    if word.len() > upper.len() {
        return None;
    }
    upper[..word.len()].copy_from_slice(word);
    upper[..word.len()].make_ascii_uppercase();
    Some(match &upper[..word.len()] {
        b"TRACE" => Level::Trace,
        b"DEBUG" => Level::Debug,
        b"INFO" | b"NOTICE" => Level::Info,
        b"WARN" | b"WARNING" => Level::Warn,
        b"ERROR" | b"ERR" | b"FATAL" | b"CRITICAL" | b"CRIT" | b"PANIC" | b"DPANIC" | b"ALERT"
        | b"EMERG" | b"EMERGENCY" => Level::Error,
        _ => return None,
    })
}

/// The level field of a JSON or logfmt record (the first of [`keys::LEVEL`] present).
fn record_level(line: &[u8]) -> Option<Level> {
    let first = *line.iter().find(|b| !b.is_ascii_whitespace())?;
    // The cheap test first: most text lines start with a digit or a bracket.
    let fields = if first == b'{' || first.is_ascii_alphabetic() {
        record::fields(line)
    } else {
        None
    };
    // A JSON object after a text prefix (a syslog header, `kubectl --prefix`).
    let mut fields = match fields {
        Some(fields) => fields,
        None if memchr::memchr(b'{', line).is_some() => {
            let (_, object) = record::flat::json_object(line)?;
            record::Fields::Json(record::scan::JsonFields::new(object))
        }
        None => return None,
    };
    let (key, value) = fields.find(|(key, _)| keys::LEVEL.contains(key))?;
    of_field(key, value)
}

/// The level a record's level field states (`key` says how to read a number).
pub fn of_field(key: &[u8], value: Value<'_>) -> Option<Level> {
    let (Value::Str(text) | Value::Bare(text)) = value;
    if !text.first().is_some_and(u8::is_ascii_digit) {
        // .NET's `Information`: a level in a level field, a word like any other in prose.
        if text.eq_ignore_ascii_case(b"information") {
            return Some(Level::Info);
        }
        return word_level(text);
    }
    let n: u32 = std::str::from_utf8(text).ok()?.parse().ok()?;
    if key == b"SeverityNumber" {
        // OpenTelemetry: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–24 error and fatal.
        return Some(match n {
            0..=4 => Level::Trace,
            5..=8 => Level::Debug,
            9..=12 => Level::Info,
            13..=16 => Level::Warn,
            _ => Level::Error,
        });
    }
    if key == b"PRIORITY" {
        // syslog priorities: 0 emerg … 3 err, 4 warning, 5 notice, 6 info, 7 debug.
        return Some(match n {
            0..=3 => Level::Error,
            4 => Level::Warn,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        });
    }
    // pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    Some(match n {
        0..=19 => Level::Trace,
        20..=29 => Level::Debug,
        30..=39 => Level::Info,
        40..=49 => Level::Warn,
        _ => Level::Error,
    })
}

/// The index after the escape sequence starting at `at` (`ESC [ … final`, or `ESC` and one
/// byte).
fn after_escape(s: &[u8], at: usize) -> usize {
    if s.get(at + 1) != Some(&b'[') {
        return (at + 2).min(s.len());
    }
    s[at + 2..]
        .iter()
        .position(|b| (0x40..=0x7e).contains(b))
        .map_or(s.len(), |n| at + 2 + n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_json() {
        assert_eq!(
            detect(b"2024-01-01 10:00:00,000 ERROR boom"),
            Some(Level::Error)
        );
        assert_eq!(detect(b"2024-01-01 10:00:00 WARN  slow"), Some(Level::Warn));
        assert_eq!(
            detect(b"Jun 14 15:16:01 host sshd[1]: INFO ok"),
            Some(Level::Info)
        );
        assert_eq!(detect(b"[2024-01-01] [debug] details"), Some(Level::Debug));
        assert_eq!(
            detect(br#"{"ts":1,"level":"warn","msg":"x"}"#),
            Some(Level::Warn)
        );
        assert_eq!(detect(br#"{"severity":"ERROR"}"#), Some(Level::Error));
        assert_eq!(detect(b"an error happened in lowercase prose"), None);
        assert_eq!(
            detect(b"INFORMATION is not a level; DEBUGGING neither"),
            None
        );
        assert_eq!(detect(b"    at com.example.Foo(Foo.java:1)"), None);
        let access = |status: &str| {
            let line = format!(
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" {status} 2326 "-" "curl""#
            );
            detect(line.as_bytes())
        };
        assert_eq!(access("503"), Some(Level::Error));
        assert_eq!(access("404"), Some(Level::Warn));
        assert_eq!(access("200"), Some(Level::Info));
        assert_eq!(detect(br#"say "HTTP/1.1" 2000 things"#), None);
        assert_eq!(
            detect(br#"[pod/api-1/app] {"level":"warn","msg":"x"}"#),
            Some(Level::Warn)
        );
    }

    #[test]
    fn records_and_coloured_words() {
        let cases: &[(&[u8], Option<Level>)] = &[
            (
                b"ts=2024-05-01T10:00:00Z level=info msg=started",
                Some(Level::Info),
            ),
            (b"level=WARNING msg=\"slow\"", Some(Level::Warn)),
            (br#"{"msg":"x","level":50}"#, Some(Level::Error)),
            (br#"{"level":30,"msg":"pino"}"#, Some(Level::Info)),
            (
                br#"{"PRIORITY":"4","MESSAGE":"journald"}"#,
                Some(Level::Warn),
            ),
            (
                br#"{"msg":"the word ERROR in a message","level":"debug"}"#,
                Some(Level::Debug),
            ),
            (
                b"2024-05-01 10:00:00 \x1b[31mERROR\x1b[0m boom",
                Some(Level::Error),
            ),
            (
                b"\x1b[1;33mWARN\x1b[0m cache miss ratio=0.90",
                Some(Level::Warn),
            ),
            (b"\x1b[32m\x1b[0m no level here", None),
            (b"\x1b[", None),
        ];
        for (line, want) in cases {
            assert_eq!(detect(line), *want, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn severity_order() {
        assert!(
            Level::Error > Level::Warn && Level::Warn > Level::Info && Level::Debug > Level::Trace
        );
    }
}
