//! The installer: lock files, tool tables, manifests; and the uv workspace a folder is a member of.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::detect::deps::*;
use crate::detect::{Evidence, Finding, line_of, read_optional};

/// The installer: `uv.lock`, `poetry.lock` (or `[tool.poetry]`), `pdm.lock`, `Pipfile.lock` or
/// `Pipfile`, `requirements.txt` (pip-tools when compiled), a lone pyproject.toml. Two lock
/// files of different installers are ambiguous.
pub fn installer(root: &Path, m: &Manifests) -> Finding<String> {
    let lock_of = |lock: &str| match lock {
        "uv.lock" => "uv",
        "poetry.lock" => "poetry",
        "pdm.lock" => "pdm",
        _ => "pipenv",
    };
    let others = |chosen: &str| -> Option<String> {
        let mut also = Vec::new();
        if m.requirements_txt && chosen != "pip" {
            also.push("requirements.txt");
        }
        (!also.is_empty()).then(|| {
            format!(
                "{} is there too; the {chosen} files are the ones installed",
                also.join(", ")
            )
        })
    };
    match m.locks.as_slice() {
        [] => {}
        [lock] => {
            let chosen = lock_of(lock);
            let mut finding =
                Finding::certain(chosen, vec![Evidence::at(*lock, None, "lock file")]);
            if let Some(note) = others(chosen) {
                finding = finding.noted(note);
            }
            return finding;
        }
        many => {
            return Finding::ambiguous(
                many.iter().map(|l| lock_of(l).to_string()).collect(),
                many.iter()
                    .map(|l| Evidence::at(*l, None, "lock file"))
                    .collect(),
            )
            .noted(
                "lock files of different installers: keep the one you use, or give `--installer`",
            );
        }
    }
    if let Some(p) = &m.pyproject {
        let table = |name: &str| {
            p.text
                .lines()
                .position(|l| l.trim() == format!("[tool.{name}]"))
                .map(|i| i + 1)
        };
        for (tool, present) in [
            ("poetry", p.file.tool.poetry.is_some()),
            ("uv", p.file.tool.uv.is_some()),
            ("pdm", p.file.tool.pdm.is_some()),
        ] {
            if present {
                return Finding::certain(
                    tool,
                    vec![Evidence::at(
                        "pyproject.toml",
                        table(tool),
                        format!("[tool.{tool}]"),
                    )],
                )
                .noted(format!("no lock file yet: `{tool} lock` writes one"));
            }
        }
    }
    if m.pipfile.is_some() {
        return Finding::certain(
            "pipenv",
            vec![Evidence::at(
                "Pipfile",
                None,
                "Pipfile (no Pipfile.lock yet)",
            )],
        )
        .noted("no Pipfile.lock yet: `pipenv lock` writes one");
    }
    if m.requirements_txt {
        if root.join("requirements.in").is_file() {
            return Finding::certain(
                "pip-tools",
                vec![Evidence::at(
                    "requirements.in",
                    None,
                    "compiled into requirements.txt",
                )],
            );
        }
        if let Ok(Some(text)) = read_optional(&root.join("requirements.txt"))
            && let Some(i) = text
                .lines()
                .take(10)
                .position(|l| l.contains("pip-compile"))
        {
            return Finding::certain(
                "pip-tools",
                vec![Evidence::at(
                    "requirements.txt",
                    Some(i + 1),
                    text.lines().nth(i).unwrap_or("").trim(),
                )],
            );
        }
        return Finding::certain(
            "pip",
            vec![Evidence::at("requirements.txt", None, "requirements file")],
        );
    }
    if let Some(p) = &m.pyproject {
        if let Some(backend) = p
            .file
            .build_system
            .as_ref()
            .and_then(|b| b.build_backend.as_ref())
        {
            let line = line_of(&p.text, backend.span().start);
            if backend.get_ref().starts_with("flit_core") {
                return Finding::certain(
                    "flit",
                    vec![Evidence::at(
                        "pyproject.toml",
                        Some(line),
                        format!("build-backend = \"{}\"", backend.get_ref()),
                    )],
                );
            }
            return Finding::guess(
                "uv",
                vec![Evidence::at(
                    "pyproject.toml",
                    Some(line),
                    format!("build-backend = \"{}\"", backend.get_ref()),
                )],
            )
            .noted(
                "a pyproject.toml without a lock file or installer table: uv locks it (`uv lock`)",
            );
        }
        return Finding::guess(
            "uv",
            vec![Evidence::at(
                "pyproject.toml",
                None,
                "pyproject.toml, no lock file",
            )],
        )
        .noted("a pyproject.toml without a lock file or installer table: uv locks it (`uv lock`)");
    }
    Finding::guess("pip", vec![]).noted("no dependency manifest: a requirements.txt is expected")
}

