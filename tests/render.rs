//! The screens, drawn from real app state into ratatui's `TestBackend` and compared with insta
//! snapshots (`tests/snapshots/`); colours that carry meaning are checked cell by cell.

use std::sync::Arc;
use std::time::Instant;

use logbraid::app::keys::{Action, PromptKind};
use logbraid::app::rates::Rates;
use logbraid::app::snapshot::{self, Context};
use logbraid::app::state::AppState;
use logbraid::batch::{LineBatch, StampedBatch};
use logbraid::merge::Waiting;
use logbraid::source::big_file;
use logbraid::source_id::SourceId;
use logbraid::store::Store;
use logbraid::view::draw;
use logbraid::view::layout::{LayoutMode, PaneId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Color;
use tokio_util::sync::CancellationToken;

const NAMES: [&str; 3] = ["api.log", "worker.log", "db-proxy.log"];

/// A store with `n` lines spread over the three sources, as services would write them.
fn store_with(n: u64) -> Store {
    let mut store = Store::new(64 << 20);
    for i in 0..n {
        let source = u16::try_from(i % 3).unwrap_or(0);
        let line = match (source, i % 7) {
            (0, 0) => format!(
                "2026-11-24 10:00:{:02},000 ERROR request {i} failed: pool exhausted",
                i % 60
            ),
            (0, _) => format!(
                "2026-11-24 10:00:{:02},000 INFO  GET /api/orders/{i} 200",
                i % 60
            ),
            (1, _) => format!(
                r#"{{"ts":"2026-11-24T10:00:{:02}Z","level":"info","job":"email.send","n":{i}}}"#,
                i % 60
            ),
            _ => format!(
                "Nov 24 10:00:{:02} db-proxy[311]: WARN slow query #{i}",
                i % 60
            ),
        };
        append(&mut store, source, &line);
    }
    store
}

/// One line whose instant does not matter here.
fn unstamped(line: impl AsRef<[u8]>) -> StampedBatch {
    StampedBatch {
        lines: LineBatch::from_lines([line]),
        instants: vec![0],
        continued: Vec::new(),
    }
}

fn append(store: &mut Store, source: u16, line: impl AsRef<[u8]>) {
    store.append(SourceId(source), &unstamped(line), 0..1);
}

fn names(n: usize) -> Arc<Vec<String>> {
    Arc::new(
        (0..n)
            .map(|i| {
                NAMES
                    .get(i)
                    .map_or_else(|| format!("svc-{i:02}.log"), |s| (*s).to_owned())
            })
            .collect(),
    )
}

/// Draws what the TUI would show for `state` over `store`.
fn screen(state: &mut AppState, store: &Store, width: u16, height: u16) -> Terminal<TestBackend> {
    screen_waiting(state, store, &[], width, height)
}

/// Draws what the TUI would show for `state` over `store`, with `waiting` lines in the merge
/// window.
fn screen_waiting(
    state: &mut AppState,
    store: &Store,
    waiting: &[Waiting<'_>],
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    state.size = Rect::new(0, 0, width, height);
    while state.busy(store) {
        state.work_slice(store);
    }
    let rates = Rates::default();
    let ctx = Context {
        names: names(usize::from(state.sources())),
        rates: &rates,
        colors: true,
        now: Instant::now(),
        waiting,
    };
    let snap = snapshot::build(state, store, &ctx);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| draw::draw(frame, &snap))
        .expect("draw");
    terminal
}

fn type_text(state: &mut AppState, store: &Store, text: &str) {
    for c in text.chars() {
        state.apply(Action::Type(c), store);
    }
}

#[test]
fn split_layout() {
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    insta::assert_snapshot!(screen(&mut state, &store, 100, 30).backend());
}

#[test]
fn other_layouts() {
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::CycleLayout, &store);
    assert_eq!(state.layout, LayoutMode::MergedOnly);
    insta::assert_snapshot!("merged_only", screen(&mut state, &store, 80, 12).backend());
    state.apply(Action::CycleLayout, &store);
    insta::assert_snapshot!("sources_only", screen(&mut state, &store, 80, 12).backend());
    assert_eq!(
        state.focus,
        PaneId::Source(SourceId(0)),
        "the merged pane is gone: focus moved"
    );
    state.apply(Action::FocusSource(1), &store);
    state.apply(Action::CycleLayout, &store);
    assert_eq!(state.layout, LayoutMode::Zoom);
    insta::assert_snapshot!(
        "zoom_on_worker",
        screen(&mut state, &store, 80, 12).backend()
    );
}

