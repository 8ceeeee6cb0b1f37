#!/usr/bin/env python3
"""Build, smoke-test and push the image: the one entry point for CI and people.

    python3 docker/build.py               # build both stages, tag them, run the smoke test
    python3 docker/build.py --push        # the same, then push both stages (CI, default branch)
    python3 docker/build.py --no-cache    # scheduled rebuild: fresh base image and packages
    python3 docker/build.py --dry-run     # print the commands, run nothing

Tags are the git branch and short commit (`main-1a2b3c4d5e6f`) plus the branch alone, never
`latest`. Each build warms its cache from the branch's and the default branch's previous images.

Environment:
  IMAGE           repository to tag and push (default: demo)
  DEFAULT_BRANCH  the branch whose images warm every build's cache (default: main)
  DOCKER          the docker client (default: docker)
  PIP_CONF_FILE   a pip.conf for a private index, passed as the `pip_conf` BuildKit secret
  BUILD_ENV_FILE  KEY=VALUE lines (e.g. index credentials) for the installer, as the `build_env`
                  BuildKit secret: they reach the install step only, never a layer
  MAX_IMAGE_MB    fail when the runtime image is larger
  HADOLINT        `0` skips the hadolint check (it runs when hadolint is on PATH)
"""

import argparse
import datetime
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_IMAGE = "demo"


def git(*args):
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return result.stdout.strip()


def public_url(url):
    """The repository URL without credentials: `https://token:secret@host/x.git` and
    `https://user@host/x.git` become `https://host/x.git`, so no secret reaches a label or a log.
    An scp-style `git@host:group/repo.git` has a user but no secret; it is made an https URL."""
    url = url.strip()
    if not url:
        return "unknown"
    scp = re.fullmatch(r"[^@/:]+@([^/:]+):(.+)", url)
    if scp:
        return f"https://{scp.group(1)}/{scp.group(2)}"
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme and parsed.netloc:
        # The host and port as written (an IPv6 host keeps its brackets), without userinfo.
        host = parsed.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit((parsed.scheme, host, parsed.path, "", ""))
    return url if "@" not in url else "unknown"


