//! Rotated generations of a log: the files logrotate and its kin leave beside the live one —
//! `app.log.1`, `app.log.2.gz`, `app.log-20261201`, `app.log-20261201.gz`,
//! `app.log.2026-12-01` — which together are its history, oldest first.
//!
//! Only names are looked at here: which file is a generation of which log, and in what order
//! they came. Reading them (compressed or not) is [`super::decompress`]'s job.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Suffixes compressed generations carry (`.lz4` is known, not read: such a generation says so).
const COMPRESSED: [&str; 5] = [".gz", ".bz2", ".xz", ".zst", ".lz4"];

/// True when the file name `name` says it is compressed.
pub fn is_compressed(name: &[u8]) -> bool {
    COMPRESSED.iter().any(|ext| name.ends_with(ext.as_bytes()))
}

/// Where a generation stands among its log's, from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Age {
    /// `log.N`: a higher N is older.
    Numbered(u64),
    /// `log-20261201`, `log.2026-12-01`, `log-20261201-1733050000`: the date's digits, a later
    /// date is newer.
    Dated(String),
}

/// A file name without the suffix of its compression, and whether it had one.
fn uncompressed(name: &str) -> (&str, bool) {
    COMPRESSED
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .map_or((name, false), |stem| (stem, true))
}

/// The age `suffix` (what follows the live name) gives, if it is a rotation suffix.
fn age_of(suffix: &str) -> Option<Age> {
    let mut chars = suffix.chars();
    let separator = chars.next()?;
    let rest = chars.as_str();
    if separator == '.' && (1..=6).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return rest.parse().ok().map(Age::Numbered);
    }
    if !matches!(separator, '.' | '-' | '_') {
        return None;
    }
    // A date: digits (at least a day's eight), perhaps with `-`, `_` or `.` between parts.
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let only_date = rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    let starts_with_year = rest.len() >= 8 && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    (only_date && starts_with_year && digits.len() >= 8).then_some(Age::Dated(digits))
}

/// The age of `name` as a rotated generation of the log named `live` (file names in one
/// directory), if it is one.
pub fn generation_of(live: &str, name: &str) -> Option<Age> {
    let (stem, _) = uncompressed(name);
    age_of(stem.strip_prefix(live)?)
}

/// The live log `name` is a rotated generation of: its name without the rotation suffix.
pub fn live_name(name: &str) -> Option<&str> {
    let (stem, _) = uncompressed(name);
    // The longest suffix that is a rotation suffix: `app.log-20261201-1733050000` is
    // `app.log`'s (a date and a time), not `app.log-20261201`'s.
    stem.char_indices()
        .filter(|&(i, c)| i > 0 && matches!(c, '.' | '-' | '_'))
        .find(|&(i, _)| age_of(&stem[i..]).is_some())
        .map(|(i, _)| &stem[..i])
}

/// Orders generations oldest first: numbers descending, dates ascending; a mix of both kinds by
/// their modification times (then numbered before dated).
fn oldest_first(a: &(Age, Option<SystemTime>), b: &(Age, Option<SystemTime>)) -> Ordering {
    match (&a.0, &b.0) {
        (Age::Numbered(x), Age::Numbered(y)) => y.cmp(x),
        (Age::Dated(x), Age::Dated(y)) => (x.len(), x).cmp(&(y.len(), y)),
        (Age::Numbered(_), Age::Dated(_)) => a.1.cmp(&b.1).then(Ordering::Less),
        (Age::Dated(_), Age::Numbered(_)) => a.1.cmp(&b.1).then(Ordering::Greater),
    }
}

/// Orders `paths`, generations of the log at `live`, oldest first. Of a generation present
/// both plain and compressed (`app.log.1` and `app.log.1.gz`: logrotate caught compressing
/// it), only the plain one is kept — the compressed one may not be whole yet.
pub fn order(live: &Path, paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let Some(live_name) = live.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let names: Vec<String> = paths
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    let mut found: Vec<(Age, Option<SystemTime>, PathBuf)> = paths
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let age = generation_of(live_name, name)?;
            let (stem, compressed) = uncompressed(name);
            if compressed && names.iter().any(|n| n == stem) {
                return None;
            }
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            Some((age, modified, path))
        })
        .collect();
    found.sort_by(|a, b| oldest_first(&(a.0.clone(), a.1), &(b.0.clone(), b.1)));
    found.into_iter().map(|(_, _, path)| path).collect()
}

/// Lines in the generation at `path`, decompressed (a last line without `\n` counts); a broken
/// archive counts what could be read.
pub fn count_lines(path: &Path) -> std::io::Result<u64> {
    use std::io::Read as _;
    let (mut reader, _) = super::decompress::open(path)?;
    let mut buf = vec![0u8; 64 << 10];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                last = buf[n - 1];
            }
        }
    }
    Ok(lines + u64::from(last != b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_suffixes_of_every_naming_and_compression() {
        let cases = [
            ("app.log.1", Some(Age::Numbered(1))),
            ("app.log.12.gz", Some(Age::Numbered(12))),
            ("app.log.3.bz2", Some(Age::Numbered(3))),
            ("app.log.3.xz", Some(Age::Numbered(3))),
            ("app.log.3.zst", Some(Age::Numbered(3))),
            ("app.log-20261201", Some(Age::Dated("20261201".into()))),
            ("app.log-20261201.gz", Some(Age::Dated("20261201".into()))),
            ("app.log.2026-12-01", Some(Age::Dated("20261201".into()))),
            (
                "app.log-20261201-1733050000",
                Some(Age::Dated("202612011733050000".into())),
            ),
            ("app.log", None),
            ("app.log.bak", None),
            ("app.log.gz", None),
            ("app.logx.1", None),
            ("app.log.1.tmp", None),
            ("app.log-2026", None),
            ("other.log.1", None),
        ];
        for (name, age) in cases {
            assert_eq!(generation_of("app.log", name), age, "{name}");
        }
        assert_eq!(live_name("app.log.2.gz"), Some("app.log"));
        assert_eq!(live_name("app.log-20261201.gz"), Some("app.log"));
        assert_eq!(live_name("app.log.2026-12-01"), Some("app.log"));
        assert_eq!(live_name("app.log"), None);
        assert_eq!(live_name("syslog.1"), Some("syslog"));
        assert_eq!(live_name("app.log-20261201-1733050000"), Some("app.log"));
        assert_eq!(live_name("my.2024-01-01.log.1"), Some("my.2024-01-01.log"));
    }

    /// The file names `order` gives for `names` beside `live`.
    fn ordered(live: &Path, names: &[&str]) -> Vec<String> {
        let paths = names.iter().map(|n| live.with_file_name(n)).collect();
        order(live, paths)
            .iter()
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .collect()
    }

    #[test]
    fn oldest_first_and_a_generation_caught_compressing_read_plain() {
        let live = Path::new("/var/log/app.log");
        let names = [
            "app.log.1",
            "app.log.10.gz",
            "app.log.2.gz",
            "app.log.2",
            "app.log.3.zst",
            "other.log.1",
        ];
        assert_eq!(
            ordered(live, &names),
            ["app.log.10.gz", "app.log.3.zst", "app.log.2", "app.log.1"]
        );
        let dated = [
            "app.log-20261202.gz",
            "app.log-20261130",
            "app.log-20261201.gz",
        ];
        assert_eq!(
            ordered(live, &dated),
            [
                "app.log-20261130",
                "app.log-20261201.gz",
                "app.log-20261202.gz"
            ]
        );
    }
}
