//! The repository's manifests, read once: dependency lists (requirements files with their `-r`
//! includes, `requirements/*.txt`, pyproject's `[project]` and Poetry tables, Pipfile) and lock
//! files, through the parsers in `parse`. The findings that come from them are in `infer`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use anyhow::Result;

use super::parse::manifests::{self, Pipfile, Pyproject, PyprojectFile};
pub use super::parse::requirements::Dependency;
use super::parse::requirements::{self, Entry, requirement, tidy};
use super::parse::versions::poetry_to_pep440;
use super::scan::Tree;
use super::{Evidence, join, line_of, read_optional};

#[derive(Debug, Default)]
pub struct Manifests {
    pub dependencies: Vec<Dependency>,
    pub pyproject: Option<Pyproject>,
    pub pipfile: Option<Pipfile>,
    /// Lock files present, e.g. `uv.lock`.
    pub locks: Vec<&'static str>,
    /// Versions the lock files pin, by normalised name.
    pub locked: BTreeMap<String, String>,
    /// The wheel files each lock lists for the packages it pins, with the lock's name.
    pub lock_wheels: Vec<(&'static str, manifests::LockedWheels)>,
    pub requirements_txt: bool,
    /// requirements.txt and the files it includes (`-r`), which an image build copies.
    pub requirements_closure: Vec<String>,
    /// Requirements that install a local folder (`-e .`, `./lib`): `file:line text`.
    pub local_installs: Vec<String>,
    /// Lines of the installed requirements that are no requirement pip can read.
    pub unreadable: Vec<String>,
}

impl Manifests {
    pub fn any(&self) -> bool {
        self.pyproject.is_some() || self.pipfile.is_some() || self.requirements_txt
    }

    pub fn has(&self, name: &str) -> Option<&Dependency> {
        self.dependencies.iter().find(|d| d.name == name)
    }
}

fn toml_file<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
    text: &str,
    rel: &str,
) -> Result<T> {
    toml::from_str(text).map_err(|e| toml_error(path, text, rel, &e))
}

/// A manifest that is not valid TOML, named with its line.
fn toml_error(path: &Path, text: &str, rel: &str, e: &toml::de::Error) -> anyhow::Error {
    crate::error::bad_input(
        format!("`{rel}` is not valid TOML: {}", e.message()),
        format!(
            "fix `{}` (line {}) and run detection again",
            path.display(),
            e.span().map(|s| line_of(text, s.start)).unwrap_or(1)
        ),
    )
}

/// Reads every manifest of `root`.
pub fn read(root: &Path, tree: &Tree) -> Result<Manifests> {
    let mut m = Manifests::default();
    // requirements*.txt at the top and requirements/*.txt, each with its -r includes.
    let mut seen = BTreeSet::new();
    for rel in &tree.requirement_files {
        if rel.ends_with(".txt") {
            m.requirements_txt |= rel == "requirements.txt" || rel.starts_with("requirements/");
            read_requirements(
                root,
                rel,
                &mut m.dependencies,
                &mut seen,
                &mut Vec::new(),
                &mut Vec::new(),
            )?;
        }
    }
    let mut included = BTreeSet::new();
    read_requirements(
        root,
        "requirements.txt",
        &mut Vec::new(),
        &mut included,
        &mut m.local_installs,
        &mut m.unreadable,
    )?;
    m.requirements_closure = included
        .into_iter()
        .filter(|rel| join(root, rel).is_file())
        .collect();
    if let Some(text) = read_optional(&root.join("pyproject.toml"))? {
        let file: PyprojectFile = toml_file(&root.join("pyproject.toml"), &text, "pyproject.toml")?;
        m.dependencies.extend(file.dependencies(&text));
        m.pyproject = Some(Pyproject { text, file });
    }
    if let Some(text) = read_optional(&root.join("Pipfile"))? {
        let (dependencies, pipfile) = manifests::pipfile(&text)
            .map_err(|e| toml_error(&root.join("Pipfile"), &text, "Pipfile", &e))?;
        m.dependencies.extend(dependencies);
        m.pipfile = Some(pipfile);
    }
    for lock in ["uv.lock", "poetry.lock", "pdm.lock"] {
        if let Some(text) = read_optional(&root.join(lock))? {
            m.locks.push(lock);
            for (name, version) in manifests::toml_lock_versions(&text) {
                m.locked.entry(name).or_insert(version);
            }
            m.lock_wheels.extend(
                manifests::toml_lock_wheels(&text)
                    .into_iter()
                    .map(|w| (lock, w)),
            );
        }
    }
    if let Some(text) = read_optional(&root.join("Pipfile.lock"))? {
        m.locks.push("Pipfile.lock");
        let pins = manifests::pipfile_lock_versions(&text).map_err(|e| {
            crate::error::bad_input(
                format!("Pipfile.lock line {} is not valid JSON: {e}", e.line()),
                "regenerate it with `pipenv lock` (or delete it: pyscaffold then locks from the Pipfile); nothing was written",
            )
        })?;
        for (name, version) in pins {
            m.locked.entry(name).or_insert(version);
        }
    }
    Ok(m)
}

