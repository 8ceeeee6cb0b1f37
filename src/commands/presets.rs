//! `pyscaffold presets`: list the presets of the template set.

use std::process::ExitCode;

use anyhow::Result;

use crate::template_set::TemplateSet;

/// Prints `NAME  description`, one preset a line, to stdout.
pub fn run(set: &TemplateSet) -> Result<ExitCode> {
    let width = set.presets.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for preset in &set.presets {
        println!("{:width$}  {}", preset.name, preset.description);
    }
    Ok(ExitCode::SUCCESS)
}
