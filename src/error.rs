//! Errors the user can fix, and the one place that prints any error.
//!
//! A [`UserError`] is bad input (a flag, an answers file, a target directory): it carries the fix
//! as a `help:` line and exits with status 2. Ctrl-C at a prompt ([`Interrupted`]) exits with 130.
//! Anything else (an I/O failure, a broken template) exits with status 1.

use std::process::ExitCode;

/// Exit status for success.
pub const EXIT_OK: u8 = 0;
/// Exit status for a failure that is not the user's input (I/O, a failed check).
pub const EXIT_FAILURE: u8 = 1;
/// Exit status for bad input: the message says what to change.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Exit status after Ctrl-C, the shell's convention for SIGINT (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The user pressed Ctrl-C at a prompt: nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("interrupted at a prompt: nothing was written")]
pub struct Interrupted;

/// Bad input, with the fix the user should apply.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub help: String,
}

impl UserError {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Shorthand for returning a [`UserError`] as an `anyhow::Error`.
pub fn bad_input(message: impl Into<String>, help: impl Into<String>) -> anyhow::Error {
    UserError::new(message, help).into()
}

/// Prints `err` to stderr as `error: …` (with its causes) and a `help:` line, and picks the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if err
        .chain()
        .any(|e| e.downcast_ref::<Interrupted>().is_some())
    {
        eprintln!("error: {Interrupted}");
        return ExitCode::from(EXIT_INTERRUPTED);
    }
    let mut message = format!("error: {err}");
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    match err.chain().find_map(|e| e.downcast_ref::<UserError>()) {
        Some(user) => {
            eprintln!("{message}\nhelp: {}", user.help);
            ExitCode::from(EXIT_BAD_INPUT)
        }
        None => {
            eprintln!("{message}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
