//! The writer's journal: every change to the project, written down before the first one is made,
//! so a run that dies half-way (SIGKILL, a power cut, a full disk) is undone by the next one.
//!
//! A transaction lives in a staging folder at the project root (`.pyscaffold-staging-*`):
//! `new/` holds every file's new text, `old/` receives what each change moves aside, and
//! `journal.json` lists the operations in order. The record comes last. Once every operation
//! is done, a `committed` marker is written; only then is the staging folder removed.
//!
//! [`recover`] runs at the start of every command that writes, under the project lock: a
//! staging folder with a journal but no marker is rolled back, each operation undone in
//! reverse order according to what the disk shows (so an interrupted recovery can simply run
//! again); one with the marker is completed; one without a journal changed nothing and is
//! removed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::STAGING_PREFIX;
use crate::error::bad_input;

/// The journal's file name inside the staging folder.
const JOURNAL: &str = "journal.json";
/// The marker written once every operation is done.
const COMMITTED: &str = "committed";

/// One change to the project tree, relative to the project root (the staging paths relative to
/// the staging folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    /// What is at `path` is moved to `backup` (replaced, moved away or deleted).
    Aside { path: String, backup: String },
    /// A folder is created for a new file.
    Mkdir { path: String },
    /// The staged file `staged`, whose text hashes to `sha256`, is moved to `path`.
    Place {
        path: String,
        staged: String,
        sha256: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Journal {
    /// The format's version.
    journal: u32,
    ops: Vec<Op>,
}

/// What [`recover`] did, for the command to say.
#[derive(Debug, PartialEq, Eq)]
pub enum Recovered {
    /// An interrupted change was undone: the project is as it was before it.
    RolledBack { files: usize },
    /// A change that had put every file in place was finished (its leftovers removed).
    Completed,
}

/// Writes the journal durably into `stage`: a temporary file, synced, renamed, and the folder
/// synced, so the journal is either whole or absent. Its seal (the journal's hash, in this
/// user's state folder, outside every project) is written first: recovery obeys only a
/// journal this machine's pyscaffold wrote, never one that came with a project's files.
pub fn write(stage: &Path, ops: &[Op]) -> Result<()> {
    let text = serde_json::to_string_pretty(&Journal {
        journal: 1,
        ops: ops.to_vec(),
    })?;
    seal(stage, &text)?;
    let partial = stage.join("journal.partial");
    write_synced(&partial, text.as_bytes())?;
    fs::rename(&partial, stage.join(JOURNAL))
        .with_context(|| format!("cannot write the journal in `{}`", stage.display()))?;
    sync_dir(stage);
    Ok(())
}

/// Writes the seal of the journal `text` in `stage` in the first state folder that takes it.
/// With none, the run stops before it changes anything: an interruption could not be undone.
fn seal(stage: &Path, text: &str) -> Result<()> {
    let digest = crate::digest::sha256_hex(text.as_bytes());
    let env = StateEnv::from_process();
    let project = project_of(stage);
    // A seal inside the project would travel with its files, the very case it tells apart: a
    // state folder the user named there is refused, one derived there (the home folder as the
    // project) passed over.
    if let Some(named) = env.named_folder().filter(|f| f.starts_with(&project)) {
        return Err(bad_input(
            format!(
                "the state folder `{}` is inside the project `{}`: the seal that lets an \
                 interrupted run be undone would travel with the project's files; nothing was \
                 changed",
                named.display(),
                project.display()
            ),
            "point PYSCAFFOLD_STATE_DIR (or XDG_STATE_HOME) at a folder outside the project, or \
             unset it",
        ));
    }
    let folders = state_folders(&env)
        .into_iter()
        .filter(|f| !f.folder.starts_with(&project));
    let mut tried = Vec::new();
    for state in folders {
        match write_seal(&state, stage, &digest) {
            Ok(()) => return Ok(()),
            Err(err) => tried.push(format!(
                "`{}` ({})",
                state.folder.display(),
                crate::error::chain(err.as_ref())
            )),
        }
    }
    Err(crate::error::UserError::new(
        format!(
            "cannot keep the seal that lets an interrupted run be undone: no state folder can be \
             written ({}); nothing was changed",
            if tried.is_empty() {
                "none is known".to_string()
            } else {
                tried.join("; ")
            }
        ),
        "set PYSCAFFOLD_STATE_DIR to a folder this user can write, outside the project and kept \
         across reboots (`export PYSCAFFOLD_STATE_DIR=...`), and run again",
    )
    .into())
}

/// Writes `digest` as the seal of `stage` in `state`, making its folders as needed.
fn write_seal(state: &StateFolder, stage: &Path, digest: &str) -> Result<()> {
    let journals = state.folder.join("journals");
    if state.private {
        make_private(&state.folder)?;
    }
    fs::create_dir_all(&journals)?;
    write_synced(&journals.join(seal_name(stage)?), digest.as_bytes())
}

/// Makes the shared temporary folder's `folder` this user's alone (mode 0700), or checks that
/// it is one.
fn make_private(folder: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        match fs::DirBuilder::new().mode(0o700).create(folder) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err.into()),
        }
    }
    if !is_private(folder) {
        anyhow::bail!("it is not a folder of this user's alone (mode 0700)");
    }
    Ok(())
}

