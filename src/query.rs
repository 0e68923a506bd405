//! Queries over lines' fields: `--where EXPR` and the TUI's `&` prompt.
//!
//! | form | meaning |
//! | --- | --- |
//! | `FIELD = VALUE`, `!=` | equal (numbers as numbers, numeric strings too) |
//! | `<` `<=` `>` `>=` | ordered: numbers when the value is one, else text; `level` by severity |
//! | `FIELD ~ REGEX`, `!~` | matches a regex |
//! | `FIELD in (a, b, c)` | equal to one of them |
//! | `and`, `or`, `not`, `( )` | as usual (`not` first, then `and`, then `or`) |
//!
//! A FIELD is a record's dotted path (`http.status` is a nested `{"http":{"status":…}}` or a
//! literal `"http.status"` key), a logfmt key, or a `key=value` token of a text line; `level`,
//! `source`, `msg` (the record's message, or the whole line) and `line` (the raw text) are
//! fields of every line. A comparison on a missing field is false, `!=` and `!~` too. See
//! [`parse`] for the grammar.

mod parse;

use std::borrow::Cow;
use std::fmt;

use regex::bytes::Regex;

use crate::level::{self, Level};
use crate::record::{decode, envelope, keys, path};

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    expr: Expr,
}

/// Why a query does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The column (in characters, from 1) where it goes wrong.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl QueryError {
    fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        field: Field,
        op: Op,
        value: Operand,
    },
    In {
        field: Field,
        values: Vec<Operand>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Level,
    Source,
    Msg,
    Line,
    Path(Vec<u8>),
}

impl Field {
    fn named(name: &str) -> Self {
        match name {
            "level" => Self::Level,
            "source" => Self::Source,
            "msg" => Self::Msg,
            "line" => Self::Line,
            path => Self::Path(path.as_bytes().to_vec()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
}

/// A value to compare with, read every way it may be needed once, when parsed.
#[derive(Debug, Clone)]
struct Operand {
    text: String,
    number: Option<f64>,
    level: Option<Level>,
    regex: Option<Regex>,
}

/// A line as queries see it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Its bytes.
    pub line: &'a [u8],
    /// Its source's name.
    pub source: &'a str,
}

impl Query {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        Ok(Self {
            expr: parse::parse(text)?,
        })
    }

    /// The query that holds when all of `queries` hold (`--where`, repeated).
    pub fn all(queries: Vec<Query>) -> Option<Self> {
        queries
            .into_iter()
            .map(|q| q.expr)
            .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
            .map(|expr| Self { expr })
    }

    /// Whether `subject` satisfies the query. In an envelope ([`envelope`]), the fields are
    /// those of what the service wrote, then the envelope's own (`stream`).
    pub fn matches(&self, subject: Subject<'_>) -> bool {
        let opened = envelope::open(subject.line);
        let view = View {
            inner: opened.as_ref().map_or(subject.line, |o| &o.inner),
            raw: subject.line,
            source: subject.source,
            stream: opened.as_ref().and_then(|o| o.stream),
        };
        eval(&self.expr, &view)
    }
}

/// A line as a query looks at it.
struct View<'a> {
    /// What the service wrote (the line itself, outside an envelope).
    inner: &'a [u8],
    /// The line as read.
    raw: &'a [u8],
    source: &'a str,
    /// The envelope's stream.
    stream: Option<&'a [u8]>,
}

fn eval(expr: &Expr, s: &View<'_>) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, s) && eval(b, s),
        Expr::Or(a, b) => eval(a, s) || eval(b, s),
        Expr::Not(a) => !eval(a, s),
        Expr::Cmp { field, op, value } => compare(field, *op, value, s),
        Expr::In { field, values } => values.iter().any(|v| compare(field, Op::Eq, v, s)),
    }
}

fn compare(field: &Field, op: Op, value: &Operand, s: &View<'_>) -> bool {
    if *field == Field::Level {
        let Some(level) = level::detect(s.raw) else {
            return false;
        };
        return match (&value.regex, value.level) {
            (Some(re), _) => re.is_match(level.name().as_bytes()) == (op == Op::Match),
            (None, Some(wanted)) => ordered(op, level.cmp(&wanted)),
            (None, None) => false,
        };
    }
    let Some(text) = field_text(field, s) else {
        return false;
    };
    match op {
        Op::Match | Op::NotMatch => value
            .regex
            .as_ref()
            .is_some_and(|re| re.is_match(&text) == (op == Op::Match)),
        _ => {
            let number = value.number.and_then(|n| number(&text).map(|m| (m, n)));
            match (number, op) {
                (Some((m, n)), _) => m.partial_cmp(&n).is_some_and(|o| ordered(op, o)),
                // A number against text that is not one: only "not equal" can hold.
                (None, Op::Eq) => text.as_ref() == value.text.as_bytes(),
                (None, Op::Ne) => text.as_ref() != value.text.as_bytes(),
                (None, _) if value.number.is_some() => false,
                (None, _) => ordered(op, text.as_ref().cmp(value.text.as_bytes())),
            }
        }
    }
}

