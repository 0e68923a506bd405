//! Building the [`ViewSnapshot`] of one frame: only the visible rows of each pane on screen.
//! Work here is proportional to the screen, not to the history.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use regex::bytes::Regex;

use super::keys;
use super::rates::Rates;
use super::state::{AppState, FLASH, Pane, Scroll, SourceState};
use crate::level;
use crate::merge::Waiting;
use crate::record::render;
use crate::source::SourceStatus;
use crate::source_id::SourceId;
use crate::store::{LineRef, Store};
use crate::view::layout::PaneId;
use crate::view::{
    DetailView, Mark, MarkKind, PaneState, PaneView, Prompt, Row, StatusLine, TabStrip, Title,
    ViewSnapshot,
};

/// Widest source tag in the merged pane.
const TAG_MAX: usize = 18;
/// Panes narrower than this show records' time of day only.
const NARROW: usize = 100;
/// Records longer than this are shown as written: rendering parses the whole line.
const RENDER_MAX: usize = 256 << 10;

/// Everything a frame needs besides the state and the store.
pub struct Context<'a> {
    /// Their names, shared with the render thread.
    pub names: Arc<Vec<String>>,
    /// Lines per second.
    pub rates: &'a Rates,
    /// Colours allowed.
    pub colors: bool,
    /// Now.
    pub now: Instant,
    /// Live lines still waiting in the merge window, in braid order: shown at once below the
    /// braided ones in a pane that follows, where a slightly older line slots in above a newer
    /// one until they go into the store.
    pub waiting: &'a [Waiting<'a>],
}

/// Builds the snapshot of the current frame.
pub fn build(state: &mut AppState, store: &Store, ctx: &Context<'_>) -> ViewSnapshot {
    state.catch_up(store);
    let placement = state.placement();
    let tag_width = u16::try_from(
        ctx.names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(TAG_MAX),
    )
    .unwrap_or(0);
    let panes = placement
        .panes
        .iter()
        .map(|&(id, rect)| {
            let slot = AppState::slot(id);
            let height = usize::from(rect.height.saturating_sub(2));
            let width = usize::from(rect.width.saturating_sub(2));
            PaneView {
                rect,
                focused: id == state.focus,
                source: match id {
                    PaneId::Merged => None,
                    PaneId::Source(s) => Some(s.0),
                },
                title: title(state, slot, store, ctx),
                rows: rows(state, slot, store, ctx.waiting, height, width),
                wrap: state.panes[slot].view.wrap,
                hscroll: state.panes[slot].view.hscroll,
                tag_width,
                empty: empty_text(state, slot),
            }
        })
        .collect();
    let tabs = placement.tabs.map(|rect| TabStrip {
        rect,
        selected: state.tab_source.0,
        sources: state.shown_sources().into_iter().map(|s| s.0).collect(),
    });
    ViewSnapshot {
        area: state.size,
        names: Arc::clone(&ctx.names),
        panes,
        tabs,
        status: status(state, placement.status, ctx),
        detail: state.detail().map(|(slot, content, scroll, find)| {
            let rect = placement
                .panes
                .iter()
                .find(|(id, _)| AppState::slot(*id) == slot)
                .map_or(state.size, |(_, rect)| *rect);
            // Only the lines that can show: a 10 MB record's detail is hundreds of thousands.
            let from = scroll.min(content.lines.len());
            let to = (from + usize::from(rect.height)).min(content.lines.len());
            let lines = content.lines[from..to].to_vec();
            let found = lines
                .iter()
                .map(|line| {
                    let mut marks = Vec::new();
                    push_marks(&mut marks, find, line.as_bytes(), MarkKind::Search);
                    marks.into_iter().map(|m| m.range).collect()
                })
                .collect();
            DetailView {
                rect,
                title: content.title.clone(),
                lines,
                found,
            }
        }),
        help: if state.help_open() {
            keys::help().collect()
        } else {
            Vec::new()
        },
        colors: ctx.colors,
    }
}

