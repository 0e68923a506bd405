//! Long lines that a container runtime split into parts, joined again before anything else sees
//! them: Docker's `json-file` writes a line longer than 16 KiB as several records whose `log`
//! does not end with a newline, and the CRI format tags such parts `P` and the last one `F`.
//! Parts are joined per stream (stdout and stderr interleave); the joined line keeps the first
//! part's time. A part waits for the rest across batches; a line that grows past [`MAX_JOINED`]
//! goes out as far as it got.

use crate::batch::LineBatch;
use crate::record::scan;

/// Longest line parts are joined into.
pub const MAX_JOINED: usize = 4 << 20;

/// Which runtime's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Docker,
    Cri,
}

/// A record of either format, as far as joining needs it.
#[derive(Debug, Clone, Copy)]
struct Record<'a> {
    kind: Kind,
    stream: &'a [u8],
    /// What comes before the text: `{"log":"`, or `TIME STREAM ` (the tag is written anew).
    head: &'a [u8],
    /// The text (Docker: still JSON-escaped, which concatenates as it is).
    body: &'a [u8],
    /// Docker: what follows the text (`","stream":…}`).
    tail: &'a [u8],
    /// It ends its line (Docker: the text ends with a newline; CRI: tagged `F`).
    last: bool,
}

/// A line being joined.
#[derive(Debug)]
struct Pending {
    kind: Kind,
    stream: Vec<u8>,
    /// The line so far, from its head.
    text: Vec<u8>,
    /// Docker: the first part's tail, written after the text.
    tail: Vec<u8>,
}

/// One source's joining state.
#[derive(Debug, Default)]
pub struct Joiner {
    pending: Vec<Pending>,
}

impl Joiner {
    /// `batch` with its parts joined; returned as it is (no copy) when it holds no part and no
    /// part waits.
    pub fn join(&mut self, batch: LineBatch) -> LineBatch {
        if self.pending.is_empty() && !batch.iter().any(maybe_partial) {
            return batch;
        }
        let mut out = LineBatch::default();
        for line in batch.iter() {
            match record(line) {
                Some(r) => self.add(line, r, &mut out),
                None => out.push(line),
            }
        }
        out
    }

    fn add(&mut self, line: &[u8], r: Record<'_>, out: &mut LineBatch) {
        let slot = self
            .pending
            .iter()
            .position(|p| p.kind == r.kind && p.stream == r.stream);
        let Some(i) = slot else {
            if r.last {
                out.push(line);
                return;
            }
            let mut text = r.head.to_vec();
            if r.kind == Kind::Cri {
                text.extend_from_slice(b"F ");
            }
            text.extend_from_slice(r.body);
            self.pending.push(Pending {
                kind: r.kind,
                stream: r.stream.to_vec(),
                text,
                tail: r.tail.to_vec(),
            });
            return;
        };
        let pending = &mut self.pending[i];
        pending.text.extend_from_slice(r.body);
        if r.last || pending.text.len() > MAX_JOINED {
            let done = self.pending.remove(i);
            let mut joined = done.text;
            joined.extend_from_slice(&done.tail);
            out.push(&joined);
        }
    }
}

/// A cheap first look, for every line of every source: could `line` be a part?
fn maybe_partial(line: &[u8]) -> bool {
    if line.starts_with(b"{\"log\":\"") {
        return record(line).is_some_and(|r| !r.last);
    }
    if line.get(10) != Some(&b'T') || !line.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    memchr::memchr(b' ', line).is_some_and(|space| {
        let rest = &line[space + 1..];
        rest.starts_with(b"stdout P ") || rest.starts_with(b"stderr P ")
    })
}

/// `line` as a Docker `json-file` or CRI record, if it is one.
fn record(line: &[u8]) -> Option<Record<'_>> {
    if let Some(rest) = line.strip_prefix(b"{\"log\":\"") {
        let end = scan::string_end(rest, 0)?;
        let body = &rest[..end];
        let tail = &rest[end..];
        let stream = memchr::memmem::find(tail, b"\"stream\":\"")
            .and_then(|at| tail[at + 10..].split(|&b| b == b'"').next())
            .unwrap_or_default();
        return Some(Record {
            kind: Kind::Docker,
            stream,
            head: &line[..8],
            body,
            tail,
            last: body.ends_with(b"\\n") && !body.ends_with(b"\\\\n"),
        });
    }
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut words = line.splitn(4, |&b| b == b' ');
    let (time, stream, tag) = (words.next()?, words.next()?, words.next()?);
    let body = words.next().unwrap_or_default();
    if time.get(10) != Some(&b'T') || !matches!(stream, b"stdout" | b"stderr") {
        return None;
    }
    let last = match tag {
        b"F" => true,
        b"P" => false,
        _ => return None,
    };
    Some(Record {
        kind: Kind::Cri,
        stream,
        head: &line[..time.len() + stream.len() + 2],
        body,
        tail: &[],
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(batches: &[&[&str]]) -> Vec<String> {
        let mut joiner = Joiner::default();
        batches
            .iter()
            .flat_map(|lines| {
                let out = joiner.join(LineBatch::from_lines(lines.iter()));
                out.iter()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn docker_parts_join_per_stream_across_batches() {
        let got = joined(&[
            &[
                r#"{"log":"aaa","stream":"stdout","time":"2024-05-01T10:00:00Z"}"#,
                r#"{"log":"err whole\n","stream":"stderr","time":"2024-05-01T10:00:01Z"}"#,
                r#"{"log":"bbb","stream":"stdout","time":"2024-05-01T10:00:02Z"}"#,
            ],
            &[r#"{"log":"ccc\n","stream":"stdout","time":"2024-05-01T10:00:03Z"}"#],
        ]);
        assert_eq!(
            got,
            [
                r#"{"log":"err whole\n","stream":"stderr","time":"2024-05-01T10:00:01Z"}"#,
                r#"{"log":"aaabbbccc\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}"#,
            ]
        );
    }

    #[test]
    fn cri_parts_join_with_their_last() {
        let got = joined(&[&[
            "2024-05-01T10:00:00.1Z stdout P first ",
            "2024-05-01T10:00:00.2Z stderr F an error",
            "2024-05-01T10:00:00.3Z stdout P second ",
            "2024-05-01T10:00:00.4Z stdout F third",
            "plain line",
        ]]);
        assert_eq!(
            got,
            [
                "2024-05-01T10:00:00.2Z stderr F an error",
                "2024-05-01T10:00:00.1Z stdout F first second third",
                "plain line",
            ]
        );
    }

    #[test]
    fn whole_lines_pass_untouched() {
        let mut joiner = Joiner::default();
        let batch = LineBatch::from_lines(["a", r#"{"log":"x\n","stream":"stdout","time":"t"}"#]);
        assert_eq!(joiner.join(batch.clone()), batch);
    }
}
