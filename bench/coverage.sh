#!/usr/bin/env bash
# The coverage gate against diff-cover (and coverage report), side by side in one hyperfine
# run per size, on a generated package of 2,000 modules (FILES=N to change) measured by a real
# `coverage run -m pytest` of a generated test suite, then `coverage xml`.
#
# The history holds three bases, so that HEAD differs from them in 10, 100 and 1,000 modules
# (each change adds a function, partly covered). For each size one hyperfine run compares:
#   - diff-cover coverage.xml --compare-branch BASE          (reads the XML report)
#   - trunkgate coverage --base BASE                          (the default: it picks the newest
#                                                             data, coverage.xml, for the total
#                                                             and diff coverage)
#   - trunkgate coverage --base BASE --diff-only              (the same report, no total)
#   - trunkgate coverage --base BASE --diff-only --data .coverage
#                                                             (no report: coverage analyses the
#                                                             changed files from its data file)
# Then the total from the data file alone, which needs every file analysed:
#   - coverage report --fail-under 90  against  trunkgate coverage --data .coverage
# The engine is byte-compiled first, as an installed one is (PYTHONDONTWRITEBYTECODE would
# otherwise make every run compile the modules again).
# RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2); TOTAL_RUNS the runs of the
# last comparison (default 3; 0 skips it); SIZES the change sizes (default "10 100 1000").
# ENGINES="REV ..." adds, in the same hyperfine runs, the engine of each of these revisions of
# trunkgate (its hooks/ folder from `git archive`) beside the work tree's: every trunkgate
# command then runs once per engine, each as `env PYTHONPATH=ITS-HOOKS trunkgate ...`, the
# work tree's included, so that they start alike. KEEP=1 leaves the generated project (and
# prints where it is); SIZES="" TOTAL_RUNS=0 KEEP=1 just generates it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
unset PYTHONDONTWRITEBYTECODE
"$bin/python" -m compileall -q "$root/hooks/trunkgate"
files=${FILES:-2000}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
total_runs=${TOTAL_RUNS:-3}
sizes=${SIZES-10 100 1000}
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
  trap 'echo "kept $work/proj"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
# The engines: a name and how to start it.
names=("trunkgate")
starts=("trunkgate")
if [ -n "${ENGINES:-}" ]; then
  starts=("env PYTHONPATH=$root/hooks trunkgate")
  for rev in $ENGINES; do
    tree="$work/engine-$rev"
    mkdir -p "$tree"
    git -C "$root" archive "$rev" hooks/trunkgate | tar -x -C "$tree"
    "$bin/python" -m compileall -q "$tree/hooks/trunkgate"
    names+=("trunkgate@$rev")
    starts+=("env PYTHONPATH=$tree/hooks trunkgate")
  done
fi
proj="$work/proj"
export PATH="$bin:$PATH"

# An outer coverage or pytest-cov run must not leak into the measured one.
for name in $(env | grep -oE '^(COV_CORE_|COVERAGE_)[A-Z_]*' || true); do unset "$name"; done
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

started=$(date +%s)
"$bin/python" - "$proj" "$files" <<'PY'
import os
import subprocess
import sys

proj, count = sys.argv[1], int(sys.argv[2])
# HEAD has every module in its new form; base-N has the first N in their old form.


def module(i: int, new: bool) -> str:
    text = (
        f'"""Module {i}."""\n\n\n'
        "def add(a, b):\n    return a + b\n\n\n"
        "def classify(n):\n"
        "    if n < 0:\n        return 'negative'\n"
        "    elif n == 0:\n        return 'zero'\n"
        "    for k in range(2, n):\n"
        "        if n % k == 0:\n            return 'composite'\n"
        "    return 'prime'\n\n\n"
        "def unused(values):\n"
        "    total = 0\n"
        "    for item in values:\n"
        "        if item:\n            total += item\n"
        "    return total\n\n\n"
        "class Box:\n"
        "    def __init__(self, value):\n        self.value = value\n\n"
        "    def get(self):\n        return self.value\n\n"
        "    def never(self):\n        raise RuntimeError('never')\n"
    )
    if new:
        text += (
            "\n\ndef added(n):\n"
            "    out = []\n"
            "    for k in range(n):\n"
            "        if k % 2:\n            out.append(k)\n"
            "        else:\n            out.append(-k)\n"
            "    if n > 100:\n"
            "        out.clear()\n"
            "        out.append('big')\n"
            "    return out\n"
        )
    return text


