//! Requirements files as pip reads them: one logical line per entry (continuations joined,
//! comments dropped), `-r` includes, local installs, and PEP 508 requirements parsed by
//! `pep508_rs`. Text in, facts out; following includes across files is the caller's.

use std::str::FromStr;

/// One declared dependency.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// Normalised (PEP 503): `flask-cors`, `django`.
    pub name: String,
    pub extras: Vec<String>,
    /// The version specifiers as written, e.g. `==0.13.4`, `<0.20` (empty: any).
    pub specifiers: String,
    pub file: String,
    pub line: usize,
    /// The requirement as written.
    pub written: String,
}

/// One entry of a requirements file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `-r base.txt`: the file named, relative to the including file's folder.
    Include(String),
    /// `-e .`, `./lib`: a folder of the repository (the entry as written).
    Local(String),
    /// A requirement (options after it, such as `--hash`, removed).
    Requirement(String),
    /// An option line (`--index-url ...`) or a URL: not a dependency.
    Option,
}

/// The entries of `text`, each with its 1-based starting line.
pub fn entries(text: &str) -> Vec<(usize, Entry)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        let line = raw.split(" #").next().unwrap_or("");
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let entry = entry.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let include = entry
            .strip_prefix("-r ")
            .or_else(|| entry.strip_prefix("--requirement "))
            .or_else(|| entry.strip_prefix("--requirement="))
            .or_else(|| entry.strip_prefix("-r"));
        if let Some(target) = include {
            out.push((start, Entry::Include(target.trim().to_string())));
            continue;
        }
        let editable = entry
            .strip_prefix("-e ")
            .or_else(|| entry.strip_prefix("--editable "))
            .or_else(|| entry.strip_prefix("--editable="))
            .map(str::trim);
        let target = editable.unwrap_or(entry);
        if target == "." || target.starts_with("./") || target.starts_with("../") {
            out.push((start, Entry::Local(entry.to_string())));
            continue;
        }
        if entry.starts_with('-') {
            out.push((start, Entry::Option));
            continue;
        }
        // `name==1.0 --hash=sha256:...`: options after the requirement are not part of it.
        let spec = entry.split(" --").next().unwrap_or(entry);
        out.push((start, Entry::Requirement(spec.trim().to_string())));
    }
    out
}

/// A PEP 503 normalised distribution name: `Flask_Cors` → `flask-cors`.
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        let c = if matches!(c, '_' | '.') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// Parses one PEP 508 requirement; `None` for what is not one (a URL, a local path).
pub fn requirement(written: &str, file: &str, line: usize) -> Option<Dependency> {
    let parsed = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(written).ok()?;
    let specifiers = match &parsed.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specs)) => specs.to_string(),
        _ => String::new(),
    };
    Some(Dependency {
        name: normalise(parsed.name.as_ref()),
        extras: parsed
            .extras
            .iter()
            .map(|e| normalise(e.as_ref()))
            .collect(),
        specifiers,
        file: file.into(),
        line,
        written: written.trim().into(),
    })
}

/// `requirements/../base.txt` → `base.txt`.
pub fn tidy(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_join_continuations_and_tell_includes_locals_and_options() {
        let text = "# pinned\n-r base.txt\nflask==3.1.3 \\\n    --hash=sha256:abc\n-e .\n--index-url https://example.invalid/simple\ngunicorn>=23 # server\n./libs/shared\n";
        assert_eq!(
            entries(text),
            vec![
                (2, Entry::Include("base.txt".into())),
                (3, Entry::Requirement("flask==3.1.3".into())),
                (5, Entry::Local("-e .".into())),
                (6, Entry::Option),
                (7, Entry::Requirement("gunicorn>=23".into())),
                (8, Entry::Local("./libs/shared".into())),
            ]
        );
    }

    #[test]
    fn requirements_are_parsed_by_pep508_and_names_normalised() {
        let d = requirement(
            "Flask_Cors[async]>=4, <6 ; python_version >= '3.9'",
            "r.txt",
            3,
        )
        .unwrap();
        assert_eq!(d.name, "flask-cors");
        assert_eq!(d.extras, ["async"]);
        assert_eq!(d.specifiers, ">=4, <6");
        assert_eq!((d.file.as_str(), d.line), ("r.txt", 3));
        assert!(requirement("https://example.invalid/x.whl", "r.txt", 1).is_none());
        assert_eq!(normalise("Zope.Interface__x"), "zope-interface-x");
        assert_eq!(tidy("requirements/../base.txt"), "base.txt");
        assert_eq!(tidy("./a//b/./c.txt"), "a/b/c.txt");
    }
}
