//! One file per subcommand, each with one entry function.

pub mod new;
pub mod presets;
