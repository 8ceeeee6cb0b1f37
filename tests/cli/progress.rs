//! Progress on long work: a bar over `fleet report`'s repositories and a spinner while an
//! installer locks, drawn on a terminal only. Piped, stderr holds the command's own lines and
//! nothing else, so logs and scripts see what they always saw; read on every core, the rows
//! keep their order.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use assert_fs::TempDir;
use expectrl::{Expect, Session};

use crate::support::{bin, stderr, stdout};

/// `count` generated projects in `dir`, named s1, s2, ...
fn fleet(dir: &Path, count: usize) -> Vec<String> {
    (1..=count)
        .map(|i| {
            let name = format!("s{i}");
            let out = crate::support::run(dir, &["new", &name, "-y", "--no-lock"]);
            assert!(out.status.success(), "{}", stderr(&out));
            name
        })
        .collect()
}

/// The whole of what a session printed until it ended.
fn transcript(mut p: expectrl::session::OsSession) -> String {
    let mut all = Vec::new();
    let _ = std::io::Read::read_to_end(&mut p, &mut all);
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn fleet_report_shows_a_bar_on_a_terminal_and_nothing_when_piped() {
    let tmp = TempDir::new().unwrap();
    let names = fleet(tmp.path(), 24);

    // Piped: the report on stdout, one summary line on stderr, no drawing.
    let out = crate::support::run(
        tmp.path(),
        &[
            &["fleet", "report"],
            names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("24 repositories:"), "{err}");
    assert!(!err.contains('\r') && !err.contains("\x1b["), "{err:?}");
    assert!(!stdout(&out).contains("\x1b["), "{}", stdout(&out));
    // Read on both cores, the rows keep the order the repositories were given in.
    let listed: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert_eq!(listed, names, "{}", stdout(&out));

    // On a terminal: `N/24 repositories` with a bar while it works, then the report.
    let mut command = Command::new(bin());
    command
        .args(["fleet", "report"])
        .args(&names)
        .current_dir(tmp.path())
        .env("TERM", "xterm-256color");
    let mut p = Session::spawn(command).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(30)));
    p.expect("/24 repositories")
        .expect("a progress bar naming the count");
    let said = transcript(p);
    assert!(said.contains("24 repositories:"), "{said}");
}

#[test]
fn an_installer_locks_behind_a_spinner_and_shows_its_output_only_when_it_fails() {
    let tmp = TempDir::new().unwrap();
    // A stand-in `uv` that takes its time, talks, and fails when told to.
    let fake = tmp.path().join("bin");
    std::fs::create_dir(&fake).unwrap();
    let uv = fake.join("uv");
    std::fs::write(
        &uv,
        "#!/bin/sh\nsleep 1\necho 'resolving the noisy way'\n\
         if [ -n \"$FAIL_LOCK\" ]; then echo 'no solution for flask' >&2; exit 1; fi\n\
         : > uv.lock\n",
    )
    .unwrap();
    std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let spawn = |name: &str, fail: bool| {
        let mut command = Command::new(bin());
        command
            .args(["new", name, "--installer", "uv", "-y"])
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env("TERM", "xterm-256color");
        if fail {
            command.env("FAIL_LOCK", "1");
        }
        let mut p = Session::spawn(command).expect("spawn in a pty");
        p.set_expect_timeout(Some(Duration::from_secs(30)));
        p
    };

    // Success: the spinner, and none of the installer's chatter.
    let mut p = spawn("quiet", false);
    p.expect("uv is locking").expect("a spinner while uv runs");
    let said = transcript(p);
    assert!(!said.contains("resolving the noisy way"), "{said}");
    assert!(tmp.path().join("quiet/uv.lock").exists());

    // Failure: the installer's output is shown, with the command to run again.
    let p = spawn("broken", true);
    let said = transcript(p);
    assert!(said.contains("no solution for flask"), "{said}");
    assert!(said.contains("resolving the noisy way"), "{said}");
    assert!(said.contains("`uv lock` failed"), "{said}");

    // Piped, the installer's output goes through as it comes (CI logs keep it).
    let out = Command::new(bin())
        .args(["new", "logged", "--installer", "uv", "-y"])
        .current_dir(tmp.path())
        .env("PATH", &path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let logged = format!("{}{}", stdout(&out), stderr(&out));
    assert!(logged.contains("resolving the noisy way"), "{logged}");
    assert!(!logged.contains("uv is locking"), "{logged}");
}
