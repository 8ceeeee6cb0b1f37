//! Writing safely: a new project all at once, or a [`Plan`] applied to an existing one.
//!
//! Everything is rendered in memory first. Files are then written into a staging folder and
//! moved into place only once all of them were written. In an existing project every file that
//! is replaced, moved or deleted is first moved aside into the staging folder, so a failure
//! half-way puts every file back: the tree is left exactly as it was.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::error::bad_input;
use crate::plan::{Action, Plan, Step};
use crate::template_set::RenderedFile;

/// The folder cannot be written at all (read-only, no permission, full): nothing was written.
fn cannot_stage(dir: &Path, e: &std::io::Error) -> anyhow::Error {
    crate::error::bad_input(
        format!("cannot write in `{}`: {e}", dir.display()),
        "run it where you can write (check the folder's permissions, the disk's free space and \
         whether it is mounted read-only); nothing was written",
    )
}

/// The prefix of staging folders, so a leftover one is recognisable.
pub const STAGING_PREFIX: &str = ".pyscaffold-staging-";

/// What is at the target path before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Missing,
    Empty,
    NonEmpty,
}

/// Checks the target and refuses a non-empty directory unless `force`.
pub fn check_target(root: &Path, force: bool) -> Result<Target> {
    // A part longer than file systems allow fails only once a folder above it was created.
    if let Some(part) = root
        .components()
        .map(|c| c.as_os_str())
        .find(|c| c.len() > 255)
    {
        return Err(bad_input(
            format!(
                "`{}` is too long a name for this file system: a part of the path has {} bytes (at \
                 most 255)",
                shorten(&part.to_string_lossy()),
                part.len()
            ),
            "pick a shorter project directory (a project name has at most 40 characters)",
        ));
    }
    let state = inspect(root)?;
    if state == Target::NonEmpty && !force {
        return Err(bad_input(
            format!("`{}` already exists and is not empty", root.display()),
            "pick a new directory, or pass `--force` to write into it (pyscaffold's files are \
             updated, your own files are left alone; try `--dry-run --diff` first)",
        ));
    }
    Ok(state)
}

/// What is at `root`: nothing, an empty directory or a non-empty one.
pub fn inspect(root: &Path) -> Result<Target> {
    match fs::symlink_metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Target::Missing),
        // ENAMETOOLONG: the path is bad input, not a failing disk.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidFilename => Err(bad_input(
            format!(
                "`{}` is too long a name for this file system ({e})",
                shorten(&root.display().to_string())
            ),
            "pick a shorter project directory (a project name has at most 40 characters)",
        )),
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

/// A long path cut to its first and last characters, so a message stays readable.
fn shorten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 60 {
        return text.to_string();
    }
    let head: String = chars[..30].iter().collect();
    let tail: String = chars[chars.len() - 20..].iter().collect();
    format!("{head}…{tail}")
}

/// Writes `files` as a new project at `root` (missing or empty), all or nothing.
pub fn write_new_project(root: &Path, files: &[RenderedFile]) -> Result<()> {
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create directory `{}`", parent.display()))?;
    let stage = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(&parent)
        .map_err(|e| cannot_stage(&parent, &e))?;
    for file in files {
        write_file(
            &stage.path().join(&file.path),
            &file.contents,
            file.executable,
        )?;
    }
    // rename(2) replaces a missing or empty directory in one step.
    let staged = stage.keep();
    if let Err(e) = fs::rename(&staged, root) {
        let _ = fs::remove_dir_all(&staged);
        return Err(e).with_context(|| format!("cannot create `{}`", root.display()));
    }
    Ok(())
}

/// One undoable change made while applying a plan.
enum Done {
    /// A file that was at `path` now sits at `backup`.
    MovedAside { path: PathBuf, backup: PathBuf },
    /// A new file was put at `path`.
    Placed(PathBuf),
    /// A directory was created.
    CreatedDir(PathBuf),
}

/// Applies the plan's steps to the project at `root`, all or nothing.
pub fn apply(root: &Path, plan: &Plan) -> Result<()> {
    let steps: Vec<&Step> = plan.changes().collect();
    if steps.is_empty() {
        return Ok(());
    }
    for step in &steps {
        if step.action != Action::Delete {
            check_destination(root, &step.path)?;
        }
    }
    let stage = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(root)
        .map_err(|e| cannot_stage(root, &e))?;
    let new_dir = stage.path().join("new");
    let old_dir = stage.path().join("old");
    for step in &steps {
        if let Some(text) = &step.new {
            write_file(&new_dir.join(&step.path), text, step.executable)?;
        }
    }
    let mut done = Vec::new();
    if let Err(err) = place(root, &steps, &new_dir, &old_dir, &mut done) {
        roll_back(done);
        return Err(err);
    }
    for step in &steps {
        let gone = match (&step.from, step.action) {
            (Some(from), _) => Some(from),
            (None, Action::Delete) => Some(&step.path),
            _ => None,
        };
        if let Some(gone) = gone {
            remove_empty_parents(root, gone);
        }
    }
    Ok(())
}

