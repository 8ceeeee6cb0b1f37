//! Carrying a project's answers and file paths across template versions, from the declarative
//! migrations in each version's manifest (renamed files and questions, computed answers,
//! removed questions, renamed answer values). Nothing here runs code from a template set:
//! computed answers are Tera expressions over the old answers.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};

use crate::template_set::Migration;
use crate::value::Value;

/// Answers and paths after the migrations between two versions.
#[derive(Debug, Default)]
pub struct Migrated {
    pub answers: BTreeMap<String, Value>,
    /// What each migration did to the answers, for the user.
    pub notes: Vec<String>,
    /// The migrations' file renames, in order.
    renames: Vec<BTreeMap<String, String>>,
}

impl Migrated {
    /// Where a file of the old version lives after the renames.
    pub fn path(&self, old: &str) -> String {
        let mut path = old.to_string();
        for renames in &self.renames {
            if let Some(new) = renames.get(&path) {
                path.clone_from(new);
            }
        }
        path
    }
}

/// Applies `steps` (each version's migration, oldest first, as `(version, migration)`) to
/// `answers`.
pub fn migrate(
    steps: &[(String, &Migration)],
    answers: &BTreeMap<String, Value>,
) -> Result<Migrated> {
    let mut out = Migrated {
        answers: answers.clone(),
        ..Migrated::default()
    };
    for (version, step) in steps {
        for (old, new) in &step.renamed_questions {
            if let Some(value) = out.answers.remove(old) {
                out.notes.push(format!("{version}: `{old}` is now `{new}`"));
                out.answers.insert(new.clone(), value);
            }
        }
        let context = context_of(&out.answers)?;
        for (id, expr) in &step.computed_answers {
            let text = tera::Tera::one_off(expr, &context, false)
                .with_context(|| format!("cannot compute `{id}` for template version {version}"))?;
            if out.answers.get(id).map(Value::to_text).as_deref() != Some(text.as_str()) {
                out.notes.push(format!("{version}: `{id}` is now `{text}`"));
            }
            let value = match out.answers.get(id) {
                Some(Value::Int(_)) => text.parse().map_or(Value::Str(text.clone()), Value::Int),
                Some(Value::Bool(_)) => Value::Bool(text == "true"),
                Some(Value::List(_)) => Value::List(crate::questions::split_list(&text)),
                _ => Value::Str(text),
            };
            out.answers.insert(id.clone(), value);
        }
        for id in &step.removed_questions {
            if let Some(value) = out.answers.remove(id) {
                let was = match value.to_text() {
                    text if text.is_empty() => "it was empty".to_string(),
                    text => format!("your answer was `{text}`"),
                };
                out.notes.push(format!(
                    "{version}: the question `{id}` was removed ({was})"
                ));
            }
        }
        for (id, map) in &step.answer_values {
            let Some(value) = out.answers.get_mut(id) else {
                continue;
            };
            let renamed = match value {
                Value::Str(s) => map.get(s.as_str()).map(|n| Value::Str(n.clone())),
                Value::List(items) => {
                    let mapped: Vec<String> = items
                        .iter()
                        .map(|i| map.get(i).cloned().unwrap_or_else(|| i.clone()))
                        .collect();
                    (mapped != *items).then_some(Value::List(mapped))
                }
                _ => None,
            };
            if let Some(new) = renamed {
                out.notes
                    .push(format!("{version}: `{id}` `{value}` is now `{new}`"));
                *value = new;
            }
        }
        out.renames.push(step.renamed_files.clone());
    }
    Ok(out)
}

fn context_of(answers: &BTreeMap<String, Value>) -> Result<tera::Context> {
    let mut context = tera::Context::new();
    for (id, value) in answers {
        context.insert(id.clone(), value);
    }
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_renamed_computed_removed_and_mapped_in_order() {
        let step: Migration = crate::yaml::from_str(
            "renamed_questions: {old_port: port}\n\
             computed_answers:\n  image: \"{{ base }}{% if digest %}@{{ digest }}{% endif %}\"\n\
             removed_questions: [digest]\n\
             answer_values: {ci: {travis: github}}\n\
             renamed_files: {a.txt: b.txt}\n",
        )
        .unwrap();
        let answers: BTreeMap<String, Value> = [
            ("old_port", Value::Int(8000)),
            ("base", Value::Str("python:3.13".into())),
            ("image", Value::Str(String::new())),
            ("digest", Value::Str("sha256:ab".into())),
            ("ci", Value::List(vec!["travis".into(), "gitlab".into()])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let out = migrate(&[("2.0.0".into(), &step)], &answers).unwrap();
        assert_eq!(out.answers["port"], Value::Int(8000));
        assert_eq!(
            out.answers["image"],
            Value::Str("python:3.13@sha256:ab".into())
        );
        assert!(!out.answers.contains_key("digest"));
        assert_eq!(
            out.answers["ci"],
            Value::List(vec!["github".into(), "gitlab".into()])
        );
        assert_eq!(out.path("a.txt"), "b.txt");
        assert_eq!(out.path("c.txt"), "c.txt");
        assert_eq!(out.notes.len(), 4, "{:?}", out.notes);
    }
}
