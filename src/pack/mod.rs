//! Preset packs: an organisation's layer over the built-in template set.
//!
//! A pack is a folder (usually a git repository) with `pack.yaml` ([`manifest`]), optional
//! `presets/*.yml` in the built-in preset format and `files/` with Tera templates. It changes
//! the set below it only in the built-in formats: question defaults, locked answers, questions
//! of its own, file rules that add or replace files, dropped files, variables and migrations.
//! A pack may `extends` another (org → team): the one it extends is layered first. Nothing in
//! a pack is executed, and nothing it holds can point outside it.

pub mod manifest;
pub mod source;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use regex::Regex;
use semver::{Version, VersionReq};

use crate::error::{bad_input, redact};
use crate::presets::Preset;
use crate::record::PackRef;
use crate::template_set::{
    DropRule, Lock, Migration, Ownership, PARTIALS, ParsedSet, TemplateSet, builtin,
    is_safe_relative_path,
};

pub use manifest::{PACK_FILE, PackManifest};
pub use source::Source;

/// How many packs may extend one another.
const MAX_DEPTH: usize = 8;

/// A pack, read and checked on its own (not yet layered).
#[derive(Debug, Clone)]
pub struct Pack {
    pub manifest: PackManifest,
    /// `files/`: template name → text.
    pub templates: BTreeMap<String, String>,
    pub presets: Vec<Preset>,
    /// What the record says about it.
    pub origin: PackRef,
    /// What reading it said (a cached copy used offline).
    pub notes: Vec<String>,
}

impl Pack {
    /// `` pack `acme` 1.2.0 ``, as messages name it.
    pub fn label(&self) -> String {
        format!("pack `{}` {}", self.manifest.name, self.manifest.version)
    }

    pub fn version(&self) -> Result<Version> {
        Version::parse(&self.manifest.version)
            .map_err(|e| anyhow!("{}: bad version: {e}", self.label()))
    }
}

/// Reads the pack at `text` (`SOURCE[#REF]`) and every pack it extends, lowest first.
pub fn load(text: &str) -> Result<Vec<Pack>> {
    load_source(&Source::parse(text, None)?)
}

/// Reads the pack at `source` and every pack it extends, lowest first.
pub fn load_source(source: &Source) -> Result<Vec<Pack>> {
    let mut out = Vec::new();
    load_chain(source, None, &mut out, 0)?;
    out.reverse();
    Ok(out)
}

/// The packs a project moves to on `upgrade`: each pack it asked for, from its recorded
/// source, at the ref `pack_refs` names (`TAG`, or `NAME=TAG` when there are several), else at
/// its newest version tag (or the same branch, when it follows one), with what they extend.
/// A folder pack is read as it is now.
pub fn for_upgrade(recorded: &[PackRef], pack_refs: &[String]) -> Result<Vec<Pack>> {
    let tops: Vec<&PackRef> = recorded.iter().filter(|p| p.via.is_none()).collect();
    let names = || {
        tops.iter()
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    for item in pack_refs {
        let (name, reference) = match item.split_once('=') {
            Some((name, reference)) => (name.trim().to_string(), reference.trim().to_string()),
            None if tops.len() == 1 => (tops[0].name.clone(), item.trim().to_string()),
            None if tops.is_empty() => {
                return Err(bad_input(
                    format!("`--pack-ref {item}`: the project uses no pack"),
                    "leave `--pack-ref` out; `.pyscaffold.yml` lists no `packs:`",
                ));
            }
            None => {
                return Err(bad_input(
                    format!(
                        "`--pack-ref {item}`: the project uses several packs ({})",
                        names()
                    ),
                    "name the pack: `--pack-ref NAME=TAG`",
                ));
            }
        };
        let Some(top) = tops.iter().find(|p| p.name == name) else {
            if let Some(via) = recorded
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.via.as_ref())
            {
                return Err(bad_input(
                    format!(
                        "`--pack-ref {item}`: pack `{name}` comes with pack `{via}`, which \
                         extends it"
                    ),
                    format!(
                        "the release of `{name}` is the one `{via}` names in its `extends:`: \
                         move `{via}` instead (`--pack-ref {via}=TAG`)"
                    ),
                ));
            }
            return Err(bad_input(
                format!("`--pack-ref {item}`: the project has no pack `{name}`"),
                format!("its packs: {}", names()),
            ));
        };
        if top.commit.is_none() {
            return Err(bad_input(
                format!(
                    "`--pack-ref {item}`: pack `{name}` is the folder `{}`, which has no refs",
                    top.source
                ),
                "a folder pack is read as it is; leave `--pack-ref` out",
            ));
        }
        if reference.is_empty() {
            return Err(bad_input(
                format!("`--pack-ref {item}` names no ref"),
                "write the tag, e.g. `--pack-ref v2.0.0`",
            ));
        }
        wanted.insert(name, reference);
    }
    let mut out: Vec<Pack> = Vec::new();
    for top in tops {
        let source = if top.commit.is_some() {
            let follows_branch = top
                .reference
                .as_deref()
                .filter(|r| source::tag_version(r).is_none());
            Source::Git {
                url: top.source.clone(),
                reference: wanted
                    .get(&top.name)
                    .cloned()
                    .or(follows_branch.map(str::to_string)),
            }
        } else {
            Source::Folder(PathBuf::from(&top.source))
        };
        add_layers(&mut out, load_source(&source)?)?;
    }
    Ok(out)
}

