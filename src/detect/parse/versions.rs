//! Python versions as version files write them: `3.11.4`, `python-3.8.10` (runtime.txt),
//! `cpython-3.12` → the minor version `3.N`; Poetry constraints as PEP 440 specifiers. Text in,
//! facts out.

use std::str::FromStr;

/// The minor version a version string names, CPython 3 only (`pypy3.10`, `system`: None).
pub fn minor(version: &str) -> Option<String> {
    let v = version
        .trim()
        .trim_start_matches("python-")
        .trim_start_matches("cpython-");
    let mut parts = v.split('.');
    let major = parts.next()?.trim();
    let minor: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (major == "3" && !minor.is_empty()).then(|| format!("3.{minor}"))
}

/// The Python versions a Poetry constraint allows (`^3.10`, `~3.11`, `>=3.9,<3.13`, `3.12.*`,
/// `^3.9 || ^3.11`), as PEP 440 specifier sets, one per alternative.
pub fn poetry_to_pep440(constraint: &str) -> Option<Vec<pep440_rs::VersionSpecifiers>> {
    let mut alternatives = Vec::new();
    for alternative in constraint.split("||").flat_map(|a| a.split('|')) {
        let mut parts = Vec::new();
        for piece in alternative.split([',', ' ']).map(str::trim) {
            if piece.is_empty() || piece == "*" {
                continue;
            }
            let release = |v: &str| -> Option<Vec<u32>> {
                v.split('.').map(|p| p.parse::<u32>().ok()).collect()
            };
            if let Some(v) = piece.strip_prefix('^') {
                // The leftmost non-zero part may not change: `^3.10` < 4, `^0.27.0` < 0.28.
                let r = release(v)?;
                let at = r.iter().position(|p| *p != 0).unwrap_or(r.len() - 1);
                let mut upper: Vec<String> = r[..at].iter().map(u32::to_string).collect();
                upper.push((r.get(at)? + 1).to_string());
                parts.push(format!(">={v}"));
                parts.push(format!("<{}", upper.join(".")));
            } else if let Some(v) = piece.strip_prefix('~').filter(|v| !v.starts_with('=')) {
                let r = release(v)?;
                parts.push(format!(">={v}"));
                match r.as_slice() {
                    [major] => parts.push(format!("<{}", major + 1)),
                    [major, minor, ..] => parts.push(format!("<{major}.{}", minor + 1)),
                    [] => return None,
                }
            } else if piece.starts_with(['<', '>', '=', '!', '~']) {
                parts.push(piece.to_string());
            } else if piece.ends_with(".*") {
                parts.push(format!("=={piece}"));
            } else {
                release(piece)?;
                parts.push(format!("=={piece}.*"));
            }
        }
        alternatives.push(pep440_rs::VersionSpecifiers::from_str(&parts.join(",")).ok()?);
    }
    Some(alternatives)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::{minor, poetry_to_pep440};

    #[test]
    fn minor_versions_of_every_spelling() {
        assert_eq!(minor("3.11.4").as_deref(), Some("3.11"));
        assert_eq!(minor("python-3.8.10").as_deref(), Some("3.8"));
        assert_eq!(minor("cpython-3.12").as_deref(), Some("3.12"));
        assert_eq!(minor("3.14-slim-bookworm").as_deref(), Some("3.14"));
        assert_eq!(minor("pypy3.10"), None);
        assert_eq!(minor("system"), None);
        assert_eq!(minor("2.7.18"), None);
    }

    #[test]
    fn poetry_constraints_become_pep440_alternatives() {
        let allows = |c: &str, v: &str| {
            poetry_to_pep440(c)
                .unwrap()
                .iter()
                .any(|s| s.contains(&pep440_rs::Version::from_str(v).unwrap()))
        };
        assert!(allows("^3.10", "3.12.1") && !allows("^3.10", "4.0.0"));
        assert!(allows("~3.11", "3.11.9") && !allows("~3.11", "3.12.0"));
        assert!(allows("^3.8 || ^3.11", "3.12.0"));
        assert!(allows(">=3.9,<3.13", "3.12.5") && !allows(">=3.9,<3.13", "3.13.0"));
        assert!(allows("3.12.*", "3.12.3") && !allows("3.12", "3.13.0"));
        assert!(allows("^0.27.0", "0.27.5") && !allows("^0.27.0", "0.28.0"));
        assert!(poetry_to_pep440("^three").is_none());
    }
}
