#!/usr/bin/env bash
# The secrets gate against bare detect-secrets, side by side in one hyperfine run, on a
# generated project of 300 files (Python, YAML, .env; FILES=N to change) in a git repository,
# with a 10-file change (two of the files gain a fake key): `trunkgate secrets --base main`
# against `detect-secrets scan` on those 10 files with the same plugins (the gate's
# high-signal default: the entropy, keyword and public-IP detectors turned off).
# Target: within 1.5x. Both use the detect-secrets of the dev venv.
# RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
files=${FILES:-300}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
proj="$work/proj"

"$bin/python" - "$proj" "$files" <<'PY'
import os
import random
import sys

proj, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(2026)


def python(i: int) -> str:
    lines = [f'"""Module {i}."""\n\nimport os\n\nLIMIT = {i}\n\n\n']
    for j in range(rng.randint(8, 14)):
        lines.append(f"def handle_{j}(value, text):\n")
        lines.append(f'    url = os.environ.get("SERVICE_{j}_URL", "https://example.com/{j}")\n')
        lines.append(f"    return [str(x) + text[:{j + 1}] for x in range(value + {j})], url\n\n\n")
    return "".join(lines)


def yaml(i: int) -> str:
    lines = [f"service: app-{i}\nreplicas: {rng.randint(1, 9)}\nenv:\n"]
    for j in range(rng.randint(10, 30)):
        lines.append(f"  - name: SETTING_{j}\n    value: \"{rng.randint(0, 10**6)}\"\n")
    return "".join(lines)


def env(i: int) -> str:
    return "".join(f"OPTION_{j}={rng.randint(0, 999)}\n" for j in range(rng.randint(5, 20)))


for i in range(count):
    kind = i % 3
    folder = os.path.join(proj, ("app", "deploy", "config")[kind], f"part{i // 50:02d}")
    os.makedirs(folder, exist_ok=True)
    name, text = (
        (f"mod{i:04d}.py", python(i)),
        (f"svc{i:04d}.yaml", yaml(i)),
        (f"set{i:04d}.env", env(i)),
    )[kind]
    with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
        fh.write(text)
PY

cd "$proj"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q -b main .
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -q --no-verify -m "feat: project"
git checkout -q -b feature/change
mapfile -t all < <(git ls-files)
key="AKIA""IOSFODNN7EXAMPLE" # AWS's documented example key id, split so nothing flags this file
changed=()
step=$(( ${#all[@]} / 10 ))
for n in $(seq 0 9); do
  name=${all[$((n * step + 1))]}
  if [ "$n" -lt 2 ]; then
    printf '# added\nKEY_%s=%s\n' "$n" "$key" >>"$name"
  else
    printf '# added line %s\n' "$n" >>"$name"
  fi
  changed+=("$name")
done
git -c user.name=bench -c user.email=bench@example.com commit -q --no-verify -am "feat: change"
echo "generated $files files ($(cat "${all[@]}" | wc -l) lines); changed ${#changed[@]} files"
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

off=(--disable-plugin Base64HighEntropyString --disable-plugin HexHighEntropyString
  --disable-plugin KeywordDetector --disable-plugin IPPublicDetector)
export TRUNKGATE_NO_CACHE=1
hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/change.json" \
  -n "detect-secrets scan (10 files)" "$bin/detect-secrets scan ${off[*]} ${changed[*]}" \
  -n "trunkgate secrets --base main" "$bin/trunkgate secrets --base main"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== a 10-file change (target: within 1.5x)"
"$bin/python" "$root/bench/summary.py" "$work/change.json" "detect-secrets scan (10 files)"
