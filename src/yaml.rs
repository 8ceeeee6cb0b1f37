//! Reading YAML the one way pyscaffold reads every file it is given: answers files, records,
//! presets, packs, configuration and its own template data.
//!
//! Explicit tags are refused, application tags (`!!python/object:...`, `!secret`) and standard
//! ones (`!!binary`, which would be decoded, `!!str`) alike, rather than silently dropped or
//! applied: no pyscaffold file needs one, a file that carries one was not written for
//! pyscaffold, and a value whose tag was thrown away is not the value its author meant.

use serde::de::DeserializeOwned;
use serde::de::Error as _;

/// The parser's options: unknown tags refused, everything else as serde-saphyr's defaults.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        reject_unsupported_tags: true,
    }
}

/// Deserialises `text` with [`options`], refusing any explicit tag.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    from_str_with(text, options())
}

/// Deserialises pyscaffold's own embedded template data with [`options`], without looking
/// for explicit tags first: the data is fixed when the binary is built, and a test reads every
/// embedded version with [`from_str`] (`ParsedSet::check_embedded`), so a start does not
/// parse it twice.
pub fn from_embedded_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// Deserialises `text` with `options` (built on [`options`]), refusing any explicit tag.
pub fn from_str_with<T: DeserializeOwned>(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<T, serde_saphyr::Error> {
    if let Some((line, column, tag)) = first_tag(text) {
        return Err(serde_saphyr::Error::custom(format!(
            "line {line} column {column}: unsupported tag `{tag}`: pyscaffold's files take \
             plain YAML values; remove the tag and write the value itself"
        )));
    }
    serde_saphyr::from_str_with_options(text, options)
}

/// The first explicit tag in `text` (line, column, tag), if any. A document that does not
/// parse has none here: the deserialiser then reports the syntax error with its excerpt.
fn first_tag(text: &str) -> Option<(usize, usize, String)> {
    use granit_parser::{Event, Parser};
    // Every tag starts with `!` (`!x`, `!!x`, `!<...>`): a text without one has none, and is
    // not parsed twice.
    if !text.contains('!') {
        return None;
    }
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { return None };
        let tag = match event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag,
            _ => None,
        };
        if let Some(tag) = tag {
            let raw = tag.to_string();
            let shown = raw
                .strip_prefix("tag:yaml.org,2002:")
                .map_or(raw.clone(), |s| format!("!!{s}"));
            return Some((span.start.line(), span.start.col() + 1, shown));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn every_explicit_tag_is_refused_with_its_line() {
        for (text, tag) in [
            (
                "port: !!python/object:os.system 8000\n",
                "!!python/object:os.system",
            ),
            ("a: 1\nport: !secret x\n", "!secret"),
            ("health_path: !!binary L2xpdmV6\n", "!!binary"),
            ("port: !!str 8000\n", "!!str"),
            ("ci: !!seq [github]\n", "!!seq"),
            ("x: !<tag:yaml.org,2002:str> y\n", "!!str"),
        ] {
            let err = from_str::<BTreeMap<String, serde_saphyr::Spanned<String>>>(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains(&format!("unsupported tag `{tag}`")),
                "{text}: {err}"
            );
        }
        let err = from_str::<BTreeMap<String, String>>("a: 1\nport: !secret x\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        let plain: BTreeMap<String, String> = from_str("port: \"8000\"\n").unwrap();
        assert_eq!(plain["port"], "8000");
    }
}
