#!/usr/bin/env python3
"""Build, smoke-test and push the image: the one entry point for CI and people.

    python3 docker/build.py               # build both stages, tag them, run the smoke test
    python3 docker/build.py --push        # the same, then push both stages (CI, default branch)
                                          # (with PUSH_BUILDER: one image for every PLATFORMS, attested)
    python3 docker/build.py --no-cache    # scheduled rebuild: fresh base image and packages
    python3 docker/build.py --scan        # also scan the image for vulnerabilities (Trivy) before any push
    python3 docker/build.py --push --sign # CI: push, then sign the pushed digest (cosign, keyless)
    python3 docker/build.py --sbom sbom.json  # also write the image's SBOM (CycloneDX JSON) there
    python3 docker/build.py --dry-run     # print the commands, run nothing

Tags are the git branch and short commit (`main-1a2b3c4d5e6f`) plus the branch alone, never
`latest`. Each build warms its cache from the branch's and the default branch's previous images.

Environment:
  IMAGE           repository to tag and push (default: {{ image or name }})
  DEFAULT_BRANCH  the branch whose images warm every build's cache (default: {{ default_branch }})
  DOCKER          the docker client (default: docker)
  PIP_CONF_FILE   a pip.conf for a private index, passed as the `pip_conf` BuildKit secret
  BUILD_ENV_FILE  KEY=VALUE lines (e.g. index credentials) for the installer, as the `build_env`
                  BuildKit secret: they reach the install step only, never a layer
  MAX_IMAGE_MB    fail when the runtime image is larger
  HADOLINT        `0` skips the hadolint check (it runs when hadolint is on PATH)
  TRIVY_IMAGE     the scanner image --scan runs (default: {{ dependencies.supply_chain.scanner[0] }})
  SCAN_SEVERITY   severities that fail --scan (default: CRITICAL); `.trivyignore` lists the
                  findings you accept, one ID per line with a comment saying why
  COSIGN          the cosign client --sign runs (default: cosign)
  PUSH_BUILDER    a buildx builder with a container driver (CI creates one): --push then builds the
                  runtime stage for every PLATFORMS and pushes it as one image index with SLSA
                  provenance (mode=max) and an SBOM attestation. Unset: the image built here
                  (this host's platform) is pushed with `docker push`, without attestations
  PLATFORMS       the platforms a PUSH_BUILDER push builds, comma-separated (default:
                  {{ platform_list }}; empty: the builder's own)
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
{%- if ctx %}
# The build context: the root of the uv workspace this project is the member
# `{{ workspace_member }}` of, whose uv.lock it is locked in. The ignore file beside the Dockerfile
# (Dockerfile.dockerignore) filters it.
CONTEXT = ["--file", str(ROOT / "Dockerfile"), str((ROOT / "{{ build_context }}").resolve())]
{%- else %}
# The build context: the project.
CONTEXT = [str(ROOT)]
{%- endif %}
DEFAULT_IMAGE = "{{ image or name }}"
DEFAULT_SCANNER = "{{ dependencies.supply_chain.scanner[0] }}"
DEFAULT_PLATFORMS = "{{ platform_list }}"
SBOM_GENERATOR = "{{ dependencies.supply_chain.sbom_generator[0] }}"
# What the scanner exits with when it finds vulnerabilities (any other failure is its own).
FINDINGS_EXIT = 3
# Where a PUSH_BUILDER push writes what it pushed (the image index digest the signature names).
METADATA = pathlib.Path(tempfile.gettempdir()) / f"pyscaffold-push-{os.getpid()}.json"
# Where the runtime image keeps its SBOM (the Dockerfile's sbom stage writes it).
SBOM_PATH = "/opt/sbom/cyclonedx.json"


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


def daemon_socket():
    """The engine's socket as the engine itself sees it, for a container that reads images
    from it: the path of a unix DOCKER_HOST, else the default (also inside Docker-in-Docker,
    where the client reaches the engine over TCP)."""
    host = os.environ.get("DOCKER_HOST", "")
    return host[len("unix://"):] if host.startswith("unix://") else "/var/run/docker.sock"


def scan_command(docker, tag, network=None):
    """Trivy over the image in the engine, failing on SCAN_SEVERITY findings. The ignore file
    goes in on stdin (a bind mount would not reach a Docker-in-Docker engine); the vulnerability
    database is kept in a volume between runs."""
    scanner = os.environ.get("TRIVY_IMAGE") or DEFAULT_SCANNER
    severity = os.environ.get("SCAN_SEVERITY") or "CRITICAL"
    return [docker, "run", "--rm", "-i", *(["--network", network] if network else []),
            "-v", f"{daemon_socket()}:/var/run/docker.sock",
            "-v", "pyscaffold-trivy-cache:/root/.cache/trivy",
            "--entrypoint", "/bin/sh", scanner,
            "-c", 'cat >/tmp/trivyignore && exec trivy "$@"', "trivy",
            "image", "--image-src", "docker", "--scanners", "vuln", "--no-progress",
            "--exit-code", str(FINDINGS_EXIT), "--severity", severity, "--ignorefile", "/tmp/trivyignore", tag]


def push_builder(docker, check=True):
    """The buildx builder that pushes a multi-platform, attested image: PUSH_BUILDER when it is
    set, else None (and why not, for the log). A PUSH_BUILDER that buildx cannot use is an
    error: CI asked for attestations, and a push without them is not what it asked for. A dry
    run (`check` false) runs nothing, so it names the builder unchecked, and says so."""
    builder = os.environ.get("PUSH_BUILDER", "").strip()
    if not builder:
        return None, ("PUSH_BUILDER is not set: pushing the image built here, for this host's "
                      "platform only, without provenance or SBOM attestations (the image still "
                      f"carries its SBOM at {SBOM_PATH})")
    if not check:
        print(f"note: PUSH_BUILDER={builder} is checked (`docker buildx inspect`) when the build "
              "runs; a dry run runs nothing", flush=True)
        return builder, None
    try:
        found = subprocess.run([docker, "buildx", "inspect", builder], capture_output=True, text=True)
    except OSError as error:
        sys.exit(f"build: cannot run {docker}: {error.strerror}")
    if found.returncode != 0:
        print(f"build: PUSH_BUILDER={builder} is not a buildx builder here: {found.stderr.strip()}",
              file=sys.stderr)
        print("help: create one with `docker buildx create --name NAME --driver docker-container`, "
              "or unset PUSH_BUILDER to push this host's platform without attestations", file=sys.stderr)
        sys.exit(1)
    driver = re.search(r"^Driver:\s*(\S+)", found.stdout, re.MULTILINE)
    if driver and driver.group(1) == "docker":
        print(f"build: PUSH_BUILDER={builder} uses the `docker` driver, which can build neither an "
              "image index nor attestations", file=sys.stderr)
        print("help: create one with `docker buildx create --name NAME --driver docker-container`",
              file=sys.stderr)
        sys.exit(1)
    return builder, None


def host_platform():
    """This host's platform as Docker names it (`linux/amd64`)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7", "i686": "386"}.get(machine, machine)
    return f"linux/{arch}"