/// Appends `loaded` (a pack and what it extends) to `packs`, refusing a pack layered twice and
/// saying each pack's notes.
fn add_layers(packs: &mut Vec<Pack>, loaded: Vec<Pack>) -> Result<()> {
    for pack in loaded {
        if let Some(twice) = packs.iter().find(|p| p.manifest.name == pack.manifest.name) {
            return Err(bad_input(
                format!(
                    "the pack `{}` is layered twice (from `{}` and `{}`)",
                    pack.manifest.name, twice.origin.source, pack.origin.source
                ),
                "give each pack once; a pack another one extends comes with it",
            ));
        }
        for note in &pack.notes {
            note_once(note);
        }
        packs.push(pack);
    }
    Ok(())
}

fn load_chain(source: &Source, via: Option<&str>, out: &mut Vec<Pack>, depth: usize) -> Result<()> {
    if depth >= MAX_DEPTH {
        return Err(bad_input(
            format!("packs extend one another more than {MAX_DEPTH} deep"),
            "check the `extends:` of each pack for a loop",
        ));
    }
    let fetched = source::fetch(source)?;
    let folder = fetched.folder.clone();
    let pack = from_files(source, fetched, via)?;
    if let Some(earlier) = out.iter().find(|p| p.manifest.name == pack.manifest.name) {
        return Err(bad_input(
            format!(
                "{} extends a pack named `{}` again ({}): packs extend one another in a loop",
                earlier.label(),
                pack.manifest.name,
                pack.origin.source
            ),
            "remove the loop from the packs' `extends:`",
        ));
    }
    let extends = pack.manifest.extends.clone();
    let name = pack.manifest.name.clone();
    out.push(pack);
    if let Some(text) = extends {
        let next = Source::parse(&text, folder.as_deref())?;
        if matches!(next, Source::Folder(_)) && folder.is_none() {
            return Err(bad_input(
                format!("pack `{name}` (a git repository) extends the folder `{text}`"),
                "a pack in git can only extend another git pack: give its URL, e.g. \
                 `extends: https://git.example.com/platform/pack.git#v1`",
            ));
        }
        load_chain(&next, Some(&name), out, depth + 1)?;
    }
    Ok(())
}

