//! The external validators built-in output is tested with, run on a rendered project by
//! `pack check`: hadolint, shellcheck, actionlint, check-jsonschema (the CI systems' schemas),
//! yamllint and Python's compiler. Each runs when it is on PATH; a missing one is reported,
//! never silently passed.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};

use crate::template_set::RenderedFile;

/// yamllint's configuration for generated YAML (as the test suite uses it).
pub const YAMLLINT_CONFIG: &str = "{extends: default, rules: {truthy: {check-keys: false}, \
                                   document-start: disable, line-length: {max: 160}}}";

/// The CI files with a schema check-jsonschema carries.
const SCHEMAS: &[(&str, &str)] = &[
    ("vendor.github-workflows", ".github/workflows/"),
    ("vendor.dependabot", ".github/dependabot.yml"),
    ("vendor.gitlab-ci", ".gitlab-ci.yml"),
    ("vendor.circle-ci", ".circleci/config.yml"),
];

/// What the validators said about one rendered project.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Validator → its output, for each that failed.
    pub failures: Vec<(String, String)>,
    /// Validators not on PATH.
    pub missing: Vec<String>,
}

/// Writes `files` into `dir` (which must be empty) and runs every validator that applies.
pub fn validate(dir: &Path, files: &[RenderedFile]) -> Result<Outcome> {
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    let paths = |pred: &dyn Fn(&str) -> bool| -> Vec<String> {
        files
            .iter()
            .map(|f| f.path.clone())
            .filter(|p| pred(p))
            .collect()
    };
    let mut outcome = Outcome::default();
    let mut check = |tool: &str, args: Vec<String>, targets: Vec<String>| {
        if targets.is_empty() {
            return;
        }
        let Some(program) = on_path(tool) else {
            if !outcome.missing.iter().any(|m| m == tool) {
                outcome.missing.push(tool.to_string());
            }
            return;
        };
        let result = Command::new(program)
            .args(&args)
            .args(&targets)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output();
        match result {
            Ok(out) if out.status.success() => {}
            Ok(out) => outcome.failures.push((
                tool.to_string(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
                .trim()
                .to_string(),
            )),
            Err(e) => outcome
                .failures
                .push((tool.to_string(), format!("cannot run {tool}: {e}"))),
        }
    };
    let dockerfiles = paths(&|p| p == "Dockerfile" || p.ends_with("/Dockerfile"));
    for dockerfile in dockerfiles {
        check("hadolint", vec!["--no-color".into()], vec![dockerfile]);
    }
    check(
        "shellcheck",
        vec!["-S".into(), "style".into()],
        paths(&|p| p.ends_with(".sh")),
    );
    check(
        "actionlint",
        vec!["-no-color".into()],
        paths(&|p| p.starts_with(".github/workflows/") && p.ends_with(".yml")),
    );
    for (schema, prefix) in SCHEMAS {
        for file in paths(&|p| p == *prefix || (prefix.ends_with('/') && p.starts_with(prefix))) {
            check(
                "check-jsonschema",
                vec!["--builtin-schema".into(), (*schema).to_string()],
                vec![file],
            );
        }
    }
    check(
        "yamllint",
        vec!["--strict".into(), "-d".into(), YAMLLINT_CONFIG.into()],
        paths(&|p| p.ends_with(".yml") || p.ends_with(".yaml")),
    );
    let script = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, 'exec')";
    check(
        "python3",
        vec!["-c".into(), script.into()],
        paths(&|p| p.ends_with(".py")),
    );
    Ok(outcome)
}

/// `name` on PATH.
fn on_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
