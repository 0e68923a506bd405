//! The supervisor: expands globs, names sources, spawns one task per source and owns them.
//!
//! It decides nothing about order: what the tasks send goes to the engine's [`Orderer`]
//! (`crate::orderer`). It keeps the table of sources ([`SourceInfo`], indexed by [`SourceId`])
//! that both consumers read names from.
//!
//! [`Orderer`]: crate::orderer::Orderer

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::claims::{Claims, FileId, Owner};
use super::glob::GlobWatch;
use super::watch::WatchHub;
use super::{
    Backlog, Emitter, SourceEvent, SourceSpec, StartAt, command, file, generations, glob, name,
    stdin,
};
use crate::batch::{BufferPool, LineBatch};
use crate::source_id::SourceId;
use crate::timestamp::Clock;
use crate::timestamp::moment::TimeRange;

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
    /// instead of read (`SourceEvent::History`); `None`: always read (`--print` needs the
    /// lines themselves, in order).
    pub big_file: Option<u64>,
    /// The file logbraid writes (`-o`, or standard output redirected to a file): never read.
    pub output: Option<FileId>,
    /// Live lines are held at most this long to be braided by time (`--merge-window`; zero:
    /// arrival order).
    pub merge_window: Duration,
    /// The consumer keeps a history (the TUI): it is told when live lines start waiting in the
    /// window (it shows them at once), and the start does not wait for streams' first bursts
    /// (it slots them into the history by time when they come).
    pub keeps_history: bool,
    /// Only lines in this range are read or shown (`--since`, `--until`).
    pub range: TimeRange,
}

/// The default merge window, from measurements (docs/PERFORMANCE.md): long enough for lines of
/// commands on other machines (`ssh`, `kubectl`) to be braided, short enough to feel live.
pub const MERGE_WINDOW: Duration = Duration::from_millis(100);

/// The default size above which a file's history is indexed, not read (the TUI's).
pub const BIG_FILE: u64 = 64 << 20;

/// A source as the supervisor knows it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its display name (unique).
    pub name: String,
    /// What it reads.
    pub spec: SourceSpec,
}

/// What starting the sources given at launch produced.
pub struct Started {
    /// The supervisor, owning the tasks.
    pub supervisor: Supervisor,
    /// What the tasks send.
    pub events: mpsc::Receiver<SourceEvent>,
    /// Notices about the start (a glob matching nothing, too many sources).
    pub notices: Vec<String>,
}

/// The running sources; see the module docs.
pub struct Supervisor {
    tx: mpsc::Sender<SourceEvent>,
    hub: Arc<WatchHub>,
    pool: Arc<BufferPool>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    sources: Vec<SourceInfo>,
    options: EngineOptions,
    clock: Clock,
    claims: Arc<Claims>,
    /// A big file was given at start: the files given with it have their histories indexed
    /// too, whatever their size, so that all are braided.
    index_all: bool,
}

