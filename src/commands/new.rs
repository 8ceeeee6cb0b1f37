//! `pyscaffold new [NAME]`: resolve the answers, render the template set, write the project.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use similar::TextDiff;

use crate::answers::load_answers_file;
use crate::cli::{NewArgs, flag_for};
use crate::lock::{LockOutcome, lock};
use crate::prompt::TerminalPrompter;
use crate::record::Record;
use crate::resolve::{FlagAnswer, Inputs, Prompter, resolve};
use crate::template_set::{RenderedFile, TemplateSet};
use crate::value::Value;
use crate::write::{check_target, write_project};

/// Runs `new`; every input is checked before anything is written.
pub fn run(set: &TemplateSet, args: NewArgs) -> Result<ExitCode> {
    let mut inputs = Inputs {
        preset: args
            .answers
            .preset
            .as_deref()
            .map(crate::presets::load)
            .transpose()?,
        answers_file: args
            .answers
            .answers_file
            .as_deref()
            .map(load_answers_file)
            .transpose()?,
        sets: args.answers.sets.clone(),
        flags: Vec::new(),
        use_defaults: args.answers.use_defaults,
    };
    // The directory's last component names the project unless --name does.
    if let Some(path) = &args.path {
        let dir_name = path.file_name().and_then(|n| n.to_str());
        if let (Some(dir_name), None) = (dir_name, &args.answers.name) {
            inputs.flags.push(FlagAnswer {
                id: "name".to_string(),
                label: format!(
                    "the directory name `{dir_name}` is not a valid project name \
                     (`--name` sets a different one)"
                ),
                text: dir_name.to_string(),
            });
        }
        // Refuse a non-empty directory before asking anything.
        check_target(path, args.force)?;
    }
    inputs.flags.extend(args.answers.flag_answers());

    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut terminal = TerminalPrompter::new();
    let prompter: Option<&mut dyn Prompter> = interactive.then_some(&mut terminal as _);
    let resolved = resolve(set, &inputs, prompter, flag_for)?;
    for note in &resolved.notes {
        eprintln!("note: {note}");
    }

    let root = match &args.path {
        Some(path) => path.clone(),
        None => match resolved.answers.get("name") {
            Some(Value::Str(name)) => PathBuf::from(name),
            _ => anyhow::bail!("the template set has no `name` question"),
        },
    };
    check_target(&root, args.force)?;

    let mut files = set.render(&resolved.answers)?;
    let record = Record::new(set, &resolved.answers, &files);
    files.push(record.to_file()?);
    files.sort_by(|a, b| a.path.cmp(&b.path));

    if args.dry_run {
        print_plan(&root, &files, args.diff, args.verbose);
        eprintln!(
            "dry run: {} files for `{}`, nothing written",
            files.len(),
            root.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    write_project(&root, &files)?;
    if args.verbose {
        for file in &files {
            println!("{}", root.join(&file.path).display());
        }
    }
    let outcome = lock(set.lock_rule(&resolved.answers)?, &root, args.no_lock)?;
    eprintln!("{}", summary(&root, &resolved.answers, files.len()));
    match outcome {
        LockOutcome::NotNeeded | LockOutcome::Created => Ok(ExitCode::SUCCESS),
        LockOutcome::Skipped(message) => {
            eprintln!("note: {message}");
            Ok(ExitCode::SUCCESS)
        }
        LockOutcome::Failed(message) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(crate::error::EXIT_FAILURE))
        }
    }
}

/// Lists (and with `verbose`/`diff`, shows) the files a dry run would write.
fn print_plan(root: &Path, files: &[RenderedFile], diff: bool, verbose: bool) {
    for file in files {
        let path = root.join(&file.path);
        if diff {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let text = TextDiff::from_lines(&old, &file.contents)
                .unified_diff()
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                .to_string();
            if text.is_empty() {
                println!("unchanged {}", path.display());
            } else {
                print!("{text}");
            }
        } else if verbose {
            println!("==> {} <==\n{}", path.display(), file.contents);
        } else {
            println!("{}", path.display());
        }
    }
}

fn summary(root: &Path, answers: &crate::answers::Answers, count: usize) -> String {
    let text = |id: &str| answers.get(id).map(Value::to_text).unwrap_or_default();
    let compose = if text("framework") == "worker" {
        "run it locally with the development requirements"
    } else {
        "develop with live reload"
    };
    format!(
        "created `{dir}`: {count} files ({framework}, {installer}, CI: {ci})\n\n\
         next steps:\n  \
         cd {dir}\n  \
         python3 docker/build.py        # build both stages and run the smoke test\n  \
         docker compose up --build      # {compose}\n\
         README.Docker.md explains every generated file.",
        dir = root.display(),
        framework = text("framework"),
        installer = text("installer"),
        ci = text("ci"),
    )
}
