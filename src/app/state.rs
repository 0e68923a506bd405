//! The TUI's state and how actions change it. Owned by the core task; never shared.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use regex::bytes::Regex;

use super::command::{self, Command, Moment};
use super::copy::{self, Multiplexer};
use super::detail::{self, Detail};
use super::hunt::{HUNT_SLICE, Hunt, Step, Target};
use super::index::{MatchIndex, PaneLines, Predicate, SLICE, Shared};
use super::keys::{Action, Mode, PromptKind};
use crate::filter::{LineFilter, Seen};
use crate::level::Level;
use crate::query::Query;
use crate::record::hide::Hide;
use crate::record::render;
use crate::source::SourceStatus;
use crate::source_id::SourceId;
use crate::store::{Slotted, Store};
use crate::timestamp::Clock;
use crate::view::layout::{self, LayoutMode, PaneId, Placement};

/// How long "rotated" / "truncated" stay in a pane's title.
pub const FLASH: Duration = Duration::from_secs(3);
/// Prompt entries remembered.
const HISTORY: usize = 100;
/// Columns moved by one sideways scroll.
const HSTEP: u16 = 8;
/// Context lines around a match at most (`+`).
pub const MAX_CONTEXT: usize = 20;

/// Where a pane's view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    /// At the newest line, following.
    Follow,
    /// Scrolled: this line is at the bottom.
    At(u64),
}

/// Where a pane's view and cursor are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// Following, or scrolled to a line.
    pub scroll: Scroll,
    /// The cursor's line (the pane's nearest line at or before it, when that one is gone or
    /// filtered out); `None`: the last line, and then the view follows (`scroll` is `Follow`).
    pub cursor: Option<u64>,
    /// Columns scrolled sideways.
    pub hscroll: u16,
    /// Long lines wrap (`w`, for this pane only).
    pub wrap: bool,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            scroll: Scroll::Follow,
            cursor: None,
            hscroll: 0,
            wrap: false,
        }
    }
}

/// The search: the pattern, the line the last jump landed on, and a jump under way.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// As typed, and compiled.
    pub pattern: Option<(String, Regex)>,
    /// The line the last search jump landed on.
    pub current: Option<u64>,
    /// A search jump still walking towards its match.
    pub hunt: Option<Hunt>,
    /// Where the current match stands among all of its pane's: counted in slices.
    pub count: Option<Count>,
}

/// The place of the current search match among its pane's matches, counted in slices.
#[derive(Debug, Clone)]
pub struct Count {
    /// The pane.
    slot: usize,
    /// The match.
    current: u64,
    /// The next line to test; `None` once all were.
    next: Option<u64>,
    /// Matches before the current one, and in all, so far.
    pub before: u64,
    /// Matches in all, so far.
    pub total: u64,
}

impl Count {
    /// True once every line was tested.
    pub fn done(&self) -> bool {
        self.next.is_none()
    }
}

/// One pane's own state.
#[derive(Debug, Clone)]
pub struct Pane {
    /// Which pane.
    pub id: PaneId,
    /// Its filters.
    pub filter: LineFilter,
    /// The filters as typed.
    pub include_text: Option<String>,
    /// The exclude filter as typed.
    pub exclude_text: Option<String>,
    /// The query as typed (`&`).
    pub where_text: Option<String>,
    /// The filtered index, when a predicate is in force.
    pub index: Option<MatchIndex>,
    /// Where its view is.
    pub view: Viewport,
    /// Structured records are shown as written, not rendered (`r`).
    pub raw: bool,
    /// Lines of context shown around each match while the pane is filtered (`+`, `-`).
    pub context: usize,
}

impl Pane {
    fn new(id: PaneId) -> Self {
        Self {
            id,
            filter: LineFilter::default(),
            include_text: None,
            exclude_text: None,
            where_text: None,
            index: None,
            view: Viewport::default(),
            raw: false,
            context: 0,
        }
    }
}

/// What the TUI keeps per source: what the user did to it, and its status.
#[derive(Debug, Clone, Default)]
pub struct SourceState {
    /// Hidden from the merged pane.
    pub hidden: bool,
    /// Paused: its lines numbered from the mark on are held back.
    pub paused: Option<u64>,
    /// The last lasting status.
    pub status: Option<SourceStatus>,
    /// The last transient one ("rotated", "truncated") and when it came.
    pub flash: Option<(&'static str, Instant)>,
    /// While its history (a big file's) is being indexed: percent done.
    pub indexing: Option<u8>,
    /// Its pane is closed (`x` on a source gone for good, or a found file that vanished before
    /// it was read); it opens again when the source follows a file again.
    pub closed: bool,
}

/// Something drawn over the panes that sees keys before them.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key help (`?`); keys still act on the panes below it.
    Help,
    /// A prompt being typed: it takes every key.
    Prompt(PromptState),
    /// A record's detail, over the pane it was opened from: it takes the keys.
    Detail {
        /// The pane.
        slot: usize,
        /// What it shows (made when it opened: a huge record is laid out once).
        content: Detail,
        /// Lines scrolled off its top.
        scroll: usize,
        /// What `/` looks for in it, as typed and compiled.
        find: Option<(String, Regex)>,
    },
}

/// A prompt being typed.
#[derive(Debug, Clone)]
pub struct PromptState {
    /// What for.
    pub kind: PromptKind,
    /// What was typed.
    pub input: String,
    /// Why it does not compile.
    pub error: Option<String>,
    /// The value in force when the prompt opened (restored by Esc).
    before: Option<String>,
    /// The input is that previous value, selected: typing replaces it.
    pub selected: bool,
    /// Which remembered entry `↑`/`↓` put in the input.
    recalled: Option<usize>,
}

/// Everything the TUI remembers.
#[derive(Debug)]
pub struct AppState {
    /// Pane 0 is the merged pane; pane `1 + s` shows source `s`.
    pub panes: Vec<Pane>,
    /// The focused pane.
    pub focus: PaneId,
    /// The layout.
    pub layout: LayoutMode,
    /// The source shown when sources are shown as tabs.
    pub tab_source: SourceId,
    /// Lines below this level are hidden.
    pub min_level: Option<Level>,
    /// The search.
    pub search: Search,
    /// Marked lines (`m`), by number: kept through filters, gone with eviction.
    pub marks: BTreeSet<u64>,
    /// Moving the cursor moves every visible pane to the same moment (`S`).
    pub sync: bool,
    /// A range started with `V`: its pane and first line.
    pub range: Option<(usize, u64)>,
    /// A clipboard sequence (OSC 52) to write to the terminal, once.
    pub clipboard: Option<Vec<u8>>,
    /// What is between logbraid and the terminal, for the clipboard sequence.
    pub multiplexer: Multiplexer,
    /// The mouse is the terminal's (`F2`): its own selection works.
    pub mouse_released: bool,
    /// A change of who has the mouse (`true`: logbraid captures it), for the terminal, once.
    pub mouse_change: Option<bool>,
    /// What prompts put in force, oldest first (`↑`/`↓` recall them).
    pub history: Vec<(PromptKind, String)>,
    /// What covers the panes, bottom first: the topmost sees keys first.
    pub overlays: Vec<Overlay>,
    /// A message for the status line.
    pub notice: Option<String>,
    /// The terminal's size.
    pub size: Rect,
    /// Per source: hidden, paused, its last status and transient event.
    pub sources: Vec<SourceState>,
    /// Set by `q`.
    pub quit: bool,
    /// Fields rendered records leave out (`--hide`).
    pub hide: Hide,
    /// The sources' names, for queries on `source`.
    pub names: Arc<Vec<String>>,
    /// For reading records' times (the local zone, the year).
    pub clock: Clock,
}

