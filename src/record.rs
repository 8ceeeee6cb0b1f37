//! `.pyscaffold.yml`: what a generated project records about its own generation.
//!
//! It holds the pyscaffold version, the template set's id and version, every answer, and for
//! every generated file its path and the SHA-256 of exactly what was written. `upgrade` uses it
//! as the merge base: the answers re-render the old version, the hashes tell which files the
//! user has edited since. Keys are sorted and lists are one item a line, so it diffs well. No
//! question asks for a credential, so none can end up here.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answers::Answers;
use crate::template_set::{RenderedFile, TemplateSet};
use crate::value::Value;

/// The file name, at the project root.
pub const RECORD_FILE: &str = ".pyscaffold.yml";

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
    pub answers: BTreeMap<String, Value>,
    /// Every generated file except this one, sorted by path.
    pub files: Vec<FileHash>,
}

/// Which template set, at which version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRef {
    pub id: String,
    pub version: String,
}

/// A generated file and the hash of what pyscaffold wrote to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub path: String,
    pub sha256: String,
}

impl Record {
    pub fn new(set: &TemplateSet, answers: &Answers, files: &[RenderedFile]) -> Self {
        Self {
            pyscaffold: crate::VERSION.to_string(),
            template: TemplateRef {
                id: set.manifest.id.clone(),
                version: set.manifest.version.clone(),
            },
            answers: answers.map().clone(),
            files: files
                .iter()
                .map(|f| FileHash {
                    path: f.path.clone(),
                    sha256: sha256_hex(f.contents.as_bytes()),
                })
                .collect(),
        }
    }

    /// The file's text: a short header comment, then the YAML.
    pub fn to_yaml(&self) -> Result<String> {
        // Indented lists, the layout yamllint and most editors expect.
        let options = serde_saphyr::ser_options! { compact_list_indent: false };
        let body = serde_saphyr::to_string_with_options(self, options)
            .context("cannot serialise .pyscaffold.yml")?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Reads a record written by [`Record::to_yaml`].
    pub fn from_yaml(text: &str) -> Result<Self> {
        serde_saphyr::from_str(text).context("`.pyscaffold.yml` is not a valid pyscaffold record")
    }

    /// The record as a file to write with the others.
    pub fn to_file(&self) -> Result<RenderedFile> {
        Ok(RenderedFile {
            path: RECORD_FILE.to_string(),
            contents: self.to_yaml()?,
            executable: false,
        })
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
