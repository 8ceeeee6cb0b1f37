//! Template sets: a manifest, the questions, the presets and the files to render.
//!
//! A template set is a folder: `manifest.yml` (id, version, changelog, migration from the
//! previous version, derived values, constraints, which file is rendered to which path under
//! which condition and who owns it), `questions.yml`, `dependencies.yml` (pinned packages,
//! available to templates as `dependencies`), and `files/` with the Tera templates;
//! `files/_partials/` holds pieces other templates include.
//!
//! A set is first read into a [`ParsedSet`] (plain data that a later layer, such as an
//! organisation's pack, can overlay by question id, file path and preset name), then compiled
//! into a [`TemplateSet`] that renders. Rendering is a pure function of the set, the answers
//! and the [`RenderMeta`]: nothing depends on the running binary, so a frozen version renders
//! the same bytes with any later pyscaffold.

pub mod builtin;
pub mod manifest;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context as _, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::answers::Answers;
use crate::presets::Preset;
use crate::questions::Question;

pub use manifest::{Constraint, Derived, FileRule, LockRule, Manifest, Migration, Ownership};

/// A pack layered over the template set: which release, from where, at which commit (a git
/// source) or with which content (a folder). The source carries no userinfo or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackRef {
    pub name: String,
    pub version: String,
    pub source: String,
    /// The tag or branch it was read at (git sources).
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The commit it was read at (git sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The SHA-256 of its files (folder sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The pack that `extends` this one; none for a pack the project asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Pinned packages per stack (e.g. framework) and group (`direct`, `closure`, `dev_direct`,
/// `dev_closure`), as `name==version` strings.
pub type Dependencies = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Templates under this folder are only included by others, never written on their own.
pub const PARTIALS: &str = "_partials/";

/// What a render prints about its own making. It comes from the project's record when an old
/// version is re-rendered, never from the running binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderMeta {
    /// The pyscaffold version named in generated files.
    pub pyscaffold_version: String,
}

impl RenderMeta {
    /// Metadata for files this binary writes now.
    pub fn current() -> Self {
        Self {
            pyscaffold_version: crate::VERSION.to_string(),
        }
    }
}

/// A file rendered in memory, ready to be written under the project root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative path with `/` separators.
    pub path: String,
    pub contents: String,
    pub executable: bool,
    pub kind: Ownership,
    /// The template it came from (under `files/`): a file keeps its identity when an answer
    /// moves it to another path.
    pub template: String,
}

/// The text parts of a template set, as read from its source.
pub struct SetSource {
    /// How to name the source in messages, e.g. `built-in templates 0.2.0`.
    pub origin: String,
    /// How `manifest`, `questions` and `dependencies` are written.
    pub format: DataFormat,
    pub manifest: String,
    pub questions: String,
    pub dependencies: String,
    /// `files/`: template name → text.
    pub files: TemplateFiles,
}

/// A set's `files/`: template name → text. The built-in versions' texts are the binary's own,
/// not copies, and the map is shared by the set, its clones and the thread compiling it.
pub type TemplateFiles = Arc<BTreeMap<String, Cow<'static, str>>>;

/// How a [`SetSource`]'s data files are written: as the YAML in the version's folder, or as the
/// JSON that build.rs converts it to (what a start reads: it parses many times faster).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    Yaml,
    Json,
}

impl DataFormat {
    fn read<T: serde::de::DeserializeOwned>(self, text: &str) -> Result<T> {
        Ok(match self {
            DataFormat::Yaml => crate::yaml::from_embedded_str(text)?,
            DataFormat::Json => serde_json::from_str(text)?,
        })
    }
}

/// A template set parsed and checked, not yet compiled.
#[derive(Clone, Debug)]
pub struct ParsedSet {
    pub manifest: Manifest,
    pub questions: Vec<Question>,
    pub dependencies: Dependencies,
    pub files: TemplateFiles,
    /// The packs' presets, over the built-in ones ([`TemplateSet::presets`]).
    pub pack_presets: Vec<Preset>,
    /// Answers the packs fixed.
    pub locked: Vec<Lock>,
    /// The packs' variables, as templates see them (`vars.NAME`).
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// Output paths the packs dropped from the layers below them.
    pub drops: Vec<DropRule>,
    /// The packs layered in, lowest first, as the record names them.
    pub packs: Vec<PackRef>,
}

/// An answer a pack fixed: never asked, refused when given otherwise.
#[derive(Clone, Debug)]
pub struct Lock {
    pub id: String,
    pub value: crate::value::Value,
    /// The pack, as messages name it (`` pack `acme` 1.2.0 ``).
    pub by: String,
}

