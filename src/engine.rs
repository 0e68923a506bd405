//! The engine: the [`Supervisor`] that runs the sources, the [`Orderer`] that orders what they
//! send, and the channel between them — the one stream both the printer and the TUI consume.

use std::ops::Range;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::batch::StampedBatch;
use crate::merge::Waiting;
use crate::orderer::{Orderer, Placement};
use crate::source::big_file::History;
use crate::source::supervisor::{Discovery, Started, Supervisor};
use crate::source::{SourceEvent, SourceSpec, SourceStatus};
use crate::source_id::SourceId;
use crate::timestamp::moment::TimeRange;
use crate::timestamp::wall_nanos;

pub use crate::source::supervisor::{BIG_FILE, EngineOptions, MERGE_WINDOW, SourceDef, SourceInfo};

/// What the engine hands to its consumer.
#[derive(Debug)]
pub enum EngineEvent {
    /// Lines can be handed out now, in braid order: call [`Engine::drain`] (until it is
    /// called, `recv` keeps returning this).
    Ready,
    /// Live lines came in and wait in the merge window ([`Engine::waiting`]); only with
    /// [`EngineOptions::keeps_history`].
    Waiting,
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
    supervisor: Supervisor,
    orderer: Orderer,
    /// Every source has ended and the orderer was told so.
    finished: bool,
    /// Sources whose history is a big file's, coming in parts (see
    /// [`Engine::histories_coming`]).
    histories: Vec<SourceId>,
}

impl Engine {
    /// Starts every source. Must be called within a tokio runtime. Glob patterns that do not
    /// parse are returned as errors (bad usage).
    pub fn start(
        defs: Vec<SourceDef>,
        options: EngineOptions,
        cancel: CancellationToken,
    ) -> Result<Self, globset::Error> {
        let Started {
            supervisor,
            events,
            notices,
        } = Supervisor::start(defs, options, cancel)?;
        let sources = supervisor.sources().len();
        let mut orderer = Orderer::new(sources, options.merge_window, options.keeps_history);
        if options.keeps_history {
            for (id, source) in SourceId::all(sources).zip(supervisor.sources()) {
                if !matches!(source.spec, SourceSpec::File(_)) {
                    orderer.slot_later(id);
                }
            }
        }
        for text in notices {
            orderer.notice(text);
        }
        Ok(Self {
            rx: events,
            supervisor,
            orderer,
            finished: false,
            histories: Vec::new(),
        })
    }

    /// The sources, indexed by [`SourceId`].
    pub fn sources(&self) -> &[SourceInfo] {
        self.supervisor.sources()
    }

    /// True once any source was opened (a file read, a command started, stdin read).
    pub fn opened_any(&self) -> bool {
        self.orderer.opened_any()
    }

    /// True when [`recv`](Self::recv) would return without waiting. Takes in what the sources
    /// sent already first: some of it (a file a glob found again under another name) gives
    /// nothing to hand out, and a consumer that flushes when nothing is pending must not wait
    /// for it.
    pub fn has_pending(&mut self) -> bool {
        let (now, wall) = (Instant::now(), wall_nanos());
        while !self.orderer.has_pending(now, wall) {
            match self.rx.try_recv() {
                Ok(event) => self.absorb(event, now),
                Err(_) => return false,
            }
        }
        true
    }

    /// Hands out the lines that can go out now, in braid order (after [`EngineEvent::Ready`]):
    /// `emit(source, lines, range, placement)`. False when every line handed out was shown
    /// already while it waited ([`EngineEvent::Waiting`]).
    pub fn drain<F>(&mut self, emit: F) -> bool
    where
        F: FnMut(SourceId, &StampedBatch, Range<usize>, Placement),
    {
        let unseen = self.orderer.drain(Instant::now(), wall_nanos(), emit);
        for batch in self.orderer.take_spent() {
            self.supervisor.recycle(batch);
        }
        unseen
    }

    /// True while the backlogs (what sources held at start) are being braided.
    pub fn in_backlog(&self) -> bool {
        self.orderer.in_backlog()
    }

    /// The range lines are kept in (`--since`, `--until`): a big file's history, which does
    /// not pass through the sources' stamping, is held to it where it is braided.
    pub fn range(&self) -> TimeRange {
        self.supervisor.range()
    }

    /// The sources whose history is a big file's, coming in parts; complete once
    /// [`in_backlog`](Self::in_backlog) is false (a source says so before its backlog ends).
    pub fn histories_coming(&self) -> &[SourceId] {
        &self.histories
    }

    /// Live lines waiting in the merge window, in the order they would go out now.
    pub fn waiting(&self) -> Vec<Waiting<'_>> {
        self.orderer.waiting()
    }

    /// Stops every source; [`recv`](Self::recv) then drains what they sent and returns `None`.
    pub fn shutdown(&self) {
        self.supervisor.shutdown();
    }

    /// The next event, or `None` once every source has finished and all was handed over.
    pub async fn recv(&mut self) -> Option<EngineEvent> {
        loop {
            let now = Instant::now();
            if let Some(event) = self.orderer.pop(now, wall_nanos()) {
                return Some(event);
            }
            if self.supervisor.finished() {
                // Every source has finished: what they sent is all in the channel.
                match self.rx.try_recv() {
                    Ok(event) => self.absorb(event, now),
                    Err(_) if !self.finished => {
                        self.finished = true;
                        self.orderer.finish(self.supervisor.sources().len());
                    }
                    Err(_) => return None,
                }
                continue;
            }
            let deadline = self.orderer.next_deadline();
            tokio::select! {
                biased;
                event = self.rx.recv() => {
                    if let Some(event) = event {
                        self.absorb(event, Instant::now());
                    }
                }
                () = self.supervisor.join_next() => {}
                () = sleep_until(deadline), if deadline.is_some() => {}
            }
        }
    }

    /// Takes one source event in, arrived at `now`.
    fn absorb(&mut self, event: SourceEvent, now: Instant) {
        match event {
            SourceEvent::Backlog { id, lines } => self.orderer.backlog(id, lines),
            SourceEvent::BacklogDone { id } => self.orderer.backlog_done(id),
            SourceEvent::Lines { id, lines } => self.orderer.lines(id, lines, now),
            SourceEvent::Status { id, status } => self.orderer.status(id, status),
            SourceEvent::Notice(text) => self.orderer.notice(text),
            SourceEvent::History { id, part } => self.orderer.history(id, part),
            SourceEvent::HistoryComing { id } => self.histories.push(id),
            SourceEvent::Discovered { path, prefix } => {
                match self.supervisor.discovered(&path, prefix) {
                    Ok(id) => self.orderer.added(id),
                    Err(Discovery::Refused(notice)) => self.orderer.notice(notice),
                    Err(Discovery::Known(_)) => {}
                }
            }
        }
    }
}

/// Sleeps until `deadline` (never called without one).
async fn sleep_until(deadline: Option<Instant>) {
    if let Some(at) = deadline {
        tokio::time::sleep_until(at.into()).await;
    }
}
