//! Where the merged stream goes: one buffered writer, whole lines, each after its source's
//! name when `--prefix` asks for it.

use std::io::{self, Write};

use crate::sanitize;

/// Colours for `--prefix` names on a terminal, as `docker compose logs` does.
const PREFIX_COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

/// Buffered output of 256 KiB: a burst goes out in large writes.
const BUFFER: usize = 256 << 10;

/// The output and its prefixes.
pub struct Sink<W: Write> {
    out: io::BufWriter<W>,
    names: Vec<String>,
    prefix: bool,
    colour: bool,
    /// Columns of the longest name: prefixes are aligned to it.
    width: usize,
    scratch: Vec<u8>,
}

impl<W: Write> Sink<W> {
    /// A sink into `out`; `prefix` puts source names before lines, `colour`ed on a terminal.
    pub fn new(out: W, prefix: bool, colour: bool) -> Self {
        Self {
            out: io::BufWriter::with_capacity(BUFFER, out),
            names: Vec::new(),
            prefix,
            colour,
            width: 0,
            scratch: Vec::new(),
        }
    }

    /// True when lines go out with their source's name before them.
    pub fn prefixed(&self) -> bool {
        self.prefix
    }

    /// Sets the source names (prefixes are aligned to the longest).
    pub fn set_names<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names = names.into_iter().map(str::to_owned).collect();
        self.width = self
            .names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
    }

    /// The writer, for bytes that are whole lines already.
    pub fn out(&mut self) -> &mut io::BufWriter<W> {
        &mut self.out
    }

    /// Writes source `source`'s name, aligned, before a line.
    pub fn write_prefix(&mut self, source: usize) -> io::Result<()> {
        let name = self.names.get(source).map_or("?", String::as_str);
        let pad = self.width.saturating_sub(name.chars().count());
        // Names come from the user and from file names: make them as safe as lines.
        self.scratch.clear();
        sanitize::inert(name.as_bytes(), false, &mut self.scratch);
        if self.colour {
            let code = PREFIX_COLOURS[source % PREFIX_COLOURS.len()];
            write!(self.out, "\x1b[{code}m")?;
            self.out.write_all(&self.scratch)?;
            write!(self.out, "{:pad$} |\x1b[0m ", "")
        } else {
            self.out.write_all(&self.scratch)?;
            write!(self.out, "{:pad$} | ", "")
        }
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
