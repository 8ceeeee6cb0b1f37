//! The documentation kept true: README's question table against the newest template
//! version's `questions.yml`, every environment variable the scripts read, and end-to-end tests
//! that show as ignored, not as passed, when they cannot run.

use std::path::Path;

use pyscaffold::template_set::builtin;
use pyscaffold::value::Value;

use assert_fs::TempDir;

use crate::support::{run, stdout};

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The texts between backticks in `cell`.
fn quoted(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn readme_question_table_matches_questions_yml() {
    let readme = repo_file("README.md");
    let section = readme
        .split("### Questions")
        .nth(1)
        .and_then(|rest| rest.split("\n#").next())
        .expect("README has a `### Questions` section");
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let set = builtin::load(&builtin::latest().unwrap()).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| quoted(r[0])[0]).collect();
    let expected: Vec<&str> = set.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids, expected,
        "README's question table is not questions.yml's, in order"
    );

    let tmp = TempDir::new().unwrap();
    let help = stdout(&run(tmp.path(), &["new", "--help"]));
    for (row, question) in rows.iter().zip(&set.questions) {
        let [_, flags, kind, default] = row[..] else {
            panic!(
                "README row for `{}` has not 4 columns: {row:?}",
                question.id
            );
        };
        for flag in quoted(flags).iter().filter(|f| f.starts_with("--")) {
            assert!(
                help.contains(flag),
                "`{}`: no flag `{flag}` in `new --help`",
                question.id
            );
        }
        if !question.choices.is_empty() {
            assert_eq!(
                quoted(kind),
                question.choice_values(),
                "`{}`: README's choices are not questions.yml's",
                question.id
            );
        }
        let shown = match &question.default {
            Some(Value::Str(s)) if s.contains("{{") || s.contains("{%") => continue,
            Some(Value::Str(s)) if s.is_empty() => "empty".to_string(),
            Some(Value::List(items)) if items.is_empty() => "none".to_string(),
            Some(other) => format!("`{other}`"),
            None => continue,
        };
        assert!(
            default.contains(&shown),
            "`{}`: README gives the default `{default}`, questions.yml {shown}",
            question.id
        );
    }
}

#[test]
fn readme_documents_every_environment_variable_the_scripts_read() {
    let readme = repo_file("README.md");
    for script in [
        "scripts/test.sh",
        "scripts/install-validators.sh",
        "scripts/docker-e2e.sh",
    ] {
        let text = repo_file(script);
        for read in text.split("${PYSCAFFOLD_").skip(1) {
            let name: String = read
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let name = format!("PYSCAFFOLD_{name}");
            assert!(
                readme.contains(&name),
                "{script} reads `{name}`, README never mentions it"
            );
        }
    }
    assert!(readme.contains("PYSCAFFOLD_E2E=off"));
}

#[test]
fn engine_tests_are_ignored_with_a_reason_so_a_skip_never_shows_as_ok() {
    for file in ["tests/cli/docker_e2e.rs", "tests/cli/docker_secrets.rs"] {
        let text = repo_file(file);
        let lines: Vec<&str> = text.lines().collect();
        let tests: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i] == "#[test]")
            .collect();
        assert!(!tests.is_empty(), "{file} has no tests");
        for i in tests {
            let next = lines.get(i + 1).copied().unwrap_or_default();
            assert!(
                next.starts_with("#[ignore = \"needs a Docker engine"),
                "{file}:{}: an engine test without `#[ignore = \"needs a Docker engine...\"]`",
                i + 1
            );
        }
    }
    let script = repo_file("scripts/test.sh");
    assert!(
        script.contains("--include-ignored"),
        "scripts/test.sh never runs the ignored tests"
    );
}
