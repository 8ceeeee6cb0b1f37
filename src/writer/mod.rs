//! The one writer: a new project all at once, or a [`Plan`] applied to an existing one as a
//! transaction.
//!
//! Everything is rendered in memory first. A new project is written into a staging folder
//! beside it and renamed into place in one step. In an existing project the new texts are
//! staged, the [`journal`] of operations is written, every file that is replaced, moved or
//! deleted is moved aside into the staging folder and the new ones put in place, the record
//! last. A failure half-way puts every file back; a run that dies half-way is rolled back by
//! the next command ([`begin`]), which also holds the project lock ([`exclusive`]) so two runs
//! never interleave.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use std::collections::BTreeSet;

use crate::error::bad_input;
use crate::plan::{Action, Plan, Step};
use crate::record::RECORD_FILE;
use crate::template_set::RenderedFile;

mod exclusive;
mod fault;
pub mod journal;

pub use exclusive::ProjectLock;
use journal::{Op, Recovered};

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
        // ENOTDIR: a part of the path above the project is a file.
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(bad_input(
            format!(
                "`{}` cannot be a project directory: a part of the path above it is a file, not \
                 a folder",
                shorten(&root.display().to_string())
            ),
            "pick a path whose every part above the project is a folder (or does not exist yet)",
        )),
        Err(e) => Err(e).with_context(|| format!("cannot inspect `{}`", root.display())),
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = fs::read_link(root)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            Err(bad_input(
                format!(
                    "`{}` is a symbolic link (to `{target}`); pyscaffold writes a project into a \
                     real folder, not through a link",
                    root.display()
                ),
                format!(
                    "give the folder the link points to (`{target}`), or another directory; \
                     nothing was written"
                ),
            ))
        }
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
///
/// A missing `root` is staged beside it and renamed into place in one step. An empty folder
/// the user made (`mkdir api && cd api && pyscaffold new .`) is kept, with its permissions and
/// owner, and a shell standing in it stays in it: the files are staged inside it and moved up,
/// all of them or, on a failure, none.
pub fn write_new_project(root: &Path, files: &[RenderedFile]) -> Result<()> {
    let existing = fs::symlink_metadata(root).is_ok_and(|m| m.is_dir());
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stage_in = if existing { root.to_path_buf() } else { parent };
    fs::create_dir_all(&stage_in)
        .with_context(|| format!("cannot create directory `{}`", stage_in.display()))?;
    let stage = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(&stage_in)
        .map_err(|e| cannot_stage(&stage_in, &e))?;
    let mut folders = Folders::default();
    for file in files {
        folders.write_file(
            &stage.path().join(&file.path),
            &file.contents,
            file.executable,
        )?;
    }
    if existing {
        return move_up(stage.path(), root);
    }
    // rename(2) puts a missing directory in place in one step.
    let staged = stage.keep();
    if let Err(e) = fs::rename(&staged, root) {
        let _ = fs::remove_dir_all(&staged);
        return Err(e).with_context(|| format!("cannot create `{}`", root.display()));
    }
    Ok(())
}

/// Moves every entry of `stage` (a folder inside `root`) up into `root`, signals waiting until
/// the last is in place; on a failure the ones moved go back, and the error says what failed.
fn move_up(stage: &Path, root: &Path) -> Result<()> {
    let names: Vec<std::ffi::OsString> = fs::read_dir(stage)
        .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
        .with_context(|| format!("cannot read the staging folder `{}`", stage.display()))?;
    let _deferred = crate::interrupt::defer();
    let mut moved = Vec::new();
    for name in &names {
        let to = root.join(name);
        let result = if fs::symlink_metadata(&to).is_ok() {
            Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "something else created it while the project was being written",
            ))
        } else {
            fs::rename(stage.join(name), &to)
        };
        if let Err(e) = result {
            for name in moved.iter().rev() {
                let _ = fs::rename(root.join(name), stage.join(name));
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot put `{}` in place; nothing was written",
                    to.display()
                )
            });
        }
        moved.push(name);
    }
    Ok(())
}

/// Applies the plan's steps to the project at `root` as one transaction: every new text is
/// staged first, the journal of operations written, then each operation done (the record's
/// step last), the transaction marked committed and the staging folder removed. A failure
/// undoes what was done; a process that dies is undone (or completed) by the next command's
/// [`recover`]. SIGINT and SIGTERM wait while the operations run.
pub fn apply(root: &Path, plan: &Plan) -> Result<()> {
    let mut steps: Vec<&Step> = plan.changes().collect();
    if steps.is_empty() {
        return Ok(());
    }
    // The record last: a record naming the new version means every file is in place.
    steps.sort_by_key(|s| s.path == RECORD_FILE);
    check_destinations(root, plan)?;
    let stage = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(root)
        .map_err(|e| cannot_stage(root, &e))?;
    let mut folders = Folders::default();
    for step in &steps {
        if let Some(text) = &step.new {
            folders.write_file(
                &stage.path().join("new").join(&step.path),
                text,
                step.executable,
            )?;
        }
    }
    fault::step("staged the new files");
    let ops = operations(root, &steps);
    journal::write(stage.path(), &ops)?;
    fault::step("wrote the journal");
    // From here on the staging folder is the journal's: recovery removes it, not a drop.
    let stage = stage.keep();
    let deferred = crate::interrupt::defer();
    for (done, op) in ops.iter().enumerate() {
        if let Err(err) = journal::run(root, &stage, op) {
            journal::undo(root, &stage, &ops[..done]);
            let _ = journal::remove_stage(&stage);
            journal::unseal(&stage);
            return Err(err.context(format!(
                "the change to `{}` could not be made, so every file was put back as it was",
                root.display()
            )));
        }
        fault::step("an operation");
    }
    for dir in touched_dirs(root, &ops) {
        journal::sync_dir(&dir);
    }
    journal::mark_committed(&stage)?;
    fault::step("committed");
    journal::finish(root, &stage, &ops)?;
    fault::step("removed the staging folder");
    drop(deferred);
    Ok(())
}

