//! The detail of a record (`Enter` on the cursor's line): its whole text with the lines that
//! continue it, its fields as an indented tree (strings decoded, multi-line values as lines),
//! its source, its time and where that came from, its level, and whether the braid placed it
//! late. Every line is made inert here: nothing from the log reaches the terminal raw.

use crate::level;
use crate::record::{Record, decode, envelope};
use crate::sanitize;
use crate::source_id::SourceId;
use crate::store::Store;
use crate::timestamp::{Clock, Stamp};

/// Lines of a record shown at most (a stack trace longer than this is cut, and says so).
const MAX_LINES: usize = 2000;

/// What the detail view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    /// Its title: the source and the line's place.
    pub title: String,
    /// Its lines, inert; a line starting with a tab is a label.
    pub lines: Vec<String>,
}

/// The detail of line `seq` of `store` (and the lines after it that continue its record).
pub fn build(store: &Store, seq: u64, names: &[String], clock: &Clock) -> Option<Detail> {
    let line = store.line(seq)?;
    let name = names.get(line.source.index()).map_or("?", String::as_str);
    let text = line.text.to_vec();
    let mut out = Vec::new();
    let label = |out: &mut Vec<String>, key: &str, value: &str| {
        out.push(format!("{key:<8} {}", inert(value.as_bytes())));
    };
    label(&mut out, "source", name);
    let opened = envelope::open(&text);
    let inner: &[u8] = opened.as_ref().map_or(&text, |o| &o.inner);
    let record = Record::parse_structured(inner);
    let time = match (&record, &opened) {
        (Some(r), _) if r.roles().time.is_some() => r
            .roles()
            .time
            .map(|(i, v)| (String::from_utf8_lossy(&decode::text(v)).into_owned(), i))
            .map(|(v, i)| format!("{v}  (field `{}`)", String::from_utf8_lossy(r.key(i)))),
        (_, Some(o)) => Some(format!(
            "{}  (the envelope's)",
            String::from_utf8_lossy(&decode::text(o.time))
        )),
        _ => Stamp::detect(std::iter::once(&text[..]), clock).map(|stamp| {
            let instant = stamp
                .parse(&text, clock)
                .and_then(|t| jiff::Timestamp::from_nanosecond(i128::from(t)).ok());
            match instant {
                Some(t) => format!("{t}  (layout {:?}, read in the line)", stamp.format),
                None => format!("(layout {:?}, read in the line)", stamp.format),
            }
        }),
    };
    label(
        &mut out,
        "time",
        time.as_deref()
            .unwrap_or("none of its own (the line before it's, or its arrival)"),
    );
    let arrived = store
        .arrival(seq)
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
    label(
        &mut out,
        "arrived",
        &arrived.map_or_else(
            || "read from the file's history (before the others)".to_owned(),
            |t| format!("{t:.3}"),
        ),
    );
    if let Some(l) = level::detect(&text) {
        label(&mut out, "level", l.name());
    }
    if let Some(by) = store.late(seq) {
        label(
            &mut out,
            "late",
            &format!(
                "placed where it arrived, {:.3} s behind the lines before it",
                by.as_secs_f64()
            ),
        );
    }
    out.push(String::new());
    match &record {
        Some(r) => fields(r, &mut out),
        None => push_text(inner, "", &mut out),
    }
    let more = store
        .source_seqs_from(line.source, seq + 1)
        .map_while(|s| store.line(s).filter(|l| l.continued));
    for (shown, next) in more.enumerate() {
        if shown == MAX_LINES {
            out.push("… (more lines of this record not shown)".to_owned());
            break;
        }
        push_text(&next.text, "", &mut out);
    }
    Some(Detail {
        title: format!(
            " {} · line {} ",
            inert(name.as_bytes()),
            seq_label(store, line.source, seq)
        ),
        lines: out,
    })
}

/// The line's number in its source's retained lines (1 is the oldest retained).
fn seq_label(store: &Store, source: SourceId, seq: u64) -> u64 {
    store.source_len(source) - store.source_count_after(source, seq)
}

