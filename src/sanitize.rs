//! Making untrusted log text safe for a terminal.
//!
//! Log lines can carry escape sequences that move the cursor, clear the screen, set the window
//! title, write the clipboard (OSC 52) or hide text. [`inert`] turns every control byte into
//! visible caret notation (`ESC` becomes `^[`, `BEL` `^G`, `CR` `^M`), 8-bit C1 controls into
//! `<U+009B>`, and invalid UTF-8 into `\xNN`, so the rest of the sequence shows as plain text. Only
//! SGR colour sequences (`ESC [ … m`) may be kept, and a line that used one ends with a reset so
//! its colour cannot bleed into the next line.

use std::borrow::Cow;

/// Appends `line` to `out` with nothing left that a terminal would act on. With `keep_sgr`,
/// well-formed SGR sequences are copied as they are.
pub fn inert(line: &[u8], keep_sgr: bool, out: &mut Vec<u8>) {
    if is_plain(line) {
        out.extend_from_slice(line);
        return;
    }
    let mut sgr_used = false;
    for chunk in line.utf8_chunks() {
        let text = chunk.valid();
        let mut rest = text;
        while let Some(pos) = rest.find(|c: char| c.is_control() && c != '\t') {
            out.extend_from_slice(&rest.as_bytes()[..pos]);
            let after = &rest[pos..];
            if keep_sgr && let Some(len) = sgr_len(after.as_bytes()) {
                out.extend_from_slice(&after.as_bytes()[..len]);
                sgr_used = true;
                rest = &after[len..];
                continue;
            }
            let c = after.chars().next().expect("find returned a char position");
            caret(c, out);
            rest = &after[c.len_utf8()..];
        }
        out.extend_from_slice(rest.as_bytes());
        for byte in chunk.invalid() {
            out.extend_from_slice(format!("\\x{byte:02X}").as_bytes());
        }
    }
    if sgr_used {
        out.extend_from_slice(b"\x1b[0m");
    }
}

/// True when `line` holds nothing to neutralise: printable ASCII and tabs only (the common case,
/// checked without decoding).
fn is_plain(line: &[u8]) -> bool {
    line.iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

/// `line` without its escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL` or `ESC \\`,
/// two-byte `ESC x`): the text a reader sees, for filters and searches.
pub fn strip_escapes(line: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(0x1b, line) else {
        return Cow::Borrowed(line);
    };
    let mut out = line[..first].to_vec();
    let mut i = first;
    while i < line.len() {
        if line[i] != 0x1b {
            out.push(line[i]);
            i += 1;
            continue;
        }
        i += match line.get(i + 1) {
            Some(b'[') => line[i + 2..]
                .iter()
                .position(|b| (0x40..=0x7e).contains(b))
                .map_or(line.len() - i, |n| n + 3),
            Some(b']') => {
                let body = &line[i + 2..];
                let bel = memchr::memchr(0x07, body).map(|n| n + 3);
                let st = memchr::memmem::find(body, b"\x1b\\").map(|n| n + 4);
                match (bel, st) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => line.len() - i,
                }
            }
            Some(_) => 2,
            None => 1,
        };
    }
    Cow::Owned(out)
}

/// Length of a well-formed SGR sequence (`ESC [` parameters `m`) at the start of `s`.
pub fn sgr_len(s: &[u8]) -> Option<usize> {
    let params = s.strip_prefix(b"\x1b[")?;
    let n = params
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b';' || **b == b':')
        .count();
    (params.get(n) == Some(&b'm')).then_some(2 + n + 1)
}

/// The visible form of a control character.
fn caret(c: char, out: &mut Vec<u8>) {
    match u32::from(c) {
        b @ 0..0x20 => out.extend_from_slice(&[b'^', u8::try_from(b + 0x40).unwrap_or(b'?')]),
        0x7f => out.extend_from_slice(b"^?"),
        other => out.extend_from_slice(format!("<U+{other:04X}>").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(line: &[u8], keep_sgr: bool) -> String {
        let mut out = Vec::new();
        inert(line, keep_sgr, &mut out);
        String::from_utf8(out).expect("inert output is UTF-8")
    }

    #[test]
    fn escapes_are_stripped_for_matching() {
        assert_eq!(
            &*strip_escapes(
                b"ratio=\x1b[1;33m0.90\x1b[0m ok \x1b]0;t\x07x \x1b]8;;u\x1b\\y \x1bcz"
            ),
            b"ratio=0.90 ok x y z"
        );
        assert!(matches!(strip_escapes(b"plain"), Cow::Borrowed(_)));
        assert_eq!(&*strip_escapes(b"cut \x1b[12"), b"cut ");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(show(b"plain\ttext", false), "plain\ttext");
        assert_eq!(show(b"\x1b[2J\x1b[H", false), "^[[2J^[[H");
        assert_eq!(show(b"\x1b]0;pwned\x07", false), "^[]0;pwned^G");
        assert_eq!(show(b"\x1b]52;c;aGk=\x1b\\", false), "^[]52;c;aGk=^[\\");
        assert_eq!(show(b"ok\rEVIL\x08", false), "ok^MEVIL^H");
        assert_eq!(show(b"nul\0del\x7f", false), "nul^@del^?");
        assert_eq!(show("c1 \u{9b}31m".as_bytes(), false), "c1 <U+009B>31m");
        assert_eq!(show(b"bad \xff\xfe utf8", false), "bad \\xFF\\xFE utf8");
        assert_eq!(show(b"lone esc at end \x1b", false), "lone esc at end ^[");
        assert_eq!(show("ünïcode ✓".as_bytes(), false), "ünïcode ✓");
    }

    #[test]
    fn sgr_is_kept_only_when_asked_and_reset_at_the_end() {
        assert_eq!(
            show(b"\x1b[31mred\x1b[0m", true),
            "\x1b[31mred\x1b[0m\x1b[0m"
        );
        assert_eq!(show(b"\x1b[31mred", false), "^[[31mred");
        // Not SGR: cursor movement stays inert even when colours are kept.
        assert_eq!(show(b"\x1b[10A\x1b[1;31m", true), "^[[10A\x1b[1;31m\x1b[0m");
    }
}
