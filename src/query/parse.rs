//! The query language's grammar, read by recursive descent; every error says where (a column,
//! counted in characters from 1).
//!
//! ```text
//! expr       = and { "or" and }
//! and        = unary { "and" unary }
//! unary      = "not" unary | "(" expr ")" | comparison
//! comparison = FIELD OP VALUE | FIELD "in" "(" VALUE { "," VALUE } ")"
//! OP         = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
//! FIELD      = a word (letters, digits, `_ . - @ /`) or a quoted string
//! VALUE      = a number, a word, or a string in 'single' or "double" quotes; after `~` or
//!              `!~`, anything up to the next space is a regex too (`msg ~ ^db`)
//! ```
//! Keywords are case-insensitive.

use regex::bytes::Regex;

use super::{Expr, Field, Op, Operand, QueryError};
use crate::level::{self, Level};

/// How deep parentheses and `not`s may nest (a hostile query must not exhaust the stack).
const MAX_NESTING: usize = 64;

/// One token and the column it starts at.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

/// Parses `text` into an expression.
pub fn parse(text: &str) -> Result<Expr, QueryError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        end: text.chars().count() + 1,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some((_, col)) => Err(QueryError::new(
            col,
            "expected `and`, `or` or the end of the query",
        )),
    }
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let first = chars[at];
        let col = at + 1;
        let two = chars.get(at + 1).copied();
        let after_match = matches!(out.last(), Some((Token::Op(Op::Match | Op::NotMatch), _)));
        let (token, len) = match first {
            c if c.is_whitespace() => {
                at += 1;
                continue;
            }
            c if after_match && c != '"' && c != '\'' => {
                let len = chars[at..]
                    .iter()
                    .take_while(|c| !c.is_whitespace())
                    .count();
                (Token::Word(chars[at..at + len].iter().collect()), len)
            }
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            ',' => (Token::Comma, 1),
            '=' if two == Some('=') => (Token::Op(Op::Eq), 2),
            '=' => (Token::Op(Op::Eq), 1),
            '!' if two == Some('=') => (Token::Op(Op::Ne), 2),
            '!' if two == Some('~') => (Token::Op(Op::NotMatch), 2),
            '<' if two == Some('=') => (Token::Op(Op::Le), 2),
            '<' => (Token::Op(Op::Lt), 1),
            '>' if two == Some('=') => (Token::Op(Op::Ge), 2),
            '>' => (Token::Op(Op::Gt), 1),
            '~' => (Token::Op(Op::Match), 1),
            '"' | '\'' => {
                let mut s = String::new();
                let mut j = at + 1;
                loop {
                    match chars.get(j) {
                        None => return Err(QueryError::new(col, "unterminated string")),
                        Some('\\') if chars.get(j + 1).is_some() => {
                            s.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&q) if q == first => break,
                        Some(&other) => {
                            s.push(other);
                            j += 1;
                        }
                    }
                }
                (Token::Quoted(s), j + 1 - at)
            }
            c if is_word(c) => {
                let len = chars[at..].iter().take_while(|&&c| is_word(c)).count();
                (Token::Word(chars[at..at + len].iter().collect()), len)
            }
            other => return Err(QueryError::new(col, format!("unexpected `{other}`"))),
        };
        out.push((token, col));
        at += len;
    }
    Ok(out)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '/' | ':' | '+' | '*')
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    /// The column just past the query, for "expected … at the end".
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<(&Token, usize)> {
        self.tokens.get(self.at).map(|(t, c)| (t, *c))
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end, |(_, c)| c)
    }

    fn next(&mut self) -> Option<(Token, usize)> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some((Token::Word(w), _)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.depth >= MAX_NESTING {
            return Err(QueryError::new(self.column(), "nested too deep"));
        }
        self.depth += 1;
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr, QueryError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if matches!(self.peek(), Some((Token::Open, _))) {
            self.at += 1;
            let inner = self.or()?;
            return match self.next() {
                Some((Token::Close, _)) => Ok(inner),
                _ => Err(QueryError::new(self.column_before(), "expected `)`")),
            };
        }
        self.comparison()
    }

    /// The column of the token just taken (or the end).
    fn column_before(&self) -> usize {
        self.tokens
            .get(self.at.saturating_sub(1))
            .map_or(self.end, |(_, c)| *c)
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let field = match self.next() {
            Some((Token::Word(w) | Token::Quoted(w), _))
                if !["and", "or", "not", "in"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                Field::named(&w)
            }
            _ => {
                return Err(QueryError::new(
                    self.column_before(),
                    "expected a field name (like `level`, `msg` or `http.status`)",
                ));
            }
        };
        if self.keyword("in") {
            self.at += 1;
            if !matches!(self.next(), Some((Token::Open, _))) {
                return Err(QueryError::new(
                    self.column_before(),
                    "expected `(` after `in`",
                ));
            }
            let mut values = vec![self.operand(&field, Op::Eq)?];
            loop {
                match self.next() {
                    Some((Token::Comma, _)) => values.push(self.operand(&field, Op::Eq)?),
                    Some((Token::Close, _)) => break,
                    _ => {
                        return Err(QueryError::new(
                            self.column_before(),
                            "expected `,` or `)` in the list",
                        ));
                    }
                }
            }
            return Ok(Expr::In { field, values });
        }
        let Some((Token::Op(op), _)) = self.next() else {
            return Err(QueryError::new(
                self.column_before(),
                "expected an operator: = != < <= > >= ~ !~ or in",
            ));
        };
        let value = self.operand(&field, op)?;
        Ok(Expr::Cmp { field, op, value })
    }

    fn operand(&mut self, field: &Field, op: Op) -> Result<Operand, QueryError> {
        let Some((Token::Word(text) | Token::Quoted(text), col)) = self.next() else {
            return Err(QueryError::new(self.column_before(), "expected a value"));
        };
        let regex = if matches!(op, Op::Match | Op::NotMatch) {
            let re = Regex::new(&text)
                .map_err(|e| QueryError::new(col, format!("invalid regex: {}", first_line(&e))))?;
            Some(re)
        } else {
            None
        };
        let level = match field {
            Field::Level if regex.is_none() => Some(level_word(&text).ok_or_else(|| {
                QueryError::new(
                    col,
                    format!("`{text}` is not a level (trace, debug, info, warn, error)"),
                )
            })?),
            _ => None,
        };
        Ok(Operand {
            number: text.parse::<f64>().ok().filter(|n| n.is_finite()),
            text,
            level,
            regex,
        })
    }
}

fn level_word(word: &str) -> Option<Level> {
    level::of_field(b"level", crate::record::Value::Bare(word.as_bytes()))
}

fn first_line(e: &regex::Error) -> String {
    e.to_string()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}
