//! Template sets: a manifest, the questions, and the files to render.
//!
//! A template set is a folder: `manifest.yml` (id, version, derived values, constraints across
//! answers, which file is rendered to which path under which condition), `questions.yml`,
//! `dependencies.yml` (pinned packages, available to templates as `dependencies`), and `files/`
//! with the Tera templates; `files/_partials/` holds pieces other templates include. The
//! built-in set is embedded in the binary from `templates/builtin`; the same format is what a
//! preset pack will overlay, file by file.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, anyhow, bail};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::answers::Answers;
use crate::questions::Question;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The id of the template set embedded in the binary.
pub const BUILTIN_ID: &str = "builtin";

/// `manifest.yml` of a template set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    /// Semver of the set; recorded in `.pyscaffold.yml` so `upgrade` knows where a project is.
    pub version: String,
    pub description: String,
    /// Values computed from the answers (Tera), available to every template after the answers.
    #[serde(default)]
    pub derived: Vec<Derived>,
    /// Combinations of answers that are refused, checked once every answer is known.
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// How to create the installer's lock file after generating, when the installer locks.
    #[serde(default)]
    pub locks: Vec<LockRule>,
    pub files: Vec<FileRule>,
}

/// Commands that write an installer's lock file, run in the new project.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRule {
    pub when: String,
    /// The program that must be on PATH.
    pub tool: String,
    pub commands: Vec<Vec<String>>,
}

/// A rule across answers: when `when` holds, the answers are refused with `message` and `help`
/// (both Tera over the answers).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub when: String,
    pub message: String,
    pub help: String,
}

/// Pinned packages per stack (e.g. framework) and group (`direct`, `closure`, `dev_direct`,
/// `dev_closure`), as `name==version` strings.
pub type Dependencies = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Templates under this folder are only included by others, never written on their own.
pub const PARTIALS: &str = "_partials/";

/// A value computed from the answers, e.g. the Python module name from the project name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    pub id: String,
    pub value: String,
}

/// One output file: which template, where to (Tera), when (a Tera condition), and its mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub template: String,
    pub path: String,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub executable: bool,
}

/// A file rendered in memory, ready to be written under the project root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative path with `/` separators.
    pub path: String,
    pub contents: String,
    pub executable: bool,
}

/// A loaded, checked template set.
pub struct TemplateSet {
    pub manifest: Manifest,
    pub questions: Vec<Question>,
    pub dependencies: Dependencies,
    tera: tera::Tera,
}

