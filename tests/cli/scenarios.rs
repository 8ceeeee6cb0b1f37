//! Upgrade scenarios as files, in cargo's style: each folder of `tests/scenarios/upgrade/` is one
//! case a reader can follow without Rust.
//!
//! - `case.yml`: what is generated (`new` arguments), whether it is a git repository, the edits
//!   the user makes (`replace` text in a file, `append` to one, `write` a file, `remove` one),
//!   the command run, and its exit status;
//! - `out/`: every file the command created or changed, as it is afterwards (`.gitattributes`
//!   and `.gitignore` kept as `gitattributes.txt` and `gitignore.txt`, so git does not apply them);
//! - `gone`: the files the command removed, one a line;
//! - `stdout`, `stderr`: what it printed; `git-status`: `git status --porcelain` afterwards.
//!
//! Everything else must be exactly as the user left it. After an intended change, run
//! `PYSCAFFOLD_BLESS=1 cargo test --test cli scenarios` and review the diff in git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use similar::TextDiff;

use crate::support::{commit_all, generate, git, read_tree, run, stderr, stdout};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// One line on what the case shows.
    about: String,
    /// `pyscaffold new demo ARGS`.
    new: Vec<String>,
    #[serde(default)]
    git: bool,
    #[serde(default)]
    edits: Vec<EditSpec>,
    /// pyscaffold commands run after the edits (e.g. `[eject, Dockerfile]`).
    #[serde(default)]
    before: Vec<Vec<String>>,
    /// Edits made after the commit (git only): left uncommitted.
    #[serde(default)]
    uncommitted: Vec<EditSpec>,
    /// The command, after `pyscaffold`.
    run: Vec<String>,
    exit: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditSpec {
    path: String,
    #[serde(default)]
    replace: Option<(String, String)>,
    #[serde(default)]
    append: Option<String>,
    #[serde(default)]
    write: Option<String>,
    #[serde(default)]
    remove: bool,
}

/// The name a project file is kept under in `out/`: git would read a `.gitattributes` or
/// `.gitignore` there as its own, so those are kept as `gitattributes.txt` / `gitignore.txt`.
fn stored(path: &str) -> String {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let name = match name {
        ".gitattributes" | ".gitignore" => format!("{}.txt", &name[1..]),
        other => other.to_string(),
    };
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/upgrade")
}

fn apply_edit(root: &Path, edit: &EditSpec) {
    let file = root.join(&edit.path);
    if edit.remove {
        std::fs::remove_file(&file).unwrap_or_else(|e| panic!("remove {}: {e}", edit.path));
        return;
    }
    if let Some(text) = &edit.write {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        return;
    }
    let mut text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", edit.path));
    if let Some((from, to)) = &edit.replace {
        assert!(
            text.contains(from.as_str()),
            "{}: no `{from}` to replace",
            edit.path
        );
        text = text.replacen(from.as_str(), to, 1);
    }
    if let Some(more) = &edit.append {
        text.push_str(more);
    }
    std::fs::write(&file, text).unwrap();
}

/// The project's files, without git's own.
fn project_tree(root: &Path) -> BTreeMap<String, String> {
    read_tree(root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".git/"))
        .collect()
}

/// What one case produced, as the files that describe it.
fn outcome(case: &Case, root: &Path) -> BTreeMap<String, String> {
    for args in &case.before {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(root, &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    if case.git {
        commit_all(root, "my edits");
    }
    for edit in &case.uncommitted {
        apply_edit(root, edit);
    }
    let before = project_tree(root);
    let args: Vec<&str> = case.run.iter().map(String::as_str).collect();
    let out = run(root, &args);
    let after = project_tree(root);
    let mut files = BTreeMap::new();
    let shown = root.display().to_string();
    let filter = |text: String| text.replace(&shown, "[ROOT]");
    files.insert("stdout".to_string(), filter(stdout(&out)));
    files.insert("stderr".to_string(), filter(stderr(&out)));
    files.insert(
        "exit".to_string(),
        format!("{}\n", out.status.code().unwrap_or(-1)),
    );
    for (path, text) in &after {
        if before.get(path) != Some(text) {
            files.insert(format!("out/{}", stored(path)), text.clone());
        }
    }
    let gone: String = before
        .keys()
        .filter(|p| !after.contains_key(*p))
        .map(|p| format!("{p}\n"))
        .collect();
    if !gone.is_empty() {
        files.insert("gone".to_string(), gone);
    }
    if case.git {
        let status = git(root, &["status", "--porcelain"]);
        files.insert("git-status".to_string(), stdout(&status));
    }
    files
}

#[test]
fn upgrade_scenarios_match_their_folders() {
    let bless = std::env::var_os("PYSCAFFOLD_BLESS").is_some();
    let mut failures = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "expected the upgrade scenarios in {names:?}"
    );
    for dir in names {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let case: Case =
            serde_saphyr::from_str(&std::fs::read_to_string(dir.join("case.yml")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/case.yml: {e}"));
        assert!(!case.about.is_empty(), "{name}: say what the case shows");
        let mut new_args: Vec<&str> = case.new.iter().map(String::as_str).collect();
        new_args.insert(0, "-y");
        let (_tmp, root) = generate("demo", &new_args);
        if case.git {
            commit_all(&root, "generated");
        }
        for edit in &case.edits {
            apply_edit(&root, edit);
        }
        let actual = outcome(&case, &root);
        let code = actual["exit"].trim().parse::<i32>().unwrap();
        if code != case.exit {
            failures.push(format!(
                "{name}: exit {code}, expected {}\n{}",
                case.exit, actual["stderr"]
            ));
        }
        let expected: BTreeMap<String, String> = read_tree(&dir)
            .into_iter()
            .filter(|(p, _)| p != "case.yml")
            .collect();
        if bless {
            for path in expected.keys() {
                std::fs::remove_file(dir.join(path)).unwrap();
            }
            let _ = std::fs::remove_dir_all(dir.join("out"));
            for (path, text) in &actual {
                if path == "exit" {
                    continue;
                }
                let target = dir.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
            continue;
        }
        let paths: std::collections::BTreeSet<&String> = actual
            .keys()
            .filter(|p| *p != "exit")
            .chain(expected.keys())
            .collect();
        for path in paths {
            let old = expected.get(path).map(String::as_str);
            let new = actual.get(path).map(String::as_str);
            if old != new {
                failures.push(
                    TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""))
                        .unified_diff()
                        .header(
                            &format!("scenarios/upgrade/{name}/{path}"),
                            &format!("actual/{path}"),
                        )
                        .to_string(),
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "upgrade scenarios differ from tests/scenarios/upgrade (PYSCAFFOLD_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}
