//! Push and cache against a real registry (Debian's `docker-registry`, on 127.0.0.1): the
//! generated `docker/build.py --push` pushes the build stage and both runtime tags, a build on
//! an engine with no local cache warms itself from the registry's images (its steps come out
//! CACHED), and the scheduled `--no-cache` mode pulls the base again and rebuilds every step.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::docker_e2e::{Engine, free_port, project};
use crate::support::{run_tool, stderr, stdout, tool};

pub struct Registry(Child);

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a registry with its own storage on `127.0.0.1:port`.
pub fn start_registry(dir: &Path, port: u16) -> Registry {
    let binary = Path::new("/usr/bin/docker-registry");
    assert!(
        binary.is_file(),
        "docker-registry is missing: scripts/docker-e2e.sh start installs it"
    );
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("storage").display()
        ),
    )
    .unwrap();
    let child = Command::new(binary)
        .args(["serve", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the registry did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Registry(child)
}

/// `python3 docker/build.py ARGS` with the engine and the host network; (success, output).
fn build_script(root: &Path, args: &[&str]) -> (bool, String) {
    let python = tool("python3").expect("python3");
    let out = Command::new(python)
        .arg("docker/build.py")
        .args(args)
        .args(["--network", "host"])
        .current_dir(root)
        .env("DOCKER", "/usr/bin/docker")
        .env("HADOLINT", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

/// The tags the registry holds for `repository`.
fn registry_tags(port: u16, repository: &str) -> Vec<String> {
    let python = tool("python3").expect("python3");
    let script = format!(
        "import json, urllib.request\n\
         with urllib.request.urlopen('http://127.0.0.1:{port}/v2/{repository}/tags/list') as r:\n\
         \x20   print('\\n'.join(sorted(json.load(r)['tags'] or [])))"
    );
    let (ok, text) = run_tool(&python, &["-c", &script], Path::new("/"));
    assert!(ok, "cannot list the registry's tags: {text}");
    text.lines().map(str::to_string).collect()
}

/// Lines of a BuildKit log that report a `RUN` step as taken from the cache. Step numbers
/// start again in each `docker build` of the log, so a number means the step it last named
/// (`#4` a `RUN` in the build stage's build, then a `FROM` in the runtime stage's).
fn cached_runs(log: &str) -> usize {
    let mut running = std::collections::BTreeMap::new();
    let mut cached = 0;
    for line in log.lines() {
        // `#12 [build 5/7] RUN --mount=...` then `#12 CACHED`
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((step, what)) = rest.split_once(' ') else {
            continue;
        };
        if what.starts_with('[') {
            running.insert(step.to_string(), what.contains("] RUN "));
        } else if what == "CACHED" && running.get(step) == Some(&true) {
            cached += 1;
        }
    }
    cached
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn build_py_pushes_both_stages_warms_a_fresh_engine_from_the_registry_and_rebuilds_on_schedule() {
    let engine = Engine::get();
    let tmp = assert_fs::TempDir::new().unwrap();
    let port = free_port();
    let _registry = start_registry(tmp.path(), port);

    // The base image comes from a mirror in this registry, so `--pull` has somewhere to pull
    // from without the internet.
    let base = format!("127.0.0.1:{port}/mirror/python:3.13-slim-trixie");
    engine.ok("tag base", &["tag", "python:3.13-slim-trixie", &base]);
    engine.ok("push base", &["push", &base]);
    let image = format!("127.0.0.1:{port}/team/e2e-registry");
    let (_project_tmp, root) = project(
        "e2e-registry",
        &[
            "-y",
            "--build-package",
            "none",
            "--set",
            &format!("base_image={base}"),
            "--image",
            &image,
        ],
    );

    // 1. Build, smoke-test and push: the build stage and both runtime tags reach the registry.
    let (ok, log) = build_script(&root, &["--push"]);
    assert!(ok, "build.py --push failed:\n{log}");
    let tags = registry_tags(port, "team/e2e-registry");
    assert!(tags.contains(&"build-main".to_string()), "{tags:?}");
    assert!(tags.contains(&"main".to_string()), "{tags:?}");
    assert!(
        tags.iter()
            .any(|t| t.starts_with("main-") && t.len() == "main-".len() + 12),
        "no branch-commit tag: {tags:?}"
    );
    assert_eq!(tags.len(), 3, "{tags:?}");

    // 2. A fresh engine: no local images of the project, no build cache. The build warms
    //    itself from the pushed images, so its RUN steps come from the registry's cache.
    let local: Vec<String> = tags.iter().map(|t| format!("{image}:{t}")).collect();
    let mut rmi = vec!["rmi", "--force"];
    rmi.extend(local.iter().map(String::as_str));
    engine.ok("remove local images", &rmi);
    engine.ok(
        "prune the build cache",
        &["builder", "prune", "--all", "--force"],
    );
    let (ok, warm) = build_script(&root, &[]);
    assert!(ok, "the warmed build failed:\n{warm}");
    assert!(
        warm.contains(&format!("--cache-from {image}:build-main")),
        "build.py did not warm from the registry:\n{warm}"
    );
    let cached = cached_runs(&warm);
    assert!(
        cached >= 2,
        "only {cached} RUN steps came from the registry's cache:\n{warm}"
    );
    crate::support::report(&format!(
        "e2e e2e-registry: pushed {tags:?}; a fresh engine took {cached} RUN steps from the registry's cache"
    ));

    // 3. The scheduled rebuild: `--no-cache` pulls the base again and runs every step.
    let (ok, fresh) = build_script(&root, &["--no-cache"]);
    assert!(ok, "the no-cache build failed:\n{fresh}");
    assert!(fresh.contains("--no-cache --pull"), "{fresh}");
    // A rebuild of the same commit gets a tag of its own: `<branch>-<commit>` never moves.
    let rebuilt = fresh
        .lines()
        .find_map(|l| l.strip_prefix("built "))
        .expect("build.py names the image it built");
    let shape = regex::Regex::new(r":main-[0-9a-f]{7,12}-[0-9]{12}$").unwrap();
    assert!(shape.is_match(rebuilt), "the rebuild is tagged {rebuilt}");
    assert_eq!(
        cached_runs(&fresh),
        0,
        "--no-cache reused cached steps:\n{fresh}"
    );
}
