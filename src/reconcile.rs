//! Reconcile: what happens to every file when pyscaffold writes into a folder that already has
//! files, for `new --force`, `init` and `upgrade` alike.
//!
//! One function, [`reconcile`], compares what the templates render now (the target) with what
//! is on disk, the record of what pyscaffold wrote before (if any) and, for `upgrade`, what the
//! recorded version rendered (the base), and returns a [`Plan`]. The rules that must not differ
//! between commands live here once: a file is *unedited* when its text hashes to the recorded
//! hash; a managed path is read as UTF-8 text and never through a symbolic link ([`read`]); a
//! file the templates dropped is deleted only when unedited. What differs is the [`Policy`]:
//! regenerating replaces, adopting keeps the repository's own seeded files, upgrading merges.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::error::bad_input;
use crate::merge::{Labels, Merged, merge3};
use crate::migrate::Migrated;
use crate::plan::{Action, Plan, Sides, Step};
use crate::record::{FileHash, RECORD_FILE, Record, sha256_hex};
use crate::template_set::{Ownership, RenderedFile};

/// The note on a seeded file's skip step during an upgrade.
pub const SEEDED_NOTE: &str = "seeded: yours, never touched by upgrade";

/// The note on a seeded file `init` finds already in the repository: it is not recorded.
pub const REPOSITORY_OWN: &str = "the repository's own; left as it is";

/// The note on an edited file `new --force` would replace (refused without
/// `--force-overwrite`).
pub const EDITED_NOTE: &str = "edited by you: replaced only with --force-overwrite";

/// How the command treats files that exist.
#[derive(Clone, Copy)]
pub enum Policy<'a> {
    /// `new --force`: every generated file is written; one whose text is not what pyscaffold
    /// recorded is marked drifted (the command refuses it without `--force-overwrite`).
    Regenerate,
    /// `init`: seeded files the repository already has stay its own; a managed file that
    /// exists and differs is replaced (the command refuses that without `--force`).
    Adopt,
    /// `upgrade`: managed files only; unedited ones are replaced, edited ones merged three-way
    /// against the base (or, without a base, kept and listed).
    Upgrade {
        /// How conflict markers name the two sides: yours, then the target's.
        labels: &'a (String, String),
        recreate_deleted: bool,
        /// The migrations' renames, to pair base files with target files.
        migrated: Option<&'a Migrated>,
    },
}

/// What reconcile compares.
pub struct Inputs<'a> {
    pub root: &'a Path,
    /// What the recorded version renders; `None` when it cannot be rebuilt (a folder pack that
    /// changed) or when there is nothing recorded to merge with.
    pub base: Option<&'a [RenderedFile]>,
    pub target: &'a [RenderedFile],
    /// What pyscaffold recorded before; `None` for a folder it never wrote into.
    pub record: Option<&'a Record>,
}

/// What is on disk at a path pyscaffold writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disk {
    Missing,
    Text(String),
}

