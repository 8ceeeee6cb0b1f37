//! The walk: which files detection looks at. It honours `.gitignore` (also outside a git
//! checkout) with the `ignore` crate and never enters virtualenvs, `node_modules`, VCS, cache
//! or build folders, and it reads nothing: readers open only the few files they need, so a
//! repository of 100,000 files is listed, not read.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use ignore::WalkBuilder;
use ignore::gitignore::GitignoreBuilder;

use super::{Evidence, Finding, Warning, WarningKind, relative};

/// How deep Python files are looked at for an app (`src/pkg/api/app.py` is depth 4).
const CODE_DEPTH: usize = 5;

/// Folders never entered, whatever `.gitignore` says.
const SKIPPED: [&str; 18] = [
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "site-packages",
    ".eggs",
    "htmlcov",
    ".idea",
];

#[derive(Debug, Default)]
pub struct Tree {
    /// Python files up to [`CODE_DEPTH`], relative and `/`-separated, sorted.
    pub python_files: Vec<String>,
    /// `manage.py` files at any depth the walk reached.
    pub manage_py: Vec<String>,
    /// `requirements/*.txt` (and `requirements*.txt` at the top).
    pub requirement_files: Vec<String>,
    /// Entries of the top folder that the walk kept: (name, is_dir).
    pub top: Vec<(String, bool)>,
    /// Paths below the folder that git tracks (`/`-separated, relative); empty outside git.
    pub tracked: BTreeSet<String>,
}

/// What git tracks below `root`, relative to it: a tracked file is in every clone, whatever
/// `.gitignore` says.
fn tracked(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(repo) = git2::Repository::discover(root) else {
        return out;
    };
    let (Some(top), Ok(here)) = (
        repo.workdir().and_then(|w| w.canonicalize().ok()),
        root.canonicalize(),
    ) else {
        return out;
    };
    let Ok(inside) = here.strip_prefix(&top) else {
        return out;
    };
    let prefix = inside.to_string_lossy().replace('\\', "/");
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let Ok(index) = repo.index() else {
        return out;
    };
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if let Some(rel) = path.strip_prefix(&prefix) {
            out.insert(rel.to_string());
        }
    }
    out
}

impl Tree {
    /// Whether git tracks `rel` or anything below it.
    pub fn is_tracked(&self, rel: &str) -> bool {
        let folder = format!("{}/", rel.trim_end_matches('/'));
        self.tracked.contains(rel)
            || self
                .tracked
                .range(folder.clone()..)
                .next()
                .is_some_and(|p| p.starts_with(&folder))
    }
}

pub fn scan(root: &Path) -> Result<Tree> {
    let mut tree = Tree::default();
    let walk = WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .max_depth(Some(CODE_DEPTH))
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && (SKIPPED.contains(&name.as_ref())
                    || name.ends_with(".egg-info")
                    || entry.path().join("pyvenv.cfg").is_file()))
        })
        .build();
    for entry in walk {
        let entry = entry?;
        if entry.depth() == 0 {
            continue;
        }
        let rel = relative(root, entry.path());
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if entry.depth() == 1 {
            tree.top.push((rel.clone(), is_dir));
        }
        // Only regular files are read: a FIFO or socket would block the walk.
        if is_dir || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name.ends_with(".py") {
            if name == "manage.py" {
                tree.manage_py.push(rel.clone());
            }
            tree.python_files.push(rel);
        } else if name.ends_with(".txt")
            && ((entry.depth() == 1 && name.starts_with("requirements"))
                || (entry.depth() == 2 && rel.starts_with("requirements/")))
        {
            tree.requirement_files.push(rel);
        }
    }
    // A folder .gitignore matches but git tracks is in every clone: it is the app's too.
    tree.tracked = tracked(root);
    let mut extra = Vec::new();
    for rel in &tree.tracked {
        let first = rel.split('/').next().unwrap_or(rel);
        let is_dir = rel.contains('/');
        let known = tree
            .top
            .iter()
            .chain(extra.iter())
            .any(|(name, _)| name == first);
        let skipped = is_dir && SKIPPED.contains(&first);
        if !known && !skipped && root.join(first).exists() {
            extra.push((first.to_string(), is_dir));
        }
    }
    tree.top.extend(extra);
    tree.python_files.sort();
    tree.manage_py
        .sort_by_key(|p| (p.matches('/').count(), p.clone()));
    tree.requirement_files.sort();
    tree.top.sort();
    Ok(tree)
}

/// Top-level entries that are never part of the image: tests, docs, CI, packaging, manifests
/// (the Dockerfile copies those itself), virtualenvs and editor files.
fn not_shipped(name: &str) -> bool {
    const NAMES: [&str; 30] = [
        "tests",
        "test",
        "docs",
        "doc",
        "Dockerfile",
        "docker",
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "Procfile",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "requirements",
        "runtime.txt",
        "tox.ini",
        "noxfile.py",
        "pytest.ini",
        "conftest.py",
        "mise.toml",
        "Makefile",
        "LICENSE",
        "env",
        "instance",
    ];
    name.starts_with('.')
        || NAMES.contains(&name)
        || name.starts_with("requirements")
        || name.starts_with("README")
        || name.starts_with("LICENSE")
        || name.starts_with("CHANGELOG")
        || name.ends_with(".md")
        || name.ends_with(".rst")
        || name.ends_with(".lock")
}

