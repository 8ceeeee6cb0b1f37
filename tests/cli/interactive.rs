//! The real prompts, driven through a pseudo-terminal: every question answered by keystrokes
//! (one invalid answer re-asked), and the result compared with the unattended run; the
//! essential questions first with the rest in one customise step, and `init`'s detected
//! answers as one table.

use std::process::Command;
use std::time::Duration;

use assert_fs::TempDir;
use expectrl::{Expect, Session};

use crate::support::{bin, generate, read_tree};

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

/// Waits for each prompt text and sends its keys.
fn answer(p: &mut expectrl::session::OsSession, steps: &[(&str, &str)]) {
    for (prompt, keys) in steps {
        p.expect(*prompt)
            .unwrap_or_else(|e| panic!("waiting for `{prompt}`: {e}"));
        p.send(keys).unwrap();
    }
}

#[test]
fn terminal_answers_produce_the_same_tree_as_flags() {
    let tmp = TempDir::new().unwrap();
    let mut command = Command::new(bin());
    command
        .args(["new"])
        .current_dir(tmp.path())
        .env("TERM", "xterm-256color");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));

    // (prompt text to wait for, keys to send)
    let steps: &[(&str, &str)] = &[
        ("Project name", "billing-api\r"),
        ("Framework", ENTER),
        ("Dependency installer", ENTER),
        ("CI systems", ENTER),
        ("Python version", "3.12\r"),
    ];
    answer(&mut p, steps);
    // An invalid port is refused with the validation message and asked again.
    p.expect("Port the server listens on").unwrap();
    p.send("80\r").unwrap();
    p.expect("pick a port from 1024 to 65535").unwrap();
    p.send("\x15").unwrap(); // clear the line
    p.send("9000\r").unwrap();
    // The essential questions are done: the rest is one step, taken here.
    let rest: &[(&str, &str)] = &[
        ("Customise the image", "y"),
        ("Debian release", &format!("{DOWN}{ENTER}")),
        ("Base image", ENTER),
        ("Health check path", ENTER),
        ("How often Docker checks the health endpoint", ENTER),
        ("runtime image", "libpq5\r"),
        ("build stage only", ENTER),
        ("Folders the app writes to", ENTER),
        ("Numeric user and group id", ENTER),
        ("Pre-compile Python bytecode", ENTER),
        ("private git repositories", ENTER),
        ("Image repository CI pushes to", ENTER),
        ("scheduled job that opens a pull/merge request", ENTER),
        ("Scan the image for vulnerabilities", ENTER),
        ("Sign each pushed image", ENTER),
        ("Platforms CI pushes the image for", ENTER),
        ("Default git branch", ENTER),
    ];
    answer(&mut p, rest);
    p.expect("created `billing-api`")
        .expect("the project is created");
    p.expect(expectrl::Eof).ok();

    let interactive = read_tree(&tmp.path().join("billing-api"));
    let (_tmp2, unattended_root) = generate(
        "billing-api",
        &[
            "--python",
            "3.12",
            "--set",
            "debian_release=bookworm",
            "--port",
            "9000",
            "--system-package",
            "libpq5",
            "-y",
        ],
    );
    let unattended = read_tree(&unattended_root);
    assert_eq!(
        interactive.keys().collect::<Vec<_>>(),
        unattended.keys().collect::<Vec<_>>()
    );
    for (path, text) in &unattended {
        assert_eq!(
            &interactive[path], text,
            "{path} differs between terminal and flags"
        );
    }
}

