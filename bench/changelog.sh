#!/usr/bin/env bash
# The changelog linter against kacl-cli (PyPI python-kacl), side by side in one hyperfine run,
# on generated changelogs of 50, 500 and 2,000 versions; then the linearity of our parse and
# check in-process (the wall-clock runs are dominated by interpreter start-up).
# Each tool is installed in its own fresh venv the way pre-commit installs hooks (a wheel, with
# compiled bytecode, by a current pip).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

venv() {  # venv NAME PACKAGE...
  python3 -m venv "$work/$1"
  "$work/$1/bin/pip" install --quiet --upgrade pip
  "$work/$1/bin/pip" install --quiet "${@:2}"
}
venv tg "$root"
venv kacl python-kacl

# Changelogs both tools accept: the preamble kacl wants, three groups a version, link references.
python3 - "$work" <<'PY'
import datetime
import sys

work = sys.argv[1]
for count in (50, 500, 2000):
    versions = [f"{n // 100}.{n // 10 % 10}.{n % 10}" for n in range(count, 0, -1)]
    day = datetime.date(2026, 6, 1)
    lines = [
        "# Changelog",
        "All notable changes to this project will be documented in this file.",
        "",
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/), "
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).",
        "",
        "## [Unreleased]",
        "### Added",
        "- Something new that is not released yet.",
        "",
    ]
    for i, version in enumerate(versions):
        date = day - datetime.timedelta(days=3 * i)
        lines += [
            f"## [{version}] - {date.isoformat()}",
            "### Added",
            f"- A feature that shipped in {version}, described in a sentence or two for the",
            "  people who read release notes.",
            "- Another addition.",
            "### Fixed",
            f"- A bug fixed in {version}.",
            "### Security",
            f"- CVE-2026-{10000 + i}: a vulnerability fixed in {version}.",
            "",
        ]
    lines.append(f"[Unreleased]: https://example.com/compare/v{versions[0]}...HEAD")
    for newer, older in zip(versions, versions[1:]):
        lines.append(f"[{newer}]: https://example.com/compare/v{older}...v{newer}")
    lines.append(f"[{versions[-1]}]: https://example.com/releases/tag/v{versions[-1]}")
    with open(f"{work}/CHANGELOG-{count}.md", "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
PY

cd "$work"  # no policy file here: the defaults
for count in 50 500 2000; do  # both tools must accept every file, or the comparison is moot
  "$work/tg/bin/trunkgate" changelog "CHANGELOG-$count.md" >/dev/null
  "$work/kacl/bin/kacl-cli" -f "CHANGELOG-$count.md" verify >/dev/null
done

hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$work/changelog.json" \
  -n "python -c pass" "$work/tg/bin/python -c pass" \
  -n "trunkgate 50" "$work/tg/bin/trunkgate changelog CHANGELOG-50.md" \
  -n "kacl 50" "$work/kacl/bin/kacl-cli -f CHANGELOG-50.md verify" \
  -n "trunkgate 500" "$work/tg/bin/trunkgate changelog CHANGELOG-500.md" \
  -n "kacl 500" "$work/kacl/bin/kacl-cli -f CHANGELOG-500.md verify" \
  -n "trunkgate 2000" "$work/tg/bin/trunkgate changelog CHANGELOG-2000.md" \
  -n "kacl 2000" "$work/kacl/bin/kacl-cli -f CHANGELOG-2000.md verify" \
  >/dev/null

python3 - "$work/changelog.json" <<'PY'
import json
import statistics
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)["results"]
medians = {r["command"]: statistics.median(r["times"]) for r in results}
cpu = {r["command"]: r["user"] + r["system"] for r in results}  # steadier on a busy machine
base = medians["python -c pass"]
print(f"python -c pass: {base * 1000:.1f} ms (cpu {cpu['python -c pass'] * 1000:.1f} ms)")
print(
    f"{'versions':>8}  {'trunkgate':>10}  {'vs pass':>7}  {'kacl-cli':>10}  {'kacl/ours':>9}"
    f"  {'cpu kacl/ours':>13}"
)
for count in (50, 500, 2000):
    ours, theirs = medians[f"trunkgate {count}"], medians[f"kacl {count}"]
    cpu_ratio = cpu[f"kacl {count}"] / cpu[f"trunkgate {count}"]
    print(
        f"{count:>8}  {ours * 1000:7.1f} ms  {ours / base:6.2f}x  "
        f"{theirs * 1000:7.1f} ms  {theirs / ours:8.1f}x  {cpu_ratio:12.1f}x"
    )
extra = {c: medians[f"trunkgate {c}"] - base for c in (500, 2000)}
print(
    f"above start-up: 500 -> {extra[500] * 1000:.1f} ms, 2000 -> {extra[2000] * 1000:.1f} ms "
    f"({extra[2000] / extra[500]:.2f}x for 4x the versions)"
)
PY

# Linearity without start-up: parse and check in-process, best of several runs.
"$work/tg/bin/python" - "$work" <<'PY'
import sys
import time

from trunkgate import config
from trunkgate.gates import changelog

work = sys.argv[1]
policy = config.resolve("changelog", start=work)
per_line = {}


def once(text: str) -> float:
    start = time.perf_counter()
    changelog.check_text(text, policy, "CHANGELOG.md")
    return time.perf_counter() - start


for count in (50, 500, 2000):
    with open(f"{work}/CHANGELOG-{count}.md", encoding="utf-8") as fh:
        text = fh.read()
    lines = text.count("\n")
    assert changelog.check_text(text, policy, "CHANGELOG.md") == []
    best = min(once(text) for _ in range(7))
    per_line[count] = best / lines
    print(
        f"in-process {count:>4} versions, {lines:>6} lines: {best * 1000:6.2f} ms "
        f"({best / lines * 1e6:.2f} us/line)"
    )
print(f"us/line 2000 vs 500: {per_line[2000] / per_line[500]:.2f}x (1.00x is linear)")

# The same without timing noise: Python function calls made, per line of the file.
import cProfile
import pstats

calls = {}
for count in (500, 2000):
    with open(f"{work}/CHANGELOG-{count}.md", encoding="utf-8") as fh:
        text = fh.read()
    profile = cProfile.Profile()
    profile.runcall(changelog.check_text, text, policy, "CHANGELOG.md")
    calls[count] = pstats.Stats(profile).total_calls / text.count("\n")  # type: ignore[attr-defined]
print(f"calls/line: 500 -> {calls[500]:.2f}, 2000 -> {calls[2000]:.2f}")
PY
