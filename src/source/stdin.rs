//! Standard input as a source (`-`): read until end of input.

use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::burst::sleep_until;
use super::split::LineSplitter;
use super::{Emitter, SourceStatus};

/// Reads standard input until it ends (then the held partial line is emitted) or shutdown.
pub async fn run(mut emit: Emitter, cancel: CancellationToken) {
    emit.status_async(SourceStatus::Following).await;
    let mut input = tokio::io::stdin();
    let mut splitter = LineSplitter::default();
    loop {
        let (mut buf, held) = splitter.take_buffer_from(emit.spare_buffer(), 64 << 10);
        buf.truncate(held);
        let read = loop {
            let burst = emit.burst_deadline();
            tokio::select! {
                read = input.read_buf(&mut buf) => break read,
                () = sleep_until(burst), if burst.is_some() => emit.burst_due().await,
                () = cancel.cancelled() => return,
            }
        };
        let batch = splitter.split(buf);
        emit.lines_async(batch).await;
        match read {
            Ok(0) => break,
            Ok(_) if !emit.closed() => {}
            Ok(_) => return,
            Err(e) => {
                let reason = format!("read error: {}", super::file::plain_io(&e));
                emit.status_async(SourceStatus::Failed(reason)).await;
                break;
            }
        }
    }
    emit.lines_async(splitter.finish()).await;
    emit.backlog_done_async().await;
    emit.status_async(SourceStatus::Ended).await;
}
