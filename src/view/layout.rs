//! Where panes go: a pure function of the terminal size, the layout mode and the source panes
//! shown (a closed one is not), used by the core (to know each pane's height when it builds a snapshot).

use ratatui::layout::Rect;

use crate::source_id::SourceId;

/// Narrowest and lowest a tiled source pane may be before the sources turn into tabs.
const MIN_TILE_WIDTH: u16 = 36;
const MIN_TILE_HEIGHT: u16 = 5;
/// Most rows of tiles.
const MAX_TILE_ROWS: u16 = 4;

/// The layouts `v` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutMode {
    /// The merged pane on top, the source panes tiled below.
    #[default]
    Split,
    /// Only the merged pane.
    MergedOnly,
    /// Only the source panes.
    SourcesOnly,
    /// Only the focused pane.
    Zoom,
}

impl LayoutMode {
    /// The next layout in the cycle.
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Split => Self::MergedOnly,
            Self::MergedOnly => Self::SourcesOnly,
            Self::SourcesOnly => Self::Zoom,
            Self::Zoom => Self::Split,
        }
    }

    /// Its name for the status line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Split => "split",
            Self::MergedOnly => "merged",
            Self::SourcesOnly => "sources",
            Self::Zoom => "zoom",
        }
    }
}

/// A pane: the merged stream or one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    /// All sources interleaved.
    Merged,
    /// One source.
    Source(SourceId),
}

/// The result of [`place`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The panes on screen and their areas (borders included).
    pub panes: Vec<(PaneId, Rect)>,
    /// The tab strip, when the sources are too many to tile.
    pub tabs: Option<Rect>,
    /// The status line.
    pub status: Rect,
}

/// Places the panes. `shown`: the source panes, in order; `focus` is the focused pane;
/// `tab_source` the source shown when the source panes have turned into tabs.
pub fn place(
    area: Rect,
    mode: LayoutMode,
    shown: &[SourceId],
    focus: PaneId,
    tab_source: SourceId,
) -> Placement {
    let status = Rect {
        y: area.bottom().saturating_sub(1),
        height: area.height.min(1),
        ..area
    };
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let mut placement = Placement {
        panes: Vec::new(),
        tabs: None,
        status,
    };
    if mode == LayoutMode::Zoom {
        placement.panes.push((focus, body));
    } else if mode == LayoutMode::MergedOnly || shown.is_empty() {
        placement.panes.push((PaneId::Merged, body));
    } else if mode == LayoutMode::SourcesOnly {
        tile(&mut placement, body, shown, tab_source);
    } else {
        let top = (body.height / 2).max(body.height.min(MIN_TILE_HEIGHT));
        placement.panes.push((
            PaneId::Merged,
            Rect {
                height: top,
                ..body
            },
        ));
        let rest = Rect {
            y: body.y + top,
            height: body.height - top,
            ..body
        };
        if rest.height > 0 {
            tile(&mut placement, rest, shown, tab_source);
        }
    }
    placement
}

/// Tiles the `shown` source panes over `area` in as few rows as keep them wide enough; when they
/// would be too small, shows one of them under a tab strip instead.
fn tile(placement: &mut Placement, area: Rect, shown: &[SourceId], tab_source: SourceId) {
    let n = u16::try_from(shown.len()).unwrap_or(u16::MAX);
    let fits = (1..=MAX_TILE_ROWS.min(n)).find(|&rows| {
        let cols = n.div_ceil(rows);
        area.width / cols >= MIN_TILE_WIDTH && area.height / rows >= MIN_TILE_HEIGHT
    });
    let Some(rows) = fits else {
        let tabs = Rect {
            height: area.height.min(1),
            ..area
        };
        let pane = Rect {
            y: area.y + tabs.height,
            height: area.height - tabs.height,
            ..area
        };
        placement.tabs = Some(tabs);
        placement.panes.push((PaneId::Source(tab_source), pane));
        return;
    };
    let cols = n.div_ceil(rows);
    let mut index = 0;
    for row in split(area.y, area.height, rows) {
        // The last row may hold fewer panes; they share its width.
        let in_row = (n - index).min(cols);
        for col in split(area.x, area.width, in_row) {
            let rect = Rect {
                x: col.0,
                y: row.0,
                width: col.1,
                height: row.1,
            };
            placement
                .panes
                .push((PaneId::Source(shown[usize::from(index)]), rect));
            index += 1;
        }
    }
}

