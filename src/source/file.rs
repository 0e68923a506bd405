//! Following one path by name, like `tail -F`.
//!
//! [`Tail::check`] is one look at the path: read what the open handle has, then compare the
//! path's identity (device, inode) and size with what we hold, and act — rotation, replacement,
//! truncation, deletion, appearance. It does blocking I/O, so [`run`] calls it through
//! `spawn_blocking`, woken by the watch hub or by a slow fallback tick.
//!
//! Nothing is lost on rotation: the rotated-away handle is kept ("retired") and drained until it
//! has been quiet for [`RETIRE_AFTER`], so lines a daemon writes to the renamed file before it
//! reopens are still read (GNU `tail -F` closes the old file at once and loses them). Several
//! retired handles can be pending at once, for rotations in quick succession.

use std::collections::VecDeque;
use std::fs::{File, Metadata};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use nix::fcntl::OFlag;

use tokio_util::sync::CancellationToken;

use super::big_file;
use super::claims::{Claims, FileId, Owner};
use super::split::LineSplitter;
use super::watch::{Waker, WatchHub, Watched};
use super::{Emitter, SourceEvent, SourceStatus, StartAt};
use super::{decompress, generations, seek};

/// Bytes read per call; large enough to amortise syscalls, small enough to stream.
const CHUNK: usize = 64 << 10;
/// A rotated-away file is read until it has had no new data for this long.
const RETIRE_AFTER: Duration = Duration::from_secs(3);
/// Files remembered as already followed.
const KNOWN: usize = 256;
/// Rotated-away files kept open at most: a storm of rotations must not exhaust descriptors.
const MAX_RETIRED: usize = 8;
/// Bytes before the read offset remembered to notice a file rewritten under us.
const RECENT: usize = 64;
/// How long a file that replaced another waits before it is read: time for the watcher to hand
/// over a generation that came and went between the two.
const SETTLE: Duration = Duration::from_millis(5);
/// Fallback re-check when events arrive normally: covers events notify may miss.
const POLL_WATCHED: Duration = Duration::from_secs(2);
/// Re-check interval for paths that cannot be watched.
const POLL_UNWATCHED: Duration = Duration::from_millis(250);

/// An open file and how far into it we have read.
struct OpenFile {
    file: File,
    id: FileId,
    offset: u64,
    splitter: LineSplitter,
    /// What its content is, as far as we know.
    content: Content,
    /// Last time new bytes came (for retired handles).
    last_data: Instant,
    /// The last bytes read (up to [`RECENT`]), ending at `offset`; empty for a stream.
    recent: Vec<u8>,
    /// A FIFO or a device: read sequentially, never truncated or rewritten.
    stream: bool,
}

impl OpenFile {
    /// Records the bytes just read (the last `n` bytes of `buf`).
    fn remember(&mut self, buf: &[u8], n: usize) {
        let new = &buf[buf.len() - n.min(RECENT)..];
        let keep = RECENT - new.len();
        if self.recent.len() > keep {
            self.recent.drain(..self.recent.len() - keep);
        }
        self.recent.extend_from_slice(new);
    }
}

/// What an open file holds, for reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// Not looked at yet: the first chunk read decides.
    Unsniffed,
    /// Text: read and shown.
    Text,
    /// Its first chunk looked binary: not shown, but still watched for replacement.
    Binary,
    /// Another source reads this file (it reached it under another name), or it is our own
    /// output: not read here, but still watched for replacement.
    Foreign,
}

/// Whether the task goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep following.
    Continue,
    /// The source is finished (end of `--no-follow`, a permanent error, or shutdown).
    Stop,
}

/// How a path is followed.
#[derive(Debug, Clone, Copy)]
pub struct TailOptions {
    /// Where to start in the file found at the first look; later files are read from 0.
    pub start: StartAt,
    /// `false`: read what exists and stop.
    pub follow: bool,
    /// A history larger than this is indexed in the background ([`big_file`]), not read.
    pub big_file: Option<u64>,
    /// A glob found it while following: gone at the first look (a temporary file), the source
    /// ends without a trace instead of waiting for it.
    pub discovered: bool,
}

/// The follow state of one path; see the module docs.
pub struct Tail {
    path: PathBuf,
    emit: Emitter,
    follow: bool,
    /// Where to start in the file found at the first look; later files are read from 0.
    start: Option<StartAt>,
    current: Option<OpenFile>,
    retired: Vec<OpenFile>,
    /// A notice to send with the next check (the async side must not send blocking).
    notice: Option<String>,
    /// Where the path leads when it is a symlink, as of the last open.
    link_target: Option<PathBuf>,
    /// Files the watcher opened as they appeared at the path (see [`Waker::take_pending`]).
    pending: Vec<File>,
    /// The watcher's handle for this path, set by [`run`]: files it opened are taken at each
    /// look, just before the stat, so that a generation opened while the look waited to run
    /// is read before a newer file.
    waker: Option<Arc<Waker>>,
    /// Every file followed lately, so that one handed over again by the watcher after it was let
    /// go (or rewritten by `cp log log.1`) is not read a second time.
    known: VecDeque<FileId>,
    big_file: Option<u64>,
    /// The indexer of a big file's history, while it runs.
    history: Option<tokio::task::JoinHandle<()>>,
    /// Which source reads which file, shared by every source.
    claims: Arc<Claims>,
    /// Birth time of the newest file read so far: generations born after it that no event told
    /// of are read before a newer file ([`Tail::read_missed_generations`]).
    newest_born: Option<SystemTime>,
    /// When a look last found the file we hold still at the path.
    held_at: Option<SystemTime>,
    /// A new file at the path waits for the next look, [`SETTLE`] later, to be read.
    settling: bool,
    /// The log's older generations given with it, oldest first: read before the live file at
    /// the first look, as its history ([`Tail::read_generations`]).
    generations: Vec<PathBuf>,
    /// See [`TailOptions::discovered`].
    discovered: bool,
    cancel: CancellationToken,
}

