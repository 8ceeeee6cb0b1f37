//! The command line, declared once with clap derive.
//!
//! Each dedicated answer flag maps to one question id ([`FLAG_QUESTIONS`]); `--help` lists the
//! choices from the template set's question data, so help and validation never disagree.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::resolve::FlagAnswer;
use crate::template_set::TemplateSet;

const NEW_EXAMPLES: &str = "\
Examples:
  pyscaffold new billing-api                      ask every question on the terminal
  pyscaffold new billing-api -y                   take the defaults (Flask, requirements.txt, GitHub Actions)
  pyscaffold new billing-api --port 8080 --ci github --system-package libpq5 -y
  pyscaffold new billing-api --preset flask-small --set health_path=/livez -y
  pyscaffold new shop --framework django --installer poetry --ci github,gitlab -y
  pyscaffold new events --framework asgi --set app=events.server:create_app() -y
  pyscaffold new jobs --framework worker --set \"command=python -m jobs.worker\" -y
  pyscaffold new other-api --answers billing-api/.pyscaffold.yml
  pyscaffold new billing-api -y --dry-run --verbose   show the files, write nothing

Exit status: 0 done, 1 failed (I/O), 2 bad input (nothing was written).";

/// Production-grade Docker packaging for Python web services.
#[derive(Debug, Parser)]
#[command(name = "pyscaffold", propagate_version = true)]
#[command(
    after_help = "Run `pyscaffold new --help` for the questions, flags and examples.",
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
    /// List the built-in presets with a one-line description
    #[command(
        after_help = "Example:\n  pyscaffold presets\n  pyscaffold new api --preset flask-small -y"
    )]
    Presets,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create; its last component is the default project name
    #[arg(value_name = "NAME")]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub answers: AnswerArgs,

    /// Write into an existing, non-empty directory (generated files are overwritten)
    #[arg(long, help_heading = "Output")]
    pub force: bool,
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

/// Answers given on the command line.
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
    #[arg(long, value_name = "X.Y", help_heading = "Answers")]
    pub python: Option<String>,
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
        long,
        value_name = "PKG",
        value_delimiter = ',',
        help_heading = "Answers"
    )]
    pub system_package: Vec<String>,
    /// Debian package for the build stage only, repeatable or comma-separated
    #[arg(
        long,
        value_name = "PKG",
        value_delimiter = ',',
        help_heading = "Answers"
    )]
    pub build_package: Vec<String>,
    /// Answer any question by id, e.g. `--set uid=20001`; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE", help_heading = "Answers")]
    pub sets: Vec<String>,
    /// Read answers from a YAML file (a mapping, or another project's .pyscaffold.yml)
    #[arg(long = "answers", value_name = "FILE", help_heading = "Answers")]
    pub answers_file: Option<PathBuf>,
    /// Start from a built-in preset (see `pyscaffold presets`)
    #[arg(long, value_name = "PRESET", help_heading = "Answers")]
    pub preset: Option<String>,
    /// Take the default for every question not answered otherwise; never prompt
    #[arg(short = 'y', long = "defaults", help_heading = "Answers")]
    pub use_defaults: bool,
}

/// Dedicated flag (clap arg id, spelling) → question id.
pub const FLAG_QUESTIONS: &[(&str, &str, &str)] = &[
    ("name", "--name", "name"),
    ("framework", "--framework", "framework"),
    ("installer", "--installer", "installer"),
    ("ci", "--ci", "ci"),
    ("python", "--python", "python_version"),
    ("port", "--port", "port"),
    ("health_path", "--health-path", "health_path"),
    ("image", "--image", "image"),
    ("system_package", "--system-package", "system_packages"),
    ("build_package", "--build-package", "build_packages"),
];

/// How to answer a question from the command line, for "missing answer" help.
pub fn flag_for(question_id: &str) -> Option<&'static str> {
    match question_id {
        "name" => Some("`pyscaffold new NAME`, `--name NAME`"),
        "framework" => Some("`--framework FRAMEWORK`"),
        "installer" => Some("`--installer INSTALLER`"),
        "ci" => Some("`--ci CI`"),
        "python_version" => Some("`--python X.Y`"),
        "port" => Some("`--port PORT`"),
        "health_path" => Some("`--health-path PATH`"),
        "image" => Some("`--image IMAGE`"),
        "system_packages" => Some("`--system-package PKG`"),
        "build_packages" => Some("`--build-package PKG`"),
        _ => None,
    }
}

impl AnswerArgs {
    /// The dedicated flags the user gave, as answers.
    pub fn flag_answers(&self) -> Vec<FlagAnswer> {
        let list = |items: &Vec<String>| (!items.is_empty()).then(|| items.join(","));
        let values = [
            self.name.clone(),
            self.framework.clone(),
            self.installer.clone(),
            list(&self.ci),
            self.python.clone(),
            self.port.clone(),
            self.health_path.clone(),
            self.image.clone(),
            list(&self.system_package),
            list(&self.build_package),
        ];
        FLAG_QUESTIONS
            .iter()
            .zip(values)
            .filter_map(|((_, flag, id), text)| {
                text.map(|text| FlagAnswer {
                    id: (*id).to_string(),
                    label: format!("`{flag} {text}`"),
                    text,
                })
            })
            .collect()
    }
}

/// The clap command, with versions and choices filled in from the template set.
pub fn command(set: &TemplateSet) -> clap::Command {
    let version = format!(
        "{} (templates {} {})",
        crate::VERSION,
        set.manifest.id,
        set.manifest.version
    );
    Cli::command()
        .version(version)
        .mut_subcommand("new", |mut new| {
            for (arg, _, id) in FLAG_QUESTIONS {
                let Some(question) = set.question(id) else {
                    continue;
                };
                let Some(arg_def) = new.get_arguments().find(|a| a.get_id() == *arg) else {
                    continue;
                };
                let base = arg_def
                    .get_help()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let mut help = base;
                if !question.choices.is_empty() {
                    help.push_str(&format!(
                        " [choices: {}]",
                        question.choice_values().join(", ")
                    ));
                }
                if let Some(default) = &question.default {
                    help.push_str(&format!(" [default: {default}]"));
                }
                new = new.mut_arg(*arg, |a| a.help(help));
            }
            new
        })
}