def plan(args):
    """The docker commands to run, in order, as (description, argv) pairs."""
    docker = os.environ.get("DOCKER", "docker")
    image = os.environ.get("IMAGE") or DEFAULT_IMAGE
    default_branch = tag_safe(os.environ.get("DEFAULT_BRANCH") or "{{ default_branch }}")
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
{%- if git_ssh %}
    if os.environ.get("SSH_AUTH_SOCK"):
        common += ["--ssh", "default"]
{%- endif %}
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
                         *cache_from(build_cache), *common, *CONTEXT]),
        ("runtime stage", [docker, "build", "--target", "runtime",
                           *[a for t in runtime_tags for a in ("--tag", t)],
                           *cache_from(runtime_cache), *common, *labels, *CONTEXT]),
    ]
    smoke = [sys.executable, str(ROOT / "docker" / "smoke_test.py"), runtime_tags[0]]
    if args.network:
        smoke += ["--network", args.network]
    steps.append(("smoke test", smoke))
    # The scan gates every push too.
    if args.scan:
        steps.append(("vulnerability scan", scan_command(docker, runtime_tags[0], args.network)))
    builder = None
    if args.push:
        # The build stage is pushed as built here: later builds warm their cache from it.
        steps.append((f"push {build_tag}", [docker, "push", build_tag]))
        builder, why_not = push_builder(docker, check=not args.dry_run)
        if builder:
            # The runtime stage again, for every platform, from the same sources and the build
            # stage's cache just pushed (this host's platform is a cache hit), pushed as one
            # image index with its attestations. The smoke test and the scan above passed on
            # this host's platform; the other platforms are built from the same lock.
            platforms = os.environ.get("PLATFORMS", DEFAULT_PLATFORMS).strip()
            host = host_platform()
            if platforms and host not in platforms.split(","):
                print(f"note: PLATFORMS ({platforms}) leaves out this host's {host}: no image "
                      "pushed is of the platform the smoke test ran on", flush=True)
            steps.append((f"push {', '.join(runtime_tags)} ({platforms or 'the builder platform'})", [
                docker, "buildx", "build", "--builder", builder, "--target", "runtime",
                *(["--platform", platforms] if platforms else []),
                "--provenance=mode=max", f"--sbom=generator={SBOM_GENERATOR}", "--metadata-file", str(METADATA), "--push",
                *[a for t in runtime_tags for a in ("--tag", t)],
                *[a for ref in ([] if args.no_cache else dict.fromkeys([build_tag, *runtime_cache]))
                  for a in ("--cache-from", ref)],
                *common, *labels, *CONTEXT]))
        else:
            print(f"note: {why_not}", flush=True)
            steps += [(f"push {tag}", [docker, "push", tag]) for tag in runtime_tags]
    if args.sign:
        # By digest, never by tag: the signature names the exact image pushed. The digest is
        # known once the push is done, so `@DIGEST` is filled in then. An image index is signed
        # with each of its platforms' images (--recursive).
        cosign = os.environ.get("COSIGN", "cosign")
        recursive = ["--recursive"] if builder else []
        steps.append(("sign", [cosign, "sign", "--yes", *recursive, f"{image}@DIGEST"]))
    return steps, runtime_tags[0]


