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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use semver::Version;

use crate::answers::{RawAnswer, yaml_layer};
use crate::error::bad_input;
use crate::git::ProjectRepo;
use crate::merge::{Labels, Merged, has_markers, merge3};
use crate::migrate::{Migrated, migrate};
use crate::plan::{Action, Plan, Sides, Step};
use crate::project::{self, Project};
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
            let manifest = builtin::parsed(&version)?.manifest;
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
    let followed: BTreeSet<String> = followed_defaults(&project)
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
        other_versions_ids: builtin::other_versions_ids(&set)?,
        hints: BTreeMap::new(),
        recompute: followed.clone(),
        no_default: BTreeMap::new(),
    };
    let resolved = resolve(
        &set,
        &[record_layer, set_layer(&request.sets)?],
        prompter,
        &options,
    )?;
    let mut notes = migrated.notes.clone();
    notes.extend(resolved.notes.iter().cloned());
    for (id, origin) in &resolved.origins {
        if origin == "default" && !project.record.answers.contains_key(id) {
            notes.push(format!(
                "new question `{id}` takes its default `{}` (`--set {id}=VALUE` to change it)",
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
    let mut plan = if project.changed_packs.is_empty() {
        file_plan(
            root,
            &project,
            &migrated,
            &theirs,
            &labels,
            request.recreate_deleted,
        )?
    } else {
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
        no_base_plan(root, &project, &theirs, request.recreate_deleted)?
    };
    notes.extend(left_in_renamed_folders(root, &plan));
    let answers_changed = resolved.answers.map() != &project.record.answers;
    let record = new_record(&project, &migrated, &theirs, &set, &resolved.answers, &meta);
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

/// The recorded answers equal to their question's computed (Tera) default under the recorded
/// answers: the user took the default, so it is computed again rather than carried.
fn followed_defaults(project: &Project) -> BTreeSet<String> {
    let mut answers = crate::answers::Answers::default();
    for (id, value) in &project.record.answers {
        answers.insert(id.clone(), value.clone());
    }
    let context = answers.to_context();
    let mut out = BTreeSet::new();
    for question in &project.set.questions {
        let Some(crate::value::Value::Str(text)) = &question.default else {
            continue;
        };
        if !(text.contains("{{") || text.contains("{%")) {
            continue;
        }
        let (Ok(rendered), Some(recorded)) = (
            project.set.render_str(text, &context),
            project.record.answers.get(&question.id),
        ) else {
            continue;
        };
        if question.parse_text(&rendered).ok().as_ref() == Some(recorded) {
            out.insert(question.id.clone());
        }
    }
    out
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

/// The plan when a folder pack changed and the base cannot be rebuilt: managed files you did
/// not edit (their hash is the recorded one) are replaced or deleted; edited ones are kept and
/// listed; nothing is merged.
fn no_base_plan(
    root: &Path,
    project: &Project,
    theirs: &[RenderedFile],
    recreate_deleted: bool,
) -> Result<Plan> {
    let mut plan = Plan::default();
    let unedited = |entry: Option<&FileHash>, text: &str| {
        entry.is_some_and(|e| e.sha256 == sha256_hex(text.as_bytes()))
    };
    for t in theirs {
        let entry = project.record.file(&t.path);
        let kind = entry.and_then(|e| e.kind).unwrap_or(t.kind);
        let mut step = Step::new(&t.path, Action::Skip);
        step.executable = t.executable;
        if kind != Ownership::Managed {
            step.note = Some(match kind {
                Ownership::Ejected => "ejected: yours, left alone".to_string(),
                _ if entry.is_none() => "new seeded file: only `new` writes those".to_string(),
                _ => SEEDED_NOTE.to_string(),
            });
            plan.push(step);
            continue;
        }
        match read_disk(root, &t.path)? {
            Disk::Missing if entry.is_some() && !recreate_deleted => {
                step.note = Some(
                    "deleted by you, so it stays deleted; `--recreate-deleted` brings it back"
                        .into(),
                );
            }
            Disk::Missing => {
                step.action = Action::Create;
                step.new = Some(t.contents.clone());
            }
            Disk::Text(ours) if ours == t.contents => step.old = Some(ours),
            Disk::Text(ours) if unedited(entry, &ours) => {
                step.action = Action::Update;
                step.old = Some(ours);
                step.new = Some(t.contents.clone());
            }
            Disk::Text(ours) => {
                step.drifted = true;
                step.note = Some(
                    "edited by you, and there is no base to merge with: left as it is; bring \
                     in the template's version by hand"
                        .into(),
                );
                step.old = Some(ours);
            }
        }
        plan.push(step);
    }
    for entry in &project.record.files {
        if entry.kind != Some(Ownership::Managed) || theirs.iter().any(|t| t.path == entry.path) {
            continue;
        }
        if let Disk::Text(ours) = read_disk(root, &entry.path)? {
            let mut step = Step::new(&entry.path, Action::Delete);
            if !unedited(Some(entry), &ours) {
                step.action = Action::Skip;
                step.drifted = true;
                step.note = Some(
                    "the templates dropped it; kept because you edited it, so it is yours now"
                        .into(),
                );
            }
            step.old = Some(ours);
            plan.push(step);
        }
    }
    plan.sort();
    Ok(plan)
}

/// Writes the plan all at once (or nothing, on any failure) and, in a git repository, records
/// each conflicted file as unmerged. Returns the conflicted paths.
pub fn apply(prepared: &Prepared, repo: Option<&ProjectRepo>) -> Result<Vec<String>> {
    crate::write::apply(&prepared.root, &prepared.plan)?;
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

/// Notes for folders the templates renamed (`docker/env/` to `docker/environments/`) that still
/// hold files of yours after the plan: the packaging no longer looks there.
fn left_in_renamed_folders(root: &Path, plan: &Plan) -> Vec<String> {
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
                builtin::parsed(&version)?.manifest.migration,
            ));
        }
    }
    Ok(out)
}

/// Refuses to start while a managed file still holds conflict markers from an earlier upgrade.
pub fn refuse_leftover_markers(root: &Path, project: &Project) -> Result<()> {
    let marked: Vec<&str> = project
        .record
        .files
        .iter()
        .filter(|f| f.kind == Some(Ownership::Managed))
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path)).is_ok_and(|text| has_markers(&text))
        })
        .map(|f| f.path.as_str())
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

