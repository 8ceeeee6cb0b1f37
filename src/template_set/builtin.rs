//! The built-in template set, every released version of it embedded in the binary.
//!
//! `templates/builtin/<version>/` holds each version; `templates/builtin/releases.yml` lists the
//! released ones with a digest of their files, so a released version can never change under
//! the projects generated from it (a test compares the digests; `scripts/freeze-templates.sh`
//! adds a version when it is released). `upgrade` re-renders the version a project records, so
//! every released version stays in the binary.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, anyhow};
use include_dir::{Dir, include_dir};
use semver::Version;
use serde::Deserialize;

use super::{DataFormat, ParsedSet, SetSource, TemplateFiles, TemplateSet, Templates};
use crate::error::bad_input;

// Assembled by build.rs from `templates/builtin/` (the newest version whole, older ones as
// deltas on the version after them).
static BUILTIN: Dir<'static> = include_dir!("$OUT_DIR/builtin");

// Each version's `manifest`, `questions` and `dependencies` as JSON, converted by build.rs:
// what a start reads (a test checks they read as the YAML does).
static BUILTIN_DATA: Dir<'static> = include_dir!("$OUT_DIR/builtin-data");

/// The id of the template set embedded in the binary.
pub const BUILTIN_ID: &str = "builtin";

/// The file listing released versions and their digests.
pub const RELEASES_FILE: &str = "releases.yml";

/// A released version and the digest of its files (see [`digest`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub version: String,
    pub sha256: String,
}

/// Every embedded version, oldest first.
pub fn versions() -> Result<Vec<Version>> {
    let mut out = Vec::new();
    for dir in BUILTIN.dirs() {
        let name = dir.path().to_string_lossy();
        let version = Version::parse(&name)
            .map_err(|e| anyhow!("templates/builtin/{name} is not a semver folder name: {e}"))?;
        out.push(version);
    }
    out.sort();
    Ok(out)
}

/// The newest embedded version.
pub fn latest() -> Result<Version> {
    versions()?
        .pop()
        .ok_or_else(|| anyhow!("no built-in template version is embedded in this build"))
}

/// Parses a version given by the user (`--template-version`, `--to`), refusing unknown ones.
pub fn parse_known(text: &str, flag: &str) -> Result<Version> {
    let known = versions()?;
    let list = known
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let version = Version::parse(text.trim_start_matches('v')).map_err(|_| {
        bad_input(
            format!("`{flag} {}` is not a version", crate::error::quoted(text)),
            format!("give one of the built-in template versions: {list} (`pyscaffold versions`)"),
        )
    })?;
    if !known.contains(&version) {
        return Err(bad_input(
            format!("there is no built-in template version `{version}`"),
            format!("give one of: {list} (`pyscaffold versions` lists them)"),
        ));
    }
    Ok(version)
}

/// The embedded version `version`, parsed and compiled. Each
/// version is compiled once per process (`upgrade` renders two of them, and reads every
/// version's questions).
pub fn load(version: &Version) -> Result<TemplateSet> {
    static COMPILED: Mutex<BTreeMap<String, TemplateSet>> = Mutex::new(BTreeMap::new());
    let name = version.to_string();
    if let Some(set) = cached(&COMPILED, &name) {
        return Ok(set);
    }
    // The templates first, on another thread (since the start of the run, for `new` and
    // `init`: [`compile_newest_early`]), while the data is parsed here.
    let (templates, parsed) = match (take_early(&name), cached(&PARSED, &name)) {
        (Some((_, templates)), Some(parsed)) => (templates, parsed),
        (Some((files, templates)), None) => (templates, parse_and_remember(version, files)?),
        (None, Some(parsed)) => (
            Templates::compile_in_background(Arc::clone(&parsed.files)),
            parsed,
        ),
        (None, None) => {
            let files = embedded_files(version)?;
            let templates = Templates::compile_in_background(Arc::clone(&files));
            (templates, parse_and_remember(version, files)?)
        }
    };
    let set = (*parsed).clone().compiled(templates);
    remember(&COMPILED, name, &set);
    Ok(set)
}

/// The newest version's templates, compiling since the start of the run.
type Early = (String, TemplateFiles, Templates);
static EARLY: Mutex<Option<Early>> = Mutex::new(None);

/// Starts compiling the newest built-in version's templates on another thread, before the
/// arguments are even parsed: `new` and `init` load that version to parse their arguments
/// (their `--help` names its choices and defaults), and compiling its templates is the longest
/// part of their start. [`load`] takes them; if it is never asked for that version, they are
/// dropped with the process.
pub fn compile_newest_early() {
    let Ok(version) = latest() else { return };
    let Ok(files) = embedded_files(&version) else {
        return;
    };
    let templates = Templates::compile_in_background(Arc::clone(&files));
    *EARLY.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((version.to_string(), files, templates));
}

fn take_early(name: &str) -> Option<(TemplateFiles, Templates)> {
    take_early_from(&EARLY, name)
}

