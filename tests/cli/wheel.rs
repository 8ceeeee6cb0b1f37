//! pyscaffold as Python teams install their other Rust tools: a wheel built by maturin from
//! the repository's `pyproject.toml`, installed into a fresh virtualenv and with `uv tool
//! install`, offline, and run from there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_fs::TempDir;

use crate::support::{run_tool, stderr, stdout, tool};

/// The distribution name on the package index (`pyscaffold` is another project's).
const DISTRIBUTION: &str = "pyscaffold-docker";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the wheel into `out` (the dev profile: the suite proves the packaging, a release
/// builds with `--release`); returns its path. The suite's tests share one build: maturin
/// builds run side by side in one target folder would replace each other's binary.
pub(crate) fn build_wheel(maturin: &Path, out: &Path) -> PathBuf {
    static BUILT: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.is_none() {
        let dist = repo()
            .join("target/wheel/dist")
            .join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(&dist).unwrap();
        *built = Some(maturin_build(maturin, &dist));
    }
    let wheel = built.as_ref().unwrap();
    std::fs::create_dir_all(out).unwrap();
    let copy = out.join(wheel.file_name().unwrap());
    std::fs::copy(wheel, &copy).unwrap();
    copy
}

fn maturin_build(maturin: &Path, out: &Path) -> PathBuf {
    let built = Command::new(maturin)
        .args([
            "build",
            "--profile",
            "dev",
            "--locked",
            "--offline",
            "--out",
        ])
        .arg(out)
        .current_dir(repo())
        // A target folder of its own: the suite's cargo keeps its own, and maturin's flags
        // would otherwise rebuild what the suite compiled.
        .env("CARGO_TARGET_DIR", repo().join("target/wheel"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "maturin build failed:\n{}",
        stderr(&built)
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels[0].clone()
}

/// How an ELF executable is linked, from its header and program headers.
#[derive(Debug, PartialEq)]
struct ElfLinking {
    /// `ET_DYN` (a position-independent executable) rather than `ET_EXEC`.
    position_independent: bool,
    /// A `PT_INTERP` header: the kernel starts the dynamic loader first.
    interpreter: bool,
    /// A `PT_DYNAMIC` header: shared libraries or relocations to apply at start.
    dynamic_section: bool,
}

/// Reads a 64-bit little-endian ELF file's type and program headers.
fn elf_linking(bytes: &[u8]) -> Result<ElfLinking, String> {
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or(format!("the file ends before byte {at}"))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
            .ok_or(format!("the file ends before byte {at}"))
    };
    let u64_at = |at: usize| {
        bytes
            .get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
            .ok_or(format!("the file ends before byte {at}"))
    };
    if bytes.get(..6) != Some(b"\x7fELF\x02\x01".as_slice()) {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let kind = u16_at(0x10)?;
    let table = usize::try_from(u64_at(0x20)?).map_err(|e| e.to_string())?;
    let entry_size = usize::from(u16_at(0x36)?);
    let entries = usize::from(u16_at(0x38)?);
    let types = (0..entries)
        .map(|i| u32_at(table + i * entry_size))
        .collect::<Result<Vec<u32>, String>>()?;
    const PT_DYNAMIC: u32 = 2;
    const PT_INTERP: u32 = 3;
    const ET_DYN: u16 = 3;
    Ok(ElfLinking {
        position_independent: kind == ET_DYN,
        interpreter: types.contains(&PT_INTERP),
        dynamic_section: types.contains(&PT_DYNAMIC),
    })
}

#[test]
fn elf_linking_tells_a_static_executable_from_a_dynamic_one() {
    // This test binary is a dynamically linked, position-independent executable.
    let this = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert_eq!(
        elf_linking(&this),
        Ok(ElfLinking {
            position_independent: true,
            interpreter: true,
            dynamic_section: true,
        })
    );
    // A header alone: a fixed-address executable with no program headers.
    let mut header = vec![0u8; 64];
    header[..6].copy_from_slice(b"\x7fELF\x02\x01");
    header[0x10] = 2;
    header[0x20] = 64;
    header[0x36] = 56;
    assert_eq!(
        elf_linking(&header),
        Ok(ElfLinking {
            position_independent: false,
            interpreter: false,
            dynamic_section: false,
        })
    );
    // Program headers past the end of the file, and a file that is not ELF.
    header[0x38] = 1;
    assert!(elf_linking(&header).unwrap_err().contains("ends before"));
    assert!(elf_linking(b"#!/bin/sh\n").is_err());
}

fn version_line(binary: &Path) -> String {
    let out = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_wheel_installs_the_pyscaffold_command_with_pip_and_uv() {
    let (Some(maturin), Some(uv)) = (tool("maturin"), tool("uv")) else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let wheel = build_wheel(&maturin, &tmp.path().join("dist"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    // One binary for any CPython 3 on Linux; installable from the package index.
    assert!(
        name.starts_with(&format!("pyscaffold_docker-{version}-py3-none-manylinux")),
        "{name}"
    );
    // Linked statically, it asks nothing of the system's C library: the oldest manylinux tag.
    #[cfg(target_arch = "x86_64")]
    assert!(
        name.ends_with("-manylinux1_x86_64.manylinux_2_5_x86_64.whl"),
        "{name}"
    );

    // What the wheel holds: the command and its metadata, no Python module of that name.
    let python = PathBuf::from("python3");
    let (ok, listing) = run_tool(
        &python,
        &["-m", "zipfile", "-l", wheel.to_str().unwrap()],
        tmp.path(),
    );
    assert!(ok, "{listing}");
    let entries: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        entries.contains(&format!("pyscaffold_docker-{version}.data/scripts/pyscaffold").as_str()),
        "{listing}"
    );
    assert!(
        entries
            .iter()
            .all(|e| e.starts_with(&format!("pyscaffold_docker-{version}."))),
        "{listing}"
    );
    let (ok, metadata) = run_tool(
        &python,
        &[
            "-c",
            "import sys, zipfile; w = zipfile.ZipFile(sys.argv[1]); \
             print(w.read(next(n for n in w.namelist() if n.endswith('/METADATA'))).decode())",
            wheel.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(ok, "{metadata}");
    assert!(
        metadata
            .lines()
            .any(|l| l == format!("Name: {DISTRIBUTION}")),
        "{metadata}"
    );
    assert!(
        metadata.lines().any(|l| l == format!("Version: {version}")),
        "{metadata}"
    );
    // The licence, as an SPDX expression, with both texts in the wheel.
    for line in [
        "License-Expression: MIT OR Apache-2.0",
        "License-File: LICENSE-MIT",
        "License-File: LICENSE-APACHE",
    ] {
        assert!(
            metadata.lines().any(|l| l == line),
            "no `{line}`:\n{metadata}"
        );
    }
    for text in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(
            entries
                .iter()
                .any(|e| e.ends_with(&format!(".dist-info/licenses/{text}"))),
            "{text} is not in the wheel:\n{listing}"
        );
    }

    // pip, into a fresh virtualenv, offline: the command is on the venv's bin folder and
    // generates a project.
    let venv = tmp.path().join("venv");
    let (ok, text) = run_tool(&python, &["-m", "venv", venv.to_str().unwrap()], tmp.path());
    assert!(ok, "{text}");
    let (ok, text) = run_tool(
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
            wheel.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(ok, "pip install: {text}");
    let installed = venv.join("bin/pyscaffold");
    // Linked statically at a fixed address (pyproject.toml's rustc-args): no loader, no
    // shared library, so it runs on any x86_64 Linux and starts without relocating itself.
    assert_eq!(
        elf_linking(&std::fs::read(&installed).unwrap()),
        Ok(ElfLinking {
            position_independent: false,
            interpreter: false,
            dynamic_section: false,
        }),
        "{}",
        installed.display()
    );
    assert!(
        version_line(&installed).starts_with(&format!("pyscaffold {version} (templates ")),
        "{}",
        version_line(&installed)
    );
    let (ok, text) = run_tool(&installed, &["new", "demo", "-y", "--no-lock"], tmp.path());
    assert!(ok, "{text}");
    assert!(tmp.path().join("demo/Dockerfile").is_file(), "{text}");
    assert!(tmp.path().join("demo/.pyscaffold.yml").is_file(), "{text}");

    // uv's tool install (what `uvx` runs too), offline, into folders of the test's own.
    let uv_home = tmp.path().join("uv");
    let installed = Command::new(&uv)
        .args(["tool", "install", "--offline", "--quiet"])
        .arg(&wheel)
        .env("UV_TOOL_DIR", uv_home.join("tools"))
        .env("UV_TOOL_BIN_DIR", uv_home.join("bin"))
        .env("UV_CACHE_DIR", uv_home.join("cache"))
        .env("UV_PYTHON_DOWNLOADS", "never")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(installed.status.success(), "{}", stderr(&installed));
    assert!(
        version_line(&uv_home.join("bin/pyscaffold"))
            .starts_with(&format!("pyscaffold {version} (templates ")),
    );
}

/// The install steps of the generated upgrade job, as the CI runs them: (GitHub's steps, in
/// `bash -e`; GitLab's `before_script` after its apt line, in `sh -e`).
fn install_steps(root: &Path) -> (String, String) {
    let workflow: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join(".github/workflows/pyscaffold-upgrade.yml")).unwrap(),
    )
    .unwrap();
    let steps = workflow["jobs"]["upgrade"]["steps"].as_array().unwrap();
    let run = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no step {prefix}"))["run"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let github = format!(
        "{}\n{}",
        run("Install pyscaffold"),
        run("Put pyscaffold on PATH")
    );
    let ci: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join(".gitlab-ci.yml")).unwrap())
            .unwrap();
    let lines: Vec<&str> = ci["pyscaffold-upgrade"]["before_script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lines[0].starts_with("apt-get update"), "{lines:?}");
    (github, lines[1..].join("\n"))
}

/// Runs `script` with `shell` in `cwd`: pip's index is `links` (a folder of wheels), and a
/// stand-in `cargo` (which records its arguments and installs a script that prints a version)
/// comes first on PATH. Returns (success, output).
fn run_install(shell: &str, script: &str, cwd: &Path, home: &Path, links: &Path) -> (bool, String) {
    let bin = home.join("stand-in-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("cargo"),
        "#!/bin/sh\n\
         echo \"$@\" > \"$HOME/cargo-args\"\n\
         root=$(printf '%s\\n' \"$@\" | sed -n '/^--root$/{n;p;}')\n\
         mkdir -p \"$root/bin\"\n\
         printf '#!/bin/sh\\necho \"pyscaffold (compiled by cargo)\"\\n' > \"$root/bin/pyscaffold\"\n\
         chmod +x \"$root/bin/pyscaffold\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = Command::new(shell)
        .args(["-e", "-c", script])
        .current_dir(cwd)
        .env("PATH", path)
        .env("HOME", home)
        .env("GITHUB_PATH", home.join("github-path"))
        .env("PYSCAFFOLD_VERSION", env!("CARGO_PKG_VERSION"))
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", links)
        .env_remove("PIP_INDEX_URL")
        .env_remove("VIRTUAL_ENV")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

/// The install step's log: the wheel installed, and the command it put on PATH ran.
fn installed_from_the_wheel(log: &str) {
    let version = env!("CARGO_PKG_VERSION");
    for part in [
        format!("installed pyscaffold {version} from its wheel"),
        format!("pyscaffold {version} (templates "),
    ] {
        assert!(log.contains(&part), "no `{part}` in:\n{log}");
    }
}

#[test]
fn the_upgrade_job_installs_the_pinned_wheel_and_compiles_only_when_none_fits() {
    let Some(maturin) = tool("maturin") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let dist = tmp.path().join("dist");
    build_wheel(&maturin, &dist);
    let (_project, root) = crate::support::generate(
        "svc",
        &[
            "-y",
            "--no-lock",
            "--ci",
            "github,gitlab",
            "--set",
            "upgrade_job=true",
        ],
    );
    let (github, gitlab) = install_steps(&root);
    let version = env!("CARGO_PKG_VERSION");
    let empty = tmp.path().join("no-wheels");
    std::fs::create_dir_all(&empty).unwrap();

    // GitHub: the wheel from the index, into ~/.pyscaffold, put on the job's PATH.
    let home = tmp.path().join("github-home");
    let (ok, log) = run_install("bash", &github, &root, &home, &dist);
    assert!(ok, "{log}");
    installed_from_the_wheel(&log);
    assert!(!home.join("cargo-args").exists(), "cargo ran:\n{log}");
    // Only the command goes on PATH: the virtualenv's python and pip would shadow the runner's.
    let path = home.join(".pyscaffold/path");
    assert_eq!(
        std::fs::read_to_string(home.join("github-path"))
            .unwrap()
            .trim(),
        path.to_str().unwrap()
    );
    let listed: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(listed, ["pyscaffold"]);
    // No wheel for this version or runner: cargo compiles the same version into the same place.
    let home = tmp.path().join("github-fallback");
    let (ok, log) = run_install("bash", &github, &root, &home, &empty);
    assert!(ok, "{log}");
    assert!(
        log.contains(&format!(
            "no pyscaffold-docker {version} wheel for this runner: compiling it with cargo"
        )),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(home.join("cargo-args"))
            .unwrap()
            .trim(),
        format!(
            "install --locked --root {} pyscaffold --version {version}",
            home.join(".pyscaffold").display()
        )
    );
    assert!(log.contains("pyscaffold (compiled by cargo)"), "{log}");

    // GitLab: into the cached .pyscaffold-bin of the checkout, then on PATH.
    let home = tmp.path().join("gitlab-home");
    let (ok, log) = run_install("sh", &gitlab, &root, &home, &dist);
    assert!(ok, "{log}");
    installed_from_the_wheel(&log);
    assert!(root.join(".pyscaffold-bin/bin/pyscaffold").is_file());
    let listed: Vec<_> = std::fs::read_dir(root.join(".pyscaffold-bin/path"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(listed, ["pyscaffold"]);
    // A cache hit installs nothing.
    let (ok, log) = run_install("sh", &gitlab, &root, &home, &empty);
    assert!(ok, "{log}");
    assert!(
        !log.contains("installed pyscaffold") && !log.contains("compiling"),
        "{log}"
    );
    assert!(!home.join("cargo-args").exists(), "cargo ran:\n{log}");
    std::fs::remove_dir_all(root.join(".pyscaffold-bin")).unwrap();
    let (ok, log) = run_install("sh", &gitlab, &root, &home, &empty);
    assert!(ok, "{log}");
    assert_eq!(
        std::fs::read_to_string(home.join("cargo-args"))
            .unwrap()
            .trim(),
        format!("install --locked --root .pyscaffold-bin pyscaffold --version {version}")
    );
    assert!(log.contains("pyscaffold (compiled by cargo)"), "{log}");
}
