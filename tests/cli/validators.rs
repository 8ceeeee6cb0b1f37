//! The generated files, checked by the real tools that read them (P26): hadolint, shellcheck,
//! actionlint, zizmor (default and pedantic personas), check-jsonschema, yamllint, the Python
//! compiler, gunicorn. Each tool is first
//! shown to reject a broken sample, so a pass means something.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_fs::TempDir;

use crate::golden::CASES;
use crate::support::{files_ending, generate, read_tree, run_tool, tool};

const YAMLLINT_CONFIG: &str = "{extends: default, rules: {truthy: {check-keys: false}, \
                               document-start: disable, line-length: {max: 160}}}";

struct Tools {
    hadolint: PathBuf,
    shellcheck: PathBuf,
    actionlint: PathBuf,
    zizmor: PathBuf,
    jsonschema: PathBuf,
    yamllint: PathBuf,
    python: PathBuf,
    gunicorn: PathBuf,
}

fn tools() -> Option<Tools> {
    Some(Tools {
        hadolint: tool("hadolint")?,
        shellcheck: tool("shellcheck")?,
        actionlint: tool("actionlint")?,
        zizmor: tool("zizmor")?,
        jsonschema: tool("check-jsonschema")?,
        yamllint: tool("yamllint")?,
        python: tool("python3")?,
        gunicorn: tool("gunicorn")?,
    })
}

/// Runs every applicable validator on one project; returns validator → failure text (if any).
/// Each schema and the generated file it checks.
const SCHEMAS: &[(&str, &str)] = &[
    ("vendor.github-workflows", ".github/workflows/docker.yml"),
    (
        "vendor.github-workflows",
        ".github/workflows/pyscaffold-upgrade.yml",
    ),
    ("vendor.dependabot", ".github/dependabot.yml"),
    ("vendor.gitlab-ci", ".gitlab-ci.yml"),
    ("vendor.circle-ci", ".circleci/config.yml"),
];

/// Where the schema and YAML checks (slow Python start-ups) run: per project, or batched by
/// the caller over many projects at once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SlowChecks {
    Here,
    Batched,
}

fn validate(
    t: &Tools,
    root: &Path,
    slow_checks: SlowChecks,
) -> BTreeMap<&'static str, Option<String>> {
    validate_with(t, root, slow_checks, true)
}

/// Every validator on a project `pyscaffold init` packaged: the app is the repository's own,
/// whose dependencies the validators' environment lacks, so gunicorn checks its settings
/// without importing the app (the Docker end-to-end tests serve it).
pub fn validate_adopted(root: &Path) -> Option<BTreeMap<&'static str, Option<String>>> {
    let t = tools()?;
    Some(validate_with(&t, root, SlowChecks::Here, false))
}

