//! History at scale: a log's rotated generations — plain or compressed, named by number or by
//! date, given by name or by glob — read as one source, braided with the others.

mod common;

use std::fmt::Write as _;
use std::io::Write as _;

use common::{Dir, Running, run};

/// `text` compressed as a file named `name` asks (by its last suffix).
fn compressed(name: &str, text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    match name.rsplit('.').next() {
        Some("gz") => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).expect("to memory");
            e.finish().expect("to memory")
        }
        Some("bz2") => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(bytes).expect("to memory");
            e.finish().expect("to memory")
        }
        Some("xz") => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(bytes).expect("to memory");
            e.finish().expect("to memory")
        }
        Some("zst") => zstd::encode_all(bytes, 1).expect("to memory"),
        _ => bytes.to_vec(),
    }
}

/// Lines `app N` stamped `10:MM:SS` for each second in `seconds`.
fn lines(tag: &str, seconds: impl IntoIterator<Item = u32>) -> String {
    seconds.into_iter().fold(String::new(), |mut text, s| {
        let _ = writeln!(text, "2026-12-01 {}", stamp(s, tag));
        text
    })
}

/// `HH:MM:SS,000 INFO tag s`, `s` seconds after 10:00.
fn stamp(s: u32, tag: &str) -> String {
    let (h, m, sec) = (10 + s / 3600, s / 60 % 60, s % 60);
    format!("{h:02}:{m:02}:{sec:02},000 INFO {tag} {s}")
}

/// The output's lines.
fn out_lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Six generations of `app.log`, one per compression and a plain one, ten seconds each,
/// interleaved in time with `db.log`.
fn rotated(dir: &Dir, names: [&str; 6]) -> Vec<String> {
    let mut expected = Vec::new();
    // Oldest first: names[0] holds seconds 0..10, …, names[5] (the live file) 50..60.
    for (g, name) in names.iter().enumerate() {
        let g = u32::try_from(g).expect("small");
        let text = lines("app", (g * 10..g * 10 + 10).step_by(2));
        dir.write(name, compressed(name, &text));
    }
    let db = lines("db", (1..60).step_by(2));
    dir.write("db.log", &db);
    for s in 0..60 {
        let (source, tag) = if s % 2 == 0 {
            ("app.log", "app")
        } else {
            ("db.log ", "db")
        };
        expected.push(format!("{source} | 2026-12-01 {}", stamp(s, tag)));
    }
    expected
}

#[test]
fn numbered_generations_of_every_compression_are_one_source_braided_with_another() {
    let dir = Dir::new();
    let expected = rotated(
        &dir,
        [
            "app.log.5.zst",
            "app.log.4.xz",
            "app.log.3.bz2",
            "app.log.2.gz",
            "app.log.1",
            "app.log",
        ],
    );
    // By glob, and by name in any order: the same one source, named after the live file.
    for args in [
        vec!["app.log*", "db.log"],
        vec![
            "app.log.2.gz",
            "db.log",
            "app.log",
            "app.log.1",
            "app.log.5.zst",
            "app.log.3.bz2",
            "app.log.4.xz",
        ],
    ] {
        let mut all = vec!["--print", "--no-follow", "-n", "all", "--prefix"];
        all.extend(&args);
        let (code, out, err) = run(&all, &dir);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out_lines(&out), expected, "{args:?}: {err}");
        assert!(!err.contains("binary"), "{err}");
    }
}

