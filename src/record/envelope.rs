//! Envelopes: lines a platform wrapped around what a service wrote. The inner text is then a line
//! like any other (a JSON or logfmt record, or text), and the envelope's time (and stream) are
//! the record's when the inner text carries none.
//!
//! - Docker's `json-file` driver: `{"log":"…\n","stream":"stderr","time":"…"}`.
//! - The Kubernetes CRI file format (`/var/log/pods`): `TIME stdout F text` (`P`: a part).
//! - `kubectl logs --timestamps`: `TIME text`, when the text is a JSON or logfmt record.
//! - `journalctl -o json`, when its `MESSAGE` is a JSON or logfmt record (otherwise the journal
//!   record is itself the record: `MESSAGE`, `PRIORITY` and `__REALTIME_TIMESTAMP` are known keys).
//!
//! A text prefix before a JSON object (a syslog header, `kubectl --prefix`, stern's `pod
//! container`) is no envelope: [`super::Record`] keeps it apart itself.

use std::borrow::Cow;

use super::decode;
use super::scan::{self, Value};

/// What an envelope holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The line the service wrote, without its newline.
    pub inner: Cow<'a, [u8]>,
    /// The envelope's time, as written.
    pub time: Value<'a>,
    /// `stdout` or `stderr`, when the envelope says.
    pub stream: Option<&'a [u8]>,
}

/// The envelope `line` is, if it is one.
pub fn open(line: &[u8]) -> Option<Opened<'_>> {
    match line.first()? {
        b'{' => {
            // The first key tells: one look, not one per envelope.
            let mut fields = scan::JsonFields::new(line);
            match fields.next_key()? {
                (b"log", at) => docker(fields, at),
                (b"__CURSOR", at) => {
                    fields.value_at(at)?;
                    journald(fields)
                }
                _ => None,
            }
        }
        b'0'..=b'9' => timestamped(line),
        _ => None,
    }
}

/// Docker's `json-file`: `log` first, as Docker writes it, then `stream` and `time`;
/// `log`'s value starts at `at` among `fields`.
fn docker(mut fields: scan::JsonFields<'_>, at: usize) -> Option<Opened<'_>> {
    let log @ Value::Str(_) = fields.value_at(at)? else {
        return None;
    };
    let (mut time, mut stream) = (None, None);
    for (key, value) in fields {
        match (key, value) {
            (b"time", v) => time = Some(v),
            (b"stream", Value::Str(s)) => stream = Some(s),
            _ => {}
        }
    }
    let inner = match decode::text(log) {
        Cow::Borrowed(b) => Cow::Borrowed(trim_newline(b)),
        Cow::Owned(mut b) => {
            let len = trim_newline(&b).len();
            b.truncate(len);
            Cow::Owned(b)
        }
    };
    Some(Opened {
        inner,
        time: time?,
        stream,
    })
}

/// journald's JSON export (it starts with `__CURSOR`), when its `MESSAGE` is itself a record;
/// `fields`: the ones after `__CURSOR`.
fn journald(fields: scan::JsonFields<'_>) -> Option<Opened<'_>> {
    let (mut time, mut message) = (None, None);
    for (key, value) in fields {
        match key {
            b"__REALTIME_TIMESTAMP" => time = Some(value),
            b"MESSAGE" => message = Some(value),
            _ => {}
        }
    }
    let inner = decode::text(message?);
    let structured = inner.first() == Some(&b'{') || scan::fields(&inner).is_some();
    structured.then_some(Opened {
        inner,
        time: time?,
        stream: None,
    })
}

/// CRI (`TIME STREAM P|F text`) or `kubectl logs --timestamps` (`TIME text`, the text a record).
fn timestamped(line: &[u8]) -> Option<Opened<'_>> {
    let space = memchr::memchr(b' ', line)?;
    let time = &line[..space];
    if !is_rfc3339(time) {
        return None;
    }
    let rest = &line[space + 1..];
    let mut words = rest.splitn(3, |&b| b == b' ');
    if let (Some(stream @ (b"stdout" | b"stderr")), Some(b"P" | b"F"), Some(text)) =
        (words.next(), words.next(), words.next())
    {
        return Some(Opened {
            inner: Cow::Borrowed(text),
            time: Value::Bare(time),
            stream: Some(stream),
        });
    }
    let structured = rest.first() == Some(&b'{') || scan::fields(rest).is_some();
    structured.then_some(Opened {
        inner: Cow::Borrowed(rest),
        time: Value::Bare(time),
        stream: None,
    })
}

/// `2024-05-01T10:00:00[.fraction](Z|±hh:mm)`: the timestamps these envelopes write.
fn is_rfc3339(s: &[u8]) -> bool {
    s.len() >= 20
        && s[..4].iter().all(u8::is_ascii_digit)
        && s[4] == b'-'
        && s[10] == b'T'
        && (s.ends_with(b"Z") || s[s.len() - 6] == b'+' || s[s.len() - 6] == b'-')
}

fn trim_newline(s: &[u8]) -> &[u8] {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    s.strip_suffix(b"\r").unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_cri_and_kubectl() {
        let d = open(br#"{"log":"{\"level\":\"error\",\"msg\":\"x\"}\n","stream":"stderr","time":"2024-05-01T10:00:00.123456789Z"}"#)
            .expect("docker");
        assert_eq!(&*d.inner, br#"{"level":"error","msg":"x"}"#);
        assert_eq!(d.stream, Some(&b"stderr"[..]));
        assert_eq!(d.time, Value::Str(b"2024-05-01T10:00:00.123456789Z"));
        let c = open(b"2024-05-01T10:00:00.5+02:00 stdout F plain text here").expect("cri");
        assert_eq!(&*c.inner, b"plain text here");
        assert_eq!(c.stream, Some(&b"stdout"[..]));
        let k = open(br#"2024-05-01T10:00:00Z {"msg":"hi"}"#).expect("kubectl");
        assert_eq!(&*k.inner, br#"{"msg":"hi"}"#);
        assert_eq!(k.stream, None);
        // A text line with an ISO timestamp is just a text line.
        assert!(open(b"2024-05-01T10:00:00Z GET /x 200").is_none());
        assert!(open(br#"{"msg":"not docker","log":"x"}"#).is_none());
        assert!(open(b"").is_none());
        let j = open(br#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1714557600000000","PRIORITY":"6","MESSAGE":"{\"level\":\"warn\",\"msg\":\"slow\"}"}"#)
            .expect("a journal record holding JSON");
        assert_eq!(&*j.inner, br#"{"level":"warn","msg":"slow"}"#);
        assert_eq!(j.time, Value::Str(b"1714557600000000"));
        assert!(
            open(br#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1","MESSAGE":"plain text"}"#)
                .is_none(),
            "a text MESSAGE: the journal record is the record"
        );
    }
}