/// What is on disk at a managed path.
enum Disk {
    Missing,
    Text(String),
}

fn read_disk(root: &Path, path: &str) -> Result<Disk> {
    // A symbolic link on the way (the file itself or a folder above it) could make upgrade
    // read or write outside the project: refused, as `--check` and the run both say.
    let mut so_far = root.to_path_buf();
    for part in path.split('/') {
        so_far.push(part);
        match std::fs::symlink_metadata(&so_far) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Disk::Missing),
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
                    format!(
                        "replace the link with the file or folder it points to, or keep it as \
                         yours with `pyscaffold eject {path}`; nothing was changed"
                    ),
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
            "move the directory away (or restore the file from version control) and upgrade \
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
        format!("`{path}` is managed by pyscaffold but is not UTF-8 text, so it cannot be merged"),
        format!(
            "restore it from version control, or take it over with `pyscaffold eject {path}`; \
             nothing was changed"
        ),
    )
}

/// Pairs each base file with its target file: by path after the migrations' renames, else by
/// the template it came from (a file an answer moved), else alone.
fn pair<'a>(
    base: &'a [RenderedFile],
    theirs: &'a [RenderedFile],
    migrated: &Migrated,
) -> Vec<(Option<&'a RenderedFile>, Option<&'a RenderedFile>)> {
    let mut used = BTreeSet::new();
    let mut pairs = Vec::new();
    let base_paths: BTreeSet<&str> = base.iter().map(|f| f.path.as_str()).collect();
    for b in base {
        let moved = migrated.path(&b.path);
        let mut found = theirs.iter().find(|t| t.path == moved);
        if found.is_none() {
            let same_template: Vec<&RenderedFile> = theirs
                .iter()
                .filter(|t| t.template == b.template && !base_paths.contains(t.path.as_str()))
                .collect();
            if same_template.len() == 1 {
                found = Some(same_template[0]);
            }
        }
        let found = found.filter(|t| used.insert(t.path.clone()));
        pairs.push((Some(b), found));
    }
    for t in theirs {
        if !used.contains(&t.path) {
            pairs.push((None, Some(t)));
        }
    }
    pairs
}

/// The step for every file.
fn file_plan(
    root: &Path,
    project: &Project,
    migrated: &Migrated,
    theirs: &[RenderedFile],
    labels: &(String, String),
    recreate_deleted: bool,
) -> Result<Plan> {
    let mut plan = Plan::default();
    for (base, target) in pair(&project.base, theirs, migrated) {
        let entry = base.and_then(|b| project.record.file(&b.path));
        let kind = entry.and_then(|e| e.kind).or(base.map(|b| b.kind));
        match (base, target) {
            (Some(b), _) if kind != Some(Ownership::Managed) => {
                let mut step = Step::new(&b.path, Action::Skip);
                step.note = Some(match kind {
                    Some(Ownership::Ejected) => "ejected: yours, left alone".to_string(),
                    _ => SEEDED_NOTE.to_string(),
                });
                plan.push(step);
            }
            (Some(b), Some(t)) => {
                plan.push(both_sides(root, b, t, entry, labels, recreate_deleted)?);
            }
            (Some(b), None) => {
                if let Some(step) = removed(root, b, entry)? {
                    plan.push(step);
                }
            }
            (None, Some(t)) => plan.push(added(root, t, labels)?),
            (None, None) => {}
        }
    }
    plan.sort();
    Ok(plan)
}