/// Reads the file at `path` under `root` the one way every command reads a path it writes:
/// a symbolic link on the way (the file itself or a folder above it) is refused, since it
/// could make pyscaffold read or write outside the project; so are a directory in the file's
/// place and a file that is not UTF-8 text, which cannot be compared or merged.
pub fn read(root: &Path, path: &str) -> Result<Disk> {
    let mut so_far = root.to_path_buf();
    for part in path.split('/') {
        so_far.push(part);
        match std::fs::symlink_metadata(&so_far) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Disk::Missing),
            // A file where a folder of the path should be: nothing is at the path itself.
            Err(e) if e.raw_os_error() == Some(20) => return Ok(Disk::Missing),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot inspect `{}`", so_far.display()));
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = so_far
                    .strip_prefix(root)
                    .unwrap_or(&so_far)
                    .display()
                    .to_string();
                return Err(bad_input(
                    format!(
                        "`{link}` is a symbolic link; pyscaffold manages `{path}` as a plain file \
                         inside the project and does not follow links"
                    ),
                    if link == path {
                        format!(
                            "replace the link with the file it points to, or keep it as yours \
                             with `pyscaffold eject {path}`; nothing was changed"
                        )
                    } else {
                        format!(
                            "replace the link with the folder it points to, or keep the files \
                             in it as yours with `pyscaffold eject {link}/`; nothing was changed"
                        )
                    },
                ));
            }
            Ok(_) => {}
        }
    }
    let full = root.join(path);
    let meta = std::fs::symlink_metadata(&full)
        .with_context(|| format!("cannot inspect `{}`", full.display()))?;
    if meta.is_dir() {
        return Err(bad_input(
            format!("`{path}` is a directory, where pyscaffold's file should be"),
            "move the directory away (or restore the file from version control) and run \
             again; nothing was changed",
        ));
    }
    let bytes =
        std::fs::read(&full).with_context(|| format!("cannot read `{}`", full.display()))?;
    if bytes.contains(&0) {
        return Err(not_text(path));
    }
    String::from_utf8(bytes)
        .map(Disk::Text)
        .map_err(|_| not_text(path))
}

fn not_text(path: &str) -> anyhow::Error {
    bad_input(
        format!("`{path}` is written by pyscaffold but is not UTF-8 text, so it cannot be merged"),
        format!(
            "restore it from version control or move it away (in a generated project, \
             `pyscaffold eject {path}` takes it over); nothing was changed"
        ),
    )
}

/// Whether `text` is what pyscaffold recorded for the file: the user did not edit it.
pub fn unedited(entry: Option<&FileHash>, text: &str) -> bool {
    entry.is_some_and(|e| e.sha256 == sha256_hex(text.as_bytes()))
}

/// One file before and after: the base side (its recorded entry and, with a base, the text
/// the recorded version rendered) and the target side.
struct Pair<'a> {
    old_path: Option<&'a str>,
    base: Option<&'a RenderedFile>,
    entry: Option<&'a FileHash>,
    target: Option<&'a RenderedFile>,
}

/// The plan for the inputs under the policy: one step per file, sorted by path.
pub fn reconcile(inputs: &Inputs, policy: Policy) -> Result<Plan> {
    let mut plan = Plan::default();
    for pair in pairs(inputs, policy) {
        if let Some(step) = decide(inputs.root, &pair, policy)? {
            plan.push(step);
        }
    }
    plan.sort();
    Ok(plan)
}

/// Pairs each old file with its target file. With a base: by path after the migrations'
/// renames, else by the template it came from (a file an answer moved), else alone. Without:
/// by path, the record's entries standing for the base.
fn pairs<'a>(inputs: &Inputs<'a>, policy: Policy<'a>) -> Vec<Pair<'a>> {
    let entry = |path: &str| inputs.record.and_then(|r| r.file(path));
    if let Some(base) = inputs.base {
        let migrated = match policy {
            Policy::Upgrade { migrated, .. } => migrated,
            _ => None,
        };
        return pair(base, inputs.target, migrated)
            .into_iter()
            .map(|(b, t)| Pair {
                old_path: b.map(|b| b.path.as_str()),
                base: b,
                entry: b.and_then(|b| entry(&b.path)),
                target: t,
            })
            .collect();
    }
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for t in inputs.target {
        used.insert(t.path.as_str());
        out.push(Pair {
            old_path: entry(&t.path).map(|e| e.path.as_str()),
            base: None,
            entry: entry(&t.path),
            target: Some(t),
        });
    }
    for e in inputs.record.iter().flat_map(|r| r.files.iter()) {
        if !used.contains(e.path.as_str()) {
            out.push(Pair {
                old_path: Some(&e.path),
                base: None,
                entry: Some(e),
                target: None,
            });
        }
    }
    out
}

