//! A row's bytes as styled text for the screen — the only way log text reaches the terminal.
//!
//! SGR colour sequences in the line are parsed and applied (or dropped under `NO_COLOR`); every
//! other control character is shown inert in caret notation (`^[`, `^G`, `^M`), C1 controls as
//! `<U+009B>`, invalid UTF-8 as `\xNN`; tabs become spaces. Only what fits on screen is looked
//! at: a multi-megabyte line costs no more than a short one.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::{Mark, MarkKind};
use crate::level::Level;
use crate::record::render::Part;
use crate::sanitize::sgr_len;

const TAB: usize = 8;

/// How to lay a row out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Columns available.
    pub width: usize,
    /// Columns scrolled off to the left (ignored when wrapping).
    pub hscroll: usize,
    /// Wrap into at most `max_lines` lines instead of cutting at the edge.
    pub wrap: bool,
    /// Most lines a wrapped row may take.
    pub max_lines: usize,
    /// Colours allowed (false under `NO_COLOR`).
    pub colors: bool,
}

/// The style a highlight adds.
pub fn mark_style(kind: MarkKind, colors: bool) -> Style {
    match (kind, colors) {
        (MarkKind::Filter, true) => Style::new().fg(Color::Black).bg(Color::Yellow),
        (MarkKind::Search, true) => Style::new().fg(Color::Black).bg(Color::LightCyan),
        (MarkKind::Filter | MarkKind::Search, false) => {
            Style::new().add_modifier(Modifier::REVERSED)
        }
        (MarkKind::Part(part), colors) => part_style(part, colors),
    }
}

/// The style of a part of a rendered record: keys set apart from values, the level coloured.
fn part_style(part: Part, colors: bool) -> Style {
    let dim = Style::new().add_modifier(Modifier::DIM);
    match (part, colors) {
        (Part::Prefix | Part::Time | Part::Marker, _) | (Part::Key, false) => dim,
        (Part::Key, true) => Style::new().fg(Color::Cyan),
        (Part::Logger, true) => Style::new().fg(Color::Magenta),
        (Part::Level(level), true) => match level {
            Level::Error => Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            Level::Warn => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Level::Info => Style::new().fg(Color::Green),
            Level::Debug => Style::new().fg(Color::Blue),
            Level::Trace => dim,
        },
        (Part::Level(Level::Error | Level::Warn), false) => {
            Style::new().add_modifier(Modifier::BOLD)
        }
        (Part::Logger | Part::Level(_), false) => Style::new(),
    }
}

/// Lays out `text` (one log line) with `base` style and `marks` highlighted; returns one line, or
/// several when wrapping.
pub fn paint(text: &[u8], base: Style, marks: &[Mark], layout: Layout) -> Vec<Line<'static>> {
    let mut out = Painter::new(layout);
    let mut sgr = Style::new();
    let mut offset = 0; // byte offset in `text`, for marks
    'chunks: for chunk in text.utf8_chunks() {
        let valid = chunk.valid();
        let mut i = 0;
        while i < valid.len() {
            let rest = &valid[i..];
            let c = rest.chars().next().expect("i is on a char boundary");
            let at = offset + i;
            if c == '\x1b'
                && let Some(len) = sgr_len(rest.as_bytes())
            {
                if layout.colors {
                    sgr = apply_sgr(sgr, &rest.as_bytes()[2..len - 1]);
                }
                i += len;
                continue;
            }
            let style = style_at(base.patch(sgr), marks, at, layout.colors);
            let done = if c == '\t' {
                out.tab(style)
            } else if c.is_control() {
                out.inert(&caret(c), style)
            } else {
                out.push(c, style)
            };
            if done {
                break 'chunks;
            }
            i += c.len_utf8();
        }
        offset += valid.len();
        for &byte in chunk.invalid() {
            let style = style_at(base.patch(sgr), marks, offset, layout.colors);
            if out.inert(&format!("\\x{byte:02X}"), style) {
                break 'chunks;
            }
            offset += 1;
        }
    }
    out.finish()
}