#[test]
fn upgrade_asks_the_new_question_on_a_terminal() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    let mut command = Command::new(bin());
    command
        .args(["upgrade"])
        .current_dir(&root)
        .env("TERM", "xterm-256color");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    // Only the questions 0.3.0, 0.6.0, 0.7.0, 0.10.0 and 0.12.0 added (and ask) are asked; every recorded answer is carried
    // over.
    // The question's help text is shown with it.
    p.expect("seconds or minutes, e.g. 30s or 1m")
        .expect("the question's help is shown");
    p.expect("How often Docker checks the health endpoint")
        .expect("the new question is asked");
    p.send("\x15").unwrap(); // clear the default shown in the line
    p.send("1m\r").unwrap();
    // 0.7.0 adds the folders the app writes to: the default (none) is taken.
    p.expect("Folders the app writes to")
        .expect("the 0.7.0 question is asked");
    p.send(ENTER).unwrap();
    // 0.6.0 adds the scheduled upgrade job: the default (no) is taken.
    p.expect("scheduled job that opens a pull/merge request")
        .expect("the 0.6.0 question is asked");
    p.send(ENTER).unwrap();
    // 0.10.0 adds the scan gate and signing: the defaults (yes) are taken.
    p.expect("Scan the image for vulnerabilities")
        .expect("the 0.10.0 scan question is asked");
    p.send(ENTER).unwrap();
    // A question's help names only what applies to the answers before it: this project's CI
    // is GitHub Actions alone.
    let signing = p
        .expect("Sign each pushed image")
        .expect("the 0.10.0 signing question is asked");
    let help = String::from_utf8_lossy(signing.before()).to_string();
    assert!(
        help.contains("GitHub Actions signs with the workflow's own OIDC identity"),
        "{help}"
    );
    assert!(
        !help.contains("GitLab") && !help.contains("CircleCI"),
        "{help}"
    );
    p.send(ENTER).unwrap();
    // 0.12.0 adds the platforms CI pushes for: the defaults (amd64 and arm64) are taken.
    let platforms = p
        .expect("Platforms CI pushes the image for")
        .expect("the 0.12.0 platforms question is asked");
    let help = String::from_utf8_lossy(platforms.before()).to_string();
    assert!(help.contains("In GitHub Actions, each push"), "{help}");
    assert!(!help.contains("GitLab"), "{help}");
    p.send(ENTER).unwrap();
    p.expect("upgraded from templates 0.2.0 to")
        .expect("the upgrade finishes");
    p.expect(expectrl::Eof).ok();
    let tree = read_tree(&root);
    assert!(
        tree["Dockerfile"].contains("--interval=1m"),
        "{}",
        tree["Dockerfile"]
    );
    assert!(tree[".pyscaffold.yml"].contains("healthcheck_interval: 1m"));
    assert!(
        tree[".pyscaffold.yml"].contains("  platforms:\n    - linux/amd64\n    - linux/arm64\n"),
        "{}",
        tree[".pyscaffold.yml"]
    );
}

/// `pyscaffold new` in a pseudo-terminal of `columns` columns, plain text (NO_COLOR).
fn spawn_new(tmp: &TempDir, columns: u16) -> expectrl::session::OsSession {
    let mut command = Command::new(bin());
    command
        .args(["new"])
        .current_dir(tmp.path())
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.get_process_mut()
        .set_window_size(columns, 24)
        .expect("window size");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p
}

/// Visible text: ANSI escape sequences dropped.
fn visible(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn an_invalid_answer_is_explained_in_lines_that_fit_the_terminal() {
    // The prompt library clears the lines it printed by counting newlines: a message the
    // terminal wraps itself is one line too many, and stays on screen with every retry.
    let tmp = TempDir::new().unwrap();
    let mut p = spawn_new(&tmp, 50);
    let steps: &[(&str, &str)] = &[
        ("Project name", "billing-api\r"),
        ("Framework", ENTER),
        ("Dependency installer", ENTER),
        ("CI systems", ENTER),
        ("Python version", ENTER),
    ];
    answer(&mut p, steps);
    p.expect("Port the server listens on").unwrap();
    p.send("80\r").unwrap();
    let shown = p.expect("Port the server listens on").unwrap();
    let screen = visible(shown.before());
    let error = screen
        .find("error: ")
        .map(|at| &screen[at..])
        .unwrap_or_else(|| panic!("no validation message:\n{screen}"));
    assert!(error.contains("pick a port"), "{error}");
    for line in error.split(['\r', '\n']) {
        assert!(
            line.chars().count() <= 50,
            "a line wider than the 50-column terminal: `{line}`"
        );
    }
    p.send("\x03").unwrap();
    p.expect(expectrl::Eof).ok();
}

#[test]
fn ctrl_c_at_a_selection_shows_the_cursor_again_and_exits_130() {
    let tmp = TempDir::new().unwrap();
    let mut p = spawn_new(&tmp, 80);
    p.expect("Project name").unwrap();
    p.send("billing-api\r").unwrap();
    let shown_so_far = p.expect("Framework").unwrap();
    let mut output = String::from_utf8_lossy(shown_so_far.before()).into_owned();
    std::thread::sleep(Duration::from_millis(200));
    p.send("\x03").unwrap();
    let rest = p.expect(expectrl::Eof).expect("pyscaffold ends");
    output.push_str(&String::from_utf8_lossy(rest.as_bytes()));
    assert!(
        output.contains("\x1b[?25l"),
        "the selection list hides the cursor"
    );
    let hidden = output.rfind("\x1b[?25l");
    let shown = output.rfind("\x1b[?25h");
    assert!(shown > hidden, "the cursor stays hidden:\n{output:?}");
    assert!(output.contains("interrupted"), "{output:?}");
    let status = p.get_process().wait().unwrap();
    assert!(
        matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 130)),
        "{status:?}"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "something was written"
    );
}

