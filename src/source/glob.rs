//! A glob as a source: every file that matches now, and every file that starts matching later.
//!
//! The glob's literal leading directories are its root; the root is watched (recursively when
//! the pattern reaches below it) and rescanned on events and on a slow tick. Each new match is
//! reported to the engine, which starts following it as a file of its own.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use globset::{GlobBuilder, GlobMatcher};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::SourceEvent;
use super::watch::{WatchHub, Watched};

/// Rescan interval when events may have been missed or the root is not watched.
const RESCAN: Duration = Duration::from_secs(2);

/// True when `arg` holds glob syntax (rather than naming a file).
pub fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '[', '{'])
}

/// A glob pattern and the files it matched so far.
pub struct GlobWatch {
    root: PathBuf,
    /// How deep below the root matches can be (`None`: any depth, for `**`).
    depth: Option<usize>,
    matcher: GlobMatcher,
    prefix: Option<String>,
    known: HashSet<PathBuf>,
}

impl GlobWatch {
    /// Parses `pattern`; `prefix` is the name the user gave its files.
    pub fn new(pattern: &str, prefix: Option<String>) -> Result<Self, globset::Error> {
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()?
            .compile_matcher();
        let path = Path::new(pattern);
        let mut root = PathBuf::new();
        let mut rest = Vec::new();
        for component in path.components() {
            let text = component.as_os_str().to_string_lossy();
            if rest.is_empty() && !is_glob(&text) {
                root.push(component);
            } else {
                rest.push(component);
            }
        }
        if rest.is_empty() {
            // No glob syntax after all: the last component is the file.
            if let Some(last) = path.components().next_back() {
                rest.push(last);
                root.pop();
            }
        }
        let depth = (!rest.iter().any(|c| c.as_os_str() == "**")).then_some(rest.len());
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        Ok(Self {
            root,
            depth,
            matcher,
            prefix,
            known: HashSet::new(),
        })
    }

    /// The directory watched for new matches.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The name given to this glob's files, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// Walks the root and returns the matching files not seen before, sorted.
    pub fn scan(&mut self) -> Vec<PathBuf> {
        let mut walk = walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .follow_links(true);
        if let Some(depth) = self.depth {
            walk = walk.max_depth(depth);
        }
        let mut found: Vec<PathBuf> = walk
            .into_iter()
            .filter_map(Result::ok)
            .map(walkdir::DirEntry::into_path)
            .filter(|path| self.matches(path) && path.is_file() && !self.known.contains(path))
            .collect();
        found.sort();
        self.known.extend(found.iter().cloned());
        found
    }

    fn matches(&self, path: &Path) -> bool {
        // A root of "." was implied, not written: match without it.
        let candidate = if self.root == Path::new(".") {
            path.strip_prefix(".").unwrap_or(path)
        } else {
            path
        };
        self.matcher.is_match(candidate)
    }
}

/// Watches for new matches until shutdown, reporting each to the engine.
pub async fn run(
    mut glob: GlobWatch,
    tx: mpsc::Sender<SourceEvent>,
    hub: Arc<WatchHub>,
    cancel: CancellationToken,
) {
    let waker = hub.add_tree(glob.root());
    let recursive = glob.depth != Some(1);
    let mut tick = tokio::time::interval(RESCAN);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut watched = Watched::DirMissing;
    loop {
        tokio::select! {
            () = waker.woken() => {}
            _ = tick.tick() => {}
            () = cancel.cancelled() => return,
        }
        if watched != Watched::Events {
            watched = hub.watch_dir(glob.root(), recursive);
            if watched == Watched::Polling
                && let Some(warning) = hub.take_warning()
            {
                let _ = tx.send(SourceEvent::Notice(warning)).await;
            }
        }
        let scanned = tokio::task::spawn_blocking(move || {
            let found = glob.scan();
            (glob, found)
        });
        let Ok((back, found)) = scanned.await else {
            return;
        };
        glob = back;
        for path in found {
            let prefix = glob.prefix().map(str::to_owned);
            if tx
                .send(SourceEvent::Discovered { path, prefix })
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_depths() {
        let g = GlobWatch::new("logs/*.log", None).expect("glob");
        assert_eq!((g.root(), g.depth), (Path::new("logs"), Some(1)));
        let g = GlobWatch::new("logs/**/*.log", None).expect("glob");
        assert_eq!((g.root(), g.depth), (Path::new("logs"), None));
        let g = GlobWatch::new("/var/log/*/app.log", None).expect("glob");
        assert_eq!((g.root(), g.depth), (Path::new("/var/log"), Some(2)));
        let g = GlobWatch::new("*.log", None).expect("glob");
        assert_eq!((g.root(), g.depth), (Path::new("."), Some(1)));
    }

    #[test]
    fn scan_finds_new_matches_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        for name in ["a.log", "b.txt", "sub/c.log"] {
            std::fs::write(dir.path().join(name), "x\n").expect("write");
        }
        let pattern = format!("{}/*.log", dir.path().display());
        let mut g = GlobWatch::new(&pattern, None).expect("glob");
        assert_eq!(g.scan(), vec![dir.path().join("a.log")]);
        std::fs::write(dir.path().join("d.log"), "y\n").expect("write");
        assert_eq!(g.scan(), vec![dir.path().join("d.log")]);
        let deep = format!("{}/**/*.log", dir.path().display());
        let mut g = GlobWatch::new(&deep, None).expect("glob");
        assert_eq!(g.scan().len(), 3);
    }
}
