//! The `pyscaffold` binary: parse arguments, run, turn an error into a message and an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    pyscaffold::error::quiet_broken_pipe();
    match pyscaffold::run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => pyscaffold::report(&err),
    }
}
