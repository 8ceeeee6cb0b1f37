//! Whether a requirements file's exact pins install from wheels on a given Python, asked of the
//! package index the user's pip is configured with (its `pip.conf`, `PIP_INDEX_URL`,
//! `PIP_FIND_LINKS`, proxies): `pip install --dry-run --only-binary=:all:` for the image's
//! platform (CPython on glibc Linux, x86_64), which fetches metadata only. A pin without such a
//! wheel would be compiled from source in the image's build, where headers and compilers are
//! often missing. Answers are cached by pins, Python and index configuration; when the index
//! cannot be reached, that is said and nothing is concluded.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::digest::sha256_hex;

/// What the index says about a set of pins on one Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Every pin has a wheel.
    Fits,
    /// These pins (`greenlet==3.0.1`) have none.
    Missing(Vec<String>),
    /// pip could not ask (no pip, no network): why.
    Unknown(String),
}

/// glibc versions of the manylinux tags the image's Debian accepts.
const GLIBC_MINORS: std::ops::RangeInclusive<u32> = 17..=41;

/// The pins of `pins` with no wheel for Python `3.{minor}`, asking at most once per answer kept
/// in `cache`.
pub fn installs(pins: &[String], minor: u32, cache: Option<&Path>) -> Answer {
    if pins.is_empty() {
        return Answer::Fits;
    }
    let key = cache_key(pins, minor);
    let cached = cache.map(|dir| dir.join(format!("{key}.txt")));
    if let Some(text) = cached
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        return match text.trim() {
            "fits" => Answer::Fits,
            missing => Answer::Missing(missing.lines().map(str::to_string).collect()),
        };
    }
    let mut left: Vec<String> = pins.to_vec();
    let mut missing = Vec::new();
    // pip names one pin it cannot satisfy per run: ask again without it.
    for _ in 0..pins.len() {
        match ask(&left, minor) {
            Ok(None) => break,
            Ok(Some(pin)) => {
                left.retain(|p| !same_pin(p, &pin));
                missing.push(pin);
                if left.is_empty() {
                    break;
                }
            }
            Err(why) => return Answer::Unknown(why),
        }
    }
    let answer = if missing.is_empty() {
        Answer::Fits
    } else {
        Answer::Missing(missing)
    };
    if let Some(path) = cached
        && std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).is_ok()
    {
        let text = match &answer {
            Answer::Fits => "fits".to_string(),
            Answer::Missing(pins) => pins.join("\n"),
            Answer::Unknown(_) => String::new(),
        };
        // A cache that cannot be written only costs the next run a question.
        let _ = std::fs::write(path, text);
    }
    answer
}

/// The cache folder: `wheels/` in pyscaffold's cache, when there is one.
pub fn cache_dir() -> Option<PathBuf> {
    crate::pack::source::cache_dir()
        .ok()
        .map(|d| d.join("wheels"))
}

fn same_pin(pin: &str, named: &str) -> bool {
    let name = |s: &str| {
        s.split("==")
            .next()
            .unwrap_or(s)
            .trim()
            .to_ascii_lowercase()
            .replace('_', "-")
    };
    name(pin) == name(named)
}

/// The index configuration a cached answer depends on, with the pins and the Python.
fn cache_key(pins: &[String], minor: u32) -> String {
    let mut parts = vec![format!("3.{minor}")];
    parts.extend(pins.iter().cloned());
    for var in [
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "PIP_NO_INDEX",
        "PIP_CONFIG_FILE",
    ] {
        parts.push(format!("{var}={}", std::env::var(var).unwrap_or_default()));
    }
    sha256_hex(parts.join("\n").as_bytes())
}

/// One pip run: Ok(None) when every pin has a wheel, Ok(Some(pin)) for the pin pip names as
/// unsatisfiable, Err when pip could not ask.
fn ask(pins: &[String], minor: u32) -> Result<Option<String>, String> {
    let target = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .args(["-m", "pip", "--version"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or("no `python3 -m pip` on PATH to ask the package index with")?;
    let mut command = Command::new(python);
    command.args([
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--quiet",
        "--no-deps",
        "--ignore-installed",
        "--disable-pip-version-check",
        // One retry, so that a refused or failed connection is named in pip's warning.
        "--retries",
        "1",
        "--timeout",
        "10",
        "--only-binary=:all:",
        "--implementation",
        "cp",
    ]);
    command.args(["--python-version", &format!("3.{minor}")]);
    command.args(["--abi", &format!("cp3{minor}")]);
    for glibc in GLIBC_MINORS {
        command.args(["--platform", &format!("manylinux_2_{glibc}_x86_64")]);
    }
    command.args([
        "--platform",
        "manylinux2014_x86_64",
        "--platform",
        "manylinux2010_x86_64",
        "--platform",
        "manylinux1_x86_64",
    ]);
    command.arg("--target").arg(target.path());
    command.args(pins);
    let spinner = crate::progress::spinner(format!(
        "asking the package index for wheels of {} pins on Python 3.{minor}",
        pins.len()
    ));
    let out = command
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    drop(spinner);
    if out.status.success() {
        return Ok(None);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let unreachable = [
        "Failed to establish a new connection",
        "Could not fetch URL",
        "Max retries exceeded",
        "Temporary failure in name resolution",
        "NewConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
    ];
    if let Some(hint) = unreachable.iter().find(|h| err.contains(*h)) {
        return Err(format!("the package index could not be reached ({hint})"));
    }
    let named = err.lines().find_map(|l| {
        l.trim()
            .strip_prefix("ERROR: No matching distribution found for ")
            .map(|p| p.trim().to_string())
    });
    match named {
        Some(pin) => Ok(Some(pin)),
        None => Err(format!(
            "pip could not tell: {}",
            err.lines().last().unwrap_or("no output").trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_told_apart_by_normalised_name_and_keys_differ_by_python() {
        assert!(same_pin("Greenlet==3.0.1", "greenlet==3.0.1"));
        assert!(same_pin("zope_interface==6", "zope-interface==6"));
        assert!(!same_pin("flask==3", "flask-cors==4"));
        let pins = vec!["greenlet==3.0.1".to_string()];
        assert_ne!(cache_key(&pins, 12), cache_key(&pins, 13));
        assert_eq!(installs(&[], 13, None), Answer::Fits);
    }
}
