//! One record per line: what a structured line (a JSON object, a logfmt record) holds, seen
//! without copying, and the one table of which keys play which part.
//!
//! [`scan`] walks a line's fields in the record's order; [`keys`] names the time and level keys
//! the timestamp and level code look up.

pub mod keys;
pub mod scan;

pub use self::scan::{Fields, Value, fields};