impl Tail {
    /// A tail of `path`, followed as `options` say.
    pub fn new(
        path: PathBuf,
        emit: Emitter,
        options: TailOptions,
        claims: Arc<Claims>,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            path,
            emit,
            follow: options.follow,
            start: Some(options.start),
            current: None,
            retired: Vec::new(),
            notice: None,
            link_target: None,
            pending: Vec::new(),
            waker: None,
            known: VecDeque::new(),
            big_file: options.big_file,
            history: None,
            claims,
            newest_born: None,
            held_at: None,
            settling: false,
            generations: Vec::new(),
            discovered: options.discovered,
            cancel,
        }
    }

    /// Reads `generations` (older generations of the log, oldest first) as its history.
    #[must_use]
    pub fn with_generations(mut self, generations: Vec<PathBuf>) -> Self {
        self.generations = generations;
        self
    }

    /// True while rotated-away files are still being drained.
    pub fn draining(&self) -> bool {
        !self.retired.is_empty()
    }

    /// One look at the path: read, detect rotation/truncation/deletion, read again. The first
    /// look ends the backlog.
    pub fn check(&mut self) -> Flow {
        let flow = self.look();
        self.emit.backlog_done();
        flow
    }

    fn look(&mut self) -> Flow {
        if let Some(notice) = self.notice.take() {
            self.emit.warn(notice);
        }
        self.drain_retired();
        // Taken before the stat: if the file we hold is still at the path, it was then.
        // Before the stat: every file taken appeared before it, so the one at the path, if
        // among them, is recognised as such.
        if let Some(waker) = &self.waker {
            self.pending.extend(waker.take_pending());
        }
        let looked = file_clock_now();
        let flow = match std::fs::metadata(&self.path) {
            Err(e) if is_missing(&e) => self.on_missing(),
            Err(e) => self.fail(format!("cannot read: {}", plain_io(&e))),
            Ok(meta) if meta.is_dir() => {
                self.emit
                    .status(SourceStatus::Failed("is a directory, not a file".into()));
                return Flow::Stop;
            }
            Ok(meta) => self.on_present(&meta, looked),
        };
        // The first look decided the start position, whatever it found.
        self.start = None;
        if !self.follow || flow == Flow::Stop || self.emit.closed() {
            self.finish_all();
            return Flow::Stop;
        }
        flow
    }

    fn on_missing(&mut self) -> Flow {
        if self.discovered && self.start.is_some() && self.current.is_none() {
            self.emit.status(SourceStatus::Gone);
            return Flow::Stop;
        }
        // Rotated away just now, or not there yet: its generations are still its history.
        let had_history = !self.generations.is_empty();
        if let Some(start) = self.start {
            self.read_generations(start, 0);
        }
        if let Some(mut cur) = self.current.take() {
            // Deleted or renamed away: read what it holds and keep draining it for a while.
            self.read_available(&mut cur);
            self.retire(cur);
        }
        self.adopt_pending(None);
        if !self.follow {
            if had_history && self.start.is_some() {
                // Its history was read: the log is there, its live file is not.
                self.emit.warn(format!(
                    "{}: no such file (its older generations were read)",
                    self.path.display()
                ));
                self.emit.status(SourceStatus::Ended);
                return Flow::Stop;
            }
            return self.fail("no such file".into());
        }
        self.emit.status(SourceStatus::Waiting);
        Flow::Continue
    }

    fn on_present(&mut self, meta: &Metadata, looked: SystemTime) -> Flow {
        let replaced = self.current.as_ref().is_some_and(|cur| {
            // A new inode at the path, or ours was unlinked (the path may reuse its number).
            cur.id != FileId::of(meta) || cur.file.metadata().is_ok_and(|m| m.nlink() == 0)
        });
        if self.current.is_some() && !replaced {
            self.held_at = Some(looked);
        }
        if replaced {
            if let Some(mut cur) = self.current.take() {
                self.read_available(&mut cur);
                self.retire(cur);
            }
            self.emit.status(SourceStatus::Rotated);
        }
        let candidate = self.adopt_pending(Some(FileId::of(meta)));
        if self.current.is_none() {
            // A missed generation was born after the file we held left the path: after the
            // last look that still found it there (a copy made meanwhile, as copytruncate's
            // `app.log.1`, was born while it was there).
            let floor = self.newest_born.max(self.held_at);
            // A file that follows another is read at the next look, a moment later: the
            // watcher may still hold a generation between the two (created and renamed away
            // within milliseconds), and it must be read first.
            let follows_another = self.follow && self.newest_born.is_some();
            let opened = match candidate {
                Some(file) => self.adopt(file),
                None => self.open(),
            };
            match opened {
                Ok(open) => {
                    // Generations that came and went since the last one we read come first.
                    self.read_missed_generations(floor, open.id.born());
                    self.current = Some(open);
                    if follows_another {
                        self.settling = true;
                        return Flow::Continue;
                    }
                }
                Err(e) if is_missing(&e) => return self.on_missing(),
                Err(e) => return self.fail(format!("cannot open: {}", plain_io(&e))),
            }
        }
        let Some(mut cur) = self.current.take() else {
            return Flow::Continue;
        };
        self.read_available(&mut cur);
        self.current = Some(cur);
        Flow::Continue
    }

    fn open(&mut self) -> io::Result<OpenFile> {
        // Non-blocking, so that opening a FIFO with no writer yet does not wait for one (regular
        // files ignore the flag).
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(OFlag::O_NONBLOCK.bits())
            .open(&self.path)?;
        self.adopt(file)
    }

    /// Starts following `file`, just opened at the path (by us or by the watcher).
    fn adopt(&mut self, file: File) -> io::Result<OpenFile> {
        let is_link = std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_symlink());
        self.link_target = if is_link {
            std::fs::canonicalize(&self.path).ok()
        } else {
            None
        };
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::other("is a directory, not a file"));
        }
        // A FIFO or a device has no offsets: it is read as a stream, from wherever it is.
        let stream = !meta.is_file();
        let id = FileId::of(&meta);
        if let Err(owner) = self.claims.claim(id, Owner::Source(self.emit.id())) {
            return Ok(self.foreign(file, id, owner));
        }
        let offset = match self.start {
            Some(start) if !stream => {
                // `--since`: the history before it is skipped, found by position.
                let from = match self.emit.range().since {
                    Some(since) => {
                        seek::since_offset(&file, meta.len(), since, &self.emit.clock())?
                    }
                    None => 0,
                };
                if let Some(end) = self.index_history(&file, meta.len(), start, from)? {
                    end
                } else {
                    let offset = start_offset(&file, meta.len(), start)?.max(from);
                    // Fewer lines than asked for (or all of them): the older generations
                    // give the rest, before the live file's.
                    if offset == 0 && !self.generations.is_empty() {
                        let live = count_lines(&file, meta.len())?;
                        self.read_generations(start, live);
                    }
                    offset
                }
            }
            _ => 0,
        };
        self.emit.status(SourceStatus::Following);
        let held = offset.min(RECENT as u64);
        let mut recent = vec![0u8; usize::try_from(held).unwrap_or(0)];
        file.read_exact_at(&mut recent, offset - held)?;
        self.remember_known(id);
        self.newest_born = self.newest_born.max(id.born());
        Ok(OpenFile {
            file,
            id,
            offset,
            splitter: LineSplitter::default(),
            content: Content::Unsniffed,
            last_data: Instant::now(),
            recent,
            stream,
        })
    }

    /// Takes the log's older generations (oldest first), less those `--since` leaves out: the
    /// ones that end before it (the next one starts before it), skipped unread.
    fn take_generations(&mut self) -> Vec<PathBuf> {
        let mut generations = std::mem::take(&mut self.generations);
        let clock = self.emit.clock();
        let starts_before = |path: &PathBuf, since: i64| {
            decompress::open(path)
                .ok()
                .and_then(|(mut reader, _)| seek::first_instant(&mut reader, &clock))
                .is_some_and(|t| t <= since)
        };
        let skipped = match self.emit.range().since {
            Some(since) => (1..generations.len())
                .rev()
                .find(|&i| starts_before(&generations[i], since))
                .unwrap_or(0),
            None => 0,
        };
        generations.drain(..skipped);
        generations
    }

    /// Reads the log's older generations, oldest first, as the start of its history: all of
    /// them for `-n all`, for `-n N` as many lines as the `live` lines of the live file leave
    /// to show. Each generation once: they are given up after this.
    fn read_generations(&mut self, start: StartAt, live: u64) {
        let generations = self.take_generations();
        let need = match start {
            StartAt::End => return,
            StartAt::Beginning => None,
            StartAt::LastLines(n) if n <= live => return,
            StartAt::LastLines(n) => Some(n - live),
        };
        // With `-n N`, the newest generations that hold the lines asked for; the oldest of them
        // is read from where those lines begin.
        let (first, mut skip) = match need {
            None => (0, 0),
            Some(need) => {
                let mut total = 0;
                let mut first = generations.len();
                for (i, path) in generations.iter().enumerate().rev() {
                    if total >= need {
                        break;
                    }
                    total += generations::count_lines(path).unwrap_or(0);
                    first = i;
                }
                (first, total.saturating_sub(need))
            }
        };
        for path in &generations[first..] {
            if self.cancel.is_cancelled() || self.emit.closed() {
                return;
            }
            self.read_generation(path, std::mem::take(&mut skip));
        }
    }

    /// Reads one generation, compressed or not, after its first `skip` lines. A broken archive
    /// gives the lines before the break and one notice.
    fn read_generation(&mut self, path: &std::path::Path, mut skip: u64) {
        if let Some(id) = FileId::at(path) {
            // Ours now: a glob that reaches it under its own name leaves it to us.
            let _ = self.claims.claim(id, Owner::Source(self.emit.id()));
            self.remember_known(id);
        }
        let mut splitter = LineSplitter::default();
        let emit = &mut self.emit;
        let read = each_block(path, |block| {
            let mut bytes = block;
            while skip > 0 {
                let Some(at) = memchr::memchr(b'\n', bytes) else {
                    bytes = &[];
                    break;
                };
                bytes = &bytes[at + 1..];
                skip -= 1;
            }
            emit.lines(splitter.push(bytes));
            Ok(())
        });
        // What came before a break is shown, then the break is said.
        self.emit.lines(splitter.finish());
        match read {
            Ok(None) => {}
            Ok(Some(broken)) => self.emit.warn(broken),
            Err(e) => self
                .emit
                .warn(format!("{}: not read: {}", path.display(), plain_io(&e))),
        }
    }

    fn remember_known(&mut self, id: FileId) {
        if !self.known.contains(&id) {
            if self.known.len() >= KNOWN {
                self.known.pop_front();
            }
            self.known.push_back(id);
        }
    }

    /// A file at our path that another source reads, or our own output: held (to notice when
    /// the path moves on to another file) but never read. Said once, when it is the output.
    fn foreign(&mut self, file: File, id: FileId, owner: Owner) -> OpenFile {
        if owner == Owner::Output && !self.known.contains(&id) {
            self.emit.warn(format!(
                "not reading {}: it is logbraid's own output",
                self.path.display()
            ));
        }
        self.remember_known(id);
        self.emit.status(SourceStatus::Following);
        OpenFile {
            file,
            id,
            offset: 0,
            splitter: LineSplitter::default(),
            content: Content::Foreign,
            last_data: Instant::now(),
            recent: Vec::new(),
            stream: false,
        }
    }

    /// When the history to show is a big file's, starts indexing it in the background and
    /// returns where following starts: after its last complete line.
    /// `from`: where the history to show starts at the earliest (`--since`).
    fn index_history(
        &mut self,
        file: &File,
        len: u64,
        start: StartAt,
        from: u64,
    ) -> io::Result<Option<u64>> {
        // What is to be shown decides, not the file: `--since` may leave little of it.
        let Some(threshold) = self.big_file.filter(|&t| len.saturating_sub(from) > t) else {
            return Ok(None);
        };
        let limit = match start {
            StartAt::End => return Ok(None),
            StartAt::Beginning => None,
            StartAt::LastLines(n) => match last_lines_offset(file, len, n, threshold)? {
                // The lines asked for are near the end: read as usual.
                Some(_) => return Ok(None),
                None => Some(n),
            },
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Ok(None);
        };
        let end = after_last_newline(file, len)?;
        let sampled = end.min(4096);
        let mut sample = vec![0u8; usize::try_from(sampled).unwrap_or(4096)];
        file.read_exact_at(&mut sample, end - sampled)?;
        if end == 0 || looks_binary(&sample) {
            return Ok(None);
        }
        // The layout of its stamps, from its first lines: its history is braided by them.
        let clock = self.emit.clock();
        let mut head = vec![0u8; usize::try_from(end.min(64 << 10)).unwrap_or(0)];
        file.read_exact_at(&mut head, 0)?;
        let stamps = big_file::Stamps {
            stamp: seek::layout(&head, &clock),
            clock,
        };
        // Said before the first look ends: once every source's has, the braid knows whose
        // histories to wait for.
        self.emit.history_coming();
        // Its older generations follow its own history, newest first, as parts of the same.
        let generations = if from == 0 {
            self.take_generations()
        } else {
            Vec::new()
        };
        for path in &generations {
            if let Some(id) = FileId::at(path) {
                let _ = self.claims.claim(id, Owner::Source(self.emit.id()));
                self.remember_known(id);
            }
        }
        let file = Arc::new(file.try_clone()?);
        let (id, tx) = self.emit.sender();
        let cancel = self.cancel.clone();
        let path = self.path.clone();
        self.history = Some(runtime.spawn_blocking(move || {
            let notice = |text: String| drop(tx.blocking_send(SourceEvent::Notice(text)));
            let mut left = limit;
            // Whether the part that ends the history went out.
            let mut ended = false;
            // The live file's history, then its generations, newest first.
            let names: Vec<PathBuf> = std::iter::once(path)
                .chain(generations.iter().rev().cloned())
                .collect();
            let count = names.len();
            for (k, name) in names.into_iter().enumerate() {
                let last_file = k + 1 == count;
                // A generation is spooled (decompressed, a last newline added) to be indexed.
                let (file, region) = if k == 0 {
                    (Arc::clone(&file), from.min(end)..end)
                } else {
                    match spool(&name) {
                        Ok((spooled, len, broken)) => {
                            if let Some(text) = broken {
                                notice(text);
                            }
                            (spooled, 0..len)
                        }
                        Err(e) => {
                            notice(format!("{}: not read: {}", name.display(), plain_io(&e)));
                            continue;
                        }
                    }
                };
                let mut stopped = false;
                let mut remaining = left;
                let send = |mut part: big_file::History| {
                    remaining = remaining.map(|l| l.saturating_sub(part.lines.len() as u64));
                    stopped |= part.stop.is_cancelled();
                    // Only the oldest file's last part ends the history.
                    part.last &= last_file || remaining == Some(0);
                    ended |= part.last;
                    tx.blocking_send(SourceEvent::History { id, part }).is_ok()
                };
                let result = big_file::index(&file, region, left, &cancel, stamps, send);
                left = remaining;
                if let Err(e) = result {
                    notice(format!(
                        "{}: reading its history failed: {}",
                        name.display(),
                        plain_io(&e)
                    ));
                }
                if cancel.is_cancelled() || stopped || left == Some(0) {
                    break;
                }
            }
            if !ended {
                // A generation that could not be read was the oldest: the history ends anyway.
                let part = big_file::History::end(&file);
                drop(tx.blocking_send(SourceEvent::History { id, part }));
            }
        }));
        Ok(Some(end))
    }

    /// Reads `open` from its offset to the end, emitting complete lines chunk by chunk.
    ///
    /// The first read starts up to [`RECENT`] bytes early and checks that they are still the
    /// bytes we read last, in the same `pread`, so that a truncation between a check and the
    /// read cannot slip through. When they differ (or are gone) the file was truncated in place
    /// (copytruncate) or rewritten: what was held back is emitted and it is read from the top —
    /// This is for the file that is (or was, until this look) at our path; rotated-away files
    /// are read with [`drain`](Self::drain).
    fn read_available(&mut self, open: &mut OpenFile) {
        if !self.read_on(open) {
            self.emit.lines(open.splitter.finish());
            open.offset = 0;
            open.recent.clear();
            self.emit.status(SourceStatus::Truncated);
            self.read_on(open);
        }
    }

    /// Reads a rotated-away file; false when it was rewritten in place (something reused it,
    /// as `cp log log.1` does over an earlier `log.1`): its new content is not ours to show.
    fn drain(&mut self, old: &mut OpenFile) -> bool {
        self.read_on(old)
    }

    /// Reads from the offset to the end; false when the bytes before the offset changed.
    fn read_on(&mut self, open: &mut OpenFile) -> bool {
        if matches!(open.content, Content::Binary | Content::Foreign) {
            return true;
        }
        let mut verify = if open.stream { 0 } else { open.recent.len() };
        loop {
            if self.cancel.is_cancelled() || self.emit.closed() {
                return true;
            }
            let spare = self.emit.spare_buffer();
            let (mut buf, held) = open.splitter.take_buffer_from(spare, CHUNK + verify);
            let read = read_into(
                &open.file,
                open.stream,
                open.offset - verify as u64,
                &mut buf,
                held,
                CHUNK + verify,
            );
            if verify > 0 {
                let same = buf.get(held..held + verify) == Some(&open.recent[..]);
                if !same {
                    buf.truncate(held);
                    open.splitter.split(buf); // hands the held partial line back
                    return false;
                }
                buf.drain(held..held + verify);
                verify = 0;
            }
            let n = buf.len() - held;
            if open.content == Content::Unsniffed && n > 0 {
                open.content = Content::Text;
                if looks_binary(&buf[held..]) {
                    open.content = Content::Binary;
                    self.emit
                        .status(SourceStatus::Failed("binary file, not shown".into()));
                    return true;
                }
            }
            open.offset += n as u64;
            if !open.stream {
                open.remember(&buf, n);
            }
            let batch = open.splitter.split(buf);
            self.emit.lines(batch);
            if let Err(e) = read {
                self.emit.status(SourceStatus::Failed(format!(
                    "read error: {}",
                    plain_io(&e)
                )));
                return true;
            }
            if n == 0 {
                return true;
            }
            open.last_data = Instant::now();
        }
    }

    /// Reads the files the watcher opened as they appeared, oldest first (by birth time: the
    /// watcher may open a file under a later event than the one of its creation): any we do
    /// not hold already is a generation that came (and perhaps went) between two looks. The
    /// one still at the path (`at_path`) is returned, to become the current file; the others
    /// are read from their start and then drained like any rotated-away file.
    fn adopt_pending(&mut self, at_path: Option<FileId>) -> Option<File> {
        let mut candidate = None;
        let mut pending: Vec<(FileId, File)> = std::mem::take(&mut self.pending)
            .into_iter()
            .filter_map(|file| Some((FileId::of(&file.metadata().ok()?), file)))
            .collect();
        // Stable: files without a birth time keep the order they appeared in, after the others.
        pending.sort_by_key(|(id, _)| (id.born().is_none(), id.born()));
        for (id, file) in pending {
            if Some(id) == at_path {
                if !self.current.as_ref().is_some_and(|c| c.id == id) {
                    candidate = Some(file);
                }
                continue;
            }
            if self.known.contains(&id) {
                continue;
            }
            if let Ok(mut generation) = self.adopt(file) {
                self.read_available(&mut generation);
                self.retire(generation);
            }
        }
        candidate
    }

    /// Reads, oldest first, the generations of the followed name born after `after` and before
    /// `until` that no event told of: in a storm of rotations a generation can be created,
    /// written and renamed away (`app.log` → `app.log.1`) before the watcher's events for it
    /// are handled, while the next one is already at the path. They are found in the directory
    /// by name (the followed name, then `.`, `-` or `_` and a suffix; compressed ones are not
    /// read here) and birth time, and read to their end before the file now at the path.
    fn read_missed_generations(&mut self, after: Option<SystemTime>, until: Option<SystemTime>) {
        let (Some(after), Some(until)) = (after, until) else {
            return;
        };
        let Some(name) = self.path.file_name().map(|n| n.as_encoded_bytes().to_vec()) else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(super::parent_dir(&self.path)) else {
            return;
        };
        let mut found: Vec<(SystemTime, File)> = entries
            .flatten()
            .filter(|entry| is_generation_name(&name, entry.file_name().as_encoded_bytes()))
            .filter_map(|entry| {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(OFlag::O_NONBLOCK.bits())
                    .open(entry.path())
                    .ok()?;
                let meta = file.metadata().ok()?;
                let born = meta.created().ok()?;
                let fresh = meta.is_file()
                    && born >= after
                    && born < until
                    && !self.known.contains(&FileId::of(&meta));
                fresh.then_some((born, file))
            })
            .collect();
        found.sort_by_key(|(born, _)| *born);
        for (_, file) in found {
            if let Ok(mut generation) = self.adopt(file) {
                self.read_available(&mut generation);
                self.retire(generation);
            }
        }
    }

    /// Keeps a rotated-away file open to drain it, closing the oldest beyond [`MAX_RETIRED`]
    /// (it was read to its end just before, so only writes from here on could be missed).
    fn retire(&mut self, old: OpenFile) {
        self.retired.push(old);
        if self.retired.len() > MAX_RETIRED {
            let mut oldest = self.retired.remove(0);
            self.drain(&mut oldest);
            self.emit.lines(oldest.splitter.finish());
        }
    }

    fn drain_retired(&mut self) {
        let mut retired = std::mem::take(&mut self.retired);
        let follow = self.follow;
        retired.retain_mut(|old| {
            let intact = self.drain(old);
            let keep = intact && follow && old.last_data.elapsed() < RETIRE_AFTER;
            if !keep {
                self.emit.lines(old.splitter.finish());
            }
            keep
        });
        self.retired = retired;
    }

    fn fail(&mut self, reason: String) -> Flow {
        self.emit.status(SourceStatus::Failed(reason));
        if self.follow {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }

    /// End of the source: held-back partial lines become lines.
    fn finish_all(&mut self) {
        let open: Vec<OpenFile> = self.retired.drain(..).chain(self.current.take()).collect();
        for mut old in open {
            if !self.cancel.is_cancelled() {
                self.emit.lines(old.splitter.finish());
            }
        }
    }
}

