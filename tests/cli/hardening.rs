//! Defects of earlier template versions, each shown on the version that had it and proven
//! fixed in the newest: credentials in the image's source label, worker counts that ignore CPU
//! quotas, the `build_env` secret read by two installers only, unpinned build backends,
//! CircleCI pushing to an unnamed registry, and answers that were accepted but cannot work.

use std::path::Path;
use std::process::Command;

use crate::support::{generate, run, run_tool, stderr, tool};

const LAST_WITH_DEFECTS: &str = "0.3.0";

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// `python3 docker/build.py --dry-run` in a git repository whose origin is `origin`.
fn dry_run_with_origin(version: Option<&str>, origin: &str) -> String {
    let python = tool("python3").expect("checked by the caller");
    let mut args = vec!["-y", "--no-lock"];
    if let Some(v) = version {
        args.extend(["--template-version", v]);
    }
    let (_tmp, root) = generate("demo", &args);
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["remote", "add", "origin", origin]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "generated"]);
    let (ok, text) = run_tool(&python, &["docker/build.py", "--dry-run"], &root);
    assert!(ok, "build.py --dry-run failed:\n{text}");
    text
}

#[test]
fn the_source_label_and_the_build_log_never_carry_credentials() {
    if tool("python3").is_none() {
        return;
    }
    let secret = "glpat-s3cr3t-token";
    let origin = format!("https://gitlab-ci-token:{secret}@gitlab.example.com/group/repo.git");
    let old = dry_run_with_origin(Some(LAST_WITH_DEFECTS), &origin);
    assert!(
        old.contains(secret),
        "{LAST_WITH_DEFECTS} leaked the token; the test no longer shows it:\n{old}"
    );
    let new = dry_run_with_origin(None, &origin);
    assert!(!new.contains(secret), "the token reached the build:\n{new}");
    assert!(
        new.contains("SOURCE_URL=https://gitlab.example.com/group/repo.git"),
        "{new}"
    );
    for (origin, public) in [
        (
            "https://someone@github.com/acme/api.git",
            "SOURCE_URL=https://github.com/acme/api.git",
        ),
        (
            "git@github.com:acme/api.git",
            "SOURCE_URL=https://github.com/acme/api.git",
        ),
        (
            "ssh://git:pw@git.example.com:2222/acme/api.git",
            "SOURCE_URL=ssh://git.example.com:2222/acme/api.git",
        ),
        // An IPv6 host keeps its brackets; a port that is not a number does not crash it.
        (
            "https://ci:pw@[::1]:8443/acme/api.git",
            "SOURCE_URL=https://[::1]:8443/acme/api.git",
        ),
        (
            "https://ci:pw@git.example.com:http/acme/api.git",
            "SOURCE_URL=https://git.example.com:http/acme/api.git",
        ),
    ] {
        let out = dry_run_with_origin(None, origin);
        assert!(out.contains(public), "{origin}: {out}");
        assert!(!out.contains(":pw@"), "{origin}: {out}");
    }
}

/// How many objects `docker/gunicorn.conf.py`'s worker hook leaves frozen (0 without a hook),
/// and whether a worker sent SIGTERM while it was starting still runs once it is ready.
const FREEZE: &str = r#"
import gc, importlib.util, sys
spec = importlib.util.spec_from_file_location("conf", sys.argv[1])
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
import os, signal, types
worker = types.SimpleNamespace(alive=True)
if hasattr(conf, "post_fork"):
    conf.post_fork(None, worker)
else:  # as the master's inherited handler does, the signal goes nowhere the worker sees
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
# `docker stop` while the worker starts: before it has its own signal handlers.
os.kill(os.getpid(), signal.SIGTERM)
hook = getattr(conf, "post_worker_init", None)
if hook is not None:
    try:
        hook(worker)
    except SystemExit:  # 0.14.0 on: the worker exits, whatever its class
        worker.alive = False
print(gc.get_freeze_count(), worker.alive)
"#;

