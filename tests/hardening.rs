//! Broken and hostile input: FIFOs, devices, giant lines, files without newlines, files that
//! shrink under us, hundreds of sources, and a source that becomes unreadable while followed.

#![allow(clippy::format_collect)] // building test data

mod common;

use std::process::Command;
use std::thread;

use common::{Dir, Running, follow_ready, run};

#[test]
fn a_fifo_is_followed_across_writers() {
    let dir = Dir::new();
    let fifo = dir.path("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let run = Running::start(&["pipe"], &dir);
    // Each writer opens the FIFO, writes and closes it, as `echo … > pipe` does.
    for text in ["first writer\n", "second writer\n"] {
        let fifo = fifo.clone();
        let text = text.to_owned();
        thread::spawn(move || std::fs::write(fifo, text).expect("write to the fifo"))
            .join()
            .expect("writer");
    }
    run.wait_lines(2);
    let (code, lines, stderr) = run.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines, ["first writer", "second writer"]);
}

#[test]
fn dev_null_is_read_quietly() {
    let dir = Dir::new();
    let (code, out, err) = run(&["--no-follow", "/dev/null"], &dir);
    assert_eq!((code, out.len(), err.as_str()), (0, 0, ""));
}

#[test]
fn a_twelve_megabyte_line_is_one_line() {
    let dir = Dir::new();
    let big = "y".repeat(12 << 20);
    dir.write("big.log", format!("before\n{big}\nafter\n"));
    let (code, out, _) = run(&["--no-follow", "-n", "all", "big.log"], &dir);
    assert_eq!(code, 0);
    let lines: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
    assert_eq!(lines.len(), 4, "three lines and the final newline");
    assert_eq!(lines[1].len(), 12 << 20);
}

#[test]
fn a_file_without_any_newline() {
    let dir = Dir::new();
    dir.write("flat.log", "x".repeat(300_000));
    let (code, out, _) = run(&["--no-follow", "-n", "all", "flat.log"], &dir);
    assert_eq!(code, 0);
    assert_eq!(
        out.len(),
        300_001,
        "one line, newline added at the end of the source"
    );
}

#[test]
fn five_hundred_files() {
    let dir = Dir::new();
    let names: Vec<String> = (0..500).map(|i| format!("f{i:03}.log")).collect();
    for name in &names {
        dir.write(name, format!("{name} ready\n"));
    }
    let mut args = vec!["-n", "1"];
    args.extend(names.iter().map(String::as_str));
    let run = Running::start(&args, &dir);
    run.wait_lines(500);
    for name in &names {
        dir.append(name, format!("{name} more\n"));
    }
    run.wait_lines(1000);
    let (code, lines, stderr) = run.terminate();
    assert_eq!(code, 0, "{stderr}");
    for name in &names {
        assert!(
            lines.contains(&format!("{name} more")),
            "{name} lost its line"
        );
    }
}

/// A file truncated and rewritten over and over while it is being read: nothing crashes, the
/// other source goes on, and the last content is read.
#[test]
fn a_file_that_shrinks_while_being_read() {
    let dir = Dir::new();
    dir.write("other.log", "ready\n");
    dir.write("churn.log", "");
    let run = Running::start(&["-n", "1", "other.log", "churn.log"], &dir);
    run.wait_lines(1);
    for round in 0..50 {
        let body: String = (0..(round % 7 + 1) * 200)
            .map(|i| format!("round {round} line {i}\n"))
            .collect();
        dir.write("churn.log", body);
        if round % 10 == 0 {
            dir.append("other.log", format!("other {round}\n"));
        }
    }
    dir.write("churn.log", "final content\n");
    dir.append("other.log", "other done\n");
    run.wait_for("the final content and the other source", |l| {
        l.iter().any(|x| x == "final content") && l.iter().any(|x| x == "other done")
    });
    let (code, lines, _) = run.terminate();
    assert_eq!(code, 0);
    let others: Vec<&String> = lines.iter().filter(|l| l.starts_with("other")).collect();
    assert_eq!(
        others,
        [
            "other 0",
            "other 10",
            "other 20",
            "other 30",
            "other 40",
            "other done"
        ]
    );
}

/// A followed file that can no longer be opened. Permissions do not stop root (the tests may run
/// as root), so the path is replaced by a directory: opening it as a file then fails the same
/// way an unreadable file does, with a message, and the other sources go on.
#[test]
fn a_source_that_becomes_unreadable() {
    let dir = Dir::new();
    dir.write("other.log", "other ready\n");
    let run = follow_ready(&dir, "app.log", &["other.log"]);
    run.wait_lines(2);
    dir.remove("app.log");
    std::fs::create_dir(dir.path("app.log")).expect("mkdir");
    run.wait_stderr("is a directory");
    dir.append("other.log", "other goes on\n");
    run.wait_lines(3);
    let (code, lines, _) = run.terminate();
    assert_eq!(code, 0);
    assert_eq!(lines.last().map(String::as_str), Some("other goes on"));
}

/// Open descriptors of a process, and its resident memory in KiB.
fn fds_and_rss(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (fds, rss)
}

/// 1,000 rotations by rename, each as soon as the previous line was read (a file created,
/// written and renamed away within microseconds is never seen by any follower): every line
/// arrives, and once the rotated files are let go, descriptors and memory are back where they
/// were.
#[test]
fn a_thousand_rotations_leak_nothing() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    let pid = run.pid();
    let (fds_before, rss_before) = fds_and_rss(pid);
    for i in 0..1000 {
        dir.append("app.log", format!("line {i}\n"));
        let deadline = std::time::Instant::now() + common::patience();
        while run.line_count() < i + 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "line {i} did not arrive"
            );
            thread::sleep(std::time::Duration::from_micros(200));
        }
        dir.rename("app.log", "app.log.1");
    }
    dir.append("app.log", "last\n");
    run.wait_lines(1002);
    // Rotated files are drained for 3 s after their last write, then closed.
    thread::sleep(std::time::Duration::from_secs(4));
    dir.append("app.log", "after the pause\n");
    run.wait_lines(1003);
    let (fds_after, rss_after) = fds_and_rss(pid);
    eprintln!(
        "descriptors {fds_before} -> {fds_after}, resident {rss_before} KiB -> {rss_after} KiB"
    );
    let (_, lines, _) = run.terminate();
    let want: Vec<String> = std::iter::once("ready".to_owned())
        .chain((0..1000).map(|i| format!("line {i}")))
        .chain(["last".to_owned(), "after the pause".to_owned()])
        .collect();
    assert_eq!(lines, want);
    assert!(
        fds_after <= fds_before + 1,
        "descriptors leaked: {fds_before} -> {fds_after}"
    );
    assert!(
        rss_after < rss_before + 4096,
        "memory grew: {rss_before} -> {rss_after} KiB"
    );
}
