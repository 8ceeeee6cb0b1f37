//! `pyscaffold presets`: list the built-in presets.

use std::process::ExitCode;

use anyhow::Result;

/// Prints `NAME  description`, one preset a line, to stdout.
pub fn run() -> Result<ExitCode> {
    let presets = crate::presets::list()?;
    let width = presets.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for preset in presets {
        println!("{:width$}  {}", preset.name, preset.description);
    }
    Ok(ExitCode::SUCCESS)
}
