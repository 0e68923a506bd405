//! A line seen as a record: its fields in the record's order, nested objects flattened into
//! dotted paths (`{"http":{"status":500}}` gives `http.status`, as a literal `"http.status"` key
//! does), values borrowed from the line.
//!
//! Three shapes: a JSON object (after an optional text prefix: a syslog header, `kubectl
//! --prefix`, stern's `pod container`), a logfmt line (its first token is `key=value`), and a
//! text line whose `key=value` tokens are fields too (`GET /x status=500 dur=3ms`). Bounded:
//! objects nested deeper than [`MAX_DEPTH`] stay one value, and a record keeps at most
//! [`MAX_FIELDS`] fields (the first ones: with duplicate keys, the first wins).

use std::borrow::Cow;

use super::scan::{self, JsonFields, Value};

/// Objects nested deeper than this are one value (their JSON text).
pub const MAX_DEPTH: usize = 16;
/// Fields kept per record.
pub const MAX_FIELDS: usize = 1024;

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON object, possibly after a text prefix.
    Json,
    /// A logfmt record.
    Logfmt,
    /// Text, with `key=value` tokens among its words.
    Text,
}

/// A line's fields; see the module docs.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// What the line is.
    pub shape: Shape,
    /// Text before the JSON object (empty for the other shapes).
    pub prefix: &'a [u8],
    /// The fields, in the record's order: dotted path and value.
    pub fields: Vec<(Cow<'a, [u8]>, Value<'a>)>,
}

impl<'a> Record<'a> {
    /// The record `line` holds; a text line without `key=value` tokens has no fields.
    pub fn parse(line: &'a [u8]) -> Self {
        let mut fields = Vec::new();
        if let Some((prefix, object)) = json_object(line) {
            flatten(object, &mut Vec::new(), 0, &mut fields);
            return Self {
                shape: Shape::Json,
                prefix,
                fields,
            };
        }
        let shape = if scan::fields(line).is_some() {
            Shape::Logfmt
        } else {
            Shape::Text
        };
        fields.extend(
            scan::LogfmtFields::new(line)
                .take(MAX_FIELDS)
                .map(|(k, v)| (Cow::Borrowed(k), v)),
        );
        Self {
            shape,
            prefix: &[],
            fields,
        }
    }

    /// The record `line` holds when it is a JSON object or a logfmt record; `None` for text
    /// (without collecting its `key=value` tokens).
    pub fn parse_structured(line: &'a [u8]) -> Option<Self> {
        if json_object(line).is_none() && scan::fields(line).is_none() {
            return None;
        }
        Some(Self::parse(line))
    }

    /// True for JSON and logfmt records (what is rendered).
    pub fn is_structured(&self) -> bool {
        self.shape != Shape::Text
    }

    /// The value at `path` (the first, with duplicate keys).
    pub fn get(&self, path: &[u8]) -> Option<Value<'a>> {
        self.fields
            .iter()
            .find(|(k, _)| k.as_ref() == path)
            .map(|(_, v)| *v)
    }

    /// The first of `keys` present (in the table's order), with its position among the fields.
    pub fn role(&self, keys: &[&[u8]]) -> Option<(usize, Value<'a>)> {
        keys.iter().find_map(|key| {
            self.fields
                .iter()
                .position(|(k, _)| k.as_ref() == *key)
                .map(|i| (i, self.fields[i].1))
        })
    }
}

/// The JSON object in `line`, whole (only whitespace after it), and the text before it.
pub fn json_object(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let open = memchr::memchr(b'{', line)?;
    let end = scan::nested_end(line, open)?;
    if !line[end..].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some((&line[..open], &line[open..end]))
}

/// Appends the members of `object` (a JSON object's text) under `path`.
fn flatten<'a>(
    object: &'a [u8],
    path: &mut Vec<u8>,
    depth: usize,
    out: &mut Vec<(Cow<'a, [u8]>, Value<'a>)>,
) {
    for (key, value) in JsonFields::new(object) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let nested = matches!(value, Value::Bare(v) if v.first() == Some(&b'{'));
        if nested && depth < MAX_DEPTH {
            let Value::Bare(inner) = value else {
                continue;
            };
            let len = path.len();
            path.extend_from_slice(key);
            path.push(b'.');
            flatten(inner, path, depth + 1, out);
            path.truncate(len);
            continue;
        }
        let key = if path.is_empty() {
            Cow::Borrowed(key)
        } else {
            let mut full = path.clone();
            full.extend_from_slice(key);
            Cow::Owned(full)
        };
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(r: &Record<'_>) -> Vec<String> {
        r.fields
            .iter()
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .collect()
    }

    #[test]
    fn nested_objects_become_dotted_paths_in_order() {
        let line =
            br#"{"a":1,"http":{"status":500,"req":{"m":"GET"}},"http.status":404,"z":[1,{"x":2}]}"#;
        let r = Record::parse(line);
        assert_eq!(r.shape, Shape::Json);
        assert_eq!(
            keys(&r),
            ["a", "http.status", "http.req.m", "http.status", "z"]
        );
        assert_eq!(
            r.get(b"http.status"),
            Some(Value::Bare(b"500")),
            "first wins"
        );
        assert_eq!(r.get(b"z"), Some(Value::Bare(br#"[1,{"x":2}]"#)));
        assert_eq!(r.get(b"nope"), None);
    }

    #[test]
    fn a_prefix_before_the_object_is_kept_apart() {
        let line = br#"Nov 24 10:00:00 host app[1]: {"msg":"hi","level":"info"}  "#;
        let r = Record::parse(line);
        assert_eq!(r.shape, Shape::Json);
        assert_eq!(r.prefix, b"Nov 24 10:00:00 host app[1]: ");
        assert_eq!(r.role(&[b"message", b"msg"]), Some((0, Value::Str(b"hi"))));
        // Text after the braces: not a record.
        assert_eq!(Record::parse(b"took {x} ms").shape, Shape::Text);
    }

    #[test]
    fn logfmt_and_tokens_in_text() {
        let r = Record::parse(br#"level=warn msg="slow query" dur=3ms"#);
        assert_eq!(r.shape, Shape::Logfmt);
        assert_eq!(keys(&r), ["level", "msg", "dur"]);
        let r = Record::parse(b"2024-05-01 10:00:00 INFO GET /x status=500 dur=3ms");
        assert_eq!(r.shape, Shape::Text);
        assert!(!r.is_structured());
        assert_eq!(r.get(b"status"), Some(Value::Bare(b"500")));
    }

    #[test]
    fn deep_and_wide_records_are_bounded() {
        let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        let r = Record::parse(deep.as_bytes());
        assert_eq!(r.fields.len(), 1);
        assert!(r.fields[0].0.len() <= 2 * (MAX_DEPTH + 1));
        let arrays = format!(r#"{{"a":{}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(Record::parse(arrays.as_bytes()).fields.len(), 1);
        let members: Vec<String> = (0..5000).map(|i| format!(r#""k{i}":{i}"#)).collect();
        let wide = format!("{{{}}}", members.join(","));
        assert_eq!(Record::parse(wide.as_bytes()).fields.len(), MAX_FIELDS);
    }
}
