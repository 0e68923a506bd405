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
