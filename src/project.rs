//! A generated project as `upgrade` and `eject` see it: its record, and the base (the recorded
//! template version rendered again with the recorded answers and the recorded pyscaffold
//! version as metadata), byte for byte what `new` wrote.

use std::path::Path;

use anyhow::Result;
use semver::Version;

use crate::answers::yaml_layer;
use crate::answers_file::parse_answers;
use crate::error::bad_input;
use crate::record::{self, RECORD_FILE, Record};
use crate::resolve::{LayerKind, Options, resolve};
use crate::template_set::{Ownership, RenderMeta, RenderedFile, TemplateSet, builtin};

/// A project with its base rendered.
pub struct Project {
    pub record: Record,
    pub version: Version,
    pub set: TemplateSet,
    /// The recorded version's files for the recorded answers.
    pub base: Vec<RenderedFile>,
    pub meta: RenderMeta,
    /// The recorded packs, as they were when the project was generated (or last upgraded).
    pub packs: Vec<crate::pack::Pack>,
    /// Folder packs whose files changed since: the base cannot be rebuilt, so `base` is empty
    /// and upgrade replaces only managed files you did not edit.
    pub changed_packs: Vec<String>,
}

/// The project `start` is in: `start` itself when it holds `.pyscaffold.yml`, else the nearest
/// folder above it that does, as git and cargo find theirs. The search stops at the
/// repository's root (a folder with `.git`), so a project is never found outside the
/// repository `start` is in. `None` when there is none (the caller's error names `start`).
pub fn find_root(start: &Path) -> Option<std::path::PathBuf> {
    if start.join(RECORD_FILE).exists() {
        return Some(start.to_path_buf());
    }
    let absolute = std::fs::canonicalize(start).ok()?;
    for dir in absolute.ancestors() {
        if dir.join(RECORD_FILE).exists() {
            return Some(dir.to_path_buf());
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// The project for a command run in `dir`: the folder [`find_root`] finds (saying so when it
/// is above `dir`), or `dir` itself, whose missing record [`require_record`] reports once an
/// interrupted run there was recovered (its record may be in the staging folder). A `dir` that
/// is a file is refused (`-C Dockerfile`), as git refuses it.
pub fn root_for(dir: &Path) -> Result<std::path::PathBuf> {
    if dir.exists() && !dir.is_dir() {
        return Err(bad_input(
            format!(
                "`{}` is a file, not a folder",
                crate::error::quoted_path(dir)
            ),
            "give the project's folder, or a folder inside it, with `-C DIR`",
        ));
    }
    Ok(match find_root(dir) {
        Some(root) if root != dir => {
            eprintln!("note: the project is `{}`", root.display());
            root
        }
        _ => dir.to_path_buf(),
    })
}

/// Refuses `root`, the folder [`root_for`] gave, when it has no record: no folder above had
/// one either, and the message says where that search stopped. Anything else wrong with it
/// (missing, a record that is a link or a folder) is left to loading the record.
pub fn require_record(root: &Path) -> Result<()> {
    match std::fs::symlink_metadata(root.join(RECORD_FILE)) {
        Err(_) if root.is_dir() => {
            let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let stop = match absolute.ancestors().find(|d| d.join(".git").exists()) {
                Some(repository) => {
                    format!("up to the repository's root `{}`", repository.display())
                }
                None => "up to the file system's root".to_string(),
            };
            Err(bad_input(
                format!(
                    "`{}`{} is not in a project pyscaffold generated: neither it nor a folder \
                     above it, {stop}, has `{RECORD_FILE}`",
                    crate::error::quoted_path(root),
                    if absolute.as_path() == root {
                        String::new()
                    } else {
                        format!(" (`{}`)", crate::error::quoted_path(&absolute))
                    }
                ),
                "run the command in the project's directory or below it, or give it with `-C \
                 DIR`; if the record was deleted, restore it from version control (`git checkout \
                 -- .pyscaffold.yml`); a directory pyscaffold did not generate has no record \
                 (`pyscaffold init` adds the packaging to it)",
            ))
        }
        _ => Ok(()),
    }
}

/// Loads the record at `root`, checks it against the recorded template version, renders the
/// base and fills in ownership kinds that older records lack.
pub fn load(root: &Path) -> Result<Project> {
    load_with(root, record::load(root)?)
}

/// [`load`] with the record already read from `root` (`fleet report` reads it first).
pub fn load_with(root: &Path, mut record: record::Record) -> Result<Project> {
    let shown = root.join(RECORD_FILE).display().to_string();
    if record.template.id != builtin::BUILTIN_ID {
        return Err(bad_input(
            format!(
                "`{shown}` names the template set `{}`, which this pyscaffold does not have",
                record.template.id
            ),
            format!(
                "only the built-in set `{}` can be upgraded; restore the file from version \
                 control if it was edited",
                builtin::BUILTIN_ID
            ),
        ));
    }
    let known = builtin::versions()?;
    let newest = known.last().map(ToString::to_string).unwrap_or_default();
    let version = Version::parse(&record.template.version)
        .ok()
        .filter(|v| known.contains(v));
    let Some(version) = version else {
        return Err(bad_input(
            format!(
                "`{shown}` records template version `{}`, which this pyscaffold ({}, templates up \
                 to {newest}) does not have",
                record.template.version,
                crate::VERSION
            ),
            "install the pyscaffold that generated the project, or a newer one",
        ));
    };
    let recorded = crate::pack::load_recorded(&record.packs)?;
    let changed_packs: Vec<String> = recorded
        .iter()
        .filter(|(_, changed)| *changed)
        .map(|(p, _)| p.manifest.name.clone())
        .collect();
    let packs: Vec<crate::pack::Pack> = recorded.into_iter().map(|(p, _)| p).collect();
    let set = crate::pack::layered(&version, &packs)?;
    // Parsed again for its answers' line numbers, so a bad answer is cited by line.
    let text = std::fs::read_to_string(root.join(RECORD_FILE))?;
    let answers = parse_answers(&text, &format!("`{shown}`"))?;
    let layer = yaml_layer(LayerKind::Record, format!("`{shown}`"), answers);
    let resolved = resolve(
        &set,
        &[layer],
        None,
        &Options {
            use_defaults: true,
            ..Options::default()
        },
    )
    .map_err(|e| {
        bad_input(
            format!("the answers in `{shown}` do not fit template version {version}: {e}"),
            "restore the file from version control, or fix the answer named",
        )
    })?;
    let meta = RenderMeta {
        pyscaffold_version: record.pyscaffold.clone(),
    };
    if !changed_packs.is_empty() {
        if !record.integrity_holds() {
            return Err(digest_mismatch(&shown));
        }
        // No base: the hashes cannot be checked, and nothing is merged.
        for entry in &mut record.files {
            entry
                .kind
                .get_or_insert(crate::template_set::Ownership::Managed);
        }
        return Ok(Project {
            record,
            version,
            set,
            base: Vec::new(),
            meta,
            packs,
            changed_packs,
        });
    }
    let base = set.render(&resolved.answers, &meta)?;
    if let Err(problem) = check_integrity(&record, &base, &shown, &version) {
        // A version changed by hand shows as every entry fitting another version.
        let other = known.iter().filter(|v| **v != version).find(|v| {
            render_version(v, &packs, &text, &shown, &meta)
                .is_some_and(|other| check_integrity(&record, &other, &shown, v).is_ok())
        });
        if let Some(other) = other {
            return Err(bad_input(
                format!(
                    "`{shown}` was edited by hand: it records template version {version}, but \
                     its files are what templates {other} generate"
                ),
                format!(
                    "put `version: \"{other}\"` back under `template:` (or restore \
                     `{RECORD_FILE}` from version control); to move to {version}, run \
                     `pyscaffold upgrade --to {version}`, which merges your edits"
                ),
            ));
        }
        // A `pyscaffold:` version changed by hand shows as every file naming this one's.
        let current = RenderMeta::current();
        if record.pyscaffold != current.pyscaffold_version
            && set
                .render(&resolved.answers, &current)
                .is_ok_and(|files| check_integrity(&record, &files, &shown, &version).is_ok())
        {
            return Err(bad_input(
                format!(
                    "`{shown}` was edited by hand: it says `pyscaffold: \"{}\"`, but its files \
                     were written by pyscaffold {}",
                    record.pyscaffold, current.pyscaffold_version
                ),
                format!(
                    "put `pyscaffold: \"{}\"` back (or restore `{RECORD_FILE}` from version \
                     control): the field records which pyscaffold wrote the files, and upgrade \
                     re-renders them with it",
                    current.pyscaffold_version
                ),
            ));
        }
        return Err(problem);
    }
    // Every single field fits: the digest catches a combination that does, but is not what
    // pyscaffold wrote (an ejected file marked `managed` again, which the version manages).
    if !record.integrity_holds() {
        return Err(digest_mismatch(&shown));
    }
    for entry in &mut record.files {
        if entry.kind.is_none() {
            entry.kind = base.iter().find(|f| f.path == entry.path).map(|f| f.kind);
        }
    }
    Ok(Project {
        record,
        version,
        set,
        base,
        meta,
        packs,
        changed_packs,
    })
}

/// The refusal of a record whose digest does not match its fields.
fn digest_mismatch(shown: &str) -> anyhow::Error {
    bad_input(
        format!(
            "`{shown}` was edited by hand: its `integrity` digest no longer matches the versions, \
             packs and file entries it covers (a file's `kind`, `path` or `sha256` was changed, \
             e.g. an ejected file marked `managed` again)"
        ),
        format!(
            "restore `{RECORD_FILE}` from version control (`git checkout -- {RECORD_FILE}`); \
             `pyscaffold eject PATH` is how a managed file becomes yours, and a file you ejected \
             stays yours"
        ),
    )
}

/// Refuses a record that does not fit what `version` generates: an owner or a file it does not
/// generate ([`check_ownership`]), or a managed file's hash that is not the hash of its text.
/// The record's hash of a managed file is the hash of the templates' text for it, which the
/// base render reproduces byte for byte: a hash that differs was edited by hand (perhaps to
/// silence drift), and trusting it could make upgrade overwrite the user's edits. Managed files
/// only: seeded and ejected ones keep the hash of the version that wrote them.
fn check_integrity(
    record: &Record,
    base: &[RenderedFile],
    shown: &str,
    version: &Version,
) -> Result<()> {
    check_ownership(record, base, shown, version)?;
    let mismatch = record.files.iter().find(|entry| {
        base.iter()
            .find(|f| f.path == entry.path)
            .is_some_and(|file| {
                entry.kind.unwrap_or(file.kind) == Ownership::Managed
                    && crate::record::sha256_hex(file.contents.as_bytes()) != entry.sha256
            })
    });
    let Some(entry) = mismatch else {
        return Ok(());
    };
    Err(bad_input(
        format!(
            "`{shown}` was tampered with: the hash recorded for `{}` is not the hash of what \
             templates {version} generate for it",
            entry.path
        ),
        format!(
            "restore `{RECORD_FILE}` from version control (`git checkout -- {RECORD_FILE}`): the \
             hash records what pyscaffold generated, not your file, and `upgrade` needs it to \
             keep your edits; drift (`--check` exit 12) only says a managed file was edited"
        ),
    ))
}

/// Refuses a record whose entries say another owner, or another file, than the recorded
/// version generates: `kind` and `path` decide what `upgrade` touches, so a hand edit (a
/// seeded app file made `managed`) would let it rewrite or delete a file that is yours.
/// Ejected entries are the exception `pyscaffold eject` makes of managed files; they keep
/// their path when a later version moves the file.
fn check_ownership(
    record: &Record,
    base: &[RenderedFile],
    shown: &str,
    version: &Version,
) -> Result<()> {
    let help = format!(
        "restore `{RECORD_FILE}` from version control (`git checkout -- {RECORD_FILE}`); to \
         take a managed file over, run `pyscaffold eject PATH` instead of editing the record"
    );
    for entry in &record.files {
        let Some(kind) = entry.kind else { continue };
        let generated = base.iter().find(|f| f.path == entry.path).map(|f| f.kind);
        let problem = match (kind, generated) {
            (Ownership::Managed, None) => format!(
                "it lists `{}` as a managed file, but templates {version} do not generate it",
                entry.path
            ),
            (Ownership::Managed | Ownership::Ejected, Some(Ownership::Seeded)) => format!(
                "it lists `{}` as {}, but templates {version} seed it (it is yours, and \
                 `upgrade` never touches it)",
                entry.path,
                kind.as_str()
            ),
            (Ownership::Seeded, Some(Ownership::Managed | Ownership::Ejected)) => format!(
                "it lists `{}` as seeded, but templates {version} manage it",
                entry.path
            ),
            _ => continue,
        };
        return Err(bad_input(
            format!("`{shown}` was edited by hand: {problem}"),
            help,
        ));
    }
    Ok(())
}

/// `version` rendered with the record's answers, if they fit it.
fn render_version(
    version: &Version,
    packs: &[crate::pack::Pack],
    text: &str,
    shown: &str,
    meta: &RenderMeta,
) -> Option<Vec<RenderedFile>> {
    let set = crate::pack::layered(version, packs).ok()?;
    let answers = parse_answers(text, shown).ok()?;
    let layer = yaml_layer(LayerKind::Record, shown.to_string(), answers);
    let options = Options {
        use_defaults: true,
        ..Options::default()
    };
    let resolved = resolve(&set, &[layer], None, &options).ok()?;
    set.render(&resolved.answers, meta).ok()
}
