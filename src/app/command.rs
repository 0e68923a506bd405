//! The command line (`:`): what a typed command means. `goto` moments, `w`/`wm` files; the
//! effects are the state's (`AppState::run_command`).

use std::path::PathBuf;

use crate::timestamp::Clock;
pub use crate::timestamp::moment::{self, Moment};

/// The commands, for completion.
pub const NAMES: [&str; 4] = ["goto", "w", "w!", "wm"];

/// A command, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The cursor to the first line at or after this moment.
    Goto(Moment),
    /// The focused pane's lines (`marked`: only the marked ones) to a file; `force` replaces
    /// an existing one.
    Write {
        /// Where.
        path: PathBuf,
        /// Only the marked lines.
        marked: bool,
        /// Replace an existing file.
        force: bool,
    },
}

/// Reads `input`; the error says what is wrong.
pub fn parse(input: &str, clock: &Clock) -> Result<Command, String> {
    let input = input.trim();
    let (name, arg) = input.split_once(' ').unwrap_or((input, ""));
    let arg = arg.trim();
    match name {
        "goto" => moment::parse(arg, clock).map(Command::Goto),
        "w" | "w!" | "wm" if arg.is_empty() => Err(format!(":{name} needs a file name")),
        "w" | "w!" | "wm" => Ok(Command::Write {
            path: PathBuf::from(arg),
            marked: name == "wm",
            force: name == "w!",
        }),
        "" => Err("no command: try goto, w, wm".into()),
        other => Err(format!("unknown command `{other}`: try goto, w, wm")),
    }
}

/// The names starting with `typed` (what Tab completes to, when there is one).
pub fn complete(typed: &str) -> Option<&'static str> {
    let mut matching = NAMES.iter().filter(|n| n.starts_with(typed));
    let first = matching.next()?;
    matching.next().is_none().then_some(*first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        crate::test_support::utc_clock(0)
    }

    #[test]
    fn commands_and_moments() {
        const SEC: i64 = 1_000_000_000;
        let table: &[(&str, Result<Command, &str>)] = &[
            (
                "goto 14:05",
                Ok(Command::Goto(Moment::TimeOfDay(50_700 * SEC))),
            ),
            (
                "goto 14:05:30.250",
                Ok(Command::Goto(Moment::TimeOfDay(50_730 * SEC + 250_000_000))),
            ),
            ("goto -5m", Ok(Command::Goto(Moment::Before(300 * SEC)))),
            (
                "goto 2024-05-01T14:05",
                Ok(Command::Goto(Moment::At(1_714_572_300 * SEC))),
            ),
            (
                "goto 2024-05-01 14:05:30",
                Ok(Command::Goto(Moment::At(1_714_572_330 * SEC))),
            ),
            (
                "w out.log",
                Ok(Command::Write {
                    path: "out.log".into(),
                    marked: false,
                    force: false,
                }),
            ),
            (
                "w! out.log",
                Ok(Command::Write {
                    path: "out.log".into(),
                    marked: false,
                    force: true,
                }),
            ),
            (
                "wm marks.log",
                Ok(Command::Write {
                    path: "marks.log".into(),
                    marked: true,
                    force: false,
                }),
            ),
            ("goto 25:00", Err("not a moment")),
            ("goto -5x", Err("not a moment")),
            ("goto", Err("not a moment")),
            ("w", Err("needs a file name")),
            ("frob", Err("unknown command")),
        ];
        for (input, want) in table {
            let got = parse(input, &clock());
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{input}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{input}: {g}"),
                _ => panic!("{input}: {got:?}"),
            }
        }
        assert_eq!(complete("go"), Some("goto"));
        assert_eq!(complete("wm"), Some("wm"));
        assert_eq!(complete("w"), None, "w, w! and wm");
    }
}
