//! A value's text: a quoted string's escapes decoded (JSON's, which logfmt's quoted values use
//! too), by `serde_json`. Decoding is done only for values that are shown or compared, and a
//! string that does not decode (invalid UTF-8, a broken escape) keeps its bytes as they are:
//! shown, never lost.

use std::borrow::Cow;

use super::scan::Value;

/// The text of `value`: a string decoded, anything else as written.
pub fn text(value: Value<'_>) -> Cow<'_, [u8]> {
    match value {
        Value::Bare(bytes) => Cow::Borrowed(bytes),
        Value::Str(raw) if !raw.contains(&b'\\') => Cow::Borrowed(raw),
        Value::Str(raw) => {
            let mut quoted = Vec::with_capacity(raw.len() + 2);
            quoted.push(b'"');
            quoted.extend_from_slice(raw);
            quoted.push(b'"');
            match serde_json::from_slice::<String>(&quoted) {
                Ok(decoded) => Cow::Owned(decoded.into_bytes()),
                Err(_) => Cow::Borrowed(raw),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_decoded_and_broken_ones_kept() {
        assert_eq!(
            &*text(Value::Str(br#"a\"b\nc\u001b[31m"#)),
            b"a\"b\nc\x1b[31m"
        );
        assert!(matches!(text(Value::Str(b"plain")), Cow::Borrowed(_)));
        assert_eq!(&*text(Value::Str(br"bad \q escape")), br"bad \q escape");
        assert_eq!(&*text(Value::Str(b"caf\xe9 \\n")), b"caf\xe9 \\n");
        assert_eq!(&*text(Value::Bare(b"42")), b"42");
    }
}
