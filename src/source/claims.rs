//! Which source reads which file: a file is one source, whatever name it goes by.
//!
//! Files are known by identity ([`FileId`]: device, inode, birth time), not by name. The first
//! source to open a file claims it; any other source that reaches the same file — a glob that
//! also matches rotated names, the same file given twice, a hard link — leaves it alone, so its
//! lines come out once, late lines included (the owner keeps draining it). logbraid's own
//! output file is claimed before any source starts, so it is never read back.

use std::collections::{HashMap, VecDeque};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::sync::{Mutex, PoisonError};

use crate::source_id::SourceId;

/// A file's identity: replaced files get a new one. Inode numbers are reused at once (ext4),
/// so the birth time is part of it where the file system records one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
    born: Option<std::time::SystemTime>,
}

impl FileId {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            born: meta.created().ok(),
        }
    }

    /// When the file was created, where the file system records it.
    pub fn born(&self) -> Option<std::time::SystemTime> {
        self.born
    }

    /// The identity of the file at `path` now (following symlinks), if there is one.
    pub fn at(path: &std::path::Path) -> Option<Self> {
        std::fs::metadata(path).ok().map(|m| Self::of(&m))
    }
}

/// Who holds a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A source reads it.
    Source(SourceId),
    /// logbraid writes it (`-o FILE`, or standard output redirected to it).
    Output,
}

/// Claims remembered at most; the oldest are forgotten first (files long gone by then).
const REMEMBERED: usize = 65_536;

/// The claims of every source; see the module docs. Shared by all file tasks and the
/// supervisor; the lock is held only for a map lookup or insert.
#[derive(Debug, Default)]
pub struct Claims {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    owners: HashMap<FileId, Owner>,
    order: VecDeque<FileId>,
}

impl Claims {
    /// Claims `file` for `owner`; `Err` names the one that holds it already (a source may
    /// claim its own file again).
    pub fn claim(&self, file: FileId, owner: Owner) -> Result<(), Owner> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.owners.get(&file) {
            Some(&held) if held == owner => Ok(()),
            Some(&held) => Err(held),
            None => {
                if inner.order.len() >= REMEMBERED
                    && let Some(oldest) = inner.order.pop_front()
                {
                    inner.owners.remove(&oldest);
                }
                inner.owners.insert(file, owner);
                inner.order.push_back(file);
                Ok(())
            }
        }
    }

    /// Who holds `file`, if anyone.
    pub fn owner(&self, file: FileId) -> Option<Owner> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.owners.get(&file).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_claim_wins_and_the_output_is_nobody_elses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.log");
        let out = dir.path().join("out.log");
        std::fs::write(&a, "x\n").expect("write");
        std::fs::write(&out, "").expect("write");
        let link = dir.path().join("b.log");
        std::fs::hard_link(&a, &link).expect("link");
        let claims = Claims::default();
        let (a_id, out_id) = (FileId::at(&a).expect("a"), FileId::at(&out).expect("out"));
        assert_eq!(claims.claim(out_id, Owner::Output), Ok(()));
        assert_eq!(claims.claim(a_id, Owner::Source(SourceId(0))), Ok(()));
        assert_eq!(claims.claim(a_id, Owner::Source(SourceId(0))), Ok(()));
        // The same file under another name.
        let b_id = FileId::at(&link).expect("b");
        assert_eq!(
            claims.claim(b_id, Owner::Source(SourceId(1))),
            Err(Owner::Source(SourceId(0)))
        );
        assert_eq!(
            claims.claim(out_id, Owner::Source(SourceId(1))),
            Err(Owner::Output)
        );
        assert_eq!(claims.owner(out_id), Some(Owner::Output));
    }
}
