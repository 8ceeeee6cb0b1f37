#!/usr/bin/env python3
"""Compile requirements.in (and requirements-dev.in) into hashed requirements files.

    python3 docker/pin.py              # inside the base image: the image's Python and OS
    python3 docker/pin.py --upgrade    # also move every pin to its newest allowed version

It runs pip-compile in a throwaway container of the project's base image, as your own user,
so the pins match what the image installs. DOCKER names the client (default: docker).
"""

import argparse
import os
import pathlib
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASE_IMAGE = "{{ base_ref }}"
PIP_TOOLS = "{{ dependencies.tools['pip-tools'] | join(sep=' ') }}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="upgrade every pin")
    parser.add_argument("--network", help="docker network for the container, e.g. host")
    args = parser.parse_args(argv)
    upgrade = " --upgrade" if args.upgrade else ""
    compile_ = "/tmp/pin/bin/pip-compile --quiet --generate-hashes --allow-unsafe" + upgrade
    script = " && ".join([
        "python -m venv /tmp/pin",
        f"/tmp/pin/bin/pip install --quiet --disable-pip-version-check {PIP_TOOLS}",
        f"{compile_} --output-file requirements.txt requirements.in",
        f"{compile_} --output-file requirements-dev.txt requirements-dev.in",
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