fn place(
    root: &Path,
    steps: &[&Step],
    new_dir: &Path,
    old_dir: &Path,
    done: &mut Vec<Done>,
) -> Result<()> {
    for step in steps {
        // Move aside what the step replaces, removes, or moves away from.
        let mut aside = vec![step.path.as_str()];
        if let Some(from) = &step.from {
            aside.push(from);
        }
        for rel in aside {
            let path = root.join(rel);
            if fs::symlink_metadata(&path).is_ok() {
                let backup = old_dir.join(rel);
                create_dirs(backup.parent(), done)?;
                fs::rename(&path, &backup)
                    .with_context(|| format!("cannot move `{}` aside", path.display()))?;
                done.push(Done::MovedAside { path, backup });
            }
        }
        if step.new.is_some() {
            let to = root.join(&step.path);
            create_dirs(to.parent(), done)?;
            fs::rename(new_dir.join(&step.path), &to)
                .with_context(|| format!("cannot write `{}`", to.display()))?;
            done.push(Done::Placed(to));
        }
    }
    Ok(())
}

/// Creates `dir` and its missing parents, remembering each one created.
fn create_dirs(dir: Option<&Path>, done: &mut Vec<Done>) -> Result<()> {
    let Some(dir) = dir else { return Ok(()) };
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(d) = cursor {
        if d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cursor = d.parent();
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(&d).with_context(|| format!("cannot create directory `{}`", d.display()))?;
        done.push(Done::CreatedDir(d));
    }
    Ok(())
}

/// Undoes `done` in reverse order; best effort, as it runs after a failure.
fn roll_back(done: Vec<Done>) {
    for step in done.into_iter().rev() {
        match step {
            Done::Placed(path) => {
                let _ = fs::remove_file(path);
            }
            Done::MovedAside { path, backup } => {
                let _ = fs::rename(backup, path);
            }
            Done::CreatedDir(dir) => {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

/// Removes the now-empty folders a moved or deleted file leaves behind (up to the root).
fn remove_empty_parents(root: &Path, relative: &str) {
    let mut dir = root.join(relative);
    while dir.pop() && dir != root && dir.starts_with(root) {
        if fs::remove_dir(&dir).is_err() {
            break;
        }
    }
}

/// Refuses a destination where a directory sits in place of the file, or a file in place of
/// one of its parent directories.
pub fn check_destination(root: &Path, relative: &str) -> Result<()> {
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

fn write_file(path: &Path, contents: &str, executable: bool) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
    }
    fs::write(path, contents).with_context(|| format!("cannot write `{}`", path.display()))?;
    set_mode(path, executable)
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
    use crate::template_set::Ownership;

    fn file(path: &str) -> RenderedFile {
        RenderedFile {
            path: path.to_string(),
            contents: "x\n".to_string(),
            executable: false,
            kind: Ownership::Managed,
            template: path.to_string(),
        }
    }

    fn write_step(path: &str, text: &str) -> Step {
        let mut step = Step::new(path, Action::Update);
        step.new = Some(text.to_string());
        step
    }

    #[test]
    fn a_failure_while_staging_leaves_no_project_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("svc");
        // `a` as a file and as a directory: the second write fails half-way.
        let err = write_new_project(&root, &[file("a"), file("a/b")]).unwrap_err();
        assert!(err.to_string().contains("cannot"), "{err}");
        assert!(!root.exists());
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "staging folder left behind: {left:?}");
    }

    #[test]
    fn a_conflict_in_an_existing_project_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("b")).unwrap();
        fs::write(root.join("keep.txt"), "mine").unwrap();
        let plan = Plan {
            steps: vec![write_step("a", "x\n"), write_step("b", "y\n")],
        };
        let err = apply(root, &plan).unwrap_err();
        assert!(err.to_string().contains("in the way"), "{err}");
        assert!(!root.join("a").exists(), "`a` was written before the check");
        assert_eq!(fs::read_to_string(root.join("keep.txt")).unwrap(), "mine");
    }

    #[test]
    fn a_failure_while_placing_puts_every_file_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("a"), "old a\n").unwrap();
        fs::write(root.join("gone"), "old gone\n").unwrap();
        let mut delete = Step::new("gone", Action::Delete);
        delete.old = Some("old gone\n".into());
        // The second write of `z/a` finds its staged file already placed: placing fails after
        // `a` was replaced, `gone` deleted and `z/a` placed.
        let plan = Plan {
            steps: vec![
                write_step("a", "new a\n"),
                delete,
                write_step("z/a", "1\n"),
                write_step("z/a", "2\n"),
            ],
        };
        apply(root, &plan).unwrap_err();
        assert_eq!(fs::read_to_string(root.join("a")).unwrap(), "old a\n");
        assert_eq!(fs::read_to_string(root.join("gone")).unwrap(), "old gone\n");
        assert!(!root.join("z").exists(), "a created folder was left behind");
        let names: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "left behind: {names:?}");
    }

    #[test]
    fn moves_carry_the_new_text_and_remove_emptied_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("docker/env/dev")).unwrap();
        fs::write(root.join("docker/env/dev/x.sh"), "old\n").unwrap();
        let mut step = write_step("docker/environments/dev/x.sh", "new\n");
        step.from = Some("docker/env/dev/x.sh".into());
        apply(root, &Plan { steps: vec![step] }).unwrap();
        assert_eq!(
            fs::read_to_string(root.join("docker/environments/dev/x.sh")).unwrap(),
            "new\n"
        );
        assert!(!root.join("docker/env").exists());
        assert!(root.join("docker").is_dir());
    }
}