/// On `docker stop` every worker exits at once, and before 0.5.0 each spent about a tenth of a
/// second of CPU collecting its whole heap while the interpreter shut down (a Django image took
/// 0.7 s to stop once its workers were up, 1.2 s right after start). A worker that freezes what
/// startup made exits in milliseconds. Timing it here would be flaky on a shared machine: the
/// end-to-end tests print each stack's `docker stop` time, and bench/ measures it.
#[test]
fn gunicorn_workers_freeze_their_startup_objects_so_they_exit_at_once() {
    let Some(python) = tool("python3") else {
        return;
    };
    let frozen = |args: &[&str]| -> (usize, bool) {
        let mut all = vec!["-y", "--no-lock"];
        all.extend_from_slice(args);
        let (_tmp, root) = generate("demo", &all);
        let conf = root.join("docker/gunicorn.conf.py");
        let (ok, text) = run_tool(&python, &["-c", FREEZE, conf.to_str().unwrap()], &root);
        assert!(ok, "{args:?}: {text}");
        let (count, alive) = text.trim().split_once(' ').unwrap();
        (count.parse().unwrap(), alive == "True")
    };
    // 0.4.0 froze nothing, and a worker told to stop while starting served on until the
    // graceful timeout (`docker stop` took 5 s about once in fifteen right after start).
    assert_eq!(frozen(&["--template-version", "0.4.0"]), (0, true));
    for framework in ["flask", "django", "fastapi", "wsgi", "asgi"] {
        let (count, alive) = frozen(&["--framework", framework]);
        assert!(count > 0, "{framework}: the worker hook froze nothing");
        assert!(!alive, "{framework}: a SIGTERM during start-up was lost");
    }
}

/// A gunicorn config that runs the generated one, with a `post_fork` hook that sends the master
/// SIGTERM (`docker stop`) while this worker starts: `before` the generated hook runs (the
/// worker still has the master's handlers, which queue the signal in this process's copy of
/// the master's queue) or `after` it (before the worker class sets up its own). It waits until
/// the signal has arrived, so the race is the same on every run.
const STOP_WHILE_STARTING: &str = r#"
import importlib.util, os, signal, sys, time
_spec = importlib.util.spec_from_file_location("generated", os.environ["GENERATED_CONF"])
_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gen)
globals().update({k: v for k, v in vars(_gen).items() if not k.startswith("__")})
worker_class = os.environ["WORKER_CLASS"]

def _stop_master(arrived):
    os.kill(os.getppid(), signal.SIGTERM)
    for _ in range(1000):
        if arrived():
            return
        time.sleep(0.01)
    raise SystemExit("the master's SIGTERM never reached this worker")

def _queued(server):
    queue = server.SIG_QUEUE
    return bool(queue) if isinstance(queue, list) else not queue.empty()

def post_fork(server, worker):
    if os.environ["WHEN"] == "before":
        _stop_master(lambda: _queued(server))
    _gen.post_fork(server, worker)
    if os.environ["WHEN"] == "after":
        _stop_master(lambda: getattr(worker, "stop_requested", False))
"#;

const STOP_APP: &str = r#"
def wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

