//! Soak run: many writers, rotations of every kind, deletions, bursts — and a checker that
//! compares what `logbraid --print` wrote with what the writers wrote.
//!
//! `cargo build --release && cargo run --release --example soak -- [--secs N] [--writers N]
//! [--storm]` (default: 60 s, 8 writers).
//! Exits non-zero if a line was lost, duplicated, split or reordered within its source.
//!
//! Each writer appends `w<N> seq <K> …` lines to its own file, in bursts, and now and then:
//! - rotates by rename, writing a few more lines into the renamed file before reopening (as a
//!   daemon does before it notices), then creates a new file;
//! - deletes the file and creates it again a moment later;
//! - copytruncate: copies and truncates in place. Any follower loses what was written between
//!   its last read and the truncation (it is only in the copy), so the writer waits until
//!   logbraid has shown its last line before truncating; everything else is checked.
//!
//! Every file lives at least 100 ms before it is deleted or renamed: a file created, written and
//! deleted within a few milliseconds, before anything could open it, is gone for every reader.
//!
//! With `--storm`, each writer instead rotates by rename every ~100 ms (late writes into the
//! renamed file, then a new one), and one generation in three lives only a few milliseconds
//! before it is renamed in turn: the followed name goes through files in quick succession, and
//! each must be read in the order it was created, to its end before the next.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// What a writer did, for the report.
#[derive(Default, Debug)]
struct Tally {
    /// (line number, what happened) for every rotation, to explain a problem.
    events: Vec<(u64, &'static str)>,
    written: u64,
    renames: u64,
    deletes: u64,
    truncates: u64,
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `logbraid` built in the same profile (`target/<profile>/logbraid`, beside `examples/`).
fn logbraid_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("logbraid"));
    match bin {
        Some(bin) if bin.exists() => bin,
        _ => {
            eprintln!("build logbraid first: cargo build --release");
            std::process::exit(2);
        }
    }
}

fn open(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append")
}

