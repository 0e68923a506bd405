//! Which keys play which part in a record, as the common loggers name them (see
//! `../shared/structured-logs.md`, table 1b): the first key present wins, in table order. Paths
//! of nested objects are dotted (`fields.message` is tracing's message).

/// A record's time: RFC 3339 with any precision and zone, or epoch s/ms/µs/ns (journald's
/// `__REALTIME_TIMESTAMP` is µs in a string).
pub const TIME: [&[u8]; 8] = [
    b"ts",
    b"time",
    b"timestamp",
    b"@timestamp",
    b"t",
    b"@t",
    b"Timestamp",
    b"__REALTIME_TIMESTAMP",
];

/// A record's level: a word in any case, pino/bunyan's numbers 10–60, journald's priorities
/// 0–7, OpenTelemetry's severity numbers 1–24.
pub const LEVEL: [&[u8]; 11] = [
    b"level",
    b"lvl",
    b"severity",
    b"loglevel",
    b"log.level",
    b"levelname",
    b"@l",
    b"LogLevel",
    b"SeverityText",
    b"PRIORITY",
    b"SeverityNumber",
];

/// A record's message.
pub const MESSAGE: [&[u8]; 9] = [
    b"msg",
    b"message",
    b"MESSAGE",
    b"Message",
    b"@m",
    b"fields.message",
    b"event",
    b"body",
    b"Body",
];

/// The logger or module that wrote it.
pub const LOGGER: [&[u8]; 6] = [
    b"logger",
    b"logger_name",
    b"log.logger",
    b"name",
    b"target",
    b"Category",
];
