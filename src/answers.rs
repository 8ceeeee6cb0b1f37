//! Answers: the resolved map of question id → value, and the origin-tagged layers of given
//! answers the resolve step merges. The bottom of the answer modules: sources (presets,
//! answers files, records, packs, detection) produce these layers, [`crate::resolve`] merges
//! them.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

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

/// Where a layer of answers comes from; later layers override earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    Preset,
    AnswersFile,
    /// A project's `.pyscaffold.yml`, possibly migrated to a newer template version.
    Record,
    /// `--set KEY=VALUE`.
    Set,
    /// A dedicated flag such as `--port`.
    Flag,
    /// An answer a pack locked.
    Lock,
    /// What `init` found in the repository; on a terminal it is the prompt's default, marked.
    Detected,
}

/// One given answer, before it is checked against its question.
#[derive(Debug, Clone)]
pub struct Given {
    pub id: String,
    pub value: GivenValue,
    /// Where it was given, for messages, e.g. `` `--port 80` `` or ``answers file `a.yml` line 3``.
    pub at: String,
    /// A YAML scalar as written in its file (`3.12`), to quote in a message.
    pub written: Option<String>,
}

impl Given {
    /// How to name the answer in a message: `` `port` in answers file `a.yml` line 3 ``, or
    /// the flag as typed (`` `--port 80` ``), which names the question already.
    pub fn label(&self) -> String {
        match self.value {
            GivenValue::Yaml(_) => format!("`{}` in {}", self.id, self.at),
            GivenValue::Text(_) => self.at.clone(),
        }
    }
}

/// A value as given: YAML (answers file, preset, record) or text (a flag, `--set`, a prompt).
#[derive(Debug, Clone)]
pub enum GivenValue {
    Yaml(RawValue),
    Text(String),
}

/// Answers from one source.
#[derive(Debug, Clone)]
pub struct Layer {
    pub kind: LayerKind,
    /// How to name the source, e.g. ``preset `flask-small` ``.
    pub origin: String,
    pub answers: Vec<Given>,
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
