//! The engine: starts every source, and turns their events into one ordered stream.
//!
//! It has two phases. In the *backlog* phase the lines each file already holds (all lines, in
//! `--no-follow`) go into a streaming timestamp merge ([`Merger`]); whenever it can hand lines
//! out, [`Engine::recv`] returns [`EngineEvent::BacklogReady`] and the consumer takes them with
//! [`Engine::drain_backlog`]. Live lines that arrive meanwhile wait. Once every backlog is merged,
//! every event passes in arrival order. Both the printer and the TUI consume this stream.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::batch::{BufferPool, LineBatch};
use crate::merge::Merger;
use crate::source::big_file::History;
use crate::source::glob::GlobWatch;
use crate::source::watch::WatchHub;
use crate::source::{
    Emitter, SourceEvent, SourceSpec, SourceStatus, StartAt, command, file, glob, name, stdin,
};
use crate::source_id::SourceId;
use crate::timestamp::Clock;

/// Capacity of the channel from sources to the engine, in batches (of up to 256 KiB): enough to
/// absorb bursts, small enough that a slow consumer slows the readers instead of growing memory.
const EVENTS_CAPACITY: usize = 64;

/// A source as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDef {
    /// What to read.
    pub spec: SourceSpec,
    /// The display name the user chose (`-N NAME`).
    pub name: Option<String>,
}

/// How sources are read.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Keep following after the existing content (`false`: `--no-follow`).
    pub follow: bool,
    /// Where to start in files that exist at start.
    pub start: StartAt,
    /// Files whose history is larger than this many bytes have it indexed in the background
    /// instead of read ([`EngineEvent::History`]); `None`: always read (`--print` needs the
    /// lines themselves, in order).
    pub big_file: Option<u64>,
}

/// The default size above which a file's history is indexed, not read (the TUI's).
pub const BIG_FILE: u64 = 64 << 20;

/// A source as the engine knows it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its display name (unique).
    pub name: String,
    /// What it reads.
    pub spec: SourceSpec,
}

/// What the engine hands to its consumer.
#[derive(Debug)]
pub enum EngineEvent {
    /// Backlog lines can be handed out now: call [`Engine::drain_backlog`] (until it is
    /// called, `recv` keeps returning this).
    BacklogReady,
    /// Live lines of one source.
    Lines {
        /// The source.
        id: SourceId,
        /// The lines.
        lines: LineBatch,
    },
    /// A source's status changed.
    Status {
        /// The source.
        id: SourceId,
        /// The new status.
        status: SourceStatus,
    },
    /// A notice for the user.
    Notice(String),
    /// A new source (a file a glob found); see [`Engine::sources`].
    Added(SourceId),
    /// A part of a big file's history (only with [`EngineOptions::big_file`]); handed over at
    /// once, whatever the phase.
    History {
        /// The source.
        id: SourceId,
        /// The lines, older than any sent before for this source.
        part: History,
    },
}

/// The running sources and the ordering of what they send.
pub struct Engine {
    rx: mpsc::Receiver<SourceEvent>,
    tx: mpsc::Sender<SourceEvent>,
    hub: Arc<WatchHub>,
    pool: Arc<BufferPool>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    sources: Vec<SourceInfo>,
    options: EngineOptions,
    clock: Clock,
    /// `Some` during the backlog phase: the merge of the backlogs of the sources given at start.
    merger: Option<Merger>,
    /// Live events that arrived during the backlog phase.
    held: VecDeque<EngineEvent>,
    /// Notices, handed over at once whatever the phase.
    notices: VecDeque<String>,
    /// Parts of big files' histories, likewise.
    history: VecDeque<(SourceId, History)>,
    opened_any: bool,
}