#[test]
fn init_on_a_terminal_marks_each_detected_default_and_lets_it_be_changed() {
    let (tmp, root) = crate::init::copy_fixture("flask-pip");
    let mut command = Command::new(bin());
    command
        .args(["init", "--no-lock"])
        .current_dir(&root)
        .env("TERM", "xterm-256color")
        .env("PYSCAFFOLD_NO_INDEX", "1")
        .env("NO_COLOR", "1");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    // Asked to go through the detected answers one by one, each is the default, with the file
    // and line behind it.
    answer(
        &mut p,
        &[
            ("Change any of the detected answers?", "y"),
            (
                "Project name [detected: the folder name `flask-pip`]",
                ENTER,
            ),
            ("Framework [detected: requirements.txt:2]", ENTER),
        ],
    );
    p.expect("[detected: Procfile:1]")
        .expect("the app prompt names its evidence");
    p.send(ENTER).unwrap();
    // The questions in between keep their (detected or template) defaults.
    p.set_expect_timeout(Some(Duration::from_millis(700)));
    let mut port_asked = false;
    for _ in 0..40 {
        if p.expect("Port the server listens on [detected: Procfile:1]")
            .is_ok()
        {
            port_asked = true;
            break;
        }
        p.send(ENTER).unwrap();
    }
    assert!(port_asked, "the port prompt does not name its evidence");
    p.send("\x15").unwrap(); // clear the detected default
    p.send("8080\r").unwrap();
    let mut done = false;
    for _ in 0..60 {
        if p.expect("packaged `").is_ok() {
            done = true;
            break;
        }
        p.send(ENTER).unwrap();
    }
    assert!(done, "init did not finish on a terminal");
    p.expect(expectrl::Eof).ok();
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    assert!(record.contains("port: 8080"), "{record}");
    assert!(record.contains("app: app:app"), "{record}");
    drop(tmp);
}

