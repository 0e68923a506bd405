//! Log sources: files followed by name, globs, standard input and shell commands.
//!
//! Every source runs as its own tokio task and reports through one bounded channel of
//! [`SourceEvent`]s to the engine, which alone decides what happens with the lines. A source
//! never touches shared state.

pub mod big_file;
pub mod burst;
pub mod claims;
pub mod command;
pub mod decompress;
pub mod file;
pub mod generations;
pub mod glob;
pub mod join;
pub mod name;
pub mod seek;
pub mod split;
pub mod stdin;
pub mod supervisor;
pub mod watch;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use self::burst::{Burst, Due};
use self::join::Joiner;
use crate::batch::{BufferPool, LineBatch, StampedBatch};
use crate::source_id::SourceId;
use crate::timestamp::moment::TimeRange;
use crate::timestamp::{Clock, Stamper, UNKNOWN, wall_nanos};

/// What a source reads, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A path followed by name.
    File(PathBuf),
    /// A glob: every matching file, now and later.
    Glob(String),
    /// Standard input.
    Stdin,
    /// A command run under `sh -c`; its stdout and stderr.
    Command(String),
}

/// Where reading starts in a file that exists when following begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// The whole file (`-n all`).
    Beginning,
    /// The last N lines (`-n N`).
    LastLines(u64),
    /// Only what is appended from now on (`-n 0`).
    End,
}

/// A source's state, as its pane title and `--print`'s stderr report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    /// Reading, and following new data.
    Following,
    /// The path does not exist (yet): waiting for it to appear.
    Waiting,
    /// The file was replaced (rotation, rename-over, new symlink target): now reading the new one.
    Rotated,
    /// The file shrank (copytruncate): reading again from the start.
    Truncated,
    /// The source cannot be read, and why.
    Failed(String),
    /// The command ended, with its exit code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// The stream ended (end of standard input, or all read in `--no-follow`).
    Ended,
    /// A file a glob found was gone before it could be read (a temporary file): the source
    /// ends without a trace.
    Gone,
}

impl SourceStatus {
    /// True for statuses that say the source was opened at some point.
    pub fn opened(&self) -> bool {
        matches!(
            self,
            Self::Following | Self::Rotated | Self::Truncated | Self::Exited(_) | Self::Ended
        )
    }
}

impl fmt::Display for SourceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Following => f.write_str("following"),
            Self::Waiting => f.write_str("waiting for the file to appear"),
            Self::Rotated => f.write_str("rotated, following the new file"),
            Self::Truncated => f.write_str("truncated, reading from the start"),
            Self::Failed(reason) => f.write_str(reason),
            Self::Exited(Some(code)) => write!(f, "command exited with status {code}"),
            Self::Exited(None) => f.write_str("command killed by a signal"),
            Self::Ended => f.write_str("ended"),
            Self::Gone => f.write_str("gone before it was read"),
        }
    }
}

/// What sources tell the engine.
#[derive(Debug)]
pub enum SourceEvent {
    /// Lines that existed before following began (or all lines, in `--no-follow`), with their
    /// instants for the timestamp merge.
    Backlog {
        /// The source.
        id: SourceId,
        /// The lines and their instants.
        lines: StampedBatch,
    },
    /// The source has sent all its backlog; what follows is live.
    BacklogDone {
        /// The source.
        id: SourceId,
    },
    /// New lines, in the source's order, with their instants (a line without a timestamp of its
    /// own and none before it in the source: its arrival).
    Lines {
        /// The source.
        id: SourceId,
        /// The lines and their instants.
        lines: StampedBatch,
    },
    /// The source's status changed.
    Status {
        /// The source.
        id: SourceId,
        /// Its new status.
        status: SourceStatus,
    },
    /// A one-time notice about how sources are followed (e.g. polling instead of events).
    Notice(String),
    /// The source's history is a big file's, indexed in the background: its parts will come
    /// (sent before the source's backlog ends).
    HistoryComing {
        /// The source.
        id: SourceId,
    },
    /// A part of a big file's history, indexed in the background.
    History {
        /// The source.
        id: SourceId,
        /// The part.
        part: big_file::History,
    },
    /// A glob found a new matching file.
    Discovered {
        /// The file.
        path: PathBuf,
        /// The name the glob's files are shown under, if the user gave one.
        prefix: Option<String>,
    },
}