impl AppState {
    /// The state for `sources` sources on a terminal of `size`.
    pub fn new(sources: usize, size: Rect) -> Self {
        let mut state = Self {
            panes: vec![Pane::new(PaneId::Merged)],
            focus: PaneId::Merged,
            layout: LayoutMode::default(),
            tab_source: SourceId(0),
            min_level: None,
            search: Search::default(),
            marks: BTreeSet::new(),
            history: Vec::new(),
            sync: false,
            range: None,
            clipboard: None,
            multiplexer: Multiplexer::Plain,
            mouse_released: false,
            mouse_change: None,
            overlays: Vec::new(),
            notice: None,
            size,
            sources: Vec::new(),
            quit: false,
            hide: Hide::default(),
            names: Arc::default(),
            clock: Clock::now(),
        };
        for _ in 0..sources {
            state.add_source();
        }
        state
    }

    /// A source was added (a glob found a file).
    pub fn add_source(&mut self) {
        let id = SourceId(u16::try_from(self.sources.len()).unwrap_or(u16::MAX));
        self.panes.push(Pane::new(PaneId::Source(id)));
        self.sources.push(SourceState::default());
    }

    /// Number of sources.
    pub fn sources(&self) -> u16 {
        u16::try_from(self.sources.len()).unwrap_or(u16::MAX)
    }

    /// The sources whose panes are shown: all but the closed ones (`x`, or a file a glob found
    /// that was gone before it could be read).
    pub fn shown_sources(&self) -> Vec<SourceId> {
        (0..self.sources())
            .map(SourceId)
            .filter(|s| !self.sources[s.index()].closed)
            .collect()
    }

    /// Records a source's status.
    pub fn on_status(&mut self, id: SourceId, status: SourceStatus) {
        let Some(entry) = self.sources.get_mut(id.index()) else {
            return;
        };
        match status {
            SourceStatus::Rotated => entry.flash = Some(("rotated", Instant::now())),
            SourceStatus::Truncated => entry.flash = Some(("truncated", Instant::now())),
            // A file a glob found that was gone before it could be read: no pane for it.
            SourceStatus::Gone => {
                entry.closed = true;
                entry.status = Some(SourceStatus::Gone);
            }
            other => {
                // Following a file again: a closed pane opens again.
                if other == SourceStatus::Following {
                    entry.closed = false;
                }
                entry.status = Some(other);
            }
        }
        if self.focus == PaneId::Source(id) && self.sources[id.index()].closed {
            self.focus = PaneId::Merged;
        }
    }

    /// `x`: closes the focused source's pane when its source is gone for good (waiting for its
    /// file, failed, ended, exited); its lines stay in the merged pane.
    fn close_source(&mut self) {
        let PaneId::Source(id) = self.focus else {
            self.notice = Some("x closes a source's pane: focus one first".into());
            return;
        };
        let Some(entry) = self.sources.get_mut(id.index()) else {
            return;
        };
        if matches!(entry.status, Some(SourceStatus::Following) | None) {
            self.notice =
                Some("x closes the pane of a source that is gone; this one is following".into());
            return;
        }
        entry.closed = true;
        self.focus = PaneId::Merged;
        self.notice = Some(format!(
            "closed {}'s pane (its lines stay in the merged pane; {} opens it again)",
            self.names.get(id.index()).map_or("?", String::as_str),
            id.index() + 1
        ));
    }

    /// Records how far the indexing of a source's history is.
    pub fn on_history(&mut self, id: SourceId, done: u64, total: u64, last: bool) {
        if let Some(entry) = self.sources.get_mut(id.index()) {
            entry.indexing = (!last).then(|| u8::try_from(done * 100 / total.max(1)).unwrap_or(99));
        }
    }

    /// True while something on screen changes with time alone (a title's "rotated").
    pub fn flashing(&self, now: Instant) -> bool {
        self.sources.iter().any(|s| {
            s.flash
                .is_some_and(|(_, at)| now.duration_since(at) < FLASH)
        })
    }

    /// Where everything goes on screen now.
    pub fn placement(&self) -> Placement {
        layout::place(
            self.size,
            self.layout,
            &self.shown_sources(),
            self.focus,
            self.tab_source,
        )
    }

    /// Index of a pane in `panes`.
    pub fn slot(id: PaneId) -> usize {
        match id {
            PaneId::Merged => 0,
            PaneId::Source(s) => 1 + s.index(),
        }
    }

