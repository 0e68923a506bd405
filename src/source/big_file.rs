//! A big file's history, indexed in the background, newest lines first.
//!
//! Reading a 1 GiB file into memory before showing it takes seconds and a gigabyte. Instead the
//! follower starts at the file's end at once, and this indexer walks the file backwards in
//! [`READ`]-sized `pread`s, finding newlines with `memrchr`, and hands over the line offsets
//! ([`FileLines`], 4 bytes a line) in parts: the last screen arrives after one read, the rest
//! as fast as the disk gives it. The store prepends each part and reads text back on demand.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt as _;
use std::sync::Arc;

use memchr::memrchr_iter;
use tokio_util::sync::CancellationToken;

use crate::batch::FileLines;
use crate::timestamp::{Clock, Stamp, UNKNOWN};

/// Bytes per read.
pub const READ: usize = 1 << 20;
/// Lines per part at most (after the first part, which is sent after the first read).
const PART_LINES: usize = 1 << 16;

/// A part of the history: lines older than all sent before.
#[derive(Debug)]
pub struct History {
    /// The lines.
    pub lines: FileLines,
    /// Each line's instant, by which it is braided with other big files' histories: its own
    /// stamp, or (without one) its record's — the stamped line before it in the part, else
    /// the one after it; [`crate::timestamp::UNKNOWN`] without any.
    pub instants: Vec<i64>,
    /// Each line's continuation flag: it has no stamp of its own and follows a line that had
    /// one (a stack trace's line): it belongs to the record before it.
    pub continued: Vec<bool>,
    /// Lines only counted, not indexed, after the consumer asked to stop.
    pub skipped: u64,
    /// Bytes of the history done, of `total`.
    pub done: u64,
    /// Bytes of the history in all.
    pub total: u64,
    /// True for the last part.
    pub last: bool,
    /// Cancelled by the consumer when it takes no more lines (the rest is then only counted).
    pub stop: CancellationToken,
}

impl History {
    /// A last part with no line: the history of `file`'s source ends here.
    pub fn end(file: &Arc<File>) -> Self {
        History {
            last: true,
            ..progress(
                FileLines {
                    file: Arc::clone(file),
                    base: 0,
                    ends: Vec::new(),
                },
                0,
                0,
                0,
                &CancellationToken::new(),
            )
        }
    }
}

/// How the lines' stamps are read: the file's layout, and the clock.
#[derive(Debug, Clone, Copy)]
pub struct Stamps {
    /// The layout (`None`: the file has no stamps; its lines are all unknown).
    pub stamp: Option<Stamp>,
    /// The clock stamps are read with.
    pub clock: Clock,
}

/// Indexes `region` of `file` (it ends with a `\n`), newest lines first, at most `limit` lines,
/// handing each part to `send` until it returns `false` or `cancel` fires. After an error (the
/// file shrank under us) a last, empty part still ends the progress.
pub fn index(
    file: &Arc<File>,
    region: Range<u64>,
    limit: Option<u64>,
    cancel: &CancellationToken,
    stamps: Stamps,
    mut send: impl FnMut(History) -> bool,
) -> io::Result<()> {
    let stop = CancellationToken::new();
    let region_start = region.start;
    let mut send = |mut part: History| {
        // A part that does not start the region follows a line of the file's.
        let after_a_line = part.lines.base > region_start;
        let (instants, continued) = instants(&part.lines, stamps, after_a_line).unwrap_or_default();
        part.instants = instants;
        part.continued = continued;
        send(part)
    };
    let result = walk(file, region.clone(), limit, cancel, &stop, &mut send);
    if result.is_err() {
        let total = region.end - region.start;
        let empty = FileLines {
            file: Arc::clone(file),
            base: region.start,
            ends: Vec::new(),
        };
        send(History {
            last: true,
            ..progress(empty, 0, total, total, &stop)
        });
    }
    result.map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => io::Error::other("the file shrank while it was read"),
        _ => e,
    })
}

