//! The TUI's core task: owns the store and the app state, takes engine events and keys, and
//! sends a snapshot of each frame to the render thread.
//!
//! One `select!`, in priority order: keys (applied and drawn at once), signals, the frame timer,
//! slices of background work (filter rebuilding, a long search), engine events. Line arrivals only mark the screen dirty; the
//! first change after a quiet spell is drawn at once, later ones are coalesced to at most 60
//! frames a second. When nothing changes no timer is armed: an idle logbraid does not wake up.

pub mod command;
pub mod copy;
pub mod detail;
pub mod hunt;
pub mod index;
pub mod keys;
pub mod rates;
pub mod snapshot;
pub mod state;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};

use self::copy::Multiplexer;
use self::rates::Rates;
use self::state::AppState;
use crate::engine::{Engine, EngineEvent};
use crate::orderer::Placement;
use crate::record::hide::Hide;
use crate::store::Store;
use crate::store::braid::Braid;
use crate::view::FrameSink;
use crate::view::terminal::TerminalGuard;
use crate::view::thread::RenderThread;

/// Shortest time between two frames (60 per second).
const FRAME: Duration = Duration::from_millis(16);
/// While rates or transient titles change with time alone.
const TICK: Duration = Duration::from_millis(500);

/// Runs the TUI until the user quits (or a signal, or the terminal goes away).
pub async fn run(engine: Engine, max_memory: usize, hide: Hide) -> io::Result<()> {
    let (width, height) = crossterm::terminal::size()?;
    let guard = TerminalGuard::enter()?;
    let render = RenderThread::spawn(guard)?;
    let size = Rect::new(0, 0, width, height);
    let options = Options {
        max_memory,
        hide,
        size,
    };
    let result = drive(engine, options, EventStream::new(), &render).await;
    let drawn = render.quit();
    result.and(drawn)
}

/// What the TUI starts with.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--max-memory`, in bytes.
    pub max_memory: usize,
    /// `--hide`.
    pub hide: Hide,
    /// The terminal's size.
    pub size: Rect,
}

/// The core loop over `engine`, taking terminal events from `input` and sending frames to
/// `frames`, until the user quits (or a signal, or the input ends); without a terminal of its
/// own, so that tests drive it with key streams.
pub async fn drive<I>(
    mut engine: Engine,
    options: Options,
    input: I,
    frames: &impl FrameSink,
) -> io::Result<()>
where
    I: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut core = Core::new(&engine, options.max_memory, options.size);
    core.state.hide = options.hide;
    core.state.multiplexer = Multiplexer::detect();
    core.state.names = Arc::clone(&core.names);
    let result = core.run(&mut engine, input, frames).await;
    engine.shutdown();
    result
}

/// The state the core task owns.
struct Core {
    store: Store,
    /// Big files' histories on their way into the store, braided by time.
    braid: Braid,
    state: AppState,
    rates: Rates,
    names: Arc<Vec<String>>,
    colors: bool,
    dirty: bool,
    /// Changes that do not show in a following pane (waiting lines gone into the history):
    /// drawn at the next tick, or with the next change.
    stale: bool,
    last_frame: Instant,
    /// `LOGBRAID_PANIC_ON_KEY`: a key that panics, for the test that the terminal is restored.
    panic_key: Option<char>,
}

impl Core {
    fn new(engine: &Engine, max_memory: usize, size: Rect) -> Self {
        Self {
            store: Store::new(max_memory),
            braid: Braid::new(engine.range()),
            state: AppState::new(engine.sources().len(), size),
            rates: Rates::default(),
            names: shown_names(engine),
            colors: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            dirty: true,
            stale: false,
            last_frame: Instant::now()
                .checked_sub(FRAME)
                .unwrap_or_else(Instant::now),
            panic_key: std::env::var("LOGBRAID_PANIC_ON_KEY")
                .ok()
                .and_then(|k| k.chars().next()),
        }
    }

    async fn run<I>(
        &mut self,
        engine: &mut Engine,
        mut terminal_events: I,
        render: &impl FrameSink,
    ) -> io::Result<()>
    where
        I: Stream<Item = io::Result<Event>> + Unpin,
    {
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sighup = signal(SignalKind::hangup())?;
        let mut engine_open = true;
        let mut work_turn = false;
        while !self.state.quit && !render.is_finished() {
            let now = Instant::now();
            let due = if self.dirty {
                Some(self.last_frame + FRAME)
            } else if self.stale || self.rates.active() || self.state.flashing(now) {
                Some(self.last_frame + TICK)
            } else {
                None
            };
            let busy = self.state.busy(&self.store);
            // Work slices take turns with engine events, so neither starves the other.
            work_turn = !work_turn;
            tokio::select! {
                biased;
                event = terminal_events.next() => match event {
                    Some(Ok(event)) => self.on_terminal_event(&event, engine, render),
                    // The terminal went away.
                    Some(Err(_)) | None => break,
                },
                _ = sigterm.recv() => break,
                _ = sighup.recv() => break,
                () = sleep_until(due), if due.is_some() => self.frame(engine, render),
                () = std::future::ready(()), if busy && work_turn => self.work(),
                event = engine.recv(), if engine_open => match event {
                    Some(event) => self.ingest(engine, event),
                    None => engine_open = false,
                },
                () = std::future::ready(()), if busy => self.work(),
            }
        }
        Ok(())
    }

