#!/usr/bin/env bash
# The lint gate against bare ruff, side by side in one hyperfine run each, on a generated
# package of 2,000 modules (FILES=N to change):
#   1. the 10 files of a commit: `trunkgate lint FILES` against `ruff check FILES` followed by
#      `ruff format --check FILES` (what a team would otherwise put in its hooks);
#   2. the whole tree: `trunkgate lint --all` against the same two ruff commands on `.`;
#   3. the whole tree with a baseline that accepts the tree's findings (a team adopting the
#      gate on old code): `trunkgate lint --all` against the same two ruff commands.
# Both use the ruff of the dev venv; ruff's cache is on, as it is for users.
# RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
files=${FILES:-2000}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
proj="$work/proj"

"$bin/python" - "$proj" "$files" <<'PY'
import os
import sys

proj, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    folder = os.path.join(proj, "pkg", f"sub{i // 100:02d}")
    os.makedirs(folder, exist_ok=True)
    funcs = "".join(
        f"def handle_{j}(value, limit={j}):\n"
        f'    """Handle case {j}."""\n'
        "    result = []\n"
        "    for item in range(limit):\n"
        f"        if item % {j + 2} == 0 and value:\n"
        "            result.append(str(item))\n"
        "    return result\n\n\n"
        for j in range(12)
    )
    unused = "import os\n" if i % 50 == 0 else ""  # a few real findings
    with open(os.path.join(folder, f"mod{i:04d}.py"), "w", encoding="utf-8") as fh:
        fh.write(f'"""Module {i}."""\n\n{unused}import sys\n\nLIMIT = len(sys.argv)\n\n\n{funcs}')
PY
cd "$proj"
printf '[tool.ruff]\nline-length = 100\n' >pyproject.toml
git init -q -b main .
find pkg -name '*.py' | sort >"$work/files.txt"
some=$(sed -n 1,10p "$work/files.txt" | tr '\n' ' ')
echo "generated $files modules; cores: $(nproc); load average before: $(cut -d" " -f1-3 /proc/loadavg)"

hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/change.json" \
  -n "ruff check + format --check (10 files)" \
  "sh -c '$bin/ruff check -q $some ; $bin/ruff format -q --check $some'" \
  -n "trunkgate lint (10 files)" "$bin/trunkgate lint $some"
hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/tree.json" \
  -n "ruff check + format --check ." \
  "sh -c '$bin/ruff check -q . ; $bin/ruff format -q --check .'" \
  -n "trunkgate lint --all" "$bin/trunkgate lint --all"
"$bin/trunkgate" lint --update-baseline >/dev/null
hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/baseline.json" \
  -n "ruff check + format --check . (no baseline)" \
  "sh -c '$bin/ruff check -q . ; $bin/ruff format -q --check .'" \
  -n "trunkgate lint --all (baseline)" "$bin/trunkgate lint --all"
"$bin/trunkgate" lint --all | tail -2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== the files of a commit"
"$bin/python" "$root/bench/summary.py" "$work/change.json" "ruff check + format --check (10 files)"
echo
echo "== the whole tree"
"$bin/python" "$root/bench/summary.py" "$work/tree.json" "ruff check + format --check ."
echo
echo "== the whole tree, with a baseline of its findings"
"$bin/python" "$root/bench/summary.py" "$work/baseline.json" "ruff check + format --check . (no baseline)"
