//! `pyscaffold presets`: list the presets of the template set and its packs.

use std::process::ExitCode;

use anyhow::Result;

use crate::answers::yaml_layer;
use crate::cli::PresetsArgs;
use crate::error::{bad_input, quoted};
use crate::pack::Pack;
use crate::presets::Preset;
use crate::resolve::LayerKind;
use crate::template_set::{TemplateSet, builtin};

/// Prints `NAME  description`, one preset a line, to stdout; a pack's presets name the pack.
/// A pack's preset that `new --preset` would refuse (an answer naming no question or a value its
/// question refuses, or answers that together break a rule) is listed, then reported as the
/// pack's bad input.
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
    let set = &set;
    let problems: Vec<String> = packs
        .iter()
        .flat_map(|pack| {
            pack.presets
                .iter()
                .flat_map(move |preset| preset_problems(set, pack, preset))
        })
        .collect();
    if problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    Err(bad_input(
        format!(
            "`pyscaffold new --preset` would refuse these presets:\n  {}",
            problems.join("\n  ")
        ),
        "fix the preset's answers in the pack (`pyscaffold pack check DIR` renders every preset; \
         `pyscaffold new --help` lists the questions and what they take)",
    ))
}

/// What is wrong with the answers of `pack`'s `preset`: each answer that names no question or
/// a value its question refuses, with its line; else what `new --preset` refuses of them
/// together (a combination a rule forbids).
fn preset_problems(set: &TemplateSet, pack: &Pack, preset: &Preset) -> Vec<String> {
    let mut answers: Vec<_> = preset.answers.iter().collect();
    answers.sort_by_key(|a| a.line);
    let each: Vec<String> = answers
        .into_iter()
        .filter_map(|answer| {
            let problem = match set.question(&answer.id) {
                None => "no such question".to_string(),
                Some(question) => question.from_raw(&answer.value).err()?,
            };
            Some(format!(
                "{} preset `{}`, line {}: `{}`: {problem}",
                pack.label(),
                preset.name,
                answer.line,
                quoted(&answer.id)
            ))
        })
        .collect();
    if !each.is_empty() {
        return each;
    }
    let layer = yaml_layer(
        LayerKind::Preset,
        format!("preset `{}` of {}", preset.name, pack.label()),
        preset.answers.clone(),
    );
    match crate::pack::resolve_as_new(set, vec![layer]) {
        Ok(_) => Vec::new(),
        Err(e) => vec![format!(
            "{} preset `{}`: {}",
            pack.label(),
            preset.name,
            crate::error::redact(&e.to_string())
        )],
    }
}