/// What a source sends before its live lines: old lines, braided into the history by time (the
/// orderer merges the backlogs of the sources given at start before anything live, and slots
/// later ones into the history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backlog {
    /// Nothing: every line is live.
    None,
    /// What a file holds at start; lines before its first timestamp sort first.
    History,
    /// What a file found while following (by a glob) already holds; lines without a timestamp
    /// take their arrival.
    Found,
    /// A stream's first burst (a command's, stdin's): up to its first pause
    /// ([`burst`]), or all of it with `until_end` (`--no-follow`). Lines without a timestamp
    /// take their arrival.
    Burst {
        /// The stream is read to its end, not followed: its whole output is the burst.
        until_end: bool,
    },
}

/// One source's sending end: stamps lines, drops repeated statuses, and notices when the engine
/// has gone away (then the source stops).
pub struct Emitter {
    id: SourceId,
    tx: mpsc::Sender<SourceEvent>,
    /// What the source sends before its live lines, until [`backlog_done`](Self::backlog_done).
    backlog: Backlog,
    /// A stream's first burst, while it may end before the stream does (when it pauses).
    burst: Option<Burst>,
    stamper: Stamper,
    /// Lines a container runtime split, joined again.
    joiner: Joiner,
    last_status: Option<SourceStatus>,
    closed: bool,
    pool: Arc<BufferPool>,
    /// Lines outside it are dropped here, stamped (`--since`, `--until`).
    range: TimeRange,
    clock: Clock,
}

impl Emitter {
    /// An emitter for source `id`, whose lines are `backlog` until
    /// [`backlog_done`](Self::backlog_done), then live.
    pub fn new(
        id: SourceId,
        tx: mpsc::Sender<SourceEvent>,
        backlog: Backlog,
        clock: Clock,
        pool: Arc<BufferPool>,
    ) -> Self {
        Self {
            id,
            tx,
            backlog,
            burst: (backlog == Backlog::Burst { until_end: false })
                .then(|| Burst::new(Instant::now())),
            stamper: Stamper::detecting(clock),
            joiner: Joiner::default(),
            last_status: None,
            closed: false,
            pool,
            range: TimeRange::default(),
            clock,
        }
    }

    /// Keeps only the lines in `range`.
    #[must_use]
    pub fn with_range(mut self, range: TimeRange) -> Self {
        self.range = range;
        self
    }

    /// The range lines are kept in.
    pub fn range(&self) -> TimeRange {
        self.range
    }

    /// The clock its lines' stamps are read with.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// A buffer to read into, recycled from consumed batches when one is free (see
    /// [`split::LineSplitter::take_buffer_from`]).
    pub fn spare_buffer(&self) -> Vec<u8> {
        self.pool.take()
    }

    /// Sends lines (from blocking code).
    pub fn lines(&mut self, batch: LineBatch) {
        if let Some(event) = self.lines_event(batch) {
            self.send_blocking(event);
        }
    }

    /// Sends lines (from async code).
    pub async fn lines_async(&mut self, batch: LineBatch) {
        if let Some(event) = self.lines_event(batch) {
            self.send(event).await;
        }
    }

    /// Reports a status, unless it is the one last reported (from blocking code).
    pub fn status(&mut self, status: SourceStatus) {
        if let Some(event) = self.status_event(status) {
            self.send_blocking(event);
        }
    }

    /// Reports a status, unless it is the one last reported (from async code).
    pub async fn status_async(&mut self, status: SourceStatus) {
        if let Some(event) = self.status_event(status) {
            self.send(event).await;
        }
    }