/// What `slot` holds if it is version `name`'s, leaving another version's there.
fn take_early_from(slot: &Mutex<Option<Early>>, name: &str) -> Option<(TemplateFiles, Templates)> {
    let mut early = slot.lock().unwrap_or_else(PoisonError::into_inner);
    match early.take() {
        Some((version, files, templates)) if version == name => Some((files, templates)),
        other => {
            *early = other;
            None
        }
    }
}

static PARSED: Mutex<BTreeMap<String, Arc<ParsedSet>>> = Mutex::new(BTreeMap::new());

/// The embedded version `version`, parsed but not compiled (once per process).
/// Shared, not copied: a command reads several versions' manifests and questions, and `fleet
/// report` reads them for every repository.
pub fn parsed(version: &Version) -> Result<Arc<ParsedSet>> {
    if let Some(set) = cached(&PARSED, &version.to_string()) {
        return Ok(set);
    }
    parse_and_remember(version, embedded_files(version)?)
}

fn parse_and_remember(version: &Version, files: TemplateFiles) -> Result<Arc<ParsedSet>> {
    let set = Arc::new(parse_embedded(version, files)?);
    remember(&PARSED, version.to_string(), &set);
    Ok(set)
}

fn cached<T: Clone>(cache: &Mutex<BTreeMap<String, T>>, name: &str) -> Option<T> {
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
        .cloned()
}

fn remember<T: Clone>(cache: &Mutex<BTreeMap<String, T>>, name: String, value: &T) {
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name, value.clone());
}

fn parse_embedded(version: &Version, files: TemplateFiles) -> Result<ParsedSet> {
    ParsedSet::parse(embedded_source(version, DataFormat::Json, files)?).and_then(|set| {
        let name = version.to_string();
        if set.manifest.version != name || set.manifest.id != BUILTIN_ID {
            return Err(anyhow!(
                "templates/builtin/{name}/manifest.yml says {} {}",
                set.manifest.id,
                set.manifest.version
            ));
        }
        Ok(set)
    })
}

/// The templates of one embedded version (`files/`: name → text).
fn embedded_files(version: &Version) -> Result<TemplateFiles> {
    let name = version.to_string();
    let dir = BUILTIN
        .get_dir(&name)
        .ok_or_else(|| anyhow!("built-in template version {name} is not in this build"))?;
    let mut files = BTreeMap::new();
    collect_files(dir, &format!("{name}/files/"), &mut files)?;
    Ok(Arc::new(files))
}

/// The parts of one embedded version, as [`ParsedSet::parse`] takes them: its data files in
/// `format`, and `files` ([`embedded_files`]).
fn embedded_source(
    version: &Version,
    format: DataFormat,
    files: TemplateFiles,
) -> Result<SetSource> {
    let name = version.to_string();
    let read = |stem: &str| -> Result<String> {
        let (tree, file) = match format {
            DataFormat::Yaml => (&BUILTIN, format!("{stem}.yml")),
            DataFormat::Json => (&BUILTIN_DATA, format!("{stem}.json")),
        };
        tree.get_file(format!("{name}/{file}"))
            .and_then(|f| f.contents_utf8())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("built-in templates {name} have no UTF-8 `{file}`"))
    };
    Ok(SetSource {
        origin: format!("built-in templates {name}"),
        format,
        manifest: read("manifest")?,
        questions: read("questions")?,
        dependencies: read("dependencies")?,
        files,
    })
}

/// Question ids that some built-in version has and `set` does not: given for `set`, they are
/// ignored with a note rather than refused.
pub fn other_versions_ids(set: &TemplateSet) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    for version in versions()? {
        for question in &parsed(&version)?.questions {
            if set.question(&question.id).is_none() {
                ids.insert(question.id.clone());
            }
        }
    }
    Ok(ids)
}

/// The released versions with their digests, from `releases.yml`.
pub fn releases() -> Result<Vec<Release>> {
    let text = BUILTIN
        .get_file(RELEASES_FILE)
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| anyhow!("templates/builtin/{RELEASES_FILE} is missing"))?;
    crate::yaml::from_str(text).map_err(|e| anyhow!("templates/builtin/{RELEASES_FILE}: {e}"))
}

/// The digest of a version's folder, as `scripts/freeze-templates.sh` computes it: the SHA-256
/// of `sha256sum`'s lines (`<hex>  ./<path>`) for every file, sorted by path.
pub fn digest(version: &Version) -> Result<String> {
    let name = version.to_string();
    let dir = BUILTIN
        .get_dir(&name)
        .ok_or_else(|| anyhow!("built-in template version {name} is not in this build"))?;
    let mut all = Vec::new();
    collect_bytes(dir, &format!("{name}/"), &mut all);
    all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let listing: String = all
        .iter()
        .map(|(path, bytes)| format!("{}  ./{path}\n", crate::digest::sha256_hex(bytes)))
        .collect();
    Ok(crate::digest::sha256_hex(listing.as_bytes()))
}