/// Whether `folder` is a real folder owned by this user that nobody else may read or write.
fn is_private(folder: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        fs::symlink_metadata(folder).is_ok_and(|meta| {
            meta.is_dir()
                && Some(meta.uid()) == current_user()
                && meta.permissions().mode() & 0o077 == 0
        })
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        false
    }
}

/// This process's effective user id.
fn current_user() -> Option<u32> {
    #[cfg(unix)]
    {
        Some(rustix::process::geteuid().as_raw())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The environment variables that place the state folder.
#[derive(Debug, Default)]
struct StateEnv {
    pyscaffold_state_dir: Option<PathBuf>,
    xdg_state_home: Option<PathBuf>,
    home: Option<PathBuf>,
    /// The shared temporary folders, in order: `/var/tmp` (kept across reboots, so a seal
    /// outlives a power cut), then the system's temporary folder.
    temps: Vec<PathBuf>,
}

impl StateEnv {
    /// The state folder a variable names, if one does (`PYSCAFFOLD_STATE_DIR`, or an absolute
    /// `XDG_STATE_HOME`).
    fn named_folder(&self) -> Option<PathBuf> {
        state_folders(self)
            .into_iter()
            .next()
            .filter(|_| {
                self.pyscaffold_state_dir.is_some()
                    || self
                        .xdg_state_home
                        .as_ref()
                        .is_some_and(|d| d.is_absolute())
            })
            .map(|f| f.folder)
    }

    fn from_process() -> Self {
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            pyscaffold_state_dir: var("PYSCAFFOLD_STATE_DIR"),
            xdg_state_home: var("XDG_STATE_HOME"),
            home: var("HOME"),
            temps: shared_temporary_folders(),
        }
    }
}

/// `/var/tmp` where there is one, then the system's temporary folder (`TMPDIR`). A debug
/// build's tests put another folder in place of `/var/tmp` with `PYSCAFFOLD_TEST_VAR_TMP`.
fn shared_temporary_folders() -> Vec<PathBuf> {
    let var_tmp = PathBuf::from("/var/tmp");
    #[cfg(debug_assertions)]
    let var_tmp = std::env::var_os("PYSCAFFOLD_TEST_VAR_TMP").map_or(var_tmp, PathBuf::from);
    let mut folders = Vec::new();
    if cfg!(unix) && var_tmp.is_dir() {
        folders.push(var_tmp);
    }
    let temp = std::env::temp_dir();
    if !folders.contains(&temp) {
        folders.push(temp);
    }
    folders
}

/// A folder a seal may be kept in.
#[derive(Debug, PartialEq)]
struct StateFolder {
    folder: PathBuf,
    /// In the shared temporary folder: made this user's alone before use.
    private: bool,
}

/// Where seals are kept, in the order they are tried: `$PYSCAFFOLD_STATE_DIR` (relative to the
/// current folder if relative), else `$XDG_STATE_HOME/pyscaffold` (if absolute, as the XDG
/// specification asks), else `~/.local/state/pyscaffold` (if the home folder is an absolute
/// path that exists: a missing one is not made); then, for a user with none of these writable,
/// `pyscaffold-state-UID` in `/var/tmp` or else in the temporary folder, made this user's
/// alone.
fn state_folders(env: &StateEnv) -> Vec<StateFolder> {
    let mut folders = Vec::new();
    let primary = if let Some(dir) = &env.pyscaffold_state_dir {
        std::path::absolute(dir).ok()
    } else if let Some(dir) = env.xdg_state_home.as_ref().filter(|d| d.is_absolute()) {
        Some(dir.join("pyscaffold"))
    } else {
        env.home
            .as_ref()
            .filter(|h| h.is_absolute() && h.is_dir())
            .map(|h| h.join(".local/state/pyscaffold"))
    };
    folders.extend(primary.map(|folder| StateFolder {
        folder,
        private: false,
    }));
    if let Some(uid) = current_user() {
        folders.extend(env.temps.iter().map(|temp| StateFolder {
            folder: temp.join(format!("pyscaffold-state-{uid}")),
            private: true,
        }));
    }
    folders
}

/// The project a staging folder belongs to: its parent, absolute.
fn project_of(stage: &Path) -> PathBuf {
    let parent = match stage.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
}

/// A seal's file name: the hash of the staging folder's absolute path.
fn seal_name(stage: &Path) -> Result<String> {
    let absolute = std::path::absolute(stage)?;
    Ok(crate::digest::sha256_hex(
        absolute.to_string_lossy().as_bytes(),
    ))
}

/// The seal files the journal in `stage` may have, one per state folder.
fn seal_paths(stage: &Path) -> Vec<PathBuf> {
    let Ok(name) = seal_name(stage) else {
        return Vec::new();
    };
    let project = project_of(stage);
    state_folders(&StateEnv::from_process())
        .into_iter()
        // A seal in the temporary folder counts only if that folder is this user's alone, and
        // none inside the project counts.
        .filter(|state| !state.private || is_private(&state.folder))
        .filter(|state| !state.folder.starts_with(&project))
        .map(|state| state.folder.join("journals").join(&name))
        .collect()
}

/// Whether the journal text in `stage` carries this machine's seal.
fn sealed(stage: &Path, text: &str) -> bool {
    let digest = crate::digest::sha256_hex(text.as_bytes());
    seal_paths(stage)
        .iter()
        .any(|seal| fs::read_to_string(seal).is_ok_and(|recorded| recorded.trim() == digest))
}

/// Removes the seal of the journal in `stage`.
pub fn unseal(stage: &Path) {
    for seal in seal_paths(stage) {
        let _ = fs::remove_file(seal);
    }
}

/// Marks the transaction in `stage` complete.
pub fn mark_committed(stage: &Path) -> Result<()> {
    write_synced(&stage.join(COMMITTED), b"")?;
    sync_dir(stage);
    Ok(())
}

/// Does `op`.
pub fn run(root: &Path, stage: &Path, op: &Op) -> Result<()> {
    match op {
        Op::Aside { path, backup } => {
            let from = root.join(path);
            let to = stage.join(backup);
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
            }
            fs::rename(&from, &to)
                .with_context(|| format!("cannot move `{}` aside", from.display()))
        }
        Op::Mkdir { path } => {
            let dir = root.join(path);
            fs::create_dir(&dir)
                .with_context(|| format!("cannot create directory `{}`", dir.display()))
        }
        Op::Place { path, staged, .. } => {
            let to = root.join(path);
            fs::rename(stage.join(staged), &to)
                .with_context(|| format!("cannot write `{}`", to.display()))
        }
    }
}

