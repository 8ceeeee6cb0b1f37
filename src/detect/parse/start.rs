//! Start commands: what the repository already runs its server with. A Procfile's `web:` line,
//! the last stage's `CMD`/`ENTRYPOINT` of an existing Dockerfile, and the boot script either of
//! them runs name the WSGI/ASGI target (`gunicorn flasky:app`) the project is deployed with;
//! that beats any guess from the code.
//!
//! The parsing here is pure: text in, facts out. Shell words are split with `shlex`, a
//! Dockerfile's exec form (`["gunicorn", "app:app"]`) is read as the JSON array it is.

use crate::detect::Evidence;

/// Servers whose command line names a `module:attribute` to serve.
const SERVERS: [&str; 6] = [
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "waitress-serve",
    "granian",
    "daphne",
];

/// Launchers that run the command after them (`exec`, `poetry run`, `python -m`).
const LAUNCHERS: [&str; 8] = ["exec", "run", "poetry", "uv", "pipenv", "pdm", "-m", "env"];

/// Options of the servers above that take the next word as their value.
const VALUED_OPTIONS: [&str; 22] = [
    "-b",
    "--bind",
    "-w",
    "--workers",
    "-k",
    "--worker-class",
    "-c",
    "--config",
    "-t",
    "--timeout",
    "--host",
    "--port",
    "--access-logfile",
    "--error-logfile",
    "--log-file",
    "--log-level",
    "--chdir",
    "--pythonpath",
    "--threads",
    "--interface",
    "--app-dir",
    "--env-file",
];

/// A WSGI/ASGI target a start command names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `flasky`, `app.main`.
    pub module: String,
    /// `app`, `create_app`.
    pub attr: String,
    /// The command calls `attr` (`app:create_app()`, uvicorn's `--factory`).
    pub called: bool,
    pub evidence: Evidence,
}

impl Target {
    pub fn reference(&self) -> String {
        format!(
            "{}:{}{}",
            self.module,
            self.attr,
            if self.called { "()" } else { "" }
        )
    }
}

