//! The framework, from the parsed dependency names.

use crate::detect::Finding;
use crate::detect::deps::*;
use crate::detect::scan::Tree;

/// The framework, from the parsed dependency names (never substrings: `flask-cors` is not
/// Flask); Django also needs a `manage.py`.
pub fn framework(m: &Manifests, tree: &Tree) -> Finding<String> {
    const KNOWN: [(&str, &str); 10] = [
        ("django", "django"),
        ("flask", "flask"),
        ("fastapi", "fastapi"),
        ("starlette", "asgi"),
        ("quart", "asgi"),
        ("litestar", "asgi"),
        ("falcon", "wsgi"),
        ("bottle", "wsgi"),
        ("pyramid", "wsgi"),
        ("celery", "worker"),
    ];
    let mut found: Vec<(&str, &Dependency)> = Vec::new();
    let mut notes = Vec::new();
    for (dist, framework) in KNOWN {
        let Some(dep) = m.has(dist) else { continue };
        if dist == "django" && tree.manage_py.is_empty() {
            notes.push(format!(
                "`django` is a dependency ({}:{}) but there is no manage.py",
                dep.file, dep.line
            ));
            continue;
        }
        if found.iter().any(|(f, _)| *f == framework) {
            continue;
        }
        found.push((framework, dep));
    }
    // FastAPI is built on Starlette; a worker library beside a web framework is a second process.
    if found.iter().any(|(f, _)| *f == "fastapi") {
        found.retain(|(f, _)| *f != "asgi");
    }
    if found.len() > 1 {
        found.retain(|(f, _)| *f != "worker");
    }
    let finding = match found.as_slice() {
        [] => Finding::none().noted(
            "no web framework among the dependencies (Flask, Django, FastAPI, Starlette, Falcon, ...); give `--framework`",
        ),
        [(framework, dep)] => Finding::certain(*framework, vec![evidence_of(dep)]),
        many => Finding::ambiguous(
            many.iter().map(|(f, _)| f.to_string()).collect(),
            many.iter().map(|(_, d)| evidence_of(d)).collect(),
        ),
    };
    match notes.first() {
        Some(note) if finding.note.is_none() => finding.noted(note.clone()),
        _ => finding,
    }
}
