//! `pyscaffold detect` on the fixture repositories in `tests/fixtures/repos`: each conclusion,
//! its certainty and the file:line behind it; the awkward shapes; bad input.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{read_tree, run, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/repos")
        .join(name)
}

/// A copy of a fixture in a temporary folder (so nothing of the checkout is read by accident).
fn copy(name: &str) -> assert_fs::TempDir {
    let dir = assert_fs::TempDir::new().unwrap();
    for (rel, text) in read_tree(&fixture(name)) {
        let path = dir.path().join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn detect_json(root: &Path) -> Value {
    let out = run(root, &["detect", "--json"]);
    assert!(out.status.success(), "detect failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// The `warnings` of a detection, as text.
fn warning_texts(json: &Value) -> Vec<String> {
    json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

/// `value (certainty) file:line ...` of one finding, for compact assertions.
fn summary(json: &Value, key: &str) -> String {
    let f = &json["findings"][key];
    let value = match &f["value"] {
        Value::Null => format!("between {}", f["between"]),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let evidence: Vec<String> = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["line"].as_u64() {
            Some(line) => format!("{}:{line}", e["file"].as_str().unwrap()),
            None => e["file"].as_str().unwrap().to_string(),
        })
        .collect();
    format!(
        "{value} ({}) {}",
        f["certainty"].as_str().unwrap(),
        evidence.join(" ")
    )
    .trim_end()
    .to_string()
}

#[test]
fn each_fixture_names_framework_installer_python_and_entry_point_with_evidence() {
    // fixture, framework, installer, python_version, app
    let cases = [
        (
            "flask-pip",
            "flask (certain) requirements.txt:2",
            "pip (certain) requirements.txt",
            "3.11 (certain) runtime.txt:1",
            "app:app (certain) Procfile:1 app.py:4",
        ),
        (
            "flaskr-piptools",
            "flask (certain) requirements.txt:11",
            "pip-tools (certain) requirements.in",
            "3.12 (certain) .python-version:1",
            "flaskr:create_app() (certain) flaskr/__init__.py:6",
        ),
        (
            "fastapi-uv-src",
            "fastapi (certain) pyproject.toml:6",
            "uv (certain) uv.lock",
            "3.12 (certain) .python-version:1",
            "inventory.main:app (certain) src/inventory/main.py:5",
        ),
        (
            "django-subfolder",
            "django (certain) requirements/base.txt:1",
            "pip (certain) requirements.txt",
            "3.13 (guess)",
            "mysite.wsgi:application (certain) backend/mysite/settings.py:10",
        ),
        (
            "pipenv-nolock",
            "wsgi (certain) Pipfile:7",
            "pipenv (certain) Pipfile",
            "3.11 (certain) Pipfile:10",
            "service:api (certain) service.py:9",
        ),
        (
            "poetry-and-requirements",
            "fastapi (certain) requirements.txt:1",
            "poetry (certain) poetry.lock",
            "3.11 (certain) pyproject.toml:9",
            "app.main:app (certain) app/main.py:3",
        ),
        (
            "flit-package",
            "flask (certain) pyproject.toml:12",
            "flit (certain) pyproject.toml:3",
            "3.11 (certain) pyproject.toml:11",
            "greeter.web:app (certain) greeter/web.py:3",
        ),
        (
            "pdm-starlette",
            "asgi (certain) pyproject.toml:5",
            "pdm (certain) pdm.lock",
            "3.13 (certain) pyproject.toml:4",
            "edge:app (certain) edge.py:9",
        ),
        (
            "flask-uv-instance",
            "flask (certain) pyproject.toml:8",
            "uv (certain) uv.lock",
            "3.12 (certain) .python-version:1",
            "notes:create_app() (certain) src/notes/__init__.py:7",
        ),
    ];
    for (name, framework, installer, python, app) in cases {
        let dir = copy(name);
        let before = read_tree(dir.path());
        let json = detect_json(dir.path());
        assert_eq!(json["schema_version"], 1);
        assert_eq!(summary(&json, "framework"), framework, "{name}: framework");
        assert_eq!(summary(&json, "installer"), installer, "{name}: installer");
        assert_eq!(
            summary(&json, "python_version"),
            python,
            "{name}: python_version"
        );
        assert_eq!(summary(&json, "app"), app, "{name}: app");
        assert_eq!(
            read_tree(dir.path()),
            before,
            "{name}: detect wrote something"
        );
    }
}

#[test]
fn the_awkward_shapes_are_handled_and_explained() {
    let flask = detect_json(copy("flask-pip").path());
    // runtime.txt asks for 3.8: raised, with a visible note.
    assert!(
        flask["findings"]["python_version"]["note"]
            .as_str()
            .unwrap()
            .contains("raised to 3.11")
    );
    assert_eq!(
        summary(&flask, "health_path"),
        "/health/ (certain) app.py:13"
    );
    assert_eq!(summary(&flask, "port"), "5000 (certain) Procfile:1");
    assert_eq!(
        summary(&flask, "start_hints"),
        r#"["gunicorn app:app --bind 0.0.0.0:5000"] (certain) Procfile:1"#
    );

    let flaskr = detect_json(copy("flaskr-piptools").path());
    assert_eq!(
        summary(&flaskr, "writable_paths"),
        r#"["instance"] (certain) flaskr/__init__.py:9"#
    );
    // The only routes need the database (blueprint index) or sit in a factory: liveness instead.
    assert_eq!(flaskr["findings"]["health_path"]["value"], Value::Null);
    assert!(
        flaskr["findings"]["health_path"]["note"]
            .as_str()
            .unwrap()
            .contains("liveness")
    );
    assert_eq!(summary(&flaskr, "copy"), r#"["flaskr/"] (certain) flaskr/"#);

    let fastapi = detect_json(copy("fastapi-uv-src").path());
    assert_eq!(
        summary(&fastapi, "source_root"),
        "src (certain) src/inventory/main.py"
    );
    assert_eq!(
        summary(&fastapi, "package"),
        "true (certain) pyproject.toml:13"
    );
    // /items needs a database session (Depends): not a health route.
    assert_eq!(
        summary(&fastapi, "health_path"),
        "/healthz (certain) src/inventory/main.py:13"
    );
    assert_eq!(
        summary(&fastapi, "system_packages"),
        r#"["libpq5"] (certain) pyproject.toml:8"#
    );
    assert_eq!(
        summary(&fastapi, "build_packages"),
        r#"["build-essential","libpq-dev"] (certain) pyproject.toml:8"#
    );

    let django = detect_json(copy("django-subfolder").path());
    assert_eq!(
        summary(&django, "django_settings"),
        "mysite.settings (certain) backend/manage.py:7"
    );
    assert_eq!(
        summary(&django, "source_root"),
        "backend (certain) backend/manage.py"
    );
    assert_eq!(
        summary(&django, "copy"),
        r#"["backend/"] (certain) backend/"#
    );
    assert_eq!(
        summary(&django, "health_path"),
        "/status/ (certain) backend/mysite/urls.py:7"
    );
    // psycopg2 comes through requirements.txt -> requirements/prod.txt -> base.txt.
    assert_eq!(
        summary(&django, "system_packages"),
        r#"["libpq5"] (certain) requirements/base.txt:2"#
    );

    let poetry = detect_json(copy("poetry-and-requirements").path());
    assert!(
        poetry["findings"]["installer"]["note"]
            .as_str()
            .unwrap()
            .contains("requirements.txt is there too")
    );
    // Poetry's `packages` names a folder that does not exist: run in place.
    assert_eq!(
        summary(&poetry, "package"),
        "false (certain) pyproject.toml:6"
    );

    let pdm = detect_json(copy("pdm-starlette").path());
    assert_eq!(summary(&pdm, "package"), "false (certain) pyproject.toml");
}

#[test]
fn a_dependency_named_like_a_framework_is_not_the_framework() {
    let json = detect_json(copy("flask-cors-only").path());
    assert_eq!(
        json["findings"]["framework"]["value"],
        Value::Null,
        "flask-cors is not Flask"
    );
    assert_eq!(json["findings"]["framework"]["certainty"], "guess");
}

#[test]
fn two_lock_files_are_ambiguous_not_silently_resolved() {
    let json = detect_json(copy("two-locks").path());
    assert_eq!(
        summary(&json, "installer"),
        r#"between ["uv","poetry"] (ambiguous) uv.lock poetry.lock"#
    );
    let text = stdout(&run(copy("two-locks").path(), &["detect"]));
    assert!(
        text.contains("installer        ambiguous between uv and poetry  (ambiguous)"),
        "{text}"
    );
}

#[test]
fn virtualenvs_node_modules_and_gitignored_folders_are_not_read() {
    let dir = copy("flask-pip");
    for (rel, text) in [
        (
            ".venv/lib/python3.12/site-packages/fastapi_app.py",
            "from fastapi import FastAPI\napp = FastAPI()\n",
        ),
        (
            "node_modules/x/app.py",
            "from fastapi import FastAPI\napp = FastAPI()\n",
        ),
        ("env/pyvenv.cfg", "home = /usr\n"),
        (
            "env/other.py",
            "from fastapi import FastAPI\napp = FastAPI()\n",
        ),
        (
            "scratch/old.py",
            "from flask import Flask\nold = Flask(__name__)\n",
        ),
    ] {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.path().join(".gitignore"), "scratch/\n").unwrap();
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "app"),
        "app:app (certain) Procfile:1 app.py:4"
    );
    assert_eq!(summary(&json, "copy"), r#"["app.py"] (certain) app.py"#);
}

#[test]
fn a_gitignore_that_would_swallow_the_packaging_is_a_warning() {
    let dir = copy("flask-pip");
    std::fs::write(dir.path().join(".gitignore"), "# local\ndocker/\n").unwrap();
    let json = detect_json(dir.path());
    let warning = json["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("pattern `docker/` ignores `docker`"),
        "{warning}"
    );

    // GitHub's Python template ignores `lib/`: a folder of the app by that name is not copied.
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "app.py",
                "from flask import Flask\nfrom .local import x\nimport os, lib.helpers as h\n\napp = Flask(__name__)\n",
            ),
            ("lib/helpers.py", "def greet():\n    return 'hi'\n"),
            ("os/__init__.py", ""),
            (".gitignore", "lib/\n"),
        ],
    );
    let json = detect_json(dir.path());
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with("app.py:3 imports `lib`, but `.gitignore` pattern `lib/` ignores `lib/`"),
        "{warnings:?}"
    );
    assert_eq!(
        summary(&json, "copy"),
        r#"["app.py","os/"] (certain) app.py os/"#
    );

    // Tracked anyway (`git add -f`): every clone has it, so it is copied and not warned about.
    crate::support::commit_all(dir.path(), "the app");
    let forced = crate::support::git(dir.path(), &["add", "-f", "lib"]);
    assert!(forced.status.success());
    crate::support::commit_all(dir.path(), "lib too");
    let json = detect_json(dir.path());
    assert_eq!(json["warnings"], serde_json::json!([]), "{json}");
    assert_eq!(
        summary(&json, "copy"),
        r#"["app.py","lib/","os/"] (certain) app.py lib/ os/"#
    );
}

#[test]
fn a_folder_without_python_is_a_clear_error() {
    let out = run(&fixture("no-python"), &["detect"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("holds no Python") && err.contains("help:"),
        "{err}"
    );
    let out = run(&fixture("no-python"), &["detect", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read `does-not-exist`"));
}

#[test]
fn a_manifest_that_does_not_parse_is_named_with_its_line() {
    let dir = copy("flit-package");
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\ndependencies = [\n",
    )
    .unwrap();
    let out = run(dir.path(), &["detect"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("`pyproject.toml` is not valid TOML") && err.contains("help:"),
        "{err}"
    );
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn split_django_settings_find_the_wsgi_module_and_static_root() {
    let dir = assert_fs::TempDir::new().unwrap();
    let manage = "import os\nimport sys\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"config.settings.production\")\n";
    write(
        dir.path(),
        &[
            ("requirements.txt", "Django==5.2.19\ngunicorn==23.0.0\n"),
            ("manage.py", manage),
            ("config/__init__.py", ""),
            ("config/settings/__init__.py", ""),
            (
                "config/settings/base.py",
                "SECRET_KEY = \"x\"\nROOT_URLCONF = \"config.urls\"\n",
            ),
            (
                "config/settings/production.py",
                "from .base import *\n\nDEBUG = False\n",
            ),
            (
                "config/wsgi.py",
                "from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "app"),
        "config.wsgi:application (certain) config/wsgi.py"
    );
    assert_eq!(
        summary(&json, "django_settings"),
        "config.settings.production (certain) manage.py:4"
    );
    // No STATIC_ROOT: collectstatic would fail, so it is not run.
    assert_eq!(summary(&json, "collectstatic"), "false (certain)");
    // WSGI_APPLICATION in the base module the production settings import.
    write(
        dir.path(),
        &[(
            "config/settings/base.py",
            "SECRET_KEY = \"x\"\nWSGI_APPLICATION = \"config.wsgi.application\"\nSTATIC_ROOT = \"/app/static\"\n",
        )],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "app"),
        "config.wsgi:application (certain) config/settings/base.py:2"
    );
    assert_eq!(
        summary(&json, "collectstatic"),
        "true (certain) config/settings/base.py:3"
    );
    assert_eq!(
        summary(&json, "server_packages"),
        "[] (certain) requirements.txt:2"
    );
}

#[test]
fn missing_server_packages_and_the_uvicorn_worker_are_found() {
    let dir = assert_fs::TempDir::new().unwrap();
    let app = "from fastapi import FastAPI\n\napp = FastAPI()\n";
    write(
        dir.path(),
        &[("requirements.txt", "fastapi==0.115.0\n"), ("main.py", app)],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        json["findings"]["server_packages"]["value"],
        serde_json::json!(["gunicorn", "uvicorn-worker", "uvicorn"])
    );
    // An old uvicorn: its own worker, which uvicorn-worker's floor (0.36) rules out.
    write(
        dir.path(),
        &[("requirements.txt", "fastapi==0.115.0\nuvicorn==0.29.0\n")],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        json["findings"]["server_packages"]["value"],
        serde_json::json!(["gunicorn"])
    );
    assert_eq!(
        summary(&json, "asgi_worker"),
        "uvicorn.workers.UvicornWorker (certain) requirements.txt:2"
    );
    // A recent one: uvicorn-worker is added beside it.
    write(
        dir.path(),
        &[(
            "requirements.txt",
            "fastapi==0.115.0\nuvicorn>=0.40\ngunicorn\n",
        )],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        json["findings"]["server_packages"]["value"],
        serde_json::json!(["uvicorn-worker"])
    );
}

#[test]
fn a_module_that_does_not_parse_is_not_the_app_and_a_fifo_does_not_block() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "Flask==3.1.3\n"),
            (
                "broken.py",
                "from flask import Flask\napp = Flask(__name__\n",
            ),
            (
                "web.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let fifo = dir.path().join("pyproject.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let json = detect_json(dir.path());
    assert_eq!(summary(&json, "app"), "web:app (certain) web.py:3");
}

#[test]
fn an_editable_install_of_the_project_is_a_warning_and_a_root_without_a_framework_guesses() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "Flask==3.1.3\n-e .\n"),
            (
                "web.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("requirements.txt:2 `-e .` installs a folder"),
        "{warnings}"
    );

    // A monorepo's root: the service's app is there, its framework is not.
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"mono\"\nversion = \"1\"\n",
            ),
            (
                "services/api/web.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(json["findings"]["app"]["certainty"], "guess", "{json}");
    assert!(
        json["findings"]["app"]["note"]
            .as_str()
            .unwrap()
            .contains("service's folder")
    );
}

#[test]
fn an_installed_packages_flask_instance_folder_is_under_the_virtualenv() {
    // uv builds and installs the package: Flask keeps its instance folder under the venv.
    let json = detect_json(&fixture("flask-uv-instance"));
    assert_eq!(
        summary(&json, "package"),
        "true (certain) pyproject.toml:14"
    );
    assert_eq!(
        summary(&json, "writable_paths"),
        "[\"/opt/venv/var/notes-instance\"] (certain) src/notes/__init__.py:9"
    );
    // flit: the same, named after the module that creates the app.
    let dir = assert_fs::TempDir::new().unwrap();
    let pyproject = std::fs::read_to_string(fixture("flit-package/pyproject.toml")).unwrap();
    write(
        dir.path(),
        &[
            ("pyproject.toml", &pyproject),
            ("README.md", "greeter\n"),
            ("LICENSE", "MIT\n"),
            (
                "greeter/__init__.py",
                "\"\"\"Greets.\"\"\"\n__version__ = \"1.0.0\"\n",
            ),
            (
                "greeter/web.py",
                "import os\n\nfrom flask import Flask\n\napp = Flask(__name__)\nos.makedirs(app.instance_path, exist_ok=True)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(json["findings"]["package"]["value"], true, "{json}");
    assert_eq!(
        json["findings"]["writable_paths"]["value"],
        serde_json::json!(["/opt/venv/var/greeter.web-instance"])
    );
    // In place (pip), it is `instance/` beside the package.
    let json = detect_json(&fixture("flaskr-piptools"));
    assert_eq!(
        json["findings"]["writable_paths"]["value"],
        serde_json::json!(["instance"])
    );
}

#[test]
fn python_versions_in_every_shape_are_read_and_raised_to_what_the_images_run() {
    // (files, expected summary, a part of the note)
    type Files<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Files, &str, &str); 7] = [
        (
            &[("mise.toml", "[tools.python]\nversion = \"3.12.4\"\n")],
            "3.12 (certain) mise.toml:1",
            "",
        ),
        (
            &[(".mise.toml", "[tools]\npython = [\"3.13\", \"3.12\"]\n")],
            "3.13 (certain) .mise.toml:2",
            "",
        ),
        (
            &[
                (".python-version", "pypy3.10\n"),
                ("runtime.txt", "python-3.12.1\n"),
            ],
            "3.12 (certain) runtime.txt:1",
            ".python-version names `pypy3.10`, which the python base images do not run",
        ),
        (
            &[(
                "pyproject.toml",
                "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"~3.12\"\n",
            )],
            "3.12 (certain) pyproject.toml:5",
            "",
        ),
        (
            &[(
                "pyproject.toml",
                "[tool.poetry.dependencies]\npython = \">=3.8,<3.9 || ^3.12\"\n",
            )],
            "3.12 (certain) pyproject.toml:2",
            "allows Python 3.8 at the lowest, below what the base images run (3.11 to 3.14): raised to 3.12",
        ),
        (
            &[(
                "pyproject.toml",
                "[project]\nname = \"x\"\nrequires-python = \">=3.8,<3.13\"\n",
            )],
            "3.11 (certain) pyproject.toml:3",
            "`>=3.8,<3.13` allows Python 3.8 at the lowest, below what the base images run (3.11 to 3.14): raised to 3.11",
        ),
        (
            &[(
                "pyproject.toml",
                "[project]\nname = \"x\"\nrequires-python = \">=3.7,<3.10\"\n",
            )],
            "3.11 (certain) pyproject.toml:3",
            "allows none of the Pythons the base images run (3.11 to 3.14)",
        ),
    ];
    for (files, expected, note) in cases {
        let dir = assert_fs::TempDir::new().unwrap();
        let mut all = vec![("app.py", "from flask import Flask\napp = Flask(__name__)\n")];
        all.push(("requirements.txt", "flask\n"));
        all.extend_from_slice(files);
        write(dir.path(), &all);
        let json = detect_json(dir.path());
        assert_eq!(summary(&json, "python_version"), expected, "{files:?}");
        let got = json["findings"]["python_version"]["note"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(got.contains(note), "{files:?}: {got}");
        if note.is_empty() {
            assert!(got.is_empty(), "{files:?}: {got}");
        }
    }
}

#[test]
fn health_routes_on_blueprints_and_routers_get_their_registered_prefix() {
    // Flask: the registration's url_prefix replaces the blueprint's own; routes in a factory.
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "shop/__init__.py",
                "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.get(\"/hello\")\n    def hello():\n        return \"hi\"\n\n    from . import ops, blog\n    app.register_blueprint(ops.bp, url_prefix=\"/internal\")\n    app.register_blueprint(blog.bp)\n    return app\n",
            ),
            (
                "shop/ops.py",
                "from flask import Blueprint\n\nbp = Blueprint(\"ops\", __name__, url_prefix=\"/ops\")\n\n\n@bp.get(\"/healthz/\")\ndef healthz():\n    return {\"ok\": True}\n",
            ),
            (
                "shop/blog.py",
                "from flask import Blueprint\n\nbp = Blueprint(\"blog\", __name__)\n\n\n@bp.route(\"/status\")\ndef status():\n    return get_db().execute(\"select 1\")\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/internal/healthz/ (certain) shop/ops.py:6 shop/ops.py:3 shop/__init__.py:12"
    );

    // FastAPI: include_router's prefix, then the router's own.
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "fastapi==0.115.0\nuvicorn==0.34.0\n"),
            (
                "api/main.py",
                "from fastapi import FastAPI\n\nfrom api.routes import meta\n\napp = FastAPI()\napp.include_router(meta.router, prefix=\"/v1\")\n",
            ),
            (
                "api/routes/meta.py",
                "from fastapi import APIRouter\n\nrouter = APIRouter(prefix=\"/meta\")\n\n\n@router.get(\"/ping\")\ndef ping():\n    return \"pong\"\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/v1/meta/ping (certain) api/routes/meta.py:6 api/routes/meta.py:3 api/main.py:6"
    );

    // A blueprint registered nowhere serves nothing: a registered one's route is picked, and
    // a prefix the code computes makes the path a guess.
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
            (
                "views.py",
                "from flask import Blueprint\n\nbp = Blueprint(\"v\", __name__)\n\n\n@bp.get(\"/health\")\ndef health():\n    return \"ok\"\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        json["findings"]["health_path"]["value"],
        serde_json::Value::Null
    );
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\n\nfrom api import api\n\napp = Flask(__name__)\napp.register_blueprint(api, url_prefix=\"/api/v1\")\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("api.py"),
        "from flask import Blueprint\n\napi = Blueprint(\"api\", __name__)\n\n\n@api.get(\"/status\")\ndef status():\n    return \"ok\"\n",
    )
    .unwrap();
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/api/v1/status (certain) api.py:6 api.py:3 app.py:6"
    );
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\n\nfrom api import api\n\nPREFIX = \"/adm\"\napp = Flask(__name__)\napp.register_blueprint(api, url_prefix=PREFIX)\n",
    )
    .unwrap();
    // A prefix written as a module constant is that constant's value, with its line.
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/adm/status (certain) api.py:6 api.py:3 app.py:7 app.py:5"
    );
    std::fs::write(
        dir.path().join("app.py"),
        "import os\n\nfrom flask import Flask\n\nfrom api import api\n\napp = Flask(__name__)\napp.register_blueprint(api, url_prefix=os.environ.get(\"PREFIX\", \"/adm\"))\n",
    )
    .unwrap();
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/status (guess) api.py:6 app.py:8"
    );
    assert!(
        json["findings"]["health_path"]["note"]
            .as_str()
            .unwrap()
            .contains("computed"),
        "{json}"
    );
}

