"""Print the project's development-only requirements, one a line, from requirements-dev.txt.

docker/environments/development/10-dev-requirements.sh installs them when APP_ENV=development, so
development tools never reach the production image.
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def requirements():
    return (ROOT / "requirements-dev.txt").read_text().splitlines()


if __name__ == "__main__":
    for line in requirements():
        if line.strip() and not line.lstrip().startswith("#"):
            print(line.strip())
    sys.exit(0)