/// Reads the packs a project's record names, at the recorded commits. A folder pack whose
/// content changed since is returned with `changed` set: it cannot rebuild the base.
pub fn load_recorded(refs: &[PackRef]) -> Result<Vec<(Pack, bool)>> {
    let mut out = Vec::new();
    for recorded in refs {
        let (fetched, changed) = match (&recorded.commit, &recorded.sha256) {
            (Some(commit), _) => {
                let files = source::fetch_commit(&recorded.source, commit)?;
                let fetched = source::Fetched {
                    files,
                    commit: Some(commit.clone()),
                    reference: recorded.reference.clone(),
                    sha256: None,
                    notes: Vec::new(),
                    folder: None,
                };
                (fetched, false)
            }
            (None, Some(sha256)) => {
                let fetched = source::read_folder(Path::new(&recorded.source))?;
                let changed = fetched.sha256.as_deref() != Some(sha256.as_str());
                (fetched, changed)
            }
            (None, None) => {
                return Err(bad_input(
                    format!(
                        "`.pyscaffold.yml` names pack `{}` without a commit or a hash",
                        recorded.name
                    ),
                    "restore `.pyscaffold.yml` from version control",
                ));
            }
        };
        let source = if recorded.commit.is_some() {
            Source::Git {
                url: recorded.source.clone(),
                reference: recorded.reference.clone(),
            }
        } else {
            Source::Folder(PathBuf::from(&recorded.source))
        };
        let pack = from_files(&source, fetched, recorded.via.as_deref())?;
        if pack.manifest.name != recorded.name {
            return Err(bad_input(
                format!(
                    "`.pyscaffold.yml` records pack `{}` from `{}`, which now holds pack `{}`",
                    recorded.name, recorded.source, pack.manifest.name
                ),
                "restore `.pyscaffold.yml` from version control, or point it at the right pack",
            ));
        }
        if !changed && pack.manifest.version != recorded.version {
            return Err(bad_input(
                format!(
                    "`.pyscaffold.yml` records pack `{}` {}, but its recorded {} holds {}",
                    recorded.name,
                    recorded.version,
                    if recorded.commit.is_some() {
                        "commit"
                    } else {
                        "content"
                    },
                    pack.manifest.version
                ),
                "restore `.pyscaffold.yml` from version control (`git checkout -- \
                 .pyscaffold.yml`); it records what the project was generated from",
            ));
        }
        out.push((pack, changed));
    }
    Ok(out)
}

/// Parses and checks a pack's files.
fn from_files(source: &Source, fetched: source::Fetched, via: Option<&str>) -> Result<Pack> {
    let shown = redact(&source.display());
    let text = |path: &str| -> Result<Option<String>> {
        match fetched.files.get(path) {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes.clone()).map(Some).map_err(|_| {
                bad_input(
                    format!("pack `{shown}`: `{path}` is not UTF-8 text"),
                    "save it as UTF-8",
                )
            }),
        }
    };
    let Some(manifest_text) = text(PACK_FILE)? else {
        return Err(bad_input(
            format!("`{shown}` has no `{PACK_FILE}`, so it is not a pyscaffold pack"),
            "give the folder or repository whose top level holds `pack.yaml` \
             (`pyscaffold pack new DIR` creates one)",
        ));
    };
    let where_ = format!("{shown}/{PACK_FILE}");
    let manifest: PackManifest = crate::yaml::from_str(&manifest_text).map_err(|e| {
        bad_input(
            format!(
                "`{where_}` is not a valid pack manifest: {}",
                crate::error::yaml_problem(&e, &where_)
            ),
            "fix the line shown; `pyscaffold pack new DIR` writes a commented example",
        )
    })?;
    check_manifest(&manifest, &where_)?;
    let mut templates = BTreeMap::new();
    let mut presets = Vec::new();
    for path in fetched.files.keys() {
        if let Some(name) = path.strip_prefix("files/") {
            let body = text(path)?.unwrap_or_default();
            templates.insert(name.to_string(), body);
        } else if let Some(name) = path
            .strip_prefix("presets/")
            .and_then(|n| n.strip_suffix(".yml"))
            .filter(|n| !n.contains('/'))
        {
            let body = text(path)?.unwrap_or_default();
            let preset =
                crate::presets::parse(name, &body, &format!("`{shown}/{path}`")).map_err(|e| {
                    bad_input(
                        e.to_string(),
                        "a preset is `description:` and `answers:` (a mapping of question ids \
                         to values), as in the built-in presets",
                    )
                })?;
            presets.push(preset);
        }
    }
    for rule in &manifest.files {
        if !templates.contains_key(&rule.template) {
            return Err(bad_input(
                format!(
                    "`{where_}`: the file rule for `{}` names `files/{}`, which the pack does \
                     not have",
                    rule.path, rule.template
                ),
                "add the template under the pack's `files/` folder, or fix the name",
            ));
        }
    }
    let mut notes = fetched.notes.clone();
    if let Some(tagged) = fetched.reference.as_deref().and_then(source::tag_version)
        && Version::parse(&manifest.version).is_ok_and(|v| v != tagged)
    {
        notes.push(format!(
            "pack `{}`: the tag `{}` holds `version: {}` in pack.yaml; tag each release with \
             its own version",
            manifest.name,
            fetched.reference.as_deref().unwrap_or_default(),
            manifest.version
        ));
    }
    let origin = PackRef {
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        source: source.display(),
        reference: fetched.reference.clone(),
        commit: fetched.commit.clone(),
        sha256: fetched.sha256.clone(),
        via: via.map(str::to_string),
    };
    Ok(Pack {
        manifest,
        templates,
        presets,
        origin,
        notes,
    })
}