#[test]
fn environment_variables_read_at_start_without_a_default_are_warned() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "app.py",
                "import os\n\nfrom flask import Flask\n\nos.environ[\"TZ\"] = \"UTC\"\nREGION = os.environ[\"REGION\"]\nPORT = os.environ[\"PORT\"]\nDEBUG = os.environ.get(\"DEBUG\", \"\")\n\n\ndef create_app():\n    app = Flask(__name__)\n    app.config[\"DB\"] = os.environ[\"DATABASE_URL\"]\n\n    @app.get(\"/token\")\n    def token():\n        return os.environ[\"API_TOKEN\"]\n\n    return app\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    let warnings = warning_texts(&json);
    let named: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w.split('`').nth(1))
        .collect();
    assert_eq!(named, ["REGION", "DATABASE_URL"], "{warnings:#?}");
    assert!(
        warnings[0].starts_with("app.py:6 reads `REGION` from the environment without a default"),
        "{warnings:#?}"
    );
    assert!(
        warnings[1].starts_with("app.py:13 reads `DATABASE_URL`"),
        "{warnings:#?}"
    );
}

#[test]
fn an_existing_multi_stage_dockerfile_gives_its_last_stages_command_and_port() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
            (
                "Dockerfile",
                "FROM python:3.12 AS build\nEXPOSE 9999\nCMD [\"make\"]\n\n# the image\nFROM python:3.12-slim\nEXPOSE 5000\nCMD [\"gunicorn\", \\\n     # bind\n     \"--bind\", \"0.0.0.0:5000\", \\\n     \"app:app\"]\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(summary(&json, "port"), "5000 (certain) Dockerfile:7");
    assert_eq!(
        summary(&json, "start_hints"),
        r#"["CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]"] (certain) Dockerfile:8"#
    );
}

