//! A generated project as `upgrade` and `eject` see it: its record, and the base (the recorded
//! template version rendered again with the recorded answers and the recorded pyscaffold
//! version as metadata), byte for byte what `new` wrote.

use std::path::Path;

use anyhow::Result;
use semver::Version;

use crate::answers::{parse_answers, yaml_layer};
use crate::error::bad_input;
use crate::record::{self, RECORD_FILE, Record};
use crate::resolve::{LayerKind, Options, resolve};
use crate::template_set::{RenderMeta, RenderedFile, TemplateSet, builtin};

/// A project with its base rendered.
pub struct Project {
    pub record: Record,
    pub version: Version,
    pub set: TemplateSet,
    /// The recorded version's files for the recorded answers.
    pub base: Vec<RenderedFile>,
    pub meta: RenderMeta,
}

/// Loads the record at `root`, checks it against the recorded template version, renders the
/// base and fills in ownership kinds that older records lack.
pub fn load(root: &Path) -> Result<Project> {
    let mut record = record::load(root)?;
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
    let set = builtin::load(&version)?;
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
    let base = set.render(&resolved.answers, &meta)?;
    // The record's hash of a managed file is the hash of the templates' text for it, which the base
    // render reproduces byte for byte: a hash that differs was edited by hand (perhaps to
    // silence drift), and trusting it could make upgrade overwrite the user's edits.
    // Managed files only: seeded and ejected ones keep the hash of the version that wrote them.
    for entry in &record.files {
        if let Some(file) = base.iter().find(|f| f.path == entry.path)
            && entry.kind.unwrap_or(file.kind) == crate::template_set::Ownership::Managed
            && crate::record::sha256_hex(file.contents.as_bytes()) != entry.sha256
        {
            return Err(bad_input(
                format!(
                    "`{shown}` was tampered with: the hash recorded for `{}` is not the hash of \
                     what templates {version} generate for it",
                    entry.path
                ),
                format!(
                    "restore `{RECORD_FILE}` from version control (`git checkout -- \
                     {RECORD_FILE}`): the hash records what pyscaffold generated, not your \
                     file, and `upgrade` needs it to keep your edits; drift (`--check` exit 12) \
                     only says a managed file was edited"
                ),
            ));
        }
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
    })
}
