//! The supply-chain steps of the generated `docker/build.py`, without an engine (the Docker
//! end-to-end and pipeline tests run them for real): the scan comes after the smoke test and
//! before any push, signing comes last and names a digest, never a tag, and misuse is refused.

use std::process::{Command, Stdio};

use crate::support::{generate, stderr, stdout, tool};

/// `python3 docker/build.py ARGS` in a generated project: (exit code, stdout, stderr).
fn build_py(args: &[&str], env: &[(&str, &str)]) -> Option<(i32, String, String)> {
    build_py_with(&[], args, env)
}

/// `python3 docker/build.py ARGS` in a project generated with `new -y --no-lock ANSWERS`.
fn build_py_with(
    answers: &[&str],
    args: &[&str],
    env: &[(&str, &str)],
) -> Option<(i32, String, String)> {
    let python = tool("python3")?;
    let mut new_args = vec!["-y", "--no-lock"];
    new_args.extend_from_slice(answers);
    let (_tmp, root) = generate("demo", &new_args);
    let out = Command::new(python)
        .arg("docker/build.py")
        .args(args)
        .current_dir(&root)
        .env("IMAGE", "registry.example.com/team/demo")
        .env_remove("TRIVY_IMAGE")
        .env_remove("DOCKER_HOST")
        .env_remove("PUSH_BUILDER")
        .env_remove("PLATFORMS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some((out.status.code().unwrap_or(-1), stdout(&out), stderr(&out)))
}

#[test]
fn the_scan_gates_the_push_and_signing_names_the_pushed_digest() {
    let Some((code, out, err)) = build_py(&["--dry-run", "--scan", "--push", "--sign"], &[]) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    let steps: Vec<&str> = out.lines().map(|l| l.split_once(": ").unwrap().0).collect();
    let at = |step: &str| steps.iter().position(|s| *s == step).unwrap();
    assert!(at("smoke test") < at("vulnerability scan"), "{out}");
    let first_push = steps.iter().position(|s| s.starts_with("push ")).unwrap();
    assert!(at("vulnerability scan") < first_push, "{out}");
    assert_eq!(steps.last(), Some(&"sign"), "{out}");
    let newest = pyscaffold::template_set::builtin::latest().unwrap();
    let set = pyscaffold::template_set::builtin::load(&newest).unwrap();
    let scanner = &set.dependencies["supply_chain"]["scanner"][0];
    assert!(
        out.contains(&format!("--entrypoint /bin/sh {scanner} ")),
        "the scan does not run the template set's scanner {scanner}:\n{out}"
    );
    assert!(
        out.contains("-v /var/run/docker.sock:/var/run/docker.sock"),
        "{out}"
    );
    assert!(
        out.contains("--exit-code 3 --severity CRITICAL --ignorefile /tmp/trivyignore registry.example.com/team/demo:"),
        "{out}"
    );
    assert!(
        out.contains("sign: cosign sign --yes registry.example.com/team/demo@DIGEST"),
        "signing must name the digest, never a tag:\n{out}"
    );

    // The scanner, its severities and the engine's socket follow the environment.
    let (code, out, err) = build_py(
        &["--dry-run", "--scan"],
        &[
            ("TRIVY_IMAGE", "mirror.example.com/trivy@sha256:0123"),
            ("SCAN_SEVERITY", "HIGH,CRITICAL"),
            ("DOCKER_HOST", "unix:///run/user/1000/docker.sock"),
        ],
    )
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("/bin/sh mirror.example.com/trivy@sha256:0123 "),
        "{out}"
    );
    assert!(out.contains("--severity HIGH,CRITICAL"), "{out}");
    assert!(
        out.contains("-v /run/user/1000/docker.sock:/var/run/docker.sock"),
        "{out}"
    );
    assert!(!out.contains("sign:"), "{out}");
}

#[test]
fn signing_without_a_push_is_refused_before_anything_runs() {
    let Some((code, out, err)) = build_py(&["--sign"], &[("DOCKER", "/nonexistent/docker")]) else {
        return;
    };
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("--sign signs what --push pushed: give both"),
        "{err}"
    );
    assert!(!out.contains("==>"), "something ran:\n{out}");
}

