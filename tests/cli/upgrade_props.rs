//! Property tests of `upgrade`: random user edits (lines inserted, deleted and changed, whole
//! files deleted) on real generated projects of several stacks, then the upgrade, planned and
//! applied in-process through the library (`pyscaffold::upgrade`), the same code the binary runs.
//!
//! For every case: the `--check` prediction (the plan) is exactly what the run then does, file
//! by file; every line the user wrote survives (in the merged text or on the user's side of a
//! conflict); files the user deleted stay deleted; seeded files are untouched; edits that keep
//! away from the template's own changes never conflict; after a clean upgrade a same-version
//! upgrade changes nothing; and with no edits the result is a fresh project of the target
//! version. `PROPTEST_CASES` overrides the case counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_fs::TempDir;
use proptest::prelude::*;
use proptest::sample::Index;
use pyscaffold::plan::Action;
use pyscaffold::record::{self, RECORD_FILE};
use pyscaffold::template_set::Ownership;
use pyscaffold::upgrade::{Prepared, Request, apply, prepare};

use crate::support::{generate, read_tree, report};

/// The stacks the properties run on: `new` arguments after the name.
const STACKS: &[&[&str]] = &[
    &["-y", "--no-lock"],
    &[
        "-y",
        "--no-lock",
        "--framework",
        "django",
        "--installer",
        "poetry",
        "--ci",
        "github,gitlab,circleci",
        "--image",
        "registry.example.com/team/demo",
    ],
    &[
        "-y",
        "--no-lock",
        "--framework",
        "worker",
        "--installer",
        "flit",
        "--ci",
        "gitlab",
    ],
    &[
        "-y",
        "--no-lock",
        "--framework",
        "fastapi",
        "--installer",
        "uv",
        "--ci",
        "circleci",
        "--image",
        "registry.example.com/team/demo",
        "--system-package",
        "libpq5",
    ],
];

const OLD: &str = "0.2.0";

/// A generated project kept for the whole run, and what the template does to each of its files.
struct Stack {
    _tmp: TempDir,
    root: PathBuf,
    /// Managed and seeded files as recorded (path → kind).
    files: BTreeMap<String, Ownership>,
    /// For each base path: the target's path and text (`None`: the target drops the file).
    theirs: BTreeMap<String, Option<(String, String)>>,
    /// Every file as generated.
    tree: BTreeMap<String, String>,
}

/// Each stack generated at the old version (what the upgrade starts from) and at the target.
fn stacks() -> &'static [(Stack, Stack)] {
    static BUILT: OnceLock<Vec<(Stack, Stack)>> = OnceLock::new();
    BUILT.get_or_init(|| {
        STACKS
            .iter()
            .map(|args| {
                let mut old_args = args.to_vec();
                old_args.extend(["--template-version", OLD]);
                let old = stack(&old_args);
                let new = stack(args);
                (old, new)
            })
            .collect()
    })
}

/// A project generated with `args`, and its pristine upgrade plan's texts.
fn stack(args: &[&str]) -> Stack {
    let (tmp, root) = generate("demo", args);
    let record = record::load(&root).expect("record");
    let files = record
        .files
        .iter()
        .map(|f| (f.path.clone(), f.kind.unwrap_or(Ownership::Managed)))
        .collect();
    let pristine = prepare(&request(&root), None).expect("plan of a fresh project");
    let tree = read_tree(&root);
    let mut theirs: BTreeMap<String, Option<(String, String)>> = BTreeMap::new();
    for step in &pristine.plan.steps {
        if step.path == RECORD_FILE {
            continue;
        }
        let base_path = step.from.clone().unwrap_or_else(|| step.path.clone());
        let text = match step.action {
            Action::Delete => None,
            Action::Skip => tree.get(&step.path).map(|t| (step.path.clone(), t.clone())),
            _ => step.new.clone().map(|t| (step.path.clone(), t)),
        };
        theirs.insert(base_path, text);
    }
    Stack {
        _tmp: tmp,
        root,
        files,
        theirs,
        tree,
    }
}

fn request(root: &Path) -> Request {
    Request {
        dir: root.to_path_buf(),
        use_defaults: true,
        ..Request::default()
    }
}

/// One user edit, positions chosen among the file's lines when it is applied.
#[derive(Debug, Clone)]
enum Edit {
    Insert { file: Index, at: Index },
    Delete { file: Index, at: Index },
    Change { file: Index, at: Index },
    RemoveFile { file: Index },
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), any::<Index>()).prop_map(|(file, at)| Edit::Insert { file, at }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(file, at)| Edit::Delete { file, at }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(file, at)| Edit::Change { file, at }),
        1 => any::<Index>().prop_map(|file| Edit::RemoveFile { file }),
    ]
}

