//! A shell command as a source (`-c CMD`): its stdout and stderr, line by line.
//!
//! The command runs under `sh -c` in its own process group, with standard input closed (it must
//! never read the terminal the TUI owns). At shutdown the whole group gets SIGTERM, so pipelines
//! such as `ssh host tail -F …` end with us. Its exit status is reported, never fatal.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::batch::LineBatch;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use super::burst::sleep_until;
use super::split::LineSplitter;
use super::{Emitter, SourceStatus};

/// One output stream of the child, with its own splitter so its lines never mix with the other's.
struct Stream<R> {
    reader: Option<R>,
    splitter: LineSplitter,
    /// The buffer being filled; it starts with the held partial line.
    buf: Option<Vec<u8>>,
}

impl<R: AsyncRead + Unpin> Stream<R> {
    fn new(reader: Option<R>) -> Self {
        Self {
            reader,
            splitter: LineSplitter::default(),
            buf: None,
        }
    }

    fn is_open(&self) -> bool {
        self.reader.is_some()
    }

    /// Reads one chunk. Cancel-safe: `read_buf` reads nothing when cancelled, and the buffer
    /// stays for the next call.
    async fn fill(&mut self) -> std::io::Result<usize> {
        if self.buf.is_none() {
            self.buf = Some(self.splitter.take_buffer(64 << 10));
        }
        match (self.reader.as_mut(), self.buf.as_mut()) {
            (Some(reader), Some(buf)) => reader.read_buf(buf).await,
            _ => Ok(0),
        }
    }

    /// The complete lines read so far; closes the stream at its end.
    fn take_lines(&mut self, read: &std::io::Result<usize>) -> LineBatch {
        if !matches!(read, Ok(n) if *n > 0) {
            self.reader = None;
        }
        self.buf
            .take()
            .map(|buf| self.splitter.split(buf))
            .unwrap_or_default()
    }
}

/// Runs `cmd` until it exits (then held partial lines are emitted) or shutdown (then its
/// process group is terminated).
pub async fn run(cmd: String, mut emit: Emitter, cancel: CancellationToken) {
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let reason = format!("cannot start `sh -c`: {}", super::file::plain_io(&e));
            emit.status_async(SourceStatus::Failed(reason)).await;
            emit.backlog_done_async().await;
            return;
        }
    };
    emit.status_async(SourceStatus::Following).await;
    let mut out = Stream::new(child.stdout.take());
    let mut err = Stream::new(child.stderr.take());
    while out.is_open() || err.is_open() {
        let burst = emit.burst_deadline();
        let batch = tokio::select! {
            read = out.fill(), if out.is_open() => out.take_lines(&read),
            read = err.fill(), if err.is_open() => err.take_lines(&read),
            () = sleep_until(burst), if burst.is_some() => {
                emit.burst_due().await;
                continue;
            }
            () = cancel.cancelled() => {
                terminate(&mut child).await;
                return;
            }
        };
        emit.lines_async(batch).await;
        if emit.closed() {
            terminate(&mut child).await;
            return;
        }
    }
    emit.lines_async(out.splitter.finish()).await;
    emit.lines_async(err.splitter.finish()).await;
    let code = tokio::select! {
        status = child.wait() => status.ok().and_then(|s| s.code()),
        () = cancel.cancelled() => {
            terminate(&mut child).await;
            return;
        }
    };
    emit.backlog_done_async().await;
    emit.status_async(SourceStatus::Exited(code)).await;
}

/// SIGTERM to the command's process group, then SIGKILL if it has not gone within a moment.
async fn terminate(child: &mut Child) {
    let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) else {
        return;
    };
    let group = Pid::from_raw(pid);
    let _ = killpg(group, Signal::SIGTERM);
    if tokio::time::timeout(Duration::from_millis(500), child.wait())
        .await
        .is_err()
    {
        let _ = killpg(group, Signal::SIGKILL);
        let _ = child.wait().await;
    }
}
