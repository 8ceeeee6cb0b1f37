"""Writes a benchmark's table into docs/benchmarks.md between its markers
(`<!-- NAME results -->` and `<!-- end NAME results -->`), leaving the rest of the page as it is."""

import pathlib
import sys


def write_between_markers(path, name, text):
    path = pathlib.Path(path)
    start, end = f"<!-- {name} results -->", f"<!-- end {name} results -->"
    intro, _, rest = path.read_text().partition(start)
    if end not in rest:
        sys.exit(f"{path} has no {name} results markers")
    tail = rest.split(end, 1)[1]
    path.write_text(f"{intro}{start}\n{text}\n{end}{tail}")
