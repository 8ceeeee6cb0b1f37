//! Adoption: what `pyscaffold init` does with what detection found in an existing repository.
//!
//! Detection's findings become a layer of answers (each with the file and line behind it);
//! the answers are checked against the repository's own code (an installer without its
//! manifest, a framework of another kind than the app, paths that are not there); the plan
//! writes only packaging, keeps the repository's own seeded files, and re-includes in its
//! `.gitignore` what its patterns would keep out of git. `commands::init` calls these and
//! prints; the decisions are here.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::answers::Answers;
use crate::detect::{Certainty, Detection, Evidence, Finding, WarningKind};
use crate::error::bad_input;
use crate::plan::{Action, Plan, Step};
use crate::reconcile::{Inputs, Policy, REPOSITORY_OWN, reconcile};
use crate::record::{RECORD_FILE, Record};
use crate::resolve::{Given, GivenValue, Layer, LayerKind};
use crate::template_set::{Ownership, RenderMeta, RenderedFile, TemplateSet};
use crate::value::{RawValue, Value};

/// Detection findings that answer a question of the same id.
pub(crate) const ANSWERED: [&str; 17] = [
    "framework",
    "installer",
    "python_version",
    "app",
    "django_settings",
    "collectstatic",
    "package",
    "source_root",
    "copy",
    "port",
    "writable_paths",
    "system_packages",
    "build_packages",
    "server_packages",
    "asgi_worker",
    "requirements_files",
    "require_hashes",
];

/// The detected Python, checked against the package index for the requirements' exact pins
/// (pip and pip-tools; a lock's wheels are checked by detection itself): when a pin has no
/// wheel for it, the newest supported Python every pin has one for, the pins as evidence; no
/// Python when none fits (init then refuses). A pin with no wheel for any supported Python and
/// none for older ones either ships only a source distribution (built as any would be) and
/// rules nothing out. Where the index cannot be asked, a note says so and the version stands.
pub(crate) fn fit_python_to_the_index(detection: &mut Detection) -> Vec<String> {
    use crate::wheel_index::{Answer, installs};
    let findings = &mut detection.findings;
    if !matches!(findings.installer.text(), Some("pip" | "pip-tools")) || detection.pins.is_empty()
    {
        return vec![];
    }
    let Some(current) = findings
        .python_version
        .text()
        .and_then(|v| v.strip_prefix("3.")?.parse::<u32>().ok())
    else {
        return vec![];
    };
    let pins: Vec<String> = detection
        .pins
        .iter()
        .map(|d| format!("{}{}", d.name, d.specifiers))
        .collect();
    let cache = crate::wheel_index::cache_dir();
    let ask = |pins: &[String], minor: u32| installs(pins, minor, cache.as_deref());
    let unknown = |why: String| {
        vec![format!(
            "note: could not ask the package index whether the pinned requirements have wheels \
             for Python 3.{current} ({why}): Python 3.{current} stands; pins without one are \
             compiled from source in the build"
        )]
    };
    let missing_now = match ask(&pins, current) {
        Answer::Fits => return vec![],
        Answer::Unknown(why) => return unknown(why),
        Answer::Missing(missing) => missing,
    };
    eprintln!(
        "asking the package index which Python has wheels for {} (cached after this run)",
        missing_now.join(", ")
    );
    let supported: Vec<u32> = detection
        .knowledge
        .supported_python
        .iter()
        .filter_map(|v| v.strip_prefix("3.")?.parse().ok())
        .collect();
    // The pins without a wheel, per supported Python.
    let mut missing: Vec<(u32, Vec<String>)> = vec![(current, missing_now)];
    for minor in supported.iter().copied().filter(|m| *m != current) {
        match ask(&pins, minor) {
            Answer::Fits => missing.push((minor, vec![])),
            Answer::Missing(m) => missing.push((minor, m)),
            Answer::Unknown(why) => return unknown(why),
        }
    }
    // Missing everywhere: binary with wheels for older Pythons only (ruling out), or a source
    // distribution alone (not judged here).
    let everywhere: Vec<String> = missing[0]
        .1
        .iter()
        .filter(|pin| missing.iter().all(|(_, m)| m.contains(pin)))
        .cloned()
        .collect();
    let source_only: Vec<String> = everywhere
        .into_iter()
        .filter(|pin| {
            (6..=10)
                .rev()
                .all(|old| matches!(ask(std::slice::from_ref(pin), old), Answer::Missing(_)))
        })
        .collect();
    for (_, m) in &mut missing {
        m.retain(|pin| !source_only.contains(pin));
    }
    let evidence_of = |pins: &[String]| -> Vec<Evidence> {
        pins.iter()
            .filter_map(|pin| {
                let name = pin
                    .split("==")
                    .next()?
                    .trim()
                    .to_ascii_lowercase()
                    .replace('_', "-");
                detection.pins.iter().find(|d| d.name == name)
            })
            .map(|d| Evidence::at(d.file.clone(), Some(d.line), d.written.clone()))
            .collect()
    };
    let fit: Vec<u32> = missing
        .iter()
        .filter(|(_, m)| m.is_empty())
        .map(|(minor, _)| *minor)
        .collect();
    let mut ruling: Vec<String> = Vec::new();
    for (_, m) in &missing {
        for pin in m {
            if !ruling.contains(pin) {
                ruling.push(pin.clone());
            }
        }
    }
    if fit.contains(&current) {
        return vec![];
    }
    match fit.iter().max() {
        Some(newest) => {
            let without: Vec<String> = missing
                .iter()
                .find(|(m, _)| *m == current)
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
            let mut evidence = findings.python_version.evidence.clone();
            evidence.extend(evidence_of(&without));
            findings.python_version =
                Finding::certain(format!("3.{newest}"), evidence).noted(format!(
                    "{} have no wheel for Python 3.{current} on the package index: Python \
                     3.{newest} is the newest every pinned requirement has one for",
                    without.join(", ")
                ));
        }
        None => {
            findings.python_version = Finding::none()
                .noted(format!(
                    "no supported Python ({}) has a wheel of every pinned requirement on the \
                     package index: the build would compile them from source and fail",
                    detection.knowledge.supported_python.join(", ")
                ))
                .with_evidence(evidence_of(&ruling));
        }
    }
    vec![]
}