/// Refuses a manifest with a bad name, version or requirement, or one this pyscaffold is too
/// old for.
fn check_manifest(manifest: &PackManifest, where_: &str) -> Result<()> {
    let name_ok = Regex::new("^[a-z][a-z0-9-]{0,62}$")
        .map(|re| re.is_match(&manifest.name))
        .unwrap_or(false);
    if !name_ok {
        return Err(bad_input(
            format!("`{where_}`: `name: {}` is not a pack name", manifest.name),
            "use lowercase letters, digits and dashes, starting with a letter, e.g. `name: acme`",
        ));
    }
    if Version::parse(&manifest.version).is_err() {
        return Err(bad_input(
            format!(
                "`{where_}`: `version: {}` is not a semantic version",
                manifest.version
            ),
            "write it as MAJOR.MINOR.PATCH, e.g. `version: 1.0.0`",
        ));
    }
    if let Some(requirement) = &manifest.requires_pyscaffold {
        let req = VersionReq::parse(requirement).map_err(|e| {
            bad_input(
                format!("`{where_}`: `requires_pyscaffold: {requirement}` does not parse: {e}"),
                "write a semver requirement, e.g. `requires_pyscaffold: \">=0.1\"`",
            )
        })?;
        let running = Version::parse(crate::VERSION)?;
        if !req.matches(&running) {
            return Err(bad_input(
                format!(
                    "pack `{}` {} needs pyscaffold {requirement}, and this is pyscaffold {running}",
                    manifest.name, manifest.version
                ),
                "install a pyscaffold that matches (`pyscaffold --version` shows this one), or \
                 use an older release of the pack (`--pack SOURCE#TAG`; for `upgrade`, \
                 `--pack-ref TAG`)",
            ));
        }
    }
    for version in manifest.migrations.keys() {
        if Version::parse(version).is_err() {
            return Err(bad_input(
                format!("`{where_}`: the migration key `{version}` is not a semantic version"),
                "key each migration by the release it leads to, e.g. `1.1.0:`",
            ));
        }
    }
    for rule in &manifest.files {
        if rule.kind == Ownership::Ejected {
            return Err(bad_input(
                format!(
                    "`{where_}`: the file rule for `{}` says `kind: ejected`",
                    rule.path
                ),
                "a pack's files are `managed` (the default) or `seeded`; only a user ejects",
            ));
        }
        if !rule.path.contains("{{") && !is_safe_relative_path(&rule.path) {
            return Err(escape_error(where_, &rule.path));
        }
        if let Some(reserved) = crate::template_set::reserved_path(&rule.path) {
            return Err(bad_input(
                format!("`{where_}`: the output path `{}` {reserved}", rule.path),
                "a pack writes files of the project only: pick another path",
            ));
        }
        if rule.template.starts_with(PARTIALS) {
            return Err(bad_input(
                format!(
                    "`{where_}`: `files/{}` is a partial, only included by other templates",
                    rule.template
                ),
                "move the template out of `files/_partials/` to write it as a file",
            ));
        }
    }
    Ok(())
}

