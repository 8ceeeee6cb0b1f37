//! The generated pipelines run for real: the GitHub workflow under `act` (its steps on this
//! host, `-P ubuntu-24.04=-self-hosted`) and `.gitlab-ci.yml` under `gitlab-ci-local` (shell
//! executor, the predefined variables of each event set as GitLab sets them), against the test
//! engine and a registry on loopback. Only what cannot run offline is stood in
//! (`tests/pipelines/README.md`): `actions/checkout`, the Alpine job's `apk`, the
//! Docker-in-Docker service, and `--network host` for the engine without a bridge.
//!
//! Per stack and CI, every event the pipeline answers: a pull/merge request builds and
//! smoke-tests and pushes nothing; the default branch pushes the build stage and both runtime
//! tags, warming from the registry; a version tag pushes its own tags; the weekly schedule
//! rebuilds with `--no-cache --pull` under a tag of its own. After each event the registry is
//! read: no tag that names one build (`<ref>-<commit>`, `<ref>-<commit>-<time>`) is ever
//! pushed again with another image; only `<ref>` and `build-<ref>` move. Every build is
//! scanned before any push (a stand-in scanner image; one that reports a CRITICAL finding
//! stops the pipeline with nothing pushed), and every push is signed by the digest the
//! registry holds (a stand-in cosign). Each push is one image for both platforms with its
//! attestations (a stand-in buildx). The scheduled upgrade job runs under both clients too: it
//! installs pyscaffold from the suite's wheel, upgrades, pushes its branch and opens its request.
//! CircleCI has no offline runner: its config stays schema-checked (tests/cli/validators.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::docker_e2e::{Engine, free_port, project};
use crate::docker_registry::{Registry, start_registry};
use crate::support::{report, run_tool, stderr, stdout, tool, tools_path};

const DEFAULT_BRANCH: &str = "main";
const FEATURE_BRANCH: &str = "feature/login";
const VERSION_TAG: &str = "v1.0.0";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    Request,
    DefaultBranch,
    VersionTag,
    Schedule,
}

const EVENTS: [Event; 4] = [
    Event::Request,
    Event::DefaultBranch,
    Event::VersionTag,
    Event::Schedule,
];

#[derive(Clone, Copy)]
enum Ci {
    GitHub,
    GitLab,
}

impl Ci {
    fn name(self) -> &'static str {
        match self {
            Ci::GitHub => "github",
            Ci::GitLab => "gitlab",
        }
    }
}

/// The engine, a registry on loopback with a mirror of the base image (so `--pull` has
/// somewhere to pull from), and the stand-ins.
struct Rig {
    engine: Engine,
    tmp: assert_fs::TempDir,
    port: u16,
    _registry: Registry,
    base: String,
    stand_ins: PathBuf,
    scanner: String,
}

impl Rig {
    fn new() -> Self {
        let engine = Engine::get();
        let tmp = assert_fs::TempDir::new().unwrap();
        let port = free_port();
        let registry = start_registry(tmp.path(), port);
        // Python 3.11, which this host has too, so the lock tools find it without a download.
        let base = format!("127.0.0.1:{port}/mirror/python:3.11-slim-bookworm");
        engine.ok("tag base", &["tag", "python:3.11-slim-bookworm", &base]);
        engine.ok("push base", &["push", &base]);
        let stand_ins = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pipelines");
        let newest = pyscaffold::template_set::builtin::latest().unwrap();
        let set = pyscaffold::template_set::builtin::load(&newest).unwrap();
        // Pinned by digest, which a local tag cannot carry: the stand-in carries the tag, and
        // the stand-in docker client drops the digest (tests/pipelines/bin/docker).
        let pinned = &set.dependencies["supply_chain"]["scanner"][0];
        assert!(
            pinned.contains("@sha256:"),
            "the scanner is not pinned by digest: {pinned}"
        );
        let scanner = pinned.split('@').next().unwrap().to_string();
        let rig = Self {
            engine,
            tmp,
            port,
            _registry: registry,
            base,
            stand_ins,
            scanner,
        };
        rig.stand_in_scanner(false);
        rig
    }

    /// Tags the stand-in scanner as the template set's scanner image (without its digest); `findings`: one that
    /// reports a CRITICAL finding.
    fn stand_in_scanner(&self, findings: bool) {
        let findings = format!("FINDINGS={}", u8::from(findings));
        let dir = self.stand_ins.join("trivy");
        self.engine.ok(
            "stand-in scanner",
            &[
                "build",
                "--network",
                "host",
                "-q",
                "--build-arg",
                &findings,
                "-t",
                &self.scanner,
                dir.to_str().unwrap(),
            ],
        );
    }

