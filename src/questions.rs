//! The questions a template set asks: their types, choices, defaults and validation.
//!
//! Questions are data (`templates/<set>/questions.yml`), so a template set, and later a preset
//! pack, declares what it needs without Rust changes. This module turns text and YAML input into
//! typed [`Value`]s and checks them, so no unchecked user value reaches a template (P27).

use regex::Regex;
use serde::Deserialize;

use crate::value::{RawValue, Value};

/// The longest answer (or list item) accepted, in characters: no question needs more, and a
/// longer one is a mistake (a file pasted into a flag) that would end up in generated files.
pub const MAX_ANSWER_CHARS: usize = 4096;

/// How an answer is typed and prompted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Free text.
    String,
    /// A whole number; `validate.min`/`validate.max` bound it.
    Integer,
    /// Yes or no.
    Bool,
    /// One of `choices`.
    Choice,
    /// Any number of `choices` (a multi-select on a terminal; `none` for the empty list).
    MultiChoice,
    /// A free list of strings, each checked against `validate` (comma-separated on one line).
    List,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Bool => "a boolean (true or false)",
            Kind::Choice => "one of the choices",
            Kind::MultiChoice | Kind::List => "a list",
        }
    }
}

/// One allowed value of a choice question, with the label shown in prompts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Checks on an answer; `message` is shown when one fails.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// A regular expression the whole value (each item, for lists) must match.
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// A regular expression that refuses a value the pattern lets through (e.g. `:latest`).
    #[serde(default)]
    pub forbid: Option<String>,
    /// Values that match the pattern but are refused (e.g. names that shadow a dependency).
    #[serde(default)]
    pub not_in: Vec<String>,
    pub message: String,
}

/// One question of a template set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    /// One line shown under `--help` and in error messages.
    #[serde(default)]
    pub help: Option<String>,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// The default; a string may use Tera (`{{ name }}`) to depend on earlier answers.
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub validate: Option<Validation>,
    /// A Tera condition over earlier answers; the question is not asked when it is false.
    #[serde(default)]
    pub when: Option<String>,
    /// `when` in words, for messages (`only with GitHub Actions or GitLab CI`).
    #[serde(default)]
    pub applies: Option<String>,
    /// `false`: never prompted; its default stands unless a layer (a flag, `--set`, an answers
    /// file, detection) gives it. For answers a command sets, such as `init`'s `adopted`.
    #[serde(default = "yes")]
    pub ask: bool,
    /// Asked first on a terminal; the others wait for the manifest's customise step.
    #[serde(default)]
    pub essential: bool,
}

fn yes() -> bool {
    true
}

impl Question {
    /// A yes/no question pyscaffold asks itself (the customise step), default no.
    pub fn confirm(id: &str, prompt: &str) -> Self {
        Self {
            id: id.to_string(),
            prompt: prompt.to_string(),
            help: None,
            kind: Kind::Bool,
            choices: Vec::new(),
            default: Some(Value::Bool(false)),
            validate: None,
            when: None,
            applies: None,
            ask: true,
            essential: true,
        }
    }
}