#[test]
fn a_django_route_under_include_gets_the_prefix_of_each_include_line() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "Django==5.2.8\n"),
            (
                "backend/manage.py",
                "import os\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
            ),
            (
                "backend/mysite/settings.py",
                "ROOT_URLCONF = 'mysite.urls'\nWSGI_APPLICATION = 'mysite.wsgi.application'\n",
            ),
            ("backend/mysite/wsgi.py", "application = None\n"),
            (
                "backend/mysite/urls.py",
                "from django.urls import include, path\n\nurlpatterns = [\n    path('blog/', include('blog.urls')),\n]\n",
            ),
            (
                "backend/blog/urls.py",
                "from django.urls import include, path\n\nurlpatterns = [\n    path('api/', include('blog.api')),\n]\n",
            ),
            (
                "backend/blog/api.py",
                "from django.urls import path\n\nurlpatterns = [\n    path(\"healthz/\", lambda r: None),\n]\n",
            ),
            // A URLconf no include() reaches serves nothing.
            (
                "backend/old/urls.py",
                "from django.urls import path\n\nurlpatterns = [path('status/', lambda r: None)]\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/blog/api/healthz/ (certain) backend/blog/api.py:4 backend/mysite/urls.py:4 backend/blog/urls.py:4"
    );
    let evidence = &json["findings"]["health_path"]["evidence"];
    assert_eq!(evidence[0]["says"], "path(\"healthz/\", lambda r: None),");
    assert_eq!(evidence[1]["says"], "path('blog/', include('blog.urls')),");
}