#[test]
fn a_paused_source_shows_how_many_lines_wait() {
    let mut store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::FocusSource(1), &store);
    state.apply(Action::TogglePause, &store);
    for i in 0..5 {
        append(
            &mut store,
            1,
            format!(r#"{{"level":"info","msg":"after the pause {i}"}}"#),
        );
        append(
            &mut store,
            0,
            format!("2026-11-24 10:01:00,000 INFO  still moving {i}"),
        );
    }
    let terminal = screen(&mut state, &store, 100, 24);
    insta::assert_snapshot!(terminal.backend());
    let text = terminal.backend().to_string();
    assert!(text.contains("PAUSED +5 new"));
    assert!(text.contains("still moving 4"), "the other panes go on");
    assert!(
        !text.contains("after the pause"),
        "the paused source's new lines wait"
    );
    // Resuming shows them, in the merged pane too.
    state.apply(Action::TogglePause, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(text.contains("after the pause 4") && !text.contains("PAUSED"));
}

#[test]
fn a_filter_keeps_matching_lines_and_highlights_the_match() {
    let store = store_with(90);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "ERROR|WARN");
    state.apply(Action::Submit, &store);
    let terminal = screen(&mut state, &store, 100, 24);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    let merged_rows: Vec<String> = (1..24u16)
        .map(|y| {
            (1..99u16)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .take_while(|row| row.contains('│'))
        .collect();
    assert!(merged_rows.len() > 5);
    assert!(
        merged_rows
            .iter()
            .all(|r| r.contains("ERROR") || r.contains("WARN")),
        "{merged_rows:#?}"
    );
    let hit =
        (0..100u16).find(|&x| buffer[(x, 1)].symbol() == "W" && buffer[(x + 1, 1)].symbol() == "A");
    let hit = hit.expect("a WARN on the first merged row");
    assert_eq!(
        buffer[(hit, 1)].bg,
        Color::Yellow,
        "the match is highlighted"
    );
}

#[test]
fn an_invalid_filter_keeps_the_previous_one() {
    let store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "ERROR");
    type_text(&mut state, &store, "(");
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(text.contains("unclosed group"), "the error is shown");
    let merged: Vec<&str> = text
        .lines()
        .skip(1)
        .take(10)
        .filter(|l| l.contains("│ 2026"))
        .collect();
    assert!(
        !merged.is_empty() && merged.iter().all(|l| l.contains("ERROR")),
        "ERROR stays in force: {merged:#?}"
    );
    state.apply(Action::Cancel, &store);
    assert!(
        state.panes[0].include_text.is_none(),
        "Esc restores what was before the prompt"
    );
}

#[test]
fn help_overlay() {
    let store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::ToggleHelp, &store);
    insta::assert_snapshot!(screen(&mut state, &store, 100, 30).backend());
    // Too low for every key: the overlay says how many it leaves out.
    let low = screen(&mut state, &store, 100, 20).backend().to_string();
    assert!(low.contains("more: a taller terminal shows them"), "{low}");
}

