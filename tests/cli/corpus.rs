//! The real-world corpus: repositories nobody here wrote, as the ecosystem makes them. Each
//! comes from the package index at test time (an app in a source release, or what a project
//! generator writes), gets `pyscaffold init -y` with no hand edit, and must build and pass the
//! hardened smoke test. docs/corpus.md holds the table of shapes and results.

use std::path::{Path, PathBuf};

use assert_fs::TempDir;

use crate::init::adopt_and_build_at;
use crate::support::{run, run_tool, tool};

fn detect(root: &Path) -> serde_json::Value {
    let out = run(root, &["detect", "--json"]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The source release of `pin` (`fastapi==0.165.0`) from the package index, unpacked into
/// `tmp/download`; returns the unpacked folder.
pub(crate) fn source_release(tmp: &TempDir, pin: &str) -> PathBuf {
    let pip = tool("pip").expect("pip (scripts/install-validators.sh installs it)");
    let download = tmp.path().join("download");
    let (ok, text) = run_tool(
        &pip,
        &[
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            download.to_str().unwrap(),
            pin,
        ],
        tmp.path(),
    );
    assert!(ok, "pip download {pin}: {text}");
    let (name, version) = pin.split_once("==").unwrap();
    let archive = download.join(format!("{name}-{version}.tar.gz"));
    let python = pip.with_file_name("python3");
    let (ok, text) = run_tool(
        &python,
        &[
            "-c",
            "import sys, tarfile\ntarfile.open(sys.argv[1]).extractall(sys.argv[2], filter='data')",
            archive.to_str().unwrap(),
            download.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(ok, "unpacking {pin}: {text}");
    download.join(format!("{name}-{version}"))
}

fn run_ok(program: &str, args: &[&str], cwd: &Path) {
    let path = tool(program).unwrap_or_else(|| panic!("{program} (scripts/install-validators.sh)"));
    let (ok, text) = run_tool(&path, args, cwd);
    assert!(ok, "{program} {}: {text}", args.join(" "));
}

/// Flask's own JavaScript example (a flit package whose app object is imported by its views).
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_flasks_javascript_example_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let release = source_release(&tmp, "flask==3.1.3");
    let root = tmp.path().join("js_example");
    crate::support::copy_tree(&release.join("examples/javascript"), &root);
    let json = detect(&root);
    assert_eq!(json["findings"]["installer"]["value"], "flit");
    assert_eq!(json["findings"]["app"]["value"], "js_example:app");
    adopt_and_build_at(&tmp, &root, &[], &["healthy on port"]);
}

/// FastAPI's first-steps app from its source release, with the requirements file its docs
/// tell readers to write (`pip install fastapi`).
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_fastapis_first_steps_app_with_pip_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let release = source_release(&tmp, "fastapi==0.165.0");
    let root = tmp.path().join("first-steps");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy(
        release.join("docs_src/first_steps/tutorial001.py"),
        root.join("main.py"),
    )
    .unwrap();
    std::fs::write(root.join("requirements.txt"), "fastapi==0.165.0\n").unwrap();
    let json = detect(&root);
    assert_eq!(json["findings"]["app"]["value"], "main:app");
    assert_eq!(json["findings"]["health_path"]["value"], "/");
    adopt_and_build_at(&tmp, &root, &["--no-lock"], &["healthy on port"]);
}

/// FastAPI's "bigger applications" package (relative imports, routers, an app-wide dependency
/// that answers every bare request with 422) in a project `pdm init` made, its dependency
/// added with `pdm add`.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_fastapis_bigger_application_in_a_pdm_project_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let release = source_release(&tmp, "fastapi==0.165.0");
    let root = tmp.path().join("bigger");
    std::fs::create_dir(&root).unwrap();
    run_ok("pdm", &["init", "-n", "--python", "3.11"], &root);
    run_ok(
        "pdm",
        &["add", "--no-sync", "--no-self", "fastapi==0.165.0"],
        &root,
    );
    crate::support::copy_tree(
        &release.join("docs_src/bigger_applications/app"),
        &root.join("app"),
    );
    let json = detect(&root);
    assert_eq!(json["findings"]["installer"]["value"], "pdm");
    assert_eq!(json["findings"]["app"]["value"], "app.main:app");
    // Every route runs `get_query_token` first: no route answers a bare GET with a 2xx.
    assert_eq!(
        json["findings"]["health_path"]["value"],
        serde_json::Value::Null
    );
    adopt_and_build_at(&tmp, &root, &[], &["healthy on port"]);
}

/// A package `uv init --package` made, FastAPI added with `uv add`, the service in its
/// `src/` package.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_a_uv_init_package_with_fastapi_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("orders");
    run_ok(
        "uv",
        &["init", "--package", "--python", "3.11", "orders"],
        tmp.path(),
    );
    run_ok("uv", &["add", "--no-sync", "fastapi==0.165.0"], &root);
    std::fs::write(
        root.join("src/orders/api.py"),
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/healthz\")\ndef healthz():\n    return {\"ok\": True}\n",
    )
    .unwrap();
    let json = detect(&root);
    assert_eq!(json["findings"]["installer"]["value"], "uv");
    assert_eq!(json["findings"]["app"]["value"], "orders.api:app");
    assert_eq!(json["findings"]["python_version"]["value"], "3.11");
    adopt_and_build_at(&tmp, &root, &[], &["/healthz"]);
}

