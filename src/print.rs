//! Headless mode (`--print`): the merged stream, written as complete lines.
//!
//! Only this module writes to the output, through one buffer ([`sink`]), whole lines at a time
//! in one [`format`], so lines never interleave. It flushes whenever the engine has nothing more ready — a live tail shows at
//! once, a burst goes out in large writes. Source faults go to stderr, one line each.

pub mod format;
pub mod json;
pub mod pretty;
pub mod queue;
pub mod sink;

pub use self::format::LineFormat;

use std::io::{self, Write};
use std::ops::Range;
use std::os::fd::AsFd;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::stat::{SFlag, fstat};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

use self::format::{Formatter, Line};
use self::queue::Queue;
use self::sink::Sink;
use crate::batch::StampedBatch;
use crate::engine::{Engine, EngineEvent};
use crate::filter::LineFilter;
use crate::record::hide::Hide;
use crate::sanitize;
use crate::source::{SourceSpec, SourceStatus};

/// Writes lines to the sink in the chosen format, when they pass the filter.
pub struct Printer<W: Write> {
    sink: Sink<W>,
    formatter: Formatter,
    filter: LineFilter,
    /// The sources' names, for formats that write them.
    names: Vec<String>,
    /// Per source: whether the last record begun passed the filter (its continuation lines go
    /// with it).
    heads: Vec<bool>,
    /// Lines waiting to be rendered (formats that render).
    queue: Queue,
}

/// How the printer writes, besides where.
#[derive(Debug, Clone)]
pub struct PrintOptions {
    /// `--prefix`: each line after its source's name.
    pub prefix: bool,
    /// Colour prefixes (a terminal without `NO_COLOR`).
    pub colour: bool,
    /// `-e`/`-v`.
    pub filter: LineFilter,
    /// The form lines take.
    pub format: LineFormat,
    /// `--hide`, for `pretty`.
    pub hide: Hide,
}

impl<W: Write> Printer<W> {
    /// A printer to `out`.
    pub fn new(out: W, options: PrintOptions) -> Self {
        Self {
            sink: Sink::new(out, options.prefix, options.colour),
            formatter: Formatter::new(options.format, options.hide),
            filter: options.filter,
            names: Vec::new(),
            heads: Vec::new(),
            queue: Queue::default(),
        }
    }

    /// Sets the source names (prefixes are aligned to the longest).
    pub fn set_names<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names = names.into_iter().map(str::to_owned).collect();
        self.sink.set_names(self.names.iter().map(String::as_str));
        self.queue.names_changed();
    }

    /// Writes lines `range` of `batch`, from source `source`.
    pub fn write_run(
        &mut self,
        source: usize,
        batch: &StampedBatch,
        range: Range<usize>,
    ) -> io::Result<()> {
        if !self.sink.prefixed()
            && self.filter.is_empty()
            && self.formatter.format().passes_through()
        {
            // The common case: the run is one contiguous slice, newlines included.
            return self.sink.out().write_all(batch.lines.run_bytes(range));
        }
        for i in range {
            let text = batch.lines.line(i);
            let name = self.names.get(source).map_or("?", String::as_str);
            if self.heads.len() <= source {
                self.heads.resize(source + 1, true);
            }
            if !batch.is_continued(i) {
                self.heads[source] = self.filter.matches(text, name, self.formatter.seen());
            }
            if !self.heads[source] {
                continue;
            }
            if self.formatter.format().renders() {
                self.queue.push(source, batch.instants[i], text);
                if self.queue.is_full() {
                    self.queue
                        .hand_out(&self.formatter, &self.names, &mut self.sink)?;
                }
                continue;
            }
            if self.sink.prefixed() {
                self.sink.write_prefix(source)?;
            }
            let line = Line {
                text,
                source: name,
                instant: batch.instants[i],
            };
            self.formatter.write(line, self.sink.out())?;
            self.sink.out().write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes what is buffered (rendering the lines waiting to be).
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.queue.is_empty() {
            self.queue
                .drain(&mut self.formatter, &self.names, &mut self.sink)?;
        }
        self.sink.flush()
    }
}

/// How a `--print` run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every source finished, or a signal asked us to stop, or the reader went away.
    Done,
    /// No source could be opened at all.
    NothingOpened,
}