    /// PATH for the CI clients: the stand-ins first, then the validators' tools.
    fn path(&self) -> std::ffi::OsString {
        let mut dirs = vec![self.stand_ins.join("bin")];
        dirs.extend(std::env::split_paths(&tools_path()));
        std::env::join_paths(dirs).unwrap()
    }

    /// A command with the environment every CI run shares: the engine, its own docker login
    /// store and HOME (act keeps its workspaces there), no terminal.
    fn command(&self, program: &Path, cwd: &Path) -> Command {
        let home = self.tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut command = Command::new(program);
        command
            .current_dir(cwd)
            .env("PATH", self.path())
            .env("HOME", &home)
            .env("DOCKER_CONFIG", self.tmp.path().join("docker-config"))
            .env("HADOLINT", "0")
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .stdin(Stdio::null());
        command
    }

    /// Tag → manifest digest, as the registry holds them for `repository`.
    fn pushed(&self, repository: &str) -> BTreeMap<String, String> {
        let python = tool("python3").expect("python3");
        let script = format!(
            "import json, urllib.error, urllib.request\n\
             base = 'http://127.0.0.1:{port}/v2/{repository}'\n\
             try:\n\
             \x20   tags = json.load(urllib.request.urlopen(base + '/tags/list'))['tags'] or []\n\
             except urllib.error.HTTPError:\n\
             \x20   tags = []\n\
             accept = ', '.join(['application/vnd.docker.distribution.manifest.v2+json',\n\
             \x20   'application/vnd.docker.distribution.manifest.list.v2+json',\n\
             \x20   'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'])\n\
             for tag in sorted(tags):\n\
             \x20   request = urllib.request.Request(f'{{base}}/manifests/{{tag}}', method='HEAD', headers={{'Accept': accept}})\n\
             \x20   print(tag, urllib.request.urlopen(request).headers['Docker-Content-Digest'])\n",
            port = self.port
        );
        let (ok, text) = run_tool(&python, &["-c", &script], Path::new("/"));
        assert!(ok, "cannot read the registry: {text}");
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(t, d)| (t.to_string(), d.to_string()))
            .collect()
    }
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=ci", "-c", "user.email=ci@localhost"])
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// The commit SHA a workflow pins `action` to.
fn pinned(workflow: &str, action: &str) -> String {
    let at = workflow
        .find(&format!("uses: {action}@"))
        .unwrap_or_else(|| panic!("the workflow does not use {action}"));
    workflow[at + action.len() + 7..][..40].to_string()
}

/// Runs one event of the GitHub workflow under act; returns its log.
fn github(rig: &Rig, root: &Path, event: Event) -> String {
    let (ok, log) = run_github(rig, root, event);
    assert!(ok, "act ({event:?}) failed:\n{log}");
    log
}

/// Runs one event of the GitHub workflow under act: whether its job succeeded, and its log.
fn run_github(rig: &Rig, root: &Path, event: Event) -> (bool, String) {
    let act = tool("act").expect("act");
    let workflow = std::fs::read_to_string(root.join(".github/workflows/docker.yml")).unwrap();
    let uses: Vec<&str> = workflow
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("- uses: ")
                .or(l.trim().strip_prefix("uses: "))
        })
        .collect();
    let stand_ins = [
        ("actions/checkout", "checkout"),
        ("sigstore/cosign-installer", "cosign-installer"),
        ("docker/setup-qemu-action", "setup-qemu"),
        ("docker/setup-buildx-action", "setup-buildx"),
    ];
    assert!(
        uses.iter().all(|u| stand_ins
            .iter()
            .any(|(a, _)| u.starts_with(&format!("{a}@")))),
        "a stand-in is needed for every action the workflow uses: {uses:?}"
    );
    let sha = git(root, &["rev-parse", "HEAD"]);
    let repository = serde_json::json!({"default_branch": DEFAULT_BRANCH, "full_name": "team/app"});
    let (name, payload) = match event {
        Event::Request => (
            "pull_request",
            serde_json::json!({"number": 7, "repository": repository, "pull_request": {
                "number": 7, "head": {"ref": FEATURE_BRANCH, "sha": sha},
                "base": {"ref": DEFAULT_BRANCH}}}),
        ),
        Event::DefaultBranch => (
            "push",
            serde_json::json!({"ref": format!("refs/heads/{DEFAULT_BRANCH}"), "after": sha,
                "repository": repository}),
        ),
        Event::VersionTag => (
            "push",
            serde_json::json!({"ref": format!("refs/tags/{VERSION_TAG}"), "after": sha,
                "repository": repository}),
        ),
        Event::Schedule => (
            "schedule",
            serde_json::json!({"schedule": "23 4 * * 1", "repository": repository}),
        ),
    };
    let event_file = rig.tmp.path().join(format!("{name}-{event:?}.json"));
    std::fs::write(&event_file, payload.to_string()).unwrap();
    let mut command = rig.command(&act, root);
    command
        .args([name, "-W", ".github/workflows/docker.yml", "-e"])
        .arg(&event_file)
        .args(["-P", "ubuntu-24.04=-self-hosted"]);
    for (action, dir) in stand_ins {
        if workflow.contains(&format!("uses: {action}@")) {
            command.arg("--local-repository").arg(format!(
                "{action}@{}={}",
                pinned(&workflow, action),
                rig.stand_ins.join(dir).display()
            ));
        }
    }
    let out = command
        .args([
            "-s",
            "REGISTRY_USERNAME=pipeline-test-user",
            "-s",
            "REGISTRY_PASSWORD=pipeline-test-password",
        ])
        .output()
        .unwrap();
    let log = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success() && log.contains("Job succeeded"), log)
}