fn validate_with(
    t: &Tools,
    root: &Path,
    slow_checks: SlowChecks,
    import_app: bool,
) -> BTreeMap<&'static str, Option<String>> {
    let tree = read_tree(root);
    let mut results = BTreeMap::new();
    let mut record = |name: &'static str, checks: Vec<(bool, String)>| {
        let failures: Vec<String> = checks
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, t)| t)
            .collect();
        results.insert(name, (!failures.is_empty()).then(|| failures.join("\n")));
    };

    // hadolint reads inline `# hadolint ignore=` pragmas (older projects: .hadolint.yaml).
    // hadolint does not flag an empty line inside a continued instruction; Docker deprecates it.
    let dockerfile = &tree["Dockerfile"];
    let blank_continuation = dockerfile
        .lines()
        .zip(dockerfile.lines().skip(1))
        .position(|(line, next)| line.ends_with('\\') && next.trim().is_empty());
    record(
        "hadolint",
        vec![
            run_tool(&t.hadolint, &["--no-color", "Dockerfile"], root),
            (
                blank_continuation.is_none(),
                format!(
                    "Dockerfile: empty line after a `\\` continuation, line {blank_continuation:?}"
                ),
            ),
        ],
    );

    let scripts = files_ending(&tree, &[".sh"]);
    let mut args = vec!["-S", "style"];
    args.extend(scripts.iter().copied());
    record("shellcheck", vec![run_tool(&t.shellcheck, &args, root)]);

    let workflows: Vec<&str> = tree
        .keys()
        .filter(|p| p.starts_with(".github/workflows/"))
        .map(String::as_str)
        .collect();
    if !workflows.is_empty() {
        let mut args = vec!["-no-color"];
        args.extend(workflows.iter().copied());
        record("actionlint", vec![run_tool(&t.actionlint, &args, root)]);
        // The security linter platform teams run on every workflow, offline, both personas
        // (Dependabot's config included), on what template versions from 0.9.0 on generate
        // (older ones stay frozen as they were released).
        if zizmor_applies(&tree) {
            record(
                "zizmor",
                vec![
                    run_tool(&t.zizmor, &["--offline", "--no-progress", ".github/"], root),
                    run_tool(
                        &t.zizmor,
                        &[
                            "--offline",
                            "--no-progress",
                            "--persona=pedantic",
                            ".github/",
                        ],
                        root,
                    ),
                ],
            );
        }
    }
    if slow_checks == SlowChecks::Here {
        let checks: Vec<(bool, String)> = SCHEMAS
            .iter()
            .filter(|(_, file)| tree.contains_key(*file))
            .map(|(schema, file)| {
                run_tool(&t.jsonschema, &["--builtin-schema", schema, file], root)
            })
            .collect();
        if !checks.is_empty() {
            record("check-jsonschema", checks);
        }
        let yaml = files_ending(&tree, &[".yml", ".yaml"]);
        let mut args = vec!["--strict", "-d", YAMLLINT_CONFIG];
        args.extend(yaml.iter().copied());
        record("yamllint", vec![run_tool(&t.yamllint, &args, root)]);
    }

    // Compiled in memory: nothing is written into the project.
    let python = files_ending(&tree, &[".py"]);
    let script = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, 'exec')";
    let mut args = vec!["-c", script];
    args.extend(python.iter().copied());
    let compiled = run_tool(&t.python, &args, root);
    record("python-compile", vec![compiled]);

    if !import_app && tree.contains_key("docker/gunicorn.conf.py") {
        record(
            "gunicorn",
            vec![unknown_gunicorn_settings(
                t,
                root,
                &root.join("docker/gunicorn.conf.py"),
            )],
        );
    } else if let Some(app) = served_app(&tree["Dockerfile"]).filter(|_| import_app) {
        let check = std::process::Command::new(&t.gunicorn)
            .args(["--check-config", "-c", "docker/gunicorn.conf.py", &app])
            .current_dir(root)
            .env("DJANGO_SECRET_KEY", "validators-only")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            crate::support::stdout(&check),
            crate::support::stderr(&check)
        );
        record(
            "gunicorn",
            vec![
                (check.status.success(), text),
                unknown_gunicorn_settings(t, root, &root.join("docker/gunicorn.conf.py")),
            ],
        );
    }
    results
}

/// Whether the project's template version is one zizmor must pass on (0.9.0 and later).
fn zizmor_applies(tree: &BTreeMap<String, String>) -> bool {
    let Some(record) = tree.get(".pyscaffold.yml") else {
        return true;
    };
    let version = record
        .lines()
        .find_map(|l| l.trim().strip_prefix("version: "))
        .map(|v| v.trim_matches('"').to_string())
        .and_then(|v| semver::Version::parse(&v).ok());
    version.is_none_or(|v| v >= semver::Version::new(0, 9, 0))
}

/// The app gunicorn serves, from the Dockerfile's CMD (None for a worker).
pub fn served_app(dockerfile: &str) -> Option<String> {
    let line = dockerfile
        .lines()
        .find(|l| l.starts_with("CMD [\"gunicorn\""))?;
    line.rsplit('"').nth(1).map(str::to_string)
}