/// Undoes `ops` in reverse order, each as far as the disk shows it was done. Best effort: it
/// runs after a failure, or in recovery, where every step that can be undone must be.
/// Returns how many files were put back.
pub fn undo(root: &Path, stage: &Path, ops: &[Op]) -> usize {
    let mut put_back = 0;
    for op in ops.iter().rev() {
        match op {
            Op::Place { path, staged, .. } => {
                let staged = stage.join(staged);
                let placed = root.join(path);
                if !exists(&staged) && exists(&placed) {
                    if let Some(dir) = staged.parent() {
                        let _ = fs::create_dir_all(dir);
                    }
                    let _ = fs::rename(&placed, &staged);
                }
            }
            Op::Aside { path, backup } => {
                let backup = stage.join(backup);
                if exists(&backup) {
                    let to = root.join(path);
                    if let Some(dir) = to.parent() {
                        let _ = fs::create_dir_all(dir);
                    }
                    if fs::rename(&backup, &to).is_ok() {
                        put_back += 1;
                    }
                }
            }
            Op::Mkdir { path } => {
                let _ = fs::remove_dir(root.join(path));
            }
        }
    }
    put_back
}

/// Finishes a committed transaction: removes the folders its moves and deletions emptied, then
/// the staging folder.
pub fn finish(root: &Path, stage: &Path, ops: &[Op]) -> Result<()> {
    for gone in gone_paths(ops) {
        remove_empty_parents(root, &gone);
    }
    remove_stage(stage)?;
    unseal(stage);
    Ok(())
}