HINTS = {
    "vulnerability scan": "the image has vulnerabilities of the severities SCAN_SEVERITY names "
                          "(default CRITICAL), listed above: update the base image or the "
                          "packages that have them (`--no-cache` pulls fresh ones), or list "
                          "a finding you accept in .trivyignore with a comment saying why",
    "scanner": "the scanner itself failed, before it could judge the image (its output is "
               "above): it must reach its vulnerability database, and TRIVY_IMAGE must name "
               "a Trivy image",
    "sign": "cosign needs an OIDC identity (GitHub: `id-token: write`; GitLab: an `id_tokens` "
            "token with `aud: sigstore`); turn signing off with "
            "`pyscaffold upgrade --set signing=false`",
}


def run(description, argv, env, stdin=None):
    print(f"==> {description}: {shlex.join(argv)}", flush=True)
    try:
        code = subprocess.run(argv, env=env, stdin=stdin).returncode
    except OSError as error:
        print(f"build: {description} failed: cannot run {argv[0]}: {error.strerror}", file=sys.stderr)
        sys.exit(1)
    if code != 0:
        # A scan fails on findings with its own exit status; anything else is the scanner's.
        if description == "vulnerability scan" and code != FINDINGS_EXIT:
            print(f"build: {description} failed: the scanner exited {code}", file=sys.stderr)
            description = "scanner"
        else:
            print(f"build: {description} failed", file=sys.stderr)
        if description in HINTS:
            print(f"help: {HINTS[description]}", file=sys.stderr)
        sys.exit(1)


def pushed_digest(docker, image, tag):
    """The registry digest (`sha256:...`) of `image` that pushing `tag` recorded."""
    found = subprocess.run([docker, "image", "inspect", "--format", "{{ '{{json .RepoDigests}}' }}", tag],
                           capture_output=True, text=True, check=True).stdout
    for reference in json.loads(found) or []:
        name, _, digest = reference.partition("@")
        if name == image and digest.startswith("sha256:"):
            return digest
    print(f"build: no registry digest of {image} for {tag} after the push", file=sys.stderr)
    sys.exit(1)


def loopback(ref):
    """`--insecure` for a registry on this machine's loopback, which the engine reaches over
    plain HTTP too (`docker manifest` would try HTTPS alone and call the image missing)."""
    host = ref.split("/")[0] if "/" in ref else ""
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    return ["--insecure"] if name in ("localhost", "[::1]") or name.startswith("127.") else []


def in_registry(docker, ref):
    """Whether the registry holds `ref` already (read with the client's own credentials)."""
    try:
        found = subprocess.run([docker, "manifest", "inspect", *loopback(ref), ref], capture_output=True)
    except OSError:
        return False
    return found.returncode == 0


