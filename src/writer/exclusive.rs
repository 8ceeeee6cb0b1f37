//! One pyscaffold command at a time in a project: an advisory lock on the project folder.
//!
//! `upgrade`, `init`, `eject` and `new --force` take it before reading anything and hold it
//! to the end, so a second command in the same project waits for the first instead of
//! planning from a tree that is about to change. The lock is the operating system's (`flock`
//! on the folder itself): it leaves no file behind and is released when the process ends,
//! however it ends, so a killed run never leaves the project locked.

use std::fs::File;
use std::path::Path;

use anyhow::{Context as _, Result};

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct ProjectLock {
    _folder: File,
}

/// Takes the lock on `root` (a folder that exists), waiting for another pyscaffold command
/// that holds it, and saying so.
pub fn lock(root: &Path) -> Result<ProjectLock> {
    let folder = File::open(root).with_context(|| format!("cannot open `{}`", root.display()))?;
    match folder.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting: another pyscaffold command is changing `{}`",
                root.display()
            );
            folder
                .lock()
                .with_context(|| format!("cannot lock `{}`", root.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock `{}`", root.display()));
        }
    }
    Ok(ProjectLock { _folder: folder })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_folder_waits() {
        let tmp = tempfile::tempdir().unwrap();
        let held = lock(tmp.path()).unwrap();
        let other = File::open(tmp.path()).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }
}
