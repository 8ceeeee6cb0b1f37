//! Reading YAML the one way pyscaffold reads every file it is given: answers files, records,
//! presets, packs, configuration and its own template data.
//!
//! Application tags (`!!python/object:...`, `!secret`) are refused rather than silently
//! dropped: a file that carries one was not written for pyscaffold, and a value whose tag was
//! thrown away is not the value its author meant.

use serde::de::DeserializeOwned;

/// The parser's options: unknown tags refused, everything else as serde-saphyr's defaults.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        reject_unsupported_tags: true,
    }
}

/// Deserialises `text` with [`options`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn application_tags_are_refused_and_standard_ones_kept() {
        let tagged = "port: !!python/object:os.system 8000\n";
        assert!(from_str::<BTreeMap<String, String>>(tagged).is_err());
        assert!(from_str::<BTreeMap<String, String>>("port: !secret x\n").is_err());
        let plain: BTreeMap<String, String> = from_str("port: !!str 8000\n").unwrap();
        assert_eq!(plain["port"], "8000");
    }
}