#[test]
fn a_build_backend_version_the_project_refuses_runs_in_place_or_is_warned() {
    // uv with a hatchling range the image's pin is outside: in place.
    let dir = assert_fs::TempDir::new().unwrap();
    let pyproject = std::fs::read_to_string(fixture("fastapi-uv-src/pyproject.toml"))
        .unwrap()
        .replace(
            "requires = [\"hatchling\"]",
            "requires = [\"hatchling<1.20\"]",
        );
    write(
        dir.path(),
        &[
            ("pyproject.toml", &pyproject),
            ("uv.lock", "version = 1\n"),
            (
                "src/inventory/main.py",
                "from fastapi import FastAPI\n\napp = FastAPI()\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    let package = &json["findings"]["package"];
    assert_eq!(package["value"], false, "{package}");
    assert!(
        package["note"]
            .as_str()
            .unwrap()
            .contains("which `hatchling<1.20` refuses"),
        "{package}"
    );
    // flit always builds: a warning names the line.
    let dir = assert_fs::TempDir::new().unwrap();
    let pyproject = std::fs::read_to_string(fixture("flit-package/pyproject.toml"))
        .unwrap()
        .replace("flit_core>=3.9,<5", "flit_core<4");
    write(
        dir.path(),
        &[
            ("pyproject.toml", &pyproject),
            (
                "greeter/__init__.py",
                "\"\"\"Greets.\"\"\"\n__version__ = \"1\"\n",
            ),
            (
                "greeter/web.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(json["findings"]["package"]["value"], true);
    assert!(
        json["warnings"].to_string().contains(
            "pyproject.toml:2: `flit_core<4` refuses flit-core 4.2.0, which the image builds the wheel with"
        ),
        "{}",
        json["warnings"]
    );
    // The fixture's own range allows the pin: nothing to say.
    let json = detect_json(&fixture("flit-package"));
    assert!(json["findings"]["package"]["note"].is_null(), "{json}");
}

#[test]
fn a_redirect_is_not_a_health_route_and_djangos_admin_login_is_preferred() {
    // The shape of a tutorial library app: `/` redirects to a catalogue whose pages query the
    // database, which a read-only image without migrations does not have.
    let dir = assert_fs::TempDir::new().unwrap();
    let urls = "from django.contrib import admin\nfrom django.urls import include, path\nfrom django.views.generic import RedirectView\n\nurlpatterns = [\n    path('admin/', admin.site.urls),\n    path('catalog/', include('catalog.urls')),\n    path('', RedirectView.as_view(url='catalog/', permanent=True)),\n]\n";
    write(
        dir.path(),
        &[
            ("requirements.txt", "Django==5.2.19\n"),
            (
                "manage.py",
                "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"library.settings\")\n",
            ),
            ("library/__init__.py", ""),
            (
                "library/settings.py",
                "SECRET_KEY = \"x\"\nROOT_URLCONF = \"library.urls\"\n",
            ),
            ("library/urls.py", urls),
            (
                "library/wsgi.py",
                "from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n",
            ),
            ("catalog/__init__.py", ""),
            (
                "catalog/urls.py",
                "from django.urls import path\nfrom . import views\n\nurlpatterns = [\n    path('', views.index, name='index'),\n]\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    assert_eq!(
        summary(&json, "health_path"),
        "/admin/login/ (certain) library/urls.py:6"
    );
    // Without the admin, and only the redirect at `/`: a liveness check, never the redirect.
    write(
        dir.path(),
        &[(
            "library/urls.py",
            &urls
                .replace("    path('admin/', admin.site.urls),\n", "")
                .replace("    path('catalog/', include('catalog.urls')),\n", ""),
        )],
    );
    std::fs::remove_file(dir.path().join("catalog/urls.py")).unwrap();
    let json = detect_json(dir.path());
    assert_eq!(summary(&json, "health_path"), "between null (guess)");
}

#[test]
fn a_requirements_line_pip_cannot_read_is_a_warning_and_urls_are_not() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            (
                "requirements.txt",
                "flask==3.1.3\nthis is !! garbage\ngit+https://example.invalid/x.git\nlib @ https://example.invalid/lib.whl\n",
            ),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    let warnings = warning_texts(&json);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("requirements.txt:2 `this is !! garbage` is not a requirement"),
        "{warnings:?}"
    );
}

#[test]
fn a_gitignored_lock_and_a_procfile_naming_no_module_are_said() {
    let dir = assert_fs::TempDir::new().unwrap();
    write(
        dir.path(),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"svc\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"flask\"]\n",
            ),
            ("uv.lock", "version = 1\n"),
            (".gitignore", ".venv/\nuv.lock\n"),
            ("Procfile", "web: gunicorn nosuch:app\n"),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    let json = detect_json(dir.path());
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains(
            "`.gitignore` pattern `uv.lock` ignores `uv.lock`, which the image installs from"
        ),
        "{warnings}"
    );
    assert_eq!(json["findings"]["app"]["value"], "app:app");
    assert!(
        json["findings"]["app"]["note"]
            .as_str()
            .unwrap()
            .contains("Procfile:1 names `nosuch:app` (no module of the repository)"),
        "{}",
        json["findings"]["app"]
    );
}

#[test]
fn a_boot_script_that_links_out_of_the_repository_is_not_read() {
    let dir = assert_fs::TempDir::new().unwrap();
    let outside = assert_fs::TempDir::new().unwrap();
    std::fs::write(
        outside.path().join("start.sh"),
        "#!/bin/sh\nexec gunicorn elsewhere:app\n",
    )
    .unwrap();
    write(
        dir.path(),
        &[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "Dockerfile",
                "FROM python:3.12-slim\nENTRYPOINT [\"./boot.sh\"]\n",
            ),
            (
                "app.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
            (
                "elsewhere.py",
                "from flask import Flask\n\napp = Flask(__name__)\n",
            ),
        ],
    );
    std::os::unix::fs::symlink(outside.path().join("start.sh"), dir.path().join("boot.sh"))
        .unwrap();
    let json = detect_json(dir.path());
    let app = json["findings"]["app"].to_string();
    assert!(!app.contains("boot.sh"), "{app}");
}
