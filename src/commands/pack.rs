//! `pyscaffold pack new|check`: write a pack skeleton, and check a pack the way its users
//! will meet it.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use include_dir::{Dir, include_dir};

use crate::answers::yaml_layer;
use crate::cli::{PackCheckArgs, PackCommand, PackNewArgs};
use crate::error::bad_input;
use crate::resolve::{Given, GivenValue, Layer, LayerKind, Options, resolve};
use crate::template_set::{PARTIALS, RenderMeta, builtin};

static SKELETON: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates/pack-skeleton");

/// The project name `pack check` renders with.
const CHECK_NAME: &str = "example-service";

pub fn run(command: PackCommand) -> Result<ExitCode> {
    match command {
        PackCommand::New(args) => new(&args),
        PackCommand::Check(args) => check(&args),
    }
}

/// Writes the skeleton into a new (or empty) folder.
fn new(args: &PackNewArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string(),
    };
    let valid = regex::Regex::new("^[a-z][a-z0-9-]{0,62}$")
        .map(|re| re.is_match(&name))
        .unwrap_or(false);
    if !valid {
        return Err(bad_input(
            format!("`{name}` is not a pack name"),
            "use lowercase letters, digits and dashes, starting with a letter; `--name NAME` \
             sets a name other than the folder's",
        ));
    }
    crate::write::check_target(dir, false)?;
    let mut files = Vec::new();
    collect(&SKELETON, &mut files);
    for (path, text) in &files {
        let text = text
            .replace("__NAME__", &name)
            .replace("__PYSCAFFOLD__", crate::VERSION);
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&target, text)
            .with_context(|| format!("cannot write `{}`", target.display()))?;
    }
    let shown = crate::lock::shell_word(&dir.display().to_string());
    eprintln!(
        "created pack `{name}` in `{}`: {} files\nnext steps:\n  \
         pyscaffold pack check {shown}\n  \
         cd {shown} && git init && git add -A && git commit -m 'First release' && git tag v0.1.0\n  \
         pyscaffold new my-service --pack {shown} -y",
        dir.display(),
        files.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn collect(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push((
                file.path().to_string_lossy().replace('\\', "/"),
                text.to_string(),
            ));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Loads the pack over the newest templates, renders the defaults and every preset of its
/// own, and validates each render.
fn check(args: &PackCheckArgs) -> Result<ExitCode> {
    let packs = crate::pack::load(&args.source)?;
    for pack in &packs {
        for note in &pack.notes {
            eprintln!("note: {note}");
        }
    }
    let version = builtin::latest()?;
    let set = crate::pack::layered(&version, &packs)?;
    let Some(top) = packs.last() else {
        return Ok(ExitCode::SUCCESS);
    };
    println!(
        "{} over templates builtin {version}: manifest ok, {} templates, {} presets, {} locked \
         answers",
        packs
            .iter()
            .map(crate::pack::Pack::label)
            .collect::<Vec<_>>()
            .join(" + "),
        packs.iter().map(|p| p.templates.len()).sum::<usize>(),
        packs.iter().map(|p| p.presets.len()).sum::<usize>(),
        set.locked.len()
    );
    let mut problems = 0;
    // Every template is written by a rule, included, or replaces a built-in one.
    let builtin_names: Vec<String> = builtin::parsed(&version)?.files.into_keys().collect();
    for pack in &packs {
        for name in pack.templates.keys() {
            let used = set.manifest.files.iter().any(|r| &r.template == name)
                || builtin_names.contains(name)
                || (name.starts_with(PARTIALS)
                    && packs
                        .iter()
                        .flat_map(|p| p.templates.values())
                        .any(|t| t.contains(name.as_str())));
            if !used {
                problems += 1;
                println!(
                    "FAILED  {}: `files/{name}` is never written: no file rule names it and it \
                     replaces no built-in template",
                    pack.label()
                );
            }
        }
    }
    let mut cases: Vec<(String, Vec<Layer>)> = vec![("the defaults".to_string(), Vec::new())];
    for pack in &packs {
        for preset in &pack.presets {
            cases.push((
                format!("preset `{}`", preset.name),
                vec![yaml_layer(
                    LayerKind::Preset,
                    format!("preset `{}` of {}", preset.name, pack.label()),
                    preset.answers.clone(),
                )],
            ));
        }
    }
    let mut missing: Vec<String> = Vec::new();
    for (label, mut layers) in cases {
        layers.push(Layer {
            kind: LayerKind::Flag,
            origin: "pack check".to_string(),
            answers: vec![Given {
                id: "name".to_string(),
                value: GivenValue::Text(CHECK_NAME.to_string()),
                at: "the project name `pack check` uses".to_string(),
                written: None,
            }],
        });
        let options = Options {
            use_defaults: true,
            other_versions_ids: builtin::other_versions_ids(&set)?,
            ..Options::default()
        };
        let rendered = resolve(&set, &layers, None, &options)
            .and_then(|r| set.render(&r.answers, &RenderMeta::current()));
        let files = match rendered {
            Ok(files) => files,
            Err(e) => {
                problems += 1;
                println!(
                    "FAILED  {label}: {}",
                    crate::error::redact(&format!("{e:#}"))
                );
                continue;
            }
        };
        let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
        let outcome = crate::validate::validate(dir.path(), &files)?;
        for tool in outcome.missing {
            if !missing.contains(&tool) {
                missing.push(tool);
            }
        }
        if outcome.failures.is_empty() {
            println!("ok      {label}: {} files", files.len());
        } else {
            problems += 1;
            println!("FAILED  {label}: {} files", files.len());
            for (tool, said) in outcome.failures {
                println!("  {tool}:");
                for line in said.lines() {
                    println!("    {line}");
                }
            }
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "note: not on PATH, so not run: {} (install them to check what CI will check)",
            missing.join(", ")
        );
    }
    if problems > 0 {
        eprintln!("{}: {problems} checks failed", top.label());
        return Ok(ExitCode::from(crate::error::EXIT_FAILURE));
    }
    eprintln!("{}: every check passed", top.label());
    Ok(ExitCode::SUCCESS)
}
