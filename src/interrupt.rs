//! Ctrl-C and termination: one handler for the whole process.
//!
//! SIGINT (Ctrl-C), SIGTERM (a cancelled CI job, `timeout`, `kill`) and SIGHUP (a closed
//! terminal) normally end the run at once, with the cursor shown again and status 130 (SIGINT),
//! 143 (SIGTERM) or 129 (SIGHUP). Two moments are
//! different. At a prompt, the terminal library reads keys raw and the read itself reports
//! Ctrl-C, which the prompt turns into a clean exit. While the writer moves files into place
//! ([`defer`]), a signal waits until the last file is in place and the record written, so an
//! interrupted command never leaves a project half changed; the run then ends with the same
//! status. SIGKILL and power loss cannot be caught: the writer's journal covers those.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::Interrupted;

const SHOW_CURSOR: &str = "\x1b[?25h";

/// Whether a prompt is reading keys.
static ASKING: AtomicBool = AtomicBool::new(false);
/// How many writers are committing (signals wait while it is above zero).
static DEFERRING: AtomicUsize = AtomicUsize::new(0);
/// The signal that arrived while deferring; 0 for none.
static PENDING: AtomicI32 = AtomicI32::new(0);
/// Scratch folders a signal removes before the run ends (see [`remove_on_signal`]).
static SCRATCH: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler once; later calls do nothing.
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    if DEFERRING.load(Ordering::SeqCst) > 0 {
                        PENDING.store(signal, Ordering::SeqCst);
                        continue;
                    }
                    end(signal);
                }
            });
    });
}

/// Marks whether a prompt is reading keys.
pub fn asking(now: bool) {
    ASKING.store(now, Ordering::SeqCst);
}

/// Ends the run for `signal`: the cursor shown again, a message, the conventional status.
fn end(signal: i32) -> ! {
    let asking = ASKING.load(Ordering::SeqCst);
    if asking {
        // A Ctrl-C during a prompt comes back from the key read: give it time to end the run
        // cleanly itself.
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let what = if asking {
        Interrupted.to_string()
    } else {
        "interrupted".to_string()
    };
    // The cursor escape only where it means something: a terminal.
    let cursor = if std::io::stderr().is_terminal() {
        SHOW_CURSOR
    } else {
        ""
    };
    let _ = writeln!(std::io::stderr(), "{cursor}\nerror: {what}");
    // Exiting runs no destructor: remove the scratch folders here (they may hold copies of a
    // repository's files).
    let scratch = SCRATCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for folder in scratch.iter() {
        let _ = std::fs::remove_dir_all(folder);
    }
    std::process::exit(128 + signal);
}

/// A scratch folder that a signal ending the run removes; its owner removes it otherwise, and
/// drops this guard first.
pub struct ScratchFolder(PathBuf);

/// Registers `folder` to be removed if a signal ends the run while the guard lives.
pub fn remove_on_signal(folder: &Path) -> ScratchFolder {
    install();
    SCRATCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(folder.to_path_buf());
    ScratchFolder(folder.to_path_buf())
}

impl Drop for ScratchFolder {
    fn drop(&mut self) {
        SCRATCH
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|f| f != &self.0);
    }
}

/// Holds SIGINT, SIGTERM and SIGHUP back until dropped (nested holds end with the outermost); a signal that came meanwhile then ends the
/// run, after the work it waited for.
pub struct Deferred(());

/// Starts holding signals back (see [`Deferred`]).
pub fn defer() -> Deferred {
    install();
    DEFERRING.fetch_add(1, Ordering::SeqCst);
    Deferred(())
}

impl Drop for Deferred {
    fn drop(&mut self) {
        if DEFERRING.fetch_sub(1, Ordering::SeqCst) == 1 {
            let signal = PENDING.swap(0, Ordering::SeqCst);
            if signal != 0 {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: the signal came while files were being put in place: the change was \
                     completed first"
                );
                end(signal);
            }
        }
    }
}
