//! The command line, declared once with clap derive.
//!
//! Each dedicated answer flag has the id of the question it answers, so [`flag_layer`] finds the
//! answers given on the command line without a table; `--help` lists the choices from the
//! template set's question data, so help and validation never disagree.

use std::path::PathBuf;

use std::collections::BTreeMap;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, Parser, Subcommand};

use crate::resolve::{Given, GivenValue, Layer, LayerKind};
use crate::template_set::TemplateSet;

const NEW_EXAMPLES: &str = "\
Examples:
  pyscaffold new billing-api                      ask the essential questions on the terminal
  pyscaffold new billing-api -y                   take the defaults (Flask, pip, GitHub Actions)
  pyscaffold new billing-api --port 8080 --ci github --system-package libpq5 -y
  pyscaffold new billing-api --preset flask-small --set health_path=/livez -y
  pyscaffold new shop --framework django --installer poetry --ci github,gitlab -y
  pyscaffold new events --framework asgi --set 'app=events.server:create_app()' -y
  pyscaffold new jobs --framework worker --set \"command=python -m jobs.worker\" -y
  pyscaffold new other-api --answers billing-api/.pyscaffold.yml
  pyscaffold new billing-api -y --dry-run --verbose   show the files, write nothing
  pyscaffold new old-api --template-version 0.2.0 -y  generate from an older template version

Exit status: 0 done, 1 failed (I/O), 2 bad input (nothing was written), 130 interrupted at a
prompt (Ctrl-C; nothing was written).";

/// Production-grade Docker packaging for Python web services.
#[derive(Debug, Parser)]
#[command(name = "pyscaffold", propagate_version = true)]
#[command(
    after_help = "Run `pyscaffold new --help` for the questions, flags and examples, and \
                  `pyscaffold upgrade --help` for keeping a project current.\n\n\
                  Exit status: 0 done; 1 failed, or finished with conflicts to resolve; 2 bad \
                  input (nothing was written); 130 interrupted at a prompt; `upgrade --check`: 10, 11, 12 \
                  (see its help).",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new Python web service with its Docker packaging and CI
    ///
    /// Asks the questions not answered by flags, `--set`, `--answers` or `--preset` when run on a
    /// terminal; without a terminal (or with `-y`) it takes the defaults and fails at once, exit
    /// status 2, when an answer without a default is missing.
    #[command(after_help = NEW_EXAMPLES)]
    New(Box<NewArgs>),
    /// Add the Docker packaging to an existing repository, from what detection finds in it
    ///
    /// Detects framework, installer, Python version, entry point, the code to copy, port,
    /// health route, folders written at run time, system packages and missing server packages
    /// (as `pyscaffold detect` shows), and answers the questions with them. On a terminal each
    /// detected answer is the prompt's default, marked with the file and line behind it; with
    /// `-y` (or without a terminal) detection stands, and what it could not settle is an error
    /// naming the flag. Writes only packaging and `.pyscaffold.yml`: no example app, no
    /// dependency manifest; the repository's own .gitignore and .gitattributes are kept (a
    /// `.gitignore` that would hide a generated file gets a `!` line, listed). Missing gunicorn
    /// (or uvicorn worker) is added with the installer's own command for uv, Poetry and PDM
    /// (pyproject.toml and the lock file change, listed), else from hashed pins in the image.
    /// An existing
    /// Dockerfile, compose file, CI workflow or other file it would replace is replaced only
    /// with `--force`, and listed. Then `pyscaffold upgrade` keeps the packaging current.
    #[command(after_help = INIT_EXAMPLES)]
    Init(Box<InitArgs>),
    /// Move a project to a newer template version, merging your edits
    ///
    /// Re-renders the recorded template version with the recorded answers (the base), renders
    /// the target version with the migrated answers (theirs) and merges both with the files in
    /// the project (yours), three-way and line by line. Files you did not edit are replaced;
    /// edited ones are merged; overlapping edits are marked with conflict markers, listed, and
    /// make the command exit 1. Seeded files (the example app, tests, dependency manifests) and
    /// ejected files are never touched (an ejected file moves, unchanged, when a release
    /// renames its folder). The change is one transaction, `.pyscaffold.yml` last: Ctrl-C or
    /// SIGTERM waits until every file is in place, and a run killed half-way is undone by the
    /// next pyscaffold command in the project. A second command there waits for the first.
    #[command(after_help = UPGRADE_EXAMPLES)]
    Upgrade(UpgradeArgs),
    /// Take a managed file out of `upgrade`'s reach; it becomes yours
    #[command(
        after_help = "Example:\n  pyscaffold eject compose.yaml\n  pyscaffold eject docker/\n  pyscaffold eject -C services/billing Dockerfile\n\n\
                      Exit status: 0 done, 2 bad input (nothing was changed)."
    )]
    Eject(EjectArgs),
    /// Show what an existing repository is, with the file and line behind every conclusion
    ///
    /// Framework, installer, Python version, entry point, Django settings, package mode, the
    /// folder the app runs from and what the image copies, how it is started today (Procfile,
    /// Dockerfile `CMD`, `[project.scripts]`), port, a health route, paths written at start and
    /// the Debian packages the dependencies need. Each is `certain`, a `guess`, or `ambiguous`
    /// (with the candidates). Reads only; honours .gitignore and skips virtualenvs,
    /// node_modules, VCS and build folders.
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// List the built-in template versions, newest last, with what each brings
    #[command(
        after_help = "Example:\n  pyscaffold versions\n  pyscaffold new api --template-version 0.2.0 -y\n\n\
                      Exit status: 0 done, 1 failed."
    )]
    Versions,
    /// List the presets of the template set and its packs with a one-line description
    #[command(
        after_help = "Example:\n  pyscaffold presets\n  pyscaffold presets --pack ../acme-pack\n  pyscaffold new api --preset flask-small -y\n\n\
                      Exit status: 0 done, 1 failed, 2 bad input (a pack that cannot be read)."
    )]
    Presets(PresetsArgs),
    /// Report on many projects: versions, how far behind, locks violated, drift, predictions
    #[command(subcommand, after_help = FLEET_EXAMPLES)]
    Fleet(FleetCommand),
    /// Create and check preset packs: an organisation's layer over the templates
    #[command(subcommand, after_help = PACK_EXAMPLES)]
    Pack(PackCommand),
    /// Print a shell completion script for pyscaffold's subcommands and flags
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const INIT_EXAMPLES: &str = "\
Examples:
  pyscaffold init                         package the repository in the current folder
  pyscaffold init services/billing -y     a monorepo service, detection standing unasked
  pyscaffold init --set app=web.main:app  override what detection found
  pyscaffold init --dry-run               show what would be written

