//! Drawing a [`ViewSnapshot`]: pure, one function per region, no access to anything else.
//!
//! A snapshot may have been built for a slightly different size (a resize races the frame):
//! every area is clipped to the frame, never indexed blindly.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::text::{self, Layout};
use super::{DetailView, PaneState, PaneView, Row, StatusLine, TabStrip, ViewSnapshot};
use crate::level::Level;

/// Source colours, by source index (stable for the whole run).
const PALETTE: [Color; 12] = [
    Color::Cyan,
    Color::Yellow,
    Color::Green,
    Color::Magenta,
    Color::Blue,
    Color::Red,
    Color::LightCyan,
    Color::LightYellow,
    Color::LightGreen,
    Color::LightMagenta,
    Color::LightBlue,
    Color::LightRed,
];

/// The colour of source `index`.
pub fn source_color(index: u16) -> Color {
    PALETTE[usize::from(index) % PALETTE.len()]
}

/// Draws the whole frame.
pub fn draw(frame: &mut Frame, snap: &ViewSnapshot) {
    let area = frame.area();
    for pane in &snap.panes {
        draw_pane(frame, pane.rect.intersection(area), pane, snap);
    }
    if let Some(tabs) = &snap.tabs {
        draw_tabs(frame, tabs.rect.intersection(area), tabs, snap);
    }
    draw_status(
        frame,
        snap.status.rect.intersection(area),
        &snap.status,
        snap.colors,
    );
    if let Some(detail) = &snap.detail {
        draw_detail(frame, detail.rect.intersection(area), detail, snap.colors);
    }
    if !snap.help.is_empty() {
        draw_help(frame, area, &snap.help, snap.colors);
    }
}

/// A record's detail over its pane: labels set apart, the rest wrapped.
fn draw_detail(frame: &mut Frame, rect: Rect, detail: &DetailView, colors: bool) {
    if rect.is_empty() {
        return;
    }
    let label = fg(Color::LightCyan, colors).add_modifier(Modifier::BOLD);
    let found = if colors {
        Style::new().bg(Color::Yellow).fg(Color::Black)
    } else {
        Style::new().add_modifier(Modifier::REVERSED)
    };
    let lines: Vec<Line<'_>> = detail
        .lines
        .iter()
        .zip(detail.found.iter().chain(std::iter::repeat(&Vec::new())))
        .map(|(l, ranges)| match l.split_once(' ') {
            Some((name, value)) if LABELS.contains(&name) && ranges.is_empty() => Line::from(vec![
                Span::styled(name.to_owned(), label),
                Span::raw(format!(" {value}")),
            ]),
            _ => highlighted(l, ranges, found),
        })
        .collect();
    let block = Block::bordered()
        .title_top(Line::from(detail.title.clone()))
        .title_bottom(Line::from(" Esc close · j k scroll ").alignment(Alignment::Right))
        .border_style(fg(Color::LightCyan, colors));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// `line` with `ranges` (byte ranges, in order) in `style`.
fn highlighted(line: &str, ranges: &[std::ops::Range<usize>], style: Style) -> Line<'static> {
    let mut spans = Vec::new();
    let mut at = 0;
    for range in ranges {
        // Ranges come from a regex over the same text: on character boundaries, in order.
        let (Some(before), Some(hit)) = (line.get(at..range.start), line.get(range.clone())) else {
            continue;
        };
        spans.push(Span::raw(before.to_owned()));
        spans.push(Span::styled(hit.to_owned(), style));
        at = range.end;
    }
    spans.push(Span::raw(line.get(at..).unwrap_or_default().to_owned()));
    Line::from(spans)
}

/// The labels of a detail's first lines.
const LABELS: [&str; 5] = ["source", "time", "arrived", "level", "late"];

fn fg(color: Color, colors: bool) -> Style {
    if colors {
        Style::new().fg(color)
    } else {
        Style::new()
    }
}

