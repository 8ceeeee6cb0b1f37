//! The repository's manifests: dependency lists (requirements files with their `-r` includes,
//! `requirements/*.txt`, pyproject's `[project]` and Poetry tables, Pipfile), lock files, the
//! Python version files, Procfile and an existing Dockerfile — and the findings that come from
//! them alone: framework, installer, Python version, package mode, start hints, port and the
//! system packages the dependencies need.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result};
use serde::Deserialize;

use toml::Spanned;

use super::parse::dockerfile::{bind_port, env_value, exposed_port, final_stage, final_stage_from};
use super::parse::manifests::{self, BuildSystem, Pipfile, Pyproject, PyprojectFile};
pub use super::parse::requirements::Dependency;
use super::parse::requirements::{self, Entry, requirement, tidy};
use super::parse::start::{self, Target};
use super::parse::versions::{minor, poetry_to_pep440};
use super::parse::wheels;
use super::scan::Tree;
use super::{Evidence, Finding, Knowledge, ListFinding, join, line_of, read_optional};

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
                None if !spec.contains("://") && !spec.contains('@') => {
                    unreadable.push(format!("{rel}:{start} `{spec}`"));
                }
                None => {}
            },
            Entry::Option => {}
        }
    }
    Ok(())
}

fn evidence_of(d: &Dependency) -> Evidence {
    Evidence::at(d.file.clone(), Some(d.line), d.written.clone())
}

/// The framework, from the parsed dependency names (never substrings: `flask-cors` is not
/// Flask); Django also needs a `manage.py`.
pub fn framework(m: &Manifests, tree: &Tree) -> Finding<String> {
    const KNOWN: [(&str, &str); 10] = [
        ("django", "django"),
        ("flask", "flask"),
        ("fastapi", "fastapi"),
        ("starlette", "asgi"),
        ("quart", "asgi"),
        ("litestar", "asgi"),
        ("falcon", "wsgi"),
        ("bottle", "wsgi"),
        ("pyramid", "wsgi"),
        ("celery", "worker"),
    ];
    let mut found: Vec<(&str, &Dependency)> = Vec::new();
    let mut notes = Vec::new();
    for (dist, framework) in KNOWN {
        let Some(dep) = m.has(dist) else { continue };
        if dist == "django" && tree.manage_py.is_empty() {
            notes.push(format!(
                "`django` is a dependency ({}:{}) but there is no manage.py",
                dep.file, dep.line
            ));
            continue;
        }
        if found.iter().any(|(f, _)| *f == framework) {
            continue;
        }
        found.push((framework, dep));
    }
    // FastAPI is built on Starlette; a worker library beside a web framework is a second process.
    if found.iter().any(|(f, _)| *f == "fastapi") {
        found.retain(|(f, _)| *f != "asgi");
    }
    if found.len() > 1 {
        found.retain(|(f, _)| *f != "worker");
    }
    let finding = match found.as_slice() {
        [] => Finding::none().noted(
            "no web framework among the dependencies (Flask, Django, FastAPI, Starlette, Falcon, ...); give `--framework`",
        ),
        [(framework, dep)] => Finding::certain(*framework, vec![evidence_of(dep)]),
        many => Finding::ambiguous(
            many.iter().map(|(f, _)| f.to_string()).collect(),
            many.iter().map(|(_, d)| evidence_of(d)).collect(),
        ),
    };
    match notes.first() {
        Some(note) if finding.note.is_none() => finding.noted(note.clone()),
        _ => finding,
    }
}

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

/// `3.12.4`, `python-3.12`, `3.12` → `3.12`.
/// Raises a version below the lowest supported (and lowers one above the highest), with a note.
fn supported(k: &Knowledge, version: String, evidence: Vec<Evidence>) -> Finding<String> {
    let n = |v: &str| v.trim_start_matches("3.").parse::<u32>().unwrap_or(0);
    let (lowest, highest) = (k.lowest(), k.highest());
    if n(&version) < n(lowest) {
        Finding::certain(lowest.to_string(), evidence).noted(format!("the repository asks for Python {version}, below the lowest supported; raised to {lowest}"))
    } else if n(&version) > n(highest) {
        Finding::certain(highest.to_string(), evidence).noted(format!("the repository asks for Python {version}, above the highest supported; lowered to {highest}"))
    } else {
        Finding::certain(version, evidence)
    }
}