impl TemplateSet {
    /// The template set embedded in this binary.
    pub fn builtin() -> Result<Self> {
        let dir = TEMPLATES
            .get_dir(BUILTIN_ID)
            .ok_or_else(|| anyhow!("the built-in template set is missing from this build"))?;
        let read = |name: &str| -> Result<String> {
            let file = dir
                .get_file(format!("{BUILTIN_ID}/{name}"))
                .ok_or_else(|| anyhow!("built-in template set has no `{name}`"))?;
            file.contents_utf8()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("built-in `{name}` is not UTF-8"))
        };
        let mut files = BTreeMap::new();
        collect_files(dir, &format!("{BUILTIN_ID}/files/"), &mut files)?;
        Self::from_parts(
            &read("manifest.yml")?,
            &read("questions.yml")?,
            &read("dependencies.yml")?,
            files,
        )
    }

    /// Builds a set from its manifest, questions, dependencies and `files/` (name → text).
    pub fn from_parts(
        manifest: &str,
        questions: &str,
        dependencies: &str,
        files: BTreeMap<String, String>,
    ) -> Result<Self> {
        let manifest: Manifest =
            serde_saphyr::from_str(manifest).context("invalid template manifest.yml")?;
        let questions: Vec<Question> =
            serde_saphyr::from_str(questions).context("invalid template questions.yml")?;
        for q in &questions {
            q.check_definition()
                .map_err(|e| anyhow!("question `{}` in questions.yml: {e}", q.id))?;
        }
        let dependencies: Dependencies =
            serde_saphyr::from_str(dependencies).context("invalid template dependencies.yml")?;
        let mut tera = tera::Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        // All at once: a template may include another one (`files/_partials/`).
        tera.add_raw_templates(
            files
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        )
        .context("the templates in `files/` do not parse")?;
        for rule in &manifest.files {
            if !files.contains_key(&rule.template) {
                bail!(
                    "manifest.yml names `files/{}`, which does not exist",
                    rule.template
                );
            }
        }
        Ok(Self {
            manifest,
            questions,
            dependencies,
            tera,
        })
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Names of the template files, for checks that every file is used.
    pub fn template_names(&self) -> Vec<&str> {
        self.tera.get_template_names().collect()
    }

    /// Evaluates a Tera condition (`framework == 'flask'`) against the answers so far.
    pub fn condition(&self, expr: &str, context: &tera::Context) -> Result<bool> {
        let out = self
            .tera
            .render_str(
                &format!("{{% if {expr} %}}true{{% endif %}}"),
                context,
                false,
            )
            .with_context(|| format!("cannot evaluate condition `{expr}`"))?;
        Ok(out == "true")
    }

    /// Renders a Tera string (a default, a path) against the answers so far.
    pub fn render_str(&self, text: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render_str(text, context, false)
            .with_context(|| format!("cannot render `{text}`"))
    }

    /// The context every template sees: answers, derived values and the set's own identity.
    pub fn context(&self, answers: &Answers) -> Result<tera::Context> {
        let mut context = answers.to_context();
        context.insert("dependencies", &self.dependencies);
        context.insert("template_id", &self.manifest.id);
        context.insert("template_version", &self.manifest.version);
        context.insert("pyscaffold_version", crate::VERSION);
        for derived in &self.manifest.derived {
            let value = self.render_str(&derived.value, &context)?;
            context.insert(derived.id.clone(), &value);
        }
        Ok(context)
    }

    /// Refuses answers that match one of the manifest's constraints.
    pub fn check_constraints(&self, answers: &Answers) -> Result<()> {
        let context = self.context(answers)?;
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
        let context = self.context(answers)?;
        for rule in &self.manifest.locks {
            if self.condition(&rule.when, &context)? {
                return Ok(Some(rule));
            }
        }
        Ok(None)
    }

    /// Renders every file whose condition holds, sorted by output path.
    pub fn render(&self, answers: &Answers) -> Result<Vec<RenderedFile>> {
        let context = self.context(answers)?;
        let mut out: BTreeMap<String, RenderedFile> = BTreeMap::new();
        for rule in &self.manifest.files {
            if let Some(when) = &rule.when
                && !self.condition(when, &context)?
            {
                continue;
            }
            let path = self.render_str(&rule.path, &context)?;
            check_output_path(&path)?;
            let text = self
                .tera
                .render(&rule.template, &context)
                .with_context(|| format!("cannot render template `files/{}`", rule.template))?;
            let file = RenderedFile {
                path: path.clone(),
                contents: normalise_end(&text),
                executable: rule.executable,
            };
            if out.insert(path.clone(), file).is_some() {
                bail!("two manifest entries write `{path}`");
            }
        }
        Ok(out.into_values().collect())
    }
}

fn collect_files(dir: &Dir<'_>, prefix: &str, out: &mut BTreeMap<String, String>) -> Result<()> {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = path.strip_prefix(prefix) {
            let text = file
                .contents_utf8()
                .ok_or_else(|| anyhow!("template `{path}` is not UTF-8"))?;
            out.insert(name.to_string(), text.to_string());
        }
    }
    for sub in dir.dirs() {
        collect_files(sub, prefix, out)?;
    }
    Ok(())
}

/// Output paths stay inside the project: relative, no `..`, no empty parts.
fn check_output_path(path: &str) -> Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        bail!("template output path `{path}` must be relative and stay inside the project");
    }
    Ok(())
}

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
    fn builtin_set_loads_and_uses_every_template_file() {
        let set = TemplateSet::builtin().unwrap();
        let used: Vec<&str> = set
            .manifest
            .files
            .iter()
            .map(|f| f.template.as_str())
            .collect();
        for name in set.template_names() {
            assert!(
                name.starts_with(PARTIALS) || used.contains(&name),
                "files/{name} is not named in manifest.yml"
            );
        }
    }

    #[test]
    fn output_paths_must_stay_inside_the_project() {
        assert!(check_output_path("docker/entrypoint.sh").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a//b", "a/./b"] {
            assert!(check_output_path(bad).is_err(), "{bad}");
        }
    }
}