fn draw_pane(frame: &mut Frame, rect: Rect, pane: &PaneView, snap: &ViewSnapshot) {
    if rect.is_empty() {
        return;
    }
    let colors = snap.colors;
    let accent = pane.source.map_or(Color::White, source_color);
    let border = if pane.focused {
        fg(accent, colors).add_modifier(Modifier::BOLD)
    } else {
        fg(Color::DarkGray, colors)
    };
    let block = Block::bordered()
        .border_style(border)
        .title_top(title(pane, colors));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.is_empty() {
        return;
    }
    if pane.rows.is_empty() {
        let empty = Paragraph::new(Line::styled(
            pane.empty,
            Style::new().add_modifier(Modifier::DIM),
        ));
        frame.render_widget(empty, inner);
        return;
    }
    let tag_width = usize::from(pane.tag_width);
    let tag_cols = if pane.source.is_none() && tag_width > 0 {
        tag_width + 2
    } else {
        0
    };
    let layout = Layout {
        width: usize::from(inner.width).saturating_sub(tag_cols),
        hscroll: usize::from(pane.hscroll),
        wrap: pane.wrap,
        max_lines: usize::from(inner.height),
        colors,
    };
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(pane.rows.len());
    for row in &pane.rows {
        let painted = text::paint(&row.text, row_style(row, colors), &row.marks, layout);
        for (i, mut line) in painted.into_iter().enumerate() {
            if tag_cols > 0 {
                let mut spans = tag(row, i == 0, tag_width, snap);
                spans.append(&mut line.spans);
                line.spans = spans;
            } else if row.marked && i == 0 {
                line.spans
                    .insert(0, Span::styled("●", fg(Color::LightMagenta, colors)));
            }
            lines.push(line);
        }
    }
    // Wrapped rows may not all fit: the newest stay in view.
    let skip = lines.len().saturating_sub(usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines.split_off(skip)), inner);
}

/// The base style of a row: its level's colour (dimmed for a context line), a marker for the
/// current search match, and the cursor's highlight.
fn row_style(row: &Row, colors: bool) -> Style {
    let style = match (row.level, colors) {
        (Some(Level::Error), true) => Style::new().fg(Color::LightRed),
        (Some(Level::Error), false) => Style::new().add_modifier(Modifier::BOLD),
        (Some(Level::Warn), true) => Style::new().fg(Color::Yellow),
        (Some(Level::Debug | Level::Trace), _) => Style::new().add_modifier(Modifier::DIM),
        _ => Style::new(),
    };
    let style = if row.context {
        style.add_modifier(Modifier::DIM)
    } else {
        style
    };
    let style = if row.current {
        style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    } else {
        style
    };
    match (row.cursor, colors) {
        (true, true) => style.bg(Color::Indexed(237)),
        (true, false) => style.add_modifier(Modifier::REVERSED),
        (false, _) => style,
    }
}

/// The source tag before a merged-pane row (blank on a wrapped row's continuation lines).
fn tag(row: &Row, first: bool, width: usize, snap: &ViewSnapshot) -> Vec<Span<'static>> {
    let name = snap
        .names
        .get(usize::from(row.source))
        .map_or("?", String::as_str);
    let shown = if first {
        fit(name, width)
    } else {
        String::new()
    };
    let pad = width.saturating_sub(shown.width());
    vec![
        Span::styled(
            format!("{shown}{:pad$}", ""),
            fg(source_color(row.source), snap.colors),
        ),
        // A marked line, and a line placed by arrival (too late for the merge window).
        if row.marked && first {
            Span::styled("● ", fg(Color::LightMagenta, snap.colors))
        } else if row.late && first {
            Span::styled("~ ", fg(Color::Yellow, snap.colors))
        } else {
            Span::styled("│ ", fg(Color::DarkGray, snap.colors))
        },
    ]
}