/// Pairs each base file with its target file: by path after the migrations' renames, else by
/// the template it came from (a file an answer moved), else alone.
pub fn pair<'a>(
    base: &'a [RenderedFile],
    target: &'a [RenderedFile],
    migrated: Option<&Migrated>,
) -> Vec<(Option<&'a RenderedFile>, Option<&'a RenderedFile>)> {
    let mut used = BTreeSet::new();
    let mut pairs = Vec::new();
    let base_paths: BTreeSet<&str> = base.iter().map(|f| f.path.as_str()).collect();
    for b in base {
        let moved = migrated.map_or_else(|| b.path.clone(), |m| m.path(&b.path));
        let mut found = target.iter().find(|t| t.path == moved);
        if found.is_none() {
            let same: Vec<&RenderedFile> = target
                .iter()
                .filter(|t| t.template == b.template && !base_paths.contains(t.path.as_str()))
                .collect();
            if same.len() == 1 {
                found = Some(same[0]);
            }
        }
        let found = found.filter(|t| used.insert(t.path.as_str()));
        pairs.push((Some(b), found));
    }
    for t in target {
        if !used.contains(t.path.as_str()) {
            pairs.push((None, Some(t)));
        }
    }
    pairs
}

/// The step for one pair, or none when there is nothing to say about it.
fn decide(root: &Path, pair: &Pair, policy: Policy) -> Result<Option<Step>> {
    let kind = pair
        .entry
        .and_then(|e| e.kind)
        .or(pair.base.map(|b| b.kind))
        .or(pair.target.map(|t| t.kind));
    match policy {
        Policy::Upgrade {
            labels,
            recreate_deleted,
            ..
        } => {
            if let (Some(Ownership::Ejected), Some(old), Some(t)) =
                (kind, pair.old_path, pair.target)
                && old != t.path
            {
                return ejected_moved(root, old, t);
            }
            if kind != Some(Ownership::Managed) {
                return Ok(upgrade_leaves_alone(pair, kind));
            }
            match (pair.old_path, pair.target) {
                (Some(old), Some(t)) if pair.entry.is_some() || pair.base.is_some() => {
                    both_sides(root, old, pair, t, labels, recreate_deleted).map(Some)
                }
                (_, Some(t)) => added(root, t, labels).map(Some),
                (Some(old), None) => dropped(root, old, pair.entry, true),
                (None, None) => Ok(None),
            }
        }
        Policy::Regenerate | Policy::Adopt => match pair.target {
            Some(t) => written(root, t, pair.entry, policy).map(Some),
            // Only a record has files the target no longer has.
            None => match pair.old_path {
                Some(old) => dropped(root, old, pair.entry, false),
                None => Ok(None),
            },
        },
    }
}

/// A seeded or ejected file during an upgrade: listed, never touched.
fn upgrade_leaves_alone(pair: &Pair, kind: Option<Ownership>) -> Option<Step> {
    let path = pair.old_path.or(pair.target.map(|t| t.path.as_str()))?;
    // A seeded entry the base no longer renders, and that no target pairs with, says nothing.
    if pair.base.is_none() && pair.target.is_none() {
        return None;
    }
    let mut step = Step::new(path, Action::Skip);
    step.note = Some(match kind {
        Some(Ownership::Ejected) => "ejected: yours, left alone".to_string(),
        _ if pair.entry.is_none() && pair.base.is_none() => {
            "new seeded file: only `new` writes those".to_string()
        }
        _ => SEEDED_NOTE.to_string(),
    });
    Some(step)
}

/// An ejected file the templates moved (a renamed folder): it moves with them, its text as it
/// is, so the packaging, which looks for it at the new path, still finds it.
fn ejected_moved(root: &Path, old: &str, t: &RenderedFile) -> Result<Option<Step>> {
    let Disk::Text(ours) = read(root, old)? else {
        return Ok(None);
    };
    refuse_occupied(root, old, &t.path)?;
    let mut step = Step::new(&t.path, Action::Update);
    step.from = Some(old.to_string());
    step.executable = t.executable;
    step.old = Some(ours.clone());
    step.new = Some(ours);
    step.note =
        Some("ejected: yours, moved unchanged to where the packaging now looks for it".into());
    Ok(Some(step))
}

