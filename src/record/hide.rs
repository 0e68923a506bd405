//! Which fields a rendered record leaves out (`--hide FIELD`, repeatable): a dotted path, `*`
//! wildcards, `!FIELD` to keep one (`--hide '*' --hide '!status'` shows only `status`). The last
//! rule that matches a field decides.

use globset::{GlobBuilder, GlobMatcher};

/// The rules, in the order given.
#[derive(Debug, Clone, Default)]
pub struct Hide {
    rules: Vec<(GlobMatcher, bool)>,
}

impl Hide {
    /// The rules of `patterns`; an error names the pattern that does not parse.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        let rules = patterns
            .iter()
            .map(|p| {
                let p = p.as_ref();
                let (pattern, hide) = match p.strip_prefix('!') {
                    Some(kept) => (kept, false),
                    None => (p, true),
                };
                GlobBuilder::new(pattern)
                    .literal_separator(false)
                    .build()
                    .map(|g| (g.compile_matcher(), hide))
                    .map_err(|e| format!("--hide {p}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// True when the field at `path` is left out.
    pub fn hides(&self, path: &[u8]) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let path = String::from_utf8_lossy(path);
        self.rules
            .iter()
            .rev()
            .find(|(glob, _)| glob.is_match(path.as_ref()))
            .is_some_and(|&(_, hide)| hide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_matching_rule_decides() {
        let hide = Hide::new(&["pid", "req.*", "*", "!status"]).expect("valid");
        assert!(hide.hides(b"pid"));
        assert!(hide.hides(b"req.headers.host"));
        assert!(hide.hides(b"anything"));
        assert!(!hide.hides(b"status"));
        let some = Hide::new(&["req.*"]).expect("valid");
        assert!(some.hides(b"req.method"));
        assert!(!some.hides(b"request"));
        assert!(!Hide::default().hides(b"x"));
        assert!(Hide::new(&["a[b"]).is_err());
    }
}
