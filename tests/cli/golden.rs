//! Golden trees: the exact files `new` writes for a few answer sets.
//!
//! Expected trees live in `tests/golden/<case>/`. After an intended template change, run
//! `PYSCAFFOLD_BLESS=1 cargo test --test cli golden` and review the diff in git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::support::{generate, read_tree};

/// (case, project name, arguments after the name)
pub const CASES: &[(&str, &str, &[&str])] = &[
    ("default", "demo", &["-y"]),
    (
        "custom",
        "billing-api",
        &[
            "-y",
            "--port",
            "9000",
            "--python",
            "3.12",
            "--set",
            "debian_release=bookworm",
            "--system-package",
            "libpq5",
            "--build-package",
            "build-essential,libpq-dev",
            "--image",
            "registry.example.com/team/billing-api",
            "--health-path",
            "/livez",
            "--set",
            "git_ssh=true",
            "--set",
            "uid=20001",
            "--set",
            "base_image=python:3.12-slim-bookworm@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "--set",
            "healthcheck_interval=1m",
            "--set",
            "upgrade_job=true",
        ],
    ),
    // The frozen 0.2.0 templates: byte for byte what `new` wrote before 0.3.0 existed.
    (
        "template-0.2.0",
        "demo",
        &["-y", "--template-version", "0.2.0"],
    ),
    (
        "preset-small",
        "tiny",
        &["--preset", "flask-small", "--ci", "none", "-y"],
    ),
];

fn golden_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

#[test]
fn generated_trees_match_the_golden_trees() {
    let mut failures = Vec::new();
    for (case, name, args) in CASES {
        let (_tmp, root) = generate(name, args);
        failures.extend(compare_or_bless(case, &read_tree(&root)));
    }
    assert!(
        failures.is_empty(),
        "generated files differ from tests/golden (PYSCAFFOLD_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

/// Compares `actual` with `tests/golden/<case>/` (with PYSCAFFOLD_BLESS set: replaces it);
/// returns a unified diff per differing file.
pub fn compare_or_bless(case: &str, actual: &BTreeMap<String, String>) -> Vec<String> {
    let dir = golden_dir(case);
    if std::env::var_os("PYSCAFFOLD_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in actual {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        return Vec::new();
    }
    let expected = read_tree(&dir);
    let paths: std::collections::BTreeSet<&String> = actual.keys().chain(expected.keys()).collect();
    let mut failures = Vec::new();
    for path in paths {
        let old = expected.get(path).map(String::as_str).unwrap_or("");
        let new = actual.get(path).map(String::as_str).unwrap_or("");
        if old != new || expected.contains_key(path) != actual.contains_key(path) {
            failures.push(
                TextDiff::from_lines(old, new)
                    .unified_diff()
                    .header(
                        &format!("golden/{case}/{path}"),
                        &format!("generated/{path}"),
                    )
                    .to_string(),
            );
        }
    }
    failures
}

#[test]
fn the_record_hashes_every_generated_file_exactly() {
    let (_tmp, root) = generate("demo", &["-y"]);
    let record_text = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    let record = pyscaffold::record::Record::from_yaml(&record_text).unwrap();
    let tree = read_tree(&root);
    let listed: Vec<&str> = record.files.iter().map(|f| f.path.as_str()).collect();
    let on_disk: Vec<&str> = tree
        .keys()
        .map(String::as_str)
        .filter(|p| *p != ".pyscaffold.yml")
        .collect();
    assert_eq!(
        listed, on_disk,
        "the record must list every generated file, sorted"
    );
    for file in &record.files {
        let hash = pyscaffold::record::sha256_hex(tree[&file.path].as_bytes());
        assert_eq!(hash, file.sha256, "hash of {}", file.path);
    }
    assert_eq!(record.template.id, "builtin");
    assert_eq!(record.answers["port"], pyscaffold::value::Value::Int(8000));
}
