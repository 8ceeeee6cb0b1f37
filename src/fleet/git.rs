//! A fleet row for a git repository read without a checkout (`fleet report --git DIR`): the
//! default branch's `.pyscaffold.yml` and the files its upgrade plan looks at, taken from the
//! object database.
//!
//! Platform teams keep bare mirrors of every service (a git server's storage, a backup); a
//! checkout of each would cost a clone per repository and report whatever branch happened to
//! be checked out. Here the branch HEAD names is read, as committed, and nothing is written to
//! the repository.
//!
//! The report's reading of a project is the one `upgrade --check` does on a folder, so rather
//! than teach every check a second way to read, the files it needs are laid out in a private
//! temporary folder: the record, every file the record lists, then any other path the plan
//! looked at that the branch has (a file of yours where a new template version adds one), and
//! the plan is made again when there was such a path. Symbolic links are laid out as links to
//! nothing, so they are refused as on a checkout and never followed.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context as _, Result};
use git2::{ErrorCode, ObjectType, Repository, RepositoryOpenFlags, Tree};
use semver::Version;

use super::{Row, fill};
use crate::error::bad_input;
use crate::paths::{RECORD_FILE, is_safe_relative_path};

/// What a link in the branch points to once laid out: nothing, so it is never followed.
const NOWHERE: &str = ".pyscaffold-fleet-link-target";

/// The largest file read from a branch: pyscaffold's files are a few KiB, and a repository
/// on a git server may hold anything.
const LARGEST: usize = 8 << 20;

/// The run's private folder (mode 0700) the branches are laid out in, one subfolder each;
/// removed when dropped, or by a signal that ends the run first.
pub struct Scratch {
    folder: tempfile::TempDir,
    _removal: crate::interrupt::ScratchFolder,
}

impl Scratch {
    pub fn new() -> Result<Self> {
        use std::os::unix::fs::PermissionsExt as _;
        let mut builder = tempfile::Builder::new();
        builder
            .prefix("pyscaffold-fleet-")
            .permissions(std::fs::Permissions::from_mode(0o700));
        // In memory where the system has a shared-memory folder (tmpfs): thousands of small
        // files written and removed again cost a disk's file system its journal; else the
        // temporary folder ($TMPDIR).
        let folder = match std::env::var_os("TMPDIR") {
            Some(_) => builder.tempdir(),
            None => builder
                .tempdir_in("/dev/shm")
                .or_else(|_| builder.tempdir()),
        }
        .context("cannot create a temporary folder")?;
        let removal = crate::interrupt::remove_on_signal(folder.path());
        Ok(Self {
            folder,
            _removal: removal,
        })
    }
}

/// Sets how this process reads objects, before the first repository is opened: without
/// recomputing each object's hash on every read. A report reads thousands of small objects,
/// and that check was a fifth of the reading (git itself checks hashes when it fetches, and in
/// `git fsck`, not on every read).
pub fn prepare() {
    git2::opts::strict_hash_verification(false);
}

