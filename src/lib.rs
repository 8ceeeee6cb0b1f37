//! pyscaffold: generate and maintain production-grade Docker packaging for Python web services.
//!
//! The flow of every command: the CLI ([`cli`]) is parsed, one [`resolve`] step merges ordered
//! answer layers (preset, answers file, record, `--set`, flags) over the template defaults into
//! checked answers, the template set ([`template_set`]) renders files in memory, a [`plan`] says
//! what happens to each file (create, update, merge, conflict, delete, rename, skip), and
//! [`write`] applies it all at once, together with the project's record ([`record`]).
//! `upgrade` merges with [`merge`], migrates answers and paths with [`migrate`] and talks to
//! git through [`git`].

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Result;
use clap::FromArgMatches;

/// Messages on stderr. A reader that went away (`pyscaffold init -y 2>&1 | head -3`) must not
/// stop the work half-way: a write that fails is dropped, where std's `eprintln!` panics.
/// Defined before the modules, so it is the `eprintln!` they use.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod adoption;
pub mod answers;
pub mod answers_file;
pub mod cli;
pub mod commands;
pub mod config;
pub mod detect;
pub mod digest;
pub mod error;
pub mod fleet;
pub mod git;
pub mod interrupt;
pub mod lock;
pub mod merge;
pub mod migrate;
pub mod pack;
pub mod paths;
pub mod plan;
pub mod presets;
pub mod progress;
pub mod project;
pub mod prompt;
pub mod questions;
pub mod reconcile;
pub mod record;
pub mod resolve;
pub mod server_deps;
pub mod template_set;
pub mod upgrade;
pub mod validate;
pub mod value;
pub mod wheel_index;
pub mod writer;
pub mod yaml;

pub use error::report;

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs pyscaffold with `args` (the first is the program name).
pub fn run<I, T>(args: I) -> Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // `pyscaffold --version` alone prints what clap would, without building the command's
    // argument definitions (a sixth of its time). It has nothing to protect either.
    if asks_only_version(&args) {
        println!("pyscaffold {}", cli::version_text());
        return Ok(ExitCode::SUCCESS);
    }
    // Ctrl-C and SIGTERM end the run cleanly, and wait while the writer commits. They are
    // installed first: the handler is then in place before `new`'s and `init`'s argument
    // parsing starts compiling the templates on a second thread, which measured faster than
    // the other order.
    interrupt::install();
    if renders_newest(&args) {
        template_set::builtin::compile_newest_early();
    }
    let matches = match cli::command_for_parsing().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with 2.
            if let Err(err) = e.print() {
                if err.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(ExitCode::from(141));
                }
                return Err(anyhow::Error::new(err).context("cannot write to standard output"));
            }
            return Ok(ExitCode::from(e.exit_code() as u8));
        }
    };
    let cli = cli::Cli::from_arg_matches(&matches)?;
    let sub = matches.subcommand().map(|(_, m)| m);
    match (cli.command, sub) {
        (cli::Command::New(args), Some(m)) => commands::new::run(*args, m),
        (cli::Command::Init(args), Some(m)) => commands::init::run(*args, m),
        (cli::Command::Upgrade(args), _) => commands::upgrade::run(args),
        (cli::Command::Eject(args), _) => commands::eject::run(args),
        (cli::Command::Detect(args), _) => commands::detect::run(&args),
        (cli::Command::Versions, _) => commands::versions::run(),
        (cli::Command::Presets(args), _) => commands::presets::run(&args),
        (cli::Command::Fleet(cli::FleetCommand::Report(args)), _) => commands::fleet::run(&args),
        (cli::Command::Pack(command), _) => commands::pack::run(command),
        (cli::Command::Completions(args), _) => {
            commands::completions::run(&args, &template_set::TemplateSet::builtin()?)
        }
        (cli::Command::New(_) | cli::Command::Init(_), None) => {
            anyhow::bail!("the command was parsed without its arguments")
        }
    }
}

/// Whether the arguments are `pyscaffold --version` (or `-V`) and nothing else.
fn asks_only_version(args: &[OsString]) -> bool {
    matches!(args, [_, flag] if flag == "--version" || flag == "-V")
}

/// Whether the command is `new` or `init`, whose argument parsing loads the newest built-in
/// template version.
fn renders_newest(args: &[OsString]) -> bool {
    matches!(args.get(1), Some(command) if command == "new" || command == "init")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_new_and_init_compile_the_newest_templates_before_parsing() {
        assert!(renders_newest(&args(&["pyscaffold", "new", "svc"])));
        assert!(renders_newest(&args(&["pyscaffold", "init", "--dry-run"])));
        assert!(!renders_newest(&args(&["pyscaffold", "upgrade", "new"])));
        assert!(!renders_newest(&args(&["pyscaffold", "--version"])));
        assert!(!renders_newest(&args(&["pyscaffold"])));
    }

    #[test]
    fn only_the_bare_version_flag_skips_the_signal_handler() {
        assert!(asks_only_version(&args(&["pyscaffold", "--version"])));
        assert!(asks_only_version(&args(&["pyscaffold", "-V"])));
        for other in [
            &["pyscaffold"][..],
            &["pyscaffold", "new", "--version"],
            &["pyscaffold", "--version", "new"],
            &["pyscaffold", "-Vx"],
            &["pyscaffold", "upgrade"],
        ] {
            assert!(!asks_only_version(&args(other)), "{other:?}");
        }
    }
}
