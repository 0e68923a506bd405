//! A run of consecutive retained lines: their text in memory, or offsets into a file.

use std::fs::File;
use std::ops::Range;
use std::sync::Arc;

use crate::batch::FileLines;
use crate::source_id::SourceId;

/// Text bytes per in-memory chunk before a new one starts.
pub const CHUNK_TEXT: usize = 1 << 20;
/// Lines per in-memory chunk at most, so per-source indices fit in a `u16`.
pub const CHUNK_LINES: usize = 1 << 16;
/// The bit of a line's source that says it continues the record before it (source ids stay
/// below it: [`SourceId::MAX`]).
const CONTINUED: u16 = 0x8000;

/// Lines numbered from `first_seq`, each ending at `ends[i]`.
#[derive(Debug)]
pub struct Chunk {
    /// Sequence number of the first line.
    pub first_seq: u64,
    /// End of each line: in memory, exclusive end in `text`; in a file, its `\n`'s offset from
    /// `base` (the next line starts one past it).
    ends: Vec<u32>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Memory {
        text: Vec<u8>,
        /// Source of each line; the top bit says it continues the record before it.
        sources: Vec<u16>,
        /// For each source present: the local indices of its lines, in order.
        by_source: Vec<(u16, Vec<u16>)>,
    },
    /// Every line belongs to `source` and stays in `file`.
    File {
        source: u16,
        file: Arc<File>,
        base: u64,
    },
}

/// Where a line's text is.
pub enum Text<'a> {
    /// In memory.
    Memory(&'a [u8]),
    /// In `file`, at `range`; `chunk` is the byte range of the whole chunk (a read may take
    /// its neighbours along).
    File {
        file: &'a Arc<File>,
        range: Range<u64>,
        chunk: Range<u64>,
    },
}

/// The local indices of one source's lines in a chunk.
#[derive(Debug, Clone, Copy)]
pub enum Locals<'a> {
    /// These.
    Listed(&'a [u16]),
    /// All of `0..n`.
    Every(usize),
}

impl Locals<'_> {
    /// How many lines.
    pub fn len(self) -> usize {
        match self {
            Self::Listed(l) => l.len(),
            Self::Every(n) => n,
        }
    }

    /// The `k`th local index.
    pub fn get(self, k: usize) -> u64 {
        match self {
            Self::Listed(l) => u64::from(l[k]),
            Self::Every(_) => k as u64,
        }
    }

    /// How many local indices are below `limit`.
    pub fn count_below(self, limit: u64) -> usize {
        match self {
            Self::Listed(l) => l.partition_point(|&i| u64::from(i) < limit),
            Self::Every(n) => usize::try_from(limit).map_or(n, |limit| limit.min(n)),
        }
    }
}

impl Chunk {
    /// An empty in-memory chunk.
    pub fn in_memory(first_seq: u64, text_capacity: usize) -> Self {
        Self {
            first_seq,
            ends: Vec::new(),
            body: Body::Memory {
                text: Vec::with_capacity(text_capacity),
                sources: Vec::new(),
                by_source: Vec::new(),
            },
        }
    }

