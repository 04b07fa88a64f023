#!/usr/bin/env bash
# The performance gate comparing two runs of 1,000 benchmarks (BENCHMARKS=N to change),
# side by side in one hyperfine run with pytest-benchmark's own `compare` of the same two
# files (its table of both runs, which judges nothing). The files are in pytest-benchmark's
# JSON format, as `--benchmark-json` writes it, every round's time included (ROUNDS=200 a
# benchmark); a tenth of the head's benchmarks are 30 % slower, a tenth faster, the rest
# moved by noise. RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
count=${BENCHMARKS:-1000}
rounds=${ROUNDS:-200}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/python" - "$work" "$count" "$rounds" <<'PY'
import json
import random
import statistics
import sys

work, count, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)


def run(shift):
    items = []
    for i in range(count):
        centre = 1e-6 * (1 + i % 97) * shift(i)
        data = [centre * rng.lognormvariate(0, 0.05) for _ in range(rounds)]
        q1, median, q3 = statistics.quantiles(data, n=4)
        stats = {
            "min": min(data), "max": max(data), "mean": statistics.fmean(data),
            "stddev": statistics.stdev(data), "rounds": rounds, "median": median,
            "iqr": q3 - q1, "q1": q1, "q3": q3, "iqr_outliers": 0, "stddev_outliers": 0,
            "outliers": "0;0", "ld15iqr": min(data), "hd15iqr": max(data),
            "ops": 1 / statistics.fmean(data), "total": sum(data), "data": data,
            "iterations": 1,
        }
        name = f"test_case_{i:04d}"
        items.append({
            "group": None, "name": name, "fullname": f"tests/test_bench_{i // 50:02d}.py::{name}",
            "params": None, "param": None, "extra_info": {}, "options": {}, "stats": stats,
        })
    return {"machine_info": {}, "commit_info": {}, "benchmarks": items,
            "datetime": "2026-12-01T00:00:00", "version": "5.3.1"}


def head_shift(i):
    return 1.3 if i % 10 == 0 else 0.7 if i % 10 == 1 else 1.0


for name, shift in (("base", lambda i: 1.0), ("head", head_shift)):
    with open(f"{work}/{name}.json", "w", encoding="utf-8") as fh:
        json.dump(run(shift), fh)
PY
cd "$work"
echo "generated 2 runs of $count benchmarks ($(du -k base.json | cut -f1) KiB each); cores: $(nproc); load average before: $(cut -d" " -f1-3 /proc/loadavg)"
"$bin/trunkgate" performance --baseline base.json head.json --format json \
  | "$bin/python" -c 'import json,sys; d=json.load(sys.stdin); print("verdict:", d["metrics"])' || true

hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/compare.json" \
  -n "pytest-benchmark compare" "$bin/pytest-benchmark compare base.json head.json" \
  -n "trunkgate performance" "$bin/trunkgate performance --baseline base.json head.json"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$bin/python" "$root/bench/summary.py" "$work/compare.json" "pytest-benchmark compare"
