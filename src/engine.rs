//! The engine: starts every source, and turns their events into one ordered stream.
//!
//! It has two phases. In the *backlog* phase it collects the lines each file already holds
//! (all lines, in `--no-follow`) until every such source is done, and hands them over at once as
//! [`EngineEvent::Backlog`] for the timestamp merge; live lines that arrive meanwhile wait. Then
//! every event passes in arrival order. Both the printer and the TUI consume this stream.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::batch::LineBatch;
use crate::merge::StampedBatch;
use crate::source::glob::GlobWatch;
use crate::source::watch::WatchHub;
use crate::source::{
    Emitter, SourceEvent, SourceId, SourceSpec, SourceStatus, StartAt, command, file, glob, name,
    stdin,
};
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
}

/// A source as the engine knows it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its display name (unique).
    pub name: String,
    /// What it reads.
    pub spec: SourceSpec,
    /// Its last reported status.
    pub status: Option<SourceStatus>,
}

/// What the engine hands to its consumer.
#[derive(Debug)]
pub enum EngineEvent {
    /// Every source's backlog, indexed by source; merge with [`crate::merge::merge`].
    Backlog(Vec<Vec<StampedBatch>>),
    /// Live lines of one source.
    Lines {
        /// The source.
        id: SourceId,
        /// The lines.
        lines: LineBatch,
    },
    /// A source's status changed (also kept in [`Engine::sources`]).
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
}

/// The running sources and the ordering of what they send.
pub struct Engine {
    rx: mpsc::Receiver<SourceEvent>,
    tx: mpsc::Sender<SourceEvent>,
    hub: Arc<WatchHub>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    sources: Vec<SourceInfo>,
    options: EngineOptions,
    clock: Clock,
    /// `Some` during the backlog phase: the backlog collected per source.
    backlogs: Option<Vec<Vec<StampedBatch>>>,
    /// Sources whose backlog is not complete yet.
    backlog_pending: Vec<bool>,
    /// Live events that arrived during the backlog phase.
    held: VecDeque<EngineEvent>,
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
            cancel,
            tasks: JoinSet::new(),
            sources: Vec::new(),
            options,
            clock: Clock::now(),
            backlogs: Some(Vec::new()),
            backlog_pending: Vec::new(),
            held: VecDeque::new(),
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
                        let note = format!("no file matches '{pattern}' yet");
                        engine.held.push_back(EngineEvent::Notice(note));
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
        for ((spec, _), name) in expanded.iter().zip(display_names(&expanded)) {
            engine.spawn(spec.clone(), name, true);
        }
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
        !self.held.is_empty() || !self.rx.is_empty() || self.backlog_complete()
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
                    Ok(event) => {
                        if let Some(out) = self.absorb(event) {
                            return Some(out);
                        }
                        continue;
                    }
                    Err(_) => return self.end_backlog().or_else(|| self.held.pop_front()),
                }
            }
            tokio::select! {
                biased;
                event = self.rx.recv() => {
                    if let Some(out) = event.and_then(|e| self.absorb(e)) {
                        return Some(out);
                    }
                }
                _ = self.tasks.join_next() => {}
            }
        }
    }

    fn ready(&mut self) -> Option<EngineEvent> {
        if self.backlog_complete() {
            return self.end_backlog();
        }
        if self.backlogs.is_none() {
            self.held.pop_front()
        } else {
            None
        }
    }

    fn backlog_complete(&self) -> bool {
        self.backlogs.is_some() && !self.backlog_pending.contains(&true)
    }

    fn end_backlog(&mut self) -> Option<EngineEvent> {
        let mut backlogs = self.backlogs.take()?;
        backlogs.resize_with(self.sources.len(), Vec::new);
        Some(EngineEvent::Backlog(backlogs))
    }

    /// Takes one source event in; returns what to hand over now, if anything.
    fn absorb(&mut self, event: SourceEvent) -> Option<EngineEvent> {
        match event {
            SourceEvent::Backlog { id, lines } => match self.backlogs.as_mut() {
                Some(backlogs) => {
                    if backlogs.len() <= id.index() {
                        backlogs.resize_with(id.index() + 1, Vec::new);
                    }
                    backlogs[id.index()].push(lines);
                    None
                }
                None => Some(EngineEvent::Lines {
                    id,
                    lines: lines.lines,
                }),
            },
            SourceEvent::BacklogDone { id } => {
                if let Some(pending) = self.backlog_pending.get_mut(id.index()) {
                    *pending = false;
                }
                None
            }
            SourceEvent::Lines { id, lines } => self.pass(EngineEvent::Lines { id, lines }),
            SourceEvent::Status { id, status } => {
                self.opened_any |= status.opened();
                if let Some(info) = self.sources.get_mut(id.index()) {
                    info.status = Some(status.clone());
                }
                Some(EngineEvent::Status { id, status })
            }
            SourceEvent::Notice(text) => Some(EngineEvent::Notice(text)),
            SourceEvent::Discovered { path, prefix } => self.discovered(&path, prefix),
        }
    }

    /// Live events wait while the backlog phase lasts.
    fn pass(&mut self, event: EngineEvent) -> Option<EngineEvent> {
        if self.backlogs.is_some() {
            self.held.push_back(event);
            None
        } else {
            Some(event)
        }
    }

    fn discovered(&mut self, path: &Path, prefix: Option<String>) -> Option<EngineEvent> {
        let taken: Vec<String> = self.sources.iter().map(|s| s.name.clone()).collect();
        let base = name::unique_file_name(path, &taken);
        let display = match prefix {
            Some(prefix) => name::unique(format!("{prefix}:{base}"), &taken),
            None => base,
        };
        // Everything in a file that appears later is new: read it from its start, live.
        let id = self.spawn(SourceSpec::File(path.to_path_buf()), display, false)?;
        Some(EngineEvent::Added(id))
    }

    fn handles(&self) -> (mpsc::Sender<SourceEvent>, Arc<WatchHub>, CancellationToken) {
        (self.tx.clone(), Arc::clone(&self.hub), self.cancel.clone())
    }

    /// Starts a source's task. `initial`: it existed at start, so its content is backlog.
    fn spawn(&mut self, spec: SourceSpec, name: String, initial: bool) -> Option<SourceId> {
        let Ok(raw) = u16::try_from(self.sources.len()) else {
            self.held.push_back(EngineEvent::Notice(format!(
                "too many sources; not following {name}"
            )));
            return None;
        };
        let id = SourceId(raw);
        let follow = self.options.follow;
        // Files have a backlog (what they hold at start); streams do only in --no-follow.
        let has_backlog = match spec {
            SourceSpec::File(_) => initial,
            _ => !follow,
        };
        self.backlog_pending
            .push(has_backlog && self.backlogs.is_some());
        let (tx, hub, cancel) = self.handles();
        let emit = Emitter::new(id, tx, has_backlog && self.backlogs.is_some(), self.clock);
        match &spec {
            SourceSpec::File(path) => {
                let start = if initial {
                    self.options.start
                } else {
                    StartAt::Beginning
                };
                let tail = file::Tail::new(path.clone(), emit, start, follow, cancel.clone());
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
        self.sources.push(SourceInfo {
            name,
            spec,
            status: None,
        });
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
