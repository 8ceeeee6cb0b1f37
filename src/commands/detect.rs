//! `pyscaffold detect [PATH]`: what an existing repository is, each conclusion with the file
//! and line that support it. Reads only; `--json` prints the documented schema.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::DetectArgs;
use crate::detect;

pub fn run(args: &DetectArgs) -> Result<ExitCode> {
    let detection = detect::detect(&args.path)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&detection)?);
    } else {
        print!("{}", detect::report(&detection));
    }
    Ok(ExitCode::SUCCESS)
}