/// The style of the byte at `at`: the line's own, plus a highlight if a mark covers it.
fn style_at(style: Style, marks: &[Mark], at: usize, colors: bool) -> Style {
    match marks.iter().find(|m| m.range.contains(&at)) {
        Some(mark) => style.patch(mark_style(mark.kind, colors)),
        None => style,
    }
}

fn caret(c: char) -> String {
    match u32::from(c) {
        b @ 0..0x20 => format!("^{}", char::from_u32(b + 0x40).unwrap_or('?')),
        0x7f => "^?".to_owned(),
        other => format!("<U+{other:04X}>"),
    }
}

/// Accumulates styled characters into spans and lines, honouring width, scroll and wrap.
struct Painter {
    layout: Layout,
    lines: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    text: String,
    style: Style,
    /// Display column in the whole row (for tabs and horizontal scroll).
    column: usize,
    /// Columns used on the current screen line.
    used: usize,
}

impl Painter {
    fn new(layout: Layout) -> Self {
        Self {
            layout,
            lines: Vec::new(),
            spans: Vec::new(),
            text: String::new(),
            style: Style::new(),
            column: 0,
            used: 0,
        }
    }

    /// Adds one printable char; true when nothing more fits.
    fn push(&mut self, c: char, style: Style) -> bool {
        let w = c.width().unwrap_or(0);
        self.column += w;
        if !self.layout.wrap && self.column <= self.layout.hscroll {
            return false; // scrolled off to the left
        }
        if self.used + w > self.layout.width && (!self.layout.wrap || !self.new_line()) {
            return true;
        }
        if style != self.style && !self.text.is_empty() {
            self.flush_span();
        }
        self.style = style;
        self.text.push(c);
        self.used += w;
        false
    }

    /// Adds visible text standing for a control byte, dimmed so it reads as not part of the log.
    fn inert(&mut self, shown: &str, style: Style) -> bool {
        let style = style.add_modifier(Modifier::DIM);
        shown.chars().any(|c| self.push(c, style))
    }

    fn tab(&mut self, style: Style) -> bool {
        let spaces = TAB - self.column % TAB;
        (0..spaces).any(|_| self.push(' ', style))
    }

    /// Starts a new screen line when wrapping; false when the row may not take more lines.
    fn new_line(&mut self) -> bool {
        if self.lines.len() + 1 >= self.layout.max_lines {
            return false;
        }
        self.flush_span();
        self.lines.push(Line::from(std::mem::take(&mut self.spans)));
        self.used = 0;
        true
    }