/// What the user did, for the checks after the upgrade.
#[derive(Default, Debug)]
struct Done {
    /// Path (as generated) → lines the user wrote there.
    written: BTreeMap<String, Vec<String>>,
    /// Path → unique lines the user deleted (or replaced).
    deleted: BTreeMap<String, Vec<String>>,
    removed_files: BTreeSet<String>,
}

/// Base lines (0-based) the template changes or inserts next to, widened by `margin` lines:
/// a user edit there may overlap the template's change.
fn near_template_change(base: &str, theirs: &str, margin: usize) -> BTreeSet<usize> {
    let mut near = BTreeSet::new();
    let diff = similar::TextDiff::from_lines(base, theirs);
    for op in diff.ops() {
        if matches!(op.tag(), similar::DiffTag::Equal) {
            continue;
        }
        let range = op.old_range();
        let (start, end) = (range.start, range.end.max(range.start + 1));
        for line in start.saturating_sub(margin)..end + margin {
            near.insert(line);
        }
    }
    near
}

/// Applies `edits` to the copy at `root`; with `apart`, only where they cannot overlap the
/// template's changes (unique lines, at least three lines away from any change).
fn apply_edits(stack: &Stack, root: &Path, edits: &[Edit], apart: bool, case: u64) -> Done {
    let mut done = Done::default();
    let paths: Vec<&String> = stack.files.keys().collect();
    for (k, edit) in edits.iter().enumerate() {
        let (file, at) = match edit {
            Edit::Insert { file, at } | Edit::Delete { file, at } | Edit::Change { file, at } => {
                (file, Some(at))
            }
            Edit::RemoveFile { file } => (file, None),
        };
        let path = paths[file.index(paths.len())].clone();
        let full = root.join(&path);
        if done.removed_files.contains(&path) {
            continue;
        }
        let Some(at) = at else {
            if apart {
                continue;
            }
            std::fs::remove_file(&full).unwrap();
            done.written.remove(&path);
            done.deleted.remove(&path);
            done.removed_files.insert(path);
            continue;
        };
        let text = std::fs::read_to_string(&full).unwrap();
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        let allowed = |i: usize, lines: &[String]| -> bool {
            if !apart {
                return true;
            }
            let Some(Some((_, theirs))) = stack.theirs.get(&path) else {
                // Dropped by the template (or not in it): an edit only keeps the file.
                return true;
            };
            let base = std::fs::read_to_string(stack.root.join(&path)).unwrap();
            // Positions are in the user's current text; only edit while it still lines up
            // with the base one to one (no earlier insert or delete in this file).
            if lines.concat() != base {
                return false;
            }
            !near_template_change(&base, theirs, 3).contains(&i)
        };
        let unique = |line: &str, lines: &[String]| {
            !line.trim().is_empty() && lines.iter().filter(|l| *l == line).count() == 1
        };
        let mine = format!("# user edit {case}-{k} kept by upgrade\n");
        match edit {
            Edit::Insert { .. } => {
                let i = at.index(lines.len() + 1);
                if !allowed(i, &lines) || (apart && i == lines.len()) {
                    continue;
                }
                lines.insert(i, mine.clone());
                done.written.entry(path.clone()).or_default().push(mine);
            }
            Edit::Delete { .. } | Edit::Change { .. } => {
                if lines.is_empty() {
                    continue;
                }
                let i = at.index(lines.len());
                if !allowed(i, &lines) || (apart && !unique(&lines[i], &lines)) {
                    continue;
                }
                let old = if matches!(edit, Edit::Change { .. }) {
                    done.written
                        .entry(path.clone())
                        .or_default()
                        .push(mine.clone());
                    std::mem::replace(&mut lines[i], mine)
                } else {
                    lines.remove(i)
                };
                if let Some(written) = done.written.get_mut(&path) {
                    // The user replaced or deleted a line of their own.
                    written.retain(|l| *l != old);
                }
                if unique(&old, &lines) || !lines.contains(&old) {
                    done.deleted.entry(path.clone()).or_default().push(old);
                }
            }
            Edit::RemoveFile { .. } => unreachable!("handled above"),
        }
        std::fs::write(&full, lines.concat()).unwrap();
    }
    done
}

/// Copies a stack's project into a fresh temp dir.
fn copy_of(stack: &Stack) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("demo");
    for entry in walkdir::WalkDir::new(&stack.root) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&stack.root).unwrap();
        let dest = root.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    (tmp, root)
}