/// What a liveness check requests: a path no app routes.
pub(crate) const LIVENESS_PATH: &str = "/pyscaffold-liveness";

/// The repository file init may amend (re-including what it would hide).
pub(crate) const GITIGNORE: &str = ".gitignore";

/// Whether server packages the project lacks join its own dependencies through the
/// installer's add command: only where the installer has one, the packages were detected
/// missing (not given), `--no-lock` is not set and the tool is on PATH. Otherwise the image
/// adds them from hashed pins, and the notes say how to make them the project's own.
pub(crate) fn server_add(
    installer: &str,
    server: &[String],
    given: bool,
    no_lock: bool,
) -> (Option<crate::server_deps::AddRule>, Vec<String>) {
    let mut notes = Vec::new();
    let rule = match crate::server_deps::rule(installer) {
        Some(rule) if !server.is_empty() && !given => {
            let line = rule.command_line(server);
            let instead = format!(
                "the image adds {} from hashed pins (docker/server-requirements.txt); to make \
                 them the project's own dependencies instead, run `{line}` and `pyscaffold \
                 upgrade --set server_packages=`",
                server.join(", ")
            );
            if no_lock {
                notes.push(format!("note: {instead} (--no-lock)"));
                None
            } else if !rule.on_path() {
                notes.push(format!("note: `{}` is not on PATH: {instead}", rule.tool));
                None
            } else {
                Some(rule)
            }
        }
        _ => None,
    };
    (rule, notes)
}

/// What init would write for one set of answers.
pub(crate) struct Built {
    pub plan: Plan,
    /// The files the record lists.
    pub written: Vec<RenderedFile>,
    /// Existing files `--force` replaces.
    pub replaced: Vec<String>,
    /// What else changes in the repository, one line each.
    pub changed: Vec<String>,
}

pub(crate) fn build(
    set: &TemplateSet,
    root: &Path,
    answers: &Answers,
    meta: &RenderMeta,
    force: bool,
) -> Result<Built> {
    let rendered = set.render(answers, meta)?;
    let (mut plan, written, replaced) = plan(root, &rendered, force)?;
    let mut changed = Vec::new();
    let mut checked = written.clone();
    checked.push(RenderedFile {
        path: RECORD_FILE.into(),
        contents: String::new(),
        executable: false,
        kind: Ownership::Managed,
        template: String::new(),
    });
    if let Some(step) = gitignore_fix(root, &checked)? {
        changed.push(format!(
            "{GITIGNORE}: re-includes what its patterns would leave out of git ({})",
            step.note.clone().unwrap_or_default()
        ));
        plan.push(step);
    }
    let record = Record::new(set, answers, &written, meta);
    let record_file = record.to_file()?;
    let mut step = Step::new(RECORD_FILE, Action::Create);
    step.new = Some(record_file.contents);
    plan.push(step);
    plan.sort();
    Ok(Built {
        plan,
        written,
        replaced,
        changed,
    })
}

