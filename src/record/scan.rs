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
        return Some(Fields::Json(JsonFields::new(rest)));
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
    /// One past the object's closing brace, once it was reached.
    closed: Option<usize>,
}

impl<'a> JsonFields<'a> {
    /// The members of `object`, a JSON object's text (from its `{`).
    pub fn new(object: &'a [u8]) -> Self {
        Self {
            s: object,
            pos: 1,
            closed: None,
        }
    }

    /// One past the object's closing brace, once the members were walked to it (`None` while
    /// they were not, or when the object broke off).
    pub fn closed(&self) -> Option<usize> {
        self.closed
    }
}

impl<'a> JsonFields<'a> {
    /// The next member's key, and where its value starts (see [`JsonFields::value_at`]);
    /// `None` at the object's end or where it breaks off.
    // Always inlined, as value_at.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn next_key(&mut self) -> Option<(&'a [u8], usize)> {
        let s = self.s;
        let mut at = skip_ws(s, self.pos);
        if s.get(at) == Some(&b',') {
            at = skip_ws(s, at + 1);
        }
        if s.get(at) != Some(&b'"') {
            if s.get(at) == Some(&b'}') {
                self.closed = Some(at + 1);
            }
            self.pos = s.len();
            return None;
        }
        let Some(key_end) = string_end(s, at + 1) else {
            self.pos = s.len();
            return None;
        };
        let key = &s[at + 1..key_end];
        at = skip_ws(s, key_end + 1);
        if s.get(at) != Some(&b':') {
            self.pos = s.len();
            return None;
        }
        at = skip_ws(s, at + 1);
        if at >= s.len() {
            self.pos = s.len();
            return None;
        }
        Some((key, at))
    }

    /// The value starting at `at` (from [`JsonFields::next_key`]); the walk goes on after it.
    // Always inlined: returned through memory, the value stalled its caller's loads (measured:
    // 8% of rendering).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn value_at(&mut self, at: usize) -> Option<Value<'a>> {
        let s = self.s;
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
        Some(value)
    }

    /// The text from `at` on: where a nested object's walk starts.
    #[inline]
    pub fn rest(&self, at: usize) -> &'a [u8] {
        &self.s[at.min(self.s.len())..]
    }

    /// Goes on after a value the caller walked itself, `len` bytes from `at`.
    #[inline]
    pub fn skip(&mut self, at: usize, len: usize) {
        self.pos = at + len;
    }
}

impl<'a> Iterator for JsonFields<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, at) = self.next_key()?;
        let value = self.value_at(at);
        if value.is_none() {
            self.pos = self.s.len();
        }
        Some((key, value?))
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

#[inline]
fn skip_ws(s: &[u8], from: usize) -> usize {
    from + s.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|b| b.is_ascii_whitespace()).count()
    })
}