def registry_digest(docker, ref, index):
    """The digest the registry holds for `ref`: an image index's through buildx (`docker
    manifest` lists an index's images, not its own digest), an image's through `docker
    manifest inspect -v`."""
    if index:
        found = subprocess.run([docker, "buildx", "imagetools", "inspect", ref],
                               capture_output=True, text=True)
        digest = re.search(r"^Digest:\s*(sha256:[0-9a-f]{64})", found.stdout, re.MULTILINE)
    else:
        found = subprocess.run([docker, "manifest", "inspect", "-v", *loopback(ref), ref],
                               capture_output=True, text=True)
        try:
            digest = json.loads(found.stdout)["Descriptor"]["digest"]
        except (ValueError, KeyError, TypeError):
            digest = None
    if not digest:
        sys.exit(f"build: cannot read the digest of {ref} in the registry: {found.stderr.strip()}")
    return digest if isinstance(digest, str) else digest.group(1)


def index_digest():
    """The digest of the image index a PUSH_BUILDER push pushed (buildx's metadata file)."""
    try:
        digest = json.loads(METADATA.read_text())["containerimage.digest"]
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f"build: no pushed digest in buildx's metadata file {METADATA}: {error}")
    finally:
        METADATA.unlink(missing_ok=True)
    return digest


def write_sbom(docker, tag, destination, env):
    """Copies the image's SBOM out of a container that never starts."""
    created = subprocess.run([docker, "create", tag], capture_output=True, text=True, env=env)
    if created.returncode != 0:
        print(f"build: cannot read the SBOM of {tag}: {created.stderr.strip()}", file=sys.stderr)
        sys.exit(1)
    container = created.stdout.strip()
    try:
        run("sbom", [docker, "cp", f"{container}:{SBOM_PATH}", str(destination)], env)
    finally:
        subprocess.run([docker, "rm", container], capture_output=True, env=env)


def image_megabytes(docker, tag):
    size = subprocess.run([docker, "image", "inspect", "--format", "{{ '{{.Size}}' }}", tag],
                          capture_output=True, text=True, check=True).stdout.strip()
    return int(size) / 1_000_000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--push", action="store_true", help="push both stages after the smoke test")
    parser.add_argument("--no-cache", action="store_true", help="rebuild from a freshly pulled base")
    parser.add_argument("--scan", action="store_true",
                        help="scan the image with Trivy after the smoke test; findings fail the build before any push")
    parser.add_argument("--sign", action="store_true",
                        help="after --push, sign the pushed digest with cosign (keyless, in CI)")
    parser.add_argument("--sbom", metavar="FILE", type=pathlib.Path,
                        help=f"write the image's SBOM (CycloneDX JSON, {SBOM_PATH} in the image) to FILE")
    parser.add_argument("--network", help="build and test network, e.g. `host` without a bridge")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    if args.sign and not args.push:
        parser.error("--sign signs what --push pushed: give both")

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
    if args.sbom:
        write_sbom(os.environ.get("DOCKER", "docker"), tag, args.sbom, env)
        print(f"==> SBOM of {tag}: {args.sbom}")
    # The smoke test (and the scan) gate every push.
    run(*smoke, env)
    docker = os.environ.get("DOCKER", "docker")
    # A re-run of a pushed build (a job re-run, a manual pipeline) pushes nothing: the tag that
    # names one build never gets another image. Signing signs what the registry holds, so a
    # re-run repairs a signature that failed.
    pushed = None
    if args.push and not args.no_cache and in_registry(docker, tag):
        print(f"note: {tag} is in the registry already: a tag that names one build is never "
              "pushed again, so nothing is pushed (a rebuild of a commit runs with --no-cache "
              "and gets a tag of its own)", flush=True)
        pushed = registry_digest(docker, tag, any("--recursive" in c for d, c in steps if d == "sign"))
    for description, command in steps[2:]:
        if pushed and description.startswith("push "):
            continue
        if description == "vulnerability scan":
            ignore = ROOT / ".trivyignore"
            with open(ignore if ignore.is_file() else os.devnull, "rb") as stdin:
                run(description, command, env, stdin=stdin)
        elif description == "sign":
            image = command[-1].rpartition("@")[0]
            if pushed:
                digest = pushed
            elif "--recursive" in command:
                digest = index_digest()
            else:
                digest = pushed_digest(docker, image, tag)
            run(description, [*command[:-1], f"{image}@{digest}"], env)
        else:
            run(description, command, env)
    print(f"built {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