/// Refuses answers that name files or folders the repository does not have: the image build
/// would fail on them.
pub(crate) fn check_paths(root: &Path, answers: &Answers) -> Result<()> {
    let mut missing = Vec::new();
    let list = |id: &str| match answers.get(id) {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    for id in ["copy", "requirements_files"] {
        for path in list(id) {
            if !root.join(path.trim_end_matches('/')).exists() {
                missing.push(format!("`{path}` (`{id}`)"));
            }
        }
    }
    if let Some(Value::Str(folder)) = answers.get("source_root")
        && !folder.is_empty()
        && !root.join(folder).is_dir()
    {
        missing.push(format!("`{folder}/` (`source_root`)"));
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(bad_input(
        format!(
            "the repository has no {}: the image build would fail",
            missing.join(", ")
        ),
        "give paths relative to the repository's folder that exist (`pyscaffold detect` \
         shows what it found), e.g. `--set copy=app.py,templates/`; nothing was written",
    ))
}

/// Whether answer `id` was given (preset, pack, answers file, `--set`, a flag), not detected.
pub(crate) fn given(layers: &[Layer], id: &str) -> bool {
    layers
        .iter()
        .any(|layer| layer.kind != LayerKind::Detected && layer.answers.iter().any(|a| a.id == id))
}

/// Refuses answers the repository's own files contradict: an installer without its manifest, a
/// framework of another kind than the app detection found, an app module that is not there.
/// The image build would fail on each.
pub(crate) fn check_against_the_code(
    root: &Path,
    answers: &Answers,
    detection: &Detection,
    layers: &[Layer],
) -> Result<()> {
    let text = |id: &str| answers.get(id).map(Value::to_text).unwrap_or_default();
    let given = |id: &str| given(layers, id);
    let installer = text("installer");
    let manifest = match installer.as_str() {
        "poetry" | "uv" | "pdm" | "flit" => Some("pyproject.toml"),
        "pipenv" => Some("Pipfile"),
        _ => None,
    };
    if let Some(manifest) = manifest
        && !root.join(manifest).is_file()
    {
        return Err(bad_input(
            format!(
                "`--installer {installer}` reads the dependencies from {manifest}, which `{}` \
                 does not have",
                root.display()
            ),
            "give the installer the repository uses (`pyscaffold detect` shows it), or add the \
             manifest first; nothing was written",
        ));
    }
    let python = &detection.findings.python_version;
    if python.value.is_none() && !given("python_version") {
        let pins: Vec<String> = python
            .evidence
            .iter()
            .map(|e| format!("{} `{}`", e.location(), e.says))
            .collect();
        return Err(bad_input(
            format!(
                "{}: {}",
                python
                    .note
                    .as_deref()
                    .unwrap_or("no supported Python fits the lock"),
                pins.join("; ")
            ),
            "upgrade those packages (in requirements.txt, or `uv lock --upgrade-package NAME`, \
             `poetry update NAME`, `pdm update NAME`) so they have wheels for a supported \
             Python, or give one with `--set python_version=3.N` if they build from source \
             there; nothing was written",
        ));
    }
    if let Some(ws) = &detection.findings.workspace
        && ws.value.is_none()
    {
        return Err(bad_input(
            ws.note.clone().unwrap_or_default(),
            "fix `[tool.uv.workspace]` in the workspace root's pyproject.toml (`members` is a \
             list of glob patterns, e.g. `members = [\"services/*\"]`; `uv lock` there says \
             what uv reads); nothing was written",
        ));
    }
    let framework = text("framework");
    let kind = |f: &str| match f {
        "flask" | "django" | "wsgi" => Some("a WSGI"),
        "fastapi" | "asgi" => Some("an ASGI"),
        _ => None,
    };
    if framework == "django" && detection.findings.django_settings.is_none() && !given("app") {
        return Err(bad_input(
            "`--framework django`, but the repository has no Django project (no manage.py \
             naming DJANGO_SETTINGS_MODULE)",
            "give the framework the code uses (`pyscaffold detect` shows it), or name the \
             project with `--set app=MODULE.wsgi:application --set \
             django_settings=MODULE.settings`; nothing was written",
        ));
    }
    let found = &detection.findings.framework;
    if let Some(detected) = found.text()
        && found.certainty == Certainty::Certain
        && given("framework")
        && !given("app")
        && let (Some(theirs), Some(ours)) = (kind(detected), kind(&framework))
        && theirs != ours
    {
        let at = found
            .evidence
            .first()
            .map(|e| format!(" ({})", e.location()))
            .unwrap_or_default();
        return Err(bad_input(
            format!(
                "`--framework {framework}` serves {ours} app, but the repository's app is \
                 {detected}{at}, {theirs} app: the server could not run it"
            ),
            format!(
                "drop `--framework` (or give `--framework {detected}`); to serve another app, \
                 name it too with `--set app=MODULE:ATTRIBUTE`; nothing was written"
            ),
        ));
    }
    if framework == "django" && given("django_settings") {
        settings_exist(root, answers)?;
    }
    if framework != "worker"
        && let Some(app) = answers.get("app").map(Value::to_text)
        && let Some((module, _)) = app.split_once(':')
    {
        let (found, candidates) = module_file(root, answers, module);
        // The attribute must at least be named in the module (unless it star-imports).
        if let Some(file) = &found
            && let Some((_, attr)) = app.split_once(':')
            && let Ok(text) = std::fs::read_to_string(file)
        {
            let attr = attr.trim_end_matches("()");
            let named = regex::Regex::new(&format!(r"\b{}\b", regex::escape(attr)))
                .is_ok_and(|word| word.is_match(&text));
            if !named && !text.contains("import *") {
                return Err(bad_input(
                    format!(
                        "the app `{app}` is `{attr}` in `{}`, which does not name it",
                        file.strip_prefix(root).unwrap_or(file).display()
                    ),
                    "name the app object or factory the module defines, e.g. \
                     `--set app=app:app` (`pyscaffold detect` shows the app it found); nothing \
                     was written",
                ));
            }
        }
        if found.is_none() {
            return Err(bad_input(
                format!(
                    "the app `{app}` is in module `{module}`, which the repository does not have \
                     (no {} or {})",
                    candidates[0], candidates[1]
                ),
                "name a module of the repository, e.g. `--set app=app:app` for app.py \
                 (`pyscaffold detect` shows the app it found); nothing was written",
            ));
        }
    }
    Ok(())
}

/// Where the dotted module `module` of the repository is (`a.b` as a/b.py or a/b/__init__.py,
/// under the folder the app runs from, or src/), and the two files looked for.
fn module_file(
    root: &Path,
    answers: &Answers,
    module: &str,
) -> (Option<std::path::PathBuf>, [String; 2]) {
    let base = match answers.get("source_root").map(Value::to_text) {
        Some(folder) if !folder.is_empty() => root.join(folder),
        _ => root.to_path_buf(),
    };
    let rel = module.replace('.', "/");
    let candidates = [format!("{rel}.py"), format!("{rel}/__init__.py")];
    let found = candidates
        .iter()
        .flat_map(|c| [base.join(c), root.join("src").join(c)])
        .find(|p| p.is_file());
    (found, candidates)
}

/// Refuses Django settings (`django_settings`) the repository does not have: Django could
/// not start.
pub(crate) fn settings_exist(root: &Path, answers: &Answers) -> Result<()> {
    let Some(settings) = answers.get("django_settings").map(Value::to_text) else {
        return Ok(());
    };
    let (None, [file, package]) = module_file(root, answers, &settings) else {
        return Ok(());
    };
    Err(bad_input(
        format!(
            "`django_settings` is `{settings}`, which the repository does not have (no {file} \
             or {package}): Django could not start"
        ),
        "name the settings module the image runs, e.g. `--set django_settings=mysite.settings` \
         (`pyscaffold detect` shows the one it found); nothing was written",
    ))
}

/// Answers `upgrade --set` gives an adopted project, checked against the repository as
/// `init` checks them: the uv workspace member it is, settings it has.
pub(crate) fn check_upgrade_sets(
    root: &Path,
    answers: &Answers,
    sets: &[String],
) -> Result<Vec<String>> {
    let set = |id: &str| {
        sets.iter()
            .any(|s| s.split('=').next().map(str::trim) == Some(id))
    };
    let mut notes = Vec::new();
    if !matches!(answers.get("adopted"), Some(Value::Bool(true))) {
        return Ok(notes);
    }
    if set("workspace_member") {
        let given = answers
            .get("workspace_member")
            .map(Value::to_text)
            .unwrap_or_default();
        let real = crate::detect::uv_workspace_member(root).unwrap_or_default();
        if given != real {
            return Err(bad_input(
                format!(
                    "`workspace_member` is `{given}`, but this folder is {}",
                    if real.is_empty() {
                        "not a member of a uv workspace".to_string()
                    } else {
                        format!("the member `{real}` of its uv workspace")
                    }
                ),
                "drop `--set workspace_member=...`: it is where the project is in its \
                 workspace; nothing was written",
            ));
        }
    }
    if set("django_settings") {
        settings_exist(root, answers)?;
    }
    if set("django_env")
        && let Some(settings) = answers.get("django_settings").map(Value::to_text)
    {
        let read = match answers.get("django_env") {
            Some(Value::List(items)) => items.clone(),
            _ => Vec::new(),
        };
        let own: Vec<&str> = ["SECRET_KEY", "ALLOWED_HOSTS"]
            .into_iter()
            .filter(|name| !read.iter().any(|r| r == name))
            .collect();
        if !own.is_empty() {
            notes.push(format!(
                "`{settings}` must now set {} itself: the image no longer reads {} from the \
                 environment (`pyscaffold detect` says whether it does)",
                own.join(" and "),
                if own.len() > 1 { "them" } else { "it" }
            ));
        }
    }
    Ok(notes)
}

/// Refuses a `workspace_member` given by hand that is not where the project is: the image
/// would copy another folder's files. Checked before anything else about the answers.
pub(crate) fn check_workspace_member(
    root: &Path,
    detection: &Detection,
    layers: &[Layer],
) -> Result<()> {
    let Some(member) = layers
        .iter()
        .rev()
        .filter(|l| l.kind != LayerKind::Detected)
        .flat_map(|l| l.answers.iter().rev())
        .find(|a| a.id == "workspace_member")
        .map(|a| match &a.value {
            GivenValue::Text(text) => text.trim().to_string(),
            GivenValue::Yaml(value) => raw_text(value),
        })
    else {
        return Ok(());
    };
    let detected_member = workspace_member(root, detection).map(|(m, _)| m);
    if member == detected_member.clone().unwrap_or_default() {
        return Ok(());
    }
    Err(bad_input(
        match &detected_member {
            Some(real) => format!(
                "`workspace_member` is `{member}`, but this folder is the member `{real}` of its \
                 uv workspace: the image would copy another folder's files"
            ),
            None => format!(
                "`workspace_member` is `{member}`, but this folder is not a member of a uv \
                 workspace (no pyproject.toml above it takes it in [tool.uv.workspace])"
            ),
        },
        "drop `--set workspace_member=...`: `pyscaffold init` finds the workspace (`pyscaffold \
         detect` shows it); nothing was written",
    ))
}

/// In a monorepo service's folder, CI files are read only at the repository's root.
pub(crate) fn ci_outside_the_repository_root(root: &Path, answers: &Answers) -> Option<String> {
    let repo = git2::Repository::discover(root).ok()?;
    let top = repo.workdir()?.canonicalize().ok()?;
    let here = root.canonicalize().ok()?;
    if top == here {
        return None;
    }
    let ci = match answers.get("ci") {
        Some(Value::List(items)) if !items.is_empty() => items.join(", "),
        _ => return None,
    };
    Some(format!(
        "note: `{}` is inside the git repository `{}`: its CI systems ({ci}) read pipelines \
         only at the repository's root, so move or include the generated pipeline files there \
         (GitHub Actions: `.github/workflows/`; set the build's working directory to this folder)",
        root.display(),
        top.display()
    ))
}

/// Detection as a layer of answers, and the questions it could not settle (ambiguous, or no
/// conclusion) with why: their template default must not stand in.
pub(crate) fn detected_layer(
    set: &TemplateSet,
    root: &Path,
    detection: &Detection,
) -> Result<(Layer, BTreeMap<String, String>)> {
    let mut answers = Vec::new();
    let mut open = BTreeMap::new();
    let mut give = |id: &str, value: RawValue, at: String| {
        if let Some(question) = set.question(id) {
            // A detected value the question refuses is dropped with a note: the question's
            // default (or the user) answers instead.
            if let Err(why) = question.from_raw(&value) {
                eprintln!(
                    "note: detection found `{id}` = {} ({at}), which is not a valid answer \
                     ({why}); give it with `--set {id}=VALUE`",
                    raw_text(&value)
                );
                return;
            }
            answers.push(Given {
                id: id.to_string(),
                value: GivenValue::Yaml(value),
                at,
                written: None,
            });
        }
    };
    let findings = &detection.findings;
    let pyproject_installer = matches!(
        findings.installer.text(),
        Some("poetry" | "uv" | "pdm" | "flit")
    );
    for (id, finding) in findings.each() {
        if !ANSWERED.contains(&id) {
            continue;
        }
        if id == "package" && !pyproject_installer {
            continue;
        }
        match finding.certainty {
            Certainty::Ambiguous => {
                let between: Vec<String> = finding.between.iter().map(raw_text).collect();
                open.insert(
                    id.to_string(),
                    format!("detection is ambiguous between {}", between.join(" and ")),
                );
            }
            _ if finding.value.is_none() => {
                if matches!(id, "framework" | "installer" | "app") {
                    let why = finding
                        .note
                        .clone()
                        .unwrap_or_else(|| "detection found none".to_string());
                    open.insert(id.to_string(), why);
                }
            }
            _ => {
                let mut value = finding.value.clone().unwrap_or(RawValue::Null);
                if id == "port"
                    && let RawValue::Int(port) = value
                    && !(1024..=65535).contains(&port)
                {
                    eprintln!(
                        "note: the repository serves on port {port}; the image listens on \
                         8000 instead (non-root; map it with `-p {port}:8000`)"
                    );
                    continue;
                }
                if id == "copy" && findings.package.is_true() {
                    value = with_package_files(root, value)?;
                }
                give(id, value, origin(&finding));
            }
        }
    }
    let found = &findings.health_path;
    match found.text() {
        // A path the smoke test must get a 2xx from is taken only when detection is sure of it.
        Some(path) if found.certainty == Certainty::Certain => {
            give("health_path", RawValue::Str(path.into()), origin(found));
            give("health_check", RawValue::Str("path".into()), origin(found));
        }
        _ => {
            if let Some(path) = found.text() {
                eprintln!(
                    "note: detection guessed the health route `{path}` ({}): the health check \
                     is a liveness check instead; give `--health-path {path}` if the app serves it",
                    found.note.as_deref().unwrap_or("not certain")
                );
            }
            // Why there is no route to check: the line that rules routes out (HTTPS
            // redirects, an app-wide dependency), else that the code has none.
            let why = if found.text().is_none() && !found.evidence.is_empty() {
                origin(found)
            } else {
                "detected: no health route in the code".to_string()
            };
            give(
                "health_check",
                RawValue::Str("liveness".into()),
                why.clone(),
            );
            // A path no app routes: the framework answers 404 without running app code, so
            // the check needs no database or login.
            give("health_path", RawValue::Str(LIVENESS_PATH.into()), why);
        }
    }
    let ci: Vec<RawValue> = [
        (".github", "github"),
        (".gitlab-ci.yml", "gitlab"),
        (".circleci", "circleci"),
    ]
    .iter()
    .filter(|(path, _)| root.join(path).exists())
    .map(|(_, ci)| RawValue::Str(ci.to_string()))
    .collect();
    let ci_found = !ci.is_empty();
    if ci_found {
        give(
            "ci",
            RawValue::List(ci),
            "detected: the repository's CI files".into(),
        );
    }
    if let Some((member, at)) = workspace_member(root, detection) {
        give("workspace_member", RawValue::Str(member), at);
        // CI reads its files at the repository's root, not in a member's folder.
        if !ci_found {
            give(
                "ci",
                RawValue::List(vec![]),
                "a uv workspace member: CI files belong at the repository's root".into(),
            );
        }
    }
    // What the Django settings the image runs leave unset, the image reads from the
    // environment (settings of its own that import them).
    let unset: Vec<RawValue> = unset_django_settings(detection)
        .into_iter()
        .map(|name| RawValue::Str(name.into()))
        .collect();
    if let (false, Some(settings)) = (unset.is_empty(), &findings.django_settings) {
        give(
            "django_env",
            RawValue::List(unset),
            format!(
                "detected: `{}` sets none",
                settings.text().unwrap_or_default()
            ),
        );
    }
    if findings.framework.text() == Some("worker") {
        open.insert(
            "command".into(),
            "detection does not know how the worker starts".into(),
        );
    }
    match project_name(set, root) {
        Some((name, at)) => give("name", RawValue::Str(name), at),
        None => {
            open.insert(
                "name".into(),
                "neither pyproject.toml nor the folder's name is a valid project name".into(),
            );
        }
    }
    Ok((
        Layer {
            kind: LayerKind::Detected,
            origin: "detection".into(),
            answers,
        },
        open,
    ))
}

/// The Django settings (SECRET_KEY, ALLOWED_HOSTS) the settings module detection chose leaves
/// unset, as detection's warnings say.
pub(crate) fn unset_django_settings(detection: &Detection) -> Vec<&'static str> {
    detection
        .warnings
        .iter()
        .filter_map(|w| match w.kind {
            WarningKind::SettingsLackSecretKey => Some("SECRET_KEY"),
            WarningKind::SettingsLackAllowedHosts => Some("ALLOWED_HOSTS"),
            _ => None,
        })
        .collect()
}

/// What the image reads from the environment because the Django settings leave it unset,
/// said once, with what to set where the image runs.
pub(crate) fn django_env_note(answers: &Answers) -> Option<String> {
    let Some(Value::List(names)) = answers.get("django_env") else {
        return None;
    };
    if names.is_empty() {
        return None;
    }
    let settings = answers.get("django_settings").map(Value::to_text)?;
    let variables: Vec<String> = names.iter().map(|n| format!("DJANGO_{n}")).collect();
    Some(format!(
        "note: `{settings}` sets no {}: the image runs settings of its own that import it and \
         read {} from the environment (README.Docker.md); set {} where you deploy",
        names.join(" and no "),
        names.join(" and "),
        variables.join(" and ")
    ))
}

/// The folder of the uv workspace member at `root`, from the workspace root (`backend`,
/// `services/api`), and where detection found the workspace.
pub(crate) fn workspace_member(root: &Path, detection: &Detection) -> Option<(String, String)> {
    let ws = detection.findings.workspace.as_ref()?;
    let member = crate::detect::member_folder(root, ws.text()?)?;
    Some((member, origin(ws)))
}

/// Where the image of a uv workspace member builds from, said once.
pub(crate) fn workspace_note(root: &Path, detection: &Detection) -> Option<String> {
    let (member, at) = workspace_member(root, detection)?;
    let back = detection.findings.workspace.as_ref()?.text()?.to_string();
    Some(format!(
        "note: this project is the member `{member}` of the uv workspace at `{back}` ({at}): the \
         image builds with the workspace root as its context and installs from its uv.lock; \
         `Dockerfile.dockerignore` filters the workspace, and CI files, which belong at the \
         repository's root, are not written (call `python3 {member}/docker/build.py` from the \
         repository's pipeline)"
    ))
}

/// What the repository runs before a new version serves (a migration), which the image does
/// not run at start: said once, with how to run it.
pub(crate) fn release_note(detection: &Detection) -> Option<String> {
    let release = detection.findings.release_command.as_ref()?;
    let command = release.text()?;
    // A pipeline or list runs inside the container as one shell command, not on the host.
    let run = if command.contains(['|', '&', ';', '<', '>', '$', '`']) {
        format!("sh -c {}", crate::lock::shell_word(command))
    } else {
        command.to_string()
    };
    Some(format!(
        "note: the repository runs `{command}` before it serves ({}); the image never runs it at \
         start (replicas would race): run it once per release, before the new image takes \
         traffic, with the deployment's environment: `docker run --rm --env-file ENV_FILE IMAGE \
         {run}`",
        release
            .evidence
            .first()
            .map_or_else(String::new, |e| e.location())
    ))
}

/// Where a detected answer comes from, for prompts and messages: `detected: app.py:4`.
pub(crate) fn origin<T>(finding: &Finding<T>) -> String {
    match (finding.evidence.first(), finding.certainty) {
        (Some(evidence), Certainty::Guess) => format!("guessed from {}", evidence.location()),
        (Some(evidence), _) => format!("detected: {}", evidence.location()),
        (None, Certainty::Guess) => "guessed: nothing in the repository names it".into(),
        (None, _) => "detected".into(),
    }
}

/// A package build needs the readme and license files its pyproject.toml names.
pub(crate) fn with_package_files(root: &Path, value: RawValue) -> Result<RawValue> {
    let RawValue::List(mut items) = value else {
        return Ok(value);
    };
    let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) else {
        return Ok(RawValue::List(items));
    };
    let doc: toml::Table = toml::from_str(&text).context("cannot parse pyproject.toml")?;
    let project = doc.get("project").and_then(|p| p.as_table());
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.as_table());
    let mut files = Vec::new();
    for table in [project, poetry].into_iter().flatten() {
        for key in ["readme", "license"] {
            match table.get(key) {
                Some(toml::Value::String(s)) if key == "readme" => files.push(s.clone()),
                Some(toml::Value::Table(t)) => {
                    if let Some(file) = t.get("file").and_then(|f| f.as_str()) {
                        files.push(file.to_string());
                    }
                }
                Some(toml::Value::Array(list)) if key == "readme" => {
                    files.extend(list.iter().filter_map(|v| v.as_str()).map(str::to_string))
                }
                _ => {}
            }
        }
        if let Some(toml::Value::Array(list)) = table.get("license-files") {
            files.extend(
                list.iter()
                    .filter_map(|v| v.as_str())
                    .filter(|s| !s.contains(['*', '?', '[']))
                    .map(str::to_string),
            );
        }
    }
    for file in files {
        let item = RawValue::Str(file.clone());
        if root.join(&file).is_file() && !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(RawValue::List(items))
}