fn walk(
    file: &Arc<File>,
    region: Range<u64>,
    limit: Option<u64>,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    send: &mut impl FnMut(History) -> bool,
) -> io::Result<()> {
    let total = region.end - region.start;
    let mut part = Part {
        file,
        newlines: Vec::with_capacity(PART_LINES + 1),
        left: limit.unwrap_or(u64::MAX),
    };
    if region.is_empty() {
        return Ok(());
    }
    part.newlines.push(region.end - 1);
    let mut buf = vec![0u8; READ];
    let mut pos = region.end - 1;
    let mut first = true;
    let mut skipped = 0u64;
    while pos > region.start && part.left > 0 && !cancel.is_cancelled() {
        let from = pos.saturating_sub(READ as u64).max(region.start);
        let block = &mut buf[..usize::try_from(pos - from).unwrap_or(READ)];
        file.read_exact_at(block, from)?;
        if stop.is_cancelled() {
            // Nobody takes lines any more: only count them, so the UI can say how many.
            skipped += memchr::memchr_iter(b'\n', block).count() as u64;
            pos = from;
            continue;
        }
        for at in memrchr_iter(b'\n', block) {
            let newline = from + at as u64;
            if part.is_full(newline) {
                let lines = part.take(None);
                if !send(progress(lines, 0, region.end - newline, total, stop)) {
                    return Ok(());
                }
            }
            part.newlines.push(newline);
            if part.left <= part.complete() {
                break;
            }
        }
        pos = from;
        if first && part.complete() > 0 && !stop.is_cancelled() {
            first = false;
            let lines = part.take(None);
            if !send(progress(lines, 0, region.end - pos, total, stop)) {
                return Ok(());
            }
        }
    }
    if cancel.is_cancelled() {
        return Ok(());
    }
    let lines = if stop.is_cancelled() {
        skipped += part.newlines.len() as u64;
        FileLines {
            file: Arc::clone(file),
            base: region.start,
            ends: Vec::new(),
        }
    } else if part.left <= part.complete() {
        part.take(None)
    } else {
        // The oldest line starts where the region does.
        part.take(Some(region.start))
    };
    send(History {
        last: true,
        ..progress(lines, skipped, total, total, stop)
    });
    Ok(())
}

fn progress(
    lines: FileLines,
    skipped: u64,
    done: u64,
    total: u64,
    stop: &CancellationToken,
) -> History {
    History {
        lines,
        instants: Vec::new(),
        continued: Vec::new(),
        skipped,
        done: done.min(total),
        total,
        last: false,
        stop: stop.clone(),
    }
}

/// The instants and continuation flags of `lines` (see [`History`]), their text read back at
/// once (it was just read: from the page cache). `after_a_line`: lines of the file come before
/// them (a line without a stamp at their start continues a record).
fn instants(
    lines: &FileLines,
    stamps: Stamps,
    after_a_line: bool,
) -> io::Result<(Vec<i64>, Vec<bool>)> {
    let Some(stamp) = stamps.stamp else {
        return Ok((vec![UNKNOWN; lines.len()], vec![false; lines.len()]));
    };
    let Some(&last) = lines.ends.last() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut text = vec![0u8; usize::try_from(last).unwrap_or(0)];
    lines.file.read_exact_at(&mut text, lines.base)?;
    let mut out = Vec::with_capacity(lines.len());
    let mut continued = Vec::with_capacity(lines.len());
    let mut stamped_before = after_a_line;
    let mut start = 0usize;
    for &end in &lines.ends {
        let end = usize::try_from(end).unwrap_or(text.len()).min(text.len());
        let line = &text[start.min(end)..end];
        let t = stamp.parse(line, &stamps.clock).unwrap_or(UNKNOWN);
        continued.push(t == UNKNOWN && stamped_before);
        stamped_before |= t != UNKNOWN;
        out.push(t);
        start = end + 1;
    }
    // A line without a stamp goes with its record: the stamped line before it, else (at the
    // part's start) the one after it.
    let mut before = UNKNOWN;
    for t in &mut out {
        if *t == UNKNOWN {
            *t = before;
        } else {
            before = *t;
        }
    }
    let mut after = UNKNOWN;
    for t in out.iter_mut().rev() {
        if *t == UNKNOWN {
            *t = after;
        } else {
            after = *t;
        }
    }
    Ok((out, continued))
}

/// Newlines found but not handed over yet, newest first.
struct Part<'a> {
    file: &'a Arc<File>,
    /// `newlines[0]` ends the newest line not sent; `newlines[i + 1]` is just before line `i`.
    newlines: Vec<u64>,
    /// Lines still wanted.
    left: u64,
}

