//! Following files by name through everything log files go through: appends, rotation by
//! rename (with a writer that keeps writing), copytruncate, deletion, late appearance,
//! rename-over, symlink re-pointing, and globs picking up new files.

mod common;

use std::io::Write;
use std::os::unix::fs::symlink;
use std::thread;
use std::time::Duration;

use common::{Dir, Running, follow_ready};

fn numbered(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i}")).collect()
}

/// Asserts `lines` (after the ready line) are exactly `want`, in order.
fn assert_exactly(lines: &[String], want: &[String]) {
    let got: Vec<&String> = lines.iter().filter(|l| *l != "ready").collect();
    assert_eq!(got.len(), want.len(), "line count differs");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(*g, w);
    }
}

#[test]
fn appended_lines_arrive() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", "one\ntwo\n");
    run.wait_lines(3);
    dir.append("app.log", "three\n");
    run.wait_lines(4);
    let (code, lines, _) = run.terminate();
    assert_eq!(code, 0);
    assert_eq!(lines, ["ready", "one", "two", "three"]);
}

/// A daemon writes a steady stream; logrotate renames the file every 60 ms; the daemon reopens
/// 10 ms after each rename, having written more lines into the renamed file meanwhile.
#[test]
fn rotation_by_rename_with_a_writer_that_keeps_writing() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    let root = dir.root().to_path_buf();
    let writer = thread::spawn(move || {
        let path = root.join("app.log");
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("open")
        };
        let mut out = open();
        let mut n = 0;
        let mut write_for = |out: &mut std::fs::File, ms: u64| {
            let until = std::time::Instant::now() + Duration::from_millis(ms);
            while std::time::Instant::now() < until {
                writeln!(out, "line {n}").expect("write");
                n += 1;
                thread::sleep(Duration::from_micros(200));
            }
        };
        for rotation in 0..6 {
            write_for(&mut out, 50);
            std::fs::rename(&path, root.join(format!("app.log.{rotation}"))).expect("rotate");
            // The daemon has not reopened yet: these land in the renamed file.
            write_for(&mut out, 10);
            out = open();
        }
        write_for(&mut out, 50);
        n
    });
    let total = writer.join().expect("writer");
    run.wait_lines(total + 1);
    let (_, lines, _) = run.terminate();
    assert_exactly(&lines, &numbered("line", 0..total));
}

/// logrotate's copytruncate: the file is copied, then truncated in place; the writer goes on.
#[test]
fn copytruncate() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", numbered("before", 0..50).join("\n") + "\n");
    run.wait_lines(51);
    std::fs::copy(dir.path("app.log"), dir.path("app.log.1")).expect("copy");
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dir.path("app.log"))
        .expect("truncate");
    // Written at once, so the file grows past the old offset before logbraid looks.
    dir.append("app.log", numbered("after", 0..80).join("\n") + "\n");
    run.wait_lines(131);
    let (_, lines, stderr) = run.terminate();
    let want: Vec<String> = numbered("before", 0..50)
        .into_iter()
        .chain(numbered("after", 0..80))
        .collect();
    assert_exactly(&lines, &want);
    assert!(stderr.contains("truncated"), "stderr: {stderr}");
}

#[test]
fn delete_then_recreate() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", "first life\n");
    run.wait_lines(2);
    dir.remove("app.log");
    run.wait_stderr("waiting for the file to appear");
    // A new file at the same path (the inode number may well be reused).
    dir.write("app.log", "second life\n");
    run.wait_lines(3);
    dir.append("app.log", "still there\n");
    run.wait_lines(4);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "first life", "second life", "still there"]);
}

#[test]
fn a_file_and_its_directory_that_appear_later() {
    let dir = Dir::new();
    let run = Running::start(&["-n", "5", "later/app.log"], &dir);
    run.wait_stderr("waiting for the file to appear");
    dir.write("later/app.log", "hello\n");
    run.wait_lines(1);
    dir.append("later/app.log", "again\n");
    run.wait_lines(2);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["hello", "again"]);
}

/// Editors and atomic writers replace the file by renaming a new one over it.
#[test]
fn rename_over() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.write("app.log.tmp", "replaced 1\nreplaced 2\n");
    dir.rename("app.log.tmp", "app.log");
    run.wait_lines(3);
    dir.append("app.log", "appended\n");
    run.wait_lines(4);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "replaced 1", "replaced 2", "appended"]);
}

