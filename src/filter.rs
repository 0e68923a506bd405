//! The filters over lines — include/exclude regexes and a field query — as one type for
//! `--print` (`-e`/`-v`/`--where`) and the TUI's panes (`f`/`F`/`&`).

use std::borrow::Cow;
use std::cell::RefCell;

use regex::bytes::{Regex, RegexBuilder};

use crate::query::{Query, Subject};
use crate::record::render::{self, Options, Rendered};
use crate::sanitize;
use crate::timestamp::Clock;

/// The text a reader sees of a line, which regex filters and searches match: without its
/// escape sequences, or rendered when the line is a record shown rendered.
#[derive(Debug, Clone, Copy)]
pub enum Seen<'a> {
    /// The line's text, escape sequences left out.
    Plain,
    /// Records rendered so (other lines plain).
    Rendered(Options<'a>, &'a Clock),
}

impl Seen<'_> {
    /// What the reader sees of `line`.
    pub fn text<'l>(&self, line: &'l [u8]) -> Cow<'l, [u8]> {
        // Filters and searches walk millions of lines: one rendering's buffers serve them all.
        thread_local! {
            static RENDERED: RefCell<Rendered> = RefCell::default();
        }
        if let Seen::Rendered(options, clock) = self
            && let Some(text) = RENDERED.with_borrow_mut(|rendered| {
                render::render_into(line, *options, clock, rendered).then(|| rendered.text.clone())
            })
        {
            return Cow::Owned(text);
        }
        sanitize::strip_escapes(line)
    }
}

/// A line passes when it matches the include pattern (or there is none), not the exclude one,
/// and satisfies the query (or there is none).
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    include: Option<Regex>,
    exclude: Option<Regex>,
    query: Option<Query>,
}

impl From<(Option<Regex>, Option<Regex>)> for LineFilter {
    /// A filter of an include and an exclude pattern, compiled already.
    fn from((include, exclude): (Option<Regex>, Option<Regex>)) -> Self {
        Self {
            include,
            exclude,
            query: None,
        }
    }
}

impl LineFilter {
    /// Compiles the patterns; several of one kind are alternatives.
    pub fn new(
        includes: &[String],
        excludes: &[String],
        ignore_case: bool,
    ) -> Result<Self, regex::Error> {
        Ok(Self {
            include: any_of(includes, ignore_case)?,
            exclude: any_of(excludes, ignore_case)?,
            query: None,
        })
    }

    /// The include pattern, if any (its matches are highlighted).
    pub fn include(&self) -> Option<&Regex> {
        self.include.as_ref()
    }

    /// Replaces the include pattern (`None`: every line passes it).
    pub fn set_include(&mut self, re: Option<Regex>) {
        self.include = re;
    }

    /// Replaces the exclude pattern (`None`: no line is excluded).
    pub fn set_exclude(&mut self, re: Option<Regex>) {
        self.exclude = re;
    }

    /// Replaces the query (`None`: every line passes it).
    pub fn set_query(&mut self, query: Option<Query>) {
        self.query = query;
    }

    /// True when no pattern and no query is set.
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none() && self.query.is_none()
    }

    /// Whether `line`, from the source named `source`, passes: the patterns match what is
    /// `seen` of it, the query its fields.
    pub fn matches(&self, line: &[u8], source: &str, seen: Seen<'_>) -> bool {
        let patterns = self.include.is_none() && self.exclude.is_none() || {
            let shown = seen.text(line);
            self.include.as_ref().is_none_or(|re| re.is_match(&shown))
                && !self.exclude.as_ref().is_some_and(|re| re.is_match(&shown))
        };
        patterns
            && self
                .query
                .as_ref()
                .is_none_or(|q| q.matches(Subject { line, source }))
    }
}

/// One regex matching any of `patterns`, or `None` for no pattern.
fn any_of(patterns: &[String], ignore_case: bool) -> Result<Option<Regex>, regex::Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    // Each pattern is compiled alone first, so an error names the pattern that has it.
    for p in patterns {
        Regex::new(p)?;
    }
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&joined)
        .case_insensitive(ignore_case)
        .build()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl LineFilter {
        fn matches_plain(&self, line: &[u8], source: &str) -> bool {
            self.matches(line, source, Seen::Plain)
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn include_any_exclude_none() {
        let f = LineFilter::new(&strings(&["ERROR", "WARN"]), &strings(&["healthz"]), false)
            .expect("valid");
        assert!(f.matches_plain(b"ERROR boom", "s"));
        assert!(f.matches_plain(b"WARN slow", "s"));
        assert!(!f.matches_plain(b"INFO fine", "s"));
        assert!(!f.matches_plain(b"ERROR GET /healthz", "s"));
        let ci = LineFilter::new(&strings(&["error"]), &[], true).expect("valid");
        assert!(ci.matches_plain(b"ERROR boom", "s"));
        assert!(LineFilter::default().matches_plain(b"anything", "s"));
    }

    #[test]
    fn invalid_pattern_is_an_error() {
        assert!(LineFilter::new(&strings(&["("]), &[], false).is_err());
    }
}
