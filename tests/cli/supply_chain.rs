//! The supply-chain steps of the generated `docker/build.py`, without an engine (the Docker
//! end-to-end and pipeline tests run them for real): the scan comes after the smoke test and
//! before any push, signing comes last and names a digest, never a tag, and misuse is refused.

use std::process::{Command, Stdio};

use crate::support::{generate, stderr, stdout, tool};

/// `python3 docker/build.py ARGS` in a generated project: (exit code, stdout, stderr).
fn build_py(args: &[&str], env: &[(&str, &str)]) -> Option<(i32, String, String)> {
    let python = tool("python3")?;
    let (_tmp, root) = generate("demo", &["-y", "--no-lock"]);
    let out = Command::new(python)
        .arg("docker/build.py")
        .args(args)
        .current_dir(&root)
        .env("IMAGE", "registry.example.com/team/demo")
        .env_remove("TRIVY_IMAGE")
        .env_remove("DOCKER_HOST")
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
        out.contains("--exit-code 1 --severity CRITICAL --ignorefile /tmp/trivyignore registry.example.com/team/demo:"),
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