/// The project's name: pyproject's, else the folder's, made a valid name.
pub(crate) fn project_name(set: &TemplateSet, root: &Path) -> Option<(String, String)> {
    let question = set.question("name")?;
    let mut candidates = Vec::new();
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml"))
        && let Some(name) = crate::detect::project_name(&text)
    {
        candidates.push((name, "detected: pyproject.toml name".to_string()));
    }
    let folder = std::fs::canonicalize(root).ok()?;
    if let Some(name) = folder.file_name().and_then(|n| n.to_str()) {
        candidates.push((
            name.to_string(),
            format!("detected: the folder name `{name}`"),
        ));
    }
    for (raw, at) in candidates {
        let name = slug(&raw);
        for candidate in [name.clone(), format!("{name}-service")] {
            if question.parse_text(&candidate).is_ok() {
                return Some((candidate, at));
            }
        }
    }
    None
}

/// `My_Flask.App` → `my-flask-app`: lowercase letters, digits and single dashes.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit());
    let out: String = out.chars().take(40).collect();
    out.trim_matches('-').to_string()
}

pub(crate) fn raw_text(value: &RawValue) -> String {
    match value {
        RawValue::Str(s) => format!("`{s}`"),
        RawValue::List(items) => items.iter().map(raw_text).collect::<Vec<_>>().join(", "),
        RawValue::Int(i) => i.to_string(),
        RawValue::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// What init writes: managed files always (one that exists and differs only with `--force`),
/// seeded ones only where the repository has none. Returns the plan, the files it records and
/// the files `--force` replaces.
pub(crate) fn plan(
    root: &Path,
    rendered: &[RenderedFile],
    force: bool,
) -> Result<(Plan, Vec<RenderedFile>, Vec<String>)> {
    let inputs = Inputs {
        root,
        base: None,
        target: rendered,
        record: None,
    };
    let plan = reconcile(&inputs, Policy::Adopt)?;
    let kept: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.note.as_deref() == Some(REPOSITORY_OWN))
        .map(|s| s.path.as_str())
        .collect();
    let written: Vec<RenderedFile> = rendered
        .iter()
        .filter(|f| !kept.contains(&f.path.as_str()))
        .cloned()
        .collect();
    let existing: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Update)
        .map(|s| s.path.clone())
        .collect();
    if !existing.is_empty() && !force {
        let listed: Vec<String> = existing.iter().map(|p| format!("`{p}`")).collect();
        return Err(bad_input(
            format!(
                "the repository already has {}, which pyscaffold's packaging would replace",
                listed.join(", ")
            ),
            "`--force` replaces them (and lists them; see the difference first with \
             `--dry-run`), or move them away first; nothing was written",
        ));
    }
    Ok((plan, written, existing))
}

