//! Interactive questions on a terminal, with dialoguer.
//!
//! Prompts go to stderr, so stdout stays for results. Invalid input is re-asked with the
//! question's validation message.

use anyhow::{Context as _, Result};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};

use crate::questions::{Kind, Question};
use crate::resolve::Prompter;
use crate::value::Value;

/// Asks with dialoguer on the process's terminal; plain text when `NO_COLOR` is set.
pub struct TerminalPrompter {
    theme: Box<dyn Theme>,
}

impl TerminalPrompter {
    pub fn new() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme: Box<dyn Theme> = if no_color {
            Box::new(SimpleTheme)
        } else {
            Box::new(ColorfulTheme::default())
        };
        Self { theme }
    }
}

impl Default for TerminalPrompter {
    fn default() -> Self {
        Self::new()
    }
}

impl Prompter for TerminalPrompter {
    fn ask(&mut self, q: &Question, default: Option<&Value>) -> Result<Value> {
        let failed = || format!("cannot ask `{}` on the terminal", q.id);
        match q.kind {
            Kind::Choice => {
                let labels: Vec<&str> = q.choices.iter().map(|c| c.label.as_str()).collect();
                let index = default
                    .and_then(|d| {
                        q.choices
                            .iter()
                            .position(|c| Value::Str(c.value.clone()) == *d)
                    })
                    .unwrap_or(0);
                let picked = Select::with_theme(self.theme.as_ref())
                    .with_prompt(&q.prompt)
                    .items(&labels)
                    .default(index)
                    .interact()
                    .with_context(failed)?;
                Ok(Value::Str(q.choices[picked].value.clone()))
            }
            Kind::MultiChoice => {
                let chosen: Vec<String> = match default {
                    Some(Value::List(items)) => items.clone(),
                    _ => Vec::new(),
                };
                let labels: Vec<&str> = q.choices.iter().map(|c| c.label.as_str()).collect();
                let defaults: Vec<bool> = q
                    .choices
                    .iter()
                    .map(|c| chosen.contains(&c.value))
                    .collect();
                let picked = MultiSelect::with_theme(self.theme.as_ref())
                    .with_prompt(format!("{} (space toggles, enter accepts)", q.prompt))
                    .items(&labels)
                    .defaults(&defaults)
                    .interact()
                    .with_context(failed)?;
                Ok(Value::List(
                    picked
                        .into_iter()
                        .map(|i| q.choices[i].value.clone())
                        .collect(),
                ))
            }
            Kind::Bool => {
                let default = matches!(default, Some(Value::Bool(true)));
                let answer = Confirm::with_theme(self.theme.as_ref())
                    .with_prompt(&q.prompt)
                    .default(default)
                    .interact()
                    .with_context(failed)?;
                Ok(Value::Bool(answer))
            }
            Kind::String | Kind::Integer | Kind::List => {
                let default_text = default.map(Value::to_text).unwrap_or_default();
                let mut input = Input::<String>::with_theme(self.theme.as_ref())
                    .with_prompt(&q.prompt)
                    .allow_empty(matches!(q.kind, Kind::List) || default.is_some())
                    .validate_with(|text: &String| q.parse_text(text).map(|_| ()));
                if default.is_some() {
                    input = input
                        .default(default_text.clone())
                        .show_default(!default_text.is_empty());
                }
                let text = input.interact_text().with_context(failed)?;
                q.parse_text(&text).map_err(anyhow::Error::msg)
            }
        }
    }
}