/// Output paths a pack does not want from the layers below it.
#[derive(Clone, Debug)]
pub struct DropRule {
    pub pattern: String,
    pub matcher: globset::GlobMatcher,
    /// The pack's layer: it drops files of lower layers only.
    pub layer: usize,
    pub by: String,
}

impl ParsedSet {
    /// The checks [`ParsedSet::parse`] leaves to the test suite: `source`'s YAML read the way a
    /// user's file is (any explicit tag refused), and every question's definition (its
    /// patterns compile, choices only where they belong, its help renders with no answers).
    pub fn check_embedded(source: &SetSource) -> Result<()> {
        let origin = &source.origin;
        let _: serde::de::IgnoredAny = crate::yaml::from_str(&source.manifest)
            .with_context(|| format!("invalid manifest.yml in {origin}"))?;
        let questions: Vec<Question> = crate::yaml::from_str(&source.questions)
            .with_context(|| format!("invalid questions.yml in {origin}"))?;
        let _: serde::de::IgnoredAny = crate::yaml::from_str(&source.dependencies)
            .with_context(|| format!("invalid dependencies.yml in {origin}"))?;
        for q in &questions {
            q.check_definition()
                .map_err(|e| anyhow!("question `{}` in {origin}: {e}", q.id))?;
            // A default without Tera is taken as it is when a project is resolved (a pack's are
            // checked when the pack is read).
            if let Some(default) = q.default.as_ref().filter(|d| !is_tera_value(d)) {
                q.check(default).map_err(|e| {
                    anyhow!(
                        "question `{}` in {origin}: its default `{default}` {e}",
                        q.id
                    )
                })?;
            }
            // Help that is Tera renders before any answer exists (an error's help line).
            help_of(q, &tera::Context::new()).with_context(|| format!("in {origin}"))?;
        }
        Ok(())
    }

    /// Parses and checks a set's parts.
    ///
    /// The set is pyscaffold's own embedded data: it is read without the checks a user's file
    /// gets on every read (explicit YAML tags, each question's patterns compiled), which
    /// [`ParsedSet::check_embedded`] makes and a test runs on every built-in version, so a
    /// start does not pay for them.
    pub fn parse(source: SetSource) -> Result<Self> {
        let origin = &source.origin;
        let format = source.format;
        let manifest: Manifest = format
            .read(&source.manifest)
            .with_context(|| format!("invalid manifest.yml in {origin}"))?;
        let questions: Vec<Question> = format
            .read(&source.questions)
            .with_context(|| format!("invalid questions.yml in {origin}"))?;
        let dependencies: Dependencies = format
            .read(&source.dependencies)
            .with_context(|| format!("invalid dependencies.yml in {origin}"))?;
        for rule in &manifest.files {
            if !source.files.contains_key(&rule.template) {
                bail!(
                    "manifest.yml of {origin} names `files/{}`, which does not exist",
                    rule.template
                );
            }
        }
        Ok(Self {
            manifest,
            questions,
            dependencies,
            files: source.files,
            pack_presets: Vec::new(),
            locked: Vec::new(),
            vars: serde_json::Map::new(),
            drops: Vec::new(),
            packs: Vec::new(),
        })
    }

    /// Compiles the templates, ready to render.
    pub fn compile(self) -> Result<TemplateSet> {
        let tera = compile_files(&self.files, &self.packs)?;
        Ok(self.compiled(Templates::ready(tera)))
    }

    /// The set, with `templates` as its compiled `files` ([`Templates::compile_in_background`]
    /// for a built-in version).
    pub(crate) fn compiled(self, templates: Templates) -> TemplateSet {
        compile_one_offs(
            answer_one_offs(&self.manifest, &self.questions)
                .iter()
                .map(String::as_str),
        );
        TemplateSet {
            data: Arc::new(SetData {
                shared: SharedContext::of(&self.dependencies, &self.vars),
                manifest: self.manifest,
                questions: self.questions,
                dependencies: self.dependencies,
                pack_presets: self.pack_presets,
                locked: self.locked,
                vars: self.vars,
                drops: self.drops,
                packs: self.packs,
            }),
            tera: Arc::new(templates),
            renders: Arc::default(),
        }
    }
}