fn ordered(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        Op::Match | Op::NotMatch => false,
    }
}

/// The text of `field` in the line, decoded; `None` when the line has no such field.
fn field_text<'a>(field: &Field, s: &View<'a>) -> Option<Cow<'a, [u8]>> {
    match field {
        Field::Source => Some(Cow::Borrowed(s.source.as_bytes())),
        Field::Line => Some(Cow::Borrowed(s.raw)),
        Field::Msg => Some(
            keys::MESSAGE
                .iter()
                .find_map(|key| path::lookup(s.inner, key))
                .map_or(Cow::Borrowed(s.inner), decode::text),
        ),
        Field::Path(p) => path::lookup(s.inner, p)
            .or_else(|| (s.inner.len() != s.raw.len()).then(|| path::lookup(s.raw, p))?)
            .map(decode::text)
            .or_else(|| {
                (p.as_slice() == b"stream")
                    .then_some(s.stream)?
                    .map(Cow::Borrowed)
            }),
        Field::Level => None,
    }
}

/// `text` as a number (a numeric string too), if it is one.
fn number(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: [(&str, &str); 6] = [
        (
            "api",
            r#"{"level":"error","msg":"db down","http":{"status":503},"user":"ann"}"#,
        ),
        (
            "api",
            r#"{"level":"info","msg":"ok","http":{"status":"200"},"user":"bob"}"#,
        ),
        ("cache", r#"level=warn msg="slow get" dur=12 key=user:1"#),
        ("web", "2024-05-01 10:00:00 INFO GET /x status=404 took=3"),
        ("web", "plain line without fields"),
        ("api", r#"{"level":30,"msg":"pino","http.status":500}"#),
    ];

    /// The indices of the rows `query` keeps.
    fn kept(query: &str) -> Vec<usize> {
        let q = Query::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        ROWS.iter()
            .enumerate()
            .filter(|(_, (source, line))| {
                q.matches(Subject {
                    line: line.as_bytes(),
                    source,
                })
            })
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn comparisons_and_logic() {
        let table: &[(&str, &[usize])] = &[
            ("http.status >= 500", &[0, 5]),
            ("http.status = 200", &[1]),
            ("http.status != 200", &[0, 5]),
            ("status >= 400", &[3]),
            ("level >= warn", &[0, 2]),
            ("level = info", &[1, 3, 5]),
            ("level < info", &[]),
            ("source = web", &[3, 4]),
            ("source in (cache, web) and not level = info", &[2, 4]),
            ("msg ~ '^(db|slow)'", &[0, 2]),
            ("msg = \"slow get\"", &[2]),
            ("line ~ without", &[4]),
            ("user !~ ^a", &[1]),
            ("dur > 10 or took < 5", &[2, 3]),
            ("(user = ann or user = bob) and http.status > 250", &[0]),
            ("key = user:1", &[2]),
            ("missing = 1 or missing != 1", &[]),
            ("NOT level >= warn AND source = api", &[1, 5]),
            ("user > amy", &[0, 1]),
            ("http.status < abc", &[0, 1, 5]),
        ];
        for (query, want) in table {
            assert_eq!(kept(query), *want, "{query}");
        }
    }

    #[test]
    fn errors_say_where() {
        let table: &[(&str, usize, &str)] = &[
            ("", 1, "expected a field name"),
            ("level >=", 9, "expected a value"),
            ("level >= loud", 10, "not a level"),
            ("status 500", 8, "expected an operator"),
            ("(a = 1", 7, "expected `)`"),
            ("a = 1 b = 2", 7, "expected `and`, `or`"),
            ("a ~ '('", 5, "invalid regex"),
            ("a = 'open", 5, "unterminated string"),
            ("a in (1, 2", 11, "expected `,` or `)`"),
            ("a = 1 and", 10, "expected a field name"),
            ("a # 1", 3, "unexpected `#`"),
        ];
        for (query, column, message) in table {
            let e = Query::parse(query).expect_err(query);
            assert_eq!(e.column, *column, "{query}: {e}");
            assert!(e.message.contains(message), "{query}: {e}");
        }
        let deep = format!("{}a = 1{}", "(".repeat(1000), ")".repeat(1000));
        assert!(Query::parse(&deep).is_err(), "bounded nesting");
    }

    #[test]
    fn all_of_several() {
        let q = Query::all(vec![
            Query::parse("source = api").expect("valid"),
            Query::parse("level >= warn").expect("valid"),
        ])
        .expect("two");
        let s = |line: &'static str, source: &'static str| Subject {
            line: line.as_bytes(),
            source,
        };
        assert!(q.matches(s(ROWS[0].1, "api")));
        assert!(!q.matches(s(ROWS[1].1, "api")));
        assert!(Query::all(Vec::new()).is_none());
    }
}
