//! `pyscaffold eject PATH...`: take managed files (or a folder of them) out of `upgrade`'s reach.
//!
//! The file stays as it is; its entry in `.pyscaffold.yml` becomes `ejected`, and `upgrade`
//! reports it and leaves it alone from then on.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::EjectArgs;
use crate::error::bad_input;
use crate::plan::{Action, Plan, Step};
use crate::record::{self, RECORD_FILE};
use crate::template_set::Ownership;

/// Marks each path ejected in the record; checks them all before writing.
pub fn run(mut args: EjectArgs) -> Result<ExitCode> {
    // Run from a folder inside the project, paths are relative to that folder.
    let root = crate::project::root_for(&args.dir);
    if root != args.dir
        && let (Ok(inside), Ok(top)) = (
            std::fs::canonicalize(&args.dir),
            std::fs::canonicalize(&root),
        )
        && let Ok(prefix) = inside.strip_prefix(&top)
    {
        let prefix = prefix.to_string_lossy().replace('\\', "/");
        for path in &mut args.paths {
            *path = format!("{prefix}/{}", path.trim_start_matches("./"));
        }
    }
    args.dir = root;
    let _lock = if args.dir.is_dir() {
        Some(crate::writer::begin(&args.dir)?)
    } else {
        None
    };
    let mut record = record::load(&args.dir)?;
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
                format!("`{given}` is not a file (or folder) pyscaffold generated in this project"),
                format!(
                    "give a path listed under `files:` in `{RECORD_FILE}`, or a folder of them \
                     (`docker/`), relative to the project"
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