/// A uv workspace as `uv init` makes one: a root project, an app member `backend` and a
/// library member `packages/common` that the app imports, FastAPI added to the member with
/// `uv add`; one uv.lock at the root. `init` runs in the member; the image builds from the
/// workspace root and installs the library as a wheel (the app's import of it is the probe).
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_a_uv_workspace_member_builds_from_the_workspace_root_and_serves() {
    let tmp = TempDir::new().unwrap();
    let top = tmp.path().join("platform");
    std::fs::create_dir_all(&top).unwrap();
    run_ok(
        "uv",
        &["init", "--app", "--vcs", "none", "--python", "3.11", "."],
        &top,
    );
    run_ok("uv", &["init", "--app", "--vcs", "none", "backend"], &top);
    run_ok(
        "uv",
        &["init", "--lib", "--vcs", "none", "packages/common"],
        &top,
    );
    let root = top.join("backend");
    run_ok(
        "uv",
        &["add", "--no-sync", "fastapi==0.165.0", "common"],
        &root,
    );
    std::fs::write(
        root.join("src/backend/main.py"),
        "from common import hello\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/health\")\ndef health():\n    return {\"ok\": True, \"greeting\": hello()}\n",
    )
    .unwrap();
    crate::support::commit_all(&top, "a uv workspace");
    let json = detect(&root);
    assert_eq!(json["findings"]["installer"]["value"], "uv");
    assert_eq!(json["findings"]["workspace"]["value"], "..");
    assert_eq!(json["findings"]["app"]["value"], "backend.main:app");
    let log = adopt_and_build_at(&tmp, &root, &[], &["/health"]);
    assert!(
        log.contains("workspace_member backend")
            && log.contains("  ../uv.lock: gunicorn, uvicorn-worker, uvicorn added by `uv add"),
        "{log}"
    );
}

/// The same workspace shape with a packaged member (`uv init --package --build-backend
/// hatch`) serving Flask: the member is built as a wheel from its folder in the workspace.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_a_packaged_uv_workspace_member_builds_its_wheel_and_serves() {
    let tmp = TempDir::new().unwrap();
    let top = tmp.path().join("shop");
    std::fs::create_dir_all(&top).unwrap();
    run_ok(
        "uv",
        &["init", "--app", "--vcs", "none", "--python", "3.11", "."],
        &top,
    );
    run_ok(
        "uv",
        &[
            "init",
            "--package",
            "--build-backend",
            "hatch",
            "--vcs",
            "none",
            "services/storefront",
        ],
        &top,
    );
    run_ok(
        "uv",
        &["init", "--lib", "--vcs", "none", "packages/common"],
        &top,
    );
    let root = top.join("services/storefront");
    run_ok("uv", &["add", "--no-sync", "flask==3.1.3", "common"], &root);
    std::fs::write(
        root.join("src/storefront/web.py"),
        "from common import hello\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/ping\")\ndef ping():\n    return hello()\n",
    )
    .unwrap();
    crate::support::commit_all(&top, "a uv workspace");
    let json = detect(&root);
    assert_eq!(json["findings"]["workspace"]["value"], "../..");
    assert_eq!(json["findings"]["package"]["value"], true);
    let log = adopt_and_build_at(&tmp, &root, &[], &["/ping"]);
    assert!(
        log.contains("workspace_member services/storefront"),
        "{log}"
    );
}

