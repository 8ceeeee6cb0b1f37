//! Three-way, line-based file merges with git's own algorithm (libgit2's `git_merge_file`).
//!
//! `upgrade` merges the recorded version's text (base), the project's file (yours) and the
//! target version's text (theirs). Clean merges are written; overlapping edits get git-style
//! conflict markers labelled with the two versions, exactly as `git merge` writes them, so
//! `git mergetool` and editors understand them.

use anyhow::{Context as _, Result, anyhow};

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Both sides' changes applied.
    Clean(String),
    /// Text with conflict markers, and how many conflict regions it has.
    Conflict { text: String, regions: usize },
}

/// Labels for the two sides of a conflict.
pub struct Labels<'a> {
    pub ours: &'a str,
    pub theirs: &'a str,
}

/// A first line given to all three sides, so the merge result is never empty: libgit2 hands
/// back no buffer at all for an empty result, and a slice must never be built from that.
const ANCHOR: &str = "\u{1}pyscaffold merge anchor\u{1}\n";

/// Merges `ours` and `theirs`, both changed from `base` (`None`: the file is new on both sides).
///
/// Templates render LF line endings. A file of yours with CRLF endings (a Windows checkout
/// with `core.autocrlf`) is merged as LF and given back with CRLF, so its line endings alone
/// never make the whole file one conflict.
pub fn merge3(base: Option<&str>, ours: &str, theirs: &str, labels: &Labels<'_>) -> Result<Merged> {
    if ours.contains("\r\n") && !ours.replace("\r\n", "").contains('\n') {
        let crlf = |text: String| text.replace('\n', "\r\n");
        return Ok(
            match merge3_lf(base, &ours.replace("\r\n", "\n"), theirs, labels)? {
                Merged::Clean(text) => Merged::Clean(crlf(text)),
                Merged::Conflict { text, regions } => Merged::Conflict {
                    text: crlf(text),
                    regions,
                },
            },
        );
    }
    merge3_lf(base, ours, theirs, labels)
}

fn merge3_lf(base: Option<&str>, ours: &str, theirs: &str, labels: &Labels<'_>) -> Result<Merged> {
    // libgit2 needs its global state set up before the first call; any initialising
    // constructor does it (once per process).
    drop(git2::Buf::new());
    let anchored = |text: &str| format!("{ANCHOR}{text}");
    // A file new on both sides has only the anchor as its ancestor.
    let (base, ours, theirs) = (
        anchored(base.unwrap_or("")),
        anchored(ours),
        anchored(theirs),
    );
    let mut ancestor = git2::MergeFileInput::new();
    ancestor.content(base.as_bytes());
    let mut our_input = git2::MergeFileInput::new();
    our_input.content(ours.as_bytes());
    let mut their_input = git2::MergeFileInput::new();
    their_input.content(theirs.as_bytes());
    let mut options = git2::MergeFileOptions::new();
    options.our_label(labels.ours).their_label(labels.theirs);
    let result = git2::merge_file(&ancestor, &our_input, &their_input, Some(&mut options))
        .context("the three-way merge failed")?;
    let text = std::str::from_utf8(result.content())
        .map_err(|_| anyhow!("the merge produced text that is not UTF-8"))?
        .strip_prefix(ANCHOR)
        .ok_or_else(|| anyhow!("the merge lost its first line"))?
        .to_string();
    if result.is_automergeable() {
        return Ok(Merged::Clean(text));
    }
    let regions = conflict_regions(&text);
    Ok(Merged::Conflict {
        text,
        regions: regions.max(1),
    })
}

/// How many conflict regions (`<<<<<<< ` lines) a text has.
pub fn conflict_regions(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with("<<<<<<< ")).count()
}

/// Whether a text still holds conflict markers from a merge: a `<<<<<<< ` line followed by a
/// `=======` line and a `>>>>>>> ` line.
pub fn has_markers(text: &str) -> bool {
    // Most files have no marker at all: one search says so.
    if !text.contains("<<<<<<< ") {
        return false;
    }
    let mut stage = 0;
    for line in text.lines() {
        stage = match (stage, line) {
            (0, l) if l.starts_with("<<<<<<< ") => 1,
            (1, "=======") => 2,
            (2, l) if l.starts_with(">>>>>>> ") => return true,
            (s, _) => s,
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: Labels<'static> = Labels {
        ours: "yours",
        theirs: "template 2",
    };

    #[test]
    fn separate_edits_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\nB\nc\nd\ne\n";
        let theirs = "a\nb\nc\nd\nE\n";
        assert_eq!(
            merge3(Some(base), ours, theirs, &LABELS).unwrap(),
            Merged::Clean("a\nB\nc\nd\nE\n".into())
        );
    }

    #[test]
    fn a_crlf_file_merges_line_by_line_and_keeps_crlf() {
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\r\nB\r\nc\r\nd\r\ne\r\n";
        let theirs = "a\nb\nc\nd\nE\n";
        assert_eq!(
            merge3(Some(base), ours, theirs, &LABELS).unwrap(),
            Merged::Clean("a\r\nB\r\nc\r\nd\r\nE\r\n".into())
        );
        let Merged::Conflict { text, regions } = merge3(
            Some(base),
            "a\r\nmine\r\nc\r\nd\r\ne\r\n",
            "a\ntheirs\nc\nd\ne\n",
            &LABELS,
        )
        .unwrap() else {
            panic!("expected a conflict");
        };
        assert_eq!(regions, 1, "{text:?}");
        assert!(text.contains("<<<<<<< yours\r\nmine\r\n=======\r\ntheirs\r\n"));
    }

    #[test]
    fn overlapping_edits_conflict_with_labelled_markers() {
        let merged = merge3(Some("a\nb\nc\n"), "a\nmine\nc\n", "a\ntheirs\nc\n", &LABELS).unwrap();
        let Merged::Conflict { text, regions } = merged else {
            panic!("expected a conflict");
        };
        assert_eq!(regions, 1);
        assert!(text.contains("<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> template 2\n"));
        assert!(has_markers(&text));
    }

    #[test]
    fn empty_sides_are_fine() {
        assert_eq!(
            merge3(Some("a\n"), "", "", &LABELS).unwrap(),
            Merged::Clean(String::new())
        );
        assert_eq!(
            merge3(None, "same\n", "same\n", &LABELS).unwrap(),
            Merged::Clean("same\n".into())
        );
        assert!(matches!(
            merge3(None, "mine\n", "theirs\n", &LABELS).unwrap(),
            Merged::Conflict { .. }
        ));
    }

    #[test]
    fn markers_need_all_three_lines() {
        assert!(!has_markers("<<<<<<< only an arrow\n"));
        assert!(!has_markers("=======\n"));
    }
}
