//! `fleet report --git`: bare repositories read from their object database, no checkout, with
//! the rows their checkouts give.

use std::path::Path;

use assert_fs::TempDir;

use crate::support::{commit_all, git, run, stderr, stdout};

/// `fleet report ARGS --format json`'s rows.
fn rows(cwd: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["fleet", "report"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let out = run(cwd, &all);
    assert!(out.status.success(), "{all:?}: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    report["repositories"].as_array().unwrap().clone()
}

/// A row without where it was read from, to compare a checkout's with a bare repository's
/// (an error names the repository as it was given, so only whether there is one compares).
fn what(row: &serde_json::Value) -> serde_json::Value {
    let mut row = row.clone();
    let object = row.as_object_mut().unwrap();
    object.remove("path");
    object.remove("branch");
    if object.contains_key("error") {
        object.insert("error".into(), serde_json::Value::Bool(true));
    }
    row
}

fn bare_clone(from: &Path, to: &Path) {
    let out = git(
        from.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--bare",
            from.to_str().unwrap(),
            to.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

fn new_project(tmp: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let mut all = vec!["new", name, "-y", "--no-lock"];
    all.extend(args);
    let out = run(tmp, &all);
    assert!(out.status.success(), "{all:?}: {}", stderr(&out));
    let root = tmp.join(name);
    commit_all(&root, "generated");
    root
}

#[test]
fn bare_repositories_report_what_their_checkouts_report() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["versions"]);
    let versions: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| semver::Version::parse(v).is_ok())
        .map(str::to_string)
        .collect();
    let newest = versions.last().unwrap().as_str();
    let older = versions[versions.len() - 2].as_str();

    // Up to date; behind; a committed edit (drift); the oldest version, whose upgrade renames
    // `docker/env/` and adds `.gitattributes` where the repository has its own (a path the
    // record does not list, which the branch has: read all the same); Django on Poetry.
    let current = new_project(tmp.path(), "current", &[]);
    new_project(tmp.path(), "behind", &["--template-version", older]);
    let drifted = new_project(tmp.path(), "drifted", &[]);
    let dockerfile = std::fs::read_to_string(drifted.join("Dockerfile")).unwrap();
    std::fs::write(drifted.join("Dockerfile"), format!("{dockerfile}# ours\n")).unwrap();
    commit_all(&drifted, "our line");
    let oldest = new_project(tmp.path(), "oldest", &["--template-version", "0.2.0"]);
    std::fs::write(oldest.join(".gitattributes"), "*.png binary\n").unwrap();
    commit_all(&oldest, "our attributes");
    new_project(
        tmp.path(),
        "shop",
        &[
            "--framework",
            "django",
            "--installer",
            "poetry",
            "--ci",
            "gitlab",
        ],
    );
    // A folder of packaging that is a link: refused on both sides, never followed.
    let linked = new_project(tmp.path(), "linked", &[]);
    std::fs::rename(linked.join("docker"), tmp.path().join("shared-docker")).unwrap();
    std::os::unix::fs::symlink("../shared-docker", linked.join("docker")).unwrap();
    commit_all(&linked, "docker/ from elsewhere");

    // A record that is a link to another project's: refused on both sides too.
    let borrowed = new_project(tmp.path(), "borrowed", &[]);
    std::fs::remove_file(borrowed.join(".pyscaffold.yml")).unwrap();
    std::os::unix::fs::symlink(
        "../behind/.pyscaffold.yml",
        borrowed.join(".pyscaffold.yml"),
    )
    .unwrap();
    commit_all(&borrowed, "the record from elsewhere");

    // Conflict markers left by an earlier upgrade, in a file the upgrade keeps and in one it
    // renames (`docker/env/` became `docker/environments/`): refused on both sides.
    let marked = new_project(tmp.path(), "marked", &[]);
    let compose = std::fs::read_to_string(marked.join("compose.yaml")).unwrap();
    std::fs::write(
        marked.join("compose.yaml"),
        format!("<<<<<<< yours\n=======\n>>>>>>> template\n{compose}"),
    )
    .unwrap();
    commit_all(&marked, "an upgrade left markers");
    let moved = new_project(tmp.path(), "moved", &["--template-version", "0.2.0"]);
    let script = moved.join("docker/env/development/10-dev-requirements.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(
        &script,
        format!("{text}<<<<<<< yours\n# a\n=======\n# b\n>>>>>>> template\n"),
    )
    .unwrap();
    commit_all(&moved, "an upgrade left markers");

    let names = [
        "current", "behind", "drifted", "oldest", "shop", "linked", "borrowed", "marked", "moved",
    ];
    let bare = tmp.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    let mut listed = String::new();
    for name in names {
        bare_clone(&tmp.path().join(name), &bare.join(format!("{name}.git")));
        listed.push_str(&format!("{name}.git\n"));
    }
    std::fs::write(bare.join("fleet.txt"), listed).unwrap();

    let checkouts = rows(tmp.path(), &names);
    let from_git = rows(tmp.path(), &["--git", "bare/fleet.txt"]);
    assert_eq!(from_git.len(), names.len());
    for ((name, checkout), bare_row) in names.iter().zip(&checkouts).zip(&from_git) {
        assert_eq!(what(bare_row), what(checkout), "{name}");
        assert_eq!(bare_row["branch"], "main", "{name}");
        assert!(
            bare_row["path"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{name}.git")),
            "{bare_row}"
        );
    }
    let status = |i: usize| from_git[i]["prediction"]["status"].as_str().unwrap_or("-");
    assert_eq!(status(0), "up-to-date");
    assert_eq!(status(1), "upgrade-available");
    assert_eq!(status(2), "drift");
    assert_eq!(from_git[2]["drifted"], serde_json::json!(["Dockerfile"]));
    assert_eq!(from_git[1]["template"]["version"], older);
    assert_eq!(from_git[3]["template"]["version"], "0.2.0");
    // The repository's own `.gitattributes`, which the record does not list, meets the one
    // the newer templates add.
    assert_eq!(status(3), "conflicts");
    assert_eq!(
        from_git[3]["prediction"]["conflicts"],
        serde_json::json!([".gitattributes"])
    );
    assert_eq!(from_git[4]["template"]["version"], newest);
    let linked_error = from_git[5]["error"].as_str().unwrap();
    assert!(
        linked_error.contains("`docker` is a symbolic link"),
        "{linked_error}"
    );
    assert!(
        !linked_error.contains("pyscaffold-fleet-"),
        "the temporary folder shows: {linked_error}"
    );
    let borrowed_error = from_git[6]["error"].as_str().unwrap();
    assert!(
        borrowed_error.contains("is a symbolic link"),
        "{borrowed_error}"
    );
    assert!(
        checkouts[6]["error"]
            .as_str()
            .unwrap()
            .contains("is a symbolic link"),
        "{}",
        checkouts[6]
    );

    for (i, path) in [
        (7, "`compose.yaml`"),
        (8, "`docker/env/development/10-dev-requirements.sh`"),
    ] {
        for row in [&from_git[i], &checkouts[i]] {
            let error = row["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(&format!(
                    "conflict markers from an earlier upgrade are still in: {path}"
                )),
                "{row}"
            );
        }
    }

    // Only what is committed on the default branch counts: an edit in a checkout is not
    // there, nor one on another branch.
    std::fs::write(current.join("Dockerfile"), "FROM scratch\n").unwrap();
    assert!(
        git(&current, &["checkout", "-q", "-b", "feature"])
            .status
            .success()
    );
    commit_all(&current, "on a branch");
    assert!(
        git(
            &current,
            &[
                "push",
                "-q",
                bare.join("current.git").to_str().unwrap(),
                "feature"
            ]
        )
        .status
        .success()
    );
    let again = rows(tmp.path(), &["--git", "bare/current.git"]);
    assert_eq!(
        again[0]["prediction"]["status"], "up-to-date",
        "{}",
        again[0]
    );
    assert_eq!(
        rows(tmp.path(), &["current"])[0]["prediction"]["status"],
        "drift"
    );
}