/// Reads a version out of one line of a version file.
type VersionPick = dyn Fn(&str) -> Option<String>;

/// The Python version: `.python-version`, `.tool-versions`/`mise.toml`, `runtime.txt`,
/// Pipfile's `python_version`, the lowest supported version `requires-python` (or Poetry's
/// `python` dependency) allows, then the default.
pub fn python_version(root: &Path, m: &Manifests, k: &Knowledge) -> Finding<String> {
    let mut ignored = Vec::new();
    let found = wheels_fit(m, python_version_from(root, m, &mut ignored, k), k);
    match (ignored.is_empty(), found.note.clone()) {
        (true, _) => found,
        (false, note) => {
            let why = format!(
                "{} names {}, which the python base images do not run: ignored",
                ignored[0].0,
                ignored
                    .iter()
                    .map(|(_, v)| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let note = match note {
                Some(note) => format!("{note}; {why}"),
                None => why,
            };
            found.noted(note)
        }
    }
}

fn python_version_from(
    root: &Path,
    m: &Manifests,
    ignored: &mut Vec<(&'static str, String)>,
    k: &Knowledge,
) -> Finding<String> {
    // A line naming an interpreter the base images do not have (`pypy3.10`, `system`).
    let mut first_line = |file: &'static str,
                          pick: &dyn Fn(&str) -> Option<String>|
     -> Option<(String, usize, String)> {
        let text = read_optional(&root.join(file)).ok()??;
        for (i, l) in text.lines().enumerate() {
            let line = l.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match pick(line) {
                Some(v) => return Some((v, i + 1, line.to_string())),
                None if file == ".python-version" => ignored.push((file, line.to_string())),
                None => {}
            }
        }
        None
    };
    let sources: [(&'static str, &VersionPick); 3] = [
        (".python-version", &|l| minor(l)),
        (".tool-versions", &|l| {
            l.trim()
                .strip_prefix("python ")
                .and_then(|v| minor(v.split_whitespace().next()?))
        }),
        ("runtime.txt", &|l| minor(l)),
    ];
    for (file, pick) in sources.iter().take(2) {
        if let Some((v, line, says)) = first_line(file, pick) {
            return supported(k, v, vec![Evidence::at(*file, Some(line), says)]);
        }
    }
    for file in ["mise.toml", ".mise.toml"] {
        if let Ok(Some(text)) = read_optional(&root.join(file))
            && let Ok(table) = text.parse::<toml::Table>()
            && let Some(v) = table.get("tools").and_then(|t| t.get("python"))
        {
            // `python = "3.12"`, `python = ["3.12", "3.11"]` or `[tools.python] version = ...`.
            let v = v
                .as_str()
                .map(str::to_string)
                .or_else(|| v.as_array()?.first()?.as_str().map(str::to_string))
                .or_else(|| v.get("version")?.as_str().map(str::to_string));
            if let Some(found) = v.as_deref().and_then(minor) {
                let line = text
                    .lines()
                    .position(|l| {
                        let l = l.trim_start();
                        l.starts_with("python") || l.starts_with("[tools.python]")
                    })
                    .map(|i| i + 1);
                let says = format!("[tools] python = \"{}\"", v.unwrap_or_default());
                return supported(k, found, vec![Evidence::at(file, line, says)]);
            }
        }
    }
    let (file, pick) = &sources[2];
    if let Some((v, line, says)) = first_line(file, pick) {
        return supported(k, v, vec![Evidence::at(*file, Some(line), says)]);
    }
    if let Some((v, line)) = m.pipfile.as_ref().and_then(|p| p.python_version.clone())
        && let Some(minor) = minor(&v)
    {
        return supported(
            k,
            minor,
            vec![Evidence::at(
                "Pipfile",
                Some(line),
                format!("python_version = \"{v}\""),
            )],
        );
    }
    if let Some(p) = &m.pyproject {
        if let Some(req) = p
            .file
            .project
            .as_ref()
            .and_then(|p| p.requires_python.as_ref())
            && let Some(found) = from_specifiers(
                k,
                req.get_ref(),
                Evidence::at(
                    "pyproject.toml",
                    Some(line_of(&p.text, req.span().start)),
                    format!("requires-python = \"{}\"", req.get_ref()),
                ),
            )
        {
            return found;
        }
        if let Some(poetry) = &p.file.tool.poetry
            && let Some(python) = poetry.dependencies.get("python")
            && let Some(constraint) = python.get_ref().as_str()
            && let Some(alternatives) = poetry_to_pep440(constraint)
            && let Some(found) = from_allowed(
                k,
                constraint,
                &|minor| alternatives.iter().any(|specs| allows(specs, minor)),
                Evidence::at(
                    "pyproject.toml",
                    Some(line_of(&p.text, python.span().start)),
                    format!("python = \"{constraint}\""),
                ),
            )
        {
            return found;
        }
    }
    // The repository's own Dockerfile: the Python of the image its last stage starts from.
    if let Ok(Some(text)) = read_optional(&root.join("Dockerfile"))
        && let Some((line, from)) = final_stage_from(&text)
        && let Some(version) = from
            .split_whitespace()
            .nth(1)
            .and_then(|image| image.rsplit('/').next())
            .and_then(|image| image.strip_prefix("python:"))
            .and_then(minor)
    {
        return supported(
            k,
            version,
            vec![Evidence::at("Dockerfile", Some(line), from)],
        );
    }
    Finding::guess(k.default_python.clone(), vec![])
        .noted("nothing names a Python version: the default")
}

/// The Python the lock's binary wheels install on: when the version found has no wheel for a
/// locked package that ships only version-specific ones (`greenlet 1.1.2`: cp36 to cp310), the
/// newest supported version every such package has a wheel for, the pins that ruled out the
/// others as evidence; none when no supported version fits (init then refuses).
fn wheels_fit(m: &Manifests, found: Finding<String>, k: &Knowledge) -> Finding<String> {
    let supported: Vec<u32> = k
        .supported_python
        .iter()
        .filter_map(|v| v.strip_prefix("3.")?.parse().ok())
        .filter(|minor| {
            m.pyproject
                .as_ref()
                .and_then(|p| p.file.project.as_ref()?.requires_python.as_ref())
                .and_then(|r| pep440_rs::VersionSpecifiers::from_str(r.get_ref()).ok())
                .is_none_or(|specs| allows(&specs, *minor))
        })
        .collect();
    let mut fit = supported.clone();
    let mut ruling = Vec::new();
    for (lock, package) in &m.lock_wheels {
        let tags: Vec<wheels::Fits> = package
            .wheels
            .iter()
            .filter_map(|w| wheels::fits(w))
            .collect();
        // Pure Python, or no Linux wheel at all (built from source there whatever the
        // version, with the build packages): no version is ruled out.
        if tags.contains(&wheels::Fits::Any) || tags.iter().all(|t| *t == wheels::Fits::Elsewhere) {
            continue;
        }
        let allowed: Vec<u32> = supported
            .iter()
            .copied()
            .filter(|minor| tags.iter().any(|t| t.allows(*minor)))
            .collect();
        if allowed.len() < supported.len() {
            fit.retain(|minor| allowed.contains(minor));
            ruling.push(Evidence::at(
                *lock,
                None,
                format!(
                    "{} {}: Linux wheels for Python {} only",
                    package.name,
                    package.version,
                    (6..=20)
                        .filter(|minor| tags.iter().any(|t| t.allows(*minor)))
                        .map(|m| format!("3.{m}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let current = found
        .text()
        .and_then(|v| v.strip_prefix("3.")?.parse::<u32>().ok());
    if ruling.is_empty() || current.is_some_and(|c| fit.contains(&c)) {
        return found;
    }
    let Some(newest) = fit.iter().max() else {
        return Finding::none()
            .noted(format!(
                "no supported Python ({}) installs every locked package from a wheel: the build \
                 would compile them from source and fail; upgrade the pins named here and lock \
                 again",
                k.supported_python.join(", ")
            ))
            .with_evidence(ruling);
    };
    let mut evidence = found.evidence.clone();
    evidence.extend(ruling);
    Finding::certain(format!("3.{newest}"), evidence).noted(format!(
        "{} has no wheel of a locked package: Python 3.{newest} is the newest on which the lock \
         installs from wheels",
        found
            .text()
            .map_or("the default".to_string(), |v| format!("Python {v}"))
    ))
}

/// Whether a PEP 440 specifier set allows some patch release of minor version `3.N`.
fn allows(specs: &pep440_rs::VersionSpecifiers, minor: u32) -> bool {
    [0, 99].iter().any(|patch| {
        pep440_rs::Version::from_str(&format!("3.{minor}.{patch}"))
            .is_ok_and(|version| specs.contains(&version))
    })
}

/// The version a `requires-python`-style specifier set asks for: its lowest minor version, or
/// where that is below what the base images run, the lowest supported one it allows (noted).
fn from_specifiers(k: &Knowledge, spec: &str, evidence: Evidence) -> Option<Finding<String>> {
    let specs = pep440_rs::VersionSpecifiers::from_str(spec).ok()?;
    from_allowed(k, spec, &|minor| allows(&specs, minor), evidence)
}

/// [`from_specifiers`] for any set of allowed minor versions (`spec` names it in notes).
fn from_allowed(
    k: &Knowledge,
    spec: &str,
    allowed: &dyn Fn(u32) -> bool,
    evidence: Evidence,
) -> Option<Finding<String>> {
    let n = |v: &str| v.trim_start_matches("3.").parse::<u32>().unwrap_or(0);
    let lowest = (8..=20).find(|minor| allowed(*minor))?;
    let supported: Vec<&str> = k
        .supported_python
        .iter()
        .map(String::as_str)
        .filter(|v| allowed(n(v)))
        .collect();
    let (first, last) = (k.lowest(), k.highest());
    Some(match supported.first() {
        Some(v) if n(v) == lowest => Finding::certain(*v, vec![evidence]),
        Some(v) => Finding::certain(*v, vec![evidence]).noted(format!(
            "`{spec}` allows Python 3.{lowest} at the lowest, below what the base images run \
             ({first} to {last}): raised to {v}, the lowest of those it allows"
        )),
        None => {
            let pick = if lowest < n(first) { first } else { last };
            Finding::certain(pick, vec![evidence]).noted(format!(
                "`{spec}` allows none of the Pythons the base images run ({first} to {last}): \
                 {pick}, which the installer may refuse; widen the range to include it"
            ))
        }
    })
}

/// Package mode: a pyproject with a `[build-system]` whose packages exist builds a wheel;
/// anything else runs in place.
pub fn package_mode(root: &Path, m: &Manifests, installer: Option<&str>) -> Finding<bool> {
    let pyproject_installer = matches!(installer, Some("poetry" | "uv" | "pdm" | "flit"));
    let Some(p) = m.pyproject.as_ref().filter(|_| pyproject_installer) else {
        return Finding::certain(false, vec![])
            .noted("the installer installs dependencies only: the code runs in place");
    };
    if let Some(poetry) = &p.file.tool.poetry {
        if poetry.package_mode == Some(false) {
            let line = p
                .text
                .lines()
                .position(|l| l.trim_start().starts_with("package-mode"))
                .map(|i| i + 1);
            return Finding::certain(
                false,
                vec![Evidence::at("pyproject.toml", line, "package-mode = false")],
            );
        }
        if let Some(packages) = &poetry.packages {
            for package in packages {
                let folder = match &package.from {
                    Some(from) => format!("{from}/{}", package.include),
                    None => package.include.clone(),
                };
                if !join(root, &folder).exists() {
                    let line = p
                        .text
                        .lines()
                        .position(|l| l.contains("include") && l.contains(&package.include))
                        .map(|i| i + 1);
                    return Finding::certain(
                        false,
                        vec![Evidence::at(
                            "pyproject.toml",
                            line,
                            format!("packages names `{folder}`, which does not exist"),
                        )],
                    )
                    .noted("runs in place: the package Poetry would build is not there");
                }
            }
        }
    }
    if let Some(poetry) = &p.file.tool.poetry
        && poetry.packages.is_none()
        && let Some(name) = project_name(&p.text)
    {
        // Without `packages`, poetry-core builds the package named after the project.
        let module = name.to_lowercase().replace(['-', '.'], "_");
        let found = [
            module.clone(),
            format!("src/{module}"),
            format!("{module}.py"),
            format!("src/{module}.py"),
        ]
        .iter()
        .any(|rel| join(root, rel).exists());
        if !found {
            return Finding::certain(
                false,
                vec![Evidence::at(
                    "pyproject.toml",
                    None,
                    format!("name = \"{name}\", no `packages`, no `{module}` folder"),
                )],
            )
            .noted("runs in place: the package Poetry would build is not there");
        }
    }
    match p.file.build_system.as_ref() {
        None => Finding::certain(
            false,
            vec![Evidence::at("pyproject.toml", None, "no [build-system]")],
        )
        .noted("runs in place: without a build backend the project is not a package"),
        Some(b) => {
            let backend = b.build_backend.as_ref().map(|s| s.get_ref().as_str());
            let line = b
                .build_backend
                .as_ref()
                .map(|s| line_of(&p.text, s.span().start));
            let says = match backend {
                Some(backend) => format!("build-backend = \"{backend}\""),
                None => "[build-system]".to_string(),
            };
            let evidence = vec![Evidence::at("pyproject.toml", line, says)];
            // The image builds the wheel without build isolation, from hashed pins of the
            // installer's usual backend; another backend means running the code in place.
            let pinned = match installer {
                Some("uv") => "hatchling.build",
                Some("poetry") => "poetry.core.masonry.api",
                Some("flit") => "flit_core.buildapi",
                Some("pdm") => "pdm.backend",
                _ => "",
            };
            match backend {
                Some(backend) if backend != pinned && installer != Some("flit") => {
                    Finding::certain(false, evidence).noted(format!(
                        "runs in place: the image builds wheels only with `{pinned}` (from hashed pins), and this project builds with `{backend}`"
                    ))
                }
                _ => match backend_refused(&p.text, b, installer) {
                    // A version of the backend the project refuses: uv, Poetry and PDM can run
                    // the code in place; flit always builds (with a warning, see `detect`).
                    Some((req, pin)) if installer != Some("flit") => {
                        let mut evidence = evidence;
                        evidence.push(req.clone());
                        Finding::certain(false, evidence).noted(format!(
                            "runs in place: the image builds wheels with {pin} (from hashed pins), which `{}` refuses",
                            req.says
                        ))
                    }
                    Some((req, pin)) => Finding::certain(true, {
                        let mut evidence = evidence;
                        evidence.push(req.clone());
                        evidence
                    })
                    .noted(format!(
                        "`{}` refuses {pin}, which the image builds the wheel with (from hashed pins, without build isolation): check the build, or widen the range",
                        req.says
                    )),
                    None => Finding::certain(true, evidence),
                },
            }
        }
    }
}

/// How the repository starts its server today: Procfile's `web`, an existing Dockerfile's
/// `CMD`, a single `[project.scripts]` entry.
pub fn start_hints(root: &Path, m: &Manifests) -> Finding<Vec<String>> {
    let mut hints = Vec::new();
    let mut evidence = Vec::new();
    if let Ok(Some(text)) = read_optional(&root.join("Procfile")) {
        for (i, l) in text.lines().enumerate() {
            if let Some(cmd) = l.trim().strip_prefix("web:") {
                hints.push(cmd.trim().to_string());
                evidence.push(Evidence::at("Procfile", Some(i + 1), l.trim()));
            }
        }
    }
    if let Ok(Some(text)) = read_optional(&root.join("Dockerfile")) {
        for (line, instruction) in final_stage(&text) {
            let upper = instruction.to_ascii_uppercase();
            if upper.starts_with("CMD ") || upper.starts_with("ENTRYPOINT ") {
                hints.push(instruction.clone());
                evidence.push(Evidence::at("Dockerfile", Some(line), instruction));
            }
        }
    }
    if let Some(p) = &m.pyproject
        && let Some(project) = &p.file.project
        && project.scripts.len() == 1
        && let Some((name, target)) = project.scripts.iter().next()
    {
        hints.push(format!("{name} = {}", target.get_ref()));
        evidence.push(Evidence::at(
            "pyproject.toml",
            Some(line_of(&p.text, target.span().start)),
            format!("[project.scripts] {name} = \"{}\"", target.get_ref()),
        ));
    }
    Finding::certain(hints, evidence)
}

/// The WSGI/ASGI targets the repository's start commands name, in the order they are
/// trusted: the Procfile's `web:` line, then the existing Dockerfile's last stage, each
/// followed into a boot script of the repository it runs.
pub fn start_targets(root: &Path) -> (Vec<Target>, Option<Finding<String>>) {
    // (file, line, what the line says, the command in it)
    let mut commands: Vec<(String, usize, String, String)> = Vec::new();
    let mut release = None;
    if let Ok(Some(text)) = read_optional(&root.join("Procfile")) {
        for (i, l) in text.lines().enumerate() {
            if let Some(cmd) = l.trim().strip_prefix("web:") {
                commands.push(("Procfile".into(), i + 1, l.trim().into(), cmd.trim().into()));
            }
            if let Some(cmd) = l.trim().strip_prefix("release:") {
                release.get_or_insert(Finding::certain(
                    cmd.trim(),
                    vec![Evidence::at("Procfile", Some(i + 1), l.trim())],
                ));
            }
        }
    }
    if let Ok(Some(text)) = read_optional(&root.join("Dockerfile")) {
        for (line, instruction) in final_stage(&text) {
            if let Some(cmd) = start::instruction_command(&instruction) {
                commands.push(("Dockerfile".into(), line, instruction.clone(), cmd.into()));
            }
        }
    }
    let mut targets = Vec::new();
    let mut read_scripts = Vec::new();
    while !commands.is_empty() {
        let (file, line, says, command) = commands.remove(0);
        let Some(all) = start::words(&command) else {
            continue;
        };
        for words in start::split_commands(&all) {
            if start::is_migration(&words) && release.is_none() {
                release = Some(
                    Finding::certain(
                        shlex::try_join(words.iter().map(String::as_str))
                            .unwrap_or_else(|_| words.join(" ")),
                        vec![Evidence::at(file.clone(), Some(line), says.clone())],
                    )
                    .noted(
                        "the repository migrates its database when it starts; the image does not",
                    ),
                );
            }
            match start::runs(&words) {
                start::Runs::Server {
                    module,
                    attr,
                    called,
                } => targets.push(Target {
                    module,
                    attr,
                    called,
                    evidence: Evidence::at(file.clone(), Some(line), says.clone()),
                }),
                start::Runs::Script(script) if !read_scripts.contains(&script) => {
                    if let Some(text) = crate::paths::is_safe_relative_path(&script)
                        .then(|| read_optional(&join(root, &script)).ok().flatten())
                        .flatten()
                    {
                        for (at, cmd) in start::script_commands(&text) {
                            commands.push((script.clone(), at, cmd.clone(), cmd));
                        }
                    }
                    read_scripts.push(script);
                }
                _ => {}
            }
        }
    }
    (targets, release)
}

/// The value the existing Dockerfile's last stage gives variable `name` with `ENV`
/// (`ENV NAME=value`, `ENV A=1 NAME=value`, or the legacy `ENV NAME value`).
pub fn image_env(root: &Path, name: &str) -> Option<(String, Evidence)> {
    let text = read_optional(&root.join("Dockerfile")).ok().flatten()?;
    final_stage(&text)
        .into_iter()
        .rev()
        .find_map(|(line, instruction)| {
            let value = env_value(&instruction, name)?;
            Some((value, Evidence::at("Dockerfile", Some(line), instruction)))
        })
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
        if let Ok(Some(text)) = read_optional(&parent.join("pyproject.toml"))
            && let Some(found) = workspace_membership(&text, &member, &back)
        {
            return Some(found);
        }
        if parent.join(".git").exists() {
            return None;
        }
        dir = parent;
    }
    None
}

/// Whether `[tool.uv.workspace]` in `text` takes `member` (relative, `/`-separated).
fn workspace_membership(text: &str, member: &str, back: &str) -> Option<Finding<String>> {
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
    let file: File = toml::from_str(text).ok()?;
    let workspace = file.tool?.uv?.workspace?;
    let matches = |globs: &[String]| {
        globs.iter().any(|g| {
            globset::Glob::new(g.trim_end_matches('/'))
                .map(|g| g.compile_matcher().is_match(member))
                .unwrap_or(false)
        })
    };
    let w = workspace.get_ref();
    if !matches(&w.members) || matches(&w.exclude) {
        return None;
    }
    Some(
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
             workspace root's uv.lock"
        )),
    )
}

/// The port: a bind in the Procfile, an existing Dockerfile's `EXPOSE`; else 8000. The image
/// honours `$PORT` either way.
pub fn port(root: &Path) -> Finding<u16> {
    for (file, find) in [
        (
            "Procfile",
            (|l: &str| bind_port(l)) as fn(&str) -> Option<u16>,
        ),
        ("Dockerfile", |l: &str| exposed_port(l)),
    ] {
        if let Ok(Some(text)) = read_optional(&root.join(file)) {
            let lines: Vec<(usize, String)> = if file == "Dockerfile" {
                final_stage(&text)
            } else {
                text.lines()
                    .enumerate()
                    .map(|(i, l)| (i + 1, l.trim().to_string()))
                    .collect()
            };
            for (line, l) in lines {
                if let Some(port) = find(&l).filter(|p| *p >= 1024) {
                    return Finding::certain(port, vec![Evidence::at(file, Some(line), l)]);
                }
            }
        }
    }
    Finding::guess(8000u16, vec![])
        .noted("nothing names a port: the default (the image honours $PORT)")
}

/// A `[build-system] requires` entry of the backend the image builds with that refuses the
/// version it is pinned at: the entry (as evidence) and the pin (`flit-core 4.2.0`).
fn backend_refused(
    text: &str,
    build: &BuildSystem,
    installer: Option<&str>,
) -> Option<(Evidence, String)> {
    let version = crate::template_set::builtin::latest().ok()?;
    let set = crate::template_set::builtin::parsed(&version).ok()?;
    let pin = set
        .dependencies
        .get("backend_locks")?
        .get(installer?)?
        .first()?
        .split_whitespace()
        .next()?
        .to_string();
    let (name, pinned) = pin.split_once("==")?;
    let normal = |n: &str| n.to_ascii_lowercase().replace(['_', '.'], "-");
    let pinned_version = pep440_rs::Version::from_str(pinned).ok()?;
    build.requires.iter().find_map(|req| {
        let spec = req.get_ref();
        let end = spec
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .unwrap_or(spec.len());
        let (package, rest) = spec.split_at(end);
        if normal(package) != normal(name) {
            return None;
        }
        let rest = rest.split(';').next().unwrap_or("").trim();
        let rest =
            rest.trim_start_matches(|c| c != '<' && c != '>' && c != '=' && c != '!' && c != '~');
        if rest.is_empty() {
            return None;
        }
        let specs = pep440_rs::VersionSpecifiers::from_str(rest).ok()?;
        (!specs.contains(&pinned_version)).then(|| {
            (
                Evidence::at(
                    "pyproject.toml",
                    Some(line_of(text, req.span().start)),
                    spec.clone(),
                ),
                format!("{name} {pinned}"),
            )
        })
    })
}

#[derive(Debug, Deserialize)]
struct SystemNeed {
    #[serde(default)]
    build: Vec<String>,
    #[serde(default)]
    runtime: Vec<String>,
    why: String,
    #[serde(default)]
    unless_extras: Vec<String>,
    /// Build-stage packages an extra adds (`psycopg[c]` compiles against libpq).
    #[serde(default)]
    extras_build: BTreeMap<String, Vec<String>>,
}

static SYSTEM_PACKAGES: &str = include_str!("../../templates/detect/system-packages.yml");

/// Debian packages the dependencies need: headers in the build stage, libraries at run time.
pub fn system_packages(m: &Manifests) -> Result<(ListFinding, ListFinding)> {
    let table: BTreeMap<String, SystemNeed> = crate::yaml::from_str(SYSTEM_PACKAGES)
        .context("templates/detect/system-packages.yml is not valid")?;
    let mut runtime = BTreeSet::new();
    let mut build = BTreeSet::from(["build-essential".to_string()]);
    let (mut run_ev, mut build_ev) = (Vec::new(), Vec::new());
    for dep in &m.dependencies {
        let Some(need) = table.get(&dep.name) else {
            continue;
        };
        if dep.extras.iter().any(|e| need.unless_extras.contains(e)) {
            continue;
        }
        let ev = Evidence::at(
            dep.file.clone(),
            Some(dep.line),
            format!("{} ({})", dep.written, need.why),
        );
        if !need.runtime.is_empty() {
            runtime.extend(need.runtime.iter().cloned());
            run_ev.push(ev.clone());
        }
        let extra_build: Vec<&String> = dep
            .extras
            .iter()
            .filter_map(|e| need.extras_build.get(e))
            .flatten()
            .collect();
        if !need.build.is_empty() || !extra_build.is_empty() {
            build.extend(need.build.iter().cloned());
            build.extend(extra_build.into_iter().cloned());
            build_ev.push(ev);
        }
    }
    let list = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>();
    Ok((
        Finding::certain(list(runtime), run_ev),
        if build_ev.is_empty() {
            Finding::certain(list(build), build_ev).noted(
                "no dependency names build headers: the compilers every image gets, for wheels built from source",
            )
        } else {
            Finding::certain(list(build), build_ev)
        },
    ))
}

/// The first uvicorn release that `uvicorn-worker` (gunicorn's ASGI worker) supports; older
/// ones carry their own `uvicorn.workers.UvicornWorker`.
const UVICORN_WORKER_MIN: &str = "0.36";

/// The server packages the image must add because the project does not depend on them, and
/// the gunicorn worker class for an ASGI app: `(server_packages, asgi_worker)`.
pub fn server_packages(
    m: &Manifests,
    framework: Option<&str>,
) -> (Finding<Vec<String>>, Option<Finding<String>>) {
    let mut add: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    match m.has("gunicorn") {
        Some(dep) => evidence.push(evidence_of(dep)),
        None => {
            add.push("gunicorn".into());
            notes.push(
                "gunicorn is not a dependency: the image adds it from hashed pins".to_string(),
            );
        }
    }
    let asgi = matches!(framework, Some("fastapi" | "asgi"));
    let mut worker = None;
    if asgi {
        if let Some(dep) = m.has("uvicorn-worker") {
            evidence.push(evidence_of(dep));
            worker = Some(Finding::certain(
                "uvicorn_worker.UvicornWorker",
                vec![evidence_of(dep)],
            ));
        } else {
            let declared = m.has("uvicorn");
            let locked = m.locked.get("uvicorn");
            let version = locked.cloned().or_else(|| {
                declared.and_then(|d| {
                    d.specifiers
                        .trim()
                        .strip_prefix("==")
                        .map(|v| v.trim().to_string())
                })
            });
            let old = match (&version, declared) {
                (Some(v), _) => is_below(v, UVICORN_WORKER_MIN),
                (None, Some(d)) => caps_below(&d.specifiers, UVICORN_WORKER_MIN),
                (None, None) => false,
            };
            let at: Vec<Evidence> = declared.map(evidence_of).into_iter().collect();
            if declared.is_none() && locked.is_none() {
                add.push("uvicorn-worker".into());
                add.push("uvicorn".into());
                notes.push(
                    "uvicorn is not a dependency: the image adds it and its gunicorn worker".into(),
                );
                worker = Some(Finding::guess("uvicorn_worker.UvicornWorker", vec![]));
            } else if old {
                let shown = version
                    .clone()
                    .unwrap_or_else(|| declared.map(|d| d.specifiers.clone()).unwrap_or_default());
                worker = Some(
                    Finding::certain("uvicorn.workers.UvicornWorker", at).noted(format!(
                        "uvicorn {shown} is older than {UVICORN_WORKER_MIN}, which uvicorn-worker needs: gunicorn runs uvicorn's own worker"
                    )),
                );
            } else {
                add.push("uvicorn-worker".into());
                notes.push("uvicorn-worker (gunicorn's uvicorn worker) is not a dependency: the image adds it".into());
                worker = Some(Finding::certain("uvicorn_worker.UvicornWorker", at));
            }
        }
    }
    let mut finding = Finding::certain(add, evidence);
    if !notes.is_empty() {
        finding = finding.noted(notes.join("; "));
    }
    (finding, worker)
}

/// `version` < `floor`, both PEP 440; unparsable means no.
fn is_below(version: &str, floor: &str) -> bool {
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
fn caps_below(specifiers: &str, floor: &str) -> bool {
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

/// The first gunicorn release that does not import `pkg_resources` (setuptools), which the
/// image's virtualenv does not have.
const GUNICORN_WITHOUT_SETUPTOOLS: &str = "21.0.0";

/// A gunicorn the project pins (or locks) before 21, whose workers fail to boot without
/// setuptools: the warning, with the line.
pub fn old_gunicorn(m: &Manifests) -> Option<String> {
    let dep = m.has("gunicorn")?;
    let version = m.locked.get("gunicorn").cloned().or_else(|| {
        dep.specifiers
            .trim()
            .strip_prefix("==")
            .map(|v| v.trim().to_string())
    });
    let old = match &version {
        Some(v) => is_below(v, GUNICORN_WITHOUT_SETUPTOOLS),
        None => caps_below(&dep.specifiers, GUNICORN_WITHOUT_SETUPTOOLS),
    };
    old.then(|| {
        format!(
            "{}:{} pins gunicorn {}, which imports pkg_resources (setuptools) at start; the \
             image's virtualenv has no setuptools, so its workers would fail to boot; help: \
             upgrade gunicorn to 23 or later (`gunicorn>=23`)",
            dep.file,
            dep.line,
            version.unwrap_or_else(|| dep.specifiers.clone())
        )
    })
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