/// A stand-in docker client for `--dry-run`: buildx answers for the builder `ci-builder`
/// (container driver) and `engine` (the engine's own `docker` driver), and no image is local.
fn stand_in_docker(dir: &std::path::Path) -> String {
    let path = dir.join("docker");
    std::fs::write(
        &path,
        "#!/bin/sh\n\
         case \"$1 $2 $3\" in\n\
         \x20 \"buildx inspect ci-builder\") printf 'Name: ci-builder\\nDriver: docker-container\\n' ;;\n\
         \x20 \"buildx inspect engine\") printf 'Name: engine\\nDriver: docker\\n' ;;\n\
         \x20 \"buildx inspect \"*) echo \"ERROR: no builder \\\"$3\\\" found\" >&2; exit 1 ;;\n\
         \x20 \"image inspect \"*) exit 1 ;;\n\
         esac\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_push_builder_pushes_one_attested_image_for_every_platform_after_the_gates() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let docker = stand_in_docker(tmp.path());
    // A dry run checks no builder (`docker buildx inspect`): this client notes every call and
    // fails it.
    let calls = tmp.path().join("calls");
    let recording = tmp.path().join("recording-docker");
    std::fs::write(
        &recording,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\nexit 1\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&recording, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = [
        ("DOCKER", recording.to_str().unwrap()),
        ("PUSH_BUILDER", "ci-builder"),
    ];
    let Some((code, out, err)) = build_py(&["--dry-run", "--scan", "--push", "--sign"], &env)
    else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    let steps: Vec<(&str, &str)> = out.lines().filter_map(|l| l.split_once(": ")).collect();
    let at = |step: &str| steps.iter().position(|(s, _)| s.starts_with(step)).unwrap();
    // The build stage is pushed as built (the cache later builds warm from); the runtime stage
    // goes out once, for every platform, with its attestations, after the smoke test and scan.
    let (_, build_push) = steps[at("push registry.example.com/team/demo:build-")];
    assert!(
        build_push.ends_with(" push registry.example.com/team/demo:build-detached"),
        "{out}"
    );
    let (name, index) = steps[at("push registry.example.com/team/demo:detached-nocommit, ")];
    assert!(name.ends_with("(linux/amd64,linux/arm64)"), "{out}");
    for part in [
        " buildx build --builder ci-builder --target runtime --platform linux/amd64,linux/arm64 \
         --provenance=mode=max --sbom=generator=docker/buildkit-syft-scanner:stable-1@sha256:",
        " --metadata-file ",
        " --push --tag registry.example.com/team/demo:detached-nocommit --tag registry.example.com/team/demo:detached ",
        " --cache-from registry.example.com/team/demo:build-detached ",
        " --build-arg GIT_COMMIT=",
    ] {
        assert!(index.contains(part), "no `{part}` in {index}");
    }
    assert!(
        at("vulnerability scan") < at("push registry.example.com/team/demo:build-"),
        "{out}"
    );
    assert_eq!(
        steps.last().unwrap(),
        &(
            "sign",
            "cosign sign --yes --recursive registry.example.com/team/demo@DIGEST"
        ),
        "{out}"
    );
    assert_eq!(
        steps.iter().filter(|(s, _)| s.starts_with("push ")).count(),
        2,
        "{out}"
    );
    // It may look in the local image store for cache candidates (a failure there means none),
    // and nothing else: not buildx, which a machine without the builder fails on.
    let ran = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(
        ran.lines().all(|l| l.starts_with("image inspect ")),
        "the dry run ran more than lookups: {ran}"
    );
    let notes: Vec<&str> = out.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(
        notes,
        [
            "note: PUSH_BUILDER=ci-builder is checked (`docker buildx inspect`) when the build runs; a dry run runs nothing"
        ],
        "{out}"
    );

    // PLATFORMS overrides the answer; a schedule's --no-cache warms from nothing.
    let env = [
        ("DOCKER", docker.as_str()),
        ("PUSH_BUILDER", "ci-builder"),
        ("PLATFORMS", "linux/arm64"),
    ];
    let (code, out, err) = build_py(&["--dry-run", "--push", "--no-cache"], &env).unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(" --platform linux/arm64 --provenance=mode=max"),
        "{out}"
    );
    assert!(!out.contains("--cache-from"), "{out}");

    // The answer sets the default: `none` is the builder's own platform.
    let (code, out, err) = build_py_with(
        &["--set", "platforms=none"],
        &["--dry-run", "--push"],
        &[("DOCKER", docker.as_str()), ("PUSH_BUILDER", "ci-builder")],
    )
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(the builder platform): "), "{out}");
    assert!(!out.contains("--platform"), "{out}");
}

#[test]
fn without_a_push_builder_the_host_platform_is_pushed_and_a_note_says_so() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let docker = stand_in_docker(tmp.path());
    let Some((code, out, err)) = build_py(
        &["--dry-run", "--push", "--sign"],
        &[("DOCKER", docker.as_str()), ("PUSH_BUILDER", "")],
    ) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("note: PUSH_BUILDER is not set: pushing the image built here, for this host's platform only, without provenance or SBOM attestations"),
        "{out}"
    );
    assert!(!out.contains("buildx"), "{out}");
    assert_eq!(
        out.matches(" push registry.example.com/team/demo:").count(),
        3,
        "{out}"
    );
    assert!(
        out.contains("sign: cosign sign --yes registry.example.com/team/demo@DIGEST"),
        "{out}"
    );
}

