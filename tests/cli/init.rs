//! `pyscaffold init`: each fixture repository packaged with `-y`, what it writes and what it
//! leaves alone, the validators on the result, and the refusals (nothing written).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_fs::TempDir;

use crate::support::{read_tree, run, stderr};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/repos")
        .join(name)
}

/// A copy of fixture `name` in a temporary folder.
pub fn copy_fixture(name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join(name);
    for entry in walkdir::WalkDir::new(fixture(name)) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(fixture(name)).unwrap();
        let to = root.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    (tmp, root)
}

fn record(root: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// Every `COPY` source of the Dockerfile (not `--from` a stage, not a wildcard) exists in the
/// repository: the build context has what the image needs.
fn copy_sources_exist(root: &Path) -> Vec<String> {
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let mut missing = Vec::new();
    for line in dockerfile.lines() {
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        if rest.starts_with("--from") {
            continue;
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            if source.contains('[') || source.contains('*') {
                continue;
            }
            if !root.join(source.trim_end_matches('/')).exists() {
                missing.push(source.to_string());
            }
        }
    }
    missing
}

struct Expect<'a> {
    fixture: &'a str,
    answers: &'a [(&'a str, &'a str)],
    /// Files init must write besides the common packaging.
    writes: &'a [&'a str],
}

const CASES: &[Expect<'_>] = &[
    Expect {
        fixture: "flask-pip",
        answers: &[
            ("framework", "flask"),
            ("installer", "pip"),
            ("python_version", "3.11"),
            ("app", "app:app"),
            ("port", "5000"),
            ("health_path", "/health/"),
            ("health_check", "path"),
        ],
        writes: &["docker/server-requirements.txt", ".gitignore"],
    },
    Expect {
        fixture: "flaskr-piptools",
        answers: &[
            ("installer", "pip-tools"),
            ("app", "flaskr:create_app()"),
            ("health_check", "liveness"),
            ("require_hashes", "false"),
        ],
        writes: &["docker/pin.py"],
    },
    Expect {
        fixture: "django-subfolder",
        answers: &[
            ("framework", "django"),
            ("app", "mysite.wsgi:application"),
            ("django_settings", "mysite.settings"),
            ("source_root", "backend"),
            ("health_path", "/status/"),
        ],
        writes: &[],
    },
    Expect {
        fixture: "fastapi-uv-src",
        answers: &[
            ("framework", "fastapi"),
            ("installer", "uv"),
            ("python_version", "3.12"),
            ("app", "inventory.main:app"),
            ("name", "inventory"),
            ("package", "true"),
            ("asgi_worker", "uvicorn.workers.UvicornWorker"),
        ],
        writes: &["docker/server-requirements.txt"],
    },
    Expect {
        fixture: "flask-uv-instance",
        answers: &[
            ("package", "true"),
            ("writable_paths", "/opt/venv/var/notes-instance"),
            ("health_check", "liveness"),
        ],
        writes: &[],
    },
    Expect {
        fixture: "pdm-starlette",
        answers: &[
            ("framework", "asgi"),
            ("installer", "pdm"),
            ("app", "edge:app"),
        ],
        writes: &[],
    },
    Expect {
        fixture: "pipenv-nolock",
        answers: &[
            ("framework", "wsgi"),
            ("installer", "pipenv"),
            ("app", "service:api"),
        ],
        writes: &[],
    },
    Expect {
        fixture: "poetry-and-requirements",
        answers: &[("installer", "poetry"), ("app", "app.main:app")],
        writes: &[],
    },
    Expect {
        fixture: "flit-package",
        answers: &[
            ("installer", "flit"),
            ("app", "greeter.web:app"),
            ("package", "true"),
        ],
        writes: &[],
    },
];

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[test]
fn each_fixture_is_packaged_from_what_detection_found_and_passes_the_validators() {
    for case in CASES {
        let (tmp, root) = copy_fixture(case.fixture);
        let before = read_tree(&root);
        let out = run(tmp.path(), &["init", case.fixture, "-y", "--no-lock"]);
        assert!(
            out.status.success(),
            "{}: init failed:\n{}",
            case.fixture,
            stderr(&out)
        );
        let err = stderr(&out);
        assert!(err.contains("packaged `"), "{}: {err}", case.fixture);
        let record = record(&root);
        assert_eq!(record["answers"]["adopted"], true, "{}", case.fixture);
        for (id, want) in case.answers {
            assert_eq!(
                text(&record["answers"][id]),
                *want,
                "{}: answer `{id}`\n{err}",
                case.fixture
            );
        }
        // The detected answers name their evidence in the output.
        assert!(err.contains("detected: "), "{}: {err}", case.fixture);

        let after = read_tree(&root);
        // The repository's own files are untouched (a .gitignore only gains `!` lines).
        for (path, contents) in &before {
            if path == ".gitignore" {
                assert!(
                    after[path].starts_with(contents.as_str()),
                    "{}",
                    case.fixture
                );
                continue;
            }
            assert_eq!(&after[path], contents, "{}: `{path}` changed", case.fixture);
        }
        // No example app, tests or dependency manifest.
        let added: Vec<&String> = after.keys().filter(|p| !before.contains_key(*p)).collect();
        for path in &added {
            let packaging = path.starts_with("docker/")
                || path.starts_with(".github/")
                || [
                    "Dockerfile",
                    ".dockerignore",
                    ".gitattributes",
                    ".gitignore",
                    "compose.yaml",
                    "README.Docker.md",
                    ".pyscaffold.yml",
                ]
                .contains(&path.as_str());
            assert!(packaging, "{}: init wrote `{path}`", case.fixture);
        }
        for path in case.writes.iter().chain(&["Dockerfile", "docker/build.py"]) {
            assert!(after.contains_key(*path), "{}: no `{path}`", case.fixture);
        }
        // The record lists what was written, and only that.
        let recorded: Vec<String> = record["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        for path in &recorded {
            assert!(
                added.contains(&path) || path == ".gitignore" && !before.contains_key(path),
                "{}: records `{path}`, which it did not write",
                case.fixture
            );
        }
        let missing = copy_sources_exist(&root);
        assert!(
            missing.is_empty(),
            "{}: the Dockerfile copies what is not there: {missing:?}",
            case.fixture
        );
        if let Some(results) = crate::validators::validate_adopted(&root) {
            let failed: BTreeMap<_, _> = results
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            assert!(
                failed.is_empty(),
                "{}: validators failed: {failed:#?}",
                case.fixture
            );
        }
    }
}