impl Question {
    /// Parses text from a flag, `--set` or a prompt into a checked value.
    pub fn parse_text(&self, text: &str) -> Result<Value, String> {
        let value = match self.kind {
            Kind::String | Kind::Choice => Value::Str(text.trim().to_string()),
            Kind::Integer => Value::Int(parse_integer(text)?),
            Kind::Bool => Value::Bool(
                parse_bool(text.trim()).ok_or_else(|| format!("not {}", self.kind.expected()))?,
            ),
            Kind::MultiChoice | Kind::List => Value::List(split_typed_list(text)?),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Converts a YAML value (answers file, preset) into a checked value.
    pub fn from_raw(&self, raw: &RawValue) -> Result<Value, String> {
        let wrong = || format!("expected {}, found {}", self.kind.expected(), raw.kind());
        let value = match (self.kind, raw) {
            (Kind::String | Kind::Choice, RawValue::Str(s)) => Value::Str(s.clone()),
            (Kind::Integer, RawValue::Int(i)) => Value::Int(*i),
            (Kind::Bool, RawValue::Bool(b)) => Value::Bool(*b),
            (Kind::MultiChoice | Kind::List, RawValue::Str(s)) => Value::List(split_typed_list(s)?),
            (Kind::MultiChoice | Kind::List, RawValue::List(items)) => Value::List(
                items
                    .iter()
                    .map(|item| match item {
                        RawValue::Str(s) => Ok(s.clone()),
                        other => Err(format!(
                            "list items must be strings, found {}",
                            other.kind()
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(wrong()),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Checks a value of the right type against choices and validation.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let longest = match value {
            Value::Str(s) => s.chars().count(),
            Value::List(items) => items.iter().map(|i| i.chars().count()).max().unwrap_or(0),
            _ => 0,
        };
        if longest > MAX_ANSWER_CHARS {
            return Err(format!(
                "is {longest} characters long; an answer may be at most {MAX_ANSWER_CHARS}"
            ));
        }
        match (self.kind, value) {
            (Kind::String, Value::Str(s)) => self.check_item(s),
            (Kind::Choice, Value::Str(s)) => self.check_choice(s),
            (Kind::Integer, Value::Int(i)) => self.check_range(*i),
            (Kind::Bool, Value::Bool(_)) => Ok(()),
            (Kind::MultiChoice, Value::List(items)) => {
                items.iter().try_for_each(|item| {
                    self.check_choice(item)
                        .map_err(|e| format!("`{item}`: {e}"))
                })?;
                check_unique(items)
            }
            (Kind::List, Value::List(items)) => {
                items.iter().try_for_each(|item| {
                    self.check_item(item).map_err(|e| format!("`{item}`: {e}"))
                })?;
                check_unique(items)
            }
            (kind, other) => Err(format!("expected {}, found `{other}`", kind.expected())),
        }
    }

    /// The allowed values, for help and error messages.
    pub fn choice_values(&self) -> Vec<&str> {
        self.choices.iter().map(|c| c.value.as_str()).collect()
    }

    fn check_choice(&self, s: &str) -> Result<(), String> {
        if self.choices.iter().any(|c| c.value == s) {
            Ok(())
        } else {
            Err(format!("not one of: {}", self.choice_values().join(", ")))
        }
    }

    fn check_item(&self, s: &str) -> Result<(), String> {
        let Some(rule) = &self.validate else {
            return Ok(());
        };
        if let Some(pattern) = &rule.pattern
            && !whole_match(pattern)?.is_match(s)
        {
            return Err(rule.message.clone());
        }
        if let Some(forbid) = &rule.forbid
            && whole_match(forbid)?.is_match(s)
        {
            return Err(rule.message.clone());
        }
        if rule.not_in.iter().any(|refused| refused == s) {
            return Err(rule.message.clone());
        }
        Ok(())
    }

    fn check_range(&self, i: i64) -> Result<(), String> {
        let Some(rule) = &self.validate else {
            return Ok(());
        };
        let low = rule.min.is_some_and(|min| i < min);
        let high = rule.max.is_some_and(|max| i > max);
        if low || high {
            return Err(rule.message.clone());
        }
        Ok(())
    }

    /// The question's patterns: what an answer must match, and what it must not.
    pub fn patterns(&self) -> impl Iterator<Item = &String> {
        let rule = self.validate.as_ref();
        [
            rule.and_then(|v| v.pattern.as_ref()),
            rule.and_then(|v| v.forbid.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    /// Checks the question's own definition (used when a template set loads).
    pub fn check_definition(&self) -> Result<(), String> {
        for pattern in self.patterns() {
            // Compiled as answers are matched, and kept for them.
            whole_match(pattern).map_err(|e| format!("invalid pattern `{pattern}`: {e}"))?;
        }
        // Shown as written, after the flag and the answer: `{{ value }}` would reach the user
        // as it is.
        if let Some(rule) = &self.validate
            && ["{{", "{%", "{#"].iter().any(|t| rule.message.contains(t))
        {
            return Err(
                "its `validate: message:` is plain text, shown after the answer it refuses: \
                 write it without `{{ }}` or `{% %}`"
                    .to_string(),
            );
        }
        let needs_choices = matches!(self.kind, Kind::Choice | Kind::MultiChoice);
        if needs_choices == self.choices.is_empty() {
            return Err(if needs_choices {
                "a choice question needs `choices`".to_string()
            } else {
                "only choice questions take `choices`".to_string()
            });
        }
        Ok(())
    }
}

/// `true`/`false` and the usual yes/no spellings, typed on a command line.
fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// A whole number as a user types it: digits only (an optional `-`), no sign, no spaces
/// around it and no leading zero, so `08080` or ` 8080` is not silently read as 8080.
fn parse_integer(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = text.trim();
        return Err(if trimmed != text && parse_integer(trimmed).is_ok() {
            format!("`{text}` has spaces around the number: write `{trimmed}`")
        } else {
            "not an integer".to_string()
        });
    }
    if digits.len() > 1 && digits.starts_with('0') {
        let plain = digits.trim_start_matches('0');
        let plain = if plain.is_empty() { "0" } else { plain };
        let sign = if digits.len() == text.len() { "" } else { "-" };
        return Err(format!(
            "`{text}` has a leading zero: write `{sign}{plain}`"
        ));
    }
    text.parse().map_err(|_| "not an integer".to_string())
}

/// Whether a list item is the word for the empty list.
pub fn is_none_item(item: &str) -> bool {
    item.eq_ignore_ascii_case("none")
}

/// Splits a list a user typed, like [`split_list`], but refuses `none` among other items
/// (`none,libpq5` would otherwise install a package called `none`).
pub fn split_typed_list(text: &str) -> Result<Vec<String>, String> {
    let items = split_list(text);
    if !items.iter().any(|item| is_none_item(item)) {
        return Ok(items);
    }
    let others: Vec<String> = items
        .iter()
        .filter(|item| !is_none_item(item))
        .map(|item| format!("`{item}`"))
        .collect();
    Err(if others.is_empty() {
        "`none` stands for the empty list: give it once, alone".to_string()
    } else {
        format!(
            "`none` stands for the empty list and cannot be combined with {}: give `none` \
             alone, or the items without it",
            others.join(", ")
        )
    })
}

/// Splits `a, b,c` into items; `none` or an empty string is the empty list.
pub fn split_list(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn check_unique(items: &[String]) -> Result<(), String> {
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            return Err(format!("`{item}` is listed twice"));
        }
    }
    Ok(())
}

/// `pattern` matching a whole answer, compiled once per process: a command checks the same
/// few patterns for every answer it reads (`fleet report` for every repository), and compiles
/// only those of the questions answered.
fn whole_match(pattern: &str) -> Result<std::sync::Arc<Pattern>, String> {
    // Shared, not cloned: a clone would start its own match cache.
    static COMPILED: std::sync::Mutex<
        Option<std::collections::HashMap<String, std::sync::Arc<Pattern>>>,
    > = std::sync::Mutex::new(None);
    let mut cache = COMPILED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let cache = cache.get_or_insert_with(std::collections::HashMap::new);
    if let Some(re) = cache.get(pattern) {
        return Ok(std::sync::Arc::clone(re));
    }
    let re = std::sync::Arc::new(Pattern::new(pattern)?);
    cache.insert(pattern.to_string(), std::sync::Arc::clone(&re));
    Ok(re)
}

/// A compiled answer pattern. One whose meaning does not depend on Unicode's tables (ASCII
/// only, none of `\w \d \s \b \p` and their negations, no case folding) matches the same
/// strings in regex-lite as in the full engine, and compiles in a small part of the time: a
/// start compiles those with it. Any other pattern gets the full engine.
enum Pattern {
    Lite(regex_lite::Regex),
    Full(Regex),
}

impl Pattern {
    fn new(pattern: &str) -> Result<Self, String> {
        let anchored = format!("^(?:{pattern})$");
        if same_in_lite(pattern)
            && let Ok(re) = regex_lite::Regex::new(&anchored)
        {
            return Ok(Pattern::Lite(re));
        }
        Regex::new(&anchored)
            .map(Pattern::Full)
            .map_err(|e| e.to_string())
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Lite(re) => re.is_match(text),
            Pattern::Full(re) => re.is_match(text),
        }
    }
}

/// Whether `pattern` means the same to regex-lite as to the full engine (see [`Pattern`]).
fn same_in_lite(pattern: &str) -> bool {
    if !pattern.is_ascii() || pattern.contains("(?") {
        return false;
    }
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(escaped) = chars.next()
            && "wWdDsSbBpP".contains(escaped)
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_without_unicode_classes_compile_with_regex_lite_and_match_the_same() {
        let mut patterns: Vec<String> = Vec::new();
        for version in crate::template_set::builtin::versions().unwrap() {
            let set = crate::template_set::builtin::parsed(&version).unwrap();
            for p in set.questions.iter().flat_map(Question::patterns) {
                if !patterns.contains(p) {
                    patterns.push(p.clone());
                }
            }
        }
        assert!(patterns.len() > 10, "{patterns:?}");
        let samples = [
            "",
            "a",
            "billing-api",
            "Billing",
            "app.main:app",
            "app.main:create_app()",
            "3.12",
            "3.14",
            "python:3.12-slim",
            "docker.io/library/python:3.13-slim-bookworm",
            "registry.example.com:5000/team/demo",
            "/healthz",
            "/api/v1/",
            "30s",
            "5m",
            "libpq-dev",
            "build-essential",
            "gunicorn app:app",
            "data/uploads",
            "a b",
            "é",
            "demo\n",
            "ghcr.io/acme/api",
            "x/",
            "../etc",
            "ab--cd",
            "-lead",
            "trail-",
        ];
        for pattern in &patterns {
            let compiled = Pattern::new(pattern).unwrap();
            assert!(
                matches!(compiled, Pattern::Lite(_)),
                "`{pattern}` took the full engine"
            );
            let full = Regex::new(&format!("^(?:{pattern})$")).unwrap();
            for sample in samples {
                assert_eq!(
                    compiled.is_match(sample),
                    full.is_match(sample),
                    "`{pattern}` on `{sample}`"
                );
            }
        }
    }

    #[test]
    fn patterns_whose_meaning_needs_unicode_take_the_full_engine() {
        for (pattern, text) in [
            (r"\w+", "café"),
            (r"\p{L}+", "über"),
            (r"(?i)k", "\u{212A}"),
            (r"[a-zé]+", "é"),
            (r"\d", "٣"),
        ] {
            let compiled = Pattern::new(pattern).unwrap();
            assert!(
                matches!(compiled, Pattern::Full(_)),
                "`{pattern}` took regex-lite"
            );
            assert!(compiled.is_match(text), "`{pattern}` on `{text}`");
        }
        assert!(Pattern::new("(").is_err());
    }

    fn port() -> Question {
        crate::yaml::from_str(
            "id: port\nprompt: Port\ntype: integer\ndefault: 8000\nvalidate: {min: 1024, max: 65535, message: out of range}\n",
        )
        .unwrap()
    }

    #[test]
    fn integers_are_parsed_and_bounded() {
        let q = port();
        assert_eq!(q.parse_text("8080"), Ok(Value::Int(8080)));
        assert_eq!(q.parse_text("80"), Err("out of range".to_string()));
        assert_eq!(q.parse_text("70000"), Err("out of range".to_string()));
        assert_eq!(q.parse_text("http"), Err("not an integer".to_string()));
        assert_eq!(
            q.parse_text("08080"),
            Err("`08080` has a leading zero: write `8080`".to_string())
        );
        assert_eq!(
            q.parse_text(" 8080"),
            Err("` 8080` has spaces around the number: write `8080`".to_string())
        );
        assert_eq!(q.parse_text("+8080"), Err("not an integer".to_string()));
        assert!(q.from_raw(&RawValue::Str("8000".into())).is_err());
    }

    #[test]
    fn lists_split_on_commas_and_none_is_empty() {
        assert_eq!(split_list(" a, b ,,c"), vec!["a", "b", "c"]);
        assert!(split_list("none").is_empty());
        assert!(split_list("").is_empty());
        assert!(split_typed_list("none,libpq5").is_err());
        assert!(split_typed_list("none,none").is_err());
        assert_eq!(split_typed_list(" NONE "), Ok(Vec::new()));
    }
}
