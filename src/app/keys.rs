//! Keys to actions: [`BINDINGS`], one table for both input modes, which also gives the help
//! overlay's rows, the status bar's hint and the README's key table.

use std::fmt::Write as _;

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
    /// Close the focused source's pane, when the source is gone for good.
    CloseSource,
    /// Open a prompt.
    Prompt(PromptKind),
    /// Jump to the next older search match.
    OlderMatch,
    /// Jump to the next newer search match.
    NewerMatch,
    /// Next minimum level.
    CycleLevel,
    /// Jump to the next older error (or worse).
    OlderError,
    /// Jump to the next newer error (or worse).
    NewerError,
    /// From a merged-pane line to the same line in its source's pane, and back.
    Context,
    /// Sync on/off: moving the cursor moves every visible pane to the same moment.
    ToggleSync,
    /// One more line of context around each match of a filtered pane.
    WiderContext,
    /// One line fewer.
    NarrowerContext,
    /// Copy the cursor's record (or the range) to the clipboard.
    Copy,
    /// The same, with a `source · time` header per record.
    CopyWithHeaders,
    /// Start a range at the cursor (`y` then copies it).
    StartRange,
    /// Give the mouse to the terminal (its own selection works) or take it back.
    ToggleMouse,
    /// Mark / unmark the cursor's line.
    ToggleMark,
    /// Jump to the next older mark.
    OlderMark,
    /// Jump to the next newer mark.
    NewerMark,
    /// Help on/off.
    ToggleHelp,
    /// Close the help, forget a notice.
    Dismiss,
    /// Open the detail of the cursor's record.
    OpenDetail,
    /// Close the detail.
    CloseDetail,
    /// Prompt: a typed character.
    Type(char),
    /// Prompt: erase a character.
    Erase,
    /// Prompt: erase everything.
    EraseAll,
    /// Prompt: complete a command's name.
    Complete,
    /// Prompt: recall an older entry.
    HistoryOlder,
    /// Prompt: recall a newer entry.
    HistoryNewer,
    /// Prompt: keep what was typed.
    Submit,
    /// Prompt: go back to what was before.
    Cancel,
}

impl Action {
    /// True for the actions that move the focused pane's cursor (`S` syncs the others then).
    pub fn moves_cursor(self) -> bool {
        matches!(
            self,
            Action::Up(_)
                | Action::Down(_)
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
                | Action::OlderMatch
                | Action::NewerMatch
                | Action::OlderError
                | Action::NewerError
                | Action::OlderMark
                | Action::NewerMark
        )
    }
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
    /// `:`: a command.
    Command,
    /// `/` in a record's detail: text to find in it.
    Find,
}

impl PromptKind {
    /// The prompt's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Include => "filter",
            Self::Exclude => "exclude",
            Self::Search => "search",
            Self::Where => "where",
            Self::Command => ":",
            Self::Find => "find in record",
        }
    }
}

/// The input modes, each with its own bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Panes have the keys.
    Normal,
    /// A prompt is being typed.
    Prompt,
    /// A record's detail is open.
    Detail,
}

/// A key as bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key, without Ctrl.
    Plain(KeyCode),
    /// Ctrl and this character.
    Ctrl(char),
    /// `1`–`9`.
    Digit,
    /// Any character (a prompt types it).
    Char,
}

/// What a bound key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Does {
    /// This.
    Act(Action),
    /// Focus source pane N (`1` is the first).
    FocusDigit,
    /// Type the character.
    TypeChar,
}

/// One row of the key table: keys and what each does, and how the help overlay, the status
/// hint and the README say it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where the keys work.
    pub mode: Mode,
    /// Each key and what it does.
    pub keys: &'static [(Key, Does)],
    /// The keys as the help overlay writes them.
    pub shown: &'static str,
    /// What they do, in a few words (the help overlay).
    pub help: &'static str,
    /// The keys as the README writes them.
    pub readme_keys: &'static str,
    /// What they do, for the README.
    pub readme: &'static str,
    /// In the status bar's hint: its place, the key and a word.
    pub hint: Option<(u8, &'static str, &'static str)>,
}

