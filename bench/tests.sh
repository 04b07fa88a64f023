#!/usr/bin/env bash
# The tests gate against the bare test command, side by side in one hyperfine run each, on a
# generated project of 100 test modules with 20 tests each (MODULES=N to change), 2,000 tests
# that do a little work:
#   1. `pytest -q` against `trunkgate tests --coverage never` (the same pytest, plus the
#      JUnit XML report the gate reads and the gate's own start-up);
#   2. `coverage run -m pytest -q` against `trunkgate tests --coverage always` (the run
#      that also writes the coverage gate's data).
# Every test passes, so the gate reads a whole report. RUNS and WARMUP set hyperfine's -r
# and -w (default 10 and 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
modules=${MODULES:-100}
runs=${RUNS:-10}
warmup=${WARMUP:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
proj="$work/proj"

"$bin/python" - "$proj" "$modules" <<'PY'
import os
import sys

proj, count = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(proj, "app"))
os.makedirs(os.path.join(proj, "tests"))
with open(os.path.join(proj, "app", "__init__.py"), "w", encoding="utf-8") as fh:
    fh.write(
        "def collatz(n):\n    steps = 0\n    while n != 1:\n"
        "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n"
    )
for i in range(count):
    tests = "".join(
        f"def test_case_{j}():\n    assert collatz({27 + i * 20 + j}) > 0\n\n\n" for j in range(20)
    )
    with open(os.path.join(proj, "tests", f"test_m{i:03d}.py"), "w", encoding="utf-8") as fh:
        fh.write(f"from app import collatz\n\n\n{tests}")
with open(os.path.join(proj, "pyproject.toml"), "w", encoding="utf-8") as fh:
    fh.write(
        '[tool.pytest.ini_options]\npythonpath = ["."]\naddopts = "-p no:cacheprovider"\n\n'
        '[tool.coverage.run]\nsource = ["app"]\n'
    )
PY
cd "$proj"
git init -q -b main .
export PATH="$bin:$PATH"
echo "generated $modules test modules ($((modules * 20)) tests); cores: $(nproc); load average before: $(cut -d" " -f1-3 /proc/loadavg)"

hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/bare.json" \
  -n "pytest -q" "$bin/pytest -q" \
  -n "trunkgate tests --coverage never" "$bin/trunkgate tests --command 'pytest -q' --coverage never"
hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/coverage.json" \
  -n "coverage run -m pytest -q" "$bin/coverage run -m pytest -q" \
  -n "trunkgate tests --coverage always" "$bin/trunkgate tests --command 'pytest -q' --coverage always"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== without coverage"
"$bin/python" "$root/bench/summary.py" "$work/bare.json" "pytest -q"
echo
echo "== under coverage"
"$bin/python" "$root/bench/summary.py" "$work/coverage.json" "coverage run -m pytest -q"
