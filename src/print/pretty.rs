//! `--format pretty`: records rendered as the TUI renders them ([`crate::record::render`]), their
//! parts coloured with SGR sequences on a terminal; other lines inert.

use crate::level::Level;
use crate::record::hide::Hide;
use crate::record::render::{self, Part, Rendered};
use crate::sanitize;
use crate::timestamp::Clock;

/// Characters a field's value shows at most (the message is never cut).
const MAX_VALUE: usize = 120;

/// How records are rendered here.
pub fn options(hide: &Hide) -> render::Options<'_> {
    render::Options {
        hide,
        max_value: MAX_VALUE,
        short_time: false,
    }
}

/// Appends `line`, rendered when it is a record, to `out`; `rendered` is reused between lines.
pub fn write(
    line: &[u8],
    hide: &Hide,
    clock: &Clock,
    colour: bool,
    rendered: &mut Rendered,
    out: &mut Vec<u8>,
) {
    if !render::render_into(line, options(hide), clock, rendered) {
        sanitize::inert(line, colour, out);
        return;
    }
    if !colour {
        out.extend_from_slice(&rendered.text);
        return;
    }
    let mut at = 0;
    for (range, part) in &rendered.parts {
        out.extend_from_slice(&rendered.text[at..range.start]);
        out.extend_from_slice(sgr(*part).as_bytes());
        out.extend_from_slice(&rendered.text[range.clone()]);
        out.extend_from_slice(b"\x1b[0m");
        at = range.end;
    }
    out.extend_from_slice(&rendered.text[at..]);
}

/// The colour of a part, as the TUI styles it.
fn sgr(part: Part) -> &'static str {
    match part {
        Part::Prefix | Part::Time | Part::Marker | Part::Level(Level::Trace) => "\x1b[2m",
        Part::Key => "\x1b[36m",
        Part::Logger => "\x1b[35m",
        Part::Level(Level::Error) => "\x1b[1;91m",
        Part::Level(Level::Warn) => "\x1b[1;33m",
        Part::Level(Level::Info) => "\x1b[32m",
        Part::Level(Level::Debug) => "\x1b[34m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(line: &str, colour: bool) -> String {
        let mut out = Vec::new();
        let mut rendered = Rendered::default();
        write(
            line.as_bytes(),
            &Hide::default(),
            &Clock::now(),
            colour,
            &mut rendered,
            &mut out,
        );
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn records_rendered_text_inert_colour_only_when_asked() {
        assert_eq!(
            shown(r#"{"level":"error","msg":"boom","code":7}"#, false),
            "ERR boom code=7"
        );
        assert_eq!(
            shown(r#"{"level":"error","msg":"boom","code":7}"#, true),
            "\x1b[1;91mERR\x1b[0m boom \x1b[36mcode=\x1b[0m7"
        );
        assert_eq!(
            shown("text \x1b]0;title\x07 line", false),
            "text ^[]0;title^G line"
        );
    }
}