use Does::{Act, FocusDigit, TypeChar};
use Key::{Char, Ctrl, Digit, Plain};

/// The keys: one table drives the key lookup, the `?` overlay, the status hint, and the README
/// (a test checks its table against this one).
pub const BINDINGS: &[Binding] = &[
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('q')), Act(Action::Quit)),
            (Ctrl('c'), Act(Action::Quit)),
        ],
        shown: "q  Ctrl-C",
        help: "quit",
        readme_keys: "`q`, `Ctrl-C`",
        readme: "quit (the terminal is restored, also on SIGTERM or a panic)",
        hint: Some((1, "q", "quit")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Tab), Act(Action::FocusNext)),
            (Plain(KeyCode::BackTab), Act(Action::FocusPrev)),
        ],
        shown: "Tab  Shift-Tab",
        help: "next / previous pane",
        readme_keys: "`Tab`, `Shift-Tab`",
        readme: "focus the next / previous pane",
        hint: Some((2, "Tab", "focus")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('0')), Act(Action::FocusMerged)),
            (Digit, FocusDigit),
        ],
        shown: "0  1-9",
        help: "merged pane / source pane N",
        readme_keys: "`0`, `1`–`9`",
        readme: "focus the merged pane, source pane N",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('v')), Act(Action::CycleLayout))],
        shown: "v",
        help: "layout: split, merged, sources, zoom",
        readme_keys: "`v`",
        readme: "layout: split, merged only, sources only, focused pane zoomed",
        hint: Some((3, "v", "layout")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('k')), Act(Action::Up(1))),
            (Plain(KeyCode::Up), Act(Action::Up(1))),
            (Plain(KeyCode::Char('j')), Act(Action::Down(1))),
            (Plain(KeyCode::Down), Act(Action::Down(1))),
        ],
        shown: "j k  ↑ ↓  wheel",
        help: "cursor down / up a line",
        readme_keys: "`j` `k` `↑` `↓` wheel",
        readme: "move the focused pane's cursor (a highlighted line) down / up — a click puts it on the line clicked; the view follows it, and a pane whose cursor leaves its last line stops following (the title counts what arrives below)",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::PageUp), Act(Action::PageUp)),
            (Ctrl('b'), Act(Action::PageUp)),
            (Plain(KeyCode::PageDown), Act(Action::PageDown)),
            (Plain(KeyCode::Char(' ')), Act(Action::PageDown)),
            (Ctrl('f'), Act(Action::PageDown)),
        ],
        shown: "PgUp PgDn Space  ^B ^F",
        help: "cursor a page up / down",
        readme_keys: "`PgUp` `PgDn` `Space`, `Ctrl-B` `Ctrl-F`",
        readme: "move the cursor a page up / down",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('g')), Act(Action::Top)),
            (Plain(KeyCode::Home), Act(Action::Top)),
            (Plain(KeyCode::Char('G')), Act(Action::Bottom)),
            (Plain(KeyCode::End), Act(Action::Bottom)),
        ],
        shown: "g Home  G End",
        help: "first line / last line (follow)",
        readme_keys: "`g` `Home`, `G` `End`",
        readme: "the cursor on the oldest line / on the newest, the pane following again",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Left), Act(Action::Left)),
            (Plain(KeyCode::Right), Act(Action::Right)),
        ],
        shown: "← →",
        help: "scroll sideways (wrap off)",
        readme_keys: "`←` `→`",
        readme: "scroll sideways (wrapping off)",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Enter), Act(Action::OpenDetail))],
        shown: "Enter",
        help: "the cursor's record in detail",
        readme_keys: "`Enter`",
        readme: "the cursor's record in detail, over the pane: its whole text with the lines that continue it (a stack trace), a JSON or logfmt record's fields as an indented tree, its source, its time and where that came from, its level, whether it came late; `j` `k` `PgUp` `PgDn` scroll it, `Esc` closes it",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('w')), Act(Action::ToggleWrap))],
        shown: "w",
        help: "wrap long lines on/off (this pane)",
        readme_keys: "`w`",
        readme: "wrap the focused pane's long lines on/off",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('r')), Act(Action::ToggleRaw))],
        shown: "r",
        help: "JSON/logfmt records rendered or raw",
        readme_keys: "`r`",
        readme: "JSON and logfmt records of the focused pane rendered (the default) or as written",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(
            Plain(KeyCode::Char('&')),
            Act(Action::Prompt(PromptKind::Where)),
        )],
        shown: "&",
        help: "field query: http.status >= 500",
        readme_keys: "`&`",
        readme: "field query of the focused pane (`level >= warn`, `http.status >= 500 and source = api.log`; see [Structured logs](#structured-logs)), live as you type like `f`",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('p')), Act(Action::TogglePause))],
        shown: "p",
        help: "pause/resume source (merged: all)",
        readme_keys: "`p`",
        readme: "pause/resume the focused source — it keeps reading; on the merged pane: all sources",
        hint: Some((4, "p", "pause")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('s')), Act(Action::ToggleHidden))],
        shown: "s",
        help: "hide/show source in merged pane",
        readme_keys: "`s`",
        readme: "hide/show the focused source in the merged pane",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('x')), Act(Action::CloseSource))],
        shown: "x",
        help: "close a gone source's pane",
        readme_keys: "`x`",
        readme: "close the focused source's pane when its source is gone for good (its file deleted, a command that exited, a file that cannot be read); its lines stay in the merged pane, its number key opens the pane again, and so does its file coming back",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (
                Plain(KeyCode::Char('f')),
                Act(Action::Prompt(PromptKind::Include)),
            ),
            (
                Plain(KeyCode::Char('F')),
                Act(Action::Prompt(PromptKind::Exclude)),
            ),
        ],
        shown: "f  F",
        help: "include / exclude filter (regex)",
        readme_keys: "`f`, `F`",
        readme: "include / exclude filter of the focused pane: a regex, applied live as you type (an invalid one shows its error and the previous filter stays); Enter keeps, Esc cancels, empty clears. It matches what the pane shows: the text without escape sequences, records as rendered; a stack trace goes with the line it follows",
        hint: Some((5, "f", "filter")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (
                Plain(KeyCode::Char('/')),
                Act(Action::Prompt(PromptKind::Search)),
            ),
            (Plain(KeyCode::Char('n')), Act(Action::NewerMatch)),
            (Plain(KeyCode::Char('N')), Act(Action::OlderMatch)),
        ],
        shown: "/  n N",
        help: "search; next (below) / previous match",
        readme_keys: "`/`, `n`, `N`",
        readme: "search (highlighted): the cursor goes to the nearest match at or above it (in a followed pane: the newest); `n` the next match below it (newer), `N` above (older), as in less (a far one is looked for between keys: the status says `searching…`, any other key stops it)",
        hint: Some((6, "/", "search")),
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('o')), Act(Action::Context)),
            (Ctrl('o'), Act(Action::Context)),
            (Plain(KeyCode::Char('S')), Act(Action::ToggleSync)),
        ],
        shown: "o ^O  S",
        help: "line in its source / back; sync panes",
        readme_keys: "`o`, `Ctrl-O`, `S`",
        readme: "on a merged-pane line: its source's pane with the cursor on that line, among its neighbours; there: back to the merged pane at the same line. `S`: sync on/off — moving the cursor in one pane moves every other visible pane to the same moment",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('+')), Act(Action::WiderContext)),
            (Plain(KeyCode::Char('-')), Act(Action::NarrowerContext)),
        ],
        shown: "+  -",
        help: "more / fewer context lines around matches",
        readme_keys: "`+`, `-`",
        readme: "in a filtered pane: one more / one fewer line of context before and after each match (dimmed, like `grep -C`; the pane's own lines: its source's, or the visible sources' in the merged pane); the title shows `±N`",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('y')), Act(Action::Copy)),
            (Plain(KeyCode::Char('Y')), Act(Action::CopyWithHeaders)),
            (Plain(KeyCode::Char('V')), Act(Action::StartRange)),
            (Plain(KeyCode::F(2)), Act(Action::ToggleMouse)),
        ],
        shown: "y  Y  V  F2",
        help: "copy the record / with headers; range",
        readme_keys: "`y`, `Y`, `V`, `F2`",
        readme: "copy the cursor's record (with the lines that continue it) to the clipboard, through the terminal (OSC 52: it works over ssh, and in tmux with `set-clipboard on`); `Y` puts a `source · time` line before each record; `V` starts a range at the cursor that `y` then copies; escape sequences are left out, 64 KiB at most. `F2` gives the mouse to the terminal (its own selection works) and takes it back",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('e')), Act(Action::NewerError)),
            (Plain(KeyCode::Char('E')), Act(Action::OlderError)),
        ],
        shown: "e  E",
        help: "next / previous error",
        readme_keys: "`e`, `E`",
        readme: "the cursor to the next (newer) / previous (older) error or worse; the status says when there is none",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('m')), Act(Action::ToggleMark)),
            (Plain(KeyCode::Char('u')), Act(Action::NewerMark)),
            (Plain(KeyCode::Char('U')), Act(Action::OlderMark)),
        ],
        shown: "m  u U",
        help: "mark a line; next / previous mark",
        readme_keys: "`m`, `u`, `U`",
        readme: "mark / unmark the cursor's line (a `●` before it; marks stay through filters); the cursor to the next / previous mark",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(
            Plain(KeyCode::Char(':')),
            Act(Action::Prompt(PromptKind::Command)),
        )],
        shown: ":",
        help: "command: goto 14:05, w FILE, wm FILE",
        readme_keys: "`:`",
        readme: "a command (Tab completes its name): `:goto 14:05`, `:goto 14:05:30.250` (that time on the date of the cursor's line), `:goto 2024-05-01T14:05`, `:goto -5m` (before the newest line) put the cursor on the first line at or after that moment; `:w FILE` writes the focused pane's lines as filtered (with a source prefix in the merged pane), `:wm FILE` only the marked ones, `:w! FILE` replaces a file",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[(Plain(KeyCode::Char('l')), Act(Action::CycleLevel))],
        shown: "l",
        help: "minimum level: all, DEBUG+ … ERROR only",
        readme_keys: "`l`",
        readme: "minimum level: all → DEBUG+ → INFO+ → WARN+ → ERROR (a stack trace goes with the line it follows; other lines that state no level stay; an access-log line's level is its status: 5xx error, 4xx warn)",
        hint: None,
    },
    Binding {
        mode: Mode::Normal,
        keys: &[
            (Plain(KeyCode::Char('?')), Act(Action::ToggleHelp)),
            (Plain(KeyCode::Esc), Act(Action::Dismiss)),
        ],
        shown: "?  Esc",
        help: "this help / close",
        readme_keys: "`?`, `Esc`",
        readme: "all of the above / close it",
        hint: Some((0, "?", "help")),
    },
    Binding {
        mode: Mode::Detail,
        keys: &[
            (Plain(KeyCode::Esc), Act(Action::CloseDetail)),
            (Plain(KeyCode::Enter), Act(Action::CloseDetail)),
            (Plain(KeyCode::Char('q')), Act(Action::CloseDetail)),
            (Ctrl('c'), Act(Action::Quit)),
            (Plain(KeyCode::Char('k')), Act(Action::Up(1))),
            (Plain(KeyCode::Up), Act(Action::Up(1))),
            (Plain(KeyCode::Char('j')), Act(Action::Down(1))),
            (Plain(KeyCode::Down), Act(Action::Down(1))),
            (Plain(KeyCode::PageUp), Act(Action::PageUp)),
            (Plain(KeyCode::PageDown), Act(Action::PageDown)),
            (Plain(KeyCode::Char(' ')), Act(Action::PageDown)),
            (Plain(KeyCode::Char('g')), Act(Action::Top)),
            (Plain(KeyCode::Char('G')), Act(Action::Bottom)),
            (
                Plain(KeyCode::Char('/')),
                Act(Action::Prompt(PromptKind::Find)),
            ),
            (Plain(KeyCode::Char('n')), Act(Action::NewerMatch)),
            (Plain(KeyCode::Char('N')), Act(Action::OlderMatch)),
        ],
        shown: "Esc  j k  g G  / n N",
        help: "in a detail: close; scroll; find",
        readme_keys: "`Esc` `q`, `j` `k` `PgUp` `PgDn` `g` `G`, `/` `n` `N`",
        readme: "in a record's detail: close it; scroll it; find text in it (a regex, highlighted; the view goes to the first line with it, `n` / `N` to the next one below / above)",
        hint: None,
    },
    Binding {
        mode: Mode::Prompt,
        keys: &[
            (Plain(KeyCode::Enter), Act(Action::Submit)),
            (Plain(KeyCode::Esc), Act(Action::Cancel)),
        ],
        shown: "Enter  Esc",
        help: "keep / go back to what was before",
        readme_keys: "`Enter`, `Esc`",
        readme: "in a prompt: keep what was typed / go back to what was in force",
        hint: None,
    },
    Binding {
        mode: Mode::Prompt,
        keys: &[
            (Plain(KeyCode::Backspace), Act(Action::Erase)),
            (Plain(KeyCode::Tab), Act(Action::Complete)),
            (Plain(KeyCode::Up), Act(Action::HistoryOlder)),
            (Plain(KeyCode::Down), Act(Action::HistoryNewer)),
            (Ctrl('u'), Act(Action::EraseAll)),
            (Ctrl('c'), Act(Action::Quit)),
            (Char, TypeChar),
        ],
        shown: "Backspace  Ctrl-U  ↑ ↓",
        help: "erase a character / everything; history",
        readme_keys: "`Backspace`, `Ctrl-U`, `↑` `↓`",
        readme: "in a prompt (it opens with the value in force selected: typing replaces it): erase a character / everything; recall what was put in force before",
        hint: None,
    },
];

