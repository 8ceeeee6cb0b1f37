//! Packages the image needs: Debian packages for the dependencies, the server packages the
//! dependencies lack, and pins the image cannot run.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::detect::deps::*;
use crate::detect::{Evidence, Finding, ListFinding};

#[derive(Debug, Deserialize)]
pub(crate) struct SystemNeed {
    #[serde(default)]
    build: Vec<String>,
    #[serde(default)]
    runtime: Vec<String>,
    why: String,
    #[serde(default)]
    unless_extras: Vec<String>,
    /// Build-stage packages an extra adds (`psycopg[c]` compiles against libpq).
    #[serde(default)]
    extras_build: BTreeMap<String, Vec<String>>,
}

pub(crate) static SYSTEM_PACKAGES: &str =
    include_str!("../../../templates/detect/system-packages.yml");

/// Debian packages the dependencies need: headers in the build stage, libraries at run time.
pub fn system_packages(m: &Manifests) -> Result<(ListFinding, ListFinding)> {
    let table: BTreeMap<String, SystemNeed> = crate::yaml::from_str(SYSTEM_PACKAGES)
        .context("templates/detect/system-packages.yml is not valid")?;
    let mut runtime = BTreeSet::new();
    let mut build = BTreeSet::from(["build-essential".to_string()]);
    let (mut run_ev, mut build_ev) = (Vec::new(), Vec::new());
    for dep in &m.dependencies {
        let Some(need) = table.get(&dep.name) else {
            continue;
        };
        if dep.extras.iter().any(|e| need.unless_extras.contains(e)) {
            continue;
        }
        let ev = Evidence::at(
            dep.file.clone(),
            Some(dep.line),
            format!("{} ({})", dep.written, need.why),
        );
        if !need.runtime.is_empty() {
            runtime.extend(need.runtime.iter().cloned());
            run_ev.push(ev.clone());
        }
        let extra_build: Vec<&String> = dep
            .extras
            .iter()
            .filter_map(|e| need.extras_build.get(e))
            .flatten()
            .collect();
        if !need.build.is_empty() || !extra_build.is_empty() {
            build.extend(need.build.iter().cloned());
            build.extend(extra_build.into_iter().cloned());
            build_ev.push(ev);
        }
    }
    let list = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>();
    Ok((
        Finding::certain(list(runtime), run_ev),
        if build_ev.is_empty() {
            Finding::certain(list(build), build_ev).noted(
                "no dependency names build headers: the compilers every image gets, for wheels built from source",
            )
        } else {
            Finding::certain(list(build), build_ev)
        },
    ))
}

/// The first uvicorn release that `uvicorn-worker` (gunicorn's ASGI worker) supports; older
/// ones carry their own `uvicorn.workers.UvicornWorker`.
pub(crate) const UVICORN_WORKER_MIN: &str = "0.36";

/// The server packages the image must add because the project does not depend on them, and
/// the gunicorn worker class for an ASGI app: `(server_packages, asgi_worker)`.
pub fn server_packages(
    m: &Manifests,
    framework: Option<&str>,
) -> (Finding<Vec<String>>, Option<Finding<String>>) {
    let mut add: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    match m.has("gunicorn") {
        Some(dep) => evidence.push(evidence_of(dep)),
        None => {
            add.push("gunicorn".into());
            notes.push(
                "gunicorn is not a dependency: the image adds it from hashed pins".to_string(),
            );
        }
    }
    let asgi = matches!(framework, Some("fastapi" | "asgi"));
    let mut worker = None;
    if asgi {
        if let Some(dep) = m.has("uvicorn-worker") {
            evidence.push(evidence_of(dep));
            worker = Some(Finding::certain(
                "uvicorn_worker.UvicornWorker",
                vec![evidence_of(dep)],
            ));
        } else {
            let declared = m.has("uvicorn");
            let locked = m.locked.get("uvicorn");
            let version = locked.cloned().or_else(|| {
                declared.and_then(|d| {
                    d.specifiers
                        .trim()
                        .strip_prefix("==")
                        .map(|v| v.trim().to_string())
                })
            });
            let old = match (&version, declared) {
                (Some(v), _) => is_below(v, UVICORN_WORKER_MIN),
                (None, Some(d)) => caps_below(&d.specifiers, UVICORN_WORKER_MIN),
                (None, None) => false,
            };
            let at: Vec<Evidence> = declared.map(evidence_of).into_iter().collect();
            if declared.is_none() && locked.is_none() {
                add.push("uvicorn-worker".into());
                add.push("uvicorn".into());
                notes.push(
                    "uvicorn is not a dependency: the image adds it and its gunicorn worker".into(),
                );
                worker = Some(Finding::guess("uvicorn_worker.UvicornWorker", vec![]));
            } else if old {
                let shown = version
                    .clone()
                    .unwrap_or_else(|| declared.map(|d| d.specifiers.clone()).unwrap_or_default());
                worker = Some(
                    Finding::certain("uvicorn.workers.UvicornWorker", at).noted(format!(
                        "uvicorn {shown} is older than {UVICORN_WORKER_MIN}, which uvicorn-worker needs: gunicorn runs uvicorn's own worker"
                    )),
                );
            } else {
                add.push("uvicorn-worker".into());
                notes.push("uvicorn-worker (gunicorn's uvicorn worker) is not a dependency: the image adds it".into());
                worker = Some(Finding::certain("uvicorn_worker.UvicornWorker", at));
            }
        }
    }
    let mut finding = Finding::certain(add, evidence);
    if !notes.is_empty() {
        finding = finding.noted(notes.join("; "));
    }
    (finding, worker)
}

/// The first gunicorn release that does not import `pkg_resources` (setuptools), which the
/// image's virtualenv does not have.
pub(crate) const GUNICORN_WITHOUT_SETUPTOOLS: &str = "21.0.0";

/// A gunicorn the project pins (or locks) before 21, whose workers fail to boot without
/// setuptools: the warning, with the line.
pub fn old_gunicorn(m: &Manifests) -> Option<String> {
    let dep = m.has("gunicorn")?;
    let version = m.locked.get("gunicorn").cloned().or_else(|| {
        dep.specifiers
            .trim()
            .strip_prefix("==")
            .map(|v| v.trim().to_string())
    });
    let old = match &version {
        Some(v) => is_below(v, GUNICORN_WITHOUT_SETUPTOOLS),
        None => caps_below(&dep.specifiers, GUNICORN_WITHOUT_SETUPTOOLS),
    };
    old.then(|| {
        format!(
            "{}:{} pins gunicorn {}, which imports pkg_resources (setuptools) at start; the \
             image's virtualenv has no setuptools, so its workers would fail to boot; help: \
             upgrade gunicorn to 23 or later (`gunicorn>=23`)",
            dep.file,
            dep.line,
            version.unwrap_or_else(|| dep.specifiers.clone())
        )
    })
}
