#!/usr/bin/env python3
"""Times `pyscaffold fleet report` over a generated fleet against a baseline build.

Generates COUNT projects (four template versions, three stacks, three CIs) with the pyscaffold
under test, then times, one run each after one untimed warm-up:

- the baseline binary over the COUNT repositories pinned to one core (the per-repository loop
  as `fleet report` ran it before it used every core: one repository after another, every
  template version, pattern and expression compiled afresh for each), and on every core;
- the binary under test over the same COUNT repositories, and over SCALE repositories (the
  COUNT projects copied into SCALE / COUNT folders);
- the binary under test over packed bare clones of the COUNT repositories (`--git`: each default
  branch read from the object database, no checkout).

Both binaries must print the same JSON report for the COUNT repositories, and the bare clones
the same rows as their checkouts, or the run fails.
Wall time includes process start; the machine may be shared, so compare within one run.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from results import write_between_markers

STACKS = [
    ["--framework", "flask", "--installer", "pip"],
    ["--framework", "django", "--installer", "poetry"],
    ["--framework", "fastapi", "--installer", "uv"],
]
CIS = ["github", "gitlab", "circleci"]


def versions(pyscaffold):
    out = subprocess.run(
        [pyscaffold, "versions"], check=True, capture_output=True, text=True
    ).stdout
    found = [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))[-4:]


def generate(pyscaffold, root, count):
    chosen = versions(pyscaffold)

    def one(i):
        args = [pyscaffold, "new", f"s{i:05}", "-y", "--no-lock"]
        args += ["--template-version", chosen[i % len(chosen)]]
        ci = CIS[(i // 4) % len(CIS)]
        args += STACKS[i % len(STACKS)] + ["--ci", ci]
        if ci == "circleci":  # no registry of its own
            args += ["--image", f"registry.example.com/team/s{i:05}"]
        subprocess.run(args, cwd=root, check=True, capture_output=True)
        return f"s{i:05}"

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        names = list(pool.map(one, range(count)))
    # A user edit in every tenth repository (at the newest version: drift; older: merged).
    for name in names[3::10]:
        with open(root / name / "Dockerfile", "a", encoding="utf-8") as f:
            f.write("# ours\n")
    return names, chosen


def bare_clones(fleet, names, bare):
    """Commits each generated project and clones it bare into `bare`, packed as a git server
    stores a repository (`--no-local`: not the loose objects a local clone links to)."""
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]

    def one(name):
        project = fleet / name
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
            subprocess.run(["git", *ident, *args], cwd=project, check=True, capture_output=True)
        subprocess.run(
            ["git", "clone", "-q", "--bare", "--no-local", str(project), str(bare / f"{name}.git")],
            check=True,
            capture_output=True,
        )
        return f"{name}.git"

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        listed = list(pool.map(one, names))
    (bare / "fleet.txt").write_text("\n".join(listed) + "\n")


def same_rows(checkouts, bare):
    """Whether two reports have the same rows, where each was read from aside."""

    def strip(report):
        rows = json.loads(report)["repositories"]
        return [{k: v for k, v in r.items() if k not in ("path", "branch")} for r in rows]

    return strip(checkouts) == strip(bare)


def one_core():
    """Pins the child to the first core this process may use (Linux)."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def timed(args, cwd, pinned=False):
    start = time.perf_counter()
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, preexec_fn=one_core if pinned else None
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{args[:3]} failed: {done.stderr}")
    return elapsed, done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyscaffold", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=10000)
    parser.add_argument("--write", help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    if args.scale % args.count:
        sys.exit("--scale must be a multiple of --count")
    pyscaffold = os.path.abspath(args.pyscaffold)
    baseline = os.path.abspath(args.baseline)

    with tempfile.TemporaryDirectory(prefix="pyscaffold-fleet-") as tmp:
        root = pathlib.Path(tmp)
        fleet = root / "fleet"
        fleet.mkdir()
        names, chosen = generate(pyscaffold, fleet, args.count)
        (fleet / "fleet.txt").write_text("\n".join(names) + "\n")
        big = root / "big"
        big.mkdir()
        listed = []
        for copy in range(args.scale // args.count):
            for name in names:
                shutil.copytree(fleet / name, big / f"c{copy}" / name, symlinks=True)
                listed.append(f"c{copy}/{name}")
        (big / "fleet.txt").write_text("\n".join(listed) + "\n")

        report = ["fleet", "report", "fleet.txt", "--format", "json"]
        timed([baseline, *report], fleet)  # warm the page cache
        base_time, base_out = timed([baseline, *report], fleet, pinned=True)
        base_all_time, _ = timed([baseline, *report], fleet)
        new_time, new_out = timed([pyscaffold, *report], fleet)
        if json.loads(base_out) != json.loads(new_out):
            kept = pathlib.Path(tempfile.gettempdir()) / "pyscaffold-fleet-reports"
            kept.mkdir(exist_ok=True)
            (kept / "baseline.json").write_text(base_out)
            (kept / "this-build.json").write_text(new_out)
            sys.exit(f"the two builds report differently on the same repositories: see {kept}")
        rows = json.loads(new_out)["repositories"]
        statuses = sorted({r["prediction"]["status"] for r in rows if r.get("prediction")})
        timed([pyscaffold, *report], big)
        scale_time, scale_out = timed([pyscaffold, *report], big)
        if len(json.loads(scale_out)["repositories"]) != args.scale:
            sys.exit("the report at scale does not have a row per repository")
        bare = root / "bare"
        bare.mkdir()
        bare_clones(fleet, names, bare)
        git_report = ["fleet", "report", "--git", "fleet.txt", "--format", "json"]
        timed([pyscaffold, *git_report], bare)
        git_time, git_out = timed([pyscaffold, *git_report], bare)
        if not same_rows(new_out, git_out):
            sys.exit("the bare clones report differently from their checkouts")

    when = datetime.date.today().isoformat()
    lines = [
        f"Measured {when} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}), one run; {args.count} generated projects "
        f"at template versions {', '.join(chosen)}, statuses {', '.join(statuses)}.",
        "",
        "| run | repositories | wall time | per repository | against the baseline |",
        "|---|---|---|---|---|",
        f"| {args.baseline_label}, one core | {args.count} | {base_time:.2f} s "
        f"| {base_time / args.count * 1000:.2f} ms | 1.00x |",
        f"| {args.baseline_label}, {os.cpu_count()} cores | {args.count} | {base_all_time:.2f} s "
        f"| {base_all_time / args.count * 1000:.2f} ms | {base_time / base_all_time:.2f}x faster |",
        f"| this build, {os.cpu_count()} cores | {args.count} | {new_time:.2f} s "
        f"| {new_time / args.count * 1000:.2f} ms | {base_time / new_time:.2f}x faster |",
        f"| this build, {os.cpu_count()} cores | {args.scale} | {scale_time:.2f} s "
        f"| {scale_time / args.scale * 1000:.2f} ms | - |",
        f"| this build, {os.cpu_count()} cores, `--git` over bare clones | {args.count} "
        f"| {git_time:.2f} s | {git_time / args.count * 1000:.2f} ms "
        f"| {base_time / git_time:.2f}x faster |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_between_markers(args.write, "fleet", text)


if __name__ == "__main__":
    main()