#[test]
fn hostile_lines_are_shown_inert() {
    let mut store = Store::new(1 << 20);
    append(
        &mut store,
        0,
        "title \x1b]0;pwned\x07 clipboard \x1b]52;c;ZXZpbA==\x1b\\ end",
    );
    append(
        &mut store,
        0,
        "clear \x1b[2J\x1b[H home, cursor \x1b[10A up, bell \x07, c1 \u{9b}31m",
    );
    append(
        &mut store,
        0,
        "overwrite\rEVIL\x08\x08 and a lone esc at the end \x1b",
    );
    append(
        &mut store,
        0,
        b"bad utf-8 \xff\xfe and colour \x1b[31mred\x1b[0m ok",
    );
    let mut state = AppState::new(1, Rect::new(0, 0, 100, 8));
    state.layout = LayoutMode::MergedOnly;
    let terminal = screen(&mut state, &store, 100, 8);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    for cell in &buffer.content {
        assert!(
            cell.symbol().chars().all(|c| !c.is_control()),
            "a control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    let text = terminal.backend().to_string();
    assert!(text.contains("^[]0;pwned^G") && text.contains("^[[2J") && text.contains("<U+009B>"));
    let red = (0..100u16).find(|&x| {
        buffer[(x, 4)].symbol() == "r"
            && buffer[(x + 1, 4)].symbol() == "e"
            && buffer[(x + 2, 4)].symbol() == "d"
    });
    assert_eq!(
        red.map(|x| buffer[(x, 4)].fg),
        Some(Color::Red),
        "SGR colours are rendered"
    );
}

#[test]
fn narrow_terminal() {
    let store = store_with(40);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    insta::assert_snapshot!(screen(&mut state, &store, 60, 15).backend());
}

#[test]
fn many_sources_become_tabs() {
    let mut store = Store::new(1 << 20);
    for i in 0..25u16 {
        append(&mut store, i, format!("line from service {i}"));
    }
    let mut state = AppState::new(25, Rect::new(0, 0, 100, 24));
    state.apply(Action::FocusSource(4), &store);
    insta::assert_snapshot!(screen(&mut state, &store, 100, 24).backend());
}

/// The rows of the merged pane in the frame `state` would draw, and which one has the cursor.
/// The snapshot the next frame draws (nothing waiting in the merge window).
fn snapshot_of(state: &mut AppState, store: &Store) -> logbraid::view::ViewSnapshot {
    let rates = Rates::default();
    let ctx = Context {
        names: names(usize::from(state.sources())),
        rates: &rates,
        colors: true,
        now: Instant::now(),
        waiting: &[],
    };
    snapshot::build(state, store, &ctx)
}

/// The text of the merged pane's cursor row in the next frame.
fn cursor_text(state: &mut AppState, store: &Store) -> String {
    let (rows, cursor) = merged_rows(state, store);
    cursor.map(|c| rows[c].clone()).unwrap_or_default()
}

fn merged_rows(state: &mut AppState, store: &Store) -> (Vec<String>, Option<usize>) {
    let snap = snapshot_of(state, store);
    let rows = &snap.panes[0].rows;
    (
        rows.iter()
            .map(|r| String::from_utf8_lossy(&r.text).into_owned())
            .collect(),
        rows.iter().position(|r| r.cursor),
    )
}

/// The cursor: `k` moves it up and the pane stops following (counting what arrives below), the
/// view scrolls only when the cursor would leave it, the cursor stays on its line while lines
/// arrive, and `G` puts it back on the last line, following.
#[test]
fn the_cursor_moves_the_view_follows_it_and_g_follows_again() {
    let mut store = store_with(90);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    let (rows, cursor) = merged_rows(&mut state, &store);
    assert_eq!(
        cursor,
        Some(rows.len() - 1),
        "following: the cursor is on the last line"
    );
    state.apply(Action::Up(5), &store);
    let (rows, cursor) = merged_rows(&mut state, &store);
    let on = cursor.map(|c| rows[c].clone());
    assert_eq!(
        cursor,
        Some(rows.len() - 6),
        "five lines up, the view still"
    );
    let before = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(before.contains("↓ 0 below"), "{before}");
    for i in 0..4 {
        append(
            &mut store,
            0,
            format!("2026-11-24 10:02:00,000 INFO  new {i}"),
        );
    }
    let (rows, cursor) = merged_rows(&mut state, &store);
    assert_eq!(
        cursor.map(|c| rows[c].clone()),
        on,
        "the cursor stays on its line"
    );
    let after = screen(&mut state, &store, 100, 24).backend().to_string();
    let merged: String = after.lines().take(11).collect();
    assert!(
        after.contains("↓ 4 below") && !merged.contains("new 3"),
        "the view stays put:\n{after}"
    );
    assert!(after.contains("new 3"), "the source pane goes on following");
    state.apply(Action::Up(20), &store);
    let (_, cursor) = merged_rows(&mut state, &store);
    assert_eq!(
        cursor,
        Some(0),
        "past the top row, the view scrolls with the cursor"
    );
    state.apply(Action::Bottom, &store);
    let (rows, cursor) = merged_rows(&mut state, &store);
    assert_eq!(cursor, Some(rows.len() - 1));
    let back = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(
        back.contains("new 3") && !back.contains("below"),
        "G follows again:\n{back}"
    );
}

/// Lines still in the merge window show at once below the braided ones, in braid order, in the
/// panes that follow (not in a paused one); a line the braid placed by arrival is marked late.
#[test]
fn waiting_lines_show_at_once_and_late_lines_are_marked() {
    let mut store = Store::new(64 << 20);
    append(&mut store, 0, "10:00:01 api braided");
    store.append_late(
        SourceId(1),
        &unstamped("09:59:00 worker came late"),
        0..1,
        std::time::Duration::from_secs(61),
    );
    let waiting = [
        Waiting {
            source: SourceId(1),
            instant: 2,
            text: b"10:00:02 worker waiting, older",
        },
        Waiting {
            source: SourceId(0),
            instant: 3,
            text: b"10:00:03 api waiting, newer",
        },
    ];
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    let shown = screen_waiting(&mut state, &store, &waiting, 100, 24)
        .backend()
        .to_string();
    let merged: Vec<&str> = shown.lines().take(11).collect();
    let at = |needle: &str| merged.iter().position(|l| l.contains(needle));
    let order = [
        at("api braided"),
        at("worker came late"),
        at("worker waiting"),
        at("api waiting"),
    ];
    assert!(
        order.iter().all(Option::is_some) && order.windows(2).all(|w| w[0] < w[1]),
        "braided, late, then waiting in braid order:\n{shown}"
    );
    let late_row = merged[order[1].unwrap_or(0)];
    assert!(late_row.contains("~ 09:59:00"), "late mark: {late_row}");
    // Pausing the worker holds its waiting line back, in the merged pane too.
    state.apply(Action::FocusSource(1), &store);
    state.apply(Action::TogglePause, &store);
    let paused = screen_waiting(&mut state, &store, &waiting, 100, 24)
        .backend()
        .to_string();
    assert!(!paused.contains("worker waiting"), "{paused}");
    assert!(paused.contains("api waiting"), "{paused}");
}

#[test]
fn search_highlights_and_jumps_between_matches() {
    let store = store_with(300);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::Prompt(PromptKind::Search), &store);
    // Errors are logged for requests 0, 21, 42, … 294; these two are far apart.
    type_text(&mut state, &store, "request (21|210) ");
    state.apply(Action::Submit, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    let merged: String = text.lines().take(11).collect();
    assert!(
        merged.contains("request 210 failed"),
        "jumped to the newest match above:\n{text}"
    );
    assert!(text.contains("search /request (21|210) /"), "{text}");
    state.apply(Action::OlderMatch, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    let merged: String = text.lines().take(11).collect();
    assert!(
        merged.contains("request 21 failed") && !merged.contains("request 210"),
        "{text}"
    );
    state.apply(Action::OlderMatch, &store);
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("no older match"))
    );
    state.apply(Action::NewerMatch, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(
        text.lines()
            .take(11)
            .collect::<String>()
            .contains("request 210 failed"),
        "{text}"
    );
}

/// A match 100,000 lines up is not searched for within one key: the walk goes on in slices
/// between events (the status says so), lands on it, and any other key abandons a walk.
#[test]
fn a_far_search_goes_on_in_slices_and_another_key_abandons_it() {
    let store = store_with(100_000);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::Prompt(PromptKind::Search), &store);
    type_text(&mut state, &store, "request 21 ");
    state.apply(Action::Submit, &store);
    assert!(state.busy(&store), "still walking after the key");
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("searching")),
        "{:?}",
        state.notice
    );
    state.apply(Action::Up(1), &store);
    assert!(!state.busy(&store), "a key abandons the walk");
    state.apply(Action::OlderMatch, &store);
    let wheel = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::ScrollUp,
        column: 5,
        row: 5,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    state.on_mouse(wheel, &store);
    assert!(!state.busy(&store), "so does the mouse wheel");
    state.apply(Action::OlderMatch, &store);
    let mut slices = 0;
    while state.busy(&store) {
        state.work_slice(&store);
        slices += 1;
    }
    assert!(slices >= 2, "{slices} slices");
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    let merged: String = text.lines().take(11).collect();
    assert!(merged.contains("request 21 failed"), "{text}");
}

