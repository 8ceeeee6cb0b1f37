//! The real prompts, driven through a pseudo-terminal: every question answered by keystrokes
//! (one invalid answer re-asked), and the result compared with the unattended run.

use std::process::Command;
use std::time::Duration;

use assert_fs::TempDir;
use expectrl::{Expect, Session};

use crate::support::{bin, generate, read_tree};

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

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
        ("Debian release", &format!("{DOWN}{ENTER}")),
        ("Base image", ENTER),
    ];
    for (prompt, keys) in steps {
        p.expect(*prompt)
            .unwrap_or_else(|e| panic!("waiting for `{prompt}`: {e}"));
        p.send(keys).unwrap();
    }
    // An invalid port is refused with the validation message and asked again.
    p.expect("Port the server listens on").unwrap();
    p.send("80\r").unwrap();
    p.expect("pick a port from 1024 to 65535").unwrap();
    p.send("\x15").unwrap(); // clear the line
    p.send("9000\r").unwrap();
    let rest: &[(&str, &str)] = &[
        ("Health check path", ENTER),
        ("How often Docker checks the health endpoint", ENTER),
        ("runtime image", "libpq5\r"),
        ("build stage only", ENTER),
        ("Numeric user and group id", ENTER),
        ("Pre-compile Python bytecode", ENTER),
        ("private git repositories", ENTER),
        ("Image repository CI pushes to", ENTER),
        ("Default git branch", ENTER),
    ];
    for (prompt, keys) in rest {
        p.expect(*prompt)
            .unwrap_or_else(|e| panic!("waiting for `{prompt}`: {e}"));
        p.send(keys).unwrap();
    }
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
    // Only the question 0.3.0 added is asked (0.4.0 adds none); every recorded answer is
    // carried over.
    p.expect("How often Docker checks the health endpoint")
        .expect("the new question is asked");
    p.send("\x15").unwrap(); // clear the default shown in the line
    p.send("1m\r").unwrap();
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
}
