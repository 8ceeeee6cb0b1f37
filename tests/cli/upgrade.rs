//! `upgrade`, `eject` and `versions` on real generated projects: the user's edits survive, the
//! template's changes arrive, conflicts are marked, listed, exit 1 and unmerged in git, and
//! `--check` predicts all of it.

use std::path::Path;

use crate::support::{commit_all, generate, git, read_tree, run, stderr, stdout};

fn edit(root: &Path, path: &str, f: impl Fn(&str) -> String) {
    let file = root.join(path);
    let text = std::fs::read_to_string(&file).unwrap();
    let new = f(&text);
    assert_ne!(text, new, "the edit of {path} changed nothing");
    std::fs::write(file, new).unwrap();
}

/// The newest built-in template version: what `upgrade` moves to by default.
fn newest() -> String {
    pyscaffold::template_set::builtin::latest()
        .unwrap()
        .to_string()
}

fn upgrade(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["upgrade"];
    all.extend_from_slice(args);
    run(root, &all)
}

#[test]
fn the_oldest_version_upgrades_keeping_every_edit_and_marking_the_overlap() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    commit_all(&root, "generated");
    // Edits as a user makes them: a line of their own in the Dockerfile, the health check
    // interval the new version also changes (overlap), a step in the workflow, a deleted
    // managed file, and the example app.
    edit(&root, "Dockerfile", |t| {
        t.replace(
            "WORKDIR /app\n",
            "WORKDIR /app\nLABEL com.example.team=\"payments\"\n",
        )
    });
    edit(&root, "Dockerfile", |t| {
        t.replace("--interval=30s", "--interval=10s")
    });
    edit(&root, ".github/workflows/docker.yml", |t| {
        format!("{t}# reviewed by the platform team\n")
    });
    std::fs::remove_file(root.join("compose.yaml")).unwrap();
    edit(&root, "demo/app.py", |t| {
        format!("{t}\n# my route goes here\n")
    });
    let app_before = std::fs::read_to_string(root.join("demo/app.py")).unwrap();
    commit_all(&root, "my edits");

    // --check predicts the conflict and writes nothing.
    let before = project_tree(&root);
    let check = upgrade(&root, &["--check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(11), "{}", stderr(&check));
    let report: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    assert_eq!(report["status"], "conflicts");
    assert_eq!(
        (report["from"].as_str(), report["to"].as_str()),
        (Some("0.2.0"), Some(newest().as_str()))
    );
    let predicted: Vec<(String, String)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let action = |path: &str| {
        predicted
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, a)| a.as_str())
            .unwrap_or("absent")
    };
    assert_eq!(action("Dockerfile"), "conflict");
    assert_eq!(action(".github/workflows/docker.yml"), "merge");
    assert_eq!(action("compose.yaml"), "skip");
    assert_eq!(action(".gitattributes"), "create");
    assert_eq!(action(".hadolint.yaml"), "delete");
    assert_eq!(
        action("docker/environments/development/10-dev-requirements.sh"),
        "rename"
    );
    assert_eq!(action("demo/app.py"), "skip");
    assert_eq!(project_tree(&root), before, "--check wrote something");

    // The real run does what --check said, and exits 1 over the conflict.
    let out = upgrade(&root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("WITH CONFLICTS"), "{err}");
    assert!(err.contains("Dockerfile"), "{err}");
    let tree = project_tree(&root);
    let dockerfile = &tree["Dockerfile"];
    assert!(
        dockerfile.contains("LABEL com.example.team=\"payments\""),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("<<<<<<< Dockerfile yours (templates 0.2.0)"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("--interval=10s"), "{dockerfile}");
    assert!(
        dockerfile.contains(&format!(">>>>>>> Dockerfile templates {}", newest())),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("# hadolint ignore=DL3008"),
        "template change lost"
    );
    assert!(tree[".github/workflows/docker.yml"].ends_with("# reviewed by the platform team\n"));
    assert!(
        !tree.contains_key("compose.yaml"),
        "a deleted file came back"
    );
    assert_eq!(
        tree["demo/app.py"], app_before,
        "the seeded app was touched"
    );
    assert!(tree.contains_key(".gitattributes"));
    assert!(!tree.contains_key(".hadolint.yaml"));
    assert!(tree.contains_key("docker/environments/development/10-dev-requirements.sh"));
    assert!(
        !root.join("docker/env").exists(),
        "the old folder was left behind"
    );
    let record = &tree[".pyscaffold.yml"];
    assert!(
        record.contains(&format!("version: \"{}\"", newest())),
        "{record}"
    );
    assert!(!record.contains("base_digest"), "{record}");
    assert!(record.contains("healthcheck_interval: 30s"), "{record}");
    for (path, act) in &predicted {
        let written = match act.as_str() {
            "delete" => !tree.contains_key(path),
            "skip" => tree.get(path) == before.get(path),
            _ => tree.contains_key(path),
        };
        assert!(
            written,
            "--check said {act} for {path}, the run did otherwise"
        );
    }

    // git sees the conflict: unmerged, and commit refuses.
    let unmerged = git(&root, &["ls-files", "-u"]);
    let listed = String::from_utf8_lossy(&unmerged.stdout).into_owned();
    assert!(
        listed.contains("\t Dockerfile") || listed.contains("\tDockerfile"),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let status = git(&root, &["status", "--porcelain"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("UU Dockerfile"));
    let commit = git(&root, &["commit", "-m", "upgrade"]);
    assert!(
        !commit.status.success(),
        "git commit accepted an unmerged file"
    );

    // A second upgrade refuses while the markers remain.
    let again = upgrade(&root, &["--allow-dirty"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("conflict markers from an earlier upgrade"));
}

#[test]
fn without_edits_an_upgrade_equals_a_fresh_project_and_then_is_up_to_date() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    let seeded_before = seeded(&root);
    let out = upgrade(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_fresh_tmp, fresh) = generate("demo", &["-y"]);
    // Managed files equal a fresh project's; seeded ones stay as 0.2.0 wrote them.
    let (upgraded, new) = (project_tree(&root), project_tree(&fresh));
    let seeded_paths = seeded_before.keys().cloned().collect::<Vec<_>>();
    let differing: Vec<&String> = upgraded
        .keys()
        .chain(new.keys())
        .filter(|p| !seeded_paths.contains(p) && *p != ".pyscaffold.yml")
        .filter(|p| upgraded.get(*p) != new.get(*p))
        .collect();
    assert!(
        differing.is_empty(),
        "differ from a fresh project: {differing:?}"
    );
    assert_eq!(seeded(&root), seeded_before, "seeded files were touched");

    let check = upgrade(&root, &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let before = read_tree(&root);
    let same = upgrade(&root, &[]);
    assert!(same.status.success(), "{}", stderr(&same));
    assert_eq!(
        read_tree(&root),
        before,
        "upgrading to the same version changed files"
    );

    // Drift: a managed file edited since, and nothing to upgrade.
    edit(&root, "compose.yaml", |t| format!("{t}# mine\n"));
    let drift = upgrade(&root, &["--check"]);
    assert_eq!(drift.status.code(), Some(12), "{}", stderr(&drift));
}

#[test]
fn dry_run_shows_diffs_and_writes_nothing() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    let before = read_tree(&root);
    let out = upgrade(&root, &["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("--- a/.hadolint.yaml\n+++ /dev/null"),
        "{diff}"
    );
    assert!(diff.contains("+++ b/.gitattributes"), "{diff}");
    assert!(diff.contains("+# hadolint ignore=DL3008"), "{diff}");
    assert_eq!(read_tree(&root), before);
}

#[test]
fn answers_change_with_set_and_the_old_digest_is_carried_into_the_image() {
    let digest = format!("sha256:{}", "a".repeat(64));
    let (_tmp, root) = generate(
        "demo",
        &[
            "-y",
            "--template-version",
            "0.2.0",
            "--set",
            &format!("base_digest={digest}"),
        ],
    );
    let out = upgrade(&root, &["--set", "healthcheck_interval=2m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = read_tree(&root);
    assert!(
        tree["Dockerfile"].contains(&format!("FROM python:3.13-slim-trixie@{digest} AS build"))
    );
    assert!(tree["Dockerfile"].contains("--interval=2m"));
    let record: serde_json::Value = serde_saphyr::from_str(&tree[".pyscaffold.yml"]).unwrap();
    assert_eq!(
        record["answers"]["base_image"],
        format!("python:3.13-slim-trixie@{digest}")
    );
    assert!(record["answers"].get("base_digest").is_none());
}

#[test]
fn ejected_files_are_left_alone() {
    // 0.3.0 and later: the ejected Dockerfile names no folder a later release moves.
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.3.0"]);
    let out = run(&root, &["eject", "Dockerfile"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let up = upgrade(&root, &[]);
    assert!(up.status.success(), "{}", stderr(&up));
    assert_eq!(
        std::fs::read_to_string(root.join("Dockerfile")).unwrap(),
        before
    );
    assert!(stderr(&up).contains("ejected"), "{}", stderr(&up));
    let seeded = run(&root, &["eject", "demo/app.py"]);
    assert_eq!(seeded.status.code(), Some(2));
    let unknown = run(&root, &["eject", "nope.txt"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn versions_lists_every_version_with_its_changelog() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let out = run(tmp.path(), &["versions"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("0.2.0  Every stack"), "{text}");
    assert!(
        text.contains("0.3.0  ")
            && text.contains(&format!("{}  ", newest()))
            && text.contains("(newest"),
        "{text}"
    );
}

/// Bad input: exit 2, a message naming the problem and the fix, and nothing changed.
#[test]
fn bad_input_is_refused_and_changes_nothing() {
    type Break = fn(&Path);
    let cases: Vec<(&str, Break, Vec<&str>, &str)> = vec![
        (
            "no record",
            |r| std::fs::remove_file(r.join(".pyscaffold.yml")).unwrap(),
            vec![],
            "is not in a project pyscaffold generated",
        ),
        (
            "corrupt record",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("answers:", "answers: [")
                })
            },
            vec![],
            "is not a valid pyscaffold record",
        ),
        (
            "path escaping the project",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("- path: Dockerfile", "- path: ../Dockerfile")
                })
            },
            vec![],
            "was tampered with",
        ),
        (
            "tampered hash",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replacen("sha256: ", "sha256: zz", 1)
                })
            },
            vec![],
            "has no valid SHA-256",
        ),
        (
            "unknown --to",
            |_| {},
            vec!["--to", "9.9.9"],
            "there is no built-in template version `9.9.9`",
        ),
        (
            "not a version",
            |_| {},
            vec!["--to", "latest"],
            "is not a version",
        ),
        (
            "invalid --set",
            |_| {},
            vec!["--set", "port=80"],
            "pick a port from 1024 to 65535",
        ),
        (
            "unknown --set",
            |_| {},
            vec!["--set", "colour=blue"],
            "unknown question `colour`",
        ),
        (
            "binary managed file",
            |r| std::fs::write(r.join("Dockerfile"), b"\x00\x01binary").unwrap(),
            vec![],
            "is not UTF-8 text",
        ),
        (
            "directory in place of a file",
            |r| {
                std::fs::remove_file(r.join("docker/build.py")).unwrap();
                std::fs::create_dir(r.join("docker/build.py")).unwrap();
            },
            vec![],
            "is a directory",
        ),
        (
            "leftover markers",
            |r| {
                edit(r, "compose.yaml", |t| {
                    format!("<<<<<<< mine\n=======\n>>>>>>> theirs\n{t}")
                })
            },
            vec![],
            "conflict markers from an earlier upgrade",
        ),
        (
            "a recorded hash set to match an edited file",
            |r| {
                edit(r, "Dockerfile", |t| {
                    t.replace("build-essential", "build-essential libpq-dev")
                });
                let hash =
                    pyscaffold::record::sha256_hex(&std::fs::read(r.join("Dockerfile")).unwrap());
                edit(r, ".pyscaffold.yml", |t| {
                    let at = t.find("- path: Dockerfile\n    sha256: ").unwrap()
                        + "- path: Dockerfile\n    sha256: ".len();
                    format!("{}{hash}{}", &t[..at], &t[at + 64..])
                });
            },
            vec![],
            "the hash recorded for `Dockerfile` is not the hash of what templates 0.2.0 generate",
        ),
        (
            "a seeded app file recorded as managed",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    let at = t.find("- path: demo/app.py\n").unwrap();
                    let (head, tail) = t.split_at(at);
                    format!(
                        "{head}{}",
                        tail.replacen("kind: seeded", "kind: managed", 1)
                    )
                })
            },
            vec![],
            "it lists `demo/app.py` as managed, but templates 0.2.0 seed it",
        ),
        (
            "a managed file recorded as seeded",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    let at = t.find("- path: Dockerfile\n").unwrap();
                    let (head, tail) = t.split_at(at);
                    format!(
                        "{head}{}",
                        tail.replacen("kind: managed", "kind: seeded", 1)
                    )
                })
            },
            vec![],
            "it lists `Dockerfile` as seeded, but templates 0.2.0 manage it",
        ),
        (
            "a record entry for a file the templates do not generate",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace(
                        "  - path: Dockerfile\n",
                        "  - path: demo/secrets.py\n    sha256: \
                         0000000000000000000000000000000000000000000000000000000000000000\n    \
                         kind: managed\n  - path: Dockerfile\n",
                    )
                })
            },
            vec![],
            "it lists `demo/secrets.py` as a managed file, but templates 0.2.0 do not generate it",
        ),
        (
            "a template version changed by hand",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("version: \"0.2.0\"", "version: \"0.3.0\"")
                })
            },
            vec![],
            "it records template version 0.3.0, but its files are what templates 0.2.0 generate",
        ),
        (
            "a pyscaffold version changed by hand",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("pyscaffold: \"0.1.0\"", "pyscaffold: \"0.2.0\"")
                })
            },
            vec![],
            "it says `pyscaffold: \"0.2.0\"`, but its files were written by pyscaffold 0.1.0",
        ),
        (
            "an ejected Dockerfile that copies a folder the upgrade moves",
            |r| assert!(run(r, &["eject", "Dockerfile"]).status.success()),
            vec![],
            "`Dockerfile` line 66: `COPY docker/env/ docker/env/` (the templates now write `COPY docker/environments/ docker/environments/`)",
        ),
        (
            "an ejected entrypoint that reads a folder the upgrade moves",
            |r| assert!(run(r, &["eject", "docker/entrypoint.sh"]).status.success()),
            vec![],
            "`docker/entrypoint.sh` line 9",
        ),
        (
            "an ejected file marked managed again by hand",
            |r| {
                assert!(run(r, &["eject", "compose.yaml"]).status.success());
                edit(r, ".pyscaffold.yml", |t| {
                    let at = t.find("- path: compose.yaml\n").unwrap();
                    let (head, tail) = t.split_at(at);
                    format!(
                        "{head}{}",
                        tail.replacen("kind: ejected", "kind: managed", 1)
                    )
                })
            },
            vec![],
            "its `integrity` digest no longer matches",
        ),
        (
            "a YAML tag in the record",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("  port: 8000", "  port: !!python/object:os.system 8000")
                })
            },
            vec![],
            "unsupported tag `!!python/object:os.system`",
        ),
        (
            "a record entry inside .git",
            |r| {
                edit(r, ".pyscaffold.yml", |t| {
                    t.replace("- path: Dockerfile", "- path: .git/config")
                })
            },
            vec![],
            "is not a path inside the project",
        ),
        (
            "a managed file that is a symbolic link",
            |r| {
                let outside = r.parent().unwrap().join("outside.txt");
                std::fs::write(&outside, "precious\n").unwrap();
                std::fs::remove_file(r.join("docker/wait_for.py")).unwrap();
                std::os::unix::fs::symlink(&outside, r.join("docker/wait_for.py")).unwrap();
            },
            vec![],
            "`docker/wait_for.py` is a symbolic link",
        ),
        (
            "a managed folder that is a symbolic link",
            |r| {
                let outside = r.parent().unwrap().join("outside-docker");
                std::fs::rename(r.join("docker"), &outside).unwrap();
                std::os::unix::fs::symlink(&outside, r.join("docker")).unwrap();
            },
            vec![],
            "`docker` is a symbolic link",
        ),
        (
            "answers that need example files the project lacks",
            |_| {},
            vec!["--set", "name=billing"],
            "which the project does not have",
        ),
        (
            "a file where the new version needs a folder",
            |r| std::fs::write(r.join("docker/environments"), "ours\n").unwrap(),
            vec![],
            "docker/environments` is in the way",
        ),
        (
            "a record that is a symbolic link",
            |r| {
                let elsewhere = r.parent().unwrap().join("elsewhere.yml");
                std::fs::rename(r.join(".pyscaffold.yml"), &elsewhere).unwrap();
                std::os::unix::fs::symlink(&elsewhere, r.join(".pyscaffold.yml")).unwrap();
            },
            vec![],
            "is a symbolic link; pyscaffold reads its record only as a plain file",
        ),
        (
            "a project directory that does not exist",
            |r| std::fs::remove_dir_all(r).unwrap(),
            vec![],
            "does not exist",
        ),
    ];
    for (name, breaks, args, message) in cases {
        let (tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
        breaks(&root);
        // `--check` predicts the refusal; the run refuses; neither changes anything.
        let mut check_args = vec!["--check"];
        check_args.extend_from_slice(&args);
        for args in [args.clone(), check_args] {
            let before = snapshot(tmp.path());
            let dir = root.to_string_lossy().into_owned();
            let mut all = vec!["upgrade", "-C", dir.as_str()];
            all.extend_from_slice(&args);
            let out = run(tmp.path(), &all);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {err}");
            assert!(err.contains(message), "{name} {args:?}: {err}");
            assert!(err.contains("\nhelp: "), "{name}: no help line: {err}");
            assert_eq!(snapshot(tmp.path()), before, "{name}: the project changed");
        }
    }

    // An older --to.
    let (_tmp, root) = generate("demo", &["-y"]);
    let out = upgrade(&root, &["--to", "0.2.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is older than the project's template version"));
}

