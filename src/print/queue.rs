//! Lines of a format that renders (`pretty`, `json`) are gathered here in chunks and rendered on
//! two worker threads while the printer's thread goes on braiding: rendering a record costs
//! several times what reading and braiding it does, so a big history goes out as fast as two
//! cores render. Chunks are handed to the workers in turn and their output is taken back in the
//! same turn, so lines go out in the braid's order. A live line, or a short chunk when nothing
//! is in flight, is rendered on the printer's own thread at once: no hop between threads.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use super::format::{Formatter, Line};
use super::sink::Sink;

/// Lines a chunk gathers before it is handed to a worker.
pub const CHUNK: usize = 8192;
/// Chunks handed out and not yet written (a bound on the memory rendering takes: about
/// 4 MiB a chunk of 256-byte lines, in and out).
const IN_FLIGHT: usize = 6;
/// Worker threads.
const WORKERS: usize = 2;
/// Fewer lines, with nothing in flight, are rendered on the printer's own thread.
const INLINE: usize = 1024;

/// One queued line.
#[derive(Debug, Clone, Copy)]
struct Queued {
    source: usize,
    instant: i64,
    /// Its end in the chunk's text.
    end: usize,
}

/// Lines waiting, their bytes one after the other; once rendered, `out` holds each line's
/// text (without its newline), the line ending at `ends[i]`.
#[derive(Debug, Default)]
struct Chunk {
    text: Vec<u8>,
    lines: Vec<Queued>,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Chunk {
    fn render(&mut self, formatter: &mut Formatter, names: &[String]) -> io::Result<()> {
        self.out.clear();
        self.ends.clear();
        let mut start = 0;
        for q in &self.lines {
            let line = Line {
                text: &self.text[start..q.end],
                source: names.get(q.source).map_or("?", String::as_str),
                instant: q.instant,
            };
            formatter.write(line, &mut self.out)?;
            self.ends.push(self.out.len());
            start = q.end;
        }
        Ok(())
    }

    /// Writes the rendered lines to `sink`, each after its prefix, and empties the chunk.
    fn write_to<W: Write>(&mut self, sink: &mut Sink<W>) -> io::Result<()> {
        let mut from = 0;
        for (q, &end) in self.lines.iter().zip(&self.ends) {
            if sink.prefixed() {
                sink.write_prefix(q.source)?;
            }
            sink.out().write_all(&self.out[from..end])?;
            sink.out().write_all(b"\n")?;
            from = end;
        }
        self.text.clear();
        self.lines.clear();
        Ok(())
    }
}

/// A chunk to render, with the source names as they were when it was gathered.
type Job = (Chunk, Arc<[String]>);

/// A worker thread: chunks in, rendered chunks out, in the order they came.
struct Worker {
    jobs: SyncSender<Job>,
    done: Receiver<io::Result<Chunk>>,
}

impl Worker {
    fn spawn(mut formatter: Formatter) -> io::Result<Self> {
        let (jobs, inbox) = mpsc::sync_channel::<Job>(IN_FLIGHT);
        let (outbox, done) = mpsc::sync_channel(IN_FLIGHT);
        thread::Builder::new()
            .name("logbraid-render".into())
            .spawn(move || {
                // Ends when the queue is dropped (its sender with it).
                for (mut chunk, names) in inbox {
                    let rendered = chunk.render(&mut formatter, &names).map(|()| chunk);
                    if outbox.send(rendered).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Self { jobs, done })
    }
}

/// The lines waiting and the chunks being rendered; see the module docs.
#[derive(Default)]
pub struct Queue {
    gathering: Chunk,
    workers: Vec<Worker>,
    /// Chunks handed out and not written yet, oldest first, with the worker each went to.
    in_flight: VecDeque<usize>,
    /// The worker the next chunk goes to.
    turn: usize,
    /// Emptied chunks, for their buffers.
    spare: Vec<Chunk>,
    names: Option<Arc<[String]>>,
}

impl Queue {
    /// Queues `text`, a line of `source` at `instant`.
    pub fn push(&mut self, source: usize, instant: i64, text: &[u8]) {
        let chunk = &mut self.gathering;
        chunk.text.extend_from_slice(text);
        chunk.lines.push(Queued {
            source,
            instant,
            end: chunk.text.len(),
        });
    }

    /// True when a full chunk is gathered: time for [`Queue::hand_out`].
    pub fn is_full(&self) -> bool {
        self.gathering.lines.len() >= CHUNK
    }

    /// True when no line waits or is being rendered.
    pub fn is_empty(&self) -> bool {
        self.gathering.lines.is_empty() && self.in_flight.is_empty()
    }

    /// The source names changed (a source was added): chunks gathered from now on carry these.
    pub fn names_changed(&mut self) {
        self.names = None;
    }

    /// Hands the gathered chunk to a worker, and writes the chunks already rendered to `sink`
    /// (waiting for the oldest when too many are in flight).
    pub fn hand_out<W: Write>(
        &mut self,
        formatter: &Formatter,
        names: &[String],
        sink: &mut Sink<W>,
    ) -> io::Result<()> {
        while self.workers.len() < WORKERS {
            self.workers.push(Worker::spawn(formatter.clone())?);
        }
        let names = self
            .names
            .get_or_insert_with(|| names.iter().cloned().collect())
            .clone();
        let chunk = std::mem::replace(&mut self.gathering, self.spare.pop().unwrap_or_default());
        let turn = self.turn;
        self.workers[turn]
            .jobs
            .send((chunk, names))
            .map_err(|_| io::Error::other("a rendering thread stopped"))?;
        self.in_flight.push_back(turn);
        self.turn = (turn + 1) % self.workers.len();
        while self.in_flight.len() >= IN_FLIGHT {
            self.write_oldest(sink, true)?;
        }
        while self.write_oldest(sink, false)? {}
        Ok(())
    }

    /// Renders and writes every queued line, in order: what is in flight, then what is
    /// gathered (on this thread when it is short and nothing was in flight).
    pub fn drain<W: Write>(
        &mut self,
        formatter: &mut Formatter,
        names: &[String],
        sink: &mut Sink<W>,
    ) -> io::Result<()> {
        if self.in_flight.is_empty() && self.gathering.lines.len() <= INLINE {
            self.gathering.render(formatter, names)?;
            return self.gathering.write_to(sink);
        }
        if !self.gathering.lines.is_empty() {
            self.hand_out(formatter, names, sink)?;
        }
        while self.write_oldest(sink, true)? {}
        Ok(())
    }

    /// Writes the oldest chunk in flight once rendered (`wait`: waiting for it); false when
    /// there was none or it was not ready.
    fn write_oldest<W: Write>(&mut self, sink: &mut Sink<W>, wait: bool) -> io::Result<bool> {
        let Some(&worker) = self.in_flight.front() else {
            return Ok(false);
        };
        let done = &self.workers[worker].done;
        let rendered = if wait {
            done.recv().ok()
        } else {
            match done.try_recv() {
                Ok(rendered) => Some(rendered),
                Err(mpsc::TryRecvError::Empty) => return Ok(false),
                Err(mpsc::TryRecvError::Disconnected) => None,
            }
        };
        let mut chunk =
            rendered.ok_or_else(|| io::Error::other("a rendering thread stopped"))??;
        self.in_flight.pop_front();
        chunk.write_to(sink)?;
        self.spare.push(chunk);
        Ok(true)
    }
}
