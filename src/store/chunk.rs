//! A run of consecutive retained lines: their text in memory, or offsets into a file.

use std::fs::File;
use std::ops::Range;
use std::sync::Arc;

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
    /// Lines that stay in their files: one file per source present (big files' histories,
    /// braided by time). A line's end is its `\n`'s offset from its file's `base`, where that
    /// file's first line in the chunk starts; its start is one past the end of the line before
    /// it *of the same file* (a source's lines in a chunk are consecutive in its file).
    Files {
        /// (source, file, base) for each file.
        files: Vec<(u16, Arc<File>, u64)>,
        /// For each line, which of `files` holds it; empty when there is one file.
        which: Vec<u8>,
        /// For each file, the local indices of its lines; empty when there is one file.
        by_file: Vec<Vec<u16>>,
        /// Which lines continue the record before them, a bit each; empty when none does.
        continued: Vec<u64>,
        /// For each source with several files here (a log's generations beside its live
        /// file), the local indices of its lines; empty when every source has one file.
        by_source: Vec<(u16, Vec<u16>)>,
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

    /// A chunk of lines of several files, braided: `lines` in the chunk's order, each as (its
    /// file: an index into `files`, the offset it starts at, its `\n`'s offset, whether it
    /// continues the record before it). At most 256 files and [`CHUNK_LINES`] lines; a file's
    /// lines come in its own order.
    pub fn braided(
        first_seq: u64,
        files: &[(SourceId, Arc<File>)],
        lines: &[(u8, u64, u64, bool)],
    ) -> Self {
        let mut bases: Vec<Option<u64>> = vec![None; files.len()];
        let mut by_file: Vec<Vec<u16>> = vec![Vec::new(); files.len()];
        let mut which = Vec::with_capacity(lines.len());
        let mut ends = Vec::with_capacity(lines.len());
        let mut continued = Vec::new();
        for (local, &(f, start, end, cont)) in lines.iter().enumerate() {
            if cont {
                continued.resize(lines.len().div_ceil(64), 0u64);
                continued[local / 64] |= 1 << (local % 64);
            }
            let base = *bases[usize::from(f)].get_or_insert(start);
            // A chunk spans far less than 4 GiB of any file.
            ends.push(u32::try_from(end - base).unwrap_or(u32::MAX));
            which.push(f);
            by_file[usize::from(f)].push(u16::try_from(local).unwrap_or(u16::MAX));
        }
        let files = files
            .iter()
            .zip(bases)
            .map(|((source, file), base)| (source.0, Arc::clone(file), base.unwrap_or(0)))
            .collect::<Vec<_>>();
        let single = files.len() == 1;
        // A source with several files: its lines, all its files' together.
        let mut by_source: Vec<(u16, Vec<u16>)> = Vec::new();
        let shared = |s: u16| files.iter().filter(|(f, _, _)| *f == s).count() > 1;
        if files.iter().any(|(s, _, _)| shared(*s)) {
            for (local, &f) in which.iter().enumerate() {
                let source = files[usize::from(f)].0;
                let local = u16::try_from(local).unwrap_or(u16::MAX);
                match by_source.iter_mut().find(|(s, _)| *s == source) {
                    Some((_, locals)) => locals.push(local),
                    None => by_source.push((source, vec![local])),
                }
            }
        }
        Self {
            first_seq,
            ends,
            body: Body::Files {
                files,
                which: if single { Vec::new() } else { which },
                by_file: if single { Vec::new() } else { by_file },
                continued,
                by_source,
            },
        }
    }

    /// The file (index into the chunk's files) of line `i`, and its rank among that file's
    /// lines in the chunk.
    fn file_of(which: &[u8], by_file: &[Vec<u16>], i: usize) -> (usize, usize) {
        if which.is_empty() {
            return (0, i);
        }
        let f = usize::from(which[i]);
        let rank = by_file[f].partition_point(|&l| usize::from(l) < i);
        (f, rank)
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
            Body::Files { .. } => false,
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
            Body::Files { files, which, .. } => {
                SourceId(files[which.get(i).map_or(0, |&f| usize::from(f))].0)
            }
        }
    }

    /// Whether line `i` continues the record before it.
    pub fn continued(&self, i: usize) -> bool {
        match &self.body {
            Body::Memory { sources, .. } => sources[i] & CONTINUED != 0,
            Body::Files { continued, .. } => continued
                .get(i / 64)
                .is_some_and(|bits| bits & (1 << (i % 64)) != 0),
        }
    }

    /// Where line `i`'s text is.
    pub fn text(&self, i: usize) -> Text<'_> {
        match &self.body {
            Body::Memory { text, .. } => {
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                Text::Memory(&text[start..self.ends[i] as usize])
            }
            Body::Files {
                files,
                which,
                by_file,
                ..
            } => {
                let (f, rank) = Self::file_of(which, by_file, i);
                let (_, file, base) = &files[f];
                let end_of = |local: usize| u64::from(self.ends[local]);
                let local_of = |rank: usize| {
                    if which.is_empty() {
                        rank
                    } else {
                        usize::from(by_file[f][rank])
                    }
                };
                let start = if rank == 0 {
                    0
                } else {
                    end_of(local_of(rank - 1)) + 1
                };
                let last = if which.is_empty() {
                    self.len()
                } else {
                    by_file[f].len()
                };
                let end = last.checked_sub(1).map_or(0, |r| end_of(local_of(r)));
                Text::File {
                    file,
                    range: base + start..base + end_of(i),
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
            Body::Files {
                files,
                which,
                by_file,
                by_source,
                ..
            } => {
                if let Some((_, locals)) = by_source.iter().find(|(s, _)| *s == source.0) {
                    return Locals::Listed(locals);
                }
                match files.iter().position(|(s, _, _)| *s == source.0) {
                    Some(_) if which.is_empty() => Locals::Every(self.len()),
                    Some(f) => Locals::Listed(&by_file[f]),
                    None => Locals::Listed(&[]),
                }
            }
        }
    }

    /// How many lines of each source the chunk holds.
    pub fn counts(&self) -> Vec<(SourceId, u64)> {
        match &self.body {
            Body::Memory { by_source, .. } => by_source
                .iter()
                .map(|(s, v)| (SourceId(*s), v.len() as u64))
                .collect(),
            Body::Files { files, which, .. } if which.is_empty() => {
                vec![(SourceId(files[0].0), self.len() as u64)]
            }
            Body::Files { files, by_file, .. } => {
                let mut counts: Vec<(SourceId, u64)> = Vec::new();
                for ((s, _, _), locals) in files.iter().zip(by_file) {
                    match counts.iter_mut().find(|(c, _)| c.0 == *s) {
                        Some((_, n)) => *n += locals.len() as u64,
                        None => counts.push((SourceId(*s), locals.len() as u64)),
                    }
                }
                counts
            }
        }
    }

    /// Keeps the first `keep` lines only (of an in-memory chunk: lines in files are never taken
    /// back).
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
            Body::Files {
                which,
                by_file,
                continued,
                by_source,
                ..
            } => {
                which.capacity()
                    + continued.capacity() * 8
                    + by_file.iter().map(|v| 24 + v.capacity() * 2).sum::<usize>()
                    + by_source
                        .iter()
                        .map(|(_, v)| 32 + v.capacity() * 2)
                        .sum::<usize>()
            }
        };
        own + self.ends.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::file_with;

    /// The text of line `i` of `chunk`, read from its file.
    fn text(chunk: &Chunk, i: usize) -> String {
        match chunk.text(i) {
            Text::Memory(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Text::File { file, range, chunk } => {
                use std::os::unix::fs::FileExt as _;
                assert!(chunk.start <= range.start && range.end <= chunk.end);
                let mut buf = vec![0u8; usize::try_from(range.end - range.start).expect("small")];
                file.read_exact_at(&mut buf, range.start).expect("read");
                String::from_utf8_lossy(&buf).into_owned()
            }
        }
    }

    #[test]
    fn a_braided_chunk_reads_each_line_from_its_file() {
        // Two files; the chunk takes a1 b1 b2 a2 a3 b3 (skipping each file's first line).
        let a = file_with(b"a0\na1\na2\na3\n");
        let b = file_with(b"b0\nb1\nb2\nb3\n");
        let files = [(SourceId(3), a), (SourceId(7), b)];
        let lines = [
            (0, 3, 5, false),
            (1, 3, 5, false),
            (1, 6, 8, true),
            (0, 6, 8, false),
            (0, 9, 11, false),
            (1, 9, 11, false),
        ];
        let chunk = Chunk::braided(100, &files, &lines);
        let texts: Vec<String> = (0..chunk.len()).map(|i| text(&chunk, i)).collect();
        assert_eq!(texts, ["a1", "b1", "b2", "a2", "a3", "b3"]);
        let sources: Vec<u16> = (0..chunk.len()).map(|i| chunk.source(i).0).collect();
        assert_eq!(sources, [3, 7, 7, 3, 3, 7]);
        let continued: Vec<bool> = (0..chunk.len()).map(|i| chunk.continued(i)).collect();
        assert_eq!(continued, [false, false, true, false, false, false]);
        let locals = chunk.locals(SourceId(7));
        assert_eq!(
            (0..locals.len()).map(|k| locals.get(k)).collect::<Vec<_>>(),
            [1, 2, 5]
        );
        assert_eq!(chunk.locals(SourceId(9)).len(), 0);
        let mut counts = chunk.counts();
        counts.sort_by_key(|(s, _)| s.0);
        assert_eq!(counts, [(SourceId(3), 3), (SourceId(7), 3)]);
        // Per line: 4 bytes of end, 1 of file, 2 of local index (and a bit).
        assert!(chunk.memory() < std::mem::size_of::<Chunk>() + 6 * 7 + 2 * 24 + 8 + 64);
        // A log's generation beside its live file: two files of one source.
        let generation = file_with(b"g0\ng1\n");
        let files = [
            (SourceId(3), Arc::clone(&files[0].1)),
            (SourceId(3), generation),
        ];
        let chunk = Chunk::braided(
            0,
            &files,
            &[(1, 0, 2, false), (1, 3, 5, false), (0, 0, 2, false)],
        );
        let texts: Vec<String> = (0..chunk.len()).map(|i| text(&chunk, i)).collect();
        assert_eq!(texts, ["g0", "g1", "a0"]);
        assert_eq!(chunk.locals(SourceId(3)).len(), 3);
        assert_eq!(chunk.counts(), [(SourceId(3), 3)]);
        // One file: as compact as a single file's chunk.
        let single = Chunk::braided(0, &files[..1], &[(0, 0, 2, false), (0, 3, 5, false)]);
        assert_eq!(
            (text(&single, 0), text(&single, 1)),
            ("a0".into(), "a1".into())
        );
    }
}
