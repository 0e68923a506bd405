//! How one line is written: its bytes as read, or made inert. (Issue 10 adds the rendered and
//! the JSON forms here.)

use std::io::{self, Write};

use crate::sanitize;

/// The form lines are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// Bytes pass through exactly (into a pipe or a file).
    Raw,
    /// Control characters and escape sequences shown inert, SGR colours kept (onto a terminal).
    Inert,
}

impl LineFormat {
    /// True when a line is written as it was read: a run of lines can go out as one slice.
    pub fn passes_through(self) -> bool {
        self == Self::Raw
    }

    /// Writes `line` (without its newline) to `out`; `scratch` is reused between lines.
    pub fn write(self, line: &[u8], scratch: &mut Vec<u8>, out: &mut impl Write) -> io::Result<()> {
        match self {
            Self::Raw => out.write_all(line),
            Self::Inert => {
                scratch.clear();
                sanitize::inert(line, true, scratch);
                out.write_all(scratch)
            }
        }
    }
}
