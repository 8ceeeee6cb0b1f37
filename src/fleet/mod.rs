//! Where every repository of a fleet stands, for `pyscaffold fleet report`: template and pack
//! versions, how far behind the newest each is, locked answers its record contradicts, managed
//! files edited since generation, and what `upgrade --check` predicts.
//!
//! A repository is a checkout (read as `upgrade --check` reads it) or a git repository read
//! without a checkout ([`git`]: its default branch, from the object database). Nothing is
//! written to either. A repository that cannot be read is a row with its error, so one broken
//! repository does not hide the rest.

pub mod git;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use semver::Version;
use serde::Serialize;

use crate::progress::Progress;
use crate::record::Record;
use crate::template_set::builtin;
use crate::upgrade::{Request, managed_paths, on_disk, prepare_project, refuse_markers_in};

/// A repository to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repository {
    /// A project's folder: its files as they are on disk.
    Checkout(PathBuf),
    /// A git repository (bare or not): its default branch, as committed.
    Git(PathBuf),
}

impl Repository {
    /// The folder named, as its row shows it.
    pub fn path(&self) -> &Path {
        match self {
            Self::Checkout(path) | Self::Git(path) => path,
        }
    }
}

/// One repository's row (`--format json` prints these under `repositories`).
#[derive(Debug, Serialize)]
pub struct Row {
    pub path: String,
    /// For a git repository: the branch read (its default branch, where HEAD points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Versions>,
    pub packs: Vec<PackVersions>,
    /// Answers in the record that a pack lock (recorded or newest) says otherwise.
    pub locked_violations: Vec<Violation>,
    /// Managed files edited since they were generated.
    pub drifted: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// Why the repository could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Row {
    fn empty(path: &Path) -> Self {
        Self {
            path: path.display().to_string(),
            branch: None,
            template: None,
            packs: Vec::new(),
            locked_violations: Vec::new(),
            drifted: Vec::new(),
            prediction: None,
            error: None,
        }
    }

    /// Records `error` (its first line, secrets redacted, control characters escaped: a path
    /// in a repository can hold any) as why the row is incomplete.
    fn failed(&mut self, error: &anyhow::Error) {
        let text = format!("{error:#}");
        let line = crate::error::redact(text.lines().next().unwrap_or_default());
        self.error = Some(crate::error::escape_controls(&line));
    }
}

#[derive(Debug, Serialize)]
pub struct Versions {
    pub version: String,
    pub newest: String,
    /// Releases between the two.
    pub behind: usize,
}

#[derive(Debug, Serialize)]
pub struct PackVersions {
    pub name: String,
    pub source: String,
    pub version: String,
    pub newest: String,
    pub behind: usize,
}

