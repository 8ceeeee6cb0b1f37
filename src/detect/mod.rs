//! Detection: what an existing repository is — framework, installer, Python version, entry
//! point, what to copy into the image, how it is started, its port, a health route, the paths
//! it writes and the system packages its dependencies need — each conclusion with the file and
//! line that support it and how sure it is.
//!
//! Peers guess silently; a wrong guess then surfaces as a failed image build. Here every
//! finding carries its evidence, and an ambiguous one names what it is between, so `init` can
//! refuse to pick for the user. Dependency lists and Python are parsed (TOML with `toml`,
//! requirements with `pep508_rs`, code with tree-sitter), never matched as substrings.

mod code;
mod deps;
pub(crate) use deps::project_name;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::bad_input;

pub use deps::Dependency;

/// The version of the `--json` schema (documented in README.md); bumped on any change that
/// could break a reader.
pub const SCHEMA_VERSION: u32 = 1;

/// The Python versions the templates support, lowest first.
/// Variables the image or its smoke test sets itself.
const SET_BY_THE_IMAGE: [&str; 6] = [
    "PORT",
    "HEALTH_PATH",
    "APP_ENV",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "VIRTUAL_ENV",
];

pub const SUPPORTED_PYTHON: [&str; 4] = ["3.11", "3.12", "3.13", "3.14"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// A file says so.
    Certain,
    /// Inferred, or the default when nothing says.
    Guess,
    /// More than one answer is supported by the files; `between` lists them.
    Ambiguous,
}

/// A file and line that support a conclusion.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    /// Relative to the detected folder, `/`-separated.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What the file says there, e.g. `flask==3.0.2`.
    pub says: String,
}

impl Evidence {
    pub fn at(file: impl Into<String>, line: Option<usize>, says: impl Into<String>) -> Self {
        Evidence {
            file: file.into(),
            line,
            says: says.into(),
        }
    }

    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// One conclusion.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The conclusion (`null` when there is none, e.g. no health route).
    pub value: Value,
    pub certainty: Certainty,
    /// For an ambiguous finding: the candidates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub between: Vec<Value>,
    pub evidence: Vec<Evidence>,
    /// Something the user should know, e.g. a Python version raised to the lowest supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Finding {
    pub fn certain(value: impl Into<Value>, evidence: Vec<Evidence>) -> Self {
        Finding {
            value: value.into(),
            certainty: Certainty::Certain,
            between: vec![],
            evidence,
            note: None,
        }
    }

    pub fn guess(value: impl Into<Value>, evidence: Vec<Evidence>) -> Self {
        Finding {
            certainty: Certainty::Guess,
            ..Finding::certain(value, evidence)
        }
    }

    pub fn ambiguous(between: Vec<Value>, evidence: Vec<Evidence>) -> Self {
        Finding {
            value: Value::Null,
            certainty: Certainty::Ambiguous,
            between,
            evidence,
            note: None,
        }
    }

