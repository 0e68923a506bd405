//! A line seen as a record: its fields in the record's order, nested objects flattened into
//! dotted paths (`{"http":{"status":500}}` gives `http.status`, as a literal `"http.status"` key
//! does), values borrowed from the line.
//!
//! Three shapes: a JSON object (after an optional text prefix: a syslog header, `kubectl
//! --prefix`, stern's `pod container`), a logfmt line (its first token is `key=value`), and a
//! text line whose `key=value` tokens are fields too (`GET /x status=500 dur=3ms`). Bounded:
//! objects nested deeper than [`MAX_DEPTH`] stay one value, and a record keeps at most
//! [`MAX_FIELDS`] fields (the first ones: with duplicate keys, the first wins).

use super::keys;
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
    fields: Vec<(Key<'a>, Value<'a>)>,
    /// The dotted paths of nested fields, one after the other (one allocation per record).
    paths: Vec<u8>,
}

/// Where a field's key is.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    /// In the line.
    Line(&'a [u8]),
    /// In [`Record::paths`], at this range.
    Path(u32, u32),
}

impl<'a> Record<'a> {
    /// The record `line` holds; a text line without `key=value` tokens has no fields.
    pub fn parse(line: &'a [u8]) -> Self {
        if let Some(record) = Self::object(line) {
            return record;
        }
        let mut fields = Vec::new();
        let shape = if scan::fields(line).is_some() {
            Shape::Logfmt
        } else {
            Shape::Text
        };
        fields.extend(
            scan::LogfmtFields::new(line)
                .take(MAX_FIELDS)
                .map(|(k, v)| (Key::Line(k), v)),
        );
        Self {
            shape,
            prefix: &[],
            fields,
            paths: Vec::new(),
        }
    }

    /// The record `line` holds when it is a JSON object or a logfmt record; `None` for text
    /// (without collecting its `key=value` tokens).
    pub fn parse_structured(line: &'a [u8]) -> Option<Self> {
        if let Some(record) = Self::object(line) {
            return Some(record);
        }
        scan::fields(line).is_some().then(|| Self::parse(line))
    }

    /// The JSON object `line` holds whole (only whitespace after it), after an optional text
    /// prefix: flattened in the one pass that also checks it closes.
    fn object(line: &'a [u8]) -> Option<Self> {
        let open = memchr::memchr(b'{', line)?;
        let object = &line[open..];
        let mut fields = Vec::with_capacity(16);
        let mut paths = Vec::new();
        let end = walk(object, &mut Vec::new(), &mut |key, value| {
            let key = match key {
                Path::Top(key) => Key::Line(key),
                Path::Nested(path) => {
                    let from = paths.len();
                    paths.extend_from_slice(path);
                    // A record is at most a line long (far below 4 GiB).
                    let index = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                    Key::Path(index(from), index(paths.len()))
                }
            };
            fields.push((key, value));
        })?;
        object[end..]
            .iter()
            .all(u8::is_ascii_whitespace)
            .then(|| Self {
                shape: Shape::Json,
                prefix: &line[..open],
                fields,
                paths,
            })
    }

