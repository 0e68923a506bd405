//! One record per line: what a structured line (a JSON object, a logfmt record) holds, seen
//! without copying, and the one table of which keys play which part.
//!
//! [`scan`] walks a line's fields in the record's order without copying; [`flat`] sees a line
//! as a [`Record`] (nested objects as dotted paths, a text prefix before a JSON object, `key=value`
//! tokens in text); [`keys`] is the one table of which keys hold the time, level, message and
//! logger; [`decode`] decodes a value that is shown or compared; [`render`] lays a record out for
//! reading, leaving out what [`hide`] says.

pub mod decode;
pub mod envelope;
pub mod flat;
pub mod hide;
pub mod keys;
pub mod path;
pub mod render;
pub mod scan;

pub use self::flat::{Record, Shape};
pub use self::scan::{Fields, Value, fields};