    pub fn noted(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The value as a string, when it is one.
    pub fn text(&self) -> Option<&str> {
        self.value.as_str()
    }
}

/// Everything detected in one folder. `findings` keys are the names documented in README.md
/// (`framework`, `installer`, `python_version`, `app`, ...).
#[derive(Debug, Serialize)]
pub struct Detection {
    pub schema_version: u32,
    pub path: String,
    pub findings: BTreeMap<&'static str, Finding>,
    /// Problems in the repository that would break a build, e.g. a `.gitignore` pattern that
    /// swallows a folder the packaging writes.
    pub warnings: Vec<String>,
}

impl Detection {
    pub fn get(&self, key: &str) -> Option<&Finding> {
        self.findings.get(key)
    }
}

/// The order findings are printed in.
const ORDER: [&str; 19] = [
    "framework",
    "installer",
    "python_version",
    "app",
    "django_settings",
    "collectstatic",
    "package",
    "source_root",
    "copy",
    "start_hints",
    "port",
    "health_path",
    "writable_paths",
    "system_packages",
    "build_packages",
    "server_packages",
    "asgi_worker",
    "requirements_files",
    "require_hashes",
];

/// Detects what the repository at `root` is. A folder without any Python is bad input.
pub fn detect(root: &Path) -> Result<Detection> {
    let meta = std::fs::metadata(root).map_err(|e| {
        bad_input(
            format!("cannot read `{}`: {e}", root.display()),
            "give the folder of an existing Python project, e.g. `services/billing` or `.`",
        )
    })?;
    if !meta.is_dir() {
        return Err(bad_input(
            format!("`{}` is not a folder", root.display()),
            "give the folder of an existing Python project, e.g. `services/billing` or `.`",
        ));
    }
    let tree = scan::scan(root).with_context(|| format!("cannot list `{}`", root.display()))?;
    let manifests = deps::read(root, &tree)?;
    if tree.python_files.is_empty() && !manifests.any() {
        return Err(bad_input(
            format!(
                "`{}` holds no Python: no `.py` file and no requirements.txt, pyproject.toml or Pipfile",
                root.display()
            ),
            "run it in the folder of a Python web service (in a monorepo, the service's subfolder), or start one with `pyscaffold new NAME`",
        ));
    }
    let code = code::analyse(root, &tree)?;
    let mut findings = BTreeMap::new();
    let framework = deps::framework(&manifests, &tree);
    let installer = deps::installer(root, &manifests);
    let python = deps::python_version(root, &manifests);
    let (mut app, source_root, django_settings) = code::entry_point(&code, &tree, &framework);
    let source_root_text = source_root.text().unwrap_or("").to_string();
    // An app object without a framework among the dependencies (a monorepo's root holding
    // services) is at most a guess.
    if framework.value.is_null() && app.certainty == Certainty::Certain {
        app.certainty = Certainty::Guess;
        app.note.get_or_insert_with(|| {
            "no web framework among this folder's dependencies: in a monorepo, run it in the service's folder".into()
        });
    }
    let package = deps::package_mode(root, &manifests, installer.text());
    // flit's package is built even with a backend version its pyproject refuses.
    let package_warning = match (&package.note, package.evidence.get(1)) {
        (Some(note), Some(req)) if package.value == true => {
            Some(format!("{}: {note}", req.location()))
        }
        _ => None,
    };
    // An installed package's Flask instance folder is under the virtualenv: Flask names it
    // after the app's import name (`/opt/venv/var/flaskr-instance`).
    let installed_as = app
        .value
        .as_str()
        .filter(|_| package.value == true)
        .and_then(|a| a.split(':').next())
        .map(str::to_string);
    let writable = code::writable_paths(
        &code,
        source_root.text().unwrap_or(""),
        installed_as.as_deref(),
    );
    findings.insert("package", package);
    findings.insert(
        "copy",
        scan::copy_roots(&tree, source_root.text().unwrap_or("")),
    );
    findings.insert("start_hints", deps::start_hints(root, &manifests));
    findings.insert("port", deps::port(root));
    findings.insert(
        "health_path",
        code::health_route(&code, framework.text(), &source_root_text),
    );
    findings.insert("writable_paths", writable);
    let (system, build) = deps::system_packages(&manifests)?;
    findings.insert("system_packages", system);
    findings.insert("build_packages", build);
    if !matches!(framework.text(), None | Some("worker")) {
        let (server, worker) = deps::server_packages(&manifests, framework.text());
        findings.insert("server_packages", server);
        if let Some(worker) = worker {
            findings.insert("asgi_worker", worker);
        }
    }
    if matches!(installer.text(), Some("pip" | "pip-tools"))
        && manifests.requirements_closure.len() > 1
    {
        findings.insert(
            "requirements_files",
            Finding::certain(
                strings(&manifests.requirements_closure),
                vec![Evidence::at(
                    "requirements.txt",
                    None,
                    "includes them with `-r`",
                )],
            ),
        );
    }
    if installer.text() == Some("pip-tools") {
        // Compiled with `--generate-hashes`: the image installs with `--require-hashes`.
        let text = read_optional(&root.join("requirements.txt"))?.unwrap_or_default();
        let hashed = text.lines().position(|l| l.contains("--hash=")).map(|i| {
            Evidence::at(
                "requirements.txt",
                Some(i + 1),
                text.lines().nth(i).unwrap_or("").trim(),
            )
        });
        findings.insert(
            "require_hashes",
            match hashed {
                Some(evidence) => Finding::certain(true, vec![evidence]),
                None => Finding::certain(false, vec![]).noted(
                    "requirements.txt pins without hashes: the image installs without `--require-hashes`",
                ),
            },
        );
    }
    findings.insert("framework", framework);
    findings.insert("installer", installer);
    findings.insert("python_version", python);
    findings.insert("app", app);
    findings.insert("source_root", source_root);
    if let Some(settings) = django_settings {
        findings.insert("django_settings", settings);
        findings.insert("collectstatic", code::collectstatic(&code));
    }
    quote_code(root, &mut findings);
    Ok(Detection {
        schema_version: SCHEMA_VERSION,
        path: root.display().to_string(),
        findings,
        warnings: {
            let mut warnings = scan::gitignore_warnings(root);
            warnings.extend(package_warning);
            let mut seen = Vec::new();
            for (file, line, name) in &code.required_env {
                if seen.contains(name) || SET_BY_THE_IMAGE.contains(&name.as_str()) {
                    continue;
                }
                seen.push(name.clone());
                warnings.push(format!(
                    "{file}:{line} reads `{name}` from the environment without a default: the \
                     smoke test starts the image without it (and the build, for Django's \
                     collectstatic); help: give it a default (`os.environ.get(\"{name}\", ...)`), \
                     or add a value that is not a secret to SMOKE_ENV in docker/smoke_test.py"
                ));
            }
            warnings.extend(scan::ignored_imports(
                root,
                &tree,
                source_root_text.as_str(),
                &code.imports,
            ));
            for local in &manifests.local_installs {
                warnings.push(format!(
                    "{local} installs a folder of the repository: the image installs the \
                     requirements before it copies the code, so that line fails there; remove \
                     it (the image copies the code itself)"
                ));
            }
            warnings
        },
    })
}

/// Evidence in Python files quotes the line as the file has it.
fn quote_code(root: &Path, findings: &mut BTreeMap<&'static str, Finding>) {
    let mut files: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    for finding in findings.values_mut() {
        for evidence in &mut finding.evidence {
            let Some(line) = evidence.line.filter(|_| evidence.file.ends_with(".py")) else {
                continue;
            };
            let lines = files.entry(evidence.file.clone()).or_insert_with(|| {
                read_optional(&join(root, &evidence.file))
                    .ok()
                    .flatten()
                    .map(|text| text.lines().map(|l| l.trim().to_string()).collect())
            });
            if let Some(text) = lines.as_ref().and_then(|l| l.get(line - 1))
                && !text.is_empty()
            {
                evidence.says = text.clone();
            }
        }
    }
}

/// The human-readable report: one block per finding, its evidence indented below it.
pub fn report(detection: &Detection) -> String {
    let mut out = format!("Detected in {}\n", detection.path);
    for key in ORDER {
        let Some(finding) = detection.findings.get(key) else {
            continue;
        };
        let shown = match finding.certainty {
            Certainty::Ambiguous => format!(
                "ambiguous between {}",
                finding
                    .between
                    .iter()
                    .map(show)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            _ => show(&finding.value),
        };
        let certainty = match finding.certainty {
            Certainty::Certain => "certain",
            Certainty::Guess => "guess",
            Certainty::Ambiguous => "ambiguous",
        };
        out.push_str(&format!("\n{key:<16} {shown}  ({certainty})\n"));
        for evidence in &finding.evidence {
            out.push_str(&format!("    {}  {}\n", evidence.location(), evidence.says));
        }
        if let Some(note) = &finding.note {
            out.push_str(&format!("    note: {note}\n"));
        }
    }
    for warning in &detection.warnings {
        out.push_str(&format!("\nwarning: {warning}\n"));
    }
    out
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(s) if s.is_empty() => "(the project root)".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `path` relative to `root`, `/`-separated, for evidence.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a file that may not exist: `None` when it does not.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>> {
    // A FIFO or device named like a manifest is not one (and reading it could block).
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Ok(None);
    }
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// A JSON list of strings.
pub(crate) fn strings(items: &[String]) -> Value {
    json!(items)
}

/// Where a scanned path lives, for code that needs a `PathBuf` back.
pub(crate) fn join(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}