/// What `key` does in `mode`, by [`BINDINGS`].
pub fn lookup(mode: Mode, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    BINDINGS
        .iter()
        .filter(|b| b.mode == mode)
        .flat_map(|b| b.keys)
        .find_map(|&(bound, does)| {
            let hit = match (bound, key.code) {
                (Plain(code), pressed) => !ctrl && code == pressed,
                (Ctrl(c), KeyCode::Char(pressed)) => ctrl && c == pressed,
                (Digit, KeyCode::Char('1'..='9')) | (Char, KeyCode::Char(_)) => !ctrl,
                _ => false,
            };
            hit.then_some((does, key.code))
        })
        .and_then(|(does, code)| match (does, code) {
            (Act(action), _) => Some(action),
            (FocusDigit, KeyCode::Char(d)) => d
                .to_digit(10)
                .and_then(|d| u16::try_from(d).ok())
                .map(|d| Action::FocusSource(d - 1)),
            (TypeChar, KeyCode::Char(c)) => Some(Action::Type(c)),
            _ => None,
        })
}

/// The help overlay's rows: keys and what they do, in normal mode.
pub fn help() -> impl Iterator<Item = (&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.mode == Mode::Normal)
        .map(|b| (b.shown, b.help))
}

/// The status bar's hints, most useful first (`? help` leads): `key word` each (made once).
pub fn hints() -> &'static [String] {
    static HINTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    HINTS.get_or_init(|| {
        let mut hints: Vec<(u8, &str, &str)> = BINDINGS.iter().filter_map(|b| b.hint).collect();
        hints.sort_unstable();
        hints
            .iter()
            .map(|(_, key, word)| format!("{key} {word}"))
            .collect()
    })
}

