"""Print the project's development-only requirements, one a line, from pyproject.toml.

docker/environments/development/10-dev-requirements.sh installs them when APP_ENV=development, so
development tools never reach the production image.
"""

import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def requirements():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return pyproject["dependency-groups"]["dev"]


if __name__ == "__main__":
    for line in requirements():
        if line.strip() and not line.lstrip().startswith("#"):
            print(line.strip())
    sys.exit(0)
