//! `new` options and the other commands: dry runs, --force, presets, versions, answers reuse.

use assert_fs::TempDir;

use crate::support::{generate, read_tree, run, stderr, stdout};

#[test]
fn dry_run_lists_the_files_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["new", "demo", "-y", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    for path in [
        "demo/Dockerfile",
        "demo/.pyscaffold.yml",
        "demo/.github/workflows/docker.yml",
    ] {
        assert!(
            listed.lines().any(|l| l == path),
            "{path} not listed:\n{listed}"
        );
    }
    assert!(stderr(&out).contains("nothing written"));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    let verbose = run(tmp.path(), &["new", "demo", "-y", "--dry-run", "--verbose"]);
    assert!(stdout(&verbose).contains("==> demo/Dockerfile <==\n# demo: the production image"));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn dry_run_diff_shows_what_would_change_in_an_existing_project() {
    let (tmp, root) = generate("demo", &["-y"]);
    let dockerfile = root.join("Dockerfile");
    let original = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, original.replace("EXPOSE 8000", "EXPOSE 9999")).unwrap();
    let out = run(
        tmp.path(),
        &[
            "new",
            "demo",
            "-y",
            "--force",
            "--force-overwrite",
            "--dry-run",
            "--diff",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("--- a/Dockerfile\n+++ b/Dockerfile"),
        "{diff}"
    );
    assert!(diff.contains("-EXPOSE 9999\n+EXPOSE 8000"), "{diff}");
    assert!(diff.contains("unchanged demo/compose.yaml"), "{diff}");
    // Still a dry run: the edit is untouched.
    assert!(
        std::fs::read_to_string(&dockerfile)
            .unwrap()
            .contains("EXPOSE 9999")
    );
}

#[test]
fn dry_run_in_an_existing_directory_shows_the_plan_without_force_and_writes_nothing() {
    let (tmp, root) = generate("demo", &["-y"]);
    std::fs::write(root.join("NOTES.md"), "mine\n").unwrap();
    let before = read_tree(&root);
    let out = run(
        tmp.path(),
        &["new", "demo", "-y", "--port", "9000", "--dry-run"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Dockerfile"), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("writing into it needs `--force`"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert_eq!(read_tree(&root), before, "a dry run wrote something");
}

#[test]
fn force_overwrites_generated_files_and_keeps_the_users_own() {
    let (tmp, root) = generate("demo", &["-y"]);
    std::fs::write(root.join("NOTES.md"), "mine\n").unwrap();
    let out = run(
        tmp.path(),
        &["new", "demo", "-y", "--force", "--port", "9000"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = read_tree(&root);
    assert_eq!(tree["NOTES.md"], "mine\n");
    assert!(tree["Dockerfile"].contains("EXPOSE 9000"));
    assert!(tree[".pyscaffold.yml"].contains("port: 9000"));
}

#[test]
fn force_stops_before_writing_when_something_is_in_the_way() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("demo");
    std::fs::create_dir_all(root.join("Dockerfile")).unwrap();
    let out = run(tmp.path(), &["new", "demo", "-y", "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`Dockerfile` is a directory, where pyscaffold's file should be")
    );
    let names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec!["Dockerfile"],
        "files were written before the conflict was found"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "staging folder left behind"
    );
}

#[test]
fn precedence_is_defaults_preset_answers_file_set_then_flags() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(
        tmp.path().join("answers.yml"),
        "port: 9001\nhealth_path: /from-file\nuid: 30001\n",
    )
    .unwrap();
    let out = run(
        tmp.path(),
        &[
            "new",
            "demo",
            "-y",
            "--preset",
            "flask-small",
            "--answers",
            "answers.yml",
            "--set",
            "port=9002",
            "--set",
            "health_path=/from-set",
            "--health-path",
            "/from-flag",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let record = std::fs::read_to_string(tmp.path().join("demo/.pyscaffold.yml")).unwrap();
    assert!(
        record.contains("compile_bytecode: false"),
        "preset over defaults:\n{record}"
    );
    assert!(record.contains("uid: 30001"), "answers file over defaults");
    assert!(record.contains("port: 9002"), "--set over answers file");
    assert!(
        record.contains("health_path: /from-flag"),
        "flag over --set"
    );
}

#[test]
fn a_projects_record_seeds_another_project() {
    let (tmp, first) = generate(
        "first",
        &["-y", "--port", "9100", "--system-package", "libpq5"],
    );
    let record = first.join(".pyscaffold.yml");
    let out = run(
        tmp.path(),
        &["new", "second", "--answers", record.to_str().unwrap(), "-y"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let second = read_tree(&tmp.path().join("second"));
    assert!(second["Dockerfile"].contains("EXPOSE 9100"));
    assert!(second["Dockerfile"].contains("tini libpq5"));
    // The directory name wins over the recorded name: it is a flag-level answer.
    assert!(second[".pyscaffold.yml"].contains("name: second"));
    assert!(second.contains_key("second/app.py"));
}

#[test]
fn ci_none_writes_no_pipeline() {
    let (_tmp, root) = generate("demo", &["-y", "--ci", "none"]);
    let tree = read_tree(&root);
    assert!(!tree.keys().any(|p| p.starts_with(".github/")));
    assert!(tree[".pyscaffold.yml"].contains("ci: []"));
}

#[test]
fn presets_are_listed_with_descriptions() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["presets"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        vec![
            "asgi",
            "django",
            "fastapi",
            "flask",
            "flask-pipenv",
            "flask-small",
            "worker",
            "wsgi"
        ]
    );
    assert!(text.contains("no compilers in the build stage"));
}

#[test]
fn version_names_the_template_set() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["--version"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "pyscaffold {} (templates builtin {})",
            env!("CARGO_PKG_VERSION"),
            pyscaffold::template_set::builtin::latest().unwrap()
        )
    );
    // `--version` alone skips the argument parser; `-V` and a subcommand's `--version` print
    // the same line through it.
    for args in [
        &["-V"][..],
        &["new", "--version"][..],
        &["upgrade", "-V"][..],
    ] {
        let other = run(tmp.path(), args);
        assert!(other.status.success(), "{args:?}: {}", stderr(&other));
        assert_eq!(stdout(&other), stdout(&out), "{args:?}");
    }
}

#[test]
fn help_lists_choices_and_examples() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["new", "--help"]);
    // Compared with line wrapping folded away: clap wraps at the terminal's width.
    let help = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("[choices: flask, django, fastapi, wsgi, asgi, worker]"),
        "{help}"
    );
    assert!(
        help.contains("[choices: pip, pip-tools, pipenv, poetry, flit, uv, pdm]"),
        "{help}"
    );
    assert!(help.contains("--no-lock"), "{help}");
    assert!(help.contains("[default: 8000]"), "{help}");
    assert!(help.contains("pyscaffold new billing-api -y"), "{help}");
    assert!(
        help.contains("Exit status: 0 done, 1 failed (I/O), 2 bad input"),
        "{help}"
    );
}

