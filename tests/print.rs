//! `--print` and `--no-follow`: commands, filters, the timestamp merge, output options, signals
//! and exit statuses.

#![allow(clippy::format_collect)] // building test data

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{Dir, Running, follow_ready, logbraid, run};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// Three services whose lines interleave in time; Java and Python stack traces stay attached to
/// the line that introduced them; formats differ per file.
#[test]
fn no_follow_merges_by_timestamp_and_keeps_stack_traces_attached() {
    let dir = Dir::new();
    dir.write(
        "api.log",
        "2024-03-01 10:00:01,000 INFO api started\n\
         2024-03-01 10:00:04,500 ERROR api request failed\n\
         java.lang.IllegalStateException: boom\n\
         \tat com.example.Api.handle(Api.java:42)\n\
         \tat com.example.Server.run(Server.java:7)\n\
         2024-03-01 10:00:09,000 INFO api recovered\n",
    );
    dir.write(
        "worker.log",
        "{\"ts\":\"2024-03-01T10:00:02Z\",\"level\":\"info\",\"msg\":\"worker up\"}\n\
         {\"ts\":\"2024-03-01T10:00:05Z\",\"level\":\"warn\",\"msg\":\"slow job\"}\n",
    );
    dir.write(
        "db.log",
        "2024-03-01T10:00:03.250Z db ready\n\
         Traceback (most recent call last):\n\
         \x20 File \"proxy.py\", line 1, in <module>\n\
         2024-03-01T10:00:06Z db checkpoint\n",
    );
    let (code, out, err) = run(
        &[
            "--no-follow",
            "-n",
            "all",
            "--prefix",
            "api.log",
            "worker.log",
            "db.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "stderr: {err}");
    let want = "\
api.log    | 2024-03-01 10:00:01,000 INFO api started
worker.log | {\"ts\":\"2024-03-01T10:00:02Z\",\"level\":\"info\",\"msg\":\"worker up\"}
db.log     | 2024-03-01T10:00:03.250Z db ready
db.log     | Traceback (most recent call last):
db.log     |   File \"proxy.py\", line 1, in <module>
api.log    | 2024-03-01 10:00:04,500 ERROR api request failed
api.log    | java.lang.IllegalStateException: boom
api.log    | \tat com.example.Api.handle(Api.java:42)
api.log    | \tat com.example.Server.run(Server.java:7)
worker.log | {\"ts\":\"2024-03-01T10:00:05Z\",\"level\":\"warn\",\"msg\":\"slow job\"}
db.log     | 2024-03-01T10:00:06Z db checkpoint
api.log    | 2024-03-01 10:00:09,000 INFO api recovered
";
    assert_eq!(text(&out), want);
}

#[test]
fn the_backlog_at_start_is_merged_too_and_live_lines_follow_in_arrival_order() {
    let dir = Dir::new();
    dir.write(
        "a.log",
        "Jun 14 15:16:01 host a first\nJun 14 15:16:03 host a second\n",
    );
    dir.write("b.log", "Jun 14 15:16:02 host b first\n");
    let run = Running::start(&["-n", "5", "a.log", "b.log"], &dir);
    run.wait_lines(3);
    dir.append("b.log", "Jun 14 09:00:00 host b live, stamped earlier\n");
    run.wait_lines(4);
    dir.append("a.log", "a live\n");
    run.wait_lines(5);
    let (_, lines, _) = run.terminate();
    assert_eq!(
        lines,
        [
            "Jun 14 15:16:01 host a first",
            "Jun 14 15:16:02 host b first",
            "Jun 14 15:16:03 host a second",
            "Jun 14 09:00:00 host b live, stamped earlier",
            "a live"
        ]
    );
}

#[test]
fn commands_are_sources_and_their_exit_is_reported_not_fatal() {
    let dir = Dir::new();
    let (code, out, err) = run(
        &[
            "--no-follow",
            "--prefix",
            "-N",
            "ok",
            "-c",
            "echo out; echo err >&2",
            "-c",
            "echo dying; exit 3",
        ],
        &dir,
    );
    assert_eq!(code, 0, "stderr: {err}");
    let out = text(&out);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "echo dying; exit 3 | dying",
            "ok                 | err",
            "ok                 | out"
        ]
    );
    assert!(
        err.contains("echo dying; exit 3: command exited with status 3"),
        "stderr: {err}"
    );
    assert!(
        err.contains("ok: command exited with status 0"),
        "stderr: {err}"
    );
}

#[test]
fn a_command_streams_live_and_ends_the_run_when_it_is_the_only_source() {
    let dir = Dir::new();
    let run = Running::start(
        &["-c", "for i in 1 2 3; do echo tick $i; sleep 0.05; done"],
        &dir,
    );
    let (code, lines, err) = run.finish();
    assert_eq!(code, 0);
    assert_eq!(lines, ["tick 1", "tick 2", "tick 3"]);
    assert!(err.contains("exited with status 0"));
}

#[test]
fn a_command_that_cannot_run_is_reported() {
    let dir = Dir::new();
    dir.write("a.log", "a\n");
    let (code, out, err) = run(&["--no-follow", "-c", "no-such-program-xyz", "a.log"], &dir);
    assert_eq!(code, 0);
    // The shell's own complaint is part of the command's output, as it would be in a terminal.
    // Neither line has a timestamp: the file's, there before the start, comes first; the
    // command's takes its arrival.
    let out = text(&out);
    assert!(
        out.starts_with("a\n") && out.contains("no-such-program-xyz"),
        "{out}"
    );
    assert!(
        err.contains("no-such-program-xyz: command exited with status 127"),
        "stderr: {err}"
    );
}

#[test]
fn filters_include_exclude_and_ignore_case() {
    let dir = Dir::new();
    dir.write(
        "a.log",
        "INFO ok\nERROR bad\nerror lower\nWARN meh\nERROR healthz\n",
    );
    let (_, out, _) = run(
        &[
            "--no-follow",
            "-n",
            "all",
            "-e",
            "ERROR",
            "-e",
            "WARN",
            "-v",
            "healthz",
            "a.log",
        ],
        &dir,
    );
    assert_eq!(text(&out), "ERROR bad\nWARN meh\n");
    let (_, out, _) = run(
        &["--no-follow", "-n", "all", "-i", "-e", "error", "a.log"],
        &dir,
    );
    assert_eq!(text(&out), "ERROR bad\nerror lower\nERROR healthz\n");
}

#[test]
fn filters_apply_to_live_lines() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "a.log", &["-e", "ready|keep"]);
    dir.append("a.log", "drop me\nkeep me\n");
    run.wait_lines(2);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "keep me"]);
}

