//! Bad input: each case fails with exit status 2, an `error:` naming the problem, a `help:`
//! line with the fix, and nothing written.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_fs::TempDir;

use crate::support::{bin, read_tree, run, stderr};

/// Every file and folder under `root`, with file contents, so any write shows up.
fn entries(root: &std::path::Path) -> Vec<(String, Option<String>)> {
    let tree = read_tree(root);
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let text = tree.get(&rel).cloned();
            (rel, text)
        })
        .collect()
}

struct Case {
    args: &'static [&'static str],
    /// Written into the working directory first, as (path, contents).
    files: &'static [(&'static str, &'static str)],
    error: &'static str,
    help: &'static str,
}

const CASES: &[Case] = &[
    Case {
        args: &["new", "Bad_Name", "-y"],
        files: &[],
        error: "the directory name `Bad_Name` is not a valid project name",
        help: "help: `name` is",
    },
    Case {
        args: &["new", "svc", "--name", "class", "-y"],
        files: &[],
        error: "`--name class`: use 1 to 40 lowercase letters",
        help: "help: `name` is",
    },
    Case {
        args: &["new", "svc", "--port", "80", "-y"],
        files: &[],
        error: "`--port 80`: pick a port from 1024 to 65535",
        help: "help: `port` is",
    },
    Case {
        args: &["new", "svc", "--port", "65536", "-y"],
        files: &[],
        error: "`--port 65536`: pick a port from 1024 to 65535",
        help: "help:",
    },
    Case {
        args: &["new", "svc", "--framework", "rails", "-y"],
        files: &[],
        error: "`--framework rails`: not one of: flask, django, fastapi, wsgi, asgi, worker",
        help: "choices: flask, django, fastapi, wsgi, asgi, worker",
    },
    Case {
        args: &["new", "svc", "--installer", "conda", "-y"],
        files: &[],
        error: "`--installer conda`: not one of: pip, pip-tools, pipenv, poetry, flit, uv, pdm",
        help: "choices: pip, pip-tools",
    },
    Case {
        args: &["new", "svc", "--ci", "github,travis", "-y"],
        files: &[],
        error: "`travis`: not one of: github, gitlab, circleci",
        help: "choices: github, gitlab, circleci",
    },
    Case {
        args: &["new", "svc", "--answers", "bad.yml", "-y"],
        files: &[("bad.yml", "port: 8000\nci: [github\nname: x\n")],
        error: "answers file `bad.yml` is not a valid answers file",
        help: "help: an answers file is a YAML mapping",
    },
    Case {
        args: &["new", "svc", "--answers", "typed.yml", "-y"],
        files: &[("typed.yml", "framework: flask\nport: eighty\n")],
        error: "`port` in answers file `typed.yml` line 2: expected an integer, found a string",
        help: "help: `port` is",
    },
    Case {
        args: &["new", "svc", "--answers", "unknown.yml", "-y"],
        files: &[("unknown.yml", "framework: flask\nwebserver: nginx\n")],
        error: "unknown question `webserver` in answers file `unknown.yml` line 2",
        help: "help: the questions are: name, framework",
    },
    Case {
        args: &["new", "svc", "--set", "colour=blue", "-y"],
        files: &[],
        error: "unknown question `colour` in `--set colour=blue`",
        help: "help: the questions are:",
    },
    Case {
        args: &["new", "svc", "--set", "port=eighty", "-y"],
        files: &[],
        error: "`--set port=eighty`: not an integer",
        help: "help:",
    },
    Case {
        args: &["new", "svc", "--set", "compile_bytecode=maybe", "-y"],
        files: &[],
        error: "`--set compile_bytecode=maybe`: not a boolean",
        help: "help:",
    },
    Case {
        args: &["new", "svc", "--set", "base_image=python:latest", "-y"],
        files: &[],
        error: "not `latest`",
        help: "help: `base_image` is",
    },
    Case {
        args: &["new", "svc", "--system-package", "libpq5;rm", "-y"],
        files: &[],
        error: "`libpq5;rm`: use Debian package names",
        help: "help:",
    },
    Case {
        args: &["new", "svc", "--preset", "django-deluxe", "-y"],
        files: &[],
        error: "unknown preset `django-deluxe`",
        help: "help: pick one of: asgi, django, fastapi, flask, flask-pipenv, flask-small, worker, wsgi",
    },
    Case {
        args: &["new", "svc", "-y"],
        files: &[("svc/app.py", "print('mine')\n")],
        error: "`svc` already exists and is not empty",
        help: "help: pick a new directory, or pass `--force`",
    },
    Case {
        args: &[
            "new",
            "svc",
            "--framework",
            "django",
            "--installer",
            "flit",
            "--set",
            "package=false",
            "-y",
        ],
        files: &[],
        error: "`--installer flit` builds the project as a package, so `package` cannot be false",
        help: "help: drop `--set package=false`, or pick an installer that runs the project in place",
    },
    Case {
        args: &[
            "new",
            "svc",
            "--framework",
            "wsgi",
            "--set",
            "app=svc/app.py",
            "-y",
        ],
        files: &[],
        error: "`--set app=svc/app.py`: use `package.module:attribute`",
        help: "help: `app` is",
    },
    Case {
        args: &[
            "new",
            "svc",
            "--framework",
            "asgi",
            "--set",
            "app=other.app:app",
            "-y",
        ],
        files: &[],
        error: "the app `other.app:app` is outside the project's package `svc`",
        help: "help: give it as `svc.MODULE:ATTRIBUTE`",
    },
    Case {
        args: &[
            "new",
            "svc",
            "--framework",
            "worker",
            "--set",
            "command=",
            "-y",
        ],
        files: &[],
        error: "`--set command=`: use words separated by single spaces",
        help: "help: `command` is",
    },
    Case {
        args: &[
            "new",
            "svc",
            "--framework",
            "worker",
            "--set",
            "command=python -c 'import os'",
            "-y",
        ],
        files: &[],
        error: "(no quotes or shell syntax",
        help: "help: `command` is",
    },
    Case {
        args: &["new", "django", "-y"],
        files: &[],
        error: "the directory name `django` is not a valid project name",
        help: "help: `name` is",
    },
    Case {
        args: &["new"],
        files: &[],
        error: "no answer for `name` and no terminal to ask on",
        help: "help: answer with `pyscaffold new NAME`, `--name NAME`",
    },
];

#[test]
fn bad_input_exits_2_with_help_and_writes_nothing() {
    for case in CASES {
        let tmp = TempDir::new().unwrap();
        for (path, text) in case.files {
            let path = tmp.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let before = entries(tmp.path());
        let out = run(tmp.path(), case.args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{:?}: exit status\n{err}",
            case.args
        );
        assert!(
            err.contains(&format!("error: {}", case.error)) || err.contains(case.error),
            "{:?}: expected error `{}`, got:\n{err}",
            case.args,
            case.error
        );
        assert!(
            err.contains(case.help),
            "{:?}: expected `{}`, got:\n{err}",
            case.args,
            case.help
        );
        assert!(err.starts_with("error: "), "{:?}: {err}", case.args);
        assert_eq!(
            entries(tmp.path()),
            before,
            "{:?} wrote something",
            case.args
        );
    }
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
