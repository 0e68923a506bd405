//! The one `notify` watcher, and the routing of its events to the tasks that follow files.
//!
//! An event is only a hint to look at the file again; correctness comes from re-reading
//! metadata. Each followed file's *parent directory* is watched (that sees the file being
//! created, renamed away and deleted, not only written); a glob watches its root directory. The
//! handler runs on notify's thread and only calls [`Waker::wake`], which stores one permit in a
//! `tokio::sync::Notify`, so a burst of events costs the task one wake-up.
//!
//! Lock order: `routes` is taken by the notify thread (in the handler) and briefly by tasks;
//! `watcher` is taken only by tasks, and never while holding `routes`, because `watch()` waits
//! for notify's thread, which may be waiting for `routes`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use nix::fcntl::OFlag;
use notify::event::{EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::Notify;

/// What wakes one following task.
#[derive(Debug, Default)]
pub struct Waker {
    notify: Notify,
    /// Set while the task drains rotated-away files, whose events come under other names.
    any_in_dir: AtomicBool,
    /// Files opened on notify's thread the moment they appeared at the followed path, oldest
    /// first: a file created, written and renamed away before the task looks is still read.
    pending: Mutex<Vec<File>>,
}

impl Waker {
    /// Wakes the task (or makes its next wait return at once).
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// The files opened for the task since it last asked, oldest first.
    pub fn take_pending(&self) -> Vec<File> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Opens what is at `path` now, for the task to read. Bounded: a task that does not keep up
    /// still has its newest files.
    fn preopen(&self, path: &Path) {
        let Ok(file) = OpenOptions::new()
            .read(true)
            .custom_flags(OFlag::O_NONBLOCK.bits())
            .open(path)
        else {
            return;
        };
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.len() >= MAX_PENDING {
            pending.remove(0);
        }
        pending.push(file);
    }

    /// Waits until woken.
    pub async fn woken(&self) {
        self.notify.notified().await;
    }

    /// Also wake on events for any file of the watched directory (see the field).
    pub fn set_any_in_dir(&self, on: bool) {
        self.any_in_dir.store(on, Ordering::Relaxed);
    }
}

/// Files kept open for a task that has not looked yet.
const MAX_PENDING: usize = 16;

/// How a registration is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    /// Kernel events wake the task.
    Events,
    /// The directory does not exist (yet): the task polls and registers again later.
    DirMissing,
    /// No watch could be added (no inotify instance, or watches exhausted): poll.
    Polling,
}

#[derive(Default)]
struct Routes {
    /// Followed files, by parent directory then file name.
    files: HashMap<PathBuf, Vec<(OsString, Arc<Waker>)>>,
    /// Glob roots: any event below the root wakes them.
    trees: Vec<(PathBuf, Arc<Waker>)>,
}

/// The watcher and its routing table, shared by every following task.
pub struct WatchHub {
    watcher: Mutex<Option<RecommendedWatcher>>,
    routes: Arc<Mutex<Routes>>,
    /// Directories whose watch is in place, with whether it is recursive.
    watched: Mutex<HashMap<PathBuf, bool>>,
    /// Set once the "polling instead" notice was given.
    warned: AtomicBool,
    /// Directories that may be watched at most (`LOGBRAID_MAX_WATCHES`, for tests that need the
    /// kernel's watch limit to run out).
    max_watches: usize,
    init_error: Option<String>,
}

