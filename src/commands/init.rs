//! `pyscaffold init [PATH]`: package an existing repository. Detection fills the answers (each
//! with the file and line behind it), the one resolve step merges them with presets, packs,
//! an answers file, `--set` and flags, and only packaging is written: managed files, plus our
//! `.gitignore`/`.gitattributes` where the repository has none, and `.pyscaffold.yml`, so
//! `pyscaffold upgrade` keeps the packaging current. The repository's code is not touched; its
//! pyproject.toml and lock file change only when the installer adds missing server packages.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;

use crate::adoption::{
    Built, build, check_against_the_code, check_paths, ci_outside_the_repository_root,
    detected_layer, given, server_add,
};
use crate::answers::Answers;
use crate::answers_file::load_answers_file;
use crate::cli::{InitArgs, flag_hints, flag_layer};
use crate::detect::{Detection, Knowledge, WarningKind};
use crate::error::bad_input;
use crate::lock::{LockOutcome, lock, shell_word};
use crate::plan::Action;
use crate::prompt::TerminalPrompter;
use crate::record::RECORD_FILE;
use crate::resolve::{Given, GivenValue, Layer, LayerKind, Options, Prompter, resolve, set_layer};
use crate::template_set::{RenderMeta, RenderedFile, builtin};
use crate::value::Value;
use crate::writer::apply;