#[test]
fn questions_that_do_not_apply_are_not_recorded() {
    let (_tmp, worker) = generate("jobs", &["--framework", "worker", "-y", "--no-lock"]);
    let record = std::fs::read_to_string(worker.join(".pyscaffold.yml")).unwrap();
    for absent in ["port:", "health_path:", "app:", "package:"] {
        assert!(
            !record.contains(&format!("\n  {absent}")),
            "a worker records `{absent}`:\n{record}"
        );
    }
    assert!(record.contains("command: python -m jobs.worker"));
    let tree = read_tree(&worker);
    assert!(
        !tree.contains_key("docker/gunicorn.conf.py")
            && !tree.contains_key("docker/healthcheck.py")
    );
    assert!(!tree["Dockerfile"].contains("HEALTHCHECK") && !tree["Dockerfile"].contains("EXPOSE"));
    assert!(tree["Dockerfile"].contains("CMD [\"python\", \"-m\", \"jobs.worker\"]"));

    let (_tmp, django) = generate("shop", &["--framework", "django", "-y"]);
    let record = std::fs::read_to_string(django.join(".pyscaffold.yml")).unwrap();
    assert!(
        !record.contains("\n  app:") && !record.contains("\n  command:"),
        "{record}"
    );
}

#[test]
fn an_answer_that_does_not_apply_is_ignored_with_a_note() {
    let tmp = TempDir::new().unwrap();
    let out = run(
        tmp.path(),
        &[
            "new",
            "jobs",
            "--framework",
            "worker",
            "--port",
            "9000",
            "-y",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(
        "note: ignoring the answer to `port`: it applies only to a web app, not a worker"
    ));
}

/// PATH with only the named tools of the validators folder (none when `tools` is empty).
fn path_with(tools: &[&str]) -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    for tool in tools {
        let target = crate::support::tool(tool).expect("lock tool");
        std::os::unix::fs::symlink(target, dir.path().join(tool)).unwrap();
    }
    let path = dir.path().display().to_string();
    (dir, path)
}

