"""Print the project's development-only requirements, one a line, from {% if installer == 'pip' %}requirements-dev.txt{% elif installer == 'pip-tools' %}requirements-dev.txt (or .in){% elif installer == 'pipenv' %}the Pipfile{% else %}pyproject.toml{% endif %}.

docker/environments/development/10-dev-requirements.sh installs them when APP_ENV=development, so
development tools never reach the production image.
"""

import pathlib
import sys
{%- if installer not in ['pip', 'pip-tools'] %}
import tomllib
{%- endif %}

ROOT = pathlib.Path(__file__).resolve().parent.parent


def requirements():
{%- if installer == 'pip' %}
    return (ROOT / "requirements-dev.txt").read_text().splitlines()
{%- elif installer == 'pip-tools' %}
    compiled = ROOT / "requirements-dev.txt"
    source = compiled if compiled.exists() else ROOT / "requirements-dev.in"
    return [line for line in source.read_text().splitlines() if not line.startswith("-c")]
{%- elif installer == 'pipenv' %}
    pipfile = tomllib.loads((ROOT / "Pipfile").read_text())
    return [f"{name}{spec}" for name, spec in pipfile.get("dev-packages", {}).items()]
{%- elif installer == 'poetry' %}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    group = pyproject["tool"]["poetry"]["group"]["dev"]["dependencies"]
    return [f"{name}{spec}" for name, spec in group.items()]
{%- elif installer == 'flit' %}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return pyproject["project"]["optional-dependencies"]["dev"]
{%- else %}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return pyproject["dependency-groups"]["dev"]
{%- endif %}


if __name__ == "__main__":
    for line in requirements():
        if line.strip() and not line.lstrip().startswith("#"):
            print(line.strip())
    sys.exit(0)