    fn on_terminal_event(&mut self, event: &Event, engine: &Engine, render: &impl FrameSink) {
        match *event {
            Event::Key(key) => {
                if self
                    .panic_key
                    .is_some_and(|k| key.code == crossterm::event::KeyCode::Char(k))
                {
                    panic!("LOGBRAID_PANIC_ON_KEY: panicking as asked");
                }
                let action = keys::lookup(self.state.mode(), key);
                if let Some(action) = action {
                    self.state.apply(action, &self.store);
                }
                if let Some(sequence) = self.state.clipboard.take() {
                    render.copy(sequence);
                }
                if let Some(capture) = self.state.mouse_change.take() {
                    render.capture_mouse(capture);
                }
            }
            Event::Mouse(mouse) => self.state.on_mouse(mouse, &self.store),
            Event::Resize(width, height) => self.state.size = Rect::new(0, 0, width, height),
            _ => return,
        }
        // A key's effect is drawn at once, whatever the frame pacing.
        self.frame(engine, render);
    }

    fn ingest(&mut self, engine: &mut Engine, event: EngineEvent) {
        match event {
            EngineEvent::Ready => {
                let backlog = engine.in_backlog();
                self.store.arriving(jiff::Timestamp::now().as_millisecond());
                let (store, sources) = (&mut self.store, &self.state.sources);
                let mut slotted = Vec::new();
                let unseen = engine.drain(|id, batch, range, placement| match placement {
                    Placement::InOrder => store.append(id, batch, range),
                    Placement::Late(by) => store.append_late(id, batch, range, by),
                    // A paused source's new lines wait after its mark, wherever their time.
                    Placement::Slot
                        if sources.get(id.index()).is_some_and(|s| s.paused.is_some()) =>
                    {
                        let by = store.behind(batch.instants[range.start]);
                        store.append_late(id, batch, range, by);
                    }
                    Placement::Slot => slotted.push(store.slot(id, batch, range)),
                });
                for moved in &slotted {
                    self.state.renumber(moved);
                }
                if backlog {
                    self.rates.reset();
                }
                if !unseen {
                    // Lines shown while they waited went into the history: a following pane
                    // looks the same. The counts catch up within a tick, without taking the
                    // frame budget from the next new line.
                    self.stale = true;
                    return;
                }
            }
            // Shown at once below the braided lines (see `snapshot`); only the screen changes.
            EngineEvent::Waiting => {}
            EngineEvent::Status { id, status } => self.state.on_status(id, status),
            EngineEvent::Notice(text) => self.state.notice = Some(text),
            EngineEvent::History { id, part } => {
                self.store.refuse(id, part.skipped);
                self.state.on_history(id, part.done, part.total, part.last);
                // Braided with the other big files' histories; refused when it no longer
                // fits (the indexers then only count the rest).
                self.braid.part(id, part);
            }
            EngineEvent::Added(_) => {
                self.state.add_source();
                self.names = shown_names(engine);
                self.state.names = Arc::clone(&self.names);
            }
        }
        // Whatever the event, the braid may now place more: a part came, or the last source
        // said whether its history comes as parts.
        self.braid.place(
            &mut self.store,
            engine.histories_coming(),
            !engine.in_backlog(),
        );
        self.dirty = true;
    }

    /// A slice of background work: filter rebuilding, a search under way.
    fn work(&mut self) {
        self.state.work_slice(&self.store);
        self.dirty = true;
    }

    fn frame(&mut self, engine: &Engine, render: &impl FrameSink) {
        let now = Instant::now();
        self.rates.sample(now, &self.store, self.names.len());
        let waiting = engine.waiting();
        let ctx = snapshot::Context {
            names: Arc::clone(&self.names),
            rates: &self.rates,
            colors: self.colors,
            now,
            waiting: &waiting,
        };
        let snap = snapshot::build(&mut self.state, &self.store, &ctx);
        self.last_frame = now;
        self.stale = false;
        // When the render thread is still busy, this frame's changes wait for the next one.
        self.dirty = render.offer(Box::new(snap)).is_err();
    }
}

/// The sources' names as the screen shows them: made inert, since a file name can hold escape
/// sequences (`a\x1b[2Jb.log` is a valid name).
fn shown_names(engine: &Engine) -> Arc<Vec<String>> {
    Arc::new(
        engine
            .sources()
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                crate::sanitize::inert(s.name.as_bytes(), false, &mut out);
                String::from_utf8_lossy(&out).into_owned()
            })
            .collect(),
    )
}

/// Sleeps until `due` (never called without one).
async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due.into()).await;
    }
}
