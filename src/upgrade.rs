//! Upgrading a project to another template version: the plan, computed once and applied once.
//!
//! Base: the recorded version rendered with the recorded answers. Theirs: the target version
//! rendered with the migrated answers plus `--set`. Yours: the files in the project. Managed
//! files you did not edit are replaced, edited ones are merged line by line with libgit2, and
//! overlapping edits are written with conflict markers. Seeded and ejected files are never
//! touched. [`prepare`] computes the plan without writing anything; `upgrade --check`,
//! `--dry-run` and the real run (which [`apply`]s it) are views of that same plan, so the
//! prediction is what the run then does. Only the files the record lists (and the target's
//! new files) are read: the rest of the repository is never walked.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use semver::Version;

use crate::answers::{RawAnswer, yaml_layer};
use crate::error::bad_input;
use crate::git::ProjectRepo;
use crate::merge::has_markers;
use crate::migrate::{Migrated, migrate};
use crate::plan::{Action, Plan, Sides, Step};
use crate::project::{self, Project};
use crate::reconcile::{Inputs, Policy, SEEDED_NOTE, reconcile};
use crate::record::{FileHash, RECORD_FILE, Record, TemplateRef, sha256_hex};
use crate::resolve::{LayerKind, Options, Prompter, resolve, set_layer};
use crate::template_set::{Ownership, RenderMeta, RenderedFile, builtin};

/// `--check` exit statuses.
pub const CHECK_UP_TO_DATE: u8 = 0;
pub const CHECK_UPGRADE: u8 = 10;
pub const CHECK_CONFLICTS: u8 = 11;
pub const CHECK_DRIFT: u8 = 12;

/// What an upgrade is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The project root.
    pub dir: PathBuf,
    /// The target version as given (`--to`); `None`: the newest built-in one.
    pub to: Option<String>,
    /// `--set KEY=VALUE` answers.
    pub sets: Vec<String>,
    /// Take defaults for new questions instead of asking.
    pub use_defaults: bool,
    /// Bring back managed files the user deleted.
    pub recreate_deleted: bool,
    /// `--pack-ref`: `TAG`, or `NAME=TAG` for one of several packs.
    pub pack_refs: Vec<String>,
    /// The packs to move to, already loaded (`pack test` upgrades to a pack's working tree);
    /// `None`: from the record's sources and `pack_refs`.
    pub target_packs: Option<Vec<crate::pack::Pack>>,
}

/// An upgrade computed but not applied.
pub struct Prepared {
    pub root: PathBuf,
    pub from: Version,
    pub to: Version,
    /// How each pack moves: name, recorded version, target version (the same when unchanged).
    pub packs: Vec<(String, String, String)>,
    /// What the releases moved to bring: (release, changelog line), oldest first.
    pub changelog: Vec<(String, String)>,
    /// Every file's step, the record's own last, sorted by path.
    pub plan: Plan,
    /// Whether anything changes: another version, changed answers or a file to write.
    pub upgrading: bool,
    /// What the migrations and the resolve step said (removed questions, new defaults).
    pub notes: Vec<String>,
}

/// How `--check` names an exit status, in its JSON and in `fleet report`.
pub fn status_name(code: u8) -> &'static str {
    match code {
        CHECK_CONFLICTS => "conflicts",
        CHECK_UPGRADE => "upgrade-available",
        CHECK_DRIFT => "drift",
        _ => "up-to-date",
    }
}

impl Prepared {
    /// The `--check` status this plan predicts.
    pub fn check_status(&self) -> u8 {
        if self.plan.has_conflicts() {
            CHECK_CONFLICTS
        } else if self.upgrading {
            CHECK_UPGRADE
        } else if self.plan.has_drift() {
            CHECK_DRIFT
        } else {
            CHECK_UP_TO_DATE
        }
    }

    /// The conflicted paths.
    pub fn conflicts(&self) -> Vec<&str> {
        self.plan.conflicts().map(|s| s.path.as_str()).collect()
    }
}

/// Computes the upgrade of the project at `request.dir`; writes nothing. New questions are
/// asked through `prompter` when there is one, else take their defaults (`use_defaults`) or
/// fail naming the flag.
pub fn prepare(request: &Request, prompter: Option<&mut dyn Prompter>) -> Result<Prepared> {
    let project = project::load(&request.dir)?;
    refuse_leftover_markers(&request.dir, &project)?;
    prepare_project(project, request, prompter)
}

