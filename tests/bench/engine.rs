//! Engine benchmarks against the tools a user would reach for instead, measured in the same run.
//!
//! `cargo bench --bench engine` (add `-- --smoke` for a quick run with tiny sizes, `-- --keep` to
//! keep the generated data for profiling; `cargo test` runs it as a smoke run). Reports:
//! - merge: `--print --no-follow -n all` of four files of 250,000 realistic lines, twice: one
//!   layout only (log4j-style text, stack traces), and mixed (one line in ten JSON, as when a
//!   service's own logger writes JSON beside a library's text), against `cat` (the floor),
//!   `LC_ALL=C sort -m` and, where installed, lnav's headless mode (`lnav -n`); for the mixed
//!   case also the share of lines logbraid puts out of time order (the target is 0 %);
//! - latency: a line appended to a followed file until it is on `--print`'s stdout, against
//!   `tail -F`, p50/p95/max;
//! - idle: CPU used over 10 s while following 8 files that do not change;
//! - live braid: two commands (this benchmark's own binary, run as a generator) that each print
//!   a burst of old lines whose times interleave, then stream lines stamped when written and
//!   delivered 0–30 ms later (as over ssh or from kubectl): the share of lines `--print` puts
//!   out of time order, and write → output latency, with `--merge-window 0` (arrival order)
//!   and with the default window;
//! - structured: four files of 250,000 JSON lines (a nested `http` object), braided: raw,
//!   `--format pretty`, `--where 'http.status >= 500'`, against hl (`hl -P -s`, `hl -P -q`; on
//!   `PATH` or in `../shared/anchors/`).
//!
//! `cargo bench --bench engine -- structured live` runs only the sections named.
//! Each figure is a median of several runs; ratios compare runs made here, now, on the same
//! files. Generated data goes to a temporary directory. Tools not installed are skipped.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_logbraid");

struct Sizes {
    lines_per_file: usize,
    runs: usize,
    latency_samples: usize,
    idle_secs: u64,
    live_lines: usize,
}

fn main() {
    // Run by the live-braid section as a command: `--generate NAME PARITY LINES`.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--generate") {
        generate_live(&args[at + 1..]);
        return;
    }
    let smoke = std::env::args().any(|a| a == "--smoke") || !benching();
    let sizes = if smoke {
        Sizes {
            lines_per_file: 2_000,
            runs: 2,
            latency_samples: 20,
            idle_secs: 1,
            live_lines: 40,
        }
    } else {
        Sizes {
            lines_per_file: 250_000,
            runs: 9,
            latency_samples: 300,
            idle_secs: 10,
            live_lines: 600,
        }
    };
    let mut dir = tempfile::tempdir().expect("temp dir");
    dir.disable_cleanup(std::env::args().any(|a| a == "--keep"));
    println!(
        "logbraid engine benchmark{} — data in {}",
        if smoke { " (smoke)" } else { "" },
        dir.path().display()
    );
    let named: Vec<&str> = ["merge", "latency", "idle", "live", "structured", "history"]
        .into_iter()
        .filter(|s| args.iter().any(|a| a == s))
        .collect();
    let run = |section: &str| named.is_empty() || named.contains(&section);
    if run("merge") {
        merge(dir.path(), &sizes);
    }
    if run("latency") {
        latency(dir.path(), &sizes);
    }
    if run("idle") {
        idle(dir.path(), &sizes);
    }
    if run("live") {
        live(&sizes);
    }
    if run("structured") {
        structured(dir.path(), &sizes);
    }
    if run("history") {
        history(dir.path(), &sizes);
    }
}

// ---------------------------------------------------------------------------------------------
// Data

const WORDS: [&str; 16] = [
    "user", "order", "cart", "payment", "session", "cache", "db", "query", "request", "response",
    "timeout", "retry", "worker", "job", "queue", "shard",
];
const LEVELS: [&str; 10] = [
    "INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR",
];

