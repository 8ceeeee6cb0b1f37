//! A run that is stopped half-way never leaves a half-changed project: the writer is stopped
//! after each of its steps (a test-build hook that aborts the process, as SIGKILL would), and
//! real SIGKILL and SIGTERM are sent at spread-out moments. After each, the next command finds
//! the project exactly as it was before the run or as the finished run leaves it, byte for byte,
//! `upgrade --check` says which, and running `upgrade` again gives the finished result. Two
//! commands in one project take turns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use assert_fs::TempDir;

use crate::support::{command, copy_tree, generate, run, stderr};

/// Every entry under `root`: folders as `dir/`, files with their bytes and executable bit.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if entry.file_type().is_dir() {
            out.insert(format!("{rel}/"), Vec::new());
        } else {
            let mut bytes = std::fs::read(entry.path()).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = entry.metadata().unwrap().permissions().mode() & 0o111;
                bytes.extend(format!("\nmode {mode:o}").into_bytes());
            }
            out.insert(rel, bytes);
        }
    }
    out
}

/// Which of the two states a tree is in, and what it differs in from each when neither.
fn which(
    tree: &BTreeMap<String, Vec<u8>>,
    before: &Tree,
    after: &Tree,
) -> Result<&'static str, String> {
    if tree == &before.files {
        return Ok("before");
    }
    if tree == &after.files {
        return Ok("after");
    }
    let differ = |other: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> = tree.keys().chain(other.keys()).collect();
        keys.into_iter()
            .filter(|k| tree.get(*k) != other.get(*k))
            .cloned()
            .collect()
    };
    Err(format!(
        "neither before nor after: differs from before in {:?}, from after in {:?}",
        differ(&before.files),
        differ(&after.files)
    ))
}

/// A state of the project and what `upgrade --check` exits with there.
struct Tree {
    files: BTreeMap<String, Vec<u8>>,
    check: Option<i32>,
}

/// A 0.2.0 project with an edit of the user's that the upgrade merges, and the trees before
/// and after `upgrade -y`.
struct Fixture {
    _tmp: TempDir,
    project: PathBuf,
    before: Tree,
    after: Tree,
}

fn fixture() -> Fixture {
    let (tmp, project) = generate("demo", &["-y", "--template-version", "0.2.0"]);
    let dockerfile = project.join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    let edited = text.replacen(
        "WORKDIR /app\n",
        "WORKDIR /app\nLABEL com.example.team=\"payments\"\n",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&dockerfile, edited).unwrap();
    let check = |root: &Path| run(root, &["upgrade", "--check"]).status.code();
    let before = Tree {
        files: snapshot(&project),
        check: check(&project),
    };
    let done = tmp.path().join("done");
    copy_tree(&project, &done);
    let out = run(&done, &["upgrade", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = Tree {
        files: snapshot(&done),
        check: check(&done),
    };
    assert_ne!(before.check, after.check, "--check must tell the two apart");
    Fixture {
        _tmp: tmp,
        project,
        before,
        after,
    }
}

/// After an interrupted run in `root`: the next command (`upgrade --check`) finds the before
/// or the after tree and says which; `upgrade` then finishes the job.
fn assert_whole(fx: &Fixture, root: &Path, what: &str) -> &'static str {
    let check = run(root, &["upgrade", "--check"]);
    let state = which(&snapshot(root), &fx.before, &fx.after)
        .unwrap_or_else(|e| panic!("{what}: {e}\n{}", stderr(&check)));
    let expected = if state == "before" {
        fx.before.check
    } else {
        fx.after.check
    };
    assert_eq!(
        check.status.code(),
        expected,
        "{what}: --check in the {state} state\n{}",
        stderr(&check)
    );
    let again = run(root, &["upgrade", "-y"]);
    assert!(again.status.success(), "{what}: {}", stderr(&again));
    assert_eq!(
        which(&snapshot(root), &fx.before, &fx.after),
        Ok("after"),
        "{what}: upgrade after the interruption"
    );
    state
}

fn fresh_copy(fx: &Fixture, name: &str) -> PathBuf {
    let root = fx.project.parent().unwrap().join(name);
    if root.exists() {
        std::fs::remove_dir_all(&root).unwrap();
    }
    copy_tree(&fx.project, &root);
    root
}

/// A user whose home folder does not exist (a service account, a container's `nobody`) still
/// gets an interrupted run undone: the seal goes to a folder of the user's own in the
/// temporary folder, and the missing home is not made. With no state folder writable at all,
/// the run stops before it changes anything.
#[test]
fn without_a_home_folder_the_seal_goes_to_the_temporary_folder() {
    let fx = fixture();
    let root = fresh_copy(&fx, "homeless");
    let scratch = root.parent().unwrap().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let home = scratch.join("no-such-home");
    // `/var/tmp`, kept across reboots, comes first; the test build takes a stand-in for it.
    let homeless = |args: &[&str], temp: &Path| {
        let mut cmd = command(&root, args);
        cmd.env("HOME", &home)
            .env_remove("XDG_STATE_HOME")
            .env_remove("PYSCAFFOLD_STATE_DIR")
            .env("PYSCAFFOLD_TEST_VAR_TMP", temp)
            .env("TMPDIR", temp.join("tmp"));
        cmd
    };
    // Stopped in the middle of putting files in place (after the journal, steps 1 to 3 being
    // staging, journal and the first move): the next command undoes it.
    let temp = scratch.join("var-tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let out = homeless(&["upgrade", "-y"], &temp)
        .env("PYSCAFFOLD_TEST_STOP_AFTER", "6")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("stopping after writer step 6"),
        "{}",
        stderr(&out)
    );
    assert!(!home.exists(), "the missing home folder was made");
    let uid = std::fs::metadata(&root).map(|m| {
        use std::os::unix::fs::MetadataExt as _;
        m.uid()
    });
    let state = temp.join(format!("pyscaffold-state-{}", uid.unwrap()));
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", state.display());
    }
    let check = homeless(&["upgrade", "--check"], &temp).output().unwrap();
    assert!(
        stderr(&check).contains("its changes were undone"),
        "recovery did not undo the run: {}",
        stderr(&check)
    );
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("before"));

    // A state folder named inside the project would travel with it: refused.
    for (var, value) in [
        ("PYSCAFFOLD_STATE_DIR", root.join(".state")),
        ("XDG_STATE_HOME", root.join("state")),
    ] {
        let out = homeless(&["upgrade", "-y"], &temp)
            .env(var, &value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is inside the project"),
            "{var}: {}",
            stderr(&out)
        );
        assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("before"));
    }

    // Nothing writable: the state folder and the temporary folders lie under a file.
    let file = scratch.join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = homeless(&["upgrade", "-y"], &file.join("var-tmp"))
        .env("PYSCAFFOLD_STATE_DIR", file.join("state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot keep the seal that lets an interrupted run be undone"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("help: set PYSCAFFOLD_STATE_DIR"),
        "{}",
        stderr(&out)
    );
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("before"));
    let out = homeless(&["upgrade", "-y"], &temp).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("after"));
}