/// The commands of one shell line, split at `;`, `&&` and `||` (outside quotes): `set -e;
/// python manage.py migrate; gunicorn app:app` is three.
pub fn split_commands(words: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for word in words {
        match word.as_str() {
            ";" | "&&" | "||" | "|" => out.push(Vec::new()),
            w => {
                let ends = w.ends_with(';') && w.len() > 1;
                if let Some(current) = out.last_mut() {
                    current.push(w.trim_end_matches(';').to_string());
                }
                if ends {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// The command without the installer's launcher (`poetry run`, `uv run`, `pipenv run`,
/// `pdm run`): the image has the virtualenv's commands on PATH, not the installer.
pub fn without_launcher(words: &[String]) -> &[String] {
    match words {
        [tool, run, rest @ ..]
            if run == "run" && matches!(tool.as_str(), "poetry" | "uv" | "pipenv" | "pdm") =>
        {
            rest
        }
        _ => words,
    }
}

/// Whether a command migrates the database, the step a release runs before the new version
/// serves: `manage.py migrate`, `flask db upgrade`, `alembic upgrade`.
pub fn is_migration(words: &[String]) -> bool {
    let has = |w: &str| words.iter().any(|x| x == w);
    (has("migrate")
        && words
            .iter()
            .any(|w| w.ends_with("manage.py") || w == "django-admin"))
        || words.windows(2).any(|p| p[0] == "db" && p[1] == "upgrade")
        || (has("alembic") && has("upgrade"))
}

/// What a command runs: a server's target, or a script of the repository to read next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runs {
    Server {
        module: String,
        attr: String,
        called: bool,
    },
    /// `./boot.sh`, `sh scripts/start.sh`: relative to the repository.
    Script(String),
    Other,
}

/// The words of a Dockerfile `CMD`/`ENTRYPOINT` instruction (exec form or shell form), or of a
/// shell command line. None when the words do not parse (an unclosed quote).
pub fn words(command: &str) -> Option<Vec<String>> {
    let trimmed = command.trim();
    if trimmed.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(trimmed).ok();
    }
    shlex::split(trimmed)
}

/// The Dockerfile instruction's command: `CMD ["gunicorn", "app:app"]` → its argument text.
pub fn instruction_command(instruction: &str) -> Option<&str> {
    let (keyword, rest) = instruction.trim().split_once(char::is_whitespace)?;
    matches!(keyword.to_ascii_uppercase().as_str(), "CMD" | "ENTRYPOINT").then_some(rest.trim())
}

/// What the words run.
pub fn runs(words: &[String]) -> Runs {
    let mut rest = words;
    // Leading `NAME=value` assignments, launchers and a shell's `-c` are not the program.
    loop {
        match rest.first().map(String::as_str) {
            Some(w) if w.contains('=') && !w.starts_with('-') => rest = &rest[1..],
            Some(w) if LAUNCHERS.contains(&w) || w.starts_with("python") => rest = &rest[1..],
            Some("sh" | "bash" | "/bin/sh" | "/bin/bash") => {
                return match rest.get(1).map(String::as_str) {
                    Some("-c") => rest
                        .get(2)
                        .and_then(|c| shlex::split(c))
                        .map_or(Runs::Other, |w| runs(&w)),
                    Some(script) if script.ends_with(".sh") => Runs::Script(tidy(script)),
                    _ => Runs::Other,
                };
            }
            _ => break,
        }
    }
    let Some(program) = rest.first() else {
        return Runs::Other;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    if SERVERS.contains(&name) {
        return server_target(&rest[1..]).map_or(Runs::Other, |(module, attr, called)| {
            Runs::Server {
                module,
                attr,
                called,
            }
        });
    }
    if program.ends_with(".sh") || program.starts_with("./") {
        return Runs::Script(tidy(program));
    }
    Runs::Other
}

/// A script path as the repository lists it: `./boot.sh` → `boot.sh`.
fn tidy(path: &str) -> String {
    path.trim_start_matches("./").to_string()
}

/// The target among a server's arguments: the first positional word shaped `module:attr` (or
/// `module:attr()`), skipping option values.
fn server_target(args: &[String]) -> Option<(String, String, bool)> {
    let factory_flag = args.iter().any(|a| a == "--factory");
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
            continue;
        }
        if arg.starts_with('-') {
            skip = VALUED_OPTIONS.contains(&arg.as_str());
            continue;
        }
        if let Some((module, attr, called)) = target_shape(arg) {
            return Some((module, attr, called || factory_flag));
        }
    }
    None
}

/// `flasky:app` → (`flasky`, `app`, false); `app:create_app()` → called.
fn target_shape(word: &str) -> Option<(String, String, bool)> {
    let (module, attr) = word.split_once(':')?;
    let (attr, called) = match attr.split_once('(') {
        Some((name, _)) => (name, true),
        None => (attr, false),
    };
    let identifier = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    (!module.is_empty() && module.split('.').all(identifier) && identifier(attr))
        .then(|| (module.to_string(), attr.to_string(), called))
}

/// The server commands of a shell script, each with its 1-based line: continuation lines
/// joined, comments left out.
pub fn script_commands(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') && open.is_none() {
            continue;
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) => (body.trim_end(), true),
            None => (line, false),
        };
        let (start, mut joined) = open.take().unwrap_or((i + 1, String::new()));
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(body);
        if continues {
            open = Some((start, joined));
        } else if !joined.trim().is_empty() {
            out.push((start, joined));
        }
    }
    out.extend(open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s).unwrap()
    }

    fn server(module: &str, attr: &str, called: bool) -> Runs {
        Runs::Server {
            module: module.into(),
            attr: attr.into(),
            called,
        }
    }

    #[test]
    fn gunicorn_and_uvicorn_targets_skip_option_values() {
        assert_eq!(
            runs(&w("gunicorn flasky:app")),
            server("flasky", "app", false)
        );
        assert_eq!(
            runs(&w(
                "exec gunicorn -b :5000 --access-logfile - --error-logfile - flasky:app"
            )),
            server("flasky", "app", false)
        );
        assert_eq!(
            runs(&w("gunicorn --bind localhost:8000 -w 4 'app:create_app()'")),
            server("app", "create_app", true)
        );
        assert_eq!(
            runs(&w(
                "uvicorn --factory app.main:make --host 0.0.0.0 --port 80"
            )),
            server("app.main", "make", true)
        );
        assert_eq!(
            runs(&w(
                "PYTHONPATH=. poetry run python -m gunicorn svc.wsgi:application"
            )),
            server("svc.wsgi", "application", false)
        );
        assert_eq!(runs(&w("gunicorn -c gunicorn.conf.py")), Runs::Other);
        assert_eq!(runs(&w("flask run")), Runs::Other);
    }

    #[test]
    fn exec_form_shell_c_and_scripts() {
        assert_eq!(
            runs(&w(r#"["gunicorn", "-b", ":8000", "api:app"]"#)),
            server("api", "app", false)
        );
        assert_eq!(
            runs(&w(r#"["sh", "-c", "gunicorn --bind :$PORT web:app"]"#)),
            server("web", "app", false)
        );
        assert_eq!(runs(&w(r#"["./boot.sh"]"#)), Runs::Script("boot.sh".into()));
        assert_eq!(
            runs(&w("bash scripts/start.sh")),
            Runs::Script("scripts/start.sh".into())
        );
        assert_eq!(words("gunicorn 'unclosed"), None);
        assert_eq!(words("[not json"), None);
    }

    #[test]
    fn shell_lines_split_into_commands_and_migrations_are_told() {
        let parts = split_commands(&w(
            "set -xe; python manage.py migrate --noinput; gunicorn mysite.wsgi:application",
        ));
        assert_eq!(parts.len(), 3);
        assert!(is_migration(&parts[1]));
        assert_eq!(runs(&parts[2]), server("mysite.wsgi", "application", false));
        let parts = split_commands(&w("yes \"yes\" | python manage.py migrate"));
        assert_eq!(parts[1], w("python manage.py migrate"));
        assert_eq!(
            without_launcher(&w("poetry run alembic upgrade head")),
            w("alembic upgrade head")
        );
        assert_eq!(
            without_launcher(&w("alembic upgrade head")),
            w("alembic upgrade head")
        );
        let parts = split_commands(&w("flask db upgrade && exec gunicorn app:app"));
        assert!(is_migration(&parts[0]));
        assert!(is_migration(&w("alembic upgrade head")));
        assert!(!is_migration(&w("gunicorn app:app")));
        assert!(!is_migration(&w("python migrate.py")));
    }

    #[test]
    fn instructions_and_scripts_are_split_into_commands() {
        assert_eq!(
            instruction_command(r#"ENTRYPOINT ["./boot.sh"]"#),
            Some(r#"["./boot.sh"]"#)
        );
        assert_eq!(
            instruction_command("cmd gunicorn a:b"),
            Some("gunicorn a:b")
        );
        assert_eq!(instruction_command("RUN pip install ."), None);
        let script =
            "#!/bin/sh\n# start\nflask db upgrade\nexec gunicorn \\\n  -b :5000 \\\n  flasky:app\n";
        assert_eq!(
            script_commands(script),
            vec![
                (3, "flask db upgrade".to_string()),
                (4, "exec gunicorn -b :5000 flasky:app".to_string())
            ]
        );
        assert!(target_shape("0.0.0.0:8000").is_none());
        assert!(target_shape(":8000").is_none());
        assert!(target_shape("app:").is_none());
    }
}
