//! Copying lines to the clipboard through the terminal (OSC 52), so that it works over ssh:
//! the text is made safe (escape sequences and control characters other than newlines and tabs
//! left out), encoded in base64, and wrapped as the multiplexer in between needs — tmux (with
//! `set-clipboard on`) takes the plain sequence, puts the text in its paste buffer and passes it
//! on; screen needs it wrapped in its own passthrough, in pieces.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::batch::LineBatch;
use crate::sanitize;
use crate::timestamp::{Clock, Stamper};

/// Most bytes of text copied: terminals refuse longer sequences (xterm's default is 100,000
/// bytes of base64).
pub const MAX_COPY: usize = 64 << 10;

/// What sits between logbraid and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplexer {
    /// Nothing (or tmux, which takes the plain sequence).
    Plain,
    /// GNU screen: the sequence goes through its passthrough.
    Screen,
}

impl Multiplexer {
    /// The one logbraid runs in, from the environment (`STY` is screen's).
    pub fn detect() -> Self {
        if std::env::var_os("STY").is_some() && std::env::var_os("TMUX").is_none() {
            Self::Screen
        } else {
            Self::Plain
        }
    }
}

/// The text of `lines`, safe to put in a clipboard, one per line.
pub fn text<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for line in lines {
        if !out.is_empty() {
            out.push('\n');
        }
        let plain = sanitize::strip_escapes(line);
        out.extend(
            String::from_utf8_lossy(&plain)
                .chars()
                .filter(|c| !c.is_control() || *c == '\t'),
        );
    }
    out
}

/// `source · time` before a record, for `Y` (the time as the line states it, in UTC).
pub fn header(source: &str, line: &[u8], clock: &Clock) -> String {
    let mut stamper = Stamper::detecting(*clock);
    let instant = stamper.stamp_batch(&LineBatch::from_lines([line]))[0];
    let time = jiff::Timestamp::from_nanosecond(i128::from(instant))
        .ok()
        .filter(|_| instant != crate::timestamp::UNKNOWN)
        .map_or_else(|| "no time".to_owned(), |t| t.to_string());
    format!("{source} · {time}")
}

/// The escape sequence that puts `text` in the clipboard; `None` when it is too long.
pub fn osc52(text: &str, via: Multiplexer) -> Option<Vec<u8>> {
    if text.len() > MAX_COPY {
        return None;
    }
    let encoded = STANDARD.encode(text.as_bytes());
    let plain = format!("\x1b]52;c;{encoded}\x07");
    Some(match via {
        Multiplexer::Plain => plain.into_bytes(),
        // screen passes a DCS string on, in pieces it accepts (768 bytes each).
        Multiplexer::Screen => {
            let mut out = Vec::new();
            for piece in plain.as_bytes().chunks(768) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\x1b\\");
            }
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_text_in_a_plain_or_wrapped_sequence() {
        let t = text([
            &b"a \x1b[31mred\x1b[0m line"[..],
            b"\tat x\x07\x1b]0;title\x07",
        ]);
        assert_eq!(t, "a red line\n\tat x");
        let osc = osc52("hi", Multiplexer::Plain).expect("short");
        assert_eq!(osc, b"\x1b]52;c;aGk=\x07");
        let wrapped = osc52(&"x".repeat(1000), Multiplexer::Screen).expect("short");
        assert!(wrapped.starts_with(b"\x1bP\x1b]52;c;"));
        assert_eq!(wrapped.windows(2).filter(|w| w == b"\x1bP").count(), 2);
        assert!(osc52(&"x".repeat(MAX_COPY + 1), Multiplexer::Plain).is_none());
    }
}
