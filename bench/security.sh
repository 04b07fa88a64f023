#!/usr/bin/env bash
# The security gate against bare bandit, side by side in one hyperfine run each, on a generated
# package of 2,000 modules (FILES=N to change) in a git repository:
#   1. a 10-file change: `trunkgate security --base main` against `bandit` on those 10 files
#      (target: within 1.2x; the gate must never scan what did not change);
#   2. the whole tree: `trunkgate security --all` against `bandit -r .` (target: at most 0.6x,
#      by spreading the files over one bandit process per core).
# Both use the bandit of the dev venv (the one the gate finds next to its interpreter).
# RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2); ONLY=change or ONLY=tree runs
# one of the two comparisons.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
files=${FILES:-2000}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
only=${ONLY:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
proj="$work/proj"

# A package of ordinary modules: classes, functions, string handling, a few risky calls that
# bandit flags (subprocess, yaml, hashes, asserts), all deterministic.
"$bin/python" - "$proj" "$files" <<'PY'
import os
import random
import sys

proj, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(2026)
RISKY = [
    "    subprocess.call(command, shell=True)\n",
    "    return yaml.load(text)\n",
    "    return hashlib.md5(text.encode()).hexdigest()\n",
    "    assert value is not None\n",
    '    password = "hunter2"\n',
    "    return pickle.loads(text)\n",
]


def function(i: int, j: int) -> str:
    body = [f"def handle_{i}_{j}(value, text, command, *, limit={rng.randint(1, 99)}):\n"]
    body.append(f'    """Handle case {j} of module {i}."""\n')
    body.append("    result = []\n")
    for k in range(rng.randint(3, 6)):
        body.append(f"    for item in range(limit + {k}):\n")
        body.append(f"        if item % {k + 2} == 0 and value:\n")
        body.append(f"            result.append(str(item) + text[:{k + 3}])\n")
        body.append("        else:\n")
        body.append(f"            result.extend(x * {k} for x in (item, item + 1))\n")
    if rng.random() < 0.15:
        body.append(rng.choice(RISKY))
    body.append("    return result\n\n\n")
    return "".join(body)


def module(i: int) -> str:
    parts = [
        f'"""Module {i} of the generated package."""\n\n',
        "import hashlib\nimport pickle\nimport subprocess\n\nimport yaml\n\n",
        f"LIMIT = {i}\n\n\n",
        f"class Service{i}:\n",
        '    """A service with a few methods."""\n\n',
        "    def __init__(self, name):\n        self.name = name\n        self.items = {}\n\n",
    ]
    for m in range(4):
        parts.append(f"    def method_{m}(self, key, value=None):\n")
        parts.append(f"        if key in self.items:\n            return self.items[key] * {m}\n")
        parts.append("        self.items[key] = value or []\n        return self.items[key]\n\n")
    parts.append("\n")
    parts += [function(i, j) for j in range(rng.randint(3, 5))]
    return "".join(parts)


for i in range(count):
    folder = os.path.join(proj, "pkg", f"sub{i // 100:02d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"mod{i:04d}.py"), "w", encoding="utf-8") as fh:
        fh.write(module(i))
PY

cd "$proj"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q -b main .
git -c user.name=bench -c user.email=bench@example.com commit -q --no-verify --allow-empty -m init
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -q --no-verify -m "feat: package"
git checkout -q -b feature/change
changed=()
for i in $(seq 7 $((files / 10)) $((files - 1))); do
  name=$(printf 'pkg/sub%02d/mod%04d.py' $((i / 100)) "$i")
  printf '\n\ndef added(command):\n    return subprocess.call(command, shell=True)\n' >>"$name"
  changed+=("$name")
done
git -c user.name=bench -c user.email=bench@example.com commit -q --no-verify -am "feat: change"
echo "generated $files modules ($(cat pkg/*/*.py | wc -l) lines); changed ${#changed[@]} files"
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

export TRUNKGATE_NO_CACHE=1
if [ "$only" != tree ]; then
  hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/change.json" \
    -n "bandit (10 files)" "$bin/bandit -q ${changed[*]}" \
    -n "trunkgate security --base main" "$bin/trunkgate security --base main"
fi
if [ "$only" != change ]; then
  hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/tree.json" \
    -n "bandit -r ." "$bin/bandit -q -r ." \
    -n "trunkgate security --all" "$bin/trunkgate security --all"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$only" != tree ]; then
  echo
  echo "== a 10-file change (target: within 1.2x)"
  "$bin/python" "$root/bench/summary.py" "$work/change.json" "bandit (10 files)"
fi
if [ "$only" != change ]; then
  echo
  echo "== the whole tree (target: at most 0.6x)"
  "$bin/python" "$root/bench/summary.py" "$work/tree.json" "bandit -r ."
fi
