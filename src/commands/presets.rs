//! `pyscaffold presets`: list the presets of the template set and its packs.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::PresetsArgs;
use crate::template_set::builtin;

/// Prints `NAME  description`, one preset a line, to stdout; a pack's presets name the pack.
pub fn run(args: &PresetsArgs) -> Result<ExitCode> {
    let packs = crate::pack::select(&args.packs, args.no_pack)?;
    let set = crate::pack::layered(&builtin::latest()?, &packs)?;
    let presets = set.presets()?;
    let width = presets.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for preset in presets {
        let from = packs
            .iter()
            .rev()
            .find(|p| p.presets.iter().any(|q| q.name == preset.name))
            .map(|p| format!(" (pack `{}`)", p.manifest.name))
            .unwrap_or_default();
        println!("{:width$}  {}{from}", preset.name, preset.description);
    }
    Ok(ExitCode::SUCCESS)
}
