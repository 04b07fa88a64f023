#!/usr/bin/env bash
# `trunkgate release next` against commitizen's `cz bump --get-next`, side by side in one
# hyperfine run, on a generated history: 5,000 Conventional Commits, 300 release tags (one
# every 16 commits, the newest 20 commits behind HEAD) and 150 floating tags (vX, vX.Y).
# Each tool is installed in its own fresh venv the way pre-commit installs hooks.
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
venv cz "commitizen==${COMMITIZEN_VERSION:-4.19.3}"

repo="$work/repo"
git init -q -b main "$repo"
cat >"$repo/pyproject.toml" <<'TOML'
[project]
name = "bench"
version = "0.0.0"

[tool.commitizen]
name = "cz_conventional_commits"
version_provider = "scm"
tag_format = "v$version"
TOML
# fast-import: 5,000 commits, each a release every 16th, a floating tag per minor and major.
python3 - "$repo" <<'PY' | git -C "$repo" fast-import --quiet
import sys

kinds = ["fix: a bug", "docs: words", "chore: deps", "feat: a thing", "refactor: code"]
with open(f"{sys.argv[1]}/pyproject.toml", "rb") as fh:
    pyproject = fh.read()
out = sys.stdout.buffer
major, minor, patch = 1, 0, 0
tags = []
for n in range(1, 5001):
    msg = f"{kinds[n % len(kinds)]} {n}\n".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"mark :{n}\n".encode())
    out.write(f"committer Bench <b@example.com> {1700000000 + n * 60} +0000\n".encode())
    out.write(f"data {len(msg)}\n".encode() + msg)
    if n == 1:
        out.write(f"M 644 inline pyproject.toml\ndata {len(pyproject)}\n".encode() + pyproject)
    if n % 16 == 0 and n <= 4980:
        patch += 1
        if patch == 10:
            minor, patch = minor + 1, 0
        if minor == 10:
            major, minor = major + 1, 0
        tags.append((f"v{major}.{minor}.{patch}", n))
for name, mark in tags:
    out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())
seen = {}
for name, mark in tags:  # floating tags: the newest release of each major and minor
    major, minor, _ = name[1:].split(".")
    seen[f"v{major}"] = mark
    seen[f"v{major}.{minor}"] = mark
for name, mark in seen.items():
    out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())
PY
git -C "$repo" checkout -q -f main
echo "history: $(git -C "$repo" rev-list --count HEAD) commits, $(git -C "$repo" tag | wc -l) tags"

cd "$repo"
last=$(git describe --tags --abbrev=0 --match 'v*.*.*')
ours=$("$work/tg/bin/trunkgate" release next 2>/dev/null)
theirs=$("$work/cz/bin/cz" bump --get-next --yes 2>/dev/null | tail -1)
echo "trunkgate release next: $ours; cz bump --get-next: $theirs"

hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$work/release.json" \
  -n "python -c pass" "$work/tg/bin/python -c pass" \
  -n "git log (floor)" "git log --format=%H%x1f%B $last..HEAD" \
  -n "trunkgate release next" "$work/tg/bin/trunkgate release next" \
  -n "cz bump --get-next" "$work/cz/bin/cz bump --get-next --yes" \
  >/dev/null 2>&1 || true

python3 - "$work/release.json" <<'PY'
import json
import statistics
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)["results"]
medians = {r["command"]: statistics.median(r["times"]) for r in results}
ours = medians["trunkgate release next"]
for name, value in medians.items():
    print(f"{name:>24}: {value * 1000:7.1f} ms  ({value / ours:.2f}x ours)")
PY
