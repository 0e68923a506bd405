//! Lines of a format that renders (`pretty`, `json`) wait here until the printer flushes, and
//! are then rendered on two threads at once when they are many: rendering a record costs about
//! ten times what reading and braiding it does, so a big history goes out about twice as fast on
//! two cores. A live line is rendered at the next flush, at once (nothing else is pending).

use std::io::{self, Write};

use super::format::{Formatter, Line};
use super::sink::Sink;

/// Lines queued before a flush renders them (a bound on the memory it takes).
pub const MAX_QUEUED: usize = 1 << 16;
/// Fewer lines are rendered on the printer's own thread: a thread is not worth starting.
const PARALLEL: usize = 4096;

/// One queued line.
#[derive(Debug, Clone, Copy)]
struct Queued {
    source: usize,
    instant: i64,
    /// Its end in the queue's text.
    end: usize,
}

/// The lines waiting, their bytes one after the other.
#[derive(Debug, Default)]
pub struct Queue {
    text: Vec<u8>,
    lines: Vec<Queued>,
}

impl Queue {
    /// Queues `text`, a line of `source` at `instant`.
    pub fn push(&mut self, source: usize, instant: i64, text: &[u8]) {
        self.text.extend_from_slice(text);
        self.lines.push(Queued {
            source,
            instant,
            end: self.text.len(),
        });
    }

    /// Lines waiting.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when no line waits.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Renders every queued line with `formatter` (half of them with a copy of it on a second
    /// thread, when they are many) and writes each to `sink`, in order, after its prefix.
    pub fn drain<W: Write>(
        &mut self,
        formatter: &mut Formatter,
        names: &[String],
        sink: &mut Sink<W>,
    ) -> io::Result<()> {
        let text = &self.text;
        let start = |i: usize| if i == 0 { 0 } else { self.lines[i - 1].end };
        let render = |formatter: &mut Formatter, from: usize, to: usize| {
            let mut out = Vec::new();
            let mut ends = Vec::with_capacity(to - from);
            for i in from..to {
                let q = self.lines[i];
                let line = Line {
                    text: &text[start(i)..q.end],
                    source: names.get(q.source).map_or("?", String::as_str),
                    instant: q.instant,
                };
                formatter.write(line, &mut out)?;
                ends.push(out.len());
            }
            Ok::<_, io::Error>((out, ends))
        };
        let n = self.lines.len();
        let parts = if n >= PARALLEL {
            let mid = n / 2;
            let mut other = formatter.clone();
            std::thread::scope(|scope| {
                let second = scope.spawn(|| render(&mut other, mid, n));
                let first = render(formatter, 0, mid);
                let second = second
                    .join()
                    .map_err(|_| io::Error::other("rendering lines failed"))?;
                Ok::<_, io::Error>(vec![first?, second?])
            })?
        } else {
            vec![render(formatter, 0, n)?]
        };
        let mut i = 0;
        for (out, ends) in parts {
            let mut from = 0;
            for end in ends {
                if sink.prefixed() {
                    sink.write_prefix(self.lines[i].source)?;
                }
                sink.out().write_all(&out[from..end])?;
                sink.out().write_all(b"\n")?;
                from = end;
                i += 1;
            }
        }
        self.text.clear();
        self.lines.clear();
        Ok(())
    }
}
