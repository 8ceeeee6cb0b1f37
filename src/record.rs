//! `.pyscaffold.yml`: what a generated project records about its own generation.
//!
//! It holds the pyscaffold version, the template set's id and version, every answer, and for
//! every generated file its path and the SHA-256 of exactly what was written. `upgrade` uses it
//! as the merge base: the answers re-render the old version, the hashes tell which files the
//! user has edited since. Keys are sorted and lists are one item a line, so it diffs well. No
//! question asks for a credential, so none can end up here.

use std::collections::BTreeMap;

use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::answers::Answers;
use crate::error::bad_input;
use crate::template_set::{
    Ownership, RenderMeta, RenderedFile, TemplateSet, is_safe_relative_path,
};
use crate::value::Value;

pub use crate::digest::sha256_hex;
pub use crate::paths::RECORD_FILE;
pub use crate::template_set::PackRef;

const HEADER: &str = "\
# Written by pyscaffold: what this project was generated from. Keep it in version control;
# `pyscaffold upgrade` reads it to merge template updates with your own edits.
# `pyscaffold new OTHER --answers .pyscaffold.yml` reuses these answers for another project.
";

/// The whole record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Version of pyscaffold that wrote the files.
    pub pyscaffold: String,
    pub template: TemplateRef,
    /// The packs layered over the template set, lowest first; none for a project without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<PackRef>,
    pub answers: BTreeMap<String, Value>,
    /// Every generated file except this one, sorted by path.
    pub files: Vec<FileHash>,
    /// The SHA-256 of what decides which files pyscaffold touches (the pyscaffold and template
    /// versions, the packs, every file's path, kind and hash), written with the record: a hand
    /// edit of any of them (an ejected file marked `managed` again) no longer matches it.
    /// Records written before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
}

/// Which template set, at which version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRef {
    pub id: String,
    pub version: String,
}

/// A generated file, the hash of the template's text for it, and who owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub path: String,
    /// SHA-256 of the file as the recorded template version renders it (what `new` wrote, or
    /// what `upgrade` would have written without your edits): a file whose hash differs was
    /// edited since.
    pub sha256: String,
    /// `managed`, `seeded` or `ejected`; records written before ownership kinds existed have
    /// none, and the recorded template version's manifest says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Ownership>,
}

impl Record {
    pub fn new(
        set: &TemplateSet,
        answers: &Answers,
        files: &[RenderedFile],
        meta: &RenderMeta,
    ) -> Self {
        Self {
            pyscaffold: meta.pyscaffold_version.clone(),
            template: TemplateRef {
                id: set.manifest.id.clone(),
                version: set.manifest.version.clone(),
            },
            packs: set.packs.clone(),
            answers: answers.map().clone(),
            files: files
                .iter()
                .map(|f| FileHash {
                    path: f.path.clone(),
                    sha256: sha256_hex(f.contents.as_bytes()),
                    kind: Some(f.kind),
                })
                .collect(),
            integrity: None,
        }
    }

    /// The digest [`Record::integrity`] records: SHA-256 over one line per field that decides
    /// what is touched, in a fixed order.
    pub fn digest(&self) -> String {
        let mut text = format!(
            "pyscaffold {}\ntemplate {} {}\n",
            self.pyscaffold, self.template.id, self.template.version
        );
        for pack in &self.packs {
            text.push_str(&format!(
                "pack {} {} {} {} {} {} {}\n",
                pack.name,
                pack.version,
                pack.source,
                pack.reference.as_deref().unwrap_or("-"),
                pack.commit.as_deref().unwrap_or("-"),
                pack.sha256.as_deref().unwrap_or("-"),
                pack.via.as_deref().unwrap_or("-"),
            ));
        }
        for file in &self.files {
            text.push_str(&format!(
                "file {} {} {}\n",
                file.path,
                file.kind.map_or("-", Ownership::as_str),
                file.sha256
            ));
        }
        sha256_hex(text.as_bytes())
    }

    /// Whether the recorded digest (if any) still matches the fields it covers.
    pub fn integrity_holds(&self) -> bool {
        self.integrity.as_ref().is_none_or(|d| *d == self.digest())
    }

