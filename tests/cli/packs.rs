//! Preset packs, built at test time as git repositories with tags (and as plain folders): `new
//! --pack` with a preset, locked answers, replaced, added and dropped files; `upgrade` from one
//! pack release to the next keeping the user's edits; a pack layered on another; a folder pack
//! that changed; and bad packs refused with nothing written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_fs::TempDir;

use crate::support::{commit_all, git, read_tree, run, stderr, stdout};

/// Writes `files` (path → text) under `dir`, creating folders.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const V1_MANIFEST: &str = r#"name: acme
version: 1.0.0
description: Acme's service defaults
requires_pyscaffold: ">=0.1"
variables:
  owners: "@acme/platform"
defaults:
  python_version: "3.12"
locked:
  ci: [gitlab]
questions:
  - id: cost_center
    prompt: Cost center billed for the service
    type: string
    default: cc-000
files:
  - template: CODEOWNERS
    path: CODEOWNERS
  - template: dockerignore
    path: .dockerignore
drop:
  - compose.yaml
"#;

const V1_CODEOWNERS: &str = "# Cost center {{ cost_center }}\n* {{ vars.owners }}\n";
const V1_DOCKERIGNORE: &str = "# Acme's .dockerignore\n.git\n.venv\n__pycache__/\n";
const PRESET: &str = "description: Acme's Flask API\nanswers:\n  framework: flask\n  port: 8080\n";

/// A pack repository with tags v1 (the files above) and v2 (a changed CODEOWNERS line, a
/// renamed question, a new line in .dockerignore), in `dir`.
fn git_pack(dir: &Path) -> PathBuf {
    let root = dir.join("acme-pack");
    write_files(
        &root,
        &[
            ("pack.yaml", V1_MANIFEST),
            ("files/CODEOWNERS", V1_CODEOWNERS),
            ("files/dockerignore", V1_DOCKERIGNORE),
            ("presets/acme-api.yml", PRESET),
            ("README.md", "Acme's pack\n"),
        ],
    );
    commit_all(&root, "v1");
    assert!(git(&root, &["tag", "v1"]).status.success());
    let v2 = V1_MANIFEST
        .replace("version: 1.0.0", "version: 2.0.0")
        .replace("id: cost_center", "id: cost_centre")
        .replace("default: cc-000", "default: cc-001")
        + "migrations:\n  2.0.0:\n    renamed_questions:\n      cost_center: cost_centre\n";
    write_files(
        &root,
        &[
            ("pack.yaml", &v2),
            (
                "files/CODEOWNERS",
                "# Cost centre {{ cost_centre }}\n* {{ vars.owners }}\n",
            ),
            (
                "files/dockerignore",
                "# Acme's .dockerignore\n.git\n.venv\n__pycache__/\n*.log\n",
            ),
        ],
    );
    commit_all(&root, "v2");
    assert!(git(&root, &["tag", "v2"]).status.success());
    root
}

fn url(root: &Path) -> String {
    format!("file://{}", root.display())
}

fn record_of(root: &Path) -> String {
    std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap()
}