/// The index of the quote closing a string whose content starts at `from`.
#[inline]
pub fn string_end(s: &[u8], from: usize) -> Option<usize> {
    // Keys and most values are short: eight bytes at a time in a register beats starting a
    // vector search; past 32 bytes, the vector search.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut i = from;
    while i < from + 32 {
        let Some(bytes) = s.get(i..i + 8) else {
            // The last few bytes of the line, one by one.
            let n = s.get(i..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
            return if s[i + n] == b'"' {
                Some(i + n)
            } else {
                string_end_long(s, i + n)
            };
        };
        let mut word = [0; 8];
        word.copy_from_slice(bytes);
        let word = u64::from_le_bytes(word);
        let found = has(word, b'"') | has(word, b'\\');
        if found != 0 {
            // The lowest flag is exact (a borrow only spoils flags above it).
            let at = i + (found.trailing_zeros() / 8) as usize;
            return if s[at] == b'"' {
                Some(at)
            } else {
                string_end_long(s, at)
            };
        }
        i += 8;
    }
    string_end_long(s, i)
}

/// [`string_end`] past its first bytes, with a vector search.
fn string_end_long(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(n) = memchr::memchr2(b'"', b'\\', s.get(i..)?) {
        i += n;
        if s[i] == b'"' {
            return Some(i);
        }
        i += 2;
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
            // Numbers, words and whitespace: on to the next byte that matters.
            _ => {
                let rest = &s[i + 1..];
                let skip = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))
                    .unwrap_or(rest.len());
                i += skip;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::decode;
    use super::*;

    #[test]
    fn string_ends_at_the_first_unescaped_quote_at_any_offset() {
        // Quotes and escapes on every side of the eight-byte words and of the vector search.
        let naive = |s: &[u8], from: usize| {
            let mut i = from;
            while i < s.len() {
                match s[i] {
                    b'"' => return Some(i),
                    b'\\' => i += 2,
                    _ => i += 1,
                }
            }
            None
        };
        for len in 0..48 {
            for special in 0..len {
                for (a, b) in [(b'"', b'x'), (b'\\', b'"'), (b'\\', b'\\'), (b'\\', b'x')] {
                    let mut s = vec![b'a'; len];
                    s[special] = a;
                    if special + 1 < len {
                        s[special + 1] = b;
                    }
                    for from in 0..=len.min(3) {
                        assert_eq!(string_end(&s, from), naive(&s, from), "{s:?} from {from}");
                    }
                }
            }
        }
    }

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

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            (-1e12f64..1e12).prop_map(J::from),
            "\\PC{0,12}".prop_map(J::String),
            "[\\x00-\\x1f\"\\\\]{0,4}".prop_map(J::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
                proptest::collection::btree_map("\\PC{0,6}", inner, 0..4)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any JSON object serde_json writes (compact or pretty) gives its members, in order,
        /// each value the same once decoded.
        #[test]
        fn json_objects_give_what_serde_json_reads(
            members in proptest::collection::btree_map("\\PC{0,8}", json_value(), 0..8),
            pretty in any::<bool>(),
        ) {
            let object = serde_json::Value::Object(members.clone().into_iter().collect());
            let text = if pretty {
                serde_json::to_string_pretty(&object)
            } else {
                serde_json::to_string(&object)
            }.expect("serialises");
            let got: Vec<(String, serde_json::Value)> = fields(text.as_bytes())
                .expect("an object")
                .map(|(k, v)| {
                    let key = String::from_utf8(decode::text(Value::Str(k)).into_owned()).expect("utf-8");
                    let value = match v {
                        Value::Str(_) => serde_json::Value::String(
                            String::from_utf8(decode::text(v).into_owned()).expect("utf-8"),
                        ),
                        Value::Bare(raw) => serde_json::from_slice(raw).expect("a JSON value"),
                    };
                    (key, value)
                })
                .collect();
            // What serde_json reads back of the same text (floats may not round trip exactly).
            let read: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).expect("reads back");
            let want: Vec<(String, serde_json::Value)> = read.into_iter().collect();
            prop_assert_eq!(got.len(), members.len());
            prop_assert_eq!(got, want);
        }

        /// logfmt written with quotes where needed reads back as written.
        #[test]
        fn logfmt_round_trips(
            pairs in proptest::collection::vec(("[a-z_][a-z0-9_.]{0,7}", "\\PC{0,10}"), 1..8),
        ) {
            let line: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    let bare = !v.is_empty()
                        && v.chars().all(|c| !c.is_whitespace() && c != '"' && c != '=' && c != '\\');
                    if bare {
                        format!("{k}={v}")
                    } else {
                        format!("{k}={}", serde_json::to_string(v).expect("a string"))
                    }
                })
                .collect();
            let line = line.join(" ");
            let got: Vec<(String, String)> = fields(line.as_bytes())
                .expect("logfmt")
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(k).into_owned(),
                        String::from_utf8_lossy(&decode::text(v)).into_owned(),
                    )
                })
                .collect();
            prop_assert_eq!(got, pairs);
        }

        /// Arbitrary bytes: the scanner, records, lookups and rendering end without a panic.
        #[test]
        fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Some(f) = fields(&line) {
                for (k, v) in f {
                    let (Value::Str(b) | Value::Bare(b)) = v;
                    prop_assert!(k.len() <= line.len() && b.len() <= line.len());
                }
            }
            let _ = super::super::Record::parse(&line);
            let _ = super::super::path::lookup(&line, b"a.b");
            let hide = super::super::hide::Hide::default();
            let options = super::super::render::Options { hide: &hide, max_value: 8, short_time: true };
            let _ = super::super::render::render(&line, options, &crate::timestamp::Clock::now());
        }
    }
}