/// The operations that apply `steps`, in order: what each step replaces, moves or deletes is
/// set aside first, missing folders are created, then its new text is put in place.
fn operations(root: &Path, steps: &[&Step]) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut aside: BTreeSet<String> = BTreeSet::new();
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    for step in steps {
        for rel in std::iter::once(&step.path).chain(step.from.as_ref()) {
            if fs::symlink_metadata(root.join(rel)).is_ok() && aside.insert(rel.clone()) {
                ops.push(Op::Aside {
                    path: rel.clone(),
                    backup: format!("old/{rel}"),
                });
            }
        }
        if step.new.is_none() {
            continue;
        }
        let mut missing = Vec::new();
        let mut dir = Path::new(&step.path).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if root.join(d).is_dir() || made.contains(d) {
                break;
            }
            missing.push(d.to_path_buf());
            dir = d.parent();
        }
        for d in missing.into_iter().rev() {
            ops.push(Op::Mkdir {
                path: d.to_string_lossy().replace('\\', "/"),
            });
            made.insert(d);
        }
        ops.push(Op::Place {
            path: step.path.clone(),
            staged: format!("new/{}", step.path),
            sha256: crate::digest::sha256_hex(step.new.as_deref().unwrap_or("").as_bytes()),
        });
    }
    ops
}

/// The folders whose entries the operations changed, to sync before the commit marker.
fn touched_dirs(root: &Path, ops: &[Op]) -> BTreeSet<PathBuf> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Aside { path, .. } | Op::Place { path, .. } | Op::Mkdir { path } => {
                root.join(path).parent().map(Path::to_path_buf)
            }
        })
        .collect()
}

/// Takes the project lock on `root` and finishes what an interrupted earlier run left there
/// (saying so on stderr). Commands that change a project call it before reading anything and
/// keep the lock until they end.
pub fn begin(root: &Path) -> Result<ProjectLock> {
    let held = exclusive::lock(root)?;
    recover(root)?;
    Ok(held)
}

/// Rolls back or completes what interrupted runs left in `root`, and says so.
pub fn recover(root: &Path) -> Result<()> {
    for outcome in journal::recover(root)? {
        match outcome {
            Recovered::RolledBack { files } => eprintln!(
                "note: an earlier pyscaffold run in `{}` was interrupted before it finished; \
                 its changes were undone ({}), so the project is as it was before that run",
                root.display(),
                match files {
                    0 => "it had moved no file yet".to_string(),
                    1 => "1 file put back".to_string(),
                    n => format!("{n} files put back"),
                }
            ),
            Recovered::Completed => eprintln!(
                "note: an earlier pyscaffold run in `{}` was interrupted after every file was in \
                 place; its leftovers were removed",
                root.display()
            ),
        }
    }
    Ok(())
}

/// Refuses a plan that would write where something is in the way ([`check_destination`] for
/// every file it writes): what [`apply`] checks first, and what `upgrade --check` predicts.
pub fn check_destinations(root: &Path, plan: &Plan) -> Result<()> {
    for step in plan.changes() {
        if step.action != Action::Delete {
            check_destination(root, &step.path)?;
        }
    }
    Ok(())
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

/// The folders a staging writer has made, so that each is made once: a new project's 25
/// files sit in a handful of folders.
#[derive(Default)]
struct Folders(BTreeSet<PathBuf>);

impl Folders {
    /// Writes `contents` to `path` (a new file in the staging folder), its folders made first,
    /// with mode 0644, or 0755 when `executable`, whatever the umask.
    fn write_file(&mut self, path: &Path, contents: &str, executable: bool) -> Result<()> {
        if let Some(dir) = path.parent()
            && !self.0.contains(dir)
        {
            fs::create_dir_all(dir)
                .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
            self.0.insert(dir.to_path_buf());
        }
        let written = fs::File::create(path).and_then(|mut file| {
            use std::io::Write as _;
            file.write_all(contents.as_bytes())?;
            set_mode(&file, executable)
        });
        written.with_context(|| format!("cannot write `{}`", path.display()))
    }
}

#[cfg(unix)]
fn set_mode(file: &fs::File, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &fs::File, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template_set::Ownership;

    #[test]
    fn moving_up_stops_at_a_name_taken_and_puts_back_what_it_moved() {
        let root = tempfile::tempdir().unwrap();
        let stage = root.path().join(".pyscaffold-staging-test");
        for name in ["a", "b", "c"] {
            fs::create_dir_all(stage.join(name)).unwrap();
            fs::write(stage.join(name).join("f"), name).unwrap();
        }
        fs::write(root.path().join("b"), "theirs").unwrap();
        let err = move_up(&stage, root.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("nothing was written"),
            "{err:#}"
        );
        let mut left: Vec<String> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".pyscaffold-staging-test", "b"]);
        assert_eq!(fs::read_to_string(root.path().join("b")).unwrap(), "theirs");
        for name in ["a", "b", "c"] {
            assert_eq!(
                fs::read_to_string(stage.join(name).join("f")).unwrap(),
                name
            );
        }
        fs::remove_file(root.path().join("b")).unwrap();
        move_up(&stage, root.path()).unwrap();
        assert_eq!(fs::read_to_string(root.path().join("c/f")).unwrap(), "c");
    }

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