impl Supervisor {
    /// Starts every source. Must be called within a tokio runtime. Glob patterns that do not
    /// parse are returned as errors (bad usage).
    pub fn start(
        defs: Vec<SourceDef>,
        options: EngineOptions,
        cancel: CancellationToken,
    ) -> Result<Started, globset::Error> {
        let (tx, events) = mpsc::channel(EVENTS_CAPACITY);
        let mut supervisor = Self {
            tx,
            hub: WatchHub::new(),
            pool: Arc::default(),
            cancel,
            tasks: JoinSet::new(),
            sources: Vec::new(),
            options,
            clock: Clock::now(),
            claims: Arc::default(),
            index_all: false,
        };
        if let Some(output) = options.output {
            // Claimed before any source starts: no file task can read it back.
            let _ = supervisor.claims.claim(output, Owner::Output);
        }
        let mut notices = Vec::new();
        // Globs are expanded first so that every file's name is chosen knowing all the others.
        let mut expanded = Vec::new();
        for def in defs {
            match def.spec {
                SourceSpec::Glob(ref pattern) => {
                    let mut glob = GlobWatch::new(pattern, def.name.clone())?;
                    let found = glob.scan();
                    if found.is_empty() {
                        notices.push(format!("no file matches '{pattern}' yet"));
                    }
                    let hint = def.name.clone().map_or(NameHint::Derived, NameHint::Prefix);
                    expanded.extend(
                        found
                            .into_iter()
                            .map(|p| (SourceSpec::File(p), hint.clone())),
                    );
                    if options.follow {
                        let (tx, hub, cancel) = supervisor.handles();
                        supervisor.tasks.spawn(glob::run(glob, tx, hub, cancel));
                    }
                }
                spec => expanded.push((spec, def.name.map_or(NameHint::Derived, NameHint::Given))),
            }
        }
        supervisor.drop_repeats(&mut expanded, &mut notices);
        let mut histories = take_generations(&mut expanded);
        // One big file given: every file's history is indexed and braided with it (a small
        // file's read into memory would sit above the braid instead of in it); a log's
        // generations are indexed after it, spooled when compressed.
        supervisor.index_all = options.big_file.is_some_and(|threshold| {
            expanded.iter().any(|(spec, _)| match spec {
                SourceSpec::File(path) => {
                    std::fs::metadata(path).is_ok_and(|m| m.len() > threshold)
                }
                _ => false,
            })
        });
        // Source ids are 16 bits: beyond that, sources are not started (and must not be waited for).
        let most = usize::from(u16::MAX);
        if expanded.len() > most {
            notices.push(format!(
                "{} sources: following the first {most}",
                expanded.len()
            ));
            expanded.truncate(most);
        }
        // Every source started at launch has a backlog: what a file holds (after its older
        // generations), a stream's first burst.
        for (i, ((spec, _), name)) in expanded.iter().zip(display_names(&expanded)).enumerate() {
            let history = histories.get_mut(i).map(std::mem::take).unwrap_or_default();
            supervisor.spawn(spec.clone(), name, true, history);
        }
        Ok(Started {
            supervisor,
            events,
            notices,
        })
    }

    /// The range lines are kept in (`--since`, `--until`).
    pub fn range(&self) -> TimeRange {
        self.options.range
    }

    /// The sources, indexed by [`SourceId`].
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// Hands a consumed batch back, so that its buffer is reused by the next read.
    pub fn recycle(&self, batch: LineBatch) {
        self.pool.give(batch);
    }

