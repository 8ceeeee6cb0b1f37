//! End-to-end: generated projects built by their own build script on a real Docker Engine and
//! run as a user runs them. `scripts/docker-e2e.sh start` provides the engine (no bridge
//! network: everything runs with `--network host`, on loopback) and the base image.
//!
//! They are `#[ignore]`d, so a plain `cargo test` shows them as ignored in its summary line
//! instead of passing without running; scripts/test.sh starts an engine and adds
//! `--include-ignored` (with `CI=true`, an engine that cannot start fails the run).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::support::{generate, stderr, stdout, tool};

/// One engine test at a time: concurrent builds on one daemon were seen to lose each other's
/// build cache, which would make the layer-reuse check about the test harness, not the image.
static ENGINE: Mutex<()> = Mutex::new(());

/// The engine set up by scripts/docker-e2e.sh, reached through DOCKER_HOST; holding it keeps
/// other engine tests waiting.
pub struct Engine {
    docker: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

impl Engine {
    /// The engine, or a failure saying how to start one: these tests are `#[ignore]`d, so
    /// they run only when asked for (scripts/test.sh asks when it started an engine).
    pub fn get() -> Self {
        let docker = PathBuf::from("/usr/bin/docker");
        let up = std::env::var_os("DOCKER_HOST").is_some()
            && docker.is_file()
            && Command::new(&docker)
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            up,
            "no Docker engine: run `export \"$(scripts/docker-e2e.sh start)\"` (as root; it \
             installs and starts one) before running the end-to-end tests, or run scripts/test.sh"
        );
        // A test that failed while holding the lock leaves it poisoned; the engine is fine.
        let turn = ENGINE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Self {
            docker,
            _turn: turn,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.docker)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("docker runs")
    }

    /// Runs docker and returns stdout, failing the test with `what` on a non-zero exit.
    pub fn ok(&self, what: &str, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{what}: docker {args:?} failed:\n{}",
            stderr(&out)
        );
        stdout(&out).trim().to_string()
    }

    pub fn inspect(&self, format: &str, target: &str) -> String {
        self.ok("inspect", &["inspect", "--format", format, target])
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=e2e", "-c", "user.email=e2e@localhost"])
        .args(args)
        .current_dir(root)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Runs the project's own build script; returns (runtime tag, combined output).
pub fn build(root: &Path, image: &str, extra_env: &[(&str, &str)]) -> (String, String) {
    build_with(root, image, extra_env, &[])
}

/// `build` with more arguments for the build script.
pub fn build_with(
    root: &Path,
    image: &str,
    extra_env: &[(&str, &str)],
    args: &[&str],
) -> (String, String) {
    let python = tool("python3").expect("python3");
    let out = Command::new(python)
        .args(["docker/build.py", "--network", "host"])
        .args(args)
        .current_dir(root)
        .env("DOCKER", "/usr/bin/docker")
        .env("IMAGE", image)
        .env("HADOLINT", "0")
        .envs(extra_env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "docker/build.py failed:\n{text}");
    let tag = text
        .lines()
        .find_map(|l| l.strip_prefix("built "))
        .expect("build.py names the image it built")
        .to_string();
    (tag, text)
}

/// A generated project in a git repository with a commit, as CI would check it out.
pub fn project(name: &str, args: &[&str]) -> (assert_fs::TempDir, PathBuf) {
    let (tmp, root) = generate(name, args);
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "generated"]);
    (tmp, root)
}

/// Polls `url` from the host until it answers 2xx.
fn wait_http(url: &str, timeout: Duration) -> Result<(), String> {
    let python = tool("python3").expect("python3");
    let script = format!(
        "import sys, urllib.request\n\
         opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))\n\
         sys.exit(0 if opener.open('{url}', timeout=2).status < 300 else 1)"
    );
    let started = Instant::now();
    while started.elapsed() < timeout {
        let ok = Command::new(&python)
            .args(["-c", &script])
            .stderr(Stdio::null())
            .status();
        if ok.is_ok_and(|s| s.success()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("{url} did not answer 2xx within {timeout:?}"))
}

/// What one stack is and what it must do.
pub struct Stack<'a> {
    pub name: &'a str,
    pub args: &'a [&'a str],
    pub uid: u32,
    /// None for a worker: it has no HTTP endpoint.
    pub health_path: Option<&'a str>,
    /// The file the code-only edit touches.
    pub code_file: &'a str,
    /// Settings the app needs at run time (none secret).
    pub env: &'a [&'a str],
    /// Runs after `new`, before the first commit (e.g. locking with a machine-specific source).
    pub prepare: Option<fn(&Path)>,
}