/// A record's fields as a tree: nested paths under their parents, values decoded, a value's
/// lines one under the other.
fn fields(record: &Record<'_>, out: &mut Vec<String>) {
    let mut open: Vec<String> = Vec::new();
    for (key, value) in record.iter() {
        let path = String::from_utf8_lossy(key);
        let parts: Vec<&str> = path.split('.').collect();
        let (parents, leaf) = parts.split_at(parts.len() - 1);
        let common = open
            .iter()
            .zip(parents)
            .take_while(|(a, b)| a.as_str() == **b)
            .count();
        open.truncate(common);
        for parent in &parents[common..] {
            out.push(format!(
                "{}{}:",
                "  ".repeat(open.len()),
                inert(parent.as_bytes())
            ));
            open.push((*parent).to_owned());
        }
        let indent = "  ".repeat(open.len());
        let text = decode::text(value);
        let mut lines = text.split(|&b| b == b'\n');
        let first = lines.next().unwrap_or_default();
        out.push(format!(
            "{indent}{}: {}",
            inert(leaf[0].as_bytes()),
            inert(first)
        ));
        for rest in lines {
            out.push(format!("{indent}  {}", inert(rest)));
        }
    }
}

/// `text`'s lines, inert, after `indent`.
fn push_text(text: &[u8], indent: &str, out: &mut Vec<String>) {
    for line in text.split(|&b| b == b'\n') {
        out.push(format!("{indent}{}", inert(line)));
    }
}

/// `bytes` with every control character shown inert (`^[`; no SGR kept: the overlay has its own
/// colours) and tabs as spaces.
fn inert(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    sanitize::inert(bytes, false, &mut out);
    String::from_utf8_lossy(&out).replace('\t', "    ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{LineBatch, StampedBatch};

    fn store_of(lines: &[&str], continued: &[bool]) -> Store {
        let mut store = Store::new(1 << 20);
        let batch = StampedBatch {
            lines: LineBatch::from_lines(lines),
            instants: vec![0; lines.len()],
            continued: continued.to_vec(),
        };
        store.append(SourceId(0), &batch, 0..lines.len());
        store
    }

    #[test]
    fn a_json_record_with_a_stack_as_a_tree() {
        let store = store_of(
            &[
                r#"{"time":"2024-05-01T10:00:00Z","level":"error","msg":"db down","err":{"type":"E","stack":"E: x\n    at f (a.js:1)"},"esc":"\u001b[2J"}"#,
            ],
            &[],
        );
        let d = build(
            &store,
            crate::store::FIRST_SEQ,
            &["api.log".into()],
            &Clock::now(),
        )
        .expect("a line");
        let text = d.lines.join("\n");
        assert!(text.contains("source   api.log"), "{text}");
        assert!(
            text.contains("time     2024-05-01T10:00:00Z  (field `time`)"),
            "{text}"
        );
        assert!(text.contains("level    ERROR"), "{text}");
        assert!(
            text.contains("err:\n  type: E\n  stack: E: x\n        at f (a.js:1)"),
            "{text}"
        );
        assert!(text.contains("esc: ^[[2J"), "shown, inert: {text}");
        assert!(!text.contains('\x1b'), "inert: {text:?}");
    }

    #[test]
    fn a_text_line_with_its_continuation_lines() {
        let store = store_of(
            &[
                "2024-05-01 10:00:00,000 ERROR boom",
                "java.lang.Exception: x",
                "\tat A.b(A.java:1)",
                "2024-05-01 10:00:01,000 INFO next",
            ],
            &[false, true, true, false],
        );
        let d = build(
            &store,
            crate::store::FIRST_SEQ,
            &["app.log".into()],
            &Clock::now(),
        )
        .expect("a line");
        let text = d.lines.join("\n");
        assert!(text.contains("(layout Iso, read in the line)"), "{text}");
        assert!(
            text.ends_with(
                "2024-05-01 10:00:00,000 ERROR boom\njava.lang.Exception: x\n    at A.b(A.java:1)"
            ),
            "{text}"
        );
        assert!(!text.contains("next"));
    }
}
