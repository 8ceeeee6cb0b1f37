//! Detection: what an existing repository is — framework, installer, Python version, entry
//! point, what to copy into the image, how it is started, its port, a health route, the paths
//! it writes and the system packages its dependencies need — each conclusion with the file and
//! line that support it and how sure it is.
//!
//! Peers guess silently; a wrong guess then surfaces as a failed image build. Here every
//! finding carries its evidence, and an ambiguous one names what it is between, so `init` can
//! refuse to pick for the user. Dependency lists and Python are parsed (TOML with `toml`,
//! requirements with `pep508_rs`, code with tree-sitter), never matched as substrings.
//!
//! The layers: `scan` walks the tree; `parse` holds the parsers (text in, facts out, each
//! unit-tested); `deps` and `code` read the manifests and the Python once through them; `infer`
//! turns the facts into findings, one file per finding; this module assembles [`Findings`],
//! the warnings, and the report.

mod code;
mod deps;
mod infer;
mod parse;
pub(crate) use deps::project_name;
mod scan;
pub use scan::gitignore_hides;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::error::bad_input;
use crate::value::RawValue;

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

/// What the template set knows that detection needs, read from its data rather than repeated
/// here: the Pythons its images run (the versions its `python_version` question accepts), its
/// default, and the paths its managed files are written to (which a `.gitignore` must not hide).
#[derive(Debug, Clone)]
pub struct Knowledge {
    /// Lowest first: `3.11` ... `3.14`.
    pub supported_python: Vec<String>,
    pub default_python: String,
    pub writes: Vec<String>,
}

impl Knowledge {
    pub fn of(set: &crate::template_set::TemplateSet) -> Self {
        let question = set.question("python_version");
        let supported_python = (6..=30)
            .map(|minor| format!("3.{minor}"))
            .filter(|v| question.is_some_and(|q| q.from_raw(&RawValue::Str(v.clone())).is_ok()))
            .collect::<Vec<_>>();
        let default_python = question
            .and_then(|q| q.default.as_ref())
            .map(crate::value::Value::to_text)
            .filter(|v| supported_python.contains(v))
            .or_else(|| supported_python.last().cloned())
            .unwrap_or_default();
        let mut writes: Vec<String> = set
            .manifest
            .files
            .iter()
            .filter(|f| f.kind == crate::template_set::Ownership::Managed && !f.path.contains("{{"))
            .map(|f| f.path.clone())
            .collect();
        writes.push(crate::paths::RECORD_FILE.to_string());
        writes.sort();
        writes.dedup();
        Knowledge {
            supported_python,
            default_python,
            writes,
        }
    }

    /// The newest built-in template set's.
    pub fn builtin() -> Result<Self> {
        Ok(Self::of(&crate::template_set::TemplateSet::builtin()?))
    }

    pub fn lowest(&self) -> &str {
        self.supported_python.first().map_or("", String::as_str)
    }

    pub fn highest(&self) -> &str {
        self.supported_python.last().map_or("", String::as_str)
    }
}

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

/// One conclusion, of type `T` (a module reference, a flag, a port, a list of paths).
#[derive(Debug, Clone, Serialize)]
pub struct Finding<T> {
    /// The conclusion (`null` when there is none, e.g. no health route).
    pub value: Option<T>,
    pub certainty: Certainty,
    /// For an ambiguous finding: the candidates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub between: Vec<T>,
    pub evidence: Vec<Evidence>,
    /// Something the user should know, e.g. a Python version raised to the lowest supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl<T> Finding<T> {
    pub fn certain(value: impl Into<T>, evidence: Vec<Evidence>) -> Self {
        Finding {
            value: Some(value.into()),
            certainty: Certainty::Certain,
            between: vec![],
            evidence,
            note: None,
        }
    }

    pub fn guess(value: impl Into<T>, evidence: Vec<Evidence>) -> Self {
        Finding {
            certainty: Certainty::Guess,
            ..Finding::certain(value, evidence)
        }
    }

    /// No conclusion: nothing in the repository says (the note says what was looked for).
    pub fn none() -> Self {
        Finding {
            value: None,
            certainty: Certainty::Guess,
            between: vec![],
            evidence: vec![],
            note: None,
        }
    }

