//! Helpers for the integration tests: a scratch directory and the real binary running in
//! `--print` mode, read by a thread, with deadlines instead of fixed sleeps.
//!
//! `LOGBRAID_TEST_WAIT_MS` scales every deadline (default 10 000 ms) for slow machines.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for something that should happen.
pub fn patience() -> Duration {
    let ms = std::env::var("LOGBRAID_TEST_WAIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Duration::from_millis(ms)
}

/// A unique scratch directory, removed at the end of the test.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("create a temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, content).expect("write file");
    }

    pub fn append(&self, name: &str, content: impl AsRef<[u8]>) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(name))
            .expect("open for append");
        f.write_all(content.as_ref()).expect("append");
    }

    pub fn open_append(&self, name: &str) -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(name))
            .expect("open for append")
    }

    pub fn rename(&self, from: &str, to: &str) {
        fs::rename(self.path(from), self.path(to)).expect("rename");
    }

    pub fn remove(&self, name: &str) {
        fs::remove_file(self.path(name)).expect("remove");
    }
}

/// The binary under test, in UTC: tests that mix zone-less and zoned timestamps must not
/// depend on the machine's zone.
pub fn logbraid() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logbraid"));
    cmd.env("TZ", "UTC");
    cmd
}

/// Runs `logbraid` with `args` to completion and returns (status, stdout, stderr).
pub fn run(args: &[&str], dir: &Dir) -> (i32, Vec<u8>, String) {
    let out = logbraid()
        .args(args)
        .current_dir(dir.root())
        .stdin(Stdio::null())
        .output()
        .expect("run logbraid");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `logbraid --print`, its output lines collected as they come.
pub struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<Vec<u8>>>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<thread::JoinHandle<()>>,
}

impl Running {
    /// Starts `logbraid --print ARGS` in `dir`.
    pub fn start(args: &[&str], dir: &Dir) -> Self {
        Self::start_with(
            logbraid()
                .arg("--print")
                .args(args)
                .current_dir(dir.root())
                .stdin(Stdio::null()),
        )
    }

    pub fn start_with(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start logbraid");
        let lines: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let stderr: Arc<Mutex<String>> = Arc::default();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&lines);
        let out_reader = thread::spawn(move || {
            let mut reader = BufReader::new(out);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                assert_eq!(
                    line.pop(),
                    Some(b'\n'),
                    "--print wrote a line without its newline"
                );
                sink.lock().expect("lock").push(std::mem::take(&mut line));
            }
            assert!(
                line.is_empty(),
                "--print ended with a partial line: {line:?}"
            );
        });
        let err_sink = Arc::clone(&stderr);
        let err_reader = thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut all = err_sink.lock().expect("lock");
                all.push_str(&line);
                all.push('\n');
            }
        });
        Self {
            child,
            lines,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    /// How many lines arrived so far.
    pub fn line_count(&self) -> usize {
        self.lines.lock().expect("lock").len()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child's standard input (when started with a piped stdin).
    pub fn take_stdin(&mut self) -> std::process::ChildStdin {
        self.child.stdin.take().expect("started with a piped stdin")
    }

    /// Output lines so far, as text.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .expect("lock")
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    /// Output lines so far, as bytes.
    pub fn raw_lines(&self) -> Vec<Vec<u8>> {
        self.lines.lock().expect("lock").clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Waits until `done(lines)` holds; panics with what was seen after the deadline.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + patience();
        loop {
            let lines = self.lines();
            if done(&lines) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {} lines, last: {:?}\nstderr: {}",
                lines.len(),
                lines.iter().rev().take(5).collect::<Vec<_>>(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until `n` lines arrived.
    pub fn wait_lines(&self, n: usize) {
        self.wait_for(&format!("{n} lines"), |l| l.len() >= n);
    }

    /// Waits until stderr contains `needle`.
    pub fn wait_stderr(&self, needle: &str) {
        let deadline = Instant::now() + patience();
        while !self.stderr().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for stderr {needle:?}; got {:?}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code.
    pub fn terminate(self) -> (i32, Vec<String>, String) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("kill");
        self.finish()
    }

    /// Waits for the process to exit by itself; returns its exit code and output.
    pub fn finish(mut self) -> (i32, Vec<String>, String) {
        let deadline = Instant::now() + patience();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("logbraid did not exit; stderr: {}", self.stderr());
            }
            thread::sleep(Duration::from_millis(10));
        };
        for reader in self.readers.drain(..) {
            reader.join().expect("reader thread");
        }
        (status.code().unwrap_or(-1), self.lines(), self.stderr())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a `ready` line to `name` and starts `logbraid --print -n 1 ARGS name`, returning once
/// the line is out: from then on the file is open and watched, so every later write must arrive.
pub fn follow_ready(dir: &Dir, name: &str, extra: &[&str]) -> Running {
    dir.write(name, "ready\n");
    let mut args = vec!["-n", "1"];
    args.extend_from_slice(extra);
    args.push(name);
    let running = Running::start(&args, dir);
    running.wait_for("the ready line", |l| l.iter().any(|x| x.ends_with("ready")));
    running
}
