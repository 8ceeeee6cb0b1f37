//! pyscaffold as Python teams install their other Rust tools: a wheel built by maturin from
//! the repository's `pyproject.toml`, installed into a fresh virtualenv and with `uv tool
//! install`, offline, and run from there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_fs::TempDir;

use crate::support::{run_tool, stderr, stdout, tool};

/// The distribution name on the package index (`pyscaffold` is another project's).
const DISTRIBUTION: &str = "pyscaffold-docker";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the wheel into `out` (the dev profile: the suite proves the packaging, a release
/// builds with `--release`); returns its path.
fn build_wheel(maturin: &Path, out: &Path) -> PathBuf {
    let built = Command::new(maturin)
        .args([
            "build",
            "--profile",
            "dev",
            "--locked",
            "--offline",
            "--out",
        ])
        .arg(out)
        .current_dir(repo())
        // A target folder of its own: the suite's cargo keeps its own, and maturin's flags
        // would otherwise rebuild what the suite compiled.
        .env("CARGO_TARGET_DIR", repo().join("target/wheel"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "maturin build failed:\n{}",
        stderr(&built)
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels[0].clone()
}

fn version_line(binary: &Path) -> String {
    let out = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_wheel_installs_the_pyscaffold_command_with_pip_and_uv() {
    let (Some(maturin), Some(uv)) = (tool("maturin"), tool("uv")) else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let wheel = build_wheel(&maturin, &tmp.path().join("dist"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    // One binary for any CPython 3 on glibc Linux; installable from the package index.
    assert!(
        name.starts_with(&format!("pyscaffold_docker-{version}-py3-none-manylinux_")),
        "{name}"
    );

    // What the wheel holds: the command and its metadata, no Python module of that name.
    let python = PathBuf::from("python3");
    let (ok, listing) = run_tool(
        &python,
        &["-m", "zipfile", "-l", wheel.to_str().unwrap()],
        tmp.path(),
    );
    assert!(ok, "{listing}");
    let entries: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        entries.contains(&format!("pyscaffold_docker-{version}.data/scripts/pyscaffold").as_str()),
        "{listing}"
    );
    assert!(
        entries
            .iter()
            .all(|e| e.starts_with(&format!("pyscaffold_docker-{version}."))),
        "{listing}"
    );
    let (ok, metadata) = run_tool(
        &python,
        &[
            "-c",
            "import sys, zipfile; w = zipfile.ZipFile(sys.argv[1]); \
             print(w.read(next(n for n in w.namelist() if n.endswith('/METADATA'))).decode())",
            wheel.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(ok, "{metadata}");
    assert!(
        metadata
            .lines()
            .any(|l| l == format!("Name: {DISTRIBUTION}")),
        "{metadata}"
    );
    assert!(
        metadata.lines().any(|l| l == format!("Version: {version}")),
        "{metadata}"
    );

    // pip, into a fresh virtualenv, offline: the command is on the venv's bin folder and
    // generates a project.
    let venv = tmp.path().join("venv");
    let (ok, text) = run_tool(&python, &["-m", "venv", venv.to_str().unwrap()], tmp.path());
    assert!(ok, "{text}");
    let (ok, text) = run_tool(
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
            wheel.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(ok, "pip install: {text}");
    let installed = venv.join("bin/pyscaffold");
    assert!(
        version_line(&installed).starts_with(&format!("pyscaffold {version} (templates ")),
        "{}",
        version_line(&installed)
    );
    let (ok, text) = run_tool(&installed, &["new", "demo", "-y", "--no-lock"], tmp.path());
    assert!(ok, "{text}");
    assert!(tmp.path().join("demo/Dockerfile").is_file(), "{text}");
    assert!(tmp.path().join("demo/.pyscaffold.yml").is_file(), "{text}");

    // uv's tool install (what `uvx` runs too), offline, into folders of the test's own.
    let uv_home = tmp.path().join("uv");
    let installed = Command::new(&uv)
        .args(["tool", "install", "--offline", "--quiet"])
        .arg(&wheel)
        .env("UV_TOOL_DIR", uv_home.join("tools"))
        .env("UV_TOOL_BIN_DIR", uv_home.join("bin"))
        .env("UV_CACHE_DIR", uv_home.join("cache"))
        .env("UV_PYTHON_DOWNLOADS", "never")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(installed.status.success(), "{}", stderr(&installed));
    assert!(
        version_line(&uv_home.join("bin/pyscaffold"))
            .starts_with(&format!("pyscaffold {version} (templates ")),
    );
}