/// `files`, compiled into one Tera (all at once: a template may include another one,
/// `files/_partials/`). `packs` are named when one does not parse.
fn compile_files(
    files: &BTreeMap<String, Cow<'static, str>>,
    packs: &[PackRef],
) -> Result<tera::Tera> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    tera.add_raw_templates(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_ref())),
    )
    .map_err(|e| {
        let what = if packs.is_empty() {
            "the templates in `files/` do not parse".to_string()
        } else {
            format!(
                "the templates in `files/` of the built-in set and {} do not parse",
                packs
                    .iter()
                    .map(|p| format!("pack `{}` {}", p.name, p.version))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        crate::error::bad_input(
            format!("{what}: {}", crate::error::chain(&e)),
            "fix the template named (Tera syntax; `{% include %}` names only templates of \
                 the built-in set or the packs)",
        )
    })?;
    Ok(tera)
}

/// A set's compiled templates: compiled already, or being compiled on another thread
/// ([`Templates::compile_in_background`]) and waited for when first used.
pub(crate) struct Templates {
    /// Set once, by the thread compiling them: waiting on it wakes as soon as they are
    /// compiled, not when that thread has exited.
    done: Arc<std::sync::OnceLock<Result<tera::Tera, String>>>,
    /// Whether the files' conditions and paths were compiled (at the first render).
    file_one_offs: std::sync::Once,
}

impl Templates {
    /// Compiles `files` on another thread while the command goes on: a built-in version's,
    /// started before its data is even parsed, and waited for at the first render. Resolving
    /// the answers does not need them. For pyscaffold's own versions, whose templates a test
    /// compiles: a pack's set is compiled with [`ParsedSet::compile`], so that its error is
    /// reported before anything else happens.
    pub(crate) fn compile_in_background(files: TemplateFiles) -> Self {
        let done = Arc::new(std::sync::OnceLock::new());
        let (theirs, their_files) = (Arc::clone(&done), Arc::clone(&files));
        let spawned = std::thread::Builder::new()
            .name("templates".to_string())
            .spawn(move || {
                let compiled = std::panic::catch_unwind(|| compile_built_in(&their_files))
                    .unwrap_or_else(|_| Err("compiling the templates panicked".to_string()));
                let _ = theirs.set(compiled);
            });
        if spawned.is_err() {
            // No thread to be had: compile here, and report what that finds.
            let _ = done.set(compile_built_in(&files));
        }
        Self::with(done)
    }

    fn ready(tera: tera::Tera) -> Self {
        Self::with(Arc::new(std::sync::OnceLock::from(Ok(tera))))
    }

    fn with(done: Arc<std::sync::OnceLock<Result<tera::Tera, String>>>) -> Self {
        Self {
            done,
            file_one_offs: std::sync::Once::new(),
        }
    }

    /// The compiled templates, waiting for the thread compiling them if need be.
    ///
    /// The compile usually ends within a millisecond of the first render, so the wait yields
    /// the processor for up to two milliseconds before it sleeps: waking a sleeping thread
    /// costs about a fifth of a millisecond on a virtual machine, a twentieth of `new`'s own
    /// work.
    fn get(&self) -> Result<&tera::Tera, String> {
        let until = std::time::Instant::now() + std::time::Duration::from_millis(2);
        while self.done.get().is_none() && std::time::Instant::now() < until {
            std::thread::yield_now();
        }
        self.done.wait().as_ref().map_err(Clone::clone)
    }
}

fn compile_built_in(files: &TemplateFiles) -> Result<tera::Tera, String> {
    compile_files(files, &[]).map_err(|e| format!("{e:#}"))
}

/// A loaded, checked, compiled template set. Clones share the compiled templates and the
/// renders already made, so a set is changed only through its methods
/// ([`TemplateSet::without_drops`]).
#[derive(Clone)]
pub struct TemplateSet {
    data: Arc<SetData>,
    tera: Arc<Templates>,
    renders: Arc<Renders>,
}

/// What a compiled set holds besides its templates (a [`TemplateSet`] reads as this).
#[derive(Clone)]
pub struct SetData {
    /// `dependencies` and `vars` as Tera values, made once: every render, condition and
    /// constraint check of the set starts its context from them.
    shared: SharedContext,
    pub manifest: Manifest,
    pub questions: Vec<Question>,
    pub dependencies: Dependencies,
    /// The packs' presets, over the built-in ones ([`TemplateSet::presets`]).
    pub pack_presets: Vec<Preset>,
    pub locked: Vec<Lock>,
    pub vars: serde_json::Map<String, serde_json::Value>,
    pub drops: Vec<DropRule>,
    pub packs: Vec<PackRef>,
}

impl std::ops::Deref for TemplateSet {
    type Target = SetData;

    fn deref(&self) -> &SetData {
        &self.data
    }
}

/// The parts of a set's context that do not depend on the answers, as Tera values (which are
/// shared, not copied, when a context takes them).
#[derive(Clone)]
struct SharedContext {
    dependencies: tera::Value,
    vars: tera::Value,
}

impl SharedContext {
    fn of(dependencies: &Dependencies, vars: &serde_json::Map<String, serde_json::Value>) -> Self {
        let mut context = tera::Context::new();
        context.insert("dependencies", dependencies);
        context.insert("vars", vars);
        let mut take = |key: &str| context.remove(key).unwrap_or_else(tera::Value::none);
        Self {
            dependencies: take("dependencies"),
            vars: take("vars"),
        }
    }
}

/// The renders of one compiled set, newest last: `upgrade` renders the recorded answers for
/// the base and, with nothing changed, the same answers for the target, and `fleet report`
/// does that for every repository.
#[derive(Default)]
struct Renders(Mutex<Vec<Remembered>>);

/// A render and what it was made from.
type Remembered = (Answers, RenderMeta, Arc<Vec<RenderedFile>>);

/// How many renders a set keeps: a command renders a handful of answer sets per version.
const KEPT_RENDERS: usize = 16;

/// One-off Tera strings (conditions, defaults, output paths, help), compiled once per process:
/// they are the same few hundred strings for every project. A set's strings are compiled
/// together, into one Tera, when the set is compiled ([`compile_one_offs`]): a Tera instance
/// costs its built-in filters and functions, and checking a batch costs what checking one does.
#[derive(Clone)]
struct OneOff {
    tera: Arc<tera::Tera>,
    name: String,
}

impl OneOff {
    fn render(&self, context: &tera::Context) -> tera::TeraResult<String> {
        self.tera.render(&self.name, context)
    }
}

static ONE_OFFS: Mutex<Option<HashMap<String, OneOff>>> = Mutex::new(None);

/// Whether Tera would change `text` at all: a string without tags or comments renders as itself.
fn is_tera(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Whether a question's default is a Tera string, rendered against the answers before it.
pub fn is_tera_value(value: &crate::value::Value) -> bool {
    matches!(value, crate::value::Value::Str(text) if text.contains("{{") || text.contains("{%"))
}

/// Compiles those of `texts` not compiled yet, together. A string that does not compile
/// alone (it names another template) is left out, and renders the slow way.
fn compile_one_offs<'a>(texts: impl IntoIterator<Item = &'a str>) {
    const KEPT: usize = 4096;
    let lock = || ONE_OFFS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut new: Vec<&str> = Vec::new();
    {
        let mut cache = lock();
        let cache = cache.get_or_insert_with(HashMap::new);
        for text in texts {
            if is_tera(text) && !cache.contains_key(text) && !new.contains(&text) {
                new.push(text);
            }
        }
    }
    if new.is_empty() {
        return;
    }
    // Compiled without holding the cache, which another thread may be compiling into too.
    let compiled = compile_batch(&new);
    let mut cache = lock();
    let cache = cache.get_or_insert_with(HashMap::new);
    if cache.len() + compiled.len() > KEPT {
        cache.clear();
    }
    cache.extend(compiled);
}

/// `new`, compiled into one Tera, or each into its own when one of them does not compile
/// alone (it names another template); those that do not compile at all are left out.
fn compile_batch(new: &[&str]) -> Vec<(String, OneOff)> {
    let named: Vec<(String, &str)> = new
        .iter()
        .enumerate()
        .map(|(i, text)| (format!("{ONE_OFF}{i}"), *text))
        .collect();
    let mut batch = tera::Tera::new();
    batch.autoescape_on(Vec::<&str>::new());
    if batch
        .add_raw_templates(named.iter().map(|(n, t)| (n.as_str(), *t)))
        .is_ok()
    {
        let tera = Arc::new(batch);
        return named
            .into_iter()
            .map(|(name, text)| {
                let tera = Arc::clone(&tera);
                (text.to_string(), OneOff { tera, name })
            })
            .collect();
    }
    // One of them does not compile alone: each on its own, so the others still do.
    let mut out = Vec::new();
    for text in new {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        if tera.add_raw_template(ONE_OFF, text).is_ok() {
            let name = ONE_OFF.to_string();
            let tera = Arc::new(tera);
            out.push((text.to_string(), OneOff { tera, name }));
        }
    }
    out
}

fn one_off(text: &str) -> Option<OneOff> {
    let cached = |text: &str| {
        ONE_OFFS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|cache| cache.get(text).cloned())
    };
    cached(text).or_else(|| {
        compile_one_offs([text]);
        cached(text)
    })
}