/// Runs one event of `.gitlab-ci.yml` under gitlab-ci-local; returns its log.
fn gitlab(rig: &Rig, root: &Path, event: Event) -> String {
    let (ok, log) = run_gitlab(rig, root, event);
    assert!(ok, "gitlab-ci-local ({event:?}) failed:\n{log}");
    log
}

/// Runs one event of `.gitlab-ci.yml` under gitlab-ci-local: whether it passed, and its log.
fn run_gitlab(rig: &Rig, root: &Path, event: Event) -> (bool, String) {
    let mut set: Vec<String> = vec![
        format!("CI_DEFAULT_BRANCH={DEFAULT_BRANCH}"),
        "REGISTRY_USER=pipeline-test-user".into(),
        "REGISTRY_PASSWORD=pipeline-test-password".into(),
    ];
    let mut unset: Vec<&str> = vec![];
    match event {
        Event::Request => {
            set.push("CI_PIPELINE_SOURCE=merge_request_event".into());
            set.push(format!("CI_COMMIT_REF_NAME={FEATURE_BRANCH}"));
            set.push("CI_MERGE_REQUEST_IID=7".into());
            unset.push("CI_COMMIT_BRANCH");
        }
        Event::DefaultBranch => {
            set.push("CI_PIPELINE_SOURCE=push".into());
            set.push(format!("CI_COMMIT_BRANCH={DEFAULT_BRANCH}"));
            set.push(format!("CI_COMMIT_REF_NAME={DEFAULT_BRANCH}"));
        }
        Event::VersionTag => {
            set.push("CI_PIPELINE_SOURCE=push".into());
            set.push(format!("CI_COMMIT_TAG={VERSION_TAG}"));
            set.push(format!("CI_COMMIT_REF_NAME={VERSION_TAG}"));
            unset.push("CI_COMMIT_BRANCH");
        }
        Event::Schedule => {
            set.push("CI_PIPELINE_SOURCE=schedule".into());
            set.push("REBUILD=no-cache".into());
            set.push(format!("CI_COMMIT_BRANCH={DEFAULT_BRANCH}"));
            set.push(format!("CI_COMMIT_REF_NAME={DEFAULT_BRANCH}"));
        }
    }
    let out = gitlab_ci_local(rig, root, "gitlab-ci-local-state", &set, &unset);
    let log = format!("{}{}", stdout(&out), stderr(&out));
    (
        out.status.success() && log.contains("PASS") && !log.contains("FAIL"),
        log,
    )
}