    /// Stops every source.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// True once every task has ended (what they sent is then all in the channel).
    pub fn finished(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Waits for the next task to end.
    pub async fn join_next(&mut self) {
        self.tasks.join_next().await;
    }

    /// Starts following a file a glob found; its display name is derived from its path (after
    /// the glob's `prefix`) and made unique. Not when a source reads that file already, or it
    /// is logbraid's output, or no more sources can be started.
    pub fn discovered(
        &mut self,
        path: &Path,
        prefix: Option<String>,
    ) -> Result<SourceId, Discovery> {
        if let Some(id) = self.generation_of_source(path) {
            // A generation of a log we follow (logrotate at work): that log read its lines.
            return Err(Discovery::Known(id));
        }
        if let Some(id) = FileId::at(path)
            && let Some(owner) = self.claims.owner(id)
        {
            return Err(match owner {
                // Reached again under another name (a rotated generation a glob also matches):
                // its owner reads it, late lines included.
                Owner::Source(id) => Discovery::Known(id),
                Owner::Output => Discovery::Refused(format!(
                    "not reading {}: it is logbraid's own output",
                    path.display()
                )),
            });
        }
        let taken: Vec<String> = self.sources.iter().map(|s| s.name.clone()).collect();
        let base = name::unique_file_name(path, &taken);
        let display = match prefix {
            Some(prefix) => name::unique(format!("{prefix}:{base}"), &taken),
            None => base,
        };
        // Everything in a file that appears later is new: read it from its start, live.
        let spec = SourceSpec::File(path.to_path_buf());
        self.spawn(spec, display.clone(), false, Vec::new())
            .ok_or_else(|| Discovery::Refused(format!("too many sources; not following {display}")))
    }

    /// Drops files given at start that are logbraid's own output, or a file given (or matched)
    /// before under another name, each with a notice: a file is read once, and never its own
    /// output.
    fn drop_repeats(&self, planned: &mut Vec<(SourceSpec, NameHint)>, notices: &mut Vec<String>) {
        let mut seen: Vec<(FileId, PathBuf)> = Vec::new();
        planned.retain(|(spec, _)| {
            let SourceSpec::File(path) = spec else {
                return true;
            };
            let Some(id) = FileId::at(path) else {
                return true;
            };
            if self.options.output == Some(id) {
                notices.push(format!(
                    "not reading {}: it is logbraid's own output",
                    path.display()
                ));
                return false;
            }
            if let Some((_, first)) = seen.iter().find(|(known, _)| *known == id) {
                notices.push(format!(
                    "{} is the same file as {}: reading it once",
                    path.display(),
                    first.display()
                ));
                return false;
            }
            seen.push((id, path.clone()));
            true
        });
    }

    fn handles(&self) -> (mpsc::Sender<SourceEvent>, Arc<WatchHub>, CancellationToken) {
        (self.tx.clone(), Arc::clone(&self.hub), self.cancel.clone())
    }

    /// The file source whose log `path` is a rotated generation of, if any.
    fn generation_of_source(&self, path: &Path) -> Option<SourceId> {
        let live = generations::live_name(path.file_name()?.to_str()?)?;
        let live = path.with_file_name(live);
        let index = self
            .sources
            .iter()
            .position(|s| s.spec == SourceSpec::File(live.clone()))?;
        Some(SourceId(u16::try_from(index).ok()?))
    }

    /// Starts a source's task. `initial`: it was given at start (so it may have a backlog);
    /// `history`: a file's older generations, oldest first.
    fn spawn(
        &mut self,
        spec: SourceSpec,
        name: String,
        initial: bool,
        history: Vec<PathBuf>,
    ) -> Option<SourceId> {
        let raw = u16::try_from(self.sources.len())
            .ok()
            .filter(|&n| n <= SourceId::MAX.0)?;
        let id = SourceId(raw);
        let follow = self.options.follow;
        let (tx, hub, cancel) = self.handles();
        let backlog = match (&spec, initial) {
            (SourceSpec::File(_), true) => Backlog::History,
            (SourceSpec::File(_), false) => Backlog::Found,
            _ => Backlog::Burst { until_end: !follow },
        };
        let emit = Emitter::new(id, tx, backlog, self.clock, Arc::clone(&self.pool))
            .with_range(self.options.range);
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
                    big_file: match self.options.big_file {
                        Some(_) if initial && self.index_all => Some(0),
                        threshold => threshold,
                    },
                    discovered: !initial,
                };
                let claims = Arc::clone(&self.claims);
                let tail = file::Tail::new(path.clone(), emit, options, claims, cancel.clone())
                    .with_generations(history);
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

/// Why a file a glob found is not a new source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// That source reads the file already (under another name).
    Known(SourceId),
    /// Not followed, and the user should know why.
    Refused(String),
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

/// Takes the rotated generations of a log given with it (by name or by a glob: `app.log`,
/// `app.log.1`, `app.log.2.gz`) out of `planned`: they are that log's history, not sources of
/// their own. Returns, per source left, its generations oldest first.
fn take_generations(planned: &mut Vec<(SourceSpec, NameHint)>) -> Vec<Vec<PathBuf>> {
    let files: Vec<Option<PathBuf>> = planned
        .iter()
        .map(|(spec, _)| match spec {
            SourceSpec::File(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    // For each planned source, the index of the log it is a generation of.
    let owner: Vec<Option<usize>> = files
        .iter()
        .map(|path| {
            let path = path.as_ref()?;
            let live = generations::live_name(path.file_name()?.to_str()?)?;
            let live = path.with_file_name(live);
            files.iter().position(|f| f.as_ref() == Some(&live))
        })
        .collect();
    let mut found: Vec<Vec<PathBuf>> = vec![Vec::new(); planned.len()];
    for (i, owner) in owner.iter().enumerate() {
        if let (Some(owner), Some(path)) = (owner, &files[i]) {
            found[*owner].push(path.clone());
        }
    }
    let mut kept = Vec::new();
    for (i, (entry, history)) in std::mem::take(planned).into_iter().zip(found).enumerate() {
        if owner[i].is_some() {
            continue;
        }
        let ordered = match &files[i] {
            Some(live) if !history.is_empty() => generations::order(live, history),
            _ => Vec::new(),
        };
        planned.push(entry);
        kept.push(ordered);
    }
    kept
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