/// Reads up to `len` bytes at `offset` (for a stream: wherever it is) into `buf[held..]` (one
/// `pread` or `read`, retried only when interrupted) and truncates `buf` to what it then holds.
/// Only bytes the buffer never held are zeroed first: a recycled buffer is simply overwritten.
fn read_into(
    file: &File,
    stream: bool,
    offset: u64,
    buf: &mut Vec<u8>,
    held: usize,
    len: usize,
) -> io::Result<()> {
    if buf.len() < held + len {
        buf.resize(held + len, 0);
    }
    let read = loop {
        let target = &mut buf[held..held + len];
        let result = if stream {
            (&*file).read(target)
        } else {
            file.read_at(target, offset)
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A stream with nothing to read right now.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(0),
            other => break other,
        }
    };
    buf.truncate(held + *read.as_ref().unwrap_or(&0));
    read.map(drop)
}

/// The offset to start reading a file of `len` bytes at, for `start`.
fn start_offset(file: &File, len: u64, start: StartAt) -> io::Result<u64> {
    match start {
        StartAt::Beginning => Ok(0),
        StartAt::End => Ok(len),
        StartAt::LastLines(n) => Ok(last_lines_offset(file, len, n, u64::MAX)?.unwrap_or(0)),
    }
}

/// The offset of the start of the last `n` lines (a final line without `\n` counts as one), or
/// `None` when they take more than the last `within` bytes.
fn last_lines_offset(file: &File, len: u64, n: u64, within: u64) -> io::Result<Option<u64>> {
    if n == 0 {
        return Ok(Some(len));
    }
    let mut block = vec![0u8; 64 << 10];
    let mut end = len;
    let mut seen = 0u64;
    // A trailing newline ends the last line; it does not start a new one.
    let mut skip_last = true;
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let buf = &mut block[..usize::try_from(end - start).unwrap_or(0)];
        file.read_exact_at(buf, start)?;
        let mut hay: &[u8] = buf;
        if skip_last {
            skip_last = false;
            if end == len && hay.last() == Some(&b'\n') {
                hay = &hay[..hay.len() - 1];
            }
        }
        for pos in memchr::memrchr_iter(b'\n', hay) {
            seen += 1;
            if seen == n {
                let at = start + pos as u64 + 1;
                return Ok((len - at <= within).then_some(at));
            }
        }
        end = start;
        if len - end > within {
            return Ok(None);
        }
    }
    Ok(Some(0))
}