/// When standard output is a pipe or a socket: a receiver that completes once its reader has gone
/// away. The kernel reports an error condition on the write end once nobody reads it; a thread
/// of its own waits for it in `poll` (no events asked for: errors and hang-ups are always
/// reported), as GNU `tail -F` does. The thread blocks for good otherwise, which costs nothing,
/// and ends with the process.
fn reader_watch() -> Option<oneshot::Receiver<()>> {
    let kind = SFlag::from_bits_truncate(fstat(io::stdout().as_fd()).ok()?.st_mode) & SFlag::S_IFMT;
    if kind != SFlag::S_IFIFO && kind != SFlag::S_IFSOCK {
        return None;
    }
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("logbraid-stdout".into())
        .spawn(move || {
            let stdout = io::stdout();
            loop {
                let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::empty())];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {
                        let seen = fds[0].revents().unwrap_or(PollFlags::empty());
                        if seen.intersects(PollFlags::POLLERR | PollFlags::POLLHUP) {
                            let _ = tx.send(());
                            return;
                        }
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    // Cannot watch: then the run ends at the next write, as before.
                    Err(_) => return,
                }
            }
        })
        .ok()?;
    Some(rx)
}

/// Resolves once standard output's reader has gone away (never without a watch).
async fn reader_gone(watch: &mut Option<oneshot::Receiver<()>>) {
    match watch {
        Some(rx) => {
            if rx.await.is_err() {
                // The watch could not go on: never say the reader left.
                *watch = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// Runs the engine to completion, printing the merged stream. SIGINT, SIGTERM and SIGHUP stop
/// the sources; every complete line read by then is still written. With `to_stdout`, a reader
/// of standard output that goes away ends the run at once, even while every source is quiet
/// (`logbraid --print app.log | head -1`), as GNU `tail -F` does.
pub async fn run<W: Write>(
    mut engine: Engine,
    mut printer: Printer<W>,
    to_stdout: bool,
) -> io::Result<Outcome> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut watch = if to_stdout { reader_watch() } else { None };
    printer.set_names(engine.sources().iter().map(|s| s.name.as_str()));
    let mut statuses: Vec<Option<SourceStatus>> = Vec::new();
    loop {
        let event = tokio::select! {
            event = engine.recv() => event,
            _ = sigint.recv() => { engine.shutdown(); continue; }
            _ = sigterm.recv() => { engine.shutdown(); continue; }
            _ = sighup.recv() => { engine.shutdown(); continue; }
            () = reader_gone(&mut watch) => {
                // Nobody reads what we would write: that is how a pipeline ends, not an error.
                engine.shutdown();
                return Ok(Outcome::Done);
            }
        };
        let Some(event) = event else { break };
        let written = match event {
            EngineEvent::Ready => {
                let mut result = Ok(());
                // A late line, or a backlog that came after the start, goes out where it
                // arrived: a stream cannot take back what it wrote.
                engine.drain(|id, batch, range, _placement| {
                    if result.is_ok() {
                        result = printer.write_run(id.index(), batch, range);
                    }
                });
                result
            }
            EngineEvent::Status { id, status } => {
                statuses.resize(engine.sources().len(), None);
                let before = statuses[id.index()].replace(status.clone());
                report(&engine, id.index(), before.as_ref(), &status);
                Ok(())
            }
            EngineEvent::Notice(text) => {
                eprintln!("logbraid: {text}");
                Ok(())
            }
            EngineEvent::Added(_) => {
                printer.set_names(engine.sources().iter().map(|s| s.name.as_str()));
                Ok(())
            }
            // Only sent with `EngineOptions::keeps_history` and `big_file`, which print mode
            // never sets: it writes lines once they are braided, and reads every file's lines.
            EngineEvent::Waiting | EngineEvent::History { .. } => Ok(()),
        };
        let written = written.and_then(|()| {
            if engine.has_pending() {
                Ok(())
            } else {
                printer.flush()
            }
        });
        if let Err(e) = written {
            engine.shutdown();
            if e.kind() == io::ErrorKind::BrokenPipe {
                // The reader went away (`| head`): that is how a pipeline ends, not an error.
                return Ok(Outcome::Done);
            }
            return Err(e);
        }
    }
    match printer.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    Ok(if engine.opened_any() {
        Outcome::Done
    } else {
        Outcome::NothingOpened
    })
}

/// One line on stderr for a status worth telling: faults, exits, waiting, and recoveries.
fn report(engine: &Engine, index: usize, before: Option<&SourceStatus>, status: &SourceStatus) {
    let Some(source) = engine.sources().get(index) else {
        return;
    };
    let name = match &source.spec {
        // A fault is about the path the user typed; show it when the short name hides it.
        SourceSpec::File(path) if path.as_os_str() != source.name.as_str() => {
            format!("{} ({})", source.name, path.display())
        }
        _ => source.name.clone(),
    };
    let worth = match status {
        SourceStatus::Following => matches!(
            before,
            Some(SourceStatus::Waiting | SourceStatus::Failed(_))
        ),
        SourceStatus::Ended | SourceStatus::Gone => false,
        _ => true,
    };
    if worth {
        let mut safe = Vec::new();
        sanitize::inert(format!("{name}: {status}").as_bytes(), false, &mut safe);
        eprintln!("logbraid: {}", String::from_utf8_lossy(&safe));
    }
}