/// Runs gitlab-ci-local in `root` with the variables `set` (`NAME=VALUE`) and `unset`, its
/// state (a copy of the repository per job) in the rig's folder `state`, outside the project,
/// which stays as checked out. The predefined variables the test gives are not GitLab's own.
fn gitlab_ci_local(
    rig: &Rig,
    root: &Path,
    state: &str,
    set: &[String],
    unset: &[&str],
) -> std::process::Output {
    let client = tool("gitlab-ci-local").expect("gitlab-ci-local");
    let state = rig.tmp.path().join(state);
    std::fs::create_dir_all(state.join("builds")).unwrap();
    let mut ignored = vec![
        "CI_PIPELINE_SOURCE",
        "CI_COMMIT_REF_NAME",
        "CI_COMMIT_BRANCH",
        "CI_COMMIT_TAG",
        "CI_DEFAULT_BRANCH",
    ];
    for name in set.iter().filter_map(|v| v.split_once('=')).map(|(n, _)| n) {
        if name.starts_with("CI_") && !ignored.contains(&name) {
            ignored.push(name);
        }
    }
    let mut command = rig.command(&client, root);
    command
        .args(["--force-shell-executor", "--home"])
        .arg(rig.tmp.path().join("gitlab-ci-local"))
        .arg("--state-dir")
        .arg(&state)
        .env("GCL_IGNORE_PREDEFINED_VARS", ignored.join(","));
    for variable in set {
        command.args(["--variable", variable]);
    }
    for variable in unset {
        command.args(["--unset-variable", variable]);
    }
    command.output().unwrap()
}

/// The Docker-in-Docker service the GitLab job names, stood in by an idle container: the job's
/// client talks to the test's engine through DOCKER_HOST.
fn stand_in_services(rig: &Rig, root: &Path) {
    let ci = std::fs::read_to_string(root.join(".gitlab-ci.yml")).unwrap();
    let services: Vec<&str> = ci
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter(|s| s.ends_with("-dind"))
        .collect();
    assert!(!services.is_empty(), "no dind service in:\n{ci}");
    let dir = rig.tmp.path().join("dind");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM python:3.11-slim-bookworm\nENTRYPOINT [\"sleep\", \"infinity\"]\n",
    )
    .unwrap();
    for service in services {
        rig.engine.ok(
            "stand-in dind",
            &[
                "build",
                "--network",
                "host",
                "-q",
                "-t",
                service,
                dir.to_str().unwrap(),
            ],
        );
    }
}

/// What one event pushed and built.
struct Outcome {
    built: String,
    pushed: BTreeMap<String, String>,
}

/// A generated project for `ci`, pushing to the rig's registry as `team/<stack>-<ci>`:
/// (its temporary folder, root, registry repository, image).
fn ci_project(
    rig: &Rig,
    ci: Ci,
    stack: &str,
    args: &[&str],
) -> (assert_fs::TempDir, PathBuf, String, String) {
    let repository = format!("team/{stack}-{}", ci.name());
    let image = format!("127.0.0.1:{}/{repository}", rig.port);
    let mut all = vec!["-y", "--ci", ci.name(), "--image", &image];
    let base = format!("base_image={}", rig.base);
    all.extend([
        "--set",
        &base,
        "--python",
        "3.11",
        "--build-package",
        "none",
    ]);
    all.extend_from_slice(args);
    let (tmp, root) = project(&format!("{stack}-{}", ci.name()), &all);
    git(
        &root,
        &["remote", "add", "origin", "https://ci.invalid/team/app.git"],
    );
    if matches!(ci, Ci::GitLab) {
        stand_in_services(rig, &root);
    }
    (tmp, root, repository, image)
}

/// Runs the four events on one CI and checks what each built, tagged and pushed.
fn events(rig: &Rig, ci: Ci, stack: &str, args: &[&str]) {
    let (_tmp, root, repository, image) = ci_project(rig, ci, stack, args);
    let commit = git(&root, &["rev-parse", "--short=12", "HEAD"]);

    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for event in EVENTS {
        let log = match ci {
            Ci::GitHub => github(rig, &root, event),
            Ci::GitLab => gitlab(rig, &root, event),
        };
        let built = log
            .lines()
            .find_map(|l| l.split_once("built ").map(|(_, t)| t.trim().to_string()))
            .unwrap_or_else(|| panic!("{event:?}: build.py named no image:\n{log}"));
        assert!(
            log.contains("smoke: healthy"),
            "{event:?}: no smoke test:\n{log}"
        );
        let outcome = Outcome {
            built,
            pushed: rig.pushed(&repository),
        };
        check(event, &image, &commit, &log, &outcome, &seen);
        check_scan_and_signature(event, &image, &log, &outcome);
        check_platforms(ci, event, &log);
        // A tag that names one build never gets another image.
        for (tag, digest) in &outcome.pushed {
            if let Some(before) = seen.get(tag)
                && moves(tag).is_none()
            {
                assert_eq!(
                    before, digest,
                    "{event:?} pushed {tag} again with another image"
                );
            }
        }
        report(&format!(
            "pipeline {stack} on {}: {event:?} built {}; registry {:?}",
            ci.name(),
            outcome.built,
            outcome.pushed.keys().collect::<Vec<_>>()
        ));
        seen = outcome.pushed;
    }
    if stack == "ci-flask" {
        rerun(rig, ci, &root, &image, &commit, &seen);
    }
}

