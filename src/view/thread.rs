//! The render thread: owns the terminal, draws the newest snapshot it has been sent.
//!
//! It waits on a `sync_channel(1)`: the core `try_send`s a snapshot and, when the thread is
//! still drawing the previous one, keeps its changes for the next frame — frames never pile up,
//! and a slow terminal only lowers the frame rate. The thread touches nothing but the terminal
//! and what it receives; it never waits on a lock the core holds.

use std::io::{self, Stdout};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::terminal::TerminalGuard;
use super::{FrameSink, ViewSnapshot, draw};

/// What the core sends to the render thread.
pub enum RenderMsg {
    /// Draw this.
    Frame(Box<ViewSnapshot>),
    /// Write this clipboard sequence (never skipped, unlike frames).
    Clipboard(Vec<u8>),
    /// Capture the mouse, or give it to the terminal.
    Mouse(bool),
    /// Restore the terminal and stop.
    Quit,
}

/// The core's handle on the render thread.
pub struct RenderThread {
    tx: SyncSender<RenderMsg>,
    handle: JoinHandle<io::Result<()>>,
}

impl RenderThread {
    /// Starts the thread; it takes over the terminal (and restores it when it ends).
    pub fn spawn(guard: TerminalGuard) -> io::Result<Self> {
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        // Capacity 1: at most one frame waits; see the module docs.
        let (tx, rx) = sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("logbraid-render".into())
            .spawn(move || render_loop(terminal, &rx, guard))?;
        Ok(Self { tx, handle })
    }

    /// Stops the thread, which restores the terminal; returns its drawing error, if any.
    pub fn quit(self) -> io::Result<()> {
        // Blocks at most one frame's time.
        let _ = self.tx.send(RenderMsg::Quit);
        self.handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the render thread panicked")))
    }
}

impl FrameSink for RenderThread {
    fn offer(&self, snapshot: Box<ViewSnapshot>) -> Result<(), Box<ViewSnapshot>> {
        match self.tx.try_send(RenderMsg::Frame(snapshot)) {
            Err(
                TrySendError::Full(RenderMsg::Frame(s))
                | TrySendError::Disconnected(RenderMsg::Frame(s)),
            ) => Err(s),
            _ => Ok(()),
        }
    }

    fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    fn copy(&self, sequence: Vec<u8>) {
        // Waits at most for the frame being drawn.
        let _ = self.tx.send(RenderMsg::Clipboard(sequence));
    }

    fn capture_mouse(&self, capture: bool) {
        let _ = self.tx.send(RenderMsg::Mouse(capture));
    }
}

/// Writes a sequence logbraid made (never log text) straight to the terminal.
fn write_sequence(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    sequence: &[u8],
) -> io::Result<()> {
    use std::io::Write as _;
    let out = terminal.backend_mut();
    out.write_all(sequence)?;
    out.flush()
}

fn mouse(terminal: &mut Terminal<CrosstermBackend<Stdout>>, capture: bool) -> io::Result<()> {
    if capture {
        execute!(terminal.backend_mut(), EnableMouseCapture)
    } else {
        execute!(terminal.backend_mut(), DisableMouseCapture)
    }
}

fn render_loop(
    mut terminal: Terminal<CrosstermBackend<Stdout>>,
    rx: &Receiver<RenderMsg>,
    guard: TerminalGuard,
) -> io::Result<()> {
    let result = (|| {
        while let Ok(msg) = rx.recv() {
            let mut snapshot = match msg {
                RenderMsg::Frame(snapshot) => snapshot,
                RenderMsg::Clipboard(sequence) => {
                    write_sequence(&mut terminal, &sequence)?;
                    continue;
                }
                RenderMsg::Mouse(capture) => {
                    mouse(&mut terminal, capture)?;
                    continue;
                }
                RenderMsg::Quit => break,
            };
            // Last render wins: skip to the newest frame waiting (a clipboard sequence is
            // written all the same).
            loop {
                match rx.try_recv() {
                    Ok(RenderMsg::Frame(newer)) => snapshot = newer,
                    Ok(RenderMsg::Clipboard(sequence)) => write_sequence(&mut terminal, &sequence)?,
                    Ok(RenderMsg::Mouse(capture)) => mouse(&mut terminal, capture)?,
                    Ok(RenderMsg::Quit) | Err(TryRecvError::Disconnected) => return Ok(()),
                    Err(TryRecvError::Empty) => break,
                }
            }
            execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
            terminal.draw(|frame| draw::draw(frame, &snapshot))?;
            execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
        }
        Ok(())
    })();
    drop(guard);
    result
}