pub fn run(args: InitArgs, matches: &ArgMatches) -> Result<ExitCode> {
    let root = args.path.clone();
    // One command at a time here, and whatever an interrupted one left is undone first.
    let _lock = if root.is_dir() {
        Some(crate::writer::begin(&root)?)
    } else {
        None
    };
    if root.join(RECORD_FILE).exists() {
        return Err(bad_input(
            format!(
                "`{}` already has pyscaffold's packaging (`{RECORD_FILE}`)",
                root.display()
            ),
            "`pyscaffold upgrade` keeps it current and `pyscaffold upgrade --set KEY=VALUE` \
             changes an answer; nothing was written",
        ));
    }
    let version = builtin::latest()?;
    let packs = crate::pack::select(&args.answers.packs, args.answers.no_pack)?;
    let set = crate::pack::layered(&version, &packs)?;
    // Detection knows what this template set (and its packs) supports and writes.
    let mut detection = crate::detect::detect_with(&root, &Knowledge::of(&set))?;
    // The requirements' exact pins against the package index (`PYSCAFFOLD_NO_INDEX=1`: not
    // asked, as on an air-gapped machine).
    // Not when the command line gives the Python itself.
    let python_given = args
        .answers
        .sets
        .iter()
        .any(|s| s.split('=').next().map(str::trim) == Some("python_version"))
        || matches.value_source("python_version") == Some(clap::parser::ValueSource::CommandLine);
    if !python_given && std::env::var_os("PYSCAFFOLD_NO_INDEX").is_none_or(|v| v.is_empty()) {
        for note in crate::adoption::fit_python_to_the_index(&mut detection) {
            eprintln!("{note}");
        }
    }
    let command = crate::cli::subcommand_args::<crate::cli::InitArgs>("init");

    let (detected, no_default) = detected_layer(&set, &root, &detection)?;
    let mut layers = Vec::new();
    if let Some(name) = &args.answers.preset {
        layers.push(crate::commands::new::preset_layer(&set, name)?);
    }
    let detected_at = layers.len();
    layers.push(detected);
    let mut recompute = std::collections::BTreeSet::new();
    if let Some(path) = &args.answers.answers_file {
        let file = load_answers_file(&set, path)?;
        layers.push(file.layer);
        recompute = file.recompute;
    }
    layers.push(set_layer(&args.answers.sets)?);
    layers.push(flag_layer(&set, &command, matches));
    layers.push(Layer {
        kind: LayerKind::Flag,
        origin: "pyscaffold init".into(),
        answers: vec![Given {
            id: "adopted".into(),
            value: GivenValue::Text("true".into()),
            at: "`pyscaffold init` (the code is the repository's own)".into(),
            written: None,
        }],
    });
    // What detection found unset is about the settings it chose: other settings given by hand
    // are run as they are.
    if given(&layers, "django_settings") {
        layers[detected_at].answers.retain(|a| a.id != "django_env");
    }
    crate::adoption::check_workspace_member(&root, &detection, &layers)?;
    let mut no_default = no_default;
    // What a flag or file answers needs no detection.
    for layer in &layers[..layers.len() - 1] {
        if layer.kind != LayerKind::Detected {
            for answer in &layer.answers {
                no_default.remove(&answer.id);
            }
        }
    }
    let options = Options {
        use_defaults: args.answers.use_defaults,
        other_versions: true,
        hints: flag_hints(&set, &command),
        no_default,
        recompute,
        steps: true,
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut terminal = TerminalPrompter::new();
    let prompter: Option<&mut dyn Prompter> = interactive.then_some(&mut terminal as _);
    let resolved = resolve(&set, &layers, prompter, &options)?;
    for note in &resolved.notes {
        eprintln!("note: {note}");
    }

    check_paths(&root, &resolved.answers)?;
    check_against_the_code(&root, &resolved.answers, &detection, &layers)?;
    let meta = RenderMeta::current();
    // Server packages the project lacks join its own dependencies through the installer's add
    // command where it has one (unless the answer was given, or --no-lock), else the image
    // adds them from hashed pins.
    let given_server = given(&layers, "server_packages");
    let server: Vec<String> = match resolved.answers.get("server_packages") {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    let installer = resolved
        .answers
        .get("installer")
        .map(Value::to_text)
        .unwrap_or_default();
    let (add, mut notes_early) = server_add(&installer, &server, given_server, args.no_lock);
    // A uv workspace member's lock is the workspace root's.
    let add = match detection.findings.workspace.as_ref().and_then(|w| w.text()) {
        Some(back) => add.map(|rule| rule.in_workspace(back)),
        None => add,
    };
    let mut answers = resolved.answers.clone();
    let mut origins = resolved.origins.clone();
    if let Some(rule) = &add {
        answers.insert("server_packages", Value::List(Vec::new()));
        origins.insert(
            "server_packages".into(),
            format!(
                "{} to be added with `{}`",
                server.join(", "),
                rule.command_line(&server)
            ),
        );
    }
    let mut built = build(&set, &root, &answers, &meta, args.force)?;
    // init re-includes what a .gitignore would hide of the packaging (listed as a change).
    // The image reads what the settings leave unset from the environment (`django_env`).
    let read_from_env = |name: &str| match answers.get("django_env") {
        Some(Value::List(items)) => items.iter().any(|i| i == name),
        _ => false,
    };
    // Detection's checks of the settings are of the module it chose: settings named by hand
    // run as they are.
    let detected_settings = detection
        .findings
        .django_settings
        .as_ref()
        .and_then(|f| f.text());
    let settings = answers.get("django_settings").map(Value::to_text);
    let other_settings = detected_settings.is_some() && settings.as_deref() != detected_settings;
    let warnings: Vec<&String> = detection
        .warnings
        .iter()
        .filter(|w| match w.kind {
            WarningKind::GitignoreHidesPackaging => false,
            _ if other_settings && w.kind != WarningKind::Other => false,
            WarningKind::SettingsLackSecretKey => !read_from_env("SECRET_KEY"),
            WarningKind::SettingsLackAllowedHosts => !read_from_env("ALLOWED_HOSTS"),
            WarningKind::SettingsDebugTrue | WarningKind::Other => true,
        })
        .map(|w| &w.text)
        .collect();
    if other_settings && let (Some(given), Some(detected)) = (&settings, detected_settings) {
        notes_early.push(format!(
            "note: `django_settings` is `{given}`, which runs as it is: detection checked \
             SECRET_KEY, ALLOWED_HOSTS and DEBUG in `{detected}`, the settings it found (`pyscaffold \
             detect` shows them)"
        ));
    }

    if args.dry_run {
        print_evidence(&detection, &answers, &origins);
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        if let Some(rule) = &add {
            println!(
                "run     `{}` (adds {} to {})",
                rule.command_line(&server),
                server.join(", "),
                rule.files.join(" and ")
            );
        }
        for step in &built.plan.steps {
            println!("{}", step.describe());
            // What --force would replace (and the .gitignore lines), as a diff.
            if step.action == Action::Update {
                print!("{}", step.diff());
            }
        }
        eprintln!(
            "dry run: {} changes in `{}`, nothing written",
            built.plan.changes().count() + usize::from(add.is_some()),
            root.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(first) = &add {
        let mut rule = first.clone();
        let mut outcome = rule.run(&root, &server)?;
        let python = answers
            .get("python_version")
            .map(Value::to_text)
            .unwrap_or_default();
        if let (Err(why), Some(retry)) = (&outcome, first.for_python(&python)) {
            eprintln!("{why}");
            eprintln!("retrying for the Python the image runs ({python})");
            rule = retry;
            outcome = rule.run(&root, &server)?;
        }
        match outcome {
            Ok(files) => {
                origins.insert(
                    "server_packages".into(),
                    format!(
                        "{} added with `{}`",
                        server.join(", "),
                        rule.command_line(&server)
                    ),
                );
                for file in files {
                    built.changed.push(format!(
                        "{file}: {} added by `{}`",
                        server.join(", "),
                        rule.command_line(&server)
                    ));
                }
            }
            Err(why) => {
                // The project is as it was: the image adds the packages instead.
                notes_early.push(format!(
                    "warning: {why}\n  the project's files are as they were; the image adds {} \
                     from hashed pins (docker/server-requirements.txt) instead (to make them the \
                     project's own later: fix the cause, run `{}` and `pyscaffold upgrade --set \
                     server_packages=`)",
                    server.join(", "),
                    first.command_line(&server)
                ));
                answers = resolved.answers.clone();
                origins = resolved.origins.clone();
                built = build(&set, &root, &answers, &meta, args.force)?;
            }
        }
    }
    print_evidence(&detection, &answers, &origins);
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    let Built {
        plan,
        written,
        replaced,
        mut changed,
    } = built;
    apply(&root, &plan)?;
    if let Some(note) = ci_outside_the_repository_root(&root, &answers) {
        notes_early.push(note);
    }
    notes_early.extend(crate::adoption::release_note(&detection));
    notes_early.extend(crate::adoption::workspace_note(&root, &detection));
    notes_early.extend(crate::adoption::django_env_note(&answers));

    // The template set's own `lock_file` (derived from the installer): none for pip and flit.
    let lock_file = set
        .context(&answers, &meta)?
        .get("lock_file")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    // A uv workspace member's lock is the workspace root's.
    let lock_file = match detection.findings.workspace.as_ref().and_then(|w| w.text()) {
        Some(back) => lock_file.map(|f| format!("{back}/{f}")),
        None => lock_file,
    };
    let lock_missing = lock_file.as_ref().is_some_and(|f| !root.join(f).exists());
    let outcome = if lock_missing {
        lock(set.lock_rule(&answers)?, &root, args.no_lock)?
    } else {
        LockOutcome::NotNeeded
    };
    let mut code = ExitCode::SUCCESS;
    let mut notes = notes_early;
    match outcome {
        LockOutcome::Skipped(message) => notes.push(format!("note: {message}")),
        LockOutcome::Failed(message) => {
            notes.push(format!("error: {message}"));
            code = ExitCode::from(crate::error::EXIT_FAILURE);
        }
        LockOutcome::Created => {
            if let Some(file) = &lock_file {
                changed.push(format!("{file}: created by the installer's lock command"));
                if let Some(pattern) = (!file.starts_with("../"))
                    .then(|| crate::detect::gitignore_hides(&root, file))
                    .flatten()
                {
                    notes.push(format!(
                        "warning: `.gitignore` pattern `{pattern}` ignores `{file}`, which the \
                         image installs from: commit it anyway (`git add -f {file}`), or remove \
                         the pattern, or a clean clone and CI will not build"
                    ));
                }
            }
        }
        LockOutcome::NotNeeded => {}
    }
    eprintln!(
        "{}",
        summary(&root, &answers, &written, &replaced, &changed, &notes)
    );
    Ok(code)
}

/// What detection concluded and where each answer came from, on stderr.
fn print_evidence(detection: &Detection, answers: &Answers, origins: &BTreeMap<String, String>) {
    eprintln!(
        "packaging `{}` (`pyscaffold detect` shows all the evidence):",
        detection.path
    );
    for (id, origin) in origins {
        if origin == "default" || id == "adopted" {
            continue;
        }
        let value = answers.get(id).map(Value::to_text).unwrap_or_default();
        let value = if value.is_empty() {
            "none".to_string()
        } else {
            value
        };
        eprintln!("  {id:<16} {value:<28} {origin}");
    }
}

fn summary(
    root: &Path,
    answers: &Answers,
    written: &[RenderedFile],
    replaced: &[String],
    changed: &[String],
    notes: &[String],
) -> String {
    let text = |id: &str| answers.get(id).map(Value::to_text).unwrap_or_default();
    let mut out = format!(
        "packaged `{}`: {} files ({} app `{}`, {}, Python {}, CI: {})\n",
        root.display(),
        written.len() + 1,
        text("framework"),
        text("app"),
        text("installer"),
        text("python_version"),
        text("ci"),
    );
    if !replaced.is_empty() {
        out.push_str(&format!("replaced (--force): {}\n", replaced.join(", ")));
    }
    if !changed.is_empty() {
        out.push_str("changed in your repository:\n");
        for line in changed {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for note in notes {
        out.push_str(&format!("{note}\n"));
    }
    let cd = if root == Path::new(".") {
        String::new()
    } else {
        format!("  cd {}\n", shell_word(&root.display().to_string()))
    };
    out.push_str(&format!(
        "next steps:\n{cd}  python3 docker/build.py        # build both stages and run the smoke test\n\
         README.Docker.md explains every generated file; commit them with `.pyscaffold.yml`."
    ));
    out
}
