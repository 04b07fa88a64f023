#!/usr/bin/env bash
# `trunkgate metrics` on a history of 10,000 commits and 500 release tags (built with
# `git fast-import` in a second or so), next to the two git commands it runs (the floor:
# `git log` of the whole history and `git for-each-ref` of the tags), in one hyperfine run.
# The history: changes on main every 10 minutes, one in ten a merge of a two-commit branch,
# some reverts and hotfix merges, an annotated tag every 20 commits (one in three a patch
# release). The target: under 2 s. COMMITS=10000 TAGS=500 RUNS=20 by default; KEEP=1 keeps
# the temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py="$root/.venv/bin/python"
tg="$root/.venv/bin/trunkgate"
work=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi

git init -q -b main "$work/repo"
cd "$work/repo"
"$py" - "${COMMITS:-10000}" "${TAGS:-500}" <<'PY' | git fast-import --quiet
import sys

commits, tags = int(sys.argv[1]), int(sys.argv[2])
every = max(1, commits // tags)
out = sys.stdout.buffer
start = 1780272000  # 2026-06-01 00:00 UTC
mark = 0
made = 0
tagged = 0
major, minor, patch = 1, 0, 0
when = start
trunk = None


def commit(ref, message, parents, path):
    global mark, made, when
    mark += 1
    made += 1
    when += 600
    body = message.encode()
    blob = f"{made}\n".encode()
    head = (
        f"commit {ref}\nmark :{mark}\n"
        f"author Ada <ada@example.com> {when} +0000\n"
        f"committer Ada <ada@example.com> {when} +0000\n"
        f"data {len(body)}\n"
    ).encode()
    out.write(head + body + b"\n")
    if parents:
        out.write(f"from :{parents[0]}\n".encode())
        for other in parents[1:]:
            out.write(f"merge :{other}\n".encode())
    out.write(f"M 100644 inline {path}\ndata {len(blob)}\n".encode() + blob + b"\n")
    return mark


while made < commits:
    i = made
    if i and i % 10 == 0 and made + 3 <= commits:
        side = commit("refs/heads/topic", f"feat: part one of {i}", [trunk], f"topic/{i}.txt")
        side = commit("refs/heads/topic", f"feat: part two of {i}", [side], f"topic/{i}.txt")
        branch = "hotfix" if i % 70 == 0 else "feature"
        trunk = commit(
            "refs/heads/main", f"Merge branch '{branch}/{i}'", [trunk, side], "merges.txt"
        )
    elif i and i % 97 == 0:
        trunk = commit("refs/heads/main", f'Revert "feat: change {i - 1}"', [trunk], "main.txt")
    else:
        trunk = commit("refs/heads/main", f"feat: change {i}", [trunk] if trunk else [], "main.txt")
    if made // every > tagged and tagged < tags:
        tagged += 1
        if tagged % 3 == 0:
            patch += 1
        else:
            minor, patch = minor + 1, 0
        name = f"v{major}.{minor}.{patch}"
        text = name.encode()
        out.write(
            f"tag {name}\nfrom :{trunk}\ntagger Ada <ada@example.com> {when + 300} +0000\n"
            f"data {len(text)}\n".encode()
            + text
            + b"\n"
        )
PY
git checkout -q main
until=$(git log -1 --format=%cs)
echo "history: $(git rev-list --count HEAD) commits, $(git tag | wc -l) tags, $(git rev-list --merges --count HEAD) merges; git $(git --version | cut -d' ' -f3), $("$py" -V)"
"$tg" metrics --since 90d --until "$until" | head -7

hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$work/metrics.json" \
  -n "git log (the history)" "git log -z --format=%H%x1f%P%x1f%at%x1f%ct%x1f%s HEAD" \
  -n "git for-each-ref (the tags)" "git for-each-ref --format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(creatordate:unix) refs/tags/" \
  -n "trunkgate metrics" "$tg metrics --since 90d --until $until" \
  -n "trunkgate metrics --format json" "$tg metrics --since 90d --until $until --format json" \
  >/dev/null

"$py" - "$work/metrics.json" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as fh:
    results = json.load(fh)["results"]
floor = sum(r["median"] for r in results[:2])
print(f"{'command':<34} {'median':>9} {'cpu':>9}  vs the two git commands")
for r in results:
    cpu = r["user"] + r["system"]
    print(f"{r['command']:<34} {r['median'] * 1000:7.0f} ms {cpu * 1000:6.0f} ms  {r['median'] / floor:5.1f}x")
worst = max(r["median"] for r in results[2:])
print(f"target: under 2 s; slowest trunkgate median {worst:.2f} s: {'met' if worst < 2 else 'MISSED'}")
PY