impl Engine {
    /// Starts every source. Must be called within a tokio runtime. Glob patterns that do not
    /// parse are returned as errors (bad usage).
    pub fn start(
        defs: Vec<SourceDef>,
        options: EngineOptions,
        cancel: CancellationToken,
    ) -> Result<Self, globset::Error> {
        let (tx, rx) = mpsc::channel(EVENTS_CAPACITY);
        let mut engine = Self {
            rx,
            tx,
            hub: WatchHub::new(),
            pool: Arc::default(),
            cancel,
            tasks: JoinSet::new(),
            sources: Vec::new(),
            options,
            clock: Clock::now(),
            merger: None,
            held: VecDeque::new(),
            notices: VecDeque::new(),
            history: VecDeque::new(),
            opened_any: false,
        };
        // Globs are expanded first so that every file's name is chosen knowing all the others.
        let mut expanded = Vec::new();
        for def in defs {
            match def.spec {
                SourceSpec::Glob(ref pattern) => {
                    let mut glob = GlobWatch::new(pattern, def.name.clone())?;
                    let found = glob.scan();
                    if found.is_empty() {
                        engine
                            .notices
                            .push_back(format!("no file matches '{pattern}' yet"));
                    }
                    let hint = def.name.clone().map_or(NameHint::Derived, NameHint::Prefix);
                    expanded.extend(
                        found
                            .into_iter()
                            .map(|p| (SourceSpec::File(p), hint.clone())),
                    );
                    if options.follow {
                        let (tx, hub, cancel) = engine.handles();
                        engine.tasks.spawn(glob::run(glob, tx, hub, cancel));
                    }
                }
                spec => expanded.push((spec, def.name.map_or(NameHint::Derived, NameHint::Given))),
            }
        }
        // Source ids are 16 bits: beyond that, sources are not started (and must not be waited for).
        let most = usize::from(u16::MAX);
        if expanded.len() > most {
            engine.notices.push_back(format!(
                "{} sources: following the first {most}",
                expanded.len()
            ));
            expanded.truncate(most);
        }
        let mut merger = Merger::new(expanded.len());
        for ((spec, _), name) in expanded.iter().zip(display_names(&expanded)) {
            match engine.spawn(spec.clone(), name, true) {
                Some(id) if !engine.has_backlog(spec, true) => merger.finish(id),
                _ => {}
            }
        }
        engine.merger = Some(merger);
        Ok(engine)
    }

    /// The sources, indexed by [`SourceId`].
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// True once any source was opened (a file read, a command started, stdin read).
    pub fn opened_any(&self) -> bool {
        self.opened_any
    }

    /// True when [`recv`](Self::recv) would return without waiting.
    pub fn has_pending(&self) -> bool {
        !self.notices.is_empty()
            || !self.history.is_empty()
            || !self.rx.is_empty()
            || match &self.merger {
                Some(merger) => merger.ready() || (merger.complete() && !self.held.is_empty()),
                None => !self.held.is_empty(),
            }
    }

    /// Hands out the backlog lines that can be merged now, in merged order (after
    /// [`EngineEvent::BacklogReady`]).
    pub fn drain_backlog<F>(&mut self, emit: F)
    where
        F: FnMut(SourceId, &LineBatch, Range<usize>),
    {
        if let Some(merger) = self.merger.as_mut() {
            merger.drain(emit);
            for batch in merger.take_spent() {
                self.pool.give(batch.lines);
            }
        }
    }

    /// Hands a consumed batch back, so that its buffer is reused by the next read.
    pub fn recycle(&self, batch: LineBatch) {
        self.pool.give(batch);
    }

    /// Stops every source; [`recv`](Self::recv) then drains what they sent and returns `None`.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// The next event, or `None` once every source has finished and all was handed over.
    pub async fn recv(&mut self) -> Option<EngineEvent> {
        loop {
            if let Some(event) = self.ready() {
                return Some(event);
            }
            if self.tasks.is_empty() {
                // Every source has finished: what they sent is all in the channel.
                match self.rx.try_recv() {
                    Ok(event) => self.absorb(event),
                    Err(_) if self.merger.is_some() => self.finish_backlog(),
                    Err(_) => return None,
                }
                continue;
            }
            tokio::select! {
                biased;
                event = self.rx.recv() => {
                    if let Some(event) = event {
                        self.absorb(event);
                    }
                }
                _ = self.tasks.join_next() => {}
            }
        }
    }

    /// What can be handed over now, if anything.
    fn ready(&mut self) -> Option<EngineEvent> {
        if let Some(text) = self.notices.pop_front() {
            return Some(EngineEvent::Notice(text));
        }
        if let Some((id, part)) = self.history.pop_front() {
            return Some(EngineEvent::History { id, part });
        }
        match &self.merger {
            Some(merger) if merger.ready() => return Some(EngineEvent::BacklogReady),
            Some(merger) if merger.complete() => self.merger = None,
            Some(_) => return None,
            None => {}
        }
        self.held.pop_front()
    }

    /// Every source stopped before finishing its backlog (a signal): merge what was read.
    fn finish_backlog(&mut self) {
        if let Some(merger) = self.merger.as_mut() {
            for index in 0..self.sources.len() {
                merger.finish(SourceId::from_index(index));
            }
        }
    }