/// A package `poetry new` made (src layout, PEP 621 tables), Flask added with `poetry add`.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_a_poetry_new_package_with_flask_builds_and_serves() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("storefront");
    run_ok("poetry", &["new", "storefront"], tmp.path());
    run_ok("poetry", &["add", "--lock", "flask==3.1.3"], &root);
    std::fs::write(
        root.join("src/storefront/app.py"),
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/ping\")\ndef ping():\n    return \"pong\"\n",
    )
    .unwrap();
    let json = detect(&root);
    assert_eq!(json["findings"]["installer"]["value"], "poetry");
    assert_eq!(json["findings"]["app"]["value"], "storefront.app:app");
    adopt_and_build_at(&tmp, &root, &[], &["/ping"]);
}

/// What `wagtail start` writes: a settings package whose dev module has DEBUG = True and whose
/// production module sets no SECRET_KEY and no ALLOWED_HOSTS, an existing Dockerfile on Python
/// 3.14. Detection runs the production settings and names both with the lines to add; the
/// corpus table counts those edits.
#[test]
fn corpus_wagtail_start_runs_production_settings_and_names_what_they_lack() {
    let Some(wagtail) = tool("wagtail") else {
        assert!(
            !crate::support::in_ci(),
            "wagtail (scripts/install-validators.sh installs it)"
        );
        return;
    };
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("mysite");
    std::fs::create_dir(&root).unwrap();
    let (ok, text) = run_tool(&wagtail, &["start", "mysite", "."], &root);
    assert!(ok, "wagtail start: {text}");
    let json = detect(&root);
    let f = &json["findings"];
    assert_eq!(f["framework"]["value"], "django");
    assert_eq!(f["django_settings"]["value"], "mysite.settings.production");
    assert_eq!(f["python_version"]["value"], "3.14");
    assert_eq!(f["health_path"]["value"], "/django-admin/login/");
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("sets no SECRET_KEY")
            && warnings.contains("sets no ALLOWED_HOSTS")
            && warnings.contains("mysite/settings/production.py"),
        "{warnings}"
    );
}

/// The same `wagtail start` project as it is: `init -y` has the image read SECRET_KEY and
/// ALLOWED_HOSTS from the environment in settings of its own that import the production
/// module; it builds and passes the smoke test with no edit to the project.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn corpus_wagtail_start_builds_and_serves_with_no_hand_edit() {
    let wagtail = tool("wagtail").expect("wagtail (scripts/install-validators.sh installs it)");
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("mysite");
    std::fs::create_dir(&root).unwrap();
    let (ok, text) = run_tool(&wagtail, &["start", "mysite", "."], &root);
    assert!(ok, "wagtail start: {text}");
    let before = std::fs::read_to_string(root.join("mysite/settings/production.py")).unwrap();
    // wagtail writes a Dockerfile of its own: replacing it is the user's call (`--force`).
    let log = adopt_and_build_at(
        &tmp,
        &root,
        &["--no-lock", "--force"],
        &["/django-admin/login/"],
    );
    assert!(
        log.contains("django_env       SECRET_KEY,ALLOWED_HOSTS")
            && !log.contains("warning: `mysite.settings.production`"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("mysite/settings/production.py")).unwrap(),
        before,
        "the project's settings are untouched"
    );
    let shim = std::fs::read_to_string(root.join("docker/django/pyscaffold_settings.py")).unwrap();
    assert!(
        shim.contains("from mysite.settings.production import *"),
        "{shim}"
    );
}