impl WatchHub {
    /// Creates the watcher. When the system cannot give one (inotify instances exhausted), every
    /// source polls instead; [`WatchHub::take_warning`] tells.
    pub fn new() -> Arc<Self> {
        let routes: Arc<Mutex<Routes>> = Arc::default();
        let handler_routes = Arc::clone(&routes);
        let handler = move |event: notify::Result<notify::Event>| {
            let routes = handler_routes
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            route(&routes, event);
        };
        let (watcher, init_error) = match notify::recommended_watcher(handler) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Arc::new(Self {
            watcher: Mutex::new(watcher),
            routes,
            watched: Mutex::default(),
            warned: AtomicBool::new(false),
            max_watches: std::env::var("LOGBRAID_MAX_WATCHES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(usize::MAX),
            init_error,
        })
    }

    /// Registers `path` (a file to follow) and returns its waker.
    pub fn add_file(&self, path: &Path) -> Arc<Waker> {
        let waker = Arc::new(Waker::default());
        self.add_route(path, &waker);
        waker
    }

    /// Also wakes `waker` on events for `path` (the target of a followed symlink, which
    /// usually lives in another directory).
    pub fn add_route(&self, path: &Path, waker: &Arc<Waker>) {
        let (dir, name) = split_path(&absolute(path));
        self.lock_routes()
            .files
            .entry(dir)
            .or_default()
            .push((name, Arc::clone(waker)));
    }

    /// Registers a glob rooted at `root` and returns its waker.
    pub fn add_tree(&self, root: &Path) -> Arc<Waker> {
        let waker = Arc::new(Waker::default());
        self.lock_routes()
            .trees
            .push((absolute(root), Arc::clone(&waker)));
        waker
    }

    /// Makes sure `dir` is watched (recursively if asked); safe to call again after a failure.
    pub fn watch_dir(&self, dir: &Path, recursive: bool) -> Watched {
        let dir = &absolute(dir);
        if self
            .watched_lock()
            .get(dir)
            .is_some_and(|&r| r || !recursive)
        {
            return Watched::Events;
        }
        if self.watched_lock().len() >= self.max_watches {
            return Watched::Polling;
        }
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        let result = {
            let mut watcher = self.watcher.lock().unwrap_or_else(PoisonError::into_inner);
            match watcher.as_mut() {
                Some(w) => w.watch(dir, mode),
                None => return Watched::Polling,
            }
        };
        match result {
            Ok(()) => {
                self.watched_lock().insert(dir.clone(), recursive);
                Watched::Events
            }
            Err(e)
                if matches!(&e.kind, notify::ErrorKind::PathNotFound)
                    || matches!(&e.kind, notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound) =>
            {
                Watched::DirMissing
            }
            Err(_) => Watched::Polling,
        }
    }

    /// The one-time notice that some sources are polled instead of watched, if not given yet.
    pub fn take_warning(&self) -> Option<String> {
        if self.warned.swap(true, Ordering::Relaxed) {
            return None;
        }
        Some(match &self.init_error {
            Some(e) => format!("file events unavailable ({e}); polling every source instead"),
            None => "file watch limit reached (see fs.inotify.max_user_watches); \
                     polling the sources that could not be watched"
                .to_owned(),
        })
    }

    fn lock_routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn watched_lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, bool>> {
        self.watched.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `path` made absolute, the form in which notify reports event paths (relative paths are
/// resolved against the working directory, which logbraid never changes).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The directory to watch and the name to match for a followed path.
fn split_path(path: &Path) -> (PathBuf, OsString) {
    let name = path.file_name().map(OsString::from).unwrap_or_default();
    (super::parent_dir(path), name)
}

/// Wakes the tasks an event concerns. On a queue overflow (or any error) everyone re-checks.
fn route(routes: &Routes, event: notify::Result<notify::Event>) {
    let event = match event {
        Ok(e) if !e.need_rescan() => e,
        _ => {
            routes.files.values().flatten().for_each(|(_, w)| w.wake());
            routes.trees.iter().for_each(|(_, w)| w.wake());
            return;
        }
    };
    // Something appeared at a name (created, or renamed onto it): open it at once.
    let appeared = matches!(
        event.kind,
        EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    );
    for (i, path) in event.paths.iter().enumerate() {
        let (dir, name) = split_path(path);
        if let Some(files) = routes.files.get(&dir) {
            for (file, waker) in files {
                let renamed_from =
                    i == 0 && event.kind == EventKind::Modify(ModifyKind::Name(RenameMode::Both));
                if *file == name && appeared && !renamed_from {
                    waker.preopen(path);
                }
                // Renamed away from the followed name: open it under its new name too, in case
                // the task never got to open it (the task skips it if it holds it already).
                if *file == name
                    && renamed_from
                    && let Some(to) = event.paths.get(1)
                {
                    waker.preopen(to);
                }
                if *file == name || waker.any_in_dir.load(Ordering::Relaxed) {
                    waker.wake();
                }
            }
        }
        for (root, waker) in &routes.trees {
            if path.starts_with(root) {
                waker.wake();
            }
        }
    }
}
