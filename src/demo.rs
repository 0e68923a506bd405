//! `--demo`: five made-up services writing realistic logs, live, into a temporary directory.
//!
//! A gateway (nginx access log), an API (log4j-style, with an occasional Java stack trace), a
//! job worker (JSON lines), a database proxy (syslog-style, slow-query warnings, a Python
//! traceback now and then) and a cache (ANSI-coloured levels). Rates vary, the worker has bursts,
//! the gateway's log is rotated every 40 seconds, and now and then a client sends a user agent
//! carrying a terminal escape sequence (shown inert). Templates are in `assets/demo/`.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::Timestamp;

const PATHS: &str = include_str!("../assets/demo/paths.txt");
const JOBS: &str = include_str!("../assets/demo/jobs.txt");
const QUERIES: &str = include_str!("../assets/demo/queries.txt");
const JAVA_TRACE: &str = include_str!("../assets/demo/java-trace.txt");
const PYTHON_TRACE: &str = include_str!("../assets/demo/python-trace.txt");

/// The services, by file name, with their base rate in lines per second.
const SERVICES: [(&str, f64); 5] = [
    ("gateway.log", 14.0),
    ("api.log", 9.0),
    ("worker.log", 4.0),
    ("db-proxy.log", 2.0),
    ("cache.log", 1.0),
];
/// How often the gateway's log is rotated.
const ROTATE_EVERY: Duration = Duration::from_secs(40);
/// The writer's step.
const STEP: Duration = Duration::from_millis(50);

/// The running demo; stops writing and removes its directory when dropped.
pub struct Demo {
    dir: tempfile::TempDir,
    stop: Arc<AtomicBool>,
    writer: Option<JoinHandle<()>>,
}

