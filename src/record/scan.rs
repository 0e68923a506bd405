//! The scanner: the fields of a structured line, seen without copying — a JSON object's
//! top-level members, or logfmt's `key=value key2="quoted value"` pairs.
//!
//! The scanners are tolerant and bounded: they walk the line once, stop at the first byte that
//! does not fit the shape (yielding what came before), and never decode anything — a string
//! value is handed out as the raw bytes between its quotes, escapes included. Callers that need
//! a decoded value decode the one they use.

/// A field's value, as it appears in the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A quoted string: the bytes between the quotes, escapes not decoded.
    Str(&'a [u8]),
    /// Anything else: a number, `true`, a bare logfmt word, or (JSON) a nested object or array
    /// with its brackets.
    Bare(&'a [u8]),
}

/// The fields of `line` when it is a JSON object or a logfmt record (its first token is
/// `key=value`); `None` for other lines.
pub fn fields(line: &[u8]) -> Option<Fields<'_>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &line[start..];
    if rest[0] == b'{' {
        return Some(Fields::Json(JsonFields { s: rest, pos: 1 }));
    }
    let key_end = rest.iter().position(|b| !is_key_byte(*b))?;
    (key_end > 0 && rest[key_end] == b'=')
        .then_some(Fields::Logfmt(LogfmtFields { s: rest, pos: 0 }))
}

/// An iterator over a record's fields, in the record's order.
#[derive(Debug, Clone)]
pub enum Fields<'a> {
    /// A JSON object's top-level members.
    Json(JsonFields<'a>),
    /// logfmt pairs.
    Logfmt(LogfmtFields<'a>),
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Fields::Json(f) => f.next(),
            Fields::Logfmt(f) => f.next(),
        }
    }
}

/// Top-level members of a JSON object; see [`fields`].
#[derive(Debug, Clone)]
pub struct JsonFields<'a> {
    s: &'a [u8],
    /// Next byte to look at; past the end once the object ended or broke off.
    pos: usize,
}

impl<'a> JsonFields<'a> {
    /// The members of `object`, a JSON object's text (from its `{`).
    pub fn new(object: &'a [u8]) -> Self {
        Self { s: object, pos: 1 }
    }
}

impl<'a> Iterator for JsonFields<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        let mut at = skip_ws(s, self.pos);
        if s.get(at) == Some(&b',') {
            at = skip_ws(s, at + 1);
        }
        if s.get(at) != Some(&b'"') {
            self.pos = s.len();
            return None;
        }
        let key_end = string_end(s, at + 1)?;
        let key = &s[at + 1..key_end];
        at = skip_ws(s, key_end + 1);
        if s.get(at) != Some(&b':') {
            self.pos = s.len();
            return None;
        }
        at = skip_ws(s, at + 1);
        let (value, end) = match s.get(at)? {
            b'"' => {
                let end = string_end(s, at + 1)?;
                (Value::Str(&s[at + 1..end]), end + 1)
            }
            b'{' | b'[' => {
                let end = nested_end(s, at)?;
                (Value::Bare(&s[at..end]), end)
            }
            _ => {
                let len = s[at..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                    .unwrap_or(s.len() - at);
                (Value::Bare(&s[at..at + len]), at + len)
            }
        };
        self.pos = end;
        Some((key, value))
    }
}

/// logfmt pairs; see [`fields`]. A token without `=` is skipped (some loggers put a bare word
/// among the pairs); scanning ends at an unterminated quote.
#[derive(Debug, Clone)]
pub struct LogfmtFields<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> LogfmtFields<'a> {
    /// The `key=value` pairs among the tokens of `line`.
    pub fn new(line: &'a [u8]) -> Self {
        Self { s: line, pos: 0 }
    }
}

impl<'a> Iterator for LogfmtFields<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        loop {
            let at = skip_ws(s, self.pos);
            if at >= s.len() {
                self.pos = at;
                return None;
            }
            let key_len = s[at..].iter().take_while(|b| is_key_byte(**b)).count();
            let eq = at + key_len;
            if key_len == 0 || s.get(eq) != Some(&b'=') {
                // Not a pair: skip the token.
                self.pos = s[at..]
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .map_or(s.len(), |n| at + n);
                continue;
            }
            let key = &s[at..eq];
            let v = eq + 1;
            if s.get(v) == Some(&b'"') {
                let Some(end) = string_end(s, v + 1) else {
                    self.pos = s.len();
                    return None;
                };
                self.pos = end + 1;
                return Some((key, Value::Str(&s[v + 1..end])));
            }
            let len = s[v..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(s.len() - v);
            self.pos = v + len;
            return Some((key, Value::Bare(&s[v..v + len])));
        }
    }
}

/// Bytes a logfmt key is made of.
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@' | b'/')
}

fn skip_ws(s: &[u8], from: usize) -> usize {
    from + s.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|b| b.is_ascii_whitespace()).count()
    })
}

/// The index of the quote closing a string whose content starts at `from`.
fn string_end(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// One past the bracket closing the object or array opening at `from`.
pub fn nested_end(s: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'"' => i = string_end(s, i + 1)?,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(line: &str) -> Vec<(String, Value<'_>)> {
        fields(line.as_bytes())
            .map(|f| {
                f.map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn json_members_in_order_nested_skipped_whole() {
        let got = all(r#" {"a": "x\"y", "n":-1.5e3,"o":{"k":[1,"}"]},"b":true , "z":null}"#);
        assert_eq!(
            got,
            vec![
                ("a".into(), Value::Str(br#"x\"y"#)),
                ("n".into(), Value::Bare(b"-1.5e3")),
                ("o".into(), Value::Bare(br#"{"k":[1,"}"]}"#)),
                ("b".into(), Value::Bare(b"true")),
                ("z".into(), Value::Bare(b"null")),
            ]
        );
    }

    #[test]
    fn broken_json_yields_what_came_before() {
        assert_eq!(
            all(r#"{"a":1,"b":"unterminated"#),
            vec![("a".into(), Value::Bare(b"1"))]
        );
        assert_eq!(all(r#"{"a" 1}"#), vec![]);
        assert_eq!(all("{"), vec![]);
    }

    #[test]
    fn logfmt_pairs_quoted_and_bare() {
        let got = all(r#"ts=2024-05-01T10:00:00Z level=info msg="a b \" c" junk @t=1"#);
        assert_eq!(
            got,
            vec![
                ("ts".into(), Value::Bare(b"2024-05-01T10:00:00Z")),
                ("level".into(), Value::Bare(b"info")),
                ("msg".into(), Value::Str(br#"a b \" c"#)),
                ("@t".into(), Value::Bare(b"1")),
            ]
        );
    }

    #[test]
    fn text_lines_are_not_records() {
        assert!(fields(b"2024-05-01 10:00:00 INFO a=b").is_none());
        assert!(fields(b"=oops").is_none());
        assert!(fields(b"").is_none());
    }
}
