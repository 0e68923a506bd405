//! TUI benchmarks: the real binary in a pseudo-terminal, its output fed to a terminal emulator
//! (`vt100`), so "on screen" means: the bytes that draw it have reached the terminal.
//!
//! `cargo bench --bench tui` (`-- --smoke` for a quick run; `cargo test` runs it as a smoke run
//! of logbraid alone). Reports:
//! - latency: a line appended to a followed file until it is on screen, p50/p95/max;
//!
//! (latency and idle also for multitail, lnav, toolong (`tl`) and tailspin (`tspin`), flood also
//! for multitail and lnav, big file for lnav and toolong, where installed; nothing is installed.)
//! - flood: 200,000 lines/s over 4 files for 5 s: key-to-screen times during the flood, time
//!   until every file's last line is on screen after the writers stop, CPU used, peak memory;
//! - idle: CPU over 10 s with 8 followed files;
//! - memory: resident memory with 1,000,000 and 5,000,000 lines of 100 bytes from a pipe;
//! - big file: a 1 GiB log opened with all its history: time to the first (last) screen, warm and
//!   cold, background index throughput, resident memory, a filter and a search over all of it.
//!
//! Sections named after `--` run alone: `cargo bench --bench tui -- big-file idle`.
//!
//! The pseudo-terminal comes from `script` (util-linux), which relays the terminal's output to
//! us; the command sets its size with `stty` first.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_logbraid");
const ROWS: u16 = 40;
const COLS: u16 = 140;

struct Sizes {
    big_file: u64,
    latency_samples: usize,
    flood_secs: f64,
    idle_secs: u64,
    memory_lines: Vec<usize>,
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke") || !benching();
    let sizes = if smoke {
        Sizes {
            big_file: 80 << 20,
            latency_samples: 20,
            flood_secs: 1.0,
            idle_secs: 1,
            memory_lines: vec![20_000],
        }
    } else {
        Sizes {
            big_file: 1 << 30,
            latency_samples: 300,
            flood_secs: 5.0,
            idle_secs: 10,
            memory_lines: vec![1_000_000, 5_000_000],
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "logbraid TUI benchmark{} — {COLS}x{ROWS} pseudo-terminal, data in {}",
        if smoke { " (smoke)" } else { "" },
        dir.path().display()
    );
    // Sections named on the command line run alone (`-- big-file`); none named: all.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |section: &str| named.is_empty() || named.iter().any(|n| n == section);
    if run("latency") {
        latency(dir.path(), &sizes);
    }
    if run("flood") {
        flood(dir.path(), &sizes);
    }
    if run("idle") {
        idle(dir.path(), &sizes);
    }
    if run("memory") {
        for &lines in &sizes.memory_lines {
            memory(dir.path(), lines);
        }
    }
    if run("big-file") {
        big_file(dir.path(), sizes.big_file);
    }
    if run("big-braid") {
        big_braid(dir.path(), sizes.big_file);
    }
}

/// logbraid running in a pseudo-terminal, its screen kept by a terminal emulator.
struct Screen {
    script: Child,
    keys: ChildStdin,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Bumped (with the time) each time output arrives.
    updates: Arc<(Mutex<(u64, Instant)>, std::sync::Condvar)>,
}

impl Screen {
    fn start(args: &str, dir: &Path, stdin_cmd: Option<&str>) -> Self {
        let run = match stdin_cmd {
            Some(producer) => format!("{producer} | {BIN} {args}"),
            None => format!("exec {BIN} {args}"),
        };
        Self::launch(&run, dir, "? help")
    }

    /// Runs `run` (a shell command) in the pseudo-terminal and waits until the screen shows
    /// `ready`.
    fn launch(run: &str, dir: &Path, ready: &str) -> Self {
        let screen = Self::spawn(run, dir);
        screen
            .wait_for(|s| s.contains(ready), Duration::from_secs(20))
            .expect("the first frame");
        screen
    }