fn run_with_path(cwd: &std::path::Path, path: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(crate::support::bin())
        .args(args)
        .current_dir(cwd)
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn new_locks_with_the_installers_tool_when_it_is_on_path() {
    if crate::support::tool("uv").is_none() {
        return;
    }
    let tmp = TempDir::new().unwrap();
    let (_bin, path) = path_with(&["uv", "python3"]);
    let out = std::process::Command::new(crate::support::bin())
        .args(["new", "svc", "--installer", "uv", "--python", "3.11", "-y"])
        .current_dir(tmp.path())
        .env("PATH", &path)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lock = std::fs::read_to_string(tmp.path().join("svc/uv.lock")).unwrap();
    assert!(
        lock.contains("name = \"flask\"") && lock.contains("version = \"3.1.3\""),
        "{lock}"
    );
    assert!(stderr(&out).contains("running `uv lock` in svc"));
}

#[test]
fn without_the_tool_new_says_how_to_lock_and_the_image_build_refuses() {
    let tmp = TempDir::new().unwrap();
    let (_bin, path) = path_with(&[]);
    let out = run_with_path(
        tmp.path(),
        &path,
        &["new", "svc", "--installer", "poetry", "-y"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: `poetry` is not on PATH, so no lock file was created: install it and run `cd svc && poetry lock` before building the image"),
        "{}",
        stderr(&out)
    );
    let root = tmp.path().join("svc");
    assert!(!root.join("poetry.lock").exists());
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("echo \"error: poetry.lock is missing; help: run \\`poetry lock\\` and commit poetry.lock\" >&2"));

    let out = run(
        tmp.path(),
        &[
            "new",
            "other",
            "--installer",
            "pip-tools",
            "--no-lock",
            "-y",
        ],
    );
    assert!(
        stderr(&out).contains(
            "note: lock file not created (--no-lock): run `cd other && python3 docker/pin.py`"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("other/requirements.txt").exists());
}

#[test]
fn the_summary_gives_notes_before_the_next_steps_with_paths_quoted() {
    let tmp = TempDir::new().unwrap();
    let (_bin, path) = path_with(&[]);
    let out = run_with_path(
        tmp.path(),
        &path,
        &[
            "new",
            "my svc",
            "--name",
            "svc",
            "--installer",
            "poetry",
            "-y",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let note = err
        .find("note: `poetry` is not on PATH")
        .unwrap_or_else(|| panic!("no lock note:\n{err}"));
    let next = err.find("next steps:").expect("next steps");
    assert!(note < next, "the note comes after the next steps:\n{err}");
    assert!(err.contains("run `cd 'my svc' && poetry lock`"), "{err}");
    assert!(err.contains("\n  cd 'my svc'\n"), "{err}");
}

#[test]
fn a_dry_run_with_force_refuses_what_the_real_run_refuses() {
    let (tmp, root) = crate::support::generate("demo", &["-y"]);
    let dockerfile = root.join("Dockerfile");
    std::fs::write(&dockerfile, "FROM scratch\n").unwrap();
    for args in [
        vec!["new", "demo", "-y", "--force", "--port", "9000"],
        vec![
            "new",
            "demo",
            "-y",
            "--force",
            "--port",
            "9000",
            "--dry-run",
        ],
    ] {
        let out = crate::support::run(tmp.path(), &args);
        let err = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("edited since pyscaffold wrote them: `Dockerfile`"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&dockerfile).unwrap(),
        "FROM scratch\n"
    );
    // A directory pyscaffold never generated: the help does not point at `upgrade`.
    let own = tmp.path().join("own");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(own.join("Dockerfile"), "FROM scratch\n").unwrap();
    let out = crate::support::run(&own, &["new", ".", "-y", "--force"]);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("these files are yours and differ from what pyscaffold writes"),
        "{err}"
    );
    assert!(!err.contains("pyscaffold upgrade"), "{err}");
    // `new .` takes the directory's own name.
    let named = tmp.path().join("named-svc");
    std::fs::create_dir(&named).unwrap();
    let out = crate::support::run(&named, &["new", ".", "-y"]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    assert!(named.join("named_svc/app.py").is_file());
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::Read as _;
    let tmp = assert_fs::TempDir::new().unwrap();
    // More than a pipe holds (64 KiB), so pyscaffold is still writing when the reader goes.
    let args = [
        "new",
        "demo",
        "-y",
        "--dry-run",
        "--diff",
        "--framework",
        "django",
        "--installer",
        "poetry",
        "--ci",
        "github,gitlab,circleci",
        "--image",
        "registry.example.com/a/b",
        "--set",
        "upgrade_job=true",
        "--no-lock",
    ];
    let mut child = crate::support::command(tmp.path(), &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's reader is gone now, as after `| head -c 16`.
    let out = child.wait_with_output().unwrap();
    let err = crate::support::stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(141), "{err}");
}

#[test]
fn messages_to_a_reader_that_has_gone_do_not_stop_the_work() {
    // stderr is a pipe whose reader is gone before anything is written, as after
    // `pyscaffold init ... 2>&1 | head -3` once head has its lines: the messages are lost, the
    // project is written all the same.
    let tmp = assert_fs::TempDir::new().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = crate::support::command(tmp.path(), &["new", "demo", "-y", "--no-lock"])
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(tmp.path().join("demo/.pyscaffold.yml").is_file());
}

#[test]
fn a_symbolic_link_as_the_target_is_named_as_one() {
    let tmp = TempDir::new().unwrap();
    std::fs::create_dir(tmp.path().join("real")).unwrap();
    std::os::unix::fs::symlink("real", tmp.path().join("link")).unwrap();
    let out = run(tmp.path(), &["new", "link", "-y"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`link` is a symbolic link (to `real`)"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("help: give the folder the link points to (`real`)"));
    assert_eq!(
        std::fs::read_dir(tmp.path().join("real")).unwrap().count(),
        0
    );
}

#[test]
fn force_refuses_a_hand_edited_record_and_deletes_nothing() {
    let tmp = TempDir::new().unwrap();
    assert!(run(tmp.path(), &["new", "demo", "-y"]).status.success());
    let root = tmp.path().join("demo");
    std::fs::write(root.join("notes.txt"), "mine\n").unwrap();
    let sha = pyscaffold::digest::sha256_hex(b"mine\n");
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    std::fs::write(
        root.join(".pyscaffold.yml"),
        record.replace(
            "files:\n",
            &format!("files:\n  - path: notes.txt\n    sha256: {sha}\n    kind: managed\n"),
        ),
    )
    .unwrap();
    let out = run(tmp.path(), &["new", "demo", "-y", "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was edited by hand"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn a_flag_that_replaces_a_set_answer_on_the_same_command_line_says_so() {
    let tmp = TempDir::new().unwrap();
    let out = run(
        tmp.path(),
        &[
            "new",
            "x",
            "-y",
            "--no-lock",
            "--set",
            "port=8080",
            "--port",
            "9000",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: `--port 9000` replaces `--set port=8080`"),
        "{}",
        stderr(&out)
    );
    let record = std::fs::read_to_string(tmp.path().join("x/.pyscaffold.yml")).unwrap();
    assert!(record.contains("  port: 9000\n"), "{record}");
    // The same value twice is no news.
    let out = run(
        tmp.path(),
        &[
            "new",
            "y",
            "-y",
            "--no-lock",
            "--set",
            "port=9000",
            "--port",
            "9000",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("replaces"), "{}", stderr(&out));
}

/// Standard output that cannot be written (a full disk) is an error with status 1, not a
/// panic, and not a success.
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_an_error() {
    let tmp = TempDir::new().unwrap();
    for args in [
        &["--version"][..],
        &["versions"][..],
        &["new", "--help"][..],
        &["new", "svc", "-y", "--dry-run"][..],
    ] {
        let out = crate::support::command(tmp.path(), args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot write to standard output"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!tmp.path().join("svc").exists());
}

/// `-y` is also `--yes`, and saying it twice (a script that adds it again) is no error.
#[test]
fn yes_may_be_spelt_out_and_repeated() {
    let tmp = TempDir::new().unwrap();
    for (name, args) in [("a", &["-y", "--yes"][..]), ("b", &["-yy"][..])] {
        let mut all = vec!["new", name, "--no-lock"];
        all.extend_from_slice(args);
        let out = run(tmp.path(), &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(tmp.path().join(name).join("Dockerfile").is_file());
    }
}

#[test]
fn a_subcommand_version_names_pyscaffold() {
    let tmp = TempDir::new().unwrap();
    for args in [
        &["new", "--version"][..],
        &["fleet", "report", "--version"][..],
    ] {
        let out = run(tmp.path(), args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with("pyscaffold 0."),
            "{args:?}: {}",
            stdout(&out)
        );
    }
}

/// `mkdir api && cd api && pyscaffold new .`: the folder the user made is written into, not
/// replaced, so it keeps its permissions and a shell standing in it sees the project.
#[cfg(unix)]
#[test]
fn an_empty_folder_is_written_into_and_kept() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("api");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
    let before = std::fs::metadata(&dir).unwrap();
    let out = run(&dir, &["new", ".", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = std::fs::metadata(&dir).unwrap();
    assert_eq!(after.ino(), before.ino(), "the folder was replaced");
    assert_eq!(after.permissions().mode() & 0o777, 0o750);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == "Dockerfile"), "{names:?}");
    assert!(names.iter().any(|n| n == ".pyscaffold.yml"), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with(".pyscaffold-staging")),
        "{names:?}"
    );
    // A missing folder is still created, next to nothing else.
    let out = run(tmp.path(), &["new", "fresh", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let beside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside.len(), 2, "{beside:?}");
}

/// A record reused as answers file: an answer that only followed others (the base image from
/// the Python version and Debian release) follows the answers given now, as `upgrade`
/// recomputes it; one chosen by hand is kept.
#[test]
fn a_reused_records_computed_answers_follow_the_new_ones() {
    let (tmp, root) = generate("svc", &["-y", "--no-lock"]);
    let record = root.join(".pyscaffold.yml");
    let record = record.to_str().unwrap();
    let from = |name: &str| {
        std::fs::read_to_string(tmp.path().join(name).join("Dockerfile"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("FROM "))
            .unwrap()
            .to_string()
    };
    for (name, extra, want) in [
        (
            "py312",
            &["--python", "3.12"][..],
            "FROM python:3.12-slim-trixie",
        ),
        (
            "bookworm",
            &["--set", "debian_release=bookworm"][..],
            "FROM python:3.13-slim-bookworm",
        ),
        ("same", &[][..], "FROM python:3.13-slim-trixie"),
    ] {
        let mut args = vec!["new", name, "-y", "--no-lock", "--answers", record];
        args.extend_from_slice(extra);
        let out = run(tmp.path(), &args);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(from(name).starts_with(want), "{name}: {}", from(name));
    }
    // A base image chosen by hand stays, and a Python version that contradicts it is refused.
    let (tmp2, mirrored) = generate(
        "mirrored",
        &[
            "-y",
            "--no-lock",
            "--set",
            "base_image=registry.example.com/mirror/python:3.13-slim-trixie",
        ],
    );
    let record = mirrored.join(".pyscaffold.yml");
    let out = run(
        tmp2.path(),
        &[
            "new",
            "again",
            "-y",
            "--no-lock",
            "--answers",
            record.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dockerfile = std::fs::read_to_string(tmp2.path().join("again/Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM registry.example.com/mirror/python:3.13-slim-trixie"));
    let out = run(
        tmp2.path(),
        &[
            "new",
            "older",
            "-y",
            "--no-lock",
            "--answers",
            record.to_str().unwrap(),
            "--python",
            "3.12",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("runs Python 3.13"),
        "{}",
        stderr(&out)
    );
}
