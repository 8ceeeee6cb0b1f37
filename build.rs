//! Assembles the built-in template versions and re-embeds `templates/` and `presets/` whenever
//! a file or folder in them changes (include_dir alone does not track new files).
//!
//! `templates/builtin/` keeps the newest version as a full tree and every older, frozen version
//! as a delta on the version after it: the files that differ from it, plus `delta.txt`, listing
//! the files the newer version has and this one does not. Each version is assembled here, in
//! order from the newest down, into `$OUT_DIR/builtin/<version>/`, which the binary embeds, so
//! every version renders from exactly the files it was released with (the digests in
//! `releases.yml` check that).
//!
//! Each version's data files (`manifest.yml`, `questions.yml`, `dependencies.yml`) are also
//! written as JSON to `$OUT_DIR/builtin-data/<version>/`, which the binary reads instead of the
//! YAML: parsing JSON costs a start a small part of what parsing YAML does. A test checks that
//! both read as the same values for every version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file that marks a version folder as a delta and lists its removals.
const DELTA: &str = "delta.txt";

fn main() {
    for root in ["templates", "presets"] {
        for entry in walkdir::WalkDir::new(root).into_iter().flatten() {
            println!("cargo::rerun-if-changed={}", entry.path().display());
        }
    }
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        println!("cargo::error=cargo did not set OUT_DIR");
        return;
    };
    let out_dir = PathBuf::from(out_dir);
    let out = out_dir.join("builtin");
    let data = out_dir.join("builtin-data");
    if let Err(message) =
        assemble(Path::new("templates/builtin"), &out).and_then(|()| data_as_json(&out, &data))
    {
        println!("cargo::error={message}");
    }
}

/// The data files of a version, converted to JSON at build time.
const DATA_FILES: [&str; 3] = ["manifest", "questions", "dependencies"];

/// Writes every assembled version's data files under `out` as JSON under `data`.
fn data_as_json(out: &Path, data: &Path) -> Result<(), String> {
    if data.exists() {
        std::fs::remove_dir_all(data)
            .map_err(|e| format!("cannot clear {}: {e}", data.display()))?;
    }
    for entry in std::fs::read_dir(out).map_err(|e| e.to_string())?.flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let version = entry.file_name();
        let target = data.join(&version);
        std::fs::create_dir_all(&target)
            .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        for stem in DATA_FILES {
            let source = entry.path().join(format!("{stem}.yml"));
            let text = std::fs::read_to_string(&source)
                .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
            let value: serde_json::Value = serde_saphyr::from_str(&text).map_err(|e| {
                format!(
                    "templates/builtin/{}/{stem}.yml: {e}",
                    version.to_string_lossy()
                )
            })?;
            let json = serde_json::to_string(&value).map_err(|e| e.to_string())?;
            let path = target.join(format!("{stem}.json"));
            std::fs::write(&path, json)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// A version folder's name as numbers, for ordering (`0.10.0` after `0.9.0`).
fn version_key(name: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = name.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| p.len() == 3)
}

/// Every file under `dir` (relative `/` paths → bytes), `delta.txt` left out.
fn files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        if rel == DELTA {
            continue;
        }
        let bytes = std::fs::read(entry.path())
            .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
        out.insert(rel, bytes);
    }
    Ok(out)
}

fn assemble(source: &Path, out: &Path) -> Result<(), String> {
    let mut versions: Vec<(Vec<u64>, String)> = std::fs::read_dir(source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            version_key(&name).map(|key| (key, name))
        })
        .collect();
    versions.sort();
    versions.reverse();
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    let mut newer: Option<(String, BTreeMap<String, Vec<u8>>)> = None;
    for (_, name) in versions {
        let dir = source.join(&name);
        let own = files(&dir)?;
        let tree = match std::fs::read_to_string(dir.join(DELTA)) {
            Err(_) => own,
            Ok(listing) => {
                let Some((newer_name, newer_tree)) = &newer else {
                    return Err(format!(
                        "templates/builtin/{name} is a delta ({DELTA}), but no newer version \
                         follows it: the newest version must be a full tree"
                    ));
                };
                let mut tree = newer_tree.clone();
                for line in listing.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    if tree.remove(line).is_none() {
                        return Err(format!(
                            "templates/builtin/{name}/{DELTA} removes `{line}`, which \
                             {newer_name} does not have"
                        ));
                    }
                }
                tree.extend(own);
                tree
            }
        };
        for (rel, bytes) in &tree {
            let path = out.join(&name).join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        newer = Some((name, tree));
    }
    for entry in std::fs::read_dir(source)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), out.join(entry.file_name()))
                .map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}