/// The offset just after the file's last `\n` (0 without one).
fn after_last_newline(file: &File, len: u64) -> io::Result<u64> {
    let mut block = vec![0u8; 64 << 10];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let buf = &mut block[..usize::try_from(end - start).unwrap_or(0)];
        file.read_exact_at(buf, start)?;
        if let Some(pos) = memchr::memrchr(b'\n', buf) {
            return Ok(start + pos as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The text of the generation at `path`, decompressed, handed to `each` a block at a time. A
/// first block that looks binary is an error (it is no generation of a text log); an archive
/// that breaks off ends the text, and the message about it is returned.
fn each_block(
    path: &std::path::Path,
    mut each: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<Option<String>> {
    let (mut reader, compression) = decompress::open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut first = true;
    let mut lines = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => {
                if std::mem::take(&mut first) && looks_binary(&buf[..n]) {
                    return Err(io::Error::other("binary, not a generation of the log"));
                }
                lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                each(&buf[..n])?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let what = compression.map_or("file", |c| c.name());
                return Ok(Some(format!(
                    "{}: {what} data broken after {lines} lines ({}); the rest of it is not shown",
                    path.display(),
                    plain_io(&e)
                )));
            }
        }
    }
}

/// A generation's text in an unnamed temporary file, decompressed, ending with a newline (the
/// indexer needs one): the file, its length, and what to say when the archive broke off.
fn spool(path: &std::path::Path) -> io::Result<(Arc<File>, u64, Option<String>)> {
    use std::io::Write as _;
    let mut out = tempfile::tempfile()?;
    let mut last = b'\n';
    let broken = each_block(path, |block| {
        last = block[block.len() - 1];
        out.write_all(block)
    })?;
    if last != b'\n' {
        out.write_all(b"\n")?;
    }
    let len = out.metadata()?.len();
    Ok((Arc::new(out), len, broken))
}

/// Lines in the first `len` bytes of `file` (a last line without `\n` counts).
fn count_lines(file: &File, len: u64) -> io::Result<u64> {
    let mut block = vec![0u8; 64 << 10];
    let (mut at, mut lines, mut last) = (0u64, 0u64, b'\n');
    while at < len {
        let n = usize::try_from((len - at).min(block.len() as u64)).unwrap_or(block.len());
        file.read_exact_at(&mut block[..n], at)?;
        lines += memchr::memchr_iter(b'\n', &block[..n]).count() as u64;
        last = block[n - 1];
        at += n as u64;
    }
    Ok(lines + u64::from(last != b'\n'))
}

/// Now, on the clock file timestamps are taken from: the kernel's coarse real-time clock, a few
/// milliseconds behind the precise one. A file created after this call never has an older
/// birth time (with the precise clock, one created just after could).
fn file_clock_now() -> SystemTime {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME_COARSE).map_or_else(
        |_| SystemTime::now(),
        |t| {
            let secs = u64::try_from(t.tv_sec()).unwrap_or(0);
            let nanos = u32::try_from(t.tv_nsec()).unwrap_or(0);
            SystemTime::UNIX_EPOCH + Duration::new(secs, nanos)
        },
    )
}

/// True when `candidate` may be a generation our file was moved to while no event said so:
/// `name` followed by `.`, `-` or `_` and any suffix (`app.log.1`, `app.log-20261201`,
/// `app.log_old`), not compressed. Looser than [`generations::generation_of`] on purpose: a
/// rename to any such name must not lose lines.
fn is_generation_name(name: &[u8], candidate: &[u8]) -> bool {
    candidate.len() > name.len() + 1
        && candidate.starts_with(name)
        && matches!(candidate[name.len()], b'.' | b'-' | b'_')
        && !generations::is_compressed(candidate)
}

/// A first chunk with many control bytes (not tab, newline, CR, form feed or ESC) is binary.
/// Text logs with an occasional NUL or escape stay far below the threshold.
fn looks_binary(sample: &[u8]) -> bool {
    let sample = &sample[..sample.len().min(4096)];
    let control = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    control > 0 && control * 20 > sample.len()
}

fn is_missing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory
}