/// The error for an output path that leaves the project.
pub fn escape_error(where_: &str, path: &str) -> anyhow::Error {
    bad_input(
        format!("`{where_}`: the output path `{path}` leaves the project"),
        "output paths are relative, with `/` between parts and no `.` or `..` parts",
    )
}

/// The built-in set at `version` with `packs` layered over it, lowest first, compiled.
pub fn layered(version: &Version, packs: &[Pack]) -> Result<TemplateSet> {
    if packs.is_empty() {
        return builtin::load(version);
    }
    let mut set = (*builtin::parsed(version)?).clone();
    for (i, pack) in packs.iter().enumerate() {
        set = overlay(set, pack, i + 1)?;
    }
    set.compile()
}

/// Layers `pack` over `set` as layer number `layer` (the built-in set is 0).
pub fn overlay(mut set: ParsedSet, pack: &Pack, layer: usize) -> Result<ParsedSet> {
    let label = pack.label();
    let where_ = format!("{}/{PACK_FILE}", redact(&pack.origin.source));
    for question in &pack.manifest.questions {
        question.check_definition().map_err(|e| {
            bad_input(
                format!("`{where_}`: question `{}`: {e}", question.id),
                "fix the question; it takes the built-in question format",
            )
        })?;
        if set.questions.iter().any(|q| q.id == question.id) {
            return Err(bad_input(
                format!(
                    "`{where_}`: the question `{}` exists already below {label}",
                    question.id
                ),
                format!(
                    "change its default with `defaults: {{{id}: ...}}` or fix it with \
                     `locked: {{{id}: ...}}`; a pack's own questions need new ids",
                    id = question.id
                ),
            ));
        }
        if let Some(default) = &question.default
            && !crate::template_set::is_tera_value(default)
            && let Err(e) = question.check(default)
        {
            return Err(bad_input(
                format!(
                    "`{where_}`: the default of question `{}` (`{default}`) is not a valid \
                     answer: {e}",
                    question.id
                ),
                "fix the default or the question's `validate:`",
            ));
        }
        set.questions.push(question.clone());
    }
    for (id, raw) in &pack.manifest.defaults {
        let (index, value) = answer_of(&set, &where_, "defaults", "the default", id, raw)?;
        set.questions[index].default = Some(value);
    }
    for (id, raw) in &pack.manifest.locked {
        if id == "name" {
            return Err(bad_input(
                format!("`{where_}`: `locked` names `name`, which every project answers itself"),
                "remove it: a project's name comes from its directory or `--name`",
            ));
        }
        let (index, value) = answer_of(&set, &where_, "locked", "the locked answer", id, raw)?;
        if let Some(lower) = set.locked.iter().find(|l| &l.id == id)
            && lower.value != value
        {
            return Err(bad_input(
                format!(
                    "{label} locks `{id}` to `{value}`, but {} locked it to `{}`",
                    lower.by, lower.value
                ),
                "a pack cannot undo the lock of the pack it extends: remove one of the locks",
            ));
        }
        set.questions[index].default = Some(value.clone());
        set.locked.retain(|l| &l.id != id);
        set.locked.push(Lock {
            id: id.clone(),
            value,
            by: label.clone(),
        });
    }
    let files = Arc::make_mut(&mut set.files);
    for (name, text) in &pack.templates {
        files.insert(name.clone(), Cow::Owned(text.clone()));
    }
    for rule in &pack.manifest.files {
        let mut rule = rule.clone();
        rule.layer = layer;
        set.manifest.files.push(rule);
    }
    for pattern in &pack.manifest.drop {
        let glob = globset::Glob::new(pattern).map_err(|e| {
            bad_input(
                format!("`{where_}`: `drop: {pattern}` is not a glob: {e}"),
                "write an output path or a glob such as `.circleci/**`",
            )
        })?;
        set.drops.push(DropRule {
            pattern: pattern.clone(),
            matcher: glob.compile_matcher(),
            layer,
            by: label.clone(),
        });
    }
    for (name, value) in &pack.manifest.variables {
        set.vars.insert(name.clone(), value.clone());
    }
    for preset in &pack.presets {
        set.pack_presets.retain(|p| p.name != preset.name);
        set.pack_presets.push(preset.clone());
    }
    set.packs.push(pack.origin.clone());
    Ok(set)
}

