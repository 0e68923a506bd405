//! Where a moment falls in a log in time order, found by position (`--since`): a binary search
//! over a file's offsets, each probe reading one block and the first stamped line in it, so a
//! gigabyte opens at once instead of being read up to that moment.
//!
//! A log can go back in time (a clock stepped, lines of two hosts): when the probes see time go
//! backwards the search gives up and the whole file is read, the range then applied line by
//! line. What is skipped is only ever before the moment; the lines kept are judged exactly.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

use crate::timestamp::{Clock, Stamp};

/// Bytes one probe reads.
const PROBE: usize = 16 << 10;
/// Files smaller than this are read whole: searching would not save anything worth it.
pub const WORTH_SEEKING: u64 = 4 << 20;

/// The layout of the stamps in the lines of `head` (a block from the start of a log).
pub fn layout(head: &[u8], clock: &Clock) -> Option<Stamp> {
    Stamp::detect(head.split(|&b| b == b'\n').take(32), clock)
}

/// The first stamped line starting in the block at `at` (the block's first partial line
/// skipped unless `at` is 0): its offset and instant.
fn probe(
    file: &File,
    len: u64,
    at: u64,
    stamp: Stamp,
    clock: &Clock,
) -> io::Result<Option<(u64, i64)>> {
    let n = usize::try_from((len - at).min(PROBE as u64)).unwrap_or(PROBE);
    let mut block = vec![0u8; n];
    file.read_exact_at(&mut block, at)?;
    let mut from = 0;
    if at > 0 {
        let Some(nl) = memchr::memchr(b'\n', &block) else {
            return Ok(None);
        };
        from = nl + 1;
    }
    let mut line_start = from;
    for line in block[from..].split(|&b| b == b'\n') {
        let end = line_start + line.len();
        // The block's last piece may be cut: only whole lines count.
        if end == block.len() && at + (n as u64) < len {
            break;
        }
        if let Some(t) = stamp.parse(line, clock) {
            return Ok(Some((at + line_start as u64, t)));
        }
        line_start = end + 1;
    }
    Ok(None)
}

/// The offset of the first line stamped at or after `since` in `file` (a line start before
/// it when that line is not near where the search ends); 0 for a small file, one without
/// stamps, or one whose time goes back.
pub fn since_offset(file: &File, len: u64, since: i64, clock: &Clock) -> io::Result<u64> {
    if len < WORTH_SEEKING {
        return Ok(0);
    }
    let mut head = vec![0u8; PROBE];
    file.read_exact_at(&mut head, 0)?;
    let Some(stamp) = layout(&head, clock) else {
        return Ok(0);
    };
    // Invariant: every line at or after `since` starts at or after `low` (a line start), and
    // the line found at `low` is before `since` (or `low` is 0).
    let (mut low, mut high) = (0u64, len);
    // The first line's instant is a probe too: a log that starts later than its middle is not
    // in order.
    let mut seen: Vec<(u64, i64)> = probe(file, len, 0, stamp, clock)?.into_iter().collect();
    while high - low > PROBE as u64 {
        let mid = low + (high - low) / 2;
        let Some((at, t)) = probe(file, len, mid, stamp, clock)? else {
            return Ok(0);
        };
        // Time going back between probes: not in order; read it all.
        let before = seen.iter().filter(|(o, _)| *o < at).map(|&(_, t)| t).max();
        let after = seen.iter().filter(|(o, _)| *o > at).map(|&(_, t)| t).min();
        if before.is_some_and(|b| b > t) || after.is_some_and(|a| a < t) {
            return Ok(0);
        }
        seen.push((at, t));
        if t < since {
            low = at;
        } else {
            high = mid;
        }
    }
    // The last stretch line by line: the first line stamped at or after `since` (its record's
    // lines without a stamp follow it; those before it belong to records before `since`).
    let n = usize::try_from((len - low).min(2 * PROBE as u64)).unwrap_or(PROBE);
    let mut block = vec![0u8; n];
    file.read_exact_at(&mut block, low)?;
    let mut line_start = 0;
    for line in block.split(|&b| b == b'\n') {
        if line_start + line.len() == block.len() {
            break;
        }
        if stamp.parse(line, clock).is_some_and(|t| t >= since) {
            return Ok(low + line_start as u64);
        }
        line_start += line.len() + 1;
    }
    Ok(low)
}

/// The instant of the first stamped line `reader` gives (a generation, decompressed), read
/// from its first block.
pub fn first_instant(reader: &mut dyn Read, clock: &Clock) -> Option<i64> {
    let mut head = Vec::with_capacity(PROBE);
    reader.take(PROBE as u64).read_to_end(&mut head).ok()?;
    let stamp = layout(&head, clock)?;
    head.split(|&b| b == b'\n')
        .find_map(|line| stamp.parse(line, clock))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn clock() -> Clock {
        crate::test_support::utc_clock(0)
    }

    const SEC: i64 = 1_000_000_000;
    /// 2026-12-01T00:00:00Z.
    const DAY: i64 = 1_796_083_200 * SEC;

    /// A log of `n` lines, line `i` at `second(i)` after midnight.
    fn log(n: u32, second: impl Fn(i64) -> i64) -> Vec<u8> {
        let mut text = String::new();
        for i in 0..n {
            let s = second(i64::from(i));
            let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
            let _ = writeln!(
                text,
                "2026-12-01 {h:02}:{m:02}:{sec:02},000 INFO line {i} padding padding padding padding"
            );
        }
        text.into_bytes()
    }

    fn search(bytes: &[u8], since: i64) -> u64 {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.log");
        std::fs::write(&path, bytes).expect("write");
        let file = File::open(&path).expect("open");
        since_offset(&file, bytes.len() as u64, since, &clock()).expect("search")
    }

    #[test]
    fn the_offset_is_a_line_start_just_before_the_moment_in_an_ordered_log() {
        let bytes = log(80_000, |i| i);
        assert!(bytes.len() as u64 > WORTH_SEEKING);
        for second in [0, 1, 5_000, 40_000, 79_999, 90_000] {
            let at = search(&bytes, DAY + second * SEC);
            let at = usize::try_from(at).expect("small");
            assert!(at == 0 || bytes[at - 1] == b'\n', "a line start");
            // Every line from `second` on is after the offset; little before it is read.
            let text = String::from_utf8_lossy(&bytes[at..]);
            let first: i64 = text
                .split_whitespace()
                .nth(4)
                .and_then(|n| n.parse().ok())
                .expect("a line number");
            assert!(
                first <= second.min(79_999),
                "{second}: starts at line {first}"
            );
            assert!(
                second.min(79_999) - first < 400,
                "{second}: starts at line {first}"
            );
        }
    }

    #[test]
    fn a_log_whose_time_goes_back_is_read_whole() {
        // The first half is stamped later than the second (a clock put right half-way): every
        // line of the first half is after 08:20, and must not be skipped.
        let bytes = log(80_000, |i| if i < 40_000 { i + 50_000 } else { i - 40_000 });
        assert_eq!(search(&bytes, DAY + 30_000 * SEC), 0);
        // A small file is read whole anyway.
        assert_eq!(search(&log(100, |i| i), DAY + 50 * SEC), 0);
    }
}
