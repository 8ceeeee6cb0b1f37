//! Answers: the resolved map of question id → value, and answer sources read from YAML.
//!
//! An answers file (`--answers FILE`) is either a plain mapping (`framework: flask`) or a
//! project's `.pyscaffold.yml`, whose `answers:` section is reused, so one project's choices can
//! seed the next. Values keep their line numbers so errors can point at them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde::de;
use serde_saphyr::Spanned;

use crate::error::bad_input;
use crate::record::{RECORD_FILE, check_entries};
use crate::resolve::{Given, GivenValue, Layer, LayerKind};
use crate::template_set::builtin::BUILTIN_ID;
use crate::value::{RawValue, Value};

/// The resolved answers, keyed by question id (sorted, so output is stable).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers(BTreeMap<String, Value>);

impl Answers {
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(id)
    }

    pub fn insert(&mut self, id: impl Into<String>, value: Value) {
        self.0.insert(id.into(), value);
    }

    pub fn map(&self) -> &BTreeMap<String, Value> {
        &self.0
    }

    /// The answers as a Tera context.
    pub fn to_context(&self) -> tera::Context {
        let mut context = tera::Context::new();
        for (id, value) in &self.0 {
            context.insert(id.clone(), value);
        }
        context
    }
}

/// One answer as read from YAML, before it is checked against its question.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub id: String,
    pub value: RawValue,
    pub line: u64,
    /// The value as written in the file, for a scalar (`3.12`, `08080`), so a message can
    /// quote it exactly.
    pub written: Option<String>,
}

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
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    let top: Entries = serde_saphyr::from_str_with_options(text, options.clone()).map_err(|e| {
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
        let answers = serde_saphyr::from_str_with_options::<RecordShape>(text, options)
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

/// Turns parsed YAML entries into answers that remember their line and, for scalars, the
/// text as written in `source`.
pub fn raw_answers(
    entries: impl IntoIterator<Item = (String, Spanned<RawValue>)>,
    source: &str,
) -> Vec<RawAnswer> {
    let mut answers: Vec<RawAnswer> = entries
        .into_iter()
        .map(|(id, v)| {
            let span = v.referenced.span();
            let written = match (&v.value, span.byte_offset(), span.byte_len()) {
                (RawValue::List(_) | RawValue::Map, _, _) => None,
                (_, Some(start), Some(len)) => usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(start + len).ok())
                    .and_then(|(start, end)| source.get(start..end))
                    .map(str::to_string),
                _ => None,
            };
            RawAnswer {
                id,
                line: v.referenced.line(),
                value: v.value,
                written,
            }
        })
        .collect();
    answers.sort_by(|a, b| a.id.cmp(&b.id));
    answers
}

/// Reads `--answers FILE` as an answer layer.
pub fn load_answers_file(path: &Path) -> Result<Layer> {
    let origin = format!("answers file `{}`", path.display());
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
    let answers = parse_answers(&text, &origin)?;
    check_record(&text, &origin)?;
    Ok(yaml_layer(LayerKind::AnswersFile, origin, answers))
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
fn check_record(text: &str, origin: &str) -> Result<()> {
    let is_record = serde_saphyr::from_str::<BTreeMap<String, de::IgnoredAny>>(text)
        .is_ok_and(|top| top.contains_key("pyscaffold") && top.contains_key("answers"));
    if !is_record {
        return Ok(());
    }
    let restore = "restore the file from version control, or pass a plain mapping of \
                   answers (e.g. `framework: flask`)";
    let facts: RecordFacts = serde_saphyr::from_str(text).map_err(|e| {
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
    check_entries(entries, origin, restore)
}

/// A layer of answers read from YAML, each remembering its line (0: not known, as for answers
/// carried through a migration, and not shown).
pub fn yaml_layer(kind: LayerKind, origin: String, answers: Vec<RawAnswer>) -> Layer {
    Layer {
        kind,
        answers: answers
            .into_iter()
            .map(|raw| Given {
                at: if raw.line == 0 {
                    origin.clone()
                } else {
                    format!("{origin} line {}", raw.line)
                },
                id: raw.id,
                value: GivenValue::Yaml(raw.value),
                written: raw.written,
            })
            .collect(),
        origin,
    }
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