/// Every file under `root` with its bytes.
fn bytes_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The plan (what `--check` reports) against the tree the run left, file by file.
fn check_prediction(
    plan: &Prepared,
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) {
    let text = |tree: &BTreeMap<String, Vec<u8>>, p: &str| {
        tree.get(p).map(|b| String::from_utf8_lossy(b).into_owned())
    };
    for step in &plan.plan.steps {
        let now = text(after, &step.path);
        match step.action {
            Action::Skip => assert_eq!(
                after.get(&step.path),
                before.get(&step.path),
                "predicted skip, but {} changed",
                step.path
            ),
            Action::Delete => assert!(now.is_none(), "predicted delete, {} is there", step.path),
            Action::Create | Action::Update | Action::Merge | Action::Conflict => {
                assert_eq!(
                    now.as_deref(),
                    step.new.as_deref(),
                    "predicted {} for {}, the run wrote otherwise",
                    step.action.as_str(),
                    step.path
                );
                if let Some(from) = step.from.as_deref().filter(|f| *f != step.path) {
                    assert!(
                        !after.contains_key(from),
                        "{from} was moved but is still there"
                    );
                }
                let marked = now.as_deref().is_some_and(pyscaffold::merge::has_markers);
                if step.action == Action::Conflict {
                    assert!(marked, "predicted conflict in {} has no markers", step.path);
                }
            }
        }
    }
    // Nothing changed that the plan did not name.
    let named: BTreeSet<&str> = plan
        .plan
        .steps
        .iter()
        .flat_map(|s| [Some(s.path.as_str()), s.from.as_deref()])
        .flatten()
        .collect();
    for path in before.keys().chain(after.keys()) {
        if !named.contains(path.as_str()) {
            assert_eq!(
                before.get(path),
                after.get(path),
                "{path} changed unplanned"
            );
        }
    }
}

/// How often each outcome came up, so the run shows the properties were not vacuous.
#[derive(Default)]
struct Seen {
    cases: AtomicUsize,
    conflicts: AtomicUsize,
    merges: AtomicUsize,
    removed: AtomicUsize,
}

static SEEN: Seen = Seen {
    cases: AtomicUsize::new(0),
    conflicts: AtomicUsize::new(0),
    merges: AtomicUsize::new(0),
    removed: AtomicUsize::new(0),
};