/// The README's key table, as [`BINDINGS`] writes it (a test checks the README has it).
pub fn readme_table() -> String {
    let mut table = String::from("| keys | |\n| --- | --- |\n");
    for b in BINDINGS {
        let _ = writeln!(table, "| {} | {} |", b.readme_keys, b.readme);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn normal(key: KeyEvent) -> Option<Action> {
        lookup(Mode::Normal, key)
    }

    fn prompt(key: KeyEvent) -> Option<Action> {
        lookup(Mode::Prompt, key)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn lookups() {
        assert_eq!(normal(key(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(normal(ctrl('c')), Some(Action::Quit));
        assert_eq!(normal(ctrl('f')), Some(Action::PageDown));
        assert_eq!(normal(ctrl('q')), None, "an unbound Ctrl key does nothing");
        assert_eq!(
            normal(key(KeyCode::Char('3'))),
            Some(Action::FocusSource(2))
        );
        assert_eq!(normal(key(KeyCode::Char('0'))), Some(Action::FocusMerged));
        assert_eq!(
            normal(key(KeyCode::Char('f'))),
            Some(Action::Prompt(PromptKind::Include))
        );
        assert_eq!(normal(key(KeyCode::Char('x'))), Some(Action::CloseSource));
        assert_eq!(normal(key(KeyCode::Char('z'))), None);
        assert_eq!(prompt(key(KeyCode::Char('q'))), Some(Action::Type('q')));
        assert_eq!(prompt(key(KeyCode::Enter)), Some(Action::Submit));
        assert_eq!(prompt(ctrl('u')), Some(Action::EraseAll));
        assert_eq!(prompt(ctrl('x')), None);
        let mut release = key(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(normal(release), None);
    }

    /// Every action has a key and a help line: nothing the app can do is out of reach or unsaid.
    #[test]
    fn every_action_is_bound_and_said() {
        let all = [
            Action::Quit,
            Action::FocusNext,
            Action::FocusPrev,
            Action::FocusMerged,
            Action::FocusSource(0),
            Action::CycleLayout,
            Action::Up(1),
            Action::Down(1),
            Action::PageUp,
            Action::PageDown,
            Action::Top,
            Action::Bottom,
            Action::Left,
            Action::Right,
            Action::ToggleWrap,
            Action::ToggleRaw,
            Action::TogglePause,
            Action::ToggleHidden,
            Action::CloseSource,
            Action::Prompt(PromptKind::Include),
            Action::Prompt(PromptKind::Exclude),
            Action::Prompt(PromptKind::Search),
            Action::Prompt(PromptKind::Where),
            Action::Prompt(PromptKind::Command),
            Action::Complete,
            Action::OlderMatch,
            Action::NewerMatch,
            Action::CycleLevel,
            Action::OlderError,
            Action::NewerError,
            Action::Context,
            Action::ToggleSync,
            Action::WiderContext,
            Action::NarrowerContext,
            Action::Copy,
            Action::CopyWithHeaders,
            Action::StartRange,
            Action::ToggleMouse,
            Action::ToggleMark,
            Action::OlderMark,
            Action::NewerMark,
            Action::ToggleHelp,
            Action::Dismiss,
            Action::OpenDetail,
            Action::CloseDetail,
            Action::Type('a'),
            Action::Erase,
            Action::EraseAll,
            Action::Complete,
            Action::HistoryOlder,
            Action::HistoryNewer,
            Action::Submit,
            Action::Cancel,
        ];
        let does = |b: &Binding, a: Action| {
            b.keys.iter().any(|&(_, d)| match (d, a) {
                (Does::Act(x), a) => x == a,
                (Does::FocusDigit, Action::FocusSource(_)) | (Does::TypeChar, Action::Type(_)) => {
                    true
                }
                _ => false,
            })
        };
        for action in all {
            let bound = BINDINGS.iter().find(|b| does(b, action));
            assert!(
                bound.is_some_and(|b| !b.help.is_empty() && !b.readme.is_empty()),
                "{action:?}"
            );
        }
        assert_eq!(hints()[..2], ["? help", "q quit"]);
    }

    #[test]
    fn the_readme_key_table_is_the_binding_table() {
        let readme = include_str!("../../README.md");
        let table = readme_table();
        assert!(
            readme.contains(&table),
            "README.md's key table differs from the bindings; it should read:\n{table}"
        );
    }
}
