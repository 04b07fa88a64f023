#!/usr/bin/env bash
# `trunkgate run` on the demo's project (its fixed twin, from `make demo`) against the bare
# tools it runs, one after the other, side by side in one hyperfine run: ruff check and
# ruff format --check, bandit, pip-audit (against the loopback OSV server of the tests), the
# tests under coverage (the tests gate's run), coverage report and detect-secrets scan (the
# change's files, the secrets gate's plugins).
# The target: `run` at most 0.7x the sum of the bare tools' medians.
#
# The machine is shared and its load drifts, so hyperfine runs ROUNDS times (default 5) with
# RUNS runs of each command (default 4) and WARMUP warm-up runs (default 1); each round gives
# its own ratio, and the figure is the median of the rounds' ratios. The CPU time (user +
# system, children included) is shown too: on a loaded machine no core is idle, so the wall
# time of `run` tends to its CPU time.
# BEFORE=REF also times `trunkgate run` of an earlier commit's engine (git archive of
# hooks/ at REF, run with the same interpreter and tools), in the same rounds, against the
# bare tools less those of gates it did not have yet (NEW_TOOLS, default "detect-secrets").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
rounds=${ROUNDS:-5}
runs=${RUNS:-4}
warmup=${WARMUP:-1}
before=${BEFORE:-}
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

extra=()
if [ -n "$before" ]; then
  mkdir -p "$work/before"
  git -C "$root" archive "$before" hooks | tar -x -C "$work/before"
  "$bin/python" -m compileall -q "$work/before/hooks/trunkgate"
  extra=(-n "trunkgate run ($before)" "env PYTHONPATH=$work/before/hooks $bin/python -m trunkgate run")
fi
cd "$project"
mapfile -t changed < <(git diff --name-only main...HEAD)
off=(--disable-plugin Base64HighEntropyString --disable-plugin HexHighEntropyString
  --disable-plugin KeywordDetector --disable-plugin IPPublicDetector)
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds of $runs runs"

for round in $(seq "$rounds"); do
  hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$work/gates-$round.json" \
    -n "trunkgate run" "$bin/trunkgate run" \
    "${extra[@]}" \
    -n "ruff check" "$bin/ruff check --output-format json ." \
    -n "ruff format --check" "$bin/ruff format --check ." \
    -n "bandit" "$bin/bandit -q -f json --severity-level high -r greeter" \
    -n "pip-audit" "$bin/pip-audit -r requirements.txt -s osv --osv-url $url --no-deps --disable-pip --format json -o $work/audit.json --cache-dir $work/pa-cache" \
    -n "coverage run -m pytest" "$bin/coverage run -m pytest -q -p no:cacheprovider" \
    -n "coverage report" "$bin/coverage report --fail-under 90" \
    -n "detect-secrets scan" "$bin/detect-secrets scan ${off[*]} ${changed[*]}" \
    >/dev/null
done
"$bin/python" - "$work" "$rounds" "${NEW_TOOLS:-detect-secrets}" <<'PY'
import json
import statistics
import sys

work, rounds = sys.argv[1], int(sys.argv[2])
new_tools = tuple(t for t in sys.argv[3].split(",") if t)


def bare_for(run: str, values: dict[str, float]) -> float:
    """The bare tools a run is compared with: all of them, less the new ones for an earlier
    engine's run."""
    earlier = run != "trunkgate run"
    return sum(
        t
        for name, t in values.items()
        if not name.startswith("trunkgate run") and not (earlier and name.startswith(new_tools))
    )


ours = ["trunkgate run"]
ratios: dict[str, list[float]] = {}
medians: dict[str, list[float]] = {}
cpu: dict[str, list[float]] = {}
for round_ in range(1, rounds + 1):
    with open(f"{work}/gates-{round_}.json", encoding="utf-8") as fh:
        exported = json.load(fh)["results"]
    results = {r["command"]: statistics.median(r["times"]) for r in exported}
    for r in exported:
        cpu.setdefault(r["command"], []).append(r["user"] + r["system"])
    runs = {name: t for name, t in results.items() if name.startswith("trunkgate run")}
    for name, t in results.items():
        medians.setdefault(name, []).append(t)
    for name, t in runs.items():
        ratios.setdefault(name, []).append(t / bare_for(name, results))
    shown = ", ".join(
        f"{name} {t * 1000:.0f} ms ({t / bare_for(name, results):.2f}x of "
        f"{bare_for(name, results) * 1000:.0f} ms)"
        for name, t in runs.items()
    )
    print(f"round {round_}: {shown}")
print()
for name, values in medians.items():
    print(f"{name:<34} median of the rounds' medians {statistics.median(values) * 1000:7.1f} ms")
cpu_medians = {k: statistics.median(v) for k, v in cpu.items()}
for name, used in cpu_medians.items():
    if name.startswith("trunkgate run"):
        bare_cpu = bare_for(name, cpu_medians)
        print(f"{name}: {used * 1000:.0f} ms of CPU (user+system, its tools included) against "
              f"{bare_cpu * 1000:.0f} ms for its bare tools ({used / bare_cpu:.2f}x)")
for name, values in ratios.items():
    print(f"{name}: {statistics.median(ratios[name]):.2f}x the sum of the bare tools (median of "
          f"{len(values)} rounds; range {min(values):.2f}-{max(values):.2f})")
PY
