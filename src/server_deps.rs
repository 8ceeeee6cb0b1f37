//! Adding the server packages an adopted repository lacks (gunicorn, the uvicorn worker) with the
//! installer's own command, so they become the project's dependencies, at versions its resolver
//! finds compatible with what the project pins. Where the installer has no such command (pip,
//! pip-tools, Pipenv, flit) or it is not on PATH, the image adds them from hashed pins instead
//! (`docker/server-requirements.txt`).

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::lock::{find_on_path, shell_word};

/// How an installer adds a dependency without installing anything.
#[derive(Clone)]
pub struct AddRule {
    pub tool: &'static str,
    args: Vec<String>,
    /// Environment the command runs with (no virtualenv for a resolve-only run).
    env: &'static [(&'static str, &'static str)],
    /// The files the command changes (the lock at the uv workspace's root for a member).
    pub files: Vec<String>,
    /// Files the command may leave behind that the project did not ask for.
    litter: &'static [&'static str],
}

/// The add command of `installer`, if it has one that only edits and locks.
pub fn rule(installer: &str) -> Option<AddRule> {
    match installer {
        "uv" => Some(AddRule {
            tool: "uv",
            args: words(&["add", "--no-sync"]),
            env: &[],
            files: words(&["pyproject.toml", "uv.lock"]),
            litter: &[],
        }),
        "poetry" => Some(AddRule {
            tool: "poetry",
            args: words(&["add", "--lock"]),
            env: &[],
            files: words(&["pyproject.toml", "poetry.lock"]),
            litter: &[],
        }),
        "pdm" => Some(AddRule {
            tool: "pdm",
            args: words(&["add", "--no-sync"]),
            env: &[("PDM_USE_VENV", "false"), ("PDM_CHECK_UPDATE", "false")],
            files: words(&["pyproject.toml", "pdm.lock"]),
            litter: &[".pdm-python", ".venv"],
        }),
        _ => None,
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

impl AddRule {
    /// Poetry wants a dependency to support every Python the project allows (`^3.9`), so the
    /// newest gunicorn can be refused; the same command limited to the Python the image runs
    /// (`--python >=3.11`) is the retry. None for the other installers.
    pub fn for_python(&self, python: &str) -> Option<AddRule> {
        (self.tool == "poetry").then(|| {
            let mut rule = self.clone();
            rule.args
                .extend(["--python".to_string(), format!(">={python}")]);
            rule
        })
    }

    /// The same command in a uv workspace member, whose lock is the workspace root's at
    /// `back` (`..`): that is the file it changes, and the one put back when it fails.
    pub fn in_workspace(mut self, back: &str) -> AddRule {
        for file in &mut self.files {
            if file.ends_with(".lock") {
                *file = format!("{back}/{file}");
            }
        }
        self
    }

    /// The command line, as the user would type it.
    pub fn command_line(&self, packages: &[String]) -> String {
        let mut words = vec![self.tool.to_string()];
        words.extend(self.args.iter().map(|a| shell_word(a)));
        words.extend(packages.iter().map(|p| shell_word(p)));
        words.join(" ")
    }

    pub fn on_path(&self) -> bool {
        find_on_path(self.tool).is_some()
    }

    /// Runs the command in `root`. On failure every file it touched is put back as it was and
    /// the error says why (the installer's last lines).
    pub fn run(&self, root: &Path, packages: &[String]) -> Result<Result<Vec<String>, String>> {
        let before: Vec<Option<Vec<u8>>> = self
            .files
            .iter()
            .map(|f| std::fs::read(root.join(f)).ok())
            .collect();
        let litter_before: Vec<bool> = self.litter.iter().map(|f| root.join(f).exists()).collect();
        eprintln!(
            "running `{}` in {}",
            self.command_line(packages),
            root.display()
        );
        let spinner = crate::progress::spinner(format!("{} is adding the packages", self.tool));
        let output = Command::new(self.tool)
            .args(&self.args)
            .args(packages)
            .envs(self.env.iter().copied())
            .current_dir(root)
            .output()
            .with_context(|| format!("cannot run `{}`", self.tool))?;
        drop(spinner);
        for (file, existed) in self.litter.iter().zip(litter_before) {
            let path = root.join(file);
            if !existed && path.exists() {
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.with_context(|| format!("cannot remove `{}`", path.display()))?;
            }
        }
        if !output.status.success() {
            for (file, old) in self.files.iter().zip(&before) {
                let path = root.join(file);
                match old {
                    Some(bytes) => std::fs::write(&path, bytes),
                    None if path.exists() => std::fs::remove_file(&path),
                    None => Ok(()),
                }
                .with_context(|| format!("cannot restore `{}`", path.display()))?;
            }
            // Poetry prints its errors on stdout.
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let said = if stderr.trim().is_empty() {
                stdout
            } else {
                stderr
            };
            let tail: Vec<&str> = said
                .lines()
                .filter(|l| !l.trim().is_empty())
                .rev()
                .take(4)
                .collect();
            let tail: Vec<&str> = tail.into_iter().rev().map(str::trim).collect();
            return Ok(Err(format!(
                "`{}` failed ({}):\n    {}",
                self.command_line(packages),
                output.status,
                tail.join("\n    ")
            )));
        }
        let changed = self
            .files
            .iter()
            .zip(&before)
            .filter(|(f, old)| std::fs::read(root.join(f)).ok() != **old)
            .map(|(f, _)| f.to_string())
            .collect();
        Ok(Ok(changed))
    }
}