/// Every path under `root` with its bytes (folders as `None`), to see any change.
fn snapshot(root: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = e
                .file_type()
                .is_file()
                .then(|| std::fs::read(e.path()).unwrap());
            (rel, bytes)
        })
        .collect()
}

/// The project's files without git's own.
fn project_tree(root: &Path) -> std::collections::BTreeMap<String, String> {
    read_tree(root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".git/"))
        .collect()
}

/// The seeded files, as the record lists them, with their text.
fn seeded(root: &Path) -> std::collections::BTreeMap<String, String> {
    let record: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap())
            .unwrap();
    record["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "seeded")
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            let text = std::fs::read_to_string(root.join(&path)).unwrap();
            (path, text)
        })
        .collect()
}

/// In a git repository: `--check` refuses a dirty tree as the run does, a directory where a
/// managed file should be is bad input in both, and files of yours left in a folder the
/// templates renamed are named.
#[test]
fn check_and_run_agree_in_a_git_repository() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    commit_all(&root, "generated");
    edit(&root, "compose.yaml", |t| format!("{t}# wip\n"));
    for args in [&["--check"][..], &[]] {
        let out = upgrade(&root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("are untracked: `compose.yaml`"));
    }
    assert!(
        git(&root, &["checkout", "--", "compose.yaml"])
            .status
            .success()
    );

    // A managed file git never had: it could not give the content back, so it counts too.
    assert!(
        git(&root, &["rm", "-q", "--cached", "Dockerfile"])
            .status
            .success()
    );
    assert!(
        git(&root, &["commit", "-q", "-m", "untrack the Dockerfile"])
            .status
            .success()
    );
    let before = snapshot(&root);
    for args in [&["--check"][..], &[]] {
        let out = upgrade(&root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("are untracked: `Dockerfile`"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(before, snapshot(&root), "a refused upgrade wrote nothing");
    commit_all(&root, "track it again");

    std::fs::remove_file(root.join("docker/wait_for.py")).unwrap();
    std::fs::create_dir(root.join("docker/wait_for.py")).unwrap();
    std::fs::write(root.join("docker/wait_for.py/keep"), "").unwrap();
    commit_all(&root, "a folder in the way");
    for args in [&["--check"][..], &[]] {
        let out = upgrade(&root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    }
    std::fs::remove_dir_all(root.join("docker/wait_for.py")).unwrap();
    assert!(
        git(&root, &["checkout", "HEAD~1", "--", "docker/wait_for.py"])
            .status
            .success()
    );
    commit_all(&root, "restored");

    // A setup script of the user's own in the folder the templates rename.
    std::fs::create_dir_all(root.join("docker/env/staging")).unwrap();
    std::fs::write(
        root.join("docker/env/staging/10-staging.sh"),
        "export STAGING=1\n",
    )
    .unwrap();
    // 0.2.0's own .gitignore ignores `env/` (the defect 0.3.0's rename fixes): add it anyway.
    assert!(git(&root, &["add", "-f", "docker/env"]).status.success());
    commit_all(&root, "my staging setup");
    let out = upgrade(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the templates moved `docker/env/` to `docker/environments/`")
            && err.contains("`docker/env/staging/10-staging.sh`"),
        "{err}"
    );
    assert!(
        root.join("docker/env/staging/10-staging.sh").is_file(),
        "the user's file moved"
    );
}

/// An ejected file the templates move stays where it is, and the record gains no entry for a
/// file that was never written.
#[test]
fn an_ejected_file_the_templates_move_moves_with_them_unchanged() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    let script = "docker/env/development/10-dev-requirements.sh";
    let moved = "docker/environments/development/10-dev-requirements.sh";
    let out = run(&root, &["eject", script]);
    assert!(out.status.success(), "{}", stderr(&out));
    edit(&root, script, |t| format!("{t}# mine\n"));
    let mine = std::fs::read_to_string(root.join(script)).unwrap();
    let out = upgrade(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The new Dockerfile copies `docker/environments/`: the ejected script is there, as it was.
    assert!(!root.join("docker/env").exists());
    assert_eq!(std::fs::read_to_string(root.join(moved)).unwrap(), mine);
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(!record.contains(script), "{record}");
    let at = record.find(&format!("- path: {moved}\n")).unwrap();
    assert!(
        record[at..]
            .lines()
            .nth(2)
            .unwrap()
            .contains("kind: ejected"),
        "{record}"
    );
    let check = upgrade(&root, &["--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
}

#[test]
fn upgrade_set_replaces_a_recorded_answer_the_target_refuses() {
    let (_tmp, root) = generate(
        "demo",
        &[
            "-y",
            "--template-version",
            "0.3.0",
            "--set",
            "base_image=ubuntu:24.04",
        ],
    );
    commit_all(&root, "generated");
    let out = upgrade(&root, &["-y"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("help: give a valid answer with `--set base_image=VALUE`"),
        "{err}"
    );
    let out = upgrade(
        &root,
        &["-y", "--set", "base_image=python:3.13-slim-trixie"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        read_tree(&root)[".pyscaffold.yml"].contains("base_image: python:3.13-slim-trixie"),
        "the fixed answer is recorded"
    );
}

#[test]
fn commands_run_inside_the_project_find_it_above() {
    let (tmp, root) = generate("demo", &["-y", "--template-version", "0.7.0"]);
    let inside = root.join("docker");
    let check = upgrade(&inside, &["--check"]);
    assert_eq!(check.status.code(), Some(10), "{}", stderr(&check));
    assert!(
        stderr(&check).contains(&format!("note: the project is `{}`", root.display())),
        "{}",
        stderr(&check)
    );
    // A path given to eject is relative to the folder it runs in.
    let eject = run(&inside, &["eject", "build.py"]);
    assert!(eject.status.success(), "{}", stderr(&eject));
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    let at = record.find("- path: docker/build.py\n").unwrap();
    assert!(
        record[at..]
            .lines()
            .nth(2)
            .unwrap()
            .contains("kind: ejected")
    );
    // The same repository named three ways is one row.
    let fleet = run(
        tmp.path(),
        &["fleet", "report", "demo", "demo/docker", "./demo/../demo"],
    );
    assert!(fleet.status.success(), "{}", stderr(&fleet));
    assert_eq!(stdout(&fleet).lines().count(), 2, "{}", stdout(&fleet));
    // Outside any project the error still names the folder.
    let outside = upgrade(tmp.path(), &["--check"]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(
        stderr(&outside)
            .contains("is not in a project pyscaffold generated: neither it nor a folder above it"),
        "{}",
        stderr(&outside)
    );
}

#[test]
fn a_symlinked_folder_suggests_ejecting_the_folder_and_eject_takes_one() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.7.0"]);
    let outside = root.parent().unwrap().join("shared-docker");
    std::fs::rename(root.join("docker"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("docker")).unwrap();
    let out = upgrade(&root, &["--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("keep the files in it as yours with `pyscaffold eject docker/`"),
        "{}",
        stderr(&out)
    );
    // Put the folder back, then eject it whole: every managed file under it.
    std::fs::remove_file(root.join("docker")).unwrap();
    std::fs::rename(&outside, root.join("docker")).unwrap();
    let eject = run(&root, &["eject", "docker/"]);
    assert!(eject.status.success(), "{}", stderr(&eject));
    assert!(
        stderr(&eject).contains("ejected `docker/build.py`"),
        "{}",
        stderr(&eject)
    );
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    let docker_entries: Vec<&str> = record
        .split("  - path: ")
        .filter(|e| e.starts_with("docker/"))
        .collect();
    assert!(docker_entries.len() > 3, "{record}");
    for entry in docker_entries {
        assert!(entry.contains("kind: ejected"), "{entry}");
    }
    let none = run(&root, &["eject", "nothing-here/"]);
    assert_eq!(none.status.code(), Some(2));
}