#[test]
fn new_with_a_git_pack_takes_its_preset_locks_and_files() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    let source = format!("{}#v1", url(&pack));
    let out = run(
        tmp.path(),
        &[
            "new", "svc", "--pack", &source, "--preset", "acme-api", "-y",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("pack acme 1.0.0"), "{}", stderr(&out));
    let root = tmp.path().join("svc");
    let tree = read_tree(&root);
    // Added (with the pack's variable and its own question), replaced, dropped.
    assert_eq!(
        tree["CODEOWNERS"],
        "# Cost center cc-000\n* @acme/platform\n"
    );
    assert_eq!(tree[".dockerignore"], V1_DOCKERIGNORE);
    assert!(!tree.contains_key("compose.yaml"));
    // The lock and the defaults: GitLab only, Python 3.12, the preset's port.
    assert!(tree.contains_key(".gitlab-ci.yml"));
    assert!(!tree.contains_key(".github/workflows/docker.yml"));
    assert!(tree["Dockerfile"].contains("FROM python:3.12-slim"));
    assert!(tree["Dockerfile"].contains("EXPOSE 8080"));
    let record = record_of(&root);
    let head = git(&pack, &["rev-parse", "v1^{commit}"]);
    let commit = stdout(&head).trim().to_string();
    for line in [
        "  - name: acme\n".to_string(),
        "    version: \"1.0.0\"\n".to_string(),
        format!("    source: {}\n", url(&pack)),
        "    ref: v1\n".to_string(),
        format!("    commit: {commit}\n"),
        "  cost_center: cc-000\n".to_string(),
    ] {
        assert!(record.contains(&line), "no `{line}` in:\n{record}");
    }

    // A flag, `--set` or answers file against the lock is refused, naming pack and lock.
    std::fs::write(tmp.path().join("answers.yml"), "ci: [github]\n").unwrap();
    for args in [
        vec!["--ci", "github"],
        vec!["--set", "ci=github,gitlab"],
        vec!["--answers", "answers.yml"],
    ] {
        let mut all = vec!["new", "other", "--pack", &source, "-y"];
        all.extend(args.iter());
        let out = run(tmp.path(), &all);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("contradicts pack `acme` 1.0.0, which locks `ci` to `gitlab`"),
            "{args:?}: {err}"
        );
        assert!(err.contains("help: the pack fixes `ci`"), "{err}");
        assert!(!tmp.path().join("other").exists());
    }

    // Without a ref: the newest version tag. The pack's preset is listed with its origin.
    let out = run(tmp.path(), &["presets", "--pack", &url(&pack)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    let line = listed.lines().find(|l| l.starts_with("acme-api "));
    assert_eq!(
        line.map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")),
        Some("acme-api Acme's Flask API (pack `acme`)".to_string()),
        "{listed}"
    );
    let out = run(tmp.path(), &["new", "latest", "--pack", &url(&pack), "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(record_of(&tmp.path().join("latest")).contains("    ref: v2\n"));
}

#[test]
fn upgrade_from_pack_v1_to_v2_keeps_the_edits_and_applies_the_pack_change() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    let source = format!("{}#v1", url(&pack));
    let out = run(
        tmp.path(),
        &[
            "new",
            "svc",
            "--pack",
            &source,
            "--set",
            "cost_center=cc-042",
            "-y",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let root = tmp.path().join("svc");
    commit_all(&root, "generated");
    // Edits away from the pack's changes: one in a built-in file, one in the pack's file.
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let edited = dockerfile.replace("EXPOSE 8000", "EXPOSE 8000\nLABEL team=payments");
    std::fs::write(root.join("Dockerfile"), &edited).unwrap();
    let ignore = format!("node_modules/\n{V1_DOCKERIGNORE}");
    std::fs::write(root.join(".dockerignore"), &ignore).unwrap();
    commit_all(&root, "our edits");

    let check = run(&root, &["upgrade", "--check"]);
    assert_eq!(check.status.code(), Some(10), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("pack acme 1.0.0 -> 2.0.0"),
        "{}",
        stderr(&check)
    );
    let out = run(&root, &["upgrade"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pack acme 1.0.0 to 2.0.0"),
        "{}",
        stderr(&out)
    );
    let tree = read_tree(&root);
    assert_eq!(
        tree["Dockerfile"], edited,
        "the built-in file keeps the edit"
    );
    assert_eq!(
        tree[".dockerignore"],
        format!("node_modules/\n{V1_DOCKERIGNORE}*.log\n"),
        "the edit and the pack's new line"
    );
    // The pack's migration carried the renamed question's answer.
    assert_eq!(
        tree["CODEOWNERS"],
        "# Cost centre cc-042\n* @acme/platform\n"
    );
    let record = record_of(&root);
    assert!(
        record.contains("    version: \"2.0.0\"\n    source:"),
        "{record}"
    );
    assert!(record.contains("    ref: v2\n"), "{record}");
    assert!(record.contains("  cost_centre: cc-042\n"), "{record}");
    assert!(!record.contains("cost_center"), "{record}");
    commit_all(&root, "upgraded");
    let again = run(&root, &["upgrade", "--check"]);
    assert_eq!(
        again.status.code(),
        Some(12),
        "drift only: {}",
        stderr(&again)
    );

    // A record whose pack version does not match its commit was tampered with.
    let path = root.join(".pyscaffold.yml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replace(
            "    version: \"2.0.0\"\n    source:",
            "    version: \"1.0.0\"\n    source:",
        ),
    )
    .unwrap();
    let tampered = run(&root, &["upgrade", "--check", "--allow-dirty"]);
    assert_eq!(tampered.status.code(), Some(2), "{}", stderr(&tampered));
    assert!(
        stderr(&tampered)
            .contains("records pack `acme` 1.0.0, but its recorded commit holds 2.0.0"),
        "{}",
        stderr(&tampered)
    );
    std::fs::write(&path, good).unwrap();

    // Backwards is refused; an unknown tag lists the known ones.
    let back = run(&root, &["upgrade", "--pack-ref", "v1"]);
    assert_eq!(back.status.code(), Some(2), "{}", stderr(&back));
    assert!(stderr(&back).contains("older than the project's pack `acme` 2.0.0"));
    let unknown = run(&root, &["upgrade", "--pack-ref", "v9"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains("has no tag, branch or commit `v9`")
            && stderr(&unknown).contains("help: its version tags, newest first: v2, v1"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_team_pack_extends_the_org_pack() {
    let tmp = TempDir::new().unwrap();
    let org = git_pack(tmp.path());
    let team = tmp.path().join("team-pack");
    let manifest = format!(
        "name: payments\nversion: 0.1.0\ndescription: The payments team\nextends: {}#v2\n\
         defaults:\n  port: 9000\nfiles:\n  - template: CODEOWNERS\n    path: CODEOWNERS\n",
        url(&org)
    );
    write_files(
        &team,
        &[
            ("pack.yaml", &manifest),
            ("files/CODEOWNERS", "* @acme/payments\n"),
        ],
    );
    commit_all(&team, "team v0.1");
    assert!(git(&team, &["tag", "v0.1.0"]).status.success());
    let out = run(tmp.path(), &["new", "svc", "--pack", &url(&team), "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = tmp.path().join("svc");
    let tree = read_tree(&root);
    assert_eq!(
        tree["CODEOWNERS"], "* @acme/payments\n",
        "the team's file wins"
    );
    assert!(tree["Dockerfile"].contains("EXPOSE 9000"));
    assert!(tree.contains_key(".gitlab-ci.yml"), "the org's lock holds");
    let record = record_of(&root);
    let org_at = record.find("  - name: acme\n").expect("org pack recorded");
    let team_at = record
        .find("  - name: payments\n")
        .expect("team pack recorded");
    assert!(org_at < team_at, "lowest layer first:\n{record}");
    assert!(record.contains("    via: payments\n"), "{record}");

    // The team cannot undo the org's lock.
    let undo = manifest.replace("defaults:", "locked:\n  ci: [github]\ndefaults:");
    write_files(&team, &[("pack.yaml", &undo)]);
    let out = run(
        tmp.path(),
        &["new", "other", "--pack", team.to_str().unwrap(), "-y"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "pack `payments` 0.1.0 locks `ci` to `github`, but pack `acme` 2.0.0 locked it to `gitlab`"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("other").exists());
}

#[test]
fn a_folder_pack_that_changed_replaces_only_unedited_files() {
    let tmp = TempDir::new().unwrap();
    let pack = tmp.path().join("folder-pack");
    write_files(
        &pack,
        &[
            ("pack.yaml", V1_MANIFEST),
            ("files/CODEOWNERS", V1_CODEOWNERS),
            ("files/dockerignore", V1_DOCKERIGNORE),
        ],
    );
    let out = run(
        tmp.path(),
        &["new", "svc", "--pack", pack.to_str().unwrap(), "-y"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let root = tmp.path().join("svc");
    assert!(
        record_of(&root).contains("    sha256: "),
        "{}",
        record_of(&root)
    );
    commit_all(&root, "generated");
    std::fs::write(root.join("CODEOWNERS"), "* @me\n").unwrap();
    commit_all(&root, "mine");
    // Unchanged pack: nothing to do but report the drift.
    assert_eq!(run(&root, &["upgrade", "--check"]).status.code(), Some(12));

    write_files(
        &pack,
        &[
            ("files/CODEOWNERS", "* @acme/everyone\n"),
            ("files/dockerignore", "# v2\n.git\n"),
        ],
    );
    let out = run(&root, &["upgrade"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("there is no base to merge with"), "{err}");
    assert!(
        err.contains("kept: CODEOWNERS: edited by you, and there is no base to merge with"),
        "{err}"
    );
    let tree = read_tree(&root);
    assert_eq!(tree["CODEOWNERS"], "* @me\n", "the edit is kept");
    assert_eq!(
        tree[".dockerignore"], "# v2\n.git\n",
        "the unedited file follows the pack"
    );
}

#[test]
fn bad_packs_are_refused_and_nothing_is_written() {
    let tmp = TempDir::new().unwrap();
    // A symbolic link out of the pack.
    let linked = tmp.path().join("linked");
    write_files(
        &linked,
        &[("pack.yaml", V1_MANIFEST), ("files/dockerignore", "x\n")],
    );
    std::os::unix::fs::symlink("/etc/passwd", linked.join("files/CODEOWNERS")).unwrap();
    // A tagged repository asked for a tag it does not have.
    let tagged = git_pack(tmp.path());
    let cases: BTreeMap<&str, (String, &str)> = BTreeMap::from([
        (
            "symlink",
            (
                linked.display().to_string(),
                "`files/CODEOWNERS` is a symbolic link",
            ),
        ),
        (
            "unknown ref",
            (
                format!("{}#v7", url(&tagged)),
                "has no tag, branch or commit `v7`",
            ),
        ),
        (
            "unreachable",
            (
                format!("file://{}/nowhere.git", tmp.path().display()),
                "cannot fetch pack",
            ),
        ),
    ]);
    for (class, (source, message)) in cases {
        let out = run(tmp.path(), &["new", "svc", "--pack", &source, "-y"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{class}: {err}");
        assert!(err.contains(message), "{class}: {err}");
        assert!(err.contains("\nhelp: "), "{class}: {err}");
        assert!(!tmp.path().join("svc").exists(), "{class}: written");
    }
}

#[test]
fn the_config_file_and_environment_name_the_pack_once() {
    let tmp = TempDir::new().unwrap();
    let pack = tmp.path().join("p");
    write_files(
        &pack,
        &[
            ("pack.yaml", V1_MANIFEST),
            ("files/CODEOWNERS", V1_CODEOWNERS),
            ("files/dockerignore", V1_DOCKERIGNORE),
        ],
    );
    let config = tmp.path().join("config.yaml");
    std::fs::write(&config, format!("pack: {}\n", pack.display())).unwrap();
    let out = crate::support::command(tmp.path(), &["new", "a", "-y"])
        .env("PYSCAFFOLD_CONFIG", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tmp.path().join("a/CODEOWNERS").exists());
    let out = crate::support::command(tmp.path(), &["new", "b", "-y"])
        .env("PYSCAFFOLD_PACK", &pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tmp.path().join("b/CODEOWNERS").exists());
    let out = crate::support::command(tmp.path(), &["new", "c", "--no-pack", "-y"])
        .env("PYSCAFFOLD_PACK", &pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!tmp.path().join("c/CODEOWNERS").exists());
    // A broken config file is bad input, named.
    std::fs::write(&config, "pack: [unclosed\n").unwrap();
    let out = crate::support::command(tmp.path(), &["new", "d", "-y"])
        .env("PYSCAFFOLD_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config.yaml` is invalid"),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("d").exists());
}

#[test]
fn pack_new_writes_a_skeleton_that_passes_its_own_check() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["pack", "new", "acme-pack"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = tmp.path().join("acme-pack");
    let manifest = std::fs::read_to_string(pack.join("pack.yaml")).unwrap();
    assert!(manifest.contains("name: acme-pack\n"), "{manifest}");
    let check = run(tmp.path(), &["pack", "check", "acme-pack"]);
    let (said, err) = (stdout(&check), stderr(&check));
    assert!(check.status.success(), "{said}{err}");
    assert!(
        said.contains("manifest ok, 1 template, 1 preset, 1 locked answer\n"),
        "{said}"
    );
    assert!(said.contains("ok      the defaults: "), "{said}");
    assert!(said.contains("ok      preset `service`: "), "{said}");
    if crate::support::in_ci() {
        assert!(
            !err.contains("not on PATH"),
            "every validator runs in CI: {err}"
        );
    }
    // A service from it: the lock, the default, the pack's question and file.
    let out = run(tmp.path(), &["new", "svc", "--pack", "acme-pack", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = read_tree(&tmp.path().join("svc"));
    assert_eq!(
        tree[".github/CODEOWNERS"],
        "# Reviews for svc, owned by platform.\n* @acme-pack/platform\n"
    );
    assert!(tree["Dockerfile"].contains("FROM python:3.13-slim"));
    // Not over an existing folder.
    let again = run(tmp.path(), &["pack", "new", "acme-pack"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}

#[test]
fn pack_check_fails_on_output_the_validators_refuse_and_unused_templates() {
    let tmp = TempDir::new().unwrap();
    assert!(run(tmp.path(), &["pack", "new", "p"]).status.success());
    let pack = tmp.path().join("p");
    write_files(
        &pack,
        &[
            (
                "files/Dockerfile",
                "FROM python:latest\nRUN apt-get install -y curl\n",
            ),
            ("files/notes.txt", "never written\n"),
        ],
    );
    let manifest = std::fs::read_to_string(pack.join("pack.yaml")).unwrap();
    let manifest = manifest
        .replace("drop: []", "drop: [compose.yaml, no-such-file.txt]")
        .replace(
            "migrations: {}",
            "migrations:\n  0.2.0:\n    renamed_questions:\n      owning_team: nobody_asks",
        );
    write_files(&pack, &[("pack.yaml", &manifest)]);
    let check = run(tmp.path(), &["pack", "check", "p"]);
    let said = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{said}{}", stderr(&check));
    assert!(
        said.contains("`files/notes.txt` is never written"),
        "{said}"
    );
    assert!(
        said.contains(
            "`drop: no-such-file.txt` matches no file the defaults or any preset would write"
        ),
        "{said}"
    );
    assert!(!said.contains("`drop: compose.yaml`"), "{said}");
    assert!(
        said.contains("the migration to 0.2.0 names `nobody_asks`, which is not a question"),
        "{said}"
    );
    if crate::support::tool("hadolint").is_some() {
        assert!(said.contains("FAILED  the defaults"), "{said}");
        assert!(said.contains("DL3007"), "{said}");
    }
}

#[test]
fn fleet_report_shows_a_dozen_repositories_at_mixed_versions() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    let mut listed = String::from("# the fleet\n");
    let mut expect: Vec<(String, &str, usize, Option<usize>, &str)> = Vec::new();
    // The newest four built-in versions.
    let mut all: Vec<semver::Version> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/builtin"))
            .unwrap()
            .filter_map(|e| semver::Version::parse(e.unwrap().file_name().to_str()?).ok())
            .collect();
    all.sort();
    let versions: Vec<String> = all[all.len() - 4..]
        .iter()
        .map(ToString::to_string)
        .collect();
    let newest = versions[3].clone();
    for (i, version) in versions.iter().map(String::as_str).enumerate() {
        for variant in ["plain", "pack-v1", "pack-v2"] {
            let name = format!("svc-{i}-{variant}");
            let mut args = vec!["new", name.as_str(), "--template-version", version, "-y"];
            let source_v1 = format!("{}#v1", url(&pack));
            let source_v2 = url(&pack);
            match variant {
                "pack-v1" => args.extend(["--pack", source_v1.as_str()]),
                "pack-v2" => args.extend(["--pack", source_v2.as_str()]),
                _ => {}
            }
            let out = run(tmp.path(), &args);
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            listed.push_str(&format!("{name}\n"));
            let behind = 3 - i;
            let pack_behind = match variant {
                "pack-v1" => Some(1),
                "pack-v2" => Some(0),
                _ => None,
            };
            let status = if behind > 0 || pack_behind == Some(1) {
                "upgrade-available"
            } else {
                "up-to-date"
            };
            expect.push((name, version, behind, pack_behind, status));
        }
    }
    // Drift in one repository, a record contradicting the lock in another.
    let drifted = tmp.path().join("svc-3-plain");
    let dockerfile = std::fs::read_to_string(drifted.join("Dockerfile")).unwrap();
    std::fs::write(drifted.join("Dockerfile"), format!("{dockerfile}# ours\n")).unwrap();
    let locked = tmp.path().join("svc-3-pack-v2/.pyscaffold.yml");
    let text = std::fs::read_to_string(&locked).unwrap();
    std::fs::write(
        &locked,
        text.replace("  ci:\n    - gitlab\n", "  ci:\n    - github\n"),
    )
    .unwrap();
    listed.push_str("not-a-project\n");
    std::fs::create_dir(tmp.path().join("not-a-project")).unwrap();
    std::fs::write(tmp.path().join("fleet.txt"), listed).unwrap();

    let out = run(
        tmp.path(),
        &["fleet", "report", "fleet.txt", "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["newest_template"], newest.as_str());
    let rows = report["repositories"].as_array().unwrap();
    assert_eq!(rows.len(), 13);
    for (row, (name, version, behind, pack_behind, status)) in rows.iter().zip(&expect) {
        assert!(
            row["path"].as_str().unwrap().ends_with(name.as_str()),
            "{row}"
        );
        assert_eq!(row["template"]["version"], *version, "{name}");
        assert_eq!(row["template"]["behind"], *behind, "{name}");
        match pack_behind {
            Some(n) => {
                assert_eq!(row["packs"][0]["name"], "acme", "{name}");
                assert_eq!(row["packs"][0]["behind"], *n, "{name}");
                assert_eq!(row["packs"][0]["newest"], "2.0.0", "{name}");
            }
            None => assert_eq!(row["packs"], serde_json::json!([]), "{name}"),
        }
        // The record that contradicts the lock: upgrade would put the lock back.
        let want = match name.as_str() {
            "svc-3-plain" => "drift",
            "svc-3-pack-v2" => "upgrade-available",
            _ => status,
        };
        assert_eq!(row["prediction"]["status"], want, "{name}: {row}");
    }
    assert_eq!(rows[9]["drifted"], serde_json::json!(["Dockerfile"]));
    // A repository merely behind the pack release that added the lock violates nothing.
    for (i, row) in rows.iter().enumerate().filter(|(i, _)| *i != 11) {
        assert_eq!(
            row["locked_violations"],
            serde_json::json!([]),
            "row {i}: {row}"
        );
    }
    assert_eq!(
        rows[11]["locked_violations"],
        serde_json::json!([{"question": "ci", "answer": "github", "locked": "gitlab", "by": "pack `acme` 2.0.0"}])
    );
    assert!(
        rows[12]["error"]
            .as_str()
            .unwrap()
            .contains("has no `.pyscaffold.yml`"),
        "{}",
        rows[12]
    );
    // The table: one row per repository and a summary line.
    let out = run(tmp.path(), &["fleet", "report", "fleet.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert_eq!(table.lines().count(), 14, "{table}");
    assert!(table.contains("acme 1.0.0 (1 behind 2.0.0)"), "{table}");
    assert!(
        stderr(&out).contains("13 repositories: 10 behind the newest release, 1 could not be read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pack_test_finds_the_conflict_an_upgrade_path_has() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    // By default a line is appended to every managed file: v2 appended to .dockerignore too.
    let out = run(tmp.path(), &["pack", "test", "acme-pack"]);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}{}", stderr(&out));
    assert!(
        said.contains("CONFLICTS  v1 defaults: .dockerignore (1 conflict)"),
        "{said}"
    );
    assert!(
        said.contains("CONFLICTS  v1 preset `acme-api`: .dockerignore (1 conflict)"),
        "{said}"
    );
    assert!(said.contains("clean      v2 defaults"), "{said}");
    assert!(
        stderr(&out).contains("pack `acme` 2.0.0: 2 clean, 2 with conflicts, 0 failed"),
        "{}",
        stderr(&out)
    );
    // The edits a team really makes, away from the pack's change: every path is clean.
    write_files(
        &pack,
        &[(
            "pack-test.yml",
            "edits:\n  - path: .dockerignore\n    prepend: \"node_modules/\\n\"\n  - path: Dockerfile\n    replace: {old: \"ENTRYPOINT\", new: \"LABEL team=payments\\nENTRYPOINT\"}\n",
        )],
    );
    let out = run(tmp.path(), &["pack", "test", "acme-pack"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("2 edits from pack-test.yml"),
        "{}",
        stdout(&out)
    );
    // Not a git checkout: bad input.
    let plain = tmp.path().join("plain");
    write_files(&plain, &[("pack.yaml", V1_MANIFEST)]);
    let out = run(tmp.path(), &["pack", "test", "plain"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn newest_skips_pre_releases_and_the_changelog_lists_every_release_between() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    let source = format!("{}#v2", url(&pack));
    let out = run(tmp.path(), &["new", "svc", "--pack", &source, "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = tmp.path().join("svc");
    commit_all(&root, "generated");
    // Releases 3 and 4 with changelog lines, then a pre-release the newest-tag rule skips.
    let manifest = std::fs::read_to_string(pack.join("pack.yaml")).unwrap();
    for (version, tag, line) in [
        ("3.0.0", "v3", "Three"),
        ("4.0.0", "v4", "Four"),
        ("5.0.0-rc1", "5.0.0-rc1", "Five, soon"),
    ] {
        let text = manifest
            .replace("version: 2.0.0", &format!("version: {version}"))
            .replace(
                "description: Acme's service defaults",
                &format!("description: Acme's service defaults\nchangelog: {line}"),
            );
        write_files(&pack, &[("pack.yaml", &text)]);
        commit_all(&pack, tag);
        assert!(git(&pack, &["tag", tag]).status.success());
    }
    let check = run(&root, &["upgrade", "--check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(10), "{}", stderr(&check));
    let report: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    assert_eq!(
        report["packs"][0]["to"], "4.0.0",
        "pre-releases are not newest: {report}"
    );
    let entries: Vec<String> = report["changelog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["release"].as_str().unwrap(),
                e["text"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec!["pack acme 3.0.0: Three", "pack acme 4.0.0: Four"]
    );
}

#[test]
fn pack_test_fails_an_edit_that_does_not_apply() {
    let tmp = TempDir::new().unwrap();
    let pack = git_pack(tmp.path());
    write_files(
        &pack,
        &[(
            "pack-test.yml",
            "edits:\n  - path: docs/NOPE.md\n    append: x\n",
        )],
    );
    let out = run(tmp.path(), &["pack", "test", "acme-pack"]);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("FAILED     v1 defaults: the edit of `docs/NOPE.md` does not apply"),
        "{said}"
    );
}

#[test]
fn fleet_report_calls_a_repository_behind_a_new_lock_behind_not_violating() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("lock-pack");
    let v1 = "name: acme\nversion: 1.0.0\ndescription: Acme\n";
    write_files(&root, &[("pack.yaml", v1)]);
    commit_all(&root, "v1");
    assert!(git(&root, &["tag", "v1"]).status.success());
    // v2 locks an answer the service generated from v1 does not have.
    let v2 = "name: acme\nversion: 2.0.0\ndescription: Acme\nlocked:\n  port: 9000\n";
    write_files(&root, &[("pack.yaml", v2)]);
    commit_all(&root, "v2");
    assert!(git(&root, &["tag", "v2"]).status.success());
    let source = format!("{}#v1", url(&root));
    let out = run(tmp.path(), &["new", "svc", "--pack", &source, "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(tmp.path(), &["fleet", "report", "svc", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row = &report["repositories"][0];
    assert_eq!(row["locked_violations"], serde_json::json!([]), "{row}");
    assert_eq!(row["packs"][0]["behind"], 1, "{row}");
    assert_eq!(row["prediction"]["status"], "upgrade-available", "{row}");
}

#[test]
fn a_pack_file_over_the_size_limit_is_refused_naming_the_limit() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let root = tmp.path().join("big-pack");
    write_files(
        &root,
        &[
            ("pack.yaml", V1_MANIFEST),
            ("files/CODEOWNERS", V1_CODEOWNERS),
            ("files/dockerignore", V1_DOCKERIGNORE),
        ],
    );
    // A 60 MB "template" (a build artefact left under files/).
    let big = std::fs::File::create(root.join("files/bundle.js")).unwrap();
    big.set_len(60 * 1024 * 1024).unwrap();
    let out = run(
        tmp.path(),
        &["new", "svc", "-y", "--pack", root.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`files/bundle.js` is 60 MiB; a pack file may be at most 8 MiB")
            && err.contains("help:"),
        "{err}"
    );
    assert!(!tmp.path().join("svc").exists());
}
