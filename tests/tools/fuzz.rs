//! A mutation fuzzer that runs on the stable toolchain (`cargo fuzz` needs nightly).
//!
//! `cargo run --release --example fuzz -- [--secs N]` (default 60). Seeds: `tests/tools/corpus/`.
//! Each round mutates a seed (or splices two) and runs every target, checking:
//! - line splitting: any chunking gives the same lines; no line holds `\n`; no panic;
//! - the escape sanitizer: inert output holds no control character but tab (with SGR kept, only
//!   well-formed `ESC [ … m` sequences); no panic;
//! - the screen painter: no control character reaches a span; no panic;
//! - timestamps and levels: detection and parsing never panic; the JSON/logfmt field scanner
//!   ends and yields only pieces of the line;
//! - records: rendering gives inert text (no control character) whose parts lie within it;
//!   `--format json` gives valid JSON without a control byte; queries never panic.
//!
//! Not coverage-guided: it finds what random mutation of realistic input finds. A failing input
//! is saved to a temporary file, whose path is printed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use logbraid::level;
use logbraid::record;
use logbraid::sanitize::{inert, sgr_len};
use logbraid::source::split::LineSplitter;
use logbraid::timestamp::{Clock, Stamp, Stamper};
use logbraid::view::text::{Layout, paint};
use ratatui::style::Style;

/// Bytes that matter to the parsers, inserted more often than chance would.
const INTERESTING: &[u8] = b"\n\r\t\x1b[];:m\x07\x08\x00\x9b\xc2\xff0123456789-/ TZ{}\"";

fn mutate(rng: &mut fastrand::Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.usize(..seeds.len())].clone();
    for _ in 0..=rng.usize(..8) {
        let at = rng.usize(..=data.len());
        match rng.usize(..6) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.u32(..8);
            }
            1 => data.insert(at, INTERESTING[rng.usize(..INTERESTING.len())]),
            2 => data.insert(at, rng.u8(..)),
            3 => {
                let other = &seeds[rng.usize(..seeds.len())];
                let from = rng.usize(..=other.len());
                data.splice(at..at, other[from..].iter().copied().take(64));
            }
            4 => data.truncate(at),
            _ => {
                let len = rng.usize(..16);
                let end = (at + len).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
        }
    }
    data
}

fn check_split(data: &[u8], rng: &mut fastrand::Rng) -> Result<(), String> {
    let max_line = 1 + rng.usize(..64);
    let whole = split(data, &[], max_line);
    let mut cuts: Vec<usize> = (0..rng.usize(..6))
        .map(|_| rng.usize(..=data.len()))
        .collect();
    cuts.sort_unstable();
    let chunked = split(data, &cuts, max_line);
    if whole != chunked {
        return Err(format!("chunking at {cuts:?} changed the lines"));
    }
    if whole
        .iter()
        .any(|l| l.contains(&b'\n') || l.len() > max_line)
    {
        return Err("a line holds a newline or is over the maximum".into());
    }
    Ok(())
}

fn split(data: &[u8], cuts: &[usize], max_line: usize) -> Vec<Vec<u8>> {
    let mut s = LineSplitter::new(max_line);
    let mut out = Vec::new();
    let mut prev = 0;
    for &cut in cuts.iter().chain([&data.len()]) {
        out.extend(s.push(&data[prev..cut]).iter().map(<[u8]>::to_vec));
        prev = cut;
    }
    out.extend(s.finish().iter().map(<[u8]>::to_vec));
    out
}

fn check_sanitize(data: &[u8]) -> Result<(), String> {
    let mut out = Vec::new();
    inert(data, false, &mut out);
    let text = String::from_utf8(out).map_err(|_| "inert output is not UTF-8".to_owned())?;
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("a control character survived: {text:?}"));
    }
    let mut out = Vec::new();
    inert(data, true, &mut out);
    let mut rest: &[u8] = &out;
    while let Some(pos) = rest.iter().position(|&b| b == 0x1b) {
        let len = sgr_len(&rest[pos..]).ok_or_else(|| {
            format!(
                "an escape that is not SGR survived: {:?}",
                String::from_utf8_lossy(&out)
            )
        })?;
        rest = &rest[pos + len..];
    }
    let text = String::from_utf8_lossy(&out);
    if text
        .chars()
        .any(|c| c.is_control() && c != '\t' && c != '\x1b')
    {
        return Err(format!(
            "a control character survived with SGR kept: {text:?}"
        ));
    }
    Ok(())
}

