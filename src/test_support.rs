//! Helpers shared by unit tests.

use std::fs::File;
use std::io::Write as _;
use std::sync::Arc;

/// An unnamed temporary file holding `content`, shared the way big files' histories hold theirs.
pub fn file_with(content: &[u8]) -> Arc<File> {
    let mut file = tempfile::tempfile().expect("temp file");
    file.write_all(content).expect("write");
    Arc::new(file)
}

/// `lines` as a batch whose instants are all unknown (they sort first).
pub fn unstamped<I, L>(lines: I) -> crate::batch::StampedBatch
where
    I: IntoIterator<Item = L>,
    L: AsRef<[u8]>,
{
    let lines = crate::batch::LineBatch::from_lines(lines);
    crate::batch::StampedBatch {
        instants: vec![crate::timestamp::UNKNOWN; lines.len()],
        lines,
        continued: Vec::new(),
    }
}

/// A clock in UTC, in 2026, at `now_nanos` (nanoseconds since the epoch): tests read stamps the
/// same on every machine.
pub fn utc_clock(now_nanos: i64) -> crate::timestamp::Clock {
    crate::timestamp::Clock {
        local_offset_secs: 0,
        year: 2026,
        now_nanos,
    }
}
