//! logbraid: follow many log sources at once, merged and side by side.
//!
//! See `docs/ARCHITECTURE.md` for the threads, tasks and channels.

pub mod batch;
pub mod merge;
pub mod source;
pub mod timestamp;