/// A managed file the base and the target both have (possibly at another path).
fn both_sides(
    root: &Path,
    b: &RenderedFile,
    t: &RenderedFile,
    entry: Option<&FileHash>,
    labels: &(String, String),
    recreate_deleted: bool,
) -> Result<Step> {
    let moved = b.path != t.path;
    let mut step = Step::new(&t.path, Action::Skip);
    step.executable = t.executable;
    if moved {
        step.from = Some(b.path.clone());
        if !matches!(read_disk(root, &t.path)?, Disk::Missing) {
            return Err(bad_input(
                format!(
                    "the new template version moves `{}` to `{}`, and a file is already there",
                    b.path, t.path
                ),
                "move that file away and upgrade again; nothing was changed",
            ));
        }
    }
    let ours = match read_disk(root, &b.path)? {
        Disk::Missing => {
            if recreate_deleted {
                step.from = None;
                step.action = Action::Create;
                step.new = Some(t.contents.clone());
                step.note = Some("deleted by you; recreated (--recreate-deleted)".into());
            } else {
                step.from = None;
                step.note = Some(
                    "deleted by you, so it stays deleted; `--recreate-deleted` brings it back"
                        .into(),
                );
            }
            return Ok(step);
        }
        Disk::Text(text) => text,
    };
    let unedited = entry.is_some_and(|e| e.sha256 == sha256_hex(ours.as_bytes()));
    step.old = Some(ours.clone());
    if ours == t.contents && !moved {
        step.note = None;
        return Ok(step);
    }
    if unedited || ours == t.contents {
        step.action = Action::Update;
        step.new = Some(t.contents.clone());
        return Ok(step);
    }
    step.drifted = true;
    if b.contents == t.contents && !moved {
        step.note = Some("edited by you; the template did not change it".into());
        return Ok(step);
    }
    let ours_label = format!("{} {}", b.path, labels.0);
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

/// Makes `step` a conflict: the text with markers, how many regions (after `why`) in its note,
/// and the three sides for git's index.
fn mark_conflict(step: &mut Step, text: String, regions: usize, why: &str, sides: Sides) {
    step.action = Action::Conflict;
    let plural = if regions == 1 { "" } else { "s" };
    step.note = Some(format!("{why}{regions} conflict{plural}"));
    step.new = Some(text);
    step.sides = Some(sides);
}

/// A managed file the target no longer has.
fn removed(root: &Path, b: &RenderedFile, entry: Option<&FileHash>) -> Result<Option<Step>> {
    let ours = match read_disk(root, &b.path)? {
        Disk::Missing => return Ok(None),
        Disk::Text(text) => text,
    };
    let unedited = entry.is_some_and(|e| e.sha256 == sha256_hex(ours.as_bytes()));
    let mut step = Step::new(&b.path, Action::Delete);
    if !unedited {
        step.action = Action::Skip;
        step.drifted = true;
        step.note =
            Some("the template dropped it; kept because you edited it, so it is yours now".into());
    }
    step.old = Some(ours);
    Ok(Some(step))
}

/// A file new in the target.
fn added(root: &Path, t: &RenderedFile, labels: &(String, String)) -> Result<Step> {
    let mut step = Step::new(&t.path, Action::Create);
    step.executable = t.executable;
    if t.kind != Ownership::Managed {
        step.action = Action::Skip;
        step.note = Some("new seeded file: only `new` writes those".into());
        return Ok(step);
    }
    match read_disk(root, &t.path)? {
        Disk::Missing => step.new = Some(t.contents.clone()),
        Disk::Text(ours) if ours == t.contents => {
            step.action = Action::Skip;
            step.old = Some(ours);
        }
        Disk::Text(ours) => {
            let ours_label = format!("{} {}", t.path, labels.0);
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

/// The record after the upgrade: the target's identity and answers, and for every file the
/// hash of the target's text (so your merged edits still count as edits next time).
fn new_record(
    project: &Project,
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
    // An ejected file the template moved stays where it is, yours: its new path is not
    // pyscaffold's either.
    let ejected_moves: BTreeSet<&str> = pair(&project.base, theirs, migrated)
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
    }
}

/// The note on a seeded file's skip step.
pub const SEEDED_NOTE: &str = "seeded: yours, never touched by upgrade";

/// Whether a step is a seeded file's skip (listed in one line, not one each).
pub fn is_seeded_skip(step: &Step) -> bool {
    step.note.as_deref() == Some(SEEDED_NOTE)
}