/// Counts a case of the main property; after the last one, reports the mix and checks that
/// conflicts and merges both came up.
fn count(plan: &Prepared, done: &Done, total: u32) {
    let add = |counter: &AtomicUsize, yes: bool| {
        if yes {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    };
    add(&SEEN.conflicts, plan.plan.has_conflicts());
    add(
        &SEEN.merges,
        plan.plan.steps.iter().any(|s| s.action == Action::Merge),
    );
    add(&SEEN.removed, !done.removed_files.is_empty());
    let n = SEEN.cases.fetch_add(1, Ordering::Relaxed) + 1;
    if n == total as usize {
        let (conflicts, merges, removed) = (
            SEEN.conflicts.load(Ordering::Relaxed),
            SEEN.merges.load(Ordering::Relaxed),
            SEEN.removed.load(Ordering::Relaxed),
        );
        report(&format!(
            "upgrade properties: {n} cases of random edits on {} stacks; {conflicts} with \
             conflicts, {merges} with clean merges, {removed} with deleted files",
            STACKS.len()
        ));
        if n >= 100 {
            assert!(
                conflicts > 0 && merges > 0,
                "the edits never produced a conflict or a merge"
            );
        }
    }
}

fn run_case(stack_index: usize, edits: &[Edit], apart: bool, case: u64) -> (Prepared, Done) {
    let (stack, target) = &stacks()[stack_index];
    let (_tmp, root) = copy_of(stack);
    let done = apply_edits(stack, &root, edits, apart, case);
    let before = bytes_tree(&root);

    let predicted = prepare(&request(&root), None).expect("upgrade plan");
    assert_eq!(
        bytes_tree(&root),
        before,
        "planning (what --check does) wrote something"
    );
    let conflicts = apply(&predicted, None).expect("upgrade applies");
    let after = bytes_tree(&root);
    check_prediction(&predicted, &before, &after);
    assert_eq!(
        conflicts.is_empty(),
        !predicted.plan.has_conflicts(),
        "the exit status differs from the --check prediction"
    );
    if apart {
        assert!(
            conflicts.is_empty(),
            "edits away from the template's changes conflicted in {conflicts:?}: {edits:?}"
        );
    }

    // Every line the user wrote survives; lines the user deleted stay deleted.
    let final_text = |path: &str| -> Option<String> {
        let moved = stack
            .theirs
            .get(path)
            .and_then(|t| t.as_ref().map(|(p, _)| p.clone()))
            .unwrap_or_else(|| path.to_string());
        let moved_text = after
            .get(&moved)
            .map(|b| String::from_utf8_lossy(b).into_owned());
        moved_text.or_else(|| {
            after
                .get(path)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        })
    };
    for (path, lines) in done.written.iter().filter(|(_, lines)| !lines.is_empty()) {
        let text = final_text(path).unwrap_or_else(|| panic!("{path} with user edits is gone"));
        for line in lines {
            assert!(
                text.contains(line.as_str()),
                "{path} lost the user's line {line:?}"
            );
        }
    }
    for (path, lines) in &done.deleted {
        let Some(text) = final_text(path) else {
            continue;
        };
        let theirs = stack
            .theirs
            .get(path)
            .and_then(|t| t.as_ref().map(|(_, t)| t.as_str()));
        let marked = pyscaffold::merge::has_markers(&text);
        for line in lines {
            let in_theirs = theirs.is_some_and(|t| t.contains(line.as_str()));
            if !marked && !in_theirs && stack.files[path] == Ownership::Managed {
                assert!(
                    !text.contains(line.as_str()),
                    "{path}: deleted line {line:?} came back"
                );
            }
        }
    }
    for path in &done.removed_files {
        assert!(!after.contains_key(path), "deleted {path} came back");
        if let Some(Some((moved, _))) = stack.theirs.get(path) {
            assert!(
                !after.contains_key(moved),
                "deleted {path} came back as {moved}"
            );
        }
    }
    for (path, kind) in &stack.files {
        if *kind == Ownership::Seeded {
            assert_eq!(
                after.get(path),
                before.get(path),
                "seeded {path} was touched"
            );
        }
    }

    if edits.is_empty() {
        for (path, text) in &target.tree {
            if path != RECORD_FILE && stack.files.get(path) != Some(&Ownership::Seeded) {
                assert_eq!(
                    after
                        .get(path)
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .as_ref(),
                    Some(text),
                    "{path} differs from a fresh project"
                );
            }
        }
    }

    // After a clean upgrade, upgrading to the same version changes nothing.
    if conflicts.is_empty() {
        let again = prepare(&request(&root), None).expect("same-version plan");
        assert!(
            !again.upgrading,
            "a same-version upgrade would change something"
        );
        assert!(again.plan.changes().next().is_none());
        assert!(matches!(again.check_status(), 0 | 12));
    }
    (predicted, done)
}

/// The case count: `PROPTEST_CASES`, else `default`.
fn case_count(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cases(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: case_count(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Cases of the main property in a normal run (and in CI).
const MAIN_CASES: u32 = 1000;

proptest! {
    #![proptest_config(cases(MAIN_CASES))]

    /// Any edits: the prediction holds, no user line is lost, deleted files stay deleted.
    #[test]
    fn upgrade_keeps_every_user_line_and_does_what_check_predicted(
        stack in 0..STACKS.len(),
        edits in prop::collection::vec(edit_strategy(), 0..10),
        case in any::<u64>(),
    ) {
        let (plan, done) = run_case(stack, &edits, false, case);
        count(&plan, &done, case_count(MAIN_CASES));
    }
}

proptest! {
    #![proptest_config(cases(300))]

    /// Edits at least three lines away from every template change never conflict.
    #[test]
    fn edits_apart_from_the_templates_changes_never_conflict(
        stack in 0..STACKS.len(),
        edits in prop::collection::vec(edit_strategy(), 1..8),
        case in any::<u64>(),
    ) {
        run_case(stack, &edits, true, case);
    }
}

proptest! {
    #![proptest_config(cases(200))]

    /// On a project already at the target version, whatever the edits, upgrading writes
    /// nothing, and `--check` says drift exactly when a managed file was edited.
    #[test]
    fn a_same_version_upgrade_is_the_identity(
        stack_index in 0..STACKS.len(),
        edits in prop::collection::vec(edit_strategy(), 0..8),
        case in any::<u64>(),
    ) {
        let stack = &stacks()[stack_index].1;
        let (_tmp, root) = copy_of(stack);
        let done = apply_edits(stack, &root, &edits, false, case);
        let before = bytes_tree(&root);
        let plan = prepare(&request(&root), None).expect("same-version plan");
        prop_assert!(!plan.upgrading, "{:?}", plan.plan.changes().collect::<Vec<_>>());
        prop_assert!(plan.plan.changes().next().is_none());
        let managed_edited = stack.files.iter().any(|(path, kind)| {
            *kind == Ownership::Managed
                && before.get(path).map(|b| String::from_utf8_lossy(b).into_owned()).as_ref()
                    != stack.tree.get(path)
                && !done.removed_files.contains(path)
        });
        prop_assert_eq!(plan.check_status(), if managed_edited { 12 } else { 0 });
        prop_assert_eq!(bytes_tree(&root), before);
    }
}