    fn flush_span(&mut self) {
        if !self.text.is_empty() {
            self.spans
                .push(Span::styled(std::mem::take(&mut self.text), self.style));
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush_span();
        self.lines.push(Line::from(self.spans));
        self.lines
    }
}

/// Applies SGR parameters (the bytes between `ESC [` and `m`) to `style`.
fn apply_sgr(mut style: Style, params: &[u8]) -> Style {
    let nums: Vec<u16> = params
        .split(|b| *b == b';' || *b == b':')
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    let mut i = 0;
    while i < nums.len() {
        match nums[i] {
            0 => style = Style::new(),
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => style = style.add_modifier(Modifier::UNDERLINED),
            7 => style = style.add_modifier(Modifier::REVERSED),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            27 => style = style.remove_modifier(Modifier::REVERSED),
            n @ 30..=37 => style = style.fg(basic(n - 30, false)),
            n @ 90..=97 => style = style.fg(basic(n - 90, true)),
            n @ 40..=47 => style = style.bg(basic(n - 40, false)),
            n @ 100..=107 => style = style.bg(basic(n - 100, true)),
            39 => style.fg = None,
            49 => style.bg = None,
            n @ (38 | 48) => {
                let (color, used) = extended(&nums[i + 1..]);
                if let Some(color) = color {
                    style = if n == 38 {
                        style.fg(color)
                    } else {
                        style.bg(color)
                    };
                }
                i += used;
            }
            _ => {}
        }
        i += 1;
    }
    style
}

/// `5;n` (256 colours) or `2;r;g;b` (true colour) after a 38 or 48; the colour and how many
/// parameters it used.
fn extended(rest: &[u16]) -> (Option<Color>, usize) {
    let byte = |i: usize| rest.get(i).and_then(|v| u8::try_from(*v).ok());
    match rest.first() {
        Some(5) => (byte(1).map(Color::Indexed), 2),
        Some(2) => match (byte(1), byte(2), byte(3)) {
            (Some(r), Some(g), Some(b)) => (Some(Color::Rgb(r, g, b)), 4),
            _ => (None, rest.len()),
        },
        _ => (None, 0),
    }
}

fn basic(n: u16, bright: bool) -> Color {
    match (n, bright) {
        (0, false) => Color::Black,
        (1, false) => Color::Red,
        (2, false) => Color::Green,
        (3, false) => Color::Yellow,
        (4, false) => Color::Blue,
        (5, false) => Color::Magenta,
        (6, false) => Color::Cyan,
        (7, false) => Color::Gray,
        (0, true) => Color::DarkGray,
        (1, true) => Color::LightRed,
        (2, true) => Color::LightGreen,
        (3, true) => Color::LightYellow,
        (4, true) => Color::LightBlue,
        (5, true) => Color::LightMagenta,
        (6, true) => Color::LightCyan,
        _ => Color::White,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(width: usize) -> Layout {
        Layout {
            width,
            hscroll: 0,
            wrap: false,
            max_lines: 1,
            colors: true,
        }
    }

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn controls_are_inert_and_sgr_is_applied() {
        let lines = paint(
            b"a\x1b]0;title\x07b\x1b[31mred\x1b[0m\r\xff",
            Style::new(),
            &[],
            layout(80),
        );
        assert_eq!(plain(&lines), ["a^[]0;title^Gbred^M\\xFF"]);
        let red = lines[0]
            .spans
            .iter()
            .find(|s| s.content == "red")
            .expect("a red span");
        assert_eq!(red.style.fg, Some(Color::Red));
    }

    #[test]
    fn no_color_drops_sgr_colours() {
        let lines = paint(
            b"\x1b[31mred",
            Style::new(),
            &[],
            Layout {
                colors: false,
                ..layout(80)
            },
        );
        assert_eq!(lines[0].spans[0].style.fg, None);
    }

    #[test]
    fn tabs_width_scroll_and_wrap() {
        assert_eq!(
            plain(&paint(b"a\tb", Style::new(), &[], layout(80))),
            ["a       b"]
        );
        assert_eq!(
            plain(&paint(b"abcdefgh", Style::new(), &[], layout(5))),
            ["abcde"]
        );
        assert_eq!(
            plain(&paint(
                b"abcdefgh",
                Style::new(),
                &[],
                Layout {
                    hscroll: 3,
                    ..layout(3)
                }
            )),
            ["def"]
        );
        let wrapped = paint(
            b"abcdefgh",
            Style::new(),
            &[],
            Layout {
                wrap: true,
                max_lines: 9,
                ..layout(3)
            },
        );
        assert_eq!(plain(&wrapped), ["abc", "def", "gh"]);
        let capped = paint(
            b"abcdefgh",
            Style::new(),
            &[],
            Layout {
                wrap: true,
                max_lines: 2,
                ..layout(3)
            },
        );
        assert_eq!(plain(&capped), ["abc", "def"]);
    }

    #[test]
    fn marks_highlight_byte_ranges() {
        let marks = [Mark {
            range: 2..4,
            kind: MarkKind::Filter,
        }];
        let lines = paint(b"abcdef", Style::new(), &marks, layout(80));
        assert_eq!(plain(&lines), ["abcdef"]);
        assert_eq!(lines[0].spans[1].content, "cd");
        assert_eq!(lines[0].spans[1].style.bg, Some(Color::Yellow));
    }

    #[test]
    fn extended_colours() {
        let s = apply_sgr(Style::new(), b"38;5;208;48;2;1;2;3;1");
        assert_eq!(s.fg, Some(Color::Indexed(208)));
        assert_eq!(s.bg, Some(Color::Rgb(1, 2, 3)));
        assert!(s.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn a_huge_line_costs_only_what_is_shown() {
        let huge = vec![b'x'; 10 << 20];
        let lines = paint(&huge, Style::new(), &[], layout(100));
        assert_eq!(plain(&lines)[0].len(), 100);
    }
}
