#!/usr/bin/env bash
# `trunkgate run` on the demo's project (its fixed twin, from `make demo`) against the bare
# tools it runs, one after the other, side by side in one hyperfine run: ruff check and
# ruff format --check, bandit, pip-audit (against the loopback OSV server of the tests), the
# tests under coverage (the tests gate's run) and coverage report. The target: `run` at most 0.7x the sum of the bare tools' medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
unset PYTHONDONTWRITEBYTECODE
"$bin/python" -m compileall -q "$root/hooks/trunkgate"

"$bin/python" "$root/examples/demo.py" >/dev/null
project="$root/demo/fixed"
"$bin/python" "$root/tests/support/osv_server.py" "$root/tests/data/osv" >"$work/url" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -n 1 "$work/url")
[ -n "$url" ] || { echo "the OSV server did not start" >&2; exit 1; }
export PIP_AUDIT_OSV_URL="$url" PATH="$bin:$PATH"
cd "$project"

hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$work/gates.json" \
  -n "trunkgate run" "$bin/trunkgate run" \
  -n "ruff check" "$bin/ruff check --output-format json ." \
  -n "ruff format --check" "$bin/ruff format --check ." \
  -n "bandit" "$bin/bandit -q -f json --severity-level high -r greeter" \
  -n "pip-audit" "$bin/pip-audit -r requirements.txt -s osv --osv-url $url --no-deps --disable-pip --format json -o $work/audit.json --cache-dir $work/pa-cache" \
  -n "coverage run -m pytest" "$bin/coverage run -m pytest -q -p no:cacheprovider" \
  -n "coverage report" "$bin/coverage report --fail-under 90" \
  >/dev/null
"$bin/python" "$root/bench/summary.py" "$work/gates.json" "trunkgate run"
"$bin/python" - "$work/gates.json" <<'PY'
import json
import statistics
import sys

results = {r["command"]: statistics.median(r["times"]) for r in json.load(open(sys.argv[1]))["results"]}
ours = results.pop("trunkgate run")
bare = sum(results.values())
print(f"sum of the bare tools: {bare * 1000:.0f} ms; trunkgate run: {ours * 1000:.0f} ms "
      f"({ours / bare:.2f}x the sum)")
PY