/// Four services' logs: log4j-style lines, one in `json_every` a JSON line (`0`: none), and a
/// stack trace after some errors. Every stamped line ends with its millisecond (`ms=` or
/// `"ms":`), so that the output's order can be checked.
fn generate(dir: &Path, lines: usize, json_every: u64, name: &str) -> Vec<PathBuf> {
    (0..4u64)
        .map(|f| {
            let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15 ^ (f + 1));
            let mut ms: u64 = 1_767_225_600_000 + f * 3; // 2026-01-01
            let mut out = String::with_capacity(lines * 110);
            let mut n = 0;
            while n < lines {
                ms += 1 + rng.u64(..8);
                let level = LEVELS[usize::try_from(rng.u64(..10)).unwrap_or(0)];
                let words: Vec<&str> = (0..6 + rng.u64(..7)).map(|_| WORDS[usize::try_from(rng.u64(..16)).unwrap_or(0)]).collect();
                let ts = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0)).expect("valid time");
                if json_every > 0 && rng.u64(..json_every) == 0 {
                    let _ = writeln!(
                        out,
                        "{{\"ts\":\"{ts}\",\"level\":\"{}\",\"svc\":\"svc-{f}\",\"msg\":\"{}\",\"id\":{},\"ms\":{ms}}}",
                        level.to_lowercase(),
                        words.join(" "),
                        rng.u64(..1_000_000)
                    );
                } else {
                    let local = ts.strftime("%Y-%m-%d %H:%M:%S%.3f");
                    let _ = writeln!(out, "{local} {level:5} [svc-{f}] {} id={} ms={ms}", words.join(" "), rng.u64(..1_000_000));
                }
                n += 1;
                if level == "ERROR" && rng.u64(..4) == 0 {
                    for frame in 0..4 {
                        let _ = writeln!(out, "\tat com.example.svc{f}.Handler.step{frame}(Handler.java:{})", 10 + frame);
                        n += 1;
                    }
                }
            }
            let path = dir.join(format!("{name}-{f}.log"));
            fs::write(&path, out).expect("write data");
            path
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Measuring

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// True under `cargo bench` (it passes `--bench`). Without it — `cargo test` builds and runs the
/// benchmarks too, to keep them from rotting — the run is a smoke run, without lnav.
fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Median wall time of `cmd` writing to /dev/null, over `runs` runs (after one warm-up).
fn time_runs(runs: usize, mut cmd: impl FnMut() -> Command) -> f64 {
    let mut times: Vec<f64> = (0..=runs).map(|_| time_once(cmd())).collect();
    times.remove(0);
    median(times)
}

/// Seconds `cmd` takes, its output dropped; it must succeed.
fn time_once(mut cmd: Command) -> f64 {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    let t = start.elapsed().as_secs_f64();
    assert!(status.success(), "benchmark command failed");
    t
}

/// Share of the stamped lines of `out` (with their `ms` markers) that come before a line
/// stamped later than them: lines out of time order.
fn out_of_order(out: &[u8]) -> f64 {
    let (mut newest, mut stamped, mut late) = (0u64, 0u64, 0u64);
    for line in out.split(|b| *b == b'\n') {
        let Some(at) = line.windows(3).rposition(|w| w == b"ms=" || w == b"ms\":") else {
            continue;
        };
        let ms: u64 = line[at + 3..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0, |n, d| n * 10 + u64::from(d - b'0'));
        stamped += 1;
        if ms < newest {
            late += 1;
        }
        newest = newest.max(ms);
    }
    #[allow(clippy::cast_precision_loss)]
    let share = late as f64 / stamped.max(1) as f64;
    share * 100.0
}

fn merge(dir: &Path, sizes: &Sizes) {
    for (name, json_every, what) in [
        ("text", 0, "one layout (text)"),
        ("mixed", 10, "mixed layouts (text, 1 line in 10 JSON)"),
    ] {
        let files = generate(dir, sizes.lines_per_file, json_every, name);
        merge_files(&files, what, sizes);
    }
}