Exit status: 0 done, 1 the lock command failed, 2 bad input (no Python, an ambiguous detection
without its flag, files it would replace without --force; nothing was written).";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository (or monorepo subfolder) to package
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Replace files the repository already has (Dockerfile, compose.yaml, CI workflows, ...);
    /// they are listed
    #[arg(long)]
    pub force: bool,
    /// Print what would be written and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Run no installer command: neither the lock command for a missing lock file nor the add
    /// command for missing server packages (they are printed instead)
    #[arg(long)]
    pub no_lock: bool,
}

const DETECT_EXAMPLES: &str = "\
Examples:
  pyscaffold detect                       the current folder
  pyscaffold detect services/billing      a service in a monorepo
  pyscaffold detect --json | jq .findings.framework

Exit status: 0 done (ambiguous findings included), 2 bad input (no such folder, no Python in it,
a manifest that does not parse).";

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The repository (or monorepo subfolder) to look at
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// Print the findings as JSON (schema in README.md, `schema_version` 1)
    #[arg(long)]
    pub json: bool,
}

const PACK_EXAMPLES: &str = "\
Examples:
  pyscaffold pack new acme-pack            a commented pack that passes its own check
  pyscaffold pack check acme-pack          manifest, every preset rendered and validated
  pyscaffold pack check https://git.example.com/platform/pack.git#v1.2.0
  pyscaffold pack test acme-pack           upgrade every released tag x preset to the working tree
  pyscaffold new billing-api --pack acme-pack -y

Exit status: 0 done, 1 a check failed (or, for `pack test`, an upgrade path conflicts), 2 bad
input (a pack that cannot be read).";