/// The paths the transaction moved away or deleted (set aside and never placed again).
fn gone_paths(ops: &[Op]) -> BTreeSet<String> {
    let placed: BTreeSet<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Place { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    ops.iter()
        .filter_map(|op| match op {
            Op::Aside { path, .. } if !placed.contains(path.as_str()) => Some(path.clone()),
            _ => None,
        })
        .collect()
}

/// Removes the now-empty folders a moved or deleted file leaves behind (up to the root). A
/// folder already gone is passed over: a run stopped while it removed them left the upper
/// ones, which recovery removes.
fn remove_empty_parents(root: &Path, relative: &str) {
    let mut dir = root.join(relative);
    while dir.pop() && dir != root && dir.starts_with(root) {
        match fs::remove_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => break,
        }
    }
}

/// Removes a staging folder.
pub fn remove_stage(stage: &Path) -> Result<()> {
    match fs::remove_dir_all(stage) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e)
            .with_context(|| format!("cannot remove the staging folder `{}`", stage.display())),
        _ => Ok(()),
    }
}

/// Rolls back or completes every transaction an earlier run left in `root`. Call it with the
/// project lock held: any staging folder is then a dead run's. A staging folder is trusted
/// only as far as it proves itself: one git tracks came with the repository, not from a run
/// here; a journal naming a path outside the project is not pyscaffold's; and nothing is
/// undone over a file that changed since the run (edited, or put where a moved file was), so
/// recovery never loses an edit. Each of these stops it with nothing changed.
pub fn recover(root: &Path) -> Result<Vec<Recovered>> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(root) else {
        return Ok(out);
    };
    let mut stages: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    stages.sort();
    let repo = if stages.is_empty() {
        None
    } else {
        crate::git::discover(root).ok().flatten()
    };
    for stage in stages {
        let name = stage
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(repo) = &repo
            && repo.tracks_under(&name)?
        {
            return Err(bad_input(
                format!(
                    "`{name}` is part of the repository (git tracks files in it), so it is not \
                     a pyscaffold run that stopped here"
                ),
                format!(
                    "remove it from the repository and the folder (`git rm -r --cached {name}`, \
                     then delete it) and run again; nothing was changed"
                ),
            ));
        }
        let text = fs::read_to_string(stage.join(JOURNAL)).ok();
        let journal = match &text {
            Some(text) => serde_json::from_str::<Journal>(text).map_err(|e| {
                bad_input(
                    format!(
                        "the journal of an interrupted pyscaffold run, `{}`, is unreadable: {e}",
                        stage.join(JOURNAL).display()
                    ),
                    format!(
                        "the run stopped before it changed anything only if the journal is \
                         incomplete; check `git status`, then delete `{name}` and run again; \
                         nothing was changed"
                    ),
                )
            })?,
            // No journal: the run died before changing anything.
            None => {
                remove_stage(&stage)?;
                continue;
            }
        };
        if let Some(op) = journal.ops.iter().find(|op| !op.is_inside()) {
            return Err(bad_input(
                format!(
                    "the journal in `{name}` names `{}`, which is not a path inside the project: \
                     pyscaffold did not write it",
                    op.path()
                ),
                format!("delete the folder `{name}` and run again; nothing was changed"),
            ));
        }
        if let Some(op) = journal.ops.iter().find(|op| op.through_link(&stage)) {
            return Err(bad_input(
                format!(
                    "the journal in `{name}` reaches `{}` through a symbolic link: pyscaffold \
                     never writes one there",
                    op.path()
                ),
                format!("delete the folder `{name}` and run again; nothing was changed"),
            ));
        }
        if !sealed(&stage, text.as_deref().unwrap_or_default()) {
            return Err(bad_input(
                format!(
                    "`{name}` holds a journal that no pyscaffold run of this user's on this \
                     machine left (its seal in the state folder is missing), so it is not undone \
                     or completed: it may have come with the project's files, or another user's \
                     run, or one whose seal was lost, left it"
                ),
                format!(
                    "nothing was changed. If it came with the files (`git status` shows it), \
                     delete the folder `{name}`; if not, move it out of the project rather than \
                     delete it: `{name}/old/` holds the files the run moved aside and \
                     `{name}/journal.json` where each was, so you can restore them (or `git \
                     checkout` them), then run again"
                ),
            ));
        }
        if exists(&stage.join(COMMITTED)) {
            finish(root, &stage, &journal.ops)?;
            out.push(Recovered::Completed);
            continue;
        }
        let changed = changed_since(root, &stage, &journal.ops);
        if !changed.is_empty() {
            return Err(bad_input(
                format!(
                    "an earlier pyscaffold run here stopped before it finished, and these files \
                     changed since: {}",
                    changed.join(", ")
                ),
                format!(
                    "undoing that run would overwrite them: move them out of the project (they \
                     are your edits since then), then run again to put the project back as it \
                     was before that run (`{name}/old/` holds its originals); nothing was changed"
                ),
            ));
        }
        let files = undo(root, &stage, &journal.ops);
        let left = left_aside(&stage, &journal.ops);
        if !left.is_empty() {
            anyhow::bail!(
                "an interrupted pyscaffold run could not be undone: {} still in `{}`\nhelp: \
                 move them back by hand (each sits under `old/` at its path in the project), \
                 then remove that folder",
                left.join(", "),
                stage.display()
            );
        }
        remove_stage(&stage)?;
        unseal(&stage);
        out.push(Recovered::RolledBack { files });
    }
    Ok(out)
}