def write_all(old_below: int) -> None:
    for i in range(count):
        path = os.path.join(proj, "pkg", f"sub{i // 100:02d}", f"mod{i:04d}.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(module(i, i >= old_below))


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=proj, check=True, capture_output=True)


for i in range(0, count, 100):
    folder = os.path.join(proj, "pkg", f"sub{i // 100:02d}")
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, "__init__.py"), "w").close()
open(os.path.join(proj, "pkg", "__init__.py"), "w").close()
os.makedirs(os.path.join(proj, "tests"))
with open(os.path.join(proj, "tests", "test_pkg.py"), "w", encoding="utf-8") as fh:
    fh.write(
        "import importlib\n\nimport pytest\n\n"
        f"NAMES = [f'pkg.sub{{i // 100:02d}}.mod{{i:04d}}' for i in range({count})]\n\n\n"
        "@pytest.mark.parametrize('name', NAMES)\n"
        "def test_module(name):\n"
        "    mod = importlib.import_module(name)\n"
        "    assert mod.add(1, 2) == 3\n"
        "    assert mod.classify(7) == 'prime'\n"
        "    assert mod.classify(0) == 'zero'\n"
        "    assert mod.Box(3).get() == 3\n"
        "    if hasattr(mod, 'added'):\n"
        "        assert mod.added(3) == [0, 1, -2]\n"
    )
with open(os.path.join(proj, "pyproject.toml"), "w", encoding="utf-8") as fh:
    fh.write(
        '[tool.coverage.run]\nbranch = true\nsource = ["pkg"]\n\n'
        '[tool.pytest.ini_options]\npythonpath = ["."]\n'
    )
git("init", "-q", "-b", "main")
for size in (1000, 100, 10):
    write_all(min(size, count))
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", f"modules from {min(size, count)} in their new form")
    git("tag", f"base-{size}")
write_all(0)
git("add", "-A")
git("commit", "-q", "--no-verify", "-m", "change every module")
PY
cd "$proj"
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 "$bin/python" -m coverage run -m pytest -q -p no:cacheprovider tests >/dev/null
"$bin/python" -m coverage xml -q
echo "generated $files modules and their coverage in $(($(date +%s) - started)) s; cores: $(nproc)"
echo "coverage.xml: $(grep -c '<line ' coverage.xml) lines in $(grep -c '<class ' coverage.xml) files," \
  "$(($(wc -c <coverage.xml) / 1024)) KiB; .coverage: $(($(wc -c <.coverage) / 1024)) KiB"

for size in $sizes; do
  commands=(-n "diff-cover ($size files)" "diff-cover coverage.xml --compare-branch base-$size")
  for i in "${!names[@]}"; do
    run="${starts[$i]} coverage --base base-$size"
    commands+=(-n "${names[$i]} coverage" "$run")
    commands+=(-n "${names[$i]} coverage --diff-only" "$run --diff-only")
    commands+=(-n "${names[$i]} coverage --diff-only --data .coverage" "$run --diff-only --data .coverage")
  done
  hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/diff-$size.json" "${commands[@]}"
done
if [ "$total_runs" -gt 0 ]; then
  commands=(-n "coverage report --fail-under 90" "$bin/python -m coverage report --fail-under 90")
  for i in "${!names[@]}"; do
    commands+=(-n "${names[$i]} coverage --data .coverage"
      "${starts[$i]} coverage --base base-10 --data .coverage")
  done
  hyperfine -N -i -w 0 -r "$total_runs" --export-json "$work/total.json" "${commands[@]}"
fi

# CPU time (user + system, mean) besides the wall-clock medians: on a shared machine it is
# the steadier of the two.
cpu() {
  "$bin/python" - "$1" "$2" <<'PY'
import json
import sys

results = json.load(open(sys.argv[1], encoding="utf-8"))["results"]
cpu = {r["command"]: r["user"] + r["system"] for r in results}
base = cpu[sys.argv[2]]
width = max(len(name) for name in cpu)
for name, seconds in cpu.items():
    print(f"{name:<{width}}  {seconds * 1000:8.1f} ms cpu  {seconds / base:8.2f}x")
PY
}
for size in $sizes; do
  echo
  echo "== diff coverage of a $size-file change"
  "$bin/python" "$root/bench/summary.py" "$work/diff-$size.json" "diff-cover ($size files)"
  cpu "$work/diff-$size.json" "diff-cover ($size files)"
done
if [ "$total_runs" -gt 0 ]; then
  echo
  echo "== the total from the data file (every file analysed)"
  "$bin/python" "$root/bench/summary.py" "$work/total.json" "coverage report --fail-under 90"
  cpu "$work/total.json" "coverage report --fail-under 90"
fi