fn run_args<'a>(stack: &'a Stack<'a>, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "--rm", "--network", "host"];
    for env in stack.env {
        args.extend(["--env", env]);
    }
    args.extend_from_slice(extra);
    args
}

/// Every runtime check of the issue "prove the images", each with its own message.
pub fn check_stack(engine: &Engine, stack: &Stack<'_>) {
    let name = stack.name;
    let (_tmp, root) = generate(name, stack.args);
    if let Some(prepare) = stack.prepare {
        prepare(&root);
    }
    // Setup scripts for the P18 check: one sourced (exports), one run.
    let dev = root.join("docker/environments/development");
    std::fs::write(
        dev.join("20-e2e.sh"),
        "# shellcheck shell=bash\nexport E2E_DEV_MARKER=sourced\n",
    )
    .unwrap();
    std::fs::write(
        dev.join("30-e2e.py"),
        "print('e2e python setup ran', flush=True)\n",
    )
    .unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "generated"]);

    let image = format!("pyscaffold-e2e/{name}");
    let started = Instant::now();
    let sbom = root.parent().unwrap().join("sbom.json");
    let (tag, log) = build_with(&root, &image, &[], &["--sbom", sbom.to_str().unwrap()]);
    crate::support::report(&format!(
        "e2e {name}: first build and smoke test took {:.0}s",
        started.elapsed().as_secs_f64()
    ));
    check_sbom(engine, stack, &sbom, &tag);
    assert!(
        log.contains("smoke: docker stop took"),
        "{name}: the build script did not run the smoke test:\n{log}"
    );
    check_python(engine, stack, &root, &tag);

    // Serves (or keeps running), non-root, hardened, healthy, fast to stop.
    let port = free_port();
    let container = format!("e2e-{name}-{port}");
    let port_env = format!("PORT={port}");
    let mut run = vec![
        "run",
        "--detach",
        "--name",
        &container,
        "--network",
        "host",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--env",
        &port_env,
        "--health-interval=1s",
        "--health-start-period=0s",
    ];
    for env in stack.env {
        run.extend(["--env", env]);
    }
    run.push(&tag);
    engine.ok("hardened run", &run);
    let logs =
        || stdout(&engine.run(&["logs", &container])) + &stderr(&engine.run(&["logs", &container]));
    let up = match stack.health_path {
        Some(path) => wait_http(
            &format!("http://127.0.0.1:{port}{path}"),
            Duration::from_secs(60),
        ),
        None => {
            std::thread::sleep(Duration::from_secs(3));
            if engine.inspect("{{.State.Running}}", &container) == "true" {
                Ok(())
            } else {
                Err("the worker exited on its own".to_string())
            }
        }
    };
    if let Err(e) = up {
        let text = logs();
        engine.run(&["rm", "-f", &container]);
        panic!("{name}: {e}\n{text}");
    }
    let status = engine.ok(
        "pid 1 status",
        &["exec", &container, "cat", "/proc/1/status"],
    );
    let uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .expect("Uid line");
    let health = if stack.health_path.is_some() {
        let health_started = Instant::now();
        loop {
            let health = engine.inspect("{{.State.Health.Status}}", &container);
            if health != "starting" || health_started.elapsed() > Duration::from_secs(30) {
                break health;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    } else {
        "healthy".to_string()
    };
    let stop_started = Instant::now();
    engine.ok("docker stop", &["stop", "--time", "10", &container]);
    let stop = stop_started.elapsed();
    let exit_code = engine.inspect("{{.State.ExitCode}}", &container);
    engine.run(&["rm", "-f", &container]);
    crate::support::report(&format!(
        "e2e {name}: docker stop took {:.2}s",
        stop.as_secs_f64()
    ));
    assert_eq!(
        uid, stack.uid,
        "{name}: PID 1 runs as uid {uid}, not the configured {}",
        stack.uid
    );
    assert_eq!(health, "healthy", "{name}: HEALTHCHECK reports `{health}`");
    assert!(
        stop < Duration::from_secs(3),
        "{name}: docker stop took {stop:?} (limit 3 s)"
    );
    assert!(
        exit_code == "0" || exit_code == "143",
        "{name}: exit code {exit_code} after docker stop"
    );

    // P08: any other command runs instead of the server, through the same entrypoint.
    let mut p08 = run_args(stack, &[&tag]);
    p08.extend(["python", "-c", "import os; print('p08', os.getuid())"]);
    let out = engine.run(&p08);
    assert!(
        out.status.success(),
        "{name}: `docker run IMAGE python -c` failed:\n{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out).trim(),
        format!("p08 {}", stack.uid),
        "{name}: P08 command output"
    );
    assert!(
        !stderr(&out).contains("Booting worker"),
        "{name}: the server started instead of the command"
    );

    // P18: setup scripts run outside production, none in production.
    let probe = "import os; print(os.environ.get('E2E_DEV_MARKER'))";
    let mut dev_run = run_args(
        stack,
        &[
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--env",
            "APP_ENV=development",
            &tag,
        ],
    );
    dev_run.extend(["python", "-c", probe]);
    let dev = engine.run(&dev_run);
    let dev_out = stdout(&dev);
    assert!(
        dev.status.success(),
        "{name}: development run failed:\n{}",
        stderr(&dev)
    );
    assert!(
        dev_out.contains("e2e python setup ran"),
        "{name}: the *.py setup script did not run:\n{dev_out}"
    );
    assert_eq!(
        dev_out.lines().last(),
        Some("sourced"),
        "{name}: the *.sh setup script was not sourced"
    );
    assert!(
        stderr(&dev)
            .contains("entrypoint: sourcing /app/docker/environments/development/20-e2e.sh")
    );
    let mut prod_run = run_args(stack, &[&tag]);
    prod_run.extend(["python", "-c", probe]);
    let prod = engine.run(&prod_run);
    assert_eq!(
        stdout(&prod).trim(),
        "None",
        "{name}: production ran a setup script"
    );
    assert!(
        !stderr(&prod).contains("entrypoint:"),
        "{name}: production ran a setup script:\n{}",
        stderr(&prod)
    );

    // P03: a code-only edit rebuilds without reinstalling dependencies.
    let layers = |t: &str| -> Vec<String> {
        engine
            .inspect("{{range .RootFS.Layers}}{{println .}}{{end}}", t)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let before = layers(&tag);
    let code = root.join(stack.code_file);
    let mut text = std::fs::read_to_string(&code).unwrap();
    // Unique per run, so the rebuild is real even when an earlier run left a build cache.
    let token = format!("{}-{}", std::process::id(), free_port());
    text.push_str(&format!("\n\n# a code-only change {token}\n"));
    std::fs::write(&code, text).unwrap();
    git(&root, &["commit", "-q", "-am", "code-only change"]);
    let (tag2, log2) = build(&root, &image, &[]);
    let after = layers(&tag2);
    // The dependency install is the last `install`/`sync` RUN of the build stage (the
    // installer's own tools come before it, the project's wheel after it).
    let install_step = log2
        .lines()
        .rev()
        .find(|l| {
            l.contains("[build ")
                && l.contains("RUN")
                && (l.contains(" install ") || l.contains(" sync "))
                && !l.contains("/opt/tools/bin/pip install")
        })
        .and_then(|l| l.split_whitespace().next())
        .map(|step| format!("{step} CACHED"))
        .expect("the build log shows the dependency install step");
    assert!(
        log2.contains(&install_step),
        "{name}: the dependency install step was not cached after a code-only edit:\n{log2}"
    );
    let shared = before
        .iter()
        .zip(&after)
        .take_while(|(a, b)| a == b)
        .count();
    assert!(
        shared >= 3 && shared < after.len(),
        "{name}: {shared} of {} layers reused; expected base, packages and venv reused and the code layer rebuilt\n{log2}",
        after.len()
    );
}

/// This machine's package registry lacks PyPI's per-version JSON API, which Poetry's default
/// source uses; the simple index it serves works. Users elsewhere need none of this.
fn poetry_through_the_simple_index(root: &Path) {
    let pyproject = root.join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str("\n[[tool.poetry.source]]\nname = \"pypi-simple\"\nurl = \"https://pypi.org/simple/\"\npriority = \"primary\"\n");
    std::fs::write(&pyproject, text).unwrap();
    let poetry = tool("poetry").expect("poetry");
    let (ok, text) = crate::support::run_tool(&poetry, &["lock"], root);
    assert!(ok, "poetry lock: {text}");
}

/// The image runs the Python its tag names: Debian has 3.11 (bookworm) and 3.13 (trixie);
/// other versions run 3.13 as stand-ins, said in the test output.
/// A distribution name as PEP 503 compares them.
fn normalised(name: &str) -> String {
    regex::Regex::new(r"[-_.]+")
        .unwrap()
        .replace_all(&name.to_lowercase(), "-")
        .into_owned()
}

/// The SBOM `build.py --sbom` extracted lists exactly the distributions the image's Python
/// sees, name and version, and its generator is not among them.
fn check_sbom(engine: &Engine, stack: &Stack<'_>, sbom: &Path, tag: &str) {
    let name = stack.name;
    let text = std::fs::read_to_string(sbom)
        .unwrap_or_else(|e| panic!("{name}: build.py --sbom wrote no SBOM: {e}"));
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["bomFormat"], "CycloneDX", "{name}: {text}");
    let listed: std::collections::BTreeSet<(String, String)> = document["components"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: the SBOM has no components: {text}"))
        .iter()
        .map(|c| {
            (
                normalised(c["name"].as_str().unwrap()),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let out = engine.run(&run_args(
        stack,
        &[
            tag,
            "python",
            "-c",
            "import importlib.metadata as m\n\
             for d in m.distributions(): print(d.metadata['Name'], d.version)",
        ],
    ));
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let installed: std::collections::BTreeSet<(String, String)> = stdout(&out)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, v)| (normalised(n), v.to_string()))
        .collect();
    assert!(
        !installed.is_empty(),
        "{name}: no distribution in the image"
    );
    assert_eq!(
        listed, installed,
        "{name}: the SBOM does not list exactly what the image has installed"
    );
    assert!(
        !installed.iter().any(|(n, _)| n.starts_with("cyclonedx")),
        "{name}: the SBOM generator reached the image"
    );
    crate::support::report(&format!(
        "e2e {name}: the SBOM lists the image's {} distributions",
        installed.len()
    ));
}

fn check_python(engine: &Engine, stack: &Stack<'_>, root: &Path, tag: &str) {
    let record = std::fs::read_to_string(root.join(".pyscaffold.yml")).unwrap();
    let record: serde_json::Value = serde_saphyr::from_str(&record).unwrap();
    let asked = record["answers"]["python_version"]
        .as_str()
        .unwrap()
        .to_string();
    let out = engine.run(&run_args(
        stack,
        &[
            tag,
            "python",
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])",
        ],
    ));
    let actual = stdout(&out).trim().to_string();
    // The runtime venv carries only what the app imports: not the installer's pip or
    // setuptools; and apt's lists and downloads stayed in the build's cache mounts.
    let leftovers = engine.run(&run_args(
        stack,
        &[
            tag,
            "python",
            "-c",
            "import glob, importlib.util\n\
             found = [m for m in ('pip', 'setuptools') if importlib.util.find_spec(m)]\n\
             found += glob.glob('/var/lib/apt/lists/*_Packages*') + glob.glob('/var/cache/apt/*.bin')\n\
             found += glob.glob('/var/cache/apt/archives/*.deb')\n\
             print(' '.join(found))",
        ],
    ));
    assert!(
        leftovers.status.success() && stdout(&leftovers).trim().is_empty(),
        "{}: the runtime image still has {}{}",
        stack.name,
        stdout(&leftovers),
        stderr(&leftovers)
    );
    if asked == "3.11" || asked == "3.13" {
        assert_eq!(
            actual, asked,
            "{}: the image runs another Python",
            stack.name
        );
        crate::support::report(&format!(
            "e2e {}: Python {asked} as its tag names",
            stack.name
        ));
    } else {
        assert_eq!(actual, "3.13", "{}: stand-in Python", stack.name);
        crate::support::report(&format!(
            "e2e {}: Python {asked} asked; its tag runs 3.13 as a stand-in (Debian has no {asked})",
            stack.name
        ));
    }
}

fn e2e(stack: Stack<'_>) {
    check_stack(&Engine::get(), &stack);
}

const PY: [&str; 2] = ["--python", "3.11"];

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn flask_pip_defaults() {
    e2e(Stack {
        name: "e2e-flask",
        // The defaults: Python 3.13 on trixie.
        args: &["-y"],
        uid: 10001,
        health_path: Some("/healthz"),
        code_file: "e2e_flask/app.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn flask_pip_custom_uid_packages_no_bytecode() {
    e2e(Stack {
        name: "e2e-custom",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--set",
            "uid=20001",
            "--health-path",
            "/livez",
            "--system-package",
            "libexpat1",
            "--build-package",
            "none",
            "--set",
            "compile_bytecode=false",
        ],
        uid: 20001,
        health_path: Some("/livez"),
        code_file: "e2e_custom/app.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn django_pipenv() {
    e2e(Stack {
        name: "e2e-django",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--framework",
            "django",
            "--installer",
            "pipenv",
            "--build-package",
            "none",
        ],
        uid: 10001,
        health_path: Some("/healthz"),
        code_file: "e2e_django/views.py",
        env: &["DJANGO_SECRET_KEY=e2e-only-not-a-secret"],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn django_poetry_package() {
    e2e(Stack {
        name: "e2e-djpoetry",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--framework",
            "django",
            "--installer",
            "poetry",
            "--build-package",
            "none",
            "--no-lock",
        ],
        uid: 10001,
        health_path: Some("/healthz"),
        code_file: "e2e_djpoetry/views.py",
        env: &["DJANGO_SECRET_KEY=e2e-only-not-a-secret"],
        prepare: Some(poetry_through_the_simple_index),
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn fastapi_uv_package() {
    e2e(Stack {
        name: "e2e-fastapi",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--framework",
            "fastapi",
            "--installer",
            "uv",
            "--build-package",
            "none",
        ],
        uid: 10001,
        health_path: Some("/healthz"),
        code_file: "e2e_fastapi/app.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn wsgi_factory_pip_tools() {
    e2e(Stack {
        name: "e2e-wsgi",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--framework",
            "wsgi",
            "--installer",
            "pip-tools",
            "--set",
            "app=e2e_wsgi.server:create_app()",
            "--build-package",
            "none",
        ],
        uid: 10001,
        health_path: Some("/healthz"),
        code_file: "e2e_wsgi/server.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn asgi_pdm_package() {
    e2e(Stack {
        name: "e2e-asgi",
        args: &[
            "-y",
            PY[0],
            PY[1],
            "--framework",
            "asgi",
            "--installer",
            "pdm",
            "--health-path",
            "/ping",
            "--build-package",
            "none",
        ],
        uid: 10001,
        health_path: Some("/ping"),
        code_file: "e2e_asgi/app.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn worker_flit_package() {
    e2e(Stack {
        name: "e2e-worker",
        // Python 3.12: the package requires >= 3.12, which an image on 3.11 could not install.
        args: &[
            "-y",
            "--python",
            "3.12",
            "--framework",
            "worker",
            "--installer",
            "flit",
            "--build-package",
            "none",
        ],
        uid: 10001,
        health_path: None,
        code_file: "e2e_worker/worker.py",
        env: &[],
        prepare: None,
    });
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn an_ejected_file_in_a_renamed_folder_still_builds_after_upgrade() {
    let engine = Engine::get();
    // 0.3.0 renamed `docker/env/` to `docker/environments/`, which the Dockerfile copies.
    let (_tmp, root) = project("e2e-ejected", &["-y", "--template-version", "0.2.0"]);
    let script = "docker/env/development/10-dev-requirements.sh";
    let eject = crate::support::run(&root, &["eject", script]);
    assert!(eject.status.success(), "{}", stderr(&eject));
    let path = root.join(script);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}# the team's own setup step\n")).unwrap();
    git(&root, &["commit", "-q", "-am", "ejected and edited"]);
    let out = crate::support::run(&root, &["upgrade", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "upgraded"]);
    let (tag, _) = build(&root, "e2e-ejected", &[]);
    let inside = engine.ok(
        "the ejected script in the image",
        &[
            "run",
            "--rm",
            "--network",
            "host",
            "--entrypoint",
            "cat",
            &tag,
            "/app/docker/environments/development/10-dev-requirements.sh",
        ],
    );
    assert!(
        inside.contains("# the team's own setup step"),
        "the image has the template's script, not the ejected one:\n{inside}"
    );
}