/// Splits `len` cells starting at `start` into `parts` runs, spreading the remainder.
fn split(start: u16, len: u16, parts: u16) -> Vec<(u16, u16)> {
    let base = len / parts;
    let extra = len % parts;
    let mut at = start;
    (0..parts)
        .map(|i| {
            let size = base + u16::from(i < extra);
            let run = (at, size);
            at += size;
            run
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(w: u16, h: u16) -> Rect {
        Rect::new(0, 0, w, h)
    }

    /// The first `n` sources.
    fn ids(n: u16) -> Vec<SourceId> {
        (0..n).map(SourceId).collect()
    }

    #[test]
    fn a_closed_source_leaves_no_pane() {
        let shown = [SourceId(0), SourceId(2)];
        let p = place(
            area(120, 40),
            LayoutMode::SourcesOnly,
            &shown,
            PaneId::Merged,
            SourceId(0),
        );
        let ids: Vec<PaneId> = p.panes.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            [PaneId::Source(SourceId(0)), PaneId::Source(SourceId(2))]
        );
        assert_eq!(p.panes[0].1.width + p.panes[1].1.width, 120);
    }

    #[test]
    fn split_layout_tiles_sources_below_the_merged_pane() {
        let p = place(
            area(120, 40),
            LayoutMode::Split,
            &ids(3),
            PaneId::Merged,
            SourceId(0),
        );
        assert_eq!(p.status, Rect::new(0, 39, 120, 1));
        assert_eq!(p.panes[0], (PaneId::Merged, Rect::new(0, 0, 120, 19)));
        assert_eq!(
            p.panes[1..].iter().map(|(_, r)| *r).collect::<Vec<_>>(),
            vec![
                Rect::new(0, 19, 40, 20),
                Rect::new(40, 19, 40, 20),
                Rect::new(80, 19, 40, 20)
            ]
        );
        assert!(p.tabs.is_none());
    }

    #[test]
    fn many_sources_turn_into_tabs() {
        let p = place(
            area(100, 30),
            LayoutMode::Split,
            &ids(25),
            PaneId::Merged,
            SourceId(7),
        );
        assert!(p.tabs.is_some());
        assert_eq!(p.panes.len(), 2);
        assert_eq!(p.panes[1].0, PaneId::Source(SourceId(7)));
    }

    #[test]
    fn every_cell_is_used_once() {
        for n in 1..12 {
            let p = place(
                area(150, 50),
                LayoutMode::SourcesOnly,
                &ids(n),
                PaneId::Merged,
                SourceId(0),
            );
            let cells: u32 = p
                .panes
                .iter()
                .map(|(_, r)| u32::from(r.width) * u32::from(r.height))
                .sum::<u32>()
                + p.tabs
                    .map_or(0, |t| u32::from(t.width) * u32::from(t.height));
            assert_eq!(cells, 150 * 49, "{n} sources");
        }
    }

    #[test]
    fn zoom_and_tiny_terminals() {
        let p = place(
            area(60, 15),
            LayoutMode::Zoom,
            &ids(3),
            PaneId::Source(SourceId(2)),
            SourceId(0),
        );
        assert_eq!(
            p.panes,
            vec![(PaneId::Source(SourceId(2)), Rect::new(0, 0, 60, 14))]
        );
        let p = place(
            area(10, 1),
            LayoutMode::Split,
            &ids(3),
            PaneId::Merged,
            SourceId(0),
        );
        assert_eq!(p.status.height, 1);
        let p = place(
            area(0, 0),
            LayoutMode::Split,
            &ids(3),
            PaneId::Merged,
            SourceId(0),
        );
        assert_eq!(p.status.height, 0);
    }
}