#[test]
fn a_gitignore_that_hides_packaging_gets_re_include_lines() {
    let (tmp, root) = copy_fixture("flask-pip");
    // Patterns of common Python .gitignore files that match folders the packaging writes.
    std::fs::write(
        root.join(".gitignore"),
        "env/\nenvironments/\ndocker\n*.sh\n",
    )
    .unwrap();
    let out = run(tmp.path(), &["init", "flask-pip", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(
        text.starts_with("env/\nenvironments/\ndocker\n*.sh\n"),
        "{text}"
    );
    assert!(text.contains("!/docker/"), "{text}");
    assert!(
        stderr(&out).contains("changed in your repository"),
        "{}",
        stderr(&out)
    );
    // detect's advice to add `!` lines is what init did: not repeated as a warning.
    assert!(!stderr(&out).contains("help: add `!"), "{}", stderr(&out));
    // git itself agrees: nothing pyscaffold wrote is ignored, its record included.
    std::fs::write(
        root.join(".gitignore"),
        "env/\nenvironments/\ndocker\n*.sh\n*.yml\n",
    )
    .unwrap();
    std::fs::remove_file(root.join(".pyscaffold.yml")).unwrap();
    let out = run(tmp.path(), &["init", "flask-pip", "-y", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    crate::support::git(&root, &["init", "-q"]);
    let record = record(&root);
    let mut paths: Vec<&str> = vec![".pyscaffold.yml"];
    paths.extend(
        record["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap()),
    );
    for path in paths {
        let out = crate::support::git(&root, &["check-ignore", "-q", path]);
        assert!(!out.status.success(), "`{path}` is still ignored:\n{text}");
    }
}

#[test]
fn refusals_write_nothing() {
    // Two lock files: ambiguous, so -y names the flag.
    let (tmp, root) = copy_fixture("two-locks");
    let out = run(tmp.path(), &["init", "two-locks", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("ambiguous between `uv` and `poetry`"), "{err}");
    assert!(err.contains("--installer INSTALLER"), "{err}");
    assert!(!root.join("Dockerfile").exists());
    // Given the flag, it goes ahead.
    let out = run(
        tmp.path(),
        &["init", "two-locks", "-y", "--installer", "uv", "--no-lock"],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // No framework among the dependencies.
    let (tmp, root) = copy_fixture("flask-cors-only");
    let out = run(tmp.path(), &["init", "flask-cors-only", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--framework FRAMEWORK"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join(".pyscaffold.yml").exists());

    // No Python at all.
    let (tmp, _root) = copy_fixture("no-python");
    let out = run(tmp.path(), &["init", "no-python", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds no Python"), "{}", stderr(&out));

    // An existing Dockerfile is replaced only with --force, and reported.
    let (tmp, root) = copy_fixture("flask-pip");
    std::fs::write(root.join("Dockerfile"), "FROM python:3.12\n").unwrap();
    let before = read_tree(&root);
    let out = run(tmp.path(), &["init", "flask-pip", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`Dockerfile`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(read_tree(&root), before, "a refused init wrote something");
    let out = run(tmp.path(), &["init", "flask-pip", "-y", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replaced (--force): Dockerfile"),
        "{}",
        stderr(&out)
    );

    // Already packaged: upgrade is the way on.
    let out = run(tmp.path(), &["init", "flask-pip", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pyscaffold upgrade"),
        "{}",
        stderr(&out)
    );

    // Answers that name what the repository does not have.
    let (tmp, root) = copy_fixture("flask-pip");
    for set in ["copy=nothere.py", "source_root=nothere"] {
        let out = run(tmp.path(), &["init", "flask-pip", "-y", "--set", set]);
        assert_eq!(out.status.code(), Some(2), "{set}");
        assert!(
            stderr(&out).contains("the repository has no `nothere"),
            "{}",
            stderr(&out)
        );
        assert!(!root.join("Dockerfile").exists());
    }

    // A worker: detection cannot know its start command, so -y asks for it.
    let (tmp, root) = copy_fixture("flask-pip");
    std::fs::write(root.join("requirements.txt"), "celery==5.5.3\n").unwrap();
    std::fs::write(
        root.join("app.py"),
        "from celery import Celery\n\napp = Celery()\n",
    )
    .unwrap();
    let out = run(tmp.path(), &["init", "flask-pip", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--set command=VALUE"),
        "{}",
        stderr(&out)
    );
    let out = run(
        tmp.path(),
        &[
            "init",
            "flask-pip",
            "-y",
            "--set",
            "command=celery -A app worker",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // A corrupt lock file is named, not taken as a lock.
    let (tmp, root) = copy_fixture("pipenv-nolock");
    std::fs::write(root.join("Pipfile.lock"), "{not json").unwrap();
    let out = run(tmp.path(), &["init", "pipenv-nolock", "-y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Pipfile.lock line 1"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("Dockerfile").exists());

    // A bad answer is refused before anything is written.
    let (tmp, root) = copy_fixture("flask-pip");
    let out = run(
        tmp.path(),
        &["init", "flask-pip", "-y", "--set", "copy=../etc"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("help:"), "{}", stderr(&out));
    assert!(!root.join("Dockerfile").exists());
}

#[test]
fn flags_override_detection_and_upgrade_works_on_an_adopted_repository() {
    let (tmp, root) = copy_fixture("flask-pip");
    let out = run(
        tmp.path(),
        &[
            "init",
            "flask-pip",
            "-y",
            "--port",
            "8080",
            "--set",
            "writable_paths=data",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let record = record(&root);
    assert_eq!(record["answers"]["port"], 8080);
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("VOLUME [\"/app/data\"]"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("COPY app.py app.py"), "{dockerfile}");
    // A detected value the template refuses does not block: a flag replaces it.
    let (tmp2, root2) = copy_fixture("flask-pip");
    std::fs::write(
        root2.join("app.py"),
        "from flask import Flask\n\nDB = \"sqlite:///./data/notes.db\"\napp = Flask(__name__)\n",
    )
    .unwrap();
    let out = run(tmp2.path(), &["init", "flask-pip", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        crate::init::record(&root2)["answers"]["writable_paths"][0],
        "data"
    );
    // The packaging is pyscaffold's from now on: upgrade finds it current.
    crate::support::commit_all(&root, "packaged");
    let out = run(&root, &["upgrade", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        crate::support::stdout(&out),
        stderr(&out)
    );
}

/// A fixture made a git repository, packaged by `init -y`, committed, then built and
/// smoke-tested (hardened: read-only root, no capabilities, non-root) by its own build script,
/// with no edit in between. `prepare` makes the fixture's stand-in lock file a real one first.
fn adopt_and_build(
    name: &str,
    prepare: Option<fn(&Path)>,
    init_args: &[&str],
    expect_in_log: &[&str],
) -> String {
    let (tmp, root) = copy_fixture(name);
    if let Some(prepare) = prepare {
        prepare(&root);
    }
    adopt_and_build_at(&tmp, &root, init_args, expect_in_log)
}

/// [`adopt_and_build`] on a repository in `tmp` (`root` is `tmp/NAME`).
pub(crate) fn adopt_and_build_at(
    tmp: &TempDir,
    root: &Path,
    init_args: &[&str],
    expect_in_log: &[&str],
) -> String {
    let engine = crate::docker_e2e::Engine::get();
    let name = root.file_name().unwrap().to_str().unwrap();
    let root = root.to_path_buf();
    // The repository is the folder's own, or one above it that the test made (a workspace).
    let repo = root
        .ancestors()
        .take_while(|dir| dir.starts_with(tmp.path()) && *dir != tmp.path())
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&root)
        .to_path_buf();
    crate::support::commit_all(&repo, "the repository as it was");
    let mut args = vec!["init", name, "-y"];
    args.extend(init_args);
    let out = run(root.parent().unwrap(), &args);
    assert!(
        out.status.success(),
        "{name}: init failed:\n{}",
        stderr(&out)
    );
    let init_log = stderr(&out);
    // Server packages added by the installer are the project's own: the image adds none.
    if init_log.contains(" added by `") {
        let pyproject = std::fs::read_to_string(root.join("pyproject.toml")).unwrap();
        assert!(pyproject.contains("gunicorn"), "{name}: {pyproject}");
        assert!(!root.join("docker/server-requirements.txt").exists());
    }
    crate::support::commit_all(&repo, "pyscaffold init");
    let started = std::time::Instant::now();
    let (tag, log) = crate::docker_e2e::build(&root, &format!("pyscaffold-e2e/init-{name}"), &[]);
    crate::support::report(&format!(
        "e2e init {name}: build and smoke test took {:.0}s",
        started.elapsed().as_secs_f64()
    ));
    for want in [
        "smoke: healthy on port",
        "smoke: runs as uid 10001",
        "smoke: docker stop took",
    ]
    .iter()
    .chain(expect_in_log)
    {
        assert!(
            log.contains(want),
            "{name}: no `{want}` in the build log:\n{log}"
        );
    }
    // The image carries the app's code and runs the repository's own app.
    let record = record(&root);
    let app = record["answers"]["app"].as_str().unwrap().to_string();
    let module = app.split(':').next().unwrap();
    let probe = format!("import importlib; importlib.import_module('{module}'); print('imported')");
    // With the variable the smoke test passes too: settings may require it on import.
    let out = engine.run(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--env",
        "DJANGO_SECRET_KEY=import-probe-only-not-a-secret",
        &tag,
        "python",
        "-c",
        &probe,
    ]);
    assert!(
        crate::support::stdout(&out).contains("imported"),
        "{name}: the image cannot import `{module}`: {}",
        stderr(&out)
    );
    engine.run(&["rmi", "--force", &tag]);
    init_log
}

/// The fixture's uv.lock is a stand-in for detection; a real repository has a real lock.
fn real_uv_lock(root: &Path) {
    let uv = crate::support::tool("uv").expect("uv (scripts/install-validators.sh installs it)");
    std::fs::remove_file(root.join("uv.lock")).unwrap();
    let (ok, text) = crate::support::run_tool(&uv, &["lock"], root);
    assert!(ok, "uv lock: {text}");
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_flask_uv_package_writing_its_instance_folder_under_the_venv_serves() {
    adopt_and_build(
        "flask-uv-instance",
        Some(real_uv_lock),
        &["--no-lock"],
        &["healthy on port"],
    );
}

/// A real public app: the Flask tutorial (flaskr) as Flask's own source release ships it, a flit
/// package whose factory creates its instance folder at start.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_the_flask_tutorial_from_flasks_source_release_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let release = crate::corpus::source_release(&tmp, "flask==3.1.3");
    crate::support::copy_tree(
        &release.join("examples/tutorial"),
        &tmp.path().join("flaskr"),
    );
    let root = tmp.path().join("flaskr");
    let detected = run(&root, &["detect", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&detected.stdout).unwrap();
    assert_eq!(json["findings"]["installer"]["value"], "flit");
    assert_eq!(json["findings"]["app"]["value"], "flaskr:create_app()");
    assert_eq!(
        json["findings"]["writable_paths"]["value"],
        serde_json::json!(["/opt/venv/var/flaskr-instance"])
    );
    adopt_and_build_at(&tmp, &root, &[], &["healthy on port"]);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_flask_pip_procfile_port_builds_and_serves() {
    adopt_and_build("flask-pip", None, &["--no-lock"], &["healthy on port"]);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_flask_factory_pip_tools_writable_instance_liveness_builds_and_serves() {
    adopt_and_build("flaskr-piptools", None, &["--no-lock"], &[]);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_django_in_a_subfolder_with_split_requirements_builds_and_serves() {
    adopt_and_build("django-subfolder", None, &["--no-lock"], &["/status/"]);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_fastapi_uv_src_package_old_uvicorn_without_gunicorn_builds_and_serves() {
    // uv is on PATH: gunicorn joins the project's own dependencies through `uv add`, at a
    // version uv finds compatible with the old uvicorn the project pins.
    let log = adopt_and_build("fastapi-uv-src", Some(real_uv_lock), &[], &["/healthz"]);
    assert!(
        log.contains("pyproject.toml: gunicorn added by `uv add --no-sync gunicorn`"),
        "{log}"
    );
}

#[test]
fn packaging_written_for_adopted_repositories_matches_the_golden_trees() {
    let mut failures = Vec::new();
    for name in ["django-subfolder", "flaskr-piptools", "fastapi-uv-src"] {
        let (tmp, root) = copy_fixture(name);
        let before = read_tree(&root);
        let out = run(tmp.path(), &["init", name, "-y", "--no-lock"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let written: BTreeMap<String, String> = read_tree(&root)
            .into_iter()
            .filter(|(path, _)| !before.contains_key(path))
            .collect();
        failures.extend(crate::golden::compare_or_bless(
            &format!("init-{name}"),
            &written,
        ));
    }
    // A uv workspace member: the packaging in the member, built from the workspace root.
    let tmp = TempDir::new().unwrap();
    let member = detect_scenario(&tmp, "uv-workspace-member").join("backend");
    let before = read_tree(&member);
    let out = run(&member, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "workspace member: {}", stderr(&out));
    let written: BTreeMap<String, String> = read_tree(&member)
        .into_iter()
        .filter(|(path, _)| !before.contains_key(path))
        .collect();
    failures.extend(crate::golden::compare_or_bless(
        "init-uv-workspace-member",
        &written,
    ));
    assert!(
        failures.is_empty(),
        "init's files differ from tests/golden (PYSCAFFOLD_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

/// A stand-in `uv` first on PATH: `body` is its shell script.
fn fake_uv(body: &str) -> (TempDir, std::ffi::OsString) {
    fake_tool("uv", body)
}

/// A stand-in for installer `name` first on PATH: `body` is its shell script.
fn fake_tool(name: &str, body: &str) -> (TempDir, std::ffi::OsString) {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = TempDir::new().unwrap();
    let path = bin.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut dirs = vec![bin.path().to_path_buf()];
    dirs.extend(std::env::split_paths(&crate::support::tools_path()));
    let joined = std::env::join_paths(dirs).unwrap();
    (bin, joined)
}

#[test]
fn missing_server_packages_join_the_project_through_the_installers_add_command() {
    let adds = r#"echo "$@" > "$0.args"
printf '\n# %s\n' "$3" >> pyproject.toml
echo locked > uv.lock"#;
    let (bin, path) = fake_uv(adds);
    let args_file = bin.path().join("uv.args");
    let init = |tmp: &Path, extra: &[&str]| {
        let mut args = vec!["init", "fastapi-uv-src", "-y"];
        args.extend(extra);
        crate::support::command(tmp, &args)
            .env("PATH", &path)
            .output()
            .unwrap()
    };

    // A dry run names the command and runs nothing.
    let (tmp, root) = copy_fixture("fastapi-uv-src");
    let before = read_tree(&root);
    let out = init(tmp.path(), &["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = crate::support::stdout(&out);
    assert!(
        listed.contains(
            "run     `uv add --no-sync gunicorn` (adds gunicorn to pyproject.toml and uv.lock)"
        ),
        "{listed}"
    );
    assert!(!listed.contains("server-requirements"), "{listed}");
    assert!(!args_file.exists());
    assert_eq!(read_tree(&root), before);

    // The real run: the project depends on gunicorn itself, the image adds nothing.
    let out = init(tmp.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&args_file).unwrap().trim(),
        "add --no-sync gunicorn"
    );
    let err = stderr(&out);
    assert!(
        err.contains("pyproject.toml: gunicorn added by `uv add --no-sync gunicorn`"),
        "{err}"
    );
    assert!(err.contains("uv.lock: gunicorn added by"), "{err}");
    assert!(
        std::fs::read_to_string(root.join("pyproject.toml"))
            .unwrap()
            .ends_with("# gunicorn\n")
    );
    assert!(!root.join("docker/server-requirements.txt").exists());
    assert_eq!(
        record(&root)["answers"]["server_packages"],
        serde_json::json!([])
    );
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(!dockerfile.contains("server-requirements"), "{dockerfile}");
    std::fs::remove_file(&args_file).unwrap();

    // Given explicitly, the answer stands: the image adds it, the installer is not run.
    let (tmp, _root) = copy_fixture("fastapi-uv-src");
    let out = init(tmp.path(), &["--set", "server_packages=gunicorn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!args_file.exists());
    // --no-lock runs no installer command and says what to run instead.
    let (tmp, root) = copy_fixture("fastapi-uv-src");
    let out = init(tmp.path(), &["--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!args_file.exists());
    assert!(root.join("docker/server-requirements.txt").exists());
    assert!(
        stderr(&out).contains(
            "run `uv add --no-sync gunicorn` and `pyscaffold upgrade --set server_packages=`"
        ),
        "{}",
        stderr(&out)
    );

    // The installer fails half-way: the project is put back as it was, the image adds the
    // packages from hashed pins, and the warning says why.
    let (_bin, path) = fake_uv(
        "echo broken >> pyproject.toml\necho broken > uv.lock\necho 'error: No solution found' >&2\nexit 1",
    );
    let (tmp, root) = copy_fixture("fastapi-uv-src");
    let pyproject = std::fs::read(root.join("pyproject.toml")).unwrap();
    let lock = std::fs::read(root.join("uv.lock")).unwrap();
    let out = crate::support::command(tmp.path(), &["init", "fastapi-uv-src", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "warning: `uv add --no-sync gunicorn` failed (exit status: 1):\n    error: No solution found\n  the project's files are as they were"
        ),
        "{err}"
    );
    assert!(!err.contains("added with"), "{err}");
    assert_eq!(
        std::fs::read(root.join("pyproject.toml")).unwrap(),
        pyproject
    );
    assert_eq!(std::fs::read(root.join("uv.lock")).unwrap(), lock);
    assert!(root.join("docker/server-requirements.txt").exists());
    assert_eq!(
        record(&root)["answers"]["server_packages"],
        serde_json::json!(["gunicorn"])
    );
}

#[test]
fn a_missing_lock_file_is_created_with_the_installers_lock_command_and_listed() {
    let (_bin, path) = fake_tool(
        "pipenv",
        r#"echo "$@" > lock.args; echo '{}' > Pipfile.lock"#,
    );
    let (tmp, root) = copy_fixture("pipenv-nolock");
    let out = crate::support::command(tmp.path(), &["init", "pipenv-nolock", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(root.join("lock.args")).unwrap(),
        "lock\n"
    );
    assert!(
        stderr(&out).contains("Pipfile.lock: created by the installer's lock command"),
        "{}",
        stderr(&out)
    );
    // The lock command fails: exit 1, with what to run once the cause is fixed.
    let (_bin, path) = fake_tool("pipenv", "exit 3");
    let (tmp, _root) = copy_fixture("pipenv-nolock");
    let out = crate::support::command(tmp.path(), &["init", "pipenv-nolock", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: `pipenv lock` failed (exit status: 3)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn answers_the_repository_contradicts_are_refused_before_anything_is_written() {
    // (fixture, extra args, part of the error)
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "flask-pip",
            &["--set", "app=app:nope"],
            "the app `app:nope` is `nope` in `app.py`, which does not name it",
        ),
        (
            "flask-pip",
            &["--installer", "poetry"],
            "`--installer poetry` reads the dependencies from pyproject.toml",
        ),
        (
            "flask-pip",
            &["--installer", "pipenv"],
            "reads the dependencies from Pipfile",
        ),
        (
            "flask-pip",
            &["--framework", "django"],
            "`--framework django`, but the repository has no Django project",
        ),
        (
            "flask-pip",
            &["--framework", "fastapi"],
            "`--framework fastapi` serves an ASGI app, but the repository's app is flask (requirements.txt:2), a WSGI app",
        ),
        (
            "flask-pip",
            &["--set", "app=missing.mod:app"],
            "the app `missing.mod:app` is in module `missing.mod`, which the repository does not have (no missing/mod.py or missing/mod/__init__.py)",
        ),
    ];
    for (fixture, extra, expected) in cases {
        let (tmp, root) = copy_fixture(fixture);
        let before = read_tree(&root);
        let mut args = vec!["init", fixture, "-y", "--no-lock"];
        args.extend(extra);
        let out = run(tmp.path(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expected), "{extra:?}: {err}");
        assert!(err.contains("help:"), "{extra:?}: {err}");
        assert_eq!(read_tree(&root), before, "{extra:?} wrote something");
    }
    // Naming the app too, another framework is the user's call.
    let (tmp, _root) = copy_fixture("flask-pip");
    let out = run(
        tmp.path(),
        &[
            "init",
            "flask-pip",
            "-y",
            "--no-lock",
            "--framework",
            "wsgi",
            "--set",
            "app=app:app",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn poetry_refusing_the_newest_server_for_old_pythons_is_retried_for_the_images_python() {
    // Fails unless limited to a Python (`--python >=X.Y`), as Poetry does for `python = "^3.9"`.
    let script = r#"if [ "$3" = "--python" ]; then
  echo "$@" > "$0.args"; echo '# gunicorn' >> pyproject.toml; echo locked >> poetry.lock
else
  echo 'For gunicorn, a possible solution would be to set the `python` property'; exit 1
fi"#;
    let (bin, path) = fake_tool("poetry", script);
    let (tmp, root) = copy_fixture("poetry-and-requirements");
    let out = crate::support::command(tmp.path(), &["init", "poetry-and-requirements", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        std::fs::read_to_string(bin.path().join("poetry.args"))
            .unwrap()
            .trim(),
        "add --lock --python >=3.11 gunicorn"
    );
    assert!(
        err.contains("    For gunicorn, a possible solution would be to set the `python` property"),
        "{err}"
    );
    assert!(
        err.contains(
            "pyproject.toml: gunicorn added by `poetry add --lock --python '>=3.11' gunicorn`"
        ),
        "{err}"
    );
    assert!(!root.join("docker/server-requirements.txt").exists());
}

/// A real shape from Django's own generator: `django-admin startproject` and `startapp`, with
/// the requirements file a team adds. Its only route is the admin, whose login page is the
/// health check (it answers without a database).
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_a_django_startproject_builds_and_serves_the_admin_login() {
    let tmp = TempDir::new().unwrap();
    let django_admin = crate::support::tool("django-admin")
        .expect("django-admin (scripts/install-validators.sh installs Django)");
    let root = tmp.path().join("mysite");
    std::fs::create_dir(&root).unwrap();
    let (ok, text) =
        crate::support::run_tool(&django_admin, &["startproject", "mysite", "."], &root);
    assert!(ok, "startproject: {text}");
    let python = django_admin.with_file_name("python3");
    let (ok, text) = crate::support::run_tool(&python, &["manage.py", "startapp", "polls"], &root);
    assert!(ok, "startapp: {text}");
    std::fs::write(root.join("requirements.txt"), "Django==5.2.19\n").unwrap();
    let detected = run(&root, &["detect", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&detected.stdout).unwrap();
    assert_eq!(json["findings"]["framework"]["value"], "django");
    assert_eq!(json["findings"]["health_path"]["value"], "/admin/login/");
    assert_eq!(json["findings"]["health_path"]["certainty"], "certain");
    adopt_and_build_at(&tmp, &root, &["--no-lock"], &["/admin/login/"]);
}

/// A detect scenario's repository (`tests/detect/NAME/repo`), copied as a git repository.
fn detect_scenario(tmp: &TempDir, name: &str) -> PathBuf {
    let root = tmp.path().join(name);
    crate::support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/detect")
            .join(name)
            .join("repo"),
        &root,
    );
    root
}

/// Runs `args` in `dir`, which must refuse them (exit 2) and leave the tree at `root` as it
/// was; returns what it said.
fn refused(root: &Path, dir: &Path, args: &[&str]) -> String {
    let before = read_tree(root);
    let out = run(dir, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert_eq!(read_tree(root), before, "{args:?}: nothing written");
    stderr(&out)
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_serves_the_app_a_procfile_names_not_a_factory_that_needs_arguments() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "flask-config-factory");
    let log = adopt_and_build_at(&tmp, &root, &[], &[]);
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(record.contains("app: shopfront:app"), "{record}\n{log}");
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_runs_the_production_module_of_a_django_settings_package() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-settings-package");
    adopt_and_build_at(&tmp, &root, &["--no-lock"], &["/django-admin/login/"]);
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(
        record.contains("django_settings: mysite.settings.production"),
        "{record}"
    );
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_makes_the_folders_an_app_creates_at_start_writable() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "flask-logs-at-start");
    adopt_and_build_at(&tmp, &root, &[], &["/ping"]);
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(
        record.contains("- logs") && record.contains("- var/cache"),
        "{record}"
    );
}

/// With the sites framework installed, Django's admin login page queries the database (500 on
/// an image without one): the smoke test checks liveness instead, and passes.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn init_django_with_the_sites_framework_checks_liveness_and_serves() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-sites-framework");
    let log = adopt_and_build_at(&tmp, &root, &["--no-lock"], &["healthy on port"]);
    assert!(log.contains("health_check     liveness"), "{log}");
}

#[test]
fn the_sites_framework_added_to_the_app_list_in_any_form_keeps_the_admin_login_out() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-sites-framework");
    let settings = root.join("config/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    let without = text.replace("    \"django.contrib.sites\",\n", "");
    assert_ne!(without, text);
    for addition in [
        "INSTALLED_APPS += [\"django.contrib.sites\"]",
        "INSTALLED_APPS.append(\"django.contrib.sites\")",
        "INSTALLED_APPS.insert(0, \"django.contrib.sites.apps.SitesConfig\")",
        "DJANGO_APPS += (\"django.contrib.sites\",)",
    ] {
        std::fs::write(&settings, format!("{without}{addition}\n")).unwrap();
        let out = run(&root, &["detect", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            json["findings"]["health_path"]["value"].is_null(),
            "{addition}: {}",
            json["findings"]["health_path"]
        );
    }
    // Without the sites framework, the admin login page is the health route.
    std::fs::write(&settings, &without).unwrap();
    let out = run(&root, &["detect", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"]["health_path"]["value"], "/admin/login/");
}

#[test]
fn init_in_a_uv_workspace_member_builds_from_the_workspace_root_with_its_lock() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    let out = run(&member, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("workspace_member backend")
            && err.contains("the member `backend` of the uv workspace at `..`")
            && err.contains("call `python3 backend/docker/build.py`"),
        "{err}"
    );
    // The lock is the workspace root's: nothing says it is missing.
    assert!(!err.contains("uv.lock is missing"), "{err}");
    let read = |path: &str| std::fs::read_to_string(member.join(path)).unwrap();
    let dockerfile = read("Dockerfile");
    for want in [
        "COPY pyproject.toml uv.loc[k] ./",
        "COPY backend/pyproject.toml backend/",
        "uv sync --directory backend --frozen --no-dev --no-install-workspace",
        "--mount=type=bind,target=/tmp/workspace,rw",
        "uv sync --directory /tmp/workspace/backend --locked --no-dev --no-editable",
        "COPY backend/app/ app/",
        "COPY backend/docker/entrypoint.sh",
    ] {
        assert!(dockerfile.contains(want), "no `{want}` in:\n{dockerfile}");
    }
    let ignore = read("Dockerfile.dockerignore");
    assert!(
        ignore.contains("\n**/.git\n") && ignore.contains("\nbackend/docker/build.py\n"),
        "{ignore}"
    );
    assert!(!member.join(".dockerignore").exists());
    assert!(!member.join(".github").exists() && !member.join(".gitlab-ci.yml").exists());
    assert!(read("docker/build.py").contains(
        r#"CONTEXT = ["--file", str(ROOT / "Dockerfile"), str((ROOT / "..").resolve())]"#
    ));
    let compose = read("compose.yaml");
    assert!(
        compose.contains("context: ..") && compose.contains("dockerfile: backend/Dockerfile"),
        "{compose}"
    );
    assert!(read(".pyscaffold.yml").contains("workspace_member: backend"));
    // The ignore file filters the workspace root: what the Dockerfile and the workspace step
    // need reaches the daemon, and no secret or virtualenv anywhere in the workspace does.
    let mut builder = ignore::gitignore::GitignoreBuilder::new(&root);
    for line in ignore.lines() {
        builder.add_line(None, line).unwrap();
    }
    let matcher = builder.build().unwrap();
    let ignored = |path: &str| {
        matcher
            .matched_path_or_any_parents(root.join(path), false)
            .is_ignore()
    };
    for needed in [
        "pyproject.toml",
        "uv.lock",
        "backend/pyproject.toml",
        "backend/app/main.py",
        "backend/docker/entrypoint.sh",
        "libs/common/pyproject.toml",
        "libs/common/src/common/__init__.py",
    ] {
        assert!(
            !ignored(needed),
            "Dockerfile.dockerignore leaves out `{needed}`"
        );
    }
    for kept_out in [
        ".git/config",
        ".venv/bin/python",
        "backend/.venv/bin/python",
        ".env",
        "libs/common/.env",
        "backend/docker/build.py",
        "backend/Dockerfile",
        "backend/.pyscaffold.yml",
        "backend/tests/test_main.py",
        "libs/common/dist/common-0.1.0.tar.gz",
    ] {
        assert!(
            ignored(kept_out),
            "Dockerfile.dockerignore lets `{kept_out}` in"
        );
    }
    if let Some(results) = crate::validators::validate_adopted(&member) {
        let failed: BTreeMap<_, _> = results
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        assert!(failed.is_empty(), "validators failed: {failed:#?}");
    }
}

#[test]
fn init_runs_settings_that_leave_secret_key_and_allowed_hosts_unset_through_the_images_own() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-settings-leave-secrets-unset");
    let before = std::fs::read_to_string(root.join("shop/settings/production.py")).unwrap();
    let out = run(&root, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("django_env       SECRET_KEY,ALLOWED_HOSTS")
            && err.contains("set DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS where you deploy")
            && !err.contains("warning: `shop.settings.production`"),
        "{err}"
    );
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ENV DJANGO_SETTINGS_MODULE=pyscaffold_settings")
            && dockerfile.contains("ENV PYTHONPATH=/app/docker/django")
            && dockerfile.contains("COPY docker/django/ docker/django/"),
        "{dockerfile}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("shop/settings/production.py")).unwrap(),
        before,
        "the project's settings are untouched"
    );
    // The settings the image runs, run by Django itself: the project's, with both from the
    // environment, and no start without a secret key.
    let python = crate::support::tool("python3").expect("python3");
    let django = |env: &[(&str, &str)]| {
        let out = std::process::Command::new(&python)
            .args([
                "-c",
                "import django; django.setup(); from django.conf import settings; \
                 print(settings.DEBUG, settings.SECRET_KEY, settings.ALLOWED_HOSTS, settings.ROOT_URLCONF)",
            ])
            .current_dir(&root)
            .env(
                "PYTHONPATH",
                format!("{}:{}/docker/django", root.display(), root.display()),
            )
            .env("DJANGO_SETTINGS_MODULE", "pyscaffold_settings")
            .env_remove("DJANGO_SECRET_KEY")
            .env_remove("DJANGO_ALLOWED_HOSTS")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            out.status.success(),
            format!("{}{}", crate::support::stdout(&out), stderr(&out)),
        )
    };
    let (ok, text) = django(&[("DJANGO_SECRET_KEY", "k")]);
    assert!(ok, "{text}");
    assert_eq!(text.trim(), "False k ['localhost', '127.0.0.1'] shop.urls");
    let (ok, text) = django(&[
        ("DJANGO_SECRET_KEY", "k"),
        ("DJANGO_ALLOWED_HOSTS", "shop.example.com"),
    ]);
    assert!(ok && text.contains("['shop.example.com']"), "{text}");
    let (ok, text) = django(&[]);
    assert!(!ok && text.contains("set DJANGO_SECRET_KEY"), "{text}");

    // Settings named by hand run as they are.
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-settings-leave-secrets-unset");
    let out = run(
        &root,
        &[
            "init",
            "-y",
            "--no-lock",
            "--set",
            "django_settings=shop.settings.staging",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ENV DJANGO_SETTINGS_MODULE=shop.settings.staging")
            && !root.join("docker/django").exists(),
        "{dockerfile}"
    );
    // Detection's checks were of the production module: not said of the staging one.
    let err = stderr(&out);
    assert!(
        !err.contains("warning: `shop.settings.production`")
            && err.contains(
                "note: `django_settings` is `shop.settings.staging`, which runs as it is"
            ),
        "{err}"
    );
}

#[test]
fn a_workspace_members_add_changes_the_roots_lock_and_puts_it_back_when_it_fails() {
    // Adds to the member's pyproject.toml and the workspace root's lock, as uv does.
    let (_bin, path) =
        fake_uv("echo '# gunicorn' >> pyproject.toml\necho '# gunicorn' >> ../uv.lock\nexit 0");
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    let out = crate::support::command(&member, &["init", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("  pyproject.toml: gunicorn, uvicorn-worker, uvicorn added by `uv add")
            && err.contains("  ../uv.lock: gunicorn, uvicorn-worker, uvicorn added by `uv add"),
        "{err}"
    );
    // A failing add leaves the root's lock as it was, as it does the member's manifest.
    let (_bin, path) = fake_uv(
        "echo broken >> pyproject.toml\necho broken >> ../uv.lock\necho 'error: No solution found' >&2\nexit 1",
    );
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    let lock = std::fs::read(root.join("uv.lock")).unwrap();
    let pyproject = std::fs::read(member.join("pyproject.toml")).unwrap();
    let out = crate::support::command(&member, &["init", "-y"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No solution found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(root.join("uv.lock")).unwrap(), lock);
    assert_eq!(
        std::fs::read(member.join("pyproject.toml")).unwrap(),
        pyproject
    );
}

#[test]
fn a_release_command_with_a_pipe_is_shown_as_one_command_run_in_the_container() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "flask-config-factory");
    std::fs::write(
        root.join("Procfile"),
        "web: gunicorn shopfront:app\nrelease: yes \"yes\" | flask --app shopfront db upgrade\n",
    )
    .unwrap();
    let out = run(&root, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the repository runs `yes \"yes\" | flask --app shopfront db upgrade` before it serves (Procfile:2)")
            && err.contains("IMAGE sh -c 'yes \"yes\" | flask --app shopfront db upgrade'`"),
        "{err}"
    );
}

#[test]
fn upgrade_checks_what_it_is_given_against_the_repository_as_init_does() {
    // A workspace member: its folder in the workspace is where it is.
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    assert!(run(&member, &["init", "-y", "--no-lock"]).status.success());
    crate::support::commit_all(&root, "packaged");
    let err = refused(
        &root,
        &member,
        &["upgrade", "--set", "workspace_member=frontend"],
    );
    assert!(
        err.contains("`workspace_member` is `frontend`, but this folder is the member `backend`"),
        "{err}"
    );
    // Django: settings the repository has; reading no more from the environment is said.
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "django-settings-leave-secrets-unset");
    assert!(run(&root, &["init", "-y", "--no-lock"]).status.success());
    crate::support::commit_all(&root, "packaged");
    let err = refused(
        &root,
        &root,
        &["upgrade", "--set", "django_settings=nope.settings"],
    );
    assert!(err.contains("which the repository does not have"), "{err}");
    let out = run(&root, &["upgrade", "--set", "django_env=none", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "`shop.settings.production` must now set SECRET_KEY and ALLOWED_HOSTS itself"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_workspace_member_runs_the_workspace_roots_python_version_unless_it_has_its_own() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    std::fs::write(root.join(".python-version"), "3.13\n").unwrap();
    let detect = |dir: &Path| -> serde_json::Value {
        let out = run(dir, &["detect", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let json = detect(&member);
    let python = &json["findings"]["python_version"];
    assert_eq!(python["value"], "3.13", "{python}");
    assert_eq!(
        python["evidence"][0]["file"], "../.python-version",
        "{python}"
    );
    std::fs::write(member.join(".python-version"), "3.12\n").unwrap();
    assert_eq!(
        detect(&member)["findings"]["python_version"]["value"],
        "3.12"
    );
}

#[test]
fn init_in_a_nested_uv_workspace_member_builds_two_folders_up() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("monorepo");
    let files = [
        (
            "pyproject.toml",
            "[tool.uv.workspace]\nmembers = [\"services/*\"]\n",
        ),
        (
            "services/api/pyproject.toml",
            "[project]\nname = \"api\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"flask>=3\"]\n",
        ),
        (
            "services/api/api.py",
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/ping\")\ndef ping():\n    return \"ok\"\n",
        ),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    crate::support::commit_all(&root, "a virtual workspace root");
    let member = root.join("services/api");
    let out = run(&member, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dockerfile = std::fs::read_to_string(member.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("COPY services/api/api.py api.py")
            && dockerfile.contains("uv sync --directory services/api --frozen"),
        "{dockerfile}"
    );
    let build = std::fs::read_to_string(member.join("docker/build.py")).unwrap();
    assert!(build.contains(r#"(ROOT / "../..").resolve()"#), "{build}");
}

#[test]
fn init_in_a_uv_workspace_member_refuses_ci_files_it_cannot_run_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let member = root.join("backend");
    let err = refused(
        &root,
        &member,
        &["init", "-y", "--no-lock", "--ci", "github"],
    );
    assert!(
        err.contains("`backend` is a member of a uv workspace")
            && err.contains("`backend/.github`")
            && err.contains("help: give `--ci none`"),
        "{err}"
    );
}

#[test]
fn init_refuses_a_lock_whose_wheels_fit_no_supported_python_and_picks_one_that_fits() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "poetry-lock-without-wheels");
    let before = read_tree(&root);
    let out = run(&root, &["init", "-y", "--no-lock"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("greenlet 1.1.2: Linux wheels for Python 3.6, 3.9, 3.10 only")
            && err.contains("poetry update NAME"),
        "{err}"
    );
    assert_eq!(read_tree(&root), before, "nothing written");
    // Given a Python explicitly, the user takes the build from source on themselves.
    let out = run(
        &root,
        &["init", "-y", "--no-lock", "--set", "python_version=3.11"],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-lock-wheels-to-3-12");
    let out = run(&root, &["init", "-y", "--no-lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(
        record.contains("python_version: '3.12'")
            || record.contains("python_version: \"3.12\"")
            || record.contains("python_version: 3.12"),
        "{record}"
    );
}

/// Writes a minimal valid wheel `NAME-VERSION-TAG.whl` into `dir`.
const MAKE_TAGGED_WHEEL: &str = r#"
import base64, hashlib, sys, zipfile
out, name, version, tag = sys.argv[1:5]
dist = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": "",
    f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: false\nTag: {tag}\n",
}
record = []
with zipfile.ZipFile(f"{out}/{name}-{version}-{tag}.whl", "w") as whl:
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
        whl.writestr(path, data)
    record.append(f"{dist}/RECORD,,")
    whl.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
"#;

/// A Flask repository pinning `fakegreen==3.0.1` and `sdistonly==1.0`, and a local index (a `--find-links` folder,
/// which the user's pip reads from `PIP_FIND_LINKS`) with its wheels for `tags`.
fn pinned_repository_and_index(tmp: &TempDir, tags: &[&str]) -> (PathBuf, PathBuf) {
    let python = crate::support::tool("python3").expect("python3");
    let index = tmp.path().join("wheels");
    std::fs::create_dir_all(&index).unwrap();
    let mut wheels = vec![("flask", "3.1.3", "py3-none-any".to_string())];
    wheels.extend(tags.iter().map(|t| ("fakegreen", "3.0.1", t.to_string())));
    for (name, version, tag) in &wheels {
        let (ok, text) = crate::support::run_tool(
            &python,
            &[
                "-c",
                MAKE_TAGGED_WHEEL,
                index.to_str().unwrap(),
                name,
                version,
                tag,
            ],
            tmp.path(),
        );
        assert!(ok, "{text}");
    }
    let root = tmp.path().join("pinned");
    std::fs::create_dir_all(&root).unwrap();
    // `sdistonly` has no wheel at all (a source distribution alone): it rules nothing out.
    std::fs::write(
        root.join("requirements.txt"),
        "flask==3.1.3\nfakegreen==3.0.1\nsdistonly==1.0\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app.py"),
        "from flask import Flask\n\napp = Flask(__name__)\n",
    )
    .unwrap();
    (root, index)
}

fn init_asking_the_index(root: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = crate::support::command(root, &["init", "-y", "--no-lock"]);
    command.env_remove("PYSCAFFOLD_NO_INDEX");
    command.env_remove("PIP_INDEX_URL");
    command.env_remove("PIP_FIND_LINKS");
    command.env_remove("PIP_NO_INDEX");
    command.env("PIP_CONFIG_FILE", "/dev/null");
    command.envs(env.iter().copied());
    command.output().unwrap()
}

#[test]
fn init_asks_the_package_index_for_a_python_every_exact_pin_has_a_wheel_for() {
    let tmp = TempDir::new().unwrap();
    let (root, index) = pinned_repository_and_index(
        &tmp,
        &[
            "cp311-cp311-manylinux_2_17_x86_64",
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp313-cp313-win_amd64",
        ],
    );
    let links = index.to_str().unwrap();
    let out = init_asking_the_index(&root, &[("PIP_NO_INDEX", "1"), ("PIP_FIND_LINKS", links)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(record.contains("3.12"), "{record}");
    assert!(
        stderr(&out).contains("requirements.txt:2"),
        "{}",
        stderr(&out)
    );

    // No supported Python has a wheel: refused, naming the pin, nothing written.
    let tmp = TempDir::new().unwrap();
    let (root, index) = pinned_repository_and_index(&tmp, &["cp39-cp39-manylinux_2_17_x86_64"]);
    let before = read_tree(&root);
    let links = index.to_str().unwrap();
    let out = init_asking_the_index(&root, &[("PIP_NO_INDEX", "1"), ("PIP_FIND_LINKS", links)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("requirements.txt:2 `fakegreen==3.0.1`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_tree(&root), before);

    // An index that cannot be reached: said, and the version stands.
    let tmp = TempDir::new().unwrap();
    let (root, _) = pinned_repository_and_index(&tmp, &[]);
    let out = init_asking_the_index(&root, &[("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not ask the package index"),
        "{}",
        stderr(&out)
    );

    // A Python given on the command line is not asked about.
    let tmp = TempDir::new().unwrap();
    let (root, _) = pinned_repository_and_index(&tmp, &[]);
    let mut command = crate::support::command(
        &root,
        &["init", "-y", "--no-lock", "--set", "python_version=3.12"],
    );
    command.env_remove("PYSCAFFOLD_NO_INDEX");
    command.env("PIP_CONFIG_FILE", "/dev/null");
    command.env("PIP_INDEX_URL", "http://127.0.0.1:9/simple/");
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("package index"), "{}", stderr(&out));
}

#[test]
fn init_refuses_a_workspace_glob_uv_cannot_read_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let root = detect_scenario(&tmp, "uv-workspace-member");
    let pyproject = root.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(&pyproject, text.replace("\"libs/*\"", "\"**/{x\"")).unwrap();
    let before = read_tree(&root);
    let out = run(&root.join("backend"), &["init", "-y", "--no-lock"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has a glob uv cannot read, `**/{x`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_tree(&root), before, "nothing written");
    // A table uv cannot read at all (members a string, or the file not TOML) is refused too,
    // never taken for "not a member".
    for broken in [
        text.replace(
            "members = [\"backend\", \"libs/*\"]",
            "members = \"backend\"",
        ),
        text.replace(
            "members = [\"backend\", \"libs/*\"]",
            "members = [\"backend\"",
        ),
    ] {
        assert_ne!(broken, text);
        std::fs::write(&pyproject, &broken).unwrap();
        let err = refused(
            &root,
            &root.join("backend"),
            &["init", "-y", "--no-lock", "--force"],
        );
        assert!(
            err.contains("has a [tool.uv.workspace] table uv cannot read")
                && err.contains("help: fix `[tool.uv.workspace]`"),
            "{broken}: {err}"
        );
    }
}