fn merge_files(files: &[PathBuf], what: &str, sizes: &Sizes) {
    let bytes: u64 = files
        .iter()
        .map(|f| fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    println!(
        "\n== merge: --print --no-follow -n all, 4 files, {} lines each, {mb:.1} MB, {what}",
        sizes.lines_per_file
    );
    let output = Command::new(BIN)
        .args(["--print", "--no-follow", "-n", "all"])
        .args(files)
        .output()
        .expect("run logbraid");
    println!(
        "{:<14} {:.3} % of the lines out of time order",
        "logbraid",
        out_of_order(&output.stdout)
    );
    let ours = time_runs(sizes.runs, || {
        let mut c = Command::new(BIN);
        c.args(["--print", "--no-follow", "-n", "all"]).args(files);
        c
    });
    println!(
        "{:<14} {:>8.1} ms {:>8.0} MB/s",
        "logbraid",
        ours * 1e3,
        mb / ours
    );
    let cat = time_runs(sizes.runs, || {
        let mut c = Command::new("cat");
        c.args(files);
        c
    });
    println!(
        "{:<14} {:>8.1} ms {:>8.0} MB/s   logbraid takes {:.1}x cat's time",
        "cat",
        cat * 1e3,
        mb / cat,
        ours / cat
    );
    let sort = time_runs(sizes.runs, || {
        let mut c = Command::new("sort");
        c.env("LC_ALL", "C").arg("-m").args(files);
        c
    });
    println!(
        "{:<14} {:>8.1} ms {:>8.0} MB/s   logbraid is {:.2}x as fast",
        "sort -m",
        sort * 1e3,
        mb / sort,
        sort / ours
    );
    // lnav's headless mode prints its merged view of the files.
    if benching() && have("lnav") {
        let lnav = time_runs(sizes.runs.min(3), || {
            let mut c = Command::new("lnav");
            c.arg("-n").args(files);
            c
        });
        println!(
            "{:<14} {:>8.1} ms {:>8.0} MB/s   logbraid is {:.1}x as fast",
            "lnav -n",
            lnav * 1e3,
            mb / lnav,
            lnav / ours
        );
    } else if benching() {
        println!("{:<14} not installed: skipped", "lnav -n");
    } else {
        println!("{:<14} skipped: smoke run under cargo test", "lnav -n");
    }
}

// ---------------------------------------------------------------------------------------------
// Structured logs

/// Four services writing JSON records (pino/zap-like, a nested `http` object), interleaved in
/// time; one request in 20 fails with a 5xx.
fn generate_json(dir: &Path, lines: usize) -> Vec<PathBuf> {
    (0..4u64)
        .map(|f| {
            let mut rng = fastrand::Rng::with_seed(0x51_7CC1_B727_220A ^ (f + 1));
            let mut ms: u64 = 1_767_225_600_000 + f * 3;
            let mut out = String::with_capacity(lines * 220);
            for n in 0..lines {
                ms += 1 + rng.u64(..8);
                let ts = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0))
                    .expect("valid time");
                let status = match rng.u64(..20) {
                    0 => 500 + rng.u64(..4),
                    1 | 2 => 404,
                    _ => 200,
                };
                let level = match status {
                    500.. => "error",
                    400.. => "warn",
                    _ => "info",
                };
                let word = WORDS[usize::try_from(rng.u64(..16)).unwrap_or(0)];
                let _ = writeln!(
                    out,
                    "{{\"time\":\"{ts}\",\"level\":\"{level}\",\"msg\":\"{word} request done\",                     \"svc\":\"svc-{f}\",\"http\":{{\"method\":\"GET\",\"path\":\"/api/{word}/{n}\",                     \"status\":{status}}},\"dur_ms\":{},\"user\":\"u{}\",\"trace_id\":\"{:016x}\"}}",
                    rng.u64(..500),
                    rng.u64(..10_000),
                    rng.u64(..)
                );
            }
            let path = dir.join(format!("json-{f}.log"));
            fs::write(&path, out).expect("write data");
            path
        })
        .collect()
}

/// hl, on `PATH` or among the team's anchors.
fn hl() -> Option<PathBuf> {
    if have("hl") {
        return Some(PathBuf::from("hl"));
    }
    let anchor = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/anchors/hl");
    anchor.is_file().then_some(anchor)
}