/// A `.gitignore` step that re-includes what the repository's patterns would leave out of git
/// (GitHub's Python template ignores `env/`, `lib/`, `build/`, ...), so a clean clone builds.
pub(crate) fn gitignore_fix(root: &Path, written: &[RenderedFile]) -> Result<Option<Step>> {
    let path = root.join(GITIGNORE);
    let Ok(original) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let mut added: Vec<String> = Vec::new();
    // Each pass re-includes the topmost ignored folder or file; deeper ones may need their own.
    for _ in 0..64 {
        let mut text = original.clone();
        for line in &added {
            text.push_str(&format!("\n{line}"));
        }
        let matcher = gitignore_matcher(root, &text)?;
        let mut next = None;
        'files: for file in written {
            let parts: Vec<&str> = file.path.split('/').collect();
            for depth in 1..=parts.len() {
                let prefix = parts[..depth].join("/");
                let is_dir = depth < parts.len();
                if matcher.matched(&prefix, is_dir).is_ignore() {
                    next = Some(if is_dir {
                        format!("!/{prefix}/")
                    } else {
                        format!("!/{prefix}")
                    });
                    break 'files;
                }
            }
        }
        match next {
            Some(line) if !added.contains(&line) => added.push(line),
            Some(line) => {
                return Err(bad_input(
                    format!("`.gitignore` keeps ignoring `{line}` even after re-including it"),
                    "check the patterns after it, then run `pyscaffold init` again; nothing was written",
                ));
            }
            None => break,
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    let mut text = original.clone();
    if !text.ends_with('\n') && !text.is_empty() {
        text.push('\n');
    }
    text.push_str(
        "\n# pyscaffold: packaging files the patterns above would leave out of git (a clean\n# clone could not build the image without them)\n",
    );
    for line in &added {
        text.push_str(line);
        text.push('\n');
    }
    let mut step = Step::new(GITIGNORE, Action::Update);
    step.old = Some(original);
    step.new = Some(text);
    step.note = Some(added.join(", "));
    Ok(Some(step))
}

pub(crate) fn gitignore_matcher(root: &Path, text: &str) -> Result<ignore::gitignore::Gitignore> {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    for line in text.lines() {
        // A line the matcher cannot parse is one git ignores too.
        let _ = builder.add_line(None, line);
    }
    builder.build().context("cannot read .gitignore's patterns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_names() {
        assert_eq!(slug("My_Flask.App"), "my-flask-app");
        assert_eq!(slug("--x--"), "x");
        assert_eq!(slug("2fast"), "fast");
        assert_eq!(slug("flaskr"), "flaskr");
    }
}
