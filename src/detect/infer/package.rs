//! Package mode: whether the project is built as a wheel or runs in place.

use std::path::Path;
use std::str::FromStr;

use crate::detect::deps::*;
use crate::detect::parse::manifests::BuildSystem;
use crate::detect::{Evidence, Finding, join, line_of};

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

/// A `[build-system] requires` entry of the backend the image builds with that refuses the
/// version it is pinned at: the entry (as evidence) and the pin (`flit-core 4.2.0`).
pub(crate) fn backend_refused(
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

/// A package build installs only the package the app is in: modules beside it at the root
/// (`config.py` a factory loads by name, `wsgi.py`) would be missing from the image. Then the
/// code runs in place, where the image copies them too.
pub fn modules_beside_the_package(
    package: Finding<bool>,
    copy: &Finding<Vec<String>>,
    app: Option<&str>,
) -> Finding<bool> {
    let (true, Some(app), Some(copy)) = (package.is_true(), app, copy.value.as_ref()) else {
        return package;
    };
    let top = app.split([':', '.']).next().unwrap_or_default();
    // What a package build uses and the app never imports.
    const NOT_THE_APP: &[&str] = &["setup.py", "conftest.py", "noxfile.py", "fabfile.py"];
    let beside: Vec<&String> = copy
        .iter()
        .filter(|p| p.ends_with(".py") && !p.contains('/'))
        .filter(|p| p.trim_end_matches(".py") != top && !NOT_THE_APP.contains(&p.as_str()))
        .collect();
    if beside.is_empty() {
        return package;
    }
    Finding::certain(
        false,
        beside
            .iter()
            .map(|p| Evidence::at(p.to_string(), None, "a module beside the package"))
            .collect(),
    )
    .noted(format!(
        "runs in place: the wheel would hold only `{top}`, and the app's folder has modules \
         beside it ({}) that an installed package could not import",
        beside
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