impl Demo {
    /// Writes a little history, then starts the writer thread.
    pub fn start() -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("logbraid-demo-")
            .tempdir()?;
        let mut writer = Writer::new(dir.path())?;
        writer.history()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("logbraid-demo".into())
            .spawn(move || writer.run(&stopping))?;
        Ok(Self {
            dir,
            stop,
            writer: Some(handle),
        })
    }

    /// The files to follow.
    pub fn paths(&self) -> Vec<PathBuf> {
        SERVICES
            .iter()
            .map(|(name, _)| self.dir.path().join(name))
            .collect()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

struct Writer {
    dir: PathBuf,
    files: Vec<File>,
    rng: fastrand::Rng,
    /// Fractional lines owed to each service.
    owed: Vec<f64>,
    started: Instant,
    rotated: Instant,
}

impl Writer {
    fn new(dir: &Path) -> io::Result<Self> {
        let files = SERVICES
            .iter()
            .map(|(name, _)| open(&dir.join(name)))
            .collect::<io::Result<_>>()?;
        Ok(Self {
            dir: dir.to_path_buf(),
            files,
            rng: fastrand::Rng::new(),
            owed: vec![0.0; SERVICES.len()],
            started: Instant::now(),
            rotated: Instant::now(),
        })
    }

    /// Two minutes of past lines, so the merge of existing lines has something to do.
    fn history(&mut self) -> io::Result<()> {
        let now = Timestamp::now();
        for (service, (_, rate)) in SERVICES.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = (rate * 120.0 / 4.0) as u64;
            let mut text = String::new();
            for i in 0..n {
                let back = i64::try_from((n - i) * 120_000 / n.max(1)).unwrap_or(0);
                let at = now
                    .checked_sub(jiff::SignedDuration::from_millis(back))
                    .unwrap_or(now);
                self.line(service, at, &mut text);
            }
            self.files[service].write_all(text.as_bytes())?;
        }
        Ok(())
    }

    fn run(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(STEP);
            if self.step().is_err() {
                return; // the directory is gone: the demo is over
            }
        }
    }

    fn step(&mut self) -> io::Result<()> {
        let t = self.started.elapsed().as_secs_f64();
        for (service, (_, rate)) in SERVICES.iter().enumerate() {
            // Traffic rises and falls; the worker has a burst every 20 seconds.
            #[allow(clippy::cast_precision_loss)]
            let wave = 1.0 + 0.7 * (t / 9.0 + service as f64).sin();
            let burst = if service == 2 && t % 20.0 < 1.5 {
                25.0
            } else {
                1.0
            };
            self.owed[service] += rate * wave * burst * STEP.as_secs_f64();
            let mut text = String::new();
            while self.owed[service] >= 1.0 {
                self.owed[service] -= 1.0;
                self.line(service, Timestamp::now(), &mut text);
            }
            if !text.is_empty() {
                self.files[service].write_all(text.as_bytes())?;
            }
        }
        if self.rotated.elapsed() >= ROTATE_EVERY {
            self.rotate()?;
        }
        Ok(())
    }

    /// logrotate's way: rename, then create a new file (the writer reopens a moment later).
    fn rotate(&mut self) -> io::Result<()> {
        let live = self.dir.join(SERVICES[0].0);
        std::fs::rename(&live, self.dir.join(format!("{}.1", SERVICES[0].0)))?;
        // The daemon writes once more into the renamed file before it reopens.
        let last = self.gateway(Timestamp::now());
        writeln!(self.files[0], "{last}")?;
        self.files[0] = open(&live)?;
        self.rotated = Instant::now();
        Ok(())
    }

    fn line(&mut self, service: usize, at: Timestamp, out: &mut String) {
        let text = match service {
            0 => self.gateway(at),
            1 => self.api(at),
            2 => self.worker(at),
            3 => self.db(at),
            _ => self.cache(at),
        };
        out.push_str(&text);
        out.push('\n');
    }

    fn path(&mut self) -> String {
        let id = 1000 + self.rng.u64(..9000);
        pick(&mut self.rng, PATHS).replace("{id}", &id.to_string())
    }

    fn gateway(&mut self, at: Timestamp) -> String {
        let status = [200, 200, 200, 200, 200, 200, 304, 201, 404, 502]
            [usize::try_from(self.rng.u64(..10)).unwrap_or(0)];
        let agent = if self.rng.u64(..150) == 0 {
            // A hostile client: this tries to retitle the viewer's terminal.
            "curl/8.5 \x1b]0;you have been pwned\x07"
        } else {
            "Mozilla/5.0 (X11; Linux x86_64)"
        };
        format!(
            "10.0.{}.{} - - [{}] \"GET {} HTTP/1.1\" {status} {} \"-\" \"{agent}\" rt={:.3}",
            self.rng.u64(..8),
            self.rng.u64(..250),
            at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            self.path(),
            200 + self.rng.u64(..9000),
            f64::from(u32::try_from(self.rng.u64(..400)).unwrap_or(0)) / 1000.0
        )
    }

    fn api(&mut self, at: Timestamp) -> String {
        let stamp = at.strftime("%Y-%m-%d %H:%M:%S,%3f");
        let thread = self.rng.u64(..16);
        let path = self.path();
        if self.rng.u64(..120) == 0 {
            return format!(
                "{stamp} ERROR [http-{thread}] c.e.http.OrdersHandler - GET {path} failed\n{}",
                JAVA_TRACE.trim_end()
            );
        }
        let ms = 2 + self.rng.u64(..60);
        if self.rng.u64(..15) == 0 {
            return format!(
                "{stamp} WARN  [http-{thread}] c.e.http.OrdersHandler - GET {path} slow: {} ms",
                ms * 40
            );
        }
        let level = if self.rng.u64(..4) == 0 {
            "DEBUG"
        } else {
            "INFO "
        };
        format!(
            "{stamp} {level} [http-{thread}] c.e.http.OrdersHandler - GET {path} -> 200 ({ms} ms)"
        )
    }

    fn worker(&mut self, at: Timestamp) -> String {
        let job = pick(&mut self.rng, JOBS);
        let (level, msg) = match self.rng.u64(..30) {
            0 => ("error", "job failed: upstream timeout after 30s"),
            1..=3 => ("warn", "job retried"),
            _ => ("info", "job finished"),
        };
        let mut line = String::new();
        let _ = write!(
            line,
            "{{\"ts\":\"{}\",\"level\":\"{level}\",\"job\":\"{job}\",\"id\":\"j-{}\",\"msg\":\"{msg}\",\"duration_ms\":{}}}",
            at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
            self.rng.u64(..100_000),
            5 + self.rng.u64(..900)
        );
        line
    }

    fn db(&mut self, at: Timestamp) -> String {
        let stamp = at.strftime("%b %d %H:%M:%S");
        if self.rng.u64(..60) == 0 {
            return format!(
                "{stamp} db-proxy[311]: ERROR checkout failed\n{}",
                PYTHON_TRACE.trim_end()
            );
        }
        if self.rng.u64(..6) == 0 {
            let secs = 1.0 + f64::from(u32::try_from(self.rng.u64(..40)).unwrap_or(0)) / 10.0;
            return format!(
                "{stamp} db-proxy[311]: WARN slow query ({secs:.1}s): {}",
                pick(&mut self.rng, QUERIES)
            );
        }
        format!(
            "{stamp} db-proxy[311]: INFO pool size=20 active={} waiting={}",
            self.rng.u64(..20),
            self.rng.u64(..3)
        )
    }

    fn cache(&mut self, at: Timestamp) -> String {
        let stamp = at.strftime("%H:%M:%S%.3f");
        if self.rng.u64(..8) == 0 {
            return format!(
                "\x1b[2m{stamp}\x1b[0m \x1b[33mWARN\x1b[0m evicted {} keys (memory 91%)",
                self.rng.u64(..5000)
            );
        }
        format!(
            "\x1b[2m{stamp}\x1b[0m \x1b[32mINFO\x1b[0m hit ratio=\x1b[1m0.{}\x1b[0m keys={}",
            80 + self.rng.u64(..19),
            18_000 + self.rng.u64(..500)
        )
    }
}

/// A random line of `lines` (a template file).
fn pick<'a>(rng: &mut fastrand::Rng, lines: &'a str) -> &'a str {
    let all: Vec<&str> = lines.lines().filter(|l| !l.is_empty()).collect();
    all[rng.usize(..all.len())]
}

fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_writes_every_service() {
        let demo = Demo::start().expect("start the demo");
        std::thread::sleep(Duration::from_millis(300));
        for path in demo.paths() {
            let text = std::fs::read_to_string(&path).expect("read");
            assert!(
                text.lines().count() > 10,
                "{} has too few lines",
                path.display()
            );
        }
        let dir = demo.dir.path().to_path_buf();
        drop(demo);
        assert!(!dir.exists(), "the demo cleans up");
    }
}
