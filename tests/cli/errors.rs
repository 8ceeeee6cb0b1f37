//! Bad input: each class in `bad_input.yml` fails with exit status 2, an `error:` naming the
//! problem, a `help:` line with the fix, and nothing written.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_fs::TempDir;
use serde::Deserialize;

use crate::support::{bin, run, stderr};

/// Every file and folder under `root`, with file bytes, so any write shows up.
fn entries(root: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            let bytes = e
                .file_type()
                .is_file()
                .then(|| std::fs::read(e.path()).unwrap());
            (rel.to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// One class of bad input, a row of `bad_input.yml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    class: String,
    args: Vec<String>,
    /// Written into the working directory first: path → text.
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Written into the working directory first: path → bytes as hex.
    #[serde(default)]
    binary_files: BTreeMap<String, String>,
    /// Text the `error:` message contains.
    error: String,
    /// Text the `help:` line contains.
    help: String,
    /// Text that must appear nowhere in the output (a secret the input carried).
    #[serde(default)]
    hidden: Option<String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("bad_input.yml");
    let cases: Vec<Case> = serde_saphyr::from_str(text).expect("bad_input.yml parses");
    let mut classes = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            classes.insert(case.class.as_str()),
            "bad_input.yml lists the class `{}` twice",
            case.class
        );
    }
    cases
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn bad_input_exits_2_with_help_and_writes_nothing() {
    let mut failures = Vec::new();
    for case in cases() {
        let tmp = TempDir::new().unwrap();
        for (path, text) in &case.files {
            write(tmp.path(), path, text.as_bytes());
        }
        for (path, digits) in &case.binary_files {
            write(tmp.path(), path, &hex(digits));
        }
        let before = entries(tmp.path());
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let out = run(tmp.path(), &args);
        let err = stderr(&out);
        let help = err.rfind("\nhelp: ").map_or("", |at| &err[at + 1..]);
        let mut problems = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit status {:?}, not 2", out.status.code()));
        }
        if !err.starts_with("error: ") || !err.contains(&case.error) {
            problems.push(format!("no `error: ...{}`", case.error));
        }
        if !help.contains(&case.help) {
            problems.push(format!("no `help: ...{}`", case.help));
        }
        if let Some(secret) = &case.hidden
            && err.contains(secret.as_str())
        {
            problems.push(format!("the output shows `{secret}`"));
        }
        if entries(tmp.path()) != before {
            problems.push("something was written".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({args:?}): {}\n{err}",
                case.class,
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_a_terminal_it_never_waits_on_stdin() {
    let tmp = TempDir::new().unwrap();
    // stdin is an open pipe that never sends anything: reading it would block forever.
    let mut child = Command::new(bin())
        .arg("new")
        .current_dir(tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("pyscaffold waited on stdin without a terminal");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.stdin.take().map(|mut s| s.write_all(b""));
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_usage_error_from_the_parser_exits_2() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["new", "svc", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-such-flag"));
}

#[test]
fn an_answer_over_the_length_limit_is_refused_naming_the_limit() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let long = "x".repeat(100_000);
    let set = format!("command={long}");
    let out = run(
        tmp.path(),
        &["new", "svc", "-y", "--framework", "worker", "--set", &set],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is 100000 characters long; an answer may be at most 4096"),
        "{}",
        &err[..err.len().min(600)]
    );
    assert!(!err.contains(&long), "the answer is not echoed back whole");
    assert!(!tmp.path().join("svc").exists());
}