/// Module-level names (assignments and hook functions) in a gunicorn config that are not
/// gunicorn settings (gunicorn itself ignores a misspelt setting or hook, `--check-config`
/// included).
fn unknown_gunicorn_settings(t: &Tools, cwd: &Path, config: &Path) -> (bool, String) {
    let script = "import ast, sys\n\
                  tree = ast.parse(open(sys.argv[1]).read())\n\
                  for node in tree.body:\n\
                  \x20   targets = node.targets if isinstance(node, ast.Assign) else []\n\
                  \x20   if isinstance(node, ast.FunctionDef): targets = [ast.Name(node.name)]\n\
                  \x20   for t in targets:\n\
                  \x20       if isinstance(t, ast.Name) and not t.id.startswith('_'): print(t.id)\n";
    let (ok, names) = run_tool(&t.python, &["-c", script, config.to_str().unwrap()], cwd);
    assert!(ok, "cannot read {}: {names}", config.display());
    // It prints the table, then fails to load the dummy app: only the table matters here.
    let (_, printed) = run_tool(
        &t.gunicorn,
        &["--print-config", "-c", config.to_str().unwrap(), "x:app"],
        cwd,
    );
    let known: BTreeSet<&str> = printed
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .collect();
    assert!(
        known.contains("worker_tmp_dir"),
        "unexpected --print-config output:\n{printed}"
    );
    let unknown: Vec<&str> = names.lines().filter(|n| !known.contains(n)).collect();
    (
        unknown.is_empty(),
        format!("not gunicorn settings: {unknown:?}"),
    )
}

pub const FRAMEWORKS: &[&str] = &["flask", "django", "fastapi", "wsgi", "asgi", "worker"];
pub const INSTALLERS: &[&str] = &["pip", "pip-tools", "pipenv", "poetry", "flit", "uv", "pdm"];