#[test]
fn stopped_after_any_writer_step_the_next_command_finds_before_or_after() {
    let fx = fixture();
    let mut states = BTreeMap::new();
    let mut step = 1;
    loop {
        let root = fresh_copy(&fx, "stopped");
        let out = command(&root, &["upgrade", "-y"])
            .env("PYSCAFFOLD_TEST_STOP_AFTER", step.to_string())
            .output()
            .unwrap();
        if out.status.success() {
            // Past the last step: the run finished.
            assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("after"));
            break;
        }
        assert!(
            stderr(&out).contains(&format!("stopping after writer step {step}")),
            "step {step}: {}",
            stderr(&out)
        );
        let state = assert_whole(&fx, &root, &format!("stopped after step {step}"));
        *states.entry(state).or_insert(0) += 1;
        step += 1;
        assert!(step < 1000, "the writer never finished");
    }
    eprintln!(
        "writer stopped after each of {} steps: {states:?}",
        step - 1
    );
    // Staging, the journal, every file operation, the commit marker, the cleanup.
    assert!(step > 20, "only {step} steps");
    assert!(states.get("before").is_some_and(|n| *n > 10), "{states:?}");
    assert_eq!(states.get("after"), Some(&2), "{states:?}");
}

/// Runs `upgrade -y` in `root` and sends `signal` after `delay`.
fn signalled(root: &Path, signal: &str, delay: Duration) -> Output {
    let mut child = command(root, &["upgrade", "-y"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status();
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

#[test]
fn real_signals_at_any_moment_leave_before_or_after() {
    let fx = fixture();
    // How long a whole run takes here, to spread the signals over it.
    let root = fresh_copy(&fx, "timed");
    let started = Instant::now();
    assert!(run(&root, &["upgrade", "-y"]).status.success());
    let took = started.elapsed();
    for signal in ["KILL", "TERM", "INT"] {
        for i in 0..8u32 {
            let root = fresh_copy(&fx, "signalled");
            let delay = took * i / 7;
            let out = signalled(&root, signal, delay);
            let what = format!("SIG{signal} after {delay:?}");
            if signal != "KILL" && !out.status.success() {
                let code = out.status.code();
                let expected = if signal == "TERM" { 143 } else { 130 };
                assert!(
                    code == Some(expected) || code.is_none(),
                    "{what}: {code:?}\n{}",
                    stderr(&out)
                );
            }
            let state = assert_whole(&fx, &root, &what);
            eprintln!("{what}: {state}");
        }
    }
}

#[test]
fn a_signal_while_files_are_put_in_place_waits_until_all_are() {
    let fx = fixture();
    let root = fresh_copy(&fx, "deferred");
    // Step 5 is an operation in the middle of the commit phase.
    let out = command(&root, &["upgrade", "-y"])
        .env("PYSCAFFOLD_TEST_SIGNAL_AFTER", "5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the change was completed first"),
        "{}",
        stderr(&out)
    );
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("after"));
}

#[test]
fn a_second_command_waits_for_the_first() {
    let fx = fixture();
    let root = fresh_copy(&fx, "locked");
    // Another pyscaffold holds the project: the lock is the folder's own flock.
    let held = std::fs::File::open(&root).unwrap();
    held.lock().unwrap();
    let mut child = command(&root, &["upgrade", "-y"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the upgrade did not wait for the lock"
    );
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("before"));
    held.unlock().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("waiting: another pyscaffold command is changing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("after"));

    // Two upgrades started together: one upgrades, the other then finds nothing to do.
    let root = fresh_copy(&fx, "racing");
    let spawn = || {
        command(&root, &["upgrade", "-y"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let upgraded = outs
        .iter()
        .filter(|o| stderr(o).contains("upgraded from templates 0.2.0"))
        .count();
    let up_to_date = outs
        .iter()
        .filter(|o| stderr(o).contains("up to date"))
        .count();
    for out in &outs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    assert_eq!((upgraded, up_to_date), (1, 1));
    assert_eq!(which(&snapshot(&root), &fx.before, &fx.after), Ok("after"));
}

#[test]
fn a_planted_staging_folder_is_never_trusted() {
    let (_tmp, root) = generate("demo", &["-y", "--template-version", "0.8.0"]);
    let before = snapshot(&root);
    let stage = root.join(".pyscaffold-staging-evil");
    std::fs::create_dir_all(stage.join("old")).unwrap();
    std::fs::write(stage.join("old/x"), "PWNED\n").unwrap();
    let outside = root.parent().unwrap().join("pwned.txt");
    for (path, says) in [
        (
            outside.display().to_string(),
            "not a path inside the project",
        ),
        ("../pwned.txt".to_string(), "not a path inside the project"),
        (
            ".git/hooks/post-checkout".to_string(),
            "not a path inside the project",
        ),
        // Inside the project, but no run here wrote it: its seal is missing.
        (
            "compose.yaml".to_string(),
            "that no pyscaffold run of this user's on this machine left",
        ),
        (
            "src/evil.py".to_string(),
            "that no pyscaffold run of this user's on this machine left",
        ),
    ] {
        let journal = serde_json::json!({"journal": 1, "ops": [{"op": "aside", "path": path, "backup": "old/x"}]});
        std::fs::write(stage.join("journal.json"), journal.to_string()).unwrap();
        let out = run(&root, &["upgrade", "--check"]);
        assert_eq!(out.status.code(), Some(2), "{path}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{path}: {}", stderr(&out));
        assert!(!outside.exists());
    }
    // A staging path through a symbolic link reaches outside: refused.
    let elsewhere = root.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("victim.txt"), "theirs\n").unwrap();
    std::fs::remove_dir_all(stage.join("old")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, stage.join("old")).unwrap();
    let journal = serde_json::json!({"journal": 1, "ops": [{"op": "aside", "path": "stolen.txt", "backup": "old/victim.txt"}]});
    std::fs::write(stage.join("journal.json"), journal.to_string()).unwrap();
    let out = run(&root, &["upgrade", "--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("through a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(elsewhere.join("victim.txt").exists());
    std::fs::remove_dir_all(&stage).unwrap();
    assert_eq!(snapshot(&root), before);
    // A staging folder that came with the repository (git tracks it) is not a run of this
    // machine's, whatever its journal says.
    crate::support::commit_all(&root, "generated");
    std::fs::create_dir_all(stage.join("old")).unwrap();
    std::fs::write(stage.join("old/compose.yaml"), "x\n").unwrap();
    let journal = serde_json::json!({"journal": 1, "ops": [{"op": "mkdir", "path": "z"}]});
    std::fs::write(stage.join("journal.json"), journal.to_string()).unwrap();
    crate::support::commit_all(&root, "a staging folder committed");
    let out = run(&root, &["upgrade", "--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is part of the repository"),
        "{}",
        stderr(&out)
    );
    assert!(stage.join("old/compose.yaml").exists());
}