/// [`prepare`] for a project already loaded and checked for leftover conflict markers.
pub fn prepare_project(
    project: Project,
    request: &Request,
    prompter: Option<&mut dyn Prompter>,
) -> Result<Prepared> {
    let root = request.dir.as_path();
    let target = match &request.to {
        Some(text) => builtin::parse_known(text, "--to")?,
        None => builtin::latest()?,
    };
    if target < project.version {
        return Err(bad_input(
            format!(
                "`--to {target}` is older than the project's template version {}",
                project.version
            ),
            format!(
                "upgrade moves forward only: give {} or a newer version (`pyscaffold versions`)",
                project.version
            ),
        ));
    }

    // The answers: recorded, migrated to the target, then --set; new questions asked or taken
    // from their defaults.
    let target_packs = match &request.target_packs {
        Some(packs) => packs.clone(),
        None => crate::pack::for_upgrade(&project.record.packs, &request.pack_refs)?,
    };
    let mut steps = migration_steps(&project.version, &target)?;
    for pack in &target_packs {
        if let Some(recorded) = project
            .record
            .packs
            .iter()
            .find(|p| p.name == pack.manifest.name)
            && let Ok(from) = Version::parse(&recorded.version)
        {
            if pack.version()? < from {
                return Err(bad_input(
                    format!(
                        "{} is older than the project's pack `{}` {from}",
                        pack.label(),
                        recorded.name
                    ),
                    "upgrade moves forward only: give `--pack-ref` a newer tag, or leave it out \
                     for the newest",
                ));
            }
            steps.extend(crate::pack::migrations_since(pack, &from)?);
        }
    }
    let step_refs: Vec<(String, &crate::template_set::Migration)> =
        steps.iter().map(|(v, m)| (v.clone(), m)).collect();
    let migrated = migrate(&step_refs, &project.record.answers)?;
    let set = crate::pack::layered(&target, &target_packs)?;
    let pack_moves: Vec<(String, String, String)> = pack_moves(&project, &set);
    let mut changelog = Vec::new();
    for version in builtin::versions()? {
        if version > project.version && version <= target {
            let manifest = builtin::parsed(&version)?.manifest.clone();
            changelog.push((format!("templates {version}"), manifest.changelog));
        }
    }
    for pack in &target_packs {
        let Some((_, from, _)) = pack_moves
            .iter()
            .find(|(name, from, to)| name == &pack.manifest.name && from != to)
        else {
            continue;
        };
        let name = &pack.manifest.name;
        // Every release in between (from the tags' manifests), then the target's own line.
        if let (Some(_), Ok(from), Ok(to)) =
            (&pack.origin.commit, Version::parse(from), pack.version())
        {
            for (version, line) in
                crate::pack::source::changelogs_between(&pack.origin.source, &from, &to)
            {
                if version != to {
                    changelog.push((format!("pack {name} {version}"), line));
                }
            }
        }
        if let Some(text) = &pack.manifest.changelog {
            changelog.push((
                format!("pack {name} {}", pack.manifest.version),
                text.clone(),
            ));
        }
    }
    let packs_changed = project.record.packs != set.packs;
    // An answer that was its question's computed default (the base image from the Python
    // version) follows the answers it is computed from, so a lock or `--set` that changes
    // them does not leave it behind.
    let followed: BTreeSet<String> =
        crate::resolve::followed_defaults(&project.set, &project.record.answers)
            .into_iter()
            // A value a migration computed is carried as computed.
            .filter(|id| migrated.answers.get(id) == project.record.answers.get(id))
            .collect();
    let record_layer = yaml_layer(
        LayerKind::Record,
        format!("`{RECORD_FILE}` (its answers carried to templates {target})"),
        migrated
            .answers
            .iter()
            .filter(|(id, _)| !followed.contains(id.as_str()))
            .map(|(id, value)| RawAnswer {
                id: id.clone(),
                value: value.to_raw(),
                line: 0,
                written: None,
            })
            .collect(),
    );
    let options = Options {
        use_defaults: request.use_defaults || prompter.is_none(),
        other_versions: true,
        hints: BTreeMap::new(),
        recompute: followed.clone(),
        no_default: BTreeMap::new(),
        steps: false,
    };
    let resolved = resolve(
        &set,
        &[record_layer, set_layer(&request.sets)?],
        prompter,
        &options,
    )?;
    let checked = crate::adoption::check_upgrade_sets(root, &resolved.answers, &request.sets)?;
    let mut notes = migrated.notes.clone();
    notes.extend(resolved.notes.iter().cloned());
    notes.extend(checked);
    let context = resolved.answers.to_context();
    for (id, origin) in &resolved.origins {
        if origin == "default" && !project.record.answers.contains_key(id) {
            // What the answer changes, as its question's help says for these answers.
            let what = set
                .question(id)
                .and_then(|q| crate::template_set::help_of(q, &context).ok().flatten())
                .map(|help| format!(": {help}"))
                .unwrap_or_default();
            notes.push(format!(
                "new question `{id}` takes its default `{}` (`--set {id}=VALUE` to change it){what}",
                resolved
                    .answers
                    .get(id)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
        }
    }

    let same_version = target == project.version && !packs_changed;
    let meta = if same_version {
        project.meta.clone()
    } else {
        RenderMeta::current()
    };
    let theirs = set.render(&resolved.answers, &meta)?;
    if !request.sets.is_empty() {
        refuse_missing_seeded(root, &project, &theirs)?;
    }
    let labels = (
        format!(
            "yours (templates {})",
            with_packs(&project.version, &project.set)
        ),
        format!("templates {}", with_packs(&target, &set)),
    );
    let no_base = !project.changed_packs.is_empty();
    if no_base {
        notes.push(format!(
            "pack {} is a folder whose files changed since the project was generated, so \
             there is no base to merge with: upgrade replaces only the managed files you did \
             not edit and lists the others (compare them with `upgrade --dry-run`); a pack in a \
             git repository keeps every release, so edits can be merged",
            project
                .changed_packs
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let inputs = Inputs {
        root,
        base: (!no_base).then_some(project.base.as_slice()),
        target: &theirs,
        record: Some(&project.record),
    };
    let mut plan = reconcile(
        &inputs,
        Policy::Upgrade {
            labels: &labels,
            recreate_deleted: request.recreate_deleted,
            migrated: Some(&migrated),
        },
    )?;
    refuse_stale_ejected(root, &project, &theirs, &migrated, &plan)?;
    notes.extend(left_in_renamed_folders(root, &plan));
    let answers_changed = resolved.answers.map() != &project.record.answers;
    let record = new_record(
        &project,
        &plan,
        &migrated,
        &theirs,
        &set,
        &resolved.answers,
        &meta,
    );
    let record_text = record.to_yaml()?;
    let upgrading = !same_version || answers_changed || plan.changes().next().is_some();
    if upgrading {
        let mut step = Step::new(RECORD_FILE, Action::Update);
        step.old = std::fs::read_to_string(root.join(RECORD_FILE)).ok();
        step.new = Some(record_text);
        if step.old != step.new {
            plan.push(step);
        }
    }
    plan.sort();
    // What the writer would refuse, refused now: `--check` predicts it.
    crate::writer::check_destinations(root, &plan)?;
    Ok(Prepared {
        root: root.to_path_buf(),
        from: project.version,
        to: target,
        packs: pack_moves,
        changelog,
        plan,
        upgrading,
        notes,
    })
}

/// `0.5.0` or `0.5.0 + acme 2.0.0`, as conflict markers name a side.
fn with_packs(version: &Version, set: &crate::template_set::TemplateSet) -> String {
    let mut text = version.to_string();
    for pack in &set.packs {
        text.push_str(&format!(" + {} {}", pack.name, pack.version));
    }
    text
}

/// Each recorded or target pack: name, recorded version (`-` when new), target version (`-`
/// when no longer layered).
fn pack_moves(
    project: &Project,
    set: &crate::template_set::TemplateSet,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for old in &project.record.packs {
        let new = set
            .packs
            .iter()
            .find(|p| p.name == old.name)
            .map_or_else(|| "-".to_string(), |p| p.version.clone());
        out.push((old.name.clone(), old.version.clone(), new));
    }
    for new in &set.packs {
        if !project.record.packs.iter().any(|p| p.name == new.name) {
            out.push((new.name.clone(), "-".to_string(), new.version.clone()));
        }
    }
    out
}

/// Writes the plan all at once (or nothing, on any failure) and, in a git repository, records
/// each conflicted file as unmerged. Returns the conflicted paths.
pub fn apply(prepared: &Prepared, repo: Option<&ProjectRepo>) -> Result<Vec<String>> {
    crate::writer::apply(&prepared.root, &prepared.plan)?;
    let conflicts: Vec<(String, Sides, bool)> = prepared
        .plan
        .conflicts()
        .filter_map(|s| {
            s.sides
                .clone()
                .map(|sides| (s.path.clone(), sides, s.executable))
        })
        .collect();
    if let Some(repo) = repo {
        repo.mark_unmerged(&conflicts)?;
    }
    Ok(conflicts.into_iter().map(|c| c.0).collect())
}

/// The folders the plan's moves rename: old folder → new folder (`docker/env` →
/// `docker/environments`).
fn moved_folders(plan: &Plan) -> BTreeMap<String, String> {
    let mut moved_dirs: BTreeMap<String, String> = BTreeMap::new();
    for step in &plan.steps {
        let Some(from) = &step.from else { continue };
        let (mut old, mut new): (Vec<&str>, Vec<&str>) =
            (from.split('/').collect(), step.path.split('/').collect());
        // Strip the common tail (`development/10-dev-requirements.sh`): what is left is the
        // folder that was renamed.
        while old.len() > 1 && new.len() > 1 && old.last() == new.last() {
            old.pop();
            new.pop();
        }
        if old.len() < from.split('/').count() {
            moved_dirs.insert(old.join("/"), new.join("/"));
        }
    }
    moved_dirs
}

/// Refuses an upgrade that renames a folder an ejected file still names: the templates change
/// their own version of that file along with the move (the Dockerfile's `COPY docker/env/`,
/// the entrypoint's `$script_dir/env`), and the ejected copy, which upgrade never touches,
/// would then point at a folder that is no longer there, so the image would not build, or the
/// setup scripts would silently not run. Each line is named with what the templates now write.
fn refuse_stale_ejected(
    root: &Path,
    project: &Project,
    theirs: &[RenderedFile],
    migrated: &Migrated,
    plan: &Plan,
) -> Result<()> {
    let moved = moved_folders(plan);
    if moved.is_empty() {
        return Ok(());
    }
    let mut stale = Vec::new();
    for (b, t) in crate::reconcile::pair(&project.base, theirs, Some(migrated)) {
        let (Some(b), Some(t)) = (b, t) else { continue };
        let ejected = project
            .record
            .file(&b.path)
            .is_some_and(|e| e.kind == Some(Ownership::Ejected));
        // An ejected file the upgrade moves is moved as it is; only those that stay name paths.
        if !ejected || b.contents == t.contents || b.path != t.path {
            continue;
        }
        let Ok(ours) = std::fs::read_to_string(root.join(&b.path)) else {
            continue;
        };
        let target_lines: BTreeSet<&str> = t.contents.lines().collect();
        // Comments name folders too, harmlessly.
        let code = |l: &&str| !l.trim_start().starts_with('#');
        for line in b
            .contents
            .lines()
            .filter(code)
            .filter(|l| !target_lines.contains(l))
        {
            let mut renamed = None;
            for (old, new) in &moved {
                let old_last = old.rsplit('/').next().unwrap_or(old);
                let new_last = new.rsplit('/').next().unwrap_or(new);
                for candidate in [
                    line.replace(old.as_str(), new),
                    line.replace(&format!("/{old_last}"), &format!("/{new_last}")),
                ] {
                    if candidate != line && target_lines.contains(candidate.as_str()) {
                        renamed = Some(candidate);
                    }
                }
            }
            let Some(renamed) = renamed else { continue };
            if let Some(at) = ours.lines().position(|l| l == line) {
                stale.push(format!(
                    "`{}` line {}: `{}` (the templates now write `{}`)",
                    b.path,
                    at + 1,
                    line.trim(),
                    renamed.trim()
                ));
            }
        }
    }
    // Lines of the user's own that name an old folder (`COPY ./docker/env ./docker/env`).
    for entry in project
        .record
        .files
        .iter()
        .filter(|e| e.kind == Some(Ownership::Ejected))
    {
        let Ok(ours) = std::fs::read_to_string(root.join(&entry.path)) else {
            continue;
        };
        for (at, line) in ours.lines().enumerate() {
            if line.trim_start().starts_with('#')
                || stale
                    .iter()
                    .any(|s| s.starts_with(&format!("`{}` line {}:", entry.path, at + 1)))
            {
                continue;
            }
            for (old, new) in &moved {
                let names_old = line.match_indices(old.as_str()).any(|(i, _)| {
                    !line[i + old.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                });
                if names_old && !entry.path.starts_with(&format!("{old}/")) {
                    stale.push(format!(
                        "`{}` line {}: `{}` (it names `{old}`, now `{new}`)",
                        entry.path,
                        at + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    let moves: Vec<String> = moved
        .iter()
        .map(|(old, new)| format!("`{old}/` to `{new}/`"))
        .collect();
    Err(bad_input(
        format!(
            "this upgrade moves {}, and files you ejected still name the old folder: {}",
            moves.join(", "),
            stale.join("; ")
        ),
        "change those lines as shown and commit them (the packaging works again once the upgrade \
         has moved the folder), then run the upgrade again; nothing was changed",
    ))
}

/// Notes for folders the templates renamed (`docker/env/` to `docker/environments/`) that still
/// hold files of yours after the plan: the packaging no longer looks there.
fn left_in_renamed_folders(root: &Path, plan: &Plan) -> Vec<String> {
    let moved_dirs = moved_folders(plan);
    let leaving: BTreeSet<&str> = plan
        .steps
        .iter()
        .filter_map(|s| s.from.as_deref())
        .chain(
            plan.steps
                .iter()
                .filter(|s| s.action == Action::Delete)
                .map(|s| s.path.as_str()),
        )
        .collect();
    let mut notes = Vec::new();
    for (old, new) in moved_dirs {
        let left: Vec<String> = walkdir::WalkDir::new(root.join(&old))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(root).ok()?;
                Some(rel.to_string_lossy().replace('\\', "/"))
            })
            .filter(|p| !leaving.contains(p.as_str()))
            .collect();
        if !left.is_empty() {
            notes.push(format!(
                "the templates moved `{old}/` to `{new}/`, and the packaging no longer reads \
                 `{old}/`, but it still holds files of yours: {}; move them (`git mv`) into \
                 `{new}/` to keep using them",
                left.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    notes
}

/// Refuses answers given with `--set` that need seeded files (the example app, dependency
/// manifests) the project does not have: upgrade never writes those, so the managed files
/// would name code that is not there (a renamed package, another framework or installer).
fn refuse_missing_seeded(root: &Path, project: &Project, theirs: &[RenderedFile]) -> Result<()> {
    let recorded: BTreeSet<&str> = project
        .record
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    let missing: Vec<&str> = theirs
        .iter()
        .filter(|t| t.kind == Ownership::Seeded && !recorded.contains(t.path.as_str()))
        .filter(|t| !root.join(&t.path).exists())
        .map(|t| t.path.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing.iter().take(5).map(|p| format!("`{p}`")).collect();
    let more = if missing.len() > 5 {
        format!(" and {} more", missing.len() - 5)
    } else {
        String::new()
    };
    Err(bad_input(
        format!(
            "with these answers the packaging expects {}{more}, which the project does not have; \
             upgrade never writes the example app or dependency files (they are yours)",
            shown.join(", ")
        ),
        "create or move those files yourself first (e.g. `git mv` the package to its new name), \
         then run the same `upgrade --set` again; or keep the answer as it is; nothing was changed",
    ))
}

/// The migrations after `from` up to and including `to`, oldest first.
fn migration_steps(
    from: &Version,
    to: &Version,
) -> Result<Vec<(String, crate::template_set::Migration)>> {
    let mut out = Vec::new();
    for version in builtin::versions()? {
        if &version > from && &version <= to {
            out.push((
                version.to_string(),
                builtin::parsed(&version)?.manifest.migration.clone(),
            ));
        }
    }
    Ok(out)
}

/// Refuses to start while a managed file still holds conflict markers from an earlier upgrade.
pub fn refuse_leftover_markers(root: &Path, project: &Project) -> Result<()> {
    refuse_markers_in(&managed_paths(project), on_disk(root))
}

/// Reads a project's file as text for [`refuse_markers_in`] (`None`: no such file).
pub fn on_disk(root: &Path) -> impl Fn(&str) -> Option<Cow<'static, str>> + '_ {
    |path| {
        std::fs::read_to_string(root.join(path))
            .ok()
            .map(Cow::Owned)
    }
}

/// The paths of the managed files the record lists: where leftover markers are looked for.
pub fn managed_paths(project: &Project) -> Vec<String> {
    project
        .record
        .files
        .iter()
        .filter(|f| f.kind == Some(Ownership::Managed))
        .map(|f| f.path.clone())
        .collect()
}

/// [`refuse_leftover_markers`] over `paths`, whose text `read` gives (`None`: no such file).
/// `fleet report` gives it the texts its plan has read already.
pub fn refuse_markers_in<'a>(
    paths: &[String],
    mut read: impl FnMut(&str) -> Option<Cow<'a, str>>,
) -> Result<()> {
    let marked: Vec<&str> = paths
        .iter()
        .filter(|path| read(path).is_some_and(|text| has_markers(&text)))
        .map(String::as_str)
        .collect();
    if marked.is_empty() {
        return Ok(());
    }
    Err(bad_input(
        format!(
            "conflict markers from an earlier upgrade are still in: {}",
            marked
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "resolve them (keep what you want between <<<<<<< and >>>>>>>, delete the markers) and \
         commit, then upgrade again; nothing was changed",
    ))
}

/// The record after the upgrade: the target's identity and answers, and for every file the
/// hash of the target's text (so your merged edits still count as edits next time).
fn new_record(
    project: &Project,
    plan: &Plan,
    migrated: &Migrated,
    theirs: &[RenderedFile],
    set: &crate::template_set::TemplateSet,
    answers: &crate::answers::Answers,
    meta: &RenderMeta,
) -> Record {
    let mut files: BTreeMap<String, FileHash> = BTreeMap::new();
    // Seeded and ejected files stay as recorded, where they still are.
    for entry in &project.record.files {
        if entry.kind != Some(Ownership::Managed) {
            files.insert(entry.path.clone(), entry.clone());
        }
    }
    // An ejected file the template moved moves with it, unchanged (the packaging looks for it
    // at the new path); its entry follows it, still ejected.
    for step in &plan.steps {
        if let Some(from) = &step.from
            && let Some(entry) = files.remove(from)
        {
            files.insert(
                step.path.clone(),
                FileHash {
                    path: step.path.clone(),
                    ..entry
                },
            );
        }
    }
    // A template path whose old file was ejected is not pyscaffold's either, moved or not.
    let ejected_moves: BTreeSet<&str> =
        crate::reconcile::pair(&project.base, theirs, Some(migrated))
            .into_iter()
            .filter_map(|(b, t)| Some((b?, t?)))
            .filter(|(b, _)| {
                project
                    .record
                    .file(&b.path)
                    .is_some_and(|e| e.kind == Some(Ownership::Ejected))
            })
            .map(|(_, t)| t.path.as_str())
            .collect();
    for t in theirs.iter().filter(|t| t.kind == Ownership::Managed) {
        // Ejected files keep their entry; a file the template dropped is not in `theirs`.
        if ejected_moves.contains(t.path.as_str())
            || files
                .get(&t.path)
                .is_some_and(|e| e.kind == Some(Ownership::Ejected))
        {
            continue;
        }
        files.insert(
            t.path.clone(),
            FileHash {
                path: t.path.clone(),
                sha256: sha256_hex(t.contents.as_bytes()),
                kind: Some(Ownership::Managed),
            },
        );
    }
    Record {
        pyscaffold: meta.pyscaffold_version.clone(),
        template: TemplateRef {
            id: set.manifest.id.clone(),
            version: set.manifest.version.clone(),
        },
        packs: set.packs.clone(),
        answers: answers.map().clone(),
        files: files.into_values().collect(),
        integrity: None,
    }
}

/// Whether a step is a seeded file's skip (listed in one line, not one each).
pub fn is_seeded_skip(step: &Step) -> bool {
    step.note.as_deref() == Some(SEEDED_NOTE)
}