/// A big file's history arrives after its last lines, newest first, read back from the file:
/// titles say how far the indexing is, and once it is done the top is the file's first line.
#[test]
fn a_big_files_history_fills_in_above_with_its_progress() {
    use std::io::Write as _;
    let mut store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    let mut file = tempfile::tempfile().expect("temp file");
    for i in 0..40_000 {
        writeln!(file, "2026-11-24 09:00:00,000 INFO  history line {i:05}").expect("write");
    }
    let len = file.metadata().expect("metadata").len();
    let file = Arc::new(file);
    let mut parts = Vec::new();
    big_file::index(
        &file,
        0..len,
        None,
        &CancellationToken::new(),
        unstamped_history(),
        |part| {
            parts.push(part);
            true
        },
    )
    .expect("index");
    let mut parts = parts.into_iter();
    let first = parts.next().expect("a first part");
    assert!(!first.last);
    assert!(store.prepend(SourceId(1), first.lines));
    state.on_history(SourceId(1), first.done, first.total, first.last);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    let titles: Vec<&str> = text.lines().filter(|l| l.contains("indexing")).collect();
    assert_eq!(titles.len(), 2, "the merged pane and worker.log's:\n{text}");
    for part in parts {
        assert!(part.lines.is_empty() || store.prepend(SourceId(1), part.lines));
        state.on_history(SourceId(1), part.done, part.total, part.last);
    }
    state.apply(Action::Top, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(!text.contains("indexing"), "{text}");
    let merged: Vec<&str> = text.lines().skip(1).take(2).collect();
    assert!(merged[0].contains("history line 00000"), "{text}");
    assert!(merged[1].contains("history line 00001"), "{text}");
    assert_eq!(store.source_len(SourceId(1)), 40_000 + 10);
}

#[test]
fn minimum_level_and_hidden_sources() {
    let store = store_with(90);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    for _ in 0..3 {
        state.apply(Action::CycleLevel, &store);
    }
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(text.contains("level WARN+"));
    let merged: Vec<&str> = text.lines().take(11).filter(|l| l.contains("│ ")).collect();
    assert!(
        merged
            .iter()
            .all(|l| l.contains("ERROR") || l.contains("WARN")),
        "{merged:#?}"
    );
    state.apply(Action::CycleLevel, &store);
    state.apply(Action::CycleLevel, &store);
    state.apply(Action::FocusSource(2), &store);
    state.apply(Action::ToggleHidden, &store);
    let text = screen(&mut state, &store, 100, 24).backend().to_string();
    let merged: Vec<&str> = text.lines().take(11).filter(|l| l.contains("│ ")).collect();
    assert!(
        !merged.is_empty() && merged.iter().all(|l| !l.contains("db-proxy")),
        "{merged:#?}"
    );
    assert!(text.contains("1 hidden"));
}

#[test]
fn wrap_shows_the_whole_line() {
    let mut store = Store::new(1 << 20);
    append(&mut store, 0, format!("start {} end", "x".repeat(150)));
    let mut state = AppState::new(1, Rect::new(0, 0, 60, 10));
    state.layout = LayoutMode::MergedOnly;
    let cut = screen(&mut state, &store, 60, 10).backend().to_string();
    assert!(!cut.contains("end"));
    state.apply(Action::ToggleWrap, &store);
    let wrapped = screen(&mut state, &store, 60, 10).backend().to_string();
    assert!(wrapped.contains("end"), "{wrapped}");
}

#[test]
fn no_color_draws_without_colours() {
    let mut store = Store::new(1 << 20);
    append(
        &mut store,
        0,
        "2026-11-24 10:00:00,000 ERROR boom \x1b[31mred\x1b[0m",
    );
    let mut state = AppState::new(1, Rect::new(0, 0, 80, 6));
    state.layout = LayoutMode::MergedOnly;
    state.size = Rect::new(0, 0, 80, 6);
    let rates = Rates::default();
    let ctx = Context {
        names: names(1),
        rates: &rates,
        colors: false,
        now: Instant::now(),
        waiting: &[],
    };
    let snap = snapshot::build(&mut state, &store, &ctx);
    let mut terminal = Terminal::new(TestBackend::new(80, 6)).expect("test terminal");
    terminal
        .draw(|frame| draw::draw(frame, &snap))
        .expect("draw");
    for cell in &terminal.backend().buffer().content {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "a colour under NO_COLOR at {:?}",
            cell.symbol()
        );
    }
    assert!(terminal.backend().to_string().contains("ERROR boom red"));
}

/// Lines of `source` at the given instants (seconds after 10:00), named by them.
fn at_seconds(source: u16, seconds: &[i64], tag: &str) -> StampedBatch {
    StampedBatch {
        lines: LineBatch::from_lines(
            seconds
                .iter()
                .map(|s| format!("10:00:{s:02} {} {tag}", NAMES[usize::from(source)])),
        ),
        instants: seconds.iter().map(|s| s * 1_000_000_000).collect(),
        continued: Vec::new(),
    }
}

/// The texts pane `slot` would show, newest last.
fn pane_texts(state: &AppState, store: &Store, slot: usize) -> Vec<String> {
    let mut seqs: Vec<u64> = state.lines(slot).rev_from(store, u64::MAX).collect();
    seqs.reverse();
    seqs.iter()
        .filter_map(|&s| store.line(s))
        .map(|l| String::from_utf8_lossy(&l.text).into_owned())
        .collect()
}