#[test]
fn a_push_builder_that_cannot_build_an_attested_index_is_refused_before_anything_runs() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let docker = stand_in_docker(tmp.path());
    for (builder, says) in [
        (
            "missing",
            "build: PUSH_BUILDER=missing is not a buildx builder here: ERROR: no builder \"missing\" found",
        ),
        (
            "engine",
            "build: PUSH_BUILDER=engine uses the `docker` driver, which can build neither an image index nor attestations",
        ),
    ] {
        let Some((code, out, err)) = build_py(
            &["--push"],
            &[("DOCKER", docker.as_str()), ("PUSH_BUILDER", builder)],
        ) else {
            return;
        };
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.contains(says), "{err}");
        assert!(
            err.contains(
                "help: create one with `docker buildx create --name NAME --driver docker-container`"
            ),
            "{err}"
        );
        assert!(!out.contains("==>"), "something ran:\n{out}");
    }
}

/// Findings and a scanner that failed are told apart: Trivy exits 3 on findings (`--exit-code`),
/// and any other failure is the scanner's own, with its own help.
#[test]
fn a_scanner_that_fails_is_not_reported_as_vulnerabilities() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (_tmp, root) = generate("demo", &["-y", "--no-lock"]);
    let scan = |code: i32| {
        let out = Command::new(&python)
            .args([
                "-c",
                &format!(
                    "import sys; sys.path.insert(0, 'docker'); import build; \
                     build.run('vulnerability scan', ['sh', '-c', 'exit {code}'], None)"
                ),
            ])
            .current_dir(&root)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        stderr(&out)
    };
    let findings = scan(3);
    assert!(
        findings.contains("build: vulnerability scan failed\n"),
        "{findings}"
    );
    assert!(
        findings.contains("help: the image has vulnerabilities"),
        "{findings}"
    );
    let broken = scan(1);
    assert!(
        broken.contains("build: vulnerability scan failed: the scanner exited 1"),
        "{broken}"
    );
    assert!(
        broken.contains("help: the scanner itself failed, before it could judge the image"),
        "{broken}"
    );
    assert!(!broken.contains("has vulnerabilities"), "{broken}");
}

#[test]
fn the_scan_runs_on_the_build_network_and_a_push_without_the_host_platform_says_so() {
    let tmp = assert_fs::TempDir::new().unwrap();
    let docker = stand_in_docker(tmp.path());
    let Some((code, out, err)) = build_py(
        &["--dry-run", "--scan", "--push", "--network", "host"],
        &[
            ("DOCKER", docker.as_str()),
            ("PUSH_BUILDER", "ci-builder"),
            ("PLATFORMS", "linux/arm64"),
        ],
    ) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("vulnerability scan: ") && out.contains(" run --rm -i --network host -v "),
        "{out}"
    );
    // On an x86-64 or arm64 host, one of the two is left out.
    let host = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "amd64"
    };
    if host == "amd64" {
        assert!(
            out.contains("note: PLATFORMS (linux/arm64) leaves out this host's linux/amd64: no image pushed is of the platform the smoke test ran on"),
            "{out}"
        );
    }
}