fn check_paint(data: &[u8], rng: &mut fastrand::Rng) -> Result<(), String> {
    let layout = Layout {
        width: 1 + rng.usize(..120),
        hscroll: rng.usize(..40),
        wrap: rng.usize(..2) == 0,
        max_lines: 1 + rng.usize(..5),
        colors: rng.usize(..2) == 0,
    };
    for line in paint(data, Style::new(), &[], layout) {
        for span in &line.spans {
            if span.content.chars().any(char::is_control) {
                return Err(format!(
                    "a control character reached the screen: {:?}",
                    span.content
                ));
            }
        }
    }
    Ok(())
}

fn check_stamps(data: &[u8], clock: &Clock) {
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let stamp = Stamp::detect(lines.iter().copied(), clock);
    let mut stamper = Stamper::new(stamp, *clock);
    for line in &lines {
        let _ = level::detect(line);
        let _ = stamper.next(line);
        // The field scanner ends, and every field it yields lies within the line.
        if let Some(fields) = record::fields(line) {
            for (key, value) in fields {
                let (record::Value::Str(v) | record::Value::Bare(v)) = value;
                assert!(key.len() <= line.len() && v.len() <= line.len());
            }
        }
    }
}

/// Queries run on every line (parsed once).
fn queries() -> Vec<logbraid::query::Query> {
    [
        "http.status >= 500 or level >= warn",
        "msg ~ 'a|b' and not source = x",
        "a.b.c in (1, 'x', y) or line !~ z",
    ]
    .iter()
    .filter_map(|q| logbraid::query::Query::parse(q).ok())
    .collect()
}

fn check_records(
    data: &[u8],
    clock: &Clock,
    queries: &[logbraid::query::Query],
) -> Result<(), String> {
    let hide = record::hide::Hide::default();
    let options = record::render::Options {
        hide: &hide,
        max_value: 40,
        short_time: false,
    };
    for line in data.split(|b| *b == b'\n') {
        if let Some(r) = record::render::render(line, options, clock) {
            let text = String::from_utf8_lossy(&r.text);
            if text.chars().any(|c| c.is_control() && c != '\t') {
                return Err(format!("rendered text holds a control character: {text:?}"));
            }
            if r.parts.iter().any(|(range, _)| range.end > r.text.len()) {
                return Err("a rendered part lies outside the text".into());
            }
        }
        for q in queries {
            let _ = q.matches(logbraid::query::Subject { line, source: "s" });
        }
        let mut out = Vec::new();
        logbraid::print::json::write(
            logbraid::print::format::Line {
                text: line,
                source: "s",
                instant: 0,
            },
            &mut out,
        );
        if out.iter().any(|&b| b < 0x20)
            || serde_json::from_slice::<serde_json::Value>(&out).is_err()
        {
            return Err(format!(
                "bad --format json output: {}",
                String::from_utf8_lossy(&out)
            ));
        }
    }
    Ok(())
}

fn main() {
    let secs: u64 = std::env::args()
        .skip_while(|a| a != "--secs")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/corpus");
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("the corpus")
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "README.md")
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    let clock = Clock::now();
    let queries = queries();
    let mut rng = fastrand::Rng::with_seed(u64::from(std::process::id()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut rounds = 0u64;
    while Instant::now() < deadline {
        let data = mutate(&mut rng, &seeds);
        let result = catch_unwind(AssertUnwindSafe(|| {
            check_split(&data, &mut rng)
                .and_then(|()| check_sanitize(&data))
                .and_then(|()| check_paint(&data, &mut rng))
                .map(|()| check_stamps(&data, &clock))
                .and_then(|()| check_records(&data, &clock, &queries))
        }));
        let failure = match result {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            Err(_) => Some("panicked".to_owned()),
        };
        if let Some(why) = failure {
            let path =
                std::env::temp_dir().join(format!("logbraid-fuzz-{}.bin", std::process::id()));
            let _ = std::fs::write(&path, &data);
            eprintln!("fuzz: {why}\n  input saved to {}", path.display());
            std::process::exit(1);
        }
        rounds += 1;
    }
    println!(
        "fuzz: {rounds} inputs in {secs} s from {} seeds: clean",
        seeds.len()
    );
}
