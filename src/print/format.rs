//! How one line is written: its bytes as read, made inert, rendered ([`pretty`]), or as a
//! normalised JSON object ([`json`]).

use std::io::{self, Write};

use super::{json, pretty};
use crate::filter::Seen;
use crate::record::hide::Hide;
use crate::record::render::Rendered;
use crate::sanitize;
use crate::timestamp::Clock;

/// The form lines are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// Bytes pass through exactly (into a pipe or a file).
    Raw,
    /// Control characters and escape sequences shown inert, SGR colours kept (onto a terminal).
    Inert,
    /// JSON and logfmt records rendered as the TUI shows them (`--format pretty`), other lines
    /// inert; coloured with `colour`.
    Pretty {
        /// Colour the parts (a terminal without `NO_COLOR`).
        colour: bool,
    },
    /// One JSON object per line (`--format json`): time, level, source, msg and fields.
    Json,
}

impl LineFormat {
    /// True when a line is written as it was read: a run of lines can go out as one slice.
    pub fn passes_through(self) -> bool {
        self == Self::Raw
    }

    /// True for the forms that parse and lay out each line (worth rendering in parallel).
    pub fn renders(self) -> bool {
        matches!(self, Self::Pretty { .. } | Self::Json)
    }
}

/// A line and what is known of it.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// Its bytes, without the newline.
    pub text: &'a [u8],
    /// Its source's name.
    pub source: &'a str,
    /// Its instant (nanoseconds since the epoch; [`crate::timestamp::UNKNOWN`] when none).
    pub instant: i64,
}

/// Writes lines in a [`LineFormat`].
#[derive(Debug, Clone)]
pub struct Formatter {
    format: LineFormat,
    hide: Hide,
    clock: Clock,
    scratch: Vec<u8>,
    rendered: Rendered,
}

impl Formatter {
    /// A formatter for `format`; `hide` applies to `pretty`.
    pub fn new(format: LineFormat, hide: Hide) -> Self {
        Self {
            format,
            hide,
            clock: Clock::now(),
            scratch: Vec::new(),
            rendered: Rendered::default(),
        }
    }

    /// The format.
    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// What a reader sees of a line in this format (what `-e` and `-v` match).
    pub fn seen(&self) -> Seen<'_> {
        match self.format {
            LineFormat::Pretty { .. } => Seen::Rendered(pretty::options(&self.hide), &self.clock),
            _ => Seen::Plain,
        }
    }

    /// Writes `line` to `out`, without a newline.
    pub fn write(&mut self, line: Line<'_>, out: &mut impl Write) -> io::Result<()> {
        self.scratch.clear();
        match self.format {
            LineFormat::Raw => return out.write_all(line.text),
            LineFormat::Inert => sanitize::inert(line.text, true, &mut self.scratch),
            LineFormat::Pretty { colour } => {
                pretty::write(
                    line.text,
                    &self.hide,
                    &self.clock,
                    colour,
                    &mut self.rendered,
                    &mut self.scratch,
                );
            }
            LineFormat::Json => json::write(line, &mut self.scratch),
        }
        out.write_all(&self.scratch)
    }
}