    /// Runs `run` (a shell command) in the pseudo-terminal.
    fn spawn(run: &str, dir: &Path) -> Self {
        let command = format!("stty rows {ROWS} cols {COLS}; {run}");
        let mut script = Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start script (util-linux)");
        let keys = script.stdin.take().expect("stdin");
        let mut out = script.stdout.take().expect("stdout");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let updates = Arc::new((
            Mutex::new((0u64, Instant::now())),
            std::sync::Condvar::new(),
        ));
        let (p, u) = (Arc::clone(&parser), Arc::clone(&updates));
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let now = Instant::now();
                p.lock().expect("parser").process(&buf[..n]);
                let mut count = u.0.lock().expect("updates");
                *count = (count.0 + 1, now);
                u.1.notify_all();
            }
        });
        Self {
            script,
            keys,
            parser,
            updates,
        }
    }

    fn contents(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Waits until the screen satisfies `done`; returns when the output that did it arrived.
    fn wait_for(&self, done: impl Fn(&str) -> bool, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let (lock, cond) = &*self.updates;
        let mut seen = lock.lock().expect("updates").0;
        loop {
            if done(&self.contents()) {
                return Some(lock.lock().expect("updates").1);
            }
            let guard = lock.lock().expect("updates");
            let (guard, _) = cond
                .wait_timeout_while(guard, Duration::from_millis(50), |(n, _)| *n == seen)
                .expect("wait");
            seen = guard.0;
            drop(guard);
            if Instant::now() > deadline {
                return None;
            }
        }
    }

    fn key(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).expect("send keys");
        self.keys.flush().expect("flush keys");
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.keys.write_all(b"q");
        let _ = self.keys.flush();
        std::thread::sleep(Duration::from_millis(200));
        let _ = self.script.kill();
        let _ = self.script.wait();
    }
}

fn report(name: &str, mut v: Vec<f64>) {
    if v.is_empty() {
        println!("{name:<28} no samples");
        return;
    }
    v.sort_by(f64::total_cmp);
    println!(
        "{name:<28} p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms   ({} samples)",
        common::percentile(&v, 0.5),
        common::percentile(&v, 0.95),
        v[v.len() - 1],
        v.len()
    );
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn latency(dir: &Path, sizes: &Sizes) {
    println!(
        "\n== latency: append a line to a followed file -> on screen (idle screen before each)"
    );
    let files: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("lat-{i}.log"))).collect();
    let paths = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let first = files[0].display().to_string();
    // The tools a user would pick instead, where installed (nothing is installed for them).
    // logbraid twice: with lines stamped in the past (released at once), and stamped now, which
    // the merge window holds (three followed files are quiet) and the screen shows at once.
    let tools: [(&str, String, usize); 6] = [
        (
            "logbraid",
            format!("exec {BIN} {paths}"),
            sizes.latency_samples,
        ),
        (
            "logbraid (stamped now)",
            format!("exec {BIN} {paths}"),
            sizes.latency_samples,
        ),
        (
            "multitail",
            format!("exec multitail {first}"),
            sizes.latency_samples,
        ),
        (
            "lnav",
            format!("exec lnav {first}"),
            sizes.latency_samples.min(60),
        ),
        (
            "tl",
            format!("exec tl {first}"),
            sizes.latency_samples.min(60),
        ),
        (
            "tspin",
            format!("exec tspin --follow {first}"),
            sizes.latency_samples.min(60),
        ),
    ];
    for (name, run, samples) in tools {
        let ours = name.starts_with("logbraid");
        if !ours && !have(name) {
            skipped(name);
            continue;
        }
        for f in &files {
            fs::write(f, "ready\n").expect("write");
        }
        let screen = Screen::launch(&run, dir, "ready");
        std::thread::sleep(Duration::from_millis(500));
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(&files[0])
            .expect("open");
        let mut got = Vec::new();
        for i in 0..samples {
            // Let the screen go idle: the next line is a first change.
            std::thread::sleep(Duration::from_millis(30));
            let marker = format!("mark-{i:05}-{}", i * 7919 % 10007);
            let stamp = if name.ends_with("(stamped now)") {
                jiff::Zoned::now()
                    .strftime("%Y-%m-%d %H:%M:%S%.3f")
                    .to_string()
            } else {
                "2026-01-01 00:00:00".to_owned()
            };
            let start = Instant::now();
            writeln!(file, "{stamp} INFO {marker}").expect("write");
            if let Some(seen) = screen.wait_for(|s| s.contains(&marker), Duration::from_secs(5)) {
                got.push(seen.saturating_duration_since(start).as_secs_f64() * 1e3);
            }
        }
        report(&format!("{name}: write -> screen"), got);
    }
}