fn main() {
    let secs = arg("--secs", 60);
    let writers = usize::try_from(arg("--writers", 8)).unwrap_or(8);
    let storm = std::env::args().any(|a| a == "--storm");
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> = (0..writers)
        .map(|w| dir.path().join(format!("w{w}.log")))
        .collect();
    for path in &paths {
        fs::write(path, "").expect("create");
    }
    let bin = logbraid_binary();
    let mut child = Command::new(bin)
        .args(["--print", "-n", "0"])
        .args(&paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start logbraid");
    thread::sleep(Duration::from_millis(500)); // it opens the files (at their end: -n 0)

    // The checker: reads logbraid's output, checks order and counts per writer.
    let seen: Arc<Vec<AtomicU64>> = Arc::new((0..writers).map(|_| AtomicU64::new(0)).collect());
    let problems = Arc::new(AtomicU64::new(0));
    let gaps: Arc<std::sync::Mutex<Vec<(usize, u64)>>> = Arc::default();
    let out = child.stdout.take().expect("stdout");
    let checker = spawn_checker(
        out,
        Arc::clone(&seen),
        Arc::clone(&problems),
        Arc::clone(&gaps),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = paths
        .iter()
        .enumerate()
        .map(|(w, path)| {
            let (path, stop, seen) = (path.clone(), Arc::clone(&stop), Arc::clone(&seen));
            thread::spawn(move || {
                if storm {
                    storm_loop(w, &path, &stop)
                } else {
                    write_loop(w, &path, &stop, &seen)
                }
            })
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::Relaxed);
    let tallies: Vec<Tally> = handles
        .into_iter()
        .map(|h| h.join().expect("writer"))
        .collect();

    // Let logbraid catch up (rotated files are drained for 3 s after their last write).
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline
        && tallies
            .iter()
            .enumerate()
            .any(|(w, t)| seen[w].load(Ordering::Relaxed) < t.written)
    {
        thread::sleep(Duration::from_millis(100));
    }
    thread::sleep(Duration::from_secs(4));
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait();
    let total = checker.join().expect("checker");

    let failed = report(
        secs,
        &tallies,
        &seen,
        total,
        &gaps.lock().expect("gaps"),
        problems.load(Ordering::Relaxed),
    );
    if failed {
        std::process::exit(1);
    }
}

/// Reads logbraid's output, checking each writer's lines come once and in order; returns how
/// many lines it read.
fn spawn_checker(
    out: std::process::ChildStdout,
    seen: Arc<Vec<AtomicU64>>,
    problems: Arc<AtomicU64>,
    gaps: Arc<std::sync::Mutex<Vec<(usize, u64)>>>,
) -> thread::JoinHandle<u64> {
    thread::spawn(move || {
        let mut total = 0u64;
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            total += 1;
            let mut words = line.split(' ');
            let w = words
                .next()
                .and_then(|w| w.strip_prefix('w'))
                .and_then(|w| w.parse::<usize>().ok());
            let seq = words.nth(1).and_then(|s| s.parse::<u64>().ok());
            let (Some(w), Some(seq)) = (w, seq) else {
                eprintln!("damaged line: {line:?}");
                problems.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let expected = seen[w].load(Ordering::Relaxed);
            if seq != expected {
                if problems.fetch_add(1, Ordering::Relaxed) < 20 {
                    eprintln!(
                        "w{w}: expected seq {expected}, got {seq} ({})",
                        if seq < expected {
                            "duplicate or reordered"
                        } else {
                            "lost lines"
                        }
                    );
                }
                gaps.lock().expect("gaps").push((w, expected));
            }
            // A late or repeated line does not move the expectation back or forward.
            seen[w].store((seq + 1).max(expected), Ordering::Relaxed);
        }
        total
    })
}

/// Prints the counts; true when something was lost, duplicated, split or reordered.
fn report(
    secs: u64,
    tallies: &[Tally],
    seen: &[AtomicU64],
    total: u64,
    gaps: &[(usize, u64)],
    problems: u64,
) -> bool {
    let mut lost = 0;
    println!("soak: {secs} s, {} writers", tallies.len());
    for (w, t) in tallies.iter().enumerate() {
        let got = seen[w].load(Ordering::Relaxed);
        lost += t.written.saturating_sub(got);
        println!(
            "  w{w}: written {:>8}  seen {:>8}  renames {:>3}  deletes {:>3}  copytruncates {:>3}",
            t.written, got, t.renames, t.deletes, t.truncates
        );
    }
    for &(w, at) in gaps.iter().take(20) {
        let near: Vec<_> = tallies[w]
            .events
            .iter()
            .filter(|(seq, _)| seq.abs_diff(at) < 100)
            .collect();
        println!("  problem in w{w} at line {at}: rotations nearby {near:?}");
    }
    let written: u64 = tallies.iter().map(|t| t.written).sum();
    let rotations: u64 = tallies
        .iter()
        .map(|t| t.renames + t.deletes + t.truncates)
        .sum();
    println!(
        "lines written {written}, lines read {total}, rotations/deletions {rotations}, lost {lost}, order/duplicate/split problems {problems}"
    );
    lost > 0 || problems > 0 || total != written
}

fn write_loop(w: usize, path: &Path, stop: &AtomicBool, seen: &[AtomicU64]) -> Tally {
    let mut rng = fastrand::Rng::with_seed(0x2545_F491_4F6C_DD1D ^ (w as u64 + 1));
    let mut tally = Tally::default();
    let mut file = open(path);
    let mut born = Instant::now();
    let line = |file: &mut File, tally: &mut Tally| {
        let pad = "p".repeat(usize::try_from(tally.written % 97).unwrap_or(0));
        writeln!(file, "w{w} seq {} {pad}", tally.written).expect("write");
        tally.written += 1;
    };
    while !stop.load(Ordering::Relaxed) {
        // A burst now and then, single lines otherwise.
        let n = if rng.u64(..20) == 0 {
            200 + rng.u64(..2000)
        } else {
            1 + rng.u64(..5)
        };
        for _ in 0..n {
            line(&mut file, &mut tally);
        }
        let old_enough = born.elapsed() >= Duration::from_millis(100);
        match rng.u64(..400) {
            0 if old_enough => {
                // Rotation by rename; the daemon writes a few more lines before it reopens.
                fs::rename(path, path.with_extension("log.1")).expect("rotate");
                for _ in 0..rng.u64(..20) {
                    line(&mut file, &mut tally);
                }
                thread::sleep(Duration::from_millis(rng.u64(..30)));
                file = open(path);
                born = Instant::now();
                tally.renames += 1;
                tally.events.push((tally.written, "rename"));
            }
            1 if old_enough => {
                fs::remove_file(path).expect("delete");
                thread::sleep(Duration::from_millis(rng.u64(..50)));
                file = open(path);
                born = Instant::now();
                tally.deletes += 1;
                tally.events.push((tally.written, "delete"));
            }
            2 => {
                // copytruncate, once logbraid has shown this writer's last line.
                let deadline = Instant::now() + Duration::from_secs(10);
                while seen[w].load(Ordering::Relaxed) < tally.written && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
                fs::copy(path, path.with_extension("log.1")).expect("copy");
                file.set_len(0).expect("truncate");
                tally.truncates += 1;
                tally.events.push((tally.written, "copytruncate"));
            }
            _ => {}
        }
        thread::sleep(Duration::from_micros(200 + rng.u64(..2000)));
    }
    tally
}

/// `--storm`: a rotation by rename every ~100 ms, with late writes into the renamed file, and
/// one generation in three renamed again after a few milliseconds.
fn storm_loop(w: usize, path: &Path, stop: &AtomicBool) -> Tally {
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
    let mut tally = Tally::default();
    let mut file = open(path);
    let line = |file: &mut File, tally: &mut Tally| {
        writeln!(file, "w{w} seq {} storm", tally.written).expect("write");
        tally.written += 1;
    };
    let rotate = |file: &mut File, tally: &mut Tally, rng: &mut fastrand::Rng| {
        fs::rename(path, path.with_extension("log.1")).expect("rotate");
        for _ in 0..rng.u64(..10) {
            line(file, tally);
        }
        thread::sleep(Duration::from_micros(rng.u64(..3000)));
        *file = open(path);
        tally.renames += 1;
        tally.events.push((tally.written, "rename"));
    };
    let mut next_rotation = Instant::now() + Duration::from_millis(100);
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..=rng.u64(..4) {
            line(&mut file, &mut tally);
        }
        if Instant::now() >= next_rotation {
            rotate(&mut file, &mut tally, &mut rng);
            if rng.u64(..3) == 0 {
                // A generation that lives a few milliseconds.
                for _ in 0..=rng.u64(..5) {
                    line(&mut file, &mut tally);
                }
                thread::sleep(Duration::from_micros(rng.u64(..4000)));
                rotate(&mut file, &mut tally, &mut rng);
            }
            next_rotation = Instant::now() + Duration::from_millis(80 + rng.u64(..40));
        }
        thread::sleep(Duration::from_micros(500 + rng.u64(..1500)));
    }
    tally
}
