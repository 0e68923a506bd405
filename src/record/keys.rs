//! Which keys play which part in a record, as the common loggers name them (see
//! `../shared/structured-logs.md`, table 1b): the first key present wins, in table order. Paths
//! of nested objects are dotted (`fields.message` is tracing's message).
//!
//! The tables are the one source: [`role_of`] is generated from them (a `match`, so looking up
//! a record's keys costs a few comparisons each, not one per key of every table).

/// The part a key plays (its value indexes tables of the four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// [`TIME`].
    Time,
    /// [`LEVEL`].
    Level,
    /// [`MESSAGE`].
    Message,
    /// [`LOGGER`].
    Logger,
    /// [`CALLER`].
    Caller,
}

macro_rules! tables {
    ($($(#[$doc:meta])* $name:ident $role:ident [$($key:literal),* $(,)?])*) => {
        $($(#[$doc])* pub const $name: &[&[u8]] = &[$($key),*];)*

        /// The part `key` plays, if any, and its rank in that part's table (lower wins).
        pub fn role_of(key: &[u8]) -> Option<(Role, usize)> {
            let role = match key {
                $($($key)|* => Role::$role,)*
                _ => return None,
            };
            let table = match role {
                $(Role::$role => $name,)*
            };
            table.iter().position(|k| *k == key).map(|rank| (role, rank))
        }

        /// The keys playing `role`, best first.
        pub fn table(role: Role) -> &'static [&'static [u8]] {
            match role {
                $(Role::$role => $name,)*
            }
        }
    };
}

tables! {
    /// A record's time: RFC 3339 with any precision and zone, or epoch s/ms/µs/ns (journald's
    /// `__REALTIME_TIMESTAMP` is µs in a string).
    TIME Time [
        b"ts",
        b"time",
        b"timestamp",
        b"@timestamp",
        b"t",
        b"@t",
        b"Timestamp",
        b"__REALTIME_TIMESTAMP",
    ]
    /// A record's level: a word in any case, pino/bunyan's numbers 10–60, journald's priorities
    /// 0–7, OpenTelemetry's severity numbers 1–24.
    LEVEL Level [
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
    ]
    /// A record's message.
    MESSAGE Message [
        b"msg",
        b"message",
        b"MESSAGE",
        b"Message",
        b"@m",
        b"fields.message",
        b"event",
        b"body",
        b"Body",
    ]
    /// Where in the code it was written (shown last, as hl does).
    CALLER Caller [
        b"caller",
        b"CODE_FILE",
    ]
    /// The logger or module that wrote it.
    LOGGER Logger [
        b"logger",
        b"logger_name",
        b"log.logger",
        b"name",
        b"target",
        b"Category",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_every_table_has_its_role_and_rank() {
        for (table, role) in [
            (TIME, Role::Time),
            (LEVEL, Role::Level),
            (MESSAGE, Role::Message),
            (LOGGER, Role::Logger),
            (CALLER, Role::Caller),
        ] {
            for (rank, key) in table.iter().enumerate() {
                assert_eq!(role_of(key), Some((role, rank)));
                assert_eq!(super::table(role)[rank], *key);
            }
        }
        assert_eq!(role_of(b"http.status"), None);
    }
}