    /// True for JSON and logfmt records (what is rendered).
    pub fn is_structured(&self) -> bool {
        self.shape != Shape::Text
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when it has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i`'s dotted path.
    pub fn key(&self, i: usize) -> &[u8] {
        match self.fields[i].0 {
            Key::Line(k) => k,
            Key::Path(from, to) => &self.paths[from as usize..to as usize],
        }
    }

    /// The fields in the record's order: dotted path and value.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Value<'a>)> + '_ {
        (0..self.fields.len()).map(|i| (self.key(i), self.fields[i].1))
    }

    /// The fields playing each part ([`keys`]), in one pass: for each part, the field whose key
    /// comes first in that part's table, with its position among the fields.
    pub fn roles(&self) -> Roles<'a> {
        let mut best: [Option<(usize, usize, Value<'a>)>; 5] = [None; 5];
        for (i, (key, value)) in self.iter().enumerate() {
            let Some((role, rank)) = keys::role_of(key) else {
                continue;
            };
            let slot = &mut best[role as usize];
            if slot.is_none_or(|(r, _, _)| rank < r) {
                *slot = Some((rank, i, value));
            }
        }
        let [time, level, message, logger, caller] = best.map(|b| b.map(|(_, i, v)| (i, v)));
        Roles {
            time,
            level,
            message,
            logger,
            caller,
        }
    }
}

/// The fields of a record playing each part: their position among its fields, and their value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Roles<'a> {
    /// Its time.
    pub time: Option<(usize, Value<'a>)>,
    /// Its level.
    pub level: Option<(usize, Value<'a>)>,
    /// Its message.
    pub message: Option<(usize, Value<'a>)>,
    /// The logger that wrote it.
    pub logger: Option<(usize, Value<'a>)>,
    /// Where in the code.
    pub caller: Option<(usize, Value<'a>)>,
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

/// A field's dotted path as [`walk`] hands it out.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a, 'p> {
    /// A top-level key, in the line.
    Top(&'a [u8]),
    /// A nested field's path, built for the call.
    Nested(&'p [u8]),
}

impl Path<'_, '_> {
    /// The dotted path.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Path::Top(key) | Path::Nested(key) => key,
        }
    }
}

/// Walks the JSON object `object` (its text from the `{`) once, calling `visit` with each field
/// in order — nested objects flattened into dotted paths, at most [`MAX_FIELDS`] fields —
/// and returns one past its closing brace (`None` when it breaks off). `path` is scratch.
pub fn walk<'a>(
    object: &'a [u8],
    path: &mut Vec<u8>,
    visit: &mut impl FnMut(Path<'a, '_>, Value<'a>),
) -> Option<usize> {
    path.clear();
    let mut count = 0;
    let mut members = JsonFields::new(object);
    walk_members(&mut members, path, 0, &mut count, visit);
    members.closed()
}

/// The members of one object; on past [`MAX_FIELDS`] too, to see where the object ends.
fn walk_members<'a>(
    members: &mut JsonFields<'a>,
    path: &mut Vec<u8>,
    depth: usize,
    count: &mut usize,
    visit: &mut impl FnMut(Path<'a, '_>, Value<'a>),
) {
    while let Some((key, at)) = members.next_key() {
        let rest = members.rest(at);
        if rest.first() == Some(&b'{') && depth < MAX_DEPTH {
            // Walked in place: the nested object's text is read once.
            let len = path.len();
            path.extend_from_slice(key);
            path.push(b'.');
            let mut inner = JsonFields::new(rest);
            walk_members(&mut inner, path, depth + 1, count, visit);
            path.truncate(len);
            // Members that break off inside brackets that close: the walk goes on after them.
            match inner.closed().or_else(|| scan::nested_end(rest, 0)) {
                Some(end) => members.skip(at, end),
                None => return,
            }
            continue;
        }
        let Some(value) = members.value_at(at) else {
            return;
        };
        if *count >= MAX_FIELDS {
            continue;
        }
        *count += 1;
        if path.is_empty() {
            visit(Path::Top(key), value);
        } else {
            let len = path.len();
            path.extend_from_slice(key);
            visit(Path::Nested(path), value);
            path.truncate(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value at `path` (the first, with duplicate keys).
    fn get<'a>(r: &Record<'a>, path: &[u8]) -> Option<Value<'a>> {
        r.iter().find(|(k, _)| *k == path).map(|(_, v)| v)
    }

    fn keys(r: &Record<'_>) -> Vec<String> {
        r.iter()
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
            get(&r, b"http.status"),
            Some(Value::Bare(b"500")),
            "first wins"
        );
        assert_eq!(get(&r, b"z"), Some(Value::Bare(br#"[1,{"x":2}]"#)));
        assert_eq!(get(&r, b"nope"), None);
    }

    #[test]
    fn a_prefix_before_the_object_is_kept_apart() {
        let line = br#"Nov 24 10:00:00 host app[1]: {"msg":"hi","level":"info"}  "#;
        let r = Record::parse(line);
        assert_eq!(r.shape, Shape::Json);
        assert_eq!(r.prefix, b"Nov 24 10:00:00 host app[1]: ");
        assert_eq!(r.roles().message, Some((0, Value::Str(b"hi"))));
        let r = Record::parse(br#"{"message":"m","ts":1,"msg":"first in the table","time":2}"#);
        let roles = r.roles();
        assert_eq!(roles.message, Some((2, Value::Str(b"first in the table"))));
        assert_eq!(roles.time, Some((1, Value::Bare(b"1"))));
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
        assert_eq!(get(&r, b"status"), Some(Value::Bare(b"500")));
    }

    #[test]
    fn deep_and_wide_records_are_bounded() {
        let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        let r = Record::parse(deep.as_bytes());
        assert_eq!(r.len(), 1);
        assert!(r.key(0).len() <= 2 * (MAX_DEPTH + 1));
        let arrays = format!(r#"{{"a":{}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(Record::parse(arrays.as_bytes()).len(), 1);
        let members: Vec<String> = (0..5000).map(|i| format!(r#""k{i}":{i}"#)).collect();
        let wide = format!("{{{}}}", members.join(","));
        assert_eq!(Record::parse(wide.as_bytes()).len(), MAX_FIELDS);
    }
}
