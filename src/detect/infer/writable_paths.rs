//! Writable paths: folders and files the app writes at start, which the read-only root refuses.

use crate::detect::code::*;
use crate::detect::{Evidence, Finding};

/// Paths the app writes when it starts, which the read-only root file system would refuse.
/// `installed_as`: the app's module when the project is installed as a package, whose Flask
/// instance folder is then `/opt/venv/var/MODULE-instance`, not `instance/` beside the code.
pub fn writable_paths(
    code: &Code,
    source_root: &str,
    installed_as: Option<&str>,
) -> Finding<Vec<String>> {
    let mut paths = Vec::new();
    let mut evidence = Vec::new();
    let prefix = |p: &str| {
        if source_root.is_empty() {
            p.to_string()
        } else {
            format!("{source_root}/{p}")
        }
    };
    let instance = match installed_as {
        Some(module) => format!("/opt/venv/var/{module}-instance"),
        None => prefix("instance"),
    };
    for (file, line, text) in &code.instance {
        evidence.push(Evidence::at(file.clone(), Some(*line), text.clone()));
        paths.push(instance.clone());
    }
    for (file, line, url) in &code.sqlite {
        let rel = url.trim_start_matches("sqlite:///");
        // `./data/app.db` is `data/app.db`; an absolute path is outside the code's folder.
        let rel = rel.trim_start_matches("./");
        if rel.starts_with('/') || rel.split('/').any(|part| part == "..") {
            continue;
        }
        let folder = if code.uses_flask_sqlalchemy {
            instance.clone()
        } else {
            prefix(
                &rel.rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_else(|| "data".into()),
            )
        };
        evidence.push(Evidence::at(
            file.clone(),
            Some(*line),
            format!("\"{url}\""),
        ));
        paths.push(folder);
    }
    // Relative paths the code opens resolve against the working folder, /app.
    let mut in_working_folder = Vec::new();
    for (file, write) in &code.writes {
        match write.folder() {
            "" => in_working_folder.push(write.path.clone()),
            folder => {
                evidence.push(Evidence::at(
                    file.clone(),
                    Some(write.line),
                    write.path.clone(),
                ));
                paths.push(folder.to_string());
            }
        }
    }
    paths.sort();
    paths.dedup();
    let finding = Finding::certain(paths, evidence);
    if !in_working_folder.is_empty() {
        return finding.noted(format!(
            "the app writes {} in the working folder, which the read-only root refuses: write \
             it into a folder of its own (e.g. `logs/`), which the image makes writable",
            in_working_folder
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if code
        .sqlite
        .iter()
        .any(|(_, _, u)| !u.trim_start_matches("sqlite:///").contains('/'))
        && !code.uses_flask_sqlalchemy
    {
        finding.noted("a sqlite file in the working folder cannot be written on a read-only root: point it into the writable folder")
    } else {
        finding
    }
}
