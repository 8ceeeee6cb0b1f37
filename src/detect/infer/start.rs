//! How the repository starts today: start hints, the server target and release command of its
//! start commands, its image's environment, its port.

use std::path::Path;

use crate::detect::deps::*;
use crate::detect::parse::dockerfile::{bind_port, env_value, exposed_port, final_stage};
use crate::detect::parse::start::{self, Target};
use crate::detect::{Evidence, Finding, join, line_of, read_optional};

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
                        shlex::try_join(start::without_launcher(&words).iter().map(String::as_str))
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
                    // A script of the repository, not a link out of it.
                    let path = join(root, &script);
                    let inside = match (path.canonicalize(), root.canonicalize()) {
                        (Ok(p), Ok(r)) => p.starts_with(r),
                        _ => false,
                    };
                    let plain =
                        inside && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
                    if let Some(text) = (crate::paths::is_safe_relative_path(&script) && plain)
                        .then(|| read_optional(&path).ok().flatten())
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