/// A burst slotted into the history renumbers lines: a scrolled view stays on its line, a
/// paused source keeps its later lines held back, a filter sees the burst in its place.
#[test]
fn a_slotted_burst_keeps_views_pauses_and_filters_on_their_lines() {
    let mut store = Store::new(64 << 20);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    store.append(SourceId(0), &at_seconds(0, &[1, 3], "keep"), 0..2);
    store.append(SourceId(2), &at_seconds(2, &[4], "keep"), 0..1);
    store.append(SourceId(0), &at_seconds(0, &[5, 7, 9], "keep"), 0..3);
    state.apply(Action::FocusSource(2), &store);
    state.apply(Action::TogglePause, &store);
    store.append(SourceId(2), &at_seconds(2, &[8], "held"), 0..1);
    state.apply(Action::FocusMerged, &store);
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "keep|held");
    state.apply(Action::Submit, &store);
    screen(&mut state, &store, 100, 24);
    state.apply(Action::Up(2), &store);
    let bottom = |state: &AppState, store: &Store| {
        let seq = state.bottom(0, store).expect("a line");
        String::from_utf8_lossy(&store.line(seq).expect("retained").text).into_owned()
    };
    let before = bottom(&state, &store);
    screen(&mut state, &store, 100, 24);

    let burst = at_seconds(1, &[2, 6], "keep");
    let slotted = store.slot(SourceId(1), &burst, 0..2);
    state.renumber(&slotted);
    screen(&mut state, &store, 100, 24);

    assert_eq!(bottom(&state, &store), before, "the view stays on its line");
    assert_eq!(
        pane_texts(&state, &store, 0),
        [
            "10:00:01 api.log keep",
            "10:00:02 worker.log keep",
            "10:00:03 api.log keep",
            "10:00:04 db-proxy.log keep",
            "10:00:05 api.log keep",
            "10:00:06 worker.log keep",
            "10:00:07 api.log keep",
            "10:00:09 api.log keep",
        ],
        "the burst in its place, the paused source's later line still held back"
    );
    state.apply(Action::TogglePause, &store);
    state.apply(Action::FocusSource(2), &store);
    state.apply(Action::TogglePause, &store);
    screen(&mut state, &store, 100, 24);
    assert!(
        pane_texts(&state, &store, 0).contains(&"10:00:08 db-proxy.log held".to_owned()),
        "resumed, it shows"
    );
}

/// A JSON source beside a text one: records rendered (time, level, message, then fields), text
/// lines as they are; `r` shows the focused pane's records raw.
fn structured_store() -> Store {
    let mut store = Store::new(64 << 20);
    store.arriving(arrived_ms("2026-11-24T10:00:05.125Z"));
    append(
        &mut store,
        0,
        r#"{"time":"2026-11-24T10:00:01.250Z","level":"info","msg":"GET /orders","http":{"status":200,"ms":12},"pid":7}"#,
    );
    append(
        &mut store,
        1,
        "2026-11-24 10:00:02,000 INFO worker picked job 42",
    );
    append(
        &mut store,
        0,
        r#"{"time":"2026-11-24T10:00:03.500Z","level":"error","msg":"db down","err":"connect refused\n  at pool.rs:88","pid":7}"#,
    );
    append(
        &mut store,
        1,
        r#"ts=2026-11-24T10:00:04Z level=warn msg="queue slow" depth=120"#,
    );
    store
}

#[test]
fn structured_records_render_at_160_columns() {
    let store = structured_store();
    let mut state = AppState::new(2, Rect::new(0, 0, 160, 14));
    insta::assert_snapshot!(screen(&mut state, &store, 160, 14).backend());
}

