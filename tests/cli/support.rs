//! Helpers shared by the integration tests: running the binary, reading trees, finding tools.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_fs::TempDir;

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pyscaffold"))
}

/// PATH with the validators' bin folder first, so `new` finds the installers' lock tools
/// however the suite was started.
pub fn tools_path() -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PYSCAFFOLD_TOOLS_BIN")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries")
}

/// Runs pyscaffold in `cwd` without a terminal (stdin closed), away from the user's config
/// file, `PYSCAFFOLD_PACK` and pack cache.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    command(cwd, args).output().expect("pyscaffold runs")
}

/// The command [`run`] runs, to add environment variables to.
pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env("PATH", tools_path())
        .env(
            "PYSCAFFOLD_CONFIG",
            cwd.join(".no-such-pyscaffold-config.yaml"),
        )
        .env("PYSCAFFOLD_CACHE_DIR", test_cache())
        // init asks the package index about exact pins only where a test says so.
        .env("PYSCAFFOLD_NO_INDEX", "1")
        .env_remove("PYSCAFFOLD_PACK");
    command
}

/// A pack cache of this test run's own.
pub fn test_cache() -> PathBuf {
    std::env::temp_dir().join(format!("pyscaffold-test-cache-{}", std::process::id()))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generates a project named `name` with `args` into a fresh temp dir; panics on failure.
pub fn generate(name: &str, args: &[&str]) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let mut all = vec!["new", name];
    all.extend_from_slice(args);
    let out = run(tmp.path(), &all);
    assert!(
        out.status.success(),
        "pyscaffold {all:?} failed:\n{}",
        stderr(&out)
    );
    let root = tmp.path().join(name);
    (tmp, root)
}

/// Every file under `root` (relative path with `/` → contents).
pub fn read_tree(root: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).expect("under root");
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(e.path()).expect("utf-8 file");
            (rel, text)
        })
        .collect()
}

/// Files of `tree` whose path ends with one of `suffixes`.
pub fn files_ending<'a>(tree: &'a BTreeMap<String, String>, suffixes: &[&str]) -> Vec<&'a str> {
    tree.keys()
        .filter(|p| suffixes.iter().any(|s| p.ends_with(s)))
        .map(String::as_str)
        .collect()
}

/// Whether the suite runs in CI, where a missing tool is a failure rather than a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// An external tool: from `PYSCAFFOLD_TOOLS_BIN` (set by scripts/test.sh) or PATH. Outside
/// CI a missing tool skips the caller with one visible line; in CI it fails the test.
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PYSCAFFOLD_TOOLS_BIN")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let found = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
    if found.is_none() {
        let why = format!(
            "`{name}` is not installed: run `scripts/install-validators.sh` \
             and put its bin folder on PATH (scripts/test.sh does both)"
        );
        assert!(!in_ci(), "{why}");
        static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let mut said = SAID
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !said.iter().any(|n| n == name) {
            said.push(name.to_string());
            report(&format!("SKIPPED (tests that need `{name}`): {why}"));
        }
    }
    found
}

/// Runs a tool and returns (success, combined output).
pub fn run_tool(program: &Path, args: &[&str], cwd: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success(), text)
}

/// Prints a result the run should show even when the test passes (a matrix, a measured
/// figure): written to the stderr handle directly, which the test harness does not capture.
pub fn report(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Runs git in `root` with a fixed identity.
pub fn git(root: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(root)
        .output()
        .expect("git runs")
}

/// Commits everything under `root`, making it a repository first if it is not one.
pub fn commit_all(root: &Path, message: &str) {
    if !root.join(".git").exists() {
        assert!(git(root, &["init", "-q", "-b", "main"]).status.success());
    }
    assert!(git(root, &["add", "-A"]).status.success());
    assert!(
        git(root, &["commit", "-q", "--allow-empty", "-m", message])
            .status
            .success()
    );
}

/// Copies the tree at `from` to `to` (folders and files).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("under from"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