const FLEET_EXAMPLES: &str = "\
Examples:
  pyscaffold fleet report services/*             one row per checkout
  pyscaffold fleet report repos.txt              a file listing checkouts, one a line
  pyscaffold fleet report repos.txt --format json
  pyscaffold fleet report --git /srv/git/*.git   bare repositories, each default branch, no checkout

Exit status: 0 done (a repository that cannot be read is a row with its error), 2 bad input.";

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// One row per repository: template and pack versions and how far behind the newest,
    /// locked answers violated, managed files drifted, and what `upgrade --check` predicts
    ///
    /// Writes nothing; each repository is read as `upgrade --check` reads it (git packs are
    /// fetched once per run, so `behind` counts the pack's newest tags). With `--git`, a
    /// repository's default branch is read from its object database: no checkout needed.
    #[command(after_help = FLEET_EXAMPLES)]
    Report(FleetReportArgs),
}

#[derive(Debug, Args)]
pub struct FleetReportArgs {
    /// Project checkouts, or files listing them one a line (`#` comments); with `--git`, git
    /// repositories
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Every PATH is a git repository (bare, or a clone's top folder) read without a checkout:
    /// its default branch (where HEAD points), as committed
    #[arg(long)]
    pub git: bool,
    /// `text` (a table) or `json` (for dashboards)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Write a commented pack skeleton into a new folder
    #[command(
        after_help = "Example:\n  pyscaffold pack new acme-pack\n  pyscaffold pack new platform/pack --name acme\n\n\
                            Exit status: 0 done, 2 bad input (a bad name, a folder that is not empty)."
    )]
    New(PackNewArgs),
    /// Check a pack: its manifest, and every preset rendered and run through the validators
    ///
    /// Loads the pack (and what it extends) over the newest built-in templates, renders the
    /// defaults and each of its presets, refuses output paths that leave the project, and runs
    /// the validators built-in output passes (hadolint, shellcheck, actionlint,
    /// check-jsonschema, yamllint, Python's compiler) on each render; a validator that is not
    /// on PATH is named, not silently passed.
    #[command(
        after_help = "Example:\n  pyscaffold pack check acme-pack\n  pyscaffold pack check https://git.example.com/platform/pack.git#v1.2.0\n\n\
                            Exit status: 0 every check passed, 1 a check failed, 2 the pack cannot be read."
    )]
    Check(PackCheckArgs),
    /// Test the upgrade paths: every released tag × every preset, with your users' edits,
    /// upgraded to the pack's working tree
    ///
    /// For each version tag of the pack's git checkout and each of its presets at that tag
    /// (and the defaults), generates a project, applies the edits in `pack-test.yml` (by
    /// default: a line appended to every managed file), upgrades it to the working tree as
    /// `upgrade` would, and reports, per case, clean or the conflicted paths. Writes only to
    /// temporary folders.
    #[command(after_help = "Example:\n  pyscaffold pack test acme-pack\n\n\
                            Exit status: 0 every upgrade path clean, 1 a conflict or a failed case, 2 bad input \
                            (not a git checkout, no version tags, a bad pack-test.yml).")]
    Test(PackTestArgs),
}

#[derive(Debug, Args)]
pub struct PackTestArgs {
    /// The pack's git checkout (its working tree is the version upgraded to); a `file://` URL
    /// names one too
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PackNewArgs {
    /// The folder to create
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The pack's name (default: the folder's name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct PackCheckArgs {
    /// The pack: a folder, or a git URL with an optional `#REF`
    #[arg(value_name = "SOURCE", default_value = ".")]
    pub source: String,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  pyscaffold completions bash > ~/.local/share/bash-completion/completions/pyscaffold
  pyscaffold completions zsh > \"${fpath[1]}/_pyscaffold\"
  pyscaffold completions fish > ~/.config/fish/completions/pyscaffold.fish
  pyscaffold completions powershell >> $PROFILE

Exit status: 0 done, 2 bad input (an unknown shell).";

#[derive(Debug, Args)]
pub struct PresetsArgs {
    /// Also list the presets of this pack (a folder, or a git URL with an optional `#REF`);
    /// repeatable. Default: `PYSCAFFOLD_PACK`, else the config file's `pack:`
    #[arg(long = "pack", value_name = "SOURCE")]
    pub packs: Vec<String>,
    /// Use no pack, even one that `PYSCAFFOLD_PACK` or the config file names
    #[arg(long, conflicts_with = "packs")]
    pub no_pack: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

const UPGRADE_EXAMPLES: &str = "\
Examples:
  pyscaffold upgrade                      to the newest template version
  pyscaffold upgrade --check              exit status says what an upgrade would do; writes nothing
  pyscaffold upgrade --check --format json
  pyscaffold upgrade --dry-run            the diff of every change, and the predicted conflicts
  pyscaffold upgrade --to 0.4.0 --set healthcheck_interval=1m -y
  pyscaffold upgrade --pack-ref v2.0.0     move the project's pack to its release v2.0.0
  pyscaffold upgrade -C services/billing

Exit status: 0 done (or, with --check, up to date); 1 finished with conflicts to resolve;
2 bad input (nothing was changed). With --check: 10 a clean upgrade is available, 11 an
upgrade is available and conflicts are predicted, 12 up to date but a managed file was edited
since it was generated.";

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create; its last component is the default project name
    #[arg(value_name = "NAME")]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub answers: AnswerArgs,

    /// Generate from this built-in template version instead of the newest (`pyscaffold versions`)
    #[arg(long, value_name = "VERSION", help_heading = "Output")]
    pub template_version: Option<String>,
    /// Write into an existing, non-empty directory: pyscaffold's files are updated, files it
    /// generated before and no longer does are deleted, your own files are left alone
    #[arg(long, help_heading = "Output")]
    pub force: bool,
    /// With --force: also overwrite generated files you edited (they are listed first)
    #[arg(long, requires = "force", help_heading = "Output")]
    pub force_overwrite: bool,
    /// Print the files that would be written and write nothing
    #[arg(long, help_heading = "Output")]
    pub dry_run: bool,
    /// With --dry-run: show each file as a diff against what is on disk now
    #[arg(long, requires = "dry_run", help_heading = "Output")]
    pub diff: bool,
    /// Print every file's content (with --dry-run) or list the files written
    #[arg(long, short, help_heading = "Output")]
    pub verbose: bool,
    /// Do not run the installer's lock command (pip-compile, pipenv/poetry/uv/pdm lock)
    #[arg(long, help_heading = "Output")]
    pub no_lock: bool,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The template version to move to (default: the newest built-in one)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Show the diff of every change and the predicted conflicts; write nothing
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Write nothing; the exit status says what an upgrade would do (see below)
    #[arg(long)]
    pub check: bool,
    /// With --check: `text` or `json` (one outcome per file)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"], requires = "check")]
    pub format: String,
    /// Answer a question of the target version by id (new questions, or a changed answer)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Take the default for a new question instead of asking
    #[arg(
        short = 'y',
        long = "defaults",
        visible_alias = "yes",
        overrides_with = "use_defaults"
    )]
    pub use_defaults: bool,
    /// Upgrade even though the git repository has uncommitted changes
    #[arg(long)]
    pub allow_dirty: bool,
    /// Recreate managed files you deleted (by default they stay deleted)
    #[arg(long)]
    pub recreate_deleted: bool,
    /// Move the project's pack to this tag instead of its newest (`NAME=TAG` when it has
    /// several packs); repeatable
    #[arg(long = "pack-ref", value_name = "TAG")]
    pub pack_refs: Vec<String>,
    /// The project directory, or a folder inside it
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct EjectArgs {
    /// Managed files to take over, or folders of them (`docker/`), relative to the folder it
    /// runs in
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
    /// The project directory, or a folder inside it
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// Answers given on the command line. Each argument's id is the id of the question it answers
/// (`--python` answers `python_version`), so no table pairs flags with questions.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Project name: lowercase letters, digits and dashes (also the image and module name)
    #[arg(long, value_name = "NAME", help_heading = "Answers")]
    pub name: Option<String>,
    /// Framework of the app, or `worker` for a process without an HTTP server
    #[arg(long, value_name = "FRAMEWORK", help_heading = "Answers")]
    pub framework: Option<String>,
    /// How dependencies are declared and installed
    #[arg(long, value_name = "INSTALLER", help_heading = "Answers")]
    pub installer: Option<String>,
    /// CI systems to generate pipelines for, repeatable or comma-separated; `none` for no CI
    #[arg(
        long,
        value_name = "CI",
        value_delimiter = ',',
        help_heading = "Answers"
    )]
    pub ci: Vec<String>,
    /// Python version of the base image, e.g. 3.12
    #[arg(
        id = "python_version",
        long = "python",
        value_name = "X.Y",
        help_heading = "Answers"
    )]
    pub python_version: Option<String>,
    /// Port the server listens on inside the container (1024-65535); not for a worker
    #[arg(long, value_name = "PORT", help_heading = "Answers")]
    pub port: Option<String>,
    /// Path the health check requests, e.g. /healthz
    #[arg(long, value_name = "PATH", help_heading = "Answers")]
    pub health_path: Option<String>,
    /// Registry/repository CI pushes to, e.g. ghcr.io/acme/billing-api (default: the CI's own)
    #[arg(long, value_name = "IMAGE", help_heading = "Answers")]
    pub image: Option<String>,
    /// Debian package for the runtime image, repeatable or comma-separated
    #[arg(
        id = "system_packages",
        long = "system-package",
        value_name = "PKG",
        value_delimiter = ',',
        help_heading = "Answers"
    )]
    pub system_packages: Vec<String>,
    /// Debian package for the build stage only, repeatable or comma-separated. The list
    /// replaces the default `build-essential`: name it too to keep the compilers
    /// (`--build-package build-essential,libpq-dev`), or `none` for no build packages
    #[arg(
        id = "build_packages",
        long = "build-package",
        value_name = "PKG",
        value_delimiter = ',',
        help_heading = "Answers"
    )]
    pub build_packages: Vec<String>,
    /// Answer any question by id, e.g. `--set uid=20001`; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE", help_heading = "Answers")]
    pub sets: Vec<String>,
    /// Read answers from a YAML file (a mapping, or another project's .pyscaffold.yml)
    #[arg(long = "answers", value_name = "FILE", help_heading = "Answers")]
    pub answers_file: Option<PathBuf>,
    /// Start from a preset of the template set or its packs (see `pyscaffold presets`)
    #[arg(long, value_name = "PRESET", help_heading = "Answers")]
    pub preset: Option<String>,
    /// Layer an organisation's pack over the templates: a folder, or a git URL with an
    /// optional `#REF` (default: its newest version tag); repeatable, lowest first. Default:
    /// `PYSCAFFOLD_PACK`, else `pack:` in ~/.config/pyscaffold/config.yaml
    #[arg(long = "pack", value_name = "SOURCE", help_heading = "Packs")]
    pub packs: Vec<String>,
    /// Use no pack, even one that `PYSCAFFOLD_PACK` or the config file names
    #[arg(long, conflicts_with = "packs", help_heading = "Packs")]
    pub no_pack: bool,
    /// Take the default for every question not answered otherwise; never prompt
    #[arg(
        short = 'y',
        long = "defaults",
        visible_alias = "yes",
        overrides_with = "use_defaults",
        help_heading = "Answers"
    )]
    pub use_defaults: bool,
}

/// The dedicated flags given on the command line, as a layer of answers: every argument of
/// `matches` whose id is a question id of `set`.
pub fn flag_layer(set: &TemplateSet, command: &clap::Command, matches: &ArgMatches) -> Layer {
    let mut answers = Vec::new();
    for question in &set.questions {
        let Some(arg) = command
            .get_arguments()
            .find(|a| a.get_id() == question.id.as_str())
        else {
            continue;
        };
        if matches.value_source(&question.id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let Ok(Some(occurrences)) = matches.try_get_raw_occurrences(&question.id) else {
            continue;
        };
        // Each time the flag was given, as typed (`--ci github --ci none`); the answer is all
        // of their items.
        let typed: Vec<String> = occurrences
            .map(|values| {
                values
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let text = typed.join(",");
        let flag = arg
            .get_long()
            .map_or_else(|| question.id.clone(), |l| format!("--{l}"));
        let at = typed
            .iter()
            .map(|one| format!("{flag} {one}"))
            .collect::<Vec<_>>()
            .join(" ");
        answers.push(Given {
            id: question.id.clone(),
            at: format!("`{}`", crate::error::quoted(&at)),
            value: GivenValue::Text(text),
            written: None,
        });
    }
    Layer {
        kind: LayerKind::Flag,
        origin: "flags".to_string(),
        answers,
    }
}

/// Question id → how to answer it with a dedicated flag of `command`, for "missing answer" help.
pub fn flag_hints(set: &TemplateSet, command: &clap::Command) -> BTreeMap<String, String> {
    let mut hints = BTreeMap::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let (Some(long), Some(_)) = (arg.get_long(), set.question(id)) else {
            continue;
        };
        let value = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map_or_else(|| "VALUE".to_string(), ToString::to_string);
        let mut hint = format!("`--{long} {value}`");
        if id == "name" && command.get_name() == "new" {
            hint = format!("`pyscaffold new NAME`, {hint}");
        }
        hints.insert(id.to_string(), hint);
    }
    hints
}

/// The clap command, with versions and choices filled in from the template set.
pub fn command(set: &TemplateSet) -> clap::Command {
    let version = format!("{} (templates {})", crate::VERSION, set.label());
    named(Cli::command())
        .version(version)
        .mut_subcommand("new", |new| with_question_help(set, new, true))
        .mut_subcommand("init", |init| with_question_help(set, init, false))
}

/// The arguments of subcommand `name` (`A`: its [`Args`]) alone, as [`flag_layer`] and
/// [`flag_hints`] read them: the arguments [`command`] gives it, without building the whole CLI
/// again.
pub fn subcommand_args<A: Args>(name: &'static str) -> clap::Command {
    A::augment_args(clap::Command::new(name))
}

/// The command every run parses with: [`command`] for the built-in set, which is loaded only
/// when `new`'s help is shown (`--version` names the newest version from the embedded
/// folders' names, and other commands load what they use), so a start costs no template
/// parsing.
pub fn command_for_parsing() -> clap::Command {
    named(Cli::command())
        .version(version_text())
        .mut_subcommand("new", |new| new.defer(builtin_question_help))
        .mut_subcommand("init", |init| init.defer(builtin_choices_help))
}

/// What `--version` prints after the command's name: this build's version and the newest
/// built-in template version, e.g. `0.1.0 (templates builtin 0.16.0)`.
pub fn version_text() -> String {
    match crate::template_set::builtin::latest() {
        Ok(newest) => format!(
            "{} (templates {} {newest})",
            crate::VERSION,
            crate::template_set::builtin::BUILTIN_ID
        ),
        Err(_) => crate::VERSION.to_string(),
    }
}

/// `pyscaffold new --version` prints `pyscaffold 0.1.0 (...)`, as `pyscaffold --version` does
/// (clap would name the subcommand `pyscaffold-new`).
fn named(command: clap::Command) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(command, |command, name| {
        command.mut_subcommand(name, |sub| {
            let nested: Vec<String> = sub
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            nested
                .iter()
                .fold(sub.display_name("pyscaffold"), |sub, name| {
                    sub.mut_subcommand(name, |s| s.display_name("pyscaffold"))
                })
        })
    })
}

/// [`with_question_help`] for the newest built-in set, when clap builds `new` or `init` (its
/// help, or parsing its arguments).
fn builtin_question_help(command: clap::Command) -> clap::Command {
    match TemplateSet::builtin() {
        Ok(set) => with_question_help(&set, command, true),
        Err(_) => command,
    }
}

/// The choices alone, for `init`, whose defaults are what detection finds.
fn builtin_choices_help(command: clap::Command) -> clap::Command {
    match TemplateSet::builtin() {
        Ok(set) => with_question_help(&set, command, false),
        Err(_) => command,
    }
}

/// Adds each question's choices (and, with `defaults`, its default) to the help of the argument
/// that answers it.
fn with_question_help(
    set: &TemplateSet,
    mut command: clap::Command,
    defaults: bool,
) -> clap::Command {
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .filter(|id| set.question(id).is_some())
        .collect();
    for id in ids {
        let (Some(question), Some(arg)) = (
            set.question(&id),
            command.get_arguments().find(|a| a.get_id() == id.as_str()),
        ) else {
            continue;
        };
        let mut help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let choices = question.choice_values();
        if !choices.is_empty() {
            help.push_str(&format!(" [choices: {}]", choices.join(", ")));
        }
        // An empty default (`--image`: the CI's own registry) is said by the flag's own help.
        if let Some(default) = question
            .default
            .as_ref()
            .filter(|d| defaults && !d.to_string().is_empty())
        {
            help.push_str(&format!(" [default: {default}]"));
        }
        command = command.mut_arg(id, |a| {
            let a = a.help(help);
            if choices.is_empty() {
                a
            } else {
                // Shell completions offer the choices; the help lists them once, above.
                // A list's `none` (no CI, no platform) completes too.
                let mut owned: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
                if question.kind == crate::questions::Kind::MultiChoice {
                    owned.push("none".into());
                }
                a.value_parser(Choices(owned)).hide_possible_values(true)
            }
        });
    }
    match set_only_questions(set, &command, defaults) {
        Some(section) => {
            let after = command
                .get_after_help()
                .map(|h| format!("\n\n{h}"))
                .unwrap_or_default();
            command.after_help(format!("{section}{after}"))
        }
        None => command,
    }
}

/// Whether `question` applies only to an adopted project (`init`): its condition is `adopted`
/// or `adopted and ...`, as the built-in questions write it. (Evaluating it instead would not
/// tell: a condition on an answer not given yet is false too.)
fn only_adopted(question: &crate::questions::Question) -> bool {
    question.when.as_deref().is_some_and(|when| {
        let when = when.trim();
        when == "adopted" || when.starts_with("adopted and ")
    })
}

/// A default computed from other answers, as help shows it: each `{{ answer ... }}` as
/// `<answer>` (`python:<python_version>-slim-<debian_release>`); one with `{% %}` logic as
/// "from the answers before it".
fn shape_of(default: &str) -> String {
    const COMPUTED: &str = "from the answers before it";
    if default.contains("{%") {
        return COMPUTED.to_string();
    }
    let mut out = String::new();
    let mut rest = default;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            return COMPUTED.to_string();
        };
        let inside = rest[start + 2..start + end]
            .trim_start_matches('-')
            .trim_start();
        let id: String = inside
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if id.is_empty() {
            return COMPUTED.to_string();
        }
        out.push_str(&rest[..start]);
        out.push_str(&format!("<{id}>"));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// How wide a line of the questions at the end of `new --help` may be: clap wraps help text at
/// 100 columns without a terminal.
const HELP_WIDTH: usize = 98;

/// The questions `command` has no flag for, which `--set ID=VALUE` answers: each with its
/// prompt, choices and (with `defaults`) its default, for the end of `--help`.
fn set_only_questions(
    set: &TemplateSet,
    command: &clap::Command,
    defaults: bool,
) -> Option<String> {
    let lines: Vec<String> = set
        .questions
        .iter()
        .filter(|q| q.ask && !command.get_arguments().any(|a| a.get_id() == q.id.as_str()))
        // `new`'s list leaves out what applies only to `init`.
        .filter(|q| !defaults || !only_adopted(q))
        .map(|question| {
            let mut parts = vec![question.prompt.clone()];
            let choices = question.choice_values();
            if !choices.is_empty() {
                parts.push(format!("[choices: {}]", choices.join(", ")));
            }
            match question.default.as_ref().filter(|_| defaults) {
                Some(default) if crate::template_set::is_tera_value(default) => {
                    parts.push(format!("[default: {}]", shape_of(&default.to_text())));
                }
                Some(default) if !default.to_string().is_empty() => {
                    parts.push(format!("[default: {default}]"));
                }
                _ => {}
            }
            // The prompt, choices and default each start a line when the line would pass
            // `HELP_WIDTH`: clap would wrap it again, to the first column.
            let mut text = format!("  {}", question.id);
            let mut line = HELP_WIDTH;
            for part in parts {
                if line + 1 + part.len() > HELP_WIDTH {
                    text.push_str("\n      ");
                    line = 6;
                } else {
                    text.push(' ');
                    line += 1;
                }
                text.push_str(&part);
                line += part.len();
            }
            text
        })
        .collect();
    (!lines.is_empty()).then(|| {
        format!(
            "Questions without a flag of their own (answer them with `--set ID=VALUE`):\n{}\n\n{}",
            lines.join("\n"),
            pack_note(defaults, std::env::var_os("PYSCAFFOLD_PACK").as_deref())
        )
    })
}

/// What the help's questions and defaults leave out: a pack's (`pack_env`: `PYSCAFFOLD_PACK`).
fn pack_note(defaults: bool, pack_env: Option<&std::ffi::OsStr>) -> String {
    let which = match pack_env.filter(|v| !v.is_empty()) {
        Some(pack) => {
            // Shown on one line: control characters as escapes.
            let shown = crate::error::escape_controls(&pack.to_string_lossy());
            format!(
                "`PYSCAFFOLD_PACK` names one here (`{}`), so it applies unless `--pack` or \
                 `--no-pack` is given",
                crate::error::quoted(&shown)
            )
        }
        None => "`--pack`, `PYSCAFFOLD_PACK` or the config file's `pack:` names one".to_string(),
    };
    let what = if defaults {
        "The questions and defaults above are the built-in templates'"
    } else {
        "The questions above are the built-in templates'"
    };
    format!(
        "{what}. A pack may also change defaults, lock answers and add questions (its \
         `pack.yaml` lists them); {which}."
    )
}

/// A question's choices for shell completion. Any text parses: the answer is checked against
/// the question like every other (`none`, comma-separated lists, a message with help).
#[derive(Clone)]
struct Choices(Vec<String>);

impl clap::builder::TypedValueParser for Choices {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0
                .iter()
                .map(|v| clap::builder::PossibleValue::new(v.clone())),
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_says_a_pack_may_change_what_it_lists_and_names_the_configured_one() {
        let plain = super::pack_note(true, None);
        assert!(plain.starts_with("The questions and defaults above are the built-in"));
        assert!(plain.contains("`--pack`, `PYSCAFFOLD_PACK` or the config file's `pack:`"));
        let set = super::pack_note(false, Some(std::ffi::OsStr::new("../acme-pack")));
        assert!(set.starts_with("The questions above are the built-in templates'."));
        assert!(
            set.contains("`PYSCAFFOLD_PACK` names one here (`../acme-pack`)"),
            "{set}"
        );
        let odd = super::pack_note(true, Some(std::ffi::OsStr::new("a\nb\tc")));
        assert!(odd.contains("(`a\\nb\\tc`)"), "{odd}");
        assert_eq!(
            super::pack_note(true, Some(std::ffi::OsStr::new(""))),
            plain,
            "an empty PYSCAFFOLD_PACK names no pack"
        );
    }

    use super::*;

    /// What [`flag_layer`] and [`flag_hints`] read of an argument.
    fn shape(command: &clap::Command) -> Vec<(String, Option<String>, Vec<String>)> {
        let mut out: Vec<_> = command
            .get_arguments()
            .map(|a| {
                (
                    a.get_id().to_string(),
                    a.get_long().map(str::to_string),
                    a.get_value_names()
                        .map(|v| v.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_computed_default_shows_the_answers_it_is_made_of() {
        assert_eq!(
            shape_of("python:{{ python_version }}-slim-{{ debian_release }}"),
            "python:<python_version>-slim-<debian_release>"
        );
        assert_eq!(
            shape_of("python -m {{ name | replace(from='-', to='_') }}.worker"),
            "python -m <name>.worker"
        );
        assert_eq!(
            shape_of("{% if x %}a{% endif %}"),
            "from the answers before it"
        );
        assert_eq!(shape_of("{{ 'a' }}"), "from the answers before it");
        assert_eq!(shape_of("{{ unclosed"), "from the answers before it");
        assert_eq!(shape_of("plain"), "plain");
    }

    #[test]
    fn a_subcommands_own_arguments_are_those_of_the_whole_cli() {
        let set = TemplateSet::builtin().unwrap();
        let whole = command(&set);
        for (name, alone) in [
            ("new", subcommand_args::<NewArgs>("new")),
            ("init", subcommand_args::<InitArgs>("init")),
        ] {
            let within = whole.find_subcommand(name).unwrap();
            assert_eq!(alone.get_name(), name);
            assert_eq!(shape(&alone), shape(within), "{name}");
            assert!(shape(&alone).len() > 10, "{name}");
        }
    }
}
