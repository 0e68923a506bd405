//! Log levels, as words in plain-text lines (`ERROR`, `WARN`…) or JSON `level` fields.

use memchr::memmem;

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

/// The level a line states, if any: a JSON `level`/`lvl`/`severity` field, or the first level
/// word (upper case, or `[info]`-style lower case in brackets) among the line's first bytes.
pub fn detect(line: &[u8]) -> Option<Level> {
    let head = &line[..line.len().min(SCAN)];
    if head.trim_ascii_start().first() == Some(&b'{')
        && let Some(level) = json_level(line)
    {
        return Some(level);
    }
    let mut i = 0;
    while i < head.len() {
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
    None
}

fn word_level(word: &[u8]) -> Option<Level> {
    let mut upper = [0u8; 8];
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
        b"ERROR" | b"ERR" | b"FATAL" | b"CRITICAL" | b"CRIT" | b"PANIC" => Level::Error,
        _ => return None,
    })
}

fn json_level(line: &[u8]) -> Option<Level> {
    for key in [&b"\"level\""[..], b"\"lvl\"", b"\"severity\""] {
        let Some(pos) = memmem::find(line, key) else {
            continue;
        };
        let rest = line[pos + key.len()..]
            .trim_ascii_start()
            .strip_prefix(b":")?
            .trim_ascii_start();
        let value = rest.strip_prefix(b"\"")?;
        let end = value.iter().position(|b| *b == b'"')?;
        return word_level(&value[..end]);
    }
    None
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
    }

    #[test]
    fn severity_order() {
        assert!(
            Level::Error > Level::Warn && Level::Warn > Level::Info && Level::Debug > Level::Trace
        );
    }
}