fn structured(dir: &Path, sizes: &Sizes) {
    let files = generate_json(dir, sizes.lines_per_file);
    let bytes: u64 = files
        .iter()
        .map(|f| fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    println!(
        "\n== structured: 4 files of {} JSON lines, {mb:.1} MB, braided, to /dev/null",
        sizes.lines_per_file
    );
    let ours = |extra: &[&'static str]| {
        let mut c = Command::new(BIN);
        c.args(["--print", "--no-follow", "-n", "all"])
            .args(extra)
            .args(&files);
        c
    };
    let raw = time_runs(sizes.runs, || ours(&[]));
    let json = time_runs(sizes.runs, || ours(&["--format", "json"]));
    let hl = hl().filter(|_| benching());
    let theirs = |args: &[&'static str]| {
        hl.as_ref().map(|hl| {
            let mut c = Command::new(hl);
            c.args(["-P", "--config", "-", "--color", "never"])
                .args(args)
                .args(&files);
            c
        })
    };
    // Each of ours beside hl's counterpart, runs alternating: this machine's speed drifts by
    // tens of percent within minutes, and a ratio must compare runs made under the same load.
    let pretty = time_pair(
        sizes.runs,
        || ours(&["--format", "pretty"]),
        || theirs(&["-s"]),
    );
    let query = time_pair(
        sizes.runs,
        || ours(&["--where", "http.status >= 500"]),
        || theirs(&["-q", "http.status >= 500"]),
    );
    for (what, t) in [
        ("raw", raw),
        ("--format pretty", pretty.0),
        ("--format json", json),
        ("--where http.status>=500", query.0),
    ] {
        println!(
            "logbraid {what:<26} {:>8.1} ms {:>6.0} MB/s",
            t * 1e3,
            mb / t
        );
    }
    let (Some(hl_sorted), Some(hl_query)) = (pretty.1, query.1) else {
        println!("hl: skipped (not found, or a smoke run)");
        return;
    };
    println!(
        "hl -P -s (braided, rendered)        {:>8.1} ms   logbraid --format pretty is {:.2}x as fast",
        hl_sorted * 1e3,
        hl_sorted / pretty.0
    );
    println!(
        "hl -P -q 'http.status >= 500'      {:>8.1} ms   logbraid --where is {:.2}x as fast",
        hl_query * 1e3,
        hl_query / query.0
    );
}

/// Median seconds of `ours` and of `theirs` (when there is one), `runs` each after a warm-up,
/// the two run by turns.
fn time_pair(
    runs: usize,
    mut ours: impl FnMut() -> Command,
    mut theirs: impl FnMut() -> Option<Command>,
) -> (f64, Option<f64>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..=runs {
        a.push(time_once(ours()));
        if let Some(cmd) = theirs() {
            b.push(time_once(cmd));
        }
        if i == 0 {
            a.clear();
            b.clear();
        }
    }
    let theirs = (!b.is_empty()).then(|| median(b));
    (median(a), theirs)
}

// ---------------------------------------------------------------------------------------------
// History: a compressed generation

/// A gzip generation (about 100 MB compressed in a full run) read as a log's history and
/// written out, beside `zcat` on the same file (the issue's target: at least 80 % of its
/// speed) and `hl -r` (raw output).
fn history(dir: &Path, sizes: &Sizes) {
    let logs = dir.join("history");
    fs::create_dir_all(&logs).expect("mkdir");
    let gz = logs.join("app.log.1.gz");
    // About 23 bytes compressed a line at gzip's default level.
    let lines = if sizes.lines_per_file >= 250_000 {
        4_400_000
    } else {
        20_000
    };
    let mut rng = fastrand::Rng::with_seed(0x0123_4567_89AB_CDEF);
    let mut encoder = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(fs::File::create(&gz).expect("create")),
        flate2::Compression::default(),
    );
    let mut ms: u64 = 1_767_225_600_000;
    let mut text_bytes = 0u64;
    let mut chunk = String::new();
    for n in 0..lines {
        ms += 1 + rng.u64(..20);
        let ts = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0))
            .expect("valid time")
            .strftime("%Y-%m-%d %H:%M:%S,%3f");
        let _ = writeln!(
            chunk,
            "{ts} INFO [worker-{}] {} {} request id={:012x} took {} ms user=u{}",
            rng.u64(1..17),
            WORDS[rng.usize(..16)],
            WORDS[rng.usize(..16)],
            rng.u64(..1 << 48),
            rng.u64(1..1000),
            rng.u64(1..100_000)
        );
        if chunk.len() > 1 << 20 || n + 1 == lines {
            text_bytes += chunk.len() as u64;
            std::io::Write::write_all(&mut encoder, chunk.as_bytes()).expect("compress");
            chunk.clear();
        }
    }
    encoder.finish().expect("compress");
    fs::write(logs.join("app.log"), "").expect("write");
    let compressed = fs::metadata(&gz).map_or(0, |m| m.len());
    #[allow(clippy::cast_precision_loss)]
    let (mb, text_mb) = (compressed as f64 / 1e6, text_bytes as f64 / 1e6);
    println!(
        "\n== history: a gzip generation of {mb:.0} MB ({text_mb:.0} MB of text, {lines} lines), read whole, to /dev/null"
    );
    let ours = || {
        let mut c = Command::new(BIN);
        c.args(["--print", "--no-follow", "-n", "all", "app.log*"])
            .current_dir(&logs);
        c
    };
    let zcat = || {
        have("zcat").then(|| {
            let mut c = Command::new("zcat");
            c.arg(&gz);
            c
        })
    };
    let (ours_t, zcat_t) = time_pair(sizes.runs, ours, zcat);
    println!(
        "logbraid 'app.log*' (the generation, then the live file) {:>8.1} ms {:>6.0} MB/s of text",
        ours_t * 1e3,
        text_mb / ours_t
    );
    match zcat_t {
        Some(z) => println!(
            "zcat app.log.1.gz                                     {:>8.1} ms {:>6.0} MB/s: logbraid at {:.0} % of its speed",
            z * 1e3,
            text_mb / z,
            z / ours_t * 100.0
        ),
        None => println!("zcat: skipped (not found)"),
    }
    if let Some(hl) = hl().filter(|_| benching()) {
        let t = time_runs(sizes.runs.min(5), || {
            let mut c = Command::new(&hl);
            c.args(["-P", "--config", "-", "--color", "never", "-r"])
                .arg(&gz);
            c
        });
        println!(
            "hl -r app.log.1.gz                                    {:>8.1} ms {:>6.0} MB/s",
            t * 1e3,
            text_mb / t
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Latency

/// A follower whose stdout we read line by line.
struct Follower {
    child: Child,
    lines: std::sync::mpsc::Receiver<(Instant, String)>,
}

impl Follower {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start follower");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Self { child, lines: rx }
    }

    fn wait_for(&self, want: &str) -> Option<Instant> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok((at, line)) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.ends_with(want) {
                return Some(at);
            }
        }
        None
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends a line, waits for it on the follower's stdout, `samples` times; returns sorted ms.
fn sample_latency(path: &Path, follower: &Follower, samples: usize) -> Vec<f64> {
    // The file starts with a "ready" line the follower shows (`-n 1`): then it is up.
    follower.wait_for("ready").expect("follower is up");
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open");
    let mut out = Vec::new();
    for i in 0..samples {
        // Spaced out, as a live log is: each sample starts from an idle follower.
        std::thread::sleep(Duration::from_millis(5));
        let marker = format!("sample {i}");
        let start = Instant::now();
        writeln!(file, "2026-01-01 00:00:00 INFO {marker}").expect("write");
        if let Some(seen) = follower.wait_for(&marker) {
            out.push(seen.duration_since(start).as_secs_f64() * 1e3);
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

fn latency(dir: &Path, sizes: &Sizes) {
    println!(
        "\n== latency: append one line to a followed file -> the line on stdout ({} samples)",
        sizes.latency_samples
    );
    let path = dir.join("latency.log");
    let report = |name: &str, v: &[f64]| {
        if v.is_empty() {
            println!("{name:<14} no samples");
        } else {
            println!(
                "{name:<14} p50 {:>6.2} ms   p95 {:>6.2} ms   max {:>6.2} ms",
                common::percentile(v, 0.5),
                common::percentile(v, 0.95),
                v[v.len() - 1]
            );
        }
    };
    fs::write(&path, "ready\n").expect("create");
    let mut ours = Command::new(BIN);
    ours.args(["--print", "-n", "1"]).arg(&path);
    let v = sample_latency(&path, &Follower::start(ours), sizes.latency_samples);
    report("logbraid", &v);
    if have("tail") {
        fs::write(&path, "ready\n").expect("create");
        let mut tail = Command::new("stdbuf");
        tail.args(["-oL", "tail", "-F", "-n", "1"]).arg(&path);
        let v = sample_latency(&path, &Follower::start(tail), sizes.latency_samples);
        report("tail -F", &v);
    }
}

// ---------------------------------------------------------------------------------------------
// Idle

fn idle(dir: &Path, sizes: &Sizes) {
    println!(
        "\n== idle: following 8 files that do not change, {} s",
        sizes.idle_secs
    );
    let files: Vec<PathBuf> = (0..8).map(|i| dir.join(format!("idle-{i}.log"))).collect();
    for f in &files {
        fs::write(f, "2026-01-01 00:00:00 INFO started\n").expect("write");
    }
    let mut child = Command::new(BIN)
        .arg("--print")
        .args(&files)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    std::thread::sleep(Duration::from_secs(1));
    let before = common::cpu_seconds(child.id());
    std::thread::sleep(Duration::from_secs(sizes.idle_secs));
    let after = common::cpu_seconds(child.id());
    let _ = child.kill();
    let _ = child.wait();
    if let (Some(a), Some(b)) = (before, after) {
        #[allow(clippy::cast_precision_loss)]
        let share = (b - a) / sizes.idle_secs as f64 * 100.0;
        println!(
            "logbraid       {:.3} s of CPU = {share:.3}% of one core ",
            b - a
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Live braid

/// Nanoseconds since the epoch, now.
fn wall_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The generator: 100 old lines (on even or odd milliseconds, by `parity`), then `lines` lines
/// each stamped, held 0–30 ms (the delivery delay), written with the instant it was written
/// (`w=`), 0–20 ms apart. Each line ends with its stamp's millisecond (`ms=`).
fn generate_live(args: &[String]) {
    let name = args.first().map_or("gen", String::as_str);
    let parity: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let lines: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let mut rng = fastrand::Rng::with_seed(7 + parity);
    let mut out = std::io::stdout().lock();
    let base: u64 = 1_767_225_600_000; // 2026-01-01
    for i in 0..100 {
        let ms = base + i * 2 + parity;
        let ts = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0)).expect("time");
        let _ = writeln!(
            out,
            "{} {name} old {i} ms={ms}",
            ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        );
    }
    let _ = out.flush();
    std::thread::sleep(Duration::from_millis(300));
    for i in 0..lines {
        let stamp = jiff::Timestamp::now();
        std::thread::sleep(Duration::from_millis(rng.u64(..30)));
        let ms = stamp.as_millisecond();
        let _ = writeln!(
            out,
            "{} {name} live {i} w={} ms={ms}",
            stamp.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
            wall_ns()
        );
        let _ = out.flush();
        std::thread::sleep(Duration::from_millis(rng.u64(..20)));
    }
}

fn live(sizes: &Sizes) {
    println!(
        "\n== live braid: 2 commands, a burst of 100 old lines each, then {} lines each delivered 0-30 ms after their stamp",
        sizes.live_lines
    );
    let me = std::env::current_exe().expect("own path");
    let gen_cmd = |name: &str, parity: u8| {
        format!(
            "'{}' --generate {name} {parity} {}",
            me.display(),
            sizes.live_lines
        )
    };
    for window in ["0", "25", "50", "100", "250"] {
        let mut cmd = Command::new(BIN);
        cmd.args(["--print", "--merge-window", window]);
        cmd.args(["-c", &gen_cmd("api", 0), "-c", &gen_cmd("db", 1)]);
        let follower = Follower::start(cmd);
        let mut out = Vec::new();
        let mut latencies = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Ok((_, line)) = follower
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let now = wall_ns();
            if let Some(w) = line
                .split(' ')
                .find_map(|f| f.strip_prefix("w="))
                .and_then(|w| w.parse::<u128>().ok())
            {
                #[allow(clippy::cast_precision_loss)]
                latencies.push(now.saturating_sub(w) as f64 / 1e6);
            }
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        latencies.sort_by(f64::total_cmp);
        let default = logbraid::engine::MERGE_WINDOW.as_millis().to_string();
        let label = format!(
            "window {window} ms{}",
            if window == default { " (default)" } else { "" }
        );
        if latencies.is_empty() {
            println!("{label:<24} no live lines");
            continue;
        }
        println!(
            "{label:<24} {:5.2} % of the lines out of time order   write -> output p50 {:5.1} ms  p95 {:5.1} ms",
            out_of_order(&out),
            common::percentile(&latencies, 0.5),
            common::percentile(&latencies, 0.95)
        );
    }
}
