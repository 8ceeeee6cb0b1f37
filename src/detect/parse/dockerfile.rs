//! Dockerfiles and Procfiles as the repository has them: the last stage's instructions (what
//! the image runs), its `FROM`, `ENV` values, `EXPOSE`d ports and server binds. Text in, facts
//! out.

/// The instructions of a Dockerfile's last stage (what the image runs), each with the line it
/// starts on: continuation lines joined, comments and blank lines left out.
pub fn final_stage(text: &str) -> Vec<(usize, String)> {
    let mut instructions: Vec<(usize, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || (line.is_empty() && open.is_none()) {
            continue;
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) => (body.trim_end(), true),
            None => (line, false),
        };
        let (start, mut joined) = open.take().unwrap_or((i + 1, String::new()));
        if !joined.is_empty() && !body.is_empty() {
            joined.push(' ');
        }
        joined.push_str(body);
        if continues {
            open = Some((start, joined));
        } else if !joined.is_empty() {
            instructions.push((start, joined));
        }
    }
    if let Some(last) = open {
        instructions.push(last);
    }
    let from = instructions
        .iter()
        .rposition(|(_, i)| i.to_ascii_uppercase().starts_with("FROM "))
        .map_or(0, |p| p + 1);
    instructions.split_off(from)
}

/// The `FROM` line of a Dockerfile's last stage, with its line.
pub fn final_stage_from(text: &str) -> Option<(usize, String)> {
    let mut last = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            last = Some((i + 1, line.to_string()));
        }
    }
    last
}

/// The value `instruction` (`ENV NAME=value`, `ENV A=1 NAME=value`, the legacy `ENV NAME value`)
/// gives variable `name`.
pub fn env_value(instruction: &str, name: &str) -> Option<String> {
    let (keyword, rest) = instruction.split_once(char::is_whitespace)?;
    if !keyword.eq_ignore_ascii_case("ENV") {
        return None;
    }
    let words = shlex::split(rest.trim())?;
    if words.first().is_some_and(|w| w.contains('=')) {
        words
            .iter()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('=').map(str::to_string))
    } else {
        (words.first().map(String::as_str) == Some(name)).then(|| words[1..].join(" "))
    }
}

/// The port of `EXPOSE 8080/tcp`.
pub fn exposed_port(instruction: &str) -> Option<u16> {
    instruction
        .trim()
        .strip_prefix("EXPOSE ")?
        .split_whitespace()
        .next()?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// `--bind 0.0.0.0:5000`, `-b :5000`, `--port 5000`.
pub fn bind_port(line: &str) -> Option<u16> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let value = if let Some(v) = w
            .strip_prefix("--bind=")
            .or_else(|| w.strip_prefix("--port="))
        {
            v
        } else if matches!(*w, "--bind" | "-b" | "--port" | "-p") {
            words.get(i + 1)?
        } else {
            return None;
        };
        value.rsplit(':').next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "FROM python:3.12 AS build\nRUN pip install \\\n    flask\n\n# runtime\nFROM python:3.12-slim\nENV A=1 \\\n    DJANGO_SETTINGS_MODULE=site.settings.prod\nEXPOSE 8080/tcp\nCMD [\"gunicorn\", \"app:app\"]\n";

    #[test]
    fn the_last_stage_is_read_with_continuations_joined() {
        assert_eq!(
            final_stage(MULTI),
            vec![
                (
                    7,
                    "ENV A=1 DJANGO_SETTINGS_MODULE=site.settings.prod".to_string()
                ),
                (9, "EXPOSE 8080/tcp".to_string()),
                (10, "CMD [\"gunicorn\", \"app:app\"]".to_string()),
            ]
        );
        assert_eq!(
            final_stage_from(MULTI),
            Some((6, "FROM python:3.12-slim".to_string()))
        );
        assert_eq!(final_stage_from("RUN x"), None);
    }

    #[test]
    fn env_values_exposed_ports_and_binds() {
        let env = "ENV A=1 DJANGO_SETTINGS_MODULE=site.settings.prod";
        assert_eq!(
            env_value(env, "DJANGO_SETTINGS_MODULE").as_deref(),
            Some("site.settings.prod")
        );
        assert_eq!(env_value(env, "B"), None);
        assert_eq!(
            env_value(
                "ENV DJANGO_SETTINGS_MODULE site.settings",
                "DJANGO_SETTINGS_MODULE"
            )
            .as_deref(),
            Some("site.settings")
        );
        assert_eq!(env_value("RUN A=1", "A"), None);
        assert_eq!(exposed_port("EXPOSE 8080/tcp"), Some(8080));
        assert_eq!(exposed_port("EXPOSE $PORT"), None);
        assert_eq!(
            bind_port("gunicorn --bind 0.0.0.0:5000 app:app"),
            Some(5000)
        );
        assert_eq!(bind_port("gunicorn -b :5001 app:app"), Some(5001));
        assert_eq!(bind_port("uvicorn --port=8002 app:app"), Some(8002));
        assert_eq!(bind_port("gunicorn app:app"), None);
    }
}
