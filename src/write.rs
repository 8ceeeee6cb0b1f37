//! Writing a generated project safely.
//!
//! Everything is rendered in memory first. Files are then written into a staging folder next to
//! the target and moved into place only once all of them were written, so a failure half-way
//! leaves no half-written project behind.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::error::bad_input;
use crate::template_set::RenderedFile;

/// What is at the target path before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Missing,
    Empty,
    NonEmpty,
}

/// Checks the target and refuses a non-empty directory unless `force`.
pub fn check_target(root: &Path, force: bool) -> Result<Target> {
    let state = inspect(root)?;
    if state == Target::NonEmpty && !force {
        return Err(bad_input(
            format!("`{}` already exists and is not empty", root.display()),
            "pick a new directory, or pass `--force` to write into it (files pyscaffold \
             generates are overwritten, others are left alone; try `--dry-run --diff` first)",
        ));
    }
    Ok(state)
}

fn inspect(root: &Path) -> Result<Target> {
    match fs::symlink_metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Target::Missing),
        Err(e) => Err(e).with_context(|| format!("cannot inspect `{}`", root.display())),
        Ok(meta) if !meta.is_dir() => Err(bad_input(
            format!("`{}` exists and is not a directory", root.display()),
            "pick another project directory",
        )),
        Ok(_) => {
            let mut entries = fs::read_dir(root)
                .with_context(|| format!("cannot read directory `{}`", root.display()))?;
            Ok(if entries.next().is_some() {
                Target::NonEmpty
            } else {
                Target::Empty
            })
        }
    }
}

/// Writes `files` under `root` (created if needed), all or nothing.
pub fn write_project(root: &Path, files: &[RenderedFile]) -> Result<()> {
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create directory `{}`", parent.display()))?;
    let stage = tempfile::Builder::new()
        .prefix(".pyscaffold-staging-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a staging folder in `{}`", parent.display()))?;
    for file in files {
        write_file(stage.path(), file)?;
    }
    match inspect(root)? {
        // rename(2) replaces a missing or empty directory in one step.
        Target::Missing | Target::Empty => {
            let staged = stage.keep();
            if let Err(e) = fs::rename(&staged, root) {
                let _ = fs::remove_dir_all(&staged);
                return Err(e).with_context(|| format!("cannot create `{}`", root.display()));
            }
        }
        // --force into an existing project: check every destination first, then move the
        // staged files over, one rename each, so a conflict stops the run before any change.
        Target::NonEmpty => {
            for file in files {
                check_destination(root, &file.path)?;
            }
            for file in files {
                let to = root.join(&file.path);
                if let Some(dir) = to.parent() {
                    fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
                }
                fs::rename(stage.path().join(&file.path), &to)
                    .with_context(|| format!("cannot write `{}`", to.display()))?;
            }
        }
    }
    Ok(())
}

/// Refuses a destination where a directory sits in place of the file, or a file in place of
/// one of its parent directories.
fn check_destination(root: &Path, relative: &str) -> Result<()> {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        let conflict = match fs::symlink_metadata(&path) {
            Ok(meta) if last => meta.is_dir(),
            Ok(meta) => !meta.is_dir(),
            Err(_) => false,
        };
        if conflict {
            return Err(bad_input(
                format!(
                    "`{}` is in the way of the generated `{relative}`",
                    path.display()
                ),
                "move it away (or pick another directory) and run again; nothing was written",
            ));
        }
    }
    Ok(())
}

fn write_file(base: &Path, file: &RenderedFile) -> Result<()> {
    let path = base.join(&file.path);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
    }
    fs::write(&path, &file.contents)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    set_mode(&path, file.executable)
}

#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions of `{}`", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> RenderedFile {
        RenderedFile {
            path: path.to_string(),
            contents: "x\n".to_string(),
            executable: false,
        }
    }

    #[test]
    fn a_failure_while_staging_leaves_no_project_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("svc");
        // `a` as a file and as a directory: the second write fails half-way.
        let err = write_project(&root, &[file("a"), file("a/b")]).unwrap_err();
        assert!(err.to_string().contains("cannot"), "{err}");
        assert!(!root.exists());
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "staging folder left behind: {left:?}");
    }

    #[test]
    fn a_conflict_in_an_existing_project_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("svc");
        fs::create_dir_all(root.join("b")).unwrap();
        fs::write(root.join("keep.txt"), "mine").unwrap();
        let err = write_project(&root, &[file("a"), file("b")]).unwrap_err();
        assert!(err.to_string().contains("in the way"), "{err}");
        assert!(
            !root.join("a").exists(),
            "`a` was written before the conflict was found"
        );
        assert_eq!(fs::read_to_string(root.join("keep.txt")).unwrap(), "mine");
    }
}
