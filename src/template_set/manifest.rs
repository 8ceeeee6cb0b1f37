//! `manifest.yml` of a template set: identity, derived values, constraints, lock commands, the
//! output files with their ownership kind, and the migration from the previous version.
//!
//! Everything here is data: a migration renames files and questions, maps answer values and
//! computes answers with Tera, but never runs code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `manifest.yml` of a template set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    /// Semver of the set; recorded in `.pyscaffold.yml` so `upgrade` knows where a project is.
    pub version: String,
    pub description: String,
    /// One line for `pyscaffold versions`: what this version brings.
    pub changelog: String,
    /// How answers and files of the previous version map onto this one.
    #[serde(default)]
    pub migration: Migration,
    /// Values computed from the answers (Tera), available to every template after the answers.
    #[serde(default)]
    pub derived: Vec<Derived>,
    /// Combinations of answers that are refused, checked once every answer is known.
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// How to create the installer's lock file after generating, when the installer locks.
    #[serde(default)]
    pub locks: Vec<LockRule>,
    /// On a terminal, the question offering the non-essential questions in one step after the
    /// essential ones; without it every question is asked in turn.
    #[serde(default)]
    pub customise: Option<String>,
    pub files: Vec<FileRule>,
}

/// Who owns a generated file once it is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// Packaging that `upgrade` keeps current, merging the user's edits.
    #[default]
    Managed,
    /// Written once by `new` (example app, tests, dependency manifests), never touched again.
    Seeded,
    /// A managed file the user took over with `pyscaffold eject`; `upgrade` leaves it alone.
    Ejected,
}

impl Ownership {
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Managed => "managed",
            Ownership::Seeded => "seeded",
            Ownership::Ejected => "ejected",
        }
    }
}

/// The step from the previous version of the set to this one, applied by `upgrade` before the
/// project is rendered at this version.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// The version this migration starts from (the previous release).
    #[serde(default)]
    pub from: Option<String>,
    /// Output files that moved: old path → new path.
    #[serde(default)]
    pub renamed_files: BTreeMap<String, String>,
    /// Questions that were renamed: old id → new id.
    #[serde(default)]
    pub renamed_questions: BTreeMap<String, String>,
    /// Answers computed from the old answers (Tera, before removals), e.g. folding a removed
    /// question into another one.
    #[serde(default)]
    pub computed_answers: BTreeMap<String, String>,
    /// Questions that no longer exist; their answers are dropped (after `computed_answers`).
    #[serde(default)]
    pub removed_questions: Vec<String>,
    /// Answer values that changed spelling: question id → old value → new value.
    #[serde(default)]
    pub answer_values: BTreeMap<String, BTreeMap<String, String>>,
}

/// Commands that write an installer's lock file, run in the new project.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRule {
    pub when: String,
    /// The program that must be on PATH.
    pub tool: String,
    pub commands: Vec<Vec<String>>,
}

/// A rule across answers: when `when` holds, the answers are refused with `message` and `help`
/// (both Tera over the answers).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub when: String,
    pub message: String,
    pub help: String,
}

/// A value computed from the answers, e.g. the Python module name from the project name.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    pub id: String,
    pub value: String,
}

/// One output file: which template, where to (Tera), when (a Tera condition), its mode and
/// who owns it after it is written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub template: String,
    pub path: String,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub executable: bool,
    #[serde(default)]
    pub kind: Ownership,
    /// Which layer wrote the rule: 0 the built-in set, then each pack in order. A rule of a
    /// higher layer replaces a lower layer's file at the same path.
    #[serde(skip)]
    pub layer: usize,
}