/// A re-run of the default branch's pushed build (a job re-run, a manual pipeline): nothing is
/// pushed, the registry is as it was, and the signature names the digest the registry holds
/// for the commit's tag.
fn rerun(
    rig: &Rig,
    ci: Ci,
    root: &Path,
    image: &str,
    commit: &str,
    before: &BTreeMap<String, String>,
) {
    let log = match ci {
        Ci::GitHub => github(rig, root, Event::DefaultBranch),
        Ci::GitLab => gitlab(rig, root, Event::DefaultBranch),
    };
    let repository = image.split_once('/').unwrap().1;
    let tag = format!("main-{commit}");
    assert!(
        log.contains(&format!(
            "note: {image}:{tag} is in the registry already: a tag that names one build is never pushed again"
        )),
        "{log}"
    );
    assert!(!log.contains("==> push"), "a re-run pushed:\n{log}");
    assert_eq!(
        &rig.pushed(repository),
        before,
        "a re-run changed the registry"
    );
    assert!(
        log.contains(&format!(
            "stand-in cosign: sign --yes --recursive {image}@{}",
            before[&tag]
        )),
        "the re-run did not sign the registry's digest of {tag}:\n{log}"
    );
    report(&format!(
        "pipeline re-run on {}: nothing pushed, {tag} signed again",
        ci.name()
    ));
}

/// The ref a moving tag follows (`main`, `build-main`), or None for a tag naming one build.
fn moves(tag: &str) -> Option<&str> {
    let one_build = regex::Regex::new(r"-[0-9a-f]{12}(-[0-9]{12})?$").unwrap();
    (!one_build.is_match(tag)).then(|| tag.strip_prefix("build-").unwrap_or(tag))
}

fn check(
    event: Event,
    image: &str,
    commit: &str,
    log: &str,
    outcome: &Outcome,
    before: &BTreeMap<String, String>,
) {
    let new: Vec<&String> = outcome
        .pushed
        .keys()
        .filter(|t| !before.contains_key(*t))
        .collect();
    let changed: Vec<&String> = outcome
        .pushed
        .iter()
        .filter(|(t, d)| before.get(*t).is_some_and(|b| b != *d))
        .map(|(t, _)| t)
        .collect();
    match event {
        Event::Request => {
            assert_eq!(
                outcome.built,
                format!("{image}:feature-login-{commit}"),
                "{log}"
            );
            assert!(
                outcome.pushed.is_empty(),
                "a request pushed {:?}",
                outcome.pushed
            );
            assert!(!log.contains("==> push"), "{log}");
        }
        Event::DefaultBranch => {
            assert_eq!(outcome.built, format!("{image}:main-{commit}"), "{log}");
            let want = ["build-main", "main", &format!("main-{commit}")];
            assert_eq!(sorted(&new), sorted_str(&want), "{log}");
            // Every build warms its cache from the registry's images of the branch.
            assert!(
                log.contains(&format!("--cache-from {image}:build-main")),
                "the default branch did not warm from the registry:\n{log}"
            );
        }
        Event::VersionTag => {
            assert_eq!(outcome.built, format!("{image}:v1.0.0-{commit}"), "{log}");
            let want = ["build-v1.0.0", "v1.0.0", &format!("v1.0.0-{commit}")];
            assert_eq!(sorted(&new), sorted_str(&want), "{log}");
            assert!(changed.is_empty(), "a version tag moved {changed:?}");
        }
        Event::Schedule => {
            assert!(log.contains("--no-cache --pull"), "{log}");
            assert!(!log.contains("--cache-from"), "{log}");
            let rebuilt = regex::Regex::new(&format!(
                "^{}:main-{commit}-[0-9]{{12}}$",
                regex::escape(image)
            ))
            .unwrap();
            assert!(
                rebuilt.is_match(&outcome.built),
                "the rebuild is {}",
                outcome.built
            );
            let tag = outcome.built.rsplit_once(':').unwrap().1;
            assert_eq!(new, vec![tag], "{log}");
            // The branch tags move to the rebuild; the commit's first build stays.
            assert_eq!(sorted(&changed), sorted_str(&["build-main", "main"]));
            assert_eq!(outcome.pushed["main"], outcome.pushed[tag]);
        }
    }
}

