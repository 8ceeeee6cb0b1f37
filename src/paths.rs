//! Paths inside a project: which are safe to write, and which pyscaffold keeps for itself.

/// The record's file name, at the project root.
pub const RECORD_FILE: &str = ".pyscaffold.yml";

/// Why `path` is not a file a template may write: inside git's own folder, or the record.
pub fn reserved_path(path: &str) -> Option<&'static str> {
    if path
        .split('/')
        .any(|part| part.eq_ignore_ascii_case(".git"))
    {
        Some("is inside a `.git` folder, which is git's own (a hook written there would run)")
    } else if path.eq_ignore_ascii_case(RECORD_FILE) {
        Some("is pyscaffold's record, which only pyscaffold writes")
    } else {
        None
    }
}

/// A relative `/`-separated path without `.`, `..`, empty parts or backslashes.
pub fn is_safe_relative_path(path: &str) -> bool {
    !(path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == ".."))
}