    /// Takes one source event in.
    fn absorb(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Backlog { id, lines } => match self.merger.as_mut() {
                Some(merger) => merger.push(id, lines),
                None => self.held.push_back(EngineEvent::Lines {
                    id,
                    lines: lines.lines,
                }),
            },
            SourceEvent::BacklogDone { id } => {
                if let Some(merger) = self.merger.as_mut() {
                    merger.finish(id);
                }
            }
            SourceEvent::Lines { id, lines } => {
                self.held.push_back(EngineEvent::Lines { id, lines });
            }
            SourceEvent::Status { id, status } => {
                self.opened_any |= status.opened();
                self.held.push_back(EngineEvent::Status { id, status });
            }
            SourceEvent::Notice(text) => self.notices.push_back(text),
            SourceEvent::History { id, part } => self.history.push_back((id, part)),
            SourceEvent::Discovered { path, prefix } => {
                if let Some(id) = self.discovered(&path, prefix) {
                    self.held.push_back(EngineEvent::Added(id));
                }
            }
        }
    }

    fn discovered(&mut self, path: &Path, prefix: Option<String>) -> Option<SourceId> {
        let taken: Vec<String> = self.sources.iter().map(|s| s.name.clone()).collect();
        let base = name::unique_file_name(path, &taken);
        let display = match prefix {
            Some(prefix) => name::unique(format!("{prefix}:{base}"), &taken),
            None => base,
        };
        // Everything in a file that appears later is new: read it from its start, live.
        self.spawn(SourceSpec::File(path.to_path_buf()), display, false)
    }

    /// Files given at start have a backlog (what they hold); streams have one only in
    /// `--no-follow`; files found later have none (all they hold is new).
    fn has_backlog(&self, spec: &SourceSpec, initial: bool) -> bool {
        match spec {
            SourceSpec::File(_) => initial,
            _ => !self.options.follow,
        }
    }

    fn handles(&self) -> (mpsc::Sender<SourceEvent>, Arc<WatchHub>, CancellationToken) {
        (self.tx.clone(), Arc::clone(&self.hub), self.cancel.clone())
    }

    /// Starts a source's task. `initial`: it was given at start (so it may have a backlog).
    fn spawn(&mut self, spec: SourceSpec, name: String, initial: bool) -> Option<SourceId> {
        let Ok(raw) = u16::try_from(self.sources.len()) else {
            self.notices
                .push_back(format!("too many sources; not following {name}"));
            return None;
        };
        let id = SourceId(raw);
        let follow = self.options.follow;
        let (tx, hub, cancel) = self.handles();
        let emit = Emitter::new(
            id,
            tx,
            self.has_backlog(&spec, initial),
            self.clock,
            Arc::clone(&self.pool),
        );
        match &spec {
            SourceSpec::File(path) => {
                let start = if initial {
                    self.options.start
                } else {
                    StartAt::Beginning
                };
                let options = file::TailOptions {
                    start,
                    follow,
                    big_file: self.options.big_file,
                };
                let tail = file::Tail::new(path.clone(), emit, options, cancel.clone());
                self.tasks.spawn(file::run(tail, hub, cancel));
            }
            SourceSpec::Stdin => {
                self.tasks.spawn(stdin::run(emit, cancel));
            }
            SourceSpec::Command(cmd) => {
                self.tasks.spawn(command::run(cmd.clone(), emit, cancel));
            }
            SourceSpec::Glob(_) => unreachable!("globs are expanded before spawning"),
        }
        self.sources.push(SourceInfo { name, spec });
        Some(id)
    }
}

/// How a source started at launch gets its display name.
#[derive(Debug, Clone)]
enum NameHint {
    /// From its path or command.
    Derived,
    /// The user's name for it.
    Given(String),
    /// The user's name for the glob it came from, put before the file's own name.
    Prefix(String),
}

/// Display names for the sources given at start: the user's, or derived and made unique.
fn display_names(planned: &[(SourceSpec, NameHint)]) -> Vec<String> {
    let files: Vec<&Path> = planned
        .iter()
        .filter_map(|(spec, _)| match spec {
            SourceSpec::File(p) => Some(p.as_path()),
            _ => None,
        })
        .collect();
    let mut file_names = name::file_names(&files).into_iter();
    let mut names: Vec<String> = Vec::with_capacity(planned.len());
    for (spec, hint) in planned {
        let derived = match spec {
            SourceSpec::File(_) => file_names.next().unwrap_or_default(),
            SourceSpec::Stdin => "stdin".to_owned(),
            SourceSpec::Command(cmd) => name::command_name(cmd),
            SourceSpec::Glob(pattern) => pattern.clone(),
        };
        let chosen = match hint {
            NameHint::Derived => derived,
            NameHint::Given(given) => given.clone(),
            NameHint::Prefix(prefix) => format!("{prefix}:{derived}"),
        };
        names.push(name::unique(chosen, &names));
    }
    names
}
