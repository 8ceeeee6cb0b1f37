#!/usr/bin/env python3
"""Compare pyscaffold's generated Dockerfile with two reference Dockerfiles on one app.

    bench/run.sh                     # sets up the engine and base image, then runs this
    python3 bench/benchmark.py --pyscaffold target/release/pyscaffold [--write docs/benchmarks.md]

The same generated Flask app (pip, requirements.txt) is built three ways: the generated
Dockerfile, the naive one of the "broken by default" article, and a single-stage image in the
style of `docker init`. For each it measures a cold build (build cache pruned), a rebuild after
a code-only edit, the image size, the time from `docker run` to the first healthy answer and
the time `docker stop` takes (once the service has settled, and right after its first answer), and
reports ratios against the generated image, all from one run.
The machine is noisy: the figures are one run's, to compare within the run, not absolutes.
"""

import argparse
import datetime
import os
import pathlib
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")


def docker(*args, capture=True):
    result = subprocess.run([DOCKER, *args], capture_output=capture, text=True)
    if result.returncode != 0:
        raise SystemExit(f"docker {' '.join(args)} failed:\n{result.stderr}")
    return (result.stdout or "").strip()


def timed(*args):
    started = time.monotonic()
    docker(*args)
    return time.monotonic() - started


# A running service is stopped long after it started: `docker stop` is measured this many
# seconds after the first healthy answer, when every worker has booted, and also at once.
SETTLE = 2.0


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_healthy(tag, env, settle=0.0):
    """Seconds from `docker run` to the first 2xx answer, then seconds `docker stop` takes,
    `settle` seconds after that answer (0: at once, while other workers may still be booting)."""
    port = free_port()
    name = f"bench-{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    docker("run", "--detach", "--name", name, "--network", "host", "--env", f"PORT={port}", *env, tag)
    try:
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status < 300:
                        break
            except OSError:
                pass
            if time.monotonic() - started > 60:
                raise SystemExit(f"{tag} did not answer within 60 s:\n{docker('logs', name)}")
            time.sleep(0.05)
        healthy = time.monotonic() - started
        time.sleep(settle)
        stop = timed("stop", "--time", "10", name)
    finally:
        subprocess.run([DOCKER, "rm", "--force", name], capture_output=True)
    return healthy, stop


def measure(label, context, dockerfile, edit):
    tag = f"bench/{label}:latest"
    build = ["build", "--network", "host", "--file", str(dockerfile), "--tag", tag, str(context)]
    docker("builder", "prune", "--all", "--force")
    cold = timed(*build)
    with open(context / edit, "a") as code:
        code.write(f"\n# code-only edit {time.time()}\n")
    rebuild = timed(*build)
    size = int(docker("image", "inspect", "--format", "{{.Size}}", tag)) / 1_000_000
    healthy, stop_early = first_healthy(tag, [])
    _, stop = first_healthy(tag, [], settle=SETTLE)
    return {"cold": cold, "rebuild": rebuild, "size": size, "healthy": healthy, "stop": stop,
            "stop_early": stop_early}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyscaffold", default="target/release/pyscaffold")
    parser.add_argument("--write", help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    os.environ["DOCKER_BUILDKIT"] = "1"
    work = pathlib.Path(tempfile.mkdtemp(prefix="pyscaffold-bench-"))
    try:
        # No build packages: the references install no compilers either.
        pyscaffold = str(pathlib.Path(args.pyscaffold).resolve())
        subprocess.run([pyscaffold, "new", "demo", "-y", "--python", "3.11", "--build-package", "none"],
                       cwd=work, check=True, capture_output=True)
        generated = work / "demo"
        # The naive image runs `python app.py` from the context root; `FROM python:3` is the
        # article's unpinned tag, here the same local base image.
        naive = work / "naive"
        shutil.copytree(generated, naive)
        shutil.copy(HERE / "reference/naive-app.py", naive / "app.py")
        (naive / ".dockerignore").unlink()
        single = work / "single"
        shutil.copytree(generated, single)
        docker("tag", "python:3.11-slim-bookworm", "python:3")
        rows = [
            ("generated", measure("generated", generated, generated / "Dockerfile", "demo/app.py")),
            ("naive (broken by default)", measure("naive", naive, HERE / "reference/naive.Dockerfile", "demo/app.py")),
            ("single-stage (docker init style)", measure("single", single, HERE / "reference/single-stage.Dockerfile", "demo/app.py")),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[0][1]
    lines = [
        f"Measured {datetime.date.today()} on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, {platform.system()} {platform.release()}), one run; "
        "ratios are against the generated image (lower is better).",
        "",
        "| Dockerfile | cold build | rebuild after a code-only edit | image size | first healthy response | `docker stop` | `docker stop` at the first answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, m in rows:
        cells = [
            f"{m['cold']:.1f} s ({m['cold'] / base['cold']:.2f}x)",
            f"{m['rebuild']:.1f} s ({m['rebuild'] / base['rebuild']:.2f}x)",
            f"{m['size']:.0f} MB ({m['size'] / base['size']:.2f}x)",
            f"{m['healthy']:.2f} s ({m['healthy'] / base['healthy']:.2f}x)",
            f"{m['stop']:.2f} s ({m['stop'] / base['stop']:.2f}x)",
            f"{m['stop_early']:.2f} s ({m['stop_early'] / base['stop_early']:.2f}x)",
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    report = "\n".join(lines)
    print(report)
    if args.write:
        path = pathlib.Path(args.write)
        # Only this script's part is replaced: from its marker to the end marker (or to the
        # next `## ` section, which another benchmark owns), the rest of the file is kept.
        text = path.read_text() if path.exists() else ""
        intro, _, rest = text.partition("<!-- results -->")
        if "<!-- end results -->" in rest:
            rest = rest.split("<!-- end results -->", 1)[1].lstrip("\n")
        elif "\n## " in rest:
            rest = rest[rest.index("\n## ") + 1:]
        else:
            rest = ""
        tail = f"\n{rest}" if rest else ""
        path.write_text(f"{intro}<!-- results -->\n{report}\n<!-- end results -->\n{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
