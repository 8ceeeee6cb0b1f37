#!/usr/bin/env python3
"""Times pyscaffold's start: `--version`, and `new` (Flask, three CIs: 25 files) against
`cp -r` of the tree it writes, for this build and a baseline build.

Each command runs RUNS times (fresh target folders for `new` and `cp -r`), the commands taking
turns in a shuffled order, so that a slow spell of a shared machine slows them alike and no
command always follows the same one; the table gives the median and the fastest run. It is done twice: with the trees on a memory file system (/dev/shm) where
there is one, which shows the programs' own work, and on the disk of the system's temporary
folder, where people run `new` and where file creation costs both commands more (`--dir`, given
once or more, picks the folders). Wall time includes process start; compare the ratios within
one table.
"""

import argparse
import datetime
import os
import pathlib
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

from results import write_between_markers

NEW = ["-y", "--ci", "github,gitlab,circleci", "--image", "registry.example.com/team/demo",
       "--no-lock"]


def timed(commands, cwd, runs):
    """Runs each of `commands` (label -> function of the run's index giving the arguments)
    `runs` times, in turns, in a new order each turn (seeded, so a run can be repeated): a
    command that always ran right after the same other one measured up to 0.7 ms apart from
    the same binary elsewhere in the turn. Returns label -> each run's seconds, by turn."""
    times = {label: [] for label in commands}
    order = random.Random(20261207)
    for i in range(runs):
        labels = list(commands)
        order.shuffle(labels)
        for label in labels:
            args = commands[label](i)
            start = time.perf_counter()
            done = subprocess.run(args, cwd=cwd, capture_output=True)
            times[label].append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"{args[:3]} failed: {done.stderr.decode()}")
    return times


def summary(times):
    """(median ms, fastest ms) of one command's runs."""
    return statistics.median(times) * 1000, min(times) * 1000


def paired(ours, theirs):
    """Turn by turn, `ours` against `theirs`: the median of the differences in ms, and in how
    many turns ours was faster. Two commands of one turn ran within milliseconds of each
    other, so the machine's slow spells, which move both medians, cancel out."""
    differences = [(a - b) * 1000 for a, b in zip(ours, theirs)]
    return statistics.median(differences), sum(d < 0 for d in differences)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyscaffold", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--write", help="also write the report to this Markdown file")
    parser.add_argument("--dir", action="append", help="where to write the trees; may be given "
                        "more than once (default: /dev/shm if there is one, and the system's "
                        "temporary folder)")
    args = parser.parse_args(argv)
    builds = [("this build", os.path.abspath(args.pyscaffold)),
              (args.baseline_label, os.path.abspath(args.baseline))]
    folders = args.dir or default_folders()
    when = datetime.date.today().isoformat()
    lines = [
        f"Measured {when} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}), one run of {args.runs} repetitions each, "
        f"in turns, in a shuffled order.",
    ]
    for where in folders:
        fs, rows, notes = measure(builds, where, args.runs)
        lines += [
            "",
            f"Trees written to {fs} (`{where}`):",
            "",
            "| command | median | fastest | median against `cp -r` |",
            "|---|---|---|---|",
        ] + [f"| {name} | {m:.2f} ms | {f:.2f} ms | {ratio} |" for name, (m, f), ratio in rows]
        lines += [""] + [f"- {note}" for note in notes]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_between_markers(args.write, "startup", text)


def file_system(path):
    """The type of the file system `path` is on (`tmpfs`, `ext2/ext3`...)."""
    return subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True,
                          text=True).stdout.strip() or "unknown"


def default_folders():
    """/dev/shm where there is one, and the system's temporary folder if it is elsewhere."""
    folders = []
    if os.access("/dev/shm", os.W_OK):
        folders.append("/dev/shm")
    temporary = tempfile.gettempdir()
    if not folders or file_system(temporary) != file_system(folders[0]):
        folders.append(temporary)
    return folders


def measure(builds, where, runs):
    """Times the commands with their trees in `where`; returns its file system and the rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="pyscaffold-startup-", dir=where) as tmp:
        root = pathlib.Path(tmp)
        subprocess.run([builds[0][1], "new", "reference", *NEW], cwd=root, check=True,
                       capture_output=True)
        files = sum(1 for p in (root / "reference").rglob("*") if p.is_file())
        commands = {"cp": lambda i: ["cp", "-r", "reference", f"copy{i}"]}
        for n, (label, binary) in enumerate(builds):
            commands[f"new {label}"] = lambda i, b=binary, n=n: [b, "new", f"b{n}-{i}", *NEW]
        for label, binary in builds:
            commands[f"version {label}"] = lambda i, b=binary: [b, "--version"]
        times = timed(commands, root, runs)
        got = {label: summary(t) for label, t in times.items()}
        cp = got["cp"]
        rows.append(("`cp -r` of the tree `new` writes", cp, "1.00x"))
        for label, _ in builds:
            made = got[f"new {label}"]
            rows.append((f"{label}: `pyscaffold new` ({files} files)", made,
                         f"{made[0] / cp[0]:.2f}x"))
        for label, _ in builds:
            rows.append((f"{label}: `pyscaffold --version`", got[f"version {label}"], "-"))
        (ours, _), (theirs, _) = builds
        notes = []
        for what, command in (("`new`", "new"), ("`--version`", "version")):
            median, faster = paired(times[f"{command} {ours}"], times[f"{command} {theirs}"])
            notes.append(f"{ours}'s {what} against the {theirs}'s, turn by turn: {median:+.2f} ms "
                         f"(median of the differences), faster in {faster} of {runs} turns.")
        fs = file_system(root)
    return fs, rows, notes


if __name__ == "__main__":
    main()