/// logbraid, and the alternatives that follow several files (multitail, lnav) where installed:
/// each with the command that follows `paths`. Missing ones are reported as skipped.
fn tools_following(paths: &str) -> Vec<(&'static str, String)> {
    let mut tools = vec![("logbraid", format!("exec {BIN} {paths}"))];
    tools.extend(installed(
        ["multitail", "lnav"].map(|name| (name, format!("exec {name} {paths}"))),
    ));
    tools
}

/// The alternatives (name, command) that are installed; says which are skipped.
fn installed<const N: usize>(
    candidates: [(&'static str, String); N],
) -> Vec<(&'static str, String)> {
    candidates
        .into_iter()
        .filter(|(name, _)| {
            let there = have(name);
            if !there {
                skipped(name);
            }
            there
        })
        .collect()
}

/// True under `cargo bench` (it passes `--bench`). Without it — `cargo test` builds and runs the
/// benchmarks too, to keep them from rotting — the run is a smoke run of logbraid alone.
fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Says why `tool` is not measured.
fn skipped(tool: &str) {
    if benching() {
        println!("{tool:<28} not installed: skipped");
    } else {
        println!("{tool:<28} skipped: smoke run under cargo test");
    }
}

/// Whether `tool` is on the PATH (and this is a real benchmark run).
fn have(tool: &str) -> bool {
    benching()
        && Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

fn flood(dir: &Path, sizes: &Sizes) {
    println!(
        "\n== flood: 200,000 lines/s over 4 files for {} s",
        sizes.flood_secs
    );
    let files: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("flood-{i}.log"))).collect();
    let paths = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    // logbraid twice: as it starts, and with a cursor moved off the last line and a mark set
    // (the view then stays put while the lines pour in below it).
    let runs = tools_following(&paths).into_iter().flat_map(|(name, run)| {
        let marked = (name == "logbraid").then(|| (name, run.clone(), true));
        std::iter::once((name, run, false)).chain(marked)
    });
    for (name, run, marked) in runs {
        for f in &files {
            fs::write(f, "ready\n").expect("write");
        }
        let mut screen = Screen::launch(&run, dir, "ready");
        let label = if marked {
            format!("{name} (cursor, mark)")
        } else {
            name.to_owned()
        };
        if marked {
            screen.key(b"k");
            screen.key(b"m");
            screen.wait_for(|s| s.contains('●'), Duration::from_secs(5));
        }
        // Some tools run helper processes (lnav does): all processes of that name count.
        let cpu_before = cpu_of_all(name);
        let started = Instant::now();
        let writers = flood_writers(&files, sizes.flood_secs);
        // Keys during the flood: a prompt opened (timed) and closed (timed for logbraid; lnav's
        // Esc waits for a possible escape sequence, so it is closed with its own Ctrl-], untimed).
        let probes: &[Probe] = match name {
            "logbraid" => &[
                (b"f", |s| s.contains("Enter keep"), true),
                (b"\x1b", |s| s.contains("? help"), true),
            ],
            "lnav" => &[
                (b":", |s| s.contains("Enter an lnav command"), true),
                (b"\x1d", |s| !s.contains("Enter an lnav command"), false),
            ],
            _ => &[],
        };
        let mut keys = Vec::new();
        while !probes.is_empty() && started.elapsed().as_secs_f64() < sizes.flood_secs - 0.3 {
            std::thread::sleep(Duration::from_millis(100));
            for &(key, shows, timed) in probes {
                let t = Instant::now();
                screen.key(key);
                if let Some(seen) = screen.wait_for(shows, Duration::from_secs(2))
                    && timed
                {
                    keys.push(seen.saturating_duration_since(t).as_secs_f64() * 1e3);
                }
            }
        }
        let written: u64 = writers.into_iter().map(|w| w.join().expect("writer")).sum();
        let stopped = Instant::now();
        if marked {
            screen.key(b"G");
        }
        let caught_up = screen.wait_for(
            |s| (0..4).all(|w| s.contains(&format!("END-OF-FLOOD-{w}"))),
            Duration::from_secs(30),
        );
        let cpu_after = cpu_of_all(name);
        let elapsed = started.elapsed().as_secs_f64();
        if !probes.is_empty() {
            report(&format!("{label}: key -> screen"), keys);
        }
        match caught_up {
            Some(t) => println!(
                "{:<28} last lines on screen {:.1} ms after the writers stopped ({written} lines)",
                format!("{label}:"),
                t.saturating_duration_since(stopped).as_secs_f64() * 1e3
            ),
            None => println!(
                "{:<28} last lines not on screen within 30 s",
                format!("{label}:")
            ),
        }
        if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
            let peak = pids(name)
                .into_iter()
                .filter_map(peak_rss_mb)
                .reduce(f64::max);
            let peak = peak.map_or_else(String::new, |mb| format!(", peak resident {mb:.0} MB"));
            println!(
                "{:<28} {:.0}% of one core ({:.2} s of CPU in {elapsed:.1} s){peak}",
                format!("{label}:"),
                (b - a) / elapsed * 100.0,
                b - a
            );
        }
    }
}

