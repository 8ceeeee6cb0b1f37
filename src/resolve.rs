//! The one resolve step: ordered answer layers (a preset, an answers file, a project's record,
//! `--set`, dedicated flags; later pack locks and detection), each with its origin, merged over
//! the template defaults into checked [`Answers`], asking on a terminal for whatever is open.
//!
//! Every given value is checked before any question is asked, so bad input fails at once.
//! Commands never read flags or files themselves; they build layers and call [`resolve`].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::answers::Answers;
pub use crate::answers::{Given, GivenValue, Layer, LayerKind};
use crate::error::{bad_input, quoted};
use crate::questions::{Kind, Question, is_none_item};
use crate::template_set::{TemplateSet, help_of};
use crate::value::{RawValue, Value};

/// How the resolve step behaves beyond the layers.
#[derive(Debug, Default)]
pub struct Options {
    /// `-y`: take defaults instead of asking.
    pub use_defaults: bool,
    /// Whether a question id another built-in template version has is, given for this one, a
    /// note rather than an error (an answers file from an older project, a preset written for
    /// a newer version). The other versions are read only when such an id is given.
    pub other_versions: bool,
    /// Question id → its dedicated flag (e.g. `` `--port PORT` ``), for the "missing answer" help.
    pub hints: BTreeMap<String, String>,
    /// Questions whose default is taken, never asked, when no layer answers them (`upgrade`:
    /// answers that followed a computed default are computed again).
    pub recompute: BTreeSet<String>,
    /// Questions whose template default must not stand in for a missing answer (`init`: what
    /// detection could not settle), with why, for the error.
    pub no_default: BTreeMap<String, String>,
    /// On a terminal, ask the essential questions first, offer the others in the manifest's
    /// customise step and show detected answers as one table (`new`, `init`); otherwise each
    /// open question is asked in turn (`upgrade`, which asks only what a new version added).
    pub steps: bool,
}

/// Asks one question on a terminal.
pub trait Prompter {
    fn ask(&mut self, question: &Question, default: Option<&Value>) -> Result<Value>;

    /// Shows lines (a table of answers) before a question; off a terminal there is none.
    fn show(&mut self, _lines: &[String]) {}
}

