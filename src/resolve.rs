//! The one resolve step: template defaults, a preset, an answers file, `--set` and dedicated
//! flags merged (lowest to highest precedence) into checked [`Answers`], asking on a terminal for
//! whatever is still open.
//!
//! Every given value is checked before any question is asked, so bad input fails at once.
//! Commands never read flags or files themselves; they call [`resolve`].

use std::collections::BTreeMap;

use anyhow::Result;

use crate::answers::{AnswerSource, Answers};
use crate::error::bad_input;
use crate::questions::Question;
use crate::template_set::TemplateSet;
use crate::value::Value;

/// An answer given by a dedicated flag, e.g. `--port 8080`.
#[derive(Debug, Clone)]
pub struct FlagAnswer {
    /// The question it answers.
    pub id: String,
    /// How to name it in a message, e.g. `` `--port 80` ``.
    pub label: String,
    pub text: String,
}

/// Everything the user gave, before merging.
#[derive(Debug, Default)]
pub struct Inputs {
    pub preset: Option<AnswerSource>,
    pub answers_file: Option<AnswerSource>,
    /// `--set KEY=VALUE`, in the order given.
    pub sets: Vec<String>,
    pub flags: Vec<FlagAnswer>,
    /// `-y`: take defaults instead of asking.
    pub use_defaults: bool,
}

/// Asks one question on a terminal.
pub trait Prompter {
    fn ask(&mut self, question: &Question, default: Option<&Value>) -> Result<Value>;
}

/// The answers, plus notes for stderr (e.g. a given answer that did not apply).
#[derive(Debug)]
pub struct Resolved {
    pub answers: Answers,
    pub notes: Vec<String>,
}

/// How to answer a question unattended, for the "missing answer" help.
pub type FlagHint = fn(&str) -> Option<&'static str>;

/// Merges the inputs and asks for the rest (when `prompter` is given).
pub fn resolve(
    set: &TemplateSet,
    inputs: &Inputs,
    mut prompter: Option<&mut dyn Prompter>,
    flag_hint: FlagHint,
) -> Result<Resolved> {
    let given = merge_given(set, inputs)?;
    let mut answers = Answers::default();
    let mut notes = Vec::new();
    let mut missing = Vec::new();
    for question in &set.questions {
        let context = answers.to_context();
        if let Some(when) = &question.when
            && !set.condition(when, &context)?
        {
            if given.contains_key(&question.id) {
                notes.push(format!(
                    "ignoring the answer to `{}`: it does not apply when {when}",
                    question.id
                ));
            }
            continue;
        }
        let default = default_of(set, question, &context)?;
        let value = match (given.get(&question.id), prompter.as_deref_mut()) {
            (Some(value), _) => value.clone(),
            (None, Some(p)) if !inputs.use_defaults => p.ask(question, default.as_ref())?,
            (None, _) => match default {
                Some(value) => value,
                None => {
                    missing.push(question);
                    continue;
                }
            },
        };
        answers.insert(question.id.clone(), value);
    }
    if !missing.is_empty() {
        return Err(missing_error(&missing, flag_hint));
    }
    set.check_constraints(&answers)?;
    Ok(Resolved { answers, notes })
}

/// Checks and layers preset < answers file < `--set` < flags.
fn merge_given(set: &TemplateSet, inputs: &Inputs) -> Result<BTreeMap<String, Value>> {
    let mut given = BTreeMap::new();
    for source in [&inputs.preset, &inputs.answers_file].into_iter().flatten() {
        for raw in &source.answers {
            let where_ = format!("{} line {}", source.origin, raw.line);
            let question = known(set, &raw.id, &where_)?;
            let value = question.from_raw(&raw.value).map_err(|e| {
                bad_input(
                    format!("`{}` in {where_}: {e}", raw.id),
                    value_help(question),
                )
            })?;
            given.insert(raw.id.clone(), value);
        }
    }
    for item in &inputs.sets {
        let Some((key, text)) = item.split_once('=') else {
            return Err(bad_input(
                format!("`--set {item}` has no `=`"),
                "write it as `--set KEY=VALUE`, e.g. `--set port=8080`",
            ));
        };
        let key = key.trim();
        let question = known(set, key, &format!("`--set {item}`"))?;
        let value = question
            .parse_text(text)
            .map_err(|e| bad_input(format!("`--set {item}`: {e}"), value_help(question)))?;
        given.insert(key.to_string(), value);
    }
    for flag in &inputs.flags {
        let question = known(set, &flag.id, &flag.label)?;
        let value = question
            .parse_text(&flag.text)
            .map_err(|e| bad_input(format!("{}: {e}", flag.label), value_help(question)))?;
        given.insert(flag.id.clone(), value);
    }
    Ok(given)
}

fn known<'a>(set: &'a TemplateSet, id: &str, where_: &str) -> Result<&'a Question> {
    set.question(id).ok_or_else(|| {
        let ids: Vec<&str> = set.questions.iter().map(|q| q.id.as_str()).collect();
        bad_input(
            format!("unknown question `{id}` in {where_}"),
            format!("the questions are: {}", ids.join(", ")),
        )
    })
}

/// What a valid answer looks like, for a `help:` line.
fn value_help(question: &Question) -> String {
    let mut help = format!("`{}` is \"{}\"", question.id, question.prompt);
    if !question.choices.is_empty() {
        help.push_str(&format!(
            "; choices: {}",
            question.choice_values().join(", ")
        ));
    }
    if let Some(text) = &question.help {
        help.push_str(&format!("; {text}"));
    }
    help
}

/// The question's default, rendered against earlier answers; `None` when it has none or when
/// the rendered default is not itself a valid answer.
fn default_of(
    set: &TemplateSet,
    question: &Question,
    context: &tera::Context,
) -> Result<Option<Value>> {
    Ok(match &question.default {
        None => None,
        Some(Value::Str(text)) if text.contains("{{") || text.contains("{%") => {
            let rendered = set.render_str(text, context)?;
            question.parse_text(&rendered).ok()
        }
        Some(value) => question.check(value).ok().map(|()| value.clone()),
    })
}

fn missing_error(missing: &[&Question], flag_hint: FlagHint) -> anyhow::Error {
    let ids: Vec<String> = missing.iter().map(|q| format!("`{}`", q.id)).collect();
    let ways: Vec<String> = missing
        .iter()
        .map(|q| match flag_hint(&q.id) {
            Some(flag) => format!("{flag} or `--set {}=VALUE`", q.id),
            None => format!("`--set {}=VALUE`", q.id),
        })
        .collect();
    bad_input(
        format!("no answer for {} and no terminal to ask on", ids.join(", ")),
        format!(
            "answer with {} (or put them in an answers file for `--answers`)",
            ways.join("; ")
        ),
    )
}