/// One requirements file, following `-r`/`--requirement` includes (each file read once).
fn read_requirements(
    root: &Path,
    rel: &str,
    out: &mut Vec<Dependency>,
    seen: &mut BTreeSet<String>,
    local: &mut Vec<String>,
    unreadable: &mut Vec<String>,
) -> Result<()> {
    if !seen.insert(rel.to_string()) {
        return Ok(());
    }
    let Some(text) = read_optional(&join(root, rel))? else {
        return Ok(());
    };
    let dir = rel
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    for (start, entry) in requirements::entries(&text) {
        match entry {
            Entry::Include(target) => {
                let joined = if dir.is_empty() {
                    target
                } else {
                    format!("{dir}/{target}")
                };
                read_requirements(root, &tidy(&joined), out, seen, local, unreadable)?;
            }
            Entry::Local(entry) => local.push(format!("{rel}:{start} `{entry}`")),
            Entry::Requirement(spec) => match requirement(&spec, rel, start) {
                Some(d) => out.push(d),
                // A URL or VCS reference is pip's to read; anything else fails the install.
                None if !spec.contains("://") => {
                    unreadable.push(format!("{rel}:{start} `{spec}`"));
                }
                None => {}
            },
            Entry::Option => {}
        }
    }
    Ok(())
}

pub(crate) fn evidence_of(d: &Dependency) -> Evidence {
    Evidence::at(d.file.clone(), Some(d.line), d.written.clone())
}

/// `version` < `floor`, both PEP 440; unparsable means no.
pub(crate) fn is_below(version: &str, floor: &str) -> bool {
    match (
        pep440_rs::Version::from_str(version.trim()),
        pep440_rs::Version::from_str(floor),
    ) {
        (Ok(v), Ok(f)) => v < f,
        _ => false,
    }
}

/// Whether specifiers such as `>=0.20,<0.30` (or Poetry's `^0.27.0`) allow no version at or
/// above `floor`.
pub(crate) fn caps_below(specifiers: &str, floor: &str) -> bool {
    let Ok(floor) = pep440_rs::Version::from_str(floor) else {
        return false;
    };
    let caps = |specs: &pep440_rs::VersionSpecifiers| {
        specs.iter().any(|s| {
            matches!(
                s.operator(),
                pep440_rs::Operator::LessThan | pep440_rs::Operator::LessThanEqual
            ) && *s.version() <= floor
                || s.operator() == &pep440_rs::Operator::Equal && *s.version() < floor
        })
    };
    match pep440_rs::VersionSpecifiers::from_str(specifiers.trim()) {
        Ok(specs) => caps(&specs),
        Err(_) => poetry_to_pep440(specifiers.trim())
            .is_some_and(|alternatives| !alternatives.is_empty() && alternatives.iter().all(caps)),
    }
}

/// `[project].name`, else `[tool.poetry].name`.
pub(crate) fn project_name(text: &str) -> Option<String> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    doc.get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| {
            doc.get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("name"))
        })
        .and_then(|n| n.as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::{caps_below, is_below};

    #[test]
    fn caps_read_pep440_and_poetry_constraints() {
        assert!(caps_below(">=0.20,<0.30", "0.36.0"));
        assert!(!caps_below(">=0.20", "0.36.0"));
        assert!(caps_below("^0.27.0", "0.36.0"));
        assert!(!caps_below("^0.40", "0.36.0"));
        assert!(caps_below("~0.27", "0.36.0"));
        assert!(!caps_below("*", "0.36.0"));
        assert!(is_below("20.1.0", "21.0.0"));
        assert!(!is_below("23.0.0", "21.0.0"));
        assert!(!is_below("not a version", "21.0.0"));
    }
}
