//! `pyscaffold upgrade`: the command's views of one upgrade plan ([`crate::upgrade`]).
//!
//! `--check` prints the plan's outcome per file and exits with its status, `--dry-run` prints
//! its diffs, and the real run applies it, lists what changed and exits 1 over a conflict.
//! All three compute the very same plan; only the real run writes.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Result;
use semver::Version;
use serde::Serialize;

use crate::cli::UpgradeArgs;
use crate::error::bad_input;
use crate::plan::{Action, Plan};
use crate::prompt::TerminalPrompter;
use crate::resolve::Prompter;
use crate::upgrade::{Request, is_seeded_skip, prepare_project, refuse_leftover_markers};

/// Runs `upgrade`.
pub fn run(mut args: UpgradeArgs) -> Result<ExitCode> {
    // Run from a folder inside the project, it finds the project above, as git does.
    args.dir = crate::project::root_for(&args.dir)?;
    let root = args.dir.as_path();
    let writes = !(args.check || args.dry_run);
    // One command at a time in the project, and an interrupted earlier run is undone (or
    // completed) first, so even `--check` sees a whole project.
    let _lock = if root.is_dir() {
        Some(crate::writer::begin(root)?)
    } else {
        None
    };
    crate::project::require_record(root)?;
    let project = crate::project::load(root)?;
    refuse_leftover_markers(root, &project)?;
    // `--check` refuses a dirty tree as the run would, so its prediction is what the run does;
    // `--dry-run` only shows, so it looks at the tree as it is.
    let repo = if writes || args.check {
        crate::git::discover(root)?
    } else {
        None
    };
    if !args.allow_dirty
        && let Some(repo) = &repo
    {
        // The files upgrade reads or writes: the recorded ones and the record itself.
        let mut paths: Vec<&str> = project
            .record
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        paths.push(crate::record::RECORD_FILE);
        let dirty = repo.uncommitted(&paths)?;
        if !dirty.is_empty() {
            return Err(bad_input(
                format!(
                    "files pyscaffold manages have uncommitted changes or are untracked: {}",
                    dirty
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "commit (untracked ones after `git add`) or stash them first, so the upgrade \
                 is one reviewable change and git can give every file back (or pass \
                 `--allow-dirty`); nothing was changed",
            ));
        }
    }
    let request = Request {
        dir: args.dir.clone(),
        to: args.to.clone(),
        sets: args.sets.clone(),
        use_defaults: args.use_defaults,
        recreate_deleted: args.recreate_deleted,
        pack_refs: args.pack_refs.clone(),
        target_packs: None,
    };
    let interactive = writes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut terminal = TerminalPrompter::new();
    let prompter: Option<&mut dyn Prompter> = interactive.then_some(&mut terminal as _);
    let prepared = prepare_project(project, &request, prompter)?;
    let plan = &prepared.plan;
    let status = prepared.check_status();
    let mut report = Report::new(&prepared.from, &prepared.to, status, plan, &prepared.notes);
    report.packs = prepared
        .packs
        .iter()
        .map(|(name, from, to)| PackMove {
            name: name.clone(),
            from: from.clone(),
            to: to.clone(),
        })
        .collect();
    report.changelog = prepared
        .changelog
        .iter()
        .map(|(release, text)| Entry {
            release: release.clone(),
            text: text.clone(),
        })
        .collect();
    if args.check {
        report.print(&args.format, plan)?;
        return Ok(ExitCode::from(status));
    }
    if args.dry_run {
        for step in plan.changes() {
            print!("{}", step.diff());
        }
        report.print_notes(plan);
        eprintln!("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    if !prepared.upgrading {
        report.print_notes(plan);
        eprintln!("up to date: {}; nothing to change", report.targets());
        return Ok(ExitCode::SUCCESS);
    }
    // A signal while the files are put in place waits until they all are, the conflicts are
    // recorded in git's index and listed: the run that the user stopped still says what it did.
    let _hold = crate::interrupt::defer();
    let conflicts = crate::upgrade::apply(&prepared, repo.as_ref())?;
    report.print_notes(plan);
    for step in plan.changes() {
        println!("{}", step.describe());
    }
    if conflicts.is_empty() {
        eprintln!("upgraded {}: {}", report.moves(), report.counts());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "upgraded {} WITH CONFLICTS: {}\n\
             resolve the conflict markers (<<<<<<< / >>>>>>>) in: {}\n\
             then {}; `pyscaffold upgrade` refuses to run again until no markers remain",
            report.moves(),
            report.counts(),
            conflicts.join(", "),
            if repo.is_some() {
                "`git add` them (git lists them as unmerged; `git mergetool` shows the three sides) and commit"
            } else {
                "save them"
            }
        );
        Ok(ExitCode::from(crate::error::EXIT_FAILURE))
    }
}

/// What `--check --format json` prints: one outcome per file.
#[derive(Serialize)]
struct Report {
    status: &'static str,
    exit_code: u8,
    from: String,
    to: String,
    /// Each pack's move, when the project uses packs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packs: Vec<PackMove>,
    /// What the releases moved to bring, oldest first.
    changelog: Vec<Entry>,
    files: Vec<FileOutcome>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct Entry {
    release: String,
    text: String,
}

#[derive(Serialize)]
struct PackMove {
    name: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct FileOutcome {
    path: String,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    drifted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl Report {
    fn new(from: &Version, to: &Version, code: u8, plan: &Plan, notes: &[String]) -> Self {
        let status = crate::upgrade::status_name(code);
        Self {
            status,
            exit_code: code,
            from: from.to_string(),
            to: to.to_string(),
            packs: Vec::new(),
            changelog: Vec::new(),
            files: plan
                .steps
                .iter()
                .map(|s| FileOutcome {
                    path: s.path.clone(),
                    action: if s.from.is_some() && s.action == Action::Update {
                        "rename"
                    } else {
                        s.action.as_str()
                    },
                    from: s.from.clone(),
                    drifted: s.drifted,
                    note: s.note.clone(),
                })
                .collect(),
            notes: notes.to_vec(),
        }
    }

    /// `from templates 0.4.0 to 0.5.0, pack acme 1.0.0 to 2.0.0`.
    fn moves(&self) -> String {
        let mut text = format!("from templates {} to {}", self.from, self.to);
        for pack in &self.packs {
            text.push_str(&format!(
                ", pack {} {} to {}",
                pack.name, pack.from, pack.to
            ));
        }
        text
    }

    /// `templates 0.5.0, pack acme 2.0.0`.
    fn targets(&self) -> String {
        let mut text = format!("templates {}", self.to);
        for pack in &self.packs {
            text.push_str(&format!(", pack {} {}", pack.name, pack.to));
        }
        text
    }

    fn counts(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for file in &self.files {
            if file.action != "skip" {
                *counts.entry(file.action).or_default() += 1;
            }
        }
        if counts.is_empty() {
            return "no file changes".to_string();
        }
        counts
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn print(&self, format: &str, plan: &Plan) -> Result<()> {
        if format == "json" {
            println!("{}", serde_json::to_string_pretty(self)?);
            return Ok(());
        }
        // Seeded files are never touched: one line for all of them, not one each.
        let seeded = plan.steps.iter().filter(|s| is_seeded_skip(s)).count();
        for step in plan.steps.iter().filter(|s| !is_seeded_skip(s)) {
            if step.action.writes() || step.note.is_some() {
                println!("{}", step.describe());
            }
        }
        if seeded > 0 {
            println!("({seeded} seeded files: yours, never touched by upgrade)");
        }
        for note in &self.notes {
            eprintln!("note: {note}");
        }
        let packs: String = self
            .packs
            .iter()
            .map(|p| format!(", pack {} {} -> {}", p.name, p.from, p.to))
            .collect();
        // The same version: what changes comes from changed answers (or drifted files).
        let templates = if self.from == self.to {
            format!("templates {}", self.to)
        } else {
            format!("templates {} -> {}", self.from, self.to)
        };
        eprintln!(
            "{}: {templates}{packs} ({}); exit status {}",
            self.status,
            self.counts(),
            self.exit_code
        );
        Ok(())
    }

    fn print_notes(&self, plan: &Plan) {
        for note in &self.notes {
            eprintln!("note: {note}");
        }
        for step in plan
            .steps
            .iter()
            .filter(|s| !s.action.writes() && s.note.is_some() && !is_seeded_skip(s))
        {
            eprintln!(
                "kept: {}: {}",
                step.path,
                step.note.as_deref().unwrap_or_default()
            );
        }
        for step in plan.conflicts() {
            eprintln!(
                "conflict: {} ({})",
                step.path,
                step.note.as_deref().unwrap_or("conflict")
            );
        }
    }
}
