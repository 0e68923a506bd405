//! The TUI's core loop without a terminal: a real engine on real files, key events in, the
//! snapshots it would draw out.

mod common;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Dir, patience};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use logbraid::app::{self, Options};
use logbraid::engine::{Engine, EngineOptions, MERGE_WINDOW, SourceDef};
use logbraid::record::hide::Hide;
use logbraid::source::{SourceSpec, StartAt};
use logbraid::view::{FrameSink, ViewSnapshot};
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Keeps the newest frame.
#[derive(Default)]
struct Frames {
    last: Mutex<Option<Box<ViewSnapshot>>>,
    copied: Mutex<Vec<Vec<u8>>>,
}

impl FrameSink for Frames {
    fn offer(&self, snapshot: Box<ViewSnapshot>) -> Result<(), Box<ViewSnapshot>> {
        *self.last.lock().expect("frames") = Some(snapshot);
        Ok(())
    }

    fn is_finished(&self) -> bool {
        false
    }

    fn copy(&self, sequence: Vec<u8>) {
        self.copied.lock().expect("copies").push(sequence);
    }

    fn capture_mouse(&self, _capture: bool) {}
}

impl Frames {
    /// The merged pane's rows in the newest frame.
    fn merged(&self) -> Vec<String> {
        self.last
            .lock()
            .expect("frames")
            .as_ref()
            .map(|snap| {
                snap.panes[0]
                    .rows
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.text).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until the merged pane satisfies `done`.
    async fn wait(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + patience();
        loop {
            let rows = self.merged();
            if done(&rows) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A terminal event as the input stream gives it.
fn key(code: KeyCode) -> io::Result<Event> {
    let event: io::Result<Event> = Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_stream_filters_the_merged_pane_and_quits() {
    let dir = Dir::new();
    dir.write(
        "app.log",
        "2024-05-01 10:00:01,000 INFO starting\n\
         2024-05-01 10:00:02,000 ERROR boom\n\
         java.lang.IllegalStateException: x\n\
         2024-05-01 10:00:03,000 INFO fine\n",
    );
    let engine = Engine::start(
        vec![SourceDef {
            spec: SourceSpec::File(dir.path("app.log")),
            name: None,
        }],
        EngineOptions {
            follow: true,
            start: StartAt::Beginning,
            big_file: None,
            output: None,
            merge_window: MERGE_WINDOW,
            keeps_history: true,
            range: logbraid::timestamp::moment::TimeRange::default(),
        },
        CancellationToken::new(),
    )
    .expect("engine");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let input = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let frames = Arc::new(Frames::default());
    let sink = Arc::clone(&frames);
    let options = Options {
        max_memory: 64 << 20,
        hide: Hide::default(),
        size: Rect::new(0, 0, 100, 20),
    };
    let core = tokio::spawn(async move { app::drive(engine, options, input, &*sink).await });
    frames
        .wait("the file's lines", |rows| {
            rows.iter().any(|r| r.contains("fine"))
        })
        .await;
    for c in "fERROR".chars() {
        tx.send(key(KeyCode::Char(c))).expect("send");
    }
    tx.send(key(KeyCode::Enter)).expect("send");
    frames
        .wait("the filter", |rows| {
            rows.len() == 2 && rows[0].contains("ERROR boom") && rows[1].contains("IllegalState")
        })
        .await;
    // y: the cursor's record (its stack trace with it) goes to the clipboard, as OSC 52.
    tx.send(key(KeyCode::Char('y'))).expect("send");
    let deadline = Instant::now() + patience();
    while frames.copied.lock().expect("copies").is_empty() {
        assert!(Instant::now() < deadline, "nothing copied");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let copied = frames.copied.lock().expect("copies")[0].clone();
    let encoded = copied
        .strip_prefix(b"\x1b]52;c;")
        .and_then(|rest| rest.strip_suffix(b"\x07"))
        .expect("an OSC 52 sequence");
    let text = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    assert_eq!(
        String::from_utf8_lossy(&text),
        "2024-05-01 10:00:02,000 ERROR boom\njava.lang.IllegalStateException: x"
    );
    tx.send(key(KeyCode::Char('q'))).expect("send");
    let ended = tokio::time::timeout(patience(), core).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "q ends the loop: {ended:?}"
    );
}