/// The row of the git repository at `dir`, laid out in `scratch`.
pub fn row(dir: &Path, newest: &Version, scratch: Option<&Result<Scratch>>) -> Row {
    let mut row = Row::empty(dir);
    let folder = match scratch {
        Some(Ok(scratch)) => tempfile::Builder::new()
            .prefix("repository-")
            .tempdir_in(scratch.folder.path())
            .context("cannot create a temporary folder"),
        Some(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
        None => Err(anyhow::anyhow!("no temporary folder for git repositories")),
    };
    let folder = match folder {
        Ok(folder) => folder,
        Err(e) => {
            row.failed(&e);
            return row;
        }
    };
    if let Err(e) = read(&mut row, dir, folder.path(), newest) {
        row.failed(&e);
        // Paths in the message are the branch's, not the temporary folder's.
        let inside = folder.path().display().to_string();
        row.error = row.error.map(|text| {
            text.replace(&format!("{inside}/"), "")
                .replace(&inside, ".")
        });
    }
    row
}

fn read(row: &mut Row, dir: &Path, out: &Path, newest: &Version) -> Result<()> {
    let repo = open(dir)?;
    row.branch = head_name(&repo);
    let (branch, tree) = default_branch(&repo, dir)?;
    row.branch = Some(branch.clone());
    let mut layout = Layout {
        repo: &repo,
        odb: repo
            .odb()
            .with_context(|| format!("cannot read the objects of `{}`", dir.display()))?,
        tree: &tree,
        root: out,
        laid: BTreeSet::new(),
        made: BTreeSet::new(),
        trees: HashMap::new(),
    };
    if let (_, Found::Link) = layout.find(RECORD_FILE)? {
        return Err(bad_input(
            format!(
                "`{RECORD_FILE}` on branch `{branch}` of `{}` is a symbolic link; pyscaffold \
                 reads its record only as a plain file in the project",
                dir.display()
            ),
            "commit the record itself in place of the link",
        ));
    }
    if !layout.lay(RECORD_FILE)? {
        return Err(bad_input(
            format!(
                "`{}` has no `{RECORD_FILE}` on branch `{branch}`: it is not a project pyscaffold \
                 generated, or the project is in a subfolder",
                dir.display()
            ),
            "report on a checkout of a subfolder project instead (without `--git`)",
        ));
    }
    let record = crate::record::load(out)?;
    for file in &record.files {
        if is_safe_relative_path(&file.path) {
            layout.lay(&file.path)?;
        }
    }
    // A plan over what is laid out; made again when it looked at a path the branch has and
    // the layout lacked. The second plan reads every such path, so two suffice; three bound
    // the loop all the same.
    for _ in 0..3 {
        let mut attempt = Row::empty(dir);
        attempt.branch = row.branch.clone();
        let looked = fill(&mut attempt, out, record.clone(), newest);
        *row = attempt;
        let mut more = false;
        for path in looked? {
            if is_safe_relative_path(&path) && layout.lay(&path)? {
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    Ok(())
}

/// The repository at `dir` itself (bare, or a clone's folder), never one above it.
fn open(dir: &Path) -> Result<Repository> {
    if !dir.exists() {
        return Err(bad_input(
            format!("`{}` does not exist", dir.display()),
            "give `--git` the folder of a bare repository or a clone",
        ));
    }
    if let Err(e) = std::fs::read_dir(dir) {
        return Err(bad_input(
            format!("cannot read `{}`: {e}", dir.display()),
            "run the report as a user who can read the repository",
        ));
    }
    Repository::open_ext(
        dir,
        RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|e| match e.code() {
        ErrorCode::NotFound => bad_input(
            format!("`{}` is not a git repository", dir.display()),
            "give `--git` bare repositories or a clone's top folder; give project checkouts (and \
             a project in a subfolder of a repository) without `--git`",
        ),
        _ => bad_input(
            format!(
                "cannot open the git repository `{}`: {}",
                dir.display(),
                e.message()
            ),
            "check that the repository is readable by you (and listed in git's \
             `safe.directory` when another user owns it)",
        ),
    })
}

/// The branch HEAD names, even one with no commits yet; `HEAD` when it is detached.
fn head_name(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let name = match head.symbolic_target().ok().flatten() {
        Some(target) => target.trim_start_matches("refs/heads/").to_string(),
        None => "HEAD".to_string(),
    };
    Some(name)
}

/// The branch HEAD names (a bare repository's default branch) and its tree.
fn default_branch<'r>(repo: &'r Repository, dir: &Path) -> Result<(String, Tree<'r>)> {
    let head = match repo.head() {
        Ok(head) => head,
        Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
            let name = head_name(repo).unwrap_or_else(|| "HEAD".to_string());
            return Err(bad_input(
                format!(
                    "`{}` has no commits on its default branch `{name}`",
                    dir.display()
                ),
                "push the project's branch to it, or point HEAD at the branch that has it",
            ));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read HEAD of `{}`", dir.display()));
        }
    };
    let branch = head.shorthand().unwrap_or("HEAD").to_string();
    let tree = head
        .peel_to_tree()
        .with_context(|| format!("cannot read branch `{branch}` of `{}`", dir.display()))?;
    Ok((branch, tree))
}

/// What the branch has at a path, as a checkout would show it.
enum Found<'r> {
    Missing,
    File {
        blob: git2::Blob<'r>,
        executable: bool,
    },
    Link,
    Folder,
}

/// The files of one branch laid out under `root`, each path once.
struct Layout<'a> {
    repo: &'a Repository,
    odb: git2::Odb<'a>,
    tree: &'a Tree<'a>,
    root: &'a Path,
    laid: BTreeSet<String>,
    /// Folders made under `root` so far, so each is made once.
    made: BTreeSet<std::path::PathBuf>,
    /// The branch's folders read so far, by path: a walk down to a file reads each once.
    trees: HashMap<String, Tree<'a>>,
}