    /// A chunk of `source`'s lines that stay in their file.
    pub fn in_file(first_seq: u64, source: SourceId, lines: FileLines) -> Self {
        let mut ends = lines.ends;
        ends.shrink_to_fit();
        Self {
            first_seq,
            ends,
            body: Body::File {
                source: source.0,
                file: lines.file,
                base: lines.base,
            },
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether a line of `line` bytes can still be pushed.
    pub fn has_room(&self, line: usize) -> bool {
        match &self.body {
            Body::Memory { text, .. } => {
                self.len() < CHUNK_LINES && text.len() + line <= text.capacity()
            }
            Body::File { .. } => false,
        }
    }

    /// Appends a line (only to an in-memory chunk with room); `continued`: it belongs to the
    /// record before it.
    pub fn push(&mut self, source: SourceId, line: &[u8], continued: bool) {
        let local = u16::try_from(self.len()).expect("a chunk holds at most 65536 lines");
        let Body::Memory {
            text,
            sources,
            by_source,
        } = &mut self.body
        else {
            unreachable!("lines are pushed only to in-memory chunks (has_room is false otherwise)");
        };
        text.extend_from_slice(line);
        self.ends
            .push(u32::try_from(text.len()).expect("a chunk's text stays below 4 GiB"));
        sources.push(source.0 | if continued { CONTINUED } else { 0 });
        match by_source.iter_mut().find(|(s, _)| *s == source.0) {
            Some((_, locals)) => locals.push(local),
            None => by_source.push((source.0, vec![local])),
        }
    }

    /// The source of line `i`.
    pub fn source(&self, i: usize) -> SourceId {
        match &self.body {
            Body::Memory { sources, .. } => SourceId(sources[i] & !CONTINUED),
            Body::File { source, .. } => SourceId(*source),
        }
    }

    /// Whether line `i` continues the record before it (a big file's lines are never said to).
    pub fn continued(&self, i: usize) -> bool {
        match &self.body {
            Body::Memory { sources, .. } => sources[i] & CONTINUED != 0,
            Body::File { .. } => false,
        }
    }

    /// Where line `i`'s text is.
    pub fn text(&self, i: usize) -> Text<'_> {
        match &self.body {
            Body::Memory { text, .. } => {
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                Text::Memory(&text[start..self.ends[i] as usize])
            }
            Body::File { file, base, .. } => {
                let start = if i == 0 {
                    0
                } else {
                    u64::from(self.ends[i - 1]) + 1
                };
                let end = self.ends.last().map_or(0, |&e| u64::from(e));
                Text::File {
                    file,
                    range: base + start..base + u64::from(self.ends[i]),
                    chunk: *base..base + end,
                }
            }
        }
    }

    /// The local indices of `source`'s lines.
    pub fn locals(&self, source: SourceId) -> Locals<'_> {
        match &self.body {
            Body::Memory { by_source, .. } => Locals::Listed(
                by_source
                    .iter()
                    .find(|(s, _)| *s == source.0)
                    .map_or(&[], |(_, v)| v.as_slice()),
            ),
            Body::File { source: s, .. } if *s == source.0 => Locals::Every(self.len()),
            Body::File { .. } => Locals::Listed(&[]),
        }
    }

    /// How many lines of each source the chunk holds.
    pub fn counts(&self) -> Vec<(SourceId, u64)> {
        match &self.body {
            Body::Memory { by_source, .. } => by_source
                .iter()
                .map(|(s, v)| (SourceId(*s), v.len() as u64))
                .collect(),
            Body::File { source, .. } => vec![(SourceId(*source), self.len() as u64)],
        }
    }

    /// Keeps the first `keep` lines only.
    pub fn truncate(&mut self, keep: usize) {
        if keep >= self.len() {
            return;
        }
        self.ends.truncate(keep);
        if let Body::Memory {
            text,
            sources,
            by_source,
        } = &mut self.body
        {
            text.truncate(self.ends.last().map_or(0, |&e| e as usize));
            sources.truncate(keep);
            for (_, locals) in by_source.iter_mut() {
                locals.truncate(locals.partition_point(|&i| usize::from(i) < keep));
            }
            by_source.retain(|(_, locals)| !locals.is_empty());
        }
    }

    /// Gives back spare capacity once the chunk is full (vectors grow by doubling).
    pub fn seal(&mut self) {
        self.ends.shrink_to_fit();
        if let Body::Memory {
            sources, by_source, ..
        } = &mut self.body
        {
            sources.shrink_to_fit();
            for (_, locals) in by_source {
                locals.shrink_to_fit();
            }
        }
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        let own = match &self.body {
            Body::Memory {
                text,
                sources,
                by_source,
            } => {
                text.capacity()
                    + sources.capacity() * 2
                    + by_source
                        .iter()
                        .map(|(_, v)| 8 + v.capacity() * 2)
                        .sum::<usize>()
            }
            Body::File { .. } => 0,
        };
        own + self.ends.capacity() * 4 + std::mem::size_of::<Self>()
    }
}