async def asgi(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"#;

/// `docker stop` while gunicorn is still starting its workers (the smoke test stops the
/// container right after its first answer, and on two busy cores a fifth worker can still be
/// forking): every worker exits by itself, for both worker classes, instead of serving on until
/// the master kills it at the graceful timeout. The worker's own "Worker exiting" line shows it;
/// a worker killed at the timeout logs nothing.
#[test]
fn gunicorn_workers_told_to_stop_while_starting_exit_by_themselves() {
    let Some(gunicorn) = tool("gunicorn") else {
        return;
    };
    let exits = |version: Option<&str>, when: &str, class: &str| -> bool {
        let mut args = vec!["-y", "--no-lock"];
        if let Some(v) = version {
            args.extend(["--template-version", v]);
        }
        let (_tmp, root) = generate("demo", &args);
        std::fs::write(root.join("stop_while_starting.py"), STOP_WHILE_STARTING).unwrap();
        std::fs::write(root.join("stop_app.py"), STOP_APP).unwrap();
        let app = if class == "gthread" { "wsgi" } else { "asgi" };
        let out = Command::new(&gunicorn)
            .args(["-c", "stop_while_starting.py", &format!("stop_app:{app}")])
            .env("GENERATED_CONF", root.join("docker/gunicorn.conf.py"))
            .env("WHEN", when)
            .env("WORKER_CLASS", class)
            .env("PORT", "0")
            .env("WEB_CONCURRENCY", "1")
            .env("GUNICORN_GRACEFUL_TIMEOUT", "2")
            .current_dir(&root)
            .output()
            .expect("gunicorn runs");
        let log = stderr(&out);
        assert!(
            log.contains("Handling signal: term") && log.contains("Shutting down: Master"),
            "{version:?} {when} {class}: the master did not stop:\n{log}"
        );
        assert!(
            !log.contains("never reached"),
            "{version:?} {when} {class}:\n{log}"
        );
        log.contains("Worker exiting")
    };
    let classes = ["gthread", "uvicorn_worker.UvicornWorker"];
    // 0.13.0 lost a stop that came before its hook, and an ASGI worker ignored the flag it set.
    assert!(!exits(Some("0.13.0"), "before", classes[0]));
    assert!(!exits(Some("0.13.0"), "before", classes[1]));
    assert!(exits(Some("0.13.0"), "after", classes[0]));
    assert!(!exits(Some("0.13.0"), "after", classes[1]));
    for when in ["before", "after"] {
        for class in classes {
            assert!(
                exits(None, when, class),
                "{when} {class}: the worker served on until it was killed"
            );
        }
    }
}

/// `docker/gunicorn.conf.py`'s CPU count for a fake cgroup tree, next to the cpuset's count.
const CPUS: &str = r#"
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("conf", sys.argv[1])
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
print(len(os.sched_getaffinity(0)), conf._cpus(*sys.argv[2:]))
"#;

#[test]
fn gunicorn_sizes_workers_by_the_containers_cpu_quota() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (_tmp, root) = generate("demo", &["-y", "--no-lock"]);
    let (_old_tmp, old_root) = generate(
        "demo",
        &["-y", "--no-lock", "--template-version", LAST_WITH_DEFECTS],
    );
    let cgroups = root.parent().unwrap().join("cgroups");
    let write = |dir: &str, file: &str, text: &str| {
        let path = cgroups.join(dir).join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("v2-half", "cpu.max", "50000 100000\n");
    write("v2-none", "cpu.max", "max 100000\n");
    write("v1-one", "cpu/cpu.cfs_quota_us", "100000\n");
    write("v1-one", "cpu/cpu.cfs_period_us", "100000\n");
    write("v1-none", "cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    write("v1-none", "cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    let count = |root: &Path, case: Option<&str>| -> (usize, usize) {
        let conf = root.join("docker/gunicorn.conf.py");
        let mut args = vec!["-c", CPUS, conf.to_str().unwrap()];
        let dir = case.map(|c| cgroups.join(c).to_string_lossy().into_owned());
        if let Some(dir) = &dir {
            args.push(dir);
        }
        let (ok, text) = run_tool(&python, &args, root);
        assert!(ok, "{text}");
        let mut parts = text.split_whitespace().map(|n| n.parse::<usize>().unwrap());
        (parts.next().unwrap(), parts.next().unwrap())
    };
    // The old config has no cgroup parameter at all: it always counts the cpuset.
    let (affinity, old) = count(&old_root, None);
    assert_eq!(old, affinity);
    assert_eq!(
        count(&root, Some("v2-half")).1,
        1,
        "a half-CPU quota is one CPU"
    );
    assert_eq!(
        count(&root, Some("v1-one")).1,
        1,
        "cgroup v1 quota of one CPU"
    );
    assert_eq!(
        count(&root, Some("v2-none")).1,
        affinity,
        "no quota: the cpuset"
    );
    assert_eq!(
        count(&root, Some("v1-none")).1,
        affinity,
        "v1 without quota"
    );
    assert_eq!(count(&root, Some("missing")).1, affinity, "no cgroup files");
}

#[test]
fn every_installer_reads_the_build_env_secret_before_it_installs() {
    for installer in ["pip", "pip-tools", "pipenv", "poetry", "flit", "uv", "pdm"] {
        let (_tmp, root) = generate("demo", &["-y", "--no-lock", "--installer", installer]);
        let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
        let runs: Vec<&str> = dockerfile
            .split("\nRUN ")
            .filter(|r| r.contains("id=build_env"))
            .collect();
        assert!(!runs.is_empty(), "{installer}: no RUN mounts build_env");
        for run in runs {
            let sourced = run
                .find(". /run/secrets/build_env")
                .unwrap_or_else(|| panic!("{installer}: build_env mounted, never read:\n{run}"));
            let mut calls = 0;
            for tool_call in [
                "pip install",
                "pip wheel",
                "bin/python\" install",
                "bin/python install",
                "bin/python wheel",
                "poetry install",
                "uv sync",
                "pdm export",
                "pipenv verify",
            ] {
                if let Some(at) = run.find(tool_call) {
                    calls += 1;
                    assert!(
                        sourced < at,
                        "{installer}: `{tool_call}` runs before build_env is read"
                    );
                }
            }
            assert!(
                calls > 0,
                "{installer}: a RUN mounts build_env but runs no installer this test knows:\n{run}"
            );
        }
        if dockerfile.contains(">/tmp/requirements.txt")
            || dockerfile.contains("--output /tmp/requirements.txt")
        {
            // An exported list may carry an index URL expanded from the secret: never a layer.
            assert!(
                dockerfile.contains("&& rm -f /tmp/requirements.txt"),
                "{installer}: the exported requirements stay in the layer"
            );
        }
        if ["poetry", "flit", "uv", "pdm"].contains(&installer) {
            assert!(dockerfile.contains("--no-build-isolation"), "{installer}");
            assert!(dockerfile.contains("--require-hashes --no-deps -r /tmp/backend.txt"));
        }
    }
}

#[test]
fn circleci_needs_an_image_repository() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let out = run(
        tmp.path(),
        &["new", "svc", "-y", "--no-lock", "--ci", "circleci"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("CircleCI has no image registry of its own"),
        "{err}"
    );
    assert!(err.contains("help: give it, e.g. `--image"), "{err}");
    assert!(!tmp.path().join("svc").exists(), "something was written");

    let (_tmp, root) = generate(
        "svc",
        &["-y", "--no-lock", "--ci", "circleci", "--image", "acme/svc"],
    );
    let config = std::fs::read_to_string(root.join(".circleci/config.yml")).unwrap();
    assert!(config.contains("IMAGE: acme/svc"), "{config}");
    // Docker Hub's `acme/svc` has no registry host to log in to.
    assert!(config.contains(r#"case "$registry" in *.*|*:*|localhost) ;; *) registry="" ;; esac"#));
}

/// Answers earlier versions accepted that cannot work: exit 2, the reason, the fix, nothing
/// written; the older version accepted each.
#[test]
fn answers_that_cannot_work_are_refused() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--set", "base_image=ubuntu:24.04"],
            "use the official `python` image or a mirror of it",
            "help: `base_image`",
        ),
        (
            &["--health-path", "/../etc"],
            "without `.` or `..` segments",
            "help: `health_path`",
        ),
        (
            &["--set", "default_branch=x..y"],
            "git refuses `..`",
            "help: `default_branch`",
        ),
        (
            &["--set", "default_branch=feature.lock"],
            "ending with `.lock`",
            "help:",
        ),
        (
            &[
                "--python",
                "3.12",
                "--set",
                "base_image=python:3.13-slim-trixie",
            ],
            "runs Python 3.13, but `python_version` is 3.12",
            "help: give `--python 3.13` to match it",
        ),
    ];
    for (args, error, help) in cases {
        let tmp = assert_fs::TempDir::new().unwrap();
        let mut all = vec!["new", "svc", "-y", "--no-lock"];
        all.extend_from_slice(args);
        let out = run(tmp.path(), &all);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(error), "{args:?}: {err}");
        assert!(err.contains(help), "{args:?}: {err}");
        assert!(!tmp.path().join("svc").exists(), "{args:?} wrote files");

        all.extend(["--template-version", LAST_WITH_DEFECTS]);
        let old = run(tmp.path(), &all);
        assert!(
            old.status.success(),
            "{LAST_WITH_DEFECTS} refused {args:?} too"
        );
    }
    // Valid shapes the new checks must keep accepting.
    for args in [
        &["--health-path", "/health/live/"][..],
        &["--health-path", "/"],
        &["--set", "default_branch=release/2.x"],
        &[
            "--python",
            "3.12",
            "--set",
            "base_image=registry.example.com:5000/mirror/python:3.12.7-slim-bookworm",
        ],
    ] {
        let tmp = assert_fs::TempDir::new().unwrap();
        let mut all = vec!["new", "svc", "-y", "--no-lock"];
        all.extend_from_slice(args);
        let out = run(tmp.path(), &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn pip_tools_has_one_lock_command_everywhere() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let lock_said = |version: Option<&str>| -> (String, String, String) {
        let name = format!("pt{}", version.map_or("new".into(), |v| v.replace('.', "")));
        let mut args = vec![
            "new",
            name.as_str(),
            "-y",
            "--no-lock",
            "--installer",
            "pip-tools",
        ];
        if let Some(v) = version {
            args.extend(["--template-version", v]);
        }
        let out = run(tmp.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let root = tmp.path().join(&name);
        let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap();
        (stderr(&out), read("Dockerfile"), read("README.Docker.md"))
    };
    let (old_summary, old_dockerfile, _) = lock_said(Some(LAST_WITH_DEFECTS));
    assert!(old_summary.contains("pip-compile --quiet"), "{old_summary}");
    assert!(old_dockerfile.contains("python3 docker/pin.py"));
    let (summary, dockerfile, readme) = lock_said(None);
    for (what, text) in [
        ("summary", &summary),
        ("Dockerfile", &dockerfile),
        ("README.Docker.md", &readme),
    ] {
        assert!(text.contains("python3 docker/pin.py"), "{what}: {text}");
        assert!(
            !text.contains("pip-compile --quiet"),
            "{what} names another lock command"
        );
    }

    // And the one command works here, writing hashes and no index URL.
    let (Some(python), Some(_)) = (tool("python3"), tool("pip-compile")) else {
        return;
    };
    let root = tmp.path().join("ptnew");
    let out = Command::new(python)
        .args(["docker/pin.py"])
        .current_dir(&root)
        .env("PATH", crate::support::tools_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "docker/pin.py: {}", stderr(&out));
    let pins = std::fs::read_to_string(root.join("requirements.txt")).unwrap();
    assert!(pins.contains("--hash=sha256:"), "{pins}");
    assert!(!pins.contains("--index-url"), "{pins}");
}

/// The ignore rules a repository commonly carries: GitHub's Python template and the
/// generated `.gitignore` and `.dockerignore`.
fn common_ignores(root: &Path) -> ignore::gitignore::Gitignore {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    for line in include_str!("common_python.gitignore").lines() {
        builder.add_line(None, line).unwrap();
    }
    for file in [".gitignore", ".dockerignore"] {
        if let Ok(text) = std::fs::read_to_string(root.join(file)) {
            for line in text.lines() {
                builder.add_line(None, line).unwrap();
            }
        }
    }
    builder.build().unwrap()
}

#[test]
fn no_common_ignore_rule_swallows_a_generated_file_git_needs() {
    for stack in [
        "",
        "--framework django --installer poetry",
        "--framework fastapi --installer uv --ci gitlab",
        "--framework worker --installer pdm --set upgrade_job=true",
    ] {
        let mut args: Vec<&str> = stack.split_whitespace().collect();
        args.extend(["--no-lock", "-y"]);
        let (_tmp, root) = generate("svc-lib", &args);
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&root);
        for line in include_str!("common_python.gitignore").lines() {
            builder.add_line(None, line).unwrap();
        }
        let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
        for line in gitignore.lines() {
            builder.add_line(None, line).unwrap();
        }
        let rules = builder.build().unwrap();
        for path in crate::support::read_tree(&root).keys() {
            assert!(
                !rules
                    .matched_path_or_any_parents(root.join(path), false)
                    .is_ignore(),
                "{args:?}: `{path}` is ignored by a common .gitignore rule, so a clean clone \
                 lacks it"
            );
        }
    }
}

#[test]
fn project_names_that_ignore_rules_or_imports_would_swallow_are_refused() {
    let (_tmp, root) = generate("demo", &["-y"]);
    let rules = common_ignores(&root);
    let name = regex::Regex::new("^[a-z]([a-z0-9-]*[a-z0-9])?$").unwrap();
    let tmp = assert_fs::TempDir::new().unwrap();
    let mut checked = 0;
    for word in include_str!("common_python.gitignore")
        .lines()
        .chain([
            "asyncio",
            "pytest",
            "typing-extensions",
            "anyio",
            "ssl",
            "h11",
        ])
        .map(|l| l.trim_start_matches('/').trim_end_matches('/'))
        .filter(|w| name.is_match(w))
    {
        // A package of that name: ignored by a rule, or shadowing an import.
        let module = word.replace('-', "_");
        let swallowed = rules
            .matched_path_or_any_parents(root.join(&module).join("app.py"), false)
            .is_ignore();
        let imported = !include_str!("common_python.gitignore").contains(word);
        if !(swallowed || imported) {
            continue;
        }
        checked += 1;
        let out = run(tmp.path(), &["new", word, "-y", "--dry-run"]);
        assert_eq!(out.status.code(), Some(2), "`new {word}` was accepted");
        assert!(
            stderr(&out).contains("is not a valid project name"),
            "{word}: {}",
            stderr(&out)
        );
    }
    assert!(checked >= 20, "only {checked} names checked");
}

/// The HEALTHCHECK script against a loopback server answering `status`: its exit code.
fn healthcheck_exit(root: &Path, status: u16) -> i32 {
    let python = tool("python3").expect("checked by the caller");
    let script = format!(
        "import http.server, os, subprocess, sys, threading\n\
         class H(http.server.BaseHTTPRequestHandler):\n\
         \x20   def do_GET(self):\n\
         \x20       self.send_response({status})\n\
         \x20       self.send_header('Location', '/elsewhere')\n\
         \x20       self.end_headers()\n\
         \x20   def log_message(self, *a): pass\n\
         server = http.server.HTTPServer(('127.0.0.1', 0), H)\n\
         threading.Thread(target=server.serve_forever, daemon=True).start()\n\
         env = dict(os.environ, PORT=str(server.server_port))\n\
         sys.exit(subprocess.run([sys.executable, 'docker/healthcheck.py'], env=env).returncode)\n"
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .current_dir(root)
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

#[test]
fn a_redirect_from_the_health_path_is_healthy_and_never_followed() {
    if tool("python3").is_none() {
        return;
    }
    // 0.9.0 took a redirect from the health path for a failure.
    let (_old_tmp, old) = generate("demo", &["-y", "--no-lock", "--template-version", "0.9.0"]);
    assert_eq!(
        healthcheck_exit(&old, 302),
        1,
        "0.9.0 no longer shows the defect"
    );
    let (_tmp, root) = generate("demo", &["-y", "--no-lock"]);
    for (status, want) in [(200, 0), (301, 0), (302, 0), (404, 1), (500, 1)] {
        assert_eq!(
            healthcheck_exit(&root, status),
            want,
            "HTTP {status} on the health path"
        );
    }
}
