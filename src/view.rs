//! What the render thread draws: an owned, screen-sized [`ViewSnapshot`] per frame.
//!
//! The core task builds a snapshot from the store and the app state — only the rows that are
//! visible — and sends it to the render thread, which never sees the store. Drawing a snapshot
//! costs the same whether a million lines are retained or ten.

pub mod draw;
pub mod layout;
pub mod terminal;
pub mod text;
pub mod thread;

use std::ops::Range;
use std::sync::Arc;

use ratatui::layout::Rect;

use crate::level::Level;
use crate::record::render::Part;

/// Everything one frame shows.
#[derive(Debug, Clone, Default)]
pub struct ViewSnapshot {
    /// The terminal area it was built for.
    pub area: Rect,
    /// Source names, indexed by source (for row tags and tabs).
    pub names: Arc<Vec<String>>,
    /// The panes on screen.
    pub panes: Vec<PaneView>,
    /// The tab strip, when there are too many sources to tile.
    pub tabs: Option<TabStrip>,
    /// The bottom line.
    pub status: StatusLine,
    /// The `?` overlay's rows (keys, what they do) while it is open; empty otherwise.
    pub help: Vec<(&'static str, &'static str)>,
    /// A record's detail, while it is open.
    pub detail: Option<DetailView>,
    /// False under `NO_COLOR`: no colours, only bold/underline/reverse.
    pub colors: bool,
}

/// A record's detail, drawn over the pane it was opened from.
#[derive(Debug, Clone, Default)]
pub struct DetailView {
    /// Where it goes.
    pub rect: Rect,
    /// Its title.
    pub title: String,
    /// The lines on screen, from the first one scrolled to: inert already (wrapped when drawn).
    pub lines: Vec<String>,
    /// Per line, the byte ranges of what `/` found in it (highlighted).
    pub found: Vec<Vec<std::ops::Range<usize>>>,
}

/// One pane: the merged stream or one source.
#[derive(Debug, Clone, Default)]
pub struct PaneView {
    /// Where it goes.
    pub rect: Rect,
    /// Whether it has the keyboard focus.
    pub focused: bool,
    /// The source it shows (`None`: the merged pane, whose rows are tagged with their source).
    pub source: Option<u16>,
    /// Its title.
    pub title: Title,
    /// The visible lines, oldest first (at most the pane's height).
    pub rows: Vec<Row>,
    /// Long lines wrap instead of being cut at the edge.
    pub wrap: bool,
    /// Columns scrolled to the right (when not wrapping).
    pub hscroll: u16,
    /// Width of the source-name column in the merged pane.
    pub tag_width: u16,
    /// What to say when there are no rows.
    pub empty: &'static str,
}

/// A pane's title: name, state, rate, evictions.
#[derive(Debug, Clone, Default)]
pub struct Title {
    /// Source name, or "merged".
    pub name: String,
    /// The state shown after the name.
    pub state: PaneState,
    /// Lines per second arriving.
    pub rate: f64,
    /// Lines evicted from history.
    pub evicted: u64,
    /// While a filter is being applied to the history: percent done.
    pub filtering: Option<u8>,
    /// While a big file's history is being indexed: percent done.
    pub indexing: Option<u8>,
    /// What narrows the pane: its filters, its query, the minimum level (`+/re/ -/re/ &q ≥WARN`).
    pub narrowed: String,
}

/// What a pane is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PaneState {
    /// Showing new lines as they come.
    #[default]
    Following,
    /// Paused; `new` lines arrived since.
    Paused {
        /// Lines waiting.
        new: u64,
    },
    /// Scrolled up; `below` lines are under the view.
    Scrolled {
        /// Lines below the view.
        below: u64,
    },
    /// A source status worth showing instead of "following": waiting, rotated, failed, exited.
    Source(String),
}

/// One visible line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // five independent facts about a row
pub struct Row {
    /// Its source.
    pub source: u16,
    /// Its bytes as read (made safe when drawn).
    pub text: Vec<u8>,
    /// Its level, for colouring.
    pub level: Option<Level>,
    /// Byte ranges to highlight.
    pub marks: Vec<Mark>,
    /// The line the last search jump landed on.
    pub current: bool,
    /// The focused pane's cursor is on it.
    pub cursor: bool,
    /// It is marked (`m`).
    pub marked: bool,
    /// The live braid placed it by arrival: it came later than the merge window allows.
    pub late: bool,
    /// Shown as context around a match of the pane's filter (`+`), not as a match: dimmed.
    pub context: bool,
}

/// Where frames go: the render thread, or a test that looks at them.
pub trait FrameSink {
    /// Hands a frame over; gives it back when the sink is still busy with the previous one
    /// (its changes then go into the next frame).
    fn offer(&self, snapshot: Box<ViewSnapshot>) -> Result<(), Box<ViewSnapshot>>;
    /// True when the sink has ended (it failed to draw): the TUI ends too.
    fn is_finished(&self) -> bool;
    /// Writes a clipboard sequence (OSC 52) to the terminal, once.
    fn copy(&self, sequence: Vec<u8>);
    /// Captures the mouse, or gives it to the terminal.
    fn capture_mouse(&self, capture: bool);
}

/// A highlighted byte range of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The bytes.
    pub range: Range<usize>,
    /// Why.
    pub kind: MarkKind,
}

/// Why a range is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// It matches the pane's include filter.
    Filter,
    /// It matches the search.
    Search,
    /// A part of a rendered record (a key, the level…).
    Part(Part),
}

/// The tab strip listing every source when they are too many to tile.
#[derive(Debug, Clone, Default)]
pub struct TabStrip {
    /// Where it goes.
    pub rect: Rect,
    /// The source shown below it.
    pub selected: u16,
    /// The sources with a tab, in order (a closed one has none).
    pub sources: Vec<u16>,
}

/// The bottom line: focus, filters, level, search, and a key hint — or the prompt being typed.
#[derive(Debug, Clone, Default)]
pub struct StatusLine {
    /// Where it goes.
    pub rect: Rect,
    /// Name of the focused pane.
    pub focus: String,
    /// The focused pane's filters, as shown (`+/re/`, `-/re/`).
    pub filters: Vec<String>,
    /// The minimum level shown, if any.
    pub level: Option<Level>,
    /// The search, if any.
    pub search: Option<String>,
    /// Where the current match stands: `match 3 of 10` (`…` while counting).
    pub matches: Option<String>,
    /// A one-off message (a notice, a search that found nothing).
    pub notice: Option<String>,
    /// The prompt being typed, if any.
    pub prompt: Option<Prompt>,
    /// The key hints, most useful first: as many as fit are shown (`? help` always).
    pub hints: &'static [String],
}

/// A line being typed: a filter or a search.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// What it is for ("filter", "exclude", "search").
    pub label: &'static str,
    /// What was typed.
    pub input: String,
    /// Why the input is not a valid regex (the previous filter stays in force).
    pub error: Option<String>,
    /// The input is the previous value, selected (typing replaces it).
    pub selected: bool,
}