#[test]
fn dated_generations_plain_and_compressed_are_read_oldest_first() {
    let dir = Dir::new();
    let expected = rotated(
        &dir,
        [
            "app.log-20261126.gz",
            "app.log-20261127.bz2",
            "app.log-20261128.xz",
            "app.log.2026-11-29.zst",
            "app.log-20261130",
            "app.log",
        ],
    );
    let (code, out, err) = run(
        &[
            "--print",
            "--no-follow",
            "-n",
            "all",
            "--prefix",
            "app.log*",
            "db.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out_lines(&out), expected, "{err}");
}

#[test]
fn n_lines_reach_into_older_generations_as_needed() {
    let dir = Dir::new();
    dir.write("app.log.2.gz", compressed(".gz", &lines("app", 0..4)));
    dir.write("app.log.1", lines("app", 4..7));
    dir.write("app.log", lines("app", 7..9));
    let tail = |n: &str| {
        let (code, out, err) = run(&["--print", "--no-follow", "-n", n, "app.log*"], &dir);
        assert_eq!(code, 0, "{err}");
        out_lines(&out)
    };
    let seconds = |got: Vec<String>| -> Vec<u32> {
        got.iter()
            .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
            .collect()
    };
    assert_eq!(seconds(tail("2")), [7, 8], "the live file alone");
    assert_eq!(seconds(tail("5")), [4, 5, 6, 7, 8], "all of app.log.1");
    assert_eq!(
        seconds(tail("7")),
        [2, 3, 4, 5, 6, 7, 8],
        "the end of app.log.2.gz"
    );
    assert_eq!(
        seconds(tail("100")),
        (0..9).collect::<Vec<_>>(),
        "all there is"
    );
    assert_eq!(seconds(tail("0")), Vec::<u32>::new());
}

#[test]
fn a_corrupt_archive_gives_what_could_be_read_and_one_message() {
    let dir = Dir::new();
    let old = lines("app", 0..20_000);
    let gz = compressed(".gz", &old);
    dir.write("app.log.1.gz", &gz[..gz.len() / 2]);
    dir.write("app.log", lines("app", 20_000..20_003));
    dir.write("db.log", lines("db", [5]));
    let (code, out, err) = run(
        &["--print", "--no-follow", "-n", "all", "app.log*", "db.log"],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let got = out_lines(&out);
    let app: Vec<&String> = got.iter().filter(|l| l.contains(" app ")).collect();
    assert!(
        app.len() > 1000 && app.len() < 20_003,
        "{} lines",
        app.len()
    );
    // What was read is the archive's beginning, in order (its last line perhaps cut where the
    // archive breaks), then the live file.
    let old_lines: Vec<&str> = old.lines().collect();
    let read = app.len() - 3;
    for (got, want) in app[..read - 1].iter().zip(&old_lines) {
        assert_eq!(got.as_str(), *want);
    }
    assert!(old_lines[read - 1].starts_with(app[read - 1].as_str()));
    assert!(app.last().is_some_and(|l| l.ends_with("app 20002")));
    assert!(
        got.iter().any(|l| l.contains("db 5")),
        "the other source is whole"
    );
    assert_eq!(err.matches("app.log.1.gz").count(), 1, "one message: {err}");
    assert!(err.contains("gzip data broken after"), "{err}");
}

/// Following `'app.log*'` while logrotate works: the live file renamed to `app.log.1` and a new
/// one started, then `app.log.1` compressed into `app.log.1.gz` (and removed) — the compressed
/// generation is the same lines, left to `app.log`: no new source, nothing read twice.
#[test]
fn a_generation_compressed_while_following_joins_its_log() {
    let dir = Dir::new();
    dir.write("app.log", lines("app", 0..5));
    let run = Running::start(&["-n", "all", "app.log*"], &dir);
    run.wait_lines(5);
    dir.rename("app.log", "app.log.1");
    dir.write("app.log", lines("app", 5..8));
    run.wait_lines(8);
    let old = std::fs::read_to_string(dir.path("app.log.1")).expect("the generation");
    dir.write("app.log.1.gz", compressed(".gz", &old));
    dir.remove("app.log.1");
    dir.append("app.log", lines("app", 8..10));
    run.wait_lines(10);
    // Time for the glob to rescan and find the compressed generation.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let (_, got, err) = run.terminate();
    let want: Vec<String> = lines("app", 0..10).lines().map(str::to_owned).collect();
    assert_eq!(got, want, "{err}");
    assert!(
        !err.contains("app.log.1.gz"),
        "no source for the generation: {err}"
    );
}

/// `--since`/`--until`: both ends included (a line exactly at a bound is in), a stack trace goes
/// with its record, a file that goes back in time keeps its own order, line by line.
#[test]
fn a_time_range_keeps_its_bounds_and_records_whole() {
    let dir = Dir::new();
    dir.write(
        "a.log",
        "2026-12-01 10:00:00,000 INFO a0\n\
         2026-12-01 10:00:05,000 ERROR a5\n\
         \x20 at Foo.bar(Foo.java:1)\n\
         2026-12-01 10:00:10,000 INFO a10\n\
         2026-12-01 10:00:20,000 INFO a20\n",
    );
    // Out of order: 10:00:12 comes after 10:00:15.
    dir.write(
        "b.log",
        "2026-12-01 10:00:03,000 INFO b3\n\
         2026-12-01 10:00:15,000 INFO b15\n\
         2026-12-01 10:00:12,000 INFO b12\n\
         2026-12-01 10:00:30,000 INFO b30\n",
    );
    let (code, out, err) = run(
        &[
            "--print",
            "--no-follow",
            "--since",
            "2026-12-01 10:00:05",
            "--until",
            "2026-12-01T10:00:15Z",
            "a.log",
            "b.log",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let got: Vec<String> = out_lines(&out)
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        got,
        ["a5", "Foo.bar(Foo.java:1)", "a10", "b15", "b12"],
        "{err}"
    );
}

#[test]
fn until_in_the_past_with_following_is_a_usage_error() {
    let dir = Dir::new();
    dir.write("a.log", lines("a", 0..3));
    let (code, _, err) = run(&["--print", "--until", "2026-01-01 10:00", "a.log"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--until is in the past"), "{err}");
    let (code, _, err) = run(&["--print", "--no-follow", "--since", "-5x", "a.log"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--since"), "{err}");
}

/// `--since -5m`: before now; a big file is searched by position and gives exactly the lines
/// from that moment; generations wholly before it are skipped.
#[test]
fn since_a_span_ago_in_a_big_file_and_its_generations() {
    let dir = Dir::new();
    let now = jiff::Timestamp::now().as_second();
    let stamp_at = |secs_ago: i64| {
        jiff::Timestamp::from_second(now - secs_ago)
            .expect("a time")
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    // Generations: two hours ago, and one hour ago (compressed); the live file: the last
    // 40 minutes, a line every 20 ms (> 4 MiB, so searched by position).
    dir.write(
        "app.log.2.gz",
        compressed(".gz", &format!("{} INFO gen2\n", stamp_at(7200))),
    );
    dir.write("app.log.1", format!("{} INFO gen1\n", stamp_at(3600)));
    let mut live = String::new();
    let n = 120_000;
    for i in 0..n {
        let ago = 2400 - i * 2400 / n;
        let _ = writeln!(
            live,
            "{} INFO live {i} padding padding padding",
            stamp_at(ago)
        );
    }
    dir.write("app.log", &live);
    assert!(live.len() > 4 << 20);
    let (code, out, err) = run(
        &["--print", "--no-follow", "--since", "-5m", "app.log*"],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let got = out_lines(&out);
    let want: Vec<&str> = live
        .lines()
        .filter(|l| {
            let t: jiff::Timestamp = l[..20].parse().expect("a stamp");
            t.as_second() >= now - 300
        })
        .collect();
    assert!(!want.is_empty());
    // logbraid's "now" is a moment later than the test's: it may start a few seconds (50 lines
    // each) later, never earlier, and from then on gives every line.
    assert!(
        got.len() <= want.len() && got.len() + 5 * 50 >= want.len(),
        "{err}"
    );
    assert_eq!(got, want[want.len() - got.len()..], "{err}");
    assert!(
        !got.iter().any(|l| l.contains("gen")),
        "generations are before it"
    );
}

/// The real logrotate (where installed: `.ci/run` installs it), rotating with `compress`:
/// `app.log` becomes `app.log.1.gz`, `.1.gz` becomes `.2.gz`, … Read afterwards, the
/// generations and the live file are one source, every line once and in order; followed
/// meanwhile, no generation becomes a source and no line comes twice.
#[test]
fn the_real_logrotate_with_compress() {
    // Debian puts it in /usr/sbin, which a user's PATH may not hold.
    let Some(logrotate) = ["logrotate", "/usr/sbin/logrotate"]
        .into_iter()
        .find(|bin| {
            std::process::Command::new(bin)
                .arg("--version")
                .output()
                .is_ok()
        })
    else {
        assert!(
            std::env::var_os("LOGBRAID_REQUIRE_TMUX").is_none(),
            "logrotate is not installed, and this run says the tests it needs must run"
        );
        eprintln!("skipped: logrotate is not installed");
        return;
    };
    let dir = Dir::new();
    let conf = format!(
        "{}/app.log {{\n    rotate 5\n    compress\n    missingok\n    create\n}}\n",
        dir.root().display()
    );
    dir.write("rotate.conf", conf);
    let rotate = || {
        let out = std::process::Command::new(logrotate)
            .args(["-f", "-s"])
            .arg(dir.path("state"))
            .arg(dir.path("rotate.conf"))
            .output()
            .expect("logrotate");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    dir.write("app.log", lines("app", 0..10));
    let tail_f = Running::start(&["-n", "all", "app.log*"], &dir);
    tail_f.wait_lines(10);
    let mut next = 10;
    for _ in 0..3 {
        rotate();
        dir.append("app.log", lines("app", next..next + 10));
        next += 10;
        tail_f.wait_lines(usize::try_from(next).expect("small"));
    }
    // Time for the glob to rescan and find every compressed generation.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let (_, followed, err) = tail_f.terminate();
    let want: Vec<String> = lines("app", 0..next).lines().map(str::to_owned).collect();
    assert_eq!(followed, want, "followed: {err}");
    assert!(!err.contains(".gz"), "no generation became a source: {err}");
    assert!(
        dir.path("app.log.3.gz").exists(),
        "logrotate compressed them"
    );
    let (code, out, err) = run(&["--print", "--no-follow", "-n", "all", "app.log*"], &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out_lines(&out), want, "read afterwards: {err}");
}

/// A log whose live file is not there (rotated away, not yet re-created): its generations, given
/// with it, are still read; the missing live file is said once, and the run succeeds.
#[test]
fn generations_are_read_when_the_live_file_is_missing() {
    let dir = Dir::new();
    dir.write("app.log.2.gz", compressed(".gz", &lines("app", 0..3)));
    dir.write("app.log.1", lines("app", 3..5));
    let (code, out, err) = run(
        &[
            "--print",
            "--no-follow",
            "-n",
            "all",
            "app.log",
            "app.log.1",
            "app.log.2.gz",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let want: Vec<String> = lines("app", 0..5).lines().map(str::to_owned).collect();
    assert_eq!(out_lines(&out), want, "{err}");
    assert!(
        err.contains("app.log: no such file (its older generations were read)"),
        "{err}"
    );
}