def tag_safe(text):
    """A docker tag from a branch name: `feature/Login` -> `feature-Login`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip(".-")[:100] or "unknown"


def current_branch():
    for var in ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "CIRCLE_BRANCH", "CIRCLE_TAG"):
        if os.environ.get(var):
            return os.environ[var]
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    return branch if branch and branch != "HEAD" else "detached"


def present_locally(docker, ref):
    try:
        found = subprocess.run([docker, "image", "inspect", ref], capture_output=True)
    except OSError:
        return False
    return found.returncode == 0


def plan(args):
    """The docker commands to run, in order, as (description, argv) pairs."""
    docker = os.environ.get("DOCKER", "docker")
    image = os.environ.get("IMAGE") or DEFAULT_IMAGE
    default_branch = tag_safe(os.environ.get("DEFAULT_BRANCH") or "main")
    branch = tag_safe(current_branch())
    commit = git("rev-parse", "--short=12", "HEAD") or "nocommit"
    build_tag = f"{image}:build-{branch}"
    # `<branch>-<commit>` names one build of one commit and never moves; a scheduled rebuild
    # of the same commit (fresh base image and packages) gets a tag of its own, with the time
    # it was built, so a registry with immutable tags accepts it and a deploy never changes
    # under you. Only `<branch>` moves.
    if args.no_cache:
        built_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M")
        runtime_tags = [f"{image}:{branch}-{commit}-{built_at}", f"{image}:{branch}"]
    else:
        runtime_tags = [f"{image}:{branch}-{commit}", f"{image}:{branch}"]

    common = ["--build-arg", "BUILDKIT_INLINE_CACHE=1"]
    if args.network:
        common += ["--network", args.network]
    if os.environ.get("PIP_CONF_FILE"):
        common += ["--secret", f"id=pip_conf,src={os.environ['PIP_CONF_FILE']}"]
    if os.environ.get("BUILD_ENV_FILE"):
        common += ["--secret", f"id=build_env,src={os.environ['BUILD_ENV_FILE']}"]
    if args.no_cache:
        common += ["--no-cache", "--pull"]
        build_cache = runtime_cache = []
    else:
        build_cache = [f"{image}:build-{branch}", f"{image}:build-{default_branch}"]
        runtime_cache = build_cache + [f"{image}:{branch}", f"{image}:{default_branch}"]

    def cache_from(refs):
        # Only images that are not here already: local ones are in BuildKit's own cache, and
        # naming them again trips a known inline-cache bug of Docker 20.10 that can make it
        # skip the local cache. On a fresh CI runner every ref is remote and warms the cache.
        remote = [ref for ref in dict.fromkeys(refs) if not present_locally(docker, ref)]
        return [arg for ref in remote for arg in ("--cache-from", ref)]

    labels = [
        "--build-arg", f"GIT_COMMIT={git('rev-parse', 'HEAD') or 'unknown'}",
        "--build-arg", f"GIT_BRANCH={current_branch()}",
        "--build-arg", f"BUILD_DATE={datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}",
        "--build-arg", f"SOURCE_URL={public_url(git('remote', 'get-url', 'origin'))}",
    ]
    steps = [
        ("build stage", [docker, "build", "--target", "build", "--tag", build_tag,
                         *cache_from(build_cache), *common, str(ROOT)]),
        ("runtime stage", [docker, "build", "--target", "runtime",
                           *[a for t in runtime_tags for a in ("--tag", t)],
                           *cache_from(runtime_cache), *common, *labels, str(ROOT)]),
    ]
    smoke = [sys.executable, str(ROOT / "docker" / "smoke_test.py"), runtime_tags[0]]
    if args.network:
        smoke += ["--network", args.network]
    steps.append(("smoke test", smoke))
    if args.push:
        steps += [(f"push {tag}", [docker, "push", tag]) for tag in [build_tag, *runtime_tags]]
    return steps, runtime_tags[0]


def run(description, argv, env):
    print(f"==> {description}: {shlex.join(argv)}", flush=True)
    if subprocess.run(argv, env=env).returncode != 0:
        print(f"build: {description} failed", file=sys.stderr)
        sys.exit(1)


def image_megabytes(docker, tag):
    size = subprocess.run([docker, "image", "inspect", "--format", "{{.Size}}", tag],
                          capture_output=True, text=True, check=True).stdout.strip()
    return int(size) / 1_000_000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--push", action="store_true", help="push both stages after the smoke test")
    parser.add_argument("--no-cache", action="store_true", help="rebuild from a freshly pulled base")
    parser.add_argument("--network", help="build and test network, e.g. `host` without a bridge")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)

    steps, tag = plan(args)
    if args.dry_run:
        for description, command in steps:
            print(f"{description}: {shlex.join(command)}")
        return 0

    env = dict(os.environ, DOCKER_BUILDKIT="1")
    if os.environ.get("HADOLINT") != "0" and shutil.which("hadolint"):
        run("hadolint", ["hadolint", str(ROOT / "Dockerfile")], env)
    smoke = steps.pop(2)
    for description, command in steps[:2]:
        run(description, command, env)
    limit = os.environ.get("MAX_IMAGE_MB")
    if limit:
        size = image_megabytes(os.environ.get("DOCKER", "docker"), tag)
        print(f"==> image size: {size:.0f} MB (limit {limit} MB)")
        if size > float(limit):
            print(f"build: {tag} is {size:.0f} MB, over MAX_IMAGE_MB={limit}", file=sys.stderr)
            return 1
    # The smoke test gates every push.
    run(*smoke, env)
    for description, command in steps[2:]:
        run(description, command, env)
    print(f"built {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
