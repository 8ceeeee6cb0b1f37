//! pyscaffold: generate and maintain production-grade Docker packaging for Python web services.
//!
//! The flow of every command: the CLI ([`cli`]) is parsed, one [`resolve`] step merges the
//! template defaults, presets, answers file and flags into checked answers, the template set
//! ([`template_set`]) renders files in memory, and [`write`] puts them on disk all at once,
//! together with the project's record ([`record`]).

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Result;
use clap::FromArgMatches;

pub mod answers;
pub mod cli;
pub mod commands;
pub mod error;
pub mod lock;
pub mod presets;
pub mod prompt;
pub mod questions;
pub mod record;
pub mod resolve;
pub mod template_set;
pub mod value;
pub mod write;

pub use error::report;

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs pyscaffold with `args` (the first is the program name).
pub fn run<I, T>(args: I) -> Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let set = template_set::TemplateSet::builtin()?;
    let matches = match cli::command(&set).try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with 2.
            let _ = e.print();
            return Ok(ExitCode::from(e.exit_code() as u8));
        }
    };
    let cli = cli::Cli::from_arg_matches(&matches)?;
    match cli.command {
        cli::Command::New(args) => commands::new::run(&set, *args),
        cli::Command::Presets => commands::presets::run(),
    }
}
