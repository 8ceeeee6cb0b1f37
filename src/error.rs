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

/// Output piped into a reader that stopped early (`pyscaffold fleet report ... | head`) ends the
/// program quietly with the shell's status for SIGPIPE (141), as other command-line tools do,
/// instead of a panic message; standard output that cannot be written otherwise (a full disk,
/// `>/dev/full`) is an error with status 1. Every other panic is reported as before.
pub fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if let Some(cause) = text.strip_prefix("failed printing to stdout: ") {
            if cause.contains("Broken pipe") {
                std::process::exit(141);
            }
            eprintln!(
                "{} cannot write to standard output: {cause}",
                label("error:", Label::Error)
            );
            std::process::exit(i32::from(EXIT_FAILURE));
        }
        default(info);
    }));
}

/// Shorthand for returning a [`UserError`] as an `anyhow::Error`.
pub fn bad_input(message: impl Into<String>, help: impl Into<String>) -> anyhow::Error {
    UserError::new(message, help).into()
}

/// An answer or a path as a message quotes it: whole when short, else its start and its length
/// (a long answer is refused, and the message must not repeat it).
pub fn quoted(text: &str) -> String {
    const SHOWN: usize = 60;
    let length = text.chars().count();
    if length <= SHOWN * 2 {
        return text.to_string();
    }
    let start: String = text.chars().take(SHOWN).collect();
    format!("{start}... ({length} characters)")
}

/// `text` on one line: each control character (a newline, a tab, an escape) as its Rust escape.
pub fn escape_controls(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// A path as a message quotes it ([`quoted`]).
pub fn quoted_path(path: &std::path::Path) -> String {
    quoted(&path.display().to_string())
}

/// `text` with the password of every `user:password@` in it (a URL's or an image reference's
/// credentials) replaced by `***`, so an error never echoes a secret back to a CI log.
pub fn redact(text: &str) -> String {
    static USERINFO: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    // The password runs to the last `@` before the host (it may hold an `@` itself).
    let re = USERINFO.get_or_init(|| regex::Regex::new(r"([^\s/@:`'\x22]+):[^\s/`'\x22]+@").ok());
    let Some(re) = re else {
        return text.to_string();
    };
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let (Some(whole), Some(user)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        // `python:3.13-slim@sha256:...` is an image pinned by digest, not credentials.
        if text[whole.end()..].starts_with("sha256:") {
            continue;
        }
        out.push_str(&text[last..whole.start()]);
        out.push_str(user.as_str());
        out.push_str(":***@");
        last = whole.end();
    }
    out.push_str(&text[last..]);
    redact_query(&out)
}

/// `text` with the value of every URL query parameter that names a secret (`private_token=`,
/// `access_token=`, `key=`, `password=`, ...) replaced by `***`.
fn redact_query(text: &str) -> String {
    static QUERY: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = QUERY.get_or_init(|| {
        regex::Regex::new(
            r"(?i)([?&][a-z_-]*(token|key|secret|password|passwd|auth|sig|signature|credential)[a-z_-]*=)[^&\s`'\x22]+",
        )
        .ok()
    });
    match re {
        Some(re) => re.replace_all(text, "${1}***").into_owned(),
        None => text.to_string(),
    }
}

/// An error and its sources on one line, `outer: inner: innermost`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// How a label is coloured.
enum Label {
    Error,
    Help,
}

/// `text` coloured as the argument parser colours its own labels (bold red `error:`, bold
/// green `help:`), on a terminal only, and never with `NO_COLOR` set.
fn label(text: &str, kind: Label) -> String {
    use std::io::IsTerminal as _;
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !colour {
        return text.to_string();
    }
    let styled = dialoguer::console::style(text).bold().force_styling(true);
    match kind {
        Label::Error => styled.red().to_string(),
        Label::Help => styled.green().to_string(),
    }
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
    let message = redact(&message);
    let message = match message.strip_prefix("error:") {
        Some(rest) => format!("{}{rest}", label("error:", Label::Error)),
        None => message,
    };
    match err.chain().find_map(|e| e.downcast_ref::<UserError>()) {
        Some(user) => {
            eprintln!(
                "{message}\n{} {}",
                label("help:", Label::Help),
                redact(&user.help)
            );
            ExitCode::from(EXIT_BAD_INPUT)
        }
        None => {
            eprintln!("{message}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// A YAML parse error of the user's file `source`, in pyscaffold's words: the file's name in
/// place of the parser's `<input>`, and the parser's advice to its own callers left out. The
/// excerpt with a caret under the problem is kept.
pub fn yaml_problem(error: &serde_saphyr::Error, source: &str) -> String {
    let rendered = error.render_with_options(serde_saphyr::render_options! {
        source_name: Some(source),
    });
    let text = rendered.strip_prefix("error: ").unwrap_or(&rendered);
    if text.contains("budget breached") {
        return "it is too large, or its aliases expand too far (a YAML alias bomb): pyscaffold \
                reads files of ordinary size only"
            .to_string();
    }

    text.replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace("duplicate mapping key: ", "a key given twice: ")
        .replace(
            "data did not match any variant of untagged enum Value",
            "not a value pyscaffold reads (text, a number, true/false or a list); \
             quote a version as text, e.g. \"3.12\"",
        )
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_are_never_echoed() {
        assert_eq!(
            redact("`--image https://ci:s3cret@registry.example.com/team/app`: use"),
            "`--image https://ci:***@registry.example.com/team/app`: use"
        );
        assert_eq!(redact("`user:pw@host/x`"), "`user:***@host/x`");
        assert_eq!(redact("`u:p@ss@host/x`"), "`u:***@host/x`");
        assert_eq!(
            redact("`https://gitlab.example.com/a/b?private_token=SECRETU&x=1`"),
            "`https://gitlab.example.com/a/b?private_token=***&x=1`"
        );
        assert_eq!(
            redact("`ghcr.io/a/b?access_token=t0k`"),
            "`ghcr.io/a/b?access_token=***`"
        );
        assert_eq!(
            redact("`--port 80`: pick a port"),
            "`--port 80`: pick a port"
        );
        assert_eq!(
            redact("git@github.com:acme/api.git"),
            "git@github.com:acme/api.git"
        );
        assert_eq!(
            redact("python:3.13-slim@sha256:abc"),
            "python:3.13-slim@sha256:abc"
        );
    }
}