#[test]
fn lines_flag_selects_how_much_history() {
    let dir = Dir::new();
    dir.write("a.log", "1\n2\n3\n4\n");
    assert_eq!(run(&["--no-follow", "-n", "2", "a.log"], &dir).1, b"3\n4\n");
    assert_eq!(run(&["--no-follow", "-n", "0", "a.log"], &dir).1, b"");
    assert_eq!(
        run(&["--no-follow", "-n", "all", "a.log"], &dir).1,
        b"1\n2\n3\n4\n"
    );
    // Without -n, --no-follow reads whole files (not the last 10 lines, as --print alone).
    let many: String = (1..=25).map(|i| format!("{i}\n")).collect();
    dir.write("b.log", &many);
    assert_eq!(text(&run(&["--no-follow", "b.log"], &dir).1), many);
}

#[test]
fn output_file_is_appended_to() {
    let dir = Dir::new();
    dir.write("a.log", "new\n");
    dir.write("out.txt", "existing\n");
    let (code, out, _) = run(&["--no-follow", "-o", "out.txt", "a.log"], &dir);
    assert_eq!(code, 0);
    assert!(out.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path("out.txt")).expect("read"),
        "existing\nnew\n"
    );
}

#[test]
fn sigterm_flushes_every_complete_line() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "a.log", &[]);
    let burst: String = (0..20_000).map(|i| format!("burst {i}\n")).collect();
    dir.append("a.log", &burst);
    // Terminate while the burst may still be in flight: every line must still come out.
    let (code, lines, _) = run.terminate();
    assert_eq!(code, 0);
    let got: Vec<&String> = lines.iter().skip(1).collect();
    assert!(
        got.iter()
            .enumerate()
            .all(|(i, l)| **l == format!("burst {i}")),
        "lines out of order or split"
    );
}