/// What the image copies from `source_root` (empty: the project root): every entry of it that
/// is not tests, docs, CI or packaging — the app's packages beside the project package,
/// Django's top-level `templates/` and `static/`, `manage.py` — never a guess at one package.
pub fn copy_roots(tree: &Tree, source_root: &str) -> Finding<Vec<String>> {
    let mut copy = Vec::new();
    let mut evidence = Vec::new();
    if source_root.is_empty() {
        for (name, is_dir) in &tree.top {
            if not_shipped(name) || (!is_dir && !name.ends_with(".py")) {
                continue;
            }
            let shown = if *is_dir {
                format!("{name}/")
            } else {
                name.clone()
            };
            evidence.push(Evidence::at(
                shown.clone(),
                None,
                if *is_dir {
                    "a folder of the app"
                } else {
                    "a module of the app"
                },
            ));
            copy.push(shown);
        }
    } else {
        copy.push(format!("{source_root}/"));
        evidence.push(Evidence::at(
            format!("{source_root}/"),
            None,
            "the folder the app runs in",
        ));
    }
    Finding::certain(copy, evidence)
}

/// Modules the app imports from the repository that its `.gitignore` keeps out of git (GitHub's
/// Python template ignores `lib/`): the walk skips them, so the image would not copy them, and
/// a clean clone does not have them.
pub fn ignored_imports(
    root: &Path,
    tree: &Tree,
    source_root: &str,
    imports: &[(String, usize, String)],
) -> Vec<String> {
    let file = root.join(".gitignore");
    if !file.is_file() {
        return vec![];
    }
    let mut builder = GitignoreBuilder::new(root);
    if builder.add(&file).is_some() {
        return vec![];
    }
    let Ok(ignore) = builder.build() else {
        return vec![];
    };
    let base = if source_root.is_empty() {
        String::new()
    } else {
        format!("{source_root}/")
    };
    let mut warned = Vec::new();
    let mut warnings = Vec::new();
    for (from, line, module) in imports {
        if warned.contains(module) {
            continue;
        }
        for (rel, is_dir) in [
            (format!("{base}{module}"), true),
            (format!("{base}{module}.py"), false),
        ] {
            let path = root.join(&rel);
            if (is_dir && !path.is_dir()) || (!is_dir && !path.is_file()) || tree.is_tracked(&rel) {
                continue;
            }
            let matched = ignore.matched_path_or_any_parents(&rel, is_dir);
            if let Some(glob) = matched.inner().filter(|_| matched.is_ignore()) {
                let shown = if is_dir {
                    format!("{rel}/")
                } else {
                    rel.clone()
                };
                warnings.push(format!(
                    "{from}:{line} imports `{module}`, but `.gitignore` pattern `{}` ignores \
                     `{shown}`: it is not copied into the image, and a clean clone does not have \
                     it; help: add `!/{shown}` to .gitignore and commit it, or rename the folder",
                    glob.original()
                ));
                warned.push(module.clone());
            }
        }
    }
    warnings
}

/// Paths the packaging writes that the repository's `.gitignore` would keep out of git (GitHub's
/// Python template ignores `env/`, `build/`, `lib/`, ...): a clean clone would not build.
/// The `.gitignore` pattern of `root` that keeps `path` (a file) out of git, if any.
pub fn gitignore_hides(root: &Path, path: &str) -> Option<String> {
    let file = root.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(root);
    if builder.add(&file).is_some() {
        return None;
    }
    let ignore = builder.build().ok()?;
    let matched = ignore.matched_path_or_any_parents(path, false);
    matched
        .inner()
        .filter(|_| matched.is_ignore())
        .map(|g| g.original().to_string())
}

/// Lock files (and the requirements file) the image installs from that the repository's
/// `.gitignore` keeps out of git: a clean clone, and CI, would not have them.
pub fn ignored_locks(root: &Path) -> Vec<Warning> {
    [
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "Pipfile.lock",
        "requirements.txt",
    ]
    .into_iter()
    .filter(|lock| root.join(lock).is_file())
    .filter_map(|lock| {
        let pattern = gitignore_hides(root, lock)?;
        Some(Warning::other(format!(
            "`.gitignore` pattern `{pattern}` ignores `{lock}`, which the image installs \
                 from: a clean clone (and CI) would not have it; help: remove the pattern, or add \
                 `!{lock}` to .gitignore, and commit the file"
        )))
    })
    .collect()
}

pub fn gitignore_warnings(root: &Path, writes: &[String]) -> Vec<Warning> {
    let file = root.join(".gitignore");
    if !file.is_file() {
        return vec![];
    }
    let mut builder = GitignoreBuilder::new(root);
    if builder.add(&file).is_some() {
        return vec![];
    }
    let Ok(ignore) = builder.build() else {
        return vec![];
    };
    // The files the packaging writes and every folder they are in.
    let mut written: Vec<(String, bool)> = Vec::new();
    for path in writes {
        let mut folder = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            folder = if folder.is_empty() {
                part.to_string()
            } else {
                format!("{folder}/{part}")
            };
            if !written.contains(&(folder.clone(), true)) {
                written.push((folder.clone(), true));
            }
        }
        written.push((path.clone(), false));
    }
    let mut warnings = Vec::new();
    for (path, is_dir) in &written {
        let (path, is_dir) = (path.as_str(), *is_dir);
        let matched = ignore.matched_path_or_any_parents(path, is_dir);
        if let Some(glob) = matched.inner().filter(|_| matched.is_ignore()) {
            warnings.push(Warning {
                kind: WarningKind::GitignoreHidesPackaging,
                text: format!(
                    "`.gitignore` pattern `{}` ignores `{path}`, which the packaging writes: a clean clone would not build; help: add `!{path}{}` to .gitignore",
                    glob.original(),
                    if is_dir { "/" } else { "" }
                ),
            });
            break;
        }
    }
    warnings
}