#[test]
fn a_bare_repository_reports_its_own_default_branch() {
    let tmp = TempDir::new().unwrap();
    let root = new_project(tmp.path(), "svc", &[]);
    assert!(git(&root, &["branch", "-m", "trunk"]).status.success());
    bare_clone(&root, &tmp.path().join("svc.git"));
    let row = &rows(tmp.path(), &["--git", "svc.git"])[0];
    assert_eq!(row["branch"], "trunk", "{row}");
    assert_eq!(row["prediction"]["status"], "up-to-date", "{row}");
    // The table names the branch beside the repository.
    let out = run(tmp.path(), &["fleet", "report", "--git", "svc.git"]);
    assert!(stdout(&out).contains("svc.git (trunk)"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("1 repository: 0 behind"),
        "{}",
        stderr(&out)
    );
    // A clone's folder is read the same way (its HEAD, not its working tree).
    let row = &rows(tmp.path(), &["--git", "svc"])[0];
    assert_eq!(row["branch"], "trunk", "{row}");
}

#[test]
fn loose_and_packed_objects_read_alike_and_an_oversized_file_is_refused() {
    let tmp = TempDir::new().unwrap();
    let root = new_project(tmp.path(), "svc", &[]);
    bare_clone(&root, &tmp.path().join("loose.git"));
    bare_clone(&root, &tmp.path().join("packed.git"));
    let packed = tmp.path().join("packed.git");
    assert!(git(&packed, &["repack", "-a", "-d", "-q"]).status.success());
    assert!(git(&packed, &["prune-packed"]).status.success());
    for name in ["loose.git", "packed.git"] {
        let row = &rows(tmp.path(), &["--git", name])[0];
        assert_eq!(row["prediction"]["status"], "up-to-date", "{name}: {row}");
    }
    // A managed file grown past what pyscaffold reads (8 MiB), loose and then packed.
    std::fs::write(root.join("Dockerfile"), vec![b'#'; 9 << 20]).unwrap();
    commit_all(&root, "a large file");
    for name in ["big-loose.git", "big-packed.git"] {
        bare_clone(&root, &tmp.path().join(name));
    }
    let big_packed = tmp.path().join("big-packed.git");
    assert!(
        git(&big_packed, &["repack", "-a", "-d", "-q"])
            .status
            .success()
    );
    assert!(git(&big_packed, &["prune-packed"]).status.success());
    for name in ["big-loose.git", "big-packed.git"] {
        let row = &rows(tmp.path(), &["--git", name])[0];
        let error = row["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(
                "`Dockerfile` is 9 MiB on the branch, larger than any file pyscaffold reads (8 MiB)"
            ),
            "{name}: {row}"
        );
    }
}

