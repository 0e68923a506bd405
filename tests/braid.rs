//! The braid: every line of every source once, in its source's order, at its own time — whatever
//! its format (text, JSON, logfmt, in one file), whatever kind of source it comes from.

#![allow(clippy::format_collect)] // building test data

mod common;

use common::{Dir, Running, run};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// One file mixing log4j text with stack traces, JSON (with a zone offset) and logfmt, braided
/// with another file: each line at its own time, each trace under its line.
#[test]
fn a_mixed_format_file_is_braided_line_by_line() {
    let dir = Dir::new();
    dir.write(
        "app.log",
        "2024-03-01 10:00:01,000 INFO  [main] app started\n\
         {\"ts\":\"2024-03-01T12:00:03+02:00\",\"level\":\"info\",\"msg\":\"json at 10:00:03\"}\n\
         2024-03-01 10:00:05,000 ERROR [main] request failed\n\
         java.lang.IllegalStateException: boom\n\
         \tat com.example.Api.handle(Api.java:42)\n\
         level=warn ts=2024-03-01T10:00:07Z msg=\"logfmt at 10:00:07\"\n\
         {\"msg\":\"json, time last\",\"time\":1709287209000}\n",
    );
    dir.write(
        "db.log",
        "2024-03-01T10:00:02Z db ready\n\
         2024-03-01T10:00:04Z db checkpoint\n\
         2024-03-01T10:00:06Z db vacuum\n\
         2024-03-01T10:00:08Z db idle\n",
    );
    let (code, out, err) = run(&["--no-follow", "--prefix", "app.log", "db.log"], &dir);
    assert_eq!(code, 0, "stderr: {err}");
    let want = "\
app.log | 2024-03-01 10:00:01,000 INFO  [main] app started
db.log  | 2024-03-01T10:00:02Z db ready
app.log | {\"ts\":\"2024-03-01T12:00:03+02:00\",\"level\":\"info\",\"msg\":\"json at 10:00:03\"}
db.log  | 2024-03-01T10:00:04Z db checkpoint
app.log | 2024-03-01 10:00:05,000 ERROR [main] request failed
app.log | java.lang.IllegalStateException: boom
app.log | \tat com.example.Api.handle(Api.java:42)
db.log  | 2024-03-01T10:00:06Z db vacuum
app.log | level=warn ts=2024-03-01T10:00:07Z msg=\"logfmt at 10:00:07\"
db.log  | 2024-03-01T10:00:08Z db idle
app.log | {\"msg\":\"json, time last\",\"time\":1709287209000}
";
    assert_eq!(text(&out), want);
}

/// Lines `from..to` of a log, one per line, each naming its number.
fn numbered(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("line {i}\n")).collect()
}

/// Every `line N` for N in `0..n` exactly once, in order.
fn assert_each_once_in_order(lines: &[String], n: usize) {
    let got: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split(" | ").last())
        .filter(|l| l.starts_with("line "))
        .collect();
    let want: Vec<String> = (0..n).map(|i| format!("line {i}")).collect();
    assert_eq!(got, want, "every line once, in order");
}

/// `logbraid 'app.log*'` through three logrotate-style rotations, with late writes to the
/// renamed file: the rotated generations the glob matches again are the same files, and each
/// line comes out once (the late ones too).
#[test]
fn a_glob_over_rotated_names_reads_each_file_once() {
    let dir = Dir::new();
    dir.write("app.log", "line 0\n");
    let run = Running::start(&["-n", "all", "app.log*"], &dir);
    run.wait_lines(1);
    let mut next = 1;
    for rotation in 0..3 {
        dir.append("app.log", numbered(next, next + 5));
        next += 5;
        run.wait_for("the lines before the rotation", |l| l.len() >= next);
        for generation in (1..=rotation).rev() {
            dir.rename(
                &format!("app.log.{generation}"),
                &format!("app.log.{}", generation + 1),
            );
        }
        dir.rename("app.log", "app.log.1");
        // The daemon writes a little more to the renamed file before it reopens.
        dir.append("app.log.1", numbered(next, next + 2));
        next += 2;
        dir.write("app.log", numbered(next, next + 3));
        next += 3;
        run.wait_for("the lines after the rotation", |l| l.len() >= next);
    }
    // Time for the glob to rescan and find every renamed generation.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let (_, lines, err) = run.terminate();
    assert_each_once_in_order(&lines, next);
    assert!(
        !err.contains("app.log.2"),
        "no new source for a generation: {err}"
    );
}

/// `logbraid 'logs/*' -o logs/all.log` and `logbraid 'logs/*' > logs/all.log` never read their
/// own output (it would copy itself without end); they say so once and read the rest.
#[test]
fn its_own_output_is_never_a_source() {
    for redirect in [false, true] {
        let dir = Dir::new();
        std::fs::create_dir(dir.path("logs")).expect("mkdir");
        dir.write("logs/a.log", numbered(0, 3));
        let bin = env!("CARGO_BIN_EXE_logbraid");
        let command = if redirect {
            format!("exec '{bin}' --print -n all 'logs/*' > logs/all.log")
        } else {
            format!("exec '{bin}' --print -n all 'logs/*' -o logs/all.log")
        };
        let mut sh = std::process::Command::new("sh");
        sh.arg("-c").arg(command).current_dir(dir.root());
        let run = Running::start_with(&mut sh);
        let all = || std::fs::read_to_string(dir.path("logs/all.log")).unwrap_or_default();
        let deadline = std::time::Instant::now() + common::patience();
        while all().lines().count() < 3 {
            assert!(
                std::time::Instant::now() < deadline,
                "the lines never came: {}",
                all()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        dir.append("logs/a.log", numbered(3, 5));
        // Long enough for a copy loop to show (it grew by megabytes a second).
        std::thread::sleep(std::time::Duration::from_millis(600));
        let (_, _, err) = run.terminate();
        assert_eq!(all(), numbered(0, 5), "redirect: {redirect}");
        assert_eq!(
            err.matches("it is logbraid's own output").count(),
            1,
            "said once: {err}"
        );
    }
}

/// The same file under two names (given twice, or a hard link) is one source.
#[test]
fn the_same_file_under_two_names_is_read_once() {
    let dir = Dir::new();
    dir.write("a.log", numbered(0, 4));
    std::fs::hard_link(dir.path("a.log"), dir.path("b.log")).expect("link");
    let (code, out, err) = run(&["--no-follow", "a.log", "./a.log", "b.log"], &dir);
    assert_eq!(code, 0);
    assert_eq!(text(&out), numbered(0, 4));
    assert_eq!(err.matches("is the same file as a.log").count(), 2, "{err}");
}
