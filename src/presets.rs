//! Presets: named answer sets for common stacks. They belong to a template set; the built-in
//! ones are embedded from `presets/` and come with every built-in version.
//!
//! A preset is a YAML file with a one-line `description` and `answers`. It sits just above the
//! template defaults in precedence, so any flag, `--set` or answers file overrides it.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::answers::{RawAnswer, raw_answers};
use crate::value::RawValue;

static PRESETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/presets");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    description: String,
    answers: BTreeMap<String, serde_saphyr::Spanned<RawValue>>,
}

/// A named answer set.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub answers: Vec<RawAnswer>,
}

/// Parses one preset file; `origin` names it in errors.
pub fn parse(name: &str, text: &str, origin: &str) -> Result<Preset> {
    let file: PresetFile = crate::yaml::from_str(text).map_err(|e| {
        anyhow!(
            "{origin} is invalid: {}",
            crate::error::yaml_problem(&e, origin.trim_matches('`'))
        )
    })?;
    // `presets` prints the description on one line of a terminal: a newline or an escape
    // sequence from a pack would break the list or drive the terminal.
    if let Some(c) = file.description.chars().find(|c| c.is_control()) {
        return Err(anyhow!(
            "{origin} is invalid: its `description` must be one line of plain text (it has \
             {})",
            match c {
                '\n' | '\r' => "a line break".to_string(),
                c => format!("the control character U+{:04X}", u32::from(c)),
            }
        ));
    }
    Ok(Preset {
        name: name.to_string(),
        description: file.description,
        answers: raw_answers(file.answers, text),
    })
}

/// The built-in presets, sorted by name, parsed once per process and only when a command asks
/// for a preset: most runs (`new` without `--preset`, `upgrade`, `fleet report`) never do.
pub fn builtin_shared() -> Result<&'static [Preset]> {
    static PARSED: std::sync::OnceLock<Result<Vec<Preset>, String>> = std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| builtin().map_err(|e| format!("{e:#}")))
        .as_deref()
        .map_err(|e| anyhow!("{e}"))
}

/// The built-in presets with `packs` over them (a pack's preset replaces the built-in one of
/// its name), sorted by name.
pub fn with_packs(packs: &[Preset]) -> Result<Vec<&Preset>> {
    let mut out: Vec<&Preset> = builtin_shared()?
        .iter()
        .filter(|b| !packs.iter().any(|p| p.name == b.name))
        .chain(packs)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The built-in presets, sorted by name.
pub fn builtin() -> Result<Vec<Preset>> {
    let mut out = Vec::new();
    for file in PRESETS.files() {
        let Some(name) = file.path().to_str().and_then(|p| p.strip_suffix(".yml")) else {
            continue;
        };
        let text = file
            .contents_utf8()
            .ok_or_else(|| anyhow!("preset `{name}` is not UTF-8"))?;
        out.push(parse(name, text, &format!("built-in preset `{name}`"))?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