/// `logbraid --print app.log | head -1` ends as soon as `head` has its line, although app.log
/// stays quiet (nothing more is written that would fail), as GNU `tail -F` does.
#[test]
fn a_reader_going_away_ends_a_quiet_follow_at_once() {
    let dir = Dir::new();
    dir.write("app.log", "one\ntwo\nthree\n");
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' --print app.log | head -1",
            env!("CARGO_BIN_EXE_logbraid")
        ))
        .current_dir(dir.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the pipeline");
    let deadline = started + common::patience();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("logbraid kept running after its reader went away");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("output");
    assert!(status.success());
    assert_eq!(text(&out.stdout), "one\n");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = Dir::new();
    let many: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
    dir.write("a.log", many);
    let mut child = logbraid()
        .args(["--no-follow", "-n", "all", "a.log"])
        .current_dir(dir.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).expect("read some");
    drop(stdout); // like `| head`
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn exit_status_and_messages_for_bad_sources() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("adir")).expect("mkdir");
    dir.write("ok.log", "fine\n");
    let (code, out, err) = run(
        &["--no-follow", "missing/dir/x.log", "adir", "ok.log"],
        &dir,
    );
    assert_eq!(code, 0, "one source worked");
    assert_eq!(out, b"fine\n");
    assert!(
        err.contains("x.log (missing/dir/x.log): no such file"),
        "stderr: {err}"
    );
    assert!(err.contains("adir: is a directory"), "stderr: {err}");

    let (code, _, err) = run(&["--no-follow", "missing.log", "adir"], &dir);
    assert_eq!(code, 1, "nothing could be opened");
    assert!(err.contains("no source could be opened"), "stderr: {err}");

    let (code, _, err) = run(&["--lines", "lots", "ok.log"], &dir);
    assert_eq!(code, 2, "bad usage");
    assert!(err.contains("lots"), "stderr: {err}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    dir.write("secret.log", "hidden\n");
    dir.write("ok.log", "fine\n");
    std::fs::set_permissions(
        dir.path("secret.log"),
        std::fs::Permissions::from_mode(0o000),
    )
    .expect("chmod");
    if std::fs::File::open(dir.path("secret.log")).is_ok() {
        eprintln!(
            "skipped: running as root, whom permissions do not stop; see hardening::a_source_that_becomes_unreadable"
        );
        return;
    }
    let (code, out, err) = run(&["--no-follow", "secret.log", "ok.log"], &dir);
    assert_eq!(code, 0);
    assert_eq!(out, b"fine\n");
    assert!(
        err.contains("secret.log: cannot open: permission denied"),
        "stderr: {err}"
    );
}

#[test]
fn help_and_version() {
    let dir = Dir::new();
    let (code, out, _) = run(&["--help"], &dir);
    assert_eq!(code, 0);
    assert!(text(&out).contains("--no-follow"));
    let (code, out, _) = run(&["--version"], &dir);
    assert_eq!(code, 0);
    assert!(text(&out).starts_with("logbraid "));
}

