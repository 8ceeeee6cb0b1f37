//! Progress of long work (`fleet report` over many repositories, `pack test` over many tags,
//! `init` running an installer) on stderr, drawn by indicatif.
//!
//! Only on a terminal: piped or redirected, and with `TERM=dumb`, nothing of it is written, so
//! logs and `--format json` output stay exactly what they were. A finished bar is cleared, so
//! what stays on screen is the command's own output.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether progress is drawn: stderr is a terminal that can redraw a line.
pub fn shown() -> bool {
    std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// A bar over `len` steps of `what` (`repositories`, `tags`), or nothing off a terminal.
pub fn bar(len: usize, what: &str) -> Progress {
    let bar = ProgressBar::with_draw_target(Some(len as u64), target());
    let template = format!("{{spinner}} {{pos}}/{{len}} {what} {{wide_bar}} {{msg}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Progress(bar)
}

/// A spinner saying `message` until the work ends, or nothing off a terminal.
pub fn spinner(message: String) -> Progress {
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    Progress(bar)
}

fn target() -> ProgressDrawTarget {
    if shown() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A bar or spinner; cleared from the terminal when dropped.
pub struct Progress(ProgressBar);

impl Progress {
    /// One step done; `item` (a path, a tag) is shown beside the bar.
    pub fn step(&self, item: &str) {
        self.0.set_message(item.to_string());
        self.0.inc(1);
    }

    /// Runs `print` (a line of the command's own output, on stdout or stderr) with the bar
    /// taken off the screen, and draws it again below.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.0.suspend(print)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
