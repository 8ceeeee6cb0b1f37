//! `pyscaffold versions`: the built-in template versions with their changelog line.

use std::process::ExitCode;

use anyhow::Result;

use crate::template_set::builtin;

/// Prints `VERSION  changelog`, oldest first; the newest (what `new` uses) is marked.
pub fn run() -> Result<ExitCode> {
    let versions = builtin::versions()?;
    let newest = versions.last().cloned();
    for version in &versions {
        let set = builtin::parsed(version)?;
        let mark = if Some(version) == newest.as_ref() {
            " (newest: `new` uses it)"
        } else {
            ""
        };
        println!("{version}  {}{mark}", set.manifest.changelog);
    }
    Ok(ExitCode::SUCCESS)
}