/// The answers, where each came from, and notes for stderr.
#[derive(Debug)]
pub struct Resolved {
    pub answers: Answers,
    /// Question id → origin (`default`, `asked`, or a layer's origin).
    pub origins: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

/// Merges the layers (in order) over the defaults and asks for the rest (when `prompter` is
/// given and `-y` was not).
pub fn resolve(
    set: &TemplateSet,
    layers: &[Layer],
    mut prompter: Option<&mut dyn Prompter>,
    options: &Options,
) -> Result<Resolved> {
    let mut notes = Vec::new();
    let mut given = merge_given(set, layers, options, &mut notes)?;
    apply_locks(set, &mut given, &mut notes)?;
    let mut answers = Answers::default();
    let mut origins = BTreeMap::new();
    let mut missing = Vec::new();
    // With a customise step (the manifest's), the essential questions are asked and the rest
    // offered in one step; detected answers are shown as one table, confirmed one by one only
    // on request. Decided when first needed.
    let steps = set
        .manifest
        .customise
        .as_deref()
        .filter(|_| options.steps && set.questions.iter().any(|q| q.essential));
    let mut customise: Option<bool> = None;
    let mut review: Option<bool> = None;
    // The answers so far as Tera sees them, grown with each answer (not rebuilt per question).
    let mut context = answers.to_context();
    for (index, question) in set.questions.iter().enumerate() {
        if let Some(when) = &question.when
            && !set.condition(when, &context)?
        {
            if let Some((_, kind, _)) = given.get(&question.id)
                && !matches!(
                    kind,
                    LayerKind::Record | LayerKind::Lock | LayerKind::Detected
                )
            {
                let applies = match &question.applies {
                    Some(words) => words.clone(),
                    None => format!("only when {when}"),
                };
                notes.push(format!(
                    "ignoring the answer to `{}`: it applies {applies}",
                    question.id
                ));
            }
            continue;
        }
        // With an earlier answer missing, a default built from it cannot render: it is then no
        // default, and the error names only the missing answer, not this one too.
        let (default, follows_missing) = match default_of(set, question, &context) {
            Err(_) if !missing.is_empty() => (None, true),
            other => (other?, false),
        };
        if steps.is_some()
            && review.is_none()
            && !options.use_defaults
            && matches!(given.get(&question.id), Some((_, LayerKind::Detected, _)))
            && let Some(p) = prompter.as_deref_mut()
        {
            review = Some(review_detected(set, &given, p)?);
        }
        let (value, origin) = match (given.get(&question.id), prompter.as_deref_mut()) {
            (Some((value, LayerKind::Detected, at)), Some(_))
                if !options.use_defaults && review == Some(false) =>
            {
                (value.clone(), at.clone())
            }
            (Some((value, LayerKind::Detected, at)), Some(p)) if !options.use_defaults => {
                // Detection proposes; the user confirms or changes it.
                let mut marked = as_asked(question, &context)?.into_owned();
                marked.prompt = format!("{} [{at}]", question.prompt);
                (p.ask(&marked, Some(value))?, "asked".to_string())
            }
            (Some((value, _, at)), _) => (value.clone(), at.clone()),
            (None, Some(p))
                if question.ask
                    && !options.use_defaults
                    && !options.recompute.contains(&question.id) =>
            {
                let offered = !question.essential && !options.no_default.contains_key(&question.id);
                match steps {
                    Some(prompt) if offered => {
                        if customise.is_none() {
                            let rest = pending_defaults(set, &given, options, &answers, index)?;
                            p.show(&rest);
                            let asked = p.ask(
                                &Question::confirm("customise", prompt),
                                Some(&Value::Bool(false)),
                            )?;
                            customise = Some(asked == Value::Bool(true));
                        }
                        match (customise, default) {
                            (Some(true), default) => (
                                p.ask(&*as_asked(question, &context)?, default.as_ref())?,
                                "asked".to_string(),
                            ),
                            (_, Some(value)) => (value, "default".to_string()),
                            (_, None) => {
                                if !follows_missing {
                                    missing.push(question);
                                }
                                continue;
                            }
                        }
                    }
                    _ => (
                        p.ask(&*as_asked(question, &context)?, default.as_ref())?,
                        "asked".to_string(),
                    ),
                }
            }
            (None, _) if options.no_default.contains_key(&question.id) => {
                missing.push(question);
                continue;
            }
            (None, _) => match default {
                Some(value) => (value, "default".to_string()),
                None => {
                    if !follows_missing {
                        missing.push(question);
                    }
                    continue;
                }
            },
        };
        context.insert(question.id.clone(), &value);
        answers.insert(question.id.clone(), value);
        origins.insert(question.id.clone(), origin);
    }
    if !missing.is_empty() {
        return Err(missing_error(&missing, options));
    }
    set.check_constraints(&answers)?;
    Ok(Resolved {
        answers,
        origins,
        notes,
    })
}

/// The answers a declined customise step leaves at their defaults, from the question at
/// `from` on, as the lines that show them (`  Prompt: value`): each question's condition and
/// default follow the answers before it, given or default, as the run will take them.
fn pending_defaults(
    set: &TemplateSet,
    given: &BTreeMap<String, (Value, LayerKind, String)>,
    options: &Options,
    answers: &Answers,
    from: usize,
) -> Result<Vec<String>> {
    let mut answers = answers.clone();
    let mut context = answers.to_context();
    let mut lines = Vec::new();
    for question in &set.questions[from..] {
        if let Some(when) = &question.when
            && !set.condition(when, &context)?
        {
            continue;
        }
        let value = match given.get(&question.id) {
            Some((value, _, _)) => Some(value.clone()),
            None => {
                let value = default_of(set, question, &context)?;
                if question.ask
                    && !question.essential
                    && !options.recompute.contains(&question.id)
                    && let Some(value) = &value
                {
                    lines.push(format!("  {}: {}", question.prompt, shown(value)));
                }
                value
            }
        };
        if let Some(value) = value {
            context.insert(question.id.clone(), &value);
            answers.insert(question.id.clone(), value);
        }
    }
    if !lines.is_empty() {
        lines.insert(0, "Defaults for the other questions:".to_string());
    }
    Ok(lines)
}

/// An answer in a table: as typed on the command line, yes/no for a bool, `(empty)` for an
/// empty text (a list's `none` already says it).
fn shown(value: &Value) -> String {
    match value {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Str(text) if text.is_empty() => "(empty)".to_string(),
        other => other.to_text(),
    }
}

/// Shows the detected answers as one table and asks whether to go through them one by one.
fn review_detected(
    set: &TemplateSet,
    given: &BTreeMap<String, (Value, LayerKind, String)>,
    p: &mut dyn Prompter,
) -> Result<bool> {
    let mut lines = vec!["Detected:".to_string()];
    for question in &set.questions {
        if let Some((value, LayerKind::Detected, at)) = given.get(&question.id) {
            lines.push(format!("  {}: {}  [{at}]", question.prompt, shown(value)));
        }
    }
    p.show(&lines);
    let asked = p.ask(
        &Question::confirm("review", "Change any of the detected answers?"),
        Some(&Value::Bool(false)),
    )?;
    Ok(asked == Value::Bool(true))
}

/// Checks every given answer and layers them: id → (value, layer kind, where given).
fn merge_given(
    set: &TemplateSet,
    layers: &[Layer],
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, (Value, LayerKind, String)>> {
    let mut given = BTreeMap::new();
    for (index, layer) in layers.iter().enumerate() {
        // A recorded or detected answer that a later layer replaces is not judged: `upgrade
        // --set` must be able to fix a value the target version refuses, and a flag one that
        // detection got wrong.
        let replaced: BTreeSet<&str> = layers[index + 1..]
            .iter()
            .flat_map(|l| l.answers.iter().map(|a| a.id.as_str()))
            .collect();
        for answer in &layer.answers {
            if matches!(layer.kind, LayerKind::Record | LayerKind::Detected)
                && replaced.contains(answer.id.as_str())
            {
                continue;
            }
            let Some(question) = set.question(&answer.id) else {
                let elsewhere = options.other_versions
                    && crate::template_set::builtin::other_versions_ids(set)?.contains(&answer.id);
                // Typed on the command line, it was meant for this version: refused, not
                // dropped. A file written for another version gives way with a note.
                if elsewhere && matches!(layer.kind, LayerKind::Set | LayerKind::Flag) {
                    return Err(bad_input(
                        format!(
                            "{}: `{}` is a question of other template versions, not of \
                             templates {}",
                            answer.label(),
                            answer.id,
                            set.label()
                        ),
                        "leave it out, or generate with a template version that asks it \
                         (`--template-version`, `pyscaffold versions`)",
                    ));
                }
                if layer.kind == LayerKind::Record || elsewhere {
                    notes.push(format!(
                        "{} is not a question of templates {}: ignored",
                        answer.label(),
                        set.label()
                    ));
                    continue;
                }
                return Err(unknown_question(set, &answer.id, &answer.at));
            };
            if layer.kind != LayerKind::Record {
                refuse_none_item(question, answer)?;
            }
            let checked = match &answer.value {
                GivenValue::Yaml(raw) => question.from_raw(raw),
                GivenValue::Text(text) => question.parse_text(text),
            };
            let value = checked.map_err(|e| {
                let mut help =
                    yaml_type_help(question, answer).unwrap_or_else(|| value_help(question));
                if layer.kind == LayerKind::Record {
                    help = format!(
                        "give a valid answer with `--set {}=VALUE` ({help})",
                        question.id
                    );
                }
                bad_input(format!("{}: {e}", answer.label()), help)
            })?;
            // Two answers typed on one command line: the later (a flag over `--set`) wins, said.
            if let Some((before, before_kind, before_at)) = given.get(&answer.id)
                && matches!(before_kind, LayerKind::Set | LayerKind::Flag)
                && matches!(layer.kind, LayerKind::Set | LayerKind::Flag)
                && *before != value
            {
                notes.push(format!("{} replaces {before_at}", answer.at));
            }
            given.insert(answer.id.clone(), (value, layer.kind, answer.at.clone()));
        }
    }
    Ok(given)
}

/// Puts every pack lock in place of what was given: a flag, `--set` or answers file that says
/// otherwise is refused; a preset or a project's record that says otherwise gives way, with a
/// note (a new pack release may lock an answer differently).
fn apply_locks(
    set: &TemplateSet,
    given: &mut BTreeMap<String, (Value, LayerKind, String)>,
    notes: &mut Vec<String>,
) -> Result<()> {
    for lock in &set.locked {
        let id = &lock.id;
        if let Some((value, kind, at)) = given.get(id)
            && *value != lock.value
        {
            match kind {
                LayerKind::Record | LayerKind::Preset => notes.push(format!(
                    "{} locks `{id}` to `{}`: it replaces `{value}` from {at}",
                    lock.by, lock.value
                )),
                _ => {
                    return Err(bad_input(
                        format!(
                            "{at} contradicts {}, which locks `{id}` to `{}`",
                            lock.by, lock.value
                        ),
                        format!(
                            "the pack fixes `{id}` for every project: leave it out (it is set \
                             for you), or ask the pack's owners to change the lock; nothing was \
                             written"
                        ),
                    ));
                }
            }
        }
        given.insert(
            id.clone(),
            (
                lock.value.clone(),
                LayerKind::Lock,
                format!("locked by {}", lock.by),
            ),
        );
    }
    Ok(())
}

/// What to write instead of a YAML scalar that YAML read as the wrong type: an unquoted
/// `python_version: 3.12` is a number, a quoted `port: "8080"` or `port: 08080` is not an integer.
fn yaml_type_help(question: &Question, answer: &Given) -> Option<String> {
    let (GivenValue::Yaml(raw), Some(written)) = (&answer.value, &answer.written) else {
        return None;
    };
    let id = &question.id;
    match (question.kind, raw) {
        (
            Kind::String | Kind::Choice,
            RawValue::Int(_) | RawValue::Float(_) | RawValue::Bool(_),
        ) => Some(format!(
            "YAML reads an unquoted `{written}` as {}, not text: quote it, `{id}: \"{written}\"`",
            raw.kind()
        )),
        (Kind::Integer, RawValue::Str(_) | RawValue::Float(_)) => {
            let digits = written.trim_matches(|c| c == '"' || c == '\'');
            let plain = digits.trim_start_matches('0');
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| {
                let plain = if plain.is_empty() { "0" } else { plain };
                format!("write the number alone, without quotes or leading zeros: `{id}: {plain}`")
            })
        }
        _ => None,
    }
}

/// Refuses `none` as an item of a YAML list given now: it would be kept as an item (a package
/// called `none`). Records written earlier are not re-judged, so old projects still load.
fn refuse_none_item(question: &Question, answer: &Given) -> Result<()> {
    let GivenValue::Yaml(RawValue::List(items)) = &answer.value else {
        return Ok(());
    };
    let is_list = matches!(question.kind, Kind::List | Kind::MultiChoice);
    if is_list
        && items
            .iter()
            .any(|i| matches!(i, RawValue::Str(s) if is_none_item(s)))
    {
        return Err(bad_input(
            format!(
                "{}: `none` is not an item: in YAML the empty list is `[]`",
                answer.label()
            ),
            format!(
                "write `{}: []` for no items, or list only the items",
                question.id
            ),
        ));
    }
    Ok(())
}

fn unknown_question(set: &TemplateSet, id: &str, at: &str) -> anyhow::Error {
    let ids: Vec<&str> = set.questions.iter().map(|q| q.id.as_str()).collect();
    bad_input(
        format!("unknown question `{}` in {at}", quoted(id)),
        format!("the questions are: {}", ids.join(", ")),
    )
}

/// The ids of `answers` that are their question's computed default under the others (the base
/// image `python:{{ python_version }}-slim-{{ debian_release }}`): answers that only followed
/// others. `upgrade` and a record reused as answers file compute them again, so that a changed
/// Python version does not leave the base image behind.
pub fn followed_defaults(set: &TemplateSet, answers: &BTreeMap<String, Value>) -> BTreeSet<String> {
    let mut given = Answers::default();
    for (id, value) in answers {
        given.insert(id.clone(), value.clone());
    }
    let context = given.to_context();
    let mut out = BTreeSet::new();
    for question in &set.questions {
        let Some(default @ Value::Str(text)) = &question.default else {
            continue;
        };
        if !crate::template_set::is_tera_value(default) {
            continue;
        }
        let (Ok(rendered), Some(recorded)) =
            (set.render_str(text, &context), answers.get(&question.id))
        else {
            continue;
        };
        if question.parse_text(&rendered).ok().as_ref() == Some(recorded) {
            out.insert(question.id.clone());
        }
    }
    out
}

/// Parses `--set KEY=VALUE` items into a layer.
pub fn set_layer(items: &[String]) -> Result<Layer> {
    let mut answers = Vec::new();
    for item in items {
        let Some((key, text)) = item.split_once('=') else {
            return Err(bad_input(
                format!("`--set {}` has no `=`", quoted(item)),
                "write it as `--set KEY=VALUE`, e.g. `--set port=8080`",
            ));
        };
        if key.trim().is_empty() {
            return Err(bad_input(
                format!("`--set {}` names no question before its `=`", quoted(item)),
                "write it as `--set KEY=VALUE`, e.g. `--set port=8080`",
            ));
        }
        answers.push(Given {
            id: key.trim().to_string(),
            value: GivenValue::Text(text.to_string()),
            at: format!("`--set {}`", quoted(item)),
            written: None,
        });
    }
    Ok(Layer {
        kind: LayerKind::Set,
        origin: "--set".to_string(),
        answers,
    })
}

/// What a valid answer looks like, for a `help:` line.
pub fn value_help(question: &Question) -> String {
    let mut help = format!("`{}` is \"{}\"", question.id, question.prompt);
    if !question.choices.is_empty() {
        help.push_str(&format!(
            "; choices: {}",
            question.choice_values().join(", ")
        ));
    }
    if let Ok(Some(text)) = help_of(question, &tera::Context::new()) {
        help.push_str(&format!("; {text}"));
    }
    // The template's own default, when it is a value of its own, as an answer that is taken
    // (not named as the default: detection, a preset or a record may give another); not for
    // choices and booleans, whose values the error lists, nor where the help has an example.
    if let Some(default) = question.default.as_ref().filter(|d| {
        question.choices.is_empty()
            && question.kind != crate::questions::Kind::Bool
            && !help.contains("e.g.")
            && !crate::template_set::is_tera_value(d)
            && !d.to_text().is_empty()
    }) {
        help.push_str(&format!("; e.g. `{}`", default.to_text()));
    }
    help
}

/// The question as it is asked: its help for the answers so far.
fn as_asked<'q>(question: &'q Question, context: &tera::Context) -> Result<Cow<'q, Question>> {
    let help = help_of(question, context)?;
    if help == question.help {
        return Ok(Cow::Borrowed(question));
    }
    let mut asked = question.clone();
    asked.help = help;
    Ok(Cow::Owned(asked))
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
        // Checked when the set was read: a pack's defaults when the pack is, the built-in
        // versions' by a test (`ParsedSet::check_embedded`).
        Some(value) if !crate::template_set::is_tera_value(value) => Some(value.clone()),
        Some(value) => {
            let rendered = set.render_str(&value.to_text(), context)?;
            question.parse_text(&rendered).ok()
        }
    })
}

fn missing_error(missing: &[&Question], options: &Options) -> anyhow::Error {
    let (hints, why) = (&options.hints, &options.no_default);
    let ids: Vec<String> = missing
        .iter()
        .map(|q| match why.get(&q.id) {
            Some(why) => format!("`{}` ({why})", q.id),
            None => format!("`{}`", q.id),
        })
        .collect();
    let ways: Vec<String> = missing
        .iter()
        .map(|q| match hints.get(&q.id) {
            Some(flag) => format!("{flag} or `--set {}=VALUE`", q.id),
            None => format!("`--set {}=VALUE`", q.id),
        })
        .collect();
    bad_input(
        format!(
            "no answer for {} and {}",
            ids.join(", "),
            // `-y` on a terminal asks nothing either.
            match (options.use_defaults, missing.len()) {
                (true, 1) => "`-y` asks nothing (it takes the defaults, and this has none)",
                (true, _) => "`-y` asks nothing (it takes the defaults, and these have none)",
                (false, _) => "no terminal to ask on",
            }
        ),
        format!(
            "answer with {} (or put {} in an answers file for `--answers`)",
            ways.join("; "),
            if missing.len() == 1 { "it" } else { "them" }
        ),
    )
}