fn rows(
    state: &AppState,
    slot: usize,
    store: &Store,
    waiting: &[Waiting<'_>],
    height: usize,
    width: usize,
) -> Vec<Row> {
    let pane = &state.panes[slot];
    // Bytes beyond what the pane can show are not copied (a line may be megabytes long); 4 bytes
    // a column leaves room for UTF-8 and escape sequences.
    let visible_cols =
        usize::from(pane.view.hscroll) + width * if pane.view.wrap { height.max(1) } else { 1 };
    let cap = visible_cols * 4 + 256;
    let search = state.search.pattern.as_ref().map(|(_, re)| re);
    let options = render::Options {
        hide: &state.hide,
        max_value: (width / 3).max(16),
        short_time: width < NARROW,
    };
    let row = |source: SourceId, text: &[u8], seq: Option<u64>| {
        let rendered = (!pane.raw && text.len() <= RENDER_MAX)
            .then(|| render::render(text, options, &state.clock))
            .flatten();
        let level = rendered
            .as_ref()
            .and_then(|r| r.level)
            .or_else(|| level::detect(text));
        let (mut text, parts) = match rendered {
            Some(r) => (r.text, r.parts),
            None => (text.to_vec(), Vec::new()),
        };
        text.truncate(cap);
        let mut marks = Vec::new();
        push_marks(&mut marks, pane.filter.include(), &text, MarkKind::Filter);
        push_marks(&mut marks, search, &text, MarkKind::Search);
        // After the highlights: the first mark covering a byte gives its style.
        marks.extend(parts.into_iter().map(|(range, part)| Mark {
            range,
            kind: MarkKind::Part(part),
        }));
        Row {
            source: source.0,
            text,
            level,
            marks,
            current: seq.is_some() && state.search.current == seq,
            cursor: false,
            marked: seq.is_some_and(|seq| state.marks.contains(&seq)),
            late: seq.is_some_and(|seq| store.late(seq).is_some()),
            context: seq.is_some_and(|seq| pane.index.as_ref().is_some_and(|i| i.is_context(seq))),
        }
    };
    // A pane at the newest line shows the lines still in the merge window below the rest (a
    // paused source pane stops at its mark, before them).
    let mut tail: Vec<Row> = Vec::new();
    if pane.view.scroll == Scroll::Follow && state.cap(slot) == Some(u64::MAX) {
        let predicate = state.predicate(slot);
        tail = waiting
            .iter()
            .rev()
            .filter(|w| {
                predicate.matches(&LineRef {
                    // Newer than every stored line (a paused source's waiting lines are held).
                    seq: u64::MAX,
                    source: w.source,
                    text: Cow::Borrowed(w.text),
                    continued: false,
                })
            })
            .take(height)
            .map(|w| row(w.source, w.text, None))
            .collect();
        tail.reverse();
    }
    let Some(bottom) = state.bottom(slot, store) else {
        return tail;
    };
    let lines = state.lines(slot);
    let mut seqs: Vec<u64> = lines
        .rev_from(store, bottom)
        .take(height - tail.len())
        .collect();
    seqs.reverse();
    let lines: Vec<LineRef<'_>> = seqs.into_iter().filter_map(|seq| store.line(seq)).collect();
    let mut shown: Vec<Option<u64>> = lines.iter().map(|l| Some(l.seq)).collect();
    shown.extend(tail.iter().map(|_| None));
    let mut rows: Vec<Row> = lines
        .iter()
        .map(|line| row(line.source, &line.text, Some(line.seq)))
        .collect();
    rows.append(&mut tail);
    // The focused pane's cursor: its line, or the last row while the pane follows.
    if state.focus == pane.id {
        let at = match pane.view.cursor {
            Some(_) => state
                .cursor_line(slot, store)
                .and_then(|c| shown.iter().position(|&s| s == Some(c))),
            None => rows.len().checked_sub(1),
        };
        if let Some(row) = at.and_then(|i| rows.get_mut(i)) {
            row.cursor = true;
        }
    }
    rows
}

fn push_marks(marks: &mut Vec<Mark>, re: Option<&Regex>, text: &[u8], kind: MarkKind) {
    if let Some(re) = re {
        marks.extend(re.find_iter(text).filter(|m| !m.is_empty()).map(|m| Mark {
            range: m.range(),
            kind,
        }));
    }
}

/// A pane's filters and query as typed: `+/include/`, `-/exclude/`, `&query`.
fn typed_filters(pane: &Pane) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(text) = &pane.include_text {
        parts.push(format!("+/{text}/"));
    }
    if let Some(text) = &pane.exclude_text {
        parts.push(format!("-/{text}/"));
    }
    if let Some(text) = &pane.where_text {
        parts.push(format!("&{text}"));
    }
    parts
}

/// What narrows pane `slot`, as its title says it (focused or not).
fn narrowed(state: &AppState, slot: usize) -> String {
    let pane = &state.panes[slot];
    let mut parts = typed_filters(pane);
    if let Some(level) = state.min_level {
        parts.push(format!("≥{}", level.name()));
    }
    if let Some(index) = pane.index.as_ref().filter(|i| i.context() > 0) {
        parts.push(format!("±{}", index.context()));
    }
    parts.join(" ")
}

