//! The Python version: version files, requires-python and Poetry constraints, an existing
//! Dockerfile, then the lock's wheels.

use std::path::Path;
use std::str::FromStr;

use crate::detect::deps::*;
use crate::detect::parse::dockerfile::final_stage_from;
use crate::detect::parse::versions::{minor, poetry_to_pep440};
use crate::detect::parse::wheels;
use crate::detect::{Evidence, Finding, Knowledge, line_of, read_optional};

/// `3.12.4`, `python-3.12`, `3.12` → `3.12`.
/// Raises a version below the lowest supported (and lowers one above the highest), with a note.
pub(crate) fn supported(
    k: &Knowledge,
    version: String,
    evidence: Vec<Evidence>,
) -> Finding<String> {
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
pub(crate) type VersionPick = dyn Fn(&str) -> Option<String>;

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

pub(crate) fn python_version_from(
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
pub(crate) fn wheels_fit(m: &Manifests, found: Finding<String>, k: &Knowledge) -> Finding<String> {
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
pub(crate) fn allows(specs: &pep440_rs::VersionSpecifiers, minor: u32) -> bool {
    [0, 99].iter().any(|patch| {
        pep440_rs::Version::from_str(&format!("3.{minor}.{patch}"))
            .is_ok_and(|version| specs.contains(&version))
    })
}

/// The version a `requires-python`-style specifier set asks for: its lowest minor version, or
/// where that is below what the base images run, the lowest supported one it allows (noted).
pub(crate) fn from_specifiers(
    k: &Knowledge,
    spec: &str,
    evidence: Evidence,
) -> Option<Finding<String>> {
    let specs = pep440_rs::VersionSpecifiers::from_str(spec).ok()?;
    from_allowed(k, spec, &|minor| allows(&specs, minor), evidence)
}

/// [`from_specifiers`] for any set of allowed minor versions (`spec` names it in notes).
pub(crate) fn from_allowed(
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