    /// Sends a one-time notice (from blocking code).
    pub fn warn(&mut self, message: String) {
        self.send_blocking(SourceEvent::Notice(message));
    }

    /// Says that the source's history will come as a big file's parts (from blocking code).
    pub fn history_coming(&mut self) {
        let id = self.id;
        self.send_blocking(SourceEvent::HistoryComing { id });
    }

    /// Ends the backlog; later calls do nothing (from blocking code).
    pub fn backlog_done(&mut self) {
        if let Some(event) = self.backlog_done_event() {
            self.send_blocking(event);
        }
    }

    /// Ends the backlog (from async code).
    pub async fn backlog_done_async(&mut self) {
        if let Some(event) = self.backlog_done_event() {
            self.send(event).await;
        }
    }

    /// When a stream's first burst must be looked at again ([`burst_due`](Self::burst_due)) if
    /// nothing comes; `None`: not until data comes, or never.
    pub fn burst_deadline(&self) -> Option<Instant> {
        self.burst.and_then(|b| b.next()).map(|(at, _)| at)
    }

    /// The burst deadline passed: the start stops waiting for the stream, or the burst is over.
    pub async fn burst_due(&mut self) {
        match self.burst.and_then(|b| b.next()) {
            Some((_, Due::Release)) => {
                if let Some(burst) = &mut self.burst {
                    burst.release();
                }
                self.send(SourceEvent::BacklogDone { id: self.id }).await;
            }
            Some((_, Due::End)) => self.backlog_done_async().await,
            None => {}
        }
    }

    fn backlog_done_event(&mut self) -> Option<SourceEvent> {
        let released = self.burst.take().is_some_and(|b| b.released());
        let had = std::mem::replace(&mut self.backlog, Backlog::None) != Backlog::None;
        (had && !released).then_some(SourceEvent::BacklogDone { id: self.id })
    }

    /// The source's id.
    pub fn id(&self) -> SourceId {
        self.id
    }

    /// The source's id and a sender, for a helper that reports for it from another thread.
    pub fn sender(&self) -> (SourceId, mpsc::Sender<SourceEvent>) {
        (self.id, self.tx.clone())
    }

    /// True once the engine stopped listening.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn lines_event(&mut self, lines: LineBatch) -> Option<SourceEvent> {
        let lines = self.joiner.join(lines);
        if lines.is_empty() {
            return None;
        }
        let id = self.id;
        if let Some(burst) = &mut self.burst {
            burst.data(Instant::now());
        }
        // A file's history is older than anything live: untimestamped, it sorts first.
        let fallback = if self.backlog == Backlog::History {
            UNKNOWN
        } else {
            wall_nanos()
        };
        let (instants, continued) = self.stamper.stamp_batch_or(&lines, fallback);
        let mut lines = StampedBatch {
            lines,
            instants,
            continued,
        };
        if !self.range.is_all() {
            // A continuation line has its record's instant: it goes with its record.
            lines = lines.retain(|instant| self.range.contains(instant));
            if lines.lines.is_empty() {
                return None;
            }
        }
        Some(if self.backlog == Backlog::None {
            SourceEvent::Lines { id, lines }
        } else {
            SourceEvent::Backlog { id, lines }
        })
    }

    fn status_event(&mut self, status: SourceStatus) -> Option<SourceEvent> {
        if self.last_status.as_ref() == Some(&status) {
            return None;
        }
        self.last_status = Some(status.clone());
        Some(SourceEvent::Status {
            id: self.id,
            status,
        })
    }

    fn send_blocking(&mut self, event: SourceEvent) {
        if !self.closed && self.tx.blocking_send(event).is_err() {
            self.closed = true;
        }
    }

    async fn send(&mut self, event: SourceEvent) {
        if !self.closed && self.tx.send(event).await.is_err() {
            self.closed = true;
        }
    }
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
