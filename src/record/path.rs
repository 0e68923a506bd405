//! The value at a dotted path, found without copying or flattening: what a query compares.

use super::flat::{MAX_DEPTH, json_object};
use super::scan::{JsonFields, LogfmtFields, Value};

/// The value at `path` in `line`: a JSON object's member, nested objects walked (`http.status`
/// is `{"http":{"status":…}}` as well as a literal `"http.status"` key, whichever comes first),
/// or a logfmt pair or `key=value` token of a text line.
pub fn lookup<'a>(line: &'a [u8], path: &[u8]) -> Option<Value<'a>> {
    // An object from the first byte is walked as it is (a field that is there is there, even
    // if the line breaks off later); after a prefix, only when it is whole.
    if line.first() == Some(&b'{') {
        return in_object(line, path, 0);
    }
    match json_object(line) {
        Some((_, object)) => in_object(object, path, 0),
        None => LogfmtFields::new(line)
            .find(|(key, _)| *key == path)
            .map(|(_, value)| value),
    }
}

fn in_object<'a>(object: &'a [u8], path: &[u8], depth: usize) -> Option<Value<'a>> {
    for (key, value) in JsonFields::new(object) {
        if key == path {
            return Some(value);
        }
        let Some(rest) = path
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(b"."))
        else {
            continue;
        };
        if let Value::Bare(inner) = value
            && inner.first() == Some(&b'{')
            && depth < MAX_DEPTH
            && let Some(found) = in_object(inner, rest, depth + 1)
        {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_literal_logfmt_and_text() {
        let line = br#"{"http":{"status":500,"req":{"m":"GET"}},"http.status":404}"#;
        assert_eq!(lookup(line, b"http.status"), Some(Value::Bare(b"500")));
        assert_eq!(lookup(line, b"http.req.m"), Some(Value::Str(b"GET")));
        assert_eq!(
            lookup(br#"{"http.status":404}"#, b"http.status"),
            Some(Value::Bare(b"404"))
        );
        assert_eq!(lookup(line, b"http.missing"), None);
        assert_eq!(
            lookup(b"level=warn dur=3ms", b"dur"),
            Some(Value::Bare(b"3ms"))
        );
        assert_eq!(
            lookup(b"GET /x status=500 took", b"status"),
            Some(Value::Bare(b"500"))
        );
        assert_eq!(lookup(b"plain", b"plain"), None);
    }
}
