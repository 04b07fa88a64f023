"""Print medians and ratios from a hyperfine JSON export: `summary.py FILE BASELINE-NAME`."""

from __future__ import annotations

import json
import statistics
import sys


def main(argv: list[str]) -> int:
    path, baseline = argv[0], argv[1]
    with open(path, encoding="utf-8") as fh:
        results = json.load(fh)["results"]
    medians = {r["command"]: statistics.median(r["times"]) for r in results}
    base = medians[baseline]
    width = max(len(name) for name in medians)
    print(f"{'command':<{width}}  {'median':>10}  {'vs ' + baseline:>12}")
    for name, median in medians.items():
        print(f"{name:<{width}}  {median * 1000:8.1f} ms  {median / base:11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