#[test]
fn structured_records_render_at_50_columns_and_r_shows_them_raw() {
    let store = structured_store();
    let mut state = AppState::new(2, Rect::new(0, 0, 50, 14));
    state.apply(Action::CycleLayout, &store);
    let rendered = screen(&mut state, &store, 50, 14).backend().to_string();
    assert!(rendered.contains("ERR db down err="), "{rendered}");
    insta::assert_snapshot!(screen(&mut state, &store, 50, 14).backend());
    state.apply(Action::ToggleRaw, &store);
    let raw = screen(&mut state, &store, 50, 14).backend().to_string();
    assert!(raw.contains(r#"{"time":"2026-11-24T10:00:03"#), "{raw}");
}

/// `Enter` on the cursor's line: the record in detail over the pane, `Esc` closes it.
#[test]
fn the_detail_of_a_json_record_with_a_stack() {
    let store = structured_store();
    let mut state = AppState::new(2, Rect::new(0, 0, 100, 24));
    state.names = names(2);
    state.apply(Action::CycleLayout, &store);
    state.apply(Action::Up(1), &store);
    state.apply(Action::OpenDetail, &store);
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(shown.contains("level    ERROR"), "{shown}");
    insta::assert_snapshot!(screen(&mut state, &store, 100, 24).backend());
    state.apply(Action::CloseDetail, &store);
    let closed = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(!closed.contains("level    ERROR"), "{closed}");
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn arrived_ms(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>()
        .expect("a valid time")
        .as_millisecond()
}

/// The detail of a text line (its stack trace with it) and of a line the live braid placed
/// late: source, time and its layout, arrival, level, lateness, the text.
#[test]
fn the_detail_of_a_text_line_and_of_a_late_line() {
    let mut store = Store::new(64 << 20);
    store.arriving(arrived_ms("2026-11-24T10:00:02.040Z"));
    let trace = StampedBatch {
        lines: LineBatch::from_lines([
            "2026-11-24 10:00:02,000 ERROR request failed",
            "java.lang.IllegalStateException: pool exhausted",
            "    at com.example.Pool.take(Pool.java:88)",
        ]),
        instants: vec![0; 3],
        continued: vec![false, true, true],
    };
    store.append(SourceId(0), &trace, 0..3);
    store.arriving(arrived_ms("2026-11-24T10:00:09.500Z"));
    store.append_late(
        SourceId(1),
        &unstamped("Nov 24 10:00:07 db-proxy[311]: WARN replica lag 4s"),
        0..1,
        std::time::Duration::from_millis(2_500),
    );
    let mut state = AppState::new(2, Rect::new(0, 0, 100, 20));
    state.names = names(2);
    state.apply(Action::CycleLayout, &store);
    state.apply(Action::Up(3), &store);
    state.apply(Action::OpenDetail, &store);
    let text = screen(&mut state, &store, 100, 20);
    insta::assert_snapshot!("detail_of_a_text_line", text.backend());
    let shown = text.backend().to_string();
    assert!(
        shown.contains("arrived  2026-11-24T10:00:02.040Z"),
        "{shown}"
    );
    assert!(shown.contains("at com.example.Pool.take"), "{shown}");
    state.apply(Action::CloseDetail, &store);
    state.apply(Action::Bottom, &store);
    state.apply(Action::OpenDetail, &store);
    let late = screen(&mut state, &store, 100, 20);
    insta::assert_snapshot!("detail_of_a_late_line", late.backend());
    let shown = late.backend().to_string();
    assert!(
        shown.contains("late     placed where it arrived, 2.500 s"),
        "{shown}"
    );
    assert!(
        shown.contains("arrived  2026-11-24T10:00:09.500Z"),
        "{shown}"
    );
}

/// `E`/`e` walk the cursor to the previous / next error; `m` marks lines, which stay marked
/// through a filter, and `U`/`u` walk between them.
#[test]
fn error_jumps_and_marks() {
    let mut store = Store::new(64 << 20);
    for i in 0..40 {
        let level = if i % 10 == 3 { "ERROR" } else { "INFO " };
        append(
            &mut store,
            0,
            format!("2026-11-24 10:00:{i:02},000 {level} line {i}"),
        );
    }
    let mut state = AppState::new(1, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    state.apply(Action::CycleLayout, &store);
    state.apply(Action::OlderError, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 33"));
    state.apply(Action::OlderError, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 23"));
    state.apply(Action::NewerError, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 33"));
    state.apply(Action::NewerError, &store);
    assert_eq!(state.notice.as_deref(), Some("no newer error"));
    state.apply(Action::ToggleMark, &store);
    state.apply(Action::OlderError, &store);
    state.apply(Action::ToggleMark, &store);
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(
        shown
            .lines()
            .any(|l| l.contains("● 2026-11-24 10:00:23,000 ERROR line 23")),
        "{shown}"
    );
    // A filter that hides the marked lines, then none: the marks are still there.
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "line 1");
    state.apply(Action::Submit, &store);
    screen(&mut state, &store, 100, 24);
    state.apply(Action::Prompt(PromptKind::Include), &store);
    state.apply(Action::EraseAll, &store);
    state.apply(Action::Submit, &store);
    state.apply(Action::Bottom, &store);
    screen(&mut state, &store, 100, 24);
    state.apply(Action::OlderMark, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 33"));
    state.apply(Action::OlderMark, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 23"));
    state.apply(Action::OlderMark, &store);
    assert_eq!(state.notice.as_deref(), Some("no older mark"));
    state.apply(Action::NewerMark, &store);
    assert!(cursor_text(&mut state, &store).ends_with("line 33"));
}

/// A search goes on from the cursor, as in less: `/` lands on the nearest match at or above it
/// (the newest, in a followed pane), `n` goes to the next one below, `N` above.
#[test]
fn search_goes_on_from_the_cursor() {
    let mut store = Store::new(64 << 20);
    for i in 0..40 {
        let word = if i % 10 == 3 { "match" } else { "other" };
        append(
            &mut store,
            0,
            format!("2026-11-24 10:00:{i:02},000 INFO {word} {i}"),
        );
    }
    let mut state = AppState::new(1, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    state.apply(Action::CycleLayout, &store);
    state.apply(Action::Prompt(PromptKind::Search), &store);
    type_text(&mut state, &store, "match");
    state.apply(Action::Submit, &store);
    assert!(cursor_text(&mut state, &store).ends_with("match 33"));
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(shown.contains("match 4 of 4"), "counted: {shown}");
    state.apply(Action::OlderMatch, &store);
    assert!(cursor_text(&mut state, &store).ends_with("match 23"));
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    assert!(shown.contains("match 3 of 4"), "{shown}");
    state.apply(Action::NewerMatch, &store);
    assert!(cursor_text(&mut state, &store).ends_with("match 33"));
    state.apply(Action::Top, &store);
    state.apply(Action::NewerMatch, &store);
    assert!(
        cursor_text(&mut state, &store).ends_with("match 3"),
        "from the cursor, not from the last match"
    );
}

/// `w` wraps the focused pane only.
#[test]
fn wrap_is_per_pane() {
    let store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::FocusSource(1), &store);
    state.apply(Action::ToggleWrap, &store);
    let wraps: Vec<bool> = state.panes.iter().map(|p| p.view.wrap).collect();
    assert_eq!(wraps, [false, false, true, false]);
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    let worker_rows = shown.lines().filter(|l| l.contains("email.send")).count();
    assert!(worker_rows > 0, "{shown}");
}

/// A prompt opens with the value in force selected (typing replaces it), and `↑` recalls what
/// was put in force before.
#[test]
fn prompts_open_selected_and_remember() {
    let store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "ERROR");
    state.apply(Action::Submit, &store);
    state.apply(Action::Prompt(PromptKind::Include), &store);
    assert!(
        state
            .prompt()
            .is_some_and(|p| p.selected && p.input == "ERROR")
    );
    type_text(&mut state, &store, "WARN");
    assert_eq!(
        state.prompt().map(|p| p.input.as_str()),
        Some("WARN"),
        "replaced"
    );
    state.apply(Action::Submit, &store);
    assert_eq!(state.panes[0].include_text.as_deref(), Some("WARN"));
    state.apply(Action::Prompt(PromptKind::Include), &store);
    state.apply(Action::HistoryOlder, &store);
    assert_eq!(state.prompt().map(|p| p.input.as_str()), Some("WARN"));
    state.apply(Action::HistoryOlder, &store);
    assert_eq!(state.prompt().map(|p| p.input.as_str()), Some("ERROR"));
    state.apply(Action::HistoryNewer, &store);
    assert_eq!(state.prompt().map(|p| p.input.as_str()), Some("WARN"));
    state.apply(Action::Erase, &store);
    assert_eq!(
        state.prompt().map(|p| p.input.as_str()),
        Some("WAR"),
        "a recalled entry is edited"
    );
    state.apply(Action::Cancel, &store);
    assert_eq!(
        state.panes[0].include_text.as_deref(),
        Some("WARN"),
        "Esc puts it back"
    );
}

/// A click focuses the pane under the pointer and puts its cursor on the line clicked.
#[test]
fn a_click_puts_the_cursor_on_the_line() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    let shown = screen(&mut state, &store, 100, 24).backend().to_string();
    let target = shown.lines().nth(4).unwrap_or_default().to_owned();
    state.on_mouse(
        MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 30,
            row: 4,
            modifiers: KeyModifiers::NONE,
        },
        &store,
    );
    let (rows, cursor) = merged_rows(&mut state, &store);
    let on = cursor.map(|c| rows[c].clone()).unwrap_or_default();
    assert!(
        !on.is_empty() && target.contains(&on[..20]),
        "{target:?} / {on:?}"
    );
    assert_eq!(cursor, Some(3), "the fourth row of the pane");
}

/// `o` on a merged-pane line shows it in its source's pane, among its neighbours, and `o` there
/// goes back; with `S`, moving one pane's cursor moves the others to the same moment.
#[test]
fn context_and_sync() {
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    state.apply(Action::Up(4), &store);
    let merged_cursor = state.cursor_line(0, &store).expect("a line");
    let source = store.line(merged_cursor).expect("retained").source;
    state.apply(Action::Context, &store);
    assert_eq!(state.focus, PaneId::Source(source));
    let slot = AppState::slot(state.focus);
    assert_eq!(state.cursor_line(slot, &store), Some(merged_cursor));
    state.apply(Action::Up(2), &store);
    let there = state.cursor_line(slot, &store).expect("a line");
    state.apply(Action::Context, &store);
    assert_eq!(state.focus, PaneId::Merged);
    assert_eq!(
        state.cursor_line(0, &store),
        Some(there),
        "back at the same line"
    );
    state.apply(Action::ToggleSync, &store);
    state.apply(Action::Up(10), &store);
    let at = state.cursor_line(0, &store).expect("a line");
    for pane in 1..4 {
        let cursor = state.cursor_line(pane, &store).expect("a line");
        assert!(cursor <= at, "pane {pane} at or before the merged cursor");
        let next = state.lines(pane).fwd_from(&store, cursor + 1).next();
        assert!(next.is_none_or(|n| n > at), "pane {pane}: its nearest line");
    }
}

/// The command line: `:goto` puts the cursor on the first line at or after a moment, `:w` writes
/// the pane's lines as filtered, and will not replace a file without `!`.
#[test]
fn goto_and_write_commands() {
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 24));
    state.size = Rect::new(0, 0, 100, 24);
    state.names = names(3);
    let run = |state: &mut AppState, command: &str| {
        state.apply(Action::Prompt(PromptKind::Command), &store);
        type_text(state, &store, command);
        state.apply(Action::Submit, &store);
    };
    run(&mut state, "goto 10:00:30");
    let (rows, cursor) = merged_rows(&mut state, &store);
    let on = cursor.map(|c| rows[c].clone()).unwrap_or_default();
    assert!(on.starts_with("2026-11-24 10:00:30"), "{on}");
    run(&mut state, "goto 25:00");
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("not a moment")),
        "{:?}",
        state.notice
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("errors.log");
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "ERROR");
    state.apply(Action::Submit, &store);
    screen(&mut state, &store, 100, 24);
    run(&mut state, &format!("w {}", path.display()));
    let written = std::fs::read_to_string(&path).expect("written");
    assert!(written.lines().count() > 0);
    assert!(
        written
            .lines()
            .all(|l| l.starts_with("api.log | ") && l.contains("ERROR")),
        "{written}"
    );
    run(&mut state, &format!("w {}", path.display()));
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("exists")),
        "{:?}",
        state.notice
    );
}

