//! `pack.yaml`: a pack's identity, what it needs, and what it changes in the template set.
//!
//! Everything is data in the built-in formats: questions as in `questions.yml`, file rules as
//! in a built-in `manifest.yml`, migrations as in a built-in version's `migration`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::questions::Question;
use crate::template_set::{FileRule, Migration};
use crate::value::RawValue;

/// The manifest's file name, at the pack's root.
pub const PACK_FILE: &str = "pack.yaml";

/// `pack.yaml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackManifest {
    /// Lowercase letters, digits and dashes; names the pack in messages and the record.
    pub name: String,
    /// Semver of this release of the pack.
    pub version: String,
    pub description: String,
    /// The pyscaffold versions the pack works with, as a semver requirement (`>=0.1`).
    #[serde(default)]
    pub requires_pyscaffold: Option<String>,
    /// One line: what this release brings (shown by `upgrade` and the rollout job).
    #[serde(default)]
    pub changelog: Option<String>,
    /// Another pack this one builds on (a path relative to this pack, or a git URL with an
    /// optional `#REF`): it is layered first, this pack over it.
    #[serde(default)]
    pub extends: Option<String>,
    /// Values the pack's templates use, as `vars.NAME` (the company's registry, labels).
    #[serde(default)]
    pub variables: BTreeMap<String, serde_json::Value>,
    /// New defaults for questions of the layers below.
    #[serde(default)]
    pub defaults: BTreeMap<String, RawValue>,
    /// Answers fixed by the pack: never asked, and refused when given otherwise.
    #[serde(default)]
    pub locked: BTreeMap<String, RawValue>,
    /// Questions of the pack's own, in the built-in question format, asked after the others.
    #[serde(default)]
    pub questions: Vec<Question>,
    /// Output files: a rule whose path is a built-in file's path replaces that file.
    #[serde(default)]
    pub files: Vec<FileRule>,
    /// Output paths (globs) of lower layers' files that the pack does not want.
    #[serde(default)]
    pub drop: Vec<String>,
    /// How projects on earlier releases of the pack move to later ones: release → the step
    /// that leads to it from the release before (renamed files and questions, computed and
    /// removed answers, as in a built-in version's `migration`).
    #[serde(default)]
    pub migrations: BTreeMap<String, Migration>,
}