    /// The predicate of pane `slot`.
    pub fn predicate(&self, slot: usize) -> Predicate<'_> {
        let pane = &self.panes[slot];
        let seen = if pane.raw {
            Seen::Plain
        } else {
            let options = render::Options {
                hide: &self.hide,
                max_value: usize::MAX,
                short_time: false,
            };
            Seen::Rendered(options, &self.clock)
        };
        Predicate {
            source: match pane.id {
                PaneId::Merged => None,
                PaneId::Source(s) => Some(s),
            },
            filter: &pane.filter,
            seen,
            shared: Shared {
                min_level: self.min_level,
                sources: &self.sources,
                names: &self.names,
            },
        }
    }

    /// The lines pane `slot` shows.
    pub fn lines(&self, slot: usize) -> PaneLines<'_> {
        let pane = &self.panes[slot];
        match (&pane.index, pane.id) {
            (Some(index), _) => PaneLines::Index(index),
            (None, PaneId::Merged) => PaneLines::All,
            (None, PaneId::Source(s)) => PaneLines::Source(s),
        }
    }

    /// The newest line pane `slot` may show: a paused source pane stops at its mark.
    pub fn cap(&self, slot: usize) -> Option<u64> {
        match self.panes[slot].id {
            PaneId::Source(s) => match self.sources.get(s.index()).and_then(|s| s.paused) {
                Some(mark) => mark.checked_sub(1),
                None => Some(u64::MAX),
            },
            PaneId::Merged => Some(u64::MAX),
        }
    }

    /// The line at the bottom of pane `slot`'s view.
    pub fn bottom(&self, slot: usize, store: &Store) -> Option<u64> {
        let cap = self.cap(slot)?;
        let bound = match self.panes[slot].view.scroll {
            Scroll::Follow => cap,
            Scroll::At(seq) => seq.min(cap),
        };
        let lines = self.lines(slot);
        lines
            .rev_from(store, bound)
            .next()
            .or_else(|| lines.fwd_from(store, 0).next().filter(|&s| s <= cap))
    }

    /// Widens or narrows pane `slot`'s context by `by` lines (0 to [`MAX_CONTEXT`]).
    fn set_context(&mut self, slot: usize, store: &Store, by: isize) {
        let pane = &mut self.panes[slot];
        pane.context = pane.context.saturating_add_signed(by).min(MAX_CONTEXT);
        let context = pane.context;
        let filtered = !pane.filter.is_empty() || self.min_level.is_some();
        self.notice = Some(match (context, filtered) {
            (0, _) => "no context lines".to_owned(),
            (1, true) => "1 line of context around each match".to_owned(),
            (n, true) => format!("{n} lines of context around each match"),
            (n, false) => format!("{n} context lines, shown once the pane is filtered (f, &, l)"),
        });
        if self.panes[slot].index.is_some() {
            self.refresh_index(slot, store);
        }
    }

    /// Drops or (re)builds pane `slot`'s index after its predicate changed.
    pub fn refresh_index(&mut self, slot: usize, store: &Store) {
        let trivial = self.predicate(slot).is_trivial();
        self.panes[slot].index = if trivial {
            None
        } else {
            Some(MatchIndex::new(store, self.panes[slot].context))
        };
    }

    fn refresh_all(&mut self, store: &Store) {
        for slot in 0..self.panes.len() {
            self.refresh_index(slot, store);
        }
    }

    /// A burst was slotted into the history: lines were renumbered. Views, marks and the search
    /// keep their lines; indices test the renumbered lines again.
    pub fn renumber(&mut self, slotted: &Slotted) {
        for pane in &mut self.panes {
            if let Some(index) = &mut pane.index {
                index.forget_from(slotted.from);
            }
            if let Scroll::At(seq) = &mut pane.view.scroll {
                *seq = slotted.renumber(*seq);
            }
            if let Some(seq) = &mut pane.view.cursor {
                *seq = slotted.renumber(*seq);
            }
        }
        self.marks = self.marks.iter().map(|&m| slotted.renumber(m)).collect();
        for mark in self.sources.iter_mut().filter_map(|s| s.paused.as_mut()) {
            *mark = slotted.renumber(*mark);
        }
        if let Some(current) = &mut self.search.current {
            *current = slotted.renumber(*current);
        }
        if let Some(hunt) = &mut self.search.hunt {
            hunt.renumber(slotted);
        }
    }

    /// Tests newly arrived lines against every index.
    pub fn catch_up(&mut self, store: &Store) {
        for slot in 0..self.panes.len() {
            if let Some(mut index) = self.panes[slot].index.take() {
                index.catch_up(store, &self.predicate(slot));
                self.panes[slot].index = Some(index);
            }
        }
    }

    /// True while some index is being rebuilt or a search jump is under way.
    pub fn busy(&self, store: &Store) -> bool {
        self.search.hunt.is_some()
            || self.search.count.as_ref().is_some_and(|c| !c.done())
            || self
                .panes
                .iter()
                .any(|p| p.index.as_ref().is_some_and(|i| i.rebuilding(store)))
    }

    /// One slice of that work: of rebuilding, for every index that needs it, and of the search.
    pub fn work_slice(&mut self, store: &Store) {
        self.hunt_slice(store);
        self.count_slice(store);
        self.catch_up(store);
        for slot in 0..self.panes.len() {
            if let Some(mut index) = self.panes[slot].index.take() {
                index.rebuild_slice(store, &self.predicate(slot), SLICE);
                self.panes[slot].index = Some(index);
            }
        }
    }

    /// Applies a key's action.
    pub fn apply(&mut self, action: Action, store: &Store) {
        if matches!(self.overlays.last(), Some(Overlay::Prompt(_))) {
            self.apply_prompt(action, store);
            return;
        }
        if matches!(self.overlays.last(), Some(Overlay::Detail { .. })) {
            self.apply_detail(action);
            return;
        }
        let slot = Self::slot(self.focus);
        if !matches!(
            action,
            Action::OlderMatch | Action::NewerMatch | Action::OlderError | Action::NewerError
        ) {
            self.abandon_hunt();
        }
        match action {
            Action::Quit => self.quit = true,
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::FocusMerged => self.focus_pane(PaneId::Merged),
            Action::FocusSource(s) if s < self.sources() => {
                // A closed pane opens again when asked for by its number.
                self.sources[usize::from(s)].closed = false;
                self.focus_pane(PaneId::Source(SourceId(s)));
            }
            Action::CycleLayout => self.cycle_layout(),
            Action::Up(n) => self.cursor_up(slot, u64::from(n), store),
            Action::Down(n) => self.cursor_down(slot, u64::from(n), store),
            Action::PageUp => self.cursor_up(slot, self.page(slot), store),
            Action::PageDown => self.cursor_down(slot, self.page(slot), store),
            Action::Top => self.cursor_top(slot, store),
            Action::Bottom => self.follow(slot),
            Action::Left => {
                self.panes[slot].view.hscroll = self.panes[slot].view.hscroll.saturating_sub(HSTEP);
            }
            Action::Right if !self.panes[slot].view.wrap => {
                self.panes[slot].view.hscroll = self.panes[slot].view.hscroll.saturating_add(HSTEP);
            }
            Action::ToggleWrap => self.panes[slot].view.wrap ^= true,
            Action::ToggleRaw => {
                self.panes[slot].raw ^= true;
                // Filters match what the pane shows: rendered or raw, they see other text.
                if self.panes[slot].index.is_some() {
                    self.refresh_index(slot, store);
                }
            }
            Action::WiderContext => self.set_context(slot, store, 1),
            Action::NarrowerContext => self.set_context(slot, store, -1),
            Action::TogglePause => self.toggle_pause(store),
            Action::ToggleHidden => self.toggle_hidden(store),
            Action::CloseSource => self.close_source(),
            Action::Prompt(kind) => self.open_prompt(kind),
            Action::OlderMatch => self.jump(slot, store, true),
            Action::NewerMatch => self.jump(slot, store, false),
            Action::OlderError => self.error_jump(slot, store, true),
            Action::NewerError => self.error_jump(slot, store, false),
            Action::Context => self.context(slot, store),
            Action::ToggleSync => {
                self.sync ^= true;
                self.notice = Some(format!("sync {}", if self.sync { "on" } else { "off" }));
            }
            Action::Copy => self.copy(slot, store, false),
            Action::CopyWithHeaders => self.copy(slot, store, true),
            Action::StartRange => self.start_range(slot, store),
            Action::ToggleMouse => self.toggle_mouse(),
            Action::ToggleMark => self.toggle_mark(slot, store),
            Action::OlderMark => self.mark_jump(slot, store, true),
            Action::NewerMark => self.mark_jump(slot, store, false),
            Action::CycleLevel => self.cycle_level(store),
            Action::OpenDetail => self.open_detail(slot, store),
            Action::ToggleHelp => {
                if !self.close(|o| matches!(o, Overlay::Help)) {
                    self.overlays.push(Overlay::Help);
                }
            }
            Action::Dismiss => {
                self.close(|o| matches!(o, Overlay::Help));
                self.notice = None;
            }
            // Prompt actions outside a prompt; sideways while wrapping; a source that isn't there.
            Action::Type(_)
            | Action::Complete
            | Action::HistoryOlder
            | Action::HistoryNewer
            | Action::CloseDetail
            | Action::Erase
            | Action::EraseAll
            | Action::Submit
            | Action::Cancel
            | Action::Right
            | Action::FocusSource(_) => {}
        }
        if self.sync && action.moves_cursor() {
            self.sync_from(Self::slot(self.focus), store);
        }
    }

    /// The mouse: the wheel moves the cursor of the pane under the pointer, a click puts it on
    /// the line clicked; both focus that pane.
    pub fn on_mouse(&mut self, mouse: MouseEvent, store: &Store) {
        let up = match mouse.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            MouseEventKind::Down(MouseButton::Left) => None,
            _ => return,
        };
        let at = ratatui::layout::Position {
            x: mouse.column,
            y: mouse.row,
        };
        let Some((id, rect)) = self
            .placement()
            .panes
            .into_iter()
            .find(|(_, r)| r.contains(at))
        else {
            return;
        };
        self.abandon_hunt();
        self.focus = id;
        let slot = Self::slot(id);
        match up {
            Some(true) => self.cursor_up(slot, 3, store),
            Some(false) => self.cursor_down(slot, 3, store),
            None => self.click(slot, rect, mouse.row, store),
        }
    }

    /// The cursor on the line shown at screen row `row` of pane `slot` (drawn in `rect`).
    fn click(&mut self, slot: usize, rect: Rect, row: u16, store: &Store) {
        let Some(bottom) = self.bottom(slot, store) else {
            return;
        };
        let rows = usize::from(rect.height.saturating_sub(2));
        let mut shown: Vec<u64> = self
            .lines(slot)
            .rev_from(store, bottom)
            .take(rows)
            .collect();
        shown.reverse();
        let at = usize::from(row.saturating_sub(rect.y + 1));
        if row > rect.y
            && let Some(&seq) = shown.get(at)
        {
            self.place_cursor(slot, seq, store);
        }
    }

    /// Any key but `n`/`N`, or scrolling with the mouse, abandons a search still under way: the
    /// user has moved on, and the view must not jump later.
    fn abandon_hunt(&mut self) {
        if self.search.hunt.take().is_some() {
            self.notice = None;
        }
    }

    fn page(&self, slot: usize) -> u64 {
        let height = self
            .placement()
            .panes
            .iter()
            .find(|(id, _)| Self::slot(*id) == slot)
            .map_or(self.size.height, |(_, r)| r.height);
        u64::from(height.saturating_sub(3).max(1))
    }

    fn height(&self, slot: usize) -> u64 {
        self.page(slot) + 1
    }

    /// The line the cursor of pane `slot` is on, if the pane shows any line.
    pub fn cursor_line(&self, slot: usize, store: &Store) -> Option<u64> {
        let cap = self.cap(slot)?;
        let lines = self.lines(slot);
        match self.panes[slot].view.cursor {
            Some(at) => lines
                .rev_from(store, at.min(cap))
                .next()
                .or_else(|| lines.fwd_from(store, 0).next().filter(|&s| s <= cap)),
            None => self.bottom(slot, store),
        }
    }

    /// Moves the cursor `n` lines up (older); the view follows it.
    fn cursor_up(&mut self, slot: usize, n: u64, store: &Store) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let lines = self.lines(slot);
        let target = lines
            .rev_from(store, at)
            .take(usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1))
            .last()
            .unwrap_or(at);
        self.place_cursor(slot, target, store);
    }

    /// Moves the cursor `n` lines down (newer); on the last line, the pane follows again.
    fn cursor_down(&mut self, slot: usize, n: u64, store: &Store) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let cap = self.cap(slot).unwrap_or(0);
        let lines = self.lines(slot);
        let target = lines
            .fwd_from(store, at + 1)
            .take_while(|&s| s <= cap)
            .take(usize::try_from(n).unwrap_or(usize::MAX))
            .last()
            .unwrap_or(at);
        let newest = lines.rev_from(store, cap).next();
        if Some(target) == newest {
            self.follow(slot);
        } else {
            self.place_cursor(slot, target, store);
        }
    }

    /// The cursor on the first line.
    fn cursor_top(&mut self, slot: usize, store: &Store) {
        let first = self.lines(slot).fwd_from(store, 0).next();
        if let Some(first) = first {
            self.place_cursor(slot, first, store);
        }
    }

    /// The cursor on the last line, the view following.
    fn follow(&mut self, slot: usize) {
        let view = &mut self.panes[slot].view;
        view.cursor = None;
        view.scroll = Scroll::Follow;
    }

    /// Puts the cursor on line `target` and scrolls the view as little as keeps it in view.
    fn place_cursor(&mut self, slot: usize, target: u64, store: &Store) {
        let Some(bottom) = self.bottom(slot, store) else {
            return;
        };
        let lines = self.lines(slot);
        let rows = usize::try_from(self.height(slot)).unwrap_or(1).max(1);
        let top = lines
            .rev_from(store, bottom)
            .take(rows)
            .last()
            .unwrap_or(bottom);
        let bottom = if target > bottom {
            target
        } else if target < top {
            // The cursor at the top row: the view ends a screen below it (or at the last line).
            lines
                .fwd_from(store, target)
                .take(rows)
                .last()
                .unwrap_or(target)
        } else {
            bottom
        };
        let view = &mut self.panes[slot].view;
        view.cursor = Some(target);
        view.scroll = Scroll::At(bottom);
    }

    fn cycle_layout(&mut self) {
        self.layout = self.layout.next();
        // Keys act on the focused pane: it must be one that is on screen.
        let placement = self.placement();
        let shown = |id: PaneId| placement.panes.iter().any(|(p, _)| *p == id);
        if !shown(self.focus) && placement.tabs.is_none() {
            self.focus = placement
                .panes
                .first()
                .map_or(PaneId::Merged, |(id, _)| *id);
        }
    }

    fn cycle_focus(&mut self, step: isize) {
        let placement = self.placement();
        let mut order: Vec<PaneId> = placement.panes.iter().map(|(id, _)| *id).collect();
        if placement.tabs.is_some() {
            // Tabs: Tab walks through every source, not only the one shown.
            order.retain(|id| *id == PaneId::Merged);
            order.extend(self.shown_sources().into_iter().map(PaneId::Source));
        }
        let at = order.iter().position(|id| *id == self.focus).unwrap_or(0);
        let len = isize::try_from(order.len()).unwrap_or(1).max(1);
        let next =
            usize::try_from((isize::try_from(at).unwrap_or(0) + step).rem_euclid(len)).unwrap_or(0);
        if let Some(&id) = order.get(next) {
            self.focus_pane(id);
        }
    }

    fn focus_pane(&mut self, id: PaneId) {
        self.focus = id;
        let placement = self.placement();
        if placement.panes.iter().any(|(p, _)| *p == id) {
            return;
        }
        match id {
            PaneId::Source(s) if placement.tabs.is_some() => self.tab_source = s,
            PaneId::Merged if self.layout == LayoutMode::SourcesOnly => {
                self.layout = LayoutMode::Split;
            }
            _ => self.layout = LayoutMode::Zoom,
        }
    }

    fn toggle_pause(&mut self, store: &Store) {
        let mark = store.next_seq();
        match self.focus {
            PaneId::Source(s) => {
                let entry = &mut self.sources[s.index()].paused;
                *entry = if entry.is_some() { None } else { Some(mark) };
            }
            PaneId::Merged => {
                let all = self.sources.iter().all(|s| s.paused.is_some());
                for source in &mut self.sources {
                    source.paused = if all {
                        None
                    } else {
                        source.paused.or(Some(mark))
                    };
                }
            }
        }
        self.refresh_index(0, store);
    }

    fn toggle_hidden(&mut self, store: &Store) {
        match self.focus {
            PaneId::Source(s) => {
                self.sources[s.index()].hidden ^= true;
                self.refresh_index(0, store);
            }
            PaneId::Merged => {
                self.notice = Some(
                    "s hides the focused source from the merged pane: focus a source first".into(),
                );
            }
        }
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        let pane = &self.panes[Self::slot(self.focus)];
        let before = match kind {
            PromptKind::Include => pane.include_text.clone(),
            PromptKind::Exclude => pane.exclude_text.clone(),
            PromptKind::Where => pane.where_text.clone(),
            PromptKind::Search => self.search.pattern.as_ref().map(|(text, _)| text.clone()),
            PromptKind::Command => None,
            PromptKind::Find => self.overlays.iter().rev().find_map(|o| match o {
                Overlay::Detail { find, .. } => find.as_ref().map(|(text, _)| text.clone()),
                _ => None,
            }),
        };
        let input = before.clone().unwrap_or_default();
        self.overlays.push(Overlay::Prompt(PromptState {
            kind,
            selected: !input.is_empty(),
            input,
            error: None,
            before,
            recalled: None,
        }));
    }

    /// Keeps `text`, put in force by a prompt of `kind`, for `↑` to recall.
    fn remember(&mut self, kind: PromptKind, text: &str) {
        if text.is_empty()
            || self
                .history
                .iter()
                .rev()
                .find(|(k, _)| *k == kind)
                .is_some_and(|(_, last)| last == text)
        {
            return;
        }
        self.history.push((kind, text.to_owned()));
        if self.history.len() > HISTORY {
            self.history.remove(0);
        }
    }

    /// Closes the topmost overlay `which` matches; false when none is open.
    fn close(&mut self, which: impl Fn(&Overlay) -> bool) -> bool {
        let Some(at) = self.overlays.iter().rposition(which) else {
            return false;
        };
        self.overlays.remove(at);
        true
    }

    /// The prompt being typed, if one is open.
    pub fn prompt(&self) -> Option<&PromptState> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Prompt(p) => Some(p),
            Overlay::Help | Overlay::Detail { .. } => None,
        })
    }

    /// The detail open, if any: its pane, content, scroll and what `/` looks for in it.
    pub fn detail(&self) -> Option<(usize, &Detail, usize, Option<&Regex>)> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Detail {
                slot,
                content,
                scroll,
                find,
            } => Some((*slot, content, *scroll, find.as_ref().map(|(_, re)| re))),
            _ => None,
        })
    }

    /// Opens the detail of pane `slot`'s cursor line.
    fn open_detail(&mut self, slot: usize, store: &Store) {
        let Some(seq) = self.cursor_line(slot, store) else {
            self.notice = Some("no line to show".into());
            return;
        };
        if let Some(content) = detail::build(store, seq, &self.names, &self.clock) {
            self.overlays.push(Overlay::Detail {
                slot,
                content,
                scroll: 0,
                find: None,
            });
        }
    }

    /// True while the key help is open.
    pub fn help_open(&self) -> bool {
        self.overlays.iter().any(|o| matches!(o, Overlay::Help))
    }

    /// The keys' mode: that of the topmost overlay that takes keys.
    pub fn mode(&self) -> Mode {
        match self.overlays.last() {
            Some(Overlay::Prompt(_)) => Mode::Prompt,
            Some(Overlay::Detail { .. }) => Mode::Detail,
            Some(Overlay::Help) | None => Mode::Normal,
        }
    }

    fn apply_prompt(&mut self, action: Action, store: &Store) {
        let Some(Overlay::Prompt(mut prompt)) = self.overlays.pop() else {
            return;
        };
        match action {
            Action::Quit => {
                self.quit = true;
                return;
            }
            // The previous value opens selected: typing replaces it, as in a text field.
            Action::Type(c) => {
                if std::mem::take(&mut prompt.selected) {
                    prompt.input.clear();
                }
                prompt.input.push(c);
            }
            Action::Erase => {
                if std::mem::take(&mut prompt.selected) {
                    prompt.input.clear();
                } else {
                    prompt.input.pop();
                }
            }
            Action::EraseAll => {
                prompt.selected = false;
                prompt.input.clear();
            }
            Action::HistoryOlder | Action::HistoryNewer => {
                let older = action == Action::HistoryOlder;
                let kind = prompt.kind;
                let past: Vec<&String> = self
                    .history
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, text)| text)
                    .collect();
                let at = match (prompt.recalled, older) {
                    (None, true) => past.len().checked_sub(1),
                    (None, false) => None,
                    (Some(i), true) => Some(i.saturating_sub(1)),
                    (Some(i), false) => (i + 1 < past.len()).then_some(i + 1),
                };
                if let Some(text) = at.and_then(|i| past.get(i)) {
                    prompt.input.clone_from(text);
                    prompt.recalled = at;
                    prompt.selected = false;
                }
            }
            Action::Complete => {
                if prompt.kind == PromptKind::Command
                    && !prompt.input.contains(' ')
                    && let Some(name) = command::complete(&prompt.input)
                {
                    prompt.input = format!("{name} ");
                }
            }
            Action::Submit if prompt.kind == PromptKind::Command => {
                self.remember(prompt.kind, &prompt.input);
                self.run_command(&prompt.input, store);
                return;
            }
            Action::Submit => {
                self.remember(prompt.kind, &prompt.input);
                if prompt.error.is_none() && prompt.kind == PromptKind::Search {
                    // The nearest match at or above the cursor (in a followed pane: the newest).
                    self.search.current = None;
                    self.jump_from(Self::slot(self.focus), store, true, true);
                }
                return;
            }
            Action::Cancel => {
                let before = prompt.before.clone().unwrap_or_default();
                // It compiled when it was put in force.
                let _ = self.set_pattern(prompt.kind, &before, store);
                return;
            }
            _ => {}
        }
        // Live: each keystroke applies the pattern; an invalid one leaves the last good in force.
        let input = prompt.input.clone();
        prompt.error = self.set_pattern(prompt.kind, &input, store).err();
        self.overlays.push(Overlay::Prompt(prompt));
    }

    /// Puts `text` in force as the filter, query or search `kind` (empty clears it).
    fn set_pattern(&mut self, kind: PromptKind, text: &str, store: &Store) -> Result<(), String> {
        // A command runs when it is submitted, not as it is typed.
        if kind == PromptKind::Command {
            return Ok(());
        }
        if kind == PromptKind::Find {
            return self.set_detail_find(text);
        }
        let slot = Self::slot(self.focus);
        let owned = (!text.is_empty()).then(|| text.to_owned());
        if kind == PromptKind::Where {
            let query = owned
                .as_deref()
                .map(Query::parse)
                .transpose()
                .map_err(|e| e.to_string())?;
            self.panes[slot].filter.set_query(query);
            self.panes[slot].where_text = owned;
            self.refresh_index(slot, store);
            return Ok(());
        }
        let compiled = if text.is_empty() {
            None
        } else {
            Some(Regex::new(text).map_err(|e| first_line(&e.to_string()))?)
        };
        match kind {
            PromptKind::Include => {
                self.panes[slot].filter.set_include(compiled);
                self.panes[slot].include_text = owned;
                self.refresh_index(slot, store);
            }
            PromptKind::Exclude => {
                self.panes[slot].filter.set_exclude(compiled);
                self.panes[slot].exclude_text = owned;
                self.refresh_index(slot, store);
            }
            PromptKind::Search => {
                self.search.pattern = owned.zip(compiled);
                self.search.count = None;
            }
            PromptKind::Where | PromptKind::Command | PromptKind::Find => {}
        }
        Ok(())
    }

    /// Starts the walk to the next search match: older (upwards) or newer. It ends at once when
    /// the match is near; otherwise [`work_slice`](Self::work_slice) carries it on.
    fn jump(&mut self, slot: usize, store: &Store, older: bool) {
        self.jump_from(slot, store, older, false);
    }

    /// The walk to the next match from the cursor's line (tested too when `at_cursor`), as in
    /// less: what is on screen is where the search goes on from, not the last match.
    fn jump_from(&mut self, slot: usize, store: &Store, older: bool, at_cursor: bool) {
        let Some((text, re)) = self.search.pattern.clone() else {
            self.notice = Some("no search: press / first".into());
            return;
        };
        let Some(cursor) = self.cursor_line(slot, store) else {
            return;
        };
        let cap = self.cap(slot).unwrap_or(0);
        let from = match (older, at_cursor) {
            (_, true) => cursor,
            (true, false) => match cursor.checked_sub(1) {
                Some(from) => from,
                None => return,
            },
            (false, false) => cursor + 1,
        };
        self.search.hunt = Some(Hunt::new(slot, older, Target::Search(text, re), from, cap));
        self.hunt_slice(store);
    }

    /// A key while a record's detail is open: scroll it, look for text in it (`/`, `n`, `N`),
    /// close it, or quit.
    fn apply_detail(&mut self, action: Action) {
        let Some(Overlay::Detail { slot, .. }) = self.overlays.last() else {
            return;
        };
        let slot = *slot;
        let page = usize::try_from(self.page(slot)).unwrap_or(usize::MAX);
        if let Action::Prompt(PromptKind::Find) = action {
            self.open_prompt(PromptKind::Find);
            return;
        }
        let Some(Overlay::Detail {
            scroll,
            content,
            find,
            ..
        }) = self.overlays.last_mut()
        else {
            return;
        };
        let last = content.lines.len().saturating_sub(1);
        let n = |n: u32| usize::try_from(n).unwrap_or(1);
        match action {
            Action::Up(k) => *scroll = scroll.saturating_sub(n(k)),
            Action::Down(k) => *scroll = scroll.saturating_add(n(k)).min(last),
            Action::PageUp => *scroll = scroll.saturating_sub(page),
            Action::PageDown => *scroll = scroll.saturating_add(page).min(last),
            Action::Top => *scroll = 0,
            Action::Bottom => *scroll = last.saturating_sub(page.saturating_sub(1)),
            Action::NewerMatch | Action::OlderMatch => {
                let Some((_, re)) = find else {
                    self.notice = Some("nothing to find: press / first".into());
                    return;
                };
                let below = action == Action::NewerMatch;
                match detail_match(&content.lines, re, *scroll, below, false) {
                    Some(at) => *scroll = at,
                    None => {
                        self.notice = Some(
                            if below {
                                "no match below"
                            } else {
                                "no match above"
                            }
                            .into(),
                        );
                    }
                }
            }
            Action::CloseDetail => {
                self.overlays.pop();
            }
            Action::Quit => self.quit = true,
            _ => {}
        }
    }

    /// Puts `text` in force as what the open detail's `/` looks for (empty: nothing), and
    /// scrolls to the first line at or below the top that has it.
    fn set_detail_find(&mut self, text: &str) -> Result<(), String> {
        let compiled = if text.is_empty() {
            None
        } else {
            Some(Regex::new(text).map_err(|e| first_line(&e.to_string()))?)
        };
        let detail = self.overlays.iter_mut().rev().find_map(|o| match o {
            Overlay::Detail {
                content,
                scroll,
                find,
                ..
            } => Some((content, scroll, find)),
            _ => None,
        });
        if let Some((content, scroll, find)) = detail {
            if let Some(re) = &compiled
                && let Some(at) = detail_match(&content.lines, re, *scroll, true, true)
            {
                *scroll = at;
            }
            *find = compiled.map(|re| (text.to_owned(), re));
        }
        Ok(())
    }

    /// `o`: from the merged pane to the cursor line's source pane (the cursor on that line),
    /// and from a source pane back to the merged pane at the same line.
    fn context(&mut self, slot: usize, store: &Store) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let target = match self.panes[slot].id {
            PaneId::Merged => match store.line(at) {
                Some(line) => PaneId::Source(line.source),
                None => return,
            },
            PaneId::Source(_) => PaneId::Merged,
        };
        self.focus_pane(target);
        let there = Self::slot(target);
        self.place_cursor(there, at, store);
    }

    /// With sync on, every other pane on screen puts its cursor at the moment of pane `slot`'s
    /// (its nearest line at or before the same line of the braid).
    fn sync_from(&mut self, slot: usize, store: &Store) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let others: Vec<usize> = self
            .placement()
            .panes
            .iter()
            .map(|(id, _)| Self::slot(*id))
            .filter(|&other| other != slot)
            .collect();
        for other in others {
            let near = self.lines(other).rev_from(store, at).next();
            if let Some(near) = near {
                self.place_cursor(other, near, store);
            }
        }
    }

    /// `l`: the next minimum level.
    fn cycle_level(&mut self, store: &Store) {
        self.min_level = match self.min_level {
            None => Some(Level::Debug),
            Some(Level::Trace | Level::Debug) => Some(Level::Info),
            Some(Level::Info) => Some(Level::Warn),
            Some(Level::Warn) => Some(Level::Error),
            Some(Level::Error) => None,
        };
        self.refresh_all(store);
    }

    /// Runs a `:` command; what went wrong is said in the status.
    fn run_command(&mut self, input: &str, store: &Store) {
        let slot = Self::slot(self.focus);
        let result = command::parse(input, &self.clock).and_then(|c| match c {
            Command::Goto(moment) => self.goto(slot, moment, store),
            Command::Write {
                path,
                marked,
                force,
            } => self.write(slot, &path, marked, force, store),
        });
        self.notice = match result {
            Ok(said) if said.is_empty() => None,
            Ok(said) | Err(said) => Some(said),
        };
    }

    /// `:goto`: the cursor on the first line at or after `moment` (lines are braided by time:
    /// a binary search, a few dozen lines stamped).
    fn goto(&mut self, slot: usize, moment: Moment, store: &Store) -> Result<String, String> {
        const DAY: i64 = 86_400_000_000_000;
        let offset = self.clock.local_offset_secs * 1_000_000_000;
        let target = match moment {
            Moment::At(t) => t,
            Moment::Before(d) => store.newest_instant().ok_or("no line yet")? - d,
            Moment::TimeOfDay(tod) => {
                let base = self
                    .cursor_line(slot, store)
                    .and_then(|s| store.line(s))
                    .and_then(|l| line_instant(&l.text, &self.clock))
                    .or_else(|| store.newest_instant())
                    .ok_or("no line with a time to take the date from")?;
                (base + offset).div_euclid(DAY) * DAY - offset + tod
            }
        };
        let lines = self.lines(slot);
        let stamped_from = |seq: u64| {
            lines.fwd_from(store, seq).take(100).find_map(|s| {
                store
                    .line(s)
                    .and_then(|l| line_instant(&l.text, &self.clock))
                    .map(|t| (s, t))
            })
        };
        let (mut low, mut high) = (store.first_seq(), store.next_seq());
        let mut best = None;
        while low < high {
            let mid = low + (high - low) / 2;
            match stamped_from(mid) {
                Some((seq, t)) if t >= target => {
                    best = Some(seq);
                    high = mid;
                }
                Some((seq, _)) => low = seq + 1,
                None => high = mid,
            }
        }
        let found = best.ok_or("no line at or after that moment")?;
        self.place_cursor(slot, found, store);
        Ok(String::new())
    }

    /// `:w`/`:wm`: the pane's lines as filtered (only the marked ones) to `path`, raw, after
    /// their source's name in the merged pane.
    fn write(
        &mut self,
        slot: usize,
        path: &std::path::Path,
        marked: bool,
        force: bool,
        store: &Store,
    ) -> Result<String, String> {
        use std::io::Write as _;
        if path.exists() && !force {
            return Err(format!("{} exists: :w! replaces it", path.display()));
        }
        let cap = self.cap(slot).unwrap_or(0);
        let merged = self.panes[slot].id == PaneId::Merged;
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let mut n = 0u64;
        let failed = |e: std::io::Error| format!("writing {} failed: {e}", path.display());
        for seq in self
            .lines(slot)
            .fwd_from(store, 0)
            .take_while(|&s| s <= cap)
        {
            if marked && !self.marks.contains(&seq) {
                continue;
            }
            let Some(line) = store.line(seq) else {
                continue;
            };
            if merged {
                let name = self
                    .names
                    .get(line.source.index())
                    .map_or("?", String::as_str);
                write!(out, "{name} | ").map_err(failed)?;
            }
            out.write_all(&line.text).map_err(failed)?;
            out.write_all(b"\n").map_err(failed)?;
            n += 1;
        }
        out.flush().map_err(failed)?;
        Ok(format!("wrote {n} lines to {}", path.display()))
    }

    /// Counts the search's matches in a slice of the pane's lines.
    fn count_slice(&mut self, store: &Store) {
        let Some(mut count) = self.search.count.take() else {
            return;
        };
        if let (Some(from), Some((_, re))) = (count.next, &self.search.pattern) {
            let seen = self.predicate(count.slot).seen;
            let cap = self.cap(count.slot).unwrap_or(0);
            let mut last = None;
            for seq in self
                .lines(count.slot)
                .fwd_from(store, from)
                .take_while(|&s| s <= cap)
                .take(HUNT_SLICE)
            {
                last = Some(seq);
                if store
                    .line(seq)
                    .is_some_and(|l| re.is_match(&seen.text(&l.text)))
                {
                    count.total += 1;
                    count.before += u64::from(seq < count.current);
                }
            }
            count.next = last.map(|s| s + 1).filter(|&n| {
                self.lines(count.slot)
                    .fwd_from(store, n)
                    .next()
                    .is_some_and(|s| s <= cap)
            });
        } else {
            count.next = None;
        }
        self.search.count = Some(count);
    }

    /// `F2`: the mouse to the terminal, or back.
    fn toggle_mouse(&mut self) {
        self.mouse_released ^= true;
        self.mouse_change = Some(!self.mouse_released);
        self.notice = Some(
            if self.mouse_released {
                "mouse released: the terminal selects (F2 takes it back)"
            } else {
                "mouse captured: the wheel and clicks move the cursor"
            }
            .into(),
        );
    }

    /// `V`: a range from the cursor's line, which `y` copies.
    fn start_range(&mut self, slot: usize, store: &Store) {
        if let Some(at) = self.cursor_line(slot, store) {
            self.range = Some((slot, at));
            self.notice = Some("range: move the cursor, y copies".into());
        }
    }

    /// `y`/`Y`: the cursor's record (or the range) to the clipboard, `headers` before each
    /// record with `Y`.
    fn copy(&mut self, slot: usize, store: &Store, headers: bool) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let seqs: Vec<u64> = match self.range.take() {
            Some((range_slot, anchor)) if range_slot == slot => {
                let (from, to) = (anchor.min(at), anchor.max(at));
                self.lines(slot)
                    .fwd_from(store, from)
                    .take_while(|&s| s <= to)
                    .collect()
            }
            _ => {
                // The record the cursor's line belongs to: back to the line that began it.
                let source = store.line(at).map(|l| l.source);
                let head = source.map_or(at, |source| {
                    store
                        .source_seqs_rev_from(source, at)
                        .take(1000)
                        .find(|&s| store.line(s).is_some_and(|l| !l.continued))
                        .unwrap_or(at)
                });
                let mut seqs = vec![head];
                let at = head;
                if let Some(source) = source {
                    seqs.extend(
                        store
                            .source_seqs_from(source, at + 1)
                            .take_while(|&s| store.line(s).is_some_and(|l| l.continued)),
                    );
                }
                seqs
            }
        };
        let lines: Vec<_> = seqs.iter().filter_map(|&s| store.line(s)).collect();
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for line in &lines {
            if headers && !line.continued {
                let name = self
                    .names
                    .get(line.source.index())
                    .map_or("?", String::as_str);
                texts.push(copy::header(name, &line.text, &self.clock).into_bytes());
            }
            texts.push(line.text.to_vec());
        }
        let text = copy::text(texts.iter().map(Vec::as_slice));
        match copy::osc52(&text, self.multiplexer) {
            Some(osc) => {
                self.clipboard = Some(osc);
                let n = lines.len();
                self.notice = Some(format!(
                    "copied {n} line{} ({} bytes)",
                    if n == 1 { "" } else { "s" },
                    text.len()
                ));
            }
            None => {
                self.notice = Some(format!(
                    "too long to copy: {} KiB (at most {} KiB)",
                    text.len() >> 10,
                    copy::MAX_COPY >> 10
                ));
            }
        }
    }

    /// Marks or unmarks the cursor's line.
    fn toggle_mark(&mut self, slot: usize, store: &Store) {
        if let Some(at) = self.cursor_line(slot, store)
            && !self.marks.remove(&at)
        {
            self.marks.insert(at);
        }
    }

    /// The cursor to the next mark the pane shows, older or newer.
    fn mark_jump(&mut self, slot: usize, store: &Store, older: bool) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let lines = self.lines(slot);
        let shown = |&m: &u64| lines.fwd_from(store, m).next() == Some(m);
        let found = if older {
            self.marks.range(..at).rev().find(|m| shown(m)).copied()
        } else {
            self.marks.range(at + 1..).find(|m| shown(m)).copied()
        };
        if let Some(mark) = found {
            self.place_cursor(slot, mark, store);
        } else {
            let way = if older { "older" } else { "newer" };
            self.notice = Some(format!("no {way} mark"));
        }
    }

    /// Starts the walk from the cursor to the next error (or worse): older or newer.
    fn error_jump(&mut self, slot: usize, store: &Store, older: bool) {
        let Some(at) = self.cursor_line(slot, store) else {
            return;
        };
        let cap = self.cap(slot).unwrap_or(0);
        let from = if older {
            match at.checked_sub(1) {
                Some(from) => from,
                None => return,
            }
        } else {
            at + 1
        };
        self.search.hunt = Some(Hunt::new(slot, older, Target::Error, from, cap));
        self.hunt_slice(store);
    }

    /// Carries the search walk on by one slice; lands on the match when found.
    fn hunt_slice(&mut self, store: &Store) {
        let Some(mut hunt) = self.search.hunt.take() else {
            return;
        };
        let slot = hunt.slot;
        let seen = self.predicate(slot).seen;
        let what = match &hunt.target {
            Target::Search(text, _) => format!("/{text}/: "),
            Target::Error => String::new(),
        };
        let found = match hunt.step(self.lines(slot), seen, store, HUNT_SLICE) {
            Step::Found(found) => found,
            Step::Missing => {
                let way = if hunt.older { "older" } else { "newer" };
                self.notice = Some(match hunt.target {
                    Target::Search(..) => format!("{what}no {way} match"),
                    Target::Error => format!("no {way} error"),
                });
                return;
            }
            Step::Going => {
                self.notice = Some(format!("{what}searching…"));
                self.search.hunt = Some(hunt);
                return;
            }
        };
        if matches!(hunt.target, Target::Search(..)) {
            self.search.current = Some(found);
            self.search.count = Some(Count {
                slot,
                current: found,
                next: Some(store.first_seq()),
                before: 0,
                total: 0,
            });
            self.count_slice(store);
        }
        self.notice = None;
        self.place_cursor(slot, found, store);
    }
}

/// The first line of `lines` from `from` that `re` matches: below it (`at_from`: it too) or
/// above it.
fn detail_match(
    lines: &[String],
    re: &Regex,
    from: usize,
    below: bool,
    at_from: bool,
) -> Option<usize> {
    let hit = |i: &usize| re.is_match(lines[*i].as_bytes());
    if below {
        let start = if at_from { from } else { from + 1 };
        (start..lines.len()).find(hit)
    } else {
        (0..from.min(lines.len())).rev().find(hit)
    }
}

/// The first line of a (multi-line) regex error.
fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| text.lines().next().unwrap_or("invalid regex"))
        .to_owned()
}

/// The instant `text` states by itself (`None` for a line without a timestamp).
fn line_instant(text: &[u8], clock: &Clock) -> Option<i64> {
    let mut stamper = crate::timestamp::Stamper::detecting(*clock);
    let instant = stamper.stamp_batch(&crate::batch::LineBatch::from_lines([text]))[0];
    (instant != crate::timestamp::UNKNOWN).then_some(instant)
}
