//! A plan: what happens to each file of a project, computed before anything is written.
//!
//! `new --force`, `upgrade`, `--dry-run` and `--check` are all views or applications of the same
//! plan: a list of [`Step`]s (create, update, merge, conflict, delete, skip, each possibly moved
//! from another path), applied by [`crate::writer::apply`] all at once or not at all.

use serde::Serialize;
use similar::TextDiff;

/// What happens to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new file is written.
    Create,
    /// The file is replaced by the template's new text (it had no edits of yours).
    Update,
    /// Your edits and the template's changes were merged cleanly.
    Merge,
    /// Your edits and the template's changes overlap: written with conflict markers.
    Conflict,
    /// The file is removed (the template dropped it and you had not edited it).
    Delete,
    /// Nothing is written; `note` says why (up to date, edited by you, deleted by you, ejected,
    /// seeded, ...).
    Skip,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Merge => "merge",
            Action::Conflict => "conflict",
            Action::Delete => "delete",
            Action::Skip => "skip",
        }
    }

    /// Whether the step changes the tree.
    pub fn writes(self) -> bool {
        !matches!(self, Action::Skip)
    }
}

/// The three sides of a conflicted merge, for git's index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sides {
    /// The recorded version's text; `None` when the file is new on both sides.
    pub base: Option<String>,
    pub ours: String,
    pub theirs: String,
}

/// One file's step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Where the file ends up (for a delete: the file removed).
    pub path: String,
    pub action: Action,
    /// The path it is moved from, when the template renamed it or an answer moved it.
    pub from: Option<String>,
    /// What is on disk now (at `from`, when moved); `None` when there is no file.
    pub old: Option<String>,
    /// What is written; `None` for delete and skip.
    pub new: Option<String>,
    pub executable: bool,
    /// Why, for skips and kept files, e.g. `edited by you; the template did not change it`.
    pub note: Option<String>,
    /// For a conflict: the three sides.
    pub sides: Option<Sides>,
    /// The file differs from what pyscaffold last wrote (a managed file edited since).
    pub drifted: bool,
}

impl Step {
    /// A step with only its path and action set.
    pub fn new(path: impl Into<String>, action: Action) -> Self {
        Self {
            path: path.into(),
            action,
            from: None,
            old: None,
            new: None,
            executable: false,
            note: None,
            sides: None,
            drifted: false,
        }
    }

    /// How the step reads in a list: `update Dockerfile`, `rename a -> b (merge)`.
    pub fn describe(&self) -> String {
        let what = match &self.from {
            Some(from) => format!(
                "{:<8} {from} -> {}{}",
                "rename",
                self.path,
                match self.action {
                    Action::Update => String::new(),
                    other => format!(" ({})", other.as_str()),
                }
            ),
            None => format!("{:<8} {}", self.action.as_str(), self.path),
        };
        match &self.note {
            Some(note) => format!("{what}  ({note})"),
            None => what,
        }
    }

    /// A unified diff of what the step changes (empty when it changes nothing).
    pub fn diff(&self) -> String {
        if !self.action.writes() {
            return String::new();
        }
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or("");
        let from = self.from.as_deref().unwrap_or(&self.path);
        let old_name = if self.old.is_some() {
            format!("a/{from}")
        } else {
            "/dev/null".to_string()
        };
        let new_name = if self.action == Action::Delete {
            "/dev/null".to_string()
        } else {
            format!("b/{}", self.path)
        };
        let text = TextDiff::from_lines(old, new)
            .unified_diff()
            .header(&old_name, &new_name)
            .to_string();
        if text.is_empty() && self.from.is_some() {
            return format!("rename from {from}\nrename to {}\n", self.path);
        }
        text
    }
}

/// Every step of a plan, sorted by path.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn push(&mut self, step: Step) {
        self.steps.push(step);
    }

    pub fn sort(&mut self) {
        self.steps.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Steps that change the tree.
    pub fn changes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action.writes())
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action == Action::Conflict)
    }

    pub fn has_conflicts(&self) -> bool {
        self.conflicts().next().is_some()
    }

    pub fn has_drift(&self) -> bool {
        self.steps.iter().any(|s| s.drifted)
    }
}
