//! `--format json`: one normalised object per line, whatever the source wrote — `time` (RFC 3339,
//! UTC, from the line's instant), `level` (lower case), `source`, `msg`, and `fields` (the
//! record's other fields as they were: JSON values as written, logfmt values and `key=value`
//! tokens of text lines as strings). A text line's `msg` is the whole line.
//!
//! The output is always valid JSON and safe on a terminal: a value that does not parse is
//! written as a string, invalid UTF-8 becomes U+FFFD, and every control character (C1 included)
//! is escaped.

use super::format::Line;
use crate::level;
use crate::record::flat::Roles;
use crate::record::scan::Value;
use crate::record::{Record, Shape, decode, envelope};
use crate::timestamp::UNKNOWN;

/// Appends the object for `line` to `out` (for an envelope: for what the service wrote, with
/// the envelope's `stream`).
pub fn write(line: Line<'_>, out: &mut Vec<u8>) {
    let opened = envelope::open(line.text);
    let text = opened.as_ref().map_or(line.text, |o| &o.inner);
    let record = Record::parse(text);
    let structured = record.is_structured();
    let roles = if structured {
        record.roles()
    } else {
        Roles::default()
    };
    let (level_field, message, time) = (roles.level, roles.message, roles.time);
    let level = match level_field {
        Some((i, value)) => level::of_field(record.key(i), value),
        None => level::detect(line.text),
    };
    let line = Line { text, ..line };
    out.extend_from_slice(b"{\"time\":");
    match jiff::Timestamp::from_nanosecond(i128::from(line.instant)) {
        Ok(ts) if line.instant != UNKNOWN => string(ts.to_string().as_bytes(), out),
        _ => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"level\":");
    match level {
        Some(l) => string(l.name().to_ascii_lowercase().as_bytes(), out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"source\":");
    string(line.source.as_bytes(), out);
    out.extend_from_slice(b",\"msg\":");
    match (structured, message) {
        (false, _) => string(line.text, out),
        (true, Some((_, value))) => string(&decode::text(value), out),
        (true, None) => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"fields\":{");
    let taken: Vec<&[u8]> = [time, level_field, message]
        .into_iter()
        .flatten()
        .map(|(i, _)| record.key(i))
        .collect();
    let mut first = true;
    let mut put = |key: &[u8], value: Value<'_>, json: bool, out: &mut Vec<u8>| {
        if taken.contains(&key) {
            return;
        }
        if !std::mem::replace(&mut first, false) {
            out.push(b',');
        }
        string(key, out);
        out.push(b':');
        match value {
            // Parsed whole, not only checked: a number no reader can hold (`1E999`) is text.
            Value::Bare(raw)
                if json && serde_json::from_slice::<serde_json::Value>(raw).is_ok() =>
            {
                valid_raw(raw, out);
            }
            other => string(&decode::text(other), out),
        }
    };
    if let Some(stream) = opened.as_ref().and_then(|o| o.stream) {
        put(b"stream", Value::Str(stream), false, out);
    }
    if record.shape == Shape::Json {
        // Nested objects as they were, not flattened.
        let object = &line.text[record.prefix.len()..];
        for (key, value) in crate::record::scan::JsonFields::new(trim_start(object)) {
            put(key, value, true, out);
        }
    } else {
        for (key, value) in record.iter() {
            put(key, value, false, out);
        }
    }
    out.extend_from_slice(b"}}");
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[start..]
}

/// Appends `raw`, valid JSON, made safe on a terminal: a control byte in valid JSON is
/// whitespace between tokens (dropped), DEL and C1 controls are inside strings (escaped).
fn valid_raw(raw: &[u8], out: &mut Vec<u8>) {
    let Ok(text) = std::str::from_utf8(raw) else {
        out.extend_from_slice(b"null");
        return;
    };
    for c in text.chars() {
        match c {
            c if u32::from(c) < 0x20 => {}
            c if c.is_control() => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Appends `bytes` as a JSON string: invalid UTF-8 as U+FFFD, control characters escaped.
fn string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if c.is_control() => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str, instant: i64) -> serde_json::Value {
        let mut out = Vec::new();
        let line = Line {
            text: text.as_bytes(),
            source: "api",
            instant,
        };
        write(line, &mut out);
        serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
    }

    #[test]
    fn json_logfmt_and_text_become_one_shape() {
        let at = 1_795_511_702_481_000_000;
        let v = object(
            r#"{"level":30,"time":1795511702481,"msg":"hi","req":{"method":"GET"},"n":1.5,"ok":true}"#,
            at,
        );
        assert_eq!(
            v,
            serde_json::json!({"time":"2026-11-24T09:15:02.481Z","level":"info","source":"api","msg":"hi",
                "fields":{"req":{"method":"GET"},"n":1.5,"ok":true}})
        );
        let v = object(r#"level=warn msg="slow q" dur=3ms"#, at);
        assert_eq!(v["level"], "warn");
        assert_eq!(v["msg"], "slow q");
        assert_eq!(v["fields"], serde_json::json!({"dur":"3ms"}));
        let v = object("2026-11-24 09:15:02 ERROR boom status=500", at);
        assert_eq!(v["level"], "error");
        assert_eq!(v["msg"], "2026-11-24 09:15:02 ERROR boom status=500");
        assert_eq!(v["fields"], serde_json::json!({"status":"500"}));
        assert_eq!(object("no time", UNKNOWN)["time"], serde_json::Value::Null);
    }

    #[test]
    fn hostile_values_stay_valid_and_inert() {
        let v = object("{\"msg\":\"a\\u001b[2J\u{9b}b\",\"bad\":tru}", 0);
        assert_eq!(v["msg"], "a\u{1b}[2J\u{9b}b");
        assert_eq!(v["fields"]["bad"], "tru");
        let mut out = Vec::new();
        let line = Line {
            text: b"bytes \xff\x1b] here",
            source: "s",
            instant: 0,
        };
        write(line, &mut out);
        assert!(!out.iter().any(|&b| b < 0x20), "no raw control byte");
        assert!(!String::from_utf8_lossy(&out).contains('\u{9b}'));
        let v = object("{\"n\":{\"a\"\r\n:\t[\"\u{9b}\u{7f}\"]}}", 0);
        assert_eq!(v["fields"]["n"], serde_json::json!({"a":["\u{9b}\u{7f}"]}));
    }
}