impl<'a> Layout<'a> {
    /// Lays out what the branch has at `path` (or the link on the way to it); whether
    /// something new was laid out.
    fn lay(&mut self, path: &str) -> Result<bool> {
        let (at, found) = self.find(path)?;
        if !self.laid.insert(at.clone()) {
            return Ok(false);
        }
        let full = self.root.join(&at);
        let parent = full.parent().unwrap_or(self.root).to_path_buf();
        match found {
            Found::Missing => return Ok(false),
            Found::Folder => self.make(full)?,
            Found::Link => {
                self.make(parent)?;
                std::os::unix::fs::symlink(NOWHERE, &full)
                    .with_context(|| format!("cannot create `{}`", full.display()))?;
            }
            Found::File { blob, executable } => {
                self.make(parent)?;
                std::fs::write(&full, blob.content())
                    .with_context(|| format!("cannot write `{}`", full.display()))?;
                if executable {
                    use std::os::unix::fs::PermissionsExt as _;
                    std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755))
                        .with_context(|| format!("cannot change `{}`", full.display()))?;
                }
            }
        }
        Ok(true)
    }

    /// Makes the folder `dir` (and those above it) once.
    fn make(&mut self, dir: std::path::PathBuf) -> Result<()> {
        if !self.made.contains(&dir) {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            self.made.insert(dir);
        }
        Ok(())
    }

    /// Walks `path` down the branch's tree: where the walk ends, and what is there. A link on
    /// the way ends it (a checkout's folder that is a link); a file where a folder should be,
    /// or a submodule's folder (empty without a checkout), means nothing is at `path`.
    fn find(&mut self, path: &str) -> Result<(String, Found<'a>)> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut current = self.tree.clone();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let prefix = parts[..=i].join("/");
            let next = {
                let Some(entry) = current.get_name(part) else {
                    return Ok((path.to_string(), Found::Missing));
                };
                match entry.kind() {
                    Some(ObjectType::Blob) if entry.filemode() == 0o120_000 => {
                        return Ok((prefix, Found::Link));
                    }
                    Some(ObjectType::Blob) if last => {
                        let read = || format!("cannot read `{path}` from the branch");
                        let (size, _) = self.odb.read_header(entry.id()).with_context(read)?;
                        if size > LARGEST {
                            return Err(bad_input(
                                format!(
                                    "`{path}` is {} MiB on the branch, larger than any file \
                                     pyscaffold reads ({} MiB)",
                                    size >> 20,
                                    LARGEST >> 20
                                ),
                                "restore the file pyscaffold generated",
                            ));
                        }
                        let blob = self.repo.find_blob(entry.id()).with_context(read)?;
                        return Ok((
                            prefix,
                            Found::File {
                                blob,
                                executable: entry.filemode() == 0o100_755,
                            },
                        ));
                    }
                    Some(ObjectType::Tree) if last => return Ok((prefix, Found::Folder)),
                    Some(ObjectType::Tree) => entry.id(),
                    Some(ObjectType::Commit) if last => return Ok((prefix, Found::Folder)),
                    _ => return Ok((path.to_string(), Found::Missing)),
                }
            };
            current = match self.trees.get(&prefix) {
                Some(tree) => tree.clone(),
                None => {
                    let tree = self
                        .repo
                        .find_tree(next)
                        .with_context(|| format!("cannot read `{prefix}/` from the branch"))?;
                    self.trees.insert(prefix, tree.clone());
                    tree
                }
            };
        }
        Ok((path.to_string(), Found::Missing))
    }
}
