//! Answers: the resolved map of question id → value, and answer sources read from YAML.
//!
//! An answers file (`--answers FILE`) is either a plain mapping (`framework: flask`) or a
//! project's `.pyscaffold.yml`, whose `answers:` section is reused, so one project's choices can
//! seed the next. Values keep their line numbers so errors can point at them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::bad_input;
use crate::resolve::{Given, GivenValue, Layer, LayerKind};
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
}

#[derive(Deserialize)]
struct RecordShape {
    answers: BTreeMap<String, Spanned<RawValue>>,
}

/// Parses YAML answers; `origin` names the source in errors.
pub fn parse_answers(text: &str, origin: &str) -> Result<Vec<RawAnswer>> {
    let syntax_help = "an answers file is a YAML mapping of question ids to values, \
                       e.g. `framework: flask`; fix the line shown";
    let top: BTreeMap<String, Spanned<RawValue>> = serde_saphyr::from_str(text).map_err(|e| {
        bad_input(
            format!("{origin} is not a valid answers file: {e}"),
            syntax_help,
        )
    })?;
    let entries = if top.contains_key("answers") && top.contains_key("pyscaffold") {
        serde_saphyr::from_str::<RecordShape>(text)
            .map_err(|e| bad_input(format!("{origin}: {e}"), syntax_help))?
            .answers
    } else {
        top
    };
    Ok(raw_answers(entries))
}

/// Turns a parsed YAML mapping into answers that remember their line.
pub fn raw_answers(entries: BTreeMap<String, Spanned<RawValue>>) -> Vec<RawAnswer> {
    entries
        .into_iter()
        .map(|(id, v)| RawAnswer {
            id,
            line: v.referenced.line(),
            value: v.value,
        })
        .collect()
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
    Ok(yaml_layer(LayerKind::AnswersFile, origin, answers))
}

/// A layer of answers read from YAML, each remembering its line.
pub fn yaml_layer(kind: LayerKind, origin: String, answers: Vec<RawAnswer>) -> Layer {
    Layer {
        kind,
        answers: answers
            .into_iter()
            .map(|raw| Given {
                at: format!("{origin} line {}", raw.line),
                id: raw.id,
                value: GivenValue::Yaml(raw.value),
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