/// An I/O error's message without the "(os error N)" suffix.
pub(crate) fn plain_io(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_lowercase(),
        None => text.to_lowercase(),
    }
}

/// The task following one path: checks on every wake-up until stopped. The source is done when
/// its history, if it is a big file's, is indexed too.
pub async fn run(tail: Tail, hub: Arc<WatchHub>, cancel: CancellationToken) {
    if let Some(mut tail) = follow(tail, &hub, &cancel).await
        && let Some(history) = tail.history.take()
    {
        // An error means the indexer panicked; the panic hook has reported it.
        drop(history.await);
    }
}

/// Checks on every wake-up until stopped; `None` if a check panicked.
async fn follow(mut tail: Tail, hub: &WatchHub, cancel: &CancellationToken) -> Option<Tail> {
    let waker: Arc<Waker> = hub.add_file(&tail.path);
    tail.waker = Some(Arc::clone(&waker));
    let dir = super::parent_dir(&tail.path);
    let mut watched = Watched::DirMissing;
    let mut routed_target: Option<PathBuf> = None;
    loop {
        if tail.follow && watched != Watched::Events {
            let now = hub.watch_dir(&dir, false);
            if now == Watched::Polling && watched != Watched::Polling {
                tail.notice = hub.take_warning();
            }
            watched = now;
        }
        let checked = tokio::task::spawn_blocking(move || {
            let flow = tail.check();
            (tail, flow)
        });
        // An error means the check panicked; the panic hook has reported it.
        let Ok((back, flow)) = checked.await else {
            return None;
        };
        tail = back;
        if flow == Flow::Stop {
            return Some(tail);
        }
        waker.set_any_in_dir(tail.draining());
        if tail.link_target.is_some() && tail.link_target != routed_target {
            // A symlink (Kubernetes' container logs): writes happen in the target's directory.
            if let Some(target) = &tail.link_target {
                hub.add_route(target, &waker);
                hub.watch_dir(&super::parent_dir(target), false);
            }
            routed_target.clone_from(&tail.link_target);
        }
        let period = if tail.settling {
            SETTLE
        } else if watched == Watched::Events {
            POLL_WATCHED
        } else {
            POLL_UNWATCHED
        };
        tokio::select! {
            () = waker.woken() => {}
            () = tokio::time::sleep(period) => {}
            () = cancel.cancelled() => return Some(tail),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn file_with(content: &[u8]) -> (tempfile::NamedTempFile, File, u64) {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(content).expect("write");
        let file = File::open(f.path()).expect("open");
        (f, file, content.len() as u64)
    }

    /// A file a glob found that is gone at the first look (a temporary file) ends its source
    /// at once, saying `Gone`; a file given at start that does not exist is waited for.
    #[test]
    fn a_found_file_gone_before_it_was_read_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("temp dir");
        for discovered in [true, false] {
            let (tx, mut rx) = tokio::sync::mpsc::channel(16);
            let emit = super::super::Emitter::new(
                crate::source_id::SourceId(0),
                tx,
                super::super::Backlog::Found,
                crate::timestamp::Clock::now(),
                Arc::default(),
            );
            let options = TailOptions {
                start: StartAt::Beginning,
                follow: true,
                big_file: None,
                discovered,
            };
            let mut tail = Tail::new(
                dir.path().join("app.log.tmp"),
                emit,
                options,
                Arc::default(),
                CancellationToken::new(),
            );
            let flow = tail.check();
            let mut statuses = Vec::new();
            while let Ok(event) = rx.try_recv() {
                if let SourceEvent::Status { status, .. } = event {
                    statuses.push(status);
                }
            }
            if discovered {
                assert_eq!(flow, Flow::Stop);
                assert_eq!(statuses, [SourceStatus::Gone]);
            } else {
                assert_eq!(flow, Flow::Continue);
                assert_eq!(statuses, [SourceStatus::Waiting]);
            }
        }
    }

    #[test]
    fn generation_names() {
        for (candidate, want) in [
            ("app.log.1", true),
            ("app.log-20261201", true),
            ("app.log.2026-12-01", true),
            ("app.log_old", true),
            ("app.log.2.gz", false),
            ("app.log", false),
            ("app.log.", false),
            ("app.logger", false),
            ("other.log.1", false),
        ] {
            assert_eq!(
                is_generation_name(b"app.log", candidate.as_bytes()),
                want,
                "{candidate}"
            );
        }
    }

    #[test]
    fn last_lines() {
        let (_keep, file, len) = file_with(b"a\nb\nc\n");
        for (n, offset) in [(0, 6), (1, 4), (2, 2), (3, 0), (9, 0)] {
            let got = last_lines_offset(&file, len, n, u64::MAX).ok().flatten();
            assert_eq!(got, Some(offset), "last {n} lines");
        }
        let (_keep, file, len) = file_with(b"a\nb\npartial");
        let got = last_lines_offset(&file, len, 1, u64::MAX).ok().flatten();
        assert_eq!(got, Some(4));
        // Not within the last 3 bytes: the caller reads the file another way.
        let got = last_lines_offset(&file, len, 2, 3).ok().flatten();
        assert_eq!(got, None);
    }

    #[test]
    fn last_lines_across_blocks() {
        let content: Vec<u8> = (0..100_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let (_keep, file, len) = file_with(&content);
        let off = last_lines_offset(&file, len, 3, u64::MAX)
            .ok()
            .flatten()
            .expect("offset");
        assert_eq!(
            &content[usize::try_from(off).expect("fits")..],
            b"line 99997\nline 99998\nline 99999\n"
        );
    }

    #[test]
    fn binary_sniffing() {
        assert!(!looks_binary(
            b"plain text\nwith a \x1b[31mcolour\x1b[0m\tand tab\n"
        ));
        assert!(!looks_binary(
            &[b"x".repeat(100), vec![0], b"y\n".repeat(50)].concat()
        ));
        assert!(looks_binary(&[0u8, 1, 2, 3, 200, 201, 5, 6, 7, 8]));
        assert!(!looks_binary(b""));
    }
}
