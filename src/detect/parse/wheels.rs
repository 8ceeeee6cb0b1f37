//! Wheel file names (`greenlet-3.0.1-cp312-cp312-manylinux_2_24_x86_64.whl`): which CPython
//! minor versions a wheel installs on in the image (Linux, glibc, x86_64). Text in, facts out.

/// Where a wheel installs, among CPython 3 minor versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fits {
    /// Pure Python (`py3-none-any`): every version.
    Any,
    /// A `cp3N` build with that ABI: version 3.N only.
    Exactly(u32),
    /// The stable ABI (`cp3N-abi3`): 3.N and later.
    From(u32),
    /// Another platform (Windows, macOS, musl, ARM) or interpreter: none in the image.
    Elsewhere,
}

impl Fits {
    pub fn allows(self, minor: u32) -> bool {
        match self {
            Fits::Any => true,
            Fits::Exactly(m) => m == minor,
            Fits::From(m) => minor >= m,
            Fits::Elsewhere => false,
        }
    }
}

/// Where the wheel named `file` installs; None for what is not a wheel file name.
pub fn fits(file: &str) -> Option<Fits> {
    let stem = file.rsplit('/').next()?.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() < 5 {
        return None;
    }
    let (python, abi, platform) = (
        parts[parts.len() - 3],
        parts[parts.len() - 2],
        parts[parts.len() - 1],
    );
    let linux = platform.split('.').any(|p| {
        p == "any" || (p.contains("manylinux") || p.starts_with("linux")) && p.ends_with("x86_64")
    });
    if !linux {
        return Some(Fits::Elsewhere);
    }
    let minors: Vec<Option<u32>> = python
        .split('.')
        .map(|tag| {
            tag.strip_prefix("cp3")
                .and_then(|m| m.parse().ok())
                .or_else(|| tag.strip_prefix("py3").map(|m| m.parse().unwrap_or(0)))
        })
        .collect();
    if python.split('.').any(|t| t == "py3" || t == "py2") && abi == "none" {
        return Some(Fits::Any);
    }
    let Some(Some(minor)) = minors.into_iter().find(Option::is_some) else {
        return Some(Fits::Elsewhere);
    };
    Some(match abi {
        "abi3" => Fits::From(minor),
        "none" => Fits::From(minor),
        _ => Fits::Exactly(minor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_say_where_they_install() {
        assert_eq!(
            fits("greenlet-3.0.1-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"),
            Some(Fits::Exactly(12))
        );
        assert_eq!(
            fits(
                "https://files.example.invalid/x/cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl"
            ),
            Some(Fits::From(9))
        );
        assert_eq!(fits("flask-3.1.3-py3-none-any.whl"), Some(Fits::Any));
        assert_eq!(fits("six-1.16.0-py2.py3-none-any.whl"), Some(Fits::Any));
        assert_eq!(
            fits("greenlet-3.0.1-cp312-cp312-win_amd64.whl"),
            Some(Fits::Elsewhere)
        );
        assert_eq!(
            fits("greenlet-3.0.1-cp312-cp312-musllinux_1_1_x86_64.whl"),
            Some(Fits::Elsewhere)
        );
        assert_eq!(
            fits("greenlet-3.0.1-cp312-cp312-manylinux_2_17_aarch64.whl"),
            Some(Fits::Elsewhere)
        );
        assert_eq!(
            fits("orjson-3.10.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl"),
            Some(Fits::Elsewhere)
        );
        assert_eq!(fits("greenlet-3.0.1.tar.gz"), None);
        assert!(Fits::From(9).allows(13) && !Fits::Exactly(12).allows(13));
    }
}