/// A Tera condition as the one-off string that evaluates it.
fn condition_text(expr: &str) -> String {
    format!("{{% if {expr} %}}true{{% endif %}}")
}

/// The one-off strings only a render uses: its files' conditions and paths.
fn file_one_offs(manifest: &Manifest) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for rule in &manifest.files {
        texts.push(rule.path.clone());
        texts.extend(rule.when.as_deref().map(condition_text));
    }
    texts
}

/// The one-off strings every resolve uses: derived values, the constraints' and lock rules'
/// conditions, and the questions' conditions and defaults. What only a prompt or an error shows
/// (a question's help, a constraint's message and help) compiles when it is first shown.
fn answer_one_offs(manifest: &Manifest, questions: &[Question]) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    texts.extend(manifest.derived.iter().map(|d| d.value.clone()));
    texts.extend(manifest.constraints.iter().map(|r| condition_text(&r.when)));
    texts.extend(manifest.locks.iter().map(|l| condition_text(&l.when)));
    for question in questions {
        texts.extend(question.when.as_deref().map(condition_text));
        if let Some(crate::value::Value::Str(text)) = &question.default {
            texts.push(text.clone());
        }
    }
    texts
}

/// The one-off strings only a prompt or an error shows (see [`answer_one_offs`]).
#[cfg(test)]
fn shown_one_offs(manifest: &Manifest, questions: &[Question]) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for rule in &manifest.constraints {
        texts.push(rule.message.clone());
        texts.push(rule.help.clone());
    }
    texts.extend(questions.iter().filter_map(|q| q.help.clone()));
    texts
}

