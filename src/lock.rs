//! Creating the installer's lock file in a freshly generated project.
//!
//! Where the installer locks (pip-tools, Pipenv, Poetry, uv, PDM), `new` runs its lock command
//! when the tool is on PATH, so the project builds at once; otherwise it prints the command.
//! The image build refuses to resolve unpinned versions and stops with the same instruction.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::template_set::LockRule;

/// What happened to the lock file.
#[derive(Debug, PartialEq, Eq)]
pub enum LockOutcome {
    /// The installer needs no lock file.
    NotNeeded,
    Created,
    /// Skipped (`--no-lock` or tool missing); the message says what to run.
    Skipped(String),
    /// The tool ran and failed; the message says how to retry.
    Failed(String),
}

/// Runs (or explains) the lock commands of `rule` in `root`.
pub fn lock(rule: Option<&LockRule>, root: &Path, skip: bool) -> Result<LockOutcome> {
    let Some(rule) = rule else {
        return Ok(LockOutcome::NotNeeded);
    };
    let commands: Vec<String> = rule.commands.iter().map(|c| c.join(" ")).collect();
    let dir = shell_word(&root.display().to_string());
    let instruction = format!("cd {dir} && {}", commands.join(" && "));
    if skip {
        return Ok(LockOutcome::Skipped(format!(
            "lock file not created (--no-lock): run `{instruction}` before building the image"
        )));
    }
    if find_on_path(&rule.tool).is_none() {
        return Ok(LockOutcome::Skipped(format!(
            "`{}` is not on PATH, so no lock file was created: install it and run \
             `{instruction}` before building the image",
            rule.tool
        )));
    }
    for command in &rule.commands {
        let Some((program, args)) = command.split_first() else {
            continue;
        };
        eprintln!("running `{}` in {}", command.join(" "), root.display());
        let mut run = Command::new(program);
        run.args(args).current_dir(root);
        // On a terminal a spinner stands for the installer's output, which is shown only if it
        // fails; elsewhere (CI logs) the output goes through as it comes.
        let status = if crate::progress::shown() {
            let spinner = crate::progress::spinner(format!("{program} is locking"));
            let output = run
                .output()
                .with_context(|| format!("cannot run `{program}`"))?;
            drop(spinner);
            if !output.status.success() {
                use std::io::Write as _;
                let mut err = std::io::stderr();
                let _ = err.write_all(&output.stdout);
                let _ = err.write_all(&output.stderr);
            }
            output.status
        } else {
            run.status()
                .with_context(|| format!("cannot run `{program}`"))?
        };
        if !status.success() {
            return Ok(LockOutcome::Failed(format!(
                "`{}` failed ({status}); fix the cause and run `{instruction}`",
                command.join(" ")
            )));
        }
    }
    Ok(LockOutcome::Created)
}

/// Quotes a word for a shell command line when it needs it (a path with spaces), so printed
/// commands can be pasted as they are.
pub fn shell_word(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./@%+=:,".contains(c));
    if plain && !text.is_empty() {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
