//! `pyscaffold eject PATH...`: take managed files (or a folder of them) out of `upgrade`'s reach.
//!
//! The file stays as it is; its entry in `.pyscaffold.yml` becomes `ejected`, and `upgrade`
//! reports it and leaves it alone from then on.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::EjectArgs;
use crate::error::bad_input;
use crate::plan::{Action, Plan, Step};
use crate::record::RECORD_FILE;
use crate::template_set::Ownership;

/// `path` as the record writes paths: `/`-separated, `.` and `..` resolved (a `..` above the
/// project is kept, so the path is then named as not the project's).
fn normalise(path: &Path, folder: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let mut text = parts.join("/");
    if folder {
        text.push('/');
    }
    text
}

/// Marks each path ejected in the record; checks them all before writing.
pub fn run(mut args: EjectArgs) -> Result<ExitCode> {
    // Run from a folder inside the project, paths are relative to that folder (`..` and
    // absolute paths into the project too).
    let root = crate::project::root_for(&args.dir)?;
    let top = std::fs::canonicalize(&root).ok();
    let inside = std::fs::canonicalize(&args.dir)
        .ok()
        .zip(top.as_ref())
        .and_then(|(inside, top)| inside.strip_prefix(top).ok().map(Path::to_path_buf))
        .unwrap_or_default();
    for path in &mut args.paths {
        let given = Path::new(path.as_str());
        let joined = match (given.is_absolute(), &top) {
            (true, Some(top)) => given.strip_prefix(top).unwrap_or(given).to_path_buf(),
            _ => inside.join(given),
        };
        *path = normalise(&joined, path.ends_with('/'));
    }
    args.dir = root;
    let _lock = if args.dir.is_dir() {
        Some(crate::writer::begin(&args.dir)?)
    } else {
        None
    };
    crate::project::require_record(&args.dir)?;
    // The record checked as `upgrade` checks it: eject does not rewrite a tampered one.
    let mut record = crate::project::load(&args.dir)?.record;
    let mut changed = Vec::new();
    for given in &args.paths {
        let given = given.trim_start_matches("./");
        // A folder stands for the managed files under it.
        let folder = format!("{}/", given.trim_end_matches('/'));
        let paths: Vec<String> = if record.files.iter().any(|f| f.path == given) {
            vec![given.to_string()]
        } else {
            record
                .files
                .iter()
                .filter(|f| f.path.starts_with(&folder) && f.kind != Some(Ownership::Seeded))
                .map(|f| f.path.clone())
                .collect()
        };
        if paths.is_empty() {
            return Err(bad_input(
                format!(
                    "`{}` is not a file (or folder) pyscaffold generated in this project",
                    crate::error::quoted(given)
                ),
                format!(
                    "give a path listed under `files:` in `{RECORD_FILE}`, or a folder of them \
                     (`docker/`); a path is taken from the folder you are in, as git takes it"
                ),
            ));
        }
        for path in paths {
            let Some(entry) = record.files.iter_mut().find(|f| f.path == path) else {
                continue;
            };
            match entry.kind {
                Some(Ownership::Seeded) => {
                    return Err(bad_input(
                        format!(
                            "`{path}` is seeded: it is already yours and `upgrade` never touches it"
                        ),
                        "only managed files (the packaging) can be ejected",
                    ));
                }
                Some(Ownership::Ejected) => eprintln!("note: `{path}` was already ejected"),
                _ => {
                    entry.kind = Some(Ownership::Ejected);
                    changed.push(path);
                }
            }
        }
    }
    let mut step = Step::new(RECORD_FILE, Action::Update);
    step.new = Some(record.to_yaml()?);
    crate::writer::apply(&args.dir, &Plan { steps: vec![step] })?;
    for path in changed {
        eprintln!("ejected `{path}`: `pyscaffold upgrade` will leave it alone");
    }
    Ok(ExitCode::SUCCESS)
}
