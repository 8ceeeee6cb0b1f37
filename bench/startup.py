#!/usr/bin/env python3
"""Times pyscaffold's start: `--version`, and `new` (Flask, three CIs: 25 files) against
`cp -r` of the tree it writes, for this build and a baseline build.

Each command runs RUNS times (fresh target folders for `new` and `cp -r`); the table gives the
median and the fastest run. Wall time includes process start; the machine may be shared, so
compare the ratios within one run.
"""

import argparse
import datetime
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from results import write_between_markers

NEW = ["-y", "--ci", "github,gitlab,circleci", "--image", "registry.example.com/team/demo",
       "--no-lock"]


def timed(make_args, cwd, runs):
    times = []
    for i in range(runs):
        args = make_args(i)
        start = time.perf_counter()
        done = subprocess.run(args, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{args[:3]} failed: {done.stderr.decode()}")
    return statistics.median(times) * 1000, min(times) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyscaffold", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--write", help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    builds = [("this build", os.path.abspath(args.pyscaffold)),
              (args.baseline_label, os.path.abspath(args.baseline))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="pyscaffold-startup-") as tmp:
        root = pathlib.Path(tmp)
        subprocess.run([builds[0][1], "new", "reference", *NEW], cwd=root, check=True,
                       capture_output=True)
        files = sum(1 for p in (root / "reference").rglob("*") if p.is_file())
        cp = timed(lambda i: ["cp", "-r", "reference", f"copy{i}"], root, args.runs)
        rows.append(("`cp -r` of the tree `new` writes", cp, "1.00x"))
        for label, binary in builds:
            made = timed(lambda i, b=binary, l=label: [b, "new", f"{l[:4]}{i}", *NEW],
                         root, args.runs)
            rows.append((f"{label}: `pyscaffold new` ({files} files)", made,
                         f"{made[0] / cp[0]:.2f}x"))
        for label, binary in builds:
            version = timed(lambda i, b=binary: [b, "--version"], root, args.runs)
            rows.append((f"{label}: `pyscaffold --version`", version, "-"))
    when = datetime.date.today().isoformat()
    lines = [
        f"Measured {when} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}), one run of {args.runs} repetitions each.",
        "",
        "| command | median | fastest | median against `cp -r` |",
        "|---|---|---|---|",
    ] + [f"| {name} | {m:.2f} ms | {f:.2f} ms | {ratio} |" for name, (m, f), ratio in rows]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_between_markers(args.write, "startup", text)


if __name__ == "__main__":
    main()
