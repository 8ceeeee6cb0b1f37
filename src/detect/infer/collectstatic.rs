//! Whether Django's collectstatic can run at build time.

use crate::detect::code::*;
use crate::detect::{Evidence, Finding};

/// Whether Django's `collectstatic` can run at build time: it needs `STATIC_ROOT` set.
pub fn collectstatic(code: &Code) -> Finding<bool> {
    match code.django.iter().find(|(_, _, name, _)| name == "STATIC_ROOT") {
        Some((file, line, _, value)) => Finding::certain(
            true,
            vec![Evidence::at(
                file.clone(),
                Some(*line),
                format!("STATIC_ROOT = {value}"),
            )],
        ),
        None => Finding::certain(false, vec![]).noted(
            "no settings module sets STATIC_ROOT, so `collectstatic` would fail: static files are not collected at build time",
        ),
    }
}