/// `s` cut to `width` columns with an ellipsis.
fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + 2 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn title(pane: &PaneView, colors: bool) -> Line<'static> {
    let t = &pane.title;
    let accent = pane.source.map_or(Color::White, source_color);
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(
            t.name.clone(),
            fg(accent, colors).add_modifier(Modifier::BOLD),
        ),
    ];
    let mut part = |text: String, style: Style| {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text, style));
    };
    match &t.state {
        // The merged pane follows whenever its sources do; a source pane says so.
        PaneState::Following if pane.source.is_some() => {
            part("following".into(), Style::new().add_modifier(Modifier::DIM));
        }
        PaneState::Following => {}
        PaneState::Paused { new } => {
            part(
                format!("PAUSED +{new} new"),
                fg(Color::Black, colors)
                    .bg(if colors { Color::Yellow } else { Color::Reset })
                    .add_modifier(
                        Modifier::BOLD
                            | if colors {
                                Modifier::empty()
                            } else {
                                Modifier::REVERSED
                            },
                    ),
            );
        }
        PaneState::Scrolled { below } => part(
            format!("↓ {below} below (G to follow)"),
            fg(Color::LightCyan, colors),
        ),
        PaneState::Source(status) => part(status.clone(), fg(Color::LightRed, colors)),
    }
    if !t.narrowed.is_empty() {
        part(t.narrowed.clone(), fg(Color::Yellow, colors));
    }
    if let Some(done) = t.indexing {
        part(format!("indexing {done}%"), fg(Color::LightYellow, colors));
    }
    if let Some(done) = t.filtering {
        part(format!("filtering {done}%"), fg(Color::LightYellow, colors));
    }
    if t.rate >= 0.5 {
        part(format!("{}/s", human(t.rate)), Style::new());
    }
    if t.evicted > 0 {
        #[allow(clippy::cast_precision_loss)]
        part(
            format!("{} evicted", human(t.evicted as f64)),
            fg(Color::DarkGray, colors),
        );
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// 950, 1.2k, 3.4M.
fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.0}k", n / 1e3)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn draw_tabs(frame: &mut Frame, rect: Rect, tabs: &TabStrip, snap: &ViewSnapshot) {
    if rect.is_empty() {
        return;
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    // Where each tab starts and ends, in columns of the whole strip.
    let mut extents: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    let mut selected_at = 0;
    for &index in &tabs.sources {
        let i = usize::from(index);
        let name = snap.names.get(i).map_or("?", String::as_str);
        let mut style = fg(source_color(index), snap.colors);
        if index == tabs.selected {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
            selected_at = at;
        }
        let tab = Span::styled(format!(" {} {} ", i + 1, fit(name, 24)), style);
        extents.push((at, at + tab.width()));
        at += tab.width() + 1;
        spans.push(tab);
        spans.push(Span::raw(" "));
    }
    // Keep the selected tab in view, and say how many are off either side.
    let width = usize::from(rect.width);
    let scroll = selected_at.saturating_sub(width / 2);
    let left = extents.iter().filter(|(_, end)| *end <= scroll).count();
    let right = extents
        .iter()
        .filter(|(start, _)| *start >= scroll + width.saturating_sub(6))
        .count();
    let strip = Paragraph::new(Line::from(spans)).scroll((0, u16::try_from(scroll).unwrap_or(0)));
    frame.render_widget(strip, rect);
    let dim = Style::new().add_modifier(Modifier::DIM | Modifier::BOLD);
    if left > 0 {
        let text = format!("‹{left} ");
        let w = u16::try_from(text.width()).unwrap_or(0).min(rect.width);
        frame.render_widget(
            Paragraph::new(Span::styled(text, dim)),
            Rect { width: w, ..rect },
        );
    }
    if right > 0 {
        let text = format!(" {right}›");
        let w = u16::try_from(text.width()).unwrap_or(0).min(rect.width);
        frame.render_widget(
            Paragraph::new(Span::styled(text, dim)),
            Rect {
                x: rect.right() - w,
                width: w,
                ..rect
            },
        );
    }
}

