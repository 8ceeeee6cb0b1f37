//! `pyscaffold fleet report PATH...`: where every repository of a fleet stands — template and
//! pack versions, how far behind the newest each is, locked answers its record contradicts,
//! managed files edited since generation, and what `upgrade --check` predicts.
//!
//! Each repository is read as `upgrade --check` reads it, and nothing is written. A repository
//! that cannot be read is a row with its error, so one broken checkout does not hide the rest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use semver::Version;
use serde::Serialize;

use crate::cli::FleetReportArgs;
use crate::error::bad_input;
use crate::progress::Progress;
use crate::template_set::builtin;
use crate::upgrade::{Request, prepare_project, refuse_leftover_markers};

/// One repository's row (`--format json` prints these under `repositories`).
#[derive(Debug, Serialize)]
pub struct Row {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Versions>,
    pub packs: Vec<PackVersions>,
    /// Answers in the record that a pack lock (recorded or newest) says otherwise.
    pub locked_violations: Vec<Violation>,
    /// Managed files edited since they were generated.
    pub drifted: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// Why the repository could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Versions {
    pub version: String,
    pub newest: String,
    /// Releases between the two.
    pub behind: usize,
}

#[derive(Debug, Serialize)]
pub struct PackVersions {
    pub name: String,
    pub source: String,
    pub version: String,
    pub newest: String,
    pub behind: usize,
}

