//! `pyscaffold new [NAME]`: resolve the answers, render the template set, write the project.
//!
//! Into an existing directory (`--force`) the files go through the same plan as `upgrade`:
//! files pyscaffold generated and you did not edit are updated, files the old answers generated
//! and the new ones do not are deleted, and files you edited are listed and refused unless
//! `--force-overwrite`. All of it is applied at once or not at all.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;

use crate::answers::{Answers, yaml_layer};
use crate::answers_file::load_answers_file;
use crate::cli::{NewArgs, flag_hints, flag_layer};
use crate::error::bad_input;
use crate::lock::{LockOutcome, lock, shell_word};
use crate::plan::{Action, Plan, Step};
use crate::prompt::TerminalPrompter;
use crate::reconcile::{Inputs, Policy, reconcile};
use crate::record::{RECORD_FILE, Record};
use crate::resolve::{Given, GivenValue, Layer, LayerKind, Options, Prompter, resolve, set_layer};
use crate::template_set::{RenderMeta, RenderedFile, TemplateSet, builtin};
use crate::value::Value;
use crate::writer::{Target, apply, check_target, write_new_project};

/// Runs `new`; every input is checked before anything is written.
pub fn run(args: NewArgs, matches: &ArgMatches) -> Result<ExitCode> {
    let version = match &args.template_version {
        Some(text) => builtin::parse_known(text, "--template-version")?,
        None => builtin::latest()?,
    };
    let packs = crate::pack::select(&args.answers.packs, args.answers.no_pack)?;
    let set = crate::pack::layered(&version, &packs)?;
    let command = crate::cli::subcommand_args::<NewArgs>("new");

    let mut layers = Vec::new();
    if let Some(name) = &args.answers.preset {
        layers.push(preset_layer(&set, name)?);
    }
    let mut recompute = std::collections::BTreeSet::new();
    if let Some(path) = &args.answers.answers_file {
        let file = load_answers_file(&set, path)?;
        layers.push(file.layer);
        recompute = file.recompute;
    }
    layers.push(set_layer(&args.answers.sets)?);
    // The directory's last component names the project unless --name does.
    if let Some(path) = &args.path {
        // `.` or `..` names the directory they stand for.
        let resolved = if path.file_name().is_none() {
            std::fs::canonicalize(path).ok()
        } else {
            None
        };
        let dir_name = resolved
            .as_deref()
            .unwrap_or(path)
            .file_name()
            .and_then(|n| n.to_str());
        if let (Some(dir_name), None) = (dir_name, &args.answers.name) {
            layers.push(Layer {
                kind: LayerKind::Flag,
                origin: "the directory name".to_string(),
                answers: vec![Given {
                    id: "name".to_string(),
                    value: GivenValue::Text(dir_name.to_string()),
                    at: format!(
                        "the directory name `{dir_name}` is not a valid project name \
                         (`--name` sets a different one)"
                    ),
                    written: None,
                }],
            });
        }
        // Refuse a non-empty directory before asking anything; a dry run only looks.
        check_target(path, args.force || args.dry_run)?;
    }
    layers.push(flag_layer(&set, &command, matches));

    let options = Options {
        use_defaults: args.answers.use_defaults,
        other_versions: true,
        hints: flag_hints(&set, &command),
        recompute,
        steps: true,
        ..Options::default()
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut terminal = TerminalPrompter::new();
    let prompter: Option<&mut dyn Prompter> = interactive.then_some(&mut terminal as _);
    let resolved = resolve(&set, &layers, prompter, &options)?;
    for note in &resolved.notes {
        eprintln!("note: {note}");
    }

    let root = match &args.path {
        // `.` and `..` are written as the directory they name.
        Some(path) if path.file_name().is_none() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())
        }
        Some(path) => path.clone(),
        None => match resolved.answers.get("name") {
            Some(Value::Str(name)) => PathBuf::from(name),
            _ => anyhow::bail!("the template set has no `name` question"),
        },
    };
    let target = check_target(&root, args.force || args.dry_run)?;
    // Writing into an existing folder: one command at a time, after undoing what an
    // interrupted one left.
    let _lock = if target == Target::Missing {
        None
    } else {
        Some(crate::writer::begin(&root)?)
    };

    let meta = RenderMeta::current();
    let mut files = set.render(&resolved.answers, &meta)?;
    let record = Record::new(&set, &resolved.answers, &files, &meta);
    files.push(record.to_file()?);
    files.sort_by(|a, b| a.path.cmp(&b.path));

    if target == Target::NonEmpty {
        let plan = force_plan(&root, &files)?;
        if args.dry_run {
            print_plan(&root, &plan, args.diff, args.verbose);
            if !args.force {
                eprintln!(
                    "note: `{}` is not empty: writing into it needs `--force`",
                    root.display()
                );
            }
            eprintln!(
                "dry run: {} changes in `{}`, nothing written",
                plan.changes().count(),
                root.display()
            );
            // The real run with these flags would refuse: so does its dry run.
            if args.force {
                refuse_edited(&root, &plan, args.force_overwrite)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        refuse_edited(&root, &plan, args.force_overwrite)?;
        apply(&root, &plan)?;
        for step in plan.steps.iter().filter(|s| s.note.is_some()) {
            eprintln!("note: {}", step.describe());
        }
    } else if args.dry_run {
        print_files(&root, &files, args.diff, args.verbose);
        eprintln!(
            "dry run: {} files for `{}`, nothing written",
            files.len(),
            root.display()
        );
        return Ok(ExitCode::SUCCESS);
    } else {
        write_new_project(&root, &files)?;
    }
    if args.verbose {
        for file in &files {
            println!("{}", root.join(&file.path).display());
        }
    }
    let outcome = lock(set.lock_rule(&resolved.answers)?, &root, args.no_lock)?;
    // What needs doing before the next steps work is said before them.
    let (notes, code) = match outcome {
        LockOutcome::Skipped(message) => (vec![format!("note: {message}")], ExitCode::SUCCESS),
        LockOutcome::Failed(message) => (
            vec![format!("error: {message}")],
            ExitCode::from(crate::error::EXIT_FAILURE),
        ),
        LockOutcome::NotNeeded | LockOutcome::Created => (Vec::new(), ExitCode::SUCCESS),
    };
    eprintln!(
        "{}",
        summary(
            &root,
            &resolved.answers,
            &set.packs,
            files.iter().any(|f| f.path == "compose.yaml"),
            files.len(),
            &notes
        )
    );
    Ok(code)
}

/// The preset `name` of the set, as a layer.
pub(crate) fn preset_layer(set: &TemplateSet, name: &str) -> Result<Layer> {
    let Some(preset) = set.preset(name)? else {
        let known: Vec<&str> = set.presets()?.iter().map(|p| p.name.as_str()).collect();
        let listing = if set.packs.is_empty() {
            "`pyscaffold presets` describes them"
        } else {
            "`pyscaffold presets` with the same `--pack` describes them"
        };
        return Err(bad_input(
            format!("unknown preset `{}`", crate::error::quoted(name)),
            format!("pick one of: {} ({listing})", known.join(", ")),
        ));
    };
    Ok(yaml_layer(
        LayerKind::Preset,
        format!("preset `{name}`"),
        preset.answers.clone(),
    ))
}

/// What regenerating into an existing directory does to each file, judged against the record
/// of what pyscaffold wrote there before (if any).
fn force_plan(root: &Path, files: &[RenderedFile]) -> Result<Plan> {
    // A record there is checked as `upgrade` checks it: a hand-edited one (an entry added for
    // a file of yours, a kind changed) must not decide what is replaced or deleted.
    let old_record = if root.join(RECORD_FILE).exists() {
        Some(crate::project::load(root)?.record)
    } else {
        None
    };
    let inputs = Inputs {
        root,
        base: None,
        target: files,
        record: old_record.as_ref(),
    };
    reconcile(&inputs, Policy::Regenerate)
}

/// Refuses to overwrite files the user edited unless `--force-overwrite`.
fn refuse_edited(root: &Path, plan: &Plan, overwrite: bool) -> Result<()> {
    let edited: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.drifted && s.action.writes())
        .map(|s| s.path.as_str())
        .collect();
    if edited.is_empty() || overwrite {
        return Ok(());
    }
    let listed = edited
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if !root.join(RECORD_FILE).is_file() {
        return Err(bad_input(
            format!("these files are yours and differ from what pyscaffold writes: {listed}"),
            "`--force-overwrite` replaces them (see the difference first with `--dry-run \
             --diff`), or move them away; nothing was written",
        ));
    }
    Err(bad_input(
        format!("these generated files were edited since pyscaffold wrote them: {listed}"),
        "`pyscaffold upgrade --set KEY=VALUE` changes answers and merges your edits; \
         `--force-overwrite` replaces them (see them first with `--dry-run --diff`); nothing \
         was written",
    ))
}

