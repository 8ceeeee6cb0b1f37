//! Every action a generated GitHub workflow uses is pinned to a full commit SHA with its
//! release as a comment, and comes from the one table the template set keeps
//! (`dependencies.yml`, `actions`).

use std::collections::BTreeMap;

use crate::support::{generate, read_tree};

/// The newest template version's table: action → (commit SHA, release).
fn table() -> BTreeMap<String, (String, String)> {
    let newest = pyscaffold::template_set::builtin::latest().unwrap();
    let set = pyscaffold::template_set::builtin::load(&newest).unwrap();
    set.dependencies["actions"]
        .iter()
        .map(|(name, pin)| (name.clone(), (pin[0].clone(), pin[1].clone())))
        .collect()
}

#[test]
fn every_action_is_pinned_by_commit_from_the_table() {
    let table = table();
    assert!(table.len() >= 2, "{table:?}");
    for (sha, release) in table.values() {
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{sha} is not a full commit SHA"
        );
        assert!(
            release.starts_with('v') && release.matches('.').count() == 2,
            "{release}"
        );
    }
    let uses = regex::Regex::new(r"^\s*(?:- )?uses: ([^@\s]+)@(\S+)(?:\s+# (\S+))?\s*$").unwrap();
    let mut seen = 0;
    for args in [
        &["-y", "--no-lock", "--set", "upgrade_job=true"][..],
        &[
            "-y",
            "--no-lock",
            "--framework",
            "django",
            "--installer",
            "poetry",
        ][..],
        &[
            "-y",
            "--no-lock",
            "--framework",
            "fastapi",
            "--installer",
            "uv",
            "--image",
            "registry.example.com/team/api",
            "--set",
            "upgrade_job=true",
        ][..],
    ] {
        let (_tmp, root) = generate("svc", args);
        for (path, text) in read_tree(&root) {
            if !path.starts_with(".github/workflows/") {
                continue;
            }
            for line in text.lines().filter(|l| l.contains("uses:")) {
                let found = uses.captures(line).unwrap_or_else(|| {
                    panic!("{path}: `{line}` is not `uses: OWNER/REPO@SHA # vX.Y.Z`")
                });
                let (name, reference, comment) = (&found[1], &found[2], found.get(3));
                let Some((sha, release)) = table.get(name) else {
                    panic!("{path}: `{name}` is not in dependencies.yml's `actions` table");
                };
                assert_eq!(
                    reference, sha,
                    "{path}: {name} is not pinned to the table's commit"
                );
                assert_eq!(
                    comment.map(|c| c.as_str()),
                    Some(release.as_str()),
                    "{path}: {name} lacks its `# {release}` comment"
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 5, "only {seen} `uses:` lines read");
}
