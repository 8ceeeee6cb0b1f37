#!/usr/bin/env python3
"""Time `pyscaffold upgrade` against `copier update` on an equivalent project, and at scale.

    bench/upgrade.sh                 # builds pyscaffold, installs the pinned copier, runs this
    python3 bench/upgrade.py --pyscaffold PATH --copier PATH [--repeat 5] [--write docs/benchmarks.md]

The project is `pyscaffold new demo -y --no-lock --template-version 0.2.0` in a git repository,
committed, then two user edits to managed files (a label in the Dockerfile, a longer timeout
with a comment in .github/workflows/docker.yml), committed. Each timed run gets a fresh copy of
that repository and moves it to 0.3.0, the newest version when this was written
(`pyscaffold upgrade --to 0.3.0`, so a newer version does not change what is measured).

The copier project is the same: a copier template repository is made at bench time from
pyscaffold's own output (tag v1: the 0.2.0 files, tag v2: the 0.3.0 files, copied verbatim,
seeded files in `_skip_if_exists`), generated at v1, committed, given the same edits,
committed, then moved to v2 with `copier update`.

The scenarios run in rounds, each scenario once a round on a fresh copy, so a slow spell on a
shared machine hits them all: one untimed round (warm caches), then `--repeat` timed ones.
Every result is checked: both edits kept, no conflict markers, the 0.3.0 files in place, and
both tools' results identical. The table gives medians and ratios against `pyscaffold
upgrade` in a bare repository, all from one run. The scale rows add 10,000 committed `.py` files (100
folders of 100) to the same project's repository.
"""

import argparse
import datetime
import os
import pathlib
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

OLD = "0.2.0"
NEW = "0.3.0"
EXTRA_DIRS = 100
EXTRA_FILES = 100
MARKER = "<!-- upgrade-results -->"
HEADING = "## Upgrade: pyscaffold upgrade against copier update"

# The user's edits: (file, text to find once, replacement, a line that must survive the upgrade).
LABEL = '      org.opencontainers.image.vendor="Example Corp" \\\n'
TIMEOUT_NOTE = "    # Our image pulls large wheels: give the build longer.\n"
EDITS = [
    (
        "Dockerfile",
        '      org.opencontainers.image.revision="$GIT_COMMIT" \\\n',
        '      org.opencontainers.image.revision="$GIT_COMMIT" \\\n' + LABEL,
        LABEL,
    ),
    (
        ".github/workflows/docker.yml",
        "    timeout-minutes: 30\n",
        TIMEOUT_NOTE + "    timeout-minutes: 45\n",
        TIMEOUT_NOTE + "    timeout-minutes: 45\n",
    ),
]
# What 0.3.0 brings and 0.2.0 lacks, and the reverse: proof that the upgrade happened.
NEW_ONLY = [".gitattributes", "docker/environments/development/10-dev-requirements.sh"]
OLD_ONLY = [".hadolint.yaml", "docker/env"]
RECORDS = {".pyscaffold.yml", ".copier-answers.yml"}

COPIER_YML = """\
# Made by bench/upgrade.py from pyscaffold's own output: every file is copied verbatim
# (no file ends in the templates suffix except the answers file).
_subdirectory: template
_templates_suffix: .jinja
_skip_if_exists:
{skip}
project:
  type: str
  help: A dummy question, so the answers file has an answer.
  default: demo
"""
ANSWERS_TEMPLATE = "# Written by copier; do not edit.\n{{ _copier_answers|to_nice_yaml -}}\n"


def fail(message):
    raise SystemExit(f"bench/upgrade.py: {message}")


def run(args, cwd, env, ok=(0,)):
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    if result.returncode not in ok:
        fail(f"`{' '.join(map(str, args))}` in {cwd} exited {result.returncode}:\n"
             f"{result.stdout}{result.stderr}")
    return result


def git_env(work):
    config = work / "gitconfig"
    config.write_text("[user]\n\tname = bench\n\temail = bench@example.invalid\n"
                      "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
                      # No background gc racing the copies: the prepare_* functions pack it themselves.
                      "[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", HOME=str(work / "home"))
    (work / "home").mkdir()
    shutil.copy(config, work / "home" / ".gitconfig")  # libgit2 reads $HOME/.gitconfig
    return env


def commit(repo, message, env):
    run(["git", "add", "--all"], repo, env)
    run(["git", "commit", "--quiet", "--no-verify", "-m", message], repo, env)


