//! Built-in presets: named answer sets for common stacks, embedded from `presets/`.
//!
//! A preset is a YAML file with a one-line `description` and `answers`. It sits just above the
//! template defaults in precedence, so any flag, `--set` or answers file overrides it.

use anyhow::{Result, anyhow};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use std::collections::BTreeMap;

use crate::answers::{AnswerSource, raw_answers};
use crate::error::bad_input;
use crate::value::RawValue;

static PRESETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/presets");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    description: String,
    answers: BTreeMap<String, serde_saphyr::Spanned<RawValue>>,
}

/// A preset's name and description, for `pyscaffold presets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetInfo {
    pub name: String,
    pub description: String,
}

fn text_of(name: &str) -> Option<&'static str> {
    PRESETS
        .get_file(format!("{name}.yml"))
        .and_then(|f| f.contents_utf8())
}

/// Every built-in preset, sorted by name.
pub fn list() -> Result<Vec<PresetInfo>> {
    let mut out = Vec::new();
    for file in PRESETS.files() {
        let Some(name) = file.path().to_str().and_then(|p| p.strip_suffix(".yml")) else {
            continue;
        };
        let text = file
            .contents_utf8()
            .ok_or_else(|| anyhow!("preset `{name}` is not UTF-8"))?;
        let header: PresetFile = serde_saphyr::from_str(text)
            .map_err(|e| anyhow!("built-in preset `{name}` is invalid: {e}"))?;
        out.push(PresetInfo {
            name: name.to_string(),
            description: header.description,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The answers of the preset called `name`.
pub fn load(name: &str) -> Result<AnswerSource> {
    let Some(text) = text_of(name) else {
        let known: Vec<String> = list()?.into_iter().map(|p| p.name).collect();
        return Err(bad_input(
            format!("unknown preset `{name}`"),
            format!(
                "pick one of: {} (`pyscaffold presets` describes them)",
                known.join(", ")
            ),
        ));
    };
    let origin = format!("preset `{name}`");
    let file: PresetFile = serde_saphyr::from_str(text)
        .map_err(|e| anyhow!("built-in preset `{name}` is invalid: {e}"))?;
    Ok(AnswerSource {
        origin,
        answers: raw_answers(file.answers),
    })
}
