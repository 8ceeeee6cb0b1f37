//! pyproject.toml (PEP 621 `[project]`, `[build-system]`, Poetry, uv and PDM tables), Pipfile and
//! lock files (uv, Poetry and PDM TOML locks, Pipfile.lock JSON): the declared dependencies
//! with their lines, the Python they ask for, and the versions locks pin. TOML through `toml`,
//! requirements through `pep508_rs`. Text in, facts out.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::requirements::{Dependency, normalise, requirement};

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

#[derive(Debug)]
pub struct Pyproject {
    pub text: String,
    pub file: PyprojectFile,
}

#[derive(Debug, Default, Deserialize)]
pub struct PyprojectFile {
    pub project: Option<Project>,
    #[serde(rename = "build-system")]
    pub build_system: Option<BuildSystem>,
    #[serde(default)]
    pub tool: Tools,
}

#[derive(Debug, Default, Deserialize)]
pub struct Project {
    #[serde(default)]
    pub dependencies: Vec<Spanned<String>>,
    #[serde(rename = "requires-python")]
    pub requires_python: Option<Spanned<String>>,
    #[serde(default)]
    pub scripts: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BuildSystem {
    #[serde(rename = "build-backend")]
    pub build_backend: Option<Spanned<String>>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Tools {
    pub poetry: Option<Poetry>,
    pub uv: Option<toml::Value>,
    pub pdm: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Poetry {
    #[serde(default)]
    pub dependencies: BTreeMap<String, Spanned<toml::Value>>,
    pub packages: Option<Vec<PoetryPackage>>,
    #[serde(rename = "package-mode")]
    pub package_mode: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct PoetryPackage {
    pub include: String,
    pub from: Option<String>,
}

#[derive(Debug)]
pub struct Pipfile {
    pub python_version: Option<(String, usize)>,
}

#[derive(Debug, Default, Deserialize)]
struct PipfileFile {
    #[serde(default)]
    packages: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    requires: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
struct TomlLock {
    #[serde(default)]
    package: Vec<LockedPackage>,
    /// Poetry's lock-version 1.x: the files of each package in `[metadata.files]`.
    #[serde(default)]
    metadata: LockMetadata,
}

#[derive(Debug, Default, Deserialize)]
struct LockMetadata {
    #[serde(default)]
    files: BTreeMap<String, Vec<LockedFile>>,
}

#[derive(Debug, Deserialize)]
struct LockedPackage {
    name: String,
    version: Option<String>,
    /// Poetry and PDM: `files = [{file = "x-1.0-py3-none-any.whl", hash = ...}]`.
    #[serde(default)]
    files: Vec<LockedFile>,
    /// uv: `wheels = [{url = ".../x-1.0-py3-none-any.whl", hash = ...}]`.
    #[serde(default)]
    wheels: Vec<LockedFile>,
}

#[derive(Debug, Deserialize)]
struct LockedFile {
    file: Option<String>,
    url: Option<String>,
}

/// A package a lock pins, with the wheel files it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedWheels {
    pub name: String,
    pub version: String,
    /// File names (`greenlet-3.0.1-cp312-cp312-manylinux_2_17_x86_64.whl`).
    pub wheels: Vec<String>,
}

/// The wheels a uv, Poetry or PDM lock lists for each package it pins.
pub fn toml_lock_wheels(text: &str) -> Vec<LockedWheels> {
    let file: TomlLock = toml::from_str(text).unwrap_or_default();
    let old_format: BTreeMap<String, &Vec<LockedFile>> = file
        .metadata
        .files
        .iter()
        .map(|(name, files)| (normalise(name), files))
        .collect();
    file.package
        .iter()
        .filter_map(|p| {
            let listed = old_format.get(&normalise(&p.name)).copied();
            let wheels = p
                .files
                .iter()
                .chain(&p.wheels)
                .chain(listed.into_iter().flatten())
                .filter_map(|f| f.file.as_deref().or(f.url.as_deref()))
                .filter_map(|f| f.rsplit('/').next())
                .filter(|f| f.ends_with(".whl"))
                .map(str::to_string)
                .collect();
            Some(LockedWheels {
                name: normalise(&p.name),
                version: p.version.clone()?,
                wheels,
            })
        })
        .collect()
}

impl PyprojectFile {
    /// The dependencies it declares: `[project] dependencies` and Poetry's
    /// `[tool.poetry.dependencies]` (Python itself aside), each with its line in `text`.
    pub fn dependencies(&self, text: &str) -> Vec<Dependency> {
        let mut out = Vec::new();
        if let Some(project) = &self.project {
            for dep in &project.dependencies {
                out.extend(requirement(
                    dep.get_ref(),
                    "pyproject.toml",
                    line_of(text, dep.span().start),
                ));
            }
        }
        if let Some(poetry) = &self.tool.poetry {
            for (name, spec) in &poetry.dependencies {
                if name == "python" {
                    continue;
                }
                let version = match spec.get_ref() {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Table(t) => t
                        .get("version")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    _ => String::new(),
                };
                out.push(Dependency {
                    name: normalise(name),
                    extras: vec![],
                    specifiers: version,
                    file: "pyproject.toml".into(),
                    line: line_of(text, spec.span().start),
                    written: format!("{name} = {}", spec.get_ref()),
                });
            }
        }
        out
    }
}

/// A Pipfile's packages and the Python it requires (with its line).
pub fn pipfile(text: &str) -> Result<(Vec<Dependency>, Pipfile), toml::de::Error> {
    let file: PipfileFile = toml::from_str(text)?;
    let mut dependencies = Vec::new();
    for (name, spec) in &file.packages {
        let version = match spec.get_ref() {
            toml::Value::String(s) if s != "*" => s.clone(),
            _ => String::new(),
        };
        dependencies.push(Dependency {
            name: normalise(name),
            extras: vec![],
            specifiers: version,
            file: "Pipfile".into(),
            line: line_of(text, spec.span().start),
            written: format!("{name} = {}", spec.get_ref()),
        });
    }
    let python_version = file
        .requires
        .get("python_version")
        .or_else(|| file.requires.get("python_full_version"))
        .and_then(|v| {
            v.get_ref()
                .as_str()
                .map(|s| (s.to_string(), line_of(text, v.span().start)))
        });
    Ok((dependencies, Pipfile { python_version }))
}

/// The versions a uv, Poetry or PDM lock pins, by normalised name (an unreadable lock pins
/// nothing).
pub fn toml_lock_versions(text: &str) -> BTreeMap<String, String> {
    let file: TomlLock = toml::from_str(text).unwrap_or_default();
    file.package
        .into_iter()
        .filter_map(|p| Some((normalise(&p.name), p.version?)))
        .collect()
}

/// The versions Pipfile.lock's `default` section pins, by normalised name.
pub fn pipfile_lock_versions(text: &str) -> Result<BTreeMap<String, String>, serde_json::Error> {
    let json: serde_json::Value = serde_json::from_str(text)?;
    let mut out = BTreeMap::new();
    if let Some(default) = json.get("default").and_then(|d| d.as_object()) {
        for (name, entry) in default {
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.insert(normalise(name), v.trim_start_matches("==").to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_dependencies_of_pep621_and_poetry_tables_with_lines() {
        let text = "[project]\nname = \"x\"\ndependencies = [\n  \"Flask>=3\",\n  \"gunicorn\",\n]\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nDjango = { version = \"^5.2\", extras = [\"argon2\"] }\n";
        let file: PyprojectFile = toml::from_str(text).unwrap();
        let deps = file.dependencies(text);
        let got: Vec<(String, String, usize)> = deps
            .iter()
            .map(|d| (d.name.clone(), d.specifiers.clone(), d.line))
            .collect();
        assert_eq!(
            got,
            [
                ("flask".to_string(), ">=3".to_string(), 4),
                ("gunicorn".to_string(), String::new(), 5),
                ("django".to_string(), "^5.2".to_string(), 10),
            ]
        );
    }

    #[test]
    fn pipfile_packages_and_python() {
        let text = "[packages]\nflask = \"*\"\nrequests = \"==2.32.3\"\n\n[requires]\npython_version = \"3.12\"\n";
        let (deps, pipfile) = pipfile(text).unwrap();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[0].specifiers, "");
        assert_eq!(deps[1].specifiers, "==2.32.3");
        assert_eq!(pipfile.python_version, Some(("3.12".to_string(), 6)));
        assert!(super::pipfile("[packages\n").is_err());
    }

    #[test]
    fn locks_pin_versions_by_normalised_name() {
        let toml_lock = "version = 1\n[[package]]\nname = \"Flask\"\nversion = \"3.1.3\"\n[[package]]\nname = \"local\"\n";
        let pins = toml_lock_versions(toml_lock);
        assert_eq!(pins.get("flask").map(String::as_str), Some("3.1.3"));
        assert_eq!(pins.len(), 1);
        assert!(toml_lock_versions("not toml [").is_empty());
        let poetry = "[[package]]\nname = \"greenlet\"\nversion = \"1.1.2\"\nfiles = [\n  {file = \"greenlet-1.1.2-cp310-cp310-manylinux2010_x86_64.whl\", hash = \"sha256:0\"},\n  {file = \"greenlet-1.1.2.tar.gz\", hash = \"sha256:1\"},\n]\n";
        assert_eq!(
            toml_lock_wheels(poetry),
            [LockedWheels {
                name: "greenlet".into(),
                version: "1.1.2".into(),
                wheels: vec!["greenlet-1.1.2-cp310-cp310-manylinux2010_x86_64.whl".into()],
            }]
        );
        let uv = "[[package]]\nname = \"Flask\"\nversion = \"3.1.3\"\nwheels = [{ url = \"https://files.example.invalid/f/flask-3.1.3-py3-none-any.whl\", hash = \"sha256:2\" }]\n";
        assert_eq!(
            toml_lock_wheels(uv)[0].wheels,
            ["flask-3.1.3-py3-none-any.whl"]
        );
        // Poetry's lock-version 1.1 lists the files apart, in `[metadata.files]`.
        let old = "[[package]]\nname = \"greenlet\"\nversion = \"1.1.2\"\n\n[metadata]\nlock-version = \"1.1\"\n\n[metadata.files]\ngreenlet = [\n    {file = \"greenlet-1.1.2-cp310-cp310-manylinux2010_x86_64.whl\", hash = \"sha256:0\"},\n]\n";
        assert_eq!(
            toml_lock_wheels(old)[0].wheels,
            ["greenlet-1.1.2-cp310-cp310-manylinux2010_x86_64.whl"]
        );
        let json = r#"{"default": {"Django": {"version": "==5.2.19"}}, "develop": {}}"#;
        assert_eq!(
            pipfile_lock_versions(json)
                .unwrap()
                .get("django")
                .map(String::as_str),
            Some("5.2.19")
        );
        assert!(pipfile_lock_versions("{").is_err());
    }
}
