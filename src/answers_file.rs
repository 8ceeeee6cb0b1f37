//! Answers files: `--answers FILE`, a YAML mapping of question ids to values, or a project's
//! `.pyscaffold.yml`, whose `answers:` section is reused, so one project's choices can seed the
//! next. Values keep their line numbers so errors can point at them; a record given this way is
//! checked as `upgrade` checks one, so a hand-edited record is not silently reused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde::de;
use serde_saphyr::Spanned;

use crate::answers::{Layer, LayerKind, RawAnswer, raw_answers, yaml_layer};
use crate::error::bad_input;
use crate::record::{RECORD_FILE, check_entries};
use crate::resolve::followed_defaults;
use crate::template_set::TemplateSet;
use crate::template_set::builtin::BUILTIN_ID;
use crate::value::RawValue;

/// A YAML mapping's entries in file order, repeated keys kept so they can be reported.
struct Entries(Vec<(String, Spanned<RawValue>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> serde::de::Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of question ids to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[derive(Deserialize)]
struct RecordShape {
    answers: Entries,
}

/// Parses YAML answers; `origin` names the source in errors.
pub fn parse_answers(text: &str, origin: &str) -> Result<Vec<RawAnswer>> {
    let syntax_help = "an answers file is a YAML mapping of question ids to values, \
                       e.g. `framework: flask`; fix the line shown";
    // Repeated keys reach us, so they are reported in pyscaffold's words, with both lines.
    let mut options = crate::yaml::options();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    let top: Entries = crate::yaml::from_str_with(text, options.clone()).map_err(|e| {
        bad_input(
            format!(
                "{origin} is not a valid answers file: {}",
                crate::error::yaml_problem(
                    &e,
                    origin.trim_start_matches("answers file ").trim_matches('`')
                )
            ),
            syntax_help,
        )
    })?;
    check_unique(&top.0, origin)?;
    let has = |key: &str| top.0.iter().any(|(k, _)| k == key);
    let entries = if has("answers") && has("pyscaffold") {
        let answers = crate::yaml::from_str_with::<RecordShape>(text, options)
            .map_err(|e| {
                let problem = crate::error::yaml_problem(
                    &e,
                    origin.trim_start_matches("answers file ").trim_matches('`'),
                );
                bad_input(format!("{origin}: {problem}"), syntax_help)
            })?
            .answers
            .0;
        check_unique(&answers, origin)?;
        answers
    } else {
        top.0
    };
    Ok(raw_answers(entries, text))
}

/// Refuses a key given twice: YAML would keep only one of them without a word.
fn check_unique(entries: &[(String, Spanned<RawValue>)], origin: &str) -> Result<()> {
    for (i, (key, value)) in entries.iter().enumerate() {
        if let Some((_, first)) = entries[..i].iter().find(|(k, _)| k == key) {
            return Err(bad_input(
                format!(
                    "{origin} gives `{key}` twice, on lines {} and {}",
                    first.referenced.line(),
                    value.referenced.line()
                ),
                format!("keep one `{key}:` line with the answer you mean and delete the other"),
            ));
        }
    }
    Ok(())
}

/// `--answers FILE` read for a template set.
pub struct AnswersFile {
    /// Its answers, as a layer.
    pub layer: Layer,
    /// For a project's record: the answers left out of the layer because they only followed
    /// others ([`followed_defaults`]: the base image from the Python version), computed again
    /// from the answers given now, as `upgrade` does.
    pub recompute: BTreeSet<String>,
}

/// Reads `--answers FILE` as an answer layer for `set`.
pub fn load_answers_file(set: &TemplateSet, path: &Path) -> Result<AnswersFile> {
    let origin = format!("answers file `{}`", crate::error::quoted_path(path));
    let record = path.join(RECORD_FILE);
    if path.is_dir() && record.is_file() {
        return Err(bad_input(
            format!("{origin} is a project's folder, not a file"),
            format!(
                "pass its record, `--answers {}`, to reuse that project's answers",
                crate::error::quoted_path(&record)
            ),
        ));
    }
    if !path.is_file() {
        return Err(bad_input(
            format!("{origin} does not exist or is not a file"),
            "pass the path of a YAML file of answers, or a project's `.pyscaffold.yml`",
        ));
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        bad_input(
            format!("{origin} is not UTF-8 text"),
            "an answers file is a YAML mapping of question ids to values, e.g. `framework: flask`",
        )
    })?;
    let mut answers = parse_answers(&text, &origin)?;
    let recompute = if check_record(&text, &origin)? {
        let record = crate::record::Record::from_yaml(&text)
            .with_context(|| format!("cannot read {origin} as a project's record"))?;
        followed_defaults(set, &record.answers)
    } else {
        BTreeSet::new()
    };
    answers.retain(|a| !recompute.contains(&a.id));
    Ok(AnswersFile {
        layer: yaml_layer(LayerKind::AnswersFile, origin, answers),
        recompute,
    })
}

/// What an answers file that is a project's record must get right beyond its answers.
#[derive(Deserialize)]
struct RecordFacts {
    #[serde(default)]
    template: Option<RecordTemplate>,
    #[serde(default)]
    files: Vec<RecordEntry>,
}

#[derive(Deserialize)]
struct RecordTemplate {
    id: String,
}

#[derive(Deserialize)]
struct RecordEntry {
    path: String,
    #[serde(default)]
    sha256: String,
}

/// Refuses a `.pyscaffold.yml` given as answers file that names another template set or was
/// edited by hand (file entries outside the project, broken hashes): its answers were not
/// written by this pyscaffold for these templates, so they are not silently reused.
fn check_record(text: &str, origin: &str) -> Result<bool> {
    let is_record = crate::yaml::from_str::<BTreeMap<String, de::IgnoredAny>>(text)
        .is_ok_and(|top| top.contains_key("pyscaffold") && top.contains_key("answers"));
    if !is_record {
        return Ok(false);
    }
    let restore = "restore the file from version control, or pass a plain mapping of \
                   answers (e.g. `framework: flask`)";
    let facts: RecordFacts = crate::yaml::from_str(text).map_err(|e| {
        bad_input(
            format!("{origin} is a `{RECORD_FILE}` whose `template` or `files` is malformed: {e}"),
            restore,
        )
    })?;
    if let Some(template) = facts.template
        && template.id != BUILTIN_ID
    {
        return Err(bad_input(
            format!(
                "{origin} records the template set `{}`, which this pyscaffold does not have",
                template.id
            ),
            format!("only records of the built-in set `{BUILTIN_ID}` can be reused; {restore}"),
        ));
    }
    let entries = facts
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()));
    check_entries(entries, origin, restore)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_record_shapes_give_the_same_answers() {
        let plain = parse_answers("port: 8080\nci: [github]\n", "t").unwrap();
        let record = parse_answers(
            "pyscaffold: 0.1.0\nanswers:\n  port: 8080\n  ci: [github]\n",
            "t",
        )
        .unwrap();
        let ids = |a: &[RawAnswer]| a.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&plain), ids(&record));
        assert_eq!(record[1].value, RawValue::Int(8080));
        assert_eq!(record[1].line, 3);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse_answers("port: [1\nname: x\n", "answers file `a.yml`").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