/// The build was scanned before anything was pushed, and what was pushed was signed by the
/// digest the registry holds for the build's own tag.
fn check_scan_and_signature(event: Event, image: &str, log: &str, outcome: &Outcome) {
    let scan = log
        .find("stand-in trivy: image --image-src docker")
        .unwrap_or_else(|| panic!("{event:?}: the image was not scanned:\n{log}"));
    assert!(
        log.contains(&format!(
            "--severity CRITICAL --ignorefile /tmp/trivyignore {}",
            outcome.built
        )),
        "{event:?}: the scan did not name the built image:\n{log}"
    );
    if let Some(push) = log.find("==> push") {
        assert!(scan < push, "{event:?}: pushed before the scan:\n{log}");
    }
    // An image index is signed with each of its platforms' images.
    let signed: Vec<&str> = log
        .lines()
        .filter_map(|l| {
            l.split_once("stand-in cosign: sign --yes --recursive ")
                .map(|(_, r)| r.trim())
        })
        .collect();
    assert!(
        !log.contains("stand-in cosign: sign --yes 127."),
        "{event:?}: the index was signed without its platforms' images:\n{log}"
    );
    if event == Event::Request {
        assert!(signed.is_empty(), "a request signed {signed:?}");
        return;
    }
    let tag = outcome.built.rsplit_once(':').unwrap().1;
    let digest = &outcome.pushed[tag];
    assert_eq!(
        signed,
        vec![format!("{image}@{digest}")],
        "{event:?}: not signed by the pushed digest of {tag}:\n{log}"
    );
}

/// A push is one image for every platform of the answer (the default: linux/amd64 and
/// linux/arm64), built by a builder of its own with provenance and SBOM attestations, QEMU set
/// up for the platform the runner lacks; a request sets up and pushes nothing.
fn check_platforms(ci: Ci, event: Event, log: &str) {
    let (builder, qemu) = match ci {
        Ci::GitHub => (
            "stand-in-builder",
            "stand-in setup-qemu: platforms linux/arm64",
        ),
        Ci::GitLab => ("pyscaffold-push", "--install linux/arm64"),
    };
    let newest = pyscaffold::template_set::builtin::latest().unwrap();
    let set = pyscaffold::template_set::builtin::load(&newest).unwrap();
    let generator = &set.dependencies["supply_chain"]["sbom_generator"][0];
    assert!(generator.contains("@sha256:"), "{generator}");
    let push = format!(
        "stand-in buildx: build builder={builder} platforms=linux/amd64,linux/arm64 \
         provenance=mode=max sbom=generator={generator} push=1"
    );
    if event == Event::Request {
        assert!(!log.contains("stand-in buildx: build"), "{log}");
        assert!(!log.contains(qemu), "a request set up QEMU:\n{log}");
        return;
    }
    assert!(
        log.contains(&push),
        "{event:?}: not pushed as one attested image for both platforms:\n{log}"
    );
    assert!(log.contains(qemu), "{event:?}: no QEMU for arm64:\n{log}");
    assert!(
        !log.contains("PUSH_BUILDER is not set"),
        "{event:?}: fell back to a host-platform push:\n{log}"
    );
}

