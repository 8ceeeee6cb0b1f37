//! Fault injection for the writer's tests: in a debug build, `PYSCAFFOLD_TEST_STOP_AFTER=N`
//! aborts the process right after the writer's Nth step (as SIGKILL or a power cut would stop
//! it), so the tests can check that the next command finds the project as it was before or
//! after, never in between. Release builds (what `cargo install` makes) have no such hook.

/// Marks the end of one writer step.
#[cfg(debug_assertions)]
pub fn step(what: &str) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DONE: AtomicUsize = AtomicUsize::new(0);
    let at = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    };
    let (stop, signal) = (
        at("PYSCAFFOLD_TEST_STOP_AFTER"),
        at("PYSCAFFOLD_TEST_SIGNAL_AFTER"),
    );
    if stop.is_none() && signal.is_none() {
        return;
    }
    let done = DONE.fetch_add(1, Ordering::SeqCst) + 1;
    if stop == Some(done) {
        eprintln!("test build: stopping after writer step {done} ({what})");
        std::process::abort();
    }
    if signal == Some(done) {
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGINT);
        // Time for the handler's thread to see it while the commit is still running.
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Marks the end of one writer step (no hook in release builds).
#[cfg(not(debug_assertions))]
pub fn step(_what: &str) {}