fn collect_files(
    dir: &'static Dir<'static>,
    prefix: &str,
    out: &mut BTreeMap<String, Cow<'static, str>>,
) -> Result<()> {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = path.strip_prefix(prefix) {
            let text = file
                .contents_utf8()
                .ok_or_else(|| anyhow!("template `{path}` is not UTF-8"))?;
            out.insert(name.to_string(), Cow::Borrowed(text));
        }
    }
    for sub in dir.dirs() {
        collect_files(sub, prefix, out)?;
    }
    Ok(())
}

fn collect_bytes(dir: &Dir<'_>, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = path.strip_prefix(prefix) {
            out.push((name.to_string(), file.contents().to_vec()));
        }
    }
    for sub in dir.dirs() {
        collect_bytes(sub, prefix, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_source(version: &Version) -> SetSource {
        embedded_source(version, DataFormat::Yaml, embedded_files(version).unwrap()).unwrap()
    }

    #[test]
    fn templates_compiled_early_serve_their_own_version_once() {
        let newest = latest().unwrap();
        let files = embedded_files(&newest).unwrap();
        let slot = Mutex::new(Some((
            newest.to_string(),
            Arc::clone(&files),
            Templates::compile_in_background(files),
        )));
        assert!(take_early_from(&slot, "0.1.0").is_none());
        let (files, templates) = take_early_from(&slot, &newest.to_string()).unwrap();
        assert!(files.contains_key("Dockerfile"));
        assert!(templates.get().unwrap().contains_template("Dockerfile"));
        assert!(take_early_from(&slot, &newest.to_string()).is_none());
    }

    #[test]
    fn every_embedded_version_passes_the_checks_a_start_skips() {
        for version in versions().unwrap() {
            let source = yaml_source(&version);
            ParsedSet::check_embedded(&source).unwrap();
        }
    }

    #[test]
    fn the_json_a_start_reads_is_the_yaml_of_every_version() {
        for version in versions().unwrap() {
            let from_yaml = ParsedSet::parse(yaml_source(&version)).unwrap();
            let from_json = ParsedSet::parse(
                embedded_source(
                    &version,
                    DataFormat::Json,
                    embedded_files(&version).unwrap(),
                )
                .unwrap(),
            )
            .unwrap();
            assert_eq!(
                format!("{:?}", from_json.manifest),
                format!("{:?}", from_yaml.manifest),
                "{version}: manifest"
            );
            assert_eq!(
                format!("{:?}", from_json.questions),
                format!("{:?}", from_yaml.questions),
                "{version}: questions"
            );
            assert_eq!(
                from_json.dependencies, from_yaml.dependencies,
                "{version}: dependencies"
            );
        }
    }

    #[test]
    fn the_skipped_checks_find_a_tag_a_bad_pattern_and_a_bad_default() {
        let mut source = yaml_source(&latest().unwrap());
        let good = source.questions.clone();
        source.questions = good.replacen("- id: name", "- id: !!str name", 1);
        let e = ParsedSet::check_embedded(&source).unwrap_err();
        assert!(format!("{e:#}").contains("unsupported tag"), "{e:#}");
        source.questions = good
            .lines()
            .map(|line| match line.split_once("pattern: ") {
                Some((indent, _)) => format!("{indent}pattern: \"(\""),
                None => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let e = ParsedSet::check_embedded(&source).unwrap_err();
        assert!(format!("{e:#}").contains("invalid pattern `(`"), "{e:#}");
        source.questions = good.replacen("default: 8000", "default: 80", 1);
        assert_ne!(source.questions, good, "the port question's default moved");
        let e = ParsedSet::check_embedded(&source).unwrap_err();
        assert!(
            format!("{e:#}").contains("question `port` in built-in templates")
                && format!("{e:#}").contains("its default `80`"),
            "{e:#}"
        );
    }

    #[test]
    fn every_embedded_version_is_released_and_unchanged() {
        let releases = releases().unwrap();
        for version in versions().unwrap() {
            let Some(release) = releases.iter().find(|r| r.version == version.to_string()) else {
                panic!(
                    "template version {version} is not frozen: run \
                     `scripts/freeze-templates.sh {version}` when it is ready to release"
                );
            };
            assert_eq!(
                digest(&version).unwrap(),
                release.sha256,
                "released template version {version} was changed; released versions are \
                 frozen (projects were generated from them): put the change in a new version"
            );
        }
    }

    #[test]
    fn every_version_loads_and_names_its_predecessor() {
        let all = versions().unwrap();
        for (i, version) in all.iter().enumerate() {
            let set = load(version).unwrap();
            let from = set.manifest.migration.from.as_deref();
            let expected = i.checked_sub(1).map(|p| all[p].to_string());
            assert_eq!(from, expected.as_deref(), "{version}: migration.from");
        }
    }
}