/// Lists (and with `verbose`/`diff`, shows) the files a dry run of a new project would write.
fn print_files(root: &Path, files: &[RenderedFile], diff: bool, verbose: bool) {
    for file in files {
        let path = root.join(&file.path);
        if diff {
            let mut step = Step::new(&file.path, Action::Create);
            step.new = Some(file.contents.clone());
            print!("{}", step.diff());
        } else if verbose {
            println!("==> {} <==\n{}", path.display(), file.contents);
        } else {
            println!("{}", path.display());
        }
    }
}

/// Shows what regenerating into an existing directory would do.
fn print_plan(root: &Path, plan: &Plan, diff: bool, verbose: bool) {
    for step in &plan.steps {
        let path = root.join(&step.path);
        if diff {
            if step.action.writes() {
                print!("{}", step.diff());
            } else {
                println!("unchanged {}", path.display());
            }
        } else if verbose {
            println!("{}", step.describe());
            if let Some(text) = &step.new {
                println!("==> {} <==\n{text}", path.display());
            }
        } else {
            println!("{}", step.describe());
        }
    }
}

fn summary(
    root: &Path,
    answers: &Answers,
    packs: &[crate::record::PackRef],
    has_compose: bool,
    count: usize,
    notes: &[String],
) -> String {
    let text = |id: &str| answers.get(id).map(Value::to_text).unwrap_or_default();
    let compose = if !has_compose {
        String::new()
    } else if text("framework") == "worker" {
        "\n  docker compose up --build      # run it locally with the development requirements"
            .to_string()
    } else {
        "\n  docker compose up --build      # develop with live reload".to_string()
    };
    let dir = root.display().to_string();
    let packs: String = packs
        .iter()
        .map(|p| format!("; pack {} {}", p.name, p.version))
        .collect();
    format!(
        "created `{dir}`: {count} files ({framework}, {installer}, CI: {ci}{packs})\n{note}\n\
         next steps:\n  \
         cd {cd}\n  \
         python3 docker/build.py        # build both stages and run the smoke test{compose}\n\
         README.Docker.md explains every generated file.",
        cd = shell_word(&dir),
        note = notes.iter().map(|n| format!("{n}\n")).collect::<String>(),
        framework = text("framework"),
        installer = text("installer"),
        ci = text("ci"),
    )
}