/// A key, what shows that it took effect, and whether its time counts.
type Probe = (&'static [u8], fn(&str) -> bool, bool);

/// Four writers, 50,000 lines/s each (batches of 500 every 10 ms), then an `END-OF-FLOOD-N`
/// line each; they return how many lines they wrote.
fn flood_writers(files: &[PathBuf], secs: f64) -> Vec<std::thread::JoinHandle<u64>> {
    files
        .iter()
        .enumerate()
        .map(|(w, path)| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut file = fs::OpenOptions::new().append(true).open(&path).expect("open");
                let mut n = 0u64;
                let begin = Instant::now();
                while begin.elapsed().as_secs_f64() < secs {
                    let mut chunk = String::with_capacity(500 * 100);
                    for _ in 0..500 {
                        let _ = writeln!(chunk, "2026-01-01 00:00:00.000 INFO [w{w}] flood line {n:09} payload payload payload payload");
                        n += 1;
                    }
                    file.write_all(chunk.as_bytes()).expect("write");
                    let due = Duration::from_millis(10 * (n / 500));
                    if let Some(wait) = due.checked_sub(begin.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
                writeln!(file, "END-OF-FLOOD-{w}").expect("write");
                n
            })
        })
        .collect()
}

/// Every process called `name`.
fn pids(name: &str) -> Vec<u32> {
    let out = Command::new("pgrep")
        .args(["-x", name])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// CPU seconds of every process called `name`, together.
fn cpu_of_all(name: &str) -> Option<f64> {
    pids(name)
        .into_iter()
        .filter_map(common::cpu_seconds)
        .reduce(|a, b| a + b)
}

/// Peak resident memory of a process so far (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn idle(dir: &Path, sizes: &Sizes) {
    println!(
        "\n== idle: 8 followed files that do not change, {} s",
        sizes.idle_secs
    );
    let files: Vec<PathBuf> = (0..8).map(|i| dir.join(format!("idle-{i}.log"))).collect();
    for f in &files {
        fs::write(f, "2026-01-01 00:00:00 INFO started\n").expect("write");
    }
    let paths = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let mut tools = tools_following(&paths);
    // toolong follows the 8 files in tabs; tailspin follows one file, through `less`.
    let first = files[0].display().to_string();
    tools.extend(installed([
        ("tl", format!("exec tl {paths}")),
        ("tspin", format!("exec tspin --follow {first}")),
    ]));
    for (name, run) in tools {
        // Kept alive (and quit when dropped) while its CPU is read.
        let _screen = Screen::launch(&run, dir, "started");
        std::thread::sleep(Duration::from_secs(3));
        // Helper processes count: lnav's, and tailspin's pager.
        let names: &[&str] = if name == "tspin" {
            &["tspin", "less"]
        } else {
            &[name]
        };
        let cpu = || {
            names
                .iter()
                .filter_map(|n| cpu_of_all(n))
                .reduce(|a, b| a + b)
        };
        let before = cpu();
        std::thread::sleep(Duration::from_secs(sizes.idle_secs));
        let after = cpu();
        if let (Some(a), Some(b)) = (before, after) {
            #[allow(clippy::cast_precision_loss)]
            let share = (b - a) / sizes.idle_secs as f64 * 100.0;
            println!(
                "{:<28} {:.3} s of CPU = {share:.3}% of one core{}",
                format!("{name}, idle"),
                b - a,
                if name == "tspin" { " (1 file)" } else { "" }
            );
        }
    }
}