/// Refuses a move of `old` onto a path where a file already is.
fn refuse_occupied(root: &Path, old: &str, new: &str) -> Result<()> {
    if matches!(read(root, new)?, Disk::Missing) {
        return Ok(());
    }
    Err(bad_input(
        format!("the new template version moves `{old}` to `{new}`, and a file is already there"),
        "move that file away and upgrade again; nothing was changed",
    ))
}

/// `new --force` and `init`: the target's file is written unless the disk has it already.
fn written(
    root: &Path,
    t: &RenderedFile,
    entry: Option<&FileHash>,
    policy: Policy,
) -> Result<Step> {
    let mut step = Step::new(&t.path, Action::Create);
    step.executable = t.executable;
    step.new = Some(t.contents.clone());
    if matches!(policy, Policy::Adopt) && t.kind == Ownership::Seeded {
        // The repository's own .gitignore or .gitattributes stays as it is, unread.
        if std::fs::symlink_metadata(root.join(&t.path)).is_ok() {
            step.action = Action::Skip;
            step.note = Some(REPOSITORY_OWN.into());
            return Ok(step);
        }
    }
    let disk = match read(root, &t.path)? {
        Disk::Missing => return Ok(step),
        Disk::Text(text) => text,
    };
    if disk == t.contents {
        step.action = Action::Skip;
    } else {
        step.action = Action::Update;
        match policy {
            Policy::Adopt => step.note = Some("replaced (--force)".into()),
            _ if t.path != RECORD_FILE && !unedited(entry, &disk) => {
                step.note = Some(EDITED_NOTE.into());
                step.drifted = true;
            }
            _ => {}
        }
    }
    step.old = Some(disk);
    Ok(step)
}

/// A recorded file the target no longer has: deleted when unedited, else kept (yours now).
fn dropped(
    root: &Path,
    path: &str,
    entry: Option<&FileHash>,
    upgrading: bool,
) -> Result<Option<Step>> {
    if path == RECORD_FILE {
        return Ok(None);
    }
    let ours = match read(root, path)? {
        Disk::Missing => return Ok(None),
        Disk::Text(text) => text,
    };
    let mut step = Step::new(path, Action::Delete);
    if !unedited(entry, &ours) {
        step.action = Action::Skip;
        if upgrading {
            step.drifted = true;
            step.note = Some(
                "the template dropped it; kept because you edited it, so it is yours now".into(),
            );
        } else {
            step.note = Some("no longer generated; kept because you edited it".into());
        }
    }
    step.old = Some(ours);
    Ok(Some(step))
}

/// A managed file the base (or the record) and the target both have, possibly at another
/// path.
fn both_sides(
    root: &Path,
    old: &str,
    pair: &Pair,
    t: &RenderedFile,
    labels: &(String, String),
    recreate_deleted: bool,
) -> Result<Step> {
    let moved = old != t.path;
    let mut step = Step::new(&t.path, Action::Skip);
    step.executable = t.executable;
    if moved {
        step.from = Some(old.to_string());
        refuse_occupied(root, old, &t.path)?;
    }
    let ours = match read(root, old)? {
        Disk::Missing => {
            step.from = None;
            if recreate_deleted {
                step.action = Action::Create;
                step.new = Some(t.contents.clone());
                step.note = Some("deleted by you; recreated (--recreate-deleted)".into());
            } else {
                step.note = Some(
                    "deleted by you, so it stays deleted; `--recreate-deleted` brings it back"
                        .into(),
                );
            }
            return Ok(step);
        }
        Disk::Text(text) => text,
    };
    step.old = Some(ours.clone());
    if ours == t.contents && !moved {
        return Ok(step);
    }
    if unedited(pair.entry, &ours) || ours == t.contents {
        step.action = Action::Update;
        step.new = Some(t.contents.clone());
        return Ok(step);
    }
    step.drifted = true;
    let Some(b) = pair.base else {
        step.note = Some(
            "edited by you, and there is no base to merge with: left as it is; bring in the \
             template's version by hand"
                .into(),
        );
        return Ok(step);
    };
    if b.contents == t.contents && !moved {
        step.note = Some("edited by you; the template did not change it".into());
        return Ok(step);
    }
    let ours_label = format!("{old} {}", labels.0);
    let theirs_label = format!("{} {}", t.path, labels.1);
    match merge3(
        Some(&b.contents),
        &ours,
        &t.contents,
        &Labels {
            ours: &ours_label,
            theirs: &theirs_label,
        },
    )? {
        Merged::Clean(text) if text == ours && !moved => {
            step.note = Some("edited by you; already has the template's change".into());
        }
        Merged::Clean(text) => {
            step.action = Action::Merge;
            step.new = Some(text);
        }
        Merged::Conflict { text, regions } => {
            let sides = Sides {
                base: Some(b.contents.clone()),
                ours,
                theirs: t.contents.clone(),
            };
            mark_conflict(&mut step, text, regions, "", sides);
        }
    }
    Ok(step)
}