/// The uv workspace `root` is a member of: a `pyproject.toml` above it (up to the
/// repository's top, at most 8 levels) whose `[tool.uv.workspace]` members glob matches it
/// and excludes do not. The value is the path from `root` to the workspace root (`..`).
pub fn uv_workspace(root: &Path) -> Option<Finding<String>> {
    let here = root.canonicalize().ok()?;
    if here.join(".git").exists() {
        return None;
    }
    let mut dir = here.as_path();
    let mut back = String::new();
    for _ in 0..8 {
        let parent = dir.parent()?;
        back = if back.is_empty() {
            "..".into()
        } else {
            format!("{back}/..")
        };
        let member = here
            .strip_prefix(parent)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/");
        if let Ok(Some(text)) = read_optional(&parent.join("pyproject.toml")) {
            match workspace_membership(&text, &member, &back) {
                Ok(Some(found)) => return Some(found),
                Ok(None) => {}
                // A members glob uv cannot read either: said as the workspace, which init
                // refuses with the glob named.
                Err(why) => {
                    return Some(Finding::none().noted(why).with_evidence(vec![Evidence::at(
                        format!("{back}/pyproject.toml"),
                        None,
                        "[tool.uv.workspace]",
                    )]));
                }
            }
        }
        if parent.join(".git").exists() {
            return None;
        }
        dir = parent;
    }
    None
}

/// Whether `[tool.uv.workspace]` in `text` takes `member` (relative, `/`-separated).
pub(crate) fn workspace_membership(
    text: &str,
    member: &str,
    back: &str,
) -> Result<Option<Finding<String>>, String> {
    #[derive(Deserialize)]
    struct File {
        tool: Option<ToolUv>,
    }
    #[derive(Deserialize)]
    struct ToolUv {
        uv: Option<Uv>,
    }
    #[derive(Deserialize)]
    struct Uv {
        workspace: Option<Spanned<Workspace>>,
    }
    #[derive(Deserialize)]
    struct Workspace {
        #[serde(default)]
        members: Vec<String>,
        #[serde(default)]
        exclude: Vec<String>,
    }
    let workspace = match toml::from_str::<File>(text) {
        Ok(file) => file.tool.and_then(|t| t.uv?.workspace),
        // uv refuses a workspace it cannot read: so does init, rather than package the member
        // as a project of its own.
        Err(e) if text.contains("[tool.uv.workspace]") || text.contains("tool.uv.workspace") => {
            return Err(format!(
                "`{back}/pyproject.toml` has a [tool.uv.workspace] table uv cannot read: {}",
                e.message()
            ));
        }
        Err(_) => None,
    };
    let Some(workspace) = workspace else {
        return Ok(None);
    };
    // Every glob is read first: uv refuses the workspace over any one it cannot read.
    let matches = |globs: &[String]| -> Result<bool, String> {
        let mut compiled = Vec::new();
        for g in globs {
            compiled.push(globset::Glob::new(g.trim_end_matches('/')).map_err(|e| {
                format!(
                    "`{back}/pyproject.toml` [tool.uv.workspace] has a glob uv cannot read, \
                     `{g}`: {e}"
                )
            })?);
        }
        Ok(compiled
            .iter()
            .any(|g| g.compile_matcher().is_match(member)))
    };
    let w = workspace.get_ref();
    if !matches(&w.members)? || matches(&w.exclude)? {
        return Ok(None);
    }
    Ok(Some(
        Finding::certain(
            back,
            vec![Evidence::at(
                format!("{back}/pyproject.toml"),
                Some(line_of(text, workspace.span().start)),
                format!("[tool.uv.workspace] members = {:?}", w.members),
            )],
        )
        .noted(format!(
            "this folder is the workspace member `{member}`: its dependencies are locked in the \
             workspace root's uv.lock, and the image builds with the workspace root (`{back}`) \
             as its context"
        )),
    ))
}