/// `+` in a filtered pane shows lines of context around each match, dimmed, and the title says
/// `±N`; a match inside another's context stays a match; `-` takes them away again.
#[test]
fn context_lines_around_matches() {
    let store = store_with(60);
    let mut state = AppState::new(3, Rect::new(0, 0, 100, 30));
    state.apply(Action::FocusSource(0), &store);
    state.apply(Action::Prompt(PromptKind::Include), &store);
    type_text(&mut state, &store, "ERROR");
    state.apply(Action::Submit, &store);
    let slot = 1;
    let matches = pane_texts(&state, &store, slot);
    assert!(matches.iter().all(|t| t.contains("ERROR")), "{matches:#?}");
    state.apply(Action::WiderContext, &store);
    let terminal = screen(&mut state, &store, 100, 30);
    insta::assert_snapshot!(terminal.backend());
    let rows = pane_rows(&mut state, &store, slot);
    // api.log's lines are every third of the store; an error every seventh line: a match, the
    // line before and the line after it in api.log.
    let expected: Vec<(String, bool)> = (0..60u64)
        .filter(|i| i % 3 == 0)
        .map(|i| (i, i % 7 == 0))
        .collect::<Vec<_>>()
        .windows(3)
        .filter(|w| w.iter().any(|(_, e)| *e))
        .map(|w| w[1])
        .map(|(i, error)| (format!("request {i} "), !error))
        .collect();
    let got: Vec<(String, bool)> = rows
        .iter()
        .map(|(text, context)| {
            let n = text
                .split("orders/")
                .nth(1)
                .or_else(|| text.split("request ").nth(1));
            let n = n.and_then(|n| n.split([' ', '/']).next()).unwrap_or("?");
            (format!("request {n} "), *context)
        })
        .collect();
    // The pane shows the newest of them.
    assert!(got.len() >= 5, "{rows:#?}");
    assert_eq!(got, expected[expected.len() - got.len()..], "{rows:#?}");
    let title = (0..30)
        .map(|y| buffer_row(&terminal, y))
        .find(|r| r.contains("api.log ·"));
    assert!(
        title.is_some_and(|t| t.contains("+/ERROR/ ±1")),
        "the title says ±1"
    );
    let buffer = terminal.backend().buffer();
    let dim = |needle: &str| {
        let y = (0..30)
            .find(|&y| buffer_row(&terminal, y).contains(needle))
            .expect("the row is on screen");
        buffer[(5, y)]
            .modifier
            .contains(ratatui::style::Modifier::DIM)
    };
    assert!(dim("orders/45"), "a context line is dimmed");
    assert!(!dim("request 42"), "a match is not");
    state.apply(Action::NarrowerContext, &store);
    let rows = pane_rows(&mut state, &store, slot);
    assert!(
        rows.iter()
            .all(|(t, context)| t.contains("ERROR") && !context),
        "{rows:#?}"
    );
}