/// The question `id` (its index) and `raw` checked as its answer, for a pack's `key:` entry.
fn answer_of(
    set: &ParsedSet,
    where_: &str,
    key: &str,
    what: &str,
    id: &str,
    raw: &crate::value::RawValue,
) -> Result<(usize, crate::value::Value)> {
    let index = set
        .questions
        .iter()
        .position(|q| q.id == id)
        .ok_or_else(|| unknown(where_, key, id))?;
    let question = &set.questions[index];
    let value = question.from_raw(raw).map_err(|e| {
        bad_input(
            format!("`{where_}`: {what} for `{id}`: {e}"),
            crate::resolve::value_help(question),
        )
    })?;
    Ok((index, value))
}

fn unknown(where_: &str, key: &str, id: &str) -> anyhow::Error {
    bad_input(
        format!("`{where_}`: `{key}` names `{id}`, which is not a question"),
        "use a question id of the built-in set (`pyscaffold new --help` lists them) or of the \
         pack's own `questions:`",
    )
}

/// The migrations of `pack` after release `from` up to and including its own release, oldest
/// first, labelled for notes.
pub fn migrations_since(pack: &Pack, from: &Version) -> Result<Vec<(String, Migration)>> {
    let to = pack.version()?;
    let mut steps: Vec<(Version, Migration)> = pack
        .manifest
        .migrations
        .iter()
        .filter_map(|(v, m)| Some((Version::parse(v).ok()?, m.clone())))
        .filter(|(v, _)| v > from && v <= &to)
        .collect();
    steps.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(steps
        .into_iter()
        .map(|(v, m)| (format!("pack `{}` {v}", pack.manifest.name), m))
        .collect())
}

/// The packs for a command: `given` (`--pack`), else the configured ones (unless `no_pack`),
/// each with the packs it extends, lowest first. Notes (a cached copy used) go to stderr.
pub fn select(given: &[String], no_pack: bool) -> Result<Vec<Pack>> {
    let sources = if no_pack {
        Vec::new()
    } else if given.is_empty() {
        configured()?
    } else {
        given.to_vec()
    };
    let mut packs: Vec<Pack> = Vec::new();
    for text in &sources {
        add_layers(&mut packs, load(text)?)?;
    }
    Ok(packs)
}

/// Prints a note about a pack once per run, however many projects load the pack.
pub fn note_once(note: &str) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !said.iter().any(|n| n == note) {
        said.push(note.to_string());
        eprintln!("note: {note}");
    }
}

/// The pack sources to use when none is given on the command line: `PYSCAFFOLD_PACK`, else
/// the user config file's `pack:`.
pub fn configured() -> Result<Vec<String>> {
    if let Some(text) = std::env::var_os("PYSCAFFOLD_PACK").filter(|v| !v.is_empty()) {
        return Ok(vec![text.to_string_lossy().into_owned()]);
    }
    Ok(crate::config::load()?.packs)
}

/// The project name `pack check` and `presets` try a pack's presets with.
pub const CHECK_NAME: &str = "example-service";

/// The answers `pyscaffold new example-service -y` resolves over `layers` (a preset's, or
/// none for the defaults): how `pack check` and `presets --pack` try a pack's presets.
pub fn resolve_as_new(
    set: &TemplateSet,
    mut layers: Vec<crate::resolve::Layer>,
) -> Result<crate::resolve::Resolved> {
    use crate::resolve::{Given, GivenValue, Layer, LayerKind, Options};
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
        other_versions: true,
        ..Options::default()
    };
    crate::resolve::resolve(set, &layers, None, &options)
}
