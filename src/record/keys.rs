//! Which keys play which part in a record, as the common loggers name them (see
//! `../shared/structured-logs.md`, table 1b): the first key present wins, in table order.

/// A record's time: RFC 3339 with any precision and zone, or epoch s/ms/µs/ns.
pub const TIME: [&[u8]; 5] = [b"ts", b"time", b"timestamp", b"@timestamp", b"t"];

/// A record's level: a word in any case, pino/bunyan's numbers 10–60, journald's priorities
/// 0–7.
pub const LEVEL: [&[u8]; 5] = [b"level", b"lvl", b"severity", b"loglevel", b"PRIORITY"];