#[test]
fn sighup_flushes_every_complete_line_too() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "a.log", &[]);
    dir.append("a.log", "one\ntwo\nhalf");
    run.wait_lines(3);
    let pid = nix::unistd::Pid::from_raw(i32::try_from(run.pid()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("kill");
    let (code, lines, _) = run.finish();
    assert_eq!(code, 0);
    assert_eq!(lines, ["ready", "one", "two"]);
}

/// A JSON source, a logfmt one and a text one: `--format pretty` renders the records (and leaves
/// text lines as they are), `--format json` gives one shape for all, `--hide` drops fields.
#[test]
fn formats_pretty_and_json_make_one_readable_stream() {
    let dir = Dir::new();
    dir.write(
        "api.log",
        "{\"time\":\"2024-03-01T10:00:01.000Z\",\"level\":\"info\",\"msg\":\"GET /orders\",\
         \"http\":{\"status\":200},\"pid\":7}\n\
         {\"time\":\"2024-03-01T10:00:04.000Z\",\"level\":\"error\",\"msg\":\"db down\",\
         \"err\":\"boom\\u001b[2J\\nat x\",\"pid\":7}\n",
    );
    dir.write(
        "cache.log",
        "ts=2024-03-01T10:00:02Z level=warn msg=\"slow get\" key=user:1 dur=3ms\n",
    );
    dir.write("web.log", "2024-03-01T10:00:03Z web served status=200\n");
    let sources = ["api.log", "cache.log", "web.log"];
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut a = vec!["--no-follow", "-n", "all"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&sources);
        a
    };
    let (code, out, err) = run(&args(&["--format", "pretty", "--hide", "pid"]), &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        text(&out),
        "Mar 01 10:00:01.000 INF GET /orders http.status=200 …\n\
         Mar 01 10:00:02.000 WRN slow get key=user:1 dur=3ms\n\
         2024-03-01T10:00:03Z web served status=200\n\
         Mar 01 10:00:04.000 ERR db down err=\"boom^[[2J↵at x\" …\n"
    );
    let (code, out, err) = run(&args(&["--format", "json"]), &dir);
    assert_eq!(code, 0, "{err}");
    let objects: Vec<serde_json::Value> = text(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary: Vec<(String, String, String)> = objects
        .iter()
        .map(|o| {
            (
                o["source"].as_str().unwrap_or("?").to_owned(),
                o["level"].as_str().unwrap_or("-").to_owned(),
                o["msg"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    let own = |s: &str, l: &str, m: &str| (s.to_owned(), l.to_owned(), m.to_owned());
    assert_eq!(
        summary,
        [
            own("api.log", "info", "GET /orders"),
            own("cache.log", "warn", "slow get"),
            own("web.log", "-", "2024-03-01T10:00:03Z web served status=200"),
            own("api.log", "error", "db down"),
        ]
    );
    assert_eq!(objects[0]["time"], "2024-03-01T10:00:01Z");
    assert_eq!(
        objects[0]["fields"],
        serde_json::json!({"http":{"status":200},"pid":7})
    );
    assert_eq!(objects[1]["fields"]["dur"], "3ms");
    assert_eq!(objects[3]["fields"]["err"], "boom\u{1b}[2J\nat x");
    assert!(!out.contains(&0x1b), "no raw escape reaches the output");
}

/// `--where` filters by field across JSON, logfmt and text sources; several must all hold; an
/// invalid expression is a usage error that says where.
#[test]
fn where_queries_fields_and_says_where_it_is_wrong() {
    let dir = Dir::new();
    dir.write(
        "api.log",
        "{\"ts\":\"2024-03-01T10:00:01Z\",\"level\":\"info\",\"msg\":\"ok\",\"http\":{\"status\":200}}\n\
         {\"ts\":\"2024-03-01T10:00:03Z\",\"level\":\"error\",\"msg\":\"down\",\"http\":{\"status\":503}}\n",
    );
    dir.write(
        "web.log",
        "2024-03-01T10:00:02Z GET /a http.status=500 took=3\n\
         2024-03-01T10:00:04Z GET /b http.status=404 took=9\n",
    );
    let (code, out, err) = run(
        &[
            "--no-follow",
            "-n",
            "all",
            "--where",
            "http.status >= 500",
            "api.log",
            "web.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = std::str::from_utf8(&out).unwrap_or("").lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("GET /a") && lines[1].contains("\"down\""));
    let (code, out, err) = run(
        &[
            "--no-follow",
            "-n",
            "all",
            "-w",
            "source = web.log or level >= error",
            "-w",
            "not took > 5",
            "api.log",
            "web.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("GET /a") && !text.contains("GET /b"),
        "{text}"
    );
    // `took > 5` is false where there is no `took`: `not` keeps the line.
    assert!(
        text.contains("\"down\"") && !text.contains("\"ok\""),
        "{text}"
    );
    let (code, _, err) = run(&["--where", "http.status >=", "api.log"], &dir);
    assert_eq!(code, 2);
    assert!(
        err.contains("column 15") && err.contains("expected a value"),
        "{err}"
    );
}

/// A filter, a query or a level applies to a record: the stack trace under a kept line is kept,
/// the one under a dropped line is dropped. Patterns match the text without escape sequences.
#[test]
fn filters_keep_records_whole_and_match_what_is_shown() {
    let dir = Dir::new();
    dir.write(
        "app.log",
        "2024-03-01 10:00:01,000 INFO starting\n\
         2024-03-01 10:00:02,000 ERROR request failed\n\
         java.lang.IllegalStateException: boom\n\
         \tat com.example.Api.handle(Api.java:42)\n\
         2024-03-01 10:00:03,000 INFO retry\n\
         \tat com.example.Retry.run(Retry.java:7)\n\
         2024-03-01 10:00:04,000 WARN cache ratio=\x1b[33m0.90\x1b[0m low\n",
    );
    let out = |args: &[&str]| {
        let mut all = vec!["--no-follow", "-n", "all"];
        all.extend_from_slice(args);
        all.push("app.log");
        let (code, out, err) = run(&all, &dir);
        assert_eq!(code, 0, "{err}");
        String::from_utf8_lossy(&out).into_owned()
    };
    let want_error = "2024-03-01 10:00:02,000 ERROR request failed\n\
                      java.lang.IllegalStateException: boom\n\
                      \tat com.example.Api.handle(Api.java:42)\n";
    assert_eq!(out(&["-e", "ERROR"]), want_error);
    assert_eq!(out(&["--where", "level >= error"]), want_error);
    let without = out(&["-v", "ERROR"]);
    assert!(
        !without.contains("IllegalState") && without.contains("Retry.run"),
        "{without}"
    );
    assert!(out(&["-e", "ratio=0.90"]).contains("cache ratio"));
}

/// Envelopes: Docker's json-file and the CRI format are unwrapped — the inner record is rendered
/// and queried, its level is the inner one, the envelope's time stands in when the inner text
/// has none.
#[test]
fn envelopes_are_unwrapped() {
    let dir = Dir::new();
    dir.write(
        "docker.log",
        "{\"log\":\"{\\\"level\\\":\\\"error\\\",\\\"msg\\\":\\\"db down\\\",\\\"code\\\":7}\\n\",\
         \"stream\":\"stderr\",\"time\":\"2024-03-01T10:00:01.5Z\"}\n\
         {\"log\":\"plain WARN text\\n\",\"stream\":\"stdout\",\"time\":\"2024-03-01T10:00:03Z\"}\n",
    );
    dir.write(
        "pod.log",
        "2024-03-01T10:00:02.25Z stdout F level=info msg=\"ready\" port=80\n",
    );
    let run_with = |extra: &[&str]| {
        let mut args = vec!["--no-follow", "-n", "all"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["docker.log", "pod.log"]);
        let (code, out, err) = run(&args, &dir);
        assert_eq!(code, 0, "{err}");
        String::from_utf8_lossy(&out).into_owned()
    };
    assert_eq!(
        run_with(&["--format", "pretty"]),
        "Mar 01 10:00:01.500 ERR db down code=7 stream=stderr\n\
         Mar 01 10:00:02.250 INF ready port=80\n\
         Mar 01 10:00:03.000 plain WARN text\n"
    );
    let where_error = run_with(&["--where", "level >= warn and stream = stderr"]);
    assert_eq!(where_error.lines().count(), 1, "{where_error}");
    assert!(where_error.contains("db down"));
    let json = run_with(&["--format", "json", "--where", "code = 7 or port = 80"]);
    let objects: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(objects.len(), 2, "{json}");
    assert_eq!(objects[0]["msg"], "db down");
    assert_eq!(objects[0]["level"], "error");
    assert_eq!(
        objects[0]["fields"],
        serde_json::json!({"stream":"stderr","code":7})
    );
    assert_eq!(objects[1]["msg"], "ready");
    assert_eq!(objects[1]["time"], "2024-03-01T10:00:02.25Z");
}

/// Thousands of records rendered at once (on two threads) come out whole, in braid order, each
/// after its prefix.
#[test]
fn many_records_render_in_order() {
    let dir = Dir::new();
    for (name, offset) in [("a.log", 0), ("b.log", 1)] {
        let lines: String = (0..6000)
            .map(|i| {
                let ms = i * 2 + offset;
                format!(
                    "{{\"time\":\"2024-03-01T10:{:02}:{:02}.{:03}Z\",\"level\":\"info\",\"msg\":\"n{}\"}}\n",
                    ms / 60_000,
                    ms / 1000 % 60,
                    ms % 1000,
                    ms
                )
            })
            .collect();
        dir.write(name, lines);
    }
    let (code, out, err) = run(
        &[
            "--no-follow",
            "-n",
            "all",
            "--prefix",
            "--format",
            "pretty",
            "a.log",
            "b.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 12_000);
    for (n, line) in lines.iter().enumerate() {
        let source = if n % 2 == 0 { "a.log" } else { "b.log" };
        assert!(
            line.starts_with(source) && line.ends_with(&format!(" INF n{n}")),
            "line {n}: {line}"
        );
    }
}
