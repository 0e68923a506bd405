//! logbraid: follow many log sources at once, merged and side by side.
//!
//! See `docs/ARCHITECTURE.md` for the threads, tasks and channels, and where state lives.

pub mod app;
pub mod batch;
pub mod cli;
pub mod demo;
pub mod engine;
pub mod filter;
pub mod level;
pub mod merge;
pub mod orderer;
pub mod print;
pub mod query;
pub mod record;
pub mod sanitize;
pub mod source;
pub mod source_id;
pub mod store;
pub mod timestamp;
pub mod view;

#[cfg(test)]
mod test_support;