/// Files of every project that a batched validator reads, as paths relative to `base`.
fn batch_files(base: &Path, projects: &[String], suffix: &str) -> Vec<String> {
    projects
        .iter()
        .flat_map(|p| {
            read_tree(&base.join(p))
                .into_keys()
                .filter(|f| {
                    if suffix.is_empty() {
                        f.ends_with(".yml") || f.ends_with(".yaml")
                    } else {
                        f.ends_with(suffix)
                    }
                })
                .map(|f| format!("{p}/{f}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Runs a batched validator; returns the projects named in its failure output.
fn batch(t: &Path, args: &[&str], files: &[String], base: &Path) -> (bool, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(files.iter().map(String::as_str));
    run_tool(t, &all, base)
}

#[test]
fn every_stack_passes_every_validator() {
    let Some(t) = tools() else { return };
    let base = TempDir::new().unwrap();
    let mut projects = Vec::new();
    for framework in FRAMEWORKS {
        for (i, installer) in INSTALLERS.iter().enumerate() {
            let name = format!("{framework}-{}", installer.replace("-tools", "tools"));
            // The upgrade job on for every other installer: each framework with and without.
            let upgrade_job = format!("upgrade_job={}", i % 2 == 0);
            let out = crate::support::run(
                base.path(),
                &[
                    "new",
                    &name,
                    "--framework",
                    framework,
                    "--installer",
                    installer,
                    "--ci",
                    "github,gitlab,circleci",
                    "--image",
                    "registry.example.com/team/app",
                    "--set",
                    &upgrade_job,
                    "--no-lock",
                    "-y",
                ],
            );
            assert!(
                out.status.success(),
                "{name}: {}",
                crate::support::stderr(&out)
            );
            projects.push(name);
        }
    }
    // Per-project validators, two projects at a time.
    let results: Vec<(String, BTreeMap<&'static str, Option<String>>)> =
        std::thread::scope(|scope| {
            let chunks: Vec<_> = projects.chunks(projects.len().div_ceil(2)).collect();
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    let t = &t;
                    let base = base.path();
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|p| (p.clone(), validate(t, &base.join(p), SlowChecks::Batched)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
    // Batched validators, each over every project's files.
    let mut batch_failures = Vec::new();
    for (schema, suffix) in SCHEMAS.iter().copied() {
        let files = batch_files(base.path(), &projects, suffix);
        // The upgrade job's workflow is there for every other installer only.
        let expected = if suffix.ends_with("pyscaffold-upgrade.yml") {
            projects.len().div_ceil(INSTALLERS.len()) * INSTALLERS.len().div_ceil(2)
        } else {
            projects.len()
        };
        assert_eq!(files.len(), expected, "projects with a {suffix}");
        let (ok, text) = batch(
            &t.jsonschema,
            &["--builtin-schema", schema],
            &files,
            base.path(),
        );
        if !ok {
            batch_failures.push(("check-jsonschema", text));
        }
    }
    let yaml = batch_files(base.path(), &projects, "");
    let (ok, text) = batch(
        &t.yamllint,
        &["--strict", "-d", YAMLLINT_CONFIG],
        &yaml,
        base.path(),
    );
    if !ok {
        batch_failures.push(("yamllint", text));
    }

    let validators = [
        "hadolint",
        "shellcheck",
        "actionlint",
        "zizmor",
        "check-jsonschema",
        "yamllint",
        "python-compile",
        "gunicorn",
    ];
    let mut matrix = format!(
        "validator matrix, {} stacks (framework x installer, all three CI systems):\n",
        projects.len()
    );
    matrix.push_str(&format!("{:<18}", "stack"));
    for v in validators {
        matrix.push_str(&format!(" {v:>16}"));
    }
    let mut failures = Vec::new();
    for (project, result) in &results {
        matrix.push_str(&format!("\n{project:<18}"));
        for v in validators {
            let cell = match (v, result.get(v)) {
                ("check-jsonschema" | "yamllint", _) => {
                    let failed = batch_failures
                        .iter()
                        .any(|(name, text)| *name == v && text.contains(&format!("{project}/")));
                    if failed { "FAIL" } else { "ok" }
                }
                (_, None) => "-",
                (_, Some(None)) => "ok",
                (_, Some(Some(text))) => {
                    failures.push(format!("{project} / {v}:\n{text}"));
                    "FAIL"
                }
            };
            matrix.push_str(&format!(" {cell:>16}"));
        }
    }
    crate::support::report(&matrix);
    for (name, text) in &batch_failures {
        failures.push(format!("{name}:\n{text}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The golden cases and every built-in preset too.
#[test]
fn golden_cases_and_presets_pass_every_validator() {
    let Some(t) = tools() else { return };
    let mut failures = Vec::new();
    let presets: Vec<(String, String, Vec<String>)> = pyscaffold::presets::builtin()
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                format!("preset {}", p.name),
                "checked".to_string(),
                vec![
                    "--preset".to_string(),
                    p.name,
                    "--no-lock".into(),
                    "-y".into(),
                ],
            )
        })
        .collect();
    let cases = CASES
        .iter()
        .map(|(case, name, args)| {
            (
                case.to_string(),
                name.to_string(),
                args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            )
        })
        .chain(presets);
    for (case, name, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_tmp, root) = generate(&name, &args);
        for (v, result) in validate(&t, &root, SlowChecks::Here) {
            if let Some(text) = result {
                failures.push(format!("{case} / {v}:\n{text}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn each_validator_rejects_a_broken_sample() {
    let Some(t) = tools() else { return };
    let dir = TempDir::new().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    };
    write(
        "Dockerfile",
        "FROM python:3.13-slim\nUSER app\nCMD python app.py\n",
    );
    write("bad.sh", "#!/usr/bin/env bash\necho $1\n");
    write(
        "wf.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    write("bad.yml", "a: 1\na: 2\n");
    write("bad.py", "def f(:\n");
    write(
        "gunicorn.conf.py",
        "bind = '0.0.0.0:8000'\nworker_tmpdir = '/dev/shm'\n",
    );
    let p = dir.path();
    assert!(
        !run_tool(&t.hadolint, &["Dockerfile"], p).0,
        "hadolint accepted a non-numeric USER"
    );
    assert!(
        !run_tool(&t.shellcheck, &["-S", "style", "bad.sh"], p).0,
        "shellcheck accepted $1 unquoted"
    );
    assert!(
        !run_tool(&t.actionlint, &["-no-color", "wf.yml"], p).0,
        "actionlint accepted checkout@v4 on node20"
    );
    write(
        ".github/workflows/wf.yml",
        &std::fs::read_to_string(p.join("wf.yml")).unwrap(),
    );
    assert!(
        !run_tool(&t.zizmor, &["--offline", "--no-progress", ".github/"], p).0,
        "zizmor accepted an action used by tag"
    );
    assert!(
        !run_tool(
            &t.jsonschema,
            &["--builtin-schema", "vendor.github-workflows", "bad.yml"],
            p
        )
        .0
    );
    assert!(
        !run_tool(
            &t.yamllint,
            &["--strict", "-d", YAMLLINT_CONFIG, "bad.yml"],
            p
        )
        .0
    );
    let compile = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, 'exec')";
    assert!(!run_tool(&t.python, &["-c", compile, "bad.py"], p).0);
    let (ok, text) = unknown_gunicorn_settings(&t, p, &p.join("gunicorn.conf.py"));
    assert!(
        !ok && text.contains("worker_tmpdir"),
        "misspelt setting not caught: {text}"
    );
}

#[test]
fn hadolint_ignores_are_each_justified() {
    // Every ignore is an inline pragma with the reason in the comment lines just above it, and
    // only DL3008 (apt version pins) is ignored: once per apt stage.
    for args in [&["-y"][..], &["-y", "--framework", "worker"][..]] {
        let (_tmp, root) = generate("demo", args);
        assert!(!root.join(".hadolint.yaml").exists());
        let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
        let lines: Vec<&str> = dockerfile.lines().collect();
        let mut ignored = 0;
        for (i, line) in lines.iter().enumerate() {
            let Some(rule) = line.trim().strip_prefix("# hadolint ignore=") else {
                continue;
            };
            ignored += 1;
            assert_eq!(rule, "DL3008", "unexpected ignore:\n{dockerfile}");
            let reason = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim().starts_with('#'))
                .count();
            assert!(
                reason >= 1,
                "{rule} on line {} has no reason above it",
                i + 1
            );
            assert!(
                lines[i + 1].starts_with("RUN ")
                    && lines[i + 1..].iter().any(|l| l.contains("apt-get install")),
                "the pragma on line {} is not on an apt RUN",
                i + 1
            );
        }
        assert_eq!(ignored, 2, "one ignore per apt stage:\n{dockerfile}");
    }
}

#[test]
fn dockerignore_keeps_secrets_out_and_what_the_dockerfile_copies_in() {
    let (_tmp, root) = generate("demo", &["-y"]);
    let tree = read_tree(&root);
    let mut builder = ignore::gitignore::GitignoreBuilder::new(&root);
    for line in tree[".dockerignore"].lines() {
        builder.add_line(None, line).unwrap();
    }
    let ignore = builder.build().unwrap();
    let ignored = |path: &str| {
        ignore
            .matched_path_or_any_parents(root.join(path), false)
            .is_ignore()
    };
    // Every source of a COPY from the build context must reach the daemon.
    let mut copied = Vec::new();
    for line in tree["Dockerfile"].lines() {
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        if rest.starts_with("--from") {
            continue;
        }
        let words: Vec<&str> = rest
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        copied.extend(
            words[..words.len() - 1]
                .iter()
                .map(|w| w.trim_end_matches('/').to_string()),
        );
    }
    assert!(
        copied.contains(&"requirements.txt".to_string()),
        "{copied:?}"
    );
    for source in &copied {
        let files: Vec<&String> = tree
            .keys()
            .filter(|p| *p == source || p.starts_with(&format!("{source}/")))
            .collect();
        assert!(
            !files.is_empty(),
            "COPY {source}: not in the generated tree"
        );
        for file in files {
            assert!(
                !ignored(file),
                ".dockerignore excludes {file}, which the Dockerfile copies"
            );
        }
    }
    for secret in [
        ".env",
        ".env.production",
        "config/.env",
        "deploy.pem",
        "pip.conf",
        ".git/config",
        "demo/__pycache__/app.cpython-313.pyc",
        ".venv/bin/python",
        "docker/build.py",
        "tests/test_app.py",
        ".github/workflows/docker.yml",
        "node_modules/x/index.js",
    ] {
        assert!(
            ignored(secret),
            ".dockerignore lets `{secret}` into the build context"
        );
    }
}
