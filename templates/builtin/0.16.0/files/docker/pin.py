#!/usr/bin/env python3
"""Compile requirements.in (and requirements-dev.in) into hashed requirements files.

    python3 docker/pin.py              # the one command to (re)create the lock files
    python3 docker/pin.py --upgrade    # also move every pin to its newest allowed version
    python3 docker/pin.py --in-image   # always compile inside the project's base image

With pip-compile on PATH it runs it here, with the same options the image build expects
(hashes, no index URLs written, so no credential ends up in the files); it says so when this
Python differs from the image's {{ python_version }}, whose markers the image evaluates. Without
it (or with --in-image) it runs pip-compile in a throwaway container of the base image, as
your own user, so the pins match the image's Python and OS exactly. DOCKER names the client
(default: docker).
"""

import argparse
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASE_IMAGE = "{{ base_ref }}"
PIP_TOOLS = "{{ dependencies.tools['pip-tools'] | join(sep=' ') }}"
IMAGE_PYTHON = "{{ python_version }}"
OPTIONS = ["--quiet", "--generate-hashes", "--allow-unsafe", "--no-emit-index-url"]
FILES = [("requirements.txt", "requirements.in"), ("requirements-dev.txt", "requirements-dev.in")]


def compile_here(pip_compile, upgrade):
    here = "%d.%d" % sys.version_info[:2]
    if here != IMAGE_PYTHON:
        print(f"note: compiling with this machine's Python {here}; the image runs "
              f"{IMAGE_PYTHON} (`--in-image` compiles with that one)", file=sys.stderr)
    for output, source in FILES:
        command = [pip_compile, *OPTIONS, *(["--upgrade"] if upgrade else []),
                   "--output-file", output, source]
        print(f"==> {shlex.join(command)}", flush=True)
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="upgrade every pin")
    parser.add_argument("--in-image", action="store_true", help="compile inside the base image")
    parser.add_argument("--network", help="docker network for the container, e.g. host")
    args = parser.parse_args(argv)
    pip_compile = shutil.which("pip-compile")
    if pip_compile and not args.in_image:
        return compile_here(pip_compile, args.upgrade)
    upgrade = " --upgrade" if args.upgrade else ""
    compile_ = "/tmp/pin/bin/pip-compile " + " ".join(OPTIONS) + upgrade
    script = " && ".join([
        "python -m venv /tmp/pin",
        f"/tmp/pin/bin/pip install --quiet --disable-pip-version-check {PIP_TOOLS}",
        *[f"{compile_} --output-file {output} {source}" for output, source in FILES],
    ])
    command = [
        os.environ.get("DOCKER", "docker"), "run", "--rm",
        "--user", f"{os.getuid()}:{os.getgid()}", "--env", "HOME=/tmp",
        "--volume", f"{ROOT}:/src", "--workdir", "/src",
    ]
    if args.network:
        command += ["--network", args.network]
    command += [BASE_IMAGE, "bash", "-c", script]
    print(f"==> {shlex.join(command)}", flush=True)
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