fn title(state: &AppState, slot: usize, store: &Store, ctx: &Context<'_>) -> Title {
    let pane = &state.panes[slot];
    let filtering = pane.index.as_ref().and_then(|i| i.progress(store));
    let narrowed = narrowed(state, slot);
    match pane.id {
        PaneId::Merged => {
            let all_paused =
                !state.sources.is_empty() && state.sources.iter().all(|s| s.paused.is_some());
            let state_shown = if all_paused {
                let new = (0..state.sources.len())
                    .map(|s| held_back(state, store, s))
                    .sum();
                PaneState::Paused { new }
            } else {
                scrolled(state, slot, store).unwrap_or_default()
            };
            Title {
                name: match state.sources() {
                    1 => "merged · 1 source".to_owned(),
                    n => format!("merged · {n} sources"),
                },
                state: state_shown,
                rate: (0..ctx.names.len()).map(|s| ctx.rates.rate(s)).sum(),
                evicted: store.evicted_total(),
                filtering,
                indexing: state.sources.iter().filter_map(|s| s.indexing).min(),
                narrowed,
            }
        }
        PaneId::Source(s) => {
            let state_shown = if state.sources[s.index()].paused.is_some() {
                PaneState::Paused {
                    new: held_back(state, store, s.index()),
                }
            } else if let Some(scrolled) = scrolled(state, slot, store) {
                scrolled
            } else {
                source_state(state, s, ctx.now)
            };
            Title {
                name: ctx.names.get(s.index()).cloned().unwrap_or_default(),
                state: state_shown,
                rate: ctx.rates.rate(s.index()),
                evicted: store.evicted(s),
                filtering,
                indexing: state.sources.get(s.index()).and_then(|s| s.indexing),
                narrowed,
            }
        }
    }
}

/// Lines of source `s` that arrived since it was paused.
fn held_back(state: &AppState, store: &Store, s: usize) -> u64 {
    let source = SourceId::from_index(s);
    match state.sources.get(s).and_then(|s| s.paused) {
        Some(0) => store.source_len(source),
        Some(mark) => store.source_count_after(source, mark - 1),
        None => 0,
    }
}

fn scrolled(state: &AppState, slot: usize, store: &Store) -> Option<PaneState> {
    let Scroll::At(_) = state.panes[slot].view.scroll else {
        return None;
    };
    let bottom = state.bottom(slot, store)?;
    let below = state
        .lines(slot)
        .count_between(store, bottom, state.cap(slot).unwrap_or(0));
    Some(PaneState::Scrolled { below })
}

fn source_state(state: &AppState, s: SourceId, now: Instant) -> PaneState {
    let Some(SourceState { status, flash, .. }) = state.sources.get(s.index()) else {
        return PaneState::Following;
    };
    if let Some((what, at)) = flash
        && now.duration_since(*at) < FLASH
    {
        return PaneState::Source((*what).to_owned());
    }
    match status {
        None | Some(SourceStatus::Following | SourceStatus::Rotated | SourceStatus::Truncated) => {
            PaneState::Following
        }
        Some(SourceStatus::Waiting) => PaneState::Source("waiting for the file".into()),
        Some(SourceStatus::Exited(Some(code))) => PaneState::Source(format!("exited {code}")),
        Some(SourceStatus::Exited(None)) => PaneState::Source("killed".into()),
        Some(SourceStatus::Ended) => PaneState::Source("ended".into()),
        Some(SourceStatus::Gone) => PaneState::Source("gone".into()),
        Some(SourceStatus::Failed(reason)) => PaneState::Source(format!("error: {reason}")),
    }
}

fn empty_text(state: &AppState, slot: usize) -> &'static str {
    let pane = &state.panes[slot];
    if pane.index.is_some() {
        return "no line matches";
    }
    match pane.id {
        PaneId::Source(s)
            if matches!(
                state.sources.get(s.index()),
                Some(SourceState {
                    status: Some(SourceStatus::Waiting),
                    ..
                })
            ) =>
        {
            "waiting for the file to appear…"
        }
        _ => "no lines yet",
    }
}

fn status(state: &AppState, rect: ratatui::layout::Rect, ctx: &Context<'_>) -> StatusLine {
    let pane = &state.panes[AppState::slot(state.focus)];
    let focus = match state.focus {
        PaneId::Merged => "merged".to_owned(),
        PaneId::Source(s) => format!(
            "{} {}",
            s.0 + 1,
            ctx.names.get(s.index()).map_or("", String::as_str)
        ),
    };
    let mut filters = typed_filters(pane);
    let hidden = state.sources.iter().filter(|s| s.hidden).count();
    if hidden > 0 {
        filters.push(format!("{hidden} hidden"));
    }
    StatusLine {
        rect,
        focus: format!("{focus} · {}", state.layout.name()),
        filters,
        level: state.min_level,
        search: state.search.pattern.as_ref().map(|(text, _)| text.clone()),
        matches: state.search.count.as_ref().map(|c| {
            let more = if c.done() { "" } else { "…" };
            format!("match {} of {}{more}", c.before + 1, c.total)
        }),
        notice: state.notice.clone(),
        prompt: state.prompt().map(|p| Prompt {
            label: p.kind.label(),
            input: p.input.clone(),
            error: p.error.clone(),
            selected: p.selected,
        }),
        hints: keys::hints(),
    }
}
