//! The command line's own documentation: every subcommand's help with examples and exit
//! status, and shell completions generated from the same declaration.

use assert_fs::TempDir;

use crate::support::{run, stderr, stdout, tool};

const SUBCOMMANDS: &[&str] = &[
    "new",
    "init",
    "upgrade",
    "eject",
    "detect",
    "versions",
    "presets",
    "completions",
];

#[test]
fn every_subcommand_help_shows_examples_and_exit_status() {
    let tmp = TempDir::new().unwrap();
    let top = run(tmp.path(), &["--help"]);
    assert!(top.status.success(), "{}", stderr(&top));
    let top = stdout(&top);
    assert!(top.contains("Exit status: 0 done"), "{top}");
    for name in SUBCOMMANDS {
        assert!(
            top.contains(name),
            "`pyscaffold --help` does not list `{name}`:\n{top}"
        );
        let out = run(tmp.path(), &[name, "--help"]);
        assert!(out.status.success(), "{name} --help: {}", stderr(&out));
        let help = stdout(&out);
        assert!(
            help.contains("Example"),
            "`{name} --help` has no example:\n{help}"
        );
        assert!(
            help.contains(&format!("pyscaffold {name}")),
            "`{name} --help` has no example of itself:\n{help}"
        );
        assert!(
            help.contains("Exit status:"),
            "`{name} --help` has no exit status:\n{help}"
        );
    }
}

#[test]
fn bash_completions_are_valid_bash_and_know_the_subcommands_and_flags() {
    let tmp = TempDir::new().unwrap();
    let out = run(tmp.path(), &["completions", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = stdout(&out);
    for word in SUBCOMMANDS
        .iter()
        .chain(&["--template-version", "--system-package"])
    {
        assert!(script.contains(word), "the bash completions lack `{word}`");
    }
    let path = tmp.path().join("pyscaffold.bash");
    std::fs::write(&path, &script).unwrap();
    let bash = tool("bash").expect("bash");
    let (ok, text) = crate::support::run_tool(&bash, &["-n", path.to_str().unwrap()], tmp.path());
    assert!(ok, "bash -n refuses the completions:\n{text}");
    // A question's choices complete its flag (from questions.yml, as the help lists them).
    for choices in [
        "\"flask django fastapi wsgi asgi worker\"",
        "\"pip pip-tools pipenv poetry flit uv pdm\"",
        "\"github gitlab circleci none\"",
    ] {
        assert!(
            script.contains(&format!("compgen -W {choices}")),
            "the bash completions do not offer {choices}"
        );
    }
    // The help lists them once, and any text still reaches pyscaffold's own checks.
    let help = stdout(&run(tmp.path(), &["new", "--help"]));
    assert!(!help.contains("[possible values"), "{help}");
}

#[test]
fn completions_exist_for_every_shell_and_an_unknown_shell_is_bad_input() {
    let tmp = TempDir::new().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(tmp.path(), &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("upgrade"),
            "{shell}: {}",
            stdout(&out)
        );
    }
    let out = run(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("possible values: bash"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn new_help_lists_the_questions_only_set_answers_with_their_defaults() {
    let tmp = TempDir::new().unwrap();
    let help = stdout(&run(tmp.path(), &["new", "--help"]));
    let section = help
        .split("Questions without a flag of their own (answer them with `--set ID=VALUE`):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no section of --set questions: {help}"));
    let section = section.split("\n\n").next().unwrap();
    for expected in [
        "  uid\n      Numeric user and group id the app runs as [default: 10001]",
        "  debian_release\n      Debian release of the base image [choices: trixie, bookworm] [default: trixie]",
        "  base_image\n      Base image (a mirror of the official python image works too)\n      [default: python:<python_version>-slim-<debian_release>]",
    ] {
        assert!(
            section.contains(expected),
            "{expected:?} is missing from:\n{section}"
        );
    }
    // Questions with a flag are not repeated, nor those a command sets itself, nor, for `new`,
    // those that apply only to `init`.
    for flagged in [
        "\n  port\n",
        "\n  framework\n",
        "\n  adopted\n",
        "\n  collectstatic\n",
    ] {
        assert!(!section.contains(flagged), "{flagged:?} in:\n{section}");
    }
    // No line is wrapped again to the first column by clap.
    for line in section.lines() {
        assert!(line.starts_with("  "), "{line:?} in:\n{section}");
        assert!(line.len() <= 100, "{line:?}");
    }
    // `init` lists them without defaults: detection gives those.
    let init = stdout(&run(tmp.path(), &["init", "--help"]));
    assert!(
        init.contains("  uid\n      Numeric user and group id the app runs as\n")
            && init.contains("\n  collectstatic\n"),
        "{init}"
    );
    // What a pack may change is said after the list, naming the pack `PYSCAFFOLD_PACK` gives.
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat(&help).contains(
            "The questions and defaults above are the built-in templates'. A pack may also \
             change defaults, lock answers and add questions"
        ),
        "{help}"
    );
    let with_pack = crate::support::command(tmp.path(), &["new", "--help"])
        .env("PYSCAFFOLD_PACK", "../acme-pack")
        .output()
        .unwrap();
    assert!(
        flat(&stdout(&with_pack)).contains(
            "`PYSCAFFOLD_PACK` names one here (`../acme-pack`), so it applies unless \
             `--pack` or `--no-pack` is given"
        ),
        "{}",
        stdout(&with_pack)
    );
}