/// Kubernetes lays out container logs as symlinks re-pointed at each container restart.
#[test]
fn symlink_repointed() {
    let dir = Dir::new();
    dir.write("pods/0.log", "ready\n");
    symlink(dir.path("pods/0.log"), dir.path("current.log")).expect("symlink");
    let run = Running::start(&["-n", "1", "current.log"], &dir);
    run.wait_lines(1);
    dir.append("pods/0.log", "from 0\n");
    run.wait_lines(2);
    dir.write("pods/1.log", "from 1\n");
    symlink(dir.path("pods/1.log"), dir.path("next.log")).expect("symlink");
    dir.rename("next.log", "current.log");
    run.wait_lines(3);
    dir.append("pods/1.log", "more from 1\n");
    run.wait_lines(4);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "from 0", "from 1", "more from 1"]);
}

#[test]
fn glob_picks_up_new_files() {
    let dir = Dir::new();
    dir.write("logs/a.log", "a ready\n");
    dir.write("logs/ignored.txt", "not a log\n");
    let run = Running::start(&["--prefix", "-n", "1", "logs/*.log"], &dir);
    run.wait_lines(1);
    dir.write("logs/b.log", "b first\nb second\n");
    run.wait_lines(3);
    dir.write("logs/deep/c.log", "too deep for *.log\n");
    dir.append("logs/a.log", "a more\n");
    run.wait_lines(4);
    let (_, lines, _) = run.terminate();
    assert_eq!(
        lines,
        [
            "a.log | a ready",
            "b.log | b first",
            "b.log | b second",
            "a.log | a more"
        ]
    );
}

#[test]
fn recursive_glob() {
    let dir = Dir::new();
    dir.write("logs/x/a.log", "a\n");
    let run = Running::start(&["-n", "all", "logs/**/*.log"], &dir);
    run.wait_lines(1);
    dir.write("logs/y/z/b.log", "b\n");
    run.wait_lines(2);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["a", "b"]);
}

/// Deleted and re-created at once with more content than was read: the new file is read from
/// its start, not from the old offset.
#[test]
fn delete_and_recreate_at_once() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.remove("app.log");
    dir.write("app.log", "a longer first line of the new file\nsecond\n");
    run.wait_lines(3);
    let (_, lines, _) = run.terminate();
    assert_eq!(
        lines,
        ["ready", "a longer first line of the new file", "second"]
    );
}

/// Once logbraid has let go of a deleted file, the file system may give a new file the same
/// inode number (ext4 does at once): it must still be read as a new file.
#[test]
fn recreated_with_the_old_inode_number() {
    use std::os::unix::fs::MetadataExt;
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", "old content\n");
    run.wait_lines(2);
    let old_inode = std::fs::metadata(dir.path("app.log")).expect("stat").ino();
    dir.remove("app.log");
    run.wait_stderr("waiting for the file to appear");
    // logbraid keeps a deleted file open for 3 s (a writer may still append to it).
    thread::sleep(Duration::from_millis(3500));
    dir.write("app.log", "new\n");
    let new_inode = std::fs::metadata(dir.path("app.log")).expect("stat").ino();
    run.wait_lines(3);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "old content", "new"]);
    if new_inode != old_inode {
        eprintln!(
            "note: this file system did not reuse the inode number ({old_inode} -> {new_inode})"
        );
    }
}

/// With no file watch available (simulated: `LOGBRAID_MAX_WATCHES=0`), sources are polled and
/// nothing is lost; logbraid says so once.
#[test]
fn polling_when_watches_run_out() {
    let dir = Dir::new();
    dir.write("a.log", "ready a\n");
    dir.write("b.log", "ready b\n");
    let mut cmd = common::logbraid();
    cmd.args(["--print", "-n", "1", "a.log", "b.log"])
        .current_dir(dir.root())
        .env("LOGBRAID_MAX_WATCHES", "0")
        .stdin(std::process::Stdio::null());
    let run = Running::start_with(&mut cmd);
    run.wait_lines(2);
    for i in 0..50 {
        dir.append(
            if i % 2 == 0 { "a.log" } else { "b.log" },
            format!("line {i}\n"),
        );
    }
    run.wait_lines(52);
    let (_, lines, stderr) = run.terminate();
    let mut got: Vec<&String> = lines.iter().skip(2).collect();
    got.sort_by_key(|l| l[5..].parse::<u32>().unwrap_or(0));
    assert_eq!(got, numbered("line", 0..50).iter().collect::<Vec<_>>());
    assert_eq!(stderr.matches("polling").count(), 1, "stderr: {stderr}");
}