/// The pid of the newest process called `name`.
fn newest_pid(name: &str) -> Option<u32> {
    let out = Command::new("pgrep")
        .args(["-n", "-x", name])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn memory(dir: &Path, lines: usize) {
    println!("\n== memory: {lines} lines of 100 bytes from a pipe, all retained");
    let path = dir.join("pipe.txt");
    let mut file = std::io::BufWriter::new(fs::File::create(&path).expect("create"));
    for i in 0..lines {
        let head = format!("2026-01-01 00:00:00 INFO line {i:09} ");
        writeln!(file, "{head}{}", "x".repeat(100 - head.len())).expect("write");
    }
    drop(file);
    let last = format!("line {:09}", lines - 1);
    // Room for every line (the default keeps 256 MiB), so that all are retained.
    let screen = Screen::start(
        "--max-memory 2G -",
        dir,
        Some(&format!("cat {}", path.display())),
    );
    screen
        .wait_for(|s| s.contains(&last), Duration::from_secs(300))
        .expect("every line ingested");
    std::thread::sleep(Duration::from_millis(500));
    if let Some(mb) = newest_pid("logbraid").and_then(rss_mb) {
        #[allow(clippy::cast_precision_loss)]
        let per_line = (mb * 1024.0 * 1024.0) / lines as f64;
        println!(
            "{:<28} {mb:.1} MB resident ({per_line:.0} bytes per 100-byte line, all included; {:.0} above the text)",
            "resident memory",
            per_line - 100.0
        );
    }
    drop(screen);
    let _ = fs::remove_file(path);
}

/// A log of `size` bytes: the time to its first screen (warm: just written; cold: its pages
/// dropped from the cache first), then for logbraid the background index (throughput, from the
/// progress in the title), a filter and a search over the whole file, and resident memory.
fn big_file(dir: &Path, size: u64) {
    #[allow(clippy::cast_precision_loss)]
    let mib = size as f64 / f64::from(1 << 20);
    println!("\n== big file: {mib:.0} MiB of log lines, opened with all its history");
    let path = dir.join("big.log");
    let lines = write_big_log(&path, size, 1, 0);
    let file = path.display().to_string();
    let last = format!("req={:08}", lines - 1);
    let mut tools = vec![("logbraid", format!("exec {BIN} -n all {file}"))];
    tools.extend(installed([
        ("lnav", format!("exec lnav {file}")),
        ("tl", format!("exec tl {file}")),
    ]));
    for (name, run) in tools {
        for cold in [false, true] {
            if cold && !drop_from_cache(&path) {
                println!("{name:<28} cold: could not drop the file from the page cache, skipped");
                continue;
            }
            let temperature = if cold { "cold" } else { "warm" };
            let start = Instant::now();
            let mut screen = Screen::spawn(&run, dir);
            // Any of the file's lines on screen: lnav and toolong open at the top, logbraid at
            // the bottom (its last line is checked too).
            let Some(first) = screen.wait_for(|s| s.contains(" req="), Duration::from_secs(120))
            else {
                println!("{name:<28} {temperature}: nothing on screen within 120 s");
                continue;
            };
            let first_ms = first.saturating_duration_since(start).as_secs_f64() * 1e3;
            let at_first: f64 = pids(name).into_iter().filter_map(rss_mb).sum();
            println!(
                "{:<28} first screen {first_ms:.0} ms, resident {at_first:.0} MB then",
                format!("{name}, {temperature}:")
            );
            if name != "logbraid" {
                other_on_big_file(&mut screen, name, start, &last, mib, temperature);
                continue;
            }
            logbraid_on_big_file(&mut screen, start, cold, size, &last);
        }
    }
    // `--since` five minutes before the last line (a line a millisecond): the history before
    // it is skipped by a search by position, not read.
    let kept = lines.saturating_sub(300_000);
    let (hour, min, sec, milli) = (
        kept / 3_600_000 % 24,
        kept / 60_000 % 60,
        kept / 1000 % 60,
        kept % 1000,
    );
    let since = format!("2026-11-24T{hour:02}:{min:02}:{sec:02}.{milli:03}Z");
    let start = Instant::now();
    let mut screen = Screen::spawn(&format!("exec {BIN} -n all --since {since} {file}"), dir);
    match screen.wait_for(|s| s.contains(&last), Duration::from_secs(120)) {
        Some(t) => println!(
            "{:<28} last screen {:.0} ms (the 300,000 lines since {since})",
            "logbraid --since, warm:",
            t.saturating_duration_since(start).as_secs_f64() * 1e3
        ),
        None => println!("logbraid --since: last line not on screen within 120 s"),
    }
    // `g` again and again: the view stays where it is while older lines come in above it.
    let oldest = format!("req={kept:08}");
    let mut shown = None;
    while shown.is_none() && start.elapsed() < Duration::from_secs(60) {
        screen.key(b"g");
        shown = screen.wait_for(
            |s| s.contains(&oldest) && !s.contains("indexing"),
            Duration::from_millis(50),
        );
    }
    match shown {
        Some(t) => println!(
            "{:<28} g shows the first line at or after it, {:.0} ms after the start",
            "logbraid --since:",
            t.saturating_duration_since(start).as_secs_f64() * 1e3
        ),
        None => println!("logbraid --since: g did not show {oldest}"),
    }
    drop(screen);
    let _ = fs::remove_file(path);
}

/// Two big files whose times interleave (a line every 2 ms each, one a millisecond after the
/// other), `-n all`: the first screen, keys while the braid fills in, the whole braid indexed,
/// and what stays resident.
fn big_braid(dir: &Path, size: u64) {
    #[allow(clippy::cast_precision_loss)]
    let mib = 2.0 * size as f64 / f64::from(1 << 20);
    println!(
        "\n== two big files braided: 2 x {:.0} MiB, times interleaving, -n all",
        mib / 2.0
    );
    let (a, b) = (dir.join("a.log"), dir.join("b.log"));
    let lines = write_big_log(&a, size, 2, 0);
    write_big_log(&b, size, 2, 1);
    let start = Instant::now();
    let mut screen = Screen::spawn(
        &format!("exec {BIN} -n all {} {}", a.display(), b.display()),
        dir,
    );
    let Some(first) = screen.wait_for(|s| s.contains(" req="), Duration::from_secs(120)) else {
        println!("logbraid: nothing on screen within 120 s");
        return;
    };
    println!(
        "{:<28} first screen {:.0} ms",
        "logbraid, warm:",
        first.saturating_duration_since(start).as_secs_f64() * 1e3
    );
    let pid = newest_pid("logbraid");
    // Keys while the braid fills in: a prompt opened and closed.
    let mut keys = Vec::new();
    while screen.contents().contains("indexing") && keys.len() < 40 {
        for (key, shows) in [(&b"f"[..], "Enter keep"), (&b"\x1b"[..], "? help")] {
            let t = Instant::now();
            screen.key(key);
            if let Some(seen) = screen.wait_for(|s| s.contains(shows), Duration::from_secs(2)) {
                keys.push(seen.saturating_duration_since(t).as_secs_f64() * 1e3);
            }
        }
    }
    report("logbraid: key -> screen while indexing", keys);
    let indexed = top_when_indexed(&mut screen, start);
    let Some(indexed) = indexed else {
        println!("logbraid: still indexing after 300 s");
        return;
    };
    let braided = screen.contents().contains("T00:00:00.001Z");
    let now = pid.and_then(rss_mb).unwrap_or(0.0);
    let peak = pid.and_then(peak_rss_mb).unwrap_or(0.0);
    println!(
        "{:<28} indexed and braided in {:.2} s ({}); resident {now:.0} MB ({:.1}% of the files), peak {peak:.0} MB ({:.1}%)",
        "logbraid, warm:",
        indexed.saturating_duration_since(start).as_secs_f64(),
        if braided {
            "the oldest lines of both files at the top"
        } else {
            "NOT braided at the top"
        },
        now / mib * 100.0,
        peak / mib * 100.0
    );
    drop(screen);
    // lnav on the same two files, same run: it braids them too.
    let files = format!("{} {}", a.display(), b.display());
    let last = format!("req={:08}", lines - 1);
    for (name, run) in installed([("lnav", format!("exec lnav {files}"))]) {
        let start = Instant::now();
        let mut screen = Screen::spawn(&run, dir);
        match screen.wait_for(|s| s.contains(" req="), Duration::from_secs(120)) {
            Some(t) => println!(
                "{:<28} first screen {:.0} ms",
                format!("{name}, warm:"),
                t.saturating_duration_since(start).as_secs_f64() * 1e3
            ),
            None => println!("{name}: nothing on screen within 120 s"),
        }
        other_on_big_file(&mut screen, name, start, &last, mib, "warm");
    }
    let _ = fs::remove_file(a);
    let _ = fs::remove_file(b);
}

/// `g` again and again (a view stays where it is while older lines come in above it) until the
/// top of the history is the first line and nothing is indexing: when that was seen, if within
/// 300 s of `start`.
fn top_when_indexed(screen: &mut Screen, start: Instant) -> Option<Instant> {
    let mut indexed = None;
    while indexed.is_none() && start.elapsed() < Duration::from_secs(300) {
        screen.key(b"g");
        indexed = screen.wait_for(
            |s| s.contains(FIRST_LINE) && !s.contains("indexing"),
            Duration::from_millis(20),
        );
    }
    indexed
}

/// After another tool's first screen of the big file: its last screen (toolong opens at the top:
/// it is sent End first), and its peak memory (the largest of its processes: lnav forks helpers).
fn other_on_big_file(
    screen: &mut Screen,
    name: &str,
    start: Instant,
    last: &str,
    mib: f64,
    temperature: &str,
) {
    if name == "tl" {
        screen.key(b"\x1b[F");
    }
    let label = format!("{name}, {temperature}:");
    match screen.wait_for(|s| s.contains(last), Duration::from_secs(120)) {
        Some(t) => println!(
            "{label:<28} last line on screen {:.0} ms{}",
            t.saturating_duration_since(start).as_secs_f64() * 1e3,
            if name == "tl" {
                " (End pressed at its first screen)"
            } else {
                ""
            }
        ),
        None => println!("{label:<28} last line not on screen within 120 s"),
    }
    std::thread::sleep(Duration::from_secs(2));
    if let Some(peak) = pids(name)
        .into_iter()
        .filter_map(peak_rss_mb)
        .reduce(f64::max)
    {
        println!(
            "{label:<28} peak resident {peak:.0} MB ({:.1}% of the file)",
            peak / mib * 100.0
        );
    }
}

/// After logbraid's first screen of the big file: its index, then a filter and a search.
fn logbraid_on_big_file(screen: &mut Screen, start: Instant, cold: bool, size: u64, last: &str) {
    let temperature = if cold { "cold" } else { "warm" };
    let pid = newest_pid("logbraid");
    #[allow(clippy::cast_precision_loss)]
    let mib = size as f64 / f64::from(1 << 20);
    if !screen.contents().contains(last) {
        println!(
            "{:<28} the file's last line was not on the first screen",
            "logbraid:"
        );
    }
    // Done when the top of the history is the file's first line (`g`: to the top, again
    // and again: a view stays where it is while older lines are added above it).
    let indexed = top_when_indexed(screen, start);
    let Some(indexed) = indexed else {
        println!("{:<28} still indexing after 300 s", "logbraid:");
        return;
    };
    let secs = indexed.saturating_duration_since(start).as_secs_f64();
    let peak = pid.and_then(peak_rss_mb).unwrap_or(0.0);
    let now = pid.and_then(rss_mb).unwrap_or(0.0);
    println!(
        "{:<28} indexed in {secs:.2} s = {:.2} GB/s; resident {now:.0} MB ({:.1}% of the file), peak {peak:.0} MB",
        format!("logbraid, {temperature}:"),
        mib * f64::from(1 << 20) / secs / 1e9,
        now / mib * 100.0
    );
    if cold {
        return;
    }
    screen.key(b"G");
    screen.wait_for(
        |s| !s.contains("below") && !s.contains(SECOND_LINE),
        Duration::from_secs(60),
    );
    // A filter over the whole history: one line matches, the oldest but one (found by
    // its timestamp: the prompt shows the pattern typed).
    let t = Instant::now();
    screen.key(b"freq=00000001$\r");
    let filtered = screen.wait_for(
        |s| s.contains(SECOND_LINE) && !s.contains("filtering"),
        Duration::from_secs(120),
    );
    report_once(
        "logbraid: filter, whole file",
        filtered.map(|f| f.saturating_duration_since(t)),
    );
    screen.key(b"f\x15\r");
    screen.wait_for(
        |s| s.contains(last) && !s.contains(SECOND_LINE),
        Duration::from_secs(60),
    );
    // A search from the bottom for the file's second line.
    let t = Instant::now();
    screen.key(b"/req=00000001$\r");
    let found = screen.wait_for(|s| s.contains(SECOND_LINE), Duration::from_secs(120));
    report_once(
        "logbraid: search, whole file",
        found.map(|f| f.saturating_duration_since(t)),
    );
}

/// Timestamps of the big log's first two lines (unique in it).
const FIRST_LINE: &str = "T00:00:00.000Z";
const SECOND_LINE: &str = "T00:00:00.001Z";

fn report_once(name: &str, took: Option<Duration>) {
    match took {
        Some(d) => println!("{name:<28} {:.0} ms", d.as_secs_f64() * 1e3),
        None => println!("{name:<28} did not finish in time"),
    }
}

/// Writes about `size` bytes of realistic lines (ISO timestamps, levels, some JSON); each
/// carries ` req=NNNNNNNN`. Returns the number of lines.
fn write_big_log(path: &Path, size: u64, step: u64, offset: u64) -> u64 {
    const LEVELS: [&str; 4] = ["INFO", "DEBUG", "WARN", "ERROR"];
    let mut out =
        std::io::BufWriter::with_capacity(1 << 20, fs::File::create(path).expect("create"));
    let mut written = 0u64;
    let mut n = 0u64;
    let mut line = String::with_capacity(256);
    while written < size {
        line.clear();
        let at = n * step + offset;
        let (h, m, s, ms) = (
            at / 3_600_000 % 24,
            at / 60_000 % 60,
            at / 1000 % 60,
            at % 1000,
        );
        if n % 10 == 7 {
            let _ = writeln!(
                line,
                r#"{{"ts":"2026-11-24T{h:02}:{m:02}:{s:02}.{ms:03}Z","level":"info","msg":"cache refresh","keys":{},"shard":{}, "x": " req={n:08}"}}"#,
                n % 4093,
                n % 17
            );
        } else {
            let _ = writeln!(
                line,
                "2026-11-24T{h:02}:{m:02}:{s:02}.{ms:03}Z {:5} [worker-{}] GET /api/v1/items/{} took {}ms status=200 req={n:08}",
                LEVELS[(n % 4) as usize],
                n % 16,
                n % 977,
                n % 313
            );
        }
        out.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
        n += 1;
    }
    out.flush().expect("flush");
    n
}

/// Writes the file's pages back and drops them from the page cache (`posix_fadvise`).
fn drop_from_cache(path: &Path) -> bool {
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    file.sync_all().is_ok()
        && nix::fcntl::posix_fadvise(
            &file,
            0,
            0,
            nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
        )
        .is_ok()
}