/// pyscaffold's own errors are coloured like the argument parser's on a terminal, and plain
/// with `NO_COLOR` or when piped.
#[test]
fn errors_are_coloured_on_a_terminal_only() {
    let tmp = TempDir::new().unwrap();
    let spawn = |no_color: bool| {
        let mut command = Command::new(bin());
        command
            .args(["new", "Bad_Name", "-y"])
            .current_dir(tmp.path())
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let mut p = Session::spawn(command).expect("spawn in a pty");
        p.set_expect_timeout(Some(Duration::from_secs(20)));
        let found = p.expect("help").expect("the error is printed");
        let mut seen = found.before().to_vec();
        seen.extend_from_slice(found.as_bytes());
        String::from_utf8_lossy(&seen).into_owned()
    };
    let coloured = spawn(false);
    let at = coloured.find("error:").expect("an error line");
    assert!(
        coloured[..at].ends_with('m') && coloured[..at].contains("\x1b["),
        "{coloured:?}"
    );
    let plain = spawn(true);
    assert!(
        plain.contains("error:") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    // Piped: no colour even without NO_COLOR.
    let out = Command::new(bin())
        .args(["new", "Bad_Name", "-y"])
        .current_dir(tmp.path())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let piped = String::from_utf8_lossy(&out.stderr);
    assert!(
        piped.starts_with("error:") && !piped.contains('\x1b'),
        "{piped:?}"
    );
}

/// The whole of what a session printed until it ended, escape sequences dropped.
fn rest_of(p: &mut expectrl::session::OsSession) -> String {
    let mut all = Vec::new();
    let _ = std::io::Read::read_to_end(p, &mut all);
    visible(&all)
}

#[test]
fn new_asks_the_essential_questions_and_offers_the_rest_in_one_step() {
    let tmp = TempDir::new().unwrap();
    let mut p = spawn_new(&tmp, 200);
    let steps: &[(&str, &str)] = &[
        ("Project name", "orders\r"),
        ("Framework", &format!("{DOWN}{DOWN}{ENTER}")),
        ("Dependency installer", ENTER),
        ("CI systems", &format!("{DOWN} {ENTER}")),
        ("Python version", ENTER),
        ("Port the server listens on", ENTER),
    ];
    answer(&mut p, steps);
    // Before the step, the defaults it would keep, with what the answers so far make them
    // (FastAPI's base image, GitHub and GitLab's scan gate).
    let shown = p.expect("Customise the image").unwrap();
    let table = visible(shown.before());
    for line in [
        "Defaults for the other questions:",
        "Base image (a mirror of the official python image works too): python:3.13-slim-trixie",
        "Health check path: /healthz",
        "Numeric user and group id the app runs as: 10001",
        "Scan the image for vulnerabilities in CI before pushing it (Trivy; CRITICAL findings fail the build)?: yes",
        "Default git branch (pushes and cache warming use it): main",
    ] {
        assert!(table.contains(line), "`{line}` missing:\n{table}");
    }
    let defaults = &table[table.find("Defaults for the other questions:").unwrap()..];
    for asked in ["Project name:", "Framework:", "Port the server listens on:"] {
        assert!(
            !defaults.contains(asked),
            "`{asked}` is not a default:\n{defaults}"
        );
    }
    // Declined: nothing else is asked.
    p.send("n").unwrap();
    let said = rest_of(&mut p);
    assert!(said.contains("created `orders`"), "{said}");
    assert!(!said.contains("Health check path ›"), "{said}");

    let interactive = read_tree(&tmp.path().join("orders"));
    let (_tmp2, unattended_root) = generate(
        "orders",
        &["--framework", "fastapi", "--ci", "github,gitlab", "-y"],
    );
    assert_eq!(interactive, read_tree(&unattended_root));
}

#[test]
fn init_shows_what_it_detected_as_one_table_and_asks_only_what_is_open() {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path().join("asked/shop");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("requirements.txt"), "flask==3.1.3\n").unwrap();
    std::fs::write(
        repo.join("app.py"),
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/healthz')\ndef health():\n    return 'ok'\n",
    )
    .unwrap();
    crate::support::commit_all(&repo, "the app");
    // The same repository under the same folder name (the project's name comes from it).
    let copy = tmp.path().join("unattended/shop");
    crate::support::copy_tree(&repo, &copy);

    let mut command = Command::new(bin());
    command
        .args(["init", "--python", "3.12", "--no-lock"])
        .current_dir(&repo)
        .env("PYSCAFFOLD_NO_INDEX", "1")
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.get_process_mut().set_window_size(200, 24).unwrap();
    p.set_expect_timeout(Some(Duration::from_secs(30)));
    let shown = p.expect("Change any of the detected answers?").unwrap();
    let table = visible(shown.before());
    for line in [
        "Detected:",
        "Framework: flask  [detected: requirements.txt:1]",
        "The app, as module:attribute or module:factory(): app:app  [detected: app.py:3]",
        "Health check path: /healthz  [detected: app.py:6]",
    ] {
        assert!(table.contains(line), "`{line}` missing:\n{table}");
    }
    // Given on the command line, the Python version is not a detection to confirm.
    assert!(!table.contains("Python version"), "{table}");
    p.send("n").unwrap();
    // Only what detection leaves open is asked: the CI, then the customise step.
    p.expect("CI systems").unwrap();
    p.send(ENTER).unwrap();
    p.expect("Customise the image").unwrap();
    p.send("n").unwrap();
    let said = rest_of(&mut p);
    assert!(said.contains("packaged `.`"), "{said}");
    assert!(!said.contains("Framework ›"), "{said}");

    let out = crate::support::command(&copy, &["init", "--python", "3.12", "--no-lock", "-y"])
        .env("PYSCAFFOLD_NO_INDEX", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    let mut interactive = read_tree(&repo);
    let mut unattended = read_tree(&copy);
    // The record says where each answer came from: `asked` for the CI here, `default` there.
    let record = ".pyscaffold.yml";
    let (a, b) = (
        interactive.remove(record).unwrap(),
        unattended.remove(record).unwrap(),
    );
    assert_eq!(
        a.lines().filter(|l| !l.contains("ci")).count(),
        b.lines().filter(|l| !l.contains("ci")).count()
    );
    interactive.retain(|k, _| !k.starts_with(".git/"));
    unattended.retain(|k, _| !k.starts_with(".git/"));
    let differ: Vec<&String> = unattended
        .keys()
        .chain(interactive.keys())
        .filter(|k| interactive.get(*k) != unattended.get(*k))
        .collect();
    assert!(differ.is_empty(), "differ: {differ:?}");
}