#[derive(Debug, Serialize)]
pub struct Violation {
    pub question: String,
    pub answer: String,
    pub locked: String,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct Prediction {
    /// `up-to-date`, `upgrade-available`, `conflicts` or `drift`, as `upgrade --check` says.
    pub status: &'static str,
    pub exit_code: u8,
    pub conflicts: Vec<String>,
}

/// The rows of `repositories`, in their order, read by one thread per core: each repository
/// is read on its own, so the threads share only the queue.
pub fn rows(repositories: &[Repository], newest: &Version, progress: &Progress) -> Vec<Row> {
    // Git repositories are laid out in a private folder, removed at the end, or by a signal
    // that ends the run first.
    let scratch = repositories
        .iter()
        .any(|r| matches!(r, Repository::Git(_)))
        .then(|| {
            git::prepare();
            git::Scratch::new()
        });
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(repositories.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut rows: Vec<(usize, Row)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(repository) = repositories.get(i) else {
                            break;
                        };
                        progress.step(&repository.path().display().to_string());
                        mine.push((i, row(repository, newest, scratch.as_ref())));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker's panic is the command's: no row is silently missing.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// One repository's row; what cannot be read is the row's error. A git repository is laid
/// out in `scratch`.
fn row(
    repository: &Repository,
    newest: &Version,
    scratch: Option<&anyhow::Result<git::Scratch>>,
) -> Row {
    match repository {
        Repository::Checkout(path) => {
            let mut row = Row::empty(path);
            if let Err(e) =
                crate::record::load(path).and_then(|record| fill(&mut row, path, record, newest))
            {
                row.failed(&e);
            }
            row
        }
        Repository::Git(path) => git::row(path, newest, scratch),
    }
}

/// Fills `row` from the project at `root` whose record is `record`. Returns every path the
/// upgrade plan looked at (where it ends up, and where it moves from), so a caller that laid
/// out only some of a repository's files can tell whether it left one out.
fn fill(row: &mut Row, root: &Path, record: Record, newest: &Version) -> Result<Vec<String>> {
    let version = Version::parse(&record.template.version).ok();
    row.template = Some(Versions {
        version: record.template.version.clone(),
        newest: newest.to_string(),
        behind: version.as_ref().map_or(0, |v| {
            builtin::versions()
                .map(|all| all.iter().filter(|x| *x > v).count())
                .unwrap_or(0)
        }),
    });
    // The recorded versions first, so a row that fails later still shows them.
    for recorded in &record.packs {
        row.packs.push(PackVersions {
            name: recorded.name.clone(),
            source: recorded.source.clone(),
            version: recorded.version.clone(),
            newest: "-".to_string(),
            behind: 0,
        });
    }
    let target_packs = crate::pack::for_upgrade(&record.packs, &[])?;
    row.packs.clear();
    for recorded in &record.packs {
        let target = target_packs
            .iter()
            .find(|p| p.manifest.name == recorded.name);
        let newest_pack = target.map_or_else(|| "-".to_string(), |p| p.manifest.version.clone());
        let behind = match (Version::parse(&recorded.version), target) {
            (Ok(from), Some(t)) => {
                crate::pack::source::releases_between(&recorded.source, &from, &t.version()?)
            }
            _ => 0,
        };
        row.packs.push(PackVersions {
            name: recorded.name.clone(),
            source: recorded.source.clone(),
            version: recorded.version.clone(),
            newest: newest_pack,
            behind,
        });
    }
    let request = Request {
        dir: root.to_path_buf(),
        use_defaults: true,
        target_packs: Some(target_packs.clone()),
        ..Request::default()
    };
    let project = crate::project::load_with(root, record.clone())?;
    // The leftover markers `upgrade` refuses, looked for in the texts the plan read (each file
    // is read once); a file the plan did not read, or a plan that failed, reads from disk.
    let managed = managed_paths(&project);
    let prepared = match prepare_project(project, &request, None) {
        Ok(prepared) => prepared,
        Err(e) => {
            refuse_markers_in(&managed, on_disk(root))?;
            return Err(e);
        }
    };
    let read: HashMap<&str, &str> = prepared
        .plan
        .steps
        .iter()
        .filter_map(|s| Some((s.from.as_deref().unwrap_or(&s.path), s.old.as_deref()?)))
        .collect();
    let disk = on_disk(root);
    refuse_markers_in(&managed, |path| match read.get(path) {
        Some(text) => Some(Cow::Borrowed(*text)),
        None => disk(path),
    })?;
    let recorded_set = crate::pack::layered(
        &version.unwrap_or_else(|| newest.clone()),
        &crate::pack::load_recorded(&record.packs)?
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
    )?;
    // A lock is violated when the repository's answers contradict a lock it was generated
    // with; one a newer pack release adds is what upgrading brings (the row is behind).
    for lock in &recorded_set.locked {
        if let Some(answer) = record.answers.get(&lock.id)
            && *answer != lock.value
            && !row
                .locked_violations
                .iter()
                .any(|v| v.question == lock.id && v.locked == lock.value.to_string())
        {
            row.locked_violations.push(Violation {
                question: lock.id.clone(),
                answer: answer.to_string(),
                locked: lock.value.to_string(),
                by: lock.by.clone(),
            });
        }
    }
    row.drifted = prepared
        .plan
        .steps
        .iter()
        .filter(|s| s.drifted)
        .map(|s| s.path.clone())
        .collect();
    let code = prepared.check_status();
    row.prediction = Some(Prediction {
        status: crate::upgrade::status_name(code),
        exit_code: code,
        conflicts: prepared.conflicts().iter().map(|s| s.to_string()).collect(),
    });
    Ok(prepared
        .plan
        .steps
        .iter()
        .flat_map(|s| std::iter::once(s.path.clone()).chain(s.from.clone()))
        .collect())
}
