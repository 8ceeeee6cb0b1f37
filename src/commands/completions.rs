//! `pyscaffold completions SHELL`: a completion script for the shell, on stdout.
//!
//! Generated from the same clap command the binary parses with (choices and versions filled in
//! from the template set), so completions never disagree with the flags.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::CompletionsArgs;
use crate::template_set::TemplateSet;

/// Writes the completion script for `args.shell` to stdout.
pub fn run(args: &CompletionsArgs, set: &TemplateSet) -> Result<ExitCode> {
    let mut command = crate::cli::command(set);
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pyscaffold", &mut script);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .context("cannot write the completion script to stdout")?;
    Ok(ExitCode::SUCCESS)
}