#[derive(Debug, Serialize)]
pub struct Violation {
    pub question: String,
    pub answer: String,
    pub locked: String,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct Prediction {
    /// `up-to-date`, `upgrade-available`, `conflicts` or `drift`, as `upgrade --check` says.
    pub status: &'static str,
    pub exit_code: u8,
    pub conflicts: Vec<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    newest_template: String,
    repositories: &'a [Row],
}

pub fn run(args: &FleetReportArgs) -> Result<ExitCode> {
    let paths = repositories(&args.paths)?;
    let newest = builtin::latest()?;
    let progress = crate::progress::bar(paths.len(), "repositories");
    let rows = rows_in_parallel(&paths, &newest, &progress);
    drop(progress);
    if args.format == "json" {
        let report = Report {
            newest_template: newest.to_string(),
            repositories: &rows,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// The checkouts named: each PATH is a project directory, or a file listing them one a line
/// (`#` starts a comment; relative paths are relative to the file).
fn repositories(given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in given {
        if path.is_dir() {
            // A folder inside a project stands for the project.
            out.push(crate::project::find_root(path).unwrap_or_else(|| path.clone()));
            continue;
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            bad_input(
                format!(
                    "`{}` is neither a directory nor a readable list: {e}",
                    path.display()
                ),
                "give project checkouts, or a text file listing them one a line",
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if !line.is_empty() {
                out.push(base.join(line));
            }
        }
    }
    // `s020` and `../fleet/s020` are one repository: listed once, as first named.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    if out.is_empty() {
        return Err(bad_input(
            "no repositories to report on",
            "give project checkouts, or a file listing them",
        ));
    }
    Ok(out)
}

/// The rows of `paths`, in their order, read by one thread per core: each repository is
/// read on its own, so the threads share only the queue.
fn rows_in_parallel(paths: &[PathBuf], newest: &Version, progress: &Progress) -> Vec<Row> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(paths.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut rows: Vec<(usize, Row)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else { break };
                        progress.step(&path.display().to_string());
                        mine.push((i, row(path, newest)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker's panic is the command's: no row is silently missing.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, row)| row).collect()
}

fn row(path: &Path, newest: &Version) -> Row {
    let mut row = Row {
        path: path.display().to_string(),
        template: None,
        packs: Vec::new(),
        locked_violations: Vec::new(),
        drifted: Vec::new(),
        prediction: None,
        error: None,
    };
    if let Err(e) = fill(&mut row, path, newest) {
        row.error = Some(crate::error::redact(&first_line(&format!("{e:#}"))));
    }
    row
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn fill(row: &mut Row, path: &Path, newest: &Version) -> Result<()> {
    let record = crate::record::load(path)?;
    let version = Version::parse(&record.template.version).ok();
    row.template = Some(Versions {
        version: record.template.version.clone(),
        newest: newest.to_string(),
        behind: version.as_ref().map_or(0, |v| {
            builtin::versions()
                .map(|all| all.iter().filter(|x| *x > v).count())
                .unwrap_or(0)
        }),
    });
    // The recorded versions first, so a row that fails later still shows them.
    for recorded in &record.packs {
        row.packs.push(PackVersions {
            name: recorded.name.clone(),
            source: recorded.source.clone(),
            version: recorded.version.clone(),
            newest: "-".to_string(),
            behind: 0,
        });
    }
    let target_packs = crate::pack::for_upgrade(&record.packs, &[])?;
    row.packs.clear();
    for recorded in &record.packs {
        let target = target_packs
            .iter()
            .find(|p| p.manifest.name == recorded.name);
        let newest_pack = target.map_or_else(|| "-".to_string(), |p| p.manifest.version.clone());
        let behind = match (Version::parse(&recorded.version), target) {
            (Ok(from), Some(t)) => {
                crate::pack::source::releases_between(&recorded.source, &from, &t.version()?)
            }
            _ => 0,
        };
        row.packs.push(PackVersions {
            name: recorded.name.clone(),
            source: recorded.source.clone(),
            version: recorded.version.clone(),
            newest: newest_pack,
            behind,
        });
    }
    let request = Request {
        dir: path.to_path_buf(),
        use_defaults: true,
        target_packs: Some(target_packs.clone()),
        ..Request::default()
    };
    let project = crate::project::load_with(path, record.clone())?;
    refuse_leftover_markers(path, &project)?;
    let prepared = prepare_project(project, &request, None)?;
    let recorded_set = crate::pack::layered(
        &version.unwrap_or_else(|| newest.clone()),
        &crate::pack::load_recorded(&record.packs)?
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
    )?;
    // A lock is violated when the repository's answers contradict a lock it was generated
    // with; one a newer pack release adds is what upgrading brings (the row is behind).
    for lock in &recorded_set.locked {
        if let Some(answer) = record.answers.get(&lock.id)
            && *answer != lock.value
            && !row
                .locked_violations
                .iter()
                .any(|v| v.question == lock.id && v.locked == lock.value.to_string())
        {
            row.locked_violations.push(Violation {
                question: lock.id.clone(),
                answer: answer.to_string(),
                locked: lock.value.to_string(),
                by: lock.by.clone(),
            });
        }
    }
    row.drifted = prepared
        .plan
        .steps
        .iter()
        .filter(|s| s.drifted)
        .map(|s| s.path.clone())
        .collect();
    let code = prepared.check_status();
    row.prediction = Some(Prediction {
        status: crate::upgrade::status_name(code),
        exit_code: code,
        conflicts: prepared.conflicts().iter().map(|s| s.to_string()).collect(),
    });
    Ok(())
}

fn print_table(rows: &[Row]) {
    let mut table: Vec<[String; 6]> = vec![[
        "REPOSITORY".into(),
        "TEMPLATES".into(),
        "PACKS".into(),
        "LOCKS VIOLATED".into(),
        "DRIFTED".into(),
        "UPGRADE --CHECK".into(),
    ]];
    for row in rows {
        let templates = row.template.as_ref().map_or_else(
            || "-".to_string(),
            |t| behind(&t.version, &t.newest, t.behind),
        );
        let packs = if row.packs.is_empty() {
            "-".to_string()
        } else {
            row.packs
                .iter()
                .map(|p| format!("{} {}", p.name, behind(&p.version, &p.newest, p.behind)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let locks = if row.locked_violations.is_empty() {
            "-".to_string()
        } else {
            row.locked_violations
                .iter()
                .map(|v| format!("{}={} (locked {})", v.question, v.answer, v.locked))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let prediction = match (&row.error, &row.prediction) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(p)) if p.conflicts.is_empty() => p.status.to_string(),
            (None, Some(p)) => format!("{} ({})", p.status, p.conflicts.join(", ")),
            (None, None) => "-".to_string(),
        };
        table.push([
            row.path.clone(),
            templates,
            packs,
            locks,
            row.drifted.len().to_string(),
            prediction,
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in &table {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 {
                    c.clone()
                } else {
                    format!("{c:w$}", w = widths[i])
                }
            })
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    let behind_count = rows
        .iter()
        .filter(|r| {
            r.template.as_ref().is_some_and(|t| t.behind > 0)
                || r.packs.iter().any(|p| p.behind > 0)
        })
        .count();
    let errors = rows.iter().filter(|r| r.error.is_some()).count();
    eprintln!(
        "{} repositories: {behind_count} behind the newest release, {errors} could not be read",
        rows.len()
    );
}

/// `0.4.0 (1 behind 0.5.0)` or `0.5.0`.
fn behind(version: &str, newest: &str, count: usize) -> String {
    if count == 0 {
        version.to_string()
    } else {
        format!("{version} ({count} behind {newest})")
    }
}
