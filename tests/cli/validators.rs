//! The generated files, checked by the real tools that read them (P26): hadolint, shellcheck,
//! actionlint, check-jsonschema, yamllint, the Python compiler, gunicorn. Each tool is first
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
        jsonschema: tool("check-jsonschema")?,
        yamllint: tool("yamllint")?,
        python: tool("python3")?,
        gunicorn: tool("gunicorn")?,
    })
}

/// Runs every applicable validator on one project; returns validator → failure text (if any).
fn validate(t: &Tools, root: &Path) -> BTreeMap<&'static str, Option<String>> {
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

    // hadolint reads .hadolint.yaml from the working directory.
    record(
        "hadolint",
        vec![run_tool(&t.hadolint, &["--no-color", "Dockerfile"], root)],
    );

    let scripts = files_ending(&tree, &[".sh"]);
    let mut args = vec!["-S", "style"];
    args.extend(scripts.iter().copied());
    record("shellcheck", vec![run_tool(&t.shellcheck, &args, root)]);

    let workflows = files_ending(&tree, &[".github/workflows/docker.yml"]);
    if !workflows.is_empty() {
        let mut args = vec!["-no-color"];
        args.extend(workflows.iter().copied());
        record("actionlint", vec![run_tool(&t.actionlint, &args, root)]);
        let mut checks = Vec::new();
        for file in &workflows {
            checks.push(run_tool(
                &t.jsonschema,
                &["--builtin-schema", "vendor.github-workflows", file],
                root,
            ));
        }
        if tree.contains_key(".github/dependabot.yml") {
            checks.push(run_tool(
                &t.jsonschema,
                &[
                    "--builtin-schema",
                    "vendor.dependabot",
                    ".github/dependabot.yml",
                ],
                root,
            ));
        }
        record("check-jsonschema", checks);
    }

    let yaml = files_ending(&tree, &[".yml", ".yaml"]);
    let mut args = vec!["--strict", "-d", YAMLLINT_CONFIG];
    args.extend(yaml.iter().copied());
    record("yamllint", vec![run_tool(&t.yamllint, &args, root)]);

    let python = files_ending(&tree, &[".py"]);
    let mut args = vec!["-m", "py_compile"];
    args.extend(python.iter().copied());
    let compiled = run_tool(&t.python, &args, root);
    let _ = std::fs::remove_dir_all(root.join("__pycache__"));
    record("python-compile", vec![compiled]);

    let module = tree
        .keys()
        .find_map(|p| p.strip_suffix("/app.py"))
        .expect("an app module")
        .replace('/', ".");
    let app = format!("{module}.app:app");
    record(
        "gunicorn",
        vec![
            run_tool(
                &t.gunicorn,
                &["--check-config", "-c", "docker/gunicorn.conf.py", &app],
                root,
            ),
            unknown_gunicorn_settings(t, root, &root.join("docker/gunicorn.conf.py")),
        ],
    );
    results
}

/// Module-level names in a gunicorn config that are not gunicorn settings (gunicorn itself
/// ignores a misspelt setting, `--check-config` included).
fn unknown_gunicorn_settings(t: &Tools, cwd: &Path, config: &Path) -> (bool, String) {
    let script = "import ast, sys\n\
                  tree = ast.parse(open(sys.argv[1]).read())\n\
                  for node in tree.body:\n\
                  \x20   targets = node.targets if isinstance(node, ast.Assign) else []\n\
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

#[test]
fn every_case_passes_every_validator() {
    let Some(t) = tools() else { return };
    let validators = [
        "hadolint",
        "shellcheck",
        "actionlint",
        "check-jsonschema",
        "yamllint",
        "python-compile",
        "gunicorn",
    ];
    let mut matrix = String::from("validator matrix (ok / FAIL / - not applicable):\n");
    matrix.push_str(&format!("{:<14}", "case"));
    for v in validators {
        matrix.push_str(&format!(" {v:>16}"));
    }
    let mut failures = Vec::new();
    for (case, name, args) in CASES {
        let (_tmp, root) = generate(name, args);
        let results = validate(&t, &root);
        matrix.push_str(&format!("\n{case:<14}"));
        for v in validators {
            let cell = match results.get(v) {
                None => "-",
                Some(None) => "ok",
                Some(Some(text)) => {
                    failures.push(format!("{case} / {v}:\n{text}"));
                    "FAIL"
                }
            };
            matrix.push_str(&format!(" {cell:>16}"));
        }
    }
    println!("{matrix}");
    eprintln!("{matrix}");
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
    assert!(!run_tool(&t.python, &["-m", "py_compile", "bad.py"], p).0);
    let (ok, text) = unknown_gunicorn_settings(&t, p, &p.join("gunicorn.conf.py"));
    assert!(
        !ok && text.contains("worker_tmpdir"),
        "misspelt setting not caught: {text}"
    );
}

#[test]
fn hadolint_ignores_are_each_justified() {
    let (_tmp, root) = generate("demo", &["-y"]);
    let config = std::fs::read_to_string(root.join(".hadolint.yaml")).unwrap();
    let lines: Vec<&str> = config.lines().collect();
    let mut ignored = 0;
    for (i, line) in lines.iter().enumerate() {
        if let Some(rule) = line.trim().strip_prefix("- ") {
            ignored += 1;
            let comment = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim().starts_with('#'))
                .count();
            let reason = lines[i - comment..i].join(" ");
            assert!(
                comment > 0 && reason.contains(rule),
                "{rule} has no reason above it"
            );
        }
    }
    assert!(
        ignored <= 1,
        "only DL3008 is expected to be ignored:\n{config}"
    );
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