impl Part<'_> {
    /// Lines whose start is known (the oldest newline only ends the next part's newest line).
    fn complete(&self) -> u64 {
        self.newlines.len().saturating_sub(1) as u64
    }

    /// Whether the part must be sent before `newline` is added: it holds enough lines, or
    /// the span would no longer fit the 32-bit offsets.
    fn is_full(&self, newline: u64) -> bool {
        let span = self.newlines[0] - newline;
        self.complete() > 0 && (self.newlines.len() > PART_LINES || span >= u64::from(u32::MAX))
    }

    /// Hands over the complete lines (all lines, the oldest starting at `start`, when given),
    /// at most the lines still wanted; keeps the oldest newline for the next part.
    fn take(&mut self, start: Option<u64>) -> FileLines {
        let mut n = match start {
            Some(_) => self.newlines.len(),
            None => self.newlines.len() - 1,
        };
        n = n.min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let base = match start {
            Some(start) if n == self.newlines.len() => start,
            _ => self.newlines[n] + 1,
        };
        // A single line longer than 4 GiB is shown by its last 4 GiB.
        let base = base.max(self.newlines[0].saturating_sub(u64::from(u32::MAX)));
        let ends = self.newlines[..n]
            .iter()
            .rev()
            .map(|&nl| u32::try_from(nl - base).unwrap_or(u32::MAX))
            .collect();
        self.left -= n as u64;
        self.newlines.drain(..n);
        FileLines {
            file: Arc::clone(self.file),
            base,
            ends,
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::file_with;

    /// Lines without stamps (their instants all unknown).
    fn unstamped() -> Stamps {
        Stamps {
            stamp: None,
            clock: crate::test_support::utc_clock(0),
        }
    }

    /// Runs the indexer over `content` and puts the parts back together, oldest first.
    fn lines_of(content: &[u8], start: u64, limit: Option<u64>) -> (Vec<String>, Vec<History>) {
        let file = file_with(content);
        let mut parts = Vec::new();
        index(
            &file,
            start..content.len() as u64,
            limit,
            &CancellationToken::new(),
            unstamped(),
            |h| {
                parts.push(h);
                true
            },
        )
        .expect("index");
        let mut lines = Vec::new();
        for part in parts.iter().rev() {
            let mut from = part.lines.base;
            for &end in &part.lines.ends {
                let to = part.lines.base + u64::from(end);
                lines.push(
                    String::from_utf8_lossy(
                        &content[usize::try_from(from).expect("small")
                            ..usize::try_from(to).expect("small")],
                    )
                    .into(),
                );
                from = to + 1;
            }
        }
        (lines, parts)
    }

    #[test]
    fn every_line_once_in_order_across_reads_and_parts() {
        // Long enough for several reads and parts; one line spans a read boundary for sure.
        let want: Vec<String> = (0..200_000)
            .map(|i| format!("line {i} {}", "x".repeat(i % 40)))
            .collect();
        let mut content = String::new();
        for l in &want {
            content.push_str(l);
            content.push('\n');
        }
        let (got, parts) = lines_of(content.as_bytes(), 0, None);
        assert!(parts.len() > 3, "{} parts", parts.len());
        assert!(got == want, "lines differ");
        assert!(parts.last().is_some_and(|p| p.last));
        assert_eq!(parts.iter().filter(|p| p.last).count(), 1);
        assert!(parts.windows(2).all(|w| w[0].done <= w[1].done));
    }

    #[test]
    fn empty_lines_a_region_start_and_a_limit() {
        let content = b"\n\nskip\na\n\nb\n";
        let (got, _) = lines_of(content, 0, None);
        assert_eq!(got, ["", "", "skip", "a", "", "b"]);
        let (got, _) = lines_of(content, 7, None);
        assert_eq!(got, ["a", "", "b"]);
        let (got, _) = lines_of(content, 0, Some(2));
        assert_eq!(got, ["", "b"]);
    }

    /// Each line carries its instant: its own stamp, or its record's (a stack trace's lines
    /// go with the line above them); lines before the file's first stamp are older than all.
    #[test]
    fn lines_carry_their_records_instants() {
        let content =
            b"  at before\n2026-12-01T10:00:00Z a\n  at x\n2026-12-01T10:00:05Z b\n  at y\n";
        let file = file_with(content);
        let clock = crate::test_support::utc_clock(0);
        let stamps = Stamps {
            stamp: crate::source::seek::layout(content, &clock),
            clock,
        };
        let mut parts = Vec::new();
        index(
            &file,
            0..content.len() as u64,
            None,
            &CancellationToken::new(),
            stamps,
            |h| {
                parts.push(h);
                true
            },
        )
        .expect("index");
        let instants: Vec<i64> = parts
            .iter()
            .rev()
            .flat_map(|p| p.instants.clone())
            .collect();
        let (a, b) = (1_796_119_200_000_000_000, 1_796_119_205_000_000_000);
        assert_eq!(instants, [UNKNOWN, a, a, b, b]);
        let continued: Vec<bool> = parts
            .iter()
            .rev()
            .flat_map(|p| p.continued.clone())
            .collect();
        assert_eq!(continued, [false, false, true, false, true]);
    }

    #[test]
    fn a_file_that_shrank_ends_the_progress_and_says_why() {
        let file = file_with(b"a\nb\n");
        let mut parts = Vec::new();
        // The region reaches past the end: the bytes are gone, as after a truncation.
        let result = index(
            &file,
            0..100,
            None,
            &CancellationToken::new(),
            unstamped(),
            |h| {
                parts.push(h);
                true
            },
        );
        let error = result.expect_err("the read fails");
        assert!(error.to_string().contains("shrank"), "{error}");
        assert!(parts.last().is_some_and(|p| p.last && p.lines.is_empty()));
    }

    #[test]
    fn when_the_consumer_stops_the_rest_is_counted() {
        let content: String = (0..300_000).map(|i| i.to_string() + "\n").collect();
        let file = file_with(content.as_bytes());
        let mut taken = 0;
        let mut skipped = 0;
        index(
            &file,
            0..content.len() as u64,
            None,
            &CancellationToken::new(),
            unstamped(),
            |h| {
                if taken == 0 {
                    taken += h.lines.len() as u64;
                } else {
                    skipped += h.lines.len() as u64 + h.skipped;
                    h.stop.cancel();
                }
                true
            },
        )
        .expect("index");
        assert_eq!(taken + skipped, 300_000);
    }
}
