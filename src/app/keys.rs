//! Keys to actions: one table per input mode. The help overlay lists the same keys
//! (`view::draw::KEYS`).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Quit.
    Quit,
    /// Focus the next / previous pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// Focus the merged pane.
    FocusMerged,
    /// Focus source pane N (0-based).
    FocusSource(u16),
    /// Next layout.
    CycleLayout,
    /// Scroll up N lines.
    Up(u32),
    /// Scroll down N lines.
    Down(u32),
    /// Up a page.
    PageUp,
    /// Down a page.
    PageDown,
    /// To the oldest line.
    Top,
    /// To the newest line, following again.
    Bottom,
    /// Sideways (when not wrapping).
    Left,
    /// Sideways (when not wrapping).
    Right,
    /// Wrap on/off.
    ToggleWrap,
    /// Structured records rendered or raw, in the focused pane.
    ToggleRaw,
    /// Pause/resume the focused source (the merged pane: all).
    TogglePause,
    /// Hide/show the focused source in the merged pane.
    ToggleHidden,
    /// Open a prompt.
    Prompt(PromptKind),
    /// Jump to the next older search match.
    OlderMatch,
    /// Jump to the next newer search match.
    NewerMatch,
    /// Next minimum level.
    CycleLevel,
    /// Help on/off.
    ToggleHelp,
    /// Close the help, forget a notice.
    Dismiss,
    /// Prompt: a typed character.
    Type(char),
    /// Prompt: erase a character.
    Erase,
    /// Prompt: erase everything.
    EraseAll,
    /// Prompt: keep what was typed.
    Submit,
    /// Prompt: go back to what was before.
    Cancel,
}

/// What a prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `f`: the focused pane's include filter.
    Include,
    /// `F`: its exclude filter.
    Exclude,
    /// `/`: the search.
    Search,
    /// `&`: the focused pane's field query.
    Where,
}

impl PromptKind {
    /// The prompt's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Include => "filter",
            Self::Exclude => "exclude",
            Self::Search => "search",
            Self::Where => "where",
        }
    }
}

/// The action for `key` in normal mode, if any.
pub fn normal(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match (key.code, ctrl) {
        (KeyCode::Char('c'), true) => Action::Quit,
        (KeyCode::Char('b'), true) => Action::PageUp,
        (KeyCode::Char('f'), true) => Action::PageDown,
        (_, true) => return None,
        (KeyCode::Char('q'), _) => Action::Quit,
        (KeyCode::Tab, _) => Action::FocusNext,
        (KeyCode::BackTab, _) => Action::FocusPrev,
        (KeyCode::Char('0'), _) => Action::FocusMerged,
        (KeyCode::Char(d @ '1'..='9'), _) => Action::FocusSource(u16::from(d as u8 - b'1')),
        (KeyCode::Char('v'), _) => Action::CycleLayout,
        (KeyCode::Char('k') | KeyCode::Up, _) => Action::Up(1),
        (KeyCode::Char('j') | KeyCode::Down, _) => Action::Down(1),
        (KeyCode::PageUp, _) => Action::PageUp,
        (KeyCode::PageDown | KeyCode::Char(' '), _) => Action::PageDown,
        (KeyCode::Char('g') | KeyCode::Home, _) => Action::Top,
        (KeyCode::Char('G') | KeyCode::End, _) => Action::Bottom,
        (KeyCode::Left, _) => Action::Left,
        (KeyCode::Right, _) => Action::Right,
        (KeyCode::Char('w'), _) => Action::ToggleWrap,
        (KeyCode::Char('r'), _) => Action::ToggleRaw,
        (KeyCode::Char('p'), _) => Action::TogglePause,
        (KeyCode::Char('s'), _) => Action::ToggleHidden,
        (KeyCode::Char('f'), _) => Action::Prompt(PromptKind::Include),
        (KeyCode::Char('F'), _) => Action::Prompt(PromptKind::Exclude),
        (KeyCode::Char('/'), _) => Action::Prompt(PromptKind::Search),
        (KeyCode::Char('&'), _) => Action::Prompt(PromptKind::Where),
        (KeyCode::Char('n'), _) => Action::OlderMatch,
        (KeyCode::Char('N'), _) => Action::NewerMatch,
        (KeyCode::Char('l'), _) => Action::CycleLevel,
        (KeyCode::Char('?'), _) => Action::ToggleHelp,
        (KeyCode::Esc, _) => Action::Dismiss,
        _ => return None,
    })
}

/// The action for `key` while a prompt is open.
pub fn prompt(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match (key.code, ctrl) {
        (KeyCode::Char('c'), true) => Action::Quit,
        (KeyCode::Char('u'), true) => Action::EraseAll,
        (_, true) => return None,
        (KeyCode::Enter, _) => Action::Submit,
        (KeyCode::Esc, _) => Action::Cancel,
        (KeyCode::Backspace, _) => Action::Erase,
        (KeyCode::Char(c), _) => Action::Type(c),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn table() {
        assert_eq!(normal(key(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(
            normal(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            normal(key(KeyCode::Char('3'))),
            Some(Action::FocusSource(2))
        );
        assert_eq!(
            normal(key(KeyCode::Char('f'))),
            Some(Action::Prompt(PromptKind::Include))
        );
        assert_eq!(normal(key(KeyCode::Char('x'))), None);
        assert_eq!(prompt(key(KeyCode::Char('q'))), Some(Action::Type('q')));
        assert_eq!(prompt(key(KeyCode::Enter)), Some(Action::Submit));
    }
}