/// What undoing `ops` would overwrite or lose: a placed file edited since (its hash is not the
/// staged text's), a file now where a set-aside one goes back, an original missing from the
/// staging folder.
fn changed_since(root: &Path, stage: &Path, ops: &[Op]) -> Vec<String> {
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for op in ops {
        if let Op::Place {
            path,
            staged,
            sha256,
        } = op
            && !exists(&stage.join(staged))
            && exists(&root.join(path))
        {
            let now = fs::read(root.join(path))
                .map(|b| crate::digest::sha256_hex(&b))
                .unwrap_or_default();
            if now == *sha256 {
                placed.insert(path);
            } else {
                out.push(format!("`{path}` (edited)"));
            }
        }
    }
    for op in ops {
        if let Op::Aside { path, backup } = op {
            let there = exists(&root.join(path));
            let kept = exists(&stage.join(backup));
            if kept && there && !placed.contains(path.as_str()) {
                out.push(format!(
                    "`{path}` (a new file where the run's original goes back)"
                ));
            }
            if !kept && placed.contains(path.as_str()) {
                out.push(format!(
                    "`{path}` (its original is missing from the staging folder)"
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Op {
    /// Whether a folder on the way to its staging path is a symbolic link (which would reach
    /// outside the staging folder).
    fn through_link(&self, stage: &Path) -> bool {
        let inner = match self {
            Op::Aside { backup, .. } => backup.as_str(),
            Op::Place { staged, .. } => staged.as_str(),
            Op::Mkdir { .. } => return false,
        };
        let mut at = stage.to_path_buf();
        inner.split('/').any(|part| {
            at.push(part);
            fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
        })
    }

    /// The project path the operation changes.
    fn path(&self) -> &str {
        match self {
            Op::Aside { path, .. } | Op::Mkdir { path } | Op::Place { path, .. } => path,
        }
    }

    /// Whether every path it names stays inside the project, and its staging paths inside the
    /// staging folder's `old/` and `new/`.
    fn is_inside(&self) -> bool {
        // A project path, never git's own folder (a hook written there would run).
        let safe = |p: &str| {
            crate::paths::is_safe_relative_path(p)
                && !p.split('/').any(|part| part.eq_ignore_ascii_case(".git"))
        };
        match self {
            Op::Aside { path, backup } => {
                safe(path) && backup.strip_prefix("old/").is_some_and(safe)
            }
            Op::Mkdir { path } => safe(path),
            Op::Place { path, staged, .. } => {
                safe(path) && staged.strip_prefix("new/").is_some_and(safe)
            }
        }
    }
}

/// The files still set aside in `stage` after an undo: those that could not be put back.
fn left_aside(stage: &Path, ops: &[Op]) -> Vec<String> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Aside { path, backup } if exists(&stage.join(backup)) => Some(format!("`{path}`")),
            _ => None,
        })
        .collect()
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Writes `bytes` to `path` and syncs it to disk.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file =
        fs::File::create(path).with_context(|| format!("cannot write `{}`", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write `{}`", path.display()))
}

/// Syncs a folder, so the renames in it survive a power cut (best effort: not every file
/// system can).
pub fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staging_folder_belongs_to_its_parent_folder() {
        assert_eq!(
            project_of(Path::new("/srv/api/.pyscaffold-staging-x")),
            PathBuf::from("/srv/api")
        );
        let here = std::path::absolute(".").unwrap();
        assert_eq!(project_of(Path::new(".pyscaffold-staging-x")), here);
        let named = |state: Option<&str>, xdg: Option<&str>| {
            StateEnv {
                pyscaffold_state_dir: state.map(PathBuf::from),
                xdg_state_home: xdg.map(PathBuf::from),
                home: Some(std::env::temp_dir()),
                temps: Vec::new(),
            }
            .named_folder()
        };
        assert_eq!(named(Some("/s"), None), Some(PathBuf::from("/s")));
        assert_eq!(
            named(None, Some("/x")),
            Some(PathBuf::from("/x/pyscaffold"))
        );
        assert_eq!(named(None, Some("rel")), None);
        assert_eq!(named(None, None), None);
    }

    #[test]
    fn state_folders_follow_the_variables_and_ignore_relative_or_missing_homes() {
        let temps = vec![PathBuf::from("/var/tmp"), PathBuf::from("/tmp")];
        let fallback: Vec<StateFolder> = current_user()
            .map(|uid| {
                temps
                    .iter()
                    .map(|t| StateFolder {
                        folder: t.join(format!("pyscaffold-state-{uid}")),
                        private: true,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let folders = |env: StateEnv| -> Vec<PathBuf> {
            let got = state_folders(&env);
            assert!(got.ends_with(&fallback), "{got:?}");
            got.into_iter()
                .filter(|f| !f.private)
                .map(|f| f.folder)
                .collect()
        };
        let root = std::env::temp_dir();
        let env = |state: Option<&str>, xdg: Option<&str>, home: Option<&Path>| StateEnv {
            pyscaffold_state_dir: state.map(PathBuf::from),
            xdg_state_home: xdg.map(PathBuf::from),
            home: home.map(Path::to_path_buf),
            temps: temps.clone(),
        };
        assert_eq!(
            folders(env(Some("/srv/state"), Some("/xdg"), Some(&root))),
            [PathBuf::from("/srv/state")]
        );
        assert_eq!(
            folders(env(Some("rel"), None, None)),
            [std::path::absolute("rel").unwrap()]
        );
        assert_eq!(
            folders(env(None, Some("/xdg"), Some(&root))),
            [PathBuf::from("/xdg/pyscaffold")]
        );
        // A relative XDG_STATE_HOME is ignored, as the XDG specification asks.
        assert_eq!(
            folders(env(None, Some("relstate"), Some(&root))),
            [root.join(".local/state/pyscaffold")]
        );
        // A relative or missing home gives none: only the temporary folder is left.
        assert!(folders(env(None, None, Some(Path::new("rel")))).is_empty());
        assert!(folders(env(None, None, Some(&root.join("no-such-home-here")))).is_empty());
        assert!(folders(env(None, None, None)).is_empty());
    }

    #[test]
    fn emptied_folders_go_even_when_a_stopped_run_removed_the_lower_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // The run removed `docker/env/development/` and stopped before `docker/env/`.
        fs::create_dir_all(root.join("docker/env")).unwrap();
        fs::write(root.join("docker/keep.txt"), "mine\n").unwrap();
        remove_empty_parents(root, "docker/env/development/10-dev-requirements.sh");
        assert!(!root.join("docker/env").exists());
        // A folder that still holds a file stays, and so does everything above it.
        assert!(root.join("docker/keep.txt").exists());
    }

    #[test]
    fn a_journal_naming_paths_outside_the_project_is_refused_and_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("p");
        let stage = root.join(format!("{STAGING_PREFIX}evil"));
        fs::create_dir_all(stage.join("old")).unwrap();
        fs::write(stage.join("old/x"), "PWNED\n").unwrap();
        fs::write(root.join("NOTES.txt"), "mine\n").unwrap();
        for path in ["/tmp/abs.txt", "../up.txt"] {
            let ops = vec![Op::Aside {
                path: path.into(),
                backup: "old/x".into(),
            }];
            write(&stage, &ops).unwrap();
            let err = recover(&root).unwrap_err();
            assert!(
                err.to_string().contains("not a path inside the project"),
                "{err}"
            );
        }
        // Inside the project, but over a file of the user's: refused too.
        let ops = vec![Op::Aside {
            path: "NOTES.txt".into(),
            backup: "old/x".into(),
        }];
        write(&stage, &ops).unwrap();
        let err = recover(&root).unwrap_err();
        assert!(err.to_string().contains("`NOTES.txt` (a new file"), "{err}");
        assert_eq!(
            fs::read_to_string(root.join("NOTES.txt")).unwrap(),
            "mine\n"
        );
        assert!(!tmp.path().join("up.txt").exists());
    }

    #[test]
    fn a_file_edited_after_the_interruption_is_not_rolled_over() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let stage = root.join(format!("{STAGING_PREFIX}1"));
        fs::create_dir_all(stage.join("new")).unwrap();
        fs::write(root.join("Dockerfile"), "old\n").unwrap();
        fs::write(stage.join("new/Dockerfile"), "new\n").unwrap();
        let ops = vec![
            Op::Aside {
                path: "Dockerfile".into(),
                backup: "old/Dockerfile".into(),
            },
            Op::Place {
                path: "Dockerfile".into(),
                staged: "new/Dockerfile".into(),
                sha256: crate::digest::sha256_hex(b"new\n"),
            },
        ];
        write(&stage, &ops).unwrap();
        for op in &ops {
            run(root, &stage, op).unwrap();
        }
        fs::write(root.join("Dockerfile"), "new\nmy line after the crash\n").unwrap();
        let err = recover(root).unwrap_err();
        assert!(err.to_string().contains("`Dockerfile` (edited)"), "{err}");
        assert_eq!(
            fs::read_to_string(root.join("Dockerfile")).unwrap(),
            "new\nmy line after the crash\n"
        );
        assert!(stage.exists(), "the staging folder holds the original");
    }

    #[test]
    fn undo_is_idempotent_and_puts_everything_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("p");
        let stage = root.join(".pyscaffold-staging-t");
        fs::create_dir_all(stage.join("new")).unwrap();
        fs::write(root.join("a"), "old\n").unwrap();
        fs::write(stage.join("new/a"), "new\n").unwrap();
        fs::write(stage.join("new/b"), "b\n").unwrap();
        let ops = vec![
            Op::Aside {
                path: "a".into(),
                backup: "old/a".into(),
            },
            Op::Place {
                path: "a".into(),
                staged: "new/a".into(),
                sha256: crate::digest::sha256_hex(b"new\n"),
            },
            Op::Mkdir { path: "d".into() },
            Op::Place {
                path: "d/b".into(),
                staged: "new/b".into(),
                sha256: crate::digest::sha256_hex(b"b\n"),
            },
        ];
        // Done up to the mkdir: then undone twice (a recovery interrupted and run again).
        for op in &ops[..3] {
            run(&root, &stage, op).unwrap();
        }
        assert_eq!(undo(&root, &stage, &ops), 1);
        undo(&root, &stage, &ops);
        assert_eq!(fs::read_to_string(root.join("a")).unwrap(), "old\n");
        assert!(!root.join("d").exists());
    }

    #[test]
    fn recovery_rolls_back_a_journal_and_completes_a_committed_one() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("x")).unwrap();
        fs::write(root.join("x/gone"), "old\n").unwrap();
        let stage = root.join(format!("{STAGING_PREFIX}1"));
        fs::create_dir_all(&stage).unwrap();
        let ops = vec![Op::Aside {
            path: "x/gone".into(),
            backup: "old/x/gone".into(),
        }];
        write(&stage, &ops).unwrap();
        run(root, &stage, &ops[0]).unwrap();
        assert_eq!(
            recover(root).unwrap(),
            vec![Recovered::RolledBack { files: 1 }]
        );
        assert_eq!(fs::read_to_string(root.join("x/gone")).unwrap(), "old\n");
        assert!(!stage.exists());

        fs::create_dir_all(&stage).unwrap();
        write(&stage, &ops).unwrap();
        run(root, &stage, &ops[0]).unwrap();
        mark_committed(&stage).unwrap();
        assert_eq!(recover(root).unwrap(), vec![Recovered::Completed]);
        assert!(!root.join("x").exists(), "the emptied folder stays");
        assert!(!stage.exists());
    }
}
