//! `scripts/freeze-templates.sh`: starting the next template version and freezing it turns the
//! version before it into a delta that still assembles to its released files.

use std::path::Path;
use std::process::Command;

use crate::support::copy_tree;

#[test]
fn freezing_the_next_version_stores_the_previous_one_as_a_delta() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = assert_fs::TempDir::new().unwrap();
    copy_tree(
        &repo.join("templates/builtin"),
        &tmp.path().join("templates/builtin"),
    );
    copy_tree(&repo.join("scripts"), &tmp.path().join("scripts"));
    let script = tmp.path().join("scripts/freeze-templates.sh");
    let newest = pyscaffold::template_set::builtin::latest()
        .unwrap()
        .to_string();
    let builtin = tmp.path().join("templates/builtin");
    let run = |args: &[&str]| {
        Command::new("bash")
            .arg(&script)
            .args(args)
            .output()
            .unwrap()
    };

    // Freezing an older version, or the newest twice, is refused.
    let again = run(&[&newest]);
    assert_eq!(again.status.code(), Some(2));
    let out = run(&["--next", "99.0.0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!builtin.join(&newest).join("delta.txt").exists());
    // The next version changes one file and drops another.
    let next = builtin.join("99.0.0/files");
    let dockerfile = next.join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, format!("{text}# changed\n")).unwrap();
    std::fs::remove_file(next.join("compose.yaml")).unwrap();
    std::fs::write(next.join("NEW.md"), "new\n").unwrap();
    let out = run(&["99.0.0"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(&format!("stored templates/builtin/{newest} as a delta")),
        "{said}"
    );
    let previous = builtin.join(&newest);
    let delta = std::fs::read_to_string(previous.join("delta.txt")).unwrap();
    assert!(delta.lines().any(|l| l == "files/NEW.md"), "{delta}");
    let kept: Vec<String> = walkdir::WalkDir::new(&previous)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&previous)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut kept = kept;
    kept.sort();
    assert_eq!(
        kept,
        [
            "delta.txt",
            "files/Dockerfile",
            "files/compose.yaml",
            "manifest.yml"
        ]
    );
}