    /// The file's text: a short header comment, then the YAML.
    pub fn to_yaml(&self) -> Result<String> {
        let sealed = Record {
            integrity: Some(self.digest()),
            ..self.clone()
        };
        // Indented lists, the layout yamllint and most editors expect.
        let options = serde_saphyr::ser_options! { compact_list_indent: false };
        let body = serde_saphyr::to_string_with_options(&sealed, options)
            .context("cannot serialise .pyscaffold.yml")?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Reads a record written by [`Record::to_yaml`].
    pub fn from_yaml(text: &str) -> Result<Self> {
        crate::yaml::from_str(text).context("`.pyscaffold.yml` is not a valid pyscaffold record")
    }

    /// The record as a file to write with the others.
    pub fn to_file(&self) -> Result<RenderedFile> {
        Ok(RenderedFile {
            path: RECORD_FILE.to_string(),
            contents: self.to_yaml()?,
            executable: false,
            kind: Ownership::Managed,
            template: String::new(),
        })
    }

    /// The recorded entry for `path`.
    pub fn file(&self, path: &str) -> Option<&FileHash> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// Reads and checks the record of the project at `root`, refusing a missing, corrupt or
/// tampered one with a message that says how to fix it.
pub fn load(root: &Path) -> Result<Record> {
    let path = root.join(RECORD_FILE);
    let shown = path.display().to_string();
    // Never followed: a link would make another project's record (or any file) this one's.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(bad_input(
            format!(
                "`{shown}` is a symbolic link; pyscaffold reads its record only as a plain file \
                 in the project"
            ),
            format!("put the record itself in place of the link (`git checkout -- {RECORD_FILE}`)"),
        ));
    }
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !root.is_dir() => {
            return Err(bad_input(
                format!(
                    "the directory `{}` does not exist",
                    crate::error::quoted_path(root)
                ),
                "give the project's directory with `-C DIR`, or run the command inside it",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad_input(
                format!(
                    "`{}` has no `{RECORD_FILE}`: it is not a project pyscaffold generated",
                    root.display()
                ),
                "run the command in the project's directory or pass `-C DIR`; if the file was \
                 deleted, restore it from version control (`git checkout -- .pyscaffold.yml`); a \
                 directory pyscaffold did not generate has nothing to upgrade",
            ));
        }
        Err(_) if path.is_dir() => {
            return Err(bad_input(
                format!("`{shown}` is a directory, not pyscaffold's record"),
                format!(
                    "move it away and restore the file from version control (`git checkout -- \
                     {RECORD_FILE}`)"
                ),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidFilename => {
            return Err(bad_input(
                format!(
                    "the path `{}` is too long for the file system",
                    crate::error::quoted_path(root)
                ),
                "give the project's directory with a shorter path (`-C DIR`), or run the \
                 command inside it",
            ));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read `{shown}`")),
    };
    let restore = format!(
        "restore the file from version control (`git checkout -- {RECORD_FILE}`), or fix the \
         entry named"
    );
    let text = String::from_utf8(bytes).map_err(|_| {
        bad_input(
            format!("`{shown}` is not UTF-8 text"),
            format!("restore the file from version control (`git checkout -- {RECORD_FILE}`)"),
        )
    })?;
    let record: Record = crate::yaml::from_str(&text).map_err(|e| {
        bad_input(
            format!(
                "`{shown}` is not a valid pyscaffold record: {}",
                crate::error::yaml_problem(&e, &shown)
            ),
            format!(
                "fix the line shown, or restore the file from version control \
                 (`git checkout -- {RECORD_FILE}`)"
            ),
        )
    })?;
    let entries = record
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()));
    check_entries(entries, &format!("`{shown}`"), &restore)?;
    Ok(record)
}

/// Refuses the first file entry (path, SHA-256) a hand edit broke: a path outside the project,
/// a hash that is not SHA-256, a path listed twice. `who` names the record in the message.
pub fn check_entries<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    who: &str,
    restore: &str,
) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (path, sha256) in entries {
        let problem = if !is_safe_relative_path(path)
            || path == RECORD_FILE
            || path == ".git"
            || path.starts_with(".git/")
        {
            "is not a path inside the project"
        } else if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            "has no valid SHA-256"
        } else if !seen.insert(path) {
            "is listed twice"
        } else {
            continue;
        };
        return Err(bad_input(
            format!("{who} was tampered with: the file entry `{path}` {problem}"),
            restore,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
