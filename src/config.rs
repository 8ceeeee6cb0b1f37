//! The user's config file, `$XDG_CONFIG_HOME/pyscaffold/config.yaml` (else
//! `~/.config/pyscaffold/config.yaml`; `PYSCAFFOLD_CONFIG` names another file): settings an
//! organisation sets once per machine, such as its pack.
//!
//! ```yaml
//! pack: https://git.example.com/platform/pyscaffold-pack.git
//! ```

use std::path::PathBuf;

use anyhow::Result;
use serde::Deserialize;

use crate::error::bad_input;

/// What the config file says.
#[derive(Debug, Default)]
pub struct Config {
    /// Pack sources for `new` and `presets` when neither `--pack` nor `PYSCAFFOLD_PACK` gives one.
    pub packs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    pack: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The config file's path, if there is a place for one.
pub fn path() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(file) = env("PYSCAFFOLD_CONFIG") {
        return Some(PathBuf::from(file));
    }
    let dir = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(dir.join("pyscaffold").join("config.yaml"))
}

/// Reads the config file; a missing one is an empty config.
pub fn load() -> Result<Config> {
    let Some(path) = path() else {
        return Ok(Config::default());
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            bad_input(
                format!("the config file `{}` is not UTF-8 text", path.display()),
                "fix or remove it",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(bad_input(
                format!("cannot read the config file `{}`: {e}", path.display()),
                "fix its permissions, or point PYSCAFFOLD_CONFIG at another file",
            ));
        }
    };
    let shown = path.display().to_string();
    let file: ConfigFile = if text.trim().is_empty() {
        ConfigFile { pack: None }
    } else {
        crate::yaml::from_str(&text).map_err(|e| {
            bad_input(
                format!(
                    "the config file `{shown}` is invalid: {}",
                    crate::error::yaml_problem(&e, &shown)
                ),
                "it takes `pack: SOURCE` (a pack folder or git URL, or a list of them); fix \
                 the line shown",
            )
        })?
    };
    Ok(Config {
        packs: match file.pack {
            None => Vec::new(),
            Some(OneOrMany::One(one)) => vec![one],
            Some(OneOrMany::Many(many)) => many,
        },
    })
}