/// A question's help for the answers so far. Help is Tera over them, so it names only what
/// applies to the choices already made (`{% if 'gitlab' in ci %}`); before those answers exist
/// (an error's help line) a help written `ci is not defined or ...` names every case. Runs of
/// spaces the branches leave are collapsed.
pub fn help_of(question: &Question, context: &tera::Context) -> Result<Option<String>> {
    let Some(help) = &question.help else {
        return Ok(None);
    };
    if !(help.contains("{{") || help.contains("{%")) {
        return Ok(Some(help.clone()));
    }
    let text = one_off(help)
        .ok_or_else(|| anyhow::anyhow!("it does not compile"))
        .and_then(|compiled| Ok(compiled.render(context)?))
        .with_context(|| format!("cannot render the help of question `{}`", question.id))?;
    Ok(Some(text.split_whitespace().collect::<Vec<_>>().join(" ")))
}

const ONE_OFF: &str = "__pyscaffold_one_off";

impl TemplateSet {
    /// The newest built-in version: what `new` generates.
    pub fn builtin() -> Result<Self> {
        builtin::load(&builtin::latest()?)
    }

    /// `id version`, as messages and `--version` name the set (with its packs).
    pub fn label(&self) -> String {
        let mut label = format!("{} {}", self.manifest.id, self.manifest.version);
        for pack in &self.packs {
            label.push_str(&format!(" + {} {}", pack.name, pack.version));
        }
        label
    }

