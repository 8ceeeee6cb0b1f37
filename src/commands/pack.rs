//! `pyscaffold pack new|check`: write a pack skeleton, and check a pack the way its users
//! will meet it.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use include_dir::{Dir, include_dir};

use crate::answers::yaml_layer;
use crate::cli::{PackCheckArgs, PackCommand, PackNewArgs, PackTestArgs};
use crate::error::bad_input;
use crate::resolve::{Layer, LayerKind};
use crate::template_set::{PARTIALS, RenderMeta, builtin};

static SKELETON: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates/pack-skeleton");

/// The project name `pack check` renders with.
use crate::pack::CHECK_NAME;

pub fn run(command: PackCommand) -> Result<ExitCode> {
    match command {
        PackCommand::New(args) => new(&args),
        PackCommand::Check(args) => check(&args),
        PackCommand::Test(args) => test(&args),
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
            format!("`{}` is not a pack name", crate::error::quoted(&name)),
            "use lowercase letters, digits and dashes, starting with a letter; `--name NAME` \
             sets a name other than the folder's",
        ));
    }
    if crate::writer::inspect(dir)? == crate::writer::Target::NonEmpty {
        return Err(bad_input(
            format!("`{}` already exists and is not empty", dir.display()),
            "pick a new folder for the pack; nothing was written",
        ));
    }
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
            crate::pack::note_once(note);
        }
    }
    let version = builtin::latest()?;
    let set = crate::pack::layered(&version, &packs)?;
    let Some(top) = packs.last() else {
        return Ok(ExitCode::SUCCESS);
    };
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    println!(
        "{} over templates builtin {version}: manifest ok, {}, {}, {}",
        packs
            .iter()
            .map(crate::pack::Pack::label)
            .collect::<Vec<_>>()
            .join(" + "),
        count(
            packs.iter().map(|p| p.templates.len()).sum(),
            "template",
            "templates"
        ),
        count(
            packs.iter().map(|p| p.presets.len()).sum(),
            "preset",
            "presets"
        ),
        count(set.locked.len(), "locked answer", "locked answers"),
    );
    let mut problems = 0;
    // Every template is written by a rule, included, or replaces a built-in one.
    let builtin_names: Vec<String> = builtin::parsed(&version)?.files.keys().cloned().collect();
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
    // Migrations may only name questions the layered set has.
    for pack in &packs {
        for (release, step) in &pack.manifest.migrations {
            let targets = step
                .renamed_questions
                .values()
                .chain(step.computed_answers.keys())
                .chain(step.answer_values.keys());
            for id in targets {
                if set.question(id).is_none() {
                    problems += 1;
                    println!(
                        "FAILED  {}: the migration to {release} names `{id}`, which is not a \
                         question",
                        pack.label()
                    );
                }
            }
        }
    }
    // Each `drop:` must match a file some case would write without it.
    let undropped = set.without_drops();
    let mut unmatched: Vec<&crate::template_set::DropRule> = set.drops.iter().collect();
    let mut missing: Vec<String> = Vec::new();
    for (label, layers) in cases {
        let resolved = crate::pack::resolve_as_new(&set, layers);
        if let Ok(r) = &resolved
            && let Ok(all) = undropped.render(&r.answers, &RenderMeta::current())
        {
            unmatched.retain(|d| !all.iter().any(|f| d.matcher.is_match(&f.path)));
        }
        let rendered = resolved.and_then(|r| set.render(&r.answers, &RenderMeta::current()));
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
            println!("ok      {label}: {} files validated", files.len());
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
    for rule in unmatched {
        problems += 1;
        println!(
            "FAILED  {}: `drop: {}` matches no file the defaults or any preset would write",
            rule.by, rule.pattern
        );
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

/// The edits `pack test` applies, from the pack's `pack-test.yml`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    edits: Vec<Edit>,
}

/// One user edit: text appended or prepended to a generated file, or replaced in it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    path: String,
    #[serde(default)]
    append: Option<String>,
    #[serde(default)]
    prepend: Option<String>,
    #[serde(default)]
    replace: Option<Replace>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Replace {
    old: String,
    new: String,
}

/// The file naming the edits, at the pack's root.
const TEST_FILE: &str = "pack-test.yml";

/// What the default edit appends to every managed file.
const DEFAULT_EDIT: &str = "# a local edit\n";

fn test(args: &PackTestArgs) -> Result<ExitCode> {
    // `file:///srv/packs/acme` names a local checkout as a URL does.
    let given = match args.dir.to_str().and_then(|d| d.strip_prefix("file://")) {
        Some(path) => std::path::PathBuf::from(path),
        None => args.dir.clone(),
    };
    if !given.exists() {
        return Err(bad_input(
            format!("`{}` does not exist", crate::error::quoted_path(&args.dir)),
            "give the folder of the pack's git checkout (`pyscaffold pack new DIR` starts one)",
        ));
    }
    let dir = std::path::absolute(&given).unwrap_or(given);
    let tags = crate::pack::source::local_version_tags(&dir)?;
    let working = crate::pack::load_source(&crate::pack::Source::Folder(dir.clone()))?;
    let edits = load_edits(&dir)?;
    if tags.is_empty() {
        return Err(bad_input(
            format!(
                "`{}` has no version tags, so there is nothing to upgrade from",
                dir.display()
            ),
            "tag each release of the pack (`git tag v1.0.0`); `pack test` upgrades projects \
             from every tag to the working tree",
        ));
    }
    let top = working
        .last()
        .map(crate::pack::Pack::label)
        .unwrap_or_default();
    println!(
        "{top} (working tree) from {} released tags, {}",
        tags.len(),
        match &edits {
            Some(e) => format!("{} edits from {TEST_FILE}", e.len()),
            None => format!("a line appended to every managed file (no {TEST_FILE})"),
        }
    );
    let exe = std::env::current_exe().context("cannot find the running pyscaffold")?;
    let (mut clean, mut conflicted, mut failed) = (0, 0, 0);
    let progress = crate::progress::bar(tags.len(), "released tags");
    for (_, tag) in &tags {
        progress.step(tag);
        let source = format!("{}#{tag}", dir.display());
        let released = match crate::pack::load(&source) {
            Ok(packs) => packs,
            Err(e) => {
                failed += 1;
                progress.suspend(|| println!("FAILED     {tag}: the release does not load: {e:#}"));
                continue;
            }
        };
        let mut cases: Vec<Option<String>> = vec![None];
        if let Some(pack) = released.last() {
            cases.extend(pack.presets.iter().map(|p| Some(p.name.clone())));
        }
        for preset in cases {
            let label = format!(
                "{tag} {}",
                preset
                    .as_deref()
                    .map_or("defaults".to_string(), |p| format!("preset `{p}`"))
            );
            match upgrade_case(&exe, &source, preset.as_deref(), edits.as_deref(), &working) {
                Ok(conflicts) if conflicts.is_empty() => {
                    clean += 1;
                    progress.suspend(|| println!("clean      {label}"));
                }
                Ok(conflicts) => {
                    conflicted += 1;
                    progress.suspend(|| println!("CONFLICTS  {label}: {}", conflicts.join(", ")));
                }
                Err(e) => {
                    failed += 1;
                    let said = crate::error::redact(&format!("{e:#}"));
                    progress.suspend(|| println!("FAILED     {label}: {said}"));
                }
            }
        }
    }
    drop(progress);
    eprintln!("{top}: {clean} clean, {conflicted} with conflicts, {failed} failed");
    Ok(if conflicted + failed > 0 {
        ExitCode::from(crate::error::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

fn load_edits(dir: &std::path::Path) -> Result<Option<Vec<Edit>>> {
    let path = dir.join(TEST_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    };
    let shown = path.display().to_string();
    let file: TestFile = crate::yaml::from_str(&text).map_err(|e| {
        bad_input(
            format!(
                "`{shown}` is invalid: {}",
                crate::error::yaml_problem(&e, &shown)
            ),
            "it takes `edits:`, a list of `path:` with one of `append:`, `prepend:` or \
             `replace: {old: ..., new: ...}`",
        )
    })?;
    for edit in &file.edits {
        let ways = [
            edit.append.is_some(),
            edit.prepend.is_some(),
            edit.replace.is_some(),
        ];
        if !crate::template_set::is_safe_relative_path(&edit.path)
            || ways.iter().filter(|w| **w).count() != 1
        {
            return Err(bad_input(
                format!(
                    "`{shown}`: the edit of `{}` is not one edit inside the project",
                    edit.path
                ),
                "give a relative path and exactly one of `append:`, `prepend:` or `replace:`",
            ));
        }
    }
    Ok(Some(file.edits))
}

/// Generates from the released `source`, applies the edits and plans the upgrade to
/// `working`; returns the conflicted paths.
fn upgrade_case(
    exe: &std::path::Path,
    source: &str,
    preset: Option<&str>,
    edits: Option<&[Edit]>,
    working: &[crate::pack::Pack],
) -> Result<Vec<String>> {
    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut command = std::process::Command::new(exe);
    command
        .args(["new", CHECK_NAME, "--pack", source, "-y", "--no-lock"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::null());
    if let Some(preset) = preset {
        command.args(["--preset", preset]);
    }
    let out = command.output().context("cannot run pyscaffold new")?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!("`new` failed: {}", said.lines().next().unwrap_or_default());
    }
    let root = tmp.path().join(CHECK_NAME);
    let record = crate::record::load(&root)?;
    match edits {
        Some(edits) => {
            for edit in edits {
                let path = root.join(&edit.path);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    anyhow::bail!(
                        "the edit of `{}` does not apply: the project has no such file",
                        edit.path
                    );
                };
                if let Some(r) = &edit.replace
                    && !text.contains(&r.old)
                {
                    anyhow::bail!(
                        "the edit of `{}` does not apply: it does not contain {:?}",
                        edit.path,
                        r.old
                    );
                }
                let edited = if let Some(extra) = &edit.append {
                    format!("{text}{extra}")
                } else if let Some(extra) = &edit.prepend {
                    format!("{extra}{text}")
                } else if let Some(r) = &edit.replace {
                    text.replacen(&r.old, &r.new, 1)
                } else {
                    text
                };
                std::fs::write(&path, edited)?;
            }
        }
        None => {
            for entry in &record.files {
                if entry.kind != Some(crate::template_set::Ownership::Managed)
                    || entry.path.ends_with(".json")
                {
                    continue;
                }
                let path = root.join(&entry.path);
                if let Ok(text) = std::fs::read_to_string(&path) {
                    std::fs::write(&path, format!("{text}{DEFAULT_EDIT}"))?;
                }
            }
        }
    }
    let request = crate::upgrade::Request {
        dir: root,
        use_defaults: true,
        target_packs: Some(working.to_vec()),
        ..crate::upgrade::Request::default()
    };
    let prepared = crate::upgrade::prepare(&request, None)?;
    Ok(prepared
        .plan
        .conflicts()
        .map(|s| match &s.note {
            Some(note) => format!("{} ({note})", s.path),
            None => s.path.clone(),
        })
        .collect())
}
