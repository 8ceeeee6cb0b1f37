//! Interactive questions on a terminal, with dialoguer.
//!
//! Prompts go to stderr, so stdout stays for results. Invalid input is re-asked with the
//! question's validation message, wrapped to the terminal's width: dialoguer clears the lines it
//! printed by counting newlines, so a message the terminal wrapped itself would stay on screen
//! and pile up with every retry. Ctrl-C at a prompt shows the cursor again (a selection list
//! hides it) and exits with status 130, nothing written.

use std::io::Write as _;

use anyhow::Result;
use dialoguer::console::Term;
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};

use crate::error::Interrupted;
use crate::questions::{Kind, Question};
use crate::resolve::Prompter;
use crate::value::Value;

/// Asks with dialoguer on the process's terminal; plain text when `NO_COLOR` is set.
pub struct TerminalPrompter {
    theme: Box<dyn Theme>,
    no_color: bool,
}

impl TerminalPrompter {
    pub fn new() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme: Box<dyn Theme> = if no_color {
            Box::new(SimpleTheme)
        } else {
            Box::new(ColorfulTheme::default())
        };
        Self { theme, no_color }
    }
}

impl Default for TerminalPrompter {
    fn default() -> Self {
        Self::new()
    }
}

const SHOW_CURSOR: &str = "\x1b[?25h";

/// The prompt's result; Ctrl-C becomes [`Interrupted`] with the cursor shown again.
fn asked<T>(result: dialoguer::Result<T>, q: &Question) -> Result<T> {
    result.map_err(|dialoguer::Error::IO(e)| {
        if e.kind() == std::io::ErrorKind::Interrupted {
            let _ = writeln!(std::io::stderr(), "{SHOW_CURSOR}");
            anyhow::Error::new(Interrupted)
        } else {
            anyhow::Error::new(e).context(format!("cannot ask `{}` on the terminal", q.id))
        }
    })
}

/// Breaks `text` into lines of at most `width` columns (a longer word keeps its own line).
pub fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

/// A validation message that fits the terminal after the theme's `error:` prefix.
fn fit_to_terminal(message: &str) -> String {
    let (_, columns) = Term::stderr().size();
    wrap(message, usize::from(columns).saturating_sub(8).max(20))
}

impl Prompter for TerminalPrompter {
    fn ask(&mut self, q: &Question, default: Option<&Value>) -> Result<Value> {
        crate::interrupt::install();
        crate::interrupt::asking(true);
        let answer = self.ask_one(q, default);
        crate::interrupt::asking(false);
        answer
    }

    fn show(&mut self, lines: &[String]) {
        let term = Term::stderr();
        for (i, line) in lines.iter().enumerate() {
            let line = if i == 0 && !self.no_color {
                dialoguer::console::style(line).bold().to_string()
            } else {
                line.clone()
            };
            let _ = term.write_line(&line);
        }
    }
}

impl TerminalPrompter {
    fn ask_one(&self, q: &Question, default: Option<&Value>) -> Result<Value> {
        // The question's help, dimmed, on the line above it (where the prompt's own redraws
        // never reach), wrapped to the terminal.
        if let Some(help) = &q.help {
            let term = Term::stderr();
            let (_, columns) = term.size();
            let text = wrap(help, usize::from(columns).saturating_sub(4).max(20));
            for line in text.lines() {
                if self.no_color {
                    term.write_line(&format!("  {line}"))?;
                } else {
                    term.write_line(&format!("  {}", dialoguer::console::style(line).dim()))?;
                }
            }
        }
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
                let picked = asked(
                    Select::with_theme(self.theme.as_ref())
                        .with_prompt(&q.prompt)
                        .items(&labels)
                        .default(index)
                        .interact(),
                    q,
                )?;
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
                let picked = asked(
                    MultiSelect::with_theme(self.theme.as_ref())
                        .with_prompt(format!("{} (space toggles, enter accepts)", q.prompt))
                        .items(&labels)
                        .defaults(&defaults)
                        .interact(),
                    q,
                )?;
                Ok(Value::List(
                    picked
                        .into_iter()
                        .map(|i| q.choices[i].value.clone())
                        .collect(),
                ))
            }
            Kind::Bool => {
                let default = matches!(default, Some(Value::Bool(true)));
                let answer = asked(
                    Confirm::with_theme(self.theme.as_ref())
                        .with_prompt(&q.prompt)
                        .default(default)
                        .interact(),
                    q,
                )?;
                Ok(Value::Bool(answer))
            }
            Kind::String | Kind::Integer | Kind::List => {
                let default_text = default.map(Value::to_text).unwrap_or_default();
                let mut input = Input::<String>::with_theme(self.theme.as_ref())
                    .with_prompt(&q.prompt)
                    .allow_empty(matches!(q.kind, Kind::List) || default.is_some())
                    .validate_with(|text: &String| {
                        q.parse_text(text)
                            .map(|_| ())
                            .map_err(|e| fit_to_terminal(&e))
                    });
                if default.is_some() {
                    input = input
                        .default(default_text.clone())
                        .show_default(!default_text.is_empty());
                }
                let text = asked(input.interact_text(), q)?;
                q.parse_text(&text).map_err(anyhow::Error::msg)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_the_width() {
        let text = "pick a port from 1024 to 65535 (the app runs as a non-root user); map it";
        let wrapped = wrap(text, 20);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 20),
            "{wrapped}"
        );
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>().join(" "),
            text
        );
    }
}