    pub fn ambiguous(between: Vec<T>, evidence: Vec<Evidence>) -> Self {
        Finding {
            value: None,
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

    pub fn with_evidence(mut self, evidence: Vec<Evidence>) -> Self {
        self.evidence = evidence;
        self
    }

    /// The same finding with its value (and candidates) converted.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> Finding<U> {
        Finding {
            value: self.value.as_ref().map(&f),
            certainty: self.certainty,
            between: self.between.iter().map(&f).collect(),
            evidence: self.evidence.clone(),
            note: self.note.clone(),
        }
    }
}

/// A finding whose value is a list (paths, packages).
pub type ListFinding = Finding<Vec<String>>;

impl Finding<String> {
    /// The value, when there is one.
    pub fn text(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

impl Finding<bool> {
    pub fn is_true(&self) -> bool {
        self.value == Some(true)
    }
}

/// A finding's value as an answer: what `init` gives the question of the same id, and what the
/// report prints.
pub trait Answer {
    fn to_raw(&self) -> RawValue;
}

impl Answer for String {
    fn to_raw(&self) -> RawValue {
        RawValue::Str(self.clone())
    }
}

impl Answer for bool {
    fn to_raw(&self) -> RawValue {
        RawValue::Bool(*self)
    }
}

impl Answer for u16 {
    fn to_raw(&self) -> RawValue {
        RawValue::Int(i64::from(*self))
    }
}

impl Answer for Vec<String> {
    fn to_raw(&self) -> RawValue {
        RawValue::List(self.iter().cloned().map(RawValue::Str).collect())
    }
}

/// Everything detected in one folder, one field per finding. Serialised in the documented
/// `--json` schema: an object keyed by the field names (in name order), a finding that does
/// not apply (Django's settings for a Flask app) left out.
#[derive(Debug, Serialize)]
pub struct Findings {
    pub app: Finding<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asgi_worker: Option<Finding<String>>,
    pub build_packages: Finding<Vec<String>>,
    /// Django only: whether the settings configure STATIC_ROOT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collectstatic: Option<Finding<bool>>,
    pub copy: Finding<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub django_settings: Option<Finding<String>>,
    pub framework: Finding<String>,
    pub health_path: Finding<String>,
    pub installer: Finding<String>,
    pub package: Finding<bool>,
    pub port: Finding<u16>,
    pub python_version: Finding<String>,
    /// What the repository runs before a new version serves: a Procfile's `release:` line, or
    /// a migration its start command or boot script runs first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_command: Option<Finding<String>>,
    /// pip-tools only: whether the compiled requirements carry hashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_hashes: Option<Finding<bool>>,
    /// pip and pip-tools: the requirements files `requirements.txt` includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements_files: Option<Finding<Vec<String>>>,
    /// Web frameworks only: the server packages the dependencies lack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_packages: Option<Finding<Vec<String>>>,
    pub source_root: Finding<String>,
    pub start_hints: Finding<Vec<String>>,
    pub system_packages: Finding<Vec<String>>,
    /// The uv workspace this folder is a member of: the path to its root (`..`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Finding<String>>,
    pub writable_paths: Finding<Vec<String>>,
}

impl Findings {
    /// Every finding that applies, in the order the report prints them, its value as an answer.
    pub fn each(&self) -> Vec<(&'static str, Finding<RawValue>)> {
        fn one<T: Answer>(
            out: &mut Vec<(&'static str, Finding<RawValue>)>,
            key: &'static str,
            finding: Option<&Finding<T>>,
        ) {
            if let Some(finding) = finding {
                out.push((key, finding.map(Answer::to_raw)));
            }
        }
        let mut out = Vec::new();
        one(&mut out, "framework", Some(&self.framework));
        one(&mut out, "installer", Some(&self.installer));
        one(&mut out, "python_version", Some(&self.python_version));
        one(&mut out, "app", Some(&self.app));
        one(&mut out, "django_settings", self.django_settings.as_ref());
        one(&mut out, "collectstatic", self.collectstatic.as_ref());
        one(&mut out, "package", Some(&self.package));
        one(&mut out, "source_root", Some(&self.source_root));
        one(&mut out, "copy", Some(&self.copy));
        one(&mut out, "start_hints", Some(&self.start_hints));
        one(&mut out, "release_command", self.release_command.as_ref());
        one(&mut out, "port", Some(&self.port));
        one(&mut out, "health_path", Some(&self.health_path));
        one(&mut out, "writable_paths", Some(&self.writable_paths));
        one(&mut out, "system_packages", Some(&self.system_packages));
        one(&mut out, "build_packages", Some(&self.build_packages));
        one(&mut out, "server_packages", self.server_packages.as_ref());
        one(&mut out, "asgi_worker", self.asgi_worker.as_ref());
        one(
            &mut out,
            "requirements_files",
            self.requirements_files.as_ref(),
        );
        one(&mut out, "require_hashes", self.require_hashes.as_ref());
        one(&mut out, "workspace", self.workspace.as_ref());
        out
    }

    fn evidence_mut(&mut self) -> Vec<&mut Vec<Evidence>> {
        let mut out = vec![
            &mut self.app.evidence,
            &mut self.build_packages.evidence,
            &mut self.copy.evidence,
            &mut self.framework.evidence,
            &mut self.health_path.evidence,
            &mut self.installer.evidence,
            &mut self.package.evidence,
            &mut self.port.evidence,
            &mut self.python_version.evidence,
            &mut self.source_root.evidence,
            &mut self.start_hints.evidence,
            &mut self.system_packages.evidence,
            &mut self.writable_paths.evidence,
        ];
        out.extend(self.asgi_worker.as_mut().map(|f| &mut f.evidence));
        out.extend(self.collectstatic.as_mut().map(|f| &mut f.evidence));
        out.extend(self.django_settings.as_mut().map(|f| &mut f.evidence));
        out.extend(self.release_command.as_mut().map(|f| &mut f.evidence));
        out.extend(self.require_hashes.as_mut().map(|f| &mut f.evidence));
        out.extend(self.requirements_files.as_mut().map(|f| &mut f.evidence));
        out.extend(self.server_packages.as_mut().map(|f| &mut f.evidence));
        out.extend(self.workspace.as_mut().map(|f| &mut f.evidence));
        out
    }
}

/// Something in the repository that would break a build or a start, said once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// A `.gitignore` pattern hides a path the packaging writes (`init` repairs it).
    GitignoreHidesPackaging,
    /// The Django settings the image runs set no SECRET_KEY (`init` reads it from the
    /// environment in settings of the image's own that import them).
    SettingsLackSecretKey,
    /// The Django settings the image runs leave ALLOWED_HOSTS empty (likewise).
    SettingsLackAllowedHosts,
    /// The Django settings the image runs set DEBUG = True.
    SettingsDebugTrue,
    /// The build or the start would fail on it; the user has to act.
    Other,
}

impl Warning {
    pub fn other(text: impl Into<String>) -> Self {
        Self::of(WarningKind::Other, text)
    }

    pub fn of(kind: WarningKind, text: impl Into<String>) -> Self {
        Warning {
            kind,
            text: text.into(),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Everything detected in one folder.
#[derive(Debug, Serialize)]
pub struct Detection {
    pub schema_version: u32,
    pub path: String,
    pub findings: Findings,
    /// Problems in the repository that would break a build, e.g. a `.gitignore` pattern that
    /// swallows a folder the packaging writes.
    pub warnings: Vec<Warning>,
    /// The exact pins of the requirements files (`greenlet==3.0.1`), each with its line: what
    /// `init` asks the package index about. Not part of the `--json` schema.
    #[serde(skip)]
    pub pins: Vec<Dependency>,
    /// What detection knew of the template set.
    #[serde(skip)]
    pub knowledge: Knowledge,
}

/// Detects what the repository at `root` is, with what the newest built-in template set knows.
pub fn detect(root: &Path) -> Result<Detection> {
    detect_with(root, &Knowledge::builtin()?)
}

/// Detects what the repository at `root` is. A folder without any Python is bad input.
pub fn detect_with(root: &Path, knowledge: &Knowledge) -> Result<Detection> {
    let meta = std::fs::metadata(root).map_err(|e| {
        bad_input(
            format!("cannot read `{}`: {e}", crate::error::quoted_path(root)),
            "give the folder of an existing Python project, e.g. `services/billing` or `.`",
        )
    })?;
    if !meta.is_dir() {
        return Err(bad_input(
            format!("`{}` is not a folder", crate::error::quoted_path(root)),
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
    let (targets, release_command) = infer::start_targets(root);
    let named: Vec<String> = targets
        .iter()
        .flat_map(|t| {
            let path = t.module.replace('.', "/");
            [
                format!("{path}.py"),
                format!("{path}/__init__.py"),
                format!("src/{path}.py"),
                format!("src/{path}/__init__.py"),
            ]
        })
        .collect();
    let code = code::analyse(root, &tree, &named)?;
    let framework = infer::framework(&manifests, &tree);
    let workspace = infer::uv_workspace(root);
    let mut installer = infer::installer(root, &manifests);
    // A uv workspace member's lock is the workspace root's.
    if let Some(ws) = workspace.as_ref().filter(|w| w.value.is_some())
        && manifests.locks.is_empty()
    {
        installer = Finding::certain("uv", ws.evidence.clone()).noted(format!(
            "locked in the workspace root's uv.lock ({}/uv.lock)",
            ws.text().unwrap_or("..")
        ));
    }
    // A workspace member without a `.python-version` of its own runs the workspace root's, as
    // uv does (the image's build reads it there too).
    let python_version = match workspace.as_ref().and_then(|w| w.text()) {
        Some(back)
            if !root.join(".python-version").exists()
                && join(root, back).join(".python-version").is_file() =>
        {
            let mut found = infer::python_version(&join(root, back), &manifests, knowledge);
            for e in &mut found.evidence {
                if e.file == ".python-version" {
                    e.file = format!("{back}/.python-version");
                }
            }
            found
        }
        _ => infer::python_version(root, &manifests, knowledge),
    };
    let (mut app, source_root, django_settings) = infer::entry_point(
        &code,
        &tree,
        &framework,
        &targets,
        infer::image_env(root, "DJANGO_SETTINGS_MODULE").as_ref(),
    );
    let source_root_text = source_root.text().unwrap_or("").to_string();
    // An app object without a framework among the dependencies (a monorepo's root holding
    // services) is at most a guess.
    if framework.value.is_none() && app.certainty == Certainty::Certain {
        app.certainty = Certainty::Guess;
        app.note.get_or_insert_with(|| {
            "no web framework among this folder's dependencies: in a monorepo, run it in the service's folder".into()
        });
    }
    let package = infer::package_mode(root, &manifests, installer.text());
    let package = infer::modules_beside_the_package(
        package,
        &scan::copy_roots(&tree, &source_root_text),
        app.text(),
    );
    // flit's package is built even with a backend version its pyproject refuses.
    let package_warning = match (&package.note, package.evidence.get(1)) {
        (Some(note), Some(req)) if package.is_true() => {
            Some(Warning::other(format!("{}: {note}", req.location())))
        }
        _ => None,
    };
    // An installed package's Flask instance folder is under the virtualenv: Flask names it
    // after the app's import name (`/opt/venv/var/flaskr-instance`).
    let installed_as = app
        .text()
        .filter(|_| package.is_true())
        .and_then(|a| a.split(':').next())
        .map(str::to_string);
    let writable_paths = infer::writable_paths(&code, &source_root_text, installed_as.as_deref());
    let (system_packages, build_packages) = infer::system_packages(&manifests)?;
    let (server_packages, asgi_worker) = match framework.text() {
        None | Some("worker") => (None, None),
        Some(name) => {
            let (server, worker) = infer::server_packages(&manifests, Some(name));
            (Some(server), worker)
        }
    };
    let requirements_files = (matches!(installer.text(), Some("pip" | "pip-tools"))
        && manifests.requirements_closure.len() > 1)
        .then(|| {
            Finding::certain(
                manifests.requirements_closure.clone(),
                vec![Evidence::at(
                    "requirements.txt",
                    None,
                    "includes them with `-r`",
                )],
            )
        });
    let require_hashes = if installer.text() == Some("pip-tools") {
        // Compiled with `--generate-hashes`: the image installs with `--require-hashes`.
        let text = read_optional(&root.join("requirements.txt"))?.unwrap_or_default();
        let hashed = text.lines().position(|l| l.contains("--hash=")).map(|i| {
            Evidence::at(
                "requirements.txt",
                Some(i + 1),
                text.lines().nth(i).unwrap_or("").trim(),
            )
        });
        Some(match hashed {
            Some(evidence) => Finding::certain(true, vec![evidence]),
            None => Finding::certain(false, vec![]).noted(
                "requirements.txt pins without hashes: the image installs without `--require-hashes`",
            ),
        })
    } else {
        None
    };
    let collectstatic = django_settings
        .as_ref()
        .map(|_| infer::collectstatic(&code));
    let sites = django_settings
        .as_ref()
        .and_then(Finding::text)
        .and_then(|module| {
            infer::settings_mention(&code, &source_root_text, module, "django.contrib.sites")
        })
        .map(|(file, line, name)| {
            Evidence::at(
                file,
                Some(line),
                format!("{name} names \"django.contrib.sites\""),
            )
        });
    let mut health_path = infer::health_route(&code, framework.text(), &source_root_text, sites);
    // Django redirecting plain HTTP to HTTPS answers the smoke test's request with a 301: a
    // route cannot be checked for a 2xx there, only liveness.
    if let Some(module) = django_settings.as_ref().and_then(Finding::text)
        && let Some((file, line, value)) =
            infer::settings_value(&code, &source_root_text, module, "SECURE_SSL_REDIRECT")
        && value != "False"
        && health_path.value.is_some()
    {
        health_path = Finding::none()
            .noted(format!(
                "the settings redirect plain HTTP to HTTPS (SECURE_SSL_REDIRECT), so every \
                 page answers the health check with a redirect: the check accepts any HTTP \
                 answer below 500 (liveness); `{}` is the route a check behind your TLS proxy \
                 could use",
                health_path.text().unwrap_or_default()
            ))
            .with_evidence(vec![Evidence::at(file, Some(line), value)]);
    }
    let mut findings = Findings {
        copy: scan::copy_roots(&tree, &source_root_text),
        start_hints: infer::start_hints(root, &manifests),
        port: infer::port(root),
        health_path,
        app,
        asgi_worker,
        build_packages,
        collectstatic,
        django_settings,
        framework,
        installer,
        package,
        python_version,
        release_command,
        require_hashes,
        requirements_files,
        server_packages,
        source_root,
        system_packages,
        workspace,
        writable_paths,
    };
    quote_code(root, &mut findings);
    let mut warnings = scan::gitignore_warnings(root, &knowledge.writes);
    warnings.extend(scan::ignored_locks(root));
    warnings.extend(infer::old_gunicorn(&manifests).map(Warning::other));
    if let Some(module) = findings.django_settings.as_ref().and_then(Finding::text)
        && !infer::settings_define(&code, &source_root_text, module, "SECRET_KEY")
    {
        let file = settings_file(&source_root_text, module);
        warnings.push(Warning::of(
            WarningKind::SettingsLackSecretKey,
            format!(
                "`{module}` (with the modules it imports with `*`) sets no SECRET_KEY: Django \
             answers every page that needs it (any form, the admin login) with a 500; help: \
             `pyscaffold init` has the image read it from DJANGO_SECRET_KEY (in settings of the \
             image's own that import `{module}`; your deployment sets it, the smoke test \
             passes one), or add `SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]` to \
             {file}"
            ),
        ));
    }
    if let Some(module) = findings.django_settings.as_ref().and_then(Finding::text)
        && infer::debug_true(&code, &source_root_text, module).is_none()
        && infer::settings_value(&code, &source_root_text, module, "ALLOWED_HOSTS").is_none_or(
            |(_, _, value)| {
                // Set, but to nothing by default: `env.list("ALLOWED_HOSTS", default=[])`.
                let v = value.replace(' ', "");
                v == "[]" || v.contains("default=[]") || v.contains("default=()")
            },
        )
    {
        warnings.push(Warning::of(WarningKind::SettingsLackAllowedHosts, format!(
            "`{module}` (with the modules it imports with `*`) sets no ALLOWED_HOSTS: with DEBUG \
             off, Django answers every request with 400, the smoke test's too; help: \
             `pyscaffold init` has the image read it from DJANGO_ALLOWED_HOSTS (default \
             localhost,127.0.0.1, in settings of the image's own that import `{module}`), or add `ALLOWED_HOSTS = [h for h in \
             os.environ.get(\"DJANGO_ALLOWED_HOSTS\", \"localhost,127.0.0.1\").split(\",\") if h]` \
             to {}; either way, set DJANGO_ALLOWED_HOSTS where you deploy",
            settings_file(&source_root_text, module)
        )));
    }
    if let Some(module) = findings.django_settings.as_ref().and_then(Finding::text)
        && let Some((file, line)) = infer::debug_true(&code, &source_root_text, module)
    {
        warnings.push(Warning::of(WarningKind::SettingsDebugTrue, format!(
            "{file}:{line} sets DEBUG = True in `{module}`, the settings the image runs: Django \
             then shows tracebacks and settings to anyone who gets an error page; help: run \
             settings with DEBUG = False (`--set django_settings=MODULE`), or read DEBUG from \
             the environment"
        )));
    }
    warnings.extend(package_warning);
    let mut seen = Vec::new();
    for (file, line, name, via) in &code.required_env {
        if seen.contains(name) || SET_BY_THE_IMAGE.contains(&name.as_str()) {
            continue;
        }
        seen.push(name.clone());
        let text = if findings.framework.text() == Some("django") {
            format!(
                "{file}:{line} reads `{name}` from the environment without a default: the \
                 build's collectstatic and the smoke test run without it; help: {} (SMOKE_ENV \
                 in docker/smoke_test.py reaches the smoke test only, not the build)",
                via.help(name)
            )
        } else {
            format!(
                "{file}:{line} reads `{name}` from the environment without a default: the \
                 smoke test starts the image without it; help: {}, or add a value that is not \
                 a secret to SMOKE_ENV in docker/smoke_test.py",
                via.help(name)
            )
        };
        warnings.push(Warning::other(text));
    }
    warnings.extend(
        scan::ignored_imports(root, &tree, &source_root_text, &code.imports)
            .into_iter()
            .map(Warning::other),
    );
    for line in &manifests.unreadable {
        warnings.push(Warning::other(format!(
            "{line} is not a requirement pip can read: the image's install fails on it; help: \
             fix the line (`name==version`) or remove it"
        )));
    }
    for local in &manifests.local_installs {
        warnings.push(Warning::other(format!(
            "{local} installs a folder of the repository: the image installs the \
             requirements before it copies the code, so that line fails there; remove \
             it (the image copies the code itself)"
        )));
    }
    let pins = manifests
        .dependencies
        .iter()
        .filter(|d| d.file.ends_with(".txt"))
        .filter(|d| {
            d.specifiers
                .strip_prefix("==")
                .is_some_and(|v| !v.contains(['*', ',']))
        })
        .cloned()
        .collect();
    Ok(Detection {
        schema_version: SCHEMA_VERSION,
        path: root.display().to_string(),
        findings,
        warnings,
        pins,
        knowledge: knowledge.clone(),
    })
}

/// The file of settings module `module` under the Django project's folder.
fn settings_file(source_root: &str, module: &str) -> String {
    let path = format!("{}.py", module.replace('.', "/"));
    if source_root.is_empty() {
        path
    } else {
        format!("{source_root}/{path}")
    }
}

/// Evidence in Python files quotes the line as the file has it.
fn quote_code(root: &Path, findings: &mut Findings) {
    let mut files: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    for evidence in findings.evidence_mut().into_iter().flatten() {
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

/// The human-readable report: one block per finding, its evidence indented below it.
pub fn report(detection: &Detection) -> String {
    let mut out = format!("Detected in {}\n", detection.path);
    for (key, finding) in detection.findings.each() {
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
            _ => finding
                .value
                .as_ref()
                .map(show)
                .unwrap_or_else(|| "none".into()),
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
        out.push_str(&format!("\nwarning: {}\n", warning.text));
    }
    out
}

fn show(value: &RawValue) -> String {
    match value {
        RawValue::Null => "none".into(),
        RawValue::Str(s) if s.is_empty() => "(the project root)".into(),
        RawValue::Str(s) => s.clone(),
        RawValue::List(items) if items.is_empty() => "none".into(),
        RawValue::List(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        RawValue::Bool(b) => b.to_string(),
        RawValue::Int(i) => i.to_string(),
        other => format!("{other:?}"),
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
/// The folder of the uv workspace member at `root`, from the workspace root (`backend`,
/// `services/api`), when it is one.
pub fn uv_workspace_member(root: &Path) -> Option<String> {
    let workspace = infer::uv_workspace(root)?;
    member_folder(root, workspace.text()?)
}

/// The folder `root` is at, seen from `back` (`..`) above it: `backend`.
pub fn member_folder(root: &Path, back: &str) -> Option<String> {
    let here = root.canonicalize().ok()?;
    let top = here.join(back).canonicalize().ok()?;
    let member = here
        .strip_prefix(&top)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    (!member.is_empty()).then_some(member)
}

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

/// Where a scanned path lives, for code that needs a `PathBuf` back.
pub(crate) fn join(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

#[cfg(test)]
mod tests {
    use super::Knowledge;

    #[test]
    fn the_template_sets_data_names_the_pythons_and_the_files_it_writes() {
        let k = Knowledge::builtin().unwrap();
        assert_eq!(k.supported_python, ["3.11", "3.12", "3.13", "3.14"]);
        assert_eq!(k.default_python, "3.13");
        for path in [
            "Dockerfile",
            ".dockerignore",
            "docker/build.py",
            ".pyscaffold.yml",
        ] {
            assert!(k.writes.iter().any(|w| w == path), "{path}: {:?}", k.writes);
        }
        // Seeded files (the example app, manifests) are the project's, not packaging.
        assert!(
            !k.writes.iter().any(|w| w == "requirements.txt"),
            "{:?}",
            k.writes
        );
    }
}