fn sorted(tags: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = tags.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn sorted_str(tags: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = tags.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn both(stack: &str, args: &[&str]) {
    let rig = Rig::new();
    events(&rig, Ci::GitHub, stack, args);
    events(&rig, Ci::GitLab, stack, args);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn flask_pip_pipelines_on_every_event() {
    both("ci-flask", &["--framework", "flask", "--installer", "pip"]);
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn django_pipenv_pipelines_on_every_event() {
    both(
        "ci-django",
        &["--framework", "django", "--installer", "pipenv"],
    );
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn fastapi_uv_pipelines_on_every_event() {
    both(
        "ci-fastapi",
        &["--framework", "fastapi", "--installer", "uv"],
    );
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn wsgi_pip_tools_pipelines_on_every_event() {
    both(
        "ci-wsgi",
        &["--framework", "wsgi", "--installer", "pip-tools"],
    );
}

/// A CRITICAL finding fails the default branch's pipeline on both CIs after the smoke test,
/// with nothing pushed; `.trivyignore` reaches the scanner.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn a_critical_finding_stops_the_pipeline_before_any_push() {
    let rig = Rig::new();
    rig.stand_in_scanner(true);
    let args = ["--framework", "flask", "--installer", "pip"];
    for ci in [Ci::GitHub, Ci::GitLab] {
        let (_tmp, root, repository, _image) = ci_project(&rig, ci, "ci-finding", &args);
        std::fs::write(
            root.join(".trivyignore"),
            "# CVE-0000-0001: accepted for the test\nCVE-0000-0001\n",
        )
        .unwrap();
        git(&root, &["add", ".trivyignore"]);
        git(&root, &["commit", "-q", "-m", "accept a finding"]);
        let (ok, log) = match ci {
            Ci::GitHub => run_github(&rig, &root, Event::DefaultBranch),
            Ci::GitLab => run_gitlab(&rig, &root, Event::DefaultBranch),
        };
        assert!(!ok, "{}: a CRITICAL finding passed:\n{log}", ci.name());
        assert!(log.contains("smoke: healthy"), "{log}");
        assert!(
            log.contains("stand-in trivy: ignore file has 2 lines"),
            "{log}"
        );
        assert!(log.contains("build: vulnerability scan failed"), "{log}");
        assert!(log.contains("help: "), "{log}");
        assert!(!log.contains("==> push"), "{log}");
        assert!(!log.contains("stand-in cosign: "), "{log}");
        let pushed = rig.pushed(&repository);
        assert!(pushed.is_empty(), "{}: pushed {pushed:?}", ci.name());
        report(&format!(
            "pipeline with a CRITICAL finding on {}: failed before any push",
            ci.name()
        ));
    }
}

/// The scheduled upgrade job, through the CI clients: the project (generated under pack `v1`,
/// with the job) is behind pack `v2`. Each job installs pyscaffold from the wheel the suite
/// builds (a package index folder), upgrades on `pyscaffold/upgrade`, pushes the branch to the
/// repository (a bare one, reached through the URL the job pushes to) and opens its request on
/// the API recorder; the GitHub job builds and smoke-tests the upgraded image first.
#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn the_upgrade_job_opens_its_request_from_github_actions_and_gitlab_ci() {
    let Some(maturin) = tool("maturin") else {
        return;
    };
    let rig = Rig::new();
    let dist = rig.tmp.path().join("dist");
    crate::wheel::build_wheel(&maturin, &dist);
    let pack = crate::upgrade_job::pack(rig.tmp.path());
    let (api, seen) = crate::upgrade_job::fake_api();
    let from_v1 = format!("file://{}#v1", pack.display());
    let answers = ["--pack", &from_v1, "--set", "upgrade_job=true"];

    // GitHub Actions, on a workflow_dispatch: the job pushes to
    // https://github.com/team/app.git, which git (the job's HOME) sends to the bare repository.
    let (_tmp, root, _, _) = ci_project(&rig, Ci::GitHub, "upgrade", &answers);
    // act names the repository (GITHUB_REPOSITORY) from a GitHub remote only.
    git(
        &root,
        &[
            "remote",
            "set-url",
            "origin",
            "https://github.com/team/app.git",
        ],
    );
    let origin = rig.tmp.path().join("github-origin.git");
    git(
        rig.tmp.path(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    let home = rig.tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        format!(
            "[url \"file://{}\"]\n\tinsteadOf = https://github.com/team/app.git\n",
            origin.display()
        ),
    )
    .unwrap();
    let act = tool("act").expect("act");
    let workflow =
        std::fs::read_to_string(root.join(".github/workflows/pyscaffold-upgrade.yml")).unwrap();
    let event = rig.tmp.path().join("workflow_dispatch.json");
    std::fs::write(
        &event,
        serde_json::json!({"repository": {"default_branch": DEFAULT_BRANCH, "full_name": "team/app"}})
            .to_string(),
    )
    .unwrap();
    let mut command = rig.command(&act, &root);
    command
        .args([
            "workflow_dispatch",
            "-W",
            ".github/workflows/pyscaffold-upgrade.yml",
            "-e",
        ])
        .arg(&event)
        .args(["-P", "ubuntu-24.04=-self-hosted"]);
    for (action, dir) in [("actions/checkout", "checkout"), ("actions/cache", "cache")] {
        command.arg("--local-repository").arg(format!(
            "{action}@{}={}",
            pinned(&workflow, action),
            rig.stand_ins.join(dir).display()
        ));
    }
    let out = command
        .args(["--env", "PIP_NO_INDEX=1", "--env"])
        .arg(format!("PIP_FIND_LINKS={}", dist.display()))
        .args(["--env", &format!("GITHUB_API_URL={api}")])
        .args(["-s", "PYSCAFFOLD_UPGRADE_TOKEN=gh-upgrade-token"])
        .output()
        .unwrap();
    let log = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success() && log.contains("Job succeeded"),
        "act (upgrade job) failed:\n{log}"
    );
    assert!(log.contains("smoke: healthy"), "{log}");
    let request = check_upgrade_job(
        &log,
        &origin,
        &seen,
        "/repos/team/app/pulls",
        "Bearer gh-upgrade-token",
    );
    assert_eq!(request["head"], "pyscaffold/upgrade");
    assert_eq!(
        request["draft"], false,
        "the upgraded image built and passed: {request}"
    );
    report("upgrade job on github: installed from the wheel, built, pushed, opened a pull request");

    // GitLab CI, on the schedule with PYSCAFFOLD_UPGRADE=1: the job pushes to
    // $CI_SERVER_URL/$CI_PROJECT_PATH.git.
    let (_tmp, root, _, _) = ci_project(&rig, Ci::GitLab, "upgrade", &answers);
    let server = rig.tmp.path().join("gitlab-server");
    let origin = server.join("team/app.git");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "--bare", "."]);
    let set = [
        "CI_PIPELINE_SOURCE=schedule".to_string(),
        "PYSCAFFOLD_UPGRADE=1".to_string(),
        format!("CI_DEFAULT_BRANCH={DEFAULT_BRANCH}"),
        format!("CI_COMMIT_BRANCH={DEFAULT_BRANCH}"),
        format!("CI_COMMIT_REF_NAME={DEFAULT_BRANCH}"),
        format!("CI_SERVER_URL=file://{}", server.display()),
        "CI_PROJECT_PATH=team/app".to_string(),
        "CI_PROJECT_ID=42".to_string(),
        format!("CI_API_V4_URL={api}/api/v4"),
        "PYSCAFFOLD_UPGRADE_TOKEN=gl-upgrade-token".to_string(),
        "PIP_NO_INDEX=1".to_string(),
        format!("PIP_FIND_LINKS={}", dist.display()),
    ];
    let out = gitlab_ci_local(&rig, &root, "gitlab-ci-local-upgrade", &set, &[]);
    let log = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success() && log.contains("PASS") && !log.contains("FAIL"),
        "gitlab-ci-local (upgrade job) failed:\n{log}"
    );
    assert!(
        log.contains("pyscaffold-upgrade"),
        "the upgrade job did not run:\n{log}"
    );
    assert!(
        !log.contains("docker-image"),
        "the image job ran on the upgrade schedule:\n{log}"
    );
    let request = check_upgrade_job(
        &log,
        &origin,
        &seen,
        "/api/v4/projects/42/merge_requests",
        "gl-upgrade-token",
    );
    assert_eq!(request["source_branch"], "pyscaffold/upgrade");
    assert_eq!(request["target_branch"], DEFAULT_BRANCH);
    report("upgrade job on gitlab: installed from the wheel, pushed, opened a merge request");
}

/// What an upgrade job run shows: pyscaffold installed from its wheel, the upgrade branch on
/// `origin` holding pack v2's file and record, and one request opened at `path` with `token`;
/// returns the request.
fn check_upgrade_job(
    log: &str,
    origin: &Path,
    seen: &std::sync::Arc<std::sync::Mutex<Vec<crate::upgrade_job::Seen>>>,
    path: &str,
    token: &str,
) -> serde_json::Value {
    let version = env!("CARGO_PKG_VERSION");
    for part in [
        &format!("installed pyscaffold {version} from its wheel") as &str,
        "upgrade job: opened or updated the request",
    ] {
        assert!(log.contains(part), "no `{part}` in the job's log:\n{log}");
    }
    let owners = git(origin, &["show", "pyscaffold/upgrade:CODEOWNERS"]);
    assert_eq!(owners, "# owners\n* @acme/two");
    let record = git(origin, &["show", "pyscaffold/upgrade:.pyscaffold.yml"]);
    assert!(record.contains("version: \"2.0.0\""), "{record}");
    let post = opened(seen, path);
    assert!(post.headers.contains(token), "{}", post.headers);
    crate::upgrade_job::body(&post)
}

/// The one request the recorder received that opened something at `path`.
fn opened(
    seen: &std::sync::Arc<std::sync::Mutex<Vec<crate::upgrade_job::Seen>>>,
    path: &str,
) -> crate::upgrade_job::Seen {
    let seen = seen.lock().unwrap();
    let posts: Vec<_> = seen
        .iter()
        .filter(|s| s.method == "POST" && s.path == path)
        .collect();
    assert_eq!(posts.len(), 1, "requests: {seen:?}");
    posts[0].clone()
}
