//! `scripts/release.sh`: a release bumps the crate's version, dates the CHANGELOG section and
//! tags, and only from a clean tree whose template versions are all frozen; every refusal
//! names the problem and the fix and changes nothing.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{commit_all, copy_tree, git};

/// A git repository with what the script reads and edits: the manifest and lock, the CHANGELOG,
/// the built-in templates and the scripts (the crate's sources as empty files, which is all
/// cargo needs to read the manifest).
fn release_checkout(tmp: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["Cargo.toml", "Cargo.lock", "CHANGELOG.md"] {
        std::fs::copy(repo.join(file), tmp.join(file)).unwrap();
    }
    copy_tree(
        &repo.join("templates/builtin"),
        &tmp.join("templates/builtin"),
    );
    copy_tree(&repo.join("scripts"), &tmp.join("scripts"));
    for empty in ["src/main.rs", "src/lib.rs", "tests/cli/main.rs"] {
        std::fs::create_dir_all(tmp.join(empty).parent().unwrap()).unwrap();
        std::fs::write(tmp.join(empty), "").unwrap();
    }
    commit_all(tmp, "start");
}

/// git's output, asserting that it succeeded.
fn git_ok(dir: &Path, args: &[&str]) -> Output {
    let out = git(dir, args);
    assert!(out.status.success(), "git {args:?}: {out:?}");
    out
}

fn release(dir: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(dir.join("scripts/release.sh"))
        .args(args)
        .env("RELEASE_DATE", "2027-01-15")
        .env("GIT_AUTHOR_NAME", "Release Test")
        .env("GIT_AUTHOR_EMAIL", "release@example.com")
        .env("GIT_COMMITTER_NAME", "Release Test")
        .env("GIT_COMMITTER_EMAIL", "release@example.com")
        .output()
        .unwrap()
}

fn head(dir: &Path) -> String {
    String::from_utf8(git_ok(dir, &["rev-parse", "HEAD"]).stdout).unwrap()
}

/// The script exits 2 with an `error:` naming `problem` and a `help:` line, and the checkout
/// is as it was: same commit, clean tree, no tag.
fn assert_refused(dir: &Path, args: &[&str], problem: &str) {
    let before = head(dir);
    let dirty_before = git_ok(dir, &["status", "--porcelain"]).stdout;
    let out = release(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(problem), "{args:?}: {err}");
    assert!(err.contains("\nhelp: "), "{args:?}: {err}");
    assert_eq!(head(dir), before);
    assert_eq!(git_ok(dir, &["status", "--porcelain"]).stdout, dirty_before);
    assert!(git_ok(dir, &["tag"]).stdout.is_empty());
}

fn crate_version(dir: &Path) -> String {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    manifest["package"]["version"].as_str().unwrap().to_string()
}

#[test]
fn a_release_bumps_dates_and_tags_and_refuses_what_is_not_ready() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let dir = tmp.path();
    release_checkout(dir);
    let current = crate_version(dir);
    let newest = pyscaffold::template_set::builtin::latest()
        .unwrap()
        .to_string();

    assert_refused(dir, &["v0.2.0"], "is not a release version");
    assert_refused(dir, &["0.2"], "is not a release version");
    assert_refused(
        dir,
        &["0.0.1"],
        &format!("is older than the crate's version {current}"),
    );

    // Uncommitted changes.
    std::fs::write(dir.join("notes.txt"), "draft\n").unwrap();
    assert_refused(dir, &["0.2.0"], "uncommitted changes");
    std::fs::remove_file(dir.join("notes.txt")).unwrap();

    // A template version that was never frozen.
    let draft = dir.join("templates/builtin/99.0.0");
    copy_tree(&dir.join("templates/builtin").join(&newest), &draft);
    commit_all(dir, "draft templates");
    assert_refused(dir, &["0.2.0"], "template version 99.0.0 is not frozen");
    std::fs::remove_dir_all(&draft).unwrap();
    commit_all(dir, "drop the draft");

    // The newest version edited after its freeze.
    let readme = dir
        .join("templates/builtin")
        .join(&newest)
        .join("files/README.Docker.md");
    let original = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{original}edited\n")).unwrap();
    commit_all(dir, "edit a frozen version");
    assert_refused(
        dir,
        &["0.2.0"],
        &format!("templates {newest} changed after it was frozen"),
    );
    std::fs::write(&readme, original).unwrap();
    commit_all(dir, "restore it");

    // An unreleased section with nothing in it.
    let changelog = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap();
    std::fs::write(
        dir.join("CHANGELOG.md"),
        changelog.replacen(
            "(unreleased)\n",
            "(unreleased)\n\n## 0.0.9 (2020-01-01)\n",
            1,
        ),
    )
    .unwrap();
    commit_all(dir, "empty section");
    assert_refused(dir, &["0.2.0"], "has no entries");
    std::fs::write(dir.join("CHANGELOG.md"), &changelog).unwrap();
    commit_all(dir, "entries back");

    // A dry run checks and changes nothing.
    let before = head(dir);
    let out = release(dir, &["0.2.0", "--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains(&format!("templates {newest}")), "{said}");
    assert!(said.contains("nothing changed"), "{said}");
    assert_eq!(head(dir), before);

    // The release.
    let out = release(dir, &["0.2.0"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("git push origin HEAD v0.2.0"), "{said}");
    assert_eq!(crate_version(dir), "0.2.0");
    let lock: toml::Table = std::fs::read_to_string(dir.join("Cargo.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let locked = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("pyscaffold"))
        .unwrap();
    assert_eq!(locked["version"].as_str(), Some("0.2.0"));
    let dated = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap();
    assert!(dated.contains("\n## 0.2.0 (2027-01-15)\n"), "{dated}");
    assert!(!dated.contains("(unreleased)"), "{dated}");
    assert!(git_ok(dir, &["status", "--porcelain"]).stdout.is_empty());
    let tag = String::from_utf8(git_ok(dir, &["tag", "-n1"]).stdout).unwrap();
    assert!(
        tag.contains("v0.2.0") && tag.contains(&format!("templates {newest}")),
        "{tag}"
    );

    // The same version again, and a release without a new unreleased section, are refused.
    let tagged = head(dir);
    let out = release(dir, &["0.2.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the tag v0.2.0 exists already"));
    let out = release(dir, &["0.3.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `## ... (unreleased)` section"));
    assert_eq!(head(dir), tagged);
}
