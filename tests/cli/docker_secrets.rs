//! Build secrets (P13) and the daemonless builder (P14), end to end.
//!
//! A real package index (pypiserver, password-protected) on 127.0.0.1 serves a private
//! dependency; the build reaches it only through the `pip_conf` BuildKit secret, and the
//! password must then be nowhere in the images, their history, config or saved layers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::docker_e2e::{Engine, build, free_port, project};
use crate::support::{run_tool, stderr, stdout, tool};

const MAKE_WHEEL: &str = r#"
import base64, hashlib, sys, zipfile
out = sys.argv[1]
files = {
    "e2e_private_dep/__init__.py": "VALUE = 'from the private index'\n",
    "e2e_private_dep-1.0.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: e2e-private-dep\nVersion: 1.0.0\n",
    "e2e_private_dep-1.0.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(out + "/e2e_private_dep-1.0.0-py3-none-any.whl", "w") as whl:
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
        whl.writestr(name, data)
    record.append("e2e_private_dep-1.0.0.dist-info/RECORD,,")
    whl.writestr("e2e_private_dep-1.0.0.dist-info/RECORD", "\n".join(record) + "\n")
"#;

const MAKE_HTPASSWD: &str = r#"
import sys
from passlib.apache import HtpasswdFile
ht = HtpasswdFile(sys.argv[1], new=True)
ht.set_password("builder", sys.argv[2])
ht.save()
"#;

struct Index(Child);

impl Drop for Index {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn private_index_password_reaches_the_install_step_and_no_layer() {
    // For each way in (pip.conf, installer variables in build_env, or the variable a Pipfile
    // source names) and every installer that reads PIP_INDEX_URL.
    let engine = Engine::get();
    let (Some(python), Some(pypi_server)) = (tool("python3"), tool("pypi-server")) else {
        return;
    };
    let index_tmp = assert_fs::TempDir::new().unwrap();
    let index_dir = index_tmp.path().join("index");
    let packages = index_dir.join("packages");
    std::fs::create_dir_all(&packages).unwrap();
    let password = format!("pw-{}-{}", std::process::id(), free_port());
    let (ok, text) = run_tool(
        &python,
        &["-c", MAKE_WHEEL, packages.to_str().unwrap()],
        &index_dir,
    );
    assert!(ok, "cannot make the private wheel: {text}");
    let (ok, text) = run_tool(
        &python,
        &["-c", MAKE_HTPASSWD, "htpasswd", &password],
        &index_dir,
    );
    assert!(ok, "cannot write htpasswd: {text}");

    let port = free_port();
    let _index = Index(
        Command::new(&pypi_server)
            .args([
                "run",
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-P",
                "htpasswd",
                "-a",
                "download,list,update",
                "--disable-fallback",
                "packages",
            ])
            .current_dir(&index_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "pypiserver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let index = format!("http://builder:{password}@127.0.0.1:{port}/simple/");
    for case in PRIVATE_CASES {
        private_build(&engine, case, &index, &password);
    }
}

/// How a private index reaches the build.
#[derive(Clone, Copy)]
enum Via {
    /// A pip.conf as the `pip_conf` secret (`PIP_CONF_FILE`).
    PipConf,
    /// `PIP_INDEX_URL=...` lines as the `build_env` secret (`BUILD_ENV_FILE`).
    BuildEnv,
    /// The variable the project's own index source names (`${E2E_PRIVATE_INDEX}`), as the
    /// `build_env` secret.
    SourceVariable,
}

struct PrivateCase {
    name: &'static str,
    args: &'static [&'static str],
    via: Via,
    /// Adds the private dependency to the project (and locks it), given the index URL.
    depend: fn(&Path, &str),
}

const PRIVATE_CASES: &[PrivateCase] = &[
    PrivateCase {
        name: "e2e-secret",
        args: &["-y", "--build-package", "none"],
        via: Via::PipConf,
        depend: append_requirement,
    },
    PrivateCase {
        name: "e2e-secret-env",
        args: &["-y", "--build-package", "none"],
        via: Via::BuildEnv,
        depend: append_requirement,
    },
    PrivateCase {
        name: "e2e-secret-flit",
        args: &["-y", "--build-package", "none", "--installer", "flit"],
        via: Via::BuildEnv,
        depend: flit_dependency,
    },
    PrivateCase {
        name: "e2e-secret-piptools",
        args: &["-y", "--build-package", "none", "--installer", "pip-tools"],
        via: Via::BuildEnv,
        depend: pip_tools_dependency,
    },
    PrivateCase {
        name: "e2e-secret-pipenv",
        args: &["-y", "--build-package", "none", "--installer", "pipenv"],
        via: Via::SourceVariable,
        depend: pipenv_dependency,
    },
    PrivateCase {
        name: "e2e-secret-pdm",
        args: &["-y", "--build-package", "none", "--installer", "pdm"],
        via: Via::SourceVariable,
        depend: pdm_dependency,
    },
];

/// Runs a lock command with the private index in `E2E_PRIVATE_INDEX`, the variable the
/// project's index source names, as a developer's shell would have it.
fn lock_with_index(root: &Path, tool_name: &str, args: &[&str], index: &str) {
    let program = tool(tool_name).unwrap_or_else(|| panic!("{tool_name} is missing"));
    let done = Command::new(&program)
        .args(args)
        .current_dir(root)
        .env("PATH", crate::support::tools_path())
        .env("E2E_PRIVATE_INDEX", index)
        .env("PIPENV_VERBOSITY", "-1")
        .env("PDM_CHECK_UPDATE", "false")
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{tool_name} {args:?}: {}{}",
        stdout(&done),
        stderr(&done)
    );
}

/// A second Pipfile source whose URL is a variable (how Pipenv keeps credentials out of the
/// Pipfile), the private package pinned to it, locked with `pipenv lock`. The exported list
/// keeps `${E2E_PRIVATE_INDEX}`, which pip expands from the `build_env` secret.
fn pipenv_dependency(root: &Path, index: &str) {
    let file = root.join("Pipfile");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen(
        "[packages]\n",
        "[[source]]\nurl = \"${E2E_PRIVATE_INDEX}\"\nverify_ssl = true\nname = \"private\"\n\n\
         [packages]\ne2e-private-dep = {version = \"==1.0.0\", index = \"private\"}\n",
        1,
    );
    std::fs::write(&file, text).unwrap();
    lock_with_index(root, "pipenv", &["lock"], index);
}

/// The private package as a dependency and a `[[tool.pdm.source]]` naming the variable,
/// locked with `pdm lock`.
fn pdm_dependency(root: &Path, index: &str) {
    flit_dependency(root, index);
    let file = root.join("pyproject.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        "\n[[tool.pdm.source]]\nname = \"private\"\nurl = \"${E2E_PRIVATE_INDEX}\"\nverify_ssl = true\n",
    );
    std::fs::write(&file, text).unwrap();
    lock_with_index(root, "pdm", &["lock"], index);
}

fn append_requirement(root: &Path, _index: &str) {
    let requirements = root.join("requirements.txt");
    let mut text = std::fs::read_to_string(&requirements).unwrap();
    text.push_str("e2e-private-dep==1.0.0\n");
    std::fs::write(&requirements, text).unwrap();
}

fn flit_dependency(root: &Path, _index: &str) {
    let file = root.join("pyproject.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen(
        "dependencies = [\n",
        "dependencies = [\n    \"e2e-private-dep==1.0.0\",\n",
        1,
    );
    std::fs::write(&file, text).unwrap();
}

/// Adds the dependency to requirements.in and locks it with the project's one lock command,
/// `docker/pin.py` (pip-compile on this machine), against the private index; the index URL
/// and its password must not be written into the lock files.
fn pip_tools_dependency(root: &Path, index: &str) {
    let file = root.join("requirements.in");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("e2e-private-dep==1.0.0\n");
    std::fs::write(&file, text).unwrap();
    let python = tool("python3").expect("python3");
    let done = Command::new(&python)
        .args(["docker/pin.py"])
        .current_dir(root)
        .env("PATH", crate::support::tools_path())
        .env("PIP_INDEX_URL", index)
        .env("PIP_EXTRA_INDEX_URL", "https://pypi.org/simple")
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "docker/pin.py: {}{}",
        stdout(&done),
        stderr(&done)
    );
}

/// Builds `case` with the private index given as its secret, runs the private package, and
/// looks for the password in every place an image keeps data.
fn private_build(engine: &Engine, case: &PrivateCase, index: &str, password: &str) {
    let (_tmp, root) = project(case.name, case.args);
    (case.depend)(&root, index);
    // The secret file lives beside the project (as a CI runner's would), not in it.
    let secret = root.parent().unwrap().join("secret");
    let env_var = match case.via {
        Via::PipConf => {
            std::fs::write(
                &secret,
                format!(
                    "[global]\nindex-url = {index}\nextra-index-url = https://pypi.org/simple\n"
                ),
            )
            .unwrap();
            "PIP_CONF_FILE"
        }
        Via::BuildEnv => {
            std::fs::write(
                &secret,
                format!("PIP_INDEX_URL={index}\nPIP_EXTRA_INDEX_URL=https://pypi.org/simple\n"),
            )
            .unwrap();
            "BUILD_ENV_FILE"
        }
        Via::SourceVariable => {
            std::fs::write(&secret, format!("E2E_PRIVATE_INDEX={index}\n")).unwrap();
            "BUILD_ENV_FILE"
        }
    };
    for file in [
        "requirements.txt",
        "pyproject.toml",
        "Pipfile",
        "Pipfile.lock",
        "pdm.lock",
    ] {
        if let Ok(text) = std::fs::read_to_string(root.join(file)) {
            assert!(
                !text.contains(password),
                "{}: the password is in {file}",
                case.name
            );
        }
    }
    let image = format!("pyscaffold-e2e/{}", case.name);
    let (tag, log) = build(&root, &image, &[(env_var, secret.to_str().unwrap())]);
    let name = case.name;
    assert!(
        !log.contains(password),
        "{name}: the password appears in the build output"
    );
    let out = engine.run(&[
        "run",
        "--rm",
        "--network",
        "host",
        &tag,
        "python",
        "-c",
        "import e2e_private_dep as d; print(d.VALUE)",
    ]);
    assert_eq!(
        stdout(&out).trim(),
        "from the private index",
        "{name}: {}",
        stderr(&out)
    );
    crate::support::report(&format!(
        "e2e {name}: the private package came through the {} secret; the password is in no layer",
        match case.via {
            Via::PipConf => "pip_conf",
            Via::BuildEnv => "build_env",
            Via::SourceVariable => "build_env (the variable its index source names)",
        }
    ));

    let build_tag = format!("{image}:build-main");
    for target in [tag.as_str(), build_tag.as_str()] {
        let history = engine.ok("history", &["history", "--no-trunc", target]);
        assert!(
            !history.contains(password),
            "{name}: password in `docker history` of {target}"
        );
        let config = engine.ok("inspect", &["image", "inspect", target]);
        assert!(
            !config.contains(password),
            "{name}: password in the image config of {target}"
        );
        let saved = Command::new("/usr/bin/docker")
            .args(["save", target])
            .output()
            .unwrap();
        assert!(saved.status.success(), "docker save {target}");
        // The search works: the private package's own code is in the saved layers.
        assert!(contains(&saved.stdout, b"from the private index") || target == build_tag);
        assert!(
            !contains(&saved.stdout, password.as_bytes()),
            "{name}: password in the saved layers of {target}"
        );
    }
}

#[test]
#[ignore = "needs a Docker engine: scripts/test.sh starts one (as root) and includes these"]
fn buildah_builds_the_same_dockerfile_and_the_image_passes_the_smoke_test() {
    let engine = Engine::get();
    let Some(python) = tool("python3") else {
        return;
    };
    let buildah = Path::new("/usr/bin/buildah");
    assert!(
        buildah.is_file(),
        "buildah is missing: scripts/docker-e2e.sh start installs it"
    );
    let (tmp, root) = project("e2e-buildah", &["-y"]);
    let base = "python:3.13-slim-trixie";
    let archive = tmp.path().join("base.tar");
    engine.ok(
        "save base",
        &["save", "-o", archive.to_str().unwrap(), base],
    );
    let pulled = run_tool(
        buildah,
        &[
            "pull",
            "-q",
            &format!("docker-archive:{}", archive.display()),
        ],
        &root,
    );
    assert!(pulled.0, "buildah pull: {}", pulled.1);
    let id = pulled.1.lines().last().unwrap().trim().to_string();
    let tagged = run_tool(
        buildah,
        &["tag", &id, &format!("docker.io/library/{base}")],
        &root,
    );
    assert!(tagged.0, "buildah tag: {}", tagged.1);

    let built = run_tool(
        buildah,
        &[
            "bud",
            "--isolation",
            "chroot",
            "--network",
            "host",
            "--format",
            "docker",
            "-t",
            "e2e-buildah:built",
            ".",
        ],
        &root,
    );
    assert!(built.0, "buildah bud failed:\n{}", built.1);
    let exported = tmp.path().join("built.tar");
    let pushed = run_tool(
        buildah,
        &[
            "push",
            "e2e-buildah:built",
            &format!("docker-archive:{}:e2e-buildah:built", exported.display()),
        ],
        &root,
    );
    assert!(pushed.0, "buildah push: {}", pushed.1);
    engine.ok("load", &["load", "-i", exported.to_str().unwrap()]);
    let smoke = run_tool(
        &python,
        &[
            "docker/smoke_test.py",
            "e2e-buildah:built",
            "--network",
            "host",
        ],
        &root,
    );
    assert!(
        smoke.0,
        "the buildah-built image fails the smoke test:\n{}",
        smoke.1
    );
    let _ = run_tool(buildah, &["rmi", "-f", "e2e-buildah:built"], &root);
}
