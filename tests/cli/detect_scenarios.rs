//! Detection scenarios: each folder of `tests/detect` holds a repository shape (`repo/`), what
//! it stands for (`about.md`), optionally the folder to run in (`run-in`), and what
//! `pyscaffold detect` concludes there, as the documented
//! JSON (`detect.json`) and as the report users read (`detect.txt`). The repository is copied
//! to a temporary folder and detected as `.`, so the files hold no machine's paths.
//!
//! After an intended change: `PYSCAFFOLD_BLESS=1 cargo test --test cli detect_scenarios` and
//! review the diff in git.

use std::path::{Path, PathBuf};

use crate::support::{copy_tree, run, stderr, stdout};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/detect")
}

#[test]
fn detect_scenarios_match_their_folders() {
    let bless = std::env::var_os("PYSCAFFOLD_BLESS").is_some();
    let mut names: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "expected detect scenarios in {names:?}");
    let mut failures = Vec::new();
    for dir in names {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let about = std::fs::read_to_string(dir.join("about.md")).unwrap_or_default();
        assert!(
            !about.trim().is_empty(),
            "{name}: about.md says what the shape is"
        );
        let tmp = assert_fs::TempDir::new().unwrap();
        copy_tree(&dir.join("repo"), tmp.path());
        // `run-in`: the folder of the repository detect runs in (a monorepo's service).
        let run_in = std::fs::read_to_string(dir.join("run-in")).unwrap_or_default();
        let cwd = tmp.path().join(run_in.trim());
        for (file, args) in [
            ("detect.json", &["detect", "--json", "."][..]),
            ("detect.txt", &["detect", "."][..]),
        ] {
            let out = run(&cwd, args);
            assert!(
                out.status.success(),
                "{name}: detect failed: {}",
                stderr(&out)
            );
            let actual = stdout(&out);
            let path = dir.join(file);
            if bless {
                std::fs::write(&path, &actual).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                let diff = similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header(&format!("{name}/{file}"), "actual")
                    .to_string();
                failures.push(diff);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "detect output differs from tests/detect (PYSCAFFOLD_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}