/// A managed file new in the target: created, or merged two-way with the file you already
/// have there.
fn added(root: &Path, t: &RenderedFile, labels: &(String, String)) -> Result<Step> {
    let mut step = Step::new(&t.path, Action::Create);
    step.executable = t.executable;
    match read(root, &t.path)? {
        Disk::Missing => step.new = Some(t.contents.clone()),
        Disk::Text(ours) if ours == t.contents => {
            step.action = Action::Skip;
            step.old = Some(ours);
        }
        Disk::Text(ours) => {
            // The recorded version never generated this file: the label names only you.
            let ours_label = format!("{} (yours)", t.path);
            let theirs_label = format!("{} {}", t.path, labels.1);
            let merged = merge3(
                None,
                &ours,
                &t.contents,
                &Labels {
                    ours: &ours_label,
                    theirs: &theirs_label,
                },
            )?;
            step.old = Some(ours.clone());
            match merged {
                Merged::Clean(text) => {
                    step.action = Action::Merge;
                    step.new = Some(text);
                }
                Merged::Conflict { text, regions } => {
                    let sides = Sides {
                        base: None,
                        ours,
                        theirs: t.contents.clone(),
                    };
                    let why = "new in the template and already yours: ";
                    mark_conflict(&mut step, text, regions, why, sides);
                }
            }
        }
    }
    Ok(step)
}