fn draw_status(frame: &mut Frame, rect: Rect, status: &StatusLine, colors: bool) {
    if rect.is_empty() {
        return;
    }
    if let Some(prompt) = &status.prompt {
        let mut spans = vec![
            Span::styled(
                format!(" {} ", prompt.label),
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ),
            Span::raw(" "),
            if prompt.selected {
                Span::styled(
                    prompt.input.clone(),
                    Style::new().add_modifier(Modifier::REVERSED),
                )
            } else {
                Span::raw(prompt.input.clone())
            },
            Span::styled("▏", Style::new().add_modifier(Modifier::SLOW_BLINK)),
        ];
        if let Some(error) = &prompt.error {
            spans.push(Span::styled(
                format!("  {error}"),
                fg(Color::LightRed, colors),
            ));
        } else {
            spans.push(Span::styled(
                "  Enter keep · Esc cancel · empty clears",
                Style::new().add_modifier(Modifier::DIM),
            ));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), rect);
        return;
    }
    let mut spans = vec![Span::styled(
        format!(" {} ", status.focus),
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    )];
    for filter in &status.filters {
        spans.push(Span::styled(
            format!(" {filter}"),
            fg(Color::Yellow, colors),
        ));
    }
    if let Some(level) = status.level {
        spans.push(Span::styled(
            format!(" level {}+", level.name()),
            fg(Color::LightMagenta, colors),
        ));
    }
    if let Some(search) = &status.search {
        spans.push(Span::styled(
            format!(" search /{search}/"),
            fg(Color::LightCyan, colors),
        ));
    }
    if let Some(matches) = &status.matches {
        spans.push(Span::styled(
            format!(" {matches}"),
            fg(Color::LightCyan, colors),
        ));
    }
    if let Some(notice) = &status.notice {
        spans.push(Span::styled(
            format!("  {notice}"),
            fg(Color::LightRed, colors),
        ));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    frame.render_widget(Paragraph::new(Line::from(spans)), rect);
    // As many hints as fit beside what the line says; `? help` even over it.
    let room = usize::from(rect.width).saturating_sub(used + 2);
    let mut hint = String::new();
    for (i, h) in status.hints.iter().enumerate() {
        let next = if i == 0 {
            h.clone()
        } else {
            format!("{hint}  {h}")
        };
        if i > 0 && next.width() + 1 > room {
            break;
        }
        hint = next;
    }
    let hint_width = hint.width() + 1;
    if !hint.is_empty() && usize::from(rect.width) > hint_width {
        let width = u16::try_from(hint_width).unwrap_or(rect.width);
        let right = Rect {
            x: rect.right() - width,
            width,
            ..rect
        };
        let hint = Line::styled(format!("{hint} "), Style::new().add_modifier(Modifier::DIM));
        frame.render_widget(Paragraph::new(hint).alignment(Alignment::Right), right);
    }
}

fn draw_help(frame: &mut Frame, area: Rect, keys: &[(&str, &str)], colors: bool) {
    let width = 74.min(area.width);
    let height = u16::try_from(keys.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    // A terminal too low for every key: the last row says how many more there are.
    let room = usize::from(height.saturating_sub(2));
    let fits = if keys.len() > room {
        room.saturating_sub(1)
    } else {
        keys.len()
    };
    let mut lines = Vec::with_capacity(room);
    for (shown, what) in &keys[..fits] {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {shown:<26}"),
                fg(Color::LightCyan, colors).add_modifier(Modifier::BOLD),
            ),
            Span::raw((*what).to_owned()),
        ]));
    }
    if fits < keys.len() {
        lines.push(Line::styled(
            format!(
                "  … {} more: a taller terminal shows them (the README lists all)",
                keys.len() - fits
            ),
            Style::new().add_modifier(Modifier::DIM),
        ));
    }
    let block = Block::bordered()
        .title_top(Line::from(" logbraid keys ").alignment(Alignment::Center))
        .border_style(fg(Color::LightCyan, colors));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