def edit(root):
    for path, find, replace, _ in EDITS:
        text = (root / path).read_text()
        if text.count(find) != 1:
            fail(f"{root / path} no longer holds {find!r} exactly once: update bench/upgrade.py")
        (root / path).write_text(text.replace(find, replace))


def add_extra_files(root):
    for d in range(EXTRA_DIRS):
        folder = root / "extra" / f"pkg{d:03}"
        folder.mkdir(parents=True)
        for f in range(EXTRA_FILES):
            (folder / f"mod{f:03}.py").write_text(f'"""Module {d}.{f}."""\n\nVALUE = {d * EXTRA_FILES + f}\n')


def tree(root):
    """Every file under root but .git and the tools' records, as path -> bytes."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative == ".git" or relative.startswith(".git/") or relative in RECORDS or path.is_dir():
            continue
        files[relative] = path.read_bytes()
    return files


def check(root, label):
    """The upgrade happened and kept the user's edits; fail loudly otherwise."""
    for path, _, _, kept in EDITS:
        if kept not in (root / path).read_text():
            fail(f"{label}: the user's edit to {path} is gone:\n{(root / path).read_text()}")
    for path in NEW_ONLY:
        if not (root / path).exists():
            fail(f"{label}: {path} (new in {NEW}) is missing")
    for path in OLD_ONLY:
        if (root / path).exists():
            fail(f"{label}: {path} (dropped in {NEW}) is still there")
    for path, data in tree(root).items():
        if re.search(rb"^(<<<<<<<|>>>>>>>) ", data, re.MULTILINE):
            fail(f"{label}: conflict markers in {path}")
        if path.endswith(".rej"):
            fail(f"{label}: copier left a rejected patch {path}")


def prepare_pyscaffold(pyscaffold, work, name, extra, env):
    parent = work / name
    parent.mkdir()
    run([pyscaffold, "new", "demo", "-y", "--no-lock", "--template-version", OLD], parent, env)
    repo = parent / "demo"
    run(["git", "init", "--quiet"], repo, env)
    if extra:
        add_extra_files(repo)
    commit(repo, f"pyscaffold {OLD}", env)
    edit(repo)
    commit(repo, "user edits", env)
    run(["git", "gc", "--quiet"], repo, env)
    return repo


