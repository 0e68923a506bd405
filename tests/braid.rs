//! The braid: every line of every source once, in its source's order, at its own time — whatever
//! its format (text, JSON, logfmt, in one file), whatever kind of source it comes from.

mod common;

use common::{Dir, run};

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