    /// The lock on question `id`, if a pack fixed it.
    pub fn lock(&self, id: &str) -> Option<&Lock> {
        self.locked.iter().find(|l| l.id == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The set's presets, sorted by name: the built-in ones with the packs' over them.
    pub fn presets(&self) -> Result<Vec<&Preset>> {
        crate::presets::with_packs(&self.pack_presets)
    }

    pub fn preset(&self, name: &str) -> Result<Option<&Preset>> {
        Ok(self.presets()?.into_iter().find(|p| p.name == name))
    }

    /// This set with no pack's drop rules: every file the layers have.
    pub fn without_drops(&self) -> Self {
        let mut set = self.clone();
        Arc::make_mut(&mut set.data).drops.clear();
        set.renders = Arc::default();
        set
    }

    /// Names of the template files, for checks that every file is used.
    pub fn template_names(&self) -> Result<Vec<&str>> {
        Ok(self.templates()?.get_template_names().collect())
    }

    /// The compiled templates (waiting for them if they are being compiled).
    fn templates(&self) -> Result<&tera::Tera> {
        self.tera.get().map_err(|e| anyhow!(e))
    }

    /// Evaluates a Tera condition (`framework == 'flask'`) against the answers so far.
    pub fn condition(&self, expr: &str, context: &tera::Context) -> Result<bool> {
        let out = self
            .render_one_off(&condition_text(expr), context)
            .with_context(|| format!("cannot evaluate condition `{expr}`"))?;
        Ok(out == "true")
    }

    /// Renders a Tera string (a default, a path) against the answers so far.
    pub fn render_str(&self, text: &str, context: &tera::Context) -> Result<String> {
        self.render_one_off(text, context)
            .with_context(|| format!("cannot render `{text}`"))
    }

    fn render_one_off(&self, text: &str, context: &tera::Context) -> tera::TeraResult<String> {
        if !is_tera(text) {
            return Ok(text.to_string());
        }
        match one_off(text) {
            Some(compiled) => compiled.render(context),
            None => self
                .tera
                .get()
                .map_err(tera::Error::message)?
                .render_str(text, context, false),
        }
    }

    /// The context every template sees: answers, derived values, the set's identity and what
    /// the render metadata says.
    pub fn context(&self, answers: &Answers, meta: &RenderMeta) -> Result<tera::Context> {
        let mut context = answers.to_context();
        context.insert_value("dependencies", self.shared.dependencies.clone());
        context.insert("template_id", &self.manifest.id);
        context.insert("template_version", &self.manifest.version);
        context.insert("pyscaffold_version", &meta.pyscaffold_version);
        context.insert_value("vars", self.shared.vars.clone());
        let packs: Vec<BTreeMap<&str, &str>> = self
            .packs
            .iter()
            .map(|p| BTreeMap::from([("name", p.name.as_str()), ("version", p.version.as_str())]))
            .collect();
        context.insert("packs", &packs);
        for derived in &self.manifest.derived {
            let value = self.render_str(&derived.value, &context)?;
            context.insert(derived.id.clone(), &value);
        }
        Ok(context)
    }

    /// A pack's template that fails to render is the pack's bad input (exit 2); a built-in
    /// one is a bug.
    fn pack_problem(&self, from_pack: bool, error: anyhow::Error, what: &str) -> anyhow::Error {
        if !from_pack {
            return error;
        }
        let packs: Vec<String> = self
            .packs
            .iter()
            .map(|p| format!("pack `{}` {}", p.name, p.version))
            .collect();
        crate::error::bad_input(
            format!("{what} of {} does not render: {error:#}", packs.join(", ")),
            "fix the template (`pyscaffold pack check DIR` renders every preset); templates see \
             the answers by question id, `vars.NAME` and `packs`",
        )
    }

    /// Refuses answers that match one of the manifest's constraints.
    pub fn check_constraints(&self, answers: &Answers) -> Result<()> {
        let context = self.context(answers, &RenderMeta::current())?;
        for rule in &self.manifest.constraints {
            if self.condition(&rule.when, &context)? {
                return Err(crate::error::bad_input(
                    self.render_str(&rule.message, &context)?,
                    self.render_str(&rule.help, &context)?,
                ));
            }
        }
        Ok(())
    }

    /// The lock rule that applies to these answers, if the installer locks.
    pub fn lock_rule(&self, answers: &Answers) -> Result<Option<&LockRule>> {
        let context = self.context(answers, &RenderMeta::current())?;
        for rule in &self.manifest.locks {
            if self.condition(&rule.when, &context)? {
                return Ok(Some(rule));
            }
        }
        Ok(None)
    }

    /// Renders every file whose condition holds, sorted by output path. The same answers
    /// and metadata render once per set.
    pub fn render(&self, answers: &Answers, meta: &RenderMeta) -> Result<Vec<RenderedFile>> {
        let lock = || {
            self.renders
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some((_, _, files)) = lock().iter().find(|(a, m, _)| a == answers && m == meta) {
            return Ok(files.to_vec());
        }
        let files = self.render_afresh(answers, meta)?;
        let mut kept = lock();
        if kept.len() >= KEPT_RENDERS {
            kept.remove(0);
        }
        kept.push((answers.clone(), meta.clone(), Arc::new(files.clone())));
        Ok(files)
    }

    fn render_afresh(&self, answers: &Answers, meta: &RenderMeta) -> Result<Vec<RenderedFile>> {
        // The files' conditions and paths, compiled together once (here, while the templates
        // may still be compiling on another thread), then the templates, waited for.
        self.tera.file_one_offs.call_once(|| {
            compile_one_offs(file_one_offs(&self.manifest).iter().map(String::as_str));
        });
        self.templates()?;
        let context = self.context(answers, meta)?;
        let mut out: BTreeMap<String, (usize, RenderedFile)> = BTreeMap::new();
        for rule in &self.manifest.files {
            if let Some(when) = &rule.when
                && !self.condition(when, &context)?
            {
                continue;
            }
            let from_pack = rule.layer > 0;
            let path = self.render_str(&rule.path, &context).map_err(|e| {
                self.pack_problem(
                    from_pack,
                    e,
                    &format!("the output path of `files/{}`", rule.template),
                )
            })?;
            check_output_path(&path)?;
            if self
                .drops
                .iter()
                .any(|d| d.layer > rule.layer && d.matcher.is_match(&path))
            {
                continue;
            }
            let text = match self.templates()?.render(&rule.template, &context) {
                Ok(text) => text,
                Err(e) if from_pack => {
                    return Err(self.pack_problem(
                        true,
                        anyhow!(crate::error::chain(&e)),
                        &format!("the template `files/{}`", rule.template),
                    ));
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot render template `files/{}`", rule.template)
                    });
                }
            };
            let file = RenderedFile {
                path: path.clone(),
                contents: normalise_end(&text),
                executable: rule.executable,
                kind: rule.kind,
                template: rule.template.clone(),
            };
            let layer = rule.layer;
            if let Some((earlier, _)) = out.get(&path)
                && *earlier >= layer
            {
                bail!("two manifest entries write `{path}`");
            }
            // A higher layer's file replaces a lower one's at the same path.
            out.insert(path.clone(), (layer, file));
        }
        Ok(out.into_values().map(|(_, file)| file).collect())
    }
}

/// Output paths stay inside the project: relative, no `..`, no empty parts, nothing in a
/// `.git` folder (a hook there would run), and not pyscaffold's own record.
pub fn check_output_path(path: &str) -> Result<()> {
    if !is_safe_relative_path(path) {
        return Err(crate::error::bad_input(
            format!("template output path `{path}` must be relative and stay inside the project"),
            "output paths are relative, with `/` between parts and no `.` or `..` parts",
        ));
    }
    if let Some(reserved) = reserved_path(path) {
        return Err(crate::error::bad_input(
            format!("template output path `{path}` {reserved}"),
            "write the file elsewhere in the project",
        ));
    }
    Ok(())
}

pub use crate::paths::{is_safe_relative_path, reserved_path};

/// Every generated text file ends with exactly one newline.
fn normalise_end(text: &str) -> String {
    let trimmed = text.trim_end_matches(['\n', ' ']);
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_version_uses_every_template_file() {
        for version in builtin::versions().unwrap() {
            let set = builtin::load(&version).unwrap();
            let used: Vec<&str> = set
                .manifest
                .files
                .iter()
                .map(|f| f.template.as_str())
                .collect();
            for name in set.template_names().unwrap() {
                assert!(
                    name.starts_with(PARTIALS) || used.contains(&name),
                    "{version}: files/{name} is not named in manifest.yml"
                );
            }
        }
    }

    #[test]
    fn a_questions_help_names_what_applies_to_the_answers_before_it() {
        let set = TemplateSet::builtin().unwrap();
        let help = |id: &str, context: &[(&str, serde_json::Value)]| {
            let mut tera = tera::Context::new();
            for (key, value) in context {
                tera.insert(key.to_string(), value);
            }
            help_of(set.question(id).unwrap(), &tera).unwrap().unwrap()
        };
        let gitlab = help("image", &[("ci", serde_json::json!(["gitlab"]))]);
        assert_eq!(
            gitlab,
            "without a tag, e.g. ghcr.io/acme/billing-api; empty means the project's own \
             container registry on GitLab"
        );
        let github = help("signing", &[("ci", serde_json::json!(["github"]))]);
        assert_eq!(
            github,
            "GitHub Actions signs with the workflow's own OIDC identity."
        );
        // Before the answers exist (an error's help line), every case is named.
        let any = help("image", &[]);
        for case in ["on GitHub", "on GitLab", "CircleCI"] {
            assert!(any.contains(case), "{any}");
        }
        let django = help("app", &[("framework", serde_json::json!("django"))]);
        assert_eq!(django, "e.g. mysite.wsgi:application");
        // Plain help is kept as written.
        let port = set.question("git_ssh").unwrap();
        assert_eq!(help("git_ssh", &[]), port.help.clone().unwrap());
    }

    fn answers(set: &TemplateSet, given: &[&str]) -> Answers {
        let given: Vec<String> = given.iter().map(ToString::to_string).collect();
        let layer = crate::resolve::set_layer(&given).unwrap();
        let options = crate::resolve::Options {
            use_defaults: true,
            ..crate::resolve::Options::default()
        };
        crate::resolve::resolve(set, &[layer], None, &options)
            .unwrap()
            .answers
    }

    #[test]
    fn a_remembered_render_is_the_render_of_those_answers_and_that_metadata() {
        // A set of its own: the process-wide compiled one shares its memo with other tests.
        let latest = builtin::latest().unwrap();
        let set = (*builtin::parsed(&latest).unwrap())
            .clone()
            .compile()
            .unwrap();
        let flask = answers(&set, &["name=one"]);
        let django = answers(&set, &["name=two", "framework=django"]);
        let now = RenderMeta::current();
        let old = RenderMeta {
            pyscaffold_version: "0.0.1".to_string(),
        };
        // Each twice, interleaved, through clones that share the memo.
        let copy = set.clone();
        for (answers, meta) in [(&flask, &now), (&django, &now), (&flask, &old)] {
            let fresh = set.render_afresh(answers, meta).unwrap();
            assert_eq!(set.render(answers, meta).unwrap(), fresh);
            assert_eq!(copy.render(answers, meta).unwrap(), fresh);
        }
        assert_ne!(
            set.render(&flask, &now).unwrap(),
            set.render(&django, &now).unwrap()
        );
        // Kept apart by answers and by metadata.
        assert_eq!(set.renders.0.lock().unwrap().len(), 3);
        // More answer sets than it keeps: the oldest go, every render stays right.
        for i in 0..KEPT_RENDERS + 2 {
            let answers = answers(&set, &[&format!("name=svc{i}")]);
            assert_eq!(
                set.render(&answers, &now).unwrap(),
                set.render_afresh(&answers, &now).unwrap()
            );
        }
        assert_eq!(set.renders.0.lock().unwrap().len(), KEPT_RENDERS);
    }

    #[test]
    fn a_set_without_drops_does_not_reuse_the_renders_of_the_set_with_them() {
        let set = TemplateSet::builtin().unwrap();
        let answers = answers(&set, &["name=one"]);
        set.render(&answers, &RenderMeta::current()).unwrap();
        let undropped = set.without_drops();
        assert!(undropped.renders.0.lock().unwrap().is_empty());
    }

    #[test]
    fn one_off_strings_compile_together_and_a_bad_one_spoils_none_of_the_others() {
        let good = "{{ batch_probe_a }}-{{ batch_probe_b }}";
        let bad = "{{ batch_probe_oops";
        compile_one_offs([good, bad, "no tags here"]);
        let mut context = tera::Context::new();
        context.insert("batch_probe_a", "x");
        context.insert("batch_probe_b", &2);
        assert_eq!(one_off(good).unwrap().render(&context).unwrap(), "x-2");
        assert!(one_off(bad).is_none());
        // Plain text never reaches Tera.
        assert!(one_off("no tags here").is_none());
        let set = TemplateSet::builtin().unwrap();
        assert_eq!(
            set.render_str("no tags here", &context).unwrap(),
            "no tags here"
        );
        // Strings compiled together share one Tera.
        let together = [
            "{{ batch_probe_c }}",
            "{{ batch_probe_d }}",
            "{% if batch_probe_e %}e{% endif %}",
        ];
        compile_one_offs(together);
        let compiled: Vec<OneOff> = together.iter().map(|t| one_off(t).unwrap()).collect();
        assert!(
            compiled
                .iter()
                .all(|o| Arc::ptr_eq(&o.tera, &compiled[0].tera))
        );
        // A compiled set's own strings were compiled with it: files' paths and conditions
        // (at its first render), questions' conditions and defaults.
        let answers = crate::answers::Answers::default();
        let _ = set.render(&answers, &RenderMeta::current());
        let mut strings = file_one_offs(&set.manifest);
        strings.extend(answer_one_offs(&set.manifest, &set.questions));
        assert!(strings.contains(&set.manifest.files[0].path));
        let tera_strings: Vec<&String> = strings.iter().filter(|t| is_tera(t)).collect();
        assert!(tera_strings.len() > 50, "{}", tera_strings.len());
        let cached = |text: &str| {
            ONE_OFFS
                .lock()
                .unwrap()
                .as_ref()
                .unwrap()
                .contains_key(text)
        };
        assert!(tera_strings.iter().all(|t| cached(t)));
        // What only a prompt or an error shows compiles when it is first shown.
        let shown = shown_one_offs(&set.manifest, &set.questions);
        assert!(shown.iter().filter(|t| is_tera(t)).count() >= 5);
        let question = set
            .questions
            .iter()
            .find(|q| q.help.as_deref().is_some_and(is_tera))
            .unwrap();
        let help = help_of(question, &tera::Context::new()).unwrap().unwrap();
        assert!(!is_tera(&help), "{help}");
        assert!(cached(question.help.as_deref().unwrap()));
    }

    #[test]
    fn one_off_strings_render_as_the_set_renders_them() {
        let set = TemplateSet::builtin().unwrap();
        let mut context = tera::Context::new();
        context.insert("framework", "flask");
        context.insert("port", &8000);
        for (text, want) in [
            ("{{ framework | upper }}:{{ port + 1 }}", "FLASK:8001"),
            ("{% if framework == 'flask' %}yes{% endif %}", "yes"),
        ] {
            assert_eq!(set.render_str(text, &context).unwrap(), want);
            assert_eq!(
                set.templates()
                    .unwrap()
                    .render_str(text, &context, false)
                    .unwrap(),
                want
            );
        }
        assert!(set.condition("framework == 'flask'", &context).unwrap());
        assert!(!set.condition("port > 9000", &context).unwrap());
        // A string that does not parse fails as before, naming it.
        let err = set.render_str("{{ oops", &context).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot render `{{ oops`"),
            "{err:#}"
        );
    }

    #[test]
    fn output_paths_must_stay_inside_the_project() {
        assert!(check_output_path("docker/entrypoint.sh").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a//b",
            "a/./b",
            "a\\b",
            ".git/hooks/post-commit",
            "sub/.GIT/config",
            ".pyscaffold.yml",
        ] {
            assert!(check_output_path(bad).is_err(), "{bad}");
        }
    }
}