#[test]
fn repositories_that_cannot_be_read_are_rows_with_the_reason() {
    let tmp = TempDir::new().unwrap();
    // No commits yet; not a pyscaffold project; not a repository at all; not there.
    assert!(
        git(
            tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "empty.git"]
        )
        .status
        .success()
    );
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("app.py"), "app = None\n").unwrap();
    commit_all(&other, "an app");
    bare_clone(&other, &tmp.path().join("other.git"));
    std::fs::create_dir(tmp.path().join("plain")).unwrap();
    // A record with a bad entry.
    let broken = new_project(tmp.path(), "broken", &[]);
    let record = std::fs::read_to_string(broken.join(".pyscaffold.yml")).unwrap();
    std::fs::write(
        broken.join(".pyscaffold.yml"),
        record.replacen("version:", "version: [", 1),
    )
    .unwrap();
    commit_all(&broken, "broken record");
    bare_clone(&broken, &tmp.path().join("broken.git"));

    std::fs::write(
        tmp.path().join("fleet.txt"),
        "empty.git\nother.git\nplain\nmissing.git\nbroken.git\n",
    )
    .unwrap();
    // A temporary folder of this run's own: other tests' runs come and go in the shared one.
    let private = tmp.path().join("private-tmp");
    std::fs::create_dir(&private).unwrap();
    let out = crate::support::command(tmp.path(), &["fleet", "report", "--git", "fleet.txt"])
        .env("TMPDIR", &private)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let errors: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(errors.len(), 5, "{table}");
    assert!(
        errors[0].contains("has no commits on its default branch `main`"),
        "{table}"
    );
    assert!(
        errors[1].contains("has no `.pyscaffold.yml` on branch `main`"),
        "{table}"
    );
    assert!(errors[2].contains("is not a git repository"), "{table}");
    assert!(errors[3].contains("does not exist"), "{table}");
    assert!(
        errors[4].contains("`.pyscaffold.yml` is not a valid pyscaffold record"),
        "{table}"
    );
    assert!(!table.contains("pyscaffold-fleet-"), "{table}");
    // An error row shows no drift count (nothing was compared).
    assert!(errors.iter().all(|row| row.contains("  -  ")), "{table}");
    assert_eq!(
        std::fs::read_dir(&private).unwrap().count(),
        0,
        "a scratch folder was left behind"
    );
    assert!(
        stderr(&out).contains("5 repositories: 0 behind the newest release, 5 could not be read"),
        "{}",
        stderr(&out)
    );
    // Neither checkouts nor `--git`: a usage error.
    let out = run(tmp.path(), &["fleet", "report"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
