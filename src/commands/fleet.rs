//! `pyscaffold fleet report [--git] PATH...`: parses the repositories named, has
//! [`crate::fleet`] read each, and prints the table (or JSON).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::cli::FleetReportArgs;
use crate::error::bad_input;
use crate::fleet::{Repository, Row};
use crate::template_set::builtin;

#[derive(Serialize)]
struct Report<'a> {
    newest_template: String,
    repositories: &'a [Row],
}

pub fn run(args: &FleetReportArgs) -> Result<ExitCode> {
    let repositories = repositories(&args.paths, args.git)?;
    let newest = builtin::latest()?;
    let progress = crate::progress::bar(repositories.len(), "repositories");
    let rows = crate::fleet::rows(&repositories, &newest, &progress);
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

/// The repositories named: each PATH is a project checkout (with `git`, a git repository),
/// or a file listing them one a line (`#` starts a comment; relative paths are relative to the
/// file).
fn repositories(paths: &[PathBuf], git: bool) -> Result<Vec<Repository>> {
    let mut out: Vec<Repository> = if git {
        listed(paths, "git repositories", false)?
            .into_iter()
            .map(Repository::Git)
            .collect()
    } else {
        listed(paths, "project checkouts", true)?
            .into_iter()
            .map(Repository::Checkout)
            .collect()
    };
    // `s020` and `../fleet/s020` are one repository: listed once, as first named.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|r| {
        let path = r.path();
        seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    });
    if out.is_empty() {
        return Err(bad_input(
            "no repositories to report on",
            "give project checkouts (with `--git`, git repositories), or a file listing them",
        ));
    }
    Ok(out)
}

/// The folders `given` names: a folder stands for itself (or, with `find_project`, for the
/// project it is inside, as `upgrade` finds it), a file lists folders one a line.
fn listed(given: &[PathBuf], what: &str, find_project: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in given {
        if path.is_dir() {
            let project = find_project.then(|| crate::project::find_root(path));
            out.push(project.flatten().unwrap_or_else(|| path.clone()));
            continue;
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            bad_input(
                format!(
                    "`{}` is neither a directory nor a readable list: {e}",
                    path.display()
                ),
                format!("give {what}, or a text file listing them one a line"),
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
    Ok(out)
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
            match &row.branch {
                Some(branch) => format!("{} ({branch})", row.path),
                None => row.path.clone(),
            },
            templates,
            packs,
            locks,
            if row.error.is_some() {
                "-".to_string()
            } else {
                row.drifted.len().to_string()
            },
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
    let repositories = if rows.len() == 1 {
        "repository"
    } else {
        "repositories"
    };
    eprintln!(
        "{} {repositories}: {behind_count} behind the newest release, {errors} could not be read",
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
