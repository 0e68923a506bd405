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

/// A shell snippet printing `text` stamped with the current time (UTC, nanoseconds), as a
/// service would log it.
fn now_line(text: &str) -> String {
    format!("echo \"$(date -u +%Y-%m-%dT%H:%M:%S.%NZ) {text}\"")
}

/// Two commands (as `kubectl logs -f --tail=2` or `ssh host tail -n 2 -F` would) each print a
/// burst of old lines whose times interleave, then stream. The bursts braid by time instead of
/// landing one block after the other; live lines are braided within the window: a line stamped
/// before another but delivered 80 ms after it still comes first. With `--merge-window 0` the
/// live lines keep their arrival order.
#[test]
fn two_commands_bursts_and_live_lines_are_braided() {
    let dir = Dir::new();
    let api = format!(
        "printf '2024-05-01T10:00:01Z api old 1\\n2024-05-01T10:00:03Z api old 3\\n'; \
         sleep 0.6; {}; sleep 0.5",
        now_line("api live, stamped second, delivered first")
    );
    let db = "printf '2024-05-01T10:00:02Z db old 2\\n2024-05-01T10:00:04Z db old 4\\n'; \
              sleep 0.5; t=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); sleep 0.2; \
              echo \"$t db live, stamped first, delivered second\"; sleep 0.4";
    let braided = |window: &str| {
        let (code, out, err) = run(
            &["--merge-window", window, "--prefix", "-c", &api, "-c", db],
            &dir,
        );
        assert_eq!(code, 0, "stderr: {err}");
        text(&out)
            .lines()
            .map(|l| l.split(" | ").last().unwrap_or_default().to_owned())
            .map(|l| {
                l.split_once(' ')
                    .map_or(l.clone(), |(_, rest)| rest.to_owned())
            })
            .collect::<Vec<String>>()
    };
    let old = ["api old 1", "db old 2", "api old 3", "db old 4"];
    let live = [
        "db live, stamped first, delivered second",
        "api live, stamped second, delivered first",
    ];
    let got = braided("1000");
    assert_eq!(got[..4], old, "the bursts braid by time: {got:?}");
    assert_eq!(
        got[4..],
        live,
        "live lines braid within the window: {got:?}"
    );
    let got = braided("0");
    assert_eq!(got[..4], old, "bursts braid whatever the window: {got:?}");
    assert_eq!(got[4], live[1], "a zero window is arrival order: {got:?}");
}

/// 300 lines with one timestamp, from two files and a command: all kept, each source's in its
/// order, ties to the source given first (hl#1501 drops them).
#[test]
fn lines_with_equal_timestamps_are_all_kept() {
    let dir = Dir::new();
    let same = |source: &str| -> String {
        (0..100)
            .map(|i| format!("2024-05-01 10:00:00,000 {source} {i}\n"))
            .collect()
    };
    dir.write("a.log", same("a"));
    dir.write("b.log", same("b"));
    dir.write("c.txt", same("c"));
    let (code, out, err) = run(&["--no-follow", "a.log", "b.log", "-c", "cat c.txt"], &dir);
    assert_eq!(code, 0, "stderr: {err}");
    let want = format!("{}{}{}", same("a"), same("b"), same("c"));
    assert_eq!(text(&out), want);
}

/// A line that arrives 10 s after its time, later than any window: never dropped, placed where
/// it arrived, after the lines already out.
#[test]
fn a_line_ten_seconds_late_is_placed_by_arrival() {
    let dir = Dir::new();
    dir.write("a.log", "");
    dir.write("b.log", "");
    let run = Running::start(&["-n", "0", "--prefix", "a.log", "b.log"], &dir);
    // Both files are followed once the start is over (no command to wait for).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let stamp = |ago: i64| {
        let t = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(ago);
        t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    };
    dir.append("a.log", format!("{} a now\n", stamp(0)));
    run.wait_lines(1);
    dir.append("b.log", format!("{} b ten seconds late\n", stamp(10)));
    run.wait_lines(2);
    let (_, lines, _) = run.terminate();
    assert!(lines[0].ends_with("a now"), "{lines:?}");
    assert!(lines[1].ends_with("b ten seconds late"), "{lines:?}");
}

/// A followed name that goes through files in quick succession — a generation renamed away a
/// few milliseconds after it was created, with late writes into each renamed file — is read in
/// the order the files were created, each to its end before the next.
#[test]
fn generations_living_milliseconds_are_read_in_order() {
    let dir = Dir::new();
    dir.write("app.log", "line 0\n");
    let run = Running::start(&["-n", "all", "app.log"], &dir);
    run.wait_lines(1);
    let mut next = 1;
    for _ in 0..5 {
        dir.append("app.log", numbered(next, next + 3));
        next += 3;
        for _ in 0..2 {
            dir.rename("app.log", "app.log.1");
            dir.append("app.log.1", numbered(next, next + 2));
            next += 2;
            dir.write("app.log", numbered(next, next + 2));
            next += 2;
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    run.wait_for("every line", |l| l.len() >= next);
    let (_, lines, _) = run.terminate();
    assert_each_once_in_order(&lines, next);
}
