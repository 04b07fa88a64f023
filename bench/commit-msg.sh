#!/usr/bin/env bash
# The commit-msg hook against the tools users would pick instead, in one hyperfine run:
# conventional-pre-commit, gitlint (gitlint-core) and commitizen (cz check), each on the same
# typical message file (a header, a body, a footer and git's comment template), next to
# `python -c pass` from trunkgate's venv. Each tool gets its own fresh venv, the way
# pre-commit installs hooks (a wheel with compiled bytecode, by a current pip).
# RUNS=50 by default; KEEP=1 keeps the temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONDONTWRITEBYTECODE  # measure with bytecode caches, as installed hooks run

venv() {  # venv NAME PACKAGE...
  python3 -m venv "$work/$1"
  "$work/$1/bin/pip" install --quiet --upgrade pip
  "$work/$1/bin/pip" install --quiet "${@:2}"
}
venv tg "$root"
venv cpc conventional-pre-commit
venv gitlint gitlint-core
venv cz commitizen

# A repository with git's defaults (core.commentChar unset: trunkgate asks git once) and the
# message git leaves for the commit-msg hook when the author used the editor.
git init -q "$work/repo"
cd "$work/repo"
cp "$root/tests/messages/editor.txt" .git/COMMIT_EDITMSG
msg=.git/COMMIT_EDITMSG

# Every tool must accept the message, or the comparison is moot.
"$work/tg/bin/trunkgate" commit-msg "$msg" >/dev/null
"$work/cpc/bin/conventional-pre-commit" "$msg" >/dev/null
"$work/gitlint/bin/gitlint" --msg-filename "$msg" >/dev/null
"$work/cz/bin/cz" check --commit-msg-file "$msg" >/dev/null

for tool in tg cpc gitlint cz; do
  "$work/$tool/bin/pip" list --format=freeze 2>/dev/null \
    | grep -iE '^(trunkgate|conventional[-_]pre[-_]commit|gitlint[-_]core|commitizen)==' || true
done
echo "git $(git --version | cut -d' ' -f3), $("$work/tg/bin/python" -V)"

hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-json "$work/commit-msg.json" \
  -n "python -c pass" "$work/tg/bin/python -c pass" \
  -n "trunkgate commit-msg" "$work/tg/bin/trunkgate commit-msg $msg" \
  -n "conventional-pre-commit" "$work/cpc/bin/conventional-pre-commit $msg" \
  -n "gitlint" "$work/gitlint/bin/gitlint --msg-filename $msg" \
  -n "cz check" "$work/cz/bin/cz check --commit-msg-file $msg" \
  >/dev/null

"$work/tg/bin/python" - "$work/commit-msg.json" <<'PY'
# Wall-clock medians, and CPU time (user + system, git's included) which a busy machine
# disturbs less.
import json
import statistics
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)["results"]
wall = {r["command"]: statistics.median(r["times"]) for r in results}
cpu = {r["command"]: r["user"] + r["system"] for r in results}
base = "python -c pass"
width = max(len(name) for name in wall)
print(f"{'command':<{width}}  {'median':>9}  {'ratio':>6}  {'cpu':>8}  {'ratio':>6}")
for name in wall:
    print(
        f"{name:<{width}}  {wall[name] * 1000:6.1f} ms  {wall[name] / wall[base]:5.2f}x"
        f"  {cpu[name] * 1000:5.1f} ms  {cpu[name] / cpu[base]:5.2f}x"
    )
PY