/// Makes `step` a conflict: the text with markers, how many regions (after `why`) in its note,
/// and the three sides for git's index.
fn mark_conflict(step: &mut Step, text: String, regions: usize, why: &str, sides: Sides) {
    step.action = Action::Conflict;
    let plural = if regions == 1 { "" } else { "s" };
    step.note = Some(format!("{why}{regions} conflict{plural}"));
    step.new = Some(text);
    step.sides = Some(sides);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str, kind: Ownership) -> RenderedFile {
        RenderedFile {
            path: path.into(),
            contents: text.into(),
            executable: false,
            kind,
            template: path.into(),
        }
    }

    fn record(files: &[(&str, &str, Ownership)]) -> Record {
        Record {
            pyscaffold: "0.1.0".into(),
            template: crate::record::TemplateRef {
                id: "builtin".into(),
                version: "0.1.0".into(),
            },
            packs: Vec::new(),
            answers: Default::default(),
            files: files
                .iter()
                .map(|(p, t, k)| FileHash {
                    path: (*p).into(),
                    sha256: sha256_hex(t.as_bytes()),
                    kind: Some(*k),
                })
                .collect(),
            integrity: None,
        }
    }

    fn actions(plan: &Plan) -> Vec<(String, Action, bool)> {
        plan.steps
            .iter()
            .map(|s| (s.path.clone(), s.action, s.drifted))
            .collect()
    }

    #[test]
    fn regenerating_replaces_unedited_files_and_flags_edited_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("a"), "old a\n").unwrap();
        std::fs::write(root.join("b"), "mine\n").unwrap();
        std::fs::write(root.join("gone"), "old gone\n").unwrap();
        let rec = record(&[
            ("a", "old a\n", Ownership::Managed),
            ("b", "old b\n", Ownership::Managed),
            ("gone", "old gone\n", Ownership::Managed),
        ]);
        let target = [
            file("a", "new a\n", Ownership::Managed),
            file("b", "new b\n", Ownership::Managed),
            file("c", "c\n", Ownership::Managed),
        ];
        let inputs = Inputs {
            root,
            base: None,
            target: &target,
            record: Some(&rec),
        };
        let plan = reconcile(&inputs, Policy::Regenerate).unwrap();
        assert_eq!(
            actions(&plan),
            vec![
                ("a".into(), Action::Update, false),
                ("b".into(), Action::Update, true),
                ("c".into(), Action::Create, false),
                ("gone".into(), Action::Delete, false),
            ]
        );
    }

    #[test]
    fn adopting_keeps_the_repositorys_seeded_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join(".gitignore"), "x\n").unwrap();
        std::fs::write(root.join("Dockerfile"), "FROM old\n").unwrap();
        let target = [
            file(".gitignore", "y\n", Ownership::Seeded),
            file("Dockerfile", "FROM new\n", Ownership::Managed),
        ];
        let inputs = Inputs {
            root,
            base: None,
            target: &target,
            record: None,
        };
        let plan = reconcile(&inputs, Policy::Adopt).unwrap();
        assert_eq!(plan.steps[0].note.as_deref(), Some(REPOSITORY_OWN));
        assert_eq!(plan.steps[1].action, Action::Update);
    }

    #[test]
    fn links_and_binary_files_are_refused_by_every_policy() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("bin"), [0u8, 159, 146, 150]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", root.join("link")).unwrap();
        let labels = ("yours".to_string(), "theirs".to_string());
        for path in ["bin", "link"] {
            let target = [file(path, "x\n", Ownership::Managed)];
            let inputs = Inputs {
                root,
                base: None,
                target: &target,
                record: None,
            };
            for policy in [
                Policy::Regenerate,
                Policy::Adopt,
                Policy::Upgrade {
                    labels: &labels,
                    recreate_deleted: false,
                    migrated: None,
                },
            ] {
                let err = reconcile(&inputs, policy).unwrap_err();
                let shown = format!("{err:#}");
                assert!(
                    shown.contains("symbolic link") || shown.contains("not UTF-8"),
                    "{shown}"
                );
            }
        }
    }

    #[test]
    fn upgrading_merges_edits_and_keeps_an_edited_dropped_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("a"), "1\n2\n3\n4\n5 mine\n").unwrap();
        std::fs::write(root.join("old"), "edited\n").unwrap();
        let base = [
            file("a", "1\n2\n3\n4\n5\n", Ownership::Managed),
            file("old", "old\n", Ownership::Managed),
        ];
        let target = [file("a", "1 new\n2\n3\n4\n5\n", Ownership::Managed)];
        let rec = record(&[
            ("a", "1\n2\n3\n4\n5\n", Ownership::Managed),
            ("old", "old\n", Ownership::Managed),
        ]);
        let labels = ("yours".to_string(), "theirs".to_string());
        let inputs = Inputs {
            root,
            base: Some(&base),
            target: &target,
            record: Some(&rec),
        };
        let plan = reconcile(
            &inputs,
            Policy::Upgrade {
                labels: &labels,
                recreate_deleted: false,
                migrated: None,
            },
        )
        .unwrap();
        assert_eq!(plan.steps[0].action, Action::Merge);
        assert_eq!(
            plan.steps[0].new.as_deref(),
            Some("1 new\n2\n3\n4\n5 mine\n")
        );
        assert_eq!(plan.steps[1].action, Action::Skip);
        assert!(plan.steps[1].drifted);
    }
}