def build_template(pyscaffold, work, env):
    """A copier template repository: v1 holds the 0.2.0 files, v2 the 0.3.0 files."""
    template = work / "copier-template"
    template.mkdir()
    run(["git", "init", "--quiet"], template, env)
    for tag, version in (("v1", OLD), ("v2", NEW)):
        rendered = work / f"render-{tag}"
        rendered.mkdir()
        run([pyscaffold, "new", "demo", "-y", "--no-lock", "--template-version", version], rendered, env)
        record = (rendered / "demo" / ".pyscaffold.yml").read_text()
        seeded = re.findall(r"^  - path: (.+)\n    sha256: \S+\n    kind: seeded$", record, re.MULTILINE)
        if not seeded:
            fail("found no seeded files in .pyscaffold.yml: update bench/upgrade.py")
        (rendered / "demo" / ".pyscaffold.yml").unlink()
        if any(p.name.endswith(".jinja") for p in (rendered / "demo").rglob("*")):
            fail("a generated file ends in .jinja: pick another _templates_suffix")
        shutil.rmtree(template / "template", ignore_errors=True)
        shutil.copytree(rendered / "demo", template / "template", symlinks=True)
        (template / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text(ANSWERS_TEMPLATE)
        skip = "\n".join(f"  - {path}" for path in seeded)
        (template / "copier.yml").write_text(COPIER_YML.format(skip=skip))
        commit(template, f"pyscaffold {tag}", env)
        run(["git", "tag", tag], template, env)
    return template


def prepare_copier(copier, template, work, name, extra, env):
    repo = work / name / "demo"
    repo.parent.mkdir()
    run([copier, "copy", "--vcs-ref", "v1", "--defaults", "--trust", "--quiet", template, repo], work, env)
    run(["git", "init", "--quiet"], repo, env)
    if extra:
        add_extra_files(repo)
    commit(repo, "copier v1", env)
    edit(repo)
    commit(repo, "user edits", env)
    run(["git", "gc", "--quiet"], repo, env)
    return repo


def fresh_copy(prepared, work, env):
    """A copy of the prepared repository with its index refreshed, as in a user's clone."""
    scratch = work / "run"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(prepared, scratch, symlinks=True)
    run(["git", "update-index", "-q", "--refresh"], scratch, env)
    if run(["git", "status", "--porcelain"], scratch, env).stdout:
        fail(f"the copy of {prepared} is not clean")
    return scratch


def measure(scenarios, repeat, work, env):
    """Median wall times over `repeat` rounds after one untimed round. A round runs every
    scenario once, each on a fresh copy, so a slow spell on the shared machine hits them all."""
    times = {key: [] for key, *_ in scenarios}
    for attempt in range(repeat + 1):
        for key, label, prepared, command, ok, verify in scenarios:
            scratch = fresh_copy(prepared, work, env)
            started = time.perf_counter()
            run(command, scratch, env, ok=ok)
            elapsed = time.perf_counter() - started
            verify(scratch, f"{label} (round {attempt})")
            if attempt:
                times[key].append(elapsed)
    shutil.rmtree(work / "run", ignore_errors=True)
    medians = {}
    for key, label, *_ in scenarios:
        medians[key] = statistics.median(times[key])
        print(f"{label}: median {medians[key] * 1000:.1f} ms over {repeat} runs "
              f"({', '.join(f'{t * 1000:.1f}' for t in times[key])} ms)", file=sys.stderr)
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyscaffold", default="target/release/pyscaffold")
    parser.add_argument("--copier", default="copier")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per scenario (default 5)")
    parser.add_argument("--no-copier-scale", action="store_true",
                        help="skip copier in the repository with 10,000 other files")
    parser.add_argument("--write", help="also write the report into this Markdown file")
    args = parser.parse_args(argv)
    pyscaffold = pathlib.Path(args.pyscaffold).resolve()
    copier = shutil.which(args.copier) or fail(f"no copier at {args.copier}")
    work = pathlib.Path(tempfile.mkdtemp(prefix="pyscaffold-upgrade-bench-"))
    try:
        env = git_env(work)
        versions = {
            "pyscaffold": run([pyscaffold, "--version"], work, env).stdout.strip(),
            "copier": run([copier, "--version"], work, env).stdout.strip(),
            "git": run(["git", "--version"], work, env).stdout.strip(),
        }
        expected = {}  # the first upgraded tree, pyscaffold's: every later result must match it

        def upgraded(tool):
            def verify(root, label):
                check(root, label)
                if tool == "pyscaffold":
                    if f'version: "{NEW}"' not in (root / ".pyscaffold.yml").read_text():
                        fail(f"{label}: .pyscaffold.yml does not record {NEW}")
                elif "_commit: v2" not in (root / ".copier-answers.yml").read_text():
                    fail(f"{label}: .copier-answers.yml does not record v2")
                files = tree(root)
                if root.joinpath("extra").exists():
                    files = {k: v for k, v in files.items() if not k.startswith("extra/")}
                first = expected.setdefault("tree", files)
                if files != first:
                    differ = sorted(k for k in first.keys() | files.keys() if first.get(k) != files.get(k))
                    fail(f"{label}: the result differs from pyscaffold's in {', '.join(differ)}")
            return verify

        def unchanged(root, label):
            if run(["git", "status", "--porcelain"], root, env).stdout:
                fail(f"{label}: --check changed the repository")

        # 0.3.0 is the newest version at the time of writing; naming it keeps the figures
        # comparable when a newer one is added.
        upgrade = [pyscaffold, "upgrade", "--to", NEW]
        check_cmd = [pyscaffold, "upgrade", "--check", "--to", NEW]
        update = [copier, "update", "--vcs-ref", "v2", "--defaults", "--skip-answered", "--trust",
                  "--conflict", "inline", "--quiet"]
        bare = prepare_pyscaffold(pyscaffold, work, "pyscaffold-bare", False, env)
        big = prepare_pyscaffold(pyscaffold, work, "pyscaffold-big", True, env)
        template = build_template(pyscaffold, work, env)
        copier_bare = prepare_copier(copier, template, work, "copier-bare", False, env)
        scenarios = [
            (("upgrade", "bare"), "pyscaffold upgrade, bare", bare, upgrade, (0,), upgraded("pyscaffold")),
            (("check", "bare"), "pyscaffold upgrade --check, bare", bare, check_cmd, (10,), unchanged),
            (("copier", "bare"), "copier update, bare", copier_bare, update, (0,), upgraded("copier")),
            (("upgrade", "big"), "pyscaffold upgrade, 10,000 other files", big, upgrade, (0,),
             upgraded("pyscaffold")),
            (("check", "big"), "pyscaffold upgrade --check, 10,000 other files", big, check_cmd, (10,),
             unchanged),
        ]
        if not args.no_copier_scale:
            copier_big = prepare_copier(copier, template, work, "copier-big", True, env)
            scenarios.append((("copier", "big"), "copier update, 10,000 other files", copier_big, update,
                              (0,), upgraded("copier")))
        results = measure(scenarios, args.repeat, work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(results, versions, args.repeat)
    print(report)
    if args.write:
        write(pathlib.Path(args.write), report)
    return 0


def render(results, versions, repeat):
    base = results["upgrade", "bare"]

    def cell(key):
        if key not in results:
            return "skipped"
        return f"{results[key] * 1000:.0f} ms ({results[key] / base:.2f}x)"

    def scale(tool):
        if (tool, "big") not in results:
            return "skipped"
        return f"{results[tool, 'big'] / results[tool, 'bare']:.2f}x"

    lines = [
        f"Measured {datetime.date.today()} on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, {platform.system()} {platform.release()}), one run, median of "
        f"{repeat} runs each; {versions['pyscaffold']}, {versions['copier']}, {versions['git']}. "
        "Ratios in brackets are against `pyscaffold upgrade` in the bare repository; the last "
        "column is each command's own time with 10,000 other files over its time without "
        "(lower is better).",
        "",
        "| command | bare repository | with 10,000 other files | 10,000 files / bare |",
        "|---|---|---|---|",
    ]
    for label, tool in (("`pyscaffold upgrade`", "upgrade"), ("`pyscaffold upgrade --check`", "check"),
                        ("`copier update`", "copier")):
        lines.append(f"| {label} | {cell((tool, 'bare'))} | {cell((tool, 'big'))} | {scale(tool)} |")
    return "\n".join(lines)


INTRO = f"""{HEADING}

`bench/upgrade.sh --write docs/benchmarks.md` builds pyscaffold (release) and installs a pinned
copier into its own virtualenv, then times moving one project from template version {OLD} to
{NEW} (`pyscaffold upgrade --to {NEW}`, and `--check`) and the same move with copier (`copier
update`):

- **the project**: `pyscaffold new demo -y --no-lock --template-version {OLD}` (Flask, pip,
  GitHub Actions), committed in its own git repository, then two user edits to managed files
  (a label added in the `Dockerfile`, a longer timeout with a comment in
  `.github/workflows/docker.yml`), committed;
- **the copier equivalent**: a copier template repository made at bench time from
  pyscaffold's own output, tag `v1` the {OLD} files and tag `v2` the {NEW} files, all copied
  verbatim (the seeded files in `_skip_if_exists`, as pyscaffold never touches them);
  generated with `copier copy --vcs-ref v1`, committed, given the same edits, committed, then
  `copier update --vcs-ref v2 --defaults --skip-answered --trust --conflict inline`;
- **scale**: the same, in a repository that also holds 10,000 committed `.py` files (100
  folders of 100), against the bare one.

Every run starts from a fresh copy of the prepared repository (index refreshed, as in a user's
checkout); the scenarios take turns, one run each a round, after one untimed round. Each result
is checked: both edits kept, no conflict markers, the {NEW} files in place, and copier's files
identical to pyscaffold's. The figures are wall time including process start, from one run on a
shared machine: compare them within the run.

What to read from it: pyscaffold renders both versions in memory and merges with libgit2 in one
process; copier clones the template for each rendering, renders the old and the new version
into temporary folders and starts hundreds of git processes, so the same upgrade with the same
result costs it far more. `pyscaffold upgrade --check` opens only pyscaffold's own files and
records. The real run also asks libgit2 first whether tracked files have uncommitted changes
(it refuses a dirty work tree): that status check reads no other file's contents, but lists
every folder and stats every tracked file of the repository, which is what its scale column
measures. copier's diff covers the whole project tree (every other file shows in it as added).
"""


def write(path, report):
    text = path.read_text() if path.exists() else ""
    section = f"{INTRO}\n{MARKER}\n{report}\n{MARKER.replace('<!-- ', '<!-- end ')}\n"
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section if text else section
    else:
        end_marker = MARKER.replace("<!-- ", "<!-- end ")
        end = text.find(end_marker, start)
        end = len(text) if end == -1 else text.index("\n", end) + 1
        text = text[:start] + section + text[end:]
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
