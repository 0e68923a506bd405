//! The engine: the [`Supervisor`] that runs the sources, the [`Orderer`] that orders what they
//! send, and the channel between them — the one stream both the printer and the TUI consume.

use std::ops::Range;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::batch::LineBatch;
use crate::orderer::Orderer;
use crate::source::big_file::History;
use crate::source::supervisor::{Discovery, Started, Supervisor};
use crate::source::{SourceEvent, SourceStatus};
use crate::source_id::SourceId;

pub use crate::source::supervisor::{BIG_FILE, EngineOptions, SourceDef, SourceInfo};

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
    supervisor: Supervisor,
    orderer: Orderer,
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
            backlogs,
            notices,
        } = Supervisor::start(defs, options, cancel)?;
        let mut orderer = Orderer::new(&backlogs);
        for text in notices {
            orderer.notice(text);
        }
        Ok(Self {
            rx: events,
            supervisor,
            orderer,
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
        while !self.orderer.has_pending() {
            match self.rx.try_recv() {
                Ok(event) => self.absorb(event),
                Err(_) => return false,
            }
        }
        true
    }

    /// Hands out the backlog lines that can be merged now, in merged order (after
    /// [`EngineEvent::BacklogReady`]).
    pub fn drain_backlog<F>(&mut self, emit: F)
    where
        F: FnMut(SourceId, &LineBatch, Range<usize>),
    {
        self.orderer.drain_backlog(emit);
        for batch in self.orderer.take_spent() {
            self.supervisor.recycle(batch);
        }
    }

    /// Hands a consumed batch back, so that its buffer is reused by the next read.
    pub fn recycle(&self, batch: LineBatch) {
        self.supervisor.recycle(batch);
    }

    /// Stops every source; [`recv`](Self::recv) then drains what they sent and returns `None`.
    pub fn shutdown(&self) {
        self.supervisor.shutdown();
    }

    /// The next event, or `None` once every source has finished and all was handed over.
    pub async fn recv(&mut self) -> Option<EngineEvent> {
        loop {
            if let Some(event) = self.orderer.pop() {
                return Some(event);
            }
            if self.supervisor.finished() {
                // Every source has finished: what they sent is all in the channel.
                match self.rx.try_recv() {
                    Ok(event) => self.absorb(event),
                    Err(_) if self.orderer.in_backlog() => {
                        self.orderer.end_backlogs(self.supervisor.sources().len());
                    }
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
                () = self.supervisor.join_next() => {}
            }
        }
    }

    /// Takes one source event in.
    fn absorb(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::Backlog { id, lines } => self.orderer.backlog(id, lines),
            SourceEvent::BacklogDone { id } => self.orderer.backlog_done(id),
            SourceEvent::Lines { id, lines } => self.orderer.lines(id, lines),
            SourceEvent::Status { id, status } => self.orderer.status(id, status),
            SourceEvent::Notice(text) => self.orderer.notice(text),
            SourceEvent::History { id, part } => self.orderer.history(id, part),
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
