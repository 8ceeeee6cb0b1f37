//! How every frozen template version renders, pinned: for a fixed set of answers per stack, the
//! SHA-256 of every file a version renders (path, mode, text) is recorded in
//! `tests/render_digests.yml`. A released version's files never change (their digests are in
//! `templates/builtin/releases.yml`), but what they render also depends on the template engine
//! and pyscaffold's own code; a change there that moves an old version's output would silently
//! move every project's merge base. This test makes it fail loudly instead.
//!
//! `PYSCAFFOLD_BLESS=1` adds the digests of a version not yet listed; it never rewrites a
//! recorded one.

use std::collections::BTreeMap;
use std::path::Path;

use pyscaffold::resolve::{Options, resolve, set_layer};
use pyscaffold::template_set::{RenderMeta, builtin};

/// The stacks: every framework and every installer at least once, all three CI systems.
const STACKS: &[(&str, &[&str])] = &[
    (
        "flask-pip-github",
        &["framework=flask", "installer=pip", "ci=github"],
    ),
    (
        "django-poetry-gitlab",
        &["framework=django", "installer=poetry", "ci=gitlab"],
    ),
    (
        "fastapi-uv-circleci",
        &[
            "framework=fastapi",
            "installer=uv",
            "ci=circleci",
            "image=registry.example.com/team/demo",
        ],
    ),
    (
        "wsgi-piptools-github",
        &["framework=wsgi", "installer=pip-tools", "ci=github,gitlab"],
    ),
    (
        "asgi-pdm-gitlab",
        &["framework=asgi", "installer=pdm", "ci=gitlab"],
    ),
    (
        "worker-flit-none",
        &["framework=worker", "installer=flit", "ci=none"],
    ),
    (
        "flask-pipenv-upgrade-job",
        &[
            "framework=flask",
            "installer=pipenv",
            "ci=github,gitlab",
            "upgrade_job=true",
        ],
    ),
];

/// The digest of one version's render for one stack, or why the version refuses the stack.
fn render_digest(version: &semver::Version, sets: &[&str]) -> String {
    let set = builtin::load(version).unwrap();
    let mut items: Vec<String> = vec!["name=demo".into()];
    // An answer a version does not ask is left out, as an older project's record would.
    for item in sets {
        let id = item.split('=').next().unwrap();
        if set.questions.iter().any(|q| q.id == id) {
            items.push((*item).to_string());
        }
    }
    let options = Options {
        use_defaults: true,
        ..Options::default()
    };
    let resolved = match set_layer(&items).and_then(|l| resolve(&set, &[l], None, &options)) {
        Ok(resolved) => resolved,
        Err(e) => return format!("refused: {}", e.to_string().lines().next().unwrap_or("")),
    };
    let meta = RenderMeta {
        pyscaffold_version: "0.1.0".into(),
    };
    let files = set.render(&resolved.answers, &meta).unwrap();
    let mut listing = String::new();
    for file in &files {
        listing.push_str(&format!(
            "{} {} {}\n",
            pyscaffold::digest::sha256_hex(file.contents.as_bytes()),
            if file.executable { "755" } else { "644" },
            file.path
        ));
    }
    pyscaffold::digest::sha256_hex(listing.as_bytes())
}

#[test]
fn every_frozen_version_renders_as_recorded() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render_digests.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut recorded: BTreeMap<String, BTreeMap<String, String>> = if text.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    };
    let bless = std::env::var_os("PYSCAFFOLD_BLESS").is_some();
    let released: Vec<String> = builtin::releases()
        .unwrap()
        .into_iter()
        .map(|r| r.version)
        .collect();
    let mut problems = Vec::new();
    let mut added = false;
    for version in builtin::versions().unwrap() {
        let name = version.to_string();
        if !released.contains(&name) {
            // A version still being worked on renders as its templates say today.
            continue;
        }
        for (stack, sets) in STACKS {
            let now = render_digest(&version, sets);
            match recorded.get(&name).and_then(|v| v.get(*stack)) {
                Some(was) if *was == now => {}
                Some(was) => problems.push(format!(
                    "templates {name}, stack {stack}: rendered {now}, recorded {was}"
                )),
                None if bless => {
                    recorded
                        .entry(name.clone())
                        .or_default()
                        .insert((*stack).to_string(), now);
                    added = true;
                }
                None => problems.push(format!(
                    "templates {name}, stack {stack}: no recorded digest (a newly frozen \
                     version: `PYSCAFFOLD_BLESS=1 cargo test render_digests` records it)"
                )),
            }
        }
    }
    if added {
        let mut out = String::from(
            "# What each frozen template version renders, per stack (tests/cli/render_digests.rs):\n\
             # the SHA-256 of the listing of every rendered file's hash, mode and path. Never edit\n\
             # a recorded line: a change means old projects' merge bases moved.\n",
        );
        for (version, stacks) in &recorded {
            out.push_str(&format!("\"{version}\":\n"));
            for (stack, digest) in stacks {
                out.push_str(&format!("  {stack}: {digest}\n"));
            }
        }
        std::fs::write(&path, out).unwrap();
    }
    assert!(
        problems.is_empty(),
        "how frozen template versions render changed (a dependency such as Tera, or \
         pyscaffold's rendering code, moved the merge base of every project generated from \
         them); find the cause and keep the old output:\n{}",
        problems.join("\n")
    );
}