/// Pane `slot`'s rows in the next frame: text, and whether it is a context line.
fn pane_rows(state: &mut AppState, store: &Store, slot: usize) -> Vec<(String, bool)> {
    while state.busy(store) {
        state.work_slice(store);
    }
    let snap = snapshot_of(state, store);
    snap.panes[slot]
        .rows
        .iter()
        .map(|r| (String::from_utf8_lossy(&r.text).into_owned(), r.context))
        .collect()
}

/// Row `y` of the screen as text.
fn buffer_row(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_owned())
        .collect()
}

/// `/` in a record's detail finds text in it: the view goes to the first line with it (the
/// match highlighted), `n` / `N` to the next one below / above, and the status says when there
/// is none.
#[test]
fn find_in_a_detail() {
    let mut store = Store::new(64 << 20);
    let frames: Vec<String> = (0..200)
        .map(|i| format!("  at frame{i} (app.js:{i})"))
        .collect();
    let record = format!(
        r#"{{"level":"error","msg":"boom","stack":"Error: boom\n{}"}}"#,
        frames.join("\\n")
    );
    append(&mut store, 0, &record);
    let mut state = AppState::new(1, Rect::new(0, 0, 80, 20));
    state.names = names(1);
    state.apply(Action::OpenDetail, &store);
    state.apply(Action::Prompt(PromptKind::Find), &store);
    type_text(&mut state, &store, r"frame1\d\d ");
    state.apply(Action::Submit, &store);
    let shown = |state: &mut AppState| screen(state, &store, 80, 20).backend().to_string();
    let first = shown(&mut state);
    assert!(first.contains("at frame100 (app.js:100)"), "{first}");
    assert!(
        !first.contains("at frame99 "),
        "scrolled to the match: {first}"
    );
    let terminal = screen(&mut state, &store, 80, 20);
    let buffer = terminal.backend().buffer();
    let y = (0..20)
        .find(|&y| buffer_row(&terminal, y).contains("frame100 "))
        .expect("the match on screen");
    let x = (0..80)
        .find(|&x| buffer[(x, y)].symbol() == "f")
        .expect("its text");
    assert_eq!(buffer[(x, y)].bg, Color::Yellow, "the match is highlighted");
    state.apply(Action::NewerMatch, &store);
    let next = shown(&mut state);
    assert!(
        next.contains("at frame101 ") && !next.contains("at frame100 "),
        "{next}"
    );
    state.apply(Action::OlderMatch, &store);
    state.apply(Action::OlderMatch, &store);
    assert!(shown(&mut state).contains("no match above"));
    state.apply(Action::Bottom, &store);
    let bottom = shown(&mut state);
    assert!(bottom.contains("at frame199 "), "{bottom}");
}

/// `x` closes the pane of a source that is gone for good (not one that is following); its lines
/// stay in the merged pane; its number opens the pane again, and so does its file coming back.
/// A file a glob found that was gone before it was read gets no pane at all.
#[test]
fn x_closes_a_gone_sources_pane_and_a_vanished_file_gets_none() {
    use logbraid::source::SourceStatus;
    let store = store_with(30);
    let mut state = AppState::new(3, Rect::new(0, 0, 120, 30));
    state.names = names(3);
    for s in 0..3 {
        state.on_status(SourceId(s), SourceStatus::Following);
    }
    let panes = |state: &AppState| -> Vec<PaneId> {
        state.placement().panes.iter().map(|(id, _)| *id).collect()
    };
    state.apply(Action::FocusSource(1), &store);
    state.apply(Action::CloseSource, &store);
    assert_eq!(panes(&state).len(), 4, "a following source's pane stays");
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("following"))
    );
    state.on_status(SourceId(1), SourceStatus::Waiting);
    state.apply(Action::CloseSource, &store);
    assert!(!panes(&state).contains(&PaneId::Source(SourceId(1))));
    assert_eq!(state.focus, PaneId::Merged);
    let shown = screen(&mut state, &store, 120, 30).backend().to_string();
    assert!(
        shown.contains("│worker.log  │"),
        "its lines stay in the merged pane: {shown}"
    );
    assert!(!shown.contains("┌ worker.log"), "no pane: {shown}");
    state.apply(Action::FocusSource(1), &store);
    assert!(
        panes(&state).contains(&PaneId::Source(SourceId(1))),
        "its number opens it"
    );
    state.on_status(SourceId(1), SourceStatus::Waiting);
    state.apply(Action::CloseSource, &store);
    state.on_status(SourceId(1), SourceStatus::Following);
    assert!(
        panes(&state).contains(&PaneId::Source(SourceId(1))),
        "its file came back"
    );
    state.on_status(SourceId(2), SourceStatus::Gone);
    assert!(!panes(&state).contains(&PaneId::Source(SourceId(2))));
}

/// How an indexer reads stamps in a file without any.
fn unstamped_history() -> big_file::Stamps {
    big_file::Stamps {
        stamp: None,
        clock: logbraid::timestamp::Clock::now(),
    }
}
