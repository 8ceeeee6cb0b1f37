//! What `upgrade` needs from git, through libgit2 (git2): whether the project has uncommitted
//! changes, and recording conflicted files as unmerged in the index, so `git commit` refuses
//! until they are resolved and `git mergetool` offers the three sides.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use git2::{ErrorCode, IndexEntry, IndexTime, Repository, Status};

use crate::plan::Sides;

/// The git repository a project lives in, and the project's folder inside its work tree.
pub struct ProjectRepo {
    repo: Repository,
    /// The project root relative to the work tree, `/`-separated, empty at the top.
    prefix: String,
}

/// The repository holding `root`, if it is in one (with a work tree).
pub fn discover(root: &Path) -> Result<Option<ProjectRepo>> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot resolve `{}`", root.display()))?;
    let repo = match Repository::discover(&root) {
        Ok(repo) => repo,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| {
                format!("cannot open the git repository of `{}`", root.display())
            });
        }
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(None);
    };
    let workdir: PathBuf = workdir.canonicalize().unwrap_or(workdir);
    let Ok(relative) = root.strip_prefix(&workdir) else {
        return Ok(None);
    };
    let prefix = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Some(ProjectRepo { repo, prefix }))
}

impl ProjectRepo {
    fn in_repo(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    /// Which of `paths` (relative to the project) have changes not committed, staged or not,
    /// or were never committed (untracked: git could not give their content back). Only those
    /// paths are looked at, so the check costs the same in a repository of ten files or of a
    /// hundred thousand; ignored files do not count.
    pub fn uncommitted(&self, paths: &[&str]) -> Result<Vec<String>> {
        let changed = Status::INDEX_NEW
            | Status::INDEX_MODIFIED
            | Status::INDEX_DELETED
            | Status::INDEX_RENAMED
            | Status::INDEX_TYPECHANGE
            | Status::WT_NEW
            | Status::WT_MODIFIED
            | Status::WT_DELETED
            | Status::WT_RENAMED
            | Status::WT_TYPECHANGE
            | Status::CONFLICTED;
        let mut dirty = Vec::new();
        for path in paths {
            let in_repo = self.in_repo(path);
            let status = match self.repo.status_file(Path::new(&in_repo)) {
                Ok(status) => status,
                // Neither tracked nor on disk: nothing uncommitted.
                Err(e) if e.code() == ErrorCode::NotFound => continue,
                // A directory where the file should be: the plan reports it as bad input.
                Err(e) if e.code() == ErrorCode::Ambiguous => continue,
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot read `git status` of `{in_repo}`"));
                }
            };
            if status.intersects(changed) {
                dirty.push((*path).to_string());
            }
        }
        dirty.sort();
        Ok(dirty)
    }

    /// Whether git tracks any file under `folder` (relative to the project).
    pub fn tracks_under(&self, folder: &str) -> Result<bool> {
        let index = self.repo.index().context("cannot open the git index")?;
        let prefix = format!("{}/", self.in_repo(folder));
        Ok(index
            .iter()
            .any(|entry| entry.path.starts_with(prefix.as_bytes())))
    }

    /// Records each conflicted file as unmerged (stages 1, 2 and 3) in the index.
    pub fn mark_unmerged(&self, conflicts: &[(String, Sides, bool)]) -> Result<()> {
        if conflicts.is_empty() {
            return Ok(());
        }
        let mut index = self.repo.index().context("cannot open the git index")?;
        for (path, sides, executable) in conflicts {
            let in_repo = self.in_repo(path);
            let mode = if *executable { 0o100_755 } else { 0o100_644 };
            index
                .remove_path(Path::new(&in_repo))
                .with_context(|| format!("cannot update `{in_repo}` in the git index"))?;
            let stages = [
                (1u16, sides.base.as_deref()),
                (2, Some(sides.ours.as_str())),
                (3, Some(sides.theirs.as_str())),
            ];
            for (stage, text) in stages {
                let Some(text) = text else { continue };
                let id = self
                    .repo
                    .blob(text.as_bytes())
                    .with_context(|| format!("cannot store a side of `{in_repo}` in git"))?;
                let entry = IndexEntry {
                    ctime: IndexTime::new(0, 0),
                    mtime: IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode,
                    uid: 0,
                    gid: 0,
                    file_size: u32::try_from(text.len()).unwrap_or(u32::MAX),
                    id,
                    flags: stage << 12,
                    flags_extended: 0,
                    path: in_repo.clone().into_bytes(),
                };
                index
                    .add(&entry)
                    .with_context(|| format!("cannot mark `{in_repo}` as unmerged"))?;
            }
        }
        index.write().context("cannot write the git index")
    }
}
