#!/usr/bin/env bash
# Benchmark: `pyscaffold detect` on a repository of 100,000 files, against a walk that reads
# every file (what a detector that greps the tree would do). Prints both times and their ratio,
# measured in one run on this machine; not a test (machines are noisy).
#
#   scripts/bench-detect.sh [PATH-TO-PYSCAFFOLD]
set -euo pipefail
bin=${1:-target/release/pyscaffold}
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
python3 - "$repo" <<'PY'
import os, sys
root = sys.argv[1]
def write(rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
write("requirements.txt", "flask==3.1.3\npsycopg2==2.9.10\n")
write(".gitignore", "data/\n")
write("app/__init__.py", "")
write("app/main.py", "from flask import Flask\n\napp = Flask(__name__)\n\n@app.get('/healthz')\ndef health():\n    return 'ok'\n")
count = 3
# Application code: 200 packages x 100 modules, shallow and deep.
for p in range(200):
    for m in range(100):
        write(f"app/pkg{p}/sub/mod{m}.py", f"def f{m}():\n    return {m}\n" * 20)
        count += 1
# Front-end dependencies, a virtualenv and git-ignored data: 80,000 more files.
for i in range(40000):
    write(f"web/node_modules/pkg{i // 100}/file{i}.js", "module.exports = 1;\n" * 30)
for i in range(20000):
    write(f".venv/lib/python3.13/site-packages/p{i // 100}/m{i}.py", "x = 1\n" * 30)
for i in range(100000 - count - 60000):
    write(f"data/chunk{i // 100}/row{i}.csv", "a,b,c\n" * 40)
PY
files=$(find "$repo" -type f | wc -l)
sync
now() { date +%s.%N; }
t0=$(now); "$bin" detect "$repo" >/dev/null; t1=$(now)
find "$repo" -type f -exec cat {} + >/dev/null; t2=$(now)
python3 - "$files" "$t0" "$t1" "$t2" <<'PY'
import sys
files, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:])
detect, read_all = t1 - t0, t2 - t1
print(f"{files} files: detect {detect:.3f}s, reading every file {read_all:.3f}s, ratio {read_all / detect:.1f}x")
PY
