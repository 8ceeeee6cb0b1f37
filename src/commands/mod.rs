//! One file per subcommand, each with one entry function.

pub mod completions;
pub mod detect;
pub mod eject;
pub mod fleet;
pub mod init;
pub mod new;
pub mod pack;
pub mod presets;
pub mod upgrade;
pub mod versions;
